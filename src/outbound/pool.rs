//! Kept-alive connections per origin: a bulk replay (and, next, the
//! forwarder) sends thousands of requests to one local app, and a fresh
//! connection for each would cost more than the request.

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;
use http_body_util::Full;

use super::head::Arm;
use super::{SendError, SendErrorKind};

/// Idle connections kept per origin.
const MAX_IDLE: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub secure: bool,
    pub host: String,
    pub port: u16,
    /// Insecure TLS connections are never lent to verified sends.
    pub insecure: bool,
}

impl Key {
    pub fn of(url: &url::Url, insecure: bool) -> Result<Key, SendError> {
        let secure = match url.scheme() {
            "http" => false,
            "https" => true,
            other => return Err(SendError::new(SendErrorKind::InvalidUrl, format!("cannot send to {other}: URLs"))),
        };
        let host =
            url.host_str().ok_or_else(|| SendError::new(SendErrorKind::InvalidUrl, format!("{url} has no host")))?;
        // IPv6 literals come bracketed from the URL; the resolver wants them bare.
        let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
        let port = url.port_or_known_default().unwrap_or(80);
        Ok(Key { secure, host, port, insecure: insecure && secure })
    }
}

pub struct Conn {
    pub sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    pub arm: Arm,
    /// Taken from the pool (it may have been closed by the peer meanwhile).
    pub reused: bool,
}

#[derive(Default)]
pub struct Pool {
    idle: Mutex<HashMap<Key, Vec<Conn>>>,
}

impl Pool {
    pub fn take(&self, key: &Key) -> Option<Conn> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let list = idle.get_mut(key)?;
        while let Some(mut conn) = list.pop() {
            if !conn.sender.is_closed() {
                conn.reused = true;
                return Some(conn);
            }
        }
        None
    }

    pub fn put(&self, key: Key, conn: Conn) {
        if conn.sender.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let list = idle.entry(key).or_default();
        if list.len() < MAX_IDLE {
            list.push(conn);
        }
    }
}
