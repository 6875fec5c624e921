//! The public capture listener. A tunnel points the internet at it, so it
//! answers every method on every path the same way — record, commit, then
//! acknowledge — and never serves the UI or the control API.

#[doc(hidden)]
pub mod fuzz;
mod handler;
mod tap;
pub mod tls;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt as _;

pub(crate) use handler::now_us;
pub use handler::{MAX_HEAD_BYTES, TRUNCATED_KEEP};

use crate::error::{Error, Result};
use crate::forward::Forwarder;
use crate::store::Store;
use crate::task::ServerHandle;

#[derive(Debug, Clone)]
pub struct CaptureConfig {
    pub addr: SocketAddr,
    /// Bodies above this many bytes get a 413 (and a truncated record).
    pub max_body: u64,
    /// The status of the acknowledgement.
    pub ack_status: u16,
    /// How long a client may take to send its request head.
    pub header_timeout: Duration,
    /// How long a client may take to send its body.
    pub body_timeout: Duration,
    /// How long to wait for the store before answering 503.
    pub ack_deadline: Duration,
    pub max_headers: usize,
    /// After a 413, the longest the rest of the body is read and discarded
    /// before closing, so the sender sees the 413 instead of a reset
    /// (nginx's `lingering_time` default).
    pub linger_timeout: Duration,
    /// After a 413, how long the sender may pause while that rest is drained;
    /// one that stalled is cut off (nginx's `lingering_timeout` default).
    pub linger_idle: Duration,
    /// Connections served at once; beyond them a new one gets `503` with
    /// `Retry-After` and is closed, and those already open keep being served.
    pub max_connections: usize,
    /// Body bytes held in memory across all requests still being read; a
    /// chunk past it gets `503` with `Retry-After`.
    pub max_inflight_bytes: u64,
    /// Passthrough rules: how long the sender waits for the target's answer
    /// before getting a 504 (the delivery stays stored and queued).
    pub passthrough_timeout: Duration,
}

impl Default for CaptureConfig {
    fn default() -> Self {
        CaptureConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 8787)),
            max_body: 25 * 1024 * 1024,
            ack_status: 200,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            ack_deadline: Duration::from_secs(10),
            max_headers: 100,
            linger_timeout: Duration::from_secs(30),
            linger_idle: Duration::from_secs(5),
            max_connections: 4096,
            max_inflight_bytes: 512 * 1024 * 1024,
            passthrough_timeout: Duration::from_secs(10),
        }
    }
}

pub(crate) struct CaptureState {
    pub store: Store,
    /// The rules (custom answers, passthrough) and the forwarder behind them.
    pub forwarding: Option<Forwarder>,
    pub config: CaptureConfig,
    /// Body bytes held by requests being read (see `max_inflight_bytes`).
    pub inflight: std::sync::atomic::AtomicU64,
}

/// The capture service without a socket, for tests (`tower::ServiceExt::oneshot`).
pub fn router(store: Store, config: CaptureConfig, forwarding: Option<Forwarder>) -> Router {
    let state = CaptureState { store, forwarding, config, inflight: std::sync::atomic::AtomicU64::new(0) };
    Router::new().fallback(handler::capture).with_state(Arc::new(state))
}

/// A running capture listener; dropping it (or `shutdown`) stops accepting.
pub type CaptureServer = ServerHandle;

/// Binds the capture listener and starts serving; `forwarding` answers as
/// the endpoints' rules say (without it, every delivery gets the ack).
pub async fn listen(store: Store, config: CaptureConfig, forwarding: Option<Forwarder>) -> Result<CaptureServer> {
    let addr = config.addr;
    listen_on(store, config, forwarding, addr, None).await
}

/// The HTTPS capture listener on `addr`, beside the plain one: the same
/// service behind a TLS handshake (which must finish within the header timeout).
pub async fn listen_tls(
    store: Store,
    config: CaptureConfig,
    forwarding: Option<Forwarder>,
    addr: SocketAddr,
    tls: tokio_rustls::TlsAcceptor,
) -> Result<CaptureServer> {
    listen_on(store, config, forwarding, addr, Some(tls)).await
}

