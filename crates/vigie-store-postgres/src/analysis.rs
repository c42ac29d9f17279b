//! The intelligence cell's work on a routed report: grading, checks, conclusion. Each change
//! is one transaction with its audit row; the state machine decides what is allowed.

use crate::cases::{audit, report, write_audit, REPORT_COLS};
use crate::decode::{enum_col, get, ts};
use crate::{map_err, PgStore};
use sqlx::{Postgres, Transaction};
use vigie_domain::clock::to_millis;
use vigie_domain::report::{CheckKind, Conclusion, FieldErrors, Grading};
use vigie_domain::{ReasonText, ReportId, ReportState, StaffId, Timestamp, TransitionError};
use vigie_store::{place, Check, ContentCipher, Report, RoutedReport, StoreError, StoreResult};

pub(crate) async fn load(
    c: &ContentCipher,
    tx: &mut Transaction<'_, Postgres>,
    id: ReportId,
) -> StoreResult<Report> {
    let row = sqlx::query(&format!(
        "SELECT {REPORT_COLS} FROM reports WHERE id = $1 FOR UPDATE"
    ))
    .bind(id.to_string())
    .fetch_optional(&mut **tx)
    .await
    .map_err(map_err)?
    .ok_or(StoreError::NotFound)?;
    report(c, &row)
}

async fn check_count(tx: &mut Transaction<'_, Postgres>, id: ReportId) -> StoreResult<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM report_checks WHERE report_id = $1")
        .bind(id.to_string())
        .fetch_one(&mut **tx)
        .await
        .map_err(map_err)
}

pub(crate) fn analysis_audit(
    by: StaffId,
    action: &'static str,
    id: ReportId,
    at: Timestamp,
) -> vigie_store::NewAudit {
    vigie_store::NewAudit {
        purpose: "analysis",
        ..audit(by, action, format!("report:{id}"), at)
    }
}

pub(crate) async fn grade(
    s: &PgStore,
    routed: &RoutedReport,
    by: StaffId,
    grading: Grading,
    assessment: Option<ReasonText>,
    at: Timestamp,
) -> StoreResult<Report> {
    use ReportState as S;
    let id = routed.report().id;
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    let current = load(&s.cipher, &mut tx, id).await?;
    let next = match current.state {
        S::Qualified => current.state.transition(S::Graded)?,
        // Grading can be revised while the cell works on the report.
        S::Graded | S::Routed | S::Corroborating | S::Corroborated | S::Unconfirmed => {
            current.state
        }
        from => {
            return Err(TransitionError {
                from,
                to: S::Graded,
            }
            .into())
        }
    };
    if grading.claims_confirmation() && check_count(&mut tx, id).await? == 0 {
        let mut e = FieldErrors::default();
        e.add("credibility", "confirmation-needs-checks");
        return Err(StoreError::Invalid(e));
    }
    sqlx::query(
        "UPDATE reports SET state = $1, grading_source = $2, grading_credibility = $3, handling_code = $4, \
         assessment = $5, updated_at = $6 WHERE id = $7",
    )
    .bind(next.as_str())
    .bind(grading.source.as_str())
    .bind(grading.credibility.as_str())
    .bind(grading.handling.as_str())
    .bind(s.cipher.seal_opt(
        &place::assessment(id),
        assessment.as_ref().map(ReasonText::as_str),
    )?)
    .bind(to_millis(at))
    .bind(id.to_string())
    .execute(&mut *tx)
    .await
    .map_err(map_err)?;
    write_audit(&mut tx, &analysis_audit(by, "grade_report", id, at)).await?;
    let saved = load(&s.cipher, &mut tx, id).await?;
    tx.commit().await.map_err(map_err)?;
    Ok(saved)
}

pub(crate) async fn record_check(
    s: &PgStore,
    routed: &RoutedReport,
    by: StaffId,
    kind: CheckKind,
    result: ReasonText,
    at: Timestamp,
) -> StoreResult<Check> {
    use ReportState as S;
    let id = routed.report().id;
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    let current = load(&s.cipher, &mut tx, id).await?;
    let next = match current.state {
        S::Corroborating => S::Corroborating,
        from => from.transition(S::Corroborating)?,
    };
    sqlx::query("UPDATE reports SET state = $1, review_on = NULL, updated_at = $2 WHERE id = $3")
        .bind(next.as_str())
        .bind(to_millis(at))
        .bind(id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    // The sealed result names its row, so the row is made first (empty) and then filled.
    let check_id: i64 = sqlx::query_scalar(
        "INSERT INTO report_checks (report_id, kind, result, staff_id, at) VALUES ($1, $2, '', $3, $4) RETURNING id",
    )
    .bind(id.to_string())
    .bind(kind.as_str())
    .bind(by.to_string())
    .bind(to_millis(at))
    .fetch_one(&mut *tx)
    .await
    .map_err(map_err)?;
    sqlx::query("UPDATE report_checks SET result = $1 WHERE id = $2")
        .bind(
            s.cipher
                .seal(&place::check_result(id, check_id), result.as_str())?,
        )
        .bind(check_id)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    write_audit(&mut tx, &analysis_audit(by, "record_check", id, at)).await?;
    let username: String = sqlx::query_scalar("SELECT username FROM staff WHERE id = $1")
        .bind(by.to_string())
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
    tx.commit().await.map_err(map_err)?;
    Ok(Check {
        id: check_id,
        kind,
        result: result.into_inner(),
        by: username,
        at,
    })
}

pub(crate) async fn checks(s: &PgStore, id: ReportId) -> StoreResult<Vec<Check>> {
    let rows = sqlx::query(
        "SELECT c.id, c.kind, c.result, s.username, c.at FROM report_checks c JOIN staff s ON s.id = c.staff_id \
         WHERE c.report_id = $1 ORDER BY c.id",
    )
    .bind(id.to_string())
    .fetch_all(&s.pool)
    .await
    .map_err(map_err)?;
    rows.iter()
        .map(|row| {
            let check_id: i64 = get(row, "id")?;
            let result: String = get(row, "result")?;
            Ok(Check {
                id: check_id,
                kind: enum_col(row, "kind", CheckKind::parse)?,
                result: s.cipher.open(&place::check_result(id, check_id), &result)?,
                by: get(row, "username")?,
                at: ts(row, "at")?,
            })
        })
        .collect()
}

pub(crate) async fn conclude(
    s: &PgStore,
    routed: &RoutedReport,
    by: StaffId,
    conclusion: Conclusion,
    at: Timestamp,
) -> StoreResult<Report> {
    let id = routed.report().id;
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    let current = load(&s.cipher, &mut tx, id).await?;
    let (target, review_on, action) = match conclusion {
        Conclusion::Corroborated => (ReportState::Corroborated, None, "conclude_corroborated"),
        Conclusion::Unconfirmed { review_on } => (
            ReportState::Unconfirmed,
            Some(review_on.to_string()),
            "conclude_unconfirmed",
        ),
    };
    // `corroborating` is reached only by recording a check, so a corroborated report always
    // rests on at least one.
    let next = current.state.transition(target)?;
    sqlx::query("UPDATE reports SET state = $1, review_on = $2, updated_at = $3 WHERE id = $4")
        .bind(next.as_str())
        .bind(review_on)
        .bind(to_millis(at))
        .bind(id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    write_audit(&mut tx, &analysis_audit(by, action, id, at)).await?;
    let saved = load(&s.cipher, &mut tx, id).await?;
    tx.commit().await.map_err(map_err)?;
    Ok(saved)
}
