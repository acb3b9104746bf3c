//! `npm:<name>[@<version|tag>]`: fetch a package the way npm would, verify
//! it, and scan it together with the platform package it would install here.
//!
//! - **Registry** precedence follows npm: [`OpenOptions::registry`] (the CLI's
//!   `--registry`), then `npm_config_registry`, then `registry=` in the
//!   project's `.npmrc` (current directory), then `~/.npmrc`, then
//!   `https://registry.npmjs.org/`. `@scope:registry=` lines route a scope
//!   elsewhere, as in npm. `${VAR}` in `.npmrc` values is expanded.
//! - **Auth**: a `//host/path/:_authToken=` line applies to URLs under that
//!   prefix only (so a token is never sent to a tarball host it was not
//!   configured for) and is never logged or put in an error.
//! - **Packuments** are requested abbreviated
//!   (`application/vnd.npm.install-v1+json`), scoped names as `@scope%2fname`.
//!   A spec names a dist-tag or an exact version; a range in
//!   `optionalDependencies` is resolved to its base version or, failing
//!   that, `latest` (said in a notice).
//! - **Integrity**: the tarball's `dist.integrity` (SRI, strongest of
//!   sha512/384/256) is checked before the tarball is parsed; a mismatch
//!   refuses the package and nothing of it is scanned.
//! - **Platform packages**: launchers that ship their real program as
//!   `optionalDependencies` (`<name>-linux-x64`, `@scope/<name>-darwin-arm64`)
//!   get the one for [`OpenOptions::platform`] fetched and scanned too. A name
//!   match decides when it is unique; otherwise the candidates' own `os`/`cpu`
//!   (and `libc`) fields do, and among equals the plainest name wins
//!   (`linux-x64` over `linux-x64-musl`/`-baseline`). The notice says which
//!   and why.
//! - HTTP is `ureq` with rustls on ring (pure Rust apart from ring's C/asm, no
//!   cmake or aws-lc build on a 2-core CI), timeouts on connect and overall,
//!   proxies from `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`/`NO_PROXY`.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::cache::Cache;
use crate::input::{Collector, Hint};
use crate::integrity::Integrity;
use crate::limits::Budget;
use crate::{Artifact, ArtifactError, Data, OpenOptions, Progress, archive};

pub const DEFAULT_REGISTRY: &str = "https://registry.npmjs.org/";

/// Packuments larger than this are refused (the abbreviated packument of a
/// package with thousands of versions is a few MB).
const MAX_PACKUMENT: u64 = 128 << 20;

/// At most this many optional dependencies' packuments are fetched to
/// decide a platform package by `os`/`cpu`.
const MAX_PLATFORM_LOOKUPS: usize = 32;

/// A parsed `name[@version|tag]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    pub name: String,
    /// Version or dist-tag; `None` means `latest`.
    pub reference: Option<String>,
}

impl Spec {
    pub fn parse(spec: &str) -> Result<Spec, ArtifactError> {
        let bad = |m: &str| ArtifactError::NpmSpec {
            spec: spec.to_string(),
            message: m.to_string(),
        };
        let s = spec.trim();
        // The version separator is the first `@` after a scope's leading one.
        let split_from = usize::from(s.starts_with('@'));
        let (name, reference) = match s[split_from..].find('@') {
            Some(i) => (&s[..split_from + i], Some(&s[split_from + i + 1..])),
            None => (s, None),
        };
        if name.is_empty() || name.len() > 214 {
            return Err(bad("package names are 1 to 214 characters"));
        }
        let valid = |part: &str| {
            !part.is_empty()
                && !part.starts_with('.')
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
        };
        let ok = match name.strip_prefix('@') {
            Some(scoped) => scoped
                .split_once('/')
                .is_some_and(|(scope, n)| valid(scope) && valid(n)),
            None => valid(name),
        };
        if !ok {
            return Err(bad(
                "expected name, @scope/name, optionally followed by @version or @tag",
            ));
        }
        let reference = match reference {
            Some("") => return Err(bad("empty version after '@'")),
            Some(r) if r.contains('/') => {
                return Err(bad(
                    "paths and URLs are not supported; name a version, range or tag",
                ));
            }
            Some(r) => Some(r.to_string()),
            None => None,
        };
        Ok(Spec {
            name: name.to_string(),
            reference,
        })
    }
}

/// `@scope/name` → `@scope%2fname`, as registries expect.
pub fn escape_name(name: &str) -> String {
    name.replace('/', "%2f")
}

