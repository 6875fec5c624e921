//! Bitbucket Cloud: `X-Hub-Signature: sha256=<hex>`, HMAC-SHA256 of the body
//! with the webhook's secret.

use super::Provider;
use super::codec::{Algorithm, Encoding};
use super::hmac_spec::HmacSpec;

pub(crate) fn scheme() -> HmacSpec {
    HmacSpec::body_only(Provider::Bitbucket, Algorithm::Sha256, Encoding::Hex, "X-Hub-Signature", "sha256=")
}
