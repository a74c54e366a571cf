//! Swagger 2.0 (OpenAPI 2.0) to OpenAPI 3.0, on the located JSON tree, before `openapiv3`
//! reads it.
//!
//! Mattermost's API reference was Swagger 2.0 until 2020 (servers 5.x). No maintained crate
//! converts 2.0 to 3.0 while keeping where each node came from, so this is a small converter
//! of our own. Every node it places in the 3.0 tree keeps the line and column of the 2.0 node
//! it came from, so later diagnostics point into the file the user has. Its own diagnostics
//! use 2.0 pointers (`/definitions/User`); a conversion that loses information is a note.
//!
//! | Swagger 2.0 | OpenAPI 3.0 |
//! | --- | --- |
//! | `definitions` | `components/schemas` |
//! | root `parameters` | `components/parameters` (`in: body`: `components/requestBodies`; `in: formData`: inlined where used) |
//! | root `responses` | `components/responses` |
//! | `securityDefinitions` | `components/securitySchemes` |
//! | `in: body` | `requestBody`, one media type per `consumes` entry (default `application/json`) |
//! | `in: formData` | a `multipart/form-data` (when a part is a file or `consumes` says so) or `application/x-www-form-urlencoded` object body |
//! | `type: file` | `type: string, format: binary` |
//! | response `schema` | `content`, one media type per `produces` entry (default `application/json`) |
//! | `host`, `schemes`, `basePath` | `servers` (`scheme://host`); `basePath` prefixes every path, as the client's base URL is the server's root |
//! | `collectionFormat` | `style` and `explode` |
//! | `x-nullable` | `nullable` |
//! | `$ref: '#/definitions/X'` (`#/parameters/X`, `#/responses/X`) | `$ref: '#/components/schemas/X'` (and so on) |

use std::collections::BTreeMap;
use std::ops::Bound;

use serde_json::{json, Map, Value};

use super::yaml::{LocatedTree, Position};
use crate::diag::{escape_token, Diagnostics};

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch"];
const MULTIPART: &str = "multipart/form-data";
const URLENCODED: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

/// Keys of a 2.0 parameter (or `items`, or header) that belong to its schema in 3.0.
const SCHEMA_KEYS: &[&str] = &[
    "type", "format", "items", "default", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength",
    "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "enum", "multipleOf",
];

/// What a document declares itself to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Declared {
    /// `swagger: "2.0"` and no `openapi`.
    Swagger2,
    /// `swagger` with another version and no `openapi`.
    OtherSwagger(String),
    /// Anything else: read as OpenAPI 3.0.
    OpenApi3,
}

/// Which format the document at `root` declares.
pub fn declared(root: &Value) -> Declared {
    if root.get("openapi").is_some() {
        return Declared::OpenApi3;
    }
    let version = match root.get("swagger") {
        None => return Declared::OpenApi3,
        Some(Value::String(s)) => s.trim().to_string(),
        Some(other) => other.to_string(),
    };
    if version == "2.0" || version == "2" {
        Declared::Swagger2
    } else {
        Declared::OtherSwagger(version)
    }
}

/// Converts the Swagger 2.0 document in `tree` to OpenAPI 3.0 in place; positions of the
/// converted nodes are added to the tree's index, so both 2.0 and 3.0 pointers locate.
pub fn convert(tree: &mut LocatedTree, diagnostics: &mut Diagnostics) {
    let source = std::mem::take(&mut tree.root);
    let mut converter = Converter {
        source_positions: &tree.positions,
        positions: BTreeMap::new(),
        diagnostics,
        root: &source,
        consumes: Vec::new(),
        produces: Vec::new(),
        base_path: String::new(),
    };
    let root = converter.document();
    let positions = converter.positions;
    tree.positions.extend(positions);
    tree.root = root;
}

struct Converter<'a> {
    source_positions: &'a BTreeMap<String, Position>,
    positions: BTreeMap<String, Position>,
    diagnostics: &'a mut Diagnostics,
    root: &'a Value,
    consumes: Vec<String>,
    produces: Vec<String>,
    base_path: String,
}

/// One parameter of an operation, sorted by where it goes in 3.0.
enum Input {
    /// A query, path or header parameter (or a `$ref` to one), already converted.
    Plain(Value),
    /// `in: body`: its 2.0 object and pointer.
    Body(Map<String, Value>, String),
    /// `$ref` to a root body parameter: the 3.0 request body reference.
    BodyRef(String),
    /// `in: formData`: its 2.0 object and pointer.
    Form(Map<String, Value>, String),
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

fn child(pointer: &str, key: &str) -> String {
    format!("{pointer}/{}", escape_token(key))
}

/// Unescapes one JSON pointer token of a `$ref` (`~1` is `/`, `~0` is `~`).
fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// The 3.0 spelling of a 2.0 `$ref`.
fn rewrite_ref(reference: &str) -> String {
    for (from, to) in [
        ("#/definitions/", "#/components/schemas/"),
        ("#/parameters/", "#/components/parameters/"),
        ("#/responses/", "#/components/responses/"),
    ] {
        if let Some(rest) = reference.strip_prefix(from) {
            return format!("{to}{rest}");
        }
    }
    reference.to_string()
}

impl Converter<'_> {
    /// Copies the positions of `from` and everything below it to `to`.
    fn place(&mut self, from: &str, to: &str) {
        let range = self.source_positions.range::<str, _>((Bound::Included(from), Bound::Unbounded));
        for (key, position) in range {
            let Some(rest) = key.strip_prefix(from) else { break };
            if rest.is_empty() || rest.starts_with('/') {
                self.positions.insert(format!("{to}{rest}"), *position);
            }
        }
    }

