//! The HTTP control API: a thin adapter from routes to [`Api`] operations,
//! behind the token, Host and Origin checks of [`Auth`]. Loopback only.
//!
//! Each route is declared once, with its `#[utoipa::path]`: the router and
//! the OpenAPI document (`/api/openapi.json`) are both built from that list,
//! so the document cannot drift from what is served.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use futures_util::StreamExt as _;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokio::net::TcpListener;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{Auth, COOKIE_PREFIX};
use super::{
    Api, CoreStatus, Draft, ExportQuery, ImportReport, ImportSource, Info, InspectionReport, ListQuery, LiveEvent,
    Moved, ProviderInfo, ReplayTarget, SampleEvent, SampleRequest, SampleSent, SignInLink, TargetChoice,
};
use crate::error::{Error, ErrorBody};
use crate::forward::QueueReport;
use crate::model::{Attempt, AttemptSummary, DeliveryReply, DeliverySummary, EndpointJson};
use crate::replay::{BulkProgress, BulkReplayRequest, Diff, ReplayRequest};
use crate::store::{Page, Stats};
use crate::task::ServerHandle;

#[derive(Clone)]
struct AppState {
    api: Api,
    auth: Arc<Auth>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Hookscope control API",
        description = "Deliveries, endpoints, signature inspections and live events of a running Hookscope. \
            Loopback only; every route but /api/login needs the install's token (Bearer) or the sign-in cookie, \
            and the API's own Host and Origin."
    ),
    components(schemas(ErrorBody, LiveEvent, CoreStatus)),
    modifiers(&Security),
    security(("bearer" = []), ("cookie" = []))
)]
struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        let session = ApiKeyValue::with_description(
            format!("{COOKIE_PREFIX}<API port>"),
            "A browser session, set by a one-time sign-in link (not the token)".to_owned(),
        );
        components.add_security_scheme("cookie", SecurityScheme::ApiKey(ApiKey::Cookie(session)));
    }
}

/// Every route that needs the token, declared with its documentation.
fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(info))
        .routes(routes!(list, clear))
        .routes(routes!(one, delete))
        .routes(routes!(body))
        .routes(routes!(pin, unpin))
        .routes(routes!(inspection, try_inspection))
        .routes(routes!(endpoints, put_endpoint, delete_endpoint_by_prefix))
        .routes(routes!(delete_endpoint))
        .routes(routes!(providers))
        .routes(routes!(replay))
        .routes(routes!(attempts))
        .routes(routes!(attempt))
        .routes(routes!(replay_target))
        .routes(routes!(diff))
        .routes(routes!(drafts))
        .routes(routes!(put_draft, delete_draft))
        .routes(routes!(start_bulk))
        .routes(routes!(bulk, cancel_bulk))
        .routes(routes!(export_deliveries))
        .routes(routes!(import_file))
        .routes(routes!(samples_list, send_sample))
        .routes(routes!(tunnel))
        .routes(routes!(start_tunnel))
        .routes(routes!(stop_tunnel))
        .routes(routes!(tls_certificate))
        .routes(routes!(queue))
        .routes(routes!(pause_target))
        .routes(routes!(resume_target))
        .routes(routes!(retry_failed))
        .routes(routes!(drop_queue))
        .routes(routes!(stats))
        .routes(routes!(events))
        .routes(routes!(sign_in_link))
        .routes(routes!(sign_out))
}

/// The routes behind the token and the whole OpenAPI document, from one list.
fn routes_and_document() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (routes, mut doc) = documented().split_for_parts();
    // Routed by hand below (outside the token, or not JSON), documented here.
    doc.merge(OpenApiRouter::<AppState>::new().routes(routes!(login)).routes(routes!(openapi_json)).into_openapi());
    (routes, doc)
}

/// The OpenAPI document of the control API, as `/api/openapi.json` serves it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes_and_document().1
}

/// The control API's routes, without a socket (tests call it with `oneshot`).
pub fn router(api: Api, auth: Arc<Auth>) -> Router {
    let state = AppState { api, auth };
    let (protected, doc) = routes_and_document();
    // Serialized once: the document only changes with the code.
    let doc = axum::body::Bytes::from(serde_json::to_vec(&doc).unwrap_or_default());
    let protected = protected
        .route("/api/openapi.json", get(move || async move { ([(header::CONTENT_TYPE, "application/json")], doc) }))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    Router::new()
        .route("/api/login", get(login))
        .merge(protected)
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(super::ui::asset)
        .layer(middleware::from_fn_with_state(state.clone(), require_same_site))
        .layer(middleware::from_fn(trace))
        .with_state(state)
}

