//! Points de deal: dealing spots that several reports describe, with a position, a status and a
//! history. Linking a report and changing a status are transactions with their audit rows.

use crate::analysis::{analysis_audit, load};
use crate::cases::write_audit;
use crate::decode::{enum_col, get, parse, ts};
use crate::{internal, map_err, SqliteStore};
use sqlx::sqlite::SqliteRow;
use sqlx::{Sqlite, Transaction};
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

fn point_row(c: &ContentCipher, row: &SqliteRow) -> StoreResult<DealPoint> {
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
    tx: &mut Transaction<'_, Sqlite>,
    id: DealPointId,
) -> StoreResult<DealPoint> {
    let row = sqlx::query(&format!("{POINT_SELECT} WHERE p.id = ?"))
        .bind(id.to_string())
        .fetch_optional(&mut **tx)
        .await
        .map_err(map_err)?
        .ok_or(StoreError::NotFound)?;
    point_row(c, &row)
}

async fn history(
    tx: &mut Transaction<'_, Sqlite>,
    point: DealPointId,
    by: StaffId,
    action: &str,
    detail: &str,
    at: Timestamp,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO deal_point_history (deal_point_id, at, staff_id, action, detail) VALUES (?, ?, ?, ?, ?)",
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

async fn link(
    tx: &mut Transaction<'_, Sqlite>,
    report: ReportId,
    point: DealPointId,
    by: StaffId,
    at: Timestamp,
) -> StoreResult<()> {
    sqlx::query("UPDATE reports SET deal_point_id = ?, updated_at = ? WHERE id = ?")
        .bind(point.to_string())
        .bind(to_millis(at))
        .bind(report.to_string())
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
    sqlx::query("UPDATE deal_points SET updated_at = ? WHERE id = ?")
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
    s: &SqliteStore,
    routed: &RoutedReport,
    by: StaffId,
    new: NewDealPoint,
    at: Timestamp,
) -> StoreResult<DealPoint> {
    let id = routed.report().id;
    let mut tx = s.write.begin().await.map_err(map_err)?;
    let current = load(&s.cipher, &mut tx, id).await?;
    if !linkable(current.state) {
        return Err(vigie_domain::TransitionError {
            from: current.state,
            to: current.state,
        }
        .into());
    }
    let departement = current.departement.clone().ok_or(StoreError::NotFound)?;
    let place = sqlx::query("SELECT commune, lat, lon FROM reports WHERE id = ?")
        .bind(id.to_string())
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
    sqlx::query(
        "INSERT INTO deal_points (id, label, departement, commune, lat, lon, status, profile, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)",
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
    s: &SqliteStore,
    routed: &RoutedReport,
    point: DealPointId,
    by: StaffId,
    at: Timestamp,
) -> StoreResult<DealPoint> {
    let id = routed.report().id;
    let mut tx = s.write.begin().await.map_err(map_err)?;
    let current = load(&s.cipher, &mut tx, id).await?;
    if !linkable(current.state) {
        return Err(vigie_domain::TransitionError {
            from: current.state,
            to: current.state,
        }
        .into());
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
    s: &SqliteStore,
    point: DealPointId,
    status: DealPointStatus,
    by: StaffId,
    at: Timestamp,
) -> StoreResult<DealPoint> {
    let mut tx = s.write.begin().await.map_err(map_err)?;
    let found = point_in_tx(&s.cipher, &mut tx, point).await?;
    if found.status != status {
        sqlx::query("UPDATE deal_points SET status = ?, updated_at = ? WHERE id = ?")
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
    s: &SqliteStore,
    departements: &[DepartementCode],
) -> StoreResult<Vec<DealPoint>> {
    if departements.is_empty() {
        return Ok(Vec::new());
    }
    let marks = vec!["?"; departements.len()].join(", ");
    let sql = format!("{POINT_SELECT} WHERE p.departement IN ({marks}) ORDER BY p.updated_at DESC");
    let mut query = sqlx::query(&sql);
    for d in departements {
        query = query.bind(d.as_str());
    }
    let rows = query.fetch_all(&s.read).await.map_err(map_err)?;
    rows.iter().map(|r| point_row(&s.cipher, r)).collect()
}

pub(crate) async fn one(s: &SqliteStore, id: DealPointId) -> StoreResult<Option<DealPoint>> {
    let row = sqlx::query(&format!("{POINT_SELECT} WHERE p.id = ?"))
        .bind(id.to_string())
        .fetch_optional(&s.read)
        .await
        .map_err(map_err)?;
    row.as_ref().map(|r| point_row(&s.cipher, r)).transpose()
}

pub(crate) async fn point_history(
    s: &SqliteStore,
    id: DealPointId,
) -> StoreResult<Vec<DealPointEvent>> {
    let rows = sqlx::query(
        "SELECT h.at, s.username, h.action, h.detail FROM deal_point_history h \
         LEFT JOIN staff s ON s.id = h.staff_id WHERE h.deal_point_id = ? ORDER BY h.id",
    )
    .bind(id.to_string())
    .fetch_all(&s.read)
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

pub(crate) async fn of_report(
    s: &SqliteStore,
    report: ReportId,
) -> StoreResult<Option<DealPointId>> {
    let id: Option<Option<String>> =
        sqlx::query_scalar("SELECT deal_point_id FROM reports WHERE id = ?")
            .bind(report.to_string())
            .fetch_optional(&s.read)
            .await
            .map_err(map_err)?;
    id.flatten()
        .map(|i| i.parse().map_err(internal))
        .transpose()
}

pub(crate) async fn reports_of(
    s: &SqliteStore,
    id: DealPointId,
) -> StoreResult<Vec<ReportSummary>> {
    let rows = sqlx::query(
        "SELECT r.id, r.state, r.activity, r.commune, c.name AS commune_name, r.departement, r.weapons, r.qualified_at \
         FROM reports r LEFT JOIN communes c ON c.insee = r.commune WHERE r.deal_point_id = ? ORDER BY r.qualified_at",
    )
    .bind(id.to_string())
    .fetch_all(&s.read)
    .await
    .map_err(map_err)?;
    rows.iter().map(crate::cases::summary).collect()
}
