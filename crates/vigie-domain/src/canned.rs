//! Canned replies: short texts an officer inserts into an answer, per language, managed by
//! administrators. They are configuration, not case content; their body is an ordinary message
//! body (the officer sends it as their own words, after reading and editing it).

use crate::Invalid;
use serde::Serialize;

/// The longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 80;
/// The largest position: the list is short, and Alt+1..9 reach the first nine.
pub const MAX_POSITION: u32 = 999;

/// The label of a canned reply in the officer's list: one line, 1 to 80 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct CannedTitle(String);

impl CannedTitle {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let title = raw.trim();
        if title.is_empty() {
            return Err(Invalid::new("canned-title-empty"));
        }
        if title.chars().count() > MAX_TITLE_CHARS {
            return Err(Invalid::new("canned-title-too-long"));
        }
        if title.chars().any(char::is_control) {
            return Err(Invalid::new("canned-title-invalid"));
        }
        Ok(Self(title.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a reply stands in its language's list (smaller first), as typed in a form.
pub fn parse_position(raw: &str) -> Result<u32, Invalid> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(0);
    }
    match raw.parse::<u32>() {
        Ok(n) if n <= MAX_POSITION => Ok(n),
        _ => Err(Invalid::new("canned-position-invalid")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn titles_are_one_trimmed_line_of_bounded_length() {
        assert_eq!(
            CannedTitle::parse("  Bonjour ").unwrap().as_str(),
            "Bonjour"
        );
        assert_eq!(
            CannedTitle::parse(" ").unwrap_err().code,
            "canned-title-empty"
        );
        assert_eq!(
            CannedTitle::parse("a\nb").unwrap_err().code,
            "canned-title-invalid"
        );
        assert!(CannedTitle::parse(&"é".repeat(MAX_TITLE_CHARS)).is_ok());
        assert_eq!(
            CannedTitle::parse(&"é".repeat(MAX_TITLE_CHARS + 1))
                .unwrap_err()
                .code,
            "canned-title-too-long"
        );
    }

    #[test]
    fn positions_default_to_zero_and_are_bounded() {
        assert_eq!(parse_position(""), Ok(0));
        assert_eq!(parse_position(" 7 "), Ok(7));
        assert!(parse_position("1000").is_err());
        assert!(parse_position("-1").is_err());
        assert!(parse_position("deux").is_err());
    }

    proptest! {
        #[test]
        fn any_title_parses_or_is_refused_without_panic_and_accepted_ones_are_stable(raw in any::<String>()) {
            if let Ok(t) = CannedTitle::parse(&raw) {
                prop_assert!(!t.as_str().is_empty());
                prop_assert!(t.as_str().chars().count() <= MAX_TITLE_CHARS);
                prop_assert_eq!(CannedTitle::parse(t.as_str()), Ok(t.clone()));
            }
        }
    }
}
