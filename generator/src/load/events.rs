//! The WebSocket event catalogue (`spec/events.yaml`, AsyncAPI 3.0): every event the server
//! pushes, read into plain data with its `data` schema converted to an `openapiv3` schema, so
//! that the IR types it with the same type-space builder as the REST models.
//!
//! JSON Schema differs from OpenAPI 3.0 in a few keywords, converted here: a reference into the
//! OpenAPI document (`mattermost-openapi-v4.yaml#/components/schemas/X`) becomes
//! `#/components/schemas/X`, a reference to the catalogue's own `components/schemas` is inlined,
//! `type: [T, "null"]` becomes `type: T, nullable: true`, `const` becomes a one-value `enum`, and
//! a string holding JSON (`contentMediaType: application/json` with `x-content-schema: S`)
//! becomes `S` itself, the fact kept in [`CatalogueEvent::json_strings`].
//!
//! Nothing here panics: a message that cannot be read is dropped with a warning located in
//! `spec/events.yaml` (pointer, line and column); a file that is not YAML or has no messages is
//! an error.

use std::collections::BTreeMap;

use openapiv3::{ReferenceOr, Schema};
use serde_json::{Map, Value};

use super::yaml::{self, LocatedTree};
use crate::diag::{escape_token, Diagnostic, Diagnostics, Severity};

/// The file diagnostics about the catalogue name.
pub const EVENTS_FILE: &str = "spec/events.yaml";

/// How the OpenAPI document is named in the catalogue's references.
const OPENAPI_REF_PREFIX: &str = "mattermost-openapi-v4.yaml#/components/schemas/";
/// A reference to one of the catalogue's own schemas.
const LOCAL_REF_PREFIX: &str = "#/components/schemas/";
/// How deep local references may nest before the converter gives up (a cycle).
const MAX_LOCAL_DEPTH: usize = 16;

/// The catalogue, as far as it could be read.
#[derive(Debug, Clone)]
pub struct EventCatalogue {
    /// `info.version`: the server version it describes.
    pub version: String,
    /// Every event, sorted by wire name (each name once).
    pub events: Vec<CatalogueEvent>,
    /// The catalogue as a located JSON tree, to locate later diagnostics.
    pub tree: LocatedTree,
}

/// One server event.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogueEvent {
    /// Wire name (`posted`): the message's `name`.
    pub wire_name: String,
    /// JSON pointer of the message in the catalogue.
    pub pointer: String,
    /// `title`.
    pub title: Option<String>,
    /// `summary`.
    pub summary: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `x-since`: the first server version read that sends it (the catalogue's base version
    /// when it is as old as the oldest version read).
    pub since: Option<String>,
    /// `x-until`: the first server version read that no longer sends it, when one does not.
    pub until: Option<String>,
    /// `x-published-by`: server files and functions that publish it.
    pub published_by: Vec<String>,
    /// The `data` schema, converted; `None` for `x-data-untyped: true` (any JSON value).
    pub data: Option<Schema>,
    /// Properties of `data` that the server sends as a string holding JSON; `data` declares
    /// their decoded schema.
    pub json_strings: Vec<String>,
    /// The `broadcast` schema, converted, when declared.
    pub broadcast: Option<ReferenceOr<Schema>>,
}

fn diagnostic(severity: Severity, kind: &'static str, tree: Option<&LocatedTree>, pointer: String, message: String) -> Diagnostic {
    let at = tree.map(|t| position(t, &pointer));
    Diagnostic {
        severity,
        kind,
        file: Some(EVENTS_FILE.to_string()),
        line: at.map(|p| p.line),
        column: at.map(|p| p.column),
        pointer,
        message,
    }
}

/// Where `pointer` (or its nearest located ancestor) is; the document's start when nothing is.
pub fn position(tree: &LocatedTree, pointer: &str) -> yaml::Position {
    tree.locate(pointer).unwrap_or(yaml::Position { line: 1, column: 1 })
}

/// How the catalogue is named, and what an unreadable one costs.
const INPUT: yaml::InputFile = yaml::InputFile {
    path: EVENTS_FILE,
    what: "the event catalogue",
    syntax_kind: "events-invalid",
    syntax_severity: Severity::Error,
    consequence: "fix the file and run regen again",
};