/// One span per request; failures are logged with their status.
async fn trace(req: Request, next: Next) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let span = tracing::debug_span!("api", %method, %path);
    let started = Instant::now();
    let response = tracing::Instrument::instrument(next.run(req), span.clone()).await;
    let status = response.status();
    let _enter = span.enter();
    if status.is_server_error() {
        tracing::warn!(status = status.as_u16(), elapsed_ms = started.elapsed().as_millis() as u64, "failed");
    } else {
        tracing::debug!(status = status.as_u16(), elapsed_ms = started.elapsed().as_millis() as u64, "answered");
    }
    response
}

async fn require_same_site(State(s): State<AppState>, req: Request, next: Next) -> Response {
    if !s.auth.same_site(req.headers()) {
        return problem(StatusCode::FORBIDDEN, "forbidden_origin", "this API only answers its own host and origin");
    }
    next.run(req).await
}

async fn require_token(State(s): State<AppState>, req: Request, next: Next) -> Response {
    if !s.auth.has_token(req.headers()) {
        return problem(StatusCode::UNAUTHORIZED, "unauthorized", "a valid token is required");
    }
    next.run(req).await
}

async fn method_not_allowed() -> Response {
    problem(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this route does not take that method")
}

/// An error as the API answers it: the status and `{code, message}` that
/// the error itself decides (see [`Error::public`]).
pub struct ApiError(StatusCode, ErrorBody);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), e.public())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

type Reply<T> = Result<Json<T>, ApiError>;

/// A JSON body whose rejection is `{code: "invalid_body", message}`.
struct Body<T>(T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Body(value)),
            Err(r) => Err(ApiError(r.status(), ErrorBody::new("invalid_body", r.body_text()))),
        }
    }
}

/// Query parameters whose rejection is `{code: "invalid_query", message}`.
struct Params<T>(T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Params(value)),
            Err(r) => Err(ApiError(StatusCode::BAD_REQUEST, ErrorBody::new("invalid_query", r.body_text()))),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct Ticket {
    /// The one-time ticket printed by `hookscope serve`.
    ticket: String,
}

/// Redeems a one-time sign-in URL: starts a browser session (an HttpOnly
/// cookie that is not the token). A used or unknown link gets a page that
/// says how to get a new one.
#[utoipa::path(get, path = "/api/login", params(Ticket), tag = "session", security(()),
    responses((status = 303, description = "Signed in; to the UI"),
        (status = 401, content_type = "text/html", description = "The link was used or is unknown")))]
async fn login(State(s): State<AppState>, Params(t): Params<Ticket>) -> Result<Response, ApiError> {
    match s.auth.sign_in(&t.ticket)? {
        Some(cookie) => Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response()),
        None => Ok((
            StatusCode::UNAUTHORIZED,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CONTENT_SECURITY_POLICY, "default-src 'none'"),
            ],
            LINK_USED,
        )
            .into_response()),
    }
}

const LINK_USED: &str = "<!doctype html><meta charset=utf-8><title>Hookscope: sign-in link used</title>\
<body style=\"font:15px system-ui;margin:3em\"><h1 style=\"font-size:18px\">This sign-in link was already used</h1>\
<p>Each link signs one browser in, once. For a new one, run <code>hookscope open</code> in a terminal \
(or use <b>Copy browser link</b> in the desktop app), then open the link it prints.</p>";

/// Ends this browser's session.
#[utoipa::path(delete, path = "/api/session", tag = "session", responses((status = 204)))]
async fn sign_out(State(s): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    let cookie = s.auth.sign_out(&headers);
    (StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response()
}

/// A fresh one-time sign-in link for a browser (each works once).
#[utoipa::path(post, path = "/api/sign-in-links", tag = "session", responses((status = 200, body = SignInLink)))]
async fn sign_in_link(State(s): State<AppState>) -> Reply<SignInLink> {
    Ok(Json(s.api.sign_in_link()?))
}

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI 3.1")))]
async fn openapi_json() {}

/// Versions and addresses of this instance.
#[utoipa::path(get, path = "/api/info", tag = "meta", responses((status = 200, body = Info)))]
async fn info(State(s): State<AppState>) -> Json<Info> {
    Json(s.api.info())
}

/// Deliveries, newest first, in keyset pages.
#[utoipa::path(get, path = "/api/deliveries", params(ListQuery), tag = "deliveries",
    responses((status = 200, body = Page<DeliverySummary>), (status = 400, body = ErrorBody)))]
