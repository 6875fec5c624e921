//! Replay operations: send a stored delivery again (one, or many in bulk),
//! list its attempts, read one, compare two requests, keep drafts. The HTTP
//! API, the desktop shell and the CLI all come through here.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, watch};
use ts_rs::TS;
use utoipa::ToSchema;

use crate::capture::now_us;
use crate::error::{Error, Result};
use crate::model::{
    Attempt, AttemptId, AttemptSummary, Delivery, DeliveryId, Endpoint, NewAttempt, Origin, endpoint_for,
};
use crate::replay::{self, BulkProgress, BulkReplayRequest, Diff, ReplayRequest};
use crate::store::MAX_PAGE;

use super::{Api, ListQuery};

/// How often a bulk replay reports progress (and the final report, always).
const PROGRESS_EVERY: Duration = Duration::from_millis(100);
/// Deliveries read, sent and recorded together in a bulk replay.
const BULK_BATCH: usize = 512;
/// Bulk jobs kept for `GET /api/replays/{job}` after they finish.
const KEEP_JOBS: usize = 32;

/// An edit kept on a delivery under a name, to send again later.
#[derive(Debug, Clone, Serialize, Deserialize, TS, ToSchema)]
pub struct Draft {
    pub name: String,
    pub request: ReplayRequest,
    /// RFC 3339, UTC.
    pub updated_at: String,
}

/// The target a replay goes to when none is given.
#[derive(Debug, Clone, Serialize, Deserialize, TS, ToSchema)]
pub struct ReplayTarget {
    pub url: Option<String>,
}

struct Job {
    progress: watch::Receiver<BulkProgress>,
    cancel: Arc<AtomicBool>,
}

/// Bulk jobs of this process, and the channel their progress goes out on.
pub(super) struct Jobs {
    jobs: Mutex<Vec<(String, Job)>>,
    pub(super) progress: broadcast::Sender<BulkProgress>,
}

impl Jobs {
    fn with<T>(&self, job: &str, f: impl FnOnce(&Job) -> T) -> Result<T> {
        let jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        let (_, j) = jobs.iter().find(|(id, _)| id == job).ok_or_else(|| Error::not_found("bulk replay", job))?;
        Ok(f(j))
    }
}

impl Default for Jobs {
    fn default() -> Self {
        Jobs { jobs: Mutex::new(Vec::new()), progress: broadcast::channel(64).0 }
    }
}

impl Api {
    /// Sends delivery `id` as `req` says and records the attempt, whatever
    /// came back: a transport error is an attempt too. `Err` is for what
    /// could not be sent at all (unknown id, no target, a bad edit).
    #[tracing::instrument(level = "debug", skip(self, req), err(level = "debug"))]
    pub async fn replay(&self, id: &str, req: ReplayRequest) -> Result<AttemptSummary> {
        req.check()?;
        let endpoints = self.store.endpoints().await?;
        self.replay_one(id.parse()?, &req, &endpoints).await
    }

    async fn replay_one(&self, id: DeliveryId, req: &ReplayRequest, endpoints: &[Endpoint]) -> Result<AttemptSummary> {
        let delivery = self.store.get(id).await?;
        let (attempt, scope) = self.send_one(&delivery, req, endpoints).await?;
        let mut summary = summarize(&attempt);
        // A target given is remembered for the endpoint; the last one need not be written again.
        let remember = req.to.clone().map(|to| (scope, to));
        let id = self.store.record_attempt(attempt, remember).await?;
        summary.id = id;
        summary.started_at = crate::model::rfc3339(id.0);
        summary.started_at_us = id.0;
        Ok(summary)
    }

