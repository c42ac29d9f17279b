//! The cell's pages after the conclusion: dissemination to a unit (with explicitly chosen
//! transcript excerpts), follow-up questions to the witness, points de deal with their
//! candidates, closing; and the map and statistics. Plain forms: everything works without
//! JavaScript. Each action is one store operation; errors come back on the report page in the
//! page's language.

use super::staff::{me, report_page, Me};
use super::{human_time, render};
use crate::auth::{same, Analyst, Staff};
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use std::collections::BTreeMap;
use vigie_domain::chain::DealPointStatus;
use vigie_domain::report::matching::{candidates, Reason, SpotProfile};
use vigie_domain::{
    DealPointId, DepartementCode, DisseminationId, Locale, MessageBody, Permission, ReasonText,
    ReportId, ReportState,
};
use vigie_render::{chart, map};
use vigie_store::{NewAudit, NewDealPoint, NewDissemination, Report, RoutedReport};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/reports/{id}/disseminate", get(disseminate_page))
        .route("/staff/reports/{id}/chain/{action}", post(action))
        .route("/staff/points/{id}", get(point_page))
        .route("/staff/points/{id}/status", post(point_status))
        .route("/staff/map", get(map_page))
        .route("/staff/statistics", get(statistics_page))
}

/// Raw form fields: the dissemination form repeats `excerpts`.
fn fields(body: &[u8]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in form_urlencoded::parse(body) {
        out.entry(k.into_owned()).or_default().push(v.into_owned());
    }
    out
}

fn one<'a>(f: &'a BTreeMap<String, Vec<String>>, key: &str) -> &'a str {
    f.get(key)
        .and_then(|v| v.first())
        .map(String::as_str)
        .unwrap_or("")
}

fn invalid(field: &'static str, code: &'static str) -> AppError {
    let mut e = vigie_domain::report::FieldErrors::default();
    e.add(field, code);
    AppError::Fields(e)
}

// --- the report page's chain section --------------------------------------------------------------

pub struct DisseminationView {
    pub unit: String,
    pub line: String,
    pub acknowledged: Option<String>,
    pub outcomes: Vec<String>,
    pub pdf: String,
}

pub struct CandidateView {
    pub id: DealPointId,
    pub label: String,
    pub score: u32,
    pub reasons: String,
}

pub struct PointView {
    pub id: DealPointId,
    pub label: String,
    pub status: String,
    pub reports: u32,
}

/// What the report page shows of the chain.
pub struct ReportChain {
    pub can_disseminate: bool,
    pub can_close: bool,
    pub can_link: bool,
    pub disseminations: Vec<DisseminationView>,
    pub follow_ups: Vec<(String, String, Option<String>)>,
    pub question_pending: bool,
    pub point: Option<PointView>,
    pub candidates: Vec<CandidateView>,
}

fn reason_text(t: &Tr, r: &Reason) -> String {
    match r {
        Reason::SameCommune => t.get("candidate-same-commune"),
        Reason::Near { metres } => t.with("candidate-near", &[("metres", metres.to_string())]),
        Reason::SimilarPlace => t.get("candidate-similar-place"),
        Reason::OverlappingTimes => t.get("candidate-overlapping-times"),
    }
}

/// Where the spot is: the officer's point, else the commune's centroid.
async fn position_of(state: &AppState, report: &Report) -> Result<Option<(f64, f64)>, AppError> {
    if let Some(point) = report.fields.point() {
        return Ok(Some(point));
    }
    Ok(match &report.fields.commune {
        Some(code) => state
            .store
            .commune(code)
            .await?
            .and_then(|c| c.lat.zip(c.lon)),
        None => None,
    })
}

