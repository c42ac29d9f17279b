//! Reads outside the live chat: the gazetteer, the analyst's inbox and report view, and the
//! audit log (no case content). The list of accounts lives with the account life cycle.

use super::cases::report_view;
use crate::auth::{Analyst, Auditor, Staff};
use crate::error::AppError;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use vigie_domain::clock::rfc3339;
use vigie_domain::ReportId;
use vigie_store::RoutedReport;

#[derive(Deserialize)]
pub struct CommuneQuery {
    #[serde(default)]
    q: String,
}

/// Suggestions for the commune picker: by name (accents ignored), postcode or INSEE code.
pub async fn communes(
    State(state): State<AppState>,
    _staff: Staff,
    Query(query): Query<CommuneQuery>,
) -> Result<Json<Value>, AppError> {
    if query.q.chars().count() > 100 {
        return Err(AppError::Invalid("query-too-long"));
    }
    let found = state.store.search_communes(&query.q, 12).await?;
    Ok(Json(json!({ "communes": found })))
}

/// The inbox filters, as a query string carries them: `state`, `commune` (INSEE code),
/// `activity`, `days` (qualified in the last N days). Empty means any.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InboxQuery {
    pub state: String,
    pub commune: String,
    pub activity: String,
    pub days: String,
    /// The page's language, read by the `Lang` extractor.
    pub lang: String,
}

impl InboxQuery {
    pub fn filter(
        &self,
        now: vigie_domain::Timestamp,
    ) -> Result<vigie_store::InboxFilter, AppError> {
        let blank = |s: &str| s.trim().is_empty();
        Ok(vigie_store::InboxFilter {
            state: if blank(&self.state) {
                None
            } else {
                Some(
                    vigie_domain::ReportState::parse(self.state.trim())
                        .ok_or(AppError::Invalid("filter-invalid"))?,
                )
            },
            commune: if blank(&self.commune) {
                None
            } else {
                Some(
                    vigie_domain::InseeCode::parse(&self.commune)
                        .map_err(|_| AppError::Invalid("filter-invalid"))?,
                )
            },
            activity: if blank(&self.activity) {
                None
            } else {
                Some(
                    vigie_domain::report::Activity::parse(&self.activity)
                        .ok_or(AppError::Invalid("filter-invalid"))?,
                )
            },
            qualified_since: if blank(&self.days) {
                None
            } else {
                let days: i64 = self
                    .days
                    .trim()
                    .parse()
                    .map_err(|_| AppError::Invalid("filter-invalid"))?;
                if !(1..=3650).contains(&days) {
                    return Err(AppError::Invalid("filter-invalid"));
                }
                Some(now - time::Duration::days(days))
            },
        })
    }
}

pub async fn inbox(
    State(state): State<AppState>,
    analyst: Analyst,
    query: Result<Query<InboxQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, AppError> {
    let Query(query) = query.map_err(|_| AppError::BadRequest("query-invalid"))?;
    let filter = query.filter(state.clock.now())?;
    let rows = state
        .store
        .inbox(&analyst.0.principal.departements, &filter)
        .await?;
    let reports: Vec<Value> = rows
        .into_iter()
        .map(|r| {
            json!({
                "id": r.id, "state": r.state, "activity": r.activity, "commune": r.commune,
                "commune_name": r.commune_name, "departement": r.departement, "weapons": r.weapons,
                "qualified_at": r.qualified_at.map(rfc3339),
            })
        })
        .collect();
    Ok(Json(json!({ "reports": reports })))
}

pub async fn report(
    State(state): State<AppState>,
    analyst: Analyst,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let id: ReportId = id.parse().map_err(|_| AppError::NotFound)?;
    let report = RoutedReport::obtain(
        state.store.as_ref(),
        &analyst.0.principal,
        id,
        "analysis",
        state.clock.now(),
    )
    .await?
    .into_report();
    let analysis = super::analysis_view(&state, &report).await?;
    Ok(Json(
        json!({ "report": report_view(&state, report).await?, "analysis": analysis }),
    ))
}

/// The audit log's filters, as a page or API query: `actor` (username), `action`, `purpose`,
/// `from` and `to` (dates, UTC, both included). Empty means any.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditQuery {
    pub actor: String,
    pub action: String,
    pub purpose: String,
    pub from: String,
    pub to: String,
    /// The page's language, read by the `Lang` extractor.
    pub lang: String,
}

/// Why an access was made, as the audit log records it.
pub const AUDIT_PURPOSES: [&str; 7] = [
    "handling",
    "analysis",
    "dissemination",
    "investigation",
    "administration",
    "retention",
    "witness",
];

impl AuditQuery {
    pub fn filter(&self) -> Result<vigie_store::AuditFilter, AppError> {
        let text = |s: &str| {
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_owned())
        };
        let date = |s: &str| -> Result<Option<time::Date>, AppError> {
            match text(s) {
                None => Ok(None),
                Some(d) => {
                    time::Date::parse(&d, &time::format_description::well_known::Iso8601::DATE)
                        .map(Some)
                        .map_err(|_| AppError::Invalid("filter-invalid"))
                }
            }
        };
        let purpose = text(&self.purpose);
        if purpose
            .as_deref()
            .is_some_and(|p| !AUDIT_PURPOSES.contains(&p))
        {
            return Err(AppError::Invalid("filter-invalid"));
        }
        let midnight = |d: time::Date| d.midnight().assume_utc();
        Ok(vigie_store::AuditFilter {
            actor: text(&self.actor),
            action: text(&self.action),
            purpose,
            since: date(&self.from)?.map(midnight),
            until: date(&self.to)?.and_then(|d| d.next_day()).map(midnight),
        })
    }
}

