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
        // A cheap proof of work by default (the tests still solve a real one); a test that
        // measures the real cost sets its own.
        // The no-JavaScript start form is accepted at once unless a test says otherwise.
        cmd.env("VIGIE_POW_MEMORY_KIB", "64")
            .env("VIGIE_POW_DIFFICULTY", "3")
            .env("VIGIE_NOJS_WAIT_SECONDS", "0");
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

    /// Logs in through both factors, as a staff member would: the password, then the code of
    /// the account's authenticator, enrolling one at the first login (see `login_at`).
    pub async fn login(&self, username: &str, password: &str) -> StaffClient {
        let r = self.login_response(username, password).await;
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

    /// The answer that opens the session after both factors (or the refusal).
    pub async fn login_response(&self, username: &str, password: &str) -> reqwest::Response {
        login_at(
            &self.http,
            &self.base,
            &self.totp_scope(),
            username,
            password,
        )
        .await
    }

    /// Whose authenticators apply: this installation's (its secret key is shared by every node
    /// and kept across restarts).
    pub fn totp_scope(&self) -> String {
        match std::fs::read(self.dir.path().join("secret.key")) {
            Ok(key) => key.iter().map(|b| format!("{b:02x}")).collect(),
            Err(_) => self.base.clone(),
        }
    }

    /// A solved proof of work, as the page's worker would send it.
    pub async fn proof(&self) -> Value {
        let c: Value = self
            .http
            .get(self.url("/api/v1/witness/challenge"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        solve(&c).await
    }

    pub async fn witness(&self) -> WitnessClient {
        let proof = self.proof().await;
        let r = self
            .http
            .post(self.url("/api/v1/witness/conversations"))
            .json(&json!({ "locale": "fr", "proof": proof }))
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

/// Solves a challenge as answered by `GET /api/v1/witness/challenge`: `{challenge, nonce}`.
pub async fn solve(c: &Value) -> Value {
    let token = c["challenge"].as_str().unwrap().to_owned();
    let difficulty = u8::try_from(c["difficulty"].as_u64().unwrap()).unwrap();
    let memory = u32::try_from(c["memory_kib"].as_u64().unwrap()).unwrap();
    let iterations = u32::try_from(c["iterations"].as_u64().unwrap()).unwrap();
    let solved = token.clone();
    let nonce = tokio::task::spawn_blocking(move || {
        (0u64..)
            .find(|&n| {
                let h = vigie_web::pow::attempt(&solved, n, memory, iterations).unwrap();
                vigie_web::pow::leading_zero_bits(&h, difficulty)
            })
            .unwrap()
    })
    .await
    .unwrap();
    json!({ "challenge": token, "nonce": nonce })
}

// --- the second factor, as a staff member's authenticator app computes it ------------------------

/// One account's authenticator: its secret and the last step whose code was used.
#[derive(Clone)]
pub struct Authenticator {
    pub secret: vigie_web::totp::TotpSecret,
    pub last_step: Option<u64>,
}

type Slot = std::sync::Arc<tokio::sync::Mutex<Option<Authenticator>>>;

/// Every authenticator this process has enrolled, by installation and username; a login holds
/// its account's slot, so two logins of one account never race for a code.
static AUTHENTICATORS: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<String, Slot>>,
> = std::sync::LazyLock::new(Default::default);

fn authenticator_slot(scope: &str, username: &str) -> Slot {
    AUTHENTICATORS
        .lock()
        .unwrap()
        .entry(format!("{scope}/{username}"))
        .or_default()
        .clone()
}

/// The authenticator the harness holds for an account, if it enrolled one.
pub async fn authenticator(scope: &str, username: &str) -> Option<Authenticator> {
    authenticator_slot(scope, username).lock().await.clone()
}

/// Records an authenticator a test enrolled by hand, so later `login`s use it.
pub async fn remember_authenticator(scope: &str, username: &str, a: Authenticator) {
    *authenticator_slot(scope, username).lock().await = Some(a);
}

fn unix_millis() -> u64 {
    u64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

/// The next code to type: the earliest step after `last_step` that the server still accepts
/// a few seconds from now (it takes the previous, current and next step). When all three are
/// spent, waits for the clock.
pub async fn next_code(
    secret: &vigie_web::totp::TotpSecret,
    last_step: Option<u64>,
) -> (String, u64) {
    let period = vigie_web::totp::PERIOD * 1000;
    loop {
        let now = unix_millis();
        let current = now / period;
        let earliest = (now + 5_000) / period - 1;
        let step = last_step.map_or(earliest, |last| earliest.max(last + 1));
        if step <= current + 1 {
            return (secret.code_at(step), step);
        }
        // Until `step` is the next one.
        let wait = (step - 1) * period - now + 200;
        eprintln!("every code of the last steps is used: waiting {wait} ms for the next one");
        tokio::time::sleep(Duration::from_millis(wait)).await;
    }
}

/// Logs in through the API as a script would: with the code in the same call when the account's
/// authenticator is known; otherwise the password first, and, when the answer hands out a secret
/// to enrol (202), that secret's first code. Returns the last answer: 200 with the session, or
/// the refusal.
pub async fn login_at(
    http: &reqwest::Client,
    base: &str,
    scope: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    let slot = authenticator_slot(scope, username);
    let mut known = slot.lock().await;
    let url = format!("{base}/api/v1/staff/login");
    let first = match known.as_mut() {
        Some(a) => {
            let (code, step) = next_code(&a.secret, a.last_step).await;
            let r = http
                .post(&url)
                .json(&json!({ "username": username, "password": password, "totp": code }))
                .send()
                .await
                .unwrap();
            if r.status() == 200 {
                a.last_step = Some(step);
                return r;
            }
            r
        }
        None => http
            .post(&url)
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await
            .unwrap(),
    };
    // Anything but an enrolment (a refusal, or a code asked with a secret this process never
    // saw) is the caller's to judge.
    if first.status() != 202 {
        return first;
    }
    let body: Value = first.json().await.unwrap();
    let secret = vigie_web::totp::TotpSecret::from_base32(
        body["totp_enrolment"]["secret"].as_str().unwrap(),
    )
    .unwrap();
    let (code, step) = next_code(&secret, None).await;
    let r = http
        .post(format!("{base}/api/v1/staff/login/totp"))
        .json(&json!({ "pending": body["pending"], "code": code }))
        .send()
        .await
        .unwrap();
    if r.status() == 200 {
        *known = Some(Authenticator {
            secret,
            last_step: Some(step),
        });
    }
    r
}
