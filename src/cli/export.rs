//! `hookscope export` and `hookscope import`.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::api::{Api, ExportQuery, ImportReport, ImportSource};
use crate::error::{Error, Result};
use crate::export::{self, Format};

/// Reads the database directly (also while an instance runs on it): one
/// delivery at a time, so any number of them in bounded memory.
pub fn export(db: &Path, query: &ExportQuery, out: &mut dyn Write) -> Result<u64> {
    let _ = crate::store::open_read_only(db)?;
    let conn = crate::store::search_connection(db)?;
    let (ids, filter) = (query.ids()?, query.filter()?);
    let chosen = export::select::select(&conn, &ids, &filter, query.limit.unwrap_or(crate::api::EXPORT_LIMIT))?;
    let out = std::io::BufWriter::with_capacity(256 * 1024, out);
    export::select::write_all(&conn, &chosen, query.format.unwrap_or(Format::Curl), out)
}

/// Through the running instance when there is one (one writer; the
/// deliveries show live in its window), else into the database itself.
pub async fn import(db: &Path, file: &str) -> Result<ImportReport> {
    let source = if file == "-" {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes).map_err(|e| Error::io("reading stdin", e))?;
        ImportSource::Bytes(bytes.into())
    } else {
        let path = PathBuf::from(file);
        let path = std::fs::canonicalize(&path).map_err(|e| Error::io(format!("reading {file}"), e))?;
        ImportSource::Path(path)
    };
    if let Some(instance) = crate::app::running_instance(db) {
        let through = super::replay::Instance::new(&instance.api_url)?;
        return match source {
            ImportSource::Path(p) => {
                let q = url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("path", &p.to_string_lossy())
                    .finish();
                through.call(reqwest::Method::POST, &format!("/api/imports?{q}"), None::<&()>).await
            }
            ImportSource::Bytes(b) => through.post_bytes("/api/imports", b.to_vec()).await,
        };
    }
    let mut config = crate::store::StoreConfig::new(db);
    // A one-shot import needs no capture-sized cache (it kept the peak over 100 MB).
    config.writer_cache_kib = 8 * 1024;
    let store = crate::store::Store::open(config)?;
    let info = crate::api::Info {
        version: env!("CARGO_PKG_VERSION").into(),
        capture_url: String::new(),
        public_url: None,
        database: db.display().to_string(),
        api_url: None,
        https_url: None,
        tls_fingerprint: None,
        tls_certificate: None,
    };
    let report = Api::new(store.clone(), info).import(source).await;
    store.flush().await?;
    report
}
