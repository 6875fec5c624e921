//! `hookscope tunnel`: what tunnels point at the capture address, with their
//! public URLs; exit 1 and one line when none does.

use std::io::Write;
use std::net::SocketAddr;

use crate::error::{Error, Result};
use crate::tunnel::find_tunnels;

pub async fn tunnel(capture: SocketAddr, ngrok_api: Option<&str>, json: bool, out: &mut dyn Write) -> Result<()> {
    let found = find_tunnels(ngrok_api, capture).await?;
    if found.is_empty() {
        let looked = ngrok_api.map_or_else(|| "the ngrok agent API on 127.0.0.1:4040-4045".to_owned(), str::to_owned);
        return Err(Error::InvalidArgument(format!(
            "no tunnel points at {capture} (looked at {looked}): start one with `ngrok http {}`",
            capture.port()
        )));
    }
    let written = if json {
        serde_json::to_string(&found).map_err(std::io::Error::other).and_then(|j| writeln!(out, "{j}"))
    } else {
        found.iter().try_for_each(|t| writeln!(out, "{}  {}  → {}", t.public_url, t.kind, t.addr))
    };
    written.map_err(|e| Error::io("writing output", e))
}
