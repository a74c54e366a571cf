//! `cargo xtask regen`: spec -> generated crate, with a summary of what the generator did.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use mattermost_codegen::diag::Severity;
use mattermost_codegen::emit::{self, Mode};

/// Options of `cargo xtask regen`.
#[derive(clap::Args)]
pub struct RegenArgs {
    /// Only compare: exit non-zero when the output directory is stale.
    #[arg(long)]
    check: bool,
    /// The spec to read (default: the path in spec/source.toml).
    #[arg(long)]
    spec: Option<PathBuf>,
    /// Where to write the crate (default: generated/).
    #[arg(long)]
    out: Option<PathBuf>,
    /// The overlay to apply (default: spec/overlay.yaml).
    #[arg(long)]
    overlay: Option<PathBuf>,
    /// Apply no overlay.
    #[arg(long, conflicts_with = "overlay")]
    no_overlay: bool,
    /// The audit whose coverage is reported (default: spec/audit.yaml).
    #[arg(long)]
    audit: Option<PathBuf>,
    /// The WebSocket event catalogue (default: spec/events.yaml).
    #[arg(long)]
    events: Option<PathBuf>,
    /// Fail when the generator reports any warning.
    #[arg(long)]
    deny_warnings: bool,
    /// Print the time each stage took.
    #[arg(long)]
    timings: bool,
}

