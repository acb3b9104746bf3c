//! Live updates: the newest exchange id, pushed to pages as Server-Sent
//! Events. One poller per server asks the store once a second, and only
//! while at least one page listens; the page then fetches the new rows as
//! server-rendered HTML (`/exchanges/rows?after=ID`), so the script never
//! builds markup from agent data.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use plainsight_store::{ExchangeId, Filter};
use tokio::sync::watch;

use crate::{App, Source};

/// How often the poller asks the store.
pub const POLL: Duration = Duration::from_secs(1);

pub struct Live {
    newest: watch::Sender<ExchangeId>,
    stop: watch::Sender<bool>,
}

impl Live {
    pub fn new() -> Live {
        Live {
            newest: watch::Sender::new(0),
            stop: watch::Sender::new(false),
        }
    }

    pub fn notify(&self, id: ExchangeId) {
        self.newest.send_if_modified(|v| {
            if id > *v {
                *v = id;
                true
            } else {
                false
            }
        });
    }

    pub fn shutdown(&self) {
        let _ = self.stop.send(true);
    }
}

impl Default for Live {
    fn default() -> Live {
        Live::new()
    }
}

/// Starts the poller (ends when the app is dropped or shut down).
pub fn spawn_poller(app: &Arc<App>) {
    let weak = Arc::downgrade(app);
    let mut stop = app.live.stop.subscribe();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = tokio::time::sleep(POLL) => {}
                _ = stop.changed() => return,
            }
            let Some(app) = weak.upgrade() else { return };
            if app.live.newest.receiver_count() == 0 {
                continue;
            }
            let a = app.clone();
            let newest = tokio::task::spawn_blocking(move || {
                let Source::Store { store, .. } = &a.source else {
                    return None;
                };
                let mut s = store.lock().ok()?;
                s.list(&Filter {
                    newest_first: true,
                    limit: Some(1),
                    ..Filter::default()
                })
                .ok()?
                .first()
                .map(|x| x.id)
            })
            .await
            .ok()
            .flatten();
            if let Some(id) = newest {
                app.live.notify(id);
            }
        }
    });
}

/// `GET /events`: `event: exchange` with the newest id, whenever it grows.
pub async fn events(
    State(app): State<Arc<App>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = app.live.newest.subscribe();
    let stop = app.live.stop.subscribe();
    let s = stream::unfold((rx, stop, true), |(mut rx, mut stop, first)| async move {
        if *stop.borrow() {
            return None;
        }
        if !first {
            tokio::select! {
                r = rx.changed() => r.ok()?,
                _ = stop.changed() => return None,
            }
        }
        let id = *rx.borrow_and_update();
        let ev = Event::default().event("exchange").data(id.to_string());
        Some((Ok(ev), (rx, stop, false)))
    });
    Sse::new(s).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
