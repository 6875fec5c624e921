//! Files in, new deliveries out: HAR (DevTools, Charles, Proxyman, HTTP
//! Toolkit, mitmproxy, Hookscope), a raw HTTP request, a cURL command line,
//! Hookscope's JSON or NDJSON. The format is told from the content. A HAR is
//! read entry by entry, so a file of any size needs the memory of one entry.
//! Errors say what broke and where (entry, line).

use std::io::{BufRead, Read};

use base64::Engine as _;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::model::{Header, HeaderJson, NewDelivery, Response, encode_headers, find};

/// Where an import broke, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {message}")]
pub struct ImportError {
    /// `entry 3`, `line 12`, `the request line`…
    pub at: String,
    pub message: String,
}

fn err(at: impl Into<String>, message: impl Into<String>) -> ImportError {
    ImportError { at: at.into(), message: message.into() }
}

/// What a file held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Imported {
    Har,
    Raw,
    Curl,
    Json,
}

impl Imported {
    pub fn name(self) -> &'static str {
        match self {
            Imported::Har => "har",
            Imported::Raw => "raw",
            Imported::Curl => "curl",
            Imported::Json => "json",
        }
    }
}

/// Reads `input` and hands each delivery to `sink`, in file order. `now_us`
/// stamps deliveries the file gives no time for. Nothing is handed on after
/// an error; the caller decides what to do with those already handed on
/// (Hookscope's import checks the whole file before it stores any).
pub fn parse(
    mut input: impl BufRead,
    now_us: i64,
    sink: &mut dyn FnMut(NewDelivery) -> Result<(), ImportError>,
) -> Result<Imported, ImportError> {
    let start = loop {
        let buf = input.fill_buf().map_err(|e| err("the file", e.to_string()))?;
        if buf.is_empty() {
            return Err(err("the file", "it is empty"));
        }
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => {
                let first = buf[i];
                let head = buf[i..].iter().take(256).copied().filter(|b| !b.is_ascii_whitespace()).collect::<Vec<u8>>();
                input.consume(i);
                break (first, head);
            }
            None => {
                let n = buf.len();
                input.consume(n);
            }
        }
    };
    match start {
        (b'{', head) if head.starts_with(b"{\"log\"") => {
            har_stream(input, now_us, sink)?;
            Ok(Imported::Har)
        }
        (b'{', _) | (b'[', _) => json_like(input, now_us, sink),
        (_, head) if head.starts_with(b"curl") || head.starts_with(b"printf%s") => {
            let mut text = String::new();
            input.read_to_string(&mut text).map_err(|e| err("the file", format!("not text: {e}")))?;
            sink(super::import::curl_command(&text, now_us)?)?;
            Ok(Imported::Curl)
        }
        _ => {
            let mut bytes = Vec::new();
            input.read_to_end(&mut bytes).map_err(|e| err("the file", e.to_string()))?;
            sink(raw_request(&bytes, now_us)?)?;
            Ok(Imported::Raw)
        }
    }
}

fn json_like(
    input: impl BufRead,
    now_us: i64,
    sink: &mut dyn FnMut(NewDelivery) -> Result<(), ImportError>,
) -> Result<Imported, ImportError> {
    // A HAR is an object with `log`; Hookscope's JSON an object or array of
    // deliveries, NDJSON one per line. Read as a stream of JSON values.
    let stream = serde_json::Deserializer::from_reader(input).into_iter::<serde_json::Value>();
    let mut kind = None;
    let mut n = 0usize;
    // A HAR that does not start with `{"log"` ends up here and is read
    // whole; the usual ones are streamed by `har_stream`.
    for value in stream {
        let value = value.map_err(|e| err(format!("line {}", e.line()), format!("not JSON: {e}")))?;
        match value {
            serde_json::Value::Object(ref o) if o.contains_key("log") => {
                kind = Some(Imported::Har);
                let log = &value["log"];
                let entries = log["entries"]
                    .as_array()
                    .ok_or_else(|| err("the HAR", "`log.entries` is missing or not a list"))?;
                for (i, entry) in entries.iter().enumerate() {
                    let e = HarEntry::deserialize(entry).map_err(|e| err(format!("entry {}", i + 1), e.to_string()))?;
                    sink(har_entry(e, now_us).map_err(|m| err(format!("entry {}", i + 1), m))?)?;
                }
            }
            serde_json::Value::Array(items) => {
                kind = Some(Imported::Json);
                for item in items {
                    n += 1;
                    sink(hookscope_json(item, n)?)?;
                }
            }
            item @ serde_json::Value::Object(_) => {
                kind = Some(Imported::Json);
                n += 1;
                sink(hookscope_json(item, n)?)?;
            }
            _ => return Err(err(format!("item {}", n + 1), "expected a HAR or Hookscope's JSON")),
        }
    }
    kind.ok_or_else(|| err("the file", "no deliveries in it"))
}

