//! `npm:` specs against a loopback registry served by the test (never the
//! internet): resolution, integrity refusal, platform packages, the cache,
//! and the registry override option.

#[path = "fixtures/archive/build.rs"]
mod build;
#[path = "fixtures/npm/registry.rs"]
mod registry;

use plainsight_artifact::{ArtifactError, OpenOptions, Progress, UnitKind, open};
use registry::Registry;
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

fn opts(reg: &Registry, cache: &tempfile::TempDir) -> OpenOptions {
    OpenOptions {
        registry: Some(reg.url.clone()),
        cache_dir: Some(cache.path().to_path_buf()),
        platform: Some("linux-x64".into()),
        ..OpenOptions::default()
    }
}

fn package(js: &str) -> Vec<u8> {
    build::tgz(&[
        ("package/package.json", br#"{"name":"x","bin":{"x":"cli"}}"#),
        ("package/cli", js.as_bytes()),
        ("package/lib/util.js", b"module.exports = {}\n"),
    ])
}

fn units(a: &plainsight_artifact::Artifact) -> Vec<String> {
    let mut v: Vec<String> = a
        .units
        .iter()
        .map(|u| format!("{} › {}", u.chain.join(" › "), u.path))
        .collect();
    v.sort();
    v
}

#[test]
fn unscoped_latest_and_exact_version() {
    let reg = Registry::start();
    reg.publish("agent", "1.0.0", &package("old()\n"), json!({}), None);
    reg.publish("agent", "1.1.0", &package("new()\n"), json!({}), None);
    let cache = tempfile::tempdir().unwrap();
    let a = open("npm:agent", &opts(&reg, &cache)).unwrap();
    assert_eq!(
        units(&a),
        [
            "npm:agent@1.1.0 › package/cli",
            "npm:agent@1.1.0 › package/lib/util.js"
        ]
    );
    assert!(a.units.iter().all(|u| u.kind == UnitKind::JavaScript));
    let cli = a.units.iter().find(|u| u.path == "package/cli").unwrap();
    assert_eq!(cli.data.bytes(), b"new()\n");
    let first = &reg.requests()[0];
    assert_eq!(first.path, "/agent");
    assert!(
        first
            .accept
            .as_deref()
            .unwrap()
            .starts_with("application/vnd.npm.install-v1+json")
    );

    let a = open("npm:agent@1.0.0", &opts(&reg, &cache)).unwrap();
    assert_eq!(
        a.units
            .iter()
            .find(|u| u.path == "package/cli")
            .unwrap()
            .data
            .bytes(),
        b"old()\n"
    );
}

#[test]
fn scoped_name_and_dist_tag() {
    let reg = Registry::start();
    reg.publish(
        "@acme/agent",
        "2.0.0",
        &package("stable()\n"),
        json!({}),
        None,
    );
    reg.publish(
        "@acme/agent",
        "2.1.0-beta.1",
        &package("beta()\n"),
        json!({}),
        None,
    );
    reg.tag("@acme/agent", "latest", "2.0.0");
    reg.tag("@acme/agent", "next", "2.1.0-beta.1");
    let cache = tempfile::tempdir().unwrap();
    let a = open("npm:@acme/agent@next", &opts(&reg, &cache)).unwrap();
    assert_eq!(a.units[0].chain, ["npm:@acme/agent@2.1.0-beta.1"]);
    assert_eq!(reg.requests()[0].path, "/@acme%2fagent");
    let a = open("npm:@acme/agent", &opts(&reg, &cache)).unwrap();
    assert_eq!(a.units[0].chain, ["npm:@acme/agent@2.0.0"]);

    let e = open("npm:@acme/agent@nope", &opts(&reg, &cache)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "@acme/agent@nope: no version or dist-tag \"nope\" (latest is 2.0.0)"
    );
    let e = open("npm:@acme/missing", &opts(&reg, &cache)).unwrap_err();
    assert!(
        matches!(e, ArtifactError::Package { .. }) && e.to_string().contains("HTTP 404"),
        "{e}"
    );
}

#[test]
fn integrity_mismatch_is_refused_before_reading() {
    let reg = Registry::start();
    let honest = package("a()\n");
    let tampered = package("tampered()\n");
    reg.publish(
        "agent",
        "1.0.0",
        &tampered,
        json!({}),
        Some(registry::sri(&honest)),
    );
    let cache = tempfile::tempdir().unwrap();
    match open("npm:agent@1.0.0", &opts(&reg, &cache)) {
        Err(ArtifactError::Integrity {
            spec,
            url,
            expected,
            actual,
        }) => {
            assert_eq!(spec, "agent@1.0.0");
            assert!(url.ends_with("/agent/-/agent-1.0.0.tgz"), "{url}");
            assert_eq!(expected, registry::sri(&honest));
            assert_eq!(actual, registry::sri(&tampered));
        }
        other => panic!("expected an integrity error, got {other:?}"),
    }
    // Nothing of it was kept either.
    assert!(
        !cache.path().join("tarballs").exists()
            || std::fs::read_dir(cache.path().join("tarballs"))
                .unwrap()
                .count()
                == 0
    );
}

#[test]
fn platform_package_by_name() {
    let reg = Registry::start();
    let deps = json!({
        "@acme/cli-darwin-arm64": "1.0.0",
        "@acme/cli-linux-x64": "1.0.0",
        "@acme/cli-linux-x64-musl": "1.0.0",
        "@acme/cli-linux-arm64": "1.0.0",
    });
    reg.publish(
        "@acme/cli",
        "1.0.0",
        &package("launch()\n"),
        json!({ "optionalDependencies": deps }),
        None,
    );
    for (n, os, cpu, libc) in [
        ("@acme/cli-darwin-arm64", "darwin", "arm64", None),
        ("@acme/cli-linux-x64", "linux", "x64", Some("glibc")),
        ("@acme/cli-linux-x64-musl", "linux", "x64", Some("musl")),
        ("@acme/cli-linux-arm64", "linux", "arm64", None),
    ] {
        let tgz = build::tgz(&[("package/bin/real.js", format!("real('{n}')\n").as_bytes())]);
        let mut extra = json!({ "os": [os], "cpu": [cpu] });
        if let Some(l) = libc {
            extra["libc"] = json!([l]);
        }
        reg.publish(n, "1.0.0", &tgz, extra, None);
    }
    let cache = tempfile::tempdir().unwrap();

    // Two names fit linux-x64 (glibc and musl): os/cpu/libc decide.
    let a = open("npm:@acme/cli@1.0.0", &opts(&reg, &cache)).unwrap();
    assert!(
        units(&a).contains(&"npm:@acme/cli-linux-x64@1.0.0 › package/bin/real.js".to_string()),
        "{:?}",
        units(&a)
    );
    assert!(
        a.notices.iter().any(|n| n.starts_with(
            "fetched platform package @acme/cli-linux-x64@1.0.0 (optionalDependencies; "
        ) && n.contains("preferred over @acme/cli-linux-x64-musl")),
        "{:?}",
        a.notices
    );

    // A unique name match decides alone.
    let o = OpenOptions {
        platform: Some("darwin-arm64".into()),
        ..opts(&reg, &cache)
    };
    let a = open("npm:@acme/cli@1.0.0", &o).unwrap();
    let plat = a
        .units
        .iter()
        .find(|u| u.chain[0].starts_with("npm:@acme/cli-darwin"))
        .unwrap();
    assert_eq!(plat.data.bytes(), b"real('@acme/cli-darwin-arm64')\n");
    assert!(
        a.notices
            .iter()
            .any(|n| n.contains("name matches darwin-arm64")),
        "{:?}",
        a.notices
    );

    // No build for this platform: only the launcher, no platform notice.
    let o = OpenOptions {
        platform: Some("win32-x64".into()),
        ..opts(&reg, &cache)
    };
    let a = open("npm:@acme/cli@1.0.0", &o).unwrap();
    assert!(a.units.iter().all(|u| u.chain[0] == "npm:@acme/cli@1.0.0"));
    assert!(
        !a.notices
            .iter()
            .any(|n| n.starts_with("fetched platform package"))
    );
}

#[test]
fn unpublished_platform_builds_are_an_error_not_a_launcher_alone() {
    // The package names two linux-x64 builds at 2.0.0, but the registry has
    // them only at 1.0.0 (a release whose platform packages never landed):
    // what a user would run is unknown, so the input must not pass as the
    // launcher alone.
    let reg = Registry::start();
    reg.publish(
        "@acme/tool",
        "2.0.0",
        &package("launch()\n"),
        json!({ "optionalDependencies": {
            "@acme/tool-linux-x64": "2.0.0",
            "@acme/tool-linux-x64-musl": "2.0.0",
        } }),
        None,
    );
    for (n, libc) in [
        ("@acme/tool-linux-x64", "glibc"),
        ("@acme/tool-linux-x64-musl", "musl"),
    ] {
        let tgz = build::tgz(&[("package/bin/real.js", b"real()\n".as_slice())]);
        let extra = json!({ "os": ["linux"], "cpu": ["x64"], "libc": [libc] });
        reg.publish(n, "1.0.0", &tgz, extra, None);
    }
    let cache = tempfile::tempdir().unwrap();
    let err = open("npm:@acme/tool@2.0.0", &opts(&reg, &cache))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(
            "@acme/tool@2.0.0: no platform package for linux-x64: no candidate could be checked"
        ) && err.contains("@acme/tool-linux-x64@2.0.0: ")
            && err.contains("@acme/tool-linux-x64-musl@2.0.0: ")
            && err.contains("(latest is 1.0.0)"),
        "{err}"
    );

    // One candidate missing beside one that fits: the fitting one is
    // fetched, and the notice names the missing candidate, not the launcher.
    reg.publish(
        "@acme/tool-linux-x64-musl",
        "2.0.0",
        &build::tgz(&[("package/bin/real.js", b"musl()\n".as_slice())]),
        json!({ "os": ["linux"], "cpu": ["x64"], "libc": ["musl"] }),
        None,
    );
    let a = open("npm:@acme/tool@2.0.0", &opts(&reg, &cache)).unwrap();
    assert!(
        units(&a)
            .contains(&"npm:@acme/tool-linux-x64-musl@2.0.0 › package/bin/real.js".to_string()),
        "{:?}",
        units(&a)
    );
    assert!(
        a.notices.iter().any(|n| n.starts_with(
            "platform candidate @acme/tool-linux-x64@2.0.0 not checked: no version or dist-tag"
        )),
        "{:?}",
        a.notices
    );
}

