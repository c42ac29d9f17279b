//! A real client of Vigie: the witness protocol (HTTP and WebSocket, as in DESIGN.md) and the
//! staff API (login with both factors, take, report, the console's socket).

use anyhow::{anyhow, bail, Context};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// One HTTP client for a whole run: connections are pooled.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(256)
        .build()
        .unwrap_or_default()
}

/// A witness's conversation, as `POST /api/v1/witness/conversations` answered it. (No
/// `Debug`: the token is a secret.)
#[derive(Clone)]
pub struct Witness {
    pub conversation_id: String,
    pub token: String,
}

/// Solves the server's proof-of-work challenge as the page's worker does.
pub async fn proof(http: &reqwest::Client, base: &str) -> anyhow::Result<Value> {
    let c: Value = http
        .get(format!("{base}/api/v1/witness/challenge"))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = c["challenge"]
        .as_str()
        .ok_or_else(|| anyhow!("no challenge"))?
        .to_owned();
    let difficulty = u8::try_from(c["difficulty"].as_u64().unwrap_or(0))?;
    let memory = u32::try_from(c["memory_kib"].as_u64().unwrap_or(8))?;
    let iterations = u32::try_from(c["iterations"].as_u64().unwrap_or(1))?;
    let solved = token.clone();
    let nonce = tokio::task::spawn_blocking(move || {
        (0u64..).find(|&n| {
            vigie_web::pow::attempt(&solved, n, memory, iterations)
                .is_some_and(|h| vigie_web::pow::leading_zero_bits(&h, difficulty))
        })
    })
    .await?
    .ok_or_else(|| anyhow!("no nonce"))?;
    Ok(json!({ "challenge": token, "nonce": nonce }))
}

/// Opens a conversation with an already solved proof.
pub async fn start_with(
    http: &reqwest::Client,
    base: &str,
    proof: Value,
) -> anyhow::Result<Witness> {
    let r = http
        .post(format!("{base}/api/v1/witness/conversations"))
        .json(&json!({ "locale": "fr", "proof": proof }))
        .send()
        .await?;
    let status = r.status();
    if status != 201 {
        bail!("start: {status} {}", r.text().await.unwrap_or_default());
    }
    let body: Value = r.json().await?;
    Ok(Witness {
        conversation_id: body["conversation_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        token: body["token"].as_str().unwrap_or_default().to_owned(),
    })
}

/// Solves a proof and opens a conversation.
pub async fn start(http: &reqwest::Client, base: &str) -> anyhow::Result<Witness> {
    let p = proof(http, base).await?;
    start_with(http, base, p).await
}

impl Witness {
    /// Opens the witness socket and says hello; returns it after the `ready` frame.
    pub async fn socket(&self, addr: &str, after: u64) -> anyhow::Result<Ws> {
        let (mut ws, _) =
            tokio_tungstenite::connect_async(format!("ws://{addr}/api/v1/witness/ws")).await?;
        ws.send(Message::Text(
            json!({ "type": "hello", "token": self.token, "after": after })
                .to_string()
                .into(),
        ))
        .await?;
        loop {
            match next_json(&mut ws, Duration::from_secs(30)).await? {
                Some(v) if v["type"] == "ready" => return Ok(ws),
                Some(v) if v["type"] == "error" => bail!("hello refused: {v}"),
                Some(_) => continue,
                None => bail!("socket closed before ready"),
            }
        }
    }

    /// Every event of the conversation after `after`, over HTTP.
    pub async fn events(
        &self,
        http: &reqwest::Client,
        base: &str,
        after: u64,
    ) -> anyhow::Result<Vec<Value>> {
        let r = http
            .get(format!("{base}/api/v1/witness/events?after={after}"))
            .bearer_auth(&self.token)
            .send()
            .await?
            .error_for_status()?;
        let body: Value = r.json().await?;
        Ok(body["events"].as_array().cloned().unwrap_or_default())
    }
}

/// A `send` frame of the witness protocol.
pub fn send_frame(client_id: &str, body: &str) -> Message {
    Message::Text(
        json!({ "type": "send", "client_id": client_id, "body": body })
            .to_string()
            .into(),
    )
}

/// The next JSON text frame, skipping the rest; `None` on close; an error after `wait`.
pub async fn next_json(ws: &mut Ws, wait: Duration) -> anyhow::Result<Option<Value>> {
    loop {
        match tokio::time::timeout(wait, ws.next()).await {
            Err(_) => bail!("no frame within {wait:?}"),
            Ok(None) | Ok(Some(Ok(Message::Close(_)))) => return Ok(None),
            Ok(Some(Err(e))) => return Err(e.into()),
            Ok(Some(Ok(Message::Text(t)))) => return Ok(Some(serde_json::from_str(&t)?)),
            Ok(Some(Ok(_))) => continue,
        }
    }
}

/// A staff member's session. (No `Debug`: the cookie is a secret.)
#[derive(Clone)]
pub struct Staff {
    pub base: String,
    pub addr: String,
    pub cookie: String,
    pub csrf: String,
    pub http: reqwest::Client,
}

/// Logs in for the first time: the password, then the first code of the authenticator the
/// server hands out to enrol (every staff account has a second factor).
pub async fn login(
    http: &reqwest::Client,
    base: &str,
    addr: &str,
    username: &str,
    password: &str,
) -> anyhow::Result<Staff> {
    let first = http
        .post(format!("{base}/api/v1/staff/login"))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await?;
    if first.status() != 202 {
        bail!(
            "login {username}: {} (expected an enrolment)",
            first.status()
        );
    }
    let body: Value = first.json().await?;
    let secret = vigie_web::totp::TotpSecret::from_base32(
        body["totp_enrolment"]["secret"]
            .as_str()
            .unwrap_or_default(),
    )
    .ok_or_else(|| anyhow!("enrolment secret"))?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
    let step = now.as_secs() / vigie_web::totp::PERIOD;
    let r = http
        .post(format!("{base}/api/v1/staff/login/totp"))
        .json(&json!({ "pending": body["pending"], "code": secret.code_at(step) }))
        .send()
        .await?;
    if r.status() != 200 {
        bail!("login code {username}: {}", r.status());
    }
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("vigie_session="))
        .and_then(|c| c.split(';').next())
        .ok_or_else(|| anyhow!("no session cookie"))?
        .to_owned();
    let body: Value = r.json().await?;
    Ok(Staff {
        base: base.to_owned(),
        addr: addr.to_owned(),
        cookie,
        csrf: body["csrf_token"].as_str().unwrap_or_default().to_owned(),
        http: http.clone(),
    })
}

