//! Staff authentication and the extractor ladder: `Staff` (any logged-in account), then one
//! extractor per permission. A handler states what it needs in its signature.
//!
//! Sessions: a random token in an `HttpOnly; Secure; SameSite=Strict` cookie, its SHA-256 in the
//! store. State-changing API calls also carry the session's CSRF token in `X-CSRF-Token`.

use crate::crypto::token_hash;
use crate::error::AppError;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use vigie_domain::Permission;
use vigie_store::StaffPrincipal;

pub const SESSION_COOKIE: &str = "vigie_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Failed logins before the account is locked, and for how long.
pub const MAX_FAILED_LOGINS: u32 = 5;
pub const LOCKOUT: time::Duration = time::Duration::minutes(15);

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// Builds a `Set-Cookie` value with the flags every Vigie cookie carries.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    c
}

/// Constant-time comparison for tokens.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A logged-in staff member.
#[derive(Debug, Clone)]
pub struct Staff {
    pub principal: StaffPrincipal,
    pub csrf: String,
    pub token_hash: String,
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(AppError::Unauthorized)?;
        let hash = token_hash(&token);
        let session = state
            .store
            .session(&hash, state.clock.now())
            .await?
            .ok_or(AppError::Unauthorized)?;
        let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if unsafe_method && parts.uri.path().starts_with("/api/") {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !same(sent, &session.csrf_token) {
                return Err(AppError::Forbidden);
            }
        }
        let account = session.account;
        Ok(Staff {
            principal: StaffPrincipal {
                id: account.id,
                username: account.username,
                role: account.role,
                departements: account.departements,
            },
            csrf: session.csrf_token,
            token_hash: hash,
        })
    }
}

macro_rules! permission_extractor {
    ($(#[$doc:meta])* $name:ident, $permission:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub Staff);

        impl FromRequestParts<AppState> for $name {
            type Rejection = AppError;

            async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
                let staff = Staff::from_request_parts(parts, state).await?;
                if staff.principal.role.may($permission) {
                    Ok(Self(staff))
                } else {
                    Err(AppError::Forbidden)
                }
            }
        }
    };
}

permission_extractor!(
    /// An operator or shift lead: takes conversations from the queue and handles them.
    Officer,
    Permission::HandleConversations
);
permission_extractor!(
    /// An analyst of the intelligence cell: reads the reports routed to their départements.
    Analyst,
    Permission::ReadRoutedReports
);
permission_extractor!(
    /// An auditor: reads the audit log, never case content.
    Auditor,
    Permission::ReadAuditLog
);
permission_extractor!(
    /// A technical administrator: accounts, never case content.
    Admin,
    Permission::ManageAccounts
);
permission_extractor!(
    /// An administrator of units, the routing table and retention, never case content.
    UnitsAdmin,
    Permission::ManageUnits
);
permission_extractor!(
    /// An investigator: reads the dossiers disseminated to their unit.
    Investigator,
    Permission::ReadDisseminated
);

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    fn headers(values: &[Vec<u8>]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            if let Ok(v) = axum::http::HeaderValue::from_bytes(v) {
                h.append(axum::http::header::COOKIE, v);
            }
        }
        h
    }

    proptest! {
        #[test]
        fn any_cookie_header_is_read_without_panic(
            values in proptest::collection::vec(prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..120),
                "([a-z_]{0,12}=[^;]{0,12}; ?){0,4}".prop_map(String::into_bytes),
            ], 0..3),
            name in prop_oneof![Just(SESSION_COOKIE.to_owned()), "[a-z_=; ]{0,12}"],
        ) {
            if let Some(v) = cookie(&headers(&values), &name) {
                prop_assert!(!v.contains(';'));
            }
        }

        /// Among well-formed pairs, the first with the name is the one read, whatever surrounds it.
        #[test]
        fn the_first_cookie_of_that_name_is_read(
            before in proptest::collection::vec(("[a-z]{1,8}", "[A-Za-z0-9_-]{0,20}"), 0..4),
            value in "[A-Za-z0-9_-]{0,43}", other in "[A-Za-z0-9_-]{0,43}",
        ) {
            let mut pairs: Vec<String> = before
                .iter()
                .filter(|(k, _)| k != SESSION_COOKIE)
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            pairs.push(format!("{SESSION_COOKIE}={value}"));
            pairs.push(format!("{SESSION_COOKIE}={other}"));
            let h = headers(&[pairs.join("; ").into_bytes()]);
            prop_assert_eq!(cookie(&h, SESSION_COOKIE), Some(value));
            prop_assert_eq!(cookie(&h, "absent"), None);
        }

        #[test]
        fn same_is_string_equality(a in any::<String>(), b in any::<String>()) {
            prop_assert_eq!(same(&a, &b), a == b);
            prop_assert!(same(&a, &a));
        }
    }
}
