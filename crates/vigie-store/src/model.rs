//! Rows as the store hands them out: plain data, already decoded into domain types.

use serde::Serialize;
use vigie_domain::dispatch::{AlertReason, Duty};
use vigie_domain::report::Activity;
use vigie_domain::{
    Author, CloseOutcome, ConversationId, ConversationState, DepartementCode, EventKind, InseeCode,
    Locale, PhotoId, ReportFields, ReportId, ReportState, Role, StaffId, Timestamp, Username,
};

#[derive(Clone)]
pub struct NewConversation {
    pub id: ConversationId,
    pub locale: Locale,
    pub receipt_hash: String,
    pub token_hash: String,
    pub created_at: Timestamp,
}

impl std::fmt::Debug for NewConversation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewConversation")
            .field("id", &self.id)
            .field("locale", &self.locale)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    pub id: ConversationId,
    pub state: ConversationState,
    pub locale: Locale,
    pub created_at: Timestamp,
    pub operator: Option<StaffId>,
    pub taken_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub last_seq: u64,
    /// Whether the witness can still write with a live token.
    pub token_live: bool,
    /// When an officer blocked the conversation as abusive: the witness can no longer write.
    pub blocked_at: Option<Timestamp>,
}

/// One event of the witness-visible thread. `Debug` leaves the words out.
#[derive(Clone, PartialEq, Serialize)]
pub struct Event {
    pub seq: u64,
    pub kind: EventKind,
    pub author: Author,
    pub body: Option<String>,
    pub client_id: Option<String>,
    pub at: Timestamp,
    /// The photo this message carries (its bytes are read apart, through an audited route).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub photo: Option<PhotoId>,
}

impl std::fmt::Debug for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Event")
            .field("seq", &self.seq)
            .field("kind", &self.kind)
            .field("author", &self.author)
            .field("at", &self.at)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    pub seq: u64,
    /// The `client_id` had been seen: nothing was written, `seq` is the first message's.
    pub duplicate: bool,
}

#[derive(Clone, PartialEq)]
pub struct Note {
    pub id: i64,
    pub author: String,
    pub body: String,
    pub at: Timestamp,
}

impl std::fmt::Debug for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Note")
            .field("id", &self.id)
            .field("author", &self.author)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct QueueEntry {
    pub conversation: ConversationId,
    pub locale: Locale,
    pub waiting_since: Timestamp,
    pub priority: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TakeOutcome {
    Taken(Event),
    AlreadyTaken,
    NotFound,
}

#[derive(Debug, Clone)]
pub struct NewStaff {
    pub id: StaffId,
    pub username: Username,
    pub role: Role,
    pub password_hash: String,
    pub departements: Vec<DepartementCode>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StaffAccount {
    pub id: StaffId,
    pub username: String,
    pub role: Role,
    pub password_hash: String,
    pub departements: Vec<DepartementCode>,
    pub failed_logins: u32,
    pub last_failed_at: Option<Timestamp>,
    /// The second factor: `None` before enrolment starts.
    pub totp: Option<TotpState>,
    /// A disabled account cannot log in and holds no session.
    pub disabled_at: Option<Timestamp>,
}

/// A staff account's TOTP secret (base32, opened from its sealed column) and where it stands.
#[derive(Clone, PartialEq)]
pub struct TotpState {
    pub secret: String,
    /// `false` while enrolment is pending (the secret was shown, no code confirmed yet).
    pub enrolled: bool,
    /// The last 30-second step accepted: a code of that step or earlier is refused.
    pub last_step: Option<u64>,
}

impl std::fmt::Debug for TotpState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotpState")
            .field("enrolled", &self.enrolled)
            .field("last_step", &self.last_step)
            .finish_non_exhaustive()
    }
}

/// The most chats an officer may be set to hold at once (the least is 1).
pub const MAX_CAPACITY: u32 = 10;

/// An officer's presence: the three separate notions of issue 6. Duty is what they (or the
/// roster) declared, `last_seen` is the last heartbeat (liveness is judged by the caller against
/// its grace period), `held` counts the active conversations they hold against `capacity`.
/// An account never given a presence row has the defaults: off duty, [`DEFAULT_CAPACITY`],
/// never seen.
///
/// [`DEFAULT_CAPACITY`]: vigie_domain::dispatch::DEFAULT_CAPACITY
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Presence {
    pub staff: StaffId,
    pub username: String,
    pub role: Role,
    pub duty: Duty,
    pub capacity: u32,
    pub last_seen: Option<Timestamp>,
    pub duty_changed_at: Option<Timestamp>,
    pub held: u32,
}

