//! Fixture agents (small node scripts in `tests/fixtures/agents`) probed end
//! to end: carriers (look-alike, invisible, spacing, format) × triggers
//! (API host, time zone, host name, locale) × code shapes (ternary, if,
//! lookup table, switch), a proxy bypass, and clean agents whose
//! environment use is legitimate. Each test starts the sandbox itself and
//! skips with a printed reason where the kernel refuses namespaces or node
//! is missing.

use std::path::PathBuf;
use std::time::Duration;

use plainsight_core::Rule;
use plainsight_probe::experiment::{self, ExperimentError, Options};
use plainsight_probe::guide::Guidance;
use plainsight_probe::matrix::{DEFAULT_PORTS, Dim, RunConfig, Target};
use plainsight_probe::run::Helper;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/agents")
}

fn probe(script: &str) -> Option<(Vec<plainsight_core::Finding>, experiment::Observed)> {
    if std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: node is not installed");
        return None;
    }
    let ca = plainsight_probe::tls::new_run_ca().unwrap();
    let cfg = RunConfig {
        profile: plainsight_probe::profile::generic(),
        base_url_env: vec![("ANTHROPIC_BASE_URL".into(), String::new())],
        base_scheme: "https".into(),
        base_port: None,
        base_path: String::new(),
        key_env: vec!["ANTHROPIC_API_KEY".into()],
        prompt: "hi".into(),
        ca_cert_pem: ca.cert_pem,
        ca_key_pem: ca.key_pem,
        ports: DEFAULT_PORTS.to_vec(),
        timeout_ms: 60_000,
        max_body: 1 << 20,
        max_output: 1 << 16,
        max_exchanges: 200,
    };
    let dir = fixtures();
    let target = Target {
        argv: vec![
            "node".into(),
            dir.join(script).display().to_string(),
            "hi".into(),
        ],
        add_profile_args: false,
        cwd: dir.display().to_string(),
        keep_paths: vec![dir.display().to_string()],
        path_env: std::env::var("PATH").unwrap_or_default(),
    };
    let work = tempfile::tempdir().unwrap();
    let opts = Options {
        helper: Helper {
            exe: env!("CARGO_BIN_EXE_plainsight-probe-helper").into(),
        },
        jobs: 3,
        budget: Duration::from_mins(4),
        work_root: work.path().to_owned(),
        max_values: 3,
        group_cells: 2,
        env_group: 12,
    };
    match experiment::run(&cfg, &target, Guidance::default, &opts) {
        Ok(obs) => {
            let f = plainsight_probe::findings::build(&obs, script);
            Some((f, obs))
        }
        Err(ExperimentError::Sandbox(f)) if f.refused => {
            eprintln!(
                "skipped: the kernel refused the sandbox: {}: {}",
                f.step, f.message
            );
            None
        }
        Err(e) => panic!("{script}: {e}"),
    }
}

fn variation(f: &[plainsight_core::Finding]) -> Vec<&plainsight_core::Finding> {
    f.iter()
        .filter(|f| {
            matches!(
                f.rule,
                Rule::RuntimeLookAlike
                    | Rule::RuntimeInvisible
                    | Rule::RuntimeSpacing
                    | Rule::RuntimeFormat
                    | Rule::RuntimeUnprompted
            )
        })
        .collect()
}

fn expect(script: &str, rule: Rule, dim: &Dim) {
    let Some((f, obs)) = probe(script) else {
        return;
    };
    let v = variation(&f);
    assert!(
        v.iter()
            .any(|x| x.rule == rule && x.message.contains(&format!("with the {dim}"))),
        "{script}: expected {} with the {dim}; got {:#?}\ngaps: {:?}\ncells: {:#?}",
        rule.code(),
        f.iter()
            .map(|x| (x.rule.code(), &x.message))
            .collect::<Vec<_>>(),
        obs.gaps,
        obs.cells
            .iter()
            .map(|c| (
                &c.label,
                c.changes.len(),
                c.result.exchanges.len(),
                c.result
                    .exchanges
                    .first()
                    .map(|e| (e.host.clone(), e.body.clone())),
                c.settings.get(&Dim::Host).to_owned()
            ))
            .collect::<Vec<_>>()
    );
    assert!(obs.changing.contains(dim), "{:?}", obs.changing);
}

