//! Untrusted text into HTML: escaped, with every hidden character shown.
//!
//! Everything an agent sent (prompts, headers, user agents, file names in a
//! report, decoded payloads) is hostile until shown otherwise. Two rules
//! hold for every byte the web view writes:
//!
//! 1. **Escaped.** `<`, `>`, `&`, `"` and `'` become entities, so no agent
//!    string can open a tag, an attribute or a script.
//! 2. **Never a raw hidden character.** Bidi controls, zero-width and tag
//!    characters, unusual spaces, controls, private-use and unassigned code
//!    points ([`chars::is_hidden`], decided by General_Category) are written
//!    out as `⟨U+202E RIGHT-TO-LEFT OVERRIDE⟩`, so they can neither reorder
//!    what a reviewer reads nor hide in it.
//!
//! [`Escaper`] applies both to every `{{ value }}` of the templates (it is
//! the configured escaper for `.html` in `askama.toml`), so a template
//! cannot forget. Markup built here ([`Markup`]: badges, highlights) goes
//! in through the `markup` filter, which accepts nothing else: the type is
//! only made by the functions of this module, which escape as they build.
//!
//! In the prompt views ([`text`], [`marked`]) hidden characters become named
//! badges, and so do visible look-alikes (a character whose UTS #39
//! skeleton is ASCII: `’`, `ʹ`, Cyrillic `а`): the reviewer sees
//! `Today⟨U+02B9 MODIFIER LETTER PRIME⟩s`, not `Todayʹs`.

use std::fmt::{self, Write as _};
use std::ops::Range;

use plainsight_core::chars;

/// HTML that is safe to insert as is: made only by this module, escaping.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Markup(String);

impl Markup {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Markup from parts that are already markup.
    pub fn concat(parts: impl IntoIterator<Item = Markup>) -> Markup {
        Markup(parts.into_iter().map(|m| m.0).collect())
    }

    /// A trusted static fragment written in this crate (never agent data).
    pub(crate) fn trusted(s: &'static str) -> Markup {
        Markup(s.to_owned())
    }
}

/// The output of one of this crate's templates: every value in it went
/// through [`Escaper`] or was itself `Markup`.
pub(crate) fn from_template(s: String) -> Markup {
    Markup(s)
}

impl fmt::Display for Markup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The askama escaper for `.html` templates (see the module docs).
#[derive(Clone, Copy, Debug, Default)]
pub struct Escaper;

impl askama::filters::Escaper for Escaper {
    fn write_escaped_str<W: fmt::Write>(&self, mut dest: W, s: &str) -> fmt::Result {
        let mut out = String::with_capacity(s.len());
        escape_into(&mut out, s);
        dest.write_str(&out)
    }
}

/// HTML-escapes `s` with hidden characters written out as plain text
/// (attribute values, titles, anything without badges).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

fn escape_into(out: &mut String, s: &str) {
    let mut iter = s.chars().peekable();
    while let Some(c) = iter.next() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if chars::is_hidden(c) => {
                let mut n = 1;
                while iter.peek() == Some(&c) {
                    iter.next();
                    n += 1;
                }
                out.push('⟨');
                out.push_str(&chars::codepoint(c));
                out.push(' ');
                push_name(out, c);
                if n > 1 {
                    let _ = write!(out, " ×{n}");
                }
                out.push('⟩');
            }
            c => out.push(c),
        }
    }
}

/// Character names are ASCII letters, digits, spaces and hyphens, but pass
/// them through the escaper anyway (a name table is data too).
fn push_name(out: &mut String, c: char) {
    for ch in chars::name(c).chars() {
        if ch.is_ascii_alphanumeric() || ch == ' ' || ch == '-' {
            out.push(ch);
        } else {
            out.push('?');
        }
    }
}

/// What a character is, for the badge's class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CharKind {
    /// Bidi embedding, override or isolate controls: reorder what follows.
    Bidi,
    /// Tag characters (can carry whole ASCII strings).
    Tag,
    /// Zero-width and other format / default-ignorable characters,
    /// variation selectors.
    Invisible,
    /// Spaces other than U+0020, line and paragraph separators.
    Space,
    /// C0/C1 controls (other than line feed and tab in multi-line views).
    Control,
    /// Private use, unassigned, surrogates.
    Unassigned,
    /// Visible, but its UTS #39 skeleton is ASCII: it imitates `’`→`'`.
    LookAlike,
}

