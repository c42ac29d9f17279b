//! The console's live channel: the queue and the officer's conversations, and the thread and
//! notes of the one conversation on screen. Hints come from the hub; data from the store.
//! `typing` and `seen` frames about the watched conversation are ephemeral: relayed to the
//! witness through the hub, never stored (see `crate::comfort`).

use super::cases::{held, queue_items};
use super::StaffNote;
use crate::auth::Officer;
use crate::error::AppError;
use crate::AppState;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::watch;
use vigie_domain::ConversationId;
use vigie_store::{CaseReader, Party};

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Incoming {
    Watch {
        conversation_id: ConversationId,
        #[serde(default)]
        after: u64,
    },
    Unwatch,
    Ping,
    /// The officer is typing in the watched conversation (the witness sees "an officer").
    Typing {
        conversation_id: ConversationId,
    },
    /// The officer has read the watched conversation up to `seq`.
    Seen {
        conversation_id: ConversationId,
        seq: u64,
    },
}

/// Refuses cross-site WebSocket hijacking: a browser always sends `Origin` on a WebSocket.
fn same_origin(headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    match (host, origin) {
        (Some(host), Some(origin)) => {
            origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"))
                == Some(host)
        }
        (_, None) => true, // not a browser
        _ => false,
    }
}

pub async fn upgrade(
    State(state): State<AppState>,
    officer: Officer,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if !same_origin(&headers) {
        return AppError::Forbidden.into_response();
    }
    let tracker = state.tasks.clone();
    ws.max_message_size(16 * 1024)
        .max_frame_size(16 * 1024)
        .read_buffer_size(crate::WS_READ_BUFFER)
        .on_upgrade(move |socket| tracker.track_future(run(state, officer, socket)))
}

fn frame(v: Value) -> Message {
    Message::Text(Utf8Bytes::from(v.to_string()))
}

struct Watched {
    id: ConversationId,
    reader: CaseReader,
    last: u64,
    signal: watch::Receiver<crate::hub::Signal>,
    notes: u64,
    /// The last signal relayed, and this socket's own typing throttle and "seen" mark.
    heard: crate::hub::Signal,
    typing: crate::comfort::Throttle,
    seen: u64,
    /// This officer holds the conversation (a lead may watch one they do not hold).
    holds: bool,
}

async fn overview(state: &AppState, officer: &Officer) -> Result<Message, AppError> {
    let mine = held(state, officer).await?;
    let all = if officer
        .0
        .principal
        .role
        .may(vigie_domain::Permission::ReadAllConversations)
    {
        let active = state.store.active_conversations().await?;
        Some(active.into_iter().map(|c| json!({ "conversation_id": c.id, "taken_at": c.taken_at.map(vigie_domain::clock::rfc3339) })).collect::<Vec<_>>())
    } else {
        None
    };
    let offers = super::offers::offers_for(state, officer).await?;
    Ok(frame(
        json!({ "type": "queue", "queue": queue_items(state).await?, "mine": mine, "all": all, "offers": offers }),
    ))
}

/// Whether this officer may still read `conversation`: a shift lead always, an operator while
/// they hold it (a handover or a requeue takes it away).
async fn still_reads(state: &AppState, officer: &Officer, conversation: ConversationId) -> bool {
    let principal = &officer.0.principal;
    if principal
        .role
        .may(vigie_domain::Permission::ReadAllConversations)
    {
        return true;
    }
    matches!(
        state.store.conversation(conversation).await,
        Ok(Some(c)) if c.operator == Some(principal.id)
    )
}

async fn push_thread(
    state: &AppState,
    w: &mut Watched,
    socket: &mut WebSocket,
) -> Result<(), AppError> {
    loop {
        let events = state.store.events_after(w.id, w.last, 500).await?;
        let full = events.len() == 500;
        w.last = events.last().map_or(w.last, |e| e.seq);
        for ev in super::photos::staff_events(state, events).await? {
            socket
                .send(frame(
                    json!({ "type": "event", "conversation_id": w.id, "event": ev }),
                ))
                .await
                .map_err(|_| AppError::Conflict("closed"))?;
        }
        if !full {
            return Ok(());
        }
    }
}

async fn push_notes(state: &AppState, w: &Watched, socket: &mut WebSocket) -> Result<(), AppError> {
    let notes: Vec<StaffNote> = state
        .store
        .notes(&w.reader)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    socket
        .send(frame(
            json!({ "type": "case", "conversation_id": w.id, "notes": notes }),
        ))
        .await
        .map_err(|_| AppError::Conflict("closed"))
}

/// A typing or seen frame about a conversation this socket does not watch: as if it did not
/// exist (watching is what checks the officer may read it).
async fn not_watched(socket: &mut WebSocket) -> Result<(), AppError> {
    socket
        .send(frame(json!({ "type": "error", "code": "not-found" })))
        .await
        .map_err(|_| AppError::Conflict("closed"))
}

