//! Pretty JSON whose strings never carry a hidden character raw.
//!
//! JSON and SARIF output must keep the exact data (consumers need the real code
//! points), but it is also read in terminals and viewers. serde_json escapes
//! only `"`, `\` and C0 controls; this formatter additionally writes every
//! character of [`chars::is_hidden`] (bidi controls, tags, zero-width
//! characters, unusual spaces, C1 controls…) as a `\uXXXX` escape. After parsing,
//! the value is identical; on screen, nothing is hidden.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter, Serializer};

use crate::chars;

/// Serialize `value` as pretty JSON with hidden characters escaped, plus a newline.
pub fn write_pretty<T: Serialize + ?Sized>(value: &T, out: &mut dyn Write) -> io::Result<()> {
    let mut ser = Serializer::with_formatter(&mut *out, SafeFormatter(PrettyFormatter::new()));
    value.serialize(&mut ser).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

struct SafeFormatter<'a>(PrettyFormatter<'a>);

impl Formatter for SafeFormatter<'_> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some((i, c)) = rest.char_indices().find(|&(_, c)| chars::is_hidden(c)) {
            w.write_all(&rest.as_bytes()[..i])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(w, "\\u{unit:04x}")?;
            }
            rest = &rest[i + c.len_utf8()..];
        }
        w.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_hidden_and_round_trips() {
        let value = serde_json::json!({ "a\u{202E}": ["x\u{E0041}y", "’ é 中 😀", "nbsp\u{A0}"] });
        let mut out = Vec::new();
        write_pretty(&value, &mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(!s.chars().any(|c| c != '\n' && chars::is_hidden(c)), "{s}");
        assert!(
            s.contains("\\u202e") && s.contains("\\udb40\\udc41") && s.contains("\\u00a0"),
            "{s}"
        );
        assert!(
            s.contains("’ é 中 😀"),
            "visible non-ASCII stays as is: {s}"
        );
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, value);
    }
}
