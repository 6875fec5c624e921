//! Queries on the `deliveries` and `path_stats` tables, with hand-written row
//! mapping.

use std::str::FromStr;

use rusqlite::types::Value;
use rusqlite::{
    CachedStatement, Connection, OptionalExtension, Params, Row, Statement, Transaction, params, params_from_iter,
};
use serde::{Deserialize, Serialize};

use super::{search, stats};
use crate::error::{Error, Result};
use crate::model::{
    Base64, Delivery, DeliveryHead, DeliveryId, DeliverySummary, ForwardBadge, ForwardState, Header, NewDelivery,
    Response, SentResponse, decode_headers, encode_headers,
};

pub const FLAG_TRUNCATED: i64 = 1;
pub const FLAG_PINNED: i64 = 2;
pub const FLAG_TLS: i64 = 4;

pub const MAX_PAGE: u32 = 1000;
/// A search that could not reach the newest deliveries counts them up to this.
pub const UNSEARCHED_CAP: u32 = 10_000;

/// The insert a group's deliveries share (the writer prepares it once per group).
pub fn insert_statement<'t>(tx: &'t Transaction) -> rusqlite::Result<CachedStatement<'t>> {
    tx.prepare_cached(
        "INSERT INTO deliveries (seq, received_at_us, method, path, query, status, body_size, content_type,
            flags, http_version, remote_addr, duration_us, response_headers, response_body, headers, body, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    )
}

pub fn insert_delivery(insert: &mut Statement, seq: i64, d: &NewDelivery) -> rusqlite::Result<()> {
    let (resp_headers, resp_body) = match &d.response {
        Response::Ack { .. } => (None, None),
        Response::Other { headers, body, .. } => (Some(encode_headers(headers)), Some(body.as_slice())),
    };
    insert.execute(params![
        seq,
        d.received_at_us,
        d.method,
        d.path,
        d.query,
        d.response.status(),
        d.body_size as i64,
        d.content_type,
        (if d.truncated { FLAG_TRUNCATED } else { 0 }) | (if d.tls { FLAG_TLS } else { 0 }),
        d.http_version,
        d.remote_addr,
        d.duration_us,
        resp_headers,
        resp_body,
        d.headers,
        d.body,
        d.source,
    ])?;
    Ok(())
}

/// Replaces the answer recorded for a delivery; whether it exists.
pub fn set_response(tx: &Transaction, seq: i64, response: &Response) -> rusqlite::Result<bool> {
    let (headers, body) = match response {
        Response::Ack { .. } => (None, None),
        Response::Other { headers, body, .. } => (Some(encode_headers(headers)), Some(body.as_slice())),
    };
    let n = tx.execute(
        "UPDATE deliveries SET status = ?2, response_headers = ?3, response_body = ?4 WHERE seq = ?1",
        params![seq, response.status(), headers, body],
    )?;
    Ok(n > 0)
}

/// A deleted delivery, as the stats need it.
pub struct Removed {
    pub seq: i64,
    pub path: String,
    pub bytes: i64,
}

/// Deletes the matching rows and logs them for the search index.
pub fn delete_where(tx: &Transaction, condition: &str, params: impl Params) -> rusqlite::Result<Vec<Removed>> {
    let sql = format!("DELETE FROM deliveries WHERE {condition} RETURNING seq, path, length(headers) + length(body)");
    let mut stmt = tx.prepare_cached(&sql)?;
    let gone: Vec<Removed> = stmt
        .query_map(params, |r| Ok(Removed { seq: r.get(0)?, path: r.get(1)?, bytes: r.get(2)? }))?
        .collect::<rusqlite::Result<_>>()?;
    let mut log = tx.prepare_cached("INSERT INTO search_deletes (seq, path) VALUES (?1, ?2)")?;
    for r in &gone {
        log.execute(params![r.seq, r.path])?;
        super::attempts::delete_for(tx, r.seq)?;
    }
    Ok(gone)
}

/// Deletes the `n` oldest unpinned deliveries.
pub fn prune_oldest(tx: &Transaction, n: usize) -> rusqlite::Result<Vec<Removed>> {
    delete_where(tx, "seq IN (SELECT seq FROM deliveries WHERE flags & 2 = 0 ORDER BY seq LIMIT ?1)", params![n as i64])
}