/// The HTTP client for registries: rustls on ring with the configured roots,
/// bounded connect/response/global timeouts.
fn agent(cfg: &NpmConfig, notices: &mut Vec<String>) -> ureq::Agent {
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(cfg.root_certs(notices))
        .build();
    ureq::Agent::config_builder()
        .tls_config(tls)
        .timeout_connect(Some(Duration::from_secs(15)))
        .timeout_recv_response(Some(Duration::from_mins(1)))
        .timeout_global(Some(Duration::from_mins(30)))
        .user_agent(concat!("plainsight/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// The certificates of a PEM bundle; `None` (with a notice) when it cannot be
/// read or holds none.
fn read_pem_certs(
    path: &Path,
    what: &str,
    notices: &mut Vec<String>,
) -> Option<Vec<ureq::tls::Certificate<'static>>> {
    let certs: Vec<_> = match std::fs::read(path) {
        Ok(pem) => ureq::tls::parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect(),
        Err(e) => {
            notices.push(format!(
                "{what} {} not read ({e}); using built-in roots",
                path.display()
            ));
            return None;
        }
    };
    if certs.is_empty() {
        notices.push(format!(
            "{what} {} holds no certificates; using built-in roots",
            path.display()
        ));
        return None;
    }
    Some(certs)
}

/// Registry configuration gathered from options, environment and `.npmrc`.
#[derive(Clone, Debug, Default)]
pub struct NpmConfig {
    pub registry: String,
    scoped: HashMap<String, String>,
    /// `//host/path/` prefix → token. Never printed (see `Debug` below).
    tokens: Vec<(String, Secret)>,
    /// PEM bundle of trusted roots, replacing the built-in Mozilla roots
    /// (npm `cafile`, else `SSL_CERT_FILE`), as npm and OpenSSL do.
    pub cafile: Option<PathBuf>,
    /// PEM bundle of roots trusted *in addition* (`NODE_EXTRA_CA_CERTS`, as
    /// Node reads it): a TLS-inspecting corporate proxy's CA, while every
    /// public registry stays reachable.
    pub extra_ca: Option<PathBuf>,
}

#[derive(Clone, Default)]
struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl NpmConfig {
    /// From this process: `explicit`, the environment, `./.npmrc`,
    /// `~/.npmrc`, and the global `npmrc` (`npm_config_globalconfig`, else
    /// `<prefix>/etc/npmrc` for `npm_config_prefix` or the usual prefixes).
    pub fn from_environment(explicit: Option<&str>) -> NpmConfig {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let mut files = Vec::new();
        if let Ok(cwd) = std::env::current_dir() {
            files.push(cwd.join(".npmrc"));
        }
        if let Some(home) = env("HOME").or_else(|| env("USERPROFILE")) {
            files.push(PathBuf::from(home).join(".npmrc"));
        }
        if let Some(global) = env("npm_config_globalconfig") {
            files.push(PathBuf::from(global));
        } else if let Some(prefix) = env("npm_config_prefix") {
            files.push(PathBuf::from(prefix).join("etc/npmrc"));
        } else {
            files.extend(
                ["/usr/local/etc/npmrc", "/usr/etc/npmrc", "/etc/npmrc"].map(PathBuf::from),
            );
        }
        NpmConfig::load(explicit, &env, &files)
    }

    /// `npmrc_files` in precedence order (project first); `env` looks up variables.
    pub fn load(
        explicit: Option<&str>,
        env: &dyn Fn(&str) -> Option<String>,
        npmrc_files: &[PathBuf],
    ) -> NpmConfig {
        let mut cfg = NpmConfig::default();
        let mut registry = None;
        // Lowest precedence first, so later files override.
        for file in npmrc_files.iter().rev() {
            let Ok(text) = std::fs::read_to_string(file) else {
                continue;
            };
            for line in text.lines() {
                let line = line.trim();
                if line.starts_with('#') || line.starts_with(';') {
                    continue;
                }
                let Some((k, v)) = line.split_once('=') else {
                    continue;
                };
                let (k, v) = (k.trim(), expand(v.trim().trim_matches('"'), env));
                if k == "registry" {
                    registry = Some(v);
                } else if k == "cafile" && !v.is_empty() && v != "null" {
                    cfg.cafile = Some(PathBuf::from(v));
                } else if let Some(scope) =
                    k.strip_suffix(":registry").filter(|s| s.starts_with('@'))
                {
                    cfg.scoped.insert(scope.to_string(), with_slash(&v));
                } else if let Some(prefix) = k
                    .strip_suffix(":_authToken")
                    .filter(|p| p.starts_with("//"))
                {
                    cfg.tokens.retain(|(p, _)| p != prefix);
                    cfg.tokens.push((with_slash(prefix), Secret(v)));
                }
            }
        }
        let from_env = env("npm_config_registry")
            .or_else(|| env("NPM_CONFIG_REGISTRY"))
            .filter(|v| !v.is_empty());
        cfg.registry = with_slash(
            explicit
                .map(str::to_string)
                .or(from_env)
                .or(registry)
                .as_deref()
                .unwrap_or(DEFAULT_REGISTRY),
        );
        if let Some(ca) = env("npm_config_cafile")
            .or_else(|| env("NPM_CONFIG_CAFILE"))
            .filter(|v| !v.is_empty())
        {
            cfg.cafile = Some(PathBuf::from(ca));
        }
        if cfg.cafile.is_none() {
            cfg.cafile = env("SSL_CERT_FILE")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from);
        }
        cfg.extra_ca = env("NODE_EXTRA_CA_CERTS")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        cfg
    }

    /// Trusted roots: the `cafile` bundle if one is configured and readable,
    /// else Mozilla's; plus the `extra_ca` bundle if there is one. A bad
    /// bundle is reported, not fatal.
    fn root_certs(&self, notices: &mut Vec<String>) -> ureq::tls::RootCerts {
        let base = self
            .cafile
            .as_deref()
            .and_then(|path| read_pem_certs(path, "CA bundle", notices));
        let extra = self
            .extra_ca
            .as_deref()
            .and_then(|path| read_pem_certs(path, "NODE_EXTRA_CA_CERTS", notices));
        match (base, extra) {
            (None, None) => ureq::tls::RootCerts::WebPki,
            (Some(base), None) => ureq::tls::RootCerts::new_with_certs(&base),
            (base, Some(extra)) => {
                // Mozilla's roots as certificates (the same list webpki-roots
                // holds as trust anchors), so the extra ones can join them.
                let mut all = base.unwrap_or_else(|| {
                    webpki_root_certs::TLS_SERVER_ROOT_CERTS
                        .iter()
                        .map(|c| ureq::tls::Certificate::from_der(c.as_ref()).to_owned())
                        .collect()
                });
                all.extend(extra);
                ureq::tls::RootCerts::new_with_certs(&all)
            }
        }
    }

    /// The registry serving `name` (its scope's, if configured).
    pub fn registry_for(&self, name: &str) -> &str {
        name.split_once('/')
            .and_then(|(scope, _)| self.scoped.get(scope))
            .map_or(self.registry.as_str(), String::as_str)
    }

    /// The token configured for the longest prefix of `url`, if any.
    fn token_for(&self, url: &str) -> Option<&str> {
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        let target = format!("//{rest}");
        self.tokens
            .iter()
            .filter(|(p, _)| target.starts_with(p.as_str()))
            .max_by_key(|(p, _)| p.len())
            .map(|(_, t)| t.0.as_str())
    }
}

fn with_slash(s: &str) -> String {
    if s.ends_with('/') {
        s.to_string()
    } else {
        format!("{s}/")
    }
}

/// `${VAR}` expansion as npm does in `.npmrc` values.
fn expand(v: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let mut rest = v;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        if let Some(j) = rest[i + 2..].find('}') {
            out.push_str(&env(&rest[i + 2..i + 2 + j]).unwrap_or_default());
            rest = &rest[i + 3 + j..];
        } else {
            out.push_str(&rest[i..]);
            rest = "";
        }
    }
    out.push_str(rest);
    out
}

/// This machine in npm's naming (`process.platform`-`process.arch`).
pub fn host_platform() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        "windows" => "win32",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        "x86" => "ia32",
        other => other,
    };
    format!("{os}-{arch}")
}

/// The parts of one version's metadata this crate uses.
#[derive(Clone, Debug)]
pub struct VersionMeta {
    pub name: String,
    pub version: String,
    pub integrity: Integrity,
    pub tarball: String,
    /// Name → range, in declaration order. An `npm:` alias keeps its
    /// alias as the name and `npm:<real name>@<range>` as the range.
    pub optional: Vec<(String, String)>,
    pub os: Vec<String>,
    pub cpu: Vec<String>,
    pub libc: Vec<String>,
}

impl VersionMeta {
    /// From one entry of a packument's `versions` (`spec` names it in errors).
    pub fn from_json(spec: &str, v: &Value) -> Result<VersionMeta, ArtifactError> {
        let missing = |what: &str| ArtifactError::Package {
            spec: spec.to_string(),
            message: format!("registry metadata has no {what}"),
        };
        let strs = |k: &str| -> Vec<String> {
            v.get(k)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let sri = v
            .pointer("/dist/integrity")
            .and_then(Value::as_str)
            .ok_or_else(|| missing("dist.integrity (sha512)"))?;
        Ok(VersionMeta {
            name: v
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| missing("name"))?
                .to_string(),
            version: v
                .get("version")
                .and_then(Value::as_str)
                .ok_or_else(|| missing("version"))?
                .to_string(),
            integrity: Integrity::parse(sri)
                .ok_or_else(|| missing("usable dist.integrity (sha512, sha384 or sha256)"))?,
            tarball: v
                .pointer("/dist/tarball")
                .and_then(Value::as_str)
                .ok_or_else(|| missing("dist.tarball"))?
                .to_string(),
            optional: v
                .get("optionalDependencies")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, r)| (k.clone(), r.as_str().unwrap_or("").to_string()))
                        .collect()
                })
                .unwrap_or_default(),
            os: strs("os"),
            cpu: strs("cpu"),
            libc: strs("libc"),
        })
    }

    /// Does npm's `os`/`cpu` (`!x` negations included) allow `os`-`arch`?
    fn allows(&self, os: &str, arch: &str) -> bool {
        fn ok(list: &[String], v: &str) -> bool {
            if list.is_empty() {
                return true;
            }
            if list.iter().any(|x| x.strip_prefix('!') == Some(v)) {
                return false;
            }
            list.iter().any(|x| x == v) || list.iter().all(|x| x.starts_with('!'))
        }
        ok(&self.os, os) && ok(&self.cpu, arch)
    }
}