    /// Copies the position of `from` alone to `to`.
    fn place_one(&mut self, from: &str, to: &str) {
        if let Some(position) = self.source_positions.get(from) {
            self.positions.insert(to.to_string(), *position);
        }
    }

    fn document(&mut self) -> Value {
        let root = self.root;
        let Value::Object(source) = root else { return root.clone() };
        self.consumes = strings(source.get("consumes"));
        self.produces = strings(source.get("produces"));
        let base_path = source.get("basePath").and_then(Value::as_str).unwrap_or("").trim();
        let base_path = base_path.trim_end_matches('/');
        self.base_path = if base_path.is_empty() || base_path.starts_with('/') { base_path.to_string() } else { format!("/{base_path}") };
        let prefix = if self.base_path.is_empty() { String::new() } else { format!("; basePath `{}` is put in front of every path", self.base_path) };
        self.diagnostics.note(
            "swagger2-converted",
            "/swagger",
            format!("a Swagger 2.0 document: converted it to OpenAPI 3.0{prefix}; notes of kind `swagger2-lossy` say where the conversion loses information"),
        );
        let mut out = Map::new();
        out.insert("openapi".into(), Value::from("3.0.3"));
        self.place_one("/swagger", "/openapi");
        let mut components = Map::new();
        for (key, value) in source {
            let at = child("", key);
            match key.as_str() {
                "swagger" | "consumes" | "produces" | "basePath" | "schemes" => {}
                "host" => {
                    let servers = self.servers(source);
                    if !servers.is_empty() {
                        self.place_one(&at, "/servers");
                        out.insert("servers".into(), Value::Array(servers));
                    }
                }
                "paths" => {
                    let paths = self.paths(value);
                    out.insert("paths".into(), paths);
                }
                "definitions" => {
                    let schemas = self.each_entry(value, "/definitions", "/components/schemas", |c, v, from, to| {
                        c.place(from, to);
                        c.schema(v, from)
                    });
                    components.insert("schemas".into(), schemas);
                }
                "parameters" => self.root_parameters(value, &mut components),
                "responses" => {
                    let responses = self.each_entry(value, "/responses", "/components/responses", |c, v, from, to| {
                        let produces = c.produces.clone();
                        c.response(v, from, to, &produces)
                    });
                    components.insert("responses".into(), responses);
                }
                "securityDefinitions" => {
                    let schemes = self.each_entry(value, "/securityDefinitions", "/components/securitySchemes", |c, v, from, to| {
                        c.place(from, to);
                        c.security_scheme(v, from)
                    });
                    components.insert("securitySchemes".into(), schemes);
                }
                _ => {
                    self.place(&at, &at);
                    out.insert(key.clone(), value.clone());
                }
            }
        }
        if !components.is_empty() {
            out.insert("components".into(), Value::Object(components));
        }
        Value::Object(out)
    }

    /// Applies `convert` to every entry of the map at `from`, placing it under `to`.
    fn each_entry(
        &mut self,
        value: &Value,
        from: &str,
        to: &str,
        mut convert: impl FnMut(&mut Self, &Value, &str, &str) -> Value,
    ) -> Value {
        let Value::Object(entries) = value else {
            self.place(from, to);
            return value.clone();
        };
        self.place_one(from, to);
        let mut out = Map::new();
        for (name, entry) in entries {
            let converted = convert(self, entry, &child(from, name), &child(to, name));
            out.insert(name.clone(), converted);
        }
        Value::Object(out)
    }

    fn servers(&mut self, source: &Map<String, Value>) -> Vec<Value> {
        let Some(host) = source.get("host").and_then(Value::as_str).filter(|h| !h.trim().is_empty()) else { return Vec::new() };
        let mut schemes = strings(source.get("schemes"));
        if schemes.is_empty() {
            schemes.push("https".into());
        }
        schemes.iter().map(|scheme| json!({"url": format!("{scheme}://{}", host.trim())})).collect()
    }

    fn root_parameters(&mut self, value: &Value, components: &mut Map<String, Value>) {
        let Value::Object(entries) = value else {
            self.place("/parameters", "/components/parameters");
            components.insert("parameters".into(), value.clone());
            return;
        };
        let mut parameters = Map::new();
        let mut bodies = Map::new();
        for (name, parameter) in entries {
            let from = child("/parameters", name);
            match parameter.get("in").and_then(Value::as_str) {
                Some("body") => {
                    let to = child("/components/requestBodies", name);
                    let consumes = self.consumes.clone();
                    if let Value::Object(p) = parameter {
                        let body = self.body(p, &from, &to, &consumes);
                        bodies.insert(name.clone(), body);
                    }
                }
                // A form field has no 3.0 component: it is inlined where an operation uses it.
                Some("formData") => {}
                _ => {
                    let to = child("/components/parameters", name);
                    let converted = self.parameter(parameter, &from, &to);
                    parameters.insert(name.clone(), converted);
                }
            }
        }
        if !parameters.is_empty() {
            self.place_one("/parameters", "/components/parameters");
            components.insert("parameters".into(), Value::Object(parameters));
        }
        if !bodies.is_empty() {
            components.insert("requestBodies".into(), Value::Object(bodies));
        }
    }

