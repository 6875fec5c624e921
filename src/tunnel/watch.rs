//! Follows the ngrok agent's tunnel for the capture port: polls its local
//! API every few seconds, and remembers when the public URL changed (a
//! restarted free tunnel gets a new one, and deliveries silently stop until
//! the provider is told).

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

use super::find_tunnels;

/// The tunnel in front of the capture port, as last seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct TunnelStatus {
    /// `up` (a tunnel points at the capture port) or `none`.
    pub state: String,
    /// `ngrok`, when one is up.
    pub kind: Option<String>,
    pub public_url: Option<String>,
    /// The URL before the last change, and when it changed (µs since the
    /// epoch): the provider may still have the old one.
    pub previous_url: Option<String>,
    pub changed_at_us: Option<i64>,
}

/// The shared, latest status.
pub type Watched = Arc<RwLock<TunnelStatus>>;

/// Starts polling `api` (or 127.0.0.1:4040…4045) every `every`; the task
/// ends when the handle is dropped.
pub fn watch(api: Option<String>, capture: SocketAddr, every: Duration) -> (Watched, tokio::task::JoinHandle<()>) {
    let status: Watched = Arc::new(RwLock::new(TunnelStatus { state: "none".into(), ..Default::default() }));
    let shared = status.clone();
    let task = tokio::spawn(async move {
        loop {
            let found = find_tunnels(api.as_deref(), capture).await.unwrap_or_default();
            let now = crate::capture::now_us();
            {
                let mut s = shared.write().unwrap_or_else(|e| e.into_inner());
                let url = found.first().map(|t| t.public_url.clone());
                if url.is_some() && s.public_url.is_some() && url != s.public_url {
                    s.previous_url = s.public_url.clone();
                    s.changed_at_us = Some(now);
                    tracing::warn!(from = ?s.previous_url, to = ?url, "the tunnel's public URL changed: update it in your provider's dashboard");
                }
                if let Some(url) = url {
                    s.public_url = Some(url);
                }
                s.state = if found.is_empty() { "none" } else { "up" }.into();
                s.kind = found.first().map(|t| t.kind.clone());
            }
            tokio::time::sleep(every).await;
        }
    });
    (status, task)
}
