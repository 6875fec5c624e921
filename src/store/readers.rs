//! Read-only connections, pooled, so that reads run beside the writer (WAL
//! lets them see the last commit without waiting for it).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

use crate::error::{Error, Result};

/// Idle connections kept for reuse; more are opened on demand.
const KEEP_IDLE: usize = 8;

#[derive(Clone)]
pub struct Readers {
    path: Arc<PathBuf>,
    idle: Arc<Mutex<Vec<Connection>>>,
}

impl Readers {
    pub fn new(path: &Path) -> Self {
        Readers { path: Arc::new(path.to_owned()), idle: Arc::default() }
    }

    /// Runs `f` on a pooled connection, on this thread.
    pub fn with<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = match self.idle.lock().map_err(|_| Error::StoreClosed)?.pop() {
            Some(c) => c,
            None => super::search_connection(&self.path)?,
        };
        let out = f(&conn);
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < KEEP_IDLE
        {
            idle.push(conn);
        }
        out
    }

    /// Runs `f` on a pooled connection on tokio's blocking pool.
    pub async fn run<T: Send + 'static>(&self, f: impl FnOnce(&Connection) -> Result<T> + Send + 'static) -> Result<T> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.with(f)).await.map_err(|_| Error::StoreClosed)?
    }
}
