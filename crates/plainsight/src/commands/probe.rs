//! `plainsight probe`: run the agent in a sealed sandbox under an
//! environment matrix against a mock provider, and report every
//! imperceptible difference in what it sends. Wiring only: the sandbox, the
//! matrix and the judging are in `plainsight-probe`; the guiding scan is
//! `scan`'s own pipeline.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use plainsight_artifact::{Limits, OpenOptions};
use plainsight_core::Report;
use plainsight_probe::experiment::{self, ExperimentError};
use plainsight_probe::guide::{self, Guidance};
use plainsight_probe::matrix::{DEFAULT_PORTS, RunConfig, Target};
use plainsight_probe::profile::{self, Profile};
use plainsight_probe::run::Helper;
use plainsight_providers::Family;

use super::OutputArgs;
use crate::Outcome;

/// Run an agent in a sealed sandbox and find imperceptible differences in what it sends.
///
/// THIS RUNS THE AGENT, by design, but only inside the sandbox: fresh user,
/// mount, network, UTS and PID namespaces with loopback only (nothing can
/// leave the machine), every name answered by our DNS, every connection
/// captured (TLS terminated with a CA made for this run), and a mock
/// provider answering. The agent runs as an ordinary user with no
/// capabilities, once per cell of an environment matrix (base-URL host, time
/// zone, locale, host and user name, CI, MAC, git identity, proxy, and what
/// a scan of the same code says it reads and compares); what it sends is
/// aligned across cells and every imperceptible difference is reported.
///
/// TARGET is `npm:<name>[@version]` (fetched, verified, laid out without
/// running lifecycle scripts, its bin run with the profile's prompt) or,
/// after `--`, any command line: `plainsight probe -- node ./cli.js -p hi`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// npm:<name>[@version], or after `--` the agent's command line.
    #[arg(value_name = "TARGET", required = true, num_args = 1..)]
    pub target: Vec<String>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Agent profile (claude-code, codex, gemini-cli, qwen-code, opencode, generic); detected by default.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Variable carrying the provider base URL (repeatable; overrides the profile's).
    #[arg(long, value_name = "VAR")]
    pub base_url_env: Vec<String>,
    /// Prompt given to npm: targets (command lines are run as given).
    #[arg(long, default_value = profile::DEFAULT_PROMPT)]
    pub prompt: String,
    /// Write every captured exchange of every cell as HAR.
    #[arg(long, value_name = "FILE")]
    pub har: Option<PathBuf>,
    /// Wall-clock budget for the whole matrix, seconds (the A/A pair always runs).
    #[arg(long, default_value_t = 45, value_name = "SECS")]
    pub budget: u64,
    /// Wall-clock limit of one agent run, seconds (the run is killed with its process tree).
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub timeout: u64,
    /// Agent runs at once (default: cores + 1).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<NonZeroUsize>,
    /// Do not scan the agent first (no scan-guided dimensions or values).
    #[arg(long)]
    pub no_scan: bool,
    /// Most values explored per dimension that changed the output.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub max_values: usize,
    #[command(flatten)]
    pub fetch: super::FetchArgs,
    /// Largest request body kept per exchange.
    #[arg(long, value_parser = super::parse_size, default_value = "16M", value_name = "BYTES")]
    pub max_body: u64,
}

