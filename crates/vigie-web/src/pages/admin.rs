//! The administrator's pages: units, the routing table by département, and the retention rules.
//!
//! Rule: plain forms (no script needed), every change is one store operation (the store writes
//! the audit row), a refused value is a field error in the page's language and nothing is
//! written. No case content is read here.

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
use std::collections::{BTreeMap, BTreeSet, HashMap};
use vigie_domain::chain::{RetentionRule, UnitKind, UnitName};
use vigie_domain::{DepartementCode, Locale, UnitId};
use vigie_store::{NewUnit, StoreError, Unit};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/units", get(units_page).post(create_unit))
        .route("/staff/units/{id}", get(unit_page))
        .route("/staff/units/{id}/routing", post(set_routing))
        .route("/staff/retention", get(retention_page).post(set_retention))
}

/// The form fields refused, each with its message in the page's language.
type FieldMessages = BTreeMap<&'static str, String>;

pub struct KindOption {
    value: &'static str,
    label: String,
    selected: bool,
}

pub struct UnitRow {
    id: UnitId,
    name: String,
    kind: String,
    departements: String,
}

pub struct RoutingRow {
    code: String,
    name: String,
    units: String,
}

/// What the creation form shows again after a refusal.
#[derive(Default, Deserialize)]
pub struct UnitForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    departements: String,
}

#[derive(Default, Deserialize)]
pub struct UnitsQuery {
    #[serde(default)]
    departement: String,
    #[serde(default)]
    created: String,
}

#[derive(Template)]
#[template(path = "admin_units.html")]
struct UnitsPage {
    t: Tr,
    me: Option<Me>,
    path: &'static str,
    csrf: String,
    success: Option<String>,
    errors: FieldMessages,
    form: UnitForm,
    kinds: Vec<KindOption>,
    rows: Vec<UnitRow>,
    filter: String,
    filter_error: Option<String>,
    filter_result: Option<(String, Vec<UnitRow>)>,
    routing: Vec<RoutingRow>,
}

impl UnitsPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

fn kind_label(t: &Tr, kind: UnitKind) -> String {
    t.choice("admin-kind", kind.as_str())
}

fn row(t: &Tr, unit: &Unit) -> UnitRow {
    UnitRow {
        id: unit.id,
        name: unit.name.clone(),
        kind: kind_label(t, unit.kind),
        departements: codes(&unit.departements),
    }
}

