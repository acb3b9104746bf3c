//! `plainsight inspect`: documents (text, JSON, JSON Lines, HAR, LLM request
//! bodies) through the text engine.
//!
//! Files are memory-mapped: a multi-gigabyte HAR capture is inspected without
//! being copied into memory first. Standard input and special files (pipes,
//! `/dev/stdin`) are read instead, bounded by `--max-size`.
//!
//! `--normalize` writes the normalized document to stdout and the list of edits
//! to stderr. Exit status: 0 when nothing was changed or every edit is below
//! `--fail-on`, 1 when an edit at or above `--fail-on` was made (so a pipeline
//! can both clean a prompt and notice that it had to), 2 on error.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Read, Write as _};
use std::path::Path;

use anyhow::{Context, bail};
use clap::ValueEnum;
use plainsight_core::chars::escape;
use plainsight_core::{Report, Severity};
use plainsight_inspect::{InputFormat, InspectOptions};

use super::{OutputArgs, parse_size};
use crate::Outcome;

/// Inspect documents for hidden, invisible and look-alike characters.
///
/// Reads each FILE (or standard input when none is given or FILE is `-`),
/// recognises JSON, JSON Lines, HAR and Anthropic/OpenAI request bodies, and
/// reports where text differs from what a reader sees.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files to inspect; `-` or nothing reads standard input.
    #[arg(value_name = "FILE")]
    pub files: Vec<String>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// How to read the input; `auto` sniffs JSON / JSON Lines / HAR.
    #[arg(long, value_enum, default_value_t = InputFormatArg::Auto, value_name = "FORMAT")]
    pub input_format: InputFormatArg,
    /// Replace invalid UTF-8 with U+FFFD instead of failing.
    #[arg(long)]
    pub lossy: bool,
    /// Largest input accepted (suffixes K, M, G, T: 64M, 4G).
    #[arg(long, value_parser = parse_size, default_value = "4G", value_name = "BYTES")]
    pub max_size: u64,
    /// Deepest JSON nesting accepted.
    #[arg(long, default_value_t = 512, value_name = "N")]
    pub max_depth: usize,
    /// Also report legitimate uses (emoji ZWJ sequences, CJK full-width
    /// punctuation, French NBSP, …).
    #[arg(long)]
    pub include_legitimate: bool,
    /// Write the input with hidden characters removed and look-alikes folded to
    /// stdout, and the edits to stderr. Exit 1 if an edit at or above --fail-on
    /// was made. One input only.
    #[arg(long)]
    pub normalize: bool,
}

/// `--input-format`
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InputFormatArg {
    Auto,
    Text,
    Json,
    Jsonl,
    Har,
}

impl From<InputFormatArg> for InputFormat {
    fn from(f: InputFormatArg) -> InputFormat {
        match f {
            InputFormatArg::Auto => InputFormat::Auto,
            InputFormatArg::Text => InputFormat::Text,
            InputFormatArg::Json => InputFormat::Json,
            InputFormatArg::Jsonl => InputFormat::Jsonl,
            InputFormatArg::Har => InputFormat::Har,
        }
    }
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let mut opts = InspectOptions {
        format: args.input_format.into(),
        lossy: args.lossy,
        max_size: args.max_size,
        max_depth: args.max_depth,
        ..InspectOptions::default()
    };
    opts.text.include_legitimate = args.include_legitimate;

    let inputs: Vec<&str> = if args.files.is_empty() {
        vec!["-"]
    } else {
        args.files.iter().map(String::as_str).collect()
    };
    if args.normalize {
        let [input] = inputs.as_slice() else {
            bail!(
                "--normalize takes exactly one input ({} given)",
                inputs.len()
            );
        };
        return normalize(input, &opts, args);
    }

