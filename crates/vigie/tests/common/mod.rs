//! The test harness: the real `vigie` binary on a random port with its own data directory, real
//! HTTP and WebSocket clients, and staff accounts created through the real CLI.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub struct Server {
    pub base: String,
    pub addr: String,
    pub dir: tempfile::TempDir,
    child: Option<Child>,
    pub http: reqwest::Client,
    env: Vec<(String, String)>,
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_vigie")
}

/// A fresh PostgreSQL database for one test, from `VIGIE_TEST_POSTGRES_URL`, dropped when the
/// value is dropped; `None` (and a notice) when the variable is not set.
pub struct PgDatabase {
    admin: String,
    name: String,
    pub url: String,
}

impl PgDatabase {
    pub fn create() -> Option<PgDatabase> {
        let Ok(admin) = std::env::var("VIGIE_TEST_POSTGRES_URL") else {
            eprintln!("VIGIE_TEST_POSTGRES_URL is not set: this PostgreSQL test did not run");
            return None;
        };
        let name = format!(
            "vigie_nodes_{}",
            std::process::id()
                ^ (std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .subsec_nanos())
        );
        let out = Command::new("psql")
            .arg(&admin)
            .args(["-v", "ON_ERROR_STOP=1", "-qc"])
            .arg(format!("CREATE DATABASE {name}"))
            .output()
            .expect("psql");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let base = admin.split('?').next().unwrap();
        let base = &base[..base.rfind('/').unwrap()];
        Some(PgDatabase {
            url: format!("{base}/{name}"),
            admin,
            name,
        })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .arg(&self.admin)
            .arg("-qc")
            .arg(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .output();
    }
}

/// `../shared/geo`, the open-data files tests import.
pub fn shared_geo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/geo")
}

impl Server {
    pub fn start() -> Server {
        Self::start_with(&[])
    }

    pub fn start_with(env: &[(&str, &str)]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        Self::start_in(dir, env)
    }

    /// Another node on the same database: a data directory with the same secret and content
    /// keys.
    pub fn another_node(&self) -> Server {
        let dir = tempfile::tempdir().unwrap();
        for key in ["secret.key", "content.key"] {
            std::fs::copy(self.dir.path().join(key), dir.path().join(key)).unwrap();
        }
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        Self::start_in(dir, &env)
    }