    fn paths(&mut self, value: &Value) -> Value {
        let Value::Object(paths) = value else {
            self.place("/paths", "/paths");
            return value.clone();
        };
        self.place_one("/paths", "/paths");
        let mut out = Map::new();
        for (key, item) in paths {
            let from = child("/paths", key);
            if !key.starts_with('/') {
                self.place(&from, &from);
                out.insert(key.clone(), item.clone());
                continue;
            }
            let new_key = format!("{}{key}", self.base_path);
            let to = child("/paths", &new_key);
            let converted = self.path_item(item, &from, &to);
            out.insert(new_key, converted);
        }
        Value::Object(out)
    }

    fn path_item(&mut self, item: &Value, from: &str, to: &str) -> Value {
        let Value::Object(item) = item else {
            self.place(from, to);
            return item.clone();
        };
        self.place_one(from, to);
        let shared = match item.get("parameters") {
            Some(Value::Array(list)) => list.iter().enumerate().map(|(i, p)| (p.clone(), format!("{from}/parameters/{i}"))).collect(),
            _ => Vec::new(),
        };
        let mut out = Map::new();
        for (key, value) in item {
            let key_from = child(from, key);
            let key_to = child(to, key);
            if key == "parameters" {
                // Path-level body and form parameters go into each operation's body.
                let Value::Array(list) = value else {
                    self.place(&key_from, &key_to);
                    out.insert(key.clone(), value.clone());
                    continue;
                };
                self.place_one(&key_from, &key_to);
                let mut converted = Vec::new();
                for (i, parameter) in list.iter().enumerate() {
                    let at = format!("{key_from}/{i}");
                    if let Input::Plain(p) = self.input(parameter, &at, &format!("{key_to}/{}", converted.len())) {
                        converted.push(p);
                    }
                }
                out.insert(key.clone(), Value::Array(converted));
            } else if METHODS.contains(&key.as_str()) {
                let operation = self.operation(value, &key_from, &key_to, &shared);
                out.insert(key.clone(), operation);
            } else {
                self.place(&key_from, &key_to);
                out.insert(key.clone(), value.clone());
            }
        }
        Value::Object(out)
    }

    /// Sorts one 2.0 parameter by where it goes, converting query, path and header ones.
    fn input(&mut self, parameter: &Value, from: &str, to: &str) -> Input {
        let root = self.root;
        if let Some(reference) = parameter.get("$ref").and_then(Value::as_str) {
            if let Some(name) = reference.strip_prefix("#/parameters/") {
                let target = root.get("parameters").and_then(|p| p.get(unescape(name)));
                match target.and_then(|t| t.get("in")).and_then(Value::as_str) {
                    Some("body") => return Input::BodyRef(format!("#/components/requestBodies/{name}")),
                    Some("formData") => {
                        if let Some(Value::Object(p)) = target {
                            return Input::Form(p.clone(), format!("/parameters/{}", escape_token(&unescape(name))));
                        }
                    }
                    _ => {}
                }
            }
            self.place(from, to);
            return Input::Plain(json!({"$ref": rewrite_ref(reference)}));
        }
        let Value::Object(p) = parameter else {
            self.place(from, to);
            return Input::Plain(parameter.clone());
        };
        match p.get("in").and_then(Value::as_str) {
            Some("body") => Input::Body(p.clone(), from.to_string()),
            Some("formData") => Input::Form(p.clone(), from.to_string()),
            _ => Input::Plain(self.parameter(parameter, from, to)),
        }
    }

    /// A query, path or header parameter: its type keys move under `schema`, and
    /// `collectionFormat` becomes `style` and `explode`.
    fn parameter(&mut self, parameter: &Value, from: &str, to: &str) -> Value {
        let Value::Object(p) = parameter else {
            self.place(from, to);
            return parameter.clone();
        };
        if p.contains_key("$ref") {
            self.place(from, to);
            let mut out = p.clone();
            if let Some(Value::String(r)) = out.get_mut("$ref") {
                *r = rewrite_ref(r);
            }
            return Value::Object(out);
        }
        self.place_one(from, to);
        let location = p.get("in").and_then(Value::as_str).unwrap_or("").to_string();
        let mut out = Map::new();
        let mut schema = Map::new();
        for (key, value) in p {
            let key_from = child(from, key);
            if SCHEMA_KEYS.contains(&key.as_str()) || key == "x-nullable" {
                let target = if key == "x-nullable" { "nullable" } else { key.as_str() };
                self.place(&key_from, &format!("{to}/schema/{target}"));
                schema.insert(target.to_string(), value.clone());
            } else if key == "collectionFormat" {
                // Handled below with the type.
            } else {
                self.place(&key_from, &child(to, key));
                out.insert(key.clone(), value.clone());
            }
        }
        if location == "path" {
            out.insert("required".into(), Value::Bool(true));
        }
        let mut schema = Value::Object(schema);
        self.schema_in_place(&mut schema, from);
        if schema.get("type").and_then(Value::as_str) == Some("array") {
            let format = p.get("collectionFormat").and_then(Value::as_str).unwrap_or("csv");
            let (style, explode) = self.collection_format(format, &location, from);
            out.insert("style".into(), Value::from(style));
            out.insert("explode".into(), Value::Bool(explode));
        }
        if schema.get("format").and_then(Value::as_str) == Some("binary") && location != "formData" {
            self.diagnostics.warn(
                "swagger2-invalid",
                child(from, "type"),
                format!("`type: file` is only allowed on `in: formData` parameters; this `in: {location}` parameter is read as a binary string"),
            );
        }
        self.place_one(from, &format!("{to}/schema"));
        out.insert("schema".into(), schema);
        Value::Object(out)
    }

