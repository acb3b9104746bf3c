//! The `plainsight` command line: argument parsing, wiring and exit codes only.
//! All analysis lives in the library crates; all formatting in
//! `plainsight_core::render`.
//!
//! # Exit codes
//! - `0`: no finding at or above the `--fail-on` threshold (default `medium`);
//! - `1`: at least one finding at or above the threshold;
//! - `2`: plainsight could not do its job. Either it failed outright (bad
//!   arguments, an input that cannot be opened, a malformed archive, a limit
//!   on a whole input): the error is printed once to stderr as
//!   `plainsight: error: <input and place>: <what>`, and nothing is written to
//!   stdout (output is rendered into a buffer and only written once every
//!   input was processed). Or some unit could not be analysed completely (too
//!   deep, syntax error, analyzer crash, budget ran out, size limit): then the
//!   full report IS written, every renderer lists those units, stderr says
//!   `plainsight: error: incomplete analysis: …`, and the exit code is 2
//!   whatever was found — a reviewer must not read a partly analysed
//!   artifact as clean, nor as fully judged. `--allow-incomplete` makes such
//!   a run exit by its findings (0 or 1) and prints the line as a warning.
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
    after_help = "Exit codes: 0 = nothing at or above --fail-on, 1 = findings at or above it, 2 = error or incomplete analysis (see --allow-incomplete)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Inspect(commands::inspect::Args),
    Scan(commands::scan::Args),
    Probe(commands::probe::Args),
    Guard(commands::guard::Args),
    Audit(commands::audit::Args),
    Rules(commands::rules::ListArgs),
    Rule(commands::rules::ShowArgs),
    History(commands::history::Args),
    Serve(commands::serve::Args),
}

/// What a command produced: bytes for stdout, whether the findings call for
/// exit 1, and whether some unit could not be analysed completely.
pub struct Outcome {
    pub stdout: Vec<u8>,
    pub findings_over_threshold: bool,
    /// A one-line summary when some unit was not analysed completely.
    pub incomplete: Option<String>,
    /// `--allow-incomplete`: exit by the findings alone.
    pub allow_incomplete: bool,
}

impl Outcome {
    /// The exit code the outcome calls for: incomplete analysis (unless
    /// allowed) before findings, since a reviewer cannot call a partly read
    /// artifact either clean or fully judged.
    fn code(&self) -> ExitCode {
        if self.incomplete.is_some() && !self.allow_incomplete {
            ExitCode::from(2)
        } else if self.findings_over_threshold {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        }
    }
}

fn main() -> ExitCode {
    // The probe's sandbox helper and init are this binary re-executed; they
    // must start before anything else (user namespaces need one thread).
    let args: Vec<std::ffi::OsString> = std::env::args_os().take(3).collect();
    if let Some(code) =
        plainsight_probe::sandbox::dispatch(&std::env::args_os().collect::<Vec<_>>())
    {
        let _ = args;
        return ExitCode::from(code.clamp(0, 255) as u8);
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Inspect(args) => commands::inspect::run(&args),
        Command::Scan(args) => commands::scan::run(&args),
        Command::Probe(args) => commands::probe::run(&args),
        Command::Guard(args) => commands::guard::run(&args),
        Command::Audit(args) => commands::audit::run(&args),
        Command::Rules(args) => Ok(commands::rules::list(&args)),
        Command::Rule(args) => commands::rules::show(&args),
        Command::History(args) => commands::history::run(&args),
        Command::Serve(args) => commands::serve::run(&args),
    };
    match result {
        Ok(outcome) => {
            let code = outcome.code();
            if let Some(summary) = &outcome.incomplete {
                let what = if outcome.allow_incomplete {
                    "warning"
                } else {
                    "error"
                };
                let _ = writeln!(
                    io::stderr().lock(),
                    "plainsight: {what}: incomplete analysis: {}",
                    plainsight_core::chars::escape(summary)
                );
            }
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
