//! The core as the window holds it: started on the chosen capture port,
//! restarted on another one when the user picks it, with a task that forwards
//! the live stream to the window.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Mutex, RwLock};

use futures_util::StreamExt as _;
use hookscope::api::{Api, CoreStatus as Status};
use hookscope::app::{Running, ServeConfig, default_db_path};
use serde::{Deserialize, Serialize};

use tauri::async_runtime::JoinHandle;
use tauri::{AppHandle, Emitter as _, Manager as _};

/// The Tauri event that carries [`hookscope::api::LiveEvent`]s (every topic) to the window.
pub const EVENTS: &str = "events";
/// Tells the window the core started, stopped or failed; carries a [`Status`].
pub const STATUS_EVENT: &str = "status";
const DEFAULT_CAPTURE_PORT: u16 = 8787;

/// What the window remembers between runs (window geometry is the
/// window-state plugin's).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    pub capture_port: u16,
    /// Also capture over HTTPS on this loopback port (a self-signed
    /// certificate for localhost, made on first use), as `serve --https`.
    #[serde(default)]
    pub https_port: Option<u16>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { capture_port: DEFAULT_CAPTURE_PORT, https_port: None }
    }
}

pub struct Core {
    settings_path: PathBuf,
    status: RwLock<Status>,
    api: RwLock<Option<Api>>,
    running: tokio::sync::Mutex<Option<(Running, JoinHandle<()>)>>,
    settings: Mutex<Settings>,
}

impl Core {
    pub fn new(settings_path: PathBuf) -> Self {
        let settings = std::fs::read(&settings_path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        Core {
            settings_path,
            status: RwLock::new(Status::Starting),
            api: RwLock::new(None),
            running: tokio::sync::Mutex::new(None),
            settings: Mutex::new(settings),
        }
    }

    pub fn settings(&self) -> Settings {
        self.settings.lock().map(|s| s.clone()).unwrap_or_default()
    }

    pub fn status(&self) -> Status {
        self.status.read().map(|s| s.clone()).unwrap_or(Status::Starting)
    }

    /// Where the running core captures.
    pub async fn capture_addr(&self) -> Option<SocketAddr> {
        self.running.lock().await.as_ref().map(|(running, _)| running.capture.local_addr())
    }

    /// The operations, once the core runs.
    pub fn api(&self) -> Option<Api> {
        self.api.read().ok().and_then(|a| a.clone())
    }

    fn remember_port(&self, port: u16) {
        self.remember(|s| s.capture_port = port);
    }

    /// Changes and saves the settings.
    pub fn remember(&self, change: impl FnOnce(&mut Settings)) {
        let settings = match self.settings.lock() {
            Ok(mut current) => {
                change(&mut current);
                current.clone()
            }
            Err(_) => return,
        };
        // Forgetting a setting is no reason to fail a start.
        if let Some(dir) = self.settings_path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Ok(json) = serde_json::to_vec_pretty(&settings) {
            let _ = hookscope::fsutil::write_private(&self.settings_path, &json);
        }
    }

    fn set_status(&self, app: &AppHandle, status: Status) {
        if let Ok(mut s) = self.status.write() {
            *s = status.clone();
        }
        let _ = app.emit(STATUS_EVENT, status);
    }
}

/// Where to listen first: `HOOKSCOPE_CAPTURE` when set (tests use port 0),
/// else loopback on the remembered port.
pub fn first_capture_addr(remembered: u16) -> SocketAddr {
    std::env::var("HOOKSCOPE_CAPTURE").ok().and_then(|a| a.parse().ok()).unwrap_or_else(|| loopback(remembered))
}

pub fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// Starts (or restarts) the core with its capture listener on `addr`. A
/// failure, such as a port already taken, is reported through the status.
pub async fn start(app: &AppHandle, addr: SocketAddr) {
    let port = addr.port();
    let core = app.state::<Core>();
    core.set_status(app, Status::Starting);
    let mut running = core.running.lock().await;
    if let Some((old, forwarder)) = running.take() {
        forwarder.abort();
        if let Ok(mut api) = core.api.write() {
            *api = None;
        }
        old.shutdown().await;
    }
    let mut config = ServeConfig::new(default_db_path());
    // A window's capture rate needs far less than `serve`'s 64 MiB writer
    // cache (it is most of the app's growth under a burst).
    config.store.writer_cache_kib = 16 * 1024;
    config.capture.addr = addr;
    // The window uses IPC; the HTTP API only needs a free loopback port.
    config.api_addr = SocketAddr::from(([127, 0, 0, 1], 0));
    // As `serve --ngrok-api`: an agent API on another port (tests use a stand-in).
    config.ngrok_api = std::env::var("HOOKSCOPE_NGROK_API").ok().filter(|a| !a.is_empty());
    config.https = core.settings().https_port.map(|port| hookscope::app::HttpsConfig {
        addr: SocketAddr::new(addr.ip(), port),
        cert: None,
        key: None,
    });
    match hookscope::app::start(config).await {
        Ok(started) => {
            let api = started.api.clone();
            let forwarder = tauri::async_runtime::spawn(forward_events(app.clone(), api.clone()));
            if let Ok(mut slot) = core.api.write() {
                *slot = Some(api);
            }
            if port != 0 {
                core.remember_port(port);
            }
            let capture_url = started.capture_url();
            *running = Some((started, forwarder));
            core.set_status(app, Status::Listening { capture_url });
        }
        Err(e) => core
            .set_status(app, Status::Failed { code: e.code().to_owned(), message: e.to_string(), capture_port: port }),
    }
}

async fn forward_events(app: AppHandle, api: Api) {
    let mut events = std::pin::pin!(api.subscribe());
    while let Some(event) = events.next().await {
        let _ = app.emit(EVENTS, event);
    }
}
