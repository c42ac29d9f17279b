//! The witness's WebSocket: `hello` with the token and the last sequence seen, then every
//! event after it from the store, then live events; `send` frames are acknowledged only after
//! commit. The socket closes when the token is revoked or the server shuts down.

use super::api::{append, PAGE};
use super::{Witness, WitnessEvent};
use crate::error::AppError;
use crate::AppState;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
const PING_EVERY: Duration = Duration::from_secs(25);
/// The largest frame accepted: a message of 4,000 characters in JSON fits easily.
const MAX_FRAME: usize = 32 * 1024;

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Incoming {
    Hello {
        token: String,
        #[serde(default)]
        after: u64,
    },
    Send {
        client_id: String,
        body: String,
    },
    Ping,
}

pub async fn upgrade(State(state): State<AppState>, ws: WebSocketUpgrade) -> Response {
    let tracker = state.tasks.clone();
    ws.max_message_size(MAX_FRAME)
        .max_frame_size(MAX_FRAME)
        .on_upgrade(move |socket| {
            tracker.track_future(async move {
                run(state, socket).await;
            })
        })
}

fn frame(value: serde_json::Value) -> Message {
    Message::Text(Utf8Bytes::from(value.to_string()))
}

fn error_frame(e: &AppError, client_id: Option<&str>) -> Message {
    frame(json!({ "type": "error", "code": e.code(), "client_id": client_id }))
}

async fn close(mut socket: WebSocket, code: u16, reason: &'static str) {
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        })))
        .await;
}

async fn run(state: AppState, mut socket: WebSocket) {
    // 1. hello
    let hello = tokio::select! {
        msg = tokio::time::timeout(HELLO_TIMEOUT, socket.recv()) => msg,
        () = state.shutdown.cancelled() => return close(socket, 1001, "shutdown").await,
    };
    let (token, mut last) = match hello {
        Ok(Some(Ok(Message::Text(text)))) => match serde_json::from_str::<Incoming>(&text) {
            Ok(Incoming::Hello { token, after }) => (token, after),
            _ => {
                let _ = socket
                    .send(error_frame(&AppError::BadRequest("hello-expected"), None))
                    .await;
                return close(socket, 1008, "hello expected").await;
            }
        },
        _ => return close(socket, 1008, "hello expected").await,
    };
    let witness = match Witness::from_token(&state, &token).await {
        Ok(w) => w,
        Err(e) => {
            let _ = socket.send(error_frame(&e, None)).await;
            return close(socket, 4401, "unauthorized").await;
        }
    };
    let id = witness.conversation.id;
    // Subscribe before reading the backlog, so nothing committed in between is missed.
    let mut signal = state.hub.subscribe(id);
    let mut epoch = signal.borrow_and_update().epoch;
    if socket
        .send(frame(
            json!({ "type": "ready", "state": witness.conversation.state }),
        ))
        .await
        .is_err()
    {
        return;
    }
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    let mut catch_up = true;
    loop {
        if std::mem::take(&mut catch_up) {
            match state.store.events_after(id, last, PAGE).await {
                Ok(events) => {
                    let full = events.len() == PAGE as usize;
                    for e in events {
                        last = e.seq;
                        let event = WitnessEvent::from(e);
                        if socket
                            .send(frame(json!({ "type": "event", "event": event })))
                            .await
                            .is_err()
                        {
                            return;
                        }
                    }
                    catch_up = full;
                }
                Err(e) => {
                    let _ = socket.send(error_frame(&e.into(), None)).await;
                    return close(socket, 1011, "unavailable").await;
                }
            }
            if catch_up {
                continue;
            }
        }
        tokio::select! {
            () = state.shutdown.cancelled() => return close(socket, 1001, "shutdown").await,
            changed = signal.changed() => {
                if changed.is_err() { return; }
                let now = *signal.borrow_and_update();
                if now.epoch != epoch {
                    epoch = now.epoch;
                    // The token may have been replaced (resume elsewhere) or revoked (closed).
                    if Witness::from_token(&state, &token).await.is_err() {
                        // Deliver what was committed before the revocation, then close.
                        if let Ok(events) = state.store.events_after(id, last, PAGE).await {
                            for e in events {
                                let _ = socket.send(frame(json!({ "type": "event", "event": WitnessEvent::from(e) }))).await;
                            }
                        }
                        let _ = socket.send(error_frame(&AppError::Unauthorized, None)).await;
                        return close(socket, 4401, "token revoked").await;
                    }
                }
                catch_up = now.seq > last;
            }
            _ = ping.tick() => {
                if socket.send(Message::Ping(Default::default())).await.is_err() { return; }
            }
            incoming = socket.recv() => {
                let text = match incoming {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                    Some(Ok(_)) => continue,
                };
                let reply = match serde_json::from_str::<Incoming>(&text) {
                    Ok(Incoming::Send { client_id, body }) => {
                        // Re-read the conversation so a revoked token cannot keep writing.
                        match Witness::from_token(&state, &token).await {
                            Ok(current) => match append(&state, &current, &client_id, &body).await {
                                Ok((seq, _)) => frame(json!({ "type": "ack", "client_id": client_id, "seq": seq })),
                                Err(e) => error_frame(&e, Some(&client_id)),
                            },
                            Err(e) => error_frame(&e, Some(&client_id)),
                        }
                    }
                    Ok(Incoming::Ping) => frame(json!({ "type": "pong" })),
                    Ok(Incoming::Hello { .. }) => error_frame(&AppError::BadRequest("hello-repeated"), None),
                    Err(_) => error_frame(&AppError::BadRequest("frame-invalid"), None),
                };
                if socket.send(reply).await.is_err() { return; }
            }
        }
    }
}
