//! The single writer. Everything that changes the database goes through this
//! thread, so there is never a lock to wait for between writers, and captures
//! that arrive while a commit is running are committed together in the next
//! transaction (group commit): one commit, one WAL append (and in full
//! durability one fsync) for the whole group.
//!
//! Retention pruning runs here too, in small steps between groups, so it never
//! holds a capture's ack for long. Full-text indexing has its own thread and
//! database file (search.rs); this thread only logs deletions for it.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode, TransactionBehavior, params};
use tokio::sync::{oneshot, watch};

use super::Committed;
use super::checkpoint::checkpoint_passive;
use super::deliveries::{self, FLAG_PINNED};
use super::search::Progress;
use crate::error::{Error, Result};
use crate::model::{DeliveryId, NewDelivery};

/// A group stops growing at this many commands or bytes.
const MAX_GROUP: usize = 4096;
const MAX_GROUP_BYTES: usize = 64 * 1024 * 1024;
/// Under sustained load, upkeep gets one small step at most this often.
const UPKEEP_EVERY: Duration = Duration::from_millis(50);
const IDLE_WAIT: Duration = Duration::from_millis(500);
const PRUNE_STEP: usize = 500;

pub enum Command {
    Insert(Box<NewDelivery>, oneshot::Sender<Result<DeliveryId>>),
    Delete(DeliveryId, oneshot::Sender<Result<bool>>),
    Clear(oneshot::Sender<Result<u64>>),
    Pin(DeliveryId, bool, oneshot::Sender<Result<bool>>),
    Flush(oneshot::Sender<Result<()>>),
    Configure(Limits),
}

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_deliveries: u64,
    pub max_bytes: u64,
}

pub struct Writer {
    conn: Connection,
    published: watch::Sender<Committed>,
    state: Committed,
    count: u64,
    bytes: u64,
    limits: Limits,
    last_upkeep: Instant,
    /// Set by the checkpointer when the WAL should start over (checkpoint.rs).
    restart_wanted: Arc<AtomicBool>,
    search: Arc<Progress>,
    /// The deletion log's entries up to here have been trimmed.
    trimmed: i64,
}

/// A reply to send once the group's transaction has committed.
enum Pending {
    Inserted(oneshot::Sender<Result<DeliveryId>>, DeliveryId),
    /// A delete or pin: whether the delivery existed.
    Done(oneshot::Sender<Result<bool>>, bool),
    Cleared(oneshot::Sender<Result<u64>>, u64),
    Flush(oneshot::Sender<Result<()>>),
}

