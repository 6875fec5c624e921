//! The single writer. Everything that changes the database goes through this
//! thread, so there is never a lock to wait for between writers, and captures
//! that arrive while a commit is running are committed together in the next
//! transaction (group commit): one commit, one WAL append (and in full
//! durability one fsync) for the whole group.
//!
//! Retention pruning and the stats table's upkeep run here too, in small steps
//! between groups, so they never hold a capture's ack for long. Full-text
//! indexing has its own thread and database file (search.rs); this thread only
//! logs deletions for it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode, Transaction, TransactionBehavior, params};
use tokio::sync::{oneshot, watch};

use super::Committed;
use super::activity::Activity;
use super::checkpoint::checkpoint_passive;
use super::deliveries::{self, FLAG_PINNED, Removed};
use super::search::Progress;
use super::stats::{self, Deltas, PathStats};
use crate::error::{Error, Result};
use crate::model::{DeliveryId, NewDelivery};

/// A group stops growing at this many commands or bytes.
const MAX_GROUP: usize = 4096;
const MAX_GROUP_BYTES: usize = 64 * 1024 * 1024;
/// Under sustained load, upkeep gets one small step at most this often.
const UPKEEP_EVERY: Duration = Duration::from_millis(50);
/// How often the stats table catches up with the counts held in memory.
const STATS_EVERY: Duration = Duration::from_secs(1);
const IDLE_WAIT: Duration = Duration::from_millis(250);
const PRUNE_STEP: usize = 500;

pub enum Command {
    Insert(Box<NewDelivery>, oneshot::Sender<Result<DeliveryId>>),
    /// Imported deliveries, stored together; their ids in order.
    Import(Vec<NewDelivery>, oneshot::Sender<Result<Vec<DeliveryId>>>),
    Delete(DeliveryId, oneshot::Sender<Result<bool>>),
    Clear(oneshot::Sender<Result<u64>>),
    Pin(DeliveryId, bool, oneshot::Sender<Result<bool>>),
    Flush(oneshot::Sender<Result<()>>),
    Configure(Limits),
    /// Anything that is not a capture: endpoints, attempts, queue rows,
    /// imports. See [`Job`].
    Run(Box<dyn Job>),
    /// Finish up and stop (the store is being dropped).
    Shutdown,
}

/// What a job changed, so that the writer tells live views.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Effects {
    /// Deliveries were changed or removed: views reload.
    pub deliveries: bool,
    /// Endpoint settings changed: verdicts are recomputed.
    pub endpoints: bool,
    /// An attempt was recorded: views of attempts reload.
    pub attempts: bool,
}

impl Effects {
    pub const NONE: Effects = Effects { deliveries: false, endpoints: false, attempts: false };
    pub const ENDPOINTS: Effects = Effects { deliveries: false, endpoints: true, attempts: false };
    pub const ATTEMPTS: Effects = Effects { deliveries: false, endpoints: false, attempts: true };
}

