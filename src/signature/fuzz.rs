//! One entry point that feeds arbitrary bytes to every header parser, for the
//! cargo-fuzz targets in `fuzz/` and for the stable-toolchain property test
//! that stands in for them. It asserts nothing itself: a panic is the finding.

use crate::model::Header;

use super::{
    Provider, Secret, Secrets, SignedRequest, VerifyOptions, detect, event_id, generic::GenericConfig,
    generic::GenericTimestamp, verify,
};

/// Every header any scheme reads.
const NAMES: [&str; 40] = [
    "Stripe-Signature",
    "X-Hub-Signature-256",
    "X-Hub-Signature",
    "X-Gitlab-Token",
    "X-Slack-Signature",
    "X-Slack-Request-Timestamp",
    "X-Signature-Ed25519",
    "X-Signature-Timestamp",
    "PAYPAL-TRANSMISSION-SIG",
    "PAYPAL-TRANSMISSION-ID",
    "PAYPAL-TRANSMISSION-TIME",
    "PAYPAL-AUTH-ALGO",
    "X-Shopify-Hmac-Sha256",
    "webhook-signature",
    "webhook-id",
    "webhook-timestamp",
    "svix-signature",
    "svix-id",
    "svix-timestamp",
    "X-Twilio-Signature",
    "x-square-hmacsha256-signature",
    "Paddle-Signature",
    "x-zm-signature",
    "x-zm-request-timestamp",
    "Twitch-Eventsub-Message-Signature",
    "Twitch-Eventsub-Message-Id",
    "Twitch-Eventsub-Message-Timestamp",
    "Linear-Signature",
    "X-HubSpot-Signature-v3",
    "X-HubSpot-Request-Timestamp",
    "X-HubSpot-Signature",
    "X-HubSpot-Signature-Version",
    "Typeform-Signature",
    "Calendly-Webhook-Signature",
    "X-Dropbox-Signature",
    "X-Signature",
    "Sentry-Hook-Signature",
    "Content-Type",
    "X-Timestamp",
    "X-Event-Name",
];

/// A public key that parses, so Discord gets past key decoding.
const DISCORD_PUBLIC: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

/// Splits `data` into a header value and a body at the first `0xFF`, and runs
/// the provider chosen by the first byte (or every provider when it is past
/// the last one) over it. Also runs detection, event ids and the variant
/// generators, which read the same untrusted bytes.
pub fn fuzz_parsers(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let (value, body) = match rest.iter().position(|&b| b == 0xFF) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    let providers: Vec<Provider> = match Provider::ALL.get(usize::from(selector)) {
        Some(p) => vec![*p],
        None => Provider::ALL.to_vec(),
    };
    for provider in providers {
        run(provider, value, body);
    }
}

fn run(provider: Provider, value: &[u8], body: &[u8]) {
    let headers: Vec<Header> = NAMES.iter().map(|n| Header::new(*n, value.to_vec())).collect();
    let url = String::from_utf8_lossy(value);
    let secret = match provider {
        Provider::Discord => DISCORD_PUBLIC,
        Provider::StandardWebhooks | Provider::Svix => "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        _ => "fuzz-secret",
    };
    // PayPal parses its headers, then stops at the missing certificate.
    let secrets = Secrets { secrets: vec![Secret::new(secret), Secret::new(url.as_ref())], certificate: None };
    let opts = VerifyOptions {
        tolerance_s: None,
        generic: Some(GenericConfig {
            template: "{timestamp}.{body}".into(),
            timestamp: GenericTimestamp::SignatureField { key: "t".into() },
            ..GenericConfig::default()
        }),
    };
    for headers in [&headers[..], &headers[..1]] {
        let req = SignedRequest { method: "POST", url: &url, headers, body, received_at_us: 0 };
        let _ = verify(provider, &req, &secrets, &opts);
        let _ = event_id(provider, headers, body);
        let _ = detect(headers);
    }
    let _ = super::codec::parse_rfc3339(&url);
    let _ = super::variants::url_variants(&url);
    let _ = super::variants::body_variants(body);
}
