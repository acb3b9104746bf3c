//! Version diffs: what APPEARED and DISAPPEARED between a baseline scan and a
//! new one (`plainsight scan <new> --baseline <old>`).
//!
//! Design decisions:
//! - **Findings are matched by meaning, not by place.** Every build of a
//!   minified bundle moves code around and renames locals, so line, column,
//!   byte offset and short minified identifiers say nothing about whether a
//!   finding is new. The [`meaning_key`] is the rule code, the module's file
//!   name (`cli.js`; a bundler's content hash left out, `chunk-6jepyz5x.js`
//!   → `chunk-#.js`, see [`module_identity`]), the message with numbers (positions, counts like "3
//!   read sites") and short backticked identifiers canonicalised, the
//!   decoded value, and the code points involved. What stays: the
//!   environment source (`process.env.TZ`), endpoint origins, decoded
//!   strings, the look-alike alternatives, which module it is in.
//! - **Packaging is not meaning.** Containers and directories are dropped
//!   from the location: the same bundle ships as `package/cli.js` in an npm
//!   tarball at one version and as `/$bunfs/root/src/entrypoints/cli.js`
//!   inside a platform package's Bun executable at the next
//!   (`@scope/agent` → `@scope/agent-linux-x64`); inputs are named
//!   differently on each side (`v1/pkg`, `v2/pkg`; a file that is itself an
//!   input has no module name, see [`meaning_key_in`]). A version diff and the
//!   `history` timeline must see one capability across such a switch. The
//!   file name keeps modules apart (`cli.js` vs `worker.js`); two files of
//!   the same name in different directories count as a multiset.
//! - **Multiset semantics.** A key found twice in the new scan and once in the
//!   baseline counts one appeared finding (the last one, in report order).
//! - **Report shape.** [`apply`] leaves the APPEARED findings in
//!   `Report::findings` (so exit codes, `--format github` annotations and
//!   every renderer that knows nothing of diffs follow the new findings only)
//!   and puts the disappeared and unchanged ones in `Report::baseline`.
//!   JSON: `{"findings": [appeared…], "baseline": {"inputs", "disappeared",
//!   "unchanged"}}`; SARIF: `baselineState` new / unchanged / absent; text:
//!   a verdict on what appeared, then the appeared findings, then what
//!   disappeared (`render/text.rs`).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::finding::{Finding, Report};

/// The baseline side of a diff (see the module docs for the report shape).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    /// The baseline inputs as named on the command line.
    pub inputs: Vec<String>,
    /// Findings of the baseline with no counterpart in the new scan.
    pub disappeared: Vec<Finding>,
    /// Findings of the new scan that the baseline has too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unchanged: Vec<Finding>,
}

/// The three sides of a diff.
#[derive(Clone, Debug, Default)]
pub struct Diff {
    pub appeared: Vec<Finding>,
    pub unchanged: Vec<Finding>,
    pub disappeared: Vec<Finding>,
}

/// Canonical text: ASCII digit runs that are not part of a word (positions,
/// offsets, counts, versions) become `#`, `0x…` hex numbers too; hex after
/// `U+` is kept (it names a code point). Short backticked identifiers with a
/// lower-case letter or `$` (minified names: `` `e` ``, `` `Qe` ``) become
/// `` `_` ``.
pub fn canonical(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$';
    while i < b.len() {
        let c = b[i];
        if c == b'`'
            && let Some(len) = b[i + 1..].iter().position(|&x| x == b'`')
        {
            let inner = &s[i + 1..i + 1 + len];
            let minified = (1..=2).contains(&inner.len())
                && inner.bytes().all(word)
                && inner.bytes().any(|x| x.is_ascii_lowercase() || x == b'$');
            if minified {
                out.push_str("`_`");
                i += len + 2;
                continue;
            }
        }
        if word(c) && (i == 0 || !word(b[i - 1])) {
            let end = b[i..]
                .iter()
                .position(|&x| !word(x))
                .map_or(b.len(), |n| i + n);
            let tok = &s[i..end];
            let code_point = i >= 2 && &b[i - 2..i] == b"U+";
            let hex = tok.len() > 2
                && (tok.starts_with("0x") || tok.starts_with("0X"))
                && tok[2..].bytes().all(|x| x.is_ascii_hexdigit());
            if !code_point && (hex || tok.bytes().all(|x| x.is_ascii_digit())) {
                out.push('#');
            } else {
                out.push_str(tok);
            }
            i = end;
            continue;
        }
        // Copy one whole character.
        let ch_len = s[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&s[i..i + ch_len]);
        i += ch_len;
    }
    out
}

