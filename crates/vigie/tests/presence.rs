#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Officer presence (issue 6): duty set by the officer, liveness from the staff socket's
//! heartbeats, capacity set by the shift lead; the lead's board; and what a waiting witness is
//! told — their place in the queue and an estimated wait, or that nobody is on duty.

mod common;

use common::*;
use serde_json::{json, Value};

fn officer<'a>(board: &'a Value, username: &str) -> &'a Value {
    board["officers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["username"] == username)
        .unwrap_or_else(|| panic!("{username} on the board: {board}"))
}

async fn queue_of(server: &Server, w: &WitnessClient) -> Value {
    server
        .http
        .get(server.url("/api/v1/witness/queue"))
        .bearer_auth(&w.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn duty_liveness_and_capacity_reach_the_board_and_the_waiting_witness() {
    let server = Server::start();
    let agent = server.staff("operator", "agent.presence", "").await;
    let lead = server.staff("supervisor", "chef.presence", "").await;

    // Nobody on shift: the witness is told to leave their information now.
    let first = server.witness().await;
    let q = queue_of(&server, &first).await;
    assert_eq!(q["waiting"], true, "{q}");
    assert_eq!(q["position"], 1);
    assert_eq!(q["estimated_wait_seconds"], Value::Null);
    assert_eq!(q["officers_on_duty"], 0);
    let page = server
        .http
        .post(server.url("/"))
        .form(&[("action", "refresh"), ("token", first.token.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Aucun agent n"),
        "the no-script page says so too"
    );
    assert!(page.contains("id=\"queue-info\""));

    // A new account is off duty and never seen.
    let (status, board) = lead.get("/api/v1/staff/board").await;
    assert_eq!(status, 200, "{board}");
    let row = officer(&board, "agent.presence");
    assert_eq!(row["duty"], "off_duty");
    assert_eq!(row["alive"], false);
    assert_eq!(row["last_seen_seconds"], Value::Null);
    assert_eq!(row["capacity"], 3);
    assert_eq!(board["queue_depth"], 1);

    // The officer goes on shift; their console's socket makes them live.
    let (status, answer) = agent
        .post("/api/v1/staff/me/duty", json!({"duty": "on_shift"}))
        .await;
    assert_eq!((status, answer["duty"].as_str()), (200, Some("on_shift")));
    let (status, answer) = agent
        .post("/api/v1/staff/me/duty", json!({"duty": "asleep"}))
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (422, Some("duty-invalid"))
    );
    let _socket = agent.socket().await;
    let mut live = false;
    for _ in 0..50 {
        let (_, board) = lead.get("/api/v1/staff/board").await;
        if officer(&board, "agent.presence")["alive"] == true {
            live = true;
            assert_eq!(board["officers_live"], 1);
            assert_eq!(board["free_slots"], 3);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(live, "the socket's heartbeat makes the officer live");

    // With one officer of capacity 3 and no history: 1 × 15 min ÷ 3 places.
    let second = server.witness().await;
    let q = queue_of(&server, &first).await;
    assert_eq!(
        (q["position"].as_u64(), q["officers_on_duty"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(q["estimated_wait_seconds"], 300);
    let q = queue_of(&server, &second).await;
    assert_eq!(q["position"], 2);
    assert_eq!(q["estimated_wait_seconds"], 600);

    // The lead sets the capacity: the estimate follows; out of bounds and non-leads refused.
    let target = officer(&board_of(&lead).await, "agent.presence")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/staff/officers/{target}/capacity");
    let (status, _) = lead.post(&path, json!({"capacity": 5})).await;
    assert_eq!(status, 200);
    let q = queue_of(&server, &second).await;
    assert_eq!(q["estimated_wait_seconds"], 360, "2 × 15 min ÷ 5");
    let (status, answer) = lead.post(&path, json!({"capacity": 0})).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (422, Some("capacity-invalid"))
    );
    let (status, _) = agent.post(&path, json!({"capacity": 9})).await;
    assert_eq!(status, 403);
    let (status, _) = agent.get("/api/v1/staff/board").await;
    assert_eq!(status, 403);
    assert_eq!(
        officer(&board_of(&lead).await, "agent.presence")["capacity"],
        5
    );

    // Taking the first chat: its witness is no longer waiting; the second moves up.
    assert_eq!(agent.take(&first.id).await.0, 200);
    assert_eq!(queue_of(&server, &first).await, json!({"waiting": false}));
    assert_eq!(queue_of(&server, &second).await["position"], 1);
    let board = board_of(&lead).await;
    assert_eq!(officer(&board, "agent.presence")["held"], 1);
    assert_eq!(board["free_slots"], 4);

    // A break: the officer keeps their chat but no longer counts as on duty.
    let (status, _) = agent
        .post("/api/v1/staff/me/duty", json!({"duty": "on_break"}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        queue_of(&server, &second).await["estimated_wait_seconds"],
        Value::Null
    );

    // Every duty and capacity change is audited; the board's page draws the same figures.
    let auditor = server.staff("auditor", "audit.presence", "").await;
    let (_, log) = auditor.get("/api/v1/staff/audit?action=duty_changed").await;
    assert_eq!(log["entries"].as_array().map(Vec::len), Some(2), "{log}");
    let (_, log) = auditor
        .get("/api/v1/staff/audit?action=capacity_changed")
        .await;
    assert_eq!(log["entries"].as_array().map(Vec::len), Some(1), "{log}");
    let (status, page) = lead.page("/staff/board").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("agent.presence") && page.contains("En pause"),
        "{page}"
    );
    let (status, _) = agent.page("/staff/board").await;
    assert_eq!(status, 403);
}

async fn board_of(lead: &StaffClient) -> Value {
    let (status, board) = lead.get("/api/v1/staff/board").await;
    assert_eq!(status, 200);
    board
}
