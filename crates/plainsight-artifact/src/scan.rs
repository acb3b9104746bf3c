//! Units to findings: every unit through its analyzer, on a bounded number
//! of threads. `plainsight scan` and `plainsight history` both scan this
//! way, so one version of a package gives the same findings either way.
//!
//! - **Biggest unit first**, so one 13 MB bundle does not start last and
//!   finish alone. Plain scoped threads instead of rayon: one flat queue
//!   needs nothing more, and each JS unit already runs on its own
//!   big-stack thread inside `plainsight-js`.
//! - **Deterministic.** Results are stored by unit index and returned in
//!   unit order, so the output does not depend on scheduling.
//! - **JavaScript that is not UTF-8** (this crate already converts Bun's
//!   Latin-1) is decoded lossily with a notice naming the unit and the
//!   first bad offset: the code is still worth scanning, and positions
//!   before that offset stay exact.
//! - Native units get the strings inventory ([`crate::exe::strings`]).

use std::cmp::Reverse;
use std::sync::atomic::{AtomicUsize, Ordering};

use plainsight_core::{Finding, UnitOutcome};
use plainsight_js::ScanOptions;

use crate::{Unit, UnitKind};

/// What scanning a set of units produced, in unit order.
#[derive(Clone, Debug, Default)]
pub struct Scanned {
    pub findings: Vec<Finding>,
    /// Every unit's outcome: analysed, partial or not analysed, and why.
    pub units: Vec<UnitOutcome>,
    pub notices: Vec<String>,
}

/// Scan every unit on up to `jobs` threads, biggest first. JavaScript units
/// that import each other (`plainsight_js::module_groups`, at most
/// `js.max_group_bytes` per group) are scanned together as one program, so
/// the covert-channel flow engine follows values across modules.
pub fn scan_units(units: &[Unit], js: &ScanOptions, jobs: usize) -> Scanned {
    let mut texts: Vec<Option<std::borrow::Cow<'_, str>>> = Vec::with_capacity(units.len());
    let mut decode_notices: Vec<Option<String>> = Vec::with_capacity(units.len());
    for u in units {
        if u.kind == UnitKind::JavaScript {
            let (t, n) = decode(u);
            texts.push(Some(t));
            decode_notices.push(n);
        } else {
            texts.push(None);
            decode_notices.push(None);
        }
    }
    let js_units: Vec<usize> = (0..units.len()).filter(|&i| texts[i].is_some()).collect();
    let sources: Vec<plainsight_js::SourceUnit<'_>> = js_units
        .iter()
        .map(|&i| plainsight_js::SourceUnit {
            path: &units[i].path,
            chain: &units[i].chain,
            source: texts[i].as_deref().unwrap_or(""),
        })
        .collect();
    let (groups, group_notices) = plainsight_js::module_groups(&sources, js.max_group_bytes);
    // Work items: groups of JavaScript units, native units alone; biggest first.
    let mut work: Vec<Vec<usize>> = groups
        .into_iter()
        .map(|g| g.into_iter().map(|k| js_units[k]).collect())
        .collect();
    work.extend(
        (0..units.len())
            .filter(|&i| texts[i].is_none())
            .map(|i| vec![i]),
    );
    let bytes = |w: &Vec<usize>| -> usize { w.iter().map(|&i| units[i].data.len()).sum() };
    work.sort_by_key(|w| Reverse(bytes(w)));
    let done = par_map(jobs, &work, |w| {
        if texts[w[0]].is_none() {
            return vec![scan_unit(&units[w[0]], js)];
        }
        let group: Vec<plainsight_js::SourceUnit<'_>> = w
            .iter()
            .map(|&i| plainsight_js::SourceUnit {
                path: &units[i].path,
                chain: &units[i].chain,
                source: texts[i].as_deref().unwrap_or(""),
            })
            .collect();
        plainsight_js::scan_package(&group, js)
            .into_iter()
            .map(|out| Scanned {
                findings: out.findings,
                units: out.units,
                notices: Vec::new(),
            })
            .collect()
    });
    let mut results: Vec<Option<Scanned>> = (0..units.len()).map(|_| None).collect();
    for (w, rs) in work.iter().zip(done) {
        for (&i, mut r) in w.iter().zip(rs) {
            r.notices.extend(decode_notices[i].take());
            results[i] = Some(r);
        }
    }
    let mut out = Scanned {
        notices: group_notices,
        ..Scanned::default()
    };
    for r in results.into_iter().flatten() {
        out.findings.extend(r.findings);
        out.units.extend(r.units);
        out.notices.extend(r.notices);
    }
    out
}

