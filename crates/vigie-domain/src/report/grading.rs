//! Grading ("cotation du renseignement", NATO/Admiralty) and corroboration.
//!
//! The analyst grades the source (A–F) and the information (1–6) and sets a handling code
//! (Europol H0–H3); an anonymous web tip starts at F/6. The assessment is the analyst's words,
//! kept apart from the witness's facts. Corroboration records the checks made; a report can be
//! concluded corroborated only once at least one check is recorded.

use crate::Invalid;
use serde::{Deserialize, Serialize};

choice!(
    /// How reliable the source is: A (totally reliable) … E (unreliable), F (cannot be judged).
    SourceReliability { A = "A", B = "B", C = "C", D = "D", E = "E", F = "F" }
);
choice!(
    /// How credible the information is: 1 (confirmed by other sources) … 5 (improbable),
    /// 6 (cannot be judged).
    Credibility { One = "1", Two = "2", Three = "3", Four = "4", Five = "5", Six = "6" }
);
choice!(
    /// Europol handling codes: H0 use to prevent and combat crime, H1 not for judicial
    /// proceedings without permission, H2 not to be passed on without permission, H3 other
    /// restrictions.
    HandlingCode { H0 = "H0", H1 = "H1", H2 = "H2", H3 = "H3" }
);
choice!(
    /// The checks an intelligence cell makes before relying on a tip.
    CheckKind { OtherReports = "other_reports", Files = "files", Patrol = "patrol", Surveillance = "surveillance" }
);

/// A grading, as the analyst sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grading {
    pub source: SourceReliability,
    pub credibility: Credibility,
    pub handling: HandlingCode,
}

impl Grading {
    /// Where an anonymous web tip starts: the source cannot be judged, nor yet the information.
    pub const ANONYMOUS_TIP: Grading = Grading {
        source: SourceReliability::F,
        credibility: Credibility::Six,
        handling: HandlingCode::H0,
    };

    /// "F2", "C3"…: the usual short form.
    pub fn code(&self) -> String {
        format!("{}{}", self.source.as_str(), self.credibility.as_str())
    }

    pub fn parse(source: &str, credibility: &str, handling: &str) -> Result<Self, Invalid> {
        Ok(Self {
            source: SourceReliability::parse(source).ok_or(Invalid::new("source-invalid"))?,
            credibility: Credibility::parse(credibility)
                .ok_or(Invalid::new("credibility-invalid"))?,
            handling: HandlingCode::parse(handling).ok_or(Invalid::new("handling-invalid"))?,
        })
    }

    /// Information graded 1 ("confirmed by other sources") must rest on recorded checks.
    pub fn claims_confirmation(&self) -> bool {
        self.credibility == Credibility::One
    }
}

/// How corroboration ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Conclusion {
    Corroborated,
    /// Kept, to be looked at again on the review date.
    Unconfirmed {
        review_on: time::Date,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_anonymous_tip_starts_at_f6() {
        assert_eq!(Grading::ANONYMOUS_TIP.code(), "F6");
        assert!(!Grading::ANONYMOUS_TIP.claims_confirmation());
    }

    #[test]
    fn grading_parses_each_part_and_names_the_bad_one() {
        let g = Grading::parse("B", "2", "H1").unwrap();
        assert_eq!((g.code(), g.handling), ("B2".to_owned(), HandlingCode::H1));
        assert_eq!(
            Grading::parse("G", "2", "H1").unwrap_err().code,
            "source-invalid"
        );
        assert_eq!(
            Grading::parse("B", "7", "H1").unwrap_err().code,
            "credibility-invalid"
        );
        assert_eq!(
            Grading::parse("B", "2", "H4").unwrap_err().code,
            "handling-invalid"
        );
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    fn part() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[ \\t]{0,1}(A|B|C|D|E|F|G|a|1|2|3|4|5|6|7|0|H0|H1|H2|H3|H4|h1|other_reports|files|patrol|surveillance)[ \\n]{0,1}",
        ]
    }

    proptest! {
        #[test]
        fn grading_never_panics_and_accepts_exactly_its_codes(s in part(), c in part(), h in part()) {
            match Grading::parse(&s, &c, &h) {
                Ok(g) => {
                    prop_assert_eq!(g.source.as_str(), s.trim());
                    prop_assert_eq!(g.credibility.as_str(), c.trim());
                    prop_assert_eq!(g.handling.as_str(), h.trim());
                    prop_assert_eq!(g.code(), format!("{}{}", s.trim(), c.trim()));
                    prop_assert_eq!(Grading::parse(g.source.as_str(), g.credibility.as_str(), g.handling.as_str()), Ok(g));
                }
                Err(e) => {
                    // The first bad part is the one named.
                    let expected = if SourceReliability::parse(&s).is_none() {
                        "source-invalid"
                    } else if Credibility::parse(&c).is_none() {
                        "credibility-invalid"
                    } else {
                        "handling-invalid"
                    };
                    prop_assert_eq!(e.code, expected);
                }
            }
            if let Some(k) = CheckKind::parse(&s) {
                prop_assert_eq!(k.as_str(), s.trim());
            }
        }
    }
}
