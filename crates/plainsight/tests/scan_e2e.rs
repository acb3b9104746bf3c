//! End-to-end tests of `plainsight scan` over the artifact layer: archives
//! built in the test, `npm:` specs against a loopback registry served by the
//! test (never the internet), version diffs and `--format github`.
//!
//! Fixtures: `tests/fixtures/scan/v1/package` is a small agent CLI reading its
//! endpoint configuration; `v2/package` is the next version, which also reads
//! `process.env.TZ` and decodes a host list hidden as base64 + XOR.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{Value, json};

/// The loopback npm registry the artifact layer's tests use.
#[path = "../../plainsight-artifact/tests/fixtures/npm/registry.rs"]
mod registry;
use registry::{Registry, sri};

const BIN: &str = env!("CARGO_BIN_EXE_plainsight");

fn fixture_dir(version: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/scan")
        .join(version)
}

/// A gzipped tarball of a fixture version, entries under `package/` as npm packs them.
fn tgz(version: &str) -> Vec<u8> {
    let enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut b = tar::Builder::new(enc);
    let dir = fixture_dir(version).join("package");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    for name in names {
        let data = std::fs::read(dir.join(&name)).unwrap();
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, Path::new("package").join(&name), data.as_slice())
            .unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .current_dir(dir)
        .env_remove("npm_config_registry")
        .env("HOME", dir)
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(out)))
}

