//! The admin's side: units, the routing table, unit membership, retention rules and département
//! outlines. None of it is case content; every change carries its audit row.

use crate::cases::write_audit;
use crate::decode::{enum_col, get, parse};
use crate::{internal, map_err, SqliteStore};
use sqlx::sqlite::SqliteRow;
use vigie_domain::chain::{RetentionRule, UnitKind};
use vigie_domain::{DepartementCode, ReportState, StaffId, Timestamp, UnitId};
use vigie_store::{Departement, NewAudit, NewUnit, StoreError, StoreResult, Unit};

fn admin_audit(by: StaffId, action: &'static str, target: String, at: Timestamp) -> NewAudit {
    NewAudit {
        actor: Some(by),
        action,
        target,
        purpose: "administration",
        at,
    }
}

fn unit_row(row: &SqliteRow) -> StoreResult<Unit> {
    let deps: Option<String> = get(row, "deps")?;
    let mut departements = deps
        .unwrap_or_default()
        .split(',')
        .filter(|d| !d.is_empty())
        .map(DepartementCode::parse)
        .collect::<Result<Vec<_>, _>>()
        .map_err(internal)?;
    departements.sort();
    Ok(Unit {
        id: parse(row, "id")?,
        name: get(row, "name")?,
        kind: enum_col(row, "kind", UnitKind::parse)?,
        departements,
    })
}

const UNIT_SELECT: &str = "SELECT u.id, u.name, u.kind, \
     (SELECT group_concat(d.departement, ',') FROM unit_departements d WHERE d.unit_id = u.id) AS deps \
     FROM units u";

async fn write_departements(
    conn: &mut sqlx::SqliteConnection,
    unit: UnitId,
    departements: &[DepartementCode],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM unit_departements WHERE unit_id = ?")
        .bind(unit.to_string())
        .execute(&mut *conn)
        .await
        .map_err(map_err)?;
    for d in departements {
        sqlx::query("INSERT OR IGNORE INTO unit_departements (unit_id, departement) VALUES (?, ?)")
            .bind(unit.to_string())
            .bind(d.as_str())
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
    }
    Ok(())
}

pub(crate) async fn create_unit(
    s: &SqliteStore,
    unit: NewUnit,
    by: StaffId,
    at: Timestamp,
) -> StoreResult<()> {
    let mut tx = s.write.begin().await.map_err(map_err)?;
    sqlx::query("INSERT INTO units (id, name, kind, created_at) VALUES (?, ?, ?, ?)")
        .bind(unit.id.to_string())
        .bind(unit.name.as_str())
        .bind(unit.kind.as_str())
        .bind(vigie_domain::clock::to_millis(at))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    write_departements(&mut tx, unit.id, &unit.departements).await?;
    write_audit(
        &mut tx,
        &admin_audit(by, "create_unit", format!("unit:{}", unit.id), at),
    )
    .await?;
    tx.commit().await.map_err(map_err)
}

pub(crate) async fn set_unit_departements(
    s: &SqliteStore,
    unit: UnitId,
    departements: Vec<DepartementCode>,
    by: StaffId,
    at: Timestamp,
) -> StoreResult<()> {
    let mut tx = s.write.begin().await.map_err(map_err)?;
    let exists: Option<String> = sqlx::query_scalar("SELECT id FROM units WHERE id = ?")
        .bind(unit.to_string())
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
    if exists.is_none() {
        return Err(StoreError::NotFound);
    }
    write_departements(&mut tx, unit, &departements).await?;
    write_audit(
        &mut tx,
        &admin_audit(by, "set_routing", format!("unit:{unit}"), at),
    )
    .await?;
    tx.commit().await.map_err(map_err)
}

pub(crate) async fn units(s: &SqliteStore) -> StoreResult<Vec<Unit>> {
    let rows = sqlx::query(&format!("{UNIT_SELECT} ORDER BY u.name"))
        .fetch_all(&s.read)
        .await
        .map_err(map_err)?;
    rows.iter().map(unit_row).collect()
}

pub(crate) async fn unit(s: &SqliteStore, id: UnitId) -> StoreResult<Option<Unit>> {
    let row = sqlx::query(&format!("{UNIT_SELECT} WHERE u.id = ?"))
        .bind(id.to_string())
        .fetch_optional(&s.read)
        .await
        .map_err(map_err)?;
    row.as_ref().map(unit_row).transpose()
}

