//! `deno compile` executables.
//!
//! Where the payload is:
//! - deno 2.x on Linux (verified on 2.9.6, linux-x64, see
//!   `scripts/build-real-executables.sh`): libsui writes an ELF note named
//!   `SUI` (type 0x53554901) in a `.note.sui` section, whose descriptor is a
//!   u16 length, the name `d3n0l4nd`, then the payload.
//! - Windows (verified on a 2.9.5 win32-x64 cross-compile): the PE resource
//!   RCDATA / `D3N0L4ND`, whose data is the payload.
//! - macOS (verified on a 2.9.5 darwin-x64 cross-compile): appended inside
//!   `__LINKEDIT` after the marker `<~sui-data~>`, `0xdeadbeef` (u32 LE) and a
//!   u64 LE length (see [`sui_appended_payload`]).
//! - A section named `d3n0l4nd` is still looked for (other libsui versions).
//! - deno 1.x appended an `eszip` archive and ended the file with a 24-byte
//!   trailer `"d3n0l4nd"`, eszip position (u64 BE), metadata position (u64
//!   BE). That layout is located but not parsed: its region is carved.
//!
//! The payload (deno ≥ 2.2.0, introduced by denoland/deno 9aa02769c8 "remove
//! swc from denort"; read in `cli/standalone/binary.rs`
//! `serialize_binary_data_section`, `cli/rt/binary.rs`
//! `deserialize_binary_data_section`, `cli/lib/standalone/binary.rs` and
//! `cli/lib/standalone/virtual_fs.rs` at 2.9.5, and checked field by field
//! against real 2.9.6 builds with one module, two modules, TypeScript, two
//! remote `http:` modules and an npm package), all integers little-endian:
//!
//! ```text
//! "d3n0l4nd"
//! metadata      u64 len, JSON (argv, permissions, entrypoint_key, …)
//! npm snapshot  u64 len, bytes (empty without npm packages)
//! specifiers    u32 count, { u32 len, URL string, u32 id }
//! redirects     u32 count, { u32 from id, u32 to id }
//! remote mods   u32 count, { u32 id, u8 media type, u32 len, source,
//!                            u8 flags, [u32 len, transpiled JS]   flags & 1
//!                                      [u32 len, source map]     flags & 2
//!                                      [u32 len, CJS analysis]   flags & 4 }
//!                            (flags & 8: source is valid UTF-8)
//! vfs           u64 len, JSON: [{"Dir":{"n","e":[…]}} | {"File":{"n",
//!               "o":[off,len] source, "m":[off,len] transpiled JS,
//!               "s":[off,len] source map, "c":[off,len] CJS analysis,
//!               "u":utf8, "t":mtime}} | {"Symlink":{"n","p":[…]}}]
//! vfs files     u64 len, the files' bytes; VFS offsets are relative to here
//! "d3n0l4nd"
//! ```
//!
//! Local (`file:`) modules and npm packages live in the VFS, remote
//! (`http(s):`, `jsr:`) ones in the remote-module table. Files are stored
//! uncompressed; TypeScript/JSX keep the original source and, when emitting
//! changed it, the transpiled JavaScript beside it. The VFS root is the
//! common ancestor of the embedded files and its absolute path is not stored
//! (deno maps it to `$TMPDIR/deno-compile-<exe>/` at run time), so VFS files
//! are named `<vfs>/relative/path`. [`parse_payload`] checks every length and
//! offset against the payload and returns ranges into the whole file.

use std::collections::HashMap;
use std::ops::Range;

use serde_json::Value;

pub const MAGIC: &[u8; 8] = b"d3n0l4nd";

/// Upper bound on embedded files and remote modules in one payload; an npm
/// dependency tree of a large agent holds tens of thousands.
const MAX_ENTRIES: usize = 500_000;
/// Largest metadata or VFS JSON parsed.
const MAX_JSON: usize = 256 << 20;
/// Prefix given to VFS paths (the real root directory is not stored).
pub const VFS_PREFIX: &str = "<vfs>/";

