//! The ways a body or URL commonly changes between the sender signing it and
//! Hookscope seeing it. The verifier tries each one: if a variant matches, it
//! names the change instead of just saying "invalid".

use super::codec::{form_decode, form_encode};
use super::types::HintCode;

pub(crate) struct BodyVariant {
    pub body: Vec<u8>,
    pub code: HintCode,
    pub message: &'static str,
}

pub(crate) fn body_variants(body: &[u8]) -> Vec<BodyVariant> {
    let mut out: Vec<BodyVariant> = Vec::new();
    let mut push = |candidate: Vec<u8>, code, message| {
        if candidate != body && !out.iter().any(|v| v.body == candidate) {
            out.push(BodyVariant { body: candidate, code, message });
        }
    };
    if let Some(stripped) = body.strip_suffix(b"\r\n").or_else(|| body.strip_suffix(b"\n")) {
        push(
            stripped.to_vec(),
            HintCode::BodyTrailingNewline,
            "The body gained a trailing newline after it was signed.",
        );
    } else {
        push(
            [body, b"\n"].concat(),
            HintCode::BodyTrailingNewline,
            "The body lost its trailing newline after it was signed.",
        );
    }
    if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok()
        && let Some(tokens) = json_tokens(body)
    {
        let msg_json =
            "The JSON body was re-serialised (whitespace changed) after it was signed: verify the raw bytes.";
        let msg =
            "The JSON body's non-ASCII characters changed between `\\u` escapes and raw UTF-8 after it was signed.";
        push(unescape_unicode(body), HintCode::BodyUnicodeEscapes, msg);
        push(escape_unicode(body), HintCode::BodyUnicodeEscapes, msg);
        let msg = "The JSON body's slashes changed between `\\/` and `/` after it was signed.";
        push(replace(body, b"\\/", b"/"), HintCode::BodySlashEscapes, msg);
        push(escape_slashes(body), HintCode::BodySlashEscapes, msg);
        // Re-serialisers usually also rewrite `\u` escapes, so each layout is
        // tried as is, escaped and unescaped.
        // Each also with the trailing newline many senders sign (and a
        // re-serialiser drops): the newline alone is the hint above, the
        // layout and the newline together are this one.
        for layout in [Layout::Compact, Layout::Spaced, Layout::Pretty(2), Layout::Pretty(4)] {
            let laid = render(&tokens, layout);
            for ending in [&b""[..], b"\n"] {
                push([&escape_unicode(&laid)[..], ending].concat(), HintCode::BodyJsonReserialized, msg_json);
                push([&unescape_unicode(&laid)[..], ending].concat(), HintCode::BodyJsonReserialized, msg_json);
                push([&laid[..], ending].concat(), HintCode::BodyJsonReserialized, msg_json);
            }
        }
    } else if looks_like_form(body) {
        let msg = "The form body was URL-decoded or re-encoded after it was signed.";
        push(reencode_form(body), HintCode::BodyFormDecoded, msg);
        push(decode_form(body), HintCode::BodyFormDecoded, msg);
    }
    out
}

fn looks_like_form(body: &[u8]) -> bool {
    !body.is_empty() && body.contains(&b'=') && !body.iter().any(|b| matches!(b, b'\n' | b'{' | b'<'))
}

fn reencode_form(body: &[u8]) -> Vec<u8> {
    let pairs: Vec<String> = body
        .split(|&b| b == b'&')
        .map(|pair| {
            let text = String::from_utf8_lossy(pair);
            match text.split_once('=') {
                Some((k, v)) => format!("{}={}", form_encode(k), form_encode(v)),
                None => form_encode(&text),
            }
        })
        .collect();
    pairs.join("&").into_bytes()
}

fn decode_form(body: &[u8]) -> Vec<u8> {
    let pairs: Vec<String> = body
        .split(|&b| b == b'&')
        .map(|pair| match pair.iter().position(|&b| b == b'=') {
            Some(i) => format!("{}={}", form_decode(&pair[..i]), form_decode(&pair[i + 1..])),
            None => form_decode(pair),
        })
        .collect();
    pairs.join("&").into_bytes()
}

fn replace(body: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(body[i]);
            i += 1;
        }
    }
    out
}

