#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! PostgreSQL goes away while a node runs: requests fail fast with "temporarily unavailable",
//! and work again when it is back, without restarting Vigie.
//!
//! This test stops the machine's PostgreSQL, so it runs alone: the test command runs it in a
//! step of its own and sets `VIGIE_TEST_PG_CTL` (for example
//! `pg_ctlcluster --skip-systemctl-redirect 15 main`) only there.

mod common;

use common::*;
use serde_json::Value;
use std::process::Command;
use std::time::{Duration, Instant};

fn pg_ctl(action: &str) {
    let ctl = std::env::var("VIGIE_TEST_PG_CTL").unwrap();
    let mut parts = ctl.split_whitespace();
    let out = Command::new(parts.next().unwrap())
        .args(parts)
        .arg(action)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{ctl} {action}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Starts PostgreSQL again even if an assertion fails half-way.
struct Restart;

impl Drop for Restart {
    fn drop(&mut self) {
        pg_ctl("start");
    }
}

#[tokio::test]
async fn a_postgres_restart_gives_clear_temporary_errors_then_service_resumes() {
    if std::env::var("VIGIE_TEST_PG_CTL").is_err() {
        eprintln!("VIGIE_TEST_PG_CTL is not set: the PostgreSQL restart test did not run");
        return;
    }
    let Some(db) = PgDatabase::create() else {
        return;
    };
    let server = Server::start_with(&[("VIGIE_DATABASE_URL", &db.url)]);
    let witness = server.witness().await;
    assert_eq!(witness.send("before", "avant la coupure").await.0, 201);

    let guard = Restart;
    pg_ctl("stop");
    for i in 0..3 {
        let started = Instant::now();
        let (status, body) = witness
            .send(&format!("during{i}"), "pendant la coupure")
            .await;
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["error"]["code"], "unavailable");
        assert!(body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("indisponible"));
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "bounded: {:?}",
            started.elapsed()
        );
    }
    let ready = server.http.get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    assert_eq!(
        server
            .http
            .get(server.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    drop(guard); // PostgreSQL starts again

    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = server.http.get(server.url("/readyz")).send().await.unwrap();
        if r.status() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "not ready again after a minute");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // The same client retries what failed: each is stored once.
    for i in 0..3 {
        let (status, _) = witness
            .send(&format!("during{i}"), "pendant la coupure")
            .await;
        assert_eq!(status, 201);
    }
    let events = witness.event_list().await;
    let bodies: Vec<&str> = events.iter().filter_map(|e| e["body"].as_str()).collect();
    assert_eq!(
        bodies,
        vec![
            "avant la coupure",
            "pendant la coupure",
            "pendant la coupure",
            "pendant la coupure"
        ]
    );
    let _: Vec<Value> = events;
    // The process survived it all.
    assert!(!server.log().contains("panicked"), "{}", server.log());
}
