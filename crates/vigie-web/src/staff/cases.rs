//! An officer's work on a case: the queue, taking, the thread, notes, the report, the end.
//! Every handler obtains a capability (`AssignedCase` or `CaseReader`) before touching content.

use super::StaffNote;
use crate::auth::Officer;
use crate::error::AppError;
use crate::{ApiJson, AppState};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use vigie_domain::clock::rfc3339;
use vigie_domain::report::ReportInput;
use vigie_domain::{
    ClientId, CloseOutcome, ConversationId, MessageBody, NoteBody, ReasonText, ReportId,
};
use vigie_store::{
    AssignedCase, CaseReader, Conversation, NewMessage, Report, TakeOutcome, Writer,
};

pub(crate) fn conversation_id(raw: &str) -> Result<ConversationId, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

#[derive(Serialize)]
pub struct QueueItem {
    conversation_id: ConversationId,
    locale: vigie_domain::Locale,
    waiting_since: String,
    waiting_seconds: i64,
    priority: i32,
}

pub async fn queue_items(state: &AppState) -> Result<Vec<QueueItem>, AppError> {
    let now = state.clock.now();
    Ok(state
        .store
        .queue()
        .await?
        .into_iter()
        .map(|q| QueueItem {
            conversation_id: q.conversation,
            locale: q.locale,
            waiting_since: rfc3339(q.waiting_since),
            waiting_seconds: (now - q.waiting_since).whole_seconds().max(0),
            priority: q.priority,
        })
        .collect())
}

pub async fn queue(
    State(state): State<AppState>,
    _officer: Officer,
) -> Result<Json<Value>, AppError> {
    Ok(Json(json!({ "queue": queue_items(&state).await? })))
}

#[derive(Serialize)]
pub struct Held {
    conversation_id: ConversationId,
    state: vigie_domain::ConversationState,
    /// The witness's language: the canned replies offered are in it.
    locale: vigie_domain::Locale,
    taken_at: Option<String>,
    last_seq: u64,
    witness_left: bool,
    /// Blocked as abusive: the witness can no longer write.
    blocked: bool,
    blocked_at: Option<String>,
}

impl From<Conversation> for Held {
    fn from(c: Conversation) -> Self {
        Self {
            conversation_id: c.id,
            state: c.state,
            locale: c.locale,
            taken_at: c.taken_at.map(rfc3339),
            last_seq: c.last_seq,
            witness_left: !c.token_live,
            blocked: c.blocked_at.is_some(),
            blocked_at: c.blocked_at.map(rfc3339),
        }
    }
}

pub async fn held(state: &AppState, officer: &Officer) -> Result<Vec<Held>, AppError> {
    let mine = state.store.held_by(officer.0.principal.id).await?;
    Ok(mine.into_iter().map(Held::from).collect())
}

pub async fn mine(
    State(state): State<AppState>,
    officer: Officer,
) -> Result<Json<Value>, AppError> {
    Ok(Json(
        json!({ "conversations": held(&state, &officer).await? }),
    ))
}

fn taken(state: &AppState, id: ConversationId, seq: u64) -> Json<Value> {
    state.hub.event(id, seq);
    state.hub.queue_changed();
    Json(json!({ "conversation_id": id }))
}

pub async fn take(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let id = conversation_id(&id)?;
    let report = state.with_rng(ReportId::random);
    match state
        .store
        .take(id, officer.0.principal.id, report, state.clock.now())
        .await?
    {
        TakeOutcome::Taken(event) => Ok(taken(&state, id, event.seq)),
        TakeOutcome::AlreadyTaken => Err(AppError::Conflict("already-taken")),
        TakeOutcome::NotFound => Err(AppError::Unknown("no-longer-waiting")),
    }
}

pub async fn take_next(
    State(state): State<AppState>,
    officer: Officer,
) -> Result<Json<Value>, AppError> {
    let report = state.with_rng(ReportId::random);
    match state
        .store
        .take_next(officer.0.principal.id, report, state.clock.now())
        .await?
    {
        Some((id, event)) => Ok(taken(&state, id, event.seq)),
        None => Err(AppError::Unknown("queue-empty")),
    }
}

#[derive(Serialize)]
pub struct ReportView {
    id: ReportId,
    state: vigie_domain::ReportState,
    version: u32,
    fields: vigie_domain::ReportFields,
    departement: Option<vigie_domain::DepartementCode>,
    commune_name: Option<String>,
    outcome: Option<CloseOutcome>,
    outcome_reason: Option<String>,
    qualified_at: Option<String>,
}

pub async fn report_view(state: &AppState, r: Report) -> Result<ReportView, AppError> {
    let commune_name = match &r.fields.commune {
        Some(c) => state.store.commune(c).await?.map(|c| c.name),
        None => None,
    };
    Ok(ReportView {
        id: r.id,
        state: r.state,
        version: r.version,
        fields: r.fields,
        departement: r.departement,
        commune_name,
        outcome: r.outcome,
        outcome_reason: r.outcome_reason,
        qualified_at: r.qualified_at.map(rfc3339),
    })
}

