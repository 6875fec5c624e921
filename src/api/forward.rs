//! Forwarding operations: the queue per target, pause and resume a target,
//! retry what failed, drop what waits. The HTTP API, the desktop shell and
//! the CLI all come through here.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

use super::Api;
use crate::error::{Error, Result};
use crate::forward::{Forwarder, QueueReport};

/// Which target an operation is for; absent: all of them.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS, ToSchema)]
#[serde(default)]
pub struct TargetChoice {
    #[ts(optional)]
    pub target: Option<String>,
}

/// How many deliveries an operation moved.
#[derive(Debug, Clone, Serialize, Deserialize, TS, ToSchema)]
pub struct Moved {
    pub count: u64,
}

impl Api {
    fn forwarder(&self) -> Result<&Forwarder> {
        self.forwarder.as_ref().ok_or_else(|| Error::InvalidArgument("this instance does not forward".into()))
    }

    /// Counts per target and state, and whether each target is up.
    pub async fn queue(&self) -> Result<QueueReport> {
        self.forwarder()?.report().await
    }

    /// Holds or releases everything for a target (kept across restarts).
    #[tracing::instrument(level = "debug", skip(self), err(level = "debug"))]
    pub async fn set_target_paused(&self, target: &str, paused: bool) -> Result<()> {
        if target.trim().is_empty() {
            return Err(Error::InvalidArgument("name the target to pause or resume".into()));
        }
        self.forwarder()?.set_paused(target, paused).await
    }

    /// Queues failed and dead deliveries again (of one target, or all).
    #[tracing::instrument(level = "debug", skip(self), err(level = "debug"))]
    pub async fn retry_failed(&self, target: Option<String>) -> Result<Moved> {
        Ok(Moved { count: self.forwarder()?.retry_failed(target).await? })
    }

    /// Drops the waiting deliveries (of one target, or all): they are not forwarded.
    #[tracing::instrument(level = "debug", skip(self), err(level = "debug"))]
    pub async fn drop_queue(&self, target: Option<String>) -> Result<Moved> {
        Ok(Moved { count: self.forwarder()?.drop_queue(target).await? })
    }
}
