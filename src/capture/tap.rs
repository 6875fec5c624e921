//! Recovers each request's header block exactly as it arrived. hyper's
//! `HeaderMap` groups repeated names together and lowercases them; a webhook
//! inspector has to show headers in arrival order with their original case.
//! So the connection's reads pass through a tap that keeps the bytes read
//! since the last head it handed out (the tail of them, bounded), and the
//! handler asks it for the head of the request hyper just parsed: the first
//! head in those bytes with the same request line whose headers agree exactly
//! with hyper's. Pipelined requests that hyper read ahead are found there
//! too. When none agrees (a head the tap never saw whole), the handler falls
//! back to hyper's view of the headers.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::model::push_header;

/// The largest head kept; larger ones are refused (see `MAX_HEAD_BYTES`).
pub const MAX_HEAD: usize = 64 * 1024;
const MAX_HEADERS: usize = 128;
/// Bytes kept while a body streams through: enough for the head that
/// follows it, never the body itself.
const WINDOW: usize = 2 * MAX_HEAD;

#[derive(Default)]
pub struct HeadTap {
    /// Bytes read since the last head handed out, the newest `WINDOW` to
    /// `2 * WINDOW` of them.
    buf: Vec<u8>,
    /// The connection's byte offset of `buf[0]`.
    base: u64,
    /// Where the last head handed out ended (its body follows), until
    /// `skip_body` lets that body go.
    head_end: Option<u64>,
}

pub type SharedTap = Arc<Mutex<HeadTap>>;

impl HeadTap {
    pub(super) fn observe(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() > 2 * WINDOW {
            self.forget(self.buf.len() - WINDOW);
        }
    }

    fn forget(&mut self, n: usize) {
        self.buf.drain(..n);
        self.base += n as u64;
    }

    /// The request whose head was just taken had a body of `len` bytes on
    /// the wire (a `Content-Length` body read whole): the next head starts
    /// after it, which spares `take` a search.
    pub fn skip_body(&mut self, len: u64) {
        if let Some(end) = self.head_end.take() {
            // Part of a long body may be gone already (the window moved on).
            let n = (end + len).saturating_sub(self.base).min(self.buf.len() as u64) as usize;
            self.forget(n);
        }
    }

    /// The header block of the request hyper parsed as `method target` with
    /// `parsed` headers, if the tap holds its head; the bytes up to that
    /// head's end are then let go.
    pub fn take(&mut self, method: &str, target: &str, parsed: &axum::http::HeaderMap) -> Option<Vec<u8>> {
        self.head_end = None;
        // Usually the head is right at the start (see `skip_body`); only
        // otherwise are the bytes searched for its request line.
        let (end, block) = self.head_at(0, method, target, parsed).or_else(|| {
            let line = format!("{method} {target} HTTP/1.");
            let finder = memchr::memmem::Finder::new(line.as_bytes());
            let mut from = 1;
            // A pipelined head follows its predecessor's body directly, so a
            // match may start anywhere; one inside a body will not agree with
            // the parsed headers (or agree exactly, which is harmless).
            while let Some(at) = finder.find(self.buf.get(from..)?) {
                if let Some(found) = self.head_at(from + at, method, target, parsed) {
                    return Some(found);
                }
                from += at + 1;
            }
            None
        })?;
        self.forget(end);
        self.head_end = Some(self.base);
        Some(block)
    }

    /// The head starting at `start`, if it is the parsed request's: where it
    /// ends, and its header block.
    fn head_at(
        &self,
        start: usize,
        method: &str,
        target: &str,
        parsed: &axum::http::HeaderMap,
    ) -> Option<(usize, Vec<u8>)> {
        let end = start + find_head_end(self.buf.get(start..)?)?;
        parse_head(&self.buf[start..end], method, target, parsed).map(|block| (end, block))
    }
}

