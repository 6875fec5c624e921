//! The store on real SQLite files: schema, migrations, reopening.

use hookscope::model::{NewDelivery, Response};
use hookscope::store::{Durability, SCHEMA_VERSION, Store, StoreConfig};

fn delivery(path: &str, body: &[u8]) -> NewDelivery {
    NewDelivery {
        received_at_us: 1_700_000_000_000_000,
        method: "POST".into(),
        path: path.into(),
        query: None,
        http_version: "HTTP/1.1".into(),
        remote_addr: Some("127.0.0.1:1".into()),
        headers: b"Content-Type: application/json\r\n".to_vec(),
        body: body.to_vec(),
        body_size: body.len() as u64,
        truncated: false,
        content_type: Some("application/json".into()),
        duration_us: 5,
        response: Response::Ack { status: 200 },
    }
}

#[test]
fn the_final_schema_is_as_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let store = Store::open(StoreConfig::new(&path)).unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, SCHEMA_VERSION, "the schema version is recorded");
    let mut stmt = conn
        .prepare("SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'delivery_fts_%' ORDER BY type, name")
        .unwrap();
    let schema: Vec<String> = stmt
        .query_map([], |r| {
            Ok(format!("-- {} {}\n{};", r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    insta::assert_snapshot!(schema.join("\n\n"));
    let journal: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(journal, "wal", "the database is in WAL mode");
}

#[tokio::test(flavor = "multi_thread")]
async fn deliveries_survive_reopening_in_both_durability_modes() {
    for durability in [Durability::Normal, Durability::Full] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.db");
        let mut config = StoreConfig::new(&path);
        config.durability = durability;
        let store = Store::open(config.clone()).unwrap();
        let a = store.insert(delivery("/a", b"first")).await.unwrap();
        let b = store.insert(delivery("/b", b"second")).await.unwrap();
        assert!(a < b, "ids follow commit order even with equal receive times");
        drop(store);
        let store = Store::open(config).unwrap();
        assert_eq!(store.get(a).await.unwrap().body, b"first", "{durability:?}: kept across reopen");
        let c = store.insert(delivery("/c", b"third")).await.unwrap();
        assert!(c > b, "{durability:?}: new ids stay after old ones after a reopen");
        assert_eq!(store.stats(None).await.unwrap().count, 3, "{durability:?}: stats restored from the table");
    }
}

#[test]
fn a_database_from_a_newer_hookscope_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
    drop(conn);
    let err = Store::open(StoreConfig::new(&path)).err().expect("a newer schema is refused");
    assert_eq!(err.code(), "schema_too_new", "with a clear error: {err}");
}