async fn listen_on(
    store: Store,
    config: CaptureConfig,
    forwarding: Option<Forwarder>,
    addr: SocketAddr,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> Result<CaptureServer> {
    let listener = TcpListener::bind(addr).await.map_err(|source| Error::Bind { addr: addr.to_string(), source })?;
    let local_addr = listener.local_addr().map_err(|e| Error::io("reading the capture address", e))?;
    let app = router(store, config.clone(), forwarding);
    Ok(ServerHandle::spawn(local_addr, |stopped| accept_loop(listener, app, config, tls, stopped)))
}

/// Marks a request that came over TLS (the HTTPS listener).
#[derive(Debug, Clone, Copy)]
pub(crate) struct OverTls;

async fn accept_loop(
    listener: TcpListener,
    app: Router,
    config: CaptureConfig,
    tls: Option<tokio_rustls::TlsAcceptor>,
    mut stopped: watch::Receiver<bool>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(config.header_timeout)
        .max_headers(config.max_headers)
        .max_buf_size(tap::MAX_HEAD);
    let slots = Arc::new(tokio::sync::Semaphore::new(config.max_connections));
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                // Out of file descriptors and the like: back off, keep serving.
                Err(_) => { tokio::time::sleep(Duration::from_millis(50)).await; continue; }
            },
            _ = stopped.changed() => return,
        };
        let _ = stream.set_nodelay(true);
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tokio::spawn(turn_away(stream));
            continue;
        };
        let (app, http, tls) = (app.clone(), http.clone(), tls.clone());
        let handshake_deadline = config.header_timeout;
        tokio::spawn(async move {
            match tls {
                None => serve_connection(stream, remote, false, app, http).await,
                // A client that never finishes the handshake is cut off like a slow head.
                Some(acceptor) => {
                    let handshake = async {
                        if plain_http(&stream).await {
                            refuse_plain_http(stream).await;
                            return None;
                        }
                        acceptor.accept(stream).await.ok()
                    };
                    if let Ok(Some(tls_stream)) = tokio::time::timeout(handshake_deadline, handshake).await {
                        serve_connection(tls_stream, remote, true, app, http).await;
                    }
                }
            }
            drop(slot);
        });
    }
}

/// Whether the client opened with a plain HTTP request line (a letter)
/// where a TLS handshake (a record of type 0x16) belongs.
async fn plain_http(stream: &TcpStream) -> bool {
    let mut first = [0u8; 1];
    matches!(stream.peek(&mut first).await, Ok(1) if first[0].is_ascii_alphabetic())
}

/// Says so in plain HTTP, as nginx does, instead of a failed handshake the
/// user can't read; nothing is stored.
async fn refuse_plain_http(mut stream: TcpStream) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    const BODY: &str = "This port speaks HTTPS: send to https:// (plain HTTP goes to the other port)\n";
    let answer = format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\
         Content-Length: {}\r\n\r\n{BODY}",
        BODY.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(2), stream.write_all(answer.as_bytes())).await;
    let _ = stream.shutdown().await;
    // Read what the client sent meanwhile, briefly: closing with it unread
    // would reset the connection before the client read the answer.
    let mut sink = [0u8; 8192];
    let drain = async { while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {} };
    let _ = tokio::time::timeout(Duration::from_secs(1), drain).await;
}

async fn serve_connection<S>(
    stream: S,
    remote: SocketAddr,
    over_tls: bool,
    app: Router,
    http: hyper::server::conn::http1::Builder,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let tap = tap::SharedTap::default();
    let io = TokioIo::new(tap::TapIo::new(stream, tap.clone()));
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(remote));
        req.extensions_mut().insert(tap.clone());
        if over_tls {
            req.extensions_mut().insert(OverTls);
        }
        app.clone().oneshot(req)
    });
    // A client that goes away mid-request is not an error worth a log line.
    let _ = http.serve_connection(io, service).await;
}

/// Answers a connection over the cap with a `503` and closes it, without
/// reading its request: a sender retries later, and nothing was acknowledged.
async fn turn_away(mut stream: tokio::net::TcpStream) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nConnection: close\r\n\
        Content-Type: text/plain; charset=utf-8\r\nContent-Length: 42\r\n\r\nHookscope is busy (too many connections).\n";
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        let _ = stream.write_all(BUSY).await;
        let _ = stream.shutdown().await;
        // Read what the sender wrote, so closing does not reset the answer away.
        let mut sink = [0u8; 4096];
        while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
    })
    .await;
}
