//! A witness sends a photo into the chat: `POST /api/v1/witness/photos?client_id=…`, the raw
//! image as the body.
//!
//! The rule: nothing the witness's device wrote into the file survives. The label the client puts
//! on the body (`Content-Type`) only has to be one a photo may carry; the real type is read from
//! the bytes by `vigie_media`, which decodes under limits and re-encodes a plain JPEG with no
//! metadata at all. Only that JPEG is stored (sealed with the content key), as a thread event
//! under the same rules as a message: idempotent by client id, counted against the
//! conversation's message limit, refused once blocked or closed. The photo itself is never
//! logged, and is shown to staff only through the audited `/staff/photos/{id}`.

use super::Witness;
use crate::error::AppError;
use crate::AppState;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;
use vigie_domain::{ClientId, PhotoId};
use vigie_media::{PhotoError, PhotoLimits};
use vigie_store::NewPhoto;

/// The labels a photo upload may carry. Whatever the label, the bytes decide.
const ACCEPTED: [&str; 4] = [
    "image/jpeg",
    "image/png",
    "image/webp",
    "application/octet-stream",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhotoQuery {
    client_id: String,
}

pub async fn upload(
    State(state): State<AppState>,
    witness: Witness,
    query: Result<Query<PhotoQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let Query(q) = query.map_err(|_| AppError::BadRequest("query-invalid"))?;
    if !accepted_label(&headers) {
        return Err(PhotoError::Unsupported.into());
    }
    let client_id = ClientId::parse(&q.client_id)?;
    let id = witness.conversation.id;
    // The same order as a message: a blocked conversation refuses at once, then the
    // conversation's bucket decides, before the body is read or any decoding is paid for.
    if witness.conversation.blocked_at.is_some() {
        return Err(AppError::Locked("conversation-blocked"));
    }
    state.limits.message(id, std::time::Instant::now())?;
    let max = state.settings.photo_max_bytes;
    let raw = read_limited(&headers, body, max).await?;
    let limits = PhotoLimits {
        max_bytes: max,
        ..PhotoLimits::default()
    };
    // Decoding a large photo takes a second and a few hundred MiB: a few at a time, each
    // holding its permit until its thread is done (even if the witness has gone).
    let permit = decoders()
        .acquire_owned()
        .await
        .map_err(|_| AppError::Unavailable)?;
    let photo = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        vigie_media::sanitize(&raw, &limits)
    })
    .await
    .map_err(|_| AppError::Internal("photo sanitiser stopped".into()))??;
    let new = NewPhoto {
        id: state.with_rng(PhotoId::random),
        conversation: id,
        client_id,
        jpeg: photo.bytes,
        width: photo.width,
        height: photo.height,
        at: state.clock.now(),
    };
    let fresh = new.id;
    let appended = state.store.append_photo(new).await?;
    // A retry may follow a node that died between commit and hint: hint again (idempotent).
    state.hub.event(id, appended.seq);
    let photo = if appended.duplicate {
        // Nothing was written: answer with the photo the first send stored under this id.
        let first = state
            .store
            .events_after(id, appended.seq.saturating_sub(1), 1)
            .await?;
        first
            .into_iter()
            .find(|e| e.seq == appended.seq)
            .and_then(|e| e.photo)
            .ok_or(AppError::Conflict("client-id-reused"))?
    } else {
        fresh
    };
    let status = if appended.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(json!({
            "seq": appended.seq,
            "duplicate": appended.duplicate,
            "photo": photo,
        })),
    ))
}

/// The photos being decoded at once, on the whole process: as many as there are cores, at most
/// four (a decoded 50-megapixel photo alone is 150 MiB of pixels).
fn decoders() -> Arc<Semaphore> {
    static DECODERS: OnceLock<Arc<Semaphore>> = OnceLock::new();
    DECODERS
        .get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            Arc::new(Semaphore::new(cores.min(4)))
        })
        .clone()
}

/// Whether the `Content-Type` (parameters aside) is one a photo may be labelled with.
fn accepted_label(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| ACCEPTED.iter().any(|a| m.trim().eq_ignore_ascii_case(a)))
}

/// Reads the body, refusing it as soon as it passes `max` bytes (a declared length over `max`
/// is refused before reading anything). The global 64 KiB body limit does not apply to a raw
/// `Body`: this is the route's own limit, read from the settings at each request.
async fn read_limited(headers: &HeaderMap, body: Body, max: usize) -> Result<Vec<u8>, AppError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(PhotoError::TooLarge.into());
    }
    let mut out = Vec::with_capacity(declared.map_or(0, |n| n as usize));
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| AppError::BadRequest("body-invalid"))?;
        if out.len() + chunk.len() > max {
            return Err(PhotoError::TooLarge.into());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn labelled(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn only_photo_labels_pass_and_parameters_are_ignored() {
        for ok in [
            "image/jpeg",
            "IMAGE/PNG",
            "image/webp; q=1",
            "application/octet-stream",
        ] {
            assert!(accepted_label(&labelled(ok)), "{ok}");
        }
        for refused in [
            "image/gif",
            "text/plain",
            "image/heic",
            "multipart/form-data",
        ] {
            assert!(!accepted_label(&labelled(refused)), "{refused}");
        }
        assert!(!accepted_label(&HeaderMap::new()));
    }

    #[tokio::test]
    async fn the_body_is_cut_at_the_limit() {
        let small = read_limited(&HeaderMap::new(), Body::from(vec![1u8; 10]), 10).await;
        assert_eq!(small.unwrap().len(), 10);
        let over = read_limited(&HeaderMap::new(), Body::from(vec![1u8; 11]), 10).await;
        assert!(matches!(over, Err(AppError::TooLarge("photo-too-large"))));
        let mut declared = HeaderMap::new();
        declared.insert(header::CONTENT_LENGTH, HeaderValue::from_static("999"));
        let over = read_limited(&declared, Body::from(vec![1u8; 1]), 10).await;
        assert!(matches!(over, Err(AppError::TooLarge("photo-too-large"))));
    }
}
