//! Guessing the provider from headers alone, and finding the provider's own
//! event id so retries of one event can be grouped.

use serde_json::Value;

use super::Provider;
use super::codec::parse_form;
use crate::model::{Header, find};

fn has(headers: &[Header], name: &str) -> bool {
    find(headers, name).is_some()
}

fn get(headers: &[Header], name: &str) -> Option<String> {
    find(headers, name).map(|h| h.text().trim().to_owned()).filter(|v| !v.is_empty())
}

/// The provider whose signature headers are present, most specific first.
pub fn detect(headers: &[Header]) -> Option<Provider> {
    let h = |name| has(headers, name);
    let github = h("X-GitHub-Event") || h("X-GitHub-Delivery") || h("X-Hub-Signature-256");
    Some(if h("Stripe-Signature") {
        Provider::Stripe
    } else if github {
        Provider::Github
    } else if h("X-Gitlab-Token") || h("X-Gitlab-Event") {
        Provider::Gitlab
    } else if h("X-Slack-Signature") {
        Provider::Slack
    } else if h("X-Signature-Ed25519") {
        Provider::Discord
    } else if h("PAYPAL-TRANSMISSION-SIG") {
        Provider::Paypal
    } else if h("X-Shopify-Hmac-Sha256") {
        Provider::Shopify
    } else if h("svix-signature") {
        Provider::Svix
    } else if h("webhook-signature") {
        Provider::StandardWebhooks
    } else if h("X-Twilio-Signature") {
        Provider::Twilio
    } else if h("x-square-hmacsha256-signature") {
        Provider::Square
    } else if h("Paddle-Signature") {
        Provider::Paddle
    } else if h("x-zm-signature") {
        Provider::Zoom
    } else if h("Twitch-Eventsub-Message-Signature") {
        Provider::Twitch
    } else if h("Linear-Signature") {
        Provider::Linear
    } else if h("X-HubSpot-Signature-v3") || h("X-HubSpot-Signature") {
        Provider::Hubspot
    } else if h("X-Hub-Signature") {
        let value = get(headers, "X-Hub-Signature").unwrap_or_default();
        if h("X-Event-Key") || value.starts_with("sha256=") { Provider::Bitbucket } else { Provider::Intercom }
    } else if h("Typeform-Signature") {
        Provider::Typeform
    } else if h("Calendly-Webhook-Signature") {
        Provider::Calendly
    } else if h("X-Dropbox-Signature") {
        Provider::Dropbox
    } else if h("X-Signature") && h("X-Event-Name") {
        Provider::Lemonsqueezy
    } else if h("Sentry-Hook-Signature") {
        Provider::Sentry
    } else if get(headers, "User-Agent").is_some_and(|ua| ua.to_ascii_lowercase().contains("mailgun")) {
        Provider::Mailgun
    } else {
        return None;
    })
}

fn json_str(body: &[u8], path: &[&str]) -> Option<String> {
    let mut v: Value = serde_json::from_slice(body).ok()?;
    for key in path {
        v = match v {
            Value::Array(mut items) if !items.is_empty() => items.swap_remove(0).get(key)?.clone(),
            other => other.get(key)?.clone(),
        };
    }
    match v {
        Value::String(s) if !s.is_empty() => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The provider's id for the event, the same across its retries, so
/// duplicates group. `None` when the provider sends none.
pub fn event_id(provider: Provider, headers: &[Header], body: &[u8]) -> Option<String> {
    let header = |name| get(headers, name);
    let body_id = |path: &[&str]| json_str(body, path);
    match provider {
        Provider::Stripe | Provider::Paypal | Provider::Discord | Provider::Intercom => body_id(&["id"]),
        Provider::Github => header("X-GitHub-Delivery"),
        Provider::Gitlab => header("Idempotency-Key").or_else(|| header("X-Gitlab-Event-UUID")),
        // A retry (X-Slack-Retry-Num) carries the same event_id as the first try.
        Provider::Slack => body_id(&["event_id"]).or_else(|| {
            parse_form(body).into_iter().find(|(k, _)| k == "trigger_id").map(|(_, v)| v).filter(|v| !v.is_empty())
        }),
        Provider::Shopify => header("X-Shopify-Event-Id").or_else(|| header("X-Shopify-Webhook-Id")),
        Provider::StandardWebhooks => header("webhook-id"),
        Provider::Svix => header("svix-id"),
        Provider::Twilio => header("I-Twilio-Idempotency-Token"),
        Provider::Square | Provider::Typeform => body_id(&["event_id"]),
        Provider::Paddle => body_id(&["notification_id"]).or_else(|| body_id(&["event_id"])),
        Provider::Zoom => header("x-zm-trackingid"),
        Provider::Twitch => header("Twitch-Eventsub-Message-Id"),
        Provider::Linear => header("Linear-Delivery").or_else(|| body_id(&["webhookId"])),
        Provider::Hubspot => body_id(&["eventId"]),
        Provider::Bitbucket => header("X-Request-UUID"),
        Provider::Mailgun => body_id(&["event-data", "id"]),
        Provider::Sentry => header("Request-ID"),
        Provider::Calendly | Provider::Dropbox | Provider::Lemonsqueezy => None,
        Provider::Generic => {
            ["webhook-id", "Idempotency-Key", "X-Webhook-Id", "X-Event-Id", "X-Request-Id"].into_iter().find_map(header)
        }
    }
}
