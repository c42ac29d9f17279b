//! The languages the interface speaks: French by default, English on request.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    Fr,
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::Fr, Locale::En];

    pub fn as_str(self) -> &'static str {
        match self {
            Locale::Fr => "fr",
            Locale::En => "en",
        }
    }

    /// Parses a language tag; anything that is not English falls back to French.
    pub fn parse(tag: &str) -> Option<Self> {
        match tag.trim().to_ascii_lowercase().get(..2) {
            Some("fr") => Some(Locale::Fr),
            Some("en") => Some(Locale::En),
            _ => None,
        }
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parse_never_panics_and_reads_the_first_two_letters(
            raw in prop_oneof![any::<String>(), "[ \\t]{0,2}(fr|en|FR|EN|En|de|é|e)[a-zA-Z;=.,-]{0,8}", "\\PC{0,6}"],
        ) {
            let head = raw.trim().to_ascii_lowercase();
            let expected = if head.starts_with("fr") {
                Some(Locale::Fr)
            } else if head.starts_with("en") {
                Some(Locale::En)
            } else {
                None
            };
            prop_assert_eq!(Locale::parse(&raw), expected);
        }
    }

    #[test]
    fn every_locale_round_trips() {
        for l in Locale::ALL {
            assert_eq!(Locale::parse(l.as_str()), Some(l));
        }
    }
}