impl Staff {
    /// A state-changing call; returns the status and the JSON answer.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> anyhow::Result<(u16, Value)> {
        let r = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await?;
        let status = r.status().as_u16();
        Ok((status, r.json().await.unwrap_or(Value::Null)))
    }

    pub async fn take(&self, conversation: &str) -> anyhow::Result<()> {
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                &format!("/api/v1/staff/conversations/{conversation}/take"),
                json!({}),
            )
            .await?;
        if status != 200 {
            bail!("take {conversation}: {status} {body}");
        }
        Ok(())
    }

    /// Saves a version of the conversation's report; returns the new version.
    pub async fn save_report(
        &self,
        conversation: &str,
        version: u32,
        fields: &Value,
    ) -> anyhow::Result<u32> {
        let (status, body) = self
            .call(
                reqwest::Method::PUT,
                &format!("/api/v1/staff/conversations/{conversation}/report"),
                json!({ "version": version, "fields": fields }),
            )
            .await?;
        if status != 200 {
            bail!("save report {conversation}: {status} {body}");
        }
        body["report"]["version"]
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| anyhow!("no version in {body}"))
    }

    /// The console's socket, watching `conversation` from `after`.
    pub async fn watch(&self, conversation: &str, after: u64) -> anyhow::Result<Ws> {
        let mut request = format!("ws://{}/api/v1/staff/ws", self.addr).into_client_request()?;
        request
            .headers_mut()
            .insert("cookie", self.cookie.parse().context("cookie header")?);
        let (mut ws, _) = tokio_tungstenite::connect_async(request).await?;
        ws.send(Message::Text(
            json!({ "type": "watch", "conversation_id": conversation, "after": after })
                .to_string()
                .into(),
        ))
        .await?;
        // The watch answers with the thread so far and a `case` frame (the notes).
        loop {
            match next_json(&mut ws, Duration::from_secs(60)).await? {
                Some(v) if v["type"] == "case" && v["conversation_id"] == conversation => {
                    return Ok(ws)
                }
                Some(v) if v["type"] == "error" => bail!("watch refused: {v}"),
                Some(_) => continue,
                None => bail!("staff socket closed before the watch was answered"),
            }
        }
    }
}

/// A report that validates (Lille, département 59).
pub fn lille_report(variant: u32) -> Value {
    json!({
        "activity": "street_sale",
        "commune": "59350",
        "place": format!("Résidence des Tilleuls, hall B, version {variant}"),
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
