use super::*;
use crate::model::{Base64, DeliveryHead, DeliveryId, DeliverySummary, Header, SentResponse, decode_headers};

pub(super) fn delivery(
    method: &str,
    path: &str,
    query: Option<&str>,
    headers: &[(&str, &[u8])],
    body: &[u8],
) -> Delivery {
    Delivery {
        head: DeliveryHead {
            summary: DeliverySummary {
                id: DeliveryId(1_764_000_000_000_000),
                received_at_us: 1_764_000_000_000_000,
                method: method.into(),
                path: path.into(),
                query: query.map(str::to_owned),
                status: 200,
                body_size: body.len() as u64,
                content_type: None,
                truncated: false,
                pinned: false,
                provider: None,
                verdict: None,
                event_id: None,
                duplicates: 0,
                forward: None,
            },
            http_version: "HTTP/1.1".into(),
            remote_addr: Some("127.0.0.1:5555".into()),
            duration_us: 1500,
            headers: headers.iter().map(|(n, v)| Header::new(*n, v.to_vec())).collect(),
            response: SentResponse {
                status: 200,
                headers: vec![Header::new("content-type", "application/json")],
                body: "{}".into(),
            },
            source: None,
            tls: false,
        },
        body: Base64(body.to_vec()),
        body_text: None,
    }
}

fn all_bytes() -> Vec<u8> {
    (0..=255u8).chain(b"'\"$`\\\n$(rm -rf /)".iter().copied()).collect()
}

fn round_trip(d: &Delivery, format: Format) -> crate::model::NewDelivery {
    let url = format!(
        "http://127.0.0.1:8787{}{}",
        d.head.summary.path,
        d.head.summary.query.as_ref().map(|q| format!("?{q}")).unwrap_or_default()
    );
    let bytes = one(&Item { delivery: d, url }, format);
    let mut got = Vec::new();
    parse(std::io::Cursor::new(bytes), 7, &mut |n| {
        got.push(n);
        Ok(())
    })
    .unwrap_or_else(|e| panic!("{format:?} reads back: {e}"));
    assert_eq!(got.len(), 1);
    got.remove(0)
}

#[test]
fn every_format_reads_back_the_same_request() {
    let headers: &[(&str, &[u8])] = &[
        ("Host", b"127.0.0.1:8787"),
        ("X-Quote", b"it's \"$HOME\" `id`"),
        ("X-Bytes", &[0xff, 0xfe, b'a']),
        ("X-Empty", b""),
        ("x-repeat", b"1"),
        ("X-Repeat", b"2"),
        ("Content-Type", b"application/octet-stream"),
        ("Content-Length", b"273"),
    ];
    assert_eq!(all_bytes().len(), 273);
    let d = delivery("POST", "/hooks/a%20b", Some("x=1&y=%20"), headers, &all_bytes());
    for format in [Format::Har, Format::Json, Format::Ndjson, Format::Raw, Format::Curl] {
        let n = round_trip(&d, format);
        assert_eq!(n.method, "POST", "{format:?}");
        assert_eq!(n.path, "/hooks/a%20b", "{format:?}");
        assert_eq!(n.query.as_deref(), Some("x=1&y=%20"), "{format:?}");
        assert_eq!(n.body, all_bytes(), "{format:?}: the body's bytes");
        assert_eq!(decode_headers(&n.headers), d.head.headers, "{format:?}: headers in order, case and repeats");
    }
}