    /// The 3.0 `style` and `explode` for a 2.0 `collectionFormat`.
    fn collection_format(&mut self, format: &str, location: &str, from: &str) -> (&'static str, bool) {
        let query = location == "query";
        let simple = if query { "form" } else { "simple" };
        match (format, query) {
            ("csv", _) => (simple, false),
            ("multi", true) => ("form", true),
            ("ssv", true) => ("spaceDelimited", false),
            ("pipes", true) => ("pipeDelimited", false),
            (other, _) => {
                self.diagnostics.note(
                    "swagger2-lossy",
                    child(from, "collectionFormat"),
                    format!("`collectionFormat: {other}` has no OpenAPI 3.0 equivalent for an `in: {location}` parameter; the values are sent comma-separated"),
                );
                (simple, false)
            }
        }
    }

    fn operation(&mut self, operation: &Value, from: &str, to: &str, shared: &[(Value, String)]) -> Value {
        let Value::Object(op) = operation else {
            self.place(from, to);
            return operation.clone();
        };
        self.place_one(from, to);
        let consumes = if op.contains_key("consumes") { strings(op.get("consumes")) } else { self.consumes.clone() };
        let produces = if op.contains_key("produces") { strings(op.get("produces")) } else { self.produces.clone() };
        let mut out = Map::new();
        for (key, value) in op {
            let key_from = child(from, key);
            let key_to = child(to, key);
            match key.as_str() {
                "consumes" | "produces" => {}
                "parameters" => {
                    let own = match value {
                        Value::Array(list) => list.iter().enumerate().map(|(i, p)| (p.clone(), format!("{key_from}/{i}"))).collect(),
                        _ => Vec::new(),
                    };
                    let (parameters, body) = self.operation_inputs(shared, &own, from, to, &consumes);
                    self.place_one(&key_from, &key_to);
                    out.insert("parameters".into(), Value::Array(parameters));
                    if let Some(body) = body {
                        out.insert("requestBody".into(), body);
                    }
                }
                "responses" => {
                    let responses = self.responses(value, &key_from, &key_to, &produces);
                    out.insert(key.clone(), responses);
                }
                "schemes" => {
                    self.diagnostics.note(
                        "swagger2-lossy",
                        key_from,
                        "per-operation `schemes` have no OpenAPI 3.0 equivalent the client uses; ignored them (the client's base URL decides)",
                    );
                }
                _ => {
                    self.place(&key_from, &key_to);
                    out.insert(key.clone(), value.clone());
                }
            }
        }
        if !op.contains_key("parameters") && !shared.is_empty() {
            let (parameters, body) = self.operation_inputs(shared, &[], from, to, &consumes);
            out.insert("parameters".into(), Value::Array(parameters));
            if let Some(body) = body {
                out.insert("requestBody".into(), body);
            }
        }
        Value::Object(out)
    }

    /// The 3.0 parameters and request body of an operation, from the path item's parameters
    /// and the operation's own (which override the shared ones with the same name and place).
    fn operation_inputs(
        &mut self,
        shared: &[(Value, String)],
        own: &[(Value, String)],
        from: &str,
        to: &str,
        consumes: &[String],
    ) -> (Vec<Value>, Option<Value>) {
        let key = |p: &Value| -> Option<(String, String)> {
            let name = p.get("name").and_then(Value::as_str)?;
            let location = p.get("in").and_then(Value::as_str)?;
            Some((name.to_string(), location.to_string()))
        };
        let own_keys: Vec<(String, String)> = own.iter().filter_map(|(p, _)| key(p)).collect();
        // Path-level body and form parameters only: plain shared ones stay on the path item.
        let shared_bodies = shared.iter().filter(|(p, _)| {
            let location = p.get("in").and_then(Value::as_str);
            matches!(location, Some("body" | "formData")) && key(p).is_none_or(|k| !own_keys.contains(&k))
        });
        let mut parameters = Vec::new();
        let mut bodies: Vec<Input> = Vec::new();
        let mut forms: Vec<(Map<String, Value>, String)> = Vec::new();
        for (parameter, at) in shared_bodies.chain(own.iter()) {
            let index = parameters.len();
            match self.input(parameter, at, &format!("{to}/parameters/{index}")) {
                Input::Plain(p) => parameters.push(p),
                Input::Form(p, at) => forms.push((p, at)),
                body => bodies.push(body),
            }
        }
        let body_to = format!("{to}/requestBody");
        let mut bodies = bodies.into_iter();
        let body = match bodies.next() {
            Some(first) => {
                for extra in bodies {
                    let at = match &extra {
                        Input::Body(_, at) => at.clone(),
                        _ => format!("{from}/parameters"),
                    };
                    self.diagnostics.warn("swagger2-invalid", at, "an operation has at most one `in: body` parameter; used the first and ignored this one");
                }
                if let Some((_, at)) = forms.first() {
                    self.diagnostics.warn(
                        "swagger2-invalid",
                        at.clone(),
                        "an operation cannot have both `in: body` and `in: formData` parameters; used the body and ignored the form fields",
                    );
                }
                match first {
                    Input::Body(p, at) => Some(self.body(&p, &at, &body_to, consumes)),
                    Input::BodyRef(reference) => Some(json!({"$ref": reference})),
                    Input::Plain(_) | Input::Form(..) => None,
                }
            }
            None if !forms.is_empty() => Some(self.form_body(&forms, &body_to, consumes)),
            None => None,
        };
        (parameters, body)
    }

