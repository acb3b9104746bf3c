//! Laying a verified npm tarball out on disk, for `probe` to run it. Nothing
//! of the package runs here (no lifecycle scripts); entries that would land
//! outside the destination, links and special files are skipped and named.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use crate::{ArtifactError, Limits};

/// Unpacks `tgz` (an npm tarball: one top directory, usually `package/`)
/// into `dest`, stripping that top directory. Returns notices for what was
/// skipped.
pub fn unpack_npm(
    name: &str,
    tgz: &[u8],
    dest: &Path,
    limits: &Limits,
) -> Result<Vec<String>, ArtifactError> {
    let io = |e: std::io::Error| ArtifactError::Io {
        input: dest.display().to_string(),
        error: e,
    };
    let gz = flate2::read::GzDecoder::new(tgz);
    let mut ar = tar::Archive::new(gz);
    let mut total: u64 = 0;
    let mut count = 0usize;
    let mut notices = Vec::new();
    for entry in ar.entries().map_err(io)? {
        let mut entry = entry.map_err(io)?;
        count += 1;
        if count > limits.max_entries {
            return Err(ArtifactError::Limit {
                input: name.to_owned(),
                place: "tar entries".into(),
                what: "entry count",
                value: count as u64,
                limit: limits.max_entries as u64,
            });
        }
        let path = entry.path().map_err(io)?.into_owned();
        let Some(rel) = strip_top(&path) else {
            notices.push(format!(
                "{name}: tar entry {} skipped: path outside the package",
                path.display()
            ));
            continue;
        };
        let kind = entry.header().entry_type();
        let out = dest.join(&rel);
        if kind.is_dir() {
            std::fs::create_dir_all(&out).map_err(io)?;
            continue;
        }
        if !kind.is_file() {
            notices.push(format!(
                "{name}: tar entry {} skipped: not a regular file",
                path.display()
            ));
            continue;
        }
        let size = entry.size();
        total += size;
        if total > limits.max_total_uncompressed {
            return Err(ArtifactError::Limit {
                input: name.to_owned(),
                place: format!("tar entry {}", path.display()),
                what: "total uncompressed size",
                value: total,
                limit: limits.max_total_uncompressed,
            });
        }
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let mut buf = Vec::with_capacity(size as usize);
        (&mut entry).take(size).read_to_end(&mut buf).map_err(io)?;
        std::fs::write(&out, &buf).map_err(io)?;
        let mode = entry.header().mode().unwrap_or(0o644);
        {
            use std::os::unix::fs::PermissionsExt as _;
            let m = if mode & 0o111 != 0 { 0o755 } else { 0o644 };
            std::fs::set_permissions(&out, std::fs::Permissions::from_mode(m)).map_err(io)?;
        }
    }
    Ok(notices)
}

/// `package/lib/x.js` → `lib/x.js`; `None` for anything that escapes.
fn strip_top(p: &Path) -> Option<PathBuf> {
    let mut comps = p.components();
    match comps.next()? {
        Component::Normal(_) => {}
        _ => return None,
    }
    let mut out = PathBuf::new();
    for c in comps {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir => {}
            _ => return None,
        }
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tgz(entries: &[(&str, &[u8], u32)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data, mode) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(*mode);
            h.set_entry_type(tar::EntryType::Regular);
            // Written raw so traversal names reach the reader unmodified.
            let raw = h.as_old_mut();
            raw.name[..name.len()].copy_from_slice(name.as_bytes());
            h.set_cksum();
            b.append(&h, *data).unwrap();
        }
        let tar = b.into_inner().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &tar).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn unpacks_and_refuses_traversal() {
        use std::os::unix::fs::PermissionsExt as _;
        let d = tempfile::tempdir().unwrap();
        let t = tgz(&[
            ("package/cli.js", b"console.log(1)", 0o755),
            ("package/lib/a.js", b"x", 0o644),
            ("package/../../evil.js", b"bad", 0o644),
        ]);
        let notes = unpack_npm("t.tgz", &t, d.path(), &Limits::default()).unwrap();
        assert_eq!(
            std::fs::read(d.path().join("cli.js")).unwrap(),
            b"console.log(1)"
        );
        assert!(d.path().join("lib/a.js").exists());
        assert!(!d.path().parent().unwrap().join("evil.js").exists());
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert_eq!(
            std::fs::metadata(d.path().join("cli.js"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o755
        );
    }

    #[test]
    fn total_size_is_limited() {
        let d = tempfile::tempdir().unwrap();
        let big = vec![b'a'; 10_000];
        let t = tgz(&[("package/a", &big, 0o644), ("package/b", &big, 0o644)]);
        let limits = Limits {
            max_total_uncompressed: 15_000,
            ..Limits::default()
        };
        assert!(matches!(
            unpack_npm("t.tgz", &t, d.path(), &limits),
            Err(ArtifactError::Limit { .. })
        ));
    }
}
