//! Points de deal: dealing spots that several reports describe, with a position, a status and a
//! history. Linking a report and changing a status are transactions with their audit rows;
//! linking locks the report row, a status change locks the point's row.

use crate::analysis::{analysis_audit, load};
use crate::cases::write_audit;
use crate::decode::{enum_col, get, parse, ts};
use crate::{internal, map_err, PgStore};
use sqlx::postgres::PgRow;
use sqlx::{Postgres, Transaction};
use vigie_domain::chain::DealPointStatus;
use vigie_domain::clock::to_millis;
use vigie_domain::{
    DealPointId, DepartementCode, ReportFields, ReportId, ReportState, StaffId, Timestamp,
};
use vigie_store::{
    place, ContentCipher, DealPoint, DealPointEvent, NewAudit, NewDealPoint, ReportSummary,
    RoutedReport, StoreError, StoreResult,
};

const POINT_SELECT: &str =
    "SELECT p.id, p.label, p.departement, p.commune, c.name AS commune_name, p.lat, p.lon, \
     p.status, p.profile, p.created_at, p.updated_at, \
     (SELECT COUNT(*) FROM reports r WHERE r.deal_point_id = p.id) AS reports \
     FROM deal_points p LEFT JOIN communes c ON c.insee = p.commune";

fn point_row(c: &ContentCipher, row: &PgRow) -> StoreResult<DealPoint> {
    let lat: Option<f64> = get(row, "lat")?;
    let lon: Option<f64> = get(row, "lon")?;
    let id: DealPointId = parse(row, "id")?;
    let profile = c.open(&place::point_profile(id), &get::<String>(row, "profile")?)?;
    Ok(DealPoint {
        id,
        label: get(row, "label")?,
        departement: parse(row, "departement")?,
        commune: get::<Option<String>>(row, "commune")?
            .map(|c| vigie_domain::InseeCode::parse(&c))
            .transpose()
            .map_err(internal)?,
        commune_name: get(row, "commune_name")?,
        position: lat.zip(lon),
        status: enum_col(row, "status", DealPointStatus::parse)?,
        profile: serde_json::from_str(&profile).map_err(internal)?,
        reports: u32::try_from(get::<i64>(row, "reports")?).unwrap_or(0),
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
    })
}

async fn point_in_tx(
    c: &ContentCipher,
    tx: &mut Transaction<'_, Postgres>,
    id: DealPointId,
) -> StoreResult<DealPoint> {
    let row = sqlx::query(&format!("{POINT_SELECT} WHERE p.id = $1"))
        .bind(id.to_string())
        .fetch_optional(&mut **tx)
        .await
        .map_err(map_err)?
        .ok_or(StoreError::NotFound)?;
    point_row(c, &row)
}

async fn history(
    tx: &mut Transaction<'_, Postgres>,
    point: DealPointId,
    by: StaffId,
    action: &str,
    detail: &str,
    at: Timestamp,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO deal_point_history (deal_point_id, at, staff_id, action, detail) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(point.to_string())
    .bind(to_millis(at))
    .bind(by.to_string())
    .bind(action)
    .bind(detail)
    .execute(&mut **tx)
    .await
    .map_err(map_err)?;
    Ok(())
}

/// Only the place and the time pattern are kept on the point, for matching later reports.
fn profile_of(fields: &ReportFields) -> ReportFields {
    ReportFields {
        activity: fields.activity,
        commune: fields.commune.clone(),
        place: fields.place.clone(),
        days: fields.days.clone(),
        hours_from: fields.hours_from.clone(),
        hours_to: fields.hours_to.clone(),
        frequency: fields.frequency,
        ..ReportFields::default()
    }
}

fn linkable(state: ReportState) -> bool {
    !matches!(
        state,
        ReportState::InChat | ReportState::Closed | ReportState::Purged
    )
}

fn not_linkable(state: ReportState) -> StoreError {
    vigie_domain::TransitionError {
        from: state,
        to: state,
    }
    .into()
}

async fn link(
    tx: &mut Transaction<'_, Postgres>,
    report: ReportId,
    point: DealPointId,
    by: StaffId,
    at: Timestamp,
) -> StoreResult<()> {
    sqlx::query("UPDATE reports SET deal_point_id = $1, updated_at = $2 WHERE id = $3")
        .bind(point.to_string())
        .bind(to_millis(at))
        .bind(report.to_string())
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
    sqlx::query("UPDATE deal_points SET updated_at = $1 WHERE id = $2")
        .bind(to_millis(at))
        .bind(point.to_string())
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
    history(tx, point, by, "linked", &format!("report:{report}"), at).await?;
    write_audit(
        tx,
        &NewAudit {
            target: format!("report:{report}"),
            ..analysis_audit(by, "link_deal_point", report, at)
        },
    )
    .await
}

pub(crate) async fn create(
    s: &PgStore,
    routed: &RoutedReport,
    by: StaffId,
    new: NewDealPoint,
    at: Timestamp,
) -> StoreResult<DealPoint> {
    let id = routed.report().id;
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    let current = load(&s.cipher, &mut tx, id).await?;
    if !linkable(current.state) {
        return Err(not_linkable(current.state));
    }
    let departement = current.departement.clone().ok_or(StoreError::NotFound)?;
    let place = sqlx::query("SELECT commune, lat, lon FROM reports WHERE id = $1")
        .bind(id.to_string())
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
    sqlx::query(
        "INSERT INTO deal_points (id, label, departement, commune, lat, lon, status, profile, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8, $9)",
    )
    .bind(new.id.to_string())
    .bind(new.label.as_str())
    .bind(departement.as_str())
    .bind(get::<Option<String>>(&place, "commune")?)
    .bind(get::<Option<f64>>(&place, "lat")?)
    .bind(get::<Option<f64>>(&place, "lon")?)
    .bind(s.cipher.seal(
        &place::point_profile(new.id),
        &serde_json::to_string(&profile_of(&current.fields)).map_err(internal)?,
    )?)
    .bind(to_millis(at))
    .bind(to_millis(at))
    .execute(&mut *tx)
    .await
    .map_err(map_err)?;
    history(&mut tx, new.id, by, "created", new.label.as_str(), at).await?;
    link(&mut tx, id, new.id, by, at).await?;
    let point = point_in_tx(&s.cipher, &mut tx, new.id).await?;
    tx.commit().await.map_err(map_err)?;
    Ok(point)
}