/// The meaning of a finding, for matching across versions and packagings
/// (module docs).
pub fn meaning_key(f: &Finding) -> String {
    meaning_key_in(f, &[])
}

/// [`meaning_key`] of a finding from a scan of `inputs`: a file that *is*
/// one of the inputs (a single-file input, not a file inside a container
/// or directory) has no module name of its own — the name it was given on
/// the command line (`build-seed7.js` vs `build.js`) is not meaning.
pub fn meaning_key_in(f: &Finding, inputs: &[String]) -> String {
    let loc = &f.location;
    let mut key = String::new();
    key.push_str(f.rule.code());
    key.push('\u{1f}');
    if loc.chain.is_empty() && is_input(&loc.path, inputs) {
        key.push_str("<input>");
    } else {
        key.push_str(&module_identity(&loc.path));
    }
    if let Some(part) = &loc.part {
        key.push('#');
        key.push_str(&canonical(part));
    }
    key.push('\u{1f}');
    key.push_str(&canonical(&f.message));
    key.push('\u{1f}');
    if let Some(d) = &f.decoded {
        key.push_str(d.trim());
    }
    key.push('\u{1f}');
    let mut cps: Vec<&str> = f.chars.iter().map(|c| c.codepoint.as_str()).collect();
    cps.sort_unstable();
    cps.dedup();
    key.push_str(&cps.join(","));
    key
}

/// `path` names one of `inputs` itself, however either is spelled (`./a.js`).
fn is_input(path: &str, inputs: &[String]) -> bool {
    let norm = |s: &str| {
        s.trim_start_matches("./")
            .trim_end_matches(['/', '\\'])
            .to_string()
    };
    let path = norm(path);
    inputs.iter().any(|i| !path.is_empty() && norm(i) == path)
}

/// The file name of a module path (`/$bunfs/root/src/entrypoints/cli.js`,
/// `package/cli.js`, `C:\\x\\cli.js` → `cli.js`).
fn module_name(path: &str) -> &str {
    path.rsplit(['/', '\\'])
        .find(|p| !p.is_empty())
        .unwrap_or(path)
}

/// A module's identity across versions: its file name, canonical, with a
/// bundler's content hash left out. Bun, esbuild, Vite and webpack name
/// split chunks `[name]-[hash].js` / `[name].[hash].js`, and the hash
/// changes with every build (`chunk-6jepyz5x.js` in one claude-code
/// release is `chunk-01hn0bjp.js` in the next): kept, every finding in a
/// chunk would be a new capability in each version. The last `-`/`.`
/// token of the stem is taken as a hash when it is 8 or more ASCII
/// letters and digits (hashes need not contain a digit:
/// `chunk-bgctered.js`). A module whose name ends in a long word
/// (`vscode-settings.js`) shares its identity with siblings of the same
/// prefix; their findings are still told apart by message.
pub fn module_identity(path: &str) -> String {
    let name = module_name(path);
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => name.split_at(i),
        _ => (name, ""),
    };
    let hashed = stem
        .rfind(['-', '.'])
        .filter(|&i| i > 0)
        .map(|i| (&stem[..=i], &stem[i + 1..]))
        .filter(|(_, tail)| tail.len() >= 8 && tail.bytes().all(|b| b.is_ascii_alphanumeric()));
    match hashed {
        Some((head, _)) => canonical(&format!("{head}#{ext}")),
        None => canonical(name),
    }
}

/// Match `new` (a scan of `new_inputs`) against `old` (of `old_inputs`) by
/// [`meaning_key_in`] with multiset semantics. Each side's order is kept in
/// its output lists.
pub fn diff(
    new: Vec<Finding>,
    new_inputs: &[String],
    old: Vec<Finding>,
    old_inputs: &[String],
) -> Diff {
    let mut remaining: HashMap<String, usize> = HashMap::new();
    for f in &old {
        *remaining.entry(meaning_key_in(f, old_inputs)).or_default() += 1;
    }
    let mut out = Diff::default();
    for f in new {
        match remaining.get_mut(&meaning_key_in(&f, new_inputs)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                out.unchanged.push(f);
            }
            _ => out.appeared.push(f),
        }
    }
    // What is left over in the baseline disappeared; take the last ones of
    // each key so the survivors are the earliest, as on the new side.
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut keep = vec![false; old.len()];
    for (i, f) in old.iter().enumerate().rev() {
        let k = meaning_key_in(f, old_inputs);
        let left = remaining.get(&k).copied().unwrap_or(0);
        let taken = seen.entry(k).or_default();
        if *taken < left {
            *taken += 1;
            keep[i] = true;
        }
    }
    out.disappeared = old
        .into_iter()
        .zip(keep)
        .filter_map(|(f, k)| k.then_some(f))
        .collect();
    out
}

