//! From the cell to the units: the sanitised dossier, acknowledgement, typed outcomes, closing,
//! and follow-up questions put to the witness. One transaction per change, with its audit row;
//! the report's state machine decides what is allowed.

use crate::analysis::{analysis_audit, load};
use crate::cases::write_audit;
use crate::decode::{enum_col, event_body, get, opt_ts, parse, ts};
use crate::witness::push_event;
use crate::{internal, map_err, SqliteStore};
use sqlx::sqlite::SqliteRow;
use sqlx::{Sqlite, Transaction};
use vigie_domain::chain::Outcome;
use vigie_domain::clock::to_millis;
use vigie_domain::report::{CheckKind, FieldErrors};
use vigie_domain::{
    Author, DisseminationId, EventKind, MessageBody, ReportId, ReportState, StaffId, Timestamp,
    UnitId,
};
use vigie_store::{
    place, Appended, ContentCipher, Dissemination, Dossier, Excerpt, FollowUp, NewAudit,
    NewDissemination, OutcomeRecord, Report, RoutedReport, StoreError, StoreResult, UnitDossier,
};

fn invalid(field: &'static str, code: &'static str) -> StoreError {
    let mut e = FieldErrors::default();
    e.add(field, code);
    StoreError::Invalid(e)
}

/// Builds the dossier inside the transaction, from what is committed: never the conversation,
/// the receipt, notes or field provenance.
async fn assemble(
    c: &ContentCipher,
    tx: &mut Transaction<'_, Sqlite>,
    report: &Report,
    excerpts: &[u64],
) -> StoreResult<Dossier> {
    let checks =
        sqlx::query("SELECT id, kind, result FROM report_checks WHERE report_id = ? ORDER BY id")
            .bind(report.id.to_string())
            .fetch_all(&mut **tx)
            .await
            .map_err(map_err)?
            .iter()
            .map(|row| {
                Ok((
                    enum_col(row, "kind", CheckKind::parse)?,
                    c.open(
                        &place::check_result(report.id, get::<i64>(row, "id")?),
                        &get::<String>(row, "result")?,
                    )?,
                ))
            })
            .collect::<StoreResult<Vec<(CheckKind, String)>>>()?;
    let mut chosen = Vec::new();
    for seq in excerpts {
        let row = sqlx::query(
            "SELECT author, body, at FROM events WHERE conversation_id = ? AND seq = ? AND kind = 'message'",
        )
        .bind(report.conversation.to_string())
        .bind(i64::try_from(*seq).unwrap_or(i64::MAX))
        .fetch_optional(&mut **tx)
        .await
        .map_err(map_err)?
        .ok_or_else(|| invalid("excerpts", "excerpt-unknown"))?;
        chosen.push(Excerpt {
            author: get(&row, "author")?,
            text: event_body(
                c,
                report.conversation,
                i64::try_from(*seq).unwrap_or(i64::MAX),
                get(&row, "body")?,
            )?
            .unwrap_or_default(),
            at: ts(&row, "at")?,
        });
    }
    let place = sqlx::query(
        "SELECT c.name AS commune_name, r.lat, r.lon, p.label FROM reports r \
         LEFT JOIN communes c ON c.insee = r.commune LEFT JOIN deal_points p ON p.id = r.deal_point_id \
         WHERE r.id = ?",
    )
    .bind(report.id.to_string())
    .fetch_one(&mut **tx)
    .await
    .map_err(map_err)?;
    let mut fields = report.fields.clone();
    fields.sources.clear();
    let lat: Option<f64> = get(&place, "lat")?;
    let lon: Option<f64> = get(&place, "lon")?;
    Ok(Dossier {
        report: report.id,
        departement: report.departement.clone(),
        commune_name: get(&place, "commune_name")?,
        position: lat.zip(lon),
        fields,
        grading: report.grading,
        assessment: report.assessment.clone(),
        conclusion: report.state,
        review_on: report.review_on,
        checks,
        excerpts: chosen,
        deal_point: get(&place, "label")?,
        qualified_at: report.qualified_at,
    })
}

/// Moves a report to a state the caller has checked with the state machine.
async fn move_to(
    tx: &mut Transaction<'_, Sqlite>,
    id: ReportId,
    state: ReportState,
    at: Timestamp,
) -> StoreResult<()> {
    sqlx::query("UPDATE reports SET state = ?, updated_at = ? WHERE id = ?")
        .bind(state.as_str())
        .bind(to_millis(at))
        .bind(id.to_string())
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
    Ok(())
}

const DISSEMINATION_SELECT: &str =
    "SELECT d.id, d.report_id, d.unit_id, u.name AS unit_name, s.username, d.at, \
     d.dossier, d.acknowledged_at, a.username AS acknowledged_by FROM disseminations d \
     JOIN units u ON u.id = d.unit_id JOIN staff s ON s.id = d.staff_id \
     LEFT JOIN staff a ON a.id = d.acknowledged_by";

