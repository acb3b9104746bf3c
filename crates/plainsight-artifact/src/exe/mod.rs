//! Executables: find the JavaScript that Bun, Node SEA and `deno compile`
//! executables embed, or take a strings inventory of other native programs.
//!
//! Design:
//! - The file is memory-mapped by the caller; every embedded module becomes a
//!   [`Data`] slice of that mapping. Bytes are copied only when a module's
//!   encoding needs converting (Bun Latin-1 with raw high bytes).
//! - Each reader locates its payload through the container first (ELF/PE/
//!   Mach-O section or ELF note, headers only), then through its own markers
//!   (trailers, magic), and validates every pointer before use. Layouts change
//!   between versions: on an inconsistency the payload region is *carved* for
//!   JavaScript-looking text instead, and [`ExeContents::path_taken`] says
//!   which path was taken, so a reader of the report knows how much to trust.
//! - An executable with no recognised payload becomes one `Native` unit for
//!   [`native_findings`] (low confidence).
//! - Only a payload that is evidently there but unreadable, or container
//!   headers that do not parse, is an [`ExeError`] naming input and offset.

pub mod bun;
pub mod carve;
pub mod container;
pub mod deno;
pub mod sea;
pub mod strings;

use std::ops::Range;

use thiserror::Error;

use crate::{Data, Limits, Unit, UnitKind};
pub use strings::native_findings;

/// What kind of executable was recognised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExeFormat {
    /// `bun build --compile`; `layout` names the module-graph layout parsed
    /// (or says it was carved).
    Bun { layout: String },
    /// Node.js single executable application.
    NodeSea { snapshot_only: bool },
    /// `deno compile`.
    Deno,
    /// Any other native executable (`os` from the container format).
    Native { os: &'static str },
}

/// What an executable holds.
#[derive(Clone, Debug)]
pub struct ExeContents {
    pub format: ExeFormat,
    /// How the contents were found, e.g. "Bun graph (section trailer at 0x…, 14 modules)".
    pub path_taken: String,
    /// JS modules (chain `[name]`; callers re-root it under their own chain),
    /// or one `Native` unit (path `<strings inventory>`) for [`native_findings`].
    pub units: Vec<Unit>,
    /// Assets skipped, bytecode-only modules, conversions made…
    pub notes: Vec<String>,
    /// Files the executable carries as data (SEA assets), named as in the
    /// executable: the caller opens each like a file found in an archive
    /// (a `.tgz` asset is read as an archive, a `.js` one as a script).
    pub embedded: Vec<(String, Data)>,
}

/// A malformed executable: names the input and the byte offset.
#[derive(Debug, Error)]
pub enum ExeError {
    #[error("{input}: {what} at offset {offset:#x}")]
    Malformed {
        input: String,
        offset: u64,
        what: String,
    },
    #[error("{input}: {what} ({size} bytes, limit {limit})")]
    TooLarge {
        input: String,
        what: String,
        size: u64,
        limit: u64,
    },
}

/// Path given to the strings-inventory unit of a native executable.
pub const NATIVE_UNIT_PATH: &str = "<strings inventory>";

/// `None` when `data` is not an ELF, PE or Mach-O executable.
pub fn detect(name: &str, data: &Data, limits: &Limits) -> Option<Result<ExeContents, ExeError>> {
    let kind = container::sniff(data.bytes())?;
    Some(read(name, data, kind, limits))
}

fn malformed(name: &str, offset: usize, what: impl Into<String>) -> ExeError {
    ExeError::Malformed {
        input: name.to_string(),
        offset: offset as u64,
        what: what.into(),
    }
}

