//! The administrator's page of canned replies (issue 6): one list per language, a form to add
//! one, a page to change one, a button to remove one.
//!
//! Rule: plain forms with the session's CSRF token (no script needed); every change is one store
//! operation that writes its own audit row; a refused value is a field error in the page's
//! language and nothing is written. Canned replies are configuration, not case content.

use super::render;
use super::staff::{me, Me};
use crate::auth::{same, Staff, UnitsAdmin};
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
use vigie_domain::canned::{parse_position, CannedTitle};
use vigie_domain::{CannedReplyId, Locale, MessageBody};
use vigie_store::CannedReply;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/canned", get(list_page).post(create))
        .route("/staff/canned/{id}", get(edit_page).post(update))
        .route("/staff/canned/{id}/delete", post(delete))
}

/// The form fields refused, each with its message in the page's language.
type FieldMessages = BTreeMap<&'static str, String>;

/// What the form shows (again, after a refusal).
#[derive(Default, Deserialize)]
pub struct CannedForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    position: String,
}

impl CannedForm {
    fn of(reply: &CannedReply) -> Self {
        Self {
            csrf: String::new(),
            locale: reply.locale.as_str().to_owned(),
            title: reply.title.as_str().to_owned(),
            body: reply.body.as_str().to_owned(),
            position: reply.position.to_string(),
        }
    }
}

pub struct LocaleOption {
    value: &'static str,
    label: String,
    selected: bool,
}

fn locale_options(t: &Tr, chosen: &str) -> Vec<LocaleOption> {
    Locale::ALL
        .iter()
        .map(|l| LocaleOption {
            value: l.as_str(),
            label: t.choice("canned-locale", l.as_str()),
            selected: chosen == l.as_str(),
        })
        .collect()
}

pub struct Row {
    id: CannedReplyId,
    title: String,
    body: String,
    position: u32,
}

pub struct LanguageList {
    id: &'static str,
    heading: String,
    rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "admin_canned.html")]
struct ListPage {
    t: Tr,
    me: Option<Me>,
    path: &'static str,
    csrf: String,
    success: Option<String>,
    errors: FieldMessages,
    form: CannedForm,
    locales: Vec<LocaleOption>,
    lists: Vec<LanguageList>,
}

#[derive(Template)]
#[template(path = "admin_canned_edit.html")]
struct EditPage {
    t: Tr,
    me: Option<Me>,
    path: String,
    csrf: String,
    id: CannedReplyId,
    errors: FieldMessages,
    form: CannedForm,
    locales: Vec<LocaleOption>,
}

/// The values a valid form carries.
struct Parsed {
    locale: Locale,
    title: CannedTitle,
    body: MessageBody,
    position: u32,
}

fn parse(t: &Tr, form: &CannedForm) -> Result<Parsed, FieldMessages> {
    let mut errors = FieldMessages::new();
    let locale = Locale::ALL.into_iter().find(|l| l.as_str() == form.locale);
    if locale.is_none() {
        errors.insert("locale", t.get("canned-error-locale"));
    }
    let title = CannedTitle::parse(&form.title);
    if let Err(e) = &title {
        let key = match e.code {
            "canned-title-empty" => "canned-error-title-empty",
            "canned-title-too-long" => "canned-error-title-too-long",
            _ => "canned-error-title-invalid",
        };
        errors.insert("title", t.get(key));
    }
    let body = MessageBody::parse(&form.body);
    if let Err(e) = &body {
        let key = match e.code {
            "text-empty" => "canned-error-body-empty",
            "text-too-long" => "canned-error-body-too-long",
            _ => "canned-error-body-invalid",
        };
        errors.insert("body", t.get(key));
    }
    let position = parse_position(&form.position);
    if position.is_err() {
        errors.insert("position", t.get("canned-error-position"));
    }
    match (locale, title, body, position) {
        (Some(locale), Ok(title), Ok(body), Ok(position)) => Ok(Parsed {
            locale,
            title,
            body,
            position,
        }),
        _ => Err(errors),
    }
}

/// What a refused form keeps of what was typed: bounded, so a huge post is not echoed whole.
fn bounded(mut form: CannedForm) -> CannedForm {
    let cut = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    form.title = cut(&form.title, 200);
    form.body = cut(&form.body, vigie_domain::message::MAX_TEXT_CHARS + 100);
    form.position = cut(&form.position, 12);
    form.locale = cut(&form.locale, 4);
    form
}

/// `?lang=en` on redirects when the page was asked for in English.
fn lang_suffix(locale: Locale) -> &'static str {
    match locale {
        Locale::Fr => "",
        Locale::En => "&lang=en",
    }
}

#[derive(Default, Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    created: String,
    #[serde(default)]
    saved: String,
    #[serde(default)]
    deleted: String,
}

