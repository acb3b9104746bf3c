//! Numeric dates: recognising `2026-11-21`, `2026/11/21`, `21.11.2026`, `11/21/2026`…
//!
//! Shared by the odd-one-out date statistic (PS509) and by `classify`, which calls
//! two dates a format variant when some reading of each gives the same day.
//! Only four-digit years 1000–2999 are recognised: two-digit years and bare
//! `12/11` fractions are too ambiguous to call anything odd.

/// Field order of a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Order {
    /// Year first: `2026-11-21`.
    YearFirst,
    /// Year last, day and month both ≤ 12: cannot tell `DD/MM` from `MM/DD`.
    YearLast,
    /// Year last, first field > 12: `21/11/2026`.
    DayMonthYear,
    /// Year last, second field > 12: `11/21/2026`.
    MonthDayYear,
}

/// A date written in some form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Date {
    pub sep: u8,
    pub order: Order,
    /// Field values in writing order.
    pub fields: [u32; 3],
}

impl Date {
    /// The (year, month, day) readings this date admits (one or two).
    pub fn readings(&self) -> Vec<(u32, u32, u32)> {
        let [a, b, c] = self.fields;
        match self.order {
            Order::YearFirst => vec![(a, b, c)],
            Order::DayMonthYear => vec![(c, b, a)],
            Order::MonthDayYear => vec![(c, a, b)],
            Order::YearLast => vec![(c, b, a), (c, a, b)],
        }
    }

    /// Form key: separator plus order. Ambiguous year-last dates share a key with
    /// neither DMY nor MDY, so they never look odd against each other.
    pub fn form(&self) -> (u8, Order) {
        (self.sep, self.order)
    }

    /// Human description of the form, e.g. `YYYY-MM-DD`.
    pub fn describe(&self) -> String {
        let s = self.sep as char;
        match self.order {
            Order::YearFirst => format!("YYYY{s}MM{s}DD"),
            Order::YearLast => format!("DD{s}MM{s}YYYY or MM{s}DD{s}YYYY"),
            Order::DayMonthYear => format!("DD{s}MM{s}YYYY"),
            Order::MonthDayYear => format!("MM{s}DD{s}YYYY"),
        }
    }
}

fn is_sep(b: u8) -> bool {
    matches!(b, b'-' | b'/' | b'.')
}

/// Parse exactly `bytes` as a date (no surrounding text).
pub fn parse(bytes: &[u8]) -> Option<Date> {
    let mut fields = [0u32; 3];
    let mut lens = [0usize; 3];
    let mut sep = None;
    let mut i = 0;
    for f in 0..3 {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() && i - start < 5 {
            fields[f] = fields[f] * 10 + u32::from(bytes[i] - b'0');
            i += 1;
        }
        lens[f] = i - start;
        if lens[f] == 0 {
            return None;
        }
        if f < 2 {
            let s = *bytes.get(i)?;
            if !is_sep(s) || sep.is_some_and(|p| p != s) {
                return None;
            }
            sep = Some(s);
            i += 1;
        }
    }
    if i != bytes.len() {
        return None;
    }
    let sep = sep?;
    let year_ok = |y: u32| (1000..=2999).contains(&y);
    let [a, b, c] = fields;
    let order = match lens {
        [4, 1..=2, 1..=2] if year_ok(a) && (1..=12).contains(&b) && (1..=31).contains(&c) => {
            Order::YearFirst
        }
        [1..=2, 1..=2, 4] if year_ok(c) && a >= 1 && b >= 1 => match (a <= 12, b <= 12) {
            (true, true) => Order::YearLast,
            (false, true) if a <= 31 => Order::DayMonthYear,
            (true, false) if b <= 31 => Order::MonthDayYear,
            _ => return None,
        },
        _ => return None,
    };
    // `1.2.2026`-style dotted dates are common; `3.14.2026` is not a version string
    // we can tell apart, so accept — the odd-one-out statistic only reports minorities.
    Some(Date { sep, order, fields })
}

/// Find a date around byte `at` (which must be a digit) in `text`: the maximal run
/// of digits and date separators containing `at`, trimmed of separators at its ends.
/// Returns the byte range and the parsed date.
pub fn date_at(text: &[u8], at: usize) -> Option<(std::ops::Range<usize>, Date)> {
    let mut start = at;
    while start > 0 && (text[start - 1].is_ascii_digit() || is_sep(text[start - 1])) {
        start -= 1;
    }
    let mut end = at;
    while end < text.len() && (text[end].is_ascii_digit() || is_sep(text[end])) {
        end += 1;
    }
    while start < end && is_sep(text[start]) {
        start += 1;
    }
    while end > start && is_sep(text[end - 1]) {
        end -= 1;
    }
    // A date glued to letters or more digits (`v2026.11.21b`, IPs) is something else.
    if start > 0 && text[start - 1].is_ascii_alphanumeric() {
        return None;
    }
    if end < text.len() && text[end].is_ascii_alphanumeric() {
        return None;
    }
    // A date between slashes is a path component (`blog/2024/05/06/post`), not prose.
    if (start > 0 && text[start - 1] == b'/') || text.get(end) == Some(&b'/') {
        return None;
    }
    parse(&text[start..end]).map(|d| (start..end, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forms() {
        let d = parse(b"2026-11-21").unwrap();
        assert_eq!((d.sep, d.order), (b'-', Order::YearFirst));
        assert_eq!(parse(b"2026/11/21").unwrap().sep, b'/');
        assert_eq!(parse(b"21.11.2026").unwrap().order, Order::DayMonthYear);
        assert_eq!(parse(b"11/21/2026").unwrap().order, Order::MonthDayYear);
        assert_eq!(parse(b"01/02/2026").unwrap().order, Order::YearLast);
        assert!(parse(b"2026-13-01").is_none());
        assert!(parse(b"2026-11/21").is_none());
        assert!(parse(b"1.2.3").is_none());
        assert!(parse(b"192.168.1.1").is_none());
        assert!(parse(b"2026-11-21-").is_none());
    }

    #[test]
    fn finds_date_in_text() {
        let t = b"on 2026/11/21.";
        let (r, d) = date_at(t, 5).unwrap();
        assert_eq!(&t[r], b"2026/11/21");
        assert_eq!(d.describe(), "YYYY/MM/DD");
        assert!(date_at(b"v2026.11.21b", 2).is_none());
        assert!(date_at(b"10.0.0.1", 0).is_none());
        assert!(date_at(b"https://blog.example/2024/05/06/post", 22).is_none());
    }

    #[test]
    fn readings_overlap_for_variants() {
        let a = parse(b"2026-11-21").unwrap().readings();
        let b = parse(b"21/11/2026").unwrap().readings();
        assert!(a.iter().any(|x| b.contains(x)));
    }
}
