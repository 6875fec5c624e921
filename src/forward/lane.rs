//! One target's queue, as a pure state machine (times are µs since the
//! epoch, passed in), so ordering, backoff and give-up are tested without a
//! socket or a clock.
//!
//! The backoff belongs to the target, not to each job: while the target is
//! down one job at a time probes it, and once a send succeeds everything
//! waiting follows at once instead of each job sitting out a backoff of its
//! own.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use crate::model::ForwardState;

/// How a send ended, as far as the queue cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Class {
    /// 2xx.
    Delivered,
    /// The app rejected it (a 4xx but 408 and 429, a 3xx, a URL it cannot take).
    Final,
    /// Down, slow or busy (connection error, timeout, 5xx, 408, 429): try
    /// again, after `retry_after` when the target said so.
    Retry { retry_after: Option<Duration> },
}

/// A status or a send error, classified.
pub fn classify(outcome: &Result<u16, crate::outbound::SendErrorKind>, retry_after: Option<Duration>) -> Class {
    use crate::outbound::SendErrorKind;
    match outcome {
        Ok(200..=299) => Class::Delivered,
        Ok(408 | 429) | Ok(500..=599) => Class::Retry { retry_after },
        Ok(_) => Class::Final,
        Err(SendErrorKind::InvalidUrl) => Class::Final,
        Err(_) => Class::Retry { retry_after: None },
    }
}

/// `Retry-After`: seconds, or an HTTP date (RFC 9110 §10.2.3).
pub fn parse_retry_after(value: &[u8], now: std::time::SystemTime) -> Option<Duration> {
    let text = std::str::from_utf8(value).ok()?.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(text).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub min: Duration,
    pub max: Duration,
}

impl Backoff {
    /// The wait after the `failures`th failure in a row: doubling from `min`
    /// up to `max`, with ±20% jitter (`unit` in 0..1) so that many
    /// Hookscopes, or many targets, don't probe in step.
    pub fn delay(&self, failures: u32, unit: f64) -> Duration {
        let base = self.min.as_secs_f64() * 2f64.powi(failures.saturating_sub(1).min(30) as i32);
        let jittered = base.min(self.max.as_secs_f64()) * (0.8 + 0.4 * unit.clamp(0.0, 1.0));
        Duration::from_secs_f64(jittered.clamp(self.min.as_secs_f64(), self.max.as_secs_f64()))
    }
}

#[derive(Debug, Clone)]
pub struct Job {
    pub seq: i64,
    pub received_at_us: i64,
    pub tries: u32,
    pub state: ForwardState,
    /// Its row in `forwards` says it waits (queued or retrying), so the
    /// cursor may pass it.
    pub persisted: bool,
    /// A sender waits for its answer (passthrough): sent at once, whatever
    /// the concurrency, unless the target is paused.
    pub urgent: bool,
}

impl Job {
    pub fn new(seq: i64, received_at_us: i64) -> Self {
        Job { seq, received_at_us, tries: 0, state: ForwardState::Queued, persisted: false, urgent: false }
    }
}

/// What finishing a send means for its job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// Done: delivered, failed or dead.
    Done(ForwardState),
    /// Back in the queue, due at this time.
    Again { next_at_us: i64 },
}

#[derive(Debug)]
pub struct Lane {
    pub concurrency: u32,
    pub paused: bool,
    pub waiting: BTreeMap<i64, Job>,
    /// Waiting jobs without a row yet.
    pub unwritten: BTreeSet<i64>,
    pub in_flight: HashMap<i64, (Job, i64)>,
    /// Down until this time, after this many failures in a row.
    pub down: Option<(i64, u32)>,
    /// When the newest failure that counted was seen.
    last_failure_us: i64,
    pub last_error: Option<String>,
}

