//! Export and import: deliveries out as cURL, HTTPie, raw HTTP, JSON, NDJSON
//! or HAR, and files back in. The HTTP API, the desktop shell and the CLI
//! all come through here.

use std::io::Write;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::{IntoParams, ToSchema};

use super::{Api, ListQuery};
use crate::capture::now_us;
use crate::error::{Error, Result};
use crate::export::{self, Format, Imported};
use crate::model::{DeliveryId, NewDelivery};

/// Deliveries imported in one write.
const IMPORT_BATCH: usize = 1000;
/// The most an export takes when no limit is given.
pub const EXPORT_LIMIT: u64 = 1_000_000;

/// What to export: `ids`, or every delivery the list's filters match.
#[derive(Debug, Clone, Default, Deserialize, Serialize, TS, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `curl` (default), `httpie`, `raw`, `json`, `ndjson`, `har`.
    #[ts(optional)]
    pub format: Option<Format>,
    /// Comma-separated delivery ids; when given, the filters are not used.
    #[ts(optional)]
    pub ids: Option<String>,
    #[ts(optional)]
    pub method: Option<String>,
    #[ts(optional)]
    pub path: Option<String>,
    #[ts(optional)]
    pub status: Option<String>,
    #[ts(optional)]
    pub q: Option<String>,
    /// At most this many, the newest (default 1,000,000).
    #[ts(optional)]
    pub limit: Option<u64>,
}

/// What an import stored.
#[derive(Debug, Clone, Serialize, Deserialize, TS, ToSchema)]
pub struct ImportReport {
    /// `har`, `raw`, `curl` or `json`.
    pub format: String,
    pub count: u64,
    /// The new deliveries' ids, in file order.
    pub ids: Vec<String>,
}

/// Where an import reads from: read twice (checked whole, then stored).
#[derive(Debug, Clone)]
pub enum ImportSource {
    Path(PathBuf),
    Bytes(bytes::Bytes),
}

impl ImportSource {
    fn open(&self) -> Result<Box<dyn std::io::BufRead + Send>> {
        Ok(match self {
            ImportSource::Path(p) => Box::new(std::io::BufReader::with_capacity(
                256 * 1024,
                std::fs::File::open(p).map_err(|e| Error::io(format!("reading {}", p.display()), e))?,
            )),
            ImportSource::Bytes(b) => Box::new(std::io::Cursor::new(b.clone())),
        })
    }
}

impl ExportQuery {
    /// The `ids` given, parsed (a bad one is an error before anything is written).
    pub(crate) fn ids(&self) -> Result<Vec<DeliveryId>> {
        self.ids
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::parse)
            .collect()
    }

    /// The list's filters, as a listing reads them.
    pub(crate) fn filter(&self) -> Result<crate::store::ListFilter> {
        ListQuery {
            method: self.method.clone(),
            path: self.path.clone(),
            status: self.status.clone(),
            q: self.q.clone(),
            ..Default::default()
        }
        .to_filter()
    }
}

impl Api {
    /// Writes the chosen deliveries to `out`, one at a time (an export of
    /// any size needs the memory of one delivery); how many.
    #[tracing::instrument(level = "debug", skip(self, out), err(level = "debug"))]
    pub async fn export_to(&self, query: ExportQuery, out: impl Write + Send + 'static) -> Result<u64> {
        let path = self.store.path().to_owned();
        let format = query.format.unwrap_or_default();
        let ids = query.ids()?;
        let filter = query.filter()?;
        let limit = query.limit.unwrap_or(EXPORT_LIMIT);
        tokio::task::spawn_blocking(move || {
            let conn = crate::store::search_connection(&path)?;
            let chosen = export::select::select(&conn, &ids, &filter, limit)?;
            export::select::write_all(&conn, &chosen, format, out)
        })
        .await
        .map_err(|e| Error::io("exporting", std::io::Error::other(e)))?
    }

    /// An export whole, in memory (a delivery to copy; the desktop's save).
    pub async fn export_bytes(&self, query: ExportQuery) -> Result<Vec<u8>> {
        let buf = SharedBuf::default();
        self.export_to(query, buf.clone()).await?;
        Ok(buf.take())
    }

    /// One delivery in `format`, whole (for "Copy as cURL / HTTPie / raw").
    pub async fn export_one(&self, id: &str, format: Format) -> Result<String> {
        let id: DeliveryId = id.parse()?;
        let query = ExportQuery { format: Some(format), ids: Some(id.to_string()), ..Default::default() };
        let bytes = self.export_bytes(query).await?;
        String::from_utf8(bytes).map_err(|_| Error::InvalidArgument("this export is not text".into()))
    }

    /// Imports a file: checked whole first (a file that can't be read
    /// stores nothing, and the error says where it broke), then stored in
    /// batches as it is read again.
    #[tracing::instrument(level = "debug", skip(self), err(level = "debug"))]
    pub async fn import(&self, source: ImportSource) -> Result<ImportReport> {
        let now = now_us();
        let check = source.clone();
        let (kind, total) = tokio::task::spawn_blocking(move || -> Result<(Imported, u64)> {
            let mut n = 0u64;
            let kind = export::parse(check.open()?, now, &mut |_| {
                n += 1;
                Ok(())
            })
            .map_err(|e| Error::InvalidArgument(format!("cannot import: {e}")))?;
            Ok((kind, n))
        })
        .await
        .map_err(|e| Error::io("importing", std::io::Error::other(e)))??;
        if total == 0 {
            return Err(Error::InvalidArgument("cannot import: the file holds no deliveries".into()));
        }
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<NewDelivery>>(2);
        let reader = tokio::task::spawn_blocking(move || -> Result<()> {
            let mut batch = Vec::with_capacity(IMPORT_BATCH);
            export::parse(source.open()?, now, &mut |d| {
                batch.push(d);
                if batch.len() >= IMPORT_BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(IMPORT_BATCH));
                    tx.blocking_send(full)
                        .map_err(|_| export::ImportError { at: "the store".into(), message: "closed".into() })?;
                }
                Ok(())
            })
            .map_err(|e| Error::InvalidArgument(format!("cannot import: {e}")))?;
            if !batch.is_empty() {
                let _ = tx.blocking_send(batch);
            }
            Ok(())
        });
        let mut ids = Vec::with_capacity(total as usize);
        while let Some(batch) = rx.recv().await {
            ids.extend(self.store.import(batch).await?.into_iter().map(|id| id.to_string()));
        }
        reader.await.map_err(|e| Error::io("importing", std::io::Error::other(e)))??;
        Ok(ImportReport { format: kind.name().into(), count: ids.len() as u64, ids })
    }
}

/// A `Write` into shared memory, for exports kept whole.
#[derive(Clone, Default)]
struct SharedBuf(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl SharedBuf {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