async fn list(State(s): State<AppState>, Params(q): Params<ListQuery>) -> Reply<Page> {
    Ok(Json(s.api.list(&q).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct OneQuery {
    /// `false` leaves out `body` and `body_text` (the UI reads `/body`).
    body: Option<bool>,
}

/// One delivery, with its body (base64 and text) unless `body=false`.
#[utoipa::path(get, path = "/api/deliveries/{id}", params(("id" = String, Path), OneQuery), tag = "deliveries",
    responses((status = 200, body = DeliveryReply), (status = 404, body = ErrorBody)))]
async fn one(State(s): State<AppState>, Path(id): Path<String>, Params(q): Params<OneQuery>) -> Reply<DeliveryReply> {
    Ok(Json(s.api.get(&id, q.body.unwrap_or(true)).await?))
}

/// The body's exact bytes, served inert: never rendered by a browser.
#[utoipa::path(get, path = "/api/deliveries/{id}/body", params(("id" = String, Path)), tag = "deliveries",
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 404, body = ErrorBody)))]
async fn body(State(s): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let bytes = s.api.body(&id).await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox"));
    Ok(response)
}

/// Deletes one delivery.
#[utoipa::path(delete, path = "/api/deliveries/{id}", params(("id" = String, Path)), tag = "deliveries",
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete(State(s): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    s.api.delete(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct Deleted {
    deleted: u64,
}

/// Deletes every delivery that is not pinned.
#[utoipa::path(delete, path = "/api/deliveries", tag = "deliveries", responses((status = 200, body = Deleted)))]
async fn clear(State(s): State<AppState>) -> Reply<Deleted> {
    Ok(Json(Deleted { deleted: s.api.clear().await? }))
}

/// Pins a delivery: retention never removes it.
#[utoipa::path(put, path = "/api/deliveries/{id}/pin", params(("id" = String, Path)), tag = "deliveries",
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn pin(State(s): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    s.api.set_pinned(&id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/deliveries/{id}/pin", params(("id" = String, Path)), tag = "deliveries",
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn unpin(State(s): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    s.api.set_pinned(&id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Provider, event id, signature verdict with its evidence, and the other
/// deliveries of the same event.
#[utoipa::path(get, path = "/api/deliveries/{id}/inspection", params(("id" = String, Path)), tag = "signatures",
    responses((status = 200, body = InspectionReport), (status = 404, body = ErrorBody)))]
async fn inspection(State(s): State<AppState>, Path(id): Path<String>) -> Reply<InspectionReport> {
    Ok(Json(s.api.inspect(&id, None).await?))
}

/// Verifies with settings sent in the request, without saving them. With an
/// `id`, redacted secrets stand for that endpoint's stored ones.
#[utoipa::path(post, path = "/api/deliveries/{id}/inspection", params(("id" = String, Path)), tag = "signatures",
    request_body = EndpointJson,
    responses((status = 200, body = InspectionReport), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn try_inspection(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Body(e): Body<EndpointJson>,
) -> Reply<InspectionReport> {
    Ok(Json(s.api.inspect(&id, Some(e)).await?))
}

/// Sends the delivery again — as captured, edited, or re-signed — and
/// records the attempt. A target that answers nothing (refused, timeout,
/// reset) is an attempt with an `error`, not an error of this call.
#[utoipa::path(post, path = "/api/deliveries/{id}/replay", params(("id" = String, Path)), tag = "replay",
    request_body = ReplayRequest,
    responses((status = 200, body = AttemptSummary), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn replay(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Body(r): Body<ReplayRequest>,
) -> Reply<AttemptSummary> {
    Ok(Json(s.api.replay(&id, r).await?))
}

/// Where a replay of this delivery goes when no target is given: the last
/// target used for its endpoint (`url` null when there is none yet).
#[utoipa::path(get, path = "/api/deliveries/{id}/replay-target", params(("id" = String, Path)), tag = "replay",
    responses((status = 200, body = ReplayTarget), (status = 404, body = ErrorBody)))]
async fn replay_target(State(s): State<AppState>, Path(id): Path<String>) -> Reply<ReplayTarget> {
    Ok(Json(ReplayTarget { url: s.api.last_target(&id).await? }))
}

/// A delivery's attempts, oldest first.
#[utoipa::path(get, path = "/api/deliveries/{id}/attempts", params(("id" = String, Path)), tag = "replay",
    responses((status = 200, body = Vec<AttemptSummary>), (status = 404, body = ErrorBody)))]
async fn attempts(State(s): State<AppState>, Path(id): Path<String>) -> Reply<Vec<AttemptSummary>> {
    Ok(Json(s.api.attempts(&id).await?))
}

/// One attempt: the request as sent and the response as received.
#[utoipa::path(get, path = "/api/attempts/{id}", params(("id" = String, Path)), tag = "replay",
    responses((status = 200, body = Attempt), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn attempt(State(s): State<AppState>, Path(id): Path<String>) -> Reply<Attempt> {
    Ok(Json(s.api.attempt(&id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct DiffQuery {
    /// A delivery (`dlv_…`, as captured) or an attempt (`att_…`, as sent).
    a: String,
    b: String,
}

/// What differs between two requests: method, URL, headers, body lines.
#[utoipa::path(get, path = "/api/diff", params(DiffQuery), tag = "replay",
    responses((status = 200, body = Diff), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn diff(State(s): State<AppState>, Params(q): Params<DiffQuery>) -> Reply<Diff> {
    Ok(Json(s.api.diff(&q.a, &q.b).await?))
}

/// The edits kept on a delivery, newest first.
#[utoipa::path(get, path = "/api/deliveries/{id}/drafts", params(("id" = String, Path)), tag = "replay",
    responses((status = 200, body = Vec<Draft>), (status = 404, body = ErrorBody)))]
async fn drafts(State(s): State<AppState>, Path(id): Path<String>) -> Reply<Vec<Draft>> {
    Ok(Json(s.api.drafts(&id).await?))
}

/// Keeps an edit under a name (replacing one of that name).
#[utoipa::path(put, path = "/api/deliveries/{id}/drafts/{name}", params(("id" = String, Path), ("name" = String, Path)),
    tag = "replay", request_body = ReplayRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn put_draft(
    State(s): State<AppState>,
    Path((id, name)): Path<(String, String)>,
    Body(r): Body<ReplayRequest>,
) -> Result<StatusCode, ApiError> {
    s.api.put_draft(&id, &name, r).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/deliveries/{id}/drafts/{name}", params(("id" = String, Path), ("name" = String, Path)),
    tag = "replay", responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_draft(
    State(s): State<AppState>,
    Path((id, name)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    s.api.delete_draft(&id, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Starts replaying many deliveries (these `ids`, or every one matching
/// the filters) to one target, oldest first. Progress: `replay_progress`
/// events and `GET /api/replays/{job}`.
#[utoipa::path(post, path = "/api/replays", tag = "replay", request_body = BulkReplayRequest,
    responses((status = 200, body = BulkProgress), (status = 400, body = ErrorBody)))]
async fn start_bulk(State(s): State<AppState>, Body(r): Body<BulkReplayRequest>) -> Reply<BulkProgress> {
    Ok(Json(s.api.start_replay_all(r).await?))
}

#[utoipa::path(get, path = "/api/replays/{job}", params(("job" = String, Path)), tag = "replay",
    responses((status = 200, body = BulkProgress), (status = 404, body = ErrorBody)))]
async fn bulk(State(s): State<AppState>, Path(job): Path<String>) -> Reply<BulkProgress> {
    Ok(Json(s.api.bulk_progress(&job)?))
}

/// Cancels a bulk replay: nothing more is sent (sends in flight finish).
#[utoipa::path(delete, path = "/api/replays/{job}", params(("job" = String, Path)), tag = "replay",
    responses((status = 200, body = BulkProgress), (status = 404, body = ErrorBody)))]
async fn cancel_bulk(State(s): State<AppState>, Path(job): Path<String>) -> Reply<BulkProgress> {
    Ok(Json(s.api.cancel_bulk(&job)?))
}

/// Deliveries as cURL, HTTPie, raw HTTP, JSON, NDJSON or HAR 1.2: `ids`,
/// or every one the list's filters match (the newest `limit`, oldest
/// first). Streamed: an export of any size is written as it is read.
#[utoipa::path(get, path = "/api/export", params(ExportQuery), tag = "export",
    responses((status = 200, description = "The export, as an attachment"), (status = 400, body = ErrorBody)))]
async fn export_deliveries(State(s): State<AppState>, Params(q): Params<ExportQuery>) -> Result<Response, ApiError> {
    let format = q.format.unwrap_or_default();
    let (tx, rx) = tokio::sync::mpsc::channel::<axum::body::Bytes>(4);
    let api = s.api.clone();
    // Fail before the 200 on what can be checked up front (bad ids or filters).
    q.ids()?;
    q.filter()?;
    tokio::spawn(async move {
        if let Err(e) = api.export_to(q, ChannelWriter::new(tx)).await {
            tracing::warn!(error = %e, "export cut short");
        }
    });
    let body = axum::body::Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (Ok::<_, Infallible>(chunk), rx))
    }));
    let name = format!("attachment; filename=\"hookscope-export.{}\"", format.extension());
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(format.media_type())),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&name).unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        body,
    )
        .into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ImportQuery {
    /// A file on this machine to import (the CLI sends this); without it the
    /// request body is the file.
    path: Option<String>,
}

