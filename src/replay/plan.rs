//! A stored delivery plus edits becomes the request to send: pure, so every
//! rule (hop-by-hop headers, Host, Content-Length, re-signing) is tested
//! without a socket.

use crate::error::{Error, Result};
use crate::model::{Delivery, Endpoint, Header, SchemeChoice};
use crate::outbound;
use crate::signature::{self, Provider, Secret, SignOptions, SignParts};

use super::ReplayRequest;

/// Headers that describe one connection, not the message: never replayed
/// (with `Proxy-*`, and whatever `Connection` names).
pub const HOP_BY_HOP: [&str; 6] = ["connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"];

/// The request, what re-signing recomputed, and what the user should know
/// before trusting the answer.
#[derive(Debug, Clone)]
pub struct Plan {
    pub request: outbound::Request,
    pub resigned: Vec<String>,
    pub warnings: Vec<String>,
}

/// Where a replay goes. An origin (`http://127.0.0.1:3000`, nothing after
/// the authority) keeps the delivery's path and query; anything with a path
/// (`http://127.0.0.1:3000/hooks?x=1`, or just `/`) is used exactly.
pub fn target(to: &str, path: &str, query: Option<&str>) -> Result<(url::Url, String)> {
    let bad =
        |why: String| Error::InvalidArgument(format!("target {to:?}: {why} (give a URL like http://127.0.0.1:3000)"));
    let url = url::Url::parse(to).map_err(|e| bad(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(bad("only http:// and https:// URLs with a host".into()));
    }
    let after_scheme = to.split_once("://").map_or("", |(_, rest)| rest);
    let origin_only = !after_scheme.contains(['/', '?', '#']);
    let line_target = if origin_only {
        match query {
            Some(q) => format!("{path}?{q}"),
            None => path.to_owned(),
        }
    } else {
        outbound::path_and_query(&url)
    };
    Ok((url, line_target))
}

/// The URL a request goes to, as attempts record it and URL-signed schemes sign it.
pub fn full_url(url: &url::Url, line_target: &str) -> String {
    format!("{}{line_target}", url.origin().ascii_serialization())
}

fn is_hop_by_hop(name: &str, named_by_connection: &[String]) -> bool {
    let lower = name.to_ascii_lowercase();
    HOP_BY_HOP.contains(&lower.as_str()) || lower.starts_with("proxy-") || named_by_connection.contains(&lower)
}

/// Replaces every header called `name` with one `value`, in the first one's
/// place; appends it when there was none.
pub fn set_header(headers: &mut Vec<Header>, name: &str, value: impl Into<Vec<u8>>) {
    let value = value.into();
    match headers.iter().position(|h| h.name.eq_ignore_ascii_case(name)) {
        Some(first) => {
            headers[first].value = value;
            let mut i = 0;
            headers.retain(|h| {
                i += 1;
                i - 1 == first || !h.name.eq_ignore_ascii_case(name)
            });
        }
        None => headers.push(Header::new(name.to_owned(), value)),
    }
}

fn check_header(h: &Header) -> Result<()> {
    let name_ok = !h.name.is_empty() && h.name.bytes().all(|b| b.is_ascii_graphic() && b != b':');
    let value_ok = !h.value.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0);
    if name_ok && value_ok {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "header {:?} cannot be sent: a name is a token, a value has no line breaks",
            h.name
        )))
    }
}

