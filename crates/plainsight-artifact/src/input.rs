//! Routing bytes to the right reader: files are mapped, then every blob —
//! a file on disk, an archive entry, a decompressed stream — goes through
//! [`Collector::blob`], which decides by content what it is.
//!
//! Order of the decision: archive magic, then executable magic, then text.
//! Text is JavaScript when its name says so (`.js/.mjs/.cjs`), when it starts
//! with a node/bun/deno shebang, when the enclosing `package.json` lists it
//! as a `bin` (often extensionless), or when the user named the file itself.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;

use crate::limits::Budget;
use crate::{
    Artifact, ArtifactError, Data, OpenOptions, Unit, UnitKind, archive, dir, display_chain, exe,
};

/// Deepest archive nesting opened (an archive inside an archive inside an
/// archive); deeper ones are reported and skipped.
pub(crate) const MAX_DEPTH: usize = 3;

/// Files smaller than this are read rather than mapped: a mapping costs a
/// syscall pair and a page-table entry per file, which a `node_modules`
/// tree of 20 000 small files would feel.
const MAP_THRESHOLD: u64 = 64 * 1024;

/// What the first bytes of a blob say it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sniff {
    Gzip,
    Zip,
    Tar,
    Exe,
    Text,
}

pub(crate) fn sniff(b: &[u8]) -> Sniff {
    if b.starts_with(&[0x1f, 0x8b]) {
        Sniff::Gzip
    } else if b.starts_with(b"PK\x03\x04") || b.starts_with(b"PK\x05\x06") {
        Sniff::Zip
    } else if b.len() >= 262 && &b[257..262] == b"ustar" {
        Sniff::Tar
    } else if is_exe(b) {
        Sniff::Exe
    } else {
        Sniff::Text
    }
}

fn is_exe(b: &[u8]) -> bool {
    if b.starts_with(b"\x7fELF") {
        return true;
    }
    if b.starts_with(b"MZ") {
        // A DOS stub alone is not enough ("MZ" can start a text file): the
        // PE header offset at 0x3c must point at "PE\0\0".
        let Some(off) = b.get(0x3c..0x40) else {
            return false;
        };
        let off = u32::from_le_bytes([off[0], off[1], off[2], off[3]]) as usize;
        return b.get(off..off.saturating_add(4)) == Some(b"PE\0\0");
    }
    let Some(m) = b.get(0..8) else { return false };
    let be = u32::from_be_bytes([m[0], m[1], m[2], m[3]]);
    match be {
        0xfeed_face | 0xfeed_facf | 0xcefa_edfe | 0xcffa_edfe => true,
        // Fat Mach-O shares its magic with Java class files; a class file's
        // next word is its version (>= 45), a fat header's an arch count.
        0xcafe_babe => u32::from_be_bytes([m[4], m[5], m[6], m[7]]) < 20,
        _ => false,
    }
}

pub(crate) fn is_js_name(name: &str) -> bool {
    std::path::Path::new(name).extension().is_some_and(|e| {
        e.eq_ignore_ascii_case("js")
            || e.eq_ignore_ascii_case("mjs")
            || e.eq_ignore_ascii_case("cjs")
    })
}

/// Source maps hold copies of the sources, not shipped code; scanning them
/// would double every finding.
pub(crate) fn is_skipped_name(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".map")
}

/// `Some(true)` for a node/bun/deno shebang, `Some(false)` for another
/// interpreter, `None` without a shebang.
pub(crate) fn shebang_is_js(b: &[u8]) -> Option<bool> {
    let rest = b.strip_prefix(b"#!")?;
    let line = &rest[..memchr_nl(rest)];
    let line = String::from_utf8_lossy(line);
    Some(
        line.split(|c: char| c.is_whitespace() || c == '/')
            .any(|t| {
                t == "node"
                    || t == "nodejs"
                    || t == "bun"
                    || t == "deno"
                    || (t.starts_with("node") && t[4..].bytes().all(|c| c.is_ascii_digit()))
            }),
    )
}

fn memchr_nl(b: &[u8]) -> usize {
    b.iter()
        .take(256)
        .position(|&c| c == b'\n')
        .unwrap_or(b.len().min(256))
}

