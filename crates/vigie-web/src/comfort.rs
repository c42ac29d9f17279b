//! Typing indicators and "seen" marks on the live sockets (issue 6), both ways.
//!
//! Rule: ephemeral. A socket turns a client's frame into a hub signal and the other side's
//! socket turns the signal back into a frame; nothing is stored, nothing is logged, and a
//! lost signal is simply not shown. Typing is throttled per socket; a "seen" mark never goes
//! past what the socket delivered, and never moves back.

use crate::hub::Signal;
use serde_json::{json, Value};
use std::time::Duration;
use tokio::time::Instant;
use vigie_domain::ConversationId;
use vigie_store::Party;

/// At most one typing signal per side in this time; clients send one every 3.5 s while typing.
pub const TYPING_EVERY: Duration = Duration::from_secs(3);

/// Lets one typing signal through per `TYPING_EVERY`; the others are dropped.
#[derive(Debug, Default)]
pub struct Throttle(Option<Instant>);

impl Throttle {
    pub fn allow(&mut self, now: Instant) -> bool {
        match self.0 {
            Some(last) if now.saturating_duration_since(last) < TYPING_EVERY => false,
            _ => {
                self.0 = Some(now);
                true
            }
        }
    }
}

fn with_conversation(mut frame: Value, conversation: Option<ConversationId>) -> Value {
    if let Some(id) = conversation {
        frame["conversation_id"] = json!(id);
    }
    frame
}

/// What `to` should hear of the other side between two signals: a typing frame when the other
/// side typed, a seen frame when it read further. Staff frames name their conversation.
pub fn frames_for(
    to: Party,
    before: &Signal,
    now: &Signal,
    conversation: Option<ConversationId>,
) -> Vec<Value> {
    let from = to.other();
    let mut frames = Vec::new();
    if now.typing(from) != before.typing(from) {
        frames.push(json!({ "type": "typing", "author": from.as_str() }));
    }
    if now.seen(from) > before.seen(from) {
        frames.push(seen_frame(from, now.seen(from)));
    }
    frames
        .into_iter()
        .map(|f| with_conversation(f, conversation))
        .collect()
}

/// The other side's mark as it stands, for a socket that has just started listening.
pub fn current(to: Party, now: &Signal, conversation: Option<ConversationId>) -> Option<Value> {
    let from = to.other();
    (now.seen(from) > 0).then(|| with_conversation(seen_frame(from, now.seen(from)), conversation))
}

fn seen_frame(from: Party, seq: u64) -> Value {
    json!({ "type": "seen", "author": from.as_str(), "seq": seq })
}

/// A side's own "seen" mark: no further than what was delivered, and only forward. Returns the
/// mark to publish, if any.
pub fn advance(mine: &mut u64, asked: u64, delivered: u64) -> Option<u64> {
    let seq = asked.min(delivered);
    (seq > *mine).then(|| {
        *mine = seq;
        seq
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_is_let_through_once_per_period() {
        let start = Instant::now();
        let mut t = Throttle::default();
        assert!(t.allow(start));
        assert!(!t.allow(start + Duration::from_millis(2900)));
        assert!(t.allow(start + Duration::from_millis(3000)));
        assert!(!t.allow(start + Duration::from_millis(3100)));
    }

    #[test]
    fn each_side_hears_only_the_other() {
        let before = Signal::default();
        let now = Signal {
            witness_typing: 1,
            officer_seen: 4,
            ..Signal::default()
        };
        let to_officer = frames_for(Party::Officer, &before, &now, None);
        assert_eq!(
            to_officer,
            vec![json!({ "type": "typing", "author": "witness" })]
        );
        let to_witness = frames_for(Party::Witness, &before, &now, None);
        assert_eq!(
            to_witness,
            vec![json!({ "type": "seen", "author": "officer", "seq": 4 })]
        );
        assert_eq!(current(Party::Officer, &now, None), None);
    }

    #[test]
    fn a_mark_never_passes_what_was_delivered_nor_moves_back() {
        let mut mine = 0;
        assert_eq!(advance(&mut mine, 9, 5), Some(5));
        assert_eq!(advance(&mut mine, 5, 5), None);
        assert_eq!(advance(&mut mine, 3, 8), None);
        assert_eq!(advance(&mut mine, 0, 0), None);
        assert_eq!(mine, 5);
    }
}
