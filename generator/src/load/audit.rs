//! The audit of the spec against the server source (`spec/audit.yaml`): for each operation, the
//! handler it was checked against and the verdict. Read here; its coverage of the operations of
//! the spec being generated goes into the regen report.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::yaml;
use crate::diag::{Diagnostic, Diagnostics, Severity};

/// The file diagnostics about the audit name.
pub const AUDIT_FILE: &str = "spec/audit.yaml";

/// What the audit found for one operation or schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The spec matches the server.
    Agrees,
    /// The overlay fixes the mismatch.
    Fixed,
    /// The overlay adds what the spec lacks (schemas only).
    Added,
    /// A mismatch that is not fixed, with the reason in the note.
    Left,
}

/// One operation as audited against its handler.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AuditedOperation {
    /// The spec's operationId.
    pub operation: String,
    /// HTTP method, upper case.
    pub method: String,
    /// Path template.
    pub path: String,
    /// Handler file and Go function.
    pub handler: String,
    /// Commit of the handler file as read.
    #[serde(default)]
    pub commit: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Mismatch kinds.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Facts found.
    #[serde(default)]
    pub note: String,
    /// What the operation did against a real server (`cargo xtask live`), when it was run.
    #[serde(default)]
    pub live: Option<LiveRecord>,
}

/// The outcome of an operation in the live run (tests/tests/live_api.rs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LiveOutcome {
    /// The server answered 2xx and every key it sent came back from the typed value.
    #[serde(rename = "2xx")]
    Answered,
    /// A non-2xx listed in tests/live/expected.yaml with its reason.
    Expected,
    /// Not called, for the reason in tests/live/expected.yaml.
    NotCalled,
    /// Neither: a defect to fix.
    Unexplained,
}

/// One operation's live outcome, as `cargo xtask live` recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct LiveRecord {
    /// The outcome.
    pub outcome: LiveOutcome,
    /// The HTTP status, when there was a reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Mattermost's app error id of a non-2xx.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_id: Option<String>,
    /// Keys of a 2xx reply that the typed value did not give back.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub keys_lost: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One schema as audited against the server's struct.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AuditedSchema {
    /// The component schema's name.
    pub schema: String,
    /// Go file and struct.
    #[serde(rename = "struct")]
    pub go_struct: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Mismatch kinds.
    #[serde(default)]
    pub kinds: Vec<String>,
}

/// The audit file, as far as it could be read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Audit {
    /// The server version the audit was made for.
    pub server_version: String,
    /// Audited operations.
    pub operations: Vec<AuditedOperation>,
    /// Audited schemas.
    pub schemas: Vec<AuditedSchema>,
}

fn audit_diagnostic(severity: Severity, tree: Option<&yaml::LocatedTree>, pointer: String, message: String) -> Diagnostic {
    yaml::input_diagnostic(AUDIT_FILE, severity, "audit-invalid", tree, pointer, message)
}

/// How the audit is named, and what an unreadable one costs.
const INPUT: yaml::InputFile = yaml::InputFile {
    path: AUDIT_FILE,
    what: "the audit",
    syntax_kind: "audit-invalid",
    syntax_severity: Severity::Warning,
    consequence: "its coverage is not reported",
};

/// Reads the audit `text`. A row that cannot be read is left out with a located warning; a
/// file that is not YAML is one warning and no audit.
pub fn parse(text: &str, diagnostics: &mut Diagnostics) -> Option<Audit> {
    let tree = yaml::parse_input(text, &INPUT, diagnostics)?;
    let server_version = match tree.root.get("server_version") {
        Some(Value::String(v)) => v.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let operations = rows(&tree, "operations", diagnostics);
    let schemas = rows(&tree, "schemas", diagnostics);
    Some(Audit { server_version, operations, schemas })
}

/// The readable rows of the list `key`.
fn rows<T: for<'de> Deserialize<'de>>(tree: &yaml::LocatedTree, key: &str, diagnostics: &mut Diagnostics) -> Vec<T> {
    let Some(list) = tree.root.get(key) else { return Vec::new() };
    let Some(items) = list.as_array() else {
        diagnostics.push_diagnostic(audit_diagnostic(Severity::Warning, Some(tree), format!("/{key}"), format!("`{key}` must be a list; ignored it")));
        return Vec::new();
    };
    let mut out = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        match serde_json::from_value::<T>(item.clone()) {
            Ok(row) => out.push(row),
            Err(error) => diagnostics.push_diagnostic(audit_diagnostic(
                Severity::Warning,
                Some(tree),
                format!("/{key}/{index}"),
                format!("cannot read this audit row ({error}); left it out"),
            )),
        }
    }
    out
}

/// How the audit covers the operations of one spec, for the regen report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Coverage {
    /// The server version the audit was made for.
    pub server_version: String,
    /// Operations in the spec.
    pub operations_in_spec: usize,
    /// Of those, operations with an audit row.
    pub audited: usize,
    /// Audited operations by verdict.
    pub verdicts: BTreeMap<Verdict, usize>,
    /// Mismatches by kind, over the audited operations.
    pub mismatches_by_kind: BTreeMap<String, usize>,
    /// Audited schemas by verdict.
    pub schema_verdicts: BTreeMap<Verdict, usize>,
    /// Operations by their live outcome (`cargo xtask live`), over the rows that have one.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub live: BTreeMap<LiveOutcome, usize>,
    /// Keys of 2xx replies the typed values did not give back, over the live run.
    #[serde(skip_serializing_if = "is_zero")]
    pub live_keys_lost: usize,
    /// Operations of the spec without a row (`METHOD /path`).
    pub unaudited: Vec<String>,
    /// Rows that match no operation of the spec (`METHOD /path`).
    pub stale_rows: Vec<String>,
}

