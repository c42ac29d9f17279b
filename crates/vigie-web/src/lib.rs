//! Vigie's web edge: the router, extractors, handlers, templates, static assets, the live hub
//! and translations. Handlers extract and authorize, call one store operation, then render.
//! No SQL here.

/// Each WebSocket's read buffer. Tungstenite's default (128 KiB, zero-filled, so resident)
/// made an idle witness connection cost 134 KiB of server memory; chat frames are small, and
/// a larger frame (up to the socket's limit) grows the buffer as it arrives. Measured by B3
/// (BENCHMARKS.md).
pub(crate) const WS_READ_BUFFER: usize = 4 * 1024;

pub mod auth;
mod comfort;
pub mod crypto;
pub mod dispatcher;
pub mod error;
pub mod export;
pub mod hub;
pub mod i18n;
pub mod limits;
pub mod metrics;
mod openapi;
mod ops;
mod pages;
pub mod pow;
pub mod presence;
pub mod security;
mod staff;
mod static_files;
pub mod totp;
mod witness;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use crypto::SecretKey;
use hub::Hub;
use i18n::{I18n, Tr};
use rand::rngs::StdRng;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use vigie_domain::{Clock, Locale};
use vigie_store::Store;

/// Settings the web layer needs, decided by the binary's configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Mark cookies `Secure` (on unless explicitly turned off for plain-HTTP development).
    pub cookie_secure: bool,
    /// How long a staff session lasts.
    pub session_ttl: time::Duration,
    /// Demo mode: the pages say so.
    pub demo: bool,
    /// Anti-abuse limits (messages per conversation, conversations per address and overall).
    pub limits: limits::LimitSettings,
    /// The proof of work asked before a conversation opens, and its no-JavaScript equivalent.
    pub pow: pow::PowSettings,
    /// Largest photo a witness may send, in bytes.
    pub photo_max_bytes: usize,
    /// A witness should hear from an officer within this time of opening a chat; the
    /// response-time figures count the chats that did not as breaches.
    pub response_target: time::Duration,
    /// How long an officer has to accept an offer.
    pub offer_timeout: time::Duration,
    /// A held chat without a first officer reply within this long goes back to the queue.
    pub first_reply_timeout: time::Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            cookie_secure: true,
            session_ttl: time::Duration::hours(12),
            demo: false,
            limits: limits::LimitSettings::default(),
            pow: pow::PowSettings::default(),
            photo_max_bytes: 10 * 1024 * 1024,
            response_target: time::Duration::minutes(2),
            offer_timeout: time::Duration::seconds(30),
            first_reply_timeout: time::Duration::minutes(3),
        }
    }
}

