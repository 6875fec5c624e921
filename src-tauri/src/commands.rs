//! The window's commands: each one line over [`hookscope::api::Api`], the
//! same operations the HTTP control API serves. Errors cross as the same
//! `{code, message}` ([`hookscope::error::ErrorBody`]) the HTTP API answers.

use hookscope::DeliveryReply;
use hookscope::api::{
    CoreStatus, Draft, ExportQuery, ImportReport, ImportSource, Info, InspectionReport, ListQuery, Moved, ProviderInfo,
    ReplayTarget, SampleEvent, SampleRequest, SampleSent, SignInLink,
};
use hookscope::error::ErrorBody;
use hookscope::export::Format;
use hookscope::forward::QueueReport;
use hookscope::model::{Attempt, AttemptSummary, EndpointJson};
use hookscope::replay::{BulkProgress, BulkReplayRequest, Diff, ReplayRequest};
use hookscope::store::{Page, Stats};
use tauri::ipc::Response;
use tauri::{AppHandle, Manager as _, State};

use crate::core::{self, Core};

/// `{code, message}`, decided by the error itself.
pub struct CommandError(ErrorBody);

impl From<hookscope::Error> for CommandError {
    fn from(e: hookscope::Error) -> Self {
        CommandError(e.public())
    }
}

impl serde::Serialize for CommandError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

type Reply<T> = Result<T, CommandError>;

fn api(core: &Core) -> Reply<hookscope::api::Api> {
    core.api().ok_or_else(|| CommandError(ErrorBody::new("not_running", "Hookscope is not listening")))
}

#[tauri::command]
pub fn status(core: State<'_, Core>) -> CoreStatus {
    core.status()
}

/// Starts the core again with its capture listener on another port.
#[tauri::command]
pub async fn restart(app: AppHandle, port: u16) -> CoreStatus {
    core::start(&app, core::loopback(port)).await;
    app.state::<Core>().status()
}

#[tauri::command]
pub fn info(core: State<'_, Core>) -> Reply<Info> {
    Ok(api(&core)?.info())
}

#[tauri::command]
pub async fn list(core: State<'_, Core>, query: ListQuery) -> Reply<Page> {
    Ok(api(&core)?.list(&query).await?)
}

#[tauri::command]
pub async fn get(core: State<'_, Core>, id: String, body: Option<bool>) -> Reply<DeliveryReply> {
    Ok(api(&core)?.get(&id, body.unwrap_or(true)).await?)
}

/// The body's bytes, sent as binary rather than JSON.
#[tauri::command]
pub async fn body(core: State<'_, Core>, id: String) -> Reply<Response> {
    Ok(Response::new(api(&core)?.body(&id).await?))
}

#[tauri::command]
pub async fn remove(core: State<'_, Core>, id: String) -> Reply<()> {
    Ok(api(&core)?.delete(&id).await?)
}

#[tauri::command]
pub async fn clear(core: State<'_, Core>) -> Reply<u64> {
    Ok(api(&core)?.clear().await?)
}

#[tauri::command]
pub async fn pin(core: State<'_, Core>, id: String, pinned: bool) -> Reply<()> {
    Ok(api(&core)?.set_pinned(&id, pinned).await?)
}

#[tauri::command]
pub async fn stats(core: State<'_, Core>, path: Option<String>) -> Reply<Stats> {
    Ok(api(&core)?.stats(path).await?)
}

/// Provider, event id and verdict; with `trial`, verified with those settings, unsaved.
#[tauri::command]
pub async fn inspect(core: State<'_, Core>, id: String, trial: Option<EndpointJson>) -> Reply<InspectionReport> {
    Ok(api(&core)?.inspect(&id, trial).await?)
}

#[tauri::command]
pub async fn endpoints(core: State<'_, Core>) -> Reply<Vec<EndpointJson>> {
    Ok(api(&core)?.endpoints().await?)
}

#[tauri::command]
pub async fn put_endpoint(core: State<'_, Core>, endpoint: EndpointJson) -> Reply<()> {
    Ok(api(&core)?.put_endpoint(endpoint).await?)
}

/// By id, or by path prefix.
#[tauri::command]
pub async fn delete_endpoint(core: State<'_, Core>, id: String) -> Reply<()> {
    Ok(api(&core)?.delete_endpoint(&id).await?)
}

#[tauri::command]
pub fn providers(core: State<'_, Core>) -> Reply<Vec<ProviderInfo>> {
    Ok(api(&core)?.providers())
}

/// A one-time link that opens this instance's UI in a browser, signed in.
#[tauri::command]
pub fn sign_in_link(core: State<'_, Core>) -> Reply<SignInLink> {
    Ok(api(&core)?.sign_in_link()?)
}

/// Sends a delivery again (as captured, edited, re-signed) and records the attempt.
#[tauri::command]
pub async fn replay(core: State<'_, Core>, id: String, request: ReplayRequest) -> Reply<AttemptSummary> {
    Ok(api(&core)?.replay(&id, request).await?)
}

#[tauri::command]
pub async fn replay_target(core: State<'_, Core>, id: String) -> Reply<ReplayTarget> {
    Ok(ReplayTarget { url: api(&core)?.last_target(&id).await? })
}

