//! What the `hookscope` commands do, apart from parsing their arguments
//! (main.rs): printing listings and deliveries for people and for pipes.

mod format;
pub mod serve;

use std::io::{self, Write};
use std::path::Path;

use crate::error::{Error, Result};
use crate::model::{Delivery, DeliveryId};
use crate::signature::cli::StoredRequest;
use crate::store::{self, ListFilter};

/// `hookscope list`: newest first; `json` prints one object per line.
pub fn list(db: &Path, limit: u32, json: bool, out: &mut dyn Write) -> Result<()> {
    let readers = store::open_read_only(db)?;
    let page = readers.with(|c| store::list_deliveries(c, &ListFilter { limit, ..Default::default() }))?;
    for d in &page.items {
        if json {
            let line = serde_json::to_string(d).map_err(|e| Error::io("encoding JSON", e.into()))?;
            writeln!(out, "{line}")
        } else {
            writeln!(out, "{}", format::summary_line(d))
        }
        .map_err(write_error)?;
    }
    if !json && page.items.is_empty() {
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

/// A stored delivery as `hookscope verify --delivery` needs it. The URL is
/// rebuilt as the sender addressed it: from `X-Forwarded-Proto`/`-Host` when a
/// tunnel added them, else from `Host`; `--url` can still replace it.
pub fn stored_request(db: &Path, id: &str) -> Result<StoredRequest> {
    let id: DeliveryId = id.parse()?;
    let Delivery { head: d, body, .. } = store::open_read_only(db)?.with(|c| store::get_delivery(c, id))?;
    let header = |name: &str| {
        d.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(&h.value).into_owned())
    };
    let scheme = header("x-forwarded-proto").unwrap_or_else(|| "http".into());
    let host = header("x-forwarded-host").or_else(|| header("host")).unwrap_or_else(|| "localhost".into());
    let query = d.summary.query.as_deref().map(|q| format!("?{q}")).unwrap_or_default();
    Ok(StoredRequest {
        url: format!("{scheme}://{host}{}{query}", d.summary.path),
        method: d.summary.method,
        headers: d.headers.into_iter().map(|h| (h.name, h.value)).collect(),
        body,
        received_at_us: d.summary.received_at_us,
    })
}

fn write_error(e: io::Error) -> Error {
    Error::io("writing output", e)
}
