//! What a typed value lost of the JSON the server sent: every key the server wrote must come
//! back, with its value, when the typed value is serialized again.

use serde_json::Value;

/// The differences between `sent` (as the server wrote it) and `typed` (the decoded value
/// serialized back), one line each: `path: what`. Empty when nothing was lost.
///
/// A member sent as `null`, `{}` or `[]` may be absent from `typed` (it carries nothing). A
/// string that holds JSON where `typed` has an object or an array (the server marshals some
/// values before adding them to an event) is compared as the JSON it holds. Numbers compare by
/// value (`1` and `1.0` are equal).
pub fn lost(sent: &Value, typed: &Value) -> Vec<String> {
    let mut out = Vec::new();
    compare(sent, typed, "", &mut out);
    out
}

fn compare(sent: &Value, typed: &Value, path: &str, out: &mut Vec<String>) {
    match (sent, typed) {
        (Value::Object(sent), Value::Object(typed)) => {
            for (key, value) in sent {
                let here = format!("{path}/{key}");
                match typed.get(key) {
                    Some(typed_value) => compare(value, typed_value, &here, out),
                    None if carries_nothing(value) => {}
                    None => out.push(format!("{here}: dropped ({})", snippet(value))),
                }
            }
        }
        (Value::Array(sent), Value::Array(typed)) if sent.len() == typed.len() => {
            for (index, (sent, typed)) in sent.iter().zip(typed).enumerate() {
                compare(sent, typed, &format!("{path}/{index}"), out);
            }
        }
        (Value::String(text), Value::Object(_) | Value::Array(_)) => match serde_json::from_str::<Value>(text) {
            Ok(inner) => compare(&inner, typed, path, out),
            Err(_) => out.push(format!("{path}: sent {}, typed {}", snippet(sent), snippet(typed))),
        },
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => {}
        (sent, typed) if sent == typed => {}
        (sent, typed) if carries_nothing(sent) && carries_nothing(typed) => {}
        (sent, typed) => out.push(format!("{path}: sent {}, typed {}", snippet(sent), snippet(typed))),
    }
}

/// `null`, `{}` or `[]`.
fn carries_nothing(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Object(map) => map.is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

/// A value's JSON text, at most 120 characters.
fn snippet(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(120) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_what_was_lost() {
        let sent = json!({"a": 1, "b": "{\"c\":[1,2]}", "d": null, "e": {}, "f": {"g": true}});
        assert!(lost(&sent, &json!({"a": 1.0, "b": {"c": [1, 2]}, "f": {"g": true}})).is_empty());
        assert_eq!(
            lost(&sent, &json!({"a": 2, "b": {"c": [1]}, "f": {}})),
            vec![
                "/a: sent 1, typed 2".to_owned(),
                "/b/c: sent [1,2], typed [1]".to_owned(),
                "/f/g: dropped (true)".to_owned(),
            ]
        );
    }
}