struct Resolved {
    display: String,
    target: Target,
    profile: &'static Profile,
    scan_inputs: Vec<String>,
    notices: Vec<String>,
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let open = args.fetch.open_options(Limits::default(), None);
    let resolved = resolve(args, &open)?;
    let profile = match &args.profile {
        Some(n) => profile::by_name(n).with_context(|| {
            let names: Vec<&str> = profile::PROFILES.iter().map(|p| p.name).collect();
            format!(
                "--profile {n}: unknown profile (known: {})",
                names.join(", ")
            )
        })?,
        None => resolved.profile,
    };
    let ca = plainsight_probe::tls::new_run_ca().context("making the run's CA")?;
    let (base_url_env, key_env, default_base) = base_config(profile, &args.base_url_env);
    let (scheme, rest) = default_base
        .split_once("://")
        .unwrap_or(("https", default_base));
    let base_path = rest.find('/').map_or("", |i| &rest[i..]).to_owned();
    let cfg = RunConfig {
        profile,
        base_url_env,
        base_scheme: scheme.to_owned(),
        base_port: None,
        base_path,
        key_env,
        prompt: args.prompt.clone(),
        ca_cert_pem: ca.cert_pem,
        ca_key_pem: ca.key_pem,
        ports: DEFAULT_PORTS.to_vec(),
        timeout_ms: args.timeout * 1000,
        max_body: args.max_body as usize,
        max_output: 256 * 1024,
        max_exchanges: 2000,
    };
    let work = tempfile::Builder::new()
        .prefix("plainsight-probe-")
        .tempdir()
        .context("creating a work directory")?;
    let jobs = args.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(2, NonZeroUsize::get) + 1,
        NonZeroUsize::get,
    );
    let opts = experiment::Options {
        helper: Helper::current().context("locating the plainsight executable")?,
        jobs,
        budget: Duration::from_secs(args.budget),
        work_root: work.path().to_owned(),
        max_values: args.max_values,
        group_cells: 4,
        env_group: 12,
    };
    let scan_inputs = resolved.scan_inputs.clone();
    let no_scan = args.no_scan;
    let scan_open = open.clone();
    let scan_started = std::time::Instant::now();
    let guidance = move || -> Guidance {
        if no_scan || scan_inputs.is_empty() {
            return Guidance::default();
        }
        let js = plainsight_js::ScanOptions::default();
        match super::scan::scan_all(&scan_inputs, &scan_open, &js, 1) {
            Ok(r) => {
                let mut g = guide::from_findings(&r.findings);
                g.notes.push(format!(
                    "guiding scan of {} took {:.1} s: {} finding(s)",
                    scan_inputs.join(", "),
                    scan_started.elapsed().as_secs_f64(),
                    r.findings.len()
                ));
                g
            }
            Err(e) => Guidance {
                notes: vec![format!(
                    "guiding scan failed ({e:#}); the fixed matrix ran alone"
                )],
                ..Guidance::default()
            },
        }
    };
    let obs = match experiment::run(&cfg, &resolved.target, guidance, &opts) {
        Ok(o) => o,
        Err(ExperimentError::Sandbox(f)) if f.refused => bail!(
            "{}: the sandbox could not be built: step `{}` refused: {}",
            resolved.display,
            f.step,
            f.message
        ),
        Err(e) => bail!("{}: {e}", resolved.display),
    };
    let mut report = Report {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        inputs: vec![resolved.display.clone()],
        ..Report::default()
    };
    report.findings = plainsight_probe::findings::build(&obs, &resolved.display);
    report.matrix = Some(plainsight_probe::view::probe_matrix(&obs));
    report.notices.extend(resolved.notices);
    report.notices.push(format!(
        "profile {} ({}); {} cell(s) run in {:.1} s, {} at a time",
        profile.name,
        profile.label,
        obs.cells.len(),
        obs.wall.as_secs_f64(),
        jobs
    ));
    report.notices.extend(obs.guidance.notes.iter().cloned());
    let g = &obs.guidance;
    if !(g.domains.is_empty() && g.zones.is_empty() && g.env_vars.is_empty()) {
        report.notices.push(format!(
            "scan-guided: {} host domain(s), {} keyword(s), {} zone(s), {} variable(s), {} file(s) added to the matrix",
            g.domains.len(),
            g.keywords.len(),
            g.zones.len(),
            g.env_vars.len(),
            g.files.len()
        ));
    }
    if !obs.changing.is_empty() {
        let names: Vec<String> = obs.changing.iter().map(ToString::to_string).collect();
        report.notices.push(format!(
            "dimensions that changed what was sent imperceptibly: {}",
            names.join(", ")
        ));
    }
    if !obs.conjunctions.is_empty() {
        let names: Vec<String> = obs
            .conjunctions
            .iter()
            .map(|(a, b)| format!("the {b} while the {a} is at a triggering value"))
            .collect();
        report.notices.push(format!(
            "changed what was sent only in combination: {}",
            names.join("; ")
        ));
    }
    if !obs.noise.summary.is_empty() {
        let mut s: Vec<String> = obs.noise.summary.iter().take(12).cloned().collect();
        if obs.noise.summary.len() > 12 {
            s.push(format!("… {} more", obs.noise.summary.len() - 12));
        }
        report.notices.push(format!(
            "masked as run-to-run noise (differs between identical runs): {}",
            s.join("; ")
        ));
    }
    report.notices.extend(obs.notes.iter().cloned());
    report.sort();
    if let Some(path) = &args.har {
        let entries: Vec<(&str, &plainsight_probe::record::Exchange)> = obs
            .cells
            .iter()
            .flat_map(|c| {
                c.result
                    .exchanges
                    .iter()
                    .map(move |e| (c.label.as_str(), e))
            })
            .collect();
        let har = plainsight_probe::har::to_har(&entries, env!("CARGO_PKG_VERSION"));
        let text = serde_json::to_vec_pretty(&har)?;
        let tmp = path.with_extension("har.partial");
        std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    }
    args.output.finish(&report)
}