/// One shift of the roster (issue 6), with its officer's username.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shift {
    pub id: i64,
    pub staff: StaffId,
    pub username: String,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
}

/// A warm handover the receiver has not acknowledged yet, its note opened (issue 6). The
/// receiver is the named colleague, or, for a chat handed back to the queue, whoever holds it now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HandoverNote {
    pub id: i64,
    pub conversation: ConversationId,
    pub from_username: String,
    pub note: String,
    pub at: Timestamp,
}

/// A supervisor alert raised by dispatch: `due_at` is when the rule fired, `at` when the plan
/// that raised it ran. `staff` is the officer concerned (none for a long wait).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DispatchAlertRow {
    pub id: i64,
    pub conversation: ConversationId,
    pub staff: Option<StaffId>,
    pub reason: AlertReason,
    pub due_at: Timestamp,
    pub at: Timestamp,
}

/// A photo a witness sent, as stored (already stripped of metadata), opened.
#[derive(Clone, PartialEq)]
pub struct Photo {
    pub id: PhotoId,
    pub conversation: ConversationId,
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub at: Timestamp,
}

impl std::fmt::Debug for Photo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Photo")
            .field("id", &self.id)
            .field("bytes", &self.jpeg.len())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub token_hash: String,
    pub staff: StaffId,
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub account: StaffAccount,
    pub csrf_token: String,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub id: ReportId,
    pub conversation: ConversationId,
    pub state: ReportState,
    pub version: u32,
    pub fields: ReportFields,
    pub departement: Option<DepartementCode>,
    pub outcome: Option<CloseOutcome>,
    pub outcome_reason: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub qualified_at: Option<Timestamp>,
    /// The analyst's grading, once graded.
    pub grading: Option<vigie_domain::report::Grading>,
    /// The analyst's assessment: their words, never mixed with the witness's facts.
    pub assessment: Option<String>,
    /// When an unconfirmed report is to be looked at again.
    pub review_on: Option<time::Date>,
}

impl Report {
    /// The report may be saved over version `expected`: still in the chat, and not moved on.
    pub fn editable_at(&self, expected: u32) -> crate::StoreResult<()> {
        if !self.state.is_editable() {
            return Err(crate::StoreError::NotEditable);
        }
        if self.version != expected {
            return Err(crate::StoreError::VersionConflict {
                expected,
                current: self.version,
            });
        }
        Ok(())
    }
}

/// A check recorded during corroboration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub id: i64,
    pub kind: vigie_domain::report::CheckKind,
    pub result: String,
    pub by: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReportVersion {
    pub version: u32,
    pub saved_at: Timestamp,
    pub saved_by: String,
    pub fields: ReportFields,
}

