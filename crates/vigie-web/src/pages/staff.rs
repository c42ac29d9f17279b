//! The staff console pages. Each page's extractor states the permission it needs.

use super::{human_time, render, script_strings};
use crate::auth::{cookie, same, set_cookie, Analyst, Auditor, Officer, Staff, SESSION_COOKIE};
use crate::crypto::new_token;
use crate::error::AppError;
use crate::i18n::{Lang, Tr, LANG_COOKIE};
use crate::staff::{password_step, PasswordStep};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::StatusCode;
use axum::response::{AppendHeaders, Html, IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use vigie_domain::report::{
    Activity, CheckKind, Credibility, Frequency, Grading, HandlingCode, Knowledge, PersonRole,
    Product, SourceReliability, Weekday,
};
use vigie_domain::{CloseOutcome, ConversationId, Locale, Permission, ReportId, ReportState, Role};
use vigie_store::{CaseReader, RoutedReport};

pub(super) const LOGIN_COOKIE: &str = "vigie_login";

pub struct NavLink {
    pub(crate) href: &'static str,
    pub(crate) label: String,
    pub(crate) current: bool,
}

pub(crate) struct Me {
    pub(crate) links: Vec<NavLink>,
    pub(crate) who: String,
    pub(crate) csrf: String,
}

pub(crate) fn me(t: &Tr, staff: &Staff, path: &str) -> Me {
    let role = staff.principal.role;
    let mut links = Vec::new();
    let mut add = |href: &'static str, key: &str| {
        links.push(NavLink {
            href,
            label: t.get(key),
            current: path.starts_with(href),
        })
    };
    if role.may(Permission::HandleConversations) {
        add("/staff/console", "nav-console");
    }
    if role.may(Permission::ReadAllConversations) {
        add("/staff/board", "board-nav");
        if role.may(Permission::HandleConversations) {
            add("/staff/roster", "roster-nav");
        }
    }
    if role.may(Permission::ReadRoutedReports) {
        add("/staff/reports", "nav-reports");
    }
    if role.may(Permission::ReadDisseminated) {
        add("/staff/dossiers", "nav-dossiers");
    }
    if role.may(Permission::ViewMap) {
        add("/staff/map", "nav-map");
    }
    if role.may(Permission::ViewStatistics) {
        add("/staff/statistics", "nav-statistics");
    }
    if role.may(Permission::ReadAuditLog) {
        add("/staff/audit", "nav-audit");
    }
    if role.may(Permission::ManageAccounts) {
        add("/staff/accounts", "nav-accounts");
    }
    if role.may(Permission::ManageUnits) {
        add("/staff/units", "nav-units");
        add("/staff/retention", "nav-retention");
        add("/staff/canned", "nav-canned");
    }
    let who = t.with(
        "logged-in-as",
        &[
            ("username", staff.principal.username.clone()),
            ("role", t.choice("role", role.as_str())),
        ],
    );
    Me {
        links,
        who,
        csrf: staff.csrf.clone(),
    }
}

/// Where each role starts.
pub(super) fn home_of(role: Role) -> &'static str {
    match role {
        Role::Operator | Role::Supervisor => "/staff/console",
        Role::Analyst => "/staff/reports",
        Role::Investigator => "/staff/dossiers",
        Role::Auditor => "/staff/audit",
        Role::Admin => "/staff/accounts",
    }
}

pub async fn home(staff: Staff) -> Redirect {
    Redirect::to(home_of(staff.principal.role))
}

#[derive(Deserialize)]
pub struct Back {
    #[serde(default)]
    back: String,
}

/// Sets the staff language cookie (a session cookie) and goes back to the page.
pub async fn switch_language(
    State(state): State<AppState>,
    Path(to): Path<String>,
    Query(q): Query<Back>,
) -> Response {
    let locale = Locale::parse(&to).unwrap_or_default();
    // Only a path of this console, in plain characters: no other site, no header injection.
    let safe_back = q.back.starts_with("/staff")
        && !q.back.contains("//")
        && q.back
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/-_".contains(&b));
    let back = if safe_back {
        q.back
    } else {
        "/staff".to_owned()
    };
    (
        StatusCode::SEE_OTHER,
        AppendHeaders([
            (
                SET_COOKIE,
                set_cookie(
                    LANG_COOKIE,
                    locale.as_str(),
                    state.settings.cookie_secure,
                    None,
                ),
            ),
            (LOCATION, back),
        ]),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "staff_login.html")]
