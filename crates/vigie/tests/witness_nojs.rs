#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The witness without JavaScript: plain forms posted to `/`, the token in a hidden field (never
//! in a URL), the whole page drawn by the server for the conversation, an officer answering
//! through the API, and bad input refused on the page in its language, writing nothing.

mod common;

use common::*;
use serde_json::Value;

/// What one form post answered.
struct Answer {
    status: u16,
    page: String,
}

/// `application/x-www-form-urlencoded`, as a browser encodes a form.
fn encode(fields: &[(&str, &str)]) -> String {
    fn part(s: &str) -> String {
        let mut out = String::new();
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                    out.push(b as char)
                }
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    }
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", part(k), part(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A browser that follows no redirect, so that every answer's headers are seen.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Checks what every witness page must carry, and that the token never reaches a header.
fn check_headers(r: &reqwest::Response, tokens: &[&str]) {
    let h = r.headers();
    assert_eq!(h["cache-control"], "no-store");
    assert!(
        h.get("set-cookie").is_none(),
        "a witness page sets a cookie"
    );
    assert!(
        h.get("location").is_none(),
        "a witness form answers a redirect"
    );
    for (name, value) in h {
        let value = value.to_str().unwrap_or_default();
        for token in tokens.iter().filter(|t| !t.is_empty()) {
            assert!(!value.contains(token), "the token is in the {name} header");
        }
    }
}

