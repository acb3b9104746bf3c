//! `plainsight guard`: run the gateway. Wiring only: flags over the config
//! file, a tokio runtime, and an event sink that prints to stderr — by
//! default only what needs a human (alerts, blocks, normalisations,
//! refusals, drift, store trouble): quiet on clean traffic.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use plainsight_core::chars::escape;
use plainsight_guard::config::{TlsFiles, parse_annotate, parse_store_failure};
use plainsight_guard::{Event, EventSink, GuardConfig, Mode, Upstream};
use plainsight_store::StoreUrl;

use super::{SeverityArg, parse_size};
use crate::Outcome;

/// Run a gateway between agents and providers that inspects every request,
/// applies a policy on covert markers and writes an audit log.
///
/// Point an agent's base URL at the guard (ANTHROPIC_BASE_URL,
/// OPENAI_BASE_URL, GOOGLE_GEMINI_BASE_URL…); the guard forwards to the
/// configured upstreams only. Stop with Ctrl-C.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Config file (TOML); flags override it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// An upstream: `URL`, `anthropic=URL`, `openai=URL`, `gemini=URL`, or
    /// `/prefix=URL`. Repeatable; replaces the config file's list.
    #[arg(long, value_name = "SPEC")]
    pub upstream: Vec<String>,
    /// What to do with requests that carry alerts.
    #[arg(long, value_enum, value_name = "MODE")]
    pub policy: Option<PolicyArg>,
    /// Findings at or above this severity are alerts.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub alert_at: Option<SeverityArg>,
    /// Audit store: `sqlite:PATH` (default under ~/.local/share/plainsight)
    /// or `postgres://…`.
    #[arg(long, value_name = "URL")]
    pub store: Option<String>,
    /// When the store cannot write: `closed` refuses requests (default),
    /// `open` forwards them unlogged and says so.
    #[arg(long, value_name = "closed|open")]
    pub store_failure: Option<String>,
    /// `observe` answers: `ready` sends the answer as soon as the provider's
    /// head arrives, with `x-plainsight-alerts` if inspection has finished
    /// by then (else `x-plainsight-inspection: pending`); `wait` holds the
    /// head until inspection has finished, so the header is always there.
    #[arg(long, value_name = "ready|wait")]
    pub annotate: Option<String>,
    /// Largest request body accepted.
    #[arg(long, value_parser = parse_size, value_name = "BYTES")]
    pub max_body: Option<u64>,
    /// Name of this guard in the audit log (default: host name).
    #[arg(long)]
    pub name: Option<String>,
    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// Private key (PEM) for --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Print one line for every exchange, not only for alerts.
    #[arg(long)]
    pub verbose: bool,
    /// Also serve the web view of the audit log (the pages of `plainsight
    /// serve --store`) on a second listener: ADDR, by default
    /// 127.0.0.1:8789. Off loopback it needs a token, as `serve` does.
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "127.0.0.1:8789")]
    pub ui: Option<String>,
    /// File holding the web view's access token (first line); default
    /// PLAINSIGHT_SERVE_TOKEN, off loopback a random one.
    #[arg(long, value_name = "FILE", requires = "ui")]
    pub ui_token_file: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PolicyArg {
    Observe,
    Block,
    Normalize,
}

impl Args {
    fn config(&self) -> anyhow::Result<GuardConfig> {
        let mut cfg = match &self.config {
            Some(p) => GuardConfig::from_file(p)?,
            None => GuardConfig::new(StoreUrl::default_sqlite()),
        };
        if let Some(l) = &self.listen {
            cfg.listen = l
                .parse()
                .with_context(|| format!("--listen {l}: not an address such as 127.0.0.1:8788"))?;
        }
        if !self.upstream.is_empty() {
            cfg.upstreams = self
                .upstream
                .iter()
                .map(|u| Upstream::parse(u).map_err(anyhow::Error::msg))
                .collect::<anyhow::Result<_>>()?;
        }
        if let Some(p) = self.policy {
            cfg.policy.mode = match p {
                PolicyArg::Observe => Mode::Observe,
                PolicyArg::Block => Mode::Block,
                PolicyArg::Normalize => Mode::Normalize,
            };
        }
        if let Some(a) = self.alert_at {
            cfg.policy.alert_at = a.into();
        }
        if let Some(s) = &self.store {
            cfg.store = StoreUrl::parse(s)?;
        }
        if let Some(f) = &self.store_failure {
            cfg.store_failure = parse_store_failure(f).map_err(anyhow::Error::msg)?;
        }
        if let Some(a) = &self.annotate {
            cfg.annotate = parse_annotate(a).map_err(anyhow::Error::msg)?;
        }
        if let Some(m) = self.max_body {
            cfg.max_body = usize::try_from(m).context("--max-body is too large")?;
        }
        if let Some(n) = &self.name {
            cfg.name.clone_from(n);
        }
        if let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) {
            cfg.tls = Some(TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            });
        }
        Ok(cfg)
    }
}

