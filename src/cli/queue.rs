//! `hookscope queue`: the forwarding queue's counts per target and state.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};
use crate::forward::{QueueReport, queue_report_from_db};

/// From the running instance (live states: up, down, in flight) when there
/// is one, else from the database.
pub async fn queue(db: &Path, json: bool, out: &mut dyn Write) -> Result<()> {
    let report: QueueReport = match crate::app::running_instance(db) {
        Some(instance) => {
            super::replay::Instance::new(&instance.api_url)?
                .call(reqwest::Method::GET, "/api/forward", None::<&()>)
                .await?
        }
        None => crate::store::open_read_only(db)?.with(queue_report_from_db)?,
    };
    let written = if json {
        serde_json::to_string(&report).map_err(std::io::Error::other).and_then(|j| writeln!(out, "{j}"))
    } else {
        out.write_all(text(&report).as_bytes())
    };
    written.map_err(|e| Error::io("writing output", e))
}

fn text(r: &QueueReport) -> String {
    if r.targets.is_empty() {
        return match &r.default_target {
            Some(t) => format!("nothing forwarded yet (default target {t})\n"),
            None => "nothing forwarded: no rule has a target (set one with `serve --forward-to URL`)\n".into(),
        };
    }
    let width = r.targets.iter().map(|t| t.target.len()).max().unwrap_or(6).max(6);
    let mut s = format!(
        "{:<width$}  {:<6}  {:>8}  {:>8}  {:>9}  {:>6}  {:>6}  {:>7}\n",
        "TARGET", "STATUS", "QUEUED", "RETRYING", "DELIVERED", "FAILED", "DEAD", "DROPPED"
    );
    for t in &r.targets {
        s.push_str(&format!(
            "{:<width$}  {:<6}  {:>8}  {:>8}  {:>9}  {:>6}  {:>6}  {:>7}\n",
            t.target,
            t.status,
            t.queued + t.in_flight,
            t.retrying,
            t.delivered,
            t.failed,
            t.dead,
            t.dropped
        ));
        if let Some(e) = &t.last_error {
            s.push_str(&format!("{:<width$}  last error: {e}\n", ""));
        }
    }
    s
}