/// A registry client for one `open` call (or one version of a history
/// run): a [`Registry`]'s parts plus the notices of this call.
struct Client<'a> {
    cfg: &'a NpmConfig,
    agent: &'a ureq::Agent,
    cache: Option<&'a Cache>,
    /// Write fetched tarballs and exact versions' metadata to the cache.
    write_cache: bool,
    progress: Option<Arc<dyn Progress>>,
    max_tarball: u64,
    cancel: Option<&'a AtomicBool>,
    notices: &'a mut Vec<String>,
}

impl Client<'_> {
    fn get(
        &self,
        spec: &str,
        url: &str,
        accept: &str,
    ) -> Result<ureq::http::Response<ureq::Body>, ArtifactError> {
        let mut req = self.agent.get(url).header("Accept", accept);
        if let Some(token) = self.cfg.token_for(url) {
            req = req.header("Authorization", format!("Bearer {token}"));
        }
        req.call().map_err(|e| match e {
            ureq::Error::StatusCode(404) => ArtifactError::Package {
                spec: spec.to_string(),
                message: format!("not found at {url} (HTTP 404)"),
            },
            e => ArtifactError::Registry {
                spec: spec.to_string(),
                url: url.to_string(),
                message: e.to_string(),
            },
        })
    }

    fn packument(&self, spec: &str, name: &str) -> Result<Value, ArtifactError> {
        self.packument_as(
            spec,
            name,
            "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*",
        )
    }

    fn packument_as(&self, spec: &str, name: &str, accept: &str) -> Result<Value, ArtifactError> {
        let url = format!("{}{}", self.cfg.registry_for(name), escape_name(name));
        let mut resp = self.get(spec, &url, accept)?;
        let body = resp
            .body_mut()
            .with_config()
            .limit(MAX_PACKUMENT)
            .read_to_vec()
            .map_err(|e| ArtifactError::Registry {
                spec: spec.to_string(),
                url: url.clone(),
                message: e.to_string(),
            })?;
        serde_json::from_slice(&body).map_err(|e| ArtifactError::Registry {
            spec: spec.to_string(),
            url,
            message: format!("packument is not JSON: {e}"),
        })
    }

    /// Resolve `name` at `reference` (version, tag, or simple range) to its metadata.
    fn resolve(
        &mut self,
        spec: &str,
        name: &str,
        reference: Option<&str>,
    ) -> Result<VersionMeta, ArtifactError> {
        let registry = self.cfg.registry_for(name).to_string();
        let exact = reference
            .map(|r| r.trim_start_matches(['v', '=']))
            .filter(|r| looks_exact(r));
        if let (Some(v), Some(cache)) = (exact, &self.cache)
            && let Some(meta) = cache.version(&registry, name, v)
        {
            return VersionMeta::from_json(spec, &meta);
        }
        let doc = self.packument(spec, name)?;
        let tags = doc.get("dist-tags").and_then(Value::as_object);
        let versions = doc
            .get("versions")
            .and_then(Value::as_object)
            .ok_or_else(|| ArtifactError::Package {
                spec: spec.to_string(),
                message: "registry metadata has no versions".into(),
            })?;
        let latest = tags.and_then(|t| t.get("latest")).and_then(Value::as_str);
        let want = reference.unwrap_or("latest");
        let chosen = if let Some(v) = tags.and_then(|t| t.get(want)).and_then(Value::as_str) {
            v.to_string()
        } else if let Some(v) = exact.filter(|v| versions.contains_key(*v)) {
            v.to_string()
        } else if let Some(v) = max_satisfying(want, versions.keys(), latest) {
            self.notices
                .push(format!("{name}: range {want} resolved to {v}"));
            v
        } else if matches!(want, "*" | "") && latest.is_some() {
            latest.unwrap_or_default().to_string()
        } else {
            return Err(ArtifactError::Package {
                spec: spec.to_string(),
                message: format!(
                    "no version or dist-tag {want:?} (latest is {})",
                    latest.unwrap_or("unknown")
                ),
            });
        };
        let meta = versions
            .get(&chosen)
            .ok_or_else(|| ArtifactError::Package {
                spec: spec.to_string(),
                message: format!("dist-tag points at missing version {chosen}"),
            })?;
        if let Some(cache) = self.cache.filter(|_| self.write_cache)
            && let Err(e) = cache.put_version(&registry, name, &chosen, meta)
        {
            self.notices.push(format!("cache not written: {e}"));
        }
        VersionMeta::from_json(spec, meta)
    }

    /// Fetch `meta`'s tarball into `c` as the unit `npm:<name>@<version>`:
    /// from the cache (re-verified), or streamed — hashed, counted and
    /// inflated as the bytes arrive, so the compressed tarball is never
    /// held whole. Nothing of it is routed to a reader (executables,
    /// nested archives, `bin` scripts) before the whole stream matched
    /// `dist.integrity`; only gzip and tar framing see unverified bytes,
    /// and they run under the archive limits like any other input.
    fn fetch_into(
        &mut self,
        c: &mut Collector<'_>,
        spec: &str,
        meta: &VersionMeta,
    ) -> Result<Fetched, ArtifactError> {
        let started = Instant::now();
        let name = format!("npm:{}@{}", meta.name, meta.version);
        let mut fetched = Fetched {
            name: meta.name.clone(),
            version: meta.version.clone(),
            integrity: meta.integrity.to_string(),
            bytes: 0,
            from_cache: false,
            network: Duration::ZERO,
            elapsed: Duration::ZERO,
        };
        if let Some(data) = self.cache.and_then(|c| c.tarball(&meta.integrity)) {
            fetched.bytes = data.len() as u64;
            fetched.from_cache = true;
            c.blob(&[], &name, data, Hint::Found, 0, None)?;
            fetched.elapsed = started.elapsed();
            return Ok(fetched);
        }
        let (mut resp, tee) = self.start_download(spec, meta)?;
        let mut incoming = self.incoming(&mut resp, meta, tee);
        let outcome = stream_into(c, &name, &mut incoming);
        if let Some(p) = &self.progress {
            p.finish();
        }
        fetched.bytes = incoming.bytes;
        fetched.network = incoming.network;
        let tee = self.settle(spec, meta, &mut incoming)?;
        let routed = outcome?;
        self.commit_cache(tee);
        routed(c)?;
        fetched.elapsed = started.elapsed();
        Ok(fetched)
    }

    /// Ask for a version's tarball: the response, and the cache file its
    /// bytes are teed into (when the cache is written).
    fn start_download(
        &mut self,
        spec: &str,
        meta: &VersionMeta,
    ) -> Result<
        (
            ureq::http::Response<ureq::Body>,
            Option<crate::cache::TarballWriter>,
        ),
        ArtifactError,
    > {
        let url = &meta.tarball;
        let resp = self.get(spec, url, "*/*")?;
        let total = resp.body().content_length();
        if let Some(n) = total.filter(|&n| n > self.max_tarball) {
            return Err(ArtifactError::Limit {
                input: format!("npm:{spec}"),
                place: url.clone(),
                what: "file size",
                value: n,
                limit: self.max_tarball,
            });
        }
        let tee = match self.cache.filter(|_| self.write_cache) {
            Some(cache) => match cache.tarball_writer(&meta.integrity) {
                Ok(w) => Some(w),
                Err(e) => {
                    self.notices.push(format!("cache not written: {e}"));
                    None
                }
            },
            None => None,
        };
        let label = format!("{}@{}", meta.name, meta.version);
        if let Some(p) = &self.progress {
            p.start(&label, total);
        }
        Ok((resp, tee))
    }

    /// The counting, hashing, caching reader over a response body.
    fn incoming<'r>(
        &'r self,
        resp: &'r mut ureq::http::Response<ureq::Body>,
        meta: &VersionMeta,
        tee: Option<crate::cache::TarballWriter>,
    ) -> Incoming<'r, ureq::BodyReader<'r>> {
        Incoming {
            inner: resp.body_mut().as_reader(),
            hasher: meta.integrity.hasher(),
            bytes: 0,
            max: self.max_tarball,
            progress: self.progress.as_deref(),
            tee,
            failure: None,
            network: Duration::ZERO,
            cancel: self.cancel,
        }
    }

    /// Why did a download stop? The transport first (a cut connection
    /// surfaces as a gzip or tar error), then the size limit, then
    /// integrity — a corrupt stream is a mismatch, not a malformed
    /// package. On success, the cache file to commit.
    fn settle<R>(
        &self,
        spec: &str,
        meta: &VersionMeta,
        incoming: &mut Incoming<'_, R>,
    ) -> Result<Option<crate::cache::TarballWriter>, ArtifactError> {
        let url = &meta.tarball;
        match incoming.failure.take() {
            Some(Failure::Network(e)) => {
                return Err(ArtifactError::Registry {
                    spec: spec.to_string(),
                    url: url.clone(),
                    message: e.to_string(),
                });
            }
            Some(Failure::TooLarge(n)) => {
                return Err(ArtifactError::Limit {
                    input: format!("npm:{spec}"),
                    place: url.clone(),
                    what: "file size",
                    value: n,
                    limit: self.max_tarball,
                });
            }
            None => {}
        }
        let actual = incoming.hasher.clone().finish();
        if actual != meta.integrity {
            return Err(ArtifactError::Integrity {
                spec: spec.to_string(),
                url: url.clone(),
                expected: meta.integrity.to_string(),
                actual: actual.to_string(),
            });
        }
        Ok(incoming.tee.take())
    }

    fn commit_cache(&mut self, tee: Option<crate::cache::TarballWriter>) {
        if let Some(tee) = tee
            && let Err(e) = tee.commit()
        {
            self.notices.push(format!("cache not written: {e}"));
        }
    }

    /// The verified bytes of a version's tarball (cache first), for
    /// [`fetch`]: what `probe` lays out on disk is what `scan` reads.
    fn tarball(&mut self, spec: &str, meta: &VersionMeta) -> Result<Data, ArtifactError> {
        if let Some(data) = self.cache.and_then(|c| c.tarball(&meta.integrity)) {
            return Ok(data);
        }
        let (mut resp, tee) = self.start_download(spec, meta)?;
        let mut incoming = self.incoming(&mut resp, meta, tee);
        let mut bytes = Vec::new();
        let read = incoming.read_to_end(&mut bytes);
        if let Some(p) = &self.progress {
            p.finish();
        }
        let tee = self.settle(spec, meta, &mut incoming)?;
        drop(incoming);
        if let Err(e) = read {
            return Err(ArtifactError::Registry {
                spec: spec.to_string(),
                url: meta.tarball.clone(),
                message: e.to_string(),
            });
        }
        self.commit_cache(tee);
        Ok(Data::from_vec(bytes))
    }

    /// The optional dependency that is this platform's build, and why.
    /// `npm:` aliases (`"agent-linux-x64": "npm:@x/agent-linux-x64@1.2.3"`)
    /// are followed to the real package; either name may carry the
    /// platform.
    fn platform_package(
        &mut self,
        spec: &str,
        meta: &VersionMeta,
        platform: &str,
    ) -> Result<Option<(VersionMeta, String)>, ArtifactError> {
        if meta.optional.is_empty() {
            return Ok(None);
        }
        let (os, arch) = platform.split_once('-').unwrap_or((platform, ""));
        // Only the package's own builds: an optional dependency that is
        // another project's native module (`@img/sharp-linux-x64` of an
        // agent that resizes images) is not the agent's binary.
        let (deps, foreign): (Vec<Dependency>, Vec<Dependency>) = meta
            .optional
            .iter()
            .map(|(alias, range)| Dependency::new(alias, range))
            .partition(|d| same_project(&meta.name, &d.alias) || same_project(&meta.name, &d.name));
        if deps.is_empty() {
            let names: Vec<&str> = foreign.iter().map(|d| d.alias.as_str()).collect();
            self.notices.push(format!(
                "no platform package fetched: the optional dependencies of {} are other projects' packages ({})",
                meta.name,
                names.join(", ")
            ));
            return Ok(None);
        }
        let by_name: Vec<&Dependency> = deps
            .iter()
            .filter(|d| name_matches(&d.alias, os, arch) || name_matches(&d.name, os, arch))
            .collect();
        if let [d] = by_name.as_slice() {
            let m = self
                .resolve(spec, &d.name, d.range())
                .map_err(|e| match e {
                    ArtifactError::Package { spec, message } => ArtifactError::Package {
                        spec,
                        message: format!("{}{}: {message}", d.name, d.via()),
                    },
                    e => e,
                })?;
            return Ok(Some((m, format!("name matches {platform}{}", d.via()))));
        }
        // Ambiguous or no name match: ask the candidates' own os/cpu fields.
        let (pool, why): (Vec<&Dependency>, &str) = if by_name.is_empty() {
            (
                deps.iter().take(MAX_PLATFORM_LOOKUPS).collect(),
                "os/cpu fields",
            )
        } else {
            (by_name, "name and os/cpu fields")
        };
        let mut fits = Vec::new();
        let mut unchecked: Vec<(String, ArtifactError)> = Vec::new();
        for d in pool {
            let m = match self.resolve(spec, &d.name, d.range()) {
                Ok(m) => m,
                // One unreachable candidate must not sink the main package
                // when another one fits (checked below).
                Err(e) => {
                    let what = match d.range() {
                        Some(r) => format!("{}@{r}{}", d.name, d.via()),
                        None => format!("{}{}", d.name, d.via()),
                    };
                    self.notices.push(format!(
                        "platform candidate {what} not checked: {}",
                        candidate_error(&e)
                    ));
                    unchecked.push((what, e));
                    continue;
                }
            };
            // A package with neither field says nothing about platforms.
            if (!m.os.is_empty() || !m.cpu.is_empty()) && m.allows(os, arch) {
                fits.push((m, d.via()));
            }
        }
        // None fits and some could not be checked: one of those may be this
        // platform's build, so the executable a user would run is unknown.
        // That is never "no platform package" (which would let the wrapper
        // alone pass as the whole agent): a transient failure is returned
        // as itself (retried where the caller retries), anything else names
        // every candidate that could not be checked.
        if fits.is_empty() && !unchecked.is_empty() {
            if let Some(i) = unchecked
                .iter()
                .position(|(_, e)| matches!(e, ArtifactError::Registry { .. }))
            {
                return Err(unchecked.swap_remove(i).1);
            }
            let list: Vec<String> = unchecked
                .iter()
                .map(|(what, e)| format!("{what}: {}", candidate_error(e)))
                .collect();
            return Err(ArtifactError::Package {
                spec: spec.to_string(),
                message: format!("no candidate could be checked ({why}): {}", list.join("; ")),
            });
        }
        // Prefer glibc builds on Linux (what a default install gets here) and
        // the plainest name among the rest.
        fits.sort_by_key(|(m, _)| {
            (
                m.libc.iter().any(|l| l == "musl"),
                m.name.split(['-', '/']).count(),
                m.name.len(),
            )
        });
        let others: Vec<String> = fits.iter().skip(1).map(|(m, _)| m.name.clone()).collect();
        Ok(fits.into_iter().next().map(|(m, via)| {
            let why = if others.is_empty() {
                format!("{why} match {platform}{via}")
            } else {
                format!(
                    "{why} match {platform}{via}; preferred over {}",
                    others.join(", ")
                )
            };
            (m, why)
        }))
    }
}

