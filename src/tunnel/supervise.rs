//! Runs a tunnel tool (`ngrok`, `cloudflared`, `bore`) for the capture port
//! and keeps it running: its public URL is read from its output (ngrok's also
//! from its local API), it is restarted with backoff when it exits, and it
//! never outlives Hookscope — stopped with it, and killed by the kernel when
//! Hookscope is killed.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::watch;

use super::watch::{TunnelStatus, observe};
use super::{bore_url, cloudflared_url, find_tunnels};
use crate::error::{Error, Result};

/// The tools Hookscope can start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TunnelKind {
    Ngrok,
    Cloudflared,
    Bore,
}

impl TunnelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TunnelKind::Ngrok => "ngrok",
            TunnelKind::Cloudflared => "cloudflared",
            TunnelKind::Bore => "bore",
        }
    }

    /// How to get the tool, for the error when it is missing.
    fn install_hint(self) -> &'static str {
        match self {
            TunnelKind::Ngrok => {
                "install the ngrok agent (`snap install ngrok`, or from ngrok.com/download) and run `ngrok config add-authtoken <token>` once"
            }
            TunnelKind::Cloudflared => {
                "install cloudflared (`apt install cloudflared` from Cloudflare's package repository, or its release binary)"
            }
            TunnelKind::Bore => "install bore with `cargo install bore-cli`",
        }
    }
}

impl std::str::FromStr for TunnelKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ngrok" => Ok(TunnelKind::Ngrok),
            "cloudflared" => Ok(TunnelKind::Cloudflared),
            "bore" => Ok(TunnelKind::Bore),
            other => Err(Error::InvalidArgument(format!("no tunnel tool {other:?} (ngrok, cloudflared or bore)"))),
        }
    }
}

/// Which tunnel to start, and bore's server.
#[derive(Debug, Clone)]
pub struct TunnelSpec {
    pub kind: TunnelKind,
    /// bore's server, `HOST[:PORT]` (PORT: the public port to ask for);
    /// default `bore.pub`.
    pub bore_to: Option<String>,
    pub bore_secret: Option<String>,
}

impl TunnelSpec {
    pub fn new(kind: TunnelKind) -> Self {
        TunnelSpec { kind, bore_to: None, bore_secret: None }
    }

    /// The program and its arguments for a tunnel to `capture`; bore's
    /// secret goes through the environment, not the (world-readable) command line.
    fn command(&self, program: &Path, capture: SocketAddr) -> Command {
        let host = match capture.ip() {
            ip if ip.is_unspecified() => "127.0.0.1".to_owned(),
            std::net::IpAddr::V6(ip) => format!("[{ip}]"),
            ip => ip.to_string(),
        };
        let port = capture.port().to_string();
        let mut cmd = Command::new(program);
        match self.kind {
            TunnelKind::Ngrok => {
                cmd.args(["http", &format!("http://{host}:{port}"), "--log", "stdout", "--log-format", "logfmt"]);
            }
            TunnelKind::Cloudflared => {
                cmd.args(["tunnel", "--no-autoupdate", "--url", &format!("http://{host}:{port}")]);
            }
            TunnelKind::Bore => {
                let to = self.bore_to.as_deref().filter(|t| !t.trim().is_empty()).unwrap_or("bore.pub");
                let (server, remote_port) = split_bore_to(to);
                cmd.args(["local", &port, "--local-host", host.trim_matches(|c| c == '[' || c == ']'), "--to", server]);
                if let Some(p) = remote_port {
                    cmd.args(["--port", p]);
                }
                match self.bore_secret.as_deref().filter(|s| !s.is_empty()) {
                    Some(secret) => cmd.env("BORE_SECRET", secret),
                    None => cmd.env_remove("BORE_SECRET"),
                };
            }
        }
        // Plain lines: the URL is read from them.
        cmd.env("NO_COLOR", "1");
        cmd
    }

    /// The public URL in one of the tool's output lines.
    fn url_in(&self, line: &str) -> Option<String> {
        match self.kind {
            TunnelKind::Ngrok => ngrok_log_url(line),
            TunnelKind::Cloudflared => cloudflared_url(line),
            TunnelKind::Bore => bore_url(line),
        }
    }
}

/// `bore.example.com:4000` → (`bore.example.com`, Some(`4000`)); an IPv6
/// address without brackets is all host.
fn split_bore_to(to: &str) -> (&str, Option<&str>) {
    match to.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') && !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => (h, Some(p)),
        Some((h, p)) if h.ends_with(']') && p.bytes().all(|b| b.is_ascii_digit()) => (h, Some(p)),
        _ => (to, None),
    }
}

