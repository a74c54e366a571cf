//! Mutation test: the generator never panics on a broken spec.
//!
//! Valid specs are mutated at random (nodes deleted, duplicated, retyped, renamed to odd or
//! unicode names, `$ref`s broken; every tenth case also damaged as YAML text) and generated.
//! Each case must not panic, and must end either in located errors or in files that are valid
//! Rust (`syn::parse_file`), the contract test's calls included.
//!
//! `MUTATION_CASES` (default 400) and `MUTATION_SEED` (default: a fixed seed) choose the run;
//! the test prints both, so any failure can be replayed exactly.

use std::panic::{catch_unwind, AssertUnwindSafe};

use serde_json::{json, Map, Value};

const DEFAULT_CASES: usize = 400;
const DEFAULT_SEED: u64 = 0x6d61_7474_6572_6d6f;

/// Names that have broken generators: keywords, digits, punctuation, unicode, collisions.
const ODD_NAMES: &[&str] = &[
    "type", "self", "Self", "super", "crate", "_", "", "2fa", "a-b", "a b", "ünïcödé", "日本", "🦀", "$ref", "{id}", "/",
    "~1", "r#type", "None", "Option", "Result", "String", "Client", "mod", "default", "full", "User", "user", "USER",
    "per_page", "page", "xxx", "\u{0}", "\"quoted\"", "back\\slash",
];

const BROKEN_REFS: &[&str] = &[
    "#/components/schemas/DoesNotExist",
    "#/components/schemas/",
    "#/paths/~1x/get",
    "#/components/responses/Nope",
    "http://example.invalid/spec.yaml#/X",
    "",
    "#",
    "#/components/schemas/Base/properties/name",
];

/// A small spec with every construct the generator handles.
fn base_small() -> Value {
    json!({
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "tags": [{"name": "users"}, {"name": "Users"}, {"name": "files"}],
        "paths": {
            "/api/v4/users/{user_id}": {
                "get": {
                    "operationId": "GetUser", "tags": ["users"],
                    "parameters": [{"name": "user_id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}}}}
                },
                "put": {
                    "operationId": "UpdateUser", "tags": ["Users"],
                    "parameters": [{"name": "user_id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["id"],
                        "properties": {"id": {"type": "string"}, "props": {"type": "object", "additionalProperties": {"type": "string"}}}
                    }}}},
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}}}}
                }
            },
            "/api/v4/users": {
                "get": {
                    "operationId": "GetUsers", "tags": ["users"],
                    "parameters": [
                        {"name": "page", "in": "query", "schema": {"type": "integer"}},
                        {"name": "per_page", "in": "query", "schema": {"type": "integer"}},
                        {"name": "sort", "in": "query", "schema": {"type": "string", "enum": ["a", "b"]}},
                        {"name": "ids", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
                        {"name": "X-Header", "in": "header", "schema": {"type": "boolean"}}
                    ],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/User"}}}}}}
                }
            },
            "/api/v4/files/{file_id}": {
                "get": {
                    "tags": ["files"],
                    "parameters": [{"name": "file_id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok", "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}}}}
                }
            },
            "/api/v4/files": {
                "post": {
                    "operationId": "UploadFile", "tags": ["files"],
                    "requestBody": {"content": {"multipart/form-data": {"schema": {
                        "type": "object", "required": ["files"],
                        "properties": {"files": {"type": "string", "format": "binary"}, "channel_id": {"type": "string"}, "many": {"type": "array", "items": {"type": "string", "format": "binary"}}}
                    }}}},
                    "responses": {"201": {"description": "ok", "content": {"text/plain": {"schema": {"type": "string"}}}}, "default": {"$ref": "#/components/responses/Err"}}
                },
                "delete": {"operationId": "UploadFile", "responses": {"204": {"description": "gone"}}}
            }
        },
        "components": {
            "responses": {"Err": {"description": "e", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AppError"}}}}},
            "schemas": {
                "User": {"type": "object", "properties": {
                    "id": {"type": "string"}, "type": {"type": "string", "enum": ["regular", "bot", ""]},
                    "create_at": {"type": "integer", "format": "int64"}, "score": {"type": "number"},
                    "friend": {"$ref": "#/components/schemas/User"}, "tags": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
                    "nullable": {"type": "string", "nullable": true}
                }},
                "Base": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
                "Derived": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"type": "object", "properties": {"extra": {"type": "boolean"}}}], "required": ["extra"]},
                "Either": {"oneOf": [{"$ref": "#/components/schemas/Base"}, {"type": "string"}, {"type": "integer"}]},
                "Ids": {"type": "array", "items": {"type": "string"}},
                "Map": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Base"}},
                "AppError": {"type": "object", "properties": {"id": {"type": "string"}, "message": {"type": "string"}, "status_code": {"type": "integer"}}}
            }
        }
    })
}

