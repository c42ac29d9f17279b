//! Hints between nodes: "something changed in this conversation", never the data itself. A
//! node that receives one reads from the store what its clients have not seen; a node that
//! misses one catches up on the next, or on a `Resync` after its listener reconnects.

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
    /// The queue changed.
    Queue,
    /// Hints may have been lost (the listener reconnected): everyone re-reads.
    Resync,
}

impl fmt::Display for Hint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Hint::Event { conversation, seq } => write!(f, "e:{conversation}:{seq}"),
            Hint::Epoch(c) => write!(f, "t:{c}"),
            Hint::Staff(c) => write!(f, "s:{c}"),
            Hint::Queue => f.write_str("q"),
            Hint::Resync => f.write_str("r"),
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
            "r" => Hint::Resync,
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
            Hint::Resync,
        ] {
            assert_eq!(hint.to_string().parse::<Hint>(), Ok(hint));
        }
        for bad in [
            "",
            "x",
            "e:nope:1",
            "e:6f1c2d4e-8a9b-4c3d-9e8f-0a1b2c3d4e5f",
            "t:",
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
            id.prop_map(Hint::Staff),
            Just(Hint::Queue),
            Just(Hint::Resync),
        ]
    }

    proptest! {
        #[test]
        fn hints_round_trip(h in hint()) {
            prop_assert_eq!(h.to_string().parse::<Hint>(), Ok(h));
        }

        #[test]
        fn any_text_parses_or_is_refused_without_panic(s in prop_oneof![any::<String>(), "[etsqr]:[0-9a-f-]{0,40}(:[0-9-]{0,22})?"]) {
            if let Ok(h) = s.parse::<Hint>() {
                // Accepted text names the same hint as its canonical form.
                prop_assert_eq!(h.to_string().parse::<Hint>(), Ok(h));
            }
        }
    }
}
