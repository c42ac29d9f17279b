#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The binary as an operator of the platform meets it: the CLI, configuration, the gazetteer,
//! shutdown, and the published API description.

mod common;

use common::*;
use serde_json::{json, Value};
use std::process::Command;

#[tokio::test]
async fn staff_add_reads_the_password_from_stdin_and_refuses_bad_accounts() {
    let server = Server::start();
    let ok = server.cli(
        &["staff", "add", "--role", "auditor", "--username", "dpo"],
        "un mot de passe solide\n",
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let login = server.login("dpo", "un mot de passe solide").await;
    let (_, me) = login.get("/api/v1/staff/me").await;
    assert_eq!(me["role"], "auditor");

    let refused = [
        (
            vec!["staff", "add", "--role", "auditor", "--username", "dpo"],
            "un autre mot de passe\n",
            "taken",
        ),
        (
            vec!["staff", "add", "--role", "operator", "--username", "court"],
            "court\n",
            "too short",
        ),
        (
            vec!["staff", "add", "--role", "analyst", "--username", "cross"],
            "mot de passe du cross\n",
            "departements",
        ),
        (
            vec![
                "staff",
                "add",
                "--role",
                "analyst",
                "--username",
                "cross",
                "--departements",
                "XX",
            ],
            "mot de passe du cross\n",
            "département",
        ),
        (
            vec!["staff", "add", "--role", "superuser", "--username", "root"],
            "mot de passe du root\n",
            "operator, supervisor",
        ),
    ];
    for (args, stdin, message) in refused {
        let out = server.cli(&args, stdin);
        assert!(!out.status.success(), "{args:?} should fail");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(message), "{args:?}: {err}");
    }
}

#[tokio::test]
async fn the_builtin_gazetteer_answers_and_geo_import_adds_centroids() {
    let server = Server::start();
    let officer = server.staff("operator", "agent.geo", "").await;
    let (_, found) = officer
        .get("/api/v1/staff/communes?q=saint%20etienne")
        .await;
    let first = &found["communes"][0];
    assert_eq!(first["name"], "Saint-Étienne");
    assert!(
        first["lat"].is_null(),
        "the built-in gazetteer has no centroids"
    );
    let (_, by_postcode) = officer.get("/api/v1/staff/communes?q=59800").await;
    assert_eq!(by_postcode["communes"][0]["insee"], "59350");
    let (_, arrondissement) = officer
        .get("/api/v1/staff/communes?q=Marseille%201er")
        .await;
    assert_eq!(arrondissement["communes"][0]["insee"], "13201");

    let out = server.cli(&["geo", "import", shared_geo().to_str().unwrap()], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("35014 communes imported"), "{stdout}");
    let (_, found) = officer.get("/api/v1/staff/communes?q=59350").await;
    let lille = &found["communes"][0];
    assert!(
        (lille["lat"].as_f64().unwrap() - 50.63).abs() < 0.05,
        "{lille}"
    );

    let out = server.cli(&["geo", "import", "/nonexistent"], "");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("departements.csv"));
}

#[test]
fn unknown_configuration_keys_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vigie.toml");
    std::fs::write(&file, "listen = \"127.0.0.1:0\"\nlistne = 1\n").unwrap();
    let out = Command::new(bin())
        .args(["serve", "--config"])
        .arg(&file)
        .arg("--data-dir")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("listne"));
    let out = Command::new(bin())
        .args(["serve", "--data-dir"])
        .arg(dir.path())
        .env("VIGIE_LISTNE", "x")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("VIGIE_LISTNE"));
}

