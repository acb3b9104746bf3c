//! Archives (`.tgz`, `.tar`, `.zip`, `.vsix`, a gzipped single file), read in
//! memory and streamed; nothing is ever extracted to disk.
//!
//! - Every decompressed byte passes a [`LimitedReader`], so the total size and
//!   the compression ratio are enforced while inflating (a 10 MB run of zeros
//!   gzipped to 10 KB is refused after ~2 MB, not after 10 MB).
//! - Entry names with `..` components or an absolute root are reported and
//!   skipped: npm's own tar refuses them, so they are not part of what installs.
//!   Links are skipped too (nothing is resolved against a file system).
//! - Only entries that can matter are buffered: JS by name, shebang scripts,
//!   extensionless files (possible `bin` targets), `package.json`, and entries
//!   whose magic says archive or executable. The decision for extensionless
//!   files waits until the whole archive is read, because `package.json` may
//!   come after its `bin` targets in the stream.

use std::collections::HashSet;
use std::io::{self, Cursor, Read};
use std::rc::Rc;

use flate2::read::MultiGzDecoder;

use crate::input::{Collector, Hint, Sniff, is_js_name, is_skipped_name, sniff};
use crate::limits::{Budget, Compressed, Counter, CountingReader, LimitedReader};
use crate::{ArtifactError, Data, display_chain};

/// Bytes read before deciding whether an entry is worth buffering (enough
/// for the tar magic at 257 and the executable headers we sniff).
const HEAD: u64 = 512;

/// Open the archive `data`, whose own name is the last element of `chain`.
pub(crate) fn open(
    c: &mut Collector<'_>,
    chain: &[String],
    data: &Data,
    kind: Sniff,
    depth: usize,
    budget: &Rc<Budget>,
) -> Result<(), ArtifactError> {
    let label = display_chain(chain);
    match kind {
        Sniff::Gzip => {
            let inflated = inflate_gzip(c, chain, data.bytes(), budget, &label)?;
            deliver(c, chain, inflated, depth, budget)
        }
        Sniff::Tar => {
            let r = LimitedReader::new(
                data.bytes(),
                Rc::clone(budget),
                None,
                label.clone(),
                String::new(),
            );
            let files = collect_tar(c, r, budget, &label, None)?;
            route(c, chain, files, depth, budget)
        }
        Sniff::Zip => read_zip(c, chain, data, depth, budget, &label),
        Sniff::Exe | Sniff::Text => Ok(()),
    }
}

/// What inflating a gzip stream leaves to hand on, before anything in it
/// is looked at: the kept entries of a tar, or one decompressed file.
/// Splitting reading from routing lets a caller verify the compressed
/// bytes (npm's streamed tarballs) between the two.
pub(crate) enum Inflated {
    Tar(Vec<(String, Data)>),
    File(String, Data),
    Nothing,
}

/// Route what [`inflate_gzip`] kept.
pub(crate) fn deliver(
    c: &mut Collector<'_>,
    chain: &[String],
    inflated: Inflated,
    depth: usize,
    budget: &Rc<Budget>,
) -> Result<(), ArtifactError> {
    match inflated {
        Inflated::Tar(files) => route(c, chain, files, depth, budget),
        Inflated::File(name, data) => c.blob(chain, &name, data, Hint::Found, depth, Some(budget)),
        Inflated::Nothing => Ok(()),
    }
}

/// Inflate a gzip stream read from `compressed` (a buffer, or a network
/// body as it arrives) under `budget`: a tar's candidate entries, or the
/// single decompressed file.
pub(crate) fn inflate_gzip<R: Read>(
    c: &mut Collector<'_>,
    chain: &[String],
    compressed: R,
    budget: &Rc<Budget>,
    label: &str,
) -> Result<Inflated, ArtifactError> {
    let counter = Counter::default();
    let gz = MultiGzDecoder::new(CountingReader::new(compressed, counter.clone()));
    let mut r = LimitedReader::new(
        gz,
        Rc::clone(budget),
        Some(Compressed::Live(counter.clone())),
        label.to_string(),
        String::new(),
    );
    let gz_err = |e: io::Error, budget: &Budget, counter: &Counter| {
        budget
            .take_hit()
            .unwrap_or_else(|| ArtifactError::Malformed {
                input: label.to_string(),
                format: "gzip",
                place: format!("compressed offset {}", counter.get()),
                message: e.to_string(),
            })
    };
    let mut head = Vec::new();
    (&mut r)
        .take(HEAD)
        .read_to_end(&mut head)
        .map_err(|e| gz_err(e, budget, &counter))?;
    if sniff(&head) == Sniff::Tar {
        let stream = Cursor::new(head).chain(r);
        return collect_tar(c, stream, budget, label, Some(&counter)).map(Inflated::Tar);
    }
    // A gzipped single file (`cli.js.gz`, or a gzipped executable).
    let max = c.opts.limits.max_file_size;
    (&mut r)
        .take(max.saturating_add(1).saturating_sub(head.len() as u64))
        .read_to_end(&mut head)
        .map_err(|e| gz_err(e, budget, &counter))?;
    if head.len() as u64 > max {
        c.notice(format!(
            "{label}: skipped: decompressed content larger than the file size limit ({max} bytes)"
        ));
        return Ok(Inflated::Nothing);
    }
    let outer = chain.last().map_or("", String::as_str);
    let name = outer
        .strip_suffix(".gz")
        .or_else(|| outer.strip_suffix(".tgz").map(|_| ""))
        .filter(|s| !s.is_empty())
        .map_or_else(|| format!("{outer} (decompressed)"), str::to_string);
    Ok(Inflated::File(name, Data::from_vec(head)))
}

