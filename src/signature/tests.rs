//! Tests shared by every scheme: the providers' published examples, a
//! valid / tampered / wrong-secret / expired table per provider, the hints,
//! and property tests (sign→verify round trips, single-byte changes, and
//! parsers fed arbitrary bytes, which doubles as the stable-toolchain fuzz).

use proptest::prelude::*;
use serde::Deserialize;

use super::codec::{self, Algorithm};
use super::generic::{GenericConfig, GenericTimestamp};
use super::*;
use crate::model::Header;

const EXAMPLES: &str = include_str!("testdata/signature-examples.json");
const PAYPAL_KEY: &str = include_str!("testdata/paypal-test-key.pem");
const PAYPAL_CERT: &str = include_str!("testdata/paypal-test-cert.pem");
const DISCORD_SEED: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const NOW: i64 = 1_700_000_000;

type Headers = Vec<Header>;

fn hdrs(pairs: &[(&str, &str)]) -> Headers {
    pairs.iter().map(|(n, v)| Header::new(*n, *v)).collect()
}

fn req<'a>(url: &'a str, headers: &'a Headers, body: &'a [u8], now: i64) -> SignedRequest<'a> {
    SignedRequest { method: "POST", url, headers, body, received_at_us: now * 1_000_000 }
}

#[derive(Deserialize)]
struct Example {
    id: String,
    provider: String,
    method: String,
    url: String,
    headers: std::collections::BTreeMap<String, String>,
    body_b64: String,
    secret: String,
    now_unix: Option<i64>,
    tolerance_s: Option<u64>,
    expected: String,
}

#[test]
fn published_examples_verify_as_published() {
    let examples: Vec<Example> = serde_json::from_str(EXAMPLES).expect("the fixtures file parses");
    assert!(examples.len() >= 17, "all published examples load");
    for ex in examples {
        let provider: Provider = ex.provider.parse().expect("fixture providers are known");
        let headers: Headers = ex.headers.iter().map(|(k, v)| Header::new(k.clone(), v.as_bytes())).collect();
        let body = codec::decode_base64(&ex.body_b64).expect("fixture bodies are base64");
        let r = SignedRequest {
            method: &ex.method,
            url: &ex.url,
            headers: &headers,
            body: &body,
            received_at_us: ex.now_unix.unwrap_or(0) * 1_000_000,
        };
        let opts = VerifyOptions { tolerance_s: ex.tolerance_s, generic: None };
        let v = verify(provider, &r, &Secrets::one(ex.secret.clone()), &opts).expect("no usage error");
        let kind = serde_json::to_value(v.kind).expect("kind serialises");
        assert_eq!(kind, ex.expected.as_str(), "example {} should be {}: {:#?}", ex.id, ex.expected, v);
        assert_eq!(detect(&headers).map(|p| p.id()), detect_expectation(provider), "example {} is detected", ex.id);
    }
}

/// The fixtures' headers are enough to recognise their provider.
fn detect_expectation(p: Provider) -> Option<&'static str> {
    Some(p.id())
}

/// Everything needed to sign and verify one provider in the table.
struct Setup {
    provider: Provider,
    sign_secret: String,
    verify_secret: String,
    secrets_cert: Option<String>,
    sign_opts: SignOptions,
    verify_opts: VerifyOptions,
    url: &'static str,
    base_headers: Headers,
}

fn generic_config() -> GenericConfig {
    GenericConfig {
        header: "X-Signature".into(),
        template: "{timestamp}.{body}".into(),
        timestamp: GenericTimestamp::SignatureField { key: "t".into() },
        ..GenericConfig::default()
    }
}