    /// Plans and sends one replay; the attempt to record, and the scope
    /// (endpoint id) whose last target it used.
    async fn send_one(
        &self,
        delivery: &Delivery,
        req: &ReplayRequest,
        endpoints: &[Endpoint],
    ) -> Result<(NewAttempt, String)> {
        let summary = &delivery.head.summary;
        let endpoint = endpoint_for(endpoints, &summary.method, &summary.path);
        let scope = endpoint.map(|e| e.id.clone()).unwrap_or_default();
        let to = match &req.to {
            Some(to) => to.clone(),
            None => self.store.last_target(scope.clone()).await?.ok_or_else(|| {
                Error::InvalidArgument(
                    "no target: give one (`--to http://127.0.0.1:3000`, or `to` in the request); it is remembered per endpoint".into(),
                )
            })?,
        };
        let (url, line_target) = replay::target(&to, &summary.path, summary.query.as_deref())?;
        let started_at_us = now_us();
        let plan = replay::plan(delivery, url, line_target, req, endpoint, started_at_us / 1_000_000)?;
        let exchange = self.outbound.send(&plan.request).await;
        let request = plan.request;
        let body_as_captured = request.body.as_ref() == delivery.body.as_slice() && !summary.truncated;
        let attempt = NewAttempt {
            delivery: summary.id,
            origin: Origin::Replay,
            started_at_us,
            method: request.method,
            url: replay::full_url(&request.url, &request.target),
            request_headers: request.headers,
            // As captured, the store refers to the delivery's body instead of a copy.
            request_body: if body_as_captured { Vec::new() } else { request.body.to_vec() },
            body_as_captured,
            resigned: plan.resigned,
            warnings: plan.warnings,
            duration_us: exchange.duration.as_micros() as i64,
            outcome: exchange.result,
        };
        Ok((attempt, scope))
    }

    /// A delivery's attempts, oldest first.
    pub async fn attempts(&self, id: &str) -> Result<Vec<AttemptSummary>> {
        let id: DeliveryId = id.parse()?;
        // An unknown delivery is an error, not an empty list.
        self.store.get_head(id).await?;
        self.store.attempts(id).await
    }

    pub async fn attempt(&self, id: &str) -> Result<Attempt> {
        self.store.attempt(id.parse()?).await
    }

    /// The target a replay of delivery `id` goes to when none is given.
    pub async fn last_target(&self, id: &str) -> Result<Option<String>> {
        let head = self.store.get_head(id.parse()?).await?;
        let endpoints = self.store.endpoints().await?;
        let scope = endpoint_for(&endpoints, &head.summary.method, &head.summary.path)
            .map(|e| e.id.clone())
            .unwrap_or_default();
        self.store.last_target(scope).await
    }

    /// What differs between two requests, each a delivery (`dlv_…`, as
    /// captured) or an attempt (`att_…`, as sent).
    pub async fn diff(&self, a: &str, b: &str) -> Result<Diff> {
        let (a, b) = (a.to_owned(), b.to_owned());
        let sides =
            self.store.readers().run(move |c| Ok((replay::read_side(c, &a)?, replay::read_side(c, &b)?))).await?;
        Ok(replay::diff(&sides.0, &sides.1))
    }

    pub async fn drafts(&self, id: &str) -> Result<Vec<Draft>> {
        let id: DeliveryId = id.parse()?;
        self.store.get_head(id).await?;
        let rows = self.store.drafts(id).await?;
        Ok(rows
            .into_iter()
            .filter_map(|(name, json, at)| {
                let request = serde_json::from_str(&json).ok()?;
                Some(Draft { name, request, updated_at: crate::model::rfc3339(at) })
            })
            .collect())
    }

    pub async fn put_draft(&self, id: &str, name: &str, request: ReplayRequest) -> Result<()> {
        let id: DeliveryId = id.parse()?;
        self.store.get_head(id).await?;
        if name.trim().is_empty() || name.len() > 200 {
            return Err(Error::InvalidArgument("a draft's name is 1 to 200 characters".into()));
        }
        let json = serde_json::to_string(&request).map_err(|e| Error::InvalidArgument(e.to_string()))?;
        self.store.put_draft(id, name.to_owned(), json, now_us()).await
    }

    pub async fn delete_draft(&self, id: &str, name: &str) -> Result<()> {
        if self.store.delete_draft(id.parse()?, name.to_owned()).await? {
            Ok(())
        } else {
            Err(Error::not_found("draft", name))
        }
    }

