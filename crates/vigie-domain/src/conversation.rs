//! The live conversation: its states, who writes in it, how it ends.

use serde::{Deserialize, Serialize};

/// `Waiting` in the queue → `Active` with one officer → `Closed`. Nothing leaves `Closed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationState {
    Waiting,
    Active,
    Closed,
}

impl ConversationState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Active => "active",
            Self::Closed => "closed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Waiting, Self::Active, Self::Closed]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }

    /// Whether anyone may still write in the thread.
    pub fn is_open(self) -> bool {
        self != Self::Closed
    }
}

/// Who wrote an event, as the witness sees it: never an officer's name or id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Author {
    Witness,
    Officer,
    System,
}

impl Author {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Witness => "witness",
            Self::Officer => "officer",
            Self::System => "system",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Witness, Self::Officer, Self::System]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }
}

/// The kinds of event in the witness-visible thread. Internal notes are not events: they live
/// apart, so no path that serves the thread can serve a note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A chat message (witness or officer).
    Message,
    /// An officer took the conversation.
    OfficerJoined,
    /// The conversation was closed by the witness or by an officer.
    Closed,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Message => "message",
            Self::OfficerJoined => "officer_joined",
            Self::Closed => "closed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Message, Self::OfficerJoined, Self::Closed]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }
}

/// How an officer ends a conversation that does not become a qualified report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseOutcome {
    /// Sent to the emergency services (17 / 112).
    RedirectedEmergency,
    /// Not for this platform (for example online content, which goes to PHAROS).
    OutOfScope,
    /// Irrelevant or malicious.
    Rejected,
}

impl CloseOutcome {
    pub const ALL: [CloseOutcome; 3] =
        [Self::RedirectedEmergency, Self::OutOfScope, Self::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::RedirectedEmergency => "redirected_emergency",
            Self::OutOfScope => "out_of_scope",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use crate::ReportState;
    use proptest::prelude::*;

    proptest! {
        /// The closed sets read back from the store or a query: never a panic, and a value is
        /// only ever its own name.
        #[test]
        fn closed_sets_parse_only_their_names(raw in prop_oneof![any::<String>(), "[a-z_]{0,24}", "(waiting|active|closed|witness|officer|system|message|in_chat|qualified|purged)[ ]?"]) {
            if let Some(v) = ConversationState::parse(&raw) { prop_assert_eq!(v.as_str(), raw.as_str()); }
            if let Some(v) = Author::parse(&raw) { prop_assert_eq!(v.as_str(), raw.as_str()); }
            if let Some(v) = EventKind::parse(&raw) { prop_assert_eq!(v.as_str(), raw.as_str()); }
            if let Some(v) = CloseOutcome::parse(&raw) { prop_assert_eq!(v.as_str(), raw.as_str()); }
            if let Some(v) = ReportState::parse(&raw) { prop_assert_eq!(v.as_str(), raw.as_str()); }
        }
    }

    #[test]
    fn closed_sets_round_trip() {
        for v in CloseOutcome::ALL {
            assert_eq!(CloseOutcome::parse(v.as_str()), Some(v));
        }
        for v in ReportState::ALL {
            assert_eq!(ReportState::parse(v.as_str()), Some(v));
        }
    }
}
