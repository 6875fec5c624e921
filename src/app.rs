//! Starts the whole of Hookscope in-process: store, capture listener and
//! control API. `hookscope serve` runs it headless; the desktop shell runs the
//! same thing on its own runtime.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::api::auth::{Auth, load_or_create_token};
use crate::api::{Api, ApiServer, Info, serve_api};
use crate::capture::{self, CaptureConfig, CaptureServer};
use crate::error::{Error, Result};
use crate::forward::{ForwardConfig, Forwarder};
use crate::store::{Store, StoreConfig};

/// Where Hookscope keeps its database and token: `$HOOKSCOPE_HOME`, else the
/// platform's data folder.
pub fn home_dir() -> PathBuf {
    match std::env::var_os("HOOKSCOPE_HOME") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => dirs::data_dir().unwrap_or_else(std::env::temp_dir).join("hookscope"),
    }
}

pub fn default_db_path() -> PathBuf {
    home_dir().join("hookscope.db")
}

#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub capture: CaptureConfig,
    pub api_addr: SocketAddr,
    pub store: StoreConfig,
    /// Origins besides the API's own that may call the API (e.g. a webview).
    pub extra_origins: Vec<String>,
    /// The install's API token, created on first run. Its folder (the data
    /// folder) is made private.
    pub token_path: PathBuf,
    /// How long a control API client may take to send a request head.
    pub api_header_timeout: std::time::Duration,
    pub forward: ForwardConfig,
    /// `--https ADDR`: a TLS capture listener beside the plain one.
    pub https: Option<HttpsConfig>,
    /// The ngrok agent API to follow (default: 127.0.0.1:4040…4045), and how often.
    pub ngrok_api: Option<String>,
    pub tunnel_poll: std::time::Duration,
    /// `--tunnel`: a tunnel tool to start and supervise.
    pub tunnel: Option<crate::tunnel::TunnelSpec>,
}

#[derive(Debug, Clone)]
pub struct HttpsConfig {
    pub addr: SocketAddr,
    /// The user's certificate and key (both or neither); else one is made
    /// in the data folder's `tls/` on first use.
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

impl ServeConfig {
    pub fn new(db: PathBuf) -> Self {
        ServeConfig {
            capture: CaptureConfig::default(),
            api_addr: SocketAddr::from(([127, 0, 0, 1], 8788)),
            store: StoreConfig::new(db),
            extra_origins: Vec::new(),
            token_path: home_dir().join("token"),
            api_header_timeout: std::time::Duration::from_secs(10),
            forward: ForwardConfig::default(),
            https: None,
            ngrok_api: None,
            tunnel_poll: std::time::Duration::from_secs(3),
            tunnel: None,
        }
    }
}

pub struct Running {
    pub api: Api,
    pub auth: Arc<Auth>,
    pub capture: CaptureServer,
    pub api_server: ApiServer,
    pub forwarder: Forwarder,
    /// The HTTPS capture listener, when asked for.
    pub https: Option<CaptureServer>,
    /// The tunnel in front of the capture port: followed, or started here.
    pub tunnels: Arc<crate::tunnel::Tunnels>,
    _instance: Option<Instance>,
}

/// `<db>-instance.json` beside the database (for the default one, in the data
/// folder beside the token): where the instance running on that database has
/// its control API, so the CLI can talk to it (instead of opening a second
/// writer on the same database) and a user can find it. Removed when the
/// instance stops; a file left by a killed one names a dead pid, and is
/// ignored.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct InstanceRecord {
    pub pid: u32,
    pub api_url: String,
    pub capture_url: String,
    pub database: String,
}

struct Instance {
    path: PathBuf,
}

impl Instance {
    fn record(path: &Path, info: &Info) -> Option<Instance> {
        let record = InstanceRecord {
            pid: std::process::id(),
            api_url: info.api_url.clone()?,
            capture_url: info.capture_url.clone(),
            database: info.database.clone(),
        };
        let json = serde_json::to_vec_pretty(&record).ok()?;
        match crate::fsutil::write_private(path, &json) {
            Ok(()) => Some(Instance { path: path.to_owned() }),
            Err(e) => {
                tracing::warn!(error = %e, path = %path.display(), "could not record the running instance");
                None
            }
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        // Only our own record: another instance may have started since.
        let ours = read_instance(&self.path).is_some_and(|r| r.pid == std::process::id());
        if ours {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Where the instance running on `db` records itself.
pub fn instance_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-instance.json");
    PathBuf::from(name)
}

/// The record at `path`, if any (alive or not).
pub fn read_instance(path: &Path) -> Option<InstanceRecord> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// The instance running on `db` now, if one is: its record names a live
/// process other than this one, and its control API answers (a pid can be
/// reused by an unrelated process after a crash).
pub fn running_instance(db: &Path) -> Option<InstanceRecord> {
    read_instance(&instance_path(db))
        .filter(|r| r.pid != std::process::id() && process_alive(r.pid) && answers(&r.api_url))
}

fn answers(api_url: &str) -> bool {
    let Some(addr) = api_url.strip_prefix("http://").and_then(|a| a.parse::<std::net::SocketAddr>().ok()) else {
        return false;
    };
    std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_millis(300)).is_ok()
}

/// Alive and not a zombie (a killed child nobody has reaped yet).
#[cfg(target_os = "linux")]
fn process_alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.rsplit_once(')').is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')))
}

// Elsewhere there is no /proc to ask without unsafe code: a stale record
// must not keep Hookscope from starting, so assume the process is gone.
#[cfg(not(target_os = "linux"))]
fn process_alive(_pid: u32) -> bool {
    false
}

impl Running {
    pub fn capture_url(&self) -> String {
        format!("http://{}", self.capture.local_addr())
    }

