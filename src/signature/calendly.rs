//! Calendly: `Calendly-Webhook-Signature: t=<unix>,v1=<hex>`, HMAC-SHA256 with
//! the webhook signing key over `<t>.<body>`; Calendly's example rejects
//! signatures older than 3 minutes.

use super::Provider;
use super::codec::{Algorithm, Encoding};
use super::hmac_spec::{HmacSpec, Shape, Timestamp};

pub(crate) fn scheme() -> HmacSpec {
    HmacSpec::new(
        Provider::Calendly,
        Algorithm::Sha256,
        Encoding::Hex,
        "Calendly-Webhook-Signature",
        Shape::Pairs { separator: ',', key: "v1".into() },
        "{timestamp}.{body}",
    )
    .timestamp(Timestamp::PairField { key: "t".into() }, Some(180))
}