pub async fn report_chain(
    state: &AppState,
    t: &Tr,
    report: &Report,
) -> Result<ReportChain, AppError> {
    use ReportState as S;
    let locale = t.locale;
    let store = state.store.as_ref();
    let disseminations = store
        .disseminations_of_report(report.id)
        .await?
        .into_iter()
        .map(|d| DisseminationView {
            line: t.with(
                "dissemination-line",
                &[
                    ("date", human_time(locale, d.at)),
                    ("by", d.by.clone()),
                    (
                        "conclusion",
                        t.choice("state", d.dossier.conclusion.as_str()),
                    ),
                ],
            ),
            acknowledged: d.acknowledged_at.map(|at| {
                t.with(
                    "dissemination-acknowledged",
                    &[
                        ("date", human_time(locale, at)),
                        ("by", d.acknowledged_by.clone().unwrap_or_default()),
                    ],
                )
            }),
            outcomes: d
                .outcomes
                .iter()
                .map(|o| {
                    format!(
                        "{} ({})",
                        crate::export::outcome_text(t, &o.outcome),
                        human_time(locale, o.at)
                    )
                })
                .collect(),
            pdf: format!("/staff/disseminations/{}/pdf", d.id),
            unit: d.unit_name,
        })
        .collect();
    let follow_ups: Vec<(String, String, Option<String>)> = store
        .follow_ups(report.id)
        .await?
        .into_iter()
        .map(|f| {
            (
                f.question,
                format!("{} · {}", f.asked_by, human_time(locale, f.asked_at)),
                f.answer,
            )
        })
        .collect();
    let point = match store.deal_point_of(report.id).await? {
        Some(id) => store.deal_point(id).await?.map(|p| PointView {
            id: p.id,
            label: p.label,
            status: t.choice("point-status", p.status.as_str()),
            reports: p.reports,
        }),
        None => None,
    };
    let mut proposed = Vec::new();
    if point.is_none() {
        if let Some(dep) = &report.departement {
            let points = store.deal_points(std::slice::from_ref(dep)).await?;
            let known: Vec<(usize, SpotProfile)> = points
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let mut profile = SpotProfile::from_fields(&p.profile, p.position);
                    profile.place = Some(format!(
                        "{} {}",
                        p.label,
                        p.profile.place.clone().unwrap_or_default()
                    ));
                    (i, profile)
                })
                .collect();
            let mine = SpotProfile::from_fields(&report.fields, position_of(state, report).await?);
            for c in candidates(&mine, &known, 5) {
                let p = &points[c.key];
                proposed.push(CandidateView {
                    id: p.id,
                    label: p.label.clone(),
                    score: (c.score * 100.0).round() as u32,
                    reasons: c
                        .reasons
                        .iter()
                        .map(|r| reason_text(t, r))
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
        }
    }
    Ok(ReportChain {
        can_disseminate: matches!(
            report.state,
            S::Corroborated
                | S::Unconfirmed
                | S::Disseminated
                | S::Acknowledged
                | S::OutcomeRecorded
        ),
        can_close: report.state.may_become(S::Closed),
        can_link: !matches!(report.state, S::Closed | S::Purged),
        question_pending: follow_ups.iter().any(|f| f.2.is_none()),
        disseminations,
        follow_ups,
        point,
        candidates: proposed,
    })
}

// --- dissemination form -----------------------------------------------------------------------------

pub struct UnitChoice {
    pub id: String,
    pub label: String,
}

pub struct ExcerptChoice {
    pub seq: u64,
    pub author: String,
    pub at: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "staff_disseminate.html")]
struct DisseminatePage {
    t: Tr,
    me: Option<Me>,
    path: String,
    id: ReportId,
    short_id: String,
    conclusion: String,
    unconfirmed: bool,
    units: Vec<UnitChoice>,
    messages: Vec<ExcerptChoice>,
    csrf: String,
}

