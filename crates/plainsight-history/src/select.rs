//! Which versions a run covers: npm's semver rules (through
//! `nodejs-semver`, the one place this crate uses it), dist-tags, publish
//! dates, and unpublished versions.
//!
//! - `--versions` takes what npm takes after `@`: a range (`^2.1.0`,
//!   `>=2.1.80 <2.1.211`, `2.1.80 - 2.1.210`, `2.x`), an exact version, or
//!   a dist-tag (`latest`, `next`). `A..B` is accepted as `A - B`.
//! - Prereleases are left out unless asked for (npm's `includePrerelease`),
//!   except those a range names on its own `major.minor.patch`, as npm does.
//!   A dist-tag or an exact version selects what it names.
//! - `--since` compares publish times (`time` in the packument) as text:
//!   npm writes them as RFC 3339 in UTC, so `2026-04-01` ≤
//!   `2026-04-01T02:28:29.141Z` orders correctly. Versions without a time
//!   are kept (nothing says they are older).
//! - A version listed in `time` but missing from `versions` was unpublished;
//!   it is reported, never scanned.

use std::cmp::Ordering;

use nodejs_semver::{Range, Version};
use plainsight_artifact::npm::Packument;

use crate::HistoryError;

/// What to select.
#[derive(Clone, Debug, Default)]
pub struct Criteria {
    pub range: Option<String>,
    pub since: Option<String>,
    pub prereleases: bool,
}

/// One selected version.
#[derive(Clone, Debug)]
pub struct Selected {
    pub version: String,
    pub published: Option<String>,
    /// The registry's metadata; `None`: unpublished.
    pub meta: Option<serde_json::Value>,
}

/// The versions of `doc` that `c` selects, oldest first.
pub fn select(doc: &Packument, c: &Criteria) -> Result<Vec<Selected>, HistoryError> {
    let since = c.since.as_deref().map(check_date).transpose()?;
    let time = |v: &str| {
        doc.time
            .iter()
            .find(|(k, _)| k == v)
            .map(|(_, t)| t.clone())
    };
    // Every version ever published: the metadata's, plus unpublished
    // ones that only `time` remembers.
    let mut all: Vec<(Version, Selected)> = Vec::new();
    for (v, meta) in &doc.versions {
        if let Ok(parsed) = Version::parse(v) {
            all.push((
                parsed,
                Selected {
                    version: v.clone(),
                    published: time(v),
                    meta: Some(meta.clone()),
                },
            ));
        }
    }
    for (v, t) in &doc.time {
        if doc.versions.iter().any(|(k, _)| k == v) {
            continue;
        }
        // `created`, `modified`, `unpublished` are not versions.
        if let Ok(parsed) = Version::parse(v) {
            all.push((
                parsed,
                Selected {
                    version: v.clone(),
                    published: Some(t.clone()),
                    meta: None,
                },
            ));
        }
    }
    all.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.version.cmp(&b.1.version)));
    all.dedup_by(|a, b| a.1.version == b.1.version);

    let wanted = |v: &Version| -> Result<bool, HistoryError> {
        let Some(r) = c.range.as_deref() else {
            return Ok(c.prereleases || !v.is_prerelease());
        };
        // A dist-tag or an exact version names one version.
        if let Some((_, target)) = doc.dist_tags.iter().find(|(t, _)| t == r) {
            return Ok(Version::parse(target).is_ok_and(|t| t == *v));
        }
        // The parser is lenient (it reads `1.0.1..2` as 1.0.1): an exact
        // version is one that prints back as written.
        let bare = r.trim().trim_start_matches(['v', '=']);
        if let Ok(exact) = Version::parse(bare)
            && exact.to_string() == bare
        {
            return Ok(exact == *v);
        }
        let range = parse_range(r)?;
        Ok(range.satisfies_with_prerelease(v, c.prereleases))
    };
    let mut out = Vec::new();
    for (v, s) in all {
        if !wanted(&v)? {
            continue;
        }
        if let (Some(since), Some(t)) = (&since, &s.published)
            && t.as_str().cmp(since.as_str()) == Ordering::Less
        {
            continue;
        }
        out.push(s);
    }
    Ok(out)
}

/// npm's range grammar, plus `A..B` as `A - B`.
pub fn parse_range(r: &str) -> Result<Range, HistoryError> {
    let text = match r.split_once("..") {
        Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => {
            format!("{} - {}", a.trim(), b.trim())
        }
        _ => r.to_string(),
    };
    Range::parse(&text).map_err(|e| HistoryError::Selection {
        what: format!("--versions {r:?}"),
        message: format!("not an npm version range, version or dist-tag: {e}"),
    })
}

