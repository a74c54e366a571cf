//! Project automation: `cargo xtask regen [--check]`, `cargo xtask test`.

mod regen;
mod test;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Project tasks.
#[derive(Parser)]
#[command(name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Regenerate the client crate from the spec (or check that it is up to date).
    Regen(regen::RegenArgs),
    /// Run every check CI runs: regen --check, clippy, rustdoc and the tests.
    Test,
}

fn main() -> ExitCode {
    match Cli::parse().task {
        Task::Regen(args) => regen::run(&args),
        Task::Test => test::run(),
    }
}
