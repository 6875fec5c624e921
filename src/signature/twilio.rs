//! Twilio: `X-Twilio-Signature: <base64>`, HMAC-SHA1 with the auth token over
//! the full URL followed by the POST parameters sorted by name, each as
//! name then value. JSON requests instead carry `bodySHA256=<hex>` in the URL
//! and sign the URL alone. Twilio's own validators accept the URL with its
//! port removed or the default port added, so these count as valid here too.
//!
//! The form variant covers the decoded parameters, not the raw body bytes:
//! `a+b` and `a%20b` sign the same.

use super::Provider;
use super::codec::{self, Algorithm, parse_form};
use super::scheme::{Attempt, HeaderFault, Key, Parsed, Scheme, SignOptions, Signed};
use super::types::{SignParts, SignatureError, SignedRequest};
use super::variants::split_port;

pub(crate) struct TwilioScheme;

const HEADER: &str = "X-Twilio-Signature";

/// The URL as given, without its port, and with the default port added.
fn url_spellings(url: &str) -> Vec<String> {
    let mut out = vec![url.to_owned()];
    let Some((scheme, rest)) = url.split_once("://") else {
        return out;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (host, port) = split_port(authority);
    let spelled = match port {
        Some(_) => format!("{scheme}://{host}{tail}"),
        None => {
            let default = if scheme.eq_ignore_ascii_case("https") { 443 } else { 80 };
            format!("{scheme}://{host}:{default}{tail}")
        }
    };
    if spelled != url {
        out.push(spelled);
    }
    out
}

fn body_sha256_param(url: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or(query);
    parse_form(query.as_bytes()).into_iter().find(|(k, _)| k == "bodySHA256").map(|(_, v)| v)
}

fn is_json(req: &SignedRequest<'_>) -> bool {
    req.header("Content-Type").is_some_and(|c| c.to_ascii_lowercase().contains("json"))
}

/// The signed string for one spelling of the URL.
fn message(url: &str, req: &SignedRequest<'_>) -> Vec<u8> {
    let mut out = url.as_bytes().to_vec();
    if body_sha256_param(url).is_some() || is_json(req) {
        return out;
    }
    let mut params = parse_form(req.body);
    // By name, then by value for repeated names, as Twilio's libraries sort.
    params.sort();
    for (k, v) in params {
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(v.as_bytes());
    }
    out
}

impl Scheme for TwilioScheme {
    fn provider(&self) -> Provider {
        Provider::Twilio
    }

    fn describe(&self) -> String {
        format!(
            "HMAC-SHA1 in `{HEADER}`, base64, over {{url}} + sorted form params (or {{url}} with bodySHA256 for JSON)"
        )
    }

    fn uses_url(&self) -> bool {
        true
    }

    fn parse(&self, req: &SignedRequest<'_>) -> Result<Parsed, HeaderFault> {
        let mut p = Parsed::default();
        let Some(sig) = p.read(HEADER, req.header(HEADER)) else {
            return Err(HeaderFault::missing(&p, HEADER));
        };
        p.received.push(sig.trim().to_owned());
        match codec::decode_base64(&sig) {
            Some(bytes) => p.sigs.push(bytes),
            None => return Err(HeaderFault::malformed(&p, HEADER, "not base64")),
        }
        Ok(p)
    }

    fn attempt(&self, key: &Key, req: &SignedRequest<'_>, parsed: &Parsed) -> Attempt {
        let Key::Bytes(key) = key else {
            return Attempt::default();
        };
        let body_ok = match body_sha256_param(req.url) {
            Some(want) => hex::encode(codec::sha256(&[req.body])).eq_ignore_ascii_case(want.trim()),
            None => true,
        };
        let mut first = None;
        for url in url_spellings(req.url) {
            let signed = message(&url, req);
            let mac = codec::hmac(Algorithm::Sha1, key, &signed);
            let matched = body_ok && parsed.sigs.iter().any(|s| codec::ct_eq(s, &mac));
            let attempt = Attempt {
                expected: Some(codec::base64(&mac)),
                expected_raw: Some(mac),
                matched,
                url: Some(url),
                signed,
            };
            if matched {
                return attempt;
            }
            first.get_or_insert(attempt);
        }
        first.unwrap_or_default()
    }

    fn sign(&self, secret: &str, parts: &SignParts<'_>, _opts: &SignOptions) -> Result<Signed, SignatureError> {
        if let Some(want) = body_sha256_param(parts.url) {
            let have = hex::encode(codec::sha256(&[parts.body]));
            if !have.eq_ignore_ascii_case(want.trim()) {
                return Err(SignatureError::MissingInput {
                    provider: Provider::Twilio,
                    what: format!("the URL's bodySHA256 to be the body's hash: set bodySHA256={have} in the URL"),
                });
            }
        }
        let req = parts.as_request();
        let mac = codec::hmac(Algorithm::Sha1, secret.as_bytes(), &message(parts.url, &req));
        Ok(Signed { headers: vec![(HEADER.into(), codec::base64(&mac))], body: None })
    }
}
