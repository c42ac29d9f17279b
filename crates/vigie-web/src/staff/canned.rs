//! `GET /api/v1/staff/canned?locale=fr`: the canned replies an officer may insert into an
//! answer, in one language (the witness's; the request's language when none is given).
//! Configuration, not case content: reading them is not audited.

use crate::auth::Officer;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use vigie_domain::Locale;

/// `?locale=`; other parameters (`?lang=` for the messages' language) are read elsewhere.
#[derive(Deserialize)]
pub struct CannedQuery {
    #[serde(default)]
    locale: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    _officer: Officer,
    Lang(asked): Lang,
    query: Result<Query<CannedQuery>, QueryRejection>,
) -> Result<Json<Value>, AppError> {
    let Query(query) = query.map_err(|_| AppError::BadRequest("query-invalid"))?;
    let locale = match query.locale {
        None => asked,
        Some(raw) => Locale::ALL
            .into_iter()
            .find(|l| l.as_str() == raw)
            .ok_or(AppError::BadRequest("locale-invalid"))?,
    };
    let replies: Vec<Value> = state
        .store
        .canned_replies(locale)
        .await?
        .into_iter()
        .map(|r| {
            json!({
                "id": r.id,
                "title": r.title.as_str(),
                "body": r.body.as_str(),
                "position": r.position,
            })
        })
        .collect();
    Ok(Json(json!({ "locale": locale, "replies": replies })))
}
