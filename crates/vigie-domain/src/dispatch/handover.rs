//! Warm handover: the holder passes a live chat to a named colleague or back to the queue, with
//! a note for whoever takes it. Rule: validated against the snapshot, returned as data; the store
//! persists it (the note as an internal note, never a witness-visible event).

use super::engine::settle;
use super::{DispatchConfig, Duty, HeldChat, Snapshot, WaitingChat};
use crate::clock::Timestamp;
use crate::ids::{ConversationId, StaffId};
use crate::message::NoteBody;
use crate::Invalid;
use serde::Serialize;

/// Where the chat goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum HandoverTarget {
    /// The receiver now holds it; their first-reply clock starts at the handover.
    Colleague(HeldChat),
    /// Back in the queue at its original `waiting_since` and priority.
    Queue(WaitingChat),
}

/// A validated handover, ready for [`Snapshot::apply_handover`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Handover {
    pub chat: ConversationId,
    pub from: StaffId,
    pub note: NoteBody,
    pub target: HandoverTarget,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandoverError {
    #[error("a handover needs a note: {0}")]
    Note(Invalid),
    #[error("the officer does not hold this conversation")]
    NotHolder,
    #[error("the receiver is the giver")]
    SameOfficer,
    #[error("unknown receiver")]
    UnknownReceiver,
    #[error("the receiver is not on shift")]
    ReceiverNotOnShift,
    #[error("the receiver is not connected")]
    ReceiverUnreachable,
    #[error("the receiver is at capacity")]
    ReceiverFull,
}

impl HandoverError {
    /// Stable key, translated by the web layer.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Note(invalid) => invalid.code,
            Self::NotHolder => "handover-not-holder",
            Self::SameOfficer => "handover-same-officer",
            Self::UnknownReceiver => "handover-unknown-receiver",
            Self::ReceiverNotOnShift => "handover-receiver-not-on-shift",
            Self::ReceiverUnreachable => "handover-receiver-unreachable",
            Self::ReceiverFull => "handover-receiver-full",
        }
    }
}

/// Validates a handover of `chat` by its holder `from` to `to` (`None`: back to the queue).
/// The receiver must be on shift, connected and below capacity (pending offers count); the note
/// must be a valid, non-empty [`NoteBody`]. A chat that dispatch is about to take back (holder
/// lost, first reply overdue) is no longer the giver's to hand over.
pub fn handover(
    snapshot: &Snapshot,
    chat: ConversationId,
    from: StaffId,
    to: Option<StaffId>,
    note: &str,
    now: Timestamp,
    config: &DispatchConfig,
) -> Result<Handover, HandoverError> {
    let note = NoteBody::parse(note).map_err(HandoverError::Note)?;
    let settled = settle(snapshot, now, config);
    let held = settled
        .kept_held
        .iter()
        .find(|h| h.chat == chat && h.officer == from)
        .ok_or(HandoverError::NotHolder)?;
    let target = match to {
        None => HandoverTarget::Queue(WaitingChat {
            id: chat,
            priority: held.priority,
            waiting_since: held.waiting_since,
            long_wait_alerted: true,
        }),
        Some(to) if to == from => return Err(HandoverError::SameOfficer),
        Some(to) => {
            let receiver = settled
                .officers
                .get(&to)
                .ok_or(HandoverError::UnknownReceiver)?;
            if receiver.duty != Duty::OnShift {
                return Err(HandoverError::ReceiverNotOnShift);
            }
            if !receiver.is_alive(now, config) {
                return Err(HandoverError::ReceiverUnreachable);
            }
            if settled.load_of(to) >= receiver.capacity {
                return Err(HandoverError::ReceiverFull);
            }
            HandoverTarget::Colleague(HeldChat {
                chat,
                officer: to,
                priority: held.priority,
                waiting_since: held.waiting_since,
                taken_at: now,
                first_reply_at: None,
            })
        }
    };
    Ok(Handover {
        chat,
        from,
        note,
        target,
    })
}
