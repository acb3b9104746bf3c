//! The pages rendered from a real SQLite store holding the samples (real
//! inspector findings, sealed by the store's redactor): escaping, badges,
//! redaction, the drift view, and what every page must never contain.

use askama::Template;
use plainsight_core::chars::is_hidden;
use plainsight_store::{OpenMode, StoreUrl, open};
use plainsight_web::audit::{ComparePage, DetailPage, ListPage, ListQuery};
use plainsight_web::components::{FindingCard, Layout};
use plainsight_web::sample;

/// Nothing raw: no hidden character (line feeds and tabs inside `<pre>` are
/// text layout, not hidden), no agent markup as markup.
fn assert_inert(html: &str) {
    for (i, c) in html.char_indices() {
        assert!(
            !is_hidden(c) || c == '\n' || c == '\t',
            "raw {} at byte {i}",
            plainsight_core::chars::visible(c)
        );
    }
    for bad in [
        "<script>window",
        "<img src=x",
        "<svg onload",
        "onerror=\"",
        "<b>bold",
    ] {
        assert!(!html.contains(bad), "unescaped `{bad}`");
    }
    assert!(
        !html.contains(sample::SECRET),
        "the redacted secret is in the page"
    );
    assert!(
        !html.contains("style=\""),
        "inline style (the CSP forbids it)"
    );
    assert!(
        !html.contains("<script>"),
        "inline script (the CSP forbids it)"
    );
}

fn store() -> (
    tempfile::TempDir,
    Box<dyn plainsight_store::Store>,
    sample::SampleIds,
) {
    let dir = tempfile::tempdir().unwrap();
    let url = StoreUrl::Sqlite(dir.path().join("audit.sqlite3"));
    let mut s = open(&url, OpenMode::Write).unwrap();
    let ids = sample::write(&mut *s).unwrap();
    (dir, s, ids)
}

#[test]
fn detail_page_names_hidden_characters_and_stays_inert() {
    let (_d, mut s, ids) = store();
    let x = s.get(ids.hostile).unwrap().unwrap();
    assert!(
        !x.request.findings.is_empty(),
        "the inspector found nothing"
    );
    let html = DetailPage::new(Layout::default(), &x, Vec::new())
        .render()
        .unwrap();
    assert_inert(&html);
    for badge in [
        "⟨U+202E RIGHT-TO-LEFT OVERRIDE⟩",
        "⟨U+2066 LEFT-TO-RIGHT ISOLATE⟩",
        "⟨U+200B ZERO WIDTH SPACE⟩",
        "⟨U+200D ZERO WIDTH JOINER⟩",
        "TAG LATIN CAPITAL LETTER I …×15⟩",
    ] {
        assert!(html.contains(badge), "no badge {badge}");
    }
    // The escaped markup is there as text.
    assert!(html.contains("&lt;script&gt;window.__pwned=1&lt;/script&gt;"));
    // The secret as its fingerprint, marked.
    assert!(
        html.contains("<mark class=\"redacted\""),
        "no redaction mark"
    );
    assert!(html.contains("[REDACTED:anthropic-key:"));
    // Findings are linked to the text they point at, and back.
    assert!(html.contains("id=\"t-f0\""), "no highlight anchor");
    assert!(html.contains("href=\"#t-f0\""), "no link to the highlight");
}

#[test]
fn list_shows_code_points_and_escapes_agents() {
    let (_d, mut s, ids) = store();
    let rows = s
        .list(&plainsight_store::Filter {
            newest_first: true,
            ..plainsight_store::Filter::default()
        })
        .unwrap();
    let page = ListPage::new(Layout::default(), ListQuery::default(), &rows, 4, None);
    let html = page.render().unwrap();
    assert_inert(&html);
    assert!(
        html.contains("U+02B9"),
        "the look-alike's code point is not in the list"
    );
    assert!(html.contains(&format!("/exchanges/{}", ids.after)));
    assert!(html.contains("evil-agent/1.0 &lt;script&gt;"));
    assert!(html.contains("⟨U+202E RIGHT-TO-LEFT OVERRIDE⟩gnp.exe"));
    assert!(html.contains("action-blocked"));
}

#[test]
fn drift_view_marks_the_swapped_character() {
    let (_d, mut s, ids) = store();
    let a = s.get(ids.before).unwrap().unwrap();
    let b = s.get(ids.after).unwrap().unwrap();
    let page = ComparePage::new(Layout::default(), &a, &b);
    assert!(page.imperceptible >= 1);
    let html = page.render().unwrap();
    assert_inert(&html);
    assert!(html.contains("<mark class=\"ins imperceptible\""), "{html}");
    assert!(html.contains("⟨U+02B9 MODIFIER LETTER PRIME⟩"));
    assert!(html.contains("look-alike"));
}

#[test]
fn finding_card_snapshot() {
    let (_d, mut s, ids) = store();
    let x = s.get(ids.after).unwrap().unwrap();
    let f = x
        .request
        .findings
        .iter()
        .find(|f| f.chars.iter().any(|c| c.codepoint == "U+02B9"))
        .expect("a finding on U+02B9");
    let html = FindingCard::new(f, "f0".into()).to_markup().into_string();
    assert_inert(&html);
    insta::assert_snapshot!(html);
}

#[test]
fn templates_never_bypass_the_escaper() {
    // Markup goes in through the `markup` filter only (typed: `Markup`).
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut stack = vec![dir];
    let mut seen = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let t = std::fs::read_to_string(&p).unwrap();
            seen += 1;
            for banned in [
                "|safe",
                "| safe",
                "escape(\"none\")",
                "escape = \"none\"",
                "style=",
                "<script>",
                " on",
            ] {
                let hit = if banned == " on" {
                    // No inline event handler attributes (onclick=…).
                    t.match_indices(" on").any(|(i, _)| {
                        t[i + 3..]
                            .chars()
                            .take_while(char::is_ascii_lowercase)
                            .count()
                            > 2
                            && t[i + 3..]
                                .trim_start_matches(|c: char| c.is_ascii_lowercase())
                                .starts_with('=')
                    })
                } else {
                    t.contains(banned)
                };
                assert!(!hit, "{} uses `{banned}`", p.display());
            }
        }
    }
    assert!(seen >= 10, "templates not found");
}
