//! Test helpers: readable ids and instants, and snapshot builders.

use super::*;
use time::macros::datetime;

/// The launch day, 3 March 2021, at midnight UTC, plus `seconds`.
pub fn at(seconds: i64) -> Timestamp {
    datetime!(2021-03-03 00:00 UTC) + Duration::seconds(seconds)
}

/// Ids whose order follows `n`, so tie-breaks by id are predictable.
pub fn staff(n: usize) -> StaffId {
    format!("00000000-0000-4000-8000-{n:012x}").parse().unwrap()
}

pub fn chat(n: usize) -> ConversationId {
    format!("00000000-0000-4000-9000-{n:012x}").parse().unwrap()
}

pub fn officer(n: usize, duty: Duty, last_seen: Timestamp) -> Officer {
    Officer {
        id: staff(n),
        duty,
        last_seen,
        capacity: DEFAULT_CAPACITY,
        last_assigned: None,
    }
}

pub fn waiting(n: usize, priority: Priority, since: Timestamp) -> WaitingChat {
    WaitingChat {
        id: chat(n),
        priority,
        waiting_since: since,
        long_wait_alerted: false,
    }
}

pub fn held(n: usize, by: usize, taken_at: Timestamp) -> HeldChat {
    HeldChat {
        chat: chat(n),
        officer: staff(by),
        priority: Priority::Normal,
        waiting_since: taken_at - Duration::seconds(20),
        taken_at,
        first_reply_at: None,
    }
}

pub fn offer(n: usize, to: usize, expires_at: Timestamp) -> Offer {
    Offer {
        chat: chat(n),
        officer: staff(to),
        expires_at,
    }
}

pub fn cfg() -> DispatchConfig {
    DispatchConfig::default()
}

/// The (chat, officer) pairs of a plan's new offers.
pub fn offered(plan: &Plan) -> Vec<(ConversationId, StaffId)> {
    plan.offers.iter().map(|o| (o.chat, o.officer)).collect()
}
