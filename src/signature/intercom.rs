//! Intercom: `X-Hub-Signature: sha1=<hex>`, HMAC-SHA1 of the body with the
//! app's client secret.

use super::Provider;
use super::codec::{Algorithm, Encoding};
use super::hmac_spec::HmacSpec;

pub(crate) fn scheme() -> HmacSpec {
    HmacSpec::body_only(Provider::Intercom, Algorithm::Sha1, Encoding::Hex, "X-Hub-Signature", "sha1=")
}