/// Deletes every unpinned delivery; the search index is told with one marker
/// (seq 0) rather than a log entry per row.
pub fn clear_unpinned(tx: &Transaction) -> rusqlite::Result<u64> {
    let n = tx.execute("DELETE FROM deliveries WHERE flags & ?1 = 0", [FLAG_PINNED])? as u64;
    tx.execute("INSERT INTO search_deletes (seq, path) VALUES (0, '')", [])?;
    super::attempts::delete_orphans(tx)?;
    Ok(n)
}

pub fn last_delete_logged(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT coalesce(max(id), 0) FROM search_deletes", [], |r| r.get(0))
}

/// Which response statuses to list: one code (`404`) or a class (`4xx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusFilter {
    pub min: u16,
    pub max: u16,
}

impl FromStr for StatusFilter {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::InvalidArgument(format!("status filter {s:?}: use a code like 404 or a class like 4xx"));
        let lower = s.to_ascii_lowercase();
        if let Some(class) = lower.strip_suffix("xx") {
            let d: u16 = class.parse().map_err(|_| bad())?;
            return (1..=5).contains(&d).then_some(StatusFilter { min: d * 100, max: d * 100 + 99 }).ok_or_else(bad);
        }
        let code: u16 = lower.parse().map_err(|_| bad())?;
        (100..=599).contains(&code).then_some(StatusFilter { min: code, max: code }).ok_or_else(bad)
    }
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Page size; capped at [`MAX_PAGE`].
    pub limit: u32,
    /// Keyset cursor: list deliveries older than this one.
    pub before: Option<DeliveryId>,
    pub method: Option<String>,
    pub path_prefix: Option<String>,
    pub status: Option<StatusFilter>,
    /// Words to find in path, headers or text body (full-text search).
    pub text: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, ts_rs::TS, utoipa::ToSchema)]
pub struct Page<T = DeliverySummary> {
    pub items: Vec<T>,
    /// The cursor for the next (older) page, if there is one.
    pub next: Option<String>,
    /// Full-text searches only: how many of the newest deliveries the search
    /// index had not reached, so were not searched; counted up to
    /// [`UNSEARCHED_CAP`] (which means that many or more).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub unsearched: Option<u64>,
    /// First pages only: how many deliveries match the filters in all;
    /// exact without filters or with only a path prefix, else counted up to
    /// [`TOTAL_CAP`] (which then means that many or more).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub total: Option<u64>,
}

/// Where counting matches under filters stops: a first page counts at most
/// this many rows (about 3 ms at 1M stored; 100,000 took 30 ms, on every
/// first page of a status filter or a common word).
pub const TOTAL_CAP: u64 = 10_000;

const SUMMARY_COLUMNS: &str = "d.seq, d.received_at_us, d.method, d.path, d.query, d.status, d.body_size, \
     d.content_type, d.flags, a.provider, a.verdict, a.event_id";
/// Other deliveries of the same event, counted up to 99: a retry storm of one
/// event must not make every row of every page count all of them (80,000 of
/// one Stripe event made a page of 500 take 3 s).
const REDELIVERIES: &str =
    "(SELECT count(*) FROM (SELECT 1 FROM search.analysis x WHERE x.event_id = a.event_id LIMIT 100))";
/// Summaries take their inspection from the search database when it is there.
const WITH_ANALYSIS: &str = "LEFT JOIN search.analysis a ON a.seq = d.seq LEFT JOIN forwards fw ON fw.delivery = d.seq";
const WITHOUT_ANALYSIS: &str = "LEFT JOIN (SELECT NULL AS seq, NULL AS provider, NULL AS verdict, NULL AS event_id) a \
     LEFT JOIN forwards fw ON fw.delivery = d.seq";
/// The forward state (forward.rs), from its row when the forwarder has written one.
const FORWARD_COLUMNS: &str = "fw.state, fw.target, fw.tries, fw.next_at_us, fw.last_status, fw.last_error";
const SUMMARY_WIDTH: usize = 19;

fn summary_sql(conn: &Connection) -> rusqlite::Result<(String, &'static str)> {
    Ok(if search_attached(conn)? {
        (format!("{SUMMARY_COLUMNS}, {REDELIVERIES}, {FORWARD_COLUMNS}"), WITH_ANALYSIS)
    } else {
        (format!("{SUMMARY_COLUMNS}, 0, {FORWARD_COLUMNS}"), WITHOUT_ANALYSIS)
    })
}

