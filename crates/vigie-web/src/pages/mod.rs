//! Server-rendered pages: the witness page and the staff console. Pages hold no logic of their
//! own: the browser talks to the same JSON API as any other client.

mod accounts;
mod admin;
mod board;
mod canned;
mod chain;
mod dossiers;
mod response_times;
mod roster;
mod staff;
mod witness;

use crate::error::AppError;
use crate::i18n::{I18n, Tr};
use crate::AppState;
use askama::Template;
use axum::response::Html;
use axum::routing::{get, post};
use axum::Router;
use vigie_domain::Locale;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(witness::page).post(witness::form))
        .route("/staff", get(staff::home))
        .route(
            "/staff/login",
            get(staff::login_page).post(staff::login_submit),
        )
        .route("/staff/logout", post(staff::logout))
        .route("/staff/lang/{to}", get(staff::switch_language))
        .route("/staff/console", get(staff::console))
        .route("/staff/conversations/{id}", get(staff::conversation))
        .route("/staff/photos/{id}", get(crate::staff::photos::view))
        .route("/staff/reports", get(staff::inbox))
        .route("/staff/reports/{id}", get(staff::report))
        .route("/staff/reports/{id}/{action}", post(staff::analysis_action))
        .route("/staff/audit", get(staff::audit))
        .merge(accounts::router())
        .merge(admin::router())
        .merge(board::router())
        .merge(canned::router())
        .merge(dossiers::router())
        .merge(chain::router())
        .merge(roster::router())
}

pub fn render(template: &impl Template) -> Result<Html<String>, AppError> {
    template
        .render()
        .map(Html)
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// The strings a page's script needs, as JSON safe to embed in a `<script type="application/json">`.
pub fn script_strings(tr: &Tr, keys: &[&str], prefixes: &[&str]) -> String {
    // Messages with variables keep a `{name}` placeholder that the script fills in.
    let placeholders: Vec<(&str, String)> = [
        "duration",
        "count",
        "version",
        "departement",
        "state",
        "n",
        "size",
        "time",
        "conversation",
        "priority",
        "seconds",
    ]
    .iter()
    .map(|n| (*n, format!("{{{n}}}")))
    .collect();
    let mut map = serde_json::Map::new();
    for key in keys {
        map.insert(
            (*key).to_owned(),
            serde_json::Value::String(tr.with(key, &placeholders)),
        );
    }
    for key in I18n::keys(tr.locale) {
        if prefixes.iter().any(|p| key.starts_with(p)) {
            let value = tr.with(&key, &placeholders);
            map.insert(key, serde_json::Value::String(value));
        }
    }
    serde_json::Value::Object(map)
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// A human date in the page's language, UTC (the console shows all times in one zone).
pub fn human_time(locale: Locale, t: vigie_domain::Timestamp) -> String {
    let fmt = match locale {
        Locale::Fr => time::macros::format_description!("[day]/[month]/[year] [hour]:[minute] UTC"),
        Locale::En => time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC"),
    };
    t.format(&fmt).unwrap_or_default()
}
