//! Writes a request head exactly as given. hyper writes every head itself,
//! lower-cased and with repeated names grouped; a replay must send the
//! captured headers in their order and case, repeats where they were. So the
//! connection's writes pass through [`HeadSwap`]: it swallows the head hyper
//! writes (up to its empty line) and sends ours in its place; the body and
//! everything after pass through untouched. hyper still frames the body (by
//! the `Content-Length` both heads carry) and reads the response.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

enum State {
    /// Discarding hyper's head; `tail` holds its last bytes, to find the
    /// empty line across writes.
    Swallowing {
        tail: Vec<u8>,
    },
    /// Writing ours, from `at`.
    Sending {
        at: usize,
    },
    Passing,
}

/// The head to send in place of hyper's next one. A kept-alive connection
/// is armed again before each request (hyper writes a request only after
/// the previous response ended, so the swap never straddles two).
#[derive(Clone, Default)]
pub struct Arm(Arc<Mutex<Swap>>);

struct Swap {
    head: Vec<u8>,
    state: State,
}

impl Default for Swap {
    fn default() -> Self {
        Swap { head: Vec::new(), state: State::Passing }
    }
}

impl Arm {
    pub fn arm(&self, head: Vec<u8>) {
        let mut swap = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *swap = Swap { head, state: State::Swallowing { tail: Vec::new() } };
    }
}

pub struct HeadSwap<S> {
    inner: S,
    arm: Arm,
}

impl<S> HeadSwap<S> {
    pub fn new(inner: S, arm: Arm) -> Self {
        HeadSwap { inner, arm }
    }
}

/// Writes what is left of our head; ready once all of it is written.
fn poll_send_head<S: AsyncWrite + Unpin>(inner: &mut S, swap: &mut Swap, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    while let State::Sending { at } = swap.state {
        let n = ready!(Pin::new(&mut *inner).poll_write(cx, &swap.head[at..]))?;
        if n == 0 {
            return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
        }
        swap.state = if at + n == swap.head.len() { State::Passing } else { State::Sending { at: at + n } };
    }
    Poll::Ready(Ok(()))
}

/// Where the head in `tail + buf` ends, as an index into `buf` (one past its
/// empty line's `\n`).
fn head_end(tail: &[u8], buf: &[u8]) -> Option<usize> {
    let mut window: Vec<u8> = tail.to_vec();
    for (i, &b) in buf.iter().enumerate() {
        window.push(b);
        if window.ends_with(b"\r\n\r\n") {
            return Some(i + 1);
        }
        if window.len() > 3 {
            window.remove(0);
        }
    }
    None
}

impl<S: AsyncWrite + Unpin> AsyncWrite for HeadSwap<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let mut swap = this.arm.0.lock().unwrap_or_else(|e| e.into_inner());
        if let State::Swallowing { tail } = &mut swap.state {
            return match head_end(tail, buf) {
                Some(end) => {
                    swap.state = State::Sending { at: 0 };
                    // Claimed as written; ours goes out before any more bytes.
                    Poll::Ready(Ok(end))
                }
                None => {
                    tail.extend_from_slice(buf);
                    let keep = tail.len().saturating_sub(3);
                    tail.drain(..keep);
                    Poll::Ready(Ok(buf.len()))
                }
            };
        }
        ready!(poll_send_head(&mut this.inner, &mut swap, cx))?;
        drop(swap);
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let mut swap = this.arm.0.lock().unwrap_or_else(|e| e.into_inner());
        ready!(poll_send_head(&mut this.inner, &mut swap, cx))?;
        drop(swap);
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let mut swap = this.arm.0.lock().unwrap_or_else(|e| e.into_inner());
        ready!(poll_send_head(&mut this.inner, &mut swap, cx))?;
        drop(swap);
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for HeadSwap<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt as _;

    #[tokio::test]
    async fn hypers_head_is_replaced_and_the_body_passes_through() {
        for cut in [1, 2, 3, 5, 17, 1000] {
            let mut out = Vec::new();
            {
                let arm = Arm::default();
                arm.arm(b"POST /x HTTP/1.1\r\nX-B: 1\r\nx-a: 2\r\nX-B: 3\r\n\r\n".to_vec());
                let mut swap = HeadSwap::new(&mut out, arm);
                let theirs = b"POST /x HTTP/1.1\r\nx-b: 1\r\nx-b: 3\r\nx-a: 2\r\n\r\nbody\r\n\r\nmore";
                for chunk in theirs.chunks(cut) {
                    swap.write_all(chunk).await.unwrap();
                }
                swap.flush().await.unwrap();
            }
            assert_eq!(
                String::from_utf8(out).unwrap(),
                "POST /x HTTP/1.1\r\nX-B: 1\r\nx-a: 2\r\nX-B: 3\r\n\r\nbody\r\n\r\nmore",
                "writes of {cut} bytes"
            );
        }
    }

    #[tokio::test]
    async fn a_head_without_a_body_is_sent_on_flush() {
        let mut out = Vec::new();
        {
            let arm = Arm::default();
            arm.arm(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n".to_vec());
            let mut swap = HeadSwap::new(&mut out, arm.clone());
            swap.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
            swap.flush().await.unwrap();
            // Kept alive: armed again for the next request.
            arm.arm(b"GET /2 HTTP/1.1\r\nHost: a\r\n\r\n".to_vec());
            swap.write_all(b"GET /2 HTTP/1.1\r\n\r\n").await.unwrap();
            swap.flush().await.unwrap();
        }
        assert_eq!(out, b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n");
    }
}
