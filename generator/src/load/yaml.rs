//! YAML text to a JSON tree, remembering where every node came from.
//!
//! `serde_yaml` neither reports positions of values nor accepts duplicate keys, and real
//! Mattermost specs repeat path keys. This reader walks `yaml-rust2` parser events instead: it
//! records the line and column of every node by JSON pointer and resolves duplicate keys with a
//! located warning rather than failing.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};
use yaml_rust2::Yaml;

use crate::diag::{escape_token, Diagnostic, Diagnostics, Severity};

/// 1-based line and column of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
}

/// A parsed YAML document as JSON, with node positions by JSON pointer.
#[derive(Debug, Clone)]
pub struct LocatedTree {
    /// The document.
    pub root: Value,
    /// Where each node starts (for mapping entries: where the key starts).
    pub positions: BTreeMap<String, Position>,
}

impl LocatedTree {
    /// The position of the node at `pointer`, or of its nearest located ancestor.
    pub fn locate(&self, pointer: &str) -> Option<Position> {
        let mut current = pointer;
        loop {
            if let Some(position) = self.positions.get(current) {
                return Some(*position);
            }
            match current.rfind('/') {
                Some(cut) => current = &current[..cut],
                None => return None,
            }
        }
    }
}

/// A YAML syntax error with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// `yaml-syntax`, or `several-documents` for a second non-empty document.
    pub kind: &'static str,
    /// What the parser said.
    pub message: String,
    /// Where.
    pub position: Position,
}

/// Parses YAML text; duplicate mapping keys produce warnings in `diagnostics`.
///
/// The text is one YAML document: a leading `---`, empty documents and a trailing `---` are
/// fine, but a second document with content is an error that names its line.
pub fn parse(text: &str, diagnostics: &mut Diagnostics) -> Result<LocatedTree, SyntaxError> {
    let mut builder = TreeBuilder::default();
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut builder, true).map_err(|e| SyntaxError {
        kind: "yaml-syntax",
        message: e.info().to_string(),
        position: position(*e.marker()),
    })?;
    if let Some(at) = builder.extra_document {
        return Err(SyntaxError {
            kind: "several-documents",
            message: format!(
                "the file holds a second YAML document, at line {}; a spec is one document (a leading `---` and empty documents are fine): remove the second one or split the file",
                at.line
            ),
            position: at,
        });
    }
    for (severity_pointer, message) in builder.duplicate_warnings {
        diagnostics.warn("duplicate-key", severity_pointer, message);
    }
    Ok(LocatedTree {
        root: builder.root.unwrap_or(Value::Null),
        positions: builder.positions,
    })
}

fn position(marker: Marker) -> Position {
    Position {
        line: marker.line().max(1),
        column: marker.col() + 1,
    }
}

enum Frame {
    Sequence {
        pointer: String,
        items: Vec<Value>,
        anchor: usize,
    },
    Mapping {
        pointer: String,
        entries: Map<String, Value>,
        key: Option<String>,
        key_position: Option<Position>,
        /// The pointer of the entry whose key was just read, until its value takes it.
        key_pointer: Option<String>,
        anchor: usize,
    },
}

#[derive(Default)]
struct TreeBuilder {
    stack: Vec<Frame>,
    root: Option<Value>,
    done: bool,
    anchors: BTreeMap<usize, Value>,
    positions: BTreeMap<String, Position>,
    duplicate_warnings: Vec<(String, String)>,
    /// Where the document being read started (its `---`, or its first node).
    document_start: Option<Position>,
    /// Where a second document with content starts.
    extra_document: Option<Position>,
}