#[test]
fn a_devtools_har_with_http2_pseudo_headers_imports() {
    let har = r#"{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},"entries":[
      {"startedDateTime":"2026-12-01T10:00:00.250+01:00","time":12.5,
       "request":{"method":"POST","url":"https://example.test/hooks?a=1","httpVersion":"http/2.0",
         "headers":[{"name":":method","value":"POST"},{"name":":authority","value":"example.test"},
                    {"name":":path","value":"/hooks?a=1"},{"name":"content-type","value":"application/json"}],
         "queryString":[{"name":"a","value":"1"}],"cookies":[],"headersSize":-1,"bodySize":7,
         "postData":{"mimeType":"application/json","text":"{\"a\":1}"}},
       "response":{"status":204,"statusText":"","httpVersion":"http/2.0","headers":[],"cookies":[],
         "content":{"size":0,"mimeType":"x-unknown"},"redirectURL":"","headersSize":-1,"bodySize":0},
       "cache":{},"timings":{"send":1,"wait":10,"receive":1.5}}]}}"#;
    let mut got = Vec::new();
    let kind = parse(std::io::Cursor::new(har), 0, &mut |n| {
        got.push(n);
        Ok(())
    })
    .unwrap();
    assert_eq!(kind, Imported::Har);
    let n = &got[0];
    assert_eq!((n.method.as_str(), n.path.as_str(), n.query.as_deref()), ("POST", "/hooks", Some("a=1")));
    assert_eq!(n.http_version, "HTTP/2.0");
    let headers = decode_headers(&n.headers);
    assert_eq!(headers[0], Header::new("Host", "example.test"), "`:authority` becomes Host");
    assert!(!headers.iter().any(|h| h.name.starts_with(':')), "no pseudo-headers: {headers:?}");
    assert_eq!(n.body, b"{\"a\":1}");
    assert_eq!(n.received_at_us, import::parse_rfc3339("2026-12-01T09:00:00.25Z").unwrap());
    assert_eq!(n.response.status(), 204);
}

#[test]
fn a_broken_file_says_where() {
    let cases: [(&str, &str); 5] = [
        (
            r#"{"log":{"entries":[{"request":{"method":"GET","url":"http://x/"}},{"request":{"method":"GET"}}]}}"#,
            "entry 2",
        ),
        (r#"{"log":{"entries":[{"request":{"method":"GET","url":"http://x/"}}"#, "line 1"),
        ("POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", "the body"),
        ("curl -H 'X: 1' 'http://x/", "command line"),
        ("", "the file"),
    ];
    for (text, at) in cases {
        let mut n = 0;
        let e = parse(std::io::Cursor::new(text), 0, &mut |_| {
            n += 1;
            Ok(())
        })
        .unwrap_err();
        assert!(e.to_string().contains(at), "{text:?}: {e}");
    }
}

#[test]
fn curl_lines_from_docs_import() {
    let n = import::curl_command(
        "curl -X POST https://api.test/hooks/stripe \\\n  -H \"Content-Type: application/json\" \\\n  -u sk_test:  \\\n  --data-raw '{\"id\":\"evt_1\"}'",
        0,
    )
    .unwrap();
    assert_eq!(n.path, "/hooks/stripe");
    let h = decode_headers(&n.headers);
    assert_eq!(crate::model::find(&h, "host").unwrap().text(), "api.test");
    assert!(crate::model::find(&h, "authorization").unwrap().text().starts_with("Basic "));
    assert_eq!(n.body, br#"{"id":"evt_1"}"#);
    let j = import::curl_command("curl --json '{\"a\":1}' http://x.test/j", 0).unwrap();
    assert_eq!(j.method, "POST");
    assert_eq!(crate::model::find(&decode_headers(&j.headers), "content-type").unwrap().text(), "application/json");
}

#[test]
fn har_is_well_formed_with_its_required_fields() {
    let d = delivery("POST", "/h", Some("a=1"), &[("Host", b"x"), ("Cookie", b"s=1; t=2")], b"{}");
    let url = "http://x/h?a=1".to_owned();
    let mut out = Vec::new();
    let mut w = Writer::begin(&mut out, Format::Har).unwrap();
    w.item(&Item { delivery: &d, url: url.clone() }).unwrap();
    w.item(&Item { delivery: &d, url }).unwrap();
    w.end().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["log"]["version"], "1.2");
    let e = &v["log"]["entries"][1];
    for key in ["startedDateTime", "time", "request", "response", "cache", "timings"] {
        assert!(!e[key].is_null(), "entry.{key}");
    }
    for key in ["method", "url", "httpVersion", "cookies", "headers", "queryString", "headersSize", "bodySize"] {
        assert!(!e["request"][key].is_null(), "request.{key}");
    }
    assert_eq!(e["request"]["cookies"][1]["name"], "t");
    assert_eq!(e["request"]["queryString"][0]["value"], "1");
    assert_eq!(e["_id"], DeliveryId(1_764_000_000_000_000).to_string());
    assert!(e["response"]["content"]["size"].is_number());
}
