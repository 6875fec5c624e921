//! Replays: send a stored delivery again — as captured, edited, or re-signed
//! — to its endpoint's last target or any URL, and keep every attempt. The
//! request is planned here (pure, `plan.rs`); `api::Api::replay` sends it
//! with the shared outbound client and records the attempt.

mod bulk;
mod diff;
mod plan;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

use crate::error::{Error, Result};
use crate::model::{Header, HeaderJson, ValueEncoding};
use crate::signature::Provider;

pub use bulk::{BulkProgress, BulkReplayRequest};
pub use diff::{BodyDiff, BodyLine, Change, Diff, HeaderChange, HeaderOp, LineOp, Side, diff, read_diff, read_side};
pub use plan::{HOP_BY_HOP, Plan, full_url, plan, set_header, target};

/// What to send: every field is optional, and what is left out is as
/// captured (`POST /api/deliveries/{id}/replay`, `hookscope replay`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, TS, ToSchema)]
#[serde(default)]
pub struct ReplayRequest {
    /// Where to send. An origin (`http://127.0.0.1:3000`) keeps the
    /// delivery's path and query; a URL with a path is used exactly. Left
    /// out: the last target used for the delivery's endpoint.
    #[ts(optional)]
    pub to: Option<String>,
    #[ts(optional)]
    pub method: Option<String>,
    /// The headers to start from, in order (default: as captured).
    #[ts(optional, as = "Option<Vec<HeaderJson>>")]
    #[schema(value_type = Option<Vec<HeaderJson>>)]
    pub headers: Option<Vec<Header>>,
    /// Each replaces every header of its name (in the first one's place), or is added.
    #[ts(optional, as = "Option<Vec<HeaderJson>>")]
    #[schema(value_type = Vec<HeaderJson>)]
    pub set_headers: Vec<Header>,
    /// Names of headers to leave out.
    #[ts(optional, as = "Option<Vec<String>>")]
    pub remove_headers: Vec<String>,
    /// A new body: text, or base64 with `body_encoding: "base64"`.
    #[ts(optional)]
    pub body: Option<String>,
    #[ts(optional)]
    pub body_encoding: Option<ValueEncoding>,
    /// Recompute the signature headers over what is sent, with a fresh
    /// timestamp: the endpoint's provider and newest secret, or `provider`
    /// and `secret`.
    #[ts(optional, as = "Option<bool>")]
    pub resign: bool,
    #[ts(optional)]
    pub provider: Option<Provider>,
    #[ts(optional)]
    pub secret: Option<String>,
    /// With `resign`: a new event id instead of the delivery's.
    #[ts(optional, as = "Option<bool>")]
    pub new_event_id: bool,
    /// Send the captured `Host` instead of the target's.
    #[ts(optional, as = "Option<bool>")]
    pub keep_host: bool,
    /// Seconds for the whole exchange (default 30).
    #[ts(optional)]
    pub timeout_s: Option<f64>,
    /// Skip TLS certificate checks for this send.
    #[ts(optional, as = "Option<bool>")]
    pub insecure: bool,
}

impl ReplayRequest {
    /// The new body's bytes, if one was given.
    pub fn body(&self) -> Result<Option<Vec<u8>>> {
        match (&self.body, self.body_encoding) {
            (None, _) => Ok(None),
            (Some(text), None) => Ok(Some(text.clone().into_bytes())),
            (Some(b64), Some(ValueEncoding::Base64)) => base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map(Some)
                .map_err(|e| Error::InvalidArgument(format!("body: bad base64: {e}"))),
        }
    }

    pub fn check(&self) -> Result<()> {
        if let Some(t) = self.timeout_s
            && !(t > 0.0 && t <= 3600.0)
        {
            return Err(Error::InvalidArgument(format!("timeout {t} s: give between 0 and 3600 seconds")));
        }
        if self.secret.is_some() && !self.resign {
            return Err(Error::InvalidArgument("a secret is only used to re-sign: add resign".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
