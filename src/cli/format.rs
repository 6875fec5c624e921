//! Text forms of deliveries for the terminal.

use crate::model::{Delivery, DeliverySummary};

pub fn summary_line(d: &DeliverySummary) -> String {
    let target = match &d.query {
        Some(q) => format!("{}?{q}", d.path),
        None => d.path.clone(),
    };
    format!(
        "{}  {}  {:<7} {}  {}  {:>9}  {}{}",
        d.id,
        utc_time(d.received_at_us),
        d.method,
        target,
        d.status,
        human_size(d.body_size),
        d.content_type.as_deref().unwrap_or("-"),
        if d.truncated { "  (truncated)" } else { "" },
    )
}

pub fn delivery_text(delivery: &Delivery) -> String {
    let d = &delivery.head;
    let s = &d.summary;
    let mut out = String::new();
    let target = match &s.query {
        Some(q) => format!("{}?{q}", s.path),
        None => s.path.clone(),
    };
    out.push_str(&format!(
        "{}  received {}  from {}\n",
        s.id,
        utc_time(s.received_at_us),
        d.remote_addr.as_deref().unwrap_or("?")
    ));
    out.push_str(&format!("answered {}  in {} µs\n\n", s.status, d.duration_us));
    out.push_str(&format!("{} {target} {}\n", s.method, d.http_version));
    for h in &d.headers {
        out.push_str(&format!("{}: {}\n", h.name, String::from_utf8_lossy(&h.value)));
    }
    out.push('\n');
    match &delivery.body_text {
        Some(text) => {
            out.push_str(text);
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
}
