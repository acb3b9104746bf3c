//! `plainsight scan` for JavaScript, on oxc.
//!
//! The driver: each file is checked for nesting depth with a byte scan, then
//! parsed ONCE by oxc (with error recovery) on a thread with a large stack,
//! given ONE semantic model, and handed as a [`Ctx`] to the analyzers:
//! `covert`, and `env` + `hidden` + `egress` sharing one pass over the node
//! table. On a large file (≥ 1 MiB) the two halves run on two threads, and the
//! line index is built beside the parse; the findings are the same either way.
//! Analyzers are demand-driven: they find rare candidate sites cheaply and do
//! expensive work only there, so a 13 MB bundle costs little more than its
//! parse and semantic model.
//!
//! Public API used by the CLI and, later, by the artifact layer (which hands
//! in JS modules it found inside tarballs and executables with a location chain).

use std::path::Path;

use oxc_span::SourceType;
use plainsight_core::{Finding, Incomplete, IncompleteKind, UnitOutcome};

use crate::context::{Ctx, LineIndex};
pub use crate::flow::FlowLimits;
pub use crate::group::module_groups;

pub mod context;
// The value-flow engine names AST nodes, units, states and decisions by
// short letters (e, u, i, s, d) throughout, as oxc's own walkers do.
#[allow(
    clippy::many_single_char_names,
    // Pedantic lints the engine's first version was not written against;
    // to be cleaned up (tracked in the flow branch's hand-over).
    clippy::empty_line_after_doc_comments,
    clippy::float_cmp,
    clippy::format_push_string,
    clippy::if_same_then_else,
    clippy::items_after_statements,
    clippy::match_same_arms,
    clippy::match_wildcard_for_single_variants,
    clippy::needless_pass_by_value,
    clippy::option_option,
    clippy::semicolon_if_nothing_returned,
    clippy::struct_field_names,
    clippy::type_complexity,
    clippy::wrong_self_convention
)]
pub mod covert;
pub mod depth;
pub mod egress;
pub mod env;
pub mod eval;
#[allow(
    clippy::many_single_char_names,
    // Pedantic lints the engine's first version was not written against;
    // to be cleaned up (tracked in the flow branch's hand-over).
    clippy::empty_line_after_doc_comments,
    clippy::float_cmp,
    clippy::format_push_string,
    clippy::if_same_then_else,
    clippy::items_after_statements,
    clippy::match_same_arms,
    clippy::match_wildcard_for_single_variants,
    clippy::needless_pass_by_value,
    clippy::option_option,
    clippy::semicolon_if_nothing_returned,
    clippy::struct_field_names,
    clippy::type_complexity,
    clippy::wrong_self_convention
)]
pub(crate) mod flow;
mod group;
pub mod hidden;
mod jsregex;
mod node_builtins;
mod snippet;
mod strtable;
mod tz_names;

/// Limits and budgets for one scan.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// Largest JS file scanned, in bytes.
    pub max_file_size: u64,
    /// Deepest syntax tree accepted (as bounded by the [`depth`] precheck)
    /// before a file is reported "too deep" and not analysed. Real bundles
    /// stay under ~1,200 (Claude Code's 13 MB `cli.js`: 1,138).
    pub max_depth: u32,
    /// Step budget of the bounded evaluator, per evaluation.
    pub eval_steps: u64,
    /// Largest string the evaluator may build, in bytes.
    pub eval_max_output: usize,
    /// Most bytes of JavaScript in one group of modules that import each
    /// other, analysed as one program (all their syntax trees are in memory
    /// at once); a larger group is analysed module by module.
    pub max_group_bytes: u64,
    /// Budgets and limits of the covert-channel flow engine (per site).
    pub flow: FlowLimits,
    /// Most memory the analysis of one file may be expected to take, in
    /// bytes. Parsing and analysing JavaScript costs about
    /// [`MEMORY_PER_SOURCE_BYTE`] times the file's size (oxc's arena, the
    /// semantic tables, our indexes), far above what `max_file_size` suggests;
    /// a file whose estimate is over this ceiling is reported not analysed
    /// (reason: limit) before anything is allocated for it, rather than
    /// exhausting the machine's memory.
    pub max_unit_memory: u64,
}

/// Peak memory of one file's analysis per byte of source, measured on real
/// bundles with `/usr/bin/time -v` (see docs/ARCHITECTURE.md, "Memory per
/// unit"), rounded up.
pub const MEMORY_PER_SOURCE_BYTE: u64 = 120;

/// The memory the analysis of `len` bytes of JavaScript is expected to take.
pub fn estimated_unit_memory(len: u64) -> u64 {
    len.saturating_mul(MEMORY_PER_SOURCE_BYTE)
}

