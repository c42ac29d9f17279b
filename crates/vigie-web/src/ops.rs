//! Probes for load balancers and supervisors. `/healthz`: the process answers. `/readyz`: the
//! database answers too (migrations ran before the node started listening).

use crate::error::AppError;
use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(|| async { Json(json!({ "alive": true })) }))
        .route("/readyz", get(ready))
}

async fn ready(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    state
        .store
        .ping()
        .await
        .map_err(|_| AppError::Unavailable)?;
    Ok(Json(json!({ "ready": true })))
}
