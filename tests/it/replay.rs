//! Replays against real local target servers that record the raw bytes they
//! receive (and fail the test if never hit): byte-exact as captured, edited,
//! re-signed so the scheme's own check passes, and every failure recorded.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hookscope::model::Header;
use hookscope::signature::{self, Provider, Secret, Secrets, SignOptions, SignParts, SignedRequest, VerifyOptions};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

use crate::support::{Harness, raw_request};

#[derive(Clone, Copy)]
enum Behaviour {
    Answer(u16),
    /// Reads the request and never answers.
    Hang,
    /// Reads the request and closes without a word.
    Close,
}

/// A server on loopback that keeps each request's raw bytes.
struct Target {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Vec<u8>>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Target {
    async fn start(behaviour: Behaviour) -> Target {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut s, _)) = listener.accept().await else { return };
                let record = record.clone();
                tokio::spawn(async move {
                    let raw = read_request(&mut s).await;
                    record.lock().unwrap().push(raw);
                    match behaviour {
                        Behaviour::Answer(status) => {
                            let answer = format!(
                                "HTTP/1.1 {status} Whatever\r\nX-Target: yes\r\nContent-Length: 11\r\n\r\nhello there"
                            );
                            let _ = s.write_all(answer.as_bytes()).await;
                        }
                        Behaviour::Hang => tokio::time::sleep(Duration::from_secs(60)).await,
                        Behaviour::Close => drop(s),
                    }
                });
            }
        });
        Target { addr, seen, task }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The requests received, split into head (text) and body.
    fn requests(&self) -> Vec<(String, Vec<u8>)> {
        let seen = self.seen.lock().unwrap();
        assert!(!seen.is_empty(), "the target was never hit");
        seen.iter()
            .map(|raw| {
                let end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
                (String::from_utf8_lossy(&raw[..end]).into_owned(), raw[end..].to_vec())
            })
            .collect()
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        self.task.abort();
        if !std::thread::panicking() {
            assert!(!self.seen.lock().unwrap().is_empty(), "a target server was never hit");
        }
    }
}

