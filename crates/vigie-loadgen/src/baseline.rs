//! The baselines Vigie is measured against: bare programs doing the same work with the same
//! durability, and nothing more.
//!
//! - [`relay`]: a tokio + tokio-tungstenite WebSocket relay speaking the frame shapes of the
//!   witness protocol (`hello`, `send`, `ping` in; `ready`, `ack`, `event`, `pong` out). Each
//!   message is committed to SQLite (WAL, `synchronous = FULL`, one writer connection, one
//!   transaction per message, as `vigie-store-sqlite` configures its writer pool) before it is
//!   acknowledged, so a `kill -9` loses nothing that was acknowledged.
//! - [`idle_server`]: a tokio-tungstenite server that answers the first frame with `ready` and
//!   then only holds the connection, to measure memory per idle socket.
//! - [`sqlite_inserts`] and [`postgres_inserts`]: raw insert loops for the report scenario (B5).

use crate::report::Samples;
use anyhow::{anyhow, bail, Context};
use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, SqlitePool};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

/// The size of the `fields` blob of the insert baselines: about what a sealed report weighs.
const REPORT_BLOB: usize = 600;

const READY: Utf8Bytes = Utf8Bytes::from_static(r#"{"type":"ready"}"#);
const PONG: Utf8Bytes = Utf8Bytes::from_static(r#"{"type":"pong"}"#);

// ---------------------------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------------------------

/// Opens (creating it if need be) a SQLite file with Vigie's writer settings: WAL,
/// `synchronous = FULL`, a busy timeout, one connection.
async fn open_sqlite(path: &Path) -> anyhow::Result<SqlitePool> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(5));
    SqlitePoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .with_context(|| format!("opening {}", path.display()))
}

/// Binds `listen` and prints `listening on <addr>` (what `server::Baseline` waits for).
async fn bind(listen: &str) -> anyhow::Result<TcpListener> {
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    let addr = listener.local_addr()?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on {addr}")?;
    out.flush()?;
    Ok(listener)
}

