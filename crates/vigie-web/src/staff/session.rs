//! Logging in and out, with the second factor every staff account must pass.
//!
//! A login is two proofs: the password (Argon2id), then a TOTP code. Rules:
//! - a failed login costs the same work, and answers the same, whether the account exists, is
//!   disabled or not;
//! - every attempt, at either step, counts toward the lockout (five failures lock the account
//!   for fifteen minutes), and only a complete login resets the count: knowing the password
//!   buys no extra guesses at the code;
//! - no session exists before the code is checked. Between the two steps the client holds a
//!   signed, short-lived token (`pending.rs`), never the password;
//! - an account without a second factor enrols at its next login: a fresh secret is handed out
//!   once the password is right, and the first code confirms it;
//! - a code is accepted once: the store keeps the last accepted step, atomically.

use super::pending::{self, Pending, PENDING_TTL};
use crate::auth::{set_cookie, Staff, LOCKOUT, MAX_FAILED_LOGINS, SESSION_COOKIE};
use crate::crypto::{new_token, token_hash, verify_password, DUMMY_HASH};
use crate::error::AppError;
use crate::totp::{self, TotpSecret};
use crate::{ApiJson, AppState};
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::StatusCode;
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use vigie_domain::{Role, Username};
use vigie_store::{NewSession, StaffAccount};

/// The issuer authenticator apps show beside the account name.
pub const TOTP_ISSUER: &str = "Vigie";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    username: String,
    password: String,
    /// The current code, for an enrolled account logging in with one call.
    #[serde(default)]
    totp: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    pending: String,
    code: String,
}

pub struct LoginOutcome {
    pub cookie: String,
    pub csrf: String,
    pub role: Role,
    pub username: String,
}

/// Where a login stands once the password is right.
pub enum PasswordStep {
    /// Both factors checked: a session is open.
    LoggedIn(LoginOutcome),
    /// The account has a second factor and no code came with the password.
    CodeRequired { pending: String },
    /// The account has no second factor yet: enrol this fresh secret, then send a code.
    Enrol {
        pending: String,
        secret: TotpSecret,
        username: String,
    },
}

