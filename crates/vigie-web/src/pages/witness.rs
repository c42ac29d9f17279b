//! The witness page: the warnings first, then the chat, on a single URL so the history shows
//! little. No cookie is set; the token lives only in the page's memory.

use super::{render, script_strings};
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Html;

#[derive(Template)]
#[template(path = "witness.html")]
struct WitnessPage {
    t: Tr,
    strings: String,
}

const SCRIPT_KEYS: &[&str] = &[
    "status-waiting",
    "status-active",
    "status-closed",
    "status-question",
    "status-reconnecting",
    "status-connected",
    "author-witness",
    "author-officer",
    "author-system",
    "event-officer-joined",
    "event-closed-witness",
    "event-closed-system",
    "sending",
    "sent",
    "end-confirm",
];

pub async fn page(
    State(state): State<AppState>,
    Lang(locale): Lang,
) -> Result<Html<String>, AppError> {
    let t = state.tr(locale);
    let strings = script_strings(&t, SCRIPT_KEYS, &["error-"]);
    render(&WitnessPage { t, strings })
}
