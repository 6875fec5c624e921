//! Sample events: a realistic delivery per provider and event, with the
//! headers the provider really sends, signed in its exact format
//! (`hookscope trigger`). Pure: what to send; the CLI sends it.

use serde::Serialize;

use crate::model::Header;
use crate::signature::{self, Provider, Secret, SignOptions, SignParts};

/// Discord's and PayPal's schemes sign with a private key: trigger uses a
/// test key pair, shown to the user so their app can be set up with it.
/// Discord's is an Ed25519 seed made from a fixed phrase (it is a test key,
/// and the same on every machine, so a saved public key keeps working).
pub const DISCORD_TEST_SEED: &str = "686f6f6b73636f70652074657374206b657920666f7220646973636f72642121";
/// PayPal's: the RSA key and self-signed certificate in `signature/testdata`.
pub const PAYPAL_TEST_KEY: &str = include_str!("signature/testdata/paypal-test-key.pem");
pub const PAYPAL_TEST_CERT: &str = include_str!("signature/testdata/paypal-test-cert.pem");
pub const PAYPAL_TEST_WEBHOOK_ID: &str = "WH-HOOKSCOPE-TEST-0000000000";

/// One event a provider sends.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Event {
    pub provider: &'static str,
    pub name: &'static str,
    pub description: &'static str,
}

const EVENTS: &[(Provider, &str, &str)] = &[
    (Provider::Stripe, "payment_intent.succeeded", "A payment went through"),
    (Provider::Stripe, "charge.refunded", "A charge was refunded"),
    (Provider::Stripe, "customer.subscription.created", "A subscription started"),
    (Provider::Stripe, "invoice.paid", "An invoice was paid"),
    (Provider::Github, "push", "Commits were pushed"),
    (Provider::Github, "pull_request", "A pull request was opened"),
    (Provider::Github, "issues", "An issue was opened"),
    (Provider::Github, "ping", "The webhook was created"),
    (Provider::Gitlab, "push", "Push Hook"),
    (Provider::Gitlab, "merge_request", "Merge Request Hook"),
    (Provider::Gitlab, "pipeline", "Pipeline Hook"),
    (Provider::Slack, "app_mention", "The app was mentioned (Events API)"),
    (Provider::Slack, "message", "A message was posted (Events API)"),
    (Provider::Slack, "url_verification", "Slack checks the Request URL"),
    (Provider::Discord, "ping", "Discord checks the Interactions Endpoint URL"),
    (Provider::Discord, "application_command", "A slash command was used"),
    (Provider::Paypal, "PAYMENT.CAPTURE.COMPLETED", "A payment was captured"),
    (Provider::Paypal, "CHECKOUT.ORDER.APPROVED", "A buyer approved an order"),
    (Provider::StandardWebhooks, "invoice.paid", "An invoice was paid"),
    (Provider::StandardWebhooks, "user.created", "A user signed up"),
    (Provider::Shopify, "orders/create", "An order was placed"),
    (Provider::Shopify, "products/update", "A product was changed"),
    (Provider::Shopify, "app/uninstalled", "The app was uninstalled"),
    (Provider::Twilio, "message.received", "An SMS came in (Messaging webhook)"),
    (Provider::Twilio, "call.status", "A call's status changed (status callback)"),
];

/// The providers `trigger` knows, each with its events.
pub fn events(provider: Option<Provider>) -> Vec<Event> {
    EVENTS
        .iter()
        .filter(|(p, _, _)| provider.is_none_or(|want| want == *p))
        .map(|&(p, name, description)| Event { provider: p.id(), name, description })
        .collect()
}

/// A sample ready to send.
#[derive(Debug, Clone)]
pub struct Sample {
    pub event: String,
    pub method: &'static str,
    pub headers: Vec<Header>,
    pub body: Vec<u8>,
}

fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    let _ = getrandom::fill(&mut bytes);
    hex::encode(bytes)
}