/// Reads the catalogue `text`. A message that cannot be read is left out with a located
/// warning; a file that is not YAML, or has no `components.messages`, is an error.
pub fn parse(text: &str, diagnostics: &mut Diagnostics) -> Option<EventCatalogue> {
    let tree = yaml::parse_input(text, &INPUT, diagnostics)?;
    let Some(messages) = tree.root.pointer("/components/messages").and_then(Value::as_object) else {
        diagnostics.push_diagnostic(diagnostic(
            Severity::Error,
            "events-invalid",
            Some(&tree),
            "/components/messages".into(),
            "the event catalogue has no `components.messages` map; it must be an AsyncAPI 3.0 document with one message per event".into(),
        ));
        return None;
    };
    let version = match tree.root.pointer("/info/version") {
        Some(Value::String(v)) => v.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let local = tree.root.pointer("/components/schemas").and_then(Value::as_object).cloned().unwrap_or_default();
    let mut by_name: BTreeMap<String, CatalogueEvent> = BTreeMap::new();
    for (key, message) in messages {
        let pointer = format!("/components/messages/{}", escape_token(key));
        let mut converter = Converter {
            local: &local,
            tree: &tree,
            diagnostics,
        };
        let Some(event) = converter.event(key, message, &pointer) else { continue };
        if let Some(first) = by_name.get(&event.wire_name) {
            let first = first.pointer.clone();
            diagnostics.push_diagnostic(diagnostic(
                Severity::Warning,
                "events-invalid",
                Some(&tree),
                pointer,
                format!("a second message for the event `{}` (the first is at {first}); dropped this one", event.wire_name),
            ));
            continue;
        }
        by_name.insert(event.wire_name.clone(), event);
    }
    Some(EventCatalogue {
        version,
        events: by_name.into_values().collect(),
        tree,
    })
}

struct Converter<'a> {
    local: &'a Map<String, Value>,
    tree: &'a LocatedTree,
    diagnostics: &'a mut Diagnostics,
}