fn codes(departements: &[DepartementCode]) -> String {
    departements
        .iter()
        .map(DepartementCode::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Splits a list of codes typed by hand ("59 62", "59,62", "59; 62"), keeping each once, and
/// keeps only the codes of the gazetteer; the refused ones make the field error.
async fn parse_departements(
    state: &AppState,
    t: &Tr,
    raw: &str,
) -> Result<Result<Vec<DepartementCode>, String>, AppError> {
    let known: BTreeSet<String> = state
        .store
        .departements()
        .await?
        .into_iter()
        .map(|d| d.code.as_str().to_owned())
        .collect();
    let mut seen = BTreeSet::new();
    let mut codes = Vec::new();
    let mut unknown = Vec::new();
    for token in raw
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|s| !s.is_empty())
    {
        match DepartementCode::parse(token) {
            Ok(code) if known.contains(code.as_str()) => {
                if seen.insert(code.as_str().to_owned()) {
                    codes.push(code);
                }
            }
            _ => unknown.push(token.chars().take(12).collect::<String>()),
        }
    }
    if !unknown.is_empty() {
        return Ok(Err(t.with(
            "admin-error-departements-unknown",
            &[("codes", unknown.join(", "))],
        )));
    }
    if codes.is_empty() {
        return Ok(Err(t.get("admin-error-departements-empty")));
    }
    Ok(Ok(codes))
}

async fn units_view(
    state: &AppState,
    locale: Locale,
    staff: &Staff,
    query: UnitsQuery,
    form: UnitForm,
    errors: FieldMessages,
) -> Result<UnitsPage, AppError> {
    let t = state.tr(locale);
    let mut units = state.store.units().await?;
    units.sort_by(|a, b| a.name.cmp(&b.name));
    let success = match query.created.parse::<UnitId>() {
        Ok(id) => units
            .iter()
            .find(|u| u.id == id)
            .map(|u| t.with("admin-unit-created", &[("name", u.name.clone())])),
        Err(_) => None,
    };
    let departements = state.store.departements().await?;
    let mut filter_error = None;
    let mut filter_result = None;
    let filter = query
        .departement
        .trim()
        .chars()
        .take(12)
        .collect::<String>();
    if !filter.is_empty() {
        let found = DepartementCode::parse(&filter)
            .ok()
            .and_then(|code| departements.iter().find(|d| d.code == code).cloned());
        match found {
            Some(dep) => {
                let mut serving = state.store.units_for(&dep.code).await?;
                serving.sort_by(|a, b| a.name.cmp(&b.name));
                filter_result = Some((
                    t.with(
                        "admin-serving-result",
                        &[("departement", format!("{} ({})", dep.name, dep.code))],
                    ),
                    serving.iter().map(|u| row(&t, u)).collect(),
                ));
            }
            None => {
                filter_error = Some(t.with(
                    "admin-error-departements-unknown",
                    &[("codes", filter.clone())],
                ))
            }
        }
    }
    let mut by_departement: HashMap<&str, Vec<&str>> = HashMap::new();
    for unit in &units {
        for code in &unit.departements {
            by_departement
                .entry(code.as_str())
                .or_default()
                .push(unit.name.as_str());
        }
    }
    let routing = departements
        .iter()
        .map(|d| RoutingRow {
            code: d.code.to_string(),
            name: d.name.clone(),
            units: by_departement
                .get(d.code.as_str())
                .map(|names| names.join(" · "))
                .unwrap_or_default(),
        })
        .collect();
    let kinds = UnitKind::ALL
        .iter()
        .map(|k| KindOption {
            value: k.as_str(),
            label: kind_label(&t, *k),
            selected: form.kind == k.as_str(),
        })
        .collect();
    Ok(UnitsPage {
        me: Some(me(&t, staff, "/staff/units")),
        path: "/staff/units",
        csrf: staff.csrf.clone(),
        success,
        errors,
        form,
        kinds,
        rows: units.iter().map(|u| row(&t, u)).collect(),
        filter,
        filter_error,
        filter_result,
        routing,
        t,
    })
}

pub async fn units_page(
    State(state): State<AppState>,
    Lang(locale): Lang,
    UnitsAdmin(staff): UnitsAdmin,
    query: Result<Query<UnitsQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let page = units_view(
        &state,
        locale,
        &staff,
        query,
        UnitForm::default(),
        FieldMessages::new(),
    )
    .await?;
    let status = if page.filter_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, render(&page)?).into_response())
}

/// `?lang=en` on redirects when the page was asked for in English.
fn lang_suffix(locale: Locale, first: bool) -> &'static str {
    match (locale, first) {
        (Locale::Fr, _) => "",
        (Locale::En, true) => "?lang=en",
        (Locale::En, false) => "&lang=en",
    }
}

