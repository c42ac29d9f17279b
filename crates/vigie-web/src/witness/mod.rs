//! The witness protocol (HTTP and WebSocket), as `DESIGN.md` fixes it: the public contract
//! the web page and any mobile app use. The token travels in `Authorization: Bearer`, or in the
//! first WebSocket frame; never in a URL.

pub(crate) mod api;
mod photos;
mod ws;

use crate::crypto::token_hash;
use crate::error::AppError;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum::Router;
use serde::Serialize;
use vigie_domain::{Author, EventKind};
use vigie_store::{Conversation, Event};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/witness/challenge", get(api::challenge))
        .route("/api/v1/witness/conversations", post(api::start))
        .route("/api/v1/witness/resume", post(api::resume))
        .route("/api/v1/witness/messages", post(api::send))
        .route("/api/v1/witness/photos", post(photos::upload))
        .route("/api/v1/witness/events", get(api::events))
        .route(
            "/api/v1/witness/queue",
            get(crate::presence::witness_queue_api),
        )
        .route("/api/v1/witness/close", post(api::close))
        .route("/api/v1/witness/ws", get(ws::upgrade))
}

/// A witness holding a live token for a conversation.
pub struct Witness {
    pub conversation: Conversation,
    token_hash: String,
}

impl Witness {
    pub async fn from_token(state: &AppState, token: &str) -> Result<Self, AppError> {
        if token.is_empty() || token.len() > 128 {
            return Err(AppError::Unauthorized);
        }
        let token_hash = token_hash(token);
        let conversation = state
            .store
            .conversation_by_token(&token_hash)
            .await?
            .ok_or(AppError::Unauthorized)?;
        Ok(Self {
            conversation,
            token_hash,
        })
    }

    /// Whether the token still opens this conversation (not replaced by a resume, not revoked).
    pub async fn still_valid(&self, state: &AppState) -> Result<bool, AppError> {
        let current = state.store.conversation_by_token(&self.token_hash).await?;
        Ok(current.is_some_and(|c| c.id == self.conversation.id))
    }
}

impl FromRequestParts<AppState> for Witness {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(AppError::Unauthorized)?;
        Self::from_token(state, token.trim()).await
    }
}

/// An event as the witness sees it: no officer identity, `client_id` only on their own messages.
#[derive(Serialize)]
pub struct WitnessEvent {
    pub seq: u64,
    pub kind: EventKind,
    pub author: Author,
    pub body: Option<String>,
    pub at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// `true` on a photo the witness sent (the image itself is never sent back).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub photo: bool,
}

impl From<Event> for WitnessEvent {
    fn from(e: Event) -> Self {
        Self {
            seq: e.seq,
            kind: e.kind,
            author: e.author,
            body: e.body,
            at: vigie_domain::clock::rfc3339(e.at),
            client_id: if e.author == Author::Witness {
                e.client_id
            } else {
                None
            },
            photo: e.photo.is_some(),
        }
    }
}