/// The payload region of a deno executable, and how it was found.
pub fn locate(b: &[u8], section: Option<Range<usize>>) -> Option<(Range<usize>, &'static str)> {
    if let Some(sec) = section {
        return Some((sec, "section d3n0l4nd"));
    }
    let t = b.len().checked_sub(24)?;
    if &b[t..t + 8] != MAGIC {
        return None;
    }
    let be = |at: usize| usize::try_from(u64::from_be_bytes(b[at..at + 8].try_into().ok()?)).ok();
    let eszip = be(t + 8)?;
    // The metadata follows the eszip; both lie before the trailer.
    let meta = be(t + 16)?;
    if eszip <= meta && meta <= t {
        Some((eszip..t, "d3n0l4nd trailer"))
    } else {
        Some((0..t, "d3n0l4nd trailer (positions out of bounds)"))
    }
}

/// The payload inside a libsui `SUI` ELF note descriptor: `desc` is the
/// descriptor's range in `b`. `None` unless it names `d3n0l4nd`.
pub fn sui_payload(b: &[u8], desc: Range<usize>) -> Option<Range<usize>> {
    let d = b.get(desc.clone())?;
    let n = usize::from(u16::from_le_bytes(d.get(..2)?.try_into().ok()?));
    (d.get(2..2 + n)? == MAGIC).then(|| desc.start + 2 + n..desc.end)
}

/// The payload libsui appends to a Mach-O executable (verified on deno 2.9.5
/// for darwin-x64, cross-compiled): the marker `<~sui-data~>`, the magic
/// `0xdeadbeef` (u32 LE), a u64 LE length, then the payload, which for deno
/// starts with [`MAGIC`]. The last marker in the file counts.
pub fn sui_appended_payload(b: &[u8]) -> Option<Range<usize>> {
    const MARKER: &[u8] = b"<~sui-data~>";
    let at = memchr::memmem::rfind(b, MARKER)?;
    let head = at + MARKER.len();
    if b.get(head..head + 4)? != 0xdead_beef_u32.to_le_bytes() {
        return None;
    }
    let len = usize::try_from(u64::from_le_bytes(
        b.get(head + 4..head + 12)?.try_into().ok()?,
    ))
    .ok()?;
    let start = head + 12;
    let end = start.checked_add(len)?;
    (end <= b.len() && b[start..].starts_with(MAGIC)).then_some(start..end)
}

/// deno's `MediaType`, as serialized in the remote-module table (values
/// 0–11 are the same in every version since 2.2.0; later ones moved) or
/// guessed from a VFS file's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Media {
    JavaScript,
    Jsx,
    Mjs,
    Cjs,
    TypeScript,
    Mts,
    Cts,
    /// `.d.ts`, `.d.mts`, `.d.cts`: types only.
    Declaration,
    Tsx,
    Json,
    /// Anything else (wasm, css, text, unknown…), with deno's byte if known.
    Other(Option<u8>),
}

impl Media {
    fn from_byte(v: u8) -> Media {
        match v {
            0 => Media::JavaScript,
            1 => Media::Jsx,
            2 => Media::Mjs,
            3 => Media::Cjs,
            4 => Media::TypeScript,
            5 => Media::Mts,
            6 => Media::Cts,
            7..=9 => Media::Declaration,
            10 => Media::Tsx,
            11 => Media::Json,
            v => Media::Other(Some(v)),
        }
    }

    /// By extension, the way deno guesses a local file's media type.
    pub fn from_path(path: &str) -> Media {
        let p = path.to_ascii_lowercase();
        let p = p.split(['?', '#']).next().unwrap_or("");
        if [".d.ts", ".d.mts", ".d.cts"].iter().any(|e| p.ends_with(e)) {
            return Media::Declaration;
        }
        match p.rsplit_once('.').map(|(_, e)| e) {
            Some("js") => Media::JavaScript,
            Some("jsx") => Media::Jsx,
            Some("mjs") => Media::Mjs,
            Some("cjs") => Media::Cjs,
            Some("ts") => Media::TypeScript,
            Some("mts") => Media::Mts,
            Some("cts") => Media::Cts,
            Some("tsx") => Media::Tsx,
            Some("json") => Media::Json,
            _ => Media::Other(None),
        }
    }

