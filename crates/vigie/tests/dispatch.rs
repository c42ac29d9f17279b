#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Dispatch through the real server (issue 6): officers on shift with a live console get
//! conversations offered, one officer per conversation, in dispatch order; accepting takes it,
//! declining passes it to a colleague; a warm handover moves a held conversation with its note,
//! and the witness only sees the conversation go on.

mod common;

use common::*;
use futures_util::SinkExt;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// Reads console frames until one carries offers matching `pred`.
async fn offers_until(ws: &mut Ws, mut pred: impl FnMut(&[Value]) -> bool) -> Vec<Value> {
    for _ in 0..100 {
        let Some(frame) = next_json_within(ws, Duration::from_secs(5)).await else {
            break;
        };
        if frame["type"] == "queue" {
            let offers = frame["offers"].as_array().cloned().unwrap_or_default();
            if pred(&offers) {
                return offers;
            }
        }
    }
    panic!("no console frame with the expected offers");
}

async fn on_shift(officer: &StaffClient) -> Ws {
    let ws = officer.socket().await;
    let (status, _) = officer
        .post("/api/v1/staff/me/duty", json!({"duty": "on_shift"}))
        .await;
    assert_eq!(status, 200);
    ws
}

#[tokio::test]
async fn offers_go_to_one_officer_accept_takes_decline_passes_and_handover_moves_the_chat() {
    let server = Server::start();
    let a = server.staff("operator", "agent.a", "").await;
    let b = server.staff("operator", "agent.b", "").await;
    let lead = server.staff("supervisor", "chef.dispatch", "").await;
    let mut ws_a = on_shift(&a).await;
    let mut ws_b = on_shift(&b).await;

    // A witness opens: exactly one of the two officers gets the offer.
    let first = server.witness().await;
    let mut offered_to = None;
    for _ in 0..50 {
        let (_, board) = lead.get("/api/v1/staff/board").await;
        assert_eq!(board["queue_depth"], 1);
        let (sa, sb) = (
            offers_of(&a, &first.id, &mut ws_a).await,
            offers_of(&b, &first.id, &mut ws_b).await,
        );
        assert!(!(sa && sb), "offered to two officers at once");
        if sa || sb {
            offered_to = Some(if sa { "a" } else { "b" });
            break;
        }
    }
    let (holder, other, ws_other) = match offered_to.expect("an offer was made") {
        "a" => (&a, &b, &mut ws_b),
        _ => (&b, &a, &mut ws_a),
    };
    // The lead's board shows the pending offer on that officer's row.
    let (_, board) = lead.get("/api/v1/staff/board").await;
    let offered: u64 = board["officers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["offered"].as_u64().unwrap())
        .sum();
    assert_eq!(offered, 1, "{board}");
    assert_eq!(board["alerts"], json!([]));
    // The other officer cannot take it while it is offered; the offered one accepts it.
    assert_eq!(other.take(&first.id).await.0, 409);
    let path = format!("/api/v1/staff/offers/{}/accept", first.id);
    let (status, body) = other.post(&path, json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("offer-gone"))
    );
    let (status, body) = holder.post(&path, json!({})).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = holder
        .say(&first.id, "o1", "Bonjour, je vous écoute.")
        .await;
    assert_eq!(status, 201);

    // A second witness: offered (the least loaded officer first: the other one), declined,
    // then offered to the first officer.
    let second = server.witness().await;
    offers_until(ws_other, |o| {
        o.iter().any(|x| x["conversation_id"] == second.id.as_str())
    })
    .await;
    let (status, _) = other
        .post(
            &format!("/api/v1/staff/offers/{}/decline", second.id),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let mut taken_by_holder = false;
    for _ in 0..50 {
        let (status, _) = holder
            .post(
                &format!("/api/v1/staff/offers/{}/accept", second.id),
                json!({}),
            )
            .await;
        if status == 200 {
            taken_by_holder = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        taken_by_holder,
        "the declined chat was offered to the colleague"
    );

    // Warm handover of the first chat to the other officer, with its note.
    let (status, body) = holder
        .post(
            &format!("/api/v1/staff/conversations/{}/handover", first.id),
            json!({"to": null, "note": ""}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("handover-note-required"))
    );
    // The holder's console watches the thread live until the handover.
    let mut watching = holder.socket().await;
    watching
        .send(Message::Text(
            json!({"type": "watch", "conversation_id": first.id, "after": 0})
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
    until(&mut watching, |f| f["type"] == "event").await;
    let other_id = board_id(
        &lead,
        if offered_to == Some("a") {
            "agent.b"
        } else {
            "agent.a"
        },
    )
    .await;
    let (status, body) = holder
        .post(
            &format!("/api/v1/staff/conversations/{}/handover", first.id),
            json!({"to": other_id, "note": "Le témoin a vu deux guetteurs, demander l'heure."}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = other
        .get(&format!("/api/v1/staff/conversations/{}", first.id))
        .await;
    assert_eq!(status, 200, "the receiver now holds it");
    let (status, _) = holder
        .get(&format!("/api/v1/staff/conversations/{}", first.id))
        .await;
    assert_eq!(status, 403, "the giver no longer does");
    // Nor does their open console: the next witness message is not pushed to it.
    let (status, _) = first.send("w-after", "Message après le transfert").await;
    assert_eq!(status, 201);
    let mut refused = false;
    while let Some(f) = next_json_within(&mut watching, Duration::from_secs(3)).await {
        assert!(
            !f.to_string().contains("après le transfert"),
            "the former holder still reads the thread: {f}"
        );
        if f["type"] == "error" && f["code"] == "forbidden" {
            refused = true;
            break;
        }
    }
    assert!(
        refused,
        "the former holder's socket is told it lost the conversation"
    );
    let (_, console) = other.page("/staff/console").await;
    assert!(
        console.contains("demander l"),
        "the receiver reads the note: {console}"
    );
    // The witness sees no trace of it: only the conversation going on.
    let kinds: Vec<String> = first
        .event_list()
        .await
        .iter()
        .map(|e| format!("{}/{}", e["kind"], e["author"]))
        .collect();
    assert!(!kinds.iter().any(|k| k.contains("handover")), "{kinds:?}");
}

async fn offers_of(officer: &StaffClient, conversation: &str, ws: &mut Ws) -> bool {
    let _ = officer;
    match next_json_within(ws, Duration::from_millis(200)).await {
        Some(frame) if frame["type"] == "queue" => frame["offers"]
            .as_array()
            .is_some_and(|o| o.iter().any(|x| x["conversation_id"] == conversation)),
        _ => false,
    }
}

async fn board_id(lead: &StaffClient, username: &str) -> String {
    let (_, board) = lead.get("/api/v1/staff/board").await;
    board["officers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["username"] == username)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_wait_beyond_the_target_alerts_the_lead_at_its_deadline() {
    // The shortest target allowed; the runtime wakes at the deadline by itself (no poll).
    let server = Server::start_with(&[("VIGIE_RESPONSE_TARGET_SECONDS", "10")]);
    let lead = server.staff("supervisor", "chef.alerte", "").await;
    let witness = server.witness().await;
    let (_, board) = lead.get("/api/v1/staff/board").await;
    assert_eq!(board["alerts"], json!([]), "{board}");
    assert_eq!(board["at_risk"], json!([]));
    tokio::time::sleep(Duration::from_millis(10_500)).await;
    let mut found = None;
    for _ in 0..30 {
        let (_, board) = lead.get("/api/v1/staff/board").await;
        if let Some(a) = board["alerts"].as_array().and_then(|a| a.first()).cloned() {
            assert_eq!(board["at_risk"][0]["conversation_id"], witness.id.as_str());
            found = Some(a);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let alert = found.expect("a long-wait alert at the target");
    assert_eq!(alert["reason"], "long_wait");
    assert_eq!(alert["conversation_id"], witness.id.as_str());
    let (_, page) = lead.page("/staff/board").await;
    assert!(page.contains("Attente au-delà de l"), "{page}");
}

#[tokio::test]
async fn an_unanswered_offer_moves_to_a_colleague_at_its_timeout() {
    let server = Server::start_with(&[("VIGIE_OFFER_TIMEOUT_SECONDS", "5")]);
    let a = server.staff("operator", "agent.lent", "").await;
    let b = server.staff("operator", "agent.vif", "").await;
    let lead = server.staff("supervisor", "chef.delai", "").await;
    let _ws_a = on_shift(&a).await;
    let _ws_b = on_shift(&b).await;
    let witness = server.witness().await;
    let holder_of_offer = |board: &Value| -> Option<String> {
        board["officers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["offered"] == 1)
            .map(|o| o["username"].as_str().unwrap().to_owned())
    };
    let mut first = None;
    for _ in 0..50 {
        let (_, board) = lead.get("/api/v1/staff/board").await;
        if let Some(name) = holder_of_offer(&board) {
            first = Some(name);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let first = first.expect("offered to someone");
    // Nobody answers: at the timeout the runtime wakes by itself and offers it to the other.
    tokio::time::sleep(Duration::from_millis(5_200)).await;
    let mut second = None;
    for _ in 0..30 {
        let (_, board) = lead.get("/api/v1/staff/board").await;
        if let Some(name) = holder_of_offer(&board).filter(|n| *n != first) {
            second = Some(name);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        second.is_some(),
        "the offer moved from {first} to the colleague"
    );
    let (_, board) = lead.get("/api/v1/staff/board").await;
    assert_eq!(
        board["queue_depth"], 1,
        "still waiting, never lost: {board}"
    );
    let _ = witness;
}

#[tokio::test]
async fn a_witness_in_danger_goes_first_in_the_queue() {
    let server = Server::start();
    let calm = server.witness().await;
    let proof = server.proof().await;
    let r = server
        .http
        .post(server.url("/api/v1/witness/conversations"))
        .json(&json!({"locale": "fr", "proof": proof, "priority": "imminent_danger"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let urgent: Value = r.json().await.unwrap();
    let urgent_id = urgent["conversation_id"].as_str().unwrap().to_owned();
    let officer = server.staff("operator", "agent.urgence", "").await;
    let (_, queue) = officer.get("/api/v1/staff/queue").await;
    let order: Vec<&str> = queue["queue"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["conversation_id"].as_str().unwrap())
        .collect();
    assert_eq!(order, vec![urgent_id.as_str(), calm.id.as_str()], "{queue}");
    assert_eq!(queue["queue"][0]["priority"], 3);
    // An unknown urgency is refused, typed, and opens nothing.
    let proof = server.proof().await;
    let r = server
        .http
        .post(server.url("/api/v1/witness/conversations"))
        .json(&json!({"locale": "fr", "proof": proof, "priority": "apocalypse"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "priority-invalid");
    let (_, queue) = officer.get("/api/v1/staff/queue").await;
    assert_eq!(queue["queue"].as_array().unwrap().len(), 2);
}
