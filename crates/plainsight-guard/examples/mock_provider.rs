//! A loopback mock provider, for benchmarks and for capturing what real
//! agents send: `cargo run --release -p plainsight-guard --example
//! mock_provider -- [--port N] [--text T] [--capture-dir DIR]`.
//! Prints `listening on http://127.0.0.1:PORT` once ready; runs until killed.

use std::io::Write as _;

use plainsight_guard::mock::{MockConfig, MockProvider};

fn main() {
    let mut port = 0u16;
    let mut cfg = MockConfig {
        keep: false,
        ..MockConfig::default()
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--port" => port = args.next().and_then(|v| v.parse().ok()).unwrap_or(0),
            "--text" => cfg.text = args.next().unwrap_or_default(),
            "--capture-dir" => cfg.capture_dir = args.next().map(Into::into),
            _ => {
                let _ = writeln!(
                    std::io::stderr(),
                    "usage: mock_provider [--port N] [--text T] [--capture-dir DIR]"
                );
                std::process::exit(2);
            }
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mock = MockProvider::start(port, cfg).await.expect("bind");
        let _ = writeln!(std::io::stdout(), "listening on {}", mock.url());
        let _ = std::io::stdout().flush();
        std::future::pending::<()>().await;
    });
}
