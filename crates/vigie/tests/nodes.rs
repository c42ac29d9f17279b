#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Several nodes on one PostgreSQL database: a witness on one node and an officer on another
//! chat live; taking a conversation is atomic across nodes; a resume on one node revokes the
//! token held on another.

mod common;

use common::*;
use futures_util::SinkExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn a_witness_on_one_node_and_an_officer_on_another_chat_live() {
    let Some(db) = PgDatabase::create() else {
        return;
    };
    let a = Server::start_with(&[("VIGIE_DATABASE_URL", &db.url)]);
    let b = a.another_node();
    let officer_b = b.staff("operator", "agent.b", "").await;
    let officer_a = a.login("agent.b", "agent.b-secret-password").await;
    assert_eq!(
        officer_a.get("/api/v1/staff/me").await.0,
        200,
        "one account, both nodes"
    );

    let witness = a.witness().await;
    let mut ws = witness.socket(0).await;
    // The officer on node B sees the queue of the shared database and takes the conversation.
    let mut staff_ws = officer_b.socket().await;
    until(&mut staff_ws, |f| {
        f["type"] == "queue"
            && f["queue"]
                .as_array()
                .unwrap()
                .iter()
                .any(|q| q["conversation_id"] == witness.id.as_str())
    })
    .await;
    assert_eq!(officer_b.take(&witness.id).await.0, 200);
    // The witness's socket on node A hears it through NOTIFY.
    until(&mut ws, |f| {
        f["type"] == "event" && f["event"]["kind"] == "officer_joined"
    })
    .await;
    assert_eq!(
        officer_b
            .say(&witness.id, "b1", "Bonjour depuis le nœud B")
            .await
            .0,
        201
    );
    let got = until(&mut ws, |f| {
        f["type"] == "event" && f["event"]["author"] == "officer"
    })
    .await;
    assert_eq!(
        got.last().unwrap()["event"]["body"],
        "Bonjour depuis le nœud B"
    );
    // And the other way: the witness writes on A, the officer's live view on B receives it.
    staff_ws
        .send(Message::Text(
            json!({"type": "watch", "conversation_id": witness.id, "after": 0})
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
    ws.send(Message::Text(
        json!({"type": "send", "client_id": "w1", "body": "Réponse depuis le nœud A"})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    until(&mut staff_ws, |f| {
        f["type"] == "event" && f["event"]["body"] == "Réponse depuis le nœud A"
    })
    .await;

    // Resuming on node B revokes the token whose socket is open on node A.
    let r = b
        .http
        .post(b.url("/api/v1/witness/resume"))
        .json(&json!({"receipt_code": witness.receipt}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let frames = until(&mut ws, |f| f["type"] == "error").await;
    assert_eq!(frames.last().unwrap()["code"], "unauthorized");

    // A node with a different secret key is refused: receipt codes would stop working. (It
    // holds the shared content key: another one is refused too, see content_key.rs.)
    let stranger = tempfile::tempdir().unwrap();
    std::fs::copy(
        a.dir.path().join("content.key"),
        stranger.path().join("content.key"),
    )
    .unwrap();
    let out = std::process::Command::new(bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(stranger.path())
        .env("VIGIE_DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("same secret.key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn officers_on_two_nodes_racing_for_one_conversation_exactly_one_wins() {
    let Some(db) = PgDatabase::create() else {
        return;
    };
    let a = Server::start_with(&[("VIGIE_DATABASE_URL", &db.url)]);
    let b = a.another_node();
    let on_a = a.staff("operator", "agent.a", "").await;
    let on_b = b.staff("operator", "agent.bb", "").await;
    for round in 0..5 {
        let witness = if round % 2 == 0 {
            a.witness().await
        } else {
            b.witness().await
        };
        let (ra, rb) = tokio::join!(on_a.take(&witness.id), on_b.take(&witness.id));
        let statuses = [ra.0, rb.0];
        assert_eq!(
            statuses.iter().filter(|s| **s == 200).count(),
            1,
            "round {round}: {ra:?} {rb:?}"
        );
        assert!(
            statuses.contains(&409),
            "round {round}: the loser is told: {ra:?} {rb:?}"
        );
        let joined: Vec<Value> = witness
            .event_list()
            .await
            .into_iter()
            .filter(|e| e["kind"] == "officer_joined")
            .collect();
        assert_eq!(joined.len(), 1);
    }
    // The same client id sent to both nodes is one message.
    let witness = a.witness().await;
    let on_b_witness = WitnessClient {
        base: b.base.clone(),
        addr: b.addr.clone(),
        http: b.http.clone(),
        ..witness
    };
    let (s1, first) = on_b_witness.send("same", "une seule fois").await;
    let again = WitnessClient {
        base: a.base.clone(),
        addr: a.addr.clone(),
        http: a.http.clone(),
        ..on_b_witness
    };
    let (s2, second) = again.send("same", "une seule fois").await;
    assert_eq!((s1, s2), (201, 200));
    assert_eq!(first["seq"], second["seq"]);
    assert_eq!(again.event_list().await.len(), 1);
}

#[tokio::test]
async fn migrate_data_copies_a_sqlite_platform_into_postgres_and_it_carries_on() {
    let Some(db) = PgDatabase::create() else {
        return;
    };
    let mut old = Server::start();
    let officer = old.staff("operator", "agent.migr", "").await;
    old.add_staff("analyst", "cross.migr", "59");
    let witness = old.witness().await;
    witness.send("m1", "avant la migration").await;
    officer.take(&witness.id).await;
    officer
        .post(
            &format!("/api/v1/staff/conversations/{}/notes", witness.id),
            json!({"body": "note migrée"}),
        )
        .await;
    let path = format!("/api/v1/staff/conversations/{}/report", witness.id);
    officer
        .call(
            reqwest::Method::PUT,
            &path,
            json!({"version": 0, "fields": lille_report()}),
        )
        .await;
    officer
        .post(
            &format!("/api/v1/staff/conversations/{}/qualify", witness.id),
            json!({}),
        )
        .await;
    let before = witness.event_list().await;
    assert!(old.terminate());

    let sqlite = format!("sqlite://{}", old.dir.path().join("vigie.db").display());
    let out = std::process::Command::new(bin())
        .args(["migrate-data", "--from", &sqlite, "--to", &db.url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("communes: 35014 rows copied and verified"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "events: {} rows copied and verified",
            before.len()
        )),
        "{stdout}"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("[##############################]"),
        "a progress bar"
    );
    // A second copy into the same database is refused.
    let again = std::process::Command::new(bin())
        .args(["migrate-data", "--from", &sqlite, "--to", &db.url])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("empty database"));

    // The same platform, now on PostgreSQL (same secret key: same data directory).
    let dir = std::mem::replace(&mut old.dir, tempfile::tempdir().unwrap());
    let new = Server::start_in(dir, &[("VIGIE_DATABASE_URL", &db.url)]);
    let r = new
        .http
        .post(new.url("/api/v1/witness/resume"))
        .json(&json!({"receipt_code": witness.receipt}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        200,
        "the receipt code still opens the conversation"
    );
    let token = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let resumed = WitnessClient {
        base: new.base.clone(),
        addr: new.addr.clone(),
        http: new.http.clone(),
        token,
        ..witness
    };
    assert_eq!(resumed.event_list().await, before);
    let analyst = new.login("cross.migr", "cross.migr-secret-password").await;
    let (_, inbox) = analyst.get("/api/v1/staff/reports").await;
    assert_eq!(inbox["reports"][0]["commune_name"], "Lille");
    let officer = new.login("agent.migr", "agent.migr-secret-password").await;
    let w2 = new.witness().await;
    assert_eq!(
        officer.take(&w2.id).await.0,
        200,
        "new cases continue on PostgreSQL"
    );
    assert_eq!(
        officer
            .post(
                &format!("/api/v1/staff/conversations/{}/notes", w2.id),
                json!({"body": "nouvelle note"})
            )
            .await
            .0,
        201
    );
}
