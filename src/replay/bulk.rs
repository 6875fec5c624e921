//! Bulk replay: many deliveries to one target, oldest first, a bounded
//! number in flight, progress as it goes and a cancel that stops before the
//! next send. The wire types are here; `api::Api::replay_all` runs it.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

/// `POST /api/replays`, `hookscope replay --all`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, TS, ToSchema)]
#[serde(default)]
pub struct BulkReplayRequest {
    /// These deliveries; when absent, every one matching the filters below.
    #[ts(optional)]
    pub ids: Option<Vec<String>>,
    /// Filters, as the list takes them.
    #[ts(optional)]
    pub method: Option<String>,
    #[ts(optional)]
    pub path: Option<String>,
    #[ts(optional)]
    pub status: Option<String>,
    #[ts(optional)]
    pub q: Option<String>,
    /// At most this many (the newest that match), sent oldest first.
    #[ts(optional)]
    pub limit: Option<u64>,
    /// Where to send (as for one replay); absent: each endpoint's last target.
    #[ts(optional)]
    pub to: Option<String>,
    /// Sends in flight at once (default 4, at most 64); 1 keeps arrival order.
    #[ts(optional)]
    pub concurrency: Option<u32>,
    #[ts(optional, as = "Option<bool>")]
    pub resign: bool,
    #[ts(optional, as = "Option<bool>")]
    pub keep_host: bool,
    #[ts(optional)]
    pub timeout_s: Option<f64>,
    #[ts(optional, as = "Option<bool>")]
    pub insecure: bool,
}

impl BulkReplayRequest {
    pub fn concurrency(&self) -> usize {
        self.concurrency.unwrap_or(4).clamp(1, 64) as usize
    }
}

/// Where a bulk replay stands; the last one sent has `finished`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct BulkProgress {
    /// `bulk_…`: for `GET` and `DELETE /api/replays/{job}`.
    pub job: String,
    pub total: u64,
    /// Sent so far (answered or failed).
    pub done: u64,
    /// Answered 2xx.
    pub ok: u64,
    /// Answered otherwise, or not at all.
    pub failed: u64,
    /// Could not be sent (e.g. a truncated delivery, no target): no attempt.
    pub skipped: u64,
    pub finished: bool,
    pub cancelled: bool,
    pub duration_ms: f64,
    /// The first few reasons for skips, to say why.
    pub errors: Vec<String>,
}