/// Prints events to stderr, escaped like every other output.
struct Printer {
    verbose: bool,
}

impl Printer {
    fn line(s: &str) {
        let _ = writeln!(std::io::stderr().lock(), "{}", escape(s));
    }
}

impl EventSink for Printer {
    fn event(&self, e: &Event) {
        match e {
            Event::Listening { addr, tls } => {
                let scheme = if *tls { "https" } else { "http" };
                Printer::line(&format!("plainsight guard: listening on {scheme}://{addr}"));
            }
            Event::Exchange(x) => {
                let id = x.id.map_or_else(|| "-".to_owned(), |i| format!("#{i}"));
                let head = format!("{} {id} {} {} ({}): ", x.action, x.method, x.path, x.agent);
                if x.alerts.is_empty() {
                    if self.verbose || x.action != plainsight_store::Action::Forwarded {
                        Printer::line(&format!(
                            "{head}{}",
                            x.reason.as_deref().unwrap_or("no alert")
                        ));
                    }
                    return;
                }
                for f in &x.alerts {
                    let chars: Vec<String> = f
                        .chars
                        .iter()
                        .map(|c| format!("{} {}", c.codepoint, c.name))
                        .collect();
                    Printer::line(&format!(
                        "{head}{} {} {}: {} at {} {}:{}{}",
                        f.severity,
                        f.rule.code(),
                        f.rule.name(),
                        f.message,
                        f.location.part.as_deref().unwrap_or("body"),
                        f.location.start.line,
                        f.location.start.column,
                        if chars.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", chars.join(", "))
                        }
                    ));
                }
                if x.edits > 0 {
                    Printer::line(&format!("{head}{} edit(s) made", x.edits));
                }
            }
            Event::Drift { id, agent, finding } => {
                Printer::line(&format!(
                    "drift #{id} ({agent}): {} {}: {}",
                    finding.rule.code(),
                    finding.severity,
                    finding.message
                ));
                for n in &finding.notes {
                    Printer::line(&format!("    {n}"));
                }
            }
            Event::StoreError(m) => Printer::line(&format!("plainsight guard: audit store: {m}")),
            Event::StoreRecovered => {
                Printer::line("plainsight guard: audit store reachable again");
            }
            Event::FailedOpen { path, error } => Printer::line(&format!(
                "plainsight guard: forwarded {path} WITHOUT an audit row (store_failure = open): {error}"
            )),
            _ => {}
        }
    }
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let cfg = args.config()?;
    cfg.validate()?;
    let ui = match &args.ui {
        Some(a) => {
            let addr: std::net::SocketAddr = a
                .parse()
                .with_context(|| format!("--ui {a}: not an address such as 127.0.0.1:8789"))?;
            let token =
                super::serve::token_for(addr, "--ui-token-file", args.ui_token_file.as_deref())?;
            Some((addr, token))
        }
        None => None,
    };
    let store_url = cfg.store.clone();
    let printer = Arc::new(Printer {
        verbose: args.verbose,
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("plainsight-guard")
        .build()
        .context("starting the async runtime")?;
    let ups: Vec<String> = cfg
        .upstreams
        .iter()
        .map(|u| {
            let tag = u
                .prefix
                .clone()
                .or_else(|| u.family.map(|f| f.as_str().to_owned()))
                .unwrap_or_else(|| "default".into());
            format!("{tag} → {}", u.url())
        })
        .collect();
    let store = cfg.store.display();
    let policy = format!(
        "{} (alerts at {} and above)",
        cfg.policy.mode, cfg.policy.alert_at
    );
    rt.block_on(async move {
        let guard = plainsight_guard::start(cfg, printer).await?;
        Printer::line(&format!(
            "plainsight guard: upstreams {}; audit store {store}; policy {policy}",
            ups.join(", ")
        ));
        // The web view reads the store the guard writes (opened after the
        // guard, which creates it), on its own listener and connection.
        let (stop_ui, ui_stopped) = tokio::sync::oneshot::channel::<()>();
        let ui_task = match ui {
            Some((addr, token)) => {
                let source = super::serve::store_source(&store_url)
                    .context("--ui: opening the audit store for reading")?;
                let bound = super::serve::bind(source, addr, token)
                    .await
                    .context("--ui")?;
                Printer::line(&format!("plainsight guard: web view on {}", bound.url));
                Some(tokio::spawn(super::serve::serve_until(bound, async move {
                    let _ = ui_stopped.await;
                })))
            }
            None => None,
        };
        shutdown_signal().await;
        Printer::line("plainsight guard: stopping (waiting up to 5 s for open exchanges)");
        let _ = stop_ui.send(());
        guard.shutdown(Duration::from_secs(5)).await;
        if let Some(t) = ui_task {
            let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
        }
        anyhow::Ok(())
    })?;
    Ok(Outcome {
        stdout: Vec::new(),
        findings_over_threshold: false,
        incomplete: None,
        allow_incomplete: false,
    })
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        else {
            let _ = ctrl_c.await;
            return;
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
