//! Throughput of the text engine on generated prompt-like text.
//!
//! Targets: ≥ 2 GB/s on ASCII-dominant prose, ≥ 200 MB/s on CJK-heavy text.
//! Baselines over the same bytes (`memchr` newline count, `std::str::from_utf8`)
//! run in the same process so ratios stay meaningful on a noisy shared machine.
//!
//! Run: `cargo bench -p plainsight-text --bench throughput`

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use plainsight_text::{Options, analyze_document};

/// Deterministic generator (xorshift64*), so every run measures the same text.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "the",
    "assistant",
    "should",
    "answer",
    "user",
    "questions",
    "about",
    "code",
    "and",
    "tools",
    "carefully",
    "when",
    "it's",
    "unsure",
    "don't",
    "guess",
    "report",
    "errors",
    "with",
    "context",
    "files",
    "commands",
    "terminal",
    "project",
    "repository",
    "tests",
    "build",
    "a",
    "of",
    "to",
    "in",
    "is",
    "that",
    "for",
    "on",
];

/// English prompt-like prose, `size` bytes or a little more, with a handful of
/// planted findings (one per ~1 MB) so the slow paths are exercised too.
fn ascii_prose(size: usize) -> String {
    let mut rng = Rng(0x1234_5678_9ABC_DEF1);
    let mut s = String::with_capacity(size + 256);
    let mut line = 0usize;
    while s.len() < size {
        line += 1;
        let n = 8 + (rng.next() % 10) as usize;
        for k in 0..n {
            if k > 0 {
                s.push(' ');
            }
            s.push_str(rng.pick(WORDS));
        }
        if line.is_multiple_of(7) {
            let _ = write!(s, " on 2026-11-{:02}", 1 + line % 28);
        }
        s.push_str(if line.is_multiple_of(3) {
            ", \"quoted\".\n"
        } else {
            ".\n"
        });
        if line.is_multiple_of(12_000) {
            s.push_str("Today\u{2019}s date is 2026/11/21 and you \u{0430}re here\u{200B}.\n");
        }
    }
    s
}

const CJK: &[&str] = &[
    "本日は",
    "晴天なり",
    "会議は",
    "午後三時から",
    "始まります",
    "資料を",
    "読んでください",
    "東京",
    "大阪",
    "今天",
    "天气很好",
    "我们",
    "明天见",
    "请注意",
    "代码",
    "测试",
    "项目",
];

/// CJK-heavy text with full-width punctuation and a little ASCII.
fn cjk_text(size: usize) -> String {
    let mut rng = Rng(0x0FED_CBA9_8765_4321);
    let mut s = String::with_capacity(size + 256);
    let mut line = 0usize;
    while s.len() < size {
        line += 1;
        for _ in 0..10 {
            s.push_str(rng.pick(CJK));
            s.push_str(if rng.next().is_multiple_of(4) {
                "、"
            } else {
                ""
            });
        }
        if line.is_multiple_of(5) {
            s.push_str("（API v2）：");
        }
        s.push_str("。\n");
    }
    s
}

fn bench(c: &mut Criterion) {
    let opts = Options::default();
    for (name, text) in [
        ("ascii_prose", ascii_prose(8 << 20)),
        ("cjk", cjk_text(8 << 20)),
    ] {
        let findings = analyze_document(&[&text], &opts);
        assert!(
            !findings.is_empty() || name == "cjk",
            "planted findings must be found"
        );
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.sample_size(20);
        g.bench_function("analyze_document", |b| {
            b.iter(|| analyze_document(black_box(&[&text]), &opts));
        });
        g.bench_function("baseline_memchr_newlines", |b| {
            b.iter(|| memchr::memchr_iter(b'\n', black_box(text.as_bytes())).count());
        });
        g.bench_function("baseline_from_utf8", |b| {
            b.iter(|| std::str::from_utf8(black_box(text.as_bytes())).is_ok());
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