/// `/` inside strings becomes `\/`, as PHP's `json_encode` writes it.
fn escape_slashes(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let (mut in_str, mut esc) = (false, false);
    for &b in body {
        if in_str && !esc && b == b'/' {
            out.extend_from_slice(b"\\/");
            continue;
        }
        out.push(b);
        if esc {
            esc = false;
        } else if in_str && b == b'\\' {
            esc = true;
        } else if b == b'"' {
            in_str = !in_str;
        }
    }
    out
}

/// Non-ASCII characters become `\uXXXX` (surrogate pairs above the BMP),
/// lowercase as JavaScript, Python and PHP write them.
fn escape_unicode(body: &[u8]) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(body) else {
        return body.to_vec();
    };
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    out.into_bytes()
}

/// `\uXXXX` escapes of non-ASCII characters become raw UTF-8; escapes of
/// ASCII (quotes, controls) stay, since no serialiser writes those raw.
fn unescape_unicode(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    let hex4 = |at: usize| -> Option<u32> {
        let h = body.get(at..at + 4)?;
        u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()
    };
    while i < body.len() {
        if body[i] == b'\\'
            && body.get(i + 1) == Some(&b'u')
            && let Some(hi) = hex4(i + 2)
        {
            let (code, len) = if (0xD800..0xDC00).contains(&hi)
                && body.get(i + 6..i + 8) == Some(b"\\u")
                && let Some(lo) = hex4(i + 8).filter(|lo| (0xDC00..0xE000).contains(lo))
            {
                (0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00), 12)
            } else {
                (hi, 6)
            };
            if code >= 0x80
                && let Some(c) = char::from_u32(code)
            {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                i += len;
                continue;
            }
        }
        // Copy an escape's backslash and the next byte together so an
        // escaped backslash followed by `u` is not misread.
        if body[i] == b'\\' && i + 1 < body.len() {
            out.extend_from_slice(&body[i..i + 2]);
            i += 2;
        } else {
            out.push(body[i]);
            i += 1;
        }
    }
    out
}

enum Token<'a> {
    Punct(u8),
    Scalar(&'a [u8]),
}

/// Splits valid JSON into punctuation and scalars, keeping every scalar's
/// bytes exactly (string escapes, number spelling), so re-layout changes
/// whitespace only.
fn json_tokens(body: &[u8]) -> Option<Vec<Token<'_>>> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'{' | b'}' | b'[' | b']' | b',' | b':' => {
                tokens.push(Token::Punct(b));
                i += 1;
            }
            b'"' => {
                let start = i;
                i += 1;
                while i < body.len() && body[i] != b'"' {
                    i += if body[i] == b'\\' { 2 } else { 1 };
                }
                tokens.push(Token::Scalar(body.get(start..=i)?));
                i += 1;
            }
            _ => {
                let start = i;
                while i < body.len() && !b" \t\n\r{}[],:\"".contains(&body[i]) {
                    i += 1;
                }
                tokens.push(Token::Scalar(&body[start..i]));
            }
        }
    }
    Some(tokens)
}

#[derive(Clone, Copy)]
enum Layout {
    /// `{"a":1,"b":2}`: JSON.stringify, serde_json, Go.
    Compact,
    /// `{"a": 1, "b": 2}`: Python's `json.dumps` default.
    Spaced,
    /// Newlines and this many spaces of indentation.
    Pretty(usize),
}

fn render(tokens: &[Token<'_>], layout: Layout) -> Vec<u8> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let newline = |out: &mut Vec<u8>, depth: usize, width: usize| {
        out.push(b'\n');
        out.extend(std::iter::repeat_n(b' ', depth * width));
    };
    for (i, token) in tokens.iter().enumerate() {
        match (token, layout) {
            (Token::Scalar(s), _) => out.extend_from_slice(s),
            (Token::Punct(b':'), Layout::Compact) => out.push(b':'),
            (Token::Punct(b':'), _) => out.extend_from_slice(b": "),
            (Token::Punct(b','), Layout::Compact) => out.push(b','),
            (Token::Punct(b','), Layout::Spaced) => out.extend_from_slice(b", "),
            (Token::Punct(b','), Layout::Pretty(w)) => {
                out.push(b',');
                newline(&mut out, depth, w);
            }
            (Token::Punct(open @ (b'{' | b'[')), layout) => {
                out.push(*open);
                depth += 1;
                let empty = matches!(tokens.get(i + 1), Some(Token::Punct(b'}' | b']')));
                if let (Layout::Pretty(w), false) = (layout, empty) {
                    newline(&mut out, depth, w);
                }
            }
            (Token::Punct(close @ (b'}' | b']')), layout) => {
                depth = depth.saturating_sub(1);
                let empty = i > 0 && matches!(tokens[i - 1], Token::Punct(b'{' | b'['));
                if let (Layout::Pretty(w), false) = (layout, empty) {
                    newline(&mut out, depth, w);
                }
                out.push(*close);
            }
            (Token::Punct(other), _) => out.push(*other),
        }
    }
    out
}

