//! Directory walk: an unpacked package or an install tree.
//!
//! Symlinks are never followed (a link can point anywhere, including in a
//! loop); `node_modules` is walked like anything else, because an agent's
//! bundled dependencies are part of what ships. `.git` is skipped: VCS
//! metadata is not shipped code. Each file's first bytes are sniffed, so
//! archives and executables are found whatever their names; `bin` entries of
//! every `package.json` mark extensionless scripts as JavaScript. Entries are
//! visited in sorted order so the output is stable.

use std::collections::HashSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::archive::{bin_targets, is_traversal, package_json_dir};
use crate::input::{
    Collector, Hint, Sniff, is_js_name, is_skipped_name, map_file, shebang_is_js, sniff,
};
use crate::{ArtifactError, Data};

pub(crate) fn walk(c: &mut Collector<'_>, root: &Path) -> Result<(), ArtifactError> {
    let mut files = Vec::new();
    collect(c, root, &mut files)?;
    files.sort();

    let mut bins = HashSet::new();
    for f in &files {
        let s = f.to_string_lossy();
        if let Some(dir) = package_json_dir(&s) {
            // A package.json we cannot read is simply not a source of bins.
            if let Ok(bytes) = fs::read(f) {
                bins.extend(
                    bin_targets(&bytes)
                        .into_iter()
                        .filter(|t| !is_traversal(t))
                        .map(|t| Path::new(dir).join(t)),
                );
            }
        }
    }
    let bins: HashSet<PathBuf> = bins.iter().map(|p| normalize(p)).collect();

    let max = c.opts.limits.max_file_size;
    for f in files {
        let display = f.to_string_lossy().into_owned();
        if is_skipped_name(&display) || package_json_dir(&display).is_some() {
            continue;
        }
        let io_err = |e| ArtifactError::Io {
            input: display.clone(),
            error: e,
        };
        let len = fs::symlink_metadata(&f).map_err(io_err)?.len();
        let is_bin = bins.contains(&normalize(&f));
        // Decide from the name first; only sniff files a name cannot settle.
        if !is_js_name(&display) && !is_bin {
            let mut head = [0u8; 512];
            let n = read_head(&f, &mut head).map_err(io_err)?;
            let head = &head[..n];
            if sniff(head) == Sniff::Text && shebang_is_js(head) != Some(true) {
                continue;
            }
        }
        if len > max {
            c.notice(format!(
                "{display}: skipped: {len} bytes is over the file size limit ({max})"
            ));
            continue;
        }
        let data = if len == 0 {
            Data::from_vec(Vec::new())
        } else {
            map_file(&f, &display)?
        };
        let hint = if is_bin { Hint::Bin } else { Hint::Found };
        c.blob(&[], &display, data, hint, 0, None)?;
    }
    Ok(())
}

fn collect(c: &mut Collector<'_>, dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ArtifactError> {
    let display = || dir.to_string_lossy().into_owned();
    let rd = fs::read_dir(dir).map_err(|e| ArtifactError::Io {
        input: display(),
        error: e,
    })?;
    for entry in rd {
        let entry = entry.map_err(|e| ArtifactError::Io {
            input: display(),
            error: e,
        })?;
        let path = entry.path();
        // `file_type` does not follow symlinks.
        let ft = entry.file_type().map_err(|e| ArtifactError::Io {
            input: path.to_string_lossy().into_owned(),
            error: e,
        })?;
        if ft.is_symlink() {
            c.notice(format!("{}: symlink not followed", path.to_string_lossy()));
        } else if ft.is_dir() {
            if entry.file_name() != ".git" {
                collect(c, &path, out)?;
            }
        } else if ft.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

fn read_head(p: &Path, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut f = fs::File::open(p)?;
    let mut n = 0;
    while n < buf.len() {
        let k = f.read(&mut buf[n..])?;
        if k == 0 {
            break;
        }
        n += k;
    }
    Ok(n)
}

/// Lexical normalisation (`a/./b/../c` → `a/c`): bins are compared by path,
/// never resolved through the file system.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for comp in p.components() {
        match comp {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::{OpenOptions, UnitKind, open};

    #[test]
    fn walks_by_content_without_following_links() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        std::fs::create_dir_all(root.join("pkg/bin")).unwrap();
        std::fs::create_dir_all(root.join("pkg/node_modules/dep")).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::write(
            root.join("pkg/package.json"),
            r#"{"name":"x","bin":{"x":"./bin/x"}}"#,
        )
        .unwrap();
        std::fs::write(root.join("pkg/bin/x"), "require('../lib.js')\n").unwrap();
        std::fs::write(root.join("pkg/lib.js"), "module.exports = 1;\n").unwrap();
        std::fs::write(root.join("pkg/lib.js.map"), "{}").unwrap();
        std::fs::write(root.join("pkg/run"), "#!/usr/bin/env node\n1\n").unwrap();
        std::fs::write(root.join("pkg/setup.sh"), "#!/bin/sh\n").unwrap();
        std::fs::write(root.join("pkg/README"), "text\n").unwrap();
        std::fs::write(root.join("pkg/node_modules/dep/i.mjs"), "export {}\n").unwrap();
        std::fs::write(root.join(".git/hook.js"), "x\n").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("/etc", root.join("pkg/link")).unwrap();

        let a = open(root.to_str().unwrap(), &OpenOptions::default()).unwrap();
        let mut names: Vec<String> = a
            .units
            .iter()
            .map(|u| {
                assert_eq!(u.kind, UnitKind::JavaScript);
                u.path
                    .strip_prefix(root.to_str().unwrap())
                    .unwrap()
                    .to_string()
            })
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "/pkg/bin/x",
                "/pkg/lib.js",
                "/pkg/node_modules/dep/i.mjs",
                "/pkg/run"
            ]
        );
        #[cfg(unix)]
        assert!(
            a.notices
                .iter()
                .any(|n| n.ends_with("pkg/link: symlink not followed")),
            "{:?}",
            a.notices
        );
    }
}
