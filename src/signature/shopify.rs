//! Shopify: `X-Shopify-Hmac-Sha256: <base64>`, HMAC-SHA256 of the raw body
//! with the app's client secret (or the webhook signing secret). No timestamp.

use super::Provider;
use super::codec::{Algorithm, Encoding};
use super::hmac_spec::HmacSpec;

pub(crate) fn scheme() -> HmacSpec {
    HmacSpec::body_only(Provider::Shopify, Algorithm::Sha256, Encoding::Base64, "X-Shopify-Hmac-Sha256", "")
}