/// ngrok's logfmt line for a started tunnel
/// (`msg="started tunnel" obj=tunnels name=command_line addr=… url=https://…`).
pub fn ngrok_log_url(line: &str) -> Option<String> {
    if !line.contains("started tunnel") {
        return None;
    }
    logfmt_value(line, "url").filter(|u| u.starts_with("https://") || u.starts_with("http://"))
}

/// Where this ngrok agent serves its local API, from its log
/// (`msg="starting web service" obj=web addr=127.0.0.1:4040`).
pub fn ngrok_web_addr(line: &str) -> Option<String> {
    if !line.contains("starting web service") {
        return None;
    }
    logfmt_value(line, "addr").map(|a| format!("http://{a}"))
}

fn logfmt_value(line: &str, key: &str) -> Option<String> {
    let value = line.split(' ').find_map(|w| w.strip_prefix(key)?.strip_prefix('='))?;
    Some(value.trim_matches('"').to_owned()).filter(|v| !v.is_empty())
}

/// The program on `PATH`, as a shell would find it.
pub fn find_program(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt as _;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
}

/// The program for `kind`, or the error that says how to install it.
pub fn program_for(kind: TunnelKind) -> Result<PathBuf> {
    find_program(kind.as_str()).ok_or_else(|| Error::ToolMissing { tool: kind.as_str(), hint: kind.install_hint() })
}

/// Backoff between restarts: 1 s doubling to 30 s; back to 1 s after a run
/// that stayed up a minute.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
const STEADY: Duration = Duration::from_secs(60);

/// Keeps `spec`'s tool running until `stop` turns true; reports through `status`.
pub(super) async fn supervise(
    spec: TunnelSpec,
    program: PathBuf,
    capture: SocketAddr,
    status: watch::Sender<TunnelStatus>,
    mut stop: watch::Receiver<bool>,
) {
    let mut backoff = FIRST_BACKOFF;
    let mut restarts = 0u32;
    loop {
        status.send_modify(|s| {
            s.state = if restarts == 0 { "starting" } else { "reconnecting" }.into();
            s.restarts = restarts;
            s.pid = None;
        });
        let started = Instant::now();
        let why = match spawn(&spec, &program, capture) {
            Ok(child) => {
                status.send_modify(|s| s.pid = child.id());
                match run(&spec, child, capture, &status, &mut stop).await {
                    Some(why) => why,
                    None => return,
                }
            }
            Err(e) => e.to_string(),
        };
        tracing::warn!(tool = spec.kind.as_str(), why = %why, "the tunnel stopped; restarting it");
        if started.elapsed() >= STEADY {
            backoff = FIRST_BACKOFF;
        }
        status.send_modify(|s| {
            s.state = "reconnecting".into();
            s.pid = None;
            s.error = Some(why.clone());
            s.next_try_us = Some(crate::capture::now_us() + backoff.as_micros() as i64);
        });
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
        restarts += 1;
    }
}

/// Starts the tool in its own process group (a Ctrl-C in the terminal is
/// Hookscope's to handle, not the tool's), set to die with the supervisor.
fn spawn(spec: &TunnelSpec, program: &Path, capture: SocketAddr) -> std::io::Result<Child> {
    let mut cmd = spec.command(program, capture);
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true).process_group(0);
    super::process::die_with_parent(&mut cmd);
    cmd.spawn()
}

/// Follows a running tool's output until it exits (why it did), or until
/// `stop`, when it is stopped (None).
async fn run(
    spec: &TunnelSpec,
    mut child: Child,
    capture: SocketAddr,
    status: &watch::Sender<TunnelStatus>,
    stop: &mut watch::Receiver<bool>,
) -> Option<String> {
    let pid = child.id();
    let (tx, mut lines) = tokio::sync::mpsc::channel::<String>(64);
    for out in [child.stdout.take().map(|o| Box::new(o) as _), child.stderr.take().map(|e| Box::new(e) as _)]
        .into_iter()
        .flatten()
    {
        let tx = tx.clone();
        let out: Box<dyn tokio::io::AsyncRead + Unpin + Send> = out;
        tokio::spawn(async move {
            let mut reader = BufReader::new(out).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                if tx.send(line).await.is_err() {
                    break;
                }
            }
        });
    }
    drop(tx);
    let mut last_error = None;
    let mut ngrok_api = None;
    let mut poll = tokio::time::interval(Duration::from_secs(3));
    loop {
        tokio::select! {
            line = lines.recv() => match line {
                Some(line) => {
                    let plain = strip_ansi(&line);
                    tracing::debug!(tool = spec.kind.as_str(), line = %plain, "tunnel output");
                    if let Some(url) = spec.url_in(&plain) {
                        up(status, spec, url);
                    }
                    if spec.kind == TunnelKind::Ngrok && ngrok_api.is_none() {
                        ngrok_api = ngrok_web_addr(&plain);
                    }
                    if is_error(&plain) {
                        last_error = Some(plain.trim().chars().take(300).collect::<String>());
                    }
                }
                None => break,
            },
            _ = stop.wait_for(|s| *s) => {
                super::process::terminate(&mut child, Duration::from_secs(3)).await;
                return None;
            }
            // ngrok's URL can change while the agent runs (a reconnect): its API says.
            _ = poll.tick(), if ngrok_api.is_some() => {
                if let Ok(found) = find_tunnels(ngrok_api.as_deref(), capture).await
                    && let Some(t) = found.first()
                {
                    up(status, spec, t.public_url.clone());
                }
            }
        }
    }
    let exit = child.wait().await;
    let exit = match exit {
        Ok(s) => s.to_string(),
        Err(e) => e.to_string(),
    };
    let tool = spec.kind.as_str();
    let pid = pid.unwrap_or_default();
    Some(match last_error {
        Some(e) => format!("{tool} (pid {pid}) {exit}: {e}"),
        None => format!("{tool} (pid {pid}) {exit}"),
    })
}