/// Base-URL variables with their paths, key variables, and the provider's own base URL.
fn base_config(
    profile: &Profile,
    user_vars: &[String],
) -> (Vec<(String, String)>, Vec<String>, &'static str) {
    let path_of = |url: &str| {
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        rest.find('/')
            .map_or(String::new(), |i| rest[i..].to_owned())
    };
    if profile.name != "generic" && user_vars.is_empty() {
        let p = path_of(profile.default_base_url);
        return (
            profile
                .base_url_env
                .iter()
                .map(|v| ((*v).to_owned(), p.clone()))
                .collect(),
            profile.key_env.iter().map(|s| (*s).to_owned()).collect(),
            profile.default_base_url,
        );
    }
    let family_of = |v: &str| {
        let u = v.to_ascii_uppercase();
        if u.contains("ANTHROPIC") || u.contains("CLAUDE") {
            Family::Anthropic
        } else if u.contains("GEMINI") || u.contains("GOOGLE") {
            Family::Gemini
        } else {
            Family::OpenAi
        }
    };
    let family = user_vars.first().map_or(profile.family, |v| family_of(v));
    let (_, default_url, _) = profile::generic_base(family);
    let mut vars: Vec<(String, String)> = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    for f in [Family::Anthropic, Family::OpenAi, Family::Gemini] {
        let (v, url, k) = profile::generic_base(f);
        for var in v {
            vars.push(((*var).to_owned(), path_of(url)));
        }
        keys.extend(k.iter().map(|s| (*s).to_owned()));
    }
    for u in user_vars {
        let (_, url, _) = profile::generic_base(family_of(u));
        vars.retain(|(v, _)| v != u);
        vars.push((u.clone(), path_of(url)));
    }
    (vars, keys, default_url)
}

fn resolve(args: &Args, open: &OpenOptions) -> anyhow::Result<Resolved> {
    let first = &args.target[0];
    if args.target.len() == 1 && first.starts_with("npm:") {
        return resolve_npm(first, open);
    }
    let cwd = std::env::current_dir().context("reading the current directory")?;
    let argv = args.target.clone();
    let mut keep = vec![cwd.display().to_string()];
    let mut scan_inputs = Vec::new();
    for a in &argv {
        let p = cwd.join(a);
        if p.is_file() {
            let abs = p.canonicalize().unwrap_or(p);
            if let Some(parent) = abs.parent() {
                keep.push(parent.display().to_string());
            }
            let stop = cwd.canonicalize().unwrap_or_else(|_| cwd.clone());
            scan_inputs.push(package_root(&abs, &stop).display().to_string());
        }
    }
    // The program itself, when given by path.
    let prog = Path::new(&argv[0]);
    if prog.components().count() > 1 && cwd.join(prog).exists() {
        keep.push(
            cwd.join(prog)
                .parent()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        );
    }
    scan_inputs.dedup();
    let profile = profile::for_command(&argv).unwrap_or_else(profile::generic);
    Ok(Resolved {
        display: argv.join(" "),
        target: Target {
            argv,
            add_profile_args: false,
            cwd: cwd.display().to_string(),
            keep_paths: keep,
            path_env: std::env::var("PATH")
                .unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into()),
        },
        profile,
        scan_inputs,
        notices: Vec::new(),
    })
}

/// What the guiding scan reads for a script: the nearest directory above it
/// holding a `package.json` (at most 3 levels up), else the script's own
/// directory (modules beside it) — never the working directory itself or
/// anything above it, which may hold unrelated code.
fn package_root(script: &Path, stop: &Path) -> PathBuf {
    let below = |d: &Path| d != stop && d.starts_with(stop);
    let mut dir = script.parent();
    for _ in 0..3 {
        let Some(d) = dir else { break };
        if !below(d) {
            break;
        }
        if d.join("package.json").is_file() {
            return d.to_owned();
        }
        dir = d.parent();
    }
    match script.parent() {
        Some(d) if below(d) => d.to_owned(),
        _ => script.to_owned(),
    }
}

