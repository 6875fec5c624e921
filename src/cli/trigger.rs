//! `hookscope trigger PROVIDER [EVENT]`: sends a sample event, signed as the
//! provider signs it. Without `--to` it goes to the running instance's
//! capture port, signed with the secret of the provider's endpoint (one is
//! set up at `/<provider>` when there is none), so the window shows it
//! verified.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{EndpointJson, endpoint_for};
use crate::outbound::{Outbound, Request};
use crate::samples::{self, Sample};
use crate::signature::Provider;
use crate::store;

#[derive(Debug, Serialize)]
pub struct Triggered {
    pub provider: String,
    pub event: String,
    pub url: String,
    /// The target's status; null when it gave none.
    pub status: Option<u16>,
    pub error: Option<String>,
    /// What the target answered (Hookscope's ack carries the delivery's id).
    pub response: String,
    /// The secret (or, for Discord, the public key) the receiver verifies with.
    pub verify_with: String,
    /// Set up by this run: the endpoint created at the provider's prefix.
    pub endpoint_created: Option<String>,
}

/// The events `trigger` can send, one `provider event — what` per line.
pub fn list(provider: Option<Provider>, json: bool, out: &mut dyn Write) -> Result<()> {
    let events = samples::events(provider);
    let written = if json {
        serde_json::to_string(&events).map_err(std::io::Error::other).and_then(|j| writeln!(out, "{j}"))
    } else {
        events.iter().try_for_each(|e| writeln!(out, "{:<18} {:<30} {}", e.provider, e.name, e.description))
    };
    written.map_err(|e| Error::io("writing output", e))
}

pub async fn trigger(
    db: &Path,
    provider: Provider,
    event: Option<&str>,
    to: Option<&str>,
    secret: Option<&str>,
) -> Result<Triggered> {
    let path = format!("/{}", provider.id());
    let mut created = None;
    let (url, secret) = match to {
        Some(to) => {
            let (url, line) = crate::replay::target(to, &path, None)?;
            let secret = secret.map(str::to_owned).unwrap_or_else(|| samples::new_secret(provider));
            (crate::replay::full_url(&url, &line), secret)
        }
        None => {
            let instance = crate::app::running_instance(db).ok_or_else(|| {
                Error::InvalidArgument(
                    "no Hookscope runs on this database: start one (`hookscope serve` or the app), or give --to URL"
                        .into(),
                )
            })?;
            let secret = match secret {
                Some(s) => s.to_owned(),
                None => match own_secret(db, provider, &path)? {
                    Some(s) => s,
                    None => {
                        let s = samples::new_secret(provider);
                        set_up_endpoint(&instance.api_url, provider, &path, &s).await?;
                        created = Some(path.clone());
                        s
                    }
                },
            };
            (format!("{}{path}", instance.capture_url), secret)
        }
    };
    let now_s = crate::capture::now_us() / 1_000_000;
    let Sample { event, method, headers, body } =
        samples::build(provider, event, &url, &secret, now_s).map_err(Error::InvalidArgument)?;
    let parsed = url::Url::parse(&url).map_err(|e| Error::InvalidArgument(format!("{url}: {e}")))?;
    let mut headers = headers;
    let host = match parsed.port() {
        Some(p) => format!("{}:{p}", parsed.host_str().unwrap_or_default()),
        None => parsed.host_str().unwrap_or_default().to_owned(),
    };
    headers.insert(0, crate::model::Header::new("Host", host));
    let request = Request {
        method: method.into(),
        target: crate::outbound::path_and_query(&parsed),
        url: parsed,
        headers,
        body: body.into(),
        insecure: false,
        timeout: None,
    };
    let exchange = Outbound::new(Default::default()).send(&request).await;
    let verify_with = if provider == Provider::Discord { samples::discord_public_key() } else { secret };
    Ok(match exchange.result {
        Ok(r) => Triggered {
            provider: provider.id().into(),
            event,
            url,
            status: Some(r.status),
            error: None,
            response: String::from_utf8_lossy(&r.body).into_owned(),
            verify_with,
            endpoint_created: created,
        },
        Err(e) => Triggered {
            provider: provider.id().into(),
            event,
            url,
            status: None,
            error: Some(e.to_string()),
            response: String::new(),
            verify_with,
            endpoint_created: created,
        },
    })
}

/// The secret the endpoint for `path` verifies `provider` with, read from
/// the database (the API only ever shows secrets redacted).
fn own_secret(db: &Path, provider: Provider, path: &str) -> Result<Option<String>> {
    let readers = store::open_read_only(db)?;
    let endpoints = readers.with(|c| Ok(store::list_endpoints(c)?))?;
    let Some(e) = endpoint_for(&endpoints, "POST", path) else { return Ok(None) };
    if e.scheme.as_ref().map(|s| s.provider()) != Some(provider) {
        return Ok(None);
    }
    // Discord's endpoint holds the public key; the sample is signed with the
    // test seed, so only that key will do.
    let last = e.keys.secrets.last().map(|s| s.expose().to_owned());
    Ok(match provider {
        Provider::Discord => last.filter(|k| *k == samples::discord_public_key()),
        _ => last,
    })
}

async fn set_up_endpoint(api_url: &str, provider: Provider, path: &str, secret: &str) -> Result<()> {
    let json = EndpointJson {
        id: None,
        path_prefix: path.into(),
        provider: Some(provider),
        generic: None,
        secrets: Some(vec![secret.into()]),
        certificate: (provider == Provider::Paypal).then(|| samples::PAYPAL_TEST_CERT.into()),
        tolerance_s: None,
        public_url: None,
        methods: None,
        forward_to: None,
        forward_mode: None,
        forward_concurrency: None,
        response: None,
        incomplete: None,
    };
    let through = super::replay::Instance::new(api_url)?;
    through.put_no_content("/api/endpoints", &json).await
}
