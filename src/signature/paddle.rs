//! Paddle Billing: `Paddle-Signature: ts=<unix>;h1=<hex>[;h1=…]`, HMAC-SHA256
//! with the notification destination's secret key over `<ts>:<body>`. Paddle's
//! SDKs allow 5 seconds of skew by default, which is also used here.

use super::Provider;
use super::codec::{Algorithm, Encoding};
use super::hmac_spec::{HmacSpec, Shape, Timestamp};

pub(crate) fn scheme() -> HmacSpec {
    HmacSpec::new(
        Provider::Paddle,
        Algorithm::Sha256,
        Encoding::Hex,
        "Paddle-Signature",
        Shape::Pairs { separator: ';', key: "h1".into() },
        "{timestamp}:{body}",
    )
    .timestamp(Timestamp::PairField { key: "ts".into() }, Some(5))
}
