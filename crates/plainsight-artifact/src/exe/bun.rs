//! Bun standalone executables (`bun build --compile`).
//!
//! Layout verified against bun 1.4.5 (linux-x64, see
//! `scripts/build-real-executables.sh`): the module graph lives in an ELF
//! section `.bun` (PE `.bun`, Mach-O `__BUN,__bun`) that starts with a u64
//! payload length; older builds append the payload to the file instead. The
//! payload ends with
//!
//! ```text
//! [bytes …][Offsets][ "\n---- Bun! ----\n" ]
//! Offsets = byte_count u64, modules {u32 off, u32 len}, entry_point_id u32,
//!           exec_argv {u32 off, u32 len}, flags u32            (32 bytes)
//! module  = name, contents, sourcemap, bytecode, module_info,
//!           bytecode_origin_path: {u32 off, u32 len} each,
//!           encoding u8, loader u8, module_format u8, side u8  (52 bytes)
//! ```
//!
//! Pointers are relative to the payload start (`trailer − 32 − byte_count`).
//! Older Bun versions had shorter records and no exec-argv/flags; those
//! layouts are tried too but only accepted when every record checks out
//! (names under `/$bunfs/` or `B:/~BUN/`, all pointers in bounds), because
//! they could not be verified against real files here. Sources are stored as
//! Latin-1 with non-ASCII written as `\uXXXX` escapes, so they are normally
//! ASCII and borrowed as is.

use std::ops::Range;

use memchr::memmem;

/// The 16-byte trailer ending every Bun module graph.
pub const TRAILER: &[u8; 16] = b"\n---- Bun! ----\n";

/// Bun's `Loader` enum values that hold JavaScript-family source
/// (jsx, js, ts, tsx): compiled graphs store them transpiled to JS.
const JS_LOADERS: [u8; 4] = [0, 1, 2, 3];

/// Upper bound on modules in one graph; real agents hold a few hundred.
const MAX_MODULES: usize = 100_000;

/// `encoding` byte of a module record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Binary,
    Latin1,
    Utf8,
    Unknown(u8),
}

/// One module record, with ranges into the whole file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Module {
    pub name: String,
    pub contents: Range<usize>,
    pub sourcemap_len: usize,
    pub bytecode_len: usize,
    pub encoding: Encoding,
    /// Bun `Loader` byte, when the layout has one.
    pub loader: Option<u8>,
    javascript: bool,
}

impl Module {
    /// Whether this module holds JavaScript source to scan.
    pub fn is_javascript(&self) -> bool {
        self.javascript
    }
}

/// JavaScript-ness without a loader byte (bun 1.1): by extension, or by the
/// `// @bun` pragma Bun writes at the top of every bundled output (the entry
/// module is named after the executable, without extension).
fn javascript_without_loader(name: &str, contents: &[u8]) -> bool {
    let n = name.to_ascii_lowercase();
    [".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".mts", ".cts"]
        .iter()
        .any(|e| n.ends_with(e))
        || contents.starts_with(b"// @bun")
}

/// A parsed module graph.
#[derive(Clone, Debug)]
pub struct Graph {
    /// Which layout matched, for the report.
    pub layout: &'static str,
    pub trailer_at: usize,
    pub payload: Range<usize>,
    pub entry_point: u32,
    pub modules: Vec<Module>,
}

/// A graph that could not be read: what and where (file offset).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphError {
    pub offset: usize,
    pub what: String,
}

struct Layout {
    name: &'static str,
    offsets_size: usize,
    record_size: usize,
    /// `{off, len}` pointers at the start of a record (name, contents, sourcemap, bytecode, …).
    pointers: usize,
    /// Whether `encoding, loader` bytes follow the pointers (bun ≥ 1.2).
    has_kind_bytes: bool,
}

/// Newest first; the first layout whose every record checks out wins. Each
/// was verified on a real `bun build --compile` output of that version
/// (payloads kept as test fixtures in `tests/fixtures/exe/`).
const LAYOUTS: &[Layout] = &[
    Layout {
        name: "bun 1.4 (offsets 32 B, module 52 B)",
        offsets_size: 32,
        record_size: 52,
        pointers: 6,
        has_kind_bytes: true,
    },
    Layout {
        name: "bun 1.3 (offsets 32 B, module 36 B)",
        offsets_size: 32,
        record_size: 36,
        pointers: 4,
        has_kind_bytes: true,
    },
    Layout {
        name: "bun 1.2 (offsets 24 B, module 36 B)",
        offsets_size: 24,
        record_size: 36,
        pointers: 4,
        has_kind_bytes: true,
    },
    Layout {
        name: "bun 1.1 (offsets 24 B, module 32 B)",
        offsets_size: 24,
        record_size: 32,
        pointers: 3,
        has_kind_bytes: false,
    },
];

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        b.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// A `{u32 offset, u32 length}` pointer at `at`, resolved against a payload of
/// `payload_len` bytes; `None` when out of bounds.
fn pointer(b: &[u8], at: usize, payload_len: usize) -> Option<Range<usize>> {
    let off = u32_at(b, at)? as usize;
    let len = u32_at(b, at + 4)? as usize;
    let end = off.checked_add(len)?;
    (end <= payload_len).then_some(off..end)
}