/// `YYYY-MM-DD`, optionally followed by `T…` (RFC 3339).
fn check_date(d: &str) -> Result<String, HistoryError> {
    let b = d.as_bytes();
    let ok = b.len() >= 10
        && b[..10].iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
        && (b.len() == 10 || b[10] == b'T');
    if ok {
        Ok(d.to_string())
    } else {
        Err(HistoryError::Selection {
            what: format!("--since {d:?}"),
            message: "expected a date as YYYY-MM-DD (or RFC 3339)".into(),
        })
    }
}

/// Semver order of two version strings (unparsable ones last, by text).
pub fn compare(a: &str, b: &str) -> Ordering {
    match (Version::parse(a), Version::parse(b)) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Err(_), Err(_)) => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Packument {
        let versions = [
            "1.0.0",
            "1.0.1",
            "1.1.0-beta.1",
            "1.1.0",
            "2.0.0-rc.1",
            "2.0.0",
            "10.0.0",
        ];
        Packument {
            name: "agent".into(),
            dist_tags: vec![
                ("latest".into(), "2.0.0".into()),
                ("next".into(), "2.0.0-rc.1".into()),
            ],
            versions: versions
                .iter()
                .map(|v| ((*v).to_string(), json!({ "version": v })))
                .collect(),
            time: vec![
                ("created".into(), "2025-01-01T00:00:00.000Z".into()),
                ("1.0.0".into(), "2025-01-01T00:00:00.000Z".into()),
                ("1.0.1".into(), "2025-02-01T00:00:00.000Z".into()),
                ("1.0.2".into(), "2025-02-15T00:00:00.000Z".into()),
                ("1.1.0".into(), "2025-03-01T00:00:00.000Z".into()),
                ("2.0.0".into(), "2025-06-01T00:00:00.000Z".into()),
                ("modified".into(), "2025-06-01T00:00:00.000Z".into()),
            ],
        }
    }

    fn names(c: &Criteria) -> Vec<String> {
        select(&doc(), c)
            .unwrap()
            .into_iter()
            .map(|s| s.version)
            .collect()
    }

    fn range(r: &str) -> Criteria {
        Criteria {
            range: Some(r.into()),
            ..Criteria::default()
        }
    }

    #[test]
    fn semver_order_unpublished_and_prereleases() {
        // 10.0.0 after 2.0.0 (not text order); the unpublished 1.0.2 is
        // listed; prereleases left out by default.
        assert_eq!(
            names(&Criteria::default()),
            ["1.0.0", "1.0.1", "1.0.2", "1.1.0", "2.0.0", "10.0.0"]
        );
        let unpublished = select(&doc(), &Criteria::default()).unwrap();
        assert!(unpublished[2].meta.is_none() && unpublished[1].meta.is_some());
        let all = Criteria {
            prereleases: true,
            ..Criteria::default()
        };
        assert_eq!(names(&all).len(), 8);
    }

    #[test]
    fn npm_ranges_tags_and_exact_versions() {
        assert_eq!(
            names(&range("^1.0.0")),
            ["1.0.0", "1.0.1", "1.0.2", "1.1.0"]
        );
        assert_eq!(names(&range("~1.0.0")), ["1.0.0", "1.0.1", "1.0.2"]);
        assert_eq!(
            names(&range("1.0.1 - 2.0.0")),
            ["1.0.1", "1.0.2", "1.1.0", "2.0.0"]
        );
        assert_eq!(
            names(&range("1.0.1..2.0.0")),
            ["1.0.1", "1.0.2", "1.1.0", "2.0.0"]
        );
        assert_eq!(names(&range(">=2")), ["2.0.0", "10.0.0"]);
        // npm: a prerelease is in a range that names one on its own tuple.
        assert_eq!(
            names(&range(">=1.1.0-beta.1 <2")),
            ["1.1.0-beta.1", "1.1.0"]
        );
        assert_eq!(names(&range("latest")), ["2.0.0"]);
        assert_eq!(names(&range("next")), ["2.0.0-rc.1"]);
        assert_eq!(names(&range("1.0.1")), ["1.0.1"]);
        assert_eq!(names(&range("v1.0.1")), ["1.0.1"]);
        let e = select(&doc(), &range("not a range"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("--versions \"not a range\""), "{e}");
    }

    #[test]
    fn since_compares_publish_times() {
        let c = Criteria {
            since: Some("2025-02-15".into()),
            ..Criteria::default()
        };
        // 10.0.0 has no time: kept.
        assert_eq!(names(&c), ["1.0.2", "1.1.0", "2.0.0", "10.0.0"]);
        let bad = Criteria {
            since: Some("15/02/2025".into()),
            ..Criteria::default()
        };
        assert!(select(&doc(), &bad).is_err());
    }

    #[test]
    fn compare_is_semver() {
        assert_eq!(compare("2.1.91", "2.1.197"), Ordering::Less);
        assert_eq!(compare("10.0.0", "9.9.9"), Ordering::Greater);
        assert_eq!(compare("1.0.0-rc.1", "1.0.0"), Ordering::Less);
    }
}