impl Lane {
    pub fn new(concurrency: u32) -> Self {
        Lane {
            concurrency: concurrency.max(1),
            paused: false,
            waiting: BTreeMap::new(),
            unwritten: BTreeSet::new(),
            in_flight: HashMap::new(),
            down: None,
            last_failure_us: 0,
            last_error: None,
        }
    }

    pub fn push(&mut self, job: Job) {
        if !self.in_flight.contains_key(&job.seq) && !self.waiting.contains_key(&job.seq) {
            if !job.persisted {
                self.unwritten.insert(job.seq);
            }
            self.waiting.insert(job.seq, job);
        }
    }

    /// Marks every waiting job without a row as having one; those jobs (the
    /// caller writes their rows).
    pub fn persist_waiting(&mut self) -> Vec<Job> {
        let mut out = Vec::new();
        for seq in std::mem::take(&mut self.unwritten) {
            if let Some(job) = self.waiting.get_mut(&seq) {
                job.persisted = true;
                out.push(job.clone());
            }
        }
        out
    }

    /// Empties the queue (the user dropped it); the jobs that were waiting.
    pub fn drain(&mut self) -> Vec<Job> {
        self.unwritten.clear();
        std::mem::take(&mut self.waiting).into_values().collect()
    }

    /// Whether sends are held back (down or paused): jobs that arrive then
    /// are written to the queue table, so the cursor can pass them.
    pub fn holding(&self, now_us: i64) -> bool {
        self.paused || self.down.is_some_and(|(until, _)| until > now_us)
    }

    /// When the next send is due, if one is waiting and nothing else stops it.
    pub fn next_due(&self) -> Option<i64> {
        if self.paused || self.waiting.is_empty() {
            return None;
        }
        Some(self.down.map_or(0, |(until, _)| until))
    }

    /// The jobs to send now, in arrival order: up to the concurrency while
    /// the target is up; one probe at a time once its backoff is over while it
    /// is down; urgent ones always (unless paused).
    pub fn take_ready(&mut self, now_us: i64, max: usize) -> Vec<Job> {
        if self.paused {
            return Vec::new();
        }
        let mut out = Vec::new();
        let urgent: Vec<i64> = self.waiting.values().filter(|j| j.urgent).map(|j| j.seq).collect();
        for seq in urgent {
            if let Some(job) = self.waiting.remove(&seq) {
                self.unwritten.remove(&seq);
                self.in_flight.insert(seq, (job.clone(), now_us));
                out.push(job);
            }
        }
        // Urgent sends go beside the concurrency, and don't use it up.
        let busy = self.in_flight.values().filter(|(j, _)| !j.urgent).count();
        let limit = match self.down {
            Some((until, _)) if until > now_us => 0,
            // One probe: the rest wait to see whether the target is back.
            Some(_) => usize::from(busy == 0),
            None => (self.concurrency as usize).saturating_sub(busy),
        }
        .min(max);
        for _ in 0..limit {
            let Some((_, job)) = self.waiting.pop_first() else { break };
            self.unwritten.remove(&job.seq);
            self.in_flight.insert(job.seq, (job.clone(), now_us));
            out.push(job);
        }
        out
    }

    /// A send of `seq` ended as `class` at `now_us`; `give_up` counts from
    /// the delivery's arrival.
    pub fn settle(
        &mut self,
        seq: i64,
        class: &Class,
        now_us: i64,
        backoff: Backoff,
        give_up: Duration,
        unit: f64,
    ) -> Option<Settled> {
        let (mut job, sent_at) = self.in_flight.remove(&seq)?;
        job.tries += 1;
        job.urgent = false;
        match class {
            Class::Delivered => {
                self.down = None;
                self.last_error = None;
                Some(Settled::Done(ForwardState::Delivered))
            }
            Class::Final => Some(Settled::Done(ForwardState::Failed)),
            Class::Retry { retry_after } => {
                // Sends that went out together and failed together count once.
                if sent_at >= self.last_failure_us || self.down.is_none() {
                    let failures = self.down.map_or(0, |(_, n)| n) + 1;
                    let wait = retry_after.unwrap_or_else(|| backoff.delay(failures, unit));
                    let until = now_us + wait.as_micros() as i64;
                    self.down = Some((until.max(self.down.map_or(0, |(u, _)| u)), failures));
                    self.last_failure_us = now_us;
                }
                if now_us - job.received_at_us >= give_up.as_micros() as i64 {
                    return Some(Settled::Done(ForwardState::Dead));
                }
                let next_at_us = self.down.map_or(now_us, |(until, _)| until);
                job.state = ForwardState::Retrying;
                // The caller writes its `retrying` row with the attempt.
                job.persisted = true;
                self.waiting.insert(seq, job);
                Some(Settled::Again { next_at_us })
            }
        }
    }

