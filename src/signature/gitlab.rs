//! GitLab: no signature at all. `X-Gitlab-Token` carries the secret token
//! itself, so the body is not covered: an edited body stays "valid", which is
//! how GitLab works, not a Hookscope shortcut. Evidence shows fingerprints of
//! the tokens, never the tokens.

use super::Provider;
use super::codec::ct_eq;
use super::scheme::{Attempt, HeaderFault, Key, Parsed, Scheme, SignOptions, Signed, fingerprint};
use super::types::{SignParts, SignatureError, SignedRequest};

pub(crate) struct GitlabScheme;

const HEADER: &str = "X-Gitlab-Token";

impl Scheme for GitlabScheme {
    fn provider(&self) -> Provider {
        Provider::Gitlab
    }

    fn describe(&self) -> String {
        format!("shared token in `{HEADER}` (the body is not signed)")
    }

    fn covers_body(&self) -> bool {
        false
    }

    fn parse(&self, req: &SignedRequest<'_>) -> Result<Parsed, HeaderFault> {
        let mut p = Parsed::default();
        let Some(token) = crate::model::find(req.headers, HEADER).map(|h| h.value.clone()) else {
            p.read(HEADER, None);
            return Err(HeaderFault::missing(&p, HEADER));
        };
        p.headers_read.push(super::types::HeaderRead { name: HEADER.into(), value: Some(fingerprint(&token)) });
        p.received.push(fingerprint(&token));
        p.sigs.push(token);
        Ok(p)
    }

    fn attempt(&self, key: &Key, _req: &SignedRequest<'_>, parsed: &Parsed) -> Attempt {
        let Key::Bytes(key) = key else {
            return Attempt::default();
        };
        Attempt {
            signed: Vec::new(),
            expected: Some(fingerprint(key)),
            expected_raw: None,
            matched: parsed.sigs.iter().any(|s| ct_eq(s, key)),
            url: None,
        }
    }

    fn sign(&self, secret: &str, _parts: &SignParts<'_>, _opts: &SignOptions) -> Result<Signed, SignatureError> {
        Ok(Signed { headers: vec![(HEADER.into(), secret.into())], body: None })
    }
}
