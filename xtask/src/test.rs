//! `cargo xtask test`: every check CI runs, in order, failing fast.

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Instant;

/// One step: a name and the command line, and a check of ours to run after it.
struct Step {
    name: &'static str,
    program: &'static str,
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
    then: Option<Check>,
    /// Whether the step needs the Mattermost server that [`ServerBuild`] builds meanwhile.
    needs_server: bool,
}

/// A check written in Rust: its name, and a run that says what it checked or why it failed.
struct Check {
    name: &'static str,
    run: fn(&Path) -> Result<String, String>,
}

const STEPS: &[Step] = &[
    Step {
        name: "generated/ is up to date",
        program: "cargo",
        args: &["xtask", "regen", "--check"],
        env: &[],
        then: None,
        needs_server: false,
    },
    Step {
        name: "clippy, warnings denied",
        program: "cargo",
        args: &["clippy", "--workspace", "--all-targets", "--features", "mattermost-tests/live", "--", "-D", "warnings"],
        env: &[],
        needs_server: false,
        then: Some(Check {
            name: "every operation-group feature on its own (cargo clippy --no-default-features --features rustls,<group>)",
            run: feature_loop,
        }),
    },
    Step {
        name: "rustdoc, warnings denied",
        program: "cargo",
        args: &["doc", "--workspace", "--no-deps"],
        env: &[("RUSTDOCFLAGS", "-D warnings")],
        then: None,
        needs_server: false,
    },
    Step {
        // The event stream is behind a feature that `cargo doc --workspace` leaves off.
        name: "rustdoc of the WebSocket events, warnings denied",
        program: "cargo",
        args: &["doc", "-p", "mattermost-client", "--no-deps", "--features", "websocket"],
        env: &[("RUSTDOCFLAGS", "-D warnings")],
        then: None,
        needs_server: false,
    },
    Step {
        // Vendoring: the generated crate packages and builds from its own files alone.
        name: "generated crate packages and builds on its own",
        program: "cargo",
        args: &["package", "--quiet", "--manifest-path", "generated/Cargo.toml", "--allow-dirty"],
        env: &[],
        // Vendored today: no lock file, so the newest versions its manifest allows.
        needs_server: false,
        then: Some(Check {
            name: "generated crate on the newest dependencies, outside the workspace (cargo xtask newest-deps)",
            run: newest_dependencies,
        }),
    },
    Step {
        name: "tests",
        program: "cargo",
        args: &["test", "--workspace"],
        env: &[],
        then: None,
        needs_server: false,
    },
    Step {
        // The WebSocket runtime is behind a feature that the workspace build leaves off.
        name: "WebSocket runtime tests",
        program: "cargo",
        args: &["test", "-p", "mattermost-client-runtime", "--features", "websocket"],
        env: &[],
        then: None,
        needs_server: false,
    },
    Step {
        name: "contract test against Prism",
        program: "cargo",
        args: &["xtask", "contract"],
        env: &[],
        then: None,
        needs_server: false,
    },
    Step {
        name: "live tests against a real Mattermost server",
        program: "cargo",
        args: &["xtask", "live"],
        env: &[],
        then: None,
        needs_server: true,
    },
];

/// The generated crate's operation-group features (everything in `full`).
fn group_features(root: &Path) -> Result<Vec<String>, String> {
    let manifest = std::fs::read_to_string(root.join("generated/Cargo.toml")).map_err(|e| format!("generated/Cargo.toml: {e}"))?;
    let line = manifest.lines().find(|l| l.starts_with("full = [")).ok_or("generated/Cargo.toml has no `full` feature")?;
    Ok(line
        .trim_start_matches("full = [")
        .trim_end_matches(']')
        .split(',')
        .map(|f| f.trim().trim_matches('"').to_string())
        .filter(|f| !f.is_empty())
        .collect())
}

/// Checks every group feature on its own, and `websocket` (the events and the models only
/// they use), so that none is broken (zero warnings each).
fn feature_loop(root: &Path) -> Result<String, String> {
    let mut features = group_features(root)?;
    features.push("websocket".to_string());
    for feature in &features {
        let status = Command::new("cargo")
            .args(["clippy", "--quiet", "-p", "mattermost-client", "--no-default-features", "--features"])
            .arg(format!("rustls,{feature}"))
            .args(["--", "-D", "warnings"])
            .current_dir(root)
            .status()
            .map_err(|e| format!("could not run cargo: {e}"))?;
        if !status.success() {
            return Err(format!("feature `{feature}` alone does not build cleanly"));
        }
    }
    Ok(format!("{} features", features.len()))
}

