//! "Send a sample": a signed sample event to this instance's own capture
//! port, verified with the provider's endpoint (set up when missing). The
//! window's button and `hookscope trigger` (without `--to`) come here.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

use super::Api;
use crate::error::{Error, Result};
use crate::model::{EndpointJson, endpoint_for};
use crate::outbound::{Outbound, Request};
use crate::samples;
use crate::signature::Provider;

#[derive(Debug, Clone, Serialize, Deserialize, TS, ToSchema)]
pub struct SampleRequest {
    pub provider: Provider,
    /// Default: the provider's first (see `GET /api/samples`).
    #[serde(default)]
    #[ts(optional)]
    pub event: Option<String>,
}

/// What was sent and what came back.
#[derive(Debug, Clone, Serialize, Deserialize, TS, ToSchema)]
pub struct SampleSent {
    pub provider: String,
    pub event: String,
    pub url: String,
    /// The target's status; null when it gave none (see `error`).
    pub status: Option<u16>,
    pub error: Option<String>,
    /// What the target answered (Hookscope's ack carries the delivery's id).
    pub response: String,
    /// The stored delivery, when the sample went to this instance.
    pub delivery: Option<String>,
    /// The secret (for Discord the public key; for PayPal the webhook id) to verify with.
    pub verify_with: String,
    /// The endpoint prefix set up for it, when there was none.
    pub endpoint_created: Option<String>,
}

/// An event `trigger` can send.
#[derive(Debug, Clone, Serialize, Deserialize, TS, ToSchema)]
pub struct SampleEvent {
    pub provider: String,
    pub name: String,
    pub description: String,
}

pub fn sample_events(provider: Option<Provider>) -> Vec<SampleEvent> {
    samples::events(provider)
        .into_iter()
        .map(|e| SampleEvent { provider: e.provider.into(), name: e.name.into(), description: e.description.into() })
        .collect()
}

/// Builds and sends a sample to `url`, signed with `secret`.
pub async fn send_sample(
    outbound: &Outbound,
    provider: Provider,
    event: Option<&str>,
    url: &str,
    secret: String,
) -> Result<SampleSent> {
    let now_s = crate::capture::now_us() / 1_000_000;
    let sample = samples::build(provider, event, url, &secret, now_s).map_err(Error::InvalidArgument)?;
    let parsed = url::Url::parse(url).map_err(|e| Error::InvalidArgument(format!("{url}: {e}")))?;
    let host = match parsed.port() {
        Some(p) => format!("{}:{p}", parsed.host_str().unwrap_or_default()),
        None => parsed.host_str().unwrap_or_default().to_owned(),
    };
    let mut headers = sample.headers;
    headers.insert(0, crate::model::Header::new("Host", host));
    let request = Request {
        method: sample.method.into(),
        target: crate::outbound::path_and_query(&parsed),
        url: parsed,
        headers,
        body: sample.body.into(),
        insecure: false,
        timeout: None,
    };
    let exchange = outbound.send(&request).await;
    let verify_with = if provider == Provider::Discord { samples::discord_public_key() } else { secret };
    let (status, error, response) = match exchange.result {
        Ok(r) => (Some(r.status), None, String::from_utf8_lossy(&r.body).into_owned()),
        Err(e) => (None, Some(e.to_string()), String::new()),
    };
    let delivery = serde_json::from_str::<serde_json::Value>(&response)
        .ok()
        .and_then(|v| v["id"].as_str().map(str::to_owned))
        .filter(|id| id.starts_with("dlv_"));
    Ok(SampleSent {
        provider: provider.id().into(),
        event: sample.event,
        url: url.into(),
        status,
        error,
        response,
        delivery,
        verify_with,
        endpoint_created: None,
    })
}

impl Api {
    /// Sends a sample to this instance's capture port, signed with the
    /// secret of the provider's endpoint (`/<provider>`; set up with a new
    /// test secret when there is none), so it shows verified.
    #[tracing::instrument(level = "debug", skip(self), err(level = "debug"))]
    pub async fn send_sample(&self, req: SampleRequest) -> Result<SampleSent> {
        let provider = req.provider;
        let path = format!("/{}", provider.id());
        let endpoints = self.store.endpoints().await?;
        let existing = endpoint_for(&endpoints, "POST", &path)
            .filter(|e| e.scheme.as_ref().map(|s| s.provider()) == Some(provider))
            .and_then(|e| e.keys.secrets.last().map(|s| s.expose().to_owned()))
            .filter(|k| provider != Provider::Discord || *k == samples::discord_public_key());
        let (secret, created) = match existing {
            Some(s) => (s, None),
            None => {
                let secret = samples::new_secret(provider);
                self.put_endpoint(EndpointJson {
                    id: None,
                    path_prefix: path.clone(),
                    provider: Some(provider),
                    generic: None,
                    secrets: Some(vec![secret.clone()]),
                    certificate: (provider == Provider::Paypal).then(|| samples::PAYPAL_TEST_CERT.into()),
                    tolerance_s: None,
                    public_url: None,
                    methods: None,
                    forward_to: None,
                    forward_mode: None,
                    forward_concurrency: None,
                    response: None,
                    incomplete: None,
                })
                .await?;
                (secret, Some(path.clone()))
            }
        };
        // Discord's endpoint holds the public key; samples sign with the test seed.
        let url = format!("{}{path}", self.info.capture_url);
        let mut sent = send_sample(&self.outbound, provider, req.event.as_deref(), &url, secret).await?;
        sent.endpoint_created = created;
        Ok(sent)
    }
}
