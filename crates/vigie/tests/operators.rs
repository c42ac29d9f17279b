#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Officers on the queue: races, need-to-know, internal notes, and who may do what.

mod common;

use common::*;
use futures_util::SinkExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn two_operators_racing_for_one_conversation_exactly_one_wins() {
    let server = Server::start();
    let mut officers = Vec::new();
    for i in 0..4 {
        officers.push(server.staff("operator", &format!("agent{i}"), "").await);
    }
    for round in 0..3 {
        let witness = server.witness().await;
        witness.send("m", &format!("bonjour {round}")).await;
        let results =
            futures_util::future::join_all(officers.iter().map(|o| o.take(&witness.id))).await;
        let winners: Vec<usize> = results
            .iter()
            .enumerate()
            .filter(|(_, r)| r.0 == 200)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: {results:?}");
        for (i, (status, body)) in results.iter().enumerate() {
            if i != winners[0] {
                assert_eq!(*status, 409);
                assert_eq!(body["error"]["code"], "already-taken");
                assert!(
                    body["error"]["message"].as_str().unwrap().contains("déjà"),
                    "told clearly, in French"
                );
                // The loser no longer sees the content.
                let (status, _) = officers[i]
                    .get(&format!("/api/v1/staff/conversations/{}", witness.id))
                    .await;
                assert_eq!(status, 403);
                assert_eq!(officers[i].say(&witness.id, "x", "intrusion").await.0, 403);
            }
        }
        let winner = &officers[winners[0]];
        assert_eq!(
            winner
                .get(&format!("/api/v1/staff/conversations/{}", witness.id))
                .await
                .0,
            200
        );
        // Exactly one officer-joined event.
        let joined = witness
            .event_list()
            .await
            .into_iter()
            .filter(|e| e["kind"] == "officer_joined")
            .count();
        assert_eq!(joined, 1);
    }
}

