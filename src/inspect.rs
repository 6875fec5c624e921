//! What a delivery is, beyond its bytes: which provider sent it, its event id
//! (to spot redeliveries), and — when the user configured a secret for its
//! endpoint — whether its signature holds, with the verdict's evidence.
//! Pure: the store's indexer runs it off the ack path, the API on demand.

use serde::Serialize;
use ts_rs::TS;
use utoipa::ToSchema;

use crate::model::{Endpoint, Header, endpoint_for};
use crate::signature::{self, Provider, SignedRequest, Verdict, VerifyOptions};
use crate::tunnel;

#[derive(Debug, Clone, Serialize, TS, ToSchema)]
pub struct Inspection {
    pub provider: Option<Provider>,
    pub event_id: Option<String>,
    /// Present when a secret is configured for the delivery's endpoint.
    pub verdict: Option<Verdict>,
    /// Why the delivery's endpoint gives no verdict although it has a secret:
    /// "this endpoint's settings are incomplete: …".
    pub incomplete: Option<String>,
    /// The URL used for URL-signed schemes, and where it came from.
    pub signed_url: String,
    pub signed_url_source: String,
}

impl Inspection {
    /// What the list shows for this delivery: the verdict's kind, or
    /// `incomplete` when the endpoint cannot give one.
    pub fn list_verdict(&self) -> Option<&'static str> {
        match (&self.verdict, &self.incomplete) {
            (Some(v), _) => Some(v.kind.id()),
            (None, Some(_)) => Some(INCOMPLETE),
            (None, None) => None,
        }
    }
}

/// The list's verdict for an endpoint whose settings cannot give one.
pub const INCOMPLETE: &str = "incomplete";

/// The parts of a delivery inspection reads.
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a [Header],
    pub body: &'a [u8],
    pub received_at_us: i64,
}

pub fn inspect(req: &Request, endpoints: &[Endpoint]) -> Inspection {
    let endpoint = endpoint_for(endpoints, req.method, req.path);
    let provider =
        endpoint.and_then(|e| e.scheme.as_ref().map(|s| s.provider())).or_else(|| signature::detect(req.headers));
    let event_id = provider.and_then(|p| signature::event_id(p, req.headers, req.body));
    let tunnel_url = endpoint.and_then(|e| e.public_url.as_deref());
    let (signed_url, signed_url_source) = tunnel::public_url(req.headers, req.path, req.query, tunnel_url);
    let (verdict, incomplete) = match (endpoint, provider) {
        (Some(e), Some(p)) if !e.keys.secrets.is_empty() => match judge(e, p, req, &signed_url) {
            Ok(v) => (Some(v), None),
            Err(why) => (None, Some(format!("this endpoint's settings are incomplete: {why}"))),
        },
        _ => (None, None),
    };
    Inspection { provider, event_id, verdict, incomplete, signed_url, signed_url_source: signed_url_source.to_owned() }
}

/// The verdict under `e`'s settings, or why they cannot give one.
fn judge(e: &Endpoint, p: Provider, req: &Request, signed_url: &str) -> Result<Verdict, String> {
    if let Some(why) = e.incomplete() {
        return Err(why);
    }
    let request = SignedRequest {
        method: req.method,
        url: signed_url,
        headers: req.headers,
        body: req.body,
        received_at_us: req.received_at_us,
    };
    let generic = e.scheme.as_ref().and_then(|s| s.generic()).cloned();
    let opts = VerifyOptions { tolerance_s: e.tolerance_s, generic };
    signature::verify(p, &request, &e.keys, &opts).map_err(|err| err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SchemeChoice;
    use crate::signature::Secrets;

    fn request<'a>(headers: &'a [Header]) -> Request<'a> {
        Request {
            method: "POST",
            path: "/hooks/x",
            query: None,
            headers,
            body: b"{}",
            received_at_us: 1_700_000_000_000_000,
        }
    }

    #[rstest::rstest]
    #[case::generic_stored_without_its_config(SchemeChoice::Preset(Provider::Generic), "generic scheme needs")]
    #[case::paypal_without_a_certificate(SchemeChoice::Preset(Provider::Paypal), "certificate")]
    fn an_endpoint_that_cannot_judge_says_why(#[case] scheme: SchemeChoice, #[case] why: &str) {
        let endpoint =
            Endpoint { scheme: Some(scheme), keys: Secrets::one("secret-value-1234"), ..Endpoint::new("/hooks") };
        let headers = [Header::new("Content-Type", "application/json")];
        let found = inspect(&request(&headers), &[endpoint]);
        assert!(found.verdict.is_none(), "no verdict can be given");
        let said = found.incomplete.clone().expect("the inspection must say the settings are incomplete");
        assert!(said.starts_with("this endpoint's settings are incomplete: "), "{said}");
        assert!(said.contains(why), "{said} should name {why:?}");
        assert_eq!(found.list_verdict(), Some(INCOMPLETE), "the list shows it too");
    }

    #[test]
    fn a_generic_endpoint_with_its_config_gets_a_verdict() {
        let config = signature::generic::GenericConfig::default();
        let endpoint = Endpoint {
            scheme: Some(SchemeChoice::Generic(config)),
            keys: Secrets::one("secret-value-1234"),
            ..Endpoint::new("/hooks")
        };
        let headers = [Header::new("X-Signature", "00")];
        let found = inspect(&request(&headers), &[endpoint]);
        assert_eq!(found.incomplete, None);
        assert_eq!(found.verdict.map(|v| v.kind), Some(signature::VerdictKind::Invalid), "a wrong signature is judged");
    }
}