    pub fn api_url(&self) -> String {
        format!("http://{}", self.api_server.local_addr())
    }

    pub async fn shutdown(self) {
        // First: a tunnel that outlived the listener would take deliveries nobody stores.
        self.tunnels.stop().await;
        self.capture.shutdown().await;
        if let Some(https) = self.https {
            https.shutdown().await;
        }
        self.api_server.shutdown().await;
        // Last: what it sent meanwhile is recorded before the store closes.
        self.forwarder.shutdown().await;
    }
}

pub async fn start(config: ServeConfig) -> Result<Running> {
    if !config.api_addr.ip().is_loopback() {
        return Err(Error::InvalidArgument(format!(
            "the control API listens on loopback only, not {}",
            config.api_addr
        )));
    }
    // One running instance per database: a second writer would only
    // contend with the first, and the CLI could not tell which to talk to.
    if let Some(other) = running_instance(&config.store.path) {
        return Err(Error::AlreadyRunning { pid: other.pid, api_url: other.api_url });
    }
    // Before anything starts: a missing tunnel tool is the user's to fix first.
    if let Some(spec) = &config.tunnel {
        crate::tunnel::program_for(spec.kind)?;
    }
    let token = load_or_create_token(&config.token_path)?;
    // Tightens what an older version (or a umask) left readable by others.
    if let Some(dir) = config.token_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::fsutil::private_dir(dir).map_err(|e| Error::io(format!("securing {}", dir.display()), e))?;
    }
    let store = Store::open(config.store.clone())?;
    let forwarder = Forwarder::start(store.clone(), config.forward.clone())?;
    let capture = capture::listen(store.clone(), config.capture.clone(), Some(forwarder.clone())).await?;
    let (https, tls) = match &config.https {
        Some(h) => {
            let home = config.token_path.parent().map(Path::to_owned).unwrap_or_else(home_dir);
            let tls = capture::tls::load_or_create(&home, h.cert.as_deref(), h.key.as_deref())?;
            let server = capture::listen_tls(
                store.clone(),
                config.capture.clone(),
                Some(forwarder.clone()),
                h.addr,
                tls.acceptor.clone(),
            )
            .await?;
            (Some(server), Some(tls))
        }
        None => (None, None),
    };
    let listener = tokio::net::TcpListener::bind(config.api_addr)
        .await
        .map_err(|source| Error::Bind { addr: config.api_addr.to_string(), source })?;
    let api_addr = listener.local_addr().map_err(|e| Error::io("reading the API address", e))?;
    let info = Info {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        capture_url: format!("http://{}", capture.local_addr()),
        public_url: None,
        database: config.store.path.display().to_string(),
        api_url: Some(format!("http://{api_addr}")),
        https_url: https.as_ref().map(|h| format!("https://localhost:{}", h.local_addr().port())),
        tls_fingerprint: tls.as_ref().map(|t| t.fingerprint.clone()),
        tls_certificate: tls.as_ref().map(|t| t.cert_path.display().to_string()),
    };
    let auth = Arc::new(Auth::new(token, api_addr, &config.extra_origins));
    let tunnels =
        Arc::new(crate::tunnel::Tunnels::new(capture.local_addr(), config.ngrok_api.clone(), config.tunnel_poll));
    if let Some(spec) = config.tunnel.clone() {
        tunnels.start(spec).await?;
    }
    let api = Api::new(store, info.clone())
        .with_auth(auth.clone())
        .with_forwarder(forwarder.clone())
        .with_tunnels(tunnels.clone());
    let api_server = serve_api(listener, crate::api::router(api.clone(), auth.clone()), config.api_header_timeout)?;
    let instance = Instance::record(&instance_path(&config.store.path), &info);
    tracing::info!(capture = %info.capture_url, api = ?info.api_url, db = %info.database, "started");
    Ok(Running { api, auth, capture, api_server, forwarder, https, tunnels, _instance: instance })
}
