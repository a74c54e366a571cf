//! The whole pipeline as one call: spec text in, files and diagnostics out.

use std::time::{Duration, Instant};

use crate::diag::Diagnostics;
use crate::emit::OutputFile;
use crate::{ir, load, lower};

/// How long each stage took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StageTimings {
    /// YAML parse and `openapiv3` deserialization.
    pub load: Duration,
    /// IR construction.
    pub ir: Duration,
    /// Lowering to tokens and formatting (the crate and the contract test's calls).
    pub lower: Duration,
}

/// What a generator run produced.
#[derive(Debug, Clone)]
pub struct Generation {
    /// The generated crate's files, sorted by path.
    pub files: Vec<OutputFile>,
    /// The contract test's calls of every operation (`tests/contract/calls.rs`, a path relative
    /// to the repository, not to the crate).
    pub contract_calls: OutputFile,
    /// The live test's calls of every operation (`tests/live/calls.rs`, relative to the
    /// repository).
    pub live_calls: OutputFile,
    /// Located warnings and notes.
    pub diagnostics: Diagnostics,
    /// The IR the files were made from.
    pub ir: ir::Ir,
    /// How the audit covers the spec's operations, when an audit was given.
    pub audit: Option<load::audit::Coverage>,
    /// Time per stage.
    pub timings: StageTimings,
}

/// The inputs of a run besides the spec: our own files under `spec/`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Inputs<'a> {
    /// An OpenAPI Overlay 1.0 document applied to the spec first (`spec/overlay.yaml`).
    pub overlay: Option<&'a str>,
    /// The audit against the server source (`spec/audit.yaml`), whose coverage is reported.
    pub audit: Option<&'a str>,
    /// The WebSocket event catalogue (`spec/events.yaml`, AsyncAPI 3.0): with it the crate gets
    /// the `events` module (feature `websocket`).
    pub events: Option<&'a str>,
    /// The official JavaScript client's method names (`spec/js-client-names.yaml`): search
    /// aliases of the generated methods.
    pub js_names: Option<&'a str>,
}

/// Runs load -> ir -> lower on `spec_text`. `Err` holds diagnostics with at least one error.
pub fn generate(spec_text: &str) -> Result<Generation, Diagnostics> {
    generate_with(spec_text, Inputs::default())
}

/// Like [`generate`], applying an OpenAPI Overlay 1.0 document to the spec first.
pub fn generate_with_overlay(spec_text: &str, overlay: Option<&str>) -> Result<Generation, Diagnostics> {
    generate_with(spec_text, Inputs { overlay, ..Inputs::default() })
}

/// Like [`generate`], with our own inputs.
pub fn generate_with(spec_text: &str, inputs: Inputs<'_>) -> Result<Generation, Diagnostics> {
    let Inputs { overlay, audit, events, js_names } = inputs;
    let mut diagnostics = Diagnostics::default();
    let started = Instant::now();
    let Some(spec) = load::load_with_overlay(spec_text, overlay, &mut diagnostics) else {
        return Err(diagnostics);
    };
    let audit = audit.and_then(|text| load::audit::parse(text, &mut diagnostics));
    let catalogue = match events.map(|text| load::events::parse(text, &mut diagnostics)) {
        Some(None) => {
            load::locate_all(&mut diagnostics, &spec.tree);
            return Err(diagnostics);
        }
        Some(Some(catalogue)) => Some(catalogue),
        None => None,
    };
    let loaded = Instant::now();
    let mut ir = ir::build_with_events(&spec, catalogue.as_ref(), &mut diagnostics);
    if let Some(names) = js_names.and_then(|text| load::js_names::parse(text, &mut diagnostics)) {
        ir.attach_js_names(&names, &mut diagnostics);
    }
    let coverage = audit.map(|audit| {
        let operations: Vec<(String, String)> = ir.operations.iter().map(|op| (op.http_method.clone(), op.path.clone())).collect();
        load::audit::coverage(&audit, &operations, &mut diagnostics)
    });
    let built = Instant::now();
    let files = lower::lower_all(&ir);
    let lowered = Instant::now();
    load::locate_all(&mut diagnostics, &spec.tree);
    let lower::LoweredFiles { crate_files: mut files, contract_calls, live_calls } = match files {
        Ok(files) => files,
        Err(error) => {
            diagnostics.error("internal", "", error.to_string());
            return Err(diagnostics);
        }
    };
    files.push(crate::report::report_file(&ir, &diagnostics, overlay.map(|o| load::sha256_hex(o.as_bytes())), coverage.as_ref()));
    let audit = coverage;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Generation {
        files,
        contract_calls,
        live_calls,
        diagnostics,
        ir,
        audit,
        timings: StageTimings {
            load: loaded - started,
            ir: built - loaded,
            lower: lowered - built,
        },
    })
}
