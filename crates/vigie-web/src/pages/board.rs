//! The shift lead's operations board, and the officer's duty form. Drawn by the server from
//! the same core as `GET /api/v1/staff/board`; `board.js` redraws the live part every few
//! seconds (without a script, the page's refresh does the same).

use super::render;
use super::staff::{me, Me};
use crate::auth::{same, Officer};
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::presence::{self, Board};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use vigie_domain::{Permission, StaffId};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/board", get(page))
        .route("/staff/duty", post(duty))
        .route("/staff/officers/{id}/capacity", post(capacity))
        .route("/staff/conversations/{id}/handover", post(handover))
        .route("/staff/handovers/{id}/acknowledge", post(acknowledge))
}

struct Row {
    id: String,
    username: String,
    role: String,
    duty: String,
    liveness: String,
    alive: bool,
    load: String,
    capacity: u32,
    capacity_label: String,
}

struct Alert {
    conversation: String,
    conversation_id: String,
    reason: String,
    officer: String,
    ago: String,
}

struct Risk {
    conversation: String,
    waiting: String,
    priority: String,
}

#[derive(Template)]
#[template(path = "staff_board.html")]
struct BoardPage {
    t: Tr,
    me: Option<Me>,
    path: &'static str,
    csrf: String,
    queue_depth: usize,
    longest_wait: String,
    target: String,
    officers_live: usize,
    free_slots: u32,
    rows: Vec<Row>,
    risks: Vec<Risk>,
    alerts: Vec<Alert>,
    updated: String,
    error: Option<String>,
}

/// "3 min 05 s", or "42 s".
pub fn duration(t: &Tr, seconds: i64) -> String {
    let seconds = seconds.max(0);
    if seconds < 60 {
        t.with("board-seconds", &[("seconds", seconds.to_string())])
    } else {
        t.with(
            "board-duration",
            &[
                ("minutes", (seconds / 60).to_string()),
                ("seconds", format!("{:02}", seconds % 60)),
            ],
        )
    }
}

fn view(state: &AppState, t: Tr, lead: &Officer, b: Board, error: Option<String>) -> BoardPage {
    let now = state.clock.now();
    let rows = b
        .officers
        .iter()
        .map(|o| Row {
            id: o.id.to_string(),
            username: o.username.clone(),
            role: t.choice("role", o.role.as_str()),
            duty: t.choice("duty", o.duty.as_str()),
            liveness: match (o.alive, o.last_seen_seconds) {
                (true, Some(s)) => t.with("board-alive", &[("seconds", s.to_string())]),
                (false, Some(s)) => t.with("board-stale", &[("duration", duration(&t, s))]),
                (_, None) => t.get("board-never"),
            },
            alive: o.alive,
            load: if o.offered > 0 {
                t.with(
                    "board-load-offered",
                    &[
                        ("held", o.held.to_string()),
                        ("capacity", o.capacity.to_string()),
                        ("offered", o.offered.to_string()),
                    ],
                )
            } else {
                format!("{} / {}", o.held, o.capacity)
            },
            capacity: o.capacity,
            capacity_label: t.with("board-capacity-label", &[("officer", o.username.clone())]),
        })
        .collect();
    let risks = b
        .at_risk
        .iter()
        .map(|r| Risk {
            conversation: r.conversation_id.to_string()[..8].to_owned(),
            waiting: duration(&t, r.waiting_seconds),
            priority: t.get(&format!("priority-{}", r.priority.clamp(0, 3))),
        })
        .collect();
    let alerts = b
        .alerts
        .iter()
        .map(|a| Alert {
            conversation: a.conversation_id.to_string()[..8].to_owned(),
            conversation_id: a.conversation_id.to_string(),
            reason: t.choice("alert", a.reason.as_str()),
            officer: a.officer.clone().unwrap_or_else(|| t.get("board-none")),
            ago: duration(&t, a.seconds_ago),
        })
        .collect();
    let clock = time::macros::format_description!("[hour]:[minute]:[second] UTC");
    BoardPage {
        me: Some(me(&t, &lead.0, "/staff/board")),
        path: "/staff/board",
        csrf: lead.0.csrf.clone(),
        queue_depth: b.queue_depth,
        longest_wait: b
            .longest_wait_seconds
            .map_or_else(|| t.get("board-none"), |s| duration(&t, s)),
        target: duration(&t, b.target_seconds),
        officers_live: b.officers_live,
        free_slots: b.free_slots,
        rows,
        risks,
        alerts,
        updated: t.with(
            "board-updated",
            &[("time", now.format(&clock).unwrap_or_default())],
        ),
        error,
        t,
    }
}

