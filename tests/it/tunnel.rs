//! Tunnel detection against a local stand-in for the ngrok agent API that
//! serves the documented `/api/tunnels` JSON.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::routing::get;
use serde_json::{Value, json};

async fn stand_in(answer: Arc<Mutex<Value>>) -> std::net::SocketAddr {
    let app = axum::Router::new()
        .route(
            "/api/tunnels",
            get(|State(a): State<Arc<Mutex<Value>>>| async move { axum::Json(a.lock().unwrap().clone()) }),
        )
        .with_state(answer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn tunnels(url: &str, capture_port: u16) -> Value {
    json!({"tunnels": [
        {"name": "command_line", "uri": "/api/tunnels/command_line", "public_url": url, "proto": "https",
         "config": {"addr": format!("http://localhost:{capture_port}"), "inspect": true}, "metrics": {}},
        {"name": "other", "uri": "/api/tunnels/other", "public_url": "https://someone-else.ngrok-free.app", "proto": "https",
         "config": {"addr": "http://localhost:3000", "inspect": true}, "metrics": {}}
    ], "uri": "/api/tunnels"})
}

fn run(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_hookscope")).args(args).output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tunnel_for_the_capture_port_is_found_and_followed() {
    let answer = Arc::new(Mutex::new(tunnels("https://first.ngrok-free.app", 18787)));
    let api = format!("http://{}", stand_in(answer.clone()).await);
    let ask = |capture: &str| {
        let api = api.clone();
        let capture = capture.to_owned();
        tokio::task::spawn_blocking(move || run(&["tunnel", "--capture", &capture, "--ngrok-api", &api, "--json"]))
    };
    let out = ask("127.0.0.1:18787").await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let found: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(found.as_array().unwrap().len(), 1, "not the tunnel for another port: {found}");
    assert_eq!(found[0]["public_url"], "https://first.ngrok-free.app");
    assert_eq!(found[0]["kind"], "ngrok");

    // The agent restarted with a new URL.
    *answer.lock().unwrap() = tunnels("https://second.ngrok-free.app", 18787);
    let found: Value = serde_json::from_slice(&ask("127.0.0.1:18787").await.unwrap().stdout).unwrap();
    assert_eq!(found[0]["public_url"], "https://second.ngrok-free.app");

    // Nothing points at this port: exit 1 and one line.
    let out = ask("127.0.0.1:18999").await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no tunnel points at 127.0.0.1:18999"), "{stderr}");
}

/// `serve --https`: a certificate made on first use (key 0600) and reused,
/// a delivery over TLS that `curl --cacert` trusts and that records TLS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_capture_with_a_certificate_made_on_first_use() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tls.db");
    let info = |db: &std::path::Path, home: &std::path::Path| -> Value {
        let record: Value =
            serde_json::from_str(&std::fs::read_to_string(hookscope::app::instance_path(db)).unwrap()).unwrap();
        let token = std::fs::read_to_string(home.join("token")).unwrap();
        let out = std::process::Command::new("curl")
            .args(["-sS", "-H", &format!("Authorization: Bearer {}", token.trim())])
            .arg(format!("{}/api/info", record["api_url"].as_str().unwrap()))
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let (child, _) = crate::support::spawn_serve(&db, dir.path(), &["--https", "127.0.0.1:0"]);
    let mut child = KillOnDrop(child);
    let first = info(&db, dir.path());
    let https = first["https_url"].as_str().unwrap().to_owned();
    let cert = dir.path().join("tls/cert.pem");
    assert_eq!(first["tls_certificate"], cert.display().to_string());
    let fingerprint = first["tls_fingerprint"].as_str().unwrap().to_owned();
    assert_eq!(fingerprint.len(), 32 * 3 - 1, "SHA-256 as AB:CD:…: {fingerprint}");
    // The window offers the certificate file: the API serves it.
    let record: Value =
        serde_json::from_str(&std::fs::read_to_string(hookscope::app::instance_path(&db)).unwrap()).unwrap();
    let token = std::fs::read_to_string(dir.path().join("token")).unwrap();
    let served = run_curl(&[
        "-sS",
        "-H",
        &format!("Authorization: Bearer {}", token.trim()),
        &format!("{}/api/tls/certificate", record["api_url"].as_str().unwrap()),
    ]);
    assert_eq!(String::from_utf8_lossy(&served.stdout), std::fs::read_to_string(&cert).unwrap());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join("tls/key.pem")).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the key is private");
    }

    let untrusted = run_curl(&["-sS", "-d", "x", &format!("{https}/secure")]);
    assert!(!untrusted.status.success(), "a self-signed certificate is not trusted without --cacert");
    let out = run_curl(&[
        "-sS",
        "--cacert",
        cert.to_str().unwrap(),
        "-d",
        "{\"over\":\"tls\"}",
        &format!("{https}/secure?x=1"),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ack: Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = ack["id"].as_str().unwrap();
    let shown = std::process::Command::new(env!("CARGO_BIN_EXE_hookscope"))
        .args(["show", id, "--json", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let d: Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!((d["path"].as_str(), d["tls"].as_bool()), (Some("/secure"), Some(true)), "{d}");

    // 127.0.0.1 too (the certificate names it), and the printed fingerprint is the file's.
    let by_ip = https.replace("localhost", "127.0.0.1");
    let out = run_curl(&["-sS", "--cacert", cert.to_str().unwrap(), "-d", "{}", &format!("{by_ip}/by-ip")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let openssl = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(&cert)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&openssl.stdout);
    assert_eq!(said.trim().rsplit('=').next(), Some(fingerprint.as_str()), "{said}");

    // Plain HTTP on the TLS port: a readable 400, and nothing stored.
    let count = |db: &std::path::Path| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_hookscope"))
            .args(["list", "--json", "--db"])
            .arg(db)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).lines().count()
    };
    let before = count(&db);
    let plain = https.replace("https://", "http://");
    let out = run_curl(&["-sS", "-w", "\n%{http_code}", "-d", "{\"plain\":1}", &format!("{plain}/plain")]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.ends_with("\n400"), "{text}");
    assert!(text.contains("This port speaks HTTPS"), "{text}");
    assert_eq!(count(&db), before, "a plain request on the TLS port stores nothing");
    child.0.kill().unwrap();
    child.0.wait().unwrap();

    // Restarted: the same certificate.
    let (child, _) = crate::support::spawn_serve(&db, dir.path(), &["--https", "127.0.0.1:0"]);
    let _child = KillOnDrop(child);
    assert_eq!(info(&db, dir.path())["tls_fingerprint"], fingerprint.as_str(), "reused, not made again");
}

fn run_curl(args: &[&str]) -> std::process::Output {
    std::process::Command::new("curl").args(args).output().unwrap()
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_follows_the_ngrok_tunnel_and_notices_a_new_url() {
    let answer = Arc::new(Mutex::new(json!({"tunnels": []})));
    let api = format!("http://{}", stand_in(answer.clone()).await);
    let h = crate::support::Harness::start_with(move |c| {
        c.ngrok_api = Some(api);
        c.tunnel_poll = std::time::Duration::from_millis(50);
    })
    .await;
    assert_eq!(h.api_get("/api/tunnel").await["state"], "none");
    *answer.lock().unwrap() = tunnels("https://first.ngrok-free.app", h.capture.port());
    let wait_for = |url: &'static str| {
        let h = &h;
        async move {
            for _ in 0..100 {
                let t = h.api_get("/api/tunnel").await;
                if t["public_url"] == url {
                    return t;
                }
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            panic!("the tunnel never showed {url}");
        }
    };
    let t = wait_for("https://first.ngrok-free.app").await;
    assert_eq!((t["state"].as_str(), t["kind"].as_str()), (Some("up"), Some("ngrok")));
    assert!(t["previous_url"].is_null());
    assert_eq!(h.api_get("/api/info").await["public_url"], "https://first.ngrok-free.app");
    *answer.lock().unwrap() = tunnels("https://second.ngrok-free.app", h.capture.port());
    let t = wait_for("https://second.ngrok-free.app").await;
    assert_eq!(t["previous_url"], "https://first.ngrok-free.app", "the change is remembered, for the warning");
    assert!(t["changed_at_us"].as_i64().unwrap() > 0);
}
