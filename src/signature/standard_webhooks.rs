//! Standard Webhooks (standardwebhooks.com): `webhook-id`, `webhook-timestamp`
//! and `webhook-signature: v1,<base64> [v1,<base64> …]`, HMAC-SHA256 over
//! `<id>.<timestamp>.<body>` with the secret's `whsec_` stripped and the rest
//! base64-decoded. 5 minutes of tolerance either way, as the spec's libraries.

use super::Provider;
use super::codec::{Algorithm, Encoding};
use super::hmac_spec::{HmacSpec, KeyForm, Shape, TimeUnit, Timestamp};

pub(crate) fn with_prefix(provider: Provider, prefix: &str) -> HmacSpec {
    HmacSpec::new(
        provider,
        Algorithm::Sha256,
        Encoding::Base64,
        &format!("{prefix}-signature"),
        Shape::VersionList { version: "v1".into() },
        "{id}.{timestamp}.{body}",
    )
    .id_header(&format!("{prefix}-id"))
    .timestamp(Timestamp::Header { name: format!("{prefix}-timestamp"), unit: TimeUnit::Seconds }, Some(300))
    .key_form(KeyForm::WhsecBase64)
}

pub(crate) fn scheme() -> HmacSpec {
    with_prefix(Provider::StandardWebhooks, "webhook")
}
