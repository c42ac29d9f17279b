//! Dispatch (issue 6): the rows behind `vigie_domain::dispatch`. Rule: each change mirrors the
//! engine's reference mutation on `Snapshot` (`apply`, `claim`, `decline`, `close`) in one
//! transaction. Every transaction that reads or changes who holds or is offered a chat (dispatch,
//! take, take next, accept, decline, handover) first takes one transaction-scoped advisory lock,
//! so nodes take turns and a plan is applied to the very state it was computed from. Closing and
//! messages do not take it: the guarded statements below leave out what they changed meanwhile.

use crate::cases::{audit, claim, write_audit};
use crate::decode::{enum_col, get, opt_ts, parse, ts};
use crate::{internal, map_err, PgStore};
use sqlx::postgres::PgRow;
use sqlx::PgConnection;
use std::collections::BTreeSet;
use time::OffsetDateTime;
use vigie_domain::clock::to_millis;
use vigie_domain::dispatch::{
    self, AlertReason, Decline, DispatchConfig, Duty, HeldChat, Offer, Officer, Plan, Priority,
    Snapshot, WaitingChat,
};
use vigie_domain::{ConversationId, ReportId, Role, StaffId, Timestamp};
use vigie_store::{DispatchAlertRow, NewAudit, StoreError, StoreResult, TakeOutcome};

fn priority(row: &PgRow) -> StoreResult<Priority> {
    let level: i64 = get(row, "priority")?;
    Priority::from_level(level).ok_or_else(|| internal(format!("unexpected priority {level}")))
}

