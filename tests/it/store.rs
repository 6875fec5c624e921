//! The store on real SQLite files: schema, migrations, reopening.

use hookscope::model::NewDelivery;
use hookscope::store::{Durability, ListFilter, SCHEMA_VERSION, Store, StoreConfig, UNSEARCHED_CAP, WAL_KEEP};

fn delivery(path: &str, body: &[u8]) -> NewDelivery {
    crate::support::new_delivery(path, b"Content-Type: application/json\r\n", body, "application/json")
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
        assert_eq!(store.get(a).await.unwrap().body.0, b"first", "{durability:?}: kept across reopen");
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

fn file_len(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bursts_wal_is_copied_and_trimmed_once_captures_pause() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.db");
    let wal = dir.path().join("w.db-wal");
    let store = Store::open(StoreConfig::new(&path)).unwrap();
    let body = vec![b'x'; 1500];
    // One commit per delivery: a 32 KiB WAL frame each, so 4,000 of them make
    // a WAL twice the size it is trimmed back to, cut in several steps.
    let mut last = None;
    for i in 0..4000 {
        last = Some(store.insert(delivery(&format!("/burst/{i}"), &body)).await.unwrap());
    }
    let burst = file_len(&wal);
    assert!(burst > 2 * WAL_KEEP, "the burst went to the WAL ({burst} bytes)");

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while file_len(&wal) > WAL_KEEP && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(file_len(&wal), WAL_KEEP, "the WAL is trimmed to the size it keeps once captures pause");
    assert!(file_len(&path) > 4000 * 1500, "and its frames are in the database file");
    assert_eq!(store.get(last.unwrap()).await.unwrap().body.0, body);
    assert_eq!(store.stats(None).await.unwrap().count, 4000);

    // Captures after the trim go into the kept WAL as usual.
    let next = store.insert(delivery("/after", b"after")).await.unwrap();
    assert_eq!(store.get(next).await.unwrap().body.0, b"after");
    assert_eq!(file_len(&wal), WAL_KEEP, "a commit after the trim reuses the kept file");
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok");
    let count: i64 = conn.query_row("SELECT count(*) FROM deliveries", [], |r| r.get(0)).unwrap();
    assert_eq!(count, 4001, "nothing was lost to the trims");
}

/// Indexing gives way to capture: its thread runs at the lowest priority.
#[cfg(target_os = "linux")]
#[test]
fn the_search_indexer_runs_at_the_lowest_priority() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(StoreConfig::new(dir.path().join("p.db"))).unwrap();
    let nice_of = |name: &str| -> Option<i64> {
        std::fs::read_dir("/proc/self/task").unwrap().flatten().find_map(|task| {
            let comm = std::fs::read_to_string(task.path().join("comm")).ok()?;
            if comm.trim() != name {
                return None;
            }
            let stat = std::fs::read_to_string(task.path().join("stat")).ok()?;
            // Fields after the parenthesised command name; nice is the 19th field overall.
            let after = &stat[stat.rfind(')')? + 2..];
            after.split(' ').nth(16)?.parse().ok()
        })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut nice = None;
    while nice != Some(19) && std::time::Instant::now() < deadline {
        nice = nice_of("hookscope-index");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(nice, Some(19), "the indexer thread is at nice 19");
    // Thread names are cut to 15 bytes in /proc: "hookscope-writer" shows as this.
    assert_eq!(nice_of("hookscope-write"), Some(0), "the writer is not");
    drop(store);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_search_that_outruns_the_indexer_counts_what_it_could_not_search() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(StoreConfig::new(dir.path().join("lag.db"))).unwrap();
    let sent = Arc::new(AtomicU64::new(0));
    // Receive times 1 ms apart, as in a real flood: seq is the receive time
    // in µs, and what a search reports must count deliveries, not µs.
    let counter = sent.clone();
    let insert = move |store: &Store, word: &str| {
        let i = counter.fetch_add(1, Ordering::Relaxed);
        let mut d = delivery(&format!("/flood/{i}"), format!("{{\"w\":\"{word}\"}}").as_bytes());
        d.received_at_us = 1_800_000_000_000_000 + i as i64 * 1000;
        let store = store.clone();
        async move { store.insert(d).await.unwrap() }
    };
    futures_util::future::join_all((0..2000).map(|_| insert(&store, "hay"))).await;
    insert(&store, "needle").await;
    // Captures keep coming as fast as the writer takes them while the search
    // waits, so the indexer stays in its small steps with long rests, behind
    // — on an idle machine too, where a gentler trickle let it catch up.
    let stop = Arc::new(AtomicBool::new(false));
    let trickle = {
        let (store, stop) = (store.clone(), stop.clone());
        let batch = move || futures_util::future::join_all((0..500).map(|_| insert(&store, "hay")));
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                batch().await;
            }
        })
    };
    let search = ListFilter { limit: 10, text: Some("needle".into()), ..Default::default() };
    let page = store.list(search.clone()).await.unwrap();
    stop.store(true, Ordering::Relaxed);
    trickle.await.unwrap();
    let first = page.unsearched.expect("a full-text search says what it could not search");
    let stored = sent.load(Ordering::Relaxed);
    assert!(first > 0, "the indexer was behind the captures");
    assert!(first <= stored.min(UNSEARCHED_CAP.into()), "{first} counts deliveries (of {stored} stored)");

    // Generous: under a CPU hog the nice-19 indexer gets a sliver of a core.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let page = store.list(search.clone()).await.unwrap();
        if page.unsearched == Some(0) {
            assert_eq!(page.items.len(), 1, "once caught up, the search finds the one delivery");
            assert_eq!(page.items[0].path, "/flood/2000");
            break;
        }
        assert!(Instant::now() < deadline, "the index catches up ({:?} left)", page.unsearched);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let plain = store.list(ListFilter { limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(plain.unsearched, None, "only full-text searches report it");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_search_index_of_another_version_is_rebuilt_private() {
    use hookscope::store::{INDEX_VERSION, search_path};
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.db");
    let store = Store::open(StoreConfig::new(&path)).unwrap();
    store.insert(delivery("/v", b"{\"word\":\"zebra\"}")).await.unwrap();
    store.flush().await.unwrap();
    drop(store);
    let index = search_path(&path);
    {
        let conn = rusqlite::Connection::open(&index).unwrap();
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, INDEX_VERSION, "the index records its version");
        conn.pragma_update(None, "user_version", 1).unwrap();
        // An older Hookscope left it readable by everyone.
        std::fs::set_permissions(&index, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let store = Store::open(StoreConfig::new(&path)).unwrap();
    store.flush().await.unwrap();
    let conn = rusqlite::Connection::open(&index).unwrap();
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, INDEX_VERSION, "an index of another version is rebuilt");
    let mode = std::fs::metadata(&index).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "and readable by its owner only");
    let page = store.list(ListFilter { limit: 10, text: Some("zebra".into()), ..Default::default() }).await.unwrap();
    assert_eq!(page.items.len(), 1, "the rebuilt index finds what the old one did");
}