async fn list_view(
    state: &AppState,
    locale: Locale,
    staff: &Staff,
    done: DoneQuery,
    form: CannedForm,
    errors: FieldMessages,
) -> Result<ListPage, AppError> {
    let t = state.tr(locale);
    let mut lists = Vec::new();
    let mut success = None;
    for l in Locale::ALL {
        let replies = state.store.canned_replies(l).await?;
        for r in &replies {
            if done.created == r.id.to_string() {
                success = Some(t.with("canned-created", &[("title", r.title.as_str().into())]));
            } else if done.saved == r.id.to_string() {
                success = Some(t.with("canned-saved", &[("title", r.title.as_str().into())]));
            }
        }
        lists.push(LanguageList {
            id: l.as_str(),
            heading: t.choice("canned-list", l.as_str()),
            rows: replies
                .into_iter()
                .map(|r| Row {
                    id: r.id,
                    title: r.title.as_str().to_owned(),
                    body: r.body.into_inner(),
                    position: r.position,
                })
                .collect(),
        });
    }
    if done.deleted == "1" {
        success = Some(t.get("canned-deleted"));
    }
    let chosen = if form.locale.is_empty() {
        locale.as_str().to_owned()
    } else {
        form.locale.clone()
    };
    Ok(ListPage {
        me: Some(me(&t, staff, "/staff/canned")),
        path: "/staff/canned",
        csrf: staff.csrf.clone(),
        success,
        errors,
        form,
        locales: locale_options(&t, &chosen),
        lists,
        t,
    })
}

pub async fn list_page(
    State(state): State<AppState>,
    Lang(locale): Lang,
    UnitsAdmin(staff): UnitsAdmin,
    query: Result<Query<DoneQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let done = query.map(|Query(q)| q).unwrap_or_default();
    let page = list_view(
        &state,
        locale,
        &staff,
        done,
        CannedForm::default(),
        FieldMessages::new(),
    )
    .await?;
    Ok(render(&page)?.into_response())
}

pub async fn create(
    State(state): State<AppState>,
    Lang(locale): Lang,
    UnitsAdmin(staff): UnitsAdmin,
    Form(form): Form<CannedForm>,
) -> Result<Response, AppError> {
    if !same(&form.csrf, &staff.csrf) {
        return Err(AppError::Forbidden);
    }
    let t = state.tr(locale);
    match parse(&t, &form) {
        Ok(p) => {
            let reply = CannedReply {
                id: state.with_rng(CannedReplyId::random),
                locale: p.locale,
                title: p.title,
                body: p.body,
                position: p.position,
                updated_at: state.clock.now(),
            };
            state
                .store
                .create_canned_reply(&reply, staff.principal.id)
                .await?;
            let to = format!("/staff/canned?created={}{}", reply.id, lang_suffix(locale));
            Ok(Redirect::to(&to).into_response())
        }
        Err(errors) => {
            let done = DoneQuery::default();
            let page = list_view(&state, locale, &staff, done, bounded(form), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

fn edit_view(
    state: &AppState,
    locale: Locale,
    staff: &Staff,
    id: CannedReplyId,
    form: CannedForm,
    errors: FieldMessages,
) -> EditPage {
    let t = state.tr(locale);
    EditPage {
        me: Some(me(&t, staff, "/staff/canned")),
        path: format!("/staff/canned/{id}"),
        csrf: staff.csrf.clone(),
        id,
        errors,
        locales: locale_options(&t, &form.locale),
        form,
        t,
    }
}

fn reply_id(raw: &str) -> Result<CannedReplyId, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

pub async fn edit_page(
    State(state): State<AppState>,
    Lang(locale): Lang,
    UnitsAdmin(staff): UnitsAdmin,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = reply_id(&id)?;
    let reply = state
        .store
        .canned_reply(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = edit_view(
        &state,
        locale,
        &staff,
        id,
        CannedForm::of(&reply),
        FieldMessages::new(),
    );
    Ok(render(&page)?.into_response())
}

pub async fn update(
    State(state): State<AppState>,
    Lang(locale): Lang,
    UnitsAdmin(staff): UnitsAdmin,
    Path(id): Path<String>,
    Form(form): Form<CannedForm>,
) -> Result<Response, AppError> {
    let id = reply_id(&id)?;
    if !same(&form.csrf, &staff.csrf) {
        return Err(AppError::Forbidden);
    }
    let t = state.tr(locale);
    match parse(&t, &form) {
        Ok(p) => {
            let reply = CannedReply {
                id,
                locale: p.locale,
                title: p.title,
                body: p.body,
                position: p.position,
                updated_at: state.clock.now(),
            };
            state
                .store
                .update_canned_reply(&reply, staff.principal.id)
                .await?;
            let to = format!("/staff/canned?saved={id}{}", lang_suffix(locale));
            Ok(Redirect::to(&to).into_response())
        }
        Err(errors) => {
            // An unknown reply is a 404, not a form to correct.
            state
                .store
                .canned_reply(id)
                .await?
                .ok_or(AppError::NotFound)?;
            let page = edit_view(&state, locale, &staff, id, bounded(form), errors);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    csrf: String,
}

pub async fn delete(
    State(state): State<AppState>,
    Lang(locale): Lang,
    UnitsAdmin(staff): UnitsAdmin,
    Path(id): Path<String>,
    Form(form): Form<DeleteForm>,
) -> Result<Response, AppError> {
    let id = reply_id(&id)?;
    if !same(&form.csrf, &staff.csrf) {
        return Err(AppError::Forbidden);
    }
    state
        .store
        .delete_canned_reply(id, staff.principal.id, state.clock.now())
        .await?;
    let to = format!("/staff/canned?deleted=1{}", lang_suffix(locale));
    Ok(Redirect::to(&to).into_response())
}