fn uuid() -> String {
    let h = random_hex(16);
    format!("{}-{}-4{}-a{}-{}", &h[0..8], &h[8..12], &h[13..16], &h[17..20], &h[20..32])
}

/// The secret a new endpoint gets for `provider` when `trigger` sets one
/// up, in the form the provider hands out.
pub fn new_secret(provider: Provider) -> String {
    use base64::Engine as _;
    match provider {
        Provider::Stripe => format!("whsec_{}", random_hex(16)),
        Provider::StandardWebhooks => {
            let mut key = [0u8; 24];
            let _ = getrandom::fill(&mut key);
            format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(key))
        }
        Provider::Discord => discord_public_key(),
        Provider::Paypal => PAYPAL_TEST_WEBHOOK_ID.into(),
        Provider::Shopify => format!("shpss_{}", random_hex(16)),
        _ => random_hex(20),
    }
}

/// The public key of [`DISCORD_TEST_SEED`], which an endpoint verifies with.
pub fn discord_public_key() -> String {
    let seed: [u8; 32] = hex::decode(DISCORD_TEST_SEED).ok().and_then(|v| v.try_into().ok()).unwrap_or([0; 32]);
    hex::encode(ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key().to_bytes())
}

/// The key that signs: the secret itself for HMAC schemes, the test key
/// pair's private half for Discord and PayPal.
fn signing_secret(provider: Provider, secret: &str) -> String {
    match provider {
        Provider::Discord => DISCORD_TEST_SEED.into(),
        _ => secret.into(),
    }
}

/// Builds `event` (default: the provider's first) for `url`, signed with
/// `secret` as the provider signs, at `now_s`.
pub fn build(provider: Provider, event: Option<&str>, url: &str, secret: &str, now_s: i64) -> Result<Sample, String> {
    let known = events(Some(provider));
    let Some(first) = known.first() else {
        return Err(format!(
            "no samples for {} yet: trigger knows {}",
            provider.id(),
            ["stripe", "github", "gitlab", "slack", "discord", "paypal", "standard-webhooks", "shopify", "twilio"]
                .join(", ")
        ));
    };
    let event = match event {
        None => first.name,
        Some(e) => known.iter().find(|k| k.name.eq_ignore_ascii_case(e)).map(|k| k.name).ok_or_else(|| {
            format!(
                "{} has no sample {e:?}: try {}",
                provider.id(),
                known.iter().map(|k| k.name).collect::<Vec<_>>().join(", ")
            )
        })?,
    };
    let id = random_hex(12);
    let (mut headers, body) = payload(provider, event, &id, now_s);
    let parts =
        SignParts { method: "POST", url, body: &body, now_s, id: Some(&format!("msg_{id}")), headers: &headers };
    let opts = SignOptions {
        generic: None,
        private_key_pem: (provider == Provider::Paypal).then(|| PAYPAL_TEST_KEY.to_owned()),
    };
    let signed = signature::sign(provider, &Secret::new(signing_secret(provider, secret)), &parts, &opts)
        .map_err(|e| format!("signing as {}: {e}", provider.id()))?;
    for (name, value) in signed.headers {
        crate::replay::set_header(&mut headers, &name, value.into_bytes());
    }
    let body = signed.body.unwrap_or(body);
    headers.push(Header::new("Content-Length", body.len().to_string()));
    Ok(Sample { event: event.into(), method: "POST", headers, body })
}

fn json(value: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec_pretty(&value).unwrap_or_default()
}

