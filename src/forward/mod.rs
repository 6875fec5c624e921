//! Forwarding: every delivery a rule sends on reaches the user's app, even
//! across a restart of the app or of Hookscope.
//!
//! Capture never waits for it. The forwarder follows the deliveries in commit
//! order with a persisted cursor (as the search indexer does), so the intent to
//! forward is exactly as durable as the delivery and the ack path does no
//! extra work. A delivery gets a row in `forwards` when the forwarder settles
//! it, or when it must wait (its target down or paused); the cursor only
//! passes deliveries whose row is written. After a crash, what was sent but
//! not yet recorded is sent again: only the in-flight window can arrive twice.
//!
//! It runs on a thread of its own, with its own runtime and outbound client.
//! It gives way to the capture path by pressure, not by CPU priority: while
//! several captures are in flight at once (a flood) it forwards only a
//! trickle and is not woken by each commit, and catches up once the flood
//! ends; deliveries that come one at a time are forwarded at once. (At the
//! lowest priority the forwarding lag at one connection was 175 ms at p50,
//! starved behind capture; sending at full speed during a flood took a third
//! of the capture rate.)

mod lane;
mod report;
mod rules;
mod worker;

use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, oneshot};

pub use lane::{Backoff, Class, classify, parse_retry_after};
pub use report::{ForwardUpdate, QueueReport, TargetReport, queue_report_from_db};
pub use rules::{Route, Rules};

use crate::error::{Error, Result};
use crate::outbound::{self, OutboundConfig};
use crate::store::Store;

#[derive(Debug, Clone)]
pub struct ForwardConfig {
    /// A job still not delivered this long after its delivery arrived is dead.
    pub give_up: Duration,
    pub backoff: Backoff,
    /// `hookscope serve --forward-to`: the default rule's target for this run.
    pub default_target: Option<String>,
    pub outbound: OutboundConfig,
}

impl Default for ForwardConfig {
    fn default() -> Self {
        ForwardConfig {
            give_up: Duration::from_secs(24 * 3600),
            backoff: Backoff { min: Duration::from_secs(1), max: Duration::from_secs(30) },
            default_target: None,
            outbound: OutboundConfig::default(),
        }
    }
}

/// What a sender waiting on a passthrough delivery is answered with.
#[derive(Debug)]
pub enum Passed {
    /// The target's answer.
    Answer(outbound::Response),
    /// The target could not be reached (or answered nothing HTTP).
    Unreachable(outbound::SendError),
    /// The target is paused: nothing was sent.
    Paused,
    /// No rule forwards this delivery any more (the rules changed meanwhile).
    NotForwarded,
}

pub(crate) enum Command {
    Passthrough { seq: i64, reply: oneshot::Sender<Passed> },
    Pause { target: String, paused: bool, reply: oneshot::Sender<Result<()>> },
    Retry { target: Option<String>, reply: oneshot::Sender<Result<u64>> },
    Drop { target: Option<String>, reply: oneshot::Sender<Result<u64>> },
    Stop,
}

/// What the worker shows of its lanes, for the queue report.
#[derive(Debug, Clone, Default)]
pub(crate) struct LaneView {
    pub target: String,
    pub paused: bool,
    pub down_until_us: Option<i64>,
    pub in_flight: u64,
    /// Waiting jobs not yet in the table (the table counts the rest).
    pub unwritten: u64,
    pub last_error: Option<String>,
}

/// How hard the capture path is pressed: requests being handled now, and
/// the most at once since the forwarder last looked. Forwarding gives way
/// while several captures are in flight at once (a flood), and runs at once
/// when they come one by one.
#[derive(Debug, Default)]
pub(crate) struct Pressure {
    in_flight: std::sync::atomic::AtomicUsize,
    peak: std::sync::atomic::AtomicUsize,
}

impl Pressure {
    /// The most captures in flight at once since the last call.
    pub(crate) fn take_peak(&self) -> usize {
        use std::sync::atomic::Ordering::Relaxed;
        self.peak.swap(self.in_flight.load(Relaxed), Relaxed)
    }
}

