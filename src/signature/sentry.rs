//! Sentry integration platform: `Sentry-Hook-Signature: <hex>`, HMAC-SHA256
//! of the body with the integration's client secret. `Sentry-Hook-Timestamp`
//! is sent but not signed, so it is not checked.

use super::Provider;
use super::codec::{Algorithm, Encoding};
use super::hmac_spec::HmacSpec;

pub(crate) fn scheme() -> HmacSpec {
    HmacSpec::body_only(Provider::Sentry, Algorithm::Sha256, Encoding::Hex, "Sentry-Hook-Signature", "")
}
