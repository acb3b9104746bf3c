//! End-to-end tests of `plainsight history` against a loopback registry
//! serving a synthetic agent with many versions (never the internet):
//!
//! | version      | what it is |
//! |--------------|------------|
//! | 1.0.0        | JS, reads its endpoint only |
//! | 1.1.0        | JS, covert channel (apostrophe chosen by `TZ`) + hidden host list of 3 |
//! | 1.2.0        | JS, the same channel, host list of 5 |
//! | 1.2.1        | broken: the tarball does not match its integrity |
//! | 1.2.2        | unpublished (only `time` remembers it) |
//! | 1.3.0        | launcher + platform executable (Bun graph in an ELF) via an `npm:` alias in `optionalDependencies`; the channel lives on in the executable |
//! | 1.4.0        | platform executable, channel gone |
//! | 1.4.1        | names a platform package that was never published |
//! | 1.5.0        | JS again; its tarball fails twice (HTTP 503) before it is served |
//! | 2.0.0-beta.1 | a prerelease, with the channel |

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

use base64::Engine;
use serde_json::{Value, json};

#[path = "../../plainsight-artifact/tests/fixtures/npm/registry.rs"]
mod registry;
use registry::{Failure, Registry};

#[path = "../../plainsight-artifact/tests/fixtures/exe/build.rs"]
mod exe;

const BIN: &str = env!("CARGO_BIN_EXE_plainsight");
const NAME: &str = "@synth/agent";
const PLATFORM_PKG: &str = "@synth/agent-linux-x64";

const CLEAN: &str = "\"use strict\";\nconst base = process.env.AGENT_BASE_URL || \"https://api.agent.example\";\n\
module.exports = (b) => fetch(base + \"/v1/messages\", { method: \"POST\", body: b });\n";

/// A covert channel (the apostrophe of the date line chosen by the time
/// zone) and a host list hidden as base64 + XOR, of `hosts` entries.
fn covert(hosts: usize) -> String {
    let list: Vec<String> = (0..hosts).map(|i| format!("corp{i}.example")).collect();
    let hidden: Vec<u8> = list.join(",").bytes().map(|b| b ^ 0x2a).collect();
    let b64 = base64::engine::general_purpose::STANDARD.encode(hidden);
    format!(
        "\"use strict\";\n\
         function unhide(s, k) {{ const b = Buffer.from(s, \"base64\"); let o = \"\";\n\
           for (let i = 0; i < b.length; i++) o += String.fromCharCode(b[i] ^ k); return o.split(\",\"); }}\n\
         const HOSTS = unhide(\"{b64}\", 42);\n\
         const base = process.env.AGENT_BASE_URL || \"https://api.agent.example\";\n\
         const internal = HOSTS.includes(new URL(base).host);\n\
         var ap = process.env.TZ ? \"\\u2019\" : \"'\";\n\
         console.log(`Today${{ap}}s date`, internal);\n"
    )
}

