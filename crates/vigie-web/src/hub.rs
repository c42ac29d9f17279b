//! The live hub: hints that something changed, never the data itself.
//!
//! A socket subscribes to a conversation and gets a `watch` receiver; after each commit the
//! writer bumps the signal. The socket then reads what it has not seen from the store, by
//! sequence number, so a coalesced or lost hint costs latency, never data.
//!
//! Typing and "seen" marks ride on the same signal as counters with nothing behind them in the
//! store: they are never written or logged, and a socket relays them without reading anything.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use tokio::sync::{mpsc, watch};
use vigie_domain::ConversationId;
use vigie_store::{Hint, Party};

/// What changed in a conversation: the last committed sequence number, a counter of changes
/// that are not thread events (token revoked, notes, report saved); then the ephemeral
/// signals: how many times each side said it was typing, and how far each side has read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Signal {
    pub seq: u64,
    pub epoch: u64,
    pub notes: u64,
    pub witness_typing: u64,
    pub officer_typing: u64,
    pub witness_seen: u64,
    pub officer_seen: u64,
}

impl Signal {
    /// Whether the change from `before` is only typing or seen marks: nothing to read from the
    /// store. (A bare nudge, with nothing changed at all, still makes sockets re-read.)
    pub fn only_ephemeral_since(&self, before: &Signal) -> bool {
        (self.seq, self.epoch, self.notes) == (before.seq, before.epoch, before.notes)
            && self != before
    }

    pub fn typing(&self, from: Party) -> u64 {
        match from {
            Party::Witness => self.witness_typing,
            Party::Officer => self.officer_typing,
        }
    }

    pub fn seen(&self, from: Party) -> u64 {
        match from {
            Party::Witness => self.witness_seen,
            Party::Officer => self.officer_seen,
        }
    }
}

pub struct Hub {
    conversations: Mutex<HashMap<ConversationId, watch::Sender<Signal>>>,
    staff: watch::Sender<u64>,
    /// The dispatcher's wake-up: every queue change, and what only dispatch cares about.
    dispatch: watch::Sender<u64>,
    /// Where hints for the other nodes go, when the store is shared.
    outbox: OnceLock<mpsc::UnboundedSender<Hint>>,
}

impl Default for Hub {
    fn default() -> Self {
        Self {
            conversations: Mutex::new(HashMap::new()),
            staff: watch::channel(0).0,
            dispatch: watch::channel(0).0,
            outbox: OnceLock::new(),
        }
    }
}

impl Hub {
    pub fn subscribe(&self, id: ConversationId) -> watch::Receiver<Signal> {
        let Ok(mut map) = self.conversations.lock() else {
            return watch::channel(Signal::default()).1;
        };
        map.entry(id)
            .or_insert_with(|| watch::channel(Signal::default()).0)
            .subscribe()
    }

    fn bump(&self, id: ConversationId, change: impl FnOnce(&mut Signal)) {
        let Ok(mut map) = self.conversations.lock() else {
            return;
        };
        if let Some(tx) = map.get(&id) {
            if tx.receiver_count() == 0 {
                map.remove(&id);
            } else {
                tx.send_modify(change);
            }
        }
    }

    /// A thread event was committed.
    pub fn event(&self, id: ConversationId, seq: u64) {
        self.publish(Hint::Event {
            conversation: id,
            seq,
        });
    }

    /// The witness's token changed or the conversation was closed.
    pub fn epoch(&self, id: ConversationId) {
        self.publish(Hint::Epoch(id));
    }

    /// A note was added or the report saved (staff only).
    pub fn staff_change(&self, id: ConversationId) {
        self.publish(Hint::Staff(id));
    }

    /// The queue or the set of held conversations changed.
    pub fn queue_changed(&self) {
        self.publish(Hint::Queue);
    }

    /// Wakes the dispatcher without making every console re-read the queue (an officer's
    /// console came online: with a thousand consoles open, a queue signal per connection
    /// would make each of them re-read the queue a thousand times).
    pub fn dispatch_wake(&self) {
        self.publish(Hint::Dispatch);
    }

    /// One side is typing (ephemeral; the caller throttles).
    pub fn typing(&self, id: ConversationId, from: Party) {
        self.publish(Hint::Typing {
            conversation: id,
            from,
        });
    }

