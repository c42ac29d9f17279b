//! The embedded SQLite store: one file, created on first start, no set-up.
//!
//! One writer connection (SQLite allows one writer at a time; queuing in the pool is cheaper
//! than retrying on SQLITE_BUSY) and a pool of readers (WAL lets them run beside the writer).
//! Durability: WAL with `synchronous = FULL`, so an acknowledged commit survives a crash.

mod analysis;
mod canned;
mod cases;
mod decode;
mod dispatch;
mod dissemination;
mod geo;
mod handover;
mod points;
mod presence;
mod retention;
mod roster;
mod staff;
mod units;
mod witness;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;
use vigie_domain::chain::{DealPointStatus, Outcome, RetentionRule};
use vigie_domain::dispatch::Duty;
use vigie_domain::{
    CloseOutcome, ConversationId, DealPointId, DepartementCode, DisseminationId, InseeCode,
    MessageBody, NoteBody, PhotoId, ReasonText, ReportFields, ReportId, StaffId, Timestamp, UnitId,
    Username,
};
use vigie_store::*;

#[derive(Clone)]
pub struct SqliteStore {
    write: SqlitePool,
    read: SqlitePool,
    /// Seals what the witness and the cell write; the key never enters the database.
    cipher: ContentCipher,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and runs the migrations. The first opening
    /// records the content key's fingerprint; another key is refused with
    /// `Conflict("content-key-mismatch")`.
    pub async fn open(path: &Path, cipher: ContentCipher) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
            .map_err(internal)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            .pragma("secure_delete", "ON");
        // No ping before each acquire (sqlx's default): a connection to a local file cannot go
        // stale, and the ping is one more round trip to the connection's worker thread on every
        // query (B5 in BENCHMARKS.md).
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.clone())
            .await
            .map_err(map_err)?;
        sqlx::migrate!("./migrations")
            .run(&write)
            .await
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.read_only(true))
            .await
            .map_err(map_err)?;
        let store = Self {
            write,
            read,
            cipher,
        };
        store.check_content_key().await?;
        Ok(store)
    }

    async fn check_content_key(&self) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO installation (name, value) VALUES ('content_key_fingerprint', ?) ON CONFLICT (name) DO NOTHING",
        )
        .bind(self.cipher.fingerprint())
        .execute(&self.write)
        .await
        .map_err(map_err)?;
        let recorded: String = sqlx::query_scalar(
            "SELECT value FROM installation WHERE name = 'content_key_fingerprint'",
        )
        .fetch_one(&self.write)
        .await
        .map_err(map_err)?;
        if recorded != self.cipher.fingerprint() {
            return Err(StoreError::Conflict("content-key-mismatch"));
        }
        Ok(())
    }

    /// Every stored value of a sealed column, as it lies in the file (tests).
    #[cfg(test)]
    pub(crate) async fn raw_sealed_values(&self) -> StoreResult<Vec<(&'static str, String)>> {
        let mut out = Vec::new();
        for (name, sql) in SEALED_COLUMNS {
            let values: Vec<Option<String>> = sqlx::query_scalar(sql)
                .fetch_all(&self.read)
                .await
                .map_err(map_err)?;
            out.extend(values.into_iter().flatten().map(|v| (*name, v)));
        }
        Ok(out)
    }

    /// Runs a statement as it is (tests that tamper with the file).
    #[cfg(test)]
    pub(crate) async fn raw_execute(&self, sql: &str) -> StoreResult<u64> {
        Ok(sqlx::query(sql)
            .execute(&self.write)
            .await
            .map_err(map_err)?
            .rows_affected())
    }

    /// Writes a consistent copy of the live database to `dest` (`VACUUM INTO`).
    pub async fn backup(&self, dest: &Path) -> StoreResult<()> {
        sqlx::query("VACUUM INTO ?")
            .bind(dest.display().to_string())
            .execute(&self.write)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    pub async fn integrity_check(&self) -> StoreResult<String> {
        sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&self.read)
            .await
            .map_err(map_err)
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

/// The columns whose values are sealed with the content key.
#[cfg(test)]
const SEALED_COLUMNS: &[(&str, &str)] = &[
    ("events.body", "SELECT body FROM events"),
    ("notes.body", "SELECT body FROM notes"),
    ("reports.fields", "SELECT fields FROM reports"),
    ("reports.assessment", "SELECT assessment FROM reports"),
    (
        "reports.outcome_reason",
        "SELECT outcome_reason FROM reports",
    ),
    (
        "report_versions.fields",
        "SELECT fields FROM report_versions",
    ),
    ("report_checks.result", "SELECT result FROM report_checks"),
    (
        "disseminations.dossier",
        "SELECT dossier FROM disseminations",
    ),
    ("deal_points.profile", "SELECT profile FROM deal_points"),
    (
        "conversations.blocked_reason",
        "SELECT blocked_reason FROM conversations",
    ),
    ("handovers.note", "SELECT note FROM handovers"),
];

pub(crate) fn internal(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(e.to_string())
}

/// The one place sqlx errors become store errors.
pub(crate) fn map_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            StoreError::Unavailable(e.to_string())
        }
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict("unique"),
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            StoreError::Conflict("reference")
        }
        _ => StoreError::Internal(e.to_string()),
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.read)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn check_key_fingerprint(&self, fingerprint: &str) -> StoreResult<bool> {
        sqlx::query(
            "INSERT INTO installation (name, value) VALUES ('secret_key_fingerprint', ?) ON CONFLICT (name) DO NOTHING",
        )
        .bind(fingerprint)
        .execute(&self.write)
        .await
        .map_err(map_err)?;
        let recorded: String = sqlx::query_scalar(
            "SELECT value FROM installation WHERE name = 'secret_key_fingerprint'",
        )
        .fetch_one(&self.write)
        .await
        .map_err(map_err)?;
        Ok(recorded == fingerprint)
    }

    async fn create_conversation(&self, new: NewConversation) -> StoreResult<()> {
        witness::create_conversation(self, new).await
    }
    async fn conversation_by_token(&self, token_hash: &str) -> StoreResult<Option<Conversation>> {
        witness::conversation_by_token(self, token_hash).await
    }
    async fn resume(
        &self,
        receipt_hash: &str,
        new_token_hash: &str,
    ) -> StoreResult<Option<ConversationId>> {
        witness::resume(self, receipt_hash, new_token_hash).await
    }
    async fn append_message(&self, msg: NewMessage) -> StoreResult<Appended> {
        witness::append_message(self, msg).await
    }
    async fn events_after(
        &self,
        conversation: ConversationId,
        after: u64,
        limit: u32,
    ) -> StoreResult<Vec<Event>> {
        witness::events_after(self, conversation, after, limit).await
    }
    async fn close_by_witness(
        &self,
        conversation: ConversationId,
        at: Timestamp,
    ) -> StoreResult<Event> {
        witness::close_by_witness(self, conversation, at).await
    }

    async fn create_staff(&self, account: NewStaff) -> StoreResult<StaffId> {
        staff::create_staff(self, account).await
    }
    async fn staff_by_username(&self, username: &Username) -> StoreResult<Option<StaffAccount>> {
        staff::staff_by_username(self, username).await
    }
    async fn list_staff(&self) -> StoreResult<Vec<StaffAccount>> {
        staff::list_staff(self).await
    }
    async fn begin_login_attempt(
        &self,
        id: StaffId,
        at: Timestamp,
        max_failures: u32,
        lockout: time::Duration,
    ) -> StoreResult<bool> {
        staff::begin_login_attempt(self, id, at, max_failures, lockout).await
    }
    async fn record_login_success(&self, id: StaffId) -> StoreResult<()> {
        staff::record_login_success(self, id).await
    }
    async fn create_session(&self, session: NewSession) -> StoreResult<()> {
        staff::create_session(self, session).await
    }
    async fn session(&self, token_hash: &str, now: Timestamp) -> StoreResult<Option<Session>> {
        staff::session(self, token_hash, now).await
    }
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        staff::delete_session(self, token_hash).await
    }
    async fn staff_by_id(&self, id: StaffId) -> StoreResult<Option<StaffAccount>> {
        staff::staff_by_id(self, id).await
    }
    async fn session_counts(&self, now: Timestamp) -> StoreResult<Vec<(StaffId, u64)>> {
        staff::session_counts(self, now).await
    }
    async fn begin_totp_enrolment(&self, id: StaffId, secret: &str) -> StoreResult<bool> {
        staff::begin_totp_enrolment(self, id, secret).await
    }
    async fn accept_totp_step(&self, id: StaffId, step: u64, at: Timestamp) -> StoreResult<bool> {
        staff::accept_totp_step(self, id, step, at).await
    }
    async fn reset_totp(&self, id: StaffId, by: Option<StaffId>, at: Timestamp) -> StoreResult<()> {
        staff::reset_totp(self, id, by, at).await
    }
    async fn set_staff_disabled(
        &self,
        id: StaffId,
        disabled: bool,
        by: Option<StaffId>,
        at: Timestamp,
    ) -> StoreResult<()> {
        staff::set_staff_disabled(self, id, disabled, by, at).await
    }
    async fn revoke_sessions(
        &self,
        id: StaffId,
        by: Option<StaffId>,
        at: Timestamp,
    ) -> StoreResult<u64> {
        staff::revoke_sessions(self, id, by, at).await
    }
    async fn change_password(
        &self,
        id: StaffId,
        password_hash: &str,
        keep: Option<&str>,
        by: Option<StaffId>,
        at: Timestamp,
    ) -> StoreResult<()> {
        staff::change_password(self, id, password_hash, keep, by, at).await
    }
    async fn set_duty(
        &self,
        staff: StaffId,
        duty: Duty,
        by: StaffId,
        at: Timestamp,
    ) -> StoreResult<()> {
        presence::set_duty(self, staff, duty, by, at).await
    }
    async fn set_capacity(
        &self,
        staff: StaffId,
        capacity: u32,
        by: StaffId,
        at: Timestamp,
    ) -> StoreResult<()> {
        presence::set_capacity(self, staff, capacity, by, at).await
    }
    async fn heartbeat(&self, staff: StaffId, at: Timestamp) -> StoreResult<()> {
        presence::heartbeat(self, staff, at).await
    }
    async fn presences(&self) -> StoreResult<Vec<Presence>> {
        presence::presences(self).await
    }
    async fn add_shift(
        &self,
        staff: StaffId,
        starts_at: Timestamp,
        ends_at: Timestamp,
        by: StaffId,
        at: Timestamp,
    ) -> StoreResult<i64> {
        roster::add_shift(self, staff, starts_at, ends_at, by, at).await
    }
    async fn delete_shift(&self, id: i64, by: StaffId, at: Timestamp) -> StoreResult<()> {
        roster::delete_shift(self, id, by, at).await
    }
    async fn shifts(&self, since: Timestamp, until: Timestamp) -> StoreResult<Vec<Shift>> {
        roster::shifts(self, since, until).await
    }
    async fn apply_roster(&self, now: Timestamp) -> StoreResult<Vec<(StaffId, Duty)>> {
        roster::apply_roster(self, now).await
    }
    async fn next_roster_change(&self, now: Timestamp) -> StoreResult<Option<Timestamp>> {
        roster::next_roster_change(self, now).await
    }
    async fn dispatch_snapshot(&self) -> StoreResult<vigie_domain::dispatch::Snapshot> {
        dispatch::snapshot(self).await
    }
    async fn dispatch(
        &self,
        now: Timestamp,
        config: &vigie_domain::dispatch::DispatchConfig,
    ) -> StoreResult<vigie_domain::dispatch::Plan> {
        dispatch::run(self, now, config).await
    }
    async fn accept_offer(
        &self,
        conversation: ConversationId,
        staff: StaffId,
        report: ReportId,
        at: Timestamp,
    ) -> StoreResult<TakeOutcome> {
        dispatch::accept_offer(self, conversation, staff, report, at).await
    }
    async fn decline_offer(
        &self,
        conversation: ConversationId,
        staff: StaffId,
        at: Timestamp,
    ) -> StoreResult<bool> {
        dispatch::decline_offer(self, conversation, staff, at).await
    }
    async fn handover(
        &self,
        case: &AssignedCase,
        to: Option<StaffId>,
        note: NoteBody,
        at: Timestamp,
    ) -> StoreResult<i64> {
        handover::handover(self, case, to, note, at).await
    }
    async fn acknowledge_handover(
        &self,
        id: i64,
        staff: StaffId,
        at: Timestamp,
    ) -> StoreResult<()> {
        handover::acknowledge(self, id, staff, at).await
    }
    async fn pending_handovers(&self, staff: StaffId) -> StoreResult<Vec<HandoverNote>> {
        handover::pending(self, staff).await
    }
    async fn dispatch_alerts(&self, since: Timestamp) -> StoreResult<Vec<DispatchAlertRow>> {
        dispatch::alerts(self, since).await
    }
    async fn raise_priority(
        &self,
        conversation: ConversationId,
        level: i32,
        by: Option<StaffId>,
        at: Timestamp,
    ) -> StoreResult<bool> {
        dispatch::raise_priority(self, conversation, level, by, at).await
    }
    async fn spend_proof(
        &self,
        hash: &str,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> StoreResult<bool> {
        witness::spend_proof(self, hash, expires_at, now).await
    }
    async fn append_photo(&self, photo: NewPhoto) -> StoreResult<Appended> {
        witness::append_photo(self, photo).await
    }
    async fn photo(&self, id: PhotoId) -> StoreResult<Option<Photo>> {
        witness::photo(self, id).await
    }

    async fn queue(&self) -> StoreResult<Vec<QueueEntry>> {
        cases::queue(self).await
    }
    async fn take(
        &self,
        conversation: ConversationId,
        staff: StaffId,
        report: ReportId,
        at: Timestamp,
    ) -> StoreResult<TakeOutcome> {
        cases::take(self, conversation, staff, report, at).await
    }
    async fn take_next(
        &self,
        staff: StaffId,
        report: ReportId,
        at: Timestamp,
    ) -> StoreResult<Option<(ConversationId, Event)>> {
        cases::take_next(self, staff, report, at).await
    }
    async fn conversation(&self, id: ConversationId) -> StoreResult<Option<Conversation>> {
        witness::conversation(self, id).await
    }
    async fn held_by(&self, staff: StaffId) -> StoreResult<Vec<Conversation>> {
        cases::held_by(self, Some(staff)).await
    }
    async fn active_conversations(&self) -> StoreResult<Vec<Conversation>> {
        cases::held_by(self, None).await
    }
    async fn add_note(
        &self,
        case: &AssignedCase,
        body: NoteBody,
        at: Timestamp,
    ) -> StoreResult<Note> {
        cases::add_note(self, case, body, at).await
    }
    async fn notes(&self, case: &CaseReader) -> StoreResult<Vec<Note>> {
        cases::notes(self, case).await
    }
    async fn save_report(
        &self,
        case: &AssignedCase,
        expected_version: u32,
        fields: ReportFields,
        at: Timestamp,
    ) -> StoreResult<Report> {
        cases::save_report(self, case, expected_version, fields, at).await
    }
    async fn qualify(&self, case: &AssignedCase, at: Timestamp) -> StoreResult<Report> {
        cases::qualify(self, case, at).await
    }
    async fn close_case(
        &self,
        case: &AssignedCase,
        outcome: CloseOutcome,
        reason: ReasonText,
        at: Timestamp,
    ) -> StoreResult<Report> {
        cases::close_case(self, case, outcome, reason, at).await
    }

    async fn block_conversation(
        &self,
        case: &AssignedCase,
        reason: ReasonText,
        at: Timestamp,
    ) -> StoreResult<Conversation> {
        cases::block_conversation(self, case, reason, at).await
    }
    async fn report_for_conversation(
        &self,
        conversation: ConversationId,
    ) -> StoreResult<Option<Report>> {
        cases::report_where(self, "conversation_id", conversation.to_string()).await
    }
    async fn report(&self, id: ReportId) -> StoreResult<Option<Report>> {
        cases::report_where(self, "id", id.to_string()).await
    }
    async fn report_versions(&self, id: ReportId) -> StoreResult<Vec<ReportVersion>> {
        cases::report_versions(self, id).await
    }
    async fn grade(
        &self,
        report: &RoutedReport,
        by: StaffId,
        grading: vigie_domain::report::Grading,
        assessment: Option<ReasonText>,
        at: Timestamp,
    ) -> StoreResult<Report> {
        analysis::grade(self, report, by, grading, assessment, at).await
    }
    async fn record_check(
        &self,
        report: &RoutedReport,
        by: StaffId,
        kind: vigie_domain::report::CheckKind,
        result: ReasonText,
        at: Timestamp,
    ) -> StoreResult<Check> {
        analysis::record_check(self, report, by, kind, result, at).await
    }
    async fn checks(&self, report: ReportId) -> StoreResult<Vec<Check>> {
        analysis::checks(self, report).await
    }
    async fn conclude(
        &self,
        report: &RoutedReport,
        by: StaffId,
        conclusion: vigie_domain::report::Conclusion,
        at: Timestamp,
    ) -> StoreResult<Report> {
        analysis::conclude(self, report, by, conclusion, at).await
    }
    async fn inbox(
        &self,
        departements: &[DepartementCode],
        filter: &InboxFilter,
    ) -> StoreResult<Vec<ReportSummary>> {
        cases::inbox(self, departements, filter).await
    }

    async fn commune(&self, insee: &InseeCode) -> StoreResult<Option<Commune>> {
        geo::commune(self, insee).await
    }
    async fn search_communes(&self, query: &str, limit: u32) -> StoreResult<Vec<Commune>> {
        geo::search(self, query, limit).await
    }
    async fn import_geo(
        &self,
        departements: Vec<Departement>,
        communes: Vec<Commune>,
    ) -> StoreResult<u64> {
        geo::import(self, departements, communes).await
    }
    async fn commune_count(&self) -> StoreResult<u64> {
        geo::count(self).await
    }
    async fn departement(&self, code: &DepartementCode) -> StoreResult<Option<Departement>> {
        geo::departement(self, code).await
    }

    async fn audit(&self, entry: NewAudit) -> StoreResult<()> {
        let mut conn = self.write.acquire().await.map_err(map_err)?;
        cases::write_audit(&mut conn, &entry).await
    }
    async fn audit_log(&self, filter: &AuditFilter, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        cases::audit_log(self, filter, limit).await
    }

    async fn create_unit(&self, unit: NewUnit, by: StaffId, at: Timestamp) -> StoreResult<()> {
        units::create_unit(self, unit, by, at).await
    }
    async fn set_unit_departements(
        &self,
        unit: UnitId,
        departements: Vec<DepartementCode>,
        by: StaffId,
        at: Timestamp,
    ) -> StoreResult<()> {
        units::set_unit_departements(self, unit, departements, by, at).await
    }
    async fn units(&self) -> StoreResult<Vec<Unit>> {
        units::units(self).await
    }
    async fn unit(&self, id: UnitId) -> StoreResult<Option<Unit>> {
        units::unit(self, id).await
    }
    async fn units_for(&self, departement: &DepartementCode) -> StoreResult<Vec<Unit>> {
        units::units_for(self, departement).await
    }
    async fn assign_unit(&self, staff: StaffId, unit: UnitId) -> StoreResult<()> {
        units::assign_unit(self, staff, unit).await
    }
    async fn unit_of(&self, staff: StaffId) -> StoreResult<Option<UnitId>> {
        units::unit_of(self, staff).await
    }

    async fn disseminate(
        &self,
        report: &RoutedReport,
        by: StaffId,
        new: NewDissemination,
        at: Timestamp,
    ) -> StoreResult<Dissemination> {
        dissemination::disseminate(self, report, by, new, at).await
    }
    async fn disseminations_of_report(&self, report: ReportId) -> StoreResult<Vec<Dissemination>> {
        dissemination::of_report(self, report).await
    }
    async fn disseminations_to_unit(&self, unit: UnitId) -> StoreResult<Vec<Dissemination>> {
        dissemination::to_unit(self, unit).await
    }
    async fn dissemination(&self, id: DisseminationId) -> StoreResult<Option<Dissemination>> {
        dissemination::one(self, id).await
    }
    async fn acknowledge(
        &self,
        dossier: &UnitDossier,
        by: StaffId,
        at: Timestamp,
    ) -> StoreResult<Dissemination> {
        dissemination::acknowledge(self, dossier, by, at).await
    }
    async fn record_outcome(
        &self,
        dossier: &UnitDossier,
        by: StaffId,
        outcome: Outcome,
        at: Timestamp,
    ) -> StoreResult<OutcomeRecord> {
        dissemination::record_outcome(self, dossier, by, outcome, at).await
    }
    async fn close_report(
        &self,
        report: &RoutedReport,
        by: StaffId,
        at: Timestamp,
    ) -> StoreResult<Report> {
        dissemination::close_report(self, report, by, at).await
    }

    async fn create_deal_point(
        &self,
        report: &RoutedReport,
        by: StaffId,
        new: NewDealPoint,
        at: Timestamp,
    ) -> StoreResult<DealPoint> {
        points::create(self, report, by, new, at).await
    }
    async fn link_deal_point(
        &self,
        report: &RoutedReport,
        point: DealPointId,
        by: StaffId,
        at: Timestamp,
    ) -> StoreResult<DealPoint> {
        points::link_existing(self, report, point, by, at).await
    }
    async fn set_deal_point_status(
        &self,
        point: DealPointId,
        status: DealPointStatus,
        by: StaffId,
        at: Timestamp,
    ) -> StoreResult<DealPoint> {
        points::set_status(self, point, status, by, at).await
    }
    async fn deal_points(&self, departements: &[DepartementCode]) -> StoreResult<Vec<DealPoint>> {
        points::list(self, departements).await
    }
    async fn deal_point(&self, id: DealPointId) -> StoreResult<Option<DealPoint>> {
        points::one(self, id).await
    }
    async fn deal_point_history(&self, id: DealPointId) -> StoreResult<Vec<DealPointEvent>> {
        points::point_history(self, id).await
    }
    async fn deal_point_of(&self, report: ReportId) -> StoreResult<Option<DealPointId>> {
        points::of_report(self, report).await
    }
    async fn deal_point_reports(&self, id: DealPointId) -> StoreResult<Vec<ReportSummary>> {
        points::reports_of(self, id).await
    }

    async fn ask_follow_up(
        &self,
        report: &RoutedReport,
        by: StaffId,
        question: MessageBody,
        at: Timestamp,
    ) -> StoreResult<(FollowUp, Appended)> {
        dissemination::ask_follow_up(self, report, by, question, at).await
    }
    async fn follow_ups(&self, report: ReportId) -> StoreResult<Vec<FollowUp>> {
        dissemination::follow_ups(self, report).await
    }

    async fn canned_replies(&self, locale: vigie_domain::Locale) -> StoreResult<Vec<CannedReply>> {
        canned::list(self, locale).await
    }
    async fn canned_reply(
        &self,
        id: vigie_domain::CannedReplyId,
    ) -> StoreResult<Option<CannedReply>> {
        canned::one(self, id).await
    }
    async fn create_canned_reply(&self, reply: &CannedReply, by: StaffId) -> StoreResult<()> {
        canned::create(self, reply, by).await
    }
    async fn update_canned_reply(&self, reply: &CannedReply, by: StaffId) -> StoreResult<()> {
        canned::update(self, reply, by).await
    }
    async fn delete_canned_reply(
        &self,
        id: vigie_domain::CannedReplyId,
        by: StaffId,
        at: Timestamp,
    ) -> StoreResult<()> {
        canned::delete(self, id, by, at).await
    }
    async fn retention_rules(&self) -> StoreResult<Vec<RetentionRule>> {
        units::retention_rules(self).await
    }
    async fn set_retention_rules(
        &self,
        rules: &[RetentionRule],
        by: StaffId,
        at: Timestamp,
    ) -> StoreResult<()> {
        units::set_retention_rules(self, rules, by, at).await
    }
    async fn purge(&self, now: Timestamp) -> StoreResult<PurgeReport> {
        retention::purge(self, now).await
    }
    async fn reports_per_departement(&self) -> StoreResult<Vec<(DepartementCode, u64)>> {
        retention::reports_per_departement(self).await
    }
    async fn statistics(&self, since: Timestamp, until: Timestamp) -> StoreResult<Statistics> {
        retention::statistics(self, since, until).await
    }
    async fn chat_times(
        &self,
        since: Timestamp,
        until: Timestamp,
    ) -> StoreResult<Vec<vigie_domain::dispatch::ChatTimes>> {
        retention::chat_times(self, since, until).await
    }
    async fn departement_outlines(&self) -> StoreResult<Vec<(Departement, String)>> {
        units::departement_outlines(self).await
    }
    async fn import_outlines(&self, outlines: Vec<(DepartementCode, String)>) -> StoreResult<u64> {
        units::import_outlines(self, outlines).await
    }
    async fn departements(&self) -> StoreResult<Vec<Departement>> {
        units::departements(self).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    async fn fresh(path: &Path) -> SqliteStore {
        SqliteStore::open(path, ContentCipher::random())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn conformance_suite_passes_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vigie.db");
        let store = fresh(&path).await;
        vigie_store::conformance::run_all(Arc::new(store.clone())).await;
        vigie_store::conformance::witness_words_round_trip_through_sealed_columns(Arc::new(
            store.clone(),
        ))
        .await;
        assert_eq!(store.integrity_check().await.unwrap(), "ok");

        // Every sealed column holds ciphertexts (or the purge's clear `{}`), and no word.
        let raw = store.raw_sealed_values().await.unwrap();
        for name in [
            "events.body",
            "notes.body",
            "reports.fields",
            "reports.assessment",
            "handovers.note",
        ] {
            assert!(
                raw.iter().any(|(n, _)| *n == name),
                "{name} was never written"
            );
        }
        for (name, value) in &raw {
            assert!(
                ContentCipher::is_sealed(value) || (*name == "reports.fields" && value == "{}"),
                "{name} holds {value:?}"
            );
        }
        // Nor anywhere in the file or its log.
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend(std::fs::read(dir.path().join("vigie.db-wal")).unwrap_or_default());
        for word in vigie_store::conformance::SEALED_WORDS {
            assert!(
                !bytes.windows(word.len()).any(|w| w == word.as_bytes()),
                "{word} lies readable in the database file"
            );
        }
    }

    #[tokio::test]
    async fn a_ciphertext_moved_to_another_row_does_not_open() {
        let dir = tempfile::tempdir().unwrap();
        let store = fresh(&dir.path().join("vigie.db")).await;
        let id = vigie_domain::ConversationId::random(&mut rand_rng());
        store
            .create_conversation(NewConversation {
                id,
                locale: vigie_domain::Locale::Fr,
                receipt_hash: "r".into(),
                token_hash: "t".into(),
                created_at: vigie_domain::clock::truncate_millis(time::OffsetDateTime::now_utc()),
            })
            .await
            .unwrap();
        for (client, body) in [("c1", "premier"), ("c2", "second")] {
            store
                .append_message(NewMessage {
                    conversation: id,
                    writer: Writer::Witness,
                    client_id: vigie_domain::ClientId::parse(client).unwrap(),
                    body: MessageBody::parse(body).unwrap(),
                    at: vigie_domain::clock::truncate_millis(time::OffsetDateTime::now_utc()),
                })
                .await
                .unwrap();
        }
        let read = store.events_after(id, 0, 10).await.unwrap();
        assert_eq!(read[1].body.as_deref(), Some("second"));
        // Someone with write access to the file swaps the second body for the first.
        store
            .raw_execute(
                "UPDATE events SET body = (SELECT body FROM events WHERE seq = 1) WHERE seq = 2",
            )
            .await
            .unwrap();
        assert!(matches!(
            store.events_after(id, 0, 10).await,
            Err(StoreError::Internal(_))
        ));
    }

    #[tokio::test]
    async fn another_content_key_is_refused_and_values_from_before_encryption_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vigie.db");
        let key = ContentCipher::random();
        let store = SqliteStore::open(&path, key.clone()).await.unwrap();
        vigie_store::conformance::seed_geo(&store).await;
        store.close().await;
        assert!(matches!(
            SqliteStore::open(&path, ContentCipher::random()).await,
            Err(StoreError::Conflict("content-key-mismatch"))
        ));
        let store = SqliteStore::open(&path, key).await.unwrap();
        // A note written in clear by an earlier version reads as it was.
        let id = vigie_domain::ConversationId::random(&mut rand_rng());
        store
            .raw_execute(&format!(
                "INSERT INTO conversations (id, state, locale, receipt_hash, created_at) \
                 VALUES ('{id}', 'waiting', 'fr', 'legacy', 0); \
                 INSERT INTO events (conversation_id, seq, kind, author, body, at) \
                 VALUES ('{id}', 1, 'message', 'witness', 'écrit en clair', 0)"
            ))
            .await
            .unwrap();
        let read = store.events_after(id, 0, 10).await.unwrap();
        assert_eq!(read[0].body.as_deref(), Some("écrit en clair"));
    }

    fn rand_rng() -> impl rand::RngCore {
        rand::rngs::OsRng
    }

    #[tokio::test]
    async fn backup_is_a_readable_copy() {
        let dir = tempfile::tempdir().unwrap();
        let key = ContentCipher::random();
        let store = SqliteStore::open(&dir.path().join("vigie.db"), key.clone())
            .await
            .unwrap();
        vigie_store::conformance::seed_geo(&store).await;
        let copy = dir.path().join("copy.db");
        store.backup(&copy).await.unwrap();
        let restored = SqliteStore::open(&copy, key).await.unwrap();
        assert_eq!(
            restored.commune_count().await.unwrap(),
            store.commune_count().await.unwrap()
        );
    }
}
