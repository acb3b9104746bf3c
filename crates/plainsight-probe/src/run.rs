//! The parent side of one sandboxed run: write the cell's spec, start the
//! helper (a re-execution of the binary), read what it recorded.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::sandbox::HELPER_ARG;
use crate::spec::{CellSpec, RunResult, SandboxFailure};

/// How to start the helper: the executable whose `main` calls
/// [`crate::sandbox::dispatch`] first.
#[derive(Clone, Debug)]
pub struct Helper {
    pub exe: PathBuf,
}

impl Helper {
    /// The running executable (the `plainsight` binary).
    pub fn current() -> std::io::Result<Helper> {
        Ok(Helper {
            exe: std::env::current_exe()?,
        })
    }
}

/// Runs one cell in its own sandbox; `work` is a private directory for the
/// spec and the result. Blocks until the helper is done (its own time limit
/// plus a margin bounds this).
pub fn run_cell(helper: &Helper, spec: &CellSpec, work: &Path) -> RunResult {
    let spec_path = work.join("spec.json");
    let result_path = work.join("result.json");
    let failed = |step: &str, message: String| RunResult {
        error: Some(SandboxFailure {
            step: step.to_owned(),
            message,
            refused: false,
        }),
        ..RunResult::default()
    };
    let json = match serde_json::to_vec(spec) {
        Ok(j) => j,
        Err(e) => return failed("write cell spec", e.to_string()),
    };
    if let Err(e) = std::fs::write(&spec_path, json) {
        return failed("write cell spec", format!("{}: {e}", spec_path.display()));
    }
    let status = Command::new(&helper.exe)
        .arg(HELPER_ARG)
        .arg(&spec_path)
        .arg(&result_path)
        .env_clear()
        .env(
            "PATH",
            std::env::var_os("PATH").unwrap_or_else(|| "/usr/sbin:/usr/bin:/sbin:/bin".into()),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output();
    let out = match status {
        Ok(o) => o,
        Err(e) => {
            return failed(
                "start the sandbox helper",
                format!("{}: {e}", helper.exe.display()),
            );
        }
    };
    match std::fs::read(&result_path) {
        Ok(b) => match serde_json::from_slice::<RunResult>(&b) {
            Ok(r) => r,
            Err(e) => failed("read the sandbox result", e.to_string()),
        },
        Err(e) => failed(
            "read the sandbox result",
            format!(
                "{e} (helper exited with {}: {})",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        ),
    }
}
