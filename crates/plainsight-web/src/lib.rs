//! plainsight's web view: the audit log, probe matrices and scan reports
//! as server-rendered pages, for `plainsight serve`, `plainsight guard
//! --ui` (same router, mounted under a prefix) and `--format html`.
//!
//! Why it is built this way:
//! - **Server-rendered, templates checked at compile time** (askama): a
//!   page is a view model plus a template; a field that does not exist, or
//!   a value of the wrong type for a filter, does not compile. No npm, no
//!   build step; CSS and the one small script are embedded in the binary
//!   ([`assets`]) under content-hashed names.
//! - **Every agent string is hostile** ([`markup`]): the configured escaper
//!   of every template HTML-escapes and writes hidden characters out, and
//!   markup enters a page only as [`markup::Markup`], which only escaping
//!   functions build. Pages carry a strict Content-Security-Policy
//!   ([`security`]): scripts and styles from this server only, nothing
//!   inline, no images, no frames, no plugins.
//! - **Access** ([`security::Access`]): loopback by default, with the Host
//!   header checked (a DNS-rebinding page cannot read the log); any other
//!   address needs a token, given once in the URL and kept in an HttpOnly,
//!   SameSite=Strict cookie, or sent as a bearer token.
//! - **Live** ([`live`]): one poller per server asks the store for the
//!   newest id once a second, only while a page listens; pages listen with
//!   Server-Sent Events and fetch the new rows as server-rendered HTML. The
//!   guard can push ids instead ([`App::notify`]).
//! - **Sources** ([`Source`]): an audit store (SQLite or PostgreSQL, one
//!   connection, queries on blocking threads) or a report file. Secrets
//!   were redacted before the store wrote them; pages show the
//!   `[REDACTED:kind:fingerprint]` marks as badges and have nothing else.

// Handlers answer errors with a rendered page: `Result<Response, Response>`
// is axum's idiom, and a Response is large by design.
#![allow(clippy::result_large_err)]

pub mod assets;
pub mod audit;
pub mod components;
pub mod diffview;
pub mod filters;
pub mod live;
pub mod markup;
pub mod prompt;
pub mod report;
#[doc(hidden)]
pub mod sample;
pub mod security;

use std::sync::{Arc, Mutex};

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use plainsight_core::matrix::ProbeMatrix;
use plainsight_store::{ExchangeId, Filter, Store, StoreError};
use serde::Deserialize;

pub use report::{ReportError, ReportFile};
pub use security::Access;

use crate::components::{Layout, NavItem};

/// What the pages show.
pub enum Source {
    /// An audit store, one connection (queries run on blocking threads).
    Store {
        store: Mutex<Box<dyn Store>>,
        /// `sqlite:/path` or the URL without its password.
        display: String,
    },
    /// A `scan` or `probe` JSON report.
    Report {
        file: Box<ReportFile>,
        display: String,
    },
}

/// Why a page could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("audit store: {0}")]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl WebError {
    fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The web view: its source, where it is mounted, who may see it.
pub struct App {
    source: Source,
    base: String,
    assets: assets::Assets,
    pub access: Access,
    live: live::Live,
}

/// Options for [`App::new`].
#[derive(Clone, Debug, Default)]
pub struct AppOptions {
    /// Mount point of every page (`""` at the root, as `serve` and
    /// `guard --ui` use it).
    pub base: String,
    pub access: Access,
}

impl App {
    /// A web view of `source`. Call inside a tokio runtime: a store source
    /// starts the live poller.
    pub fn new(source: Source, opts: AppOptions) -> Arc<App> {
        let base = opts.base.trim_end_matches('/').to_owned();
        let app = Arc::new(App {
            source,
            base,
            assets: assets::Assets::new(),
            access: opts.access,
            live: live::Live::new(),
        });
        if matches!(app.source, Source::Store { .. }) {
            live::spawn_poller(&app);
        }
        app
    }

