//! Lemon Squeezy: `X-Signature: <hex>`, HMAC-SHA256 of the body with the
//! webhook's signing secret.

use super::Provider;
use super::codec::{Algorithm, Encoding};
use super::hmac_spec::HmacSpec;

pub(crate) fn scheme() -> HmacSpec {
    HmacSpec::body_only(Provider::Lemonsqueezy, Algorithm::Sha256, Encoding::Hex, "X-Signature", "")
}
