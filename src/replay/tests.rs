use super::*;
use crate::model::{Base64, Delivery, DeliveryHead, DeliveryId, DeliverySummary, SentResponse};

fn delivery(method: &str, headers: &[(&str, &str)], body: &[u8]) -> Delivery {
    Delivery {
        head: DeliveryHead {
            summary: DeliverySummary {
                id: DeliveryId(1),
                received_at_us: 0,
                method: method.into(),
                path: "/hooks/a".into(),
                query: Some("x=1".into()),
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
            remote_addr: None,
            duration_us: 0,
            headers: headers.iter().map(|(n, v)| Header::new(*n, *v)).collect(),
            response: SentResponse { status: 200, headers: vec![], body: String::new() },
            source: None,
            tls: false,
        },
        body: Base64(body.to_vec()),
        body_text: None,
    }
}

fn names(plan: &Plan) -> Vec<String> {
    plan.request.headers.iter().map(|h| format!("{}: {}", h.name, String::from_utf8_lossy(&h.value))).collect()
}

#[rstest::rstest]
#[case::origin("http://127.0.0.1:3000", "/hooks/a?x=1")]
#[case::origin_https("https://app.test", "/hooks/a?x=1")]
#[case::root("http://127.0.0.1:3000/", "/")]
#[case::path("http://127.0.0.1:3000/in?y=2", "/in?y=2")]
#[case::query_only("http://127.0.0.1:3000?y=2", "/?y=2")]
fn an_origin_keeps_the_delivery_s_path_and_a_path_is_used_exactly(#[case] to: &str, #[case] line: &str) {
    let (_, target) = target(to, "/hooks/a", Some("x=1")).unwrap();
    assert_eq!(target, line);
}

#[test]
fn hop_by_hop_headers_go_and_host_and_length_are_the_target_s() {
    let d = delivery(
        "POST",
        &[
            ("Host", "public.example"),
            ("Connection", "keep-alive, X-Hop"),
            ("X-Hop", "1"),
            ("Transfer-Encoding", "chunked"),
            ("Proxy-Authorization", "secret"),
            ("Keep-Alive", "timeout=5"),
            ("X-Keep", "yes"),
        ],
        b"body",
    );
    let (url, line) = target("http://127.0.0.1:3000", "/hooks/a", Some("x=1")).unwrap();
    let p = plan(&d, url, line, &ReplayRequest::default(), None, 0).unwrap();
    assert_eq!(names(&p), ["Host: 127.0.0.1:3000", "X-Keep: yes", "Content-Length: 4"]);
}

#[test]
fn a_get_without_a_body_gets_no_length_and_repeats_collapse_where_set() {
    let d = delivery("GET", &[("Host", "h"), ("X-A", "1"), ("X-B", "2"), ("x-a", "3")], b"");
    let (url, line) = target("http://[::1]:8080", "/hooks/a", None).unwrap();
    let req = ReplayRequest { set_headers: vec![Header::new("X-A", "new")], ..Default::default() };
    let p = plan(&d, url, line, &req, None, 0).unwrap();
    assert_eq!(names(&p), ["Host: [::1]:8080", "X-A: new", "X-B: 2"], "set in the first one's place");
}

#[test]
fn bad_edits_are_refused_before_anything_is_sent() {
    let d = delivery("POST", &[("Host", "h")], b"x");
    let go = |req: ReplayRequest| {
        let (url, line) = target("http://127.0.0.1:1", "/a", None).unwrap();
        plan(&d, url, line, &req, None, 0)
    };
    assert!(go(ReplayRequest { method: Some("GE T".into()), ..Default::default() }).is_err());
    assert!(
        go(ReplayRequest { set_headers: vec![Header::new("X-Bad", "a\r\nInjected: 1")], ..Default::default() })
            .is_err()
    );
    assert!(go(ReplayRequest { set_headers: vec![Header::new("Bad Name", "v")], ..Default::default() }).is_err());
    assert!(go(ReplayRequest { resign: true, ..Default::default() }).is_err(), "re-signing needs a provider");
    assert!(target("ftp://x", "/", None).is_err());
    assert!(target("not a url", "/", None).is_err());
}
