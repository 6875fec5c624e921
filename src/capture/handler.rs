//! One request in, one delivery out. The acknowledgement is sent only after
//! the store has committed the delivery; when it cannot, the sender gets a
//! 503 with `Retry-After`, so it retries and nothing it was told we kept is
//! lost.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, Version, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt as _;

use super::CaptureState;
use super::tap::SharedTap;
use crate::model::{self, DeliveryId, ForwardMode, Header, NewDelivery, push_header};

/// How much of an oversized or broken body is kept, so the user sees the
/// sender tried and what it was sending.
pub const TRUNCATED_KEEP: usize = 64 * 1024;

/// The largest request head accepted: the request line and the header lines
/// as parsed (`Name: value` and CRLF each). It sits under hyper's 64 KiB read
/// buffer, which alone gave the same head a 200 or a 431 depending on how
/// its bytes arrived (up to ~127 KiB got through); this one is checked on
/// every request, so a head over it gets 431 every time.
pub const MAX_HEAD_BYTES: usize = 60 * 1024;

/// Seconds a sender should wait before retrying after a 503.
const RETRY_AFTER_SECS: &str = "5";

/// The most of a refused body read and thrown away after the 413: room for a
/// sender well over the default 25 MiB limit, yet a sender with a huge or
/// endless body can't keep us reading. A declared `Content-Length` bounds it
/// too, as hyper ends the body there.
const LINGER_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// What a buffer reserves up front, whatever length is declared: memory
/// follows the bytes that actually arrive, so a sender that declares 25 MiB
/// and sends nothing costs next to nothing.
const INITIAL_RESERVE: u64 = 64 * 1024;

enum BodyRead {
    Complete(Vec<u8>),
    TooLarge {
        kept: Vec<u8>,
        size: u64,
    },
    TimedOut(Vec<u8>),
    Broken(Vec<u8>),
    /// Body bytes held across all requests reached their cap.
    Overloaded,
}

/// This request's share of the body bytes held in memory across requests;
/// given back when the request is done.
struct InFlight<'a> {
    total: &'a AtomicU64,
    cap: u64,
    mine: u64,
}

impl<'a> InFlight<'a> {
    fn new(total: &'a AtomicU64, cap: u64) -> Self {
        InFlight { total, cap, mine: 0 }
    }

    /// Counts `n` more bytes; false (counting nothing) when that would pass the cap.
    fn take(&mut self, n: u64) -> bool {
        let before = self.total.fetch_add(n, Ordering::Relaxed);
        if before + n > self.cap {
            self.total.fetch_sub(n, Ordering::Relaxed);
            return false;
        }
        self.mine += n;
        true
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.total.fetch_sub(self.mine, Ordering::Relaxed);
    }
}

