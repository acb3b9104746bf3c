//! Enforcing [`Limits`] while bytes flow, not after.
//!
//! A decompression bomb is only harmless if it is stopped while inflating:
//! [`LimitedReader`] sits on the decompressed side of every archive stream and
//! counts each byte against a [`Budget`] shared by the whole archive tree
//! (nested archives draw from their outer archive's budget, so nesting cannot
//! multiply the limits). When a stream inflates, a [`Counter`] on the
//! compressed side lets it check the ratio as it goes.
//!
//! Readers must return `io::Error`, and the `tar`/`zip` crates wrap those in
//! their own errors; so the precise violation is recorded in the budget and
//! the caller turns it into [`ArtifactError::Limit`] with [`Budget::take_hit`].

use std::cell::{Cell, RefCell};
use std::io::{self, Read};
use std::rc::Rc;

use crate::{ArtifactError, Limits};

/// Ratios are only judged after this much output: tiny highly-compressible
/// files (a 4 KB file of spaces) are not bombs.
pub(crate) const RATIO_GRACE: u64 = 1 << 20;

/// What one archive tree may still consume.
#[derive(Debug)]
pub(crate) struct Budget {
    pub limits: Limits,
    total: Cell<u64>,
    entries: Cell<usize>,
    hit: RefCell<Option<ArtifactError>>,
}

impl Budget {
    pub fn new(limits: &Limits) -> Rc<Budget> {
        Rc::new(Budget {
            limits: limits.clone(),
            total: Cell::new(0),
            entries: Cell::new(0),
            hit: RefCell::new(None),
        })
    }

    /// Count one more archive entry (`place`, in the archive whose chain is
    /// `input`: the budget is shared by nested archives, a message must name
    /// the one it was exceeded in).
    pub fn entry(&self, input: &str, place: &str) -> Result<(), ArtifactError> {
        let n = self.entries.get() + 1;
        self.entries.set(n);
        if n > self.limits.max_entries {
            return Err(Budget::limit_error(
                input,
                place,
                "entry count",
                n as u64,
                self.limits.max_entries as u64,
            ));
        }
        Ok(())
    }

    /// Record `n` more uncompressed bytes; an error once over the limit.
    fn consume(&self, n: u64, input: &str, place: &str) -> Result<(), ()> {
        let total = self.total.get().saturating_add(n);
        self.total.set(total);
        if total > self.limits.max_total_uncompressed {
            self.record(Budget::limit_error(
                input,
                place,
                "total uncompressed size",
                total,
                self.limits.max_total_uncompressed,
            ));
            return Err(());
        }
        Ok(())
    }

    fn record(&self, e: ArtifactError) {
        let mut hit = self.hit.borrow_mut();
        if hit.is_none() {
            *hit = Some(e);
        }
    }

    /// The limit violation that made a reader fail, if that is why it failed.
    pub fn take_hit(&self) -> Option<ArtifactError> {
        self.hit.borrow_mut().take()
    }

    pub fn limit_error(
        input: &str,
        place: &str,
        what: &'static str,
        value: u64,
        limit: u64,
    ) -> ArtifactError {
        ArtifactError::Limit {
            input: input.to_string(),
            place: place.to_string(),
            what,
            value,
            limit,
        }
    }
}

/// Counts bytes read through it (the compressed side of a decoder).
#[derive(Clone, Debug, Default)]
pub(crate) struct Counter(Rc<Cell<u64>>);

impl Counter {
    pub fn get(&self) -> u64 {
        self.0.get()
    }
}

pub(crate) struct CountingReader<R> {
    inner: R,
    counter: Counter,
}

impl<R: Read> CountingReader<R> {
    pub fn new(inner: R, counter: Counter) -> Self {
        CountingReader { inner, counter }
    }
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.0.set(self.counter.0.get() + n as u64);
        Ok(n)
    }
}

/// The decompressed side of a stream: charges the budget, checks the ratio
/// against the compressed bytes consumed so far.
pub(crate) struct LimitedReader<R> {
    inner: R,
    budget: Rc<Budget>,
    /// Compressed bytes consumed, when this stream inflates; or a fixed
    /// compressed size (zip entries declare theirs).
    compressed: Option<Compressed>,
    out: u64,
    /// Chain of the archive read, and the place in it.
    input: String,
    place: String,
}

