//! The environment matrix: dimensions, their value catalogues (data), one
//! point of the matrix ([`Settings`]) and how a point becomes a sandbox
//! ([`CellSpec`]), every dimension set consistently (the variable and the
//! file behind it).

use std::collections::BTreeMap;
use std::fmt;

use crate::profile::Profile;
use crate::spec::{CellSpec, FileContent};

/// One thing about the environment the matrix varies.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dim {
    /// Host of the provider base URL (every base-URL variable of the profile, and its files).
    Host,
    /// `TZ`, `/etc/localtime`, `/etc/timezone`.
    TimeZone,
    /// `LANG`, `LC_ALL`, `LC_MESSAGES`.
    Locale,
    /// Host name (UTS namespace, `/etc/hostname`, `HOSTNAME`).
    HostName,
    /// User name (`/etc/passwd`, `USER`, `LOGNAME`, `HOME`).
    User,
    /// CI system variables.
    Ci,
    /// MAC address of the network interface.
    Mac,
    /// `~/.gitconfig` user e-mail.
    GitEmail,
    /// Proxy variables pointing at the capture proxy (`NO_PROXY` empty).
    Proxy,
    /// A variable the scan saw the code read by name.
    Env(String),
    /// A file the scan saw the code read (absolute path; `~/` for the home).
    File(String),
}

impl fmt::Display for Dim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dim::Host => f.write_str("base-URL host"),
            Dim::TimeZone => f.write_str("time zone"),
            Dim::Locale => f.write_str("locale"),
            Dim::HostName => f.write_str("host name"),
            Dim::User => f.write_str("user name"),
            Dim::Ci => f.write_str("CI system"),
            Dim::Mac => f.write_str("MAC address"),
            Dim::GitEmail => f.write_str("git e-mail"),
            Dim::Proxy => f.write_str("proxy variables"),
            Dim::Env(n) => write!(f, "${n}"),
            Dim::File(p) => write!(f, "file {p}"),
        }
    }
}

/// The value written for an unset variable.
pub const UNSET: &str = "(unset)";

/// One point of the matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub values: BTreeMap<Dim, String>,
}

impl Settings {
    pub fn get(&self, d: &Dim) -> &str {
        self.values.get(d).map_or(UNSET, String::as_str)
    }

    #[must_use]
    pub fn with(&self, d: &Dim, v: &str) -> Settings {
        let mut s = self.clone();
        s.values.insert(d.clone(), v.to_owned());
        s
    }

    /// The dimensions on which `self` differs from `base`, with values.
    pub fn changes_from(&self, base: &Settings) -> Vec<(Dim, String)> {
        let mut dims: Vec<&Dim> = self.values.keys().chain(base.values.keys()).collect();
        dims.sort();
        dims.dedup();
        dims.into_iter()
            .filter(|d| self.get(d) != base.get(d))
            .map(|d| ((*d).clone(), self.get(d).to_owned()))
            .collect()
    }
}