fn read(
    name: &str,
    data: &Data,
    kind: container::Kind,
    limits: &Limits,
) -> Result<ExeContents, ExeError> {
    let b = data.bytes();
    if data.len() as u64 > limits.max_file_size {
        return Err(ExeError::TooLarge {
            input: name.to_string(),
            what: "executable larger than the file size limit".into(),
            size: data.len() as u64,
            limit: limits.max_file_size,
        });
    }
    let carve_limits = carve::CarveLimits {
        max_total: usize::try_from(limits.max_total_uncompressed)
            .unwrap_or(usize::MAX)
            .min(b.len()),
        ..carve::CarveLimits::default()
    };

    // Bun: its section (or an appended payload) ends with the trailer.
    let bun_section = container::section(b, &[".bun", "__bun"]);
    if let Some((at, how)) = bun::find_trailer(b, bun_section.clone()) {
        match bun::parse_graph(b, at) {
            Ok(g) => return Ok(bun_contents(name, data, &g, how)),
            // A trailer found only by searching may be the string constant in
            // Bun's own runtime: not a compiled app, keep looking.
            Err(_) if how == "trailer search" => {}
            Err(e) => {
                // The section bounds the payload; an appended one is bounded by
                // what its Offsets claim, else everything before the trailer.
                let region = bun_section
                    .or_else(|| bun::claimed_payload(b, at))
                    .unwrap_or(0..at + bun::TRAILER.len());
                let units = carved_units(name, data, &region, carve_limits);
                if units.is_empty() {
                    return Err(malformed(
                        name,
                        e.offset,
                        format!("{} (and no JavaScript could be carved)", e.what),
                    ));
                }
                return Ok(ExeContents {
                    format: ExeFormat::Bun {
                        layout: "unreadable; carved".into(),
                    },
                    path_taken: format!(
                        "Bun graph unreadable ({} at offset {:#x}); carved {} JavaScript regions from {:#x}..{:#x}",
                        e.what,
                        e.offset,
                        units.len(),
                        region.start,
                        region.end
                    ),
                    units,
                    notes: Vec::new(),
                    embedded: Vec::new(),
                });
            }
        }
    }

    // Node SEA: the fuse flips to `:1` when a blob is injected.
    let mut notes = Vec::new();
    match sea::fuse(b) {
        Some(true) => return sea_contents(name, data, kind),
        Some(false) => {
            notes.push("Node.js runtime without an injected SEA blob (fuse not set)".to_string());
        }
        None => {}
    }

    // deno compile. libsui puts the payload in an ELF note (Linux), a PE
    // resource (Windows) or appends it inside __LINKEDIT (macOS); older
    // builds used a section or a trailer.
    let libsui = match kind {
        container::Kind::Elf => container::elf_note(b, b"SUI")
            .and_then(|desc| deno::sui_payload(b, desc))
            .map(|r| (r, "libsui ELF note SUI › d3n0l4nd")),
        container::Kind::Pe => container::pe_resource(b, container::RT_RCDATA, "D3N0L4ND")
            .filter(|r| b[r.clone()].starts_with(deno::MAGIC))
            .map(|r| (r, "libsui PE resource RCDATA/D3N0L4ND")),
        container::Kind::MachO => {
            deno::sui_appended_payload(b).map(|r| (r, "libsui Mach-O <~sui-data~> payload"))
        }
        container::Kind::MachOFat => None,
    };
    let named_section = container::section(b, &["d3n0l4nd"]);
    let located = match libsui {
        Some(found) if named_section.is_none() => Some(found),
        _ => deno::locate(b, named_section),
    };
    if let Some((region, how)) = located {
        let max_total = carve_limits.max_total;
        // deno ≥ 2.2 payloads start with the magic; deno 1.x eszip ones do not.
        let table = b
            .get(region.clone())
            .is_some_and(|p| p.starts_with(deno::MAGIC))
            .then(|| deno::parse_payload(b, region.clone()));
        let (why, units) = match table {
            Some(Ok(p)) => {
                let mut c = deno_contents(name, data, &p, max_total);
                c.path_taken = format!(
                    "deno module table ({how}, {:#x}..{:#x}, {} module{}): {}",
                    region.start,
                    region.end,
                    p.modules.len(),
                    if p.modules.len() == 1 { "" } else { "s" },
                    c.path_taken
                );
                c.notes.splice(0..0, notes);
                return Ok(c);
            }
            Some(Err(e)) => {
                let units = carved_units(name, data, &region, carve_limits);
                if units.is_empty() {
                    return Err(malformed(
                        name,
                        e.offset,
                        format!(
                            "deno module table unreadable: {} (and no JavaScript could be carved)",
                            e.what
                        ),
                    ));
                }
                let why = format!(
                    "module table unreadable ({} at offset {:#x})",
                    e.what, e.offset
                );
                (why, units)
            }
            None => (
                "not a deno ≥ 2.2 module table (eszip layout not parsed)".to_string(),
                carved_units(name, data, &region, carve_limits),
            ),
        };
        return Ok(ExeContents {
            format: ExeFormat::Deno,
            path_taken: format!(
                "deno payload ({how}, {:#x}..{:#x}): {why}; carved {} JavaScript regions",
                region.start,
                region.end,
                units.len()
            ),
            units,
            notes,
            embedded: Vec::new(),
        });
    }

    // Anything else: the container must at least parse, or it is corrupt.
    if kind != container::Kind::MachOFat
        && let Err(e) = object::File::parse(b)
    {
        return Err(malformed(
            name,
            b.len(),
            format!("{kind:?} headers do not parse ({e}); truncated or corrupted (file ends)"),
        ));
    }
    Ok(ExeContents {
        format: ExeFormat::Native { os: kind.os() },
        path_taken: "strings inventory".into(),
        units: vec![Unit {
            chain: vec![name.to_string()],
            path: NATIVE_UNIT_PATH.into(),
            kind: UnitKind::Native,
            data: data.clone(),
        }],
        notes,
        embedded: Vec::new(),
    })
}

