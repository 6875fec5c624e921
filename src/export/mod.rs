//! Deliveries out and in: cURL, HTTPie, raw HTTP, JSON/NDJSON and HAR 1.2.
//! Pure: a delivery and its URL in, bytes out (`write`); bytes in, new
//! deliveries out (`import`). The CLI, the control API and the desktop shell
//! reach it through `api::Api`.

mod curl;
#[doc(hidden)]
pub mod fuzz;
mod har;
mod httpie;
pub mod import;
mod raw;
pub mod select;
#[cfg(test)]
mod tests;

use std::io::{self, Write};

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

use crate::model::Delivery;

pub use import::{ImportError, Imported, parse};

/// What a delivery is written as.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    Serialize,
    Deserialize,
    TS,
    ToSchema,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Format {
    /// A bash command line that sends the same request with curl.
    #[default]
    Curl,
    /// The same with HTTPie (see the README for what it cannot express).
    Httpie,
    /// The HTTP/1.1 request as received: its bytes sent to a server reproduce it.
    Raw,
    /// One JSON object (an array for several).
    Json,
    /// One JSON object per line.
    Ndjson,
    /// HAR 1.2, as browsers' DevTools open it.
    Har,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Curl | Format::Httpie => "sh",
            Format::Raw => "http",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::Har => "har",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Format::Curl | Format::Httpie | Format::Raw => "text/plain; charset=utf-8",
            Format::Json | Format::Har => "application/json",
            Format::Ndjson => "application/x-ndjson",
        }
    }
}

/// A delivery with the URL it was addressed to (the tunnel's public URL
/// when it came through one).
pub struct Item<'d> {
    pub delivery: &'d Delivery,
    pub url: String,
}

/// Writes many deliveries, one at a time, so an export of any size needs the
/// memory of one delivery: `begin`, `item` for each, `end`.
pub struct Writer<W: Write> {
    out: W,
    format: Format,
    count: usize,
}

impl<W: Write> Writer<W> {
    pub fn begin(mut out: W, format: Format) -> io::Result<Self> {
        match format {
            Format::Har => har::begin(&mut out)?,
            Format::Json => out.write_all(b"[")?,
            _ => {}
        }
        Ok(Writer { out, format, count: 0 })
    }

    pub fn item(&mut self, item: &Item<'_>) -> io::Result<()> {
        let first = self.count == 0;
        self.count += 1;
        let out = &mut self.out;
        match self.format {
            Format::Curl => {
                if !first {
                    out.write_all(b"\n")?;
                }
                curl::write(out, item)
            }
            Format::Httpie => {
                if !first {
                    out.write_all(b"\n")?;
                }
                httpie::write(out, item)
            }
            Format::Raw => raw::write(out, item.delivery),
            Format::Json => {
                if !first {
                    out.write_all(b",\n")?;
                }
                serde_json::to_writer(&mut *out, item.delivery).map_err(io::Error::other)
            }
            Format::Ndjson => {
                serde_json::to_writer(&mut *out, item.delivery).map_err(io::Error::other)?;
                out.write_all(b"\n")
            }
            Format::Har => har::entry(out, item, first),
        }
    }

    /// Finishes the document; the writer back.
    pub fn end(mut self) -> io::Result<W> {
        match self.format {
            Format::Har => har::end(&mut self.out)?,
            Format::Json => self.out.write_all(b"]\n")?,
            _ => {}
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// One delivery, whole, in `format` (JSON as a single object).
pub fn one(item: &Item<'_>, format: Format) -> Vec<u8> {
    let mut out = Vec::new();
    let written = match format {
        Format::Json => serde_json::to_writer_pretty(&mut out, item.delivery).map_err(io::Error::other),
        _ => Writer::begin(&mut out, format).and_then(|mut w| w.item(item).and_then(|()| w.end().map(drop))),
    };
    // Writing to memory fails only on a serialisation error, which our types don't have.
    debug_assert!(written.is_ok());
    out
}
