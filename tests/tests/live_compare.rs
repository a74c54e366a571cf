//! The key comparison of the live tests (tests/live/compare.rs), checked without a server: what
//! counts as a key lost between the JSON a server sent and the typed value serialised back.

#[path = "../live/compare.rs"]
mod compare;

use compare::lost_keys;
use serde_json::json;

#[test]
fn a_key_the_types_drop_is_lost_with_its_pointer() {
    let raw = json!({"id": "a", "props": {"x/y": 1}, "list": [{"k": true}]});
    let typed = json!({"id": "a", "props": {}, "list": [{}]});
    assert_eq!(lost_keys(&raw, &typed), ["/props/x~1y: dropped (number)", "/list/0/k: dropped (boolean)"]);
}

#[test]
fn a_changed_value_is_lost_and_numbers_compare_by_value() {
    let raw = json!({"a": 1, "b": "x", "c": [1, 2]});
    let typed = json!({"a": 1.0, "b": "y", "c": [1]});
    assert_eq!(lost_keys(&raw, &typed), [r#"/b: sent "x" came back "y""#, "/c: sent [1,2] came back [1]"]);
}

#[test]
fn null_is_absent_or_empty_but_never_a_value() {
    // The Go server writes a nil slice or map as `null`; the client decodes it as empty.
    assert!(lost_keys(&json!(null), &json!([])).is_empty());
    assert!(lost_keys(&json!({"a": null, "b": null, "c": null}), &json!({"b": {}, "c": null})).is_empty());
    assert_eq!(lost_keys(&json!({"a": null}), &json!({"a": [0]})), ["/a: sent null came back [0]"]);
    assert_eq!(lost_keys(&json!({"a": null}), &json!({"a": ""})), [r#"/a: sent null came back """#]);
    assert_eq!(lost_keys(&json!([]), &json!(null)), [": sent [] came back null"]);
}
