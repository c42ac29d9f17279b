//! The staff pages of the account life cycle: the second step of the login (enrolling an
//! authenticator app, or typing its code), "My account" (the password) and the admin's list
//! of accounts with its actions. They call the same cores as the API.
//!
//! Rules: no session before the code; between the two login steps the page holds only the
//! signed pending token and a fresh double-submit CSRF token, never the password; every form
//! carries a CSRF token; the QR code is drawn by the server, and its secret is also written out
//! as text (its accessible alternative, and the way to type it by hand).

use super::render;
use super::staff::{home_of, login_form, me, Me, LOGIN_COOKIE};
use crate::auth::{cookie, same, set_cookie, Admin, Staff};
use crate::crypto::new_token;
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::staff::accounts::{
    account_views, act_on_account, change_own_password, AccountAction, SecondFactor,
};
use crate::staff::{code_step, pending_account, LoginOutcome, TOTP_ISSUER};
use crate::totp::{self, TotpSecret};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use vigie_domain::{Locale, StaffId};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/login/totp", post(code_submit))
        .route("/staff/account", get(my_account).post(password_submit))
        .route("/staff/accounts", get(accounts))
        .route("/staff/accounts/{id}/{action}", post(account_action))
}

/// The session is open: its cookie, the login form's cookie cleared, and the role's home.
pub(super) fn logged_in(state: &AppState, outcome: LoginOutcome) -> Response {
    (
        StatusCode::SEE_OTHER,
        AppendHeaders([
            (SET_COOKIE, outcome.cookie),
            (
                SET_COOKIE,
                set_cookie(LOGIN_COOKIE, "", state.settings.cookie_secure, Some(0)),
            ),
            (LOCATION, home_of(outcome.role).to_owned()),
        ]),
    )
        .into_response()
}

// --- the second step of the login ----------------------------------------------------------------

pub struct Enrolment {
    /// The QR code, an inline `<svg role="img">` drawn by `totp::qr_svg`.
    qr: String,
    /// The same secret in groups of four, to type by hand.
    groups: String,
}

#[derive(Template)]
#[template(path = "staff_login_totp.html")]
struct CodePage {
    t: Tr,
    me: Option<Me>,
    path: &'static str,
    csrf: String,
    pending: String,
    enrol: Option<Enrolment>,
    error: Option<String>,
}

