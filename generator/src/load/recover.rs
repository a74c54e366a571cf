//! Recovery at the smallest node: when `openapiv3` cannot read the document, each droppable
//! node (a schema, a parameter, a media type, a response, a request body, an operation, a
//! path item, a component) is read on its own, and only the smallest one that cannot be read
//! is dropped, with a located warning.
//!
//! `openapiv3` flattens path items, operations and responses, so `serde_path_to_error` can
//! only point at `/paths` for an error anywhere below it: dropping what it points at would
//! throw away every operation of the spec for one bad parameter.

use openapiv3::{
    Callback, Example, ExternalDocumentation, Header, Link, MediaType, Operation, Parameter, PathItem, ReferenceOr, RequestBody,
    Response, Schema, SecurityRequirement, SecurityScheme, Server, Tag,
};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::diag::{escape_token, Diagnostics};

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// A check that a node reads as one `openapiv3` type; `Err` says why not.
type Check = fn(&Value) -> Result<(), String>;

/// Whether `value` reads as `T`, and if not, why (with the path inside the node, when known).
fn readable<T: DeserializeOwned>(value: &Value) -> Result<(), String> {
    match serde_path_to_error::deserialize::<_, T>(value) {
        Ok(_) => Ok(()),
        Err(error) => {
            let path = error.path().to_string();
            let reason = error.into_inner().to_string();
            Err(if path.is_empty() || path == "." { reason } else { format!("at `{path}`: {reason}") })
        }
    }
}

/// Like [`readable`] for `ReferenceOr<T>`, but with the reason `T` gives: the untagged
/// `ReferenceOr` only says that no variant matched.
fn readable_ref_or<T: DeserializeOwned>(value: &Value) -> Result<(), String> {
    readable::<ReferenceOr<T>>(value).map_err(|untagged| match value.get("$ref") {
        Some(_) => untagged,
        None => readable::<T>(value).err().unwrap_or(untagged),
    })
}

fn child(pointer: &str, key: &str) -> String {
    format!("{pointer}/{}", escape_token(key))
}

fn dropped(diagnostics: &mut Diagnostics, pointer: String, what: &str, reason: &str) {
    diagnostics.warn(
        "dropped-node",
        pointer,
        format!("cannot read this {what} ({reason}); dropped it and read the rest of the spec; fix it in spec/overlay.yaml to keep it"),
    );
}

/// Drops the smallest unreadable nodes under `paths` and `components` and the unreadable
/// optional top-level fields. Nodes that read are left as they are.
pub fn recover(root: &mut Value, diagnostics: &mut Diagnostics) {
    let Value::Object(root) = root else { return };
    if let Some(Value::Object(paths)) = root.get_mut("paths") {
        recover_paths(paths, diagnostics);
    }
    if let Some(Value::Object(components)) = root.get_mut("components") {
        recover_components(components, diagnostics);
    }
    let optional: &[(&str, Check)] = &[
        ("servers", readable::<Vec<Server>>),
        ("security", readable::<Vec<SecurityRequirement>>),
        ("tags", readable::<Vec<Tag>>),
        ("externalDocs", readable::<ExternalDocumentation>),
    ];
    recover_fields(root, "", optional, diagnostics);
}

/// Drops each listed field of `map` that does not read.
fn recover_fields(map: &mut Map<String, Value>, pointer: &str, fields: &[(&str, Check)], diagnostics: &mut Diagnostics) {
    for (key, check) in fields {
        let Some(value) = map.get(*key) else { continue };
        if let Err(reason) = check(value) {
            dropped(diagnostics, child(pointer, key), &format!("`{key}`"), &reason);
            map.shift_remove(*key);
        }
    }
}

fn recover_paths(paths: &mut Map<String, Value>, diagnostics: &mut Diagnostics) {
    let keys: Vec<String> = paths.keys().filter(|k| k.starts_with('/')).cloned().collect();
    for key in keys {
        let pointer = child("/paths", &key);
        let Some(item) = paths.get_mut(&key) else { continue };
        if readable_ref_or::<PathItem>(item).is_ok() {
            continue;
        }
        if let Value::Object(map) = item {
            if !map.contains_key("$ref") {
                recover_parameter_list(map, &pointer, diagnostics);
                for method in METHODS {
                    let Some(operation) = map.get_mut(*method) else { continue };
                    let at = child(&pointer, method);
                    if let Err(reason) = recover_operation(operation, &at, diagnostics) {
                        dropped(diagnostics, at, "operation", &reason);
                        map.shift_remove(*method);
                    }
                }
                let fields: &[(&str, Check)] = &[
                    ("summary", readable::<Option<String>>),
                    ("description", readable::<Option<String>>),
                    ("servers", readable::<Vec<Server>>),
                ];
                recover_fields(map, &pointer, fields, diagnostics);
            }
        }
        if let Err(reason) = readable_ref_or::<PathItem>(item) {
            dropped(diagnostics, pointer, "path item", &reason);
            paths.shift_remove(&key);
        }
    }
}