/// Turn `report` (the new scan) into a diff against `baseline`:
/// `report.findings` becomes the appeared findings; the baseline's unit
/// outcomes are kept (marked `baseline`), its notices prefixed with `baseline: `.
pub fn apply(report: &mut Report, baseline: Report) {
    let new = std::mem::take(&mut report.findings);
    let d = diff(new, &report.inputs, baseline.findings, &baseline.inputs);
    report.findings = d.appeared;
    report.units.extend(baseline.units.into_iter().map(|mut u| {
        u.baseline = true;
        u
    }));
    report.notices.extend(
        baseline
            .notices
            .into_iter()
            .map(|n| format!("baseline: {n}")),
    );
    report.baseline = Some(Baseline {
        inputs: baseline.inputs,
        disappeared: d.disappeared,
        unchanged: d.unchanged,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Rule;
    use crate::finding::{CharNote, Location, Position};

    fn at(path: &str, chain: &[&str], line: u32, column: u32, offset: u64) -> Location {
        let p = Position {
            offset,
            line,
            column,
        };
        Location {
            chain: chain.iter().map(|s| (*s).to_string()).collect(),
            path: path.into(),
            start: p,
            end: p,
            ..Location::default()
        }
    }

    fn env_read(var: &str, loc: Location, sites: usize) -> Finding {
        let mut f = Finding::new(
            Rule::EnvTimeZone,
            format!("reads time zone `{var}` via `e` at 1:{sites}23 ({sites} read sites)"),
            loc,
        );
        f.notes.push(format!("{sites} occurrence(s)"));
        f
    }

    #[test]
    fn positions_versions_counts_and_minified_names_do_not_matter() {
        let a = env_read(
            "process.env.TZ",
            at(
                "/$bunfs/root/cli.js",
                &["npm:@s/agent@2.1.0", "package/bin/agent"],
                1,
                423_512,
                423_511,
            ),
            3,
        );
        let mut b = env_read(
            "process.env.TZ",
            at(
                "/$bunfs/root/cli.js",
                &["npm:@s/agent@2.2.0-beta.1", "package/bin/agent"],
                7,
                99,
                88_000,
            ),
            5,
        );
        b.message = b.message.replace("`e`", "`Qe`");
        assert_eq!(meaning_key(&a), meaning_key(&b));
    }

    #[test]
    fn meaning_differences_matter() {
        let loc = at("cli.js", &[], 1, 1, 0);
        let tz = env_read("process.env.TZ", loc.clone(), 1);
        let lang = env_read("process.env.LANG", loc.clone(), 1);
        assert_ne!(meaning_key(&tz), meaning_key(&lang));
        // Same message, other module inside the executable.
        let other = env_read("process.env.TZ", at("/$bunfs/root/x.js", &[], 1, 1, 0), 1);
        assert_ne!(meaning_key(&tz), meaning_key(&other));
        // Different look-alike alternatives or decoded values.
        let mut q1 = Finding::new(Rule::CovertLookAlike, "m", loc.clone());
        q1.chars = vec![CharNote::new('\'', 1), CharNote::new('\u{2019}', 1)];
        let mut q2 = q1.clone();
        q2.chars[1] = CharNote::new('\u{02BC}', 1);
        assert_ne!(meaning_key(&q1), meaning_key(&q2));
        let mut d1 = Finding::new(Rule::DecodedString, "m", loc.clone());
        d1.decoded = Some("a.example".into());
        let mut d2 = d1.clone();
        d2.decoded = Some("b.example".into());
        assert_ne!(meaning_key(&d1), meaning_key(&d2));
    }

    #[test]
    fn content_hashes_leave_module_names() {
        for (path, id) in [
            ("/$bunfs/root/chunk-6jepyz5x.js", "chunk-#.js"),
            ("/$bunfs/root/chunk-bgctered.js", "chunk-#.js"),
            ("dist/assets/index-BxQ3kZ9a.js", "index-#.js"),
            ("static/js/main.3f2a9b1c.js", "main.#.js"),
            ("package/cli.js", "cli.js"),
            ("/$bunfs/root/src/entrypoints/cli.js", "cli.js"),
            ("lib/string-width.js", "string-width.js"),
            ("vendor/ripgrep/x64-linux/rg", "rg"),
            ("chunk-12345.js", "chunk-#.js"),
            (".eslintrc.js", ".eslintrc.js"),
            ("abcdefgh12", "abcdefgh12"),
        ] {
            assert_eq!(module_identity(path), id, "{path}");
        }
        let key = |path: &str| meaning_key(&env_read("process.env.TZ", at(path, &[], 1, 1, 0), 1));
        assert_eq!(
            key("/$bunfs/root/chunk-6jepyz5x.js"),
            key("/$bunfs/root/chunk-01hn0bjp.js")
        );
        assert_ne!(key("/$bunfs/root/chunk-6jepyz5x.js"), key("package/cli.js"));
    }

    #[test]
    fn canonical_forms() {
        assert_eq!(
            canonical("at 1:423512, 3 read sites"),
            "at #:#, # read sites"
        );
        assert_eq!(canonical("U+2019 and U+02BC"), "U+2019 and U+02BC");
        assert_eq!(canonical("carved at 0x1f00"), "carved at #");
        assert_eq!(canonical("`TZ` `e` `$a` `foo`"), "`TZ` `_` `_` `foo`");
        assert_eq!(canonical("utf8 ’x’ ünï 12"), "utf8 ’x’ ünï #");
        assert_eq!(canonical("`"), "`");
    }

    #[test]
    fn inputs_and_packaging_are_dropped() {
        let key = |path: &str, chain: &[&str]| {
            meaning_key(&env_read("process.env.TZ", at(path, chain, 1, 1, 0), 1))
        };
        // Inputs named differently on each side.
        assert_eq!(key("old/pkg/cli.js", &[]), key("new/pkg/cli.js", &[]));
        assert_eq!(
            key("package/cli.js", &["v1/a.tgz"]),
            key("package/cli.js", &["v2/a.tgz"])
        );
        // The same bundle as an npm tarball's file, then inside the Bun
        // executable of a platform package (the JS-to-executable switch).
        assert_eq!(
            key("package/cli.js", &["npm:@s/agent@2.1.112"]),
            key(
                "/$bunfs/root/src/entrypoints/cli.js",
                &["npm:@s/agent-linux-x64@2.1.113", "package/agent"]
            )
        );
        assert_eq!(key("B:\\~BUN\\root\\cli.js", &[]), key("cli.js", &[]));
        // Another module stays another module.
        assert_ne!(
            key("package/cli.js", &["npm:@s/agent@1"]),
            key("package/worker.js", &["npm:@s/agent@1"])
        );
        // A file that is an input itself: its name on the command line is
        // not meaning; inside a directory input it is.
        let tz = |path: &str| env_read("process.env.TZ", at(path, &[], 1, 1, 0), 1);
        assert_eq!(
            meaning_key_in(&tz("./build-seed7.js"), &["build-seed7.js".into()]),
            meaning_key_in(&tz("build.js"), &["./build.js".into()])
        );
        assert_ne!(
            meaning_key_in(&tz("d1/build-seed7.js"), &["d1".into()]),
            meaning_key_in(&tz("d2/build.js"), &["d2".into()])
        );
    }

    #[test]
    fn multiset_semantics() {
        let loc = at("cli.js", &[], 1, 1, 0);
        let tz = env_read("process.env.TZ", loc.clone(), 1);
        let lang = env_read("process.env.LANG", loc, 1);
        let d = diff(
            vec![tz.clone(), tz.clone()],
            &[],
            vec![tz.clone(), lang.clone(), lang.clone()],
            &[],
        );
        assert_eq!(d.appeared.len(), 1);
        assert_eq!(d.unchanged.len(), 1);
        assert_eq!(d.disappeared, vec![lang.clone(), lang]);
        let mut r = Report {
            inputs: vec!["new".into()],
            findings: vec![tz.clone()],
            ..Report::default()
        };
        apply(
            &mut r,
            Report {
                inputs: vec!["old".into()],
                findings: vec![tz],
                units: vec![crate::UnitOutcome::not_analysed(
                    Vec::new(),
                    "old/x.js",
                    crate::Incomplete::new(crate::IncompleteKind::Syntax, "old/x.js:1:1: bad"),
                )],
                ..Report::default()
            },
        );
        assert!(r.findings.is_empty());
        assert_eq!(r.units.len(), 1);
        assert!(r.units[0].baseline && r.is_incomplete());
        let b = r.baseline.as_ref().unwrap();
        assert_eq!((b.unchanged.len(), b.disappeared.len()), (1, 0));
    }
}
