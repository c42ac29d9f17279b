//! Identifiers as distinct types: a `ReportId` can never be passed where a `ConversationId` is due.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh random identifier.
            pub fn random(rng: &mut impl rand::RngCore) -> Self {
                let mut bytes = [0u8; 16];
                rng.fill_bytes(&mut bytes);
                Self(uuid::Builder::from_random_bytes(bytes).into_uuid())
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = crate::Invalid;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self).map_err(|_| crate::Invalid::new("invalid-id"))
            }
        }
    };
}

id_type!(
    /// One witness conversation (the live chat and everything said in it).
    ConversationId
);
id_type!(
    /// The structured report an officer builds from a conversation.
    ReportId
);
id_type!(
    /// A staff account.
    StaffId
);

id_type!(
    /// A receiving unit (sûreté départementale, drug squad, gendarmerie unit, OFAST, customs).
    UnitId
);
id_type!(
    /// A point de deal: a dealing spot that several reports may describe.
    DealPointId
);
id_type!(
    /// One sending of a sanitised dossier to a unit.
    DisseminationId
);
id_type!(
    /// A photo a witness sent in the chat (stored sanitised and sealed).
    PhotoId
);
id_type!(
    /// A canned reply officers insert into their answer (configuration, not case content).
    CannedReplyId
);

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn ids_never_panic_and_round_trip(
            raw in prop_oneof![any::<String>(), "[0-9a-fA-F-]{30,40}", "\\{?urn:uuid:[0-9a-f-]{36}\\}?"],
            bytes in any::<[u8; 16]>(),
        ) {
            if let Ok(id) = raw.parse::<ReportId>() {
                prop_assert_eq!(id.to_string().parse::<ReportId>(), Ok(id));
            }
            let _ = raw.parse::<ConversationId>();
            let _ = raw.parse::<DisseminationId>();
            let id = ConversationId(Uuid::from_bytes(bytes));
            prop_assert_eq!(id.to_string().parse::<ConversationId>(), Ok(id));
            prop_assert_eq!(id.to_string().to_uppercase().parse::<ConversationId>(), Ok(id));
        }
    }
}
