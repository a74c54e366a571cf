//! The machine-readable regen report: what was generated and every fallback taken, so that a
//! reviewer sees coverage change in a pull request.

use serde::Serialize;

use crate::diag::{Diagnostic, Diagnostics};
use crate::emit::OutputFile;
use crate::ir::{Ir, PagingFact, PagingKind, Response, TypeKind, TypeOrigin};
use crate::load::audit::Coverage;

/// Path of the report inside the generated crate's directory (excluded from the package).
pub const REPORT_PATH: &str = "regen-report.json";

#[derive(Serialize)]
struct Report<'a> {
    spec_title: &'a str,
    spec_version: &'a str,
    spec_sha256: &'a str,
    overlay_sha256: Option<String>,
    counts: Counts,
    #[serde(skip_serializing_if = "Option::is_none")]
    audit: Option<&'a Coverage>,
    paging: PagingCoverage<'a>,
    operations: Vec<OperationEntry<'a>>,
    types: Vec<TypeEntry<'a>>,
    diagnostics: &'a [Diagnostic],
}

#[derive(Serialize)]
struct Counts {
    operations: usize,
    events: usize,
    types: usize,
    component_types: usize,
    inline_types: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
}

#[derive(Serialize)]
struct OperationEntry<'a> {
    method: &'a str,
    operation_id: &'a str,
    http: String,
    group: &'a str,
    reply: &'static str,
    builder: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    paging: Option<&'static str>,
}

/// Which operations take paging parameters, which of them stream their items, and why the
/// others do not.
#[derive(Serialize)]
struct PagingCoverage<'a> {
    paged: usize,
    streamed: usize,
    not_streamed: Vec<NotStreamed<'a>>,
}

#[derive(Serialize)]
struct NotStreamed<'a> {
    method: &'a str,
    operation_id: &'a str,
    reason: &'a str,
}

/// How one operation's stream pages: `page`, `cursor`, or `none` when it cannot be streamed.
fn paging_label(fact: Option<&PagingFact>) -> Option<&'static str> {
    match fact? {
        PagingFact::Streamed(paging) => Some(match paging.kind {
            PagingKind::PageNumber { .. } => "page",
            PagingKind::Cursor { .. } => "cursor",
        }),
        PagingFact::NotStreamed { .. } => Some("none"),
    }
}

fn paging_coverage(ir: &Ir) -> PagingCoverage<'_> {
    let paged: Vec<_> = ir.operations.iter().filter(|op| op.paging.is_some()).collect();
    let not_streamed: Vec<NotStreamed<'_>> = paged
        .iter()
        .filter_map(|op| match &op.paging {
            Some(PagingFact::NotStreamed { reason }) => Some(NotStreamed { method: &op.method_name, operation_id: &op.operation_id, reason }),
            _ => None,
        })
        .collect();
    PagingCoverage { paged: paged.len(), streamed: paged.len() - not_streamed.len(), not_streamed }
}

#[derive(Serialize)]
struct TypeEntry<'a> {
    name: &'a str,
    kind: &'static str,
    from: &'a str,
}

/// The report as a file of the generated crate.
pub fn report_file(ir: &Ir, diagnostics: &Diagnostics, overlay_sha256: Option<String>, audit: Option<&Coverage>) -> OutputFile {
    let (errors, warnings, notes) = diagnostics.counts();
    let component_types = ir.types.entries.iter().filter(|e| matches!(e.origin, TypeOrigin::Component(_))).count();
    let report = Report {
        spec_title: &ir.info.title,
        spec_version: &ir.info.version,
        spec_sha256: &ir.info.spec_sha256,
        overlay_sha256,
        audit,
        paging: paging_coverage(ir),
        counts: Counts {
            operations: ir.operations.len(),
            events: ir.events.as_ref().map_or(0, |e| e.events.len()),
            types: ir.types.len(),
            component_types,
            inline_types: ir.types.len() - component_types,
            errors,
            warnings,
            notes,
        },
        operations: ir
            .operations
            .iter()
            .map(|op| OperationEntry {
                method: &op.method_name,
                operation_id: &op.operation_id,
                http: format!("{} {}", op.http_method, op.path),
                group: &op.group,
                reply: match op.response {
                    Response::Json(_) => "json",
                    Response::Bytes => "bytes",
                    Response::Text => "text",
                    Response::Empty => "empty",
                },
                builder: op.has_optional_inputs(),
                paging: paging_label(op.paging.as_ref()),
            })
            .collect(),
        types: ir
            .types
            .sorted_ids()
            .into_iter()
            .map(|id| {
                let entry = ir.types.get(id);
                TypeEntry {
                    name: &entry.name,
                    kind: match entry.kind {
                        TypeKind::Struct(_) => "struct",
                        TypeKind::StringEnum(_) => "enum",
                        TypeKind::Alias(_) => "alias",
                        TypeKind::Union(_) => "union",
                    },
                    from: &entry.pointer,
                }
            })
            .collect(),
        diagnostics: diagnostics.items(),
    };
    let mut contents = serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    contents.push('\n');
    OutputFile {
        path: REPORT_PATH.to_string(),
        contents,
    }
}
