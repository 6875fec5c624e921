//! Square: `x-square-hmacsha256-signature: <base64>`, HMAC-SHA256 with the
//! subscription's signature key over the notification URL followed by the
//! body. The URL must be exactly the one configured in Square.

use super::Provider;
use super::codec::{Algorithm, Encoding};
use super::hmac_spec::{HmacSpec, Shape};

pub(crate) fn scheme() -> HmacSpec {
    HmacSpec::new(
        Provider::Square,
        Algorithm::Sha256,
        Encoding::Base64,
        "x-square-hmacsha256-signature",
        Shape::Prefixed(String::new()),
        "{url}{body}",
    )
}