    /// The router with every page, mounted under the base path (so it can
    /// be nested into another router).
    pub fn router(self: &Arc<App>) -> Router {
        let pages = Router::new()
            .route("/", get(home))
            .route("/exchanges", get(exchanges))
            .route("/exchanges/rows", get(exchange_rows))
            .route("/exchanges/{id}", get(exchange))
            .route("/compare", get(compare))
            .route("/events", get(live::events))
            .route("/report", get(report_page))
            .route("/matrix", get(matrix_page))
            .route("/matrix/cells/{n}", get(cell_page))
            .route("/assets/{name}", get(asset))
            .fallback(not_found)
            .layer(axum::middleware::from_fn_with_state(
                self.clone(),
                security::guard,
            ))
            .with_state(self.clone());
        if self.base.is_empty() {
            pages
        } else {
            Router::new().nest(&self.base, pages)
        }
    }

    /// Tells listening pages that exchange `id` was written (the guard
    /// calls this; `serve` polls the store instead).
    pub fn notify(&self, id: ExchangeId) {
        self.live.notify(id);
    }

    /// Ends the live streams, so a graceful shutdown does not wait on them.
    pub fn shutdown(&self) {
        self.live.shutdown();
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn layout(&self, title: impl Into<String>, current: &str) -> Layout {
        let b = &self.base;
        let (nav, source) = match &self.source {
            Source::Store { display, .. } => (
                vec![NavItem {
                    label: "Exchanges",
                    href: format!("{b}/exchanges"),
                    current: current == "exchanges",
                }],
                display.clone(),
            ),
            Source::Report { file, display } => {
                let mut nav = vec![NavItem {
                    label: "Report",
                    href: format!("{b}/report"),
                    current: current == "report",
                }];
                if file.report.matrix.is_some() {
                    nav.push(NavItem {
                        label: "Matrix",
                        href: format!("{b}/matrix"),
                        current: current == "matrix",
                    });
                }
                (nav, display.clone())
            }
        };
        Layout {
            title: title.into(),
            base: self.base.clone(),
            css_href: format!("{b}{}", self.assets.css_path),
            js_href: format!("{b}{}", self.assets.js_path),
            inline_css: None,
            csp_meta: None,
            nav,
            source,
        }
    }

    /// Runs `f` on the store connection on a blocking thread.
    async fn with_store<T: Send + 'static>(
        self: &Arc<App>,
        f: impl FnOnce(&mut dyn Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, WebError> {
        if !matches!(self.source, Source::Store { .. }) {
            return Err(WebError::NotFound(
                "this view shows a report, not an audit store".into(),
            ));
        }
        let app = self.clone();
        tokio::task::spawn_blocking(move || {
            let Source::Store { store, .. } = &app.source else {
                unreachable!("checked above")
            };
            let mut guard = store
                .lock()
                .map_err(|_| WebError::Internal("store lock poisoned".into()))?;
            f(&mut **guard).map_err(WebError::from)
        })
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?
    }

    fn report_file(&self) -> Result<&ReportFile, WebError> {
        match &self.source {
            Source::Report { file, .. } => Ok(file),
            Source::Store { .. } => Err(WebError::NotFound(
                "this view shows an audit store; open a report with `plainsight serve report.json`"
                    .into(),
            )),
        }
    }

    fn matrix(&self) -> Result<&ProbeMatrix, WebError> {
        self.report_file()?
            .report
            .matrix
            .as_ref()
            .ok_or_else(|| WebError::NotFound("this report has no environment matrix".into()))
    }

    fn error_page(&self, e: &WebError) -> Response {
        let page = ErrorPage {
            layout: self.layout("Error", ""),
            heading: match e.status() {
                StatusCode::NOT_FOUND => "Not found",
                StatusCode::BAD_REQUEST => "Bad request",
                _ => "Error",
            },
            message: e.to_string(),
        };
        let mut r = html(&page);
        *r.status_mut() = e.status();
        r
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    heading: &'static str,
    message: String,
}

/// A rendered page as a response (security headers are added by the
/// middleware).
fn html<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(body) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            )],
            body,
        )
            .into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("rendering failed: {e}"),
        )
            .into_response(),
    }
}

type Page = Result<Response, Response>;

fn fail(app: &App, e: &WebError) -> Response {
    app.error_page(e)
}