/// Why a blob is being looked at, which decides whether plain text counts as JS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Hint {
    /// Found while walking: JS only by name or shebang.
    Found,
    /// Listed in a `package.json` `bin`.
    Bin,
    /// The user named this file: any text is scanned as JS.
    Explicit,
}

/// Accumulates units and notices for one [`crate::open`] call.
pub(crate) struct Collector<'a> {
    pub opts: &'a OpenOptions,
    pub out: Artifact,
}

impl<'a> Collector<'a> {
    pub fn new(opts: &'a OpenOptions) -> Self {
        Collector {
            opts,
            out: Artifact::default(),
        }
    }

    pub fn notice(&mut self, s: String) {
        self.out.notices.push(s);
    }

    /// Route one blob named `name` inside the containers `chain`.
    /// `budget` is the enclosing archive tree's, if any.
    pub fn blob(
        &mut self,
        chain: &[String],
        name: &str,
        data: Data,
        hint: Hint,
        depth: usize,
        budget: Option<&Rc<Budget>>,
    ) -> Result<(), ArtifactError> {
        let kind = sniff(data.bytes());
        match kind {
            Sniff::Gzip | Sniff::Zip | Sniff::Tar => {
                let mut inner_chain = chain.to_vec();
                inner_chain.push(name.to_string());
                if depth >= MAX_DEPTH {
                    self.notice(format!(
                        "{}: archive skipped: nested deeper than {MAX_DEPTH} archives",
                        display_chain(&inner_chain)
                    ));
                    return Ok(());
                }
                let budget = match budget {
                    Some(b) => Rc::clone(b),
                    None => Budget::new(&self.opts.limits),
                };
                archive::open(self, &inner_chain, &data, kind, depth + 1, &budget)
            }
            Sniff::Exe => self.exe(chain, name, &data, depth, budget),
            Sniff::Text => {
                let b = data.bytes();
                let js = match hint {
                    Hint::Explicit => true,
                    Hint::Bin => shebang_is_js(b) != Some(false),
                    Hint::Found => is_js_name(name) || shebang_is_js(b) == Some(true),
                };
                if js {
                    self.push_js(chain, name, data);
                }
                Ok(())
            }
        }
    }

    fn exe(
        &mut self,
        chain: &[String],
        name: &str,
        data: &Data,
        depth: usize,
        budget: Option<&Rc<Budget>>,
    ) -> Result<(), ArtifactError> {
        let mut own = chain.to_vec();
        own.push(name.to_string());
        let label = display_chain(&own);
        match exe::detect(&label, data, &self.opts.limits) {
            Some(Ok(contents)) => {
                self.notice(format!("{label}: {}", contents.path_taken));
                for n in contents.notes {
                    self.notice(format!("{label}: {n}"));
                }
                for mut u in contents.units {
                    // The reader names units under the label we gave it;
                    // re-root them under the real chain.
                    let rest = match u.chain.first() {
                        Some(first) if *first == label || *first == name => u.chain.split_off(1),
                        _ => u.chain,
                    };
                    let mut c = own.clone();
                    c.extend(rest);
                    u.chain = c;
                    self.out.units.push(u);
                }
                // Files the executable carries (SEA assets) are opened like
                // files found in an archive, under the executable's chain,
                // with the same nesting depth and budget.
                for (asset, bytes) in contents.embedded {
                    self.blob(&own, &asset, bytes, Hint::Found, depth, budget)?;
                }
                Ok(())
            }
            Some(Err(e)) => Err(e.into()),
            None => {
                // Our magic said executable, the reader disagrees: still give
                // it the strings inventory rather than drop it silently.
                self.notice(format!(
                    "{label}: executable magic but no known layout; strings inventory only"
                ));
                self.out.units.push(Unit {
                    chain: chain.to_vec(),
                    path: name.to_string(),
                    kind: UnitKind::Native,
                    data: data.clone(),
                });
                Ok(())
            }
        }
    }

