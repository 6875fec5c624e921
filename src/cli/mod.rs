//! What the `hookscope` commands do, apart from parsing their arguments
//! (main.rs): printing listings and deliveries for people and for pipes.

pub mod export;
mod format;
pub mod queue;
pub mod replay;
pub mod serve;
pub mod signature;
pub mod trigger;
pub mod tunnel;

use std::io::{self, Write};
use std::path::Path;

use rusqlite::Connection;

use self::signature::StoredRequest;
use crate::error::{Error, Result};
use crate::model::endpoint_for;
use crate::model::{Delivery, DeliveryId};
use crate::store::{self, ListFilter};

/// `hookscope list`: the newest `limit` deliveries, newest first, read a page
/// at a time (the store caps a page) and printed as they come; `json` prints
/// one object per line.
pub fn list(db: &Path, limit: u32, json: bool, out: &mut dyn Write) -> Result<()> {
    let readers = store::open_read_only(db)?;
    let mut printed = 0;
    let mut before = None;
    while printed < limit {
        let filter = ListFilter { limit: (limit - printed).min(store::MAX_PAGE), before, ..Default::default() };
        let page = readers.with(|c| store::list_deliveries(c, &filter))?;
        for d in &page.items {
            if json {
                let line = serde_json::to_string(d).map_err(|e| Error::io("encoding JSON", e.into()))?;
                writeln!(out, "{line}")
            } else {
                writeln!(out, "{}", format::summary_line(d))
            }
            .map_err(write_error)?;
        }
        printed += page.items.len() as u32;
        match page.next {
            Some(next) => before = Some(next.parse()?),
            None => break,
        }
    }
    if !json && limit > 0 && printed == 0 {
        writeln!(out, "no deliveries yet").map_err(write_error)?;
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShowFormat {
    Text,
    Json,
    /// The body's raw bytes and nothing else.
    Body,
}

/// `hookscope show ID`.
pub fn show(db: &Path, id: &str, format: ShowFormat, out: &mut dyn Write) -> Result<()> {
    let id: DeliveryId = id.parse()?;
    let readers = store::open_read_only(db)?;
    match format {
        ShowFormat::Body => out.write_all(&readers.with(|c| store::get_body(c, id))?),
        ShowFormat::Json => {
            let d = readers.with(|c| store::get_delivery(c, id))?;
            let text = serde_json::to_string_pretty(&d).map_err(|e| Error::io("encoding JSON", e.into()))?;
            writeln!(out, "{text}")
        }
        ShowFormat::Text => {
            out.write_all(format::delivery_text(&readers.with(|c| store::get_delivery(c, id))?).as_bytes())
        }
    }
    .and_then(|()| out.flush())
    .map_err(write_error)
}

/// A stored delivery as `hookscope verify --delivery` needs it. The URL is the
/// one the sender addressed, decided as the UI's inspection decides it
/// ([`crate::tunnel::public_url`]); `--url` can still replace it.
pub fn stored_request(db: &Path, id: &str) -> Result<StoredRequest> {
    let id: DeliveryId = id.parse()?;
    let readers = store::open_read_only(db)?;
    let Delivery { head: d, body, .. } = readers.with(|c| store::get_delivery(c, id))?;
    let configured = readers.with(|c| configured_public_url(c, &d.summary.method, &d.summary.path))?;
    let (url, _) =
        crate::tunnel::public_url(&d.headers, &d.summary.path, d.summary.query.as_deref(), configured.as_deref());
    Ok(StoredRequest {
        url,
        method: d.summary.method,
        headers: d.headers,
        body: body.0,
        received_at_us: d.summary.received_at_us,
    })
}

/// The public URL set for the endpoint `path` belongs to (its longest matching
/// prefix, [`endpoint_for`]), as the UI's inspection reads it.
fn configured_public_url(conn: &Connection, method: &str, path: &str) -> Result<Option<String>> {
    let endpoints = store::list_endpoints(conn)?;
    Ok(endpoint_for(&endpoints, method, path).and_then(|e| e.public_url.clone()))
}

/// Logging for the command line: to stderr, `RUST_LOG`-style filters, `default`
/// when RUST_LOG is unset.
pub fn init_logging(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

/// `hookscope open`: a fresh one-time sign-in link from the instance running
/// on `db`, asked of its control API (links live in that process's memory).
pub async fn open(db: &Path, out: &mut dyn Write) -> Result<()> {
    let instance = crate::app::running_instance(db).ok_or_else(|| Error::NotRunning(db.to_owned()))?;
    let link: crate::api::SignInLink = replay::Instance::new(&instance.api_url)?
        .call(reqwest::Method::POST, "/api/sign-in-links", None::<&()>)
        .await?;
    writeln!(out, "{}", link.url).map_err(write_error)
}

fn write_error(e: io::Error) -> Error {
    Error::io("writing output", e)
}
