//! Kill `hookscope serve` with SIGKILL in the middle of a stream of requests;
//! every request that got a 2xx must be in the database, byte for byte, and
//! the database must pass an integrity check. Repeated, in both durabilities.

use std::sync::{Arc, Mutex};
use std::time::Duration;

const ROUNDS: usize = 4;
const SENDERS: usize = 8;

/// Ids acked by the server, with the bodies that were sent.
type Acked = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

#[tokio::test(flavor = "multi_thread")]
async fn every_acked_delivery_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(5)).build().unwrap();
    let mut total_acked = 0;
    for round in 0..ROUNDS {
        let durability = if round % 2 == 0 { "normal" } else { "full" };
        let (mut child, capture) = crate::support::spawn_serve(&db, dir.path(), &["--durability", durability]);

        let acked: Acked = Arc::default();
        let mut senders = tokio::task::JoinSet::new();
        for s in 0..SENDERS {
            let (http, capture, acked) = (http.clone(), capture.clone(), acked.clone());
            senders.spawn(async move {
                for i in 0.. {
                    // Varied sizes and bytes, so a torn write would show.
                    let len = (i * 7919 + s * 131) % 40_000;
                    let body: Vec<u8> = (0..len).map(|k| (k * 31 + i + s + round) as u8).collect();
                    let Ok(resp) = http.post(format!("{capture}/crash/{s}/{i}")).body(body.clone()).send().await else {
                        return;
                    };
                    if let (200..=299, Some(id)) = crate::support::ack(resp).await {
                        acked.lock().unwrap().push((id, body));
                    }
                }
            });
        }
        tokio::time::sleep(Duration::from_millis(400 + 150 * round as u64)).await;
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        while senders.join_next().await.is_some() {}

        let acked = std::mem::take(&mut *acked.lock().unwrap());
        assert!(!acked.is_empty(), "round {round}: some requests were acked before the kill");
        let conn = rusqlite::Connection::open(&db).unwrap();
        let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(check, "ok", "round {round}: the database is intact after SIGKILL");
        for (id, body) in &acked {
            let seq = id.parse::<hookscope::DeliveryId>().unwrap().0;
            let stored: Vec<u8> = conn
                .query_row("SELECT body FROM deliveries WHERE seq = ?1", [seq], |r| r.get(0))
                .unwrap_or_else(|e| panic!("round {round} ({durability}): acked {id} must be stored: {e}"));
            assert!(&stored == body, "round {round}: {id} is byte-exact");
        }
        total_acked += acked.len();
    }
    assert!(total_acked > 100, "the test exercised a real stream ({total_acked} acked)");
}
