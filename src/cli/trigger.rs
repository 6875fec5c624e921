//! `hookscope trigger PROVIDER [EVENT]`: sends a sample event, signed as the
//! provider signs it. Without `--to` it goes through the running instance
//! (`POST /api/samples`): to its own capture port, signed with the secret of
//! the provider's endpoint, which is set up when missing, so the window
//! shows it verified. With `--to` it is sent from here.

use std::io::Write;
use std::path::Path;

use crate::api::{SampleRequest, SampleSent, send_sample};
use crate::error::{Error, Result};
use crate::outbound::Outbound;
use crate::samples;
use crate::signature::Provider;

/// The events `trigger` can send, one `provider event — what` per line.
pub fn list(provider: Option<Provider>, json: bool, out: &mut dyn Write) -> Result<()> {
    let events = crate::api::sample_events(provider);
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
) -> Result<SampleSent> {
    if let Some(to) = to {
        let (url, line) = crate::replay::target(to, &format!("/{}", provider.id()), None)?;
        let secret = secret.map(str::to_owned).unwrap_or_else(|| samples::new_secret(provider));
        let url = crate::replay::full_url(&url, &line);
        return send_sample(&Outbound::new(Default::default()), provider, event, &url, secret).await;
    }
    if secret.is_some() {
        return Err(Error::InvalidArgument(
            "--secret goes with --to: without it the sample is signed with the endpoint's own secret".into(),
        ));
    }
    let instance = crate::app::running_instance(db).ok_or_else(|| {
        Error::InvalidArgument(
            "no Hookscope runs on this database: start one (`hookscope serve` or the app), or give --to URL".into(),
        )
    })?;
    let request = SampleRequest { provider, event: event.map(str::to_owned) };
    super::replay::Instance::new(&instance.api_url)?.call(reqwest::Method::POST, "/api/samples", Some(&request)).await
}
