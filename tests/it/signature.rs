//! Signatures in the product: per-endpoint secrets, verdicts stored and
//! recomputed, public URLs behind a tunnel, redeliveries grouped.

use hookscope::signature::{self, Provider, Secret, SignOptions, SignParts};

use crate::support::Harness;

fn signed_headers(provider: Provider, secret: &str, url: &str, body: &[u8], now: i64) -> Vec<(String, String)> {
    let parts = SignParts { method: "POST", url, body, now_s: now, id: Some("msg_1"), headers: &[] };
    signature::sign(provider, &Secret::new(secret), &parts, &SignOptions::default()).expect("signs").headers
}

async fn post_with(h: &Harness, path: &str, headers: &[(String, String)], body: &[u8]) -> String {
    let mut req = h.http.post(h.capture_url(path)).body(body.to_vec());
    for (name, value) in headers {
        req = req.header(name, value);
    }
    crate::support::ack(req.send().await.unwrap()).await.1.expect("acked")
}

async fn put_endpoint(h: &Harness, endpoint: serde_json::Value) {
    let resp = h.http.put(h.api_url("/api/endpoints")).bearer_auth(h.token()).json(&endpoint).send().await.unwrap();
    assert_eq!(resp.status(), 204, "the endpoint is saved: {}", resp.text().await.unwrap_or_default());
}

