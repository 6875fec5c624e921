//! Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]`, HMAC-SHA256 over
//! `<t>.<body>` keyed by the whole `whsec_…` string (not decoded), 5 minutes
//! of tolerance as in Stripe's libraries. Several `v1` entries appear while a
//! secret is being rolled; any one matching is enough.

use super::Provider;
use super::codec::{Algorithm, Encoding};
use super::hmac_spec::{HmacSpec, Shape, Timestamp};

pub(crate) fn scheme() -> HmacSpec {
    HmacSpec::new(
        Provider::Stripe,
        Algorithm::Sha256,
        Encoding::Hex,
        "Stripe-Signature",
        Shape::Pairs { separator: ',', key: "v1".into() },
        "{timestamp}.{body}",
    )
    .timestamp(Timestamp::PairField { key: "t".into() }, Some(300))
}
