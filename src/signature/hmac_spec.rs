//! Most providers sign the same way: an HMAC over a string built from the
//! body, a timestamp, an id or the URL, written into one header in one of
//! three shapes. `HmacSpec` describes such a scheme as data, so each of those
//! providers is a few lines and `generic` is the same code with user input.

use serde::{Deserialize, Serialize};

use super::codec::{self, Algorithm, Encoding};
use super::scheme::{
    AltKey, Attempt, HeaderFault, Key, LooseSig, Parsed, Scheme, SignOptions, Signed, Stamp, made_up_id,
};
use super::types::{HintCode, SignParts, SignatureError, SignedRequest};
use super::{Provider, Secrets};

/// How the signature sits in its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shape {
    /// The whole value: `prefix` then the signature (`sha256=<hex>`, or bare).
    Prefixed(String),
    /// `t=…,v1=…,v1=…`: pairs split on `separator`, signatures under `key`,
    /// which may repeat.
    Pairs { separator: char, key: String },
    /// Space-separated `v1,<sig>` entries (Standard Webhooks).
    VersionList { version: String },
}

/// The unit a timestamp is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    Seconds,
    Millis,
    Rfc3339,
}

impl TimeUnit {
    pub(crate) fn parse(self, raw: &str) -> Option<i64> {
        let raw = raw.trim();
        match self {
            TimeUnit::Seconds => raw.parse::<i64>().ok(),
            TimeUnit::Millis => raw.parse::<i64>().ok().map(|ms| ms.div_euclid(1000)),
            TimeUnit::Rfc3339 => codec::parse_rfc3339(raw),
        }
    }

    pub(crate) fn format(self, unix_s: i64) -> String {
        match self {
            TimeUnit::Seconds => unix_s.to_string(),
            TimeUnit::Millis => (unix_s * 1000).to_string(),
            TimeUnit::Rfc3339 => codec::format_rfc3339(unix_s),
        }
    }
}

/// Where the timestamp comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Timestamp {
    None,
    Header {
        name: String,
        unit: TimeUnit,
    },
    /// A field of the signature header in the `Pairs` shape (`t=`).
    PairField {
        key: String,
    },
    /// A top-level number in a JSON body (Linear's `webhookTimestamp`); the
    /// scheme still verifies when it is absent.
    BodyJson {
        field: String,
        unit: TimeUnit,
    },
}

/// How the secret becomes the HMAC key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyForm {
    /// The secret's bytes, whatever they look like (Stripe keeps `whsec_`).
    Raw,
    /// `whsec_` stripped, the rest base64-decoded (Standard Webhooks, Svix).
    WhsecBase64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    Lit(String),
    Body,
    Timestamp,
    Id,
    Url,
    Method,
}

/// Reads `{body}`-style templates. Unknown `{names}` are literal text.
pub(crate) fn parse_template(template: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        lit.push_str(&rest[..open]);
        let after = &rest[open..];
        let placeholder = [
            ("{body}", Part::Body),
            ("{timestamp}", Part::Timestamp),
            ("{id}", Part::Id),
            ("{url}", Part::Url),
            ("{method}", Part::Method),
        ]
        .into_iter()
        .find(|(name, _)| after.starts_with(name));
        match placeholder {
            Some((name, part)) => {
                if !lit.is_empty() {
                    parts.push(Part::Lit(std::mem::take(&mut lit)));
                }
                parts.push(part);
                rest = &after[name.len()..];
            }
            None => {
                lit.push('{');
                rest = &after[1..];
            }
        }
    }
    lit.push_str(rest);
    if !lit.is_empty() {
        parts.push(Part::Lit(lit));
    }
    if !parts.contains(&Part::Body) && !parts.contains(&Part::Url) {
        return Err("the template must contain {body} or {url}".into());
    }
    Ok(parts)
}

#[derive(Debug, Clone)]
pub(crate) struct HmacSpec {
    pub provider: Provider,
    pub algorithm: Algorithm,
    pub encoding: Encoding,
    pub header: String,
    pub shape: Shape,
    pub template: String,
    pub parts: Vec<Part>,
    pub timestamp: Timestamp,
    pub id_header: Option<String>,
    pub tolerance: Option<u64>,
    pub key_form: KeyForm,
}

impl HmacSpec {
    /// A spec over `{body}` alone in a `Prefixed` header: the most common shape.
    pub fn body_only(provider: Provider, algorithm: Algorithm, encoding: Encoding, header: &str, prefix: &str) -> Self {
        Self::new(provider, algorithm, encoding, header, Shape::Prefixed(prefix.into()), "{body}")
    }

