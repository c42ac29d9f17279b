//! Officer presence (issue 6): duty, heartbeat and capacity, each one upsert on
//! `staff_presence`; an account without a row has the defaults. Duty and capacity changes are
//! audited in their transaction; heartbeats are too frequent to audit.
//!
//! Each upsert selects the account from `staff`, so an unknown account inserts nothing and is
//! answered `NotFound` (rather than a foreign-key error).

use crate::cases::{audit, write_audit};
use crate::decode::{enum_col, get, opt_ts, parse};
use crate::{internal, map_err, PgStore};
use sqlx::{PgConnection, Postgres, Transaction};
use vigie_domain::clock::to_millis;
use vigie_domain::dispatch::{Duty, DEFAULT_CAPACITY};
use vigie_domain::report::FieldErrors;
use vigie_domain::{ConversationState, Role, StaffId, Timestamp};
use vigie_store::{Presence, StoreError, StoreResult, MAX_CAPACITY};

/// Ends a duty or capacity change: `NotFound` when the upsert wrote nothing, else the audit row
/// and the commit.
async fn audited(
    mut tx: Transaction<'_, Postgres>,
    written: u64,
    staff: StaffId,
    action: &'static str,
    by: StaffId,
    at: Timestamp,
) -> StoreResult<()> {
    if written == 0 {
        return Err(StoreError::NotFound);
    }
    write_audit(&mut tx, &audit(by, action, format!("staff:{staff}"), at)).await?;
    tx.commit().await.map_err(map_err)
}

pub(crate) async fn set_duty(
    s: &PgStore,
    staff: StaffId,
    duty: Duty,
    by: StaffId,
    at: Timestamp,
) -> StoreResult<()> {
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    let written = write_duty(&mut tx, staff, duty, at).await?;
    audited(tx, written, staff, "duty_changed", by, at).await
}

/// The row update of a duty change (by hand or by the roster), inside the caller's transaction:
/// the rows written (0 for an unknown account).
pub(crate) async fn write_duty(
    conn: &mut PgConnection,
    staff: StaffId,
    duty: Duty,
    at: Timestamp,
) -> StoreResult<u64> {
    Ok(sqlx::query(
        "INSERT INTO staff_presence (staff_id, duty, duty_changed_at) \
         SELECT id, $1, $2 FROM staff WHERE id = $3 \
         ON CONFLICT (staff_id) DO UPDATE \
         SET duty = excluded.duty, duty_changed_at = excluded.duty_changed_at",
    )
    .bind(duty.as_str())
    .bind(to_millis(at))
    .bind(staff.to_string())
    .execute(conn)
    .await
    .map_err(map_err)?
    .rows_affected())
}

pub(crate) async fn set_capacity(
    s: &PgStore,
    staff: StaffId,
    capacity: u32,
    by: StaffId,
    at: Timestamp,
) -> StoreResult<()> {
    if !(1..=MAX_CAPACITY).contains(&capacity) {
        let mut e = FieldErrors::default();
        e.add("capacity", "capacity-out-of-range");
        return Err(StoreError::Invalid(e));
    }
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    let written = sqlx::query(
        "INSERT INTO staff_presence (staff_id, capacity) \
         SELECT id, $1 FROM staff WHERE id = $2 \
         ON CONFLICT (staff_id) DO UPDATE SET capacity = excluded.capacity",
    )
    .bind(i64::from(capacity))
    .bind(staff.to_string())
    .execute(&mut *tx)
    .await
    .map_err(map_err)?
    .rows_affected();
    audited(tx, written, staff, "capacity_changed", by, at).await
}

pub(crate) async fn heartbeat(s: &PgStore, staff: StaffId, at: Timestamp) -> StoreResult<()> {
    let written = sqlx::query(
        "INSERT INTO staff_presence (staff_id, last_seen) \
         SELECT id, $1 FROM staff WHERE id = $2 \
         ON CONFLICT (staff_id) DO UPDATE \
         SET last_seen = GREATEST(staff_presence.last_seen, excluded.last_seen)",
    )
    .bind(to_millis(at))
    .bind(staff.to_string())
    .execute(&s.pool)
    .await
    .map_err(map_err)?
    .rows_affected();
    if written == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub(crate) async fn presences(s: &PgStore) -> StoreResult<Vec<Presence>> {
    let rows = sqlx::query(
        "SELECT s.id, s.username, s.role, COALESCE(p.duty, $1) AS duty, \
                COALESCE(p.capacity, $2) AS capacity, p.last_seen, p.duty_changed_at, \
                COALESCE(h.held, 0) AS held \
         FROM staff s \
         LEFT JOIN staff_presence p ON p.staff_id = s.id \
         LEFT JOIN (SELECT operator_id, COUNT(*) AS held FROM conversations \
                    WHERE state = $3 GROUP BY operator_id) h ON h.operator_id = s.id \
         WHERE s.role IN ($4, $5) AND s.disabled_at IS NULL \
         ORDER BY s.username COLLATE \"C\"",
    )
    .bind(Duty::OffDuty.as_str())
    .bind(i64::from(DEFAULT_CAPACITY))
    .bind(ConversationState::Active.as_str())
    .bind(Role::Operator.as_str())
    .bind(Role::Supervisor.as_str())
    .fetch_all(&s.pool)
    .await
    .map_err(map_err)?;
    rows.iter()
        .map(|row| {
            let role: String = get(row, "role")?;
            Ok(Presence {
                staff: parse(row, "id")?,
                username: get(row, "username")?,
                role: Role::parse(&role).map_err(internal)?,
                duty: enum_col(row, "duty", Duty::parse)?,
                capacity: u32::try_from(get::<i64>(row, "capacity")?).map_err(internal)?,
                last_seen: opt_ts(row, "last_seen")?,
                duty_changed_at: opt_ts(row, "duty_changed_at")?,
                held: u32::try_from(get::<i64>(row, "held")?).map_err(internal)?,
            })
        })
        .collect()
}
