//! `hookscope replay` and `hookscope attempts`. While `serve` or the desktop
//! app runs on the database, a replay goes through that instance's control
//! API (so its UI shows the attempt live and there is never a second
//! writer); otherwise the CLI opens the store itself.
//!
//! Exit codes: 0 the target answered 2xx; 1 any other answer or no answer
//! (the attempt is recorded either way); 2 a usage error or an unknown id.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::api::{Api, Info};
use crate::error::{Error, ErrorBody, Result};
use crate::model::{AttemptSummary, Header};
use crate::replay::{BulkProgress, BulkReplayRequest, Diff, ReplayRequest};
use crate::signature::Provider;
use crate::store::{self, Store, StoreConfig};

use super::format::{escape_line, utc_time};

pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

/// `hookscope replay`
#[derive(Debug, Clone, clap::Args)]
pub struct ReplayArgs {
    /// The delivery to send again.
    #[arg(required_unless_present = "all")]
    pub id: Option<String>,
    /// Every delivery matching the filters (--path, --status, --q, --limit), oldest first.
    #[arg(long, conflicts_with_all = ["id", "method", "set_headers", "remove_headers", "body", "body_file", "provider", "secret", "new_event_id"])]
    pub all: bool,
    /// With --all: deliveries under this path prefix.
    #[arg(long, requires = "all")]
    pub path: Option<String>,
    /// With --all: a status (404) or class (4xx).
    #[arg(long, requires = "all")]
    pub status: Option<String>,
    /// With --all: words to find in path, headers and bodies.
    #[arg(long, requires = "all")]
    pub q: Option<String>,
    /// With --all: at most this many (the newest that match).
    #[arg(long, requires = "all")]
    pub limit: Option<u64>,
    /// With --all: sends in flight at once (default 4; 1 keeps arrival order).
    #[arg(long, requires = "all")]
    pub concurrency: Option<u32>,
    /// Target: an origin (http://127.0.0.1:3000) keeps the delivery's path and
    /// query; a URL with a path is used exactly. Default: the last target used
    /// for the delivery's endpoint.
    #[arg(long)]
    pub to: Option<String>,
    #[arg(long, env = "HOOKSCOPE_DB")]
    pub db: Option<PathBuf>,
    /// Send with this method instead.
    #[arg(long)]
    pub method: Option<String>,
    /// 'Name: value': replaces every header of that name, or adds one.
    #[arg(long = "set-header", value_name = "NAME: VALUE")]
    pub set_headers: Vec<String>,
    /// Leave this header out.
    #[arg(long = "remove-header", value_name = "NAME")]
    pub remove_headers: Vec<String>,
    /// Send this file's bytes as the body.
    #[arg(long, conflicts_with = "body")]
    pub body_file: Option<PathBuf>,
    /// Send this as the body; `-` reads it from stdin.
    #[arg(long)]
    pub body: Option<String>,
    /// Recompute the signature over what is sent, with a fresh timestamp.
    #[arg(long)]
    pub resign: bool,
    /// Re-sign as this provider (default: the endpoint's); implies --resign.
    #[arg(long)]
    pub provider: Option<Provider>,
    /// Re-sign with this secret (default: the endpoint's newest); implies --resign.
    #[arg(long)]
    pub secret: Option<String>,
    /// Re-sign with a new event id instead of the delivery's; implies --resign.
    #[arg(long)]
    pub new_event_id: bool,
    /// Send the captured Host header instead of the target's.
    #[arg(long)]
    pub keep_host: bool,
    /// Seconds for the whole exchange (default 30).
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// Skip TLS certificate checks for this send.
    #[arg(long)]
    pub insecure: bool,
    /// Print the attempt as one JSON object.
    #[arg(long)]
    pub json: bool,
}

impl ReplayArgs {
    fn request(&self, stdin: &mut dyn Read) -> std::result::Result<ReplayRequest, String> {
        let set_headers = self.set_headers.iter().map(|h| parse_header(h)).collect::<std::result::Result<_, _>>()?;
        let body = match (&self.body_file, self.body.as_deref()) {
            (Some(path), _) => Some(std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?),
            (None, Some("-")) => {
                let mut bytes = Vec::new();
                stdin.read_to_end(&mut bytes).map_err(|e| format!("cannot read stdin: {e}"))?;
                Some(bytes)
            }
            (None, Some(text)) => Some(text.as_bytes().to_vec()),
            (None, None) => None,
        };
        let (body, body_encoding) = match body {
            None => (None, None),
            Some(bytes) => match String::from_utf8(bytes) {
                Ok(text) => (Some(text), None),
                Err(e) => {
                    use base64::Engine as _;
                    let b64 = base64::engine::general_purpose::STANDARD.encode(e.into_bytes());
                    (Some(b64), Some(crate::model::ValueEncoding::Base64))
                }
            },
        };
        Ok(ReplayRequest {
            to: self.to.clone(),
            method: self.method.clone(),
            headers: None,
            set_headers,
            remove_headers: self.remove_headers.clone(),
            body,
            body_encoding,
            resign: self.resign || self.provider.is_some() || self.secret.is_some() || self.new_event_id,
            provider: self.provider,
            secret: self.secret.clone(),
            new_event_id: self.new_event_id,
            keep_host: self.keep_host,
            timeout_s: self.timeout,
            insecure: self.insecure,
        })
    }
}

