//! The witness's WebSocket: `hello` with the token and the last sequence seen, then every
//! event after it from the store, then live events; `send` frames are acknowledged only after
//! commit. The socket closes when the token is revoked or the server shuts down.
//! `typing` and `seen` frames are ephemeral: relayed to the officers' sockets through the hub,
//! never stored (see `crate::comfort`).

use super::api::{append, PAGE};
use super::{Witness, WitnessEvent};
use crate::comfort::{self, Throttle};
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::AppState;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;
use vigie_store::Party;

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
    /// The witness is typing (throttled here; the officer sees "the witness is typing").
    Typing,
    /// The witness has read the thread up to `seq`.
    Seen {
        seq: u64,
    },
}

pub async fn upgrade(
    State(state): State<AppState>,
    Lang(locale): Lang,
    ws: WebSocketUpgrade,
) -> Response {
    let tracker = state.tasks.clone();
    ws.max_message_size(MAX_FRAME)
        .max_frame_size(MAX_FRAME)
        .read_buffer_size(crate::WS_READ_BUFFER)
        .on_upgrade(move |socket| {
            tracker.track_future(async move {
                run(state, locale, socket).await;
            })
        })
}

fn frame(value: serde_json::Value) -> Message {
    Message::Text(Utf8Bytes::from(value.to_string()))
}

/// A typed error frame, its message in the language the socket was opened with.
fn error_frame(tr: &Tr, e: &AppError, client_id: Option<&str>) -> Message {
    let message = tr.get(&format!("error-{}", e.code()));
    let mut value =
        json!({ "type": "error", "code": e.code(), "message": message, "client_id": client_id });
    if let Some(wait) = e.retry_after() {
        value["retry_after"] = json!(wait);
    }
    frame(value)
}

async fn close(mut socket: WebSocket, code: u16, reason: &'static str) {
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        })))
        .await;
}

/// How a token check ended: the token is gone (revoked or replaced), or the store could not say.
async fn check_token(state: &AppState, token: &str) -> Result<Witness, AppError> {
    Witness::from_token(state, token).await
}

async fn refuse(tr: &Tr, mut socket: WebSocket, e: AppError) {
    let _ = socket.send(error_frame(tr, &e, None)).await;
    match e {
        AppError::Unauthorized => close(socket, 4401, "unauthorized").await,
        // A passing store failure: the client should reconnect, not give up.
        _ => close(socket, 1011, "unavailable").await,
    }
}

async fn send_events(
    state: &AppState,
    socket: &mut WebSocket,
    id: vigie_domain::ConversationId,
    last: &mut u64,
) -> Result<bool, AppError> {
    let events = state.store.events_after(id, *last, PAGE).await?;
    let full = events.len() == PAGE as usize;
    for e in events {
        *last = e.seq;
        let event = WitnessEvent::from(e);
        if socket
            .send(frame(json!({ "type": "event", "event": event })))
            .await
            .is_err()
        {
            return Err(AppError::Conflict("closed"));
        }
    }
    Ok(full)
}