impl CharKind {
    pub fn of(c: char) -> Option<CharKind> {
        use plainsight_text::chars as t;
        if chars::is_hidden(c) {
            return Some(if t::is_bidi_control(c) {
                CharKind::Bidi
            } else if t::is_tag(c) {
                CharKind::Tag
            } else if c.is_ascii_control() || ('\u{80}'..='\u{9F}').contains(&c) {
                CharKind::Control
            } else if t::is_unusual_space(c) || matches!(c, '\u{2028}' | '\u{2029}') {
                CharKind::Space
            } else if matches!(c, '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..) || unicode_unassigned(c)
            {
                CharKind::Unassigned
            } else {
                CharKind::Invisible
            });
        }
        t::ascii_prototype(c).map(|_| CharKind::LookAlike)
    }

    pub fn class(self) -> &'static str {
        match self {
            CharKind::Bidi => "cp bidi",
            CharKind::Tag => "cp tag",
            CharKind::Invisible => "cp invisible",
            CharKind::Space => "cp space",
            CharKind::Control => "cp control",
            CharKind::Unassigned => "cp unassigned",
            CharKind::LookAlike => "cp lookalike",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            CharKind::Bidi => "bidi control: reorders the text after it",
            CharKind::Tag => "tag character: invisible, can carry ASCII",
            CharKind::Invisible => "invisible character",
            CharKind::Space => "unusual space",
            CharKind::Control => "control character",
            CharKind::Unassigned => "private-use or unassigned code point",
            CharKind::LookAlike => "look-alike",
        }
    }
}

fn unicode_unassigned(c: char) -> bool {
    // `name` has no entry for unassigned code points; controls and tags
    // were handled before this is asked.
    chars::name(c) == "UNNAMED"
}

/// Options for rendering a text.
#[derive(Clone, Copy, Debug, Default)]
pub struct TextOptions {
    /// Keep line feeds (and tabs) as they are: multi-line prompt parts
    /// shown in a `<pre>`. Otherwise they become badges like any control.
    pub multiline: bool,
    /// Do not badge look-alikes (headers, identifiers: only hidden ones).
    pub hidden_only: bool,
}

/// `s` as HTML, every hidden character and every look-alike a named badge.
pub fn text(s: &str, opts: TextOptions) -> Markup {
    marked(s, &[], opts)
}

/// A span of a text to highlight (a finding's place, a differing span).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    /// Byte range in the text (clamped to char boundaries).
    pub range: Range<usize>,
    /// Extra class of the `<mark>` (`hit`, `del`, `ins`, `imperceptible`).
    pub class: &'static str,
    /// Shown on hover (escaped).
    pub title: String,
    /// Anchor (`f3`): the finding this span belongs to, for links both ways.
    pub anchor: Option<String>,
}

