//! A hostile client on the public capture port, and another local process on
//! the control API: the server's memory stays bounded, others are still
//! served, refusals are honest, and what Hookscope writes stays private.

use std::os::unix::fs::PermissionsExt as _;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::support::{Harness, raw_request, read_response};

/// `hookscope serve` in its own process, so its memory can be read alone.
struct Served {
    child: std::process::Child,
    capture: std::net::SocketAddr,
    _dir: tempfile::TempDir,
}

impl Served {
    fn start() -> Served {
        let dir = tempfile::tempdir().unwrap();
        let (child, capture) = crate::support::spawn_serve(&dir.path().join("h.db"), dir.path(), &[]);
        let capture = capture.trim_start_matches("http://").parse().unwrap();
        Served { child, capture, _dir: dir }
    }

    /// The first requests grow pools that are not per connection: warm them
    /// up before reading the memory a test adds.
    async fn warm_up(&self) {
        for _ in 0..20 {
            let (status, _, _) =
                raw_request(self.capture, b"POST /warm HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi").await;
            assert_eq!(status, 200);
        }
    }

    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn declared_but_unsent_bodies_cost_no_memory_and_others_are_served() {
    let served = Served::start();
    served.warm_up().await;
    let before = served.rss_kib();
    let mut idle = Vec::new();
    for i in 0..200 {
        let mut s = TcpStream::connect(served.capture).await.unwrap();
        // 25 MiB, just under the limit, so it would be read; not one byte follows.
        let head = format!("POST /declared/{i} HTTP/1.1\r\nHost: x\r\nContent-Length: 26214400\r\n\r\n");
        s.write_all(head.as_bytes()).await.unwrap();
        idle.push(s);
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let grown = served.rss_kib().saturating_sub(before);
    eprintln!("200 declared-but-unsent bodies: +{} KiB resident", grown);
    assert!(grown < 64 * 1024, "200 declared-but-unsent 25 MiB bodies must add < 64 MiB, added {} MiB", grown / 1024);
    let (status, _, _) =
        raw_request(served.capture, b"POST /other HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok").await;
    assert_eq!(status, 200, "others are still served");
    drop(idle);
}

#[tokio::test(flavor = "multi_thread")]
async fn past_the_connection_cap_a_sender_is_told_to_retry_and_the_rest_are_served() {
    let h = Harness::start_with(|c| c.capture.max_connections = 4).await;
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut s = TcpStream::connect(h.capture).await.unwrap();
        s.write_all(b"POST /slow HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        held.push(s);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, head, _) =
        raw_request(h.capture, b"POST /one-too-many HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi").await;
    assert_eq!(status, 503, "over the cap: 503, not a hang or a reset");
    assert!(head.to_ascii_lowercase().contains("retry-after:"), "with Retry-After: {head}");
    held.pop();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (status, _, _) =
            raw_request(h.capture, b"POST /after HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi").await;
        if status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "a freed slot serves again (got {status})");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    h.flush().await;
    let listed = h.api_get("/api/deliveries").await;
    let paths: Vec<&str> = listed["items"].as_array().unwrap().iter().map(|d| d["path"].as_str().unwrap()).collect();
    assert!(!paths.contains(&"/one-too-many"), "a turned-away request is not stored: {paths:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_body_behind_expect_100_continue_is_refused_without_inviting_it() {
    let h = Harness::start().await;
    let mut s = TcpStream::connect(h.capture).await.unwrap();
    s.write_all(b"POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 31457280\r\nExpect: 100-continue\r\n\r\n")
        .await
        .unwrap();
    let (status, _, _) = read_response(&mut s).await;
    assert_eq!(status, 413, "the first answer is the 413, never 100 Continue");
    h.flush().await;
    let listed = h.api_get("/api/deliveries").await;
    assert_eq!(listed["items"][0]["status"], 413, "the refusal is recorded");
    assert_eq!(listed["items"][0]["truncated"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_control_api_closes_a_head_that_never_finishes() {
    let h = Harness::start_with(|c| c.api_header_timeout = Duration::from_millis(300)).await;
    let mut s = TcpStream::connect(h.api).await.unwrap();
    s.write_all(b"GET /api/info HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 1024];
    // The server answers 408 or just closes; either way the socket ends.
    loop {
        match tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(_)) => continue,
            Err(_) => panic!("the unfinished head was held open for 5 s"),
        }
    }
    assert!(started.elapsed() < Duration::from_secs(3), "closed after the header timeout");
}

#[tokio::test(flavor = "multi_thread")]
async fn raw_bodies_are_served_inert() {
    let h = Harness::start().await;
    let id = h.post("/html", b"<script>alert(1)</script>".to_vec()).await.1.unwrap();
    let resp =
        h.http.get(h.api_url(&format!("/api/deliveries/{id}/body"))).bearer_auth(h.token()).send().await.unwrap();
    let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(header("content-disposition").as_deref(), Some("attachment"));
    assert_eq!(header("content-security-policy").as_deref(), Some("sandbox"));
    assert_eq!(header("content-type").as_deref(), Some("application/octet-stream"));
}

#[tokio::test(flavor = "multi_thread")]
async fn every_file_hookscope_writes_is_private() {
    let h = Harness::start().await;
    std::fs::set_permissions(h.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    h.post("/p", b"secret words".to_vec()).await;
    h.flush().await;
    // A restart tightens what an older version left loose.
    let db = h.db_path();
    let dir = h.dir;
    h.running.shutdown().await;
    let h = Harness::start_with(|c| {
        c.store.path = db.clone();
        c.token_path = dir.path().join("token");
    })
    .await;
    h.flush().await;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(dir.path()), 0o700, "the data folder");
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            assert_eq!(mode(&path), 0o600, "{} must be its owner's alone", path.display());
        }
    }
}

/// Writes `bytes` in the given chunk sizes, each its own packet.
async fn write_in_packets(s: &mut TcpStream, bytes: &[u8], cuts: &[usize]) {
    s.set_nodelay(true).unwrap();
    let mut at = 0;
    for &cut in cuts.iter().chain(std::iter::once(&bytes.len())) {
        let cut = cut.clamp(at, bytes.len());
        if cut > at {
            // A server that answered early (431) may close before the rest is written.
            if s.write_all(&bytes[at..cut]).await.is_err() {
                return;
            }
            let _ = s.flush().await;
            tokio::time::sleep(Duration::from_millis(3)).await;
        }
        at = cut;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_head_size_cap_is_the_same_however_the_bytes_arrive() {
    let h = Harness::start().await;
    let cap = hookscope::capture::MAX_HEAD_BYTES;
    for (size, want) in [(cap - 2048, 200), (cap + 1024, 431), (70 * 1024, 431), (100 * 1024, 431), (127 * 1024, 431)] {
        for pattern in ["whole", "1k", "split"] {
            // Many headers of 1 KiB, to the size wanted.
            let mut head = format!("POST /cap/{size} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n");
            let mut i = 0;
            while head.len() + 1100 < size {
                head.push_str(&format!("X-Pad-{i}: {}\r\n", "p".repeat(1000)));
                i += 1;
            }
            head.push_str("\r\nhi");
            let cuts: Vec<usize> = match pattern {
                "whole" => vec![],
                "1k" => (1..head.len() / 1024 + 1).map(|k| k * 1024).collect(),
                _ => vec![head.len() / 2],
            };
            let mut s = TcpStream::connect(h.capture).await.unwrap();
            write_in_packets(&mut s, head.as_bytes(), &cuts).await;
            let (status, _, _) = read_response(&mut s).await;
            assert_eq!(status, want, "a {size}-byte head sent {pattern} must get {want}");
        }
    }
    h.flush().await;
    let stats = h.api_get("/api/stats").await;
    assert_eq!(stats["count"], 3, "only the heads under the cap were stored (three arrivals of one)");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bare_lf_head_keeps_its_order_and_case() {
    let h = Harness::start().await;
    let (status, _, _) = raw_request(
        h.capture,
        b"POST /lf HTTP/1.1\nHost: x\nX-Zeta: 1\nx-alpha: 2\nX-Zeta: 3\nContent-Length: 2\n\nhi",
    )
    .await;
    assert_eq!(status, 200);
    h.flush().await;
    let id = h.api_get("/api/deliveries").await["items"][0]["id"].as_str().unwrap().to_owned();
    let d = h.api_get(&format!("/api/deliveries/{id}?body=false")).await;
    let names: Vec<&str> = d["headers"].as_array().unwrap().iter().map(|h| h["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Host", "X-Zeta", "x-alpha", "X-Zeta", "Content-Length"], "as sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn stored_headers_are_the_parsed_requests_whatever_the_packet_boundaries() {
    let h = Harness::start().await;
    // Pipelined requests, each with its own Host, a client header, and a
    // content type; cut at pseudo-random places (a fixed seed: repeatable).
    let mut seed: u64 = 0x5eed;
    let mut next = move |n: usize| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) as usize % n.max(1)
    };
    let mut expected = Vec::new();
    for round in 0..24 {
        let mut stream = Vec::new();
        let mut sent = Vec::new();
        for r in 0..3 {
            let path = format!("/split/{round}/{r}");
            let headers = [
                ("Host", format!("h{r}.example")),
                ("X-Real-Client", format!("client-{round}-{r}")),
                ("Content-Type", format!("application/x-{r}")),
                ("X-Repeat", "a".to_owned()),
                ("x-repeat", "b".to_owned()),
            ];
            stream.extend_from_slice(format!("POST {path} HTTP/1.1\r\n").as_bytes());
            for (n, v) in &headers {
                stream.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
            }
            stream.extend_from_slice(b"Content-Length: 4\r\n\r\nbody");
            sent.push((path, headers));
        }
        // Cut right after a request ends, then inside the next head, and elsewhere.
        let mut cuts: Vec<usize> = (0..4).map(|_| next(stream.len())).collect();
        if let Some(end) = stream.windows(4).position(|w| w == b"body") {
            cuts.push(end + 4);
            cuts.push(end + 4 + next(30));
        }
        cuts.sort_unstable();
        let mut s = TcpStream::connect(h.capture).await.unwrap();
        write_in_packets(&mut s, &stream, &cuts).await;
        // Pipelined answers may come in one read: count them in what arrives.
        let mut answers = Vec::new();
        let mut chunk = [0u8; 8192];
        while answers.windows(15).filter(|w| w == b"HTTP/1.1 200 OK").count() < 3 {
            let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut chunk)).await.unwrap().unwrap();
            assert!(n > 0, "round {round} (cuts {cuts:?}): closed after {:?}", String::from_utf8_lossy(&answers));
            answers.extend_from_slice(&chunk[..n]);
        }
        expected.extend(sent);
    }
    h.flush().await;
    let page = h.api_get("/api/deliveries?limit=1000").await;
    for (path, headers) in expected {
        let row = page["items"].as_array().unwrap().iter().find(|d| d["path"] == path.as_str()).expect("stored");
        let id = row["id"].as_str().unwrap();
        let d = h.api_get(&format!("/api/deliveries/{id}?body=false")).await;
        let stored: Vec<(String, String)> = d["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h["name"].as_str().unwrap().to_owned(), h["value"].as_str().unwrap().to_owned()))
            .collect();
        let mut want: Vec<(String, String)> = headers.iter().map(|(n, v)| ((*n).to_owned(), v.clone())).collect();
        want.push(("Content-Length".into(), "4".into()));
        assert_eq!(stored, want, "{path}: the request's headers, in arrival order and case, repeats kept");
        assert_eq!(d["content_type"], headers[2].1.as_str(), "{path}: the row's content type agrees with its headers");
    }
}

/// Sends one request and reads until the server closes or two seconds pass.
async fn exchange(addr: std::net::SocketAddr, request: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut all = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(2), s.read_to_end(&mut all)).await;
    String::from_utf8_lossy(&all).into_owned()
}

fn status_of(answer: &str) -> u16 {
    answer.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("no answer: {answer:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn smuggling_shapes_are_refused_or_read_one_way_and_the_connection_closed() {
    let h = Harness::start().await;
    // Content-Length beside chunked: the chunked framing is read, the
    // connection closes after the answer (so what follows is never read as a
    // request), and the headers are stored as sent, the length included.
    for (path, head) in [
        ("/cl-te", "Content-Length: 40\r\nTransfer-Encoding: chunked"),
        ("/te-cl", "Transfer-Encoding: chunked\r\nContent-Length: 4"),
    ] {
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\n{head}\r\n\r\n4\r\nbody\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
        );
        let answer = exchange(h.capture, request.as_bytes()).await;
        assert_eq!(status_of(&answer), 200, "{path}: {answer}");
        assert!(answer.to_ascii_lowercase().contains("connection: close"), "{path} closes: {answer}");
        assert_eq!(answer.matches("HTTP/1.1").count(), 1, "{path}: the bytes after the body are not a request");
    }
    // Ambiguous or obsolete framing is refused before anything is stored.
    for request in [
        &b"POST /two-lengths HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 6\r\n\r\nbodyxx"[..],
        b"POST /obs-fold HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\nContent-Length: 4\r\n\r\nbody",
        b"POST /te-gzip HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nbody",
        b"POST /te-space HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n4\r\nbody\r\n0\r\n\r\n",
        b"POST /signed-length HTTP/1.1\r\nHost: x\r\nContent-Length: +4\r\n\r\nbody",
    ] {
        let answer = exchange(h.capture, request).await;
        assert_eq!(status_of(&answer), 400, "{}: {answer}", String::from_utf8_lossy(&request[..24]));
    }
    // The same length twice is one length.
    let answer = exchange(
        h.capture,
        b"POST /same-length HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\ncontent-length: 4\r\n\r\nbody",
    )
    .await;
    assert_eq!(status_of(&answer), 200, "{answer}");

    h.flush().await;
    let listed = h.api_get("/api/deliveries").await;
    let mut paths: Vec<&str> =
        listed["items"].as_array().unwrap().iter().map(|d| d["path"].as_str().unwrap()).collect();
    paths.sort_unstable();
    assert_eq!(paths, ["/cl-te", "/same-length", "/te-cl"], "only what was read one way is stored");
    let stored = |path: &'static str| {
        let id = listed["items"].as_array().unwrap().iter().find(|d| d["path"] == path).unwrap()["id"].clone();
        let h = &h;
        async move { h.api_get(&format!("/api/deliveries/{}", id.as_str().unwrap())).await }
    };
    let names = |d: &serde_json::Value| -> Vec<String> {
        d["headers"].as_array().unwrap().iter().map(|h| format!("{}: {}", h["name"], h["value"])).collect()
    };
    let d = stored("/cl-te").await;
    assert_eq!(d["body"], "Ym9keQ==", "the chunked body was read: {d}");
    assert_eq!(names(&d), [r#""Host": "x""#, r#""Content-Length": "40""#, r#""Transfer-Encoding": "chunked""#]);
    let d = stored("/same-length").await;
    assert_eq!(names(&d), [r#""Host": "x""#, r#""Content-Length": "4""#, r#""content-length": "4""#], "as sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_headers_are_cut_off_and_others_are_served() {
    let h = Harness::start_with(|c| c.capture.header_timeout = Duration::from_millis(500)).await;
    let mut slow = Vec::new();
    for i in 0..20 {
        let mut s = TcpStream::connect(h.capture).await.unwrap();
        s.write_all(format!("POST /slow/{i} HTTP/1.1\r\nHost: x\r\n").as_bytes()).await.unwrap();
        slow.push(s);
    }
    let started = Instant::now();
    // Each keeps trickling a header, a byte at a time, as a slowloris does.
    let mut closed = vec![false; slow.len()];
    while closed.iter().any(|c| !c) {
        assert!(started.elapsed() < Duration::from_secs(5), "a trickled head was held open for 5 s");
        for (s, closed) in slow.iter_mut().zip(closed.iter_mut()).filter(|(_, c)| !**c) {
            let mut buf = [0u8; 256];
            match tokio::time::timeout(Duration::from_millis(5), s.read(&mut buf)).await {
                Ok(Ok(0) | Err(_)) => *closed = true,
                Ok(Ok(_)) => {}
                Err(_) => *closed = s.write_all(b"X").await.is_err(),
            }
        }
        let (status, _, _) =
            raw_request(h.capture, b"POST /other HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok").await;
        assert_eq!(status, 200, "others are served meanwhile");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    h.flush().await;
    let listed = h.api_get("/api/deliveries?limit=1000").await;
    assert!(listed["items"].as_array().unwrap().iter().all(|d| d["path"] == "/other"), "no unfinished head is stored");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_body_gets_408_and_what_arrived_is_kept_as_truncated() {
    let h = Harness::start_with(|c| c.capture.body_timeout = Duration::from_millis(500)).await;
    let mut s = TcpStream::connect(h.capture).await.unwrap();
    s.write_all(b"POST /slow-body HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n").await.unwrap();
    let trickle = async {
        for _ in 0..100 {
            if s.write_all(b"b").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let _ = tokio::time::timeout(Duration::from_millis(800), trickle).await;
    let (status, _, _) = read_response(&mut s).await;
    assert_eq!(status, 408);
    h.flush().await;
    let d = &h.api_get("/api/deliveries").await["items"][0];
    assert_eq!(
        (d["path"].as_str(), d["status"].as_u64(), d["truncated"].as_bool()),
        (Some("/slow-body"), Some(408), Some(true))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn many_idle_connections_cost_little_and_others_are_served() {
    let served = Served::start();
    served.warm_up().await;
    let before = served.rss_kib();
    let mut idle = Vec::new();
    for _ in 0..400 {
        idle.push(TcpStream::connect(served.capture).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let grown = served.rss_kib().saturating_sub(before);
    eprintln!("400 idle connections: +{grown} KiB resident");
    assert!(grown < 32 * 1024, "400 idle connections must add < 32 MiB, added {} MiB", grown / 1024);
    let (status, _, _) =
        raw_request(served.capture, b"POST /other HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok").await;
    assert_eq!(status, 200, "others are still served");
    drop(idle);
}