impl Default for ScanOptions {
    fn default() -> ScanOptions {
        ScanOptions {
            max_file_size: 256 << 20,
            max_depth: 6000,
            eval_steps: 200_000,
            eval_max_output: 1 << 20,
            max_group_bytes: 256 << 20,
            flow: FlowLimits::default(),
            max_unit_memory: 8 << 30,
        }
    }
}

/// What a scan produced: the findings, and one typed outcome per file
/// (analysed, partially analysed or not analysed, with the reasons).
#[derive(Clone, Debug, Default)]
pub struct ScanOutput {
    pub findings: Vec<Finding>,
    pub units: Vec<UnitOutcome>,
    /// Files scanned.
    pub files: usize,
}

/// One JavaScript unit of a package, as the scan pipeline hands it in.
#[derive(Clone, Copy, Debug)]
pub struct SourceUnit<'s> {
    /// How locations name it (file path or module name inside a container).
    pub path: &'s str,
    /// Containers it came from, outermost first.
    pub chain: &'s [String],
    pub source: &'s str,
}

impl ScanOutput {
    /// Every reason some file was not analysed completely.
    pub fn incomplete(&self) -> impl Iterator<Item = &Incomplete> {
        self.units.iter().flat_map(|u| u.reasons.iter())
    }

    /// The messages of [`ScanOutput::incomplete`], for tests and examples.
    pub fn problems(&self) -> Vec<String> {
        self.incomplete().map(|r| r.message.clone()).collect()
    }

    fn push_unread(&mut self, path: &Path, kind: IncompleteKind, message: String) {
        self.units.push(UnitOutcome::not_analysed(
            Vec::new(),
            path.display().to_string(),
            Incomplete::new(kind, message),
        ));
    }
}

/// A failure that stops the scan of this input altogether (e.g. path does not exist).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// The OS error is in the message, not a `source` (it would print twice).
    #[error("{path}: {error}")]
    Io { path: String, error: std::io::Error },
}

/// Stack for the parse-and-analyze threads. oxc's parser, its semantic
/// builder, codegen and our recursive helpers recurse once per level of the
/// syntax tree; the depth precheck ([`depth`]) bounds the levels, and this
/// bounds the bytes per level: measured worst cases are ~1.7 KB per level in
/// a release build and ~3.4 KB in a debug build (object literals nested in
/// object literals), so 16 KB per level of `max_depth` leaves a wide margin.
/// It is reserved address space; only what a deep file touches is committed.
fn analysis_stack(max_depth: u32) -> usize {
    const BASE: usize = 256 << 20;
    const PER_LEVEL: usize = 16 << 10;
    BASE.max(
        (max_depth as usize)
            .saturating_mul(PER_LEVEL)
            .saturating_add(64 << 20),
    )
}

/// Syntax errors listed per file before the rest are summarised.
const MAX_SYNTAX_ERRORS: usize = 20;

/// Scan one JavaScript source. `path` names it in locations; `chain` lists the
/// containers it came from (outermost first; empty for a plain file).
///
/// Never panics or aborts on bad input, and never reports a file it could not
/// look at as clean: the one [`UnitOutcome`] in the output says whether the
/// file was analysed, partially analysed (syntax errors with the recovered
/// program analysed; a budget ran out) or not analysed (nested deeper than
/// `opts.max_depth`, too large, parse abandoned, analyzer crash), with the
/// reasons naming the file and place.
pub fn scan_source(path: &str, chain: &[String], source: &str, opts: &ScanOptions) -> ScanOutput {
    scan_package(
        &[SourceUnit {
            path,
            chain,
            source,
        }],
        opts,
    )
    .pop()
    .unwrap_or_default()
}

