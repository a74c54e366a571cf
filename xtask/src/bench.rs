//! `cargo xtask bench`: the performance figures of BENCHMARKS.md, measured on this machine.
//!
//! 1. Regen wall time by stage, in-process (median of several runs), and peak memory.
//! 2. `cargo check` of the generated crate with all features and with `users` only, its
//!    dependencies already built (median of several runs after touching `src/lib.rs`).
//! 3. The client benchmarks (`cargo bench -p mattermost-tests --bench client`): decode
//!    throughput and per-request overhead against bare reqwest.

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use mattermost_codegen::emit::{self, Mode};

const REGEN_RUNS: usize = 15;
const CHECK_RUNS: usize = 3;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// Peak resident memory of this process so far (Linux), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn bench_regen(root: &Path) -> Result<(), String> {
    let spec_path = crate::spec::default_spec_path(root)?;
    let overlay = crate::spec::default_overlay(root)?;
    let mut load = Vec::new();
    let mut ir = Vec::new();
    let mut lower = Vec::new();
    let mut check = Vec::new();
    let mut total = Vec::new();
    let mut types = 0;
    let mut operations = 0;
    let mut lines = 0;
    for _ in 0..REGEN_RUNS {
        let started = Instant::now();
        let text = crate::spec::read_text(&spec_path, "the spec ")?;
        let generation = mattermost_codegen::generate_with_overlay(&text, overlay.as_deref()).map_err(|_| "the spec does not generate")?;
        let checked = Instant::now();
        let report = emit::sync(&root.join("generated"), &generation.files, Mode::Check).map_err(|e| e.to_string())?;
        check.push(checked.elapsed());
        total.push(started.elapsed());
        load.push(generation.timings.load);
        ir.push(generation.timings.ir);
        lower.push(generation.timings.lower);
        if !report.is_clean() {
            return Err("generated/ is stale: run `cargo xtask regen` first".into());
        }
        types = generation.ir.types.len();
        operations = generation.ir.operations.len();
        lines = generation.files.iter().filter(|f| f.path.ends_with(".rs")).map(|f| f.contents.lines().count()).sum();
    }
    println!("| regen: load (YAML + overlay + openapiv3) | {} |", ms(median(load)));
    println!("| regen: ir | {} |", ms(median(ir)));
    println!("| regen: lower + format ({} threads; the crate and the contract test's calls) | {} |", std::thread::available_parallelism().map_or(1, |n| n.get()), ms(median(lower)));
    println!("| regen: compare with generated/ (the write stage, nothing to write) | {} |", ms(median(check)));
    println!("| regen: total, in-process, median of {REGEN_RUNS} | {} |", ms(median(total)));
    if let Some(mib) = peak_rss_mib() {
        println!("| regen: peak memory (whole bench process) | {mib:.0} MiB |");
    }
    println!("| generated: {types} types, {operations} operations, {lines} lines of Rust | |");
    Ok(())
}

fn cargo(root: &Path, args: &[&str]) -> Result<Duration, String> {
    let started = Instant::now();
    let status = Command::new("cargo").args(args).current_dir(root).status().map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("cargo {} failed", args.join(" ")));
    }
    Ok(started.elapsed())
}

fn touch(path: &Path) -> Result<(), String> {
    let file = std::fs::OpenOptions::new().append(true).open(path).map_err(|e| e.to_string())?;
    file.set_modified(std::time::SystemTime::now()).map_err(|e| e.to_string())
}

fn bench_check(root: &Path) -> Result<(), String> {
    let lib = root.join("generated/src/lib.rs");
    let variants: [(&str, &[&str]); 2] = [
        ("all features", &["check", "--quiet", "-p", "mattermost-client"]),
        ("`users` only", &["check", "--quiet", "-p", "mattermost-client", "--no-default-features", "--features", "rustls,users"]),
    ];
    for (label, args) in variants {
        cargo(root, args)?; // dependencies built, caches warm
        let mut samples = Vec::new();
        for _ in 0..CHECK_RUNS {
            touch(&lib)?;
            samples.push(cargo(root, args)?);
        }
        println!("| `cargo check` of the generated crate, {label}, deps prebuilt (median of {CHECK_RUNS}) | {:.2} s |", median(samples).as_secs_f64());
    }
    Ok(())
}

/// Runs every benchmark and prints one markdown table.
pub fn run() -> ExitCode {
    let root = crate::regen::repo_root();
    println!("| measurement | result |\n| --- | --- |");
    let result = bench_regen(&root).and_then(|()| bench_check(&root)).and_then(|()| {
        let status = Command::new("cargo")
            .args(["bench", "--quiet", "-p", "mattermost-tests", "--bench", "client"])
            .env("BENCH_NO_HEADER", "1")
            .current_dir(&root)
            .status()
            .map_err(|e| e.to_string())?;
        status.success().then_some(()).ok_or_else(|| "the client benchmark failed".to_string())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
