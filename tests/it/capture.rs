//! The capture listener over real sockets: bytes kept exactly, headers in
//! arrival order, honest answers at the limits.

use std::io::Write as _;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{Harness, raw_request, read_response};

#[tokio::test(flavor = "multi_thread")]
async fn bodies_round_trip_byte_for_byte() {
    let h = Harness::start().await;
    let all_bytes: Vec<u8> = (0..=255u8).collect();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(br#"{"compressed":true}"#).unwrap();
    let gzipped = gz.finish().unwrap();
    let ten_mib: Vec<u8> = (0..10 * 1024 * 1024).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let cases: Vec<(&str, Vec<u8>, Option<&str>)> = vec![
        ("empty", Vec::new(), None),
        ("all 256 byte values", all_bytes, Some("application/octet-stream")),
        ("invalid UTF-8", b"caf\xe9 \xff\xfe \xc3\x28".to_vec(), Some("text/plain")),
        ("gzip-encoded", gzipped, Some("gzip")),
        ("10 MiB", ten_mib, None),
    ];
    for (name, body, kind) in cases {
        let mut req = h.http.post(h.capture_url("/roundtrip")).body(body.clone());
        match kind {
            Some("gzip") => req = req.header("content-encoding", "gzip").header("content-type", "application/json"),
            Some(ct) => req = req.header("content-type", ct),
            None => {}
        }
        let (status, id) = crate::support::ack(req.send().await.unwrap()).await;
        assert_eq!(status, 200, "{name}: a stored delivery is acked with 200");
        let id = id.expect("the ack names the delivery");
        let stored = h.api_bytes(&format!("/api/deliveries/{id}/body")).await;
        assert!(
            stored == body,
            "{name}: the stored body must equal the sent bytes ({} vs {})",
            stored.len(),
            body.len()
        );
        let meta = h.api_get(&format!("/api/deliveries/{id}")).await;
        assert_eq!(meta["body_size"], body.len() as u64, "{name}: body_size is the sent size");
        assert_eq!(meta["truncated"], false, "{name}: nothing was cut");
        let text_ok = std::str::from_utf8(&body).is_ok();
        assert_eq!(meta["body_text"].is_string(), text_ok, "{name}: body_text only for valid UTF-8");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn headers_keep_arrival_order_case_and_repeats_across_keep_alive() {
    let h = Harness::start().await;
    let mut stream = TcpStream::connect(h.capture).await.unwrap();
    for round in 0..3 {
        let req = format!(
            "POST /order/{round}?a=1&a=2 HTTP/1.1\r\nHost: example.test\r\nX-Zeta: first\r\nx-alpha: {round}\r\n\
             X-Zeta: second\r\nX-Mixed-Case: Keep Me\r\nContent-Length: 2\r\n\r\nhi"
        );
        stream.write_all(req.as_bytes()).await.unwrap();
        let (status, _, body) = read_response(&mut stream).await;
        assert_eq!(status, 200, "round {round}: acked");
        let id: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let d = h.api_get(&format!("/api/deliveries/{}", id["id"].as_str().unwrap())).await;
        let headers: Vec<(String, String)> = d["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h["name"].as_str().unwrap().to_owned(), h["value"].as_str().unwrap().to_owned()))
            .collect();
        let expected: Vec<(String, String)> = [
            ("Host", "example.test".to_owned()),
            ("X-Zeta", "first".to_owned()),
            ("x-alpha", round.to_string()),
            ("X-Zeta", "second".to_owned()),
            ("X-Mixed-Case", "Keep Me".to_owned()),
            ("Content-Length", "2".to_owned()),
        ]
        .into_iter()
        .map(|(n, v)| (n.to_owned(), v))
        .collect();
        assert_eq!(headers, expected, "round {round}: headers in arrival order with original case and repeats");
        assert_eq!(d["path"], format!("/order/{round}"), "path kept");
        assert_eq!(d["query"], "a=1&a=2", "raw query kept");
        assert_eq!(d["http_version"], "HTTP/1.1");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_absolute_form_target_keeps_its_headers_as_sent() {
    // Proxies and some test tools send `POST http://host/path`; the handler
    // matches the head it tapped against hyper's parse by the whole target.
    let h = Harness::start().await;
    let req = b"POST http://example.test/abs?q=1 HTTP/1.1\r\nHost: example.test\r\nX-B: 1\r\nx-a: 2\r\nX-B: 3\r\n\
                Content-Length: 0\r\n\r\n";
    let (status, _, body) = raw_request(h.capture, req).await;
    assert_eq!(status, 200);
    let id: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let d = h.api_get(&format!("/api/deliveries/{}", id["id"].as_str().unwrap())).await;
    let names: Vec<&str> = d["headers"].as_array().unwrap().iter().map(|h| h["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Host", "X-B", "x-a", "X-B", "Content-Length"], "order, case and repeats as sent");
    assert_eq!(d["path"], "/abs");
    assert_eq!(d["query"], "q=1");
}

#[tokio::test(flavor = "multi_thread")]
async fn chunked_bodies_are_reassembled_exactly() {
    let h = Harness::start().await;
    let req =
        b"PUT /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
    let (status, _, body) = raw_request(h.capture, req).await;
    assert_eq!(status, 200, "a chunked delivery is acked");
    let id: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let stored = h.api_bytes(&format!("/api/deliveries/{}/body", id["id"].as_str().unwrap())).await;
    assert_eq!(stored, b"hello world", "chunks are joined, framing removed");
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_posts_each_become_exactly_one_row() {
    let h = Harness::start().await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..1000 {
        let (http, url) = (h.http.clone(), h.capture_url(&format!("/burst/{}", i % 7)));
        tasks.spawn(async move {
            let resp = http.post(url).body(crate::support::sample_event(i)).send().await.unwrap();
            crate::support::ack(resp).await
        });
    }
    let mut ids = std::collections::HashSet::new();
    while let Some(r) = tasks.join_next().await {
        let (status, id) = r.unwrap();
        assert_eq!(status, 200, "every concurrent POST is acked");
        assert!(ids.insert(id.unwrap()), "ids are unique");
    }
    let stats = h.api_get("/api/stats").await;
    assert_eq!(stats["count"], 1000, "exactly 1,000 rows for 1,000 acked POSTs");
    let conn = rusqlite::Connection::open(h.db_path()).unwrap();
    let rows: i64 = conn.query_row("SELECT count(*) FROM deliveries", [], |r| r.get(0)).unwrap();
    assert_eq!(rows, 1000, "the table itself holds 1,000 rows");
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_bodies_get_413_and_a_truncated_record() {
    let h = Harness::start_with(|c| c.capture.max_body = 1024 * 1024).await;
    let big = vec![b'a'; 3 * 1024 * 1024];
    // With a Content-Length, refused up front; chunked, refused once it runs over.
    let declared = h.http.post(h.capture_url("/too-big")).body(big.clone()).send().await.unwrap();
    assert_eq!(declared.status().as_u16(), 413, "a declared oversize body gets 413");
    let text = declared.text().await.unwrap();
    assert!(text.contains("1048576 bytes"), "the 413 says the limit: {text:?}");
    let chunked = raw_request(
        h.capture,
        &[
            b"POST /too-big-chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".as_slice(),
            format!("{:x}\r\n", big.len()).as_bytes(),
            &big,
            b"\r\n0\r\n\r\n",
        ]
        .concat(),
    )
    .await;
    assert_eq!(chunked.0, 413, "an undeclared oversize body gets 413 too");

    h.flush().await;
    let page = h.api_get("/api/deliveries").await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "both attempts are recorded");
    for item in items {
        assert_eq!(item["status"], 413, "the record shows the 413 sent");
        assert_eq!(item["truncated"], true, "the record is marked truncated");
        let id = item["id"].as_str().unwrap();
        let kept = h.api_bytes(&format!("/api/deliveries/{id}/body")).await;
        assert_eq!(kept.len(), hookscope::capture::TRUNCATED_KEEP, "the first 64 KiB are kept");
        assert!(kept.iter().all(|&b| b == b'a'), "the kept prefix is the sent bytes");
    }
    let declared_row = items.iter().find(|i| i["path"] == "/too-big").unwrap();
    assert_eq!(declared_row["body_size"], big.len() as u64, "the declared size is recorded");
    let d = h.api_get(&format!("/api/deliveries/{}", declared_row["id"].as_str().unwrap())).await;
    assert_eq!(d["response"]["status"], 413, "the response sent is recorded");
    assert!(d["response"]["body"].as_str().unwrap().contains("payload too large"), "with its body");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_sends_its_whole_oversized_body_before_reading_gets_the_413() {
    // Python's http.client and many SDKs write the whole body, then read. The
    // default 25 MiB limit refuses 30 MiB; the client must still see the 413.
    let h = Harness::start().await;
    let size = 30 * 1024 * 1024;
    let addr = h.capture;
    let sent = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
        use std::io::Read as _;
        let mut s = std::net::TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        s.set_write_timeout(Some(Duration::from_secs(30))).unwrap();
        let head = format!("POST /whole-body HTTP/1.1\r\nHost: x\r\nContent-Length: {size}\r\n\r\n");
        s.write_all(head.as_bytes()).map_err(|e| format!("writing the head: {e}"))?;
        let chunk = vec![b'a'; 64 * 1024];
        for i in 0..size / chunk.len() {
            s.write_all(&chunk).map_err(|e| format!("writing body chunk {i}: {e}"))?;
        }
        let mut answer = Vec::new();
        s.read_to_end(&mut answer).map_err(|e| format!("reading the response: {e}"))?;
        Ok(answer)
    })
    .await
    .unwrap();
    let answer = sent.unwrap_or_else(|e| panic!("the client must write all 30 MiB and read the answer, but: {e}"));
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "the client reads a 413, got {answer:?}");
    assert!(answer.to_ascii_lowercase().contains("connection: close"), "the 413 says the connection closes");

    h.flush().await;
    let page = h.api_get("/api/deliveries").await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "the refused upload is recorded once");
    assert_eq!(items[0]["status"], 413, "the record shows the 413 sent");
    assert_eq!(items[0]["truncated"], true, "the record is marked truncated");
    assert_eq!(items[0]["body_size"], size as u64, "the declared size is recorded");
    let kept = h.api_bytes(&format!("/api/deliveries/{}/body", items[0]["id"].as_str().unwrap())).await;
    assert_eq!(kept.len(), hookscope::capture::TRUNCATED_KEEP, "the first 64 KiB are kept");
    assert!(kept.iter().all(|&b| b == b'a'), "the kept prefix is the sent bytes");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_oversized_upload_gets_its_413_and_is_closed_after_the_linger_idle() {
    let h = Harness::start_with(|c| {
        c.capture.max_body = 1024 * 1024;
        c.capture.linger_idle = Duration::from_millis(200);
    })
    .await;
    let mut stream = TcpStream::connect(h.capture).await.unwrap();
    let head = format!("POST /stalled HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n", 30 * 1024 * 1024);
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&vec![b'a'; 2 * 1024 * 1024]).await.expect("the part sent is drained, so writing it succeeds");
    let started = std::time::Instant::now();
    let (answer, end) = read_until_closed(&mut stream, Duration::from_secs(10)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "the stalled sender gets the 413, got {answer:?}");
    assert!(end.is_ok(), "all it sent was drained, so it sees a clean close, not a reset: {end:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "closed soon after 200 ms of silence, not held open: {:?}",
        started.elapsed()
    );
    h.flush().await;
    let page = h.api_get("/api/deliveries").await;
    assert_eq!(page["items"][0]["truncated"], true, "the stalled upload is recorded, truncated");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trickling_oversized_upload_is_closed_after_the_linger_timeout() {
    let h = Harness::start_with(|c| {
        c.capture.max_body = 1024 * 1024;
        c.capture.linger_timeout = Duration::from_millis(500);
    })
    .await;
    let stream = TcpStream::connect(h.capture).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let head = format!("POST /trickle HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n", 30 * 1024 * 1024);
    writer.write_all(head.as_bytes()).await.unwrap();
    writer.write_all(&vec![b'a'; 2 * 1024 * 1024]).await.unwrap();
    let started = std::time::Instant::now();
    // A sender that never pauses long enough for the idle bound to end it.
    let trickle = tokio::spawn(async move {
        while started.elapsed() < Duration::from_secs(10) {
            if writer.write_all(&[b'a'; 1024]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let (answer, _) = read_until_closed(&mut reader, Duration::from_secs(10)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "the trickling sender gets the 413, got {answer:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the connection ends at the 500 ms linger bound, not when the sender stops: {:?}",
        started.elapsed()
    );
    trickle.abort();
}

/// Reads until the server closes (`Ok`) or resets (`Err`) the connection.
async fn read_until_closed(
    stream: &mut (impl AsyncReadExt + Unpin),
    within: Duration,
) -> (Vec<u8>, std::io::Result<()>) {
    let mut answer = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let read = tokio::time::timeout(within, stream.read(&mut chunk)).await;
        match read.expect("the server closes the connection in time") {
            Ok(0) => return (answer, Ok(())),
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
            Err(e) => return (answer, Err(e)),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_store_answers_503_and_never_acks_what_it_did_not_keep() {
    // SQLite's max_page_count gives a real SQLITE_FULL without a small disk.
    let h = Harness::start_with(|c| c.store.max_db_bytes = Some(2 * 1024 * 1024)).await;
    let mut acked = Vec::new();
    let mut refused = 0;
    for i in 0..400 {
        let body = vec![b'0' + (i % 10) as u8; 20 * 1024];
        let resp = h.http.post(h.capture_url(&format!("/fill/{i}"))).body(body.clone()).send().await.unwrap();
        let status = resp.status().as_u16();
        if status == 503 {
            assert_eq!(
                resp.headers().get("retry-after").and_then(|v| v.to_str().ok()),
                Some("5"),
                "a 503 tells the sender when to retry"
            );
            refused += 1;
        } else {
            let (status, id) = crate::support::ack(resp).await;
            assert_eq!(status, 200, "anything not refused is acked");
            acked.push((id.unwrap(), body));
        }
    }
    assert!(refused > 0, "the cap must be reached within 8 MB of posts");
    assert!(!acked.is_empty(), "some deliveries fit before the cap");
    for (id, body) in &acked {
        let stored = h.api_bytes(&format!("/api/deliveries/{id}/body")).await;
        assert!(&stored == body, "every acked delivery is stored exactly ({id})");
    }
    let stats = h.api_get("/api/stats").await;
    assert_eq!(stats["count"], acked.len() as u64, "the store holds exactly the acked deliveries");
    let conn = rusqlite::Connection::open(h.db_path()).unwrap();
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok", "a refused write leaves the database intact");
}

#[tokio::test(flavor = "multi_thread")]
async fn api_paths_on_the_capture_port_are_captured_not_answered() {
    let h = Harness::start().await;
    for path in ["/api/deliveries", "/api/openapi.json", "/api/login?ticket=x", "/"] {
        let resp = h.http.get(h.capture_url(path)).bearer_auth(h.token()).send().await.unwrap();
        let (status, id) = crate::support::ack(resp).await;
        assert_eq!(status, 200, "{path} on the capture port is a delivery");
        let id = id.expect("acked with a delivery id, not API data");
        let d = h.api_get(&format!("/api/deliveries/{id}")).await;
        assert_eq!(d["method"], "GET");
        assert_eq!(d["path"], path.split('?').next().unwrap(), "stored as a delivery to {path}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_client_is_cut_off_at_the_header_timeout() {
    let h = Harness::start_with(|c| c.capture.header_timeout = Duration::from_millis(300)).await;
    let mut stream = TcpStream::connect(h.capture).await.unwrap();
    stream.write_all(b"POST /slow HTTP/1.1\r\nHost: x\r\nX-Drip: ").await.unwrap();
    let mut buf = [0u8; 1024];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await;
    let n = read.expect("the server must act within 5 s").unwrap_or(0);
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(n == 0 || answer.starts_with("HTTP/1.1 408"), "closed or 408 after the header timeout, got {answer:?}");
    // The listener is still serving others.
    let (status, _) = h.post("/after-slow", b"ok".to_vec()).await;
    assert_eq!(status, 200, "other clients are unaffected");
}

#[tokio::test(flavor = "multi_thread")]
async fn too_many_headers_are_refused_without_storing() {
    let h = Harness::start_with(|c| c.capture.max_headers = 20).await;
    let mut req = String::from("POST /many HTTP/1.1\r\nHost: x\r\n");
    for i in 0..50 {
        req.push_str(&format!("X-H{i}: v\r\n"));
    }
    req.push_str("Content-Length: 0\r\n\r\n");
    let mut stream = TcpStream::connect(h.capture).await.unwrap();
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await.unwrap().unwrap_or(0);
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(!answer.starts_with("HTTP/1.1 2"), "no 2xx for a request over the header cap: {answer:?}");
    h.flush().await;
    assert_eq!(h.api_get("/api/stats").await["count"], 0, "nothing stored for a refused head");
}