/// Keeps the readable parameters of a path item or operation.
fn recover_parameter_list(holder: &mut Map<String, Value>, pointer: &str, diagnostics: &mut Diagnostics) {
    let at = child(pointer, "parameters");
    match holder.get_mut("parameters") {
        None => {}
        Some(Value::Array(list)) => {
            let mut index = 0;
            list.retain(|parameter| {
                let keep = match readable_ref_or::<Parameter>(parameter) {
                    Ok(()) => true,
                    Err(reason) => {
                        dropped(diagnostics, format!("{at}/{index}"), "parameter", &reason);
                        false
                    }
                };
                index += 1;
                keep
            });
        }
        Some(other) => {
            let reason = readable::<Vec<Value>>(other).err().unwrap_or_default();
            dropped(diagnostics, at, "parameter list", &reason);
            holder.shift_remove("parameters");
        }
    }
}

/// Repairs an operation from the inside; `Err` says why it still cannot be read.
fn recover_operation(operation: &mut Value, pointer: &str, diagnostics: &mut Diagnostics) -> Result<(), String> {
    if readable::<Operation>(operation).is_ok() {
        return Ok(());
    }
    let Value::Object(map) = operation else { return readable::<Operation>(operation) };
    recover_parameter_list(map, pointer, diagnostics);
    if let Some(body) = map.get_mut("requestBody") {
        let at = child(pointer, "requestBody");
        if let Err(reason) = recover_request_body(body, &at, diagnostics) {
            dropped(diagnostics, at, "request body", &reason);
            map.shift_remove("requestBody");
        }
    }
    match map.get_mut("responses") {
        Some(Value::Object(responses)) => recover_responses(responses, &child(pointer, "responses"), diagnostics),
        Some(_) => {
            let reason = readable::<openapiv3::Responses>(&map["responses"]).err().unwrap_or_default();
            dropped(diagnostics, child(pointer, "responses"), "`responses`", &reason);
            map.insert("responses".into(), Value::Object(Map::new()));
        }
        None => {
            diagnostics.warn(
                "missing-node",
                pointer.to_string(),
                "the operation has no `responses`, which OpenAPI requires; read it as replying with no content",
            );
            map.insert("responses".into(), Value::Object(Map::new()));
        }
    }
    let fields: &[(&str, Check)] = &[
        ("tags", readable::<Vec<String>>),
        ("summary", readable::<Option<String>>),
        ("description", readable::<Option<String>>),
        ("operationId", readable::<Option<String>>),
        ("externalDocs", readable::<Option<ExternalDocumentation>>),
        ("deprecated", readable::<bool>),
        ("security", readable::<Option<Vec<SecurityRequirement>>>),
        ("servers", readable::<Vec<Server>>),
        ("callbacks", readable::<indexmap::IndexMap<String, Callback>>),
    ];
    recover_fields(map, pointer, fields, diagnostics);
    readable::<Operation>(operation)
}

fn recover_request_body(body: &mut Value, pointer: &str, diagnostics: &mut Diagnostics) -> Result<(), String> {
    if readable_ref_or::<RequestBody>(body).is_ok() {
        return Ok(());
    }
    if let Value::Object(map) = body {
        if !map.contains_key("$ref") {
            recover_content(map, pointer, diagnostics);
        }
    }
    readable_ref_or::<RequestBody>(body)
}

/// Keeps the readable media types of a request body or response.
fn recover_content(holder: &mut Map<String, Value>, pointer: &str, diagnostics: &mut Diagnostics) {
    let at = child(pointer, "content");
    match holder.get_mut("content") {
        None => {}
        Some(Value::Object(content)) => {
            let media_types: Vec<String> = content.keys().cloned().collect();
            for media in media_types {
                let media_at = child(&at, &media);
                let Some(value) = content.get_mut(&media) else { continue };
                if readable::<MediaType>(value).is_ok() {
                    continue;
                }
                if let Some(schema) = value.get_mut("schema") {
                    recover_schema_children(schema, &child(&media_at, "schema"), diagnostics);
                }
                if let Err(reason) = readable::<MediaType>(value) {
                    dropped(diagnostics, media_at, "media type", &reason);
                    content.shift_remove(&media);
                }
            }
        }
        Some(other) => {
            let reason = readable::<Map<String, Value>>(other).err().unwrap_or_default();
            dropped(diagnostics, at, "`content`", &reason);
            holder.shift_remove("content");
        }
    }
}