/// The coverage of `audit` over the operations `(method, path)` of a spec. Operations are
/// matched by method and path, which survive a renamed operationId.
pub fn coverage(audit: &Audit, operations: &[(String, String)], diagnostics: &mut Diagnostics) -> Coverage {
    let key = |method: &str, path: &str| format!("{} {path}", method.to_ascii_uppercase());
    let rows: BTreeMap<String, &AuditedOperation> = audit.operations.iter().map(|r| (key(&r.method, &r.path), r)).collect();
    let in_spec: BTreeMap<String, ()> = operations.iter().map(|(m, p)| (key(m, p), ())).collect();
    let mut coverage = Coverage {
        server_version: audit.server_version.clone(),
        operations_in_spec: in_spec.len(),
        ..Coverage::default()
    };
    for op in in_spec.keys() {
        match rows.get(op) {
            Some(row) => {
                coverage.audited += 1;
                *coverage.verdicts.entry(row.verdict).or_default() += 1;
                for kind in &row.kinds {
                    *coverage.mismatches_by_kind.entry(kind.clone()).or_default() += 1;
                }
                if let Some(live) = &row.live {
                    *coverage.live.entry(live.outcome).or_default() += 1;
                    coverage.live_keys_lost += live.keys_lost;
                }
            }
            None => coverage.unaudited.push(op.clone()),
        }
    }
    coverage.stale_rows = rows.keys().filter(|k| !in_spec.contains_key(*k)).cloned().collect();
    for schema in &audit.schemas {
        *coverage.schema_verdicts.entry(schema.verdict).or_default() += 1;
    }
    if !coverage.unaudited.is_empty() {
        diagnostics.push_diagnostic(Diagnostic {
            severity: Severity::Note,
            kind: "audit-coverage",
            file: Some(AUDIT_FILE.to_string()),
            pointer: String::new(),
            line: None,
            column: None,
            message: format!(
                "{} of {} operations have no row in the audit (made for server {}), e.g. `{}`; audit them against their handlers (list in the regen report)",
                coverage.unaudited.len(),
                coverage.operations_in_spec,
                coverage.server_version,
                coverage.unaudited[0]
            ),
        });
    }
    if !coverage.stale_rows.is_empty() {
        diagnostics.push_diagnostic(Diagnostic {
            severity: Severity::Note,
            kind: "audit-stale",
            file: Some(AUDIT_FILE.to_string()),
            pointer: String::new(),
            line: None,
            column: None,
            message: format!(
                "{} audit rows match no operation of this spec, e.g. `{}`; the operation was removed or moved",
                coverage.stale_rows.len(),
                coverage.stale_rows[0]
            ),
        });
    }
    coverage
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUDIT: &str = "\
server_version: '9.8'
operations:
  - {operation: GetUser, method: GET, path: '/u/{id}', handler: user.go getUser, verdict: agrees, live: {outcome: 2xx, status: 200}}
  - {operation: Bad, method: GET}
  - {operation: Gone, method: DELETE, path: /x, handler: x.go x, verdict: fixed, kinds: [route]}
schemas:
  - {schema: User, struct: user.go User, verdict: fixed}
";

    #[test]
    fn reads_rows_and_reports_coverage() {
        let mut diagnostics = Diagnostics::default();
        let audit = parse(AUDIT, &mut diagnostics).expect("readable");
        assert_eq!(audit.operations.len(), 2);
        let warning = &diagnostics.items()[0];
        assert_eq!((warning.pointer.as_str(), warning.line), ("/operations/1", Some(4)));
        let ops = vec![("get".to_string(), "/u/{id}".to_string()), ("post".to_string(), "/new".to_string())];
        let coverage = coverage(&audit, &ops, &mut diagnostics);
        assert_eq!((coverage.operations_in_spec, coverage.audited), (2, 1));
        assert_eq!(coverage.unaudited, ["POST /new"]);
        assert_eq!(coverage.stale_rows, ["DELETE /x"]);
        assert_eq!(coverage.verdicts.get(&Verdict::Agrees), Some(&1));
        assert_eq!(coverage.schema_verdicts.get(&Verdict::Fixed), Some(&1));
        assert_eq!(coverage.live.get(&LiveOutcome::Answered), Some(&1));
        assert_eq!(audit.operations[0].live.as_ref().and_then(|l| l.status), Some(200));
        let kinds: Vec<&str> = diagnostics.items().iter().map(|d| d.kind).collect();
        assert_eq!(kinds, ["audit-invalid", "audit-coverage", "audit-stale"]);
    }

    #[test]
    fn a_broken_file_is_one_warning() {
        let mut diagnostics = Diagnostics::default();
        assert!(parse("operations: [", &mut diagnostics).is_none());
        assert_eq!(diagnostics.items().len(), 1);
        assert!(diagnostics.items()[0].line.is_some());
    }
}
