//! Recovers each request's header block exactly as it arrived. hyper's
//! `HeaderMap` groups repeated names together and lowercases them; a webhook
//! inspector has to show headers in arrival order with their original case.
//! So the connection's reads pass through a tap that keeps the bytes of the
//! current request head, and the handler parses them with `httparse`.
//!
//! It is best-effort by design: the handler re-arms the tap once it has read
//! the body; if a client pipelines requests the tap may miss a head, which the
//! handler detects (method/target mismatch) and then falls back to hyper's
//! view of the headers.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::model::push_header;

/// The largest head kept; hyper refuses larger ones anyway.
pub const MAX_HEAD: usize = 64 * 1024;
const MAX_HEADERS: usize = 128;

#[derive(Default)]
enum State {
    #[default]
    Collecting,
    Complete,
    Idle,
}

#[derive(Default)]
pub struct HeadTap {
    buf: Vec<u8>,
    state: State,
}

pub type SharedTap = Arc<Mutex<HeadTap>>;

impl HeadTap {
    fn observe(&mut self, bytes: &[u8]) {
        if !matches!(self.state, State::Collecting) {
            return;
        }
        let searched_from = self.buf.len().saturating_sub(3);
        self.buf.extend_from_slice(bytes);
        if let Some(end) = find_head_end(&self.buf[searched_from..]) {
            self.buf.truncate(searched_from + end);
            self.state = State::Complete;
        } else if self.buf.len() > MAX_HEAD {
            self.buf.clear();
            self.state = State::Idle;
        }
    }

    /// Takes the completed head, if the tap saw one.
    pub fn take(&mut self) -> Option<Vec<u8>> {
        let head = matches!(self.state, State::Complete).then(|| std::mem::take(&mut self.buf));
        self.state = State::Idle;
        head
    }

    /// Starts watching for the next request's head.
    pub fn rearm(&mut self) {
        self.buf.clear();
        self.state = State::Collecting;
    }
}

fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
}

/// Parses a head and returns its header block (see `model::encode_headers`)
/// if it is the request hyper parsed: the same request line and exactly the
/// same headers, in any order and case (otherwise the tap saw another
/// request, or part of one, and the caller falls back to hyper's view).
pub fn parse_head(head: &[u8], method: &str, target: &str, parsed: &axum::http::HeaderMap) -> Option<Vec<u8>> {
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut slots);
    match req.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => return None,
    }
    if req.method != Some(method) || req.path != Some(target) || req.headers.len() != parsed.len() {
        return None;
    }
    // Every header the tap saw is one hyper parsed, and as many: the stored
    // headers are the request's, never a neighbour's.
    let agree = req.headers.iter().all(|h| parsed.get_all(h.name).iter().any(|v| v.as_bytes() == h.value));
    if !agree {
        return None;
    }
    // About the head minus its request line, so one allocation does.
    let mut block = Vec::with_capacity(head.len());
    for h in req.headers.iter() {
        push_header(&mut block, h.name.as_bytes(), h.value);
    }
    Some(block)
}

/// A connection's I/O with the tap on its read side.
pub struct TapIo<S> {
    inner: S,
    tap: SharedTap,
}

impl<S> TapIo<S> {
    pub fn new(inner: S, tap: SharedTap) -> Self {
        TapIo { inner, tap }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for TapIo<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let res = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = res
            && buf.filled().len() > before
            && let Ok(mut tap) = self.tap.lock()
        {
            tap.observe(&buf.filled()[before..]);
        }
        res
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for TapIo<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_split_across_reads_is_found_and_parsed_in_order() {
        let mut tap = HeadTap::default();
        tap.observe(b"POST /x?a=1 HTTP/1.1\r\nX-B: 1\r\nx-a: 2\r");
        tap.observe(b"\nX-B: 3\r\n\r\nbody bytes");
        let head = tap.take().expect("a complete head");
        let parsed = map(&[("x-b", "1"), ("x-a", "2"), ("x-b", "3")]);
        let block = parse_head(&head, "POST", "/x?a=1", &parsed).expect("the head matches the request");
        assert_eq!(block, b"X-B: 1\r\nx-a: 2\r\nX-B: 3\r\n", "order, case and repeats kept");
        tap.observe(b"GET / HTTP/1.1\r\n\r\n");
        assert!(tap.take().is_none(), "an unarmed tap ignores later bytes");
    }

    fn map(pairs: &[(&'static str, &'static str)]) -> axum::http::HeaderMap {
        let mut m = axum::http::HeaderMap::new();
        for (n, v) in pairs {
            m.append(*n, axum::http::HeaderValue::from_static(v));
        }
        m
    }

    #[test]
    fn a_head_for_another_request_is_rejected() {
        let none = axum::http::HeaderMap::new();
        assert!(parse_head(b"GET /a HTTP/1.1\r\n\r\n", "GET", "/b", &none).is_none(), "target must match");
    }

    #[rstest::rstest]
    #[case::a_header_missing_from_the_tap(b"POST /x HTTP/1.1\r\nContent-Type: a\r\n\r\n".as_slice())]
    #[case::another_value(b"POST /x HTTP/1.1\r\nHost: y\r\nContent-Type: a\r\n\r\n".as_slice())]
    #[case::an_extra_header(b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: a\r\nX-Extra: 1\r\n\r\n".as_slice())]
    fn a_head_whose_headers_differ_from_the_parsed_ones_is_rejected(#[case] head: &[u8]) {
        let parsed = map(&[("host", "x"), ("content-type", "a")]);
        assert!(parse_head(head, "POST", "/x", &parsed).is_none(), "the tap's view must agree with the parser's");
        let same = b"POST /x HTTP/1.1\r\ncontent-type: a\r\nHOST: x\r\n\r\n";
        assert!(parse_head(same, "POST", "/x", &parsed).is_some(), "same headers in another order and case agree");
    }
}
