//! `--format github`: GitHub Actions workflow commands, one line per finding,
//! which the Actions runner turns into annotations on the pull request.
//!
//! Design decisions:
//! - Level by severity: critical/high → `error`, medium → `warning`,
//!   low/info → `notice`.
//! - `file=` is the innermost path that exists on disk: the path itself for a
//!   plain file (with `line`/`col`/`endLine`/`endColumn`), the outermost
//!   container for a finding inside an archive or executable (no line: the
//!   position is inside the container), none for an `npm:` package. The full
//!   chain then goes into the message, so nothing is lost.
//! - Everything from the input is escaped twice: first hidden characters are
//!   made visible ([`escape`], as in the text renderer), and the code points
//!   involved are named, since a look-alike printed as itself shows nothing;
//!   then GitHub's own escaping (data: `%` `\r` `\n`; properties additionally
//!   `:` and `,`), so input cannot end the command or inject another one.
//! - Every unit not analysed completely is an `::error` (whatever the
//!   severity threshold): a reviewer must see what was not looked at.
//! - In a version diff `Report::findings` holds the appeared findings only, so
//!   only new findings are annotated.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::chars::escape;
use crate::finding::{Finding, Report, Severity};

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut s = String::new();
    for f in &report.findings {
        line(f, &mut s);
    }
    for u in report.incomplete() {
        for r in &u.reasons {
            let title = format!(
                "plainsight: {}{} ({})",
                if u.baseline { "baseline " } else { "" },
                u.status.as_str().replace('-', " "),
                r.kind
            );
            let _ = writeln!(
                s,
                "::error title={}::{}",
                property(&title),
                data(&escape(&r.message))
            );
        }
    }
    out.write_all(s.as_bytes())
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "notice",
    }
}

fn line(f: &Finding, s: &mut String) {
    let loc = &f.location;
    let mut props: Vec<String> = Vec::new();
    match loc.chain.first() {
        None => {
            props.push(format!("file={}", property(&escape(&loc.path))));
            if loc.start.line >= 1 {
                let col = loc.start.column.max(1);
                props.push(format!("line={}", loc.start.line));
                props.push(format!("col={col}"));
                if loc.end.line >= loc.start.line {
                    props.push(format!("endLine={}", loc.end.line));
                    let end_col = if loc.end.line == loc.start.line {
                        loc.end.column.max(col)
                    } else {
                        loc.end.column.max(1)
                    };
                    props.push(format!("endColumn={end_col}"));
                }
            }
        }
        Some(outer) if !outer.starts_with("npm:") => {
            props.push(format!("file={}", property(&escape(outer))));
        }
        Some(_) => {}
    }
    props.push(format!(
        "title={}",
        property(&format!("{} {}", f.rule.code(), f.rule.name()))
    ));
    let mut message = escape(&f.message);
    if f.confidence != crate::finding::Confidence::High {
        let _ = write!(message, " ({} confidence)", f.confidence);
    }
    if !f.chars.is_empty() {
        let names: Vec<String> = f
            .chars
            .iter()
            .map(|c| format!("{} {}", c.codepoint, c.name))
            .collect();
        let _ = write!(message, " [{}]", names.join(", "));
    }
    if let Some(d) = &f.decoded {
        let _ = write!(message, " decoded: {}", escape(d));
    }
    if !loc.chain.is_empty() {
        let _ = write!(message, " at {}", escape(&loc.display_chain()));
    }
    let _ = writeln!(
        s,
        "::{} {}::{}",
        level(f.severity),
        props.join(","),
        data(&message)
    );
}

/// GitHub's escaping of a command's message.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// GitHub's escaping of a command property value.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Rule;
    use crate::finding::{CharNote, Confidence, Location, Position};

    fn pos(line: u32, column: u32) -> Position {
        Position {
            offset: 0,
            line,
            column,
        }
    }

    fn render_str(report: &Report) -> String {
        let mut out = Vec::new();
        render(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn snapshot() {
        let mut covert = Finding::new(
            Rule::CovertLookAlike,
            "U+0027 / U+2019 chosen by `process.env.TZ`",
            Location {
                chain: vec!["npm:@s/agent@2.1.0".into(), "package/bin/agent".into()],
                path: "/$bunfs/root/cli.js".into(),
                start: pos(1, 423_512),
                end: pos(1, 423_530),
                ..Location::default()
            },
        );
        covert.chars = vec![CharNote::new('\'', 1), CharNote::new('\u{2019}', 1)];
        let mut decoded = Finding::new(
            Rule::DecodedString,
            "100% odd,\r\nname: a\u{200B}b",
            Location {
                path: "src/a,b:c.js".into(),
                start: pos(3, 7),
                end: pos(3, 20),
                ..Location::default()
            },
        );
        decoded.decoded = Some("a.example, b.example".into());
        decoded.confidence = Confidence::Medium;
        let mut low = Finding::new(
            Rule::EnvPlatform,
            "reads platform",
            Location {
                chain: vec!["dist/pkg.tgz".into()],
                path: "package/cli.js".into(),
                start: pos(2, 1),
                end: pos(2, 5),
                ..Location::default()
            },
        );
        low.severity = Severity::Low;
        let report = Report {
            findings: vec![covert, decoded, low],
            units: vec![crate::UnitOutcome::not_analysed(
                Vec::new(),
                "x.js",
                crate::Incomplete::new(crate::IncompleteKind::Syntax, "x.js:1:2: unexpected token"),
            )],
            ..Report::default()
        };
        let expected = concat!(
            "::error title=PS101 covert-lookalike-choice::U+0027 / U+2019 chosen by `process.env.TZ` [U+0027 APOSTROPHE, U+2019 RIGHT SINGLE QUOTATION MARK] at npm:@s/agent@2.1.0 › package/bin/agent › /$bunfs/root/cli.js:1:423512\n",
            "::warning file=src/a%2Cb%3Ac.js,line=3,col=7,endLine=3,endColumn=20,title=PS201 decoded-string::100%25 odd,⟨U+000D CARRIAGE RETURN⟩⟨U+000A LINE FEED⟩name: a⟨U+200B ZERO WIDTH SPACE⟩b (medium confidence) decoded: a.example, b.example\n",
            "::notice file=dist/pkg.tgz,title=PS304 env-platform::reads platform at dist/pkg.tgz › package/cli.js:2:1\n",
            "::error title=plainsight%3A not analysed (syntax)::x.js:1:2: unexpected token\n",
        );
        assert_eq!(render_str(&report), expected);
    }

    #[test]
    fn escaping() {
        assert_eq!(data("a%b\r\nc"), "a%25b%0D%0Ac");
        assert_eq!(property("a:b,c%"), "a%3Ab%2Cc%25");
        // Every line is one command: no raw line break survives.
        let f = Finding::new(Rule::DecodedString, "x\ny", Location::default());
        let out = render_str(&Report {
            findings: vec![f],
            ..Report::default()
        });
        assert_eq!(out.lines().count(), 1);
    }
}
