//! Reads outside the live chat: the gazetteer, the analyst's inbox and report view, the audit
//! log (no case content) and the list of accounts (no case content).

use super::cases::report_view;
use crate::auth::{Admin, Analyst, Auditor, Staff};
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

pub async fn inbox(
    State(state): State<AppState>,
    analyst: Analyst,
) -> Result<Json<Value>, AppError> {
    let rows = state.store.inbox(&analyst.0.principal.departements).await?;
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

pub async fn audit(
    State(state): State<AppState>,
    _auditor: Auditor,
) -> Result<Json<Value>, AppError> {
    let entries: Vec<Value> = state
        .store
        .audit_log(500)
        .await?
        .into_iter()
        .map(|a| json!({ "id": a.id, "at": rfc3339(a.at), "actor": a.actor, "action": a.action, "target": a.target, "purpose": a.purpose }))
        .collect();
    Ok(Json(json!({ "entries": entries })))
}

pub async fn accounts(
    State(state): State<AppState>,
    _admin: Admin,
) -> Result<Json<Value>, AppError> {
    let accounts: Vec<Value> = state
        .store
        .list_staff()
        .await?
        .into_iter()
        .map(|a| json!({ "username": a.username, "role": a.role, "departements": a.departements, "locked": a.failed_logins >= crate::auth::MAX_FAILED_LOGINS }))
        .collect();
    Ok(Json(json!({ "accounts": accounts })))
}
