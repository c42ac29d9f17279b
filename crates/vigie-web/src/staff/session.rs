//! Logging in and out. Argon2id hashes; a failed login costs the same time whether the account
//! exists or not; five failures lock the account for fifteen minutes.

use crate::auth::{set_cookie, Staff, LOCKOUT, MAX_FAILED_LOGINS, SESSION_COOKIE};
use crate::crypto::{new_token, token_hash, verify_password, DUMMY_HASH};
use crate::error::AppError;
use crate::{ApiJson, AppState};
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::response::{AppendHeaders, IntoResponse};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use vigie_domain::{Role, Username};
use vigie_store::NewSession;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    username: String,
    password: String,
}

pub struct LoginOutcome {
    pub cookie: String,
    pub csrf: String,
    pub role: Role,
    pub username: String,
}

/// Checks the credentials and opens a session. Shared by the API and the login form.
pub async fn login_with_password(
    state: &AppState,
    username: &str,
    password: &str,
) -> Result<LoginOutcome, AppError> {
    let now = state.clock.now();
    let account = match Username::parse(username) {
        Ok(name) => state.store.staff_by_username(&name).await?,
        Err(_) => None,
    };
    let Some(account) = account else {
        // Same work as a real check, so timing does not tell which usernames exist.
        let _ = verify_password(password, DUMMY_HASH);
        return Err(AppError::Invalid("login-failed"));
    };
    if !state
        .store
        .begin_login_attempt(account.id, now, MAX_FAILED_LOGINS, LOCKOUT)
        .await?
    {
        return Err(AppError::TooManyAttempts);
    }
    let hash = account.password_hash.clone();
    let password = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    if !ok {
        return Err(AppError::Invalid("login-failed"));
    }
    state.store.record_login_success(account.id).await?;
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
        username: account.username,
    })
}

pub async fn login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<impl IntoResponse, AppError> {
    let outcome = login_with_password(&state, &body.username, &body.password).await?;
    Ok((
        AppendHeaders([(SET_COOKIE, outcome.cookie)]),
        Json(
            json!({ "username": outcome.username, "role": outcome.role, "csrf_token": outcome.csrf }),
        ),
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
