//! An endpoint: the settings for the deliveries under one path prefix — how
//! they are signed (a scheme, as a value) and the key material that checks
//! them. Secrets never leave through JSON or `Debug`: reads carry
//! `••••abcd`, and a save that sends a redacted secret back keeps the stored one.

use std::fmt;

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

use super::{CustomResponse, ForwardMode};
use crate::signature::generic::GenericConfig;
use crate::signature::{Provider, Secret, Secrets};

/// How deliveries under a prefix are signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemeChoice {
    /// One of the providers Hookscope knows.
    Preset(Provider),
    /// A configurable HMAC for senders without a preset.
    Generic(GenericConfig),
}

impl SchemeChoice {
    pub fn provider(&self) -> Provider {
        match self {
            SchemeChoice::Preset(p) => *p,
            SchemeChoice::Generic(_) => Provider::Generic,
        }
    }

    pub fn generic(&self) -> Option<&GenericConfig> {
        match self {
            SchemeChoice::Generic(c) => Some(c),
            SchemeChoice::Preset(_) => None,
        }
    }
}

/// Verification settings for the deliveries under one path prefix.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `ep_` and 16 hex digits; stable across edits.
    pub id: String,
    pub path_prefix: String,
    /// `None`: detect the provider from the headers.
    pub scheme: Option<SchemeChoice>,
    /// Secrets (several for rotation), and PayPal's certificate.
    pub keys: Secrets,
    /// Overrides the scheme's timestamp window.
    pub tolerance_s: Option<u64>,
    /// The public URL of the tunnel in front of the capture port, for
    /// URL-signed schemes.
    pub public_url: Option<String>,
    /// The methods this rule matches; empty: every method.
    pub methods: Vec<String>,
    /// Where its deliveries are forwarded (an origin keeps their path and query).
    pub forward_to: Option<String>,
    pub forward_mode: ForwardMode,
    /// Sends in flight to the target at once (default 1: in arrival order).
    pub forward_concurrency: Option<u32>,
    /// Sent instead of the ack (async mode).
    pub response: Option<CustomResponse>,
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("id", &self.id)
            .field("path_prefix", &self.path_prefix)
            .field("scheme", &self.scheme)
            .field("secrets", &self.keys.secrets.iter().map(|s| redact(s.expose())).collect::<Vec<_>>())
            .field("certificate", &self.keys.certificate.as_ref().map(|_| "<pem>"))
            .field("tolerance_s", &self.tolerance_s)
            .field("public_url", &self.public_url)
            .field("methods", &self.methods)
            .field("forward_to", &self.forward_to)
            .field("forward_mode", &self.forward_mode)
            .field("forward_concurrency", &self.forward_concurrency)
            .field("response", &self.response)
            .finish()
    }
}

impl Endpoint {
    pub fn new(path_prefix: impl Into<String>) -> Self {
        Endpoint {
            id: new_endpoint_id(),
            path_prefix: path_prefix.into(),
            scheme: None,
            keys: Secrets::default(),
            tolerance_s: None,
            public_url: None,
            methods: Vec::new(),
            forward_to: None,
            forward_mode: ForwardMode::Async,
            forward_concurrency: None,
            response: None,
        }
    }

    /// Whether this rule takes a request with this method and path.
    pub fn matches(&self, method: &str, path: &str) -> bool {
        path.starts_with(&self.path_prefix)
            && (self.methods.is_empty() || self.methods.iter().any(|m| m.eq_ignore_ascii_case(method)))
    }

    /// What is missing before deliveries under this prefix can get a
    /// verdict, in words; `None` when nothing is.
    pub fn incomplete(&self) -> Option<String> {
        match &self.scheme {
            Some(SchemeChoice::Preset(Provider::Generic)) => {
                Some("the generic scheme needs its header, algorithm, encoding and template".into())
            }
            Some(SchemeChoice::Generic(config)) => config.spec().err().map(|e| e.to_string()),
            Some(SchemeChoice::Preset(Provider::Paypal)) if self.keys.certificate.is_none() => Some(
                "PayPal needs the signing certificate (the PEM at the delivery's PAYPAL-CERT-URL) beside the webhook id"
                    .into(),
            ),
            _ => None,
        }
    }
}

