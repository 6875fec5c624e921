//! Runs a scheme against a request and, when it fails, tries the known
//! mistakes one by one so the verdict can say what went wrong.

use super::codec::{ct_eq, display_bytes};
use super::scheme::{Attempt, HeaderFault, Key, Parsed, Scheme};
use super::types::{Evidence, Hint, HintCode, SignedBytes, SignedRequest, TimestampEvidence, Verdict, VerdictKind};
use super::variants::{body_variants, url_variants};
use super::{Secrets, SignatureError, VerifyOptions};

pub(crate) fn run(
    scheme: &dyn Scheme,
    req: &SignedRequest<'_>,
    secrets: &Secrets,
    opts: &VerifyOptions,
) -> Result<Verdict, SignatureError> {
    let mut evidence = Evidence {
        provider: scheme.provider(),
        scheme: scheme.describe(),
        headers_read: Vec::new(),
        signed: None,
        expected: Vec::new(),
        received: Vec::new(),
        matched_secret: None,
        timestamp: None,
        url: scheme.uses_url().then(|| req.url.to_owned()),
    };
    let parsed = match scheme.parse(req) {
        Ok(p) => p,
        Err(fault) => return Ok(header_fault(fault, evidence)),
    };
    // After parsing, so a request without the headers reads as such even
    // when an input (PayPal's certificate) is also missing.
    scheme.check_inputs(secrets)?;
    evidence.headers_read = parsed.headers_read.clone();
    evidence.received = parsed.received.clone();
    let tolerance = opts.tolerance_s.or_else(|| scheme.default_tolerance());
    evidence.timestamp = parsed.stamp.as_ref().map(|s| TimestampEvidence {
        raw: s.raw.clone(),
        unix_s: s.unix_s,
        skew_s: req.received_at_s() - s.unix_s,
        tolerance_s: tolerance,
    });
    if secrets.secrets.is_empty() {
        return Ok(finish(VerdictKind::NoSecret, "No secret was given to verify with.".into(), evidence, Vec::new()));
    }

    let mut keys = Vec::new();
    let mut key_errors = Vec::new();
    for s in &secrets.secrets {
        match scheme.key(s.expose(), secrets) {
            Ok(k) => keys.push(Some(k)),
            Err(e) => {
                keys.push(None);
                key_errors.push(e);
            }
        }
    }
    let mut first: Option<Attempt> = None;
    for (i, key) in keys.iter().enumerate() {
        let Some(key) = key else { continue };
        let attempt = scheme.attempt(key, req, &parsed);
        if let Some(e) = &attempt.expected {
            evidence.expected.push(e.clone());
        }
        if attempt.matched && evidence.matched_secret.is_none() {
            evidence.matched_secret = Some(i);
            evidence.signed = Some(signed_bytes(&attempt.signed));
            evidence.url = attempt.url.clone().or(evidence.url);
        }
        first.get_or_insert(attempt);
    }
    if evidence.signed.is_none()
        && let Some(a) = &first
    {
        evidence.signed = Some(signed_bytes(&a.signed));
        evidence.url = a.url.clone().or(evidence.url);
    }

    let window = timestamp_window(evidence.timestamp.as_ref());
    if let Some(i) = evidence.matched_secret {
        return Ok(match window {
            Some(hint) => {
                let kind =
                    if hint.code == HintCode::TimestampTooOld { VerdictKind::Expired } else { VerdictKind::Future };
                let summary = format!("Signature is right, but {}", lower_first(&hint.message));
                finish(kind, summary, evidence, vec![hint])
            }
            None => {
                let summary = if secrets.secrets.len() > 1 {
                    format!("Signature is valid (secret #{}).", i + 1)
                } else {
                    "Signature is valid.".to_owned()
                };
                finish(VerdictKind::Valid, summary, evidence, Vec::new())
            }
        });
    }

    let mut hints = find_hints(scheme, req, &parsed, secrets, &keys);
    for e in key_errors {
        if !hints.iter().any(|h| h.code == HintCode::SecretWrongForm) {
            hints.push(Hint::new(HintCode::SecretWrongForm, format!("The secret could not be used: {e}.")));
        }
    }
    hints.extend(window);
    let summary = invalid_summary(&hints);
    Ok(finish(VerdictKind::Invalid, summary, evidence, hints))
}

fn signed_bytes(bytes: &[u8]) -> SignedBytes {
    SignedBytes { display: display_bytes(bytes), len: bytes.len() }
}

fn finish(kind: VerdictKind, summary: String, evidence: Evidence, hints: Vec<Hint>) -> Verdict {
    Verdict { kind, summary, evidence, hints }
}