    /// Starts the binary on a data directory that may already hold a database.
    pub fn start_in(dir: tempfile::TempDir, env: &[(&str, &str)]) -> Server {
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        let mut cmd = Command::new(bin());
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path())
            .env_remove("VIGIE_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let addr = loop {
            let line = lines
                .next()
                .expect("server exited before listening")
                .unwrap();
            if let Some(rest) = line.strip_prefix("Vigie listening on http://") {
                break rest.trim().to_owned();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server {
            base: format!("http://{addr}"),
            addr,
            dir,
            child: Some(child),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(40))
                .build()
                .unwrap(),
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// Runs the CLI against this server's data directory.
    pub fn cli(&self, args: &[&str], stdin: &str) -> std::process::Output {
        let mut child = Command::new(bin())
            .args(args)
            .arg("--data-dir")
            .arg(self.dir.path())
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    pub fn add_staff(&self, role: &str, username: &str, departements: &str) -> String {
        let password = format!("{username}-secret-password");
        let mut args = vec!["staff", "add", "--role", role, "--username", username];
        if !departements.is_empty() {
            args.extend(["--departements", departements]);
        }
        let out = self.cli(&args, &format!("{password}\n"));
        assert!(
            out.status.success(),
            "staff add: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        password
    }

    pub async fn staff(&self, role: &str, username: &str, departements: &str) -> StaffClient {
        let password = self.add_staff(role, username, departements);
        self.login(username, &password).await
    }

    pub async fn login(&self, username: &str, password: &str) -> StaffClient {
        let r = self
            .http
            .post(self.url("/api/v1/staff/login"))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "login {username}");
        let cookie = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.starts_with("vigie_session="))
            .unwrap();
        let cookie = cookie.split(';').next().unwrap().to_owned();
        let body: Value = r.json().await.unwrap();
        StaffClient {
            base: self.base.clone(),
            addr: self.addr.clone(),
            cookie,
            csrf: body["csrf_token"].as_str().unwrap().to_owned(),
            http: self.http.clone(),
        }
    }

    pub async fn witness(&self) -> WitnessClient {
        let r = self
            .http
            .post(self.url("/api/v1/witness/conversations"))
            .json(&json!({ "locale": "fr" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let body: Value = r.json().await.unwrap();
        WitnessClient {
            base: self.base.clone(),
            addr: self.addr.clone(),
            id: body["conversation_id"].as_str().unwrap().to_owned(),
            token: body["token"].as_str().unwrap().to_owned(),
            receipt: body["receipt_code"].as_str().unwrap().to_owned(),
            http: self.http.clone(),
        }
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub fn kill_9(&mut self) {
        let mut child = self.child.take().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
    }

    /// Starts the binary again on the same data directory and database, on a new port.
    pub fn restart(&mut self) {
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap());
        let env: Vec<(String, String)> = self.env.clone();
        let env_ref: Vec<(&str, &str)> =
            env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut fresh = Server::start_in(dir, &env_ref);
        std::mem::swap(self, &mut fresh);
        // `fresh` now holds the dead process's empty shell; dropping it is harmless.
    }

    /// Sends SIGTERM and waits for the process to end; returns whether it exited cleanly.
    pub fn terminate(&mut self) -> bool {
        let mut child = self.child.take().unwrap();
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        for _ in 0..150 {
            if let Some(status) = child.try_wait().unwrap() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub struct WitnessClient {
    pub base: String,
    pub addr: String,
    pub id: String,
    pub token: String,
    pub receipt: String,
    pub http: reqwest::Client,
}

impl WitnessClient {
    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn send(&self, client_id: &str, body: &str) -> (u16, Value) {
        self.post(
            "/api/v1/witness/messages",
            json!({ "client_id": client_id, "body": body }),
        )
        .await
    }

    pub async fn events(&self, after: u64) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}/api/v1/witness/events?after={after}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn event_list(&self) -> Vec<Value> {
        let (status, body) = self.events(0).await;
        assert_eq!(status, 200);
        body["events"].as_array().unwrap().clone()
    }

    /// Opens the WebSocket and says hello; returns the socket after the `ready` frame.
    pub async fn socket(&self, after: u64) -> Ws {
        let (mut ws, _) =
            tokio_tungstenite::connect_async(format!("ws://{}/api/v1/witness/ws", self.addr))
                .await
                .unwrap();
        ws.send(Message::Text(
            json!({ "type": "hello", "token": self.token, "after": after })
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
        let ready = next_json(&mut ws).await.expect("ready frame");
        assert_eq!(ready["type"], "ready", "{ready}");
        ws
    }
}

/// The next JSON frame, skipping pings; `None` on close or after 10 seconds.
pub async fn next_json(ws: &mut Ws) -> Option<Value> {
    next_json_within(ws, Duration::from_secs(10)).await
}

pub async fn next_json_within(ws: &mut Ws, wait: Duration) -> Option<Value> {
    loop {
        match tokio::time::timeout(wait, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return Some(serde_json::from_str(&t).unwrap()),
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) | Err(_) => return None,
            Ok(Some(Ok(_))) => continue,
        }
    }
}

/// Reads frames until one matches, collecting every frame seen.
pub async fn until(ws: &mut Ws, mut pred: impl FnMut(&Value) -> bool) -> Vec<Value> {
    let mut seen = Vec::new();
    while let Some(v) = next_json(ws).await {
        let done = pred(&v);
        seen.push(v);
        if done {
            return seen;
        }
    }
    panic!("socket ended before the expected frame; saw {seen:?}");
}

pub struct StaffClient {
    pub base: String,
    pub addr: String,
    pub cookie: String,
    pub csrf: String,
    pub http: reqwest::Client,
}

impl StaffClient {
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn page(&self, path: &str) -> (u16, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    pub async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, body).await
    }

    pub async fn take(&self, conversation: &str) -> (u16, Value) {
        self.post(
            &format!("/api/v1/staff/conversations/{conversation}/take"),
            json!({}),
        )
        .await
    }

    pub async fn say(&self, conversation: &str, client_id: &str, body: &str) -> (u16, Value) {
        self.post(
            &format!("/api/v1/staff/conversations/{conversation}/messages"),
            json!({ "client_id": client_id, "body": body }),
        )
        .await
    }

    pub async fn socket(&self) -> Ws {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = format!("ws://{}/api/v1/staff/ws", self.addr)
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("cookie", self.cookie.parse().unwrap());
        let (ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        ws
    }
}

/// A report that can be qualified, in Lille (département 59).
pub fn lille_report() -> Value {
    json!({
        "activity": "street_sale",
        "commune": "59350",
        "place": "Résidence des Tilleuls, hall B, côté parking",
        "days": ["fri", "sat"],
        "hours_from": "14:00",
        "hours_to": "23:00",
        "frequency": "hourly",
        "people_count": "4",
        "roles": ["seller", "lookout"],
        "descriptions": "Deux guetteurs à l'entrée, un vendeur dans le hall",
        "vehicles": [{ "make": "Clio", "colour": "grise", "plate": "AB-123-CD" }],
        "products": ["cannabis_resin"],
        "weapons": false,
        "knowledge": "seen"
    })
}
