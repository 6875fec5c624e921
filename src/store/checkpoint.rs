//! Checkpoints on their own thread and connection. The writer turns off
//! SQLite's automatic checkpoint, which would otherwise run inside a commit and
//! add its copy and its fsync to some unlucky request's ack.
//!
//! A PASSIVE checkpoint never blocks the writer, but under steady load it never
//! catches up completely, and SQLite starts the WAL over only once one has: the
//! WAL would grow without bound (gigabytes in a minute of benchmark). Waiting
//! for the write lock instead (RESTART) stalls acks for whole milliseconds in
//! SQLite's busy-handler sleeps. So this thread does the bulk of the copying
//! and, when the WAL is large and little is left, asks the writer to finish
//! the last few frames itself between two groups (`restart_wanted`).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rusqlite::Connection;

use super::Durability;
use crate::error::{Error, Result};

const INTERVAL: Duration = Duration::from_millis(100);
/// Ask for a restart once the WAL holds this many bytes...
const RESTART_ABOVE: i64 = 16 * 1024 * 1024;
/// ...and a PASSIVE pass has left at most this many bytes for the writer to copy.
const RESTART_GAP: i64 = 1024 * 1024;

pub struct Checkpointer {
    stop: Arc<AtomicBool>,
}

impl Checkpointer {
    pub fn start(path: &Path, durability: Durability, restart_wanted: Arc<AtomicBool>) -> Result<Self> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "synchronous", if durability == Durability::Full { "FULL" } else { "NORMAL" })?;
        let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("hookscope-checkpoint".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(INTERVAL);
                    // A failed pass (busy) is simply tried again next time.
                    if let Ok((log, done)) = checkpoint_passive(&conn)
                        && log * page_size > RESTART_ABOVE
                        && (log - done) * page_size <= RESTART_GAP
                    {
                        restart_wanted.store(true, Ordering::Relaxed);
                    }
                }
            })
            .map_err(|e| Error::io("starting the checkpoint thread", e))?;
        Ok(Checkpointer { stop })
    }
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
