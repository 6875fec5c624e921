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
