//! Guard configuration: a TOML file, every value overridable by flags.
//!
//! ```toml
//! listen = "127.0.0.1:8788"
//! name = "laptop-7"                  # written into every row (default: host name)
//! store = "sqlite:/var/lib/plainsight/audit.sqlite3"   # or postgres://…
//! store_failure = "closed"           # or "open": forward without a row, and say so
//!
//! [limits]
//! max_body = "32M"                   # larger requests are refused (413)
//! max_inspect = "32M"                # larger bodies are forwarded uninspected (PS621)
//! max_templates = 200000             # drift templates kept
//!
//! [[upstream]]
//! url = "https://api.anthropic.com"
//! family = "anthropic"               # routes Anthropic-shaped requests here
//! [[upstream]]
//! url = "https://api.openai.com"
//! family = "openai"
//! [[upstream]]
//! url = "https://internal.example/llm"
//! prefix = "/internal"               # /internal/… → https://internal.example/llm/…
//!
//! [tls]                              # serve HTTPS (HTTP/1.1 and HTTP/2 by ALPN)
//! cert = "guard.pem"
//! key = "guard-key.pem"
//!
//! [policy]                           # see policy.rs
//! mode = "observe"
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use http::Uri;
use plainsight_providers::Family;
use plainsight_store::StoreUrl;
use serde::Deserialize;

use crate::GuardError;
use crate::policy::{Policy, PolicyFile};

/// One upstream the guard may forward to (the egress allowlist).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upstream {
    /// `scheme://authority`
    pub origin: String,
    pub scheme: String,
    pub authority: String,
    /// Path of the base URL without its trailing `/` (`""` or `/v1`).
    pub base_path: String,
    /// Requests of this provider family go here.
    pub family: Option<Family>,
    /// Requests under this path prefix go here, the prefix removed.
    pub prefix: Option<String>,
}

impl Upstream {
    /// `URL`, `anthropic=URL` / `openai=URL` / `gemini=URL`, or `/prefix=URL`.
    pub fn parse(spec: &str) -> Result<Upstream, String> {
        let (tag, url) = match spec.split_once('=') {
            Some((t, u)) if !t.contains("://") && !t.contains('?') => (Some(t), u),
            _ => (None, spec),
        };
        let mut up = Upstream::from_url(url)?;
        match tag {
            None => {}
            Some(t) if t.starts_with('/') => {
                let p = t.trim_end_matches('/');
                if p.is_empty() {
                    return Err(format!("upstream `{spec}`: the prefix cannot be `/`"));
                }
                up.prefix = Some(p.to_owned());
            }
            Some(t) => {
                up.family = Some(parse_family(t).map_err(|e| format!("upstream `{spec}`: {e}"))?);
            }
        }
        Ok(up)
    }

    fn from_url(url: &str) -> Result<Upstream, String> {
        let uri: Uri = url
            .parse()
            .map_err(|e| format!("upstream `{url}` is not a URL: {e}"))?;
        let scheme = uri
            .scheme_str()
            .ok_or_else(|| format!("upstream `{url}` has no scheme (http:// or https://)"))?
            .to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(format!("upstream `{url}`: scheme must be http or https"));
        }
        let authority = uri
            .authority()
            .ok_or_else(|| format!("upstream `{url}` has no host"))?
            .to_string();
        if authority.contains('@') {
            return Err(format!(
                "upstream `{url}`: credentials in the URL are not supported (the agent sends its own)"
            ));
        }
        if uri.query().is_some() {
            return Err(format!("upstream `{url}`: a base URL has no query"));
        }
        Ok(Upstream {
            origin: format!("{scheme}://{authority}"),
            scheme,
            authority,
            base_path: uri.path().trim_end_matches('/').to_owned(),
            family: None,
            prefix: None,
        })
    }

    /// The base URL as configured (for logs and rows).
    pub fn url(&self) -> String {
        format!("{}{}", self.origin, self.base_path)
    }
}

fn parse_family(s: &str) -> Result<Family, String> {
    match s.to_ascii_lowercase().as_str() {
        "anthropic" => Ok(Family::Anthropic),
        "openai" => Ok(Family::OpenAi),
        "gemini" | "google" => Ok(Family::Gemini),
        _ => Err(format!(
            "unknown provider family `{s}` (anthropic, openai, gemini)"
        )),
    }
}

/// What to do when the audit store cannot take a row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StoreFailure {
    /// Refuse the request with a provider-shaped 503 (nothing unlogged passes).
    #[default]
    Closed,
    /// Forward it anyway and report that it was not logged.
    Open,
}

