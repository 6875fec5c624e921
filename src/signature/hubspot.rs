//! HubSpot, three generations, chosen by the headers present:
//! - v3: `X-HubSpot-Signature-v3: <base64>`, HMAC-SHA256 with the client
//!   secret over method + URI + body + `X-HubSpot-Request-Timestamp` (ms),
//!   with a few percent-escapes in the URI decoded first; 5 minutes.
//! - v2: `X-HubSpot-Signature` (version header `v2`): hex SHA-256 of
//!   secret + method + URI + body. Not an HMAC.
//! - v1: the same header (version `v1` or none): hex SHA-256 of secret + body.
//!
//! Signing writes v3 and, beside it, the legacy header in the version the
//! request already names (v1 when it names none), as HubSpot sends both.

use super::Provider;
use super::codec::{self, Algorithm, Encoding};
use super::hmac_spec::{HmacSpec, Shape, TimeUnit, Timestamp};
use super::scheme::{Attempt, HeaderFault, Key, Parsed, Scheme, SignOptions, Signed};
use super::types::{SignParts, SignatureError, SignedRequest};

pub(crate) struct HubspotScheme;

const V3: &str = "X-HubSpot-Signature-v3";
const LEGACY: &str = "X-HubSpot-Signature";
const VERSION: &str = "X-HubSpot-Signature-Version";

fn v3() -> HmacSpec {
    HmacSpec::new(
        Provider::Hubspot,
        Algorithm::Sha256,
        Encoding::Base64,
        V3,
        Shape::Prefixed(String::new()),
        "{method}{url}{body}{timestamp}",
    )
    .timestamp(Timestamp::Header { name: "X-HubSpot-Request-Timestamp".into(), unit: TimeUnit::Millis }, Some(300))
}

/// HubSpot signs the URI with these escapes decoded (its docs list them).
fn decode_uri(url: &str) -> String {
    const ESCAPES: [(&str, &str); 13] = [
        ("%3A", ":"),
        ("%2F", "/"),
        ("%3F", "?"),
        ("%40", "@"),
        ("%21", "!"),
        ("%24", "$"),
        ("%27", "'"),
        ("%28", "("),
        ("%29", ")"),
        ("%2A", "*"),
        ("%2C", ","),
        ("%3B", ";"),
        ("%23", "#"),
    ];
    let mut out = String::with_capacity(url.len());
    let mut rest = url;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        match ESCAPES.iter().find(|(esc, _)| tail.get(..3).is_some_and(|t| t.eq_ignore_ascii_case(esc))) {
            Some((_, ch)) => {
                out.push_str(ch);
                rest = &tail[3..];
            }
            None => {
                out.push('%');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn legacy_message(version: &str, secret: &[u8], req: &SignedRequest<'_>) -> Vec<u8> {
    let mut m = secret.to_vec();
    if version == "v2" {
        m.extend_from_slice(req.method.as_bytes());
        m.extend_from_slice(req.url.as_bytes());
    }
    m.extend_from_slice(req.body);
    m
}

impl Scheme for HubspotScheme {
    fn provider(&self) -> Provider {
        Provider::Hubspot
    }

    fn describe(&self) -> String {
        format!("{}; legacy v1/v2: SHA-256 hex of secret (+ method + URI) + body in `{LEGACY}`", v3().describe())
    }

    fn uses_url(&self) -> bool {
        true
    }

    fn default_tolerance(&self) -> Option<u64> {
        v3().tolerance
    }

    fn parse(&self, req: &SignedRequest<'_>) -> Result<Parsed, HeaderFault> {
        if req.has_header(V3) || !req.has_header(LEGACY) {
            let mut p = v3().parse(req)?;
            p.variant = "v3";
            return Ok(p);
        }
        let mut p = Parsed::default();
        let sig = p.read(LEGACY, req.header(LEGACY)).unwrap_or_default();
        let version = p.read(VERSION, req.header(VERSION)).unwrap_or_else(|| "v1".into());
        p.variant = match version.trim().to_ascii_lowercase().as_str() {
            "v1" => "v1",
            "v2" => "v2",
            other => {
                return Err(HeaderFault::malformed(&p, VERSION, format!("unknown version `{other}`")));
            }
        };
        p.received.push(sig.trim().to_owned());
        match hex::decode(sig.trim()) {
            Ok(bytes) => p.sigs.push(bytes),
            Err(_) => return Err(HeaderFault::malformed(&p, LEGACY, "not hex")),
        }
        Ok(p)
    }

    fn attempt(&self, key: &Key, req: &SignedRequest<'_>, parsed: &Parsed) -> Attempt {
        if parsed.variant == "v3" {
            let uri = decode_uri(req.url);
            let mut attempt = v3().attempt(key, &SignedRequest { url: &uri, ..*req }, parsed);
            attempt.url = Some(req.url.to_owned());
            return attempt;
        }
        let Key::Bytes(secret) = key else {
            return Attempt::default();
        };
        let signed = legacy_message(parsed.variant, secret, req);
        let digest = codec::sha256(&[&signed]);
        // The signed string starts with the secret: show it without it.
        let shown = signed[secret.len()..].to_vec();
        Attempt {
            matched: parsed.sigs.iter().any(|s| codec::ct_eq(s, &digest)),
            expected: Some(hex::encode(&digest)),
            expected_raw: Some(digest),
            url: (parsed.variant == "v2").then(|| req.url.to_owned()),
            signed: [b"<secret>".as_slice(), &shown].concat(),
        }
    }

    fn sign(&self, secret: &str, parts: &SignParts<'_>, opts: &SignOptions) -> Result<Signed, SignatureError> {
        let uri = decode_uri(parts.url);
        let mut signed = v3().sign(secret, &SignParts { url: &uri, ..*parts }, opts)?;
        let req = parts.as_request();
        let version =
            req.header(VERSION).map(|v| v.trim().to_ascii_lowercase()).filter(|v| v == "v2").unwrap_or("v1".into());
        let digest = codec::sha256(&[&legacy_message(&version, secret.as_bytes(), &req)]);
        signed.headers.push((LEGACY.into(), hex::encode(digest)));
        signed.headers.push((VERSION.into(), version));
        Ok(signed)
    }
}
