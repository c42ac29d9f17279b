//! Witness photos on the staff side: the thread names them, and `GET /staff/photos/{id}` serves
//! one.
//!
//! The rule: a photo is case content. Only staff who may read its conversation see it (the
//! store's `CaseReader`, the same capability as the thread), and every read writes its own
//! audit row (`photo_viewed`, target `photo:<id>`), on top of the capability's grant. The bytes
//! are never cached by the browser (`no-store`) and are shown inline, never offered as a file to
//! keep. Dossiers and report pages never carry photos.

use super::StaffEvent;
use crate::auth::Officer;
use crate::error::AppError;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use vigie_domain::PhotoId;
use vigie_store::{CaseReader, Event, NewAudit};

/// A photo as the thread names it: where to fetch it, and its size (so the console reserves its
/// place before it loads).
#[derive(Serialize)]
pub struct StaffPhoto {
    pub id: PhotoId,
    pub width: u32,
    pub height: u32,
}

/// The thread as staff see it, photos with their size. Only the size of a photo is read here;
/// its bytes go out through [`view`] alone.
pub async fn staff_events(
    state: &AppState,
    events: Vec<Event>,
) -> Result<Vec<StaffEvent>, AppError> {
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        let photo = match e.photo {
            // A photo gone with a retention purge leaves the event without an image.
            Some(id) => state.store.photo(id).await?.map(|p| StaffPhoto {
                id,
                width: p.width,
                height: p.height,
            }),
            None => None,
        };
        let mut event = StaffEvent::from(e);
        event.photo = photo;
        out.push(event);
    }
    Ok(out)
}

/// `GET /staff/photos/{id}`: the sanitised JPEG, to its conversation's holder or a shift lead.
pub async fn view(
    State(state): State<AppState>,
    Officer(staff): Officer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: PhotoId = id.parse().map_err(|_| AppError::NotFound)?;
    let photo = state.store.photo(id).await?.ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    CaseReader::obtain(
        state.store.as_ref(),
        &staff.principal,
        photo.conversation,
        "handling",
        now,
    )
    .await?;
    state
        .store
        .audit(NewAudit {
            actor: Some(staff.principal.id),
            action: "photo_viewed",
            target: format!("photo:{id}"),
            purpose: "handling",
            at: now,
        })
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, vigie_media::Photo::MIME),
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_DISPOSITION, "inline"),
        ],
        photo.jpeg,
    )
        .into_response())
}
