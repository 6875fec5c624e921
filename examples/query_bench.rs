//! Query benchmark: fills a store with deliveries of ~1.5 KB through the
//! normal insert path, then times the reads the UI makes. Prints the storage
//! used against the header + body bytes received.
//!
//!     cargo run --release --example query_bench -- [COUNT]   # default 1,000,000

use std::time::{Duration, Instant};

use hookscope::model::{NewDelivery, Response};
use hookscope::store::{ListFilter, Store, StoreConfig};

const PATHS: &[&str] = &[
    "/stripe/webhook",
    "/github/events",
    "/shopify/orders",
    "/slack/events",
    "/twilio/sms",
    "/paddle/billing",
    "/discord/interactions",
    "/clerk/users",
];
const WORDS: &[&str] = &["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"];
/// One delivery in this many carries the rare word.
const RARE_EVERY: usize = 100_000;

fn delivery(n: usize) -> NewDelivery {
    let path = PATHS[n % PATHS.len()];
    let word = if n % RARE_EVERY == 7 { "zanzibar" } else { WORDS[n * 7 % WORDS.len()] };
    let pad: String = (0..190).map(|i| WORDS[(n + i) % WORDS.len()]).collect::<Vec<_>>().join(" ");
    let body = format!(
        r#"{{"id":"evt_{n:012}","object":"event","type":"invoice.{word}","created":{},"data":{{"object":{{"amount":{},"note":"{pad}"}}}}}}"#,
        1_700_000_000 + n,
        n * 37 % 100_000
    );
    let headers = format!(
        "Host: abc123.ngrok.app\r\nUser-Agent: Provider-Webhooks/1.0\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nX-Forwarded-For: 54.187.174.169\r\nX-Forwarded-Proto: https\r\n\
         X-Event-Id: evt_{n:012}\r\nX-Signature: t=1700000000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd\r\n",
        body.len()
    );
    NewDelivery {
        received_at_us: 0,
        method: "POST".into(),
        path: path.into(),
        query: None,
        http_version: "HTTP/1.1".into(),
        remote_addr: Some("127.0.0.1:50000".into()),
        headers: headers.into_bytes(),
        body_size: body.len() as u64,
        body: body.into_bytes(),
        truncated: false,
        content_type: Some("application/json".into()),
        duration_us: 40,
        response: Response::Ack { status: 200 },
        source: None,
        tls: false,
    }
}

/// Median of `runs` timings of `f`.
async fn time<F, Fut, T>(runs: usize, mut f: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        std::hint::black_box(f().await);
        times.push(t.elapsed());
    }
    times.sort();
    times[runs / 2]
}

#[tokio::main]
async fn main() {
    let count: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let db = dir.path().join("bench.db");
    let mut config = StoreConfig::new(&db);
    config.max_deliveries = count as u64 + 1;
    let store = Store::open(config).expect("store opens");

    let started = Instant::now();
    let mut received = 0u64;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..count {
        let d = delivery(n);
        received += (d.headers.len() + d.body.len()) as u64;
        let s = store.clone();
        tasks.spawn(async move { s.insert(d).await.expect("insert") });
        if tasks.len() >= 512 {
            tasks.join_next().await;
        }
    }
    while tasks.join_next().await.is_some() {}
    let filled = started.elapsed();
    store.flush().await.expect("flush");
    let indexed = started.elapsed();
    drop(store);

    // Storage before the full-text index: the main database file, checkpointed.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
    drop(conn);
    let main_bytes = std::fs::metadata(&db).unwrap().len();
    let search_bytes = std::fs::metadata(dir.path().join("bench.db-search")).map(|m| m.len()).unwrap_or(0);
    let store = Store::open(StoreConfig::new(&db)).expect("store reopens");

    let newest = time(200, || store.list(ListFilter { limit: 100, ..Default::default() })).await;
    let first = store.list(ListFilter { limit: 100, ..Default::default() }).await.unwrap();
    let cursor = first.next.clone().unwrap().parse().ok();
    let next = time(200, || store.list(ListFilter { limit: 100, before: cursor, ..Default::default() })).await;
    let deep_cursor = Some(hookscope::DeliveryId(first.items[0].id.0 - (count as i64 / 2)));
    let deep = time(200, || store.list(ListFilter { limit: 100, before: deep_cursor, ..Default::default() })).await;
    let prefix_count = time(200, || store.stats(Some("/github".into()))).await;
    let github = store.stats(Some("/github".into())).await.unwrap();
    let prefix_list =
        time(200, || store.list(ListFilter { limit: 100, path_prefix: Some("/github".into()), ..Default::default() }))
            .await;
    let rare =
        time(200, || store.list(ListFilter { limit: 100, text: Some("zanzibar".into()), ..Default::default() })).await;
    let rare_hits = store.list(ListFilter { limit: 100, text: Some("zanzibar".into()), ..Default::default() }).await;
    let common =
        time(50, || store.list(ListFilter { limit: 100, text: Some("invoice".into()), ..Default::default() })).await;
    // A filter the stats can't answer: the first page also counts its matches.
    let ok_2xx = || ListFilter { limit: 100, status: "2xx".parse().ok(), ..Default::default() };
    let status_list = time(50, || store.list(ok_2xx())).await;
    let status_total = store.list(ok_2xx()).await.ok().and_then(|p| p.total).unwrap_or_default();

    let ms = |d: Duration| format!("{:.3} ms", d.as_secs_f64() * 1000.0);
    println!("deliveries            {count}");
    println!(
        "fill                  {:.1} s ({:.0}/s), indexed after {:.1} s",
        filled.as_secs_f64(),
        count as f64 / filled.as_secs_f64(),
        indexed.as_secs_f64()
    );
    println!(
        "received bytes        {:.1} MB (headers + bodies, {:.0} B each)",
        received as f64 / 1e6,
        received as f64 / count as f64
    );
    println!(
        "database file         {:.1} MB = {:.3}x received (before the full-text index)",
        main_bytes as f64 / 1e6,
        main_bytes as f64 / received as f64
    );
    println!("search index file     {:.1} MB", search_bytes as f64 / 1e6);
    println!("newest 100            {}", ms(newest));
    println!("next page (keyset)    {}", ms(next));
    println!("page at the middle    {}", ms(deep));
    println!("count /github*        {}  ({} deliveries)", ms(prefix_count), github.count);
    println!("list /github* 100     {}", ms(prefix_list));
    println!("rare word (FTS)       {}  ({} hits)", ms(rare), rare_hits.map(|p| p.items.len()).unwrap_or(0));
    println!("common word (FTS)     {}  (first 100 of all)", ms(common));
    println!("status 2xx, 100       {}  (total {status_total}, counted up to the cap)", ms(status_list));
}
