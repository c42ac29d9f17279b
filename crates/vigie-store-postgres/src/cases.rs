//! The staff side of a case: queue, taking, notes, the report and its versions, closing, audit.
//! Every change here is one write transaction that carries its audit row.

use crate::decode::{self, enum_col, get, opt_ts, parse, ts};
use crate::witness::push_event;
use crate::{internal, map_err, PgStore};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, Transaction};
use vigie_domain::clock::{from_millis, to_millis};
use vigie_domain::report::FieldErrors;
use vigie_domain::{
    Author, CloseOutcome, ConversationId, DepartementCode, EventKind, Locale, NoteBody, ReasonText,
    ReportFields, ReportId, ReportState, StaffId, Timestamp,
};
use vigie_store::{
    place, AssignedCase, AuditEntry, CaseReader, ContentCipher, Conversation, Event, NewAudit,
    Note, QueueEntry, Report, ReportSummary, ReportVersion, StoreError, StoreResult, TakeOutcome,
};

pub(crate) async fn write_audit(conn: &mut PgConnection, a: &NewAudit) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, staff_id, action, target, purpose) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(to_millis(a.at))
    .bind(a.actor.map(|id| id.to_string()))
    .bind(a.action)
    .bind(&a.target)
    .bind(a.purpose)
    .execute(conn)
    .await
    .map_err(map_err)?;
    Ok(())
}

pub(crate) fn audit(
    actor: StaffId,
    action: &'static str,
    target: String,
    at: Timestamp,
) -> NewAudit {
    NewAudit {
        actor: Some(actor),
        action,
        target,
        purpose: "handling",
        at,
    }
}

pub(crate) async fn queue(s: &PgStore) -> StoreResult<Vec<QueueEntry>> {
    let rows = sqlx::query(
        "SELECT id, locale, created_at, priority FROM conversations WHERE state = 'waiting' AND blocked_at IS NULL \
         ORDER BY priority DESC, created_at, id",
    )
    .fetch_all(&s.pool)
    .await
    .map_err(map_err)?;
    rows.iter()
        .map(|row| {
            Ok(QueueEntry {
                conversation: parse(row, "id")?,
                locale: enum_col(row, "locale", Locale::parse)?,
                waiting_since: ts(row, "created_at")?,
                priority: i32::try_from(get::<i64>(row, "priority")?).unwrap_or(0),
            })
        })
        .collect()
}

/// Claims `conversation` inside `tx` if it is still waiting: the conditional UPDATE is the lock,
/// so of two racing officers exactly one changes the row. As the engine's `Snapshot::claim`:
/// every offer of the chat ends, the holder's first-reply clock starts, the rotation moves on.
/// The report is made on the first take only; a chat back from the queue keeps its own.
pub(crate) async fn claim(
    c: &ContentCipher,
    tx: &mut Transaction<'_, Postgres>,
    conversation: ConversationId,
    staff: StaffId,
    report: ReportId,
    at: Timestamp,
) -> StoreResult<Option<Event>> {
    let claimed = sqlx::query(
        "UPDATE conversations SET state = 'active', operator_id = $1, taken_at = $2, first_reply_at = NULL \
         WHERE id = $3 AND state = 'waiting' AND blocked_at IS NULL",
    )
    .bind(staff.to_string())
    .bind(to_millis(at))
    .bind(conversation.to_string())
    .execute(&mut **tx)
    .await
    .map_err(map_err)?
    .rows_affected();
    if claimed != 1 {
        return Ok(None);
    }
    sqlx::query("DELETE FROM dispatch_offers WHERE conversation_id = $1")
        .bind(conversation.to_string())
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
    crate::dispatch::assigned(tx, staff, at).await?;
    let empty = c.seal(
        &place::report_fields(report),
        &serde_json::to_string(&ReportFields::default()).map_err(internal)?,
    )?;
    sqlx::query(
        "INSERT INTO reports (id, conversation_id, state, version, fields, created_at, updated_at) \
         VALUES ($1, $2, 'in_chat', 0, $3, $4, $5) ON CONFLICT (conversation_id) DO NOTHING",
    )
    .bind(report.to_string())
    .bind(conversation.to_string())
    .bind(empty)
    .bind(to_millis(at))
    .bind(to_millis(at))
    .execute(&mut **tx)
    .await
    .map_err(map_err)?;
    let event = push_event(
        c,
        tx,
        conversation,
        EventKind::OfficerJoined,
        Author::System,
        None,
        None,
        None,
        at,
    )
    .await?;
    write_audit(
        tx,
        &audit(
            staff,
            "take_conversation",
            format!("conversation:{conversation}"),
            at,
        ),
    )
    .await?;
    Ok(Some(event))
}

