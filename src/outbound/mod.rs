//! The one outbound HTTP client: replay sends with it, and forwarding and
//! sample events will. A request goes out as given — method, target, every
//! header in its order and case with repeats (see `head.rs`), the body's exact
//! bytes — and the answer comes back as it is: no redirects followed, no
//! decompression. A failure is a value ([`SendError`]), never a panic or a
//! hang: connect and total timeouts bound every send.

mod head;
mod pool;
mod tls;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use ts_rs::TS;
use utoipa::ToSchema;

use crate::model::{Header, push_header};

#[derive(Debug, Clone)]
pub struct OutboundConfig {
    pub connect_timeout: Duration,
    /// From the start of the connect to the end of the response body.
    pub timeout: Duration,
    /// Response bytes kept; the rest is not read.
    pub max_response_body: usize,
}

impl Default for OutboundConfig {
    fn default() -> Self {
        OutboundConfig {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            max_response_body: 10 * 1024 * 1024,
        }
    }
}

/// A request ready to go: `headers` are sent exactly (the caller sets `Host`
/// and a `Content-Length` that matches `body`).
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Where to connect (scheme, host, port); its path is not used.
    pub url: url::Url,
    /// The request line's target, exactly (`/hooks/stripe?x=1`).
    pub target: String,
    pub headers: Vec<Header>,
    /// Shared with hyper without a copy.
    pub body: Bytes,
    /// Skip TLS certificate checks for this send.
    pub insecure: bool,
    /// Replaces the configured total timeout.
    pub timeout: Option<Duration>,
}

impl Request {
    /// The request line and headers as they go on the wire.
    pub fn head(&self) -> Vec<u8> {
        let mut head = format!("{} {} HTTP/1.1\r\n", self.method, self.target).into_bytes();
        for h in &self.headers {
            push_header(&mut head, h.name.as_bytes(), &h.value);
        }
        head.extend_from_slice(b"\r\n");
        head
    }
}

/// `/path?query` of a URL: what goes in the request line.
pub fn path_and_query(url: &url::Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

/// Why a send got no answer.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema, strum::IntoStaticStr, strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SendErrorKind {
    /// The URL cannot be sent to (scheme, host).
    InvalidUrl,
    /// The host name did not resolve.
    Dns,
    /// Nothing accepted the connection (refused, unreachable).
    Connect,
    Tls,
    /// The connect or the whole exchange took longer than allowed.
    Timeout,
    /// The connection closed or was reset before a whole response.
    Reset,
    /// The answer was not HTTP/1.1 hyper could read.
    Protocol,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    pub kind: SendErrorKind,
    pub message: String,
}

impl SendError {
    fn new(kind: SendErrorKind, message: impl Into<String>) -> Self {
        SendError { kind, message: message.into() }
    }
}

/// What came back.
#[derive(Debug, Clone, Default)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<Header>,
    pub body: Vec<u8>,
    /// The body was longer than `max_response_body`; `body` is its start.
    pub truncated: bool,
}

/// One send: its answer or why there was none, and how long it took.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub result: Result<Response, SendError>,
    pub duration: Duration,
}

#[derive(Clone)]
pub struct Outbound {
    config: OutboundConfig,
    tls: Arc<tls::Connectors>,
    pool: Arc<pool::Pool>,
}

impl Outbound {
    pub fn new(config: OutboundConfig) -> Self {
        Outbound { config, tls: Arc::new(tls::Connectors::default()), pool: Arc::default() }
    }

    pub fn config(&self) -> &OutboundConfig {
        &self.config
    }

    /// Sends `req`, on a kept-alive connection to its origin when one is idle.
    #[tracing::instrument(level = "debug", skip_all, fields(method = %req.method, url = %req.url))]
    pub async fn send(&self, req: &Request) -> Exchange {
        let started = Instant::now();
        let total = req.timeout.unwrap_or(self.config.timeout);
        let result = match tokio::time::timeout(total, self.exchange(req)).await {
            Ok(result) => result,
            Err(_) => {
                Err(SendError::new(SendErrorKind::Timeout, format!("no complete answer within {}", seconds(total))))
            }
        };
        if let Err(e) = &result {
            tracing::debug!(kind = <&str>::from(e.kind), "send failed: {}", e.message);
        }
        Exchange { result, duration: started.elapsed() }
    }

    async fn exchange(&self, req: &Request) -> Result<Response, SendError> {
        let key = pool::Key::of(&req.url, req.insecure)?;
        let mut request = Some(hyper_request(req)?);
        // An idle connection the target has closed meanwhile gives the
        // request back unsent: then, and only then, a fresh one is tried.
        for _ in 0..3 {
            let Some(taken) = request.take() else { break };
            let mut conn = match self.pool.take(&key) {
                Some(conn) => conn,
                None => self.connect(&key, req.insecure).await?,
            };
            // A kept-alive connection becomes ready once the last answer's end was seen.
            if conn.sender.ready().await.is_err() {
                request = Some(taken);
                continue;
            }
            conn.arm.arm(req.head());
            let fallback = conn.reused.then(|| hyper_request(req)).transpose()?;
            match conn.sender.try_send_request(taken).await {
                Ok(response) => return self.read(response, conn, key).await,
                Err(mut e) => {
                    let unsent = e.take_message();
                    let error = classify(e.error());
                    // A kept-alive connection the target closed as the request
                    // went out (its idle timeout, or a server that closes after
                    // each answer without saying so) got no answer: the target
                    // did not take the request, so it goes on a fresh one.
                    let closed_idle = conn.reused && closed_under_us(e.error());
                    match (unsent, fallback) {
                        (Some(again), _) if conn.reused => request = Some(again),
                        (None, Some(again)) if closed_idle => request = Some(again),
                        _ => return Err(error),
                    }
                }
            }
        }
        Err(SendError::new(SendErrorKind::Reset, "the target kept closing the connection"))
    }