pub(super) async fn capture(State(state): State<Arc<CaptureState>>, req: Request) -> Response {
    let started = Instant::now();
    // Forwarding gives way while many captures are in flight.
    let _busy = state.forwarding.as_ref().map(|f| f.busy());
    let received_at_us = now_us();
    let remote_addr = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.to_string());
    let tls = req.extensions().get::<super::OverTls>().is_some();
    let tap = req.extensions().get::<SharedTap>().cloned();
    let (parts, mut incoming) = req.into_parts();
    let target = request_target(&parts.uri);
    if head_size(&parts, &target) > MAX_HEAD_BYTES {
        return head_too_large();
    }
    let method = parts.method.as_str().to_owned();
    let headers = tap
        .as_ref()
        .and_then(|t| t.lock().ok()?.take(&method, &target, &parts.headers))
        .unwrap_or_else(|| headers_from_map(&parts.headers));

    let config = &state.config;
    let declared = parts.headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    // A client that waits for `100 Continue` before sending a body we would
    // refuse must not be invited to send it.
    let expects_continue =
        parts.headers.get(header::EXPECT).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let mut inflight = InFlight::new(&state.inflight, config.max_inflight_bytes);
    let mut buf = Vec::new();
    let read = read_body(&mut incoming, config.max_body, declared, expects_continue, &mut inflight, &mut buf);
    let outcome = match tokio::time::timeout(config.body_timeout, read).await {
        Ok(outcome) => outcome,
        Err(_) => BodyRead::TimedOut(std::mem::take(&mut buf)),
    };
    if let (BodyRead::Complete(b), Some(n), Some(tap)) = (&outcome, declared, &tap)
        && b.len() as u64 == n
        && let Ok(mut tap) = tap.lock()
    {
        tap.skip_body(n);
    }
    // Only a refused oversize body is still on the wire and worth draining; a
    // timed-out or broken one is not coming, and with `Expect: 100-continue`
    // none was invited.
    let too_large = matches!(outcome, BodyRead::TooLarge { .. });
    let leftover = (too_large && !expects_continue).then_some(incoming);

    let (body, body_size, truncated, planned) = match outcome {
        BodyRead::Complete(b) => {
            let n = b.len() as u64;
            (b, n, false, None)
        }
        BodyRead::TooLarge { kept, size } => {
            let msg = format!("payload too large: this endpoint accepts bodies up to {} bytes\n", config.max_body);
            (kept, size, true, Some(refusal(StatusCode::PAYLOAD_TOO_LARGE, msg)))
        }
        BodyRead::TimedOut(mut b) => {
            b.truncate(TRUNCATED_KEEP);
            let n = b.len() as u64;
            (b, n, true, Some(refusal(StatusCode::REQUEST_TIMEOUT, "request body timed out\n".into())))
        }
        BodyRead::Broken(mut b) => {
            b.truncate(TRUNCATED_KEEP);
            let n = b.len() as u64;
            (b, n, true, Some(refusal(StatusCode::BAD_REQUEST, "incomplete request body\n".into())))
        }
        // Nothing was kept, so nothing is stored: the sender is told to retry.
        BodyRead::Overloaded => return overloaded(),
    };

    // The rule's answer, when it asks for one other than the ack: only for a
    // delivery that is acknowledged at all (a refusal stays a refusal).
    let answer = match (&planned, &state.forwarding) {
        (None, Some(forwarding)) => Answer::of(&forwarding.rules().route(&method, parts.uri.path())),
        _ => Answer::Ack,
    };
    let delivery = NewDelivery {
        received_at_us,
        content_type: parts.headers.get(header::CONTENT_TYPE).and_then(media_type),
        method,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        http_version: version_name(parts.version).to_owned(),
        remote_addr,
        headers,
        body,
        body_size,
        truncated,
        duration_us: started.elapsed().as_micros() as i64,
        source: None,
        tls,
        response: match &planned {
            None => match &answer {
                Answer::Custom(c) => model::Response::Other {
                    status: c.status,
                    headers: c.headers.iter().map(|(n, v)| Header::new(n.clone(), v.clone())).collect(),
                    body: c.body.clone().into_bytes(),
                },
                // A passthrough's answer is recorded once the target gave it.
                Answer::Ack | Answer::Passthrough => model::Response::Ack { status: config.ack_status },
            },
            Some((status, headers, body)) => model::Response::Other {
                status: status.as_u16(),
                headers: headers.clone(),
                body: body.clone().into_bytes(),
            },
        },
    };

    let stored = tokio::time::timeout(config.ack_deadline, state.store.insert(delivery)).await;
    match (planned, stored) {
        (None, Ok(Ok(id))) => match answer {
            Answer::Ack => ack(config.ack_status, id),
            Answer::Custom(c) => custom(c).await,
            Answer::Passthrough => match &state.forwarding {
                Some(forwarding) => passthrough(&state.store, forwarding, id, config).await,
                None => ack(config.ack_status, id),
            },
        },
        (None, Ok(Err(e))) => unavailable(&e.to_string()),
        (None, Err(_)) => unavailable("the store did not commit in time"),
        // A refusal is sent whether or not its record could be stored.
        (Some((status, headers, body)), _) => {
            let mut resp = (status, body).into_response();
            for h in headers {
                if let (Ok(name), Ok(value)) =
                    (header::HeaderName::try_from(h.name.as_str()), HeaderValue::from_bytes(&h.value))
                {
                    resp.headers_mut().insert(name, value);
                }
            }
            if let Some(rest) = leftover {
                tokio::spawn(linger(rest, config.linger_idle, config.linger_timeout));
            }
            resp
        }
    }
}

/// What the sender of an acknowledged delivery is answered, by its rule.
enum Answer {
    Ack,
    Custom(crate::model::CustomResponse),
    Passthrough,
}

impl Answer {
    fn of(route: &crate::forward::Route<'_>) -> Answer {
        match (route.mode, route.target, route.response) {
            (ForwardMode::Passthrough, Some(_), _) => Answer::Passthrough,
            (_, _, Some(c)) => Answer::Custom(c.clone()),
            _ => Answer::Ack,
        }
    }
}

fn ack(status: u16, id: DeliveryId) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    (status, [(header::CONTENT_TYPE, "application/json")], model::Response::ack_body(id)).into_response()
}