/// The most an uploaded file may be; larger ones are imported by `path`.
const IMPORT_UPLOAD_MAX: usize = 256 * 1024 * 1024;

/// Imports a HAR, a raw HTTP request, a cURL command line or Hookscope's
/// JSON/NDJSON (told from the content). A file that can't be read imports
/// nothing; the error says where it broke.
#[utoipa::path(post, path = "/api/imports", params(ImportQuery), tag = "export",
    request_body(content = String, description = "The file", content_type = "application/octet-stream"),
    responses((status = 200, body = ImportReport), (status = 400, body = ErrorBody)))]
async fn import_file(
    State(s): State<AppState>,
    Params(q): Params<ImportQuery>,
    body: axum::body::Body,
) -> Reply<ImportReport> {
    let source = match q.path {
        Some(p) => ImportSource::Path(p.into()),
        None => ImportSource::Bytes(axum::body::to_bytes(body, IMPORT_UPLOAD_MAX).await.map_err(|e| {
            ApiError(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorBody::new("invalid_body", format!("the file could not be read: {e}")),
            )
        })?),
    };
    Ok(Json(s.api.import(source).await?))
}

/// A `Write` that hands 64 KiB chunks to a response body.
struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<axum::body::Bytes>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn new(tx: tokio::sync::mpsc::Sender<axum::body::Bytes>) -> Self {
        ChannelWriter { tx, buf: Vec::with_capacity(64 * 1024) }
    }
}