    pub fn new(
        provider: Provider,
        algorithm: Algorithm,
        encoding: Encoding,
        header: &str,
        shape: Shape,
        template: &str,
    ) -> Self {
        HmacSpec {
            provider,
            algorithm,
            encoding,
            header: header.into(),
            shape,
            template: template.into(),
            // Built-in templates are known good; generic ones are checked in `generic`.
            parts: parse_template(template).unwrap_or_else(|_| vec![Part::Body]),
            timestamp: Timestamp::None,
            id_header: None,
            tolerance: None,
            key_form: KeyForm::Raw,
        }
    }

    pub fn timestamp(mut self, timestamp: Timestamp, tolerance: Option<u64>) -> Self {
        self.timestamp = timestamp;
        self.tolerance = tolerance;
        self
    }

    pub fn id_header(mut self, name: &str) -> Self {
        self.id_header = Some(name.into());
        self
    }

    pub fn key_form(mut self, form: KeyForm) -> Self {
        self.key_form = form;
        self
    }

    /// The message for this request, given its (possibly altered) body and URL.
    pub fn message(&self, req: &SignedRequest<'_>, parsed: &Parsed) -> Vec<u8> {
        let mut out = Vec::with_capacity(req.body.len() + 64);
        for part in &self.parts {
            match part {
                Part::Lit(s) => out.extend_from_slice(s.as_bytes()),
                Part::Body => out.extend_from_slice(req.body),
                Part::Timestamp => {
                    out.extend_from_slice(parsed.stamp.as_ref().map_or("", |s| s.raw.as_str()).as_bytes())
                }
                Part::Id => out.extend_from_slice(parsed.id.as_deref().unwrap_or("").as_bytes()),
                Part::Url => out.extend_from_slice(req.url.as_bytes()),
                Part::Method => out.extend_from_slice(req.method.as_bytes()),
            }
        }
        out
    }

    /// The signature as it is written in the header.
    fn written(&self, sig: &[u8]) -> String {
        let enc = self.encoding.encode(sig);
        match &self.shape {
            Shape::Prefixed(prefix) => format!("{prefix}{enc}"),
            Shape::Pairs { key, .. } => format!("{key}={enc}"),
            Shape::VersionList { version } => format!("{version},{enc}"),
        }
    }

    fn decode_sig(&self, text: &str, parsed: &mut Parsed) -> Option<Vec<u8>> {
        // Hex text is also valid base64, so the other reading is kept as a
        // loose one even when the scheme's own encoding decodes.
        if let Some(bytes) = self.encoding.other().decode(text) {
            parsed.loose.push(LooseSig {
                bytes,
                code: HintCode::SignatureEncoding,
                message: format!(
                    "The signature is written in {} but {} uses {}.",
                    self.encoding.other().name(),
                    self.provider,
                    self.encoding.name()
                ),
            });
        }
        self.encoding.decode(text)
    }