async fn home(State(app): State<Arc<App>>) -> Redirect {
    let to = match &app.source {
        Source::Store { .. } => "/exchanges",
        Source::Report { .. } => "/report",
    };
    Redirect::to(&format!("{}{to}", app.base))
}

async fn not_found(State(app): State<Arc<App>>) -> Response {
    app.error_page(&WebError::NotFound("no such page".into()))
}

async fn exchanges(State(app): State<Arc<App>>, Query(q): Query<audit::ListQuery>) -> Page {
    let mut q = q;
    q.after = None;
    let (filter, error) = match q.filter() {
        Ok(f) => (f, None),
        Err(e) => (
            Filter {
                newest_first: true,
                limit: Some(audit::PAGE),
                ..Filter::default()
            },
            Some(e),
        ),
    };
    let (rows, total) = app
        .with_store(move |s| Ok((s.list(&filter)?, s.count()?)))
        .await
        .map_err(|e| fail(&app, &e))?;
    let page = audit::ListPage::new(app.layout("Exchanges", "exchanges"), q, &rows, total, error);
    Ok(html(&page))
}

async fn exchange_rows(State(app): State<Arc<App>>, Query(q): Query<audit::ListQuery>) -> Page {
    let filter = q
        .filter()
        .map_err(|e| fail(&app, &WebError::BadRequest(e)))?;
    let rows = app
        .with_store(move |s| s.list(&filter))
        .await
        .map_err(|e| fail(&app, &e))?;
    let base = app.base.clone();
    Ok(html(&audit::Rows {
        rows: rows.iter().map(|x| audit::Row::new(x, &base)).collect(),
    }))
}

async fn exchange(State(app): State<Arc<App>>, Path(id): Path<String>) -> Page {
    let id: ExchangeId = id.parse().map_err(|_| {
        fail(
            &app,
            &WebError::BadRequest(format!("`{id}` is not an exchange id")),
        )
    })?;
    let (x, prev, named) = app
        .with_store(move |s| {
            let Some(x) = s.get(id)? else {
                return Ok((None, None, Vec::new()));
            };
            // The previous exchange of the same agent, for the drift view.
            let prev = s
                .list(&Filter {
                    agent: Some(x.request.agent.clone()),
                    before_id: Some(id),
                    newest_first: true,
                    limit: Some(1),
                    ..Filter::default()
                })?
                .into_iter()
                .next()
                .map(|p| p.id);
            // Exchanges a drift finding names.
            let mut named = Vec::new();
            for f in x.all_findings() {
                for uid in audit::named_exchanges(f) {
                    if uid == x.request.uid {
                        continue;
                    }
                    if let Some(o) = s
                        .list(&Filter {
                            uid: Some(uid.clone()),
                            limit: Some(1),
                            ..Filter::default()
                        })?
                        .into_iter()
                        .next()
                        && !named.iter().any(|(i, _)| *i == o.id)
                    {
                        named.push((o.id, uid));
                    }
                }
            }
            Ok((Some(x), prev, named))
        })
        .await
        .map_err(|e| fail(&app, &e))?;
    let Some(x) = x else {
        return Err(fail(&app, &WebError::NotFound(format!("exchange #{id}"))));
    };
    let b = &app.base;
    let mut links = Vec::new();
    for (oid, uid) in named {
        links.push((
            format!("{b}/compare?a={oid}&b={id}"),
            format!("compare with #{oid} (the form before, exchange {uid})"),
        ));
    }
    if let Some(p) = prev {
        links.push((
            format!("{b}/compare?a={p}&b={id}"),
            format!("compare with #{p} (previous from this agent)"),
        ));
    }
    let page = audit::DetailPage::new(
        app.layout(format!("Exchange #{id}"), "exchanges"),
        &x,
        links,
    );
    Ok(html(&page))
}

#[derive(Deserialize)]
struct CompareQuery {
    a: String,
    b: String,
}

