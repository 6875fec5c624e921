//! When captures last committed. Background work (checkpoints, search
//! indexing) reads this to stay out of the way while deliveries stream in and
//! to do its bulk in the quiet moments between bursts.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long without a commit before the store counts as quiet.
pub const QUIET_AFTER: Duration = Duration::from_millis(250);

#[derive(Debug)]
pub struct Activity {
    epoch: Instant,
    /// Microseconds after `epoch` of the last commit that stored a delivery.
    last_commit_us: AtomicU64,
}

impl Default for Activity {
    fn default() -> Self {
        Activity { epoch: Instant::now(), last_commit_us: AtomicU64::new(0) }
    }
}

impl Activity {
    pub fn committed(&self) {
        self.last_commit_us.store(self.epoch.elapsed().as_micros() as u64, Ordering::Relaxed);
    }

    pub fn quiet(&self) -> bool {
        let last = Duration::from_micros(self.last_commit_us.load(Ordering::Relaxed));
        self.epoch.elapsed().saturating_sub(last) >= QUIET_AFTER
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_only_some_time_after_a_commit() {
        let activity = Activity::default();
        activity.committed();
        assert!(!activity.quiet());
        std::thread::sleep(QUIET_AFTER + Duration::from_millis(20));
        assert!(activity.quiet());
        activity.committed();
        assert!(!activity.quiet());
    }
}