    /// JavaScript or a dialect deno transpiles to it.
    pub fn is_code(self) -> bool {
        !matches!(self, Media::Declaration | Media::Json | Media::Other(_))
    }

    /// Needs transpiling before a JavaScript parser can read it.
    pub fn is_typescript_or_jsx(self) -> bool {
        matches!(
            self,
            Media::Jsx | Media::TypeScript | Media::Mts | Media::Cts | Media::Tsx
        )
    }
}

/// Where an embedded module came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A file of the virtual file system (local modules, npm packages,
    /// `--include`d files).
    Vfs,
    /// The remote-module table (`http(s):`, `jsr:` …).
    Remote,
}

/// One embedded file or module; ranges are into the whole file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Module {
    /// The remote specifier, or `<vfs>/path` for a VFS file.
    pub specifier: String,
    pub origin: Origin,
    pub media: Media,
    pub source: Range<usize>,
    pub transpiled: Option<Range<usize>>,
    pub source_map: Option<Range<usize>>,
    /// deno's own "valid UTF-8" flag.
    pub utf8: bool,
}

/// A parsed deno ≥ 2.2 payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    /// `entrypoint_key` of the metadata (relative to the VFS root).
    pub entrypoint: Option<String>,
    pub npm_snapshot_len: usize,
    pub redirects: usize,
    /// Remote modules first, then VFS files in directory order.
    pub modules: Vec<Module>,
    /// VFS symlinks (not followed).
    pub symlinks: usize,
}

/// Why a payload could not be read: the absolute file offset and what was
/// wrong there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub offset: usize,
    pub what: String,
}

/// A bounds-checked cursor over the payload; offsets are absolute.
struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
    end: usize,
}

impl Cursor<'_> {
    fn err(&self, what: impl Into<String>) -> ParseError {
        ParseError {
            offset: self.at,
            what: what.into(),
        }
    }

    fn take(&mut self, n: usize, what: &str) -> Result<Range<usize>, ParseError> {
        match self.at.checked_add(n) {
            Some(e) if e <= self.end => {
                let r = self.at..e;
                self.at = e;
                Ok(r)
            }
            _ => Err(self.err(format!(
                "{what}: {n} bytes claimed, {} left in the deno payload",
                self.end - self.at
            ))),
        }
    }

    fn u8(&mut self, what: &str) -> Result<u8, ParseError> {
        let r = self.take(1, what)?;
        Ok(self.b[r.start])
    }

    fn u32(&mut self, what: &str) -> Result<usize, ParseError> {
        let r = self.take(4, what)?;
        let v = u32::from_le_bytes(self.b[r].try_into().unwrap_or_default());
        usize::try_from(v).map_err(|_| self.err(format!("{what}: {v} does not fit")))
    }

    fn u64(&mut self, what: &str) -> Result<usize, ParseError> {
        let at = self.at;
        let r = self.take(8, what)?;
        let v = u64::from_le_bytes(self.b[r].try_into().unwrap_or_default());
        usize::try_from(v).map_err(|_| ParseError {
            offset: at,
            what: format!("{what}: length {v} does not fit"),
        })
    }

    /// `len` then that many bytes.
    fn bytes_u32(&mut self, what: &str) -> Result<Range<usize>, ParseError> {
        let at = self.at;
        let n = self.u32(what)?;
        self.take(n, what)
            .map_err(|e| ParseError { offset: at, ..e })
    }

    fn bytes_u64(&mut self, what: &str) -> Result<Range<usize>, ParseError> {
        let at = self.at;
        let n = self.u64(what)?;
        self.take(n, what)
            .map_err(|e| ParseError { offset: at, ..e })
    }

    /// A count of records at least `min_size` bytes each: absurd counts are
    /// refused before anything is allocated.
    fn count(&mut self, what: &str, min_size: usize) -> Result<usize, ParseError> {
        let at = self.at;
        let n = self.u32(what)?;
        let left = self.end - self.at;
        if n > MAX_ENTRIES || n.saturating_mul(min_size) > left {
            return Err(ParseError {
                offset: at,
                what: format!(
                    "{what}: count {n} does not fit the {left} bytes left (limit {MAX_ENTRIES})"
                ),
            });
        }
        Ok(n)
    }
}

