//! Who may use the control API: whoever holds the install's token (as a
//! bearer header: scripts, the CLI), or a browser session started by a
//! one-time sign-in link, from a page served by this API itself. Host and
//! Origin are checked so that a web page elsewhere cannot reach the API
//! through DNS rebinding or a cross-site request, and no CORS headers are
//! ever sent.
//!
//! The session cookie is not the token: it is a random id that lives in this
//! process's memory (revoked by signing out or a restart), named after the
//! API port (`hookscope_session_8788`) and scoped to `Path=/api`. Browsers do
//! not isolate cookies by port, so it may still reach another local server
//! under `/api/…` — including the capture port, where it would be stored as a
//! header of a delivery — but there it is useless: it opens nothing but this
//! instance's API, for as long as the session lives. Every cookie of that
//! name is read, so a decoy set by another local page (with a longer `Path`,
//! sent first) cannot sign the user out.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Mutex;

use axum::http::{HeaderMap, header};
use subtle::ConstantTimeEq as _;

use crate::error::{Error, Result};

/// The session cookie's name, before the API port.
pub const COOKIE_PREFIX: &str = "hookscope_session_";

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
    /// Live browser sessions (see the module's comment).
    sessions: Mutex<HashSet<String>>,
    cookie: String,
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
        let cookie = format!("{COOKIE_PREFIX}{port}");
        Auth { token, hosts, origins, tickets: Mutex::default(), sessions: Mutex::default(), cookie }
    }

    /// The session cookie's name for this instance.
    pub fn cookie_name(&self) -> &str {
        &self.cookie
    }

    /// Redeems a one-time ticket for a new session: the `Set-Cookie` value,
    /// or `None` if the ticket was used or unknown.
    pub fn sign_in(&self, ticket: &str) -> Result<Option<String>> {
        if !self.redeem(ticket) {
            return Ok(None);
        }
        let session = random_hex(32)?;
        self.sessions.lock().map_err(|_| Error::StoreClosed)?.insert(session.clone());
        Ok(Some(format!("{}={session}; HttpOnly; SameSite=Strict; Path=/api", self.cookie)))
    }

    /// Ends every session this request carries; the `Set-Cookie` that clears it.
    pub fn sign_out(&self, headers: &HeaderMap) -> String {
        if let Ok(mut sessions) = self.sessions.lock() {
            for value in self.cookie_values(headers) {
                sessions.remove(value);
            }
        }
        format!("{}=; HttpOnly; SameSite=Strict; Path=/api; Max-Age=0", self.cookie)
    }

    /// Every value of this instance's session cookie in the request.
    fn cookie_values<'h>(&self, headers: &'h HeaderMap) -> impl Iterator<Item = &'h str> {
        let name = self.cookie.clone();
        headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).filter_map(
            move |kv| {
                let (k, v) = kv.trim().split_once('=')?;
                (k == name).then_some(v.trim())
            },
        )
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
        if bearer.is_some_and(|t| self.matches(t)) {
            return true;
        }
        let Ok(sessions) = self.sessions.lock() else { return false };
        self.cookie_values(headers).any(|v| sessions.contains(v))
    }

    fn matches(&self, candidate: &str) -> bool {
        candidate.len() == self.token.len() && bool::from(candidate.as_bytes().ct_eq(self.token.as_bytes()))
    }
}
