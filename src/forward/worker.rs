//! The forwarder's loop, on its own thread and runtime: route what was
//! committed, send what is due, record what came back, move the cursor.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot, watch};

use super::lane::{Job, Lane, Settled, classify, parse_retry_after};
use super::report::ForwardUpdate;
use super::rules::Rules;
use super::{Command, ForwardConfig, LaneView, Passed, Shared};
use crate::capture::now_us;
use crate::error::{Error, Result};
use crate::model::{DeliveryId, ForwardBadge, ForwardState, NewAttempt, Origin, find};
use crate::outbound::{self, Outbound, SendError, SendErrorKind};
use crate::replay::{self, ReplayRequest};
use crate::store::forwards::{self, Row};
use crate::store::{Committed, Effects, Store};

/// Routed deliveries held in memory that have no row yet. Past it the
/// forwarder stops reading ahead: the deliveries table is the queue, and a
/// flood it cannot keep up with costs no memory.
const WINDOW: usize = 4096;
/// Arrivals read per query.
const READ_STEP: u32 = 1024;
/// The cursor alone (nothing forwarded) is written at most this often.
const CURSOR_EVERY: Duration = Duration::from_secs(1);
/// Captures in flight at once from which forwarding gives way.
const PRESSED_AT: usize = 4;
/// How often the pressure is looked at.
const PRESSURE_EVERY: Duration = Duration::from_millis(50);
/// While captures are pressed, forwards sent per pressure look: a trickle
/// (200/s), the rest after the flood.
const TRICKLE: usize = 10;
/// Passthrough answers kept for a sender that asks after the send finished.
const KEEP_ANSWERS: usize = 64;
/// How often waiting jobs are checked against the give-up time.
const EXPIRY_EVERY: Duration = Duration::from_secs(30);

pub(super) struct Worker {
    store: Store,
    conn: Connection,
    config: ForwardConfig,
    shared: Weak<Shared>,
    commands: mpsc::UnboundedReceiver<Command>,
    /// Where routing starts (the persisted cursor, or on a first run the
    /// newest delivery when the forwarder started), and where this run's
    /// deliveries start.
    start: (i64, i64),
}

impl Worker {
    pub fn new(
        store: Store,
        conn: Connection,
        config: ForwardConfig,
        shared: Weak<Shared>,
        commands: mpsc::UnboundedReceiver<Command>,
        start: (i64, i64),
    ) -> Result<Self> {
        Ok(Worker { store, conn, config, shared, commands, start })
    }

    pub fn run(self) {
        // Normal priority, so one delivery at a time is forwarded at once;
        // a flood is kept clear of by the pressure check instead (see `dispatch`).
        let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(rt) => rt,
            Err(e) => {
                tracing::error!(error = %e, "the forwarder could not start its runtime");
                return;
            }
        };
        runtime.block_on(async move {
            match Run::new(self).await {
                Ok(run) => run.main().await,
                Err(e) => tracing::error!(error = %e, "the forwarder could not start"),
            }
        });
    }
}

/// A send that finished.
struct Done {
    target: String,
    seq: i64,
    started_at_us: i64,
    request: outbound::Request,
    url: String,
    exchange: outbound::Exchange,
}

/// A write's outcome, the batch it wrote, and the cursor it set.
type Written = (Result<()>, Arc<Batch>, i64);

/// What the next write records.
#[derive(Default)]
struct Batch {
    attempts: Vec<NewAttempt>,
    rows: Vec<Row>,
}

impl Batch {
    fn is_empty(&self) -> bool {
        self.attempts.is_empty() && self.rows.is_empty()
    }
}

struct Run {
    store: Store,
    conn: Connection,
    config: ForwardConfig,
    shared: Weak<Shared>,
    commands: mpsc::UnboundedReceiver<Command>,
    committed: watch::Receiver<Committed>,
    outbound: Outbound,
    rules: Arc<Rules>,
    lanes: HashMap<String, Lane>,
    /// Deliveries up to here have been routed.
    read_pos: i64,
    /// Routed deliveries whose row is not written yet: the cursor stays below them.
    unresolved: BTreeSet<i64>,
    cursor: i64,
    cursor_written: Instant,
    batch: Batch,
    writing: Option<oneshot::Receiver<Written>>,
    waiters: HashMap<i64, oneshot::Sender<Passed>>,
    /// Each start's `--forward-to`, oldest first (this run's last); rules
    /// for earlier runs' deliveries, made when first needed.
    runs: Vec<(i64, Option<String>)>,
    past_rules: HashMap<i64, Arc<Rules>>,
    /// Routed by a passthrough rule: its sender will ask for the answer.
    passthrough: std::collections::HashSet<i64>,
    /// Answers of passthrough sends that finished before their sender asked
    /// (the forwarder saw the commit first): kept briefly, newest last.
    answers: std::collections::VecDeque<(i64, Passed)>,
    done_tx: mpsc::UnboundedSender<Done>,
    done_rx: mpsc::UnboundedReceiver<Done>,
    expired_checked: Instant,
    stopping: bool,
    /// Captures are pressed (see [`PRESSED_AT`]) since the last look, and
    /// how many forwards may still go until the next.
    pressed: bool,
    pressure_checked: Instant,
    allowance: usize,
}

