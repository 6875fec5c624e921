//! Svix: the Standard Webhooks scheme under its original `svix-id`,
//! `svix-timestamp` and `svix-signature` header names.

use super::Provider;
use super::hmac_spec::HmacSpec;
use super::standard_webhooks::with_prefix;

pub(crate) fn scheme() -> HmacSpec {
    with_prefix(Provider::Svix, "svix")
}
