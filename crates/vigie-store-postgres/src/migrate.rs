//! Copies a whole SQLite database into an empty PostgreSQL one (`vigie migrate-data`): every
//! table in dependency order, in one PostgreSQL transaction, then the row counts of both sides
//! compared. Staff sessions are not copied: everyone logs in again. Sealed content is copied as
//! it is, so the target must be opened with the source's content key.

use crate::{internal, map_err, PgStore};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{Row, SqlitePool};
use std::str::FromStr;
use vigie_store::{StoreError, StoreResult};

#[derive(Clone, Copy)]
enum Kind {
    Text,
    OptText,
    Int,
    OptInt,
    OptReal,
    Bool,
}

use Kind::*;

/// The tables to copy, parents before children, with each column's kind.
const TABLES: &[(&str, &[(&str, Kind)])] = &[
    ("installation", &[("name", Text), ("value", Text)]),
    (
        "departements",
        &[("code", Text), ("name", Text), ("outline", OptText)],
    ),
    (
        "communes",
        &[
            ("insee", Text),
            ("name", Text),
            ("name_key", Text),
            ("kind", Text),
            ("departement", Text),
            ("postcodes", Text),
            ("population", Int),
            ("lat", OptReal),
            ("lon", OptReal),
        ],
    ),
    (
        "staff",
        &[
            ("id", Text),
            ("username", Text),
            ("role", Text),
            ("password_hash", Text),
            ("departements", Text),
            ("failed_logins", Int),
            ("last_failed_at", OptInt),
            ("created_at", Int),
            ("totp_secret", OptText),
            ("totp_enrolled_at", OptInt),
            ("totp_last_step", OptInt),
            ("disabled_at", OptInt),
            ("password_changed_at", OptInt),
        ],
    ),
    (
        "staff_presence",
        &[
            ("staff_id", Text),
            ("duty", Text),
            ("capacity", Int),
            ("last_seen", OptInt),
            ("duty_changed_at", OptInt),
            ("last_assigned", OptInt),
        ],
    ),
    (
        "units",
        &[
            ("id", Text),
            ("name", Text),
            ("kind", Text),
            ("created_at", Int),
        ],
    ),
    (
        "unit_departements",
        &[("unit_id", Text), ("departement", Text)],
    ),
    ("unit_members", &[("staff_id", Text), ("unit_id", Text)]),
    ("retention_rules", &[("state", Text), ("days", Int)]),
    (
        "canned_replies",
        &[
            ("id", Text),
            ("locale", Text),
            ("title", Text),
            ("body", Text),
            ("position", Int),
            ("updated_at", Int),
        ],
    ),
    (
        "conversations",
        &[
            ("id", Text),
            ("state", Text),
            ("locale", Text),
            ("receipt_hash", Text),
            ("token_hash", OptText),
            ("priority", Int),
            ("operator_id", OptText),
            ("created_at", Int),
            ("taken_at", OptInt),
            ("closed_at", OptInt),
            ("last_seq", Int),
            ("blocked_at", OptInt),
            ("blocked_reason", OptText),
            ("long_wait_alerted", Bool),
            ("first_reply_at", OptInt),
        ],
    ),
    (
        "photos",
        &[
            ("id", Text),
            ("conversation_id", Text),
            ("content", Text),
            ("width", Int),
            ("height", Int),
            ("bytes", Int),
            ("at", Int),
        ],
    ),
    (
        "events",
        &[
            ("conversation_id", Text),
            ("seq", Int),
            ("kind", Text),
            ("author", Text),
            ("staff_id", OptText),
            ("client_id", OptText),
            ("body", OptText),
            ("at", Int),
            ("photo_id", OptText),
        ],
    ),
    (
        "notes",
        &[
            ("id", Int),
            ("conversation_id", Text),
            ("staff_id", Text),
            ("body", Text),
            ("at", Int),
        ],
    ),
    (
        "deal_points",
        &[
            ("id", Text),
            ("label", Text),
            ("departement", Text),
            ("commune", OptText),
            ("lat", OptReal),
            ("lon", OptReal),
            ("status", Text),
            ("profile", Text),
            ("created_at", Int),
            ("updated_at", Int),
        ],
    ),
    (
        "deal_point_history",
        &[
            ("id", Int),
            ("deal_point_id", Text),
            ("at", Int),
            ("staff_id", OptText),
            ("action", Text),
            ("detail", Text),
        ],
    ),
    (
        "reports",
        &[
            ("id", Text),
            ("conversation_id", Text),
            ("state", Text),
            ("version", Int),
            ("fields", Text),
            ("activity", OptText),
            ("commune", OptText),
            ("departement", OptText),
            ("weapons", Bool),
            ("outcome", OptText),
            ("outcome_reason", OptText),
            ("created_at", Int),
            ("updated_at", Int),
            ("qualified_at", OptInt),
            ("grading_source", OptText),
            ("grading_credibility", OptText),
            ("handling_code", OptText),
            ("assessment", OptText),
            ("review_on", OptText),
            ("deal_point_id", OptText),
            ("lat", OptReal),
            ("lon", OptReal),
        ],
    ),
    (
        "report_versions",
        &[
            ("report_id", Text),
            ("version", Int),
            ("fields", Text),
            ("staff_id", Text),
            ("saved_at", Int),
        ],
    ),
    (
        "report_checks",
        &[
            ("id", Int),
            ("report_id", Text),
            ("kind", Text),
            ("result", Text),
            ("staff_id", Text),
            ("at", Int),
        ],
    ),
    (
        "disseminations",
        &[
            ("id", Text),
            ("report_id", Text),
            ("unit_id", Text),
            ("staff_id", Text),
            ("at", Int),
            ("dossier", Text),
            ("acknowledged_at", OptInt),
            ("acknowledged_by", OptText),
        ],
    ),
    (
        "outcomes",
        &[
            ("id", Int),
            ("dissemination_id", OptText),
            ("report_id", Text),
            ("kind", Text),
            ("detail", Text),
            ("count", OptInt),
            ("product", OptText),
            ("quantity", OptReal),
            ("unit", OptText),
            ("staff_id", Text),
            ("at", Int),
        ],
    ),
    (
        "follow_ups",
        &[
            ("id", Int),
            ("report_id", Text),
            ("conversation_id", Text),
            ("question_seq", Int),
            ("staff_id", Text),
            ("asked_at", Int),
            ("answer_seq", OptInt),
            ("answered_at", OptInt),
        ],
    ),
    (
        "dispatch_offers",
        &[
            ("conversation_id", Text),
            ("staff_id", Text),
            ("offered_at", Int),
            ("expires_at", Int),
        ],
    ),
    (
        "dispatch_declines",
        &[("conversation_id", Text), ("staff_id", Text)],
    ),
    (
        "dispatch_alerts",
        &[
            ("id", Int),
            ("conversation_id", Text),
            ("staff_id", OptText),
            ("reason", Text),
            ("due_at", Int),
            ("at", Int),
        ],
    ),
    (
        "handovers",
        &[
            ("id", Int),
            ("conversation_id", Text),
            ("from_staff", Text),
            ("to_staff", OptText),
            ("note", Text),
            ("at", Int),
            ("acknowledged_at", OptInt),
        ],
    ),
    (
        "shifts",
        &[
            ("id", Int),
            ("staff_id", Text),
            ("starts_at", Int),
            ("ends_at", Int),
            ("created_by", OptText),
            ("created_at", Int),
        ],
    ),
    (
        "audit_log",
        &[
            ("id", Int),
            ("at", Int),
            ("staff_id", OptText),
            ("action", Text),
            ("target", Text),
            ("purpose", Text),
        ],
    ),
];

