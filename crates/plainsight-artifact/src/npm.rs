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
use std::time::Duration;

use serde_json::Value;

use crate::cache::Cache;
use crate::input::{Collector, Hint};
use crate::integrity::Integrity;
use crate::{Artifact, ArtifactError, Data, OpenOptions, Progress};

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
struct VersionMeta {
    name: String,
    version: String,
    integrity: Integrity,
    tarball: String,
    /// Name → range, in declaration order.
    optional: Vec<(String, String)>,
    os: Vec<String>,
    cpu: Vec<String>,
    libc: Vec<String>,
}

impl VersionMeta {
    fn from_json(spec: &str, v: &Value) -> Result<VersionMeta, ArtifactError> {
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

/// A registry client for one `open` call.
struct Client<'a> {
    cfg: NpmConfig,
    agent: ureq::Agent,
    cache: Option<Cache>,
    progress: Option<Arc<dyn Progress>>,
    max_tarball: u64,
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
        let url = format!("{}{}", self.cfg.registry_for(name), escape_name(name));
        let mut resp = self.get(
            spec,
            &url,
            "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*",
        )?;
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
        if let Some(cache) = &self.cache
            && let Err(e) = cache.put_version(&registry, name, &chosen, meta)
        {
            self.notices.push(format!("cache not written: {e}"));
        }
        VersionMeta::from_json(spec, meta)
    }

    /// The verified tarball: from the cache, or downloaded and checked
    /// before anything parses it.
    fn tarball(&mut self, spec: &str, meta: &VersionMeta) -> Result<Data, ArtifactError> {
        if let Some(data) = self.cache.as_ref().and_then(|c| c.tarball(&meta.integrity)) {
            return Ok(data);
        }
        let url = &meta.tarball;
        let mut resp = self.get(spec, url, "*/*")?;
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
        let label = format!("{}@{}", meta.name, meta.version);
        if let Some(p) = &self.progress {
            p.start(&label, total);
        }
        let mut reader = resp.body_mut().as_reader();
        let mut bytes = Vec::with_capacity(total.unwrap_or(0).min(self.max_tarball) as usize);
        let mut buf = vec![0u8; 64 * 1024];
        let result = loop {
            match reader.read(&mut buf) {
                Ok(0) => break Ok(()),
                Ok(n) => {
                    bytes.extend_from_slice(&buf[..n]);
                    if let Some(p) = &self.progress {
                        p.advance(n as u64);
                    }
                    if bytes.len() as u64 > self.max_tarball {
                        break Err(ArtifactError::Limit {
                            input: format!("npm:{spec}"),
                            place: url.clone(),
                            what: "file size",
                            value: bytes.len() as u64,
                            limit: self.max_tarball,
                        });
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    break Err(ArtifactError::Registry {
                        spec: spec.to_string(),
                        url: url.clone(),
                        message: e.to_string(),
                    });
                }
            }
        };
        if let Some(p) = &self.progress {
            p.finish();
        }
        result?;
        if !meta.integrity.matches(&bytes) {
            return Err(ArtifactError::Integrity {
                spec: spec.to_string(),
                url: url.clone(),
                expected: meta.integrity.to_string(),
                actual: meta.integrity.of(&bytes).to_string(),
            });
        }
        if let Some(cache) = &self.cache
            && let Err(e) = cache.put_tarball(&meta.integrity, &bytes)
        {
            self.notices.push(format!("cache not written: {e}"));
        }
        Ok(Data::from_vec(bytes))
    }

    /// The optional dependency that is this platform's build, and why.
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
        let by_name: Vec<&(String, String)> = meta
            .optional
            .iter()
            .filter(|(n, _)| name_matches(n, os, arch))
            .collect();
        if let [(name, range)] = by_name.as_slice() {
            let m = self.resolve(
                spec,
                name,
                Some(range).filter(|r| !r.is_empty()).map(String::as_str),
            )?;
            return Ok(Some((m, format!("name matches {platform}"))));
        }
        // Ambiguous or no name match: ask the candidates' own os/cpu fields.
        let (pool, why): (Vec<&(String, String)>, &str) = if by_name.is_empty() {
            (
                meta.optional.iter().take(MAX_PLATFORM_LOOKUPS).collect(),
                "os/cpu fields",
            )
        } else {
            (by_name, "name and os/cpu fields")
        };
        let mut fits = Vec::new();
        for (name, range) in pool {
            let m = match self.resolve(spec, name, Some(range.as_str()).filter(|r| !r.is_empty())) {
                Ok(m) => m,
                // One unreachable candidate must not sink the main package.
                Err(e) => {
                    self.notices
                        .push(format!("platform candidate {name} not checked: {e}"));
                    continue;
                }
            };
            // A package with neither field says nothing about platforms.
            if (!m.os.is_empty() || !m.cpu.is_empty()) && m.allows(os, arch) {
                fits.push(m);
            }
        }
        // Prefer glibc builds on Linux (what a default install gets here) and
        // the plainest name among the rest.
        fits.sort_by_key(|m| {
            (
                m.libc.iter().any(|l| l == "musl"),
                m.name.split(['-', '/']).count(),
                m.name.len(),
            )
        });
        let others: Vec<String> = fits.iter().skip(1).map(|m| m.name.clone()).collect();
        Ok(fits.into_iter().next().map(|m| {
            let why = if others.is_empty() {
                format!("{why} match {platform}")
            } else {
                format!(
                    "{why} match {platform}; preferred over {}",
                    others.join(", ")
                )
            };
            (m, why)
        }))
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
    if !platform
        .split_once('-')
        .is_some_and(|(os, arch)| !os.is_empty() && !arch.is_empty() && !arch.contains('-'))
    {
        return Err(ArtifactError::NpmSpec {
            spec: spec_text.to_string(),
            message: format!(
                "platform {platform:?} is not <os>-<arch> in npm's naming (linux-x64, darwin-arm64, win32-x64…)"
            ),
        });
    }
    let cache = opts
        .cache_dir
        .clone()
        .or_else(Cache::default_dir)
        .map(Cache::new);
    let mut notices = Vec::new();
    let agent = agent(&cfg, &mut notices);
    let mut client = Client {
        cfg,
        agent,
        cache,
        progress: opts.progress.clone(),
        max_tarball: opts.limits.max_file_size,
        notices: &mut notices,
    };
    let meta = client.resolve(spec_text, &spec.name, spec.reference.as_deref())?;
    let data = client.tarball(spec_text, &meta)?;
    let plat = client.platform_package(spec_text, &meta, &platform)?;
    let plat_data = match &plat {
        Some((m, _)) => Some(client.tarball(spec_text, m)?),
        None => None,
    };

    let mut c = Collector::new(opts);
    c.out.notices = notices;
    c.blob(
        &[],
        &format!("npm:{}@{}", meta.name, meta.version),
        data,
        Hint::Found,
        0,
        None,
    )?;
    if let (Some((m, why)), Some(d)) = (plat, plat_data) {
        c.notice(format!(
            "fetched platform package {}@{} (optionalDependencies; {why})",
            m.name, m.version
        ));
        c.blob(
            &[],
            &format!("npm:{}@{}", m.name, m.version),
            d,
            Hint::Found,
            0,
            None,
        )?;
    }
    Ok(c.out)
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
