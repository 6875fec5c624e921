//! Where a delivery was addressed on the public side of a tunnel. URL-signed
//! schemes (Twilio, Square, HubSpot v3…) sign the URL the sender used, which
//! the tunnel rewrote on its way to the capture port; the forwarding headers
//! (or the tunnel's public URL, when known) tell it back.

use crate::model::Header;

/// The URL the sender most likely signed, and where it was learned from.
pub fn public_url(headers: &[Header], path: &str, query: Option<&str>, tunnel: Option<&str>) -> (String, &'static str) {
    let target = match query {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    };
    if let Some(base) = tunnel.filter(|b| !b.is_empty()) {
        return (format!("{}{target}", base.trim_end_matches('/')), "tunnel public URL");
    }
    let get = |name: &str| {
        headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(&h.value).trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    // RFC 7239: Forwarded: for=…;proto=https;host=example.com (first hop).
    if let Some(forwarded) = get("forwarded") {
        let first = forwarded.split(',').next().unwrap_or_default();
        let field = |key: &str| {
            first.split(';').find_map(|kv| {
                let (k, v) = kv.trim().split_once('=')?;
                k.eq_ignore_ascii_case(key).then(|| v.trim_matches('"').to_owned())
            })
        };
        if let Some(host) = field("host") {
            let proto = field("proto").unwrap_or_else(|| "http".into());
            return (format!("{proto}://{host}{target}"), "Forwarded header");
        }
    }
    let first = |v: String| v.split(',').next().unwrap_or_default().trim().to_owned();
    if let Some(host) = get("x-forwarded-host").map(first) {
        let proto = get("x-forwarded-proto").map(first).unwrap_or_else(|| "https".into());
        return (format!("{proto}://{host}{target}"), "X-Forwarded-Host header");
    }
    let host = get("host").unwrap_or_else(|| "localhost".into());
    match get("x-forwarded-proto").map(first) {
        Some(proto) => (format!("{proto}://{host}{target}"), "Host and X-Forwarded-Proto headers"),
        None => (format!("http://{host}{target}"), "Host header"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<Header> {
        pairs.iter().map(|(n, v)| Header::new(*n, *v)).collect()
    }

    #[test]
    fn the_public_url_comes_from_the_tunnel_then_forwarding_headers_then_host() {
        let cases = [
            (h(&[("Host", "127.0.0.1:8787")]), None, "http://127.0.0.1:8787/t?a=1"),
            (h(&[("Host", "ab.ngrok.app"), ("X-Forwarded-Proto", "https")]), None, "https://ab.ngrok.app/t?a=1"),
            (
                h(&[
                    ("Host", "127.0.0.1:8787"),
                    ("X-Forwarded-Host", "pub.example, proxy"),
                    ("X-Forwarded-Proto", "https"),
                ]),
                None,
                "https://pub.example/t?a=1",
            ),
            (
                h(&[("Host", "127.0.0.1"), ("Forwarded", "for=1.2.3.4;proto=https;host=\"fw.example\", for=5.6.7.8")]),
                None,
                "https://fw.example/t?a=1",
            ),
            (h(&[("Host", "127.0.0.1")]), Some("https://tun.example/"), "https://tun.example/t?a=1"),
        ];
        for (headers, tunnel, want) in cases {
            assert_eq!(public_url(&headers, "/t", Some("a=1"), tunnel).0, want, "for {headers:?}");
        }
    }
}
