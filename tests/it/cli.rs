//! The `hookscope` binary: list and show read the database directly, also
//! while `serve` writes to it.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use hookscope::DeliveryId;
use hookscope::model::NewDelivery;
use hookscope::signature::{self, Provider, Secret, SignOptions, SignParts};
use hookscope::store::{Store, StoreConfig};

use crate::support::Harness;

fn hookscope(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hookscope"))
        .args(args)
        .env("HOOKSCOPE_HOME", std::env::temp_dir().join("hookscope-cli-test-home"))
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

#[tokio::test(flavor = "multi_thread")]
async fn list_and_show_read_the_live_database() {
    let h = Harness::start().await;
    let binary: Vec<u8> = (0..=255u8).rev().collect();
    let id = h.post("/cli/binary", binary.clone()).await.1.unwrap();
    let json_id = h.post("/cli/json", br#"{"a":1}"#.to_vec()).await.1.unwrap();
    let db = h.db_path();
    let db = db.to_str().unwrap();

    let list = hookscope(&["list", "--db", db, "--json"]);
    assert!(list.status.success(), "list succeeds: {}", String::from_utf8_lossy(&list.stderr));
    let rows: Vec<serde_json::Value> =
        String::from_utf8(list.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 2, "one JSON object per delivery");
    assert_eq!(rows[0]["id"], json_id.as_str(), "newest first");
    assert_eq!(rows[1]["id"], id.as_str());

    let body = hookscope(&["show", &id, "--db", db, "--body"]);
    assert!(body.status.success());
    assert_eq!(body.stdout, binary, "show --body writes exactly the body's bytes");

    let text = hookscope(&["show", &json_id, "--db", db]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("POST /cli/json HTTP/1.1") && text.contains(r#"{"a":1}"#),
        "show prints request and body: {text}"
    );
    let human = String::from_utf8(hookscope(&["list", "--db", db]).stdout).unwrap();
    assert!(human.contains("/cli/binary") && human.contains("256 B"), "list prints a readable table: {human}");
    // The columns line up: the path (any length) comes last, after fixed widths.
    let starts: Vec<usize> = human.lines().map(|l| l.find(" /cli/").expect("a path on every line")).collect();
    assert!(starts.windows(2).all(|w| w[0] == w[1]), "paths start in one column: {human}");
}

#[test]
fn errors_are_one_line_and_a_non_zero_exit() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.db");
    for (args, expect) in [
        (vec!["list", "--db", missing.to_str().unwrap()], "no database at"),
        (vec!["show", "dlv_bogus", "--db", missing.to_str().unwrap()], "not a delivery id"),
        (vec!["show", "dlv_0000000000001", "--db", missing.to_str().unwrap()], "no database at"),
    ] {
        let out = hookscope(&args);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?} exits 1");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: one line, no backtrace: {stderr}");
        assert!(stderr.contains(expect), "{args:?}: {stderr}");
    }
    assert!(!missing.exists(), "reading never creates a database");
}

/// A store with `deliveries` committed and closed, for the binary to read.
async fn stored(deliveries: Vec<NewDelivery>) -> (tempfile::TempDir, PathBuf, Vec<DeliveryId>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hookscope.db");
    let store = Store::open(StoreConfig::new(&path)).unwrap();
    let mut ids = Vec::new();
    for d in deliveries {
        ids.push(store.insert(d).await.unwrap());
    }
    drop(store);
    (dir, path, ids)
}

fn delivery(path: &str, headers: &[u8], body: &[u8]) -> NewDelivery {
    crate::support::new_delivery(path, headers, body, "text/plain")
}