pub(crate) async fn take(
    s: &PgStore,
    conversation: ConversationId,
    staff: StaffId,
    report: ReportId,
    at: Timestamp,
) -> StoreResult<TakeOutcome> {
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    crate::dispatch::serialise(&mut tx).await?;
    if crate::dispatch::offered_to_another(&mut tx, conversation, staff, at).await? {
        return Ok(TakeOutcome::AlreadyTaken);
    }
    match claim(&s.cipher, &mut tx, conversation, staff, report, at).await? {
        Some(event) => {
            tx.commit().await.map_err(map_err)?;
            Ok(TakeOutcome::Taken(event))
        }
        None => {
            let state: Option<String> =
                sqlx::query_scalar("SELECT state FROM conversations WHERE id = $1")
                    .bind(conversation.to_string())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?;
            Ok(match state.as_deref() {
                Some("active") => TakeOutcome::AlreadyTaken,
                _ => TakeOutcome::NotFound,
            })
        }
    }
}

/// The chat `$1` should take at `$2`: their own live offer first, then dispatch order, passing
/// over chats under someone else's live offer, and those they declined unless only those are
/// left (the engine's `take_next`, without its duty and capacity checks: the caller's).
const NEXT_FOR: &str = "SELECT c.id FROM conversations c \
     LEFT JOIN dispatch_offers o ON o.conversation_id = c.id AND o.expires_at > $2 \
     WHERE c.state = 'waiting' AND c.blocked_at IS NULL \
       AND (o.staff_id IS NULL OR o.staff_id = $1) \
     ORDER BY o.staff_id IS NULL, \
       EXISTS (SELECT 1 FROM dispatch_declines d WHERE d.conversation_id = c.id AND d.staff_id = $1), \
       c.priority DESC, c.created_at, c.id \
     LIMIT 1";

pub(crate) async fn take_next(
    s: &PgStore,
    staff: StaffId,
    report: ReportId,
    at: Timestamp,
) -> StoreResult<Option<(ConversationId, Event)>> {
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    // Takers take turns (the dispatch lock), so the head found is still waiting when claimed,
    // unless its witness left or it was blocked in between: then the next head.
    crate::dispatch::serialise(&mut tx).await?;
    for _ in 0..3 {
        let head: Option<String> = sqlx::query_scalar(NEXT_FOR)
            .bind(staff.to_string())
            .bind(to_millis(at))
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
        let Some(head) = head else { return Ok(None) };
        let id: ConversationId = head.parse().map_err(internal)?;
        if let Some(event) = claim(&s.cipher, &mut tx, id, staff, report, at).await? {
            tx.commit().await.map_err(map_err)?;
            return Ok(Some((id, event)));
        }
    }
    Ok(None)
}

pub(crate) async fn held_by(s: &PgStore, staff: Option<StaffId>) -> StoreResult<Vec<Conversation>> {
    let rows = sqlx::query(
        "SELECT c.id, c.state, c.locale, c.created_at, c.operator_id, c.taken_at, c.closed_at, c.last_seq, c.token_hash, c.blocked_at \
         FROM conversations c JOIN reports r ON r.conversation_id = c.id \
         WHERE c.operator_id IS NOT NULL AND ($1::text IS NULL OR c.operator_id = $1) AND r.state = 'in_chat' \
         ORDER BY c.taken_at",
    )
    .bind(staff.map(|s| s.to_string()))
    .fetch_all(&s.pool)
    .await
    .map_err(map_err)?;
    rows.iter().map(decode::conversation).collect()
}

