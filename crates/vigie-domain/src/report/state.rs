//! The life of a report, as `../shared/DOMAIN.md` draws it. Every move goes through
//! `ReportState::transition`, which refuses anything the diagram does not allow.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    InChat,
    Qualified,
    RedirectedEmergency,
    OutOfScope,
    Rejected,
    Graded,
    Routed,
    Corroborating,
    Corroborated,
    Unconfirmed,
    Disseminated,
    Acknowledged,
    OutcomeRecorded,
    Closed,
    Purged,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a report cannot go from {from:?} to {to:?}")]
pub struct TransitionError {
    pub from: ReportState,
    pub to: ReportState,
}

impl ReportState {
    pub const ALL: [ReportState; 15] = [
        Self::InChat,
        Self::Qualified,
        Self::RedirectedEmergency,
        Self::OutOfScope,
        Self::Rejected,
        Self::Graded,
        Self::Routed,
        Self::Corroborating,
        Self::Corroborated,
        Self::Unconfirmed,
        Self::Disseminated,
        Self::Acknowledged,
        Self::OutcomeRecorded,
        Self::Closed,
        Self::Purged,
    ];

    /// The moves the domain allows. Everything else is refused.
    pub fn may_become(self, to: ReportState) -> bool {
        use ReportState as S;
        matches!(
            (self, to),
            (
                S::InChat,
                S::Qualified | S::RedirectedEmergency | S::OutOfScope | S::Rejected
            ) | (S::Qualified, S::Graded | S::Rejected)
                | (S::Graded, S::Routed | S::Corroborating)
                | (S::Routed, S::Corroborating)
                | (S::Corroborating, S::Corroborated | S::Unconfirmed)
                | (S::Unconfirmed, S::Corroborating | S::Closed | S::Purged)
                | (S::Corroborated, S::Closed)
                | (S::Corroborated | S::Unconfirmed, S::Disseminated)
                | (S::Disseminated, S::Acknowledged)
                | (S::Acknowledged, S::OutcomeRecorded)
                | (S::OutcomeRecorded, S::OutcomeRecorded | S::Closed)
                | (
                    S::Closed | S::RedirectedEmergency | S::OutOfScope | S::Rejected,
                    S::Purged
                )
        )
    }

    pub fn transition(self, to: ReportState) -> Result<ReportState, TransitionError> {
        if self.may_become(to) {
            Ok(to)
        } else {
            Err(TransitionError { from: self, to })
        }
    }

    /// Whether the officer may still edit the facts.
    pub fn is_editable(self) -> bool {
        self == Self::InChat
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::InChat => "in_chat",
            Self::Qualified => "qualified",
            Self::RedirectedEmergency => "redirected_emergency",
            Self::OutOfScope => "out_of_scope",
            Self::Rejected => "rejected",
            Self::Graded => "graded",
            Self::Routed => "routed",
            Self::Corroborating => "corroborating",
            Self::Corroborated => "corroborated",
            Self::Unconfirmed => "unconfirmed",
            Self::Disseminated => "disseminated",
            Self::Acknowledged => "acknowledged",
            Self::OutcomeRecorded => "outcome_recorded",
            Self::Closed => "closed",
            Self::Purged => "purged",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_chat_ends_in_one_of_four_ways() {
        for to in [
            ReportState::Qualified,
            ReportState::RedirectedEmergency,
            ReportState::OutOfScope,
            ReportState::Rejected,
        ] {
            assert_eq!(ReportState::InChat.transition(to), Ok(to));
        }
    }

    #[test]
    fn illegal_moves_are_refused_with_both_states() {
        let err = ReportState::InChat
            .transition(ReportState::Disseminated)
            .unwrap_err();
        assert_eq!(
            err,
            TransitionError {
                from: ReportState::InChat,
                to: ReportState::Disseminated
            }
        );
        assert!(ReportState::Qualified
            .transition(ReportState::InChat)
            .is_err());
        assert!(ReportState::Rejected
            .transition(ReportState::Qualified)
            .is_err());
        // An unconfirmed report can be disseminated, but only as what it is; it never becomes corroborated
        // without a new round of checks.
        assert!(ReportState::Unconfirmed
            .transition(ReportState::Corroborated)
            .is_err());
    }

    #[test]
    fn purged_is_final_and_every_state_round_trips() {
        for s in ReportState::ALL {
            assert!(!ReportState::Purged.may_become(s));
            assert_eq!(ReportState::parse(s.as_str()), Some(s));
        }
    }

    fn any_state() -> impl Strategy<Value = ReportState> {
        proptest::sample::select(ReportState::ALL.to_vec())
    }

    proptest! {
        /// Walking any sequence of requested moves, the state only ever changes through allowed
        /// moves, and refused moves leave it unchanged.
        #[test]
        fn random_walks_only_take_allowed_edges(moves in proptest::collection::vec(any_state(), 0..40)) {
            let mut state = ReportState::InChat;
            for to in moves {
                match state.transition(to) {
                    Ok(next) => { prop_assert!(state.may_become(to)); state = next; }
                    Err(e) => { prop_assert!(!state.may_become(to)); prop_assert_eq!(e.from, state); }
                }
            }
        }

        /// Only `InChat` can still be edited, and nothing goes back to it.
        #[test]
        fn nothing_returns_to_the_chat(from in any_state()) {
            prop_assert!(!from.may_become(ReportState::InChat));
        }
    }
}
