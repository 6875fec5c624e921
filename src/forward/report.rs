//! The queue as the panel, `GET /api/forward` and `hookscope queue` show it.

use std::collections::BTreeMap;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

use super::LaneView;
use super::rules::Rules;
use crate::error::Result;
use crate::model::{DeliveryId, ForwardBadge, ForwardState};
use crate::store::forwards;

/// Forwarding's state per target.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS, ToSchema)]
pub struct QueueReport {
    pub targets: Vec<TargetReport>,
    /// The default rule's target (`serve --forward-to`, or the `/` rule's).
    pub default_target: Option<String>,
}

/// One target: counts of its deliveries per state, and whether it is up.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS, ToSchema)]
pub struct TargetReport {
    pub target: String,
    /// `up`, `down` (backing off after failures), or `paused`.
    pub status: String,
    pub paused: bool,
    /// Down: when the next try is due (µs since the epoch).
    pub next_try_at_us: Option<i64>,
    pub in_flight: u64,
    pub queued: u64,
    pub retrying: u64,
    pub delivered: u64,
    pub failed: u64,
    pub dead: u64,
    pub dropped: u64,
    /// Why the last send failed, while the target is down.
    pub last_error: Option<String>,
}

/// A forwarded delivery's new state (live updates to the list's badges).
#[derive(Debug, Clone, Serialize, TS, ToSchema)]
pub struct ForwardUpdate {
    #[ts(type = "string")]
    #[schema(value_type = String)]
    pub id: DeliveryId,
    pub forward: ForwardBadge,
}

pub(super) fn build(
    counts: Vec<(String, ForwardState, u64)>,
    lanes: &[LaneView],
    default_target: Option<String>,
) -> QueueReport {
    let mut by_target: BTreeMap<String, TargetReport> = BTreeMap::new();
    fn entry<'m>(m: &'m mut BTreeMap<String, TargetReport>, target: &str) -> &'m mut TargetReport {
        m.entry(target.to_owned()).or_insert_with(|| TargetReport {
            target: target.to_owned(),
            status: "up".into(),
            ..Default::default()
        })
    }
    for (target, state, n) in counts {
        add(entry(&mut by_target, &target), state, n);
    }
    for lane in lanes {
        let t = entry(&mut by_target, &lane.target);
        t.paused = lane.paused;
        t.in_flight = lane.in_flight;
        t.queued += lane.unwritten;
        t.next_try_at_us = lane.down_until_us;
        t.last_error = lane.last_error.clone();
        t.status = if lane.paused {
            "paused"
        } else if lane.down_until_us.is_some() {
            "down"
        } else {
            "up"
        }
        .into();
    }
    QueueReport { targets: by_target.into_values().collect(), default_target }
}

fn add(t: &mut TargetReport, state: ForwardState, n: u64) {
    match state {
        ForwardState::Queued => t.queued += n,
        ForwardState::Retrying => t.retrying += n,
        ForwardState::Delivered => t.delivered += n,
        ForwardState::Failed => t.failed += n,
        ForwardState::Dead => t.dead += n,
        ForwardState::Dropped => t.dropped += n,
    }
}

/// The report from the database alone (no instance running): the table's
/// counts, plus the deliveries past the cursor that the saved rules forward,
/// counted as queued.
pub fn queue_report_from_db(conn: &Connection) -> Result<QueueReport> {
    let endpoints = crate::store::list_endpoints(conn)?;
    let runs = forwards::runs(conn)?;
    // Each delivery is routed with the default target of the run that captured it.
    let per_run: Vec<(i64, Rules)> =
        runs.iter().map(|(from, target)| (*from, Rules::new(endpoints.clone(), target.clone()))).collect();
    // Deliveries from before any recorded run: today's rules, no `--forward-to`.
    let rules = Rules::new(endpoints, None);
    let paused = forwards::paused(conn)?;
    let mut lanes: BTreeMap<String, LaneView> = BTreeMap::new();
    let mut after = forwards::cursor(conn)?.unwrap_or(i64::MAX);
    loop {
        let batch = forwards::arrivals(conn, after, 10_000)?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        for a in batch.iter().filter(|a| !a.truncated) {
            let by_run = per_run.iter().rev().find(|(from, _)| *from < a.seq).map_or(&rules, |(_, r)| r);
            if let Some(target) = by_run.route(&a.method, &a.path).target {
                lanes
                    .entry(target.to_owned())
                    .or_insert_with(|| LaneView { target: target.to_owned(), ..Default::default() })
                    .unwritten += 1;
            }
        }
    }
    for target in paused {
        lanes.entry(target.clone()).or_insert_with(|| LaneView { target, ..Default::default() }).paused = true;
    }
    let lanes: Vec<LaneView> = lanes.into_values().collect();
    let default_target = per_run.last().map_or(&rules, |(_, r)| r).default_target().map(str::to_owned);
    Ok(build(forwards::counts(conn)?, &lanes, default_target))
}
