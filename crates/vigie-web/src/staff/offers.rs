//! Offers, from the officer's side: the ones waiting for their answer (in the console's queue
//! frame), accepting one (which takes the conversation) and declining one (the engine then
//! offers it to someone else and remembers the refusal).

use super::cases::conversation_id;
use crate::auth::Officer;
use crate::error::AppError;
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};
use vigie_domain::clock::rfc3339;
use vigie_domain::ReportId;
use vigie_store::TakeOutcome;

/// The live offers to this officer, for the console.
pub async fn offers_for(state: &AppState, officer: &Officer) -> Result<Vec<Value>, AppError> {
    let now = state.clock.now();
    let snapshot = state.store.dispatch_snapshot().await?;
    let me = officer.0.principal.id;
    Ok(snapshot
        .offers
        .iter()
        .filter(|o| o.officer == me && o.expires_at > now)
        .map(|o| {
            let priority = snapshot
                .waiting
                .iter()
                .find(|w| w.id == o.chat)
                .map_or(0, |w| w.priority.level());
            json!({
                "conversation_id": o.chat,
                "expires_at": rfc3339(o.expires_at),
                "priority": priority,
            })
        })
        .collect())
}

/// `POST /api/v1/staff/offers/{id}/accept`
pub async fn accept(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let id = conversation_id(&id)?;
    let report = state.with_rng(ReportId::random);
    match state
        .store
        .accept_offer(id, officer.0.principal.id, report, state.clock.now())
        .await?
    {
        TakeOutcome::Taken(event) => {
            state.hub.event(id, event.seq);
            state.hub.queue_changed();
            Ok(Json(json!({ "conversation_id": id })))
        }
        TakeOutcome::AlreadyTaken | TakeOutcome::NotFound => Err(AppError::Conflict("offer-gone")),
    }
}

/// `POST /api/v1/staff/offers/{id}/decline`
pub async fn decline(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let id = conversation_id(&id)?;
    if !state
        .store
        .decline_offer(id, officer.0.principal.id, state.clock.now())
        .await?
    {
        return Err(AppError::Conflict("offer-gone"));
    }
    state.hub.queue_changed();
    Ok(Json(json!({ "declined": true })))
}