/// Accepts connections for ever, each handled by `handle` in a task of its own. A failed
/// accept (out of file descriptors, most often) is reported and retried, not fatal.
async fn accept_loop<F, Fut>(listener: TcpListener, handle: F) -> anyhow::Result<()>
where
    F: Fn(TcpStream) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                // Small frames each awaited by a client: do not let Nagle hold them back.
                let _ = stream.set_nodelay(true);
                tokio::spawn(handle(stream));
            }
            Err(e) => {
                eprintln!("accept: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

fn unix_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

// ---------------------------------------------------------------------------------------------
// The relay
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Incoming {
    Hello {
        conversation: String,
        role: Role,
        #[serde(default)]
        after: u64,
    },
    Send {
        client_id: String,
        body: String,
    },
    Ping,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Role {
    Witness,
    Officer,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Outgoing<'a> {
    Ack {
        client_id: &'a str,
        seq: i64,
    },
    Event {
        event: Event<'a>,
    },
    Error {
        code: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        client_id: Option<&'a str>,
    },
}

#[derive(Serialize)]
struct Event<'a> {
    seq: i64,
    client_id: &'a str,
    body: &'a str,
}

fn text(frame: &Outgoing<'_>) -> anyhow::Result<Message> {
    Ok(Message::Text(Utf8Bytes::from(serde_json::to_string(
        frame,
    )?)))
}

/// An officer's socket, as the relay reaches it: the event frames, already serialised.
struct Officer {
    id: u64,
    tx: mpsc::UnboundedSender<Utf8Bytes>,
}

struct Relay {
    db: SqlitePool,
    /// Conversation → the officers' sockets open on it.
    officers: Mutex<HashMap<String, Vec<Officer>>>,
    next_officer: AtomicU64,
}

/// An officer's place in [`Relay::officers`], removed when the socket ends (however it ends).
struct Subscription {
    relay: Arc<Relay>,
    conversation: String,
    id: u64,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut officers = self.relay.officers();
        if let Some(list) = officers.get_mut(&self.conversation) {
            list.retain(|o| o.id != self.id);
            if list.is_empty() {
                officers.remove(&self.conversation);
            }
        }
    }
}

impl Relay {
    fn new(db: SqlitePool) -> Arc<Relay> {
        Arc::new(Relay {
            db,
            officers: Mutex::new(HashMap::new()),
            next_officer: AtomicU64::new(0),
        })
    }

    fn officers(&self) -> MutexGuard<'_, HashMap<String, Vec<Officer>>> {
        self.officers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The stored events of `conversation` after `after`, in order. For an officer, the socket
    /// is subscribed in the same stretch, while the single connection is held: no commit can
    /// fall between the backlog and the live events, so nothing is missed or repeated.
    async fn join(
        self: &Arc<Self>,
        conversation: &str,
        role: Role,
        after: u64,
    ) -> anyhow::Result<(
        Vec<(i64, String, String)>,
        Option<(Subscription, mpsc::UnboundedReceiver<Utf8Bytes>)>,
    )> {
        let mut conn = self.db.acquire().await?;
        let live = (role == Role::Officer).then(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            let id = self.next_officer.fetch_add(1, Ordering::Relaxed);
            self.officers()
                .entry(conversation.to_owned())
                .or_default()
                .push(Officer { id, tx });
            let sub = Subscription {
                relay: Arc::clone(self),
                conversation: conversation.to_owned(),
                id,
            };
            (sub, rx)
        });
        let backlog = sqlx::query_as(
            "SELECT seq, client_id, body FROM messages WHERE conversation = ? AND seq > ? ORDER BY seq",
        )
        .bind(conversation)
        .bind(i64::try_from(after).unwrap_or(i64::MAX))
        .fetch_all(&mut *conn)
        .await?;
        Ok((backlog, live))
    }

    /// Stores a message in one transaction and returns its sequence number: the existing one
    /// when `(conversation, client_id)` is already stored (a resend), else `max(seq) + 1`.
    /// After the commit, and before the connection is released (so that officers receive
    /// events in sequence order), a new event is pushed to the conversation's officers.
    async fn append(&self, conversation: &str, client_id: &str, body: &str) -> anyhow::Result<i64> {
        let mut conn = self.db.acquire().await?;
        let mut tx = conn.begin().await?;
        let inserted: Option<i64> = sqlx::query_scalar(
            "INSERT INTO messages (conversation, seq, client_id, body, at) \
             VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE conversation = ?1), ?2, ?3, ?4) \
             ON CONFLICT (conversation, client_id) DO NOTHING RETURNING seq",
        )
        .bind(conversation)
        .bind(client_id)
        .bind(body)
        .bind(unix_millis())
        .fetch_optional(&mut *tx)
        .await?;
        let seq = match inserted {
            Some(seq) => seq,
            None => {
                sqlx::query_scalar(
                    "SELECT seq FROM messages WHERE conversation = ? AND client_id = ?",
                )
                .bind(conversation)
                .bind(client_id)
                .fetch_one(&mut *tx)
                .await?
            }
        };
        tx.commit().await?;
        if inserted.is_some() {
            let officers = self.officers();
            if let Some(list) = officers.get(conversation) {
                let frame = serde_json::to_string(&Outgoing::Event {
                    event: Event {
                        seq,
                        client_id,
                        body,
                    },
                })?;
                let frame = Utf8Bytes::from(frame);
                for officer in list {
                    // A closed receiver is a socket on its way out; its subscription goes
                    // with it.
                    let _ = officer.tx.send(frame.clone());
                }
            }
        }
        drop(conn);
        Ok(seq)
    }
}