fn codes(findings: &Value) -> Vec<String> {
    let mut v: Vec<String> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn tgz_findings_carry_the_archive_chain() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("pkg.tgz"), tgz("v2")).unwrap();
    let out = run(tmp.path(), &["scan", "--format", "json", "pkg.tgz"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json_of(&out);
    let findings = report["findings"].as_array().unwrap();
    let list = findings
        .iter()
        .find(|f| f["rule"] == "PS202")
        .expect("decoded host list");
    assert_eq!(list["location"]["chain"], json!(["pkg.tgz"]));
    assert_eq!(list["location"]["path"], "package/cli.js");
    assert!(list["decoded"].as_str().unwrap().contains("proxy.example"));
    let text = run(tmp.path(), &["scan", "--color", "never", "pkg.tgz"]);
    assert!(
        stdout(&text).contains("pkg.tgz › package/cli.js:13:15"),
        "{}",
        stdout(&text)
    );
}

#[test]
fn npm_spec_from_a_loopback_registry() {
    let reg = Registry::start();
    reg.publish("agent-fixture", "2.0.0", &tgz("v2"), json!({}), None);
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let out = run(
        tmp.path(),
        &[
            "scan",
            "--format",
            "json",
            "--registry",
            &reg.url,
            "--cache-dir",
            cache.to_str().unwrap(),
            "npm:agent-fixture@2.0.0",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json_of(&out);
    let tz = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "PS302")
        .expect("time zone read");
    assert_eq!(tz["location"]["chain"], json!(["npm:agent-fixture@2.0.0"]));
    assert_eq!(tz["location"]["path"], "package/cli.js");
    assert!(tz["message"].as_str().unwrap().contains("process.env.TZ"));
}

#[test]
fn integrity_mismatch_is_an_error_and_nothing_is_printed() {
    let reg = Registry::start();
    reg.publish(
        "agent-fixture",
        "2.0.0",
        &tgz("v2"),
        json!({}),
        Some(sri(b"something else")),
    );
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let out = run(
        tmp.path(),
        &[
            "scan",
            "--registry",
            &reg.url,
            "--cache-dir",
            cache.to_str().unwrap(),
            "npm:agent-fixture@2.0.0",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("plainsight: error: agent-fixture@2.0.0: integrity mismatch"),
        "{err}"
    );
}

#[test]
fn baseline_diff_between_npm_versions() {
    let reg = Registry::start();
    reg.publish("agent-fixture", "1.0.0", &tgz("v1"), json!({}), None);
    reg.publish("agent-fixture", "2.0.0", &tgz("v2"), json!({}), None);
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let common = [
        "--registry",
        &reg.url,
        "--cache-dir",
        cache.to_str().unwrap(),
    ];
    let mut args = vec!["scan", "--format", "json", "npm:agent-fixture@2.0.0"];
    args.extend(["--baseline", "npm:agent-fixture@1.0.0"]);
    args.extend(common);
    let out = run(tmp.path(), &args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json_of(&out);
    // Exactly the time zone read and the decoded host list (with its use
    // against the endpoint) appeared; the endpoint read moved a line down
    // and is unchanged.
    assert_eq!(
        codes(&report["findings"]),
        ["PS201", "PS202", "PS302", "PS305"]
    );
    assert_eq!(report["baseline"]["disappeared"], json!([]));
    assert_eq!(codes(&report["baseline"]["unchanged"]), ["PS301"]);
    assert_eq!(
        report["baseline"]["inputs"],
        json!(["npm:agent-fixture@1.0.0"])
    );

    // Reversed, the same findings disappeared, nothing appeared: exit 0.
    let mut args = vec!["scan", "--format", "json", "npm:agent-fixture@1.0.0"];
    args.extend(["--baseline", "npm:agent-fixture@2.0.0"]);
    args.extend(common);
    let out = run(tmp.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = json_of(&out);
    assert_eq!(report["findings"], json!([]));
    assert_eq!(
        codes(&report["baseline"]["disappeared"]),
        ["PS201", "PS202", "PS302", "PS305"]
    );

    // SARIF carries the states.
    let mut args = vec!["scan", "--format", "sarif", "npm:agent-fixture@2.0.0"];
    args.extend(["--baseline", "npm:agent-fixture@1.0.0"]);
    args.extend(common);
    let sarif = json_of(&run(tmp.path(), &args));
    let mut states: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["baselineState"].as_str().unwrap())
        .collect();
    states.sort_unstable();
    assert_eq!(states, ["new", "new", "new", "new", "unchanged"]);
}

#[test]
fn baseline_diff_between_directories_text() {
    let dir = fixture_dir("");
    let out = run(
        &dir,
        &[
            "scan",
            "--color",
            "never",
            "v2/package",
            "--baseline",
            "v1/package",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let s = stdout(&out);
    // The verdict speaks of what appeared, first.
    assert!(
        s.starts_with("verdict since v1/package: REVIEW: 2 findings at high or above appeared"),
        "{s}"
    );
    let appeared = s
        .find("appeared since v1/package, most severe first:")
        .expect(&s);
    let disappeared = s.find("disappeared since the baseline (0):").expect(&s);
    assert!(appeared < disappeared);
    // The time zone read is low: a row of the inventory table.
    assert!(s[appeared..disappeared].contains("process.env.TZ "), "{s}");
    assert!(
        s.ends_with("diff: 4 appeared, 0 disappeared, 1 unchanged\n"),
        "{s}"
    );
    // --fail-on follows the appeared findings only.
    let quiet = run(
        &dir,
        &[
            "scan",
            "v1/package",
            "--baseline",
            "v2/package",
            "--fail-on",
            "info",
        ],
    );
    assert_eq!(quiet.status.code(), Some(0), "{}", stdout(&quiet));
}

#[test]
fn github_annotations() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("pkg.tgz"), tgz("v2")).unwrap();
    let out = run(tmp.path(), &["scan", "--format", "github", "pkg.tgz"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let s = stdout(&out);
    let lines: Vec<&str> = s.lines().collect();
    assert!(lines.iter().all(|l| l.starts_with("::")), "{s}");
    // The chain goes into the message; `file=` is the archive on disk. (The
    // decoded evidence in between is the JS analyzer's to word.)
    let list = lines.iter().find(|l| l.contains("title=PS202")).expect(&s);
    assert!(
        list.starts_with(
            "::error file=pkg.tgz,title=PS202 targeting-list::hidden list of host names/domains \
             decoded at run time: corp.example, llm.example, proxy.example"
        ),
        "{list}"
    );
    assert!(
        list.ends_with(" at pkg.tgz › package/cli.js:13:15"),
        "{list}"
    );
    // A plain file gets line and column.
    let dir = fixture_dir("v2");
    let out = run(&dir, &["scan", "--format", "github", "package/cli.js"]);
    assert!(
        stdout(&out).contains(
            "::notice file=package/cli.js,line=5,col=14,endLine=5,endColumn=28,\
             title=PS302 env-timezone-locale::reads time zone / locale `process.env.TZ`\n"
        ),
        "{}",
        stdout(&out)
    );
}

#[test]
fn many_inputs_give_the_same_report_in_any_order() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, v) in [("a.tgz", "v1"), ("b.tgz", "v2"), ("c.tgz", "v2")] {
        std::fs::write(tmp.path().join(name), tgz(v)).unwrap();
    }
    let one = run(
        tmp.path(),
        &["scan", "--format", "json", "a.tgz", "b.tgz", "c.tgz"],
    );
    let two = run(
        tmp.path(),
        &["scan", "--format", "json", "c.tgz", "b.tgz", "a.tgz"],
    );
    let (one, two) = (json_of(&one), json_of(&two));
    assert_eq!(one["findings"], two["findings"]);
    assert_eq!(one["findings"].as_array().unwrap().len(), 11);
}

/// Drop the official schema's `language` pattern, which fails the
/// meta-schema's regex check (same adjustment as core's schema test; we never
/// emit `language`).
fn drop_language_pattern(v: &mut Value) {
    match v {
        Value::Object(o) => {
            if o.get("pattern")
                .and_then(Value::as_str)
                .is_some_and(|p| p.ends_with("]?$"))
            {
                o.remove("pattern");
            }
            o.values_mut().for_each(drop_language_pattern);
        }
        Value::Array(a) => a.iter_mut().for_each(drop_language_pattern),
        _ => {}
    }
}

fn assert_sarif_valid(doc: &Value) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../plainsight-core/tests/data/sarif-schema-2.1.0.json");
    let mut schema: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    drop_language_pattern(&mut schema);
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn notices_reach_every_format_and_diff_sarif_is_schema_valid() {
    let tmp = tempfile::tempdir().unwrap();
    // A package with nothing to scan in it.
    let enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut b = tar::Builder::new(enc);
    let data = br#"{"name":"empty","version":"1.0.0"}"#;
    let mut h = tar::Header::new_ustar();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    b.append_data(&mut h, "package/package.json", data.as_slice())
        .unwrap();
    std::fs::write(
        tmp.path().join("empty.tgz"),
        b.into_inner().unwrap().finish().unwrap(),
    )
    .unwrap();
    std::fs::write(tmp.path().join("v1.tgz"), tgz("v1")).unwrap();
    std::fs::write(tmp.path().join("v2.tgz"), tgz("v2")).unwrap();
    let notice = "empty.tgz: nothing to scan (no JavaScript or executable found)";

    let text = stdout(&run(tmp.path(), &["scan", "--color", "never", "empty.tgz"]));
    assert!(text.contains(&format!("\ninputs:\n  {notice}\n")), "{text}");
    let json = json_of(&run(tmp.path(), &["scan", "--format", "json", "empty.tgz"]));
    assert_eq!(json["notices"], json!([notice]));

    let out = run(
        tmp.path(),
        &[
            "scan",
            "--format",
            "sarif",
            "v2.tgz",
            "empty.tgz",
            "--baseline",
            "v1.tgz",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let sarif = json_of(&out);
    assert_sarif_valid(&sarif);
    let notes = &sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(notes[0]["level"], "note");
    assert_eq!(notes[0]["message"]["text"], notice);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    let chained = results
        .iter()
        .find(|r| r["ruleId"] == "PS302")
        .expect("time zone read");
    assert_eq!(chained["baselineState"], "new");
    assert_eq!(chained["properties"]["plainsight/chain"], json!(["v2.tgz"]));
    assert_eq!(
        chained["properties"]["plainsight/location"],
        "v2.tgz › package/cli.js:5:14"
    );
}

/// A Bun `--compile` executable: a minimal ELF header followed by the module
/// graph cut out of a real bun 1.2 build (the artifact layer's fixture).
fn bun_executable() -> Vec<u8> {
    let mut elf = vec![0u8; 64];
    elf[..7].copy_from_slice(b"\x7fELF\x02\x01\x01");
    let payload = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../plainsight-artifact/tests/fixtures/exe/bun-1.2.0.payload");
    elf.extend(std::fs::read(payload).unwrap());
    elf
}

#[test]
fn bun_executable_inside_a_package() {
    let tmp = tempfile::tempdir().unwrap();
    let enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut b = tar::Builder::new(enc);
    let manifest = br#"{"name":"agent","version":"1.0.0","bin":{"agent":"bin/agent"}}"#;
    for (name, data) in [
        ("package/package.json", manifest.to_vec()),
        ("package/bin/agent", bun_executable()),
    ] {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o755);
        h.set_cksum();
        b.append_data(&mut h, name, data.as_slice()).unwrap();
    }
    std::fs::write(
        tmp.path().join("pkg.tgz"),
        b.into_inner().unwrap().finish().unwrap(),
    )
    .unwrap();
    let out = run(tmp.path(), &["scan", "--format", "json", "pkg.tgz"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json_of(&out);
    let covert = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "PS101")
        .expect("look-alike apostrophe chosen by the endpoint");
    assert_eq!(
        covert["location"]["chain"],
        json!(["pkg.tgz", "package/bin/agent"])
    );
    assert_eq!(covert["location"]["path"], "/$bunfs/root/agent-1.2.0");
    let notices = report["notices"].as_array().unwrap();
    assert!(
        notices.iter().any(|n| n
            .as_str()
            .unwrap()
            .starts_with("pkg.tgz › package/bin/agent: Bun graph")),
        "{notices:?}"
    );
}

/// A `deno compile` executable: a minimal ELF64 with one `PT_NOTE` segment
/// holding the libsui `SUI` note cut out of a real deno 2.9.6 build of a
/// TypeScript module (the artifact layer's fixture).
fn deno_executable() -> Vec<u8> {
    let desc = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../plainsight-artifact/tests/fixtures/exe/deno-2.9.6-ts.sui-desc"),
    )
    .unwrap();
    let mut b = vec![0u8; 120];
    b[..7].copy_from_slice(b"\x7fELF\x02\x01\x01");
    b[16..18].copy_from_slice(&2u16.to_le_bytes());
    b[18..20].copy_from_slice(&0x3eu16.to_le_bytes());
    b[20..24].copy_from_slice(&1u32.to_le_bytes());
    b[32..40].copy_from_slice(&64u64.to_le_bytes());
    b[52..54].copy_from_slice(&64u16.to_le_bytes());
    b[54..56].copy_from_slice(&56u16.to_le_bytes());
    b[56..58].copy_from_slice(&1u16.to_le_bytes());
    let at = b.len();
    b.extend_from_slice(&4u32.to_le_bytes());
    b.extend_from_slice(&(desc.len() as u32).to_le_bytes());
    b.extend_from_slice(&0x5355_4901u32.to_le_bytes());
    b.extend_from_slice(b"SUI\0");
    b.extend_from_slice(&desc);
    b.resize(b.len().next_multiple_of(4), 0);
    let len = (b.len() - at) as u64;
    b[64..68].copy_from_slice(&4u32.to_le_bytes()); // PT_NOTE
    b[72..80].copy_from_slice(&(at as u64).to_le_bytes());
    b[96..104].copy_from_slice(&len.to_le_bytes());
    b[104..112].copy_from_slice(&len.to_le_bytes());
    b[112..120].copy_from_slice(&4u64.to_le_bytes());
    b
}

#[test]
fn deno_executable_modules_are_scanned() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("agent"), deno_executable()).unwrap();
    let out = run(tmp.path(), &["scan", "--format", "json", "agent"]);
    assert!(out.status.code() != Some(2), "{}", stderr(&out));
    let report = json_of(&out);
    let findings = report["findings"].as_array().unwrap();
    let endpoint = findings
        .iter()
        .find(|f| f["rule"] == "PS401")
        .expect("endpoint in the transpiled module");
    assert_eq!(endpoint["location"]["chain"], json!(["agent"]));
    assert_eq!(endpoint["location"]["path"], "<vfs>/main.ts");
    let notices = report["notices"].as_array().unwrap();
    assert!(
        notices.iter().any(|n| n
            .as_str()
            .unwrap()
            .starts_with("agent: deno module table (libsui ELF note SUI › d3n0l4nd")),
        "{notices:?}"
    );
}

/// The obfuscated fixtures of plainsight-js (javascript-obfuscator output of
/// one small agent-shaped program).
fn obfuscated(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../plainsight-js/tests/fixtures/obfuscated")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn obfuscated_agent_is_decoded_and_two_builds_diff_to_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        &[
            "scan",
            "--format",
            "json",
            &obfuscated("string-array-base64.js"),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let codes = codes(&json_of(&out)["findings"]);
    for c in ["PS101", "PS203", "PS301", "PS302", "PS305"] {
        assert!(codes.iter().any(|x| x == c), "{c} missing in {codes:?}");
    }
    // Another obfuscator run of the same program: names, rotation and table
    // order differ, the meaning does not.
    let out = run(
        dir.path(),
        &[
            "scan",
            "--format",
            "json",
            &obfuscated("string-array-base64-seed7.js"),
            "--baseline",
            &obfuscated("string-array-base64.js"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let v = json_of(&out);
    // With a baseline, `findings` holds what appeared.
    assert_eq!(v["findings"].as_array().unwrap().len(), 0, "{v:#}");
    assert_eq!(
        v["baseline"]["disappeared"].as_array().unwrap().len(),
        0,
        "{v:#}"
    );
    assert_eq!(
        v["baseline"]["unchanged"].as_array().unwrap().len(),
        7,
        "{v:#}"
    );
}

/// The README's first command: the bundled example agent, its covert
/// version against its clean twin.
#[test]
fn readme_example_shows_the_channel_first() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = run(
        &root,
        &[
            "scan",
            "--color",
            "never",
            "examples/tiny-agent-1.5.0",
            "--baseline",
            "examples/tiny-agent-1.4.0",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let s = stdout(&out);
    // The verdict block: up to the first blank line (one entry per channel
    // site, so its length follows how many sites the engine reports).
    let head: Vec<&str> = s.lines().take_while(|l| !l.trim().is_empty()).collect();
    assert!(
        head[0].starts_with("verdict since examples/tiny-agent-1.4.0: COVERT CHANNEL APPEARED"),
        "{s}"
    );
    let head = head.join("\n");
    for needle in [
        "critical[PS101] covert-lookalike-choice",
        "trigger    process.env.ANTHROPIC_BASE_URL",
        "Intl.DateTimeFormat().resolvedOptions().timeZone",
        "carrier    U+0027 APOSTROPHE / U+02B9 MODIFIER LETTER PRIME",
        "critical[PS104] covert-format-variation",
        "targeting    4 host names/domains, hidden in the code, compared with process.env.ANTHROPIC_BASE_URL",
        "3 time zones, hidden in the code",
    ] {
        assert!(head.contains(needle), "{needle}\n{s}");
    }
    // The clean twin passes a gate at high; so does the covert one's
    // baseline side of the diff (nothing disappeared).
    let clean = run(
        &root,
        &["scan", "--fail-on", "high", "examples/tiny-agent-1.4.0"],
    );
    assert_eq!(clean.status.code(), Some(0), "{}", stdout(&clean));
    assert!(stdout(&clean).starts_with("verdict: nothing at medium or above"));
    assert!(s.contains("disappeared since the baseline (0):"), "{s}");
}

/// Issue 8: one file of `a=a=a=…` (500,000 deep) inside a small tarball used
/// to kill the whole process (stack overflow, exit 134, no output). Now that
/// file is "too deep" (not analysed), the rest of the package is analysed,
/// and the run exits 2 with the full report.
#[test]
fn a_deep_file_in_a_tarball_does_not_kill_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let mut b = tar::Builder::new(enc);
    let deep = format!("{}1;\n", "a=".repeat(500_000));
    let cli = std::fs::read(fixture_dir("v2").join("package/cli.js")).unwrap();
    for (name, data) in [
        ("package/deep.js", deep.as_bytes()),
        ("package/cli.js", &cli),
    ] {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, data).unwrap();
    }
    let tgz = b.into_inner().unwrap().finish().unwrap();
    assert!(tgz.len() < 8 * 1024, "{} bytes", tgz.len());
    std::fs::write(dir.path().join("deep.tgz"), &tgz).unwrap();
    let out = run(dir.path(), &["scan", "--format", "json", "deep.tgz"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let v = json_of(&out);
    let deep_unit = v["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["path"] == "package/deep.js")
        .expect("deep.js has an outcome");
    assert_eq!(deep_unit["status"], "not-analysed");
    assert_eq!(deep_unit["reasons"][0]["kind"], "too-deep");
    // The rest of the package was analysed and reported.
    assert!(
        !v["findings"].as_array().unwrap().is_empty(),
        "{}",
        stdout(&out)
    );
}
