//! The control surface: the one set of operations that the HTTP control API
//! (browser mode) and the desktop shell both call. Adapters stay thin; what an
//! operation means is decided here.

pub mod auth;
mod events;
mod http;
mod ui;

use serde::{Deserialize, Serialize};

pub use events::{EventBatch, subscribe};
pub use http::{ApiServer, router, serve_api};

use crate::error::{Error, Result};
use crate::inspect::{self, Endpoint, Inspection};
use crate::model::{DeliveryId, DeliveryReply};
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

    /// One delivery, with its body unless `with_body` is false.
    pub async fn get(&self, id: &str, with_body: bool) -> Result<DeliveryReply> {
        let id: DeliveryId = id.parse()?;
        Ok(if with_body {
            DeliveryReply::Full(self.store.get(id).await?)
        } else {
            DeliveryReply::Head(self.store.get_head(id).await?)
        })
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

/// A delivery's inspection, computed now with the current settings, and the
/// other deliveries of the same event.
#[derive(Debug, Clone, Serialize)]
pub struct InspectionReport {
    #[serde(flatten)]
    pub inspection: Inspection,
    /// Other deliveries with the same event id, newest first.
    pub duplicates: Vec<String>,
}

impl Api {
    pub async fn endpoints(&self) -> Result<Vec<Endpoint>> {
        self.store.endpoints().await
    }

    pub async fn put_endpoint(&self, endpoint: Endpoint) -> Result<()> {
        if !endpoint.path_prefix.starts_with('/') {
            return Err(Error::InvalidArgument("an endpoint's path prefix starts with /".into()));
        }
        self.store.put_endpoint(endpoint).await
    }

    pub async fn delete_endpoint(&self, path_prefix: &str) -> Result<()> {
        if self.store.delete_endpoint(path_prefix.to_owned()).await? {
            Ok(())
        } else {
            Err(Error::NotFound(format!("endpoint {path_prefix}")))
        }
    }

    /// Inspects a delivery with the saved endpoint settings, or with `trial`
    /// ones (to try a secret without saving it).
    pub async fn inspect(&self, id: &str, trial: Option<Endpoint>) -> Result<InspectionReport> {
        let d = self.store.get(id.parse()?).await?;
        let endpoints = match trial {
            Some(mut e) => {
                e.path_prefix = String::new();
                vec![e]
            }
            None => self.store.endpoints().await?,
        };
        let request = inspect::Request {
            method: &d.head.summary.method,
            path: &d.head.summary.path,
            query: d.head.summary.query.as_deref(),
            headers: &d.head.headers,
            body: &d.body,
            received_at_us: d.head.summary.received_at_us,
        };
        let inspection = inspect::inspect(&request, &endpoints);
        let duplicates = match &inspection.event_id {
            Some(event) => {
                let (event, seq) = (event.clone(), d.head.summary.id.0);
                self.store.readers().run(move |c| store::same_event(c, &event, seq)).await?
            }
            None => Vec::new(),
        };
        Ok(InspectionReport { inspection, duplicates: duplicates.into_iter().map(|id| id.to_string()).collect() })
    }
}

fn found(existed: bool, id: DeliveryId) -> Result<()> {
    if existed { Ok(()) } else { Err(crate::Error::NotFound(id.to_string())) }
}
