//! Twitch EventSub: `Twitch-Eventsub-Message-Signature: sha256=<hex>`,
//! HMAC-SHA256 with the subscription secret over message id, timestamp (RFC
//! 3339, as sent) and body concatenated. Twitch says to reject messages older
//! than 10 minutes.

use super::Provider;
use super::codec::{Algorithm, Encoding};
use super::hmac_spec::{HmacSpec, Shape, TimeUnit, Timestamp};

pub(crate) fn scheme() -> HmacSpec {
    HmacSpec::new(
        Provider::Twitch,
        Algorithm::Sha256,
        Encoding::Hex,
        "Twitch-Eventsub-Message-Signature",
        Shape::Prefixed("sha256=".into()),
        "{id}{timestamp}{body}",
    )
    .id_header("Twitch-Eventsub-Message-Id")
    .timestamp(
        Timestamp::Header { name: "Twitch-Eventsub-Message-Timestamp".into(), unit: TimeUnit::Rfc3339 },
        Some(600),
    )
}