pub async fn audit(
    State(state): State<AppState>,
    _auditor: Auditor,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, AppError> {
    let Query(query) = query.map_err(|_| AppError::BadRequest("query-invalid"))?;
    let entries: Vec<Value> = state
        .store
        .audit_log(&query.filter()?, 500)
        .await?
        .into_iter()
        .map(|a| json!({ "id": a.id, "at": rfc3339(a.at), "actor": a.actor, "action": a.action, "target": a.target, "purpose": a.purpose }))
        .collect();
    Ok(Json(json!({ "entries": entries })))
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;
    use vigie_domain::report::Activity;
    use vigie_domain::{InseeCode, ReportState};

    fn loose() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => any::<String>(),
            1 => "[ \\t]{0,1}(qualified|in_chat|purged|59350|2a004|20004|street_sale|storage|0|1|30|3650|3651|-1|2024-02-29|2023-02-29|2024-13-01|9999-12-31|handling|witness|retention|admin)[ ]{0,1}",
            1 => "[0-9-]{0,12}",
            1 => ("\\PC{1,4}", 100usize..500).prop_map(|(s, n)| s.repeat(n)),
        ]
    }

    fn blank(s: &str) -> bool {
        s.trim().is_empty()
    }

    proptest! {
        /// The inbox filter accepts exactly blank-or-valid fields, and means what they say.
        #[test]
        fn inbox_filter_accepts_exactly_what_it_claims(
            state in loose(), commune in loose(), activity in loose(), days in loose(), lang in loose(),
        ) {
            let now = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
            let q = InboxQuery { state: state.clone(), commune: commune.clone(), activity: activity.clone(), days: days.clone(), lang };
            let want_state = (!blank(&state)).then(|| ReportState::parse(state.trim()));
            let want_commune = (!blank(&commune)).then(|| InseeCode::parse(&commune).ok());
            let want_activity = (!blank(&activity)).then(|| Activity::parse(&activity));
            let want_days = (!blank(&days)).then(|| days.trim().parse::<i64>().ok().filter(|d| (1..=3650).contains(d)));
            let valid = want_state.as_ref().is_none_or(Option::is_some)
                && want_commune.as_ref().is_none_or(Option::is_some)
                && want_activity.as_ref().is_none_or(Option::is_some)
                && want_days.as_ref().is_none_or(Option::is_some);
            match q.filter(now) {
                Ok(f) => {
                    prop_assert!(valid);
                    prop_assert_eq!(f.state, want_state.flatten());
                    prop_assert_eq!(f.commune, want_commune.flatten());
                    prop_assert_eq!(f.activity, want_activity.flatten());
                    prop_assert_eq!(f.qualified_since, want_days.flatten().map(|d| now - time::Duration::days(d)));
                }
                Err(e) => {
                    prop_assert!(!valid);
                    prop_assert!(matches!(e, AppError::Invalid("filter-invalid")));
                }
            }
        }

        /// The audit filter: purposes from the closed list, ISO dates, and both ends included.
        #[test]
        fn audit_filter_accepts_exactly_what_it_claims(
            actor in loose(), action in loose(), purpose in loose(), from in loose(), to in loose(),
        ) {
            let q = AuditQuery { actor: actor.clone(), action: action.clone(), purpose: purpose.clone(), from: from.clone(), to: to.clone(), lang: String::new() };
            let iso = |s: &str| time::Date::parse(s.trim(), &time::format_description::well_known::Iso8601::DATE);
            let valid = (blank(&purpose) || AUDIT_PURPOSES.contains(&purpose.trim()))
                && (blank(&from) || iso(&from).is_ok())
                && (blank(&to) || iso(&to).is_ok());
            match q.filter() {
                Ok(f) => {
                    prop_assert!(valid);
                    let text = |s: &str| (!blank(s)).then(|| s.trim().to_owned());
                    prop_assert_eq!(f.actor, text(&actor));
                    prop_assert_eq!(f.action, text(&action));
                    prop_assert_eq!(f.purpose, text(&purpose));
                    if let Some(since) = f.since {
                        prop_assert_eq!(since.date(), iso(&from).unwrap());
                        prop_assert_eq!(since.time(), time::Time::MIDNIGHT);
                    } else {
                        prop_assert!(blank(&from));
                    }
                    if let Some(until) = f.until {
                        // The whole of the `to` day is included, nothing after it.
                        prop_assert_eq!(until.date().previous_day(), Some(iso(&to).unwrap()));
                        prop_assert_eq!(until.time(), time::Time::MIDNIGHT);
                    } else {
                        prop_assert!(blank(&to) || iso(&to).unwrap().next_day().is_none());
                    }
                }
                Err(e) => {
                    prop_assert!(!valid);
                    prop_assert!(matches!(e, AppError::Invalid("filter-invalid")));
                }
            }
        }
    }
}
