//! Drift across requests, which no single request shows.
//!
//! Every line of every prompt string is reduced twice:
//! - its **template**: numbers (with the separators between them), ids and
//!   paths masked, whitespace runs collapsed, invisible characters dropped,
//!   look-alikes folded to their UTS #39 skeleton: what the line *says*;
//! - its **form**: the same masking, but every code point that was folded
//!   kept as it was, separators between numbers kept, whitespace kept: how
//!   the line is *written*.
//!
//! Per agent (its user agent's product, version dropped) the model keeps,
//! for each template, every form seen with the exchange and time that first
//! sent it. A template that an earlier exchange sent, arriving in a new
//! form, is drift (PS620): `Today's date is 2026-11-27` yesterday and
//! `Todayʹs date is 2026/11/28` today share the template `Today's date is
//! 0·0·0` and differ in form (`'`→`ʹ`, `-`→`/`). The finding names each
//! difference and shows both lines with hidden characters written out.
//!
//! The model is shared by every guard on a store: new forms are written
//! with the exchange's outcome, and guards on PostgreSQL pick up each
//! other's forms ([`DriftModel::absorb`]). Drift runs after the request was
//! forwarded, on its own thread: it never adds latency.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use plainsight_core::chars::{codepoint, is_hidden, make_visible_with};
use plainsight_core::{CharNote, Excerpt, Finding, Location, Rule};
use plainsight_store::DriftForm;

/// Lines shorter than this (in characters) are not templates: too little
/// context to say they repeat.
const MIN_LINE: usize = 12;
/// Longer lines are cut at this many characters before templating.
const MAX_LINE: usize = 4_000;

/// One line, reduced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineKey {
    pub template: u64,
    pub form: u64,
    /// The form as text (numbers as `0`, ids `#`, paths `<path>`), for
    /// aligning two forms of one template.
    pub form_text: String,
}

fn hash_str(s: &str) -> u64 {
    // FNV-1a: stable across runs and machines (the hashes are stored).
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn is_sep(c: char) -> bool {
    matches!(c, '-' | '/' | '.' | ':' | ',' | '_')
}

/// A whitespace-separated token that is an id or a path as a whole.
fn token_mask(tok: &str) -> Option<&'static str> {
    let t = tok.trim_matches(|c: char| !c.is_alphanumeric() && c != '/' && c != '~');
    if (t.starts_with('/') || t.starts_with("~/") || t.starts_with("./"))
        && t.len() > 1
        && t.chars().all(|c| !c.is_whitespace())
    {
        return Some("<path>");
    }
    let alnum = t.chars().filter(char::is_ascii_alphanumeric).count();
    let digits = t.chars().filter(char::is_ascii_digit).count();
    if t.len() >= 8
        && digits >= 2
        && alnum > digits
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
    {
        return Some("#");
    }
    None
}

/// The look-alike fold of one non-ASCII character (UTS #39 skeleton).
fn fold(c: char) -> String {
    if c.is_ascii() {
        return c.to_string();
    }
    let mut buf = [0u8; 4];
    unicode_security::skeleton(c.encode_utf8(&mut buf)).collect()
}

