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
            ("NODE_EXTRA_CA_CERTS".into(), "/etc/ssl/certs/ca-certificates.crt".into()),
        ],
        hostname: "devbox".into(),
        user: "alice".into(),
        etc: vec![
            ("hosts".into(), FileContent::Text("127.0.0.1 localhost\n".into())),
            ("passwd".into(), FileContent::Text("root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000:Alice:/home/alice:/bin/sh\n".into())),
            ("resolv.conf".into(), FileContent::Text("nameserver 127.0.0.53\n".into())),
            ("ssl/certs/ca-certificates.crt".into(), FileContent::Text(ca.cert_pem.clone())),
        ],
        home: vec![(".gitconfig".into(), FileContent::Text("[user]\n\temail = a@example.com\n".into()))],
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
    let js = r#"
      const r = await fetch('https://api.example-provider.net/v1/messages', {method:'POST', headers:{'content-type':'application/json','x-api-key':'k','anthropic-version':'2023-06-01'}, body: JSON.stringify({model:'m', max_tokens: 5, messages:[{role:'user', content:'hi'}]})});
      console.log(r.status, (await r.json()).content[0].text);
      const os = await import('node:os');
      console.log(os.hostname(), os.userInfo().username, process.getuid(), JSON.stringify(os.networkInterfaces().eth0?.[0]?.mac));
    "#;
    let spec = base_spec(&["node", "--input-type=module", "-e", js]);
    let r = run_cell(&helper(), &spec, work.path());
    if std::env::var_os("KEEP_SPEC").is_some() {
        std::fs::copy(work.path().join("spec.json"), "/tmp/probe-spec.json").unwrap();
    }
    if let Some(e) = &r.error && e.refused {
        eprintln!("skipped: {}: {}", e.step, e.message);
        return;
    }
    assert!(r.error.is_none(), "{:?}\n{}", r.error, r.stderr);
    assert_eq!(r.ended, Some(Ended::Exited(0)), "stderr: {}", r.stderr);
    assert!(r.stdout.contains("200 OK"), "{}", r.stdout);
    assert!(r.stdout.contains("devbox alice 1000"), "{}", r.stdout);
    assert!(r.stdout.contains("02:42:ac:11:00:02"), "{} {:?}", r.stdout, r.notes);
    assert_eq!(r.exchanges.len(), 1);
    let ex = &r.exchanges[0];
    assert_eq!(ex.host, "api.example-provider.net");
    assert_eq!(ex.scheme, "https");
    assert_eq!(ex.api.as_deref(), Some("anthropic.messages"));
    assert!(r.dns.iter().any(|q| q.name == "api.example-provider.net"));
}
