//! The investigator's side: the dossiers disseminated to their unit (sanitised: nothing about
//! the witness), acknowledgement and outcomes; and the exports: a dossier as PDF (investigator
//! or analyst) and the analyst's inbox as CSV. Every export is audited.

use super::render;
use super::staff::{me, Me};
use crate::auth::{same, Analyst, Investigator, Staff};
use crate::error::AppError;
use crate::export;
use crate::i18n::{Lang, Tr};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use vigie_domain::chain::{OutcomeInput, OutcomeKind, QuantityUnit, SeizedProduct};
use vigie_domain::report::HandlingCode;
use vigie_domain::{DisseminationId, Locale, ReportState};
use vigie_store::{Dissemination, NewAudit, RoutedReport, StoreError, UnitDossier};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/dossiers", get(list))
        .route("/staff/dossiers/{id}", get(show))
        .route("/staff/dossiers/{id}/acknowledge", post(acknowledge))
        .route("/staff/dossiers/{id}/outcomes", post(record_outcome))
        .route("/staff/dossiers/{id}/pdf", get(dossier_pdf))
        .route("/staff/disseminations/{id}/pdf", get(dissemination_pdf))
        .route("/staff/reports.csv", get(inbox_csv))
}

// --- the list -----------------------------------------------------------------------------------

pub struct Row {
    href: String,
    received: String,
    place: String,
    activity: String,
    corroborated: bool,
    conclusion: String,
    acknowledged: String,
    outcomes: usize,
}

#[derive(Template)]
#[template(path = "dossier_list.html")]
struct ListPage {
    t: Tr,
    me: Option<Me>,
    path: &'static str,
    has_unit: bool,
    lead: String,
    rows: Vec<Row>,
}

async fn list(
    State(state): State<AppState>,
    Lang(locale): Lang,
    Investigator(staff): Investigator,
) -> Result<Html<String>, AppError> {
    let t = state.tr(locale);
    let unit = state.store.unit_of(staff.principal.id).await?;
    let (unit_name, mut found) = match unit {
        Some(unit) => (
            state
                .store
                .unit(unit)
                .await?
                .map(|u| u.name)
                .unwrap_or_default(),
            state.store.disseminations_to_unit(unit).await?,
        ),
        None => (String::new(), Vec::new()),
    };
    found.sort_by_key(|d| std::cmp::Reverse(d.at));
    let rows = found
        .iter()
        .map(|d| Row {
            href: format!("/staff/dossiers/{}{}", d.id, t.q()),
            received: export::human_date(&t, d.at),
            place: export::place_title(d),
            activity: d
                .dossier
                .fields
                .activity
                .map(|a| t.choice("activity", a.as_str()))
                .unwrap_or_default(),
            corroborated: d.dossier.conclusion == ReportState::Corroborated,
            conclusion: export::conclusion_text(&t, d),
            acknowledged: match d.acknowledged_at {
                Some(at) => t.with(
                    "dossier-acknowledged-on",
                    &[("date", export::human_date(&t, at))],
                ),
                None => t.get("dossier-not-acknowledged"),
            },
            outcomes: d.outcomes.len(),
        })
        .collect();
    render(&ListPage {
        me: Some(me(&t, &staff, "/staff/dossiers")),
        path: "/staff/dossiers",
        has_unit: unit.is_some(),
        lead: t.with("dossier-list-lead", &[("unit", unit_name)]),
        rows,
        t,
    })
}

// --- one dossier --------------------------------------------------------------------------------

pub struct Opt {
    value: &'static str,
    label: String,
    selected: bool,
}

