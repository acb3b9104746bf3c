//! The guard library started the way `plainsight guard` starts it, without
//! the CLI around it (the benchmark builds only this crate):
//! `guard_server LISTEN UPSTREAM STORE_URL`. Runs until killed.
//! `GUARD_ANNOTATE=wait` sets `annotate` (default `ready`).

use std::io::Write as _;
use std::sync::Arc;

use plainsight_guard::{GuardConfig, NoEvents, Upstream};
use plainsight_store::StoreUrl;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [listen, upstream, store] = &args[..] else {
        let _ = writeln!(
            std::io::stderr(),
            "usage: guard_server LISTEN UPSTREAM STORE_URL"
        );
        std::process::exit(2);
    };
    let mut cfg = GuardConfig::new(StoreUrl::parse(store).expect("store URL"));
    cfg.listen = listen.parse().expect("listen address");
    cfg.name = "bench".into();
    cfg.upstreams = vec![Upstream::parse(upstream).expect("upstream")];
    if let Ok(a) = std::env::var("GUARD_ANNOTATE") {
        cfg.annotate = plainsight_guard::config::parse_annotate(&a).expect("GUARD_ANNOTATE");
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut guard = plainsight_guard::start(cfg, Arc::new(NoEvents))
            .await
            .expect("guard starts");
        let _ = writeln!(std::io::stdout(), "listening on http://{}", guard.addr);
        guard.wait().await;
    });
}