    fn parse_signature(&self, value: &str, parsed: &mut Parsed) -> Result<Option<String>, String> {
        let mut pair_stamp = None;
        match &self.shape {
            Shape::Prefixed(prefix) => {
                let v = value.trim();
                if let Some(rest) = strip_prefix_ci(v, prefix) {
                    parsed.received.push(v.to_owned());
                    if let Some(sig) = self.decode_sig(rest, parsed) {
                        parsed.sigs.push(sig);
                    }
                } else {
                    // Another tag (`v1=` for `v0=`, `sha1=` for `sha256=`) or none at all.
                    let (code, rest, message) = match v.split_once('=') {
                        Some((tag, rest))
                            if !tag.is_empty() && tag.len() <= 8 && tag.chars().all(|c| c.is_ascii_alphanumeric()) =>
                        {
                            (
                                HintCode::WrongVersionTag,
                                rest,
                                format!("The signature is tagged `{tag}=` but {} uses `{prefix}`.", self.provider),
                            )
                        }
                        _ => (
                            HintCode::MissingPrefix,
                            v,
                            format!("The signature lacks the `{prefix}` prefix {} puts before it.", self.provider),
                        ),
                    };
                    parsed.received.push(v.to_owned());
                    let decoded = self.encoding.decode(rest).or_else(|| self.encoding.other().decode(rest));
                    if let Some(bytes) = decoded {
                        parsed.loose.push(LooseSig { bytes, code, message });
                    }
                }
            }
            Shape::Pairs { separator, key } => {
                let ts_key = match &self.timestamp {
                    Timestamp::PairField { key } => Some(key.as_str()),
                    _ => None,
                };
                for item in value.split(*separator) {
                    let Some((k, v)) = item.trim().split_once('=') else {
                        continue;
                    };
                    let k = k.trim();
                    if Some(k) == ts_key {
                        pair_stamp.get_or_insert_with(|| v.trim().to_owned());
                    } else if k == key {
                        parsed.received.push(format!("{k}={}", v.trim()));
                        if let Some(sig) = self.decode_sig(v.trim(), parsed) {
                            parsed.sigs.push(sig);
                        }
                    } else if let Some(bytes) = self.encoding.decode(v.trim()) {
                        parsed.received.push(format!("{k}={}", v.trim()));
                        parsed.loose.push(LooseSig {
                            bytes,
                            code: HintCode::WrongVersionTag,
                            message: format!("The signature is under `{k}=` but {} reads `{key}=`.", self.provider),
                        });
                    }
                }
            }
            Shape::VersionList { version } => {
                for item in value.split_whitespace() {
                    let Some((tag, sig)) = item.split_once(',') else {
                        continue;
                    };
                    parsed.received.push(item.to_owned());
                    if tag == version {
                        if let Some(bytes) = self.decode_sig(sig, parsed) {
                            parsed.sigs.push(bytes);
                        }
                    } else if let Some(bytes) = self.encoding.decode(sig) {
                        parsed.loose.push(LooseSig {
                            bytes,
                            code: HintCode::WrongVersionTag,
                            message: format!(
                                "The signature is tagged `{tag},` but {} uses `{version},`.",
                                self.provider
                            ),
                        });
                    }
                }
            }
        }
        if parsed.sigs.is_empty() && parsed.loose.is_empty() {
            return Err("no signature could be read from it".into());
        }
        Ok(pair_stamp)
    }

    fn read_stamp(
        &self,
        req: &SignedRequest<'_>,
        parsed: &mut Parsed,
        pair_stamp: Option<String>,
    ) -> Result<(), HeaderFault> {
        let (raw, unit, source) = match &self.timestamp {
            Timestamp::None => return Ok(()),
            Timestamp::Header { name, unit } => match parsed.read(name, req.header(name)) {
                Some(v) => (v, *unit, name.clone()),
                None => return Err(HeaderFault::missing(parsed, name)),
            },
            Timestamp::PairField { key } => match pair_stamp {
                Some(v) => (v, TimeUnit::Seconds, self.header.clone()),
                None => {
                    return Err(HeaderFault::malformed(parsed, &self.header, format!("no `{key}=` timestamp in it")));
                }
            },
            Timestamp::BodyJson { field, unit } => {
                let value = serde_json::from_slice::<serde_json::Value>(req.body).ok();
                let raw = value.as_ref().and_then(|v| v.get(field)).and_then(|v| match v {
                    serde_json::Value::Number(n) => Some(n.to_string()),
                    serde_json::Value::String(s) => Some(s.clone()),
                    _ => None,
                });
                parsed
                    .headers_read
                    .push(super::types::HeaderRead { name: format!("body:{field}"), value: raw.clone() });
                match raw {
                    Some(raw) => (raw, *unit, format!("body:{field}")),
                    None => return Ok(()),
                }
            }
        };
        match unit.parse(&raw) {
            Some(unix_s) => {
                parsed.stamp = Some(Stamp { raw, unix_s });
                Ok(())
            }
            None => Err(HeaderFault::malformed(parsed, &source, format!("`{raw}` is not a timestamp"))),
        }
    }
}

fn strip_prefix_ci<'a>(value: &'a str, prefix: &str) -> Option<&'a str> {
    let head = value.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &value[prefix.len()..])
}

impl Scheme for HmacSpec {
    fn provider(&self) -> Provider {
        self.provider
    }

    fn describe(&self) -> String {
        format!("HMAC-{} in `{}`, {}, over {}", self.algorithm.name(), self.header, self.encoding.name(), self.template)
    }

    fn default_tolerance(&self) -> Option<u64> {
        self.tolerance
    }

    fn uses_url(&self) -> bool {
        self.parts.contains(&Part::Url)
    }

    fn covers_body(&self) -> bool {
        self.parts.contains(&Part::Body)
    }

