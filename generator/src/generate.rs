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
    /// Located warnings and notes.
    pub diagnostics: Diagnostics,
    /// The IR the files were made from.
    pub ir: ir::Ir,
    /// Time per stage.
    pub timings: StageTimings,
}

/// Runs load -> ir -> lower on `spec_text`. `Err` holds diagnostics with at least one error.
pub fn generate(spec_text: &str) -> Result<Generation, Diagnostics> {
    generate_with_overlay(spec_text, None)
}

/// Like [`generate`], applying an OpenAPI Overlay 1.0 document to the spec first.
pub fn generate_with_overlay(spec_text: &str, overlay: Option<&str>) -> Result<Generation, Diagnostics> {
    let mut diagnostics = Diagnostics::default();
    let started = Instant::now();
    let Some(spec) = load::load_with_overlay(spec_text, overlay, &mut diagnostics) else {
        return Err(diagnostics);
    };
    let loaded = Instant::now();
    let ir = ir::build(&spec, &mut diagnostics);
    let built = Instant::now();
    let files = lower::lower_all(&ir);
    let lowered = Instant::now();
    load::locate_all(&mut diagnostics, &spec.tree);
    let lower::LoweredFiles { crate_files: mut files, contract_calls } = match files {
        Ok(files) => files,
        Err(error) => {
            diagnostics.error("internal", "", error.to_string());
            return Err(diagnostics);
        }
    };
    files.push(crate::report::report_file(&ir, &diagnostics, overlay.map(|o| load::sha256_hex(o.as_bytes()))));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Generation {
        files,
        contract_calls,
        diagnostics,
        ir,
        timings: StageTimings {
            load: loaded - started,
            ir: built - loaded,
            lower: lowered - built,
        },
    })
}