impl std::io::Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= 64 * 1024 {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = axum::body::Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(64 * 1024)));
        // The client went away: stop writing.
        self.tx.blocking_send(chunk).map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))
    }
}

/// The tunnel in front of the capture port (one Hookscope started, else a
/// running ngrok agent's, polled every few seconds): state, kind, public
/// URL, and the URL before it changed.
#[utoipa::path(get, path = "/api/tunnel", tag = "tunnels", responses((status = 200, body = crate::tunnel::TunnelStatus)))]
async fn tunnel(State(s): State<AppState>) -> Json<crate::tunnel::TunnelStatus> {
    Json(s.api.tunnel())
}

/// Starts a tunnel tool for the capture port (`ngrok`, `cloudflared`,
/// `bore`) and supervises it; 400 `tool_not_installed` when it is missing.
/// The public URL follows in `GET /api/tunnel` once the tool prints it.
#[utoipa::path(post, path = "/api/tunnel/start", tag = "tunnels", request_body = super::TunnelStart,
    responses((status = 200, body = crate::tunnel::TunnelStatus), (status = 400, body = ErrorBody)))]
async fn start_tunnel(
    State(s): State<AppState>,
    Json(request): Json<super::TunnelStart>,
) -> Result<Json<crate::tunnel::TunnelStatus>, ApiError> {
    Ok(Json(s.api.start_tunnel(request).await?))
}

