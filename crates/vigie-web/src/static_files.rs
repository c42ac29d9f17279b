//! The static assets, compiled into the binary: no CDN, nothing fetched at run time.

use crate::AppState;
use axum::extract::Path;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

const FILES: &[(&str, &str, &str)] = &[
    (
        "vigie.css",
        "text/css; charset=utf-8",
        include_str!("../static/vigie.css"),
    ),
    (
        "witness.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/witness.js"),
    ),
    (
        "staff.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/staff.js"),
    ),
    (
        "conversation.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/conversation.js"),
    ),
    (
        "board.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/board.js"),
    ),
    (
        "quick-exit.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/quick-exit.js"),
    ),
    (
        "pow-worker.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/pow-worker.js"),
    ),
];

pub fn router() -> Router<AppState> {
    Router::new().route("/static/{file}", get(serve))
}

async fn serve(Path(file): Path<String>) -> Result<impl IntoResponse, crate::error::AppError> {
    let (_, mime, body) = FILES
        .iter()
        .find(|(name, _, _)| *name == file)
        .ok_or(crate::error::AppError::NotFound)?;
    Ok(([(header::CONTENT_TYPE, *mime)], *body))
}
