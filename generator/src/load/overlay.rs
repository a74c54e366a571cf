//! OpenAPI Overlay 1.0: reviewed fixes to upstream mistakes, applied to the spec tree before
//! it is read as OpenAPI.
//!
//! Each action selects nodes with an RFC 9535 JSONPath `target`, then merges `update` into them
//! (objects merge recursively, other values are replaced; an array target gets `update`
//! appended) or, with `remove: true`, removes them. An action whose target matches nothing is a
//! warning: the upstream mistake it fixed may be gone.

use serde_json::Value;
use serde_json_path::JsonPath;

use super::yaml::{self, LocatedTree};
use crate::diag::{Diagnostic, Diagnostics, Severity};

/// The file name diagnostics about the overlay name.
pub const OVERLAY_FILE: &str = "spec/overlay.yaml";

fn overlay_diagnostic(severity: Severity, kind: &'static str, tree: Option<&LocatedTree>, pointer: String, message: String) -> Diagnostic {
    yaml::input_diagnostic(OVERLAY_FILE, severity, kind, tree, pointer, message)
}

/// How the overlay is named, and what an unreadable one costs.
const INPUT: yaml::InputFile = yaml::InputFile {
    path: OVERLAY_FILE,
    what: "the overlay",
    syntax_kind: "overlay-syntax",
    syntax_severity: Severity::Error,
    consequence: "no action was applied",
};

/// Applies the overlay `text` to `spec`. Returns how many actions changed something.
pub fn apply(text: &str, spec: &mut Value, diagnostics: &mut Diagnostics) -> usize {
    let Some(tree) = yaml::parse_input(text, &INPUT, diagnostics) else {
        return 0;
    };
    let Some(actions) = tree.root.get("actions").and_then(Value::as_array) else {
        diagnostics.push_diagnostic(overlay_diagnostic(
            Severity::Error,
            "overlay-invalid",
            Some(&tree),
            String::new(),
            "an overlay needs an `actions` list (OpenAPI Overlay 1.0); no action was applied".into(),
        ));
        return 0;
    };
    let mut applied = 0;
    for (index, action) in actions.iter().enumerate() {
        let at = format!("/actions/{index}");
        let Some(target) = action.get("target").and_then(Value::as_str) else {
            diagnostics.push_diagnostic(overlay_diagnostic(Severity::Error, "overlay-invalid", Some(&tree), at, "this action has no `target`; skipped it".into()));
            continue;
        };
        let path = match JsonPath::parse(target) {
            Ok(path) => path,
            Err(error) => {
                diagnostics.push_diagnostic(overlay_diagnostic(
                    Severity::Error,
                    "overlay-invalid",
                    Some(&tree),
                    format!("{at}/target"),
                    format!("`{target}` is not an RFC 9535 JSONPath ({error}); skipped the action"),
                ));
                continue;
            }
        };
        let mut pointers: Vec<String> = path.query_located(spec).locations().map(|l| l.to_json_pointer()).collect();
        if pointers.is_empty() {
            diagnostics.push_diagnostic(overlay_diagnostic(
                Severity::Warning,
                "overlay-no-match",
                Some(&tree),
                format!("{at}/target"),
                format!("target `{target}` matches nothing in the spec; the mistake it fixed may be gone upstream: remove or update the action"),
            ));
            continue;
        }
        let remove = action.get("remove").and_then(Value::as_bool).unwrap_or(false);
        match (remove, action.get("update")) {
            (true, _) => {
                // Last first, so array indices of earlier matches stay valid.
                pointers.reverse();
                for pointer in &pointers {
                    remove_at(spec, pointer);
                }
            }
            (false, Some(update)) => {
                for pointer in &pointers {
                    if let Some(node) = spec.pointer_mut(pointer) {
                        merge(node, update);
                    }
                }
            }
            (false, None) => {
                diagnostics.push_diagnostic(overlay_diagnostic(
                    Severity::Error,
                    "overlay-invalid",
                    Some(&tree),
                    at,
                    "this action has neither `update` nor `remove: true`; skipped it".into(),
                ));
                continue;
            }
        }
        applied += 1;
    }
    applied
}

/// Overlay merge: objects merge key by key, recursively; an array gets `update` appended;
/// anything else is replaced.
fn merge(node: &mut Value, update: &Value) {
    match (node, update) {
        (Value::Object(target), Value::Object(changes)) => {
            for (key, value) in changes {
                match target.get_mut(key) {
                    Some(existing) if existing.is_object() && value.is_object() => merge(existing, value),
                    _ => {
                        target.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (Value::Array(items), value) => items.push(value.clone()),
        (node, value) => *node = value.clone(),
    }
}

fn remove_at(root: &mut Value, pointer: &str) {
    let Some(cut) = pointer.rfind('/') else { return };
    let (parent, last) = (&pointer[..cut], &pointer[cut + 1..]);
    let last = last.replace("~1", "/").replace("~0", "~");
    match root.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.shift_remove(&last);
        }
        Some(Value::Array(items)) => {
            if let Ok(i) = last.parse::<usize>() {
                if i < items.len() {
                    items.remove(i);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(overlay: &str, spec: &mut Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::default();
        apply(overlay, spec, &mut diagnostics);
        diagnostics
    }

    #[test]
    fn update_merges_objects_and_remove_deletes() {
        let mut spec = json!({"paths": {"/a/{id}": {"get": {"responses": {"404": {"description": "x"}}}}}, "tags": [{"name": "t"}]});
        let overlay = r#"
overlay: 1.0.0
info: {title: fixes, version: 1}
actions:
  - target: "$.paths['/a/{id}'].get.responses"
    update:
      "200": {description: ok, content: {image/png: {schema: {type: string, format: binary}}}}
  - target: "$.paths['/a/{id}'].get.responses['404']"
    remove: true
  - target: "$.tags"
    update: {name: u}
"#;
        let diagnostics = run(overlay, &mut spec);
        assert!(diagnostics.items().is_empty(), "{:?}", diagnostics.items());
        assert_eq!(
            spec["paths"]["/a/{id}"]["get"]["responses"],
            json!({"200": {"description": "ok", "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}}})
        );
        assert_eq!(spec["tags"], json!([{"name": "t"}, {"name": "u"}]));
    }

    #[test]
    fn a_target_matching_nothing_is_a_located_warning() {
        let mut spec = json!({"paths": {}});
        let overlay = "overlay: 1.0.0\nactions:\n  - target: \"$.paths['/gone'].get\"\n    update: {deprecated: true}\n";
        let diagnostics = run(overlay, &mut spec);
        let [warning] = diagnostics.items() else { panic!("one warning") };
        assert_eq!(warning.kind, "overlay-no-match");
        assert_eq!(warning.file.as_deref(), Some(OVERLAY_FILE));
        assert_eq!(warning.pointer, "/actions/0/target");
        assert_eq!(warning.line, Some(3));
    }

    #[test]
    fn an_invalid_jsonpath_is_an_error_and_other_actions_still_apply() {
        let mut spec = json!({"info": {"title": "a"}});
        let overlay = "overlay: 1.0.0\nactions:\n  - target: \"$..[\"\n    remove: true\n  - target: $.info\n    update: {title: b}\n";
        let diagnostics = run(overlay, &mut spec);
        assert_eq!(diagnostics.items()[0].kind, "overlay-invalid");
        assert_eq!(spec["info"]["title"], "b");
    }
}
