//! The shift lead's roster (issue 6): the shifts of the next seven days per officer, a form to
//! add one, a button to remove one. The duty changes at the edges of shifts are the dispatch
//! runtime's (`dispatcher::run_once` applies the roster); this page only keeps the shifts.
//!
//! Rule: plain forms with the session's CSRF token (no script needed); times are entered and
//! shown in UTC, and an end earlier than the start falls on the next day; a refused shift is a
//! field error in the page's language and nothing is written. Every change raises the queue
//! signal, so a shift starting now takes effect at once.

use super::staff::{me, Me};
use super::{human_time, render};
use crate::auth::{same, Officer};
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::AppState;
use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use std::collections::BTreeMap;
use time::macros::format_description;
use time::{Date, Duration, Time};
use vigie_domain::{Locale, Permission, StaffId, Timestamp};
use vigie_store::StoreError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/roster", get(page).post(create))
        .route("/staff/roster/{id}/delete", post(delete))
}

/// The shift lead only (the permission to read every conversation), as on the board.
fn lead_only(officer: &Officer) -> Result<(), AppError> {
    if officer
        .0
        .principal
        .role
        .may(Permission::ReadAllConversations)
    {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The form fields refused, each with its message in the page's language.
type FieldMessages = BTreeMap<&'static str, String>;

#[derive(Default, Deserialize)]
pub struct ShiftForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    staff: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
}

pub struct OfficerOption {
    value: String,
    label: String,
    selected: bool,
}

pub struct ShiftRow {
    id: i64,
    start: String,
    end: String,
    delete_label: String,
}

pub struct OfficerShifts {
    caption: String,
    rows: Vec<ShiftRow>,
}

#[derive(Template)]
#[template(path = "staff_roster.html")]
struct RosterPage {
    t: Tr,
    me: Option<Me>,
    path: &'static str,
    csrf: String,
    utc_now: String,
    success: Option<String>,
    errors: FieldMessages,
    form: ShiftForm,
    officers: Vec<OfficerOption>,
    shifts: Vec<OfficerShifts>,
}

/// A time typed as `HH:MM` (or `HH:MM:SS`).
fn parse_time(raw: &str) -> Option<Time> {
    let raw = raw.trim();
    Time::parse(raw, format_description!("[hour]:[minute]"))
        .or_else(|_| Time::parse(raw, format_description!("[hour]:[minute]:[second]")))
        .ok()
}

/// The shift the form asks for, in UTC; an end earlier than the start is the next day's.
fn parse(
    t: &Tr,
    form: &ShiftForm,
    known: &[StaffId],
) -> Result<(StaffId, Timestamp, Timestamp), FieldMessages> {
    let mut errors = FieldMessages::new();
    let staff = form
        .staff
        .trim()
        .parse::<StaffId>()
        .ok()
        .filter(|id| known.contains(id));
    if staff.is_none() {
        errors.insert("staff", t.get("roster-error-officer"));
    }
    // A plausible year only: far dates would overflow when a night shift adds a day.
    let date = Date::parse(
        form.date.trim(),
        format_description!("[year]-[month]-[day]"),
    )
    .ok()
    .filter(|d| (2000..=2100).contains(&d.year()));
    if date.is_none() {
        errors.insert("date", t.get("roster-error-date"));
    }
    let start = parse_time(&form.start);
    if start.is_none() {
        errors.insert("start", t.get("roster-error-start"));
    }
    let end = parse_time(&form.end);
    if end.is_none() {
        errors.insert("end", t.get("roster-error-end"));
    }
    let (Some(staff), Some(date), Some(start), Some(end)) = (staff, date, start, end) else {
        return Err(errors);
    };
    if start == end {
        errors.insert("end", t.get("roster-error-end-not-after-start"));
        return Err(errors);
    }
    let starts_at = date.with_time(start).assume_utc();
    let mut ends_at = date.with_time(end).assume_utc();
    if end < start {
        ends_at += Duration::days(1);
    }
    Ok((staff, starts_at, ends_at))
}

/// What a refused form keeps of what was typed: bounded, so a huge post is not echoed whole.
fn bounded(mut form: ShiftForm) -> ShiftForm {
    let cut = |s: &str| s.chars().take(40).collect::<String>();
    form.staff = cut(&form.staff);
    form.date = cut(&form.date);
    form.start = cut(&form.start);
    form.end = cut(&form.end);
    form
}

#[derive(Default, Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    added: String,
    #[serde(default)]
    deleted: String,
}