    /// One side has read the thread up to `seq` (ephemeral).
    pub fn seen(&self, id: ConversationId, from: Party, seq: u64) {
        self.publish(Hint::Seen {
            conversation: id,
            from,
            seq,
        });
    }

    /// Sends hints to the other nodes from now on.
    pub fn connect_outbox(&self, outbox: mpsc::UnboundedSender<Hint>) {
        let _ = self.outbox.set(outbox);
    }

    fn publish(&self, hint: Hint) {
        self.apply(hint);
        if let Some(outbox) = self.outbox.get() {
            let _ = outbox.send(hint);
        }
    }

    /// Applies a hint here only (one from another node, or our own).
    pub fn apply(&self, hint: Hint) {
        match hint {
            Hint::Event { conversation, seq } => {
                self.bump(conversation, |s| s.seq = s.seq.max(seq))
            }
            Hint::Epoch(id) => self.bump(id, |s| s.epoch += 1),
            Hint::Staff(id) => self.bump(id, |s| s.notes += 1),
            Hint::Queue => {
                self.staff.send_modify(|n| *n += 1);
                self.dispatch.send_modify(|n| *n += 1);
            }
            Hint::Dispatch => self.dispatch.send_modify(|n| *n += 1),
            Hint::Typing { conversation, from } => self.bump(conversation, |s| match from {
                Party::Witness => s.witness_typing += 1,
                Party::Officer => s.officer_typing += 1,
            }),
            Hint::Seen {
                conversation,
                from,
                seq,
            } => self.bump(conversation, |s| match from {
                Party::Witness => s.witness_seen = s.witness_seen.max(seq),
                Party::Officer => s.officer_seen = s.officer_seen.max(seq),
            }),
            Hint::Resync => {
                // A token may have changed too: bumping the epoch makes sockets re-check it.
                if let Ok(map) = self.conversations.lock() {
                    for tx in map.values() {
                        tx.send_modify(|s| {
                            s.epoch += 1;
                            s.notes += 1;
                        });
                    }
                }
                self.staff.send_modify(|n| *n += 1);
                self.dispatch.send_modify(|n| *n += 1);
            }
        }
    }

    /// The dispatcher's signal: queue changes and dispatch wake-ups.
    pub fn subscribe_dispatch(&self) -> watch::Receiver<u64> {
        self.dispatch.subscribe()
    }

    pub fn subscribe_queue(&self) -> watch::Receiver<u64> {
        self.staff.subscribe()
    }

    /// How many conversations have live subscribers (for tests and metrics).
    pub fn live_conversations(&self) -> usize {
        self.conversations
            .lock()
            .map(|m| m.values().filter(|tx| tx.receiver_count() > 0).count())
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn subscribers_see_the_latest_sequence_and_entries_are_dropped_when_unused() {
        let hub = Hub::default();
        let id = ConversationId::random(&mut rand::thread_rng());
        let mut rx = hub.subscribe(id);
        hub.event(id, 3);
        hub.event(id, 2);
        rx.changed().await.unwrap();
        assert_eq!(rx.borrow_and_update().seq, 3);
        drop(rx);
        hub.event(id, 4);
        assert_eq!(hub.live_conversations(), 0);
    }

    #[tokio::test]
    async fn typing_and_seen_marks_are_ephemeral_and_never_move_back() {
        let hub = Hub::default();
        let id = ConversationId::random(&mut rand::thread_rng());
        // Nobody listens: nothing is kept.
        hub.typing(id, Party::Witness);
        hub.seen(id, Party::Witness, 3);
        let mut rx = hub.subscribe(id);
        assert_eq!(*rx.borrow_and_update(), Signal::default());
        let before = *rx.borrow();
        hub.typing(id, Party::Witness);
        hub.seen(id, Party::Officer, 5);
        hub.seen(id, Party::Officer, 4);
        rx.changed().await.unwrap();
        let now = *rx.borrow_and_update();
        assert_eq!(
            (now.typing(Party::Witness), now.typing(Party::Officer)),
            (1, 0)
        );
        assert_eq!((now.seen(Party::Officer), now.seen(Party::Witness)), (5, 0));
        assert!(now.only_ephemeral_since(&before));
        hub.event(id, 9);
        rx.changed().await.unwrap();
        assert!(!rx.borrow_and_update().only_ephemeral_since(&now));
    }
}
