//! The end of a report's life and what survives it: the purge removes personal content once
//! the retention rule of the report's final state has run out; counts, dates, départements,
//! activities and outcomes remain, and the statistics read only those (the response times too:
//! a conversation's row, with its creation, closing and first reply, outlives the purge, and
//! so does its report's creation, the first take).

use crate::cases::write_audit;
use crate::decode::{enum_col, get, opt_ts, parse, ts};
use crate::units::retention_rules;
use crate::{internal, map_err, SqliteStore};
use std::collections::{BTreeMap, HashMap};
use time::Duration;
use vigie_domain::clock::to_millis;
use vigie_domain::dispatch::ChatTimes;
use vigie_domain::{ReportState, Timestamp};
use vigie_store::{NewAudit, PurgeReport, Statistics, StoreResult};

pub(crate) async fn purge(s: &SqliteStore, now: Timestamp) -> StoreResult<PurgeReport> {
    let mut purged = 0;
    let today = now.date().to_string();
    for rule in retention_rules(s).await? {
        let threshold = now - Duration::days(i64::from(rule.days));
        // An unconfirmed report is kept at least until its review date.
        let rows = sqlx::query(
            "SELECT id, conversation_id FROM reports WHERE state = ? AND updated_at < ? \
             AND (review_on IS NULL OR review_on < ?)",
        )
        .bind(rule.state.as_str())
        .bind(to_millis(threshold))
        .bind(&today)
        .fetch_all(&s.read)
        .await
        .map_err(map_err)?;
        for row in &rows {
            let id: String = get(row, "id")?;
            let conversation: String = get(row, "conversation_id")?;
            if purge_one(s, &id, &conversation, rule.state, now).await? {
                purged += 1;
            }
        }
    }
    Ok(PurgeReport { reports: purged })
}

