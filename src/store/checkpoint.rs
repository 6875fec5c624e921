//! Checkpoints on their own thread and connection. The writer turns off
//! SQLite's automatic checkpoint, which would otherwise run inside a commit and
//! add its copy (and, in full durability, its fsync) to some unlucky
//! request's ack.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rusqlite::Connection;

use super::Durability;
use crate::error::{Error, Result};

const INTERVAL: Duration = Duration::from_millis(200);

pub struct Checkpointer {
    stop: Arc<AtomicBool>,
}

impl Checkpointer {
    pub fn start(path: &Path, durability: Durability) -> Result<Self> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "synchronous", if durability == Durability::Full { "FULL" } else { "NORMAL" })?;
        conn.busy_timeout(Duration::from_millis(100))?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("hookscope-checkpoint".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(INTERVAL);
                    // PASSIVE never blocks the writer; a checkpoint that could
                    // not finish simply continues next time.
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            })
            .map_err(|e| Error::io("starting the checkpoint thread", e))?;
        Ok(Checkpointer { stop })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