    async fn connect(&self, key: &pool::Key, insecure: bool) -> Result<pool::Conn, SendError> {
        let (host, port) = (key.host.as_str(), key.port);
        let addrs: Vec<_> = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| SendError::new(SendErrorKind::Dns, format!("cannot resolve {host}: {e}")))?
            .collect();
        let connect = TcpStream::connect(&addrs[..]);
        let tcp = match tokio::time::timeout(self.config.connect_timeout, connect).await {
            Ok(Ok(tcp)) => tcp,
            Ok(Err(e)) => {
                return Err(SendError::new(SendErrorKind::Connect, format!("cannot connect to {host}:{port}: {e}")));
            }
            Err(_) => {
                let waited = seconds(self.config.connect_timeout);
                return Err(SendError::new(
                    SendErrorKind::Timeout,
                    format!("connect to {host}:{port}: no answer in {waited}"),
                ));
            }
        };
        let _ = tcp.set_nodelay(true);
        if key.secure {
            let tls = self.tls.connect(tcp, host, insecure).await?;
            handshake(tls).await
        } else {
            handshake(tcp).await
        }
    }

    /// Reads the answer; a connection whose answer was read whole, and that
    /// neither side means to close, goes back to the pool.
    async fn read(
        &self,
        response: hyper::Response<hyper::body::Incoming>,
        conn: pool::Conn,
        key: pool::Key,
    ) -> Result<Response, SendError> {
        let status = response.status().as_u16();
        let closing = response
            .headers()
            .get(http::header::CONNECTION)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| Header::new(name.as_str().to_owned(), value.as_bytes().to_vec()))
            .collect();
        let mut body = Vec::new();
        let mut truncated = false;
        let mut incoming = response.into_body();
        while let Some(frame) = incoming.frame().await {
            let frame = frame.map_err(|e| classify(&e))?;
            if let Some(data) = frame.data_ref() {
                let room = self.config.max_response_body - body.len();
                if data.len() > room {
                    body.extend_from_slice(&data[..room]);
                    truncated = true;
                    break;
                }
                body.extend_from_slice(data);
            }
        }
        if !truncated && !closing {
            self.pool.put(key, conn);
        }
        Ok(Response { status, headers, body, truncated })
    }
}

/// hyper's view of the request: its head is swallowed (ours is written in
/// its place), but it frames the body by the same `Content-Length`.
fn hyper_request(req: &Request) -> Result<http::Request<Full<Bytes>>, SendError> {
    let method = http::Method::from_bytes(req.method.as_bytes())
        .map_err(|_| SendError::new(SendErrorKind::InvalidUrl, format!("{:?} is not an HTTP method", req.method)))?;
    http::Request::builder()
        .method(method)
        .uri("/")
        .header(http::header::CONTENT_LENGTH, req.body.len())
        .body(Full::new(req.body.clone()))
        .map_err(|e| SendError::new(SendErrorKind::InvalidUrl, e.to_string()))
}

async fn handshake<S>(io: S) -> Result<pool::Conn, SendError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let arm = head::Arm::default();
    let io = TokioIo::new(head::HeadSwap::new(io, arm.clone()));
    let (sender, connection) =
        hyper::client::conn::http1::handshake::<_, Full<Bytes>>(io).await.map_err(|e| classify(&e))?;
    // Ends by itself once the sender is dropped (or the peer closes).
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!("outbound connection ended: {e}");
        }
    });
    Ok(pool::Conn { sender, arm, reused: false })
}

/// The peer closed the connection (cleanly or with a reset) before any answer.
fn closed_under_us(e: &hyper::Error) -> bool {
    use std::error::Error as _;
    use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset};
    let io = e.source().and_then(|s| s.downcast_ref::<std::io::Error>());
    e.is_incomplete_message()
        || io.is_some_and(|io| matches!(io.kind(), ConnectionReset | BrokenPipe | ConnectionAborted))
}

fn classify(e: &hyper::Error) -> SendError {
    use std::error::Error as _;
    let io = e.source().and_then(|s| s.downcast_ref::<std::io::Error>());
    let kind = if e.is_timeout() {
        SendErrorKind::Timeout
    } else if e.is_parse() || e.is_parse_status() {
        SendErrorKind::Protocol
    } else if e.is_incomplete_message() || e.is_closed() || e.is_canceled() || io.is_some() {
        SendErrorKind::Reset
    } else {
        SendErrorKind::Protocol
    };
    let message = match io {
        Some(io) => format!("{e}: {io}"),
        None => e.to_string(),
    };
    SendError::new(kind, message)
}

fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 { format!("{s:.0} s") } else { format!("{s:.1} s") }
}