#[tokio::test]
async fn take_next_serves_the_longest_waiting_witness_and_the_queue_is_live() {
    let server = Server::start();
    let officer = server.staff("operator", "agent.file", "").await;
    let mut live = officer.socket().await;
    let first = until(&mut live, |f| f["type"] == "queue")
        .await
        .pop()
        .unwrap();
    assert!(first["queue"].as_array().unwrap().is_empty());

    let oldest = server.witness().await;
    // The console is told of the new conversation without reloading.
    let update = until(&mut live, |f| {
        f["type"] == "queue" && !f["queue"].as_array().unwrap().is_empty()
    })
    .await
    .pop()
    .unwrap();
    assert_eq!(update["queue"][0]["conversation_id"], oldest.id.as_str());
    let newer = server.witness().await;

    let (status, taken) = officer
        .post("/api/v1/staff/queue/take-next", json!({}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(taken["conversation_id"], oldest.id.as_str());
    let (_, taken) = officer
        .post("/api/v1/staff/queue/take-next", json!({}))
        .await;
    assert_eq!(taken["conversation_id"], newer.id.as_str());
    let (status, empty) = officer
        .post("/api/v1/staff/queue/take-next", json!({}))
        .await;
    assert_eq!(
        (status, empty["error"]["code"].as_str()),
        (404, Some("queue-empty"))
    );
    let (_, mine) = officer.get("/api/v1/staff/conversations").await;
    assert_eq!(mine["conversations"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn internal_notes_never_reach_the_witness_by_any_path() {
    let server = Server::start();
    let officer = server.staff("operator", "agent.notes", "").await;
    let witness = server.witness().await;
    let mut ws = witness.socket(0).await;
    officer.take(&witness.id).await;
    let marker = "NOTE-INTERNE-7f3a";
    let (status, note) = officer
        .post(
            &format!("/api/v1/staff/conversations/{}/notes", witness.id),
            json!({ "body": format!("{marker} : véhicule déjà connu") }),
        )
        .await;
    assert_eq!(status, 201, "{note}");
    officer
        .say(&witness.id, "after-note", "Merci, continuez")
        .await;

    // The staff view has the note.
    let (_, case) = officer
        .get(&format!("/api/v1/staff/conversations/{}", witness.id))
        .await;
    assert!(case["notes"].to_string().contains(marker));

    // WebSocket: every frame up to the officer's next message, and nothing with the note.
    let frames = until(&mut ws, |f| {
        f["type"] == "event" && f["event"]["body"] == "Merci, continuez"
    })
    .await;
    assert!(frames.iter().all(|f| !f.to_string().contains(marker)));
    // A fresh socket replaying everything.
    let mut replay = witness.socket(0).await;
    let frames = until(&mut replay, |f| {
        f["type"] == "event" && f["event"]["body"] == "Merci, continuez"
    })
    .await;
    assert!(frames.iter().all(|f| !f.to_string().contains(marker)));
    // The events API, with and without long polling.
    let (_, events) = witness.events(0).await;
    assert!(!events.to_string().contains(marker));
    let r = witness
        .http
        .get(format!(
            "{}/api/v1/witness/events?after=0&wait=1",
            witness.base
        ))
        .bearer_auth(&witness.token)
        .send()
        .await
        .unwrap();
    assert!(!r.text().await.unwrap().contains(marker));
    // Sequence numbers have no hole where a note could hide.
    let seqs: Vec<u64> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
    // The witness page.
    let page = server
        .http
        .get(server.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains(marker));
    // Sending over the socket after a note still acknowledges normally.
    replay
        .send(Message::Text(
            json!({"type": "send", "client_id": "z", "body": "ok"})
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
    let ack = until(&mut replay, |f| f["type"] == "ack")
        .await
        .pop()
        .unwrap();
    assert!(!ack.to_string().contains(marker));
    // After resuming with the receipt code.
    let r = server
        .http
        .post(server.url("/api/v1/witness/resume"))
        .json(&json!({ "receipt_code": witness.receipt }))
        .send()
        .await
        .unwrap();
    let token = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = server
        .http
        .get(server.url("/api/v1/witness/events?after=0"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert!(!r.text().await.unwrap().contains(marker));
}

/// Every staff route and API operation × every role: allowed or refused as designed.
#[tokio::test]
async fn authorization_matrix_every_role_on_every_staff_route() {
    let server = Server::start();
    let roles = [
        "operator",
        "supervisor",
        "analyst",
        "investigator",
        "auditor",
        "admin",
    ];
    let mut clients = Vec::new();
    for role in roles {
        let deps = if role == "analyst" { "59" } else { "" };
        clients.push((role, server.staff(role, &format!("m.{role}"), deps).await));
    }
    // A conversation held by someone else, and one qualified report in the Nord.
    let holder = server.staff("operator", "m.holder", "").await;
    let held = server.witness().await;
    holder.take(&held.id).await;
    let done = server.witness().await;
    holder.take(&done.id).await;
    let path = format!("/api/v1/staff/conversations/{}/report", done.id);
    holder
        .call(
            reqwest::Method::PUT,
            &path,
            json!({ "version": 0, "fields": lille_report() }),
        )
        .await;
    holder
        .post(
            &format!("/api/v1/staff/conversations/{}/qualify", done.id),
            json!({}),
        )
        .await;
    let analyst = &clients[2].1;
    let (_, inbox) = analyst.get("/api/v1/staff/reports").await;
    let report_id = inbox["reports"][0]["id"].as_str().unwrap().to_owned();

    let ok = |allowed: &[&str], role: &str| allowed.contains(&role);
    // (method, path, body, roles allowed). For case routes, only the holder or a supervisor.
    let held_case = format!("/api/v1/staff/conversations/{}", held.id);
    let routes: Vec<(&str, String, Value, Vec<&str>)> = vec![
        (
            "GET",
            "/api/v1/staff/me".into(),
            Value::Null,
            roles.to_vec(),
        ),
        (
            "GET",
            "/api/v1/staff/communes?q=lille".into(),
            Value::Null,
            roles.to_vec(),
        ),
        (
            "GET",
            "/api/v1/staff/queue".into(),
            Value::Null,
            vec!["operator", "supervisor"],
        ),
        (
            "GET",
            "/api/v1/staff/conversations".into(),
            Value::Null,
            vec!["operator", "supervisor"],
        ),
        ("GET", held_case.clone(), Value::Null, vec!["supervisor"]),
        (
            "GET",
            format!("{held_case}/events"),
            Value::Null,
            vec!["supervisor"],
        ),
        (
            "POST",
            format!("{held_case}/notes"),
            json!({"body": "note de chef"}),
            vec!["supervisor"],
        ),
        (
            "POST",
            format!("{held_case}/messages"),
            json!({"client_id": "mx", "body": "bonjour"}),
            vec!["supervisor"],
        ),
        (
            "GET",
            "/api/v1/staff/reports".into(),
            Value::Null,
            vec!["analyst"],
        ),
        (
            "GET",
            format!("/api/v1/staff/reports/{report_id}"),
            Value::Null,
            vec!["analyst"],
        ),
        (
            "GET",
            "/api/v1/staff/audit".into(),
            Value::Null,
            vec!["auditor"],
        ),
        (
            "GET",
            "/api/v1/staff/accounts".into(),
            Value::Null,
            vec!["admin"],
        ),
        (
            "PAGE",
            "/staff/console".into(),
            Value::Null,
            vec!["operator", "supervisor"],
        ),
        (
            "PAGE",
            format!("/staff/conversations/{}", held.id),
            Value::Null,
            vec!["supervisor"],
        ),
        (
            "PAGE",
            "/staff/reports".into(),
            Value::Null,
            vec!["analyst"],
        ),
        (
            "PAGE",
            format!("/staff/reports/{report_id}"),
            Value::Null,
            vec!["analyst"],
        ),
        ("PAGE", "/staff/audit".into(), Value::Null, vec!["auditor"]),
        ("PAGE", "/staff/accounts".into(), Value::Null, vec!["admin"]),
        (
            "PAGE",
            "/staff/dossiers".into(),
            Value::Null,
            vec!["investigator"],
        ),
    ];
    for (method, path, body, allowed) in &routes {
        for (role, client) in &clients {
            let status = match *method {
                "GET" => client.get(path).await.0,
                "PAGE" => client.page(path).await.0,
                _ => client.post(path, body.clone()).await.0,
            };
            let expected_ok = ok(allowed, role);
            assert_eq!(
                (200..300).contains(&status),
                expected_ok,
                "{role} {method} {path} gave {status}, expected {}",
                if expected_ok { "allowed" } else { "refused" }
            );
            if !expected_ok {
                assert!(
                    [403, 404].contains(&status),
                    "{role} {method} {path} refused with {status}"
                );
            }
        }
    }
    // Taking is for operators and supervisors only (each on a fresh conversation).
    for (role, client) in &clients {
        let w = server.witness().await;
        let status = client.take(&w.id).await.0;
        assert_eq!(
            status == 200,
            ok(&["operator", "supervisor"], role),
            "{role} take gave {status}"
        );
    }
    // Without a session: refused (401 on the API, redirect to login on pages).
    let anon = server
        .http
        .get(server.url("/api/v1/staff/queue"))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), 401);
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = no_redirect
        .get(server.url("/staff/console"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 303);
    assert_eq!(page.headers()["location"], "/staff/login");
    // A state change without the CSRF token is refused even with a valid session.
    let operator = &clients[0].1;
    let r = server
        .http
        .post(server.url("/api/v1/staff/queue/take-next"))
        .header("cookie", &operator.cookie)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Every read of case content is in the audit log, which the auditor reads without content.
    let (_, audit) = clients[4].1.get("/api/v1/staff/audit").await;
    let entries = audit["entries"].as_array().unwrap();
    assert!(entries
        .iter()
        .any(|e| e["action"] == "read_conversation" && e["actor"] == "m.supervisor"));
    assert!(entries
        .iter()
        .any(|e| e["action"] == "read_report" && e["actor"] == "m.analyst"));
    assert!(!audit.to_string().contains("Tilleuls"));
}