/// A count of modules of one kind plus the first few names, as one note.
struct Rollup {
    label: &'static str,
    count: usize,
    shown: Vec<String>,
}

impl Rollup {
    const SHOWN: usize = 5;

    fn new(label: &'static str) -> Rollup {
        Rollup {
            label,
            count: 0,
            shown: Vec::new(),
        }
    }

    fn add(&mut self, item: String) {
        self.count += 1;
        if self.shown.len() < Self::SHOWN {
            self.shown.push(item);
        }
    }

    fn finish(self) -> Option<String> {
        if self.count == 0 {
            return None;
        }
        let more = self.count - self.shown.len();
        let tail = if more > 0 {
            format!(", … {more} more")
        } else {
            String::new()
        };
        Some(format!(
            "{} {}: {}{tail}",
            self.count,
            self.label,
            self.shown.join(", ")
        ))
    }
}

fn bun_contents(name: &str, data: &Data, g: &bun::Graph, how: &str) -> ExeContents {
    let b = data.bytes();
    let mut units = Vec::new();
    let mut notes = Vec::new();
    let mut assets = 0usize;
    // Agents ship thousands of modules: per-kind notes are rolled up so the
    // report lists a few names and a count, not one line per module.
    let mut asset_notes = Rollup::new("asset(s), not scanned as JavaScript");
    let mut bytecode_only =
        Rollup::new("module(s) with JSC bytecode only, no JavaScript source to scan");
    let mut with_bytecode =
        Rollup::new("module(s) also carry JSC bytecode; their source was scanned");
    for m in &g.modules {
        let src = &b[m.contents.clone()];
        if !m.is_javascript() {
            assets += 1;
            asset_notes.add(format!(
                "{} ({} bytes, loader {:?})",
                m.name,
                src.len(),
                m.loader
            ));
            continue;
        }
        if src.is_empty() {
            if m.bytecode_len > 0 {
                bytecode_only.add(format!("{} ({} bytes)", m.name, m.bytecode_len));
            }
            continue;
        }
        if m.bytecode_len > 0 {
            with_bytecode.add(format!("{} ({} bytes)", m.name, m.bytecode_len));
        }
        // Bun writes non-ASCII as escapes, so sources are normally ASCII and
        // borrowed; raw high bytes are UTF-8 if they decode, else Latin-1.
        let data = if src.is_ascii() || std::str::from_utf8(src).is_ok() {
            data.slice(m.contents.clone())
        } else {
            let text = match m.encoding {
                bun::Encoding::Latin1 | bun::Encoding::Binary => bun::latin1_to_utf8(src),
                _ => String::from_utf8_lossy(src).into_owned(),
            };
            notes.push(format!(
                "{}: {:?} source with raw non-ASCII bytes converted to UTF-8",
                m.name, m.encoding
            ));
            Data::from_vec(text.into_bytes())
        };
        units.push(Unit {
            chain: vec![name.to_string()],
            path: m.name.clone(),
            kind: UnitKind::JavaScript,
            data,
        });
    }
    for r in [asset_notes, bytecode_only, with_bytecode] {
        notes.extend(r.finish());
    }
    ExeContents {
        format: ExeFormat::Bun {
            layout: g.layout.to_string(),
        },
        path_taken: format!(
            "Bun graph ({how} trailer at {:#x}, {} modules: {} JavaScript, {} assets; layout {})",
            g.trailer_at,
            g.modules.len(),
            units.len(),
            assets,
            g.layout
        ),
        units,
        notes,
        embedded: Vec::new(),
    }
}

