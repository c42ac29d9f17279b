//! The OpenAPI document of everything under `/api/v1/`, kept by hand beside the handlers and
//! checked by the service tests (every route it lists answers; every API route is listed).

use crate::AppState;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

pub const DOCUMENT: &str = include_str!("../openapi.json");

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/v1/openapi.json",
        get(|| async { ([(header::CONTENT_TYPE, "application/json")], DOCUMENT).into_response() }),
    )
}