/// Other spellings of a URL that senders and proxies commonly produce, each
/// with what differs.
pub(crate) fn url_variants(url: &str) -> Vec<String> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Vec::new();
    };
    let (before_frag, _) = rest.split_once('#').unwrap_or((rest, ""));
    let (authority_path, query) = match before_frag.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (before_frag, None),
    };
    let (authority, path) = match authority_path.find('/') {
        Some(i) => (&authority_path[..i], &authority_path[i..]),
        None => (authority_path, ""),
    };
    let (host, port) = split_port(authority);
    let mut out = Vec::new();
    for s in ["https", "http"] {
        let default = if s == "https" { "443" } else { "80" };
        let mut ports: Vec<Option<&str>> = vec![None, Some(default)];
        if let Some(p) = port
            && p != default
        {
            ports.push(Some(p));
        }
        for p in ports {
            for q in [query, None] {
                let mut paths = vec![path.to_owned()];
                if path.ends_with('/') && path.len() > 1 {
                    paths.push(path.trim_end_matches('/').to_owned());
                } else {
                    paths.push(format!("{path}/"));
                }
                for pth in paths {
                    let mut u = format!("{s}://{host}");
                    if let Some(p) = p {
                        u.push(':');
                        u.push_str(p);
                    }
                    u.push_str(&pth);
                    if let Some(q) = q {
                        u.push('?');
                        u.push_str(q);
                    }
                    if u != url && !out.contains(&u) {
                        out.push(u);
                    }
                }
            }
        }
    }
    let _ = scheme;
    out
}

/// Splits `host:port`, leaving `[v6]` hosts whole.
pub(crate) fn split_port(authority: &str) -> (&str, Option<&str>) {
    match authority.rfind(':') {
        Some(i) if !authority[i..].contains(']') && authority[i + 1..].bytes().all(|b| b.is_ascii_digit()) => {
            (&authority[..i], Some(&authority[i + 1..]))
        }
        _ => (authority, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_layouts_keep_scalars_exactly() {
        let body = br#"{"a": [1, 2.50, {}], "b": "x \" , y"}"#;
        let tokens = json_tokens(body).expect("valid JSON tokenises");
        assert_eq!(
            render(&tokens, Layout::Compact),
            br#"{"a":[1,2.50,{}],"b":"x \" , y"}"#.to_vec(),
            "compact drops whitespace outside strings only"
        );
        assert_eq!(
            String::from_utf8(render(&tokens, Layout::Pretty(2))).expect("utf8"),
            "{\n  \"a\": [\n    1,\n    2.50,\n    {}\n  ],\n  \"b\": \"x \\\" , y\"\n}",
            "pretty layout matches serde_json/JSON.stringify(…, 2)"
        );
    }

    #[test]
    fn unicode_escapes_round_trip() {
        let raw = "{\"k\":\"é😀\"}".as_bytes();
        let escaped = escape_unicode(raw);
        assert_eq!(escaped, br#"{"k":"\u00e9\ud83d\ude00"}"#.to_vec(), "non-ASCII becomes lowercase \\u escapes");
        assert_eq!(unescape_unicode(&escaped), raw.to_vec(), "unescaping restores the raw UTF-8");
        assert_eq!(
            unescape_unicode(br#""\\u00e9""#),
            br#""\\u00e9""#.to_vec(),
            "an escaped backslash is not an escape"
        );
    }

    #[test]
    fn url_variants_cover_scheme_port_and_query() {
        let v = url_variants("https://example.com/hook?x=1");
        for expected in ["http://example.com/hook?x=1", "https://example.com:443/hook?x=1", "https://example.com/hook"]
        {
            assert!(v.iter().any(|u| u == expected), "variants should include {expected}: {v:?}");
        }
        assert!(!v.iter().any(|u| u == "https://example.com/hook?x=1"), "the URL itself is not a variant");
    }
}
