//! The control surface: the one set of operations that the HTTP control API
//! (browser mode) and the desktop shell both call. Adapters stay thin; what an
//! operation means is decided here.

pub mod auth;
mod events;
mod http;
mod ui;

use serde::{Deserialize, Serialize};

pub use events::{EventBatch, subscribe};
pub use http::{ApiServer, router};

use crate::error::Result;
use crate::model::{Delivery, DeliveryId};
use crate::store::{self, ListFilter, Page, Stats, StatusFilter, Store};

/// Where things can be reached, for the UI's header and empty state.
#[derive(Debug, Clone, Serialize)]
pub struct Info {
    pub version: &'static str,
    pub capture_url: String,
    pub public_url: Option<String>,
    pub database: String,
}

/// Query parameters of a listing, as the API and the UI send them.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ListQuery {
    pub limit: Option<u32>,
    /// The `next` cursor of the previous page.
    pub before: Option<String>,
    pub method: Option<String>,
    pub path: Option<String>,
    /// A code (`404`) or a class (`4xx`).
    pub status: Option<String>,
    /// Words to find in path, headers and text bodies.
    pub q: Option<String>,
}

impl ListQuery {
    pub fn to_filter(&self) -> Result<ListFilter> {
        Ok(ListFilter {
            limit: self.limit.unwrap_or(100),
            before: self.before.as_deref().map(str::parse).transpose()?,
            method: self.method.clone().filter(|m| !m.is_empty()),
            path_prefix: self.path.clone().filter(|p| !p.is_empty()),
            status: self.status.as_deref().filter(|s| !s.is_empty()).map(str::parse::<StatusFilter>).transpose()?,
            text: self.q.clone(),
        })
    }
}

#[derive(Clone)]
pub struct Api {
    store: Store,
    info: Info,
}

impl Api {
    pub fn new(store: Store, info: Info) -> Self {
        Api { store, info }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn info(&self) -> Info {
        self.info.clone()
    }

    pub async fn list(&self, query: &ListQuery) -> Result<Page> {
        self.store.list(query.to_filter()?).await
    }

    pub async fn get(&self, id: &str) -> Result<Delivery> {
        self.store.get(id.parse()?).await
    }

    pub async fn body(&self, id: &str) -> Result<Vec<u8>> {
        let id: DeliveryId = id.parse()?;
        self.store.readers().run(move |c| store::get_body(c, id)).await
    }

    /// Deletes one delivery; `NotFound` if there was none.
    pub async fn delete(&self, id: &str) -> Result<()> {
        let id: DeliveryId = id.parse()?;
        found(self.store.delete(id).await?, id)
    }

    /// Deletes every delivery that is not pinned.
    pub async fn clear(&self) -> Result<u64> {
        self.store.clear().await
    }

    pub async fn set_pinned(&self, id: &str, pinned: bool) -> Result<()> {
        let id: DeliveryId = id.parse()?;
        found(self.store.set_pinned(id, pinned).await?, id)
    }

    pub async fn stats(&self, path_prefix: Option<String>) -> Result<Stats> {
        self.store.stats(path_prefix).await
    }
}

fn found(existed: bool, id: DeliveryId) -> Result<()> {
    if existed { Ok(()) } else { Err(crate::Error::NotFound(id.to_string())) }
}
