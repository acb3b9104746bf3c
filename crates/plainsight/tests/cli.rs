//! End-to-end tests of the real `plainsight` binary: exit codes, stdout/stderr
//! discipline, every output format, stdin, errors naming input and place.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};

use assert_cmd::Command;

const BIN: &str = env!("CARGO_BIN_EXE_plainsight");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Run from the fixtures directory so paths in output are short and stable.
fn plainsight() -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(fixture("")).env_remove("NO_COLOR");
    cmd
}

fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8")
}

#[test]
fn incident_request_text() {
    let out = plainsight()
        .args(["inspect", "anthropic_incident.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let s = stdout_of(&out);
    assert!(s.contains("PS508"), "{s}");
    assert!(s.contains("PS509"), "{s}");
    assert!(s.contains("U+2019 RIGHT SINGLE QUOTATION MARK"), "{s}");
    assert!(stderr_of(&out).is_empty());
    insta::assert_snapshot!("incident_text", s);
}

#[test]
fn incident_request_json() {
    let out = plainsight()
        .args(["inspect", "--format", "json", "anthropic_incident.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"PS508") && rules.contains(&"PS509"),
        "{rules:?}"
    );
    insta::assert_snapshot!("incident_json", stdout_of(&out));
}

#[test]
fn incident_request_sarif() {
    let out = plainsight()
        .args(["inspect", "--format", "sarif", "anthropic_incident.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(v["version"], "2.1.0");
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "PS508"));
    let uri = &results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(uri, "anthropic_incident.json");
    // Rule docs are covered by core's schema test; keep the snapshot about results.
    v["runs"][0]["tool"]["driver"]["rules"] = "<rules>".into();
    v["runs"][0]["tool"]["driver"]["version"] = "<version>".into();
    v["runs"][0]["tool"]["driver"]["semanticVersion"] = "<version>".into();
    insta::assert_json_snapshot!("incident_sarif", v);
}

#[test]
fn fail_on_changes_exit_code() {
    // The incident's text findings are medium: over the default threshold,
    // under `critical`.
    plainsight()
        .args(["inspect", "anthropic_incident.json"])
        .assert()
        .code(1);
    plainsight()
        .args([
            "inspect",
            "--fail-on",
            "critical",
            "anthropic_incident.json",
        ])
        .assert()
        .code(0);
    plainsight()
        .args(["inspect", "--fail-on", "info", "anthropic_incident.json"])
        .assert()
        .code(1);
}

#[test]
fn clean_multilingual_text_has_no_findings() {
    let out = plainsight()
        .args(["inspect", "--color", "never", "clean_multilingual.txt"])
        .output()
        .unwrap();
    let s = stdout_of(&out);
    assert_eq!(out.status.code(), Some(0), "{s}");
    assert!(
        s.starts_with("verdict: nothing at medium or above\n"),
        "{s}"
    );
    assert!(s.ends_with("\nsummary: 0 findings in 1 input\n"), "{s}");
}

#[test]
fn reads_stdin() {
    let body = std::fs::read(fixture("anthropic_incident.json")).unwrap();
    for args in [
        &["inspect", "--format", "json"][..],
        &["inspect", "--format", "json", "-"][..],
    ] {
        let out = plainsight()
            .args(args)
            .write_stdin(body.clone())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["inputs"][0], "<stdin>");
        assert_eq!(v["findings"][0]["location"]["path"], "<stdin>");
    }
}

#[test]
fn invalid_utf8_is_an_error_with_offset() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.txt");
    std::fs::write(&path, b"fine so far \xC3\x28 then broken").unwrap();
    let out = Command::new(BIN)
        .arg("inspect")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "nothing on stdout on error");
    let err = stderr_of(&out);
    assert!(err.starts_with("plainsight: error: "), "{err}");
    assert!(
        err.contains("bad.txt") && err.contains("offset 12"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "reported once: {err}");
    // --lossy inspects it anyway.
    Command::new(BIN)
        .arg("inspect")
        .arg("--lossy")
        .arg(&path)
        .assert()
        .success();
}

#[test]
fn malformed_json_is_an_error_with_line_and_column() {
    let out = plainsight()
        .args(["inspect", "malformed.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = stderr_of(&out);
    assert!(err.contains("malformed.json:5:3"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn an_error_in_any_input_means_no_output() {
    let out = plainsight()
        .args(["inspect", "anthropic_incident.json", "malformed.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stdout.is_empty(),
        "render only after all inputs succeeded"
    );
    let out = plainsight()
        .args(["inspect", "anthropic_incident.json", "does-not-exist.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(stderr_of(&out).contains("does-not-exist.json"));
}

#[test]
fn limits_are_enforced_and_named() {
    let out = plainsight()
        .args(["inspect", "--max-size", "100", "anthropic_incident.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("--max-size"),
        "{}",
        stderr_of(&out)
    );
    let body = std::fs::read(fixture("anthropic_incident.json")).unwrap();
    let out = plainsight()
        .args(["inspect", "--max-size", "100"])
        .write_stdin(body)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("<stdin>"), "{}", stderr_of(&out));
    let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
    let out = plainsight()
        .args([
            "inspect",
            "--input-format",
            "json",
            "--max-depth",
            "10",
            "-",
        ])
        .write_stdin(deep)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("--max-depth"),
        "{}",
        stderr_of(&out)
    );
    plainsight()
        .args(["inspect", "--max-size", "12Q", "x"])
        .assert()
        .code(2);
}

#[test]
fn color_only_when_asked() {
    let never = plainsight()
        .args(["inspect", "--color", "never", "anthropic_incident.json"])
        .output()
        .unwrap();
    assert!(!never.stdout.contains(&0x1B));
    let always = plainsight()
        .args(["inspect", "--color", "always", "anthropic_incident.json"])
        .output()
        .unwrap();
    assert!(always.stdout.contains(&0x1B));
    // auto: stdout is a pipe here, so no colour.
    let auto = plainsight()
        .args(["inspect", "anthropic_incident.json"])
        .output()
        .unwrap();
    assert!(!auto.stdout.contains(&0x1B));
}

#[test]
fn rules_table_and_rule_doc() {
    let out = plainsight().arg("rules").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let table = stdout_of(&out);
    assert!(table.starts_with("CODE"));
    for rule in plainsight_core::Rule::ALL {
        assert!(table.contains(rule.code()), "{} missing", rule.code());
    }
    let out = plainsight().args(["rule", "PS505"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout_of(&out).trim_end(),
        plainsight_core::Rule::ConfusableCharacter.doc().trim_end()
    );
    // By name too, case-insensitively.
    plainsight()
        .args(["rule", "Confusable-Character"])
        .assert()
        .code(0);
    let out = plainsight().args(["rule", "PS999"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(stderr_of(&out).contains("unknown rule `PS999`"));
}

#[test]
fn usage_errors_exit_2() {
    plainsight()
        .args(["inspect", "--format", "xml"])
        .assert()
        .code(2);
    plainsight().arg("frobnicate").assert().code(2);
    plainsight().arg("scan").assert().code(2);
}

#[test]
fn scan_missing_path_is_an_error() {
    let out = plainsight().args(["scan", "no/such/dir"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(
        stderr_of(&out).contains("no/such/dir"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn scan_covert_channel_fixture() {
    let out = plainsight()
        .args(["scan", "--color", "never", "covert.js"])
        .output()
        .unwrap();
    // An environment-chosen look-alike apostrophe in prompt text: critical.
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(
        stdout_of(&out).contains("critical[PS101]"),
        "{}",
        stdout_of(&out)
    );
    insta::assert_snapshot!("scan_covert_text", stdout_of(&out));
}

#[test]
fn closed_stdout_pipe_is_not_an_error() {
    // Enough findings that the output is far bigger than a pipe buffer.
    let line = "It's here: Today\u{2019}s date is 2026/11/21 and 2026-11-20 and 2026-11-19.\n";
    let input = line.repeat(4000);
    let mut child = StdCommand::new(BIN)
        .args([
            "inspect",
            "--input-format",
            "text",
            "--fail-on",
            "critical",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let _ = stdin.write_all(input.as_bytes());
    });
    // Read a little, then close our end of stdout.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    let _ = stdout.read(&mut first);
    drop(stdout);
    writer.join().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert_ne!(status.code(), Some(2), "stderr: {err}");
    // Findings are medium, under `--fail-on critical`: a clean exit.
    assert_eq!(status.code(), Some(0), "stderr: {err}");
    assert!(status.code().is_some(), "killed by a signal: {status:?}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.is_empty(), "{err}");
}

#[test]
fn normalize_writes_clean_document_and_lists_edits() {
    let out = plainsight()
        .args(["inspect", "--normalize", "anthropic_incident.json"])
        .output()
        .unwrap();
    // The apostrophe edit is medium: at the default threshold.
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let normalized: serde_json::Value = serde_json::from_slice(&out.stdout).expect("still JSON");
    let system = normalized["system"].as_str().unwrap();
    assert!(system.contains("Today's date is 2026/11/21."), "{system}");
    let original: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("anthropic_incident.json")).unwrap())
            .unwrap();
    assert_eq!(
        normalized["messages"], original["messages"],
        "only the odd character changes"
    );
    let err = stderr_of(&out);
    assert!(err.contains("PS508") && err.contains("1 edit"), "{err}");

    plainsight()
        .args([
            "inspect",
            "--normalize",
            "--fail-on",
            "critical",
            "anthropic_incident.json",
        ])
        .assert()
        .code(0);
    // Nothing to change: output is the input, byte for byte, exit 0.
    let out = plainsight()
        .args(["inspect", "--normalize", "clean_multilingual.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(
        out.stdout,
        std::fs::read(fixture("clean_multilingual.txt")).unwrap()
    );
    // One input only.
    plainsight()
        .args(["inspect", "--normalize", "a.json", "b.json"])
        .assert()
        .code(2);
}

#[test]
fn hostile_file_name_is_escaped_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let name = "evil\u{202E}nosj.txt";
    std::fs::copy(fixture("anthropic_incident.json"), dir.path().join(name)).unwrap();
    for format in ["text", "json", "sarif"] {
        let out = Command::new(BIN)
            .current_dir(dir.path())
            .args(["inspect", "--format", format, name])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
        let s = stdout_of(&out);
        assert!(!s.contains('\u{202E}'), "{format}: raw RLO in output");
        assert!(
            s.contains("⟨U+202E RIGHT-TO-LEFT OVERRIDE⟩")
                || s.contains("\\u202e")
                || s.contains("%E2%80%AE"),
            "{format}: {s}"
        );
    }
    // Errors name the file escaped, too.
    std::fs::write(dir.path().join(name), b"\xff").unwrap();
    let out = Command::new(BIN)
        .current_dir(dir.path())
        .args(["inspect", name])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(
        !err.contains('\u{202E}') && err.contains("⟨U+202E"),
        "{err}"
    );
}

#[test]
fn include_legitimate_reports_legitimate_uses_as_info() {
    let out = plainsight()
        .args([
            "inspect",
            "--include-legitimate",
            "--format",
            "json",
            "clean_multilingual.txt",
        ])
        .output()
        .unwrap();
    // Info findings are under the default threshold.
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = v["findings"].as_array().unwrap();
    assert!(
        !findings.is_empty(),
        "French NBSP, CJK punctuation and emoji ZWJ are legitimate uses"
    );
    assert!(
        findings.iter().all(|f| f["severity"] == "info"),
        "{findings:#?}"
    );
    plainsight()
        .args([
            "inspect",
            "--include-legitimate",
            "--fail-on",
            "info",
            "clean_multilingual.txt",
        ])
        .assert()
        .code(1);
}

/// Same adjustment as core's schema test: the schema's own `language`
/// pattern fails the meta-schema's regex check; we never emit `language`.
fn drop_language_pattern(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(o) => {
            if o.get("pattern")
                .and_then(|p| p.as_str())
                .is_some_and(|p| p.ends_with("]?$"))
            {
                o.remove("pattern");
            }
            o.values_mut().for_each(drop_language_pattern);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(drop_language_pattern),
        _ => {}
    }
}

/// The official SARIF 2.1.0 schema shipped with core's tests (see its README).
fn sarif_validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../plainsight-core/tests/data/sarif-schema-2.1.0.json");
    let mut schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    drop_language_pattern(&mut schema);
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

#[test]
fn real_sarif_output_is_schema_valid() {
    let validator = sarif_validator();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/request.json");
    let runs: [&[&str]; 3] = [
        &[
            "inspect",
            "--format",
            "sarif",
            "anthropic_incident.json",
            "clean_multilingual.txt",
        ],
        &["inspect", "--format", "sarif", example.to_str().unwrap()],
        &["scan", "--format", "sarif", "covert.js"],
    ];
    for args in runs {
        let out = plainsight().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr_of(&out));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{args:?}: {errors:#?}");
        assert!(
            !doc["runs"][0]["results"].as_array().unwrap().is_empty(),
            "{args:?}"
        );
    }
}

#[test]
fn scan_per_file_problems_do_not_stop_the_scan_but_are_never_silent() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("broken.js"), "const x = ;\n").unwrap();
    std::fs::copy(fixture("covert.js"), dir.path().join("covert.js")).unwrap();
    let out = Command::new(BIN)
        .current_dir(dir.path())
        .args(["scan", "--format", "json", "."])
        .output()
        .unwrap();
    // A unit that did not parse makes the run incomplete: exit 2, the full
    // report on stdout, one line on stderr.
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("plainsight: error: incomplete analysis: 1 of 2 units"),
        "{}",
        stderr_of(&out)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let units = v["units"].as_array().expect("units listed");
    let broken = units
        .iter()
        .find(|u| u["path"].as_str().unwrap().ends_with("broken.js"))
        .expect("broken.js has an outcome");
    assert_eq!(broken["status"], "not-analysed", "{broken:#}");
    assert_eq!(broken["reasons"][0]["kind"], "syntax");
    assert!(
        broken["reasons"][0]["message"]
            .as_str()
            .unwrap()
            .contains("broken.js:1:"),
        "{broken:#}"
    );
    let findings = v["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|f| f["rule"] == "PS101"),
        "{findings:#?}"
    );
    // Opting in: exit by the findings, the line stays as a warning.
    let out = Command::new(BIN)
        .current_dir(dir.path())
        .args(["scan", "--allow-incomplete", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("plainsight: warning: incomplete analysis"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("not analysed [syntax]"));
}

#[test]
fn padding_a_covert_file_past_the_depth_limit_is_not_a_clean_exit() {
    // The attack of issue 8: 2,001 brackets in front of a covert channel made
    // the file "too deep", which was a report line and exit 0. (The default
    // limit is higher now; the padding grows with it.)
    let dir = tempfile::tempdir().unwrap();
    let covert = std::fs::read_to_string(fixture("covert.js")).unwrap();
    let padded = format!("{}0{};\n{covert}", "[".repeat(6001), "]".repeat(6001));
    std::fs::write(dir.path().join("padded.js"), padded).unwrap();
    for format in ["text", "json", "sarif", "github"] {
        let out = Command::new(BIN)
            .current_dir(dir.path())
            .args(["scan", "--format", format, "padded.js"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{format}: {}", stderr_of(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("too-deep"), "{format}: {stdout}");
        if format == "sarif" {
            let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            assert_eq!(v["runs"][0]["invocations"][0]["executionSuccessful"], false);
        }
    }
}

#[test]
fn show_and_verbose_choose_how_much_text() {
    let run = |extra: &[&str]| {
        let mut args = vec!["scan", "--color", "never", "covert.js"];
        args.extend_from_slice(extra);
        let out = plainsight().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
        stdout_of(&out)
    };
    let default = run(&[]);
    assert!(default.starts_with("verdict: COVERT CHANNEL"), "{default}");
    assert!(default.contains("critical[PS101]:"), "{default}");
    // The endpoint read is a row of the inventory, not a diagnostic.
    assert!(!default.contains("info[PS301]:"), "{default}");
    assert!(
        default.contains("inventory (1 finding as tables"),
        "{default}"
    );

    let verdict = run(&["--show", "verdict"]);
    assert!(verdict.starts_with("verdict: COVERT CHANNEL"), "{verdict}");
    assert!(!verdict.contains("critical[PS101]:"), "{verdict}");
    assert!(verdict.contains("\nsummary: 3 findings"), "{verdict}");

    for flag in [&["-v"][..], &["--show", "info"]] {
        let all = run(flag);
        assert!(all.contains("info[PS301]:"), "{all}");
        assert!(!all.contains("inventory ("), "{all}");
    }
    let out = plainsight()
        .args(["scan", "-v", "--show", "verdict", "covert.js"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "-v and --show conflict");
}

#[test]
fn min_severity_filters_output_not_the_exit_code() {
    // Two medium findings only.
    let out = plainsight()
        .args([
            "inspect",
            "--color",
            "never",
            "--min-severity",
            "high",
            "anthropic_incident.json",
        ])
        .output()
        .unwrap();
    let s = stdout_of(&out);
    assert_eq!(out.status.code(), Some(1), "the gate still sees them: {s}");
    assert!(
        s.starts_with("verdict: nothing at high or above; 2 at medium worth a look"),
        "{s}"
    );
    assert!(!s.contains("medium[PS508]:"), "{s}");
    assert!(s.contains("2 below high not shown"), "{s}");
    let out = plainsight()
        .args([
            "inspect",
            "--format",
            "json",
            "--min-severity",
            "high",
            "anthropic_incident.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"], serde_json::json!([]));
}

#[test]
fn os_errors_are_printed_once() {
    // Issue 8: the OS error was both in the message and its source, and the
    // chain printer showed it twice. ENOTDIR works whatever the user (root
    // reads unreadable files).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file.js");
    std::fs::write(&file, "1\n").unwrap();
    let below = file.join("child.js");
    for verb in ["scan", "inspect"] {
        let out = plainsight()
            .args([verb, below.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{verb}");
        let err = stderr_of(&out);
        assert_eq!(err.matches("os error 20").count(), 1, "{verb}: {err}");
        assert!(err.contains("child.js"), "{verb}: {err}");
    }
}

#[test]
fn malformed_har_is_an_error_naming_input_and_pointer() {
    let dir = tempfile::tempdir().unwrap();
    for (body, pointer) in [
        (r#"{"log":{"entries":{"0":{}}}}"#, "/log/entries"),
        (
            r#"{"log":{"entries":[{"request":{"method":"POST","postData":{"text":["x"]}}}]}}"#,
            "/log/entries/0/request/postData/text",
        ),
    ] {
        let p = dir.path().join("capture.har");
        std::fs::write(&p, body).unwrap();
        let out = plainsight()
            .args(["inspect", p.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
        let err = stderr_of(&out);
        assert!(
            err.contains("capture.har:1:")
                && err.contains(pointer)
                && err.contains("not a valid HAR"),
            "{err}"
        );
    }
}

#[test]
fn a_file_over_the_memory_ceiling_is_not_analysed_not_clean() {
    // Issue 8: JavaScript costs ~100× its size to analyse, so the file size
    // limit did not bound memory. Over --max-unit-memory a file is refused
    // before parsing, reported `not analysed [limit]`, and the exit is 2.
    let dir = tempfile::tempdir().unwrap();
    let covert = std::fs::read_to_string(fixture("covert.js")).unwrap();
    std::fs::write(dir.path().join("covert.js"), &covert).unwrap();
    let out = Command::new(BIN)
        .current_dir(dir.path())
        .args(["scan", "--max-unit-memory", "1K", "covert.js"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("not analysed [limit]"), "{stdout}");
    assert!(stdout.contains("max_unit_memory"), "{stdout}");
    // The default ceiling lets the same file through, finding and all.
    let out = Command::new(BIN)
        .current_dir(dir.path())
        .args(["scan", "covert.js"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
}

/// An unproven carrier path longer than `unproven_walk_hops` is not reported,
/// but not silently: the unit is partial (`limit`), naming the limit, and
/// the scan exits 2. Raised with `--flow-limit`, the meeting is reported
/// (medium, low confidence) and nothing is partial. Removed budgets are
/// refused by name.
#[test]
fn unproven_walk_cut_is_partial_and_configurable() {
    let js = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../plainsight-js/tests/fixtures/benign/long_unproven_walk_entity_table.js");
    let js = js.to_str().unwrap();
    let out = plainsight()
        .args(["scan", "--format", "json", js])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let ps1 = |v: &serde_json::Value| {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"].as_str().unwrap().starts_with("PS1"))
            .map(|f| (f["severity"].to_string(), f["confidence"].to_string()))
            .collect::<Vec<_>>()
    };
    assert!(ps1(&v).is_empty(), "{v}");
    let unit = &v["units"][0];
    assert_eq!(unit["status"], "partial", "{unit}");
    assert!(
        unit["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["kind"] == "limit"
                && r["message"]
                    .as_str()
                    .unwrap()
                    .contains("unproven_walk_hops")),
        "{unit}"
    );

    let out = plainsight()
        .args([
            "scan",
            "--format",
            "json",
            "--flow-limit",
            "unproven_walk_hops=64",
            js,
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let found = ps1(&v);
    assert!(
        !found.is_empty()
            && found
                .iter()
                .all(|(s, c)| (s == "\"medium\"" || s == "\"low\"") && c == "\"low\""),
        "{found:?}"
    );
    assert_eq!(v["units"][0]["status"], "analysed", "{v}");

    let out = plainsight()
        .args(["scan", "--flow-limit", "callee_steps=1", js])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("no flow limit `callee_steps`"),
        "{}",
        stderr_of(&out)
    );
}
