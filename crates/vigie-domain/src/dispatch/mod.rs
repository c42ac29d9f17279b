//! Dispatch: which officer gets which waiting conversation, and when. A pure function of a
//! snapshot of the store, run inside the store's transaction; no timers, no I/O.
//!
//! This header is the specification the store and the web layer follow.
//!
//! # When to run
//! The store calls [`plan`] after every event that changes capacity: a new chat, a chat closed,
//! an officer going on shift, a break over, a duty change, a claim, a handover, an offer declined,
//! a heartbeat that brings a lost officer back, and the wake-up at [`Plan::next_deadline`]. It
//! applies the whole plan in the same transaction ([`Snapshot::apply`] is the reference
//! semantics), then re-arms its single wake-up timer at `next_deadline`. Ordinary heartbeats are
//! not events: while an officer holds a chat, their loss deadline wakes the runtime about once
//! per grace period, and a wake-up that finds fresh heartbeats only re-arms the timer. Shift
//! starts, breaks and shift ends come from the roster: the runtime schedules those itself.
//!
//! # Officers: three separate notions
//! - **Duty** ([`Duty`]): `on_shift` (takes new chats), `draining` (end of shift or a break
//!   requested: no new chats, finish or hand over what is held), `on_break`, `off_duty`.
//! - **Liveness**: `last_seen` is the last heartbeat. An officer is *alive* while
//!   `now < last_seen + grace` (default 45 s). Within the grace a disconnect changes nothing: chats
//!   stay held and the officer stays eligible.
//! - **Workload**: held chats plus pending offers, against the officer's own `capacity`
//!   (default [`DEFAULT_CAPACITY`]). A pending offer reserves its slot.
//!
//! An officer is *eligible* for a new chat when on shift, alive, and below capacity.
//!
//! # Deadlines fire at their instant
//! At `t == deadline` the thing has happened: an offer with `expires_at <= now` is expired, an
//! officer with `last_seen + grace <= now` is lost, a chat taken at `t0` without a reply is due
//! back at `t0 + first_reply_timeout`. So every deadline of the state left by a plan is strictly
//! after `now`, and waking exactly then is enough (no polling, no off-by-one wake-ups).
//!
//! # The rules, in the order [`plan`] applies them
//! 1. **Offers** ([`Withdrawal`]): an offer is withdrawn when it times out (`expires_at <= now`;
//!    the officer is then remembered as having declined the chat), when its officer is no longer
//!    on shift and alive (not remembered), or when its chat is no longer waiting or already has
//!    an older offer (a store inconsistency; not remembered). A chat has at most one pending offer.
//! 2. **Held chats** ([`Requeue`]): a held chat goes back to the queue, with its original
//!    `waiting_since` and priority (never penalised), its holder remembered as a decliner, and a
//!    supervisor alert, when its holder is lost (past the grace: every chat they hold, answered
//!    or not, since a witness must never talk to nobody), when its holder is on break or off duty
//!    (drain first), or when the holder has not replied within `first_reply_timeout` of taking it.
//!    Each holding has its own first-reply clock, starting when that officer took the chat.
//! 3. **Alerts** ([`Alert`]): a requeue raises one alert; a chat waiting past `response_target`
//!    raises one `long_wait` alert, once ([`WaitingChat::long_wait_alerted`]). A chat that comes
//!    back to the queue already raised its alert or was answered, so it does not raise another.
//! 4. **New offers** (offer mode only): waiting chats without an offer, in dispatch order —
//!    priority, highest first, then longest wait (`waiting_since`), then id — each to the best
//!    eligible officer: least loaded, then the one assigned longest ago ([`Officer::last_assigned`];
//!    never assigned comes first), then id. An officer who declined the chat (or let an offer of it expire, or
//!    lost it by a requeue) is skipped while anyone on shift and alive has not declined it; if
//!    every such officer has declined it, the memory no longer excludes anyone, so the chat does
//!    not sit forever while someone could take it. Offers expire `offer_timeout` after `now`.
//! 5. **Next deadline**: the earliest of the pending offers' expiry, the first-reply deadlines of
//!    unanswered held chats, the long-wait deadlines of waiting chats not yet alerted, and the
//!    loss deadline (`last_seen + grace`) of every officer who holds a chat or an offer.
//!
//! It follows that after a plan is applied (offer mode), no chat waits unoffered while an
//! eligible officer exists, unless every eligible officer declined it; and in either mode,
//! running [`plan`] again at the same instant changes nothing.
//!
//! # State changes
//! The store's rows follow the reference mutations on [`Snapshot`]: [`Snapshot::apply`] (a plan),
//! [`Snapshot::claim`] (accept an offer or take a chat), [`Snapshot::decline`],
//! [`Snapshot::record_reply`] (the holder's first message), [`Snapshot::apply_handover`] and
//! [`Snapshot::close`] (which also forgets the chat's decline memory). Each keeps every
//! conversation in exactly one of {waiting (offered or not), held, closed}.
//!
//! # Take next (pull)
//! [`take_next`] answers an officer who asks for work, in either mode: first the best chat on
//! offer to them (taking it accepts the offer), otherwise, if they are eligible, the first chat
//! in dispatch order that is not under a live offer to someone else and that they did not
//! decline (same decline rule as offers). [`Snapshot::claim`] is the rule for taking a chat.
//!
//! # Warm handover
//! [`handover()`] validates a transfer of a held chat by its holder, with a mandatory note: to a
//! named colleague (on shift, alive, below capacity; the receiver's first-reply clock starts at
//! the handover) or back to the queue (original `waiting_since` and priority kept, the giver
//! remembered as a decliner). The witness only sees that the conversation goes on.
//!
//! # What the witness is told
//! [`queue_position`] is the 1-based rank in dispatch order; [`estimated_wait`] turns it into
//! "position × median recent handling time ÷ slots on duty", capped at [`MAX_ESTIMATE`], and
//! `None` when nobody is on duty (the witness is then told to leave their information now and
//! come back with the receipt code).
//!
//! # Response-time figures
//! [`response_figures`] computes, per hour or day, counts, medians and 90th percentiles of time to
//! first officer reply, waiting and handling time, and breaches of the target: a chat breaches
//! when the witness went longer than `response_target` without an officer's reply (a late first
//! reply, or none before the chat closed or before now). [`figures_by_hour_of_day`] puts every
//! day's same hour together (when in the day witnesses wait), [`overall_figures`] the whole set.