fn header_fault(fault: HeaderFault, mut evidence: Evidence) -> Verdict {
    evidence.headers_read = fault.headers_read;
    let (kind, summary) = if fault.missing {
        (VerdictKind::MissingHeader, format!("The `{}` header is missing.", fault.header))
    } else {
        (VerdictKind::MalformedHeader, format!("The `{}` header is malformed: {}.", fault.header, fault.reason))
    };
    finish(kind, summary, evidence, Vec::new())
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Whole minutes past two minutes, seconds below: "9 min", "45 s".
pub(crate) fn human_duration(secs: u64) -> String {
    if secs >= 120 { format!("{} min", secs / 60) } else { format!("{secs} s") }
}

fn timestamp_window(ts: Option<&TimestampEvidence>) -> Option<Hint> {
    let ts = ts?;
    let tol = ts.tolerance_s?;
    let tol_i = i64::try_from(tol).unwrap_or(i64::MAX);
    if ts.skew_s > tol_i {
        Some(Hint::new(
            HintCode::TimestampTooOld,
            format!("Timestamp {} old, tolerance {}.", human_duration(ts.skew_s.unsigned_abs()), human_duration(tol)),
        ))
    } else if ts.skew_s < -tol_i {
        Some(Hint::new(
            HintCode::TimestampInFuture,
            format!(
                "Timestamp {} in the future, tolerance {}: check the sender's or this machine's clock.",
                human_duration(ts.skew_s.unsigned_abs()),
                human_duration(tol)
            ),
        ))
    } else {
        None
    }
}

fn invalid_summary(hints: &[Hint]) -> String {
    let Some(first) = hints.iter().find(|h| !matches!(h.code, HintCode::TimestampTooOld | HintCode::TimestampInFuture))
    else {
        return "Signed with a different secret, or the signed content changed.".into();
    };
    match first.code {
        HintCode::SecretWrongForm => "The secret is right but read in the wrong form.",
        HintCode::SecretIsApiKey => "The secret looks like an API key, not the webhook signing secret.",
        HintCode::SecretWhitespace => "The secret has stray whitespace around it.",
        HintCode::BodyJsonReserialized
        | HintCode::BodyUnicodeEscapes
        | HintCode::BodySlashEscapes
        | HintCode::BodyTrailingNewline
        | HintCode::BodyFormDecoded => "Body changed after signing.",
        HintCode::UrlMismatch => "Signed for a different URL.",
        HintCode::WrongVersionTag | HintCode::SignatureEncoding | HintCode::MissingPrefix => {
            "The signature is right but written in the wrong format."
        }
        HintCode::OtherProvider => "The request looks like it comes from another provider.",
        HintCode::TimestampTooOld | HintCode::TimestampInFuture => "Timestamp outside the tolerance.",
    }
    .into()
}

fn matches_with(scheme: &dyn Scheme, keys: &[Option<Key>], req: &SignedRequest<'_>, parsed: &Parsed) -> bool {
    keys.iter().flatten().any(|k| scheme.attempt(k, req, parsed).matched)
}

fn find_hints(
    scheme: &dyn Scheme,
    req: &SignedRequest<'_>,
    parsed: &Parsed,
    secrets: &Secrets,
    keys: &[Option<Key>],
) -> Vec<Hint> {
    let mut hints = Vec::new();
    let mut add = |h: Hint| {
        if !hints.iter().any(|x: &Hint| x.code == h.code) {
            hints.push(h);
        }
    };

    for s in &secrets.secrets {
        let secret = s.expose();
        if looks_like_api_key(secret) {
            add(Hint::new(
                HintCode::SecretIsApiKey,
                "The secret looks like an API key (`sk_`, `rk_`, `pk_`, `xox…`); use the webhook endpoint's signing secret instead.",
            ));
        }
        let trimmed = secret.trim();
        if trimmed != secret
            && let Ok(k) = scheme.key(trimmed, secrets)
            && scheme.attempt(&k, req, parsed).matched
        {
            add(Hint::new(
                HintCode::SecretWhitespace,
                "The secret matches once the whitespace or newline around it is removed.",
            ));
        }
        for alt in scheme.alt_keys(trimmed, secrets) {
            if scheme.attempt(&alt.key, req, parsed).matched {
                add(Hint::new(alt.code, alt.message));
            }
        }
    }

    // Right MAC, wrong spelling of the header: compare against loose readings.
    if !parsed.loose.is_empty() {
        for key in keys.iter().flatten() {
            let Some(expected) = scheme.attempt(key, req, parsed).expected_raw else {
                continue;
            };
            for loose in &parsed.loose {
                if ct_eq(&loose.bytes, &expected) {
                    add(Hint::new(loose.code, loose.message.clone()));
                }
            }
        }
    }

    if scheme.covers_body() {
        for v in body_variants(req.body) {
            let alt = SignedRequest { body: &v.body, ..*req };
            // Parse again: a few schemes read fields from the body.
            let reparsed = scheme.parse(&alt).unwrap_or_else(|_| parsed.clone());
            if matches_with(scheme, keys, &alt, &reparsed) {
                add(Hint::new(v.code, v.message));
            }
        }
    }

    if scheme.uses_url() {
        for url in url_variants(req.url) {
            let alt = SignedRequest { url: &url, ..*req };
            if matches_with(scheme, keys, &alt, parsed) {
                add(Hint::new(
                    HintCode::UrlMismatch,
                    format!(
                        "The signature matches the URL {url}, not {}: set the URL to what the sender posted to.",
                        req.url
                    ),
                ));
                break;
            }
        }
    }
    hints
}

fn looks_like_api_key(secret: &str) -> bool {
    let s = secret.trim();
    ["sk_live_", "sk_test_", "rk_live_", "rk_test_", "pk_live_", "pk_test_", "xoxb-", "xoxp-", "xoxa-"]
        .iter()
        .any(|p| s.starts_with(p))
}
