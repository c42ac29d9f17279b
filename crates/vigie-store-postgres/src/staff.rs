//! Staff accounts and their sessions.

use crate::cases::write_audit;
use crate::decode::{get, opt_ts, parse};
use crate::{internal, map_err, PgStore};
use sqlx::postgres::PgRow;
use sqlx::PgConnection;
use vigie_domain::clock::{from_millis, to_millis};
use vigie_domain::{DepartementCode, Role, StaffId, Timestamp, Username};
use vigie_store::{
    place, ContentCipher, NewAudit, NewSession, NewStaff, Session, StaffAccount, StoreError,
    StoreResult, TotpState,
};

const COLS: &str =
    "id, username, role, password_hash, departements, failed_logins, last_failed_at, \
                    totp_secret, totp_enrolled_at, totp_last_step, disabled_at";

fn account(c: &ContentCipher, row: &PgRow) -> StoreResult<StaffAccount> {
    let id: StaffId = parse(row, "id")?;
    let totp = match get::<Option<String>>(row, "totp_secret")? {
        Some(sealed) => Some(TotpState {
            secret: c.open(&place::totp_secret(id), &sealed)?,
            enrolled: get::<Option<i64>>(row, "totp_enrolled_at")?.is_some(),
            last_step: get::<Option<i64>>(row, "totp_last_step")?
                .and_then(|s| u64::try_from(s).ok()),
        }),
        None => None,
    };
    let role: String = get(row, "role")?;
    let deps: String = get(row, "departements")?;
    Ok(StaffAccount {
        id,
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
        totp,
        disabled_at: opt_ts(row, "disabled_at")?,
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
    row.as_ref().map(|r| account(&s.cipher, r)).transpose()
}

pub(crate) async fn list_staff(s: &PgStore) -> StoreResult<Vec<StaffAccount>> {
    let rows = sqlx::query(&format!("SELECT {COLS} FROM staff ORDER BY role, username"))
        .fetch_all(&s.pool)
        .await
        .map_err(map_err)?;
    rows.iter().map(|r| account(&s.cipher, r)).collect()
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
                s.totp_secret, s.totp_enrolled_at, s.totp_last_step, s.disabled_at, \
                x.csrf_token, x.expires_at \
         FROM staff_sessions x JOIN staff s ON s.id = x.staff_id \
         WHERE x.token_hash = $1 AND x.expires_at > $2 AND s.disabled_at IS NULL",
    )
    .bind(token_hash)
    .bind(to_millis(now))
    .fetch_optional(&s.pool)
    .await
    .map_err(map_err)?;
    row.map(|row| {
        Ok(Session {
            account: account(&s.cipher, &row)?,
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

pub(crate) async fn staff_by_id(s: &PgStore, id: StaffId) -> StoreResult<Option<StaffAccount>> {
    let row = sqlx::query(&format!("SELECT {COLS} FROM staff WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(&s.pool)
        .await
        .map_err(map_err)?;
    row.as_ref().map(|r| account(&s.cipher, r)).transpose()
}

pub(crate) async fn session_counts(
    s: &PgStore,
    now: Timestamp,
) -> StoreResult<Vec<(StaffId, u64)>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT staff_id, COUNT(*) FROM staff_sessions WHERE expires_at > $1 GROUP BY staff_id",
    )
    .bind(to_millis(now))
    .fetch_all(&s.pool)
    .await
    .map_err(map_err)?;
    rows.into_iter()
        .map(|(id, n)| {
            Ok((
                id.parse().map_err(internal)?,
                u64::try_from(n).unwrap_or_default(),
            ))
        })
        .collect()
}

pub(crate) async fn begin_totp_enrolment(
    s: &PgStore,
    id: StaffId,
    secret: &str,
) -> StoreResult<bool> {
    let sealed = s.cipher.seal(&place::totp_secret(id), secret)?;
    let n = sqlx::query(
        "UPDATE staff SET totp_secret = $1, totp_last_step = NULL \
         WHERE id = $2 AND totp_enrolled_at IS NULL",
    )
    .bind(sealed)
    .bind(id.to_string())
    .execute(&s.pool)
    .await
    .map_err(map_err)?
    .rows_affected();
    Ok(n == 1)
}

pub(crate) async fn accept_totp_step(
    s: &PgStore,
    id: StaffId,
    step: u64,
    at: Timestamp,
) -> StoreResult<bool> {
    let step = i64::try_from(step).map_err(internal)?;
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    let pending: Option<Option<i64>> = sqlx::query_scalar(
        "SELECT totp_enrolled_at FROM staff WHERE id = $1 AND totp_secret IS NOT NULL",
    )
    .bind(id.to_string())
    .fetch_optional(&mut *tx)
    .await
    .map_err(map_err)?;
    let Some(enrolled_at) = pending else {
        return Err(StoreError::NotFound);
    };
    let n = sqlx::query(
        "UPDATE staff SET totp_last_step = $1, totp_enrolled_at = COALESCE(totp_enrolled_at, $2) \
         WHERE id = $3 AND (totp_last_step IS NULL OR totp_last_step < $1)",
    )
    .bind(step)
    .bind(to_millis(at))
    .bind(id.to_string())
    .execute(&mut *tx)
    .await
    .map_err(map_err)?
    .rows_affected();
    if n == 1 && enrolled_at.is_none() {
        audit(&mut tx, Some(id), "totp_enrolled", id, at).await?;
    }
    tx.commit().await.map_err(map_err)?;
    Ok(n == 1)
}

async fn audit(
    conn: &mut PgConnection,
    by: Option<StaffId>,
    action: &'static str,
    staff: StaffId,
    at: Timestamp,
) -> StoreResult<()> {
    write_audit(
        conn,
        &NewAudit {
            actor: by,
            action,
            target: format!("staff:{staff}"),
            purpose: "administration",
            at,
        },
    )
    .await
}

/// What an account change writes on the account's row.
enum Update<'a> {
    ResetTotp,
    Disable(Timestamp),
    Enable,
    Password(&'a str, Timestamp),
}

/// Runs one account change in a transaction: the row's UPDATE, the sessions to end (all, or
/// all but the caller's own), and the audit row.
async fn account_change(
    s: &PgStore,
    id: StaffId,
    update: Option<Update<'_>>,
    end_sessions: Option<Option<&str>>,
    by: Option<StaffId>,
    action: &'static str,
    at: Timestamp,
) -> StoreResult<u64> {
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    let exists: Option<String> = sqlx::query_scalar("SELECT id FROM staff WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
    if exists.is_none() {
        return Err(StoreError::NotFound);
    }
    let query = match update {
        None => None,
        Some(Update::ResetTotp) => Some(sqlx::query(
            "UPDATE staff SET totp_secret = NULL, totp_enrolled_at = NULL, totp_last_step = NULL \
             WHERE id = $1",
        )),
        Some(Update::Disable(when)) => Some(
            sqlx::query("UPDATE staff SET disabled_at = COALESCE(disabled_at, $1) WHERE id = $2")
                .bind(to_millis(when)),
        ),
        Some(Update::Enable) => Some(sqlx::query(
            "UPDATE staff SET disabled_at = NULL, failed_logins = 0, last_failed_at = NULL \
             WHERE id = $1",
        )),
        Some(Update::Password(hash, when)) => Some(
            sqlx::query(
                "UPDATE staff SET password_hash = $1, password_changed_at = $2, failed_logins = 0, \
                 last_failed_at = NULL WHERE id = $3",
            )
            .bind(hash.to_owned())
            .bind(to_millis(when)),
        ),
    };
    if let Some(q) = query {
        q.bind(id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
    }
    let mut ended = 0;
    if let Some(keep) = end_sessions {
        ended = sqlx::query("DELETE FROM staff_sessions WHERE staff_id = $1 AND token_hash <> $2")
            .bind(id.to_string())
            .bind(keep.unwrap_or(""))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
    }
    audit(&mut tx, by, action, id, at).await?;
    tx.commit().await.map_err(map_err)?;
    Ok(ended)
}

pub(crate) async fn reset_totp(
    s: &PgStore,
    id: StaffId,
    by: Option<StaffId>,
    at: Timestamp,
) -> StoreResult<()> {
    let update = Some(Update::ResetTotp);
    account_change(s, id, update, Some(None), by, "totp_reset", at).await?;
    Ok(())
}

pub(crate) async fn set_staff_disabled(
    s: &PgStore,
    id: StaffId,
    disabled: bool,
    by: Option<StaffId>,
    at: Timestamp,
) -> StoreResult<()> {
    if disabled {
        let update = Some(Update::Disable(at));
        account_change(s, id, update, Some(None), by, "staff_disabled", at).await?;
    } else {
        account_change(s, id, Some(Update::Enable), None, by, "staff_enabled", at).await?;
    }
    Ok(())
}

pub(crate) async fn revoke_sessions(
    s: &PgStore,
    id: StaffId,
    by: Option<StaffId>,
    at: Timestamp,
) -> StoreResult<u64> {
    account_change(s, id, None, Some(None), by, "sessions_revoked", at).await
}

pub(crate) async fn change_password(
    s: &PgStore,
    id: StaffId,
    hash: &str,
    keep: Option<&str>,
    by: Option<StaffId>,
    at: Timestamp,
) -> StoreResult<()> {
    let update = Some(Update::Password(hash, at));
    account_change(s, id, update, Some(keep), by, "password_changed", at).await?;
    Ok(())
}
