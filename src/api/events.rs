//! Live updates, coalesced. However fast deliveries arrive, a subscriber gets
//! at most one batch per interval: the newest few summaries and how many
//! arrived in all, so a burst of 10,000/s never floods a window or a browser.

use std::time::Duration;

use futures_util::Stream;
use serde::Serialize;

use crate::model::DeliverySummary;
use crate::store::{self, Committed, Store};

/// The shortest time between two batches to one subscriber.
pub const COALESCE: Duration = Duration::from_millis(100);
/// Summaries carried per batch; the rest are counted, and a view that wants
/// them lists them.
pub const BATCH_ITEMS: u32 = 200;

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventBatch {
    /// New deliveries since the last batch, newest first.
    Deliveries { count: u64, items: Vec<DeliverySummary> },
    /// Deliveries were deleted, cleared, pruned or pinned: reload.
    Changed,
}

/// A stream of batches, starting from what the store holds now.
pub fn subscribe(store: Store) -> impl Stream<Item = EventBatch> + Send + 'static {
    let mut rx = store.committed();
    let seen = *rx.borrow_and_update();
    futures_util::stream::unfold((store, rx, seen, true), |(store, mut rx, mut seen, first)| async move {
        loop {
            if !first {
                tokio::time::sleep(COALESCE).await;
            }
            if rx.changed().await.is_err() {
                return None;
            }
            let now: Committed = *rx.borrow_and_update();
            if now.changes != seen.changes {
                seen.changes = now.changes;
                // Reloading covers any deliveries that arrived with the change.
                seen.last_seq = now.last_seq;
                return Some((EventBatch::Changed, (store, rx, seen, false)));
            }
            if now.last_seq > seen.last_seq {
                let (after, upto) = (seen.last_seq, now.last_seq);
                let fetched = store
                    .readers()
                    .run(move |c| {
                        let count = store::count_between(c, after, upto)?;
                        Ok((count, store::list_between(c, after, upto, BATCH_ITEMS)?))
                    })
                    .await;
                seen.last_seq = now.last_seq;
                if let Ok((count, items)) = fetched {
                    return Some((EventBatch::Deliveries { count, items }, (store, rx, seen, false)));
                }
            }
        }
    })
}
