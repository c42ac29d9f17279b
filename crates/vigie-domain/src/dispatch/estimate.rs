//! What the witness is told while waiting: their place in the queue and an estimated wait.
//! Rule: simple enough to explain in one sentence, bounded, and silent rather than wrong when
//! nobody is on duty.

use super::engine::dispatch_key;
use super::{DispatchConfig, Snapshot};
use crate::clock::Timestamp;
use crate::ids::ConversationId;
use time::Duration;

/// The handling time assumed when there is no recent history.
pub const DEFAULT_HANDLING: Duration = Duration::minutes(15);

/// The longest estimate given; beyond it the web layer says "more than two hours".
pub const MAX_ESTIMATE: Duration = Duration::hours(2);

/// 1-based rank of a waiting chat in dispatch order (priority, then longest wait): 1 means next.
/// `None` when the chat is not waiting.
pub fn queue_position(snapshot: &Snapshot, chat: ConversationId) -> Option<usize> {
    let me = snapshot.waiting.iter().find(|w| w.id == chat)?;
    let key = dispatch_key(me);
    let ahead = snapshot
        .waiting
        .iter()
        .filter(|w| w.id != chat && dispatch_key(w) < key)
        .count();
    Some(ahead + 1)
}

/// The chats that can start now or as soon as a slot frees: the summed capacity of officers on
/// shift and connected (draining, on-break and lost officers take no new chat).
pub fn on_duty_capacity(snapshot: &Snapshot, now: Timestamp, config: &DispatchConfig) -> u32 {
    snapshot
        .officers
        .iter()
        .filter(|o| o.takes_new_chats(now, config))
        .map(|o| o.capacity)
        .fold(0, u32::saturating_add)
}

/// "About `position` × (median recent handling time) ÷ (slots on duty)": each of the `S` slots
/// frees one chat per median handling time `H`, so a slot frees every `H / S` on average and the
/// `p`-th in line waits about `p·H/S`. `recent_handling` is the handling times of recently
/// closed chats (non-positive ones are ignored; none at all means [`DEFAULT_HANDLING`]). The
/// estimate is capped at [`MAX_ESTIMATE`], in whole seconds. `None` when no slot is on duty: the
/// witness is told nobody is available now and may leave their information.
pub fn estimated_wait(
    position: usize,
    recent_handling: &[Duration],
    on_duty_capacity: u32,
) -> Option<Duration> {
    if on_duty_capacity == 0 {
        return None;
    }
    let mut history: Vec<Duration> = recent_handling
        .iter()
        .copied()
        .filter(|d| d.is_positive())
        .collect();
    history.sort();
    let median = history
        .get(history.len().saturating_sub(1) / 2)
        .copied()
        .unwrap_or(DEFAULT_HANDLING);
    let position = i64::try_from(position.max(1)).unwrap_or(i64::MAX);
    let seconds = median
        .whole_seconds()
        .saturating_mul(position)
        .checked_div(i64::from(on_duty_capacity))
        .unwrap_or(i64::MAX);
    Some(Duration::seconds(seconds).min(MAX_ESTIMATE))
}