/// Where the trailer of a Bun graph is, if any: the container's Bun section
/// first (its u64 length prefix must end exactly at a trailer), then the end
/// of the file (appended payload, optionally followed by a u64 size), then the
/// last trailer anywhere.
pub fn find_trailer(b: &[u8], section: Option<Range<usize>>) -> Option<(usize, &'static str)> {
    if let Some(sec) = section {
        if let Some(len) = u64_at(b, sec.start).and_then(|l| usize::try_from(l).ok()) {
            let end = sec.start.checked_add(8)?.checked_add(len)?;
            if end <= sec.end && end >= 16 && b.get(end - 16..end) == Some(TRAILER) {
                return Some((end - 16, "section"));
            }
        }
        if let Some(i) = memmem::rfind(&b[sec.clone()], TRAILER) {
            return Some((sec.start + i, "section"));
        }
    }
    for tail in [16usize, 24] {
        if b.len() >= tail && b[b.len() - tail..].starts_with(TRAILER) {
            return Some((b.len() - tail, "appended"));
        }
    }
    memmem::rfind(b, TRAILER).map(|i| (i, "trailer search"))
}

/// Parse the graph whose trailer starts at `trailer_at`.
pub fn parse_graph(b: &[u8], trailer_at: usize) -> Result<Graph, GraphError> {
    let mut first_err = None;
    for layout in LAYOUTS {
        match parse_with(b, trailer_at, layout) {
            Ok(g) => return Ok(g),
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    Err(first_err.unwrap_or(GraphError {
        offset: trailer_at,
        what: "no Bun layout matched".into(),
    }))
}

fn parse_with(b: &[u8], trailer_at: usize, layout: &Layout) -> Result<Graph, GraphError> {
    let err = |offset: usize, what: String| GraphError { offset, what };
    let offsets_at = trailer_at.checked_sub(layout.offsets_size).ok_or_else(|| {
        err(
            trailer_at,
            "Bun trailer too close to the start of the file for its Offsets".into(),
        )
    })?;
    let byte_count = u64_at(b, offsets_at)
        .and_then(|v| usize::try_from(v).ok())
        .ok_or_else(|| err(offsets_at, "truncated Bun Offsets".into()))?;
    let start = offsets_at.checked_sub(byte_count).ok_or_else(|| {
        err(
            offsets_at,
            format!("Bun byte_count {byte_count} reaches before the start of the file"),
        )
    })?;
    let payload = &b[start..offsets_at];
    let modules = pointer(b, offsets_at + 8, byte_count).ok_or_else(|| {
        err(
            offsets_at + 8,
            "Bun module list pointer out of bounds".into(),
        )
    })?;
    let entry_point = u32_at(b, offsets_at + 16).unwrap_or(0);
    if modules.is_empty() || modules.len() % layout.record_size != 0 {
        return Err(err(
            offsets_at + 8,
            format!(
                "Bun module list of {} bytes is not a whole number of {}-byte records",
                modules.len(),
                layout.record_size
            ),
        ));
    }
    let count = modules.len() / layout.record_size;
    if count > MAX_MODULES || entry_point as usize >= count {
        return Err(err(
            offsets_at + 16,
            format!("Bun graph claims {count} modules with entry point {entry_point}"),
        ));
    }
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let rec = modules.start + i * layout.record_size;
        let at = start + rec;
        let ptr = |k: usize| pointer(payload, rec + 8 * k, byte_count);
        let bad = |what: &str| err(at, format!("Bun module record {i}: {what}"));
        let name_r = ptr(0).ok_or_else(|| bad("name out of bounds"))?;
        let contents = ptr(1).ok_or_else(|| bad("contents out of bounds"))?;
        let sourcemap_len = if layout.pointers > 2 {
            ptr(2).ok_or_else(|| bad("sourcemap out of bounds"))?.len()
        } else {
            0
        };
        let bytecode_len = if layout.pointers > 3 {
            ptr(3).ok_or_else(|| bad("bytecode out of bounds"))?.len()
        } else {
            0
        };
        let name = std::str::from_utf8(&payload[name_r]).map_err(|_| bad("name is not UTF-8"))?;
        if !(name.starts_with("/$bunfs/")
            || name.starts_with("B:/~BUN/")
            || name.starts_with("B:\\~BUN\\"))
        {
            return Err(bad("name is not a /$bunfs/ path"));
        }
        let flags = rec + 8 * layout.pointers;
        let byte = |k: usize| {
            if !layout.has_kind_bytes {
                return None;
            }
            (flags + k < rec + layout.record_size)
                .then(|| payload.get(flags + k).copied())
                .flatten()
        };
        let loader = byte(1);
        let encoding = match byte(0) {
            Some(0) => Encoding::Binary,
            Some(1) | None => Encoding::Latin1,
            Some(2) => Encoding::Utf8,
            Some(x) => Encoding::Unknown(x),
        };
        out.push(Module {
            name: name.to_string(),
            contents: start + contents.start..start + contents.end,
            sourcemap_len,
            bytecode_len,
            encoding,
            loader,
            javascript: match loader {
                Some(l) => JS_LOADERS.contains(&l),
                None => javascript_without_loader(name, &payload[contents.clone()]),
            },
        });
    }
    Ok(Graph {
        layout: layout.name,
        trailer_at,
        payload: start..trailer_at + TRAILER.len(),
        entry_point,
        modules: out,
    })
}

/// The payload range a trailer's `Offsets` claims (either `Offsets` size),
/// for carving when the records themselves do not check out.
pub fn claimed_payload(b: &[u8], trailer_at: usize) -> Option<Range<usize>> {
    [32usize, 24].into_iter().find_map(|size| {
        let at = trailer_at.checked_sub(size)?;
        let count = usize::try_from(u64_at(b, at)?).ok()?;
        Some(at.checked_sub(count)?..trailer_at + TRAILER.len())
    })
}

/// Latin-1 bytes to UTF-8 (every byte is the code point of the same value).
pub fn latin1_to_utf8(b: &[u8]) -> String {
    b.iter().map(|&c| char::from(c)).collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Build a payload in the verified bun 1.4 layout: `(name, contents, loader)`.
    pub(crate) fn payload(modules: &[(&str, &[u8], u8)]) -> Vec<u8> {
        let mut bytes = b"\0".to_vec();
        let mut recs = Vec::new();
        let push = |bytes: &mut Vec<u8>, s: &[u8]| {
            let off = bytes.len() as u32;
            bytes.extend_from_slice(s);
            bytes.push(0);
            (off, s.len() as u32)
        };
        for (name, contents, loader) in modules {
            let c = push(&mut bytes, contents);
            let n = push(&mut bytes, name.as_bytes());
            recs.push((n, c, *loader));
        }
        let mods_off = bytes.len() as u32;
        for ((no, nl), (co, cl), loader) in &recs {
            for v in [*no, *nl, *co, *cl, 0, 0, 0, 0, 0, 0, 0, 0] {
                bytes.extend_from_slice(&v.to_le_bytes());
            }
            bytes.extend_from_slice(&[1, *loader, 1, 0]);
        }
        let mods_len = bytes.len() as u32 - mods_off;
        let byte_count = bytes.len() as u64;
        bytes.extend_from_slice(&byte_count.to_le_bytes());
        for v in [mods_off, mods_len, 0, byte_count as u32, 0, 0] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        bytes.extend_from_slice(TRAILER);
        bytes
    }

    #[test]
    fn parses_the_verified_layout() {
        let mut file = b"\x7fELF-not-really".to_vec();
        file.extend(payload(&[
            ("/$bunfs/root/cli.js", b"console.log(1)", 1),
            ("/$bunfs/root/a.txt", b"hi", 5),
        ]));
        let (t, how) = find_trailer(&file, None).unwrap();
        assert_eq!(how, "appended");
        let g = parse_graph(&file, t).unwrap();
        assert!(g.layout.starts_with("bun 1.4"));
        assert_eq!(g.modules.len(), 2);
        assert_eq!(&file[g.modules[0].contents.clone()], b"console.log(1)");
        assert!(g.modules[0].is_javascript());
        assert!(!g.modules[1].is_javascript());
        assert_eq!(g.modules[1].name, "/$bunfs/root/a.txt");
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let file = payload(&[("/$bunfs/root/cli.js", b"let a = 1;", 1)]);
        for cut in 0..file.len() {
            let b = &file[..cut];
            if let Some((t, _)) = find_trailer(b, None) {
                assert!(parse_graph(b, t).is_err(), "cut at {cut}");
            }
        }
    }

    #[test]
    fn corrupted_pointers_are_reported_with_offsets() {
        let good = payload(&[("/$bunfs/root/cli.js", b"let a = 1;", 1)]);
        let t = good.len() - 16;
        for i in 0..good.len() - 16 {
            let mut b = good.clone();
            b[i] ^= 0xff;
            if let Err(e) = parse_graph(&b, t) {
                assert!(e.offset <= b.len(), "offset {} beyond file", e.offset);
                assert!(!e.what.is_empty());
            }
        }
        // byte_count larger than the file.
        let mut b = good.clone();
        b[t - 32..t - 24].copy_from_slice(&u64::MAX.to_le_bytes());
        let e = parse_graph(&b, t).unwrap_err();
        assert!(
            e.what.contains("before the start") || e.what.contains("Offsets"),
            "{}",
            e.what
        );
    }

    #[test]
    fn latin1_converts_high_bytes() {
        assert_eq!(latin1_to_utf8(b"caf\xe9"), "café");
    }
}
