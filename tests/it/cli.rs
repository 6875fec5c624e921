//! The `hookscope` binary: list and show read the database directly, also
//! while `serve` writes to it.

use std::process::{Command, Stdio};

use crate::support::Harness;

fn hookscope(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hookscope"))
        .args(args)
        .env("HOOKSCOPE_HOME", std::env::temp_dir().join("hookscope-cli-test-home"))
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

#[tokio::test(flavor = "multi_thread")]
async fn list_and_show_read_the_live_database() {
    let h = Harness::start().await;
    let binary: Vec<u8> = (0..=255u8).rev().collect();
    let id = h.post("/cli/binary", binary.clone()).await.1.unwrap();
    let json_id = h.post("/cli/json", br#"{"a":1}"#.to_vec()).await.1.unwrap();
    let db = h.db_path();
    let db = db.to_str().unwrap();

    let list = hookscope(&["list", "--db", db, "--json"]);
    assert!(list.status.success(), "list succeeds: {}", String::from_utf8_lossy(&list.stderr));
    let rows: Vec<serde_json::Value> =
        String::from_utf8(list.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 2, "one JSON object per delivery");
    assert_eq!(rows[0]["id"], json_id.as_str(), "newest first");
    assert_eq!(rows[1]["id"], id.as_str());

    let body = hookscope(&["show", &id, "--db", db, "--body"]);
    assert!(body.status.success());
    assert_eq!(body.stdout, binary, "show --body writes exactly the body's bytes");

    let text = hookscope(&["show", &json_id, "--db", db]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("POST /cli/json HTTP/1.1") && text.contains(r#"{"a":1}"#),
        "show prints request and body: {text}"
    );
    let human = String::from_utf8(hookscope(&["list", "--db", db]).stdout).unwrap();
    assert!(human.contains("/cli/binary") && human.contains("256 B"), "list prints a readable table: {human}");
}

#[test]
fn errors_are_one_line_and_a_non_zero_exit() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.db");
    for (args, expect) in [
        (vec!["list", "--db", missing.to_str().unwrap()], "no database at"),
        (vec!["show", "dlv_bogus", "--db", missing.to_str().unwrap()], "not a delivery id"),
        (vec!["show", "dlv_0000000000001", "--db", missing.to_str().unwrap()], "no database at"),
    ] {
        let out = hookscope(&args);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?} exits 1");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: one line, no backtrace: {stderr}");
        assert!(stderr.contains(expect), "{args:?}: {stderr}");
    }
    assert!(!missing.exists(), "reading never creates a database");
}
