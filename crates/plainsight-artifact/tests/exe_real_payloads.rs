//! Module graphs, SEA blobs and deno payloads cut from real executables (bun
//! 1.1.0, 1.2.0, 1.3.0, 1.4.5; node 20.20; deno 2.9.6 — see
//! `tests/fixtures/exe/README.md`), placed where the real files have them,
//! read through `exe::detect`.
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

/// A minimal ELF64 with one `PT_NOTE` segment holding one note `name`
/// whose descriptor is `desc` (how libsui stores deno's payload on Linux).
fn elf_with_note(name: &str, desc: &[u8]) -> Vec<u8> {
    let mut b = elf_with(&[]);
    b[32..40].copy_from_slice(&64u64.to_le_bytes()); // e_phoff
    b[54..56].copy_from_slice(&56u16.to_le_bytes());
    b[56..58].copy_from_slice(&1u16.to_le_bytes());
    b.splice(64..64, [0u8; 56]);
    let at = b.len();
    b.extend_from_slice(&(name.len() as u32 + 1).to_le_bytes());
    b.extend_from_slice(&(desc.len() as u32).to_le_bytes());
    b.extend_from_slice(&0x5355_4901u32.to_le_bytes());
    b.extend_from_slice(name.as_bytes());
    b.push(0);
    b.resize(b.len().next_multiple_of(4), 0);
    b.extend_from_slice(desc);
    b.resize(b.len().next_multiple_of(4), 0);
    let len = (b.len() - at) as u64;
    let p = &mut b[64..120];
    p[..4].copy_from_slice(&4u32.to_le_bytes()); // PT_NOTE
    p[4..8].copy_from_slice(&4u32.to_le_bytes());
    p[8..16].copy_from_slice(&(at as u64).to_le_bytes());
    p[32..40].copy_from_slice(&len.to_le_bytes());
    p[40..48].copy_from_slice(&len.to_le_bytes());
    p[48..56].copy_from_slice(&4u64.to_le_bytes());
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

#[test]
fn deno_2_9_6_module_tables() {
    let read = |f: &str| {
        let data = Data::from_vec(elf_with_note("SUI", &fixture(f)));
        let c = exe::detect("agent", &data, &Limits::default())
            .unwrap()
            .unwrap();
        assert_eq!(c.format, ExeFormat::Deno, "{f}");
        assert!(
            c.path_taken
                .starts_with("deno module table (libsui ELF note SUI › d3n0l4nd, 0x"),
            "{f}: {}",
            c.path_taken
        );
        (sources(&c), c)
    };
    let names = |s: &[(String, String)]| s.iter().map(|s| s.0.clone()).collect::<Vec<_>>();

    // Two local modules, one importing the other.
    let (src, c) = read("deno-2.9.6-two.sui-desc");
    assert_eq!(names(&src), ["<vfs>/lib/send.js", "<vfs>/main.js"]);
    assert!(src[0].1.contains("https://collect.example-two.dev/ingest"));
    assert!(
        src[1]
            .1
            .starts_with("import { send } from \"./lib/send.js\";")
    );
    assert!(
        c.notes
            .iter()
            .any(|n| n == "deno entry point: <vfs>/main.js")
    );

    // TypeScript: the transpiled JavaScript is scanned, not the source.
    let (src, c) = read("deno-2.9.6-ts.sui-desc");
    assert_eq!(names(&src), ["<vfs>/main.ts"]);
    assert!(src[0].1.contains("var Mode = /*#__PURE__*/ function(Mode)"));
    assert!(!src[0].1.contains("interface Payload"));
    assert!(
        c.path_taken.contains("(1 transpiled, 0 remote)"),
        "{}",
        c.path_taken
    );

    // Remote modules keep their URL; the TypeScript one is transpiled.
    let (src, _) = read("deno-2.9.6-remote.sui-desc");
    assert_eq!(
        names(&src),
        [
            "http://127.0.0.1:8765/helper.ts",
            "http://127.0.0.1:8765/plain.js",
            "<vfs>/main.js"
        ]
    );
    assert!(!src[0].1.contains("x: string"), "{}", src[0].1);
    assert!(src[0].1.contains("https://remote.example-agent.dev/b?x="));
    assert!(src[1].1.contains("ANTHROPIC_API_KEY"));

    // An npm package: its JavaScript is scanned, the rest rolled up.
    let (src, c) = read("deno-2.9.6-npm.sui-desc");
    assert_eq!(src.len(), 6, "{:?}", names(&src));
    assert!(
        src.iter()
            .any(|s| s.0 == "<vfs>/.deno_compile_node_modules/localhost/left-pad/1.3.0/index.js")
    );
    assert!(
        c.notes
            .iter()
            .any(|n| n.starts_with("1 TypeScript declaration file(s)"))
    );
    assert!(
        c.notes
            .iter()
            .any(|n| n.starts_with("4 embedded file(s) not JavaScript")
                && n.contains("package.json")),
        "{:?}",
        c.notes
    );
}

/// The total-size limit stops taking modules and says which were left out.
#[test]
fn deno_modules_over_the_total_limit_are_named() {
    let data = Data::from_vec(elf_with_note("SUI", &fixture("deno-2.9.6-two.sui-desc")));
    let limits = Limits {
        max_total_uncompressed: 150,
        ..Limits::default()
    };
    let c = exe::detect("agent", &data, &limits).unwrap().unwrap();
    let paths: Vec<_> = c.units.iter().map(|u| u.path.as_str()).collect();
    assert_eq!(paths, ["<vfs>/lib/send.js"]);
    assert!(
        c.notes
            .iter()
            .any(|n| n
                == "1 module(s) over the total size limit, not scanned: <vfs>/main.js (66 bytes)"),
        "{:?}",
        c.notes
    );
}

/// Mutated real deno payloads: a clean error or in-bounds UTF-8 units.
#[test]
fn mutated_real_deno_payloads_never_panic() {
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    let mut rand = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let seeds: Vec<Vec<u8>> = ["two", "ts", "remote", "npm"]
        .iter()
        .map(|d| fixture(&format!("deno-2.9.6-{d}.sui-desc")))
        .collect();
    let (mut table, mut other) = (0, 0);
    for i in 0..3000 {
        let mut d = seeds[i % seeds.len()].clone();
        let len = d.len() as u64;
        // Keep the u16 name length and the name: mutate the payload.
        match rand() % 3 {
            0 => {
                for _ in 0..=(rand() % 4) {
                    let at = 10 + (rand() % (len - 10)) as usize;
                    d[at] = rand() as u8;
                }
            }
            1 => d.truncate(10 + (rand() % (len - 10)) as usize),
            _ => {
                let at = 10 + (rand() % (len - 10)) as usize;
                d.insert(at, rand() as u8);
            }
        }
        match exe::detect(
            "m",
            &Data::from_vec(elf_with_note("SUI", &d)),
            &Limits::default(),
        ) {
            Some(Ok(c)) => {
                if c.path_taken.starts_with("deno module table") {
                    table += 1;
                } else {
                    other += 1;
                }
                for u in &c.units {
                    assert!(std::str::from_utf8(u.data.bytes()).is_ok());
                }
            }
            Some(Err(e)) => {
                other += 1;
                assert!(e.to_string().starts_with("m: "), "{e}");
            }
            None => unreachable!("ELF magic is never mutated"),
        }
    }
    assert!(
        table > 0 && other > 0,
        "{table} parsed, {other} carved or errors"
    );
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
    for (n, how) in [
        ("agent-deno-win.exe", "libsui PE resource RCDATA/D3N0L4ND"),
        ("agent-deno-mac", "libsui Mach-O <~sui-data~> payload"),
    ] {
        if std::path::Path::new(&format!("{dir}/{n}")).exists() {
            let c = exe::detect(n, &open(n), &Limits::default())
                .unwrap()
                .unwrap();
            assert!(c.path_taken.contains(how), "{n}: {}", c.path_taken);
            assert_eq!(c.units[0].path, "<vfs>/main.js", "{n}");
        }
    }
    for (n, units) in [
        ("agent-deno", vec!["<vfs>/main.js"]),
        (
            "agent-deno-multi",
            vec!["<vfs>/lib/send.js", "<vfs>/multi.js"],
        ),
        ("agent-deno-ts", vec!["<vfs>/main.ts"]),
        (
            "agent-deno-remote",
            vec![
                "http://127.0.0.1:8765/helper.ts",
                "http://127.0.0.1:8765/plain.js",
                "<vfs>/remote.js",
            ],
        ),
    ] {
        if !std::path::Path::new(&format!("{dir}/{n}")).exists() {
            continue;
        }
        let c = exe::detect(n, &open(n), &Limits::default())
            .unwrap()
            .unwrap();
        assert!(
            c.path_taken
                .starts_with("deno module table (libsui ELF note SUI"),
            "{n}: {}",
            c.path_taken
        );
        let paths: Vec<_> = c.units.iter().map(|u| u.path.as_str()).collect();
        assert_eq!(paths, units, "{n}");
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
