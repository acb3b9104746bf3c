//! `--format sarif`: SARIF 2.1.0. (Being written.)

use std::io::{self, Write};

use crate::finding::Report;

pub fn render(_report: &Report, _out: &mut dyn Write) -> io::Result<()> {
    todo!("sarif renderer")
}
