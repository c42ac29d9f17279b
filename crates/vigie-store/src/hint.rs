//! Hints between nodes: "something changed in this conversation", never the data itself. A
//! node that receives one reads from the store what its clients have not seen; a node that
//! misses one catches up on the next, or on a `Resync` after its listener reconnects.
//!
//! `Typing` and `Seen` are the exception: ephemeral signals with nothing behind them in the
//! store (issue 6). They are never written anywhere; a lost one is simply not shown.

use std::fmt;
use std::str::FromStr;
use vigie_domain::ConversationId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    /// A thread event was committed with this sequence number.
    Event {
        conversation: ConversationId,
        seq: u64,
    },
    /// The witness's token changed (resume) or was revoked (the witness left).
    Epoch(ConversationId),
    /// Staff-side change: a note, a report saved, a case closed.
    Staff(ConversationId),
    /// The queue changed (consoles re-read it; the dispatcher runs).
    Queue,
    /// Something dispatch depends on changed that no console shows (an officer's console came
    /// online): the dispatcher runs, the consoles are left alone.
    Dispatch,
    /// Hints may have been lost (the listener reconnected): everyone re-reads.
    Resync,
    /// Ephemeral: one side of the conversation is typing.
    Typing {
        conversation: ConversationId,
        from: Party,
    },
    /// Ephemeral: one side has read the thread up to this sequence number.
    Seen {
        conversation: ConversationId,
        from: Party,
        seq: u64,
    },
}

/// The two sides of a conversation, for the ephemeral signals. "Officer" is any staff member
/// on the case: the witness never learns who.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Party {
    Witness,
    Officer,
}

impl Party {
    pub fn as_str(self) -> &'static str {
        match self {
            Party::Witness => "witness",
            Party::Officer => "officer",
        }
    }

    /// The side that hears this one.
    pub fn other(self) -> Party {
        match self {
            Party::Witness => Party::Officer,
            Party::Officer => Party::Witness,
        }
    }

    fn code(self) -> char {
        match self {
            Party::Witness => 'w',
            Party::Officer => 'o',
        }
    }

    fn from_code(code: &str) -> Result<Party, ()> {
        match code {
            "w" => Ok(Party::Witness),
            "o" => Ok(Party::Officer),
            _ => Err(()),
        }
    }
}

impl fmt::Display for Hint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Hint::Event { conversation, seq } => write!(f, "e:{conversation}:{seq}"),
            Hint::Epoch(c) => write!(f, "t:{c}"),
            Hint::Staff(c) => write!(f, "s:{c}"),
            Hint::Queue => f.write_str("q"),
            Hint::Dispatch => f.write_str("d"),
            Hint::Resync => f.write_str("r"),
            Hint::Typing { conversation, from } => write!(f, "y:{conversation}:{}", from.code()),
            Hint::Seen {
                conversation,
                from,
                seq,
            } => write!(f, "v:{conversation}:{}:{seq}", from.code()),
        }
    }
}

impl FromStr for Hint {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        let mut parts = s.split(':');
        let kind = parts.next().ok_or(())?;
        let mut id = || {
            parts
                .next()
                .ok_or(())
                .and_then(|p| p.parse::<ConversationId>().map_err(|_| ()))
        };
        let hint = match kind {
            "e" => {
                let conversation = id()?;
                let seq = parts.next().ok_or(())?.parse().map_err(|_| ())?;
                Hint::Event { conversation, seq }
            }
            "t" => Hint::Epoch(id()?),
            "s" => Hint::Staff(id()?),
            "q" => Hint::Queue,
            "d" => Hint::Dispatch,
            "r" => Hint::Resync,
            "y" => {
                let conversation = id()?;
                let from = Party::from_code(parts.next().ok_or(())?)?;
                Hint::Typing { conversation, from }
            }
            "v" => {
                let conversation = id()?;
                let from = Party::from_code(parts.next().ok_or(())?)?;
                let seq = parts.next().ok_or(())?.parse().map_err(|_| ())?;
                Hint::Seen {
                    conversation,
                    from,
                    seq,
                }
            }
            _ => return Err(()),
        };
        Ok(hint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_round_trip_and_garbage_is_refused() {
        let c: ConversationId = "6f1c2d4e-8a9b-4c3d-9e8f-0a1b2c3d4e5f".parse().unwrap();
        for hint in [
            Hint::Event {
                conversation: c,
                seq: 42,
            },
            Hint::Epoch(c),
            Hint::Staff(c),
            Hint::Queue,
            Hint::Dispatch,
            Hint::Resync,
            Hint::Typing {
                conversation: c,
                from: Party::Witness,
            },
            Hint::Seen {
                conversation: c,
                from: Party::Officer,
                seq: 7,
            },
        ] {
            assert_eq!(hint.to_string().parse::<Hint>(), Ok(hint));
        }
        for bad in [
            "",
            "x",
            "e:nope:1",
            "e:6f1c2d4e-8a9b-4c3d-9e8f-0a1b2c3d4e5f",
            "t:",
            "y:6f1c2d4e-8a9b-4c3d-9e8f-0a1b2c3d4e5f",
            "y:6f1c2d4e-8a9b-4c3d-9e8f-0a1b2c3d4e5f:x",
            "v:6f1c2d4e-8a9b-4c3d-9e8f-0a1b2c3d4e5f:w",
        ] {
            assert!(bad.parse::<Hint>().is_err(), "{bad}");
        }
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    fn hint() -> impl Strategy<Value = Hint> {
        let id = any::<u64>().prop_map(|seed| {
            ConversationId::random(
                &mut <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(seed),
            )
        });
        prop_oneof![
            (id.clone(), any::<u64>())
                .prop_map(|(conversation, seq)| Hint::Event { conversation, seq }),
            id.clone().prop_map(Hint::Epoch),
            id.clone().prop_map(Hint::Staff),
            Just(Hint::Queue),
            Just(Hint::Dispatch),
            Just(Hint::Resync),
            (id.clone(), any::<bool>()).prop_map(|(conversation, w)| Hint::Typing {
                conversation,
                from: if w { Party::Witness } else { Party::Officer },
            }),
            (id, any::<bool>(), any::<u64>()).prop_map(|(conversation, w, seq)| Hint::Seen {
                conversation,
                from: if w { Party::Witness } else { Party::Officer },
                seq,
            }),
        ]
    }

    proptest! {
        #[test]
        fn hints_round_trip(h in hint()) {
            prop_assert_eq!(h.to_string().parse::<Hint>(), Ok(h));
        }

        #[test]
        fn any_text_parses_or_is_refused_without_panic(s in prop_oneof![any::<String>(), "[etsqrvy]:[0-9a-f-]{0,40}(:[0-9wox-]{0,22}){0,2}"]) {
            if let Ok(h) = s.parse::<Hint>() {
                // Accepted text names the same hint as its canonical form.
                prop_assert_eq!(h.to_string().parse::<Hint>(), Ok(h));
            }
        }
    }
}