#[tauri::command]
pub async fn attempts(core: State<'_, Core>, id: String) -> Reply<Vec<AttemptSummary>> {
    Ok(api(&core)?.attempts(&id).await?)
}

#[tauri::command]
pub async fn attempt(core: State<'_, Core>, id: String) -> Reply<Attempt> {
    Ok(api(&core)?.attempt(&id).await?)
}

#[tauri::command]
pub async fn diff(core: State<'_, Core>, a: String, b: String) -> Reply<Diff> {
    Ok(api(&core)?.diff(&a, &b).await?)
}

#[tauri::command]
pub async fn drafts(core: State<'_, Core>, id: String) -> Reply<Vec<Draft>> {
    Ok(api(&core)?.drafts(&id).await?)
}

#[tauri::command]
pub async fn put_draft(core: State<'_, Core>, id: String, name: String, request: ReplayRequest) -> Reply<()> {
    Ok(api(&core)?.put_draft(&id, &name, request).await?)
}

#[tauri::command]
pub async fn delete_draft(core: State<'_, Core>, id: String, name: String) -> Reply<()> {
    Ok(api(&core)?.delete_draft(&id, &name).await?)
}

#[tauri::command]
pub async fn start_bulk(core: State<'_, Core>, request: BulkReplayRequest) -> Reply<BulkProgress> {
    Ok(api(&core)?.start_replay_all(request).await?)
}

#[tauri::command]
pub fn cancel_bulk(core: State<'_, Core>, job: String) -> Reply<BulkProgress> {
    Ok(api(&core)?.cancel_bulk(&job)?)
}

#[tauri::command]
pub async fn queue(core: State<'_, Core>) -> Reply<QueueReport> {
    Ok(api(&core)?.queue().await?)
}

#[tauri::command]
pub async fn pause_target(core: State<'_, Core>, target: String, paused: bool) -> Reply<()> {
    Ok(api(&core)?.set_target_paused(&target, paused).await?)
}

#[tauri::command]
pub async fn retry_failed(core: State<'_, Core>, target: Option<String>) -> Reply<Moved> {
    Ok(api(&core)?.retry_failed(target).await?)
}

#[tauri::command]
pub async fn drop_queue(core: State<'_, Core>, target: Option<String>) -> Reply<Moved> {
    Ok(api(&core)?.drop_queue(target).await?)
}

#[tauri::command]
pub async fn export_one(core: State<'_, Core>, id: String, format: Format) -> Reply<String> {
    Ok(api(&core)?.export_one(&id, format).await?)
}

/// An export whole, as text (the window saves it as a file).
#[tauri::command]
pub async fn export_text(core: State<'_, Core>, query: ExportQuery) -> Reply<String> {
    Ok(String::from_utf8_lossy(&api(&core)?.export_bytes(query).await?).into_owned())
}

#[tauri::command]
pub async fn import_bytes(core: State<'_, Core>, bytes: Vec<u8>) -> Reply<ImportReport> {
    Ok(api(&core)?.import(ImportSource::Bytes(bytes.into())).await?)
}

#[tauri::command]
pub fn samples() -> Vec<SampleEvent> {
    hookscope::api::sample_events(None)
}

#[tauri::command]
pub async fn send_sample(core: State<'_, Core>, request: SampleRequest) -> Reply<SampleSent> {
    Ok(api(&core)?.send_sample(request).await?)
}

#[tauri::command]
pub fn tunnel(core: State<'_, Core>) -> Reply<hookscope::tunnel::TunnelStatus> {
    Ok(api(&core)?.tunnel())
}

#[tauri::command]
pub async fn start_tunnel(
    core: State<'_, Core>,
    request: hookscope::api::TunnelStart,
) -> Reply<hookscope::tunnel::TunnelStatus> {
    Ok(api(&core)?.start_tunnel(request).await?)
}

#[tauri::command]
pub async fn stop_tunnel(core: State<'_, Core>) -> Reply<hookscope::tunnel::TunnelStatus> {
    Ok(api(&core)?.stop_tunnel().await)
}

/// Captures over HTTPS on `port` too (None: not), remembered; restarts the core.
#[tauri::command]
pub async fn set_https(app: AppHandle, core: State<'_, Core>, port: Option<u16>) -> Reply<CoreStatus> {
    core.remember(|s| s.https_port = port);
    // On the capture address it has now (a port 0 start keeps the port it got).
    let capture = match core.capture_addr().await {
        Some(addr) => addr,
        None => core::first_capture_addr(core.settings().capture_port),
    };
    core::start(&app, capture).await;
    Ok(core.status())
}

/// The window's title: the UI puts the delivery count in it.
#[tauri::command]
pub fn set_title(app: AppHandle, title: String) -> Reply<()> {
    if let Some(window) = app.get_webview_window("main") {
        window.set_title(&title).map_err(|e| hookscope::Error::InvalidArgument(e.to_string()))?;
    }
    Ok(())
}

/// The HTTPS listener's certificate (PEM), for the window to save.
#[tauri::command]
pub fn tls_certificate(core: State<'_, Core>) -> Reply<String> {
    Ok(api(&core)?.tls_certificate()?)
}