    /// Starts a bulk replay in the background; its progress goes out as
    /// `replay_progress` events and from [`Api::bulk_progress`].
    pub async fn start_replay_all(&self, req: BulkReplayRequest) -> Result<BulkProgress> {
        let ids = self.bulk_ids(&req).await?;
        let job = format!("bulk_{}", AttemptId(now_us()).to_string().trim_start_matches("att_"));
        let first = BulkProgress { job: job.clone(), total: ids.len() as u64, ..Default::default() };
        let (tx, rx) = watch::channel(first.clone());
        let cancel = Arc::new(AtomicBool::new(false));
        {
            let mut jobs = self.jobs.jobs.lock().unwrap_or_else(|e| e.into_inner());
            if jobs.len() >= KEEP_JOBS {
                jobs.remove(0);
            }
            jobs.push((job.clone(), Job { progress: rx, cancel: cancel.clone() }));
        }
        let api = self.clone();
        tokio::spawn(async move {
            api.run_bulk(first, ids, req, cancel, tx).await;
        });
        self.bulk_progress(&job)
    }

    /// Runs a bulk replay to the end (the CLI without a running instance).
    pub async fn replay_all(&self, req: BulkReplayRequest) -> Result<BulkProgress> {
        let ids = self.bulk_ids(&req).await?;
        let first = BulkProgress { job: "bulk_cli".into(), total: ids.len() as u64, ..Default::default() };
        let (tx, rx) = watch::channel(first.clone());
        self.run_bulk(first, ids, req, Arc::new(AtomicBool::new(false)), tx).await;
        let last = rx.borrow().clone();
        Ok(last)
    }

    pub fn bulk_progress(&self, job: &str) -> Result<BulkProgress> {
        self.jobs.with(job, |j| j.progress.borrow().clone())
    }

    /// Stops a bulk replay before its next send (those in flight finish).
    pub fn cancel_bulk(&self, job: &str) -> Result<BulkProgress> {
        self.jobs.with(job, |j| {
            j.cancel.store(true, Ordering::Relaxed);
            j.progress.borrow().clone()
        })
    }

    /// The deliveries a bulk replay sends, oldest first.
    async fn bulk_ids(&self, req: &BulkReplayRequest) -> Result<Vec<DeliveryId>> {
        if let Some(ids) = &req.ids {
            let mut ids = ids.iter().map(|id| id.parse()).collect::<Result<Vec<DeliveryId>>>()?;
            ids.sort_unstable();
            ids.dedup();
            return Ok(ids);
        }
        let limit = req.limit.unwrap_or(u64::MAX);
        // The list's filters, read as the list reads them.
        let query = ListQuery {
            method: req.method.clone(),
            path: req.path.clone(),
            status: req.status.clone(),
            q: req.q.clone().filter(|q| !q.is_empty()),
            ..Default::default()
        };
        let mut filter = query.to_filter()?;
        let mut ids = Vec::new();
        if filter.text.is_none() {
            // Without words to search for, the table answers alone.
            let f = filter.clone();
            ids = self.store.readers().run(move |c| crate::store::ids_matching(c, &f, limit)).await?;
        } else {
            while (ids.len() as u64) < limit {
                filter.limit = (limit - ids.len() as u64).min(u64::from(MAX_PAGE)) as u32;
                let page = self.store.list(filter.clone()).await?;
                ids.extend(page.items.iter().map(|d| d.id));
                match page.next {
                    Some(next) => filter.before = Some(next.parse()?),
                    None => break,
                }
            }
        }
        ids.reverse();
        Ok(ids)
    }

