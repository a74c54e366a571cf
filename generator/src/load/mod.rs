//! Load: spec text to a typed `openapiv3` document plus a located JSON tree.

pub mod audit;
pub mod events;
pub mod js_names;
pub mod overlay;
pub mod recover;
pub mod repair;
pub mod swagger2;
pub mod yaml;

use openapiv3::OpenAPI;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::diag::{escape_token, Diagnostics, Severity};
pub use yaml::{LocatedTree, Position};

/// How many broken nodes the loader drops before it gives up on a document.
const MAX_REPAIRS: usize = 200;

/// A spec ready for the IR stage.
#[derive(Debug, Clone)]
pub struct LoadedSpec {
    /// The typed document.
    pub openapi: OpenAPI,
    /// The same document as a JSON tree with positions, used to locate diagnostics.
    pub tree: LocatedTree,
    /// Lower-case hex sha256 of the spec text as read.
    pub sha256: String,
}

/// Parses spec text. Problems go to `diagnostics`; `None` means the spec could not be read at all.
pub fn load(text: &str, diagnostics: &mut Diagnostics) -> Option<LoadedSpec> {
    load_with_overlay(text, None, diagnostics)
}

/// Parses spec text and applies an overlay (OpenAPI Overlay 1.0) before reading it as OpenAPI.
///
/// A Swagger 2.0 document is converted to OpenAPI 3.0 first ([`swagger2`]), so the overlay
/// and every later stage see OpenAPI 3.0.
pub fn load_with_overlay(text: &str, overlay: Option<&str>, diagnostics: &mut Diagnostics) -> Option<LoadedSpec> {
    let sha256 = sha256_hex(text.as_bytes());
    let tree = match yaml::parse(text, diagnostics) {
        Ok(tree) => tree,
        Err(error) => {
            let message = match error.kind {
                "yaml-syntax" => format!("the spec is not valid YAML: {}; fix the file and run regen again", error.message),
                _ => error.message,
            };
            diagnostics.push_diagnostic(crate::diag::Diagnostic {
                severity: Severity::Error,
                kind: error.kind,
                file: None,
                pointer: String::new(),
                line: Some(error.position.line),
                column: Some(error.position.column),
                message,
            });
            return None;
        }
    };
    let mut tree = tree;
    match swagger2::declared(&tree.root) {
        swagger2::Declared::OpenApi3 => {}
        swagger2::Declared::Swagger2 => swagger2::convert(&mut tree, diagnostics),
        swagger2::Declared::OtherSwagger(version) => {
            diagnostics.error(
                "unsupported-version",
                "/swagger",
                format!("`swagger: {version}` is not a version the generator reads; it reads Swagger 2.0 and OpenAPI 3.0"),
            );
            locate_all(diagnostics, &tree);
            return None;
        }
    }
    if let Some(overlay) = overlay {
        overlay::apply(overlay, &mut tree.root, diagnostics);
    }
    repair::repair(&mut tree.root, diagnostics);
    let openapi = deserialize_with_repairs(&mut tree.root, diagnostics)?;
    Some(LoadedSpec { openapi, tree, sha256 })
}

/// Lower-case hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Deserializes into `OpenAPI`; a node `openapiv3` cannot read is dropped with a located
/// warning and the document is read again, so one bad node never fails the whole run.
fn deserialize_with_repairs(root: &mut Value, diagnostics: &mut Diagnostics) -> Option<OpenAPI> {
    if let Some(map) = root.as_object_mut() {
        for key in ["openapi", "info", "paths"] {
            if !map.contains_key(key) {
                if let Some(default) = required_top_level_default(key) {
                    diagnostics.warn(
                        "missing-node",
                        "",
                        format!("the spec has no `{key}`, which OpenAPI requires; used `{default}` and read the rest"),
                    );
                    map.insert(key.to_string(), default);
                }
            }
        }
    }
    match OpenAPI::deserialize(&*root) {
        // The usual case: read once, no paths tracked.
        Ok(openapi) => return Some(openapi),
        // Drop the smallest nodes that cannot be read before the whole-document loop below,
        // whose pointers stop where `openapiv3` flattens (at `/paths`).
        Err(_) => recover::recover(root, diagnostics),
    }
    for _ in 0..MAX_REPAIRS {
        let error = match serde_path_to_error::deserialize::<_, OpenAPI>(&*root) {
            Ok(openapi) => return Some(openapi),
            Err(error) => error,
        };
        let tokens: Vec<String> = error.path().iter().filter_map(segment_token).collect();
        let pointer: String = tokens.iter().map(|t| format!("/{}", escape_token(t))).collect();
        let reason = error.into_inner().to_string();
        if let [top] = tokens.as_slice() {
            if let Some(default) = required_top_level_default(top) {
                if let Some(map) = root.as_object_mut() {
                    map.insert(top.clone(), default.clone());
                    diagnostics.warn(
                        "replaced-node",
                        pointer,
                        format!("cannot read this required node ({reason}); replaced it with `{default}` and read the rest of the spec"),
                    );
                    continue;
                }
            }
        }
        if tokens.is_empty() || !remove_node(root, &tokens) {
            diagnostics.error(
                "unreadable-spec",
                pointer,
                format!("this is not a valid OpenAPI 3.0 document here: {reason}; fix the spec or add a fix to spec/overlay.yaml"),
            );
            return None;
        }
        diagnostics.warn(
            "dropped-node",
            pointer,
            format!("cannot read this node ({reason}); dropped it and read the rest of the spec; fix it in spec/overlay.yaml to keep it"),
        );
    }
    diagnostics.error(
        "unreadable-spec",
        "",
        format!("gave up after dropping {MAX_REPAIRS} unreadable nodes; the file is probably not an OpenAPI 3.0 document"),
    );
    None
}

