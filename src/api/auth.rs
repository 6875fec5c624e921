//! Who may use the control API: whoever holds the install's token (as a
//! bearer header, or as the HttpOnly cookie set by a one-time login URL), from
//! a page served by this API itself. Host and Origin are checked so that a
//! web page elsewhere cannot reach the API through DNS rebinding or a
//! cross-site request, and no CORS headers are ever sent.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Mutex;

use axum::http::{HeaderMap, header};
use subtle::ConstantTimeEq as _;

use crate::error::{Error, Result};

pub const COOKIE: &str = "hookscope_token";

/// Reads the install's token, creating it (mode 0600) on first run.
pub fn load_or_create_token(path: &Path) -> Result<String> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        let token = existing.trim().to_owned();
        if token.len() >= 32 {
            // Tighten permissions an editor or a copy may have loosened.
            let _ = crate::fsutil::restrict(path, 0o600);
            return Ok(token);
        }
    }
    let token = random_hex(32)?;
    crate::fsutil::write_private(path, token.as_bytes())
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
    Ok(token)
}

pub fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| Error::io("reading randomness", std::io::Error::other(e.to_string())))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

pub struct Auth {
    token: String,
    hosts: Vec<String>,
    origins: Vec<String>,
    tickets: Mutex<HashSet<String>>,
}

impl Auth {
    /// `extra_origins` are origins besides the API's own that may call it
    /// (the desktop shell's webview, for one).
    pub fn new(token: String, api_addr: SocketAddr, extra_origins: &[String]) -> Self {
        let port = api_addr.port();
        let mut hosts = vec![format!("localhost:{port}")];
        hosts.push(match api_addr {
            SocketAddr::V4(a) => format!("{}:{port}", a.ip()),
            SocketAddr::V6(a) => format!("[{}]:{port}", a.ip()),
        });
        let mut origins: Vec<String> = hosts.iter().map(|h| format!("http://{h}")).collect();
        origins.extend(extra_origins.iter().cloned());
        Auth { token, hosts, origins, tickets: Mutex::default() }
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// A URL path that signs a browser in once, then stops working.
    pub fn login_path(&self) -> Result<String> {
        let ticket = random_hex(16)?;
        self.tickets.lock().map_err(|_| Error::StoreClosed)?.insert(ticket.clone());
        Ok(format!("/api/login?ticket={ticket}"))
    }

    pub fn redeem(&self, ticket: &str) -> bool {
        self.tickets.lock().map(|mut t| t.remove(ticket)).unwrap_or(false)
    }

    /// Whether the request names this API as its host and, if it comes from
    /// a page, from one of ours.
    pub fn same_site(&self, headers: &HeaderMap) -> bool {
        let host_ok = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .is_some_and(|h| self.hosts.iter().any(|a| a.eq_ignore_ascii_case(h)));
        let origin_ok = match headers.get(header::ORIGIN) {
            None => true,
            Some(o) => o.to_str().is_ok_and(|o| self.origins.iter().any(|a| a.eq_ignore_ascii_case(o))),
        };
        host_ok && origin_ok
    }

    pub fn has_token(&self, headers: &HeaderMap) -> bool {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let cookie = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .find_map(|kv| kv.trim().strip_prefix(COOKIE)?.strip_prefix('='));
        [bearer, cookie].into_iter().flatten().any(|t| self.matches(t))
    }

    fn matches(&self, candidate: &str) -> bool {
        candidate.len() == self.token.len() && bool::from(candidate.as_bytes().ct_eq(self.token.as_bytes()))
    }
}