async fn post(
    server: &Server,
    http: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> Answer {
    let r = http
        .post(server.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .body(encode(fields))
        .send()
        .await
        .unwrap();
    let token = fields
        .iter()
        .find(|(k, _)| *k == "token")
        .map_or("", |(_, v)| *v);
    check_headers(&r, &[token]);
    let status = r.status().as_u16();
    let page = r.text().await.unwrap();
    if let Some(new) = hidden(&page, "token") {
        // The page's own token is not in its headers either (checked above for the sent one).
        assert!(!new.is_empty());
    }
    Answer { status, page }
}

/// The value of a hidden field of the page, if there is one.
fn hidden(page: &str, name: &str) -> Option<String> {
    let marker = format!("type=\"hidden\" name=\"{name}\" value=\"");
    let start = page.find(&marker)? + marker.len();
    let end = page[start..].find('"')? + start;
    Some(page[start..end].to_owned())
}

/// Text as drawn in the page, read back.
fn unescape(s: &str) -> String {
    s.replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

/// The text of the element with this id (its first text run).
fn text_of(page: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let at = page.find(&marker).unwrap_or_else(|| panic!("no #{id}"));
    let start = page[at..].find('>').unwrap() + at + 1;
    let end = page[start..].find('<').unwrap() + start;
    unescape(page[start..end].trim())
}

/// The thread drawn on the page, as (author, body).
fn thread(page: &str) -> Vec<(String, String)> {
    let list = &page[page.find("id=\"messages\"").unwrap()..];
    let list = &list[..list.find("</ol>").unwrap()];
    list.split("<li ")
        .skip(1)
        .map(|li| {
            let who = li.split("<span class=\"who\">").nth(1).unwrap();
            let who = &who[..who.find('<').unwrap()];
            let body = li.split("<p class=\"body\">").nth(1).unwrap();
            let body = &body[..body.find("</p>").unwrap()];
            (unescape(who), unescape(body))
        })
        .collect()
}

/// The witness messages the store holds, read through the API with a token.
async fn stored_messages(server: &Server, token: &str) -> Vec<String> {
    let r = server
        .http
        .get(server.url("/api/v1/witness/events?after=0"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    body["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["author"] == "witness" && e["kind"] == "message")
        .map(|e| e["body"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_witness_without_javascript_chats_through_plain_forms() {
    let server = Server::start();
    let http = browser();
    let officer = server.staff("operator", "agent.nojs", "").await;

    // The page itself: forms that post to "/", nothing stored, nothing cached.
    let r = http.get(server.url("/")).send().await.unwrap();
    check_headers(&r, &[]);
    let home = r.text().await.unwrap();
    assert!(home.contains("<form id=\"start-form\" method=\"post\" action=\"/\">"));
    assert!(home.contains("<form id=\"resume-form\" method=\"post\" action=\"/\""));
    assert!(!home.contains(" disabled>"), "a button waits for a script");

    // Start: the page answers with the receipt code, once, and the token in a hidden field.
    let ticket = hidden(&home, "ticket").expect("the start form's wait ticket");
    let started = post(
        &server,
        &http,
        "/",
        &[("action", "start"), ("ticket", &ticket)],
    )
    .await;
    assert_eq!(started.status, 201);
    let receipt = text_of(&started.page, "receipt-code");
    let groups: Vec<&str> = receipt.split(' ').collect();
    assert!(
        groups.len() == 4
            && groups
                .iter()
                .all(|g| g.len() == 4 && g.bytes().all(|b| b.is_ascii_digit())),
        "{receipt}"
    );
    assert!(started.page.contains("Il ne sera plus jamais affiché"));
    let token = hidden(&started.page, "token").expect("a token field");
    let first_id = hidden(&started.page, "client_id").expect("a client id field");
    assert!(text_of(&started.page, "status").contains("En attente"));
    assert!(thread(&started.page).is_empty());
    // The token opens the conversation through the API too.
    assert!(stored_messages(&server, &token).await.is_empty());

    // Two messages through the form; each page brings a new client id.
    let first = [
        ("token", token.as_str()),
        ("client_id", first_id.as_str()),
        (
            "body",
            "Ça vend devant le 12 rue des Lilas <b>tous les soirs</b>",
        ),
        ("action", "send"),
    ];
    let sent = post(&server, &http, "/", &first).await;
    assert_eq!(sent.status, 200);
    assert!(
        !sent.page.contains("id=\"receipt-code\""),
        "the code is shown once"
    );
    let second_id = hidden(&sent.page, "client_id").unwrap();
    assert_ne!(second_id, first_id);
    assert_eq!(text_of(&sent.page, "message"), "", "the box is emptied");
    let sent = post(
        &server,
        &http,
        "/",
        &[
            ("token", &token),
            ("client_id", &second_id),
            ("body", "Deux guetteurs au coin"),
            ("action", "send"),
        ],
    )
    .await;
    assert_eq!(sent.status, 200);
    // The first form posted again (a reload that re-posts it): not written twice.
    let again = post(&server, &http, "/", &first).await;
    assert_eq!(again.status, 200);
    let expected_witness = vec![
        "Ça vend devant le 12 rue des Lilas <b>tous les soirs</b>".to_owned(),
        "Deux guetteurs au coin".to_owned(),
    ];
    assert_eq!(stored_messages(&server, &token).await, expected_witness);
    assert_eq!(
        thread(&again.page),
        vec![
            (
                "Vous".to_owned(),
                "Ça vend devant le 12 rue des Lilas <b>tous les soirs</b>".to_owned()
            ),
            ("Vous".to_owned(), "Deux guetteurs au coin".to_owned()),
        ]
    );

    assert!(
        !again.page.contains("<b>tous"),
        "a message reached the page unescaped"
    );

    // An officer takes the conversation and answers through the API.
    let (_, queue) = officer.get("/api/v1/staff/queue").await;
    let id = queue["queue"][0]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(officer.take(&id).await.0, 200);
    assert_eq!(
        officer.say(&id, "o1", "Bonjour, à quelle heure ?").await.0,
        201
    );

    // "Refresh" reads it, and keeps what the witness had started to write.
    let refreshed = post(
        &server,
        &http,
        "/",
        &[
            ("token", &token),
            ("client_id", &hidden(&again.page, "client_id").unwrap()),
            ("body", "Vers 21 h"),
            ("action", "refresh"),
        ],
    )
    .await;
    assert_eq!(refreshed.status, 200);
    let lines = thread(&refreshed.page);
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(
        lines[2],
        (
            "Vigie".to_owned(),
            "Un policier a rejoint la conversation.".to_owned()
        )
    );
    assert_eq!(
        lines[3],
        (
            "Policier".to_owned(),
            "Bonjour, à quelle heure ?".to_owned()
        )
    );
    assert!(!refreshed.page.contains("agent.nojs"));
    assert!(text_of(&refreshed.page, "status").contains("policier est avec vous"));
    assert_eq!(text_of(&refreshed.page, "message"), "Vers 21 h");

    // Bad input comes back on the page, in French, with the text kept, and writes nothing.
    let client_id = hidden(&refreshed.page, "client_id").unwrap();
    let too_long = "a".repeat(4001);
    for (body, status, message) in [
        ("   ", 422, "Le message est vide."),
        (too_long.as_str(), 422, "Le message est trop long"),
    ] {
        let refused = post(
            &server,
            &http,
            "/",
            &[
                ("token", &token),
                ("client_id", &client_id),
                ("body", body),
                ("action", "send"),
            ],
        )
        .await;
        assert_eq!(refused.status, status);
        assert!(text_of(&refused.page, "send-error").contains(message));
        assert!(refused.page.contains("<html lang=\"fr\">"));
        assert!(hidden(&refused.page, "token").is_some());
    }
    let refused = post(
        &server,
        &http,
        "/",
        &[
            ("token", &token),
            ("client_id", "pas un id!"),
            ("body", "bonjour"),
            ("action", "send"),
        ],
    )
    .await;
    assert_eq!(refused.status, 422);
    assert_eq!(text_of(&refused.page, "message"), "bonjour");
    assert_eq!(stored_messages(&server, &token).await, expected_witness);

    // The same refusal in English when the page is in English.
    let english = post(
        &server,
        &http,
        "/?lang=en",
        &[
            ("token", &token),
            ("client_id", &client_id),
            ("body", ""),
            ("action", "send"),
        ],
    )
    .await;
    assert_eq!(english.status, 422);
    assert!(english.page.contains("<html lang=\"en\">"));
    assert_eq!(
        text_of(&english.page, "send-error"),
        "The message is empty."
    );
    assert_eq!(thread(&english.page)[3].0, "Officer");
    assert!(english.page.contains("action=\"/?lang=en#message\""));

    // A wrong receipt code, a bad token, an unknown action, another site's form.
    let unknown = post(
        &server,
        &http,
        "/",
        &[
            ("action", "resume"),
            ("receipt_code", "1234 5678 9012 3456"),
        ],
    )
    .await;
    assert_eq!(unknown.status, 404);
    assert!(text_of(&unknown.page, "resume-error").contains("Ce code ne correspond"));
    let unknown = post(
        &server,
        &http,
        "/?lang=en",
        &[("action", "resume"), ("receipt_code", "12")],
    )
    .await;
    assert_eq!(unknown.status, 404);
    assert!(text_of(&unknown.page, "resume-error").contains("does not match"));
    let forged = post(
        &server,
        &http,
        "/",
        &[
            ("token", "not-a-token"),
            ("client_id", "x1"),
            ("body", "intrus"),
            ("action", "send"),
        ],
    )
    .await;
    assert_eq!(forged.status, 401);
    assert!(text_of(&forged.page, "start-error").contains("code de reçu"));
    assert!(hidden(&forged.page, "token").is_none());
    let odd = post(&server, &http, "/", &[("action", "drop-tables")]).await;
    assert_eq!(odd.status, 400);
    assert!(text_of(&odd.page, "start-error").contains("Le formulaire n'a pas pu être lu"));
    let cross = http
        .post(server.url("/"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body(encode(&[("action", "start")]))
        .send()
        .await
        .unwrap();
    check_headers(&cross, &[]);
    assert_eq!(cross.status(), 403);
    assert_eq!(stored_messages(&server, &token).await, expected_witness);
    let (_, queue) = officer.get("/api/v1/staff/queue").await;
    assert!(
        queue["queue"].as_array().unwrap().is_empty(),
        "a refused form opened a conversation: {queue}"
    );

    // Ending asks first, then ends; the thread stays on the page, the token is gone.
    let asked = post(&server, &http, "/", &[("token", &token), ("action", "end")]).await;
    assert_eq!(asked.status, 200);
    assert!(asked.page.contains("id=\"end-confirm\""));
    assert!(asked.page.contains("value=\"end_confirmed\""));
    assert_eq!(
        stored_messages(&server, &token).await.len(),
        2,
        "asking ends nothing"
    );
    let ended = post(
        &server,
        &http,
        "/",
        &[("token", &token), ("action", "end_confirmed")],
    )
    .await;
    assert_eq!(ended.status, 200);
    assert!(hidden(&ended.page, "token").is_none());
    assert!(!ended.page.contains(&token));
    assert!(ended.page.contains("Conversation terminée. Merci."));
    assert_eq!(
        thread(&ended.page).last().unwrap().1,
        "Vous avez terminé la conversation."
    );
    let r = server
        .http
        .get(server.url("/api/v1/witness/events?after=0"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "the token still works after the end");
    // The page of before, posted again, does not reopen anything.
    let stale = post(&server, &http, "/", &first).await;
    assert_eq!(stale.status, 401);
    assert!(hidden(&stale.page, "token").is_none());

    // The receipt code opens the whole thread again, without a script, with a new token.
    let resumed = post(
        &server,
        &http,
        "/",
        &[
            ("action", "resume"),
            ("receipt_code", &receipt.replace(' ', "")),
        ],
    )
    .await;
    assert_eq!(resumed.status, 200);
    let new_token = hidden(&resumed.page, "token").unwrap();
    assert_ne!(new_token, token);
    assert!(!resumed.page.contains("id=\"receipt-code\""));
    let lines = thread(&resumed.page);
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert_eq!(
        lines
            .iter()
            .filter(|(_, b)| b == "Deux guetteurs au coin")
            .count(),
        1
    );
    assert!(text_of(&resumed.page, "status").contains("terminée"));
    assert!(!resumed.page.contains("id=\"end\""));

    // Nothing of the witness's reached the log.
    let log = server.log();
    for needle in [
        token.as_str(),
        new_token.as_str(),
        "Deux guetteurs",
        &receipt.replace(' ', ""),
    ] {
        assert!(!log.contains(needle), "the log contains {needle:?}");
    }
}
