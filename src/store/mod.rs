//! The durable store: SQLite in WAL mode, one writer thread that commits
//! deliveries in groups and acknowledges each after its group commits, and a
//! pool of read-only connections so listing and search never wait for it.

mod activity;
mod attempts;
mod checkpoint;
mod deliveries;
mod endpoints;
pub mod forwards;
mod migrate;
mod readers;
mod search;
mod stats;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use tokio::sync::{Semaphore, oneshot, watch};

pub use checkpoint::KEEP as WAL_KEEP;
pub use deliveries::{ListFilter, MAX_PAGE, Page, StatusFilter, UNSEARCHED_CAP};
pub use migrate::SCHEMA_VERSION;
pub use readers::Readers;
pub use search::{INDEX_VERSION, search_path};
pub use stats::Stats;

use crate::error::{Error, Result};
use crate::model::Endpoint;
use crate::model::{Attempt, AttemptId, AttemptSummary, Delivery, DeliveryHead, DeliveryId, NewAttempt, NewDelivery};
use writer::{Command, FnJob, Writer};
pub use writer::{Effects, Job};

/// SQLite's page size for new databases. Rows of a couple of KB pack into
/// 32 KiB pages with little slack, which keeps the file within ~1.1x of the
/// bytes received; see the README's storage figures.
const PAGE_SIZE: i64 = 32 * 1024;

/// How much delivery data may wait for the writer before captures are refused
/// (503) instead of growing memory without bound.
const MAX_QUEUED_BYTES: usize = 256 * 1024 * 1024;

/// The longest `flush` waits for the search index to catch up.
const FLUSH_DEADLINE: Duration = Duration::from_secs(120);
/// How long a full-text search waits for the indexer to reach the deliveries
/// committed before it. A delivery searched for right after its ack is then
/// found; after a flood the search answers with what is indexed and says how
/// many it could not search.
const SEARCH_CATCH_UP: Duration = Duration::from_millis(500);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// fsync at checkpoints only: survives a killed process, not a power cut.
    #[default]
    Normal,
    /// fsync every group commit: survives a power cut.
    Full,
}

#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub path: PathBuf,
    pub durability: Durability,
    /// Keep at most this many deliveries (pinned ones are never pruned).
    pub max_deliveries: u64,
    /// Keep at most this many header + body bytes.
    pub max_bytes: u64,
    /// A hard cap on the database file; when reached, captures get a 503.
    pub max_db_bytes: Option<u64>,
    /// The writer's page cache. 64 MiB keeps the capture path off the disk
    /// under load; a one-shot CLI import does with less (its peak RSS).
    pub writer_cache_kib: i64,
}

impl StoreConfig {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        StoreConfig {
            path: path.into(),
            durability: Durability::Normal,
            max_deliveries: 1_000_000,
            max_bytes: 5 * 1024 * 1024 * 1024,
            max_db_bytes: None,
            writer_cache_kib: 64 * 1024,
        }
    }
}

/// Events the writer publishes after each commit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Committed {
    /// The newest delivery's sequence number.
    pub last_seq: i64,
    /// Bumped when deliveries are deleted, cleared or pinned, so views reload.
    pub changes: u64,
    /// The newest entry of the deletion log the search index follows.
    pub delete_log: i64,
    /// Bumped when endpoint settings change, so verdicts are recomputed.
    pub endpoints: u64,
    /// Bumped when attempts are recorded.
    pub attempts: u64,
}

#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    commands: mpsc::Sender<Command>,
    queue_budget: Semaphore,
    committed: watch::Receiver<Committed>,
    readers: Readers,
    search: Arc<search::Progress>,
    stats: stats::PathStats,
    _checkpointer: checkpoint::Checkpointer,
    _indexer: search::Indexer,
    writer_thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Inner {
    /// Waits for the writer to finish what it was sent, so that a store opened
    /// again right after sees a settled database and never a second writer.
    fn drop(&mut self) {
        if self.commands.send(Command::Shutdown).is_ok()
            && let Some(thread) = self.writer_thread.take()
        {
            let _ = thread.join();
        }
    }
}

impl Store {
    /// Opens (creating if needed) the database and starts its writer.
    pub fn open(config: StoreConfig) -> Result<Store> {
        if let Some(dir) = config.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        }
        let mut conn = Connection::open(&config.path)?;
        // Deliveries and endpoint secrets are for this user's eyes only; SQLite
        // gives the -wal and -shm files the same mode.
        crate::fsutil::restrict(&config.path, 0o600)
            .map_err(|e| Error::io(format!("securing {}", config.path.display()), e))?;
        configure_writer(&conn, &config)?;
        migrate::migrate(&mut conn, &config.path)?;

