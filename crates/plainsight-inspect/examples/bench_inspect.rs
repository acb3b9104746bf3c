//! `inspect` on one-line inputs with many findings, at several sizes, so that
//! linearity (or its absence) shows: time per megabyte should stay flat.
//!
//!   cargo run --release -p plainsight-inspect --example bench_inspect [MB …]
//!
//! Two inputs per size: a single line of text, and an Anthropic request body
//! whose one user message is that line (one multi-megabyte JSON string). The
//! line repeats a 1 KB unit of prose holding a look-alike letter in a word, a
//! zero-width space, a bidi override pair, a doubled space, a no-break space,
//! a typographic apostrophe among ASCII ones and a date in another format:
//! every kind of finding whose place is computed on the long line. Output:
//! one line per input: `kind MB findings wall-seconds cpu-seconds MB/s`, the
//! rate from CPU time (user + system of this process, from `/proc/self/stat`
//! where there is one), which a shared, loaded machine disturbs far less than
//! wall-clock time.
//! `scripts/bench-inspect.sh` runs this against an older commit in the same run.

use std::io::Write;
use std::time::Instant;

use plainsight_inspect::{InputFormat, InspectOptions, inspect};

/// About 1 KB; no `"`, `\` or control characters (it goes into JSON as is).
fn unit() -> String {
    let prose = "It's a plain line of prose, it's fine and it's long enough. ";
    let mut u = String::new();
    for _ in 0..7 {
        u.push_str(prose);
        u.push_str("Today's date is 2026-11-21. ");
    }
    // Findings: PS505 look-alike (Cyrillic а), invisible, bidi, doubled space,
    // unusual space, odd apostrophe, odd date.
    u.push_str("Pay with p\u{0430}ypal now. a\u{200B}b \u{202E}xy\u{202C} word  word \u{00A0}x Today\u{2019}s date is 2026/11/21. ");
    u
}

/// CPU time of this process (user + system) in seconds, if the OS says.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    // USER_HZ is 100 on every Linux architecture plainsight builds for.
    Some(ticks / 100.0)
}

fn line(bytes: usize) -> String {
    let u = unit();
    u.repeat(bytes / u.len() + 1)
}

/// `deep N`: inspect `{"a":{"a":…"x"…}}` nested `N` deep (with `--max-depth`
/// raised to allow it) and print the time; run it under `/usr/bin/time -v`
/// for the peak memory, which must grow linearly with `N`.
fn deep(n: usize) {
    let mut doc = String::with_capacity(n * 6 + 8);
    for _ in 0..n {
        doc.push_str("{\"a\":");
    }
    doc.push_str(r#""x\u200by""#);
    doc.push_str(&"}".repeat(n));
    let opts = InspectOptions {
        format: InputFormat::Json,
        max_depth: n + 1,
        ..InspectOptions::default()
    };
    let t = Instant::now();
    let found = inspect("deep.json", doc.as_bytes(), &opts).map_or(0, |f| f.len());
    let _ = writeln!(
        std::io::stdout(),
        "deep {n:>8} {found:>4} finding(s) {:>8.2} s",
        t.elapsed().as_secs_f64()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("deep") {
        for n in args[1..].iter().filter_map(|a| a.parse().ok()) {
            deep(n);
        }
        return;
    }
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![5, 10, 25, 50]
    } else {
        sizes
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{:<6} {:>5} {:>9} {:>9} {:>9} {:>8}",
        "kind", "MB", "findings", "wall s", "cpu s", "MB/s"
    );
    for mb in sizes {
        let text = line(mb << 20);
        let json = format!(
            r#"{{"model":"m","max_tokens":1,"messages":[{{"role":"user","content":"{text}"}}]}}"#
        );
        for (kind, name, body, format) in [
            ("text", "bench.txt", text.as_bytes(), InputFormat::Text),
            ("json", "bench.json", json.as_bytes(), InputFormat::Json),
        ] {
            let opts = InspectOptions {
                format,
                ..InspectOptions::default()
            };
            let (t, c) = (Instant::now(), cpu_seconds());
            let found = inspect(name, body, &opts);
            let wall = t.elapsed().as_secs_f64();
            let cpu = c.and_then(|c| Some(cpu_seconds()? - c)).unwrap_or(wall);
            let n = found.map_or(0, |f| f.len());
            let size = body.len() as f64 / f64::from(1 << 20);
            let _ = writeln!(
                out,
                "{kind:<6} {size:>5.0} {n:>9} {wall:>9.2} {cpu:>9.2} {:>8.1}",
                size / cpu.max(0.01)
            );
        }
    }
}
