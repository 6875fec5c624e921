//! A real Hookscope (store, capture listener, control API) on ephemeral
//! loopback ports in a temporary folder, and small clients to talk to it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use hookscope::app::{Running, ServeConfig, start};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub struct Harness {
    pub dir: TempDir,
    pub running: Running,
    pub capture: SocketAddr,
    pub api: SocketAddr,
    pub http: reqwest::Client,
}

impl Harness {
    pub async fn start() -> Harness {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(configure: impl FnOnce(&mut ServeConfig)) -> Harness {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let mut config = ServeConfig::new(dir.path().join("hookscope.db"));
        config.token_path = dir.path().join("token");
        config.capture.addr = "127.0.0.1:0".parse().unwrap();
        config.api_addr = "127.0.0.1:0".parse().unwrap();
        configure(&mut config);
        let running = start(config).await.expect("hookscope starts");
        let capture = running.capture.local_addr();
        let api = running.api_server.local_addr();
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        Harness { dir, running, capture, api, http }
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("hookscope.db")
    }

    pub fn capture_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.capture)
    }

    pub fn api_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.api)
    }

    pub fn token(&self) -> &str {
        self.running.auth.token()
    }

    /// An authorised GET on the control API, decoded as JSON.
    pub async fn api_get(&self, path: &str) -> serde_json::Value {
        let resp = self.http.get(self.api_url(path)).bearer_auth(self.token()).send().await.expect("API reachable");
        assert!(resp.status().is_success(), "GET {path} must succeed, got {}", resp.status());
        resp.json().await.expect("JSON")
    }

    pub async fn api_bytes(&self, path: &str) -> Vec<u8> {
        let resp = self.http.get(self.api_url(path)).bearer_auth(self.token()).send().await.expect("API reachable");
        assert!(resp.status().is_success(), "GET {path} must succeed, got {}", resp.status());
        resp.bytes().await.expect("body").to_vec()
    }

    /// POSTs a body to the capture port; returns the status and the id acked.
    pub async fn post(&self, path: &str, body: Vec<u8>) -> (u16, Option<String>) {
        let resp = self.http.post(self.capture_url(path)).body(body).send().await.expect("capture reachable");
        ack(resp).await
    }

    pub async fn flush(&self) {
        self.running.api.store().flush().await.expect("the store settles");
    }
}

pub async fn ack(resp: reqwest::Response) -> (u16, Option<String>) {
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    let id =
        serde_json::from_str::<serde_json::Value>(&text).ok().and_then(|v| v.get("id")?.as_str().map(str::to_owned));
    (status, id)
}

/// Writes raw bytes to a socket and reads one response: (status, headers, body).
pub async fn raw_request(addr: SocketAddr, request: &[u8]) -> (u16, String, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request).await.expect("write");
    read_response(&mut stream).await
}

pub async fn read_response(stream: &mut TcpStream) -> (u16, String, Vec<u8>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk))
            .await
            .expect("a response in time")
            .expect("read");
        assert!(n > 0, "connection closed before a response head: {:?}", String::from_utf8_lossy(&buf));
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let status: u16 = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("a status line");
    let length: usize = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await.expect("read");
        assert!(n > 0, "connection closed mid-body");
        buf.extend_from_slice(&chunk[..n]);
    }
    (status, head, buf[head_end..head_end + length].to_vec())
}

/// The 1.5 KB JSON event the benchmarks also send.
pub fn sample_event(n: usize) -> Vec<u8> {
    let pad = "x".repeat(1200);
    format!(
        r#"{{"id":"evt_{n:08}","type":"payment_intent.succeeded","data":{{"object":{{"amount":{n},"pad":"{pad}"}}}}}}"#
    )
    .into_bytes()
}

/// A delivery as the capture listener would hand it to the store.
pub fn new_delivery(path: &str, headers: &[u8], body: &[u8], content_type: &str) -> hookscope::model::NewDelivery {
    hookscope::model::NewDelivery {
        received_at_us: 1_700_000_000_000_000,
        method: "POST".into(),
        path: path.into(),
        query: None,
        http_version: "HTTP/1.1".into(),
        remote_addr: Some("127.0.0.1:1".into()),
        headers: headers.to_vec(),
        body: body.to_vec(),
        body_size: body.len() as u64,
        truncated: false,
        content_type: Some(content_type.into()),
        duration_us: 5,
        response: hookscope::model::Response::Ack { status: 200 },
        source: None,
        tls: false,
    }
}

/// `hookscope serve` in its own process on ephemeral ports (`extra` adds
/// flags), and the capture URL it printed.
pub fn spawn_serve(db: &std::path::Path, home: &std::path::Path, extra: &[&str]) -> (std::process::Child, String) {
    use std::io::BufRead as _;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hookscope"))
        .args(["serve", "--capture", "127.0.0.1:0", "--api", "127.0.0.1:0"])
        .args(extra)
        .arg("--db")
        .arg(db)
        .env("HOOKSCOPE_HOME", home)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("serve starts");
    let capture = std::io::BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("Capture").map(|r| r.split_whitespace().next().unwrap().to_owned()))
        .expect("serve prints its capture URL");
    (child, capture)
}