/// A candidate's resolution error without the main package's spec, which
/// [`ArtifactError::Package`] puts first (the candidate is named by the
/// caller instead).
fn candidate_error(e: &ArtifactError) -> String {
    match e {
        ArtifactError::Package { message, .. } => message.clone(),
        e => e.to_string(),
    }
}

/// One `optionalDependencies` entry, its `npm:` alias resolved.
struct Dependency {
    /// The key (what npm installs it as).
    alias: String,
    /// The package fetched: the alias's target, or the key itself.
    name: String,
    range: String,
}

impl Dependency {
    fn new(alias: &str, range: &str) -> Dependency {
        if let Some(target) = range.strip_prefix("npm:")
            && let Ok(spec) = Spec::parse(target)
        {
            return Dependency {
                alias: alias.to_string(),
                name: spec.name,
                range: spec.reference.unwrap_or_default(),
            };
        }
        Dependency {
            alias: alias.to_string(),
            name: alias.to_string(),
            range: range.to_string(),
        }
    }

    fn range(&self) -> Option<&str> {
        Some(self.range.as_str()).filter(|r| !r.is_empty())
    }

    /// `" (npm: alias agent-linux-x64)"` for messages, or nothing.
    fn via(&self) -> String {
        if self.alias == self.name {
            String::new()
        } else {
            format!(" (npm: alias {})", self.alias)
        }
    }
}

