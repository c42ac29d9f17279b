#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Officer comfort (issue 6), told through the real binary: the witness and the officer see each
//! other typing and reading, without any of it being stored or logged; administrators keep the
//! canned replies of each language that officers insert into their answers.

mod common;

use common::*;
use futures_util::SinkExt;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

async fn say(ws: &mut Ws, frame: Value) {
    ws.send(Message::Text(frame.to_string().into()))
        .await
        .unwrap();
}

/// Every frame that arrives within `wait` (the socket stays open).
async fn frames_within(ws: &mut Ws, wait: Duration) -> Vec<Value> {
    let until = tokio::time::Instant::now() + wait;
    let mut frames = Vec::new();
    loop {
        let left = until.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            return frames;
        }
        match next_json_within(ws, left).await {
            Some(f) => frames.push(f),
            None => return frames,
        }
    }
}

fn of_type<'a>(frames: &'a [Value], kind: &str) -> Vec<&'a Value> {
    frames.iter().filter(|f| f["type"] == kind).collect()
}

/// A conversation taken by an officer, the witness's socket, and the officer's socket watching
/// it (its backlog and notes read).
struct Live {
    witness: WitnessClient,
    officer: StaffClient,
    w: Ws,
    o: Ws,
}

async fn live(server: &Server, username: &str) -> Live {
    let officer = server.staff("operator", username, "").await;
    let witness = server.witness().await;
    assert_eq!(officer.take(&witness.id).await.0, 200);
    let mut w = witness.socket(0).await;
    until(&mut w, |f| {
        f["type"] == "event" && f["event"]["kind"] == "officer_joined"
    })
    .await;
    let mut o = officer.socket().await;
    until(&mut o, |f| f["type"] == "queue").await;
    say(
        &mut o,
        json!({ "type": "watch", "conversation_id": witness.id, "after": 0 }),
    )
    .await;
    until(&mut o, |f| f["type"] == "case").await;
    Live {
        witness,
        officer,
        w,
        o,
    }
}

#[tokio::test]
async fn each_side_sees_the_other_typing_at_most_once_per_three_seconds_and_never_who() {
    let server = Server::start();
    let Live {
        witness,
        mut w,
        mut o,
        ..
    } = live(&server, "agent.frappe").await;
    let id = witness.id.as_str();

    // The witness types a burst: the officer hears it once, naming the conversation.
    for _ in 0..5 {
        say(&mut w, json!({ "type": "typing" })).await;
    }
    let heard = frames_within(&mut o, Duration::from_millis(1500)).await;
    let typing = of_type(&heard, "typing");
    assert_eq!(typing.len(), 1, "throttled to one: {heard:?}");
    assert_eq!(
        *typing[0],
        json!({ "type": "typing", "author": "witness", "conversation_id": id })
    );

    // The officer types a burst: the witness hears "an officer", and nothing else about them.
    for _ in 0..3 {
        say(
            &mut o,
            json!({ "type": "typing", "conversation_id": witness.id }),
        )
        .await;
    }
    let heard = frames_within(&mut w, Duration::from_millis(1500)).await;
    let typing = of_type(&heard, "typing");
    assert_eq!(typing.len(), 1, "throttled to one: {heard:?}");
    assert_eq!(*typing[0], json!({ "type": "typing", "author": "officer" }));
    // Neither side hears its own typing back.
    assert!(of_type(
        &frames_within(&mut o, Duration::from_millis(300)).await,
        "typing"
    )
    .is_empty());

    // Three seconds later, typing again is heard again.
    tokio::time::sleep(Duration::from_millis(3100)).await;
    say(&mut w, json!({ "type": "typing" })).await;
    let heard = until(&mut o, |f| f["type"] == "typing").await;
    assert_eq!(heard.last().unwrap()["author"], "witness");

    // About a conversation the socket does not watch: refused as unknown, nothing relayed.
    let other = server.witness().await;
    say(
        &mut o,
        json!({ "type": "typing", "conversation_id": other.id }),
    )
    .await;
    let refused = until(&mut o, |f| f["type"] == "error").await;
    assert_eq!(refused.last().unwrap()["code"], "not-found");
    assert!(of_type(
        &frames_within(&mut w, Duration::from_millis(500)).await,
        "typing"
    )
    .is_empty());
}

