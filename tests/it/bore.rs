//! A real tunnel end to end: `bore server` and the `bore local` that
//! `hookscope serve --tunnel bore` starts, both on loopback. bore's control
//! port is fixed (7835), so every bore scenario is in this one test.

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The bore binary: on PATH, or where `cargo install bore-cli` puts it.
fn bore() -> PathBuf {
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|c| c.join("bin").join("bore"));
    hookscope::tunnel::find_program("bore")
        .or(cargo_bin.filter(|p| p.exists()))
        .expect("this test needs bore: `cargo install bore-cli` (.ci/run installs it)")
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A `serve` whose stdout lines arrive on a channel.
struct Serve {
    child: Child,
    lines: mpsc::Receiver<String>,
    api: String,
    token: String,
    capture: String,
}

/// A test that fails midway must not leave its `serve` (and so its bore) running.
impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    fn start(db: &Path, home: &Path, path_env: &str, extra: &[&str]) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hookscope"))
            .args(["serve", "--capture", "127.0.0.1:0", "--api", "127.0.0.1:0", "--db"])
            .arg(db)
            .args(extra)
            .env("HOOKSCOPE_HOME", home)
            .env("PATH", path_env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve starts");
        let (tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut s = Serve { child, lines, api: String::new(), token: String::new(), capture: String::new() };
        // In the order serve prints them.
        s.capture = s.field("Capture");
        s.api = s.field("API");
        s.token = s.field("Token");
        s
    }

    /// The first word after `label` in the next line that starts with it.
    fn field(&self, label: &str) -> String {
        self.line_starting(label).split_whitespace().nth(1).unwrap().to_owned()
    }

    fn line_starting(&self, label: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if line.starts_with(label) => return line,
                Ok(_) => {}
                Err(_) => break,
            }
        }
        panic!("serve never printed a {label} line");
    }

    async fn get(&self, path: &str) -> Value {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        client.get(format!("{}{path}", self.api)).bearer_auth(&self.token).send().await.unwrap().json().await.unwrap()
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let resp =
            client.post(format!("{}{path}", self.api)).bearer_auth(&self.token).json(&body).send().await.unwrap();
        (resp.status().as_u16(), resp.json().await.unwrap())
    }

    /// The tunnel status once `ok` holds (20 s at most).
    async fn tunnel_when(&self, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let t = self.get("/api/tunnel").await;
            if ok(&t) {
                return t;
            }
            assert!(Instant::now() < deadline, "the tunnel never got {what}: {t}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Whether `pid` is a live process (a zombie waiting to be reaped is not).
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

fn gone_soon(pid: u32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if !alive(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

async fn send_through(public_url: &str, path: &str) -> (u16, Value) {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let resp = client
        .post(format!("{public_url}{path}"))
        .header("content-type", "application/json")
        .body(r#"{"through":"bore"}"#)
        .send()
        .await
        .expect("the public URL answers");
    (resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_starts_a_bore_tunnel_supervises_it_and_leaves_no_process_behind() {
    let bore = bore();
    let bin_dir = bore.parent().unwrap().to_owned();
    let path_env = format!("{}:/usr/bin:/bin", bin_dir.display());
    let _server = Killed(
        Command::new(&bore)
            .args(["server", "--bind-addr", "127.0.0.1", "--min-port", "42000", "--max-port", "42999"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("bore server starts"),
    );
    let mut server = _server;
    std::thread::sleep(Duration::from_millis(300));
    assert!(server.0.try_wait().unwrap().is_none(), "bore server exited: is port 7835 taken by another bore?");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bore.db");

    // 1. `serve --tunnel bore`: the public URL is printed, in the API, and works.
    let s = Serve::start(&db, dir.path(), &path_env, &["--tunnel", "bore", "--bore-to", "127.0.0.1"]);
    let printed = s.field("Public");
    assert!(printed.starts_with("http://127.0.0.1:42"), "{printed}");
    let t = s.tunnel_when("up", |t| t["state"] == "up").await;
    assert_eq!((t["kind"].as_str(), t["managed"].as_bool()), (Some("bore"), Some(true)), "{t}");
    assert_eq!(t["public_url"], printed.as_str());
    assert_eq!(s.get("/api/info").await["public_url"], printed.as_str());
    let (status, ack) = send_through(&printed, "/through/bore?x=1").await;
    assert_eq!(status, 200, "{ack}");
    let id = ack["id"].as_str().unwrap().to_owned();
    let stored = s.get(&format!("/api/deliveries/{id}")).await;
    assert_eq!(stored["path"], "/through/bore", "{stored}");
    assert!(s.capture.starts_with("http://127.0.0.1:"));

    // 2. The tool dies: reconnecting, restarted with backoff, up again (a new port, noticed).
    let first_pid = t["pid"].as_u64().unwrap() as u32;
    assert!(alive(first_pid));
    Command::new("kill").args(["-9", &first_pid.to_string()]).status().unwrap();
    s.tunnel_when("reconnecting", |t| t["state"] == "reconnecting").await;
    let t = s.tunnel_when("up again", |t| t["state"] == "up" && t["pid"].as_u64() != Some(first_pid as u64)).await;
    assert_eq!(t["restarts"], 1, "{t}");
    let second_url = t["public_url"].as_str().unwrap().to_owned();
    if second_url != printed {
        assert_eq!(t["previous_url"], printed.as_str(), "a new URL remembers the old one: {t}");
    }
    assert_eq!(send_through(&second_url, "/again").await.0, 200);

    // 3. Stopped from the API (the window's button): the tool exits; started again from it.
    let second_pid = t["pid"].as_u64().unwrap() as u32;
    let (status, stopped) = s.post("/api/tunnel/stop", json!({})).await;
    assert_eq!((status, stopped["state"].as_str(), stopped["managed"].as_bool()), (200, Some("none"), Some(false)));
    assert!(gone_soon(second_pid), "stopping the tunnel stops bore");
    let (status, started) = s.post("/api/tunnel/start", json!({"kind": "bore", "bore_to": "127.0.0.1"})).await;
    assert_eq!(status, 200, "{started}");
    let t = s.tunnel_when("up from the API", |t| t["state"] == "up").await;
    let third_pid = t["pid"].as_u64().unwrap() as u32;
    let (status, err) = s.post("/api/tunnel/start", json!({"kind": "frp"})).await;
    assert_eq!((status, err["code"].as_str()), (400, Some("invalid_argument")), "{err}");

    // 4. `serve` stops (SIGTERM): so does bore.
    let mut s = s;
    Command::new("kill").args(["-TERM", &s.child.id().to_string()]).status().unwrap();
    assert!(s.child.wait().unwrap().success());
    drop(s);
    assert!(gone_soon(third_pid), "bore outlived serve");

    // 5. `serve` is killed (SIGKILL): the kernel ends bore too.
    let s = Serve::start(&db, dir.path(), &path_env, &["--tunnel", "bore", "--bore-to", "127.0.0.1"]);
    s.field("Public");
    let pid = s.tunnel_when("up", |t| t["state"] == "up").await["pid"].as_u64().unwrap() as u32;
    let mut s = s;
    s.child.kill().unwrap();
    s.child.wait().unwrap();
    drop(s);
    assert!(gone_soon(pid), "bore outlived a killed serve");

    // 6. A tool that is not installed: one clear line, and nothing starts.
    let out = Command::new(env!("CARGO_BIN_EXE_hookscope"))
        .args(["serve", "--capture", "127.0.0.1:0", "--api", "127.0.0.1:0", "--tunnel", "cloudflared", "--db"])
        .arg(dir.path().join("none.db"))
        .env("HOOKSCOPE_HOME", dir.path())
        .env("PATH", &path_env)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cloudflared is not installed: install cloudflared"), "{stderr}");
    assert!(!dir.path().join("none.db").exists(), "nothing started");
}
