//! Executables: find the JavaScript that Bun, Node SEA and `deno compile`
//! executables embed, or take a strings inventory of other native programs.
//! (Being written: readers land one by one.)

use thiserror::Error;

use crate::{Data, Limits, Unit};

/// What kind of executable was recognised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExeFormat {
    /// `bun build --compile`; `layout` names the module-graph layout parsed.
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
    /// How the contents were found, e.g. "Bun graph (trailer at 0x…, 14 modules)".
    pub path_taken: String,
    /// JS modules (chain `[name]`; callers prepend their own outer chain), or
    /// one `Native` unit for a strings inventory.
    pub units: Vec<Unit>,
    pub notes: Vec<String>,
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

/// `None` when `data` is not an ELF, PE or Mach-O executable.
pub fn detect(name: &str, data: &Data, limits: &Limits) -> Option<Result<ExeContents, ExeError>> {
    let _ = (name, limits);
    let b = data.bytes();
    let os = if b.starts_with(b"\x7fELF") {
        "linux"
    } else if b.starts_with(b"MZ") {
        "windows"
    } else if b.len() >= 4
        && matches!(
            u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            0xfeed_facf | 0xfeed_face | 0xcafe_babe
        )
    {
        "macos"
    } else {
        return None;
    };
    Some(Ok(ExeContents {
        format: ExeFormat::Native { os },
        path_taken: "strings inventory".into(),
        units: vec![Unit {
            chain: vec![name.to_string()],
            path: name.to_string(),
            kind: crate::UnitKind::Native,
            data: data.clone(),
        }],
        notes: Vec::new(),
    }))
}
