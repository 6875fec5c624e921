//! HAR 1.2 (<http://www.softwareishard.com/blog/har-12-spec/>), written one
//! entry at a time. What HAR cannot say losslessly is said in `_`-prefixed
//! fields, which the spec reserves for tools: a body that is not UTF-8 is
//! base64 in `postData.text` with `"_encoding": "base64"`, and so is a header
//! value (`"_encoding"` on the header). Hookscope's own facts ride along as
//! `_id`, `_provider`, `_verdict`, `_eventId`, `_truncated`.

use std::io::{self, Write};

use base64::Engine as _;
use serde_json::{Value, json};

use super::Item;
use crate::model::{Header, find, rfc3339};

pub const CREATOR: &str = "Hookscope";

pub(super) fn begin(out: &mut dyn Write) -> io::Result<()> {
    write!(
        out,
        r#"{{"log":{{"version":"1.2","creator":{{"name":"{CREATOR}","version":"{}"}},"pages":[],"entries":["#,
        env!("CARGO_PKG_VERSION")
    )
}

pub(super) fn end(out: &mut dyn Write) -> io::Result<()> {
    out.write_all(b"]}}\n")
}

pub(super) fn entry(out: &mut dyn Write, item: &Item<'_>, first: bool) -> io::Result<()> {
    if !first {
        out.write_all(b",")?;
    }
    out.write_all(b"\n")?;
    serde_json::to_writer(out, &to_entry(item)).map_err(io::Error::other)
}

fn header_json(h: &Header) -> Value {
    match std::str::from_utf8(&h.value) {
        Ok(v) => json!({"name": h.name, "value": v}),
        Err(_) => json!({"name": h.name, "value": b64(&h.value), "_encoding": "base64"}),
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn pairs(query: &str) -> Vec<Value> {
    url::form_urlencoded::parse(query.as_bytes()).map(|(k, v)| json!({"name": k, "value": v})).collect()
}

fn to_entry(item: &Item<'_>) -> Value {
    let d = &item.delivery.head;
    let s = &d.summary;
    let body: &[u8] = &item.delivery.body;
    let headers: Vec<Value> = d.headers.iter().map(header_json).collect();
    let cookies: Vec<Value> = d
        .headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("cookie"))
        .flat_map(|h| {
            h.text()
                .split(';')
                .filter_map(|kv| kv.trim().split_once('=').map(|(k, v)| json!({"name": k, "value": v})))
                .collect::<Vec<_>>()
        })
        .collect();
    let head_size = s.method.len()
        + 1
        + s.path.len()
        + s.query.as_ref().map_or(0, |q| q.len() + 1)
        + " HTTP/1.1\r\n".len()
        + d.headers.iter().map(|h| h.name.len() + 2 + h.value.len() + 2).sum::<usize>()
        + 2;
    let mime = find(&d.headers, "content-type").map(|h| h.text().into_owned()).unwrap_or_default();
    let mut request = json!({
        "method": s.method,
        "url": item.url,
        "httpVersion": d.http_version,
        "cookies": cookies,
        "headers": headers,
        "queryString": s.query.as_deref().map(pairs).unwrap_or_default(),
        "headersSize": head_size,
        "bodySize": body.len(),
    });
    if !body.is_empty() || matches!(s.method.as_str(), "POST" | "PUT" | "PATCH") {
        let post = match std::str::from_utf8(body) {
            Ok(text) => json!({"mimeType": mime, "text": text}),
            Err(_) => json!({"mimeType": mime, "text": b64(body), "_encoding": "base64"}),
        };
        request["postData"] = post;
    }
    let r = &d.response;
    let response = json!({
        "status": r.status,
        "statusText": reason(r.status),
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": r.headers.iter().map(header_json).collect::<Vec<_>>(),
        "content": {
            "size": r.body.len(),
            "mimeType": find(&r.headers, "content-type").map(|h| h.text().into_owned()).unwrap_or_default(),
            "text": r.body,
        },
        "redirectURL": "",
        "headersSize": -1,
        "bodySize": r.body.len(),
    });
    let ms = d.duration_us as f64 / 1000.0;
    let mut entry = json!({
        "startedDateTime": rfc3339(s.received_at_us),
        "time": ms,
        "request": request,
        "response": response,
        "cache": {},
        "timings": {"blocked": -1, "dns": -1, "connect": -1, "send": ms, "wait": 0, "receive": 0, "ssl": -1},
        "_id": s.id.to_string(),
    });
    for (key, value) in [("_provider", &s.provider), ("_verdict", &s.verdict), ("_eventId", &s.event_id)] {
        if let Some(v) = value {
            entry[key] = json!(v);
        }
    }
    if s.truncated {
        entry["_truncated"] = json!(true);
        entry["_bodySizeReceived"] = json!(s.body_size);
    }
    if let Some(addr) = &d.remote_addr {
        // The sender's address (HAR's `serverIPAddress` is the other end's).
        entry["_remoteAddress"] = json!(addr);
    }
    entry
}

fn reason(status: u16) -> &'static str {
    axum::http::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("")
}