impl Converter<'_> {
    fn warn(&mut self, kind: &'static str, pointer: String, message: String) {
        self.diagnostics.push_diagnostic(diagnostic(Severity::Warning, kind, Some(self.tree), pointer, message));
    }

    /// One message, or `None` (with a warning) when it is not an event or cannot be read.
    fn event(&mut self, key: &str, message: &Value, pointer: &str) -> Option<CatalogueEvent> {
        let Some(message) = message.as_object() else {
            self.warn("events-invalid", pointer.into(), "this message is not a map; dropped it".into());
            return None;
        };
        let properties = message.get("payload").and_then(|p| p.get("properties")).and_then(Value::as_object);
        // Actions (`{seq, action, data}`) and action replies are not events.
        let event_property = properties.and_then(|p| p.get("event"))?;
        let wire_name = match message.get("name") {
            Some(Value::String(name)) if !name.is_empty() => name.clone(),
            Some(_) => {
                self.warn("events-invalid", format!("{pointer}/name"), "`name` must be the event's wire name, a non-empty string; dropped this message".into());
                return None;
            }
            None => key.to_string(),
        };
        if let Some(constant) = event_property.get("const").and_then(Value::as_str) {
            if constant != wire_name {
                self.warn(
                    "events-invalid",
                    format!("{pointer}/payload/properties/event/const"),
                    format!("the payload's `event` is `{constant}` but the message is named `{wire_name}`; used the name"),
                );
            }
        }
        let text = |name: &str| message.get(name).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let since = self.version(message, "x-since", pointer);
        let until = self.version(message, "x-until", pointer);
        let published_by = match message.get("x-published-by") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            _ => Vec::new(),
        };
        let untyped = message.get("x-data-untyped").and_then(Value::as_bool).unwrap_or(false);
        let payload_pointer = format!("{pointer}/payload/properties");
        let mut json_strings = Vec::new();
        let data = match properties.and_then(|p| p.get("data")) {
            _ if untyped => None,
            None => {
                self.warn(
                    "events-invalid",
                    payload_pointer.clone(),
                    "the event's payload declares no `data`; typed its data as any JSON value (mark it `x-data-untyped: true` to say so)".into(),
                );
                None
            }
            Some(data) => {
                let data_pointer = format!("{payload_pointer}/data");
                let converted = self.schema(data, &data_pointer, 0, Some(&mut json_strings));
                match read_schema(&converted) {
                    Ok(schema) => Some(schema),
                    Err(reason) => {
                        self.warn("events-invalid", data_pointer, format!("cannot read this data schema ({reason}); dropped the event"));
                        return None;
                    }
                }
            }
        };
        let broadcast = properties.and_then(|p| p.get("broadcast")).and_then(|b| {
            let broadcast_pointer = format!("{payload_pointer}/broadcast");
            let converted = self.schema(b, &broadcast_pointer, 0, None);
            match serde_json::from_value::<ReferenceOr<Schema>>(converted) {
                Ok(schema) => Some(schema),
                Err(reason) => {
                    self.warn("events-invalid", broadcast_pointer, format!("cannot read this broadcast schema ({reason}); left it untyped"));
                    None
                }
            }
        });
        Some(CatalogueEvent {
            wire_name,
            pointer: pointer.to_string(),
            title: text("title"),
            summary: text("summary"),
            description: text("description"),
            since,
            until,
            published_by,
            data,
            json_strings,
            broadcast,
        })
    }

    /// The server version `map[key]` (`x-since`, `x-until`) gives: a non-empty string. Anything
    /// else is ignored with a warning (a YAML number would turn `9.10` into `9.1`).
    fn version(&mut self, map: &Map<String, Value>, key: &str, pointer: &str) -> Option<String> {
        match map.get(key)? {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            other => {
                self.warn(
                    "events-invalid",
                    format!("{pointer}/{key}"),
                    format!("`{key}` must be a server version written as a string (`'9.10'`), not {other}; ignored it"),
                );
                None
            }
        }
    }

    /// Converts one JSON Schema to the OpenAPI 3.0 form `openapiv3` reads. `json_strings`,
    /// when given, collects the properties that hold JSON in a string (only the top level of an
    /// event's data records them).
    fn schema(&mut self, value: &Value, pointer: &str, depth: usize, mut json_strings: Option<&mut Vec<String>>) -> Value {
        let Some(map) = value.as_object() else {
            if !value.is_boolean() {
                self.warn("events-invalid", pointer.into(), "a schema must be a map; used any JSON value here".into());
            }
            return Value::Object(Map::new());
        };
        if let Some(reference) = map.get("$ref") {
            return self.reference(reference, pointer, depth);
        }
        let mut out = Map::new();
        let since_note = self.version(map, "x-since", pointer);
        if let Some(since) = &since_note {
            // A key newer than its event: its docs say so.
            let note = format!("Sent by servers {since} and later.");
            let description = match map.get("description").and_then(Value::as_str).map(str::trim).filter(|d| !d.is_empty()) {
                Some(d) => format!("{d} {note}"),
                None => note,
            };
            out.insert("description".into(), Value::String(description));
        }
        for (key, value) in map {
            let at = format!("{pointer}/{}", escape_token(key));
            match key.as_str() {
                "type" => match value {
                    Value::Array(types) => {
                        let mut kinds: Vec<&Value> = types.iter().filter(|t| t.as_str() != Some("null")).collect();
                        if kinds.len() < types.len() {
                            out.insert("nullable".into(), Value::Bool(true));
                        }
                        match (kinds.pop(), kinds.is_empty()) {
                            (Some(kind), true) => {
                                out.insert("type".into(), kind.clone());
                            }
                            (None, _) => {}
                            (Some(_), false) => self.warn("events-invalid", at, "a schema of several types is not supported; used any JSON value here".into()),
                        }
                    }
                    other => {
                        out.insert("type".into(), other.clone());
                    }
                },
                "const" => {
                    out.insert("enum".into(), Value::Array(vec![value.clone()]));
                }
                "properties" => {
                    let Some(properties) = value.as_object() else {
                        self.warn("events-invalid", at, "`properties` must be a map; ignored it".into());
                        continue;
                    };
                    let mut converted = Map::new();
                    for (name, property) in properties {
                        let property_pointer = format!("{at}/{}", escape_token(name));
                        let property = match self.json_string_content(property, &property_pointer, depth) {
                            Some(content) => {
                                if let Some(list) = json_strings.as_deref_mut() {
                                    list.push(name.clone());
                                }
                                content
                            }
                            None => self.schema(property, &property_pointer, depth, None),
                        };
                        converted.insert(name.clone(), property);
                    }
                    out.insert(key.clone(), Value::Object(converted));
                }
                "items" | "not" => {
                    out.insert(key.clone(), self.schema(value, &at, depth, None));
                }
                "additionalProperties" => {
                    let converted = if value.is_boolean() { value.clone() } else { self.schema(value, &at, depth, None) };
                    out.insert(key.clone(), converted);
                }
                "allOf" | "oneOf" | "anyOf" => {
                    let Some(members) = value.as_array() else {
                        self.warn("events-invalid", at, format!("`{key}` must be a list; ignored it"));
                        continue;
                    };
                    let converted = members.iter().enumerate().map(|(i, m)| self.schema(m, &format!("{at}/{i}"), depth, None)).collect();
                    out.insert(key.clone(), Value::Array(converted));
                }
                // Already folded into the description above.
                "description" | "x-since" if since_note.is_some() => {}
                // JSON Schema keywords OpenAPI 3.0 does not have; a stray one is left out.
                "contentMediaType" | "contentEncoding" | "x-content-schema" | "$schema" | "$id" | "$comment" | "examples" => {}
                _ => {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
        Value::Object(out)
    }

    /// For a string property holding JSON (`contentMediaType: application/json`), the converted
    /// schema of the decoded value, described as such.
    fn json_string_content(&mut self, property: &Value, pointer: &str, depth: usize) -> Option<Value> {
        let map = property.as_object()?;
        if map.get("contentMediaType").and_then(Value::as_str) != Some("application/json") {
            return None;
        }
        let Some(content) = map.get("x-content-schema") else {
            self.warn(
                "events-invalid",
                pointer.into(),
                "a string holding JSON without `x-content-schema`; kept it a string. Declare the decoded shape in `x-content-schema`".into(),
            );
            return None;
        };
        let mut converted = self.schema(content, &format!("{pointer}/x-content-schema"), depth, None);
        let description = map.get("description").and_then(Value::as_str).map(str::trim).filter(|d| !d.is_empty());
        let note = "Sent by the server as a string holding JSON; decoded.";
        let description = match description {
            Some(d) => format!("{d} {note}"),
            None => note.to_string(),
        };
        if converted.get("$ref").is_some() || converted.get("x-type-name").is_some() {
            // A reference cannot carry a description in OpenAPI 3.0, and a named schema keeps its
            // own: wrap it.
            converted = serde_json::json!({ "allOf": [converted], "description": description });
        } else if let Some(object) = converted.as_object_mut() {
            object.insert("description".into(), Value::String(description));
        }
        Some(converted)
    }

    fn reference(&mut self, reference: &Value, pointer: &str, depth: usize) -> Value {
        let at = format!("{pointer}/$ref");
        let Some(reference) = reference.as_str() else {
            self.warn("events-invalid", at, "`$ref` must be a string; used any JSON value here".into());
            return Value::Object(Map::new());
        };
        if let Some(name) = reference.strip_prefix(OPENAPI_REF_PREFIX) {
            return serde_json::json!({ "$ref": format!("#/components/schemas/{name}") });
        }
        if let Some(name) = reference.strip_prefix(LOCAL_REF_PREFIX) {
            let name = name.replace("~1", "/").replace("~0", "~");
            match self.local.get(&name) {
                Some(_) if depth >= MAX_LOCAL_DEPTH => {
                    self.warn("events-invalid", at, format!("`$ref: {reference}` nests too deep (a cycle?); used any JSON value here"));
                }
                Some(schema) => {
                    let schema = schema.clone();
                    return self.schema(&schema, &format!("/components/schemas/{}", escape_token(&name)), depth + 1, None);
                }
                None => self.warn("events-invalid", at, format!("`$ref: {reference}` names no schema of the catalogue; used any JSON value here")),
            }
            return Value::Object(Map::new());
        }
        self.warn(
            "events-invalid",
            at,
            format!("`$ref: {reference}` is neither `{OPENAPI_REF_PREFIX}<name>` nor `{LOCAL_REF_PREFIX}<name>`; used any JSON value here"),
        );
        Value::Object(Map::new())
    }
}

/// Reads a converted schema; a reference at the top is wrapped (data is always inline).
fn read_schema(converted: &Value) -> Result<Schema, String> {
    let value = if converted.get("$ref").is_some() { serde_json::json!({ "allOf": [converted] }) } else { converted.clone() };
    serde_path_to_error::deserialize::<_, Schema>(&value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." { inner.to_string() } else { format!("at {path}: {inner}") }
    })
}

/// Orders two dotted server versions by their numbers (`9.8` < `9.10` < `10.6`); a part that
/// is not a number counts as 0, a missing part as 0 (`10.6` = `10.6.0`).
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |v: &str| -> Vec<u64> { v.split('.').map(|p| p.trim().parse().unwrap_or(0)).collect() };
    let (a, b) = (parts(a), parts(b));
    let len = a.len().max(b.len());
    let at = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0);
    (0..len).map(|i| at(&a, i).cmp(&at(&b, i))).find(|o| o.is_ne()).unwrap_or(std::cmp::Ordering::Equal)
}