/// One capture in flight, counted until dropped.
pub struct Busy(Arc<Shared>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.pressure.in_flight.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

struct Shared {
    pressure: Pressure,
    rules: RwLock<Arc<Rules>>,
    commands: mpsc::UnboundedSender<Command>,
    updates: broadcast::Sender<Vec<ForwardUpdate>>,
    lanes: Mutex<Vec<LaneView>>,
    /// Deliveries up to here have been routed by the worker.
    read_pos: std::sync::atomic::AtomicI64,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    store: Store,
}

/// A handle on the forwarder; clones share it. Dropping the last one stops it.
#[derive(Clone)]
pub struct Forwarder {
    shared: Arc<Shared>,
}

impl Forwarder {
    /// Loads the rules and the waiting jobs and starts following the store.
    pub fn start(store: Store, config: ForwardConfig) -> Result<Forwarder> {
        let conn = crate::store::read_only_connection(store.path())?;
        let endpoints = crate::store::list_endpoints(&conn)?;
        let rules = Arc::new(Rules::new(endpoints, config.default_target.clone()));
        let (commands, rx) = mpsc::unbounded_channel();
        let (updates, _) = broadcast::channel(64);
        let shared = Arc::new(Shared {
            pressure: Pressure::default(),
            rules: RwLock::new(rules),
            commands,
            updates,
            lanes: Mutex::new(Vec::new()),
            read_pos: std::sync::atomic::AtomicI64::new(0),
            thread: Mutex::new(None),
            store: store.clone(),
        });
        // Decided here, before capture starts: on the first run on a database
        // what is stored already is not forwarded, and nothing captured from
        // now on is skipped however late the worker thread gets going.
        let run_from = store.committed().borrow().last_seq;
        let cursor = crate::store::forwards::cursor(&conn)?.unwrap_or(run_from);
        let worker = worker::Worker::new(store, conn, config, Arc::downgrade(&shared), rx, (cursor, run_from))?;
        let thread = std::thread::Builder::new()
            .name("hookscope-forward".into())
            .spawn(move || worker.run())
            .map_err(|e| Error::io("starting the forwarder thread", e))?;
        *shared.thread.lock().unwrap_or_else(|e| e.into_inner()) = Some(thread);
        Ok(Forwarder { shared })
    }

    /// Counts a capture in flight until the guard is dropped.
    pub fn busy(&self) -> Busy {
        use std::sync::atomic::Ordering::Relaxed;
        let p = &self.shared.pressure;
        let now = p.in_flight.fetch_add(1, Relaxed) + 1;
        p.peak.fetch_max(now, Relaxed);
        Busy(self.shared.clone())
    }

    /// The rules as they are now (capture reads them for every request).
    pub fn rules(&self) -> Arc<Rules> {
        self.shared.rules.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Reads the endpoints again: called once a change is committed, so the
    /// next request is answered by the new rules.
    pub async fn reload_rules(&self) -> Result<()> {
        let endpoints = self.shared.store.endpoints().await?;
        let rules = Arc::new(Rules::new(endpoints, self.rules().default_target_override().map(str::to_owned)));
        *self.shared.rules.write().unwrap_or_else(|e| e.into_inner()) = rules;
        Ok(())
    }

    /// Sends the committed delivery `seq` now and waits for the target's answer.
    pub async fn passthrough(&self, seq: i64) -> Passed {
        let (reply, rx) = oneshot::channel();
        if self.shared.commands.send(Command::Passthrough { seq, reply }).is_err() {
            return Passed::NotForwarded;
        }
        rx.await.unwrap_or(Passed::NotForwarded)
    }

    /// Holds (or releases) everything for one target; kept across restarts.
    pub async fn set_paused(&self, target: &str, paused: bool) -> Result<()> {
        self.ask(|reply| Command::Pause { target: target.to_owned(), paused, reply }).await?
    }

    /// Queues failed and dead deliveries (of one target, or all) again; how many.
    pub async fn retry_failed(&self, target: Option<String>) -> Result<u64> {
        self.ask(|reply| Command::Retry { target, reply }).await?
    }

    /// Drops the waiting deliveries (of one target, or all); how many.
    pub async fn drop_queue(&self, target: Option<String>) -> Result<u64> {
        self.ask(|reply| Command::Drop { target, reply }).await?
    }

    /// Counts per target and state, with each target's live state.
    pub async fn report(&self) -> Result<QueueReport> {
        let lanes = self.shared.lanes.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let default_target = self.rules().default_target().map(str::to_owned);
        let counts = self.shared.store.readers().run(crate::store::forwards::counts).await?;
        Ok(report::build(counts, &lanes, default_target))
    }

    /// State changes of forwarded deliveries, a batch per recorded batch.
    pub fn updates(&self) -> broadcast::Receiver<Vec<ForwardUpdate>> {
        self.shared.updates.subscribe()
    }

    /// Deliveries above this seq are not routed yet (the list shows those a
    /// rule forwards as queued).
    pub fn read_pos(&self) -> i64 {
        self.shared.read_pos.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Stops the worker once what it has recorded so far is written.
    pub async fn shutdown(&self) {
        let _ = self.shared.commands.send(Command::Stop);
        let thread = self.shared.thread.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(thread) = thread {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }

    async fn ask<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Command) -> Result<T> {
        let (reply, rx) = oneshot::channel();
        self.shared.commands.send(make(reply)).map_err(|_| Error::StoreClosed)?;
        rx.await.map_err(|_| Error::StoreClosed)
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Stop);
    }
}
