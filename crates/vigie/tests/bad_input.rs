#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Bad input gets a clear, typed error and writes nothing.

mod common;

use common::*;
use futures_util::SinkExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

async fn raw_post(
    server: &Server,
    path: &str,
    token: Option<&str>,
    body: &str,
    content_type: &str,
) -> (u16, Value) {
    let mut r = server
        .http
        .post(server.url(path))
        .header("content-type", content_type)
        .body(body.to_owned());
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn bad_witness_input_is_refused_clearly_and_writes_nothing() {
    let server = Server::start();
    let witness = server.witness().await;
    let cases: Vec<(Value, u16, &str)> = vec![
        (json!({ "client_id": "a", "body": "" }), 422, "text-empty"),
        (
            json!({ "client_id": "a", "body": "   \n " }),
            422,
            "text-empty",
        ),
        (
            json!({ "client_id": "a", "body": "x".repeat(4001) }),
            422,
            "text-too-long",
        ),
        (
            json!({ "client_id": "a b", "body": "ok" }),
            422,
            "client-id-invalid",
        ),
        (
            json!({ "client_id": "a", "body": "null\u{0}byte" }),
            422,
            "text-control-chars",
        ),
        (json!({ "body": "no id" }), 400, "json-invalid"),
        (
            json!({ "client_id": "a", "body": "ok", "extra": 1 }),
            400,
            "json-invalid",
        ),
    ];
    for (body, status, code) in cases {
        let (got, answer) = witness.post("/api/v1/witness/messages", body.clone()).await;
        assert_eq!(
            (got, answer["error"]["code"].as_str()),
            (status, Some(code)),
            "{body}"
        );
        assert!(!answer["error"]["message"].as_str().unwrap().is_empty());
    }
    // Malformed JSON and a wrong content type.
    let (status, answer) = raw_post(
        &server,
        "/api/v1/witness/messages",
        Some(&witness.token),
        "{\"client_id\":",
        "application/json",
    )
    .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (400, Some("json-invalid"))
    );
    let (status, answer) = raw_post(
        &server,
        "/api/v1/witness/messages",
        Some(&witness.token),
        "hello",
        "text/plain",
    )
    .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (400, Some("json-content-type"))
    );
    // An oversized body.
    let huge = format!(
        "{{\"client_id\":\"a\",\"body\":\"{}\"}}",
        "x".repeat(100_000)
    );
    let (status, _) = raw_post(
        &server,
        "/api/v1/witness/messages",
        Some(&witness.token),
        &huge,
        "application/json",
    )
    .await;
    assert!([400, 413].contains(&status), "{status}");
    // Unknown token, no token.
    let (status, answer) = raw_post(
        &server,
        "/api/v1/witness/messages",
        Some("forged-token"),
        "{\"client_id\":\"a\",\"body\":\"x\"}",
        "application/json",
    )
    .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let (status, _) = raw_post(
        &server,
        "/api/v1/witness/messages",
        None,
        "{\"client_id\":\"a\",\"body\":\"x\"}",
        "application/json",
    )
    .await;
    assert_eq!(status, 401);
    // Bad locale, bad query.
    let (status, answer) = raw_post(
        &server,
        "/api/v1/witness/conversations",
        None,
        "{\"locale\":\"de\"}",
        "application/json",
    )
    .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (422, Some("locale-invalid"))
    );
    let r = server
        .http
        .get(server.url("/api/v1/witness/events?after=-1"))
        .bearer_auth(&witness.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Nothing was written.
    assert!(witness.event_list().await.is_empty());
    // English on request.
    let r = server
        .http
        .post(server.url("/api/v1/witness/messages"))
        .bearer_auth(&witness.token)
        .header("accept-language", "en")
        .json(&json!({"client_id": "a", "body": ""}))
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["message"], "The message is empty.");
}