async fn disseminate_page(
    State(state): State<AppState>,
    Lang(locale): Lang,
    Analyst(staff): Analyst,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let id: ReportId = id.parse().map_err(|_| AppError::NotFound)?;
    let now = state.clock.now();
    let report = RoutedReport::obtain(
        state.store.as_ref(),
        &staff.principal,
        id,
        "dissemination",
        now,
    )
    .await?
    .into_report();
    let dep = report.departement.clone().ok_or(AppError::NotFound)?;
    let t = state.tr(locale);
    // Choosing excerpts means reading the transcript: that read is audited on its own.
    state
        .store
        .audit(NewAudit {
            actor: Some(staff.principal.id),
            action: "read_transcript",
            target: format!("report:{id}"),
            purpose: "dissemination",
            at: now,
        })
        .await?;
    let messages = state
        .store
        .events_after(report.conversation, 0, 500)
        .await?
        .into_iter()
        // Dossiers are sanitised text: a photo is never an excerpt.
        .filter(|e| e.kind == vigie_domain::EventKind::Message && e.photo.is_none())
        .map(|e| ExcerptChoice {
            seq: e.seq,
            author: t.choice("excerpt-author", e.author.as_str()),
            at: human_time(locale, e.at),
            text: e.body.unwrap_or_default(),
        })
        .collect();
    let units = state
        .store
        .units_for(&dep)
        .await?
        .into_iter()
        .map(|u| UnitChoice {
            id: u.id.to_string(),
            label: format!("{} — {}", u.name, t.choice("unit-kind", u.kind.as_str())),
        })
        .collect();
    render(&DisseminatePage {
        me: Some(me(&t, &staff, "/staff/reports")),
        path: format!("/staff/reports/{id}/disseminate"),
        short_id: id.to_string()[..8].to_owned(),
        id,
        unconfirmed: report.state == ReportState::Unconfirmed,
        conclusion: t.choice("state", report.state.as_str()),
        units,
        messages,
        csrf: staff.csrf.clone(),
        t,
    })
}

// --- actions on a report -------------------------------------------------------------------------

async fn action(
    State(state): State<AppState>,
    Lang(locale): Lang,
    Analyst(staff): Analyst,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, AppError> {
    let id: ReportId = id.parse().map_err(|_| AppError::NotFound)?;
    let form = fields(&body);
    if !same(one(&form, "csrf"), &staff.csrf) {
        return Err(AppError::Forbidden);
    }
    let outcome: Result<(), AppError> = async {
        let now = state.clock.now();
        let store = state.store.as_ref();
        let routed = RoutedReport::obtain(store, &staff.principal, id, "analysis", now).await?;
        let by = staff.principal.id;
        match action.as_str() {
            "disseminate" => {
                let unit = one(&form, "unit")
                    .parse()
                    .map_err(|_| invalid("unit", "choice-invalid"))?;
                let excerpts = form
                    .get("excerpts")
                    .map(|v| {
                        v.iter()
                            .map(|s| s.parse::<u64>())
                            .collect::<Result<Vec<_>, _>>()
                    })
                    .transpose()
                    .map_err(|_| invalid("excerpts", "excerpt-unknown"))?
                    .unwrap_or_default();
                let new = NewDissemination {
                    id: state.with_rng(DisseminationId::random),
                    unit,
                    excerpts,
                };
                store.disseminate(&routed, by, new, now).await?;
            }
            "follow-up" => {
                let question = MessageBody::parse(one(&form, "question"))
                    .map_err(|e| invalid("question", e.code))?;
                let (_, appended) = store.ask_follow_up(&routed, by, question, now).await?;
                // A witness who is back on the page sees the question at once.
                state.hub.event(routed.report().conversation, appended.seq);
            }
            "point-create" => {
                let label =
                    ReasonText::parse(one(&form, "label")).map_err(|e| invalid("label", e.code))?;
                let new = NewDealPoint {
                    id: state.with_rng(DealPointId::random),
                    label,
                };
                store.create_deal_point(&routed, by, new, now).await?;
            }
            "point-link" => {
                let point = one(&form, "point")
                    .parse()
                    .map_err(|_| invalid("point", "choice-invalid"))?;
                store.link_deal_point(&routed, point, by, now).await?;
            }
            "close" => {
                store.close_report(&routed, by, now).await?;
            }
            _ => return Err(AppError::NotFound),
        }
        Ok(())
    }
    .await;
    match outcome {
        Ok(()) => {
            Ok(Redirect::to(&format!("/staff/reports/{id}{}", query(locale))).into_response())
        }
        Err(AppError::NotFound) => Err(AppError::NotFound),
        Err(AppError::Forbidden) => Err(AppError::Forbidden),
        Err(e) => {
            let t = state.tr(locale);
            let message = error_text(&t, &e);
            let mut page = report_page(&state, locale, &staff, id, Some(message))
                .await?
                .into_response();
            *page.status_mut() = e.status();
            Ok(page)
        }
    }
}

fn query(locale: Locale) -> &'static str {
    match locale {
        Locale::Fr => "",
        Locale::En => "?lang=en",
    }
}

