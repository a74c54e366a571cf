//! `cargo xtask bench`: the performance figures of BENCHMARKS.md, measured on this machine.
//!
//! 1. Regen wall time by stage, in-process (median of several runs), and peak memory.
//! 2. `cargo check` of the generated crate with all features and with `users` only, its
//!    dependencies already built (median of several runs after touching `src/lib.rs`).
//! 3. The client benchmarks (`cargo bench -p mattermost-tests --bench client`): decode
//!    throughput and per-request overhead against bare reqwest.
//! 4. The memory benchmark (`--bench memory`): peak memory of a 200 MB reply with the default
//!    limit and of a streamed 500 MB download, each in a process of its own.
//! 5. A clean `cargo build` of a small bot crate that depends on the generated crate, with its
//!    default features and with one group feature (`posts`), each in a fresh target directory
//!    with the dependencies already downloaded (`--offline`, the workspace's `Cargo.lock`).
//!    `cargo xtask bench --only clean-build` runs this part alone.
//! 6. The WebSocket event benchmarks (`cargo bench -p mattermost-tests --bench events`):
//!    `posted` decode throughput against plain serde_json, end to end through a loopback
//!    server, and memory per idle event stream.
//!
//! `cargo xtask bench --vs-progenitor` runs the comparison with progenitor instead
//! ([`crate::vs_progenitor`]).

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
    // The same inputs as `cargo xtask regen`, so that the comparison with generated/ is clean.
    let audit = crate::spec::default_audit(root)?;
    let events = crate::spec::default_events(root)?;
    let js_names = crate::spec::default_js_names(root)?;
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
        let inputs = mattermost_codegen::Inputs { overlay: overlay.as_deref(), audit: audit.as_deref(), events: events.as_deref(), js_names: js_names.as_deref() };
        let generation = mattermost_codegen::generate_with(&text, inputs).map_err(|_| "the spec does not generate")?;
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

/// Runs `cargo bench` of one benchmark of the tests crate, which prints table rows.
fn cargo_bench(root: &Path, bench: &str) -> Result<(), String> {
    let status = Command::new("cargo")
        .args(["bench", "--quiet", "-p", "mattermost-tests", "--bench", bench])
        .env("BENCH_NO_HEADER", "1")
        .current_dir(root)
        .status()
        .map_err(|e| e.to_string())?;
    status.success().then_some(()).ok_or_else(|| format!("the {bench} benchmark failed"))
}

/// The bot of the clean-build benchmark: logs in with a token and posts, through `posts` only.
const BOT_MAIN: &str = r#"use mattermost_client::{models::CreatePostRequest, Client};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), mattermost_client::Error> {
    let url = std::env::var("MM_URL").unwrap_or_else(|_| "http://localhost:8065".into());
    let client = Client::builder(&url).token(std::env::var("MM_TOKEN").unwrap_or_default()).build()?;
    let post = CreatePostRequest::new("channel-id", "hello from a bot");
    match client.create_post(&post).await {
        Ok(created) => println!("posted {}", created.id),
        Err(e) if e.is_unauthorized() => eprintln!("the token was refused"),
        Err(e) => return Err(e),
    }
    Ok(())
}
"#;

/// Writes the bot crate under `dir`, depending on the generated crate with `dependency`.
fn write_bot(root: &Path, dir: &Path, dependency: &str) -> Result<(), String> {
    std::fs::create_dir_all(dir.join("src")).map_err(|e| e.to_string())?;
    let manifest = format!(
        "[package]\nname = \"bench-bot\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\n\n[dependencies]\nmattermost-client = {{ path = \"{}\"{dependency} }}\ntokio = {{ version = \"1\", features = [\"macros\", \"rt\"] }}\n",
        root.join("generated").display()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("src/main.rs"), BOT_MAIN).map_err(|e| e.to_string())?;
    // The workspace's lock: the same versions, all already downloaded.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).map_err(|e| e.to_string())?;
    Ok(())
}

/// The one-minute load average (Linux), to say how busy the machine was.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").ok().and_then(|l| l.split_whitespace().next().map(str::to_owned)).unwrap_or_else(|| "?".into())
}

/// A clean `cargo build` of a small bot, with default features and with one group.
fn bench_clean_build(root: &Path) -> Result<(), String> {
    let work = std::env::temp_dir().join(format!("mattermost-bench-bot-{}", std::process::id()));
    let variants: [(&str, &str); 2] = [
        ("default features", ""),
        ("`posts` only (`default-features = false, features = [\"rustls\", \"posts\"]`)", ", default-features = false, features = [\"rustls\", \"posts\"]"),
    ];
    for (label, dependency) in variants {
        let dir = work.join("bot");
        let _ = std::fs::remove_dir_all(&work);
        write_bot(root, &dir, dependency)?;
        let target = work.join("target");
        let before = load_average();
        let started = Instant::now();
        let status = Command::new("cargo")
            .args(["build", "--quiet", "--offline"])
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(&dir)
            .status()
            .map_err(|e| e.to_string())?;
        let elapsed = started.elapsed();
        if !status.success() {
            return Err(format!("the clean build of the bot ({label}) failed"));
        }
        println!(
            "| clean `cargo build` of a bot using the crate, {label}, fresh target dir (load average before/after: {before}/{}) | {:.1} s |",
            load_average(),
            elapsed.as_secs_f64()
        );
    }
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

/// Options of `cargo xtask bench`.
#[derive(clap::Args)]
pub struct BenchArgs {
    /// Run one part only: `clean-build`.
    #[arg(long, conflicts_with = "vs_progenitor")]
    only: Option<String>,
    /// Compare with progenitor instead: generate, `cargo check` and debug build times of both
    /// crates on the same spec (installs progenitor into target/progenitor once).
    #[arg(long)]
    vs_progenitor: bool,
}

/// Runs every benchmark (or the one `--only` names) and prints one markdown table.
pub fn run(args: &BenchArgs) -> ExitCode {
    let root = crate::regen::repo_root();
    if args.vs_progenitor {
        return match crate::vs_progenitor::run(&root) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: vs-progenitor: {e}");
                ExitCode::FAILURE
            }
        };
    }
    println!("| measurement | result |\n| --- | --- |");
    let result = match args.only.as_deref() {
        Some("clean-build") => bench_clean_build(&root),
        Some(other) => Err(format!("unknown part `{other}`: the only part that runs alone is `clean-build`")),
        None => bench_regen(&root)
            .and_then(|()| bench_check(&root))
            .and_then(|()| bench_clean_build(&root))
            .and_then(|()| cargo_bench(&root, "client"))
            .and_then(|()| cargo_bench(&root, "memory"))
            .and_then(|()| cargo_bench(&root, "events")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