async fn purge_one(
    s: &SqliteStore,
    id: &str,
    conversation: &str,
    expected: ReportState,
    now: Timestamp,
) -> StoreResult<bool> {
    let mut tx = s.write.begin().await.map_err(map_err)?;
    let state: Option<String> = sqlx::query_scalar("SELECT state FROM reports WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
    // Someone moved it since the scan (a review reopened it): leave it.
    if state.as_deref() != Some(expected.as_str()) {
        return Ok(false);
    }
    let next = expected.transition(ReportState::Purged)?;
    for sql in [
        "DELETE FROM report_versions WHERE report_id = ?",
        "DELETE FROM report_checks WHERE report_id = ?",
        "DELETE FROM follow_ups WHERE report_id = ?",
        "DELETE FROM disseminations WHERE report_id = ?",
    ] {
        sqlx::query(sql)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
    }
    // `{}` stays clear on purpose: it holds no words, and reads (as a value written before
    // encryption) as the empty report.
    sqlx::query(
        "UPDATE reports SET state = ?, fields = '{}', commune = NULL, lat = NULL, lon = NULL, \
         assessment = NULL, outcome_reason = NULL, review_on = NULL, updated_at = ? WHERE id = ?",
    )
    .bind(next.as_str())
    .bind(to_millis(now))
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(map_err)?;
    for sql in [
        "DELETE FROM events WHERE conversation_id = ?",
        "DELETE FROM notes WHERE conversation_id = ?",
        "DELETE FROM photos WHERE conversation_id = ?",
        "DELETE FROM handovers WHERE conversation_id = ?",
    ] {
        sqlx::query(sql)
            .bind(conversation)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
    }
    // The receipt code stops working: its hash is replaced by a value no code hashes to.
    sqlx::query(
        "UPDATE conversations SET state = 'closed', receipt_hash = 'purged:' || id, token_hash = NULL, blocked_reason = NULL WHERE id = ?",
    )
    .bind(conversation)
    .execute(&mut *tx)
    .await
    .map_err(map_err)?;
    write_audit(
        &mut tx,
        &NewAudit {
            actor: None,
            action: "purge_report",
            target: format!("report:{id}"),
            purpose: "retention",
            at: now,
        },
    )
    .await?;
    tx.commit().await.map_err(map_err)?;
    Ok(true)
}

pub(crate) async fn reports_per_departement(
    s: &SqliteStore,
) -> StoreResult<Vec<(vigie_domain::DepartementCode, u64)>> {
    let rows = sqlx::query(
        "SELECT departement, COUNT(*) AS n FROM reports WHERE departement IS NOT NULL \
         AND qualified_at IS NOT NULL GROUP BY departement ORDER BY departement",
    )
    .fetch_all(&s.read)
    .await
    .map_err(map_err)?;
    rows.iter()
        .map(|row| {
            Ok((
                parse(row, "departement")?,
                u64::try_from(get::<i64>(row, "n")?).unwrap_or(0),
            ))
        })
        .collect()
}

fn counts(rows: &[sqlx::sqlite::SqliteRow]) -> StoreResult<Vec<(String, u64)>> {
    rows.iter()
        .map(|row| {
            Ok((
                get::<Option<String>>(row, "k")?.unwrap_or_default(),
                u64::try_from(get::<i64>(row, "n")?).unwrap_or(0),
            ))
        })
        .collect()
}

pub(crate) async fn statistics(
    s: &SqliteStore,
    since: Timestamp,
    until: Timestamp,
) -> StoreResult<Statistics> {
    let (from, to) = (to_millis(since), to_millis(until));
    let grouped = |sql: &'static str| sqlx::query(sql).bind(from).bind(to).fetch_all(&s.read);
    let created =
        sqlx::query("SELECT id, created_at FROM reports WHERE created_at BETWEEN ? AND ?")
            .bind(from)
            .bind(to)
            .fetch_all(&s.read)
            .await
            .map_err(map_err)?;
    let mut per_day: BTreeMap<time::Date, u64> = BTreeMap::new();
    let mut created_at = HashMap::new();
    for row in &created {
        let at = ts(row, "created_at")?;
        *per_day.entry(at.date()).or_default() += 1;
        created_at.insert(format!("report:{}", get::<String>(row, "id")?), at);
    }
    let per_departement = grouped(
        "SELECT departement AS k, COUNT(*) AS n FROM reports WHERE departement IS NOT NULL \
         AND qualified_at BETWEEN ? AND ? GROUP BY departement ORDER BY n DESC, departement",
    )
    .await
    .map_err(map_err)?;
    let by_activity = grouped(
        "SELECT activity AS k, COUNT(*) AS n FROM reports WHERE activity IS NOT NULL \
         AND created_at BETWEEN ? AND ? GROUP BY activity ORDER BY n DESC, activity",
    )
    .await
    .map_err(map_err)?;
    let by_state = grouped(
        "SELECT state, COUNT(*) AS n FROM reports WHERE created_at BETWEEN ? AND ? GROUP BY state ORDER BY state",
    )
    .await
    .map_err(map_err)?;
    let by_outcome = grouped(
        "SELECT kind AS k, COUNT(*) AS n FROM outcomes WHERE at BETWEEN ? AND ? GROUP BY kind ORDER BY n DESC, kind",
    )
    .await
    .map_err(map_err)?;
    let seizures = grouped(
        "SELECT product, unit, SUM(quantity) AS total FROM outcomes WHERE kind = 'seizure' \
         AND at BETWEEN ? AND ? GROUP BY product, unit ORDER BY product, unit",
    )
    .await
    .map_err(map_err)?;
    let arrests: Option<i64> = sqlx::query_scalar(
        "SELECT SUM(count) FROM outcomes WHERE kind = 'arrests' AND at BETWEEN ? AND ?",
    )
    .bind(from)
    .bind(to)
    .fetch_one(&s.read)
    .await
    .map_err(map_err)?;
    let actions = vigie_store::stats::stage_actions();
    let marks = vec!["?"; actions.len()].join(", ");
    let sql = format!(
        "SELECT target, action, MIN(at) AS at FROM audit_log WHERE action IN ({marks}) \
         AND target LIKE 'report:%' GROUP BY target, action"
    );
    let mut query = sqlx::query(&sql);
    for a in &actions {
        query = query.bind(*a);
    }
    let firsts = query
        .fetch_all(&s.read)
        .await
        .map_err(map_err)?
        .iter()
        .map(|row| Ok((get(row, "target")?, get(row, "action")?, ts(row, "at")?)))
        .collect::<StoreResult<Vec<(String, String, Timestamp)>>>()?
        .into_iter()
        .filter(|(target, _, _)| created_at.contains_key(target))
        .collect::<Vec<_>>();
    Ok(Statistics {
        per_day: per_day.into_iter().collect(),
        per_departement: counts(&per_departement)?
            .into_iter()
            .map(|(k, n)| {
                Ok((
                    vigie_domain::DepartementCode::parse(&k).map_err(internal)?,
                    n,
                ))
            })
            .collect::<StoreResult<_>>()?,
        by_activity: counts(&by_activity)?,
        by_state: by_state
            .iter()
            .map(|row| {
                Ok((
                    enum_col(row, "state", ReportState::parse)?,
                    u64::try_from(get::<i64>(row, "n")?).unwrap_or(0),
                ))
            })
            .collect::<StoreResult<_>>()?,
        by_outcome: counts(&by_outcome)?,
        stages: vigie_store::stats::stage_times(&created_at, &firsts),
        seizures: seizures
            .iter()
            .map(|row| {
                Ok((
                    get::<Option<String>>(row, "product")?.unwrap_or_default(),
                    get::<Option<String>>(row, "unit")?.unwrap_or_default(),
                    get::<Option<f64>>(row, "total")?.unwrap_or(0.0),
                ))
            })
            .collect::<StoreResult<_>>()?,
        arrests: u64::try_from(arrests.unwrap_or(0)).unwrap_or(0),
    })
}

/// The response-time moments of the conversations created in `[since, until)`. The first take
/// is the report's creation (made at the first take only; `taken_at` moves with requeues and
/// handovers). The first reply is the thread's first officer message (the correlated subquery
/// walks the events primary key of one conversation); a purged conversation has no events
/// left, so its row's `first_reply_at` stands in: the first reply of its last holder, which is
/// the first reply unless the chat changed hands.
pub(crate) async fn chat_times(
    s: &SqliteStore,
    since: Timestamp,
    until: Timestamp,
) -> StoreResult<Vec<ChatTimes>> {
    let rows = sqlx::query(
        "SELECT c.created_at, COALESCE(r.created_at, c.taken_at) AS taken_at, c.closed_at, \
         COALESCE((SELECT MIN(e.at) FROM events e WHERE e.conversation_id = c.id \
          AND e.author = 'officer' AND e.kind = 'message'), c.first_reply_at) AS first_reply \
         FROM conversations c LEFT JOIN reports r ON r.conversation_id = c.id \
         WHERE c.created_at >= ? AND c.created_at < ? \
         ORDER BY c.created_at, c.id",
    )
    .bind(to_millis(since))
    .bind(to_millis(until))
    .fetch_all(&s.read)
    .await
    .map_err(map_err)?;
    rows.iter()
        .map(|row| {
            Ok(ChatTimes {
                created: ts(row, "created_at")?,
                taken: opt_ts(row, "taken_at")?,
                first_reply: opt_ts(row, "first_reply")?,
                closed: opt_ts(row, "closed_at")?,
            })
        })
        .collect()
}