fn setup(provider: Provider) -> Setup {
    let mut s = Setup {
        provider,
        sign_secret: "test-secret-0123456789".into(),
        verify_secret: "test-secret-0123456789".into(),
        secrets_cert: None,
        sign_opts: SignOptions::default(),
        verify_opts: VerifyOptions::default(),
        url: "https://hooks.example.com/in?src=test",
        base_headers: Vec::new(),
    };
    match provider {
        Provider::StandardWebhooks | Provider::Svix => {
            s.sign_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into();
            s.verify_secret = s.sign_secret.clone();
        }
        Provider::Stripe => {
            s.sign_secret = "whsec_test_secret_stripe".into();
            s.verify_secret = s.sign_secret.clone();
        }
        Provider::Discord => {
            s.sign_secret = DISCORD_SEED.into();
            let seed: [u8; 32] = hex::decode(DISCORD_SEED).expect("hex").try_into().expect("32 bytes");
            s.verify_secret = hex::encode(ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key().to_bytes());
        }
        Provider::Paypal => {
            s.sign_secret = "WH-TEST-0123456789".into();
            s.verify_secret = s.sign_secret.clone();
            s.secrets_cert = Some(PAYPAL_CERT.into());
            s.sign_opts.private_key_pem = Some(PAYPAL_KEY.into());
        }
        Provider::Generic => {
            s.sign_opts.generic = Some(generic_config());
            s.verify_opts.generic = Some(generic_config());
        }
        _ => {}
    }
    s
}

impl Setup {
    fn secrets(&self, secret: &str) -> Secrets {
        Secrets { secrets: vec![Secret::new(secret)], certificate: self.secrets_cert.clone() }
    }

    /// Signs `body` at `now` and returns the headers and the body to send.
    fn signed(&self, body: &[u8], now: i64) -> (Headers, Vec<u8>) {
        let parts = SignParts {
            method: "POST",
            url: self.url,
            body,
            now_s: now,
            id: Some("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"),
            headers: &self.base_headers,
        };
        let signed = sign(self.provider, &Secret::new(self.sign_secret.clone()), &parts, &self.sign_opts)
            .unwrap_or_else(|e| panic!("{} signs: {e}", self.provider));
        let mut headers = self.base_headers.clone();
        headers.extend(signed.headers.into_iter().map(|(n, v)| Header::new(n, v)));
        (headers, signed.body.unwrap_or_else(|| body.to_vec()))
    }

    fn check(&self, headers: &Headers, body: &[u8], secret: &str, now: i64) -> Verdict {
        verify(self.provider, &req(self.url, headers, body, now), &self.secrets(secret), &self.verify_opts)
            .unwrap_or_else(|e| panic!("{} verifies without usage error: {e}", self.provider))
    }
}

const BODY: &[u8] = br#"{"data":{"name":"caf\u00e9 a/b"},"id":"evt_1","type":"ping"}"#;

#[test]
fn every_provider_valid_tampered_wrong_secret_expired() {
    for &provider in Provider::ALL {
        let s = setup(provider);
        let (headers, body) = s.signed(BODY, NOW);

        let v = s.check(&headers, &body, &s.verify_secret, NOW);
        assert_eq!(v.kind, VerdictKind::Valid, "{provider}: a freshly signed request is valid: {v:#?}");
        assert_eq!(v.evidence.matched_secret, Some(0), "{provider}: the one secret is the one that matched");

        let tampered = String::from_utf8(body.clone()).expect("utf8").replace("ping", "pong").into_bytes();
        let v = s.check(&headers, &tampered, &s.verify_secret, NOW);
        let body_covered = !matches!(provider, Provider::Gitlab | Provider::Mailgun);
        let want = if body_covered { VerdictKind::Invalid } else { VerdictKind::Valid };
        assert_eq!(v.kind, want, "{provider}: a tampered body is {want:?} (body covered: {body_covered})");

        let wrong = match provider {
            // Another valid public key, so the failure is the signature's.
            Provider::Discord => {
                hex::encode(ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key().to_bytes())
            }
            Provider::StandardWebhooks | Provider::Svix => "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into(),
            _ => "some-other-secret".into(),
        };
        let v = s.check(&headers, &body, &wrong, NOW);
        assert_eq!(v.kind, VerdictKind::Invalid, "{provider}: a wrong secret is invalid: {v:#?}");

        let scheme = scheme_for(provider, s.verify_opts.generic.as_ref()).expect("scheme");
        if let Some(tol) = scheme.default_tolerance() {
            let later = NOW + i64::try_from(tol).expect("small") + 600;
            let v = s.check(&headers, &body, &s.verify_secret, later);
            // Linear's timestamp lives in the body, which this body lacks.
            if provider != Provider::Linear {
                assert_eq!(
                    v.kind,
                    VerdictKind::Expired,
                    "{provider}: past the tolerance the verdict is expired: {v:#?}"
                );
                assert!(v.has_hint(HintCode::TimestampTooOld), "{provider}: expired carries the too-old hint");
            }
            let earlier = NOW - i64::try_from(tol).expect("small") - 600;
            let v = s.check(&headers, &body, &s.verify_secret, earlier);
            if provider != Provider::Linear {
                assert_eq!(v.kind, VerdictKind::Future, "{provider}: a timestamp ahead of the clock is future");
            }
        }
    }
}

