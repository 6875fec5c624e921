//! What Hookscope keeps: deliveries (their id, what arrived, what Hookscope
//! answered), the one header type, and endpoints (the settings per path
//! prefix). These are the wire types too: ts-rs and utoipa derive the UI's
//! TypeScript and the API's schemas from them.

mod attempt;
mod endpoint;
mod forward;
mod header;

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use serde::{Serialize, Serializer};
use ts_rs::TS;
use utoipa::ToSchema;

use crate::error::Error;

pub use attempt::{Attempt, AttemptId, AttemptSummary, NewAttempt, Origin, Sent, rfc3339};
pub use endpoint::{Endpoint, EndpointJson, SchemeChoice, endpoint_for, new_endpoint_id, redact};
pub use forward::{CustomResponse, ForwardBadge, ForwardMode, ForwardState, MAX_DELAY_MS};
pub use header::{Header, HeaderJson, ValueEncoding, decode_headers, encode_headers, find, push_header};

/// A delivery's id: `dlv_` and 13 Crockford base32 characters encoding the
/// store's monotonic sequence number (microseconds since the epoch, nudged
/// forward on collisions). Ids therefore sort as the deliveries were
/// committed, and the number is the table's integer key, so the id costs the
/// store no extra index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeliveryId(pub i64);

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const ID_CHARS: usize = 13;

/// `prefix` and 13 Crockford base32 characters: ids that sort as numbers.
fn write_id(f: &mut fmt::Formatter<'_>, prefix: &str, value: i64) -> fmt::Result {
    let mut out = [0u8; ID_CHARS];
    let mut v = value as u64;
    for slot in out.iter_mut().rev() {
        *slot = CROCKFORD[(v & 31) as usize];
        v >>= 5;
    }
    f.write_str(prefix)?;
    // The alphabet is ASCII, so this cannot fail.
    f.write_str(std::str::from_utf8(&out).map_err(|_| fmt::Error)?)
}

fn read_id(s: &str, prefix: &str) -> Option<i64> {
    let digits = s.strip_prefix(prefix)?;
    if digits.len() != ID_CHARS {
        return None;
    }
    let mut v: u64 = 0;
    for c in digits.bytes() {
        let d = match c.to_ascii_uppercase() {
            b'O' => 0,
            b'I' | b'L' => 1,
            c => CROCKFORD.iter().position(|&a| a == c)? as u64,
        };
        v = v.checked_mul(32)? | d;
    }
    i64::try_from(v).ok()
}

impl fmt::Display for DeliveryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_id(f, "dlv_", self.0)
    }
}

impl FromStr for DeliveryId {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        read_id(s, "dlv_").map(DeliveryId).ok_or_else(|| Error::InvalidId(s.to_owned()))
    }
}

impl<'de> serde::Deserialize<'de> for DeliveryId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

impl Serialize for DeliveryId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A delivery as the capture listener hands it to the store.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub received_at_us: i64,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub http_version: String,
    pub remote_addr: Option<String>,
    /// The header block, see [`encode_headers`].
    pub headers: Vec<u8>,
    pub body: Vec<u8>,
    /// The body's full size as sent; larger than `body.len()` when truncated.
    pub body_size: u64,
    pub truncated: bool,
    pub content_type: Option<String>,
    /// Time spent receiving the request, head parsed to body complete.
    pub duration_us: i64,
    pub response: Response,
    /// Not captured but imported: from what (`har`, `raw`, `curl`, `json`).
    pub source: Option<String>,
    /// Came in on the HTTPS capture listener.
    pub tls: bool,
}

/// The answer Hookscope gave (or will give once the delivery is committed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// The standard acknowledgement: the configured 2xx status with
    /// `{"id":"dlv_…"}`. Stored as its status alone and rebuilt on read.
    Ack { status: u16 },
    /// Anything else, stored as sent.
    Other { status: u16, headers: Vec<Header>, body: Vec<u8> },
}

impl Response {
    pub fn status(&self) -> u16 {
        match self {
            Response::Ack { status } | Response::Other { status, .. } => *status,
        }
    }