impl TreeBuilder {
    /// Records where the next value starts and returns its pointer when `keep` asks for it
    /// (`Some(None)` otherwise); `None` when the next scalar is a mapping key. A mapping value
    /// is located at its key, whose pointer was made when the key was read.
    fn place_value(&mut self, marker: Marker, keep: bool) -> Option<Option<String>> {
        let (pointer, at) = match self.stack.last_mut() {
            None => (String::new(), position(marker)),
            Some(Frame::Sequence { pointer, items, .. }) => (format!("{pointer}/{}", items.len()), position(marker)),
            Some(Frame::Mapping {
                key_pointer: key_pointer @ Some(_),
                key_position,
                ..
            }) => (key_pointer.take().unwrap_or_default(), key_position.unwrap_or(position(marker))),
            Some(Frame::Mapping { pointer, key: Some(key), .. }) => (format!("{pointer}/{}", escape_token(key)), position(marker)),
            Some(Frame::Mapping { key: None, .. }) => return None,
        };
        if keep {
            self.positions.entry(pointer.clone()).or_insert(at);
            Some(Some(pointer))
        } else {
            self.positions.entry(pointer).or_insert(at);
            Some(None)
        }
    }

    fn finish_value(&mut self, value: Value, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, value.clone());
        }
        match self.stack.last_mut() {
            None => {
                if !self.done {
                    self.root = Some(value);
                    self.done = true;
                }
            }
            Some(Frame::Sequence { items, .. }) => items.push(value),
            Some(Frame::Mapping {
                pointer,
                entries,
                key,
                key_position,
                ..
            }) => {
                let Some(key) = key.take() else { return };
                let line = key_position.take().map(|p| p.line);
                match entries.get_mut(&key) {
                    Some(existing) => {
                        let at = format!("{pointer}/{}", escape_token(&key));
                        // The first occurrence's key is where the entry is located.
                        let first_line = self.positions.get(&at).map(|p| p.line);
                        let lines = describe_lines(first_line, line);
                        let message = merge_duplicate(existing, value, &key, &lines);
                        self.duplicate_warnings.push((at, message));
                    }
                    None => {
                        entries.insert(key, value);
                    }
                }
            }
        }
    }
}

fn describe_lines(first: Option<usize>, second: Option<usize>) -> String {
    match (first, second) {
        (Some(a), Some(b)) => format!("lines {a} and {b}"),
        _ => "two places".to_string(),
    }
}

/// Resolves a key that appears twice in one mapping, returning the warning text.
fn merge_duplicate(existing: &mut Value, later: Value, key: &str, lines: &str) -> String {
    match (existing, later) {
        (Value::Object(first), Value::Object(second)) => {
            let mut replaced = Vec::new();
            for (k, v) in second {
                if first.contains_key(&k) {
                    replaced.push(k.clone());
                }
                first.insert(k, v);
            }
            if replaced.is_empty() {
                format!("key `{key}` appears twice ({lines}); merged the entries of both")
            } else {
                format!(
                    "key `{key}` appears twice ({lines}); merged both entries, and for `{}`, present in both, the later one wins",
                    replaced.join("`, `")
                )
            }
        }
        (existing, later) => {
            *existing = later;
            format!("key `{key}` appears twice ({lines}); the later value wins")
        }
    }
}

