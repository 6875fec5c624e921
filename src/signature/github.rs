//! GitHub: `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the body with
//! the webhook secret. Older senders (and GitHub alongside) also send
//! `X-Hub-Signature: sha1=<hex>`; it is used only when the SHA-256 one is
//! absent. Signing writes both, as GitHub does.

use super::codec::{Algorithm, Encoding};
use super::hmac_spec::HmacSpec;
use super::scheme::{AltKey, Attempt, HeaderFault, Key, Parsed, Scheme, SignOptions, Signed};
use super::types::{SignParts, SignatureError, SignedRequest};
use super::{Provider, Secrets};

pub(crate) struct GithubScheme;

fn sha256() -> HmacSpec {
    HmacSpec::body_only(Provider::Github, Algorithm::Sha256, Encoding::Hex, "X-Hub-Signature-256", "sha256=")
}

fn sha1() -> HmacSpec {
    HmacSpec::body_only(Provider::Github, Algorithm::Sha1, Encoding::Hex, "X-Hub-Signature", "sha1=")
}

fn spec(variant: &str) -> HmacSpec {
    if variant == "sha1" { sha1() } else { sha256() }
}

impl Scheme for GithubScheme {
    fn provider(&self) -> Provider {
        Provider::Github
    }

    fn describe(&self) -> String {
        format!("{} (legacy: {})", sha256().describe(), sha1().describe())
    }

    fn parse(&self, req: &SignedRequest<'_>) -> Result<Parsed, HeaderFault> {
        if !req.has_header("X-Hub-Signature-256") && req.has_header("X-Hub-Signature") {
            let mut p = sha1().parse(req)?;
            p.variant = "sha1";
            return Ok(p);
        }
        let mut p = sha256().parse(req)?;
        p.variant = "sha256";
        Ok(p)
    }

    fn key(&self, secret: &str, secrets: &Secrets) -> Result<Key, String> {
        sha256().key(secret, secrets)
    }

    fn alt_keys(&self, secret: &str, secrets: &Secrets) -> Vec<AltKey> {
        sha256().alt_keys(secret, secrets)
    }

    fn attempt(&self, key: &Key, req: &SignedRequest<'_>, parsed: &Parsed) -> Attempt {
        spec(parsed.variant).attempt(key, req, parsed)
    }

    fn sign(&self, secret: &str, parts: &SignParts<'_>, opts: &SignOptions) -> Result<Signed, SignatureError> {
        let mut signed = sha256().sign(secret, parts, opts)?;
        signed.headers.extend(sha1().sign(secret, parts, opts)?.headers);
        Ok(signed)
    }
}
