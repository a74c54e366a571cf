// Copied by `cargo xtask regen` from templates/src/runtime/redact.rs. Edit it there.

//! Text that reaches `Display` and `Debug` output from a server: control characters escaped,
//! lengths bounded, and JSON string values (which may be tokens) masked.

/// Shown instead of a secret or of a JSON string value.
pub(super) const MASK: &str = "…";

/// `text` on one line: control characters (newlines, `ESC`...) escaped as `\n`, `\u{1b}`,
/// and at most `max_chars` characters, ending with `…` when cut.
pub(super) fn escape_bounded(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars + 8));
    for (count, c) in text.chars().enumerate() {
        if count == max_chars {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// At most `max` bytes of the start of a reply body for an error message, with every JSON string value
/// replaced by `"…"` (object keys, numbers and punctuation are kept), so that a token in the
/// body never reaches the message. A body that does not look like JSON is shown only when it
/// looks like markup (an HTML error page of a proxy), else only its length.
pub(super) fn body_snippet(body: &[u8], max: usize) -> String {
    // Masking shortens long values, so more than `max` bytes are looked at.
    let text = super::error::lossy_prefix(body, max.saturating_mul(64));
    let trimmed = text.trim_start();
    let shown = match trimmed.chars().next() {
        None => String::new(),
        Some('{' | '[') => mask_json_strings(trimmed),
        Some('<') => trimmed.to_owned(),
        Some(_) if looks_like_json_scalar(trimmed) => mask_json_strings(trimmed),
        Some(_) => return format!("({} bytes of non-JSON text)", body.len()),
    };
    let mut snippet = escape_bounded(&shown, max);
    if snippet.len() > max {
        // At most `max` bytes, the closing `…` included.
        let mut cut = max.saturating_sub('…'.len_utf8());
        while !snippet.is_char_boundary(cut) {
            cut -= 1;
        }
        snippet.truncate(cut);
        snippet.push('…');
    }
    snippet
}

fn looks_like_json_scalar(text: &str) -> bool {
    text.starts_with('"')
        || text.starts_with(|c: char| c.is_ascii_digit() || c == '-')
        || ["true", "false", "null"].iter().any(|w| text.starts_with(w))
}

/// Replaces the content of every JSON string that is not an object key by `…`, and escapes
/// control characters outside strings.
fn mask_json_strings(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut chars = json.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c != '"' {
            if c.is_control() && !matches!(c, ' ' | '\t') {
                out.push(' ');
            } else {
                out.push(c);
            }
            continue;
        }
        // Find the closing quote, skipping escaped characters.
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let Some(end) = end else {
            // Cut inside a string: mask what is left.
            out.push('"');
            out.push_str(MASK);
            break;
        };
        let is_key = json[end + 1..].trim_start().starts_with(':');
        if is_key {
            out.push_str(&escape_bounded(&json[start..=end], 200));
        } else {
            out.push('"');
            out.push_str(MASK);
            out.push('"');
        }
    }
    out
}

/// A serde_json error message with its quoted values (`string "…"`) masked and its position
/// suffix removed (the position is kept apart).
pub(super) fn serde_message(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let message = match message.rfind(" at line ") {
        Some(cut) => &message[..cut],
        None => message.as_str(),
    };
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(open) = rest.find('"') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let mut close = None;
        let mut escaped = false;
        for (i, c) in after.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    close = Some(i);
                    break;
                }
                _ => {}
            }
        }
        out.push('"');
        out.push_str(MASK);
        out.push('"');
        match close {
            Some(close) => rest = &after[close + 1..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    escape_bounded(&out, 300)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_bounds() {
        assert_eq!(escape_bounded("a\nb\u{1b}[31m", 100), "a\\nb\\u{1b}[31m");
        assert_eq!(escape_bounded("abcdef", 3), "abc…");
    }

    #[test]
    fn masks_json_string_values_but_not_keys() {
        let body = br#"{"token":"s3cr3t","id":"x\"y","n":5,"list":["a",true]}"#;
        assert_eq!(
            body_snippet(body, 512),
            r#"{"token":"…","id":"…","n":5,"list":["…",true]}"#
        );
        // Cut inside a string value.
        assert_eq!(body_snippet(br#"{"token":"s3cr3t"#, 512), r#"{"token":"…"#);
        assert_eq!(body_snippet(br#"{"a":1,"token":"s3cr3t"}"#, 8), r#"{"a":…"#);
        assert_eq!(body_snippet(b"plain s3cr3t", 512), "(12 bytes of non-JSON text)");
        assert_eq!(body_snippet(b"<html>\nbad</html>", 512), "<html>\\nbad</html>");
    }

    #[test]
    fn serde_messages_lose_values() {
        let error = serde_json::from_str::<u64>(r#""s3cr3t""#).expect_err("a string is no u64");
        let message = serde_message(&error);
        assert!(!message.contains("s3cr3t"), "{message}");
        assert!(message.contains("invalid type"), "{message}");
        assert!(!message.contains("line"), "{message}");
    }
}