fn dissemination_row(
    c: &ContentCipher,
    row: &SqliteRow,
    outcomes: Vec<OutcomeRecord>,
) -> StoreResult<Dissemination> {
    let id: DisseminationId = parse(row, "id")?;
    let dossier = c.open(&place::dossier(id), &get::<String>(row, "dossier")?)?;
    Ok(Dissemination {
        id,
        report: parse(row, "report_id")?,
        unit: parse(row, "unit_id")?,
        unit_name: get(row, "unit_name")?,
        by: get(row, "username")?,
        at: ts(row, "at")?,
        dossier: serde_json::from_str(&dossier).map_err(internal)?,
        acknowledged_at: opt_ts(row, "acknowledged_at")?,
        acknowledged_by: get(row, "acknowledged_by")?,
        outcomes,
    })
}

async fn outcomes_of<'c, E>(conn: E, dissemination: &str) -> StoreResult<Vec<OutcomeRecord>>
where
    E: sqlx::Executor<'c, Database = Sqlite>,
{
    sqlx::query(
        "SELECT o.id, o.detail, s.username, o.at FROM outcomes o JOIN staff s ON s.id = o.staff_id \
         WHERE o.dissemination_id = ? ORDER BY o.id",
    )
    .bind(dissemination)
    .fetch_all(conn)
    .await
    .map_err(map_err)?
    .iter()
    .map(|row| {
        let detail: String = get(row, "detail")?;
        Ok(OutcomeRecord {
            id: get(row, "id")?,
            outcome: serde_json::from_str(&detail).map_err(internal)?,
            by: get(row, "username")?,
            at: ts(row, "at")?,
        })
    })
    .collect()
}

async fn select_where(
    s: &SqliteStore,
    condition: &str,
    value: String,
) -> StoreResult<Vec<Dissemination>> {
    let rows = sqlx::query(&format!(
        "{DISSEMINATION_SELECT} WHERE {condition} ORDER BY d.at DESC"
    ))
    .bind(value)
    .fetch_all(&s.read)
    .await
    .map_err(map_err)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let id: String = get(row, "id")?;
        out.push(dissemination_row(
            &s.cipher,
            row,
            outcomes_of(&s.read, &id).await?,
        )?);
    }
    Ok(out)
}

pub(crate) async fn of_report(s: &SqliteStore, id: ReportId) -> StoreResult<Vec<Dissemination>> {
    select_where(s, "d.report_id = ?", id.to_string()).await
}

pub(crate) async fn to_unit(s: &SqliteStore, unit: UnitId) -> StoreResult<Vec<Dissemination>> {
    select_where(s, "d.unit_id = ?", unit.to_string()).await
}

pub(crate) async fn one(
    s: &SqliteStore,
    id: DisseminationId,
) -> StoreResult<Option<Dissemination>> {
    Ok(select_where(s, "d.id = ?", id.to_string())
        .await?
        .into_iter()
        .next())
}