/// A fresh endpoint id.
pub fn new_endpoint_id() -> String {
    let mut bytes = [0u8; 8];
    // The OS's randomness failing is not worth failing a save over: a time-based
    // id is unique enough for a handful of endpoints.
    if getrandom::fill(&mut bytes).is_err() {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        bytes = (now.as_nanos() as u64).to_be_bytes();
    }
    format!("ep_{}", hex::encode(bytes))
}

/// A secret as it may be shown: its last four characters.
pub fn redact(secret: &str) -> String {
    let tail: String = secret.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    if secret.chars().count() <= 8 { REDACTED.into() } else { format!("{REDACTED}{tail}") }
}

const REDACTED: &str = "••••";

/// The rule for a request: of those that take its method, the one whose
/// prefix is the longest that matches `path` (`/` is the default rule).
pub fn endpoint_for<'e>(endpoints: &'e [Endpoint], method: &str, path: &str) -> Option<&'e Endpoint> {
    endpoints.iter().filter(|e| e.matches(method, path)).max_by_key(|e| e.path_prefix.len())
}

/// An endpoint as it crosses the API. On reads `secrets` are redacted; on
/// writes a redacted value (as read) keeps the stored secret it stands for,
/// and a missing `secrets` keeps them all, so editing one setting never means
/// typing the secrets again.
#[derive(Debug, Clone, Serialize, Deserialize, TS, ToSchema)]
#[ts(rename = "Endpoint")]
#[schema(as = Endpoint)]
pub struct EndpointJson {
    /// Absent on create; an existing endpoint's id on edit (the prefix may change).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub id: Option<String>,
    pub path_prefix: String,
    /// The provider to verify as; detected from the headers when null.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub provider: Option<Provider>,
    /// The configurable scheme, with `provider: "generic"`.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub generic: Option<GenericConfig>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub secrets: Option<Vec<String>>,
    /// PayPal: the signing certificate (PEM). It is public, so it is not redacted.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub certificate: Option<String>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub tolerance_s: Option<u64>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub public_url: Option<String>,
    /// Only these methods (e.g. `["POST"]`); empty or absent: every method.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub methods: Option<Vec<String>>,
    /// Forward this rule's deliveries here. An origin (`http://127.0.0.1:3000`)
    /// keeps each delivery's path and query; a URL with a path is used as is.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub forward_to: Option<String>,
    /// `async` (default) or `passthrough`.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub forward_mode: Option<ForwardMode>,
    /// Sends in flight to the target at once (default 1: in arrival order).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub forward_concurrency: Option<u32>,
    /// An answer sent instead of the ack, after the commit (async mode).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub response: Option<CustomResponse>,
    /// Read only (ignored on writes): what is missing before a verdict can be given.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub incomplete: Option<String>,
}

impl From<&Endpoint> for EndpointJson {
    fn from(e: &Endpoint) -> Self {
        EndpointJson {
            id: Some(e.id.clone()),
            path_prefix: e.path_prefix.clone(),
            provider: e.scheme.as_ref().map(SchemeChoice::provider),
            generic: e.scheme.as_ref().and_then(SchemeChoice::generic).cloned(),
            secrets: Some(e.keys.secrets.iter().map(|s| redact(s.expose())).collect()),
            certificate: e.keys.certificate.clone(),
            tolerance_s: e.tolerance_s,
            public_url: e.public_url.clone(),
            methods: Some(e.methods.clone()),
            forward_to: e.forward_to.clone(),
            forward_mode: Some(e.forward_mode),
            forward_concurrency: e.forward_concurrency,
            response: e.response.clone(),
            incomplete: e.incomplete(),
        }
    }
}