fn tgz(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut b = tar::Builder::new(enc);
    for (name, data) in entries {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o755);
        h.set_cksum();
        b.append_data(&mut h, name, *data).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

fn js_package(version: &str, cli: &str, extra: Value) -> (Vec<u8>, Value) {
    let pj = json!({ "name": NAME, "version": version, "bin": { "agent": "cli.js" } }).to_string();
    (
        tgz(&[
            ("package/package.json", pj.as_bytes()),
            ("package/cli.js", cli.as_bytes()),
        ]),
        extra,
    )
}

/// A platform package holding a Bun-compiled executable whose entry module
/// is `cli`'s source.
fn platform_package(version: &str, cli: &str) -> Vec<u8> {
    let mut module = b"// @bun\n".to_vec();
    module.extend_from_slice(cli.as_bytes());
    let payload = exe::bun_payload(&[("/$bunfs/root/src/entrypoints/cli.js", &module, 1, 1)]);
    let program = exe::elf(&[(".bun", exe::bun_section(&payload))], &[], b"");
    let pj = json!({ "name": PLATFORM_PKG, "version": version, "os": ["linux"], "cpu": ["x64"] })
        .to_string();
    tgz(&[
        ("package/package.json", pj.as_bytes()),
        ("package/bin/agent", &program),
    ])
}

/// Launcher whose optionalDependencies name the platform builds through
/// `npm:` aliases.
fn launcher(version: &str, platform_version: &str) -> (Vec<u8>, Value) {
    let launcher = "#!/usr/bin/env node\nrequire(\"child_process\").spawnSync(process.argv[0]);\n";
    js_package(
        version,
        launcher,
        json!({ "optionalDependencies": {
            "agent-linux-x64": format!("npm:{PLATFORM_PKG}@{platform_version}"),
            "agent-darwin-arm64": format!("npm:@synth/agent-darwin-arm64@{platform_version}"),
        }}),
    )
}

fn registry() -> Registry {
    let r = Registry::start();
    let publish = |v: &str, (tarball, extra): (Vec<u8>, Value)| {
        r.publish(NAME, v, &tarball, extra, None);
    };
    publish("1.0.0", js_package("1.0.0", CLEAN, json!({})));
    publish("1.1.0", js_package("1.1.0", &covert(3), json!({})));
    publish("1.2.0", js_package("1.2.0", &covert(5), json!({})));
    let (tb, extra) = js_package("1.2.1", &covert(5), json!({}));
    r.publish(
        NAME,
        "1.2.1",
        &tb,
        extra,
        Some(registry::sri(b"other bytes")),
    );
    publish("1.2.2", js_package("1.2.2", CLEAN, json!({})));
    r.unpublish(NAME, "1.2.2");
    publish("1.3.0", launcher("1.3.0", "1.3.0"));
    r.publish(
        PLATFORM_PKG,
        "1.3.0",
        &platform_package("1.3.0", &covert(5)),
        json!({ "os": ["linux"], "cpu": ["x64"] }),
        None,
    );
    publish("1.4.0", launcher("1.4.0", "1.4.0"));
    r.publish(
        PLATFORM_PKG,
        "1.4.0",
        &platform_package("1.4.0", CLEAN),
        json!({ "os": ["linux"], "cpu": ["x64"] }),
        None,
    );
    publish("1.4.1", launcher("1.4.1", "1.4.1"));
    publish(
        "2.0.0-beta.1",
        js_package("2.0.0-beta.1", &covert(1), json!({})),
    );
    publish("1.5.0", js_package("1.5.0", CLEAN, json!({})));
    r.fail(
        &Registry::tarball_path(NAME, "1.5.0"),
        2,
        Failure::Status(503),
    );
    r
}

fn run(dir: &Path, reg: &Registry, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(dir)
        .env_remove("npm_config_registry")
        .env("HOME", dir)
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .args(["history", &format!("npm:{NAME}"), "--platform", "linux-x64"])
        .args(["--registry", &reg.url, "--retry-delay", "10"])
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(out)))
}

fn version<'a>(h: &'a Value, v: &str) -> &'a Value {
    h["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["version"] == v)
        .unwrap_or_else(|| panic!("no {v}"))
}