/// Value catalogues per fixed dimension, baseline first. Data, not logic:
/// zones across every UTC offset band, locales across scripts, MAC prefixes
/// of cloud and VM vendors, common CI systems.
pub mod catalogue {
    /// IANA zones: one per distinct offset band, the most populous zone of each.
    pub const TIME_ZONES: &[&str] = &[
        "Etc/UTC",
        "Asia/Shanghai",
        "America/New_York",
        "Europe/Moscow",
        "Asia/Kolkata",
        "America/Los_Angeles",
        "Asia/Tokyo",
        "Europe/Berlin",
        "America/Sao_Paulo",
        "Asia/Dubai",
        "Australia/Sydney",
        "Asia/Jakarta",
        "Africa/Lagos",
        "Asia/Karachi",
        "Asia/Dhaka",
        "Asia/Tehran",
        "Asia/Kathmandu",
        "Asia/Yangon",
        "Pacific/Auckland",
        "America/Mexico_City",
        "America/Denver",
        "America/Anchorage",
        "Pacific/Honolulu",
        "America/St_Johns",
        "Atlantic/Azores",
        "America/Noronha",
        "Europe/London",
        "Australia/Adelaide",
        "Pacific/Chatham",
        "Pacific/Kiritimati",
        "Pacific/Pago_Pago",
        "Asia/Seoul",
        "Asia/Hong_Kong",
        "Asia/Taipei",
        "Asia/Singapore",
        "Europe/Istanbul",
        "Asia/Riyadh",
        "Africa/Johannesburg",
        "Asia/Ho_Chi_Minh",
        "Asia/Urumqi",
    ];
    /// Locales across scripts and conventions (`ll_CC.UTF-8`).
    pub const LOCALES: &[&str] = &[
        "en_US.UTF-8",
        "zh_CN.UTF-8",
        "ja_JP.UTF-8",
        "ru_RU.UTF-8",
        "de_DE.UTF-8",
        "ar_SA.UTF-8",
        "hi_IN.UTF-8",
        "ko_KR.UTF-8",
        "fr_FR.UTF-8",
        "pt_BR.UTF-8",
        "he_IL.UTF-8",
        "th_TH.UTF-8",
        "zh_TW.UTF-8",
        "tr_TR.UTF-8",
        "C.UTF-8",
    ];
    pub const HOST_NAMES: &[&str] = &[
        "devbox",
        "ip-172-31-7-42",
        "build-agent-07",
        "macbook-pro",
        "ws-0042.corp.example.com",
        "gke-pool-1-node-3",
        "localhost.localdomain",
        "ubuntu",
    ];
    pub const USERS: &[&str] = &[
        "alice",
        "runner",
        "ubuntu",
        "zhang.wei",
        "root2",
        "jenkins",
        "ec2-user",
        "admin",
    ];
    /// Locally administered first, then vendor prefixes (VMware, VirtualBox,
    /// Hyper-V/Azure, QEMU/KVM, AWS Nitro, GCP, Docker, Parallels, Xen).
    pub const MACS: &[&str] = &[
        "02:00:5e:10:00:01",
        "00:50:56:9a:3b:4c",
        "08:00:27:5d:6e:7f",
        "00:15:5d:01:02:03",
        "52:54:00:12:34:56",
        "0e:8a:1b:2c:3d:4e",
        "42:01:0a:80:00:02",
        "02:42:ac:11:00:02",
        "00:1c:42:00:00:08",
        "00:16:3e:7a:8b:9c",
    ];
    pub const GIT_EMAILS: &[&str] = &[
        "alice@example.com",
        "dev@corp.example.com",
        "12345+user@users.noreply.github.com",
        "wei.zhang@example.cn",
        "someone@gmail.com",
    ];
    /// CI systems: name, variables.
    pub const CI: &[(&str, &[(&str, &str)])] = &[
        ("none", &[]),
        (
            "github-actions",
            &[
                ("CI", "true"),
                ("GITHUB_ACTIONS", "true"),
                ("GITHUB_RUN_ID", "1234567890"),
                ("GITHUB_REPOSITORY", "example/project"),
                ("RUNNER_OS", "Linux"),
            ],
        ),
        (
            "gitlab-ci",
            &[
                ("CI", "true"),
                ("GITLAB_CI", "true"),
                ("CI_PIPELINE_ID", "98765"),
                ("CI_PROJECT_PATH", "example/project"),
            ],
        ),
        (
            "jenkins",
            &[
                ("JENKINS_URL", "https://jenkins.example.com/"),
                ("BUILD_ID", "42"),
                ("BUILD_NUMBER", "42"),
            ],
        ),
        (
            "circleci",
            &[
                ("CI", "true"),
                ("CIRCLECI", "true"),
                ("CIRCLE_BUILD_NUM", "17"),
            ],
        ),
        (
            "buildkite",
            &[
                ("CI", "true"),
                ("BUILDKITE", "true"),
                ("BUILDKITE_BUILD_ID", "0190"),
            ],
        ),
        (
            "azure-pipelines",
            &[("TF_BUILD", "True"), ("BUILD_BUILDID", "311")],
        ),
        (
            "travis",
            &[("CI", "true"), ("TRAVIS", "true"), ("TRAVIS_JOB_ID", "55")],
        ),
    ];
    /// Alternative provider hosts when the scan offers none: another
    /// provider, a gateway, a self-hosted name, an IP-literal-like name.
    pub const HOSTS: &[&str] = &[
        "llm-gateway.corp.example.com",
        "api.example-provider.net",
        "openrouter.ai",
        "proxy.internal",
        "ai.example.cn",
    ];
}

/// The fixed dimensions with their catalogues (baseline value first).
pub fn fixed_catalogue(base_host: &str) -> Vec<(Dim, Vec<String>)> {
    let v = |xs: &[&str]| xs.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let mut hosts = vec![base_host.to_owned()];
    hosts.extend(v(catalogue::HOSTS));
    vec![
        (Dim::Host, hosts),
        (Dim::TimeZone, v(catalogue::TIME_ZONES)),
        (Dim::Locale, v(catalogue::LOCALES)),
        (Dim::HostName, v(catalogue::HOST_NAMES)),
        (Dim::User, v(catalogue::USERS)),
        (
            Dim::Ci,
            catalogue::CI.iter().map(|(n, _)| (*n).to_owned()).collect(),
        ),
        (Dim::Mac, v(catalogue::MACS)),
        (Dim::GitEmail, v(catalogue::GIT_EMAILS)),
        (Dim::Proxy, vec!["off".to_owned(), "on".to_owned()]),
    ]
}

