//! The `plainsight` command line: argument parsing, wiring and exit codes only.

fn main() {
    todo!("cli")
}