impl MarkedEventReceiver for TreeBuilder {
    fn on_event(&mut self, event: Event, marker: Marker) {
        if event == Event::DocumentStart {
            self.document_start = Some(position(marker));
            return;
        }
        if self.done && self.stack.is_empty() {
            // A later document: empty ones are fine; one with content replaces an empty first
            // document and is an error after a first document with content.
            let empty = matches!(&event, Event::Scalar(text, TScalarStyle::Plain, _, _) if scalar(text.clone(), TScalarStyle::Plain).is_null());
            let starts_node = matches!(event, Event::Scalar(..) | Event::Alias(_) | Event::SequenceStart(..) | Event::MappingStart(..));
            if !starts_node || empty {
                return;
            }
            if self.root.as_ref().is_some_and(Value::is_null) {
                self.done = false;
                self.root = None;
                self.positions.clear();
            } else {
                self.extra_document.get_or_insert(self.document_start.unwrap_or(position(marker)));
                return;
            }
        }
        match event {
            Event::Scalar(text, style, anchor, _tag) => match self.place_value(marker, false) {
                None => {
                    // A mapping key: its entry is located here, once its value comes.
                    if let Some(Frame::Mapping {
                        pointer,
                        key,
                        key_position,
                        key_pointer,
                        ..
                    }) = self.stack.last_mut()
                    {
                        *key_pointer = Some(format!("{pointer}/{}", escape_token(&text)));
                        *key = Some(text);
                        *key_position = Some(position(marker));
                    }
                }
                Some(_) => {
                    let value = scalar(text, style);
                    self.finish_value(value, anchor);
                }
            },
            Event::Alias(anchor) => {
                if self.place_value(marker, false).is_some() {
                    let value = self.anchors.get(&anchor).cloned().unwrap_or(Value::Null);
                    self.finish_value(value, 0);
                } else if let Some(Frame::Mapping { key, .. }) = self.stack.last_mut() {
                    let aliased = self.anchors.get(&anchor).map(key_text).unwrap_or_default();
                    *key = Some(aliased);
                }
            }
            Event::SequenceStart(anchor, _) => {
                let pointer = self.container_pointer(marker);
                self.stack.push(Frame::Sequence {
                    pointer,
                    items: Vec::new(),
                    anchor,
                });
            }
            Event::MappingStart(anchor, _) => {
                let pointer = self.container_pointer(marker);
                self.stack.push(Frame::Mapping {
                    pointer,
                    entries: Map::new(),
                    key: None,
                    key_position: None,
                    key_pointer: None,
                    anchor,
                });
            }
            Event::SequenceEnd => {
                if let Some(Frame::Sequence { items, anchor, .. }) = self.stack.pop() {
                    self.finish_value(Value::Array(items), anchor);
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Mapping { entries, anchor, .. }) = self.stack.pop() {
                    self.finish_value(Value::Object(entries), anchor);
                }
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart | Event::DocumentEnd => {}
        }
    }
}

impl TreeBuilder {
    /// The pointer of a mapping or sequence that starts at `marker`, its position recorded.
    fn container_pointer(&mut self, marker: Marker) -> String {
        match self.place_value(marker, true) {
            Some(pointer) => pointer.unwrap_or_default(),
            None => {
                let pointer = self.complex_key_pointer();
                self.positions.entry(pointer.clone()).or_insert(position(marker));
                pointer
            }
        }
    }

