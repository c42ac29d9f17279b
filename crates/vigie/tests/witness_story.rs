#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The core loop, told as the witness and the officer live it, through the real binary.

mod common;

use common::*;
use futures_util::SinkExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

fn send_frame(client_id: &str, body: &str) -> Message {
    Message::Text(
        json!({ "type": "send", "client_id": client_id, "body": body })
            .to_string()
            .into(),
    )
}

#[tokio::test]
async fn witness_and_officer_chat_live_and_the_report_reaches_the_analyst() {
    let server = Server::start();
    let officer = server.staff("operator", "agent.dupont", "").await;
    let analyst = server.staff("analyst", "cross.nord", "59,62").await;
    let other_analyst = server.staff("analyst", "cross.paris", "75").await;

    // The witness starts and gets a receipt code of 16 digits in groups of 4.
    let witness = server.witness().await;
    let groups: Vec<&str> = witness.receipt.split(' ').collect();
    assert_eq!(groups.len(), 4);
    assert!(groups
        .iter()
        .all(|g| g.len() == 4 && g.bytes().all(|b| b.is_ascii_digit())));

    // Before any officer joins, the witness can already write.
    let mut ws = witness.socket(0).await;
    ws.send(send_frame(
        "w1",
        "Il y a un point de vente devant mon immeuble",
    ))
    .await
    .unwrap();
    let frames = until(&mut ws, |f| f["type"] == "ack").await;
    assert_eq!(frames.last().unwrap()["seq"], 1);

    // The officer sees it in the queue, with its waiting time, and takes it.
    let (status, queue) = officer.get("/api/v1/staff/queue").await;
    assert_eq!(status, 200);
    let entry = queue["queue"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["conversation_id"] == witness.id.as_str())
        .unwrap();
    assert!(entry["waiting_seconds"].as_i64().unwrap() >= 0);
    assert_eq!(officer.take(&witness.id).await.0, 200);

    // The witness is told live that an officer joined, then gets the officer's words.
    let joined = until(&mut ws, |f| {
        f["type"] == "event" && f["event"]["kind"] == "officer_joined"
    })
    .await;
    let joined = &joined.last().unwrap()["event"];
    assert_eq!(
        (joined["kind"].as_str(), joined["author"].as_str()),
        (Some("officer_joined"), Some("system"))
    );
    assert_eq!(
        officer
            .say(&witness.id, "o1", "Bonjour, à quelle adresse ?")
            .await
            .0,
        201
    );
    let msg = until(&mut ws, |f| {
        f["type"] == "event" && f["event"]["author"] == "officer"
    })
    .await
    .pop()
    .unwrap();
    assert_eq!(msg["event"]["body"], "Bonjour, à quelle adresse ?");
    assert_eq!(msg["event"]["author"], "officer");
    // The witness never learns who the officer is.
    let text = msg.to_string();
    assert!(
        !text.contains("agent.dupont") && !text.contains("client_id"),
        "{text}"
    );

    // The witness answers; the officer reads the thread.
    ws.send(send_frame("w2", "Résidence des Tilleuls à Lille, hall B"))
        .await
        .unwrap();
    until(&mut ws, |f| f["type"] == "ack").await;
    let (_, case) = officer
        .get(&format!("/api/v1/staff/conversations/{}", witness.id))
        .await;
    let bodies: Vec<&str> = case["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["body"].as_str())
        .collect();
    assert_eq!(
        bodies,
        vec![
            "Il y a un point de vente devant mon immeuble",
            "Bonjour, à quelle adresse ?",
            "Résidence des Tilleuls à Lille, hall B"
        ]
    );

    // The report is saved in versions, then qualified.
    let path = format!("/api/v1/staff/conversations/{}/report", witness.id);
    let (status, saved) = officer
        .call(
            reqwest::Method::PUT,
            &path,
            json!({ "version": 0, "fields": { "activity": "street_sale" } }),
        )
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["report"]["version"], 1);
    let (status, saved) = officer
        .call(
            reqwest::Method::PUT,
            &path,
            json!({ "version": 1, "fields": lille_report() }),
        )
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["report"]["version"], 2);
    assert_eq!(saved["report"]["commune_name"], "Lille");
    let (status, qualified) = officer
        .post(
            &format!("/api/v1/staff/conversations/{}/qualify", witness.id),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{qualified}");
    assert_eq!(qualified["report"]["state"], "qualified");
    assert_eq!(qualified["report"]["departement"], "59");

    // The witness sees the end of the chat.
    let end = until(&mut ws, |f| {
        f["type"] == "event" && f["event"]["kind"] == "closed"
    })
    .await;
    assert_eq!(end.last().unwrap()["event"]["author"], "system");

    // The report is in the inbox of the analysts of the Nord, and only theirs.
    let (_, inbox) = analyst.get("/api/v1/staff/reports").await;
    let reports = inbox["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0]["commune_name"], "Lille");
    let report_id = reports[0]["id"].as_str().unwrap();
    let (status, report) = analyst
        .get(&format!("/api/v1/staff/reports/{report_id}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        report["report"]["fields"]["place"],
        "Résidence des Tilleuls, hall B, côté parking"
    );
    let (_, other) = other_analyst.get("/api/v1/staff/reports").await;
    assert!(other["reports"].as_array().unwrap().is_empty());
    assert_eq!(
        other_analyst
            .get(&format!("/api/v1/staff/reports/{report_id}"))
            .await
            .0,
        404
    );
    // The analyst's read view is a page too.
    let (status, page) = analyst.page(&format!("/staff/reports/{report_id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Résidence des Tilleuls, hall B, côté parking"));
}

#[tokio::test]
async fn witness_reconnects_after_a_dropped_socket_without_gap_or_duplicate() {
    let server = Server::start();
    let officer = server.staff("operator", "agent.martin", "").await;
    let witness = server.witness().await;
    officer.take(&witness.id).await;

    let mut ws = witness.socket(0).await;
    let mut last = 0;
    for i in 1..=3 {
        ws.send(send_frame(&format!("m{i}"), &format!("message {i}")))
            .await
            .unwrap();
    }
    for frame in until(&mut ws, |f| f["type"] == "ack" && f["client_id"] == "m3").await {
        if frame["type"] == "event" {
            last = frame["event"]["seq"].as_u64().unwrap();
        }
    }
    // One more send whose acknowledgement is lost with the connection.
    ws.send(send_frame("m4", "message 4")).await.unwrap();
    drop(ws);

    // While the witness is away, the officer writes.
    for i in 1..=3 {
        assert_eq!(
            officer
                .say(&witness.id, &format!("o{i}"), &format!("réponse {i}"))
                .await
                .0,
            201
        );
    }

    // Reconnect from the last sequence seen, and retry the unacknowledged send.
    let mut ws = witness.socket(last).await;
    ws.send(send_frame("m4", "message 4")).await.unwrap();
    let mut events = Vec::new();
    let mut ack = None;
    while let Some(frame) = next_json_within(&mut ws, std::time::Duration::from_secs(2)).await {
        match frame["type"].as_str() {
            Some("event") => events.push(frame["event"].clone()),
            Some("ack") => ack = Some(frame["seq"].as_u64().unwrap()),
            _ => {}
        }
    }
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    let expected: Vec<u64> = ((last + 1)..=(last + seqs.len() as u64)).collect();
    assert_eq!(seqs, expected, "in order, without gap");
    let bodies: Vec<&str> = events.iter().filter_map(|e| e["body"].as_str()).collect();
    assert_eq!(
        bodies.iter().filter(|b| **b == "message 4").count(),
        1,
        "{bodies:?}"
    );
    for i in 1..=3 {
        assert!(bodies.contains(&format!("réponse {i}").as_str()));
    }
    let m4_seq = events.iter().find(|e| e["body"] == "message 4").unwrap()["seq"].as_u64();
    assert_eq!(ack, m4_seq, "the retry answers the first sequence number");

    // The whole thread, read again from scratch, has every message exactly once.
    let all = witness.event_list().await;
    let all_seqs: Vec<u64> = all.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(all_seqs, (1..=all.len() as u64).collect::<Vec<_>>());
    assert_eq!(all.iter().filter(|e| e["kind"] == "message").count(), 7);
}

#[tokio::test]
async fn the_same_client_id_twice_gives_one_message_and_the_same_seq() {
    let server = Server::start();
    let witness = server.witness().await;
    let (first, body1) = witness.send("retry-1", "Vu ce soir vers 22h").await;
    let (second, body2) = witness.send("retry-1", "Vu ce soir vers 22h").await;
    assert_eq!((first, second), (201, 200));
    assert_eq!(body1["seq"], body2["seq"]);
    let events = witness.event_list().await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["client_id"], "retry-1");
}

#[tokio::test]
async fn resuming_with_the_receipt_code_continues_the_thread_and_revokes_old_tokens() {
    let server = Server::start();
    let witness = server.witness().await;
    witness.send("a", "premier message").await;
    let mut old_socket = witness.socket(0).await;

    let r = server
        .http
        .post(server.url("/api/v1/witness/resume"))
        .json(&json!({ "receipt_code": witness.receipt }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["conversation_id"], witness.id.as_str());
    let resumed = WitnessClient {
        token: body["token"].as_str().unwrap().to_owned(),
        ..clone(&witness)
    };

    // The new device sees the same thread and can continue it.
    let events = resumed.event_list().await;
    assert_eq!(events[0]["body"], "premier message");
    assert_eq!(
        resumed.send("b", "suite depuis un autre appareil").await.0,
        201
    );

    // The old token no longer works, over HTTP or on the open socket.
    assert_eq!(witness.events(0).await.0, 401);
    assert_eq!(witness.send("c", "encore").await.0, 401);
    let frames = until(&mut old_socket, |f| f["type"] == "error").await;
    assert_eq!(frames.last().unwrap()["code"], "unauthorized");

    // A wrong code gets a generic 404.
    let r = server
        .http
        .post(server.url("/api/v1/witness/resume"))
        .json(&json!({ "receipt_code": "0000 0000 0000 0000" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "receipt-unknown");
    assert!(body["error"]["message"].as_str().unwrap().contains("16"));
}

fn clone(w: &WitnessClient) -> WitnessClient {
    WitnessClient {
        base: w.base.clone(),
        addr: w.addr.clone(),
        id: w.id.clone(),
        token: w.token.clone(),
        receipt: w.receipt.clone(),
        http: w.http.clone(),
    }
}

#[tokio::test]
async fn a_witness_who_ends_the_conversation_can_no_longer_use_the_token() {
    let server = Server::start();
    let officer = server.staff("operator", "agent.leroy", "").await;
    let witness = server.witness().await;
    officer.take(&witness.id).await;
    witness.send("x", "je dois partir").await;
    let (status, body) = witness.post("/api/v1/witness/close", json!({})).await;
    assert_eq!((status, body["closed"].as_bool()), (200, Some(true)));
    assert_eq!(witness.events(0).await.0, 401);
    assert_eq!(witness.send("y", "encore").await.0, 401);
    // The officer sees that the witness left, and can still finish the report.
    let (_, case) = officer
        .get(&format!("/api/v1/staff/conversations/{}", witness.id))
        .await;
    assert_eq!(case["conversation"]["witness_left"], true);
    let last = case["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["kind"].as_str(), last["author"].as_str()),
        (Some("closed"), Some("witness"))
    );
    let path = format!("/api/v1/staff/conversations/{}/report", witness.id);
    assert_eq!(
        officer
            .call(
                reqwest::Method::PUT,
                &path,
                json!({ "version": 0, "fields": lille_report() })
            )
            .await
            .0,
        200
    );
    assert_eq!(
        officer
            .post(
                &format!("/api/v1/staff/conversations/{}/qualify", witness.id),
                json!({})
            )
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn long_polling_returns_as_soon_as_the_officer_answers() {
    let server = Server::start();
    let officer = server.staff("operator", "agent.petit", "").await;
    let witness = server.witness().await;
    officer.take(&witness.id).await;
    let after = witness.event_list().await.len() as u64;
    let http = witness.http.clone();
    let url = format!(
        "{}/api/v1/witness/events?after={after}&wait=20",
        witness.base
    );
    let token = witness.token.clone();
    let started = std::time::Instant::now();
    let poll = tokio::spawn(async move {
        http.get(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    officer
        .say(&witness.id, "lp", "Êtes-vous en sécurité ?")
        .await;
    let body = poll.await.unwrap();
    assert_eq!(body["events"][0]["body"], "Êtes-vous en sécurité ?");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "the poll returned on the event, not the timeout"
    );
}

#[tokio::test]
async fn a_long_poll_with_a_token_replaced_elsewhere_is_refused_at_once() {
    let server = Server::start();
    let witness = server.witness().await;
    let http = witness.http.clone();
    let url = format!("{}/api/v1/witness/events?after=0&wait=25", witness.base);
    let token = witness.token.clone();
    let poll = tokio::spawn(async move {
        http.get(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let r = server
        .http
        .post(server.url("/api/v1/witness/resume"))
        .json(&json!({ "receipt_code": witness.receipt }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let status = tokio::time::timeout(std::time::Duration::from_secs(10), poll)
        .await
        .expect("answered before its wait ran out")
        .unwrap();
    assert_eq!(status, 401);
}