pub fn error_text(t: &Tr, e: &AppError) -> String {
    match e {
        AppError::Fields(f) => {
            f.0.values()
                .map(|code| t.get(&format!("field-error-{code}")))
                .collect::<Vec<_>>()
                .join(" ")
        }
        AppError::Conflict(code) | AppError::Invalid(code) => t.get(&format!("error-{code}")),
        _ => t.get("error-internal"),
    }
}

// --- a point de deal -----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "staff_point.html")]
struct PointPage {
    t: Tr,
    me: Option<Me>,
    path: String,
    id: DealPointId,
    label: String,
    place: String,
    status: String,
    statuses: Vec<(&'static str, String, bool)>,
    history: Vec<(String, String, String)>,
    reports: Vec<(String, String, String, String)>,
    csrf: String,
}

async fn point_for(
    state: &AppState,
    staff: &Staff,
    id: &str,
) -> Result<vigie_store::DealPoint, AppError> {
    let id: DealPointId = id.parse().map_err(|_| AppError::NotFound)?;
    let point = state
        .store
        .deal_point(id)
        .await?
        .ok_or(AppError::NotFound)?;
    // A point of another département does not exist for this analyst.
    if !staff.principal.departements.contains(&point.departement) {
        return Err(AppError::NotFound);
    }
    Ok(point)
}

async fn point_page(
    State(state): State<AppState>,
    Lang(locale): Lang,
    Analyst(staff): Analyst,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let point = point_for(&state, &staff, &id).await?;
    let t = state.tr(locale);
    state
        .store
        .audit(NewAudit {
            actor: Some(staff.principal.id),
            action: "read_deal_point",
            target: format!("deal_point:{}", point.id),
            purpose: "analysis",
            at: state.clock.now(),
        })
        .await?;
    let history = state
        .store
        .deal_point_history(point.id)
        .await?
        .into_iter()
        .map(|h| {
            let detail = match h.action.as_str() {
                "status" => t.choice("point-status", &h.detail),
                "outcome" => serde_json::from_str(&h.detail)
                    .map(|o| crate::export::outcome_text(&t, &o))
                    .unwrap_or_default(),
                "linked" => h
                    .detail
                    .trim_start_matches("report:")
                    .chars()
                    .take(8)
                    .collect(),
                _ => h.detail,
            };
            (
                human_time(locale, h.at),
                t.choice("point-history", &h.action),
                format!(
                    "{detail}{}",
                    h.by.map(|b| format!(" · {b}")).unwrap_or_default()
                ),
            )
        })
        .collect();
    let reports = state
        .store
        .deal_point_reports(point.id)
        .await?
        .into_iter()
        .map(|r| {
            (
                format!("/staff/reports/{}", r.id),
                r.id.to_string()[..8].to_owned(),
                t.choice("state", r.state.as_str()),
                r.qualified_at
                    .map(|q| human_time(locale, q))
                    .unwrap_or_default(),
            )
        })
        .collect();
    render(&PointPage {
        me: Some(me(&t, &staff, "/staff/map")),
        path: format!("/staff/points/{}", point.id),
        id: point.id,
        place: format!(
            "{} ({})",
            point.commune_name.clone().unwrap_or_default(),
            point.departement.as_str()
        ),
        status: t.choice("point-status", point.status.as_str()),
        statuses: DealPointStatus::ALL
            .iter()
            .map(|s| {
                (
                    s.as_str(),
                    t.choice("point-status", s.as_str()),
                    *s == point.status,
                )
            })
            .collect(),
        label: point.label,
        history,
        reports,
        csrf: staff.csrf.clone(),
        t,
    })
}

#[derive(Deserialize)]
struct StatusForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
}