impl EndpointJson {
    /// The endpoint this describes, given what is stored under the same id (or
    /// prefix), whose secrets a redacted value stands for.
    pub fn into_endpoint(self, stored: Option<&Endpoint>) -> Result<Endpoint, String> {
        let scheme = match (self.provider, self.generic) {
            (None, _) => None,
            (Some(Provider::Generic), Some(config)) => {
                // An unusable configuration is refused here, not found out per delivery.
                config.spec().map_err(|e| e.to_string())?;
                Some(SchemeChoice::Generic(config))
            }
            (Some(Provider::Generic), None) => {
                return Err("the generic scheme needs its header, algorithm, encoding and template".into());
            }
            (Some(p), _) => Some(SchemeChoice::Preset(p)),
        };
        let kept = stored.map(|e| e.keys.secrets.as_slice()).unwrap_or_default();
        let secrets = match self.secrets {
            None => kept.to_vec(),
            Some(given) => given
                .into_iter()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .map(|s| {
                    if !s.starts_with(REDACTED) {
                        return Ok(Secret::new(s));
                    }
                    kept.iter()
                        .find(|k| redact(k.expose()) == s)
                        .cloned()
                        .ok_or_else(|| format!("{s} matches no stored secret: type the secret itself"))
                })
                .collect::<Result<Vec<_>, String>>()?,
        };
        let certificate = match self.certificate {
            Some(pem) if pem.trim().is_empty() => None,
            Some(pem) => Some(pem),
            None => stored.and_then(|e| e.keys.certificate.clone()),
        };
        let methods = self
            .methods
            .unwrap_or_default()
            .into_iter()
            .map(|m| m.trim().to_ascii_uppercase())
            .filter(|m| !m.is_empty())
            .map(|m| {
                if m.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)) {
                    Ok(m)
                } else {
                    Err(format!("{m:?} is not an HTTP method"))
                }
            })
            .collect::<Result<Vec<_>, String>>()?;
        let forward_to = self.forward_to.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        if let Some(to) = &forward_to {
            check_target(to)?;
        }
        if let Some(response) = &self.response {
            response.check()?;
        }
        if self.forward_concurrency.is_some_and(|n| !(1..=64).contains(&n)) {
            return Err("forward_concurrency: give 1 to 64".into());
        }
        Ok(Endpoint {
            id: stored.map(|e| e.id.clone()).or(self.id).unwrap_or_else(new_endpoint_id),
            path_prefix: self.path_prefix,
            scheme,
            keys: Secrets { secrets, certificate },
            tolerance_s: self.tolerance_s,
            public_url: self.public_url.filter(|u| !u.trim().is_empty()),
            methods,
            forward_to,
            forward_mode: self.forward_mode.unwrap_or_default(),
            forward_concurrency: self.forward_concurrency,
            response: self.response,
        })
    }
}

