//! Repairs and lints on the spec tree that `openapiv3` cannot express: it ignores unknown keys
//! silently and cannot read a media type whose value is null.

use serde_json::{Map, Value};

use crate::diag::{escape_token, Diagnostics};

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const PATH_ITEM_KEYS: &[&str] = &["$ref", "summary", "description", "servers", "parameters"];
const OPERATION_KEYS: &[&str] = &[
    "tags", "summary", "description", "externalDocs", "operationId", "parameters", "requestBody", "responses", "callbacks",
    "deprecated", "security", "servers",
];

/// Walks paths and operations: warns on keys OpenAPI does not define there (they are ignored),
/// turns null media types into untyped ones, and drops `content` entries that are not media
/// types (a mis-indented `schema:`).
pub fn repair(root: &mut Value, diagnostics: &mut Diagnostics) {
    let Some(Value::Object(paths)) = root.get_mut("paths") else { return };
    for (path, item) in paths.iter_mut() {
        let item_pointer = format!("/paths/{}", escape_token(path));
        let Value::Object(item) = item else { continue };
        for (key, operation) in item.iter_mut() {
            if METHODS.contains(&key.as_str()) {
                repair_operation(operation, &format!("{item_pointer}/{key}"), diagnostics);
            } else if !PATH_ITEM_KEYS.contains(&key.as_str()) && !key.starts_with("x-") {
                diagnostics.warn(
                    "unknown-key",
                    format!("{item_pointer}/{}", escape_token(key)),
                    format!("`{key}` is not a path item field in OpenAPI 3.0; ignored it. Remove or fix it in spec/overlay.yaml"),
                );
            }
        }
    }
}

fn repair_operation(operation: &mut Value, pointer: &str, diagnostics: &mut Diagnostics) {
    let Value::Object(operation) = operation else { return };
    for key in operation.keys() {
        if !OPERATION_KEYS.contains(&key.as_str()) && !key.starts_with("x-") {
            let hint = if key == "body" { " (a request body belongs under `requestBody`)" } else { "" };
            diagnostics.warn(
                "unknown-key",
                format!("{pointer}/{}", escape_token(key)),
                format!("`{key}` is not an operation field in OpenAPI 3.0{hint}; ignored it. Remove or fix it in spec/overlay.yaml"),
            );
        }
    }
    if let Some(Value::Object(body)) = operation.get_mut("requestBody") {
        repair_content(body, &format!("{pointer}/requestBody"), diagnostics);
    }
    if let Some(Value::Object(responses)) = operation.get_mut("responses") {
        for (code, response) in responses.iter_mut() {
            if let Value::Object(response) = response {
                repair_content(response, &format!("{pointer}/responses/{}", escape_token(code)), diagnostics);
            }
        }
    }
}

fn repair_content(holder: &mut Map<String, Value>, pointer: &str, diagnostics: &mut Diagnostics) {
    let Some(Value::Object(content)) = holder.get_mut("content") else { return };
    let content_pointer = format!("{pointer}/content");
    content.retain(|media, value| {
        let at = format!("{content_pointer}/{}", escape_token(media));
        if !media.contains('/') {
            diagnostics.warn(
                "misplaced-key",
                at,
                format!("`{media}` under `content` is not a media type (a mis-indented `{media}:`?); dropped it"),
            );
            return false;
        }
        if value.is_null() {
            diagnostics.warn(
                "null-media-type",
                at,
                format!("media type `{media}` has no value; treated it as an untyped body (`serde_json::Value` for JSON, bytes otherwise)"),
            );
            *value = Value::Object(Map::new());
        }
        true
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn null_media_types_become_untyped_and_stray_keys_are_reported() {
        let mut spec = json!({"paths": {"/a": {
            "post": {
                "body": {"x": 1},
                "requestBody": {"content": {"application/json": null, "schema": {"type": "object"}}},
                "responses": {"200": {"description": "ok"}}
            },
            "sumary": "typo"
        }}});
        let mut diagnostics = Diagnostics::default();
        repair(&mut spec, &mut diagnostics);
        assert_eq!(spec["paths"]["/a"]["post"]["requestBody"]["content"], json!({"application/json": {}}));
        let kinds: Vec<(&str, &str)> = diagnostics.items().iter().map(|d| (d.kind, d.pointer.as_str())).collect();
        assert_eq!(
            kinds,
            [
                ("unknown-key", "/paths/~1a/post/body"),
                ("null-media-type", "/paths/~1a/post/requestBody/content/application~1json"),
                ("misplaced-key", "/paths/~1a/post/requestBody/content/schema"),
                ("unknown-key", "/paths/~1a/sumary"),
            ]
        );
    }
}
