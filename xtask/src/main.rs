//! Project automation: `cargo xtask regen [--check]`, `cargo xtask fetch-spec <VERSION|URL>`, `cargo xtask test`, `cargo xtask contract`, `cargo xtask bench`, `cargo xtask live`.

mod bench;
mod contract;
mod fetch_spec;
mod live;
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
    /// Download a Mattermost release's spec (or one URL) and write it; `--pin` records it in spec/source.toml.
    FetchSpec(fetch_spec::FetchSpecArgs),
    /// Run every check CI runs: regen --check, clippy (each group feature too), rustdoc, cargo package of the generated crate, the tests and the contract test.
    Test,
    /// Run the contract test: every operation against a Prism mock of the spec.
    Contract,
    /// Measure regen, the generated crate's check and clean-build times and the client benchmarks.
    Bench(bench::BenchArgs),
    /// Build the Mattermost server (cached) and run the live tests against it on PostgreSQL.
    Live(live::LiveArgs),
}

fn main() -> ExitCode {
    match Cli::parse().task {
        Task::Regen(args) => regen::run(&args),
        Task::FetchSpec(args) => fetch_spec::run(&args),
        Task::Test => test::run(),
        Task::Contract => contract::run(),
        Task::Bench(args) => bench::run(&args),
        Task::Live(args) => live::run(&args),
    }
}
