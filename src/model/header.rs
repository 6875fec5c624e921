//! The one header type: capture stores it, the model serves it, signatures
//! read it. Values are bytes (HTTP allows obs-text), and they cross to the UI
//! losslessly: as text when valid UTF-8, else as base64 with `encoding`.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

/// One header as it arrived: the name with its original case, the value's bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "HeaderJson", try_from = "HeaderJson")]
pub struct Header {
    pub name: String,
    pub value: Vec<u8>,
}

impl Header {
    pub fn new(name: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        Header { name: name.into(), value: value.into() }
    }

    /// The value as text, invalid UTF-8 replaced: for display and for
    /// schemes that read a header as a string.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.value)
    }
}

/// The first header named `name` (case-insensitively): the one lookup every
/// module uses.
pub fn find<'h>(headers: &'h [Header], name: &str) -> Option<&'h Header> {
    headers.iter().find(|h| h.name.eq_ignore_ascii_case(name))
}

/// How a header crosses as JSON: `value` is the text when the bytes are valid
/// UTF-8; otherwise `value` is their base64 and `encoding` says so.
#[derive(Debug, Clone, Serialize, Deserialize, TS, ToSchema)]
#[ts(rename = "Header")]
#[schema(as = Header)]
pub struct HeaderJson {
    pub name: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub encoding: Option<ValueEncoding>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ValueEncoding {
    Base64,
}

impl From<Header> for HeaderJson {
    fn from(h: Header) -> Self {
        match String::from_utf8(h.value) {
            Ok(value) => HeaderJson { name: h.name, value, encoding: None },
            Err(e) => HeaderJson {
                name: h.name,
                value: base64::engine::general_purpose::STANDARD.encode(e.as_bytes()),
                encoding: Some(ValueEncoding::Base64),
            },
        }
    }
}

impl TryFrom<HeaderJson> for Header {
    type Error = String;

    fn try_from(h: HeaderJson) -> Result<Self, String> {
        let value = match h.encoding {
            None => h.value.into_bytes(),
            Some(ValueEncoding::Base64) => base64::engine::general_purpose::STANDARD
                .decode(h.value.as_bytes())
                .map_err(|e| format!("header {}: bad base64 value: {e}", h.name))?,
        };
        Ok(Header { name: h.name, value })
    }
}

/// Headers are stored as the block they form on the wire, `Name: value\r\n`
/// per header, in arrival order: compact, and the Raw HTTP view is a copy.
pub fn encode_headers(headers: &[Header]) -> Vec<u8> {
    let mut out = Vec::with_capacity(headers.iter().map(|h| h.name.len() + h.value.len() + 4).sum());
    for h in headers {
        push_header(&mut out, h.name.as_bytes(), &h.value);
    }
    out
}

/// Appends one header to a block built by [`encode_headers`]; the capture
/// path writes its block this way, without a `Header` per line.
pub fn push_header(block: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    block.extend_from_slice(name);
    block.extend_from_slice(b": ");
    block.extend_from_slice(value);
    block.extend_from_slice(b"\r\n");
}

pub fn decode_headers(block: &[u8]) -> Vec<Header> {
    block
        .split(|&b| b == b'\n')
        .filter_map(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                return None;
            }
            let colon = line.iter().position(|&b| b == b':')?;
            let value = &line[colon + 1..];
            let value = value.strip_prefix(b" ").unwrap_or(value);
            Some(Header::new(String::from_utf8_lossy(&line[..colon]).into_owned(), value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_block_round_trips_in_order_with_repeats() {
        let headers = vec![
            Header::new("X-A", "1"),
            Header::new("x-b", b"\xff\xfe".to_vec()),
            Header::new("X-A", "2"),
            Header::new("Empty", ""),
        ];
        assert_eq!(decode_headers(&encode_headers(&headers)), headers, "decode(encode(h)) must equal h");
    }

    #[test]
    fn json_carries_every_byte_of_a_value() {
        let headers = vec![Header::new("X-Text", "héllo"), Header::new("X-Latin1", b"caf\xe9 \x80\xff".to_vec())];
        let json = serde_json::to_string(&headers).unwrap();
        assert!(json.contains(r#"{"name":"X-Text","value":"héllo"}"#), "UTF-8 values cross as plain text: {json}");
        assert!(json.contains(r#""encoding":"base64""#), "other bytes cross as base64: {json}");
        let back: Vec<Header> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, headers, "JSON must give back the exact bytes");
    }

    #[test]
    fn lookup_ignores_case_and_takes_the_first() {
        let headers = vec![Header::new("Stripe-Signature", "a"), Header::new("stripe-signature", "b")];
        assert_eq!(find(&headers, "STRIPE-SIGNATURE").map(|h| h.value.as_slice()), Some(&b"a"[..]));
        assert!(find(&headers, "x-missing").is_none(), "a missing header is None");
    }
}