/// Scan the JavaScript units of one package together: each unit is parsed
/// once and gets its own findings, and the covert-channel flow engine runs
/// over all of them at once, following values across `require`/`import`
/// between them ([`module_groups`] says which units belong together). One
/// output per unit, in order, each with exactly one [`UnitOutcome`].
///
/// Same guarantees as [`scan_source`], per unit: a unit that is too large or
/// too deep is reported not analysed and left out of the group; the others
/// are analysed. A budget of the flow engine that ran out while following a
/// value of a unit makes that unit `partial`, never clean.
pub fn scan_package(units: &[SourceUnit<'_>], opts: &ScanOptions) -> Vec<ScanOutput> {
    let mut outs: Vec<ScanOutput> = units
        .iter()
        .map(|_| ScanOutput {
            files: 1,
            ..ScanOutput::default()
        })
        .collect();
    let mut ok: Vec<usize> = Vec::new();
    for (i, u) in units.iter().enumerate() {
        let (path, chain, source) = (u.path, u.chain, u.source);
        let where_ = |offset: usize| {
            let lines = LineIndex::new(source);
            let p = lines.position(source, offset as u32);
            format!("{}{path}:{}:{}", chain_prefix(chain), p.line, p.column)
        };
        let not_analysed = |kind, message: String| {
            UnitOutcome::not_analysed(chain.to_vec(), path, Incomplete::new(kind, message))
        };
        if source.len() > u32::MAX as usize {
            outs[i].units.push(not_analysed(
                IncompleteKind::Limit,
                format!(
                    "{}{path}: larger than 4 GiB; not analysed",
                    chain_prefix(chain)
                ),
            ));
            continue;
        }
        let need = estimated_unit_memory(source.len() as u64);
        if need > opts.max_unit_memory {
            outs[i].units.push(not_analysed(
                IncompleteKind::Limit,
                format!(
                    "{}{path}: {} bytes of JavaScript need about {} MiB of memory to analyse, over the per-file ceiling of {} MiB (max_unit_memory); not analysed",
                    chain_prefix(chain),
                    source.len(),
                    need.div_ceil(1 << 20),
                    opts.max_unit_memory >> 20,
                ),
            ));
            continue;
        }
        let dialect = depth::Dialect {
            jsx: source_type_for(path).is_jsx(),
        };
        if let Some(deep) = depth::check_with(source, opts.max_depth, dialect) {
            outs[i].units.push(not_analysed(
                IncompleteKind::TooDeep,
                format!(
                    "{}: nesting deeper than {} levels (max_depth); not analysed",
                    where_(deep.offset),
                    opts.max_depth
                ),
            ));
            continue;
        }
        ok.push(i);
    }
    if ok.is_empty() {
        return outs;
    }
    let result = std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("plainsight-js".into())
            .stack_size(analysis_stack(opts.max_depth))
            .spawn_scoped(s, || {
                if let [i] = ok[..] {
                    let u = units[i];
                    vec![analyze_source(
                        u.path,
                        u.chain,
                        u.source,
                        opts,
                        u.source.len() >= PARALLEL_MIN_BYTES,
                        true,
                    )]
                } else {
                    let group: Vec<SourceUnit<'_>> = ok.iter().map(|&i| units[i]).collect();
                    analyze_group(&group, opts)
                }
            })
            .map(std::thread::ScopedJoinHandle::join)
    });
    let not_analysed = |i: usize, kind, message: String| {
        let u = units[i];
        UnitOutcome::not_analysed(u.chain.to_vec(), u.path, Incomplete::new(kind, message))
    };
    match result {
        Ok(Ok(analyzed)) => {
            for (&i, a) in ok.iter().zip(analyzed) {
                let u = units[i];
                outs[i].findings = a.findings;
                let mut unit = UnitOutcome::analysed(u.chain.to_vec(), u.path);
                if a.abandoned {
                    unit.status = plainsight_core::AnalysisStatus::NotAnalysed;
                }
                for r in a.incomplete {
                    unit.degrade(r);
                }
                outs[i].units.push(unit);
            }
        }
        Ok(Err(_)) => {
            for &i in &ok {
                let message = format!(
                    "{}{}: internal error while analysing this file (please report); not analysed",
                    chain_prefix(units[i].chain),
                    units[i].path
                );
                outs[i]
                    .units
                    .push(not_analysed(i, IncompleteKind::Crash, message));
            }
        }
        Err(e) => {
            for &i in &ok {
                let message = format!(
                    "{}{}: could not start the analysis thread: {e}; not analysed",
                    chain_prefix(units[i].chain),
                    units[i].path
                );
                outs[i]
                    .units
                    .push(not_analysed(i, IncompleteKind::Limit, message));
            }
        }
    }
    outs
}

/// What the analysis of one unit produced.
#[derive(Default)]
struct Analysis {
    findings: Vec<Finding>,
    /// Why the analysis is not complete (syntax errors, budgets).
    incomplete: Vec<Incomplete>,
    /// The parser gave up: nothing of the unit was analysed.
    abandoned: bool,
}

impl Analysis {
    fn add_incomplete(&mut self, more: impl IntoIterator<Item = Incomplete>) {
        for r in more {
            if !self.incomplete.contains(&r) {
                self.incomplete.push(r);
            }
        }
    }
}

fn chain_prefix(chain: &[String]) -> String {
    chain.iter().fold(String::new(), |mut s, c| {
        s.push_str(c);
        s.push_str(" › ");
        s
    })
}