#[test]
fn platform_package_by_os_cpu_fields_when_names_say_nothing() {
    let reg = Registry::start();
    reg.publish(
        "tool",
        "3.0.0",
        &package("t()\n"),
        json!({ "optionalDependencies": { "tool-bin-a": "^3.0.0", "tool-bin-b": "3.0.0" } }),
        None,
    );
    reg.publish(
        "tool-bin-a",
        "3.0.0",
        &build::tgz(&[("package/a.js", b"a\n")]),
        json!({ "os": ["darwin"], "cpu": ["arm64"] }),
        None,
    );
    reg.publish(
        "tool-bin-b",
        "3.0.0",
        &build::tgz(&[("package/b.js", b"b\n")]),
        json!({ "os": ["linux"], "cpu": ["x64"] }),
        None,
    );
    let cache = tempfile::tempdir().unwrap();
    let a = open("npm:tool", &opts(&reg, &cache)).unwrap();
    assert!(
        units(&a).contains(&"npm:tool-bin-b@3.0.0 › package/b.js".to_string()),
        "{:?}",
        units(&a)
    );
    assert!(!units(&a).iter().any(|u| u.contains("tool-bin-a")));
    assert!(a.notices.iter().any(|n| n == "fetched platform package tool-bin-b@3.0.0 (optionalDependencies; os/cpu fields match linux-x64)"), "{:?}", a.notices);
}

