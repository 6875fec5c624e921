//! The control API: the token, Host and Origin checks, and every operation.

use std::time::{Duration, Instant};

use crate::support::{Harness, raw_request};

#[tokio::test(flavor = "multi_thread")]
async fn the_api_refuses_missing_or_wrong_tokens_and_foreign_hosts_or_origins() {
    let h = Harness::start().await;
    let url = h.api_url("/api/deliveries");
    let status = |r: reqwest::Response| r.status().as_u16();
    assert_eq!(status(h.http.get(&url).send().await.unwrap()), 401, "no token: 401");
    assert_eq!(status(h.http.get(&url).bearer_auth("nope").send().await.unwrap()), 401, "wrong token: 401");
    let almost = format!("{}x", &h.token()[..h.token().len() - 1]);
    assert_eq!(status(h.http.get(&url).bearer_auth(almost).send().await.unwrap()), 401, "near-miss token: 401");
    assert_eq!(status(h.http.get(&url).bearer_auth(h.token()).send().await.unwrap()), 200, "right token: 200");

    // DNS rebinding: a foreign name resolving to 127.0.0.1 still says its own Host.
    let foreign_host = format!(
        "GET /api/deliveries HTTP/1.1\r\nHost: evil.example:{}\r\nAuthorization: Bearer {}\r\n\r\n",
        h.api.port(),
        h.token()
    );
    assert_eq!(raw_request(h.api, foreign_host.as_bytes()).await.0, 403, "foreign Host: 403 even with the token");
    let no_host = format!("GET /api/deliveries HTTP/1.0\r\nAuthorization: Bearer {}\r\n\r\n", h.token());
    assert_eq!(raw_request(h.api, no_host.as_bytes()).await.0, 403, "no Host: 403");
    let foreign_origin =
        h.http.get(&url).bearer_auth(h.token()).header("origin", "https://evil.example").send().await.unwrap();
    assert_eq!(foreign_origin.status().as_u16(), 403, "foreign Origin: 403 even with the token");
    assert!(foreign_origin.headers().get("access-control-allow-origin").is_none(), "no CORS headers, ever");
    let own_origin = h
        .http
        .get(&url)
        .bearer_auth(h.token())
        .header("origin", format!("http://localhost:{}", h.api.port()))
        .send()
        .await
        .unwrap();
    assert_eq!(own_origin.status().as_u16(), 200, "the API's own origin is fine");
    let openapi = h.http.get(h.api_url("/api/openapi.json")).send().await.unwrap();
    assert_eq!(openapi.status().as_u16(), 401, "even the OpenAPI document needs the token");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_one_time_login_url_sets_an_http_only_cookie_once() {
    let h = Harness::start().await;
    let path = h.running.auth.login_path().unwrap();
    let no_redirect =
        reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let first = no_redirect.get(h.api_url(&path)).send().await.unwrap();
    assert_eq!(first.status().as_u16(), 303, "the ticket signs in and redirects to the UI");
    let cookie = first.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "the cookie is HttpOnly and strict: {cookie}"
    );
    let pair = cookie.split(';').next().unwrap().to_owned();
    let with_cookie = no_redirect.get(h.api_url("/api/stats")).header("cookie", &pair).send().await.unwrap();
    assert_eq!(with_cookie.status().as_u16(), 200, "the cookie authorises API calls");
    let again = no_redirect.get(h.api_url(&path)).send().await.unwrap();
    assert_eq!(again.status().as_u16(), 401, "a used ticket does not work twice");
    let page = again.text().await.unwrap();
    assert!(page.contains("hookscope open"), "a used link says how to get a new one, not raw JSON: {page}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_browser_session_is_not_the_token_survives_decoys_and_can_end() {
    let h = Harness::start().await;
    let client = reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let signed_in = client.get(h.api_url(&h.running.auth.login_path().unwrap())).send().await.unwrap();
    let set = signed_in.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    let pair = set.split(';').next().unwrap().to_owned();
    let (name, value) = pair.split_once('=').unwrap();
    assert_eq!(name, format!("hookscope_session_{}", h.api.port()), "named after the API port");
    assert_ne!(value, h.token(), "the session is not the install's token");
    assert!(set.contains("Path=/api"), "scoped to the API's paths: {set}");
    let get = |cookie: String| {
        let (client, url) = (client.clone(), h.api_url("/api/info"));
        async move { client.get(url).header("cookie", cookie).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(get(pair.clone()).await, 200, "the session opens the API");
    assert_eq!(get(format!("{name}={}", h.token())).await, 401, "the token is not a session value");
    assert_eq!(get(format!("hookscope_token={}", h.token())).await, 401, "the old token cookie no longer signs in");
    // Another local page set a cookie of the same name with a longer Path: the
    // browser sends it first. Every value of the name is read.
    assert_eq!(get(format!("{name}=decoy; {pair}")).await, 200, "a decoy does not sign the user out");
    // Signing out ends the session.
    let out = client.delete(h.api_url("/api/session")).header("cookie", &pair).send().await.unwrap();
    assert_eq!(out.status().as_u16(), 204);
    assert!(out.headers().get("set-cookie").unwrap().to_str().unwrap().contains("Max-Age=0"), "the cookie is cleared");
    assert_eq!(get(pair).await, 401, "an ended session opens nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_search_right_after_the_ack_finds_the_delivery() {
    let h = Harness::start().await;
    // The indexer works behind the acks; a search waits (up to 0.5 s) for it
    // to reach what was committed before the search, so nothing is flushed
    // here. On a starved machine the index may still lag: then the reply
    // must say so, and a later search must find it.
    for round in 0..20 {
        let word = format!("kingfisher{round}");
        let (status, id) = h.post("/birds", format!("{{\"seen\":\"{word}\"}}").into_bytes()).await;
        assert_eq!(status, 200);
        let id = id.unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let page = h.api_get(&format!("/api/deliveries?q={word}")).await;
            let found: Vec<&str> =
                page["items"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
            let unsearched = page["unsearched"].as_u64().expect("a full-text reply says what it could not search");
            if unsearched == 0 {
                assert_eq!(found, [id.as_str()], "round {round}: with the index caught up, the delivery is found");
                break;
            }
            assert!(Instant::now() < deadline, "round {round}: the index never caught up ({unsearched} behind)");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let plain = h.api_get("/api/deliveries").await;
    assert!(plain.get("unsearched").is_none(), "only full-text searches report what they could not search");
}

#[tokio::test(flavor = "multi_thread")]
async fn listing_is_newest_first_by_keyset_with_filters_and_full_text_search() {
    let h = Harness::start().await;
    let mut ids = Vec::new();
    for i in 0..25 {
        let path = if i % 5 == 0 { format!("/github/{i}") } else { format!("/stripe/{i}") };
        let body = if i == 13 { b"{\"note\":\"zebrafish\"}".to_vec() } else { b"{\"note\":\"ordinary\"}".to_vec() };
        let method = if i % 2 == 0 { reqwest::Method::POST } else { reqwest::Method::PUT };
        let resp = h.http.request(method, h.capture_url(&path)).body(body).send().await.unwrap();
        ids.push(crate::support::ack(resp).await.1.unwrap());
    }
    h.flush().await;

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("/api/deliveries?limit=10&before={c}"),
            None => "/api/deliveries?limit=10".to_owned(),
        };
        let page = h.api_get(&q).await;
        seen.extend(page["items"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap().to_owned()));
        match page["next"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let newest_first: Vec<String> = ids.iter().rev().cloned().collect();
    assert_eq!(seen, newest_first, "pages walk every delivery once, newest first");

    let github = h.api_get("/api/deliveries?path=/github").await;
    assert_eq!(github["items"].as_array().unwrap().len(), 5, "path prefix filter");
    let puts = h.api_get("/api/deliveries?method=put").await;
    assert_eq!(puts["items"].as_array().unwrap().len(), 12, "method filter, case-insensitive");
    let found = h.api_get("/api/deliveries?q=zebrafish").await;
    let found = found["items"].as_array().unwrap();
    assert_eq!(found.len(), 1, "full-text search finds the one body with the word");
    assert_eq!(found[0]["id"], ids[13].as_str());
    let by_path = h.api_get("/api/deliveries?q=github").await;
    assert_eq!(by_path["items"].as_array().unwrap().len(), 5, "full-text search covers paths");
    let hostile = h.api_get("/api/deliveries?q=%22%20OR%20*%20NEAR(").await;
    assert_eq!(hostile["items"].as_array().unwrap().len(), 0, "FTS syntax in user text is inert, not an error");
    let ok_2xx = h.api_get("/api/deliveries?status=2xx&limit=1000").await;
    assert_eq!(ok_2xx["items"].as_array().unwrap().len(), 25, "status class filter");
    let prefix_stats = h.api_get("/api/stats?path=/stripe").await;
    assert_eq!(prefix_stats["count"], 20, "count per path prefix");

    // A first page says how many match in all; later pages don't recount.
    let total = |q: &'static str| {
        let h = &h;
        async move { h.api_get(q).await["total"].clone() }
    };
    assert_eq!(total("/api/deliveries?limit=2").await, 25, "every delivery, not the page");
    assert_eq!(total("/api/deliveries?limit=2&path=/github").await, 5);
    assert_eq!(total("/api/deliveries?limit=2&method=put").await, 12);
    assert_eq!(total("/api/deliveries?limit=2&method=put&path=/stripe").await, 10);
    assert_eq!(total("/api/deliveries?limit=2&q=zebrafish").await, 1);
    let later = h.api_get(&format!("/api/deliveries?limit=2&before={}", ids[24])).await;
    assert!(later.get("total").is_none(), "only first pages count: {later}");

    let bad = h.http.get(h.api_url("/api/deliveries?status=9xx")).bearer_auth(h.token()).send().await.unwrap();
    assert_eq!(bad.status().as_u16(), 400, "a bad filter is a 400");
    let body: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(body["code"], "invalid_argument", "errors carry a stable code");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rare_path_prefix_is_listed_from_the_path_index_and_the_unindexed_tail() {
    let h = Harness::start().await;
    let rare = h.post("/rare/one", b"{}".to_vec()).await.1.unwrap();
    for i in 0..200 {
        h.post(&format!("/common/{i}"), b"{}".to_vec()).await;
    }
    h.flush().await;
    let listed = h.api_get("/api/deliveries?path=/rare").await;
    let ids: Vec<&str> = listed["items"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [rare.as_str()], "the one delivery under a rare prefix is found");
    // Not indexed yet (no flush): found by the tail scan all the same.
    let fresh = h.post("/rare/two", b"{}".to_vec()).await.1.unwrap();
    let listed = h.api_get("/api/deliveries?path=/rare").await;
    let ids: Vec<&str> = listed["items"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [fresh.as_str(), rare.as_str()], "a just-acked delivery is listed at once, newest first");
    h.flush().await;
    let listed = h.api_get("/api/deliveries?path=/rare").await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 2, "and listed once after indexing, not twice");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_delivery_with_or_without_its_body() {
    let h = Harness::start().await;
    let id = h.post("/one", br#"{"event":"ping"}"#.to_vec()).await.1.unwrap();
    let full = h.api_get(&format!("/api/deliveries/{id}")).await;
    assert_eq!(full["body"], "eyJldmVudCI6InBpbmcifQ==", "base64 of the bytes by default");
    assert_eq!(full["body_text"], r#"{"event":"ping"}"#);
    let head = h.api_get(&format!("/api/deliveries/{id}?body=false")).await;
    assert!(head.get("body").is_none() && head.get("body_text").is_none(), "no body with body=false: {head}");
    for key in ["id", "method", "path", "headers", "response", "http_version", "body_size"] {
        assert_eq!(head[key], full[key], "{key} is the same either way");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_pin_and_clear() {
    let h = Harness::start().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(h.post(&format!("/d/{i}"), b"x".to_vec()).await.1.unwrap());
    }
    let call = |m: reqwest::Method, p: String| h.http.request(m, h.api_url(&p)).bearer_auth(h.token()).send();
    assert_eq!(call(reqwest::Method::DELETE, format!("/api/deliveries/{}", ids[0])).await.unwrap().status(), 204);
    assert_eq!(
        call(reqwest::Method::DELETE, format!("/api/deliveries/{}", ids[0])).await.unwrap().status(),
        404,
        "gone"
    );
    assert_eq!(call(reqwest::Method::PUT, format!("/api/deliveries/{}/pin", ids[1])).await.unwrap().status(), 204);
    let cleared: serde_json::Value =
        call(reqwest::Method::DELETE, "/api/deliveries".into()).await.unwrap().json().await.unwrap();
    assert_eq!(cleared["deleted"], 3, "clear removes the unpinned ones");
    let left = h.api_get("/api/deliveries").await;
    let left = left["items"].as_array().unwrap();
    assert_eq!(left.len(), 1, "the pinned delivery survives a clear");
    assert_eq!(left[0]["pinned"], true);
    assert_eq!(h.api_get("/api/stats").await["count"], 1, "stats follow deletes and clears");
    h.flush().await;
    let after_clear = h.api_get("/api/deliveries?q=d").await;
    assert_eq!(after_clear["items"].as_array().unwrap().len(), 1, "the index still finds the pinned one after a clear");
}

#[tokio::test(flavor = "multi_thread")]
async fn retention_prunes_oldest_unpinned_first() {
    let h = Harness::start_with(|c| c.store.max_deliveries = 10).await;
    let first = h.post("/keep", b"pinned".to_vec()).await.1.unwrap();
    let r = h.http.put(h.api_url(&format!("/api/deliveries/{first}/pin"))).bearer_auth(h.token()).send().await.unwrap();
    assert_eq!(r.status(), 204);
    let mut ids = Vec::new();
    for i in 0..30 {
        ids.push(h.post(&format!("/r/{i}"), vec![b'r'; 100]).await.1.unwrap());
    }
    h.flush().await;
    let page = h.api_get("/api/deliveries?limit=100").await;
    let kept: Vec<&str> = page["items"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(kept.len(), 10, "at most 10 deliveries kept");
    assert!(kept.contains(&first.as_str()), "the pinned delivery is never pruned");
    let newest: Vec<&str> = ids.iter().rev().take(9).map(String::as_str).collect();
    assert_eq!(&kept[..9], newest.as_slice(), "the newest unpinned survive");
}

#[tokio::test(flavor = "multi_thread")]
async fn live_events_arrive_quickly_and_bursts_are_coalesced() {
    let h = Harness::start().await;
    let mut events = h.http.get(h.api_url("/api/events")).bearer_auth(h.token()).send().await.unwrap();
    assert_eq!(events.headers()["content-type"], "text/event-stream");
    let sent = Instant::now();
    let id = h.post("/live", b"{}".to_vec()).await.1.unwrap();
    let mut text = String::new();
    while !text.contains(&id) {
        let chunk = tokio::time::timeout(Duration::from_secs(2), events.chunk()).await.expect("an event within 2 s");
        text.push_str(&String::from_utf8_lossy(&chunk.unwrap().unwrap()));
    }
    assert!(sent.elapsed() < Duration::from_secs(1), "the delivery is announced within 1 s");
    assert!(text.contains("event: deliveries"), "as a deliveries event: {text}");

    // A burst of 2,000 arrives as a handful of batches whose counts add up.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..2000 {
        let (http, url) = (h.http.clone(), h.capture_url("/burst"));
        tasks.spawn(async move { http.post(url).body(format!("{i}")).send().await.unwrap().status() });
    }
    while let Some(s) = tasks.join_next().await {
        assert_eq!(s.unwrap(), 200);
    }
    let mut total = 0;
    let mut batches = 0;
    let mut pending = String::new();
    while total < 2000 {
        let chunk = tokio::time::timeout(Duration::from_secs(3), events.chunk()).await.expect("batches keep coming");
        pending.push_str(&String::from_utf8_lossy(&chunk.unwrap().unwrap()));
        while let Some(end) = pending.find("\n\n") {
            let event: String = pending.drain(..end + 2).collect();
            if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: ")) {
                let v: serde_json::Value = serde_json::from_str(data).unwrap();
                total += v["count"].as_u64().unwrap_or(0);
                assert!(v["items"].as_array().unwrap().len() <= 200, "a batch carries at most 200 summaries");
                batches += 1;
            }
        }
    }
    assert_eq!(total, 2000, "the batches account for every delivery exactly once");
    assert!(batches < 100, "2,000 deliveries arrive in few batches, not one event each (got {batches})");
}

#[tokio::test(flavor = "multi_thread")]
async fn live_rows_get_their_inspection_once_the_indexer_reaches_them() {
    let h = Harness::start().await;
    let mut events = h.http.get(h.api_url("/api/events")).bearer_auth(h.token()).send().await.unwrap();
    // GitHub deliveries one after another while the stream is read: each is
    // announced within moments of its ack, mostly before the indexer (which
    // rests while captures stream in) has inspected it, so its provider must
    // follow in an `analyzed` batch.
    let (http, url) = (h.http.clone(), h.capture_url("/github"));
    let mut sender = Some(tokio::spawn(async move {
        let mut ids = Vec::new();
        for i in 0..150 {
            let resp = http
                .post(&url)
                .header("X-GitHub-Event", "push")
                .header("X-GitHub-Delivery", format!("d-{i}"))
                .body("{}")
                .send()
                .await
                .unwrap();
            ids.push(crate::support::ack(resp).await.1.unwrap());
        }
        ids
    }));
    let mut ids: Option<Vec<String>> = None;
    let mut provider = std::collections::HashMap::new();
    let mut kinds = std::collections::BTreeSet::new();
    let mut pending = String::new();
    // Generous: the indexer runs at nice 19 and a loaded CI machine starves it.
    let deadline = Instant::now() + Duration::from_secs(30);
    let done = |ids: &Option<Vec<String>>, provider: &std::collections::HashMap<String, serde_json::Value>| {
        ids.as_ref().is_some_and(|ids| ids.iter().all(|id| provider.get(id) == Some(&serde_json::json!("github"))))
    };
    while !done(&ids, &provider) {
        assert!(Instant::now() < deadline, "every row learns its provider (saw {kinds:?}; {provider:?})");
        if let Some(finished) = sender.take_if(|s| s.is_finished()) {
            ids = Some(finished.await.unwrap());
            continue;
        }
        let Ok(chunk) = tokio::time::timeout(Duration::from_millis(200), events.chunk()).await else { continue };
        pending.push_str(&String::from_utf8_lossy(&chunk.unwrap().unwrap()));
        while let Some(end) = pending.find("\n\n") {
            let event: String = pending.drain(..end + 2).collect();
            if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: ")) {
                let v: serde_json::Value = serde_json::from_str(data).unwrap();
                kinds.insert(v["type"].as_str().unwrap_or("").to_owned());
                for item in v["items"].as_array().into_iter().flatten() {
                    provider.insert(item["id"].as_str().unwrap().to_owned(), item["provider"].clone());
                }
            }
        }
    }
    assert!(kinds.contains("deliveries"), "announced first: {kinds:?}");
}
