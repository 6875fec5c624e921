//! Checkpoints on their own thread and connection, in the quiet moments
//! between bursts of captures.
//!
//! The writer turns off SQLite's automatic checkpoint, which would run inside
//! a commit and add its copy and fsyncs to some request's ack. Running them on
//! another thread is not enough: on ext4 a checkpoint's fsync of the WAL stalls
//! the writer's WAL appends for 5–30 ms (the journal commit waits for the
//! file's data), which was the single-connection p99. So while deliveries
//! stream in, the WAL simply grows, and it is copied into the database once
//! captures have paused for `QUIET_AFTER`.
//!
//! The WAL grows fast: with 32 KiB pages (what keeps storage near 1.06× the
//! received bytes) a single-connection sender costs one 32 KiB frame per
//! delivery, about 200 MB/s here. A flood that never pauses must still not
//! grow it without bound: past `WAL_CAP` the checkpointer copies anyway, and
//! when little is left it asks the writer to copy the last frames itself
//! between two groups (`restart_wanted`), since SQLite starts the WAL over only
//! once a checkpoint has caught up completely. That costs the acks of the
//! moment a stall of the WAL's fsync (hundreds of ms for gigabytes not yet
//! written back); waiting for the write lock instead (RESTART) is no better.
//!
//! After a burst the WAL is trimmed back to `KEEP` in steps, and kept at that
//! size: committing into blocks already written is cheaper than appending.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rusqlite::Connection;

use super::Durability;
use super::activity::Activity;
use crate::error::{Error, Result};

const INTERVAL: Duration = Duration::from_millis(100);
/// While captures stream in, the WAL may grow to this many bytes.
const WAL_CAP: u64 = 4 * 1024 * 1024 * 1024;
/// Over the cap, ask for a restart once a pass has left at most this many bytes.
const RESTART_GAP: i64 = 1024 * 1024;
/// Once a burst is copied, the WAL is trimmed back to this many bytes.
pub const KEEP: u64 = 64 * 1024 * 1024;
/// At most this much is cut at a time. SQLite holds the write lock while the
/// file shrinks, and freeing blocks is slow where the disk is mounted with
/// `discard` (1.4 GB took 0.9 s here): one truncation to zero held the next
/// capture's ack for 1–2 s.
const TRIM_STEP: u64 = 32 * 1024 * 1024;

pub struct Checkpointer {
    stop: Arc<AtomicBool>,
}

impl Checkpointer {
    pub fn start(
        path: &Path,
        durability: Durability,
        activity: Arc<Activity>,
        restart_wanted: Arc<AtomicBool>,
    ) -> Result<Self> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "synchronous", if durability == Durability::Full { "FULL" } else { "NORMAL" })?;
        // Never wait for a lock: a busy checkpoint is simply tried next time.
        conn.busy_timeout(Duration::ZERO)?;
        let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        let wal = super::sibling(path, "-wal");
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("hookscope-checkpoint".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(INTERVAL);
                    let wal_bytes = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
                    let quiet = activity.quiet();
                    if !quiet && wal_bytes <= WAL_CAP {
                        continue;
                    }
                    let Ok((log, done)) = checkpoint_passive(&conn) else { continue };
                    if quiet {
                        if log == done && wal_bytes > KEEP {
                            let _ = trim_wal(&conn, wal_bytes.saturating_sub(TRIM_STEP).max(KEEP));
                        }
                    } else if (log - done) * page_size <= RESTART_GAP {
                        restart_wanted.store(true, Ordering::Relaxed);
                    }
                }
            })
            .map_err(|e| Error::io("starting the checkpoint thread", e))?;
        Ok(Checkpointer { stop })
    }
}

/// Shrinks the WAL to `limit` bytes the way SQLite does itself: the first
/// commit into a WAL that has been copied completely starts it over from the
/// top and then cuts the file to the committing connection's
/// `journal_size_limit`. That commit is a counter in `meta` bumped from this
/// connection, so the writer's own commits never truncate. If a reader still
/// uses the old WAL it is not started over, and the next pass tries again.
fn trim_wal(conn: &Connection, limit: u64) -> rusqlite::Result<()> {
    conn.pragma_update(None, "journal_size_limit", i64::try_from(limit).unwrap_or(i64::MAX))?;
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('wal_trims', 1) ON CONFLICT (key) DO UPDATE SET value = value + 1",
        [],
    )?;
    Ok(())
}

/// Returns the WAL's frame count and how many of them are in the database.
pub fn checkpoint_passive(conn: &Connection) -> rusqlite::Result<(i64, i64)> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| Ok((r.get(1)?, r.get(2)?)))
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