/// Where a head ends: after its empty line, CRLF or (as httparse also
/// accepts) a bare LF.
fn find_head_end(buf: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(nl) = buf[i..].iter().position(|&b| b == b'\n') {
        let after = i + nl + 1;
        match buf.get(after..) {
            Some([b'\n', ..]) => return Some(after + 1),
            Some([b'\r', b'\n', ..]) => return Some(after + 2),
            _ => i = after,
        }
    }
    None
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
    if req.method != Some(method) || req.path != Some(target) {
        return None;
    }
    // Every header the tap saw is one hyper parsed, and as many: the stored
    // headers are the request's, never a neighbour's. Content-Length is the
    // one hyper rewrites: it drops it beside Transfer-Encoding (the chunked
    // framing wins, and the connection closes) and merges identical repeats.
    // The tap keeps what was sent, since that is what a smuggling attempt
    // looks like.
    let is_length = |name: &str| name.eq_ignore_ascii_case("content-length");
    let lengths = req.headers.iter().filter(|h| is_length(h.name)).count();
    let parsed_length = parsed.get(axum::http::header::CONTENT_LENGTH);
    let parsed_lengths = parsed.get_all(axum::http::header::CONTENT_LENGTH).iter().count();
    if req.headers.len() - lengths != parsed.len() - parsed_lengths {
        return None;
    }
    let length_agrees = |value: &[u8]| match parsed_length {
        Some(v) => v.as_bytes() == value,
        None => parsed.contains_key(axum::http::header::TRANSFER_ENCODING),
    };
    let agree = (lengths > 0 || parsed_length.is_none())
        && req.headers.iter().all(|h| {
            if is_length(h.name) {
                length_agrees(h.value)
            } else {
                parsed.get_all(h.name).iter().any(|v| v.as_bytes() == h.value)
            }
        });
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

    fn map(pairs: &[(&'static str, &'static str)]) -> axum::http::HeaderMap {
        let mut m = axum::http::HeaderMap::new();
        for (n, v) in pairs {
            m.append(*n, axum::http::HeaderValue::from_static(v));
        }
        m
    }

    #[test]
    fn a_head_split_across_reads_is_found_and_parsed_in_order() {
        let mut tap = HeadTap::default();
        tap.observe(b"POST /x?a=1 HTTP/1.1\r\nX-B: 1\r\nx-a: 2\r");
        tap.observe(b"\nX-B: 3\r\n\r\nbody bytes");
        let parsed = map(&[("x-b", "1"), ("x-a", "2"), ("x-b", "3")]);
        let block = tap.take("POST", "/x?a=1", &parsed).expect("the head matches the request");
        assert_eq!(block, b"X-B: 1\r\nx-a: 2\r\nX-B: 3\r\n", "order, case and repeats kept");
        assert!(tap.take("POST", "/x?a=1", &parsed).is_none(), "a head is handed out once");
    }

    #[test]
    fn pipelined_heads_read_ahead_are_each_found_after_a_body() {
        let mut tap = HeadTap::default();
        tap.observe(
            b"POST /1 HTTP/1.1\r\nX-A: 1\r\nContent-Length: 4\r\n\r\nbodyPOST /2 HTTP/1.1\r\nX-A: 2\r\nx-Z: z\r\n",
        );
        tap.observe(b"Content-Length: 0\r\n\r\n");
        let first = tap.take("POST", "/1", &map(&[("x-a", "1"), ("content-length", "4")])).unwrap();
        assert_eq!(first, b"X-A: 1\r\nContent-Length: 4\r\n");
        let second = tap.take("POST", "/2", &map(&[("x-a", "2"), ("x-z", "z"), ("content-length", "0")])).unwrap();
        assert_eq!(second, b"X-A: 2\r\nx-Z: z\r\nContent-Length: 0\r\n", "the read-ahead head keeps its case");
    }

    #[test]
    fn a_skipped_body_leaves_the_next_head_at_the_start() {
        let mut tap = HeadTap::default();
        tap.observe(b"POST /1 HTTP/1.1\r\nContent-Length: 4\r\n\r\nPOST");
        assert!(tap.take("POST", "/1", &map(&[("content-length", "4")])).is_some());
        tap.skip_body(4);
        assert!(tap.buf.is_empty(), "the body's bytes are let go");
        tap.observe(b"POST /2 HTTP/1.1\r\n\r\n");
        assert!(tap.buf.starts_with(b"POST /2"), "the next head is at the start");
        assert!(tap.take("POST", "/2", &map(&[])).is_some());
    }

    #[test]
    fn a_bare_lf_head_is_found() {
        let mut tap = HeadTap::default();
        tap.observe(b"GET /lf HTTP/1.1\nX-Case: Kept\nx-b: 2\n\n");
        let block = tap.take("GET", "/lf", &map(&[("x-case", "Kept"), ("x-b", "2")])).unwrap();
        assert_eq!(block, b"X-Case: Kept\r\nx-b: 2\r\n");
    }

    #[test]
    fn a_body_that_streams_through_is_not_kept() {
        let mut tap = HeadTap::default();
        for _ in 0..100 {
            tap.observe(&[b'x'; 16 * 1024]);
        }
        assert!(tap.buf.len() <= 2 * WINDOW, "the tap holds a bounded tail, not the body");
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
    #[case::a_length_hyper_did_not_see(b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: a\r\nContent-Length: 0\r\n\r\n".as_slice())]
    fn a_head_whose_headers_differ_from_the_parsed_ones_is_rejected(#[case] head: &[u8]) {
        let parsed = map(&[("host", "x"), ("content-type", "a")]);
        assert!(parse_head(head, "POST", "/x", &parsed).is_none(), "the tap's view must agree with the parser's");
        let same = b"POST /x HTTP/1.1\r\ncontent-type: a\r\nHOST: x\r\n\r\n";
        assert!(parse_head(same, "POST", "/x", &parsed).is_some(), "same headers in another order and case agree");
    }

    #[test]
    fn the_lengths_hyper_rewrites_are_kept_as_sent() {
        let beside_chunked = b"POST /x HTTP/1.1\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n";
        let parsed = map(&[("transfer-encoding", "chunked")]);
        let block = parse_head(beside_chunked, "POST", "/x", &parsed).expect("hyper dropped the length");
        assert_eq!(block, b"Content-Length: 40\r\nTransfer-Encoding: chunked\r\n");
        let twice = b"POST /x HTTP/1.1\r\nContent-Length: 4\r\ncontent-length: 4\r\n\r\n";
        let block = parse_head(twice, "POST", "/x", &map(&[("content-length", "4")])).expect("hyper merged them");
        assert_eq!(block, b"Content-Length: 4\r\ncontent-length: 4\r\n");
        let other = b"POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\n";
        assert!(parse_head(other, "POST", "/x", &map(&[("content-length", "4")])).is_none(), "another length");
        let missing = b"POST /x HTTP/1.1\r\n\r\n";
        assert!(parse_head(missing, "POST", "/x", &map(&[("content-length", "4")])).is_none(), "a missing length");
    }
}
