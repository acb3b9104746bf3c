//! From what the experiment observed to findings (PS601–PS613).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use plainsight_core::{CharNote, Confidence, Excerpt, Finding, Location, Rule, Severity};
use plainsight_text::DiffKind;

use crate::diff::{Change, masked_positions};
use crate::experiment::{Observed, shows_alone, sites};
use crate::matrix::{Dim, PROXY_HOST, Settings, UNSET};

/// Text with every non-ASCII or hidden character written as `⟨U+XXXX NAME⟩`.
pub fn spelled(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii() && !c.is_ascii_control() {
            out.push(c);
        } else if c == '\n' {
            out.push('⏎');
        } else {
            let _ = write!(
                out,
                "⟨{} {}⟩",
                plainsight_core::chars::codepoint(c),
                plainsight_core::chars::name(c)
            );
        }
    }
    out
}

/// `/body/messages/0/content/1/text` → `messages[0].content[1].text`.
pub fn part_name(pointer: &str) -> String {
    let Some(rest) = pointer.strip_prefix("/body/") else {
        return pointer.trim_start_matches('/').replace('/', ".");
    };
    let mut out = String::new();
    for tok in rest.split('/') {
        let tok = tok.replace("~1", "/").replace("~0", "~");
        if tok.starts_with('[') && tok.ends_with(']') {
            // An array element aligned by its name (`tools[name=Bash]`).
            out.push_str(&tok);
        } else if tok.chars().all(|c| c.is_ascii_digit()) && !tok.is_empty() {
            let _ = write!(out, "[{tok}]");
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&tok);
        }
    }
    out
}

fn rule_for(kind: DiffKind) -> Rule {
    match kind {
        DiffKind::LookAlike => Rule::RuntimeLookAlike,
        DiffKind::InvisibleInsertion => Rule::RuntimeInvisible,
        DiffKind::Spacing => Rule::RuntimeSpacing,
        _ => Rule::RuntimeFormat,
    }
}

/// The characters (other than ASCII letters and digits) of every variant of
/// a field, counted, for the finding's character notes.
fn char_notes<'a>(texts: impl Iterator<Item = &'a String>) -> Vec<CharNote> {
    let mut chars: BTreeMap<char, usize> = BTreeMap::new();
    for text in texts {
        for c in text.chars() {
            *chars.entry(c).or_default() += 1;
        }
    }
    chars
        .into_iter()
        .filter(|(c, _)| !c.is_ascii_alphanumeric())
        .map(|(c, n)| CharNote::new(c, n))
        .collect()
}

fn kind_words(kind: DiffKind) -> &'static str {
    match kind {
        DiffKind::LookAlike => "look-alike characters",
        DiffKind::InvisibleInsertion => "invisible characters",
        DiffKind::Spacing => "spacing",
        _ => "format",
    }
}

