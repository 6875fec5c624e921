//! Which tunnels point at the capture port. A running ngrok agent says so in
//! its local API (`/api/tunnels`, and `/api/endpoints` on newer agents);
//! cloudflared and bore print their public URL, which is read from their
//! output lines.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

use crate::error::{Error, Result};

/// Where an ngrok agent serves its local API first; 4041…4045 are tried
/// after it, as agents pick the next free port.
pub const DEFAULT_NGROK_API: &str = "http://127.0.0.1:4040";

/// A tunnel and what it points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Tunnel {
    /// `ngrok`, `cloudflared` or `bore`.
    pub kind: String,
    pub public_url: String,
    /// Where the tunnel delivers, as the tool says it (`http://localhost:8787`).
    pub addr: String,
    /// The agent's name for it, when it has one.
    pub name: Option<String>,
    /// The local API it was read from.
    pub source: String,
}

/// Whether `addr`, as a tunnel tool writes it (`8787`, `localhost:8787`,
/// `http://127.0.0.1:8787`, `https://[::1]:8787`…), is the capture port.
pub fn points_at(addr: &str, capture: SocketAddr) -> bool {
    let addr = addr.trim();
    let rest = addr.split_once("://").map_or(addr, |(_, r)| r);
    let rest = rest.split('/').next().unwrap_or(rest);
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, p),
        None if rest.bytes().all(|b| b.is_ascii_digit()) => ("localhost", rest),
        // No port: the scheme's (an http tunnel to `localhost` means port 80).
        None => (rest, if addr.starts_with("https://") { "443" } else { "80" }),
    };
    let Ok(port) = port.parse::<u16>() else { return false };
    if port != capture.port() {
        return false;
    }
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = matches!(host, "localhost" | "127.0.0.1" | "::1" | "0.0.0.0" | "::" | "");
    loopback || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip == capture.ip())
}

#[derive(Deserialize)]
struct NgrokTunnels {
    #[serde(default)]
    tunnels: Vec<NgrokTunnel>,
}

#[derive(Deserialize)]
struct NgrokTunnel {
    #[serde(default)]
    name: Option<String>,
    public_url: String,
    #[serde(default)]
    config: Option<NgrokConfig>,
}

#[derive(Deserialize)]
struct NgrokConfig {
    #[serde(default)]
    addr: String,
}

#[derive(Deserialize)]
struct NgrokEndpoints {
    #[serde(default)]
    endpoints: Vec<NgrokEndpoint>,
}

#[derive(Deserialize)]
struct NgrokEndpoint {
    #[serde(default)]
    name: Option<String>,
    url: String,
    #[serde(default)]
    upstream: Option<NgrokUpstream>,
}

#[derive(Deserialize)]
struct NgrokUpstream {
    #[serde(default)]
    url: String,
}

/// The tunnels in an ngrok agent's `/api/tunnels` or `/api/endpoints`
/// answer, whatever they point at.
pub fn ngrok_tunnels(json: &[u8], source: &str) -> Vec<Tunnel> {
    let mut out = Vec::new();
    if let Ok(t) = serde_json::from_slice::<NgrokTunnels>(json) {
        out.extend(t.tunnels.into_iter().map(|t| Tunnel {
            kind: "ngrok".into(),
            public_url: t.public_url,
            addr: t.config.map(|c| c.addr).unwrap_or_default(),
            name: t.name,
            source: source.into(),
        }));
    }
    if let Ok(e) = serde_json::from_slice::<NgrokEndpoints>(json) {
        out.extend(e.endpoints.into_iter().map(|e| Tunnel {
            kind: "ngrok".into(),
            public_url: e.url,
            addr: e.upstream.map(|u| u.url).unwrap_or_default(),
            name: e.name,
            source: source.into(),
        }));
    }
    out
}

/// The tunnels of the ngrok agent at `api` (or the first that answers on
/// 4040…4045) that point at `capture`; an `https` one first, and each
/// public URL once.
pub async fn find_tunnels(api: Option<&str>, capture: SocketAddr) -> Result<Vec<Tunnel>> {
    let bases: Vec<String> = match api {
        Some(a) => vec![a.trim_end_matches('/').trim_end_matches("/api/tunnels").to_owned()],
        None => (4040..=4045).map(|p| format!("http://127.0.0.1:{p}")).collect(),
    };
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(std::time::Duration::from_millis(1500))
        .build()
        .map_err(|e| Error::io("starting an HTTP client", std::io::Error::other(e)))?;
    let mut found = Vec::new();
    for base in bases {
        let mut answered = false;
        for path in ["/api/tunnels", "/api/endpoints"] {
            let url = format!("{base}{path}");
            let Ok(resp) = client.get(&url).send().await else { continue };
            if !resp.status().is_success() {
                continue;
            }
            answered = true;
            let Ok(body) = resp.bytes().await else { continue };
            found.extend(ngrok_tunnels(&body, &url).into_iter().filter(|t| points_at(&t.addr, capture)));
        }
        if answered && api.is_none() {
            // The first agent that answers is the one; another on 4041 is a second agent.
            if !found.is_empty() {
                break;
            }
        }
    }
    found.sort_by_key(|t| !t.public_url.starts_with("https://"));
    let mut seen = std::collections::HashSet::new();
    found.retain(|t| seen.insert(t.public_url.clone()));
    Ok(found)
}

