//! Which units of an input belong to one program: the ones that import each
//! other by relative specifier (`require("./x")`, `import … from "../y"`,
//! `import("./z")`, `export … from "./w"`).
//!
//! Decided before parsing, by a byte scan for quoted specifiers starting with
//! `./` or `../`, resolved against the other units' paths like Node resolves
//! them. A string that merely looks like a specifier can only join two
//! units that exist side by side, which costs a larger group, never a missed
//! flow. Units are grouped only within one container chain.

use std::collections::HashMap;

use crate::SourceUnit;
use crate::flow::modules::resolve_path;

/// Longest specifier considered.
const MAX_SPEC: usize = 300;

/// Groups of unit indices (each group one program for
/// [`crate::scan_package`]), largest first, and notices for groups split
/// because their sources add up to more than `max_bytes`.
pub fn module_groups(units: &[SourceUnit<'_>], max_bytes: u64) -> (Vec<Vec<usize>>, Vec<String>) {
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    let mut parent: Vec<usize> = (0..units.len()).collect();
    // Paths per chain.
    let mut by_chain: HashMap<&[String], HashMap<String, u32>> = HashMap::new();
    for (i, u) in units.iter().enumerate() {
        by_chain
            .entry(u.chain)
            .or_default()
            .insert(u.path.replace('\\', "/"), i as u32);
    }
    for (i, u) in units.iter().enumerate() {
        let Some(paths) = by_chain.get(u.chain) else {
            continue;
        };
        if paths.len() < 2 {
            continue;
        }
        let from = u.path.replace('\\', "/");
        for spec in relative_specifiers(u.source) {
            if let Some(j) = resolve_path(&from, spec, paths) {
                let (a, b) = (find(&mut parent, i), find(&mut parent, j as usize));
                if a != b {
                    parent[a] = b;
                }
            }
        }
    }
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..units.len() {
        let r = find(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    let mut out = Vec::new();
    let mut notices = Vec::new();
    for (_, g) in groups {
        let bytes: u64 = g.iter().map(|&i| units[i].source.len() as u64).sum();
        if g.len() > 1 && bytes > max_bytes {
            let u = &units[g[0]];
            notices.push(format!(
                "{}{} and {} other module(s): {bytes} bytes of JavaScript importing each other exceed the flow-analysis group limit ({max_bytes}); each module analysed alone, so flows between them are not followed",
                u.chain.iter().fold(String::new(), |s, c| s + c + " › "),
                u.path,
                g.len() - 1
            ));
            out.extend(g.into_iter().map(|i| vec![i]));
        } else {
            out.push(g);
        }
    }
    let size = |g: &Vec<usize>| -> u64 { g.iter().map(|&i| units[i].source.len() as u64).sum() };
    out.sort_by(|a, b| size(b).cmp(&size(a)).then(a.cmp(b)));
    (out, notices)
}

/// Quoted strings that start with `./` or `../`.
fn relative_specifiers(src: &str) -> Vec<&str> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    for at in memchr::memmem::find_iter(bytes, b"./") {
        // `"./x"` (quote before) or `"../x"` (quote two before).
        let start = if at >= 1 && is_quote(bytes[at - 1]) {
            at
        } else if at >= 2 && bytes[at - 1] == b'.' && is_quote(bytes[at - 2]) {
            at - 1
        } else {
            continue;
        };
        let q = bytes[start - 1];
        let end = bytes[start..]
            .iter()
            .take(MAX_SPEC)
            .position(|&b| b == q || b == b'\n');
        if let Some(len) = end
            && bytes[start + len] == q
            && let Some(spec) = src.get(start..start + len)
            && out.len() < 10_000
            && !out.contains(&spec)
        {
            out.push(spec);
        }
    }
    out
}

fn is_quote(b: u8) -> bool {
    matches!(b, b'"' | b'\'' | b'`')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit<'s>(path: &'s str, source: &'s str, chain: &'s [String]) -> SourceUnit<'s> {
        SourceUnit {
            path,
            chain,
            source,
        }
    }

    #[test]
    fn importing_units_are_grouped() {
        let none: &[String] = &[];
        let other = vec!["pkg.tgz".to_string()];
        let units = [
            unit(
                "package/index.js",
                "const a = require('./lib/a'); import('./lib/b.js');",
                none,
            ),
            unit("package/lib/a.js", "export * from '../util'", none),
            unit("package/util/index.js", "module.exports = 1", none),
            unit("package/lib/b.js", "x", none),
            unit("package/alone.js", "require('./missing')", none),
            unit("package/lib/a.js", "same path, other container", &other),
        ];
        let (groups, notices) = module_groups(&units, 1 << 20);
        assert!(notices.is_empty());
        let mut g: Vec<Vec<usize>> = groups
            .into_iter()
            .map(|mut g| {
                g.sort_unstable();
                g
            })
            .collect();
        g.sort();
        assert_eq!(g, vec![vec![0, 1, 2, 3], vec![4], vec![5]]);
        let (groups, notices) = module_groups(&units, 10);
        assert_eq!(groups.len(), 6);
        assert_eq!(notices.len(), 1, "{notices:?}");
    }

    #[test]
    fn specifiers_by_byte_scan() {
        let src = r#"a("./x"); b('../y/z'); c(`./t`); d("a./b"); e(".../q")"#;
        assert_eq!(relative_specifiers(src), vec!["./x", "../y/z", "./t"]);
    }
}