/// A HAR read entry by entry from a reader: the whole file is never in
/// memory. The entries count from 1 in errors.
pub fn har_stream(
    input: impl Read,
    now_us: i64,
    sink: &mut dyn FnMut(NewDelivery) -> Result<(), ImportError>,
) -> Result<usize, ImportError> {
    let mut de = serde_json::Deserializer::from_reader(std::io::BufReader::new(input));
    let mut state = Stream { sink, now_us, count: 0, failed: None };
    let result = Top(&mut state).deserialize(&mut de).and_then(|()| de.end());
    if let Some(e) = state.failed.take() {
        return Err(e);
    }
    result.map_err(|e| err(format!("line {}, column {}", e.line(), e.column()), e.to_string()))?;
    Ok(state.count)
}

struct Stream<'a> {
    sink: &'a mut dyn FnMut(NewDelivery) -> Result<(), ImportError>,
    now_us: i64,
    count: usize,
    failed: Option<ImportError>,
}

struct Top<'s, 'a>(&'s mut Stream<'a>);
struct Log<'s, 'a>(&'s mut Stream<'a>);
struct Entries<'s, 'a>(&'s mut Stream<'a>);

impl<'de> DeserializeSeed<'de> for Top<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Top<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a HAR document")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut saw_log = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "log" {
                saw_log = true;
                map.next_value_seed(Log(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        if saw_log { Ok(()) } else { Err(de::Error::custom("no `log` in it: not a HAR")) }
    }
}