/// Reduces one line to its template and form.
pub fn line_key(line: &str) -> Option<LineKey> {
    let line = line.trim_matches(|c: char| c.is_whitespace() || is_hidden(c));
    let n = line.chars().count();
    if n < MIN_LINE {
        return None;
    }
    // Needs words: a line of numbers and punctuation is data, not a template.
    if line.chars().filter(|c| c.is_alphabetic()).count() < 6 {
        return None;
    }
    let line = match line.char_indices().nth(MAX_LINE) {
        Some((i, _)) => &line[..i],
        None => line,
    };
    let mut form = String::with_capacity(line.len());
    let mut template = String::with_capacity(line.len());
    let mut rest = line;
    while !rest.is_empty() {
        // Whitespace (and invisibles) between tokens.
        let ws_end = rest
            .char_indices()
            .find(|(_, c)| !(c.is_whitespace() || is_hidden(*c)))
            .map_or(rest.len(), |(i, _)| i);
        if ws_end > 0 {
            let ws = &rest[..ws_end];
            form.push_str(ws);
            if ws.chars().any(char::is_whitespace) {
                template.push(' ');
            }
            rest = &rest[ws_end..];
            continue;
        }
        let tok_end = rest
            .char_indices()
            .find(|(_, c)| c.is_whitespace())
            .map_or(rest.len(), |(i, _)| i);
        let tok = &rest[..tok_end];
        rest = &rest[tok_end..];
        if let Some(mask) = token_mask(tok) {
            form.push_str(mask);
            template.push_str(mask);
            continue;
        }
        let mut chars = tok.chars().peekable();
        let mut in_number = false;
        while let Some(c) = chars.next() {
            if c.is_ascii_digit() {
                if !in_number {
                    form.push('0');
                    template.push('0');
                    in_number = true;
                }
                continue;
            }
            if in_number && is_sep(c) && chars.peek().is_some_and(char::is_ascii_digit) {
                form.push(c);
                template.push('·');
                in_number = false;
                continue;
            }
            in_number = false;
            if is_hidden(c) {
                form.push(c);
                continue;
            }
            form.push(c);
            template.push_str(&fold(c));
        }
    }
    Some(LineKey {
        template: hash_str(&template),
        form: hash_str(&form),
        form_text: form,
    })
}

/// One aligned unit of a form: what it folds to, and what it was.
fn units(form: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut chars = form.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            let mut orig = c.to_string();
            while let Some(&d) = chars.peek() {
                if d.is_whitespace() || is_hidden(d) {
                    orig.push(d);
                    chars.next();
                } else {
                    break;
                }
            }
            out.push((" ".into(), orig));
        } else if is_hidden(c) {
            match out.last_mut() {
                Some(u) => u.1.push(c),
                None => out.push((String::new(), c.to_string())),
            }
        } else if is_sep(c) {
            out.push(("·".into(), c.to_string()));
        } else {
            out.push((fold(c), c.to_string()));
        }
    }
    out
}

fn describe_unit(s: &str) -> String {
    let mut d = String::new();
    for c in s.chars() {
        if !d.is_empty() {
            d.push(' ');
        }
        if c.is_ascii_graphic() {
            let _ = write!(d, "`{c}`");
        } else {
            let _ = write!(d, "{} {}", codepoint(c), plainsight_core::chars::name(c));
        }
    }
    if d.is_empty() {
        d.push_str("nothing");
    }
    d
}

/// The differences between two forms of one template: `(before, after)`.
pub fn differences(before: &str, after: &str) -> Vec<(String, String)> {
    let (a, b) = (units(before), units(after));
    if a.len() != b.len() || a.iter().zip(&b).any(|(x, y)| x.0 != y.0) {
        return vec![(before.to_owned(), after.to_owned())];
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for (x, y) in a.iter().zip(&b) {
        if x.1 != y.1 && !out.iter().any(|(p, q)| *p == x.1 && *q == y.1) {
            out.push((x.1.clone(), y.1.clone()));
        }
    }
    out
}

#[derive(Clone, Debug)]
struct Known {
    form: u64,
    form_text: String,
    sample: String,
    first_exchange: String,
    first_seen_us: i64,
    agent_version: String,
}

/// The agent a user agent names: its product token, version dropped
/// (`claude-cli/2.1.91 (external, cli)` → `claude-cli`).
pub fn agent_key(user_agent: &str) -> String {
    let product = user_agent.split_whitespace().next().unwrap_or("");
    let name = product.split('/').next().unwrap_or("");
    if name.is_empty() {
        "unknown".to_owned()
    } else {
        name.to_owned()
    }
}

/// What drift detection learned.
#[derive(Debug, Default)]
pub struct DriftModel {
    /// agent → template → forms
    agents: HashMap<String, HashMap<u64, Vec<Known>>>,
    /// Keyed hashes of (agent, line) already looked at. An agent sends the
    /// same lines again and again; a line seen before, byte for byte, has
    /// a form the model already knows (or was refused for the same reason
    /// as before), so it cannot be drift and is not reduced again. Keyed
    /// with a random key drawn at start (aHash, keyed from the OS's random
    /// source; it was SipHash, three times the drift thread's CPU), so a
    /// sender cannot make a new line collide with an old one to skip it:
    /// the hashes never leave the process. The set hashes its (already
    /// keyed) entries with aHash too. Cleared when full.
    seen: HashSet<u64, ahash::RandomState>,
    seen_key: ahash::RandomState,
    templates: usize,
    /// Templates kept at most (then new templates are not learned).
    pub max_templates: usize,
    /// Highest store sequence absorbed.
    pub seen_seq: i64,
}

/// One exchange's lines, for [`DriftModel::observe`].
pub struct Observation<'a, P: PartName = String, T: AsRef<str> = String> {
    pub agent: &'a str,
    pub exchange: &'a str,
    pub at_us: i64,
    pub guard: &'a str,
    /// Prompt strings with their part names (or what names them: a JSON
    /// path is written out only for a string that has a finding).
    pub strings: &'a [(P, T)],
}