async fn run(state: AppState, officer: Officer, mut socket: WebSocket) {
    let _open = crate::metrics::Gauge::hold(&state.metrics.staff_sockets);
    let mut queue = state.hub.subscribe_queue();
    queue.borrow_and_update();
    let mut watched: Option<Watched> = None;
    // Pings every 15 s: the browser answers them itself, even in a background tab, and each
    // answer is a heartbeat (liveness has a 45 s grace, so one lost answer changes nothing).
    let mut ping = tokio::time::interval(std::time::Duration::from_secs(15));
    let me = officer.0.principal.id;
    crate::presence::heartbeat(&state, me).await;
    // An officer coming (back) online is a dispatch event: offers may now go to them. Only the
    // dispatcher is woken; if it offers something, it signals the queue itself.
    state.hub.dispatch_wake();
    let mut last_beat = std::time::Instant::now();
    match overview(&state, &officer).await {
        Ok(msg) => {
            if socket.send(msg).await.is_err() {
                return;
            }
        }
        Err(_) => return,
    }
    loop {
        let result: Result<(), AppError> = tokio::select! {
            () = state.shutdown.cancelled() => {
                let _ = socket.send(Message::Close(None)).await;
                return;
            }
            _ = ping.tick() => socket.send(Message::Ping(Default::default())).await.map_err(|_| AppError::Conflict("closed")),
            changed = queue.changed() => {
                if changed.is_err() { return; }
                queue.borrow_and_update();
                match overview(&state, &officer).await {
                    Ok(msg) => socket.send(msg).await.map_err(|_| AppError::Conflict("closed")),
                    Err(e) => Err(e),
                }
            }
            changed = async {
                match watched.as_mut() {
                    Some(w) => w.signal.changed().await.map(|()| *w.signal.borrow_and_update()),
                    None => std::future::pending().await,
                }
            } => {
                // Need to know holds at every push, not only at `watch`: a chat handed over or
                // sent back to the queue stops reaching the officer who no longer holds it.
                let allowed = match watched.as_ref() {
                    Some(w) => still_reads(&state, &officer, w.id).await,
                    None => true,
                };
                if !allowed {
                    watched = None;
                    let gone = json!({ "type": "error", "code": "forbidden" });
                    if socket.send(frame(gone)).await.is_err() { return; }
                    continue;
                }
                match (changed, watched.as_mut()) {
                    (Ok(signal), Some(w)) => {
                        let before = std::mem::replace(&mut w.heard, signal);
                        // Typing or reading alone has nothing in the store to read.
                        let mut r = if signal.only_ephemeral_since(&before) && signal.witness_seen <= w.last {
                            Ok(())
                        } else {
                            push_thread(&state, w, &mut socket).await
                        };
                        if r.is_ok() && signal.notes != w.notes {
                            w.notes = signal.notes;
                            r = push_notes(&state, w, &mut socket).await;
                        }
                        for mark in crate::comfort::frames_for(Party::Officer, &before, &signal, Some(w.id)) {
                            if r.is_ok() { r = socket.send(frame(mark)).await.map_err(|_| AppError::Conflict("closed")); }
                        }
                        r
                    }
                    _ => Ok(()),
                }
            }
            incoming = socket.recv() => {
                if matches!(incoming, Some(Ok(_))) && last_beat.elapsed() >= crate::presence::HEARTBEAT_EVERY {
                    crate::presence::heartbeat(&state, me).await;
                    last_beat = std::time::Instant::now();
                }
                let text = match incoming {
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                    Some(Ok(_)) => continue,
                };
                match serde_json::from_str::<Incoming>(&text) {
                    Ok(Incoming::Watch { conversation_id, after }) => {
                        match CaseReader::obtain(state.store.as_ref(), &officer.0.principal, conversation_id, "handling", state.clock.now()).await {
                            Ok(reader) => {
                                let signal = state.hub.subscribe(conversation_id);
                                let heard = *signal.borrow();
                                let notes = heard.notes;
                                // Bounded by what exists, so a "seen" mark never runs ahead of the thread.
                                let conv = state.store.conversation(conversation_id).await.ok().flatten();
                                let exists = conv.as_ref().map_or(0, |c| c.last_seq);
                                // Only the holder's typing and reading reach the witness: a lead looking on is not
                                // "the officer" of the conversation.
                                let holds = conv.as_ref().is_some_and(|c| c.operator == Some(me));
                                let mut w = Watched { id: conversation_id, reader, last: after.min(exists), signal, notes, heard, typing: Default::default(), seen: 0, holds };
                                let mut r = push_thread(&state, &mut w, &mut socket).await;
                                if r.is_ok() { r = push_notes(&state, &w, &mut socket).await; }
                                if let (true, Some(mark)) = (r.is_ok(), crate::comfort::current(Party::Officer, &heard, Some(w.id))) {
                                    r = socket.send(frame(mark)).await.map_err(|_| AppError::Conflict("closed"));
                                }
                                watched = Some(w);
                                r
                            }
                            Err(e) => {
                                let e = AppError::from(e);
                                socket.send(frame(json!({ "type": "error", "code": e.code() }))).await.map_err(|_| AppError::Conflict("closed"))
                            }
                        }
                    }
                    Ok(Incoming::Unwatch) => { watched = None; Ok(()) }
                    Ok(Incoming::Ping) => socket.send(frame(json!({ "type": "pong" }))).await.map_err(|_| AppError::Conflict("closed")),
                    Ok(Incoming::Typing { conversation_id }) => match watched.as_mut() {
                        Some(w) if w.id == conversation_id => {
                            if w.holds && w.typing.allow(tokio::time::Instant::now()) {
                                state.hub.typing(w.id, Party::Officer);
                            }
                            Ok(())
                        }
                        _ => not_watched(&mut socket).await,
                    },
                    Ok(Incoming::Seen { conversation_id, seq }) => match watched.as_mut() {
                        Some(w) if w.id == conversation_id => {
                            if !w.holds {
                                // Nothing to relay for a lead looking on.
                            } else if let Some(seq) = crate::comfort::advance(&mut w.seen, seq, w.last) {
                                state.hub.seen(w.id, Party::Officer, seq);
                            }
                            Ok(())
                        }
                        _ => not_watched(&mut socket).await,
                    },
                    Err(_) => socket.send(frame(json!({ "type": "error", "code": "frame-invalid" }))).await.map_err(|_| AppError::Conflict("closed")),
                }
            }
        };
        if result.is_err() {
            return;
        }
    }
}
