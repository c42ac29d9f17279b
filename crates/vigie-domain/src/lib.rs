//! Vigie's domain: the words of the trade as types, and the rules that bind them.
//!
//! Rule of this crate: no I/O. Time and randomness come in as arguments (`Clock`, an RNG),
//! every value that exists is valid (parse, don't validate), and every state change goes
//! through a state machine that refuses illegal transitions with a typed error.

pub mod chain;
pub mod clock;
pub mod conversation;
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
pub use ids::{ConversationId, DealPointId, DisseminationId, ReportId, StaffId, UnitId};
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
