//! A bash command that sends the delivery again with curl: the same method,
//! URL, every header and the exact body bytes. Everything is quoted for bash
//! (single quotes, or `$'…'` with escapes for bytes that are not printable
//! text), and what curl would add on its own (`User-Agent`, `Accept`,
//! `Expect`, a form `Content-Type`) is switched off when the delivery did
//! not have it.

use std::io::{self, Write};

use super::Item;
use crate::model::find;

pub(super) fn write(out: &mut dyn Write, item: &Item<'_>) -> io::Result<()> {
    let d = &item.delivery.head;
    let body: &[u8] = &item.delivery.body;
    let binary = !body.is_empty() && !is_text(body);
    if binary {
        // curl reads the bytes from stdin: bash can't hold a NUL in a word.
        write!(out, "printf %s {} | base64 -d | ", sh(base64(body).as_bytes()))?;
    }
    write!(out, "curl -sS --http1.1 --path-as-is -g")?;
    if d.summary.method == "HEAD" {
        write!(out, " --head")?;
    } else {
        write!(out, " -X {}", sh(d.summary.method.as_bytes()))?;
    }
    write!(out, " {}", sh(item.url.as_bytes()))?;
    for h in &d.headers {
        // `Name:` would remove the header; `Name;` sends it empty.
        let arg = if h.value.is_empty() {
            format!("{};", h.name).into_bytes()
        } else {
            [h.name.as_bytes(), b": ", &h.value].concat()
        };
        write!(out, " \\\n  -H {}", sh(&arg))?;
    }
    for (name, added) in [("User-Agent", true), ("Accept", true), ("Expect", !body.is_empty()), ("Host", true)] {
        if added && find(&d.headers, name).is_none() {
            write!(out, " \\\n  -H '{name}:'")?;
        }
    }
    if !body.is_empty() && find(&d.headers, "content-type").is_none() {
        write!(out, " \\\n  -H 'Content-Type:'")?;
    }
    if binary {
        write!(out, " \\\n  --data-binary @-")?;
    } else if !body.is_empty() {
        write!(out, " \\\n  --data-raw {}", sh(body))?;
    }
    writeln!(out)
}

/// Text bash can hold in quotes as is: UTF-8 without NUL or other control
/// characters but tab, CR and LF.
fn is_text(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok()
        && !bytes.iter().any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r') || b == 0x7f)
}

/// One bash word: `'…'` when the bytes are printable text (a `'` as
/// `'\''`), else `$'…'` with `\xHH` escapes. Nothing in it expands.
pub(super) fn sh(bytes: &[u8]) -> String {
    let printable = std::str::from_utf8(bytes).is_ok_and(|s| !s.chars().any(char::is_control));
    if printable {
        let s = std::str::from_utf8(bytes).unwrap_or_default();
        return format!("'{}'", s.replace('\'', r"'\''"));
    }
    let mut out = String::from("$'");
    for &b in bytes {
        match b {
            b'\\' => out.push_str(r"\\"),
            b'\'' => out.push_str(r"\'"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('\'');
    out
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
