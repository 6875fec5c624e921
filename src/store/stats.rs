//! Counts and bytes per path. Kept in `path_stats` so that stats, retention
//! and prefix counts never scan the deliveries table, but written there only
//! about once a second: rewriting that table's page in every group commit
//! would add a page to each commit's WAL write, and the WAL's volume is what
//! the ack latency pays for. Inserts since the last write are held here in
//! memory (`pending`), and `meta.stats_cursor` records the last delivery the
//! table covers, so a restart after a crash recounts only the rows after it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, ts_rs::TS, utoipa::ToSchema)]
pub struct Stats {
    pub count: u64,
    /// Header and body bytes stored.
    pub bytes: u64,
}

/// (count, bytes) changes per path.
pub type Deltas = HashMap<String, (i64, i64)>;

#[derive(Debug, Default)]
struct Shared {
    /// Changes for deliveries after `cursor`, not yet in the table.
    pending: Deltas,
    totals: Stats,
}

/// The writer's view of the stats, shared with readers of the store.
#[derive(Debug, Clone, Default)]
pub struct PathStats {
    shared: Arc<Mutex<Shared>>,
}

impl PathStats {
    /// Loads the table's totals and recounts what came after its cursor.
    pub fn load(conn: &Connection) -> rusqlite::Result<(PathStats, i64)> {
        let cursor = cursor(conn)?;
        let mut pending = Deltas::new();
        let mut stmt = conn.prepare(
            "SELECT path, count(*), sum(length(headers) + length(body)) FROM deliveries WHERE seq > ?1 GROUP BY path",
        )?;
        let rows = stmt.query_map([cursor], |r| Ok((r.get::<_, String>(0)?, (r.get(1)?, r.get(2)?))))?;
        for row in rows {
            let (path, delta) = row?;
            pending.insert(path, delta);
        }
        let table = table_sum(conn, None)?;
        let mut totals = table;
        add(&mut totals, pending.values());
        let stats = PathStats { shared: Arc::new(Mutex::new(Shared { pending, totals })) };
        Ok((stats, cursor))
    }

    pub fn totals(&self) -> Stats {
        self.shared.lock().map(|s| s.totals).unwrap_or_default()
    }

    /// Adds a committed group's changes.
    pub fn merge(&self, deltas: Deltas) {
        if let Ok(mut s) = self.shared.lock() {
            add(&mut s.totals, deltas.values());
            for (path, (c, b)) in deltas {
                let e = s.pending.entry(path).or_default();
                e.0 += c;
                e.1 += b;
            }
        }
    }

    /// Changes already applied to the table (deletions it covered).
    pub fn table_changed(&self, deltas: &Deltas) {
        if let Ok(mut s) = self.shared.lock() {
            add(&mut s.totals, deltas.values());
        }
    }

    pub fn has_pending(&self) -> bool {
        self.shared.lock().map(|s| !s.pending.is_empty()).unwrap_or(false)
    }

    /// Writes the pending changes into the table, covering up to `last_seq`.
    /// The caller commits `tx`, then calls `written`.
    pub fn write(&self, tx: &Transaction, last_seq: i64) -> rusqlite::Result<Deltas> {
        let pending = self.shared.lock().map(|s| s.pending.clone()).unwrap_or_default();
        apply(tx, &pending)?;
        tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('stats_cursor', ?1)", [last_seq])?;
        Ok(pending)
    }

    /// Forgets what `write` put in the table (once its transaction committed).
    pub fn written(&self, deltas: &Deltas) {
        if let Ok(mut s) = self.shared.lock() {
            for (path, (c, b)) in deltas {
                if let Some(e) = s.pending.get_mut(path) {
                    e.0 -= c;
                    e.1 -= b;
                    if *e == (0, 0) {
                        s.pending.remove(path);
                    }
                }
            }
        }
    }

    /// After a clear: the table was rebuilt from what is left.
    pub fn reset(&self, conn: &Connection) -> rusqlite::Result<()> {
        let totals = table_sum(conn, None)?;
        if let Ok(mut s) = self.shared.lock() {
            s.pending.clear();
            s.totals = totals;
        }
        Ok(())
    }

    /// Count and bytes of everything, or of the paths starting with a prefix:
    /// the table plus what is pending.
    pub fn query(&self, conn: &Connection, prefix: Option<&str>) -> rusqlite::Result<Stats> {
        let Some(prefix) = prefix.filter(|p| !p.is_empty()) else {
            return Ok(self.totals());
        };
        let mut stats = table_sum(conn, Some(prefix))?;
        if let Ok(s) = self.shared.lock() {
            add(&mut stats, s.pending.iter().filter(|(p, _)| p.starts_with(prefix)).map(|(_, d)| d));
        }
        Ok(stats)
    }
}

fn add<'a>(stats: &mut Stats, deltas: impl Iterator<Item = &'a (i64, i64)>) {
    for (c, b) in deltas {
        stats.count = stats.count.saturating_add_signed(*c);
        stats.bytes = stats.bytes.saturating_add_signed(*b);
    }
}

fn cursor(conn: &Connection) -> rusqlite::Result<i64> {
    Ok(conn.query_row("SELECT value FROM meta WHERE key = 'stats_cursor'", [], |r| r.get(0)).optional()?.unwrap_or(0))
}

/// Applies changes to the table directly (deletions of deliveries it covers).
pub fn apply(tx: &Transaction, deltas: &Deltas) -> rusqlite::Result<()> {
    let mut upsert = tx.prepare_cached(
        "INSERT INTO path_stats (path, count, bytes) VALUES (?1, ?2, ?3)
         ON CONFLICT (path) DO UPDATE SET count = count + excluded.count, bytes = bytes + excluded.bytes",
    )?;
    let mut drop_empty = tx.prepare_cached("DELETE FROM path_stats WHERE path = ?1 AND count <= 0")?;
    for (path, (count, bytes)) in deltas {
        upsert.execute(params![path, count, bytes])?;
        if *count < 0 {
            drop_empty.execute([path])?;
        }
    }
    Ok(())
}

pub fn rebuild(tx: &Transaction, last_seq: i64) -> rusqlite::Result<()> {
    tx.execute_batch(
        "DELETE FROM path_stats;
         INSERT INTO path_stats (path, count, bytes)
             SELECT path, count(*), sum(length(headers) + length(body)) FROM deliveries GROUP BY path;",
    )?;
    tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('stats_cursor', ?1)", [last_seq])?;
    Ok(())
}

/// The table's sums (not counting what is pending).
pub fn table_sum(conn: &Connection, prefix: Option<&str>) -> rusqlite::Result<Stats> {
    let map = |r: &rusqlite::Row| Ok(Stats { count: r.get::<_, i64>(0)? as u64, bytes: r.get::<_, i64>(1)? as u64 });
    match prefix {
        None => conn.query_row("SELECT coalesce(sum(count), 0), coalesce(sum(bytes), 0) FROM path_stats", [], map),
        Some(prefix) => conn.query_row(
            "SELECT coalesce(sum(count), 0), coalesce(sum(bytes), 0) FROM path_stats WHERE path >= ?1 AND path < ?2",
            params![prefix, format!("{prefix}\u{10FFFF}")],
            map,
        ),
    }
}
