//! End-to-end tests on hand-written fixtures: every planted character must be
//! found at its exact file offset and line:column, with the right JSON pointer
//! and prompt part.
//!
//! Two layers: `mapping_*` tests check the document model alone (segments, maps,
//! pointers, parts) and do not depend on the text engine's verdicts;
//! `inspect_*` and `normalize_*` tests run the whole pipeline.

use plainsight_core::{Finding, Position};
use plainsight_inspect::document::{self, Document};
use plainsight_inspect::json::StringKind;
use plainsight_inspect::lines::LineIndex;
use plainsight_inspect::{InputFormat, InspectError, InspectOptions, inspect, normalize};
use plainsight_text::Policy;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// A character planted in a fixture: where its raw bytes are and how it is named.
struct Planted {
    file: &'static str,
    /// The planted character, decoded.
    ch: char,
    start: u64,
    end: u64,
    line: u32,
    column: u32,
    pointer: &'static str,
    part: &'static str,
}

const PLANTED: &[Planted] = &[
    // Raw UTF-8 ’ in the second system block: "Today’s date is 2026/11/21."
    Planted {
        file: "anthropic.json",
        ch: '\u{2019}',
        start: 235,
        end: 238,
        line: 6,
        column: 36,
        pointer: "/system/1/text",
        part: "system[1].text",
    },
    // Escaped zero-width space `\u200b` in a user message block.
    Planted {
        file: "anthropic.json",
        ch: '\u{200B}',
        start: 364,
        end: 370,
        line: 9,
        column: 82,
        pointer: "/messages/0/content/0/text",
        part: "messages[0].content[0].text",
    },
    // Tag characters written as surrogate pairs in a tool parameter description.
    Planted {
        file: "anthropic.json",
        ch: '\u{E0041}',
        start: 614,
        end: 626,
        line: 18,
        column: 68,
        pointer: "/tools/0/input_schema/properties/command/description",
        part: "tools[0].input_schema.properties.command.description",
    },
    // Cyrillic а inside "pаssword" (raw UTF-8).
    Planted {
        file: "openai_chat.json",
        ch: '\u{430}',
        start: 135,
        end: 137,
        line: 1,
        column: 136,
        pointer: "/messages/1/content/0/text",
        part: "messages[1].content[0].text",
    },
    // RIGHT-TO-LEFT OVERRIDE in a tool description.
    Planted {
        file: "openai_chat.json",
        ch: '\u{202E}',
        start: 228,
        end: 234,
        line: 1,
        column: 228,
        pointer: "/tools/0/function/description",
        part: "tools[0].function.description",
    },
    Planted {
        file: "responses.json",
        ch: '\u{A0}',
        start: 56,
        end: 62,
        line: 3,
        column: 35,
        pointer: "/instructions",
        part: "instructions",
    },
    Planted {
        file: "responses.json",
        ch: '\u{2019}',
        start: 67,
        end: 73,
        line: 3,
        column: 46,
        pointer: "/instructions",
        part: "instructions",
    },
    Planted {
        file: "responses.json",
        ch: '\u{200B}',
        start: 303,
        end: 306,
        line: 6,
        column: 73,
        pointer: "/input/1/content/0/text",
        part: "input[1].content[0].text",
    },
    // HAR: raw ’ inside the nested body of entry 0 …
    Planted {
        file: "capture.har",
        ch: '\u{2019}',
        start: 376,
        end: 379,
        line: 15,
        column: 76,
        pointer: "/log/entries/0/request/postData/text",
        part: "entries[0].request › system",
    },
    // … a zero-width space in a streamed (non-JSON) response …
    Planted {
        file: "capture.har",
        ch: '\u{200B}',
        start: 706,
        end: 709,
        line: 22,
        column: 58,
        pointer: "/log/entries/0/response/content/text",
        part: "entries[0].response",
    },
    // … and escapes escaped twice (`\\u2019`) in entry 1.
    Planted {
        file: "capture.har",
        ch: '\u{2019}',
        start: 1003,
        end: 1010,
        line: 32,
        column: 73,
        pointer: "/log/entries/1/request/postData/text",
        part: "entries[1].request › system",
    },
    Planted {
        file: "capture.har",
        ch: '\u{2060}',
        start: 1130,
        end: 1137,
        line: 32,
        column: 200,
        pointer: "/log/entries/1/request/postData/text",
        part: "entries[1].request › messages[0].content",
    },
    Planted {
        file: "chat.jsonl",
        ch: '\u{A0}',
        start: 122,
        end: 124,
        line: 2,
        column: 56,
        pointer: "/messages/0/content",
        part: "line 2: messages[0].content",
    },
    Planted {
        file: "chat.jsonl",
        ch: '\u{E0041}',
        start: 204,
        end: 216,
        line: 4,
        column: 61,
        pointer: "/messages/0/content",
        part: "line 4: messages[0].content",
    },
    // A zero-width space in a member NAME, then one in a value.
    Planted {
        file: "generic.json",
        ch: '\u{200B}',
        start: 65,
        end: 68,
        line: 5,
        column: 9,
        pointer: "/items/1/ti\u{200B}tle",
        part: "items[1][\"ti\\u200btle\"] (member name)",
    },
    Planted {
        file: "generic.json",
        ch: '\u{200B}',
        start: 140,
        end: 143,
        line: 6,
        column: 34,
        pointer: "/items/2/title",
        part: "items[2].title",
    },
];

