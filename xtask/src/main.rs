//! Project automation: `cargo xtask regen [--check]`, `cargo xtask test`, `cargo xtask contract`, `cargo xtask bench`.

mod bench;
mod contract;
mod regen;
mod spec;
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
    /// Run every check CI runs: regen --check, clippy (each group feature too), rustdoc, cargo package of the generated crate, the tests and the contract test.
    Test,
    /// Run the contract test: every operation against a Prism mock of the spec.
    Contract,
    /// Measure regen, the generated crate's check time and the client benchmarks.
    Bench,
}

fn main() -> ExitCode {
    match Cli::parse().task {
        Task::Regen(args) => regen::run(&args),
        Task::Test => test::run(),
        Task::Contract => contract::run(),
        Task::Bench => bench::run(),
    }
}
