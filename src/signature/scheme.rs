//! The one interface every provider implements, so that the verifier (and
//! its search for known mistakes) is written once.

use super::types::{HeaderRead, HintCode, SignParts, SignatureError, SignedRequest};
use super::{Provider, Secrets};

/// Key material a secret turns into.
pub(crate) enum Key {
    Bytes(Vec<u8>),
    Ed25519(ed25519_dalek::VerifyingKey),
    Paypal { webhook_id: String, public: rsa::PublicKey },
}

/// A timestamp as it appeared and as Unix seconds.
#[derive(Debug, Clone)]
pub(crate) struct Stamp {
    pub raw: String,
    pub unix_s: i64,
}

/// A signature read from the request under a non-standard reading (another
/// version tag, another encoding, a missing prefix). It never makes a
/// request valid; it only explains why it is not.
#[derive(Debug, Clone)]
pub(crate) struct LooseSig {
    pub bytes: Vec<u8>,
    pub code: HintCode,
    pub message: String,
}

/// What a scheme reads from a request before any secret is involved.
#[derive(Debug, Clone, Default)]
pub(crate) struct Parsed {
    pub headers_read: Vec<HeaderRead>,
    /// Signatures as sent, for display.
    pub received: Vec<String>,
    /// Signatures decoded, to compare against.
    pub sigs: Vec<Vec<u8>>,
    pub loose: Vec<LooseSig>,
    pub stamp: Option<Stamp>,
    pub id: Option<String>,
    /// Which variant of the scheme the request uses (GitHub sha1 vs sha256,
    /// HubSpot v1/v2/v3); empty when there is one.
    pub variant: &'static str,
}

impl Parsed {
    pub fn read(&mut self, name: &str, value: Option<String>) -> Option<String> {
        self.headers_read.push(HeaderRead { name: name.to_owned(), value: value.clone() });
        value
    }
}

/// Why the headers could not be read.
#[derive(Debug, Clone)]
pub(crate) struct HeaderFault {
    pub missing: bool,
    pub header: String,
    pub reason: String,
    pub headers_read: Vec<HeaderRead>,
}

impl HeaderFault {
    pub fn missing(parsed: &Parsed, header: &str) -> Self {
        HeaderFault {
            missing: true,
            header: header.to_owned(),
            reason: format!("no `{header}` header"),
            headers_read: parsed.headers_read.clone(),
        }
    }

    pub fn malformed(parsed: &Parsed, header: &str, reason: impl Into<String>) -> Self {
        HeaderFault {
            missing: false,
            header: header.to_owned(),
            reason: reason.into(),
            headers_read: parsed.headers_read.clone(),
        }
    }
}

/// The outcome of checking one key against one reading of the request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Attempt {
    pub signed: Vec<u8>,
    /// The signature this key produces, encoded like the received ones;
    /// `None` for public-key schemes, where it cannot be computed.
    pub expected: Option<String>,
    /// The raw signature bytes this key produces, to compare with loose readings.
    pub expected_raw: Option<Vec<u8>>,
    pub matched: bool,
    /// The URL that was covered (for URL-signed schemes).
    pub url: Option<String>,
}

/// A secret read another way than the scheme reads it.
pub(crate) struct AltKey {
    pub key: Key,
    pub code: HintCode,
    pub message: String,
}

/// What `sign` produces: headers to send and, for schemes that sign inside
/// the body (Mailgun), the rewritten body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub headers: Vec<(String, String)>,
    /// `Some` when the body had to change to carry the signature.
    pub body: Option<Vec<u8>>,
}

/// Inputs to `sign` besides the secret.
#[derive(Debug, Clone, Default)]
pub struct SignOptions {
    pub generic: Option<super::generic::GenericConfig>,
    /// PayPal: the RSA private key (PKCS#8 or PKCS#1 PEM) that signs.
    pub private_key_pem: Option<String>,
}

pub(crate) trait Scheme {
    fn provider(&self) -> Provider;
    /// One line on how the scheme signs.
    fn describe(&self) -> String;
    fn default_tolerance(&self) -> Option<u64> {
        None
    }
    /// Whether the URL is part of what is signed.
    fn uses_url(&self) -> bool {
        false
    }
    /// Whether every body byte is covered (GitLab's token and Mailgun's
    /// fields are not).
    fn covers_body(&self) -> bool {
        true
    }
    /// Checks inputs that are not per secret (PayPal's certificate).
    fn check_inputs(&self, _secrets: &Secrets) -> Result<(), SignatureError> {
        Ok(())
    }
    fn parse(&self, req: &SignedRequest<'_>) -> Result<Parsed, HeaderFault>;
    /// The key a secret stands for; most schemes use the secret's bytes as given.
    fn key(&self, secret: &str, _secrets: &Secrets) -> Result<Key, String> {
        Ok(Key::Bytes(secret.as_bytes().to_vec()))
    }
    /// Readings of the secret that users confuse with the right one.
    fn alt_keys(&self, _secret: &str, _secrets: &Secrets) -> Vec<AltKey> {
        Vec::new()
    }
    fn attempt(&self, key: &Key, req: &SignedRequest<'_>, parsed: &Parsed) -> Attempt;
    fn sign(&self, secret: &str, parts: &SignParts<'_>, opts: &SignOptions) -> Result<Signed, SignatureError>;
}

/// A short, non-reversible stand-in for a secret value, so token schemes can
/// show "expected vs received" without printing the secret.
pub(crate) fn fingerprint(value: &[u8]) -> String {
    let digest = super::codec::sha256(&[value]);
    format!("sha256:{}", &hex::encode(digest)[..12])
}

/// A message id for `sign` when the caller gives none: stable for the same
/// body and time, so re-signing is reproducible.
pub(crate) fn made_up_id(parts: &SignParts<'_>) -> String {
    let digest = super::codec::sha256(&[parts.body, parts.now_s.to_string().as_bytes()]);
    format!("msg_{}", &hex::encode(digest)[..24])
}
