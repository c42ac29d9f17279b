//! Officer presence and the operations board (issue 6): duty status set by the officer, liveness
//! from the staff WebSocket's heartbeats (the browser answers pings itself, so a tab in the
//! background stays "connected"), workload against a capacity the shift lead sets. The same
//! cores serve the JSON API and the pages. Nothing here reads case content: the board shows
//! queue positions, waits and priorities, never words.

use crate::auth::{Officer, Staff};
use crate::error::AppError;
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use vigie_domain::dispatch::{estimated_wait, DispatchConfig, Duty};
use vigie_domain::{ConversationId, Permission, Role, StaffId, Timestamp};
use vigie_store::Presence;

/// Heartbeats closer together than this are not written (the socket pings every 15 s).
pub const HEARTBEAT_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// The grace of liveness: a disconnect shorter than this changes nothing.
pub fn grace() -> time::Duration {
    DispatchConfig::default().grace()
}

/// The first-reply target the board measures waits against.
pub fn target(state: &AppState) -> time::Duration {
    state.settings.response_target
}

fn alive(p: &Presence, now: Timestamp) -> bool {
    p.last_seen.is_some_and(|seen| now < seen + grace())
}

/// One officer on the board.
#[derive(Debug, Clone, Serialize)]
pub struct OfficerRow {
    pub id: StaffId,
    pub username: String,
    pub role: Role,
    pub duty: Duty,
    pub capacity: u32,
    pub held: u32,
    pub alive: bool,
    /// Seconds since the last heartbeat; `None` if never seen.
    pub last_seen_seconds: Option<i64>,
    /// Conversations offered to this officer, waiting for their answer.
    pub offered: u32,
}

/// A dispatch alert for the shift lead: a first reply that did not come, an officer lost or
/// gone with chats, a wait beyond the target.
#[derive(Debug, Clone, Serialize)]
pub struct AlertRow {
    pub conversation_id: ConversationId,
    pub reason: vigie_domain::dispatch::AlertReason,
    pub officer: Option<String>,
    pub seconds_ago: i64,
}