fn summary_from_row(r: &Row) -> rusqlite::Result<DeliverySummary> {
    let flags: i64 = r.get(8)?;
    Ok(DeliverySummary {
        id: DeliveryId(r.get(0)?),
        received_at_us: r.get(1)?,
        method: r.get(2)?,
        path: r.get(3)?,
        query: r.get(4)?,
        status: r.get(5)?,
        body_size: r.get::<_, i64>(6)? as u64,
        content_type: r.get(7)?,
        truncated: flags & FLAG_TRUNCATED != 0,
        pinned: flags & FLAG_PINNED != 0,
        provider: r.get(9)?,
        verdict: r.get(10)?,
        event_id: r.get(11)?,
        duplicates: r.get::<_, Option<i64>>(12)?.unwrap_or(0).max(1) as u64 - 1,
        forward: forward_badge(r, 13)?,
    })
}

/// The forward badge in columns `at..at + 6` ([`FORWARD_COLUMNS`]).
pub(super) fn forward_badge(r: &Row, at: usize) -> rusqlite::Result<Option<ForwardBadge>> {
    let Some(state) = r.get::<_, Option<String>>(at)? else { return Ok(None) };
    Ok(Some(ForwardBadge {
        state: state.parse().unwrap_or(ForwardState::Queued),
        target: r.get(at + 1)?,
        tries: r.get::<_, i64>(at + 2)? as u32,
        next_at_us: r.get(at + 3)?,
        last_status: r.get(at + 4)?,
        last_error: r.get(at + 5)?,
    }))
}

/// Newest first, by keyset (never OFFSET), so every page costs the same.
pub fn list_deliveries(conn: &Connection, filter: &ListFilter) -> Result<Page> {
    let limit = filter.limit.clamp(1, MAX_PAGE);
    let q = Matching::new(conn, filter, true)?;
    let (columns, join) = summary_sql(conn)?;
    let sql = format!(
        "SELECT {columns} FROM {} {join} {} ORDER BY {} DESC LIMIT {}",
        q.from,
        q.where_clause(),
        q.key,
        limit + 1
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut items: Vec<DeliverySummary> =
        stmt.query_map(params_from_iter(q.values), summary_from_row)?.collect::<rusqlite::Result<_>>()?;
    let next = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|d| d.id.to_string())
    } else {
        None
    };
    Ok(Page { items, next, unsearched: None, total: None })
}

/// How many deliveries match `filter` (its cursor ignored), counted up to
/// `cap`: the list's "N match" under filters the stats table can't answer.
pub fn count_matching(conn: &Connection, filter: &ListFilter, cap: u64) -> Result<u64> {
    let q = Matching::new(conn, filter, false)?;
    let sql = format!("SELECT count(*) FROM (SELECT 1 FROM {} {} LIMIT {cap})", q.from, q.where_clause());
    let n: i64 = conn.prepare_cached(&sql)?.query_row(params_from_iter(q.values), |r| r.get(0))?;
    Ok(n as u64)
}

/// The FROM and WHERE of a listing, and its bound values.
struct Matching {
    from: &'static str,
    key: &'static str,
    conditions: Vec<String>,
    values: Vec<Value>,
}

impl Matching {
    fn new(conn: &Connection, filter: &ListFilter, with_cursor: bool) -> Result<Self> {
        let mut conditions: Vec<String> = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        let bind = |v: Value, values: &mut Vec<Value>| {
            values.push(v);
            format!("?{}", values.len())
        };
        let fts = match filter.text.as_deref().and_then(search::to_fts_query) {
            Some(q) => {
                let p = bind(Value::Text(q), &mut values);
                conditions.push(format!("f.delivery_fts MATCH {p}"));
                true
            }
            None => false,
        };
        // With a text query the full-text index drives the scan (its rowids are
        // the deliveries' seq), newest first, stopping at the page's end.
        let key = if fts { "f.rowid" } else { "d.seq" };
        if let Some(before) = filter.before.filter(|_| with_cursor) {
            let p = bind(Value::Integer(before.0), &mut values);
            conditions.push(format!("{key} < {p}"));
        }
        if let Some(method) = &filter.method {
            let p = bind(Value::Text(method.to_ascii_uppercase()), &mut values);
            conditions.push(format!("d.method = {p}"));
        }
        if let Some(prefix) = filter.path_prefix.as_deref().filter(|p| !p.is_empty()) {
            let lo = bind(Value::Text(prefix.to_owned()), &mut values);
            let hi = bind(Value::Text(format!("{prefix}\u{10FFFF}")), &mut values);
            let (matching, total) = prefix_share(conn, prefix)?;
            if matching * 100 < total && search_attached(conn)? {
                // A rare prefix: its deliveries from the search database's path
                // index, plus the few the indexer has not reached yet.
                conditions.push(format!(
                    "d.seq IN (SELECT seq FROM search.path_index WHERE path >= {lo} AND path < {hi}
                               UNION ALL
                               SELECT seq FROM deliveries
                               WHERE seq > (SELECT value FROM search.progress WHERE key = 'indexed')
                                 AND path >= {lo} AND path < {hi})"
                ));
            } else {
                // A common one: walking newest-first and skipping the few misses
                // is fast.
                conditions.push(format!("d.path >= {lo} AND d.path < {hi}"));
            }
        }
        if let Some(status) = filter.status {
            let lo = bind(Value::Integer(status.min.into()), &mut values);
            let hi = bind(Value::Integer(status.max.into()), &mut values);
            conditions.push(format!("d.status BETWEEN {lo} AND {hi}"));
        }
        if fts && !search_attached(conn)? {
            return Err(Error::InvalidArgument("full-text search is not available without the search index".into()));
        }
        let from = if fts { "search.delivery_fts f JOIN deliveries d ON d.seq = f.rowid" } else { "deliveries d" };
        Ok(Matching { from, key, conditions, values })
    }

    fn where_clause(&self) -> String {
        if self.conditions.is_empty() { String::new() } else { format!("WHERE {}", self.conditions.join(" AND ")) }
    }
}

