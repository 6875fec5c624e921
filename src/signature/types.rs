//! The values that cross the module's boundary: a request to check, the
//! secrets to check it with, and the verdict with its evidence.

use std::fmt;

use serde::Serialize;
use ts_rs::TS;
use utoipa::ToSchema;

use super::Provider;
use crate::model::{self, Header};

/// A request as the sender signed it. `url` is the public URL the sender
/// posted to (what URL-signed schemes cover), not the local listener's.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    pub method: &'a str,
    pub url: &'a str,
    /// Headers in arrival order; names are matched case-insensitively.
    pub headers: &'a [Header],
    pub body: &'a [u8],
    /// When the request arrived, in microseconds since the Unix epoch: the
    /// clock that timestamps are judged against.
    pub received_at_us: i64,
}

impl<'a> SignedRequest<'a> {
    /// The first header with this name, as text (invalid UTF-8 replaced).
    pub fn header(&self, name: &str) -> Option<String> {
        model::find(self.headers, name).map(|h| h.text().into_owned())
    }

    pub fn has_header(&self, name: &str) -> bool {
        model::find(self.headers, name).is_some()
    }

    pub(crate) fn received_at_s(&self) -> i64 {
        self.received_at_us.div_euclid(1_000_000)
    }
}

/// A signing secret (or, for Discord, the public key; for PayPal, the
/// webhook id). `Debug` never shows the value, so a secret can sit in a
/// struct that gets logged without leaking.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself; call sites that need it say so by name.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret::new(s)
    }
}

/// Everything the verifier may need besides the request: every secret that
/// might be current (rotation: any one matching is enough), and for PayPal
/// the signing certificate the user downloaded from `PAYPAL-CERT-URL`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Secrets {
    pub secrets: Vec<Secret>,
    /// PEM: an X.509 certificate or a `PUBLIC KEY`. Only PayPal uses it.
    pub certificate: Option<String>,
}

impl Secrets {
    pub fn one(secret: impl Into<String>) -> Self {
        Secrets { secrets: vec![Secret::new(secret)], certificate: None }
    }

    pub fn many<I, S>(secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Secrets { secrets: secrets.into_iter().map(Secret::new).collect(), certificate: None }
    }
}

/// What the verifier concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS, ToSchema, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum VerdictKind {
    Valid,
    Invalid,
    /// The signature matches but its timestamp is older than the tolerance.
    Expired,
    /// The signature matches but its timestamp is ahead of the clock by more
    /// than the tolerance.
    Future,
    MissingHeader,
    MalformedHeader,
    NoSecret,
}

impl VerdictKind {
    /// The kind as serialized: `valid`, `missing_header`…
    pub fn id(self) -> &'static str {
        self.into()
    }
}

/// A known mistake, found by trying the alternative and seeing it match
/// (or, for a few, by recognising the shape of the input).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HintCode {
    /// The secret matches once read the other way (`whsec_` raw vs decoded).
    SecretWrongForm,
    /// The secret looks like an API key, not a webhook signing secret.
    SecretIsApiKey,
    /// The secret matches once surrounding whitespace is removed.
    SecretWhitespace,
    /// The body matches once its JSON is laid out differently.
    BodyJsonReserialized,
    /// The body matches once `\u` escapes and raw UTF-8 are swapped.
    BodyUnicodeEscapes,
    /// The body matches once `\/` and `/` are swapped.
    BodySlashEscapes,
    /// The body matches once a trailing newline is added or removed.
    BodyTrailingNewline,
    /// The body matches once form-encoding is undone or redone.
    BodyFormDecoded,
    TimestampTooOld,
    TimestampInFuture,
    /// Another spelling of the URL matches.
    UrlMismatch,
    /// The signature was found under another version tag.
    WrongVersionTag,
    /// The signature matches when read as hex instead of base64 or back.
    SignatureEncoding,
    /// The signature lacks the prefix (e.g. `sha256=`) the scheme puts on it.
    MissingPrefix,
    /// The request looks like it comes from another provider.
    OtherProvider,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, ToSchema)]
pub struct Hint {
    pub code: HintCode,
    pub message: String,
}

impl Hint {
    pub(crate) fn new(code: HintCode, message: impl Into<String>) -> Self {
        Hint { code, message: message.into() }
    }
}