/// One package fetched for a version: how much, from where, how long.
#[derive(Clone, Debug)]
pub struct Fetched {
    pub name: String,
    pub version: String,
    /// The SRI string the bytes were verified against.
    pub integrity: String,
    /// Compressed bytes read (from the network or the cache).
    pub bytes: u64,
    pub from_cache: bool,
    /// Time spent waiting for the network (inside reads of the body).
    pub network: Duration,
    /// Wall time of the fetch, inflating included.
    pub elapsed: Duration,
}

/// Why a streamed body stopped early (recorded by [`Incoming`], since the
/// gzip and tar readers above it only see an `io::Error`).
#[derive(Debug)]
enum Failure {
    Network(std::io::Error),
    TooLarge(u64),
}

/// A response body as it arrives: every byte is counted against the size
/// limit, hashed, reported to the progress bar and (optionally) written to
/// the cache's temporary file, exactly once, whoever reads it.
struct Incoming<'p, R> {
    inner: R,
    hasher: crate::integrity::Hasher,
    bytes: u64,
    max: u64,
    progress: Option<&'p dyn Progress>,
    tee: Option<crate::cache::TarballWriter>,
    failure: Option<Failure>,
    network: Duration,
    cancel: Option<&'p AtomicBool>,
}

impl<R: Read> Read for Incoming<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.failure.is_some() {
            return Err(std::io::Error::other("download already failed"));
        }
        if self.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            // Not `Interrupted`: readers above would retry that forever.
            self.failure = Some(Failure::Network(std::io::Error::other("cancelled")));
            return Err(std::io::Error::other("cancelled"));
        }
        let t = Instant::now();
        let n = loop {
            match self.inner.read(buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.network += t.elapsed();
                    let msg = e.to_string();
                    self.failure = Some(Failure::Network(e));
                    return Err(std::io::Error::other(msg));
                }
            }
        };
        self.network += t.elapsed();
        self.bytes += n as u64;
        if self.bytes > self.max {
            self.failure = Some(Failure::TooLarge(self.bytes));
            return Err(std::io::Error::other(
                "tarball larger than the file size limit",
            ));
        }
        self.hasher.update(&buf[..n]);
        if let Some(p) = self.progress {
            p.advance(n as u64);
        }
        if let Some(tee) = &mut self.tee
            && tee.write(&buf[..n]).is_err()
        {
            // A full disk must not fail the scan: stop caching this one.
            self.tee = None;
        }
        Ok(n)
    }
}

/// What is left to do once the stream is verified: route what was read.
type Deliver = Box<dyn FnOnce(&mut Collector<'_>) -> Result<(), ArtifactError>>;

/// Read a tarball stream named `name`: a gzip is inflated as it arrives
/// (its tar entries kept, nothing routed); anything else is buffered.
/// The stream is then read to its end, so the caller can check the hash
/// of every byte before calling the returned [`Deliver`].
fn stream_into<R: Read>(
    c: &mut Collector<'_>,
    name: &str,
    incoming: &mut Incoming<'_, R>,
) -> Result<Deliver, ArtifactError> {
    let chain = vec![name.to_string()];
    let mut head = Vec::with_capacity(2);
    let read_head = (&mut *incoming).take(2).read_to_end(&mut head);
    let result = match read_head {
        Err(e) => Err(ArtifactError::Io {
            input: name.to_string(),
            error: e,
        }),
        Ok(_) if head.starts_with(&[0x1f, 0x8b]) => {
            let budget = Budget::new(&c.opts.limits);
            let stream = std::io::Cursor::new(head).chain(&mut *incoming);
            archive::inflate_gzip(c, &chain, stream, &budget, name).map(|inflated| {
                Box::new(move |c: &mut Collector<'_>| {
                    archive::deliver(c, &chain, inflated, 1, &budget)
                }) as Deliver
            })
        }
        Ok(_) => {
            // Not gzip (npm tarballs are; a registry may serve otherwise):
            // buffer it and route it like any blob once verified.
            let mut all = head;
            match incoming.read_to_end(&mut all) {
                Ok(_) => {
                    let name = name.to_string();
                    Ok(Box::new(move |c: &mut Collector<'_>| {
                        c.blob(&[], &name, Data::from_vec(all), Hint::Found, 0, None)
                    }) as Deliver)
                }
                Err(e) => Err(ArtifactError::Io {
                    input: name.to_string(),
                    error: e,
                }),
            }
        }
    };
    // Whatever stopped the readers above, hash the rest of the body too.
    if incoming.failure.is_none() {
        let _ = std::io::copy(&mut *incoming, &mut std::io::sink());
    }
    result
}

/// Is `dep` a build of the same project as `pkg`: the same npm scope
/// (`@openai/codex` → `@openai/codex-linux-x64`), a scope named after the
/// package (`esbuild` → `@esbuild/linux-x64`), or the same first name token
/// (`opencode-ai` → `opencode-linux-x64`)?
fn same_project(pkg: &str, dep: &str) -> bool {
    let split = |n: &str| -> (Option<String>, String) {
        let n = n.to_ascii_lowercase();
        match n.strip_prefix('@').and_then(|r| r.split_once('/')) {
            Some((scope, base)) => (Some(scope.to_owned()), base.to_owned()),
            None => (None, n),
        }
    };
    let first = |b: &str| b.split(['-', '.', '_']).next().unwrap_or("").to_owned();
    let (ps, pb) = split(pkg);
    let (ds, db) = split(dep);
    match (&ps, &ds) {
        (Some(a), Some(b)) if a == b => true,
        (None, Some(b)) if *b == pb || *b == first(&pb) => true,
        _ => !first(&pb).is_empty() && first(&pb) == first(&db),
    }
}