/// Parse the payload at `region` (which starts with the magic) of file `b`.
pub fn parse_payload(b: &[u8], region: Range<usize>) -> Result<Payload, ParseError> {
    if region.start > region.end || region.end > b.len() {
        return Err(ParseError {
            offset: region.start.min(b.len()),
            what: "deno payload region out of bounds".into(),
        });
    }
    let mut c = Cursor {
        b,
        at: region.start,
        end: region.end,
    };
    if b[c.take(8, "magic")?] != MAGIC[..] {
        return Err(ParseError {
            offset: region.start,
            what: "deno payload does not start with d3n0l4nd (eszip or unknown layout)".into(),
        });
    }
    // 1. Metadata.
    let meta = c.bytes_u64("metadata")?;
    let entrypoint = json(b, meta, "metadata")?
        .get("entrypoint_key")
        .and_then(Value::as_str)
        .map(str::to_owned);
    // 2. npm snapshot (not needed: the packages themselves are in the VFS).
    let npm_snapshot_len = c.bytes_u64("npm snapshot")?.len();
    // 3. Specifiers: id → URL.
    let n = c.count("specifier count", 8)?;
    let mut specifiers = HashMap::with_capacity(n);
    for _ in 0..n {
        let at = c.at;
        let s = c.bytes_u32("specifier")?;
        let id = c.u32("specifier id")?;
        let s = std::str::from_utf8(&b[s]).map_err(|_| ParseError {
            offset: at,
            what: "specifier is not UTF-8".into(),
        })?;
        specifiers.insert(id, s.to_owned());
    }
    // 4. Redirects: pairs of ids.
    let redirects = c.count("redirect count", 8)?;
    c.take(redirects * 8, "redirects")?;
    // 5. Remote modules.
    let n = c.count("remote module count", 10)?;
    let mut modules = Vec::with_capacity(n);
    for _ in 0..n {
        let at = c.at;
        let id = c.u32("remote module id")?;
        let media = Media::from_byte(c.u8("media type")?);
        let source = c.bytes_u32("remote module source")?;
        let flags = c.u8("remote module flags")?;
        if flags & !0x0f != 0 {
            return Err(c.err(format!("unknown remote module flags {flags:#x}")));
        }
        let transpiled = (flags & 1 != 0)
            .then(|| c.bytes_u32("transpiled source"))
            .transpose()?;
        let source_map = (flags & 2 != 0)
            .then(|| c.bytes_u32("source map"))
            .transpose()?;
        if flags & 4 != 0 {
            c.bytes_u32("CJS export analysis")?;
        }
        let specifier = specifiers.get(&id).cloned().ok_or_else(|| ParseError {
            offset: at,
            what: format!("remote module id {id} has no specifier"),
        })?;
        modules.push(Module {
            specifier,
            origin: Origin::Remote,
            media,
            source,
            transpiled,
            source_map,
            utf8: flags & 8 != 0,
        });
    }
    // 6. VFS: directory tree as JSON, then the files' bytes.
    let tree = c.bytes_u64("vfs tree")?;
    let files = c.bytes_u64("vfs files")?;
    if b[c.take(8, "closing magic")?] != MAGIC[..] {
        return Err(ParseError {
            offset: files.end,
            what: "deno payload does not end with d3n0l4nd".into(),
        });
    }
    let tree_at = tree.start;
    let tree = json(b, tree, "vfs tree")?;
    let mut walk = Walk {
        files,
        modules,
        symlinks: 0,
    };
    walk.dir(&tree, "", 0).map_err(|what| ParseError {
        offset: tree_at,
        what,
    })?;
    Ok(Payload {
        entrypoint,
        npm_snapshot_len,
        redirects,
        modules: walk.modules,
        symlinks: walk.symlinks,
    })
}

fn json(b: &[u8], r: Range<usize>, what: &str) -> Result<Value, ParseError> {
    if r.len() > MAX_JSON {
        return Err(ParseError {
            offset: r.start,
            what: format!("{what}: {} bytes of JSON (limit {MAX_JSON})", r.len()),
        });
    }
    serde_json::from_slice(&b[r.clone()]).map_err(|e| ParseError {
        offset: r.start,
        what: format!("{what}: not JSON ({e})"),
    })
}