fn opts(t: &Tr, prefix: &str, values: &[&'static str], selected: &str) -> Vec<Opt> {
    values
        .iter()
        .map(|value| Opt {
            value,
            label: t.choice(prefix, value),
            selected: *value == selected.trim(),
        })
        .collect()
}

/// The outcome form as it was sent, with the error of each field in the page's language.
#[derive(Default)]
pub struct OutcomeFormView {
    kinds: Vec<Opt>,
    products: Vec<Opt>,
    units: Vec<Opt>,
    count: String,
    quantity: String,
    kind_error: Option<String>,
    count_error: Option<String>,
    product_error: Option<String>,
    quantity_error: Option<String>,
    unit_error: Option<String>,
}

impl OutcomeFormView {
    fn new(t: &Tr, input: &OutcomeInput, errors: &vigie_domain::report::FieldErrors) -> Self {
        let kinds: Vec<&'static str> = OutcomeKind::ALL.iter().map(|k| k.as_str()).collect();
        let products: Vec<&'static str> = SeizedProduct::ALL.iter().map(|k| k.as_str()).collect();
        let units: Vec<&'static str> = QuantityUnit::ALL.iter().map(|k| k.as_str()).collect();
        let error = |field: &str| {
            errors
                .0
                .get(field)
                .map(|code| t.get(&format!("dossier-error-{code}")))
        };
        Self {
            kinds: opts(t, "dossier-outcome", &kinds, &input.kind),
            products: opts(t, "dossier-product", &products, &input.product),
            units: opts(t, "dossier-unit", &units, &input.unit),
            count: input.count.clone(),
            quantity: input.quantity.clone(),
            kind_error: error("kind"),
            count_error: error("count"),
            product_error: error("product"),
            quantity_error: error("quantity"),
            unit_error: error("unit"),
        }
    }
}

#[derive(Template)]
#[template(path = "dossier_show.html")]
struct ShowPage {
    t: Tr,
    me: Option<Me>,
    path: String,
    id: DisseminationId,
    q: &'static str,
    title: String,
    sent_line: String,
    unit_name: String,
    corroborated: bool,
    conclusion: String,
    handling_code: &'static str,
    handling_restricted: bool,
    handling_text: String,
    facts: Vec<(String, String)>,
    assessment_rows: Vec<(String, String)>,
    checks: Vec<(String, String)>,
    excerpts: Vec<(String, String)>,
    deal_point: Option<String>,
    acknowledged: Option<String>,
    outcomes: Vec<(String, String)>,
    error: Option<String>,
    form: OutcomeFormView,
    csrf: String,
}

fn show_page(
    t: Tr,
    staff: &Staff,
    d: &Dissemination,
    error: Option<String>,
    form: OutcomeFormView,
) -> Result<Html<String>, AppError> {
    let dossier = &d.dossier;
    let handling = export::handling_of(d);
    let commune = dossier.commune_name.clone().map(|name| {
        dossier
            .fields
            .commune
            .as_ref()
            .map_or(name.clone(), |code| format!("{name} ({code})"))
    });
    let outcomes = d
        .outcomes
        .iter()
        .map(|o| {
            (
                export::outcome_text(&t, &o.outcome),
                format!("{} · {}", export::human_date(&t, o.at), o.by),
            )
        })
        .collect();
    render(&ShowPage {
        me: Some(me(&t, staff, "/staff/dossiers")),
        path: format!("/staff/dossiers/{}", d.id),
        id: d.id,
        q: t.q(),
        title: t.with("dossier-title", &[("place", export::place_title(d))]),
        sent_line: t.with(
            "dossier-sent-line",
            &[("date", export::human_date(&t, d.at)), ("by", d.by.clone())],
        ),
        unit_name: d.unit_name.clone(),
        corroborated: dossier.conclusion == ReportState::Corroborated,
        conclusion: export::conclusion_text(&t, d),
        handling_code: handling.as_str(),
        handling_restricted: handling != HandlingCode::H0,
        handling_text: export::handling_meaning(&t, handling),
        facts: export::facts(&t, &dossier.fields, commune),
        assessment_rows: export::assessment_rows(&t, d),
        checks: dossier
            .checks
            .iter()
            .map(|(kind, result)| (t.choice("check", kind.as_str()), result.clone()))
            .collect(),
        excerpts: dossier
            .excerpts
            .iter()
            .map(|e| {
                (
                    format!(
                        "{} · {}",
                        t.choice("dossier-author", &e.author),
                        export::human_date(&t, e.at)
                    ),
                    e.text.clone(),
                )
            })
            .collect(),
        deal_point: dossier.deal_point.clone(),
        acknowledged: d.acknowledged_at.map(|at| {
            let date = export::human_date(&t, at);
            match &d.acknowledged_by {
                Some(by) => t.with(
                    "dossier-acknowledged-by",
                    &[("date", date), ("by", by.clone())],
                ),
                None => t.with("dossier-acknowledged-on", &[("date", date)]),
            }
        }),
        outcomes,
        error,
        form,
        csrf: staff.csrf.clone(),
        t,
    })
}

fn parse_id(raw: &str) -> Result<DisseminationId, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

async fn obtain(
    state: &AppState,
    staff: &Staff,
    id: DisseminationId,
) -> Result<UnitDossier, AppError> {
    Ok(UnitDossier::obtain(
        state.store.as_ref(),
        &staff.principal,
        id,
        "investigation",
        state.clock.now(),
    )
    .await?)
}

async fn show(
    State(state): State<AppState>,
    Lang(locale): Lang,
    Investigator(staff): Investigator,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let id = parse_id(&id)?;
    let dossier = obtain(&state, &staff, id).await?;
    let t = state.tr(locale);
    let form = OutcomeFormView::new(&t, &OutcomeInput::default(), &Default::default());
    show_page(t, &staff, dossier.dissemination(), None, form)
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// The page again with a message, after a refused action (status kept).
async fn refused(
    state: &AppState,
    locale: Locale,
    staff: &Staff,
    id: DisseminationId,
    status: StatusCode,
    message: String,
    form: Option<OutcomeFormView>,
) -> Result<Response, AppError> {
    let dossier = obtain(state, staff, id).await?;
    let t = state.tr(locale);
    let form = form
        .unwrap_or_else(|| OutcomeFormView::new(&t, &OutcomeInput::default(), &Default::default()));
    let page = show_page(t, staff, dossier.dissemination(), Some(message), form)?;
    Ok((status, page).into_response())
}

fn back_to(id: DisseminationId, locale: Locale) -> Response {
    let q = match locale {
        Locale::Fr => "",
        Locale::En => "?lang=en",
    };
    Redirect::to(&format!("/staff/dossiers/{id}{q}")).into_response()
}

async fn acknowledge(
    State(state): State<AppState>,
    Lang(locale): Lang,
    Investigator(staff): Investigator,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    if !same(&form.csrf, &staff.csrf) {
        return Err(AppError::Forbidden);
    }
    let dossier = obtain(&state, &staff, id).await?;
    match state
        .store
        .acknowledge(&dossier, staff.principal.id, state.clock.now())
        .await
    {
        // Acknowledging twice changes nothing: back to the dossier.
        Ok(_) | Err(StoreError::Conflict("already-acknowledged")) => Ok(back_to(id, locale)),
        Err(e) => {
            let e = AppError::from(e);
            if matches!(e, AppError::NotFound | AppError::Forbidden) {
                return Err(e);
            }
            let t = state.tr(locale);
            let message = t.get(&format!("error-{}", e.code()));
            refused(&state, locale, &staff, id, e.status(), message, None).await
        }
    }
}

#[derive(Deserialize)]
struct OutcomeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    count: String,
    #[serde(default)]
    product: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    unit: String,
}

async fn record_outcome(
    State(state): State<AppState>,
    Lang(locale): Lang,
    Investigator(staff): Investigator,
    Path(id): Path<String>,
    Form(form): Form<OutcomeForm>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    if !same(&form.csrf, &staff.csrf) {
        return Err(AppError::Forbidden);
    }
    let input = OutcomeInput {
        kind: form.kind,
        count: form.count,
        product: form.product,
        quantity: form.quantity,
        unit: form.unit,
    };
    let t = state.tr(locale);
    let outcome = match input.validate() {
        Ok(outcome) => outcome,
        Err(errors) => {
            let view = OutcomeFormView::new(&t, &input, &errors);
            return refused(
                &state,
                locale,
                &staff,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                t.get("dossier-error-form"),
                Some(view),
            )
            .await;
        }
    };
    let dossier = obtain(&state, &staff, id).await?;
    match state
        .store
        .record_outcome(&dossier, staff.principal.id, outcome, state.clock.now())
        .await
    {
        Ok(_) => Ok(back_to(id, locale)),
        Err(StoreError::Conflict("not-acknowledged")) => {
            let view = OutcomeFormView::new(&t, &input, &Default::default());
            refused(
                &state,
                locale,
                &staff,
                id,
                StatusCode::CONFLICT,
                t.get("dossier-error-not-acknowledged"),
                Some(view),
            )
            .await
        }
        Err(e) => {
            let e = AppError::from(e);
            if matches!(e, AppError::NotFound | AppError::Forbidden) {
                return Err(e);
            }
            let message = match &e {
                AppError::Fields(f) => {
                    f.0.values()
                        .map(|code| t.get(&format!("dossier-error-{code}")))
                        .collect::<Vec<_>>()
                        .join(" ")
                }
                other => t.get(&format!("error-{}", other.code())),
            };
            let view = OutcomeFormView::new(&t, &input, &Default::default());
            refused(&state, locale, &staff, id, e.status(), message, Some(view)).await
        }
    }
}

// --- exports ------------------------------------------------------------------------------------

fn attachment(content_type: &'static str, filename: String, body: Vec<u8>) -> Response {
    (
        [
            (CONTENT_TYPE, content_type.to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

fn pdf_response(d: &Dissemination, body: Vec<u8>) -> Response {
    let id = d.id.to_string();
    let short: String = id.chars().take(8).collect();
    attachment("application/pdf", format!("dossier-{short}.pdf"), body)
}

/// The investigator's copy of a dossier, as PDF.
async fn dossier_pdf(
    State(state): State<AppState>,
    Lang(locale): Lang,
    Investigator(staff): Investigator,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let dossier = obtain(&state, &staff, id).await?.into_dissemination();
    state
        .store
        .audit(NewAudit {
            actor: Some(staff.principal.id),
            action: "export_dossier",
            target: format!("report:{}", dossier.report),
            purpose: "investigation",
            at: state.clock.now(),
        })
        .await?;
    let outlines = state.store.departement_outlines().await?;
    let body = export::dossier_pdf(&state.tr(locale), &dossier, &outlines);
    Ok(pdf_response(&dossier, body))
}

/// The analyst's copy of a dossier they (or their cell) sent, as PDF.
async fn dissemination_pdf(
    State(state): State<AppState>,
    Lang(locale): Lang,
    Analyst(staff): Analyst,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let dossier = state
        .store
        .dissemination(id)
        .await?
        .ok_or(AppError::NotFound)?;
    // An analyst of another département gets the same answer as for a missing dossier.
    RoutedReport::obtain(
        state.store.as_ref(),
        &staff.principal,
        dossier.report,
        "dissemination",
        state.clock.now(),
    )
    .await?;
    state
        .store
        .audit(NewAudit {
            actor: Some(staff.principal.id),
            action: "export_dossier",
            target: format!("report:{}", dossier.report),
            purpose: "dissemination",
            at: state.clock.now(),
        })
        .await?;
    let outlines = state.store.departement_outlines().await?;
    let body = export::dossier_pdf(&state.tr(locale), &dossier, &outlines);
    Ok(pdf_response(&dossier, body))
}

/// The analyst's inbox as CSV, with the inbox page's filters (`lang` picks the headers'
/// language and is not a filter).
async fn inbox_csv(
    State(state): State<AppState>,
    Lang(locale): Lang,
    Analyst(staff): Analyst,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let filters: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(
            form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).filter(|(k, _)| k != "lang"),
        )
        .finish();
    let uri: axum::http::Uri = format!("/?{filters}")
        .parse()
        .map_err(|_| AppError::BadRequest("query-invalid"))?;
    let axum::extract::Query(query) =
        axum::extract::Query::<crate::staff::InboxQuery>::try_from_uri(&uri)
            .map_err(|_| AppError::BadRequest("query-invalid"))?;
    let now = state.clock.now();
    let filter = query.filter(now)?;
    let rows = state
        .store
        .inbox(&staff.principal.departements, &filter)
        .await?;
    state
        .store
        .audit(NewAudit {
            actor: Some(staff.principal.id),
            action: "export_list",
            target: format!("reports:{}", rows.len()),
            purpose: "analysis",
            at: now,
        })
        .await?;
    let body = export::inbox_csv(&state.tr(locale), &rows);
    let date = now.date();
    Ok(attachment(
        "text/csv; charset=utf-8",
        format!("signalements-{date}.csv"),
        body,
    ))
}
