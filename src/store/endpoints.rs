//! Queries on the `endpoints` table.

use rusqlite::{Connection, OptionalExtension as _, Transaction, params};

use crate::model::{Endpoint, SchemeChoice};
use crate::signature::{Provider, Secret, Secrets};

const COLUMNS: &str = "id, path_prefix, provider, generic, secrets, certificate, tolerance_s, public_url, \
     methods, forward_to, forward_mode, forward_concurrency, response";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Endpoint> {
    let provider: Option<Provider> = r.get::<_, Option<String>>(2)?.and_then(|p| p.parse().ok());
    let generic: Option<String> = r.get(3)?;
    let scheme = provider.map(|p| match generic.as_deref().and_then(|g| serde_json::from_str(g).ok()) {
        Some(config) if p == Provider::Generic => SchemeChoice::Generic(config),
        _ => SchemeChoice::Preset(p),
    });
    let secrets: Vec<String> = serde_json::from_str(&r.get::<_, String>(4)?).unwrap_or_default();
    Ok(Endpoint {
        id: r.get(0)?,
        path_prefix: r.get(1)?,
        scheme,
        keys: Secrets { secrets: secrets.into_iter().map(Secret::new).collect(), certificate: r.get(5)? },
        tolerance_s: r.get::<_, Option<i64>>(6)?.map(|t| t as u64),
        public_url: r.get(7)?,
        methods: r.get::<_, Option<String>>(8)?.and_then(|m| serde_json::from_str(&m).ok()).unwrap_or_default(),
        forward_to: r.get(9)?,
        forward_mode: r.get::<_, String>(10)?.parse().unwrap_or_default(),
        forward_concurrency: r.get::<_, Option<i64>>(11)?.map(|n| n as u32),
        response: r.get::<_, Option<String>>(12)?.and_then(|j| serde_json::from_str(&j).ok()),
    })
}

pub fn list_endpoints(conn: &Connection) -> rusqlite::Result<Vec<Endpoint>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM endpoints ORDER BY path_prefix"))?;
    let rows = stmt.query_map([], row)?;
    rows.collect()
}

pub fn get_endpoint(conn: &Connection, id: &str) -> rusqlite::Result<Option<Endpoint>> {
    conn.query_row(&format!("SELECT {COLUMNS} FROM endpoints WHERE id = ?1"), [id], row).optional()
}

/// Saves `e` under its id, replacing whatever had its id or its prefix.
pub fn put_endpoint(tx: &Transaction, e: &Endpoint) -> rusqlite::Result<()> {
    tx.execute("DELETE FROM endpoints WHERE id = ?1 OR path_prefix = ?2", params![e.id, e.path_prefix])?;
    let secrets: Vec<&str> = e.keys.secrets.iter().map(Secret::expose).collect();
    tx.execute(
        &format!("INSERT INTO endpoints ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"),
        params![
            e.id,
            e.path_prefix,
            e.scheme.as_ref().map(|s| s.provider().to_string()),
            e.scheme.as_ref().and_then(SchemeChoice::generic).and_then(|g| serde_json::to_string(g).ok()),
            serde_json::to_string(&secrets).unwrap_or_else(|_| "[]".into()),
            e.keys.certificate,
            e.tolerance_s.map(|t| t as i64),
            e.public_url,
            (!e.methods.is_empty()).then(|| serde_json::to_string(&e.methods).unwrap_or_default()),
            e.forward_to,
            <&str>::from(e.forward_mode),
            e.forward_concurrency.map(i64::from),
            e.response.as_ref().and_then(|r| serde_json::to_string(r).ok()),
        ],
    )?;
    Ok(())
}

/// Deletes the endpoint with this id or, for older clients, this prefix.
pub fn delete_endpoint(tx: &Transaction, id_or_prefix: &str) -> rusqlite::Result<bool> {
    Ok(tx.execute("DELETE FROM endpoints WHERE id = ?1 OR path_prefix = ?1", [id_or_prefix])? > 0)
}
