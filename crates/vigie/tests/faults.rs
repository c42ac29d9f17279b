#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Crashes in the middle of a burst: every acknowledged message survives exactly once, in
//! order, and retrying what was not acknowledged never duplicates anything.

mod common;

use common::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

const BURST: usize = 400;

/// Sends a burst of witness messages over the socket; once `kill_after` acknowledgements have
/// arrived, runs `crash`. Returns the acknowledgements received before the socket died.
async fn burst_then_crash(ws: Ws, kill_after: usize, crash: impl FnOnce()) -> HashMap<String, u64> {
    let (mut sink, mut stream) = ws.split();
    let sender = tokio::spawn(async move {
        for i in 0..BURST {
            let frame = json!({"type": "send", "client_id": format!("b{i}"), "body": format!("rafale {i}")});
            if sink
                .send(Message::Text(frame.to_string().into()))
                .await
                .is_err()
            {
                break;
            }
        }
    });
    let mut acked = HashMap::new();
    let mut crash = Some(crash);
    while let Ok(Some(Ok(msg))) = tokio::time::timeout(Duration::from_secs(10), stream.next()).await
    {
        let Message::Text(text) = msg else { continue };
        let frame: Value = serde_json::from_str(&text).unwrap();
        if frame["type"] == "ack" {
            acked.insert(
                frame["client_id"].as_str().unwrap().to_owned(),
                frame["seq"].as_u64().unwrap(),
            );
            if acked.len() == kill_after {
                if let Some(crash) = crash.take() {
                    crash();
                }
            }
        }
    }
    sender.abort();
    assert!(
        crash.is_none(),
        "the crash happened mid-burst ({} acks)",
        acked.len()
    );
    assert!(
        acked.len() >= kill_after && acked.len() < BURST,
        "{} acks",
        acked.len()
    );
    acked
}

/// Checks the thread after the crash, then retries everything unacknowledged.
async fn verify_and_retry(witness: &WitnessClient, acked: &HashMap<String, u64>) {
    let events = witness.event_list().await;
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(
        seqs,
        (1..=events.len() as u64).collect::<Vec<_>>(),
        "in order, no gap"
    );
    let mut by_client: HashMap<String, Vec<u64>> = HashMap::new();
    for e in &events {
        if let Some(c) = e["client_id"].as_str() {
            by_client
                .entry(c.to_owned())
                .or_default()
                .push(e["seq"].as_u64().unwrap());
        }
    }
    for (client_id, seq) in acked {
        assert_eq!(
            by_client.get(client_id),
            Some(&vec![*seq]),
            "acknowledged {client_id} present once, at its seq"
        );
    }
    assert!(by_client.values().all(|v| v.len() == 1), "no duplicate");
    // The client retries every send it has no acknowledgement for.
    for i in 0..BURST {
        let client_id = format!("b{i}");
        if acked.contains_key(&client_id) {
            continue;
        }
        let (status, body) = witness.send(&client_id, &format!("rafale {i}")).await;
        assert!(
            status == 201 || status == 200,
            "{client_id}: {status} {body}"
        );
    }
    let events = witness.event_list().await;
    let messages: Vec<&Value> = events.iter().filter(|e| e["kind"] == "message").collect();
    assert_eq!(
        messages.len(),
        BURST,
        "every message exactly once after the retries"
    );
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=events.len() as u64).collect::<Vec<_>>());
}

const UNLIMITED: &[(&str, &str)] = &[
    ("VIGIE_MESSAGE_BURST", "1000"),
    ("VIGIE_MESSAGE_PER_MINUTE", "60000"),
];

#[tokio::test]
async fn sqlite_kill_9_mid_burst_keeps_every_acknowledged_message_once() {
    // The burst is the test's load, not abuse: the per-conversation limit is lifted.
    let mut server = Server::start_with(UNLIMITED);
    let witness = server.witness().await;
    let ws = witness.socket(0).await;
    let pid_server = std::cell::RefCell::new(&mut server);
    let acked = burst_then_crash(ws, 120, || pid_server.borrow_mut().kill_9()).await;
    server.restart();
    let witness = WitnessClient {
        base: server.base.clone(),
        addr: server.addr.clone(),
        http: server.http.clone(),
        ..witness
    };
    // The page reconnects with its last sequence and gets the rest.
    let mut ws = witness.socket(0).await;
    let first = next_json(&mut ws).await.unwrap();
    assert_eq!(first["type"], "event");
    verify_and_retry(&witness, &acked).await;
    // The database file is sound.
    let out = server.cli(&["check"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok");
}

#[tokio::test]
async fn postgres_node_killed_mid_burst_both_sides_continue_on_the_other_node() {
    let Some(db) = PgDatabase::create() else {
        return;
    };
    let mut a = Server::start_with(&[("VIGIE_DATABASE_URL", &db.url), UNLIMITED[0], UNLIMITED[1]]);
    let b = a.another_node();
    let officer_a = a.staff("operator", "agent.crash", "").await;
    let witness = a.witness().await;
    assert_eq!(officer_a.take(&witness.id).await.0, 200);
    let ws = witness.socket(0).await;
    let node_a = std::cell::RefCell::new(&mut a);
    let acked = burst_then_crash(ws, 150, || node_a.borrow_mut().kill_9()).await;

    // The witness reconnects to node B; the officer logs in there.
    let witness = WitnessClient {
        base: b.base.clone(),
        addr: b.addr.clone(),
        http: b.http.clone(),
        ..witness
    };
    let mut ws = witness.socket(0).await;
    assert_eq!(next_json(&mut ws).await.unwrap()["type"], "event");
    verify_and_retry(&witness, &acked).await;
    let officer_b = b.login("agent.crash", "agent.crash-secret-password").await;
    assert_eq!(
        officer_b
            .say(&witness.id, "after-crash", "Toujours là ?")
            .await
            .0,
        201
    );
    until(&mut ws, |f| {
        f["type"] == "event" && f["event"]["body"] == "Toujours là ?"
    })
    .await;
    let (_, case) = officer_b
        .get(&format!("/api/v1/staff/conversations/{}", witness.id))
        .await;
    let bodies = case["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["author"] == "witness")
        .count();
    assert_eq!(bodies, BURST);
}
