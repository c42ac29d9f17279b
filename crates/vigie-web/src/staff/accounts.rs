//! The account life cycle: each staff member changes their own password; an admin lists the
//! accounts (sessions, second factor, state) and disables, re-enables, logs out or resets the
//! second factor of one. The cores here are shared by the API and the pages.
//!
//! Rules: admins act on accounts, never on case content; an admin cannot disable themself (the
//! last admin would lock everyone out: the CLI is the way back); every change is one store
//! transaction with its audit row; the current password is checked like a login attempt, so a
//! stolen session cannot try passwords without limit.

use crate::auth::{Admin, Staff, LOCKOUT, MAX_FAILED_LOGINS};
use crate::crypto::{hash_password, verify_password};
use crate::error::AppError;
use crate::{ApiJson, AppState};
use axum::extract::{Path, State};
use axum::Json;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;
use vigie_domain::{DepartementCode, Password, Role, StaffId};
use vigie_store::StaffAccount;

/// What an admin may do to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountAction {
    Disable,
    Enable,
    RevokeSessions,
    ResetTotp,
}

impl AccountAction {
    pub const ALL: [AccountAction; 4] = [
        AccountAction::Disable,
        AccountAction::Enable,
        AccountAction::RevokeSessions,
        AccountAction::ResetTotp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccountAction::Disable => "disable",
            AccountAction::Enable => "enable",
            AccountAction::RevokeSessions => "revoke-sessions",
            AccountAction::ResetTotp => "reset-totp",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == raw)
    }
}

/// Where an account's second factor stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SecondFactor {
    /// Confirmed by a first code.
    Enrolled,
    /// A secret was handed out, no code confirmed it yet.
    Pending,
    /// None: the next login enrols one.
    None,
}

impl SecondFactor {
    pub fn of(account: &StaffAccount) -> Self {
        match &account.totp {
            Some(t) if t.enrolled => SecondFactor::Enrolled,
            Some(_) => SecondFactor::Pending,
            None => SecondFactor::None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SecondFactor::Enrolled => "enrolled",
            SecondFactor::Pending => "pending",
            SecondFactor::None => "none",
        }
    }
}

/// An account as an admin sees it: no password hash, no secret.
#[derive(Debug, Clone, Serialize)]
pub struct AccountView {
    pub id: StaffId,
    pub username: String,
    pub role: Role,
    pub departements: Vec<DepartementCode>,
    /// Live sessions now.
    pub sessions: u64,
    pub second_factor: SecondFactor,
    pub disabled: bool,
    /// Locked by failed logins right now.
    pub locked: bool,
}

fn view(account: StaffAccount, sessions: u64, now: vigie_domain::Timestamp) -> AccountView {
    let locked = account.failed_logins >= MAX_FAILED_LOGINS
        && account.last_failed_at.is_some_and(|at| at + LOCKOUT > now);
    AccountView {
        id: account.id,
        second_factor: SecondFactor::of(&account),
        disabled: account.disabled_at.is_some(),
        username: account.username,
        role: account.role,
        departements: account.departements,
        sessions,
        locked,
    }
}

/// Every account, with its live sessions.
pub async fn account_views(state: &AppState) -> Result<Vec<AccountView>, AppError> {
    let now = state.clock.now();
    let counts: HashMap<StaffId, u64> =
        state.store.session_counts(now).await?.into_iter().collect();
    Ok(state
        .store
        .list_staff()
        .await?
        .into_iter()
        .map(|a| {
            let n = counts.get(&a.id).copied().unwrap_or(0);
            view(a, n, now)
        })
        .collect())
}

/// Applies an admin's action to an account; returns how many sessions it ended, when it ends
/// them by name (revoking).
pub async fn act_on_account(
    state: &AppState,
    admin: &Staff,
    target: StaffId,
    action: AccountAction,
) -> Result<(AccountView, Option<u64>), AppError> {
    let now = state.clock.now();
    let by = Some(admin.principal.id);
    state
        .store
        .staff_by_id(target)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut revoked = None;
    match action {
        AccountAction::Disable if target == admin.principal.id => {
            return Err(AppError::Conflict("cannot-disable-self"));
        }
        AccountAction::Disable => {
            state
                .store
                .set_staff_disabled(target, true, by, now)
                .await?
        }
        AccountAction::Enable => {
            state
                .store
                .set_staff_disabled(target, false, by, now)
                .await?
        }
        AccountAction::RevokeSessions => {
            revoked = Some(state.store.revoke_sessions(target, by, now).await?);
        }
        AccountAction::ResetTotp => state.store.reset_totp(target, by, now).await?,
    }
    let account = state
        .store
        .staff_by_id(target)
        .await?
        .ok_or(AppError::NotFound)?;
    let sessions = state
        .store
        .session_counts(now)
        .await?
        .into_iter()
        .find(|(id, _)| *id == target)
        .map_or(0, |(_, n)| n);
    Ok((view(account, sessions, now), revoked))
}

