//! Subresource Integrity strings (`sha512-<base64>`), as npm's
//! `dist.integrity` carries them. Tarballs are checked against them before a
//! byte is parsed, and the cache is keyed by them.
//!
//! An SRI string may list several hashes separated by spaces; the strongest
//! supported one is used (sha512 > sha384 > sha256), as the SRI spec says.
//! Legacy `shasum` (sha1) is not accepted: it no longer proves anything.

use base64::Engine;
use sha2::Digest;

/// One parsed SRI hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Integrity {
    pub algorithm: Algorithm,
    pub digest: Vec<u8>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Algorithm {
    Sha256,
    Sha384,
    Sha512,
}

impl Algorithm {
    fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha384 => "sha384",
            Algorithm::Sha512 => "sha512",
        }
    }

    fn digest(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Algorithm::Sha256 => sha2::Sha256::digest(bytes).to_vec(),
            Algorithm::Sha384 => sha2::Sha384::digest(bytes).to_vec(),
            Algorithm::Sha512 => sha2::Sha512::digest(bytes).to_vec(),
        }
    }
}

impl Integrity {
    /// The strongest supported hash in an SRI string; `None` if there is none.
    pub fn parse(sri: &str) -> Option<Integrity> {
        sri.split_whitespace()
            .filter_map(|tok| {
                let (alg, rest) = tok.split_once('-')?;
                let algorithm = match alg {
                    "sha256" => Algorithm::Sha256,
                    "sha384" => Algorithm::Sha384,
                    "sha512" => Algorithm::Sha512,
                    _ => return None,
                };
                // SRI allows `?options` after the digest.
                let b64 = rest.split('?').next().unwrap_or(rest);
                let digest = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
                (digest.len() == algorithm.digest(b"").len())
                    .then_some(Integrity { algorithm, digest })
            })
            .max_by_key(|i| i.algorithm)
    }

    /// The SRI string of `bytes` under this hash's algorithm.
    #[must_use]
    pub fn of(&self, bytes: &[u8]) -> Integrity {
        Integrity {
            algorithm: self.algorithm,
            digest: self.algorithm.digest(bytes),
        }
    }

    pub fn matches(&self, bytes: &[u8]) -> bool {
        self.algorithm.digest(bytes) == self.digest
    }

    /// An incremental hasher under this hash's algorithm, for bytes that
    /// are checked as they arrive.
    pub fn hasher(&self) -> Hasher {
        Hasher(match self.algorithm {
            Algorithm::Sha256 => State::Sha256(sha2::Sha256::new()),
            Algorithm::Sha384 => State::Sha384(sha2::Sha384::new()),
            Algorithm::Sha512 => State::Sha512(sha2::Sha512::new()),
        })
    }

    /// A file-name-safe key: `sha512-<hex>`.
    pub fn cache_key(&self) -> String {
        format!("{}-{}", self.algorithm.name(), hex(&self.digest))
    }
}

/// Hashes bytes fed in pieces; [`Hasher::finish`] gives their [`Integrity`].
#[derive(Clone)]
pub struct Hasher(State);

#[derive(Clone)]
enum State {
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

impl Hasher {
    pub fn update(&mut self, bytes: &[u8]) {
        match &mut self.0 {
            State::Sha256(h) => h.update(bytes),
            State::Sha384(h) => h.update(bytes),
            State::Sha512(h) => h.update(bytes),
        }
    }

    pub fn finish(self) -> Integrity {
        match self.0 {
            State::Sha256(h) => Integrity {
                algorithm: Algorithm::Sha256,
                digest: h.finalize().to_vec(),
            },
            State::Sha384(h) => Integrity {
                algorithm: Algorithm::Sha384,
                digest: h.finalize().to_vec(),
            },
            State::Sha512(h) => Integrity {
                algorithm: Algorithm::Sha512,
                digest: h.finalize().to_vec(),
            },
        }
    }
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hasher")
    }
}

impl std::fmt::Display for Integrity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}-{}",
            self.algorithm.name(),
            base64::engine::general_purpose::STANDARD.encode(&self.digest)
        )
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_mismatch() {
        let data = b"tarball bytes";
        let sri = format!(
            "sha512-{}",
            base64::engine::general_purpose::STANDARD.encode(sha2::Sha512::digest(data))
        );
        let i = Integrity::parse(&sri).unwrap();
        assert!(i.matches(data));
        assert!(!i.matches(b"tarball bytez"));
        assert_eq!(i.to_string(), sri);
        assert_eq!(i.of(data), i);
        // Fed in pieces, the same digest.
        let mut h = i.hasher();
        h.update(b"tarball ");
        h.update(b"bytes");
        assert_eq!(h.finish(), i);
        assert!(i.cache_key().starts_with("sha512-") && i.cache_key().len() == 7 + 128);
    }

    #[test]
    fn strongest_wins_and_junk_is_rejected() {
        let d = b"x";
        let e = &base64::engine::general_purpose::STANDARD;
        let sri = format!(
            "sha256-{} sha512-{}",
            e.encode(sha2::Sha256::digest(d)),
            e.encode(sha2::Sha512::digest(d))
        );
        assert_eq!(Integrity::parse(&sri).unwrap().algorithm, Algorithm::Sha512);
        assert_eq!(Integrity::parse("sha1-abcd"), None);
        assert_eq!(Integrity::parse("sha512-!!!"), None);
        // Right algorithm, wrong length.
        assert_eq!(
            Integrity::parse(&format!("sha512-{}", e.encode([0u8; 32]))),
            None
        );
    }
}