impl Writer {
    pub fn new(
        conn: Connection,
        published: watch::Sender<Committed>,
        restart_wanted: Arc<AtomicBool>,
        search: Arc<Progress>,
    ) -> Result<Self> {
        let last_seq: i64 = conn.query_row("SELECT coalesce(max(seq), 0) FROM deliveries", [], |r| r.get(0))?;
        let (count, bytes): (i64, i64) =
            conn.query_row("SELECT coalesce(sum(count), 0), coalesce(sum(bytes), 0) FROM path_stats", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        let delete_log: i64 = conn.query_row("SELECT coalesce(max(id), 0) FROM search_deletes", [], |r| r.get(0))?;
        let state = Committed { last_seq, changes: 0, delete_log };
        published.send_replace(state);
        Ok(Writer {
            conn,
            published,
            state,
            count: count as u64,
            bytes: bytes as u64,
            limits: Limits { max_deliveries: u64::MAX, max_bytes: u64::MAX },
            last_upkeep: Instant::now(),
            restart_wanted,
            search,
            trimmed: 0,
        })
    }

    pub fn run(mut self, commands: Receiver<Command>) {
        loop {
            let wait = if self.upkeep_due() { Duration::ZERO } else { IDLE_WAIT };
            match commands.recv_timeout(wait) {
                Ok(first) => {
                    let mut group = vec![first];
                    let mut bytes = 0;
                    while group.len() < MAX_GROUP && bytes < MAX_GROUP_BYTES {
                        match commands.try_recv() {
                            Ok(cmd) => {
                                if let Command::Insert(d, _) = &cmd {
                                    bytes += d.body.len() + d.headers.len();
                                }
                                group.push(cmd);
                            }
                            Err(_) => break,
                        }
                    }
                    self.run_group(group);
                    self.restart_wal_if_wanted();
                    if self.upkeep_due() && self.last_upkeep.elapsed() >= UPKEEP_EVERY {
                        self.upkeep_step();
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    self.restart_wal_if_wanted();
                    if self.upkeep_due() {
                        self.upkeep_step();
                    }
                }
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    fn run_group(&mut self, group: Vec<Command>) {
        let mut pending = Vec::with_capacity(group.len());
        let before = (self.state, self.count, self.bytes);
        match self.apply(group, &mut pending) {
            Ok(changed) => {
                if changed {
                    self.state.changes += 1;
                }
                self.published.send_replace(self.state);
                for p in pending {
                    match p {
                        Pending::Inserted(tx, id) => drop(tx.send(Ok(id))),
                        Pending::Done(tx, found) => drop(tx.send(Ok(found))),
                        Pending::Cleared(tx, n) => drop(tx.send(Ok(n))),
                        Pending::Flush(tx) => {
                            let done = self.finish_upkeep();
                            drop(tx.send(done));
                        }
                    }
                }
            }
            Err(e) => {
                // The transaction rolled back: nothing in this group is stored,
                // and every sender is told so.
                (self.state, self.count, self.bytes) = before;
                let err = || group_error(&e);
                for p in pending {
                    match p {
                        Pending::Inserted(tx, _) => drop(tx.send(Err(err()))),
                        Pending::Done(tx, _) => drop(tx.send(Err(err()))),
                        Pending::Cleared(tx, _) => drop(tx.send(Err(err()))),
                        Pending::Flush(tx) => drop(tx.send(Err(err()))),
                    }
                }
            }
        }
    }

    /// Applies a group in one transaction; returns whether anything other than
    /// inserts changed (so views know to reload).
    fn apply(&mut self, group: Vec<Command>, pending: &mut Vec<Pending>) -> rusqlite::Result<bool> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut stats: HashMap<String, (i64, i64)> = HashMap::new();
        let mut changed = false;
        let mut last_seq = self.state.last_seq;
        for cmd in group {
            match cmd {
                Command::Insert(d, reply) => {
                    // Sequence numbers follow commit order, so "everything
                    // after seq N" is a complete set for live views.
                    let seq = d.received_at_us.max(last_seq + 1);
                    last_seq = seq;
                    deliveries::insert_delivery(&tx, seq, &d)?;
                    let entry = stats.entry(d.path.clone()).or_default();
                    entry.0 += 1;
                    entry.1 += (d.headers.len() + d.body.len()) as i64;
                    pending.push(Pending::Inserted(reply, DeliveryId(seq)));
                }
                Command::Delete(id, reply) => {
                    let gone = deliveries::delete_where(&tx, "seq = ?1", params![id.0])?;
                    merge_removed(&mut stats, &gone);
                    changed |= !gone.is_empty();
                    pending.push(Pending::Done(reply, !gone.is_empty()));
                }
                Command::Clear(reply) => {
                    let n = deliveries::clear_unpinned(&tx)?;
                    changed = true;
                    pending.push(Pending::Cleared(reply, n));
                }
                Command::Pin(id, pin, reply) => {
                    let n = tx.execute(
                        "UPDATE deliveries SET flags = CASE WHEN ?2 THEN flags | ?3 ELSE flags & ~?3 END WHERE seq = ?1",
                        params![id.0, pin, FLAG_PINNED],
                    )?;
                    changed |= n > 0;
                    pending.push(Pending::Done(reply, n > 0));
                }
                Command::Flush(reply) => pending.push(Pending::Flush(reply)),
                Command::Configure(limits) => self.limits = limits,
            }
        }
        let cleared = pending.iter().any(|p| matches!(p, Pending::Cleared(..)));
        deliveries::apply_path_stats(&tx, &stats)?;
        if cleared {
            deliveries::rebuild_path_stats(&tx)?;
        }
        let delete_log = if changed { deliveries::last_delete_logged(&tx)? } else { self.state.delete_log };
        tx.commit()?;
        self.state.last_seq = last_seq;
        self.state.delete_log = delete_log;
        if cleared {
            (self.count, self.bytes) = deliveries::totals(&self.conn)?;
        } else {
            for (count, bytes) in stats.values() {
                self.count = self.count.saturating_add_signed(*count);
                self.bytes = self.bytes.saturating_add_signed(*bytes);
            }
        }
        Ok(changed)
    }

    fn upkeep_due(&self) -> bool {
        self.over_limits() || self.search.deletes_done.load(Ordering::Relaxed) > self.trimmed
    }

    /// Copies the last few WAL frames the checkpointer left, with no writer
    /// racing it, so that the next commit starts the WAL from the beginning.
    fn restart_wal_if_wanted(&mut self) {
        if self.restart_wanted.swap(false, Ordering::Relaxed) {
            let _ = checkpoint_passive(&self.conn);
        }
    }

    fn over_limits(&self) -> bool {
        self.count > self.limits.max_deliveries || self.bytes > self.limits.max_bytes
    }

    /// One small step of upkeep in its own transaction.
    fn upkeep_step(&mut self) {
        self.last_upkeep = Instant::now();
        if let Err(e) = self.try_upkeep_step() {
            eprintln!("hookscope: background upkeep failed: {e}");
        }
    }

    fn try_upkeep_step(&mut self) -> Result<bool> {
        if self.over_limits() {
            let excess = self.count.saturating_sub(self.limits.max_deliveries) as usize;
            let n = excess.clamp(if self.bytes > self.limits.max_bytes { 64 } else { 1 }, PRUNE_STEP);
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let gone = deliveries::prune_oldest(&tx, n)?;
            let mut stats = HashMap::new();
            merge_removed(&mut stats, &gone);
            deliveries::apply_path_stats(&tx, &stats)?;
            tx.commit()?;
            for (count, bytes) in stats.values() {
                self.count = self.count.saturating_add_signed(*count);
                self.bytes = self.bytes.saturating_add_signed(*bytes);
            }
            if gone.is_empty() {
                // Everything left is pinned: stop trying until the next change.
                self.limits = Limits { max_deliveries: u64::MAX, max_bytes: u64::MAX };
            } else {
                self.state.changes += 1;
                self.state.delete_log = deliveries::last_delete_logged(&self.conn)?;
                self.published.send_replace(self.state);
            }
            return Ok(true);
        }
        let done = self.search.deletes_done.load(Ordering::Relaxed);
        if done > self.trimmed {
            self.conn.execute("DELETE FROM search_deletes WHERE id <= ?1", [done])?;
            self.trimmed = done;
            return Ok(true);
        }
        Ok(false)
    }

    fn finish_upkeep(&mut self) -> Result<()> {
        while self.upkeep_due() {
            if !self.try_upkeep_step()? {
                break;
            }
        }
        Ok(())
    }
}

fn merge_removed(stats: &mut HashMap<String, (i64, i64)>, gone: &[(String, i64)]) {
    for (path, bytes) in gone {
        let entry = stats.entry(path.clone()).or_default();
        entry.0 -= 1;
        entry.1 -= bytes;
    }
}

/// rusqlite errors are not `Clone`; each waiting sender gets its own copy.
fn group_error(e: &rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => Error::StoreFull,
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Error::StoreTimeout,
        _ => Error::Write(e.to_string()),
    }
}
