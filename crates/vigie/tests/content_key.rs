#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The content key that seals witnesses' words at rest: created beside the database on first
//! start (owner-only), or given in `VIGIE_CONTENT_KEY`; a node started with another key is
//! refused, and with the right one everything reads back.

mod common;

use common::*;

/// Starts `serve` on `dir` expecting a refusal; returns standard error.
fn refused(dir: &std::path::Path, env: &[(&str, &str)]) -> String {
    let out = std::process::Command::new(bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(!out.status.success(), "a node with another key started");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test]
async fn a_node_with_another_content_key_refuses_to_start() {
    let mut server = Server::start();
    let witness = server.witness().await;
    assert_eq!(witness.send("k-1", "Devant la pharmacie").await.0, 201);
    assert!(server.terminate());
    let key_path = server.dir.path().join("content.key");
    let key = std::fs::read(&key_path).unwrap();
    assert_eq!(key.len(), 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "content.key is readable by others");
    }
    // The key is not in the database, only its fingerprint.
    let db = std::fs::read(server.dir.path().join("vigie.db")).unwrap();
    assert!(!db.windows(key.len()).any(|w| w == key.as_slice()));

    std::fs::write(&key_path, [9u8; 32]).unwrap();
    let err = refused(server.dir.path(), &[]);
    assert!(
        err.contains("is not the content key this database was started with")
            && err.contains("content.key"),
        "{err}"
    );
    // With its own key back, the node starts and the witness reads their words.
    std::fs::write(&key_path, &key).unwrap();
    server.restart();
    let witness = WitnessClient {
        base: server.base.clone(),
        addr: server.addr.clone(),
        http: server.http.clone(),
        ..witness
    };
    let thread = serde_json::to_string(&witness.event_list().await).unwrap();
    assert!(thread.contains("Devant la pharmacie"), "{thread}");
}

#[tokio::test]
async fn the_content_key_can_come_from_the_environment() {
    const KEY: &str = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
    let mut server = Server::start_with(&[("VIGIE_CONTENT_KEY", KEY)]);
    let witness = server.witness().await;
    assert_eq!(witness.send("k-1", "Sous le pont").await.0, 201);
    assert!(server.terminate());
    assert!(!server.dir.path().join("content.key").exists());
    let err = refused(
        server.dir.path(),
        &[(
            "VIGIE_CONTENT_KEY",
            "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICA=",
        )],
    );
    assert!(err.contains("VIGIE_CONTENT_KEY"), "{err}");
    // Not base64 of 32 bytes: refused with a message that says so, and without echoing it.
    let err = refused(server.dir.path(), &[("VIGIE_CONTENT_KEY", "c2hvcnQ=")]);
    assert!(
        err.contains("32 bytes") && !err.contains("c2hvcnQ="),
        "{err}"
    );
    server.restart();
    let witness = WitnessClient {
        base: server.base.clone(),
        addr: server.addr.clone(),
        http: server.http.clone(),
        ..witness
    };
    let thread = serde_json::to_string(&witness.event_list().await).unwrap();
    assert!(thread.contains("Sous le pont"), "{thread}");
}
