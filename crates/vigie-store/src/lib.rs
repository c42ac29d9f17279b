//! The store: the one trait every backend implements, its error type, the capabilities a
//! caller must hold to touch a case, and the conformance suite every backend must pass.
//!
//! Rule: every change is one transaction inside the backend, with its event and audit row;
//! callers never sequence several writes themselves.

mod canned;
mod capability;
mod cipher;
pub mod conformance;
mod conformance_canned;
mod conformance_chain;
mod conformance_dispatch;
mod conformance_handover;
mod conformance_presence;
mod conformance_response;
mod conformance_roster;
mod conformance_security;
mod error;
mod hint;
mod model;
pub mod stats;

pub use canned::CannedReply;
pub use capability::{AssignedCase, CaseReader, RoutedReport, StaffPrincipal, UnitDossier};
pub use cipher::{place, ContentCipher, CONTENT_KEY_LEN};
pub use error::StoreError;
pub use hint::{Hint, Party};
pub use model::*;

use async_trait::async_trait;
use vigie_domain::chain::{DealPointStatus, Outcome, RetentionRule};
use vigie_domain::dispatch::{self, Duty};
use vigie_domain::report::{CheckKind, Conclusion, Grading};
use vigie_domain::{
    Author, CannedReplyId, ClientId, CloseOutcome, ConversationId, DealPointId, DepartementCode,
    DisseminationId, InseeCode, MessageBody, NoteBody, PhotoId, ReasonText, ReportFields, ReportId,
    StaffId, Timestamp, UnitId, Username,
};

