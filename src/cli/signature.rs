//! The `hookscope verify` and `hookscope sign` subcommands: argument shapes
//! (clap derive, flattened into main's parser) and runners that take their
//! input and output streams, so they are testable and main stays parsing-only.
//! The files, stdin and clock are read here; `crate::signature` stays pure.
//!
//! Exit codes: 0 valid (or signed), 1 verified but not valid, 2 usage error.

use std::io::{Read, Write};
use std::path::PathBuf;

use clap::Args;

use super::format::escape_text;
use crate::model::Header;
use crate::signature::generic::{GenericConfig, GenericTimestamp};
use crate::signature::{
    Algorithm, Encoding, Provider, Secret, Secrets, SignOptions, SignParts, SignedRequest, TimeUnit, Verdict,
    VerdictKind, VerifyOptions, sign, verify,
};

pub const EXIT_VALID: i32 = 0;
pub const EXIT_NOT_VALID: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

fn parse_time_unit(s: &str) -> Result<TimeUnit, String> {
    match s.to_ascii_lowercase().as_str() {
        "s" | "seconds" => Ok(TimeUnit::Seconds),
        "ms" | "millis" | "milliseconds" => Ok(TimeUnit::Millis),
        "rfc3339" => Ok(TimeUnit::Rfc3339),
        _ => Err(format!("unknown timestamp unit `{s}` (seconds, millis, rfc3339)")),
    }
}

/// Options of the `generic` provider; ignored by the others.
#[derive(Debug, Clone, Args)]
pub struct GenericArgs {
    /// generic: HMAC algorithm (sha1, sha256, sha512).
    #[arg(long, default_value = "sha256")]
    pub algorithm: Algorithm,
    /// generic: signature encoding (hex, base64).
    #[arg(long, default_value = "hex")]
    pub encoding: Encoding,
    /// generic: the header carrying the signature.
    #[arg(long, default_value = "X-Signature")]
    pub signature_header: String,
    /// generic: text before the signature in the header, e.g. `sha256=`.
    #[arg(long, default_value = "")]
    pub prefix: String,
    /// generic: the signed string, with {body}, {timestamp}, {id}, {url}, {method}.
    #[arg(long, default_value = "{body}")]
    pub template: String,
    /// generic: read the timestamp from this header.
    #[arg(long, conflicts_with = "timestamp_field")]
    pub timestamp_header: Option<String>,
    /// generic: read the timestamp from this field of the signature header (`t` in `t=…,v1=…`).
    #[arg(long)]
    pub timestamp_field: Option<String>,
    /// generic: unit of --timestamp-header (seconds, millis, rfc3339).
    #[arg(long, default_value = "seconds", value_parser = parse_time_unit)]
    pub timestamp_unit: TimeUnit,
    /// generic: with --timestamp-field, the key the signatures sit under.
    #[arg(long, default_value = "v1")]
    pub signature_key: String,
    /// generic: with --timestamp-field, the pair separator.
    #[arg(long, default_value = ",")]
    pub separator: char,
    /// generic: the header {id} is read from.
    #[arg(long)]
    pub id_header: Option<String>,
}

impl GenericArgs {
    pub fn config(&self) -> GenericConfig {
        let timestamp = match (&self.timestamp_header, &self.timestamp_field) {
            (Some(name), _) => GenericTimestamp::Header { name: name.clone(), unit: self.timestamp_unit },
            (None, Some(key)) => GenericTimestamp::SignatureField { key: key.clone() },
            (None, None) => GenericTimestamp::None,
        };
        GenericConfig {
            algorithm: self.algorithm,
            encoding: self.encoding,
            header: self.signature_header.clone(),
            prefix: self.prefix.clone(),
            template: self.template.clone(),
            timestamp,
            signature_key: self.signature_key.clone(),
            separator: self.separator,
            id_header: self.id_header.clone(),
            tolerance_s: None,
        }
    }
}