    /// Jobs past their give-up time that are waiting: taken out, to be marked dead.
    pub fn take_expired(&mut self, now_us: i64, give_up: Duration) -> Vec<Job> {
        let limit = give_up.as_micros() as i64;
        let expired: Vec<i64> =
            self.waiting.values().filter(|j| now_us - j.received_at_us >= limit).map(|j| j.seq).collect();
        for seq in &expired {
            self.unwritten.remove(seq);
        }
        expired.into_iter().filter_map(|seq| self.waiting.remove(&seq)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000;
    const BACKOFF: Backoff = Backoff { min: Duration::from_secs(1), max: Duration::from_secs(30) };
    const DAY: Duration = Duration::from_secs(86_400);

    fn lane_with(n: i64, concurrency: u32) -> Lane {
        let mut lane = Lane::new(concurrency);
        for seq in 1..=n {
            lane.push(Job::new(seq, 0));
        }
        lane
    }

    fn seqs(jobs: &[Job]) -> Vec<i64> {
        jobs.iter().map(|j| j.seq).collect()
    }

    #[test]
    fn up_it_sends_in_arrival_order_within_the_concurrency() {
        let mut lane = lane_with(5, 2);
        assert_eq!(seqs(&lane.take_ready(0, usize::MAX)), vec![1, 2]);
        assert!(lane.take_ready(0, usize::MAX).is_empty(), "two in flight is the limit");
        lane.settle(1, &Class::Delivered, 1, BACKOFF, DAY, 0.5);
        assert_eq!(seqs(&lane.take_ready(1, usize::MAX)), vec![3]);
    }

    #[test]
    fn down_it_probes_with_one_job_and_then_everything_follows() {
        let mut lane = lane_with(4, 1);
        lane.take_ready(0, usize::MAX);
        let again = lane.settle(1, &Class::Retry { retry_after: None }, 0, BACKOFF, DAY, 0.5);
        assert_eq!(again, Some(Settled::Again { next_at_us: S }), "1 s after the first failure");
        assert!(lane.take_ready(S / 2, usize::MAX).is_empty(), "nothing while backing off");
        assert_eq!(seqs(&lane.take_ready(S, usize::MAX)), vec![1], "the oldest job probes, in order");
        let again = lane.settle(1, &Class::Retry { retry_after: None }, S, BACKOFF, DAY, 0.5);
        assert_eq!(again, Some(Settled::Again { next_at_us: 3 * S }), "then 2 s");
        assert_eq!(seqs(&lane.take_ready(3 * S, usize::MAX)), vec![1]);
        lane.settle(1, &Class::Delivered, 3 * S, BACKOFF, DAY, 0.5);
        assert_eq!(lane.down, None, "one success and the target is up");
        lane.concurrency = 8;
        assert_eq!(seqs(&lane.take_ready(3 * S, usize::MAX)), vec![2, 3, 4], "the rest follow at once");
    }

    #[test]
    fn the_backoff_doubles_to_thirty_seconds_with_jitter() {
        let d = |n, u| BACKOFF.delay(n, u).as_secs_f64();
        assert_eq!(d(1, 0.5), 1.0);
        assert_eq!(d(2, 0.5), 2.0);
        assert_eq!(d(5, 0.5), 16.0);
        assert_eq!(d(6, 0.5), 30.0);
        assert_eq!(d(60, 0.5), 30.0);
        assert!((d(4, 0.0) - 6.4).abs() < 1e-9 && (d(4, 1.0) - 9.6).abs() < 1e-9, "±20%");
        assert_eq!(d(1, 0.0), 1.0, "never under the minimum");
        assert_eq!(d(9, 1.0), 30.0, "never over the maximum");
    }

    #[test]
    fn retry_after_is_honoured_over_the_backoff() {
        let mut lane = lane_with(1, 1);
        lane.take_ready(0, usize::MAX);
        let wait = Class::Retry { retry_after: Some(Duration::from_secs(120)) };
        assert_eq!(lane.settle(1, &wait, 0, BACKOFF, DAY, 0.5), Some(Settled::Again { next_at_us: 120 * S }));
        let now = std::time::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after(b" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(b"Tue, 14 Nov 2023 22:13:30 GMT", now), Some(Duration::from_secs(10)));
        assert_eq!(parse_retry_after(b"soon", now), None);
    }

    #[test]
    fn failures_sent_together_count_once() {
        let mut lane = lane_with(3, 3);
        lane.take_ready(0, usize::MAX);
        for seq in 1..=3 {
            lane.settle(seq, &Class::Retry { retry_after: None }, 10, BACKOFF, DAY, 0.5);
        }
        assert_eq!(lane.down.map(|(_, n)| n), Some(1), "one outage, not three");
        assert_eq!(lane.waiting.keys().copied().collect::<Vec<_>>(), vec![1, 2, 3], "all wait, in order");
    }

    #[test]
    fn rejections_are_final_and_do_not_take_the_target_down() {
        assert_eq!(classify(&Ok(400), None), Class::Final);
        assert_eq!(classify(&Ok(404), None), Class::Final);
        assert_eq!(classify(&Ok(301), None), Class::Final);
        assert_eq!(classify(&Ok(408), None), Class::Retry { retry_after: None });
        assert_eq!(classify(&Ok(429), None), Class::Retry { retry_after: None });
        assert_eq!(classify(&Ok(503), None), Class::Retry { retry_after: None });
        assert_eq!(classify(&Err(crate::outbound::SendErrorKind::Connect), None), Class::Retry { retry_after: None });
        let mut lane = lane_with(2, 1);
        lane.take_ready(0, usize::MAX);
        assert_eq!(lane.settle(1, &Class::Final, 0, BACKOFF, DAY, 0.5), Some(Settled::Done(ForwardState::Failed)));
        assert_eq!(lane.down, None);
        assert_eq!(seqs(&lane.take_ready(0, usize::MAX)), vec![2]);
    }

    #[test]
    fn a_job_past_its_give_up_time_is_dead() {
        let mut lane = lane_with(2, 1);
        lane.take_ready(0, usize::MAX);
        let hour = Duration::from_secs(3600);
        let late = 3600 * S;
        assert_eq!(
            lane.settle(1, &Class::Retry { retry_after: None }, late, BACKOFF, hour, 0.5),
            Some(Settled::Done(ForwardState::Dead))
        );
        assert_eq!(seqs(&lane.take_expired(late, hour)), vec![2], "waiting ones expire too");
    }

    #[test]
    fn paused_sends_nothing_not_even_urgent_jobs() {
        let mut lane = lane_with(2, 1);
        lane.paused = true;
        lane.waiting.get_mut(&2).unwrap().urgent = true;
        assert!(lane.take_ready(0, usize::MAX).is_empty());
        lane.paused = false;
        assert_eq!(
            seqs(&lane.take_ready(0, usize::MAX)),
            vec![2, 1],
            "an urgent job goes first, beside the concurrency"
        );
    }
}