/// The unit's text: borrowed when it is UTF-8, else decoded lossily with a
/// notice naming the unit and the first bad byte.
fn decode(unit: &Unit) -> (std::borrow::Cow<'_, str>, Option<String>) {
    let bytes = unit.data.bytes();
    match std::str::from_utf8(bytes) {
        Ok(t) => (std::borrow::Cow::Borrowed(t), None),
        Err(e) => (
            String::from_utf8_lossy(bytes),
            Some(format!(
                "{}: not valid UTF-8 at byte {}; invalid bytes read as U+FFFD \
                 (positions after it are approximate)",
                display(unit),
                e.valid_up_to()
            )),
        ),
    }
}

/// Scan one unit with the analyzer its kind calls for.
pub fn scan_unit(unit: &Unit, js: &ScanOptions) -> Scanned {
    match unit.kind {
        UnitKind::JavaScript => {
            let (text, notice) = decode(unit);
            let out = plainsight_js::scan_source(&unit.path, &unit.chain, &text, js);
            Scanned {
                findings: out.findings,
                units: out.units,
                notices: notice.into_iter().collect(),
            }
        }
        UnitKind::Native => Scanned {
            findings: crate::exe::strings::native_findings(unit),
            units: vec![UnitOutcome::analysed(unit.chain.clone(), &unit.path)],
            notices: Vec::new(),
        },
    }
}

fn display(unit: &Unit) -> String {
    let mut s = unit.chain.join(" › ");
    if !s.is_empty() {
        s.push_str(" › ");
    }
    s.push_str(&unit.path);
    s
}

/// `items.iter().map(f)` on up to `jobs` threads, results in input order.
pub fn par_map<T: Sync, R: Send>(jobs: usize, items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = jobs.min(items.len());
    if workers <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        mine.push((i, f(item)));
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn par_map_keeps_order() {
        let items: Vec<u64> = (0..1000).collect();
        for jobs in [1, 2, 7] {
            let out = par_map(jobs, &items, |&x| x * 2);
            assert_eq!(out, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        }
        assert!(par_map(4, &[] as &[u8], |&x| x).is_empty());
    }

    #[test]
    fn non_utf8_javascript_is_scanned_with_a_notice() {
        let unit = Unit {
            chain: vec!["pkg.tgz".into()],
            path: "package/a.js".into(),
            kind: UnitKind::JavaScript,
            data: crate::Data::from_vec(b"var a = 1; // \xff\n".to_vec()),
        };
        let r = scan_unit(&unit, &ScanOptions::default());
        assert_eq!(
            r.notices,
            [
                "pkg.tgz › package/a.js: not valid UTF-8 at byte 14; invalid bytes read as \
                 U+FFFD (positions after it are approximate)"
            ]
        );
        assert!(r.units[0].is_complete(), "{:?}", r.units);
    }

    #[test]
    fn units_come_back_in_unit_order_whatever_the_size() {
        let unit = |path: &str, src: &str| Unit {
            chain: vec![],
            path: path.into(),
            kind: UnitKind::JavaScript,
            data: crate::Data::from_vec(src.as_bytes().to_vec()),
        };
        let units = [
            unit("small.js", "fetch('https://api.vendor-a.ai/x')"),
            unit(
                "big.js",
                &format!("{}fetch('https://api.vendor-b.ai/y')", " ".repeat(4096)),
            ),
        ];
        for jobs in [1, 2] {
            let out = scan_units(&units, &ScanOptions::default(), jobs);
            let paths: Vec<&str> = out
                .findings
                .iter()
                .map(|f| f.location.path.as_str())
                .collect();
            assert!(
                paths.first() == Some(&"small.js") && paths.last() == Some(&"big.js"),
                "{paths:?}"
            );
        }
    }
}