/// The HTTPS listener's certificate (PEM), to trust in a sender
/// (`curl --cacert`, a system store); 404 without `--https`.
#[utoipa::path(get, path = "/api/tls/certificate", tag = "tunnels",
    responses((status = 200, content_type = "application/x-pem-file", body = String), (status = 404, body = ErrorBody)))]
async fn tls_certificate(State(s): State<AppState>) -> Result<Response, ApiError> {
    let pem = s.api.tls_certificate()?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/x-pem-file")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"hookscope-localhost.pem\"")),
        ],
        pem,
    )
        .into_response())
}

/// Stops the tunnel Hookscope started (its tool exits); the ngrok agent is followed again.
#[utoipa::path(post, path = "/api/tunnel/stop", tag = "tunnels", responses((status = 200, body = crate::tunnel::TunnelStatus)))]
async fn stop_tunnel(State(s): State<AppState>) -> Json<crate::tunnel::TunnelStatus> {
    Json(s.api.stop_tunnel().await)
}

/// The sample events `POST /api/samples` can send.
#[utoipa::path(get, path = "/api/samples", tag = "samples", responses((status = 200, body = Vec<SampleEvent>)))]
async fn samples_list() -> Json<Vec<SampleEvent>> {
    Json(super::sample_events(None))
}

/// Sends a realistic sample event, signed as the provider signs it, to this
/// instance's capture port, verified with the provider's endpoint (set up at
/// `/<provider>` when there is none).
#[utoipa::path(post, path = "/api/samples", tag = "samples", request_body = SampleRequest,
    responses((status = 200, body = SampleSent), (status = 400, body = ErrorBody)))]
async fn send_sample(State(s): State<AppState>, Body(r): Body<SampleRequest>) -> Reply<SampleSent> {
    Ok(Json(s.api.send_sample(r).await?))
}

/// Forwarding per target: counts per state (queued, retrying, delivered,
/// failed, dead, dropped), whether it is up, down or paused.
#[utoipa::path(get, path = "/api/forward", tag = "forwarding", responses((status = 200, body = QueueReport)))]
async fn queue(State(s): State<AppState>) -> Reply<QueueReport> {
    Ok(Json(s.api.queue().await?))
}

/// Holds every delivery for a target until resumed (kept across restarts).
#[utoipa::path(post, path = "/api/forward/pause", tag = "forwarding", request_body = TargetChoice,
    responses((status = 204), (status = 400, body = ErrorBody)))]
async fn pause_target(State(s): State<AppState>, Body(t): Body<TargetChoice>) -> Result<StatusCode, ApiError> {
    s.api.set_target_paused(t.target.as_deref().unwrap_or_default(), true).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/forward/resume", tag = "forwarding", request_body = TargetChoice,
    responses((status = 204), (status = 400, body = ErrorBody)))]
async fn resume_target(State(s): State<AppState>, Body(t): Body<TargetChoice>) -> Result<StatusCode, ApiError> {
    s.api.set_target_paused(t.target.as_deref().unwrap_or_default(), false).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Queues failed and dead deliveries again, for one target or all; sent at
/// once, without waiting out a backoff.
#[utoipa::path(post, path = "/api/forward/retry", tag = "forwarding", request_body = TargetChoice,
    responses((status = 200, body = Moved)))]
async fn retry_failed(State(s): State<AppState>, Body(t): Body<TargetChoice>) -> Reply<Moved> {
    Ok(Json(s.api.retry_failed(t.target).await?))
}

/// Drops what waits (queued or retrying), for one target or all: those
/// deliveries are not forwarded (they stay stored, and can be replayed).
#[utoipa::path(post, path = "/api/forward/drop", tag = "forwarding", request_body = TargetChoice,
    responses((status = 200, body = Moved)))]
async fn drop_queue(State(s): State<AppState>, Body(t): Body<TargetChoice>) -> Reply<Moved> {
    Ok(Json(s.api.drop_queue(t.target).await?))
}

/// Every endpoint, secrets redacted.
#[utoipa::path(get, path = "/api/endpoints", tag = "endpoints", responses((status = 200, body = Vec<EndpointJson>)))]
async fn endpoints(State(s): State<AppState>) -> Reply<Vec<EndpointJson>> {
    Ok(Json(s.api.endpoints().await?))
}