/// Parse one unit (syntax errors recorded as incomplete); `None` when oxc gave up.
fn parse_unit<'a>(
    allocator: &'a oxc_allocator::Allocator,
    path: &str,
    chain: &[String],
    source: &'a str,
    lines: &LineIndex,
    out: &mut Analysis,
) -> Option<oxc_ast::ast::Program<'a>> {
    let parsed = oxc_parser::Parser::new(allocator, source, source_type_for(path)).parse();
    syntax_errors(path, chain, source, lines, &diagnostics(&parsed), out);
    if parsed.panicked {
        out.abandoned = true;
        return None;
    }
    Some(parsed.program)
}

/// Syntax errors of a parse as (offset, message).
fn diagnostics(parsed: &oxc_parser::ParserReturn<'_>) -> Vec<(u32, String)> {
    parsed
        .diagnostics
        .errors()
        .map(|d| {
            (
                d.labels.first().map_or(0, oxc_span::LabeledSpan::offset),
                d.message.to_string(),
            )
        })
        .collect()
}

fn syntax_errors(
    path: &str,
    chain: &[String],
    source: &str,
    lines: &LineIndex,
    diags: &[(u32, String)],
    out: &mut Analysis,
) {
    for (offset, message) in diags.iter().take(MAX_SYNTAX_ERRORS) {
        let p = lines.position(source, *offset);
        out.incomplete.push(Incomplete::new(
            IncompleteKind::Syntax,
            format!(
                "{}{path}:{}:{}: syntax error: {message}",
                chain_prefix(chain),
                p.line,
                p.column,
            ),
        ));
    }
    if diags.len() > MAX_SYNTAX_ERRORS {
        out.incomplete.push(Incomplete::new(
            IncompleteKind::Syntax,
            format!(
                "{}{path}: {} more syntax errors",
                chain_prefix(chain),
                diags.len() - MAX_SYNTAX_ERRORS
            ),
        ));
    }
}

/// One parse, one semantic build, then every analyzer over the shared [`Ctx`].
fn analyze_source(
    path: &str,
    chain: &[String],
    source: &str,
    opts: &ScanOptions,
    parallel: bool,
    inline_tables: bool,
) -> Analysis {
    let allocator = oxc_allocator::Allocator::default();
    let source_type = source_type_for(path);
    // The line index depends on the bytes only: on a large file it is built
    // on the second core while oxc parses.
    let (parsed, lines) = std::thread::scope(|s| {
        let lines = parallel.then(|| s.spawn(|| LineIndex::new(source)));
        let parsed = oxc_parser::Parser::new(&allocator, source, source_type).parse();
        let lines = match lines.map(std::thread::ScopedJoinHandle::join) {
            Some(Ok(lines)) => lines,
            _ => LineIndex::new(source),
        };
        (parsed, lines)
    });
    let mut out = Analysis::default();
    syntax_errors(path, chain, source, &lines, &diagnostics(&parsed), &mut out);
    if parsed.panicked {
        out.abandoned = true;
        return out;
    }
    let program = parsed.program;
    let sem = build_semantic(&program);
    let ctx = Ctx::new(path, chain, source, &program, &sem.semantic, &lines, opts);
    let mut rest = Vec::new();
    let inlined = if parallel {
        run_split(&ctx, &mut out, &mut rest)
    } else {
        let mut c = covert::analyze_program(&[&ctx]);
        out.findings.append(&mut c.findings[0]);
        out.add_incomplete(c.incomplete.swap_remove(0));
        others(&ctx, &mut rest, &mut out.incomplete)
    };
    out.findings.append(&mut rest);
    if inline_tables && let Some(inlined) = inlined {
        inline_pass(&ctx, &inlined, opts, parallel, &mut out);
    }
    out
}

/// The file again with the string table's strings in place: what the
/// table hid. Positions map back to the original; what the first pass
/// already reported is not repeated.
fn inline_pass(
    ctx: &Ctx<'_>,
    inlined: &strtable::Inlined,
    opts: &ScanOptions,
    parallel: bool,
    out: &mut Analysis,
) {
    let more = analyze_source(ctx.path, ctx.chain, &inlined.source, opts, parallel, false);
    let known: std::collections::HashSet<(plainsight_core::Rule, String)> = out
        .findings
        .iter()
        .map(|f| (f.rule, f.message.clone()))
        .collect();
    for mut f in more.findings {
        if f.rule == plainsight_core::Rule::StringTable
            || known.contains(&(f.rule, f.message.clone()))
        {
            continue;
        }
        for p in [&mut f.location.start, &mut f.location.end] {
            let at = inlined.original_offset(p.offset as u32);
            *p = ctx.lines.position(ctx.source, at);
        }
        f.notes
            .push("found after inlining the string table (see PS203)".into());
        env::list_was_hidden(&mut f);
        out.findings.push(f);
    }
    out.add_incomplete(more.incomplete);
}

