//! Numbered migrations embedded in the binary; `PRAGMA user_version` records
//! how many have run.

use std::path::Path;

use rusqlite::Connection;

use crate::error::{Error, Result};

const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_deliveries.sql"),
    include_str!("migrations/0002_endpoints.sql"),
    include_str!("migrations/0003_endpoint_ids.sql"),
    include_str!("migrations/0004_attempts.sql"),
    include_str!("migrations/0005_forwarding.sql"),
    include_str!("migrations/0006_imports.sql"),
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew { path: path.to_owned(), found, known: SCHEMA_VERSION });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