/// A slice of the real spec: a few of its paths and schemas (dangling refs included).
fn base_real_slice(rng: &mut fastrand::Rng, real: &Value) -> Value {
    let mut spec = real.clone();
    let Some(root) = spec.as_object_mut() else { return spec };
    if let Some(Value::Object(paths)) = root.get_mut("paths") {
        let keys: Vec<String> = paths.keys().cloned().collect();
        let keep: Vec<String> = (0..8).filter_map(|_| keys.get(rng.usize(..keys.len().max(1))).cloned()).collect();
        paths.retain(|k, _| keep.contains(k));
    }
    if let Some(Value::Object(schemas)) = root.get_mut("components").and_then(|c| c.get_mut("schemas")) {
        let keys: Vec<String> = schemas.keys().cloned().collect();
        let keep: Vec<String> = (0..12).filter_map(|_| keys.get(rng.usize(..keys.len().max(1))).cloned()).collect();
        schemas.retain(|k, _| keep.contains(k));
    }
    spec
}

/// Every node's path (as keys/indices), root excluded.
fn node_paths(value: &Value, prefix: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                prefix.push(PathStep::Key(k.clone()));
                out.push(prefix.clone());
                node_paths(v, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                prefix.push(PathStep::Index(i));
                out.push(prefix.clone());
                node_paths(v, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum PathStep {
    Key(String),
    Index(usize),
}

fn parent_mut<'a>(root: &'a mut Value, path: &[PathStep]) -> Option<&'a mut Value> {
    let mut node = root;
    for step in path {
        node = match (node, step) {
            (Value::Object(map), PathStep::Key(k)) => map.get_mut(k)?,
            (Value::Array(items), PathStep::Index(i)) => items.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(node)
}

fn random_value(rng: &mut fastrand::Rng) -> Value {
    match rng.u8(..9) {
        0 => Value::Null,
        1 => Value::Bool(rng.bool()),
        2 => json!(rng.i64(..)),
        3 => json!(rng.f64() * 1e6),
        4 => Value::String(ODD_NAMES[rng.usize(..ODD_NAMES.len())].to_string()),
        5 => json!([]),
        6 => json!({}),
        7 => {
            let types = ["string", "integer", "number", "boolean", "array", "object", "null", "file"];
            json!({"type": types[rng.usize(..types.len())]})
        }
        _ => json!({"$ref": BROKEN_REFS[rng.usize(..BROKEN_REFS.len())]}),
    }
}

/// The spec as YAML, then damaged as text: cut short, a YAML indicator inserted, a line
/// re-indented, or the whole document replaced by a scalar or a list. Returns the text and
/// what was done.
fn damage_text(rng: &mut fastrand::Rng, spec: &Value) -> (String, String) {
    let mut text = serde_yaml::to_string(spec).expect("a JSON value serialises as YAML");
    let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    let at = boundaries.get(rng.usize(..boundaries.len().max(1))).copied().unwrap_or(0);
    let what = match rng.u8(..4) {
        0 => {
            text.truncate(at);
            format!("text cut at byte {at}")
        }
        1 => {
            let indicators = [":", "[", "{", "\"", "'", "\t", "&", "*", "!", "|", ">", "%", "@", "`", "- ", ": :"];
            let indicator = indicators[rng.usize(..indicators.len())];
            text.insert_str(at, indicator);
            format!("{indicator:?} inserted at byte {at}")
        }
        2 => {
            let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            let spaces = " ".repeat(rng.usize(1..=5));
            text.insert_str(line_start, &spaces);
            format!("line at byte {line_start} indented by {}", spaces.len())
        }
        _ => {
            let replacement = ["", "~", "- a\n- b\n", "just text", "42", "{}", "[]", "openapi: 3.0.0"];
            text = replacement[rng.usize(..replacement.len())].to_string();
            format!("document replaced by {text:?}")
        }
    };
    (text, what)
}

/// Applies one random mutation; returns a description of it.
fn mutate(rng: &mut fastrand::Rng, spec: &mut Value) -> String {
    let mut paths = Vec::new();
    node_paths(spec, &mut Vec::new(), &mut paths);
    if paths.is_empty() {
        return "nothing to mutate".into();
    }
    let path = paths[rng.usize(..paths.len())].clone();
    let (last, parent_path) = path.split_last().expect("non-empty path");
    let Some(parent) = parent_mut(spec, parent_path) else { return "unreachable node".into() };
    let describe = |what: &str| format!("{what} at {path:?}");
    match (rng.u8(..7), parent, last) {
        (0, Value::Object(map), PathStep::Key(k)) => {
            map.shift_remove(k);
            describe("delete")
        }
        (0, Value::Array(items), PathStep::Index(i)) => {
            items.remove(*i);
            describe("delete")
        }
        (1, Value::Object(map), PathStep::Key(k)) => {
            let value = map.get(k).cloned().unwrap_or(Value::Null);
            map.insert(format!("{k}{}", ODD_NAMES[rng.usize(..ODD_NAMES.len())]), value);
            describe("duplicate")
        }
        (1, Value::Array(items), PathStep::Index(i)) => {
            let value = items[*i].clone();
            items.push(value);
            describe("duplicate")
        }
        (2, Value::Object(map), PathStep::Key(k)) => {
            map.insert(k.clone(), random_value(rng));
            describe("retype")
        }
        (2, Value::Array(items), PathStep::Index(i)) => {
            items[*i] = random_value(rng);
            describe("retype")
        }
        (3, Value::Object(map), PathStep::Key(k)) => {
            // Rename the key, keeping its value and order as far as the map allows.
            let value = map.shift_remove(k).unwrap_or(Value::Null);
            let new_key = ODD_NAMES[rng.usize(..ODD_NAMES.len())].to_string();
            map.insert(new_key, value);
            describe("rename")
        }
        (4, Value::Object(map), PathStep::Key(k)) => {
            map.insert(k.clone(), json!({"$ref": BROKEN_REFS[rng.usize(..BROKEN_REFS.len())]}));
            describe("break ref")
        }
        (5, Value::Object(map), PathStep::Key(k)) => {
            // Make an object its own ancestor's copy: deep nesting and self-similar names.
            let copy = map.clone();
            map.insert(k.clone(), Value::Object(copy));
            describe("nest copy")
        }
        (_, Value::Object(map), _) => {
            let mut odd = Map::new();
            odd.insert(ODD_NAMES[rng.usize(..ODD_NAMES.len())].to_string(), random_value(rng));
            map.insert(ODD_NAMES[rng.usize(..ODD_NAMES.len())].to_string(), Value::Object(odd));
            describe("inject")
        }
        (_, Value::Array(items), _) => {
            items.push(random_value(rng));
            describe("append")
        }
        _ => "no-op".into(),
    }
}

/// Runs one case; `Err` describes a broken rule.
fn check(text: &str) -> Result<&'static str, String> {
    let result = catch_unwind(AssertUnwindSafe(|| mattermost_codegen::generate(text)));
    match result {
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(format!("generator panicked: {message}"))
        }
        Ok(Err(diagnostics)) => {
            if std::env::var("MUTATION_SHOW").is_ok() {
                for d in diagnostics.items().iter().filter(|d| d.severity == mattermost_codegen::diag::Severity::Error) {
                    println!("REJECT {}", d.to_string().replace('\n', " "));
                }
            }
            if diagnostics.has_errors() {
                Ok("rejected with located errors")
            } else {
                Err("generation failed without an error diagnostic".into())
            }
        }
        Ok(Ok(generation)) => {
            let rust_files = generation.files.iter().filter(|f| f.path.ends_with(".rs"));
            for file in rust_files.chain([&generation.contract_calls]) {
                syn::parse_file(&file.contents).map_err(|e| format!("{} is not valid Rust: {e}", file.path))?;
            }
            Ok("generated valid Rust")
        }
    }
}

#[test]
fn mutated_specs_never_panic_the_generator() {
    let cases: usize = std::env::var("MUTATION_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_CASES);
    let seed: u64 = std::env::var("MUTATION_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_SEED);
    let real_text = std::fs::read_to_string(mattermost_tests::real_spec_path()).expect("real spec");
    let real: Value = serde_yaml::from_str(&real_text).expect("real spec parses");
    // Silence the default panic printout; a panic is reported below with its case.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let started = std::time::Instant::now();
    let mut tallies = std::collections::BTreeMap::new();
    let mut failures = Vec::new();
    for case in 0..cases {
        let case_seed = seed.wrapping_add(case as u64);
        let mut rng = fastrand::Rng::with_seed(case_seed);
        let mut spec = if case % 4 == 3 { base_real_slice(&mut rng, &real) } else { base_small() };
        let mut mutations: Vec<String> = (0..rng.usize(1..=6)).map(|_| mutate(&mut rng, &mut spec)).collect();
        let text = if case % 10 == 9 {
            // Every tenth case is damaged as text, in YAML: the parser's own errors.
            let (text, what) = damage_text(&mut rng, &spec);
            mutations.push(what);
            text
        } else {
            serde_json::to_string(&spec).expect("a JSON value serialises")
        };
        match check(&text) {
            Ok(outcome) => *tallies.entry(outcome).or_insert(0usize) += 1,
            Err(problem) => failures.push(format!("case {case} (MUTATION_SEED={seed}, case seed {case_seed}): {problem}\n  mutations: {mutations:?}")),
        }
    }
    std::panic::set_hook(hook);
    println!("mutation test: {cases} cases, seed {seed}, {:.1} s, outcomes {tallies:?}", started.elapsed().as_secs_f64());
    assert!(failures.is_empty(), "{} of {cases} cases broke a rule:\n{}", failures.len(), failures.iter().take(10).cloned().collect::<Vec<_>>().join("\n"));
    assert!(tallies.get("generated valid Rust").copied().unwrap_or(0) > cases / 10, "most mutations should still generate: {tallies:?}");
}