pub type StoreResult<T> = Result<T, StoreError>;

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Whether the database answers (for readiness checks).
    async fn ping(&self) -> StoreResult<()>;

    /// Records the fingerprint of the installation's secret key the first time, and says
    /// whether `fingerprint` matches the recorded one: every node must share one key.
    async fn check_key_fingerprint(&self, fingerprint: &str) -> StoreResult<bool>;

    /// Tells the other nodes sharing this database that something changed. Called after commit,
    /// never inside a write transaction. A single-node store has no one to tell.
    async fn publish_hints(&self, _node: u64, _hints: &[Hint]) -> StoreResult<()> {
        Ok(())
    }

    /// Hints published by other nodes, if this store is shared (`None` for a single node).
    async fn listen_hints(
        &self,
        _node: u64,
    ) -> StoreResult<Option<tokio::sync::mpsc::Receiver<Hint>>> {
        Ok(None)
    }

    // --- witness side -------------------------------------------------------------------------

    /// Opens a conversation in the queue. `Conflict` if the receipt hash is already taken.
    async fn create_conversation(&self, new: NewConversation) -> StoreResult<()>;

    /// The conversation a live witness token belongs to.
    async fn conversation_by_token(&self, token_hash: &str) -> StoreResult<Option<Conversation>>;

    /// Swaps in a new token for the conversation whose receipt hash matches; earlier tokens stop
    /// working. `None` when no conversation has this receipt.
    async fn resume(
        &self,
        receipt_hash: &str,
        new_token_hash: &str,
    ) -> StoreResult<Option<ConversationId>>;

    /// Appends a chat message. A `client_id` already used in this conversation returns the first
    /// message's sequence number with `duplicate: true` and writes nothing.
    async fn append_message(&self, msg: NewMessage) -> StoreResult<Appended>;

    /// The witness-visible thread after `after`, in order, at most `limit` events.
    async fn events_after(
        &self,
        conversation: ConversationId,
        after: u64,
        limit: u32,
    ) -> StoreResult<Vec<Event>>;

    /// The witness ends the conversation: a `closed` event, and the token stops working.
    async fn close_by_witness(
        &self,
        conversation: ConversationId,
        at: Timestamp,
    ) -> StoreResult<Event>;

    // --- staff accounts and sessions ------------------------------------------------------------

    async fn create_staff(&self, account: NewStaff) -> StoreResult<StaffId>;
    async fn staff_by_username(&self, username: &Username) -> StoreResult<Option<StaffAccount>>;
    async fn list_staff(&self) -> StoreResult<Vec<StaffAccount>>;
    /// Counts an attempt to log in, before the password is checked; `false` (nothing counted)
    /// when `max_failures` attempts have failed and the last is younger than `lockout`.
    /// A successful login resets the count.
    async fn begin_login_attempt(
        &self,
        staff: StaffId,
        at: Timestamp,
        max_failures: u32,
        lockout: time::Duration,
    ) -> StoreResult<bool>;
    async fn record_login_success(&self, staff: StaffId) -> StoreResult<()>;
    async fn create_session(&self, session: NewSession) -> StoreResult<()>;
    /// The live session for a token hash, with its account; `None` if unknown or expired at `now`.
    async fn session(&self, token_hash: &str, now: Timestamp) -> StoreResult<Option<Session>>;
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;
    async fn staff_by_id(&self, staff: StaffId) -> StoreResult<Option<StaffAccount>>;
    /// Live sessions per account at `now` (accounts without one are left out).
    async fn session_counts(&self, now: Timestamp) -> StoreResult<Vec<(StaffId, u64)>>;

    // --- account life cycle: each change is one transaction with its audit row -----------------
    // `by` is the admin (or the account itself) who made the change; `None` for the CLI.

    /// Starts TOTP enrolment with a fresh secret (base32), sealed in the store; replaces a
    /// pending one. `false` (nothing written) when the account is already enrolled.
    async fn begin_totp_enrolment(&self, staff: StaffId, secret: &str) -> StoreResult<bool>;
    /// Accepts a TOTP step: only when it is later than the last accepted one (one conditional
    /// UPDATE: two parallel logins cannot both use one code). Completes a pending enrolment
    /// (audited `totp_enrolled`). `false` when the step was already used.
    async fn accept_totp_step(&self, staff: StaffId, step: u64, at: Timestamp)
        -> StoreResult<bool>;
    /// Clears the second factor (the account enrols again at its next login) and ends its
    /// sessions.
    async fn reset_totp(
        &self,
        staff: StaffId,
        by: Option<StaffId>,
        at: Timestamp,
    ) -> StoreResult<()>;
    /// Disables (ending every session) or re-enables an account.
    async fn set_staff_disabled(
        &self,
        staff: StaffId,
        disabled: bool,
        by: Option<StaffId>,
        at: Timestamp,
    ) -> StoreResult<()>;
    /// Ends every session of an account; returns how many there were.
    async fn revoke_sessions(
        &self,
        staff: StaffId,
        by: Option<StaffId>,
        at: Timestamp,
    ) -> StoreResult<u64>;
    /// Replaces the password hash and ends every session but `keep` (the caller's own), and
    /// clears failed attempts.
    async fn change_password(
        &self,
        staff: StaffId,
        password_hash: &str,
        keep: Option<&str>,
        by: Option<StaffId>,
        at: Timestamp,
    ) -> StoreResult<()>;

    // --- officer presence: duty, liveness, capacity (issue 6) -----------------------------------

    /// Sets an officer's duty status (and `duty_changed_at`), audited `duty_changed` with
    /// purpose "handling", in one transaction. `NotFound` for an unknown account.
    async fn set_duty(
        &self,
        staff: StaffId,
        duty: Duty,
        by: StaffId,
        at: Timestamp,
    ) -> StoreResult<()>;
    /// Sets how many chats an officer holds at once, audited `capacity_changed`. Outside
    /// `1..=MAX_CAPACITY`: `Invalid` (field `capacity`, code `capacity-out-of-range`).
    /// `NotFound` for an unknown account.
    async fn set_capacity(
        &self,
        staff: StaffId,
        capacity: u32,
        by: StaffId,
        at: Timestamp,
    ) -> StoreResult<()>;
    /// Records a sign of life; `last_seen` never moves back in time. Not audited (frequent).
    /// `NotFound` for an unknown account.
    async fn heartbeat(&self, staff: StaffId, at: Timestamp) -> StoreResult<()>;
    /// Every operator and supervisor account that is not disabled, with its presence (or the
    /// defaults) and the active conversations it holds; ordered by username.
    async fn presences(&self) -> StoreResult<Vec<Presence>>;

    // --- roster (issue 6): shifts, and the duty changes at their edges ---------------------------

    /// Adds a shift for an operator or supervisor account not disabled (else `Invalid`, field
    /// `staff`, code `shift-unknown-officer`), ending after it starts (else `Invalid`, field
    /// `ends_at`, code `shift-end-not-after-start`), overlapping no other shift of the same
    /// officer (else `Conflict("shift-overlap")`; end to end is fine). Audited `shift_added`,
    /// target `shift:<id>`, purpose "handling". Returns the shift's id.
    async fn add_shift(
        &self,
        staff: StaffId,
        starts_at: Timestamp,
        ends_at: Timestamp,
        by: StaffId,
        at: Timestamp,
    ) -> StoreResult<i64>;
    /// Removes a shift, audited `shift_deleted`. The officer's duty is left as it is.
    /// `NotFound` for an unknown id.
    async fn delete_shift(&self, id: i64, by: StaffId, at: Timestamp) -> StoreResult<()>;
    /// The shifts overlapping `[since, until)`, by start then username.
    async fn shifts(&self, since: Timestamp, until: Timestamp) -> StoreResult<Vec<Shift>>;
    /// Applies [`dispatch::roster_duty`] to every account not disabled with at least one shift,
    /// in one transaction (serialised with dispatch): each change is the row update of
    /// [`Store::set_duty`] at `now`, audited `duty_changed` with no actor (the roster). Officers
    /// without a shift are never touched. Returns the changes, by officer id.
    async fn apply_roster(&self, now: Timestamp) -> StoreResult<Vec<(StaffId, Duty)>>;
    /// The first shift start or end strictly after `now`.
    async fn next_roster_change(&self, now: Timestamp) -> StoreResult<Option<Timestamp>>;

    // --- dispatch (issue 6): the rows behind `vigie_domain::dispatch` ---------------------------
    // Each change mirrors the engine's reference mutation on `Snapshot` (`apply`, `claim`,
    // `decline`, `record_reply`, `apply_handover`, `close`) in one transaction.

    /// What dispatch reads: operator and supervisor accounts not disabled that have a presence
    /// row (never seen: `last_seen` is the Unix epoch), waiting conversations not blocked, the
    /// pending offers, active conversations not blocked with their holder, the decline memory.
    async fn dispatch_snapshot(&self) -> StoreResult<dispatch::Snapshot>;
    /// Runs [`dispatch::plan`] on the snapshot inside one transaction serialised across nodes and
    /// applies it as [`dispatch::Snapshot::apply`] does: withdrawn offers deleted (timed-out ones
    /// remembered as declines), requeued chats back to waiting (original `created_at`, holder
    /// remembered, audited `dispatch_requeued`), alerts recorded, offers inserted with the
    /// officer's `last_assigned`. Returns the plan as applied (a requeue whose chat changed
    /// meanwhile is left out with its alert). Run twice at one instant, the second changes nothing.
    async fn dispatch(
        &self,
        now: Timestamp,
        config: &dispatch::DispatchConfig,
    ) -> StoreResult<dispatch::Plan>;
    /// The officer accepts their live offer (`expires_at > at`) and takes the chat as
    /// [`Store::take`] does. `AlreadyTaken` when the chat is held, `NotFound` when it is gone or
    /// closed, `Conflict("offer-gone")` when it waits without a live offer to this officer.
    async fn accept_offer(
        &self,
        conversation: ConversationId,
        staff: StaffId,
        report: ReportId,
        at: Timestamp,
    ) -> StoreResult<TakeOutcome>;
    /// The officer declines their pending offer: it ends and the decline is remembered, audited
    /// `decline_offer`. `false` when there was no such offer.
    async fn decline_offer(
        &self,
        conversation: ConversationId,
        staff: StaffId,
        at: Timestamp,
    ) -> StoreResult<bool>;
    /// Hands the held chat over, with its note sealed in `handovers`, audited `handover`: to a
    /// colleague (an operator or supervisor account not disabled, else `Invalid` field `to`,
    /// code `handover-unknown-receiver` or `handover-same-officer`), whose first-reply clock
    /// starts at `at`; or, with `None`, back to the queue at its original wait, the giver
    /// remembered as a decliner. The giver is the current holder (a supervisor may hand over a
    /// chat someone else holds). `Conflict("handover-not-held")` when nobody holds it any more.
    /// The engine's `handover()` validates duty, liveness and capacity first; the store only
    /// keeps the rows whole. Returns the handover's id.
    async fn handover(
        &self,
        case: &AssignedCase,
        to: Option<StaffId>,
        note: NoteBody,
        at: Timestamp,
    ) -> StoreResult<i64>;
    /// The receiver acknowledges a handover note (again: nothing changes). `NotFound` unless
    /// `staff` is its receiver.
    async fn acknowledge_handover(&self, id: i64, staff: StaffId, at: Timestamp)
        -> StoreResult<()>;
    /// Handover notes waiting for `staff`'s acknowledgement, oldest first: those addressed to
    /// them, and those of chats handed back to the queue that they hold now.
    async fn pending_handovers(&self, staff: StaffId) -> StoreResult<Vec<HandoverNote>>;
    /// Alerts raised by dispatch at or after `since`, oldest first.
    async fn dispatch_alerts(&self, since: Timestamp) -> StoreResult<Vec<DispatchAlertRow>>;
    /// Raises a waiting conversation's priority to `level` (never lowers it): the witness's own
    /// declaration at the start (`by` None), or a shift lead. Audited `priority_raised`.
    /// `false` when the conversation is not waiting or already at that level or above.
    async fn raise_priority(
        &self,
        conversation: ConversationId,
        level: i32,
        by: Option<StaffId>,
        at: Timestamp,
    ) -> StoreResult<bool>;

    // --- anti-abuse ---------------------------------------------------------------------------

    /// Marks a proof of work as used: `true` the first time its hash is seen, `false` after.
    /// Expired marks are deleted on the way.
    async fn spend_proof(
        &self,
        hash: &str,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> StoreResult<bool>;

    // --- photos -------------------------------------------------------------------------------

    /// Adds a witness photo (already stripped of metadata) to the thread as a message event,
    /// under the same rules as a witness message (idempotent by client id, refused when the
    /// conversation is blocked or closed).
    async fn append_photo(&self, photo: NewPhoto) -> StoreResult<Appended>;
    /// A photo with its bytes, opened. Callers check who may see it, and audit the read.
    async fn photo(&self, id: PhotoId) -> StoreResult<Option<Photo>>;

    // --- the queue and conversations, staff side --------------------------------------------------

    /// Waiting conversations, highest priority first, then longest wait.
    async fn queue(&self) -> StoreResult<Vec<QueueEntry>>;

    /// Claims one waiting conversation atomically; exactly one of several racing callers wins.
    /// The report the officer will fill is created with the first take, under `report`; a chat
    /// taken again after going back to the queue keeps its report. A chat under a live offer to
    /// another officer is `AlreadyTaken`; taking one offered to oneself accepts the offer.
    async fn take(
        &self,
        conversation: ConversationId,
        staff: StaffId,
        report: ReportId,
        at: Timestamp,
    ) -> StoreResult<TakeOutcome>;

    /// Claims the caller's own best live offer, else the first waiting conversation in dispatch
    /// order that is not under a live offer to someone else, passing over those the caller
    /// declined unless only those are left.
    async fn take_next(
        &self,
        staff: StaffId,
        report: ReportId,
        at: Timestamp,
    ) -> StoreResult<Option<(ConversationId, Event)>>;

    async fn conversation(&self, id: ConversationId) -> StoreResult<Option<Conversation>>;

    /// Open conversations an officer holds.
    async fn held_by(&self, staff: StaffId) -> StoreResult<Vec<Conversation>>;

    /// Every active conversation (for shift leads).
    async fn active_conversations(&self) -> StoreResult<Vec<Conversation>>;

    async fn add_note(
        &self,
        case: &AssignedCase,
        body: NoteBody,
        at: Timestamp,
    ) -> StoreResult<Note>;
    async fn notes(&self, case: &CaseReader) -> StoreResult<Vec<Note>>;

    /// Writes a new version of the report's facts. `VersionConflict` if `expected_version` is not
    /// the current one; `UnknownCommune` if the commune is not in the gazetteer.
    async fn save_report(
        &self,
        case: &AssignedCase,
        expected_version: u32,
        fields: ReportFields,
        at: Timestamp,
    ) -> StoreResult<Report>;

    /// Qualifies the report (routing it to the spot's département) and closes the chat.
    async fn qualify(&self, case: &AssignedCase, at: Timestamp) -> StoreResult<Report>;

    /// Closes the chat without a qualified report: redirected, out of scope or rejected.
    async fn close_case(
        &self,
        case: &AssignedCase,
        outcome: CloseOutcome,
        reason: ReasonText,
        at: Timestamp,
    ) -> StoreResult<Report>;

    /// Blocks an abusive conversation: the witness can no longer write in it (`Conflict
    /// ("conversation-blocked")`), it never enters the queue again, and its report can still be
    /// closed (as rejected). Audited as `block_conversation`, purpose "handling". Blocking a
    /// blocked conversation changes nothing and answers it as it is.
    async fn block_conversation(
        &self,
        case: &AssignedCase,
        reason: ReasonText,
        at: Timestamp,
    ) -> StoreResult<Conversation>;

    async fn report_for_conversation(
        &self,
        conversation: ConversationId,
    ) -> StoreResult<Option<Report>>;
    async fn report(&self, id: ReportId) -> StoreResult<Option<Report>>;
    async fn report_versions(&self, id: ReportId) -> StoreResult<Vec<ReportVersion>>;

    /// Grades a routed report (and moves it from `qualified` to `graded` the first time).
    /// Credibility 1 ("confirmed by other sources") is refused until a check is recorded.
    async fn grade(
        &self,
        report: &RoutedReport,
        by: StaffId,
        grading: Grading,
        assessment: Option<ReasonText>,
        at: Timestamp,
    ) -> StoreResult<Report>;

    /// Records a check; the first one moves a graded report to `corroborating`.
    async fn record_check(
        &self,
        report: &RoutedReport,
        by: StaffId,
        kind: CheckKind,
        result: ReasonText,
        at: Timestamp,
    ) -> StoreResult<Check>;

    async fn checks(&self, report: ReportId) -> StoreResult<Vec<Check>>;

    /// Ends corroboration: corroborated, or unconfirmed with a review date.
    async fn conclude(
        &self,
        report: &RoutedReport,
        by: StaffId,
        conclusion: Conclusion,
        at: Timestamp,
    ) -> StoreResult<Report>;

    /// Reports that have left the chat as qualified and belong to one of these départements.
    async fn inbox(
        &self,
        departements: &[DepartementCode],
        filter: &InboxFilter,
    ) -> StoreResult<Vec<ReportSummary>>;

    // --- geography --------------------------------------------------------------------------------

    async fn commune(&self, insee: &InseeCode) -> StoreResult<Option<Commune>>;
    /// Communes whose name starts with the query (accents and case ignored) or whose postcode or
    /// INSEE code starts with it; the most populous first.
    async fn search_communes(&self, query: &str, limit: u32) -> StoreResult<Vec<Commune>>;
    /// Inserts or replaces communes and départements; returns the number of communes written.
    async fn import_geo(
        &self,
        departements: Vec<Departement>,
        communes: Vec<Commune>,
    ) -> StoreResult<u64>;
    async fn commune_count(&self) -> StoreResult<u64>;
    async fn departement(&self, code: &DepartementCode) -> StoreResult<Option<Departement>>;

    // --- audit ------------------------------------------------------------------------------------

    /// Records an access that changes nothing (a read of case content, an export).
    async fn audit(&self, entry: NewAudit) -> StoreResult<()>;
    async fn audit_log(&self, filter: &AuditFilter, limit: u32) -> StoreResult<Vec<AuditEntry>>;

    // --- units and the routing table (admin; no case content) --------------------------------------

    /// Creates a unit with its départements. `Conflict` if the name is taken.
    async fn create_unit(&self, unit: NewUnit, by: StaffId, at: Timestamp) -> StoreResult<()>;
    /// Replaces a unit's départements (its rows in the routing table).
    async fn set_unit_departements(
        &self,
        unit: UnitId,
        departements: Vec<DepartementCode>,
        by: StaffId,
        at: Timestamp,
    ) -> StoreResult<()>;
    async fn units(&self) -> StoreResult<Vec<Unit>>;
    async fn unit(&self, id: UnitId) -> StoreResult<Option<Unit>>;
    /// The units that may receive dossiers about this département.
    async fn units_for(&self, departement: &DepartementCode) -> StoreResult<Vec<Unit>>;
    /// Makes an investigator a member of a unit (one unit each).
    async fn assign_unit(&self, staff: StaffId, unit: UnitId) -> StoreResult<()>;
    async fn unit_of(&self, staff: StaffId) -> StoreResult<Option<UnitId>>;

    // --- dissemination and outcomes ------------------------------------------------------------

    /// Sends the sanitised dossier of a corroborated or unconfirmed report to a unit of the
    /// report's département. The first sending moves the report to `disseminated`.
    async fn disseminate(
        &self,
        report: &RoutedReport,
        by: StaffId,
        new: NewDissemination,
        at: Timestamp,
    ) -> StoreResult<Dissemination>;
    async fn disseminations_of_report(&self, report: ReportId) -> StoreResult<Vec<Dissemination>>;
    async fn disseminations_to_unit(&self, unit: UnitId) -> StoreResult<Vec<Dissemination>>;
    async fn dissemination(&self, id: DisseminationId) -> StoreResult<Option<Dissemination>>;
    /// The unit acknowledges receipt; the first acknowledgement moves the report on.
    async fn acknowledge(
        &self,
        dossier: &UnitDossier,
        by: StaffId,
        at: Timestamp,
    ) -> StoreResult<Dissemination>;
    /// Records an outcome on an acknowledged dossier (and on the report's point de deal).
    async fn record_outcome(
        &self,
        dossier: &UnitDossier,
        by: StaffId,
        outcome: Outcome,
        at: Timestamp,
    ) -> StoreResult<OutcomeRecord>;
    /// The analyst closes a report whose life in the cell is over.
    async fn close_report(
        &self,
        report: &RoutedReport,
        by: StaffId,
        at: Timestamp,
    ) -> StoreResult<Report>;

    // --- points de deal ------------------------------------------------------------------------

    /// Creates a point de deal at the report's place and links the report to it.
    async fn create_deal_point(
        &self,
        report: &RoutedReport,
        by: StaffId,
        new: NewDealPoint,
        at: Timestamp,
    ) -> StoreResult<DealPoint>;
    /// Links the report to an existing point de deal of one of the analyst's départements.
    async fn link_deal_point(
        &self,
        report: &RoutedReport,
        point: DealPointId,
        by: StaffId,
        at: Timestamp,
    ) -> StoreResult<DealPoint>;
    async fn set_deal_point_status(
        &self,
        point: DealPointId,
        status: DealPointStatus,
        by: StaffId,
        at: Timestamp,
    ) -> StoreResult<DealPoint>;
    async fn deal_points(&self, departements: &[DepartementCode]) -> StoreResult<Vec<DealPoint>>;
    async fn deal_point(&self, id: DealPointId) -> StoreResult<Option<DealPoint>>;
    async fn deal_point_history(&self, id: DealPointId) -> StoreResult<Vec<DealPointEvent>>;
    async fn deal_point_of(&self, report: ReportId) -> StoreResult<Option<DealPointId>>;
    async fn deal_point_reports(&self, id: DealPointId) -> StoreResult<Vec<ReportSummary>>;

    // --- follow-up questions ---------------------------------------------------------------------

    /// Puts the analyst's question in the witness's thread; it waits there until they come back
    /// with their receipt code, and their next message is the answer.
    async fn ask_follow_up(
        &self,
        report: &RoutedReport,
        by: StaffId,
        question: MessageBody,
        at: Timestamp,
    ) -> StoreResult<(FollowUp, Appended)>;
    async fn follow_ups(&self, report: ReportId) -> StoreResult<Vec<FollowUp>>;

    // --- canned replies (issue 6; configuration, not case content) --------------------------------
    // Bodies are not sealed. Each change is one transaction with its audit row (`canned_created`,
    // `canned_updated`, `canned_deleted`, target `canned:<id>`, purpose "administration").

    /// The canned replies of one language, by position, then title.
    async fn canned_replies(&self, locale: vigie_domain::Locale) -> StoreResult<Vec<CannedReply>>;
    async fn canned_reply(&self, id: CannedReplyId) -> StoreResult<Option<CannedReply>>;
    /// Adds a reply; its `updated_at` is the time of the change. `Conflict` for an id in use.
    async fn create_canned_reply(&self, reply: &CannedReply, by: StaffId) -> StoreResult<()>;
    /// Replaces every field of a reply (its language included). `NotFound` for an unknown id.
    async fn update_canned_reply(&self, reply: &CannedReply, by: StaffId) -> StoreResult<()>;
    /// `NotFound` for an unknown id.
    async fn delete_canned_reply(
        &self,
        id: CannedReplyId,
        by: StaffId,
        at: Timestamp,
    ) -> StoreResult<()>;

    // --- retention and statistics -----------------------------------------------------------------

    async fn retention_rules(&self) -> StoreResult<Vec<RetentionRule>>;
    /// Sets several retention rules in one transaction: all of them, or none.
    async fn set_retention_rules(
        &self,
        rules: &[RetentionRule],
        by: StaffId,
        at: Timestamp,
    ) -> StoreResult<()>;
    /// Removes the personal content of every report whose retention has run out at `now`;
    /// counts, dates, départements, activities and outcomes remain for statistics.
    async fn purge(&self, now: Timestamp) -> StoreResult<PurgeReport>;
    /// Reports per département code (qualified ones), for the map.
    async fn reports_per_departement(&self) -> StoreResult<Vec<(DepartementCode, u64)>>;
    async fn statistics(&self, since: Timestamp, until: Timestamp) -> StoreResult<Statistics>;
    /// The response-time moments of every conversation created in `[since, until)`, oldest
    /// first: creation, first taken (requeues and handovers do not move it), first officer
    /// message (the earliest `message` event written by an officer), closing. A purged
    /// conversation keeps them all: its events are gone with its content, but its row keeps
    /// the first reply of its last holder, the first reply unless the chat changed hands.
    async fn chat_times(
        &self,
        since: Timestamp,
        until: Timestamp,
    ) -> StoreResult<Vec<vigie_domain::dispatch::ChatTimes>>;
    /// Stored département outlines (GeoJSON geometry per code), for the map.
    async fn departement_outlines(&self) -> StoreResult<Vec<(Departement, String)>>;
    async fn import_outlines(&self, outlines: Vec<(DepartementCode, String)>) -> StoreResult<u64>;
    async fn departements(&self) -> StoreResult<Vec<Departement>>;
}

/// Who wrote a message, as the store needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    Witness,
    Officer(StaffId),
}

impl Writer {
    pub fn author(self) -> Author {
        match self {
            Writer::Witness => Author::Witness,
            Writer::Officer(_) => Author::Officer,
        }
    }
}

/// A witness photo to store: the sanitised JPEG and its size.
#[derive(Clone)]
pub struct NewPhoto {
    pub id: PhotoId,
    pub conversation: ConversationId,
    pub client_id: ClientId,
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub at: Timestamp,
}

impl std::fmt::Debug for NewPhoto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewPhoto")
            .field("id", &self.id)
            .field("bytes", &self.jpeg.len())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub struct NewMessage {
    pub conversation: ConversationId,
    pub writer: Writer,
    pub client_id: ClientId,
    pub body: MessageBody,
    pub at: Timestamp,
}
