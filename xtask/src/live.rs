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
        .args(["test", "-p", "mattermost-tests", "--features", "live", "--test", "live*", "--"])
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
    Ok(status.success())
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
