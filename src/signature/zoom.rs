//! Zoom: `x-zm-signature: v0=<hex>`, HMAC-SHA256 with the app's secret token
//! over `v0:<x-zm-request-timestamp>:<body>`. Zoom documents no window; 5
//! minutes is used, as for Slack's identical shape.

use super::Provider;
use super::codec::{Algorithm, Encoding};
use super::hmac_spec::{HmacSpec, Shape, TimeUnit, Timestamp};

pub(crate) fn scheme() -> HmacSpec {
    HmacSpec::new(
        Provider::Zoom,
        Algorithm::Sha256,
        Encoding::Hex,
        "x-zm-signature",
        Shape::Prefixed("v0=".into()),
        "v0:{timestamp}:{body}",
    )
    .timestamp(Timestamp::Header { name: "x-zm-request-timestamp".into(), unit: TimeUnit::Seconds }, Some(300))
}