fn search_attached(conn: &Connection) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT count(*) FROM pragma_database_list WHERE name = 'search'")?
        .query_row([], |r| r.get::<_, i64>(0))
        .map(|n| n > 0)
}

/// How many deliveries have a path starting with `prefix`, and how many in all.
fn prefix_share(conn: &Connection, prefix: &str) -> rusqlite::Result<(i64, i64)> {
    // The stats table may lag the newest second of deliveries; for choosing
    // a query plan that is close enough.
    let matching = stats::table_sum(conn, Some(prefix))?.count as i64;
    let total = stats::table_sum(conn, None)?.count as i64;
    Ok((matching, total))
}

/// Deliveries with `after < seq <= upto`, newest first (what a live view has
/// not seen yet, up to a commit it was told about).
pub fn list_between(conn: &Connection, after: i64, upto: i64, limit: u32) -> Result<Vec<DeliverySummary>> {
    let (columns, join) = summary_sql(conn)?;
    let sql = format!(
        "SELECT {columns} FROM deliveries d {join} WHERE d.seq > ?1 AND d.seq <= ?2 ORDER BY d.seq DESC LIMIT ?3"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let items = stmt.query_map(params![after, upto, limit], summary_from_row)?.collect::<rusqlite::Result<_>>()?;
    Ok(items)
}

pub fn count_between(conn: &Connection, after: i64, upto: i64) -> Result<u64> {
    let n: i64 =
        conn.query_row("SELECT count(*) FROM deliveries WHERE seq > ?1 AND seq <= ?2", [after, upto], |r| r.get(0))?;
    Ok(n as u64)
}

/// How many deliveries have `seq > after`, counted up to `cap`: the rows
/// counted are walked, and after a flood there can be a million.
pub fn count_newer(conn: &Connection, after: i64, cap: u32) -> Result<u64> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM (SELECT 1 FROM deliveries WHERE seq > ?1 LIMIT ?2)")?
        .query_row(params![after, cap], |r| r.get(0))?;
    Ok(n as u64)
}

/// Everything stored about a delivery but its body, which is not even read:
/// views that show the bytes fetch them with [`get_body`].
pub fn get_head(conn: &Connection, id: DeliveryId) -> Result<DeliveryHead> {
    let (columns, join) = summary_sql(conn)?;
    let sql = format!(
        "SELECT {columns}, d.http_version, d.remote_addr, d.duration_us, d.response_headers,
                d.response_body, d.headers, d.source
         FROM deliveries d {join} WHERE d.seq = ?1"
    );
    conn.prepare_cached(&sql)?
        .query_row([id.0], |r| {
            let summary = summary_from_row(r)?;
            let w = SUMMARY_WIDTH;
            let response_headers: Option<Vec<u8>> = r.get(w + 3)?;
            let response_body: Option<Vec<u8>> = r.get(w + 4)?;
            let response = match (response_headers, response_body) {
                (None, None) => SentResponse {
                    status: summary.status,
                    headers: vec![Header::new("content-type", "application/json")],
                    body: Response::ack_body(summary.id),
                },
                (h, b) => SentResponse {
                    status: summary.status,
                    headers: decode_headers(&h.unwrap_or_default()),
                    body: String::from_utf8_lossy(&b.unwrap_or_default()).into_owned(),
                },
            };
            Ok(DeliveryHead {
                http_version: r.get(w)?,
                remote_addr: r.get(w + 1)?,
                duration_us: r.get(w + 2)?,
                headers: decode_headers(r.get_ref(w + 5)?.as_blob()?),
                response,
                source: r.get(w + 6)?,
                tls: r.get::<_, i64>(8)? & FLAG_TLS != 0,
                summary,
            })
        })
        .optional()?
        .ok_or_else(|| Error::not_found("delivery", id))
}