    pub fn ack_body(id: DeliveryId) -> String {
        format!("{{\"id\":\"{id}\"}}")
    }
}

/// The short form shown in lists.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS, ToSchema)]
pub struct DeliverySummary {
    #[ts(type = "string")]
    #[schema(value_type = String, example = "dlv_0PX3KQ7M1ABCD")]
    pub id: DeliveryId,
    pub received_at_us: i64,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    pub body_size: u64,
    pub content_type: Option<String>,
    pub truncated: bool,
    pub pinned: bool,
    /// Filled in moments after the ack by the store's inspection (inspect.rs).
    pub provider: Option<String>,
    /// The signature verdict's kind, when a secret is set for the endpoint.
    pub verdict: Option<String>,
    pub event_id: Option<String>,
    /// Other deliveries with the same event id (redeliveries), counted up to
    /// 99: 99 means 99 or more.
    pub duplicates: u64,
    /// Where forwarding it stands, when a rule forwards it.
    pub forward: Option<ForwardBadge>,
}

/// Everything stored about one delivery.
#[derive(Debug, Clone, Serialize, TS, ToSchema)]
pub struct Delivery {
    #[serde(flatten)]
    pub head: DeliveryHead,
    /// The body's bytes, base64.
    #[ts(as = "String")]
    #[schema(value_type = String, format = Byte)]
    pub body: Base64,
    /// The body as text when it is valid UTF-8.
    pub body_text: Option<String>,
}

/// A delivery without its body, for views that read the bytes separately: the
/// full form carries a 25 MiB body twice, as ~33 MB of base64 and as text.
#[derive(Debug, Clone, Serialize, TS, ToSchema)]
pub struct DeliveryHead {
    #[serde(flatten)]
    pub summary: DeliverySummary,
    pub http_version: String,
    pub remote_addr: Option<String>,
    pub duration_us: i64,
    /// In arrival order, original case, repeats kept.
    #[ts(as = "Vec<HeaderJson>")]
    #[schema(value_type = Vec<HeaderJson>)]
    pub headers: Vec<Header>,
    pub response: SentResponse,
    /// Set on imported deliveries: the kind of file they came from.
    pub source: Option<String>,
    /// It came in over TLS (the HTTPS capture listener).
    pub tls: bool,
}

/// What `GET /api/deliveries/{id}` answers: with the body unless asked not to.
#[derive(Debug, Clone, Serialize, TS, ToSchema)]
#[serde(untagged)]
pub enum DeliveryReply {
    Full(Delivery),
    Head(DeliveryHead),
}

#[derive(Debug, Clone, Serialize, TS, ToSchema)]
pub struct SentResponse {
    pub status: u16,
    #[ts(as = "Vec<HeaderJson>")]
    #[schema(value_type = Vec<HeaderJson>)]
    pub headers: Vec<Header>,
    pub body: String,
}

/// Bytes that serialize as base64.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Base64(pub Vec<u8>);

impl Serialize for Base64 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(&self.0))
    }
}

impl std::ops::Deref for Base64 {
    type Target = Vec<u8>;

    fn deref(&self) -> &Vec<u8> {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_sort_as_numbers() {
        let ids = [0i64, 1, 31, 32, 1_764_000_000_000_000, i64::MAX];
        for w in ids.windows(2) {
            let (a, b) = (DeliveryId(w[0]).to_string(), DeliveryId(w[1]).to_string());
            assert!(a < b, "id strings must sort like their numbers: {a} < {b}");
        }
        for n in ids {
            let s = DeliveryId(n).to_string();
            assert_eq!(s.parse::<DeliveryId>().unwrap(), DeliveryId(n), "{s} must parse back to {n}");
        }
    }

    #[test]
    fn malformed_ids_are_rejected() {
        for bad in ["", "dlv_", "dlv_123", "abc_0000000000000", "dlv_00000000000U0", "dlv_ZZZZZZZZZZZZZ"] {
            assert!(bad.parse::<DeliveryId>().is_err(), "{bad:?} must not parse");
        }
    }
}