        let (commands, rx) = mpsc::channel();
        let (committed_tx, committed) = watch::channel(Committed::default());
        let restart_wanted = Arc::new(AtomicBool::new(false));
        let activity = Arc::new(activity::Activity::default());
        let search = Arc::new(search::Progress::default());
        let (path_stats, stats_cursor) = stats::PathStats::load(&conn)?;
        let writer = Writer::new(
            conn,
            committed_tx,
            activity.clone(),
            restart_wanted.clone(),
            search.clone(),
            path_stats.clone(),
            stats_cursor,
        )?;
        let writer_thread = std::thread::Builder::new()
            .name("hookscope-writer".into())
            .spawn(move || writer.run(rx))
            .map_err(|e| Error::io("starting the writer thread", e))?;

        Ok(Store {
            inner: Arc::new(Inner {
                readers: Readers::new(&config.path),
                _checkpointer: checkpoint::Checkpointer::start(
                    &config.path,
                    config.durability,
                    activity.clone(),
                    restart_wanted,
                )?,
                _indexer: search::Indexer::start(&config.path, committed.clone(), activity, search.clone())?,
                search,
                stats: path_stats,
                path: config.path,
                commands,
                queue_budget: Semaphore::new(MAX_QUEUED_BYTES / 1024),
                committed,
                writer_thread: Some(writer_thread),
            }),
        })
        .and_then(|store| {
            store.send(Command::Configure(writer::Limits {
                max_deliveries: config.max_deliveries,
                max_bytes: config.max_bytes,
            }))?;
            Ok(store)
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Commits one delivery and returns its id once it is durable (per the
    /// configured durability). Many concurrent calls share one transaction.
    pub async fn insert(&self, delivery: NewDelivery) -> Result<DeliveryId> {
        let kib = ((delivery.body.len() + delivery.headers.len()) / 1024 + 1).min(MAX_QUEUED_BYTES / 1024) as u32;
        let _permit = self.inner.queue_budget.acquire_many(kib).await.map_err(|_| Error::StoreClosed)?;
        let (reply, rx) = oneshot::channel();
        self.send(Command::Insert(Box::new(delivery), reply))?;
        rx.await.map_err(|_| Error::StoreClosed)?
    }

    /// Stores imported deliveries in one transaction; their ids, in order.
    pub async fn import(&self, batch: Vec<NewDelivery>) -> Result<Vec<DeliveryId>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        self.request(|reply| Command::Import(batch, reply)).await
    }

    pub async fn delete(&self, id: DeliveryId) -> Result<bool> {
        self.request(|reply| Command::Delete(id, reply)).await
    }

    /// Deletes every delivery that is not pinned; returns how many went.
    pub async fn clear(&self) -> Result<u64> {
        self.request(Command::Clear).await
    }

    /// Records the answer a delivery actually got, when it was decided after
    /// the commit (a passthrough's: the target's, or a 502/504).
    pub async fn set_response(&self, id: DeliveryId, response: crate::model::Response) -> Result<bool> {
        self.write(move |tx| {
            let found = deliveries::set_response(tx, id.0, &response)?;
            Ok((found, Effects { deliveries: found, ..Effects::NONE }))
        })
        .await
    }

    pub async fn set_pinned(&self, id: DeliveryId, pinned: bool) -> Result<bool> {
        self.request(|reply| Command::Pin(id, pinned, reply)).await
    }

    /// Waits until everything sent so far is committed, pruned and indexed.
    /// For tests and benchmarks that want to read a settled state.
    pub async fn flush(&self) -> Result<()> {
        self.request(Command::Flush).await?;
        let target = *self.inner.committed.borrow();
        let search = &self.inner.search;
        let caught_up = || {
            search.indexed.load(Ordering::Relaxed) >= target.last_seq
                && search.analyzed.load(Ordering::Relaxed) >= target.last_seq
                && search.endpoints_seen.load(Ordering::Relaxed) >= target.endpoints
                && search.deletes_done.load(Ordering::Relaxed) >= target.delete_log
        };
        if poll_until(FLUSH_DEADLINE, caught_up).await { Ok(()) } else { Err(Error::StoreTimeout) }
    }

    /// Runs `work` in the next group's transaction (in a savepoint of its
    /// own) and answers once that transaction has committed: the one write
    /// path for everything that is not a capture.
    pub async fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<(T, Effects)> + Send + 'static,
    {
        self.request(|reply| Command::Run(Box::new(FnJob::new(work, reply)))).await
    }

    /// Adds or replaces an endpoint (by id, or by prefix).
    pub async fn put_endpoint(&self, endpoint: Endpoint) -> Result<()> {
        self.write(move |tx| Ok((endpoints::put_endpoint(tx, &endpoint)?, Effects::ENDPOINTS))).await
    }

    /// Deletes the endpoint with this id (or prefix); whether there was one.
    pub async fn delete_endpoint(&self, id_or_prefix: String) -> Result<bool> {
        self.write(move |tx| {
            let found = endpoints::delete_endpoint(tx, &id_or_prefix)?;
            Ok((found, if found { Effects::ENDPOINTS } else { Effects::NONE }))
        })
        .await
    }

    /// Records an attempt, and (for a replay given a target) `(scope, target)`
    /// as the scope's last target.
    pub async fn record_attempt(&self, attempt: NewAttempt, remember: Option<(String, String)>) -> Result<AttemptId> {
        self.write(move |tx| {
            let id = attempts::insert_attempt(tx, &attempt, attempts::last_seq(tx)?)?;
            if let Some((scope, target)) = &remember {
                attempts::set_last_target(tx, scope, target)?;
            }
            Ok((id, Effects::ATTEMPTS))
        })
        .await
    }

    /// Records many attempts in one write (a bulk replay's batch).
    pub async fn record_attempts(&self, attempts: Vec<NewAttempt>) -> Result<()> {
        if attempts.is_empty() {
            return Ok(());
        }
        self.write(move |tx| {
            let mut last = attempts::last_seq(tx)?;
            for a in &attempts {
                last = attempts::insert_attempt(tx, a, last)?.0;
            }
            Ok(((), Effects::ATTEMPTS))
        })
        .await
    }

    pub async fn attempts(&self, delivery: DeliveryId) -> Result<Vec<AttemptSummary>> {
        self.inner.readers.run(move |c| attempts::list_attempts(c, delivery)).await
    }

    pub async fn attempt(&self, id: AttemptId) -> Result<Attempt> {
        self.inner.readers.run(move |c| attempts::get_attempt(c, id)).await
    }

    pub async fn drafts(&self, delivery: DeliveryId) -> Result<Vec<(String, String, i64)>> {
        self.inner.readers.run(move |c| attempts::list_drafts(c, delivery)).await
    }

    pub async fn put_draft(&self, delivery: DeliveryId, name: String, request: String, now_us: i64) -> Result<()> {
        self.write(move |tx| Ok((attempts::put_draft(tx, delivery, &name, &request, now_us)?, Effects::ATTEMPTS))).await
    }

    pub async fn delete_draft(&self, delivery: DeliveryId, name: String) -> Result<bool> {
        self.write(move |tx| Ok((attempts::delete_draft(tx, delivery, &name)?, Effects::ATTEMPTS))).await
    }

    /// The target last replayed to for this scope (an endpoint's id, or '').
    pub async fn last_target(&self, scope: String) -> Result<Option<String>> {
        self.inner.readers.run(move |c| attempts::last_target(c, &scope)).await
    }

    pub async fn endpoints(&self) -> Result<Vec<Endpoint>> {
        self.inner.readers.run(|c| Ok(endpoints::list_endpoints(c)?)).await
    }

    pub async fn endpoint(&self, id: String) -> Result<Option<Endpoint>> {
        self.inner.readers.run(move |c| Ok(endpoints::get_endpoint(c, &id)?)).await
    }

    /// Deliveries up to this seq have their inspection (provider, event id,
    /// verdict) in the search database.
    pub fn analyzed_upto(&self) -> i64 {
        self.inner.search.analyzed.load(Ordering::Relaxed)
    }

    /// Like [`Store::analyzed_upto`], counting only analysis done with
    /// endpoint settings at least as new as `endpoints` (a [`Committed`]
    /// version): 0 until the indexer has started over with them.
    pub fn analyzed_with(&self, endpoints: u64) -> i64 {
        let search = &self.inner.search;
        if search.endpoints_seen.load(Ordering::Relaxed) >= endpoints {
            search.analyzed.load(Ordering::Relaxed)
        } else {
            0
        }
    }

    pub fn committed(&self) -> watch::Receiver<Committed> {
        self.inner.committed.clone()
    }

    pub fn readers(&self) -> &Readers {
        &self.inner.readers
    }

    pub async fn list(&self, filter: ListFilter) -> Result<Page> {
        let full_text = filter.text.as_deref().and_then(search::to_fts_query).is_some();
        let lagging = if full_text { self.index_catch_up(SEARCH_CATCH_UP).await } else { None };
        let stats = self.inner.stats.clone();
        self.inner
            .readers
            .run(move |c| {
                let mut page = deliveries::list_deliveries(c, &filter)?;
                if filter.before.is_none() {
                    // A page with no next one is every match; the stats answer a
                    // prefix (or nothing) exactly and at once; other filters are
                    // counted, up to a cap.
                    let only_prefix = filter.method.is_none() && filter.status.is_none() && !full_text;
                    page.total = Some(if page.next.is_none() {
                        page.items.len() as u64
                    } else if only_prefix {
                        stats.query(c, filter.path_prefix.as_deref().filter(|p| !p.is_empty()))?.count
                    } else {
                        deliveries::count_matching(c, &filter, deliveries::TOTAL_CAP)?
                    });
                }
                if full_text {
                    let unsearched = match lagging {
                        Some(indexed) => deliveries::count_newer(c, indexed, deliveries::UNSEARCHED_CAP)?,
                        None => 0,
                    };
                    page.unsearched = Some(unsearched);
                }
                Ok(page)
            })
            .await
    }

    /// Waits up to `deadline` for the search index to reach every delivery
    /// committed so far. `None` when it has; otherwise the seq it reached.
    async fn index_catch_up(&self, deadline: Duration) -> Option<i64> {
        let target = self.inner.committed.borrow().last_seq;
        let indexed = || self.inner.search.indexed.load(Ordering::Relaxed);
        if poll_until(deadline, || indexed() >= target).await { None } else { Some(indexed()) }
    }

    pub async fn get(&self, id: DeliveryId) -> Result<Delivery> {
        self.inner.readers.run(move |c| deliveries::get_delivery(c, id)).await
    }

    /// A delivery without its body (see [`deliveries::get_head`]).
    pub async fn get_head(&self, id: DeliveryId) -> Result<DeliveryHead> {
        self.inner.readers.run(move |c| deliveries::get_head(c, id)).await
    }

    pub async fn stats(&self, path_prefix: Option<String>) -> Result<Stats> {
        let stats = self.inner.stats.clone();
        self.inner.readers.run(move |c| Ok(stats.query(c, path_prefix.as_deref())?)).await
    }

    fn send(&self, command: Command) -> Result<()> {
        self.inner.commands.send(command).map_err(|_| Error::StoreClosed)
    }

    async fn request<T>(&self, make: impl FnOnce(oneshot::Sender<Result<T>>) -> Command) -> Result<T> {
        let (reply, rx) = oneshot::channel();
        self.send(make(reply))?;
        rx.await.map_err(|_| Error::StoreClosed)?
    }
}

/// Waits until `done` (the indexer's progress is in atomics, with nothing to
/// wake on), for at most `deadline`; whether it came true.
async fn poll_until(deadline: Duration, done: impl Fn() -> bool) -> bool {
    let reached = async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(deadline, reached).await.is_ok()
}

/// A file next to the database, named by a suffix as SQLite names its own
/// (`-wal`, `-shm`) and as the search database is (`-search`).
fn sibling(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn configure_writer(conn: &Connection, config: &StoreConfig) -> Result<()> {
    // page_size only takes effect on a new, empty database, before WAL is on.
    conn.pragma_update(None, "page_size", PAGE_SIZE)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    let sync = match config.durability {
        Durability::Normal => "NORMAL",
        Durability::Full => "FULL",
    };
    conn.pragma_update(None, "synchronous", sync)?;
    // Checkpoints run on their own thread (checkpoint.rs), off the ack path.
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    // The checkpointer trims the WAL after a burst (checkpoint.rs); with a limit
    // here SQLite would do it inside a capture's commit.
    conn.pragma_update(None, "journal_size_limit", -1)?;
    conn.pragma_update(None, "cache_size", -config.writer_cache_kib)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    if let Some(max) = config.max_db_bytes {
        let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        conn.pragma_update(None, "max_page_count", (max as i64 / page_size).max(1))?;
    }
    Ok(())
}

/// Opens an existing database for reading only (the CLI's `list` and `show`,
/// also while `serve` is writing to it).
pub fn open_read_only(path: &Path) -> Result<Readers> {
    if !path.exists() {
        return Err(Error::NoDatabase(path.to_owned()));
    }
    let readers = Readers::new(path);
    readers.with(|c| {
        let version: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(Error::SchemaTooNew { path: path.to_owned(), found: version, known: SCHEMA_VERSION });
        }
        if version == 0 {
            return Err(Error::NoDatabase(path.to_owned()));
        }
        Ok(())
    })?;
    Ok(readers)
}

pub(crate) fn read_only_connection(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
    )?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "cache_size", -16 * 1024)?;
    Ok(conn)
}

/// A reader that can also search: the index's database attached as `search`
/// when it exists.
pub(crate) fn search_connection(path: &Path) -> Result<Connection> {
    let conn = read_only_connection(path)?;
    let index = search::search_path(path);
    if index.exists() {
        conn.execute("ATTACH DATABASE ?1 AS search", [index.to_string_lossy()])?;
    }
    Ok(conn)
}

pub use attempts::{get_attempt, insert_attempt, last_seq as last_attempt_seq, last_target, list_attempts};
pub use deliveries::{
    count_between, get_body, get_delivery, get_for_replay, get_head, ids_matching, list_between, list_deliveries,
    same_event,
};
pub use endpoints::list_endpoints;
