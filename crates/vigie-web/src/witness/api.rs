//! The witness's HTTP calls: start, resume, send, read (with long polling), close. The cores
//! (`open`, `reopen`, `append`, `end`) are shared with the page's plain forms, so both paths
//! meet the same limits and checks.

use super::{Witness, WitnessEvent};
use crate::crypto::new_token;
use crate::error::AppError;
use crate::limits::ClientAddress;
use crate::pow;
use crate::{ApiJson, AppState};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;
use vigie_domain::{ClientId, ConversationId, Locale, MessageBody, ReceiptCode};
use vigie_store::{NewConversation, NewMessage, StoreError, Writer};

/// Events served per read; a client that is further behind asks again.
pub const PAGE: u32 = 500;
/// The longest a long poll waits.
const MAX_WAIT_SECS: u64 = 30;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartBody {
    #[serde(default)]
    locale: Option<String>,
    /// The solved proof of work (see `pow.rs`): required.
    #[serde(default)]
    proof: Option<ProofBody>,
    /// What the witness says of the urgency: `normal`, `weapons_violence` or
    /// `imminent_danger` (raises the conversation's place in the queue).
    #[serde(default)]
    priority: Option<String>,
}

/// Parses what the witness said of the urgency (absent or empty: normal).
pub(crate) fn witness_priority(raw: Option<&str>) -> Result<i32, AppError> {
    use vigie_domain::dispatch::Priority;
    match raw.map(str::trim) {
        None | Some("") => Ok(0),
        Some(raw) => match Priority::parse(raw) {
            Some(p @ (Priority::Normal | Priority::WeaponsViolence | Priority::ImminentDanger)) => {
                Ok(p.level())
            }
            _ => Err(AppError::Invalid("priority-invalid")),
        },
    }
}

