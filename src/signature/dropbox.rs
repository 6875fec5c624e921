//! Dropbox: `X-Dropbox-Signature: <hex>`, HMAC-SHA256 of the body with the
//! app secret.

use super::Provider;
use super::codec::{Algorithm, Encoding};
use super::hmac_spec::HmacSpec;

pub(crate) fn scheme() -> HmacSpec {
    HmacSpec::body_only(Provider::Dropbox, Algorithm::Sha256, Encoding::Hex, "X-Dropbox-Signature", "")
}
