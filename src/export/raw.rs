//! The request as an HTTP/1.1 message: request line, every header as
//! received (order, case, repeats), the body's bytes. Sent over a socket it
//! reproduces the delivery. A chunked delivery (stored de-chunked) is
//! written as one chunk; a body without any framing header gets a
//! `Content-Length`, as a message needs one.

use std::io::{self, Write};

use crate::model::{Delivery, find};

pub(super) fn write(out: &mut dyn Write, d: &Delivery) -> io::Result<()> {
    let s = &d.head.summary;
    let version = if d.head.http_version == "HTTP/1.0" { "HTTP/1.0" } else { "HTTP/1.1" };
    match &s.query {
        Some(q) => write!(out, "{} {}?{q} {version}\r\n", s.method, s.path)?,
        None => write!(out, "{} {} {version}\r\n", s.method, s.path)?,
    }
    for h in &d.head.headers {
        out.write_all(h.name.as_bytes())?;
        out.write_all(b": ")?;
        out.write_all(&h.value)?;
        out.write_all(b"\r\n")?;
    }
    let body: &[u8] = &d.body;
    let chunked =
        find(&d.head.headers, "transfer-encoding").is_some_and(|h| h.text().to_ascii_lowercase().contains("chunked"));
    if !chunked && !body.is_empty() && find(&d.head.headers, "content-length").is_none() {
        write!(out, "Content-Length: {}\r\n", body.len())?;
    }
    out.write_all(b"\r\n")?;
    if chunked {
        if !body.is_empty() {
            write!(out, "{:x}\r\n", body.len())?;
            out.write_all(body)?;
            out.write_all(b"\r\n")?;
        }
        out.write_all(b"0\r\n\r\n")
    } else {
        out.write_all(body)
    }
}