/// Does a package name carry `os` and `arch` as its own tokens
/// (`agent-linux-x64`, `@x/cli-darwin-arm64-baseline`)?
fn name_matches(name: &str, os: &str, arch: &str) -> bool {
    let os_names: &[&str] = match os {
        "darwin" => &["darwin", "macos", "mac", "osx", "apple"],
        "win32" => &["win32", "windows", "win"],
        other => &[other],
    };
    let arch_names: &[&str] = match arch {
        "x64" => &["x64", "amd64", "x86_64"],
        "arm64" => &["arm64", "aarch64"],
        "ia32" => &["ia32", "x86", "i686"],
        other => &[other],
    };
    let base = name.rsplit('/').next().unwrap_or(name).to_ascii_lowercase();
    let tokens: Vec<&str> = base.split(['-', '.']).collect();
    tokens.iter().any(|t| os_names.contains(t)) && tokens.iter().any(|t| arch_names.contains(t))
}

fn looks_exact(v: &str) -> bool {
    let core = v.split(['-', '+']).next().unwrap_or(v);
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The version npm would install for `range`: the `latest` tag if it
/// satisfies the range, else the highest version that does (npm's rules,
/// by `nodejs-semver`: `^`, `~`, x-ranges, hyphen ranges, `||`, spaces).
fn max_satisfying<'v>(
    range: &str,
    versions: impl Iterator<Item = &'v String>,
    latest: Option<&str>,
) -> Option<String> {
    let range = nodejs_semver::Range::parse(range).ok()?;
    if let Some(l) = latest.and_then(|l| nodejs_semver::Version::parse(l).ok())
        && range.satisfies(&l)
    {
        return Some(l.to_string());
    }
    let all: Vec<nodejs_semver::Version> = versions
        .filter_map(|v| nodejs_semver::Version::parse(v).ok())
        .collect();
    range.max_satisfying(&all).map(ToString::to_string)
}

/// `^1.2.3`, `~1.2.3`, `>=1.2.3`, `=1.2.3` → `1.2.3` (the version the
/// range was written against).
#[cfg(test)]
fn range_base(r: &str) -> Option<String> {
    let base = r.trim_start_matches(['^', '~', '>', '=', 'v', ' ']);
    looks_exact(base).then(|| base.to_string())
}

/// Fetch, verify and read `spec` (and its platform package).
pub(crate) fn open(spec_text: &str, opts: &OpenOptions) -> Result<Artifact, ArtifactError> {
    let cfg = NpmConfig::from_environment(opts.registry.as_deref());
    open_with(spec_text, opts, cfg)
}

/// [`open`] with an explicit configuration (tests, embedders).
pub fn open_with(
    spec_text: &str,
    opts: &OpenOptions,
    cfg: NpmConfig,
) -> Result<Artifact, ArtifactError> {
    let spec = Spec::parse(spec_text)?;
    let platform = opts.platform.clone().unwrap_or_else(host_platform);
    check_platform(spec_text, &platform)?;
    let registry = Registry::new(cfg, &RegistryOptions::from_open(opts));
    let mut notices = Vec::new();
    let meta =
        registry
            .client(&mut notices)
            .resolve(spec_text, &spec.name, spec.reference.as_deref())?;
    let opened = registry.open_version(spec_text, &meta, &platform, opts)?;
    if let Some(missing) = opened.missing_platform {
        return Err(ArtifactError::Package {
            spec: spec_text.to_string(),
            message: missing,
        });
    }
    let mut artifact = opened.artifact;
    artifact.notices.splice(0..0, notices);
    Ok(artifact)
}

/// A package fetched and verified, not yet read: what `probe` lays out on
/// disk to run, from the same bytes `scan` reads.
pub struct Downloaded {
    pub name: String,
    pub version: String,
    pub tarball: Data,
    /// The platform package picked from `optionalDependencies`:
    /// (name, version, bytes, why).
    pub platform: Option<(String, String, Data, String)>,
    pub notices: Vec<String>,
}

/// Fetches and verifies `spec` and its platform package (cache first),
/// without reading them.
pub fn fetch(spec_text: &str, opts: &OpenOptions) -> Result<Downloaded, ArtifactError> {
    let cfg = NpmConfig::from_environment(opts.registry.as_deref());
    let spec = Spec::parse(spec_text)?;
    let platform = opts.platform.clone().unwrap_or_else(host_platform);
    check_platform(spec_text, &platform)?;
    let registry = Registry::new(cfg, &RegistryOptions::from_open(opts));
    let mut notices = registry.setup_notices.clone();
    let mut client = registry.client(&mut notices);
    let meta = client.resolve(spec_text, &spec.name, spec.reference.as_deref())?;
    let tarball = client.tarball(spec_text, &meta)?;
    let platform = match client.platform_package(spec_text, &meta, &platform)? {
        Some((m, why)) => {
            let d = client.tarball(spec_text, &m)?;
            Some((m.name, m.version, d, why))
        }
        None => None,
    };
    Ok(Downloaded {
        name: meta.name,
        version: meta.version,
        tarball,
        platform,
        notices,
    })
}

/// `platform` must be `<os>-<arch>` in npm's naming.
pub fn check_platform(spec: &str, platform: &str) -> Result<(), ArtifactError> {
    if platform
        .split_once('-')
        .is_some_and(|(os, arch)| !os.is_empty() && !arch.is_empty() && !arch.contains('-'))
    {
        return Ok(());
    }
    Err(ArtifactError::NpmSpec {
        spec: spec.to_string(),
        message: format!(
            "platform {platform:?} is not <os>-<arch> in npm's naming (linux-x64, darwin-arm64, win32-x64…)"
        ),
    })
}

/// How a [`Registry`] behaves.
#[derive(Clone, Default)]
pub struct RegistryOptions {
    /// Tarball and metadata cache; `None`: none at all.
    pub cache_dir: Option<PathBuf>,
    /// Write fetched tarballs and exact versions' metadata to the cache
    /// (`scan` does; `history` only with `--keep-tarballs`). Cached
    /// tarballs are read either way.
    pub write_cache: bool,
    /// Largest tarball accepted (compressed bytes).
    pub max_tarball: u64,
    pub progress: Option<Arc<dyn Progress>>,
    /// Set to stop downloads in flight: the next read of a body fails
    /// (as a transport error), so a Ctrl-C does not wait for 180 MB.
    pub cancel: Option<Arc<AtomicBool>>,
}

impl RegistryOptions {
    /// What `open` uses: the default cache, written; the file size limit.
    pub fn from_open(opts: &OpenOptions) -> RegistryOptions {
        RegistryOptions {
            cache_dir: opts.cache_dir.clone().or_else(Cache::default_dir),
            write_cache: true,
            max_tarball: opts.limits.max_file_size,
            progress: opts.progress.clone(),
            cancel: None,
        }
    }
}

/// A package's registry document: every published version's metadata,
/// dist-tags, and publish times.
#[derive(Clone, Debug, Default)]
pub struct Packument {
    pub name: String,
    /// Tag → version.
    pub dist_tags: Vec<(String, String)>,
    /// Version → its metadata, in the registry's order.
    pub versions: Vec<(String, Value)>,
    /// `time`: version → publish time (RFC 3339), plus `created`,
    /// `modified` and, for unpublished packages, `unpublished`. A version
    /// with a time but no metadata was unpublished.
    pub time: Vec<(String, String)>,
}

impl Packument {
    fn from_json(doc: &Value) -> Packument {
        let pairs = |k: &str| -> Vec<(String, String)> {
            doc.get(k)
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                        .collect()
                })
                .unwrap_or_default()
        };
        Packument {
            name: doc
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            dist_tags: pairs("dist-tags"),
            versions: doc
                .get("versions")
                .and_then(Value::as_object)
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            time: pairs("time"),
        }
    }
}

