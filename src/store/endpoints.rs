//! Queries on the `endpoints` table.

use rusqlite::{Connection, Transaction, params};

use crate::inspect::Endpoint;

pub fn list_endpoints(conn: &Connection) -> rusqlite::Result<Vec<Endpoint>> {
    let mut stmt = conn.prepare_cached(
        "SELECT path_prefix, provider, secrets, tolerance_s, public_url FROM endpoints ORDER BY path_prefix",
    )?;
    let rows = stmt.query_map([], |r| {
        let provider: Option<String> = r.get(1)?;
        let secrets: String = r.get(2)?;
        Ok(Endpoint {
            path_prefix: r.get(0)?,
            provider: provider.and_then(|p| p.parse().ok()),
            secrets: serde_json::from_str(&secrets).unwrap_or_default(),
            tolerance_s: r.get::<_, Option<i64>>(3)?.map(|t| t as u64),
            public_url: r.get(4)?,
        })
    })?;
    rows.collect()
}

pub fn put_endpoint(tx: &Transaction, e: &Endpoint) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT OR REPLACE INTO endpoints (path_prefix, provider, secrets, tolerance_s, public_url)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            e.path_prefix,
            e.provider.map(|p| p.to_string()),
            serde_json::to_string(&e.secrets).unwrap_or_else(|_| "[]".into()),
            e.tolerance_s.map(|t| t as i64),
            e.public_url,
        ],
    )?;
    Ok(())
}

pub fn delete_endpoint(tx: &Transaction, path_prefix: &str) -> rusqlite::Result<bool> {
    Ok(tx.execute("DELETE FROM endpoints WHERE path_prefix = ?1", [path_prefix])? > 0)
}
