//! The window's commands: each one line over [`hookscope::api::Api`], the
//! same operations the HTTP control API serves. Errors cross as `{code, message}`.

use hookscope::DeliveryReply;
use hookscope::api::{Info, InspectionReport, ListQuery};
use hookscope::inspect::Endpoint;
use hookscope::store::{Page, Stats};
use serde::Serialize;
use tauri::ipc::Response;
use tauri::{AppHandle, Manager as _, State};

use crate::core::{self, Core, Status};

#[derive(Debug, Serialize)]
pub struct CommandError {
    code: String,
    message: String,
}

impl From<hookscope::Error> for CommandError {
    fn from(e: hookscope::Error) -> Self {
        CommandError { code: e.code().to_owned(), message: e.to_string() }
    }
}

type Reply<T> = Result<T, CommandError>;

fn api(core: &Core) -> Reply<hookscope::api::Api> {
    core.api().ok_or_else(|| CommandError { code: "not_running".into(), message: "Hookscope is not listening".into() })
}

#[tauri::command]
pub fn status(core: State<'_, Core>) -> Status {
    core.status()
}

/// Starts the core again with its capture listener on another port.
#[tauri::command]
pub async fn restart(app: AppHandle, port: u16) -> Status {
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
pub async fn inspect(core: State<'_, Core>, id: String, trial: Option<Endpoint>) -> Reply<InspectionReport> {
    Ok(api(&core)?.inspect(&id, trial).await?)
}

#[tauri::command]
pub async fn endpoints(core: State<'_, Core>) -> Reply<Vec<Endpoint>> {
    Ok(api(&core)?.endpoints().await?)
}

#[tauri::command]
pub async fn put_endpoint(core: State<'_, Core>, endpoint: Endpoint) -> Reply<()> {
    Ok(api(&core)?.put_endpoint(endpoint).await?)
}

#[tauri::command]
pub async fn delete_endpoint(core: State<'_, Core>, path_prefix: String) -> Reply<()> {
    Ok(api(&core)?.delete_endpoint(&path_prefix).await?)
}
