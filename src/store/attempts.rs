//! The attempts table: every send of a stored delivery, and the last target
//! used per endpoint.

use rusqlite::{Connection, OptionalExtension as _, Row, Transaction, params};

use crate::error::{Error, Result};
use crate::model::{
    Attempt, AttemptId, AttemptSummary, DeliveryId, NewAttempt, Origin, Sent, decode_headers, encode_headers,
};
use crate::outbound::{SendError, SendErrorKind};

const SUMMARY: &str =
    "seq, delivery, origin, method, url, status, error_kind, error_message, duration_us, resigned, warnings";

/// The newest attempt's seq, so the next one sorts after it.
pub fn last_seq(tx: &Transaction) -> Result<i64> {
    Ok(tx.prepare_cached("SELECT coalesce(max(seq), 0) FROM attempts")?.query_row([], |r| r.get(0))?)
}

/// Inserts an attempt after `last` (see [`last_seq`]); its id.
pub fn insert_attempt(tx: &Transaction, a: &NewAttempt, last: i64) -> Result<AttemptId> {
    let seq = a.started_at_us.max(last + 1);
    let (status, error, response) = match &a.outcome {
        Ok(r) => (Some(r.status), None, Some(r)),
        Err(e) => (None, Some(e), None),
    };
    let json = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
    tx.prepare_cached(
        "INSERT INTO attempts (seq, delivery, origin, method, url, status, error_kind, error_message, duration_us,
             resigned, warnings, response_truncated, request_headers, request_body, response_headers, response_body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?
    .execute(params![
        seq,
        a.delivery.0,
        <&str>::from(a.origin),
        a.method,
        a.url,
        status,
        error.map(|e| <&str>::from(e.kind)),
        error.map(|e| e.message.as_str()),
        a.duration_us,
        json(&a.resigned),
        json(&a.warnings),
        response.is_some_and(|r| r.truncated),
        encode_headers(&a.request_headers),
        // NULL: the delivery's own body (read back through it).
        (!a.body_as_captured).then_some(a.request_body.as_slice()),
        response.map(|r| encode_headers(&r.headers)),
        response.map(|r| r.body.as_slice()),
    ])?;
    Ok(AttemptId(seq))
}

fn summary(r: &Row) -> rusqlite::Result<AttemptSummary> {
    let seq: i64 = r.get(0)?;
    let origin: String = r.get(2)?;
    let kind: Option<String> = r.get(6)?;
    let error = match kind {
        Some(kind) => Some(SendError {
            kind: kind.parse().unwrap_or(SendErrorKind::Protocol),
            message: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
        }),
        None => None,
    };
    let list =
        |i| -> rusqlite::Result<Vec<String>> { Ok(serde_json::from_str(&r.get::<_, String>(i)?).unwrap_or_default()) };
    Ok(AttemptSummary {
        id: AttemptId(seq),
        delivery: DeliveryId(r.get(1)?),
        origin: origin.parse().unwrap_or(Origin::Replay),
        method: r.get(3)?,
        url: r.get(4)?,
        status: r.get(5)?,
        error,
        duration_ms: r.get::<_, i64>(8)? as f64 / 1000.0,
        started_at: crate::model::rfc3339(seq),
        started_at_us: seq,
        resigned: list(9)?,
        warnings: list(10)?,
    })
}

/// A delivery's attempts, oldest first.
pub fn list_attempts(conn: &Connection, delivery: DeliveryId) -> Result<Vec<AttemptSummary>> {
    let sql = format!("SELECT {SUMMARY} FROM attempts WHERE delivery = ?1 ORDER BY seq");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([delivery.0], summary)?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub fn get_attempt(conn: &Connection, id: AttemptId) -> Result<Attempt> {
    let sql = format!(
        "SELECT {SUMMARY}, request_headers,
                coalesce(request_body, (SELECT body FROM deliveries d WHERE d.seq = attempts.delivery), x''),
                response_headers, response_body, response_truncated
         FROM attempts WHERE seq = ?1"
    );
    conn.query_row(&sql, [id.0], |r| {
        let request = Sent::new(decode_headers(&r.get::<_, Vec<u8>>(11)?), r.get(12)?, false);
        let response = match r.get::<_, Option<Vec<u8>>>(13)? {
            Some(headers) => Some(Sent::new(decode_headers(&headers), r.get(14)?, r.get(15)?)),
            None => None,
        };
        Ok(Attempt { summary: summary(r)?, request, response })
    })
    .optional()?
    .ok_or_else(|| Error::not_found("attempt", id))
}

/// The attempts of deleted deliveries go with them.
pub fn delete_orphans(tx: &Transaction) -> rusqlite::Result<usize> {
    tx.execute("DELETE FROM drafts WHERE delivery NOT IN (SELECT seq FROM deliveries)", [])?;
    tx.execute("DELETE FROM forwards WHERE delivery NOT IN (SELECT seq FROM deliveries)", [])?;
    tx.execute("DELETE FROM attempts WHERE delivery NOT IN (SELECT seq FROM deliveries)", [])
}

pub fn delete_for(tx: &Transaction, delivery: i64) -> rusqlite::Result<usize> {
    tx.prepare_cached("DELETE FROM drafts WHERE delivery = ?1")?.execute([delivery])?;
    tx.prepare_cached("DELETE FROM forwards WHERE delivery = ?1")?.execute([delivery])?;
    tx.prepare_cached("DELETE FROM attempts WHERE delivery = ?1")?.execute([delivery])
}

pub fn last_target(conn: &Connection, scope: &str) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT url FROM replay_targets WHERE scope = ?1", [scope], |r| r.get(0)).optional()?)
}

pub fn set_last_target(tx: &Transaction, scope: &str, url: &str) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO replay_targets (scope, url) VALUES (?1, ?2) ON CONFLICT (scope) DO UPDATE SET url = ?2",
    )?
    .execute([scope, url])
    .map(drop)
}

/// A delivery's drafts: (name, request JSON, updated), newest first.
pub fn list_drafts(conn: &Connection, delivery: DeliveryId) -> Result<Vec<(String, String, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT name, request, updated_at_us FROM drafts WHERE delivery = ?1 ORDER BY updated_at_us DESC",
    )?;
    let rows =
        stmt.query_map([delivery.0], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub fn put_draft(
    tx: &Transaction,
    delivery: DeliveryId,
    name: &str,
    request: &str,
    now_us: i64,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO drafts (delivery, name, request, updated_at_us) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (delivery, name) DO UPDATE SET request = ?3, updated_at_us = ?4",
    )?
    .execute(params![delivery.0, name, request, now_us])
    .map(drop)
}

pub fn delete_draft(tx: &Transaction, delivery: DeliveryId, name: &str) -> rusqlite::Result<bool> {
    Ok(tx.prepare_cached("DELETE FROM drafts WHERE delivery = ?1 AND name = ?2")?.execute(params![delivery.0, name])?
        > 0)
}