#[tokio::test]
async fn sigterm_closes_live_sockets_and_stops_cleanly_then_data_survives_a_restart() {
    let mut server = Server::start();
    let witness = server.witness().await;
    witness.send("a", "avant l'arrêt").await;
    let mut ws = witness.socket(0).await;
    until(&mut ws, |f| f["type"] == "event").await;
    assert!(server.terminate(), "exit status 0");
    // The socket was told to close rather than cut.
    assert!(next_json(&mut ws).await.is_none());
    let log = server.log();
    assert!(log.contains("stopped"), "{log}");

    let dir = std::mem::replace(&mut server.dir, tempfile::tempdir().unwrap());
    let restarted = Server::start_in(dir, &[]);
    let again = WitnessClient {
        base: restarted.base.clone(),
        addr: restarted.addr.clone(),
        http: restarted.http.clone(),
        ..witness
    };
    let events = again.event_list().await;
    assert_eq!(events[0]["body"], "avant l'arrêt");
    // A backup is a consistent copy.
    let out = restarted.cli(
        &[
            "backup",
            restarted.dir.path().join("copy.db").to_str().unwrap(),
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The copy passes the integrity check and holds the conversation.
    let copy = format!(
        "sqlite://{}",
        restarted.dir.path().join("copy.db").display()
    );
    let check = restarted.cli(&["check", "--database-url", &copy], "");
    assert_eq!(String::from_utf8_lossy(&check.stdout).trim(), "ok");
    let copy_dir = tempfile::tempdir().unwrap();
    // A restore needs the keys with the copy: the content key opens what was written.
    for key in ["secret.key", "content.key"] {
        std::fs::copy(restarted.dir.path().join(key), copy_dir.path().join(key)).unwrap();
    }
    let from_copy = Server::start_in(copy_dir, &[("VIGIE_DATABASE_URL", &copy)]);
    let reader = WitnessClient {
        base: from_copy.base.clone(),
        addr: from_copy.addr.clone(),
        http: from_copy.http.clone(),
        ..again
    };
    assert_eq!(reader.event_list().await[0]["body"], "avant l'arrêt");
    let overwrite = restarted.cli(
        &[
            "backup",
            restarted.dir.path().join("copy.db").to_str().unwrap(),
        ],
        "",
    );
    assert!(
        !overwrite.status.success(),
        "an existing file is never overwritten"
    );
}

#[tokio::test]
async fn the_openapi_document_lists_every_api_route_and_each_one_exists() {
    let server = Server::start();
    let doc: Value = server
        .http
        .get(server.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.0.3");
    let paths = doc["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 48);
    for (path, ops) in paths {
        let concrete = path.replace("{id}", "00000000-0000-4000-8000-000000000000");
        for (method, _) in ops.as_object().unwrap() {
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = server
                .http
                .request(m, server.url(&concrete))
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let body = r.text().await.unwrap();
            // A route that does not exist answers the router's fallback: 404 "not-found" with no
            // more specific code; every listed route answers something else or a typed 404.
            let fallback =
                status == 404 && body.contains("\"not-found\"") && !path.contains("{id}");
            assert!(
                !fallback && status != 405,
                "{method} {path} answered {status} {body}"
            );
        }
    }
}

#[tokio::test]
async fn health_and_readiness_probes_answer() {
    let server = Server::start();
    let health = server
        .http
        .get(server.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let ready = server.http.get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.json::<Value>().await.unwrap()["ready"], true);
}

#[tokio::test]
async fn metrics_count_traffic_and_hold_nothing_personal() {
    let server = Server::start();
    let witness = server.witness().await;
    witness.send("m1", "mot-secret-du-temoin").await;
    let _ws = witness.socket(0).await;
    let text = server
        .http
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("vigie_http_requests_total{route=\"/api/v1/witness/messages\",method=\"POST\",status=\"201\"} 1"), "{text}");
    assert!(text.contains("vigie_witness_messages_total 1"));
    assert!(text.contains("vigie_witness_sockets 1"));
    assert!(text.contains("vigie_queue_depth 1"));
    assert!(text.contains("vigie_http_request_duration_seconds_bucket"));
    for secret in ["mot-secret", &witness.token, &witness.id] {
        assert!(!text.contains(secret), "{secret}");
    }
}

#[tokio::test]
async fn static_assets_travel_gzip_compressed_to_clients_that_accept_it() {
    use std::io::Read;
    let server = Server::start();
    let http = reqwest::Client::new();
    for file in ["witness.js", "vigie.css", "pow-worker.js"] {
        let url = server.url(&format!("/static/{file}"));
        let plain = http.get(&url).send().await.unwrap();
        assert_eq!(plain.status(), 200);
        assert!(plain.headers().get("content-encoding").is_none(), "{file}");
        assert_eq!(plain.headers()["vary"], "Accept-Encoding");
        let plain = plain.text().await.unwrap();

        let gz = http
            .get(&url)
            .header("accept-encoding", "gzip, deflate, br")
            .send()
            .await
            .unwrap();
        assert_eq!(gz.status(), 200);
        assert_eq!(gz.headers()["content-encoding"], "gzip", "{file}");
        let bytes = gz.bytes().await.unwrap();
        assert!(
            bytes.len() * 2 < plain.len(),
            "{file}: {} of {}",
            bytes.len(),
            plain.len()
        );
        let mut unpacked = String::new();
        flate2::read::GzDecoder::new(bytes.as_ref())
            .read_to_string(&mut unpacked)
            .unwrap();
        assert_eq!(unpacked, plain, "{file}");

        // Refused by weight zero: plain again.
        let refused = http
            .get(&url)
            .header("accept-encoding", "gzip;q=0")
            .send()
            .await
            .unwrap();
        assert!(refused.headers().get("content-encoding").is_none());
    }
}
