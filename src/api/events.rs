//! Live updates, coalesced. However fast deliveries arrive, a subscriber gets
//! at most one batch per interval: the newest few summaries and how many
//! arrived in all, so a burst of 10,000/s never floods a window or a browser.
//!
//! A delivery is announced as soon as it is committed, usually before the
//! indexer has inspected it (provider, verdict, redeliveries). Those announced
//! too early are sent again, inspected, in an `analyzed` batch once the
//! indexer has reached them, so a row's badges fill in without a reload.

use std::time::Duration;

use futures_util::Stream;
use serde::Serialize;
use tokio::sync::watch;

use crate::model::DeliverySummary;
use crate::store::{self, Committed, Store};

/// The shortest time between two batches to one subscriber.
pub const COALESCE: Duration = Duration::from_millis(100);
/// Summaries carried per batch; the rest are counted, and a view that wants
/// them lists them.
pub const BATCH_ITEMS: u32 = 200;
/// How often to look whether the indexer has reached announced deliveries.
const ANALYZED_POLL: Duration = Duration::from_millis(250);

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventBatch {
    /// New deliveries since the last batch, newest first.
    Deliveries { count: u64, items: Vec<DeliverySummary> },
    /// Deliveries announced before they were inspected, now with their
    /// provider, verdict and redelivery count (newest first, at most
    /// `BATCH_ITEMS`).
    Analyzed { items: Vec<DeliverySummary> },
    /// Deliveries were deleted, cleared, pruned or pinned: reload.
    Changed,
}

struct Subscriber {
    store: Store,
    rx: watch::Receiver<Committed>,
    seen: Committed,
    first: bool,
    /// Announced deliveries after `.0` and up to `.1` may lack their inspection.
    uninspected: Option<(i64, i64)>,
}

/// A stream of batches, starting from what the store holds now.
pub fn subscribe(store: Store) -> impl Stream<Item = EventBatch> + Send + 'static {
    let mut rx = store.committed();
    let seen = *rx.borrow_and_update();
    let subscriber = Subscriber { store, rx, seen, first: true, uninspected: None };
    futures_util::stream::unfold(subscriber, |mut s| async move {
        let batch = s.next().await?;
        Some((batch, s))
    })
}

impl Subscriber {
    async fn next(&mut self) -> Option<EventBatch> {
        loop {
            if !self.first {
                tokio::time::sleep(COALESCE).await;
            }
            self.first = false;
            let committed = match self.uninspected {
                // Wake for new commits, or to look at the indexer's progress.
                Some(_) => match tokio::time::timeout(ANALYZED_POLL, self.rx.changed()).await {
                    Ok(changed) => changed.is_ok(),
                    Err(_) => true,
                },
                None => self.rx.changed().await.is_ok(),
            };
            if !committed {
                return None;
            }
            let now: Committed = *self.rx.borrow_and_update();
            if now.changes != self.seen.changes {
                self.seen.changes = now.changes;
                // Reloading covers any deliveries that arrived with the change.
                self.seen.last_seq = now.last_seq;
                self.uninspected = None;
                return Some(EventBatch::Changed);
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
                    return Some(EventBatch::Deliveries { count, items });
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
                        return Some(EventBatch::Analyzed { items });
                    }
                }
            }
        }
    }
}