/// The next live event frame of an officer's socket; never, for a witness's.
async fn next_live(live: &mut Option<mpsc::UnboundedReceiver<Utf8Bytes>>) -> Option<Utf8Bytes> {
    match live {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// One socket of the relay, from the upgrade to the close.
async fn relay_connection(relay: Arc<Relay>, stream: TcpStream) -> anyhow::Result<()> {
    let mut ws = tokio_tungstenite::accept_async(stream).await?;
    // 1. hello.
    let (conversation, role, after) = loop {
        match ws.next().await {
            None | Some(Ok(Message::Close(_))) => return Ok(()),
            Some(Err(e)) => return Err(e.into()),
            Some(Ok(Message::Text(t))) => match serde_json::from_str::<Incoming>(&t) {
                Ok(Incoming::Hello {
                    conversation,
                    role,
                    after,
                }) => break (conversation, role, after),
                _ => {
                    let error = Outgoing::Error {
                        code: "hello-expected",
                        client_id: None,
                    };
                    ws.send(text(&error)?).await?;
                    ws.close(None).await?;
                    return Ok(());
                }
            },
            Some(Ok(_)) => continue,
        }
    };
    // 2. ready, the backlog, then live events (officers) and sends (witnesses).
    let (backlog, live) = match relay.join(&conversation, role, after).await {
        Ok(joined) => joined,
        Err(e) => {
            eprintln!("relay: reading a backlog: {e:#}");
            return Err(e);
        }
    };
    let (_subscription, mut live) = match live {
        Some((sub, rx)) => (Some(sub), Some(rx)),
        None => (None, None),
    };
    ws.feed(Message::Text(READY)).await?;
    for (seq, client_id, body) in &backlog {
        let event = Outgoing::Event {
            event: Event {
                seq: *seq,
                client_id,
                body,
            },
        };
        ws.feed(text(&event)?).await?;
    }
    ws.flush().await?;
    drop(backlog);
    loop {
        tokio::select! {
            frame = ws.next() => {
                let t = match frame {
                    None | Some(Ok(Message::Close(_))) => return Ok(()),
                    Some(Err(e)) => return Err(e.into()),
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(_)) => continue,
                };
                let answer = match serde_json::from_str::<Incoming>(&t) {
                    Ok(Incoming::Ping) => Message::Text(PONG),
                    Ok(Incoming::Send { client_id, body }) if role == Role::Witness => {
                        match relay.append(&conversation, &client_id, &body).await {
                            Ok(seq) => text(&Outgoing::Ack { client_id: &client_id, seq })?,
                            Err(e) => {
                                eprintln!("relay: storing a message: {e:#}");
                                text(&Outgoing::Error { code: "store", client_id: Some(&client_id) })?
                            }
                        }
                    }
                    Ok(Incoming::Send { .. }) => {
                        text(&Outgoing::Error { code: "witness-only", client_id: None })?
                    }
                    Ok(Incoming::Hello { .. }) | Err(_) => {
                        text(&Outgoing::Error { code: "bad-frame", client_id: None })?
                    }
                };
                ws.send(answer).await?;
            }
            Some(event) = next_live(&mut live) => {
                ws.send(Message::Text(event)).await?;
            }
        }
    }
}

/// Creates the relay's table if it is not there yet.
async fn relay_schema(db: &SqlitePool) -> anyhow::Result<()> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS messages (\
            conversation TEXT, seq INTEGER, client_id TEXT, body TEXT, at INTEGER, \
            PRIMARY KEY (conversation, seq), UNIQUE (conversation, client_id))",
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Serves the relay on `listener` with the (migrated) database `db`, for ever.
async fn serve_relay(listener: TcpListener, db: SqlitePool) -> anyhow::Result<()> {
    serve(listener, Relay::new(db)).await
}

async fn serve(listener: TcpListener, relay: Arc<Relay>) -> anyhow::Result<()> {
    accept_loop(listener, move |stream| {
        let relay = Arc::clone(&relay);
        async move {
            // Sockets end with errors all the time (resets, clients killed mid-run); only the
            // store's failures are worth a line, and `relay_connection` writes those.
            let _ = relay_connection(relay, stream).await;
        }
    })
    .await
}

/// The relay baseline: opens (or reopens after a crash) `db`, listens on `listen`, prints
/// `listening on <addr>` and serves until killed.
pub async fn relay(db: PathBuf, listen: String) -> anyhow::Result<()> {
    let pool = open_sqlite(&db).await?;
    relay_schema(&pool).await?;
    let listener = bind(&listen).await?;
    serve_relay(listener, pool).await
}

// ---------------------------------------------------------------------------------------------
// The idle server
// ---------------------------------------------------------------------------------------------

/// Just enough of a frame to tell a `ping`.
#[derive(Deserialize)]
struct Kind<'a> {
    #[serde(rename = "type", borrow)]
    kind: std::borrow::Cow<'a, str>,
}

