//! The browser UI, served from the control API's port so that one URL opens
//! it. The built files (`ui/dist`) are embedded in release binaries; a build
//! made before the UI was built still compiles and answers `/` with a short
//! note instead. The files hold no data, so they need no token; the Host and
//! Origin checks of the API still apply to them.

use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "ui/dist/"]
#[allow_missing = true]
struct Assets;

/// What the page may do: its own scripts and styles, calls to this API, and
/// nothing else. Deliveries are shown as text, so nothing needs more.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

const NOT_BUILT: &str = "Hookscope's UI was not built into this binary.\n\n\
     Build it with `npm ci && npm run build` in ui/, then rebuild hookscope.\n\
     The control API works without it: see /api/openapi.json.\n";

/// Answers every path no API route claimed: a UI file, or a 404.
pub async fn asset(uri: Uri) -> Response {
    let path = uri.path();
    if path.starts_with("/api/") {
        return not_found();
    }
    let name = match path.trim_start_matches('/') {
        "" => "index.html",
        other => other,
    };
    match Assets::get(name) {
        Some(file) => with_headers(file.data.into_owned(), name),
        None if name == "index.html" => {
            let mut response = with_headers(NOT_BUILT.as_bytes().to_vec(), "note.txt");
            *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            response
        }
        None => not_found(),
    }
}

fn with_headers(bytes: Vec<u8>, name: &str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(name)));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Vite names assets by content hash; only the page itself must be re-read.
    let cache = if name.starts_with("assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

fn not_found() -> Response {
    let body = serde_json::json!({ "code": "no_route", "message": "no such API route or page" });
    (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("wasm") => "application/wasm",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_match_the_files_vite_writes() {
        for (name, expected) in [
            ("index.html", "text/html; charset=utf-8"),
            ("assets/index-abc.js", "text/javascript; charset=utf-8"),
            ("assets/index-abc.css", "text/css; charset=utf-8"),
            ("favicon.svg", "image/svg+xml"),
            ("unknown.bin", "application/octet-stream"),
        ] {
            assert_eq!(content_type(name), expected, "{name} must be served as {expected}");
        }
    }

    #[tokio::test]
    async fn unknown_api_paths_are_not_answered_with_the_page() {
        let response = asset(Uri::from_static("/api/nope")).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "an unknown API path must be a 404, not the UI");
    }

    #[tokio::test]
    async fn the_page_carries_a_strict_policy() {
        let response = asset(Uri::from_static("/")).await;
        let csp = response.headers().get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok());
        assert_eq!(csp, Some(CONTENT_SECURITY_POLICY), "/ must carry the CSP whether or not the UI was built");
        let nosniff = response.headers().get(header::X_CONTENT_TYPE_OPTIONS);
        assert_eq!(nosniff.map(|v| v.as_bytes()), Some(&b"nosniff"[..]), "/ must forbid sniffing");
    }
}