/// [`crate::newest_deps::check`] as a step.
fn newest_dependencies(root: &Path) -> Result<String, String> {
    crate::newest_deps::check(root).map(|()| "clippy and tests pass".to_string())
}

/// Runs every step; stops at the first failure.
pub fn run() -> ExitCode {
    let root = crate::regen::repo_root();
    let started = Instant::now();
    // The server's first build (a download, then a long Go compile) runs beside the Rust steps,
    // at a lower priority, and is waited for by the live step.
    let mut server_build = ServerBuild::start(&root);
    for step in STEPS {
        if step.needs_server {
            let waited = Instant::now();
            if let Err(e) = server_build.wait() {
                eprintln!("==> the Mattermost server's build: FAILED: {e}");
                return ExitCode::FAILURE;
            }
            eprintln!("==> the Mattermost server's build: ok (waited {:.1} s for it)", waited.elapsed().as_secs_f64());
        }
        let step_started = Instant::now();
        eprintln!("==> {} ({} {})", step.name, step.program, step.args.join(" "));
        let status = Command::new(step.program).args(step.args).envs(step.env.iter().copied()).current_dir(&root).status();
        match status {
            Ok(status) if status.success() => eprintln!("==> {}: ok in {:.1} s", step.name, step_started.elapsed().as_secs_f64()),
            Ok(status) => {
                eprintln!("==> {}: FAILED ({status})", step.name);
                return ExitCode::FAILURE;
            }
            Err(e) => {
                eprintln!("==> {}: could not run {}: {e}", step.name, step.program);
                return ExitCode::FAILURE;
            }
        }
        if let Some(check) = &step.then {
            let check_started = Instant::now();
            eprintln!("==> {}", check.name);
            match (check.run)(&root) {
                Ok(done) => eprintln!("==> {done}: ok in {:.1} s", check_started.elapsed().as_secs_f64()),
                Err(e) => {
                    eprintln!("==> {}: FAILED: {e}", check.name);
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    eprintln!("==> all checks passed in {:.1} s", started.elapsed().as_secs_f64());
    ExitCode::SUCCESS
}

/// `cargo xtask live --build-only` in the background, its output in `target/live/server-build.log`.
struct ServerBuild {
    child: Result<std::process::Child, String>,
    log: std::path::PathBuf,
}

impl ServerBuild {
    /// Starts the build under `nice` (or as it is where there is no `nice`).
    fn start(root: &Path) -> ServerBuild {
        let log = root.join("target/live/server-build.log");
        let child = (|| {
            std::fs::create_dir_all(root.join("target/live")).map_err(|e| format!("cannot create target/live: {e}"))?;
            let spawn = |program: &str, args: &[&str]| -> Result<std::process::Child, String> {
                let out = std::fs::File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
                let err = out.try_clone().map_err(|e| format!("{}: {e}", log.display()))?;
                use std::os::unix::process::CommandExt as _;
                Command::new(program)
                    .args(args)
                    // Its own process group, so that `go build` under it can be stopped too.
                    .process_group(0)
                    .args(["xtask", "live", "--build-only"])
                    .current_dir(root)
                    .stdout(out)
                    .stderr(err)
                    .spawn()
                    .map_err(|e| format!("could not run {program}: {e}"))
            };
            spawn("nice", &["-n", "10", "cargo"]).or_else(|_| spawn("cargo", &[]))
        })();
        ServerBuild { child, log }
    }

    /// Waits for the build; on failure, the log's last lines.
    fn wait(&mut self) -> Result<(), String> {
        let child = self.child.as_mut().map_err(|e| e.clone())?;
        let status = child.wait().map_err(|e| format!("waiting for the server's build: {e}"))?;
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        if status.success() {
            return Ok(());
        }
        let tail: Vec<&str> = log.lines().rev().take(30).collect::<Vec<_>>().into_iter().rev().collect();
        Err(format!("{status}; the last lines of {}:\n{}", self.log.display(), tail.join("\n")))
    }
}

impl Drop for ServerBuild {
    /// A failed step ends the run: the build is not left running behind it.
    fn drop(&mut self) {
        if let Ok(child) = &mut self.child {
            if child.try_wait().ok().flatten().is_none() {
                let _ = Command::new("kill").args(["-TERM", "--", &format!("-{}", child.id())]).status();
                let _ = child.wait();
            }
        }
    }
}