#[tokio::test(flavor = "multi_thread")]
async fn list_limit_pages_past_the_stores_page_cap() {
    let many = (0..1200).map(|i| delivery(&format!("/page/{i}"), b"", b"x")).collect();
    let (_dir, db, _) = stored(many).await;
    let db = db.to_str().unwrap();

    let list = hookscope(&["list", "--db", db, "--limit", "1100", "--json"]);
    assert!(list.status.success(), "list succeeds: {}", String::from_utf8_lossy(&list.stderr));
    let ids: Vec<DeliveryId> = String::from_utf8(list.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(ids.len(), 1100, "--limit 1100 prints 1100 rows, past the store's page of 1000");
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first, each id once, across page boundaries");

    let all = hookscope(&["list", "--db", db, "--limit", "5000", "--json"]);
    assert_eq!(String::from_utf8(all.stdout).unwrap().lines().count(), 1200, "a larger limit stops at the last one");
}

/// Twilio signs the public URL; `verify --delivery` must rebuild it as the UI
/// does (the endpoint's public URL, else `Forwarded`, else `X-Forwarded-*`).
#[tokio::test(flavor = "multi_thread")]
async fn verify_delivery_rebuilds_the_public_url_as_the_ui_does() {
    let h = Harness::start().await;
    let db = h.db_path();
    let db = db.to_str().unwrap();
    let body = b"From=%2B15550001111&Body=hello";
    let post = |path: &'static str, signed_url: &'static str, extra: &'static [(&'static str, &'static str)]| {
        let h = &h;
        async move {
            let parts = SignParts { method: "POST", url: signed_url, body, now_s: 0, id: None, headers: &[] };
            let signed =
                signature::sign(Provider::Twilio, &Secret::new("tw-token"), &parts, &SignOptions::default()).unwrap();
            let mut req = h.http.post(h.capture_url(path)).body(body.to_vec());
            for (name, value) in
                signed.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).chain(extra.iter().copied())
            {
                req = req.header(name, value);
            }
            req = req.header("Content-Type", "application/x-www-form-urlencoded");
            crate::support::ack(req.send().await.unwrap()).await.1.expect("acked")
        }
    };
    let verify = |id: &str| {
        let out = hookscope(&[
            "verify",
            "--db",
            db,
            "--delivery",
            id,
            "--provider",
            "twilio",
            "--secret",
            "tw-token",
            "--json",
        ]);
        let verdict: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        (out.status.code(), verdict["evidence"]["url"].as_str().unwrap_or_default().to_owned(), verdict)
    };

    let forwarded = post(
        "/twilio/sms?x=1",
        "https://pub.example/twilio/sms?x=1",
        &[("Forwarded", "for=1.2.3.4;proto=https;host=pub.example"), ("X-Forwarded-Host", "a.example, b.example")],
    )
    .await;
    let listed =
        post("/twilio/list", "https://a.example/twilio/list", &[("X-Forwarded-Host", "a.example, b.example")]).await;
    for (id, url) in [(&forwarded, "https://pub.example/twilio/sms?x=1"), (&listed, "https://a.example/twilio/list")] {
        let (code, reported, verdict) = verify(id);
        assert_eq!(code, Some(0), "valid over the public URL {url}: {verdict}");
        assert_eq!(reported, url, "the URL reported is the one the sender signed");
        let ui = h.api_get(&format!("/api/deliveries/{id}/inspection")).await;
        assert_eq!(ui["signed_url"], reported.as_str(), "the CLI and the UI agree on the URL");
    }

    // The configured public URL of the longest matching endpoint wins over headers.
    for (prefix, url) in [("/", "https://wrong.example"), ("/tunneled", "https://tun.example/")] {
        let endpoint = serde_json::json!({"path_prefix": prefix, "secrets": [], "public_url": url});
        let resp = h.http.put(h.api_url("/api/endpoints")).bearer_auth(h.token()).json(&endpoint).send().await.unwrap();
        assert_eq!(resp.status(), 204, "the endpoint is saved");
    }
    let tunneled =
        post("/tunneled/sms", "https://tun.example/tunneled/sms", &[("X-Forwarded-Host", "other.example")]).await;
    let (code, reported, verdict) = verify(&tunneled);
    assert_eq!(code, Some(0), "valid over the endpoint's public URL: {verdict}");
    assert_eq!(reported, "https://tun.example/tunneled/sms", "the endpoint's public URL is used");
}

