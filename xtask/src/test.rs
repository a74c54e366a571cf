//! `cargo xtask test`: every check CI runs, in order, failing fast.

use std::process::{Command, ExitCode};
use std::time::Instant;

/// One step: a name and the command line.
struct Step {
    name: &'static str,
    program: &'static str,
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
}

const STEPS: &[Step] = &[
    Step {
        name: "generated/ is up to date",
        program: "cargo",
        args: &["xtask", "regen", "--check"],
        env: &[],
    },
    Step {
        name: "clippy, warnings denied",
        program: "cargo",
        args: &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"],
        env: &[],
    },
    Step {
        name: "rustdoc, warnings denied",
        program: "cargo",
        args: &["doc", "--workspace", "--no-deps"],
        env: &[("RUSTDOCFLAGS", "-D warnings")],
    },
    Step {
        name: "tests",
        program: "cargo",
        args: &["test", "--workspace"],
        env: &[],
    },
];

/// Runs every step; stops at the first failure.
pub fn run() -> ExitCode {
    let root = crate::regen::repo_root();
    let started = Instant::now();
    for step in STEPS {
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
    }
    eprintln!("==> all checks passed in {:.1} s", started.elapsed().as_secs_f64());
    ExitCode::SUCCESS
}
