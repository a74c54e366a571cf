//! Mutation test: the generator never panics on a broken spec.
//!
//! Valid specs are mutated at random (nodes deleted, duplicated, retyped, renamed to odd or
//! unicode names, `$ref`s broken; every tenth case also damaged as YAML text) and generated.
//! Each case must not panic, and must end either in located errors or in files that are valid
//! Rust (`syn::parse_file`), the contract test's calls included. The mix holds OpenAPI 3.0
//! specs (a small one and slices of the real one) and a Swagger 2.0 spec.
//!
//! Recovery at the smallest node: when no mutation touches a top-level node and the text is
//! not damaged, the spec must generate, and a damaged node may cost at most the operation it
//! is in (a whole path item when the path item itself is the node, every operation when it is
//! `paths`): the operations are counted before and after.
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

/// A small Swagger 2.0 spec in the shape of Mattermost's 5.x reference: `basePath`, body and
/// form parameters, a file, `collectionFormat`, root parameters and responses, `x-nullable`,
/// a sentence-slug operationId and a `$ref` to a definition that is not there.
fn base_swagger2() -> Value {
    json!({
        "swagger": "2.0",
        "info": {"title": "t", "version": "1"},
        "host": "example.invalid", "basePath": "/api/v4", "schemes": ["https"],
        "consumes": ["application/json"], "produces": ["application/json"],
        "paths": {
            "/users": {
                "post": {
                    "operationId": "create-a-new-user-on-the-system-permissions-no-permission-required", "tags": ["users"],
                    "parameters": [{"in": "body", "name": "user", "required": true, "schema": {"$ref": "#/definitions/User"}}],
                    "responses": {"201": {"description": "ok", "schema": {"$ref": "#/definitions/User"}}, "400": {"$ref": "#/responses/BadRequest"}}
                },
                "get": {
                    "operationId": "GetUsers", "tags": ["users"],
                    "parameters": [
                        {"$ref": "#/parameters/Page"},
                        {"name": "ids", "in": "query", "type": "array", "items": {"type": "string"}, "collectionFormat": "multi"},
                        {"name": "sort", "in": "query", "type": "string", "enum": ["a", "b"]}
                    ],
                    "responses": {"200": {"description": "ok", "schema": {"type": "array", "items": {"$ref": "#/definitions/User"}}}}
                }
            },
            "/users/{user_id}/image": {
                "parameters": [{"name": "user_id", "in": "path", "type": "string", "required": true}],
                "get": {
                    "operationId": "GetProfileImage", "tags": ["users"], "produces": ["image/png"],
                    "responses": {"200": {"description": "ok", "schema": {"type": "file"}}}
                },
                "post": {
                    "operationId": "SetProfileImage", "tags": ["users"], "consumes": ["multipart/form-data"],
                    "parameters": [{"name": "image", "in": "formData", "type": "file", "required": true}],
                    "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/StatusOK"}}}
                }
            },
            "/commands/execute": {
                "post": {
                    "tags": ["commands"], "consumes": ["application/x-www-form-urlencoded"],
                    "parameters": [{"name": "command", "in": "formData", "type": "string", "required": true}],
                    "responses": {"200": {"description": "ok"}}
                }
            }
        },
        "parameters": {"Page": {"name": "page", "in": "query", "type": "integer", "default": 0}},
        "responses": {"BadRequest": {"description": "bad", "schema": {"$ref": "#/definitions/AppError"}}},
        "definitions": {
            "User": {"type": "object", "required": ["id"], "properties": {
                "id": {"type": "string"}, "nickname": {"type": "string", "x-nullable": true},
                "props": {"type": "object", "additionalProperties": {"type": "string"}}
            }},
            "AppError": {"type": "object", "properties": {"message": {"type": "string"}, "status_code": {"type": "integer"}}}
        }
    })
}

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// How many operations the path item `item` declares.
fn operations_in(item: &Value) -> usize {
    item.as_object().map_or(0, |item| item.keys().filter(|k| METHODS.contains(&k.as_str())).count())
}

