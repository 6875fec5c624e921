//! The forwarding tables: one row per forwarded delivery (`forwards`), the
//! paused targets, and the forwarder's cursor (in `meta`). See forward/.

use rusqlite::{Connection, OptionalExtension as _, Transaction, params};

use crate::error::Result;
use crate::model::ForwardState;

const CURSOR: &str = "forward_cursor";

/// A delivery as the forwarder first sees it: enough to route it.
#[derive(Debug, Clone)]
pub struct Arrival {
    pub seq: i64,
    pub received_at_us: i64,
    pub method: String,
    pub path: String,
    /// Refused (413, 408, 400): the sender was not acked, so it is not forwarded.
    pub truncated: bool,
}

/// Deliveries after `after`, oldest first. Only the small leading columns
/// are read, so a large body's overflow pages are never touched.
pub fn arrivals(conn: &Connection, after: i64, limit: u32) -> Result<Vec<Arrival>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, received_at_us, method, path, flags FROM deliveries WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![after, limit], |r| {
        Ok(Arrival {
            seq: r.get(0)?,
            received_at_us: r.get(1)?,
            method: r.get(2)?,
            path: r.get(3)?,
            truncated: r.get::<_, i64>(4)? & super::deliveries::FLAG_TRUNCATED != 0,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How far the forwarder has got; `None` before it first ran on this database.
pub fn cursor(conn: &Connection) -> Result<Option<i64>> {
    Ok(conn.query_row("SELECT value FROM meta WHERE key = ?1", [CURSOR], |r| r.get(0)).optional()?)
}

pub fn set_cursor(tx: &Transaction, seq: i64) -> Result<()> {
    tx.prepare_cached("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2")?
        .execute(params![CURSOR, seq])?;
    Ok(())
}

/// One row of `forwards`, as written.
#[derive(Debug, Clone)]
pub struct Row {
    pub delivery: i64,
    pub target: String,
    pub state: ForwardState,
    pub tries: u32,
    pub next_at_us: Option<i64>,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
}

pub fn put(tx: &Transaction, row: &Row, now_us: i64) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO forwards (delivery, target, state, tries, next_at_us, last_status, last_error, updated_at_us)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE EXISTS (SELECT 1 FROM deliveries WHERE seq = ?1)
         ON CONFLICT (delivery) DO UPDATE SET target = ?2, state = ?3, tries = ?4, next_at_us = ?5,
             last_status = coalesce(?6, last_status), last_error = ?7, updated_at_us = ?8",
    )?
    .execute(params![
        row.delivery,
        row.target,
        <&str>::from(row.state),
        row.tries,
        row.next_at_us,
        row.last_status,
        row.last_error,
        now_us
    ])?;
    Ok(())
}

/// A job waiting in the table, to load into its lane at start.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub delivery: i64,
    pub received_at_us: i64,
    pub target: String,
    pub state: ForwardState,
    pub tries: u32,
}

pub fn waiting(conn: &Connection) -> Result<Vec<Waiting>> {
    let mut stmt = conn.prepare_cached(
        "SELECT f.delivery, d.received_at_us, f.target, f.state, f.tries
         FROM forwards f JOIN deliveries d ON d.seq = f.delivery
         WHERE f.state IN ('queued', 'retrying') ORDER BY f.delivery",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Waiting {
            delivery: r.get(0)?,
            received_at_us: r.get(1)?,
            target: r.get(2)?,
            state: r.get::<_, String>(3)?.parse().unwrap_or(ForwardState::Queued),
            tries: r.get::<_, i64>(4)? as u32,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Rows per target and state.
pub fn counts(conn: &Connection) -> Result<Vec<(String, ForwardState, u64)>> {
    let mut stmt = conn.prepare_cached("SELECT target, state, count(*) FROM forwards GROUP BY target, state")?;
    let rows =
        stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)? as u64)))?;
    let mut out = Vec::new();
    for row in rows {
        let (target, state, n) = row?;
        if let Ok(state) = state.parse() {
            out.push((target, state, n));
        }
    }
    Ok(out)
}

/// The targets the user paused.
pub fn paused(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached("SELECT target FROM forward_targets WHERE paused = 1")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn set_paused(tx: &Transaction, target: &str, paused: bool) -> Result<()> {
    tx.execute(
        "INSERT INTO forward_targets (target, paused) VALUES (?1, ?2) ON CONFLICT (target) DO UPDATE SET paused = ?2",
        params![target, paused],
    )?;
    Ok(())
}

/// Moves rows in `from` states (for one target, or all) to `to`; the
/// deliveries moved, with their target, arrival and tries.
pub fn move_states(
    tx: &Transaction,
    target: Option<&str>,
    from: &[ForwardState],
    to: ForwardState,
    now_us: i64,
) -> Result<Vec<Waiting>> {
    let states: Vec<String> = from.iter().map(|s| format!("'{}'", <&str>::from(*s))).collect();
    let sql = format!(
        "UPDATE forwards SET state = ?1, next_at_us = NULL, updated_at_us = ?2
         WHERE state IN ({}) AND (?3 IS NULL OR target = ?3)
         RETURNING delivery, (SELECT received_at_us FROM deliveries WHERE seq = delivery), target, tries",
        states.join(", ")
    );
    let mut stmt = tx.prepare(&sql)?;
    let rows = stmt.query_map(params![<&str>::from(to), now_us, target], |r| {
        Ok(Waiting {
            delivery: r.get(0)?,
            received_at_us: r.get::<_, Option<i64>>(1)?.unwrap_or(now_us),
            target: r.get(2)?,
            state: to,
            tries: r.get::<_, i64>(3)? as u32,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The runs (see `forward_runs`), oldest first.
pub fn runs(conn: &Connection) -> Result<Vec<(i64, Option<String>)>> {
    let mut stmt = conn.prepare_cached("SELECT from_seq, default_target FROM forward_runs ORDER BY from_seq")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Records a run starting after `from_seq`; runs entirely behind `cursor`
/// are forgotten.
pub fn put_run(tx: &Transaction, from_seq: i64, default_target: Option<&str>, cursor: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO forward_runs (from_seq, default_target) VALUES (?1, ?2)
         ON CONFLICT (from_seq) DO UPDATE SET default_target = ?2",
        params![from_seq, default_target],
    )?;
    // A run ends where the next begins; one that ended at or before the cursor is done.
    tx.execute(
        "DELETE FROM forward_runs WHERE from_seq < (SELECT max(from_seq) FROM forward_runs WHERE from_seq <= ?1)",
        [cursor],
    )?;
    Ok(())
}

/// The default target of the run that captured `seq`, from `runs` (oldest first).
pub fn run_target(runs: &[(i64, Option<String>)], seq: i64) -> Option<&(i64, Option<String>)> {
    runs.iter().rev().find(|(from, _)| *from < seq)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_belongs_to_the_run_that_started_before_it() {
        let runs = vec![(0, Some("http://a".to_owned())), (100, None), (250, Some("http://c".to_owned()))];
        let target = |seq| run_target(&runs, seq).and_then(|r| r.1.as_deref());
        assert_eq!(target(1), Some("http://a"));
        assert_eq!(target(100), Some("http://a"), "from_seq itself was stored by the run before");
        assert_eq!(target(101), None);
        assert_eq!(target(251), Some("http://c"));
        assert!(run_target(&runs, 0).is_none());
    }
}