mod apply;
mod engine;
mod estimate;
mod figures;
mod handover;
mod roster;

#[cfg(test)]
mod fixture;
#[cfg(test)]
mod props;
#[cfg(test)]
mod sim;
#[cfg(test)]
mod tests;

pub use apply::ClaimError;
pub use engine::{plan, take_next};
pub use estimate::{
    estimated_wait, on_duty_capacity, queue_position, DEFAULT_HANDLING, MAX_ESTIMATE,
};
pub use figures::{
    figures_by_hour_of_day, overall_figures, response_figures, ChatTimes, Period, PeriodFigures,
    Spread,
};
pub use handover::{handover, Handover, HandoverError, HandoverTarget};
pub use roster::{roster_duty, RosterState};

use crate::clock::Timestamp;
use crate::ids::{ConversationId, StaffId};
use crate::Invalid;
use serde::{Deserialize, Serialize};
use time::Duration;

/// Chats an officer holds at once unless set otherwise.
pub const DEFAULT_CAPACITY: u32 = 3;

choice!(
    /// How urgent a waiting chat is; declared lowest first, so `Ord` follows urgency.
    Priority {
        Normal = "normal",
        Raised = "raised",
        WeaponsViolence = "weapons_violence",
        ImminentDanger = "imminent_danger",
    }
);

impl Priority {
    /// The integer the store keeps (`ORDER BY priority DESC`): 0, 1, 2, 3.
    pub fn level(self) -> i32 {
        match self {
            Self::Normal => 0,
            Self::Raised => 1,
            Self::WeaponsViolence => 2,
            Self::ImminentDanger => 3,
        }
    }

    pub fn from_level(level: i64) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|p| i64::from(p.level()) == level)
    }
}

choice!(
    /// An officer's duty status, set by the officer, the supervisor or the roster.
    Duty {
        OnShift = "on_shift",
        Draining = "draining",
        OnBreak = "on_break",
        OffDuty = "off_duty",
    }
);

choice!(
    /// Push (the engine offers chats) or pull (officers ask for the next chat).
    DispatchMode { Offer = "offer", TakeNext = "take_next" }
);

choice!(
    /// Why a supervisor is alerted.
    AlertReason {
        FirstReplyTimeout = "first_reply_timeout",
        OfficerLost = "officer_lost",
        OfficerAway = "officer_away",
        LongWait = "long_wait",
    }
);

choice!(
    /// Why a pending offer ends without being accepted.
    WithdrawCause {
        TimedOut = "timed_out",
        OfficerUnavailable = "officer_unavailable",
        ChatGone = "chat_gone",
    }
);

/// The dispatch settings. Every duration is positive: a value that exists is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DispatchConfig {
    mode: DispatchMode,
    offer_timeout: Duration,
    grace: Duration,
    first_reply_timeout: Duration,
    response_target: Duration,
}

impl Default for DispatchConfig {
    fn default() -> Self {
        Self {
            mode: DispatchMode::Offer,
            offer_timeout: Duration::seconds(30),
            grace: Duration::seconds(45),
            first_reply_timeout: Duration::minutes(3),
            response_target: Duration::minutes(2),
        }
    }
}