/// One line of `s` around `span`, clipped, as an excerpt.
fn excerpt(s: &str, span: &std::ops::Range<usize>, label: &str) -> Excerpt {
    const CTX: usize = 80;
    let line_start = s[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = s[span.end..].find('\n').map_or(s.len(), |i| span.end + i);
    let mut from = line_start;
    let mut to = line_end;
    let mut clipped_start = false;
    let mut clipped_end = false;
    if span.start - from > CTX {
        from = floor(s, span.start - CTX);
        clipped_start = true;
    }
    if to - span.end > CTX {
        to = ceil(s, span.end + CTX);
        clipped_end = true;
    }
    let line = s[..span.start].matches('\n').count() as u32 + 1;
    Excerpt {
        line,
        text: s[from..to].to_owned(),
        start: span.start - from,
        end: span.end - from,
        label: label.to_owned(),
        clipped_start,
        clipped_end,
    }
}

fn floor(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
fn ceil(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i.min(s.len())
}

fn request_line(obs: &Observed, cell: usize, index: usize) -> String {
    obs.cells
        .get(cell)
        .and_then(|c| c.result.exchanges.get(index))
        .map_or_else(String::new, |e| {
            format!("{} {}://{}{}", e.method, e.scheme, e.host, e.path)
        })
}

fn list(vals: &BTreeSet<String>, max: usize) -> String {
    let mut v: Vec<&str> = vals.iter().map(String::as_str).take(max).collect();
    if vals.len() > max {
        v.push("…");
    }
    v.join(", ")
}

/// Builds every finding. `target` names what was probed (the chain of each location).
pub fn build(obs: &Observed, target: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    let covered = conjunction(obs, target, &mut out);
    variation(obs, target, &covered, &mut out);
    aa(obs, target, &mut out);
    disclosure(obs, target, &mut out);
    egress(obs, target, &mut out);
    gaps(obs, target, &mut out);
    predictions(obs, target, &mut out);
    out
}

fn loc(target: &str, path: String, pointer: Option<&str>) -> Location {
    Location {
        chain: vec![target.to_owned()],
        path,
        json_pointer: pointer.map(str::to_owned),
        part: pointer.filter(|p| p.starts_with("/body")).map(part_name),
        ..Location::default()
    }
}

fn single_dim(c: &Settings, base: &Settings) -> Option<(Dim, String)> {
    let ch = c.changes_from(base);
    (ch.len() == 1).then(|| ch.into_iter().next().expect("one"))
}

/// What one (request, pointer, dimension) showed across cells.
struct Acc {
    kind: DiffKind,
    /// Variant text → the dimension's values that produced it.
    variants: BTreeMap<String, BTreeSet<String>>,
    baseline_text: String,
    baseline_values: BTreeSet<String>,
    example: Option<(usize, Change)>,
    combos: Vec<String>,
}

/// What one (pointer, kind, pair of dimensions) showed only with both set.
struct Conj {
    /// Variant text → (values of the first dimension, of the second).
    variants: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)>,
    reference_text: String,
    example: (usize, Change),
    reference_label: String,
    /// Pairs of values run together that did not show it.
    not: BTreeSet<String>,
}

/// Variation that a dimension causes only while another one is at a
/// triggering value (seen by comparing a two-dimension cell with the cell
/// that changed only the other one). Returns the pointers it covered.
fn conjunction(obs: &Observed, target: &str, out: &mut Vec<Finding>) -> BTreeSet<String> {
    let base = &obs.baseline;
    let mut acc: BTreeMap<(String, String, Dim, Dim), Conj> = BTreeMap::new();
    for (ci, cell) in obs.cells.iter().enumerate() {
        for cond in &cell.conditional {
            let (a, av) = &cond.given;
            let (b, bv) = &cond.varied;
            for ch in &cond.changes {
                if shows_alone(obs, base, b, &ch.pointer, ch.kind) {
                    continue;
                }
                let (d1, d2, v1, v2) = if a < b {
                    (a, b, av, bv)
                } else {
                    (b, a, bv, av)
                };
                // The reference may have one message more or less than the
                // baseline (another host, other beta features): the same
                // field is grouped with its array positions masked.
                let e = acc
                    .entry((
                        masked_positions(&ch.pointer),
                        format!("{:?}", ch.kind),
                        d1.clone(),
                        d2.clone(),
                    ))
                    .or_insert_with(|| Conj {
                        variants: BTreeMap::new(),
                        reference_text: ch.a_text().to_owned(),
                        example: (ci, ch.clone()),
                        reference_label: obs.cells[cond.reference].label.clone(),
                        not: BTreeSet::new(),
                    });
                let slot = e.variants.entry(ch.b_text().to_owned()).or_default();
                slot.0.insert(v1.clone());
                slot.1.insert(v2.clone());
            }
        }
    }
    let mut covered = BTreeSet::new();
    for ((masked, _, d1, d2), a) in &mut acc {
        for cell in &obs.cells {
            let ch = cell.settings.changes_from(base);
            if ch.len() != 2 || ch[0].0 != *d1 || ch[1].0 != *d2 {
                continue;
            }
            let shown = cell.conditional.iter().any(|cond| {
                cond.changes.iter().any(|c| {
                    masked_positions(&c.pointer) == *masked
                        && c.kind == a.example.1.kind
                        && !shows_alone(obs, base, &cond.varied.0, &c.pointer, c.kind)
                })
            });
            if !shown {
                a.not
                    .insert(format!("{d1} = {} and {d2} = {}", ch[0].1, ch[1].1));
            }
        }
    }
    for ((masked, _, d1, d2), a) in acc {
        let (ci, ch) = &a.example;
        let pointer = ch.pointer.clone();
        for cell in &obs.cells {
            for c in &cell.changes {
                if masked_positions(&c.pointer) == masked {
                    covered.insert(c.pointer.clone());
                }
            }
        }
        let rule = rule_for(ch.kind);
        let part = part_name(&pointer);
        let mut desc: Vec<String> = a
            .variants
            .iter()
            .map(|(text, (v1, v2))| {
                format!(
                    "{} when {d1} ∈ {{{}}} and {d2} ∈ {{{}}}",
                    spelled(text),
                    list(v1, 8),
                    list(v2, 8)
                )
            })
            .collect();
        desc.push(format!("{} otherwise", spelled(&a.reference_text)));
        let mut f = Finding::new(
            rule,
            format!(
                "{} in `{part}` change with the {d1} together with the {d2} (neither alone changes them): {}",
                kind_words(ch.kind),
                desc.join("; ")
            ),
            loc(target, request_line(obs, *ci, ch.b_index), Some(&pointer)),
        );
        f.severity = rule.default_severity();
        f.confidence = Confidence::High;
        f.excerpt = Some(excerpt(
            &ch.b,
            &ch.b_span,
            &format!("{} here", kind_words(ch.kind)),
        ));
        f.chars = char_notes(a.variants.keys().chain(std::iter::once(&a.reference_text)));
        f.notes.push(format!(
            "reference ({}): {}",
            a.reference_label,
            spelled(&excerpt(&ch.a, &ch.a_span, "").text)
        ));
        f.notes.push(format!(
            "variant ({}): {}",
            obs.cells[*ci].label,
            spelled(&excerpt(&ch.b, &ch.b_span, "").text)
        ));
        f.notes
            .push(format!("request: {}, JSON pointer {pointer}", ch.key));
        if !a.not.is_empty() {
            f.notes.push(format!(
                "not with: {}",
                a.not.iter().take(8).cloned().collect::<Vec<_>>().join("; ")
            ));
        }
        f.help = Some(format!(
            "the agent's outgoing text depends on the {d1} and the {d2} together in a way a reader cannot see; review the code that builds `{part}` (see the linked static findings) before rollout"
        ));
        out.push(f);
    }
    covered
}

fn variation(obs: &Observed, target: &str, covered: &BTreeSet<String>, out: &mut Vec<Finding>) {
    let base = &obs.baseline;
    let by_site = sites(obs);
    // (key, pointer, dim) → merged description
    let mut acc: BTreeMap<(String, String, Dim), Acc> = BTreeMap::new();
    let mut combos_only: BTreeMap<(String, String), (Change, usize, BTreeSet<String>)> =
        BTreeMap::new();
    let mut keys: Vec<_> = by_site.keys().cloned().collect();
    keys.sort();
    for site in keys {
        let hits = &by_site[&site];
        let (key, _occ, pointer, _start) = &site;
        let mut single_hit = false;
        for (ci, ch) in hits {
            let cell = &obs.cells[*ci];
            let Some((dim, _)) = single_dim(&cell.settings, base) else {
                continue;
            };
            single_hit = true;
            let a = acc
                .entry((key.clone(), pointer.clone(), dim.clone()))
                .or_insert_with(|| Acc {
                    kind: ch.kind,
                    variants: BTreeMap::new(),
                    baseline_text: ch.a_text().to_owned(),
                    baseline_values: BTreeSet::new(),
                    example: None,
                    combos: Vec::new(),
                });
            if a.kind < ch.kind {
                a.kind = ch.kind;
            }
            if a.example.is_none() || ch.kind == DiffKind::LookAlike {
                a.example = Some((*ci, (*ch).clone()));
            }
        }
        if !single_hit && !covered.contains(pointer) {
            let (ci, ch) = &hits[0];
            let e = combos_only
                .entry((key.clone(), pointer.clone()))
                .or_insert_with(|| ((*ch).clone(), *ci, BTreeSet::new()));
            for (ci, _) in hits {
                let names: Vec<String> = obs.cells[*ci]
                    .settings
                    .changes_from(base)
                    .iter()
                    .map(|(d, v)| format!("{d} = {v}"))
                    .collect();
                e.2.insert(names.join(" and "));
            }
        }
    }
    // Fill the value → variant tables from every single-dimension cell of each dimension.
    for ((key, pointer, dim), a) in &mut acc {
        let start = a.example.as_ref().map_or(0, |(_, c)| c.a_span.start);
        for cell in &obs.cells {
            let Some((d, v)) = single_dim(&cell.settings, base).or_else(|| {
                (cell.settings == *base).then(|| (dim.clone(), base.get(dim).to_owned()))
            }) else {
                continue;
            };
            if d != *dim {
                continue;
            }
            let hit = cell
                .changes
                .iter()
                .find(|c| &c.key == key && &c.pointer == pointer && c.a_span.start == start);
            match hit {
                Some(c) => {
                    a.variants
                        .entry(c.b_text().to_owned())
                        .or_default()
                        .insert(v);
                }
                None => {
                    a.baseline_values.insert(v);
                }
            }
        }
        // Pairs with the other changing dimensions.
        for cell in &obs.cells {
            let ch = cell.settings.changes_from(base);
            if ch.len() == 2 && ch.iter().any(|(d, _)| d == dim) {
                let hits: Vec<String> = cell
                    .changes
                    .iter()
                    .filter(|c| &c.key == key && &c.pointer == pointer)
                    .map(|c| spelled(c.b_text()))
                    .collect();
                let names: Vec<String> = ch.iter().map(|(d, v)| format!("{d} = {v}")).collect();
                a.combos.push(format!(
                    "with {}: {}",
                    names.join(" and "),
                    if hits.is_empty() {
                        "baseline text".to_owned()
                    } else {
                        hits.join(" ")
                    }
                ));
            }
        }
    }
    for ((key, pointer, dim), a) in acc {
        let Some((ci, ch)) = a.example else { continue };
        let rule = rule_for(a.kind);
        let part = part_name(&pointer);
        let mut desc: Vec<String> = a
            .variants
            .iter()
            .map(|(text, vals)| format!("{} when {dim} ∈ {{{}}}", spelled(text), list(vals, 8)))
            .collect();
        desc.push(format!(
            "{} (baseline) otherwise",
            spelled(&a.baseline_text)
        ));
        let message = format!(
            "{} in `{part}` change with the {dim}: {}",
            kind_words(a.kind),
            desc.join("; ")
        );
        let mut f = Finding::new(
            rule,
            message,
            loc(target, request_line(obs, ci, ch.b_index), Some(&pointer)),
        );
        f.severity = rule.default_severity();
        f.confidence = Confidence::High;
        f.excerpt = Some(excerpt(
            &ch.b,
            &ch.b_span,
            &format!("{} here", kind_words(a.kind)),
        ));
        f.chars = char_notes(a.variants.keys().chain(std::iter::once(&a.baseline_text)));
        let be = excerpt(&ch.a, &ch.a_span, "");
        let ve = excerpt(&ch.b, &ch.b_span, "");
        f.notes.push(format!(
            "baseline ({dim} = {}): {}",
            base.get(&dim),
            spelled(&be.text)
        ));
        f.notes.push(format!(
            "variant ({}): {}",
            obs.cells[ci].label,
            spelled(&ve.text)
        ));
        f.notes
            .push(format!("request: {key}, JSON pointer {pointer}"));
        let untested =
            a.baseline_values.len() + a.variants.values().map(BTreeSet::len).sum::<usize>();
        f.notes.push(format!(
            "{untested} value(s) of the {dim} tested one at a time"
        ));
        f.notes.extend(a.combos.iter().cloned());
        f.help = Some(format!(
            "the agent's outgoing text depends on the {dim} in a way a reader cannot see; review the code that builds `{part}` (see the linked static findings) before rollout"
        ));
        out.push(f);
    }
    for ((key, pointer), (ch, ci, cells)) in combos_only {
        let rule = rule_for(ch.kind);
        let part = part_name(&pointer);
        let message = format!(
            "{} in `{part}` change only with a combination of dimensions ({}): {} instead of {}",
            kind_words(ch.kind),
            cells.iter().take(3).cloned().collect::<Vec<_>>().join("; "),
            spelled(ch.b_text()),
            spelled(ch.a_text()),
        );
        let mut f = Finding::new(
            rule,
            message,
            loc(target, request_line(obs, ci, ch.b_index), Some(&pointer)),
        );
        f.excerpt = Some(excerpt(&ch.b, &ch.b_span, "changed here"));
        f.notes.push(format!("request: {key}"));
        out.push(f);
    }
}

fn aa(obs: &Observed, target: &str, out: &mut Vec<Finding>) {
    let mut seen = BTreeSet::new();
    for ch in &obs.aa_changes {
        if !seen.insert((ch.key.clone(), ch.pointer.clone())) {
            continue;
        }
        let part = part_name(&ch.pointer);
        let mut f = Finding::new(
            Rule::RuntimeUnprompted,
            format!(
                "{} in `{part}` differ between two identical runs: {} in one, {} in the other",
                kind_words(ch.kind),
                spelled(ch.a_text()),
                spelled(ch.b_text())
            ),
            loc(target, request_line(obs, 1, ch.b_index), Some(&ch.pointer)),
        );
        f.excerpt = Some(excerpt(&ch.b, &ch.b_span, "differs here"));
        f.notes.push(format!("request: {}", ch.key));
        out.push(f);
    }
}

/// Forms of a dimension value worth searching for in outgoing text.
fn needles(dim: &Dim, v: &str) -> Vec<String> {
    if v == UNSET || v.len() < 4 {
        return Vec::new();
    }
    match dim {
        Dim::HostName | Dim::User | Dim::GitEmail | Dim::Mac | Dim::TimeZone => vec![v.to_owned()],
        Dim::Locale => {
            let tag = v.split('.').next().unwrap_or(v);
            if tag.len() < 5 {
                Vec::new()
            } else {
                vec![tag.to_owned(), tag.replace('_', "-")]
            }
        }
        Dim::Ci => crate::matrix::catalogue::CI
            .iter()
            .find(|(n, _)| *n == v)
            .map(|(_, vars)| {
                vars.iter()
                    .map(|(_, x)| (*x).to_owned())
                    .filter(|x| x.len() >= 6 && !x.contains("true") && !x.contains("True"))
                    .collect()
            })
            .unwrap_or_default(),
        Dim::Env(_) => (v.len() >= 6 && v != "1")
            .then(|| v.to_owned())
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

fn disclosure(obs: &Observed, target: &str, out: &mut Vec<Finding>) {
    let base = &obs.baseline;
    let mut seen: BTreeSet<(String, String, String)> = BTreeSet::new();
    for cell in &obs.cells {
        let changed = cell.settings.changes_from(base);
        let dims: Vec<(Dim, String)> = if cell.settings == *base {
            base.values
                .iter()
                .map(|(d, v)| (d.clone(), v.clone()))
                .collect()
        } else {
            changed
        };
        for (dim, v) in dims {
            for needle in needles(&dim, &v) {
                for req in &cell.flat {
                    for (ptr, val) in &req.fields {
                        if ptr == "/path" && dim == Dim::Host {
                            continue;
                        }
                        if let Some(at) = val.find(&needle) {
                            if !seen.insert((dim.to_string(), req.key.clone(), ptr.clone())) {
                                continue;
                            }
                            let mut f = Finding::new(
                                Rule::EnvDisclosure,
                                format!(
                                    "{dim} `{}` is sent in `{}` of {}",
                                    spelled(&needle),
                                    part_name(ptr),
                                    req.key
                                ),
                                loc(
                                    target,
                                    request_line(
                                        obs,
                                        obs.cells
                                            .iter()
                                            .position(|c| std::ptr::eq(c, cell))
                                            .unwrap_or(0),
                                        req.index,
                                    ),
                                    Some(ptr),
                                ),
                            );
                            f.excerpt =
                                Some(excerpt(val, &(at..at + needle.len()), "environment value"));
                            f.notes.push(format!("cell: {}", cell.label));
                            out.push(f);
                        }
                    }
                }
            }
        }
    }
}

fn egress(obs: &Observed, target: &str, out: &mut Vec<Finding>) {
    // host → (requests, ports, via proxy, sample lines)
    let mut hosts: BTreeMap<String, (usize, BTreeSet<u16>, Vec<String>, u64)> = BTreeMap::new();
    let mut resolved: BTreeSet<String> = BTreeSet::new();
    let mut tls_refused: BTreeMap<String, String> = BTreeMap::new();
    let mut raw: BTreeMap<String, String> = BTreeMap::new();
    let mut bypass: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut off_base: BTreeMap<String, String> = BTreeMap::new();
    for cell in &obs.cells {
        let provider = cell.provider_host().to_ascii_lowercase();
        let proxy_on = cell.settings.get(&Dim::Proxy) == "on";
        for q in &cell.result.dns {
            if q.name != provider && q.name != PROXY_HOST && !q.name.is_empty() {
                resolved.insert(q.name.clone());
            }
        }
        for e in &cell.result.exchanges {
            let h = e.host.to_ascii_lowercase();
            if proxy_on && !e.via_proxy {
                bypass.entry(format!("{h}:{}", e.port)).or_insert_with(|| {
                    (
                        cell.label.clone(),
                        format!(
                            "{} {}://{}{} ({} bytes of body)",
                            e.method, e.scheme, e.host, e.path, e.body_size
                        ),
                    )
                });
            }
            if h == provider {
                continue;
            }
            if e.api.as_deref().is_some_and(|a| {
                a.contains("messages")
                    || a.contains("chat")
                    || a.contains("responses")
                    || a.contains("generate")
            }) {
                off_base.entry(h.clone()).or_insert_with(|| {
                    format!(
                        "{} {} (cell {}, base URL host {provider})",
                        e.method, e.path, cell.label
                    )
                });
            }
            let entry = hosts.entry(h).or_default();
            entry.0 += 1;
            entry.1.insert(e.port);
            entry.3 += e.body_size;
            let line = format!("{} {}", e.method, e.path_only());
            if entry.2.len() < 6 && !entry.2.contains(&line) {
                entry.2.push(line);
            }
        }
        for r in &cell.result.raw {
            let h = r.host.clone().unwrap_or_else(|| r.dest.clone());
            if proxy_on && !r.via_proxy {
                bypass
                    .entry(format!("{h} ({})", r.dest))
                    .or_insert_with(|| (cell.label.clone(), r.what.clone()));
            }
            if r.what.starts_with("tls-handshake-failed") {
                tls_refused.entry(h).or_insert_with(|| r.what.clone());
            } else if r.what.starts_with("not-http") {
                raw.entry(format!("{h} ({})", r.dest))
                    .or_insert_with(|| r.first_bytes.clone());
            }
        }
    }
    for (h, (n, ports, lines, bytes)) in &hosts {
        let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
        let mut f = Finding::new(
            Rule::RuntimeEgress,
            format!(
                "{h}: {n} request(s) on port {} ({bytes} bytes sent): {}",
                ports.join(", "),
                lines.join(", ")
            ),
            loc(target, h.clone(), None),
        );
        f.notes
            .push("the host is outside the configured provider base URL".to_owned());
        out.push(f);
    }
    let unanswered: Vec<&String> = resolved
        .iter()
        .filter(|h| !hosts.contains_key(*h))
        .collect();
    if !unanswered.is_empty() {
        let mut f = Finding::new(
            Rule::RuntimeEgress,
            format!(
                "names resolved without an HTTP request to them: {}",
                unanswered
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            loc(target, "dns".to_owned(), None),
        );
        f.notes.push("every name got a loopback address; a connection that followed reached the capture server".to_owned());
        out.push(f);
    }
    for (h, what) in bypass {
        let mut f = Finding::new(
            Rule::ProxyBypass,
            format!(
                "{h} was contacted directly while HTTPS_PROXY/HTTP_PROXY/ALL_PROXY pointed at the proxy: {}",
                what.1
            ),
            loc(target, h.clone(), None),
        );
        f.notes.push(format!("cell: {}", what.0));
        out.push(f);
    }
    for (h, what) in off_base {
        out.push(Finding::new(
            Rule::BaseUrlIgnored,
            format!("provider API called on {h} instead of the configured base URL: {what}"),
            loc(target, h, None),
        ));
    }
    for (h, what) in tls_refused {
        out.push(Finding::new(
            Rule::TlsRefused,
            format!("{h}: {what}"),
            loc(target, h.clone(), None),
        ));
    }
    for (h, bytes) in raw {
        out.push(Finding::new(
            Rule::NonHttpConnection,
            format!("{h}: first bytes {}", &bytes[..bytes.len().min(120)]),
            loc(target, h.clone(), None),
        ));
    }
}

fn gaps(obs: &Observed, target: &str, out: &mut Vec<Finding>) {
    if obs.gaps.is_empty() {
        return;
    }
    let failures: Vec<&String> = obs
        .gaps
        .iter()
        .filter(|g| !g.contains("time budget"))
        .collect();
    let budget = obs.gaps.len() - failures.len();
    let mut f = Finding::new(
        Rule::ProbeCoverageGap,
        format!(
            "{} cell(s) failed or could not be compared, {budget} left out by the time budget",
            failures.len()
        ),
        loc(target, "matrix".to_owned(), None),
    );
    if failures.is_empty() {
        f.severity = Severity::Low;
    }
    f.notes = obs.gaps.iter().take(30).cloned().collect();
    if obs.gaps.len() > 30 {
        f.notes.push(format!("… and {} more", obs.gaps.len() - 30));
    }
    f.help = Some("raise --budget or --timeout, or --jobs on a machine with more cores".to_owned());
    out.push(f);
}

fn dim_words(d: &Dim) -> &'static [&'static str] {
    match d {
        Dim::Host => &["endpoint", "url", "host", "base"],
        Dim::TimeZone => &["time zone", "timezone", "offset", "zone"],
        Dim::Locale => &["locale", "language"],
        Dim::HostName => &["hostname", "host name"],
        Dim::User => &["user"],
        Dim::Mac => &["mac", "network", "interface"],
        Dim::Ci => &["ci"],
        _ => &[],
    }
}

fn predictions(obs: &Observed, target: &str, out: &mut Vec<Finding>) {
    let variation: Vec<usize> = out
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            matches!(
                f.rule,
                Rule::RuntimeLookAlike
                    | Rule::RuntimeInvisible
                    | Rule::RuntimeSpacing
                    | Rule::RuntimeFormat
            )
        })
        .map(|(i, _)| i)
        .collect();
    let mut confirmed = vec![false; obs.guidance.predictions.len()];
    for &i in &variation {
        let msg = out[i].message.clone();
        let dims: Vec<&Dim> = obs
            .changing
            .iter()
            .filter(|d| msg.contains(&format!("with the {d}")))
            .collect();
        for (pi, p) in obs.guidance.predictions.iter().enumerate() {
            let pm = format!(
                "{} {}",
                p.message.to_ascii_lowercase(),
                p.decoded.as_deref().unwrap_or("").to_ascii_lowercase()
            );
            let related = dims
                .iter()
                .any(|d| dim_words(d).iter().any(|w| pm.contains(w)))
                || p.decoded.as_deref().is_some_and(|dec| {
                    dec.split(['\n', ','])
                        .map(str::trim)
                        .filter(|x| x.len() > 3)
                        .any(|x| msg.contains(x))
                });
            if related {
                confirmed[pi] = true;
                let where_ = p.location.display_chain();
                out[i].notes.push(format!(
                    "predicted by {} at {where_}: {}",
                    p.rule.code(),
                    p.message
                ));
            }
        }
    }
    let dims_tried: BTreeSet<String> = obs
        .cells
        .iter()
        .flat_map(|c| c.settings.changes_from(&obs.baseline))
        .map(|(d, _)| d.to_string())
        .collect();
    for (p, ok) in obs.guidance.predictions.iter().zip(confirmed) {
        if ok || !p.rule.code().starts_with("PS1") {
            continue;
        }
        let mut f = Finding::new(
            Rule::PredictionUnconfirmed,
            format!(
                "{} at {} was not observed at run time: {}",
                p.rule.code(),
                p.location.display_chain(),
                p.message
            ),
            loc(target, p.location.path.clone(), None),
        );
        f.notes.push(format!(
            "dimensions exercised: {}",
            dims_tried.iter().cloned().collect::<Vec<_>>().join(", ")
        ));
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            part_name("/body/messages/0/content/1/text"),
            "messages[0].content[1].text"
        );
        assert_eq!(part_name("/header/user-agent"), "header.user-agent");
        assert_eq!(
            masked_positions("/body/messages/1/content/0/text"),
            "/body/messages/*/content/*/text"
        );
        assert_eq!(
            spelled("a\u{2bc}b"),
            "a⟨U+02BC MODIFIER LETTER APOSTROPHE⟩b"
        );
    }
}