/// What [`Registry::open_version`] fetched and found.
#[derive(Debug, Default)]
pub struct Opened {
    pub artifact: Artifact,
    /// The package itself, then its platform package if any.
    pub packages: Vec<Fetched>,
    /// The platform package this version names for the platform but that
    /// could not be had (unpublished, missing version, broken tarball):
    /// what a user installs there is incomplete, and so is the scan.
    pub missing_platform: Option<String>,
}

/// A registry client that outlives one call: one HTTP agent (connections
/// kept alive), one configuration, one cache, for many versions.
pub struct Registry {
    cfg: NpmConfig,
    agent: ureq::Agent,
    cache: Option<Cache>,
    write_cache: bool,
    max_tarball: u64,
    progress: Option<Arc<dyn Progress>>,
    cancel: Option<Arc<AtomicBool>>,
    /// Set-up problems (an unreadable CA bundle) for the first report.
    pub setup_notices: Vec<String>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("registry", &self.cfg.registry)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

impl Registry {
    pub fn new(cfg: NpmConfig, opts: &RegistryOptions) -> Registry {
        let mut setup_notices = Vec::new();
        let agent = agent(&cfg, &mut setup_notices);
        Registry {
            cfg,
            agent,
            cache: opts.cache_dir.clone().map(Cache::new),
            write_cache: opts.write_cache,
            max_tarball: opts.max_tarball,
            progress: opts.progress.clone(),
            cancel: opts.cancel.clone(),
            setup_notices,
        }
    }

    /// The registry base URL serving `name`.
    pub fn url_for(&self, name: &str) -> &str {
        self.cfg.registry_for(name)
    }

    fn client<'a>(&'a self, notices: &'a mut Vec<String>) -> Client<'a> {
        Client {
            cfg: &self.cfg,
            agent: &self.agent,
            cache: self.cache.as_ref(),
            write_cache: self.write_cache,
            progress: self.progress.clone(),
            max_tarball: self.max_tarball,
            cancel: self.cancel.as_deref(),
            notices,
        }
    }

    /// Every version of `name`. `full` asks for the whole document rather
    /// than the abbreviated install form (needed only when the registry
    /// leaves `time` out of the abbreviated one).
    pub fn packument(&self, name: &str, full: bool) -> Result<Packument, ArtifactError> {
        let mut notices = Vec::new();
        let c = self.client(&mut notices);
        let doc = if full {
            c.packument_as(name, name, "application/json")?
        } else {
            c.packument(name, name)?
        };
        Ok(Packument::from_json(&doc))
    }