/// Reads the snapshot on `conn` (inside the caller's transaction). Dispatch manages the officers
/// whose duty was ever set (by themselves, a lead or the roster): an account that only takes
/// chats by hand (an API client, an officer who never chose a duty) is left out, and so are
/// the chats it holds — never requeued for an absence nobody declared.
async fn load(conn: &mut PgConnection) -> StoreResult<Snapshot> {
    let rows = sqlx::query(
        "SELECT s.id, p.duty, p.last_seen, p.capacity, p.last_assigned \
         FROM staff s JOIN staff_presence p ON p.staff_id = s.id \
         WHERE s.role IN ($1, $2) AND s.disabled_at IS NULL AND p.duty_changed_at IS NOT NULL ORDER BY s.id",
    )
    .bind(Role::Operator.as_str())
    .bind(Role::Supervisor.as_str())
    .fetch_all(&mut *conn)
    .await
    .map_err(map_err)?;
    let officers = rows
        .iter()
        .map(|row| {
            Ok(Officer {
                id: parse(row, "id")?,
                duty: enum_col(row, "duty", Duty::parse)?,
                last_seen: opt_ts(row, "last_seen")?.unwrap_or(OffsetDateTime::UNIX_EPOCH),
                capacity: u32::try_from(get::<i64>(row, "capacity")?).map_err(internal)?,
                last_assigned: opt_ts(row, "last_assigned")?,
            })
        })
        .collect::<StoreResult<_>>()?;
    let rows = sqlx::query(
        "SELECT id, priority, created_at, long_wait_alerted FROM conversations \
         WHERE state = 'waiting' AND blocked_at IS NULL ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(map_err)?;
    let waiting = rows
        .iter()
        .map(|row| {
            Ok(WaitingChat {
                id: parse(row, "id")?,
                priority: priority(row)?,
                waiting_since: ts(row, "created_at")?,
                long_wait_alerted: get::<bool>(row, "long_wait_alerted")?,
            })
        })
        .collect::<StoreResult<_>>()?;
    let rows = sqlx::query(
        "SELECT conversation_id, staff_id, expires_at FROM dispatch_offers ORDER BY conversation_id",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(map_err)?;
    let offers = rows
        .iter()
        .map(|row| {
            Ok(Offer {
                chat: parse(row, "conversation_id")?,
                officer: parse(row, "staff_id")?,
                expires_at: ts(row, "expires_at")?,
            })
        })
        .collect::<StoreResult<_>>()?;
    // A blocked chat stays with its holder until they close it as rejected: never requeued.
    let rows = sqlx::query(
        "SELECT id, operator_id, priority, created_at, COALESCE(taken_at, created_at) AS taken_at, \
                first_reply_at \
         FROM conversations \
         WHERE state = 'active' AND operator_id IS NOT NULL AND blocked_at IS NULL \
           AND operator_id IN (SELECT staff_id FROM staff_presence WHERE duty_changed_at IS NOT NULL) \
         ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(map_err)?;
    let held = rows
        .iter()
        .map(|row| {
            Ok(HeldChat {
                chat: parse(row, "id")?,
                officer: parse(row, "operator_id")?,
                priority: priority(row)?,
                waiting_since: ts(row, "created_at")?,
                taken_at: ts(row, "taken_at")?,
                first_reply_at: opt_ts(row, "first_reply_at")?,
            })
        })
        .collect::<StoreResult<_>>()?;
    let rows = sqlx::query(
        "SELECT conversation_id, staff_id FROM dispatch_declines ORDER BY conversation_id, staff_id",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(map_err)?;
    let declines = rows
        .iter()
        .map(|row| {
            Ok(Decline {
                chat: parse(row, "conversation_id")?,
                officer: parse(row, "staff_id")?,
            })
        })
        .collect::<StoreResult<_>>()?;
    Ok(Snapshot {
        officers,
        waiting,
        offers,
        held,
        declines,
    })
}

pub(crate) async fn snapshot(s: &PgStore) -> StoreResult<Snapshot> {
    // One repeatable-read transaction: the five reads see the same state.
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    let snapshot = load(&mut tx).await?;
    tx.commit().await.map_err(map_err)?;
    Ok(snapshot)
}

/// The key of the advisory lock every dispatch-changing transaction takes first ("VIGIE" 6).
const DISPATCH_LOCK: i64 = 0x5649_4749_4500_0006;

/// Waits for this node's turn: held until the transaction ends, so dispatch, takes, offers and
/// handovers are serialised across every node sharing the database.
pub(crate) async fn serialise(conn: &mut PgConnection) -> StoreResult<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(DISPATCH_LOCK)
        .execute(conn)
        .await
        .map_err(map_err)?;
    Ok(())
}

/// Remembers that `officer` declined (or let expire, or lost) the chat.
pub(crate) async fn remember(
    conn: &mut PgConnection,
    chat: ConversationId,
    officer: StaffId,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO dispatch_declines (conversation_id, staff_id) VALUES ($1, $2) \
         ON CONFLICT DO NOTHING",
    )
    .bind(chat.to_string())
    .bind(officer.to_string())
    .execute(conn)
    .await
    .map_err(map_err)?;
    Ok(())
}

/// The officer was given a chat: the fair rotation moves on.
pub(crate) async fn assigned(
    conn: &mut PgConnection,
    officer: StaffId,
    at: Timestamp,
) -> StoreResult<()> {
    sqlx::query("UPDATE staff_presence SET last_assigned = $1 WHERE staff_id = $2")
        .bind(to_millis(at))
        .bind(officer.to_string())
        .execute(conn)
        .await
        .map_err(map_err)?;
    Ok(())
}

/// The chat is closed: it leaves dispatch, its offer and its decline memory go.
pub(crate) async fn forget(conn: &mut PgConnection, chat: ConversationId) -> StoreResult<()> {
    for sql in [
        "DELETE FROM dispatch_offers WHERE conversation_id = $1",
        "DELETE FROM dispatch_declines WHERE conversation_id = $1",
    ] {
        sqlx::query(sql)
            .bind(chat.to_string())
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
    }
    Ok(())
}

/// Applies `plan` as `Snapshot::apply` does, in its order; leaves out of it what the rows no
/// longer allow (a requeue of a chat that changed hands or got its answer, an offer of a chat
/// no longer waiting), so the caller gets the plan as applied.
async fn apply(conn: &mut PgConnection, plan: &mut Plan, now: Timestamp) -> StoreResult<()> {
    for w in &plan.withdrawals {
        sqlx::query("DELETE FROM dispatch_offers WHERE conversation_id = $1 AND staff_id = $2")
            .bind(w.offer.chat.to_string())
            .bind(w.offer.officer.to_string())
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
        if w.remembered() {
            remember(conn, w.offer.chat, w.offer.officer).await?;
        }
    }
    let mut dropped = BTreeSet::new();
    let mut requeues = Vec::with_capacity(plan.requeues.len());
    for r in std::mem::take(&mut plan.requeues) {
        let answered_guard = if r.reason == AlertReason::FirstReplyTimeout {
            " AND first_reply_at IS NULL"
        } else {
            ""
        };
        let moved = sqlx::query(&format!(
            "UPDATE conversations SET state = 'waiting', operator_id = NULL, first_reply_at = NULL, \
             long_wait_alerted = $1 WHERE id = $2 AND state = 'active' AND operator_id = $3{answered_guard}"
        ))
        .bind(r.entry.long_wait_alerted)
        .bind(r.entry.id.to_string())
        .bind(r.from.to_string())
        .execute(&mut *conn)
        .await
        .map_err(map_err)?
        .rows_affected();
        if moved != 1 {
            dropped.insert(r.entry.id);
            continue;
        }
        remember(conn, r.entry.id, r.from).await?;
        write_audit(
            conn,
            &NewAudit {
                actor: None,
                action: "dispatch_requeued",
                target: format!("conversation:{}", r.entry.id),
                purpose: "handling",
                at: now,
            },
        )
        .await?;
        requeues.push(r);
    }
    plan.requeues = requeues;
    let mut offers = Vec::with_capacity(plan.offers.len());
    for offer in std::mem::take(&mut plan.offers) {
        let made = sqlx::query(
            "INSERT INTO dispatch_offers (conversation_id, staff_id, offered_at, expires_at) \
             SELECT id, $1, $2, $3 FROM conversations WHERE id = $4 AND state = 'waiting' \
             ON CONFLICT DO NOTHING",
        )
        .bind(offer.officer.to_string())
        .bind(to_millis(now))
        .bind(to_millis(offer.expires_at))
        .bind(offer.chat.to_string())
        .execute(&mut *conn)
        .await
        .map_err(map_err)?
        .rows_affected();
        if made == 1 {
            assigned(conn, offer.officer, now).await?;
            offers.push(offer);
        }
    }
    plan.offers = offers;
    plan.alerts
        .retain(|a| a.reason == AlertReason::LongWait || !dropped.contains(&a.chat));
    for alert in &plan.alerts {
        sqlx::query(
            "INSERT INTO dispatch_alerts (conversation_id, staff_id, reason, due_at, at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(alert.chat.to_string())
        .bind(alert.officer.map(|o| o.to_string()))
        .bind(alert.reason.as_str())
        .bind(to_millis(alert.due_at))
        .bind(to_millis(now))
        .execute(&mut *conn)
        .await
        .map_err(map_err)?;
        if alert.reason == AlertReason::LongWait {
            sqlx::query("UPDATE conversations SET long_wait_alerted = TRUE WHERE id = $1")
                .bind(alert.chat.to_string())
                .execute(&mut *conn)
                .await
                .map_err(map_err)?;
        }
    }
    Ok(())
}

pub(crate) async fn run(s: &PgStore, now: Timestamp, config: &DispatchConfig) -> StoreResult<Plan> {
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    serialise(&mut tx).await?;
    let snapshot = load(&mut tx).await?;
    let mut plan = dispatch::plan(&snapshot, now, config);
    if plan.is_quiet() {
        return Ok(plan);
    }
    apply(&mut tx, &mut plan, now).await?;
    tx.commit().await.map_err(map_err)?;
    Ok(plan)
}

/// Whether the chat is under a live offer to another officer.
pub(crate) async fn offered_to_another(
    conn: &mut PgConnection,
    chat: ConversationId,
    staff: StaffId,
    at: Timestamp,
) -> StoreResult<bool> {
    let other: Option<i64> = sqlx::query_scalar(
        "SELECT 1::BIGINT FROM dispatch_offers WHERE conversation_id = $1 AND staff_id != $2 AND expires_at > $3",
    )
    .bind(chat.to_string())
    .bind(staff.to_string())
    .bind(to_millis(at))
    .fetch_optional(conn)
    .await
    .map_err(map_err)?;
    Ok(other.is_some())
}

pub(crate) async fn accept_offer(
    s: &PgStore,
    conversation: ConversationId,
    staff: StaffId,
    report: ReportId,
    at: Timestamp,
) -> StoreResult<TakeOutcome> {
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    serialise(&mut tx).await?;
    let state: Option<String> = sqlx::query_scalar("SELECT state FROM conversations WHERE id = $1")
        .bind(conversation.to_string())
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
    match state.as_deref() {
        Some("waiting") => {}
        Some("active") => return Ok(TakeOutcome::AlreadyTaken),
        _ => return Ok(TakeOutcome::NotFound),
    }
    let live: Option<i64> = sqlx::query_scalar(
        "SELECT 1::BIGINT FROM dispatch_offers WHERE conversation_id = $1 AND staff_id = $2 AND expires_at > $3",
    )
    .bind(conversation.to_string())
    .bind(staff.to_string())
    .bind(to_millis(at))
    .fetch_optional(&mut *tx)
    .await
    .map_err(map_err)?;
    if live.is_none() {
        return Err(StoreError::Conflict("offer-gone"));
    }
    match claim(&s.cipher, &mut tx, conversation, staff, report, at).await? {
        Some(event) => {
            tx.commit().await.map_err(map_err)?;
            Ok(TakeOutcome::Taken(event))
        }
        // Waiting but blocked: never to be taken.
        None => Ok(TakeOutcome::NotFound),
    }
}

pub(crate) async fn decline_offer(
    s: &PgStore,
    conversation: ConversationId,
    staff: StaffId,
    at: Timestamp,
) -> StoreResult<bool> {
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    serialise(&mut tx).await?;
    let ended =
        sqlx::query("DELETE FROM dispatch_offers WHERE conversation_id = $1 AND staff_id = $2")
            .bind(conversation.to_string())
            .bind(staff.to_string())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
    if ended == 0 {
        return Ok(false);
    }
    remember(&mut tx, conversation, staff).await?;
    write_audit(
        &mut tx,
        &audit(
            staff,
            "decline_offer",
            format!("conversation:{conversation}"),
            at,
        ),
    )
    .await?;
    tx.commit().await.map_err(map_err)?;
    Ok(true)
}

pub(crate) async fn alerts(s: &PgStore, since: Timestamp) -> StoreResult<Vec<DispatchAlertRow>> {
    let rows = sqlx::query(
        "SELECT id, conversation_id, staff_id, reason, due_at, at FROM dispatch_alerts \
         WHERE at >= $1 ORDER BY id",
    )
    .bind(to_millis(since))
    .fetch_all(&s.pool)
    .await
    .map_err(map_err)?;
    rows.iter()
        .map(|row| {
            Ok(DispatchAlertRow {
                id: get(row, "id")?,
                conversation: parse(row, "conversation_id")?,
                staff: get::<Option<String>>(row, "staff_id")?
                    .map(|id| id.parse().map_err(internal))
                    .transpose()?,
                reason: enum_col(row, "reason", AlertReason::parse)?,
                due_at: ts(row, "due_at")?,
                at: ts(row, "at")?,
            })
        })
        .collect()
}

pub(crate) async fn raise_priority(
    s: &PgStore,
    conversation: ConversationId,
    level: i32,
    by: Option<StaffId>,
    at: Timestamp,
) -> StoreResult<bool> {
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    let raised = sqlx::query(
        "UPDATE conversations SET priority = $1 \
         WHERE id = $2 AND state = 'waiting' AND priority < $3",
    )
    .bind(i64::from(level))
    .bind(conversation.to_string())
    .bind(i64::from(level))
    .execute(&mut *tx)
    .await
    .map_err(map_err)?
    .rows_affected()
        == 1;
    if raised {
        write_audit(
            &mut tx,
            &NewAudit {
                actor: by,
                action: "priority_raised",
                target: format!("conversation:{conversation}"),
                purpose: "handling",
                at,
            },
        )
        .await?;
    }
    tx.commit().await.map_err(map_err)?;
    Ok(raised)
}