pub(crate) async fn link_existing(
    s: &PgStore,
    routed: &RoutedReport,
    point: DealPointId,
    by: StaffId,
    at: Timestamp,
) -> StoreResult<DealPoint> {
    let id = routed.report().id;
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    let current = load(&s.cipher, &mut tx, id).await?;
    if !linkable(current.state) {
        return Err(not_linkable(current.state));
    }
    let found = point_in_tx(&s.cipher, &mut tx, point).await?;
    if Some(&found.departement) != current.departement.as_ref() {
        // A point of another département is none of this report's business.
        return Err(StoreError::NotFound);
    }
    link(&mut tx, id, point, by, at).await?;
    let saved = point_in_tx(&s.cipher, &mut tx, point).await?;
    tx.commit().await.map_err(map_err)?;
    Ok(saved)
}

pub(crate) async fn set_status(
    s: &PgStore,
    point: DealPointId,
    status: DealPointStatus,
    by: StaffId,
    at: Timestamp,
) -> StoreResult<DealPoint> {
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    // No report here: the point's row is what concurrent status changes take turns on.
    let current: Option<String> =
        sqlx::query_scalar("SELECT status FROM deal_points WHERE id = $1 FOR NO KEY UPDATE")
            .bind(point.to_string())
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
    let current = current.ok_or(StoreError::NotFound)?;
    if current != status.as_str() {
        sqlx::query("UPDATE deal_points SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(status.as_str())
            .bind(to_millis(at))
            .bind(point.to_string())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        history(&mut tx, point, by, "status", status.as_str(), at).await?;
        write_audit(
            &mut tx,
            &NewAudit {
                actor: Some(by),
                action: "set_deal_point_status",
                target: format!("deal_point:{point}"),
                purpose: "analysis",
                at,
            },
        )
        .await?;
    }
    let saved = point_in_tx(&s.cipher, &mut tx, point).await?;
    tx.commit().await.map_err(map_err)?;
    Ok(saved)
}

pub(crate) async fn list(
    s: &PgStore,
    departements: &[DepartementCode],
) -> StoreResult<Vec<DealPoint>> {
    if departements.is_empty() {
        return Ok(Vec::new());
    }
    let codes: Vec<String> = departements.iter().map(|d| d.as_str().to_owned()).collect();
    let rows = sqlx::query(&format!(
        "{POINT_SELECT} WHERE p.departement = ANY($1) ORDER BY p.updated_at DESC"
    ))
    .bind(codes)
    .fetch_all(&s.pool)
    .await
    .map_err(map_err)?;
    rows.iter().map(|r| point_row(&s.cipher, r)).collect()
}

pub(crate) async fn one(s: &PgStore, id: DealPointId) -> StoreResult<Option<DealPoint>> {
    let row = sqlx::query(&format!("{POINT_SELECT} WHERE p.id = $1"))
        .bind(id.to_string())
        .fetch_optional(&s.pool)
        .await
        .map_err(map_err)?;
    row.as_ref().map(|r| point_row(&s.cipher, r)).transpose()
}

pub(crate) async fn point_history(
    s: &PgStore,
    id: DealPointId,
) -> StoreResult<Vec<DealPointEvent>> {
    let rows = sqlx::query(
        "SELECT h.at, s.username, h.action, h.detail FROM deal_point_history h \
         LEFT JOIN staff s ON s.id = h.staff_id WHERE h.deal_point_id = $1 ORDER BY h.id",
    )
    .bind(id.to_string())
    .fetch_all(&s.pool)
    .await
    .map_err(map_err)?;
    rows.iter()
        .map(|row| {
            Ok(DealPointEvent {
                at: ts(row, "at")?,
                by: get(row, "username")?,
                action: get(row, "action")?,
                detail: get(row, "detail")?,
            })
        })
        .collect()
}

pub(crate) async fn of_report(s: &PgStore, report: ReportId) -> StoreResult<Option<DealPointId>> {
    let id: Option<Option<String>> =
        sqlx::query_scalar("SELECT deal_point_id FROM reports WHERE id = $1")
            .bind(report.to_string())
            .fetch_optional(&s.pool)
            .await
            .map_err(map_err)?;
    id.flatten()
        .map(|i| i.parse().map_err(internal))
        .transpose()
}

pub(crate) async fn reports_of(s: &PgStore, id: DealPointId) -> StoreResult<Vec<ReportSummary>> {
    let rows = sqlx::query(
        "SELECT r.id, r.state, r.activity, r.commune, c.name AS commune_name, r.departement, r.weapons, r.qualified_at \
         FROM reports r LEFT JOIN communes c ON c.insee = r.commune WHERE r.deal_point_id = $1 \
         ORDER BY r.qualified_at NULLS FIRST",
    )
    .bind(id.to_string())
    .fetch_all(&s.pool)
    .await
    .map_err(map_err)?;
    rows.iter().map(crate::cases::summary).collect()
}