pub(crate) async fn add_note(
    s: &PgStore,
    case: &AssignedCase,
    body: NoteBody,
    at: Timestamp,
) -> StoreResult<Note> {
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    // Notes belong to the handling of the chat; once the report has left it, they stop.
    if !report_in_tx(&s.cipher, &mut tx, case.conversation())
        .await?
        .state
        .is_editable()
    {
        return Err(StoreError::NotEditable);
    }
    // The sealed body names its row, so the row is made first (empty) and then filled.
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO notes (conversation_id, staff_id, body, at) VALUES ($1, $2, '', $3) RETURNING id",
    )
    .bind(case.conversation().to_string())
    .bind(case.staff().to_string())
    .bind(to_millis(at))
    .fetch_one(&mut *tx)
    .await
    .map_err(map_err)?;
    sqlx::query("UPDATE notes SET body = $1 WHERE id = $2")
        .bind(
            s.cipher
                .seal(&place::note_body(case.conversation(), id), body.as_str())?,
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    write_audit(
        &mut tx,
        &audit(
            case.staff(),
            "add_note",
            format!("conversation:{}", case.conversation()),
            at,
        ),
    )
    .await?;
    let author: String = sqlx::query_scalar("SELECT username FROM staff WHERE id = $1")
        .bind(case.staff().to_string())
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
    tx.commit().await.map_err(map_err)?;
    Ok(Note {
        id,
        author,
        body: body.into_inner(),
        at,
    })
}

pub(crate) async fn notes(s: &PgStore, case: &CaseReader) -> StoreResult<Vec<Note>> {
    let rows = sqlx::query(
        "SELECT n.id, s.username, n.body, n.at FROM notes n JOIN staff s ON s.id = n.staff_id \
         WHERE n.conversation_id = $1 ORDER BY n.id",
    )
    .bind(case.conversation().to_string())
    .fetch_all(&s.pool)
    .await
    .map_err(map_err)?;
    rows.iter()
        .map(|row| {
            let id: i64 = get(row, "id")?;
            let body: String = get(row, "body")?;
            Ok(Note {
                id,
                author: get(row, "username")?,
                body: s
                    .cipher
                    .open(&place::note_body(case.conversation(), id), &body)?,
                at: ts(row, "at")?,
            })
        })
        .collect()
}

pub(crate) const REPORT_COLS: &str =
    "id, conversation_id, state, version, fields, departement, outcome, outcome_reason, \
                           created_at, updated_at, qualified_at, grading_source, grading_credibility, \
                           handling_code, assessment, review_on";

pub(crate) fn report(c: &ContentCipher, row: &PgRow) -> StoreResult<Report> {
    let id: ReportId = parse(row, "id")?;
    let fields = c.open(&place::report_fields(id), &get::<String>(row, "fields")?)?;
    Ok(Report {
        id,
        conversation: parse(row, "conversation_id")?,
        state: enum_col(row, "state", ReportState::parse)?,
        version: u32::try_from(get::<i64>(row, "version")?).unwrap_or(0),
        fields: serde_json::from_str(&fields).map_err(internal)?,
        departement: get::<Option<String>>(row, "departement")?
            .map(|d| DepartementCode::parse(&d))
            .transpose()
            .map_err(internal)?,
        outcome: get::<Option<String>>(row, "outcome")?.and_then(|o| CloseOutcome::parse(&o)),
        outcome_reason: c.open_opt(
            &place::outcome_reason(id),
            get::<Option<String>>(row, "outcome_reason")?.as_deref(),
        )?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
        qualified_at: opt_ts(row, "qualified_at")?,
        grading: grading(row)?,
        assessment: c.open_opt(
            &place::assessment(id),
            get::<Option<String>>(row, "assessment")?.as_deref(),
        )?,
        review_on: get::<Option<String>>(row, "review_on")?
            .map(|d| time::Date::parse(&d, &time::format_description::well_known::Iso8601::DATE))
            .transpose()
            .map_err(internal)?,
    })
}