/// `..` components, absolute paths and Windows drive/UNC roots.
pub(crate) fn is_traversal(name: &str) -> bool {
    let n = name.replace('\\', "/");
    n.starts_with('/')
        || n.split('/').any(|p| p == "..")
        || (n.len() >= 2 && n.as_bytes()[1] == b':' && n.as_bytes()[0].is_ascii_alphabetic())
}
/// Names shown in notices: control and invisible characters escaped, so a
/// hostile entry name cannot rewrite the terminal line it is reported on.
pub(crate) fn shown(name: &str) -> String {
    name.chars()
        .map(|ch| {
            if ch.is_control() || matches!(ch, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
            {
                ch.escape_unicode().to_string()
            } else {
                ch.to_string()
            }
        })
        .collect()
}

/// Worth buffering? Decided from the name and the first bytes.
fn is_candidate(name: &str, head: &[u8]) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    is_js_name(name)
        || base == "package.json"
        || sniff(head) != Sniff::Text
        || head.starts_with(b"#!")
        || !base.contains('.')
}

/// Read one entry: `None` when it is not worth keeping (the rest of it is
/// then skipped by the archive reader, still through the limits).
fn read_entry<R: Read>(
    c: &mut Collector<'_>,
    label: &str,
    kind: &str,
    name: &str,
    size: u64,
    mut r: R,
) -> io::Result<Option<Vec<u8>>> {
    let max = c.opts.limits.max_file_size;
    if size > max {
        c.notice(format!(
            "{label}: {kind} entry {} skipped: {size} bytes is over the file size limit ({max})",
            shown(name)
        ));
        return Ok(None);
    }
    let mut buf = Vec::new();
    (&mut r).take(HEAD).read_to_end(&mut buf)?;
    if !is_candidate(name, &buf) {
        return Ok(None);
    }
    // Grow once to the declared size instead of doubling: a 400 MB
    // executable read by doubling is copied ~500 MB more and faults its
    // pages twice. The declared size is already capped by the file size
    // limit (checked above); one that lies costs only untouched address
    // space, and the read below is bounded by the limit whatever it said.
    let declared = usize::try_from(size.min(max)).unwrap_or(0);
    buf.reserve_exact(declared.saturating_sub(buf.len()));
    // Declared sizes can lie (zip); never read past the limit regardless.
    (&mut r)
        .take(max.saturating_add(1).saturating_sub(buf.len() as u64))
        .read_to_end(&mut buf)?;
    if buf.len() as u64 > max {
        c.notice(format!(
            "{label}: {kind} entry {} skipped: over the file size limit ({max})",
            shown(name)
        ));
        return Ok(None);
    }
    Ok(Some(fit(buf)))
}

/// An entry whose declared size lied (zip) must not keep the address space
/// it reserved: thousands of such entries would otherwise each hold up to
/// the file size limit. An honest one has no slack and is not copied.
fn fit(mut buf: Vec<u8>) -> Vec<u8> {
    if buf.capacity() - buf.len() > buf.len() / 8 + HEAD as usize {
        buf.shrink_to_fit();
    }
    buf
}