/// The rule's own answer, after its delay: the delivery is already
/// committed, so a delay never holds the commit back.
async fn custom(c: crate::model::CustomResponse) -> Response {
    if c.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(c.delay_ms.min(crate::model::MAX_DELAY_MS))).await;
    }
    let mut resp = (StatusCode::from_u16(c.status).unwrap_or(StatusCode::OK), c.body).into_response();
    // A rule without a content type sends text, not the default octets.
    if !c.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type")) {
        resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    }
    for (name, value) in &c.headers {
        if let (Ok(name), Ok(value)) = (header::HeaderName::try_from(name.as_str()), HeaderValue::from_str(value)) {
            resp.headers_mut().append(name, value);
        }
    }
    resp
}

/// Waits for the target's answer and passes it on; 502 when the target
/// cannot be reached, 504 when it is slower than the deadline. Either way
/// the delivery stays stored and queued, and records what was answered.
async fn passthrough(
    store: &crate::store::Store,
    forwarding: &crate::forward::Forwarder,
    id: DeliveryId,
    config: &super::CaptureConfig,
) -> Response {
    use crate::forward::Passed;
    let text = |status: StatusCode, msg: String| -> (u16, Vec<Header>, Vec<u8>) {
        (status.as_u16(), vec![Header::new("content-type", "text/plain; charset=utf-8")], msg.into_bytes())
    };
    let (status, headers, body) = match tokio::time::timeout(config.passthrough_timeout, forwarding.passthrough(id.0))
        .await
    {
        Ok(Passed::Answer(r)) => {
            let headers = r
                .headers
                .into_iter()
                .filter(|h| {
                    let lower = h.name.to_ascii_lowercase();
                    !crate::replay::HOP_BY_HOP.contains(&lower.as_str()) && lower != "content-length"
                })
                .collect();
            (r.status, headers, r.body)
        }
        Ok(Passed::Unreachable(e)) if e.kind == crate::outbound::SendErrorKind::Timeout => text(
            StatusCode::GATEWAY_TIMEOUT,
            format!("the forward target did not answer in time ({e}); {id} is stored and queued\n"),
        ),
        Ok(Passed::Unreachable(e)) => text(
            StatusCode::BAD_GATEWAY,
            format!("the forward target could not be reached ({e}); {id} is stored and queued\n"),
        ),
        Ok(Passed::Paused) => {
            text(StatusCode::BAD_GATEWAY, format!("forwarding to this target is paused; {id} is stored and queued\n"))
        }
        Ok(Passed::NotForwarded) => return ack(config.ack_status, id),
        Err(_) => text(
            StatusCode::GATEWAY_TIMEOUT,
            format!(
                "the forward target did not answer within {} s; {id} is stored and queued\n",
                config.passthrough_timeout.as_secs_f64()
            ),
        ),
    };
    let recorded = model::Response::Other { status, headers: headers.clone(), body: body.clone() };
    let store = store.clone();
    tokio::spawn(async move {
        if let Err(e) = store.set_response(id, recorded).await {
            tracing::warn!(error = %e, %id, "could not record the passthrough answer");
        }
    });
    let mut resp = (StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY), body).into_response();
    resp.headers_mut().remove(header::CONTENT_TYPE);
    for h in headers {
        if let (Ok(name), Ok(value)) =
            (header::HeaderName::try_from(h.name.as_str()), HeaderValue::from_bytes(&h.value))
        {
            resp.headers_mut().append(name, value);
        }
    }
    resp
}

/// Reads and discards the rest of a refused body while the 413 goes out, the
/// way nginx's lingering close does. hyper gives up on a body nobody reads and
/// closes the socket with the sender's bytes unread, so the kernel answers with
/// a reset: a sender that writes its whole body before reading (Python's
/// `http.client`, many SDKs) gets `EPIPE`/`ECONNRESET` and never the 413 (a
/// reset may also discard it unread). Holding the body keeps hyper reading it;
/// frames are dropped as they come, so memory stays at one read at a time.
/// Dropping the body ends the linger, and hyper closes the connection.
async fn linger(mut rest: Body, idle: Duration, total: Duration) {
    let drain = async {
        let mut drained = 0u64;
        while drained < LINGER_MAX_BYTES {
            match tokio::time::timeout(idle, rest.frame()).await {
                Ok(Some(Ok(frame))) => drained += frame.data_ref().map_or(0, |d| d.len() as u64),
                // Done, broken, or a sender that stalled.
                _ => break,
            }
        }
    };
    let _ = tokio::time::timeout(total, drain).await;
}

