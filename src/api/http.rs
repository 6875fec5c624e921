//! The HTTP control API: a thin adapter from routes to [`Api`] operations,
//! behind the token, Host and Origin checks of [`Auth`]. Loopback only.

use std::convert::Infallible;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, put};
use futures_util::StreamExt as _;
use serde::Deserialize;
use tokio::net::TcpListener;

use super::auth::{Auth, COOKIE};
use super::{Api, EventBatch, ListQuery, subscribe};
use crate::error::Error;
use crate::inspect::Endpoint;
use crate::listener::ServerHandle;

const OPENAPI: &str = include_str!("openapi.json");

#[derive(Clone)]
struct AppState {
    api: Api,
    auth: Arc<Auth>,
}

/// The control API's routes, without a socket (tests call it with `oneshot`).
pub fn router(api: Api, auth: Arc<Auth>) -> Router {
    let state = AppState { api, auth };
    let protected = Router::new()
        .route("/api/info", get(info))
        .route("/api/deliveries", get(list).delete(clear))
        .route("/api/deliveries/{id}", get(one).delete(delete))
        .route("/api/deliveries/{id}/body", get(body))
        .route("/api/deliveries/{id}/pin", put(pin).delete(unpin))
        .route("/api/deliveries/{id}/inspection", get(inspection).post(try_inspection))
        .route("/api/endpoints", get(endpoints).put(put_endpoint).delete(delete_endpoint))
        .route("/api/stats", get(stats))
        .route("/api/events", get(events))
        .route("/api/openapi.json", get(openapi))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    Router::new()
        .route("/api/login", get(login))
        .merge(protected)
        .fallback(super::ui::asset)
        .layer(middleware::from_fn_with_state(state.clone(), require_same_site))
        .with_state(state)
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

#[derive(Deserialize)]
struct Ticket {
    ticket: String,
}

/// Redeems a one-time login URL: sets the token as an HttpOnly cookie.
async fn login(State(s): State<AppState>, Query(t): Query<Ticket>) -> Response {
    if !s.auth.redeem(&t.ticket) {
        return problem(StatusCode::UNAUTHORIZED, "ticket_used", "this sign-in link was already used or is unknown");
    }
    let cookie = format!("{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/", s.auth.token());
    ([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response()
}

async fn info(State(s): State<AppState>) -> Response {
    Json(s.api.info()).into_response()
}

async fn list(State(s): State<AppState>, Query(q): Query<ListQuery>) -> Response {
    reply(s.api.list(&q).await)
}

#[derive(Deserialize)]
struct OneQuery {
    /// `false` leaves out `body` and `body_text` (the UI reads `/body`).
    body: Option<bool>,
}

async fn one(State(s): State<AppState>, Path(id): Path<String>, Query(q): Query<OneQuery>) -> Response {
    reply(s.api.get(&id, q.body.unwrap_or(true)).await)
}

async fn body(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    match s.api.body(&id).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response(),
        Err(e) => error_response(e),
    }
}

async fn delete(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    empty(s.api.delete(&id).await)
}

async fn clear(State(s): State<AppState>) -> Response {
    reply(s.api.clear().await.map(|deleted| serde_json::json!({ "deleted": deleted })))
}

async fn pin(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    empty(s.api.set_pinned(&id, true).await)
}

async fn unpin(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    empty(s.api.set_pinned(&id, false).await)
}

async fn inspection(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    reply(s.api.inspect(&id, None).await)
}

/// Verifies with settings sent in the request, without saving them.
async fn try_inspection(State(s): State<AppState>, Path(id): Path<String>, Json(e): Json<Endpoint>) -> Response {
    reply(s.api.inspect(&id, Some(e)).await)
}

async fn endpoints(State(s): State<AppState>) -> Response {
    reply(s.api.endpoints().await)
}

async fn put_endpoint(State(s): State<AppState>, Json(e): Json<Endpoint>) -> Response {
    empty(s.api.put_endpoint(e).await)
}

#[derive(Deserialize)]
struct PrefixQuery {
    path_prefix: String,
}

async fn delete_endpoint(State(s): State<AppState>, Query(q): Query<PrefixQuery>) -> Response {
    empty(s.api.delete_endpoint(&q.path_prefix).await)
}

#[derive(Deserialize)]
struct StatsQuery {
    path: Option<String>,
}

async fn stats(State(s): State<AppState>, Query(q): Query<StatsQuery>) -> Response {
    reply(s.api.stats(q.path).await)
}

async fn events(State(s): State<AppState>) -> Response {
    let stream = subscribe(s.api.store().clone()).map(|batch| {
        let name = match &batch {
            EventBatch::Deliveries { .. } => "deliveries",
            EventBatch::Analyzed { .. } => "analyzed",
            EventBatch::Changed => "changed",
        };
        Ok::<_, Infallible>(Event::default().event(name).json_data(&batch).unwrap_or_default())
    });
    Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

fn reply<T: serde::Serialize>(result: crate::Result<T>) -> Response {
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => error_response(e),
    }
}

fn empty(result: crate::Result<()>) -> Response {
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => error_response(e),
    }
}

fn error_response(e: Error) -> Response {
    let status = match &e {
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::InvalidId(_) | Error::InvalidArgument(_) => StatusCode::BAD_REQUEST,
        e if e.is_retryable() => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        // Details go to the log, not to the client.
        eprintln!("hookscope: control API error: {e}");
        return problem(status, e.code(), "internal error");
    }
    problem(status, e.code(), &e.to_string())
}

fn problem(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(serde_json::json!({ "code": code, "message": message }))).into_response()
}

/// A running control API; dropping it (or `shutdown`) stops it.
pub type ApiServer = ServerHandle;

/// Serves `app` on an already bound listener (bound first so that the Host
/// check can know the real port when the config asked for port 0).
pub fn serve_api(listener: TcpListener, app: Router) -> crate::Result<ApiServer> {
    let local_addr = listener.local_addr().map_err(|e| Error::io("reading the API address", e))?;
    Ok(ServerHandle::spawn(local_addr, |mut stopped| async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.changed().await;
            })
            .await;
    }))
}
