#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Anonymity by construction: what the logs and the database hold after a full session, and the
//! security headers on every response.

mod common;

use common::*;
use futures_util::SinkExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

const UA: &str = "Mozilla/5.0 (Linux; Android 14; TEMOIN-UA-9d1c) Mobile";
const IP: &str = "198.51.100.77";
const WORDS: &str = "vendeur-secret-ruedesLilas";
/// Planted in a photo's metadata, and the client id it is sent under.
const PHOTO_WORDS: [&str; 3] = [
    "Appareil-Gecko-5521",
    "Auteur-Marmotte-0384",
    "Note-Photo-Harfang-7209",
];
const PHOTO_CID: &str = "photo-cid-7f3a91";

/// A JPEG carrying a GPS position, a camera, an author and a comment, as a phone writes them.
fn phone_photo(dir: &std::path::Path) -> Vec<u8> {
    let path = dir.join("phone.jpg");
    image::RgbImage::from_fn(160, 120, |x, y| image::Rgb([x as u8, y as u8, 128]))
        .save_with_format(&path, image::ImageFormat::Jpeg)
        .unwrap();
    let out = std::process::Command::new("exiftool")
        .args([
            "-GPSLatitude=48.8566",
            "-GPSLatitudeRef=N",
            "-GPSLongitude=2.3522",
            "-GPSLongitudeRef=E",
            &format!("-Make={}", PHOTO_WORDS[0]),
            &format!("-XMP:Creator={}", PHOTO_WORDS[1]),
            &format!("-Comment={}", PHOTO_WORDS[2]),
            "-overwrite_original",
        ])
        .arg(&path)
        .output()
        .expect("exiftool is installed (Debian: libimage-exiftool-perl)");
    assert!(out.status.success());
    std::fs::read(&path).unwrap()
}