fn resolve_npm(spec: &str, open: &OpenOptions) -> anyhow::Result<Resolved> {
    let bare = spec.strip_prefix("npm:").unwrap_or(spec);
    let fetched = plainsight_artifact::npm::fetch(bare, open).map_err(anyhow::Error::new)?;
    let cache = open
        .cache_dir
        .clone()
        .or_else(plainsight_artifact::cache::Cache::default_dir)
        .unwrap_or_else(std::env::temp_dir);
    let plat_key = fetched
        .platform
        .as_ref()
        .map(|(n, v, _, _)| format!("+{n}@{v}"))
        .unwrap_or_default();
    let root = cache.join("probe-agents").join(format!(
        "{}@{}{plat_key}",
        fetched.name.replace('/', "+"),
        fetched.version
    ));
    let modules = root.join("node_modules");
    let pkg_dir = modules.join(&fetched.name);
    let done = root.join(".complete");
    let mut notices = fetched.notices.clone();
    if !done.exists() {
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&pkg_dir)
            .with_context(|| format!("creating {}", pkg_dir.display()))?;
        let limits = Limits::default();
        notices.extend(
            plainsight_artifact::layout::unpack_npm(
                spec,
                fetched.tarball.bytes(),
                &pkg_dir,
                &limits,
            )
            .map_err(anyhow::Error::new)?,
        );
        if let Some((name, _, data, _)) = &fetched.platform {
            let d = modules.join(name);
            std::fs::create_dir_all(&d)?;
            notices.extend(
                plainsight_artifact::layout::unpack_npm(name, data.bytes(), &d, &limits)
                    .map_err(anyhow::Error::new)?,
            );
        }
        std::fs::write(&done, b"")?;
    }
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(pkg_dir.join("package.json"))
            .with_context(|| format!("{spec}: reading package.json"))?,
    )
    .with_context(|| format!("{spec}: package.json"))?;
    let profile = profile::for_package(&fetched.name).unwrap_or_else(profile::generic);
    let bin = match &manifest["bin"] {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(m) => m
            .iter()
            .find(|(k, _)| profile.commands.contains(&k.as_str()))
            .or_else(|| m.iter().next())
            .and_then(|(_, v)| v.as_str())
            .map(str::to_owned)
            .with_context(|| format!("{spec}: package.json has an empty `bin`"))?,
        _ => bail!("{spec}: package.json has no `bin` to run"),
    };
    let mut bin_path = pkg_dir.join(bin.trim_start_matches("./"));
    let mut head =
        std::fs::read(&bin_path).with_context(|| format!("{spec}: bin {}", bin_path.display()))?;
    // A bin that is neither an executable nor a script with a shebang is a
    // placeholder the install script replaces with the platform package's
    // executable (scripts are not run here): run that executable instead.
    if !head.starts_with(b"\x7fELF")
        && !head.starts_with(b"#!")
        && let Some((name, _, _, _)) = &fetched.platform
    {
        let stem = std::path::Path::new(&bin)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let candidate = modules.join(name).join(&stem);
        let mut magic = [0u8; 4];
        let read = std::fs::File::open(&candidate)
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic));
        if read.is_ok() && &magic == b"\x7fELF" {
            notices.push(format!(
                "the package's bin {bin} is a placeholder its install script replaces (scripts are not run); {name}'s {stem} is run instead"
            ));
            bin_path = candidate;
            head = magic.to_vec();
        }
    }
    let is_node = head.starts_with(b"#!")
        && head
            .iter()
            .take(80)
            .collect::<Vec<_>>()
            .windows(4)
            .any(|w| w == [&b'n', &b'o', &b'd', &b'e'])
        || [".js", ".mjs", ".cjs"].iter().any(|e| bin.ends_with(e));
    let argv = if is_node {
        vec!["node".to_owned(), bin_path.display().to_string()]
    } else {
        vec![bin_path.display().to_string()]
    };
    let mut scan_inputs = vec![spec.to_owned()];
    if fetched.platform.is_some() {
        notices.push(format!(
            "{spec}: platform package laid out beside the launcher in {}",
            modules.display()
        ));
    }
    scan_inputs.dedup();
    Ok(Resolved {
        display: format!("npm:{}@{}", fetched.name, fetched.version),
        target: Target {
            argv,
            add_profile_args: true,
            cwd: "~".to_owned(),
            keep_paths: vec![root.display().to_string()],
            path_env: std::env::var("PATH")
                .unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into()),
        },
        profile,
        scan_inputs,
        notices,
    })
}