#[tokio::test(flavor = "multi_thread")]
async fn show_and_list_escape_terminal_controls_but_body_stays_raw() {
    // Set the window title, clear the screen, write the clipboard (OSC 52), a C1 CSI.
    let evil = "\x1b]0;pwned\x07\x1b[2J\x1b]52;c;cHduZWQ=\x07\u{9b}31m";
    let body = format!("before {evil} after\r\nline two\tTabbed\n");
    let headers = format!("X-Title: {evil}\r\nContent-Type: text/plain\r\n");
    let mut d = delivery(&format!("/evil{evil}"), headers.as_bytes(), body.as_bytes());
    d.query = Some(format!("q={evil}"));
    let (_dir, db, ids) = stored(vec![d]).await;
    let (db, id) = (db.to_str().unwrap(), ids[0].to_string());
    // Line ends (CRLF included) and tabs are harmless; every other control is not.
    let is_control = |s: &str| s.replace("\r\n", "\n").chars().any(|c| c.is_control() && c != '\n' && c != '\t');

    let text = hookscope(&["show", &id, "--db", db]);
    assert!(text.status.success(), "show succeeds: {}", String::from_utf8_lossy(&text.stderr));
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(!is_control(&text), "show writes no terminal control characters: {text:?}");
    assert!(text.contains(r"\x1b]0;pwned\x07"), "they are shown escaped: {text}");
    assert!(text.contains("after\r\nline two\tTabbed\n"), "the body's line ends and tabs stay: {text:?}");

    let list = String::from_utf8(hookscope(&["list", "--db", db]).stdout).unwrap();
    assert!(!is_control(&list), "list writes no terminal control characters: {list:?}");

    let raw = hookscope(&["show", &id, "--db", db, "--body"]);
    assert_eq!(raw.stdout, body.as_bytes(), "--body still writes exactly the body's bytes");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_instance_per_database_and_open_asks_it_for_a_sign_in_link() {
    let h = Harness::start().await;
    let db = h.db_path();
    let record =
        hookscope::app::read_instance(&hookscope::app::instance_path(&db)).expect("the instance records itself");
    assert_eq!(record.api_url, h.api_url(""), "with its control API");
    assert_eq!(record.pid, std::process::id());

    // A second instance on the same database is refused, and says where the first is.
    let second = Command::new(env!("CARGO_BIN_EXE_hookscope"))
        .args(["serve", "--capture", "127.0.0.1:0", "--api", "127.0.0.1:0", "--db", db.to_str().unwrap()])
        .env("HOOKSCOPE_HOME", h.dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!second.status.success(), "a second serve on the same database must not start");
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains("already runs") && stderr.contains(&h.api_url("")), "{stderr}");

    // `open` asks the running instance for a fresh one-time link.
    let open = || {
        Command::new(env!("CARGO_BIN_EXE_hookscope"))
            .args(["open", "--db", db.to_str().unwrap()])
            .env("HOOKSCOPE_HOME", h.dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let (first, again) = (open(), open());
    assert!(first.status.success(), "open succeeds: {}", String::from_utf8_lossy(&first.stderr));
    let link = String::from_utf8(first.stdout).unwrap().trim().to_owned();
    assert!(link.starts_with(&h.api_url("/api/login?ticket=")), "{link}");
    assert_ne!(link, String::from_utf8(again.stdout).unwrap().trim(), "each link is new");
    let client = reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    assert_eq!(client.get(&link).send().await.unwrap().status(), 303, "the link signs in");
    assert_eq!(client.get(&link).send().await.unwrap().status(), 401, "once");

    let path = hookscope::app::instance_path(&db);
    let Harness { running, dir, .. } = h;
    running.shutdown().await;
    assert!(!path.exists(), "the record goes when the instance stops");
    let none = Command::new(env!("CARGO_BIN_EXE_hookscope"))
        .args(["open", "--db", db.to_str().unwrap()])
        .env("HOOKSCOPE_HOME", dir.path())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&none.stderr).contains("no Hookscope runs on"), "open says when none runs");
}