/// `hookscope verify`
#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// Provider id: stripe, github, slack, standard-webhooks, … or generic.
    #[arg(long)]
    pub provider: Provider,
    /// Signing secret; repeat for rotation (valid if any matches). Discord: the
    /// application public key (hex). PayPal: the webhook id.
    #[arg(long = "secret", value_name = "S")]
    pub secrets: Vec<String>,
    /// A request header, `Name: value`; repeatable, in arrival order.
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Read the body from this file.
    #[arg(long, value_name = "F", conflicts_with = "body")]
    pub body_file: Option<PathBuf>,
    /// The body: `-` reads stdin; anything else is the body itself.
    #[arg(long, value_name = "-")]
    pub body: Option<String>,
    #[arg(long)]
    pub method: Option<String>,
    /// The public URL the sender posted to (URL-signed schemes).
    #[arg(long)]
    pub url: Option<String>,
    /// The clock, Unix seconds (default: the delivery's arrival, else now).
    #[arg(long, value_name = "UNIX")]
    pub now: Option<i64>,
    /// Seconds of allowed clock skew, overriding the scheme's default.
    #[arg(long, value_name = "SECS")]
    pub tolerance: Option<u64>,
    /// Print the verdict as JSON.
    #[arg(long)]
    pub json: bool,
    /// Verify a stored delivery instead (its headers, body, URL and arrival time).
    #[arg(long, value_name = "ID", conflicts_with_all = ["body", "body_file"])]
    pub delivery: Option<String>,
    /// PayPal: the signing certificate (or public key) PEM file.
    #[arg(long, value_name = "PEM")]
    pub certificate: Option<PathBuf>,
    #[command(flatten)]
    pub generic: GenericArgs,
}

/// `hookscope sign`
#[derive(Debug, Clone, Args)]
pub struct SignArgs {
    #[arg(long)]
    pub provider: Provider,
    /// Signing secret. Discord: the 32-byte Ed25519 private key seed (hex).
    /// PayPal: the webhook id (the key comes from --private-key).
    #[arg(long, value_name = "S")]
    pub secret: String,
    #[arg(long, value_name = "F", conflicts_with = "body")]
    pub body_file: Option<PathBuf>,
    /// The body: `-` reads stdin; anything else is the body itself.
    #[arg(long, value_name = "-")]
    pub body: Option<String>,
    #[arg(long, default_value = "POST")]
    pub method: String,
    #[arg(long, default_value = "")]
    pub url: String,
    /// The timestamp to sign with, Unix seconds (default: now).
    #[arg(long, value_name = "UNIX")]
    pub now: Option<i64>,
    /// Message id for schemes that sign one (Standard Webhooks, Svix, Twitch, PayPal).
    #[arg(long)]
    pub id: Option<String>,
    /// Headers the request carries (some schemes read them, e.g. Content-Type for Twilio).
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// PayPal: the RSA private key PEM file to sign with.
    #[arg(long, value_name = "PEM")]
    pub private_key: Option<PathBuf>,
    /// Mailgun (which signs inside the body): write the new body here instead
    /// of printing it after the headers and a blank line.
    #[arg(long, value_name = "F")]
    pub body_out: Option<PathBuf>,
    #[command(flatten)]
    pub generic: GenericArgs,
}

/// A delivery loaded from the store for `verify --delivery`.
#[derive(Debug, Clone)]
pub struct StoredRequest {
    pub method: String,
    /// The URL as Hookscope saw it; `--url` replaces it with the public one.
    pub url: String,
    pub headers: Vec<Header>,
    pub body: Vec<u8>,
    pub received_at_us: i64,
}

fn parse_header(line: &str) -> Result<Header, String> {
    let (name, value) = line.split_once(':').ok_or_else(|| format!("header `{line}` is not `Name: value`"))?;
    let name = name.trim();
    if name.is_empty() {
        return Err(format!("header `{line}` has no name"));
    }
    Ok(Header::new(name, value.trim().as_bytes()))
}

fn read_body(file: &Option<PathBuf>, body: &Option<String>, stdin: &mut dyn Read) -> Result<Vec<u8>, String> {
    match (file, body) {
        (Some(path), _) => std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display())),
        (None, Some(b)) if b == "-" => {
            let mut buf = Vec::new();
            stdin.read_to_end(&mut buf).map_err(|e| format!("cannot read stdin: {e}"))?;
            Ok(buf)
        }
        (None, Some(b)) => Ok(b.as_bytes().to_vec()),
        (None, None) => Err("give the body with --body-file F or --body - (stdin)".into()),
    }
}

fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Whole minutes past two minutes, seconds below: "9 min", "45 s" (as the
/// verdict's hints word durations).
fn human_duration(secs: u64) -> String {
    if secs >= 120 { format!("{} min", secs / 60) } else { format!("{secs} s") }
}

fn usage(err: &mut dyn Write, message: impl std::fmt::Display) -> i32 {
    let _ = writeln!(err, "error: {message}");
    EXIT_USAGE
}

/// Runs `verify`. `stored` is the delivery main loaded for `--delivery`
/// (`None` otherwise). Usage errors go to `err`; the verdict to `out`.
pub fn run_verify(
    args: &VerifyArgs,
    stored: Option<StoredRequest>,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let mut headers = Vec::new();
    for h in &args.headers {
        match parse_header(h) {
            Ok(h) => headers.push(h),
            Err(e) => return usage(err, e),
        }
    }
    let (method, url, body, received_at_us) = match stored {
        Some(s) => {
            // Headers given on the command line come first, so they win.
            headers.extend(s.headers);
            let received = args.now.map_or(s.received_at_us, |n| n.saturating_mul(1_000_000));
            (args.method.clone().unwrap_or(s.method), args.url.clone().unwrap_or(s.url), s.body, received)
        }
        None => {
            if args.delivery.is_some() {
                return usage(err, "--delivery needs the stored delivery, which this build cannot load");
            }
            let body = match read_body(&args.body_file, &args.body, stdin) {
                Ok(b) => b,
                Err(e) => return usage(err, e),
            };
            let now = args.now.unwrap_or_else(now_s);
            (
                args.method.clone().unwrap_or_else(|| "POST".into()),
                args.url.clone().unwrap_or_default(),
                body,
                now.saturating_mul(1_000_000),
            )
        }
    };
    let certificate = match &args.certificate {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(pem) => Some(pem),
            Err(e) => return usage(err, format!("cannot read {}: {e}", path.display())),
        },
        None => None,
    };
    let secrets = Secrets { secrets: args.secrets.iter().map(Secret::new).collect(), certificate };
    let opts = VerifyOptions {
        tolerance_s: args.tolerance,
        generic: (args.provider == Provider::Generic).then(|| args.generic.config()),
    };
    let req = SignedRequest { method: &method, url: &url, headers: &headers, body: &body, received_at_us };
    let verdict = match verify(args.provider, &req, &secrets, &opts) {
        Ok(v) => v,
        Err(e) => return usage(err, e),
    };
    let written = if args.json {
        serde_json::to_string_pretty(&verdict).map_err(std::io::Error::other).and_then(|j| writeln!(out, "{j}"))
    } else {
        write_report(out, &verdict)
    };
    if written.is_err() {
        return EXIT_USAGE;
    }
    if verdict.kind == VerdictKind::Valid { EXIT_VALID } else { EXIT_NOT_VALID }
}

/// The human-readable report: verdict first, then the evidence aligned. The
/// header values and signed bytes in it are the sender's, so their terminal
/// controls are escaped.
pub fn write_report(out: &mut dyn Write, v: &Verdict) -> std::io::Result<()> {
    let mut report = Vec::new();
    report_lines(&mut report, v)?;
    out.write_all(escape_text(&String::from_utf8_lossy(&report)).as_bytes())
}

fn report_lines(out: &mut dyn Write, v: &Verdict) -> std::io::Result<()> {
    let kind = serde_json::to_value(v.kind).ok().and_then(|k| k.as_str().map(str::to_owned)).unwrap_or_default();
    writeln!(out, "{kind}: {}", v.summary)?;
    let e = &v.evidence;
    writeln!(out, "  provider   {} ({})", e.provider, e.scheme)?;
    for h in &e.headers_read {
        writeln!(out, "  read       {}: {}", h.name, h.value.as_deref().unwrap_or("(absent)"))?;
    }
    if let Some(url) = &e.url {
        writeln!(out, "  url        {url}")?;
    }
    if let Some(s) = &e.signed {
        writeln!(out, "  signed     {} ({} bytes)", s.display, s.len)?;
    }
    for (i, x) in e.expected.iter().enumerate() {
        let label = if e.expected.len() > 1 { format!("expected#{}", i + 1) } else { "expected".into() };
        writeln!(out, "  {label:<10} {x}")?;
    }
    for x in &e.received {
        writeln!(out, "  received   {x}")?;
    }
    if let Some(t) = &e.timestamp {
        let tol = t.tolerance_s.map_or("none".into(), human_duration);
        writeln!(out, "  timestamp  {} (skew {} s, tolerance {tol})", t.raw, t.skew_s)?;
    }
    for h in &v.hints {
        let code = serde_json::to_value(h.code).ok().and_then(|c| c.as_str().map(str::to_owned)).unwrap_or_default();
        writeln!(out, "  hint       [{code}] {}", h.message)?;
    }
    Ok(())
}