async fn compare(State(app): State<Arc<App>>, Query(q): Query<CompareQuery>) -> Page {
    let parse = |s: &str| {
        s.parse::<ExchangeId>().map_err(|_| {
            fail(
                &app,
                &WebError::BadRequest(format!("`{s}` is not an exchange id")),
            )
        })
    };
    let (a, b) = (parse(&q.a)?, parse(&q.b)?);
    let (xa, xb) = app
        .with_store(move |s| Ok((s.get(a)?, s.get(b)?)))
        .await
        .map_err(|e| fail(&app, &e))?;
    let (Some(xa), Some(xb)) = (xa, xb) else {
        return Err(fail(
            &app,
            &WebError::NotFound(format!("exchange #{a} or #{b}")),
        ));
    };
    let page = audit::ComparePage::new(app.layout(format!("#{a} ↔ #{b}"), "exchanges"), &xa, &xb);
    Ok(html(&page))
}

async fn report_page(State(app): State<Arc<App>>) -> Page {
    let file = app.report_file().map_err(|e| fail(&app, &e))?;
    Ok(html(&report::ReportPage::new(
        app.layout("Report", "report"),
        &file.report,
        file.report.matrix.is_some(),
    )))
}

async fn matrix_page(State(app): State<Arc<App>>) -> Page {
    let m = app.matrix().map_err(|e| fail(&app, &e))?;
    Ok(html(&report::MatrixPage::new(
        app.layout("Matrix", "matrix"),
        m,
    )))
}

async fn cell_page(State(app): State<Arc<App>>, Path(n): Path<String>) -> Page {
    let m = app.matrix().map_err(|e| fail(&app, &e))?;
    let page = n
        .parse::<usize>()
        .ok()
        .and_then(|i| report::CellPage::new(app.layout(format!("Cell {n}"), "matrix"), m, i))
        .ok_or_else(|| fail(&app, &WebError::NotFound(format!("cell {n}"))))?;
    Ok(html(&page))
}

async fn asset(State(app): State<Arc<App>>, Path(name): Path<String>) -> Response {
    match app.assets.get(&name) {
        Some((body, ctype)) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(ctype)),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                ),
            ],
            body,
        )
            .into_response(),
        None => app.error_page(&WebError::NotFound(format!("asset {name}"))),
    }
}

#[derive(Template)]
#[template(path = "static_report.html")]
struct StaticReport {
    layout: Layout,
    report: markup::Markup,
    matrix: Option<markup::Markup>,
    cells: Vec<(usize, markup::Markup)>,
    version: &'static str,
}

/// A self-contained HTML page of a report (and its matrix, cells inline):
/// the style sheet inline under a CSP that allows exactly its hash, no
/// script, no external resource. For attaching to a review ticket.
pub fn static_report(report: &plainsight_core::Report, title: &str) -> String {
    let matrix = report.matrix.as_ref();
    let css = assets::CSS;
    let layout = Layout {
        title: title.to_owned(),
        base: String::new(),
        css_href: String::new(),
        js_href: String::new(),
        inline_css: Some(markup::Markup::trusted(css)),
        csp_meta: Some(format!(
            "default-src 'none'; style-src '{}'; base-uri 'none'; form-action 'none'",
            assets::csp_hash(css)
        )),
        nav: Vec::new(),
        source: title.to_owned(),
    };
    let render_block = |r: Result<String, askama::Error>| match r {
        Ok(s) => markup::from_template(s),
        Err(e) => markup::element("p", "error", &format!("rendering failed: {e}")),
    };
    let page = report::ReportPage::new(layout.clone(), report, matrix.is_some());
    let report = render_block(page.as_content().render());
    let (matrix, cells) = match matrix {
        Some(m) => {
            let mp = report::MatrixPage::new(layout.clone(), m);
            let cells = (0..m.cells.len())
                .filter_map(|i| {
                    report::CellPage::new(layout.clone(), m, i)
                        .map(|c| (i, render_block(c.as_content().render())))
                })
                .collect();
            (Some(render_block(mp.as_content().render())), cells)
        }
        None => (None, Vec::new()),
    };
    let page = StaticReport {
        layout,
        report,
        matrix,
        cells,
        version: env!("CARGO_PKG_VERSION"),
    };
    page.render().unwrap_or_else(|e| {
        format!(
            "<!DOCTYPE html><p>rendering failed: {}</p>",
            markup::escape(&e.to_string())
        )
    })
}