async fn point_status(
    State(state): State<AppState>,
    Lang(locale): Lang,
    Analyst(staff): Analyst,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<StatusForm>,
) -> Result<Response, AppError> {
    if !same(&form.csrf, &staff.csrf) {
        return Err(AppError::Forbidden);
    }
    let point = point_for(&state, &staff, &id).await?;
    let status =
        DealPointStatus::parse(&form.status).ok_or_else(|| invalid("status", "choice-invalid"))?;
    state
        .store
        .set_deal_point_status(point.id, status, staff.principal.id, state.clock.now())
        .await?;
    Ok(Redirect::to(&format!("/staff/points/{}{}", point.id, query(locale))).into_response())
}

// --- the map -------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "staff_map.html")]
struct MapPage {
    t: Tr,
    me: Option<Me>,
    path: String,
    svg: Option<String>,
    focus: Option<String>,
    rows: Vec<(String, String, u64)>,
    points: Vec<(String, String, String, String, u32)>,
}

#[derive(Deserialize)]
struct MapQuery {
    #[serde(default)]
    departement: String,
}

async fn map_page(
    State(state): State<AppState>,
    Lang(locale): Lang,
    staff: Staff,
    Query(q): Query<MapQuery>,
) -> Result<Html<String>, AppError> {
    if !staff.principal.role.may(Permission::ViewMap) {
        return Err(AppError::Forbidden);
    }
    let t = state.tr(locale);
    let store = state.store.as_ref();
    let focus = if q.departement.trim().is_empty() {
        None
    } else {
        Some(DepartementCode::parse(&q.departement).map_err(|_| AppError::NotFound)?)
    };
    let names: BTreeMap<String, String> = store
        .departements()
        .await?
        .into_iter()
        .map(|d| (d.code.as_str().to_owned(), d.name))
        .collect();
    let counts: BTreeMap<String, u64> = store
        .reports_per_departement()
        .await?
        .into_iter()
        .map(|(d, n)| (d.as_str().to_owned(), n))
        .collect();
    // Points de deal: only those of the analyst's own départements.
    let mine = if staff.principal.role.may(Permission::ReadRoutedReports) {
        store.deal_points(&staff.principal.departements).await?
    } else {
        Vec::new()
    };
    let shown: Vec<&vigie_store::DealPoint> = mine
        .iter()
        .filter(|p| focus.as_ref().is_none_or(|f| &p.departement == f))
        .collect();
    let outlines = store
        .departement_outlines()
        .await?
        .into_iter()
        .filter_map(|(d, geometry)| map::parse_geometry(d.code.as_str(), &d.name, &geometry).ok())
        .collect::<Vec<_>>();
    let title = match &focus {
        Some(f) => t.with(
            "map-title-departement",
            &[
                ("name", names.get(f.as_str()).cloned().unwrap_or_default()),
                ("code", f.as_str().to_owned()),
            ],
        ),
        None => t.get("map-title"),
    };
    let svg = (!outlines.is_empty()).then(|| {
        map::render(&map::MapData {
            outlines,
            values: counts.clone(),
            markers: shown
                .iter()
                .filter_map(|p| {
                    p.position.map(|(lat, lon)| map::Marker {
                        lat,
                        lon,
                        label: format!(
                            "{} — {}",
                            p.label,
                            t.choice("point-status", p.status.as_str())
                        ),
                        status: match p.status {
                            DealPointStatus::Active => map::MarkerStatus::Active,
                            DealPointStatus::Dismantled => map::MarkerStatus::Dismantled,
                            DealPointStatus::Moved => map::MarkerStatus::Moved,
                        },
                        href: Some(format!("/staff/points/{}", p.id)),
                    })
                })
                .collect(),
            focus: focus.as_ref().map(|f| f.as_str().to_owned()),
            title: title.clone(),
            desc: t.get("map-desc"),
            legend_title: t.get("map-legend"),
            link_prefix: Some("/staff/map?departement=".to_owned()),
        })
    });
    let rows = names
        .iter()
        .filter(|(code, _)| focus.as_ref().is_none_or(|f| f.as_str() == code.as_str()))
        .map(|(code, name)| {
            (
                code.clone(),
                name.clone(),
                counts.get(code).copied().unwrap_or(0),
            )
        })
        .filter(|r| focus.is_some() || r.2 > 0)
        .collect();
    let points = shown
        .iter()
        .map(|p| {
            (
                format!("/staff/points/{}", p.id),
                p.label.clone(),
                p.commune_name.clone().unwrap_or_default(),
                t.choice("point-status", p.status.as_str()),
                p.reports,
            )
        })
        .collect();
    render(&MapPage {
        me: Some(me(&t, &staff, "/staff/map")),
        path: "/staff/map".to_owned(),
        svg,
        focus: focus.map(|_| title),
        rows,
        points,
        t,
    })
}