struct Walk {
    files: Range<usize>,
    modules: Vec<Module>,
    symlinks: usize,
}

impl Walk {
    /// Deeper trees than serde_json's own recursion limit cannot be parsed
    /// anyway; this bound keeps the walk independent of it.
    const MAX_DEPTH: usize = 256;

    fn dir(&mut self, entries: &Value, prefix: &str, depth: usize) -> Result<(), String> {
        if depth > Self::MAX_DEPTH {
            return Err(format!("vfs tree deeper than {}", Self::MAX_DEPTH));
        }
        let entries = entries
            .as_array()
            .ok_or_else(|| format!("vfs directory {prefix:?} is not a list"))?;
        for e in entries {
            let (kind, v) = e
                .as_object()
                .filter(|o| o.len() == 1)
                .and_then(|o| o.iter().next())
                .ok_or_else(|| format!("vfs entry in {prefix:?} is not {{Kind: …}}"))?;
            let name = v
                .get("n")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty() && !n.contains('/') && *n != "." && *n != "..")
                .ok_or_else(|| format!("vfs entry in {prefix:?} without a valid name"))?;
            let path = format!("{prefix}{name}");
            match kind.as_str() {
                "Dir" => self.dir(
                    v.get("e").unwrap_or(&Value::Null),
                    &format!("{path}/"),
                    depth + 1,
                )?,
                "File" => {
                    if self.modules.len() >= MAX_ENTRIES {
                        return Err(format!("more than {MAX_ENTRIES} vfs files"));
                    }
                    let range = |key: &str| -> Result<Option<Range<usize>>, String> {
                        let Some(o) = v.get(key) else {
                            return Ok(None);
                        };
                        let pair = o.as_array().filter(|a| a.len() == 2);
                        let num = |i: usize| {
                            pair.and_then(|a| a[i].as_u64())
                                .and_then(|n| usize::try_from(n).ok())
                        };
                        let (Some(off), Some(len)) = (num(0), num(1)) else {
                            return Err(format!("vfs file {path:?}: {key:?} is not [offset, len]"));
                        };
                        match self
                            .files
                            .start
                            .checked_add(off)
                            .and_then(|s| Some(s..s.checked_add(len)?))
                        {
                            Some(r) if r.end <= self.files.end => Ok(Some(r)),
                            _ => Err(format!(
                                "vfs file {path:?}: {key:?} [{off}, {len}] outside the {} bytes of file data",
                                self.files.len()
                            )),
                        }
                    };
                    let source = range("o")?
                        .ok_or_else(|| format!("vfs file {path:?} without an offset"))?;
                    let transpiled = range("m")?;
                    let source_map = range("s")?;
                    self.modules.push(Module {
                        media: Media::from_path(name),
                        specifier: format!("{VFS_PREFIX}{path}"),
                        origin: Origin::Vfs,
                        source,
                        transpiled,
                        source_map,
                        utf8: v.get("u").and_then(Value::as_bool).unwrap_or(false),
                    });
                }
                "Symlink" => self.symlinks += 1,
                other => return Err(format!("vfs entry {path:?} of unknown kind {other:?}")),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A payload the way deno 2.9 writes one: `remote` are (specifier,
    /// media byte, source, transpiled), `vfs` the tree JSON, `files` its data.
    /// (specifier, media byte, source, transpiled)
    type Remote<'a> = (&'a str, u8, &'a [u8], Option<&'a [u8]>);

    fn payload(remote: &[Remote<'_>], vfs: &str, files: &[u8]) -> Vec<u8> {
        let mut b = MAGIC.to_vec();
        let meta = br#"{"argv":[],"entrypoint_key":"main.ts"}"#;
        b.extend_from_slice(&(meta.len() as u64).to_le_bytes());
        b.extend_from_slice(meta);
        b.extend_from_slice(&0u64.to_le_bytes());
        b.extend_from_slice(&(remote.len() as u32).to_le_bytes());
        for (i, (s, ..)) in remote.iter().enumerate() {
            b.extend_from_slice(&(s.len() as u32).to_le_bytes());
            b.extend_from_slice(s.as_bytes());
            b.extend_from_slice(&(i as u32).to_le_bytes());
        }
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&(remote.len() as u32).to_le_bytes());
        for (i, (_, media, src, js)) in remote.iter().enumerate() {
            b.extend_from_slice(&(i as u32).to_le_bytes());
            b.push(*media);
            b.extend_from_slice(&(src.len() as u32).to_le_bytes());
            b.extend_from_slice(src);
            b.push(8 | u8::from(js.is_some()));
            if let Some(js) = js {
                b.extend_from_slice(&(js.len() as u32).to_le_bytes());
                b.extend_from_slice(js);
            }
        }
        b.extend_from_slice(&(vfs.len() as u64).to_le_bytes());
        b.extend_from_slice(vfs.as_bytes());
        b.extend_from_slice(&(files.len() as u64).to_le_bytes());
        b.extend_from_slice(files);
        b.extend_from_slice(MAGIC);
        b
    }

    fn sample() -> Vec<u8> {
        let files = b"export const f = 1;\nconst a: number = 1;\nconst a = 1;\n";
        let vfs = r#"[{"Dir":{"n":"lib","e":[{"File":{"n":"f.js","o":[0,20],"u":true}},{"Symlink":{"n":"l","p":["x"]}}]}},{"File":{"n":"main.ts","o":[20,21],"u":true,"m":[41,13],"t":1}}]"#;
        payload(
            &[(
                "https://x.test/m.ts",
                4,
                b"let q: string = 'a';",
                Some(b"let q = 'a';"),
            )],
            vfs,
            files,
        )
    }

    #[test]
    fn good_table_yields_every_module_with_ranges_into_the_file() {
        let mut b = b"ELF prefix".to_vec();
        let start = b.len();
        b.extend_from_slice(&sample());
        b.extend_from_slice(b"trailing bytes");
        let p = parse_payload(&b, start..b.len() - 14).unwrap();
        assert_eq!(p.entrypoint.as_deref(), Some("main.ts"));
        assert_eq!(p.symlinks, 1);
        let names: Vec<_> = p.modules.iter().map(|m| m.specifier.as_str()).collect();
        assert_eq!(
            names,
            ["https://x.test/m.ts", "<vfs>/lib/f.js", "<vfs>/main.ts"]
        );
        let text = |r: &Range<usize>| std::str::from_utf8(&b[r.clone()]).unwrap().to_string();
        let [remote, f, main] = &p.modules[..] else {
            panic!()
        };
        assert_eq!(
            (remote.origin, remote.media),
            (Origin::Remote, Media::TypeScript)
        );
        assert_eq!(text(remote.transpiled.as_ref().unwrap()), "let q = 'a';");
        assert_eq!(text(&f.source), "export const f = 1;\n");
        assert_eq!((f.media, f.transpiled.clone()), (Media::JavaScript, None));
        assert_eq!(text(&main.source), "const a: number = 1;\n");
        assert_eq!(text(main.transpiled.as_ref().unwrap()), "const a = 1;\n");
        assert!(main.utf8 && main.media.is_typescript_or_jsx());
    }

    #[test]
    fn truncated_at_every_byte_is_an_error_not_a_panic() {
        let b = sample();
        for end in 0..b.len() {
            let e = parse_payload(&b, 0..end).unwrap_err();
            assert!(e.offset <= end, "{end}: {e:?}");
        }
        assert!(parse_payload(&b, 0..b.len() + 1).is_err());
        #[allow(clippy::reversed_empty_ranges)]
        let reversed = 5..2;
        assert!(parse_payload(&b, reversed).is_err());
    }

    #[test]
    fn every_corrupted_byte_is_handled() {
        let good = sample();
        for i in 0..good.len() {
            for v in [0u8, 0x7f, 0xff] {
                let mut b = good.clone();
                b[i] = v;
                let _ = parse_payload(&b, 0..b.len());
            }
        }
    }

    #[test]
    fn lengths_and_offsets_out_of_bounds_are_refused() {
        let files = b"console.log(1)";
        let b = payload(&[], r#"[{"File":{"n":"a.js","o":[0,14]}}]"#, files);
        assert_eq!(parse_payload(&b, 0..b.len()).unwrap().modules.len(), 1);
        for vfs in [
            r#"[{"File":{"n":"a.js","o":[0,15]}}]"#,
            r#"[{"File":{"n":"a.js","o":[18446744073709551615,2]}}]"#,
            r#"[{"File":{"n":"a.js","o":[0,1],"m":[14,1]}}]"#,
            r#"[{"File":{"n":"a.js","o":[0]}}]"#,
            r#"[{"File":{"n":"../a.js","o":[0,1]}}]"#,
            r#"[{"Device":{"n":"a","o":[0,1]}}]"#,
            r#"{"File":{}}"#,
            r#"[{"File":{"n":"a.js""#,
        ] {
            let b = payload(&[], vfs, files);
            let e = parse_payload(&b, 0..b.len()).unwrap_err();
            assert!(e.offset > 8 && e.offset < b.len(), "{vfs}: {e:?}");
        }
        // A remote module whose id has no specifier.
        let mut b = payload(&[("https://x.test/a.js", 0, b"1", None)], "[]", b"");
        let spec_id = 8 + 8 + 38 + 8 + 4 + 4 + 19;
        b[spec_id..spec_id + 4].copy_from_slice(&7u32.to_le_bytes());
        let e = parse_payload(&b, 0..b.len()).unwrap_err();
        assert!(e.what.contains("no specifier"), "{e:?}");
    }

    #[test]
    fn absurd_counts_and_lengths_are_refused_before_allocating() {
        let b = payload(&[], "[]", b"");
        let at = 8 + 8 + 38 + 8; // specifier count
        for count in [u32::MAX, 1_000_000, 100] {
            let mut b = b.clone();
            b[at..at + 4].copy_from_slice(&count.to_le_bytes());
            let e = parse_payload(&b, 0..b.len()).unwrap_err();
            assert_eq!(e.offset, at, "{count}: {e:?}");
        }
        let mut b = b.clone();
        b[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(parse_payload(&b, 0..b.len()).unwrap_err().offset, 8);
        // Not deno's layout at all (an eszip, say).
        let e = parse_payload(b"ESZIP2.3 and more bytes", 0..23).unwrap_err();
        assert!(e.what.contains("eszip"), "{e:?}");
    }

    #[test]
    fn media_types_by_byte_and_extension() {
        assert_eq!(Media::from_byte(4), Media::TypeScript);
        assert_eq!(Media::from_byte(8), Media::Declaration);
        assert_eq!(Media::from_byte(200), Media::Other(Some(200)));
        assert_eq!(Media::from_path("x/index.d.ts"), Media::Declaration);
        assert_eq!(Media::from_path("https://a.test/m.TSX?v=1"), Media::Tsx);
        assert_eq!(Media::from_path("README"), Media::Other(None));
        assert!(Media::Cjs.is_code() && !Media::Json.is_code());
        assert!(!Media::Mjs.is_typescript_or_jsx());
    }

    #[test]
    fn sui_descriptor_names_the_deno_payload() {
        let mut b = b"ELF....".to_vec();
        let start = b.len();
        b.extend_from_slice(&8u16.to_le_bytes());
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(b"d3n0l4nd{\"argv\":[]}console.log(1)");
        let end = b.len();
        assert_eq!(sui_payload(&b, start..end), Some(start + 10..end));
        // Another libsui section name is not deno's.
        b[start + 2] = b'x';
        assert_eq!(sui_payload(&b, start..end), None);
        assert_eq!(sui_payload(&b, start..start + 1), None);
    }

    #[test]
    fn trailer_positions_are_checked() {
        let mut b = vec![0u8; 100];
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&40u64.to_be_bytes());
        b.extend_from_slice(&90u64.to_be_bytes());
        assert_eq!(locate(&b, None), Some((40..100, "d3n0l4nd trailer")));
        let n = b.len();
        b[n - 16..n - 8].copy_from_slice(&u64::MAX.to_be_bytes());
        assert_eq!(locate(&b, None).unwrap().0, 0..100);
        assert_eq!(locate(&b[..20], None), None);
        assert_eq!(
            locate(b"plain executable bytes without the marker", None),
            None
        );
    }
}
