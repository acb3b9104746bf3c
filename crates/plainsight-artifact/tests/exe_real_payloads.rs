//! Module graphs and SEA blobs cut from real executables (bun 1.1.0, 1.2.0,
//! 1.3.0, 1.4.5; node 20.20 — see `tests/fixtures/exe/README.md`), placed
//! where the real files have them, read through `exe::detect`.
//!
//! `PLAINSIGHT_REAL_EXE_DIR=/tmp/ps-exe` (the output directory of
//! `scripts/build-real-executables.sh`) additionally runs the readers over the
//! whole real executables.

use plainsight_artifact::exe::{self, ExeFormat};
use plainsight_artifact::{Data, Limits, UnitKind};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/exe/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// A minimal ELF64 header (no sections, no segments) followed by `tail`.
fn elf_with(tail: &[u8]) -> Vec<u8> {
    let mut b = vec![0u8; 64];
    b[..7].copy_from_slice(b"\x7fELF\x02\x01\x01");
    b[16..18].copy_from_slice(&2u16.to_le_bytes());
    b[18..20].copy_from_slice(&0x3eu16.to_le_bytes());
    b[20..24].copy_from_slice(&1u32.to_le_bytes());
    b[52..54].copy_from_slice(&64u16.to_le_bytes());
    b.extend_from_slice(&[0x90; 64]);
    b.extend_from_slice(tail);
    b
}