pub(crate) async fn units_for(
    s: &SqliteStore,
    departement: &DepartementCode,
) -> StoreResult<Vec<Unit>> {
    let rows = sqlx::query(&format!(
        "{UNIT_SELECT} WHERE u.id IN (SELECT unit_id FROM unit_departements WHERE departement = ?) ORDER BY u.name"
    ))
    .bind(departement.as_str())
    .fetch_all(&s.read)
    .await
    .map_err(map_err)?;
    rows.iter().map(unit_row).collect()
}

pub(crate) async fn assign_unit(s: &SqliteStore, staff: StaffId, unit: UnitId) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO unit_members (staff_id, unit_id) VALUES (?, ?) \
         ON CONFLICT (staff_id) DO UPDATE SET unit_id = excluded.unit_id",
    )
    .bind(staff.to_string())
    .bind(unit.to_string())
    .execute(&s.write)
    .await
    .map_err(map_err)?;
    Ok(())
}

pub(crate) async fn unit_of(s: &SqliteStore, staff: StaffId) -> StoreResult<Option<UnitId>> {
    let id: Option<String> =
        sqlx::query_scalar("SELECT unit_id FROM unit_members WHERE staff_id = ?")
            .bind(staff.to_string())
            .fetch_optional(&s.read)
            .await
            .map_err(map_err)?;
    id.map(|i| i.parse().map_err(internal)).transpose()
}

pub(crate) async fn retention_rules(s: &SqliteStore) -> StoreResult<Vec<RetentionRule>> {
    let rows = sqlx::query("SELECT state, days FROM retention_rules")
        .fetch_all(&s.read)
        .await
        .map_err(map_err)?;
    let mut rules = RetentionRule::DEFAULTS.to_vec();
    for row in &rows {
        let state = enum_col(row, "state", ReportState::parse)?;
        let days = u32::try_from(get::<i64>(row, "days")?).map_err(internal)?;
        if let Some(rule) = rules.iter_mut().find(|r| r.state == state) {
            rule.days = days;
        }
    }
    Ok(rules)
}

pub(crate) async fn set_retention_rules(
    s: &SqliteStore,
    rules: &[RetentionRule],
    by: StaffId,
    at: Timestamp,
) -> StoreResult<()> {
    let known = |rule: &RetentionRule| {
        RetentionRule::DEFAULTS
            .iter()
            .any(|r| r.state == rule.state)
    };
    if !rules.iter().all(known) {
        return Err(StoreError::NotFound);
    }
    // All the rules of one save, or none.
    let mut tx = s.write.begin().await.map_err(map_err)?;
    for rule in rules {
        sqlx::query(
            "INSERT INTO retention_rules (state, days) VALUES (?, ?) \
             ON CONFLICT (state) DO UPDATE SET days = excluded.days",
        )
        .bind(rule.state.as_str())
        .bind(i64::from(rule.days))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        write_audit(
            &mut tx,
            &admin_audit(
                by,
                "set_retention",
                format!("retention:{}", rule.state.as_str()),
                at,
            ),
        )
        .await?;
    }
    tx.commit().await.map_err(map_err)
}

pub(crate) async fn departements(s: &SqliteStore) -> StoreResult<Vec<Departement>> {
    let rows = sqlx::query("SELECT code, name FROM departements ORDER BY code")
        .fetch_all(&s.read)
        .await
        .map_err(map_err)?;
    rows.iter()
        .map(|row| {
            Ok(Departement {
                code: parse(row, "code")?,
                name: get(row, "name")?,
            })
        })
        .collect()
}

pub(crate) async fn departement_outlines(
    s: &SqliteStore,
) -> StoreResult<Vec<(Departement, String)>> {
    let rows = sqlx::query(
        "SELECT code, name, outline FROM departements WHERE outline IS NOT NULL ORDER BY code",
    )
    .fetch_all(&s.read)
    .await
    .map_err(map_err)?;
    rows.iter()
        .map(|row| {
            Ok((
                Departement {
                    code: parse(row, "code")?,
                    name: get(row, "name")?,
                },
                get(row, "outline")?,
            ))
        })
        .collect()
}

pub(crate) async fn import_outlines(
    s: &SqliteStore,
    outlines: Vec<(DepartementCode, String)>,
) -> StoreResult<u64> {
    let mut tx = s.write.begin().await.map_err(map_err)?;
    let mut written = 0;
    for (code, geometry) in &outlines {
        written += sqlx::query("UPDATE departements SET outline = ? WHERE code = ?")
            .bind(geometry)
            .bind(code.as_str())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
    }
    tx.commit().await.map_err(map_err)?;
    Ok(written)
}