/// The whole case for the officer's screen: thread, notes, report. The read is audited.
pub async fn show(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let id = conversation_id(&id)?;
    let reader = CaseReader::obtain(
        state.store.as_ref(),
        &officer.0.principal,
        id,
        "handling",
        state.clock.now(),
    )
    .await?;
    let conversation = state
        .store
        .conversation(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut events = Vec::new();
    let mut after = 0;
    loop {
        let page = state.store.events_after(id, after, 1000).await?;
        let done = page.len() < 1000;
        after = page.last().map_or(after, |e| e.seq);
        events.extend(page);
        if done {
            break;
        }
    }
    let events = super::photos::staff_events(&state, events).await?;
    let notes: Vec<StaffNote> = state
        .store
        .notes(&reader)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    let report = match state.store.report_for_conversation(id).await? {
        Some(r) => Some(report_view(&state, r).await?),
        None => None,
    };
    Ok(Json(json!({
        "conversation": Held::from(conversation),
        "events": events,
        "notes": notes,
        "report": report,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AfterQuery {
    #[serde(default)]
    after: u64,
}

pub async fn events(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
    query: Result<Query<AfterQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, AppError> {
    let Query(q) = query.map_err(|_| AppError::BadRequest("query-invalid"))?;
    let id = conversation_id(&id)?;
    CaseReader::obtain(
        state.store.as_ref(),
        &officer.0.principal,
        id,
        "handling",
        state.clock.now(),
    )
    .await?;
    let found = state.store.events_after(id, q.after, 500).await?;
    let events = super::photos::staff_events(&state, found).await?;
    Ok(Json(json!({ "events": events })))
}

async fn assigned(state: &AppState, officer: &Officer, id: &str) -> Result<AssignedCase, AppError> {
    Ok(AssignedCase::obtain(
        state.store.as_ref(),
        &officer.0.principal,
        conversation_id(id)?,
    )
    .await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendBody {
    client_id: String,
    body: String,
}

pub async fn send(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SendBody>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let client_id = ClientId::parse(&body.client_id)?;
    let text = MessageBody::parse(&body.body)?;
    let case = assigned(&state, &officer, &id).await?;
    let appended = state
        .store
        .append_message(NewMessage {
            conversation: case.conversation(),
            writer: Writer::Officer(case.staff()),
            client_id,
            body: text,
            at: state.clock.now(),
        })
        .await?;
    // Hinted even for a retry: the first attempt's node may have died before hinting.
    state.hub.event(case.conversation(), appended.seq);
    if appended.duplicate {
        return Ok((StatusCode::OK, Json(json!({ "seq": appended.seq }))));
    }
    state
        .metrics
        .officer_messages
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Ok((StatusCode::CREATED, Json(json!({ "seq": appended.seq }))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteBodyIn {
    body: String,
}

pub async fn note(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NoteBodyIn>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let text = NoteBody::parse(&body.body)?;
    let case = assigned(&state, &officer, &id).await?;
    let note = state.store.add_note(&case, text, state.clock.now()).await?;
    state.hub.staff_change(case.conversation());
    Ok((
        StatusCode::CREATED,
        Json(json!({ "note": StaffNote::from(note) })),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaveBody {
    version: u32,
    fields: ReportInput,
}

pub async fn save_report(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SaveBody>,
) -> Result<Json<Value>, AppError> {
    let case = assigned(&state, &officer, &id).await?;
    let fields = match body.fields.validate() {
        Ok(fields) => fields,
        Err(mut errors) => {
            // Report every bad field at once, the unknown commune included.
            if let Ok(code) = vigie_domain::InseeCode::parse(&body.fields.commune) {
                if state.store.commune(&code).await?.is_none() {
                    errors.add("commune", "commune-unknown");
                }
            }
            return Err(AppError::Fields(errors));
        }
    };
    let saved = state
        .store
        .save_report(&case, body.version, fields, state.clock.now())
        .await?;
    state.hub.staff_change(case.conversation());
    Ok(Json(json!({ "report": report_view(&state, saved).await? })))
}

pub async fn qualify(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let case = assigned(&state, &officer, &id).await?;
    let report = state.store.qualify(&case, state.clock.now()).await?;
    finish(&state, case.conversation()).await;
    Ok(Json(
        json!({ "report": report_view(&state, report).await? }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseBody {
    outcome: String,
    reason: String,
}

pub async fn close(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CloseBody>,
) -> Result<Json<Value>, AppError> {
    let outcome = CloseOutcome::parse(&body.outcome).ok_or(AppError::Invalid("outcome-invalid"))?;
    let reason = ReasonText::parse(&body.reason).map_err(|e| match e.code {
        "text-empty" => AppError::Invalid("reason-required"),
        code => AppError::Invalid(code),
    })?;
    let case = assigned(&state, &officer, &id).await?;
    let report = state
        .store
        .close_case(&case, outcome, reason, state.clock.now())
        .await?;
    finish(&state, case.conversation()).await;
    Ok(Json(
        json!({ "report": report_view(&state, report).await? }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockBody {
    reason: String,
}

/// Blocks an abusive conversation: the witness's messages are refused from now on; the holder
/// (or a shift lead) then closes the report, as rejected. Audited by the store.
pub async fn block(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<BlockBody>,
) -> Result<Json<Value>, AppError> {
    let reason = ReasonText::parse(&body.reason).map_err(|e| match e.code {
        "text-empty" => AppError::Invalid("reason-required"),
        code => AppError::Invalid(code),
    })?;
    let case = assigned(&state, &officer, &id).await?;
    let conversation = state
        .store
        .block_conversation(&case, reason, state.clock.now())
        .await?;
    state.hub.staff_change(case.conversation());
    state.hub.queue_changed();
    Ok(Json(json!({ "conversation": Held::from(conversation) })))
}

/// After a case leaves the chat: wake the witness's socket and every console.
async fn finish(state: &AppState, id: ConversationId) {
    // The change is committed: nothing here may turn it into an error. The staff nudge also
    // wakes the witness's socket, which then reads what it has not seen.
    if let Ok(Some(conversation)) = state.store.conversation(id).await {
        state.hub.event(id, conversation.last_seq);
    }
    state.hub.staff_change(id);
    state.hub.queue_changed();
}