fn verdict_of(page: &serde_json::Value, id: &str) -> serde_json::Value {
    page["items"].as_array().unwrap().iter().find(|d| d["id"] == id).unwrap()["verdict"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn verdicts_are_stored_per_endpoint_and_recomputed_when_the_secret_changes() {
    let h = Harness::start().await;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let body = br#"{"id":"evt_123","type":"invoice.paid"}"#;
    let headers = signed_headers(Provider::Stripe, "whsec_first", "", body, now);
    let good = post_with(&h, "/stripe/hook", &headers, body).await;
    let tampered = post_with(&h, "/stripe/hook", &headers, br#"{"id":"evt_123","type":"invoice.paid "}"#).await;
    let elsewhere = post_with(&h, "/other", &headers, body).await;

    put_endpoint(&h, serde_json::json!({"path_prefix": "/stripe", "secrets": ["whsec_first"]})).await;
    h.flush().await;
    let page = h.api_get("/api/deliveries").await;
    assert_eq!(verdict_of(&page, &good), "valid", "the signed delivery verifies");
    assert_eq!(verdict_of(&page, &tampered), "invalid", "a changed body does not");
    assert!(verdict_of(&page, &elsewhere).is_null(), "no secret for /other: no verdict");
    let item = page["items"].as_array().unwrap().iter().find(|d| d["id"] == good).unwrap().clone();
    assert_eq!(item["provider"], "stripe", "the provider is detected from the headers");

    let report = h.api_get(&format!("/api/deliveries/{tampered}/inspection")).await;
    assert_eq!(report["verdict"]["kind"], "invalid");
    assert!(
        report["verdict"]["evidence"]["signed"]["display"].as_str().unwrap().contains("invoice.paid "),
        "the exact signed string is shown"
    );

    // Rotation: a new secret alone makes the old signature invalid; both keep it valid.
    put_endpoint(&h, serde_json::json!({"path_prefix": "/stripe", "secrets": ["whsec_second"]})).await;
    h.flush().await;
    assert_eq!(verdict_of(&h.api_get("/api/deliveries").await, &good), "invalid", "recomputed with the new secret");
    put_endpoint(&h, serde_json::json!({"path_prefix": "/stripe", "secrets": ["whsec_second", "whsec_first"]})).await;
    h.flush().await;
    assert_eq!(verdict_of(&h.api_get("/api/deliveries").await, &good), "valid", "any of several secrets");

    // Trying a secret does not save it.
    let tried = h
        .http
        .post(h.api_url(&format!("/api/deliveries/{good}/inspection")))
        .bearer_auth(h.token())
        .json(&serde_json::json!({"path_prefix": "", "provider": "stripe", "secrets": ["whsec_nope"]}))
        .send()
        .await
        .unwrap();
    let tried: serde_json::Value = tried.json().await.unwrap();
    assert_eq!(tried["verdict"]["kind"], "invalid", "a tried secret gives its own verdict");
    assert_eq!(verdict_of(&h.api_get("/api/deliveries").await, &good), "valid", "and the saved one stands");

    let listed = h.api_get("/api/endpoints").await;
    let text = listed.to_string();
    assert!(!text.contains("whsec_first") && !text.contains("whsec_second"), "secrets are never sent back: {text}");
    assert!(text.contains("••••irst"), "only their last characters: {text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn url_signed_schemes_use_the_public_url_from_forwarding_headers() {
    let h = Harness::start().await;
    let body = b"From=%2B15550001111&Body=hello";
    let public = "https://ab12.tunnel.example/twilio/sms";
    let mut headers = signed_headers(Provider::Twilio, "twilio-auth-token", public, body, 0);
    headers.push(("Content-Type".into(), "application/x-www-form-urlencoded".into()));
    headers.push(("X-Forwarded-Proto".into(), "https".into()));
    headers.push(("X-Forwarded-Host".into(), "ab12.tunnel.example".into()));
    let id = post_with(&h, "/twilio/sms", &headers, body).await;
    put_endpoint(
        &h,
        serde_json::json!({"path_prefix": "/twilio", "provider": "twilio", "secrets": ["twilio-auth-token"]}),
    )
    .await;
    let report = h.api_get(&format!("/api/deliveries/{id}/inspection")).await;
    assert_eq!(report["verdict"]["kind"], "valid", "verified against the public URL: {report}");
    assert_eq!(report["signed_url"], public, "the URL used is shown");
    assert_eq!(report["signed_url_source"], "X-Forwarded-Host header", "with where it came from");
}

#[tokio::test(flavor = "multi_thread")]
async fn redeliveries_of_one_event_are_grouped() {
    let h = Harness::start().await;
    let delivery =
        [("X-GitHub-Event".to_owned(), "push".to_owned()), ("X-GitHub-Delivery".to_owned(), "d-42".to_owned())];
    let first = post_with(&h, "/github", &delivery, b"{}").await;
    let again = post_with(&h, "/github", &delivery, b"{}").await;
    let other = post_with(&h, "/github", &[("X-GitHub-Delivery".to_owned(), "d-43".to_owned())], b"{}").await;
    h.flush().await;
    let page = h.api_get("/api/deliveries").await;
    let dup =
        |id: &str| page["items"].as_array().unwrap().iter().find(|d| d["id"] == id).unwrap()["duplicates"].clone();
    assert_eq!(dup(&first), 1, "the first try has one redelivery");
    assert_eq!(dup(&again), 1, "and the redelivery one original");
    assert_eq!(dup(&other), 0, "another event stands alone");
    let report = h.api_get(&format!("/api/deliveries/{again}/inspection")).await;
    assert_eq!(report["event_id"], "d-42");
    assert_eq!(report["duplicates"], serde_json::json!([first]), "the other delivery of the event is named");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retry_storm_is_counted_up_to_99_others() {
    let h = Harness::start().await;
    let delivery =
        [("X-GitHub-Event".to_owned(), "push".to_owned()), ("X-GitHub-Delivery".to_owned(), "storm".to_owned())];
    let sends = (0..150).map(|_| post_with(&h, "/github", &delivery, b"{}"));
    let ids = futures_util::future::join_all(sends).await;
    h.flush().await;
    let page = h.api_get("/api/deliveries?limit=200").await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 150);
    assert!(items.iter().all(|d| d["duplicates"] == 99), "each row says 99 (or more) others");
    let report = h.api_get(&format!("/api/deliveries/{}/inspection", ids[0])).await;
    assert_eq!(report["duplicates"].as_array().unwrap().len(), 100, "the report names the newest 100");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_that_cannot_judge_says_so_and_a_generic_one_judges() {
    let h = Harness::start().await;
    let body = br#"{"event_type":"PAYMENT.CAPTURE.COMPLETED"}"#;
    let paypal = [("PAYPAL-TRANSMISSION-ID".to_owned(), "tx-1".to_owned())];
    let id = post_with(&h, "/paypal/hook", &paypal, body).await;
    put_endpoint(&h, serde_json::json!({"path_prefix": "/paypal", "provider": "paypal", "secrets": ["WH-123"]})).await;
    h.flush().await;
    let report = h.api_get(&format!("/api/deliveries/{id}/inspection")).await;
    assert!(report["verdict"].is_null(), "no verdict without the certificate: {report}");
    let said = report["incomplete"].as_str().unwrap_or_default();
    assert!(said.starts_with("this endpoint's settings are incomplete: "), "the inspection says why: {report}");
    assert!(said.contains("certificate"), "and names what is missing: {said}");
    assert_eq!(verdict_of(&h.api_get("/api/deliveries").await, &id), "incomplete", "the list shows it too");
    let listed = h.api_get("/api/endpoints").await;
    assert!(listed[0]["incomplete"].as_str().is_some_and(|s| s.contains("certificate")), "and the endpoint: {listed}");

    // A generic HMAC with its configuration gets a verdict.
    let generic = serde_json::json!({"algorithm": "sha256", "encoding": "hex", "header": "X-Sig", "prefix": "sha256=",
        "template": "{body}", "timestamp": {"source": "none"}});
    let config: signature::generic::GenericConfig = serde_json::from_value(generic.clone()).unwrap();
    let parts = SignParts { method: "POST", url: "", body, now_s: 0, id: None, headers: &[] };
    let opts = SignOptions { generic: Some(config), private_key_pem: None };
    let signed = signature::sign(Provider::Generic, &Secret::new("generic-secret"), &parts, &opts).unwrap();
    let id = post_with(&h, "/custom/hook", &signed.headers, body).await;
    put_endpoint(
        &h,
        serde_json::json!({"path_prefix": "/custom", "provider": "generic", "generic": generic, "secrets": ["generic-secret"]}),
    )
    .await;
    h.flush().await;
    let report = h.api_get(&format!("/api/deliveries/{id}/inspection")).await;
    assert_eq!(report["verdict"]["kind"], "valid", "the generic scheme verifies: {report}");
}

#[tokio::test(flavor = "multi_thread")]
async fn editing_one_setting_keeps_the_secrets_and_the_id() {
    let h = Harness::start().await;
    put_endpoint(
        &h,
        serde_json::json!({"path_prefix": "/stripe", "provider": "stripe", "secrets": ["whsec_keepme1234"]}),
    )
    .await;
    let mut read = h.api_get("/api/endpoints").await[0].clone();
    let id = read["id"].as_str().expect("an endpoint has an id").to_owned();
    assert!(id.starts_with("ep_"), "{id}");
    // Send back what was read, redacted secrets and all, with one change.
    read["tolerance_s"] = serde_json::json!(60);
    read["path_prefix"] = serde_json::json!("/stripe/live");
    put_endpoint(&h, read).await;
    let now = h.api_get("/api/endpoints").await;
    assert_eq!(now.as_array().unwrap().len(), 1, "edited in place, not added: {now}");
    assert_eq!((now[0]["id"].as_str(), now[0]["path_prefix"].as_str()), (Some(id.as_str()), Some("/stripe/live")));
    let body = br#"{"id":"evt_1"}"#;
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let delivery =
        post_with(&h, "/stripe/live/x", &signed_headers(Provider::Stripe, "whsec_keepme1234", "", body, t), body).await;
    h.flush().await;
    assert_eq!(verdict_of(&h.api_get("/api/deliveries").await, &delivery), "valid", "the secret was kept");
}

#[tokio::test(flavor = "multi_thread")]
async fn endpoint_changes_reach_every_open_view_as_events() {
    let h = Harness::start().await;
    let body = br#"{"id":"evt_9"}"#;
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let id = post_with(&h, "/stripe", &signed_headers(Provider::Stripe, "whsec_live_1", "", body, t), body).await;
    h.flush().await;
    let mut events = h.http.get(h.api_url("/api/events")).bearer_auth(h.token()).send().await.unwrap();
    // Saved by someone else (a script, another window): not through this view.
    put_endpoint(&h, serde_json::json!({"path_prefix": "/stripe", "secrets": ["whsec_live_1"]})).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut seen = Vec::new();
    let mut pending = String::new();
    while !(seen.contains(&"endpoints".to_owned()) && seen.contains(&"changed".to_owned())) {
        assert!(
            std::time::Instant::now() < deadline,
            "an endpoints event, then changed once verdicts are recomputed; saw {seen:?}"
        );
        let Ok(chunk) = tokio::time::timeout(std::time::Duration::from_millis(200), events.chunk()).await else {
            continue;
        };
        pending.push_str(&String::from_utf8_lossy(&chunk.unwrap().unwrap()));
        while let Some(end) = pending.find("\n\n") {
            let event: String = pending.drain(..end + 2).collect();
            if let Some(name) = event.lines().find_map(|l| l.strip_prefix("event: ")) {
                seen.push(name.to_owned());
            }
        }
    }
    let endpoints_at = seen.iter().position(|e| e == "endpoints").unwrap();
    assert!(seen[endpoints_at..].contains(&"changed".to_owned()), "changed follows the endpoints event: {seen:?}");
    // By the `changed`, the list has the new verdict: a reload shows the ✔.
    assert_eq!(verdict_of(&h.api_get("/api/deliveries").await, &id), "valid", "the reload finds the new verdict");
}