fn load<'a>(name: &str, bytes: &'a [u8]) -> Document<'a> {
    document::load(name, bytes, &InspectOptions::default()).unwrap()
}

#[test]
fn mapping_puts_every_planted_character_on_its_file_bytes() {
    for p in PLANTED {
        let bytes = fixture(p.file);
        let doc = load(p.file, &bytes);
        let lines = LineIndex::new(&bytes);
        let mut hits = Vec::new();
        for seg in &doc.segments {
            for (i, c) in seg.text.char_indices() {
                if c == p.ch {
                    let start = doc.to_file(seg, i);
                    let end = doc.to_file(seg, i + c.len_utf8());
                    hits.push((start, end, seg.pointer(), seg.part()));
                }
            }
        }
        let hit = hits.iter().find(|h| h.0 == p.start).unwrap_or_else(|| {
            panic!(
                "{}: no U+{:04X} mapped to offset {}; got {hits:?}",
                p.file, p.ch as u32, p.start
            )
        });
        assert_eq!(hit.1, p.end, "{} end of U+{:04X}", p.file, p.ch as u32);
        assert_eq!(hit.2.as_deref(), Some(p.pointer), "{} pointer", p.file);
        assert_eq!(hit.3.as_deref(), Some(p.part), "{} part", p.file);
        assert_eq!(
            lines.position(p.start),
            Position {
                offset: p.start,
                line: p.line,
                column: p.column
            },
            "{} line:column",
            p.file
        );
    }
}

#[test]
fn mapping_recognises_llm_bodies() {
    let bytes = fixture("anthropic.json");
    let doc = load("anthropic.json", &bytes);
    let notes = |pointer: &str| {
        doc.segments
            .iter()
            .find(|s| s.pointer().as_deref() == Some(pointer) && s.kind == StringKind::Value)
            .unwrap()
            .notes()
    };
    assert_eq!(
        notes("/system/1/text"),
        ["Anthropic Messages request: system prompt"]
    );
    assert_eq!(
        notes("/messages/0/content/0/text"),
        ["Anthropic Messages request: user message"]
    );
    assert_eq!(
        notes("/tools/0/input_schema/properties/command/description"),
        ["Anthropic Messages request: tool parameter description"]
    );
    let bytes = fixture("openai_chat.json");
    let doc = load("openai_chat.json", &bytes);
    assert!(
        doc.segments
            .iter()
            .any(|s| s.notes() == ["OpenAI Chat Completions request: tool description"])
    );
    let bytes = fixture("responses.json");
    let doc = load("responses.json", &bytes);
    assert!(
        doc.segments
            .iter()
            .any(|s| s.notes() == ["OpenAI Responses request: instructions (system prompt)"])
    );
}

#[test]
fn mapping_skips_base64_har_bodies_and_headers() {
    let bytes = fixture("capture.har");
    let doc = load("capture.har", &bytes);
    assert!(doc.segments.iter().all(|s| s.text != "iVBORw0KGgo="));
    assert!(doc.segments.iter().all(|s| !s.text.starts_with("https://")));
    // The nested bodies were parsed: their strings are segments of their own,
    // noted with the API part and the exchange they belong to.
    let system = doc
        .segments
        .iter()
        .find(|s| s.part().as_deref() == Some("entries[1].request › system"))
        .unwrap();
    assert_eq!(
        system.notes(),
        [
            "Anthropic Messages request: system prompt",
            "HAR entry 1: POST https://api.example.test/v1/messages"
        ]
    );
}