/// Several units of one package: one arena, one parse and semantic model per
/// unit, the per-unit analyzers on each, and the covert-channel engine on
/// all of them together.
fn analyze_group(units: &[SourceUnit<'_>], opts: &ScanOptions) -> Vec<Analysis> {
    let allocator = oxc_allocator::Allocator::default();
    let mut outs: Vec<Analysis> = units.iter().map(|_| Analysis::default()).collect();
    let lines: Vec<LineIndex> = units.iter().map(|u| LineIndex::new(u.source)).collect();
    let programs: Vec<Option<oxc_ast::ast::Program<'_>>> = units
        .iter()
        .zip(&lines)
        .zip(outs.iter_mut())
        .map(|((u, l), o)| parse_unit(&allocator, u.path, u.chain, u.source, l, o))
        .collect();
    let sems: Vec<Option<oxc_semantic::SemanticBuilderReturn<'_>>> = programs
        .iter()
        .map(|p| p.as_ref().map(build_semantic))
        .collect();
    let mut ctxs: Vec<(usize, Ctx<'_>)> = Vec::new();
    for (i, u) in units.iter().enumerate() {
        if let (Some(p), Some(sem)) = (&programs[i], &sems[i]) {
            ctxs.push((
                i,
                Ctx::new(u.path, u.chain, u.source, p, &sem.semantic, &lines[i], opts),
            ));
        }
    }
    for (i, ctx) in &ctxs {
        let mut rest = Vec::new();
        let inlined = others(ctx, &mut rest, &mut outs[*i].incomplete);
        outs[*i].findings.append(&mut rest);
        if let Some(inlined) = inlined {
            inline_pass(ctx, &inlined, opts, false, &mut outs[*i]);
        }
    }
    let refs: Vec<&Ctx<'_>> = ctxs.iter().map(|(_, c)| c).collect();
    let c = covert::analyze_program(&refs);
    for (((i, _), mut f), inc) in ctxs.iter().zip(c.findings).zip(c.incomplete) {
        outs[*i].findings.append(&mut f);
        outs[*i].add_incomplete(inc);
    }
    outs
}

/// Sources at least this large get two threads: the line index beside the
/// parse, the covert-channel analysis beside the others. Below it a thread
/// costs more than it saves (and units of a container are already scanned in
/// parallel).
const PARALLEL_MIN_BYTES: usize = 1 << 20;

/// Environment probes, hidden strings and endpoints in ONE pass over the node
/// table: on a large bundle walking 2–3 million nodes is most of their cost.
/// Findings come out in the same order as running them one after another.
fn others(
    ctx: &Ctx<'_>,
    out: &mut Vec<Finding>,
    incomplete: &mut Vec<Incomplete>,
) -> Option<strtable::Inlined> {
    let mut env = env::Pass::new(ctx);
    let mut hidden = hidden::Pass::new(ctx);
    let mut egress = egress::Pass::new();
    let mut tables = strtable::Pass::default();
    for node in ctx.semantic.nodes().iter() {
        env.node(node);
        hidden.node(node);
        egress.node(node);
        tables.node(node);
    }
    env.finish(out);
    hidden.finish(out, incomplete);
    egress.finish(ctx, out);
    tables.finish(ctx, out)
}

/// A [`Ctx`] that may be read from two threads at once.
struct SharedCtx<'c, 'a>(&'c Ctx<'a>);

// SAFETY: `Ctx` is not `Sync` only because oxc's AST nodes hold their scope,
// symbol and reference ids in `Cell`s. The semantic builder fills those cells
// in, and it has returned before a `SharedCtx` is made; from then on nothing
// writes to the AST: the analyzers and oxc_codegen only read it (`Cell::get`),
// and concurrent reads without a writer are not a data race. The oxc
// `Allocator` that owns the AST is not reachable from a `Ctx`, so no thread can
// allocate into the arena. oxc's own `Scoping` and node table are `Sync`.
// Everything else in `Ctx` is shared references to plain data.
#[allow(unsafe_code)]
unsafe impl Sync for SharedCtx<'_, '_> {}

/// Covert-channel analysis on a second thread (with the same large stack),
/// the other analyzers on this one. The result does not depend on scheduling:
/// each side fills its own vector.
fn run_split(
    ctx: &Ctx<'_>,
    out: &mut Analysis,
    rest: &mut Vec<Finding>,
) -> Option<strtable::Inlined> {
    let shared = SharedCtx(ctx);
    let shared = &shared;
    std::thread::scope(|s| {
        let worker = std::thread::Builder::new()
            .name("plainsight-js-covert".into())
            .stack_size(analysis_stack(shared.0.opts.max_depth))
            .spawn_scoped(s, move || covert::analyze_program(&[shared.0]));
        let mut others_incomplete = Vec::new();
        let inlined = others(shared.0, rest, &mut others_incomplete);
        let mut c = match worker.map(std::thread::ScopedJoinHandle::join) {
            Ok(Ok(c)) => c,
            // Could not start a thread: do the work here.
            Err(_) => covert::analyze_program(&[shared.0]),
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
        };
        // Same order as the sequential path: covert first, then the others.
        out.findings.append(&mut c.findings[0]);
        out.add_incomplete(c.incomplete.swap_remove(0));
        out.add_incomplete(others_incomplete);
        inlined
    })
}

/// The one semantic model of a file, as the analyzers need it: the node table
/// (they walk parents and declarations) and nothing else (no control-flow
/// graph, class table, JSDoc or extra syntax checks).
///
/// oxc sizes its tables from a counting pass over the whole AST unless given
/// [`oxc_semantic::Stats`]; that pass is ~10–20% of semantic time on a large
/// bundle. We pass upper bounds from the source length instead (measured on
/// real bundles: ≥ 4 bytes per node, ≥ 100 per scope, ≥ 70 per symbol, ≥ 20
/// per reference; we assume a third to a quarter of that). Capacity that is
/// never written is reserved address space, not resident memory; a file that
/// exceeds a bound only makes a table grow.
pub fn build_semantic<'a>(
    program: &'a oxc_ast::ast::Program<'a>,
) -> oxc_semantic::SemanticBuilderReturn<'a> {
    let len = u32::try_from(program.source_text.len()).unwrap_or(u32::MAX);
    let stats = oxc_semantic::Stats::new(len / 2 + 64, len / 32 + 16, len / 16 + 16, len / 4 + 16);
    oxc_semantic::SemanticBuilder::new()
        .with_build_nodes(true)
        .with_stats(stats)
        .build(program)
}