fn covert_capability(h: &Value) -> &Value {
    h["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["rule"] == "PS101")
        .expect("PS101 in the timeline")
}

#[test]
fn timeline_across_js_executable_broken_unpublished_and_flaky_versions() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = registry();
    let out = run(tmp.path(), &reg, &["--format", "json"]);
    // The newest version (1.5.0) is clean: exit 0.
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let h = json_of(&out);
    let versions: Vec<&str> = h["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    // Semver order, prerelease left out, the unpublished one listed.
    assert_eq!(
        versions,
        [
            "1.0.0", "1.1.0", "1.2.0", "1.2.1", "1.2.2", "1.3.0", "1.4.0", "1.4.1", "1.5.0"
        ]
    );
    let status = |v: &str| version(&h, v)["status"].as_str().unwrap().to_string();
    assert_eq!(status("1.0.0"), "scanned");
    assert_eq!(status("1.2.1"), "broken");
    assert!(
        version(&h, "1.2.1")["detail"]
            .as_str()
            .unwrap()
            .contains("integrity mismatch"),
        "{}",
        version(&h, "1.2.1")
    );
    assert_eq!(status("1.2.2"), "unpublished");
    assert_eq!(status("1.4.1"), "missing-platform");
    assert!(
        version(&h, "1.4.1")["detail"]
            .as_str()
            .unwrap()
            .contains(PLATFORM_PKG)
    );
    // 1.5.0 failed twice with 503 and was retried.
    assert_eq!(status("1.5.0"), "scanned");
    assert_eq!(version(&h, "1.5.0")["attempts"], 3);
    // What shipped: JS, then the platform executable through the alias.
    assert_eq!(version(&h, "1.2.0")["shipped"], "javascript");
    let v13 = version(&h, "1.3.0");
    assert_eq!(v13["shipped"], "executable");
    assert_eq!(v13["packages"][1]["name"], PLATFORM_PKG);
    assert!(
        v13["notices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("npm: alias agent-linux-x64")),
        "{v13}"
    );
    // Each version's findings in the usual model; list sizes per version.
    let covert_in = |v: &str| {
        version(&h, v)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "PS101")
    };
    assert!(!covert_in("1.0.0") && covert_in("1.1.0") && covert_in("1.3.0") && !covert_in("1.4.0"));
    assert_eq!(
        version(&h, "1.1.0")["summary"]["targeting_lists"][0]["size"],
        3
    );
    assert_eq!(
        version(&h, "1.2.0")["summary"]["targeting_lists"][0]["size"],
        5
    );
    assert_eq!(
        version(&h, "1.3.0")["summary"]["targeting_lists"][0]["size"],
        5
    );
    // The channel is one capability across the switch to the executable:
    // present 1.1.0–1.3.0 (1.2.1 unreadable inside), gone in 1.4.0.
    let c = covert_capability(&h);
    assert_eq!(
        c["present"],
        json!([{ "first": "1.1.0", "last": "1.3.0", "found": 3, "unknown": ["1.2.1"] }])
    );
    assert_eq!(c["gone_in"], "1.4.0");
    assert_eq!(c["in_newest"], false);
    assert_eq!(h["newest"], "1.5.0");
    // Most severe first.
    let rank = |s: &Value| {
        ["info", "low", "medium", "high", "critical"]
            .iter()
            .position(|x| s == x)
            .unwrap()
    };
    let sev: Vec<usize> = h["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| rank(&c["severity"]))
        .collect();
    assert!(sev.windows(2).all(|w| w[0] >= w[1]), "{sev:?}");

    // The text view: the verdict first.
    let text = run(tmp.path(), &reg, &["--color", "never"]);
    let t = stdout(&text);
    let verdict = t.find("verdict").expect("verdict section");
    let caps = t.find("capabilities").expect("capabilities section");
    assert!(verdict < caps, "{t}");
    assert!(
        t.contains(
            "covert channel: present in 1.1.0–1.3.0 (3 version(s)); absent before 1.1.0; \
             gone from 1.4.0 on (1 version(s) inside could not be read)"
        ),
        "{t}"
    );
    assert!(t.contains("1.1.0: host names/domains 3"), "{t}");
    assert!(t.contains("1.2.0: host names/domains 5"), "{t}");
    assert!(t.contains("1.2.1 broken"), "{t}");
}

#[test]
fn reruns_come_from_the_store_and_extensions_scan_only_what_is_new() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = registry();
    let first = run(
        tmp.path(),
        &reg,
        &["--format", "json", "--versions", "<1.2.1"],
    );
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    let tarballs = reg.requests_for(&format!("/{NAME}/-/"));
    assert_eq!(tarballs, 3);
    // The same range again: no tarball is fetched, every version is cached.
    let again = run(
        tmp.path(),
        &reg,
        &["--format", "json", "--versions", "<1.2.1"],
    );
    let h = json_of(&again);
    assert_eq!(reg.requests_for(&format!("/{NAME}/-/")), tarballs);
    assert!(version(&h, "1.1.0")["cached"].as_bool().unwrap());
    let f = json_of(&first);
    assert_eq!(h["timeline"], f["timeline"]);
    for (a, b) in h["versions"]
        .as_array()
        .unwrap()
        .iter()
        .zip(f["versions"].as_array().unwrap())
    {
        assert_eq!(
            (&a["version"], &a["status"], &a["findings"], &a["summary"]),
            (&b["version"], &b["status"], &b["findings"], &b["summary"])
        );
    }
    assert_eq!(h["run"]["scanned"], 0);
    // Extending the range scans only the new versions.
    let wider = run(
        tmp.path(),
        &reg,
        &["--format", "json", "--versions", "<1.4.0"],
    );
    let h = json_of(&wider);
    assert!(!version(&h, "1.3.0")["cached"].as_bool().unwrap());
    assert!(version(&h, "1.2.0")["cached"].as_bool().unwrap());
    let fetched_13 = reg.requests_for(&format!("/{NAME}/-/agent-1.3.0.tgz"));
    assert_eq!(fetched_13, 1);
    // New: the broken 1.2.1 (tried once per retry: a mismatch can be a
    // corrupted transfer) and 1.3.0's launcher; nothing of 1.0.0–1.2.0.
    assert_eq!(reg.requests_for(&format!("/{NAME}/-/")), tarballs + 4 + 1);
    assert_eq!(version(&h, "1.2.1")["status"], "broken");
    // --rescan scans again.
    run(
        tmp.path(),
        &reg,
        &["--format", "json", "--versions", "1.0.0", "--rescan"],
    );
    assert_eq!(reg.requests_for(&format!("/{NAME}/-/agent-1.0.0.tgz")), 2);
}

#[test]
fn selection_prereleases_and_the_gate() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = registry();
    // With prereleases the newest is 2.0.0-beta.1, which has the channel.
    let out = run(
        tmp.path(),
        &reg,
        &["--format", "json", "--prerelease", "--versions", ">=1.4.0"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let h = json_of(&out);
    assert_eq!(h["newest"], "2.0.0-beta.1");
    let c = covert_capability(&h);
    assert_eq!(c["in_newest"], true);
    // A dist-tag selects one version; --fail-on decides on it.
    let out = run(
        tmp.path(),
        &reg,
        &["--format", "json", "--versions", "latest"],
    );
    assert_eq!(json_of(&out)["versions"].as_array().unwrap().len(), 1);
    let low = run(
        tmp.path(),
        &reg,
        &["--versions", "latest", "--fail-on", "info"],
    );
    assert_eq!(low.status.code(), Some(1), "{}", stderr(&low));
    // A broken newest version is not clean: report printed, exit 2.
    let broken = run(tmp.path(), &reg, &["--versions", "1.2.1"]);
    assert_eq!(broken.status.code(), Some(2), "{}", stderr(&broken));
    assert!(stdout(&broken).contains("could not be analysed"));
    // Nothing selected, a bad range, a version in the package name: errors.
    let none = run(tmp.path(), &reg, &["--versions", ">=9"]);
    assert_eq!(none.status.code(), Some(2));
    assert!(
        stderr(&none).contains("no version matches --versions >=9"),
        "{}",
        stderr(&none)
    );
    assert!(none.stdout.is_empty());
    let bad = run(tmp.path(), &reg, &["--versions", "nonsense range"]);
    assert!(
        stderr(&bad).contains("--versions \"nonsense range\""),
        "{}",
        stderr(&bad)
    );
}

/// A version whose analysis was incomplete (a file deeper than
/// `--max-depth`) is `partial`, never clean: where the channel's own module
/// was not analysed, its absence is unknown (the run does not end there);
/// and a partial newest version exits 2 unless `--allow-incomplete`.
#[test]
fn partial_versions_are_never_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let r = Registry::start();
    let deep = format!("var x = {}1{};\n", "[".repeat(200), "]".repeat(200));
    let pj =
        |v: &str| json!({ "name": NAME, "version": v, "bin": { "agent": "cli.js" } }).to_string();
    let covert = covert(3);
    // 1.0.0: the channel. 1.1.0: the channel, plus another file too deep.
    // 1.2.0: cli.js itself too deep (the channel may be in it, unseen).
    r.publish(
        NAME,
        "1.0.0",
        &tgz(&[
            ("package/package.json", pj("1.0.0").as_bytes()),
            ("package/cli.js", covert.as_bytes()),
        ]),
        json!({}),
        None,
    );
    r.publish(
        NAME,
        "1.1.0",
        &tgz(&[
            ("package/package.json", pj("1.1.0").as_bytes()),
            ("package/cli.js", covert.as_bytes()),
            ("package/deep.js", deep.as_bytes()),
        ]),
        json!({}),
        None,
    );
    r.publish(
        NAME,
        "1.2.0",
        &tgz(&[
            ("package/package.json", pj("1.2.0").as_bytes()),
            ("package/cli.js", deep.as_bytes()),
        ]),
        json!({}),
        None,
    );
    let out = run(tmp.path(), &r, &["--format", "json", "--max-depth", "64"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("newest version 1.2.0 partial"),
        "{}",
        stderr(&out)
    );
    let h = json_of(&out);
    assert_eq!(version(&h, "1.0.0")["status"], "scanned");
    for v in ["1.1.0", "1.2.0"] {
        assert_eq!(version(&h, v)["status"], "partial", "{v}");
        let inc = version(&h, v)["incomplete"].as_array().unwrap();
        assert_eq!(inc.len(), 1, "{v}: {inc:?}");
        assert_eq!(inc[0]["reasons"][0]["kind"], "too-deep", "{v}: {inc:?}");
    }
    let c = covert_capability(&h);
    assert_eq!(c["present"][0]["first"], "1.0.0");
    // Found in 1.1.0 although deep.js was not analysed there ...
    assert_eq!(c["present"][0]["last"], "1.1.0");
    // ... and not "gone" in 1.2.0, whose cli.js was not analysed.
    assert!(c["gone_in"].is_null(), "{c:#}");
    assert_eq!(c["in_newest"], false);
    // The text view says so.
    let text = stdout(&run(
        tmp.path(),
        &r,
        &["--color", "never", "--max-depth", "64"],
    ));
    assert!(text.contains("partial"), "{text}");
    assert!(text.contains("too-deep"), "{text}");
    // --allow-incomplete: exit by the newest version's findings alone.
    let allowed = run(tmp.path(), &r, &["--allow-incomplete", "--max-depth", "64"]);
    assert_eq!(allowed.status.code(), Some(0), "{}", stderr(&allowed));
    // With the default depth limit every file is analysed: the newest
    // version is complete, and the channel is known gone in 1.2.0.
    let out = run(tmp.path(), &r, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let h = json_of(&out);
    assert_eq!(version(&h, "1.2.0")["status"], "scanned");
    assert_eq!(covert_capability(&h)["gone_in"], "1.2.0");
}

#[test]
fn sarif_validates_and_html_is_self_contained() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = registry();
    let out = run(tmp.path(), &reg, &["--format", "sarif"]);
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut schema: Value = serde_json::from_str(include_str!(
        "../../plainsight-core/tests/data/sarif-schema-2.1.0.json"
    ))
    .unwrap();
    // As in plainsight-core's SARIF test: the official schema's `language`
    // pattern has a stray `]` the regex format check rejects; we never
    // emit `language`.
    assert!(drop_pattern(&mut schema) > 0, "schema changed");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let covert = results
        .iter()
        .find(|r| r["ruleId"] == "PS101")
        .expect("PS101 result");
    assert_eq!(covert["baselineState"], "absent");
    assert_eq!(
        covert["properties"]["plainsight/history"]["presentIn"],
        "1.1.0–1.3.0"
    );

    let html = stdout(&run(tmp.path(), &reg, &["--format", "html"]));
    assert!(
        html.starts_with("<!DOCTYPE html>") && html.contains("<svg"),
        "{html}"
    );
    for external in ["<script", "src=", "href=", "@import", "url(http"] {
        assert!(!html.contains(external), "{external} in the page");
    }
    assert!(html.contains("present in <b>1.1.0–1.3.0</b>"), "{html}");
    // Every version is a column, with its status.
    assert!(html.contains("1.2.1 — broken"));
    dump("history.html", &html);
    dump(
        "history.txt",
        &stdout(&run(tmp.path(), &reg, &["--color", "never"])),
    );
}

fn drop_pattern(v: &mut Value) -> usize {
    match v {
        Value::Object(o) => {
            let bad = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
            let n = usize::from(o.get("pattern").and_then(Value::as_str) == Some(bad));
            if n > 0 {
                o.remove("pattern");
            }
            n + o.values_mut().map(drop_pattern).sum::<usize>()
        }
        Value::Array(a) => a.iter_mut().map(drop_pattern).sum(),
        _ => 0,
    }
}

/// With `PLAINSIGHT_TEST_DUMP=DIR`, views are kept there to look at.
fn dump(name: &str, content: &str) {
    if let Some(dir) = std::env::var_os("PLAINSIGHT_TEST_DUMP") {
        let mut f = std::fs::File::create(Path::new(&dir).join(name)).unwrap();
        f.write_all(content.as_bytes()).unwrap();
    }
}

#[test]
fn two_machines_split_the_versions_through_postgres() {
    let pg = match plainsight_store::testing::TempPostgres::start() {
        Ok(pg) => pg,
        Err(why) => {
            eprintln!("skipped: no PostgreSQL for the shared store: {why}");
            return;
        }
    };
    let url = pg.create_db("history_split").unwrap();
    let reg = registry();
    // Slow tarballs, so both processes are at work at once.
    reg.delay(
        &format!("/{NAME}/-/"),
        std::time::Duration::from_millis(150),
    );
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let spawn = |dir: &Path| {
        Command::new(BIN)
            .current_dir(dir)
            .env_remove("npm_config_registry")
            .env("HOME", dir)
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .args(["history", &format!("npm:{NAME}"), "--platform", "linux-x64"])
            .args([
                "--registry",
                &reg.url,
                "--retry-delay",
                "10",
                "--downloads",
                "1",
            ])
            .args(["--store", &url, "--format", "json"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (pa, pb) = (spawn(a.path()), spawn(b.path()));
    let (oa, ob) = (
        pa.wait_with_output().unwrap(),
        pb.wait_with_output().unwrap(),
    );
    let (ha, hb) = (json_of(&oa), json_of(&ob));
    // Both end with the whole timeline, the same one.
    assert_eq!(ha["timeline"], hb["timeline"]);
    let by = |h: &Value| -> Vec<(String, String)> {
        h["versions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["status"] != "unpublished")
            .map(|v| {
                (
                    v["version"].as_str().unwrap().to_string(),
                    v["scanned_by"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    assert_eq!(by(&ha), by(&hb), "each version has one scanner");
    let owners: std::collections::BTreeSet<String> = by(&ha).into_iter().map(|(_, o)| o).collect();
    assert_eq!(owners.len(), 2, "both machines scanned: {owners:?}");
    // No tarball of the package fetched twice (1.2.1 is retried: broken).
    for v in ["1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0", "1.5.0"] {
        let path = format!("/{NAME}/-/agent-{v}.tgz");
        let expected = if v == "1.5.0" { 3 } else { 1 };
        assert_eq!(reg.requests_for(&path), expected, "{path}");
    }
}

#[test]
fn ctrl_c_keeps_what_was_done() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = registry();
    reg.delay(
        &format!("/{NAME}/-/"),
        std::time::Duration::from_millis(700),
    );
    let child = Command::new(BIN)
        .current_dir(tmp.path())
        .env_remove("npm_config_registry")
        .env("HOME", tmp.path())
        .env("XDG_CACHE_HOME", tmp.path().join("cache"))
        .args(["history", &format!("npm:{NAME}"), "--platform", "linux-x64"])
        .args(["--registry", &reg.url, "--downloads", "1", "--queue", "0"])
        .args(["--retry-delay", "10"])
        .args(["--format", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Let a few versions through, then interrupt.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while reg.requests_for(&format!("/{NAME}/-/")) < 6 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let started = std::time::Instant::now();
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "Ctrl-C must not wait for the remaining versions"
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("interrupted"), "{}", stderr(&out));
    let h = json_of(&out);
    let pending = h["versions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["status"] == "pending")
        .count();
    let scanned = h["versions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| {
            ["scanned", "broken", "missing-platform"].contains(&v["status"].as_str().unwrap())
        })
        .count();
    assert!(pending > 0 && scanned > 0, "{h}");
    assert!(h["notices"].to_string().contains("interrupted"), "{h}");
    // What was scanned is kept: the rerun fetches only the rest.
    reg.delay("/nothing", std::time::Duration::ZERO);
    let before = reg.requests_for(&format!("/{NAME}/-/"));
    let again = run(tmp.path(), &reg, &["--format", "json"]);
    let h2 = json_of(&again);
    // (A scan that was finishing when the signal came may have been
    // stored too.)
    assert!(
        h2["run"]["cached"].as_u64().unwrap() as usize >= scanned,
        "{h2}"
    );
    assert!(reg.requests_for(&format!("/{NAME}/-/")) - before < 12);
}

#[test]
fn a_cached_range_does_not_wait_for_other_machines_claims_it_does_not_need() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("shared.sqlite3");
    let store = store.to_str().unwrap();
    let reg = registry();
    let first = run(
        tmp.path(),
        &reg,
        &["--format", "json", "--versions", "<1.2.1", "--store", store],
    );
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    // Another "machine" (process) scans the whole history into the same
    // store, slowly: it holds leases on versions the range above lacks.
    reg.delay(
        &format!("/{NAME}/-/"),
        std::time::Duration::from_millis(1500),
    );
    let other = tempfile::tempdir().unwrap();
    let mut wide = Command::new(BIN)
        .current_dir(other.path())
        .env_remove("npm_config_registry")
        .env("HOME", other.path())
        .env("XDG_CACHE_HOME", other.path().join("cache"))
        .args(["history", &format!("npm:{NAME}"), "--platform", "linux-x64"])
        .args(["--registry", &reg.url, "--retry-delay", "10"])
        .args(["--downloads", "1", "--store", store, "--format", "json"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until it holds a claim (its first tarball request is pending).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while reg.requests_for(&format!("/{NAME}/-/agent-1.5.0.tgz")) == 0
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let again = run(
        tmp.path(),
        &reg,
        &["--format", "json", "--versions", "<1.2.1", "--store", store],
    );
    let still_running = wide.try_wait().unwrap().is_none();
    let _ = wide.kill();
    let _ = wide.wait();
    let h = json_of(&again);
    assert_eq!(h["run"]["scanned"], 0, "{}", stderr(&again));
    assert_eq!(h["run"]["cached"], 3);
    assert!(
        still_running,
        "the cached range waited for the other machine's unrelated claims"
    );
}