/// Creates or edits an endpoint (by `id`, else by `path_prefix`). Secrets
/// left out, or sent back redacted as read, keep the stored ones. The saved
/// endpoint (with its id) is in `GET /api/endpoints`.
#[utoipa::path(put, path = "/api/endpoints", tag = "endpoints", request_body = EndpointJson,
    responses((status = 204, description = "Saved"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn put_endpoint(State(s): State<AppState>, Body(e): Body<EndpointJson>) -> Result<StatusCode, ApiError> {
    s.api.put_endpoint(e).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct EndpointQuery {
    /// The endpoint's id, or (as older clients send) its path prefix.
    path_prefix: Option<String>,
    id: Option<String>,
}

/// Deletes an endpoint named by `?id=` or `?path_prefix=`.
#[utoipa::path(delete, path = "/api/endpoints", params(EndpointQuery), tag = "endpoints",
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_endpoint_by_prefix(
    State(s): State<AppState>,
    Params(q): Params<EndpointQuery>,
) -> Result<StatusCode, ApiError> {
    let key = q.id.or(q.path_prefix).ok_or_else(|| Error::InvalidArgument("give ?id= or ?path_prefix=".into()))?;
    s.api.delete_endpoint(&key).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes an endpoint by id.
#[utoipa::path(delete, path = "/api/endpoints/{id}", params(("id" = String, Path)), tag = "endpoints",
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_endpoint(State(s): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    s.api.delete_endpoint(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The providers an endpoint can verify as.
#[utoipa::path(get, path = "/api/providers", tag = "endpoints", responses((status = 200, body = Vec<ProviderInfo>)))]
async fn providers(State(s): State<AppState>) -> Json<Vec<ProviderInfo>> {
    Json(s.api.providers())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct StatsQuery {
    /// Count only deliveries under this path prefix.
    path: Option<String>,
}

/// How many deliveries, and how many bytes, are stored.
#[utoipa::path(get, path = "/api/stats", params(StatsQuery), tag = "deliveries", responses((status = 200, body = Stats)))]
async fn stats(State(s): State<AppState>, Params(q): Params<StatsQuery>) -> Reply<Stats> {
    Ok(Json(s.api.stats(q.path).await?))
}

/// Server-Sent Events: one event per topic (`deliveries`, `analyzed`,
/// `endpoints`, `changed`), each carrying a `LiveEvent` as JSON.
#[utoipa::path(get, path = "/api/events", tag = "events",
    responses((status = 200, content_type = "text/event-stream", body = LiveEvent)))]
async fn events(State(s): State<AppState>) -> Response {
    let stream = s.api.subscribe().map(|event| {
        Ok::<_, Infallible>(SseEvent::default().event(event.topic()).json_data(&event).unwrap_or_default())
    });
    Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
}

fn problem(status: StatusCode, code: &str, message: &str) -> Response {
    ApiError(status, ErrorBody::new(code, message)).into_response()
}

/// A running control API; dropping it (or `shutdown`) stops it.
pub type ApiServer = ServerHandle;

/// Serves `app` on an already bound listener (bound first so that the Host
/// check can know the real port when the config asked for port 0). hyper is
/// driven directly, as on the capture port, for its header-read timeout.
/// `header_timeout`: how long a client may take to send a request head (a
/// local process must not hold sockets open with heads it never finishes).
pub fn serve_api(listener: TcpListener, app: Router, header_timeout: std::time::Duration) -> crate::Result<ApiServer> {
    let local_addr = listener.local_addr().map_err(|e| Error::io("reading the API address", e))?;
    Ok(ServerHandle::spawn(local_addr, |mut stopped| async move {
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(header_timeout);
        loop {
            let stream = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(_) => { tokio::time::sleep(std::time::Duration::from_millis(50)).await; continue; }
                },
                _ = stopped.changed() => return,
            };
            let service = hyper_util::service::TowerToHyperService::new(app.clone());
            let conn = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            let mut stopped = stopped.clone();
            tokio::spawn(async move {
                let mut conn = std::pin::pin!(conn);
                tokio::select! {
                    _ = conn.as_mut() => {}
                    // Long-lived streams (SSE) end when the API stops.
                    _ = stopped.changed() => conn.as_mut().graceful_shutdown(),
                }
            });
        }
    }))
}