/// Tables that must be empty in the target: copying must never merge two platforms' cases.
const MUST_BE_EMPTY: &[&str] = &[
    "staff",
    "staff_presence",
    "units",
    "unit_departements",
    "unit_members",
    "conversations",
    "photos",
    "events",
    "notes",
    "deal_points",
    "deal_point_history",
    "reports",
    "report_versions",
    "report_checks",
    "disseminations",
    "outcomes",
    "follow_ups",
    "dispatch_offers",
    "dispatch_declines",
    "dispatch_alerts",
    "handovers",
    "shifts",
    "audit_log",
];

/// What was copied, table by table.
pub struct Copied(pub Vec<(&'static str, u64)>);

/// Copies everything from the SQLite file at `sqlite_path` into `target`. `progress` is called
/// with the table, the rows done and the rows in all.
pub async fn copy_from_sqlite(
    sqlite_path: &str,
    target: &PgStore,
    mut progress: impl FnMut(&str, u64, u64),
) -> StoreResult<Copied> {
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{sqlite_path}"))
        .map_err(internal)?
        .read_only(true);
    let source: SqlitePool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(|e| StoreError::Internal(e.to_string()))?;
    // Sealed values are copied as they are (their places name only ids that are copied too):
    // the target must hold the source's content key, or none of them would open.
    let source_key: Option<String> =
        sqlx::query_scalar("SELECT value FROM installation WHERE name = 'content_key_fingerprint'")
            .fetch_optional(&source)
            .await
            .map_err(|e| StoreError::Internal(e.to_string()))?;
    if source_key.is_some_and(|fp| fp != target.cipher.fingerprint()) {
        return Err(StoreError::Conflict("content-key-mismatch"));
    }
    for table in MUST_BE_EMPTY {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&target.pool)
            .await
            .map_err(map_err)?;
        if n > 0 {
            return Err(StoreError::Conflict("target-not-empty"));
        }
    }
    let mut tx = target.pool.begin().await.map_err(map_err)?;
    let mut copied = Vec::new();
    for (table, columns) in TABLES {
        let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&source)
            .await
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        let total = u64::try_from(total).unwrap_or(0);
        let rows = sqlx::query(&format!("SELECT {} FROM {table}", names.join(", ")))
            .fetch_all(&source)
            .await
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        let marks: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
        // The gazetteer may have been loaded by a node already: the source's copy (with its
        // imported centroids) wins. Everything else goes into empty tables.
        let on_conflict = match *table {
            // An outline the source lacks does not erase one imported into the target.
            "departements" => "ON CONFLICT (code) DO UPDATE SET name = excluded.name, \
                               outline = COALESCE(excluded.outline, departements.outline)"
                .to_owned(),
            // Retention rules are the platform's settings: the source's win.
            "retention_rules" => {
                "ON CONFLICT (state) DO UPDATE SET days = excluded.days".to_owned()
            }
            // Canned replies are configuration too: the source's win.
            "canned_replies" => "ON CONFLICT (id) DO UPDATE SET locale = excluded.locale, \
                                 title = excluded.title, body = excluded.body, \
                                 position = excluded.position, updated_at = excluded.updated_at"
                .to_owned(),
            // A node that started first recorded its key's fingerprint; a different key is then
            // refused at start-up, with a message that says so.
            "installation" => "ON CONFLICT (name) DO NOTHING".to_owned(),
            "communes" => format!(
                "ON CONFLICT (insee) DO UPDATE SET {}",
                names
                    .iter()
                    .skip(1)
                    .map(|c| format!("{c} = excluded.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => String::new(),
        };
        let insert = format!(
            "INSERT INTO {table} ({}) VALUES ({}) {on_conflict}",
            names.join(", "),
            marks.join(", ")
        );
        for (done, row) in rows.iter().enumerate() {
            let mut query = sqlx::query(&insert);
            for (i, (_, kind)) in columns.iter().enumerate() {
                let err = |e: sqlx::Error| StoreError::Internal(format!("{table}: {e}"));
                query = match kind {
                    Text => query.bind(row.try_get::<String, _>(i).map_err(err)?),
                    OptText => query.bind(row.try_get::<Option<String>, _>(i).map_err(err)?),
                    Int => query.bind(row.try_get::<i64, _>(i).map_err(err)?),
                    OptInt => query.bind(row.try_get::<Option<i64>, _>(i).map_err(err)?),
                    OptReal => query.bind(row.try_get::<Option<f64>, _>(i).map_err(err)?),
                    Bool => query.bind(row.try_get::<i64, _>(i).map_err(err)? != 0),
                };
            }
            query.execute(&mut *tx).await.map_err(map_err)?;
            let done = done as u64 + 1;
            if done.is_multiple_of(500) || done == total {
                progress(table, done, total);
            }
        }
        if total == 0 {
            progress(table, 0, 0);
        }
        copied.push((*table, total));
    }
    // Identity columns continue after the copied ids.
    for table in [
        "notes",
        "audit_log",
        "report_checks",
        "deal_point_history",
        "outcomes",
        "follow_ups",
        "dispatch_alerts",
        "handovers",
        "shifts",
    ] {
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        ))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    }
    tx.commit().await.map_err(map_err)?;
    // Verify: every table holds at least what the source held (communes may have been loaded
    // before, the rest was empty).
    for (table, expected) in &copied {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&target.pool)
            .await
            .map_err(map_err)?;
        let n = u64::try_from(n).unwrap_or(0);
        let exact = MUST_BE_EMPTY.contains(table);
        if (exact && n != *expected) || n < *expected {
            return Err(StoreError::Internal(format!(
                "{table}: {expected} rows in the source, {n} in the target"
            )));
        }
    }
    source.close().await;
    Ok(Copied(copied))
}