/// Where the agent is and how it is started.
#[derive(Clone, Debug)]
pub struct Target {
    /// Command line inside the sandbox (without the profile's arguments when
    /// `add_profile_args` is false).
    pub argv: Vec<String>,
    pub add_profile_args: bool,
    pub cwd: String,
    pub keep_paths: Vec<String>,
    /// `PATH` for the agent.
    pub path_env: String,
}

/// Everything fixed for a whole probe run.
#[derive(Clone, Debug)]
pub struct RunConfig {
    pub profile: &'static Profile,
    /// Base-URL variables (profile's, or the user's `--base-url-env`),
    /// each with the path its URL carries (`/v1` for OpenAI-compatible ones).
    pub base_url_env: Vec<(String, String)>,
    /// Scheme and port of the base URL; the host varies.
    pub base_scheme: String,
    pub base_port: Option<u16>,
    /// Path of the base URL written into profile files (`{base_url}`).
    pub base_path: String,
    pub key_env: Vec<String>,
    pub prompt: String,
    pub ca_cert_pem: String,
    pub ca_key_pem: String,
    pub ports: Vec<u16>,
    pub timeout_ms: u64,
    pub max_body: usize,
    pub max_output: usize,
    pub max_exchanges: usize,
}

pub const PROXY_HOST: &str = "proxy.corp.example.com";
pub const PROXY_PORT: u16 = 3128;
/// CA bundle locations of the common distributions; the ones the host has are covered.
const CA_BUNDLES: &[&str] = &[
    "ssl/certs/ca-certificates.crt",
    "pki/tls/certs/ca-bundle.crt",
    "ssl/cert.pem",
    "ssl/ca-bundle.pem",
    "pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
];

impl RunConfig {
    /// The base URL for `host`.
    pub fn base_url(&self, host: &str) -> String {
        self.base_url_with(host, &self.base_path)
    }

    fn base_url_with(&self, host: &str, path: &str) -> String {
        let port = self.base_port.map(|p| format!(":{p}")).unwrap_or_default();
        format!("{}://{host}{port}{path}", self.base_scheme)
    }