/// How many operations a mutation at `path` may cost under the recovery rule, or `None` when
/// it touches a top-level node (which may cost everything, or end in located errors).
fn allowance(spec: &Value, path: &[PathStep]) -> Option<usize> {
    match path {
        [_] => None,
        [PathStep::Key(paths), PathStep::Key(item)] if paths == "paths" => Some(operations_in(&spec["paths"][item.as_str()])),
        [PathStep::Key(paths), PathStep::Key(_), PathStep::Key(method), ..] if paths == "paths" && METHODS.contains(&method.as_str()) => Some(1),
        [PathStep::Key(paths), ..] if paths == "paths" => Some(0),
        _ => Some(0),
    }
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

/// Applies one random mutation; returns a description of it and how many operations it may
/// cost ([`allowance`]).
fn mutate(rng: &mut fastrand::Rng, spec: &mut Value) -> (String, Option<usize>) {
    let mut paths = Vec::new();
    node_paths(spec, &mut Vec::new(), &mut paths);
    if paths.is_empty() {
        return ("nothing to mutate".into(), None);
    }
    let path = paths[rng.usize(..paths.len())].clone();
    let may_cost = allowance(spec, &path);
    (mutate_at(rng, spec, &path), may_cost)
}

/// Applies one random mutation at `path`; returns a description of it.
fn mutate_at(rng: &mut fastrand::Rng, spec: &mut Value, path: &[PathStep]) -> String {
    let (last, parent_path) = path.split_last().expect("non-empty path");
    let Some(parent) = parent_mut(spec, parent_path) else { return "unreachable node".into() };
    let path = path.to_vec();
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

/// What one case ended in.
enum Outcome {
    /// Located errors, no files.
    Rejected,
    /// Valid Rust files from this many operations.
    Generated(usize),
}

impl Outcome {
    fn label(&self) -> &'static str {
        match self {
            Outcome::Rejected => "rejected with located errors",
            Outcome::Generated(_) => "generated valid Rust",
        }
    }
}

/// Runs one case; `Err` describes a broken rule.
fn check(text: &str) -> Result<Outcome, String> {
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
                Ok(Outcome::Rejected)
            } else {
                Err("generation failed without an error diagnostic".into())
            }
        }
        Ok(Ok(generation)) => {
            let rust_files = generation.files.iter().filter(|f| f.path.ends_with(".rs"));
            for file in rust_files.chain([&generation.contract_calls]) {
                syn::parse_file(&file.contents).map_err(|e| format!("{} is not valid Rust: {e}", file.path))?;
            }
            Ok(Outcome::Generated(generation.ir.operations.len()))
        }
    }
}

/// The operations the unmutated `spec` generates.
fn operations_before(spec: &Value) -> usize {
    let text = serde_json::to_string(spec).expect("a JSON value serialises");
    mattermost_codegen::generate(&text).map_or(0, |g| g.ir.operations.len())
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
        let mut spec = match case % 8 {
            3 | 7 => base_real_slice(&mut rng, &real),
            5 => base_swagger2(),
            _ => base_small(),
        };
        let before = operations_before(&spec);
        let mut mutations = Vec::new();
        // The operations the mutations may cost together; `None` once one touches a top-level node.
        let mut may_cost = Some(0);
        for _ in 0..rng.usize(1..=6) {
            let (what, cost) = mutate(&mut rng, &mut spec);
            mutations.push(what);
            may_cost = may_cost.zip(cost).map(|(a, b)| a + b);
        }
        let damaged_text = case % 10 == 9;
        let text = if damaged_text {
            // Every tenth case is damaged as text, in YAML: the parser's own errors.
            let (text, what) = damage_text(&mut rng, &spec);
            mutations.push(what);
            text
        } else {
            serde_json::to_string(&spec).expect("a JSON value serialises")
        };
        let outcome = check(&text).and_then(|outcome| match (&outcome, may_cost.filter(|_| !damaged_text)) {
            (Outcome::Rejected, Some(_)) => Err("rejected, though no top-level node was damaged".to_string()),
            (Outcome::Generated(after), Some(cost)) if *after + cost < before => Err(format!(
                "{before} operations before, {after} after: the damage may cost {cost}"
            )),
            _ => Ok(outcome),
        });
        match outcome {
            Ok(outcome) => *tallies.entry(outcome.label()).or_insert(0usize) += 1,
            Err(problem) => failures.push(format!("case {case} (MUTATION_SEED={seed}, case seed {case_seed}): {problem}\n  mutations: {mutations:?}")),
        }
        if may_cost.is_some() && !damaged_text {
            *tallies.entry("of them, counted against the recovery rule").or_insert(0usize) += 1;
        }
    }
    std::panic::set_hook(hook);
    println!("mutation test: {cases} cases, seed {seed}, {:.1} s, outcomes {tallies:?}", started.elapsed().as_secs_f64());
    assert!(failures.is_empty(), "{} of {cases} cases broke a rule:\n{}", failures.len(), failures.iter().take(10).cloned().collect::<Vec<_>>().join("\n"));
    assert!(tallies.get("generated valid Rust").copied().unwrap_or(0) > cases / 10, "most mutations should still generate: {tallies:?}");
    assert!(
        tallies.get("of them, counted against the recovery rule").copied().unwrap_or(0) > cases / 4,
        "most cases should be checked against the recovery rule: {tallies:?}"
    );
}