impl Run {
    async fn new(w: Worker) -> Result<Run> {
        let Worker { store, conn, config, shared, commands, start: (cursor, run_from) } = w;
        let mut committed = store.committed();
        committed.borrow_and_update();
        let fresh = forwards::cursor(&conn)?.is_none();
        let target = config.default_target.clone();
        store
            .write(move |tx| {
                if fresh {
                    forwards::set_cursor(tx, cursor)?;
                }
                forwards::put_run(tx, run_from, target.as_deref(), cursor)?;
                Ok(((), Effects::NONE))
            })
            .await?;
        let runs = forwards::runs(&conn)?;
        let rules =
            shared.upgrade().map(|s| s.rules.read().unwrap_or_else(|e| e.into_inner()).clone()).unwrap_or_default();
        let mut lanes: HashMap<String, Lane> = HashMap::new();
        for w in forwards::waiting(&conn)? {
            let lane = lanes.entry(w.target.clone()).or_insert_with(|| Lane::new(rules.concurrency(&w.target)));
            lane.push(Job {
                tries: w.tries,
                state: w.state,
                persisted: true,
                ..Job::new(w.delivery, w.received_at_us)
            });
        }
        for target in forwards::paused(&conn)? {
            lanes.entry(target.clone()).or_insert_with(|| Lane::new(rules.concurrency(&target))).paused = true;
        }
        let (done_tx, done_rx) = mpsc::unbounded_channel();
        Ok(Run {
            outbound: Outbound::new(config.outbound.clone()),
            store,
            conn,
            config,
            shared,
            commands,
            committed,
            rules,
            lanes,
            read_pos: cursor,
            unresolved: BTreeSet::new(),
            cursor,
            cursor_written: Instant::now(),
            batch: Batch::default(),
            writing: None,
            waiters: HashMap::new(),
            runs,
            past_rules: HashMap::new(),
            passthrough: Default::default(),
            answers: Default::default(),
            done_tx,
            done_rx,
            expired_checked: Instant::now(),
            stopping: false,
            pressed: false,
            pressure_checked: Instant::now(),
            allowance: TRICKLE,
        })
    }

