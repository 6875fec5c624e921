//! The tunnel in front of the capture port, as last seen. Without a tunnel
//! Hookscope started itself, a running ngrok agent's is followed: its local
//! API is polled every few seconds, and a change of public URL is remembered
//! (a restarted free tunnel gets a new one, and deliveries silently stop
//! until the provider is told).

use std::net::SocketAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use ts_rs::TS;
use utoipa::ToSchema;

use super::find_tunnels;

/// The tunnel in front of the capture port.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct TunnelStatus {
    /// `none`, `up`; for a tunnel Hookscope started, also `starting`,
    /// `reconnecting` (its tool exited and is restarted with backoff) and
    /// `down` (it could not be started).
    pub state: String,
    /// `ngrok`, `cloudflared` or `bore`.
    pub kind: Option<String>,
    pub public_url: Option<String>,
    /// The URL before the last change, and when it changed (µs since the
    /// epoch): the provider may still have the old one.
    pub previous_url: Option<String>,
    pub changed_at_us: Option<i64>,
    /// Whether Hookscope started this tunnel (and stops it when it stops).
    #[serde(default)]
    pub managed: bool,
    /// The tool's process, while it runs.
    pub pid: Option<u32>,
    /// How often the tool was restarted.
    #[serde(default)]
    pub restarts: u32,
    /// Why the tool last stopped or could not start.
    pub error: Option<String>,
    /// When the next restart is due (µs since the epoch), while reconnecting.
    pub next_try_us: Option<i64>,
}

impl TunnelStatus {
    pub fn none() -> Self {
        TunnelStatus { state: "none".into(), ..Default::default() }
    }
}

/// Notes `url` as the current public URL, remembering the one it replaces.
pub(super) fn observe(s: &mut TunnelStatus, url: Option<String>) {
    let Some(url) = url else { return };
    let last = s.public_url.as_ref().or(s.previous_url.as_ref());
    if last.is_some_and(|l| *l != url) {
        s.previous_url = last.cloned();
        s.changed_at_us = Some(crate::capture::now_us());
        tracing::warn!(from = ?s.previous_url, to = %url, "the tunnel's public URL changed: update it in your provider's dashboard");
    }
    s.public_url = Some(url);
}

/// Polls `api` (or 127.0.0.1:4040…4045) every `every` while no tunnel of
/// Hookscope's own is running; runs until aborted.
pub(super) async fn follow_ngrok(
    status: watch::Sender<TunnelStatus>,
    api: Option<String>,
    capture: SocketAddr,
    every: Duration,
) {
    loop {
        if !status.borrow().managed {
            let found = find_tunnels(api.as_deref(), capture).await.unwrap_or_default();
            status.send_if_modified(|s| {
                if s.managed {
                    return false;
                }
                let before = s.clone();
                observe(s, found.first().map(|t| t.public_url.clone()));
                s.state = if found.is_empty() { "none" } else { "up" }.into();
                s.kind = found.first().map(|t| t.kind.clone());
                *s != before
            });
        }
        tokio::time::sleep(every).await;
    }
}
