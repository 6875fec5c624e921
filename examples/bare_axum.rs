//! The benchmark baseline: a bare axum server that reads the whole body and
//! answers 200, nothing else. `bench/capture.sh` compares Hookscope to it.

use axum::body::Bytes;
use axum::routing::any;

#[tokio::main]
async fn main() {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8790".into());
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    println!("listening on {}", listener.local_addr().expect("address"));
    let app = axum::Router::new().fallback(any(|body: Bytes| async move {
        // Touch the body so the read cannot be skipped.
        std::hint::black_box(body.len());
        "ok"
    }));
    axum::serve(listener, app).await.expect("serve");
}