    async fn main(mut self) {
        loop {
            let now = now_us();
            if let Err(e) = self.step(now) {
                tracing::warn!(error = %e, "forwarding step failed");
            }
            if self.stopping && self.writing.is_none() && self.batch.is_empty() && self.cursor_target() <= self.cursor {
                return;
            }
            self.publish();
            let wake = self.next_wake(now);
            let write_done = async {
                match self.writing.as_mut() {
                    Some(rx) => rx.await.ok(),
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                written = write_done => {
                    self.writing = None;
                    if let Some((result, batch, cursor)) = written {
                        self.written(result, batch, cursor);
                    }
                }
                Some(done) = self.done_rx.recv() => {
                    self.finished(done);
                    while let Ok(more) = self.done_rx.try_recv() {
                        self.finished(more);
                    }
                }
                command = self.commands.recv(), if !self.stopping => match command {
                    Some(Command::Stop) | None => self.stopping = true,
                    Some(c) => self.command(c).await,
                },
                // While captures are pressed, commits don't wake the
                // forwarder: it looks again on the pressure timer.
                changed = self.committed.changed(), if !self.stopping && !self.pressed => {
                    if changed.is_err() {
                        self.stopping = true;
                    }
                }
                _ = tokio::time::sleep(wake) => {}
            }
        }
    }

    /// Everything that can be done now without waiting.
    fn step(&mut self, now: i64) -> Result<()> {
        let seen = *self.committed.borrow_and_update();
        self.take_rules();
        if !self.stopping {
            self.route(seen.last_seq)?;
        }
        self.hold(now);
        if self.expired_checked.elapsed() >= EXPIRY_EVERY {
            self.expired_checked = Instant::now();
            self.expire(now);
        }
        if !self.stopping {
            self.dispatch(now);
        }
        self.flush();
        Ok(())
    }

    /// Takes up rules saved since the last step (they are swapped in by
    /// [`super::Forwarder::reload_rules`], on the saver's own thread).
    fn take_rules(&mut self) {
        let Some(shared) = self.shared.upgrade() else { return };
        let rules = shared.rules.read().unwrap_or_else(|e| e.into_inner()).clone();
        if !Arc::ptr_eq(&rules, &self.rules) {
            for (target, lane) in &mut self.lanes {
                lane.concurrency = rules.concurrency(target);
            }
            self.rules = rules;
            self.past_rules.clear();
        }
    }

    /// The rules a delivery is routed by: today's endpoints, with the
    /// default target of the run that captured it.
    fn rules_for(&mut self, seq: i64) -> Arc<Rules> {
        match forwards::run_target(&self.runs, seq) {
            Some((from, target)) if Some(*from) != self.runs.last().map(|r| r.0) => {
                let endpoints = self.rules.endpoints().to_vec();
                let target = target.clone();
                self.past_rules.entry(*from).or_insert_with(|| Arc::new(Rules::new(endpoints, target))).clone()
            }
            _ => self.rules.clone(),
        }
    }

    /// Routes deliveries committed since the last look, while the window has room.
    fn route(&mut self, last_seq: i64) -> Result<()> {
        let past_targets = self.runs.iter().rev().skip(1).any(|(_, t)| t.is_some());
        if !self.rules.any_target() && !past_targets && self.waiters.is_empty() {
            // Nothing forwards: the cursor follows the commits without a read.
            self.read_pos = self.read_pos.max(last_seq);
        }
        while self.read_pos < last_seq && self.unresolved.len() < WINDOW {
            let arrivals = forwards::arrivals(&self.conn, self.read_pos, READ_STEP)?;
            let Some(last) = arrivals.last().map(|a| a.seq) else { break };
            for a in arrivals {
                let rules = self.rules_for(a.seq);
                let route = rules.route(&a.method, &a.path);
                let target = if a.truncated { None } else { route.target };
                let Some(target) = target else {
                    if let Some(waiter) = self.waiters.remove(&a.seq) {
                        let _ = waiter.send(Passed::NotForwarded);
                    }
                    continue;
                };
                let concurrency = self.rules.concurrency(target);
                let lane = self.lanes.entry(target.to_owned()).or_insert_with(|| Lane::new(concurrency));
                let mut job = Job::new(a.seq, a.received_at_us);
                if route.mode == crate::model::ForwardMode::Passthrough {
                    self.passthrough.insert(a.seq);
                }
                if self.waiters.contains_key(&a.seq) {
                    if lane.paused {
                        if let Some(waiter) = self.waiters.remove(&a.seq) {
                            let _ = waiter.send(Passed::Paused);
                        }
                    } else {
                        job.urgent = true;
                    }
                }
                lane.push(job);
                self.unresolved.insert(a.seq);
            }
            self.read_pos = last;
        }
        if let Some(shared) = self.shared.upgrade() {
            shared.read_pos.store(self.read_pos, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Jobs of a target that is down or paused get their row now, so the
    /// cursor can pass them and the list shows them waiting.
    fn hold(&mut self, now: i64) {
        for (target, lane) in &mut self.lanes {
            if !lane.holding(now) {
                continue;
            }
            let next_at_us = lane.down.map(|(until, _)| until);
            for job in lane.persist_waiting() {
                self.unresolved.remove(&job.seq);
                self.batch.rows.push(Row {
                    delivery: job.seq,
                    target: target.clone(),
                    state: job.state,
                    tries: job.tries,
                    next_at_us,
                    last_status: None,
                    last_error: lane.last_error.clone(),
                });
            }
        }
    }

    fn expire(&mut self, now: i64) {
        for (target, lane) in &mut self.lanes {
            for job in lane.take_expired(now, self.config.give_up) {
                self.unresolved.remove(&job.seq);
                self.batch.rows.push(Row {
                    delivery: job.seq,
                    target: target.clone(),
                    state: ForwardState::Dead,
                    tries: job.tries,
                    next_at_us: None,
                    last_status: None,
                    last_error: Some(format!("given up after {}", human(self.config.give_up))),
                });
            }
        }
    }

    fn dispatch(&mut self, now: i64) {
        if self.pressure_checked.elapsed() >= PRESSURE_EVERY {
            self.pressure_checked = Instant::now();
            self.pressed = self.shared.upgrade().is_some_and(|s| s.pressure.take_peak() >= PRESSED_AT);
            self.allowance = TRICKLE;
        }
        let mut ready = Vec::new();
        for (target, lane) in &mut self.lanes {
            let max = if self.pressed { self.allowance } else { usize::MAX };
            for job in lane.take_ready(now, max) {
                if !job.urgent {
                    self.allowance = self.allowance.saturating_sub(1);
                }
                ready.push((target.clone(), job.seq));
            }
        }
        for (target, seq) in ready {
            self.send(target, seq, now);
        }
    }

    fn send(&mut self, target: String, seq: i64, now: i64) {
        let delivery = match crate::store::get_for_replay(&self.conn, DeliveryId(seq)) {
            Ok(d) => d,
            Err(e) => {
                // Deleted meanwhile (or unreadable): nothing to send.
                if !matches!(e, Error::NotFound { .. }) {
                    tracing::warn!(error = %e, seq, "could not read a delivery to forward");
                }
                if let Some(lane) = self.lanes.get_mut(&target) {
                    lane.in_flight.remove(&seq);
                }
                self.unresolved.remove(&seq);
                self.passthrough.remove(&seq);
                if let Some(waiter) = self.waiters.remove(&seq) {
                    let _ = waiter.send(Passed::NotForwarded);
                }
                return;
            }
        };
        let summary = &delivery.head.summary;
        let planned = replay::target(&target, &summary.path, summary.query.as_deref()).and_then(|(url, line)| {
            replay::plan(&delivery, url, line, &ReplayRequest::default(), None, now / 1_000_000)
        });
        let done_tx = self.done_tx.clone();
        match planned {
            Ok(plan) => {
                let outbound = self.outbound.clone();
                let url = replay::full_url(&plan.request.url, &plan.request.target);
                tokio::spawn(async move {
                    let exchange = outbound.send(&plan.request).await;
                    let _ =
                        done_tx.send(Done { target, seq, started_at_us: now, request: plan.request, url, exchange });
                });
            }
            Err(e) => {
                // A request that cannot be sent is final, as a rejection is.
                let request = outbound::Request {
                    method: summary.method.clone(),
                    url: url::Url::parse("http://invalid/").unwrap_or_else(|_| unreachable!()),
                    target: summary.path.clone(),
                    headers: Vec::new(),
                    body: Default::default(),
                    insecure: false,
                    timeout: None,
                };
                let error = SendError { kind: SendErrorKind::InvalidUrl, message: e.to_string() };
                let exchange = outbound::Exchange { result: Err(error), duration: Duration::ZERO };
                let url = target.clone();
                let _ = done_tx.send(Done { target, seq, started_at_us: now, request, url, exchange });
            }
        }
    }

    fn finished(&mut self, done: Done) {
        let Done { target, seq, started_at_us, request, url, exchange } = done;
        let now = now_us();
        let retry_after = match &exchange.result {
            Ok(r) => {
                find(&r.headers, "retry-after").and_then(|h| parse_retry_after(&h.value, std::time::SystemTime::now()))
            }
            Err(_) => None,
        };
        let outcome = exchange.result.as_ref().map(|r| r.status).map_err(|e| e.kind);
        let class = classify(&outcome, retry_after);
        let (last_status, last_error) = match &exchange.result {
            Ok(r) => (Some(r.status), (!(200..300).contains(&r.status)).then(|| format!("answered {}", r.status))),
            Err(e) => (None, Some(e.message.clone())),
        };
        let settled = self.lanes.get_mut(&target).and_then(|lane| {
            if let Class::Retry { .. } = class {
                lane.last_error = last_error.clone();
            }
            let tries = lane.in_flight.get(&seq).map_or(1, |(j, _)| j.tries + 1);
            lane.settle(seq, &class, now, self.config.backoff, self.config.give_up, fastrand::f64()).map(|s| (s, tries))
        });
        let answer = || match &exchange.result {
            Ok(r) => Passed::Answer(r.clone()),
            Err(e) => Passed::Unreachable(e.clone()),
        };
        if let Some(waiter) = self.waiters.remove(&seq) {
            let _ = waiter.send(answer());
        } else if self.passthrough.contains(&seq) {
            self.answers.push_back((seq, answer()));
            if self.answers.len() > KEEP_ANSWERS {
                self.answers.pop_front();
            }
        }
        self.passthrough.remove(&seq);
        self.unresolved.remove(&seq);
        if let Some((settled, tries)) = settled {
            let (state, next_at_us) = match settled {
                Settled::Done(state) => (state, None),
                Settled::Again { next_at_us } => (ForwardState::Retrying, Some(next_at_us)),
            };
            self.batch.rows.push(Row { delivery: seq, target, state, tries, next_at_us, last_status, last_error });
        }
        self.batch.attempts.push(NewAttempt {
            delivery: DeliveryId(seq),
            origin: Origin::Forward,
            started_at_us,
            method: request.method,
            url,
            request_headers: request.headers,
            request_body: Vec::new(),
            body_as_captured: true,
            resigned: Vec::new(),
            warnings: Vec::new(),
            duration_us: exchange.duration.as_micros() as i64,
            outcome: exchange.result,
        });
    }

    /// Where the cursor can go: below the oldest delivery without a row.
    fn cursor_target(&self) -> i64 {
        self.unresolved.first().map_or(self.read_pos, |&oldest| oldest - 1)
    }

    /// Starts writing the batch (and the cursor) unless a write is under way.
    fn flush(&mut self) {
        if self.writing.is_some() {
            return;
        }
        let cursor = self.cursor_target();
        let cursor_due = cursor > self.cursor && (self.cursor_written.elapsed() >= CURSOR_EVERY || self.stopping);
        if self.batch.is_empty() && !cursor_due {
            return;
        }
        let batch = Arc::new(std::mem::take(&mut self.batch));
        let (reply, rx) = oneshot::channel();
        let store = self.store.clone();
        let for_write = batch.clone();
        tokio::spawn(async move {
            let result = store
                .write(move |tx| {
                    let now = now_us();
                    let mut last = crate::store::last_attempt_seq(tx)?;
                    for a in &for_write.attempts {
                        last = crate::store::insert_attempt(tx, a, last)?.0;
                    }
                    for row in &for_write.rows {
                        forwards::put(tx, row, now)?;
                    }
                    forwards::set_cursor(tx, cursor)?;
                    let effects = if for_write.is_empty() { Effects::NONE } else { Effects::ATTEMPTS };
                    Ok(((), effects))
                })
                .await;
            let _ = reply.send((result, batch, cursor));
        });
        self.cursor_written = Instant::now();
        self.writing = Some(rx);
    }

    fn written(&mut self, result: Result<()>, batch: Arc<Batch>, cursor: i64) {
        match result {
            Ok(()) => {
                self.cursor = self.cursor.max(cursor);
                let updates: Vec<ForwardUpdate> = batch
                    .rows
                    .iter()
                    .map(|r| ForwardUpdate {
                        id: DeliveryId(r.delivery),
                        forward: ForwardBadge {
                            state: r.state,
                            target: r.target.clone(),
                            tries: r.tries,
                            next_at_us: r.next_at_us,
                            last_status: r.last_status,
                            last_error: r.last_error.clone(),
                        },
                    })
                    .collect();
                if let Some(shared) = self.shared.upgrade()
                    && !updates.is_empty()
                {
                    let _ = shared.updates.send(updates);
                }
            }
            Err(e) => {
                // Kept for the next write: the cursor has not passed them.
                tracing::warn!(error = %e, "recording forwards failed; will retry");
                let batch = Arc::try_unwrap(batch).unwrap_or_default();
                let mut rows = batch.rows;
                rows.append(&mut self.batch.rows);
                self.batch.rows = rows;
                let mut attempts = batch.attempts;
                attempts.append(&mut self.batch.attempts);
                self.batch.attempts = attempts;
            }
        }
    }

    async fn command(&mut self, command: Command) {
        match command {
            Command::Passthrough { seq, reply } => {
                if let Some(at) = self.answers.iter().position(|(s, _)| *s == seq) {
                    if let Some((_, answer)) = self.answers.remove(at) {
                        let _ = reply.send(answer);
                    }
                    return;
                }
                if seq > self.read_pos {
                    // Routed (and marked urgent) by the next step.
                    self.waiters.insert(seq, reply);
                    return;
                }
                let lane =
                    self.lanes.values_mut().find(|l| l.waiting.contains_key(&seq) || l.in_flight.contains_key(&seq));
                match lane {
                    Some(lane) if lane.paused => {
                        let _ = reply.send(Passed::Paused);
                    }
                    Some(lane) => {
                        if let Some(job) = lane.waiting.get_mut(&seq) {
                            job.urgent = true;
                        }
                        self.waiters.insert(seq, reply);
                    }
                    None => {
                        let _ = reply.send(Passed::NotForwarded);
                    }
                }
            }
            Command::Pause { target, paused, reply } => {
                let t = target.clone();
                let result =
                    self.store.write(move |tx| Ok((forwards::set_paused(tx, &t, paused)?, Effects::ATTEMPTS))).await;
                if result.is_ok() {
                    let concurrency = self.rules.concurrency(&target);
                    self.lanes.entry(target).or_insert_with(|| Lane::new(concurrency)).paused = paused;
                }
                let _ = reply.send(result);
            }
            Command::Retry { target, reply } => {
                let from = [ForwardState::Failed, ForwardState::Dead];
                let t = target.clone();
                let result = self
                    .store
                    .write(move |tx| {
                        let moved = forwards::move_states(tx, t.as_deref(), &from, ForwardState::Queued, now_us())?;
                        Ok((moved, Effects::ATTEMPTS))
                    })
                    .await;
                let _ = reply.send(result.map(|moved| {
                    let n = moved.len() as u64;
                    for w in moved {
                        let concurrency = self.rules.concurrency(&w.target);
                        let lane = self.lanes.entry(w.target.clone()).or_insert_with(|| Lane::new(concurrency));
                        // The user asked for it now: no backoff left to sit out.
                        lane.down = None;
                        lane.push(Job {
                            tries: w.tries,
                            persisted: true,
                            // Counted from now, or a day-old job would be dead again at once.
                            ..Job::new(w.delivery, now_us())
                        });
                    }
                    n
                }));
            }
            Command::Drop { target, reply } => {
                let mut unwritten = Vec::new();
                for (t, lane) in &mut self.lanes {
                    if target.as_ref().is_some_and(|want| want != t) {
                        continue;
                    }
                    for job in lane.drain() {
                        self.unresolved.remove(&job.seq);
                        if !job.persisted {
                            unwritten.push(Row {
                                delivery: job.seq,
                                target: t.clone(),
                                state: ForwardState::Dropped,
                                tries: job.tries,
                                next_at_us: None,
                                last_status: None,
                                last_error: None,
                            });
                        }
                    }
                }
                let from = [ForwardState::Queued, ForwardState::Retrying];
                let result = self
                    .store
                    .write(move |tx| {
                        let now = now_us();
                        for row in &unwritten {
                            forwards::put(tx, row, now)?;
                        }
                        let moved = forwards::move_states(tx, target.as_deref(), &from, ForwardState::Dropped, now)?;
                        Ok(((unwritten.len() + moved.len()) as u64, Effects::ATTEMPTS))
                    })
                    .await;
                let _ = reply.send(result);
            }
            Command::Stop => self.stopping = true,
        }
    }

    fn next_wake(&self, now: i64) -> Duration {
        let mut wake = EXPIRY_EVERY;
        for lane in self.lanes.values() {
            if let Some(due) = lane.next_due()
                && lane.in_flight.is_empty()
            {
                wake = wake.min(Duration::from_micros(due.saturating_sub(now).max(0) as u64));
            }
        }
        if self.pressed {
            wake = wake.min(PRESSURE_EVERY.saturating_sub(self.pressure_checked.elapsed()));
        }
        if self.cursor_target() > self.cursor {
            wake = wake.min(CURSOR_EVERY.saturating_sub(self.cursor_written.elapsed()));
        }
        wake
    }

    fn publish(&self) {
        let Some(shared) = self.shared.upgrade() else { return };
        let now = now_us();
        let views = self
            .lanes
            .iter()
            .map(|(target, lane)| LaneView {
                target: target.clone(),
                paused: lane.paused,
                down_until_us: lane.down.map(|(until, _)| until).filter(|&u| u > now || !lane.waiting.is_empty()),
                in_flight: lane.in_flight.len() as u64,
                unwritten: lane.unwritten.len() as u64,
                last_error: lane.down.and(lane.last_error.clone()),
            })
            .collect();
        *shared.lanes.lock().unwrap_or_else(|e| e.into_inner()) = views;
    }
}

use super::lane::Class;

fn human(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 && s.is_multiple_of(3600) {
        format!("{} h", s / 3600)
    } else if s >= 60 && s.is_multiple_of(60) {
        format!("{} min", s / 60)
    } else {
        format!("{s} s")
    }
}
