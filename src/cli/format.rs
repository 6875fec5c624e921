//! Text forms of deliveries for the terminal. Everything in a delivery is the
//! sender's choice, so terminal controls in it are written escaped: an ESC or
//! BEL sequence in a body or header would otherwise retitle the window, clear
//! the screen or write the clipboard (OSC 52) of whoever runs `show`.

use std::fmt::Write as _;

use crate::model::{Delivery, DeliverySummary};

/// One line of sender text: every control character escaped, line breaks and
/// tabs included, so it cannot break the line it is shown on.
pub fn escape_line(text: &str) -> String {
    escape(text, |_, _| false)
}

/// A block of sender text: line breaks (LF, and CR just before LF) and tabs
/// pass, every other control character is escaped.
pub fn escape_text(text: &str) -> String {
    escape(text, |c, next| matches!(c, '\n' | '\t') || (c == '\r' && next == Some('\n')))
}

/// C0, DEL and C1 (`char::is_control`), ESC among them, as `\x1b` or `\u{9b}`.
fn escape(text: &str, keep: impl Fn(char, Option<char>) -> bool) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if !c.is_control() || keep(c, chars.peek().copied()) {
            out.push(c);
        } else if c.is_ascii() {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
    out
}

/// The media type without parameters, at most 16 characters
/// (`application/json; charset=utf-8` → `application/json`).
fn short_type(content_type: Option<&str>) -> String {
    let t = content_type.and_then(|t| t.split(';').next()).map(str::trim).filter(|t| !t.is_empty()).unwrap_or("-");
    if t.chars().count() <= 16 { t.to_owned() } else { format!("{}…", t.chars().take(15).collect::<String>()) }
}

pub fn summary_line(d: &DeliverySummary) -> String {
    let target = match &d.query {
        Some(q) => format!("{}?{q}", d.path),
        None => d.path.clone(),
    };
    // Fixed widths first and the path (any length) last, so the columns
    // line up down the list.
    let line = format!(
        "{}  {}  {:<7} {:>3}  {:>9}  {:<16}  {}{}",
        d.id,
        utc_time(d.received_at_us),
        d.method,
        d.status,
        human_size(d.body_size),
        short_type(d.content_type.as_deref()),
        target,
        if d.truncated { "  (truncated)" } else { "" },
    );
    escape_line(&line)
}

pub fn delivery_text(delivery: &Delivery) -> String {
    let d = &delivery.head;
    let s = &d.summary;
    let mut out = String::new();
    let target = match &s.query {
        Some(q) => format!("{}?{q}", s.path),
        None => s.path.clone(),
    };
    let mut line = |text: String| {
        out.push_str(&escape_line(&text));
        out.push('\n');
    };
    line(format!(
        "{}  received {}  from {}",
        s.id,
        utc_time(s.received_at_us),
        d.remote_addr.as_deref().unwrap_or("?")
    ));
    line(format!("answered {}  in {} µs", s.status, d.duration_us));
    line(String::new());
    line(format!("{} {target} {}", s.method, d.http_version));
    for h in &d.headers {
        line(format!("{}: {}", h.name, String::from_utf8_lossy(&h.value)));
    }
    line(String::new());
    match &delivery.body_text {
        Some(text) => {
            out.push_str(&escape_text(text));
            if !text.ends_with('\n') && !text.is_empty() {
                out.push('\n');
            }
        }
        None => out.push_str(&format!("({} bytes of binary; `--body` writes them raw)\n", delivery.body.len())),
    }
    if s.truncated {
        out.push_str(&format!("(truncated: {} of {} bytes kept)\n", delivery.body.len(), s.body_size));
    }
    out
}

pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}

/// `2026-11-26 12:04:31.220Z` from microseconds since the epoch.
pub fn utc_time(us: i64) -> String {
    let (y, m, d, hh, mm, ss) = crate::signature::codec::civil(us.div_euclid(1_000_000));
    let millis = us.rem_euclid(1_000_000) / 1000;
    format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}.{millis:03}Z")
}

/// A diff for people: what changed, `-` for side a and `+` for side b.
pub fn diff_text(d: &crate::replay::Diff) -> String {
    use crate::replay::{HeaderOp, LineOp};
    let mut out = format!("--- {}\n+++ {}\n", d.a, d.b);
    if d.is_empty() {
        out.push_str("the same request\n");
        return out;
    }
    if let Some(m) = &d.method {
        let _ = writeln!(out, "method  {} -> {}", m.a, m.b);
    }
    if let Some(u) = &d.url {
        let _ = writeln!(out, "url     {}\n     -> {}", escape_line(&u.a), escape_line(&u.b));
    }
    for h in &d.headers {
        let (a, b) = (h.a.as_deref().unwrap_or(""), h.b.as_deref().unwrap_or(""));
        let line = match h.op {
            HeaderOp::Removed => format!("- {}: {a}", h.name),
            HeaderOp::Added => format!("+ {}: {b}", h.name),
            HeaderOp::Changed => format!("~ {}: {a} -> {b}", h.name),
        };
        let _ = writeln!(out, "{}", escape_line(&line));
    }
    let body = &d.body;
    if body.binary && !body.same {
        let _ = writeln!(out, "body: binary, {} -> {} bytes", body.a_size, body.b_size);
    } else if !body.same {
        out.push_str(if body.json { "body (JSON, pretty):\n" } else { "body:\n" });
        for l in &body.lines {
            let mark = match l.op {
                LineOp::Same => ' ',
                LineOp::Removed => '-',
                LineOp::Added => '+',
            };
            let _ = writeln!(out, "{mark} {}", escape_line(&l.text));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_sizes_read_well() {
        assert_eq!(utc_time(0), "1970-01-01 00:00:00.000Z", "the epoch");
        assert_eq!(utc_time(1_795_694_671_220_000), "2026-11-26 12:04:31.220Z", "a recent instant");
        assert_eq!(utc_time(951_782_400_000_000), "2000-02-29 00:00:00.000Z", "a leap day");
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1946), "1.9 KB");
    }

    #[test]
    fn terminal_controls_are_escaped_and_line_breaks_kept_only_in_blocks() {
        let osc = "\x1b]0;pwned\x07\x1b[2J\u{9b}1m\x7f";
        assert_eq!(escape_line(osc), r"\x1b]0;pwned\x07\x1b[2J\u{9b}1m\x7f", "ESC, BEL, C1 and DEL are escaped");
        assert_eq!(escape_line("a\tb\r\nc"), r"a\x09b\x0d\x0ac", "a line keeps no line break or tab");
        assert_eq!(
            escape_text("a\tb\r\nc\rd\n"),
            "a\tb\r\nc\\x0dd\n",
            "a block keeps tabs, LF and CRLF, not a lone CR"
        );
        assert_eq!(escape_text("héllo ✓"), "héllo ✓", "other text passes unchanged");
    }
}
