//! Project automation: `cargo xtask regen [--check]`, `cargo xtask fetch-spec <VERSION|URL>`, `cargo xtask test`, `cargo xtask contract`, `cargo xtask newest-deps`, `cargo xtask bench`, `cargo xtask live`.

mod bench;
mod contract;
mod fetch_spec;
mod live;
mod newest_deps;
mod regen;
mod spec;
mod test;
mod vs_progenitor;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc rather than the system allocator: regen allocates and frees millions of small
/// blocks (YAML nodes, token trees, syntax trees), and glibc's malloc spent a third of its
/// instructions on them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Run every check CI runs: regen --check, clippy (each group feature too), rustdoc, cargo package of the generated crate, the generated crate on the newest dependencies, the tests and the contract test.
    Test,
    /// Run the contract test: every operation against a Prism mock of the spec.
    Contract,
    /// Build the generated crate outside the workspace on the newest dependency versions its manifest allows: clippy with `-D warnings` and its tests (a step of `test`).
    NewestDeps,
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
        Task::NewestDeps => newest_deps::run(),
        Task::Bench(args) => bench::run(&args),
        Task::Live(args) => live::run(&args),
    }
}
