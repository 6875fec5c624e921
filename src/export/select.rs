//! Which deliveries an export takes (ids, or the list's filters), read one
//! at a time from a connection and written as they are read.

use std::io::Write;

use rusqlite::Connection;

use super::{Format, Item, Writer};
use crate::error::{Error, Result};
use crate::model::{DeliveryId, endpoint_for};
use crate::store::{self, ListFilter, MAX_PAGE};

/// The ids to export, oldest first: `ids` as given, or the newest `limit`
/// matching `filter`.
pub fn select(conn: &Connection, ids: &[DeliveryId], filter: &ListFilter, limit: u64) -> Result<Vec<DeliveryId>> {
    if !ids.is_empty() {
        return Ok(ids.to_vec());
    }
    let mut found = if filter.text.is_some() {
        // Words to search for need the search index: page through the list.
        let mut out = Vec::new();
        let mut page_filter = ListFilter { limit: MAX_PAGE, ..filter.clone() };
        loop {
            let page = store::list_deliveries(conn, &page_filter)?;
            out.extend(page.items.iter().map(|d| d.id));
            match page.next {
                Some(next) if (out.len() as u64) < limit => page_filter.before = Some(next.parse()?),
                _ => break,
            }
        }
        out.truncate(limit as usize);
        out
    } else {
        store::ids_matching(conn, filter, limit)?
    };
    found.reverse();
    Ok(found)
}

/// Writes `ids` in `format` to `out`; how many were written. Each
/// delivery's URL is the one its sender addressed (the public URL behind a
/// tunnel, see [`crate::tunnel::public_url`]).
pub fn write_all(conn: &Connection, ids: &[DeliveryId], format: Format, out: impl Write) -> Result<u64> {
    let endpoints = store::list_endpoints(conn)?;
    let io = |e: std::io::Error| Error::io("writing the export", e);
    let mut writer = Writer::begin(out, format).map_err(io)?;
    let mut n = 0;
    for &id in ids {
        let delivery = store::get_delivery(conn, id)?;
        let s = &delivery.head.summary;
        let configured = endpoint_for(&endpoints, &s.method, &s.path).and_then(|e| e.public_url.clone());
        let (url, _) =
            crate::tunnel::public_url(&delivery.head.headers, &s.path, s.query.as_deref(), configured.as_deref());
        writer.item(&Item { delivery: &delivery, url }).map_err(io)?;
        n += 1;
    }
    writer.end().map_err(io)?;
    Ok(n)
}