fn is_response_key(key: &str) -> bool {
    key == "default" || readable::<openapiv3::StatusCode>(&Value::from(key)).is_ok()
}

fn recover_responses(responses: &mut Map<String, Value>, pointer: &str, diagnostics: &mut Diagnostics) {
    let codes: Vec<String> = responses.keys().filter(|k| is_response_key(k)).cloned().collect();
    for code in codes {
        let at = child(pointer, &code);
        let Some(response) = responses.get_mut(&code) else { continue };
        if readable_ref_or::<Response>(response).is_ok() {
            continue;
        }
        if let Value::Object(map) = response {
            if !map.contains_key("$ref") {
                if !map.contains_key("description") {
                    diagnostics.warn("missing-node", at.clone(), "the response has no `description`, which OpenAPI requires; read it as an empty one");
                    map.insert("description".into(), Value::from(""));
                }
                recover_content(map, &at, diagnostics);
                let fields: &[(&str, Check)] = &[
                    ("description", readable::<String>),
                    ("headers", readable::<indexmap::IndexMap<String, ReferenceOr<Header>>>),
                    ("links", readable::<indexmap::IndexMap<String, ReferenceOr<Link>>>),
                ];
                recover_fields(map, &at, fields, diagnostics);
            }
        }
        if let Err(reason) = readable_ref_or::<Response>(response) {
            dropped(diagnostics, at, "response", &reason);
            responses.shift_remove(&code);
        }
    }
}