#[tokio::test]
async fn seen_marks_go_both_ways_never_past_what_was_delivered_and_come_back_on_reconnect() {
    let server = Server::start();
    let Live {
        witness,
        officer,
        mut w,
        mut o,
    } = live(&server, "agent.lu").await;
    let id = witness.id.as_str();

    // The officer writes; the witness reads it and says so.
    let (status, sent) = officer.say(id, "o-1", "Bonjour, je vous écoute.").await;
    assert_eq!(status, 201, "{sent}");
    let hello = sent["seq"].as_u64().unwrap();
    until(&mut w, |f| {
        f["type"] == "event" && f["event"]["seq"] == hello
    })
    .await;
    say(&mut w, json!({ "type": "seen", "seq": hello })).await;
    let got = until(&mut o, |f| f["type"] == "seen").await;
    assert_eq!(
        *got.last().unwrap(),
        json!({ "type": "seen", "author": "witness", "seq": hello, "conversation_id": id })
    );

    // A mark past what the witness was sent goes no further; one going back is ignored.
    say(&mut w, json!({ "type": "seen", "seq": hello + 50 })).await;
    say(&mut w, json!({ "type": "seen", "seq": 1 })).await;
    let heard = frames_within(&mut o, Duration::from_millis(1000)).await;
    assert!(of_type(&heard, "seen").is_empty(), "{heard:?}");

    // The witness answers; the officer reads it and the witness is told "seen".
    say(
        &mut w,
        json!({ "type": "send", "client_id": "w-1", "body": "Merci, c'est au bout de la rue." }),
    )
    .await;
    let acked = until(&mut w, |f| f["type"] == "ack").await;
    let answer = acked.last().unwrap()["seq"].as_u64().unwrap();
    until(&mut o, |f| {
        f["type"] == "event" && f["event"]["seq"] == answer
    })
    .await;
    say(
        &mut o,
        json!({ "type": "seen", "conversation_id": id, "seq": answer }),
    )
    .await;
    let got = until(&mut w, |f| f["type"] == "seen").await;
    assert_eq!(
        *got.last().unwrap(),
        json!({ "type": "seen", "author": "officer", "seq": answer })
    );

    // Reconnecting: each new socket is told the other side's mark at once (it lives in memory
    // while the other side listens; the pages also say it again when they reconnect).
    drop(w);
    let mut w = witness.socket(answer).await;
    let first = next_json(&mut w).await.unwrap();
    assert_eq!(
        first,
        json!({ "type": "seen", "author": "officer", "seq": answer })
    );
    drop(o);
    // The witness's socket kept the conversation's signal, and its mark, alive meanwhile.
    let mut o = officer.socket().await;
    until(&mut o, |f| f["type"] == "queue").await;
    say(
        &mut o,
        json!({ "type": "watch", "conversation_id": id, "after": answer }),
    )
    .await;
    let got = until(&mut o, |f| f["type"] == "seen").await;
    assert_eq!(got.last().unwrap()["seq"], hello);
}

