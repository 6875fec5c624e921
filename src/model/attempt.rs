//! Attempts: every time Hookscope sent a stored delivery somewhere (a
//! replay now; forwarding and sample events next), what it sent and what
//! came back, or why nothing did.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};
use ts_rs::TS;
use utoipa::ToSchema;

use super::{Base64, DeliveryId, Header, read_id, write_id};
use crate::error::Error;
use crate::outbound::SendError;

/// `att_` and 13 Crockford base32 characters; sorts by when it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AttemptId(pub i64);

impl fmt::Display for AttemptId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_id(f, "att_", self.0)
    }
}

impl FromStr for AttemptId {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        read_id(s, "att_").map(AttemptId).ok_or_else(|| {
            Error::InvalidArgument(format!("not an attempt id: {s:?} (expected att_ and 13 characters)"))
        })
    }
}

impl<'de> Deserialize<'de> for AttemptId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

impl Serialize for AttemptId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Why Hookscope sent it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema, strum::IntoStaticStr, strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Origin {
    /// A user asked (one click, the CLI, a bulk replay).
    Replay,
    /// The endpoint's forwarding rule.
    Forward,
}

/// One attempt, without its bodies: what lists show.
#[derive(Debug, Clone, Serialize, Deserialize, TS, ToSchema)]
pub struct AttemptSummary {
    #[ts(type = "string")]
    #[schema(value_type = String, example = "att_0PX3KQ7M1ABCD")]
    pub id: AttemptId,
    #[ts(type = "string")]
    #[schema(value_type = String, example = "dlv_0PX3KQ7M1ABCD")]
    pub delivery: DeliveryId,
    pub origin: Origin,
    pub method: String,
    pub url: String,
    /// The target's status; `null` when it gave none (see `error`).
    pub status: Option<u16>,
    pub error: Option<SendError>,
    pub duration_ms: f64,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub started_at_us: i64,
    /// Headers recomputed by re-signing, by name.
    pub resigned: Vec<String>,
    /// Said before sending: e.g. an edited body that no longer matches its signature.
    pub warnings: Vec<String>,
}

/// A request or response as an attempt keeps it.
#[derive(Debug, Clone, Serialize, TS, ToSchema)]
pub struct Sent {
    #[ts(as = "Vec<super::HeaderJson>")]
    #[schema(value_type = Vec<super::HeaderJson>)]
    pub headers: Vec<Header>,
    /// The body's bytes, base64.
    #[ts(as = "String")]
    #[schema(value_type = String, format = Byte)]
    pub body: Base64,
    /// The body as text when it is valid UTF-8.
    pub body_text: Option<String>,
    /// Only the start of a longer body was kept.
    pub truncated: bool,
}

impl Sent {
    pub fn new(headers: Vec<Header>, body: Vec<u8>, truncated: bool) -> Self {
        let body_text = String::from_utf8(body.clone()).ok();
        Sent { headers, body: Base64(body), body_text, truncated }
    }
}

/// One attempt whole: the request as sent and the response as received.
#[derive(Debug, Clone, Serialize, TS, ToSchema)]
pub struct Attempt {
    #[serde(flatten)]
    pub summary: AttemptSummary,
    pub request: Sent,
    pub response: Option<Sent>,
}

/// An attempt as the store records it.
#[derive(Debug, Clone)]
pub struct NewAttempt {
    pub delivery: DeliveryId,
    pub origin: Origin,
    pub started_at_us: i64,
    pub method: String,
    pub url: String,
    pub request_headers: Vec<Header>,
    pub request_body: Vec<u8>,
    /// The body sent is the delivery's own: the store keeps a reference, not a copy.
    pub body_as_captured: bool,
    pub resigned: Vec<String>,
    pub warnings: Vec<String>,
    pub duration_us: i64,
    pub outcome: Result<crate::outbound::Response, SendError>,
}

/// `2026-12-03T07:50:01.123456Z`.
pub fn rfc3339(us: i64) -> String {
    let (y, m, d, hh, mm, ss) = crate::signature::codec::civil(us.div_euclid(1_000_000));
    let micros = us.rem_euclid(1_000_000);
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{micros:06}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempt_ids_round_trip_and_are_not_delivery_ids() {
        let id = AttemptId(1_764_000_000_123_456);
        assert!(id.to_string().starts_with("att_"));
        assert_eq!(id.to_string().parse::<AttemptId>().unwrap(), id);
        assert!("dlv_0000000000001".parse::<AttemptId>().is_err());
        assert!("att_0000000000001".parse::<DeliveryId>().is_err());
    }

    #[test]
    fn times_are_rfc3339() {
        assert_eq!(rfc3339(1_700_000_000_123_456), "2023-11-14T22:13:20.123456Z");
    }
}