/// The page that asks for the code; with `enrol`, it first shows the secret to add to an app.
pub(super) fn code_page(
    state: &AppState,
    t: Tr,
    status: StatusCode,
    pending: String,
    enrol: Option<(TotpSecret, String)>,
    error: Option<String>,
) -> Response {
    let enrol = match enrol {
        None => None,
        Some((secret, username)) => {
            let uri = secret.otpauth_uri(TOTP_ISSUER, &username);
            match totp::qr_svg(&uri, &t.get("totp-qr-label")) {
                Ok(qr) => Some(Enrolment {
                    qr,
                    groups: secret.display_groups(),
                }),
                Err(e) => return AppError::Internal(e.to_string()).into_response(),
            }
        }
    };
    let csrf = state.with_rng(new_token);
    let page = CodePage {
        t,
        me: None,
        path: "/staff/login",
        csrf: csrf.clone(),
        pending,
        enrol,
        error,
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

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pending: String,
    #[serde(default)]
    code: String,
}

pub async fn code_submit(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    let t = state.tr(locale);
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !same(&expected, &form.csrf) {
        let message = t.get("error-csrf-invalid");
        return login_form(
            &state,
            t,
            StatusCode::FORBIDDEN,
            Some(message),
            String::new(),
        );
    }
    let refused = match code_step(&state, &form.pending, &form.code).await {
        Ok(outcome) => return logged_in(&state, outcome),
        Err(e) => e,
    };
    let again = match refused {
        // A wrong or spent code: the same step again (the enrolment's QR code included).
        AppError::Invalid("login-failed") => pending_account(&state, &form.pending)
            .await
            .ok()
            .filter(|a| a.disabled_at.is_none()),
        _ => None,
    };
    let Some(account) = again else {
        let message = t.get(&format!("error-{}", refused.code()));
        return login_form(&state, t, refused.status(), Some(message), String::new());
    };
    let enrol = match &account.totp {
        Some(totp) if totp.enrolled => None,
        Some(totp) => TotpSecret::from_base32(&totp.secret).map(|s| (s, account.username.clone())),
        // Reset meanwhile: the login starts again.
        None => {
            let message = t.get("error-login-expired");
            return login_form(
                &state,
                t,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(message),
                account.username,
            );
        }
    };
    let message = t.get("totp-code-refused");
    code_page(
        &state,
        t,
        StatusCode::UNPROCESSABLE_ENTITY,
        form.pending,
        enrol,
        Some(message),
    )
}

// --- my account ----------------------------------------------------------------------------------

#[derive(Default)]
pub struct PasswordErrors {
    general: Option<String>,
    current: Option<String>,
    new: Option<String>,
    repeat: Option<String>,
}

impl PasswordErrors {
    fn any(&self) -> bool {
        self.general.is_some()
            || self.current.is_some()
            || self.new.is_some()
            || self.repeat.is_some()
    }
}

#[derive(Template)]
#[template(path = "staff_account.html")]
struct AccountPage {
    t: Tr,
    me: Option<Me>,
    path: &'static str,
    csrf: String,
    username: String,
    role: String,
    second_factor: String,
    sessions: u64,
    changed: bool,
    errors: PasswordErrors,
}

async fn account_page(
    state: &AppState,
    locale: Locale,
    staff: &Staff,
    changed: bool,
    errors: PasswordErrors,
) -> Result<Html<String>, AppError> {
    let id = staff.principal.id;
    let account = state
        .store
        .staff_by_id(id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let sessions = state
        .store
        .session_counts(state.clock.now())
        .await?
        .into_iter()
        .find(|(s, _)| *s == id)
        .map_or(0, |(_, n)| n);
    let t = state.tr(locale);
    render(&AccountPage {
        me: Some(me(&t, staff, "/staff/account")),
        path: "/staff/account",
        csrf: staff.csrf.clone(),
        username: account.username.clone(),
        role: t.choice("role", account.role.as_str()),
        second_factor: t.choice("second-factor", SecondFactor::of(&account).as_str()),
        sessions,
        changed,
        errors,
        t,
    })
}

#[derive(Deserialize)]
pub struct Done {
    #[serde(default)]
    done: String,
}

pub async fn my_account(
    State(state): State<AppState>,
    Lang(locale): Lang,
    staff: Staff,
    Query(q): Query<Done>,
) -> Result<Html<String>, AppError> {
    account_page(
        &state,
        locale,
        &staff,
        q.done == "password",
        PasswordErrors::default(),
    )
    .await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    repeat_password: String,
}

pub async fn password_submit(
    State(state): State<AppState>,
    Lang(locale): Lang,
    staff: Staff,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    if !same(&form.csrf, &staff.csrf) {
        return Err(AppError::Forbidden);
    }
    let t = state.tr(locale);
    let mut errors = PasswordErrors::default();
    let status = if form.new_password != form.repeat_password {
        errors.repeat = Some(t.get("field-error-password-mismatch"));
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        match change_own_password(&state, &staff, &form.current_password, &form.new_password).await
        {
            Ok(()) => return Ok(Redirect::to("/staff/account?done=password").into_response()),
            Err(e @ AppError::Invalid("current-password-wrong")) => {
                errors.current = Some(t.get(&format!("error-{}", e.code())));
                e.status()
            }
            Err(e @ AppError::Invalid(_)) => {
                errors.new = Some(t.get(&format!("error-{}", e.code())));
                e.status()
            }
            Err(e @ AppError::TooManyAttempts) => {
                errors.general = Some(t.get(&format!("error-{}", e.code())));
                e.status()
            }
            Err(e) => return Err(e),
        }
    };
    let page = account_page(&state, locale, &staff, false, errors).await?;
    Ok((status, page).into_response())
}

// --- the admin's list of accounts ----------------------------------------------------------------

pub struct AccountRow {
    id: StaffId,
    username: String,
    role: String,
    departements: String,
    sessions: u64,
    second_factor: String,
    state: String,
    disabled: bool,
    /// The admin's own account: it cannot be disabled from here.
    own: bool,
}

#[derive(Template)]
#[template(path = "staff_accounts.html")]
struct AccountsPage {
    t: Tr,
    me: Option<Me>,
    path: &'static str,
    csrf: String,
    rows: Vec<AccountRow>,
    notice: Option<String>,
    error: Option<String>,
}

async fn accounts_page(
    state: &AppState,
    locale: Locale,
    staff: &Staff,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Html<String>, AppError> {
    let t = state.tr(locale);
    let rows = account_views(state)
        .await?
        .into_iter()
        .map(|a| {
            let deps: Vec<String> = a.departements.iter().map(ToString::to_string).collect();
            let account_state = if a.disabled {
                "disabled"
            } else if a.locked {
                "locked"
            } else {
                "active"
            };
            AccountRow {
                own: a.id == staff.principal.id,
                id: a.id,
                role: t.choice("role", a.role.as_str()),
                departements: deps.join(", "),
                sessions: a.sessions,
                second_factor: t.choice("second-factor", a.second_factor.as_str()),
                state: t.choice("account-state", account_state),
                disabled: a.disabled,
                username: a.username,
            }
        })
        .collect();
    render(&AccountsPage {
        me: Some(me(&t, staff, "/staff/accounts")),
        path: "/staff/accounts",
        csrf: staff.csrf.clone(),
        rows,
        notice,
        error,
        t,
    })
}

pub async fn accounts(
    State(state): State<AppState>,
    Lang(locale): Lang,
    Admin(staff): Admin,
    Query(q): Query<Done>,
) -> Result<Html<String>, AppError> {
    let t = state.tr(locale);
    let notice = AccountAction::parse(&q.done).map(|a| t.choice("accounts-done", a.as_str()));
    accounts_page(&state, locale, &staff, notice, None).await
}

#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
}

pub async fn account_action(
    State(state): State<AppState>,
    Lang(locale): Lang,
    Admin(staff): Admin,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, AppError> {
    let target: StaffId = id.parse().map_err(|_| AppError::NotFound)?;
    let action = AccountAction::parse(&action).ok_or(AppError::NotFound)?;
    if !same(&form.csrf, &staff.csrf) {
        return Err(AppError::Forbidden);
    }
    match act_on_account(&state, &staff, target, action).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/staff/accounts?done={}", action.as_str())).into_response())
        }
        Err(e @ AppError::Conflict(_)) => {
            let message = state.tr(locale).get(&format!("error-{}", e.code()));
            let page = accounts_page(&state, locale, &staff, None, Some(message)).await?;
            Ok((e.status(), page).into_response())
        }
        Err(e) => Err(e),
    }
}