/// The repository root (xtask lives one level below it).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Runs the task; the exit code says whether it succeeded.
pub fn run(args: &RegenArgs) -> ExitCode {
    match regen(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn regen(args: &RegenArgs) -> Result<ExitCode, String> {
    let started = Instant::now();
    let root = repo_root();
    let source = crate::spec::read_source(&root)?;
    let spec_path = args.spec.clone().unwrap_or_else(|| root.join(&source.path));
    let out_dir = args.out.clone().unwrap_or_else(|| root.join("generated"));
    if args.spec.is_none() && !spec_path.exists() {
        return Err(crate::fetch_spec::missing_spec_message(&root, &spec_path));
    }
    let text = crate::spec::read_text(&spec_path, "the spec ")?;
    let spec_label = spec_path.display();

    let overlay = match (&args.overlay, args.no_overlay) {
        (_, true) => None,
        (Some(path), false) => Some(crate::spec::read_text(path, "the overlay ")?),
        (None, false) => crate::spec::default_overlay(&root)?,
    };
    let audit = match &args.audit {
        Some(path) => Some(crate::spec::read_text(path, "the audit ")?),
        None => crate::spec::default_audit(&root)?,
    };
    let events = match &args.events {
        Some(path) => Some(crate::spec::read_text(path, "the event catalogue ")?),
        None => crate::spec::default_events(&root)?,
    };
    let js_names = crate::spec::default_js_names(&root)?;
    let inputs = mattermost_codegen::Inputs { overlay: overlay.as_deref(), audit: audit.as_deref(), events: events.as_deref(), js_names: js_names.as_deref() };
    let generation = match mattermost_codegen::generate_with(&text, inputs) {
        Ok(generation) => generation,
        Err(diagnostics) => {
            for d in diagnostics.items() {
                eprintln!("{d}");
            }
            return Err(format!("could not generate from {spec_label}"));
        }
    };
    let written = Instant::now();
    let mode = if args.check { Mode::Check } else { Mode::Write };
    let mut report = emit::sync(&out_dir, &generation.files, mode).map_err(|e| format!("cannot sync {}: {e}", out_dir.display()))?;
    if args.out.is_none() {
        // The contract and live tests' calls are made from the same IR and go with generated/.
        for calls in [&generation.contract_calls, &generation.live_calls] {
            sync_calls(&root, calls, mode, &mut report).map_err(|e| format!("cannot sync {}: {e}", calls.path))?;
        }
    }
    let write_time = written.elapsed();

    let diagnostics = &generation.diagnostics;
    for d in diagnostics.items() {
        eprintln!("{d}");
    }
    let sha = &generation.ir.info.spec_sha256;
    if args.spec.is_none() && *sha != source.sha256 {
        eprintln!(
            "warning[spec-hash]: {spec_label} has sha256 {sha}, but spec/source.toml pins {}; review the spec change and update the pin",
            source.sha256
        );
    }
    let (errors, warnings, notes) = diagnostics.counts();
    let summary: Vec<String> = diagnostics.summary().iter().map(|(s, kind, n)| format!("{n} {kind} ({s:?})").to_lowercase()).collect();
    eprintln!(
        "regen: {} types, {} operations, {} events, {} files from {spec_label}; {errors} errors, {warnings} warnings, {notes} notes{}",
        generation.ir.types.len(),
        generation.ir.operations.len(),
        generation.ir.events.as_ref().map_or(0, |e| e.events.len()),
        generation.files.len(),
        if summary.is_empty() { String::new() } else { format!(": {}", summary.join(", ")) }
    );
    if let Some(coverage) = &generation.audit {
        let verdicts: Vec<String> = coverage.verdicts.iter().map(|(v, n)| format!("{n} {v:?}").to_lowercase()).collect();
        eprintln!(
            "audit: {} of {} operations audited against the server ({}) for server {}",
            coverage.audited,
            coverage.operations_in_spec,
            verdicts.join(", "),
            coverage.server_version
        );
    }
    if args.timings {
        let t = generation.timings;
        eprintln!(
            "timings: load {:.1} ms, ir {:.1} ms, lower+format {:.1} ms, {} {:.1} ms, total {:.1} ms",
            t.load.as_secs_f64() * 1e3,
            t.ir.as_secs_f64() * 1e3,
            t.lower.as_secs_f64() * 1e3,
            if args.check { "check" } else { "write" },
            write_time.as_secs_f64() * 1e3,
            started.elapsed().as_secs_f64() * 1e3
        );
    }
    if args.check {
        if report.is_clean() {
            eprintln!("regen --check: {} is up to date ({} files)", out_dir.display(), report.unchanged);
        } else {
            eprintln!("regen --check: {} is stale:", out_dir.display());
            for path in &report.added {
                eprintln!("  missing  {path}");
            }
            for path in &report.changed {
                let first_difference = first_differing_line(&out_dir.join(path), &generation.files, path);
                eprintln!("  changed  {path}{first_difference}");
            }
            for path in &report.removed {
                eprintln!("  stale    {path} (no longer generated)");
            }
            eprintln!("run `cargo xtask regen` and commit the result");
            return Ok(ExitCode::FAILURE);
        }
    } else {
        eprintln!(
            "wrote {}: {} added, {} changed, {} removed, {} unchanged",
            out_dir.display(),
            report.added.len(),
            report.changed.len(),
            report.removed.len(),
            report.unchanged
        );
    }
    if args.deny_warnings && diagnostics.items().iter().any(|d| d.severity >= Severity::Warning) {
        eprintln!("error: --deny-warnings: the generator reported {warnings} warnings");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes (or checks) the contract test's calls file, outside the output directory; its
/// path in `report` is relative to the repository root (`../` from generated/).
fn sync_calls(root: &Path, calls: &emit::OutputFile, mode: Mode, report: &mut emit::SyncReport) -> std::io::Result<()> {
    let target = root.join(&calls.path);
    let label = format!("../{}", calls.path);
    match std::fs::read(&target) {
        Ok(existing) if existing == calls.contents.as_bytes() => {
            report.unchanged += 1;
            return Ok(());
        }
        Ok(_) => report.changed.push(label),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => report.added.push(label),
        Err(e) => return Err(e),
    }
    if mode == Mode::Write {
        std::fs::write(&target, &calls.contents)?;
    }
    Ok(())
}

fn first_differing_line(on_disk: &Path, files: &[emit::OutputFile], path: &str) -> String {
    let Ok(old) = std::fs::read_to_string(on_disk) else { return String::new() };
    let Some(new) = files.iter().find(|f| f.path == path) else { return String::new() };
    match old.lines().zip(new.contents.lines()).position(|(a, b)| a != b) {
        Some(i) => format!(" (first difference at line {})", i + 1),
        None => format!(" ({} lines now, {} before)", new.contents.lines().count(), old.lines().count()),
    }
}