struct LoginPage {
    t: Tr,
    me: Option<Me>,
    path: &'static str,
    csrf: String,
    error: Option<String>,
    username: String,
    demo: bool,
}

pub(super) fn login_form(
    state: &AppState,
    t: Tr,
    status: StatusCode,
    error: Option<String>,
    username: String,
) -> Response {
    let csrf = state.with_rng(new_token);
    let page = LoginPage {
        t,
        me: None,
        path: "/staff/login",
        csrf: csrf.clone(),
        error,
        username,
        demo: state.settings.demo,
    };
    match render(&page) {
        Ok(html) => (
            status,
            AppendHeaders([(
                SET_COOKIE,
                set_cookie(LOGIN_COOKIE, &csrf, state.settings.cookie_secure, None),
            )]),
            html,
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

pub async fn login_page(State(state): State<AppState>, Lang(locale): Lang) -> Response {
    login_form(
        &state,
        state.tr(locale),
        StatusCode::OK,
        None,
        String::new(),
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

pub async fn login_submit(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: axum::http::HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let t = state.tr(locale);
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !same(&expected, &form.csrf) {
        return login_form(
            &state,
            t.clone(),
            StatusCode::FORBIDDEN,
            Some(t.get("error-csrf-invalid")),
            form.username,
        );
    }
    // The password is right: the second step asks for the code (enrolling first if need be).
    match password_step(&state, &form.username, &form.password, None).await {
        Ok(PasswordStep::LoggedIn(outcome)) => super::accounts::logged_in(&state, outcome),
        Ok(PasswordStep::CodeRequired { pending }) => {
            super::accounts::code_page(&state, t, StatusCode::OK, pending, None, None)
        }
        Ok(PasswordStep::Enrol {
            pending,
            secret,
            username,
        }) => super::accounts::code_page(
            &state,
            t,
            StatusCode::OK,
            pending,
            Some((secret, username)),
            None,
        ),
        Err(e) => {
            let message = t.get(&format!("error-{}", e.code()));
            login_form(&state, t, e.status(), Some(message), form.username)
        }
    }
}

#[derive(Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<LogoutForm>,
) -> Result<Response, AppError> {
    if !same(&form.csrf, &staff.csrf) {
        return Err(AppError::Forbidden);
    }
    state.store.delete_session(&staff.token_hash).await?;
    Ok((
        StatusCode::SEE_OTHER,
        AppendHeaders([
            (
                SET_COOKIE,
                set_cookie(SESSION_COOKIE, "", state.settings.cookie_secure, Some(0)),
            ),
            (LOCATION, "/staff/login".to_owned()),
        ]),
    )
        .into_response())
}

const CONSOLE_KEYS: &[&str] = &[
    "take-button",
    "open-button",
    "queue-waiting",
    "queue-count",
    "witness-left",
    "live-status-connected",
    "live-status-offline",
    "staff-author-witness",
    "staff-author-officer",
    "staff-author-system",
    "event-officer-joined",
    "event-closed-witness",
    "event-closed-system",
    "notes-empty",
    "report-saved",
    "report-version",
    "qualified-done",
    "closed-done",
    "case-closed",
    "sending",
    "staff-photo-alt",
    "staff-photo-gone",
];

fn console_strings(t: &Tr) -> String {
    script_strings(
        t,
        CONSOLE_KEYS,
        &[
            "error-",
            "field-error-",
            "state-",
            "offer-",
            "notify-",
            "priority-",
            "comfort-",
        ],
    )
}

#[derive(Template)]
#[template(path = "staff_console.html")]
struct ConsolePage {
    t: Tr,
    me: Option<Me>,
    path: &'static str,
    supervisor: bool,
    strings: String,
    csrf: String,
    /// The officer's duty status: (value, label, current) for each choice.
    duties: Vec<(&'static str, String, bool)>,
    /// Handovers to this officer not yet acknowledged: (id, text, conversation id).
    handovers: Vec<(i64, String, String)>,
}

pub async fn console(
    State(state): State<AppState>,
    Lang(locale): Lang,
    Officer(staff): Officer,
) -> Result<Html<String>, AppError> {
    let t = state.tr(locale);
    let current = state
        .store
        .presences()
        .await?
        .into_iter()
        .find(|p| p.staff == staff.principal.id)
        .map_or(vigie_domain::dispatch::Duty::OffDuty, |p| p.duty);
    let duties = vigie_domain::dispatch::Duty::ALL
        .iter()
        .map(|d| (d.as_str(), t.choice("duty", d.as_str()), *d == current))
        .collect();
    let pending = state.store.pending_handovers(staff.principal.id).await?;
    // Shown is read: every display of a handover note (case content) is audited.
    for h in &pending {
        state
            .store
            .audit(vigie_store::NewAudit {
                actor: Some(staff.principal.id),
                action: "handover_note_read",
                target: format!("conversation:{}", h.conversation),
                purpose: "handling",
                at: state.clock.now(),
            })
            .await?;
    }
    let handovers = pending
        .into_iter()
        .map(|h| {
            let text = t.with(
                "handover-received",
                &[
                    ("from", h.from_username.clone()),
                    ("conversation", h.conversation.to_string()[..8].to_owned()),
                    ("note", h.note.clone()),
                ],
            );
            (h.id, text, h.conversation.to_string())
        })
        .collect();
    render(&ConsolePage {
        me: Some(me(&t, &staff, "/staff/console")),
        path: "/staff/console",
        supervisor: staff.principal.role.may(Permission::ReadAllConversations),
        strings: console_strings(&t),
        csrf: staff.csrf.clone(),
        duties,
        handovers,
        t,
    })
}

pub struct Opt {
    value: &'static str,
    label: String,
}

pub struct ReportForm {
    activities: Vec<Opt>,
    weekdays: Vec<Opt>,
    frequencies: Vec<Opt>,
    roles: Vec<Opt>,
    products: Vec<Opt>,
    knowledge: Vec<Opt>,
    outcomes: Vec<Opt>,
    vehicle_slots: Vec<(usize, String)>,
}

fn opts(t: &Tr, prefix: &str, values: impl IntoIterator<Item = &'static str>) -> Vec<Opt> {
    values
        .into_iter()
        .map(|value| Opt {
            value,
            label: t.choice(prefix, value),
        })
        .collect()
}

fn report_form(t: &Tr) -> ReportForm {
    ReportForm {
        activities: opts(t, "activity", Activity::ALL.iter().map(|a| a.as_str())),
        weekdays: opts(t, "weekday", Weekday::ALL.iter().map(|a| a.as_str())),
        frequencies: opts(t, "frequency", Frequency::ALL.iter().map(|a| a.as_str())),
        roles: opts(t, "person", PersonRole::ALL.iter().map(|a| a.as_str())),
        products: opts(t, "product", Product::ALL.iter().map(|a| a.as_str())),
        knowledge: opts(t, "knowledge", Knowledge::ALL.iter().map(|a| a.as_str())),
        outcomes: opts(t, "outcome", CloseOutcome::ALL.iter().map(|a| a.as_str())),
        vehicle_slots: (1..=3)
            .map(|n| (n, t.with("vehicle-n", &[("n", n.to_string())])))
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "staff_conversation.html")]
struct ConversationPage {
    t: Tr,
    me: Option<Me>,
    path: String,
    id: ConversationId,
    short_id: String,
    form: ReportForm,
    strings: String,
    csrf: String,
    /// Colleagues who can receive a handover now: (id, name).
    receivers: Vec<(String, String)>,
    handover_error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ConversationQuery {
    #[serde(default)]
    handover_error: String,
}

pub async fn conversation(
    State(state): State<AppState>,
    Lang(locale): Lang,
    Officer(staff): Officer,
    Path(id): Path<String>,
    Query(q): Query<ConversationQuery>,
) -> Result<Html<String>, AppError> {
    let id: ConversationId = id.parse().map_err(|_| AppError::NotFound)?;
    CaseReader::obtain(
        state.store.as_ref(),
        &staff.principal,
        id,
        "handling",
        state.clock.now(),
    )
    .await?;
    let t = state.tr(locale);
    let path = format!("/staff/conversations/{id}");
    let receivers = crate::presence::receivers(&state, staff.principal.id)
        .await?
        .into_iter()
        .map(|p| (p.staff.to_string(), p.username))
        .collect();
    let handover_error = match q.handover_error.as_str() {
        "" => None,
        "handover-note-required" => Some(t.get("error-handover-note-required")),
        "handover-same-officer" => Some(t.get("error-handover-same-officer")),
        "handover-unknown-receiver" => Some(t.get("error-handover-unknown-receiver")),
        _ => Some(t.get("error-handover-receiver")),
    };
    render(&ConversationPage {
        me: Some(me(&t, &staff, "/staff/console")),
        short_id: id.to_string()[..8].to_owned(),
        form: report_form(&t),
        strings: console_strings(&t),
        csrf: staff.csrf.clone(),
        receivers,
        handover_error,
        path,
        id,
        t,
    })
}

pub struct InboxRow {
    id: ReportId,
    received: String,
    commune: String,
    departement: String,
    activity: String,
    weapons: String,
    state: String,
}

#[derive(Template)]
#[template(path = "staff_inbox.html")]
struct InboxPage {
    t: Tr,
    me: Option<Me>,
    path: &'static str,
    lead: String,
    states: Vec<Choice>,
    activities: Vec<Choice>,
    ages: Vec<Choice>,
    commune_value: String,
    rows: Vec<InboxRow>,
}

pub async fn inbox(
    State(state): State<AppState>,
    Lang(locale): Lang,
    Analyst(staff): Analyst,
    query: Result<Query<crate::staff::InboxQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Html<String>, AppError> {
    let Query(query) = query.map_err(|_| AppError::BadRequest("query-invalid"))?;
    let filter = query.filter(state.clock.now())?;
    let t = state.tr(locale);
    let deps: Vec<&str> = staff
        .principal
        .departements
        .iter()
        .map(|d| d.as_str())
        .collect();
    let rows = state
        .store
        .inbox(&staff.principal.departements, &filter)
        .await?
        .into_iter()
        .map(|r| InboxRow {
            id: r.id,
            received: r
                .qualified_at
                .map(|q| human_time(locale, q))
                .unwrap_or_default(),
            commune: match (r.commune_name, r.commune) {
                (Some(name), Some(code)) => format!("{name} ({code})"),
                (_, Some(code)) => code.to_string(),
                _ => String::new(),
            },
            departement: r.departement.map(|d| d.to_string()).unwrap_or_default(),
            activity: r
                .activity
                .map(|a| t.choice("activity", a.as_str()))
                .unwrap_or_default(),
            weapons: t.get(if r.weapons { "yes" } else { "no" }),
            state: t.choice("state", r.state.as_str()),
        })
        .collect();
    render(&InboxPage {
        me: Some(me(&t, &staff, "/staff/reports")),
        path: "/staff/reports",
        lead: t.with("inbox-lead", &[("departements", deps.join(", "))]),
        states: choices(
            &t,
            "state",
            [
                ReportState::Qualified,
                ReportState::Graded,
                ReportState::Corroborating,
                ReportState::Corroborated,
                ReportState::Unconfirmed,
            ]
            .iter()
            .map(|s| s.as_str()),
            Some(query.state.trim()),
        ),
        activities: choices(
            &t,
            "activity",
            Activity::ALL.iter().map(|a| a.as_str()),
            Some(query.activity.trim()),
        ),
        ages: ["1", "7", "30", "90"]
            .into_iter()
            .map(|d| Choice {
                value: d,
                label: t.get(&format!("filter-days-{d}")),
                selected: query.days.trim() == d,
            })
            .collect(),
        commune_value: query.commune.clone(),
        rows,
        t,
    })
}

/// The facts of a report, labelled in the page's language.
pub struct Choice {
    value: &'static str,
    label: String,
    selected: bool,
}

fn choices(
    t: &Tr,
    prefix: &str,
    values: impl IntoIterator<Item = &'static str>,
    selected: Option<&str>,
) -> Vec<Choice> {
    values
        .into_iter()
        .map(|value| Choice {
            value,
            label: t.choice(prefix, value),
            selected: Some(value) == selected,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "staff_report.html")]
struct ReportPage {
    t: Tr,
    me: Option<Me>,
    path: String,
    id: ReportId,
    short_id: String,
    state: String,
    qualified: String,
    review: Option<String>,
    error: Option<String>,
    facts: Vec<(String, String)>,
    grading_line: String,
    assessment: Option<String>,
    assessment_value: String,
    sources: Vec<Choice>,
    credibilities: Vec<Choice>,
    handlings: Vec<Choice>,
    checks: Vec<(String, String, String)>,
    check_kinds: Vec<Opt>,
    csrf: String,
    chain: super::chain::ReportChain,
}

pub(crate) async fn report_page(
    state: &AppState,
    locale: Locale,
    staff: &Staff,
    id: ReportId,
    error: Option<String>,
) -> Result<Html<String>, AppError> {
    let report = RoutedReport::obtain(
        state.store.as_ref(),
        &staff.principal,
        id,
        "analysis",
        state.clock.now(),
    )
    .await?
    .into_report();
    let commune = match &report.fields.commune {
        Some(code) => state
            .store
            .commune(code)
            .await?
            .map(|c| format!("{} ({})", c.name, c.insee)),
        None => None,
    };
    let t = state.tr(locale);
    let chain = super::chain::report_chain(state, &t, &report).await?;
    let grading = report.grading.unwrap_or(Grading::ANONYMOUS_TIP);
    let checks = state
        .store
        .checks(report.id)
        .await?
        .into_iter()
        .map(|c| {
            (
                t.choice("check", c.kind.as_str()),
                c.result,
                format!("{} · {}", c.by, human_time(locale, c.at)),
            )
        })
        .collect();
    render(&ReportPage {
        me: Some(me(&t, staff, "/staff/reports")),
        path: format!("/staff/reports/{id}"),
        id,
        short_id: id.to_string()[..8].to_owned(),
        state: t.choice("state", report.state.as_str()),
        qualified: report
            .qualified_at
            .map(|q| t.with("report-qualified-at", &[("date", human_time(locale, q))]))
            .unwrap_or_default(),
        review: report
            .review_on
            .map(|d| t.with("review-on-label", &[("date", d.to_string())])),
        error,
        facts: crate::export::facts(&t, &report.fields, commune),
        grading_line: match report.grading {
            Some(g) => t.with(
                "grading-current",
                &[
                    ("code", g.code()),
                    ("handling", g.handling.as_str().to_owned()),
                ],
            ),
            None => t.get("grading-none"),
        },
        assessment: report.assessment.clone(),
        assessment_value: report.assessment.clone().unwrap_or_default(),
        sources: choices(
            &t,
            "source",
            SourceReliability::ALL.iter().map(|v| v.as_str()),
            Some(grading.source.as_str()),
        ),
        credibilities: choices(
            &t,
            "credibility",
            Credibility::ALL.iter().map(|v| v.as_str()),
            Some(grading.credibility.as_str()),
        ),
        handlings: choices(
            &t,
            "handling",
            HandlingCode::ALL.iter().map(|v| v.as_str()),
            Some(grading.handling.as_str()),
        ),
        checks,
        check_kinds: opts(&t, "check", CheckKind::ALL.iter().map(|v| v.as_str())),
        csrf: staff.csrf.clone(),
        chain,
        t,
    })
}

pub async fn report(
    State(state): State<AppState>,
    Lang(locale): Lang,
    Analyst(staff): Analyst,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let id: ReportId = id.parse().map_err(|_| AppError::NotFound)?;
    report_page(&state, locale, &staff, id, None).await
}

#[derive(Deserialize)]
pub struct AnalysisForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    credibility: String,
    #[serde(default)]
    handling: String,
    #[serde(default)]
    assessment: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    conclusion: String,
    #[serde(default)]
    review_on: String,
}

/// The three forms of the analysis section: one handler, one store operation per action, then
/// back to the report (or the report again with the error, in the page's language).
pub async fn analysis_action(
    State(state): State<AppState>,
    Lang(locale): Lang,
    Analyst(staff): Analyst,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<AnalysisForm>,
) -> Result<Response, AppError> {
    let id: ReportId = id.parse().map_err(|_| AppError::NotFound)?;
    if !same(&form.csrf, &staff.csrf) {
        return Err(AppError::Forbidden);
    }
    let outcome: Result<(), AppError> = async {
        let routed = RoutedReport::obtain(
            state.store.as_ref(),
            &staff.principal,
            id,
            "analysis",
            state.clock.now(),
        )
        .await?;
        let by = staff.principal.id;
        let now = state.clock.now();
        match action.as_str() {
            "grading" => {
                let grading =
                    crate::staff::parse_grading(&form.source, &form.credibility, &form.handling)?;
                let assessment = crate::staff::parse_assessment(&form.assessment)?;
                state
                    .store
                    .grade(&routed, by, grading, assessment, now)
                    .await?;
            }
            "checks" => {
                let (kind, result) = crate::staff::parse_check(&form.kind, &form.result)?;
                state
                    .store
                    .record_check(&routed, by, kind, result, now)
                    .await?;
            }
            "conclusion" => {
                let conclusion =
                    crate::staff::parse_conclusion(&form.conclusion, &form.review_on, now.date())?;
                state.store.conclude(&routed, by, conclusion, now).await?;
            }
            _ => return Err(AppError::NotFound),
        }
        Ok(())
    }
    .await;
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/staff/reports/{id}")).into_response()),
        Err(AppError::NotFound) => Err(AppError::NotFound),
        Err(AppError::Forbidden) => Err(AppError::Forbidden),
        Err(e) => {
            let t = state.tr(locale);
            let message = match &e {
                AppError::Fields(f) => {
                    f.0.values()
                        .map(|code| t.get(&format!("field-error-{code}")))
                        .collect::<Vec<_>>()
                        .join(" ")
                }
                other => t.get(&format!("error-{}", other.code())),
            };
            let status = e.status();
            let page = report_page(&state, locale, &staff, id, Some(message)).await?;
            Ok((status, page).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "staff_audit.html")]
struct AuditPage {
    t: Tr,
    me: Option<Me>,
    path: &'static str,
    rows: Vec<(String, String, String, String, String)>,
    query: crate::staff::AuditQuery,
    purposes: Vec<Choice>,
}

pub async fn audit(
    State(state): State<AppState>,
    Lang(locale): Lang,
    Auditor(staff): Auditor,
    query: Result<Query<crate::staff::AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Html<String>, AppError> {
    let Query(query) = query.map_err(|_| AppError::BadRequest("query-invalid"))?;
    let filter = query.filter()?;
    let t = state.tr(locale);
    let rows = state
        .store
        .audit_log(&filter, 500)
        .await?
        .into_iter()
        .map(|a| {
            (
                human_time(locale, a.at),
                a.actor.unwrap_or_default(),
                a.action,
                a.target,
                t.choice("purpose", &a.purpose),
            )
        })
        .collect();
    render(&AuditPage {
        me: Some(me(&t, &staff, "/staff/audit")),
        path: "/staff/audit",
        rows,
        purposes: crate::staff::AUDIT_PURPOSES
            .iter()
            .map(|p| Choice {
                value: p,
                label: t.choice("purpose", p),
                selected: query.purpose.trim() == *p,
            })
            .collect(),
        query,
        t,
    })
}