/// Units from a parsed deno payload: every JavaScript-family module, its
/// transpiled JavaScript when deno stored one (TypeScript, JSX), else its
/// source. `path_taken` is the per-kind summary (the caller prefixes it).
fn deno_contents(name: &str, data: &Data, p: &deno::Payload, max_total: usize) -> ExeContents {
    let b = data.bytes();
    let mut units = Vec::new();
    let mut notes = Vec::new();
    let (mut remote, mut transpiled, mut other, mut total) = (0usize, 0usize, 0usize, 0usize);
    let mut other_files = Rollup::new("embedded file(s) not JavaScript, not scanned");
    let mut declarations = Rollup::new("TypeScript declaration file(s), not scanned");
    let mut ts_only = Rollup::new(
        "TypeScript/JSX module(s) stored without transpiled JavaScript (deno stores none when emitting changes nothing; npm packages' own files are never transpiled), parsed as TypeScript/JSX",
    );
    let mut from_transpiled = Rollup::new(
        "module(s) scanned in the transpiled JavaScript deno stored (line:column refer to it, not to the TypeScript/JSX source)",
    );
    let mut over_limit = Rollup::new("module(s) over the total size limit, not scanned");
    let mut lossy = Rollup::new("module(s) not valid UTF-8, invalid bytes replaced");
    for m in &p.modules {
        if m.media == deno::Media::Declaration {
            declarations.add(m.specifier.clone());
            other += 1;
            continue;
        }
        if !m.media.is_code() {
            other_files.add(format!("{} ({} bytes)", m.specifier, m.source.len()));
            other += 1;
            continue;
        }
        let range = m.transpiled.clone().unwrap_or_else(|| m.source.clone());
        if total.saturating_add(range.len()) > max_total {
            over_limit.add(format!("{} ({} bytes)", m.specifier, range.len()));
            continue;
        }
        total += range.len();
        if m.transpiled.is_some() {
            transpiled += 1;
            from_transpiled.add(m.specifier.clone());
        } else if m.media.is_typescript_or_jsx() && m.origin == deno::Origin::Vfs {
            // deno stores no transpiled copy when emitting changes nothing;
            // npm packages' own .ts files are never emitted.
            ts_only.add(m.specifier.clone());
        }
        if m.origin == deno::Origin::Remote {
            remote += 1;
        }
        let src = &b[range.clone()];
        let data = if std::str::from_utf8(src).is_ok() {
            data.slice(range)
        } else {
            lossy.add(m.specifier.clone());
            Data::from_vec(String::from_utf8_lossy(src).into_owned().into_bytes())
        };
        units.push(Unit {
            chain: vec![name.to_string()],
            path: m.specifier.clone(),
            kind: UnitKind::JavaScript,
            data,
        });
    }
    if let Some(e) = &p.entrypoint {
        // A local entry point is a path relative to the VFS root.
        let prefix = if e.contains("://") {
            ""
        } else {
            deno::VFS_PREFIX
        };
        notes.push(format!("deno entry point: {prefix}{e}"));
    }
    notes.push(format!(
        "deno VFS paths are relative to the embedded root (`{}`): deno does not store the original directory",
        deno::VFS_PREFIX.trim_end_matches('/')
    ));
    if p.symlinks > 0 {
        notes.push(format!("{} VFS symlink(s), not followed", p.symlinks));
    }
    for r in [
        from_transpiled,
        ts_only,
        lossy,
        over_limit,
        declarations,
        other_files,
    ] {
        notes.extend(r.finish());
    }
    ExeContents {
        format: ExeFormat::Deno,
        path_taken: format!(
            "{} JavaScript/TypeScript ({transpiled} transpiled, {remote} remote), {other} other files",
            units.len()
        ),
        units,
        notes,
        embedded: Vec::new(),
    }
}