fn up(status: &watch::Sender<TunnelStatus>, spec: &TunnelSpec, url: String) {
    status.send_if_modified(|s| {
        let before = s.clone();
        observe(s, Some(url));
        s.state = "up".into();
        s.kind = Some(spec.kind.as_str().into());
        s.error = None;
        s.next_try_us = None;
        *s != before
    });
}

fn is_error(line: &str) -> bool {
    let l = line.to_ascii_lowercase();
    l.contains("error")
        || l.contains(" err ")
        || l.contains("lvl=eror")
        || l.contains("lvl=crit")
        || l.contains("failed")
}

/// The line without terminal colour codes (tools colour their logs even
/// when told not to, in some versions).
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ … final byte in @..~
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_output_lines() {
        // bore 0.6's own line, colours and all.
        let bore = "\u{1b}[2m2026-12-03T13:53:57.333032Z\u{1b}[0m \u{1b}[32m INFO\u{1b}[0m \u{1b}[2mbore_cli::client\u{1b}[0m\u{1b}[2m:\u{1b}[0m listening at 127.0.0.1:40001";
        let spec = TunnelSpec::new(TunnelKind::Bore);
        assert_eq!(spec.url_in(&strip_ansi(bore)), Some("http://127.0.0.1:40001".into()));
        // ngrok v3's logfmt lines.
        let web = r#"t=2024-11-27T10:00:00+0000 lvl=info msg="starting web service" obj=web addr=127.0.0.1:4041 allow_hosts=[]"#;
        let started = r#"t=2024-11-27T10:00:01+0000 lvl=info msg="started tunnel" obj=tunnels name=command_line addr=http://127.0.0.1:8787 url=https://92832de0.ngrok-free.app"#;
        assert_eq!(ngrok_web_addr(web), Some("http://127.0.0.1:4041".into()));
        assert_eq!(ngrok_log_url(started), Some("https://92832de0.ngrok-free.app".into()));
        assert_eq!(ngrok_log_url(web), None);
        assert!(is_error(
            r#"t=2024-11-27T10:00:00+0000 lvl=eror msg="session closing" obj=tunnels.session err="authentication failed""#
        ));
    }

    #[test]
    fn bore_servers() {
        assert_eq!(split_bore_to("bore.pub"), ("bore.pub", None));
        assert_eq!(split_bore_to("127.0.0.1:4000"), ("127.0.0.1", Some("4000")));
        assert_eq!(split_bore_to("::1"), ("::1", None));
        assert_eq!(split_bore_to("[::1]:4000"), ("[::1]", Some("4000")));
    }

    #[test]
    fn commands() {
        let capture: SocketAddr = "0.0.0.0:8787".parse().unwrap();
        let args = |spec: &TunnelSpec| -> Vec<String> {
            let cmd = spec.command(Path::new("/bin/tool"), capture);
            cmd.as_std().get_args().map(|a| a.to_string_lossy().into_owned()).collect()
        };
        let mut bore = TunnelSpec::new(TunnelKind::Bore);
        bore.bore_to = Some("127.0.0.1:4000".into());
        bore.bore_secret = Some("s3cret".into());
        let a = args(&bore);
        assert_eq!(a, ["local", "8787", "--local-host", "127.0.0.1", "--to", "127.0.0.1", "--port", "4000"]);
        assert!(!a.iter().any(|a| a.contains("s3cret")), "the secret stays off the command line");
        assert_eq!(args(&TunnelSpec::new(TunnelKind::Ngrok))[..2], ["http", "http://127.0.0.1:8787"]);
        assert_eq!(
            args(&TunnelSpec::new(TunnelKind::Cloudflared)),
            ["tunnel", "--no-autoupdate", "--url", "http://127.0.0.1:8787"]
        );
        assert!("frp".parse::<TunnelKind>().is_err());
    }
}
