//! The sandbox, step by step, with the helper binary of this crate.

use plainsight_probe::run::{Helper, run_cell};
use plainsight_probe::spec::{CellSpec, Ended, FileContent};

fn helper() -> Helper {
    Helper {
        exe: env!("CARGO_BIN_EXE_plainsight-probe-helper").into(),
    }
}

fn base_spec(argv: &[&str]) -> CellSpec {
    let ca = plainsight_probe::tls::new_run_ca().unwrap();
    CellSpec {
        argv: argv.iter().map(|s| (*s).to_owned()).collect(),
        cwd: "/".into(),
        env: vec![
            ("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into()),
            ("HOME".into(), "/home/alice".into()),
            (
                "NODE_EXTRA_CA_CERTS".into(),
                "/etc/ssl/certs/ca-certificates.crt".into(),
            ),
        ],
        hostname: "devbox".into(),
        user: "alice".into(),
        etc: vec![
            (
                "hosts".into(),
                FileContent::Text("127.0.0.1 localhost\n".into()),
            ),
            (
                "passwd".into(),
                FileContent::Text(
                    "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000:Alice:/home/alice:/bin/sh\n"
                        .into(),
                ),
            ),
            (
                "resolv.conf".into(),
                FileContent::Text("nameserver 127.0.0.53\n".into()),
            ),
            (
                "ssl/certs/ca-certificates.crt".into(),
                FileContent::Text(ca.cert_pem.clone()),
            ),
        ],
        home: vec![(
            ".gitconfig".into(),
            FileContent::Text("[user]\n\temail = a@example.com\n".into()),
        )],
        keep_paths: vec![],
        mac: Some("02:42:ac:11:00:02".into()),
        iface: "eth0".into(),
        ports: vec![80, 443],
        proxy_port: None,
        ca_cert_pem: ca.cert_pem,
        ca_key_pem: ca.key_pem,
        reply_text: "OK".into(),
        timeout_ms: 20_000,
        max_body: 1 << 20,
        max_output: 1 << 16,
        max_exchanges: 1000,
    }
}

#[test]
fn https_request_to_any_host_is_captured() {
    let work = tempfile::tempdir().unwrap();
    let js = r"
      const r = await fetch('https://api.example-provider.net/v1/messages', {method:'POST', headers:{'content-type':'application/json','x-api-key':'k','anthropic-version':'2023-06-01'}, body: JSON.stringify({model:'m', max_tokens: 5, messages:[{role:'user', content:'hi'}]})});
      console.log(r.status, (await r.json()).content[0].text);
      const os = await import('node:os');
      console.log(os.hostname(), os.userInfo().username, process.getuid(), JSON.stringify(os.networkInterfaces().eth0?.[0]?.mac));
    ";
    let spec = base_spec(&["node", "--input-type=module", "-e", js]);
    let r = run_cell(&helper(), &spec, work.path());
    if std::env::var_os("KEEP_SPEC").is_some() {
        std::fs::copy(work.path().join("spec.json"), "/tmp/probe-spec.json").unwrap();
    }
    if let Some(e) = &r.error
        && e.refused
    {
        eprintln!("skipped: {}: {}", e.step, e.message);
        return;
    }
    assert!(r.error.is_none(), "{:?}\n{}", r.error, r.stderr);
    assert_eq!(r.ended, Some(Ended::Exited(0)), "stderr: {}", r.stderr);
    assert!(r.stdout.contains("200 OK"), "{}", r.stdout);
    assert!(r.stdout.contains("devbox alice 1000"), "{}", r.stdout);
    assert!(
        r.stdout.contains("02:42:ac:11:00:02"),
        "{} {:?}",
        r.stdout,
        r.notes
    );
    assert_eq!(r.exchanges.len(), 1);
    let ex = &r.exchanges[0];
    assert_eq!(ex.host, "api.example-provider.net");
    assert_eq!(ex.scheme, "https");
    assert_eq!(ex.api.as_deref(), Some("anthropic.messages"));
    assert!(r.dns.iter().any(|q| q.name == "api.example-provider.net"));
}

fn run_or_skip(spec: &CellSpec) -> Option<plainsight_probe::spec::RunResult> {
    let work = tempfile::tempdir().unwrap();
    let r = run_cell(&helper(), spec, work.path());
    if let Some(e) = &r.error
        && e.refused
    {
        eprintln!("skipped: {}: {}", e.step, e.message);
        return None;
    }
    assert!(r.error.is_none(), "{:?}", r.error);
    Some(r)
}

#[test]
fn a_hung_agent_is_killed_with_its_process_tree() {
    // A child that outlives its parent would keep a pipe open; the PID
    // namespace going down with init ends it.
    let mut spec = base_spec(&["sh", "-c", "sleep 300 & sleep 300"]);
    spec.timeout_ms = 1500;
    let started = std::time::Instant::now();
    let Some(r) = run_or_skip(&spec) else { return };
    assert_eq!(r.ended, Some(Ended::TimedOut));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn nothing_leaves_the_namespace_and_every_address_is_captured() {
    // An IP literal outside loopback, on a listened port: captured, not routed out.
    let js = r"
      const r = await fetch('http://203.0.113.7:8080/collect?x=1', {method:'POST', body:'hello'});
      console.log(r.status);
      const ifs = Object.keys((await import('node:os')).networkInterfaces()).sort().join(',');
      console.log(ifs);
    ";
    let mut spec = base_spec(&["node", "--input-type=module", "-e", js]);
    spec.ports.push(8080);
    let Some(r) = run_or_skip(&spec) else { return };
    assert!(r.stdout.contains("200"), "{} {}", r.stdout, r.stderr);
    assert!(r.stdout.contains("eth0,lo"), "{}", r.stdout);
    let ex = &r.exchanges[0];
    assert_eq!(ex.host, "203.0.113.7");
    assert_eq!(ex.body, "hello");
    assert!(ex.dest.contains("203.0.113.7"));
}

#[test]
fn the_capture_proxy_marks_what_went_through_it() {
    let js = r"
      const http = await import('node:http');
      const req = http.request({host: 'proxy.corp.example.com', port: 3128, method: 'GET', path: 'http://updates.example.com/v1/check'}, res => { res.resume(); res.on('end', () => console.log('via', res.statusCode)); });
      req.end();
    ";
    let mut spec = base_spec(&["node", "--input-type=module", "-e", js]);
    spec.proxy_port = Some(3128);
    let Some(r) = run_or_skip(&spec) else { return };
    assert!(r.stdout.contains("via 200"), "{} {}", r.stdout, r.stderr);
    assert!(
        r.exchanges
            .iter()
            .any(|e| e.via_proxy && e.host == "updates.example.com"),
        "{:?}",
        r.exchanges
    );
}

#[test]
fn works_as_an_unprivileged_user() {
    use std::os::unix::fs::PermissionsExt as _;
    if !nix::unistd::getuid().is_root() {
        eprintln!("skipped: already unprivileged (the other tests cover it)");
        return;
    }
    if std::process::Command::new("runuser")
        .arg("--help")
        .output()
        .is_err()
    {
        eprintln!("skipped: runuser not installed");
        return;
    }
    // The helper and the spec must be readable by `nobody`.
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let exe = dir.path().join("helper");
    std::fs::copy(env!("CARGO_BIN_EXE_plainsight-probe-helper"), &exe).unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    let spec = base_spec(&["sh", "-c", "id -u; cat /etc/hostname"]);
    let spec_path = dir.path().join("spec.json");
    std::fs::write(&spec_path, serde_json::to_vec(&spec).unwrap()).unwrap();
    std::fs::set_permissions(&spec_path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let res = dir.path().join("result.json");
    let st = std::process::Command::new("runuser")
        .args(["-u", "nobody", "--"])
        .arg(&exe)
        .arg("__probe-sandbox")
        .arg(&spec_path)
        .arg(&res)
        .status()
        .unwrap();
    assert!(st.success());
    let r: plainsight_probe::spec::RunResult =
        serde_json::from_slice(&std::fs::read(&res).unwrap()).unwrap();
    if let Some(e) = &r.error
        && e.refused
    {
        eprintln!(
            "skipped: the kernel refuses user namespaces to unprivileged users: {}: {}",
            e.step, e.message
        );
        return;
    }
    assert!(r.error.is_none(), "{:?}", r.error);
    assert!(r.stdout.contains("1000"), "{}", r.stdout);
}