pub async fn create_unit(
    State(state): State<AppState>,
    Lang(locale): Lang,
    UnitsAdmin(staff): UnitsAdmin,
    Form(form): Form<UnitForm>,
) -> Result<Response, AppError> {
    if !same(&form.csrf, &staff.csrf) {
        return Err(AppError::Forbidden);
    }
    let t = state.tr(locale);
    let mut errors = FieldMessages::new();
    let name = UnitName::parse(&form.name);
    if name.is_err() {
        errors.insert("name", t.get("admin-error-name-invalid"));
    }
    let kind = UnitKind::parse(&form.kind);
    if kind.is_none() {
        errors.insert("kind", t.get("admin-error-kind-invalid"));
    }
    let departements = match parse_departements(&state, &t, &form.departements).await? {
        Ok(codes) => codes,
        Err(message) => {
            errors.insert("departements", message);
            Vec::new()
        }
    };
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if let (Ok(name), Some(kind), true) = (name, kind, errors.is_empty()) {
        let taken = state
            .store
            .units()
            .await?
            .iter()
            .any(|u| u.name.to_lowercase() == name.as_str().to_lowercase());
        let id = state.with_rng(UnitId::random);
        let created = if taken {
            Err(StoreError::Conflict("unit name"))
        } else {
            let new = NewUnit {
                id,
                name: name.clone(),
                kind,
                departements,
            };
            state
                .store
                .create_unit(new, staff.principal.id, state.clock.now())
                .await
        };
        match created {
            Ok(()) => {
                let to = format!("/staff/units?created={id}{}", lang_suffix(locale, false));
                return Ok(Redirect::to(&to).into_response());
            }
            Err(StoreError::Conflict(_)) => {
                status = StatusCode::CONFLICT;
                errors.insert(
                    "name",
                    t.with(
                        "admin-error-name-taken",
                        &[("name", name.as_str().to_owned())],
                    ),
                );
            }
            Err(e) => return Err(e.into()),
        }
    }
    let page = units_view(&state, locale, &staff, UnitsQuery::default(), form, errors).await?;
    Ok((status, render(&page)?).into_response())
}

#[derive(Template)]
#[template(path = "admin_unit.html")]
struct UnitPage {
    t: Tr,
    me: Option<Me>,
    path: String,
    csrf: String,
    id: UnitId,
    name: String,
    kind: String,
    served: Vec<(String, String)>,
    value: String,
    error: Option<String>,
    success: Option<String>,
}

#[derive(Default, Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: String,
}

async fn unit_view(
    state: &AppState,
    locale: Locale,
    staff: &Staff,
    id: UnitId,
    value: Option<String>,
    error: Option<String>,
    saved: bool,
) -> Result<UnitPage, AppError> {
    let unit = state.store.unit(id).await?.ok_or(AppError::NotFound)?;
    let t = state.tr(locale);
    let names: HashMap<String, String> = state
        .store
        .departements()
        .await?
        .into_iter()
        .map(|d| (d.code.as_str().to_owned(), d.name))
        .collect();
    Ok(UnitPage {
        me: Some(me(&t, staff, "/staff/units")),
        path: format!("/staff/units/{id}"),
        csrf: staff.csrf.clone(),
        id,
        kind: kind_label(&t, unit.kind),
        served: unit
            .departements
            .iter()
            .map(|c| {
                (
                    c.as_str().to_owned(),
                    names.get(c.as_str()).cloned().unwrap_or_default(),
                )
            })
            .collect(),
        value: value.unwrap_or_else(|| codes(&unit.departements)),
        error,
        success: saved.then(|| t.get("admin-routing-saved")),
        name: unit.name,
        t,
    })
}

pub async fn unit_page(
    State(state): State<AppState>,
    Lang(locale): Lang,
    UnitsAdmin(staff): UnitsAdmin,
    Path(id): Path<String>,
    query: Result<Query<SavedQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let id: UnitId = id.parse().map_err(|_| AppError::NotFound)?;
    let saved = query.is_ok_and(|Query(q)| q.saved == "1");
    let page = unit_view(&state, locale, &staff, id, None, None, saved).await?;
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct RoutingForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    departements: String,
}

