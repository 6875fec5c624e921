//! Forwarding as the model sees it: how a rule forwards, the answer it may
//! give instead of the ack, and where each forwarded delivery stands.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

/// How a rule's deliveries reach its target.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    TS,
    ToSchema,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ForwardMode {
    /// The sender gets Hookscope's answer once the delivery is committed;
    /// the forwarder sends it on afterwards, from a durable queue.
    #[default]
    Async,
    /// After the commit, wait for the target and answer the sender with its
    /// status, headers and body (502/504 when it cannot be reached in time).
    Passthrough,
}

/// The longest a custom answer may be held back.
pub const MAX_DELAY_MS: u64 = 30_000;

/// An answer the sender gets instead of the ack (in `async` mode), sent
/// only after the delivery is committed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct CustomResponse {
    pub status: u16,
    /// `[[name, value], …]`, in order.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub body: String,
    /// Held back this long after the commit (at most 30,000).
    #[serde(default)]
    pub delay_ms: u64,
}

impl CustomResponse {
    /// Why this answer cannot be sent, if it cannot.
    pub fn check(&self) -> Result<(), String> {
        if !(100..=599).contains(&self.status) {
            return Err(format!("response status {}: give a code from 100 to 599", self.status));
        }
        if self.delay_ms > MAX_DELAY_MS {
            return Err(format!("response delay {} ms: at most {MAX_DELAY_MS}", self.delay_ms));
        }
        for (name, value) in &self.headers {
            let name_ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b':');
            if !name_ok || value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
                return Err(format!("response header {name:?} cannot be sent: a name is a token, a value one line"));
            }
        }
        Ok(())
    }
}

/// Where one forwarded delivery stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema, strum::EnumString, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ForwardState {
    /// Waiting to be sent (its target is down or paused, or it is next).
    Queued,
    /// Tried, and will be tried again (the target was down, slow or busy).
    Retrying,
    /// The target answered 2xx.
    Delivered,
    /// The target rejected it (a 4xx other than 408 and 429): not retried.
    Failed,
    /// Given up on after the give-up time.
    Dead,
    /// Dropped from the queue by the user.
    Dropped,
}

/// A delivery's forward state, as the list's badge and the Replays tab show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, ToSchema)]
pub struct ForwardBadge {
    pub state: ForwardState,
    /// The rule's target.
    pub target: String,
    pub tries: u32,
    /// Queued or retrying: when the next try is due (µs since the epoch).
    pub next_at_us: Option<i64>,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
}