/// What an `observe` answer says about the request's inspection, which
/// runs beside the upstream round trip (`proxy::forward`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Annotate {
    /// The answer goes back as soon as the upstream's head arrives. It
    /// carries `x-plainsight-alerts` when inspection had finished by then
    /// (in front of a provider, whose first byte takes far longer than
    /// inspection, that is every answer), else `x-plainsight-inspection:
    /// pending`. The findings are in the audit row either way. The
    /// inspection starts when the head arrives or 1 ms into the forward,
    /// whichever is first, so it does not compete with the forward for the
    /// cores.
    #[default]
    Ready,
    /// The response head waits for inspection: every answer to a request
    /// with alerts carries `x-plainsight-alerts`.
    Wait,
}

pub fn parse_annotate(s: &str) -> Result<Annotate, String> {
    match s.to_ascii_lowercase().as_str() {
        "ready" => Ok(Annotate::Ready),
        "wait" => Ok(Annotate::Wait),
        _ => Err(format!("annotate `{s}`: use ready or wait")),
    }
}

/// TLS files for the listener.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The complete configuration.
#[derive(Clone, Debug)]
pub struct GuardConfig {
    pub listen: SocketAddr,
    pub name: String,
    pub upstreams: Vec<Upstream>,
    pub policy: Policy,
    pub store: StoreUrl,
    pub store_failure: StoreFailure,
    /// Whether `observe` answers wait for inspection (for the alerts header).
    pub annotate: Annotate,
    pub max_body: usize,
    pub max_inspect: usize,
    pub max_templates: usize,
    pub tls: Option<TlsFiles>,
}

impl GuardConfig {
    pub fn new(store: StoreUrl) -> GuardConfig {
        GuardConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8788)),
            name: default_name(),
            upstreams: Vec::new(),
            policy: Policy::default(),
            store,
            store_failure: StoreFailure::Closed,
            annotate: Annotate::Ready,
            max_body: 32 << 20,
            max_inspect: 32 << 20,
            max_templates: 200_000,
            tls: None,
        }
    }

    /// Reads a config file over the defaults.
    pub fn from_file(path: &Path) -> Result<GuardConfig, GuardError> {
        let text = std::fs::read_to_string(path).map_err(|e| GuardError::Config {
            place: path.display().to_string(),
            message: e.to_string(),
        })?;
        let bad = |message: String| GuardError::Config {
            place: path.display().to_string(),
            message,
        };
        let file: ConfigFile = toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
        let store = match &file.store {
            Some(s) => StoreUrl::parse(s).map_err(|e| bad(e.to_string()))?,
            None => StoreUrl::default_sqlite(),
        };
        let mut cfg = GuardConfig::new(store);
        if let Some(l) = &file.listen {
            cfg.listen = l.parse().map_err(|e| bad(format!("listen `{l}`: {e}")))?;
        }
        if let Some(n) = file.name {
            cfg.name = n;
        }
        if let Some(f) = &file.store_failure {
            cfg.store_failure = parse_store_failure(f).map_err(bad)?;
        }
        if let Some(a) = &file.annotate {
            cfg.annotate = parse_annotate(a).map_err(bad)?;
        }
        for u in file.upstream {
            let mut up = Upstream::from_url(&u.url).map_err(bad)?;
            if let Some(f) = &u.family {
                up.family = Some(parse_family(f).map_err(bad)?);
            }
            if let Some(p) = u.prefix {
                let p = p.trim_end_matches('/').to_owned();
                if !p.starts_with('/') || p.is_empty() {
                    return Err(bad(format!(
                        "upstream {}: prefix must start with / and not be /",
                        u.url
                    )));
                }
                up.prefix = Some(p);
            }
            cfg.upstreams.push(up);
        }
        if let Some(l) = file.limits {
            if let Some(v) = l.max_body {
                cfg.max_body = parse_size(&v).map_err(|e| bad(format!("limits.max_body: {e}")))?;
            }
            if let Some(v) = l.max_inspect {
                cfg.max_inspect =
                    parse_size(&v).map_err(|e| bad(format!("limits.max_inspect: {e}")))?;
            }
            if let Some(v) = l.max_templates {
                cfg.max_templates = v;
            }
        }
        if let Some(t) = file.tls {
            let base = path.parent().unwrap_or(Path::new("."));
            cfg.tls = Some(TlsFiles {
                cert: base.join(t.cert),
                key: base.join(t.key),
            });
        }
        if let Some(p) = file.policy {
            cfg.policy = p.into_policy().map_err(bad)?;
        }
        Ok(cfg)
    }

    /// Checks what a file and flags cannot check alone.
    pub fn validate(&self) -> Result<(), GuardError> {
        if self.upstreams.is_empty() {
            return Err(GuardError::Config {
                place: "upstreams".into(),
                message: "no upstream: give --upstream URL (or [[upstream]] in the config file)"
                    .into(),
            });
        }
        Ok(())
    }
}