/// Drops the unreadable subschemas of a schema (properties, items, map values, `allOf`
/// members...), deepest first; the schema itself is left to the caller.
fn recover_schema_children(schema: &mut Value, pointer: &str, diagnostics: &mut Diagnostics) {
    if readable_ref_or::<Schema>(schema).is_ok() {
        return;
    }
    let Value::Object(map) = schema else { return };
    for key in ["items", "not", "additionalProperties"] {
        let Some(sub) = map.get_mut(key) else { continue };
        if key == "additionalProperties" && sub.is_boolean() {
            continue;
        }
        let at = child(pointer, key);
        recover_schema_children(sub, &at, diagnostics);
        if let Err(reason) = readable_ref_or::<Schema>(sub) {
            dropped(diagnostics, at, "node", &reason);
            map.shift_remove(key);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        let Some(Value::Array(list)) = map.get_mut(key) else { continue };
        let at = child(pointer, key);
        let mut index = 0;
        list.retain_mut(|sub| {
            let item_at = format!("{at}/{index}");
            index += 1;
            recover_schema_children(sub, &item_at, diagnostics);
            match readable_ref_or::<Schema>(sub) {
                Ok(()) => true,
                Err(reason) => {
                    dropped(diagnostics, item_at, "node", &reason);
                    false
                }
            }
        });
    }
    if let Some(Value::Object(properties)) = map.get_mut("properties") {
        let at = child(pointer, "properties");
        let names: Vec<String> = properties.keys().cloned().collect();
        for name in names {
            let Some(sub) = properties.get_mut(&name) else { continue };
            let property_at = child(&at, &name);
            recover_schema_children(sub, &property_at, diagnostics);
            if let Err(reason) = readable_ref_or::<Schema>(sub) {
                dropped(diagnostics, property_at, "node", &reason);
                properties.shift_remove(&name);
            }
        }
    }
}

fn recover_components(components: &mut Map<String, Value>, diagnostics: &mut Diagnostics) {
    let sections: &[(&str, Check)] = &[
        ("schemas", readable_ref_or::<Schema>),
        ("responses", readable_ref_or::<Response>),
        ("parameters", readable_ref_or::<Parameter>),
        ("examples", readable_ref_or::<Example>),
        ("requestBodies", readable_ref_or::<RequestBody>),
        ("headers", readable_ref_or::<Header>),
        ("securitySchemes", readable_ref_or::<SecurityScheme>),
        ("links", readable_ref_or::<Link>),
        ("callbacks", readable_ref_or::<Callback>),
    ];
    for (section, check) in sections {
        let at = child("/components", section);
        match components.get_mut(*section) {
            None => {}
            Some(Value::Object(entries)) => {
                let names: Vec<String> = entries.keys().cloned().collect();
                for name in names {
                    let Some(entry) = entries.get_mut(&name) else { continue };
                    if check(entry).is_ok() {
                        continue;
                    }
                    let entry_at = child(&at, &name);
                    match *section {
                        "schemas" => recover_schema_children(entry, &entry_at, diagnostics),
                        "responses" | "requestBodies" => {
                            if let Value::Object(map) = entry {
                                recover_content(map, &entry_at, diagnostics);
                            }
                        }
                        _ => {}
                    }
                    if let Err(reason) = check(entry) {
                        dropped(diagnostics, entry_at, "node", &reason);
                        entries.shift_remove(&name);
                    }
                }
            }
            Some(other) => {
                let reason = readable::<Map<String, Value>>(other).err().unwrap_or_default();
                dropped(diagnostics, at, "node", &reason);
                components.shift_remove(*section);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn operations(spec: &Value) -> usize {
        spec["paths"].as_object().map_or(0, |paths| paths.values().map(|item| METHODS.iter().filter(|m| item.get(**m).is_some()).count()).sum())
    }

    #[test]
    fn a_bad_parameter_costs_only_that_parameter() {
        let mut spec = json!({
            "openapi": "3.0.0", "info": {"title": "t", "version": "1"},
            "paths": {
                "/a": {"get": {"parameters": [{"name": "ok", "in": "query", "schema": {"type": "string"}}, {"name": "bad", "in": "nowhere"}],
                               "responses": {"200": {"description": "ok"}}}},
                "/b": {"get": {"responses": {"200": {"description": "ok"}}}}
            }
        });
        let mut diagnostics = Diagnostics::default();
        recover(&mut spec, &mut diagnostics);
        assert_eq!(operations(&spec), 2);
        assert_eq!(spec["paths"]["/a"]["get"]["parameters"].as_array().map(Vec::len), Some(1));
        let pointers: Vec<&str> = diagnostics.items().iter().map(|d| d.pointer.as_str()).collect();
        assert_eq!(pointers, ["/paths/~1a/get/parameters/1"]);
        assert!(readable::<openapiv3::OpenAPI>(&spec).is_ok());
    }

    #[test]
    fn each_node_is_dropped_at_its_own_level() {
        // (what is broken, where the warning points, operations left of 2)
        let cases: &[(Value, &str, usize)] = &[
            (json!({"requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {"x": {"type": 7}}}}}}}),
             "/paths/~1a/post/requestBody/content/application~1json/schema/properties/x", 2),
            (json!({"requestBody": {"content": {"application/json": {"schema": 7}}}}), "/paths/~1a/post/requestBody/content/application~1json", 2),
            (json!({"requestBody": {"content": 7}}), "/paths/~1a/post/requestBody/content", 2),
            (json!({"responses": {"200": {"description": "ok", "headers": 3}}}), "/paths/~1a/post/responses/200/headers", 2),
            (json!({"responses": {"200": 5}}), "/paths/~1a/post/responses/200", 2),
            (json!({"tags": "notalist"}), "/paths/~1a/post/tags", 2),
            (json!({"responses": {"200": {}}}), "/paths/~1a/post/responses/200", 2),
        ];
        for (patch, pointer, left) in cases {
            let mut post = json!({"responses": {"200": {"description": "ok"}}});
            for (k, v) in patch.as_object().expect("object") {
                post[k] = v.clone();
            }
            let mut spec = json!({"openapi": "3.0.0", "info": {"title": "t", "version": "1"},
                "paths": {"/a": {"post": post, "get": {"responses": {"200": {"description": "ok"}}}}}});
            let mut diagnostics = Diagnostics::default();
            recover(&mut spec, &mut diagnostics);
            assert_eq!(operations(&spec), *left, "{patch}");
            assert_eq!(diagnostics.items().first().map(|d| d.pointer.as_str()), Some(*pointer), "{patch}");
            assert!(readable::<openapiv3::OpenAPI>(&spec).is_ok(), "{patch}: {spec}");
        }
    }

    #[test]
    fn an_operation_that_cannot_be_read_is_dropped_alone() {
        let mut spec = json!({"openapi": "3.0.0", "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"post": 7, "get": {"responses": {"200": {"description": "ok"}}}}}});
        let mut diagnostics = Diagnostics::default();
        recover(&mut spec, &mut diagnostics);
        assert_eq!(operations(&spec), 1);
        assert_eq!(diagnostics.items()[0].pointer, "/paths/~1a/post");
    }
}
