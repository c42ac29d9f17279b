#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! A flood of fake witnesses against the real binary: 1,000 scripted attempts to open
//! conversations and send messages from many tasks and simulated addresses. The limits hold
//! (every refusal carries its typed code and a Retry-After), the service keeps answering its
//! probes and the staff, and a genuine witness still gets through and talks with an officer.
//! Then an officer blocks an abusive conversation.

mod common;

use common::*;
use futures_util::SinkExt;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

const TASKS: usize = 50;
const OPENS_PER_TASK: usize = 7;
const SENDS_PER_TASK: usize = 13;
const ADDRESS_BURST: usize = 3;
const GLOBAL_PER_MINUTE: usize = 60;
const MESSAGE_BURST: usize = 5;
/// One message every ten seconds, sustained.
const MESSAGE_PER_MINUTE: usize = 6;

fn flood_server() -> Server {
    Server::start_with(&[
        ("VIGIE_TRUSTED_PROXY", "true"),
        ("VIGIE_OPEN_BURST_PER_ADDRESS", "3"),
        ("VIGIE_OPEN_PER_HOUR_PER_ADDRESS", "1"),
        ("VIGIE_OPEN_PER_MINUTE", "60"),
        ("VIGIE_MESSAGE_BURST", "5"),
        ("VIGIE_MESSAGE_PER_MINUTE", "6"),
    ])
}

/// One answer: status, body, and the Retry-After header when there is one.
struct Answer {
    status: u16,
    body: Value,
    retry_after: Option<u64>,
}

async fn answer(r: reqwest::Response) -> Answer {
    let status = r.status().as_u16();
    let retry_after = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    Answer {
        status,
        body: r.json().await.unwrap_or(Value::Null),
        retry_after,
    }
}

/// Opens a conversation as a browser behind the trusted proxy at `ip` would, with a freshly
/// solved proof of work.
async fn open(server: &Server, ip: &str) -> Answer {
    let proof = server.proof().await;
    open_with(server, ip, proof).await
}

/// Opens with the given proof (`null`: none).
async fn open_with(server: &Server, ip: &str, proof: Value) -> Answer {
    let r = server
        .http
        .post(server.url("/api/v1/witness/conversations"))
        .header("x-forwarded-for", ip)
        .header("accept-language", "en")
        .json(&json!({ "locale": "fr", "proof": proof }))
        .send()
        .await
        .unwrap();
    answer(r).await
}

async fn send(server: &Server, token: &str, client_id: &str, body: &str) -> Answer {
    let r = server
        .http
        .post(server.url("/api/v1/witness/messages"))
        .bearer_auth(token)
        .json(&json!({ "client_id": client_id, "body": body }))
        .send()
        .await
        .unwrap();
    answer(r).await
}

fn witness_from(server: &Server, started: &Value) -> WitnessClient {
    WitnessClient {
        base: server.base.clone(),
        addr: server.addr.clone(),
        id: started["conversation_id"].as_str().unwrap().to_owned(),
        token: started["token"].as_str().unwrap().to_owned(),
        receipt: started["receipt_code"].as_str().unwrap().to_owned(),
        http: server.http.clone(),
    }
}

/// What one attacking task saw.
#[derive(Default, Debug)]
struct Tally {
    attempts: usize,
    opened: usize,
    open_rate_limited: usize,
    open_busy: usize,
    /// Openings without a proof, or with one already spent: refused before any limit.
    open_unproven: usize,
    sent: usize,
    send_rate_limited: usize,
}