#[tokio::test]
async fn a_full_session_leaves_no_ip_user_agent_or_witness_words_in_logs() {
    // The most verbose level our code has.
    let mut server = Server::start_with(&[("VIGIE_LOG", "trace")]);
    let officer = server.staff("operator", "agent.log", "").await;
    let http = reqwest::Client::builder().user_agent(UA).build().unwrap();
    let fwd = |r: reqwest::RequestBuilder| {
        r.header("x-forwarded-for", IP)
            .header("x-real-ip", IP)
            .header("referer", "https://example.org/from-a-leaky-page")
    };

    let proof = server.proof().await;
    let r = fwd(http.post(server.url("/api/v1/witness/conversations")))
        .json(&json!({"locale": "fr", "proof": proof}))
        .send()
        .await
        .unwrap();
    let started: serde_json::Value = r.json().await.unwrap();
    let token = started["token"].as_str().unwrap().to_owned();
    let receipt = started["receipt_code"].as_str().unwrap().to_owned();
    let id = started["conversation_id"].as_str().unwrap().to_owned();
    fwd(http.post(server.url("/api/v1/witness/messages")))
        .bearer_auth(&token)
        .json(&json!({"client_id": "l1", "body": format!("Le {WORDS} est là tous les soirs")}))
        .send()
        .await
        .unwrap();
    // An invalid message too: errors must not echo the input into the logs.
    fwd(http.post(server.url("/api/v1/witness/messages")))
        .bearer_auth(&token)
        .json(&json!({"client_id": "bad id", "body": format!("{WORDS} {}", "x".repeat(5000))}))
        .send()
        .await
        .unwrap();
    officer.take(&id).await;
    // Over the WebSocket, with the same identifying headers.
    let mut request = format!("ws://{}/api/v1/witness/ws", server.addr)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("user-agent", UA.parse().unwrap());
    request
        .headers_mut()
        .insert("x-forwarded-for", IP.parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    ws.send(Message::Text(
        json!({"type": "hello", "token": token, "after": 0})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    ws.send(Message::Text(
        json!({"type": "send", "client_id": "l2", "body": format!("Encore {WORDS}")})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    until(&mut ws, |f| f["type"] == "ack").await;
    officer.say(&id, "o", "Merci").await;
    // A photo from the phone, then a refused one (a text file labelled as a JPEG): neither its
    // metadata nor its words may be logged. The officer looks at the accepted one.
    let work = tempfile::tempdir().unwrap();
    let r = fwd(http.post(server.url(&format!("/api/v1/witness/photos?client_id={PHOTO_CID}"))))
        .bearer_auth(&token)
        .header("content-type", "image/jpeg")
        .body(phone_photo(work.path()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let photo = r.json::<serde_json::Value>().await.unwrap()["photo"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = fwd(http.post(server.url("/api/v1/witness/photos?client_id=photo-bad")))
        .bearer_auth(&token)
        .header("content-type", "image/jpeg")
        .body(format!("{WORDS} {}", PHOTO_WORDS.join(" ")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let r = server
        .http
        .get(server.url(&format!("/staff/photos/{photo}")))
        .header("cookie", &officer.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Resume with the receipt code, then end.
    fwd(http.post(server.url("/api/v1/witness/resume")))
        .json(&json!({"receipt_code": receipt}))
        .send()
        .await
        .unwrap();
    fwd(http.get(server.url("/"))).send().await.unwrap();
    drop(ws);
    assert!(server.terminate(), "clean shutdown");

    let log = server.log();
    assert!(log.contains("request"), "the access log is on: {log}");
    for needle in [
        UA,
        "TEMOIN-UA",
        IP,
        WORDS,
        "example.org",
        &receipt,
        &receipt.replace(' ', ""),
        &token,
        PHOTO_WORDS[0],
        PHOTO_WORDS[1],
        PHOTO_WORDS[2],
        PHOTO_CID,
        "48.8566",
        &photo,
    ] {
        assert!(!log.contains(needle), "the log contains {needle:?}:\n{log}");
    }
    // Nor is the user agent or the address stored anywhere in the database files.
    for file in ["vigie.db", "vigie.db-wal"] {
        let path = server.dir.path().join(file);
        if let Ok(bytes) = std::fs::read(&path) {
            let text = String::from_utf8_lossy(&bytes);
            for needle in [
                UA,
                IP,
                "TEMOIN-UA",
                WORDS,
                &receipt.replace(' ', ""),
                &token,
            ] {
                assert!(!text.contains(needle), "{file} contains {needle:?}");
            }
        }
    }
}

/// Finds `needle` in the SQLite file and its write-ahead log, as a thief with a copy would.
fn database_holds(dir: &std::path::Path, needle: &str) -> Option<&'static str> {
    ["vigie.db", "vigie.db-wal"].into_iter().find(|file| {
        std::fs::read(dir.join(file))
            .is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
    })
}

#[tokio::test]
async fn a_copy_of_the_database_reveals_no_witness_or_cell_words() {
    const SAID: &str = "Kiosque-Violet-7731";
    const NOTE: &str = "Note-Salamandre-4410";
    const PLACE: &str = "Passage-Ocelot-0915";
    const ASSESSMENT: &str = "Avis-Pangolin-2203";
    const CHECK: &str = "Releve-Manchot-6618";
    let mut server = Server::start();
    let witness = server.witness().await;
    let (status, sent) = witness
        .send("p-1", &format!("Le point {SAID} ouvre à 18 h"))
        .await;
    assert_eq!(status, 201, "{sent}");
    let seq = sent["seq"].as_u64().unwrap().to_string();
    let operator = server.staff("operator", "agent.vault", "").await;
    assert_eq!(operator.take(&witness.id).await.0, 200);
    let conv = format!("/api/v1/staff/conversations/{}", witness.id);
    let (status, body) = operator
        .post(
            &format!("{conv}/notes"),
            json!({"body": format!("Témoin calme, {NOTE}")}),
        )
        .await;
    assert!(status == 200 || status == 201, "note: {status} {body}");
    let mut fields = lille_report();
    fields["place"] = json!(format!("Entrée du {PLACE}"));
    let (status, body) = operator
        .call(
            reqwest::Method::PUT,
            &format!("{conv}/report"),
            json!({"version": 0, "fields": fields}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = operator.post(&format!("{conv}/qualify"), json!({})).await;
    assert_eq!(status, 200, "{body}");

    let admin = server.staff("admin", "admin.vault", "").await;
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = plain
        .post(server.url("/staff/units"))
        .header("cookie", &admin.cookie)
        .form(&[
            ("csrf", admin.csrf.as_str()),
            ("name", "Sûreté du Nord"),
            ("kind", "surete_departementale"),
            ("departements", "59"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let unit = location.split("created=").nth(1).unwrap()[..36].to_owned();

    let analyst = server.staff("analyst", "analyst.vault", "59").await;
    let (_, inbox) = analyst.get("/api/v1/staff/reports").await;
    let report = inbox["reports"][0]["id"].as_str().unwrap().to_owned();
    let base = format!("/api/v1/staff/reports/{report}");
    for (path, body) in [
        (
            "grading",
            json!({"source": "F", "credibility": "3", "handling": "H2", "assessment": format!("Lieu connu, {ASSESSMENT}")}),
        ),
        (
            "checks",
            json!({"kind": "patrol", "result": format!("Vus vendredi, {CHECK}")}),
        ),
        ("conclusion", json!({"conclusion": "corroborated"})),
    ] {
        let (status, answer) = analyst.post(&format!("{base}/{path}"), body).await;
        assert!(status == 200 || status == 201, "{path}: {status} {answer}");
    }
    let r = plain
        .post(server.url(&format!("/staff/reports/{report}/chain/disseminate")))
        .header("cookie", &analyst.cookie)
        .form(&[
            ("csrf", analyst.csrf.as_str()),
            ("unit", unit.as_str()),
            ("excerpts", seq.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        r.status() == 303 || r.status() == 200,
        "disseminate: {}",
        r.status()
    );
    // The staff still read everything back, decrypted.
    let (_, shown) = analyst.get(&base).await;
    let shown = shown.to_string();
    for word in [PLACE, ASSESSMENT] {
        assert!(shown.contains(word), "{word} missing from {shown}");
    }
    let thread = serde_json::to_string(&witness.event_list().await).unwrap();
    assert!(thread.contains(SAID), "{thread}");

    let words = [SAID, NOTE, PLACE, ASSESSMENT, CHECK];
    for word in words {
        assert_eq!(database_holds(server.dir.path(), word), None, "{word}");
    }
    assert!(server.terminate(), "clean shutdown");
    for word in words {
        assert_eq!(database_holds(server.dir.path(), word), None, "{word}");
    }
    // The cleartext columns still serve the lists: the commune is there, in clear.
    assert!(database_holds(server.dir.path(), "59350").is_some());
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let server = Server::start();
    let officer = server.staff("operator", "agent.headers", "").await;
    let witness = server.witness().await;
    let paths = [
        "/",
        "/?lang=en",
        "/staff/login",
        "/staff/console",
        "/static/vigie.css",
        "/static/witness.js",
        "/api/v1/openapi.json",
        "/api/v1/staff/queue",
        "/api/v1/witness/events",
        "/does-not-exist",
    ];
    for path in paths {
        for with_session in [false, true] {
            let mut r = server
                .http
                .get(server.url(path))
                .bearer_auth(&witness.token);
            if with_session {
                r = r.header("cookie", &officer.cookie);
            }
            let r = r.send().await.unwrap();
            let h = r.headers();
            let csp = h["content-security-policy"].to_str().unwrap();
            assert!(
                csp.contains("default-src 'none'")
                    && csp.contains("script-src 'self'")
                    && csp.contains("frame-ancestors 'none'"),
                "{path}"
            );
            assert!(!csp.contains("unsafe-inline"), "{path}");
            assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
            let pp = h["permissions-policy"].to_str().unwrap();
            assert!(
                pp.contains("geolocation=()")
                    && pp.contains("camera=()")
                    && pp.contains("microphone=()"),
                "{path}"
            );
            assert_eq!(h["x-frame-options"], "DENY", "{path}");
            assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
            if !path.starts_with("/static/") {
                assert_eq!(h["cache-control"], "no-store", "{path}");
            }
            // The witness's pages never set a cookie.
            if !path.starts_with("/staff") {
                assert!(h.get("set-cookie").is_none(), "{path} sets a cookie");
            }
        }
    }
    // The witness page loads nothing from another origin and has no inline script.
    let page = server
        .http
        .get(server.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("http://") || page.matches("http://").count() == 0);
    for tag in page.split("<script").skip(1) {
        let head = &tag[..tag.find('>').unwrap()];
        assert!(
            head.contains("src=\"/static/") || head.contains("application/json"),
            "inline script: {head}"
        );
    }
    assert!(!page.contains("localStorage") && !page.contains("indexedDB"));
    for js in ["witness.js", "quick-exit.js"] {
        let code = server
            .http
            .get(server.url(&format!("/static/{js}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            !code.contains("localStorage")
                && !code.contains("sessionStorage")
                && !code.contains("indexedDB")
                && !code.contains("document.cookie"),
            "{js}"
        );
    }
    // Staff cookies are HttpOnly, Secure and SameSite=Strict.
    let r = server
        .login_response("agent.headers", "agent.headers-secret-password")
        .await;
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    for flag in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
}
