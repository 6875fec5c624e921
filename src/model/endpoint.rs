//! An endpoint: the settings for the deliveries under one path prefix — how
//! they are signed (a scheme, as a value) and the key material that checks
//! them. Secrets never leave through JSON or `Debug`: reads carry
//! `••••abcd`, and a save that sends a redacted secret back keeps the stored one.

use std::fmt;

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

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
        }
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

/// The endpoint whose prefix is the longest that matches `path`.
pub fn endpoint_for<'e>(endpoints: &'e [Endpoint], path: &str) -> Option<&'e Endpoint> {
    endpoints.iter().filter(|e| path.starts_with(&e.path_prefix)).max_by_key(|e| e.path_prefix.len())
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
        Ok(Endpoint {
            id: stored.map(|e| e.id.clone()).or(self.id).unwrap_or_else(new_endpoint_id),
            path_prefix: self.path_prefix,
            scheme,
            keys: Secrets { secrets, certificate },
            tolerance_s: self.tolerance_s,
            public_url: self.public_url.filter(|u| !u.trim().is_empty()),
        })
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
        assert_eq!(endpoint_for(&endpoints, "/stripe/live/x").unwrap().path_prefix, "/stripe/live");
        assert_eq!(endpoint_for(&endpoints, "/github").unwrap().path_prefix, "/");
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
