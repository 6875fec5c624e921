//! Typeform: `Typeform-Signature: sha256=<base64>`, HMAC-SHA256 of the body
//! with the webhook's secret.

use super::Provider;
use super::codec::{Algorithm, Encoding};
use super::hmac_spec::HmacSpec;

pub(crate) fn scheme() -> HmacSpec {
    HmacSpec::body_only(Provider::Typeform, Algorithm::Sha256, Encoding::Base64, "Typeform-Signature", "sha256=")
}
