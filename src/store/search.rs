//! Full-text search (FTS5) over path, headers and text bodies, the index of
//! deliveries by path, and each delivery's inspection (provider, event id,
//! signature verdict; see inspect.rs).
//!
//! The index lives in its own database file (`<db>-search`) with its own
//! thread and write lock, so indexing never waits for, nor makes wait, the
//! writer that acknowledges captures. It follows the deliveries table by
//! sequence number (which is commit order, so nothing is skipped) and the
//! writer's `search_deletes` log. It runs at the lowest CPU priority, and while
//! captures stream in it works in small steps with long rests (a 256-row step
//! alongside a single-connection flood was enough to push the capture p99 past
//! 3 ms); when they pause it catches up in large steps. Searches see deliveries
//! moments after their ack, or moments after a flood ends.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use tokio::sync::watch;

use super::Committed;
use super::activity::Activity;
use crate::error::{Error, Result};
use crate::inspect;
use crate::model::Endpoint;
use crate::model::decode_headers;

/// Bodies are indexed up to this many bytes: enough to find an event by any
/// field of a normal payload without a 25 MiB body stalling the index.
const MAX_INDEXED_BODY: usize = 1024 * 1024;
/// How a step runs.
#[derive(Clone, Copy)]
struct Pace {
    /// Deliveries per step.
    rows: i64,
    /// Whether to give up the CPU after every row (see [`give_way`]).
    polite: bool,
}
/// While captures stream in: small steps, the CPU given up after each row.
const BUSY: Pace = Pace { rows: 32, polite: true };
/// While they pause: large steps straight through. Yielding here too made a
/// starved indexer (beside a build, say) wait a whole scheduler turn per row:
/// 40 rows/s beside two CPU hogs.
const QUIET: Pace = Pace { rows: 1024, polite: false };
const IDLE_POLL: Duration = Duration::from_millis(25);
/// While captures stream in, the indexer rests this many times as long as it
/// worked, leaving nine tenths of the CPU to capture; up to [`MAX_BUSY_REST`].
const BUSY_REST_FACTOR: u32 = 9;
/// On a machine busy with something else a 32-row step can take a second of
/// wall time (a scheduler turn for every row it gives way), and a rest nine
/// times that left search and the signature badges ever further behind.
const MAX_BUSY_REST: Duration = Duration::from_millis(100);
/// A step stops early once it has read from the deliveries this long. At nice
/// 19 on a machine busy with something else (a build beside Hookscope), a
/// step took seconds of wall time, and its read transaction held that long
/// kept the checkpointer from trimming the WAL after a burst.
const STEP_WALL_BUDGET: Duration = Duration::from_millis(20);
/// Rows a step does before its budget counts: on a starved machine one row
/// alone outlasts the budget, and one-row steps spent most of the indexer's
/// sliver of CPU on committing (50 rows/s beside two CPU hogs).
const STEP_MIN_ROWS: i64 = 64;