#[test]
fn linear_timestamp_in_body_is_judged() {
    let s = setup(Provider::Linear);
    let body = format!(r#"{{"action":"create","webhookTimestamp":{}}}"#, NOW * 1000);
    let (headers, body) = s.signed(body.as_bytes(), NOW);
    assert!(s.check(&headers, &body, &s.verify_secret, NOW + 30).is_valid(), "30 s is inside Linear's 60 s");
    let v = s.check(&headers, &body, &s.verify_secret, NOW + 600);
    assert_eq!(v.kind, VerdictKind::Expired, "10 minutes is past Linear's 60 s window");
    assert_eq!(v.hints[0].message, "Timestamp 10 min old, tolerance 60 s.", "the hint says how old and the window");
}

#[test]
fn expired_hint_says_how_old() {
    let s = setup(Provider::Stripe);
    let (headers, body) = s.signed(BODY, NOW);
    let v = s.check(&headers, &body, &s.verify_secret, NOW + 9 * 60);
    assert_eq!(v.kind, VerdictKind::Expired, "9 minutes is past Stripe's 5");
    assert_eq!(v.hints[0].message, "Timestamp 9 min old, tolerance 5 min.", "the hint gives age and window");
    assert_eq!(v.evidence.timestamp.as_ref().map(|t| t.skew_s), Some(540), "skew is received minus timestamp");
    let v = verify(
        Provider::Stripe,
        &req(s.url, &headers, &body, NOW + 9 * 60),
        &s.secrets(&s.verify_secret),
        &VerifyOptions { tolerance_s: Some(600), generic: None },
    )
    .expect("verify");
    assert!(v.is_valid(), "--tolerance widens the window");
}

fn stripe_header(key: &[u8], ts: i64, body: &[u8], tag: &str) -> Headers {
    let mac = codec::hmac(Algorithm::Sha256, key, &[ts.to_string().as_bytes(), b".", body].concat());
    hdrs(&[("Stripe-Signature", &format!("t={ts},{tag}={}", hex::encode(mac)))])
}

#[test]
fn stripe_accepts_any_of_several_v1_and_rotated_secrets() {
    let secret = "whsec_test_secret_stripe";
    let mac = codec::hmac(Algorithm::Sha256, secret.as_bytes(), format!("{NOW}.").as_bytes());
    let headers = hdrs(&[("Stripe-Signature", &format!("t={NOW},v1={},v1={}", "ab".repeat(32), hex::encode(mac)))]);
    let r = req("", &headers, b"", NOW);
    let v = verify(Provider::Stripe, &r, &Secrets::one(secret), &VerifyOptions::default()).expect("verify");
    assert!(v.is_valid(), "one matching v1 among several is enough");
    let v = verify(Provider::Stripe, &r, &Secrets::many(["old", secret]), &VerifyOptions::default()).expect("verify");
    assert_eq!(
        (v.kind, v.evidence.matched_secret),
        (VerdictKind::Valid, Some(1)),
        "the second, rotated secret matches"
    );
    assert_eq!(v.evidence.expected.len(), 2, "evidence shows what each secret would produce");
    assert_eq!(v.summary, "Signature is valid (secret #2).", "the summary names the secret");
}

#[test]
fn whsec_read_the_other_way_is_named() {
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    // Signed Stripe-style (whole string as key), verified as Standard Webhooks.
    let mac = codec::hmac(Algorithm::Sha256, secret.as_bytes(), format!("msg_1.{NOW}.{{}}").as_bytes());
    let headers = hdrs(&[
        ("webhook-id", "msg_1"),
        ("webhook-timestamp", &NOW.to_string()),
        ("webhook-signature", &format!("v1,{}", codec::base64(&mac))),
    ]);
    let v = verify(
        Provider::StandardWebhooks,
        &req("", &headers, b"{}", NOW),
        &Secrets::one(secret),
        &VerifyOptions::default(),
    )
    .expect("verify");
    assert_eq!(v.kind, VerdictKind::Invalid, "the wrong key form does not verify");
    assert!(v.has_hint(HintCode::SecretWrongForm), "whsec_ used raw with Standard Webhooks is named: {v:#?}");
    assert_eq!(v.summary, "The secret is right but read in the wrong form.", "the summary says so");

    // Signed Standard-Webhooks-style (decoded), verified as Stripe.
    let key = codec::decode_base64("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("b64");
    let headers = stripe_header(&key, NOW, b"{}", "v1");
    let v = verify(Provider::Stripe, &req("", &headers, b"{}", NOW), &Secrets::one(secret), &VerifyOptions::default())
        .expect("verify");
    assert!(v.has_hint(HintCode::SecretWrongForm), "a decoded whsec_ key with Stripe is named: {v:#?}");
}

#[test]
fn api_keys_and_whitespace_in_secrets_are_named() {
    let s = setup(Provider::Stripe);
    let (headers, body) = s.signed(BODY, NOW);
    let v = s.check(&headers, &body, "sk_test_51Hxxxxxxxx", NOW);
    assert!(v.has_hint(HintCode::SecretIsApiKey), "an sk_ key is recognised as an API key");
    let v = s.check(&headers, &body, &format!("  {}\n", s.verify_secret), NOW);
    assert!(v.has_hint(HintCode::SecretWhitespace), "a secret with a newline is named");
    assert_eq!(v.summary, "The secret has stray whitespace around it.", "summary names the whitespace");
}

#[test]
fn body_changes_are_recognised() {
    let s = setup(Provider::Github);
    let (headers, body) = s.signed(BODY, NOW);
    let value: serde_json::Value = serde_json::from_slice(&body).expect("json");
    let cases: Vec<(Vec<u8>, HintCode)> = vec![
        (serde_json::to_vec_pretty(&value).expect("pretty"), HintCode::BodyJsonReserialized),
        ([body.as_slice(), b"\n"].concat(), HintCode::BodyTrailingNewline),
        (
            String::from_utf8(body.clone()).expect("utf8").replace("\\u00e9", "é").into_bytes(),
            HintCode::BodyUnicodeEscapes,
        ),
        (
            String::from_utf8(body.clone()).expect("utf8").replace("a/b", "a\\/b").into_bytes(),
            HintCode::BodySlashEscapes,
        ),
    ];
    for (changed, code) in cases {
        let v = s.check(&headers, &changed, &s.verify_secret, NOW);
        assert_eq!(v.kind, VerdictKind::Invalid, "a changed body is invalid ({code:?})");
        assert!(v.has_hint(code), "the change is named as {code:?}: {v:#?}");
        assert_eq!(v.summary, "Body changed after signing.", "the summary says the body changed");
    }
}

#[test]
fn a_signed_trailing_newline_and_a_reserialised_body_are_both_named() {
    // The sender signed its pretty JSON with a trailing newline; the receiver
    // got it compacted, without the newline.
    let s = setup(Provider::Github);
    let value: serde_json::Value = serde_json::from_slice(BODY).expect("json");
    let signed = [serde_json::to_vec_pretty(&value).expect("pretty").as_slice(), b"\n"].concat();
    let (headers, _) = s.signed(&signed, NOW);
    let received = serde_json::to_vec(&value).expect("compact");
    let v = s.check(&headers, &received, &s.verify_secret, NOW);
    assert!(v.has_hint(HintCode::BodyJsonReserialized), "named, not just 'content changed': {v:#?}");
    assert_eq!(v.summary, "Body changed after signing.");
}

#[test]
fn form_body_decoded_on_the_way_is_recognised() {
    let s = setup(Provider::Slack);
    let sent = b"text=hello+world%21&user=U1";
    let (headers, _) = s.signed(sent, NOW);
    let v = s.check(&headers, b"text=hello world!&user=U1", &s.verify_secret, NOW);
    assert!(v.has_hint(HintCode::BodyFormDecoded), "a URL-decoded form body is named: {v:#?}");
}

#[test]
fn url_mismatch_names_the_matching_url() {
    for provider in [Provider::Square, Provider::Twilio, Provider::Hubspot] {
        let s = setup(provider);
        let (headers, body) = s.signed(BODY, NOW);
        let http = s.url.replace("https://", "http://");
        let v = verify(
            provider,
            &req(&http, &headers, &body, NOW),
            &s.secrets(&s.verify_secret),
            &VerifyOptions::default(),
        )
        .expect("verify");
        assert_eq!(v.kind, VerdictKind::Invalid, "{provider}: http instead of https is invalid");
        let hint = v.hints.iter().find(|h| h.code == HintCode::UrlMismatch).expect("a URL hint");
        assert!(hint.message.contains(s.url), "{provider}: the hint names the URL that matches: {}", hint.message);
        assert_eq!(v.evidence.url.as_deref(), Some(http.as_str()), "{provider}: evidence shows the URL used");
    }
}

#[test]
fn twilio_accepts_port_spellings_as_its_libraries_do() {
    let s = setup(Provider::Twilio);
    let (headers, body) = s.signed(b"CallSid=CA1&From=%2B15550001", NOW);
    let with_port = "https://hooks.example.com:443/in?src=test";
    let v = verify(
        Provider::Twilio,
        &req(with_port, &headers, &body, NOW),
        &s.secrets(&s.verify_secret),
        &VerifyOptions::default(),
    )
    .expect("verify");
    assert!(v.is_valid(), "the default port added is the same URL to Twilio: {v:#?}");
    let v = s.check(&headers, b"From=%2B15550001&CallSid=CA1", &s.verify_secret, NOW);
    assert!(v.is_valid(), "Twilio signs sorted parameters, so their order does not matter");
}

#[test]
fn header_spelling_mistakes_are_named() {
    let secret = "whsec_test_secret_stripe";
    let v = verify(
        Provider::Stripe,
        &req("", &stripe_header(secret.as_bytes(), NOW, b"{}", "v0"), b"{}", NOW),
        &Secrets::one(secret),
        &VerifyOptions::default(),
    )
    .expect("verify");
    assert!(v.has_hint(HintCode::WrongVersionTag), "a v0 signature where v1 is read is named: {v:#?}");

    let mac = codec::hmac(Algorithm::Sha256, b"k", b"{}");
    let h = hdrs(&[("X-Hub-Signature-256", &hex::encode(&mac))]);
    let v = verify(Provider::Github, &req("", &h, b"{}", NOW), &Secrets::one("k"), &VerifyOptions::default())
        .expect("verify");
    assert!(v.has_hint(HintCode::MissingPrefix), "a bare hex GitHub signature lacks sha256=: {v:#?}");

    let h = hdrs(&[("X-Shopify-Hmac-Sha256", &hex::encode(&mac))]);
    let v = verify(Provider::Shopify, &req("", &h, b"{}", NOW), &Secrets::one("k"), &VerifyOptions::default())
        .expect("verify");
    assert!(v.has_hint(HintCode::SignatureEncoding), "hex where Shopify sends base64 is named: {v:#?}");

    let ts = NOW.to_string();
    let slack_mac = codec::hmac(Algorithm::Sha256, b"k", format!("v0:{ts}:{{}}").as_bytes());
    let h =
        hdrs(&[("X-Slack-Signature", &format!("v1={}", hex::encode(slack_mac))), ("X-Slack-Request-Timestamp", &ts)]);
    let v = verify(Provider::Slack, &req("", &h, b"{}", NOW), &Secrets::one("k"), &VerifyOptions::default())
        .expect("verify");
    assert!(v.has_hint(HintCode::WrongVersionTag), "Slack's v0= written as v1= is named: {v:#?}");
}

#[test]
fn header_problems_and_missing_secrets_have_their_own_kinds() {
    let none = hdrs(&[]);
    let v = verify(Provider::Stripe, &req("", &none, b"{}", NOW), &Secrets::one("x"), &VerifyOptions::default())
        .expect("verify");
    assert_eq!(v.kind, VerdictKind::MissingHeader, "no Stripe-Signature is a missing header");
    let bad = hdrs(&[("Stripe-Signature", "v1=zz")]);
    let v = verify(Provider::Stripe, &req("", &bad, b"{}", NOW), &Secrets::one("x"), &VerifyOptions::default())
        .expect("verify");
    assert_eq!(v.kind, VerdictKind::MalformedHeader, "a Stripe header without t= or a readable v1 is malformed");
    let (headers, body) = setup(Provider::Stripe).signed(BODY, NOW);
    let v = verify(Provider::Stripe, &req("", &headers, &body, NOW), &Secrets::default(), &VerifyOptions::default())
        .expect("verify");
    assert_eq!(v.kind, VerdictKind::NoSecret, "no secret is its own kind");
    let (pp_headers, pp_body) = setup(Provider::Paypal).signed(BODY, NOW);
    let err =
        verify(Provider::Paypal, &req("", &pp_headers, &pp_body, NOW), &Secrets::one("WH"), &VerifyOptions::default());
    assert!(matches!(err, Err(SignatureError::MissingInput { .. })), "PayPal without a certificate is a usage error");
    let v = verify(Provider::Paypal, &req("", &headers, &body, NOW), &Secrets::one("WH"), &VerifyOptions::default())
        .expect("verify");
    assert_eq!(v.kind, VerdictKind::MissingHeader, "a request without PayPal's headers says so first");
}

#[test]
fn gitlab_evidence_never_shows_the_token() {
    let h = hdrs(&[("X-Gitlab-Token", "s3cr3t-token")]);
    let v = verify(
        Provider::Gitlab,
        &req("", &h, b"anything", NOW),
        &Secrets::one("s3cr3t-token"),
        &VerifyOptions::default(),
    )
    .expect("verify");
    assert!(v.is_valid(), "the matching token is valid whatever the body");
    let json = serde_json::to_string(&v).expect("serialises");
    assert!(!json.contains("s3cr3t-token"), "the token is fingerprinted, never shown: {json}");
}

#[test]
fn discord_private_seed_given_to_verify_is_named() {
    let s = setup(Provider::Discord);
    let (headers, body) = s.signed(BODY, NOW);
    let v = s.check(&headers, &body, DISCORD_SEED, NOW);
    assert!(v.has_hint(HintCode::SecretWrongForm), "the private seed where the public key belongs is named: {v:#?}");
}

#[test]
fn mailgun_signs_inside_the_body() {
    let s = setup(Provider::Mailgun);
    let (headers, body) = s.signed(br#"{"event-data":{"id":"ev1","event":"delivered"}}"#, NOW);
    assert!(headers.is_empty(), "Mailgun sends no signature header");
    assert!(s.check(&headers, &body, &s.verify_secret, NOW).is_valid(), "the rewritten JSON body verifies");
    assert_eq!(event_id(Provider::Mailgun, &headers, &body).as_deref(), Some("ev1"), "the event id is event-data.id");
    let (_, form) = s.signed(b"recipient=a%40b.c&timestamp=1&token=old&signature=00", NOW);
    assert!(s.check(&Vec::new(), &form, &s.verify_secret, NOW).is_valid(), "a form body gets fresh fields that verify");
}

#[test]
fn secret_debug_is_redacted_and_ids_round_trip() {
    let s = Secret::new("whsec_very_secret");
    assert_eq!(format!("{s:?}"), "Secret(<redacted>)", "Debug never shows the secret");
    assert!(!format!("{:?}", Secrets::one("whsec_very_secret")).contains("very_secret"), "nor does Secrets' Debug");
    for &p in Provider::ALL {
        assert_eq!(p.id().parse::<Provider>().ok(), Some(p), "{p}: the id parses back");
        assert_eq!(serde_json::to_value(p).expect("ser"), p.id(), "{p}: serde uses the canonical id");
    }
    assert!("nope".parse::<Provider>().is_err(), "unknown ids are an error");
}

#[test]
fn detect_and_event_ids() {
    let cases: Vec<(Headers, Option<Provider>)> = vec![
        (hdrs(&[("stripe-signature", "t=1,v1=00")]), Some(Provider::Stripe)),
        (hdrs(&[("X-Hub-Signature-256", "sha256=00"), ("X-GitHub-Event", "push")]), Some(Provider::Github)),
        (hdrs(&[("webhook-signature", "v1,AA=="), ("webhook-id", "m")]), Some(Provider::StandardWebhooks)),
        (hdrs(&[("svix-signature", "v1,AA=="), ("svix-id", "m")]), Some(Provider::Svix)),
        (hdrs(&[("X-Slack-Signature", "v0=00")]), Some(Provider::Slack)),
        (hdrs(&[("X-Signature-Ed25519", "00")]), Some(Provider::Discord)),
        (hdrs(&[("X-Hub-Signature", "sha1=00")]), Some(Provider::Intercom)),
        (hdrs(&[("X-Hub-Signature", "sha256=00"), ("X-Event-Key", "repo:push")]), Some(Provider::Bitbucket)),
        (hdrs(&[("X-Signature", "00"), ("X-Event-Name", "order_created")]), Some(Provider::Lemonsqueezy)),
        (hdrs(&[("Content-Type", "application/json")]), None),
    ];
    for (h, want) in cases {
        assert_eq!(detect(&h), want, "headers {h:?} detect as {want:?}");
    }
    let body = br#"{"id":"evt_9","event_id":"Ev01"}"#;
    assert_eq!(event_id(Provider::Stripe, &[], body).as_deref(), Some("evt_9"), "Stripe's id is the body's id");
    assert_eq!(
        event_id(Provider::Slack, &hdrs(&[("X-Slack-Retry-Num", "1")]), body).as_deref(),
        Some("Ev01"),
        "a Slack retry groups by event_id"
    );
    assert_eq!(
        event_id(Provider::Github, &hdrs(&[("X-GitHub-Delivery", "d-1")]), b"").as_deref(),
        Some("d-1"),
        "GitHub's delivery id"
    );
    assert_eq!(event_id(Provider::Svix, &hdrs(&[("svix-id", "msg_1")]), b"").as_deref(), Some("msg_1"), "svix-id");
    assert_eq!(
        event_id(Provider::Twilio, &hdrs(&[("I-Twilio-Idempotency-Token", "t-1")]), b"").as_deref(),
        Some("t-1"),
        "Twilio's idempotency token"
    );
}

#[test]
fn verdict_serialises_in_snake_case() {
    let s = setup(Provider::Stripe);
    let (headers, body) = s.signed(BODY, NOW);
    let v = s.check(&headers, &[body.as_slice(), b"\n"].concat(), &s.verify_secret, NOW);
    let json = serde_json::to_value(&v).expect("serialises");
    assert_eq!(json["kind"], "invalid", "kind is snake_case");
    assert_eq!(json["hints"][0]["code"], "body_trailing_newline", "hint codes are snake_case");
    assert!(
        json["evidence"]["signed"]["display"].as_str().is_some_and(|d| d.ends_with("\\n")),
        "the signed bytes show the newline escaped"
    );
    assert_eq!(
        json["evidence"]["expected"][0].as_str().map(|e| e.starts_with("v1=")),
        Some(true),
        "expected is written like received"
    );
}

/// Twilio's signed parameters: sorted, each name then value, all run together.
fn twilio_run_together(body: &[u8]) -> String {
    let mut params = codec::parse_form(body);
    params.sort();
    params.into_iter().flat_map(|(k, v)| [k, v]).collect()
}

#[test]
fn twilio_signs_parameters_run_together_so_where_a_name_ends_is_not_covered() {
    // A property of Twilio's scheme (its own validators agree): `ab=c` and
    // `a=bc` both sign as `abc`.
    let s = setup(Provider::Twilio);
    let (headers, body) = s.signed(b"ab=c", NOW);
    assert_eq!(body, b"ab=c");
    assert!(s.check(&headers, b"a=bc", &s.verify_secret, NOW).is_valid());
    assert!(!s.check(&headers, b"a=cb", &s.verify_secret, NOW).is_valid());
}

/// Providers whose scheme covers every body byte.
fn covers_raw_body(p: Provider) -> bool {
    !matches!(p, Provider::Gitlab | Provider::Mailgun | Provider::Twilio)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn sign_then_verify_round_trips(body in proptest::collection::vec(any::<u8>(), 0..200), now in 1_000_000_000i64..2_000_000_000) {
        for &provider in Provider::ALL {
            let s = setup(provider);
            if provider == Provider::Mailgun && serde_json::from_slice::<serde_json::Value>(&body).is_ok_and(|v| !v.is_object()) {
                continue; // a JSON scalar cannot carry Mailgun's fields; sign says so
            }
            let (headers, signed_body) = s.signed(&body, now);
            let v = s.check(&headers, &signed_body, &s.verify_secret, now);
            prop_assert_eq!(v.kind, VerdictKind::Valid, "{}: verify(sign(x)) is valid: {:#?}", provider, v);
        }
    }

    #[test]
    fn any_single_byte_change_fails_where_the_body_is_covered(
        body in proptest::collection::vec(any::<u8>(), 1..120),
        at in any::<proptest::sample::Index>(),
        flip in 1u8..=255,
    ) {
        for &provider in Provider::ALL {
            if provider == Provider::Mailgun && serde_json::from_slice::<serde_json::Value>(&body).is_ok_and(|v| !v.is_object()) {
                continue;
            }
            let s = setup(provider);
            let (headers, signed_body) = s.signed(&body, NOW);
            let mut changed = signed_body.clone();
            let i = at.index(changed.len());
            changed[i] ^= flip;
            let v = s.check(&headers, &changed, &s.verify_secret, NOW);
            if covers_raw_body(provider) {
                prop_assert_ne!(v.kind, VerdictKind::Valid, "{}: changing byte {} must invalidate", provider, i);
            } else if provider == Provider::Twilio {
                // Twilio covers its sorted parameters run together, not the
                // bytes: a byte turned into `=` can move a name's tail into
                // its value and sign the same.
                let same = twilio_run_together(&changed) == twilio_run_together(&signed_body);
                prop_assert_eq!(v.is_valid(), same, "twilio: valid exactly when the params run together are unchanged");
            } else if provider == Provider::Gitlab {
                prop_assert!(v.is_valid(), "gitlab: the token does not cover the body, so any body stays valid");
            } else {
                // Mailgun covers only its three fields.
                let same = mailgun_fields(&changed) == mailgun_fields(&signed_body);
                prop_assert_eq!(v.is_valid(), same, "mailgun: valid exactly when timestamp/token/signature are unchanged");
            }
        }
    }

    /// Stable-toolchain stand-in for the fuzz targets: every parser, fed
    /// arbitrary header values and bodies, returns a verdict and never panics.
    #[test]
    fn parsers_never_panic(value in proptest::collection::vec(any::<u8>(), 0..80), body in proptest::collection::vec(any::<u8>(), 0..80)) {
        fuzz_all_parsers(&value, &body);
    }
}

fn mailgun_fields(body: &[u8]) -> Vec<Option<String>> {
    let r = SignedRequest { method: "POST", url: "", headers: &[], body, received_at_us: 0 };
    match mailgun::MailgunScheme.parse(&r) {
        // The signature is hex: either case is the same digest.
        Ok(p) => vec![p.stamp.map(|s| s.raw), p.id, p.received.first().map(|h| h.to_ascii_lowercase())],
        Err(_) => vec![None],
    }
}

/// Every provider, then each one alone, over the same bytes.
pub(crate) fn fuzz_all_parsers(value: &[u8], body: &[u8]) {
    let data = [&[0xFE][..], value, &[0xFF][..], body].concat();
    fuzz::fuzz_parsers(&data);
    let mut with_cert = setup(Provider::Paypal).secrets("WH-1");
    with_cert.secrets.push(Secret::new(String::from_utf8_lossy(value)));
    let headers: Headers =
        ["PAYPAL-TRANSMISSION-SIG", "PAYPAL-TRANSMISSION-ID", "PAYPAL-TRANSMISSION-TIME", "PAYPAL-AUTH-ALGO"]
            .iter()
            .map(|n| Header::new(*n, value.to_vec()))
            .collect();
    let _ = verify(Provider::Paypal, &req("", &headers, body, 0), &with_cert, &VerifyOptions::default());
}