pub fn get_delivery(conn: &Connection, id: DeliveryId) -> Result<Delivery> {
    let head = get_head(conn, id)?;
    let body = get_body(conn, id)?;
    Ok(Delivery { head, body_text: std::str::from_utf8(&body).ok().map(str::to_owned), body: Base64(body) })
}

/// Only the body bytes, without copying the rest of the row.
pub fn get_body(conn: &Connection, id: DeliveryId) -> Result<Vec<u8>> {
    conn.prepare_cached("SELECT body FROM deliveries WHERE seq = ?1")?
        .query_row([id.0], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::not_found("delivery", id))
}

/// Other deliveries inspected as the same event, newest first.
pub fn same_event(conn: &Connection, event_id: &str, except: i64) -> Result<Vec<DeliveryId>> {
    if !search_attached(conn)? {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare_cached(
        "SELECT a.seq FROM search.analysis a JOIN deliveries d ON d.seq = a.seq
         WHERE a.event_id = ?1 AND a.seq != ?2 ORDER BY a.seq DESC LIMIT 100",
    )?;
    let ids =
        stmt.query_map(params![event_id, except], |r| Ok(DeliveryId(r.get(0)?)))?.collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// A delivery as a replay needs it: what arrived, without its inspection or
/// redelivery count (a bulk replay reads thousands; the count alone is a
/// hundred rows for a retried event).
pub fn get_for_replay(conn: &Connection, id: DeliveryId) -> Result<Delivery> {
    // The summary's columns in `summary_from_row`'s order, the inspection left empty.
    let mut stmt = conn.prepare_cached(
        "SELECT seq, received_at_us, method, path, query, status, body_size, content_type, flags,
                NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, http_version, remote_addr, duration_us, headers, body
         FROM deliveries WHERE seq = ?1",
    )?;
    stmt.query_row([id.0], |r| {
        let summary = summary_from_row(r)?;
        let w = SUMMARY_WIDTH;
        let response = SentResponse { status: summary.status, headers: Vec::new(), body: String::new() };
        Ok(Delivery {
            head: DeliveryHead {
                http_version: r.get(w)?,
                remote_addr: r.get(w + 1)?,
                duration_us: r.get(w + 2)?,
                headers: decode_headers(r.get_ref(w + 3)?.as_blob()?),
                response,
                source: None,
                tls: r.get::<_, i64>(8)? & FLAG_TLS != 0,
                summary,
            },
            body: Base64(r.get(w + 4)?),
            body_text: None,
        })
    })
    .optional()?
    .ok_or_else(|| Error::not_found("delivery", id))
}

/// The ids of the newest `limit` deliveries matching a filter, newest first,
/// straight from the table (no search index): what a bulk replay without
/// words to search for sends.
pub fn ids_matching(conn: &Connection, f: &ListFilter, limit: u64) -> Result<Vec<DeliveryId>> {
    let mut sql = String::from("SELECT seq FROM deliveries WHERE 1");
    let mut args: Vec<Value> = Vec::new();
    if let Some(m) = &f.method {
        sql.push_str(" AND method = ?");
        args.push(m.clone().into());
    }
    if let Some(p) = &f.path_prefix {
        sql.push_str(" AND substr(path, 1, length(?)) = ?");
        args.push(p.clone().into());
        args.push(p.clone().into());
    }
    if let Some(s) = &f.status {
        sql.push_str(" AND status BETWEEN ? AND ?");
        args.push(i64::from(s.min).into());
        args.push(i64::from(s.max).into());
    }
    sql.push_str(" ORDER BY seq DESC LIMIT ?");
    args.push(i64::try_from(limit).unwrap_or(i64::MAX).into());
    let mut stmt = conn.prepare(&sql)?;
    let ids = stmt
        .query_map(rusqlite::params_from_iter(args), |r| Ok(DeliveryId(r.get(0)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}