/// The rows of every table a conversation writes to, and the schema.
fn database_snapshot(server: &Server) -> String {
    let db = server.dir.path().join("vigie.db");
    let sqlite = |sql: &str| {
        let out = std::process::Command::new("sqlite3")
            .arg("-readonly")
            .arg(&db)
            .arg(sql)
            .output()
            .expect("sqlite3 is installed (Debian: sqlite3)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let schema = sqlite("SELECT sql FROM sqlite_master ORDER BY name");
    assert!(!schema.contains("typing"), "{schema}");
    let mut snapshot = schema;
    for table in [
        "conversations",
        "events",
        "notes",
        "reports",
        "photos",
        "audit_log",
    ] {
        snapshot += &sqlite(&format!("SELECT * FROM {table} ORDER BY rowid"));
    }
    snapshot
}

#[tokio::test]
async fn typing_and_seen_marks_leave_nothing_in_the_log_or_the_database() {
    // The most verbose level our code has.
    let server = Server::start_with(&[("VIGIE_LOG", "trace")]);
    let Live {
        witness,
        officer,
        mut w,
        mut o,
    } = live(&server, "agent.discret").await;
    let id = witness.id.as_str();
    let (_, sent) = officer.say(id, "o-1", "Bonjour.").await;
    let seq = sent["seq"].as_u64().unwrap();
    until(&mut w, |f| f["type"] == "event" && f["event"]["seq"] == seq).await;
    until(&mut o, |f| f["type"] == "event" && f["event"]["seq"] == seq).await;
    let before = database_snapshot(&server);
    let log_before = server.log().len();

    say(&mut w, json!({ "type": "typing" })).await;
    say(&mut w, json!({ "type": "seen", "seq": seq })).await;
    say(&mut o, json!({ "type": "typing", "conversation_id": id })).await;
    say(
        &mut o,
        json!({ "type": "seen", "conversation_id": id, "seq": seq }),
    )
    .await;
    until(&mut o, |f| f["type"] == "seen").await;
    until(&mut w, |f| f["type"] == "seen").await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    assert_eq!(database_snapshot(&server), before, "the database changed");
    let log = server.log();
    let added = &log[log_before..];
    for word in ["typing", "\"seen\"", "type=seen", "écrit"] {
        assert!(!added.contains(word), "{word} in the log: {added}");
    }
    // Nothing audited either: reading and typing are not actions on the case.
    let auditor = server.staff("auditor", "audit.discret", "").await;
    let (status, audit) = auditor.get("/api/v1/staff/audit").await;
    assert_eq!(status, 200);
    let text = audit.to_string();
    assert!(!text.contains("typing") && !text.contains("seen"), "{text}");
}

#[tokio::test]
async fn typing_and_seen_cross_nodes_through_the_shared_database() {
    let Some(db) = PgDatabase::create() else {
        return;
    };
    let a = Server::start_with(&[("VIGIE_DATABASE_URL", &db.url)]);
    let b = a.another_node();
    let officer = b.staff("operator", "agent.nodes", "").await;
    let witness = a.witness().await;
    assert_eq!(officer.take(&witness.id).await.0, 200);
    let mut w = witness.socket(0).await;
    let mut o = officer.socket().await;
    until(&mut o, |f| f["type"] == "queue").await;
    say(
        &mut o,
        json!({ "type": "watch", "conversation_id": witness.id, "after": 0 }),
    )
    .await;
    let joined = until(&mut o, |f| {
        f["type"] == "event" && f["event"]["kind"] == "officer_joined"
    })
    .await;
    let seq = joined.last().unwrap()["event"]["seq"].as_u64().unwrap();
    until(&mut w, |f| f["type"] == "event" && f["event"]["seq"] == seq).await;

    say(&mut w, json!({ "type": "typing" })).await;
    let got = until(&mut o, |f| f["type"] == "typing").await;
    assert_eq!(got.last().unwrap()["author"], "witness");
    say(
        &mut o,
        json!({ "type": "typing", "conversation_id": witness.id }),
    )
    .await;
    let got = until(&mut w, |f| f["type"] == "typing").await;
    assert_eq!(got.last().unwrap()["author"], "officer");
    say(&mut w, json!({ "type": "seen", "seq": seq })).await;
    let got = until(&mut o, |f| f["type"] == "seen").await;
    assert_eq!(got.last().unwrap()["seq"], seq);
}

// --- canned replies ------------------------------------------------------------------------------

/// Posts a page form with the admin's CSRF token (or a forged one); the status and either the
/// redirect's location or the page.
async fn form(
    admin: &StaffClient,
    path: &str,
    fields: &[(&str, &str)],
    csrf: &str,
) -> (u16, String) {
    let mut pairs = fields.to_vec();
    pairs.push(("csrf", csrf));
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}{path}", admin.base))
        .header("cookie", &admin.cookie)
        .form(&pairs)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, location.unwrap_or(r.text().await.unwrap()))
}

fn unescape(html: &str) -> String {
    html.replace("&#39;", "'").replace("&#x27;", "'")
}