fn sea_contents(name: &str, data: &Data, kind: container::Kind) -> Result<ExeContents, ExeError> {
    let b = data.bytes();
    let found = match kind {
        container::Kind::Elf => {
            container::elf_note(b, b"NODE_SEA_BLOB").map(|r| (r, "ELF note NODE_SEA_BLOB"))
        }
        container::Kind::MachO => container::section(b, &["__NODE_SEA_BLOB"])
            .map(|r| (r, "Mach-O section __NODE_SEA_BLOB")),
        container::Kind::Pe => container::pe_resource(b, container::RT_RCDATA, "NODE_SEA_BLOB")
            .map(|r| (r, "PE resource RCDATA/NODE_SEA_BLOB")),
        container::Kind::MachOFat => None,
    };
    let (region, how) = if let Some(f) = found {
        f
    } else {
        let Some(at) = sea::find_by_magic(b) else {
            let fuse = memchr::memmem::find(b, sea::FUSE).unwrap_or(0);
            return Err(malformed(
                name,
                fuse,
                "Node SEA fuse is set but no NODE_SEA_BLOB was found",
            ));
        };
        (at..b.len(), "blob magic")
    };
    let blob = sea::parse_blob(&b[region.clone()])
        .map_err(|(off, what)| malformed(name, region.start + off, what))?;
    let main = region.start + blob.main.start..region.start + blob.main.end;
    let mut notes = Vec::new();
    let mut units = Vec::new();
    if blob.snapshot {
        notes.push(format!(
            "no JavaScript source: V8 startup snapshot ({} bytes)",
            main.len()
        ));
    } else {
        let src = &b[main.clone()];
        let data = if std::str::from_utf8(src).is_ok() {
            data.slice(main.clone())
        } else {
            notes.push("SEA main script is not valid UTF-8; invalid bytes replaced".into());
            Data::from_vec(String::from_utf8_lossy(src).into_owned().into_bytes())
        };
        let path = blob
            .code_path
            .clone()
            .unwrap_or_else(|| "<sea main>".into());
        units.push(Unit {
            chain: vec![name.to_string()],
            path,
            kind: UnitKind::JavaScript,
            data,
        });
    }
    let embedded = blob
        .assets
        .iter()
        .map(|(n, r)| {
            (
                n.clone(),
                data.slice(region.start + r.start..region.start + r.end),
            )
        })
        .collect();
    if blob.code_cache_len > 0 {
        notes.push(format!(
            "SEA blob also carries a V8 code cache ({} bytes)",
            blob.code_cache_len
        ));
    }
    Ok(ExeContents {
        format: ExeFormat::NodeSea {
            snapshot_only: blob.snapshot,
        },
        path_taken: format!(
            "Node SEA blob ({how} at {:#x}, flags {:#x}, main {} bytes, {} assets)",
            region.start,
            blob.flags,
            main.len(),
            blob.assets.len()
        ),
        units,
        notes,
        embedded,
    })
}

fn carved_units(
    name: &str,
    data: &Data,
    region: &Range<usize>,
    limits: carve::CarveLimits,
) -> Vec<Unit> {
    let b = data.bytes();
    let region = region.start.min(b.len())..region.end.min(b.len());
    carve::carve(&b[region.clone()], limits)
        .into_iter()
        .map(|r| {
            let abs = region.start + r.start..region.start + r.end;
            Unit {
                chain: vec![name.to_string()],
                path: format!("<carved {:#x}-{:#x}>", abs.start, abs.end),
                kind: UnitKind::JavaScript,
                data: data.slice(abs),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::Rollup;

    #[test]
    fn rollup_names_a_few_and_counts_the_rest() {
        let mut r = Rollup::new("module(s) with bytecode");
        assert_eq!(Rollup::new("x").finish(), None);
        for i in 0..3515 {
            r.add(format!("/$bunfs/root/m{i}.js"));
        }
        let note = r.finish().unwrap();
        assert!(
            note.starts_with("3515 module(s) with bytecode: /$bunfs/root/m0.js, "),
            "{note}"
        );
        assert!(note.ends_with(", … 3510 more"), "{note}");
    }
}