    /// The sandbox for one point of the matrix.
    pub fn cell(&self, target: &Target, s: &Settings) -> CellSpec {
        let user = s.get(&Dim::User).to_owned();
        let home = format!("/home/{user}");
        let host = s.get(&Dim::Host).to_owned();
        let base_url = self.base_url(&host);
        let api_key = self.profile.api_key;
        let fill = |t: &str| {
            t.replace("{prompt}", &self.prompt)
                .replace("{base_url}", &base_url)
                .replace("{api_key}", api_key)
        };
        let mut env: BTreeMap<String, String> = BTreeMap::new();
        let mut put = |k: &str, v: &str| {
            env.insert(k.to_owned(), v.to_owned());
        };
        put("PATH", &target.path_env);
        put("HOME", &home);
        put("USER", &user);
        put("LOGNAME", &user);
        put("SHELL", "/bin/bash");
        put("TERM", "xterm-256color");
        put("HOSTNAME", s.get(&Dim::HostName));
        let tz = s.get(&Dim::TimeZone).to_owned();
        put("TZ", &tz);
        let locale = s.get(&Dim::Locale).to_owned();
        for k in ["LANG", "LC_ALL", "LC_MESSAGES"] {
            put(k, &locale);
        }
        let bundle = "/etc/ssl/certs/ca-certificates.crt";
        put("NODE_EXTRA_CA_CERTS", bundle);
        put("SSL_CERT_FILE", bundle);
        put("REQUESTS_CA_BUNDLE", bundle);
        if host != UNSET {
            for (k, path) in &self.base_url_env {
                put(k, &self.base_url_with(&host, path));
            }
        }
        for k in &self.key_env {
            put(k, api_key);
        }
        for (k, v) in self.profile.env {
            put(k, v);
        }
        if s.get(&Dim::Proxy) == "on" {
            let url = format!("http://{PROXY_HOST}:{PROXY_PORT}");
            for k in [
                "HTTPS_PROXY",
                "HTTP_PROXY",
                "ALL_PROXY",
                "https_proxy",
                "http_proxy",
                "all_proxy",
            ] {
                put(k, &url);
            }
            put("NO_PROXY", "");
            put("no_proxy", "");
        }
        if let Some((_, vars)) = catalogue::CI.iter().find(|(n, _)| *n == s.get(&Dim::Ci)) {
            for (k, v) in *vars {
                put(k, v);
            }
        }
        let mut home_files: Vec<(String, FileContent)> = Vec::new();
        let mut etc_extra: Vec<(String, FileContent)> = Vec::new();
        for (d, v) in &s.values {
            match d {
                Dim::Env(name) => {
                    if v == UNSET {
                        env.remove(name);
                    } else {
                        env.insert(name.clone(), v.clone());
                    }
                }
                Dim::File(path) if v != UNSET => {
                    if let Some(rel) = path.strip_prefix("~/") {
                        home_files.push((rel.to_owned(), FileContent::Text(v.clone())));
                    } else if let Some(rel) = path.strip_prefix("/etc/") {
                        etc_extra.push((rel.to_owned(), FileContent::Text(v.clone())));
                    }
                }
                _ => {}
            }
        }
        let email = s.get(&Dim::GitEmail);
        home_files.push((
            ".gitconfig".to_owned(),
            FileContent::Text(format!(
                "[user]\n\tname = {user}\n\temail = {email}\n[init]\n\tdefaultBranch = main\n"
            )),
        ));
        for (rel, content) in self.profile.home_files {
            home_files.push(((*rel).to_owned(), FileContent::Text(fill(content))));
        }
        let hostname = s.get(&Dim::HostName).to_owned();
        let mut bundle_text =
            std::fs::read_to_string("/etc/ssl/certs/ca-certificates.crt").unwrap_or_default();
        if !bundle_text.ends_with('\n') && !bundle_text.is_empty() {
            bundle_text.push('\n');
        }
        bundle_text.push_str(&self.ca_cert_pem);
        let mut etc: Vec<(String, FileContent)> = vec![
            (
                "hosts".into(),
                FileContent::Text(format!(
                    "127.0.0.1\tlocalhost\n127.0.1.1\t{hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                )),
            ),
            (
                "resolv.conf".into(),
                FileContent::Text(format!(
                    "nameserver {}\noptions edns0\n",
                    crate::sandbox::DNS_ADDR
                )),
            ),
            (
                "hostname".into(),
                FileContent::Text(format!("{hostname}\n")),
            ),
            (
                "passwd".into(),
                FileContent::Text(format!(
                    "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n{user}:x:1000:1000:{user}:{home}:/bin/bash\n"
                )),
            ),
            (
                "group".into(),
                FileContent::Text(format!("root:x:0:\nnogroup:x:65534:\n{user}:x:1000:\n")),
            ),
            ("timezone".into(), FileContent::Text(format!("{tz}\n"))),
            (
                "localtime".into(),
                FileContent::Symlink(format!("/usr/share/zoneinfo/{tz}")),
            ),
            (
                "default/locale".into(),
                FileContent::Text(format!("LANG={locale}\n")),
            ),
        ];
        for b in CA_BUNDLES {
            if std::path::Path::new("/etc").join(b).exists() {
                etc.push(((*b).to_owned(), FileContent::Text(bundle_text.clone())));
            }
        }
        etc.extend(etc_extra);
        let mut argv = target.argv.clone();
        if target.add_profile_args {
            argv.extend(self.profile.args.iter().map(|a| fill(a)));
        }
        let mut ports = self.ports.clone();
        if let Some(p) = self.base_port {
            ports.push(p);
        }
        let cwd = if target.cwd == "~" {
            home.clone()
        } else {
            target.cwd.clone()
        };
        CellSpec {
            argv,
            cwd,
            env: env.into_iter().collect(),
            hostname,
            user,
            etc,
            home: home_files,
            keep_paths: target.keep_paths.clone(),
            mac: Some(s.get(&Dim::Mac).to_owned()),
            iface: "eth0".to_owned(),
            ports,
            proxy_port: (s.get(&Dim::Proxy) == "on").then_some(PROXY_PORT),
            ca_cert_pem: self.ca_cert_pem.clone(),
            ca_key_pem: self.ca_key_pem.clone(),
            reply_text: "Hi! How can I help you today?".to_owned(),
            timeout_ms: self.timeout_ms,
            max_body: self.max_body,
            max_output: self.max_output,
            max_exchanges: self.max_exchanges,
        }
    }
}

/// Default listening ports: web, common alternates, OTLP.
pub const DEFAULT_PORTS: &[u16] = &[
    80, 443, 3000, 4317, 4318, 5000, 8000, 8080, 8443, 8888, 9000, 9090,
];
