//! The `plainsight` command line: argument parsing, wiring and exit codes only.
//! All analysis lives in the library crates; all formatting in
//! `plainsight_core::render`.
//!
//! # Exit codes
//! - `0`: no finding at or above the `--fail-on` threshold (default `medium`);
//! - `1`: at least one finding at or above the threshold;
//! - `2`: plainsight could not do its job (bad arguments, unreadable or
//!   malformed input, limits exceeded). The error is printed once to stderr as
//!   `plainsight: error: <input and place>: <what>`, and nothing is written to
//!   stdout: output is rendered into a buffer and only written once every input
//!   was processed.
//!
//! A closed stdout (`plainsight … | head -1`) is not an error: plainsight stops
//! writing and exits with the code the findings call for.

/// mimalloc rather than the system allocator: a scan builds hundreds of MB of
/// AST and semantic tables in one go, and glibc hands each large block fresh
/// from the kernel page by page (a fifth of a bundle scan went to page faults).
/// oxc's own command-line tools make the same choice.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod commands;
mod progress;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Finds what AI coding agents hide in plain sight: hidden and look-alike
/// characters in prompts and request bodies, covert channels in agent
/// JavaScript bundles.
#[derive(Debug, Parser)]
#[command(name = "plainsight", version, about, long_about = None)]
#[command(
    after_help = "Exit codes: 0 = nothing at or above --fail-on, 1 = findings at or above it, 2 = error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Inspect(commands::inspect::Args),
    Scan(commands::scan::Args),
    Rules(commands::rules::ListArgs),
    Rule(commands::rules::ShowArgs),
    History(commands::history::Args),
}

/// What a command produced: bytes for stdout, and whether the findings call for exit 1.
pub struct Outcome {
    pub stdout: Vec<u8>,
    pub findings_over_threshold: bool,
}

/// An exit code a command asks for although it produced output: `history`
/// prints what it has but exits 2 when the version `--fail-on` judges could
/// not be analysed, and 130 when interrupted. 0 means none.
static EXIT_OVERRIDE: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// See [`EXIT_OVERRIDE`].
pub fn exit_with(code: u8) {
    EXIT_OVERRIDE.store(code, std::sync::atomic::Ordering::Relaxed);
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Inspect(args) => commands::inspect::run(&args),
        Command::Scan(args) => commands::scan::run(&args),
        Command::Rules(args) => Ok(commands::rules::list(&args)),
        Command::Rule(args) => commands::rules::show(&args),
        Command::History(args) => commands::history::run(&args),
    };
    match result {
        Ok(outcome) => {
            let over = EXIT_OVERRIDE.load(std::sync::atomic::Ordering::Relaxed);
            let code = if over != 0 {
                ExitCode::from(over)
            } else if outcome.findings_over_threshold {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
            let mut stdout = io::stdout().lock();
            match stdout
                .write_all(&outcome.stdout)
                .and_then(|()| stdout.flush())
            {
                Ok(()) => code,
                // The reader went away (`| head`): what it read is all it wanted.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => code,
                Err(e) => fail(&anyhow::Error::new(e).context("writing to standard output")),
            }
        }
        Err(e) => fail(&e),
    }
}

fn fail(e: &anyhow::Error) -> ExitCode {
    // `{:#}` prints the context chain on one line: "outer: inner".
    let msg = plainsight_core::chars::escape(&format!("{e:#}"));
    let _ = writeln!(io::stderr().lock(), "plainsight: error: {msg}");
    ExitCode::from(2)
}