/// The headers (before signing) and body the provider sends for `event`.
fn payload(provider: Provider, event: &str, id: &str, now: i64) -> (Vec<Header>, Vec<u8>) {
    use serde_json::json;
    let h = |pairs: &[(&str, String)]| pairs.iter().map(|(n, v)| Header::new(*n, v.clone())).collect::<Vec<_>>();
    match provider {
        Provider::Stripe => {
            let object = match event {
                "charge.refunded" => {
                    json!({"id": format!("ch_{id}"), "object": "charge", "amount": 2000, "amount_refunded": 2000, "currency": "usd", "refunded": true, "status": "succeeded"})
                }
                "customer.subscription.created" => {
                    json!({"id": format!("sub_{id}"), "object": "subscription", "customer": "cus_hookscope", "status": "active", "items": {"object": "list", "data": [{"price": {"id": "price_basic", "unit_amount": 900, "currency": "usd", "recurring": {"interval": "month"}}}]}})
                }
                "invoice.paid" => {
                    json!({"id": format!("in_{id}"), "object": "invoice", "amount_paid": 900, "currency": "usd", "customer": "cus_hookscope", "status": "paid"})
                }
                _ => {
                    json!({"id": format!("pi_{id}"), "object": "payment_intent", "amount": 2000, "amount_received": 2000, "currency": "usd", "status": "succeeded", "payment_method_types": ["card"]})
                }
            };
            let body = json(json!({
                "id": format!("evt_{id}"), "object": "event", "api_version": "2024-06-20", "created": now,
                "data": {"object": object}, "livemode": false, "pending_webhooks": 1,
                "request": {"id": format!("req_{id}"), "idempotency_key": uuid()}, "type": event,
            }));
            (
                h(&[
                    ("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)".into()),
                    ("Accept", "*/*; q=0.5, application/xml".into()),
                    ("Cache-Control", "no-cache".into()),
                    ("Content-Type", "application/json; charset=utf-8".into()),
                ]),
                body,
            )
        }
        Provider::Github => {
            let repo = json!({"id": 1_296_269, "name": "hello-world", "full_name": "octocat/hello-world", "private": false, "html_url": "https://github.com/octocat/hello-world"});
            let sender = json!({"login": "octocat", "id": 1, "type": "User"});
            let body = match event {
                "pull_request" => {
                    json!({"action": "opened", "number": 42, "pull_request": {"id": 1, "number": 42, "state": "open", "title": "Add webhooks", "head": {"ref": "webhooks"}, "base": {"ref": "main"}}, "repository": repo, "sender": sender})
                }
                "issues" => {
                    json!({"action": "opened", "issue": {"id": 1, "number": 7, "title": "Deliveries arrive twice", "state": "open"}, "repository": repo, "sender": sender})
                }
                "ping" => {
                    json!({"zen": "Keep it logically awesome.", "hook_id": 123_456, "hook": {"type": "Repository", "id": 123_456, "active": true, "events": ["push", "pull_request"]}, "repository": repo, "sender": sender})
                }
                _ => {
                    json!({"ref": "refs/heads/main", "before": "0000000000000000000000000000000000000000", "after": random_hex(20), "commits": [{"id": random_hex(20), "message": "Fix the webhook handler", "author": {"name": "Octo Cat", "email": "octocat@example.test"}}], "repository": repo, "pusher": {"name": "octocat"}, "sender": sender})
                }
            };
            let hdrs = h(&[
                ("Accept", "*/*".into()),
                ("Content-Type", "application/json".into()),
                ("User-Agent", format!("GitHub-Hookshot/{}", &random_hex(4)[..7])),
                ("X-GitHub-Delivery", uuid()),
                ("X-GitHub-Event", event.into()),
                ("X-GitHub-Hook-ID", "123456".into()),
                ("X-GitHub-Hook-Installation-Target-ID", "1296269".into()),
                ("X-GitHub-Hook-Installation-Target-Type", "repository".into()),
            ]);
            (hdrs, json(body))
        }
        Provider::Gitlab => {
            let (header, body) = match event {
                "merge_request" => (
                    "Merge Request Hook",
                    json!({"object_kind": "merge_request", "event_type": "merge_request", "user": {"username": "root"}, "project": {"id": 1, "path_with_namespace": "group/project"}, "object_attributes": {"iid": 1, "title": "Add webhooks", "state": "opened", "action": "open"}}),
                ),
                "pipeline" => (
                    "Pipeline Hook",
                    json!({"object_kind": "pipeline", "object_attributes": {"id": 31, "ref": "main", "status": "success", "duration": 63}, "project": {"id": 1, "path_with_namespace": "group/project"}}),
                ),
                _ => (
                    "Push Hook",
                    json!({"object_kind": "push", "event_name": "push", "ref": "refs/heads/main", "checkout_sha": random_hex(20), "user_username": "root", "project": {"id": 1, "path_with_namespace": "group/project"}, "total_commits_count": 1}),
                ),
            };
            let hdrs = h(&[
                ("Content-Type", "application/json".into()),
                ("User-Agent", "GitLab/17.6.0".into()),
                ("X-Gitlab-Event", header.into()),
                ("X-Gitlab-Webhook-UUID", uuid()),
                ("X-Gitlab-Instance", "https://gitlab.example.test".into()),
                ("X-Gitlab-Event-UUID", uuid()),
            ]);
            (hdrs, json(body))
        }
        Provider::Slack => {
            let body = match event {
                "url_verification" => {
                    json!({"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": random_hex(16), "type": "url_verification"})
                }
                kind => {
                    json!({"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "team_id": "T0001", "api_app_id": "A0001", "type": "event_callback", "event_id": format!("Ev{}", random_hex(5).to_uppercase()), "event_time": now, "event": {"type": kind, "user": "U0001", "text": "<@U0APP> hello", "ts": format!("{now}.000100"), "channel": "C0001"}})
                }
            };
            (
                h(&[
                    ("Content-Type", "application/json".into()),
                    ("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)".into()),
                    ("Accept", "*/*".into()),
                ]),
                json(body),
            )
        }
        Provider::Discord => {
            let body = match event {
                "application_command" => {
                    json!({"id": id, "application_id": "1200000000000000000", "type": 2, "data": {"id": "1210000000000000000", "name": "hello", "type": 1}, "guild_id": "1100000000000000000", "channel_id": "1110000000000000000", "member": {"user": {"id": "1000000000000000001", "username": "hookscope"}}, "token": random_hex(32), "version": 1})
                }
                _ => {
                    json!({"id": id, "application_id": "1200000000000000000", "type": 1, "token": random_hex(32), "version": 1})
                }
            };
            (
                h(&[
                    ("Content-Type", "application/json".into()),
                    ("User-Agent", "Discord-Interactions/1.0 (+https://discord.com)".into()),
                ]),
                serde_json::to_vec(&body).unwrap_or_default(),
            )
        }
        Provider::Paypal => {
            let resource = if event == "CHECKOUT.ORDER.APPROVED" {
                json!({"id": random_hex(8).to_uppercase(), "intent": "CAPTURE", "status": "APPROVED", "purchase_units": [{"amount": {"currency_code": "USD", "value": "20.00"}}]})
            } else {
                json!({"id": random_hex(8).to_uppercase(), "status": "COMPLETED", "amount": {"currency_code": "USD", "value": "20.00"}, "final_capture": true})
            };
            let body = json!({"id": format!("WH-{}", random_hex(12).to_uppercase()), "event_version": "1.0", "create_time": crate::model::rfc3339(now * 1_000_000), "resource_type": "capture", "resource_version": "2.0", "event_type": event, "summary": format!("{event} sample from Hookscope"), "resource": resource});
            (
                h(&[
                    ("Content-Type", "application/json".into()),
                    ("User-Agent", "PayPal/AUHD-214.0-58762997".into()),
                    ("Accept", "*/*".into()),
                ]),
                serde_json::to_vec(&body).unwrap_or_default(),
            )
        }
        Provider::StandardWebhooks => {
            let data = if event == "user.created" {
                json!({"id": format!("user_{id}"), "email": "ada@example.test"})
            } else {
                json!({"id": format!("in_{id}"), "amount": 900, "currency": "usd"})
            };
            (
                h(&[("Content-Type", "application/json".into()), ("User-Agent", "Svix-Webhooks/1.45.1".into())]),
                serde_json::to_vec(
                    &json!({"type": event, "timestamp": crate::model::rfc3339(now * 1_000_000), "data": data}),
                )
                .unwrap_or_default(),
            )
        }
        Provider::Shopify => {
            let body = match event {
                "products/update" => {
                    json!({"id": 632_910_392, "title": "IPod Nano - 8GB", "status": "active", "variants": [{"id": 808_950_810, "price": "199.00"}]})
                }
                "app/uninstalled" => {
                    json!({"id": 548_380_009, "name": "Hookscope Test Shop", "domain": "hookscope-test.myshopify.com"})
                }
                _ => {
                    json!({"id": 820_982_911_946_154_508_u64, "email": "jon@example.test", "total_price": "199.00", "currency": "USD", "financial_status": "paid", "line_items": [{"title": "IPod Nano - 8GB", "quantity": 1, "price": "199.00"}]})
                }
            };
            let hdrs = h(&[
                ("Content-Type", "application/json".into()),
                ("User-Agent", "Shopify-Captain-Hook".into()),
                ("X-Shopify-Topic", event.into()),
                ("X-Shopify-Shop-Domain", "hookscope-test.myshopify.com".into()),
                ("X-Shopify-API-Version", "2024-10".into()),
                ("X-Shopify-Webhook-Id", uuid()),
                ("X-Shopify-Event-Id", uuid()),
                ("X-Shopify-Triggered-At", crate::model::rfc3339(now * 1_000_000)),
            ]);
            (hdrs, json(body))
        }
        Provider::Twilio => {
            let pairs: Vec<(&str, String)> = if event == "call.status" {
                vec![
                    ("AccountSid", format!("AC{}", random_hex(16))),
                    ("CallSid", format!("CA{}", random_hex(16))),
                    ("CallStatus", "completed".into()),
                    ("CallDuration", "42".into()),
                    ("Direction", "inbound".into()),
                    ("From", "+15005550006".into()),
                    ("To", "+15005550001".into()),
                    ("ApiVersion", "2010-04-01".into()),
                ]
            } else {
                vec![
                    ("ToCountry", "US".into()),
                    ("SmsMessageSid", format!("SM{}", random_hex(16))),
                    ("NumMedia", "0".into()),
                    ("SmsSid", format!("SM{}", random_hex(16))),
                    ("SmsStatus", "received".into()),
                    ("Body", "Hello from Hookscope".into()),
                    ("To", "+15005550001".into()),
                    ("NumSegments", "1".into()),
                    ("MessageSid", format!("SM{}", random_hex(16))),
                    ("AccountSid", format!("AC{}", random_hex(16))),
                    ("From", "+15005550006".into()),
                    ("ApiVersion", "2010-04-01".into()),
                ]
            };
            let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
            (
                h(&[
                    ("Content-Type", "application/x-www-form-urlencoded".into()),
                    ("User-Agent", "TwilioProxy/1.1".into()),
                    ("I-Twilio-Idempotency-Token", uuid()),
                    ("Accept", "*/*".into()),
                ]),
                body.into_bytes(),
            )
        }
        _ => (Vec::new(), Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::{Secrets, SignedRequest, VerifyOptions};

    #[test]
    fn every_sample_verifies_with_the_secret_an_endpoint_gets() {
        let now = 1_764_000_000;
        for e in events(None) {
            let provider: Provider = e.provider.parse().unwrap();
            let secret = new_secret(provider);
            let url = format!("http://127.0.0.1:8787/{}", e.provider);
            let sample = build(provider, Some(e.name), &url, &secret, now).unwrap();
            let request = SignedRequest {
                method: "POST",
                url: &url,
                headers: &sample.headers,
                body: &sample.body,
                received_at_us: now * 1_000_000,
            };
            let mut keys = Secrets::one(secret.clone());
            if provider == Provider::Paypal {
                keys.certificate = Some(PAYPAL_TEST_CERT.into());
            }
            let verdict = signature::verify(provider, &request, &keys, &VerifyOptions::default()).unwrap();
            assert!(verdict.is_valid(), "{} {}: {verdict:?}", e.provider, e.name);
        }
    }
}