fn lead_only(officer: &Officer) -> Result<(), AppError> {
    if officer
        .0
        .principal
        .role
        .may(Permission::ReadAllConversations)
    {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

pub async fn page(
    State(state): State<AppState>,
    Lang(locale): Lang,
    lead: Officer,
) -> Result<Html<String>, AppError> {
    lead_only(&lead)?;
    let b = presence::board(&state).await?;
    render(&view(&state, state.tr(locale), &lead, b, None))
}

#[derive(Deserialize)]
pub struct DutyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    duty: String,
}

/// The officer's duty form on the console.
pub async fn duty(
    State(state): State<AppState>,
    officer: Officer,
    Form(form): Form<DutyForm>,
) -> Result<Redirect, AppError> {
    if !same(&form.csrf, &officer.0.csrf) {
        return Err(AppError::Forbidden);
    }
    presence::set_own_duty(&state, &officer.0, &form.duty).await?;
    Ok(Redirect::to("/staff/console"))
}

#[derive(Deserialize)]
pub struct CapacityForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    capacity: String,
}

pub async fn capacity(
    State(state): State<AppState>,
    Lang(locale): Lang,
    lead: Officer,
    Path(id): Path<String>,
    Form(form): Form<CapacityForm>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    lead_only(&lead)?;
    if !same(&form.csrf, &lead.0.csrf) {
        return Err(AppError::Forbidden);
    }
    let officer: StaffId = id.parse().map_err(|_| AppError::NotFound)?;
    let capacity = form.capacity.trim().parse::<u32>().unwrap_or(0);
    match presence::set_capacity(&state, &lead.0, officer, capacity).await {
        Ok(()) => Ok(Redirect::to("/staff/board").into_response()),
        Err(AppError::Invalid(code)) => {
            let t = state.tr(locale);
            let message = t.get(&format!("error-{code}"));
            let b = presence::board(&state).await?;
            let page = view(&state, t, &lead, b, Some(message));
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct HandoverForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    note: String,
}

/// The conversation page's handover form: to the console once done, back to the page with the
/// reason otherwise.
pub async fn handover(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
    Form(form): Form<HandoverForm>,
) -> Result<Redirect, AppError> {
    if !same(&form.csrf, &officer.0.csrf) {
        return Err(AppError::Forbidden);
    }
    let conversation: vigie_domain::ConversationId = id.parse().map_err(|_| AppError::NotFound)?;
    let to = match form.to.trim() {
        "" => None,
        raw => Some(
            raw.parse()
                .map_err(|_| AppError::Invalid("handover-receiver"))?,
        ),
    };
    match presence::hand_over(&state, &officer.0, conversation, to, &form.note).await {
        Ok(()) => Ok(Redirect::to("/staff/console")),
        Err(AppError::Invalid(code)) => Ok(Redirect::to(&format!(
            "/staff/conversations/{conversation}?handover_error={code}#handover-title"
        ))),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct AckForm {
    #[serde(default)]
    csrf: String,
}

pub async fn acknowledge(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<i64>,
    Form(form): Form<AckForm>,
) -> Result<Redirect, AppError> {
    if !same(&form.csrf, &officer.0.csrf) {
        return Err(AppError::Forbidden);
    }
    state
        .store
        .acknowledge_handover(id, officer.0.principal.id, state.clock.now())
        .await?;
    Ok(Redirect::to("/staff/console"))
}
