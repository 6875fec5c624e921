//! The full-text index (FTS5) over path, headers and text bodies. It is filled
//! after the ack, in small steps by the writer, and never on the capture path;
//! `meta.fts_cursor` records the last delivery indexed.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

/// Bodies are indexed up to this many bytes: enough to find an event by any
/// field of a normal payload without a 25 MiB body stalling the writer.
const MAX_INDEXED_BODY: usize = 1024 * 1024;

pub fn cursor(conn: &Connection) -> rusqlite::Result<i64> {
    Ok(conn.query_row("SELECT value FROM meta WHERE key = 'fts_cursor'", [], |r| r.get(0)).optional()?.unwrap_or(0))
}

fn set_cursor(tx: &Transaction, seq: i64) -> rusqlite::Result<()> {
    tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('fts_cursor', ?1)", [seq])?;
    Ok(())
}

/// Indexes up to `n` deliveries after `cursor`; returns the new cursor.
pub fn index_after(tx: &Transaction, cursor: i64, n: usize) -> rusqlite::Result<i64> {
    let mut select = tx.prepare_cached(
        "SELECT seq, path, query, headers, body FROM deliveries WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let mut insert =
        tx.prepare_cached("INSERT INTO delivery_fts (rowid, path, headers, body) VALUES (?1, ?2, ?3, ?4)")?;
    let mut rows = select.query(params![cursor, n as i64])?;
    let mut last = cursor;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let path: String = row.get(1)?;
        let query: Option<String> = row.get(2)?;
        let headers = row.get_ref(3)?.as_blob()?;
        let body = row.get_ref(4)?.as_blob()?;
        let target = match query {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        insert.execute(params![seq, target, String::from_utf8_lossy(headers), indexable_text(body)])?;
        last = seq;
    }
    if last != cursor {
        set_cursor(tx, last)?;
    }
    Ok(last)
}

/// Drops the whole index and rebuilds it for what is left (after a clear,
/// only pinned deliveries remain, so this is small).
pub fn reindex_all(tx: &Transaction, last_seq: i64) -> rusqlite::Result<i64> {
    tx.execute("INSERT INTO delivery_fts (delivery_fts) VALUES ('delete-all')", [])?;
    let mut cursor = 0;
    loop {
        let next = index_after(tx, cursor, 1024)?;
        if next == cursor {
            break;
        }
        cursor = next;
    }
    set_cursor(tx, last_seq)?;
    Ok(last_seq)
}

pub fn remove(tx: &Transaction, seq: i64) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM delivery_fts WHERE rowid = ?1")?.execute([seq])?;
    Ok(())
}

/// The longest valid UTF-8 prefix of a body, capped; binary bodies index as
/// nothing.
fn indexable_text(body: &[u8]) -> &str {
    let capped = &body[..body.len().min(MAX_INDEXED_BODY)];
    match std::str::from_utf8(capped) {
        Ok(s) => s,
        // A cut through a multi-byte character at the cap is fine; anything
        // else means the body is not text.
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&capped[..e.valid_up_to()]).unwrap_or(""),
        Err(_) => "",
    }
}

/// Turns what a user typed into an FTS5 query that cannot be a syntax error:
/// every whitespace-separated word becomes a quoted phrase, all must match.
/// A trailing `*` on a word keeps its prefix meaning.
pub fn to_fts_query(text: &str) -> Option<String> {
    let terms: Vec<String> = text
        .split_whitespace()
        .map(|word| {
            let (word, prefix) = match word.strip_suffix('*') {
                Some(w) if !w.is_empty() => (w, "*"),
                _ => (word, ""),
            };
            format!("\"{}\"{prefix}", word.replace('"', "\"\""))
        })
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_becomes_a_safe_query() {
        assert_eq!(to_fts_query("  "), None, "blank text is no query");
        assert_eq!(to_fts_query("evt_1 \"x"), Some("\"evt_1\" \"\"\"x\"".into()), "quotes are escaped");
        assert_eq!(to_fts_query("pay*"), Some("\"pay\"*".into()), "a trailing star stays a prefix query");
    }

    #[test]
    fn binary_bodies_index_as_nothing_and_text_is_cut_on_a_char_boundary() {
        assert_eq!(indexable_text(b"\xff\x00abc"), "", "binary is not indexed");
        let mut body = vec![b'a'; MAX_INDEXED_BODY - 1];
        body.extend_from_slice("é".as_bytes());
        assert_eq!(indexable_text(&body).len(), MAX_INDEXED_BODY - 1, "a split character is dropped");
    }
}