fn created_id(location: &str) -> String {
    location
        .split("created=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned()
}

fn titles(listed: &Value) -> Vec<&str> {
    listed["replies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn admins_keep_canned_replies_per_language_and_officers_read_them_in_the_witness_language() {
    let server = Server::start();
    let admin = server.staff("admin", "admin.canned", "").await;
    let officer = server.staff("operator", "agent.canned", "").await;
    let auditor = server.staff("auditor", "audit.canned", "").await;
    let csrf = admin.csrf.clone();

    let (status, page) = admin.page("/staff/canned").await;
    assert_eq!(status, 200);
    assert!(page.contains("Réponses types") && page.contains("Aucune réponse type"));

    // Without the session's token: refused, nothing written.
    let fields = [
        ("locale", "fr"),
        ("title", "Bonjour"),
        ("body", "Bonjour, je suis policier. Je vous écoute."),
        ("position", "1"),
    ];
    assert_eq!(
        form(&admin, "/staff/canned", &fields, "forged").await.0,
        403
    );
    // Refused values: every field error, in the page's language, and the typed text kept.
    let bad = [
        ("locale", "de"),
        ("title", ""),
        ("body", "Un texte à garder"),
        ("position", "mille"),
    ];
    let (status, page) = form(&admin, "/staff/canned", &bad, &csrf).await;
    let page = unescape(&page);
    assert_eq!(status, 422);
    for message in [
        "Choisissez le français ou l'anglais.",
        "Indiquez un titre.",
        "Indiquez un nombre entier de 0 à 999.",
        "Un texte à garder",
    ] {
        assert!(page.contains(message), "{message} in {page}");
    }
    let (status, page) = form(&admin, "/staff/canned?lang=en", &bad, &csrf).await;
    assert_eq!(status, 422);
    assert!(page.contains("Enter a title."), "{page}");

    // Three French replies, one English; each list in its order (position, then title).
    let mut ids = Vec::new();
    for (locale, title, body, position) in [
        (
            "fr",
            "Sécurité",
            "Mettez-vous en sécurité avant de continuer.",
            "2",
        ),
        (
            "fr",
            "Bonjour",
            "Bonjour, je suis policier. Je vous écoute.",
            "1",
        ),
        ("fr", "Adresse", "Pouvez-vous préciser l'adresse ?", "2"),
        (
            "en",
            "Hello",
            "Hello, I am a police officer. I am listening.",
            "1",
        ),
    ] {
        let fields = [
            ("locale", locale),
            ("title", title),
            ("body", body),
            ("position", position),
        ];
        let (status, location) = form(&admin, "/staff/canned", &fields, &csrf).await;
        assert_eq!(status, 303, "{location}");
        assert!(location.starts_with("/staff/canned?created="), "{location}");
        ids.push(created_id(&location));
    }
    let (_, page) = admin
        .page(&format!("/staff/canned?created={}", ids[1]))
        .await;
    assert!(page.contains("Réponse type « Bonjour » ajoutée."), "{page}");

    let (status, fr) = officer.get("/api/v1/staff/canned?locale=fr").await;
    assert_eq!(status, 200, "{fr}");
    assert_eq!(titles(&fr), ["Bonjour", "Adresse", "Sécurité"]);
    assert_eq!(
        fr["replies"][0]["body"],
        "Bonjour, je suis policier. Je vous écoute."
    );
    let (_, en) = officer.get("/api/v1/staff/canned?locale=en").await;
    assert_eq!(titles(&en), ["Hello"]);
    let (status, refused) = officer.get("/api/v1/staff/canned?locale=de").await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (400, Some("locale-invalid"))
    );
    // Without a locale: the request's language.
    let r = officer
        .http
        .get(format!("{}/api/v1/staff/canned", officer.base))
        .header("cookie", &officer.cookie)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(titles(&r.json::<Value>().await.unwrap()), ["Hello"]);
    // The conversation tells the officer the witness's language.
    let witness = server.witness().await;
    assert_eq!(officer.take(&witness.id).await.0, 200);
    let (_, case) = officer
        .get(&format!("/api/v1/staff/conversations/{}", witness.id))
        .await;
    assert_eq!(case["conversation"]["locale"], "fr");

    // Changed: moved to English and to the top.
    let (status, page) = admin.page(&format!("/staff/canned/{}", ids[2])).await;
    assert_eq!(status, 200);
    assert!(
        unescape(&page).contains("Pouvez-vous préciser l'adresse ?"),
        "{page}"
    );
    let fields = [
        ("locale", "en"),
        ("title", "Address"),
        ("body", "Could you tell me the address?"),
        ("position", "0"),
    ];
    let path = format!("/staff/canned/{}", ids[2]);
    assert_eq!(form(&admin, &path, &fields, "forged").await.0, 403);
    let (status, location) = form(&admin, &path, &fields, &csrf).await;
    assert_eq!(status, 303, "{location}");
    assert!(location.starts_with("/staff/canned?saved="), "{location}");
    let (_, en) = officer.get("/api/v1/staff/canned?locale=en").await;
    assert_eq!(titles(&en), ["Address", "Hello"]);
    let (_, fr) = officer.get("/api/v1/staff/canned?locale=fr").await;
    assert_eq!(titles(&fr), ["Bonjour", "Sécurité"]);
    let (status, _) = form(
        &admin,
        &path,
        &[
            ("locale", "en"),
            ("title", "x".repeat(81).as_str()),
            ("body", "b"),
            ("position", "0"),
        ],
        &csrf,
    )
    .await;
    assert_eq!(status, 422);

    // Deleted; then gone for good.
    let path = format!("/staff/canned/{}/delete", ids[0]);
    assert_eq!(form(&admin, &path, &[], "forged").await.0, 403);
    let (status, location) = form(&admin, &path, &[], &csrf).await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/staff/canned?deleted=1")
    );
    assert_eq!(form(&admin, &path, &[], &csrf).await.0, 404);
    let (_, fr) = officer.get("/api/v1/staff/canned?locale=fr").await;
    assert_eq!(titles(&fr), ["Bonjour"]);
    assert_eq!(
        admin.page(&format!("/staff/canned/{}", ids[0])).await.0,
        404
    );

    // Every change audited, for administration, by the admin.
    let (_, audit) = auditor.get("/api/v1/staff/audit").await;
    let entries = audit["entries"].as_array().unwrap();
    let count = |action: &str| {
        entries
            .iter()
            .filter(|e| {
                e["action"] == action
                    && e["purpose"] == "administration"
                    && e["actor"] == "admin.canned"
                    && e["target"].as_str().unwrap().starts_with("canned:")
            })
            .count()
    };
    assert_eq!(
        (
            count("canned_created"),
            count("canned_updated"),
            count("canned_deleted")
        ),
        (4, 1, 1)
    );
}