fn grading(row: &PgRow) -> StoreResult<Option<vigie_domain::report::Grading>> {
    let source: Option<String> = get(row, "grading_source")?;
    let credibility: Option<String> = get(row, "grading_credibility")?;
    let handling: Option<String> = get(row, "handling_code")?;
    match (source, credibility, handling) {
        (Some(s), Some(c), Some(h)) => vigie_domain::report::Grading::parse(&s, &c, &h)
            .map(Some)
            .map_err(internal),
        _ => Ok(None),
    }
}

pub(crate) async fn report_where(
    s: &PgStore,
    column: &'static str,
    value: String,
) -> StoreResult<Option<Report>> {
    let row = sqlx::query(&format!(
        "SELECT {REPORT_COLS} FROM reports WHERE {column} = $1"
    ))
    .bind(value)
    .fetch_optional(&s.pool)
    .await
    .map_err(map_err)?;
    row.as_ref().map(|r| report(&s.cipher, r)).transpose()
}

pub(crate) async fn report_in_tx(
    c: &ContentCipher,
    tx: &mut Transaction<'_, Postgres>,
    conversation: ConversationId,
) -> StoreResult<Report> {
    let row = sqlx::query(&format!(
        "SELECT {REPORT_COLS} FROM reports WHERE conversation_id = $1 FOR UPDATE"
    ))
    .bind(conversation.to_string())
    .fetch_optional(&mut **tx)
    .await
    .map_err(map_err)?
    .ok_or(StoreError::NotFound)?;
    report(c, &row)
}

async fn commune_departement(
    tx: &mut Transaction<'_, Postgres>,
    insee: &str,
) -> StoreResult<Option<String>> {
    sqlx::query_scalar("SELECT departement FROM communes WHERE insee = $1")
        .bind(insee)
        .fetch_optional(&mut **tx)
        .await
        .map_err(map_err)
}

fn unknown_commune() -> StoreError {
    let mut e = FieldErrors::default();
    e.add("commune", "commune-unknown");
    StoreError::Invalid(e)
}

