//! The reference state changes: what the store's transaction does to its rows when it applies a
//! plan, a claim, a first reply, a handover or a close. Rule: each keeps every conversation in
//! exactly one of {waiting, held, gone}, and at most one offer per chat.

use super::engine::settle;
use super::{
    AlertReason, Decline, DispatchConfig, Handover, HandoverTarget, HeldChat, Plan, Snapshot,
};
use crate::clock::Timestamp;
use crate::ids::{ConversationId, StaffId};

/// Why an officer may not take a chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ClaimError {
    #[error("the conversation is not waiting")]
    NotWaiting,
    #[error("the officer is not on shift and connected")]
    OfficerUnavailable,
    #[error("the conversation is offered to another officer")]
    OfferedToAnother,
    #[error("the officer is at capacity")]
    AtCapacity,
}

impl ClaimError {
    /// Stable key, translated by the web layer.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotWaiting => "claim-not-waiting",
            Self::OfficerUnavailable => "claim-officer-unavailable",
            Self::OfferedToAnother => "claim-offered-to-another",
            Self::AtCapacity => "claim-at-capacity",
        }
    }
}

impl Snapshot {
    /// Held chats plus pending offers of one officer, as stored (before any plan).
    pub fn load_of(&self, officer: StaffId) -> usize {
        self.held.iter().filter(|h| h.officer == officer).count()
            + self.offers.iter().filter(|o| o.officer == officer).count()
    }

    fn remember(&mut self, chat: ConversationId, officer: StaffId) {
        let decline = Decline { chat, officer };
        if !self.declines.contains(&decline) {
            self.declines.push(decline);
        }
    }

    fn assigned(&mut self, officer: StaffId, now: Timestamp) {
        if let Some(o) = self.officers.iter_mut().find(|o| o.id == officer) {
            o.last_assigned = Some(now);
        }
    }

    /// Applies a plan made for this snapshot at `now`, in the plan's order.
    pub fn apply(&mut self, plan: &Plan, now: Timestamp) {
        for w in &plan.withdrawals {
            if let Some(i) = self.offers.iter().position(|o| *o == w.offer) {
                self.offers.remove(i);
            }
            if w.remembered() {
                self.remember(w.offer.chat, w.offer.officer);
            }
        }
        for r in &plan.requeues {
            self.held.retain(|h| h.chat != r.entry.id);
            if !self.waiting.iter().any(|w| w.id == r.entry.id) {
                self.waiting.push(r.entry.clone());
            }
            self.remember(r.entry.id, r.from);
        }
        for offer in &plan.offers {
            self.offers.push(*offer);
            self.assigned(offer.officer, now);
        }
        for alert in plan
            .alerts
            .iter()
            .filter(|a| a.reason == AlertReason::LongWait)
        {
            if let Some(w) = self.waiting.iter_mut().find(|w| w.id == alert.chat) {
                w.long_wait_alerted = true;
            }
        }
    }

    /// An officer takes a waiting chat: by accepting their offer of it, or by taking it from the
    /// queue (take next, or a pick) when it is not under a live offer to someone else and they
    /// are below capacity. Every offer of the chat ends.
    pub fn claim(
        &mut self,
        chat: ConversationId,
        officer: StaffId,
        now: Timestamp,
        config: &DispatchConfig,
    ) -> Result<(), ClaimError> {
        let settled = settle(self, now, config);
        let entry = settled
            .queue
            .iter()
            .find(|c| c.id == chat)
            .filter(|_| self.waiting.iter().any(|w| w.id == chat))
            .cloned()
            .ok_or(ClaimError::NotWaiting)?;
        let me = settled
            .officers
            .get(&officer)
            .filter(|o| o.takes_new_chats(now, config))
            .ok_or(ClaimError::OfficerUnavailable)?;
        let offer = settled.live_offers.iter().find(|o| o.chat == chat);
        match offer {
            Some(o) if o.officer == officer => {}
            Some(_) => return Err(ClaimError::OfferedToAnother),
            None if settled.load_of(officer) >= me.capacity => return Err(ClaimError::AtCapacity),
            None => {}
        }
        self.waiting.retain(|w| w.id != chat);
        self.offers.retain(|o| o.chat != chat);
        self.held.push(HeldChat {
            chat,
            officer,
            priority: entry.priority,
            waiting_since: entry.waiting_since,
            taken_at: now,
            first_reply_at: None,
        });
        self.assigned(officer, now);
        Ok(())
    }

    /// The officer declines their pending offer of a chat: the offer ends and the decline is
    /// remembered. False when there was no such offer.
    pub fn decline(&mut self, chat: ConversationId, officer: StaffId) -> bool {
        let before = self.offers.len();
        self.offers
            .retain(|o| !(o.chat == chat && o.officer == officer));
        let found = self.offers.len() != before;
        if found {
            self.remember(chat, officer);
        }
        found
    }

    /// The holder's first message to the witness. False when this officer does not hold the chat.
    pub fn record_reply(&mut self, chat: ConversationId, officer: StaffId, now: Timestamp) -> bool {
        match self
            .held
            .iter_mut()
            .find(|h| h.chat == chat && h.officer == officer)
        {
            Some(h) => {
                h.first_reply_at.get_or_insert(now);
                true
            }
            None => false,
        }
    }

    /// A validated handover (see [`super::handover()`]).
    pub fn apply_handover(&mut self, handover: &Handover, now: Timestamp) {
        self.held.retain(|h| h.chat != handover.chat);
        match &handover.target {
            HandoverTarget::Colleague(held) => {
                self.held.push(*held);
                self.assigned(held.officer, now);
            }
            HandoverTarget::Queue(entry) => {
                self.offers.retain(|o| o.chat != handover.chat);
                if !self.waiting.iter().any(|w| w.id == handover.chat) {
                    self.waiting.push(entry.clone());
                }
                self.remember(handover.chat, handover.from);
            }
        }
    }

    /// The conversation ends (witness or officer closed it): it leaves dispatch entirely and its
    /// decline memory is forgotten. False when dispatch did not know it.
    pub fn close(&mut self, chat: ConversationId) -> bool {
        let known =
            self.waiting.iter().any(|w| w.id == chat) || self.held.iter().any(|h| h.chat == chat);
        self.waiting.retain(|w| w.id != chat);
        self.offers.retain(|o| o.chat != chat);
        self.held.retain(|h| h.chat != chat);
        self.declines.retain(|d| d.chat != chat);
        known
    }
}