#[test]
fn platform_package_is_the_agents_own_not_a_dependencys() {
    let reg = Registry::start();
    for (n, opt) in [
        (
            "@agent/cli",
            json!({ "@img/sharp-linux-x64": "1.0.0", "@agent/cli-linux-x64": "1.0.0" }),
        ),
        ("@agent/js", json!({ "@img/sharp-linux-x64": "1.0.0" })),
    ] {
        reg.publish(
            n,
            "1.0.0",
            &package("main()\n"),
            json!({ "optionalDependencies": opt }),
            None,
        );
    }
    for n in ["@img/sharp-linux-x64", "@agent/cli-linux-x64"] {
        let tgz = build::tgz(&[("package/native.js", format!("native('{n}')\n").as_bytes())]);
        reg.publish(
            n,
            "1.0.0",
            &tgz,
            json!({ "os": ["linux"], "cpu": ["x64"] }),
            None,
        );
    }
    let cache = tempfile::tempdir().unwrap();
    let a = open("npm:@agent/cli@1.0.0", &opts(&reg, &cache)).unwrap();
    assert!(
        units(&a).contains(&"npm:@agent/cli-linux-x64@1.0.0 › package/native.js".to_string()),
        "{:?}",
        units(&a)
    );
    assert!(
        !units(&a).iter().any(|u| u.contains("sharp")),
        "{:?}",
        units(&a)
    );

    // Only another project's native module: no platform package, and the notice says why.
    let a = open("npm:@agent/js@1.0.0", &opts(&reg, &cache)).unwrap();
    assert!(
        a.units.iter().all(|u| u.chain[0] == "npm:@agent/js@1.0.0"),
        "{:?}",
        units(&a)
    );
    assert!(
        a.notices
            .iter()
            .any(|n| n.contains("other projects' packages (@img/sharp-linux-x64)")),
        "{:?}",
        a.notices
    );
}