pub(crate) async fn disseminate(
    s: &SqliteStore,
    routed: &RoutedReport,
    by: StaffId,
    new: NewDissemination,
    at: Timestamp,
) -> StoreResult<Dissemination> {
    use ReportState as S;
    let id = routed.report().id;
    let mut tx = s.write.begin().await.map_err(map_err)?;
    let current = load(&s.cipher, &mut tx, id).await?;
    // The first sending moves a concluded report on; later ones (another unit) keep its state.
    let next = match current.state {
        S::Disseminated | S::Acknowledged | S::OutcomeRecorded => current.state,
        from => from.transition(S::Disseminated)?,
    };
    let departement = current.departement.clone().ok_or(StoreError::NotFound)?;
    let routed_to: Option<String> = sqlx::query_scalar(
        "SELECT unit_id FROM unit_departements WHERE unit_id = ? AND departement = ?",
    )
    .bind(new.unit.to_string())
    .bind(departement.as_str())
    .fetch_optional(&mut *tx)
    .await
    .map_err(map_err)?;
    if routed_to.is_none() {
        return Err(invalid("unit", "unit-not-routed"));
    }
    // The dossier carries the conclusion the report reached, never a better one.
    let concluded = Report {
        state: match current.state {
            S::Corroborated | S::Unconfirmed => current.state,
            _ => {
                // The dossier is sealed: read the first one and open it here.
                let prior = sqlx::query(
                    "SELECT id, dossier FROM disseminations WHERE report_id = ? ORDER BY at LIMIT 1",
                )
                .bind(id.to_string())
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?
                .ok_or_else(|| internal("disseminated report without a prior dossier"))?;
                let prior_id: DisseminationId = parse(&prior, "id")?;
                let dossier: Dossier = serde_json::from_str(&s.cipher.open(
                    &place::dossier(prior_id),
                    &get::<String>(&prior, "dossier")?,
                )?)
                .map_err(internal)?;
                dossier.conclusion
            }
        },
        ..current.clone()
    };
    let dossier = assemble(&s.cipher, &mut tx, &concluded, &new.excerpts).await?;
    sqlx::query(
        "INSERT INTO disseminations (id, report_id, unit_id, staff_id, at, dossier) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(new.id.to_string())
    .bind(id.to_string())
    .bind(new.unit.to_string())
    .bind(by.to_string())
    .bind(to_millis(at))
    .bind(s.cipher.seal(
        &place::dossier(new.id),
        &serde_json::to_string(&dossier).map_err(internal)?,
    )?)
    .execute(&mut *tx)
    .await
    .map_err(map_err)?;
    move_to(&mut tx, id, next, at).await?;
    write_audit(
        &mut tx,
        &NewAudit {
            purpose: "dissemination",
            ..analysis_audit(by, "disseminate", id, at)
        },
    )
    .await?;
    if !new.excerpts.is_empty() {
        write_audit(
            &mut tx,
            &NewAudit {
                purpose: "dissemination",
                ..analysis_audit(by, "read_transcript", id, at)
            },
        )
        .await?;
    }
    tx.commit().await.map_err(map_err)?;
    one(s, new.id).await?.ok_or(StoreError::NotFound)
}

pub(crate) async fn acknowledge(
    s: &SqliteStore,
    dossier: &UnitDossier,
    by: StaffId,
    at: Timestamp,
) -> StoreResult<Dissemination> {
    let d = dossier.dissemination();
    let mut tx = s.write.begin().await.map_err(map_err)?;
    let current = load(&s.cipher, &mut tx, d.report).await?;
    let done: u64 = sqlx::query(
        "UPDATE disseminations SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ? AND acknowledged_at IS NULL",
    )
    .bind(to_millis(at))
    .bind(by.to_string())
    .bind(d.id.to_string())
    .execute(&mut *tx)
    .await
    .map_err(map_err)?
    .rows_affected();
    if done == 0 {
        return Err(StoreError::Conflict("already-acknowledged"));
    }
    if current.state == ReportState::Disseminated {
        let next = current.state.transition(ReportState::Acknowledged)?;
        move_to(&mut tx, d.report, next, at).await?;
    }
    write_audit(
        &mut tx,
        &NewAudit {
            purpose: "investigation",
            ..analysis_audit(by, "acknowledge", d.report, at)
        },
    )
    .await?;
    tx.commit().await.map_err(map_err)?;
    one(s, d.id).await?.ok_or(StoreError::NotFound)
}

pub(crate) async fn record_outcome(
    s: &SqliteStore,
    dossier: &UnitDossier,
    by: StaffId,
    outcome: Outcome,
    at: Timestamp,
) -> StoreResult<OutcomeRecord> {
    use ReportState as S;
    let d = dossier.dissemination();
    let mut tx = s.write.begin().await.map_err(map_err)?;
    let current = load(&s.cipher, &mut tx, d.report).await?;
    let acknowledged: Option<i64> =
        sqlx::query_scalar("SELECT acknowledged_at FROM disseminations WHERE id = ?")
            .bind(d.id.to_string())
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
    if acknowledged.is_none() {
        return Err(StoreError::Conflict("not-acknowledged"));
    }
    let next = current.state.transition(S::OutcomeRecorded)?;
    let (product, quantity, unit) = match &outcome {
        Outcome::Seizure {
            product,
            quantity,
            unit,
        } => (Some(product.as_str()), Some(*quantity), Some(unit.as_str())),
        _ => (None, None, None),
    };
    let outcome_id: i64 = sqlx::query_scalar(
        "INSERT INTO outcomes (dissemination_id, report_id, kind, detail, count, product, quantity, unit, staff_id, at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(d.id.to_string())
    .bind(d.report.to_string())
    .bind(outcome.kind().as_str())
    .bind(serde_json::to_string(&outcome).map_err(internal)?)
    .bind(outcome.count().map(i64::from))
    .bind(product)
    .bind(quantity)
    .bind(unit)
    .bind(by.to_string())
    .bind(to_millis(at))
    .fetch_one(&mut *tx)
    .await
    .map_err(map_err)?;
    move_to(&mut tx, d.report, next, at).await?;
    // The outcome also belongs to the spot's history.
    sqlx::query(
        "INSERT INTO deal_point_history (deal_point_id, at, staff_id, action, detail) \
         SELECT deal_point_id, ?, ?, 'outcome', ? FROM reports WHERE id = ? AND deal_point_id IS NOT NULL",
    )
    .bind(to_millis(at))
    .bind(by.to_string())
    .bind(serde_json::to_string(&outcome).map_err(internal)?)
    .bind(d.report.to_string())
    .execute(&mut *tx)
    .await
    .map_err(map_err)?;
    write_audit(
        &mut tx,
        &NewAudit {
            purpose: "investigation",
            ..analysis_audit(by, "record_outcome", d.report, at)
        },
    )
    .await?;
    let username: String = sqlx::query_scalar("SELECT username FROM staff WHERE id = ?")
        .bind(by.to_string())
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
    tx.commit().await.map_err(map_err)?;
    Ok(OutcomeRecord {
        id: outcome_id,
        outcome,
        by: username,
        at,
    })
}

pub(crate) async fn close_report(
    s: &SqliteStore,
    routed: &RoutedReport,
    by: StaffId,
    at: Timestamp,
) -> StoreResult<Report> {
    let id = routed.report().id;
    let mut tx = s.write.begin().await.map_err(map_err)?;
    let current = load(&s.cipher, &mut tx, id).await?;
    let next = current.state.transition(ReportState::Closed)?;
    move_to(&mut tx, id, next, at).await?;
    write_audit(&mut tx, &analysis_audit(by, "close_report", id, at)).await?;
    let saved = load(&s.cipher, &mut tx, id).await?;
    tx.commit().await.map_err(map_err)?;
    Ok(saved)
}

pub(crate) async fn ask_follow_up(
    s: &SqliteStore,
    routed: &RoutedReport,
    by: StaffId,
    question: MessageBody,
    at: Timestamp,
) -> StoreResult<(FollowUp, Appended)> {
    let report = routed.report();
    let mut tx = s.write.begin().await.map_err(map_err)?;
    let current = load(&s.cipher, &mut tx, report.id).await?;
    if matches!(current.state, ReportState::Closed | ReportState::Purged) {
        return Err(StoreError::Closed);
    }
    let pending: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM follow_ups WHERE report_id = ? AND answer_seq IS NULL LIMIT 1",
    )
    .bind(report.id.to_string())
    .fetch_optional(&mut *tx)
    .await
    .map_err(map_err)?;
    if pending.is_some() {
        return Err(StoreError::Conflict("question-pending"));
    }
    let event = push_event(
        &s.cipher,
        &mut tx,
        report.conversation,
        EventKind::Message,
        Author::Officer,
        Some(by.to_string()),
        None,
        Some(question.as_str()),
        at,
    )
    .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO follow_ups (report_id, conversation_id, question_seq, staff_id, asked_at) \
         VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(report.id.to_string())
    .bind(report.conversation.to_string())
    .bind(i64::try_from(event.seq).unwrap_or(i64::MAX))
    .bind(by.to_string())
    .bind(to_millis(at))
    .fetch_one(&mut *tx)
    .await
    .map_err(map_err)?;
    write_audit(&mut tx, &analysis_audit(by, "ask_follow_up", report.id, at)).await?;
    tx.commit().await.map_err(map_err)?;
    let asked = follow_ups(s, report.id)
        .await?
        .into_iter()
        .find(|f| f.id == id)
        .ok_or(StoreError::NotFound)?;
    Ok((
        asked,
        Appended {
            seq: event.seq,
            duplicate: false,
        },
    ))
}

pub(crate) async fn follow_ups(s: &SqliteStore, report: ReportId) -> StoreResult<Vec<FollowUp>> {
    let rows = sqlx::query(
        "SELECT f.id, f.conversation_id, f.question_seq, f.answer_seq, q.body AS question, s.username, \
         f.asked_at, a.body AS answer, f.answered_at \
         FROM follow_ups f JOIN staff s ON s.id = f.staff_id \
         JOIN events q ON q.conversation_id = f.conversation_id AND q.seq = f.question_seq \
         LEFT JOIN events a ON a.conversation_id = f.conversation_id AND a.seq = f.answer_seq \
         WHERE f.report_id = ? ORDER BY f.id",
    )
    .bind(report.to_string())
    .fetch_all(&s.read)
    .await
    .map_err(map_err)?;
    rows.iter()
        .map(|row| {
            let conversation: String = get(row, "conversation_id")?;
            let answer = match get::<Option<i64>>(row, "answer_seq")? {
                Some(seq) => event_body(&s.cipher, &conversation, seq, get(row, "answer")?)?,
                None => None,
            };
            Ok(FollowUp {
                id: get(row, "id")?,
                question: event_body(
                    &s.cipher,
                    &conversation,
                    get(row, "question_seq")?,
                    get(row, "question")?,
                )?
                .unwrap_or_default(),
                asked_by: get(row, "username")?,
                asked_at: ts(row, "asked_at")?,
                answer,
                answered_at: opt_ts(row, "answered_at")?,
            })
        })
        .collect()
}
