//! The witness's side of the store: conversations, tokens, the thread.

use crate::decode::{self, get};
use crate::{map_err, PgStore};
use sqlx::{Postgres, Transaction};
use vigie_domain::clock::to_millis;
use vigie_domain::{Author, ConversationId, EventKind, PhotoId, Timestamp};
use vigie_store::{
    place, Appended, ContentCipher, Conversation, Event, NewConversation, NewMessage, NewPhoto,
    Photo, StoreError, StoreResult, Writer,
};

pub(crate) const CONVERSATION_COLS: &str =
    "id, state, locale, created_at, operator_id, taken_at, closed_at, last_seq, token_hash, blocked_at";

pub(crate) async fn create_conversation(s: &PgStore, new: NewConversation) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO conversations (id, state, locale, receipt_hash, token_hash, created_at) \
         VALUES ($1, 'waiting', $2, $3, $4, $5)",
    )
    .bind(new.id.to_string())
    .bind(new.locale.as_str())
    .bind(&new.receipt_hash)
    .bind(&new.token_hash)
    .bind(to_millis(new.created_at))
    .execute(&s.pool)
    .await
    .map_err(map_err)?;
    Ok(())
}

pub(crate) async fn conversation(
    s: &PgStore,
    id: ConversationId,
) -> StoreResult<Option<Conversation>> {
    let row = sqlx::query(&format!(
        "SELECT {CONVERSATION_COLS} FROM conversations WHERE id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(&s.pool)
    .await
    .map_err(map_err)?;
    row.as_ref().map(decode::conversation).transpose()
}

pub(crate) async fn conversation_by_token(
    s: &PgStore,
    token_hash: &str,
) -> StoreResult<Option<Conversation>> {
    let row = sqlx::query(&format!(
        "SELECT {CONVERSATION_COLS} FROM conversations WHERE token_hash = $1"
    ))
    .bind(token_hash)
    .fetch_optional(&s.pool)
    .await
    .map_err(map_err)?;
    row.as_ref().map(decode::conversation).transpose()
}

pub(crate) async fn resume(
    s: &PgStore,
    receipt_hash: &str,
    new_token: &str,
) -> StoreResult<Option<ConversationId>> {
    let id: Option<String> = sqlx::query_scalar(
        "UPDATE conversations SET token_hash = $1 WHERE receipt_hash = $2 RETURNING id",
    )
    .bind(new_token)
    .bind(receipt_hash)
    .fetch_optional(&s.pool)
    .await
    .map_err(map_err)?;
    id.map(|id| id.parse().map_err(crate::internal)).transpose()
}

/// Appends one event with the next sequence number, its body sealed for its place. The caller
/// holds the write transaction.
#[allow(clippy::too_many_arguments)] // one column each; a struct would only rename them
pub(crate) async fn push_event(
    c: &ContentCipher,
    tx: &mut Transaction<'_, Postgres>,
    conversation: ConversationId,
    kind: EventKind,
    author: Author,
    staff: Option<String>,
    client_id: Option<&str>,
    body: Option<&str>,
    at: Timestamp,
) -> StoreResult<Event> {
    let seq: i64 = sqlx::query_scalar(
        "UPDATE conversations SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq",
    )
    .bind(conversation.to_string())
    .fetch_optional(&mut **tx)
    .await
    .map_err(map_err)?
    .ok_or(StoreError::NotFound)?;
    sqlx::query(
        "INSERT INTO events (conversation_id, seq, kind, author, staff_id, client_id, body, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(conversation.to_string())
    .bind(seq)
    .bind(kind.as_str())
    .bind(author.as_str())
    .bind(staff)
    .bind(client_id)
    .bind(c.seal_opt(&place::event_body(conversation, seq), body)?)
    .bind(to_millis(at))
    .execute(&mut **tx)
    .await
    .map_err(map_err)?;
    Ok(Event {
        seq: decode::seq(seq),
        kind,
        author,
        body: body.map(str::to_owned),
        client_id: client_id.map(str::to_owned),
        at,
        photo: None,
    })
}

pub(crate) async fn append_message(s: &PgStore, msg: NewMessage) -> StoreResult<Appended> {
    append(s, &msg, None).await
}

pub(crate) async fn append_photo(s: &PgStore, photo: NewPhoto) -> StoreResult<Appended> {
    let msg = Posted {
        conversation: photo.conversation,
        writer: Writer::Witness,
        client_id: photo.client_id.as_str(),
        body: None,
        at: photo.at,
    };
    append(s, msg, Some(&photo)).await
}

/// What `append` needs of a message or of a photo.
struct Posted<'a> {
    conversation: ConversationId,
    writer: Writer,
    client_id: &'a str,
    body: Option<&'a str>,
    at: Timestamp,
}

impl<'a> From<&'a NewMessage> for Posted<'a> {
    fn from(m: &'a NewMessage) -> Self {
        Posted {
            conversation: m.conversation,
            writer: m.writer,
            client_id: m.client_id.as_str(),
            body: Some(m.body.as_str()),
            at: m.at,
        }
    }
}

async fn append<'a>(
    s: &PgStore,
    msg: impl Into<Posted<'a>>,
    photo: Option<&NewPhoto>,
) -> StoreResult<Appended> {
    let msg: Posted<'a> = msg.into();
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    let conv = msg.conversation.to_string();
    let author = msg.writer.author();
    // Lock the conversation row first: concurrent sends to one conversation (from any node)
    // then take turns, so a retried client id is always seen by the second one.
    let row = sqlx::query(
        "SELECT state, operator_id, blocked_at FROM conversations WHERE id = $1 FOR NO KEY UPDATE",
    )
    .bind(&conv)
    .fetch_optional(&mut *tx)
    .await
    .map_err(map_err)?
    .ok_or(StoreError::NotFound)?;
    // A retried send: answer the first sequence number, write nothing.
    let earlier: Option<i64> = sqlx::query_scalar(
        "SELECT seq FROM events WHERE conversation_id = $1 AND author = $2 AND client_id = $3",
    )
    .bind(&conv)
    .bind(author.as_str())
    .bind(msg.client_id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(map_err)?;
    if let Some(seq) = earlier {
        return Ok(Appended {
            seq: decode::seq(seq),
            duplicate: true,
        });
    }
    let state: String = get(&row, "state")?;
    let operator: Option<String> = get(&row, "operator_id")?;
    // An officer blocked this conversation as abusive: the witness's words are refused.
    if msg.writer == Writer::Witness && get::<Option<i64>>(&row, "blocked_at")?.is_some() {
        return Err(StoreError::Conflict("conversation-blocked"));
    }
    // A closed conversation takes one more witness message only as the answer to a follow-up
    // question the cell left in the thread. The conversation row is locked, so of two racing
    // answers one takes the question and the other finds none open.
    let open_question: Option<i64> = if state == "closed" && msg.writer == Writer::Witness {
        sqlx::query_scalar(
            "SELECT id FROM follow_ups WHERE conversation_id = $1 AND answer_seq IS NULL ORDER BY id LIMIT 1",
        )
        .bind(&conv)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?
    } else {
        None
    };
    if state == "closed" && open_question.is_none() {
        return Err(StoreError::Closed);
    }
    let staff = match msg.writer {
        Writer::Witness => None,
        Writer::Officer(id) => {
            // The capability checked who holds the case; here only that someone does.
            if state != "active" || operator.is_none() {
                return Err(StoreError::Forbidden);
            }
            Some(id.to_string())
        }
    };
    let event = push_event(
        &s.cipher,
        &mut tx,
        msg.conversation,
        EventKind::Message,
        author,
        staff,
        Some(msg.client_id),
        msg.body,
        msg.at,
    )
    .await?;
    if let Writer::Officer(officer) = msg.writer {
        // The holder's first message stops their first-reply clock (the engine's `record_reply`).
        sqlx::query(
            "UPDATE conversations SET first_reply_at = $1 \
             WHERE id = $2 AND operator_id = $3 AND first_reply_at IS NULL",
        )
        .bind(to_millis(msg.at))
        .bind(&conv)
        .bind(officer.to_string())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    }
    if let Some(photo) = photo {
        let id = photo.id.to_string();
        sqlx::query(
            "INSERT INTO photos (id, conversation_id, content, width, height, bytes, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(&conv)
        .bind(s.cipher.seal_bytes(&place::photo(photo.id), &photo.jpeg)?)
        .bind(i64::from(photo.width))
        .bind(i64::from(photo.height))
        .bind(i64::try_from(photo.jpeg.len()).unwrap_or(i64::MAX))
        .bind(to_millis(photo.at))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        sqlx::query("UPDATE events SET photo_id = $1 WHERE conversation_id = $2 AND seq = $3")
            .bind(&id)
            .bind(&conv)
            .bind(i64::try_from(event.seq).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
    }
    if let Some(question) = open_question {
        sqlx::query("UPDATE follow_ups SET answer_seq = $1, answered_at = $2 WHERE id = $3")
            .bind(i64::try_from(event.seq).unwrap_or(i64::MAX))
            .bind(to_millis(msg.at))
            .bind(question)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
    }
    tx.commit().await.map_err(map_err)?;
    Ok(Appended {
        seq: event.seq,
        duplicate: false,
    })
}

pub(crate) async fn events_after(
    s: &PgStore,
    conversation: ConversationId,
    after: u64,
    limit: u32,
) -> StoreResult<Vec<Event>> {
    let rows = sqlx::query(
        "SELECT seq, kind, author, client_id, body, at, photo_id FROM events \
         WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(conversation.to_string())
    .bind(i64::try_from(after).unwrap_or(i64::MAX))
    .bind(i64::from(limit))
    .fetch_all(&s.pool)
    .await
    .map_err(map_err)?;
    rows.iter()
        .map(|row| decode::event(&s.cipher, conversation, row))
        .collect()
}

pub(crate) async fn close_by_witness(
    s: &PgStore,
    conversation: ConversationId,
    at: Timestamp,
) -> StoreResult<Event> {
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    let state: String =
        sqlx::query_scalar("SELECT state FROM conversations WHERE id = $1 FOR NO KEY UPDATE")
            .bind(conversation.to_string())
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?
            .ok_or(StoreError::NotFound)?;
    if state == "closed" {
        // Already ended by an officer: the witness's leaving only revokes the token.
        sqlx::query("UPDATE conversations SET token_hash = NULL WHERE id = $1")
            .bind(conversation.to_string())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        return Err(StoreError::Closed);
    }
    sqlx::query(
        "UPDATE conversations SET state = 'closed', closed_at = $1, token_hash = NULL WHERE id = $2",
    )
    .bind(to_millis(at))
    .bind(conversation.to_string())
    .execute(&mut *tx)
    .await
    .map_err(map_err)?;
    crate::dispatch::forget(&mut tx, conversation).await?;
    let event = push_event(
        &s.cipher,
        &mut tx,
        conversation,
        EventKind::Closed,
        Author::Witness,
        None,
        None,
        None,
        at,
    )
    .await?;
    let audit = vigie_store::NewAudit {
        actor: None,
        action: "witness_closed",
        target: format!("conversation:{conversation}"),
        purpose: "witness",
        at,
    };
    crate::cases::write_audit(&mut tx, &audit).await?;
    tx.commit().await.map_err(map_err)?;
    Ok(event)
}

pub(crate) async fn photo(s: &PgStore, id: PhotoId) -> StoreResult<Option<Photo>> {
    let row =
        sqlx::query("SELECT conversation_id, content, width, height, at FROM photos WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&s.pool)
            .await
            .map_err(map_err)?;
    let Some(row) = row else { return Ok(None) };
    let sealed: String = get(&row, "content")?;
    Ok(Some(Photo {
        id,
        conversation: decode::parse(&row, "conversation_id")?,
        jpeg: s.cipher.open_bytes(&place::photo(id), &sealed)?,
        width: u32::try_from(get::<i64>(&row, "width")?).map_err(crate::internal)?,
        height: u32::try_from(get::<i64>(&row, "height")?).map_err(crate::internal)?,
        at: decode::ts(&row, "at")?,
    }))
}

pub(crate) async fn spend_proof(
    s: &PgStore,
    hash: &str,
    expires_at: Timestamp,
    now: Timestamp,
) -> StoreResult<bool> {
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    sqlx::query("DELETE FROM spent_proofs WHERE expires_at <= $1")
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    let n = sqlx::query(
        "INSERT INTO spent_proofs (hash, expires_at) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING",
    )
    .bind(hash)
    .bind(to_millis(expires_at))
    .execute(&mut *tx)
    .await
    .map_err(map_err)?
    .rows_affected();
    tx.commit().await.map_err(map_err)?;
    Ok(n == 1)
}
