//! Warm handover (issue 6): the holder passes a live chat to a colleague or back to the queue
//! with a note, which the receiver acknowledges. Rule: the rows follow the engine's
//! `Snapshot::apply_handover` in one write transaction with the sealed note and the audit row;
//! the witness's thread gets nothing (the conversation simply goes on). Serialised with dispatch.

use crate::cases::{audit, write_audit};
use crate::decode::{get, parse, ts};
use crate::dispatch::{assigned, remember, serialise};
use crate::{map_err, PgStore};
use vigie_domain::clock::to_millis;
use vigie_domain::report::FieldErrors;
use vigie_domain::{ConversationId, NoteBody, Permission, Role, StaffId, Timestamp};
use vigie_store::{place, AssignedCase, HandoverNote, StoreError, StoreResult};

fn receiver_error(code: &'static str) -> StoreError {
    let mut e = FieldErrors::default();
    e.add("to", code);
    StoreError::Invalid(e)
}

pub(crate) async fn handover(
    s: &PgStore,
    case: &AssignedCase,
    to: Option<StaffId>,
    note: NoteBody,
    at: Timestamp,
) -> StoreResult<i64> {
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    serialise(&mut tx).await?;
    let chat = case.conversation();
    let holder: Option<String> = sqlx::query_scalar(
        "SELECT operator_id FROM conversations WHERE id = $1 AND state = 'active' FOR NO KEY UPDATE",
    )
    .bind(chat.to_string())
    .fetch_optional(&mut *tx)
    .await
    .map_err(map_err)?
    .flatten();
    let from: StaffId = holder
        .ok_or(StoreError::Conflict("handover-not-held"))?
        .parse()
        .map_err(crate::internal)?;
    if case.staff() != from {
        // A capability obtained before the chat changed hands, or a shift lead's: only a lead
        // may hand over a chat someone else holds.
        let role: Option<String> = sqlx::query_scalar("SELECT role FROM staff WHERE id = $1")
            .bind(case.staff().to_string())
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
        let leads = role
            .as_deref()
            .and_then(|r| Role::parse(r).ok())
            .is_some_and(|r| r.may(Permission::ReadAllConversations));
        if !leads {
            return Err(StoreError::Forbidden);
        }
    }
    match to {
        Some(to) if to == from => return Err(receiver_error("handover-same-officer")),
        Some(to) => {
            let colleague: Option<i64> = sqlx::query_scalar(
                "SELECT 1::BIGINT FROM staff WHERE id = $1 AND role IN ($2, $3) AND disabled_at IS NULL",
            )
            .bind(to.to_string())
            .bind(Role::Operator.as_str())
            .bind(Role::Supervisor.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
            if colleague.is_none() {
                return Err(receiver_error("handover-unknown-receiver"));
            }
            // The receiver's own first-reply clock starts now.
            sqlx::query(
                "UPDATE conversations SET operator_id = $1, taken_at = $2, first_reply_at = NULL \
                 WHERE id = $3 AND state = 'active' AND operator_id = $4",
            )
            .bind(to.to_string())
            .bind(to_millis(at))
            .bind(chat.to_string())
            .bind(from.to_string())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            assigned(&mut tx, to, at).await?;
        }
        None => {
            // A blocked chat stays with its holder until they close it as rejected: back in
            // the queue it would be offered to no one and closed by no one.
            let blocked: Option<i64> =
                sqlx::query_scalar("SELECT blocked_at FROM conversations WHERE id = $1")
                    .bind(chat.to_string())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .flatten();
            if blocked.is_some() {
                return Err(StoreError::Conflict("handover-blocked"));
            }
            // Back at its original wait and priority; its long-wait alert is not due again.
            sqlx::query(
                "UPDATE conversations SET state = 'waiting', operator_id = NULL, \
                 first_reply_at = NULL, long_wait_alerted = TRUE \
                 WHERE id = $1 AND state = 'active' AND operator_id = $2",
            )
            .bind(chat.to_string())
            .bind(from.to_string())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            remember(&mut tx, chat, from).await?;
        }
    }
    sqlx::query("DELETE FROM dispatch_offers WHERE conversation_id = $1")
        .bind(chat.to_string())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    // The sealed note names its row, so the row is made first (empty) and then filled.
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO handovers (conversation_id, from_staff, to_staff, note, at) \
         VALUES ($1, $2, $3, '', $4) RETURNING id",
    )
    .bind(chat.to_string())
    .bind(from.to_string())
    .bind(to.map(|t| t.to_string()))
    .bind(to_millis(at))
    .fetch_one(&mut *tx)
    .await
    .map_err(map_err)?;
    sqlx::query("UPDATE handovers SET note = $1 WHERE id = $2")
        .bind(
            s.cipher
                .seal(&place::handover_note(chat, id), note.as_str())?,
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    write_audit(
        &mut tx,
        &audit(case.staff(), "handover", format!("conversation:{chat}"), at),
    )
    .await?;
    tx.commit().await.map_err(map_err)?;
    Ok(id)
}

/// Who receives a handover: the named colleague, or for one back to the queue, its next holder.
const RECEIVER: &str = "(h.to_staff = $1 OR (h.to_staff IS NULL AND EXISTS (\
     SELECT 1 FROM conversations c WHERE c.id = h.conversation_id \
     AND c.state = 'active' AND c.operator_id = $1)))";

pub(crate) async fn acknowledge(
    s: &PgStore,
    id: i64,
    staff: StaffId,
    at: Timestamp,
) -> StoreResult<()> {
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    let chat: Option<String> = sqlx::query_scalar(&format!(
        "UPDATE handovers AS h SET acknowledged_at = COALESCE(h.acknowledged_at, $2) \
         WHERE h.id = $3 AND {RECEIVER} RETURNING conversation_id"
    ))
    .bind(staff.to_string())
    .bind(to_millis(at))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(map_err)?;
    let chat = chat.ok_or(StoreError::NotFound)?;
    write_audit(
        &mut tx,
        &audit(
            staff,
            "acknowledge_handover",
            format!("conversation:{chat}"),
            at,
        ),
    )
    .await?;
    tx.commit().await.map_err(map_err)
}

pub(crate) async fn pending(s: &PgStore, staff: StaffId) -> StoreResult<Vec<HandoverNote>> {
    let rows = sqlx::query(&format!(
        "SELECT h.id, h.conversation_id, s.username, h.note, h.at \
         FROM handovers h JOIN staff s ON s.id = h.from_staff \
         WHERE h.acknowledged_at IS NULL AND {RECEIVER} ORDER BY h.id"
    ))
    .bind(staff.to_string())
    .fetch_all(&s.pool)
    .await
    .map_err(map_err)?;
    rows.iter()
        .map(|row| {
            let id: i64 = get(row, "id")?;
            let conversation: ConversationId = parse(row, "conversation_id")?;
            Ok(HandoverNote {
                id,
                conversation,
                from_username: get(row, "username")?,
                note: s.cipher.open(
                    &place::handover_note(conversation, id),
                    &get::<String>(row, "note")?,
                )?,
                at: ts(row, "at")?,
            })
        })
        .collect()
}
