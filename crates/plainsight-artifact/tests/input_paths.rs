//! Paths the user names: files by content, directories walked, errors that
//! name the input.

#[path = "fixtures/archive/build.rs"]
mod build;

use plainsight_artifact::{ArtifactError, Limits, OpenOptions, UnitKind, open};

#[test]
fn a_named_file_is_scanned_whatever_its_extension() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("agent.bundle");
    std::fs::write(&p, "const a = 1;\n").unwrap();
    let a = open(p.to_str().unwrap(), &OpenOptions::default()).unwrap();
    assert_eq!(a.units.len(), 1);
    assert_eq!(
        (a.units[0].kind, a.units[0].path.as_str()),
        (UnitKind::JavaScript, p.to_str().unwrap())
    );
    assert!(a.units[0].chain.is_empty());

    // Large files are mapped, not read: same bytes either way.
    let big = "x".repeat(1 << 20);
    std::fs::write(&p, &big).unwrap();
    let a = open(p.to_str().unwrap(), &OpenOptions::default()).unwrap();
    assert_eq!(a.units[0].data.bytes(), big.as_bytes());

    let empty = t.path().join("empty.js");
    std::fs::write(&empty, "").unwrap();
    let a = open(empty.to_str().unwrap(), &OpenOptions::default()).unwrap();
    assert!(a.units[0].data.is_empty());
}

#[test]
fn missing_and_oversized_inputs_are_clear_errors() {
    let e = open("/nonexistent/agent.js", &OpenOptions::default()).unwrap_err();
    assert!(matches!(e, ArtifactError::NotFound { .. }), "{e}");
    assert!(
        e.to_string()
            .starts_with("/nonexistent/agent.js: no such file or directory"),
        "{e}"
    );

    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("big.js");
    std::fs::write(&p, vec![b'a'; 4096]).unwrap();
    let o = OpenOptions {
        limits: Limits {
            max_file_size: 1000,
            ..Limits::default()
        },
        ..OpenOptions::default()
    };
    let e = open(p.to_str().unwrap(), &o).unwrap_err();
    assert!(
        matches!(
            e,
            ArtifactError::Limit {
                what: "file size",
                value: 4096,
                limit: 1000,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn archives_inside_directories_are_opened_with_their_chain() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path();
    std::fs::create_dir_all(root.join("dist")).unwrap();
    // Extensionless and misnamed: found by magic.
    std::fs::write(
        root.join("dist/payload"),
        build::tgz(&[("package/in.js", b"1\n")]),
    )
    .unwrap();
    std::fs::write(root.join("dist/main.js"), "2\n").unwrap();
    let a = open(root.to_str().unwrap(), &OpenOptions::default()).unwrap();
    let mut got: Vec<(Vec<String>, String)> = a
        .units
        .iter()
        .map(|u| (u.chain.clone(), u.path.clone()))
        .collect();
    got.sort();
    let payload = root.join("dist/payload").to_str().unwrap().to_string();
    let main = root.join("dist/main.js").to_str().unwrap().to_string();
    assert_eq!(
        got,
        [(vec![], main), (vec![payload], "package/in.js".to_string())]
    );
}

/// Issue 8: `--max-file-size` was not enforced on devices and pipes
/// (`/dev/zero` grew past 8 GB), and a FIFO without a writer blocked forever
/// in `open`.
#[cfg(unix)]
#[test]
fn devices_and_fifos_are_bounded_and_never_block() {
    let opts = OpenOptions {
        limits: Limits {
            max_file_size: 1 << 20,
            ..Limits::default()
        },
        ..OpenOptions::default()
    };
    let run = |path: String, opts: OpenOptions| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(open(&path, &opts).map(|a| a.units.len()));
        });
        rx.recv_timeout(std::time::Duration::from_secs(20))
            .expect("open returned within 20 s")
    };
    let e = run("/dev/zero".into(), opts.clone()).unwrap_err();
    assert!(
        matches!(e, ArtifactError::Limit { limit, .. } if limit == 1 << 20),
        "{e}"
    );
    let t = tempfile::tempdir().unwrap();
    let fifo = t.path().join("pipe.js");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo not available");
        return;
    }
    // No writer: empty, not a hang.
    let units = run(fifo.to_str().unwrap().into(), opts).unwrap();
    assert!(units <= 1);
}