pub async fn set_routing(
    State(state): State<AppState>,
    Lang(locale): Lang,
    UnitsAdmin(staff): UnitsAdmin,
    Path(id): Path<String>,
    Form(form): Form<RoutingForm>,
) -> Result<Response, AppError> {
    let id: UnitId = id.parse().map_err(|_| AppError::NotFound)?;
    if !same(&form.csrf, &staff.csrf) {
        return Err(AppError::Forbidden);
    }
    let t = state.tr(locale);
    match parse_departements(&state, &t, &form.departements).await? {
        Ok(codes) => {
            state
                .store
                .set_unit_departements(id, codes, staff.principal.id, state.clock.now())
                .await?;
            let to = format!("/staff/units/{id}?saved=1{}", lang_suffix(locale, false));
            Ok(Redirect::to(&to).into_response())
        }
        Err(message) => {
            let page = unit_view(
                &state,
                locale,
                &staff,
                id,
                Some(form.departements),
                Some(message),
                false,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

pub struct RetentionRow {
    field: String,
    state: String,
    label: String,
    value: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_retention.html")]
struct RetentionPage {
    t: Tr,
    me: Option<Me>,
    path: &'static str,
    csrf: String,
    rows: Vec<RetentionRow>,
    has_errors: bool,
    success: Option<String>,
}

fn retention_label(t: &Tr, state: vigie_domain::ReportState) -> String {
    t.with(
        "admin-retention-field",
        &[("state", t.choice("state", state.as_str()))],
    )
}

/// The rules in force: every state a purge may start from, with the stored duration or the
/// default one.
async fn current_rules(state: &AppState) -> Result<Vec<RetentionRule>, AppError> {
    let stored = state.store.retention_rules().await?;
    Ok(RetentionRule::DEFAULTS
        .iter()
        .map(|d| {
            stored
                .iter()
                .find(|r| r.state == d.state)
                .copied()
                .unwrap_or(*d)
        })
        .collect())
}

fn retention_view(
    state: &AppState,
    locale: Locale,
    staff: &Staff,
    rows: Vec<RetentionRow>,
    success: bool,
) -> RetentionPage {
    let t = state.tr(locale);
    RetentionPage {
        me: Some(me(&t, staff, "/staff/retention")),
        path: "/staff/retention",
        csrf: staff.csrf.clone(),
        has_errors: rows.iter().any(|r| r.error.is_some()),
        rows,
        success: success.then(|| t.get("admin-retention-saved")),
        t,
    }
}

pub async fn retention_page(
    State(state): State<AppState>,
    Lang(locale): Lang,
    UnitsAdmin(staff): UnitsAdmin,
    query: Result<Query<SavedQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let t = state.tr(locale);
    let rows = current_rules(&state)
        .await?
        .into_iter()
        .map(|r| RetentionRow {
            field: format!("days-{}", r.state.as_str()),
            state: t.choice("state", r.state.as_str()),
            label: retention_label(&t, r.state),
            value: r.days.to_string(),
            error: None,
        })
        .collect();
    let saved = query.is_ok_and(|Query(q)| q.saved == "1");
    let page = retention_view(&state, locale, &staff, rows, saved);
    Ok(render(&page)?.into_response())
}

pub async fn set_retention(
    State(state): State<AppState>,
    Lang(locale): Lang,
    UnitsAdmin(staff): UnitsAdmin,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    if !same(&field("csrf"), &staff.csrf) {
        return Err(AppError::Forbidden);
    }
    let t = state.tr(locale);
    let current = current_rules(&state).await?;
    let mut rows = Vec::new();
    let mut changed = Vec::new();
    for rule in &current {
        let name = format!("days-{}", rule.state.as_str());
        let raw = field(&name);
        let error = match RetentionRule::parse_days(&raw) {
            Ok(days) => {
                if days != rule.days {
                    changed.push(RetentionRule {
                        state: rule.state,
                        days,
                    });
                }
                None
            }
            Err(_) => Some(t.get("admin-error-days-invalid")),
        };
        rows.push(RetentionRow {
            field: name,
            state: t.choice("state", rule.state.as_str()),
            label: retention_label(&t, rule.state),
            value: raw.chars().take(12).collect(),
            error,
        });
    }
    if rows.iter().any(|r| r.error.is_some()) {
        let page = retention_view(&state, locale, &staff, rows, false);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let now = state.clock.now();
    state
        .store
        .set_retention_rules(&changed, staff.principal.id, now)
        .await?;
    let to = format!("/staff/retention?saved=1{}", lang_suffix(locale, false));
    Ok(Redirect::to(&to).into_response())
}
