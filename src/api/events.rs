//! Live updates, coalesced, as topics on one stream. However fast deliveries
//! arrive, a subscriber gets at most one event per interval: the newest few
//! summaries and how many arrived in all, so a burst of 10,000/s never floods
//! a window or a browser. Every adapter (SSE, Tauri events) forwards
//! [`crate::api::Api::subscribe`]; the topic names are the event names.
//!
//! A delivery is announced as soon as it is committed, usually before the
//! indexer has inspected it (provider, verdict, redeliveries). Those announced
//! too early are sent again, inspected, in an `analyzed` batch once the
//! indexer has reached them, so a row's badges fill in without a reload.

use std::time::Duration;

use futures_util::Stream;
use serde::Serialize;
use tokio::sync::watch;
use ts_rs::TS;
use utoipa::ToSchema;

use crate::model::DeliverySummary;
use crate::store::{self, Committed, Store};

/// The shortest time between two batches to one subscriber.
pub const COALESCE: Duration = Duration::from_millis(100);
/// Summaries carried per batch; the rest are counted, and a view that wants
/// them lists them.
pub const BATCH_ITEMS: u32 = 200;
/// How often to look whether the indexer has reached announced deliveries.
const ANALYZED_POLL: Duration = Duration::from_millis(250);

#[derive(Debug, Clone, Serialize, TS, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    /// New deliveries since the last batch, newest first.
    Deliveries { count: u64, items: Vec<DeliverySummary> },
    /// Deliveries announced before they were inspected, now with their
    /// provider, verdict and redelivery count (newest first, at most
    /// `BATCH_ITEMS`).
    Analyzed { items: Vec<DeliverySummary> },
    /// Endpoint settings changed (from any window, the API or the CLI):
    /// reload them. A `changed` follows once verdicts are recomputed.
    Endpoints,
    /// Deliveries were deleted, cleared, pruned or pinned, or their
    /// verdicts recomputed: reload.
    Changed,
    /// Attempts were recorded (a replay, from any window, the API or the
    /// CLI): views of attempts reload.
    Attempts,
    /// A bulk replay's progress (several a second while it runs, and once
    /// with `finished`).
    ReplayProgress(crate::replay::BulkProgress),
    /// Forwarded deliveries whose state changed (queued, delivered,
    /// retrying…): the list's badges update in place.
    Forward { items: Vec<crate::forward::ForwardUpdate> },
}

impl LiveEvent {
    /// The topic, which is also the SSE event name.
    pub fn topic(&self) -> &'static str {
        match self {
            LiveEvent::Deliveries { .. } => "deliveries",
            LiveEvent::Analyzed { .. } => "analyzed",
            LiveEvent::Endpoints => "endpoints",
            LiveEvent::Changed => "changed",
            LiveEvent::Attempts => "attempts",
            LiveEvent::ReplayProgress(_) => "replay_progress",
            LiveEvent::Forward { .. } => "forward",
        }
    }
}

struct Subscriber {
    store: Store,
    rx: watch::Receiver<Committed>,
    seen: Committed,
    first: bool,
    /// Announced deliveries after `.0` and up to `.1` may lack their inspection.
    uninspected: Option<(i64, i64)>,
    /// Endpoints changed: once deliveries up to `.1` are analyzed with
    /// settings version `.0`, views reload for their new verdicts.
    reanalyzing: Option<(u64, i64)>,
}

/// A stream of events, starting from what the store holds now.
pub(super) fn subscribe(store: Store) -> impl Stream<Item = LiveEvent> + Send + 'static {
    let mut rx = store.committed();
    let seen = *rx.borrow_and_update();
    let subscriber = Subscriber { store, rx, seen, first: true, uninspected: None, reanalyzing: None };
    futures_util::stream::unfold(subscriber, |mut s| async move {
        let batch = s.next().await?;
        Some((batch, s))
    })
}

impl Subscriber {
    async fn next(&mut self) -> Option<LiveEvent> {
        loop {
            if !self.first {
                tokio::time::sleep(COALESCE).await;
            }
            self.first = false;
            let waiting_for_indexer = self.uninspected.is_some() || self.reanalyzing.is_some();
            let committed = if waiting_for_indexer {
                // Wake for new commits, or to look at the indexer's progress.
                match tokio::time::timeout(ANALYZED_POLL, self.rx.changed()).await {
                    Ok(changed) => changed.is_ok(),
                    Err(_) => true,
                }
            } else {
                self.rx.changed().await.is_ok()
            };
            if !committed {
                return None;
            }
            let now: Committed = *self.rx.borrow_and_update();
            if now.attempts != self.seen.attempts {
                self.seen.attempts = now.attempts;
                let Committed { last_seq, changes, endpoints, .. } = self.seen;
                if (now.last_seq, now.changes, now.endpoints) != (last_seq, changes, endpoints) {
                    // The rest of this commit is told next time round.
                    self.rx.mark_changed();
                }
                return Some(LiveEvent::Attempts);
            }
            if now.endpoints != self.seen.endpoints {
                self.seen.endpoints = now.endpoints;
                self.reanalyzing = Some((now.endpoints, now.last_seq));
                return Some(LiveEvent::Endpoints);
            }
            if let Some((version, upto)) = self.reanalyzing
                && self.store.analyzed_with(version) >= upto
            {
                self.reanalyzing = None;
                self.seen.last_seq = self.seen.last_seq.max(now.last_seq);
                self.seen.changes = now.changes;
                self.uninspected = None;
                return Some(LiveEvent::Changed);
            }
            if now.changes != self.seen.changes {
                self.seen.changes = now.changes;
                // Reloading covers any deliveries that arrived with the change.
                self.seen.last_seq = now.last_seq;
                self.uninspected = None;
                return Some(LiveEvent::Changed);
            }
            if now.last_seq > self.seen.last_seq {
                let (after, upto) = (self.seen.last_seq, now.last_seq);
                // Read before listing: what is inspected by now is in the list.
                let inspected = self.store.analyzed_upto();
                let fetched = self
                    .store
                    .readers()
                    .run(move |c| {
                        let count = store::count_between(c, after, upto)?;
                        Ok((count, store::list_between(c, after, upto, BATCH_ITEMS)?))
                    })
                    .await;
                self.seen.last_seq = upto;
                if inspected < upto {
                    let from = self.uninspected.map_or(after.max(inspected), |(from, _)| from);
                    self.uninspected = Some((from, upto));
                }
                if let Ok((count, items)) = fetched {
                    return Some(LiveEvent::Deliveries { count, items });
                }
                continue;
            }
            if let Some((from, upto)) = self.uninspected {
                let inspected = self.store.analyzed_upto().min(upto);
                if inspected > from {
                    self.uninspected = (inspected < upto).then_some((inspected, upto));
                    let fetched =
                        self.store.readers().run(move |c| store::list_between(c, from, inspected, BATCH_ITEMS)).await;
                    if let Ok(items) = fetched
                        && !items.is_empty()
                    {
                        return Some(LiveEvent::Analyzed { items });
                    }
                }
            }
        }
    }
}
