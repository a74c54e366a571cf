//! `spec/audit.yaml` (every operation checked against its handler in the server source) and
//! `spec/overlay.yaml` (the fixes) agree with each other and with the spec.

use mattermost_tests::{real_spec_path, repo_root};
use serde_yaml::Value;

fn yaml(path: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn text(value: &Value, key: &str) -> String {
    value.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn audit_rows() -> Vec<Value> {
    yaml(&repo_root().join("spec/audit.yaml"))
        .get("operations")
        .and_then(Value::as_sequence)
        .cloned()
        .expect("audit operations")
}

fn overlay_actions() -> Vec<Value> {
    yaml(&repo_root().join("spec/overlay.yaml"))
        .get("actions")
        .and_then(Value::as_sequence)
        .cloned()
        .expect("overlay actions")
}

#[test]
fn the_audit_covers_every_operation_of_the_spec_once() {
    let spec = yaml(&real_spec_path());
    let mut in_spec = Vec::new();
    for (path, item) in spec.get("paths").and_then(Value::as_mapping).expect("paths") {
        for (method, _) in item.as_mapping().expect("path item") {
            let method = method.as_str().expect("method");
            if ["get", "put", "post", "delete", "patch", "head", "options"].contains(&method) {
                in_spec.push(format!("{} {}", method.to_uppercase(), path.as_str().expect("path")));
            }
        }
    }
    in_spec.sort();
    let mut audited: Vec<String> = audit_rows().iter().map(|r| format!("{} {}", text(r, "method"), text(r, "path"))).collect();
    audited.sort();
    assert_eq!(audited, in_spec);
}

#[test]
fn every_row_says_where_it_looked_and_why() {
    for row in audit_rows() {
        let op = text(&row, "operation");
        let verdict = text(&row, "verdict");
        assert!(["agrees", "fixed", "left"].contains(&verdict.as_str()), "{op}: verdict {verdict}");
        assert!(text(&row, "handler").contains(".go"), "{op}: handler names no Go file");
        let kinds = row.get("kinds").and_then(Value::as_sequence).map_or(0, Vec::len);
        if verdict == "agrees" {
            assert_eq!(kinds, 0, "{op}: agrees but lists mismatches");
        } else {
            assert!(kinds > 0 && !text(&row, "note").trim().is_empty(), "{op}: a {verdict} row needs its kinds and a note");
        }
    }
}

#[test]
fn every_fixed_operation_has_an_overlay_action_that_names_it() {
    let actions = overlay_actions();
    let mut missing = Vec::new();
    for row in audit_rows().iter().filter(|r| text(r, "verdict") == "fixed") {
        let op = text(row, "operation");
        let path = format!("['{}']", text(row, "path"));
        let named = actions.iter().any(|a| {
            let description = text(a, "description");
            description.split(|c: char| !c.is_ascii_alphanumeric()).any(|word| word == op) || text(a, "target").contains(&path)
        });
        if !named {
            missing.push(op);
        }
    }
    assert!(missing.is_empty(), "fixed in the audit, but no overlay action names them: {missing:?}");
}

#[test]
fn every_overlay_action_says_what_it_fixes() {
    for (i, action) in overlay_actions().iter().enumerate() {
        assert!(!text(action, "description").trim().is_empty(), "action {i} ({}) has no description", text(action, "target"));
    }
}

#[test]
fn the_regen_report_counts_the_audit() {
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo_root().join("generated/regen-report.json")).expect("report")).expect("json");
    let audit = &report["audit"];
    assert_eq!(audit["operations_in_spec"], report["counts"]["operations"]);
    assert_eq!(audit["audited"], audit["operations_in_spec"]);
    let verdicts: u64 = audit["verdicts"].as_object().expect("verdicts").values().filter_map(serde_json::Value::as_u64).sum();
    assert_eq!(Some(verdicts), audit["audited"].as_u64());
}
