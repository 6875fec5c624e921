//! Replay operations: send a stored delivery again, list its attempts, read
//! one. The HTTP API, the desktop shell and the CLI all come through here.

use crate::error::{Error, Result};
use crate::model::{AttemptSummary, DeliveryId, NewAttempt, Origin, endpoint_for};
use crate::replay::{self, ReplayRequest};

use super::Api;

impl Api {
    /// Sends delivery `id` as `req` says and records the attempt, whatever
    /// came back: a transport error is an attempt too. `Err` is for what
    /// could not be sent at all (unknown id, no target, a bad edit).
    #[tracing::instrument(level = "debug", skip(self, req), err(level = "debug"))]
    pub async fn replay(&self, id: &str, req: ReplayRequest) -> Result<AttemptSummary> {
        req.check()?;
        let delivery = self.store.get(id.parse()?).await?;
        let summary = &delivery.head.summary;
        let endpoints = self.store.endpoints().await?;
        let endpoint = endpoint_for(&endpoints, &summary.path);
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
        let plan = replay::plan(&delivery, url, line_target, &req, endpoint, started_at_us / 1_000_000)?;
        let exchange = self.outbound.send(&plan.request).await;
        let request = plan.request;
        let attempt = NewAttempt {
            delivery: summary.id,
            origin: Origin::Replay,
            started_at_us,
            method: request.method,
            url: replay::full_url(&request.url, &request.target),
            request_headers: request.headers,
            request_body: request.body,
            resigned: plan.resigned,
            warnings: plan.warnings,
            duration_us: exchange.duration.as_micros() as i64,
            outcome: exchange.result,
        };
        let (status, error) = match &attempt.outcome {
            Ok(r) => (Some(r.status), None),
            Err(e) => (None, Some(e.clone())),
        };
        let summary = AttemptSummary {
            id: crate::model::AttemptId(0),
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
        };
        // The target is remembered only when given: a replay to the last one
        // does not need to write it again.
        let remember = req.to.is_some().then_some(scope);
        let id = self.store.record_attempt(attempt, remember).await?;
        Ok(AttemptSummary { id, started_at: crate::model::rfc3339(id.0), started_at_us: id.0, ..summary })
    }

    /// A delivery's attempts, oldest first.
    pub async fn attempts(&self, id: &str) -> Result<Vec<AttemptSummary>> {
        let id: DeliveryId = id.parse()?;
        // An unknown delivery is an error, not an empty list.
        self.store.get_head(id).await?;
        self.store.attempts(id).await
    }

    pub async fn attempt(&self, id: &str) -> Result<crate::model::Attempt> {
        self.store.attempt(id.parse()?).await
    }

    /// The target a replay of delivery `id` goes to when none is given.
    pub async fn last_target(&self, id: &str) -> Result<Option<String>> {
        let head = self.store.get_head(id.parse()?).await?;
        let endpoints = self.store.endpoints().await?;
        let scope = endpoint_for(&endpoints, &head.summary.path).map(|e| e.id.clone()).unwrap_or_default();
        self.store.last_target(scope).await
    }
}

fn now_us() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_micros() as i64)
}