    /// Add a JavaScript unit. Analyzers take UTF-8; anything else is decoded
    /// lossily (a copy) and the first bad offset reported.
    pub fn push_js(&mut self, chain: &[String], name: &str, data: Data) {
        let data = match std::str::from_utf8(data.bytes()) {
            Ok(_) => data,
            Err(e) => {
                let mut own = chain.to_vec();
                own.push(name.to_string());
                self.notice(format!(
                    "{}: not valid UTF-8 at offset {}; invalid bytes replaced with U+FFFD",
                    display_chain(&own),
                    e.valid_up_to()
                ));
                Data::from_vec(
                    String::from_utf8_lossy(data.bytes())
                        .into_owned()
                        .into_bytes(),
                )
            }
        };
        self.out.units.push(Unit {
            chain: chain.to_vec(),
            path: name.to_string(),
            kind: UnitKind::JavaScript,
            data,
        });
    }
}

/// Open a path the user named.
pub(crate) fn open_path(
    path: &Path,
    display: &str,
    opts: &OpenOptions,
) -> Result<Artifact, ArtifactError> {
    let meta = std::fs::metadata(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            ArtifactError::NotFound {
                input: display.to_string(),
            }
        } else {
            ArtifactError::Io {
                input: display.to_string(),
                error: e,
            }
        }
    })?;
    let mut c = Collector::new(opts);
    if meta.is_dir() {
        dir::walk(&mut c, path)?;
    } else if meta.is_file() {
        let len = meta.len();
        if len > opts.limits.max_file_size {
            return Err(ArtifactError::Limit {
                input: display.to_string(),
                place: "file size".into(),
                what: "file size",
                value: len,
                limit: opts.limits.max_file_size,
            });
        }
        let data = map_file(path, display)?;
        c.blob(&[], display, data, Hint::Explicit, 0, None)?;
    } else {
        let data = read_special(path, display, opts.limits.max_file_size)?;
        c.blob(&[], display, data, Hint::Explicit, 0, None)?;
    }
    Ok(c.out)
}

/// A device, pipe or FIFO named by the user. Its size is unknown (`/dev/zero`
/// never ends), so it is read through the file size limit; a FIFO is opened
/// non-blocking, so one without a writer is empty instead of blocking forever
/// in `open`, then read normally.
pub(crate) fn read_special(path: &Path, display: &str, max: u64) -> Result<Data, ArtifactError> {
    let io_err = |e| ArtifactError::Io {
        input: display.to_string(),
        error: e,
    };
    #[cfg(unix)]
    let f = {
        use std::os::unix::fs::OpenOptionsExt as _;
        let f = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
            .open(path)
            .map_err(io_err)?;
        // Blocking again for the reads: a writer that is there gets read to
        // its end; without one, the first read returns end of file.
        let flags = rustix::fs::fcntl_getfl(&f).map_err(|e| io_err(e.into()))?;
        rustix::fs::fcntl_setfl(&f, flags - rustix::fs::OFlags::NONBLOCK)
            .map_err(|e| io_err(e.into()))?;
        f
    };
    #[cfg(not(unix))]
    let f = File::open(path).map_err(io_err)?;
    let mut v = Vec::new();
    f.take(max.saturating_add(1))
        .read_to_end(&mut v)
        .map_err(io_err)?;
    if v.len() as u64 > max {
        return Err(ArtifactError::Limit {
            input: display.to_string(),
            place: "file size".into(),
            what: "file size",
            value: v.len() as u64,
            limit: max,
        });
    }
    Ok(Data::from_vec(v))
}

/// The bytes of a file: small files read, large ones memory-mapped.
pub(crate) fn map_file(path: &Path, display: &str) -> Result<Data, ArtifactError> {
    let io_err = |e| ArtifactError::Io {
        input: display.to_string(),
        error: e,
    };
    let mut f = File::open(path).map_err(io_err)?;
    let len = f.metadata().map_err(io_err)?.len();
    if len < MAP_THRESHOLD {
        let mut v = Vec::with_capacity(len as usize);
        f.read_to_end(&mut v).map_err(io_err)?;
        return Ok(Data::from_vec(v));
    }
    let map = map(&f).map_err(io_err)?;
    Ok(Data::from_backing(Arc::new(map)))
}

