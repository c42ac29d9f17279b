//! The staff JSON API under `/api/v1/staff/`: sessions, the queue, cases, reports, the
//! gazetteer, the audit log and accounts. The console pages use it.

pub(crate) mod accounts;
mod analysis;
mod canned;
mod cases;
mod directory;
mod offers;
pub(crate) use cases::conversation_id;
mod pending;
pub(crate) mod photos;
mod session;
mod ws;

use crate::AppState;
use axum::routing::{get, post, put};
use axum::Router;
use serde::Serialize;
use vigie_store::{Event, Note};

pub use analysis::{analysis_view, parse_assessment, parse_check, parse_conclusion, parse_grading};
pub use directory::{AuditQuery, InboxQuery, AUDIT_PURPOSES};
pub use session::{
    code_step, password_step, pending_account, LoginOutcome, PasswordStep, TOTP_ISSUER,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/staff/login", post(session::login))
        .route("/api/v1/staff/login/totp", post(session::login_code))
        .route("/api/v1/staff/logout", post(session::logout))
        .route("/api/v1/staff/me", get(session::me))
        .route("/api/v1/staff/me/password", post(accounts::change_password))
        .route("/api/v1/staff/queue", get(cases::queue))
        .route("/api/v1/staff/board", get(crate::presence::board_api))
        .route("/api/v1/staff/offers/{id}/accept", post(offers::accept))
        .route(
            "/api/v1/staff/conversations/{id}/handover",
            post(crate::presence::handover_api),
        )
        .route(
            "/api/v1/staff/handovers/{id}/acknowledge",
            post(crate::presence::acknowledge_api),
        )
        .route("/api/v1/staff/offers/{id}/decline", post(offers::decline))
        .route("/api/v1/staff/me/duty", post(crate::presence::duty_api))
        .route(
            "/api/v1/staff/officers/{id}/capacity",
            post(crate::presence::capacity_api),
        )
        .route("/api/v1/staff/queue/take-next", post(cases::take_next))
        .route("/api/v1/staff/conversations", get(cases::mine))
        .route("/api/v1/staff/conversations/{id}", get(cases::show))
        .route("/api/v1/staff/conversations/{id}/take", post(cases::take))
        .route(
            "/api/v1/staff/conversations/{id}/events",
            get(cases::events),
        )
        .route(
            "/api/v1/staff/conversations/{id}/messages",
            post(cases::send),
        )
        .route("/api/v1/staff/conversations/{id}/notes", post(cases::note))
        .route(
            "/api/v1/staff/conversations/{id}/report",
            put(cases::save_report),
        )
        .route(
            "/api/v1/staff/conversations/{id}/qualify",
            post(cases::qualify),
        )
        .route("/api/v1/staff/conversations/{id}/close", post(cases::close))
        .route("/api/v1/staff/conversations/{id}/block", post(cases::block))
        .route("/api/v1/staff/communes", get(directory::communes))
        .route("/api/v1/staff/canned", get(canned::list))
        .route("/api/v1/staff/reports", get(directory::inbox))
        .route("/api/v1/staff/reports/{id}", get(directory::report))
        .route("/api/v1/staff/reports/{id}/grading", post(analysis::grade))
        .route("/api/v1/staff/reports/{id}/checks", post(analysis::check))
        .route(
            "/api/v1/staff/reports/{id}/conclusion",
            post(analysis::conclude),
        )
        .route("/api/v1/staff/audit", get(directory::audit))
        .route("/api/v1/staff/accounts", get(accounts::list))
        .route(
            "/api/v1/staff/accounts/{id}/disable",
            post(accounts::disable),
        )
        .route("/api/v1/staff/accounts/{id}/enable", post(accounts::enable))
        .route(
            "/api/v1/staff/accounts/{id}/revoke-sessions",
            post(accounts::revoke_sessions),
        )
        .route(
            "/api/v1/staff/accounts/{id}/reset-totp",
            post(accounts::reset_totp),
        )
        .route("/api/v1/staff/ws", get(ws::upgrade))
}

/// An event as staff see it.
#[derive(Serialize)]
pub struct StaffEvent {
    pub seq: u64,
    pub kind: vigie_domain::EventKind,
    pub author: vigie_domain::Author,
    pub body: Option<String>,
    pub client_id: Option<String>,
    pub at: String,
    /// The photo this message carries, with its size (see `photos::staff_events`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub photo: Option<photos::StaffPhoto>,
}

/// One event without its photo: threads go through `photos::staff_events`, which adds it.
impl From<Event> for StaffEvent {
    fn from(e: Event) -> Self {
        Self {
            seq: e.seq,
            kind: e.kind,
            author: e.author,
            body: e.body,
            client_id: e.client_id,
            at: vigie_domain::clock::rfc3339(e.at),
            photo: None,
        }
    }
}

#[derive(Serialize)]
pub struct StaffNote {
    pub id: i64,
    pub author: String,
    pub body: String,
    pub at: String,
}

impl From<Note> for StaffNote {
    fn from(n: Note) -> Self {
        Self {
            id: n.id,
            author: n.author,
            body: n.body,
            at: vigie_domain::clock::rfc3339(n.at),
        }
    }
}
