//! Forwarding against real local targets that record what they receive:
//! a target that is down and comes back, rejections and retries,
//! `Retry-After`, passthrough, custom answers, and a SIGKILL mid-flood.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hookscope::forward::Backoff;
use serde_json::{Value, json};

use crate::support::Harness;

/// What a target received.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    /// Path and query, as in the request line.
    target: String,
    body: Vec<u8>,
    at: Instant,
}

/// How a target answers the `n`th request (from 0) to a path.
type Script = dyn Fn(&str, usize) -> (u16, Vec<(&'static str, String)>, Duration) + Send + Sync;

struct TargetState {
    seen: Mutex<Vec<Seen>>,
    per_path: Mutex<HashMap<String, usize>>,
    script: Box<Script>,
}

/// An HTTP/1.1 server on loopback (keep-alive, as apps are) that records
/// every request and answers as its script says.
struct Target {
    addr: SocketAddr,
    state: Arc<TargetState>,
    task: tokio::task::JoinHandle<()>,
}

impl Target {
    async fn start(
        script: impl Fn(&str, usize) -> (u16, Vec<(&'static str, String)>, Duration) + Send + Sync + 'static,
    ) -> Target {
        Self::start_on("127.0.0.1:0".parse().unwrap(), script).await
    }

    async fn start_on(
        addr: SocketAddr,
        script: impl Fn(&str, usize) -> (u16, Vec<(&'static str, String)>, Duration) + Send + Sync + 'static,
    ) -> Target {
        let listener = tokio::net::TcpListener::bind(addr).await.expect("the target binds");
        let addr = listener.local_addr().unwrap();
        let state =
            Arc::new(TargetState { seen: Mutex::default(), per_path: Mutex::default(), script: Box::new(script) });
        let app = axum::Router::new().fallback(record).with_state(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Target { addr, state, task }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    async fn wait_for(&self, n: usize, within: Duration) -> Vec<Seen> {
        let deadline = Instant::now() + within;
        loop {
            let seen = self.seen();
            if seen.len() >= n || Instant::now() > deadline {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn record(State(state): State<Arc<TargetState>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body: Bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let target = parts.uri.path_and_query().map(|pq| pq.as_str().to_owned()).unwrap_or_default();
    let n = {
        let mut per_path = state.per_path.lock().unwrap();
        let n = per_path.entry(parts.uri.path().to_owned()).or_default();
        *n += 1;
        *n - 1
    };
    state.seen.lock().unwrap().push(Seen {
        method: parts.method.to_string(),
        target,
        body: body.to_vec(),
        at: Instant::now(),
    });
    let (status, headers, delay) = (state.script)(parts.uri.path(), n);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let mut resp = (StatusCode::from_u16(status).unwrap(), "from the app").into_response();
    for (name, value) in headers {
        resp.headers_mut().insert(name, value.parse().unwrap());
    }
    resp
}

fn ok(_: &str, _: usize) -> (u16, Vec<(&'static str, String)>, Duration) {
    (200, vec![], Duration::ZERO)
}

/// A loopback port with nothing on it (for now).
fn free_port() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

async fn harness_forwarding_to(url: &str) -> Harness {
    let url = url.to_owned();
    Harness::start_with(move |c| {
        c.forward.default_target = Some(url);
        // Short waits so a test sees several rounds of backoff.
        c.forward.backoff = Backoff { min: Duration::from_millis(100), max: Duration::from_millis(400) };
        c.capture.passthrough_timeout = Duration::from_secs(1);
    })
    .await
}

async fn put_endpoint(h: &Harness, endpoint: Value) {
    let resp = h.http.put(h.api_url("/api/endpoints")).bearer_auth(h.token()).json(&endpoint).send().await.unwrap();
    assert_eq!(resp.status(), 204, "saving {endpoint}: {}", resp.text().await.unwrap());
}

/// Polls `GET /api/forward` until `done` holds for the target's report.
async fn wait_report(h: &Harness, target: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let report = h.api_get("/api/forward").await;
        let t = report["targets"].as_array().unwrap().iter().find(|t| t["target"] == target).cloned();
        if let Some(t) = &t
            && done(t)
        {
            return t.clone();
        }
        assert!(Instant::now() < deadline, "the queue for {target} never got there: {report}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_queued_while_the_target_is_down_each_arrive_once_when_it_comes_back() {
    let addr = free_port();
    let h = harness_forwarding_to(&format!("http://{addr}")).await;
    let mut sent = HashMap::new();
    for n in 0..300u32 {
        let path = format!("/hooks/{}?n={n}&x=%20y", if n % 2 == 0 { "stripe" } else { "github" });
        // Every tenth body is binary, not UTF-8.
        let body = if n % 10 == 0 { vec![0xff, 0x00, n as u8, 0xfe] } else { format!("{{\"n\":{n}}}").into_bytes() };
        let resp = h.http.post(h.capture_url(&path)).body(body.clone()).send().await.unwrap();
        assert_eq!(resp.status(), 200, "acked while the target is down");
        sent.insert(path, body);
    }
    let report = wait_report(&h, &format!("http://{addr}"), |t| {
        t["queued"].as_u64().unwrap() + t["retrying"].as_u64().unwrap() >= 300
    })
    .await;
    assert_eq!(report["status"], "down", "the target is seen down: {report}");
    assert_eq!(report["delivered"], 0);
    let page = h.api_get("/api/deliveries?limit=5").await;
    for d in page["items"].as_array().unwrap() {
        let state = d["forward"]["state"].as_str().unwrap();
        assert!(matches!(state, "queued" | "retrying"), "the list shows the badge: {d}");
    }

    let target = Target::start_on(addr, ok).await;
    target.wait_for(300, Duration::from_secs(20)).await;
    // Anything sent twice would show up in this time.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let seen = target.seen();
    assert_eq!(seen.len(), 300, "each delivery exactly once, got {}", seen.len());
    let mut got: HashMap<String, Vec<u8>> = HashMap::new();
    for s in &seen {
        assert_eq!(s.method, "POST");
        assert!(got.insert(s.target.clone(), s.body.clone()).is_none(), "{} arrived twice", s.target);
    }
    assert_eq!(got, sent, "path, query and body bytes as captured");

    let report = wait_report(&h, &target.url(), |t| t["delivered"] == 300).await;
    assert_eq!((report["queued"].as_u64(), report["failed"].as_u64()), (Some(0), Some(0)), "{report}");
    let page = h.api_get("/api/deliveries?limit=300").await;
    // The oldest: it probed the target while it was down.
    let first = &page["items"][299];
    assert_eq!(first["forward"]["state"], "delivered", "{first}");
    let attempts = h.api_get(&format!("/api/deliveries/{}/attempts", first["id"].as_str().unwrap())).await;
    let forwards: Vec<&Value> = attempts.as_array().unwrap().iter().filter(|a| a["origin"] == "forward").collect();
    assert!(forwards.len() >= 2, "every try is an attempt (failed ones too): {attempts}");
    assert_eq!(forwards.last().unwrap()["status"], 200);
    assert!(forwards[0]["error"]["kind"] == "connect", "the first tries found nothing listening: {attempts}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejection_is_final_and_a_server_error_or_timeout_is_retried() {
    let target = Target::start(|path, n| match path {
        "/reject" => (422, vec![], Duration::ZERO),
        "/flaky" if n < 2 => (503, vec![], Duration::ZERO),
        "/busy" if n == 0 => (408, vec![], Duration::ZERO),
        _ => (200, vec![], Duration::ZERO),
    })
    .await;
    let h = harness_forwarding_to(&target.url()).await;
    for path in ["/reject", "/flaky", "/busy"] {
        assert_eq!(h.http.post(h.capture_url(path)).body("{}").send().await.unwrap().status(), 200);
    }
    let report = wait_report(&h, &target.url(), |t| t["delivered"] == 2 && t["failed"] == 1).await;
    assert_eq!(report["retrying"], 0, "{report}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let count = |p: &str| target.seen().iter().filter(|s| s.target == p).count();
    assert_eq!(count("/reject"), 1, "a 4xx is final: tried once");
    assert_eq!(count("/flaky"), 3, "5xx twice, then delivered");
    assert_eq!(count("/busy"), 2, "a 408 is retried");
    let page = h.api_get("/api/deliveries").await;
    let by_path =
        |p: &str| page["items"].as_array().unwrap().iter().find(|d| d["path"] == p).unwrap()["forward"].clone();
    assert_eq!(by_path("/reject")["state"], "failed");
    assert_eq!(by_path("/reject")["last_status"], 422);
    assert_eq!(by_path("/flaky")["state"], "delivered");
    assert_eq!(by_path("/flaky")["tries"], 3);

    // Retry all failed: the app was fixed meanwhile, say.
    let moved: Value = h
        .http
        .post(h.api_url("/api/forward/retry"))
        .bearer_auth(h.token())
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(moved["count"], 1);
    target.wait_for(7, Duration::from_secs(5)).await;
    assert_eq!(count("/reject"), 2, "sent again at once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured_over_the_backoff() {
    let target = Target::start(|_, n| {
        if n == 0 { (429, vec![("retry-after", "2".into())], Duration::ZERO) } else { (200, vec![], Duration::ZERO) }
    })
    .await;
    let h = harness_forwarding_to(&target.url()).await;
    h.http.post(h.capture_url("/limited")).body("x").send().await.unwrap();
    let seen = target.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(seen.len(), 2, "retried once the wait was over");
    let gap = seen[1].at - seen[0].at;
    assert!(gap >= Duration::from_millis(1900), "waited as Retry-After said (2 s), not the 100 ms backoff: {gap:?}");
    assert!(gap < Duration::from_secs(5), "and not much more: {gap:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passthrough_answers_with_the_targets_response_or_502_and_504() {
    let app = Target::start(|path, _| match path {
        p if p.starts_with("/slow") => (200, vec![], Duration::from_secs(3)),
        _ => (201, vec![("x-app", "yes".into())], Duration::ZERO),
    })
    .await;
    let h = harness_forwarding_to("http://127.0.0.1:9").await;
    put_endpoint(&h, json!({"path_prefix": "/pt", "forward_to": app.url(), "forward_mode": "passthrough"})).await;
    let down = free_port();
    put_endpoint(
        &h,
        json!({"path_prefix": "/down", "forward_to": format!("http://{down}"), "forward_mode": "passthrough"}),
    )
    .await;
    put_endpoint(&h, json!({"path_prefix": "/slow", "forward_to": app.url(), "forward_mode": "passthrough"})).await;
    h.flush().await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let resp = h.http.post(h.capture_url("/pt/order?id=7")).body("{\"a\":1}").send().await.unwrap();
    assert_eq!(resp.status(), 201, "the target's status");
    assert_eq!(resp.headers()["x-app"], "yes", "the target's headers");
    assert_eq!(resp.text().await.unwrap(), "from the app", "the target's body");
    let seen = app.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].target, "/pt/order?id=7");

    let resp = h.http.post(h.capture_url("/down/x")).body("{}").send().await.unwrap();
    assert_eq!(resp.status(), 502, "nothing listening: 502");
    assert!(resp.text().await.unwrap().contains("stored and queued"));

    let started = Instant::now();
    let resp = h.http.post(h.capture_url("/slow/x")).body("{}").send().await.unwrap();
    assert_eq!(resp.status(), 504, "slower than the deadline: 504");
    assert!(started.elapsed() < Duration::from_millis(2500), "answered at the deadline: {:?}", started.elapsed());

    // Each is stored, records what its sender was told, and stays queued.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let page = h.api_get("/api/deliveries").await;
        let status =
            |p: &str| page["items"].as_array().unwrap().iter().find(|d| d["path"] == p).map(|d| d["status"].clone());
        if (status("/pt/order"), status("/down/x"), status("/slow/x"))
            == (Some(json!(201)), Some(json!(502)), Some(json!(504)))
        {
            let down = page["items"].as_array().unwrap().iter().find(|d| d["path"] == "/down/x").unwrap();
            assert!(matches!(down["forward"]["state"].as_str(), Some("retrying" | "queued")), "{down}");
            break;
        }
        assert!(Instant::now() < deadline, "answers recorded: {page}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let id = h.api_get("/api/deliveries?path=/pt").await["items"][0]["id"].as_str().unwrap().to_owned();
    let d = h.api_get(&format!("/api/deliveries/{id}")).await;
    assert_eq!(d["response"]["status"], 201);
    assert_eq!(d["response"]["body"], "from the app");
    assert_eq!(
        app.wait_for(3, Duration::from_secs(5)).await.len(),
        2,
        "the slow one was still sent once (no retry on 200)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_answer_is_sent_after_the_commit_with_its_delay() {
    let h = Harness::start().await;
    put_endpoint(
        &h,
        json!({"path_prefix": "/busy", "response": {
            "status": 503, "headers": [["Retry-After", "7"], ["X-Test", "a"]], "body": "try later", "delay_ms": 1500}}),
    )
    .await;
    h.flush().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let client = h.http.clone();
    let url = h.capture_url("/busy/1");
    let send = tokio::spawn(async move { client.post(url).body("{\"x\":1}").send().await.unwrap() });
    // Stored before the answer goes out.
    let mut stored_at = None;
    while stored_at.is_none() && started.elapsed() < Duration::from_secs(3) {
        if h.api_get("/api/deliveries?path=/busy").await["items"].as_array().unwrap().len() == 1 {
            stored_at = Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let resp = send.await.unwrap();
    let answered_at = started.elapsed();
    let stored_at = stored_at.expect("the delivery is stored");
    assert!(stored_at < Duration::from_millis(1000), "stored at once, not after the delay: {stored_at:?}");
    assert!(answered_at >= Duration::from_millis(1500), "the delay was kept: {answered_at:?}");
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["retry-after"], "7");
    assert_eq!(resp.headers()["x-test"], "a");
    assert_eq!(resp.text().await.unwrap(), "try later");
    let item = &h.api_get("/api/deliveries?path=/busy").await["items"][0];
    assert_eq!(item["status"], 503, "the delivery records the answer sent");
    let d = h.api_get(&format!("/api/deliveries/{}", item["id"].as_str().unwrap())).await;
    assert_eq!(d["response"]["body"], "try later");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoint_rules_round_trip_with_their_defaults() {
    let h = Harness::start().await;
    put_endpoint(&h, json!({"path_prefix": "/r", "forward_to": "http://127.0.0.1:3000", "methods": ["post"]})).await;
    let e = h.api_get("/api/endpoints").await[0].clone();
    assert_eq!(e["forward_to"], "http://127.0.0.1:3000");
    assert_eq!(e["forward_mode"], "async", "absent fields keep their defaults");
    assert_eq!(e["methods"], json!(["POST"]));
    assert_eq!(e["response"], Value::Null);
    let resp = h
        .http
        .put(h.api_url("/api/endpoints"))
        .bearer_auth(h.token())
        .json(&json!({"path_prefix": "/r", "response": {"status": 200, "delay_ms": 60000}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400, "a delay over 30 s is refused");
}

/// A `hookscope serve` that is stopped however the test ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Every acked delivery reaches the target after a SIGKILL and a restart;
/// only those in flight at the kill may arrive twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_while_forwarding_loses_nothing_that_was_acked() {
    let target = Target::start(ok).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kill.db");
    let forward = ["--forward-to", &target.url()];
    let (child, capture) = crate::support::spawn_serve(&db, dir.path(), &forward);
    let mut child = KillOnDrop(child);
    let acked: Arc<Mutex<Vec<u32>>> = Arc::default();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut senders = tokio::task::JoinSet::new();
    for worker in 0..8u32 {
        let (http, capture, acked) = (http.clone(), capture.clone(), acked.clone());
        senders.spawn(async move {
            for i in 0..1500 {
                let n = worker * 1_000_000 + i;
                match http.post(format!("{capture}/k/{n}")).body(format!("{{\"n\":{n}}}")).send().await {
                    Ok(r) if r.status() == 200 => acked.lock().unwrap().push(n),
                    _ => return,
                }
            }
        });
    }
    // Kill once a good share has been forwarded and more is in the queue.
    let deadline = Instant::now() + Duration::from_secs(20);
    while target.seen().len() < 300 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    while senders.join_next().await.is_some() {}
    let acked = acked.lock().unwrap().clone();
    let before_restart = target.seen().len();
    assert!(acked.len() > before_restart, "some acked deliveries were still queued at the kill");

    // Restarted without `--forward-to`: the backlog still goes where the
    // killed run was sending it.
    let (child, _) = crate::support::spawn_serve(&db, dir.path(), &[]);
    let mut child = KillOnDrop(child);
    let deadline = Instant::now() + Duration::from_secs(60);
    let received = |seen: &[Seen]| -> HashMap<u32, usize> {
        let mut m = HashMap::new();
        for s in seen {
            if let Some(n) = s.target.strip_prefix("/k/").and_then(|n| n.parse().ok()) {
                *m.entry(n).or_default() += 1;
            }
        }
        m
    };
    loop {
        let got = received(&target.seen());
        if acked.iter().all(|n| got.contains_key(n)) {
            break;
        }
        let missing = acked.iter().filter(|n| !got.contains_key(n)).count();
        assert!(Instant::now() < deadline, "{missing} of {} acked deliveries never reached the target", acked.len());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = received(&target.seen());
    let twice: Vec<u32> = got.iter().filter(|(_, c)| **c > 1).map(|(n, _)| *n).collect();
    eprintln!(
        "sigkill: {} acked, {before_restart} forwarded before the kill, {} arrived twice",
        acked.len(),
        twice.len()
    );
    assert!(twice.len() <= 64, "only the in-flight window may arrive twice, got {} duplicates", twice.len());
    assert!(got.values().all(|&c| c <= 2), "nothing three times");

    // `hookscope queue` asks the running instance.
    let queue = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_hookscope"))
            .args(["queue", "--json", "--db"])
            .arg(&db)
            .env("HOOKSCOPE_HOME", dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let report = queue();
        let t = &report["targets"][0];
        assert_eq!(t["target"], target.url(), "{report}");
        if t["delivered"].as_u64().unwrap() >= acked.len() as u64 {
            break;
        }
        assert!(Instant::now() < deadline, "every acked delivery is counted delivered: {report}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child.0.kill().unwrap();
    child.0.wait().unwrap();

    // And from the database alone once it is stopped.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hookscope"))
        .args(["queue", "--db"])
        .arg(&db)
        .env("HOOKSCOPE_HOME", dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("DELIVERED") && text.contains(&target.url()), "{text}");
}