/// Reads one request: the head, then a Content-Length body.
async fn read_request(s: &mut tokio::net::TcpStream) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 65536];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                return buf;
            }
        }
        match s.read(&mut chunk).await {
            Ok(0) | Err(_) => return buf,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Captures a raw request; returns the delivery's id.
async fn capture(h: &Harness, request: &[u8]) -> String {
    let (status, _, body) = raw_request(h.capture, request).await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_slice(&body).unwrap();
    v["id"].as_str().unwrap().to_owned()
}

async fn replay(h: &Harness, id: &str, request: Value) -> (u16, Value) {
    let resp = h
        .http
        .post(h.api_url(&format!("/api/deliveries/{id}/replay")))
        .bearer_auth(h.token())
        .json(&request)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

fn request_of(head: &[u8], body: &[u8]) -> Vec<u8> {
    let mut r = head.to_vec();
    r.extend_from_slice(body);
    r
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replay_as_captured_is_byte_exact() {
    let h = Harness::start().await;
    let target = Target::start(Behaviour::Answer(200)).await;
    let every_byte: Vec<u8> = (0..=255u8).collect();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, b"{\"zipped\":true}").unwrap();
    let gzip = gz.finish().unwrap();
    let cases: Vec<(String, Vec<u8>)> = vec![
        (
            format!(
                "POST /hooks/bin?a=1&b=%20x HTTP/1.1\r\nHost: public.example\r\nX-Repeat: one\r\nx-other: 2\r\nX-Repeat: two\r\nConnection: keep-alive\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
                every_byte.len()
            ),
            every_byte.clone(),
        ),
        (
            format!(
                "POST /hooks/gz HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
                gzip.len()
            ),
            gzip.clone(),
        ),
        ("POST /hooks/empty HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".to_owned(), Vec::new()),
    ];
    for (head, body) in &cases {
        let id = capture(&h, &request_of(head.as_bytes(), body)).await;
        let (status, attempt) = replay(&h, &id, json!({"to": target.url()})).await;
        assert_eq!(status, 200, "{attempt}");
        assert_eq!(attempt["status"], 200);
        assert!(attempt["id"].as_str().unwrap().starts_with("att_"));
        // The attempt keeps the body it sent (stored as a reference to the delivery's).
        let full = h.api_get(&format!("/api/attempts/{}", attempt["id"].as_str().unwrap())).await;
        use base64::Engine as _;
        assert_eq!(full["request"]["body"], base64::engine::general_purpose::STANDARD.encode(body));
    }
    let seen = target.requests();
    let authority = target.addr.to_string();
    assert_eq!(
        seen[0].0,
        format!(
            "POST /hooks/bin?a=1&b=%20x HTTP/1.1\r\nHost: {authority}\r\nX-Repeat: one\r\nx-other: 2\r\nX-Repeat: two\r\nContent-Type: application/octet-stream\r\nContent-Length: 256\r\n\r\n"
        ),
        "order, case and repeats as captured; Host the target's; no hop-by-hop header"
    );
    assert_eq!(seen[0].1, every_byte, "all 256 byte values");
    assert!(seen[1].0.contains("\r\nContent-Encoding: gzip\r\n"), "{}", seen[1].0);
    assert_eq!(seen[1].1, gzip, "a gzip body stays gzip");
    assert_eq!(seen[2].0, format!("POST /hooks/empty HTTP/1.1\r\nHost: {authority}\r\nContent-Length: 0\r\n\r\n"));
    assert!(seen[2].1.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edited_replay_sends_the_edits_and_the_attempt_keeps_both_sides() {
    let h = Harness::start().await;
    let target = Target::start(Behaviour::Answer(202)).await;
    let id =
        capture(&h, b"POST /hooks/e?x=1 HTTP/1.1\r\nHost: x\r\nX-Drop: me\r\nX-Keep: k\r\nContent-Length: 2\r\n\r\n{}")
            .await;
    let to = format!("{}/elsewhere?y=2", target.url());
    let edits = json!({
        "to": to,
        "method": "PUT",
        "set_headers": [{"name": "X-Keep", "value": "changed"}, {"name": "X-New", "value": "added"}],
        "remove_headers": ["x-drop"],
        "body": "{\"amount\":-1}",
        "keep_host": true,
    });
    let (status, attempt) = replay(&h, &id, edits).await;
    assert_eq!(status, 200, "{attempt}");
    assert_eq!(attempt["status"], 202);
    assert_eq!(attempt["url"], to.as_str(), "a URL with a path is used exactly");
    let (head, body) = target.requests().remove(0);
    assert_eq!(
        head,
        "PUT /elsewhere?y=2 HTTP/1.1\r\nHost: x\r\nX-Keep: changed\r\nContent-Length: 13\r\nX-New: added\r\n\r\n"
    );
    assert_eq!(body, b"{\"amount\":-1}");

    let full = h.api_get(&format!("/api/attempts/{}", attempt["id"].as_str().unwrap())).await;
    assert_eq!(full["response"]["body_text"], "hello there");
    assert!(full["response"]["headers"].as_array().unwrap().iter().any(|h| h["name"] == "x-target"));
    assert_eq!(full["request"]["body_text"], "{\"amount\":-1}");
    let list = h.api_get(&format!("/api/deliveries/{id}/attempts")).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["origin"], "replay");

    // The last target is remembered and used when none is given.
    let (status, again) = replay(&h, &id, json!({})).await;
    assert_eq!((status, again["url"].as_str()), (200, Some(to.as_str())));
    // An origin given is remembered as an origin: another delivery keeps its path.
    let (_, _) = replay(&h, &id, json!({"to": target.url()})).await;
    let other = capture(&h, b"POST /hooks/other?z=9 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").await;
    let (_, sent) = replay(&h, &other, json!({})).await;
    assert_eq!(sent["url"], format!("{}/hooks/other?z=9", target.url()));
}

/// A delivery signed as `provider` with `secret`, captured; the endpoint is
/// set to that provider and secret.
async fn signed_delivery(h: &Harness, provider: Provider, secret: &str, path: &str, body: &[u8]) -> String {
    let public = format!("https://public.example{path}");
    let parts =
        SignParts { method: "POST", url: &public, body, now_s: now_s(), id: Some("msg_original"), headers: &[] };
    let signed = signature::sign(provider, &Secret::new(secret), &parts, &SignOptions::default()).unwrap();
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: public.example\r\nX-Forwarded-Proto: https\r\nContent-Type: application/json\r\n"
    );
    // GitHub's newer deliveries carry sha256 alone.
    for (n, v) in signed.headers.iter().filter(|(n, _)| n != "X-Hub-Signature") {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let id = capture(h, &request_of(head.as_bytes(), body)).await;
    let resp = h
        .http
        .put(h.api_url("/api/endpoints"))
        .bearer_auth(h.token())
        .json(&json!({"path_prefix": path, "provider": provider, "secrets": [secret]}))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
    id
}

fn now_s() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// What a receiver at `url` concludes about a request it got.
fn verify_at(provider: Provider, secret: &str, url: &str, head: &str, body: &[u8]) -> signature::VerdictKind {
    let headers: Vec<Header> = head
        .split("\r\n")
        .skip(1)
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| Header::new(n.to_owned(), v.as_bytes().to_vec()))
        .collect();
    let req = SignedRequest { method: "POST", url, headers: &headers, body, received_at_us: now_s() * 1_000_000 };
    signature::verify(provider, &req, &Secrets::one(secret), &VerifyOptions::default()).unwrap().kind
}

#[rstest::rstest]
#[case::stripe(Provider::Stripe, "whsec_dGVzdHNlY3JldA==")]
#[case::github(Provider::Github, "gh-secret")]
#[case::slack(Provider::Slack, "slack-secret")]
#[case::standard_webhooks(Provider::StandardWebhooks, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
#[case::twilio(Provider::Twilio, "twilio-token")]
#[tokio::test(flavor = "multi_thread")]
async fn a_resigned_edit_verifies_at_the_target_and_an_unsigned_one_does_not(
    #[case] provider: Provider,
    #[case] secret: &str,
) {
    let h = Harness::start().await;
    let target = Target::start(Behaviour::Answer(200)).await;
    let path = format!("/hooks/{}", provider.id());
    let body: &[u8] =
        if provider == Provider::Twilio { b"Body=hi&From=%2B1555" } else { br#"{"id":"evt_1","amount":100}"# };
    let id = signed_delivery(&h, provider, secret, &path, body).await;
    let edited =
        if provider == Provider::Twilio { "Body=edited&From=%2B1555" } else { r#"{"id":"evt_1","amount":-1}"# };

    let (status, signed) = replay(&h, &id, json!({"to": target.url(), "body": edited, "resign": true})).await;
    assert_eq!(status, 200, "{signed}");
    assert!(!signed["resigned"].as_array().unwrap().is_empty(), "the recomputed headers are named: {signed}");
    let (status, unsigned) = replay(&h, &id, json!({"to": target.url(), "body": edited})).await;
    assert_eq!(status, 200, "{unsigned}");
    assert!(
        unsigned["warnings"].as_array().unwrap().iter().any(|w| w.as_str().unwrap().contains("not re-signed")),
        "an unsigned edit is warned about: {unsigned}"
    );

    let seen = target.requests();
    let url = format!("{}{path}", target.url());
    let kind = |i: usize| verify_at(provider, secret, &url, &seen[i].0, &seen[i].1);
    assert_eq!(seen[0].1, edited.as_bytes());
    assert_eq!(kind(0), signature::VerdictKind::Valid, "re-signed: {}", seen[0].0);
    assert_ne!(kind(1), signature::VerdictKind::Valid, "not re-signed: {}", seen[1].0);
    if provider == Provider::Github {
        assert!(!seen[0].0.contains("X-Hub-Signature:"), "no sha1 header the delivery did not carry: {}", seen[0].0);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_target_that_refuses_hangs_or_hangs_up_is_an_attempt_with_its_error() {
    let h = Harness::start().await;
    let id = capture(&h, b"POST /hooks/f HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi").await;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let hang = Target::start(Behaviour::Hang).await;
    let close = Target::start(Behaviour::Close).await;
    for (to, kind) in [(format!("http://{closed}"), "connect"), (hang.url(), "timeout"), (close.url(), "reset")] {
        let (status, attempt) = replay(&h, &id, json!({"to": to, "timeout_s": 0.5})).await;
        assert_eq!(status, 200, "the attempt is the answer: {attempt}");
        assert_eq!(attempt["status"], Value::Null, "{attempt}");
        assert_eq!(attempt["error"]["kind"], kind, "{attempt}");
        assert!(!attempt["error"]["message"].as_str().unwrap().is_empty());
    }
    let list = h.api_get(&format!("/api/deliveries/{id}/attempts")).await;
    assert_eq!(list.as_array().unwrap().len(), 3, "every try is recorded");
}

#[tokio::test(flavor = "multi_thread")]
async fn what_cannot_be_sent_is_refused_with_a_reason() {
    let h = Harness::start_with(|c| c.capture.max_body = 16).await;
    let id = capture(&h, b"POST /hooks/n HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi").await;
    let (status, e) = replay(&h, &id, json!({})).await;
    assert_eq!((status, e["code"].as_str()), (400, Some("invalid_argument")));
    assert!(e["message"].as_str().unwrap().contains("no target"), "{e}");
    let (status, e) = replay(&h, &id, json!({"to": "ftp://127.0.0.1:1"})).await;
    assert_eq!(status, 400, "{e}");
    let (status, _) = replay(&h, "dlv_0000000000001", json!({"to": "http://127.0.0.1:1"})).await;
    assert_eq!(status, 404);
    // A truncated delivery can be sent only with a new body.
    let (status, _, _) = raw_request(
        h.capture,
        &request_of(b"POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n", &[b'x'; 40]),
    )
    .await;
    assert_eq!(status, 413);
    h.flush().await;
    let big = h.api_get("/api/deliveries?path=/big").await["items"][0]["id"].as_str().unwrap().to_owned();
    let (status, e) = replay(&h, &big, json!({"to": "http://127.0.0.1:1"})).await;
    assert_eq!(status, 400);
    assert!(e["message"].as_str().unwrap().contains("truncated"), "{e}");
}

fn hookscope(home: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hookscope"))
        .args(args)
        .env("HOOKSCOPE_HOME", home)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_replays_through_a_running_server_which_shows_it_live() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let (mut child, capture) = crate::support::spawn_serve(&db, dir.path(), &[]);
    let capture: SocketAddr = capture.trim_start_matches("http://").parse().unwrap();
    let instance: Value =
        serde_json::from_str(&std::fs::read_to_string(hookscope::app::instance_path(&db)).unwrap()).unwrap();
    let api = instance["api_url"].as_str().unwrap().to_owned();
    let token = std::fs::read_to_string(dir.path().join("token")).unwrap();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut events = http.get(format!("{api}/api/events")).bearer_auth(token.trim()).send().await.unwrap();

    let (status, _, body) =
        raw_request(capture, b"POST /hooks/cli?q=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi").await;
    assert_eq!(status, 200);
    let id = serde_json::from_slice::<Value>(&body).unwrap()["id"].as_str().unwrap().to_owned();
    let target = Target::start(Behaviour::Answer(200)).await;
    let db_arg = db.to_str().unwrap();
    let home = dir.path().to_owned();

    // No target yet: a usage error that says how to give one.
    let (code, _, err) = tokio::task::spawn_blocking({
        let (home, id, db) = (home.clone(), id.clone(), db_arg.to_owned());
        move || hookscope(&home, &["replay", &id, "--db", &db])
    })
    .await
    .unwrap();
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--to"), "{err}");

    let (code, out, err) = tokio::task::spawn_blocking({
        let (home, id, db, to) = (home.clone(), id.clone(), db_arg.to_owned(), target.url());
        move || hookscope(&home, &["replay", &id, "--db", &db, "--to", &to])
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{err}");
    let line = out.trim();
    assert!(line.starts_with("200 OK in "), "{line}");
    assert!(line.contains(&format!("  {}/hooks/cli?q=1  att_", target.url())), "{line}");
    assert_eq!(target.requests().len(), 1);

    // The running server recorded it and told its subscribers.
    let attempts: Value = http
        .get(format!("{api}/api/deliveries/{id}/attempts"))
        .bearer_auth(token.trim())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(attempts.as_array().unwrap().len(), 1, "{attempts}");
    let mut seen = String::new();
    while !seen.contains("event: attempts") {
        let chunk = tokio::time::timeout(Duration::from_secs(3), events.chunk()).await.expect("an attempts event");
        seen.push_str(&String::from_utf8_lossy(&chunk.unwrap().unwrap()));
    }

    // --json, a remembered target, and exit 1 on a non-2xx answer.
    let failing = Target::start(Behaviour::Answer(500)).await;
    let (code, out, _) = tokio::task::spawn_blocking({
        let (home, id, db, to) = (home.clone(), id.clone(), db_arg.to_owned(), failing.url());
        move || hookscope(&home, &["replay", &id, "--db", &db, "--to", &to, "--json"])
    })
    .await
    .unwrap();
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    for field in ["id", "url", "status", "error", "duration_ms"] {
        assert!(v.get(field).is_some(), "--json has {field}: {v}");
    }
    assert_eq!(v["status"], 500);
    let (code, _, err) = tokio::task::spawn_blocking({
        let (home, db) = (home.clone(), db_arg.to_owned());
        move || hookscope(&home, &["replay", "dlv_0000000000001", "--db", &db, "--to", "http://127.0.0.1:1"])
    })
    .await
    .unwrap();
    assert_eq!(code, 2, "an unknown id: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");

    // No answer at all is an attempt too, and exit 1.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let (code, out, _) = tokio::task::spawn_blocking({
        let (home, id, db, to) = (home.clone(), id.clone(), db_arg.to_owned(), format!("http://{closed}"));
        move || hookscope(&home, &["replay", &id, "--db", &db, "--to", &to])
    })
    .await
    .unwrap();
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("connect error: "), "{out}");

    let _ = child.kill();
    let _ = child.wait();

    // Without a server the CLI writes the store itself; `attempts` lists all.
    let (code, out, err) = tokio::task::spawn_blocking({
        let (home, id, db) = (home.clone(), id.clone(), db_arg.to_owned());
        move || hookscope(&home, &["replay", &id, "--db", &db])
    })
    .await
    .unwrap();
    assert_eq!(code, 1, "to the remembered (refusing) target: {out}{err}");
    let (code, out, _) = tokio::task::spawn_blocking({
        let (home, id, db) = (home.clone(), id.clone(), db_arg.to_owned());
        move || hookscope(&home, &["attempts", &id, "--db", &db, "--json"])
    })
    .await
    .unwrap();
    assert_eq!(code, 0);
    let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 4, "{out}");
    for field in ["id", "delivery", "origin", "method", "url", "status", "error", "duration_ms", "started_at"] {
        assert!(lines[0].get(field).is_some(), "attempts --json has {field}");
    }
    assert!(lines.windows(2).all(|w| w[0]["started_at_us"].as_i64() < w[1]["started_at_us"].as_i64()), "oldest first");
    assert_eq!(lines[3]["url"], format!("http://{closed}/hooks/cli?q=1"), "the remembered target");
    assert_eq!(lines[2]["error"]["kind"], "connect");
}

async fn api_send(h: &Harness, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = h.http.request(method, h.api_url(path)).bearer_auth(h.token());
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bulk_replay_sends_the_filtered_deliveries_oldest_first_and_reports_progress() {
    let h = Harness::start().await;
    let target = Target::start(Behaviour::Answer(200)).await;
    for i in 0..20 {
        capture(&h, format!("POST /bulk/{i:02} HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n{}", i % 10).as_bytes())
            .await;
    }
    capture(&h, b"POST /other HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").await;
    h.flush().await;
    let mut events = h.http.get(h.api_url("/api/events")).bearer_auth(h.token()).send().await.unwrap();
    let (status, started) = api_send(
        &h,
        reqwest::Method::POST,
        "/api/replays",
        Some(json!({"path": "/bulk", "to": target.url(), "concurrency": 1})),
    )
    .await;
    assert_eq!(status, 200, "{started}");
    assert_eq!(started["total"], 20);
    let job = started["job"].as_str().unwrap().to_owned();
    let mut seen = String::new();
    while !seen.contains("\"finished\":true") {
        let chunk = tokio::time::timeout(Duration::from_secs(5), events.chunk()).await.expect("progress events");
        seen.push_str(&String::from_utf8_lossy(&chunk.unwrap().unwrap()));
    }
    assert!(seen.contains("event: replay_progress"), "{seen}");
    let (_, done) = api_send(&h, reqwest::Method::GET, &format!("/api/replays/{job}"), None).await;
    let mut failures = Vec::new();
    for d in h.api_get("/api/deliveries?path=/bulk&limit=100").await["items"].as_array().unwrap() {
        let attempts = h.api_get(&format!("/api/deliveries/{}/attempts", d["id"].as_str().unwrap())).await;
        failures.extend(attempts.as_array().unwrap().iter().filter(|a| a["status"] != 200).cloned());
    }
    assert_eq!(
        (done["done"].as_u64(), done["ok"].as_u64(), done["finished"].as_bool()),
        (Some(20), Some(20), Some(true)),
        "{failures:?}"
    );
    let paths: Vec<String> =
        target.requests().iter().map(|(head, _)| head.split_whitespace().nth(1).unwrap().to_owned()).collect();
    let want: Vec<String> = (0..20).map(|i| format!("/bulk/{i:02}")).collect();
    assert_eq!(paths, want, "oldest first, in order at concurrency 1, only the filtered ones");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bulk_replay_can_be_cancelled() {
    let h = Harness::start().await;
    let slow = Target::start(Behaviour::Hang).await;
    for i in 0..30 {
        capture(&h, format!("POST /slow/{i} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").as_bytes()).await;
    }
    h.flush().await;
    let (_, started) = api_send(
        &h,
        reqwest::Method::POST,
        "/api/replays",
        Some(json!({"to": slow.url(), "concurrency": 1, "timeout_s": 0.2})),
    )
    .await;
    let job = started["job"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, _) = api_send(&h, reqwest::Method::DELETE, &format!("/api/replays/{job}"), None).await;
    assert_eq!(status, 200);
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    let done = loop {
        let (_, p) = api_send(&h, reqwest::Method::GET, &format!("/api/replays/{job}"), None).await;
        if p["finished"] == true {
            break p;
        }
        assert!(std::time::Instant::now() < deadline, "a cancelled job finishes: {p}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(done["cancelled"], true);
    let sent = done["done"].as_u64().unwrap();
    assert!((1..30).contains(&sent), "stopped part way: {done}");
    assert_eq!(done["failed"].as_u64(), Some(sent), "timeouts are failures: {done}");
}

#[tokio::test(flavor = "multi_thread")]
async fn drafts_are_kept_per_delivery_and_the_diff_shows_what_an_attempt_changed() {
    let h = Harness::start().await;
    let target = Target::start(Behaviour::Answer(200)).await;
    let id = capture(&h, b"POST /d HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nContent-Length: 14\r\n\r\n{\"amount\":100}").await;
    let draft = json!({"method": "PUT", "body": "{\"amount\":-1}", "set_headers": [{"name": "X-A", "value": "2"}]});
    let (status, _) =
        api_send(&h, reqwest::Method::PUT, &format!("/api/deliveries/{id}/drafts/negative"), Some(draft.clone())).await;
    assert_eq!(status, 204);
    let drafts = h.api_get(&format!("/api/deliveries/{id}/drafts")).await;
    assert_eq!(drafts[0]["name"], "negative");
    assert_eq!(drafts[0]["request"]["body"], "{\"amount\":-1}");

    let mut send = drafts[0]["request"].clone();
    send["to"] = json!(target.url());
    let (_, attempt) = replay(&h, &id, send).await;
    let att = attempt["id"].as_str().unwrap();
    let d = h.api_get(&format!("/api/diff?a={id}&b={att}")).await;
    assert_eq!(d["method"], json!({"a": "POST", "b": "PUT"}));
    assert!(d["headers"].as_array().unwrap().iter().any(|c| c["op"] == "changed" && c["name"] == "X-A"), "{d}");
    let lines: Vec<(&str, &str)> = d["body"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["op"] != "same")
        .map(|l| (l["op"].as_str().unwrap(), l["text"].as_str().unwrap().trim()))
        .collect();
    assert_eq!(lines, [("removed", "\"amount\": 100"), ("added", "\"amount\": -1")]);

    let (status, _) =
        api_send(&h, reqwest::Method::DELETE, &format!("/api/deliveries/{id}/drafts/negative"), None).await;
    assert_eq!(status, 204);
    let (status, e) =
        api_send(&h, reqwest::Method::DELETE, &format!("/api/deliveries/{id}/drafts/negative"), None).await;
    assert_eq!((status, e["code"].as_str()), (404, Some("not_found")));

    // Deleting the delivery takes its attempts along.
    let (status, _) = api_send(&h, reqwest::Method::DELETE, &format!("/api/deliveries/{id}"), None).await;
    assert_eq!(status, 204);
    let (status, _) = api_send(&h, reqwest::Method::GET, &format!("/api/attempts/{att}"), None).await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_re_signs_with_a_provider_and_secret_given_for_the_send() {
    let h = Harness::start().await;
    let target = Target::start(Behaviour::Answer(200)).await;
    let secret = "whsec_cli_given";
    // Captured with no endpoint and no signature at all.
    let id = capture(&h, b"POST /cli/sign HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}").await;
    let (home, db, to) = (h.dir.path().to_owned(), h.db_path(), target.url());
    let (code, out, err) = tokio::task::spawn_blocking(move || {
        let db = db.to_str().unwrap().to_owned();
        let args = ["replay", &id, "--db", &db, "--to", &to, "--body", r#"{"amount":1}"#];
        hookscope(&home, &[&args[..], &["--provider", "stripe", "--secret", secret, "--json"]].concat())
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{out}{err}");
    let attempt: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(attempt["resigned"], json!(["Stripe-Signature"]), "--provider and --secret imply --resign");
    let (head, body) = target.requests().remove(0);
    let url = format!("{}/cli/sign", target.url());
    assert_eq!(verify_at(Provider::Stripe, secret, &url, &head, &body), signature::VerdictKind::Valid, "{head}");
}