async fn idle_connection(stream: TcpStream, read_buffer: Option<usize>) -> anyhow::Result<()> {
    let config = read_buffer.map(|size| {
        tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default().read_buffer_size(size)
    });
    let mut ws = tokio_tungstenite::accept_async_with_config(stream, config).await?;
    let mut ready = false;
    while let Some(frame) = ws.next().await {
        match frame? {
            Message::Text(t) => {
                if !ready {
                    ready = true;
                    ws.send(Message::Text(READY)).await?;
                } else if serde_json::from_str::<Kind<'_>>(&t).is_ok_and(|k| k.kind == "ping") {
                    ws.send(Message::Text(PONG)).await?;
                }
            }
            Message::Close(_) => break,
            _ => {}
        }
    }
    Ok(())
}

async fn serve_idle(listener: TcpListener, read_buffer: Option<usize>) -> anyhow::Result<()> {
    accept_loop(listener, move |stream| async move {
        let _ = idle_connection(stream, read_buffer).await;
    })
    .await
}

/// The idle-connection baseline: answers a socket's first frame with `ready`, then holds it
/// (answering pings) until the client closes it. `read_buffer`: each socket's read buffer
/// (tungstenite's default, 128 KiB, when `None`).
pub async fn idle_server(listen: String, read_buffer: Option<usize>) -> anyhow::Result<()> {
    let listener = bind(&listen).await?;
    serve_idle(listener, read_buffer).await
}

// ---------------------------------------------------------------------------------------------
// Raw inserts (B5)
// ---------------------------------------------------------------------------------------------

/// Random bytes the size of a sealed report (ciphertext does not compress).
fn report_blob() -> Vec<u8> {
    let mut blob = vec![0u8; REPORT_BLOB];
    rand::Rng::fill(&mut rand::thread_rng(), &mut blob[..]);
    blob
}

/// Inserts `count` reports into a `reports` table of the SQLite file `path` (created if need
/// be), one transaction each, on one connection with Vigie's settings (WAL,
/// `synchronous = FULL`). Returns each insert's latency and the time the whole loop took
/// (opening the file and creating the table excluded).
pub async fn sqlite_inserts(path: &Path, count: usize) -> anyhow::Result<(Samples, Duration)> {
    let db = open_sqlite(path).await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS reports (\
            id INTEGER PRIMARY KEY, conversation TEXT, version INTEGER, fields BLOB, at INTEGER)",
    )
    .execute(&db)
    .await?;
    let mut conn = db.acquire().await?;
    let blob = report_blob();
    let mut samples = Samples(Vec::with_capacity(count));
    let started = Instant::now();
    for _ in 0..count {
        let conversation = uuid::Uuid::new_v4().to_string();
        let t = Instant::now();
        // An autocommit statement: its own transaction, committed (and synced) on return.
        sqlx::query("INSERT INTO reports (conversation, version, fields, at) VALUES (?, 1, ?, ?)")
            .bind(&conversation)
            .bind(&blob[..])
            .bind(unix_millis())
            .execute(&mut *conn)
            .await?;
        samples.push(t.elapsed());
    }
    let total = started.elapsed();
    drop(conn);
    db.close().await;
    Ok((samples, total))
}