pub(crate) enum Compressed {
    Live(Counter),
    Fixed(u64),
}

impl<R: Read> LimitedReader<R> {
    pub fn new(
        inner: R,
        budget: Rc<Budget>,
        compressed: Option<Compressed>,
        input: String,
        place: String,
    ) -> Self {
        LimitedReader {
            inner,
            budget,
            compressed,
            out: 0,
            input,
            place,
        }
    }
}

impl<R: Read> Read for LimitedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out += n as u64;
        if self
            .budget
            .consume(n as u64, &self.input, &self.place)
            .is_err()
        {
            return Err(io::Error::other("archive limit exceeded"));
        }
        if let Some(c) = &self.compressed {
            let input = match c {
                Compressed::Live(counter) => counter.get(),
                Compressed::Fixed(v) => *v,
            };
            let max = self.budget.limits.max_ratio;
            if self.out > RATIO_GRACE && self.out > input.max(1).saturating_mul(max) {
                // Rounded up: the check is `out > input × max`, so the
                // reported ratio must be above the limit too (not `200 > 200`).
                let ratio = self.out.div_ceil(input.max(1));
                self.budget.record(Budget::limit_error(
                    &self.input,
                    &self.place,
                    "compression ratio",
                    ratio,
                    max,
                ));
                return Err(io::Error::other("compression ratio limit exceeded"));
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_limit_stops_reading_and_is_recorded() {
        let limits = Limits {
            max_total_uncompressed: 10,
            ..Limits::default()
        };
        let budget = Budget::new(&limits);
        let data = [0u8; 64];
        let mut r = LimitedReader::new(
            &data[..],
            Rc::clone(&budget),
            None,
            "x.tgz".into(),
            "entry a".into(),
        );
        let mut sink = Vec::new();
        assert!(r.read_to_end(&mut sink).is_err());
        let e = budget.take_hit().expect("violation recorded");
        let msg = e.to_string();
        assert!(
            msg.contains("x.tgz") && msg.contains("entry a") && msg.contains("total uncompressed"),
            "{msg}"
        );
    }

    #[test]
    fn ratio_is_judged_after_grace_only() {
        let limits = Limits {
            max_ratio: 2,
            ..Limits::default()
        };
        let budget = Budget::new(&limits);
        // 1 KB "compressed" for 4 KB out: ratio 4 but under the grace size.
        let data = vec![0u8; 4096];
        let mut r = LimitedReader::new(
            &data[..],
            Rc::clone(&budget),
            Some(Compressed::Fixed(1024)),
            "x".into(),
            "e".into(),
        );
        let mut sink = Vec::new();
        r.read_to_end(&mut sink).unwrap();
        // Past the grace size the same ratio is refused.
        let data = vec![0u8; (RATIO_GRACE as usize) * 2];
        let mut r = LimitedReader::new(
            &data[..],
            Rc::clone(&budget),
            Some(Compressed::Fixed(1024)),
            "x".into(),
            "e".into(),
        );
        assert!(r.read_to_end(&mut sink).is_err());
        let hit = budget.take_hit();
        assert!(
            matches!(
                hit,
                Some(ArtifactError::Limit {
                    what: "compression ratio",
                    value,
                    limit,
                    ..
                }) if value > limit
            ),
            "{hit:?}"
        );
        // Issue 8: the message read `200 > 200`.
        let msg = hit.unwrap().to_string();
        let (v, l) = msg.rsplit_once(": ").unwrap().1.split_once(" > ").unwrap();
        assert!(
            v.parse::<u64>().unwrap() > l.parse::<u64>().unwrap(),
            "{msg}"
        );
    }

    #[test]
    fn entry_count_limit() {
        let limits = Limits {
            max_entries: 2,
            ..Limits::default()
        };
        let budget = Budget::new(&limits);
        budget.entry("x", "a").unwrap();
        budget.entry("x", "b").unwrap();
        assert!(matches!(
            budget.entry("x", "c"),
            Err(ArtifactError::Limit {
                what: "entry count",
                value: 3,
                ..
            })
        ));
    }
}