/// A forward target is an http(s) URL with a host.
fn check_target(to: &str) -> Result<(), String> {
    match url::Url::parse(to) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => Ok(()),
        _ => Err(format!("forward_to {to:?}: give an http:// or https:// URL, like http://127.0.0.1:3000")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stripe(prefix: &str) -> Endpoint {
        Endpoint {
            scheme: Some(SchemeChoice::Preset(Provider::Stripe)),
            keys: Secrets::one("whsec_supersecretvalue1234"),
            ..Endpoint::new(prefix)
        }
    }

    #[test]
    fn the_longest_matching_prefix_wins() {
        let endpoints = [stripe("/"), stripe("/stripe"), stripe("/stripe/live")];
        assert_eq!(endpoint_for(&endpoints, "POST", "/stripe/live/x").unwrap().path_prefix, "/stripe/live");
        assert_eq!(endpoint_for(&endpoints, "POST", "/github").unwrap().path_prefix, "/");
    }

    #[test]
    fn a_rule_for_some_methods_leaves_the_others_to_shorter_prefixes() {
        let posts = Endpoint { methods: vec!["POST".into()], ..stripe("/stripe") };
        let endpoints = [stripe("/"), posts];
        assert_eq!(endpoint_for(&endpoints, "post", "/stripe/x").unwrap().path_prefix, "/stripe");
        assert_eq!(endpoint_for(&endpoints, "GET", "/stripe/x").unwrap().path_prefix, "/");
    }

    #[test]
    fn forwarding_settings_are_checked_on_save() {
        let base = EndpointJson::from(&Endpoint::new("/f"));
        let bad_target = EndpointJson { forward_to: Some("ftp://x".into()), ..base.clone() };
        assert!(bad_target.into_endpoint(None).unwrap_err().contains("forward_to"));
        let slow = CustomResponse { status: 200, headers: vec![], body: String::new(), delay_ms: 30_001 };
        let too_slow = EndpointJson { response: Some(slow), ..base.clone() };
        assert!(too_slow.into_endpoint(None).unwrap_err().contains("delay"));
        let bad_header = CustomResponse {
            status: 503,
            headers: vec![("X\r\nY".into(), "1".into())],
            body: String::new(),
            delay_ms: 0,
        };
        assert!(EndpointJson { response: Some(bad_header), ..base.clone() }.into_endpoint(None).is_err());
        let ok = EndpointJson {
            forward_to: Some(" http://127.0.0.1:3000 ".into()),
            methods: Some(vec!["post".into()]),
            ..base
        }
        .into_endpoint(None)
        .unwrap();
        assert_eq!(ok.forward_to.as_deref(), Some("http://127.0.0.1:3000"));
        assert_eq!(ok.methods, vec!["POST"]);
        assert_eq!(ok.forward_mode, ForwardMode::Async, "absent fields keep their defaults");
    }

    #[test]
    fn secrets_never_serialize_nor_debug() {
        let e = stripe("/stripe");
        let json = serde_json::to_string(&EndpointJson::from(&e)).unwrap();
        assert!(!json.contains("supersecret"), "the secret never leaves in JSON: {json}");
        assert!(json.contains("••••1234"), "only its last four characters: {json}");
        let debug = format!("{e:?}");
        assert!(!debug.contains("supersecret"), "Debug must not print the secret: {debug}");
        assert!(debug.contains("••••1234"), "Debug shows the redacted form: {debug}");
    }

    #[test]
    fn saving_what_was_read_keeps_the_secrets() {
        let stored = stripe("/stripe");
        let mut edit = EndpointJson::from(&stored);
        edit.tolerance_s = Some(60);
        let saved = edit.clone().into_endpoint(Some(&stored)).unwrap();
        assert_eq!(saved.keys.secrets, stored.keys.secrets, "a redacted secret stands for the stored one");
        assert_eq!(saved.id, stored.id, "the id survives an edit");
        assert_eq!(saved.tolerance_s, Some(60));
        edit.secrets = None;
        assert_eq!(edit.into_endpoint(Some(&stored)).unwrap().keys.secrets, stored.keys.secrets, "absent keeps all");
    }

    #[test]
    fn a_redacted_value_that_matches_nothing_is_refused() {
        let json =
            EndpointJson { secrets: Some(vec!["••••zzzz".into()]), ..EndpointJson::from(&Endpoint::new("/x")) };
        assert!(json.into_endpoint(None).is_err(), "a placeholder is never saved as a secret");
    }

    #[test]
    fn generic_without_its_config_and_paypal_without_a_certificate_say_what_is_missing() {
        let json = EndpointJson { provider: Some(Provider::Generic), ..EndpointJson::from(&Endpoint::new("/g")) };
        let err = json.into_endpoint(None).unwrap_err();
        assert!(err.contains("generic scheme needs"), "{err}");
        let paypal = Endpoint { scheme: Some(SchemeChoice::Preset(Provider::Paypal)), ..Endpoint::new("/p") };
        assert!(paypal.incomplete().unwrap().contains("certificate"), "PayPal names the certificate");
        assert_eq!(stripe("/s").incomplete(), None, "a preset with a secret is complete");
    }
}
