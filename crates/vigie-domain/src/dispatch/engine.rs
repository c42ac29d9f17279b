//! The engine: `plan` (push) and `take_next` (pull), both over the same settled view of a
//! snapshot. Rule: pure, deterministic (ties broken by id), every deadline strictly after `now`.

use super::{
    Alert, AlertReason, DispatchConfig, DispatchMode, Duty, HeldChat, Offer, Officer, Plan,
    Requeue, Snapshot, WaitingChat, WithdrawCause, Withdrawal,
};
use crate::clock::Timestamp;
use crate::ids::{ConversationId, StaffId};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

/// The dispatch order: priority (highest first), then longest wait, then id.
pub(super) fn dispatch_key(
    chat: &WaitingChat,
) -> (Reverse<super::Priority>, Timestamp, ConversationId) {
    (Reverse(chat.priority), chat.waiting_since, chat.id)
}

/// The snapshot once rules 1–3 of the module header are applied: what stays, what goes back.
pub(super) struct Settled<'a> {
    pub officers: BTreeMap<StaffId, &'a Officer>,
    /// Held chats plus live offers, per officer.
    pub load: BTreeMap<StaffId, u32>,
    pub live_offers: Vec<Offer>,
    pub offered: BTreeSet<ConversationId>,
    pub withdrawals: Vec<Withdrawal>,
    pub requeues: Vec<Requeue>,
    pub kept_held: Vec<&'a HeldChat>,
    /// Waiting chats (requeued ones included), in dispatch order, each once.
    pub queue: Vec<WaitingChat>,
    pub declines: BTreeSet<(ConversationId, StaffId)>,
    pub alerts: Vec<Alert>,
}

impl Settled<'_> {
    pub fn load_of(&self, officer: StaffId) -> u32 {
        self.load.get(&officer).copied().unwrap_or(0)
    }

    /// The decline rule: an officer who declined a chat is skipped, unless every officer on
    /// shift and alive declined it.
    pub fn may_get(
        &self,
        chat: ConversationId,
        officer: StaffId,
        now: Timestamp,
        config: &DispatchConfig,
    ) -> bool {
        !self.declines.contains(&(chat, officer))
            || self
                .officers
                .values()
                .filter(|o| o.takes_new_chats(now, config))
                .all(|o| self.declines.contains(&(chat, o.id)))
    }
}

pub(super) fn settle<'a>(
    snapshot: &'a Snapshot,
    now: Timestamp,
    config: &DispatchConfig,
) -> Settled<'a> {
    let officers: BTreeMap<StaffId, &Officer> =
        snapshot.officers.iter().map(|o| (o.id, o)).collect();
    let mut queue: Vec<WaitingChat> = Vec::with_capacity(snapshot.waiting.len());
    let mut queued: BTreeSet<ConversationId> = BTreeSet::new();
    for chat in &snapshot.waiting {
        if queued.insert(chat.id) {
            queue.push(chat.clone());
        }
    }
    let mut declines: BTreeSet<(ConversationId, StaffId)> = snapshot
        .declines
        .iter()
        .map(|d| (d.chat, d.officer))
        .collect();
    let mut load: BTreeMap<StaffId, u32> = BTreeMap::new();
    let mut alerts = Vec::new();

    // Rule 1: offers. Older offers first, so a duplicate is the younger one.
    let mut offers: Vec<&Offer> = snapshot.offers.iter().collect();
    offers.sort_by_key(|o| (o.expires_at, o.chat, o.officer));
    let mut live_offers = Vec::new();
    let mut offered = BTreeSet::new();
    let mut withdrawals = Vec::new();
    for offer in offers {
        let officer = officers.get(&offer.officer);
        let cause = if !queued.contains(&offer.chat) || offered.contains(&offer.chat) {
            Some(WithdrawCause::ChatGone)
        } else if !officer.is_some_and(|o| o.takes_new_chats(now, config)) {
            Some(WithdrawCause::OfficerUnavailable)
        } else if offer.expires_at <= now {
            Some(WithdrawCause::TimedOut)
        } else {
            None
        };
        match cause {
            Some(cause) => {
                if cause == WithdrawCause::TimedOut {
                    declines.insert((offer.chat, offer.officer));
                }
                withdrawals.push(Withdrawal {
                    offer: *offer,
                    cause,
                });
            }
            None => {
                offered.insert(offer.chat);
                *load.entry(offer.officer).or_default() += 1;
                live_offers.push(*offer);
            }
        }
    }

    // Rule 2: held chats.
    let mut kept_held = Vec::new();
    let mut requeues = Vec::new();
    let mut held_ids = BTreeSet::new();
    for held in &snapshot.held {
        if !held_ids.insert(held.chat) {
            continue;
        }
        let officer = officers.get(&held.officer);
        let reply_due = held.taken_at + config.first_reply_timeout;
        let fired = match officer {
            None => Some((AlertReason::OfficerLost, now)),
            Some(o) if !o.is_alive(now, config) => {
                Some((AlertReason::OfficerLost, o.last_seen + config.grace))
            }
            Some(o) if matches!(o.duty, Duty::OnBreak | Duty::OffDuty) => {
                Some((AlertReason::OfficerAway, now))
            }
            Some(_) if held.first_reply_at.is_none() && reply_due <= now => {
                Some((AlertReason::FirstReplyTimeout, reply_due))
            }
            Some(_) => None,
        };
        match fired {
            Some((reason, due_at)) => {
                declines.insert((held.chat, held.officer));
                alerts.push(Alert {
                    reason,
                    chat: held.chat,
                    officer: Some(held.officer),
                    due_at,
                });
                let entry = WaitingChat {
                    id: held.chat,
                    priority: held.priority,
                    waiting_since: held.waiting_since,
                    long_wait_alerted: true,
                };
                if queued.insert(held.chat) {
                    queue.push(entry.clone());
                }
                requeues.push(Requeue {
                    from: held.officer,
                    reason,
                    entry,
                });
            }
            None => {
                *load.entry(held.officer).or_default() += 1;
                kept_held.push(held);
            }
        }
    }
    // A chat both held and waiting is a store inconsistency: holding wins, it is not offered.
    let still_held: BTreeSet<ConversationId> = kept_held.iter().map(|h| h.chat).collect();
    queue.retain(|c| !still_held.contains(&c.id));

    // Rule 3: long waits, once per chat.
    for chat in &queue {
        let due = chat.waiting_since + config.response_target;
        if !chat.long_wait_alerted && due <= now {
            alerts.push(Alert {
                reason: AlertReason::LongWait,
                chat: chat.id,
                officer: None,
                due_at: due,
            });
        }
    }
    queue.sort_by_key(dispatch_key);

    Settled {
        officers,
        load,
        live_offers,
        offered,
        withdrawals,
        requeues,
        kept_held,
        queue,
        declines,
        alerts,
    }
}

