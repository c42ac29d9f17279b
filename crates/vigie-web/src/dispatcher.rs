//! The dispatch runtime: runs the store's `dispatch` (the pure engine of
//! `vigie_domain::dispatch`, applied in one serialised transaction) whenever capacity may have
//! changed, never on a polling timer:
//! - on every change of the queue or of who holds what (a new chat, a take, a close, a duty or
//!   capacity change, an offer accepted or declined, a handover), on this node or another (the
//!   hub's queue signal crosses nodes through the store's hints), and when an officer's console
//!   comes online (the hub's dispatch signal, which leaves the other consoles alone);
//! - at the plan's next deadline (an offer expiring, a first reply due, an officer's grace
//!   running out, a long wait reaching the target), the one timer it keeps;
//! - at the roster's next shift start or end: each run first applies the roster (the store's
//!   `apply_roster`), so officers go on shift, into drain mode and off duty without anyone's click.
//!
//! Every node runs it; the store serialises them, and a second run at the same instant changes
//! nothing. Offers reach the officers through the console's queue frame, re-sent on the queue
//! signal the run raises when its plan did something.

use crate::AppState;
use vigie_domain::dispatch::{DispatchConfig, DispatchMode};

/// The settings of dispatch: offers (`offer_timeout_seconds` to accept, 30 by default), a 45 s
/// grace on liveness, `first_reply_seconds` for the first reply (180), and the response target.
pub fn config(state: &AppState) -> DispatchConfig {
    let d = DispatchConfig::default();
    DispatchConfig::new(
        DispatchMode::Offer,
        state.settings.offer_timeout,
        d.grace(),
        state.settings.first_reply_timeout,
        state.settings.response_target,
    )
    .unwrap_or(d)
}

/// One run: the roster's duty changes first (shift starts and ends, drain mode over), then plan
/// and apply; tells the consoles when something changed. Returns the next deadline or roster
/// edge, whichever comes first.
pub async fn run_once(state: &AppState) -> Option<vigie_domain::Timestamp> {
    let roster_next = roster(state).await;
    let dispatch_next = match state
        .store
        .dispatch(state.clock.now(), &config(state))
        .await
    {
        Ok(plan) => {
            if !plan.is_quiet() {
                state.hub.queue_changed();
            }
            plan.next_deadline
        }
        Err(e) => {
            tracing::warn!(error = %e, "dispatch failed; retrying shortly");
            Some(state.clock.now() + time::Duration::seconds(5))
        }
    };
    match (roster_next, dispatch_next) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Applies the roster at this instant; a change raises the queue signal (so the next run comes
/// at once: a drained officer goes off duty one run after drain mode). Returns the next edge.
async fn roster(state: &AppState) -> Option<vigie_domain::Timestamp> {
    let now = state.clock.now();
    let retry = Some(now + time::Duration::seconds(5));
    match state.store.apply_roster(now).await {
        Ok(changes) if !changes.is_empty() => state.hub.queue_changed(),
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(error = %e, "roster failed; retrying shortly");
            return retry;
        }
    }
    match state.store.next_roster_change(now).await {
        Ok(next) => next,
        Err(e) => {
            tracing::warn!(error = %e, "roster failed; retrying shortly");
            retry
        }
    }
}

/// Starts the runtime on this node.
pub fn start(state: &AppState) {
    let state = state.clone();
    let mut signal = state.hub.subscribe_dispatch();
    let tasks = state.tasks.clone();
    tasks.spawn(async move {
        loop {
            signal.borrow_and_update();
            let next = run_once(&state).await;
            // The safety net only: deadlines and signals drive it.
            let wait = next
                .map(|at| (at - state.clock.now()).max(time::Duration::ZERO))
                .unwrap_or(time::Duration::minutes(5))
                .min(time::Duration::minutes(5));
            let wait = std::time::Duration::from_millis(
                u64::try_from(wait.whole_milliseconds()).unwrap_or(0) + 5,
            );
            tokio::select! {
                () = state.shutdown.cancelled() => return,
                changed = signal.changed() => if changed.is_err() { return },
                () = tokio::time::sleep(wait) => {}
            }
        }
    });
}