pub struct Inner {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    rng: Mutex<StdRng>,
    pub hub: Hub,
    pub metrics: metrics::Metrics,
    i18n: Arc<I18n>,
    pub secret: SecretKey,
    pub settings: Settings,
    /// In-memory rate limits; nothing in them identifies anyone.
    pub limits: limits::Limits,
    /// Cancelled at shutdown: every long-lived task (WebSocket, long poll) watches it.
    pub shutdown: CancellationToken,
    /// Tracks WebSocket tasks so shutdown can wait for them.
    pub tasks: TaskTracker,
    /// When each officer's heartbeat was last written from this node (see
    /// `presence::heartbeat`).
    beats: Mutex<std::collections::HashMap<vigie_domain::StaffId, std::time::Instant>>,
}

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Whether this officer's heartbeat is due: not written from this node within `every`.
    /// Marks it written when it is.
    pub(crate) fn beat_due(
        &self,
        staff: vigie_domain::StaffId,
        every: std::time::Duration,
    ) -> bool {
        let Ok(mut beats) = self.beats.lock() else {
            return true;
        };
        let now = std::time::Instant::now();
        if beats
            .get(&staff)
            .is_some_and(|last| now.duration_since(*last) < every)
        {
            return false;
        }
        beats.insert(staff, now);
        true
    }

    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        mut rng: StdRng,
        secret: SecretKey,
        settings: Settings,
    ) -> Result<Self, String> {
        let limits = limits::Limits::new(settings.limits.clone(), &mut rng);
        Ok(Self(Arc::new(Inner {
            store,
            clock,
            rng: Mutex::new(rng),
            hub: Hub::default(),
            metrics: metrics::Metrics::default(),
            i18n: Arc::new(I18n::load()?),
            secret,
            settings,
            limits,
            shutdown: CancellationToken::new(),
            tasks: TaskTracker::new(),
            beats: Mutex::new(std::collections::HashMap::new()),
        })))
    }

    /// Randomness is an input: everything random goes through the state's generator.
    pub fn with_rng<T>(&self, f: impl FnOnce(&mut StdRng) -> T) -> T {
        match self.rng.lock() {
            Ok(mut rng) => f(&mut rng),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    pub fn tr(&self, locale: Locale) -> Tr {
        Tr::new(self.i18n.clone(), locale)
    }
}

/// Connects this node's hub to the other nodes sharing the database, when there are any: hints
/// published here go out through the store after commit, hints from elsewhere are applied here.
/// Returns whether the store is shared.
pub async fn start_hint_bridge(state: &AppState) -> Result<bool, vigie_store::StoreError> {
    let node: u64 = state.with_rng(rand::Rng::gen);
    let Some(mut incoming) = state.store.listen_hints(node).await? else {
        return Ok(false);
    };
    let (outbox, mut outgoing) = tokio::sync::mpsc::unbounded_channel();
    state.hub.connect_outbox(outbox);
    let publisher = state.clone();
    state.tasks.spawn(async move {
        let mut needs_resync = false;
        loop {
            let first = tokio::select! {
                hint = outgoing.recv() => hint,
                () = publisher.shutdown.cancelled() => None,
            };
            let Some(first) = first else { break };
            let mut batch = vec![first];
            while batch.len() < 256 {
                match outgoing.try_recv() {
                    Ok(hint) => batch.push(hint),
                    Err(_) => break,
                }
            }
            if needs_resync {
                batch.push(vigie_store::Hint::Resync);
            }
            match publisher.store.publish_hints(node, &batch).await {
                Ok(()) => needs_resync = false,
                Err(e) => {
                    // These hints are lost: the next batch that gets through tells every node
                    // to re-read.
                    tracing::warn!(error = %e, "could not publish hints");
                    needs_resync = true;
                }
            }
        }
    });
    let listener = state.clone();
    state.tasks.spawn(async move {
        loop {
            tokio::select! {
                hint = incoming.recv() => match hint {
                    Some(hint) => listener.hub.apply(hint),
                    None => break,
                },
                () = listener.shutdown.cancelled() => break,
            }
        }
    });
    Ok(true)
}

/// The largest request body accepted anywhere (messages are at most 4,000 characters).
const MAX_BODY: usize = 64 * 1024;

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::router())
        .merge(witness::router())
        .merge(staff::router())
        .merge(openapi::router())
        .merge(ops::router())
        .merge(metrics::router())
        .merge(static_files::router())
        .fallback(|| async { error::AppError::NotFound })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error::localize,
        ))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::access_log,
        ))
        .with_state(state)
}

/// JSON bodies, with a typed error instead of axum's plain-text rejection.
pub struct ApiJson<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = error::AppError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::JsonRejection;
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => {
                Err(error::AppError::BadRequest("json-content-type"))
            }
            Err(JsonRejection::BytesRejection(_)) => {
                Err(error::AppError::BadRequest("body-too-large"))
            }
            Err(_) => Err(error::AppError::BadRequest("json-invalid")),
        }
    }
}

/// Runs the retention purge at start-up and then every hour, with the state's clock as "now",
/// until shutdown. Several nodes may run it at once: each report is purged in its own
/// transaction that re-checks its state, so a report is purged once.
pub fn start_purge_job(state: &AppState) {
    let store = state.store.clone();
    let clock = state.clock.clone();
    let cancel = state.shutdown.clone();
    state.tasks.spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = every.tick() => {
                    match store.purge(clock.now()).await {
                        Ok(done) if done.reports > 0 => tracing::info!(reports = done.reports, "retention purge"),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "retention purge failed"),
                    }
                }
            }
        }
    });
}
