//! Staff accounts and their sessions.

use crate::decode::{get, opt_ts, parse};
use crate::{internal, map_err, PgStore};
use sqlx::postgres::PgRow;
use vigie_domain::clock::{from_millis, to_millis};
use vigie_domain::{DepartementCode, Role, StaffId, Timestamp, Username};
use vigie_store::{NewSession, NewStaff, Session, StaffAccount, StoreResult};

const COLS: &str = "id, username, role, password_hash, departements, failed_logins, last_failed_at";

fn account(row: &PgRow) -> StoreResult<StaffAccount> {
    let role: String = get(row, "role")?;
    let deps: String = get(row, "departements")?;
    Ok(StaffAccount {
        id: parse(row, "id")?,
        username: get(row, "username")?,
        role: Role::parse(&role).map_err(internal)?,
        password_hash: get(row, "password_hash")?,
        departements: deps
            .split_whitespace()
            .map(DepartementCode::parse)
            .collect::<Result<_, _>>()
            .map_err(internal)?,
        failed_logins: u32::try_from(get::<i64>(row, "failed_logins")?).unwrap_or(u32::MAX),
        last_failed_at: opt_ts(row, "last_failed_at")?,
    })
}

pub(crate) async fn create_staff(s: &PgStore, a: NewStaff) -> StoreResult<StaffId> {
    let deps: Vec<&str> = a.departements.iter().map(DepartementCode::as_str).collect();
    sqlx::query(
        "INSERT INTO staff (id, username, role, password_hash, departements, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(a.id.to_string())
    .bind(a.username.as_str())
    .bind(a.role.as_str())
    .bind(&a.password_hash)
    .bind(deps.join(" "))
    .bind(to_millis(a.created_at))
    .execute(&s.pool)
    .await
    .map_err(map_err)?;
    Ok(a.id)
}

pub(crate) async fn staff_by_username(
    s: &PgStore,
    username: &Username,
) -> StoreResult<Option<StaffAccount>> {
    let row = sqlx::query(&format!("SELECT {COLS} FROM staff WHERE username = $1"))
        .bind(username.as_str())
        .fetch_optional(&s.pool)
        .await
        .map_err(map_err)?;
    row.as_ref().map(account).transpose()
}

pub(crate) async fn list_staff(s: &PgStore) -> StoreResult<Vec<StaffAccount>> {
    let rows = sqlx::query(&format!("SELECT {COLS} FROM staff ORDER BY role, username"))
        .fetch_all(&s.pool)
        .await
        .map_err(map_err)?;
    rows.iter().map(account).collect()
}

/// Counts a login attempt before the password is checked, unless the account is locked: one
/// conditional UPDATE, so parallel attempts cannot slip past the limit.
pub(crate) async fn begin_login_attempt(
    s: &PgStore,
    id: StaffId,
    at: Timestamp,
    max_failures: u32,
    lockout: time::Duration,
) -> StoreResult<bool> {
    let counted = sqlx::query(
        "UPDATE staff SET failed_logins = failed_logins + 1, last_failed_at = $1 \
         WHERE id = $2 AND NOT (failed_logins >= $3 AND last_failed_at IS NOT NULL AND last_failed_at > $4)",
    )
    .bind(to_millis(at))
    .bind(id.to_string())
    .bind(i64::from(max_failures))
    .bind(to_millis(at - lockout))
    .execute(&s.pool)
    .await
    .map_err(map_err)?
    .rows_affected();
    Ok(counted == 1)
}

pub(crate) async fn record_login_success(s: &PgStore, id: StaffId) -> StoreResult<()> {
    sqlx::query("UPDATE staff SET failed_logins = 0, last_failed_at = NULL WHERE id = $1")
        .bind(id.to_string())
        .execute(&s.pool)
        .await
        .map_err(map_err)?;
    Ok(())
}

pub(crate) async fn create_session(s: &PgStore, n: NewSession) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO staff_sessions (token_hash, staff_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&n.token_hash)
    .bind(n.staff.to_string())
    .bind(&n.csrf_token)
    .bind(to_millis(n.created_at))
    .bind(to_millis(n.expires_at))
    .execute(&s.pool)
    .await
    .map_err(map_err)?;
    Ok(())
}

pub(crate) async fn session(
    s: &PgStore,
    token_hash: &str,
    now: Timestamp,
) -> StoreResult<Option<Session>> {
    let row = sqlx::query(
        "SELECT s.id, s.username, s.role, s.password_hash, s.departements, s.failed_logins, s.last_failed_at, \
                x.csrf_token, x.expires_at \
         FROM staff_sessions x JOIN staff s ON s.id = x.staff_id WHERE x.token_hash = $1 AND x.expires_at > $2",
    )
    .bind(token_hash)
    .bind(to_millis(now))
    .fetch_optional(&s.pool)
    .await
    .map_err(map_err)?;
    row.map(|row| {
        Ok(Session {
            account: account(&row)?,
            csrf_token: get(&row, "csrf_token")?,
            expires_at: from_millis(get(&row, "expires_at")?),
        })
    })
    .transpose()
}

pub(crate) async fn delete_session(s: &PgStore, token_hash: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM staff_sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&s.pool)
        .await
        .map_err(map_err)?;
    Ok(())
}
