//! Slack: `X-Slack-Signature: v0=<hex>`, HMAC-SHA256 with the app's signing
//! secret over `v0:<X-Slack-Request-Timestamp>:<body>`; Slack asks receivers
//! to reject requests older than 5 minutes.

use super::Provider;
use super::codec::{Algorithm, Encoding};
use super::hmac_spec::{HmacSpec, Shape, TimeUnit, Timestamp};

pub(crate) fn scheme() -> HmacSpec {
    HmacSpec::new(
        Provider::Slack,
        Algorithm::Sha256,
        Encoding::Hex,
        "X-Slack-Signature",
        Shape::Prefixed("v0=".into()),
        "v0:{timestamp}:{body}",
    )
    .timestamp(Timestamp::Header { name: "X-Slack-Request-Timestamp".into(), unit: TimeUnit::Seconds }, Some(300))
}
