//! Human-readable output. (Being written.)

use std::io::{self, Write};

use super::TextOptions;
use crate::finding::Report;

pub fn render(_report: &Report, _opts: TextOptions, _out: &mut dyn Write) -> io::Result<()> {
    todo!("text renderer")
}
