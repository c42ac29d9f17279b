//! The roster (issue 6): shifts, and the duty changes at their edges. Adding or removing a shift
//! is one transaction with its audit row; `apply_roster` reads every rostered officer and writes
//! each change of [`roster_duty`] with the row update of a duty change, in one write transaction
//! (the single writer connection serialises it with dispatch).

use crate::cases::{audit, write_audit};
use crate::decode::{enum_col, get, opt_ts, parse, ts};
use crate::presence::write_duty;
use crate::{internal, map_err, SqliteStore};
use vigie_domain::clock::{from_millis, to_millis};
use vigie_domain::dispatch::{roster_duty, Duty, RosterState};
use vigie_domain::report::FieldErrors;
use vigie_domain::{ConversationState, Role, StaffId, Timestamp};
use vigie_store::{NewAudit, Shift, StoreError, StoreResult};

fn invalid(field: &'static str, code: &'static str) -> StoreError {
    let mut e = FieldErrors::default();
    e.add(field, code);
    StoreError::Invalid(e)
}

pub(crate) async fn add_shift(
    s: &SqliteStore,
    staff: StaffId,
    starts_at: Timestamp,
    ends_at: Timestamp,
    by: StaffId,
    at: Timestamp,
) -> StoreResult<i64> {
    if ends_at <= starts_at {
        return Err(invalid("ends_at", "shift-end-not-after-start"));
    }
    let mut tx = s.write.begin().await.map_err(map_err)?;
    let officer: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM staff WHERE id = ? AND disabled_at IS NULL AND role IN (?, ?)",
    )
    .bind(staff.to_string())
    .bind(Role::Operator.as_str())
    .bind(Role::Supervisor.as_str())
    .fetch_optional(&mut *tx)
    .await
    .map_err(map_err)?;
    if officer.is_none() {
        return Err(invalid("staff", "shift-unknown-officer"));
    }
    let overlap: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM shifts WHERE staff_id = ? AND starts_at < ? AND ends_at > ? LIMIT 1",
    )
    .bind(staff.to_string())
    .bind(to_millis(ends_at))
    .bind(to_millis(starts_at))
    .fetch_optional(&mut *tx)
    .await
    .map_err(map_err)?;
    if overlap.is_some() {
        return Err(StoreError::Conflict("shift-overlap"));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO shifts (staff_id, starts_at, ends_at, created_by, created_at) \
         VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(staff.to_string())
    .bind(to_millis(starts_at))
    .bind(to_millis(ends_at))
    .bind(by.to_string())
    .bind(to_millis(at))
    .fetch_one(&mut *tx)
    .await
    .map_err(map_err)?;
    write_audit(
        &mut tx,
        &audit(by, "shift_added", format!("shift:{id}"), at),
    )
    .await?;
    tx.commit().await.map_err(map_err)?;
    Ok(id)
}

pub(crate) async fn delete_shift(
    s: &SqliteStore,
    id: i64,
    by: StaffId,
    at: Timestamp,
) -> StoreResult<()> {
    let mut tx = s.write.begin().await.map_err(map_err)?;
    let deleted = sqlx::query("DELETE FROM shifts WHERE id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?
        .rows_affected();
    if deleted == 0 {
        return Err(StoreError::NotFound);
    }
    write_audit(
        &mut tx,
        &audit(by, "shift_deleted", format!("shift:{id}"), at),
    )
    .await?;
    tx.commit().await.map_err(map_err)
}

pub(crate) async fn shifts(
    s: &SqliteStore,
    since: Timestamp,
    until: Timestamp,
) -> StoreResult<Vec<Shift>> {
    let rows = sqlx::query(
        "SELECT f.id, f.staff_id, s.username, f.starts_at, f.ends_at \
         FROM shifts f JOIN staff s ON s.id = f.staff_id \
         WHERE f.starts_at < ? AND f.ends_at > ? \
         ORDER BY f.starts_at, s.username, f.id",
    )
    .bind(to_millis(until))
    .bind(to_millis(since))
    .fetch_all(&s.read)
    .await
    .map_err(map_err)?;
    rows.iter()
        .map(|row| {
            Ok(Shift {
                id: get(row, "id")?,
                staff: parse(row, "staff_id")?,
                username: get(row, "username")?,
                starts_at: ts(row, "starts_at")?,
                ends_at: ts(row, "ends_at")?,
            })
        })
        .collect()
}

pub(crate) async fn apply_roster(
    s: &SqliteStore,
    now: Timestamp,
) -> StoreResult<Vec<(StaffId, Duty)>> {
    let mut tx = s.write.begin().await.map_err(map_err)?;
    let rows = sqlx::query(
        "SELECT s.id, COALESCE(p.duty, ?2) AS duty, p.duty_changed_at, \
                (SELECT MAX(f.starts_at) FROM shifts f \
                 WHERE f.staff_id = s.id AND f.starts_at <= ?1 AND f.ends_at > ?1) AS covering_since, \
                (SELECT MAX(f.ends_at) FROM shifts f \
                 WHERE f.staff_id = s.id AND f.ends_at <= ?1) AS last_ended, \
                (SELECT COUNT(*) FROM conversations c \
                 WHERE c.operator_id = s.id AND c.state = ?3) AS held \
         FROM staff s LEFT JOIN staff_presence p ON p.staff_id = s.id \
         WHERE s.disabled_at IS NULL AND EXISTS (SELECT 1 FROM shifts f WHERE f.staff_id = s.id) \
         ORDER BY s.id",
    )
    .bind(to_millis(now))
    .bind(Duty::OffDuty.as_str())
    .bind(ConversationState::Active.as_str())
    .fetch_all(&mut *tx)
    .await
    .map_err(map_err)?;
    let mut changes = Vec::new();
    for row in &rows {
        let state = RosterState {
            duty: enum_col(row, "duty", Duty::parse)?,
            duty_changed_at: opt_ts(row, "duty_changed_at")?,
            covering_since: opt_ts(row, "covering_since")?,
            last_ended: opt_ts(row, "last_ended")?,
            held: u32::try_from(get::<i64>(row, "held")?).map_err(internal)?,
        };
        if let Some(duty) = roster_duty(&state) {
            changes.push((parse::<StaffId>(row, "id")?, duty));
        }
    }
    for (staff, duty) in &changes {
        write_duty(&mut tx, *staff, *duty, now).await?;
        let entry = NewAudit {
            actor: None,
            ..audit(*staff, "duty_changed", format!("staff:{staff}"), now)
        };
        write_audit(&mut tx, &entry).await?;
    }
    tx.commit().await.map_err(map_err)?;
    Ok(changes)
}

pub(crate) async fn next_roster_change(
    s: &SqliteStore,
    now: Timestamp,
) -> StoreResult<Option<Timestamp>> {
    let next: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(t) FROM (SELECT MIN(starts_at) AS t FROM shifts WHERE starts_at > ?1 \
                             UNION ALL SELECT MIN(ends_at) FROM shifts WHERE ends_at > ?1)",
    )
    .bind(to_millis(now))
    .fetch_one(&s.read)
    .await
    .map_err(map_err)?;
    Ok(next.map(from_millis))
}