#[test]
fn mapping_auto_detects_without_extension() {
    for (file, part) in [
        ("chat.jsonl", "line 2: messages[0].content"),
        ("capture.har", "entries[0].request › system"),
    ] {
        let bytes = fixture(file);
        let doc = load("<stdin>", &bytes);
        assert!(
            doc.segments
                .iter()
                .any(|s| s.part().as_deref() == Some(part)),
            "{file}"
        );
    }
    // Forcing text makes a JSON file one segment.
    let bytes = fixture("generic.json");
    let opts = InspectOptions {
        format: InputFormat::Text,
        ..InspectOptions::default()
    };
    assert_eq!(
        document::load("generic.json", &bytes, &opts)
            .unwrap()
            .segments
            .len(),
        1
    );
}

/// The finding that covers a planted character.
fn covering<'f>(findings: &'f [Finding], p: &Planted) -> &'f Finding {
    findings
        .iter()
        .filter(|f| f.location.start.offset <= p.start && f.location.end.offset >= p.end)
        .min_by_key(|f| f.location.end.offset - f.location.start.offset)
        .unwrap_or_else(|| {
            let got: Vec<_> = findings
                .iter()
                .map(|f| {
                    (
                        f.rule.code(),
                        f.location.start.offset,
                        f.location.end.offset,
                    )
                })
                .collect();
            panic!(
                "{}: nothing covers U+{:04X} at {}..{}; got {got:?}",
                p.file, p.ch as u32, p.start, p.end
            )
        })
}

#[test]
fn inspect_finds_every_planted_character_where_it_is() {
    for p in PLANTED {
        let bytes = fixture(p.file);
        let findings = inspect(p.file, &bytes, &InspectOptions::default()).unwrap();
        let f = covering(&findings, p);
        assert_eq!(f.location.path, p.file);
        assert_eq!(
            f.location.json_pointer.as_deref(),
            Some(p.pointer),
            "{} pointer",
            p.file
        );
        assert_eq!(f.location.part.as_deref(), Some(p.part), "{} part", p.file);
        if f.location.start.offset == p.start {
            assert_eq!(
                (f.location.start.line, f.location.start.column),
                (p.line, p.column),
                "{}",
                p.file
            );
        }
        let ex = f.excerpt.as_ref().expect("excerpt");
        assert!(
            ex.text[ex.start..ex.end].contains(p.ch),
            "{}: excerpt {ex:?}",
            p.file
        );
    }
}

#[test]
fn inspect_clean_jsonl_line_has_no_findings() {
    let bytes = fixture("chat.jsonl");
    let findings = inspect("chat.jsonl", &bytes, &InspectOptions::default()).unwrap();
    assert!(
        findings.iter().all(|f| f.location.start.line != 1),
        "{findings:?}"
    );
}

