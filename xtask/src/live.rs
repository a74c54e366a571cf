//! `cargo xtask live`: the live tests against a real Mattermost server.
//!
//! Builds the server from our Go module (`tests/live/server`: `go build
//! github.com/mattermost/mattermost/server/v8/cmd/mattermost`), cached in
//! `target/live-server/<sha256 of go.mod and go.sum>/mattermost` so that a second run does
//! not rebuild, finds the server module's folder in the Go module cache (its `i18n/`,
//! `templates/` and `fonts/`), then runs every `live*` test target of `mattermost-tests` with
//! the `live` feature and `MATTERMOST_LIVE_SERVER` / `MATTERMOST_LIVE_ASSETS` set. Each test
//! starts its own PostgreSQL and server through `tests/live/harness.rs` and stops them.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use mattermost_codegen::load::sha256_hex;

/// The Go package of the server's command.
const SERVER_PACKAGE: &str = "github.com/mattermost/mattermost/server/v8/cmd/mattermost";

/// The Go module whose folder holds the server's assets.
const SERVER_MODULE: &str = "github.com/mattermost/mattermost/server/v8";

/// `cargo xtask live` arguments.
#[derive(clap::Args)]
pub struct LiveArgs {
    /// Only build the server (and print its path and the assets folder).
    #[arg(long)]
    build_only: bool,
    /// After the run, write each operation's outcome (target/live/outcomes.yaml) into the
    /// `live` field of its row in spec/audit.yaml.
    #[arg(long)]
    record: bool,
    /// Passed to the test binaries (after `--`), e.g. a test name filter.
    #[arg(last = true)]
    test_args: Vec<String>,
}

/// Runs the task; the exit code says whether it succeeded.
pub fn run(args: &LiveArgs) -> ExitCode {
    let started = Instant::now();
    match live(args) {
        Ok(true) => {
            eprintln!("live: passed in {:.1} s", started.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Ok(false) => {
            eprintln!("live: FAILED after {:.1} s", started.elapsed().as_secs_f64());
            ExitCode::FAILURE
        }
        Err(message) => {
            eprintln!("error: live: {message}");
            ExitCode::FAILURE
        }
    }
}

fn live(args: &LiveArgs) -> Result<bool, String> {
    let root = crate::regen::repo_root();
    let module = root.join("tests/live/server");
    let binary = build_server(&root, &module)?;
    let assets = module_dir(&module)?;
    eprintln!("live: server {}; assets {}", binary.display(), assets.display());
    if args.build_only {
        return Ok(true);
    }
    let logs = root.join("target/live/logs");
    let tests_started = Instant::now();
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["test", "-p", "mattermost-tests", "--features", "live", "--no-fail-fast", "--test", "live*", "--"])
        // One server at a time: the machine may have two cores.
        .arg("--test-threads=1")
        .args(&args.test_args)
        .env("MATTERMOST_LIVE_SERVER", &binary)
        .env("MATTERMOST_LIVE_ASSETS", &assets)
        .env("MATTERMOST_LIVE_LOGS", &logs)
        .current_dir(&root)
        .status()
        .map_err(|e| format!("could not run cargo test: {e}"))?;
    eprintln!("live: the live tests took {:.1} s (logs of each server in {})", tests_started.elapsed().as_secs_f64(), logs.display());
    if args.record {
        record(&root)?;
    }
    Ok(status.success())
}

/// One operation's outcome as the live API test writes it (target/live/outcomes.yaml).
#[derive(serde::Deserialize)]
struct Outcome {
    outcome: String,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    lost: Vec<String>,
}

/// Writes the outcomes into spec/audit.yaml: a `live:` line after each row's `- operation:`
/// line (replacing the one there), leaving the rest of the file as it is.
fn record(root: &Path) -> Result<(), String> {
    let outcomes_path = root.join("target/live/outcomes.yaml");
    let text = std::fs::read_to_string(&outcomes_path).map_err(|e| format!("cannot read {}: {e}", outcomes_path.display()))?;
    let outcomes: std::collections::BTreeMap<String, Outcome> =
        serde_yaml::from_str(&text).map_err(|e| format!("{}: {e}", outcomes_path.display()))?;
    let audit_path = root.join("spec/audit.yaml");
    let audit = std::fs::read_to_string(&audit_path).map_err(|e| format!("cannot read {}: {e}", audit_path.display()))?;
    let mut out = String::with_capacity(audit.len() + outcomes.len() * 40);
    let mut recorded = 0;
    for line in audit.lines().filter(|l| !l.starts_with("  live: ")) {
        out.push_str(line);
        out.push('\n');
        let Some(operation) = line.strip_prefix("- operation: ") else { continue };
        let Some(outcome) = outcomes.get(operation.trim()) else { continue };
        let mut fields = vec![format!("outcome: {}", outcome.outcome)];
        fields.extend(outcome.status.map(|s| format!("status: {s}")));
        fields.extend(outcome.id.as_ref().map(|id| format!("error_id: '{}'", id.replace('\'', "''"))));
        if !outcome.lost.is_empty() {
            fields.push(format!("keys_lost: {}", outcome.lost.len()));
        }
        out.push_str(&format!("  live: {{{}}}\n", fields.join(", ")));
        recorded += 1;
    }
    std::fs::write(&audit_path, out).map_err(|e| format!("cannot write {}: {e}", audit_path.display()))?;
    eprintln!("live: recorded {recorded} outcomes in {}", audit_path.display());
    Ok(())
}

/// The server binary for the module's current `go.mod` and `go.sum`, built unless cached.
fn build_server(root: &Path, module: &Path) -> Result<PathBuf, String> {
    let mut pinned = Vec::new();
    for file in ["go.mod", "go.sum"] {
        let path = module.join(file);
        pinned.extend(std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?);
    }
    let dir = root.join("target/live-server").join(&sha256_hex(&pinned)[..16]);
    let binary = dir.join("mattermost");
    if binary.exists() {
        eprintln!("live: the server for this go.mod/go.sum is built ({})", binary.display());
        return Ok(binary);
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let partial = dir.join("mattermost.partial");
    eprintln!("live: building the server (go build {SERVER_PACKAGE}); the first build downloads the modules");
    let started = Instant::now();
    let status = Command::new("go")
        .args(["build", "-o"])
        .arg(&partial)
        .arg(SERVER_PACKAGE)
        .current_dir(module)
        .status()
        .map_err(|e| format!("could not run go (Go 1.22 or newer is needed): {e}"))?;
    if !status.success() {
        return Err(format!("go build failed ({status}) in {}", module.display()));
    }
    std::fs::rename(&partial, &binary).map_err(|e| format!("cannot move the server to {}: {e}", binary.display()))?;
    eprintln!("live: built the server in {:.1} s", started.elapsed().as_secs_f64());
    Ok(binary)
}

/// The server module's folder in the Go module cache.
fn module_dir(module: &Path) -> Result<PathBuf, String> {
    let output = Command::new("go")
        .args(["list", "-m", "-f", "{{.Dir}}", SERVER_MODULE])
        .current_dir(module)
        .output()
        .map_err(|e| format!("could not run go list: {e}"))?;
    let dir = String::from_utf8_lossy(&output.stdout).trim().to_string();
    if !output.status.success() || dir.is_empty() {
        return Err(format!("go list -m {SERVER_MODULE} failed: {}", String::from_utf8_lossy(&output.stderr)));
    }
    Ok(PathBuf::from(dir))
}