fn sources(c: &exe::ExeContents) -> Vec<(String, String)> {
    c.units
        .iter()
        .map(|u| {
            assert_eq!(u.kind, UnitKind::JavaScript);
            (
                u.path.clone(),
                String::from_utf8(u.data.bytes().to_vec()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn appended_graphs_of_bun_1_1_to_1_3() {
    for (v, layout, modules) in [
        ("1.1.0", "bun 1.1", 1),
        ("1.2.0", "bun 1.2", 2),
        ("1.3.0", "bun 1.3", 2),
    ] {
        let data = Data::from_vec(elf_with(&fixture(&format!("bun-{v}.payload"))));
        let c = exe::detect("agent", &data, &Limits::default())
            .unwrap()
            .unwrap();
        assert!(
            matches!(&c.format, ExeFormat::Bun { layout: l } if l.starts_with(layout)),
            "{v}: {:?}",
            c.format
        );
        assert!(
            c.path_taken.contains("appended trailer"),
            "{v}: {}",
            c.path_taken
        );
        let src = sources(&c);
        assert_eq!(src.len(), modules, "{v}: {src:?}");
        assert!(
            src[0].0.starts_with("/$bunfs/root/agent-"),
            "{v}: entry named after the executable"
        );
        assert!(src[0].1.starts_with("// @bun"), "{v}");
        if v == "1.1.0" {
            assert!(
                src[0].1.contains("\\xEF") || src[0].1.contains("na\\"),
                "{v}: Latin-1 escapes: {}",
                src[0].1
            );
        } else {
            // The prompt module: its non-ASCII apostrophe stored as an escape.
            assert!(src[0].1.contains("\"\\u2019\""), "{v}");
            assert!(src[0].1.contains("process.env.ANTHROPIC_BASE_URL"), "{v}");
            assert_eq!(src[1].0, "/$bunfs/root/worker.js");
            assert!(
                src[1].1.contains("na\\xEFve caf\\xE9 \\u2713"),
                "{v}: {}",
                src[1].1
            );
            assert!(
                c.notes
                    .iter()
                    .any(|n| n.contains("data-") && n.contains("asset")),
                "{v}: {:?}",
                c.notes
            );
        }
    }
}

#[test]
fn section_graph_of_bun_1_4() {
    // Put the real `.bun` section into a section of a synthetic ELF by
    // appending it and letting the finder take the file's last trailer:
    // the section's own u64 length prefix then precedes the payload.
    let sec = fixture("bun-1.4.5.bun-section");
    let mut tail = sec.clone();
    tail.extend_from_slice(&[0u8; 40]); // ELF data after the section, as in the real file
    let c = exe::detect(
        "agent",
        &Data::from_vec(elf_with(&tail)),
        &Limits::default(),
    )
    .unwrap()
    .unwrap();
    assert!(
        matches!(&c.format, ExeFormat::Bun { layout } if layout.starts_with("bun 1.4")),
        "{:?}",
        c.format
    );
    let src = sources(&c);
    assert_eq!(
        src.iter().map(|s| s.0.as_str()).collect::<Vec<_>>(),
        ["/$bunfs/root/agent-bun-multi", "/$bunfs/root/worker.js"]
    );
    assert!(src[0].1.contains("\"\\u2019\""));
    assert!(
        c.notes
            .iter()
            .any(|n| n.contains("data-") && n.contains("asset"))
    );
}

#[test]
fn windows_and_macos_sections_of_bun_1_4() {
    for (f, entry) in [
        ("bun-1.4.5-windows.payload", "B:/~BUN/root/agent-win.exe"),
        ("bun-1.4.5-darwin.payload", "/$bunfs/root/agent-mac"),
    ] {
        let c = exe::detect(
            "agent",
            &Data::from_vec(elf_with(&fixture(f))),
            &Limits::default(),
        )
        .unwrap()
        .unwrap();
        let src = sources(&c);
        assert_eq!(src.len(), 1, "{f}");
        assert_eq!(src[0].0, entry);
        assert!(src[0].1.contains("\"\\u2019\""), "{f}");
    }
}

#[test]
fn sea_blob_of_node_20() {
    let blob = fixture("node-20.sea-blob");
    let p = exe::sea::parse_blob(&blob).unwrap();
    assert_eq!(p.code_path.as_deref(), Some("sea-main.js"));
    let main = std::str::from_utf8(&blob[p.main]).unwrap();
    assert!(main.contains("Intl.DateTimeFormat().resolvedOptions().timeZone"));
    assert!(main.contains("“ok”"), "SEA keeps UTF-8 as is");
    assert!(!p.snapshot);
}

/// Whole real executables, when built locally (see the module docs).
#[test]
fn real_executables_when_available() {
    let Ok(dir) = std::env::var("PLAINSIGHT_REAL_EXE_DIR") else {
        return;
    };
    let open = |n: &str| {
        let f = std::fs::File::open(format!("{dir}/{n}")).unwrap();
        #[allow(unsafe_code)]
        // SAFETY: read-only map of a file nobody modifies during the test.
        let m = unsafe { memmap2::Mmap::map(&f) }.unwrap();
        Data::from_backing(std::sync::Arc::new(m))
    };
    for (n, js) in [
        ("agent-bun", 1),
        ("agent-bun-multi", 2),
        ("agent-bun-bytecode", 1),
    ] {
        let c = exe::detect(n, &open(n), &Limits::default())
            .unwrap()
            .unwrap();
        assert!(
            c.path_taken.starts_with("Bun graph (section trailer"),
            "{n}: {}",
            c.path_taken
        );
        assert_eq!(c.units.len(), js, "{n}");
    }
    for (n, how) in [("agent-win.exe", "section"), ("agent-mac", "section")] {
        if std::path::Path::new(&format!("{dir}/{n}")).exists() {
            let c = exe::detect(n, &open(n), &Limits::default())
                .unwrap()
                .unwrap();
            assert!(
                c.path_taken
                    .starts_with(&format!("Bun graph ({how} trailer")),
                "{n}: {}",
                c.path_taken
            );
            assert_eq!(c.units.len(), 1, "{n}");
        }
    }
    let c = exe::detect("agent-sea", &open("agent-sea"), &Limits::default())
        .unwrap()
        .unwrap();
    assert_eq!(
        c.format,
        ExeFormat::NodeSea {
            snapshot_only: false
        }
    );
    assert!(c.path_taken.contains("ELF note"), "{}", c.path_taken);
    assert_eq!(c.units[0].path, "sea-main.js");
    for (n, how) in [
        ("agent-sea-win.exe", "PE resource RCDATA/NODE_SEA_BLOB"),
        ("agent-sea-mac", "Mach-O section __NODE_SEA_BLOB"),
    ] {
        if std::path::Path::new(&format!("{dir}/{n}")).exists() {
            let c = exe::detect(n, &open(n), &Limits::default())
                .unwrap()
                .unwrap();
            assert!(c.path_taken.contains(how), "{n}: {}", c.path_taken);
            assert_eq!(c.units[0].path, "sea-main.js", "{n}");
        }
    }
}

/// Mutated real payloads (byte flips, truncations, inserted bytes): every
/// outcome is a clean error or units whose bytes are UTF-8 and inside bounds;
/// never a panic. A stable-toolchain companion to the `bun_graph` fuzz target.
#[test]
fn mutated_real_payloads_never_panic() {
    let mut x = 0x9e37_79b9_7f4a_7c15_u64;
    let mut rand = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let seeds: Vec<Vec<u8>> = [
        "bun-1.1.0.payload",
        "bun-1.2.0.payload",
        "bun-1.3.0.payload",
        "bun-1.4.5.bun-section",
        "bun-1.4.5-windows.payload",
    ]
    .iter()
    .map(|f| elf_with(&fixture(f)))
    .collect();
    let (mut ok, mut err) = (0, 0);
    for i in 0..3000 {
        let mut b = seeds[i % seeds.len()].clone();
        let len = b.len() as u64;
        match rand() % 3 {
            0 => {
                for _ in 0..=(rand() % 4) {
                    let at = 64 + (rand() % (len - 64)) as usize;
                    b[at] = rand() as u8;
                }
            }
            1 => b.truncate(64 + (rand() % (len - 64)) as usize),
            _ => {
                let at = 64 + (rand() % (len - 64)) as usize;
                b.insert(at, rand() as u8);
            }
        }
        match exe::detect("m", &Data::from_vec(b), &Limits::default()) {
            Some(Ok(c)) => {
                ok += 1;
                for u in c.units.iter().filter(|u| u.kind == UnitKind::JavaScript) {
                    assert!(std::str::from_utf8(u.data.bytes()).is_ok());
                }
            }
            Some(Err(e)) => {
                err += 1;
                assert!(e.to_string().starts_with("m: "), "{e}");
            }
            None => unreachable!("ELF magic is never mutated"),
        }
    }
    assert!(
        ok > 0 && err > 0,
        "both outcomes exercised: {ok} ok, {err} errors"
    );
}
