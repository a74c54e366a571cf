//! The comparison of the JSON the server sent with the typed value serialised back: every key
//! the server sent must come back with its value, or it was lost on the way into the types.

use serde_json::Value;

/// The keys of `raw` that `typed` does not give back with the same value, as JSON pointers
/// with what differs. A `null` the types leave out is not a loss (absent and null are one
/// thing to the server's Go structs), nor one that comes back as an empty list or map (the Go
/// server writes a nil slice or map as `null`, which the client decodes as empty); numbers
/// compare by value (`1` and `1.0` are one).
pub fn lost_keys(raw: &Value, typed: &Value) -> Vec<String> {
    let mut lost = Vec::new();
    walk(raw, Some(typed), "", &mut lost);
    lost
}

fn walk(raw: &Value, typed: Option<&Value>, at: &str, lost: &mut Vec<String>) {
    match (raw, typed) {
        (Value::Null, None | Some(Value::Null)) => {}
        (Value::Null, Some(Value::Array(typed))) if typed.is_empty() => {}
        (Value::Null, Some(Value::Object(typed))) if typed.is_empty() => {}
        (_, None) => lost.push(format!("{at}: dropped ({})", kind(raw))),
        (Value::Object(raw), Some(Value::Object(typed))) => {
            for (key, value) in raw {
                let pointer = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                walk(value, typed.get(key), &pointer, lost);
            }
        }
        (Value::Array(raw), Some(Value::Array(typed))) if raw.len() == typed.len() => {
            for (index, (raw, typed)) in raw.iter().zip(typed).enumerate() {
                walk(raw, Some(typed), &format!("{at}/{index}"), lost);
            }
        }
        (Value::Number(a), Some(Value::Number(b))) if a.as_f64() == b.as_f64() => {}
        (raw, Some(typed)) if raw == typed => {}
        (raw, Some(typed)) => lost.push(format!("{at}: sent {} came back {}", short(raw), short(typed))),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.len() > 80 {
        format!("{}… ({})", &text[..text.char_indices().nth(77).map_or(text.len(), |(i, _)| i)], kind(value))
    } else {
        text
    }
}