    /// A mapping or sequence used as a mapping key (legal YAML, meaningless in OpenAPI):
    /// it is read and then used as a key by its JSON text.
    fn complex_key_pointer(&self) -> String {
        match self.stack.last() {
            Some(Frame::Mapping { pointer, .. }) => format!("{pointer}/?"),
            _ => String::new(),
        }
    }
}

fn key_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn scalar(text: String, style: TScalarStyle) -> Value {
    if style != TScalarStyle::Plain {
        return Value::String(text);
    }
    match Yaml::from_str(&text) {
        Yaml::Integer(i) => Value::from(i),
        Yaml::Real(r) => r
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or(Value::String(text)),
        Yaml::Boolean(b) => Value::Bool(b),
        Yaml::Null => Value::Null,
        _ => Value::String(text),
    }
}


/// One of our own input files besides the spec (the overlay, the audit, the event catalogue):
/// how diagnostics name it and what a file that is not YAML costs.
pub struct InputFile {
    /// The path diagnostics name (`spec/overlay.yaml`).
    pub path: &'static str,
    /// What it is, in messages (`the overlay`).
    pub what: &'static str,
    /// Kind of the diagnostic for a file that is not YAML.
    pub syntax_kind: &'static str,
    /// Its severity.
    pub syntax_severity: Severity,
    /// What then happens (`no action was applied`).
    pub consequence: &'static str,
}

/// Parses one of our input files. The parser's own diagnostics are filed under its path and
/// located; a file that is not YAML is one diagnostic at the error's line and `None`.
pub fn parse_input(text: &str, file: &InputFile, diagnostics: &mut Diagnostics) -> Option<LocatedTree> {
    let mut own = Diagnostics::default();
    let tree = match parse(text, &mut own) {
        Ok(tree) => tree,
        Err(error) => {
            diagnostics.push_diagnostic(Diagnostic {
                severity: file.syntax_severity,
                kind: file.syntax_kind,
                file: Some(file.path.to_string()),
                pointer: String::new(),
                line: Some(error.position.line),
                column: Some(error.position.column),
                message: format!("{} is not valid YAML: {}; {}", file.what, error.message, file.consequence),
            });
            return None;
        }
    };
    for d in own.into_vec() {
        diagnostics.push_diagnostic(input_diagnostic(file.path, d.severity, d.kind, Some(&tree), d.pointer, d.message));
    }
    Some(tree)
}

/// A diagnostic at `pointer` of the input file `path`, located in `tree` (at its nearest
/// located ancestor) when given.
pub fn input_diagnostic(path: &str, severity: Severity, kind: &'static str, tree: Option<&LocatedTree>, pointer: String, message: String) -> Diagnostic {
    let position = tree.and_then(|t| t.locate(&pointer));
    Diagnostic {
        severity,
        kind,
        file: Some(path.to_string()),
        line: position.map(|p| p.line),
        column: position.map(|p| p.column),
        pointer,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> (LocatedTree, Diagnostics) {
        let mut diagnostics = Diagnostics::default();
        let tree = parse(text, &mut diagnostics).expect("valid yaml");
        (tree, diagnostics)
    }

    #[test]
    fn scalars_resolve_like_yaml_core_schema() {
        let (tree, _) = load("a: 1\nb: 1.5\nc: true\nd: ~\ne: '1'\nf: text\n200: ok\n");
        assert_eq!(
            tree.root,
            serde_json::json!({"a": 1, "b": 1.5, "c": true, "d": null, "e": "1", "f": "text", "200": "ok"})
        );
    }

    #[test]
    fn positions_are_one_based_and_keyed_by_pointer() {
        let (tree, _) = load("paths:\n  /users:\n    get:\n      operationId: GetUsers\n");
        assert_eq!(tree.locate("/paths/~1users/get"), Some(Position { line: 3, column: 5 }));
        assert_eq!(tree.locate("/paths/~1users/get/operationId"), Some(Position { line: 4, column: 7 }));
        assert_eq!(tree.locate("/paths/~1users/get/nothing/here").map(|p| p.line), Some(3));
    }

    #[test]
    fn duplicate_mapping_keys_merge_with_a_located_warning() {
        let text = "paths:\n  /a:\n    get: {operationId: One}\n  /a:\n    post: {operationId: Two}\n    get: {operationId: Three}\n";
        let (tree, diagnostics) = load(text);
        assert_eq!(
            tree.root["paths"]["/a"],
            serde_json::json!({"get": {"operationId": "Three"}, "post": {"operationId": "Two"}})
        );
        let [warning] = diagnostics.items() else { panic!("one warning expected") };
        assert_eq!(warning.pointer, "/paths/~1a");
        assert!(warning.message.contains("lines 2 and 4"), "{}", warning.message);
        assert!(warning.message.contains("`get`"), "{}", warning.message);
    }

    #[test]
    fn anchors_and_aliases_are_expanded() {
        let (tree, _) = load("a: &x {k: 1}\nb: *x\n");
        assert_eq!(tree.root["b"], serde_json::json!({"k": 1}));
    }

    #[test]
    fn a_leading_marker_and_empty_documents_are_one_document() {
        for text in ["---\na: 1\n", "a: 1\n---\n", "---\na: 1\n...\n---\n", "---\n---\na: 1\n"] {
            let (tree, _) = load(text);
            assert_eq!(tree.root, serde_json::json!({"a": 1}), "{text:?}");
        }
    }

    #[test]
    fn a_second_document_with_content_is_an_error_naming_its_line() {
        let mut diagnostics = Diagnostics::default();
        let error = parse("---\na: 1\nb: 2\n---\nc: 3\n", &mut diagnostics).expect_err("two documents");
        assert_eq!(error.kind, "several-documents");
        assert_eq!(error.position.line, 4);
        assert!(error.message.contains("line 4"), "{}", error.message);
    }

    #[test]
    fn syntax_errors_are_located() {
        let mut diagnostics = Diagnostics::default();
        let error = parse("a: [1, 2\nb: 3\n", &mut diagnostics).expect_err("unclosed flow sequence");
        assert!(error.position.line >= 1);
    }
}