/// Read-only private mapping of a whole file.
#[allow(unsafe_code)]
fn map(f: &File) -> std::io::Result<memmap2::Mmap> {
    // SAFETY: the mapping is read-only and private. The one hazard memmap2
    // documents is another process truncating or rewriting the file while it
    // is mapped (SIGBUS or changing bytes). Scanned artifacts are inputs at
    // rest; a file changing under the scan gives wrong findings for that
    // file at worst, never memory unsafety in our own data structures, and
    // copying every 245 MB executable instead would break the memory budget.
    unsafe { memmap2::Mmap::map(f) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_magic_not_name() {
        assert_eq!(sniff(&[0x1f, 0x8b, 8, 0]), Sniff::Gzip);
        assert_eq!(sniff(b"PK\x03\x04rest"), Sniff::Zip);
        let mut tar = vec![0u8; 512];
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(sniff(&tar), Sniff::Tar);
        assert_eq!(sniff(b"\x7fELF\x02\x01"), Sniff::Exe);
        assert_eq!(sniff(&[0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1]), Sniff::Exe);
        // Java class file: same first word as fat Mach-O, version 52 next.
        assert_eq!(sniff(&[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52]), Sniff::Text);
        assert_eq!(sniff(&[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2]), Sniff::Exe);
        // "MZ" text without a PE header is text.
        assert_eq!(
            sniff(
                b"MZ is a fine start for prose, and this line is long enough to hold 0x40 bytes."
            ),
            Sniff::Text
        );
        let mut pe = vec![0u8; 0x90];
        pe[..2].copy_from_slice(b"MZ");
        pe[0x3c] = 0x80;
        pe[0x80..0x84].copy_from_slice(b"PE\0\0");
        assert_eq!(sniff(&pe), Sniff::Exe);
    }

    #[test]
    fn shebangs() {
        assert_eq!(shebang_is_js(b"#!/usr/bin/env node\nx"), Some(true));
        assert_eq!(
            shebang_is_js(b"#!/usr/bin/env -S node --no-warnings\n"),
            Some(true)
        );
        assert_eq!(shebang_is_js(b"#!/usr/local/bin/bun\n"), Some(true));
        assert_eq!(shebang_is_js(b"#!/usr/bin/node20\n"), Some(true));
        assert_eq!(shebang_is_js(b"#!/bin/sh\nnode x.js"), Some(false));
        assert_eq!(shebang_is_js(b"#!/usr/bin/env nodemon\n"), Some(false));
        assert_eq!(shebang_is_js(b"console.log(1)"), None);
    }

    #[test]
    fn text_hints() {
        let opts = OpenOptions::default();
        let mut c = Collector::new(&opts);
        let sh = Data::from_vec(b"#!/bin/sh\necho hi\n".to_vec());
        let plain = Data::from_vec(b"module.exports = 1;\n".to_vec());
        c.blob(&[], "run", sh.clone(), Hint::Bin, 0, None).unwrap();
        c.blob(&[], "README", plain.clone(), Hint::Found, 0, None)
            .unwrap();
        assert!(c.out.units.is_empty());
        c.blob(&[], "bin/cli", plain.clone(), Hint::Bin, 0, None)
            .unwrap();
        c.blob(&[], "index.CJS", plain, Hint::Found, 0, None)
            .unwrap();
        let paths: Vec<_> = c.out.units.iter().map(|u| u.path.as_str()).collect();
        assert_eq!(paths, ["bin/cli", "index.CJS"]);
    }

    #[test]
    fn invalid_utf8_is_reported_and_replaced() {
        let opts = OpenOptions::default();
        let mut c = Collector::new(&opts);
        c.push_js(
            &["a.tgz".into()],
            "x.js",
            Data::from_vec(b"var a = '\xe9';".to_vec()),
        );
        assert_eq!(
            c.out.units[0].data.bytes(),
            "var a = '\u{fffd}';".as_bytes()
        );
        assert!(
            c.out.notices[0].contains("a.tgz › x.js: not valid UTF-8 at offset 9"),
            "{:?}",
            c.out.notices
        );
    }
}
