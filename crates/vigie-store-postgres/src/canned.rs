//! Canned replies (issue 6): configuration managed by administrators, not case content, so the
//! body is stored as it is. Every change is one transaction with its audit row.

use crate::cases::write_audit;
use crate::decode::{enum_col, get, parse, ts};
use crate::{internal, map_err, PgStore};
use sqlx::postgres::PgRow;
use vigie_domain::canned::CannedTitle;
use vigie_domain::clock::to_millis;
use vigie_domain::{CannedReplyId, Locale, MessageBody, StaffId, Timestamp};
use vigie_store::{CannedReply, NewAudit, StoreError, StoreResult};

fn admin_audit(by: StaffId, action: &'static str, id: CannedReplyId, at: Timestamp) -> NewAudit {
    NewAudit {
        actor: Some(by),
        action,
        target: format!("canned:{id}"),
        purpose: "administration",
        at,
    }
}

fn row(row: &PgRow) -> StoreResult<CannedReply> {
    let title: String = get(row, "title")?;
    let body: String = get(row, "body")?;
    Ok(CannedReply {
        id: parse(row, "id")?,
        locale: enum_col(row, "locale", Locale::parse)?,
        title: CannedTitle::parse(&title).map_err(internal)?,
        body: MessageBody::parse(&body).map_err(internal)?,
        position: u32::try_from(get::<i64>(row, "position")?).map_err(internal)?,
        updated_at: ts(row, "updated_at")?,
    })
}

const SELECT: &str = "SELECT id, locale, title, body, position, updated_at FROM canned_replies";

pub(crate) async fn list(s: &PgStore, locale: Locale) -> StoreResult<Vec<CannedReply>> {
    let rows = sqlx::query(&format!("{SELECT} WHERE locale = $1"))
        .bind(locale.as_str())
        .fetch_all(&s.pool)
        .await
        .map_err(map_err)?;
    let mut replies = rows.iter().map(row).collect::<StoreResult<Vec<_>>>()?;
    // Ordered here rather than in SQL, so that every backend agrees whatever its collation.
    replies.sort_by(|a, b| {
        (a.position, a.title.as_str(), a.id).cmp(&(b.position, b.title.as_str(), b.id))
    });
    Ok(replies)
}

pub(crate) async fn one(s: &PgStore, id: CannedReplyId) -> StoreResult<Option<CannedReply>> {
    let found = sqlx::query(&format!("{SELECT} WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(&s.pool)
        .await
        .map_err(map_err)?;
    found.as_ref().map(row).transpose()
}

pub(crate) async fn create(s: &PgStore, r: &CannedReply, by: StaffId) -> StoreResult<()> {
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    sqlx::query(
        "INSERT INTO canned_replies (id, locale, title, body, position, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(r.id.to_string())
    .bind(r.locale.as_str())
    .bind(r.title.as_str())
    .bind(r.body.as_str())
    .bind(i64::from(r.position))
    .bind(to_millis(r.updated_at))
    .execute(&mut *tx)
    .await
    .map_err(map_err)?;
    write_audit(
        &mut tx,
        &admin_audit(by, "canned_created", r.id, r.updated_at),
    )
    .await?;
    tx.commit().await.map_err(map_err)
}

pub(crate) async fn update(s: &PgStore, r: &CannedReply, by: StaffId) -> StoreResult<()> {
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    let written = sqlx::query(
        "UPDATE canned_replies SET locale = $1, title = $2, body = $3, position = $4, \
         updated_at = $5 WHERE id = $6",
    )
    .bind(r.locale.as_str())
    .bind(r.title.as_str())
    .bind(r.body.as_str())
    .bind(i64::from(r.position))
    .bind(to_millis(r.updated_at))
    .bind(r.id.to_string())
    .execute(&mut *tx)
    .await
    .map_err(map_err)?
    .rows_affected();
    if written == 0 {
        return Err(StoreError::NotFound);
    }
    write_audit(
        &mut tx,
        &admin_audit(by, "canned_updated", r.id, r.updated_at),
    )
    .await?;
    tx.commit().await.map_err(map_err)
}

pub(crate) async fn delete(
    s: &PgStore,
    id: CannedReplyId,
    by: StaffId,
    at: Timestamp,
) -> StoreResult<()> {
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    let written = sqlx::query("DELETE FROM canned_replies WHERE id = $1")
        .bind(id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?
        .rows_affected();
    if written == 0 {
        return Err(StoreError::NotFound);
    }
    write_audit(&mut tx, &admin_audit(by, "canned_deleted", id, at)).await?;
    tx.commit().await.map_err(map_err)
}