/// `s` as HTML with `marks` wrapped in `<mark>` elements. Overlapping marks
/// are split at every boundary, so the output always nests properly.
pub fn marked(s: &str, marks: &[Mark], opts: TextOptions) -> Markup {
    let mut bounds: Vec<usize> = vec![0, s.len()];
    let clamp = |i: usize| {
        let mut i = i.min(s.len());
        while !s.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let marks: Vec<(Range<usize>, &Mark)> = marks
        .iter()
        .map(|m| (clamp(m.range.start)..clamp(m.range.end), m))
        .filter(|(r, _)| r.start < r.end)
        .collect();
    for (r, _) in &marks {
        bounds.push(r.start);
        bounds.push(r.end);
    }
    bounds.sort_unstable();
    bounds.dedup();
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    let mut anchored: Vec<&str> = Vec::new();
    for w in bounds.windows(2) {
        let (a, b) = (w[0], w[1]);
        let active: Vec<&Mark> = marks
            .iter()
            .filter(|(r, _)| r.start <= a && b <= r.end)
            .map(|(_, m)| *m)
            .collect();
        if active.is_empty() {
            push_text(&mut out, &s[a..b], opts);
            continue;
        }
        let mut classes: Vec<&str> = active.iter().map(|m| m.class).collect();
        classes.sort_unstable();
        classes.dedup();
        out.push_str("<mark class=\"");
        out.push_str(&classes.join(" "));
        out.push('"');
        // The first segment of a mark carries its anchor, once.
        if let Some(anchor) = active
            .iter()
            .filter_map(|m| m.anchor.as_deref())
            .find(|x| !anchored.contains(x))
        {
            anchored.push(anchor);
            out.push_str(" id=\"");
            escape_into(&mut out, anchor);
            out.push('"');
        }
        let titles: Vec<&str> = active
            .iter()
            .map(|m| m.title.as_str())
            .filter(|t| !t.is_empty())
            .collect();
        if !titles.is_empty() {
            out.push_str(" title=\"");
            // Joined with "; ": a newline would be written out as a named badge.
            escape_into(&mut out, &titles.join("; "));
            out.push('"');
        }
        out.push('>');
        push_text(&mut out, &s[a..b], opts);
        out.push_str("</mark>");
    }
    Markup(out)
}

/// Runs of this many equal hidden characters become one badge with a count.
const RUN: usize = 4;

fn push_text(out: &mut String, s: &str, opts: TextOptions) {
    let mut iter = s.chars().peekable();
    while let Some(c) = iter.next() {
        if opts.multiline && (c == '\n' || c == '\t') {
            out.push(c);
            continue;
        }
        let kind = match CharKind::of(c) {
            Some(CharKind::LookAlike) if opts.hidden_only => None,
            k => k,
        };
        let Some(kind) = kind else {
            match c {
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '&' => out.push_str("&amp;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
            continue;
        };
        // A run of hidden characters of one kind (a tag payload, a
        // zero-width bit string) is one badge with a count.
        let mut run = vec![c];
        if kind != CharKind::LookAlike {
            while let Some(&d) = iter.peek() {
                if CharKind::of(d) == Some(kind) && !(opts.multiline && (d == '\n' || d == '\t')) {
                    run.push(d);
                    iter.next();
                } else {
                    break;
                }
            }
        }
        if run.len() >= RUN {
            badge(out, kind, &run);
        } else {
            for d in run {
                badge(out, kind, &[d]);
            }
        }
    }
}

/// `<span class="cp bidi" title="…">⟨U+202E RIGHT-TO-LEFT OVERRIDE⟩</span>`
fn badge(out: &mut String, kind: CharKind, run: &[char]) {
    let c = run[0];
    let _ = write!(out, "<span class=\"{}\" title=\"", kind.class());
    out.push_str(kind.describe());
    if kind == CharKind::LookAlike
        && let Some(p) = plainsight_text::chars::ascii_prototype(c)
    {
        out.push_str(" of ");
        escape_into(out, &p);
        out.push_str(", shown as ");
        out.push(c);
    }
    if run.len() > 1 {
        // What a tag run spells, when it spells ASCII.
        if kind == CharKind::Tag {
            let spelled: String = run
                .iter()
                .filter_map(|&t| char::from_u32(t as u32 - 0xE0000))
                .filter(char::is_ascii_graphic)
                .collect();
            if !spelled.is_empty() {
                out.push_str(": ");
                escape_into(out, &spelled);
            }
        }
    }
    out.push_str("\">⟨");
    out.push_str(&chars::codepoint(c));
    out.push(' ');
    push_name(out, c);
    if run.len() > 1 {
        let same = run.iter().all(|&d| d == c);
        let _ = write!(out, " {}×{}", if same { "" } else { "…" }, run.len());
    }
    out.push_str("⟩</span>");
}

/// A named badge for one code point (lists of characters in findings).
pub fn char_badge(codepoint: &str, name: &str) -> Markup {
    let mut out = String::new();
    out.push_str("<span class=\"cp named\">⟨");
    escape_into(&mut out, codepoint);
    out.push(' ');
    escape_into(&mut out, name);
    out.push_str("⟩</span>");
    Markup(out)
}

/// Escaped text inside a trusted element: `<tag class="…">text</tag>`.
pub fn element(tag: &'static str, class: &'static str, body: &str) -> Markup {
    let mut out = String::new();
    let _ = write!(out, "<{tag} class=\"{class}\">");
    escape_into(&mut out, body);
    let _ = write!(out, "</{tag}>");
    Markup(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_raw_hidden(s: &str) {
        for c in s.chars() {
            assert!(
                !chars::is_hidden(c) || c == '\n' || c == '\t',
                "raw {} in {s}",
                chars::visible(c)
            );
        }
    }

    #[test]
    fn escaper_escapes_html_and_writes_hidden_out() {
        let s = escape("<script>alert('x')</script>&\"\u{202E}a\u{200B}\u{200B}");
        assert_eq!(
            s,
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;⟨U+202E RIGHT-TO-LEFT OVERRIDE⟩a⟨U+200B ZERO WIDTH SPACE ×2⟩"
        );
        no_raw_hidden(&s);
    }

    #[test]
    fn badges_hidden_and_lookalikes() {
        let m = text("Today\u{2B9}s <b>\u{2066}x\u{2069}", TextOptions::default());
        let s = m.as_str();
        assert!(s.contains("⟨U+02B9 MODIFIER LETTER PRIME⟩"), "{s}");
        assert!(s.contains("class=\"cp lookalike\""), "{s}");
        assert!(s.contains("⟨U+2066 LEFT-TO-RIGHT ISOLATE⟩"), "{s}");
        assert!(s.contains("class=\"cp bidi\""), "{s}");
        assert!(s.contains("&lt;b&gt;"), "{s}");
        assert!(!s.contains('\u{2B9}') || s.contains("shown as \u{2B9}"));
        no_raw_hidden(s);
        // Only hidden ones when asked.
        let h = text(
            "Today\u{2019}s",
            TextOptions {
                hidden_only: true,
                ..TextOptions::default()
            },
        );
        assert_eq!(h.as_str(), "Today\u{2019}s");
    }

    #[test]
    fn tag_runs_are_one_badge_with_what_they_spell() {
        let tags: String = "HI!"
            .chars()
            .chain("xy".chars())
            .map(|c| char::from_u32(0xE0000 + c as u32).unwrap())
            .collect();
        let s = text(&format!("a{tags}b"), TextOptions::default()).into_string();
        assert!(s.contains("…×5⟩"), "{s}");
        assert!(s.contains("HI!xy"), "{s}");
        no_raw_hidden(&s);
    }

    #[test]
    fn marks_nest_properly_and_carry_anchors() {
        let marks = [
            Mark {
                range: 0..5,
                class: "hit",
                title: "a <finding>".into(),
                anchor: Some("f1".into()),
            },
            Mark {
                range: 3..8,
                class: "del",
                title: String::new(),
                anchor: None,
            },
        ];
        let s = marked("abcdefghij", &marks, TextOptions::default()).into_string();
        assert_eq!(
            s,
            "<mark class=\"hit\" id=\"f1\" title=\"a &lt;finding&gt;\">abc</mark>\
             <mark class=\"del hit\" title=\"a &lt;finding&gt;\">de</mark>\
             <mark class=\"del\">fgh</mark>ij"
        );
        // Ranges off char boundaries or past the end are clamped.
        let s = marked(
            "a\u{2019}b",
            &[Mark {
                range: 2..99,
                class: "hit",
                title: String::new(),
                anchor: None,
            }],
            TextOptions::default(),
        );
        assert!(s.as_str().starts_with("a<mark"), "{s}");
    }

    #[test]
    fn multiline_keeps_newlines_only_when_asked() {
        let s = text(
            "a\nb\tc\r",
            TextOptions {
                multiline: true,
                ..TextOptions::default()
            },
        );
        assert_eq!(
            s.as_str(),
            "a\nb\tc<span class=\"cp control\" title=\"control character\">⟨U+000D CARRIAGE RETURN⟩</span>"
        );
        let s = text("a\nb", TextOptions::default());
        assert!(s.as_str().contains("⟨U+000A LINE FEED⟩"));
    }

    #[test]
    fn every_code_point_class_is_inert() {
        // A sweep over the planes' interesting blocks: nothing raw survives.
        let mut s = String::new();
        for cp in (0..0x3000u32).chain(0xFE00..0xFFFF).chain(0xE0000..0xE0080) {
            if let Some(c) = char::from_u32(cp) {
                s.push(c);
            }
        }
        let m = text(&s, TextOptions::default()).into_string();
        no_raw_hidden(&m);
        no_raw_hidden(&escape(&s));
        assert!(!m.contains("<script") && !escape(&s).contains('<'));
    }
}