// --- statistics ------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "staff_statistics.html")]
struct StatisticsPage {
    t: Tr,
    me: Option<Me>,
    path: String,
    days: i64,
    periods: Vec<(i64, bool)>,
    figures: Vec<Figure>,
    stages: Vec<(String, u64, String)>,
    seizures: Vec<(String, String)>,
    arrests: u64,
    states: Vec<(String, u64)>,
    response: super::response_times::ResponseTimes,
}

/// A chart and the same figures as a table, for those who do not read the chart.
struct Figure {
    id: &'static str,
    title: String,
    svg: String,
    rows: Vec<(String, u64)>,
}

enum Shape {
    Columns,
    Bars,
}

fn figure(t: &Tr, id: &'static str, shape: Shape, unit: &str, rows: Vec<(String, u64)>) -> Figure {
    let title = t.get(&format!("stats-{id}"));
    let desc = t.get(&format!("stats-{id}-desc"));
    let values: Vec<(String, f64)> = rows.iter().map(|(k, n)| (k.clone(), *n as f64)).collect();
    let draw = match shape {
        Shape::Columns => chart::column_chart,
        Shape::Bars => chart::bar_chart,
    };
    Figure {
        id,
        svg: draw(&title, &desc, unit, &values, &t.get("stats-empty")),
        title,
        rows,
    }
}

#[derive(Deserialize)]
struct StatsQuery {
    #[serde(default)]
    days: Option<i64>,
}

fn duration_text(t: &Tr, ms: Option<i64>) -> String {
    match ms {
        None => "—".to_owned(),
        Some(ms) if ms < 3_600_000 => {
            t.with("duration-minutes", &[("n", (ms / 60_000).to_string())])
        }
        Some(ms) if ms < 172_800_000 => {
            t.with("duration-hours", &[("n", (ms / 3_600_000).to_string())])
        }
        Some(ms) => t.with("duration-days", &[("n", (ms / 86_400_000).to_string())]),
    }
}

