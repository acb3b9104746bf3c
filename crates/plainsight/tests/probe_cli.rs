//! `plainsight probe` through the real binary: help text, errors, and one
//! fixture agent end to end with `--har` read back by `inspect`.

use assert_cmd::Command;

fn plainsight() -> Command {
    Command::cargo_bin("plainsight").unwrap()
}

#[test]
fn help_says_it_runs_the_agent_in_the_sandbox() {
    let out = plainsight().args(["probe", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("THIS RUNS THE AGENT"), "{text}");
    assert!(text.contains("only inside the sandbox"), "{text}");
}

#[test]
fn a_bad_target_is_an_error_with_no_report() {
    let out = plainsight().args(["probe", "npm:"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("plainsight: error:"), "{err}");
}

#[test]
fn a_fixture_agent_end_to_end_with_har() {
    if std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: node is not installed");
        return;
    }
    let agents = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../plainsight-probe/tests/fixtures/agents");
    let dir = tempfile::tempdir().unwrap();
    let har = dir.path().join("capture.har");
    let out = plainsight()
        .current_dir(&agents)
        .args([
            "probe",
            "--format",
            "json",
            "--budget",
            "20",
            "--timeout",
            "60",
            "--no-scan",
        ])
        .args(["--base-url-env", "ANTHROPIC_BASE_URL", "--har"])
        .arg(&har)
        .args(["--", "node", "covert_host_apostrophe.js", "hi"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    if err.contains("could not be built") {
        eprintln!("skipped: {err}");
        return;
    }
    assert!(matches!(out.status.code(), Some(0 | 1)), "{err}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        report["notices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("cell(s) run"))
    );
    // The HAR is valid and inspect reads the captured prompts.
    let har_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&har).unwrap()).unwrap();
    assert!(!har_json["log"]["entries"].as_array().unwrap().is_empty());
    let insp = plainsight()
        .args(["inspect", "--format", "json"])
        .arg(&har)
        .output()
        .unwrap();
    assert!(
        matches!(insp.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&insp.stderr)
    );
}