async fn view(
    state: &AppState,
    locale: Locale,
    lead: &Officer,
    done: DoneQuery,
    mut form: ShiftForm,
    errors: FieldMessages,
) -> Result<RosterPage, AppError> {
    let t = state.tr(locale);
    let now = state.clock.now();
    let officers = state.store.presences().await?;
    let shifts = state.store.shifts(now, now + Duration::days(7)).await?;
    if form.date.is_empty() {
        form.date = now
            .date()
            .format(format_description!("[year]-[month]-[day]"))
            .unwrap_or_default();
    }
    let mut by_officer: BTreeMap<String, Vec<ShiftRow>> = BTreeMap::new();
    for s in shifts {
        let start = human_time(locale, s.starts_at);
        by_officer
            .entry(s.username.clone())
            .or_default()
            .push(ShiftRow {
                id: s.id,
                delete_label: t.with(
                    "roster-delete-label",
                    &[("officer", s.username.clone()), ("start", start.clone())],
                ),
                start,
                end: human_time(locale, s.ends_at),
            });
    }
    let success = if done.added == "1" {
        Some(t.get("roster-added"))
    } else if done.deleted == "1" {
        Some(t.get("roster-deleted"))
    } else {
        None
    };
    let clock = format_description!("[hour]:[minute]");
    Ok(RosterPage {
        me: Some(me(&t, &lead.0, "/staff/roster")),
        path: "/staff/roster",
        csrf: lead.0.csrf.clone(),
        utc_now: t.with(
            "roster-utc",
            &[("time", now.format(&clock).unwrap_or_default())],
        ),
        success,
        officers: officers
            .iter()
            .map(|p| OfficerOption {
                value: p.staff.to_string(),
                label: format!("{} ({})", p.username, t.choice("role", p.role.as_str())),
                selected: form.staff.trim() == p.staff.to_string(),
            })
            .collect(),
        shifts: by_officer
            .into_iter()
            .map(|(officer, rows)| OfficerShifts {
                caption: t.with("roster-caption", &[("officer", officer)]),
                rows,
            })
            .collect(),
        errors,
        form,
        t,
    })
}

/// `?lang=en` kept on redirects when the page was asked for in English.
fn lang_suffix(locale: Locale) -> &'static str {
    match locale {
        Locale::Fr => "",
        Locale::En => "&lang=en",
    }
}

pub async fn page(
    State(state): State<AppState>,
    Lang(locale): Lang,
    lead: Officer,
    query: Result<Query<DoneQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    lead_only(&lead)?;
    let done = query.map(|Query(q)| q).unwrap_or_default();
    let page = view(
        &state,
        locale,
        &lead,
        done,
        ShiftForm::default(),
        FieldMessages::new(),
    )
    .await?;
    Ok(render(&page)?.into_response())
}

pub async fn create(
    State(state): State<AppState>,
    Lang(locale): Lang,
    lead: Officer,
    Form(form): Form<ShiftForm>,
) -> Result<Response, AppError> {
    lead_only(&lead)?;
    if !same(&form.csrf, &lead.0.csrf) {
        return Err(AppError::Forbidden);
    }
    let t = state.tr(locale);
    let known: Vec<StaffId> = state
        .store
        .presences()
        .await?
        .into_iter()
        .map(|p| p.staff)
        .collect();
    let refused = match parse(&t, &form, &known) {
        Ok((staff, starts_at, ends_at)) => {
            let at = state.clock.now();
            let by = lead.0.principal.id;
            match state
                .store
                .add_shift(staff, starts_at, ends_at, by, at)
                .await
            {
                Ok(_) => {
                    // A shift starting now applies at once: the runtime runs on this signal.
                    state.hub.queue_changed();
                    let to = format!("/staff/roster?added=1{}", lang_suffix(locale));
                    return Ok(Redirect::to(&to).into_response());
                }
                Err(StoreError::Conflict("shift-overlap")) => {
                    FieldMessages::from([("start", t.get("roster-error-overlap"))])
                }
                Err(StoreError::Invalid(fields)) if fields.0.contains_key("staff") => {
                    FieldMessages::from([("staff", t.get("roster-error-officer"))])
                }
                Err(StoreError::Invalid(_)) => {
                    FieldMessages::from([("end", t.get("roster-error-end-not-after-start"))])
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(errors) => errors,
    };
    let page = view(
        &state,
        locale,
        &lead,
        DoneQuery::default(),
        bounded(form),
        refused,
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    csrf: String,
}

pub async fn delete(
    State(state): State<AppState>,
    Lang(locale): Lang,
    lead: Officer,
    Path(id): Path<String>,
    Form(form): Form<DeleteForm>,
) -> Result<Response, AppError> {
    lead_only(&lead)?;
    if !same(&form.csrf, &lead.0.csrf) {
        return Err(AppError::Forbidden);
    }
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    state
        .store
        .delete_shift(id, lead.0.principal.id, state.clock.now())
        .await?;
    state.hub.queue_changed();
    let to = format!("/staff/roster?deleted=1{}", lang_suffix(locale));
    Ok(Redirect::to(&to).into_response())
}
