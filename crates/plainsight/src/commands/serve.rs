//! `plainsight serve`: the web view of an audit store or of a report file.
//! Wiring only: pick the source, decide access, run the router of
//! `plainsight-web` on a tokio runtime until Ctrl-C.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::{Context, bail};
use plainsight_core::chars::escape;
use plainsight_store::{OpenMode, StoreUrl};
use plainsight_web::{Access, App, AppOptions, ReportFile, Source};

use crate::Outcome;

/// Serve a web view of an audit store (exchanges, findings, drift) or of a
/// `scan`/`probe` JSON report.
///
/// Listens on loopback by default. Any other address needs a token: give
/// one with PLAINSIGHT_SERVE_TOKEN or --token-file, or one is made up and
/// printed once in the URL to open.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A report written by `plainsight scan|probe --format json` to show
    /// instead of an audit store.
    #[arg(value_name = "REPORT.json", conflicts_with = "store")]
    pub report: Option<PathBuf>,
    /// Audit store: `sqlite:PATH` (default under ~/.local/share/plainsight)
    /// or `postgres://…`.
    #[arg(long, value_name = "URL")]
    pub store: Option<String>,
    /// Address to listen on (port 0: any free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8789")]
    pub listen: String,
    /// File holding the access token (first line). Default: the
    /// PLAINSIGHT_SERVE_TOKEN variable; off loopback, a random one.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Largest report file read.
    #[arg(long, value_parser = super::parse_size, value_name = "BYTES", default_value = "1G")]
    pub max_size: u64,
}

/// The token, if one was given.
fn given_token(flag: &str, token_file: Option<&std::path::Path>) -> anyhow::Result<Option<String>> {
    if let Some(p) = token_file {
        let s = std::fs::read_to_string(p).with_context(|| format!("{flag} {}", p.display()))?;
        let t = s.lines().next().unwrap_or("").trim().to_owned();
        if t.len() < 16 {
            bail!(
                "{flag} {}: the token must be at least 16 characters",
                p.display()
            );
        }
        return Ok(Some(t));
    }
    match std::env::var("PLAINSIGHT_SERVE_TOKEN") {
        Ok(t) if t.trim().len() >= 16 => Ok(Some(t.trim().to_owned())),
        Ok(t) if !t.trim().is_empty() => {
            bail!("PLAINSIGHT_SERVE_TOKEN: the token must be at least 16 characters")
        }
        _ => Ok(None),
    }
}

fn token_ok(t: &str) -> bool {
    t.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
}

fn source(args: &Args) -> anyhow::Result<Source> {
    if let Some(p) = &args.report {
        let meta = std::fs::metadata(p).with_context(|| format!("{}", p.display()))?;
        if meta.len() > args.max_size {
            bail!(
                "{}: {} bytes is over the --max-size of {} bytes",
                p.display(),
                meta.len(),
                args.max_size
            );
        }
        let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
        let name = p.display().to_string();
        let file = ReportFile::parse(&name, &bytes)?;
        return Ok(Source::Report {
            file: Box::new(file),
            display: name,
        });
    }
    let url = match &args.store {
        Some(s) => StoreUrl::parse(s)?,
        None => StoreUrl::default_sqlite(),
    };
    store_source(&url)
}

/// The access token for a view on `addr`: the one given (`token_file`, named
/// `flag` in errors, else
/// PLAINSIGHT_SERVE_TOKEN), else none on loopback, else a random one.
pub(crate) fn token_for(
    addr: SocketAddr,
    flag: &str,
    token_file: Option<&std::path::Path>,
) -> anyhow::Result<Option<String>> {
    let token = match given_token(flag, token_file)? {
        Some(t) => Some(t),
        None if addr.ip().is_loopback() => None,
        None => Some(plainsight_store::random_hex(16)?),
    };
    if let Some(t) = &token
        && !token_ok(t)
    {
        bail!("the token may only hold letters, digits and - _ . ~");
    }
    Ok(token)
}

/// A bound web view: the listener, the app, and the URL to open.
pub(crate) struct Bound {
    pub listener: tokio::net::TcpListener,
    pub app: std::sync::Arc<App>,
    pub url: String,
}

/// Binds `addr` and builds the app for `source` (inside a tokio runtime).
pub(crate) async fn bind(
    source: Source,
    addr: SocketAddr,
    token: Option<String>,
) -> anyhow::Result<Bound> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr}"))?;
    let local = listener.local_addr()?;
    let access = match &token {
        Some(t) => Access::token(t.clone(), local.port()),
        None => Access::loopback(local.port()),
    };
    let app = App::new(
        source,
        AppOptions {
            base: String::new(),
            access,
        },
    );
    let host = if local.ip().is_unspecified() {
        "127.0.0.1".to_owned()
    } else {
        local.ip().to_string()
    };
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host
    };
    let url = match &token {
        Some(t) => format!("http://{host}:{}/?token={t}", local.port()),
        None => format!("http://{host}:{}/", local.port()),
    };
    Ok(Bound { listener, app, url })
}

/// Serves a bound view until `stop` resolves, then ends its live streams.
pub(crate) async fn serve_until(
    bound: Bound,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let router = bound.app.router();
    let stopper = bound.app.clone();
    axum::serve(bound.listener, router)
        .with_graceful_shutdown(async move {
            stop.await;
            stopper.shutdown();
        })
        .await
        .context("serving")
}

/// The store view the guard's `--ui` shows: the same pages as `serve --store`.
pub(crate) fn store_source(url: &StoreUrl) -> anyhow::Result<Source> {
    let store = plainsight_store::open(url, OpenMode::Read)?;
    Ok(Source::Store {
        store: Mutex::new(store),
        display: url.display(),
    })
}

pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let addr: SocketAddr = args.listen.parse().with_context(|| {
        format!(
            "--listen {}: not an address such as 127.0.0.1:8789",
            args.listen
        )
    })?;
    let token = token_for(addr, "--token-file", args.token_file.as_deref())?;
    let source = source(args)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("plainsight-serve")
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async move {
        let bound = bind(source, addr, token).await?;
        let _ = writeln!(
            std::io::stderr().lock(),
            "plainsight serve: {} (Ctrl-C to stop)",
            escape(&bound.url)
        );
        serve_until(bound, shutdown_signal()).await
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
    let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
    else {
        let _ = ctrl_c.await;
        return;
    };
    tokio::select! {
        _ = ctrl_c => {}
        _ = term.recv() => {}
    }
}