/// The wire values of a constants file (`spec/events-constants-<version>.txt`): one
/// `<GoName> <wire>` per line, `#` comments.
pub fn constants_wire_names(text: &str) -> Vec<String> {
    let mut names: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
        .collect();
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use openapiv3::SchemaKind;

    const HEAD: &str = "asyncapi: 3.0.0\ninfo: {title: t, version: '9.8'}\ncomponents:\n  schemas:\n    B: {type: object, properties: {user_id: {type: string}, omit: {type: [object, 'null'], additionalProperties: {type: boolean}}}}\n  messages:\n";

    fn message(name: &str, data: &str) -> String {
        format!("    {name}:\n      name: {name}\n      title: T\n      payload:\n        type: object\n        properties:\n          event: {{type: string, const: {name}}}\n          broadcast: {{$ref: '#/components/schemas/B'}}\n          data: {data}\n")
    }

    #[test]
    fn reads_events_and_converts_their_schemas() {
        let text = format!(
            "{HEAD}{}{}    action_x:\n      name: x\n      payload: {{type: object, properties: {{action: {{type: string}}}}}}\n",
            message(
                "posted",
                "{type: object, properties: {post: {type: string, contentMediaType: application/json, x-content-schema: {$ref: 'mattermost-openapi-v4.yaml#/components/schemas/Post'}}, n: {type: [integer, 'null']}}, required: [post]}"
            ),
            message("hello", "{type: object}")
        );
        let mut diagnostics = Diagnostics::default();
        let catalogue = parse(&text, &mut diagnostics).expect("reads");
        assert!(diagnostics.items().is_empty(), "{:?}", diagnostics.items());
        assert_eq!(catalogue.version, "9.8");
        let names: Vec<&str> = catalogue.events.iter().map(|e| e.wire_name.as_str()).collect();
        assert_eq!(names, ["hello", "posted"]);
        let posted = &catalogue.events[1];
        assert_eq!(posted.json_strings, ["post"]);
        let data = posted.data.as_ref().expect("typed");
        let SchemaKind::Type(openapiv3::Type::Object(object)) = &data.schema_kind else { panic!("an object: {data:?}") };
        let post = serde_json::to_value(&object.properties["post"]).expect("json");
        assert_eq!(post["allOf"][0]["$ref"], "#/components/schemas/Post");
        let n = serde_json::to_value(&object.properties["n"]).expect("json");
        assert_eq!((n["type"].as_str(), n["nullable"].as_bool()), (Some("integer"), Some(true)));
        let broadcast = serde_json::to_value(posted.broadcast.as_ref().expect("broadcast")).expect("json");
        assert_eq!(broadcast["properties"]["omit"]["nullable"], true);
    }

    #[test]
    fn a_bad_message_is_dropped_with_a_located_warning() {
        let text = format!(
            "{HEAD}{}{}    broken: 7\n{}",
            message("ok", "{type: object}"),
            message("bad", "{type: object, properties: 5, required: 7}"),
            message("ok", "{type: object}").replace("    ok:", "    ok_again:")
        );
        let mut diagnostics = Diagnostics::default();
        let catalogue = parse(&text, &mut diagnostics).expect("reads");
        let names: Vec<&str> = catalogue.events.iter().map(|e| e.wire_name.as_str()).collect();
        assert_eq!(names, ["ok"]);
        let located: Vec<(&str, &str, Option<usize>)> =
            diagnostics.items().iter().map(|d| (d.kind, d.pointer.as_str(), d.line)).collect();
        assert!(located.iter().all(|(kind, _, line)| *kind == "events-invalid" && line.is_some()), "{located:?}");
        assert!(located.iter().any(|(_, p, _)| *p == "/components/messages/broken"), "{located:?}");
        assert!(located.iter().any(|(_, p, _)| *p == "/components/messages/bad/payload/properties/data"), "{located:?}");
        assert!(located.iter().any(|(_, p, _)| *p == "/components/messages/ok_again"), "{located:?}");
        assert!(diagnostics.items().iter().all(|d| d.file.as_deref() == Some(EVENTS_FILE)));
    }

    #[test]
    fn a_broken_file_is_a_located_error() {
        let mut diagnostics = Diagnostics::default();
        assert!(parse("components: [", &mut diagnostics).is_none());
        assert!(diagnostics.has_errors());
        assert!(diagnostics.items()[0].line.is_some());
        let mut diagnostics = Diagnostics::default();
        assert!(parse("asyncapi: 3.0.0\n", &mut diagnostics).is_none());
        assert_eq!(diagnostics.items()[0].kind, "events-invalid");
    }

    #[test]
    fn versions_compare_by_number() {
        use std::cmp::Ordering::*;
        assert_eq!(compare_versions("9.8", "9.10"), Less);
        assert_eq!(compare_versions("10.6", "9.8"), Greater);
        assert_eq!(compare_versions("10.6", "10.6.0"), Equal);
    }

    #[test]
    fn since_and_until_are_read_and_a_newer_key_says_so() {
        let text = format!(
            "{HEAD}{}",
            message("hello", "{type: object, properties: {server_hostname: {type: string, x-since: '10.1', description: The host.}}}")
                .replace("      title: T\n", "      title: T\n      x-since: '9.8'\n      x-until: '11.0'\n")
        );
        let mut diagnostics = Diagnostics::default();
        let catalogue = parse(&text, &mut diagnostics).expect("reads");
        assert!(diagnostics.items().is_empty(), "{:?}", diagnostics.items());
        let hello = &catalogue.events[0];
        assert_eq!((hello.since.as_deref(), hello.until.as_deref()), (Some("9.8"), Some("11.0")));
        let data = serde_json::to_value(hello.data.as_ref().expect("typed")).expect("json");
        assert_eq!(data["properties"]["server_hostname"]["description"], "The host. Sent by servers 10.1 and later.");
        // A number is not a version: `9.10` would read as 9.1.
        let text = text.replace("x-since: '9.8'", "x-since: 9.10");
        let mut diagnostics = Diagnostics::default();
        let catalogue = parse(&text, &mut diagnostics).expect("reads");
        assert_eq!(catalogue.events[0].since, None);
        let warned: Vec<&str> = diagnostics.items().iter().map(|d| d.pointer.as_str()).collect();
        assert_eq!(warned, ["/components/messages/hello/x-since"]);
    }

    #[test]
    fn constants_are_read() {
        assert_eq!(constants_wire_names("# c\nB b\nA a\n\nA a\n"), ["a", "b"]);
    }
}
