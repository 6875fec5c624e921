//! Discord interactions: Ed25519. `X-Signature-Ed25519: <hex>` signs
//! `<X-Signature-Timestamp><body>`; the verifier's "secret" is the
//! application's public key in hex, and `sign` takes the 32-byte private key
//! seed in hex. Discord sets no window, so the timestamp is shown, not judged.

use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};

use super::hmac_spec::TimeUnit;
use super::scheme::{AltKey, Attempt, HeaderFault, Key, Parsed, Scheme, SignOptions, Signed, Stamp};
use super::types::{HintCode, SignParts, SignatureError, SignedRequest};
use super::{Provider, Secrets};

pub(crate) struct DiscordScheme;

const SIG: &str = "X-Signature-Ed25519";
const TS: &str = "X-Signature-Timestamp";

fn hex32(s: &str) -> Option<[u8; 32]> {
    hex::decode(s.trim()).ok()?.try_into().ok()
}

impl Scheme for DiscordScheme {
    fn provider(&self) -> Provider {
        Provider::Discord
    }

    fn describe(&self) -> String {
        format!("Ed25519 in `{SIG}`, hex, over {{{TS}}}{{body}}")
    }

    fn parse(&self, req: &SignedRequest<'_>) -> Result<Parsed, HeaderFault> {
        let mut p = Parsed::default();
        let Some(sig) = p.read(SIG, req.header(SIG)) else {
            return Err(HeaderFault::missing(&p, SIG));
        };
        let Some(ts) = p.read(TS, req.header(TS)) else {
            return Err(HeaderFault::missing(&p, TS));
        };
        p.received.push(sig.trim().to_owned());
        match hex::decode(sig.trim()) {
            Ok(bytes) if bytes.len() == 64 => p.sigs.push(bytes),
            _ => return Err(HeaderFault::malformed(&p, SIG, "expected 128 hex digits")),
        }
        match TimeUnit::Seconds.parse(&ts) {
            Some(unix_s) => p.stamp = Some(Stamp { raw: ts, unix_s }),
            None => return Err(HeaderFault::malformed(&p, TS, "expected Unix seconds")),
        }
        Ok(p)
    }

    fn key(&self, secret: &str, _secrets: &Secrets) -> Result<Key, String> {
        let bytes = hex32(secret).ok_or("the application public key must be 64 hex digits")?;
        VerifyingKey::from_bytes(&bytes).map(Key::Ed25519).map_err(|_| "not a valid Ed25519 public key".to_owned())
    }

    fn alt_keys(&self, secret: &str, _secrets: &Secrets) -> Vec<AltKey> {
        // A private seed pasted where the public key belongs: derive the
        // public key and see whether that one matches.
        hex32(secret)
            .map(|seed| AltKey {
                key: Key::Ed25519(SigningKey::from_bytes(&seed).verifying_key()),
                code: HintCode::SecretWrongForm,
                message: "This is the private key seed; verifying takes the application's public key.".into(),
            })
            .into_iter()
            .collect()
    }

    fn attempt(&self, key: &Key, req: &SignedRequest<'_>, parsed: &Parsed) -> Attempt {
        let Key::Ed25519(vk) = key else {
            return Attempt::default();
        };
        let mut signed = parsed.stamp.as_ref().map(|s| s.raw.clone()).unwrap_or_default().into_bytes();
        signed.extend_from_slice(req.body);
        let matched = parsed.sigs.iter().any(|s| {
            <[u8; 64]>::try_from(s.as_slice()).is_ok_and(|b| vk.verify(&signed, &Signature::from_bytes(&b)).is_ok())
        });
        Attempt { signed, expected: None, expected_raw: None, matched, url: None }
    }

    fn sign(&self, secret: &str, parts: &SignParts<'_>, _opts: &SignOptions) -> Result<Signed, SignatureError> {
        let seed = hex32(secret).ok_or_else(|| SignatureError::BadSecret {
            provider: Provider::Discord,
            reason: "signing takes the 32-byte Ed25519 private key seed as 64 hex digits".into(),
        })?;
        let ts = parts.now_s.to_string();
        let mut msg = ts.clone().into_bytes();
        msg.extend_from_slice(parts.body);
        let sig = SigningKey::from_bytes(&seed).sign(&msg);
        Ok(Signed { headers: vec![(SIG.into(), hex::encode(sig.to_bytes())), (TS.into(), ts)], body: None })
    }
}