/// What names the part a prompt string came from
/// (`messages[3].content[1].text`), written out only when a finding needs it.
pub trait PartName {
    fn part_name(&self) -> String;
}

impl PartName for String {
    fn part_name(&self) -> String {
        self.clone()
    }
}

impl<P: PartName + ?Sized> PartName for &P {
    fn part_name(&self) -> String {
        (**self).part_name()
    }
}

impl PartName for plainsight_inspect::path::JsonPath {
    fn part_name(&self) -> String {
        plainsight_inspect::path::part_name(&self.to_vec()).unwrap_or_default()
    }
}

impl DriftModel {
    pub fn new(max_templates: usize) -> DriftModel {
        DriftModel {
            max_templates,
            ..DriftModel::default()
        }
    }

    /// Learns forms written by any guard into the store.
    pub fn absorb(&mut self, forms: Vec<(i64, DriftForm)>) {
        for (seq, f) in forms {
            self.seen_seq = self.seen_seq.max(seq);
            let (Ok(t), Ok(form)) = (
                u64::from_str_radix(&f.template, 16),
                u64::from_str_radix(&f.form, 16),
            ) else {
                continue;
            };
            let form_text = line_key(&f.sample).map(|k| k.form_text).unwrap_or_default();
            let entry = self.agents.entry(f.agent).or_default().entry(t);
            let list = match entry {
                Entry::Occupied(o) => o.into_mut(),
                Entry::Vacant(v) => {
                    self.templates += 1;
                    v.insert(Vec::new())
                }
            };
            if !list.iter().any(|k| k.form == form) {
                list.push(Known {
                    form,
                    form_text,
                    sample: f.sample,
                    first_exchange: f.first_exchange,
                    first_seen_us: f.first_seen_us,
                    agent_version: f.agent_version,
                });
            }
        }
    }

    pub fn templates(&self) -> usize {
        self.templates
    }