fn expect_clean(script: &str) -> Option<Vec<plainsight_core::Finding>> {
    let (f, obs) = probe(script)?;
    let v = variation(&f);
    assert!(
        v.is_empty(),
        "{script}: unexpected variation findings {v:#?}"
    );
    assert!(obs.changing.is_empty(), "{:?}", obs.changing);
    Some(f)
}

#[test]
fn lookalike_apostrophe_by_api_host() {
    expect(
        "covert_host_apostrophe.js",
        Rule::RuntimeLookAlike,
        &Dim::Host,
    );
}

#[test]
fn date_separator_by_time_zone() {
    expect("covert_tz_date.js", Rule::RuntimeFormat, &Dim::TimeZone);
}

#[test]
fn zero_width_by_host_name() {
    expect(
        "covert_hostname_zw.js",
        Rule::RuntimeInvisible,
        &Dim::HostName,
    );
}

#[test]
fn nbsp_by_locale() {
    expect("covert_locale_nbsp.js", Rule::RuntimeSpacing, &Dim::Locale);
}

#[test]
fn proxy_bypass_is_named() {
    let Some((f, _)) = probe("covert_proxy_bypass.js") else {
        return;
    };
    let b: Vec<_> = f.iter().filter(|x| x.rule == Rule::ProxyBypass).collect();
    assert!(
        b.iter()
            .any(|x| x.message.contains("telemetry.example.org")),
        "{:#?}",
        f.iter().map(|x| &x.message).collect::<Vec<_>>()
    );
    assert!(
        f.iter()
            .any(|x| x.rule == Rule::RuntimeEgress && x.message.contains("telemetry.example.org"))
    );
}

#[test]
fn clean_agents_have_no_variation() {
    expect_clean("clean_console_date.js");
    expect_clean("clean_i18n.js");
    if let Some(f) = expect_clean("clean_disclosure.js") {
        assert!(
            f.iter().any(|x| x.rule == Rule::EnvDisclosure),
            "host name disclosure expected"
        );
    }
    if let Some(f) = expect_clean("clean_proxy.js") {
        assert!(
            !f.iter().any(|x| x.rule == Rule::ProxyBypass),
            "{:#?}",
            f.iter().map(|x| &x.message).collect::<Vec<_>>()
        );
    }
}

#[test]
fn conjunction_of_two_conditions_is_found_and_named() {
    let Some((f, obs)) = probe("covert_conjunction.js") else {
        return;
    };
    // The host alone: the zero-width space.
    assert!(
        f.iter().any(|x| x.rule == Rule::RuntimeInvisible
            && x.message.contains(&format!("with the {}:", Dim::Host))),
        "{:#?}",
        f.iter()
            .map(|x| (x.rule.code(), &x.message))
            .collect::<Vec<_>>()
    );
    // The locale only while the host is a gateway: the no-break space,
    // with both dimensions and the values that trigger it named.
    let conj: Vec<_> = f
        .iter()
        .filter(|x| {
            x.rule == Rule::RuntimeSpacing
                && x.message.contains(&format!(
                    "with the {} together with the {}",
                    Dim::Host,
                    Dim::Locale
                ))
        })
        .collect();
    assert_eq!(
        conj.len(),
        1,
        "{:#?}\ncells: {:#?}",
        f.iter()
            .map(|x| (x.rule.code(), &x.message))
            .collect::<Vec<_>>(),
        obs.cells.iter().map(|c| &c.label).collect::<Vec<_>>()
    );
    let m = &conj[0].message;
    assert!(m.contains("U+00A0"), "{m}");
    assert!(m.contains("zh_CN.UTF-8"), "{m}");
    assert!(m.contains("llm-gateway.corp.example.com"), "{m}");
    // The locale alone changes nothing, so no single-dimension finding names it.
    assert!(
        !f.iter()
            .any(|x| x.message.contains(&format!("with the {}:", Dim::Locale))),
        "{:#?}",
        f.iter().map(|x| &x.message).collect::<Vec<_>>()
    );
    assert!(
        obs.conjunctions
            .iter()
            .any(|(a, b)| [a, b].contains(&&Dim::Host) && [a, b].contains(&&Dim::Locale)),
        "{:?}",
        obs.conjunctions
    );
    assert!(obs.changing.contains(&Dim::Locale), "{:?}", obs.changing);
}

#[test]
fn clean_twin_of_the_conjunction_has_no_variation() {
    expect_clean("clean_conjunction.js");
}