/// A header the verifier looked for, and what it found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, ToSchema)]
pub struct HeaderRead {
    pub name: String,
    pub value: Option<String>,
}

/// The exact bytes that were signed, in a form fit to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, ToSchema)]
pub struct SignedBytes {
    /// Printable UTF-8 as-is; other bytes escaped as `\xNN`, `\n`, `\r`, `\t`.
    pub display: String,
    #[ts(type = "number")]
    pub len: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, ToSchema)]
pub struct TimestampEvidence {
    /// The timestamp as it appeared in the request.
    pub raw: String,
    pub unix_s: i64,
    /// Received-at minus timestamp: positive means the signature is that old.
    pub skew_s: i64,
    /// The window used, if the scheme (or the caller) sets one.
    pub tolerance_s: Option<u64>,
}

/// What the verdict rests on: enough to see why, without re-running it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, ToSchema)]
pub struct Evidence {
    pub provider: Provider,
    /// One line on how the scheme signs, e.g. `HMAC-SHA256, hex, over {timestamp}.{body}`.
    pub scheme: String,
    pub headers_read: Vec<HeaderRead>,
    pub signed: Option<SignedBytes>,
    /// What each secret, in the order given, would have produced, encoded like
    /// `received` so the two line up. Empty for public-key schemes.
    pub expected: Vec<String>,
    pub received: Vec<String>,
    /// Which secret matched (0-based), when one did.
    #[ts(type = "number | null")]
    pub matched_secret: Option<usize>,
    pub timestamp: Option<TimestampEvidence>,
    /// The URL covered by the signature, for URL-signed schemes.
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, ToSchema)]
pub struct Verdict {
    pub kind: VerdictKind,
    /// One sentence for the UI.
    pub summary: String,
    pub evidence: Evidence,
    pub hints: Vec<Hint>,
}

impl Verdict {
    pub fn is_valid(&self) -> bool {
        self.kind == VerdictKind::Valid
    }

    pub fn has_hint(&self, code: HintCode) -> bool {
        self.hints.iter().any(|h| h.code == code)
    }
}

/// Caller choices that override a scheme's defaults.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Seconds either side of the clock a timestamp may be; `None` keeps the
    /// scheme's own default.
    pub tolerance_s: Option<u64>,
    /// Shape of the `generic` scheme; ignored by the others.
    pub generic: Option<super::generic::GenericConfig>,
}

/// Usage errors: the caller asked for something that cannot be done, as
/// opposed to a request that fails verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("unknown provider `{0}`")]
    UnknownProvider(String),
    #[error("the secret is not valid for {provider}: {reason}")]
    BadSecret { provider: Provider, reason: String },
    #[error("{provider} needs {what}")]
    MissingInput { provider: Provider, what: String },
    #[error("invalid generic scheme: {0}")]
    BadGenericConfig(String),
    #[error("{provider} does not sign with headers: {explanation}")]
    NotHeaderSigned { provider: Provider, explanation: String },
}

impl SignatureError {
    /// A stable code for the UI.
    pub fn code(&self) -> &'static str {
        match self {
            SignatureError::UnknownProvider(_) => "unknown_provider",
            SignatureError::BadSecret { .. } => "bad_secret",
            SignatureError::MissingInput { .. } => "missing_input",
            SignatureError::BadGenericConfig(_) => "bad_generic_config",
            SignatureError::NotHeaderSigned { .. } => "not_header_signed",
        }
    }
}

/// What `sign` needs besides the secret.
#[derive(Debug, Clone, Copy)]
pub struct SignParts<'a> {
    pub method: &'a str,
    pub url: &'a str,
    pub body: &'a [u8],
    /// Unix seconds to put in the timestamp.
    pub now_s: i64,
    /// The message id for schemes that sign one (Standard Webhooks, Twitch,
    /// PayPal's transmission id); a fixed one is made up when absent.
    pub id: Option<&'a str>,
    /// Headers the request already carries; some schemes read from them
    /// (HubSpot's version, for example).
    pub headers: &'a [Header],
}

impl<'a> SignParts<'a> {
    /// The request these parts describe, as the verifier reads one (the
    /// clock does not matter to what is signed).
    pub fn as_request(&self) -> SignedRequest<'a> {
        SignedRequest { method: self.method, url: self.url, headers: self.headers, body: self.body, received_at_us: 0 }
    }
}
