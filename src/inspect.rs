//! What a delivery is, beyond its bytes: which provider sent it, its event id
//! (to spot redeliveries), and — when the user configured a secret for its
//! endpoint — whether its signature holds, with the verdict's evidence.
//! Pure: the store's indexer runs it off the ack path, the API on demand.

use serde::{Deserialize, Serialize};

use crate::model::Header;
use crate::signature::{self, Provider, Secret, Secrets, SignedRequest, Verdict, VerifyOptions};
use crate::tunnel;

/// Verification settings for the deliveries under one path prefix.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Endpoint {
    pub path_prefix: String,
    /// The provider to verify as; detected from the headers when absent.
    pub provider: Option<Provider>,
    /// Several for rotation: a signature from any of them is valid.
    #[serde(serialize_with = "redacted_secrets")]
    pub secrets: Vec<String>,
    /// Overrides the scheme's timestamp window.
    pub tolerance_s: Option<u64>,
    /// The public URL of the tunnel in front of the capture port, for
    /// URL-signed schemes.
    pub public_url: Option<String>,
}

/// Secrets leave the machine's store only as their last four characters.
fn redacted_secrets<S: serde::Serializer>(secrets: &[String], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(secrets.iter().map(|secret| redact(secret)))
}

pub fn redact(secret: &str) -> String {
    let tail: String = secret.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    if secret.chars().count() <= 8 { "••••".into() } else { format!("••••{tail}") }
}

#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    pub provider: Option<Provider>,
    pub event_id: Option<String>,
    /// Present when a secret is configured for the delivery's endpoint.
    pub verdict: Option<Verdict>,
    /// The URL used for URL-signed schemes, and where it came from.
    pub signed_url: String,
    pub signed_url_source: &'static str,
}

/// The parts of a delivery inspection reads.
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a [Header],
    pub body: &'a [u8],
    pub received_at_us: i64,
}

/// The endpoint whose prefix is the longest that matches `path`.
pub fn endpoint_for<'e>(endpoints: &'e [Endpoint], path: &str) -> Option<&'e Endpoint> {
    endpoints.iter().filter(|e| path.starts_with(&e.path_prefix)).max_by_key(|e| e.path_prefix.len())
}

pub fn inspect(req: &Request, endpoints: &[Endpoint]) -> Inspection {
    let pairs: Vec<(String, Vec<u8>)> = req.headers.iter().map(|h| (h.name.clone(), h.value.clone())).collect();
    let endpoint = endpoint_for(endpoints, req.path);
    let provider = endpoint.and_then(|e| e.provider).or_else(|| signature::detect(&pairs));
    let event_id = provider.and_then(|p| signature::event_id(p, &pairs, req.body));
    let tunnel_url = endpoint.and_then(|e| e.public_url.as_deref());
    let (signed_url, signed_url_source) = tunnel::public_url(req.headers, req.path, req.query, tunnel_url);
    let verdict = match (endpoint, provider) {
        (Some(e), Some(p)) if !e.secrets.is_empty() => {
            let request = SignedRequest {
                method: req.method,
                url: &signed_url,
                headers: &pairs,
                body: req.body,
                received_at_us: req.received_at_us,
            };
            let secrets = Secrets { secrets: e.secrets.iter().map(Secret::new).collect(), certificate: None };
            let opts = VerifyOptions { tolerance_s: e.tolerance_s, generic: None };
            signature::verify(p, &request, &secrets, &opts).ok()
        }
        _ => None,
    };
    Inspection { provider, event_id, verdict, signed_url, signed_url_source }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_matching_prefix_wins_and_secrets_never_serialize() {
        let e = |p: &str| Endpoint {
            path_prefix: p.into(),
            provider: None,
            secrets: vec!["whsec_supersecretvalue1234".into()],
            tolerance_s: None,
            public_url: None,
        };
        let endpoints = [e("/"), e("/stripe"), e("/stripe/live")];
        assert_eq!(endpoint_for(&endpoints, "/stripe/live/x").unwrap().path_prefix, "/stripe/live");
        assert_eq!(endpoint_for(&endpoints, "/github").unwrap().path_prefix, "/");
        let json = serde_json::to_string(&endpoints[1]).unwrap();
        assert!(!json.contains("supersecret"), "the secret never leaves in JSON: {json}");
        assert!(json.contains("••••1234"), "only its last four characters: {json}");
    }
}