/// What the store must do now, and when to run again. See the module header for the rules.
pub fn plan(snapshot: &Snapshot, now: Timestamp, config: &DispatchConfig) -> Plan {
    let mut settled = settle(snapshot, now, config);
    let mut offers = Vec::new();
    if config.mode == DispatchMode::Offer {
        offers = new_offers(&mut settled, now, config);
    }
    let next_deadline = next_deadline(&settled, &offers, now, config);
    Plan {
        withdrawals: settled.withdrawals,
        requeues: settled.requeues,
        offers,
        alerts: settled.alerts,
        next_deadline,
    }
}

/// Rule 4: each unoffered chat, in dispatch order, to the best eligible officer it may go to.
fn new_offers(settled: &mut Settled<'_>, now: Timestamp, config: &DispatchConfig) -> Vec<Offer> {
    let eligible: Vec<&Officer> = settled
        .officers
        .values()
        .copied()
        .filter(|o| o.takes_new_chats(now, config))
        .collect();
    let mut last_assigned: BTreeMap<StaffId, Option<Timestamp>> =
        eligible.iter().map(|o| (o.id, o.last_assigned)).collect();
    let mut offers = Vec::new();
    for chat in &settled.queue {
        if settled.offered.contains(&chat.id) {
            continue;
        }
        let free: Vec<&Officer> = eligible
            .iter()
            .copied()
            .filter(|o| settled.load_of(o.id) < o.capacity)
            .collect();
        if free.is_empty() {
            break;
        }
        let best = free
            .into_iter()
            .filter(|o| settled.may_get(chat.id, o.id, now, config))
            .min_by_key(|o| {
                let rotation = last_assigned.get(&o.id).copied().flatten();
                (settled.load_of(o.id), rotation, o.id)
            });
        if let Some(officer) = best {
            *settled.load.entry(officer.id).or_default() += 1;
            last_assigned.insert(officer.id, Some(now));
            offers.push(Offer {
                chat: chat.id,
                officer: officer.id,
                expires_at: now + config.offer_timeout,
            });
        }
    }
    for offer in &offers {
        settled.offered.insert(offer.chat);
    }
    offers
}

/// Rule 5: the earliest instant, after `now`, at which a plan would do something.
fn next_deadline(
    settled: &Settled<'_>,
    new_offers: &[Offer],
    now: Timestamp,
    config: &DispatchConfig,
) -> Option<Timestamp> {
    let offers = settled.live_offers.iter().chain(new_offers);
    let alerted: BTreeSet<ConversationId> = settled.alerts.iter().map(|a| a.chat).collect();
    let mut busy: BTreeSet<StaffId> = offers.clone().map(|o| o.officer).collect();
    busy.extend(settled.kept_held.iter().map(|h| h.officer));
    let expiries = offers.map(|o| o.expires_at);
    let replies = settled
        .kept_held
        .iter()
        .filter(|h| h.first_reply_at.is_none())
        .map(|h| h.taken_at + config.first_reply_timeout);
    let waits = settled
        .queue
        .iter()
        .filter(|c| !c.long_wait_alerted && !alerted.contains(&c.id))
        .map(|c| c.waiting_since + config.response_target);
    let losses = busy
        .iter()
        .filter_map(|id| settled.officers.get(id))
        .map(|o| o.last_seen + config.grace);
    expiries
        .chain(replies)
        .chain(waits)
        .chain(losses)
        .filter(|t| *t > now)
        .min()
}

/// The chat this officer should take now, if any: their own best offer first (taking it accepts
/// it), otherwise, when they are eligible, the first chat in dispatch order not under a live
/// offer and not declined by them (same decline rule as offers).
pub fn take_next(
    snapshot: &Snapshot,
    officer: StaffId,
    now: Timestamp,
    config: &DispatchConfig,
) -> Option<ConversationId> {
    let settled = settle(snapshot, now, config);
    let me = settled.officers.get(&officer)?;
    if !me.takes_new_chats(now, config) {
        return None;
    }
    let mine: BTreeSet<ConversationId> = settled
        .live_offers
        .iter()
        .filter(|o| o.officer == officer)
        .map(|o| o.chat)
        .collect();
    if let Some(chat) = settled.queue.iter().find(|c| mine.contains(&c.id)) {
        return Some(chat.id);
    }
    if settled.load_of(officer) >= me.capacity {
        return None;
    }
    settled
        .queue
        .iter()
        .find(|c| !settled.offered.contains(&c.id) && settled.may_get(c.id, officer, now, config))
        .map(|c| c.id)
}