    /// Fetch and read one version as a user on `platform` installs it: the
    /// package (streamed, verified) and the platform package its own
    /// `optionalDependencies` name for `platform`. Transport failures are
    /// errors (callers retry); a platform package that does not exist or
    /// does not verify is reported in [`Opened::missing_platform`] and the
    /// rest is still read.
    pub fn open_version(
        &self,
        spec: &str,
        meta: &VersionMeta,
        platform: &str,
        opts: &OpenOptions,
    ) -> Result<Opened, ArtifactError> {
        let mut notices = self.setup_notices.clone();
        let mut c = Collector::new(opts);
        let mut client = self.client(&mut notices);
        let mut packages = vec![client.fetch_into(&mut c, spec, meta)?];
        let mut missing_platform = None;
        let retryable = |e: &ArtifactError| matches!(e, ArtifactError::Registry { .. });
        match client.platform_package(spec, meta, platform) {
            Ok(Some((m, why))) => match client.fetch_into(&mut c, spec, &m) {
                Ok(f) => {
                    c.notice(format!(
                        "fetched platform package {}@{} (optionalDependencies; {why})",
                        m.name, m.version
                    ));
                    packages.push(f);
                }
                Err(e) if retryable(&e) => return Err(e),
                Err(e) => {
                    missing_platform = Some(format!(
                        "platform package {}@{} ({why}) could not be read: {e}",
                        m.name, m.version
                    ));
                }
            },
            Ok(None) => {}
            Err(e) if retryable(&e) => return Err(e),
            Err(e) => {
                missing_platform = Some(format!(
                    "no platform package for {platform}: {}",
                    candidate_error(&e)
                ));
            }
        }
        c.out.notices.splice(0..0, notices);
        Ok(Opened {
            artifact: c.out,
            packages,
            missing_platform,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        let p = |s| Spec::parse(s).unwrap();
        assert_eq!(
            p("agent"),
            Spec {
                name: "agent".into(),
                reference: None
            }
        );
        assert_eq!(
            p("agent@1.2.3"),
            Spec {
                name: "agent".into(),
                reference: Some("1.2.3".into())
            }
        );
        assert_eq!(
            p("@s/agent"),
            Spec {
                name: "@s/agent".into(),
                reference: None
            }
        );
        assert_eq!(
            p("@s/agent@next"),
            Spec {
                name: "@s/agent".into(),
                reference: Some("next".into())
            }
        );
        // A range with spaces is a reference now (npm accepts `x@">=1 <2"`).
        assert_eq!(
            Spec::parse("a@1 || 2").unwrap().reference.as_deref(),
            Some("1 || 2")
        );
        for bad in [
            "", "@s", "@/x", "a b", "agent@", "../x", "@s/a/b", "a@./x/y",
        ] {
            let e = Spec::parse(bad).unwrap_err().to_string();
            assert!(e.contains("invalid npm package spec"), "{bad}: {e}");
        }
        assert_eq!(escape_name("@s/agent"), "@s%2fagent");
    }

    #[test]
    fn config_precedence_scopes_tokens_and_expansion() {
        let t = tempfile::tempdir().unwrap();
        let (project, home) = (t.path().join("p"), t.path().join("h"));
        std::fs::create_dir_all(&project).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        std::fs::write(
            home.join(".npmrc"),
            "registry=https://home.example/\n//home.example/:_authToken=${TOK}\n",
        )
        .unwrap();
        std::fs::write(
            project.join(".npmrc"),
            "registry=https://proj.example/npm\n@corp:registry=https://corp.example\n",
        )
        .unwrap();
        let dirs = [project.join(".npmrc"), home.join(".npmrc")];
        let env = |k: &str| (k == "TOK").then(|| "s3cret".to_string());
        let cfg = NpmConfig::load(None, &env, &dirs);
        assert_eq!(cfg.registry, "https://proj.example/npm/");
        assert_eq!(cfg.registry_for("@corp/x"), "https://corp.example/");
        assert_eq!(cfg.registry_for("@other/x"), "https://proj.example/npm/");
        assert_eq!(
            cfg.token_for("https://home.example/x/-/x-1.tgz"),
            Some("s3cret")
        );
        assert_eq!(cfg.token_for("https://evil.example/home.example/"), None);
        assert!(!format!("{cfg:?}").contains("s3cret"));
        let env2 = |k: &str| (k == "npm_config_registry").then(|| "http://env.example".to_string());
        assert_eq!(
            NpmConfig::load(None, &env2, &dirs).registry,
            "http://env.example/"
        );
        assert_eq!(
            NpmConfig::load(Some("http://flag.example/"), &env2, &dirs).registry,
            "http://flag.example/"
        );
        assert_eq!(
            NpmConfig::load(None, &|_| None, &[]).registry,
            DEFAULT_REGISTRY
        );
        // cafile: npmrc, overridden by npm_config_cafile; SSL_CERT_FILE as a fallback.
        std::fs::write(home.join(".npmrc"), "cafile=/etc/corp.pem\n").unwrap();
        assert_eq!(
            NpmConfig::load(None, &|_| None, &dirs).cafile,
            Some("/etc/corp.pem".into())
        );
        let env3 = |k: &str| (k == "SSL_CERT_FILE").then(|| "/etc/ssl.pem".to_string());
        assert_eq!(
            NpmConfig::load(None, &env3, &dirs).cafile,
            Some("/etc/corp.pem".into())
        );
        assert_eq!(
            NpmConfig::load(None, &env3, &[]).cafile,
            Some("/etc/ssl.pem".into())
        );
        let env4 = |k: &str| (k == "npm_config_cafile").then(|| "/etc/flag.pem".to_string());
        assert_eq!(
            NpmConfig::load(None, &env4, &dirs).cafile,
            Some("/etc/flag.pem".into())
        );
        let mut n = Vec::new();
        let cfg = NpmConfig {
            cafile: Some(t.path().join("missing.pem")),
            ..NpmConfig::default()
        };
        assert!(matches!(
            cfg.root_certs(&mut n),
            ureq::tls::RootCerts::WebPki
        ));
        assert!(n[0].contains("missing.pem not read"), "{n:?}");
    }

    #[test]
    fn platform_packages_of_the_same_project() {
        assert!(same_project(
            "@anthropic-ai/claude-code",
            "@anthropic-ai/claude-code-linux-x64"
        ));
        assert!(same_project("@openai/codex", "@openai/codex-linux-x64"));
        assert!(same_project("opencode-ai", "opencode-linux-x64"));
        assert!(same_project("esbuild", "@esbuild/linux-x64"));
        // A dependency's native module is not the agent's binary.
        assert!(!same_project(
            "@anthropic-ai/claude-code",
            "@img/sharp-linux-x64"
        ));
        assert!(!same_project(
            "@anthropic-ai/claude-code",
            "@img/sharp-libvips-linux-x64"
        ));
        assert!(!same_project("agent", "@img/sharp-linux-x64"));
        assert!(!same_project("my-agent", "sharp-linux-x64"));
    }

    #[test]
    fn node_extra_ca_certs_adds_to_the_roots() {
        // Issue 8: NODE_EXTRA_CA_CERTS replaced Mozilla's roots, so a
        // corporate CA broke every public registry. A CA generated here signs
        // a loopback server's certificate; with the CA added, the server is
        // trusted and the public roots are all still there.
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "plainsight test CA");
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let leaf = rcgen::CertificateParams::new(vec!["localhost".to_string()])
            .unwrap()
            .signed_by(&leaf_key, &issuer)
            .unwrap();
        let t = tempfile::tempdir().unwrap();
        let ca_pem = t.path().join("corp-ca.pem");
        std::fs::write(&ca_pem, ca_cert.pem()).unwrap();

        let env = |k: &str| (k == "NODE_EXTRA_CA_CERTS").then(|| ca_pem.display().to_string());
        let cfg = NpmConfig::load(None, &env, &[]);
        let mut notices = Vec::new();
        let ureq::tls::RootCerts::Specific(roots) = cfg.root_certs(&mut notices) else {
            panic!("not a specific root list");
        };
        assert!(notices.is_empty(), "{notices:?}");
        assert_eq!(
            roots.len(),
            webpki_root_certs::TLS_SERVER_ROOT_CERTS.len() + 1
        );
        assert!(roots.iter().any(|c| c.der() == ca_cert.der().as_ref()));

        // A real TLS handshake on loopback through the registry client.
        let server = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
        )
        .unwrap();
        let server = Arc::new(server);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let serve = std::thread::spawn(move || {
            for _ in 0..2 {
                let (tcp, _) = listener.accept().unwrap();
                let conn = rustls::ServerConnection::new(Arc::clone(&server)).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                let mut req = Vec::new();
                let mut buf = [0u8; 1024];
                while !req.ends_with(b"\r\n\r\n") {
                    match std::io::Read::read(&mut tls, &mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                }
                if req.is_empty() {
                    continue; // the client refused the certificate
                }
                let _ = std::io::Write::write_all(
                    &mut tls,
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                );
                tls.conn.send_close_notify();
                let _ = std::io::Write::flush(&mut tls);
            }
        });
        let url = format!("https://localhost:{port}/");
        // Without the extra CA the certificate is refused ...
        let plain = agent(&NpmConfig::load(None, &|_| None, &[]), &mut Vec::new());
        assert!(plain.get(&url).call().is_err());
        // ... with it, it is trusted.
        let mut body = String::new();
        agent(&cfg, &mut Vec::new())
            .get(&url)
            .call()
            .unwrap()
            .into_body()
            .into_reader()
            .read_to_string(&mut body)
            .unwrap();
        assert_eq!(body, "ok");
        serve.join().unwrap();
    }

    #[test]
    fn platform_names() {
        assert!(name_matches("@x/agent-linux-x64", "linux", "x64"));
        assert!(name_matches("agent-darwin-arm64", "darwin", "arm64"));
        assert!(name_matches("agent-linux-x64-musl", "linux", "x64"));
        assert!(!name_matches("agent-linux-arm64", "linux", "x64"));
        assert!(!name_matches("linuxtools-x64ish", "linux", "x64"));
        assert!(name_matches("agent-win32-x64", "win32", "x64"));
        let hp = host_platform();
        assert!(hp.contains('-'), "{hp}");
    }

    #[test]
    fn versions_and_ranges() {
        assert!(
            looks_exact("1.2.3")
                && looks_exact("1.2.3-beta.1")
                && !looks_exact("latest")
                && !looks_exact("1.2")
        );
        assert_eq!(range_base("^1.2.3").as_deref(), Some("1.2.3"));
        assert_eq!(range_base(">=0.1.0").as_deref(), Some("0.1.0"));
        assert_eq!(range_base("1.x"), None);
        // Issue 8: `^1.2.3` is the highest matching version, as npm picks it,
        // and ranges with spaces resolve.
        let vs: Vec<String> = ["1.2.3", "1.2.9", "1.9.0", "2.0.0", "2.1.0-beta.1"]
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(
            max_satisfying("^1.2.3", vs.iter(), Some("2.0.0")).as_deref(),
            Some("1.9.0")
        );
        assert_eq!(
            max_satisfying("~1.2.3", vs.iter(), None).as_deref(),
            Some("1.2.9")
        );
        assert_eq!(
            max_satisfying(">=1.2.4 <2", vs.iter(), None).as_deref(),
            Some("1.9.0")
        );
        assert_eq!(
            max_satisfying("1.x || >=2.0.0", vs.iter(), Some("2.0.0")).as_deref(),
            Some("2.0.0")
        );
        assert_eq!(max_satisfying("^3", vs.iter(), None), None);
    }

    #[test]
    fn os_cpu_fields() {
        let m = |os: &[&str], cpu: &[&str]| VersionMeta {
            name: "x".into(),
            version: "1.0.0".into(),
            integrity: Integrity::parse(&format!("sha256-{}", "A".repeat(43) + "=")).unwrap(),
            tarball: String::new(),
            optional: vec![],
            os: os.iter().map(|s| (*s).to_string()).collect(),
            cpu: cpu.iter().map(|s| (*s).to_string()).collect(),
            libc: vec![],
        };
        assert!(m(&["linux"], &["x64"]).allows("linux", "x64"));
        assert!(!m(&["linux"], &["arm64"]).allows("linux", "x64"));
        assert!(m(&["!win32"], &[]).allows("linux", "x64"));
        assert!(!m(&["!linux"], &[]).allows("linux", "x64"));
    }
}