async fn run(state: AppState, locale: vigie_domain::Locale, mut socket: WebSocket) {
    let tr = state.tr(locale);
    let tr = &tr;
    let _open = crate::metrics::Gauge::hold(&state.metrics.witness_sockets);
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
                    .send(error_frame(
                        tr,
                        &AppError::BadRequest("hello-expected"),
                        None,
                    ))
                    .await;
                return close(socket, 1008, "hello expected").await;
            }
        },
        _ => return close(socket, 1008, "hello expected").await,
    };
    let id = match check_token(&state, &token).await {
        Ok(w) => w.conversation.id,
        Err(e) => return refuse(tr, socket, e).await,
    };
    // 2. Subscribe, then check the token again: a resume or close that lands between the first
    // check and the subscription is seen by the second check, one after it by the signal.
    let mut signal = state.hub.subscribe(id);
    let mut heard = *signal.borrow_and_update();
    let mut epoch = heard.epoch;
    let mut typing = Throttle::default();
    let mut my_seen = 0;
    let witness = match check_token(&state, &token).await {
        Ok(w) => w,
        Err(e) => return refuse(tr, socket, e).await,
    };
    // What the client says it has read is bounded by what exists: a "seen" mark can never run
    // ahead of the thread.
    last = last.min(witness.conversation.last_seq);
    if socket
        .send(frame(
            json!({ "type": "ready", "state": witness.conversation.state }),
        ))
        .await
        .is_err()
    {
        return;
    }
    if let Some(mark) = comfort::current(Party::Witness, &heard, None) {
        if socket.send(frame(mark)).await.is_err() {
            return;
        }
    }
    // 3. The backlog after `last`, then live events.
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    let mut catch_up = true;
    loop {
        if std::mem::take(&mut catch_up) {
            match send_events(&state, &mut socket, id, &mut last).await {
                Ok(more) => catch_up = more,
                Err(AppError::Conflict("closed")) => return,
                Err(e) => return refuse(tr, socket, e).await,
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
                let before = std::mem::replace(&mut heard, now);
                if now.epoch != epoch {
                    epoch = now.epoch;
                    match check_token(&state, &token).await {
                        Ok(_) => {}
                        Err(AppError::Unauthorized) => {
                            // Ended by the witness: deliver the thread up to its end. Replaced by a
                            // resume elsewhere: deliver nothing more to this device.
                            let ended = state.store.conversation(id).await.ok().flatten().is_some_and(|c| !c.state.is_open());
                            if ended {
                                let _ = send_events(&state, &mut socket, id, &mut last).await;
                            }
                            return refuse(tr, socket, AppError::Unauthorized).await;
                        }
                        Err(e) => return refuse(tr, socket, e).await,
                    }
                }
                for mark in comfort::frames_for(Party::Witness, &before, &now, None) {
                    if socket.send(frame(mark)).await.is_err() { return; }
                }
                // Any change may carry events (a hint can be coalesced or be a bare nudge),
                // except the other side's typing or reading, which has nothing in the store.
                catch_up = !now.only_ephemeral_since(&before);
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
                        // Re-read the token so a revoked one cannot keep writing.
                        match check_token(&state, &token).await {
                            Ok(current) => match append(&state, &current, &client_id, &body).await {
                                Ok((seq, _)) => frame(json!({ "type": "ack", "client_id": client_id, "seq": seq })),
                                Err(e) => error_frame(tr, &e, Some(&client_id)),
                            },
                            Err(e) => error_frame(tr, &e, Some(&client_id)),
                        }
                    }
                    Ok(Incoming::Ping) => frame(json!({ "type": "pong" })),
                    Ok(Incoming::Typing) => {
                        // A conversation blocked as abusive relays nothing more (checked at most
                        // once per throttle period).
                        if typing.allow(tokio::time::Instant::now())
                            && !matches!(state.store.conversation(id).await, Ok(Some(c)) if c.blocked_at.is_some())
                        {
                            state.hub.typing(id, Party::Witness);
                        }
                        continue;
                    }
                    Ok(Incoming::Seen { seq }) => {
                        if let Some(seq) = comfort::advance(&mut my_seen, seq, last) {
                            state.hub.seen(id, Party::Witness, seq);
                        }
                        continue;
                    }
                    Ok(Incoming::Hello { .. }) => error_frame(tr, &AppError::BadRequest("hello-repeated"), None),
                    Err(_) => error_frame(tr, &AppError::BadRequest("frame-invalid"), None),
                };
                if socket.send(reply).await.is_err() { return; }
            }
        }
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_frame_decodes_or_is_refused_without_panic(text in prop_oneof![
            any::<String>(),
            "\\{\"type\":\"(hello|send|ping|typing|seen|x)\"(,\"[a-z_]{1,9}\":(\"[^\"]{0,8}\"|[0-9-]{1,22}|null|\\[\\]))*\\}",
        ]) {
            let _ = serde_json::from_str::<Incoming>(&text);
        }

        #[test]
        fn send_frames_carry_any_text_unchanged(client_id in any::<String>(), body in any::<String>(), after in any::<u64>(), token in any::<String>()) {
            let frame = json!({ "type": "send", "client_id": client_id, "body": body }).to_string();
            match serde_json::from_str::<Incoming>(&frame) {
                Ok(Incoming::Send { client_id: c, body: b }) => {
                    prop_assert_eq!(c, client_id);
                    prop_assert_eq!(b, body);
                }
                _ => prop_assert!(false, "send frame not decoded"),
            }
            let frame = json!({ "type": "hello", "token": token, "after": after }).to_string();
            let decoded = matches!(
                serde_json::from_str::<Incoming>(&frame),
                Ok(Incoming::Hello { token: t, after: a }) if t == token && a == after
            );
            prop_assert!(decoded);
        }
    }
}