async fn read_body(
    body: &mut Body,
    max: u64,
    declared: Option<u64>,
    expects_continue: bool,
    inflight: &mut InFlight<'_>,
    buf: &mut Vec<u8>,
) -> BodyRead {
    if let Some(size) = declared.filter(|&n| n > max) {
        if expects_continue {
            // Reading would send `100 Continue`; refuse on the head alone.
            return BodyRead::TooLarge { kept: Vec::new(), size };
        }
        // Don't take in what we will refuse; keep its start for the record.
        while buf.len() < TRUNCATED_KEEP {
            match body.frame().await {
                Some(Ok(frame)) => {
                    if let Some(data) = frame.data_ref() {
                        buf.extend_from_slice(data);
                    }
                }
                _ => break,
            }
        }
        buf.truncate(TRUNCATED_KEEP);
        return BodyRead::TooLarge { kept: std::mem::take(buf), size };
    }
    if let Some(n) = declared {
        buf.reserve(n.min(INITIAL_RESERVE) as usize);
    }
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return BodyRead::Broken(std::mem::take(buf));
        };
        let Some(data) = frame.data_ref() else { continue };
        if !inflight.take(data.len() as u64) {
            return BodyRead::Overloaded;
        }
        if (buf.len() + data.len()) as u64 > max {
            let size = (buf.len() + data.len()) as u64;
            if buf.len() < TRUNCATED_KEEP {
                buf.extend_from_slice(&data[..data.len().min(TRUNCATED_KEEP - buf.len())]);
            }
            buf.truncate(TRUNCATED_KEEP);
            return BodyRead::TooLarge { kept: std::mem::take(buf), size };
        }
        buf.extend_from_slice(data);
    }
    BodyRead::Complete(std::mem::take(buf))
}

type Refusal = (StatusCode, Vec<Header>, String);

fn refusal(status: StatusCode, body: String) -> Refusal {
    let headers = vec![
        Header::new("content-type", "text/plain; charset=utf-8"),
        // The rest of the body may still be on the wire; don't reuse it.
        Header::new("connection", "close"),
    ];
    (status, headers, body)
}

/// The head's size as parsed: `METHOD target HTTP/1.1` and each `Name: value`,
/// every line with its CRLF, and the empty line that ends the head.
fn head_size(parts: &axum::http::request::Parts, target: &str) -> usize {
    let line = parts.method.as_str().len() + 1 + target.len() + " HTTP/1.1\r\n".len();
    line + parts.headers.iter().map(|(n, v)| n.as_str().len() + ": ".len() + v.len() + 2).sum::<usize>() + 2
}

fn head_too_large() -> Response {
    let body = format!("request header fields too large: the head may be at most {MAX_HEAD_BYTES} bytes\n");
    (
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::CONNECTION, "close")],
        body,
    )
        .into_response()
}

fn overloaded() -> Response {
    let mut resp = unavailable("too many bodies in flight");
    resp.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

fn unavailable(reason: &str) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, RETRY_AFTER_SECS), (header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("Hookscope could not store this delivery ({reason}); please retry\n"),
    )
        .into_response()
}

fn headers_from_map(map: &HeaderMap) -> Vec<u8> {
    let mut block = Vec::new();
    for (name, value) in map {
        push_header(&mut block, name.as_str().as_bytes(), value.as_bytes());
    }
    block
}

/// The request target as it appeared in the request line: origin form
/// (`/path?query`) for nearly every sender, so no formatting is needed.
fn request_target(uri: &Uri) -> Cow<'_, str> {
    match (uri.scheme(), uri.path_and_query()) {
        (None, Some(pq)) => Cow::Borrowed(pq.as_str()),
        _ => Cow::Owned(uri.to_string()),
    }
}

fn version_name(version: Version) -> &'static str {
    match version {
        Version::HTTP_09 => "HTTP/0.9",
        Version::HTTP_10 => "HTTP/1.0",
        Version::HTTP_2 => "HTTP/2.0",
        Version::HTTP_3 => "HTTP/3.0",
        _ => "HTTP/1.1",
    }
}

/// `application/json; charset=utf-8` → `application/json`.
fn media_type(value: &HeaderValue) -> Option<String> {
    let s = value.to_str().ok()?;
    let media = s.split(';').next()?.trim().to_ascii_lowercase();
    (!media.is_empty()).then_some(media)
}

pub(crate) fn now_us() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0)
}