/// Stand-ins for the required top-level nodes, so that a broken one does not stop the run.
fn required_top_level_default(key: &str) -> Option<Value> {
    match key {
        "openapi" => Some(Value::from("3.0.0")),
        "info" => Some(serde_json::json!({"title": "API", "version": "0"})),
        "paths" => Some(serde_json::json!({})),
        _ => None,
    }
}

fn segment_token(segment: &serde_path_to_error::Segment) -> Option<String> {
    use serde_path_to_error::Segment;
    match segment {
        Segment::Seq { index } => Some(index.to_string()),
        Segment::Map { key } => Some(key.clone()),
        Segment::Enum { .. } | Segment::Unknown => None,
    }
}

/// Removes the node at `tokens`; false when there is nothing to remove.
fn remove_node(root: &mut Value, tokens: &[String]) -> bool {
    let Some((last, parents)) = tokens.split_last() else { return false };
    let mut node = root;
    for token in parents {
        node = match node {
            Value::Object(map) => match map.get_mut(token) {
                Some(child) => child,
                None => return false,
            },
            Value::Array(items) => match token.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                Some(child) => child,
                None => return false,
            },
            _ => return false,
        };
    }
    match node {
        Value::Object(map) => map.shift_remove(last).is_some(),
        Value::Array(items) => match last.parse::<usize>() {
            Ok(i) if i < items.len() => {
                items.remove(i);
                true
            }
            _ => false,
        },
        _ => false,
    }
}

/// Fills in line and column for every diagnostic that has a pointer into `tree`.
pub fn locate_all(diagnostics: &mut Diagnostics, tree: &LocatedTree) {
    for diagnostic in diagnostics.items_mut() {
        if diagnostic.line.is_none() && diagnostic.file.is_none() {
            if let Some(position) = tree.locate(&diagnostic.pointer) {
                diagnostic.line = Some(position.line);
                diagnostic.column = Some(position.column);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n";

    #[test]
    fn loads_a_minimal_document() {
        let mut diagnostics = Diagnostics::default();
        let spec = load(MINIMAL, &mut diagnostics).expect("loads");
        assert_eq!(spec.openapi.info.title, "t");
        assert!(diagnostics.items().is_empty());
        assert_eq!(spec.sha256.len(), 64);
    }

    #[test]
    fn an_unreadable_node_is_dropped_with_a_located_warning() {
        let text = format!("{MINIMAL}components:\n  schemas:\n    Good: {{type: string}}\n    Bad: {{type: object, properties: 7}}\n");
        let mut diagnostics = Diagnostics::default();
        let spec = load(&text, &mut diagnostics).expect("loads after repair");
        let components = spec.openapi.components.expect("components");
        assert!(components.schemas.contains_key("Good"));
        assert!(!components.schemas.contains_key("Bad"));
        locate_all(&mut diagnostics, &spec.tree);
        let warning = &diagnostics.items()[0];
        assert_eq!(warning.kind, "dropped-node");
        assert!(warning.pointer.starts_with("/components/schemas/Bad"), "{}", warning.pointer);
        assert_eq!(warning.line, Some(7));
    }

    #[test]
    fn a_document_that_is_not_openapi_is_an_error_not_a_panic() {
        let mut diagnostics = Diagnostics::default();
        assert!(load("just a string", &mut diagnostics).is_none());
        assert!(diagnostics.has_errors());
        let mut diagnostics = Diagnostics::default();
        assert!(load("a: [1,\n", &mut diagnostics).is_none());
        assert_eq!(diagnostics.items()[0].kind, "yaml-syntax");
    }
}
