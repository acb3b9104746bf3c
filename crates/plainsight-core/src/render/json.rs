//! `--format json`: the report model serialised as is (hidden characters as
//! `\uXXXX` escapes, see `safe_json`).

use std::io::{self, Write};

use crate::finding::Report;

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    super::safe_json::write_pretty(report, out)
}