/// cloudflared's quick-tunnel URL in one of its log lines
/// (`|  https://words-words.trycloudflare.com  |`).
pub fn cloudflared_url(line: &str) -> Option<String> {
    let start = line.find("https://")?;
    let url: String = line[start..].chars().take_while(|c| !c.is_whitespace() && *c != '|' && *c != '"').collect();
    url.trim_end_matches('/').ends_with(".trycloudflare.com").then_some(url)
}

/// bore's public address in its output (`listening at bore.pub:41327`), as
/// an `http://` URL.
pub fn bore_url(line: &str) -> Option<String> {
    let at = line.find("listening at ")? + "listening at ".len();
    let addr: String = line[at..].chars().take_while(|c| !c.is_whitespace()).collect();
    let (host, port) = addr.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    // Strip ANSI colour codes some terminals get.
    let host: String =
        host.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':')).collect();
    Some(format!("http://{host}:{port}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAPTURE: &str = "127.0.0.1:8787";

    #[test]
    fn addresses_as_tools_write_them() {
        let capture: SocketAddr = CAPTURE.parse().unwrap();
        for yes in [
            "8787",
            "localhost:8787",
            "http://127.0.0.1:8787",
            "https://localhost:8787/",
            "http://[::1]:8787",
            "0.0.0.0:8787",
        ] {
            assert!(points_at(yes, capture), "{yes}");
        }
        for no in ["8788", "localhost:3000", "http://127.0.0.1:18787", "http://10.0.0.5:8787", "localhost", "file:///x"]
        {
            assert!(!points_at(no, capture), "{no}");
        }
    }

    #[test]
    fn ngrok_api_answers_are_read() {
        // As the agent documents `/api/tunnels` (two tunnels, one for another port).
        let json = br#"{"tunnels":[
            {"name":"command_line","uri":"/api/tunnels/command_line","public_url":"https://92832de0.ngrok-free.app","proto":"https",
             "config":{"addr":"http://localhost:8787","inspect":true},"metrics":{}},
            {"name":"other","uri":"/api/tunnels/other","public_url":"https://other.ngrok-free.app","proto":"https",
             "config":{"addr":"http://localhost:3000","inspect":true},"metrics":{}}],"uri":"/api/tunnels"}"#;
        let all = ngrok_tunnels(json, "x");
        assert_eq!(all.len(), 2);
        let capture: SocketAddr = CAPTURE.parse().unwrap();
        let ours: Vec<_> = all.iter().filter(|t| points_at(&t.addr, capture)).collect();
        assert_eq!(ours.len(), 1);
        assert_eq!(ours[0].public_url, "https://92832de0.ngrok-free.app");
        let endpoints = br#"{"endpoints":[{"id":"ep_1","name":"web","url":"https://e.ngrok.app","upstream":{"url":"http://localhost:8787","protocol":"http1"}}]}"#;
        assert_eq!(ngrok_tunnels(endpoints, "x")[0].addr, "http://localhost:8787");
    }

    #[test]
    fn cloudflared_and_bore_output_lines() {
        // cloudflared 2024.x quick tunnel banner lines.
        let lines = [
            "2024-11-27T10:00:00Z INF Thank you for trying Cloudflare Tunnel. Doing so, without a Cloudflare account, is a quick way to experiment and try it out.",
            "2024-11-27T10:00:01Z INF +--------------------------------------------------------------------------------------------+",
            "2024-11-27T10:00:01Z INF |  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |",
            "2024-11-27T10:00:01Z INF |  https://seasonal-deck-organisms-sf.trycloudflare.com                                       |",
            "2024-11-27T10:00:02Z INF Registered tunnel connection connIndex=0 connection=abc event=0 ip=198.41.200.23 location=ams01 protocol=quic",
        ];
        let found: Vec<String> = lines.iter().filter_map(|l| cloudflared_url(l)).collect();
        assert_eq!(found, vec!["https://seasonal-deck-organisms-sf.trycloudflare.com"]);
        assert_eq!(cloudflared_url("INF Requesting new quick Tunnel on trycloudflare.com..."), None);
        assert_eq!(cloudflared_url("see https://developers.cloudflare.com/cloudflare-one/"), None);
        assert_eq!(
            bore_url("2024-11-27T10:00:00.000000Z  INFO bore_cli::client: listening at 127.0.0.1:41327"),
            Some("http://127.0.0.1:41327".into())
        );
        assert_eq!(bore_url("INFO bore_cli::client: connected to server remote_port=41327"), None);
    }
}
