//! Row decoding: the store edge where text and integers become domain types.

use crate::internal;
use sqlx::postgres::PgRow;
use sqlx::Row;
use std::str::FromStr;
use vigie_domain::clock::from_millis;
use vigie_domain::{
    Author, ConversationId, ConversationState, EventKind, Locale, StaffId, Timestamp,
};
use vigie_store::{place, ContentCipher, Conversation, Event, StoreResult};

pub(crate) fn get<'r, T>(row: &'r PgRow, col: &str) -> StoreResult<T>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(col).map_err(internal)
}

pub(crate) fn ts(row: &PgRow, col: &str) -> StoreResult<Timestamp> {
    Ok(from_millis(get::<i64>(row, col)?))
}

pub(crate) fn opt_ts(row: &PgRow, col: &str) -> StoreResult<Option<Timestamp>> {
    Ok(get::<Option<i64>>(row, col)?.map(from_millis))
}

pub(crate) fn parse<T: FromStr>(row: &PgRow, col: &str) -> StoreResult<T>
where
    T::Err: std::fmt::Display,
{
    get::<String>(row, col)?.parse().map_err(internal)
}

pub(crate) fn enum_col<T>(row: &PgRow, col: &str, parse: fn(&str) -> Option<T>) -> StoreResult<T> {
    let raw: String = get(row, col)?;
    parse(&raw).ok_or_else(|| internal(format!("unexpected {col} value {raw:?}")))
}

pub(crate) fn seq(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

pub(crate) fn conversation(row: &PgRow) -> StoreResult<Conversation> {
    Ok(Conversation {
        id: parse::<ConversationId>(row, "id")?,
        state: enum_col(row, "state", ConversationState::parse)?,
        locale: enum_col(row, "locale", Locale::parse)?,
        created_at: ts(row, "created_at")?,
        operator: get::<Option<String>>(row, "operator_id")?
            .map(|s| StaffId::from_str(&s))
            .transpose()
            .map_err(internal)?,
        taken_at: opt_ts(row, "taken_at")?,
        closed_at: opt_ts(row, "closed_at")?,
        last_seq: seq(get(row, "last_seq")?),
        token_live: get::<Option<String>>(row, "token_hash")?.is_some(),
        blocked_at: opt_ts(row, "blocked_at")?,
    })
}

/// An event of `conversation`, its body opened with the content key.
pub(crate) fn event(
    c: &ContentCipher,
    conversation: ConversationId,
    row: &PgRow,
) -> StoreResult<Event> {
    let n: i64 = get(row, "seq")?;
    Ok(Event {
        seq: seq(n),
        kind: enum_col(row, "kind", EventKind::parse)?,
        author: enum_col(row, "author", Author::parse)?,
        body: event_body(c, conversation, n, get(row, "body")?)?,
        client_id: get(row, "client_id")?,
        at: ts(row, "at")?,
        photo: get::<Option<String>>(row, "photo_id")?
            .map(|id| id.parse().map_err(crate::internal))
            .transpose()?,
    })
}

/// Opens an event body stored for `conversation` at `seq`.
pub(crate) fn event_body(
    c: &ContentCipher,
    conversation: impl std::fmt::Display,
    seq: i64,
    stored: Option<String>,
) -> StoreResult<Option<String>> {
    c.open_opt(&place::event_body(conversation, seq), stored.as_deref())
}
