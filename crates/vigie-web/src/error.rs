//! The one error type of the web edge, and the policy that turns it into a response.
//!
//! Policy: a handler returns `AppError`; its `IntoResponse` picks the status and a stable code;
//! the `localize` middleware then writes the body in the request's language: a typed JSON error
//! under `/api/`, a page elsewhere. Internal causes are logged with the request id and never shown.

use crate::i18n::{Lang, Tr};
use crate::AppState;
use askama::Template;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::collections::BTreeMap;
use vigie_domain::report::FieldErrors;
use vigie_domain::Invalid;
use vigie_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request itself is malformed (bad JSON, missing field): `code` says how.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// A value was refused by the domain.
    #[error("invalid: {0}")]
    Invalid(&'static str),
    /// Several form fields were refused, one code each.
    #[error("invalid fields")]
    Fields(FieldErrors),
    #[error("not logged in or token not valid")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// Not found, with a more precise code (e.g. an unknown receipt code).
    #[error("not found: {0}")]
    Unknown(&'static str),
    /// A state conflict: `code` says which (already taken, closed, stale version…).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("too many attempts")]
    TooManyAttempts,
    /// Too fast (messages in one conversation, conversations from one address): retry after
    /// this many seconds.
    #[error("rate limited")]
    RateLimited(u64),
    /// Too many conversations opened on the whole service right now: retry after this many
    /// seconds.
    #[error("busy")]
    Busy(u64),
    /// A no-JavaScript start form sent before its wait ticket matured: seconds left.
    #[error("too early")]
    TooEarly(u64),
    /// The resource is locked for this caller (a conversation an officer blocked).
    #[error("locked: {0}")]
    Locked(&'static str),
    #[error("temporarily unavailable")]
    Unavailable,
    /// The request body is larger than this route accepts (a photo over the size setting).
    #[error("too large: {0}")]
    TooLarge(&'static str),
    /// The body is of a media type this route does not accept (by its bytes, not its label).
    #[error("unsupported media type: {0}")]
    UnsupportedMedia(&'static str),
    #[error("internal: {0}")]
    Internal(String),
}

impl From<Invalid> for AppError {
    fn from(e: Invalid) -> Self {
        AppError::Invalid(e.code)
    }
}

impl From<vigie_media::PhotoError> for AppError {
    fn from(e: vigie_media::PhotoError) -> Self {
        use vigie_media::PhotoError as P;
        match e {
            P::TooLarge => AppError::TooLarge(e.code()),
            P::Unsupported => AppError::UnsupportedMedia(e.code()),
            P::Empty | P::Corrupt | P::Dimensions => AppError::Invalid(e.code()),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict("question-pending") => AppError::Conflict("question-pending"),
            StoreError::Conflict("not-acknowledged") => AppError::Conflict("not-acknowledged"),
            StoreError::Conflict("offer-gone") => AppError::Conflict("offer-gone"),
            StoreError::Conflict("handover-not-held") => AppError::Conflict("handover-not-held"),
            StoreError::Conflict("handover-blocked") => AppError::Conflict("handover-blocked"),
            StoreError::Conflict("already-acknowledged") => {
                AppError::Conflict("already-acknowledged")
            }
            StoreError::Conflict("conversation-blocked") => {
                AppError::Locked("conversation-blocked")
            }
            StoreError::Conflict(_) => AppError::Conflict("conflict"),
            StoreError::AlreadyTaken => AppError::Conflict("already-taken"),
            StoreError::Closed => AppError::Conflict("conversation-closed"),
            StoreError::Forbidden => AppError::Forbidden,
            StoreError::VersionConflict { .. } => AppError::Conflict("version-conflict"),
            StoreError::NotEditable => AppError::Conflict("report-not-editable"),
            StoreError::Invalid(fields) => AppError::Fields(fields),
            StoreError::Transition(_) => AppError::Conflict("transition-refused"),
            StoreError::Unavailable(cause) => {
                tracing::warn!(cause, "storage unavailable");
                AppError::Unavailable
            }
            StoreError::Internal(cause) => AppError::Internal(cause),
        }
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Invalid(_) | AppError::Fields(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound | AppError::Unknown(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyAttempts | AppError::RateLimited(_) | AppError::TooEarly(_) => {
                StatusCode::TOO_MANY_REQUESTS
            }
            AppError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Locked(_) => StatusCode::LOCKED,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMedia(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest(code)
            | AppError::Invalid(code)
            | AppError::Conflict(code)
            | AppError::Unknown(code)
            | AppError::Locked(code)
            | AppError::TooLarge(code)
            | AppError::UnsupportedMedia(code) => code,
            AppError::RateLimited(_) => "rate-limited",
            AppError::TooEarly(_) => "proof-too-early",
            AppError::Busy(_) => "service-busy",
            AppError::Fields(_) => "invalid-fields",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not-found",
            AppError::TooManyAttempts => "too-many-attempts",
            AppError::Unavailable => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    /// Seconds the client should wait before trying again, for a refusal that passes.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::RateLimited(wait) | AppError::Busy(wait) | AppError::TooEarly(wait) => {
                Some(*wait)
            }
            _ => None,
        }
    }
}

/// What the `localize` middleware needs to write the body.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub code: &'static str,
    pub fields: BTreeMap<&'static str, &'static str>,
    /// Seconds to wait before retrying (sent as `Retry-After` and in the body).
    pub retry_after: Option<u64>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(cause) = &self {
            tracing::error!(cause, "internal error");
        }
        let fields = match &self {
            AppError::Fields(f) => f.0.clone(),
            _ => BTreeMap::new(),
        };
        let info = ErrorInfo {
            code: self.code(),
            fields,
            retry_after: self.retry_after(),
        };
        let mut response =
            (self.status(), Json(json!({ "error": { "code": info.code, "message": info.code, "fields": info.fields } })))
                .into_response();
        with_retry_after(&mut response, info.retry_after);
        response.extensions_mut().insert(info);
        response
    }
}

/// The JSON error body, translated.
pub fn error_json(tr: &Tr, info: &ErrorInfo) -> serde_json::Value {
    let fields: BTreeMap<&str, serde_json::Value> = info
        .fields
        .iter()
        .map(|(field, code)| {
            (
                *field,
                json!({ "code": code, "message": tr.get(&format!("field-error-{code}")) }),
            )
        })
        .collect();
    let mut error = json!({ "code": info.code, "message": tr.get(&format!("error-{}", info.code)), "fields": fields });
    if let Some(wait) = info.retry_after {
        error["retry_after"] = json!(wait);
    }
    json!({ "error": error })
}

fn with_retry_after(response: &mut Response, wait: Option<u64>) {
    if let Some(wait) = wait {
        response
            .headers_mut()
            .insert(axum::http::header::RETRY_AFTER, wait.into());
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    t: Tr,
    message: String,
    staff: bool,
}

/// Rewrites error responses in the request's language.
pub async fn localize(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let locale = Lang::from_parts(&parts);
    let path = parts.uri.path().to_owned();
    let response = next.run(Request::from_parts(parts, body)).await;
    let Some(info) = response.extensions().get::<ErrorInfo>().cloned() else {
        return response;
    };
    if info.code == "unauthorized" && path.starts_with("/staff") {
        return axum::response::Redirect::to("/staff/login").into_response();
    }
    let tr = state.tr(locale);
    let status = response.status();
    if path.starts_with("/api/") {
        let mut response = (status, Json(error_json(&tr, &info))).into_response();
        with_retry_after(&mut response, info.retry_after);
        return response;
    }
    let page = ErrorPage {
        message: tr.get(&format!("error-{}", info.code)),
        staff: path.starts_with("/staff"),
        t: tr,
    };
    let mut response = match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => status.into_response(),
    };
    with_retry_after(&mut response, info.retry_after);
    response
}
