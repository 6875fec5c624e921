//! The delivery as an HTTPie command (`http`). HTTPie can send every
//! header and the exact body bytes (from stdin), and switch off its own
//! `User-Agent`, `Accept`, `Accept-Encoding` and `Connection`; it cannot
//! keep the header order or send two headers of one name, and it always
//! sends `Host` and `Content-Length` itself.

use std::io::{self, Write};

use super::Item;
use super::curl::sh;
use crate::model::find;

pub(super) fn write(out: &mut dyn Write, item: &Item<'_>) -> io::Result<()> {
    let d = &item.delivery.head;
    let body: &[u8] = &item.delivery.body;
    if !body.is_empty() {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(body);
        write!(out, "printf %s {} | base64 -d | ", sh(b64.as_bytes()))?;
    }
    // With a body HTTPie reads it from stdin; without one it must not wait for it.
    let stdin = if body.is_empty() { " --ignore-stdin" } else { "" };
    write!(out, "http{stdin} {} {}", sh(d.summary.method.as_bytes()), sh(item.url.as_bytes()))?;
    let mut seen: Vec<String> = Vec::new();
    for h in &d.headers {
        let lower = h.name.to_ascii_lowercase();
        if matches!(lower.as_str(), "host" | "content-length") || seen.contains(&lower) {
            continue;
        }
        seen.push(lower);
        // `Name:value` sets it; `Name;` sends it empty.
        let arg = if h.value.is_empty() {
            format!("{};", h.name).into_bytes()
        } else {
            [h.name.as_bytes(), b":", &h.value].concat()
        };
        write!(out, " \\\n  {}", sh(&arg))?;
    }
    for name in ["User-Agent", "Accept", "Accept-Encoding", "Connection"] {
        if find(&d.headers, name).is_none() {
            write!(out, " \\\n  '{name}:'")?;
        }
    }
    writeln!(out)
}
