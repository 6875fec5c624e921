//! PayPal: RSA-SHA256 (`PAYPAL-AUTH-ALGO: SHA256withRSA`) over
//! `<transmission id>|<transmission time>|<webhook id>|<CRC32 of the body, decimal>`,
//! base64 in `PAYPAL-TRANSMISSION-SIG`. PayPal publishes the signing
//! certificate at `PAYPAL-CERT-URL`; being pure, Hookscope does not fetch it:
//! the user provides it (`Secrets::certificate`), and the "secret" is the
//! webhook id from the developer dashboard. Signing takes the webhook id as
//! the secret and an RSA private key PEM in `SignOptions::private_key_pem`.

use rsa::pkcs1::DecodeRsaPrivateKey as _;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _};
use rsa::signature::{SignatureEncoding as _, Signer as _, Verifier as _};
use rsa::{PrivateKey as RsaPrivateKey, PublicKey as RsaPublicKey};
use sha2::Sha256;
use x509_cert::Certificate;
use x509_cert::der::{DecodePem as _, Encode as _};

use super::codec::{self, format_rfc3339, parse_rfc3339};
use super::scheme::{Attempt, HeaderFault, Key, Parsed, Scheme, SignOptions, Signed, Stamp, made_up_id};
use super::types::{SignParts, SignatureError, SignedRequest};
use super::{Provider, Secrets};

pub(crate) struct PaypalScheme;

const ID: &str = "PAYPAL-TRANSMISSION-ID";
const TIME: &str = "PAYPAL-TRANSMISSION-TIME";
const SIG: &str = "PAYPAL-TRANSMISSION-SIG";
const ALGO: &str = "PAYPAL-AUTH-ALGO";
const CERT_URL: &str = "PAYPAL-CERT-URL";

/// Reads an X.509 certificate PEM or a bare `PUBLIC KEY` PEM.
pub(crate) fn public_key(pem: &str) -> Result<RsaPublicKey, String> {
    if pem.contains("BEGIN CERTIFICATE") {
        let cert = Certificate::from_pem(pem.trim().as_bytes()).map_err(|e| format!("certificate: {e}"))?;
        let spki = cert.tbs_certificate().subject_public_key_info().to_der().map_err(|e| e.to_string())?;
        RsaPublicKey::from_public_key_der(&spki).map_err(|e| format!("certificate key: {e}"))
    } else {
        RsaPublicKey::from_public_key_pem(pem.trim()).map_err(|e| format!("public key: {e}"))
    }
}

fn private_key(pem: &str) -> Result<RsaPrivateKey, String> {
    RsaPrivateKey::from_pkcs8_pem(pem.trim())
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem.trim()))
        .map_err(|e| format!("RSA private key: {e}"))
}

fn message(id: &str, time: &str, webhook_id: &str, body: &[u8]) -> Vec<u8> {
    format!("{id}|{time}|{webhook_id}|{}", crc32fast::hash(body)).into_bytes()
}

impl Scheme for PaypalScheme {
    fn provider(&self) -> Provider {
        Provider::Paypal
    }

    fn describe(&self) -> String {
        format!("RSA-SHA256 in `{SIG}`, base64, over {{{ID}}}|{{{TIME}}}|{{webhook id}}|{{crc32(body)}}")
    }

    fn check_inputs(&self, secrets: &Secrets) -> Result<(), SignatureError> {
        let missing = || SignatureError::MissingInput {
            provider: Provider::Paypal,
            what: "the signing certificate PEM (download it from the PAYPAL-CERT-URL header)".into(),
        };
        let pem = secrets.certificate.as_deref().ok_or_else(missing)?;
        public_key(pem).map(|_| ()).map_err(|reason| SignatureError::BadSecret { provider: Provider::Paypal, reason })
    }

    fn parse(&self, req: &SignedRequest<'_>) -> Result<Parsed, HeaderFault> {
        let mut p = Parsed::default();
        let Some(sig) = p.read(SIG, req.header(SIG)) else {
            return Err(HeaderFault::missing(&p, SIG));
        };
        let Some(id) = p.read(ID, req.header(ID)) else {
            return Err(HeaderFault::missing(&p, ID));
        };
        let Some(time) = p.read(TIME, req.header(TIME)) else {
            return Err(HeaderFault::missing(&p, TIME));
        };
        let algo = p.read(ALGO, req.header(ALGO));
        p.read(CERT_URL, req.header(CERT_URL));
        if let Some(a) = algo
            && !a.trim().eq_ignore_ascii_case("SHA256withRSA")
        {
            return Err(HeaderFault::malformed(&p, ALGO, format!("`{a}` is not SHA256withRSA")));
        }
        p.received.push(sig.trim().to_owned());
        match codec::decode_base64(&sig) {
            Some(bytes) => p.sigs.push(bytes),
            None => return Err(HeaderFault::malformed(&p, SIG, "not base64")),
        }
        let Some(unix_s) = parse_rfc3339(&time) else {
            return Err(HeaderFault::malformed(&p, TIME, "not an RFC 3339 date-time"));
        };
        p.stamp = Some(Stamp { raw: time, unix_s });
        p.id = Some(id);
        Ok(p)
    }

    fn key(&self, secret: &str, secrets: &Secrets) -> Result<Key, String> {
        let public = public_key(secrets.certificate.as_deref().unwrap_or_default())?;
        Ok(Key::Paypal { webhook_id: secret.to_owned(), public })
    }

    fn attempt(&self, key: &Key, req: &SignedRequest<'_>, parsed: &Parsed) -> Attempt {
        let Key::Paypal { webhook_id, public } = key else {
            return Attempt::default();
        };
        let time = parsed.stamp.as_ref().map_or("", |s| s.raw.as_str());
        let signed = message(parsed.id.as_deref().unwrap_or_default(), time, webhook_id, req.body);
        let vk = VerifyingKey::<Sha256>::new(public.clone());
        let matched = parsed
            .sigs
            .iter()
            .any(|s| Signature::try_from(s.as_slice()).is_ok_and(|sig| vk.verify(&signed, &sig).is_ok()));
        Attempt { signed, expected: None, expected_raw: None, matched, url: None }
    }

    fn sign(&self, secret: &str, parts: &SignParts<'_>, opts: &SignOptions) -> Result<Signed, SignatureError> {
        let pem = opts.private_key_pem.as_deref().ok_or_else(|| SignatureError::MissingInput {
            provider: Provider::Paypal,
            what: "an RSA private key PEM to sign with".into(),
        })?;
        let key =
            private_key(pem).map_err(|reason| SignatureError::BadSecret { provider: Provider::Paypal, reason })?;
        let id = parts.id.map(str::to_owned).unwrap_or_else(|| made_up_id(parts));
        let time = format_rfc3339(parts.now_s);
        let msg = message(&id, &time, secret, parts.body);
        let sig = SigningKey::<Sha256>::new(key)
            .try_sign(&msg)
            .map_err(|e| SignatureError::BadSecret { provider: Provider::Paypal, reason: e.to_string() })?;
        Ok(Signed {
            headers: vec![
                (SIG.into(), codec::base64(&sig.to_vec())),
                (ID.into(), id),
                (TIME.into(), time),
                (ALGO.into(), "SHA256withRSA".into()),
            ],
            body: None,
        })
    }
}