fn parse_header(h: &str) -> std::result::Result<Header, String> {
    let (name, value) = h.split_once(':').ok_or_else(|| format!("--set-header {h:?}: expected 'Name: value'"))?;
    Ok(Header::new(name.trim().to_owned(), value.trim_start().as_bytes().to_vec()))
}

/// Runs `replay`: one line (or one JSON object) on `out`, warnings and
/// errors on `err`; returns the exit code.
pub async fn run_replay(
    args: &ReplayArgs,
    db: &Path,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let Some(id) = args.id.as_deref().filter(|_| !args.all) else {
        return run_bulk(args, db, out, err).await;
    };
    let request = match args.request(stdin) {
        Ok(r) => r,
        Err(e) => return say(err, EXIT_USAGE, &e),
    };
    let sent = match crate::app::running_instance(db) {
        Some(instance) => replay_through(&instance.api_url, id, &request).await,
        None => replay_here(db, id, request).await,
    };
    let attempt = match sent {
        Ok(a) => a,
        Err(e) => return say(err, EXIT_USAGE, &e.to_string()),
    };
    for w in &attempt.warnings {
        let _ = writeln!(err, "warning: {}", escape_line(w));
    }
    let printed = if args.json {
        serde_json::to_string(&attempt).map_err(std::io::Error::other).and_then(|j| writeln!(out, "{j}"))
    } else {
        writeln!(out, "{}", attempt_line(&attempt))
    };
    if printed.is_err() {
        return EXIT_FAILED;
    }
    match attempt.status {
        Some(s) if (200..300).contains(&s) => EXIT_OK,
        _ => EXIT_FAILED,
    }
}

fn say(err: &mut dyn Write, code: i32, message: &str) -> i32 {
    let _ = writeln!(err, "hookscope: {}", escape_line(message));
    code
}

/// `200 OK in 12.3 ms  http://127.0.0.1:3000/hooks/stripe  att_…`
pub fn attempt_line(a: &AttemptSummary) -> String {
    let outcome = match (&a.status, &a.error) {
        (Some(s), _) => {
            let reason = http::StatusCode::from_u16(*s).ok().and_then(|c| c.canonical_reason()).unwrap_or("");
            format!("{s} {reason}").trim_end().to_owned()
        }
        (None, Some(e)) => format!("{} error: {}", <&str>::from(e.kind), e.message),
        (None, None) => "no answer".to_owned(),
    };
    escape_line(&format!("{outcome} in {:.1} ms  {}  {}", a.duration_ms, a.url, a.id))
}

/// The store opened by the CLI itself, when no instance runs on `db`.
fn local_api(db: &Path) -> Result<Api> {
    if !db.exists() {
        return Err(Error::NoDatabase(db.to_owned()));
    }
    Ok(Api::new(Store::open(StoreConfig::new(db))?, cli_info(db)))
}

async fn replay_here(db: &Path, id: &str, request: ReplayRequest) -> Result<AttemptSummary> {
    local_api(db)?.replay(id, request).await
}

/// `replay --all`: one summary line (or JSON object) at the end.
async fn run_bulk(args: &ReplayArgs, db: &Path, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let request = BulkReplayRequest {
        ids: None,
        method: None,
        path: args.path.clone(),
        status: args.status.clone(),
        q: args.q.clone(),
        limit: args.limit,
        to: args.to.clone(),
        concurrency: args.concurrency,
        resign: args.resign,
        keep_host: args.keep_host,
        timeout_s: args.timeout,
        insecure: args.insecure,
    };
    let done = match crate::app::running_instance(db) {
        Some(instance) => bulk_through(&instance.api_url, &request).await,
        None => match local_api(db) {
            Ok(api) => api.replay_all(request).await,
            Err(e) => Err(e),
        },
    };
    let p = match done {
        Ok(p) => p,
        Err(e) => return say(err, EXIT_USAGE, &e.to_string()),
    };
    for e in &p.errors {
        let _ = writeln!(err, "skipped: {}", escape_line(e));
    }
    let printed = if args.json {
        serde_json::to_string(&p).map_err(std::io::Error::other).and_then(|j| writeln!(out, "{j}"))
    } else {
        writeln!(
            out,
            "{} sent in {:.1} s: {} answered 2xx, {} did not{}",
            p.done,
            p.duration_ms / 1000.0,
            p.ok,
            p.failed,
            if p.skipped > 0 { format!(", {} skipped", p.skipped) } else { String::new() }
        )
    };
    if printed.is_err() {
        return EXIT_FAILED;
    }
    if p.failed == 0 && p.skipped == 0 { EXIT_OK } else { EXIT_FAILED }
}