    /// An `in: body` parameter as a request body, one media type per `consumes` entry.
    fn body(&mut self, parameter: &Map<String, Value>, from: &str, to: &str, consumes: &[String]) -> Value {
        self.place_one(from, to);
        let mut media: Vec<String> = consumes.iter().filter(|m| !is_form(m)).cloned().collect();
        if media.is_empty() {
            media.push(JSON.into());
        }
        let mut out = Map::new();
        if let Some(description) = parameter.get("description") {
            self.place(&child(from, "description"), &child(to, "description"));
            out.insert("description".into(), description.clone());
        }
        if let Some(required) = parameter.get("required") {
            self.place(&child(from, "required"), &child(to, "required"));
            out.insert("required".into(), required.clone());
        }
        let schema = parameter.get("schema").cloned().unwrap_or_else(|| json!({}));
        let schema_from = child(from, "schema");
        let mut content = Map::new();
        for m in &media {
            let media_to = format!("{to}/content/{}", escape_token(m));
            self.place_one(from, &media_to);
            self.place(&schema_from, &format!("{media_to}/schema"));
            content.insert(m.clone(), json!({"schema": self.schema(&schema, &schema_from)}));
        }
        self.place_one(from, &format!("{to}/content"));
        out.insert("content".into(), Value::Object(content));
        for (key, value) in parameter.iter().filter(|(k, _)| k.starts_with("x-")) {
            out.insert(key.clone(), value.clone());
        }
        Value::Object(out)
    }

    /// `in: formData` parameters as one object body.
    fn form_body(&mut self, fields: &[(Map<String, Value>, String)], to: &str, consumes: &[String]) -> Value {
        let has_file = fields.iter().any(|(p, _)| is_file(p) || p.get("items").is_some_and(|i| i.get("type").and_then(Value::as_str) == Some("file")));
        let media = if has_file || consumes.iter().any(|m| m.starts_with(MULTIPART)) || !consumes.iter().any(|m| m.starts_with(URLENCODED)) {
            MULTIPART
        } else {
            URLENCODED
        };
        let media_to = format!("{to}/content/{}", escape_token(media));
        let schema_to = format!("{media_to}/schema");
        let mut properties = Map::new();
        let mut required = Vec::new();
        for (field, at) in fields {
            let Some(name) = field.get("name").and_then(Value::as_str) else {
                self.diagnostics.warn("swagger2-invalid", at.clone(), "a form parameter without `name`; ignored it");
                continue;
            };
            let property_to = format!("{schema_to}/properties/{}", escape_token(name));
            self.place_one(at, &property_to);
            let mut schema = Map::new();
            for (key, value) in field {
                if SCHEMA_KEYS.contains(&key.as_str()) || key == "description" || key == "x-nullable" {
                    let target = if key == "x-nullable" { "nullable" } else { key.as_str() };
                    self.place(&child(at, key), &child(&property_to, target));
                    schema.insert(target.to_string(), value.clone());
                }
            }
            let mut schema = Value::Object(schema);
            self.schema_in_place(&mut schema, at);
            if schema.get("type").and_then(Value::as_str) == Some("array") {
                let format = field.get("collectionFormat").and_then(Value::as_str).unwrap_or("csv");
                if format != "multi" {
                    self.diagnostics.note(
                        "swagger2-lossy",
                        at.clone(),
                        format!("form field `{name}` is a list with `collectionFormat: {format}`; OpenAPI 3.0 form bodies send one value per part (`multi`), so the client does"),
                    );
                }
            }
            if field.get("required").and_then(Value::as_bool) == Some(true) {
                required.push(Value::from(name));
            }
            properties.insert(name.to_string(), schema);
        }
        if let Some((_, first)) = fields.first() {
            for pointer in [to, &format!("{to}/content"), &media_to, &schema_to, &format!("{schema_to}/properties")] {
                self.place_one(first, pointer);
            }
        }
        let mut schema = json!({"type": "object", "properties": properties});
        // The body must be sent when one of its fields must.
        let body_required = !required.is_empty();
        if body_required {
            schema["required"] = Value::Array(required);
        }
        json!({"required": body_required, "content": {media: {"schema": schema}}})
    }

