//! The sandbox helper, for the crate's own tests (the `plainsight` binary
//! dispatches the same entry points from its `main`).

fn main() -> std::process::ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    match plainsight_probe::sandbox::dispatch(&args) {
        Some(code) => std::process::ExitCode::from(code.clamp(0, 255) as u8),
        None => std::process::ExitCode::from(2),
    }
}