pub fn parse_store_failure(s: &str) -> Result<StoreFailure, String> {
    match s.to_ascii_lowercase().as_str() {
        "closed" => Ok(StoreFailure::Closed),
        "open" => Ok(StoreFailure::Open),
        _ => Err(format!("store_failure `{s}`: use closed or open")),
    }
}

/// `1048576`, `512K`, `64M`, `4G` (`plainsight_core::size::parse_size`, as
/// an in-memory size).
pub fn parse_size(s: &str) -> Result<usize, String> {
    let n = plainsight_core::size::parse_size(s)?;
    usize::try_from(n).map_err(|_| format!("`{s}` is too large"))
}

fn default_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "guard".to_owned())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    listen: Option<String>,
    name: Option<String>,
    store: Option<String>,
    store_failure: Option<String>,
    annotate: Option<String>,
    #[serde(default)]
    upstream: Vec<UpstreamFile>,
    limits: Option<LimitsFile>,
    tls: Option<TlsFile>,
    policy: Option<PolicyFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpstreamFile {
    url: String,
    family: Option<String>,
    prefix: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(clippy::struct_field_names)] // the file's own key names
struct LimitsFile {
    max_body: Option<String>,
    max_inspect: Option<String>,
    max_templates: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TlsFile {
    cert: PathBuf,
    key: PathBuf,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Mode;

    #[test]
    fn upstream_specs() {
        let u = Upstream::parse("https://api.anthropic.com").unwrap();
        assert_eq!(u.origin, "https://api.anthropic.com");
        assert_eq!((u.base_path.as_str(), u.family, u.prefix), ("", None, None));
        let u = Upstream::parse("openai=http://127.0.0.1:9/v1/").unwrap();
        assert_eq!(u.family, Some(Family::OpenAi));
        assert_eq!(u.base_path, "/v1");
        let u = Upstream::parse("/internal=https://h.example/llm").unwrap();
        assert_eq!(u.prefix.as_deref(), Some("/internal"));
        assert_eq!(u.url(), "https://h.example/llm");
        for bad in [
            "ftp://x",
            "api.anthropic.com",
            "mistral=https://x",
            "/=https://x",
            "https://u:p@x",
            "https://x/?q=1",
        ] {
            assert!(Upstream::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn config_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("guard.toml");
        std::fs::write(
            &p,
            r#"
listen = "127.0.0.1:9999"
name = "g7"
store = "sqlite:/tmp/x.sqlite3"
store_failure = "open"
annotate = "wait"
[limits]
max_body = "1M"
[[upstream]]
url = "https://api.anthropic.com"
family = "anthropic"
[[upstream]]
url = "https://x.example/llm"
prefix = "/x/"
[tls]
cert = "c.pem"
key = "k.pem"
[policy]
mode = "block"
"#,
        )
        .unwrap();
        let c = GuardConfig::from_file(&p).unwrap();
        assert_eq!(c.listen.port(), 9999);
        assert_eq!(c.name, "g7");
        assert_eq!(c.store_failure, StoreFailure::Open);
        assert_eq!(c.annotate, Annotate::Wait);
        assert_eq!(c.max_body, 1 << 20);
        assert_eq!(c.upstreams.len(), 2);
        assert_eq!(c.upstreams[1].prefix.as_deref(), Some("/x"));
        assert_eq!(c.policy.mode, Mode::Block);
        assert_eq!(c.tls.unwrap().cert, dir.path().join("c.pem"));

        std::fs::write(&p, "lisen = \"x\"").unwrap();
        let e = GuardConfig::from_file(&p).unwrap_err().to_string();
        assert!(e.contains("guard.toml") && e.contains("lisen"), "{e}");
        std::fs::write(&p, "annotate = \"later\"").unwrap();
        let e = GuardConfig::from_file(&p).unwrap_err().to_string();
        assert!(e.contains("annotate `later`"), "{e}");
        std::fs::write(&p, "[limits]\nmax_body = \"1Q\"").unwrap();
        let e = GuardConfig::from_file(&p).unwrap_err().to_string();
        assert!(e.contains("limits.max_body"), "{e}");
    }
}
