//! The registry from `npm_config_registry`, as npm reads it. Its own test
//! binary: it changes this process's environment, which must not race with
//! other tests.

#[path = "fixtures/archive/build.rs"]
mod build;
#[path = "fixtures/npm/registry.rs"]
mod registry;

use plainsight_artifact::{OpenOptions, open};

#[test]
fn registry_from_npm_config_registry_env() {
    let reg = registry::Registry::start();
    reg.publish(
        "envpkg",
        "0.1.0",
        &build::tgz(&[("package/index.js", b"1\n")]),
        serde_json::json!({}),
        None,
    );
    let cache = tempfile::tempdir().unwrap();
    // SAFETY (of the call, not memory): the only test in this binary, so no
    // other thread reads the environment concurrently.
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var("npm_config_registry", &reg.url);
    }
    let o = OpenOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        ..OpenOptions::default()
    };
    let a = open("npm:envpkg", &o).unwrap();
    assert_eq!(a.units[0].chain, ["npm:envpkg@0.1.0"]);
    assert_eq!(reg.request_count(), 2);

    // The option still wins over the environment.
    let other = registry::Registry::start();
    other.publish(
        "envpkg",
        "0.2.0",
        &build::tgz(&[("package/index.js", b"2\n")]),
        serde_json::json!({}),
        None,
    );
    let o = OpenOptions {
        registry: Some(other.url.clone()),
        ..o
    };
    let a = open("npm:envpkg", &o).unwrap();
    assert_eq!(a.units[0].chain, ["npm:envpkg@0.2.0"]);
    assert_eq!(reg.request_count(), 2);
}