#[test]
fn inspect_reports_malformed_json_with_position() {
    let cases: &[(&str, &[u8], &str)] = &[
        (
            "t.json",
            b"{\n  \"a\": [1, 2,]\n}",
            "t.json:2:14: malformed JSON: trailing comma before ']'",
        ),
        (
            "t.json",
            b"{\"a\": \"\xff\"}",
            "t.json: invalid UTF-8 at byte offset 7 (use --lossy to replace it)",
        ),
        (
            "t.json",
            b"{\"a\": \"x",
            "t.json:1:7: malformed JSON: unterminated string",
        ),
        (
            "t.jsonl",
            b"{}\n{\"a\" 1}\n",
            "t.jsonl:2:6: malformed JSON: expected ':' after member name, found '1'",
        ),
        (
            "t.txt",
            b"ab\xc3",
            "t.txt: invalid UTF-8 at byte offset 2 (use --lossy to replace it)",
        ),
    ];
    for (name, bytes, message) in cases {
        let e = inspect(name, bytes, &InspectOptions::default()).unwrap_err();
        assert_eq!(e.to_string(), *message);
    }
    let deep = "[".repeat(100_000);
    let e = inspect("deep.json", deep.as_bytes(), &InspectOptions::default()).unwrap_err();
    assert!(
        matches!(
            e,
            InspectError::TooDeep {
                line: 1,
                column: 513,
                limit: 512,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn inspect_lossy_text_points_at_the_bad_bytes() {
    let bytes = b"fine\nbad \xff\xfe here\xe2\x80\x8b\n";
    let opts = InspectOptions {
        lossy: true,
        ..InspectOptions::default()
    };
    let findings = inspect("x.txt", bytes, &opts).unwrap();
    // The zero-width space after the replacements is still located exactly.
    let zw = findings
        .iter()
        .find(|f| f.chars.iter().any(|c| c.codepoint == "U+200B"))
        .expect("ZWSP found");
    assert_eq!(
        zw.location.start,
        Position {
            offset: 16,
            line: 2,
            column: 12
        }
    );
    assert_eq!(zw.location.end.offset, 19);
}

#[test]
fn normalize_rewrites_only_changed_strings() {
    let bytes = fixture("anthropic.json");
    let (out, edits) = normalize(
        "anthropic.json",
        &bytes,
        &InspectOptions::default(),
        &Policy::default(),
    )
    .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out).expect("still JSON");
    let original: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(v["system"][1]["text"], "Today's date is 2026/11/21.");
    assert_eq!(
        v["messages"][0]["content"][0]["text"],
        "Fix the bug in main.rs please"
    );
    assert_eq!(v["system"][0], original["system"][0]);
    assert_eq!(v["model"], original["model"]);
    // Structure and formatting kept: same number of lines, untouched prefix identical.
    assert_eq!(
        memchr::memchr_iter(b'\n', &out).count(),
        memchr::memchr_iter(b'\n', &bytes).count()
    );
    assert_eq!(out[..235], bytes[..235]);
    let quote = edits
        .iter()
        .find(|e| e.location.start.offset == 235)
        .expect("edit for ’");
    assert_eq!(
        quote.location.json_pointer.as_deref(),
        Some("/system/1/text")
    );
    assert_eq!(
        (quote.location.start.line, quote.location.start.column),
        (6, 36)
    );
    assert!(
        edits
            .iter()
            .any(|e| e.location.start.offset == 364 && e.location.end.offset == 370)
    );
}

#[test]
fn normalize_har_rewrites_nested_bodies() {
    let bytes = fixture("capture.har");
    let (out, _edits) = normalize(
        "capture.har",
        &bytes,
        &InspectOptions::default(),
        &Policy::default(),
    )
    .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out).expect("still JSON");
    for i in 0..2 {
        let body = v["log"]["entries"][i]["request"]["postData"]["text"]
            .as_str()
            .unwrap();
        let body: serde_json::Value = serde_json::from_str(body).expect("nested body still JSON");
        assert_eq!(body["system"], "Today's date is 2026/11/21.", "entry {i}");
        assert!(
            !body["messages"][0]["content"]
                .as_str()
                .unwrap()
                .contains('\u{2060}')
        );
    }
}

#[test]
fn normalize_text_file() {
    let text = "Don't. Won't. Can't. It's. I'm. Today\u{2019}s a\u{200B}b\n";
    let (out, edits) = normalize(
        "t.txt",
        text.as_bytes(),
        &InspectOptions::default(),
        &Policy::default(),
    )
    .unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "Don't. Won't. Can't. It's. I'm. Today's ab\n"
    );
    assert!(edits.len() >= 2);
}

#[test]
fn inspect_notes_lone_surrogates_on_findings_in_that_string() {
    let src = br#"{"s": "a\ud800 b\u200bc"}"#;
    let findings = inspect("s.json", src, &InspectOptions::default()).unwrap();
    let zw = findings
        .iter()
        .find(|f| f.chars.iter().any(|c| c.codepoint == "U+200B"))
        .expect("ZWSP found");
    assert!(
        zw.notes.iter().any(|n| n.contains("1 unpaired surrogate")),
        "{:?}",
        zw.notes
    );
    assert_eq!(zw.location.start.offset, 16);
}

#[test]
fn inspect_bom_and_crlf_json_lines() {
    let src = "\u{FEFF}{\"m\": \"clean\"}\r\n{\"m\": \"a\u{200B}b\"}\r\n";
    let findings = inspect("<stdin>", src.as_bytes(), &InspectOptions::default()).unwrap();
    let zw = findings
        .iter()
        .find(|f| f.chars.iter().any(|c| c.codepoint == "U+200B"))
        .expect("ZWSP found");
    assert_eq!(zw.location.part.as_deref(), Some("line 2: m"));
    assert_eq!((zw.location.start.line, zw.location.start.column), (2, 9));
    assert_eq!(
        zw.location.start.offset,
        src.find('\u{200B}').unwrap() as u64
    );
}
