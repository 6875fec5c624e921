//! Export and import with real files and processes: a HAR into a fresh
//! database, a cURL export run by bash and a raw export sent over a socket
//! against a live capture port, broken files that import nothing.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::{Harness, raw_request};

fn hookscope(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hookscope"));
    c.env("HOOKSCOPE_HOME", home);
    c
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn every_byte() -> Vec<u8> {
    let mut b: Vec<u8> = (0..=255u8).collect();
    b.extend_from_slice(b"'\"$HOME `id` $(id)\n\\");
    b
}

/// Sends `head` + `body` as one raw request with a Content-Length.
async fn send(h: &Harness, head: &str, body: &[u8]) -> String {
    let mut req = format!("{head}Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    req.extend_from_slice(body);
    let (status, _, answer) = raw_request(h.capture, &req).await;
    assert_eq!(status, 200, "{head}");
    let v: Value = serde_json::from_slice(&answer).unwrap();
    v["id"].as_str().unwrap().to_owned()
}

/// What must survive a round trip, per delivery.
fn request_of(d: &Value) -> (String, String, Option<String>, Value, String) {
    (
        d["method"].as_str().unwrap().into(),
        d["path"].as_str().unwrap().into(),
        d["query"].as_str().map(str::to_owned),
        d["headers"].clone(),
        d["body"].as_str().unwrap().into(),
    )
}

fn all_deliveries(home: &Path, db: &Path) -> Vec<Value> {
    let out = hookscope(home).args(["export", "--format", "ndjson", "--db"]).arg(db).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

async fn seed(h: &Harness) -> Vec<String> {
    let mut ids = Vec::new();
    let host = format!("Host: {}\r\n", h.capture);
    ids.push(send(h, &format!("POST /bin/all?x=1&y=%20 HTTP/1.1\r\n{host}Content-Type: application/octet-stream\r\nX-Repeat: a\r\nx-repeat: b\r\n"), &every_byte()).await);
    ids.push(
        send(
            h,
            &format!("POST /gz HTTP/1.1\r\n{host}Content-Type: application/json\r\nContent-Encoding: gzip\r\n"),
            &gzip(b"{\"zipped\":true}"),
        )
        .await,
    );
    ids.push(send(h, &format!("DELETE /empty HTTP/1.1\r\n{host}X-Empty: \r\n"), b"").await);
    ids.push(
        send(
            h,
            &format!("POST /latin1 HTTP/1.1\r\n{host}Content-Type: text/plain; charset=latin1\r\n"),
            b"caf\xe9 \xff",
        )
        .await,
    );
    ids.push(
        send(
            h,
            &format!("PUT /text HTTP/1.1\r\n{host}X-Quote: it's \"$HOME\" `id`\r\nContent-Type: text/plain\r\n"),
            b"line one\n'$HOME' `id` \"q\"\r\nlast",
        )
        .await,
    );
    h.flush().await;
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_har_export_imports_into_a_fresh_database_unchanged() {
    let h = Harness::start().await;
    seed(&h).await;
    let har = h.dir.path().join("all.har");
    let out = hookscope(h.dir.path())
        .args(["export", "--format", "har", "-o"])
        .arg(&har)
        .arg("--db")
        .arg(h.db_path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // HAR 1.2's structure: what DevTools needs to open it.
    let doc: Value = serde_json::from_slice(&std::fs::read(&har).unwrap()).unwrap();
    assert_eq!(doc["log"]["version"], "1.2");
    assert!(doc["log"]["creator"]["name"].is_string());
    let entries = doc["log"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 5);
    for e in entries {
        assert!(e["startedDateTime"].as_str().unwrap().ends_with('Z'));
        assert!(e["time"].is_number() && e["cache"].is_object() && e["timings"]["send"].is_number());
        for key in ["method", "url", "httpVersion"] {
            assert!(e["request"][key].is_string(), "request.{key}");
        }
        for key in ["cookies", "headers", "queryString"] {
            assert!(e["request"][key].is_array(), "request.{key}");
        }
        assert!(e["request"]["headersSize"].is_number() && e["request"]["bodySize"].is_number());
        assert!(e["response"]["status"].is_number() && e["response"]["content"]["mimeType"].is_string());
        assert!(e["_id"].as_str().unwrap().starts_with("dlv_"));
    }
    assert_eq!(entries[0]["request"]["postData"]["_encoding"], "base64", "binary bodies go as base64");

    let fresh = h.dir.path().join("fresh.db");
    let out = hookscope(h.dir.path()).arg("import").arg(&har).arg("--json").arg("--db").arg(&fresh).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((report["format"].as_str(), report["count"].as_u64()), (Some("har"), Some(5)));

    let before: Vec<_> = all_deliveries(h.dir.path(), &h.db_path()).iter().map(request_of).collect();
    let after: Vec<_> = all_deliveries(h.dir.path(), &fresh).iter().map(request_of).collect();
    assert_eq!(after, before, "method, path, query, headers (order, case, repeats) and body bytes");
    let imported = all_deliveries(h.dir.path(), &fresh);
    let d = h.api_get("/api/deliveries?limit=1").await;
    assert!(d["items"].is_array());
    assert!(imported.iter().all(|d| d["source"] == "har"), "marked as imported, with the source");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_curl_export_run_by_bash_and_a_raw_export_sent_over_a_socket_reproduce_each_delivery() {
    let h = Harness::start().await;
    let ids = seed(&h).await;
    let headers_of = |d: &Value| -> BTreeMap<String, Vec<String>> {
        let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for x in d["headers"].as_array().unwrap() {
            m.entry(x["name"].as_str().unwrap().to_owned()).or_default().push(x["value"].as_str().unwrap().to_owned());
        }
        m
    };
    for id in &ids {
        let original = h.api_get(&format!("/api/deliveries/{id}")).await;
        // cURL, run by bash.
        let script = h
            .http
            .get(h.api_url(&format!("/api/export?format=curl&ids={id}")))
            .bearer_auth(h.token())
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let text = String::from_utf8(script.to_vec()).expect("a cURL export is text");
        let out = tokio::task::spawn_blocking(move || Command::new("bash").arg("-c").arg(text).output())
            .await
            .unwrap()
            .unwrap();
        assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&script), String::from_utf8_lossy(&out.stderr));
        let again: Value = serde_json::from_slice(&out.stdout).unwrap();
        let copy = h.api_get(&format!("/api/deliveries/{}", again["id"].as_str().unwrap())).await;
        assert_eq!(
            copy["body"],
            original["body"],
            "curl: the body byte for byte ({id})\n{}",
            String::from_utf8_lossy(&script)
        );
        assert_eq!(
            (&copy["method"], &copy["path"], &copy["query"]),
            (&original["method"], &original["path"], &original["query"])
        );
        assert_eq!(headers_of(&copy), headers_of(&original), "curl: every header, nothing added");

        // Raw, over a socket.
        let raw = h
            .http
            .get(h.api_url(&format!("/api/export?format=raw&ids={id}")))
            .bearer_auth(h.token())
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let (status, _, answer) = raw_request(h.capture, &raw).await;
        assert_eq!(status, 200);
        let again: Value = serde_json::from_slice(&answer).unwrap();
        let copy = h.api_get(&format!("/api/deliveries/{}", again["id"].as_str().unwrap())).await;
        assert_eq!(copy["body"], original["body"], "raw: the body byte for byte");
        assert_eq!(copy["headers"], original["headers"], "raw: headers in order, case and repeats");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_file_imports_nothing_and_says_where_it_broke() {
    let h = Harness::start().await;
    seed(&h).await;
    let before = all_deliveries(h.dir.path(), &h.db_path()).len();
    let entry = r#"{"startedDateTime":"2026-12-01T10:00:00Z","time":1,"request":{"method":"POST","url":"http://x/a","httpVersion":"HTTP/1.1","headers":[],"queryString":[],"cookies":[],"headersSize":-1,"bodySize":0},"response":{"status":200,"headers":[],"content":{"size":0,"mimeType":""}},"cache":{},"timings":{}}"#;
    let cases = [
        (
            format!(r#"{{"log":{{"version":"1.2","entries":[{entry},{entry},{{"request":{{"method":"GET"}}}}]}}}}"#),
            "entry 3",
        ),
        (format!(r#"{{"log":{{"version":"1.2","entries":[{entry},{entry}"#), "line"),
        ("POST /x HTTP/1.1\r\nContent-Length: 99\r\n\r\nshort".to_owned(), "Content-Length says 99"),
    ];
    for (text, at) in cases {
        let file = h.dir.path().join("broken");
        std::fs::write(&file, &text).unwrap();
        // Through the running instance, as a user would.
        let out = hookscope(h.dir.path()).arg("import").arg(&file).arg("--db").arg(h.db_path()).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(at) && stderr.lines().count() == 1, "one line naming where: {stderr}");
        assert!(out.stdout.is_empty());
    }
    h.flush().await;
    assert_eq!(all_deliveries(h.dir.path(), &h.db_path()).len(), before, "nothing was imported");

    // A good one through the running instance shows up, marked imported.
    let file = h.dir.path().join("one.http");
    std::fs::write(&file, "POST /imported?z=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi").unwrap();
    let out = hookscope(h.dir.path()).arg("import").arg(&file).arg("--db").arg(h.db_path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let id = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let d = h.api_get(&format!("/api/deliveries/{id}")).await;
    assert_eq!(
        (d["path"].as_str(), d["query"].as_str(), d["source"].as_str()),
        (Some("/imported"), Some("z=1"), Some("raw"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triggered_samples_arrive_verified_for_every_provider() {
    let h = Harness::start().await;
    let providers =
        ["stripe", "github", "gitlab", "slack", "discord", "paypal", "standard-webhooks", "shopify", "twilio"];
    for provider in providers {
        let out =
            hookscope(h.dir.path()).args(["trigger", provider, "--json", "--db"]).arg(h.db_path()).output().unwrap();
        assert!(out.status.success(), "{provider}: {}", String::from_utf8_lossy(&out.stderr));
        let t: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(t["status"], 200, "{provider}: {t}");
        assert_eq!(t["endpoint_created"], format!("/{provider}"), "the endpoint is set up on first use");
        let id: Value = serde_json::from_str(t["response"].as_str().unwrap()).unwrap();
        let report = h.api_get(&format!("/api/deliveries/{}/inspection", id["id"].as_str().unwrap())).await;
        assert_eq!(report["verdict"]["kind"], "valid", "{provider} verifies in Hookscope: {report}");
    }
    // A second one uses the endpoint's secret and sets nothing up.
    let out = hookscope(h.dir.path())
        .args(["trigger", "github", "pull_request", "--json", "--db"])
        .arg(h.db_path())
        .output()
        .unwrap();
    let t: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((t["event"].as_str(), t["endpoint_created"].is_null()), (Some("pull_request"), true), "{t}");
    let list = hookscope(h.dir.path()).args(["trigger", "--list"]).output().unwrap();
    assert!(String::from_utf8_lossy(&list.stdout).contains("payment_intent.succeeded"));
}