/// `.mjs` is a module, `.cjs` CommonJS; anything else (bundles are often
/// scripts with a module wrapper, sometimes ESM) is decided by oxc from the
/// presence of `import`/`export`. TypeScript (`.ts`, `.mts`, `.cts`, `.tsx`)
/// is parsed as TypeScript and `.jsx` with JSX, with the same module rule: plain JavaScript
/// parses as TypeScript too, so a unit named after a `.ts` module that holds
/// its transpiled JavaScript (deno executables) reads the same either way.
/// Declarations (`.d.ts`) are not code and parse as plain TypeScript.
fn source_type_for(path: &str) -> SourceType {
    let ext = Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "mjs" => SourceType::mjs(),
        "cjs" => SourceType::cjs(),
        "ts" => SourceType::ts(),
        "mts" => SourceType::ts().with_module(true),
        "cts" => SourceType::cjs().with_typescript(true),
        "tsx" => SourceType::tsx(),
        "jsx" => SourceType::unambiguous().with_jsx(true),
        _ => SourceType::unambiguous(),
    }
}

/// Scan a `.js`/`.mjs`/`.cjs` file or a directory of them.
///
/// A directory is walked recursively in name order. Symbolic links inside it
/// are never followed (they could lead out of the tree or loop); each one is
/// reported as a unit not analysed. A path named explicitly is scanned whatever its
/// extension. Files larger than `max_file_size` and files that are not UTF-8
/// are reported and skipped: JavaScript is UTF-8 in practice, and decoding
/// lossily would shift every byte offset we report. Source maps are skipped.
pub fn scan_path(path: &Path, opts: &ScanOptions) -> Result<ScanOutput, ScanError> {
    let io = |e| ScanError::Io {
        path: path.display().to_string(),
        error: e,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    let mut out = ScanOutput::default();
    if meta.is_dir() {
        walk(path, opts, &mut out).map_err(io)?;
    } else {
        scan_file(path, meta.len(), opts, &mut out);
    }
    Ok(out)
}

fn walk(dir: &Path, opts: &ScanOptions, out: &mut ScanOutput) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for e in entries {
        let p = e.path();
        let ft = match e.file_type() {
            Ok(ft) => ft,
            Err(err) => {
                out.push_unread(
                    &p,
                    IncompleteKind::Unreadable,
                    format!("{}: {err}", p.display()),
                );
                continue;
            }
        };
        if ft.is_symlink() {
            out.push_unread(
                &p,
                IncompleteKind::Unreadable,
                format!("{}: symbolic link not followed", p.display()),
            );
        } else if ft.is_dir() {
            if let Err(err) = walk(&p, opts, out) {
                out.push_unread(
                    &p,
                    IncompleteKind::Unreadable,
                    format!("{}: {err}", p.display()),
                );
            }
        } else if ft.is_file() && is_js_name(&p) {
            let len = e.metadata().map_or(0, |m| m.len());
            scan_file(&p, len, opts, out);
        }
    }
    Ok(())
}