    fn responses(&mut self, value: &Value, from: &str, to: &str, produces: &[String]) -> Value {
        let Value::Object(responses) = value else {
            self.place(from, to);
            return value.clone();
        };
        self.place_one(from, to);
        let mut out = Map::new();
        for (code, response) in responses {
            let converted = self.response(response, &child(from, code), &child(to, code), produces);
            out.insert(code.clone(), converted);
        }
        Value::Object(out)
    }

    /// A response: `schema` becomes `content`, one media type per `produces` entry.
    fn response(&mut self, response: &Value, from: &str, to: &str, produces: &[String]) -> Value {
        let Value::Object(r) = response else {
            self.place(from, to);
            return response.clone();
        };
        if let Some(reference) = r.get("$ref").and_then(Value::as_str) {
            self.place(from, to);
            return json!({"$ref": rewrite_ref(reference)});
        }
        self.place_one(from, to);
        let mut out = Map::new();
        out.insert("description".into(), Value::from(""));
        let mut content = Map::new();
        let mut examples_later = Vec::new();
        for (key, value) in r {
            let key_from = child(from, key);
            match key.as_str() {
                "schema" => {
                    let schema = self.schema(value, &key_from);
                    let binary = schema.get("format").and_then(Value::as_str) == Some("binary");
                    let mut media = produces.to_vec();
                    if media.is_empty() {
                        media.push(if binary { "application/octet-stream" } else { JSON }.into());
                    }
                    for m in &media {
                        let media_to = format!("{to}/content/{}", escape_token(m));
                        self.place_one(&key_from, &media_to);
                        self.place(&key_from, &format!("{media_to}/schema"));
                        content.insert(m.clone(), json!({"schema": schema.clone()}));
                    }
                    self.place_one(&key_from, &format!("{to}/content"));
                }
                "examples" => {
                    let Value::Object(examples) = value else { continue };
                    for (m, example) in examples {
                        examples_later.push((m.clone(), example.clone(), child(&key_from, m)));
                    }
                }
                "headers" => {
                    let headers = self.each_entry(value, &key_from, &child(to, key), |c, v, f, t| c.header(v, f, t));
                    out.insert(key.clone(), headers);
                }
                _ => {
                    self.place(&key_from, &child(to, key));
                    out.insert(key.clone(), value.clone());
                }
            }
        }
        for (m, example, at) in examples_later {
            match content.get_mut(&m) {
                Some(Value::Object(media)) => {
                    media.insert("example".into(), example);
                }
                _ => self.diagnostics.note(
                    "swagger2-lossy",
                    at,
                    format!("an example for `{m}`, which the response does not produce; dropped it"),
                ),
            }
        }
        if !content.is_empty() {
            out.insert("content".into(), Value::Object(content));
        }
        Value::Object(out)
    }

    /// A response header: its type keys move under `schema`.
    fn header(&mut self, header: &Value, from: &str, to: &str) -> Value {
        let Value::Object(h) = header else {
            self.place(from, to);
            return header.clone();
        };
        self.place_one(from, to);
        let mut out = Map::new();
        let mut schema = Map::new();
        for (key, value) in h {
            if SCHEMA_KEYS.contains(&key.as_str()) {
                self.place(&child(from, key), &format!("{to}/schema/{key}"));
                schema.insert(key.clone(), value.clone());
            } else if key != "collectionFormat" {
                self.place(&child(from, key), &child(to, key));
                out.insert(key.clone(), value.clone());
            }
        }
        let mut schema = Value::Object(schema);
        self.schema_in_place(&mut schema, from);
        out.insert("schema".into(), schema);
        Value::Object(out)
    }