    /// Looks at one exchange's prompt strings: returns drift findings and
    /// the forms it taught the model (to be stored).
    pub fn observe<P: PartName, T: AsRef<str>>(
        &mut self,
        o: &Observation<'_, P, T>,
    ) -> (Vec<Finding>, Vec<DriftForm>) {
        let agent = agent_key(o.agent);
        let mut findings = Vec::new();
        let mut learned = Vec::new();
        // Templates this exchange already added: a line repeated inside one
        // request is not "again and again".
        let mut fresh: Vec<u64> = Vec::new();
        let max = self.max_templates;
        let templates = &mut self.templates;
        let per_agent = self.agents.entry(agent.clone()).or_default();
        let max_seen = max.saturating_mul(4).max(1 << 16);
        for (part, text) in o.strings {
            for (line_no, line) in lines(text.as_ref()).enumerate() {
                if line.len() < MIN_LINE {
                    continue;
                }
                let h = self.seen_key.hash_one((agent.as_str(), line));
                if self.seen.len() >= max_seen {
                    self.seen.clear();
                }
                if !self.seen.insert(h) {
                    continue;
                }
                let Some(key) = line_key(line) else {
                    continue;
                };
                let trimmed = line.trim_matches(|c: char| c.is_whitespace() || is_hidden(c));
                let known = Known {
                    form: key.form,
                    form_text: key.form_text.clone(),
                    sample: trimmed.to_owned(),
                    first_exchange: o.exchange.to_owned(),
                    first_seen_us: o.at_us,
                    agent_version: o.agent.to_owned(),
                };
                match per_agent.entry(key.template) {
                    Entry::Vacant(v) => {
                        if *templates >= max {
                            continue;
                        }
                        *templates += 1;
                        fresh.push(key.template);
                        v.insert(vec![known.clone()]);
                        learned.push(form_row(&agent, key.template, &known, o.guard));
                    }
                    Entry::Occupied(mut e) => {
                        let forms = e.get_mut();
                        if forms.iter().any(|k| k.form == key.form) {
                            continue;
                        }
                        let earlier = !fresh.contains(&key.template);
                        if earlier && let Some(prev) = forms.first() {
                            let part = part.part_name();
                            findings
                                .push(drift_finding(&agent, prev, &known, &part, line_no, trimmed));
                        }
                        forms.push(known.clone());
                        learned.push(form_row(&agent, key.template, &known, o.guard));
                    }
                }
            }
        }
        (findings, learned)
    }
}

/// The lines of `text` exactly as [`str::lines`] cuts them (at `\n`, a
/// `\r` just before it dropped, no empty line after a final `\n`), found with
/// `memchr`'s vectorised search rather than `str::lines`' word-at-a-time
/// one (14 % of the drift thread's CPU on a 120 KB prompt).
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let r = rest?;
        if r.is_empty() {
            rest = None;
            return None;
        }
        // `\n` is ASCII: both sides of it are on character boundaries.
        if let Some(i) = memchr::memchr(b'\n', r.as_bytes()) {
            rest = Some(&r[i + 1..]);
            let line = &r[..i];
            Some(line.strip_suffix('\r').unwrap_or(line))
        } else {
            rest = None;
            Some(r)
        }
    })
}

/// The line with every non-ASCII character named, hidden ones included.
fn written_out(s: &str) -> String {
    make_visible_with(s, 0..s.len(), false).text
}

fn form_row(agent: &str, template: u64, k: &Known, guard: &str) -> DriftForm {
    DriftForm {
        agent: agent.to_owned(),
        template: format!("{template:016x}"),
        form: format!("{:016x}", k.form),
        sample: k.sample.clone(),
        agent_version: k.agent_version.clone(),
        first_exchange: k.first_exchange.clone(),
        first_seen_us: k.first_seen_us,
        guard: guard.to_owned(),
    }
}