impl<'de> DeserializeSeed<'de> for Log<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Log<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("the HAR's `log`")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "entries" {
                map.next_value_seed(Entries(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Entries<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Entries<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of entries")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let s = self.0;
        loop {
            let at = format!("entry {}", s.count + 1);
            let entry = match seq.next_element::<HarEntry>() {
                Ok(Some(e)) => e,
                Ok(None) => return Ok(()),
                Err(e) => {
                    s.failed = Some(err(at, e.to_string()));
                    return Err(e);
                }
            };
            let result = har_entry(entry, s.now_us).map_err(|m| err(at.clone(), m)).and_then(|d| (s.sink)(d));
            if let Err(e) = result {
                let message = e.to_string();
                s.failed = Some(e);
                return Err(de::Error::custom(message));
            }
            s.count += 1;
        }
    }
}

#[derive(Deserialize)]
struct HarEntry {
    #[serde(rename = "startedDateTime", default)]
    started: Option<String>,
    #[serde(default)]
    time: Option<f64>,
    request: HarRequest,
    #[serde(default)]
    response: Option<HarResponse>,
    #[serde(rename = "_remoteAddress", default)]
    remote: Option<String>,
    #[serde(rename = "_truncated", default)]
    truncated: Option<bool>,
    #[serde(rename = "_bodySizeReceived", default)]
    body_size: Option<u64>,
}

#[derive(Deserialize)]
struct HarRequest {
    method: String,
    url: String,
    #[serde(rename = "httpVersion", default)]
    http_version: String,
    #[serde(default)]
    headers: Vec<HarHeader>,
    #[serde(rename = "postData", default)]
    post: Option<HarPost>,
}

#[derive(Deserialize)]
struct HarHeader {
    name: String,
    value: String,
    #[serde(rename = "_encoding", default)]
    encoding: Option<String>,
}

#[derive(Deserialize)]
struct HarPost {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    params: Vec<HarParam>,
    #[serde(rename = "_encoding", alias = "encoding", default)]
    encoding: Option<String>,
}

#[derive(Deserialize)]
struct HarParam {
    name: String,
    #[serde(default)]
    value: Option<String>,
}

#[derive(Deserialize)]
struct HarResponse {
    #[serde(default)]
    status: i64,
    #[serde(default)]
    headers: Vec<HarHeader>,
    #[serde(default)]
    content: Option<HarContent>,
}

#[derive(Deserialize)]
struct HarContent {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    encoding: Option<String>,
}

fn unbase64(text: &str, what: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD.decode(text.trim()).map_err(|e| format!("{what}: bad base64 ({e})"))
}

fn har_headers(headers: Vec<HarHeader>) -> Result<Vec<Header>, String> {
    headers
        .into_iter()
        .map(|h| {
            let value = match h.encoding.as_deref() {
                Some("base64") => unbase64(&h.value, &format!("header {}", h.name))?,
                _ => h.value.into_bytes(),
            };
            Ok(Header::new(h.name, value))
        })
        .collect()
}

fn har_entry(e: HarEntry, now_us: i64) -> Result<NewDelivery, String> {
    let r = e.request;
    let url = url::Url::parse(&r.url).map_err(|err| format!("request.url {:?}: {err}", r.url))?;
    let mut headers = har_headers(r.headers)?;
    // HTTP/2 pseudo-headers are the request line and `Host`, not headers.
    let authority = headers.iter().find(|h| h.name == ":authority").map(|h| h.value.clone());
    headers.retain(|h| !h.name.starts_with(':'));
    if find(&headers, "host").is_none() {
        let host = authority.or_else(|| {
            url.host_str().map(|h| match url.port() {
                Some(p) => format!("{h}:{p}").into_bytes(),
                None => h.as_bytes().to_vec(),
            })
        });
        if let Some(host) = host {
            headers.insert(0, Header::new("Host", host));
        }
    }
    let body = match r.post {
        None => Vec::new(),
        Some(p) => match (p.text, p.encoding.as_deref()) {
            (Some(text), Some("base64")) => unbase64(&text, "postData.text")?,
            (Some(text), _) => text.into_bytes(),
            (None, _) if !p.params.is_empty() => url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(p.params.iter().map(|x| (x.name.as_str(), x.value.as_deref().unwrap_or(""))))
                .finish()
                .into_bytes(),
            (None, _) => Vec::new(),
        },
    };
    let response = match e.response {
        Some(resp) if resp.status > 0 => {
            let body = match resp.content.and_then(|c| c.text.map(|t| (t, c.encoding))) {
                Some((t, Some(enc))) if enc == "base64" => unbase64(&t, "response.content.text")?,
                Some((t, _)) => t.into_bytes(),
                None => Vec::new(),
            };
            Response::Other { status: resp.status.clamp(100, 599) as u16, headers: har_headers(resp.headers)?, body }
        }
        _ => Response::Other { status: 200, headers: Vec::new(), body: Vec::new() },
    };
    let received_at_us = match e.started.as_deref() {
        Some(t) => parse_rfc3339(t).ok_or_else(|| format!("startedDateTime {t:?} is not an RFC 3339 time"))?,
        None => now_us,
    };
    let version = match r.http_version.to_ascii_uppercase().as_str() {
        "HTTP/1.0" => "HTTP/1.0",
        "HTTP/2" | "HTTP/2.0" | "H2" => "HTTP/2.0",
        "HTTP/3" | "HTTP/3.0" | "H3" => "HTTP/3.0",
        _ => "HTTP/1.1",
    };
    let truncated = e.truncated.unwrap_or(false);
    Ok(delivery(Parts {
        received_at_us,
        method: r.method,
        path: url.path().to_owned(),
        query: url.query().map(str::to_owned),
        http_version: version.into(),
        remote_addr: e.remote,
        body_size: if truncated { e.body_size.unwrap_or(body.len() as u64) } else { body.len() as u64 },
        headers,
        body,
        truncated,
        duration_us: e.time.map_or(0, |t| (t.max(0.0) * 1000.0) as i64),
        response,
        source: "har",
    }))
}

struct Parts {
    received_at_us: i64,
    method: String,
    path: String,
    query: Option<String>,
    http_version: String,
    remote_addr: Option<String>,
    headers: Vec<Header>,
    body: Vec<u8>,
    body_size: u64,
    truncated: bool,
    duration_us: i64,
    response: Response,
    source: &'static str,
}

fn delivery(p: Parts) -> NewDelivery {
    let content_type = find(&p.headers, "content-type").and_then(|h| {
        let media = h.text().split(';').next()?.trim().to_ascii_lowercase();
        (!media.is_empty()).then_some(media)
    });
    NewDelivery {
        received_at_us: p.received_at_us,
        method: p.method,
        path: if p.path.is_empty() { "/".into() } else { p.path },
        query: p.query,
        http_version: p.http_version,
        remote_addr: p.remote_addr,
        content_type,
        headers: encode_headers(&p.headers),
        body: p.body,
        body_size: p.body_size,
        truncated: p.truncated,
        duration_us: p.duration_us,
        response: p.response,
        source: Some(p.source.to_owned()),
        tls: false,
    }
}

/// `2026-12-03T07:50:01.123Z`, `…+01:00`: µs since the epoch.
pub fn parse_rfc3339(t: &str) -> Option<i64> {
    let t = t.trim();
    let b = t.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| t.get(r)?.parse::<i64>().ok();
    let (y, mo, d, h, mi, s) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = &t[19..];
    let mut micros = 0i64;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits: String = frac.chars().take_while(char::is_ascii_digit).collect();
        rest = &frac[digits.len()..];
        let padded = format!("{:0<6}", &digits[..digits.len().min(6)]);
        micros = padded.parse().ok()?;
    }
    let offset_s = match rest {
        "Z" | "z" | "" => 0,
        o if o.len() == 6 && (o.starts_with('+') || o.starts_with('-')) => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            sign * (o[1..3].parse::<i64>().ok()? * 3600 + o[4..6].parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * (mo + if mo > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + h * 3600 + mi * 60 + s - offset_s) * 1_000_000 + micros)
}

/// A raw HTTP/1.x request: head, then a body framed by `Content-Length`,
/// chunked, or (with neither) the rest of the file.
pub fn raw_request(bytes: &[u8], now_us: i64) -> Result<NewDelivery, ImportError> {
    let mut slots = [httparse::EMPTY_HEADER; 256];
    let mut req = httparse::Request::new(&mut slots);
    let head_len = match req.parse(bytes) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Err(err("the request head", "it ends before the blank line")),
        Err(e) => return Err(err("the request head", format!("not an HTTP request: {e}"))),
    };
    let method = req.method.unwrap_or("GET").to_owned();
    let target = req.path.unwrap_or("/");
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (target.to_owned(), None),
    };
    let path = match path.strip_prefix("http://").or_else(|| path.strip_prefix("https://")) {
        // Absolute form: the path is after the authority.
        Some(rest) => rest.find('/').map_or("/".to_owned(), |i| rest[i..].to_owned()),
        None => path,
    };
    let headers: Vec<Header> = req.headers.iter().map(|h| Header::new(h.name, h.value.to_vec())).collect();
    let rest = &bytes[head_len..];
    let chunked =
        find(&headers, "transfer-encoding").is_some_and(|h| h.text().to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        dechunk(rest)?
    } else if let Some(h) = find(&headers, "content-length") {
        let n: usize =
            h.text().trim().parse().map_err(|_| err("Content-Length", format!("{:?} is not a length", h.text())))?;
        if rest.len() < n {
            return Err(err("the body", format!("Content-Length says {n} bytes, the file has {}", rest.len())));
        }
        rest[..n].to_vec()
    } else {
        rest.to_vec()
    };
    let version = if req.version == Some(0) { "HTTP/1.0" } else { "HTTP/1.1" };
    Ok(delivery(Parts {
        received_at_us: now_us,
        method,
        path,
        query,
        http_version: version.into(),
        remote_addr: None,
        body_size: body.len() as u64,
        headers,
        body,
        truncated: false,
        duration_us: 0,
        response: Response::Other { status: 200, headers: Vec::new(), body: Vec::new() },
        source: "raw",
    }))
}

fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>, ImportError> {
    let mut body = Vec::new();
    loop {
        let line_end = memchr::memmem::find(rest, b"\r\n")
            .ok_or_else(|| err("the chunked body", "a chunk size line does not end"))?;
        let size_text = std::str::from_utf8(&rest[..line_end]).unwrap_or("").split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| err("the chunked body", format!("{size_text:?} is not a chunk size")))?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        if rest.len() < size + 2 {
            return Err(err("the chunked body", "a chunk is cut short"));
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

/// Hookscope's own JSON for a delivery (`hookscope export --format json`).
fn hookscope_json(value: serde_json::Value, n: usize) -> Result<NewDelivery, ImportError> {
    #[derive(Deserialize)]
    struct Own {
        received_at_us: i64,
        method: String,
        path: String,
        #[serde(default)]
        query: Option<String>,
        #[serde(default)]
        http_version: Option<String>,
        #[serde(default)]
        remote_addr: Option<String>,
        #[serde(default)]
        duration_us: i64,
        headers: Vec<HeaderJson>,
        body: String,
        #[serde(default)]
        truncated: bool,
        #[serde(default)]
        body_size: Option<u64>,
        #[serde(default)]
        response: Option<OwnResponse>,
    }
    #[derive(Deserialize)]
    struct OwnResponse {
        status: u16,
        #[serde(default)]
        headers: Vec<HeaderJson>,
        #[serde(default)]
        body: String,
    }
    let at = || format!("delivery {n}");
    let own = Own::deserialize(value).map_err(|e| err(at(), e.to_string()))?;
    let headers = own
        .headers
        .into_iter()
        .map(Header::try_from)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| err(at(), e.to_string()))?;
    let body = unbase64(&own.body, "body").map_err(|m| err(at(), m))?;
    let response = match own.response {
        Some(r) => Response::Other {
            status: r.status,
            headers: r.headers.into_iter().filter_map(|h| Header::try_from(h).ok()).collect(),
            body: r.body.into_bytes(),
        },
        None => Response::Other { status: 200, headers: Vec::new(), body: Vec::new() },
    };
    Ok(delivery(Parts {
        received_at_us: own.received_at_us,
        method: own.method,
        path: own.path,
        query: own.query,
        http_version: own.http_version.unwrap_or_else(|| "HTTP/1.1".into()),
        remote_addr: own.remote_addr,
        body_size: own.body_size.unwrap_or(body.len() as u64),
        headers,
        body,
        truncated: own.truncated,
        duration_us: own.duration_us,
        response,
        source: "json",
    }))
}

/// Splits a command line as bash would: `'…'`, `"…"`, `$'…'`, backslashes,
/// line continuations, and `|` as a word of its own.
fn shell_words(text: &str) -> Result<Vec<Vec<u8>>, ImportError> {
    let mut words = Vec::new();
    let mut word: Option<Vec<u8>> = None;
    let b = text.as_bytes();
    let mut i = 0;
    let unclosed = |what: &str| err("the command line", format!("a {what} quote is never closed"));
    while i < b.len() {
        let c = b[i];
        match c {
            b'\\' if b.get(i + 1) == Some(&b'\n') => i += 2,
            b'\\' if b.get(i + 1) == Some(&b'\r') && b.get(i + 2) == Some(&b'\n') => i += 3,
            b' ' | b'\t' | b'\n' | b'\r' => {
                if let Some(w) = word.take() {
                    words.push(w);
                }
                i += 1;
            }
            b'|' if word.is_none() => {
                words.push(b"|".to_vec());
                i += 1;
            }
            b'\'' => {
                let end = b[i + 1..].iter().position(|&x| x == b'\'').ok_or_else(|| unclosed("single"))?;
                word.get_or_insert_with(Vec::new).extend_from_slice(&b[i + 1..i + 1 + end]);
                i += end + 2;
            }
            b'$' if b.get(i + 1) == Some(&b'\'') => {
                let w = word.get_or_insert_with(Vec::new);
                i += 2;
                loop {
                    match b.get(i) {
                        None => return Err(unclosed("$'")),
                        Some(b'\'') => {
                            i += 1;
                            break;
                        }
                        Some(b'\\') => {
                            let (byte, used) = ansi_escape(&b[i + 1..]);
                            w.push(byte);
                            i += 1 + used;
                        }
                        Some(&x) => {
                            w.push(x);
                            i += 1;
                        }
                    }
                }
            }
            b'"' => {
                let w = word.get_or_insert_with(Vec::new);
                i += 1;
                loop {
                    match b.get(i) {
                        None => return Err(unclosed("double")),
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(b'\\') if matches!(b.get(i + 1), Some(b'"' | b'\\' | b'$' | b'`')) => {
                            w.push(b[i + 1]);
                            i += 2;
                        }
                        Some(b'\\') if b.get(i + 1) == Some(&b'\n') => i += 2,
                        Some(&x) => {
                            w.push(x);
                            i += 1;
                        }
                    }
                }
            }
            b'\\' => {
                if let Some(&x) = b.get(i + 1) {
                    word.get_or_insert_with(Vec::new).push(x);
                }
                i += 2;
            }
            _ => {
                word.get_or_insert_with(Vec::new).push(c);
                i += 1;
            }
        }
    }
    if let Some(w) = word {
        words.push(w);
    }
    Ok(words)
}

/// One escape of `$'…'` after its backslash: the byte and how many bytes it used.
fn ansi_escape(b: &[u8]) -> (u8, usize) {
    match b.first() {
        Some(b'n') => (b'\n', 1),
        Some(b't') => (b'\t', 1),
        Some(b'r') => (b'\r', 1),
        Some(b'0') => (0, 1),
        Some(b'x') => {
            let hex: Vec<u8> = b[1..].iter().take(2).take_while(|c| c.is_ascii_hexdigit()).copied().collect();
            let v = u8::from_str_radix(std::str::from_utf8(&hex).unwrap_or("0"), 16).unwrap_or(0);
            (v, 1 + hex.len())
        }
        Some(&c) => (c, 1),
        None => (b'\\', 0),
    }
}

/// A `curl …` command line (as browsers' "Copy as cURL" and providers' docs
/// write it, or as Hookscope exports it).
pub fn curl_command(text: &str, now_us: i64) -> Result<NewDelivery, ImportError> {
    let words = shell_words(text)?;
    // `printf %s 'BASE64' | base64 -d | curl …` (Hookscope's form for binary bodies).
    let mut stdin: Option<Vec<u8>> = None;
    let mut start = 0;
    if words.first().is_some_and(|w| w == b"printf") {
        let pipe =
            words.iter().position(|w| w == b"|").ok_or_else(|| err("the command line", "printf without a pipe"))?;
        let data = words.get(pipe - 1).ok_or_else(|| err("the command line", "printf without data"))?;
        let decode =
            words.get(pipe + 1..pipe + 3).is_some_and(|w| w[0] == b"base64" && (w[1] == b"-d" || w[1] == b"--decode"));
        stdin = Some(if decode {
            unbase64(std::str::from_utf8(data).unwrap_or(""), "the piped body")
                .map_err(|m| err("the command line", m))?
        } else {
            data.clone()
        });
        start = words.iter().position(|w| w == b"curl").ok_or_else(|| err("the command line", "no curl in it"))?;
    }
    if words.get(start).is_none_or(|w| w != b"curl") {
        return Err(err("the command line", "it does not start with curl"));
    }
    let text_of = |w: &[u8]| String::from_utf8_lossy(w).into_owned();
    let mut method: Option<String> = None;
    let mut url: Option<String> = None;
    let mut headers: Vec<Header> = Vec::new();
    let mut removed: Vec<String> = Vec::new();
    let mut data: Vec<Vec<u8>> = Vec::new();
    let mut json_body = false;
    let mut it = words[start + 1..].iter();
    while let Some(w) = it.next() {
        let arg = text_of(w);
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<Vec<u8>, ImportError> {
            match &inline {
                Some(v) => Ok(v.clone().into_bytes()),
                None => it.next().cloned().ok_or_else(|| err(format!("curl {name}"), "it needs a value")),
            }
        };
        let read_at = |v: Vec<u8>, stdin: &Option<Vec<u8>>| -> Result<Vec<u8>, ImportError> {
            match v.strip_prefix(b"@") {
                Some(b"-") => stdin
                    .clone()
                    .ok_or_else(|| err("curl @-", "the body comes from stdin, which the command line does not give")),
                Some(file) => {
                    let path = text_of(file);
                    std::fs::read(&path).map_err(|e| err(format!("curl @{path}"), e.to_string()))
                }
                None => Ok(v),
            }
        };
        match flag.as_str() {
            "-X" | "--request" => method = Some(text_of(&value(&flag)?)),
            "-H" | "--header" => {
                let h = value(&flag)?;
                let (name, rest) = match h.iter().position(|&c| c == b':' || c == b';') {
                    Some(i) => (text_of(&h[..i]), &h[i..]),
                    None => return Err(err(format!("curl -H {:?}", text_of(&h)), "a header is Name: value")),
                };
                if rest.first() == Some(&b';') && rest.len() == 1 {
                    headers.push(Header::new(name, Vec::new()));
                } else if rest.first() == Some(&b':') {
                    let v = &rest[1..];
                    let v = v.strip_prefix(b" ").unwrap_or(v);
                    if v.is_empty() {
                        // `Name:` tells curl to leave that header out.
                        removed.push(name.to_ascii_lowercase());
                    } else {
                        headers.push(Header::new(name, v.to_vec()));
                    }
                } else {
                    return Err(err(format!("curl -H {:?}", text_of(&h)), "a header is Name: value"));
                }
            }
            "-d" | "--data" | "--data-ascii" => {
                let v = read_at(value(&flag)?, &stdin)?;
                // curl drops CR and LF from a file given with -d.
                data.push(if w.starts_with(b"@") {
                    v.into_iter().filter(|&c| c != b'\n' && c != b'\r').collect()
                } else {
                    v
                });
            }
            "--data-binary" => data.push(read_at(value(&flag)?, &stdin)?),
            "--data-raw" => data.push(value(&flag)?),
            "--data-urlencode" => {
                let v = text_of(&value(&flag)?);
                let encoded = match v.split_once('=') {
                    Some((k, val)) => {
                        format!("{k}={}", url::form_urlencoded::byte_serialize(val.as_bytes()).collect::<String>())
                    }
                    None => url::form_urlencoded::byte_serialize(v.as_bytes()).collect(),
                };
                data.push(encoded.into_bytes());
            }
            "--json" => {
                data.push(read_at(value(&flag)?, &stdin)?);
                json_body = true;
            }
            "-u" | "--user" => {
                let creds = base64::engine::general_purpose::STANDARD.encode(value(&flag)?);
                headers.push(Header::new("Authorization", format!("Basic {creds}")));
            }
            "-A" | "--user-agent" => headers.push(Header::new("User-Agent", value(&flag)?)),
            "-e" | "--referer" => headers.push(Header::new("Referer", value(&flag)?)),
            "-b" | "--cookie" => headers.push(Header::new("Cookie", value(&flag)?)),
            "--url" => url = Some(text_of(&value(&flag)?)),
            "-I" | "--head" => method = Some("HEAD".into()),
            // Output and transport options: they change nothing in the request.
            "-o" | "--output" | "-m" | "--max-time" | "--connect-timeout" | "-w" | "--write-out" | "--retry" | "-x"
            | "--proxy" | "--cacert" | "--cert" | "--key" => {
                value(&flag)?;
            }
            f if f.starts_with('-') => {}
            _ => url = Some(arg),
        }
    }
    let url_text = url.ok_or_else(|| err("the command line", "no URL in it"))?;
    let parsed = url::Url::parse(&url_text).map_err(|e| err(format!("the URL {url_text:?}"), e.to_string()))?;
    let body = data.join(&b'&');
    if json_body {
        for (name, value) in [("Content-Type", "application/json"), ("Accept", "application/json")] {
            if find(&headers, name).is_none() {
                headers.push(Header::new(name, value));
            }
        }
    }
    if !body.is_empty() && find(&headers, "content-type").is_none() && !removed.iter().any(|r| r == "content-type") {
        headers.push(Header::new("Content-Type", "application/x-www-form-urlencoded"));
    }
    if find(&headers, "host").is_none() && !removed.iter().any(|r| r == "host") {
        let host = match parsed.port() {
            Some(p) => format!("{}:{p}", parsed.host_str().unwrap_or_default()),
            None => parsed.host_str().unwrap_or_default().to_owned(),
        };
        headers.insert(0, Header::new("Host", host));
    }
    let chunked = find(&headers, "transfer-encoding").is_some();
    if !body.is_empty() && !chunked && find(&headers, "content-length").is_none() {
        headers.push(Header::new("Content-Length", body.len().to_string()));
    }
    let method = method.unwrap_or_else(|| if body.is_empty() { "GET".into() } else { "POST".into() });
    Ok(delivery(Parts {
        received_at_us: now_us,
        method,
        path: parsed.path().to_owned(),
        query: parsed.query().map(str::to_owned),
        http_version: "HTTP/1.1".into(),
        remote_addr: None,
        body_size: body.len() as u64,
        headers,
        body,
        truncated: false,
        duration_us: 0,
        response: Response::Other { status: 200, headers: Vec::new(), body: Vec::new() },
        source: "curl",
    }))
}