/// Read a tar stream, keeping the entries worth scanning (nothing routed yet).
fn collect_tar<R: Read>(
    c: &mut Collector<'_>,
    reader: R,
    budget: &Rc<Budget>,
    label: &str,
    gz: Option<&Counter>,
) -> Result<Vec<(String, Data)>, ArtifactError> {
    let mut ar = tar::Archive::new(reader);
    let mut files = Vec::new();
    let mut next_offset = 0u64;
    let fail = |e: io::Error, place: String| {
        budget
            .take_hit()
            .unwrap_or_else(|| ArtifactError::Malformed {
                input: label.to_string(),
                format: "tar",
                place: match gz {
                    Some(cnt) => format!("{place} (compressed offset {})", cnt.get()),
                    None => place,
                },
                message: e.to_string(),
            })
    };
    let entries = ar.entries().map_err(|e| fail(e, "offset 0".into()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| fail(e, format!("offset {next_offset}")))?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let size = entry.size();
        next_offset = entry.raw_file_position() + size.div_ceil(512) * 512;
        let place = format!(
            "entry {} (offset {})",
            shown(&name),
            entry.raw_header_position()
        );
        budget.entry(label, &place)?;
        let et = entry.header().entry_type();
        if et.is_dir() || et.is_pax_global_extensions() || et.is_pax_local_extensions() {
            continue;
        }
        if is_traversal(&name) {
            c.notice(format!(
                "{label}: tar entry {} skipped: path traversal",
                shown(&name)
            ));
            continue;
        }
        if et.is_symlink() || et.is_hard_link() {
            c.notice(format!("{label}: tar entry {} skipped: link", shown(&name)));
            continue;
        }
        if !(et.is_file() || et.is_contiguous()) || is_skipped_name(&name) {
            continue;
        }
        if let Some(buf) =
            read_entry(c, label, "tar", &name, size, &mut entry).map_err(|e| fail(e, place))?
        {
            files.push((name, Data::from_vec(buf)));
        }
    }
    Ok(files)
}

fn read_zip(
    c: &mut Collector<'_>,
    chain: &[String],
    data: &Data,
    depth: usize,
    budget: &Rc<Budget>,
    label: &str,
) -> Result<(), ArtifactError> {
    let malformed = |place: String, message: String| ArtifactError::Malformed {
        input: label.to_string(),
        format: "zip",
        place,
        message,
    };
    let mut zipped = zip::ZipArchive::new(Cursor::new(data.bytes()))
        .map_err(|e| malformed("central directory".into(), e.to_string()))?;
    refuse_overlapping_entries(&mut zipped, label)?;
    let mut files = Vec::new();
    for i in 0..zipped.len() {
        budget.entry(label, &format!("zip entry #{i}"))?;
        let mut file = match zipped.by_index(i) {
            Ok(file) => file,
            Err(
                e @ (zip::result::ZipError::UnsupportedArchive(_)
                | zip::result::ZipError::CompressionMethodNotSupported(_)),
            ) => {
                c.notice(format!("{label}: zip entry #{i} skipped: {e}"));
                continue;
            }
            Err(e) => return Err(malformed(format!("entry #{i}"), e.to_string())),
        };
        let name = String::from_utf8_lossy(file.name_raw()).into_owned();
        let place = format!("entry {} (offset {})", shown(&name), file.header_start());
        if file.is_dir() {
            continue;
        }
        if file.enclosed_name().is_none() || is_traversal(&name) {
            c.notice(format!(
                "{label}: zip entry {} skipped: path traversal",
                shown(&name)
            ));
            continue;
        }
        if file.is_symlink() {
            c.notice(format!("{label}: zip entry {} skipped: link", shown(&name)));
            continue;
        }
        if is_skipped_name(&name) {
            continue;
        }
        let (size, compressed) = (file.size(), file.compressed_size());
        let reader = LimitedReader::new(
            &mut file,
            Rc::clone(budget),
            Some(Compressed::Fixed(compressed)),
            label.to_string(),
            place.clone(),
        );
        match read_entry(c, label, "zip", &name, size, reader) {
            Ok(Some(buf)) => files.push((name, Data::from_vec(buf))),
            Ok(None) => {}
            Err(e) => {
                return Err(budget
                    .take_hit()
                    .unwrap_or_else(|| malformed(place, e.to_string())));
            }
        }
    }
    route(c, chain, files, depth, budget)
}

/// Entries whose compressed data overlap share bytes: the "overlapping
/// files" zip bomb (one stored kernel referenced by thousands of entries)
/// multiplies its size that way without any compression ratio to notice.
/// No zip writer produces overlaps, so the archive is refused as malformed.
fn refuse_overlapping_entries(
    zipped: &mut zip::ZipArchive<Cursor<&[u8]>>,
    label: &str,
) -> Result<(), ArtifactError> {
    let mut spans: Vec<(u64, u64, usize)> = Vec::with_capacity(zipped.len());
    for i in 0..zipped.len() {
        let Ok(f) = zipped.by_index_raw(i) else {
            continue;
        };
        let start = f.header_start();
        let end = f
            .data_start()
            .unwrap_or(start)
            .saturating_add(f.compressed_size());
        spans.push((start, end, i));
    }
    spans.sort_unstable();
    for w in spans.windows(2) {
        let ((_, end, a), (start, _, b)) = (w[0], w[1]);
        if start < end {
            return Err(ArtifactError::Malformed {
                input: label.to_string(),
                format: "zip",
                place: format!("entries #{a} and #{b} (offset {start})"),
                message: "entries overlap (an overlapping-files zip bomb); refusing to read it"
                    .into(),
            });
        }
    }
    Ok(())
}

