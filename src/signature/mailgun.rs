//! Mailgun: no header. The body carries `timestamp`, `token` and `signature`
//! (inside `signature` in JSON webhooks, as form fields in routes and legacy
//! webhooks); the signature is hex HMAC-SHA256 with the webhook signing key
//! over timestamp + token. The rest of the body is not covered, so editing it
//! keeps the signature valid, which is Mailgun's design.
//!
//! Signing therefore rewrites the body: it sets fresh `timestamp`, `token`
//! and `signature` fields and returns the new body in `Signed::body` (JSON is
//! re-serialised compactly; form bodies keep their other fields in order).

use serde_json::Value;

use super::Provider;
use super::codec::{self, Algorithm, form_encode, parse_form};
use super::scheme::{Attempt, HeaderFault, Key, Parsed, Scheme, SignOptions, Signed, Stamp, made_up_id};
use super::types::{HeaderRead, SignParts, SignatureError, SignedRequest};

pub(crate) struct MailgunScheme;

const FIELDS: [&str; 3] = ["timestamp", "token", "signature"];

/// The three fields, wherever the body keeps them.
fn fields(body: &[u8]) -> [Option<String>; 3] {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        let sig = v.get("signature");
        return FIELDS.map(|f| sig.and_then(|s| s.get(f)).and_then(json_text));
    }
    if body.starts_with(b"--") && body.windows(6).any(|w| w == b"name=\"") {
        return FIELDS.map(|f| multipart_field(body, f));
    }
    let form = parse_form(body);
    // The last occurrence wins, so fields appended by `sign` override stale ones.
    FIELDS.map(|f| form.iter().rev().find(|(k, _)| k == f).map(|(_, v)| v.clone()))
}

fn json_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Finds `name="<field>"` in a multipart body and returns the part's value.
fn multipart_field(body: &[u8], field: &str) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let needle = format!("name=\"{field}\"");
    let at = text.find(&needle)? + needle.len();
    let rest = &text[at..];
    let start = rest.find("\r\n\r\n").map(|i| i + 4).or_else(|| rest.find("\n\n").map(|i| i + 2))?;
    let value = &rest[start..];
    let end = value.find("\r\n--").or_else(|| value.find("\n--")).unwrap_or(value.len());
    Some(value[..end].trim().to_owned())
}

impl Scheme for MailgunScheme {
    fn provider(&self) -> Provider {
        Provider::Mailgun
    }

    fn describe(&self) -> String {
        "HMAC-SHA256, hex, over {timestamp}{token} from the body's signature fields (the rest of the body is not signed)"
            .into()
    }

    fn covers_body(&self) -> bool {
        false
    }

    fn parse(&self, req: &SignedRequest<'_>) -> Result<Parsed, HeaderFault> {
        let mut p = Parsed::default();
        let [ts, token, sig] = fields(req.body);
        for (name, value) in FIELDS.iter().zip([&ts, &token, &sig]) {
            p.headers_read.push(HeaderRead { name: format!("body:signature.{name}"), value: value.clone() });
        }
        let (Some(ts), Some(token), Some(sig)) = (ts, token, sig) else {
            return Err(HeaderFault::missing(&p, "body:signature"));
        };
        p.received.push(sig.clone());
        match hex::decode(sig.trim()) {
            Ok(bytes) => p.sigs.push(bytes),
            Err(_) => {
                return Err(HeaderFault::malformed(&p, "body:signature.signature", "not hex"));
            }
        }
        let Ok(unix_s) = ts.trim().parse::<i64>() else {
            return Err(HeaderFault::malformed(&p, "body:signature.timestamp", "not Unix seconds"));
        };
        p.stamp = Some(Stamp { raw: ts, unix_s });
        p.id = Some(token);
        Ok(p)
    }

    fn attempt(&self, key: &Key, _req: &SignedRequest<'_>, parsed: &Parsed) -> Attempt {
        let Key::Bytes(key) = key else {
            return Attempt::default();
        };
        let ts = parsed.stamp.as_ref().map_or("", |s| s.raw.as_str());
        let signed = [ts.as_bytes(), parsed.id.as_deref().unwrap_or_default().as_bytes()].concat();
        let mac = codec::hmac(Algorithm::Sha256, key, &signed);
        Attempt {
            matched: parsed.sigs.iter().any(|s| codec::ct_eq(s, &mac)),
            expected: Some(hex::encode(&mac)),
            expected_raw: Some(mac),
            url: None,
            signed,
        }
    }

    fn sign(&self, secret: &str, parts: &SignParts<'_>, _opts: &SignOptions) -> Result<Signed, SignatureError> {
        let ts = parts.now_s.to_string();
        let token = parts.id.map(str::to_owned).unwrap_or_else(|| made_up_id(parts).replace("msg_", ""));
        let sig = hex::encode(codec::hmac(Algorithm::Sha256, secret.as_bytes(), format!("{ts}{token}").as_bytes()));
        let body = match serde_json::from_slice::<Value>(parts.body) {
            Ok(Value::Object(mut map)) => {
                let mut s = serde_json::Map::new();
                s.insert("timestamp".into(), Value::String(ts));
                s.insert("token".into(), Value::String(token));
                s.insert("signature".into(), Value::String(sig));
                map.insert("signature".into(), Value::Object(s));
                serde_json::to_vec(&Value::Object(map)).unwrap_or_default()
            }
            Ok(_) => {
                return Err(SignatureError::NotHeaderSigned {
                    provider: Provider::Mailgun,
                    explanation: "a JSON body must be an object to carry the `signature` fields".into(),
                });
            }
            Err(_) => {
                let mut pairs: Vec<String> = parts
                    .body
                    .split(|&b| b == b'&')
                    .filter(|p| !p.is_empty())
                    .filter(|p| !FIELDS.iter().any(|f| p.starts_with(format!("{f}=").as_bytes()) || *p == f.as_bytes()))
                    .map(|p| String::from_utf8_lossy(p).into_owned())
                    .collect();
                for (k, v) in [("timestamp", ts), ("token", token), ("signature", sig)] {
                    pairs.push(format!("{k}={}", form_encode(&v)));
                }
                pairs.join("&").into_bytes()
            }
        };
        Ok(Signed { headers: Vec::new(), body: Some(body) })
    }
}