impl DispatchConfig {
    pub fn new(
        mode: DispatchMode,
        offer_timeout: Duration,
        grace: Duration,
        first_reply_timeout: Duration,
        response_target: Duration,
    ) -> Result<Self, Invalid> {
        let durations = [offer_timeout, grace, first_reply_timeout, response_target];
        if durations.iter().any(|d| !d.is_positive()) {
            return Err(Invalid::new("dispatch-duration-not-positive"));
        }
        Ok(Self {
            mode,
            offer_timeout,
            grace,
            first_reply_timeout,
            response_target,
        })
    }

    pub fn mode(&self) -> DispatchMode {
        self.mode
    }
    /// How long an officer has to accept an offer (default 30 s).
    pub fn offer_timeout(&self) -> Duration {
        self.offer_timeout
    }
    /// How long after the last heartbeat an officer still counts as connected (default 45 s).
    pub fn grace(&self) -> Duration {
        self.grace
    }
    /// How long a new holder has to send a first reply (default 3 min).
    pub fn first_reply_timeout(&self) -> Duration {
        self.first_reply_timeout
    }
    /// The response-time target: first officer reply within this of creation (default 2 min).
    pub fn response_target(&self) -> Duration {
        self.response_target
    }
}

/// One officer as dispatch sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Officer {
    pub id: StaffId,
    pub duty: Duty,
    /// The last heartbeat.
    pub last_seen: Timestamp,
    /// Chats held at once, pending offers included.
    pub capacity: u32,
    /// When this officer was last given a chat (offer made, chat taken or handed over to them):
    /// the fair rotation between equally loaded officers. `None` comes first.
    pub last_assigned: Option<Timestamp>,
}

impl Officer {
    /// Connected, within the grace.
    pub fn is_alive(&self, now: Timestamp, config: &DispatchConfig) -> bool {
        now < self.last_seen + config.grace
    }

    /// On shift and alive: may receive new chats if below capacity.
    pub fn takes_new_chats(&self, now: Timestamp, config: &DispatchConfig) -> bool {
        self.duty == Duty::OnShift && self.is_alive(now, config)
    }
}

/// A conversation in the queue (with or without a pending offer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitingChat {
    pub id: ConversationId,
    pub priority: Priority,
    /// When it first entered the queue; kept when it comes back.
    pub waiting_since: Timestamp,
    /// The long-wait alert has been raised (or is not due: it came back to the queue).
    pub long_wait_alerted: bool,
}

/// A chat proposed to one officer until `expires_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    pub chat: ConversationId,
    pub officer: StaffId,
    pub expires_at: Timestamp,
}

/// A chat an officer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldChat {
    pub chat: ConversationId,
    pub officer: StaffId,
    pub priority: Priority,
    /// The original queue entry time, restored if the chat goes back.
    pub waiting_since: Timestamp,
    /// When this officer took it (accept, take, or handover to them).
    pub taken_at: Timestamp,
    /// This holder's first message to the witness.
    pub first_reply_at: Option<Timestamp>,
}

/// "This officer declined this chat, or let its offer expire, or lost it": not offered to them
/// again while someone else on shift has not declined it. Forgotten when the chat closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Decline {
    pub chat: ConversationId,
    pub officer: StaffId,
}

/// What dispatch reads: the store's current truth, inside its transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub officers: Vec<Officer>,
    pub waiting: Vec<WaitingChat>,
    pub offers: Vec<Offer>,
    pub held: Vec<HeldChat>,
    pub declines: Vec<Decline>,
}

/// A pending offer that ends without being accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawal {
    pub offer: Offer,
    pub cause: WithdrawCause,
}

impl Withdrawal {
    /// A timed-out offer counts as a decline by its officer.
    pub fn remembered(&self) -> bool {
        self.cause == WithdrawCause::TimedOut
    }
}

/// A held chat that goes back to the queue as `entry`; its former holder is remembered as a
/// decliner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requeue {
    pub from: StaffId,
    pub reason: AlertReason,
    pub entry: WaitingChat,
}

/// Something a supervisor must see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub reason: AlertReason,
    pub chat: ConversationId,
    pub officer: Option<StaffId>,
    /// The instant the rule fired (the deadline), not the instant the plan ran.
    pub due_at: Timestamp,
}

/// What the store must do, in this order: withdrawals, requeues, offers, alerts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub withdrawals: Vec<Withdrawal>,
    pub requeues: Vec<Requeue>,
    pub offers: Vec<Offer>,
    pub alerts: Vec<Alert>,
    /// When to run dispatch again if nothing else happens first; always after `now`.
    pub next_deadline: Option<Timestamp>,
}

impl Plan {
    /// Nothing to do (a deadline may still be set).
    pub fn is_quiet(&self) -> bool {
        self.withdrawals.is_empty()
            && self.requeues.is_empty()
            && self.offers.is_empty()
            && self.alerts.is_empty()
    }
}