async fn statistics_page(
    State(state): State<AppState>,
    Lang(locale): Lang,
    staff: Staff,
    Query(q): Query<StatsQuery>,
) -> Result<Html<String>, AppError> {
    if !staff.principal.role.may(Permission::ViewStatistics) {
        return Err(AppError::Forbidden);
    }
    let days = q.days.unwrap_or(30).clamp(1, 3650);
    let t = state.tr(locale);
    let now = state.clock.now();
    let since = now - time::Duration::days(days);
    let stats = state.store.statistics(since, now).await?;
    let chats = state.store.chat_times(since, now).await?;
    let response = super::response_times::section(&t, &chats, state.settings.response_target, now);
    let per_day: Vec<(String, u64)> = stats
        .per_day
        .iter()
        .map(|(d, n)| (d.to_string(), *n))
        .collect();
    let names: std::collections::HashMap<String, String> = state
        .store
        .departements()
        .await?
        .into_iter()
        .map(|d| (d.code.as_str().to_owned(), d.name))
        .collect();
    let per_departement: Vec<(String, u64)> = stats
        .per_departement
        .iter()
        .map(|(d, n)| {
            let name = names.get(d.as_str()).cloned().unwrap_or_default();
            (format!("{name} ({})", d.as_str()), *n)
        })
        .collect();
    let by_activity: Vec<(String, u64)> = stats
        .by_activity
        .iter()
        .map(|(a, n)| (t.choice("activity", a), *n))
        .collect();
    let by_outcome: Vec<(String, u64)> = stats
        .by_outcome
        .iter()
        .map(|(a, n)| (t.choice("dossier-outcome", a), *n))
        .collect();
    let unit = t.get("stats-unit-reports");
    render(&StatisticsPage {
        me: Some(me(&t, &staff, "/staff/statistics")),
        path: "/staff/statistics".to_owned(),
        days,
        periods: [7, 30, 90, 365]
            .into_iter()
            .map(|d| (d, d == days))
            .collect(),
        figures: vec![
            figure(&t, "per-day", Shape::Columns, &unit, per_day),
            figure(&t, "per-departement", Shape::Bars, &unit, per_departement),
            figure(&t, "by-activity", Shape::Bars, &unit, by_activity),
            figure(
                &t,
                "by-outcome",
                Shape::Bars,
                &t.get("stats-unit-outcomes"),
                by_outcome,
            ),
        ],
        stages: stats
            .stages
            .iter()
            .map(|(s, n, ms)| (t.choice("stage", s), *n, duration_text(&t, *ms)))
            .collect(),
        seizures: stats
            .seizures
            .iter()
            .map(|(p, u, q)| {
                (
                    t.choice("dossier-product", p),
                    format!(
                        "{} {}",
                        chart::format_value(*q),
                        t.choice("dossier-unit", u)
                    ),
                )
            })
            .collect(),
        arrests: stats.arrests,
        states: stats
            .by_state
            .iter()
            .map(|(s, n)| (t.choice("state", s.as_str()), *n))
            .collect(),
        response,
        t,
    })
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any body at all decodes to something (never a panic), as a browser form would.
        #[test]
        fn any_form_body_decodes_without_panic(body in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..400),
            "[a-z=&%+0-9A-F;]{0,200}".prop_map(String::into_bytes),
        ]) {
            let f = fields(&body);
            for (k, values) in &f {
                prop_assert!(!values.is_empty());
                let _ = one(&f, k);
            }
            prop_assert_eq!(one(&f, "\u{0}absent"), "");
        }

        /// What a form encodes, `fields` gives back: every value of every key, in order.
        #[test]
        fn encoded_pairs_round_trip(pairs in proptest::collection::vec((prop_oneof![Just("excerpts".to_owned()), any::<String>()], any::<String>()), 0..12)) {
            let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(&pairs).finish();
            let f = fields(body.as_bytes());
            let mut want: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for (k, v) in &pairs {
                want.entry(k.clone()).or_default().push(v.clone());
            }
            prop_assert_eq!(&f, &want);
            for (k, values) in &want {
                prop_assert_eq!(one(&f, k), values[0].as_str());
            }
        }
    }
}
