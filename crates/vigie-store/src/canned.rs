//! Canned replies as the store keeps them: per language, ordered by position then title.
//! Configuration, not case content: the body is stored as it is, not sealed.

use vigie_domain::canned::CannedTitle;
use vigie_domain::{CannedReplyId, Locale, MessageBody, Timestamp};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CannedReply {
    pub id: CannedReplyId,
    pub locale: Locale,
    pub title: CannedTitle,
    pub body: MessageBody,
    pub position: u32,
    /// When it was created or last changed (milliseconds are kept).
    pub updated_at: Timestamp,
}