/// What an analyst narrows the inbox to; `None` means any.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InboxFilter {
    pub state: Option<ReportState>,
    pub commune: Option<InseeCode>,
    pub activity: Option<Activity>,
    /// Only reports qualified at or after this instant.
    pub qualified_since: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReportSummary {
    pub id: ReportId,
    pub state: ReportState,
    pub activity: Option<Activity>,
    pub commune: Option<InseeCode>,
    pub commune_name: Option<String>,
    pub departement: Option<DepartementCode>,
    pub weapons: bool,
    pub qualified_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Commune {
    pub insee: InseeCode,
    pub name: String,
    /// `commune` or `arrondissement`.
    pub kind: String,
    pub departement: DepartementCode,
    pub postcodes: Vec<String>,
    pub population: u64,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Departement {
    pub code: DepartementCode,
    pub name: String,
}

/// What an audit row says: who did what to which target, and why.
#[derive(Debug, Clone)]
pub struct NewAudit {
    pub actor: Option<StaffId>,
    pub action: &'static str,
    pub target: String,
    pub purpose: &'static str,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: Timestamp,
    pub actor: Option<String>,
    pub action: String,
    pub target: String,
    pub purpose: String,
}

/// What an auditor narrows the audit log to; `None` means any.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub purpose: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

// --- after the cell: units, dissemination, outcomes, points de deal, follow-ups, retention ----

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unit {
    pub id: vigie_domain::UnitId,
    pub name: String,
    pub kind: vigie_domain::chain::UnitKind,
    /// The départements whose dossiers this unit may receive (the routing table).
    pub departements: Vec<DepartementCode>,
}

#[derive(Debug, Clone)]
pub struct NewUnit {
    pub id: vigie_domain::UnitId,
    pub name: vigie_domain::chain::UnitName,
    pub kind: vigie_domain::chain::UnitKind,
    pub departements: Vec<DepartementCode>,
}

/// A part of the transcript the analyst chose to include in a dossier.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Excerpt {
    /// `witness` or `officer`.
    pub author: String,
    pub at: Timestamp,
    pub text: String,
}

/// The sanitised dossier a unit receives: facts, grading and assessment; nothing about the
/// witness (no receipt code, no conversation, no provenance), and transcript excerpts only
/// when the analyst chose them. Frozen at dissemination.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Dossier {
    pub report: ReportId,
    pub departement: Option<DepartementCode>,
    pub commune_name: Option<String>,
    pub position: Option<(f64, f64)>,
    pub fields: ReportFields,
    pub grading: Option<vigie_domain::report::Grading>,
    pub assessment: Option<String>,
    /// `corroborated` or `unconfirmed`, as concluded by the cell.
    pub conclusion: ReportState,
    pub review_on: Option<time::Date>,
    pub checks: Vec<(vigie_domain::report::CheckKind, String)>,
    pub excerpts: Vec<Excerpt>,
    pub deal_point: Option<String>,
    pub qualified_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeRecord {
    pub id: i64,
    pub outcome: vigie_domain::chain::Outcome,
    pub by: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dissemination {
    pub id: vigie_domain::DisseminationId,
    pub report: ReportId,
    pub unit: vigie_domain::UnitId,
    pub unit_name: String,
    pub by: String,
    pub at: Timestamp,
    pub dossier: Dossier,
    pub acknowledged_at: Option<Timestamp>,
    pub acknowledged_by: Option<String>,
    pub outcomes: Vec<OutcomeRecord>,
}

#[derive(Debug, Clone)]
pub struct NewDissemination {
    pub id: vigie_domain::DisseminationId,
    pub unit: vigie_domain::UnitId,
    /// Sequence numbers of the thread's messages to include; empty for none.
    pub excerpts: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DealPoint {
    pub id: vigie_domain::DealPointId,
    pub label: String,
    pub departement: DepartementCode,
    pub commune: Option<InseeCode>,
    pub commune_name: Option<String>,
    pub position: Option<(f64, f64)>,
    pub status: vigie_domain::chain::DealPointStatus,
    /// The place and time pattern of the report it was created from, for candidate matching.
    pub profile: ReportFields,
    pub reports: u32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DealPointEvent {
    pub at: Timestamp,
    pub by: Option<String>,
    /// `created`, `linked`, `status`, `outcome`.
    pub action: String,
    pub detail: String,
}

#[derive(Debug, Clone)]
pub struct NewDealPoint {
    pub id: vigie_domain::DealPointId,
    pub label: vigie_domain::ReasonText,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FollowUp {
    pub id: i64,
    pub question: String,
    pub asked_by: String,
    pub asked_at: Timestamp,
    pub answer: Option<String>,
    pub answered_at: Option<Timestamp>,
}

/// What a purge did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PurgeReport {
    pub reports: u64,
}

/// Aggregates without personal data: what survives a purge.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Statistics {
    /// Reports created per day (UTC date, count).
    pub per_day: Vec<(time::Date, u64)>,
    /// Qualified reports per département code.
    pub per_departement: Vec<(DepartementCode, u64)>,
    pub by_activity: Vec<(String, u64)>,
    pub by_state: Vec<(ReportState, u64)>,
    pub by_outcome: Vec<(String, u64)>,
    /// Stage name → (reports that reached it, median milliseconds from the previous stage).
    pub stages: Vec<(String, u64, Option<i64>)>,
    /// Seizures: product and unit → total.
    pub seizures: Vec<(String, String, f64)>,
    pub arrests: u64,
}