#[test]
fn cache_hit_makes_no_request_for_exact_versions() {
    let reg = Registry::start();
    reg.publish("agent", "1.0.0", &package("a()\n"), json!({}), None);
    let cache = tempfile::tempdir().unwrap();
    let first = open("npm:agent@1.0.0", &opts(&reg, &cache)).unwrap();
    assert_eq!(reg.request_count(), 2, "packument + tarball");
    let second = open("npm:agent@1.0.0", &opts(&reg, &cache)).unwrap();
    assert_eq!(
        reg.request_count(),
        2,
        "second open served from cache: {:?}",
        reg.requests()
    );
    assert_eq!(units(&first), units(&second));
    // A tag moves, so it is asked for again; the tarball still is not.
    open("npm:agent@latest", &opts(&reg, &cache)).unwrap();
    let paths: Vec<String> = reg.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/agent", "/agent/-/agent-1.0.0.tgz", "/agent"]);
}

#[test]
fn progress_is_reported_for_downloads() {
    #[derive(Default)]
    struct Rec {
        labels: Mutex<Vec<(String, Option<u64>)>>,
        bytes: AtomicU64,
        finished: AtomicU64,
    }
    impl Progress for Rec {
        fn start(&self, label: &str, total: Option<u64>) {
            self.labels.lock().unwrap().push((label.to_string(), total));
        }
        fn advance(&self, n: u64) {
            self.bytes.fetch_add(n, Ordering::Relaxed);
        }
        fn finish(&self) {
            self.finished.fetch_add(1, Ordering::Relaxed);
        }
    }
    let reg = Registry::start();
    let tgz = package("p()\n");
    reg.publish("agent", "1.0.0", &tgz, json!({}), None);
    let cache = tempfile::tempdir().unwrap();
    let rec = Arc::new(Rec::default());
    let o = OpenOptions {
        progress: Some(rec.clone()),
        ..opts(&reg, &cache)
    };
    open("npm:agent", &o).unwrap();
    assert_eq!(
        *rec.labels.lock().unwrap(),
        [("agent@1.0.0".to_string(), Some(tgz.len() as u64))]
    );
    assert_eq!(rec.bytes.load(Ordering::Relaxed), tgz.len() as u64);
    assert_eq!(rec.finished.load(Ordering::Relaxed), 1);
}

#[test]
fn unreachable_registry_names_the_url() {
    // A port nothing listens on: bind, read the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cache = tempfile::tempdir().unwrap();
    let o = OpenOptions {
        registry: Some(format!("http://127.0.0.1:{port}")),
        cache_dir: Some(cache.path().to_path_buf()),
        ..OpenOptions::default()
    };
    let e = open("npm:agent", &o).unwrap_err();
    assert!(matches!(e, ArtifactError::Registry { .. }), "{e}");
    assert!(
        e.to_string().starts_with(&format!(
            "agent: request to http://127.0.0.1:{port}/agent failed"
        )),
        "{e}"
    );
}

#[test]
fn bad_specs_and_platforms_are_refused_without_network() {
    for p in ["linux", "linux-", "-x64", "linux-x64-gnu"] {
        let o = OpenOptions {
            platform: Some(p.into()),
            ..OpenOptions::default()
        };
        let e = open("npm:agent", &o).unwrap_err();
        assert!(e.to_string().contains("is not <os>-<arch>"), "{p}: {e}");
    }
    let e = open("npm:not a name", &OpenOptions::default()).unwrap_err();
    assert!(matches!(e, ArtifactError::NpmSpec { .. }), "{e}");
}
