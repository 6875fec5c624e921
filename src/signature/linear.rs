//! Linear: `Linear-Signature: <hex>`, HMAC-SHA256 of the body with the
//! webhook's signing secret. The timestamp is not a header but the body's
//! `webhookTimestamp` (milliseconds); Linear's SDK rejects it past 60 seconds.
//! Re-signing leaves the body, and so that timestamp, as it is.

use super::Provider;
use super::codec::{Algorithm, Encoding};
use super::hmac_spec::{HmacSpec, TimeUnit, Timestamp};

pub(crate) fn scheme() -> HmacSpec {
    HmacSpec::body_only(Provider::Linear, Algorithm::Sha256, Encoding::Hex, "Linear-Signature", "")
        .timestamp(Timestamp::BodyJson { field: "webhookTimestamp".into(), unit: TimeUnit::Millis }, Some(60))
}