#[tokio::test]
async fn a_client_claiming_to_have_read_the_future_cannot_inflate_its_seen_mark() {
    let server = Server::start();
    let Live { witness, mut o, .. } = live(&server, "agent.futur").await;
    // A forged witness client says it has read up to a billion: what exists bounds it.
    let mut forged = witness.socket(1_000_000_000).await;
    say(
        &mut forged,
        json!({ "type": "seen", "seq": 1_000_000_000u64 }),
    )
    .await;
    let heard = frames_within(&mut o, Duration::from_millis(1500)).await;
    for f in of_type(&heard, "seen") {
        assert!(
            f["seq"].as_u64().unwrap() < 1_000,
            "a seen mark ran ahead of the thread: {f}"
        );
    }
}

#[tokio::test]
async fn a_shift_lead_looking_on_is_not_the_officer_the_witness_sees_typing() {
    let server = Server::start();
    let Live { witness, mut w, .. } = live(&server, "agent.tenu").await;
    let lead = server.staff("supervisor", "chef.regard", "").await;
    let mut l = lead.socket().await;
    until(&mut l, |f| f["type"] == "queue").await;
    say(
        &mut l,
        json!({ "type": "watch", "conversation_id": witness.id, "after": 0 }),
    )
    .await;
    until(&mut l, |f| f["type"] == "case").await;
    say(
        &mut l,
        json!({ "type": "typing", "conversation_id": witness.id }),
    )
    .await;
    say(
        &mut l,
        json!({ "type": "seen", "conversation_id": witness.id, "seq": 1 }),
    )
    .await;
    let heard = frames_within(&mut w, Duration::from_millis(1500)).await;
    assert!(of_type(&heard, "typing").is_empty(), "{heard:?}");
    assert!(of_type(&heard, "seen").is_empty(), "{heard:?}");
}