/// Inserts `count` reports into a `reports` table of the PostgreSQL database `url` (created if
/// need be), from `concurrency` connections at once, each insert its own autocommit
/// transaction (the server's default `synchronous_commit`). Returns each insert's latency and
/// the time from the moment every connection was open until the last insert returned.
pub async fn postgres_inserts(
    url: &str,
    count: usize,
    concurrency: usize,
) -> anyhow::Result<(Samples, Duration)> {
    if concurrency == 0 {
        bail!("postgres_inserts: concurrency must be at least 1");
    }
    let concurrency_u32 = u32::try_from(concurrency).context("concurrency")?;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(concurrency_u32)
        .acquire_timeout(Duration::from_secs(30))
        .connect(url)
        .await
        .context("connecting to PostgreSQL")?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS reports (\
            id BIGSERIAL PRIMARY KEY, conversation TEXT, version INTEGER, fields BYTEA, at BIGINT)",
    )
    .execute(&pool)
    .await?;
    // Every connection is open before the clock starts: the figure is inserts, not logins.
    let mut conns = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        conns.push(pool.acquire().await?);
    }
    let next = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(tokio::sync::Barrier::new(concurrency + 1));
    let mut workers = Vec::with_capacity(concurrency);
    for mut conn in conns {
        let next = Arc::clone(&next);
        let start = Arc::clone(&start);
        let blob = report_blob();
        workers.push(tokio::spawn(async move {
            start.wait().await;
            let mut samples = Samples::default();
            while next.fetch_add(1, Ordering::Relaxed) < count {
                let conversation = uuid::Uuid::new_v4().to_string();
                let t = Instant::now();
                sqlx::query(
                    "INSERT INTO reports (conversation, version, fields, at) VALUES ($1, 1, $2, $3)",
                )
                .bind(&conversation)
                .bind(&blob[..])
                .bind(unix_millis())
                .execute(&mut *conn)
                .await?;
                samples.push(t.elapsed());
            }
            anyhow::Ok(samples)
        }));
    }
    start.wait().await;
    let started = Instant::now();
    let mut samples = Samples(Vec::with_capacity(count));
    let mut failure = None;
    for worker in workers {
        match worker.await.map_err(|e| anyhow!("insert worker: {e}")) {
            Ok(Ok(s)) => samples.extend(s),
            Ok(Err(e)) | Err(e) => failure = failure.or(Some(e)),
        }
    }
    let total = started.elapsed();
    pool.close().await;
    match failure {
        Some(e) => Err(e),
        None => Ok((samples, total)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};
    use std::net::SocketAddr;
    use tokio::task::JoinHandle;
    use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

    type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

    async fn start_relay(db: &Path) -> (SocketAddr, JoinHandle<anyhow::Result<()>>) {
        let pool = open_sqlite(db).await.unwrap();
        relay_schema(&pool).await.unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        (addr, tokio::spawn(serve_relay(listener, pool)))
    }

    async fn next(ws: &mut Ws) -> Value {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(10), ws.next())
                .await
                .expect("a frame within 10 s")
                .expect("the socket is open")
                .unwrap();
            if let Message::Text(t) = frame {
                return serde_json::from_str(&t).unwrap();
            }
        }
    }

    /// Nothing but control frames for `wait`.
    async fn silent(ws: &mut Ws, wait: Duration) {
        if let Ok(Some(Ok(Message::Text(t)))) = tokio::time::timeout(wait, ws.next()).await {
            panic!("unexpected frame {t}");
        }
    }

    async fn send(ws: &mut Ws, value: Value) {
        ws.send(Message::Text(value.to_string().into()))
            .await
            .unwrap();
    }

    /// Opens a socket (on any path), says hello and waits for `ready`.
    async fn hello(addr: SocketAddr, conversation: &str, role: &str, after: u64) -> Ws {
        let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/any/path"))
            .await
            .unwrap();
        send(
            &mut ws,
            json!({ "type": "hello", "conversation": conversation, "role": role, "after": after }),
        )
        .await;
        assert_eq!(next(&mut ws).await, json!({ "type": "ready" }));
        ws
    }

    async fn send_message(ws: &mut Ws, client_id: &str, body: &str) -> i64 {
        send(
            ws,
            json!({ "type": "send", "client_id": client_id, "body": body }),
        )
        .await;
        let ack = next(ws).await;
        assert_eq!(ack["type"], "ack", "{ack}");
        assert_eq!(ack["client_id"], client_id, "{ack}");
        ack["seq"].as_i64().unwrap()
    }

    fn event(seq: i64, client_id: &str, body: &str) -> Value {
        json!({ "type": "event", "event": { "seq": seq, "client_id": client_id, "body": body } })
    }

    #[tokio::test]
    async fn relay_acks_each_send_once_dedupes_resends_and_replays_after_restart() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("relay.db");
        let (addr, server) = start_relay(&db).await;

        let mut officer = hello(addr, "c1", "officer", 0).await;
        let mut witness = hello(addr, "c1", "witness", 0).await;
        // Another conversation, whose events the first officer must not see.
        let mut other = hello(addr, "c2", "witness", 0).await;

        assert_eq!(send_message(&mut witness, "a", "first").await, 1);
        assert_eq!(send_message(&mut witness, "a", "first").await, 1);
        assert_eq!(send_message(&mut other, "z", "elsewhere").await, 1);
        assert_eq!(send_message(&mut witness, "b", "second").await, 2);
        send(&mut witness, json!({ "type": "ping" })).await;
        assert_eq!(next(&mut witness).await, json!({ "type": "pong" }));

        assert_eq!(next(&mut officer).await, event(1, "a", "first"));
        assert_eq!(next(&mut officer).await, event(2, "b", "second"));
        silent(&mut officer, Duration::from_millis(300)).await;
        // A witness is not sent live events.
        silent(&mut witness, Duration::from_millis(100)).await;

        // An officer cannot send.
        send(
            &mut officer,
            json!({ "type": "send", "client_id": "x", "body": "no" }),
        )
        .await;
        assert_eq!(next(&mut officer).await["code"], "witness-only");

        for mut ws in [officer, witness, other] {
            ws.close(None).await.unwrap();
        }
        server.abort();
        let _ = server.await;

        // Restarted on the same file: the backlog is all there, in order.
        let (addr, server) = start_relay(&db).await;
        let mut officer = hello(addr, "c1", "officer", 0).await;
        assert_eq!(next(&mut officer).await, event(1, "a", "first"));
        assert_eq!(next(&mut officer).await, event(2, "b", "second"));
        silent(&mut officer, Duration::from_millis(200)).await;
        let mut witness = hello(addr, "c1", "witness", 1).await;
        assert_eq!(next(&mut witness).await, event(2, "b", "second"));
        // A resend after the restart is still recognised.
        assert_eq!(send_message(&mut witness, "a", "first").await, 1);
        assert_eq!(send_message(&mut witness, "c", "third").await, 3);
        assert_eq!(next(&mut officer).await, event(3, "c", "third"));
        server.abort();
    }

    #[tokio::test]
    async fn relay_officers_see_concurrent_sends_in_sequence_order() {
        let dir = tempfile::tempdir().unwrap();
        let (addr, server) = start_relay(&dir.path().join("relay.db")).await;
        let mut officer = hello(addr, "c", "officer", 0).await;
        let mut second = hello(addr, "c", "officer", 0).await;
        let mut witnesses = Vec::new();
        for w in 0..3 {
            witnesses.push(tokio::spawn(async move {
                let mut ws = hello(addr, "c", "witness", 0).await;
                for i in 0..10 {
                    send_message(&mut ws, &format!("{w}-{i}"), "x").await;
                }
            }));
        }
        for w in witnesses {
            w.await.unwrap();
        }
        for ws in [&mut officer, &mut second] {
            for seq in 1..=30 {
                let e = next(ws).await;
                assert_eq!(e["event"]["seq"], seq, "{e}");
            }
        }
        officer.close(None).await.unwrap();
        second.close(None).await.unwrap();
        server.abort();
    }

    #[tokio::test]
    async fn relay_forgets_an_officer_socket_once_closed() {
        let dir = tempfile::tempdir().unwrap();
        let db = open_sqlite(&dir.path().join("relay.db")).await.unwrap();
        relay_schema(&db).await.unwrap();
        let relay = Relay::new(db);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(serve(listener, Arc::clone(&relay)));
        let mut first = hello(addr, "c", "officer", 0).await;
        let second = hello(addr, "c", "officer", 0).await;
        assert_eq!(relay.officers()["c"].len(), 2);
        first.close(None).await.unwrap();
        // A socket dropped without a closing handshake goes too.
        drop(second);
        let deadline = Instant::now() + Duration::from_secs(5);
        while !relay.officers().is_empty() {
            assert!(Instant::now() < deadline, "officers left in the map");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        server.abort();
    }

    /// The child process of `relay_survives_kill_9`: the relay on the file named by
    /// `VIGIE_RELAY_CHILD_DB`, until killed.
    #[tokio::test]
    #[ignore = "run by relay_survives_kill_9 as its child process"]
    async fn relay_child_process() {
        if let Ok(db) = std::env::var("VIGIE_RELAY_CHILD_DB") {
            relay(PathBuf::from(db), "127.0.0.1:0".into())
                .await
                .unwrap();
        }
    }

    /// Starts `relay_child_process` (this test binary, in a process of its own); its address.
    fn spawn_relay_process(db: &Path) -> (std::process::Child, SocketAddr) {
        use std::io::BufRead;
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "baseline::tests::relay_child_process"])
            .args(["--ignored", "--nocapture", "--test-threads=1"])
            .env("VIGIE_RELAY_CHILD_DB", db)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = std::io::BufReader::new(stdout).lines();
        let addr = loop {
            let line = lines
                .next()
                .expect("the relay exited before listening")
                .unwrap();
            // libtest prints `test <name> ... ` on the same line, just before.
            if let Some((_, addr)) = line.split_once("listening on ") {
                break addr.trim().parse().unwrap();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        (child, addr)
    }

    /// What B9 checks: every acknowledged message is there after a `kill -9` and a restart.
    #[tokio::test]
    async fn relay_survives_kill_9() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("relay.db");
        let (mut child, addr) = spawn_relay_process(&db);
        let mut witness = hello(addr, "c", "witness", 0).await;
        // Sends pipelined ahead of their acks, so that the kill lands with some in flight.
        for i in 0..200 {
            send(
                &mut witness,
                json!({ "type": "send", "client_id": format!("m{i}"), "body": "x" }),
            )
            .await;
        }
        let mut acked = Vec::new();
        while acked.len() < 50 {
            let ack = next(&mut witness).await;
            assert_eq!(ack["type"], "ack", "{ack}");
            acked.push((
                ack["seq"].as_i64().unwrap(),
                ack["client_id"].as_str().unwrap().to_owned(),
            ));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        // Acks that were already on the wire count too.
        while let Ok(Some(Ok(frame))) =
            tokio::time::timeout(Duration::from_secs(2), witness.next()).await
        {
            if let Message::Text(t) = frame {
                let ack: Value = serde_json::from_str(&t).unwrap();
                acked.push((
                    ack["seq"].as_i64().unwrap(),
                    ack["client_id"].as_str().unwrap().to_owned(),
                ));
            }
        }

        let (mut child, addr) = spawn_relay_process(&db);
        let mut officer = hello(addr, "c", "officer", 0).await;
        let mut stored = HashMap::new();
        let mut expected_seq = 1;
        while let Ok(Some(Ok(Message::Text(t)))) =
            tokio::time::timeout(Duration::from_millis(500), officer.next()).await
        {
            let e: Value = serde_json::from_str(&t).unwrap();
            let seq = e["event"]["seq"].as_i64().unwrap();
            assert_eq!(seq, expected_seq, "{e}");
            expected_seq += 1;
            stored.insert(seq, e["event"]["client_id"].as_str().unwrap().to_owned());
        }
        eprintln!(
            "{} acknowledged before the kill, {} stored after it",
            acked.len(),
            stored.len()
        );
        for (seq, client_id) in &acked {
            assert_eq!(
                stored.get(seq),
                Some(client_id),
                "acknowledged seq {seq} lost"
            );
        }
        child.kill().unwrap();
        child.wait().unwrap();
    }

    #[tokio::test]
    async fn relay_refuses_a_socket_without_hello() {
        let dir = tempfile::tempdir().unwrap();
        let (addr, server) = start_relay(&dir.path().join("relay.db")).await;
        let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/"))
            .await
            .unwrap();
        send(
            &mut ws,
            json!({ "type": "send", "client_id": "a", "body": "b" }),
        )
        .await;
        assert_eq!(next(&mut ws).await["code"], "hello-expected");
        server.abort();
    }

    #[tokio::test]
    async fn idle_server_answers_ready_then_pings() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(serve_idle(listener, None));
        let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/x"))
            .await
            .unwrap();
        send(
            &mut ws,
            json!({ "type": "hello", "token": "anything", "after": 0 }),
        )
        .await;
        assert_eq!(next(&mut ws).await, json!({ "type": "ready" }));
        send(&mut ws, json!({ "type": "ping" })).await;
        assert_eq!(next(&mut ws).await, json!({ "type": "pong" }));
        send(
            &mut ws,
            json!({ "type": "send", "client_id": "a", "body": "b" }),
        )
        .await;
        silent(&mut ws, Duration::from_millis(100)).await;
        ws.close(None).await.unwrap();
        server.abort();
    }

    #[tokio::test]
    async fn sqlite_inserts_commits_every_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reports.db");
        let (samples, total) = sqlite_inserts(&path, 25).await.unwrap();
        assert_eq!(samples.len(), 25);
        assert!(total > Duration::ZERO);
        let db = open_sqlite(&path).await.unwrap();
        let (rows, size): (i64, i64) =
            sqlx::query_as("SELECT COUNT(*), MIN(LENGTH(fields)) FROM reports")
                .fetch_one(&db)
                .await
                .unwrap();
        assert_eq!((rows, size), (25, 600));
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
    }

    /// Runs only with `VIGIE_TEST_POSTGRES_URL` (an administrator URL): creates a database of
    /// its own and drops it.
    #[tokio::test]
    async fn postgres_inserts_commits_every_row() {
        let Some(admin) = std::env::var("VIGIE_TEST_POSTGRES_URL")
            .ok()
            .filter(|s| !s.is_empty())
        else {
            eprintln!("skipped: no VIGIE_TEST_POSTGRES_URL");
            return;
        };
        let name = format!("vigie_baseline_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        let url = format!("{base}/{name}");
        let result = postgres_inserts(&url, 40, 4).await;
        let rows: Result<i64, _> = async {
            let mut db = sqlx::PgConnection::connect(&url).await?;
            let n = sqlx::query_scalar("SELECT COUNT(*) FROM reports")
                .fetch_one(&mut db)
                .await;
            db.close().await?;
            n
        }
        .await;
        sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .execute(&mut conn)
            .await
            .unwrap();
        let (samples, _) = result.unwrap();
        assert_eq!(samples.len(), 40);
        assert_eq!(rows.unwrap(), 40);
    }
}