    let mut report = Report {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        ..Report::default()
    };
    for input in inputs {
        let (name, bytes) = read_input(input, args.max_size)?;
        let findings = plainsight_inspect::inspect(&name, &bytes, &opts)?;
        report.inputs.push(name);
        report.findings.extend(findings);
    }
    report.sort();
    args.output.finish(&report)
}

fn normalize(input: &str, opts: &InspectOptions, args: &Args) -> anyhow::Result<Outcome> {
    let (name, bytes) = read_input(input, args.max_size)?;
    let policy = plainsight_text::Policy::default();
    let (normalized, edits) = plainsight_inspect::normalize(&name, &bytes, opts, &policy)?;
    let threshold: Severity = args.output.fail_on.into();
    let mut log = String::new();
    for edit in &edits {
        let _ = writeln!(
            log,
            "{}: {}[{}] {}",
            escape(&edit.location.display_chain()),
            edit.severity,
            edit.rule.code(),
            escape(&edit.message)
        );
    }
    let plural = if edits.len() == 1 { "" } else { "s" };
    let _ = writeln!(
        log,
        "plainsight: {} edit{plural} in {}",
        edits.len(),
        escape(&name)
    );
    // The edit log is diagnostics, so it goes to stderr even on success.
    let _ = io::stderr().lock().write_all(log.as_bytes());
    Ok(Outcome {
        stdout: normalized,
        findings_over_threshold: edits.iter().any(|e| e.severity >= threshold),
        incomplete: None,
        allow_incomplete: false,
    })
}

/// The bytes of one input, and the name locations will use for it.
pub enum Input {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl std::ops::Deref for Input {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Input::Mapped(m) => m,
            Input::Owned(v) => v,
        }
    }
}

/// Read `-` from stdin, anything else from the file system. Limits are checked
/// here for stdin and special files (whose size is unknown up front); for
/// regular files the library checks them and names the input itself.
pub fn read_input(input: &str, max_size: u64) -> anyhow::Result<(String, Input)> {
    if input == "-" {
        let name = "<stdin>".to_string();
        let bytes = read_bounded(io::stdin().lock(), &name, max_size)?;
        return Ok((name, Input::Owned(bytes)));
    }
    let file = File::open(input).with_context(|| format!("{input}: cannot open"))?;
    let meta = file
        .metadata()
        .with_context(|| format!("{input}: cannot read metadata"))?;
    if meta.is_dir() {
        bail!(
            "{input}: is a directory (inspect takes files; use `plainsight scan` for directories of JavaScript)"
        );
    }
    if meta.is_file() && meta.len() > 0 {
        if meta.len() > max_size {
            bail!(
                "{input}: {} bytes is over the limit of {max_size} bytes (--max-size)",
                meta.len()
            );
        }
        return Ok((
            input.to_string(),
            Input::Mapped(map(&file, Path::new(input))?),
        ));
    }
    let bytes = read_bounded(file, input, max_size)?;
    Ok((input.to_string(), Input::Owned(bytes)))
}

/// Map a regular file read-only.
#[allow(unsafe_code)]
fn map(file: &File, path: &Path) -> anyhow::Result<memmap2::Mmap> {
    // SAFETY: the map is read-only and lives only while this process inspects
    // the file. If another process truncates or rewrites the file meanwhile, we
    // may read changed bytes (every consumer treats the bytes as untrusted and
    // validates them) or, for truncation, take SIGBUS; that is the accepted
    // cost of not copying multi-gigabyte inputs, the same trade-off ripgrep makes.
    unsafe { memmap2::Mmap::map(file) }.with_context(|| format!("{}: cannot map", path.display()))
}

fn read_bounded(reader: impl Read, name: &str, max_size: u64) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .take(max_size.saturating_add(1))
        .read_to_end(&mut bytes)
        .with_context(|| format!("{name}: cannot read"))?;
    if bytes.len() as u64 > max_size {
        bail!("{name}: more than {max_size} bytes, over the limit (--max-size)");
    }
    Ok(bytes)
}
