//! The tunnel in front of the capture port, owned by the running core: the
//! followed ngrok agent, or a tunnel tool Hookscope started and supervises
//! on its own thread.

use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::{oneshot, watch};

use super::supervise::{TunnelSpec, program_for, supervise};
use super::watch::{TunnelStatus, follow_ngrok};
use crate::error::{Error, Result};

pub struct Tunnels {
    status: watch::Sender<TunnelStatus>,
    capture: SocketAddr,
    running: Mutex<Option<Supervised>>,
    follow: tokio::task::JoinHandle<()>,
}

struct Supervised {
    stop: watch::Sender<bool>,
    done: oneshot::Receiver<()>,
}

impl Tunnels {
    /// Follows the ngrok agent at `ngrok_api` (or 127.0.0.1:4040…4045) for
    /// `capture`, every `poll`, until a tunnel is started here.
    pub fn new(capture: SocketAddr, ngrok_api: Option<String>, poll: Duration) -> Self {
        let (status, _) = watch::channel(TunnelStatus::none());
        let follow = tokio::spawn(follow_ngrok(status.clone(), ngrok_api, capture, poll));
        Tunnels { status, capture, running: Mutex::new(None), follow }
    }

    pub fn status(&self) -> TunnelStatus {
        self.status.borrow().clone()
    }

    /// Every change of status, starting with the current one.
    pub fn subscribe(&self) -> watch::Receiver<TunnelStatus> {
        self.status.subscribe()
    }

    /// Starts `spec`'s tool (stopping a tunnel started before); fails at
    /// once when the tool is not installed. The public URL follows in the
    /// status once the tool prints it.
    pub async fn start(&self, spec: TunnelSpec) -> Result<TunnelStatus> {
        let program = program_for(spec.kind)?;
        self.stop().await;
        let (stop, stop_rx) = watch::channel(false);
        let (done_tx, done) = oneshot::channel();
        let status = self.status.clone();
        let capture = self.capture;
        status.send_modify(|s| {
            fresh(s);
            s.state = "starting".into();
            s.kind = Some(spec.kind.as_str().into());
            s.managed = true;
        });
        // Its own thread: the tool is set to die with the thread that spawned it.
        std::thread::Builder::new()
            .name(format!("tunnel-{}", spec.kind.as_str()))
            .spawn(move || {
                match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(rt) => rt.block_on(supervise(spec, program, capture, status, stop_rx)),
                    Err(e) => status.send_modify(|s| {
                        s.state = "down".into();
                        s.error = Some(format!("could not start the tunnel's runtime: {e}"));
                    }),
                }
                let _ = done_tx.send(());
            })
            .map_err(|e| Error::io("starting the tunnel thread", e))?;
        if let Ok(mut running) = self.running.lock() {
            *running = Some(Supervised { stop, done });
        }
        Ok(self.status())
    }

    /// Stops the tunnel Hookscope started, if any, and waits for its tool
    /// to exit; the ngrok agent is followed again.
    pub async fn stop(&self) -> TunnelStatus {
        let supervised = self.running.lock().ok().and_then(|mut r| r.take());
        if let Some(Supervised { stop, done }) = supervised {
            let _ = stop.send(true);
            let _ = done.await;
            self.status.send_modify(fresh);
        }
        self.status()
    }
}

/// No tunnel, keeping the last public URL as the previous one: a tunnel
/// started next with another URL counts as a change the provider must hear of.
fn fresh(s: &mut TunnelStatus) {
    let previous = s.public_url.take().or(s.previous_url.take());
    *s = TunnelStatus { previous_url: previous, changed_at_us: s.changed_at_us, ..TunnelStatus::none() };
}

impl Drop for Tunnels {
    fn drop(&mut self) {
        self.follow.abort();
        if let Some(Supervised { stop, .. }) = self.running.get_mut().ok().and_then(Option::take) {
            // The supervisor stops its tool on its own thread.
            let _ = stop.send(true);
        }
    }
}