/// Runs `sign`: prints the headers to send, one `Name: value` per line. For
/// Mailgun the body changes instead: it goes to `--body-out`, or after the
/// (empty) header block and a blank line.
pub fn run_sign(args: &SignArgs, stdin: &mut dyn Read, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let mut headers = Vec::new();
    for h in &args.headers {
        match parse_header(h) {
            Ok(h) => headers.push(h),
            Err(e) => return usage(err, e),
        }
    }
    let body = match read_body(&args.body_file, &args.body, stdin) {
        Ok(b) => b,
        Err(e) => return usage(err, e),
    };
    let private_key_pem = match &args.private_key {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(pem) => Some(pem),
            Err(e) => return usage(err, format!("cannot read {}: {e}", path.display())),
        },
        None => None,
    };
    let opts =
        SignOptions { generic: (args.provider == Provider::Generic).then(|| args.generic.config()), private_key_pem };
    let parts = SignParts {
        method: &args.method,
        url: &args.url,
        body: &body,
        now_s: args.now.unwrap_or_else(now_s),
        id: args.id.as_deref(),
        headers: &headers,
    };
    let signed = match sign(args.provider, &Secret::new(args.secret.clone()), &parts, &opts) {
        Ok(s) => s,
        Err(e) => return usage(err, e),
    };
    let mut write = || -> std::io::Result<()> {
        for (name, value) in &signed.headers {
            writeln!(out, "{name}: {value}")?;
        }
        if let Some(new_body) = &signed.body {
            match &args.body_out {
                Some(path) => std::fs::write(path, new_body)?,
                None => {
                    writeln!(out)?;
                    out.write_all(new_body)?;
                }
            }
        }
        Ok(())
    };
    match write() {
        Ok(()) => EXIT_VALID,
        Err(e) => usage(err, format!("cannot write: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    const NOW: i64 = 1_700_000_000;

    #[derive(Parser)]
    struct V {
        #[command(flatten)]
        a: VerifyArgs,
    }

    #[derive(Parser)]
    struct S {
        #[command(flatten)]
        a: SignArgs,
    }

    #[test]
    fn verify_accepts_what_sign_prints() {
        let now = NOW.to_string();
        let s = S::try_parse_from(["sign", "--provider", "slack", "--secret", "k", "--body", "-", "--now", &now])
            .expect("sign args parse");
        let mut out = Vec::new();
        assert_eq!(run_sign(&s.a, &mut &b"a=1"[..], &mut out, &mut Vec::new()), 0, "sign exits 0");
        let printed = String::from_utf8(out).expect("utf8");
        let mut args = vec!["verify".to_owned(), "--provider".into(), "slack".into(), "--secret".into(), "k".into()];
        for line in printed.lines() {
            args.extend(["--header".into(), line.to_owned()]);
        }
        args.extend(["--body".into(), "-".into(), "--now".into(), now.clone()]);
        let v = V::try_parse_from(&args).expect("verify args parse");
        let run = |a: &VerifyArgs, body: &[u8]| run_verify(a, None, &mut &body[..], &mut Vec::new(), &mut Vec::new());
        assert_eq!(run(&v.a, b"a=1"), EXIT_VALID, "what sign prints verifies");
        assert_eq!(run(&v.a, b"a=2"), EXIT_NOT_VALID, "a changed body exits 1");
        let no_body = V::try_parse_from(["verify", "--provider", "slack", "--secret", "k"]).expect("parses");
        assert_eq!(run(&no_body.a, b""), EXIT_USAGE, "no body is a usage error");

        let stored = StoredRequest {
            method: "POST".into(),
            url: "http://127.0.0.1/".into(),
            headers: printed
                .lines()
                .map(|l| l.split_once(": ").map(|(n, v)| Header::new(n, v)).expect("header"))
                .collect(),
            body: b"a=1".to_vec(),
            received_at_us: NOW * 1_000_000,
        };
        let d = V::try_parse_from(["verify", "--provider", "slack", "--secret", "k", "--delivery", "dlv_1", "--json"])
            .expect("parses");
        let mut out = Vec::new();
        assert_eq!(
            run_verify(&d.a, Some(stored), &mut &b""[..], &mut out, &mut Vec::new()),
            EXIT_VALID,
            "a stored delivery verifies at its arrival time"
        );
        let json: serde_json::Value = serde_json::from_slice(&out).expect("--json prints JSON");
        assert_eq!(json["kind"], "valid", "the JSON verdict is the verdict");
    }

    #[test]
    fn timestamp_units_parse_in_their_usual_spellings() {
        for (text, unit) in [("s", TimeUnit::Seconds), ("MS", TimeUnit::Millis), ("rfc3339", TimeUnit::Rfc3339)] {
            assert_eq!(parse_time_unit(text), Ok(unit), "{text} is a unit");
        }
        assert!(parse_time_unit("hours").is_err(), "an unknown unit is refused");
    }
}