#[tokio::test]
async fn bad_websocket_frames_get_typed_errors_and_the_socket_stays_usable() {
    let server = Server::start();
    let witness = server.witness().await;
    // No hello: the socket is closed with an error.
    let (mut ws, _) =
        tokio_tungstenite::connect_async(format!("ws://{}/api/v1/witness/ws", server.addr))
            .await
            .unwrap();
    ws.send(Message::Text(
        "{\"type\":\"send\",\"client_id\":\"a\",\"body\":\"x\"}".into(),
    ))
    .await
    .unwrap();
    let err = next_json(&mut ws).await.unwrap();
    assert_eq!(err["code"], "hello-expected");
    // A forged token.
    let (mut ws, _) =
        tokio_tungstenite::connect_async(format!("ws://{}/api/v1/witness/ws", server.addr))
            .await
            .unwrap();
    ws.send(Message::Text(
        json!({"type": "hello", "token": "nope", "after": 0})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    assert_eq!(next_json(&mut ws).await.unwrap()["code"], "unauthorized");
    // Garbage and invalid messages on a good socket.
    let mut ws = witness.socket(0).await;
    ws.send(Message::Text("not json".into())).await.unwrap();
    assert_eq!(next_json(&mut ws).await.unwrap()["code"], "frame-invalid");
    ws.send(Message::Text(
        json!({"type": "send", "client_id": "e", "body": ""})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    let err = next_json(&mut ws).await.unwrap();
    assert_eq!(
        (err["code"].as_str(), err["client_id"].as_str()),
        (Some("text-empty"), Some("e"))
    );
    ws.send(Message::Text(
        json!({"type": "send", "client_id": "ok", "body": "valide"})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    let frames = until(&mut ws, |f| f["type"] == "ack").await;
    assert_eq!(frames.last().unwrap()["seq"], 1);
    assert_eq!(witness.event_list().await.len(), 1);
}

#[tokio::test]
async fn bad_report_fields_are_refused_field_by_field_and_nothing_is_saved() {
    let server = Server::start();
    let officer = server.staff("operator", "agent.saisie", "").await;
    let witness = server.witness().await;
    officer.take(&witness.id).await;
    let path = format!("/api/v1/staff/conversations/{}/report", witness.id);
    let bad = json!({
        "activity": "vente",
        "commune": "99999",
        "hours_from": "25:99",
        "people_count": "-3",
        "days": ["someday"],
        "vehicles": [{"make": "", "colour": "", "plate": "<script>"}]
    });
    let (status, body) = officer
        .call(
            reqwest::Method::PUT,
            &path,
            json!({ "version": 0, "fields": bad }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let fields = &body["error"]["fields"];
    for (field, code) in [
        ("activity", "choice-invalid"),
        ("commune", "commune-unknown"),
        ("hours_from", "hour-invalid"),
        ("people_count", "number-invalid"),
        ("days", "choice-invalid"),
        ("vehicles", "plate-invalid"),
    ] {
        assert_eq!(fields[field]["code"], code, "{field}: {body}");
        assert!(!fields[field]["message"].as_str().unwrap().is_empty());
    }
    // A well-formed but unknown commune is refused by the gazetteer.
    let (status, body) = officer
        .call(
            reqwest::Method::PUT,
            &path,
            json!({ "version": 0, "fields": {"commune": "59999"} }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["fields"]["commune"]["code"].as_str()),
        (422, Some("commune-unknown"))
    );
    // Unknown field names and stale versions.
    let (status, _) = officer
        .call(
            reqwest::Method::PUT,
            &path,
            json!({ "version": 0, "fields": {"colour": "red"} }),
        )
        .await;
    assert_eq!(status, 400);
    // Nothing saved so far.
    let (_, case) = officer
        .get(&format!("/api/v1/staff/conversations/{}", witness.id))
        .await;
    assert_eq!(case["report"]["version"], 0);
    assert_eq!(
        officer
            .call(
                reqwest::Method::PUT,
                &path,
                json!({ "version": 0, "fields": {"activity": "storage"} })
            )
            .await
            .0,
        200
    );
    let (status, body) = officer
        .call(
            reqwest::Method::PUT,
            &path,
            json!({ "version": 0, "fields": {"activity": "delivery"} }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("version-conflict"))
    );
    // Qualifying without the essentials says which fields are missing.
    let (status, body) = officer
        .post(
            &format!("/api/v1/staff/conversations/{}/qualify", witness.id),
            json!({}),
        )
        .await;
    assert_eq!(status, 422);
    for f in ["commune", "place", "knowledge"] {
        assert_eq!(body["error"]["fields"][f]["code"], "required", "{f}");
    }
    // Closing needs a known outcome and a reason.
    let close = format!("/api/v1/staff/conversations/{}/close", witness.id);
    let (status, body) = officer
        .post(&close, json!({"outcome": "vanished", "reason": "x"}))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("outcome-invalid"))
    );
    let (status, body) = officer
        .post(&close, json!({"outcome": "rejected", "reason": "  "}))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("reason-required"))
    );
    let (status, body) = officer
        .post(
            &close,
            json!({"outcome": "out_of_scope", "reason": "Contenu en ligne, orienté vers PHAROS"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["report"]["state"], "out_of_scope");
    // After closing, the report is frozen.
    let (status, body) = officer
        .post(&close, json!({"outcome": "rejected", "reason": "encore"}))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("transition-refused"))
    );
    // Unknown ids.
    assert_eq!(officer.take("not-a-uuid").await.0, 404);
    assert_eq!(
        officer.take("00000000-0000-4000-8000-000000000000").await.0,
        404
    );
}

#[tokio::test]
async fn failed_logins_are_refused_then_the_account_locks() {
    let server = Server::start();
    let password = server.add_staff("operator", "agent.lock", "");
    let login = |p: &str| {
        server
            .http
            .post(server.url("/api/v1/staff/login"))
            .json(&json!({"username": "agent.lock", "password": p}))
            .send()
    };
    let r = login("wrong password").await.unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "login-failed"
    );
    let r = server
        .http
        .post(server.url("/api/v1/staff/login"))
        .json(&json!({"username": "nobody.here", "password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "login-failed",
        "same answer for unknown users"
    );
    for _ in 0..4 {
        login("wrong again").await.unwrap();
    }
    let r = login(&password).await.unwrap();
    assert_eq!(r.status(), 429, "locked even with the right password");
}