/// Work run inside the next group's transaction and answered after that
/// transaction commits: the one write path for everything but captures. A
/// job runs in its own savepoint, so its failure rolls back that job alone,
/// never the captures it shares the group with.
pub trait Job: Send {
    fn run(&mut self, tx: &Transaction<'_>) -> Result<Effects>;
    /// Called once the group committed (`Ok`) or rolled back (`Err`).
    fn answer(self: Box<Self>, committed: Result<()>);
}

/// A closure as a [`Job`]: its value is sent back after the commit.
pub struct FnJob<T, F> {
    work: Option<F>,
    value: Option<Result<T>>,
    reply: oneshot::Sender<Result<T>>,
}

impl<T, F> FnJob<T, F> {
    pub fn new(work: F, reply: oneshot::Sender<Result<T>>) -> Self {
        FnJob { work: Some(work), value: None, reply }
    }
}

impl<T, F> Job for FnJob<T, F>
where
    T: Send,
    F: FnOnce(&Transaction<'_>) -> Result<(T, Effects)> + Send,
{
    fn run(&mut self, tx: &Transaction<'_>) -> Result<Effects> {
        let work = self.work.take().ok_or_else(|| Error::Write("a job ran twice".into()))?;
        match work(tx) {
            Ok((value, effects)) => {
                self.value = Some(Ok(value));
                Ok(effects)
            }
            Err(e) => {
                self.value = Some(Err(Error::Write(e.to_string())));
                Err(e)
            }
        }
    }

    fn answer(self: Box<Self>, committed: Result<()>) {
        let FnJob { value, reply, .. } = *self;
        let answer = match (committed, value) {
            (Ok(()), Some(value)) => value,
            (Err(e), _) => Err(e),
            (Ok(()), None) => Err(Error::Write("the job did not run".into())),
        };
        let _ = reply.send(answer);
    }
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
    activity: Arc<Activity>,
    stats: PathStats,
    /// The last delivery the `path_stats` table covers.
    stats_cursor: i64,
    stats_written: Instant,
    limits: Limits,
    last_upkeep: Instant,
    /// Set by the checkpointer when the WAL should start over (checkpoint.rs).
    restart_wanted: Arc<AtomicBool>,
    search: Arc<Progress>,
    /// The deletion log's entries up to here have been trimmed.
    trimmed: i64,
}

/// A reply to send once the group's transaction has committed.
enum Reply {
    Inserted(oneshot::Sender<Result<DeliveryId>>, DeliveryId),
    Imported(oneshot::Sender<Result<Vec<DeliveryId>>>, Vec<DeliveryId>),
    /// A delete or pin: whether the delivery existed.
    Done(oneshot::Sender<Result<bool>>, bool),
    Cleared(oneshot::Sender<Result<u64>>, u64),
    Flush(oneshot::Sender<Result<()>>),
    Job(Box<dyn Job>),
}

/// What a group changed, applied to the writer's state once it committed.
#[derive(Default)]
struct Outcome {
    last_seq: i64,
    /// Stats changes for deliveries the table does not cover yet.
    pending: Deltas,
    /// Stats changes applied to the table in the group's transaction.
    table: Deltas,
    /// Deletes, clears or pins: views reload.
    changed: bool,
    cleared: bool,
    shutdown: bool,
    /// Endpoint settings changed: verdicts are recomputed.
    endpoints_changed: bool,
    attempts_changed: bool,
}

impl Writer {
    pub fn new(
        conn: Connection,
        published: watch::Sender<Committed>,
        activity: Arc<Activity>,
        restart_wanted: Arc<AtomicBool>,
        search: Arc<Progress>,
        stats: PathStats,
        stats_cursor: i64,
    ) -> Result<Self> {
        let last_seq: i64 = conn.query_row("SELECT coalesce(max(seq), 0) FROM deliveries", [], |r| r.get(0))?;
        let delete_log = deliveries::last_delete_logged(&conn)?;
        let state = Committed { last_seq, changes: 0, delete_log, endpoints: 0, attempts: 0 };
        published.send_replace(state);
        Ok(Writer {
            conn,
            published,
            state,
            activity,
            stats,
            stats_cursor,
            stats_written: Instant::now(),
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
                    if self.run_group(group) {
                        let _ = self.write_stats();
                        return;
                    }
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
                Err(RecvTimeoutError::Disconnected) => {
                    // Leave the stats table current for the next start.
                    let _ = self.write_stats();
                    return;
                }
            }
        }
    }

    /// Commits a group and answers its senders; returns whether it asked the
    /// writer to stop.
    fn run_group(&mut self, group: Vec<Command>) -> bool {
        let mut replies = Vec::with_capacity(group.len());
        let stop = group.iter().any(|c| matches!(c, Command::Shutdown));
        match self.apply(group, &mut replies) {
            Ok(outcome) => {
                if outcome.last_seq != self.state.last_seq {
                    self.activity.committed();
                }
                self.state.last_seq = outcome.last_seq;
                if outcome.changed {
                    self.state.changes += 1;
                    self.state.delete_log = deliveries::last_delete_logged(&self.conn).unwrap_or(self.state.delete_log);
                }
                if outcome.endpoints_changed {
                    self.state.endpoints += 1;
                }
                if outcome.attempts_changed {
                    self.state.attempts += 1;
                }
                if outcome.cleared {
                    self.stats_cursor = outcome.last_seq;
                    let _ = self.stats.reset(&self.conn);
                } else {
                    self.stats.table_changed(&outcome.table);
                    self.stats.merge(outcome.pending);
                }
                self.published.send_replace(self.state);
                for reply in replies {
                    match reply {
                        Reply::Inserted(tx, id) => drop(tx.send(Ok(id))),
                        Reply::Imported(tx, ids) => drop(tx.send(Ok(ids))),
                        Reply::Done(tx, found) => drop(tx.send(Ok(found))),
                        Reply::Cleared(tx, n) => drop(tx.send(Ok(n))),
                        Reply::Flush(tx) => {
                            let done = self.finish_upkeep();
                            drop(tx.send(done));
                        }
                        Reply::Job(job) => job.answer(Ok(())),
                    }
                }
            }
            Err(e) => {
                // The transaction rolled back: nothing in this group is stored,
                // and every sender is told so.
                for reply in replies {
                    match reply {
                        Reply::Inserted(tx, _) => drop(tx.send(Err(group_error(&e)))),
                        Reply::Imported(tx, _) => drop(tx.send(Err(group_error(&e)))),
                        Reply::Done(tx, _) => drop(tx.send(Err(group_error(&e)))),
                        Reply::Cleared(tx, _) => drop(tx.send(Err(group_error(&e)))),
                        Reply::Flush(tx) => drop(tx.send(Err(group_error(&e)))),
                        Reply::Job(job) => job.answer(Err(group_error(&e))),
                    }
                }
            }
        }
        stop
    }

    /// Applies a group in one transaction.
    fn apply(&mut self, group: Vec<Command>, replies: &mut Vec<Reply>) -> rusqlite::Result<Outcome> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut outcome = Outcome { last_seq: self.state.last_seq, ..Outcome::default() };
        let mut insert = None;
        for cmd in group {
            match cmd {
                Command::Insert(d, reply) => {
                    // Sequence numbers follow commit order, so "everything
                    // after seq N" is a complete set for live views.
                    let seq = d.received_at_us.max(outcome.last_seq + 1);
                    outcome.last_seq = seq;
                    let stmt = match &mut insert {
                        Some(stmt) => stmt,
                        None => insert.insert(deliveries::insert_statement(&tx)?),
                    };
                    deliveries::insert_delivery(stmt, seq, &d)?;
                    add(&mut outcome.pending, &d.path, 1, (d.headers.len() + d.body.len()) as i64);
                    replies.push(Reply::Inserted(reply, DeliveryId(seq)));
                }
                Command::Import(batch, reply) => {
                    // Ids of imports are of now (their time of arrival stays
                    // in `received_at_us`), after everything stored so far.
                    let now = crate::capture::now_us();
                    let mut ids = Vec::with_capacity(batch.len());
                    for d in &batch {
                        let seq = now.max(outcome.last_seq + 1);
                        outcome.last_seq = seq;
                        let stmt = match &mut insert {
                            Some(stmt) => stmt,
                            None => insert.insert(deliveries::insert_statement(&tx)?),
                        };
                        deliveries::insert_delivery(stmt, seq, d)?;
                        add(&mut outcome.pending, &d.path, 1, (d.headers.len() + d.body.len()) as i64);
                        ids.push(DeliveryId(seq));
                    }
                    replies.push(Reply::Imported(reply, ids));
                }
                Command::Delete(id, reply) => {
                    let gone = deliveries::delete_where(&tx, "seq = ?1", params![id.0])?;
                    count_removed(&gone, self.stats_cursor, &mut outcome.table, &mut outcome.pending);
                    outcome.changed |= !gone.is_empty();
                    replies.push(Reply::Done(reply, !gone.is_empty()));
                }
                Command::Clear(reply) => {
                    let n = deliveries::clear_unpinned(&tx)?;
                    outcome.changed = true;
                    outcome.cleared = true;
                    replies.push(Reply::Cleared(reply, n));
                }
                Command::Pin(id, pin, reply) => {
                    let n = tx.execute(
                        "UPDATE deliveries SET flags = CASE WHEN ?2 THEN flags | ?3 ELSE flags & ~?3 END WHERE seq = ?1",
                        params![id.0, pin, FLAG_PINNED],
                    )?;
                    outcome.changed |= n > 0;
                    replies.push(Reply::Done(reply, n > 0));
                }
                Command::Flush(reply) => replies.push(Reply::Flush(reply)),
                Command::Configure(limits) => self.limits = limits,
                Command::Run(mut job) => {
                    // Raw savepoint statements: the cached insert statement
                    // borrows the transaction, so `tx.savepoint()` cannot.
                    tx.prepare_cached("SAVEPOINT job")?.execute([])?;
                    match job.run(&tx) {
                        Ok(effects) => {
                            tx.prepare_cached("RELEASE job")?.execute([])?;
                            outcome.changed |= effects.deliveries;
                            outcome.endpoints_changed |= effects.endpoints;
                            outcome.attempts_changed |= effects.attempts;
                        }
                        Err(_) => tx.execute_batch("ROLLBACK TO job; RELEASE job")?,
                    }
                    replies.push(Reply::Job(job));
                }
                Command::Shutdown => outcome.shutdown = true,
            }
        }
        drop(insert);
        if outcome.cleared {
            stats::rebuild(&tx, outcome.last_seq)?;
        } else {
            stats::apply(&tx, &outcome.table)?;
        }
        tx.commit()?;
        Ok(outcome)
    }

    fn upkeep_due(&self) -> bool {
        self.over_limits()
            || self.search.deletes_done.load(Ordering::Relaxed) > self.trimmed
            || (self.stats_written.elapsed() >= STATS_EVERY && self.stats.has_pending())
    }

    fn over_limits(&self) -> bool {
        let t = self.stats.totals();
        t.count > self.limits.max_deliveries || t.bytes > self.limits.max_bytes
    }

    /// Copies the last few WAL frames the checkpointer left, with no writer
    /// racing it, so that the next commit starts the WAL from the beginning.
    /// Asked for only when a long flood has grown the WAL past its cap: this
    /// copy and its fsyncs hold up one group's acks.
    fn restart_wal_if_wanted(&mut self) {
        if self.restart_wanted.swap(false, Ordering::Relaxed) {
            let _ = checkpoint_passive(&self.conn);
        }
    }

    /// One small step of upkeep in its own transaction.
    fn upkeep_step(&mut self) {
        self.last_upkeep = Instant::now();
        if let Err(e) = self.try_upkeep_step() {
            tracing::warn!(error = %e, "background upkeep failed");
        }
    }

    fn try_upkeep_step(&mut self) -> Result<bool> {
        if self.over_limits() {
            let t = self.stats.totals();
            let excess = t.count.saturating_sub(self.limits.max_deliveries) as usize;
            let n = excess.clamp(if t.bytes > self.limits.max_bytes { 64 } else { 1 }, PRUNE_STEP);
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let gone = deliveries::prune_oldest(&tx, n)?;
            let (mut table, mut pending) = (Deltas::new(), Deltas::new());
            count_removed(&gone, self.stats_cursor, &mut table, &mut pending);
            stats::apply(&tx, &table)?;
            tx.commit()?;
            self.stats.table_changed(&table);
            self.stats.merge(pending);
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
        if self.stats.has_pending() && self.stats_written.elapsed() >= STATS_EVERY {
            self.write_stats()?;
            return Ok(true);
        }
        Ok(false)
    }

    fn write_stats(&mut self) -> Result<()> {
        self.stats_written = Instant::now();
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let written = self.stats.write(&tx, self.state.last_seq)?;
        tx.commit()?;
        self.stats.written(&written);
        self.stats_cursor = self.state.last_seq;
        Ok(())
    }

    fn finish_upkeep(&mut self) -> Result<()> {
        while self.over_limits() || self.search.deletes_done.load(Ordering::Relaxed) > self.trimmed {
            if !self.try_upkeep_step()? {
                break;
            }
        }
        if self.stats.has_pending() {
            self.write_stats()?;
        }
        Ok(())
    }
}

/// Deliveries the stats table covers come off the table; newer ones come off
/// the counts pending in memory.
fn count_removed(gone: &[Removed], stats_cursor: i64, table: &mut Deltas, pending: &mut Deltas) {
    for r in gone {
        let target = if r.seq <= stats_cursor { &mut *table } else { &mut *pending };
        add(target, &r.path, -1, -r.bytes);
    }
}

fn add(deltas: &mut Deltas, path: &str, count: i64, bytes: i64) {
    let e = deltas.entry(path.to_owned()).or_default();
    e.0 += count;
    e.1 += bytes;
}

/// rusqlite errors are not `Clone`; each waiting sender gets its own copy.
fn group_error(e: &rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => Error::StoreFull,
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Error::StoreTimeout,
        _ => Error::Write(e.to_string()),
    }
}