/// Hand buffered entries on, marking `bin` targets of each `package.json`.
fn route(
    c: &mut Collector<'_>,
    chain: &[String],
    files: Vec<(String, Data)>,
    depth: usize,
    budget: &Rc<Budget>,
) -> Result<(), ArtifactError> {
    let mut bins = HashSet::new();
    for (name, data) in &files {
        if let Some(dir) = package_json_dir(name) {
            bins.extend(bin_targets(data.bytes()).into_iter().map(|t| join(dir, &t)));
        }
    }
    for (name, data) in files {
        if package_json_dir(&name).is_some() {
            continue;
        }
        let hint = if bins.contains(&normalize(&name)) {
            Hint::Bin
        } else {
            Hint::Found
        };
        c.blob(chain, &name, data, hint, depth, Some(budget))?;
    }
    Ok(())
}

/// `Some(dir)` when `name` is a `package.json` (dir `""` at the root).
pub(crate) fn package_json_dir(name: &str) -> Option<&str> {
    if name == "package.json" {
        Some("")
    } else {
        name.strip_suffix("/package.json")
    }
}

/// Targets of a `package.json` `bin` field (a string or a name → path map);
/// anything unparsable gives none (it is someone else's finding, not ours).
pub(crate) fn bin_targets(json: &[u8]) -> Vec<String> {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(json) else {
        return Vec::new();
    };
    match v.get("bin") {
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        Some(serde_json::Value::Object(m)) => m
            .values()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

pub(crate) fn join(dir: &str, rel: &str) -> String {
    if dir.is_empty() {
        normalize(rel)
    } else {
        normalize(&format!("{dir}/{rel}"))
    }
}

/// `./a//b/../c` → `a/c`, for comparing `bin` targets with entry names.
pub(crate) fn normalize(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for part in p.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    out.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lying_declared_size_keeps_no_reservation() {
        let opts = crate::OpenOptions::default();
        let mut c = crate::input::Collector::new(&opts);
        let body = b"module.exports = 1;\n".repeat(100);
        // Declared 512 MiB, 2 000 bytes in the stream.
        let buf = read_entry(&mut c, "a.zip", "zip", "a.js", 512 << 20, &body[..])
            .unwrap()
            .unwrap();
        assert_eq!(buf, body);
        assert!(buf.capacity() < 64 << 10, "capacity {}", buf.capacity());
        // An honest size is read into one allocation of about that size.
        let big = b"module.exports = 2;\n".repeat(50_000);
        let buf = read_entry(&mut c, "a.zip", "zip", "a.js", big.len() as u64, &big[..])
            .unwrap()
            .unwrap();
        assert_eq!((buf.len(), buf.capacity()), (big.len(), big.len()));
    }

    #[test]
    fn traversal_names() {
        for bad in [
            "../x",
            "a/../../x",
            "/etc/passwd",
            "C:/x",
            "..\\x",
            "a\\..\\..\\b",
        ] {
            assert!(is_traversal(bad), "{bad}");
        }
        for ok in ["package/a..b.js", "package/..x", "a/b/c.js"] {
            assert!(!is_traversal(ok), "{ok}");
        }
    }

    #[test]
    fn bins_are_joined_and_normalized() {
        assert_eq!(bin_targets(br#"{"bin":"./cli"}"#), ["./cli"]);
        assert_eq!(
            bin_targets(br#"{"bin":{"a":"bin/a","b":"./b.js"}}"#),
            ["bin/a", "./b.js"]
        );
        assert!(bin_targets(b"{not json").is_empty());
        assert_eq!(join("package", "./bin//a"), "package/bin/a");
        assert_eq!(normalize("package/./x/../cli"), "package/cli");
        assert_eq!(package_json_dir("package/package.json"), Some("package"));
        assert_eq!(package_json_dir("package.json"), Some(""));
        assert_eq!(package_json_dir("x/notpackage.json"), None);
    }

    #[test]
    fn shown_escapes_controls() {
        assert_eq!(shown("a\u{1b}[2Kb\u{202e}"), "a\\u{1b}[2Kb\\u{202e}");
    }
}