const SCHEMA: &str = "
CREATE VIRTUAL TABLE IF NOT EXISTS delivery_fts USING fts5 (
    path, headers, body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS path_index (
    path TEXT    NOT NULL,
    seq  INTEGER NOT NULL,
    PRIMARY KEY (path, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS analysis (
    seq      INTEGER PRIMARY KEY,
    provider TEXT,
    event_id TEXT,
    verdict  TEXT
);
CREATE INDEX IF NOT EXISTS analysis_event ON analysis (event_id) WHERE event_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS progress (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
";

pub fn search_path(db: &Path) -> PathBuf {
    super::sibling(db, "-search")
}

/// How far the index has caught up, shared with the writer (to trim its
/// deletion log) and with `Store::flush`.
#[derive(Debug, Default)]
pub struct Progress {
    pub indexed: AtomicI64,
    pub analyzed: AtomicI64,
    pub deletes_done: AtomicI64,
    /// The endpoint settings version the verdicts were computed with.
    pub endpoints_seen: AtomicU64,
}

pub struct Indexer {
    stop: Arc<AtomicBool>,
}

impl Indexer {
    pub fn start(
        db: &Path,
        committed: watch::Receiver<Committed>,
        activity: Arc<Activity>,
        progress: Arc<Progress>,
    ) -> Result<Indexer> {
        let index = match open_index(db) {
            Ok(conn) => conn,
            // The index is derived data: if it is unreadable or of another
            // version, rebuild it.
            Err(e) => {
                tracing::info!(reason = %e, "rebuilding the search index");
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(super::sibling(&search_path(db), suffix));
                }
                open_index(db)?
            }
        };
        let source = super::read_only_connection(db)?;
        let fresh = read_progress(&index, "indexed")?.is_none();
        if fresh {
            // A new (or rebuilt) index owes nothing to the deletion log so far.
            let last_delete: i64 =
                source.query_row("SELECT coalesce(max(id), 0) FROM search_deletes", [], |r| r.get(0))?;
            write_progress(&index, "deletes_done", last_delete)?;
            write_progress(&index, "indexed", 0)?;
        }
        progress.indexed.store(read_progress(&index, "indexed")?.unwrap_or(0), Ordering::Relaxed);
        progress.analyzed.store(read_progress(&index, "analyzed")?.unwrap_or(0), Ordering::Relaxed);
        let endpoints = super::endpoints::list_endpoints(&source)?;
        progress.endpoints_seen.store(committed.borrow().endpoints, Ordering::Relaxed);
        progress.deletes_done.store(read_progress(&index, "deletes_done")?.unwrap_or(0), Ordering::Relaxed);

        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let mut worker = Worker { index, source, committed, progress, endpoints };
        std::thread::Builder::new()
            .name("hookscope-index".into())
            .spawn(move || {
                lowest_priority();
                while !flag.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    let busy = !activity.quiet();
                    let pace = if busy { BUSY } else { QUIET };
                    match worker.step(pace).and_then(|indexed| Ok(worker.analyze_step(pace)? || indexed)) {
                        Ok(true) => {
                            if busy {
                                std::thread::sleep((started.elapsed() * BUSY_REST_FACTOR).min(MAX_BUSY_REST));
                            }
                        }
                        Ok(false) => std::thread::sleep(IDLE_POLL),
                        Err(e) => {
                            tracing::warn!(error = %e, "search indexing failed");
                            std::thread::sleep(Duration::from_secs(1));
                        }
                    }
                }
            })
            .map_err(|e| Error::io("starting the search indexer", e))?;
        Ok(Indexer { stop })
    }
}

/// The index's layout and meaning (what its `analysis` rows hold). An index
/// of another version is rebuilt from the deliveries: it is derived data.
/// 2: verdicts include `incomplete`; versions are recorded.
pub const INDEX_VERSION: i64 = 2;

/// The index never fsyncs: it can be rebuilt from the deliveries, and its
/// fsyncs would stall the writer's WAL appends on the same disk.
fn open_index(db: &Path) -> rusqlite::Result<Connection> {
    let path = search_path(db);
    let index = Connection::open(&path)?;
    let version: i64 = index.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let has_tables: bool =
        index.query_row("SELECT count(*) > 0 FROM sqlite_master WHERE name = 'progress'", [], |r| r.get(0))?;
    if has_tables && version != INDEX_VERSION {
        return Err(rusqlite::Error::InvalidParameterName(format!(
            "search index version {version}, this build writes {INDEX_VERSION}"
        )));
    }
    index.pragma_update(None, "journal_mode", "WAL")?;
    index.pragma_update(None, "synchronous", "OFF")?;
    index.execute_batch(SCHEMA)?;
    index.pragma_update(None, "user_version", INDEX_VERSION)?;
    index.query_row("SELECT count(*) FROM progress", [], |_| Ok(()))?;
    // It holds the words of every header and body: its owner's alone.
    for suffix in ["", "-wal", "-shm"] {
        let file = super::sibling(&path, suffix);
        if file.exists() {
            let _ = crate::fsutil::restrict(&file, 0o600);
        }
    }
    Ok(index)
}

impl Drop for Indexer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

struct Worker {
    index: Connection,
    source: Connection,
    committed: watch::Receiver<Committed>,
    progress: Arc<Progress>,
    endpoints: Vec<Endpoint>,
}

impl Worker {
    /// One step of deletions, then one of new deliveries; whether it did anything.
    fn step(&mut self, pace: Pace) -> Result<bool> {
        let deletes_done = self.progress.deletes_done.load(Ordering::Relaxed);
        let indexed = self.progress.indexed.load(Ordering::Relaxed);
        let deletes: Vec<(i64, i64, String)> = self
            .source
            .prepare_cached("SELECT id, seq, path FROM search_deletes WHERE id > ?1 ORDER BY id LIMIT 1000")?
            .query_map([deletes_done], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        if let Some(&(last, _, _)) = deletes.last() {
            let tx = self.index.transaction()?;
            for (_, seq, path) in deletes {
                if seq == 0 {
                    // A clear: start over with what is left (pinned deliveries).
                    tx.execute("INSERT INTO delivery_fts (delivery_fts) VALUES ('delete-all')", [])?;
                    tx.execute("DELETE FROM path_index", [])?;
                    tx.execute("DELETE FROM analysis", [])?;
                    write_progress(&tx, "analyzed", 0)?;
                    self.progress.analyzed.store(0, Ordering::Relaxed);
                    let mut from = 0;
                    loop {
                        let step = index_rows(&tx, &self.source, from, QUIET, indexed)?;
                        if step.count == 0 {
                            break;
                        }
                        from = step.last;
                    }
                } else if seq <= indexed {
                    tx.prepare_cached("DELETE FROM delivery_fts WHERE rowid = ?1")?.execute([seq])?;
                    tx.prepare_cached("DELETE FROM path_index WHERE path = ?1 AND seq = ?2")?
                        .execute(params![path, seq])?;
                }
            }
            write_progress(&tx, "deletes_done", last)?;
            tx.commit()?;
            self.progress.deletes_done.store(last, Ordering::Relaxed);
            return Ok(true);
        }

        // Everything committed up to `upto` is visible to the query below (the
        // writer publishes after committing), so a short step means the index
        // has caught up to `upto` even if the newest rows were deleted.
        let upto = self.committed.borrow().last_seq;
        if upto <= indexed {
            return Ok(false);
        }
        let tx = self.index.transaction()?;
        let step = index_rows(&tx, &self.source, indexed, pace, upto)?;
        let next = if step.ran_out { upto } else { step.last };
        write_progress(&tx, "indexed", next)?;
        tx.commit()?;
        self.progress.indexed.store(next, Ordering::Relaxed);
        Ok(true)
    }

    /// One step of inspection: provider, event id and verdict of the next
    /// deliveries. New endpoint settings start it over from the beginning.
    fn analyze_step(&mut self, pace: Pace) -> Result<bool> {
        let version = self.committed.borrow().endpoints;
        if version != self.progress.endpoints_seen.load(Ordering::Relaxed) {
            self.endpoints = super::endpoints::list_endpoints(&self.source)?;
            write_progress(&self.index, "analyzed", 0)?;
            self.progress.analyzed.store(0, Ordering::Relaxed);
            self.progress.endpoints_seen.store(version, Ordering::Relaxed);
        }
        let analyzed = self.progress.analyzed.load(Ordering::Relaxed);
        let upto = self.committed.borrow().last_seq;
        if upto <= analyzed {
            return Ok(false);
        }
        let tx = self.index.transaction()?;
        let mut select = self.source.prepare_cached(
            "SELECT seq, method, path, query, headers, body, received_at_us FROM deliveries
             WHERE seq > ?1 AND seq <= ?2 ORDER BY seq LIMIT ?3",
        )?;
        let mut insert = tx.prepare_cached(
            "INSERT OR REPLACE INTO analysis (seq, provider, event_id, verdict) VALUES (?1, ?2, ?3, ?4)",
        )?;
        let mut rows = select.query(params![analyzed, upto, pace.rows])?;
        let mut allowance = Allowance::new(pace);
        let mut last = analyzed;
        while let Some(row) = rows.next()? {
            let seq: i64 = row.get(0)?;
            let method: String = row.get(1)?;
            let path: String = row.get(2)?;
            let query: Option<String> = row.get(3)?;
            let headers = decode_headers(row.get_ref(4)?.as_blob()?);
            let request = inspect::Request {
                method: &method,
                path: &path,
                query: query.as_deref(),
                headers: &headers,
                body: row.get_ref(5)?.as_blob()?,
                received_at_us: row.get(6)?,
            };
            let found = inspect::inspect(&request, &self.endpoints);
            insert.execute(params![seq, found.provider.map(|p| p.id()), found.event_id, found.list_verdict()])?;
            last = seq;
            if allowance.row_done() {
                break;
            }
        }
        drop(rows);
        drop(insert);
        // Rows up to `upto` are all visible to the query, so running out of
        // them means every one is analyzed, even if the newest were deleted.
        let next = if allowance.ran_out() { upto } else { last };
        write_progress(&tx, "analyzed", next)?;
        tx.commit()?;
        self.progress.analyzed.store(next, Ordering::Relaxed);
        Ok(true)
    }
}

/// One step's allowance: `pace.rows` (the query's LIMIT) and, once it has
/// done [`STEP_MIN_ROWS`], [`STEP_WALL_BUDGET`] of reading.
struct Allowance {
    pace: Pace,
    until: Instant,
    done: i64,
    cut: bool,
}

impl Allowance {
    fn new(pace: Pace) -> Self {
        Allowance { pace, until: Instant::now() + STEP_WALL_BUDGET, done: 0, cut: false }
    }

    /// Counts a row done (giving way if the pace asks); whether the step
    /// stops here.
    fn row_done(&mut self) -> bool {
        self.done += 1;
        if self.pace.polite {
            give_way();
        }
        self.cut = self.done >= STEP_MIN_ROWS && Instant::now() >= self.until;
        self.cut
    }

    /// Whether the query ran out of rows in its range: the step was neither
    /// cut short nor ended by the LIMIT with rows left.
    fn ran_out(&self) -> bool {
        !self.cut && self.done < self.pace.rows
    }
}

/// What one step of indexing did.
struct Step {
    /// The last seq indexed, or where the step started if there were none.
    last: i64,
    count: i64,
    /// Whether it reached the end of the range (rather than the step's rows
    /// or its time budget).
    ran_out: bool,
}

/// Indexes the deliveries with `after < seq <= upto`, as many as `pace` has
/// rows and [`STEP_WALL_BUDGET`] allows.
fn index_rows(tx: &Transaction, source: &Connection, after: i64, pace: Pace, upto: i64) -> rusqlite::Result<Step> {
    let mut select = source.prepare_cached(
        "SELECT seq, path, query, headers, body FROM deliveries WHERE seq > ?1 AND seq <= ?2 ORDER BY seq LIMIT ?3",
    )?;
    let mut insert =
        tx.prepare_cached("INSERT INTO delivery_fts (rowid, path, headers, body) VALUES (?1, ?2, ?3, ?4)")?;
    let mut by_path = tx.prepare_cached("INSERT OR IGNORE INTO path_index (path, seq) VALUES (?1, ?2)")?;
    let mut rows = select.query(params![after, upto, pace.rows])?;
    let mut allowance = Allowance::new(pace);
    let mut last = after;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let path: String = row.get(1)?;
        by_path.execute(params![path, seq])?;
        let query: Option<String> = row.get(2)?;
        let target = match query {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        let headers = String::from_utf8_lossy(row.get_ref(3)?.as_blob()?).into_owned();
        insert.execute(params![seq, target, headers, indexable_text(row.get_ref(4)?.as_blob()?)])?;
        last = seq;
        if allowance.row_done() {
            break;
        }
    }
    Ok(Step { last, count: allowance.done, ran_out: allowance.ran_out() })
}

/// Lets a capture thread that woke on this CPU run now rather than at the end
/// of the scheduler's slice. Nice 19 alone was not enough: a writer woken
/// behind a 32-row step waited for it, and single-connection p99 went from
/// 0.35 ms to 1.5 ms. A yield per row costs a syscall next to ~20 µs of work.
fn give_way() {
    std::thread::yield_now();
}

/// Indexing is the first thing to give way when the machine is busy: the
/// lowest normal priority (nice 19). Not SCHED_IDLE: with it, acks stalled
/// for seconds, most likely because SQLite's connections to one file in one
/// process share a mutex for the WAL index and a starved holder kept it.
fn lowest_priority() {
    let _ = thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min);
}

fn read_progress(conn: &Connection, key: &str) -> rusqlite::Result<Option<i64>> {
    conn.query_row("SELECT value FROM progress WHERE key = ?1", [key], |r| r.get(0)).optional()
}

fn write_progress(conn: &Connection, key: &str, value: i64) -> rusqlite::Result<()> {
    conn.execute("INSERT OR REPLACE INTO progress (key, value) VALUES (?1, ?2)", params![key, value])?;
    Ok(())
}

/// The longest valid UTF-8 prefix of a body, capped; binary bodies index as
/// nothing.
fn indexable_text(body: &[u8]) -> &str {
    let capped = &body[..body.len().min(MAX_INDEXED_BODY)];
    match std::str::from_utf8(capped) {
        Ok(s) => s,
        // A cut through a multi-byte character at the cap is fine; anything
        // else means the body is not text.
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&capped[..e.valid_up_to()]).unwrap_or(""),
        Err(_) => "",
    }
}

/// Turns what a user typed into an FTS5 query that cannot be a syntax error:
/// every whitespace-separated word becomes a quoted phrase, all must match.
/// A trailing `*` on a word keeps its prefix meaning.
pub fn to_fts_query(text: &str) -> Option<String> {
    let terms: Vec<String> = text
        .split_whitespace()
        .map(|word| {
            let (word, prefix) = match word.strip_suffix('*') {
                Some(w) if !w.is_empty() => (w, "*"),
                _ => (word, ""),
            };
            format!("\"{}\"{prefix}", word.replace('"', "\"\""))
        })
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_becomes_a_safe_query() {
        assert_eq!(to_fts_query("  "), None, "blank text is no query");
        assert_eq!(to_fts_query("evt_1 \"x"), Some("\"evt_1\" \"\"\"x\"".into()), "quotes are escaped");
        assert_eq!(to_fts_query("pay*"), Some("\"pay\"*".into()), "a trailing star stays a prefix query");
    }

    #[test]
    fn binary_bodies_index_as_nothing_and_text_is_cut_on_a_char_boundary() {
        assert_eq!(indexable_text(b"\xff\x00abc"), "", "binary is not indexed");
        let mut body = vec![b'a'; MAX_INDEXED_BODY - 1];
        body.extend_from_slice("é".as_bytes());
        assert_eq!(indexable_text(&body).len(), MAX_INDEXED_BODY - 1, "a split character is dropped");
    }
}
