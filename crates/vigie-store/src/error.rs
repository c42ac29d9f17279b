//! The store's error: what went wrong, in words the web layer maps once to a status and message.

use vigie_domain::report::FieldErrors;
use vigie_domain::TransitionError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// Another officer took the conversation first.
    #[error("already taken")]
    AlreadyTaken,
    #[error("the conversation is closed")]
    Closed,
    #[error("the caller does not hold this case")]
    Forbidden,
    #[error("the report changed since version {expected} (now {current})")]
    VersionConflict { expected: u32, current: u32 },
    #[error("the report can no longer be edited")]
    NotEditable,
    #[error("invalid fields")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// The database cannot be reached right now; the caller may retry later.
    #[error("storage temporarily unavailable")]
    Unavailable(String),
    #[error("storage error: {0}")]
    Internal(String),
}