    fn security_scheme(&mut self, scheme: &Value, from: &str) -> Value {
        let Value::Object(s) = scheme else { return scheme.clone() };
        let mut out = Map::new();
        if let Some(description) = s.get("description") {
            out.insert("description".into(), description.clone());
        }
        match s.get("type").and_then(Value::as_str) {
            Some("basic") => {
                out.insert("type".into(), Value::from("http"));
                out.insert("scheme".into(), Value::from("basic"));
            }
            Some("oauth2") => {
                let flow = match s.get("flow").and_then(Value::as_str) {
                    Some("implicit") => "implicit",
                    Some("password") => "password",
                    Some("application") => "clientCredentials",
                    Some("accessCode") => "authorizationCode",
                    other => {
                        self.diagnostics.note(
                            "swagger2-lossy",
                            child(from, "flow"),
                            format!("OAuth2 flow {other:?} is not a Swagger 2.0 flow; kept no flow"),
                        );
                        return json!({"type": "oauth2", "flows": {}});
                    }
                };
                let mut details = Map::new();
                for key in ["authorizationUrl", "tokenUrl"] {
                    if let Some(url) = s.get(key) {
                        details.insert(key.into(), url.clone());
                    }
                }
                details.insert("scopes".into(), s.get("scopes").cloned().unwrap_or_else(|| json!({})));
                out.insert("type".into(), Value::from("oauth2"));
                out.insert("flows".into(), json!({flow: details}));
            }
            _ => {
                for (key, value) in s {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
        Value::Object(out)
    }

    /// A converted copy of a schema.
    fn schema(&mut self, schema: &Value, from: &str) -> Value {
        let mut out = schema.clone();
        self.schema_in_place(&mut out, from);
        out
    }

    /// Rewrites a 2.0 schema into 3.0 in place: `$ref`s, `x-nullable`, `type: file`, and a
    /// string `discriminator`, at every depth.
    fn schema_in_place(&mut self, schema: &mut Value, from: &str) {
        let Value::Object(s) = schema else { return };
        if let Some(Value::String(reference)) = s.get_mut("$ref") {
            *reference = rewrite_ref(reference);
        }
        if let Some(nullable) = s.shift_remove("x-nullable") {
            s.insert("nullable".into(), nullable);
        }
        if s.get("type").and_then(Value::as_str) == Some("file") {
            s.insert("type".into(), Value::from("string"));
            s.insert("format".into(), Value::from("binary"));
        }
        if let Some(Value::String(property)) = s.get("discriminator") {
            let property = property.clone();
            s.insert("discriminator".into(), json!({"propertyName": property}));
        }
        if let Some(Value::Array(items)) = s.get("items") {
            if let Some(first) = items.first().cloned() {
                self.diagnostics.note(
                    "swagger2-lossy",
                    child(from, "items"),
                    "a list of `items` schemas (a tuple) has no OpenAPI 3.0 equivalent; used the first",
                );
                s.insert("items".into(), first);
            }
        }
        for key in ["items", "additionalProperties", "not"] {
            if let Some(child_schema) = s.get_mut(key) {
                self.schema_in_place(child_schema, &child(from, key));
            }
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(Value::Array(list)) = s.get_mut(key) {
                for (i, item) in list.iter_mut().enumerate() {
                    self.schema_in_place(item, &format!("{}/{i}", child(from, key)));
                }
            }
        }
        if let Some(Value::Object(properties)) = s.get_mut("properties") {
            for (name, property) in properties.iter_mut() {
                self.schema_in_place(property, &child(&child(from, "properties"), name));
            }
        }
    }
}

fn is_form(media: &str) -> bool {
    media.starts_with(MULTIPART) || media.starts_with(URLENCODED)
}

fn is_file(parameter: &Map<String, Value>) -> bool {
    parameter.get("type").and_then(Value::as_str) == Some("file")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Converts a 2.0 document made of `extra` on top of a minimal one.
    fn convert_json(extra: Value) -> (Value, Diagnostics) {
        let mut root = json!({"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {}});
        for (key, value) in extra.as_object().expect("an object") {
            root[key] = value.clone();
        }
        let mut tree = LocatedTree { root, positions: BTreeMap::new() };
        let mut diagnostics = Diagnostics::default();
        convert(&mut tree, &mut diagnostics);
        (tree.root, diagnostics)
    }

    #[test]
    fn conversion_rules_table() {
        // (2.0 input, JSON pointer into the 3.0 output, the value expected there)
        let op = |parameters: Value| json!({"paths": {"/a": {"post": {"parameters": parameters, "responses": {"200": {"description": "ok"}}}}}});
        let table: Vec<(Value, &str, Value)> = vec![
            (json!({"definitions": {"U": {"type": "object"}}}), "/components/schemas/U", json!({"type": "object"})),
            (json!({"definitions": {"U": {"$ref": "#/definitions/V"}}}), "/components/schemas/U/$ref", json!("#/components/schemas/V")),
            (json!({"definitions": {"U": {"type": "string", "x-nullable": true}}}), "/components/schemas/U", json!({"type": "string", "nullable": true})),
            (json!({"definitions": {"U": {"type": "file"}}}), "/components/schemas/U", json!({"type": "string", "format": "binary"})),
            (json!({"definitions": {"U": {"discriminator": "kind"}}}), "/components/schemas/U/discriminator", json!({"propertyName": "kind"})),
            (json!({"parameters": {"P": {"name": "p", "in": "query", "type": "integer"}}}), "/components/parameters/P",
             json!({"name": "p", "in": "query", "schema": {"type": "integer"}})),
            (json!({"responses": {"R": {"description": "r", "schema": {"type": "string"}}}}), "/components/responses/R",
             json!({"description": "r", "content": {"application/json": {"schema": {"type": "string"}}}})),
            (json!({"securityDefinitions": {"B": {"type": "basic"}}}), "/components/securitySchemes/B", json!({"type": "http", "scheme": "basic"})),
            (json!({"host": "h.example", "schemes": ["http", "https"]}), "/servers", json!([{"url": "http://h.example"}, {"url": "https://h.example"}])),
            (json!({"basePath": "/api/v4", "paths": {"/u": {}}}), "/paths/~1api~1v4~1u", json!({})),
            (merge(op(json!([{"in": "body", "name": "b", "required": true, "schema": {"type": "object"}}])), json!({"consumes": ["application/json", "text/plain"]})),
             "/paths/~1a/post/requestBody",
             json!({"required": true, "content": {"application/json": {"schema": {"type": "object"}}, "text/plain": {"schema": {"type": "object"}}}})),
            (op(json!([{"in": "formData", "name": "f", "type": "file", "required": true}, {"in": "formData", "name": "s", "type": "string"}])),
             "/paths/~1a/post/requestBody",
             json!({"required": true, "content": {"multipart/form-data": {"schema": {"type": "object", "properties": {"f": {"type": "string", "format": "binary"}, "s": {"type": "string"}}, "required": ["f"]}}}})),
            (merge(op(json!([{"in": "formData", "name": "s", "type": "string"}])), json!({"consumes": ["application/x-www-form-urlencoded"]})),
             "/paths/~1a/post/requestBody/content",
             json!({"application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {"s": {"type": "string"}}}}})),
            (op(json!([{"in": "query", "name": "q", "type": "array", "items": {"type": "string"}}])), "/paths/~1a/post/parameters/0",
             json!({"in": "query", "name": "q", "style": "form", "explode": false, "schema": {"type": "array", "items": {"type": "string"}}})),
            (op(json!([{"in": "query", "name": "q", "type": "array", "items": {"type": "string"}, "collectionFormat": "multi"}])), "/paths/~1a/post/parameters/0/explode", json!(true)),
            (op(json!([{"in": "query", "name": "q", "type": "array", "items": {"type": "string"}, "collectionFormat": "pipes"}])), "/paths/~1a/post/parameters/0/style", json!("pipeDelimited")),
            (op(json!([{"in": "path", "name": "id", "type": "string"}])), "/paths/~1a/post/parameters/0/required", json!(true)),
            (op(json!([{"$ref": "#/parameters/P"}])), "/paths/~1a/post/parameters/0", json!({"$ref": "#/components/parameters/P"})),
            (json!({"produces": ["image/png"], "paths": {"/a": {"get": {"responses": {"200": {"description": "i", "schema": {"type": "file"}}}}}}}),
             "/paths/~1a/get/responses/200/content", json!({"image/png": {"schema": {"type": "string", "format": "binary"}}})),
            (json!({"paths": {"/a": {"get": {"responses": {"200": {"$ref": "#/responses/R"}}}}}}), "/paths/~1a/get/responses/200", json!({"$ref": "#/components/responses/R"})),
        ];
        for (input, pointer, expected) in table {
            let (output, _) = convert_json(input.clone());
            assert_eq!(output.pointer(pointer), Some(&expected), "{input} at {pointer}: {output}");
            assert_eq!(output["openapi"], json!("3.0.3"));
        }
    }

    fn merge(mut a: Value, b: Value) -> Value {
        for (key, value) in b.as_object().expect("an object") {
            a[key] = value.clone();
        }
        a
    }

    #[test]
    fn losses_are_located_notes() {
        let (_, diagnostics) = convert_json(json!({"paths": {"/a": {"get": {
            "schemes": ["http"],
            "parameters": [{"in": "query", "name": "q", "type": "array", "items": {"type": "string"}, "collectionFormat": "tsv"}],
            "responses": {"200": {"description": "ok"}}
        }}}}));
        let notes: Vec<(&str, &str)> = diagnostics.items().iter().map(|d| (d.kind, d.pointer.as_str())).collect();
        assert_eq!(
            notes,
            [
                ("swagger2-converted", "/swagger"),
                ("swagger2-lossy", "/paths/~1a/get/schemes"),
                ("swagger2-lossy", "/paths/~1a/get/parameters/0/collectionFormat"),
            ]
        );
    }

    #[test]
    fn converted_nodes_keep_the_positions_of_their_sources() {
        let text = "swagger: '2.0'\ninfo: {title: t, version: '1'}\nbasePath: /api/v4\npaths:\n  /u:\n    get:\n      parameters:\n        - {name: q, in: query, type: string}\n      responses:\n        '200': {description: ok}\ndefinitions:\n  U: {type: object}\n";
        let mut diagnostics = Diagnostics::default();
        let mut tree = crate::load::yaml::parse(text, &mut diagnostics).expect("YAML");
        convert(&mut tree, &mut diagnostics);
        let line = |pointer: &str| tree.locate(pointer).map(|p| p.line);
        assert_eq!(line("/paths/~1api~1v4~1u/get"), Some(6));
        assert_eq!(line("/paths/~1api~1v4~1u/get/parameters/0/schema/type"), Some(8));
        assert_eq!(line("/components/schemas/U"), Some(12));
        assert_eq!(line("/definitions/U"), Some(12), "2.0 pointers still locate");
    }

    #[test]
    fn what_a_document_declares() {
        assert_eq!(declared(&json!({"swagger": "2.0"})), Declared::Swagger2);
        assert_eq!(declared(&json!({"swagger": 2.0})), Declared::Swagger2);
        assert_eq!(declared(&json!({"swagger": "1.2"})), Declared::OtherSwagger("1.2".into()));
        assert_eq!(declared(&json!({"openapi": "3.0.0", "swagger": "2.0"})), Declared::OpenApi3);
        assert_eq!(declared(&json!({"info": {}})), Declared::OpenApi3);
    }
}
