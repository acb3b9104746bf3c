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
