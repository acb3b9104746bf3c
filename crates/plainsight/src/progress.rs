//! Download progress on stderr, for the artifact layer's [`Progress`] trait.
//!
//! Only used when stderr is a terminal (`scan` decides), so logs and CI output
//! never get bar redraws. Inputs are opened in parallel and the trait does not
//! say which transfer a call belongs to; each transfer runs on the thread that
//! opens its input, so bars are keyed by thread.

use std::collections::HashMap;
use std::sync::Mutex;
use std::thread::ThreadId;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use plainsight_artifact::Progress;

pub struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<ThreadId, ProgressBar>>,
}

impl Bars {
    pub fn stderr() -> Bars {
        Bars {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            bars: Mutex::new(HashMap::new()),
        }
    }

    fn with_bar(&self, f: impl FnOnce(&ProgressBar)) {
        if let Ok(bars) = self.bars.lock()
            && let Some(bar) = bars.get(&std::thread::current().id())
        {
            f(bar);
        }
    }
}

impl Progress for Bars {
    fn start(&self, label: &str, total_bytes: Option<u64>) {
        let bar = match total_bytes {
            Some(n) => ProgressBar::new(n).with_style(
                ProgressStyle::with_template(
                    "{msg} {bar:30} {bytes}/{total_bytes} {bytes_per_sec}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{spinner} {msg} {bytes}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        let bar = self
            .multi
            .add(bar.with_message(plainsight_core::chars::escape(label)));
        if let Ok(mut bars) = self.bars.lock() {
            bars.insert(std::thread::current().id(), bar);
        }
    }

    fn advance(&self, n: u64) {
        self.with_bar(|b| b.inc(n));
    }

    fn finish(&self) {
        if let Ok(mut bars) = self.bars.lock()
            && let Some(bar) = bars.remove(&std::thread::current().id())
        {
            bar.finish_and_clear();
        }
    }
}

/// `history`'s progress: one bar of versions done / to do, with bytes
/// downloaded, the download rate and an ETA; retries and waits printed
/// above it. Stderr only, and only on a terminal (`history` decides).
pub struct HistoryBar {
    bar: ProgressBar,
    bytes: std::sync::atomic::AtomicU64,
    started: std::time::Instant,
}

impl HistoryBar {
    pub fn stderr() -> HistoryBar {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template(
                "{prefix} {bar:30} {pos}/{len} versions  {msg}  eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_prefix("history");
        HistoryBar {
            bar,
            bytes: std::sync::atomic::AtomicU64::new(0),
            started: std::time::Instant::now(),
        }
    }

    fn message(&self) {
        let b = self.bytes.load(std::sync::atomic::Ordering::Relaxed);
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        self.bar.set_message(format!(
            "{} downloaded, {}/s",
            indicatif::HumanBytes(b),
            indicatif::HumanBytes((b as f64 / secs) as u64)
        ));
    }
}

impl plainsight_history::Observer for HistoryBar {
    fn planned(&self, todo: usize, cached: usize) {
        self.bar.set_length(todo as u64);
        if cached > 0 {
            self.bar.println(format!(
                "history: {cached} version(s) from the result cache"
            ));
        }
    }

    fn bytes(&self, n: u64) {
        let total = self
            .bytes
            .fetch_add(n, std::sync::atomic::Ordering::Relaxed)
            + n;
        // Redraw the message every ~4 MB, not every 64 KB read.
        if total >> 22 != (total - n) >> 22 {
            self.message();
        }
    }

    fn finished(&self, entry: &plainsight_history::VersionEntry) {
        if entry.status != plainsight_history::Status::Scanned {
            self.bar.println(format!(
                "history: {} {}: {}",
                plainsight_core::chars::escape(&entry.version),
                entry.status.as_str(),
                plainsight_core::chars::escape(entry.detail.as_deref().unwrap_or(""))
            ));
        }
        self.bar.inc(1);
        self.message();
    }

    fn retry(&self, version: &str, attempt: u32, wait: std::time::Duration, error: &str) {
        self.bar.println(format!(
            "history: {}: retry {attempt} in {:.1} s: {}",
            plainsight_core::chars::escape(version),
            wait.as_secs_f64(),
            plainsight_core::chars::escape(error)
        ));
    }

    fn waiting(&self, leased: u64) {
        self.bar.set_message(format!(
            "waiting for {leased} version(s) other machines are scanning"
        ));
    }
}

impl Drop for HistoryBar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
