//! The control API's router without a socket (`tower::ServiceExt::oneshot`):
//! the OpenAPI document against the routes actually served, and the shape of
//! every refusal — each is `{code, message}` JSON.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt as _;
use rstest::rstest;
use tower::ServiceExt as _;

use crate::support::Harness;

/// Sends one request through a fresh router, as a signed-in client of this
/// API (its own Host), unless `token` is false; returns status and JSON.
async fn call(
    h: &Harness,
    method: Method,
    uri: &str,
    body: Option<&str>,
    token: bool,
) -> (StatusCode, serde_json::Value) {
    let router = hookscope::api::router(h.running.api.clone(), h.running.auth.clone());
    let mut req = Request::builder().method(method).uri(uri).header("host", h.api.to_string());
    if token {
        req = req.header("authorization", format!("Bearer {}", h.token()));
    }
    if body.is_some() {
        req = req.header("content-type", "application/json");
    }
    let req = req.body(body.map(|b| Body::from(b.to_owned())).unwrap_or_default()).unwrap();
    let resp = router.oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
async fn every_documented_operation_is_routed() {
    let h = Harness::start().await;
    let doc = serde_json::to_value(hookscope::api::openapi()).unwrap();
    let served = h.api_get("/api/openapi.json").await;
    assert_eq!(served, doc, "the served document is the one built from the routes");
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() >= 12, "the document lists the routes (found {})", paths.len());
    let mut operations = 0;
    for (path, item) in paths {
        let uri = path.replace("{id}", "dlv_0000000000001");
        for method in item.as_object().unwrap().keys() {
            let method: Method = method.to_uppercase().parse().unwrap();
            if path == "/api/events" {
                continue; // A stream that never ends; the e2e and api tests read it.
            }
            let body = matches!(method, Method::PUT | Method::POST).then_some("{\"path_prefix\":\"/router-test\"}");
            let (status, json) = call(&h, method.clone(), &uri, body, true).await;
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path} is documented but not routed");
            assert_ne!(json["code"], "no_route", "{method} {path} is documented but not routed");
            operations += 1;
        }
    }
    assert!(operations >= 18, "every operation was tried ({operations})");
    let (status, json) = call(&h, Method::GET, "/api/undocumented", None, true).await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::NOT_FOUND, Some("no_route")), "an unknown route says so");
}

#[rstest]
#[case::broken_json(Method::PUT, "/api/endpoints", Some("{\"path_prefix\": "), StatusCode::BAD_REQUEST, "invalid_body")]
#[case::wrong_json_type(
    Method::PUT,
    "/api/endpoints",
    Some("{\"path_prefix\": 7}"),
    StatusCode::UNPROCESSABLE_ENTITY,
    "invalid_body"
)]
#[case::missing_content_type(
    Method::POST,
    "/api/deliveries/dlv_0000000000001/inspection",
    None,
    StatusCode::UNSUPPORTED_MEDIA_TYPE,
    "invalid_body"
)]
#[case::limit_not_a_number(Method::GET, "/api/deliveries?limit=x", None, StatusCode::BAD_REQUEST, "invalid_query")]
#[case::body_not_a_bool(
    Method::GET,
    "/api/deliveries/dlv_0000000000001?body=maybe",
    None,
    StatusCode::BAD_REQUEST,
    "invalid_query"
)]
#[case::bad_status_filter(Method::GET, "/api/deliveries?status=9xx", None, StatusCode::BAD_REQUEST, "invalid_argument")]
#[case::bad_id(Method::GET, "/api/deliveries/nope", None, StatusCode::BAD_REQUEST, "invalid_id")]
#[case::missing_delivery(Method::DELETE, "/api/deliveries/dlv_0000000000001", None, StatusCode::NOT_FOUND, "not_found")]
#[case::wrong_method(Method::PATCH, "/api/deliveries", None, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")]
#[case::generic_without_config(
    Method::PUT,
    "/api/endpoints",
    Some("{\"path_prefix\":\"/g\",\"provider\":\"generic\",\"secrets\":[\"s\"]}"),
    StatusCode::BAD_REQUEST,
    "invalid_argument"
)]
#[tokio::test(flavor = "multi_thread")]
async fn a_bad_request_gets_code_and_message_as_json(
    #[case] method: Method,
    #[case] uri: &str,
    #[case] body: Option<&str>,
    #[case] status: StatusCode,
    #[case] code: &str,
) {
    let h = Harness::start().await;
    let req = Request::builder().method(method.clone()).uri(uri).header("host", h.api.to_string());
    let req = req.header("authorization", format!("Bearer {}", h.token()));
    let req = match body {
        Some(b) => req.header("content-type", "application/json").body(Body::from(b.to_owned())).unwrap(),
        None => req.body(Body::empty()).unwrap(),
    };
    let resp = hookscope::api::router(h.running.api.clone(), h.running.auth.clone()).oneshot(req).await.unwrap();
    assert_eq!(resp.status(), status, "{method} {uri}");
    assert_eq!(
        resp.headers().get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/json"),
        "{method} {uri}: errors are JSON"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(json["code"], code, "{method} {uri}: {json}");
    assert!(json["message"].as_str().is_some_and(|m| !m.is_empty()), "{method} {uri}: a message says why: {json}");
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_of_auth_and_origin_are_json_too() {
    let h = Harness::start().await;
    let (status, json) = call(&h, Method::GET, "/api/deliveries", None, false).await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthorized")));
    let router = hookscope::api::router(h.running.api.clone(), h.running.auth.clone());
    let req = Request::get("/api/info").header("host", "evil.example").body(Body::empty()).unwrap();
    let resp = router.oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN, "a foreign Host is refused");
    let json: serde_json::Value =
        serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(json["code"], "forbidden_origin");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_endpoint_is_named_as_an_endpoint() {
    let h = Harness::start().await;
    for uri in ["/api/endpoints?path_prefix=/x", "/api/endpoints/ep_0123456789abcdef"] {
        let (status, json) = call(&h, Method::DELETE, uri, None, true).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        let message = json["message"].as_str().unwrap_or_default();
        assert!(message.starts_with("no endpoint "), "the error names what was not found: {message:?}");
        assert!(!message.contains("delivery"), "an endpoint is not a delivery: {message:?}");
    }
}
