//! Forwarding lag: from the moment a sender has Hookscope's ack to the
//! moment the app receives the delivery. Binds the app (`TARGET`) itself,
//! then sends `COUNT` deliveries one at a time over one connection to the
//! capture URL of a `hookscope serve --forward-to http://TARGET`, and prints
//! the lag's percentiles. `bench/forward.sh` runs it.
//!
//!     cargo run --release --example forward_lag -- http://127.0.0.1:8787 127.0.0.1:18899 2000

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::routing::any;

type Seen = Arc<Mutex<HashMap<u32, Instant>>>;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let capture = args.next().expect("the capture URL");
    let target = args.next().expect("the address to bind the app on");
    let count: u32 = args.next().map_or(2000, |n| n.parse().expect("a count"));

    let seen: Seen = Arc::default();
    let listener = tokio::net::TcpListener::bind(&target).await.expect("bind the app");
    let app = axum::Router::new()
        .route(
            "/lag/{n}",
            any(|State(seen): State<Seen>, Path(n): Path<u32>| async move {
                seen.lock().unwrap().insert(n, Instant::now());
                "ok"
            }),
        )
        .with_state(seen.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve the app") });

    let client = reqwest::Client::builder().no_proxy().pool_max_idle_per_host(1).build().unwrap();
    let body = format!("{{\"pad\":\"{}\"}}", "x".repeat(1400));
    let mut acked = HashMap::new();
    for n in 0..count {
        let resp = client.post(format!("{capture}/lag/{n}")).body(body.clone()).send().await.expect("capture");
        assert!(resp.status().is_success(), "acked");
        let _ = resp.bytes().await;
        acked.insert(n, Instant::now());
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while seen.lock().unwrap().len() < count as usize && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let seen = seen.lock().unwrap();
    let mut lags: Vec<f64> = acked
        .iter()
        .filter_map(|(n, ack)| seen.get(n).map(|got| got.saturating_duration_since(*ack).as_secs_f64() * 1000.0))
        .collect();
    lags.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| lags[((lags.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "RESULT forwarded={} of={count} p50_ms={:.3} p99_ms={:.3} max_ms={:.3}",
        lags.len(),
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
}
