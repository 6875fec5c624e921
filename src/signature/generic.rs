//! A configurable HMAC scheme for senders Hookscope has no preset for:
//! algorithm, encoding, header, value prefix, signed-string template and
//! where the timestamp lives, covering shapes from `X-Signature: <hex>` to
//! `X-Signature: t=…,v1=…`.

use serde::{Deserialize, Serialize};

use super::codec::{Algorithm, Encoding};
use super::hmac_spec::{HmacSpec, Shape, TimeUnit, Timestamp, parse_template};
use super::{Provider, SignatureError};

/// Where the generic scheme reads the timestamp.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "source")]
pub enum GenericTimestamp {
    #[default]
    None,
    /// Its own header, e.g. `X-Timestamp`.
    Header { name: String, unit: TimeUnit },
    /// A field of the signature header, e.g. `t` in `t=…,v1=…`. Seconds.
    SignatureField { key: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
#[serde(default)]
pub struct GenericConfig {
    pub algorithm: Algorithm,
    pub encoding: Encoding,
    /// The header carrying the signature.
    pub header: String,
    /// Text before the signature (`sha256=`); unused in the `t=…,v1=…` shape.
    pub prefix: String,
    /// The signed string, with `{body}`, `{timestamp}`, `{id}`, `{url}`, `{method}`.
    pub template: String,
    pub timestamp: GenericTimestamp,
    /// In the `t=…,v1=…` shape: the key the signatures sit under.
    pub signature_key: String,
    /// In the `t=…,v1=…` shape: what separates the pairs.
    #[ts(type = "string")]
    #[schema(value_type = String)]
    pub separator: char,
    /// The header `{id}` is read from.
    pub id_header: Option<String>,
    /// Default window when a timestamp is configured.
    pub tolerance_s: Option<u64>,
}

impl Default for GenericConfig {
    fn default() -> Self {
        GenericConfig {
            algorithm: Algorithm::Sha256,
            encoding: Encoding::Hex,
            header: "X-Signature".into(),
            prefix: String::new(),
            template: "{body}".into(),
            timestamp: GenericTimestamp::None,
            signature_key: "v1".into(),
            separator: ',',
            id_header: None,
            tolerance_s: None,
        }
    }
}

impl GenericConfig {
    pub(crate) fn spec(&self) -> Result<HmacSpec, SignatureError> {
        let parts = parse_template(&self.template).map_err(SignatureError::BadGenericConfig)?;
        if self.header.trim().is_empty() {
            return Err(SignatureError::BadGenericConfig("the signature header name is empty".into()));
        }
        let uses_ts = self.template.contains("{timestamp}");
        let (shape, timestamp) = match &self.timestamp {
            GenericTimestamp::None if uses_ts => {
                return Err(SignatureError::BadGenericConfig(
                    "the template uses {timestamp} but no timestamp source is set".into(),
                ));
            }
            GenericTimestamp::None => (Shape::Prefixed(self.prefix.clone()), Timestamp::None),
            GenericTimestamp::Header { name, unit } => {
                (Shape::Prefixed(self.prefix.clone()), Timestamp::Header { name: name.clone(), unit: *unit })
            }
            GenericTimestamp::SignatureField { key } => (
                Shape::Pairs { separator: self.separator, key: self.signature_key.clone() },
                Timestamp::PairField { key: key.clone() },
            ),
        };
        if self.template.contains("{id}") && self.id_header.is_none() {
            return Err(SignatureError::BadGenericConfig("the template uses {id} but no id header is set".into()));
        }
        let tolerance = match timestamp {
            Timestamp::None => None,
            _ => self.tolerance_s.or(Some(300)),
        };
        let mut spec =
            HmacSpec::new(Provider::Generic, self.algorithm, self.encoding, &self.header, shape, &self.template)
                .timestamp(timestamp, tolerance);
        spec.parts = parts;
        if let Some(id) = &self.id_header {
            spec = spec.id_header(id);
        }
        Ok(spec)
    }
}