/// A waiting conversation beyond the first-reply target.
#[derive(Debug, Clone, Serialize)]
pub struct AtRisk {
    pub conversation_id: ConversationId,
    pub waiting_seconds: i64,
    pub priority: i32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Board {
    pub queue_depth: usize,
    pub longest_wait_seconds: Option<i64>,
    pub target_seconds: i64,
    /// Officers on shift with a live connection.
    pub officers_live: usize,
    /// Their free places (capacity minus held conversations).
    pub free_slots: u32,
    pub officers: Vec<OfficerRow>,
    pub at_risk: Vec<AtRisk>,
    /// Alerts of the last two hours, newest first.
    pub alerts: Vec<AlertRow>,
}

/// The board as of now, from the store.
pub async fn board(state: &AppState) -> Result<Board, AppError> {
    let now = state.clock.now();
    let presences = state.store.presences().await?;
    let queue = state.store.queue().await?;
    let target = target(state);
    let waits: Vec<i64> = queue
        .iter()
        .map(|q| (now - q.waiting_since).whole_seconds().max(0))
        .collect();
    let on_shift: Vec<&Presence> = presences
        .iter()
        .filter(|p| p.duty == Duty::OnShift && alive(p, now))
        .collect();
    let snapshot = state.store.dispatch_snapshot().await?;
    let offered = |id: StaffId| {
        let n = snapshot
            .offers
            .iter()
            .filter(|o| o.officer == id && o.expires_at > now)
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    };
    let name = |id: StaffId| {
        presences
            .iter()
            .find(|p| p.staff == id)
            .map(|p| p.username.clone())
    };
    let mut alerts: Vec<AlertRow> = state
        .store
        .dispatch_alerts(now - time::Duration::hours(2))
        .await?
        .into_iter()
        .map(|a| AlertRow {
            conversation_id: a.conversation,
            reason: a.reason,
            officer: a.staff.and_then(name),
            seconds_ago: (now - a.at).whole_seconds().max(0),
        })
        .collect();
    alerts.sort_by_key(|a| a.seconds_ago);
    Ok(Board {
        queue_depth: queue.len(),
        longest_wait_seconds: waits.iter().copied().max(),
        target_seconds: target.whole_seconds(),
        officers_live: on_shift.len(),
        free_slots: on_shift
            .iter()
            .map(|p| p.capacity.saturating_sub(p.held))
            .sum(),
        officers: presences
            .iter()
            .map(|p| OfficerRow {
                id: p.staff,
                username: p.username.clone(),
                role: p.role,
                duty: p.duty,
                capacity: p.capacity,
                held: p.held,
                alive: alive(p, now),
                last_seen_seconds: p.last_seen.map(|s| (now - s).whole_seconds().max(0)),
                offered: offered(p.staff),
            })
            .collect(),
        alerts,
        at_risk: queue
            .iter()
            .zip(&waits)
            .filter(|(_, w)| **w >= target.whole_seconds())
            .map(|(q, w)| AtRisk {
                conversation_id: q.conversation,
                waiting_seconds: *w,
                priority: q.priority,
            })
            .collect(),
    })
}

/// Where a waiting conversation stands, as its witness is told: position in dispatch order
/// (priority, then longest wait), and an estimate from recent handling times and the places of
/// officers on shift and connected. `None` for a conversation that is not waiting.
#[derive(Debug, Clone, Serialize)]
pub struct QueueStatus {
    pub position: usize,
    /// `None` when no officer is on shift: the witness is told to leave their information now.
    pub estimated_wait_seconds: Option<i64>,
    pub officers_on_duty: usize,
}

pub async fn queue_status(
    state: &AppState,
    conversation: ConversationId,
) -> Result<Option<QueueStatus>, AppError> {
    let now = state.clock.now();
    let queue = state.store.queue().await?;
    let Some(index) = queue.iter().position(|q| q.conversation == conversation) else {
        return Ok(None);
    };
    let presences = state.store.presences().await?;
    let live: Vec<&Presence> = presences
        .iter()
        .filter(|p| p.duty == Duty::OnShift && alive(p, now))
        .collect();
    let slots = live.iter().map(|p| p.capacity).sum();
    let day_ago = now - time::Duration::days(1);
    let recent: Vec<time::Duration> = state
        .store
        .chat_times(day_ago, now)
        .await?
        .iter()
        .filter_map(|c| Some(c.closed? - c.taken?))
        .collect();
    Ok(Some(QueueStatus {
        position: index + 1,
        estimated_wait_seconds: estimated_wait(index + 1, &recent, slots)
            .map(|d| d.whole_seconds()),
        officers_on_duty: live.len(),
    }))
}

/// An estimate longer than this tells the witness they may leave their information now.
pub const LONG_WAIT_SECONDS: i64 = 30 * 60;

/// What the witness reads under the status while waiting (also drawn by `witness.js` from
/// `GET /api/v1/witness/queue`, with the same keys).
pub fn queue_lines(t: &crate::i18n::Tr, s: &QueueStatus) -> Vec<String> {
    let mut lines = vec![if s.position <= 1 {
        t.get("queue-position-next")
    } else {
        t.with("queue-position", &[("n", s.position.to_string())])
    }];
    match s.estimated_wait_seconds {
        None => lines.push(t.get("queue-no-officer")),
        Some(secs) => {
            let minutes = ((secs + 59) / 60).max(1);
            lines.push(t.with("queue-estimate", &[("n", minutes.to_string())]));
            if secs > LONG_WAIT_SECONDS {
                lines.push(t.get("queue-long"));
            }
        }
    }
    lines
}

/// `GET /api/v1/witness/queue`: where the caller's conversation stands in the queue.
pub async fn witness_queue_api(
    State(state): State<AppState>,
    witness: crate::witness::Witness,
) -> Result<Json<Value>, AppError> {
    Ok(Json(
        match queue_status(&state, witness.conversation.id).await? {
            Some(s) => json!({
                "waiting": true,
                "position": s.position,
                "estimated_wait_seconds": s.estimated_wait_seconds,
                "officers_on_duty": s.officers_on_duty,
                "long_wait_seconds": LONG_WAIT_SECONDS,
            }),
            None => json!({ "waiting": false }),
        },
    ))
}

// --- warm handover -----------------------------------------------------------------------------

/// Colleagues who can receive a handover now: on shift, connected, with a free place.
pub async fn receivers(state: &AppState, except: StaffId) -> Result<Vec<Presence>, AppError> {
    let now = state.clock.now();
    // A pending offer reserves its place, as dispatch counts it.
    let snapshot = state.store.dispatch_snapshot().await?;
    let offered = |id: StaffId| {
        let n = snapshot
            .offers
            .iter()
            .filter(|o| o.officer == id && o.expires_at > now)
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    };
    Ok(state
        .store
        .presences()
        .await?
        .into_iter()
        .filter(|p| {
            p.staff != except
                && p.duty == Duty::OnShift
                && alive(p, now)
                && p.held.saturating_add(offered(p.staff)) < p.capacity
        })
        .collect())
}

/// Hands a held conversation over to a colleague (on shift, connected, with a free place) or
/// back to the queue, with a mandatory note. The holder or a shift lead may do it.
pub async fn hand_over(
    state: &AppState,
    staff: &Staff,
    conversation: ConversationId,
    to: Option<StaffId>,
    note: &str,
) -> Result<(), AppError> {
    let case =
        vigie_store::AssignedCase::obtain(state.store.as_ref(), &staff.principal, conversation)
            .await?;
    let note = vigie_domain::NoteBody::parse(note)
        .map_err(|_| AppError::Invalid("handover-note-required"))?;
    if let Some(to) = to {
        if !receivers(state, staff.principal.id)
            .await?
            .iter()
            .any(|p| p.staff == to)
        {
            return Err(AppError::Invalid("handover-receiver"));
        }
    }
    match state
        .store
        .handover(&case, to, note, state.clock.now())
        .await
    {
        Ok(_) => {}
        Err(vigie_store::StoreError::Invalid(fields)) => {
            let code = fields
                .0
                .values()
                .next()
                .copied()
                .unwrap_or("handover-receiver");
            return Err(AppError::Invalid(code));
        }
        Err(e) => return Err(e.into()),
    }
    state.hub.staff_change(conversation);
    state.hub.queue_changed();
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandoverBody {
    #[serde(default)]
    to: Option<String>,
    note: String,
}

/// `POST /api/v1/staff/conversations/{id}/handover`
pub async fn handover_api(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
    crate::ApiJson(body): crate::ApiJson<HandoverBody>,
) -> Result<Json<Value>, AppError> {
    let id = crate::staff::conversation_id(&id)?;
    let to = match body.to.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(
            raw.parse()
                .map_err(|_| AppError::Invalid("handover-receiver"))?,
        ),
    };
    hand_over(&state, &officer.0, id, to, &body.note).await?;
    Ok(Json(json!({ "handed_over": true })))
}

/// `POST /api/v1/staff/handovers/{id}/acknowledge`: the receiver has read the note.
pub async fn acknowledge_api(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    state
        .store
        .acknowledge_handover(id, officer.0.principal.id, state.clock.now())
        .await?;
    state.hub.queue_changed();
    Ok(Json(json!({ "acknowledged": true })))
}

// --- duty and capacity --------------------------------------------------------------------------

/// Sets the caller's own duty status.
pub async fn set_own_duty(state: &AppState, staff: &Staff, raw: &str) -> Result<Duty, AppError> {
    let duty = Duty::parse(raw.trim()).ok_or(AppError::Invalid("duty-invalid"))?;
    let me = staff.principal.id;
    let now = state.clock.now();
    // Choosing a duty is a sign of life too (the console's socket keeps it up afterwards).
    state.store.heartbeat(me, now).await?;
    state.store.set_duty(me, duty, me, now).await?;
    state.hub.queue_changed();
    Ok(duty)
}

/// A shift lead sets an officer's capacity (1 to 10 conversations at once).
pub async fn set_capacity(
    state: &AppState,
    lead: &Staff,
    officer: StaffId,
    capacity: u32,
) -> Result<(), AppError> {
    if !lead.principal.role.may(Permission::ReadAllConversations) {
        return Err(AppError::Forbidden);
    }
    if !(1..=10).contains(&capacity) {
        return Err(AppError::Invalid("capacity-invalid"));
    }
    state
        .store
        .set_capacity(officer, capacity, lead.principal.id, state.clock.now())
        .await?;
    state.hub.queue_changed();
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DutyBody {
    duty: String,
}

/// `POST /api/v1/staff/me/duty`
pub async fn duty_api(
    State(state): State<AppState>,
    officer: Officer,
    crate::ApiJson(body): crate::ApiJson<DutyBody>,
) -> Result<Json<Value>, AppError> {
    let duty = set_own_duty(&state, &officer.0, &body.duty).await?;
    Ok(Json(json!({ "duty": duty })))
}

/// `GET /api/v1/staff/board`
pub async fn board_api(
    State(state): State<AppState>,
    lead: Officer,
) -> Result<Json<Board>, AppError> {
    if !lead.0.principal.role.may(Permission::ReadAllConversations) {
        return Err(AppError::Forbidden);
    }
    Ok(Json(board(&state).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapacityBody {
    capacity: u32,
}

/// `POST /api/v1/staff/officers/{id}/capacity`
pub async fn capacity_api(
    State(state): State<AppState>,
    lead: Officer,
    Path(id): Path<String>,
    crate::ApiJson(body): crate::ApiJson<CapacityBody>,
) -> Result<Json<Value>, AppError> {
    let officer: StaffId = id.parse().map_err(|_| AppError::NotFound)?;
    set_capacity(&state, &lead.0, officer, body.capacity).await?;
    Ok(Json(json!({ "capacity": body.capacity })))
}

/// Writes nothing but the heartbeat; called by the staff socket. At most once per officer per
/// `HEARTBEAT_EVERY` from this node, however many consoles (tabs) the officer has open: with
/// one console per conversation, B1's thousand sockets otherwise wrote a hundred heartbeats a
/// second through the one writer (BENCHMARKS.md).
pub async fn heartbeat(state: &AppState, staff: StaffId) {
    if !state.beat_due(staff, HEARTBEAT_EVERY) {
        return;
    }
    // A failed heartbeat is retried by the next ping; liveness has a grace for exactly this.
    if let Err(e) = state.store.heartbeat(staff, state.clock.now()).await {
        tracing::warn!(error = %e, "heartbeat not recorded");
    }
}