/// Starts the bulk replay in the running instance (its UI shows progress)
/// and waits for it to finish.
async fn bulk_through(api_url: &str, request: &BulkReplayRequest) -> Result<BulkProgress> {
    let instance = Instance::new(api_url)?;
    let mut p: BulkProgress = instance.call(reqwest::Method::POST, "/api/replays", Some(request)).await?;
    while !p.finished {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        p = instance.call(reqwest::Method::GET, &format!("/api/replays/{}", p.job), None::<&()>).await?;
    }
    Ok(p)
}

/// `hookscope diff A B`: what differs between two requests (deliveries as
/// captured, attempts as sent); exit 0 when they are the same, 1 when not.
pub async fn run_diff(db: &Path, a: &str, b: &str, json: bool, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let diffed = match crate::app::running_instance(db) {
        Some(instance) => match Instance::new(&instance.api_url) {
            Ok(i) => i.call(reqwest::Method::GET, &format!("/api/diff?a={a}&b={b}"), None::<&()>).await,
            Err(e) => Err(e),
        },
        None => match crate::store::open_read_only(db) {
            Ok(readers) => crate::replay::read_diff(&readers, a, b),
            Err(e) => Err(e),
        },
    };
    let d: Diff = match diffed {
        Ok(d) => d,
        Err(e) => return say(err, EXIT_USAGE, &e.to_string()),
    };
    let printed = if json {
        serde_json::to_string(&d).map_err(std::io::Error::other).and_then(|j| writeln!(out, "{j}"))
    } else {
        out.write_all(super::format::diff_text(&d).as_bytes())
    };
    if printed.is_err() {
        return EXIT_FAILED;
    }
    if d.is_empty() { EXIT_OK } else { EXIT_FAILED }
}

fn cli_info(db: &Path) -> Info {
    Info {
        version: env!("CARGO_PKG_VERSION").into(),
        capture_url: String::new(),
        public_url: None,
        database: db.display().to_string(),
        api_url: None,
        https_url: None,
        tls_fingerprint: None,
        tls_certificate: None,
    }
}

/// The running instance's control API, with the install's token.
pub(crate) struct Instance {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Instance {
    pub(crate) fn new(api_url: &str) -> Result<Instance> {
        let token_path = crate::app::home_dir().join("token");
        let token = std::fs::read_to_string(&token_path)
            .map_err(|e| Error::io(format!("reading {}", token_path.display()), e))?;
        let client = reqwest::Client::builder().no_proxy().build().map_err(|e| failed(api_url, e))?;
        Ok(Instance { client, base: api_url.to_owned(), token: token.trim().to_owned() })
    }

    /// Sends `body` (JSON) to `path` and reads the JSON answer; an error
    /// answer becomes the error it describes.
    pub(crate) async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&impl serde::Serialize>,
    ) -> Result<T> {
        let mut request = self.client.request(method, format!("{}{path}", self.base)).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        self.answer(request).await
    }

    /// Sends `request` and reads its JSON answer; an error answer becomes the
    /// error it describes.
    async fn answer<T: serde::de::DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> Result<T> {
        let response = request.send().await.map_err(|e| failed(&self.base, e))?;
        if !response.status().is_success() {
            let body: ErrorBody = response.json().await.map_err(|e| failed(&self.base, e))?;
            return Err(Error::Remote(body));
        }
        response.json().await.map_err(|e| failed(&self.base, e))
    }
}

impl Instance {
    /// Posts raw bytes (a file to import) and reads the JSON answer.
    pub(crate) async fn post_bytes<T: serde::de::DeserializeOwned>(&self, path: &str, body: Vec<u8>) -> Result<T> {
        self.answer(self.client.post(format!("{}{path}", self.base)).bearer_auth(&self.token).body(body)).await
    }
}

fn failed(base: &str, e: reqwest::Error) -> Error {
    Error::io(format!("asking {base}"), std::io::Error::other(e))
}

async fn replay_through(api_url: &str, id: &str, request: &ReplayRequest) -> Result<AttemptSummary> {
    if id.parse::<crate::model::DeliveryId>().is_err() {
        return Err(Error::InvalidId(id.to_owned()));
    }
    Instance::new(api_url)?.call(reqwest::Method::POST, &format!("/api/deliveries/{id}/replay"), Some(request)).await
}

/// `hookscope attempts ID`: a delivery's attempts, oldest first.
pub fn attempts(db: &Path, id: &str, json: bool, out: &mut dyn Write) -> Result<()> {
    let id: crate::model::DeliveryId = id.parse()?;
    let readers = store::open_read_only(db)?;
    readers.with(|c| store::get_head(c, id))?;
    let list = readers.with(|c| store::list_attempts(c, id))?;
    for a in &list {
        if json {
            let line = serde_json::to_string(a).map_err(|e| Error::io("encoding JSON", e.into()))?;
            writeln!(out, "{line}")
        } else {
            writeln!(out, "{}  {}  {}", utc_time(a.started_at_us), <&str>::from(a.origin), attempt_line(a))
        }
        .map_err(|e| Error::io("writing output", e))?;
    }
    if !json && list.is_empty() {
        writeln!(out, "no attempts yet").map_err(|e| Error::io("writing output", e))?;
    }
    Ok(())
}
