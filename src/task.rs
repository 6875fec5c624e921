//! A server task behind a handle: dropping the handle (or `shutdown`) stops
//! it accepting connections, and `shutdown` waits for it to finish.

use std::net::SocketAddr;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub struct ServerHandle {
    local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// Spawns `serve`, which should return once the receiver it is given changes.
    pub(crate) fn spawn<F, Fut>(local_addr: SocketAddr, serve: F) -> ServerHandle
    where
        F: FnOnce(watch::Receiver<bool>) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(serve(stopped));
        ServerHandle { local_addr, stop, task: Some(task) }
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting connections and waits for the server task to end.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