pub(crate) async fn save_report(
    s: &PgStore,
    case: &AssignedCase,
    expected: u32,
    fields: ReportFields,
    at: Timestamp,
) -> StoreResult<Report> {
    // What needs no lock is done before the transaction (reading the report, the commune's
    // département, sealing both copies); the transaction is then three statements: the report,
    // updated only if still editable at the expected version (so two saves of one version
    // cannot both pass), its version, the audit row. (B5 in BENCHMARKS.md.)
    let current = report_where(s, "conversation_id", case.conversation().to_string())
        .await?
        .ok_or(StoreError::NotFound)?;
    current.editable_at(expected)?;
    let departement = match &fields.commune {
        Some(c) => Some(
            sqlx::query_scalar::<_, String>("SELECT departement FROM communes WHERE insee = $1")
                .bind(c.as_str())
                .fetch_optional(&s.pool)
                .await
                .map_err(map_err)?
                .ok_or_else(unknown_commune)?,
        ),
        None => None,
    };
    let json = serde_json::to_string(&fields).map_err(internal)?;
    let version = expected + 1;
    // Each copy is sealed for its own row: the report's current facts, and this version.
    let sealed = s.cipher.seal(&place::report_fields(current.id), &json)?;
    let sealed_version = s
        .cipher
        .seal(&place::version_fields(current.id, version), &json)?;
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    let updated = sqlx::query(
        "UPDATE reports SET fields = $1, activity = $2, commune = $3, departement = $4, weapons = $5, version = $6, \
         updated_at = $7 WHERE id = $8 AND version = $9 AND state = $10",
    )
    .bind(sealed)
    .bind(fields.activity.map(|a| a.as_str()))
    .bind(fields.commune.as_ref().map(|c| c.as_str().to_owned()))
    .bind(&departement)
    .bind(fields.weapons)
    .bind(i64::from(version))
    .bind(to_millis(at))
    .bind(current.id.to_string())
    .bind(i64::from(expected))
    .bind(ReportState::InChat.as_str())
    .execute(&mut *tx)
    .await
    .map_err(map_err)?
    .rows_affected();
    if updated != 1 {
        // Changed since it was read: say how, from what is there now.
        drop(tx);
        let now = report_where(s, "conversation_id", case.conversation().to_string())
            .await?
            .ok_or(StoreError::NotFound)?;
        now.editable_at(expected)?;
        return Err(StoreError::VersionConflict {
            expected,
            current: now.version,
        });
    }
    sqlx::query("INSERT INTO report_versions (report_id, version, fields, staff_id, saved_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(current.id.to_string())
        .bind(i64::from(version))
        .bind(sealed_version)
        .bind(case.staff().to_string())
        .bind(to_millis(at))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    write_audit(
        &mut tx,
        &audit(
            case.staff(),
            "save_report",
            format!("report:{}", current.id),
            at,
        ),
    )
    .await?;
    tx.commit().await.map_err(map_err)?;
    Ok(Report {
        version,
        fields,
        departement: departement
            .map(|d| DepartementCode::parse(&d))
            .transpose()
            .map_err(internal)?,
        // As stored (to the millisecond), as a read would give it.
        updated_at: from_millis(to_millis(at)),
        ..current
    })
}

/// Ends the live chat if it is still open: a `closed` event the witness sees.
async fn end_chat(
    c: &ContentCipher,
    tx: &mut Transaction<'_, Postgres>,
    conversation: ConversationId,
    at: Timestamp,
) -> StoreResult<()> {
    let ended = sqlx::query("UPDATE conversations SET state = 'closed', closed_at = $1 WHERE id = $2 AND state != 'closed'")
        .bind(to_millis(at))
        .bind(conversation.to_string())
        .execute(&mut **tx)
        .await
        .map_err(map_err)?
        .rows_affected();
    if ended == 1 {
        crate::dispatch::forget(tx, conversation).await?;
        push_event(
            c,
            tx,
            conversation,
            EventKind::Closed,
            Author::System,
            None,
            None,
            None,
            at,
        )
        .await?;
    }
    Ok(())
}

/// The common end of qualifying and closing: the chat ends, the audit row is written, and the
/// report is read back, all in the caller's transaction, which is then committed.
async fn leave_chat(
    c: &ContentCipher,
    mut tx: Transaction<'_, Postgres>,
    case: &AssignedCase,
    action: &'static str,
    report: ReportId,
    at: Timestamp,
) -> StoreResult<Report> {
    end_chat(c, &mut tx, case.conversation(), at).await?;
    write_audit(
        &mut tx,
        &audit(case.staff(), action, format!("report:{report}"), at),
    )
    .await?;
    let saved = report_in_tx(c, &mut tx, case.conversation()).await?;
    tx.commit().await.map_err(map_err)?;
    Ok(saved)
}

pub(crate) async fn qualify(
    s: &PgStore,
    case: &AssignedCase,
    at: Timestamp,
) -> StoreResult<Report> {
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    let current = report_in_tx(&s.cipher, &mut tx, case.conversation()).await?;
    let next = current.state.transition(ReportState::Qualified)?;
    let missing = current.fields.missing_for_qualification();
    if !missing.is_empty() {
        return Err(StoreError::Invalid(missing));
    }
    let insee = current
        .fields
        .commune
        .as_ref()
        .map(|c| c.as_str().to_owned())
        .unwrap_or_default();
    let departement = commune_departement(&mut tx, &insee)
        .await?
        .ok_or_else(unknown_commune)?;
    // The report's position: the officer's point, else its commune's centroid when the
    // gazetteer has one.
    let point = current.fields.point();
    sqlx::query(
        "UPDATE reports SET state = $1, departement = $2, qualified_at = $3, updated_at = $4, \
         lat = COALESCE($5::DOUBLE PRECISION, (SELECT lat FROM communes WHERE insee = reports.commune)), \
         lon = COALESCE($6::DOUBLE PRECISION, (SELECT lon FROM communes WHERE insee = reports.commune)) WHERE id = $7",
    )
    .bind(next.as_str())
    .bind(&departement)
    .bind(to_millis(at))
    .bind(to_millis(at))
    .bind(point.map(|p| p.0))
    .bind(point.map(|p| p.1))
    .bind(current.id.to_string())
    .execute(&mut *tx)
    .await
    .map_err(map_err)?;
    leave_chat(&s.cipher, tx, case, "qualify_report", current.id, at).await
}

pub(crate) async fn close_case(
    s: &PgStore,
    case: &AssignedCase,
    outcome: CloseOutcome,
    reason: ReasonText,
    at: Timestamp,
) -> StoreResult<Report> {
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    let current = report_in_tx(&s.cipher, &mut tx, case.conversation()).await?;
    let target = match outcome {
        CloseOutcome::RedirectedEmergency => ReportState::RedirectedEmergency,
        CloseOutcome::OutOfScope => ReportState::OutOfScope,
        CloseOutcome::Rejected => ReportState::Rejected,
    };
    let next = current.state.transition(target)?;
    sqlx::query("UPDATE reports SET state = $1, outcome = $2, outcome_reason = $3, updated_at = $4 WHERE id = $5")
        .bind(next.as_str())
        .bind(outcome.as_str())
        .bind(
            s.cipher
                .seal(&place::outcome_reason(current.id), reason.as_str())?,
        )
        .bind(to_millis(at))
        .bind(current.id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    leave_chat(&s.cipher, tx, case, outcome.as_str(), current.id, at).await
}

pub(crate) async fn report_versions(s: &PgStore, id: ReportId) -> StoreResult<Vec<ReportVersion>> {
    let rows = sqlx::query(
        "SELECT v.version, v.saved_at, s.username, v.fields FROM report_versions v JOIN staff s ON s.id = v.staff_id \
         WHERE v.report_id = $1 ORDER BY v.version",
    )
    .bind(id.to_string())
    .fetch_all(&s.pool)
    .await
    .map_err(map_err)?;
    rows.iter()
        .map(|row| {
            let version = u32::try_from(get::<i64>(row, "version")?).unwrap_or(0);
            let fields = s.cipher.open(
                &place::version_fields(id, version),
                &get::<String>(row, "fields")?,
            )?;
            Ok(ReportVersion {
                version,
                saved_at: ts(row, "saved_at")?,
                saved_by: get(row, "username")?,
                fields: serde_json::from_str(&fields).map_err(internal)?,
            })
        })
        .collect()
}

pub(crate) async fn inbox(
    s: &PgStore,
    departements: &[DepartementCode],
    filter: &vigie_store::InboxFilter,
) -> StoreResult<Vec<ReportSummary>> {
    if departements.is_empty() {
        return Ok(Vec::new());
    }
    let marks = (1..=departements.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    // Each filter adds one condition and one bound value, in this order.
    let mut n = departements.len();
    let mut next = || {
        n += 1;
        format!("${}", n)
    };
    let mut conditions = String::new();
    if filter.state.is_some() {
        conditions.push_str(&format!(" AND r.state = {}", next()));
    }
    if filter.commune.is_some() {
        conditions.push_str(&format!(" AND r.commune = {}", next()));
    }
    if filter.activity.is_some() {
        conditions.push_str(&format!(" AND r.activity = {}", next()));
    }
    if filter.qualified_since.is_some() {
        conditions.push_str(&format!(" AND r.qualified_at >= {}", next()));
    }
    let sql = format!(
        "SELECT r.id, r.state, r.activity, r.commune, c.name AS commune_name, r.departement, r.weapons, r.qualified_at \
         FROM reports r LEFT JOIN communes c ON c.insee = r.commune \
         WHERE r.qualified_at IS NOT NULL AND r.departement IN ({marks}){conditions} \
         ORDER BY r.weapons DESC, r.qualified_at DESC"
    );
    let mut query = sqlx::query(&sql);
    for d in departements {
        query = query.bind(d.as_str());
    }
    if let Some(state) = filter.state {
        query = query.bind(state.as_str());
    }
    if let Some(commune) = &filter.commune {
        query = query.bind(commune.as_str().to_owned());
    }
    if let Some(activity) = filter.activity {
        query = query.bind(activity.as_str());
    }
    if let Some(since) = filter.qualified_since {
        query = query.bind(to_millis(since));
    }
    let rows = query.fetch_all(&s.pool).await.map_err(map_err)?;
    rows.iter().map(summary).collect()
}

pub(crate) async fn audit_log(
    s: &PgStore,
    filter: &vigie_store::AuditFilter,
    limit: u32,
) -> StoreResult<Vec<AuditEntry>> {
    // Each filter adds one condition and one bound value, in this order.
    let mut n = 0;
    let mut next = || {
        n += 1;
        format!("${n}")
    };
    let mut sql = String::from(
        "SELECT a.id, a.at, s.username, a.action, a.target, a.purpose FROM audit_log a \
         LEFT JOIN staff s ON s.id = a.staff_id WHERE TRUE",
    );
    if filter.actor.is_some() {
        sql.push_str(&format!(" AND s.username = {}", next()));
    }
    if filter.action.is_some() {
        sql.push_str(&format!(" AND a.action = {}", next()));
    }
    if filter.purpose.is_some() {
        sql.push_str(&format!(" AND a.purpose = {}", next()));
    }
    if filter.since.is_some() {
        sql.push_str(&format!(" AND a.at >= {}", next()));
    }
    if filter.until.is_some() {
        sql.push_str(&format!(" AND a.at < {}", next()));
    }
    sql.push_str(&format!(" ORDER BY a.id DESC LIMIT {}", next()));
    let mut query = sqlx::query(&sql);
    for text in [&filter.actor, &filter.action, &filter.purpose]
        .into_iter()
        .flatten()
    {
        query = query.bind(text.clone());
    }
    for at in [filter.since, filter.until].into_iter().flatten() {
        query = query.bind(to_millis(at));
    }
    let rows = query
        .bind(i64::from(limit))
        .fetch_all(&s.pool)
        .await
        .map_err(map_err)?;
    rows.iter()
        .map(|row| {
            Ok(AuditEntry {
                id: get(row, "id")?,
                at: ts(row, "at")?,
                actor: get(row, "username")?,
                action: get(row, "action")?,
                target: get(row, "target")?,
                purpose: get(row, "purpose")?,
            })
        })
        .collect()
}

/// A report as lists show it (inbox, a point de deal's reports).
pub(crate) fn summary(row: &PgRow) -> StoreResult<ReportSummary> {
    Ok(ReportSummary {
        id: parse(row, "id")?,
        state: enum_col(row, "state", ReportState::parse)?,
        activity: get::<Option<String>>(row, "activity")?
            .and_then(|a| vigie_domain::report::Activity::parse(&a)),
        commune: get::<Option<String>>(row, "commune")?
            .map(|c| vigie_domain::InseeCode::parse(&c))
            .transpose()
            .map_err(internal)?,
        commune_name: get(row, "commune_name")?,
        departement: get::<Option<String>>(row, "departement")?
            .map(|d| DepartementCode::parse(&d))
            .transpose()
            .map_err(internal)?,
        weapons: get(row, "weapons")?,
        qualified_at: opt_ts(row, "qualified_at")?,
    })
}

pub(crate) async fn block_conversation(
    s: &PgStore,
    case: &AssignedCase,
    reason: ReasonText,
    at: Timestamp,
) -> StoreResult<Conversation> {
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    let conversation = case.conversation().to_string();
    // The row lock (the one a witness's send takes too) orders the block and concurrent sends:
    // a send lands before the block or is refused after it.
    let row = sqlx::query(&format!(
        "SELECT {} FROM conversations WHERE id = $1 FOR NO KEY UPDATE",
        crate::witness::CONVERSATION_COLS
    ))
    .bind(&conversation)
    .fetch_optional(&mut *tx)
    .await
    .map_err(map_err)?
    .ok_or(StoreError::NotFound)?;
    let mut found = decode::conversation(&row)?;
    if found.blocked_at.is_none() {
        sqlx::query("UPDATE conversations SET blocked_at = $1, blocked_reason = $2 WHERE id = $3")
            .bind(to_millis(at))
            .bind(
                s.cipher
                    .seal(&place::blocked_reason(&conversation), reason.as_str())?,
            )
            .bind(&conversation)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        write_audit(
            &mut tx,
            &audit(
                case.staff(),
                "block_conversation",
                format!("conversation:{conversation}"),
                at,
            ),
        )
        .await?;
        found.blocked_at = Some(vigie_domain::clock::from_millis(to_millis(at)));
    }
    tx.commit().await.map_err(map_err)?;
    Ok(found)
}