async fn password_matches(password: &str, hash: &str) -> Result<bool, AppError> {
    let (password, hash) = (password.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// Checks the password (and the code, when one is given for an enrolled account). Shared by the
/// API and the login form.
pub async fn password_step(
    state: &AppState,
    username: &str,
    password: &str,
    code: Option<&str>,
) -> Result<PasswordStep, AppError> {
    let now = state.clock.now();
    let account = match Username::parse(username) {
        Ok(name) => state.store.staff_by_username(&name).await?,
        Err(_) => None,
    };
    // A disabled account answers exactly as an unknown one.
    let Some(account) = account.filter(|a| a.disabled_at.is_none()) else {
        // Same work as a real check, so timing does not tell which usernames exist.
        let _ = password_matches(password, DUMMY_HASH).await?;
        return Err(AppError::Invalid("login-failed"));
    };
    if !state
        .store
        .begin_login_attempt(account.id, now, MAX_FAILED_LOGINS, LOCKOUT)
        .await?
    {
        return Err(AppError::TooManyAttempts);
    }
    if !password_matches(password, &account.password_hash).await? {
        return Err(AppError::Invalid("login-failed"));
    }
    let token = || pending::issue(&state.secret, account.id, &account.password_hash, now);
    match (&account.totp, code) {
        (Some(t), Some(code)) if t.enrolled => Ok(PasswordStep::LoggedIn(
            second_factor(state, &account, code).await?,
        )),
        (Some(t), None) if t.enrolled => Ok(PasswordStep::CodeRequired { pending: token() }),
        _ => {
            let secret = state.with_rng(TotpSecret::generate);
            if state
                .store
                .begin_totp_enrolment(account.id, &secret.to_base32())
                .await?
            {
                Ok(PasswordStep::Enrol {
                    pending: token(),
                    secret,
                    username: account.username.clone(),
                })
            } else {
                // Enrolled meanwhile (another tab): the code is what is missing.
                Ok(PasswordStep::CodeRequired { pending: token() })
            }
        }
    }
}

/// The account a pending-login token names, if this installation signed it for the account's
/// current password and it has not expired.
pub async fn pending_account(state: &AppState, token: &str) -> Result<StaffAccount, AppError> {
    let pending =
        Pending::open(token, state.clock.now()).ok_or(AppError::Invalid("login-expired"))?;
    state
        .store
        .staff_by_id(pending.staff)
        .await?
        .filter(|a| pending.signed_for(&state.secret, &a.password_hash))
        .ok_or(AppError::Invalid("login-expired"))
}

/// The second step: the code, with the token the password step handed out.
pub async fn code_step(
    state: &AppState,
    token: &str,
    code: &str,
) -> Result<LoginOutcome, AppError> {
    let account = pending_account(state, token).await?;
    if account.disabled_at.is_some() {
        return Err(AppError::Invalid("login-failed"));
    }
    if !state
        .store
        .begin_login_attempt(account.id, state.clock.now(), MAX_FAILED_LOGINS, LOCKOUT)
        .await?
    {
        return Err(AppError::TooManyAttempts);
    }
    second_factor(state, &account, code).await
}

/// Checks a code (completing a pending enrolment), then opens the session. The attempt was
/// counted by the caller.
async fn second_factor(
    state: &AppState,
    account: &StaffAccount,
    code: &str,
) -> Result<LoginOutcome, AppError> {
    let now = state.clock.now();
    // Reset by an admin between the two steps: the login starts again.
    let Some(totp) = &account.totp else {
        return Err(AppError::Invalid("login-failed"));
    };
    let secret = TotpSecret::from_base32(&totp.secret)
        .ok_or_else(|| AppError::Internal("stored TOTP secret unreadable".to_owned()))?;
    let step = totp::verify(&secret, code, now.unix_timestamp(), totp.last_step)
        .ok_or(AppError::Invalid("login-failed"))?;
    // Conditional in the store: of two logins racing with one code, one wins.
    if !state.store.accept_totp_step(account.id, step, now).await? {
        return Err(AppError::Invalid("login-failed"));
    }
    state.store.record_login_success(account.id).await?;
    open_session(state, account).await
}

async fn open_session(state: &AppState, account: &StaffAccount) -> Result<LoginOutcome, AppError> {
    let now = state.clock.now();
    let (token, csrf) = state.with_rng(|rng| (new_token(rng), new_token(rng)));
    let ttl = state.settings.session_ttl;
    state
        .store
        .create_session(NewSession {
            token_hash: token_hash(&token),
            staff: account.id,
            csrf_token: csrf.clone(),
            created_at: now,
            expires_at: now + ttl,
        })
        .await?;
    Ok(LoginOutcome {
        cookie: set_cookie(
            SESSION_COOKIE,
            &token,
            state.settings.cookie_secure,
            Some(ttl.whole_seconds()),
        ),
        csrf,
        role: account.role,
        username: account.username.clone(),
    })
}

fn logged_in(outcome: LoginOutcome) -> Response {
    (
        AppendHeaders([(SET_COOKIE, outcome.cookie)]),
        Json(json!({ "username": outcome.username, "role": outcome.role, "csrf_token": outcome.csrf })),
    )
        .into_response()
}

/// `POST /api/v1/staff/login`: 200 and the session with a code (or `totp-required` without
/// one) for an enrolled account; 202 and a secret to enrol, without a session, otherwise.
pub async fn login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<Response, AppError> {
    let step = password_step(&state, &body.username, &body.password, body.totp.as_deref()).await?;
    match step {
        PasswordStep::LoggedIn(outcome) => Ok(logged_in(outcome)),
        PasswordStep::CodeRequired { .. } => Err(AppError::Invalid("totp-required")),
        PasswordStep::Enrol {
            pending,
            secret,
            username,
        } => Ok((
            StatusCode::ACCEPTED,
            Json(json!({
                "totp_enrolment": {
                    "secret": secret.to_base32(),
                    "otpauth_uri": secret.otpauth_uri(TOTP_ISSUER, &username),
                },
                "pending": pending,
                "expires_in": PENDING_TTL.whole_seconds(),
            })),
        )
            .into_response()),
    }
}

/// `POST /api/v1/staff/login/totp`: the code that confirms an enrolment (or completes a login
/// begun by the page); the same answer as a login.
pub async fn login_code(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CodeBody>,
) -> Result<Response, AppError> {
    Ok(logged_in(
        code_step(&state, &body.pending, &body.code).await?,
    ))
}

pub async fn logout(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<impl IntoResponse, AppError> {
    state.store.delete_session(&staff.token_hash).await?;
    Ok((
        AppendHeaders([(
            SET_COOKIE,
            set_cookie(SESSION_COOKIE, "", state.settings.cookie_secure, Some(0)),
        )]),
        Json(json!({ "logged_out": true })),
    ))
}

pub async fn me(staff: Staff) -> Json<serde_json::Value> {
    Json(json!({
        "username": staff.principal.username,
        "role": staff.principal.role,
        "departements": staff.principal.departements,
        "csrf_token": staff.csrf,
    }))
}