    async fn run_bulk(
        &self,
        mut progress: BulkProgress,
        ids: Vec<DeliveryId>,
        req: BulkReplayRequest,
        cancel: Arc<AtomicBool>,
        tx: watch::Sender<BulkProgress>,
    ) {
        let started = Instant::now();
        let one = ReplayRequest {
            to: req.to.clone(),
            resign: req.resign,
            keep_host: req.keep_host,
            timeout_s: req.timeout_s,
            insecure: req.insecure,
            ..Default::default()
        };
        let endpoints = match self.store.endpoints().await {
            Ok(e) => e,
            Err(e) => {
                progress.errors.push(e.to_string());
                progress.skipped = progress.total;
                Vec::new()
            }
        };
        let mut last_report = Instant::now();
        let mut recording: Option<tokio::task::JoinHandle<Result<()>>> = None;
        // A batch of deliveries is read in one go, sent (a bounded number in
        // flight), and its attempts recorded in one write: per-item reads and
        // writes cost more than the sends.
        for batch in ids.chunks(BULK_BATCH) {
            if cancel.load(Ordering::Relaxed) {
                break;
            }
            let wanted = batch.to_vec();
            let read = self
                .store
                .readers()
                .run(move |c| Ok(wanted.iter().map(|id| crate::store::get_for_replay(c, *id)).collect::<Vec<_>>()))
                .await;
            let deliveries = match read {
                Ok(d) => d,
                Err(e) => vec![Err(e)],
            };
            let sends = futures_util::stream::iter(deliveries)
                .take_while(|_| std::future::ready(!cancel.load(Ordering::Relaxed)))
                .map(|d| {
                    let (one, endpoints) = (&one, &endpoints);
                    async move { self.send_one(&d?, one, endpoints).await.map(|(a, _)| a) }
                })
                .buffer_unordered(req.concurrency());
            futures_util::pin_mut!(sends);
            let mut recorded = Vec::with_capacity(batch.len());
            while let Some(result) = sends.next().await {
                match result {
                    Ok(a) => {
                        match &a.outcome {
                            Ok(r) if (200..300).contains(&r.status) => progress.ok += 1,
                            _ => progress.failed += 1,
                        }
                        recorded.push(a);
                    }
                    Err(e) => {
                        progress.skipped += 1;
                        if progress.errors.len() < 5 {
                            progress.errors.push(e.to_string());
                        }
                    }
                }
                progress.done = progress.ok + progress.failed;
                if last_report.elapsed() >= PROGRESS_EVERY {
                    last_report = Instant::now();
                    progress.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
                    let _ = tx.send(progress.clone());
                    let _ = self.jobs.progress.send(progress.clone());
                }
            }
            // One batch is recorded while the next one is sent: the writer
            // thread and the sends overlap. Only one batch waits at a time.
            if let Some(previous) = recording.take()
                && let Err(e) = flatten(previous.await)
            {
                progress.errors.push(format!("recording attempts: {e}"));
                break;
            }
            let store = self.store.clone();
            recording = Some(tokio::spawn(async move { store.record_attempts(recorded).await }));
        }
        if let Some(last) = recording.take()
            && let Err(e) = flatten(last.await)
        {
            progress.errors.push(format!("recording attempts: {e}"));
        }
        progress.finished = true;
        progress.cancelled = cancel.load(Ordering::Relaxed);
        progress.duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        let _ = tx.send(progress.clone());
        let _ = self.jobs.progress.send(progress);
    }
}

fn flatten(joined: std::result::Result<Result<()>, tokio::task::JoinError>) -> Result<()> {
    joined.map_err(|e| Error::Write(e.to_string()))?
}

/// What the caller is told of an attempt before the store gives it an id.
fn summarize(attempt: &NewAttempt) -> AttemptSummary {
    let (status, error) = match &attempt.outcome {
        Ok(r) => (Some(r.status), None),
        Err(e) => (None, Some(e.clone())),
    };
    AttemptSummary {
        id: AttemptId(0),
        delivery: attempt.delivery,
        origin: attempt.origin,
        method: attempt.method.clone(),
        url: attempt.url.clone(),
        status,
        error,
        duration_ms: attempt.duration_us as f64 / 1000.0,
        started_at: String::new(),
        started_at_us: 0,
        resigned: attempt.resigned.clone(),
        warnings: attempt.warnings.clone(),
    }
}
