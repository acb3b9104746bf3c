//! Download cache.
//!
//! - **Tarballs** are stored under `tarballs/<algorithm>-<hex digest>.tgz`,
//!   keyed by their integrity: content-addressed, so a hit is the same bytes
//!   whatever registry served them, and a hit is re-verified before use (a
//!   corrupted entry is dropped and fetched again).
//! - **Exact versions' metadata** (`versions/<hash of registry, name,
//!   version>.json`) is cached too: a published npm version is immutable, so
//!   `npm:x@1.2.3` a second time makes no request at all. Tags (`latest`) move
//!   and are always asked for.
//!
//! Writes go to a temporary file in the same directory and are renamed into
//! place, so a concurrent reader never sees half a file. A cache that cannot
//! be written is not an error for the scan; callers turn it into a notice.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::Digest;

use crate::integrity::Integrity;
use crate::{ArtifactError, Data};

#[derive(Clone, Debug)]
pub struct Cache {
    root: PathBuf,
}

impl Cache {
    pub fn new(root: PathBuf) -> Cache {
        Cache { root }
    }

    /// `$XDG_CACHE_HOME/plainsight`, else `~/.cache/plainsight` (or
    /// `%LOCALAPPDATA%\plainsight` on Windows).
    pub fn default_dir() -> Option<PathBuf> {
        let env = |k| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        env("XDG_CACHE_HOME")
            .or_else(|| env("HOME").map(|h| h.join(".cache")))
            .or_else(|| env("LOCALAPPDATA"))
            .map(|d| d.join("plainsight"))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn tarball_path(&self, integrity: &Integrity) -> PathBuf {
        self.root
            .join("tarballs")
            .join(format!("{}.tgz", integrity.cache_key()))
    }

    /// A cached tarball, verified against `integrity` (mapped, not copied).
    pub fn tarball(&self, integrity: &Integrity) -> Option<Data> {
        let path = self.tarball_path(integrity);
        let data = crate::input::map_file(&path, &path.to_string_lossy()).ok()?;
        if integrity.matches(data.bytes()) {
            Some(data)
        } else {
            drop(data);
            // Corrupt entry: forget it so the next fetch can replace it.
            let _ = fs::remove_file(&path);
            None
        }
    }

    pub fn put_tarball(&self, integrity: &Integrity, bytes: &[u8]) -> Result<(), ArtifactError> {
        write_atomic(&self.tarball_path(integrity), bytes)
    }

    /// A writer for a tarball that is being downloaded: bytes go to a
    /// temporary file, which [`TarballWriter::commit`] renames into place
    /// once the caller has verified them (dropped uncommitted, it is removed).
    pub fn tarball_writer(&self, integrity: &Integrity) -> Result<TarballWriter, ArtifactError> {
        let path = self.tarball_path(integrity);
        let err = |e| ArtifactError::Cache {
            path: path.clone(),
            error: e,
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir).map_err(err)?;
        let tmp = temp_name(&path);
        let file = fs::File::create(&tmp).map_err(|e| ArtifactError::Cache {
            path: tmp.clone(),
            error: e,
        })?;
        Ok(TarballWriter {
            file: Some(std::io::BufWriter::with_capacity(1 << 20, file)),
            tmp,
            path,
        })
    }

    fn version_path(&self, registry: &str, name: &str, version: &str) -> PathBuf {
        let key = sha2::Sha256::digest(format!("{registry}\0{name}\0{version}").as_bytes());
        self.root
            .join("versions")
            .join(format!("{}.json", crate::integrity::hex(&key)))
    }

    /// Cached metadata of an exact version from one registry.
    pub fn version(&self, registry: &str, name: &str, version: &str) -> Option<serde_json::Value> {
        let bytes = fs::read(self.version_path(registry, name, version)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    pub fn put_version(
        &self,
        registry: &str,
        name: &str,
        version: &str,
        meta: &serde_json::Value,
    ) -> Result<(), ArtifactError> {
        let bytes = serde_json::to_vec(meta).unwrap_or_default();
        write_atomic(&self.version_path(registry, name, version), &bytes)
    }
}

/// A tarball written while it downloads (see [`Cache::tarball_writer`]).
#[derive(Debug)]
pub struct TarballWriter {
    file: Option<std::io::BufWriter<fs::File>>,
    tmp: PathBuf,
    path: PathBuf,
}

impl TarballWriter {
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), ArtifactError> {
        let Some(f) = &mut self.file else {
            return Ok(());
        };
        f.write_all(bytes).map_err(|e| ArtifactError::Cache {
            path: self.tmp.clone(),
            error: e,
        })
    }

    /// Flush, sync and rename into place: call only for verified bytes.
    pub fn commit(mut self) -> Result<(), ArtifactError> {
        let err = |p: &Path, e| ArtifactError::Cache {
            path: p.to_path_buf(),
            error: e,
        };
        if let Some(f) = self.file.take() {
            let f = f.into_inner().map_err(|e| err(&self.tmp, e.into_error()))?;
            f.sync_all().map_err(|e| err(&self.tmp, e))?;
        }
        fs::rename(&self.tmp, &self.path).map_err(|e| err(&self.path, e))
    }
}

impl Drop for TarballWriter {
    fn drop(&mut self) {
        if self.file.is_some() || self.tmp.exists() {
            self.file = None;
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// A temporary name beside `path`, unique per process and call.
fn temp_name(path: &Path) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = path.parent().unwrap_or(Path::new("."));
    dir.join(format!(
        ".{}.{}.{n}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ))
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ArtifactError> {
    let err = |e| ArtifactError::Cache {
        path: path.to_path_buf(),
        error: e,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(err)?;
    let tmp = temp_name(path);
    let mut f = fs::File::create(&tmp).map_err(err)?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(err)?;
    drop(f);
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        err(e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn sri(b: &[u8]) -> Integrity {
        let s = format!(
            "sha512-{}",
            base64::engine::general_purpose::STANDARD.encode(sha2::Sha512::digest(b))
        );
        Integrity::parse(&s).unwrap()
    }

    #[test]
    fn tarballs_by_integrity_and_corruption_is_dropped() {
        let t = tempfile::tempdir().unwrap();
        let cache = Cache::new(t.path().to_path_buf());
        let i = sri(b"abc");
        assert!(cache.tarball(&i).is_none());
        cache.put_tarball(&i, b"abc").unwrap();
        assert_eq!(cache.tarball(&i).unwrap().bytes(), b"abc");
        // Same key, other bytes (disk corruption): not served, and removed.
        fs::write(cache.tarball_path(&i), b"abd").unwrap();
        assert!(cache.tarball(&i).is_none());
        assert!(!cache.tarball_path(&i).exists());
    }

    #[test]
    fn streamed_tarballs_appear_only_when_committed() {
        let t = tempfile::tempdir().unwrap();
        let cache = Cache::new(t.path().to_path_buf());
        let i = sri(b"abcdef");
        let mut w = cache.tarball_writer(&i).unwrap();
        w.write(b"abc").unwrap();
        assert!(cache.tarball(&i).is_none());
        drop(w);
        // Dropped uncommitted: nothing left behind, not even the temp file.
        assert_eq!(fs::read_dir(t.path().join("tarballs")).unwrap().count(), 0);
        let mut w = cache.tarball_writer(&i).unwrap();
        w.write(b"abc").unwrap();
        w.write(b"def").unwrap();
        w.commit().unwrap();
        assert_eq!(cache.tarball(&i).unwrap().bytes(), b"abcdef");
        assert_eq!(fs::read_dir(t.path().join("tarballs")).unwrap().count(), 1);
    }

    #[test]
    fn versions_are_per_registry() {
        let t = tempfile::tempdir().unwrap();
        let cache = Cache::new(t.path().to_path_buf());
        let v = serde_json::json!({"version": "1.0.0"});
        cache.put_version("http://a/", "x", "1.0.0", &v).unwrap();
        assert_eq!(cache.version("http://a/", "x", "1.0.0"), Some(v));
        assert_eq!(cache.version("http://b/", "x", "1.0.0"), None);
    }
}