fn drift_finding(
    agent: &str,
    prev: &Known,
    now: &Known,
    part: &str,
    line_no: usize,
    line: &str,
) -> Finding {
    let diffs = differences(&prev.form_text, &now.form_text);
    let described: Vec<String> = diffs
        .iter()
        .map(|(a, b)| format!("{} → {}", describe_unit(a), describe_unit(b)))
        .collect();
    let mut chars: Vec<CharNote> = Vec::new();
    for (_, b) in &diffs {
        for c in b.chars().filter(|c| !c.is_ascii_alphanumeric()) {
            if !chars.iter().any(|n| n.codepoint == codepoint(c)) {
                chars.push(CharNote::new(c, 1));
            }
        }
    }
    // The span of the first changed unit in this line.
    let (start, end) = diffs
        .first()
        .and_then(|(_, b)| {
            let b = b.trim();
            (!b.is_empty())
                .then(|| line.find(b).map(|i| (i, i + b.len())))
                .flatten()
        })
        .unwrap_or((0, line.len()));
    let mut f = Finding::new(
        Rule::DriftLineForm,
        format!(
            "a line {agent} sent before changed form: {}",
            described.join("; ")
        ),
        Location {
            path: "request".into(),
            part: Some(part.to_owned()),
            ..Location::default()
        },
    );
    f.excerpt = Some(Excerpt {
        line: line_no as u32 + 1,
        text: line.to_owned(),
        start,
        end,
        label: "changed form".into(),
        clipped_start: false,
        clipped_end: false,
    });
    f.chars = chars;
    f.notes = vec![
        format!(
            "before: {} (first in exchange {} at {}, {})",
            written_out(&prev.sample),
            prev.first_exchange,
            plainsight_store::format_time(prev.first_seen_us),
            prev.agent_version
        ),
        format!(
            "now:    {} (first in exchange {} at {}, {})",
            written_out(&now.sample),
            now.first_exchange,
            plainsight_store::format_time(now.first_seen_us),
            now.agent_version
        ),
    ];
    if prev.agent_version != now.agent_version {
        f.notes.push(format!(
            "the agent's version changed too ({} → {}): a new release may have restyled the line",
            prev.agent_version, now.agent_version
        ));
    }
    f.help = Some(
        "The same line, written another way by the same agent, is how a covert channel \
         shows across requests. Compare the environments of both exchanges (time zone, \
         base URL, proxy, locale)."
            .into(),
    );
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_cut_as_std_does() {
        let fixed = [
            "",
            "\n",
            "\r",
            "\r\n",
            "a",
            "a\n",
            "a\r",
            "a\r\n",
            "a\n\n",
            "a\r\r\nb",
            "\n\na\rb\n\r",
            "é\r\nü\n",
        ];
        for t in fixed {
            assert_eq!(
                lines(t).collect::<Vec<_>>(),
                t.lines().collect::<Vec<_>>(),
                "{t:?}"
            );
        }
        let mut rng = fastrand::Rng::with_seed(620);
        let alphabet = ['a', '\r', '\n', 'é', ' ', '\u{2b9}'];
        for _ in 0..5_000 {
            let len = rng.usize(0..24);
            let t: String = (0..len)
                .map(|_| alphabet[rng.usize(0..alphabet.len())])
                .collect();
            assert_eq!(
                lines(&t).collect::<Vec<_>>(),
                t.lines().collect::<Vec<_>>(),
                "{t:?}"
            );
        }
    }

    #[test]
    #[allow(clippy::many_single_char_names)]
    fn template_ignores_values_and_look_alikes_form_does_not() {
        let a = line_key("Today's date is 2026-11-27.").unwrap();
        let b = line_key("Today\u{2b9}s date is 2026/11/28.").unwrap();
        let c = line_key("Today's date is 2026-12-01.").unwrap();
        assert_eq!(a.template, b.template);
        assert_ne!(a.form, b.form);
        assert_eq!(a.form, c.form);
        assert_eq!(a.form_text, "Today's date is 0-0-0.");
        // Spacing and invisibles change the form only.
        let d = line_key("Today's date\u{a0}is 2026-11-27.").unwrap();
        let e = line_key("Today's da\u{200b}te is 2026-11-27.").unwrap();
        assert_eq!((d.template, e.template), (a.template, a.template));
        assert_ne!(d.form, a.form);
        assert_ne!(e.form, a.form);
        // Ids and paths are masked.
        let f = line_key("Working directory: /home/alice/project, session 3f9a1c2b7d4e").unwrap();
        let g = line_key("Working directory: /srv/bob, session 88aa77bb66cc").unwrap();
        assert_eq!(f.form, g.form);
        // Short lines and non-prose are not templates.
        assert!(line_key("Hi there").is_none());
        assert!(line_key("1234 5678 9012 3456 ----").is_none());
    }

    #[test]
    fn differences_are_named() {
        let d = differences("Today's date is 0-0-0.", "Today\u{2b9}s date is 0/0/0.");
        assert_eq!(
            d,
            [
                ("'".to_owned(), "\u{2b9}".to_owned()),
                ("-".to_owned(), "/".to_owned())
            ]
        );
        let d = differences("a b", "a\u{a0}b");
        assert_eq!(d, [(" ".to_owned(), "\u{a0}".to_owned())]);
    }

    fn strings(s: &str) -> Vec<(String, String)> {
        vec![(
            "messages[0].content[0].text".into(),
            format!("<system-reminder>\n{s}\nPlease be concise in your answers today.\n"),
        )]
    }

    #[test]
    fn the_day_the_marker_appears() {
        let mut m = DriftModel::new(1000);
        let obs = |m: &mut DriftModel, ex: &str, s: &str| {
            let st = strings(s);
            m.observe(&Observation {
                agent: "claude-cli/2.1.91 (external, cli)",
                exchange: ex,
                at_us: 1,
                guard: "g",
                strings: &st,
            })
        };
        let (f, learned) = obs(&mut m, "x1", "Today's date is 2026-11-27.");
        assert!(f.is_empty());
        assert_eq!(learned.len(), 3);
        // The next day, same form: nothing.
        let (f, learned) = obs(&mut m, "x2", "Today's date is 2026-11-28.");
        assert!(f.is_empty() && learned.is_empty());
        // The marker.
        let (f, learned) = obs(&mut m, "x3", "Today\u{2b9}s date is 2026/11/28.");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(learned.len(), 1);
        let msg = &f[0].message;
        assert!(msg.contains("U+0027") || msg.contains("`'`"), "{msg}");
        assert!(msg.contains("U+02B9 MODIFIER LETTER PRIME"), "{msg}");
        assert!(msg.contains("`-` → `/`"), "{msg}");
        assert!(f[0].notes[0].contains("exchange x1"), "{:?}", f[0].notes);
        assert!(f[0].notes[1].contains("U+02B9"), "{:?}", f[0].notes);
        let ex = f[0].excerpt.as_ref().unwrap();
        assert_eq!(&ex.text[ex.start..ex.end], "\u{2b9}");
        // Seen once, the new form is known: no second alert.
        let (f, _) = obs(&mut m, "x4", "Today\u{2b9}s date is 2026/11/29.");
        assert!(f.is_empty());
        // Another agent has its own templates.
        let st = strings("Today\u{2bc}s date is 2026-11-27.");
        let (f, _) = m.observe(&Observation {
            agent: "other/1",
            exchange: "y",
            at_us: 1,
            guard: "g",
            strings: &st,
        });
        assert!(f.is_empty());
    }

    #[test]
    fn two_forms_in_one_first_request_are_not_drift() {
        let mut m = DriftModel::new(1000);
        let st: Vec<(String, String)> = vec![(
            "system".into(),
            "Today's date is 2026-11-27.\nToday\u{2019}s date is 2026-11-27.".into(),
        )];
        let (f, _) = m.observe(&Observation {
            agent: "a",
            exchange: "x",
            at_us: 1,
            guard: "g",
            strings: &st,
        });
        assert!(f.is_empty());
    }

    #[test]
    fn learned_forms_round_trip_through_the_store_rows() {
        let mut a = DriftModel::new(1000);
        let st = strings("Today's date is 2026-11-27.");
        let (_, learned) = a.observe(&Observation {
            agent: "claude-cli/2",
            exchange: "x1",
            at_us: 1,
            guard: "g1",
            strings: &st,
        });
        // Another guard absorbs them and sees the marker as drift.
        let mut b = DriftModel::new(1000);
        b.absorb(
            learned
                .into_iter()
                .enumerate()
                .map(|(i, f)| (i as i64 + 1, f))
                .collect(),
        );
        assert_eq!(b.seen_seq, 3);
        let st = strings("Today\u{2b9}s date is 2026-11-28.");
        let (f, _) = b.observe(&Observation {
            agent: "claude-cli/3",
            exchange: "x9",
            at_us: 2,
            guard: "g2",
            strings: &st,
        });
        assert_eq!(f.len(), 1);
        assert!(f[0].notes.iter().any(|n| n.contains("version changed")));
    }

    #[test]
    fn template_budget_is_respected() {
        let mut m = DriftModel::new(1);
        let st: Vec<(String, String)> = vec![(
            "system".into(),
            "first line of the prompt here\nsecond line of the prompt here".into(),
        )];
        let (_, learned) = m.observe(&Observation {
            agent: "a",
            exchange: "x",
            at_us: 1,
            guard: "g",
            strings: &st,
        });
        assert_eq!(learned.len(), 1);
        assert_eq!(m.templates(), 1);
    }
}