/// Builds the request for `delivery` as edited by `req`, sent to `url` with
/// `line_target` in its request line. `endpoint` is the delivery's (for
/// re-signing); `now_s` the clock for a fresh signature's timestamp.
pub fn plan(
    delivery: &Delivery,
    url: url::Url,
    line_target: String,
    req: &ReplayRequest,
    endpoint: Option<&Endpoint>,
    now_s: i64,
) -> Result<Plan> {
    let head = &delivery.head;
    let captured_body: &[u8] = &delivery.body;
    let body = match req.body()? {
        Some(body) => body,
        None if head.summary.truncated => {
            return Err(Error::InvalidArgument(format!(
                "{} was truncated ({}; only its first bytes were kept), so it cannot be replayed as captured: send it with an edited body",
                head.summary.id, head.summary.status
            )));
        }
        None => captured_body.to_vec(),
    };
    let method = req.method.clone().unwrap_or_else(|| head.summary.method.clone());
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)) {
        return Err(Error::InvalidArgument(format!("{method:?} is not an HTTP method")));
    }
    if line_target.bytes().any(|b| b.is_ascii_control() || b == b' ') {
        return Err(Error::InvalidArgument(format!("{line_target:?} cannot go in a request line")));
    }

    let mut headers = req.headers.clone().unwrap_or_else(|| head.headers.clone());
    let named_by_connection: Vec<String> = headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("connection"))
        .flat_map(|h| {
            String::from_utf8_lossy(&h.value).split(',').map(|t| t.trim().to_ascii_lowercase()).collect::<Vec<_>>()
        })
        .collect();
    headers.retain(|h| !is_hop_by_hop(&h.name, &named_by_connection));
    for name in &req.remove_headers {
        headers.retain(|h| !h.name.eq_ignore_ascii_case(name));
    }
    for h in &req.set_headers {
        set_header(&mut headers, &h.name, h.value.clone());
    }
    if !req.keep_host {
        let authority = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_owned(),
        };
        if headers.iter().any(|h| h.name.eq_ignore_ascii_case("host")) {
            set_header(&mut headers, "Host", authority);
        } else {
            headers.insert(0, Header::new("Host", authority));
        }
    }

    let sent_url = full_url(&url, &line_target);
    let mut body = body;
    let mut resigned = Vec::new();
    let mut warnings = Vec::new();
    let scheme = endpoint.and_then(|e| e.scheme.clone());
    let provider = req
        .provider
        .or_else(|| scheme.as_ref().map(SchemeChoice::provider))
        .or_else(|| signature::detect(&head.headers));
    if req.resign {
        let provider = provider.ok_or_else(|| {
            Error::InvalidArgument(
                "re-signing needs a provider: set one on the endpoint, or pass --provider (with --secret)".into(),
            )
        })?;
        let secret = match (&req.secret, endpoint) {
            (Some(s), _) => Secret::new(s.clone()),
            // Rotation appends: the last secret is the newest.
            (None, Some(e))
                if !e.keys.secrets.is_empty()
                    && req.provider.is_none_or(|p| Some(p) == scheme.as_ref().map(SchemeChoice::provider)) =>
            {
                e.keys.secrets[e.keys.secrets.len() - 1].clone()
            }
            _ => {
                return Err(Error::InvalidArgument(format!(
                    "re-signing as {} needs a secret: set one on the endpoint for {}, or pass --secret",
                    provider.id(),
                    head.summary.path
                )));
            }
        };
        let generic = match (&scheme, provider) {
            (Some(SchemeChoice::Generic(config)), Provider::Generic) => Some(config.clone()),
            _ => None,
        };
        let id = if req.new_event_id { Some(new_event_id()) } else { signature::event_id(provider, &headers, &body) };
        let parts =
            SignParts { method: &method, url: &sent_url, body: &body, now_s, id: id.as_deref(), headers: &headers };
        let signed = signature::sign(provider, &secret, &parts, &SignOptions { generic, private_key_pem: None })
            .map_err(|e| Error::InvalidArgument(format!("re-signing as {}: {e}", provider.id())))?;
        // Recompute the signature headers the request carries; add them all
        // only to a request that carried none (GitHub's sha1 header, say,
        // stays away from a delivery that came with sha256 alone).
        let has = |headers: &[Header], name: &str| headers.iter().any(|h| h.name.eq_ignore_ascii_case(name));
        let carried = signed.headers.iter().any(|(name, _)| has(&headers, name));
        for (name, value) in &signed.headers {
            if carried && !has(&headers, name) {
                continue;
            }
            set_header(&mut headers, name, value.as_bytes());
            resigned.push(name.clone());
        }
        if let Some(new_body) = signed.body {
            body = new_body;
        }
    } else if let Some(provider) = provider.filter(|_| signature::detect(&head.headers).is_some()) {
        if body != captured_body {
            warnings.push(format!(
                "the body was edited but not re-signed: a {} signature check at the target will reject it (re-sign to fix)",
                provider.id()
            ));
        } else if signature::signs_url(provider, scheme.as_ref().and_then(SchemeChoice::generic)) {
            warnings.push(format!(
                "{} signs the URL it posted to: sent to {sent_url}, the signature verifies only if the target checks the original URL (re-sign to sign this one)",
                provider.id()
            ));
        }
    }

    // The body sent decides the length, in the captured header's place.
    let sends_length = !body.is_empty()
        || headers.iter().any(|h| h.name.eq_ignore_ascii_case("content-length"))
        || matches!(method.as_str(), "POST" | "PUT" | "PATCH");
    if sends_length {
        set_header(&mut headers, "Content-Length", body.len().to_string());
    }
    for h in &headers {
        check_header(h)?;
    }
    Ok(Plan {
        request: outbound::Request {
            method,
            url,
            target: line_target,
            headers,
            body: body.into(),
            insecure: req.insecure,
            timeout: req.timeout_s.map(std::time::Duration::from_secs_f64),
        },
        resigned,
        warnings,
    })
}

fn new_event_id() -> String {
    let mut bytes = [0u8; 12];
    let _ = getrandom::fill(&mut bytes);
    format!("msg_{}", hex::encode(bytes))
}