/// Counts one opening attempt, checking a refusal's code, status and Retry-After.
fn count_open(tally: &mut Tally, a: &Answer, tokens: &mut Vec<String>) {
    tally.attempts += 1;
    match (a.status, a.body["error"]["code"].as_str()) {
        (201, _) => {
            tally.opened += 1;
            tokens.push(a.body["token"].as_str().unwrap().to_owned());
        }
        (429, Some("rate-limited")) => {
            assert!(a.retry_after.unwrap_or(0) >= 1, "Retry-After on a 429");
            assert_eq!(a.body["error"]["retry_after"].as_u64(), a.retry_after);
            assert!(
                a.body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("Too many"),
                "translated: {}",
                a.body
            );
            tally.open_rate_limited += 1;
        }
        (503, Some("service-busy")) => {
            assert!(a.retry_after.unwrap_or(0) >= 1, "Retry-After on a 503");
            tally.open_busy += 1;
        }
        (422, Some("proof-required")) | (409, Some("proof-spent")) => tally.open_unproven += 1,
        _ => panic!("unexpected answer to an opening: {} {}", a.status, a.body),
    }
}

async fn attacker(server: Arc<Server>, n: usize) -> Tally {
    let ip = format!("10.66.{}.{}", n / 200, n % 200 + 1);
    let mut tally = Tally::default();
    let mut tokens = Vec::new();
    let mut last_proof = Value::Null;
    for i in 0..OPENS_PER_TASK {
        // Some attempts skip the proof of work, or replay one already used.
        let a = match i {
            1 => open_with(&server, &ip, last_proof.clone()).await,
            3 => open_with(&server, &ip, Value::Null).await,
            _ => {
                last_proof = server.proof().await;
                open_with(&server, &ip, last_proof.clone()).await
            }
        };
        count_open(&mut tally, &a, &mut tokens);
    }
    assert!(
        tokens.len() <= ADDRESS_BURST,
        "one address opened {} conversations",
        tokens.len()
    );
    let Some(token) = tokens.first().cloned() else {
        // Nothing opened (the service was full): keep knocking, the address is spent.
        for _ in 0..SENDS_PER_TASK {
            let a = open(&server, &ip).await;
            count_open(&mut tally, &a, &mut tokens);
        }
        return tally;
    };
    if n.is_multiple_of(2) {
        // Over HTTP.
        for i in 0..SENDS_PER_TASK {
            let a = send(&server, &token, &format!("f{n}-{i}"), "spam spam spam").await;
            tally.attempts += 1;
            match (a.status, a.body["error"]["code"].as_str()) {
                (201, _) => tally.sent += 1,
                (429, Some("rate-limited")) => {
                    assert!(a.retry_after.unwrap_or(0) >= 1);
                    tally.send_rate_limited += 1;
                }
                _ => panic!("unexpected answer to a send: {} {}", a.status, a.body),
            }
        }
    } else {
        // Over the WebSocket: every send is answered by an ack or a typed error frame.
        let (mut ws, _) =
            tokio_tungstenite::connect_async(format!("ws://{}/api/v1/witness/ws", server.addr))
                .await
                .unwrap();
        ws.send(Message::Text(
            json!({ "type": "hello", "token": token, "after": 0 })
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
        until(&mut ws, |f| f["type"] == "ready").await;
        for i in 0..SENDS_PER_TASK {
            let frame = json!({ "type": "send", "client_id": format!("f{n}-{i}"), "body": "spam" });
            ws.send(Message::Text(frame.to_string().into()))
                .await
                .unwrap();
        }
        let mut answered = 0;
        while answered < SENDS_PER_TASK {
            let f = next_json(&mut ws).await.expect("an answer to every send");
            match f["type"].as_str() {
                Some("ack") => tally.sent += 1,
                Some("error") => {
                    assert_eq!(f["code"], "rate-limited", "{f}");
                    assert!(f["retry_after"].as_u64().unwrap() >= 1, "{f}");
                    assert!(f["message"].as_str().is_some_and(|m| !m.is_empty()), "{f}");
                    tally.send_rate_limited += 1;
                }
                _ => continue,
            }
            tally.attempts += 1;
            answered += 1;
        }
        let _ = ws.close(None).await;
    }
    assert!(
        tally.sent <= MESSAGE_BURST + 2,
        "one conversation got {} messages through",
        tally.sent
    );
    tally
}

/// Probes the service while the flood runs: every answer must be a 200.
async fn prober(server: Arc<Server>, staff: StaffClient, done: Arc<AtomicBool>) -> usize {
    let mut rounds = 0;
    loop {
        let health = server
            .http
            .get(server.url("/healthz"))
            .send()
            .await
            .expect("the health probe answers during the flood");
        assert_eq!(health.status(), 200);
        let (status, queue) = staff.get("/api/v1/staff/queue").await;
        assert_eq!(
            status, 200,
            "the staff API answers during the flood: {queue}"
        );
        rounds += 1;
        if done.load(Ordering::SeqCst) {
            return rounds;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A genuine witness from another address: honours Retry-After, as the page does.
async fn genuine(server: Arc<Server>) -> WitnessClient {
    for _ in 0..30 {
        let a = open(&server, "192.0.2.77").await;
        match a.status {
            201 => return witness_from(&server, &a.body),
            429 | 503 => {
                tokio::time::sleep(Duration::from_secs(a.retry_after.unwrap_or(1).min(5))).await
            }
            s => panic!("genuine witness refused: {s} {}", a.body),
        }
    }
    panic!("the genuine witness never got through");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_fake_witnesses_is_held_and_a_genuine_one_gets_through() {
    let server = Arc::new(flood_server());
    let officer = server.staff("operator", "agent.flood", "").await;
    let lead = server.staff("supervisor", "chef.flood", "").await;
    let started = Instant::now();

    let done = Arc::new(AtomicBool::new(false));
    let probe = tokio::spawn(prober(server.clone(), lead, done.clone()));
    let attackers: Vec<_> = (0..TASKS)
        .map(|n| tokio::spawn(attacker(server.clone(), n)))
        .collect();
    // The genuine witness starts while the flood is under way.
    let genuine_task = tokio::spawn(genuine(server.clone()));

    let mut total = Tally::default();
    for a in attackers {
        let t = a.await.unwrap();
        total.attempts += t.attempts;
        total.opened += t.opened;
        total.open_rate_limited += t.open_rate_limited;
        total.open_busy += t.open_busy;
        total.open_unproven += t.open_unproven;
        total.sent += t.sent;
        total.send_rate_limited += t.send_rate_limited;
    }
    let witness = genuine_task.await.unwrap();
    done.store(true, Ordering::SeqCst);
    let rounds = probe.await.unwrap();
    let elapsed = started.elapsed().as_secs_f64();
    eprintln!("flood: {total:?} in {elapsed:.1}s, {rounds} probe rounds");

    // 1,000 scripted attempts, each answered with a success or a typed refusal.
    assert_eq!(total.attempts, TASKS * (OPENS_PER_TASK + SENDS_PER_TASK));
    assert_eq!(
        total.opened
            + total.open_rate_limited
            + total.open_busy
            + total.open_unproven
            + total.sent
            + total.send_rate_limited,
        1000
    );
    // The global ceiling: its burst, plus what refilled while the flood ran.
    let refilled = (elapsed * GLOBAL_PER_MINUTE as f64 / 60.0).ceil() as usize + 1;
    assert!(
        total.opened <= GLOBAL_PER_MINUTE + refilled,
        "{} conversations opened",
        total.opened
    );
    assert!(total.open_busy > 0, "the global ceiling was reached");
    assert!(
        total.open_rate_limited > 0,
        "the per-address limit was reached"
    );
    assert!(total.send_rate_limited > 0, "the message limit was reached");
    // Every task skipped the proof once and replayed one once: all refused.
    assert_eq!(total.open_unproven, TASKS * 2);
    // At most the burst (plus refills) per conversation.
    let per_conversation =
        MESSAGE_BURST + (elapsed * MESSAGE_PER_MINUTE as f64 / 60.0).ceil() as usize;
    assert!(total.sent <= TASKS * per_conversation);
    assert!(rounds >= 1);

    // The genuine witness talks with an officer.
    let (status, sent) = witness
        .send("g1", "Il y a un guetteur devant le hall B")
        .await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(officer.take(&witness.id).await.0, 200);
    let (status, _) = officer
        .say(&witness.id, "o1", "Bonjour, à quelle heure ?")
        .await;
    assert_eq!(status, 201);
    let (status, _) = witness.send("g2", "Vers 18 heures").await;
    assert_eq!(status, 201);
    let bodies: Vec<String> = witness
        .event_list()
        .await
        .iter()
        .filter_map(|e| e["body"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        bodies,
        [
            "Il y a un guetteur devant le hall B",
            "Bonjour, à quelle heure ?",
            "Vers 18 heures"
        ]
    );

    // Nothing identifies anyone in the log: no address, no words.
    let log = server.log();
    for secret in ["10.66.", "192.0.2.77", "spam", "guetteur"] {
        assert!(!log.contains(secret), "the log holds {secret:?}");
    }
}

#[tokio::test]
async fn an_operator_blocks_an_abusive_conversation_and_rejects_it() {
    let server = flood_server();
    let officer = server.staff("operator", "agent.block", "").await;
    let other = server.staff("operator", "agent.autre", "").await;
    let auditor = server.staff("auditor", "audit.block", "").await;
    let a = open(&server, "198.51.100.20").await;
    assert_eq!(a.status, 201);
    let abuser = witness_from(&server, &a.body);
    assert_eq!(abuser.send("a1", "insulte").await.0, 201);
    assert_eq!(officer.take(&abuser.id).await.0, 200);
    let mut ws = abuser.socket(0).await;

    let path = format!("/api/v1/staff/conversations/{}/block", abuser.id);
    // Only the holder (or a shift lead) may block, with a reason.
    assert_eq!(other.post(&path, json!({ "reason": "abus" })).await.0, 403);
    let (status, body) = officer.post(&path, json!({ "reason": "" })).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("reason-required"))
    );
    let (status, body) = officer
        .post(&path, json!({ "reason": "Insultes répétées" }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["conversation"]["blocked"], true);

    // The witness is refused, in their language, over HTTP and over the WebSocket.
    let r = server
        .http
        .post(server.url("/api/v1/witness/messages"))
        .bearer_auth(&abuser.token)
        .header("accept-language", "fr")
        .json(&json!({ "client_id": "a2", "body": "encore" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 423);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "conversation-blocked");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("bloquée"));
    ws.send(Message::Text(
        json!({ "type": "send", "client_id": "a3", "body": "encore" })
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    let refused = until(&mut ws, |f| f["type"] == "error")
        .await
        .pop()
        .unwrap();
    assert_eq!(refused["code"], "conversation-blocked");
    assert_eq!(refused["client_id"], "a3");

    // The officer sees it blocked, it is not in the queue, and the block is audited.
    let (_, case) = officer
        .get(&format!("/api/v1/staff/conversations/{}", abuser.id))
        .await;
    assert_eq!(case["conversation"]["blocked"], true);
    let (_, queue) = officer.get("/api/v1/staff/queue").await;
    assert!(!queue.to_string().contains(&abuser.id));
    let (status, audit) = auditor
        .get("/api/v1/staff/audit?action=block_conversation")
        .await;
    assert_eq!(status, 200, "{audit}");
    let text = audit.to_string();
    assert!(
        text.contains(&abuser.id) && text.contains("handling"),
        "{text}"
    );

    // The report is closed as rejected.
    let (status, closed) = officer
        .post(
            &format!("/api/v1/staff/conversations/{}/close", abuser.id),
            json!({ "outcome": "rejected", "reason": "Conversation abusive" }),
        )
        .await;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["report"]["state"], "rejected");

    // The console page carries the button.
    let (status, page) = officer
        .page(&format!("/staff/conversations/{}", abuser.id))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"block-form\""));
}