    fn parse(&self, req: &SignedRequest<'_>) -> Result<Parsed, HeaderFault> {
        let mut parsed = Parsed::default();
        let Some(value) = parsed.read(&self.header, req.header(&self.header)) else {
            return Err(HeaderFault::missing(&parsed, &self.header));
        };
        if let Some(id_header) = &self.id_header {
            parsed.id = parsed.read(id_header, req.header(id_header));
            if parsed.id.is_none() && self.parts.contains(&Part::Id) {
                return Err(HeaderFault::missing(&parsed, id_header));
            }
        }
        let pair_stamp = match self.parse_signature(&value, &mut parsed) {
            Ok(stamp) => stamp,
            Err(reason) => return Err(HeaderFault::malformed(&parsed, &self.header, reason)),
        };
        self.read_stamp(req, &mut parsed, pair_stamp)?;
        Ok(parsed)
    }

    fn key(&self, secret: &str, _secrets: &Secrets) -> Result<Key, String> {
        match self.key_form {
            KeyForm::Raw => Ok(Key::Bytes(secret.as_bytes().to_vec())),
            KeyForm::WhsecBase64 => {
                let rest = secret.strip_prefix("whsec_").unwrap_or(secret);
                codec::decode_base64(rest)
                    .map(Key::Bytes)
                    .ok_or_else(|| "after `whsec_` the secret must be base64".to_owned())
            }
        }
    }

    fn alt_keys(&self, secret: &str, _secrets: &Secrets) -> Vec<AltKey> {
        match self.key_form {
            KeyForm::Raw => secret
                .strip_prefix("whsec_")
                .and_then(codec::decode_base64)
                .map(|bytes| AltKey {
                    key: Key::Bytes(bytes),
                    code: HintCode::SecretWrongForm,
                    message: format!(
                        "The sender decoded the `whsec_` secret as Standard Webhooks does (strip `whsec_`, base64-decode); {} uses the whole string as the key.",
                        self.provider
                    ),
                })
                .into_iter()
                .collect(),
            KeyForm::WhsecBase64 => vec![AltKey {
                key: Key::Bytes(secret.as_bytes().to_vec()),
                code: HintCode::SecretWrongForm,
                message: format!(
                    "The sender used the whole secret string as the HMAC key, as Stripe does; {} strips `whsec_` and base64-decodes the rest.",
                    self.provider
                ),
            }],
        }
    }

    fn attempt(&self, key: &Key, req: &SignedRequest<'_>, parsed: &Parsed) -> Attempt {
        let Key::Bytes(key) = key else {
            return Attempt::default();
        };
        let signed = self.message(req, parsed);
        let mac = codec::hmac(self.algorithm, key, &signed);
        let matched = parsed.sigs.iter().any(|s| codec::ct_eq(s, &mac));
        Attempt {
            expected: Some(self.written(&mac)),
            expected_raw: Some(mac),
            matched,
            url: self.uses_url().then(|| req.url.to_owned()),
            signed,
        }
    }

    fn sign(&self, secret: &str, parts: &SignParts<'_>, _opts: &SignOptions) -> Result<Signed, SignatureError> {
        let key = match self.key(secret, &Secrets::default()) {
            Ok(Key::Bytes(k)) => k,
            Ok(_) => {
                let reason = "not an HMAC key".to_owned();
                return Err(SignatureError::BadSecret { provider: self.provider, reason });
            }
            Err(reason) => {
                return Err(SignatureError::BadSecret { provider: self.provider, reason });
            }
        };
        let mut parsed = Parsed::default();
        let mut headers = Vec::new();
        let id = parts.id.map(str::to_owned).unwrap_or_else(|| made_up_id(parts));
        if let Some(id_header) = &self.id_header {
            headers.push((id_header.clone(), id.clone()));
            parsed.id = Some(id);
        }
        let raw_stamp = match &self.timestamp {
            Timestamp::None => None,
            Timestamp::Header { name, unit } => {
                let raw = unit.format(parts.now_s);
                headers.push((name.clone(), raw.clone()));
                Some(raw)
            }
            Timestamp::PairField { .. } => Some(parts.now_s.to_string()),
            // The body carries it; re-signing leaves the body as it is.
            Timestamp::BodyJson { .. } => None,
        };
        parsed.stamp = raw_stamp.clone().map(|raw| Stamp { raw, unix_s: parts.now_s });
        let req = parts.as_request();
        let mac = codec::hmac(self.algorithm, &key, &self.message(&req, &parsed));
        let value = match (&self.shape, &self.timestamp, raw_stamp) {
            (Shape::Pairs { separator, .. }, Timestamp::PairField { key }, Some(ts)) => {
                format!("{key}={ts}{separator}{}", self.written(&mac))
            }
            _ => self.written(&mac),
        };
        headers.insert(0, (self.header.clone(), value));
        Ok(Signed { headers, body: None })
    }
}