fn is_js_name(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "js" | "mjs" | "cjs"))
}

fn scan_file(p: &Path, len: u64, opts: &ScanOptions, out: &mut ScanOutput) {
    let name = p.display().to_string();
    if len > opts.max_file_size {
        out.push_unread(
            p,
            IncompleteKind::Limit,
            format!(
                "{name}: {len} bytes exceeds max_file_size ({}); not analysed",
                opts.max_file_size
            ),
        );
        return;
    }
    let bytes = match std::fs::read(p) {
        Ok(b) => b,
        Err(e) => {
            out.push_unread(p, IncompleteKind::Unreadable, format!("{name}: {e}"));
            return;
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            let line = 1 + memchr::memchr_iter(b'\n', &bytes[..at]).count();
            let col = 1 + String::from_utf8_lossy(
                &bytes[memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |n| n + 1)..at],
            )
            .chars()
            .count();
            out.push_unread(
                p,
                IncompleteKind::Unreadable,
                format!("{name}:{line}:{col}: not valid UTF-8 at byte offset {at}; not analysed"),
            );
            return;
        }
    };
    let r = scan_source(&name, &[], &text, opts);
    out.files += r.files;
    out.findings.extend(r.findings);
    out.units.extend(r.units);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typescript_units_parse_as_typescript() {
        let ts = "interface P { tz: string }\nconst p: P = { tz: Intl.DateTimeFormat().resolvedOptions().timeZone };\nenum M { A }\nexport const m = <M>M.A;\n";
        for path in ["main.ts", "x.mts", "y.cts", "<vfs>/z.TS"] {
            let out = scan_source(path, &[], ts, &ScanOptions::default());
            assert!(out.problems().is_empty(), "{path}: {:?}", out.problems());
            assert!(!out.findings.is_empty(), "{path}");
        }
        let tsx = "const e = <div title={Intl.DateTimeFormat().resolvedOptions().timeZone} />;\nconst n: number = 1;\n";
        let out = scan_source("v.tsx", &[], tsx, &ScanOptions::default());
        assert!(
            out.problems().is_empty() && !out.findings.is_empty(),
            "{out:?}"
        );
        // deno's transpiled JavaScript keeps the module's `.ts` name.
        let js = "var M = /*#__PURE__*/ function(M) { M[M[\"A\"] = 0] = \"A\"; return M; }(M || {});\nconst tz = Intl.DateTimeFormat().resolvedOptions().timeZone;\n";
        let out = scan_source("main.ts", &[], js, &ScanOptions::default());
        assert!(
            out.problems().is_empty() && !out.findings.is_empty(),
            "{out:?}"
        );
        // Plain JavaScript is unaffected.
        assert!(source_type_for("a.js").is_javascript());
        assert!(source_type_for("a.cts").is_commonjs() && source_type_for("a.cts").is_typescript());
    }

    #[test]
    fn too_deep_is_a_file_error_not_an_abort() {
        let src = format!("x = {}1{};", "[".repeat(100_000), "]".repeat(100_000));
        let out = scan_source("deep.js", &[], &src, &ScanOptions::default());
        let p = out.problems();
        assert_eq!(p.len(), 1);
        assert!(
            p[0].starts_with("deep.js:1:") && p[0].contains(": nesting deeper than 6000 levels"),
            "{p:?}"
        );
        assert_eq!(
            out.units[0].status,
            plainsight_core::AnalysisStatus::NotAnalysed
        );
        assert_eq!(out.units[0].reasons[0].kind, IncompleteKind::TooDeep);
    }

    #[test]
    fn depth_below_limit_parses_on_the_big_stack() {
        // 1900 levels of parentheses overflow an 8 MB stack in a debug build of oxc.
        let src = format!("x = {}1{};", "(".repeat(1900), ")".repeat(1900));
        let out = scan_source("ok.js", &[], &src, &ScanOptions::default());
        assert!(out.problems().is_empty(), "{:?}", out.problems());
        assert!(out.units[0].is_complete());
    }

    #[test]
    fn syntax_errors_have_line_and_column_and_analysis_continues() {
        // oxc gives up on this one: nothing was analysed, and the outcome says so.
        let out = scan_source(
            "bad.js",
            &[],
            "let a = 1;\nlet b = ;\n",
            &ScanOptions::default(),
        );
        let p = out.problems();
        assert!(p[0].starts_with("bad.js:2:9: syntax error"), "{p:?}");
        assert_eq!(
            out.units[0].status,
            plainsight_core::AnalysisStatus::NotAnalysed
        );
        assert_eq!(out.units[0].reasons[0].kind, IncompleteKind::Syntax);
        assert_eq!(out.files, 1);
    }

    #[test]
    fn two_threads_find_exactly_what_one_finds() {
        // Every analyzer has something to report, and the source is large
        // enough that the driver would split it.
        let planted = include_str!("../tests/fixtures/covert/incident_ternary_baseurl.js");
        let mut src = String::from(planted);
        src.push_str(
            "const h = require('os').hostname();\nfetch('https://telemetry.example.com/v1');\n\
             const k = atob('aGVsbG8gd29ybGQsIHRoaXMgaXMgaGlkZGVu');\n",
        );
        while src.len() < PARALLEL_MIN_BYTES {
            src.push_str("function f(a, b) { return a + b * 2 - g(a) || 'x'; }\n");
        }
        let opts = ScanOptions::default();
        let run = |parallel| {
            std::thread::Builder::new()
                .stack_size(analysis_stack(opts.max_depth))
                .spawn({
                    let src = src.clone();
                    let opts = opts.clone();
                    move || analyze_source("big.js", &[], &src, &opts, parallel, true)
                })
                .unwrap()
                .join()
                .unwrap()
        };
        let (a1, a2) = (run(false), run(true));
        let (one, e1, two, e2) = (a1.findings, a1.incomplete, a2.findings, a2.incomplete);
        assert!(e1.is_empty(), "{e1:?}");
        let rules: std::collections::BTreeSet<_> = one.iter().map(|f| f.rule.code()).collect();
        for prefix in ["PS1", "PS2", "PS3", "PS4"] {
            assert!(rules.iter().any(|c| c.starts_with(prefix)), "{rules:?}");
        }
        assert_eq!(one, two);
        assert_eq!(e1, e2);
    }

    #[test]
    fn memory_ceiling_refuses_before_parsing() {
        // A covert file whose analysis would need more than the ceiling is
        // reported not analysed (reason: limit), never clean; under the
        // ceiling the same file is analysed and its finding reported.
        let src = "const h = require('os').hostname();\n\
                   const x = ['a', 'b'][h.length % 2];\n"
            .repeat(50);
        let need = estimated_unit_memory(src.len() as u64);
        let tight = ScanOptions {
            max_unit_memory: need - 1,
            ..ScanOptions::default()
        };
        let out = scan_source("big.js", &["pkg.tgz".to_string()], &src, &tight);
        assert!(out.findings.is_empty());
        assert_eq!(out.units.len(), 1);
        let u = &out.units[0];
        assert_eq!(u.status, plainsight_core::AnalysisStatus::NotAnalysed);
        assert_eq!(u.reasons[0].kind, IncompleteKind::Limit);
        assert!(
            u.reasons[0].message.starts_with("pkg.tgz › big.js: ")
                && u.reasons[0].message.contains("max_unit_memory"),
            "{}",
            u.reasons[0].message
        );
        let roomy = ScanOptions {
            max_unit_memory: need,
            ..ScanOptions::default()
        };
        let out = scan_source("big.js", &[], &src, &roomy);
        assert_eq!(
            out.units[0].status,
            plainsight_core::AnalysisStatus::Analysed
        );
    }

    #[test]
    fn scan_path_walks_skips_and_reports() {
        let dir = std::env::temp_dir().join(format!("plainsight-js-walk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("a.js"), "var a = 1;").unwrap();
        std::fs::write(dir.join("sub/b.mjs"), "export const b = 2;").unwrap();
        std::fs::write(dir.join("sub/b.js.map"), "{}").unwrap();
        std::fs::write(dir.join("c.cjs"), b"var c = '\xff';").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("/etc", dir.join("link")).unwrap();
        let opts = ScanOptions {
            max_file_size: 1 << 20,
            ..ScanOptions::default()
        };
        let out = scan_path(&dir, &opts).unwrap();
        assert_eq!(out.files, 2);
        let msgs = out.problems();
        assert!(
            msgs.iter()
                .any(|m| m.contains("c.cjs:1:10: not valid UTF-8 at byte offset 9")),
            "{msgs:?}"
        );
        #[cfg(unix)]
        assert!(
            msgs.iter()
                .any(|m| m.ends_with("link: symbolic link not followed")),
            "{msgs:?}"
        );
        let small = ScanOptions {
            max_file_size: 5,
            ..ScanOptions::default()
        };
        let out = scan_path(&dir.join("a.js"), &small).unwrap();
        assert!(out.problems()[0].contains("exceeds max_file_size"));
        assert!(scan_path(&dir.join("missing.js"), &opts).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