/// A staff member replaces their own password: the current one first (counted like a login
/// attempt), then the policy. Every other session of theirs ends; this one stays.
pub async fn change_own_password(
    state: &AppState,
    staff: &Staff,
    current: &str,
    new: &str,
) -> Result<(), AppError> {
    let new = Password::parse(new)?;
    let now = state.clock.now();
    let id = staff.principal.id;
    let account = state
        .store
        .staff_by_id(id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    if !state
        .store
        .begin_login_attempt(id, now, MAX_FAILED_LOGINS, LOCKOUT)
        .await?
    {
        return Err(AppError::TooManyAttempts);
    }
    // The salt's generator is seeded from the state's, so randomness stays an input.
    let seed: [u8; 32] = state.with_rng(|rng| rng.gen());
    let current = current.to_owned();
    let stored = account.password_hash;
    let hash = tokio::task::spawn_blocking(move || {
        if !verify_password(&current, &stored) {
            return Ok(None);
        }
        hash_password(new.expose(), &mut rand::rngs::StdRng::from_seed(seed)).map(Some)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(AppError::Internal)?
    .ok_or(AppError::Invalid("current-password-wrong"))?;
    state
        .store
        .change_password(id, &hash, Some(&staff.token_hash), Some(id), now)
        .await?;
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    current_password: String,
    new_password: String,
}

/// `POST /api/v1/staff/me/password`
pub async fn change_password(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(body): ApiJson<PasswordBody>,
) -> Result<Json<Value>, AppError> {
    change_own_password(&state, &staff, &body.current_password, &body.new_password).await?;
    Ok(Json(json!({ "changed": true })))
}

/// `GET /api/v1/staff/accounts`
pub async fn list(State(state): State<AppState>, _admin: Admin) -> Result<Json<Value>, AppError> {
    Ok(Json(json!({ "accounts": account_views(&state).await? })))
}

/// `POST /api/v1/staff/accounts/{id}/{disable|enable|revoke-sessions|reset-totp}`
pub async fn act(
    state: &AppState,
    admin: &Staff,
    id: &str,
    action: AccountAction,
) -> Result<Json<Value>, AppError> {
    let target: StaffId = id.parse().map_err(|_| AppError::NotFound)?;
    let (account, revoked) = act_on_account(state, admin, target, action).await?;
    let mut answer = json!({ "account": account });
    if let Some(n) = revoked {
        answer["revoked"] = json!(n);
    }
    Ok(Json(answer))
}

pub async fn disable(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    act(&state, &admin, &id, AccountAction::Disable).await
}

pub async fn enable(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    act(&state, &admin, &id, AccountAction::Enable).await
}

pub async fn revoke_sessions(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    act(&state, &admin, &id, AccountAction::RevokeSessions).await
}

pub async fn reset_totp(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    act(&state, &admin, &id, AccountAction::ResetTotp).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::I18n;
    use vigie_domain::Locale;

    /// Every error code the login and the account life cycle produce reads as a sentence in
    /// both languages.
    #[test]
    fn every_error_code_of_accounts_has_a_message() {
        let i18n = I18n::load().unwrap();
        for code in [
            "login-failed",
            "login-expired",
            "totp-required",
            "current-password-wrong",
            "password-too-short",
            "password-too-long",
            "password-too-weak",
            "cannot-disable-self",
            "too-many-attempts",
        ] {
            for locale in Locale::ALL {
                assert!(
                    i18n.has(locale, &format!("error-{code}")),
                    "{}: error-{code}",
                    locale.as_str()
                );
            }
        }
    }

    #[test]
    fn actions_round_trip_and_nothing_else_parses() {
        for a in AccountAction::ALL {
            assert_eq!(AccountAction::parse(a.as_str()), Some(a));
        }
        for raw in ["", "delete", "Disable", "reset_totp", "disable "] {
            assert_eq!(AccountAction::parse(raw), None);
        }
    }
}
