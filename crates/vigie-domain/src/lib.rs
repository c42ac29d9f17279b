//! Vigie's domain: the words of the trade as types, and the rules that bind them.
//!
//! Rule of this crate: no I/O. Time and randomness come in as arguments (`Clock`, an RNG),
//! every value that exists is valid (parse, don't validate), and every state change goes
//! through a state machine that refuses illegal transitions with a typed error.

/// A closed set of values named by stable strings (stored, sent over the API, used as
/// translation keys): `ALL`, `as_str`, `parse`. Defined before the modules that use it.
macro_rules! choice {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $s:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name { $(#[serde(rename = $s)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $s),+ } }
            pub fn parse(raw: &str) -> Option<Self> { Self::ALL.iter().copied().find(|v| v.as_str() == raw.trim()) }
        }
    };
}

pub mod canned;
pub mod chain;
pub mod clock;
pub mod conversation;
pub mod dispatch;
pub mod geo;
pub mod ids;
pub mod locale;
pub mod message;
pub mod receipt;
pub mod report;
pub mod staff;

pub use clock::{Clock, ManualClock, SystemClock, Timestamp};
pub use conversation::{Author, CloseOutcome, ConversationState, EventKind};
pub use geo::{search_key, DepartementCode, InseeCode};
pub use ids::{
    CannedReplyId, ConversationId, DealPointId, DisseminationId, PhotoId, ReportId, StaffId, UnitId,
};
pub use locale::Locale;
pub use message::{ClientId, MessageBody, NoteBody, ReasonText};
pub use receipt::ReceiptCode;
pub use report::{ReportFields, ReportInput, ReportState, TransitionError};
pub use staff::{Password, Permission, Role, Username};

/// A value refused at the boundary. `code` is a stable key, translated by the web layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid value: {code}")]
pub struct Invalid {
    pub code: &'static str,
}

impl Invalid {
    pub const fn new(code: &'static str) -> Self {
        Self { code }
    }
}