/// Records the witness's declared urgency on a conversation just opened.
pub(crate) async fn declare_priority(
    state: &AppState,
    id: ConversationId,
    level: i32,
) -> Result<(), AppError> {
    if level > 0
        && state
            .store
            .raise_priority(id, level, None, state.clock.now())
            .await?
    {
        state.hub.queue_changed();
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofBody {
    challenge: String,
    nonce: u64,
}

/// What vouches for a new conversation: a solved proof of work (with JavaScript), or a matured
/// wait ticket (the page without JavaScript).
pub(crate) enum Proof<'a> {
    Work { challenge: &'a str, nonce: u64 },
    Wait { ticket: &'a str },
}

/// A fresh proof-of-work challenge for the page. Nothing is stored.
pub async fn challenge(State(state): State<AppState>) -> Json<Value> {
    let c = state.with_rng(|rng| {
        pow::issue(
            &state.secret,
            &state.settings.pow,
            pow::Kind::Work,
            state.clock.now(),
            rng,
        )
    });
    Json(json!({
        "challenge": c.token,
        "difficulty": c.difficulty,
        "memory_kib": c.memory_kib,
        "iterations": c.iterations,
        "expires_in": state.settings.pow.ttl.whole_seconds(),
    }))
}

/// A conversation just opened: what the witness must be handed, once.
pub struct Opened {
    pub id: ConversationId,
    pub receipt: ReceiptCode,
    pub token: String,
}

/// Opens a conversation: first the proof (spent once), then the limits per address (a keyed
/// hash, in memory) and for the whole service (`rate-limited` or `service-busy`, with how long
/// to wait). The proof comes first so that requests without one cannot use up the ceiling that
/// genuine witnesses need. Shared by the API and the page's plain forms.
pub(crate) async fn open(
    state: &AppState,
    client: &ClientAddress,
    locale: Locale,
    proof: Proof<'_>,
) -> Result<Opened, AppError> {
    match proof {
        Proof::Work { challenge, nonce } => {
            pow::redeem(state, challenge, Some(nonce), pow::Kind::Work).await?
        }
        Proof::Wait { ticket } => pow::redeem(state, ticket, None, pow::Kind::Wait).await?,
    }
    state.limits.admit_open(state, client)?;
    // A receipt collision is astronomically rare; retrying with a new code is the whole cure.
    for _ in 0..3 {
        let (id, receipt, token) = state.with_rng(|rng| {
            (
                ConversationId::random(rng),
                ReceiptCode::generate(rng),
                new_token(rng),
            )
        });
        let new = NewConversation {
            id,
            locale,
            receipt_hash: state.secret.receipt_hash(&receipt),
            token_hash: crate::crypto::token_hash(&token),
            created_at: state.clock.now(),
        };
        match state.store.create_conversation(new).await {
            Ok(()) => {
                state.hub.queue_changed();
                state
                    .metrics
                    .conversations_started
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                return Ok(Opened { id, receipt, token });
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Internal(
        "could not draw a unique receipt code".into(),
    ))
}

pub async fn start(
    State(state): State<AppState>,
    client: ClientAddress,
    ApiJson(body): ApiJson<StartBody>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let locale = match body.locale.as_deref() {
        None => Locale::Fr,
        Some(raw) => Locale::parse(raw).ok_or(AppError::Invalid("locale-invalid"))?,
    };
    let proof = body
        .proof
        .as_ref()
        .ok_or(AppError::Invalid("proof-required"))?;
    let proof = Proof::Work {
        challenge: &proof.challenge,
        nonce: proof.nonce,
    };
    let level = witness_priority(body.priority.as_deref())?;
    let opened = open(&state, &client, locale, proof).await?;
    declare_priority(&state, opened.id, level).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "conversation_id": opened.id,
            "token": opened.token,
            "receipt_code": opened.receipt.grouped(),
        })),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResumeBody {
    receipt_code: String,
}

/// Swaps in a new token for the conversation of a receipt code; earlier tokens stop working
/// (pages and sockets holding one re-check it). A malformed code and an unknown one get the same
/// generic answer.
pub(crate) async fn reopen(
    state: &AppState,
    raw: &str,
) -> Result<(ConversationId, String), AppError> {
    let code = ReceiptCode::parse(raw).map_err(|_| AppError::Unknown("receipt-unknown"))?;
    let token = state.with_rng(new_token);
    let id = state
        .store
        .resume(
            &state.secret.receipt_hash(&code),
            &crate::crypto::token_hash(&token),
        )
        .await?
        .ok_or(AppError::Unknown("receipt-unknown"))?;
    state.hub.epoch(id);
    Ok((id, token))
}

pub async fn resume(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ResumeBody>,
) -> Result<Json<Value>, AppError> {
    let (id, token) = reopen(&state, &body.receipt_code).await?;
    Ok(Json(json!({ "conversation_id": id, "token": token })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendBody {
    client_id: String,
    body: String,
}

/// Parses and appends a witness message; shared by HTTP and WebSocket.
pub async fn append(
    state: &AppState,
    witness: &Witness,
    client_id: &str,
    body: &str,
) -> Result<(u64, bool), AppError> {
    let client_id = ClientId::parse(client_id)?;
    let body = MessageBody::parse(body)?;
    let id = witness.conversation.id;
    // A blocked conversation refuses at once (the store checks again in its transaction);
    // otherwise the conversation's bucket decides before the store is touched.
    if witness.conversation.blocked_at.is_some() {
        return Err(AppError::Locked("conversation-blocked"));
    }
    state.limits.message(id, std::time::Instant::now())?;
    let appended = state
        .store
        .append_message(NewMessage {
            conversation: id,
            writer: Writer::Witness,
            client_id,
            body,
            at: state.clock.now(),
        })
        .await?;
    // A retry may follow a node that died between commit and hint: hint again (it is idempotent).
    state.hub.event(id, appended.seq);
    if !appended.duplicate {
        state
            .metrics
            .witness_messages
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    Ok((appended.seq, appended.duplicate))
}

pub async fn send(
    State(state): State<AppState>,
    witness: Witness,
    ApiJson(body): ApiJson<SendBody>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let (seq, duplicate) = append(&state, &witness, &body.client_id, &body.body).await?;
    let status = if duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(json!({ "seq": seq }))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    #[serde(default)]
    after: u64,
    #[serde(default)]
    wait: u64,
}

pub async fn events(
    State(state): State<AppState>,
    witness: Witness,
    query: Result<Query<EventsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, AppError> {
    let Query(q) = query.map_err(|_| AppError::BadRequest("query-invalid"))?;
    let id = witness.conversation.id;
    let mut signal = state.hub.subscribe(id);
    let epoch = signal.borrow_and_update().epoch;
    // Checked again after subscribing: a revocation is then seen either here or by the signal.
    if !witness.still_valid(&state).await? {
        return Err(AppError::Unauthorized);
    }
    let mut found = state.store.events_after(id, q.after, PAGE).await?;
    if found.is_empty() && q.wait > 0 {
        let wait = Duration::from_secs(q.wait.min(MAX_WAIT_SECS));
        let deadline = tokio::time::Instant::now() + wait;
        while found.is_empty() {
            tokio::select! {
                changed = signal.changed() => if changed.is_err() { break },
                () = tokio::time::sleep_until(deadline) => break,
                () = state.shutdown.cancelled() => break,
            }
            // A token revoked or replaced while waiting stops working at once.
            if signal.borrow_and_update().epoch != epoch && !witness.still_valid(&state).await? {
                return Err(AppError::Unauthorized);
            }
            found = state.store.events_after(id, q.after, PAGE).await?;
        }
    }
    let events: Vec<WitnessEvent> = found.into_iter().map(Into::into).collect();
    Ok(Json(json!({ "events": events })))
}

/// Ends the conversation for the witness; their token is revoked.
pub(crate) async fn end(state: &AppState, id: ConversationId) -> Result<(), AppError> {
    match state.store.close_by_witness(id, state.clock.now()).await {
        Ok(event) => state.hub.event(id, event.seq),
        // Already ended by the officer: the token is revoked all the same.
        Err(StoreError::Closed) => {}
        Err(e) => return Err(e.into()),
    }
    state.hub.epoch(id);
    state.hub.queue_changed();
    Ok(())
}

pub async fn close(
    State(state): State<AppState>,
    witness: Witness,
) -> Result<Json<Value>, AppError> {
    end(&state, witness.conversation.id).await?;
    Ok(Json(json!({ "closed": true })))
}
