#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The proof of work before a conversation opens, with the real defaults (Argon2id, 4 MiB,
//! 4 bits), and its no-JavaScript equivalent: a wait ticket on the start form, spent once, so
//! a form re-posted by the Back button opens nothing.

mod common;

use common::*;
use serde_json::{json, Value};
use std::time::Duration;

async fn open(server: &Server, body: Value) -> (u16, Value) {
    let r = server
        .http
        .post(server.url("/api/v1/witness/conversations"))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn challenge(server: &Server) -> Value {
    server
        .http
        .get(server.url("/api/v1/witness/challenge"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn code(answer: &Value) -> &str {
    answer["error"]["code"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_conversation_opens_only_with_a_fresh_solved_proof() {
    // The shipped defaults, not the cheap ones the other tests use.
    let server = Server::start_with(&[
        ("VIGIE_POW_MEMORY_KIB", "4096"),
        ("VIGIE_POW_DIFFICULTY", "4"),
    ]);
    let c = challenge(&server).await;
    assert_eq!(c["difficulty"], 4);
    assert_eq!(c["memory_kib"], 4096);
    assert_eq!(c["iterations"], 1);
    assert_eq!(c["expires_in"], 600);
    let token = c["challenge"].as_str().unwrap().to_owned();

    // No proof, a proof of the wrong shape.
    let (status, answer) = open(&server, json!({ "locale": "fr" })).await;
    assert_eq!((status, code(&answer)), (422, "proof-required"));
    let (status, _) = open(
        &server,
        json!({ "locale": "fr", "proof": { "challenge": token } }),
    )
    .await;
    assert_eq!(status, 400, "a proof without its nonce is malformed");

    // A forged challenge (difficulty lowered to 0): its MAC no longer matches.
    let forged = token.replacen(".4.4096.", ".0.4096.", 1);
    assert_ne!(forged, token);
    let (status, answer) = open(
        &server,
        json!({ "locale": "fr", "proof": { "challenge": forged, "nonce": 0 } }),
    )
    .await;
    assert_eq!((status, code(&answer)), (422, "proof-invalid"));

    // The right challenge with a nonce that does not solve it: refused, and spent.
    let solved = solve(&c).await;
    let nonce = solved["nonce"].as_u64().unwrap();
    let wrong = c.clone();
    let mut bad_nonce = 0;
    while bad_nonce == nonce
        || vigie_web::pow::leading_zero_bits(
            &vigie_web::pow::attempt(&token, bad_nonce, 4096, 1).unwrap(),
            4,
        )
    {
        bad_nonce += 1;
    }
    let (status, answer) = open(
        &server,
        json!({ "locale": "fr", "proof": { "challenge": token, "nonce": bad_nonce } }),
    )
    .await;
    assert_eq!((status, code(&answer)), (422, "proof-unsolved"));
    let (status, answer) = open(&server, json!({ "locale": "fr", "proof": solved })).await;
    assert_eq!(
        (status, code(&answer)),
        (409, "proof-spent"),
        "a challenge is spent by its first use, right or wrong"
    );
    let _ = wrong;

    // A fresh challenge, solved: the conversation opens; the same proof again does not.
    let proof = solve(&challenge(&server).await).await;
    let (status, answer) = open(&server, json!({ "locale": "fr", "proof": proof })).await;
    assert_eq!(status, 201, "{answer}");
    assert!(answer["token"].as_str().is_some());
    let (status, answer) = open(&server, json!({ "locale": "fr", "proof": proof })).await;
    assert_eq!((status, code(&answer)), (409, "proof-spent"));
    // Translated, typed errors.
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("vérification"));

    // A no-JavaScript wait ticket is not a proof of work.
    let home = server
        .http
        .get(server.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let ticket = hidden(&home, "ticket").unwrap();
    let (status, answer) = open(
        &server,
        json!({ "locale": "fr", "proof": { "challenge": ticket, "nonce": 0 } }),
    )
    .await;
    assert_eq!((status, code(&answer)), (422, "proof-invalid"));
}

fn hidden(page: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker)? + marker.len();
    let end = page[start..].find('"')? + start;
    Some(page[start..end].to_owned())
}

async fn post_form(server: &Server, fields: &[(&str, &str)]) -> (u16, String) {
    let body: String = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", v.replace('=', "%3D").replace('.', "%2E")))
        .collect::<Vec<_>>()
        .join("&");
    let r = server
        .http
        .post(server.url("/"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn without_javascript_the_start_form_waits_and_opens_once() {
    let server = Server::start_with(&[("VIGIE_NOJS_WAIT_SECONDS", "2")]);
    let home = server
        .http
        .get(server.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let ticket = hidden(&home, "ticket").expect("the start form carries a wait ticket");

    // Pressed at once: not yet; the page says how long, keeps the same ticket, opens nothing.
    let (status, page) = post_form(&server, &[("action", "start"), ("ticket", &ticket)]).await;
    assert_eq!(status, 429);
    assert!(
        page.contains("Appuyez de nouveau sur le bouton dans"),
        "{page}"
    );
    assert_eq!(hidden(&page, "ticket").as_deref(), Some(ticket.as_str()));
    assert!(hidden(&page, "token").is_none());

    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (status, page) = post_form(&server, &[("action", "start"), ("ticket", &ticket)]).await;
    assert_eq!(status, 201, "{page}");
    assert!(hidden(&page, "token").is_some());

    // Back re-posts the same start form: no second conversation, no conversation shown.
    let (status, page) = post_form(&server, &[("action", "start"), ("ticket", &ticket)]).await;
    assert_eq!(status, 409);
    assert!(page.contains("Ce formulaire a déjà servi"), "{page}");
    assert!(hidden(&page, "token").is_none());
    assert!(
        page.contains("<section id=\"chat\" class=\"chat\" hidden"),
        "the start page, not a conversation"
    );
    let lead = server.staff("supervisor", "chef.pow", "").await;
    let (_, queue) = lead.get("/api/v1/staff/queue").await;
    assert_eq!(queue["queue"].as_array().map(Vec::len), Some(1), "{queue}");

    // No ticket, a forged one: refused.
    let (status, page) = post_form(&server, &[("action", "start")]).await;
    assert_eq!(status, 422);
    assert!(page.contains("pas pu être lu"), "{page}");
    let forged = format!("{ticket}x");
    let (status, _) = post_form(&server, &[("action", "start"), ("ticket", &forged)]).await;
    assert_eq!(status, 422);
}
