//! Places: INSEE commune codes and département codes, parsed at the boundary.

use crate::Invalid;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A commune or arrondissement INSEE code: five characters, digits, or `2A`/`2B` for Corsica.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct InseeCode(String);

impl InseeCode {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let raw = raw.trim().to_ascii_uppercase();
        let b = raw.as_bytes();
        let ok = b.len() == 5
            && (b[..2].iter().all(u8::is_ascii_digit) || matches!(&b[..2], b"2A" | b"2B"))
            // No département "00" or "20" (Corsica is 2A/2B): `departement()` stays valid.
            && !matches!(&b[..2], b"00" | b"20")
            && b[2..].iter().all(u8::is_ascii_digit);
        if ok {
            Ok(Self(raw))
        } else {
            Err(Invalid::new("commune-invalid"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The département the code belongs to: three digits overseas (97x, 98x), two elsewhere.
    pub fn departement(&self) -> DepartementCode {
        let len = if self.0.starts_with("97") || self.0.starts_with("98") {
            3
        } else {
            2
        };
        DepartementCode(self.0[..len].to_owned())
    }
}

impl TryFrom<String> for InseeCode {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<InseeCode> for String {
    fn from(c: InseeCode) -> String {
        c.0
    }
}

impl fmt::Display for InseeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A département code: `01`…`95`, `2A`, `2B`, `971`…`989`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DepartementCode(String);

impl DepartementCode {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let raw = raw.trim().to_ascii_uppercase();
        let b = raw.as_bytes();
        let ok = match b.len() {
            2 => {
                b.iter().all(u8::is_ascii_digit) && raw != "00" && raw != "20"
                    || raw == "2A"
                    || raw == "2B"
            }
            3 => (raw.starts_with("97") || raw.starts_with("98")) && b[2].is_ascii_digit(),
            _ => false,
        };
        if ok {
            Ok(Self(raw))
        } else {
            Err(Invalid::new("departement-invalid"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for DepartementCode {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<DepartementCode> for String {
    fn from(c: DepartementCode) -> String {
        c.0
    }
}

impl fmt::Display for DepartementCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insee_codes_map_to_their_departement() {
        assert_eq!(
            InseeCode::parse("75056").unwrap().departement().as_str(),
            "75"
        );
        assert_eq!(
            InseeCode::parse("2a004").unwrap().departement().as_str(),
            "2A"
        );
        assert_eq!(
            InseeCode::parse("97411").unwrap().departement().as_str(),
            "974"
        );
        assert_eq!(
            InseeCode::parse("01001").unwrap().departement().as_str(),
            "01"
        );
    }

    #[test]
    fn malformed_codes_are_refused() {
        for bad in ["", "7505", "750561", "2C004", "ab123"] {
            assert!(InseeCode::parse(bad).is_err(), "{bad}");
        }
        for bad in ["", "00", "20", "2C", "975x", "1234"] {
            assert!(DepartementCode::parse(bad).is_err(), "{bad}");
        }
        assert!(DepartementCode::parse("976").is_ok());
    }
}

/// The search key of a place name: lower-case, accents folded, punctuation as spaces,
/// "saint" and "st" made equal. "Saint-Étienne" and "st etienne" give the same key.
pub fn search_key(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        let folded = match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => "a",
            'ç' => "c",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'î' | 'ï' | 'í' | 'ì' => "i",
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => "o",
            'ù' | 'û' | 'ü' | 'ú' => "u",
            'ÿ' | 'ý' => "y",
            'œ' => "oe",
            'æ' => "ae",
            'ñ' => "n",
            c if c.is_alphanumeric() => {
                out.push(c);
                continue;
            }
            _ => " ",
        };
        out.push_str(folded);
    }
    let words: Vec<&str> = out
        .split_whitespace()
        .map(|w| {
            if w == "st" {
                "saint"
            } else if w == "ste" {
                "sainte"
            } else {
                w
            }
        })
        .collect();
    words.join(" ")
}

#[cfg(test)]
mod key_tests {
    use super::search_key;

    #[test]
    fn names_fold_to_one_key() {
        assert_eq!(search_key("Saint-Étienne"), "saint etienne");
        assert_eq!(search_key("st etienne"), "saint etienne");
        assert_eq!(search_key("L'Haÿ-les-Roses"), "l hay les roses");
        assert_eq!(search_key("  Œuilly "), "oeuilly");
    }
}

impl std::str::FromStr for DepartementCode {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl std::str::FromStr for InseeCode {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    fn nasty() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[ \\t\\x00]{0,2}[0-9aAbBcC]{1,6}[ \\n]{0,2}",
            "(00|20|2[aAbB]|97|98|[0-9]{2})[0-9]{0,3}",
            "\\PC{0,8}",
        ]
    }

    /// Found by `insee_codes_never_panic_and_accepted_ones_are_canonical`: "00000" and "20004"
    /// were accepted and gave the départements "00" and "20", which do not exist.
    #[test]
    fn no_commune_code_starts_with_a_departement_that_does_not_exist() {
        for bad in ["00000", "00123", "20004", "20 004"] {
            assert!(InseeCode::parse(bad).is_err(), "{bad}");
        }
        assert!(InseeCode::parse("2A004").is_ok());
    }

    proptest! {
        #[test]
        fn insee_codes_never_panic_and_accepted_ones_are_canonical(raw in nasty()) {
            if let Ok(code) = InseeCode::parse(&raw) {
                let s = code.as_str();
                prop_assert_eq!(s.len(), 5);
                prop_assert!(s.bytes().all(|b| b.is_ascii_digit() || b == b'A' || b == b'B'));
                prop_assert_eq!(s, raw.trim().to_ascii_uppercase());
                prop_assert_eq!(InseeCode::parse(s), Ok(code.clone()));
                prop_assert_eq!(s.parse::<InseeCode>(), Ok(code.clone()));
                // Its département is itself a valid code.
                let dep = code.departement();
                prop_assert_eq!(DepartementCode::parse(dep.as_str()), Ok(dep.clone()));
                prop_assert!(s.starts_with(dep.as_str()));
            }
        }

        #[test]
        fn departement_codes_never_panic_and_accepted_ones_are_canonical(raw in nasty()) {
            if let Ok(code) = DepartementCode::parse(&raw) {
                let s = code.as_str();
                prop_assert!(matches!(s.len(), 2 | 3));
                prop_assert_eq!(s, raw.trim().to_ascii_uppercase());
                prop_assert_eq!(DepartementCode::parse(s), Ok(code.clone()));
                prop_assert_eq!(s.parse::<DepartementCode>(), Ok(code.clone()));
                prop_assert!(s != "00" && s != "20");
            }
        }

        #[test]
        fn every_well_formed_insee_code_is_accepted(dep in "(0[1-9]|1[0-9]|2[1-9AaBb]|[3-8][0-9]|9[0-9])", rest in "[0-9]{3}") {
            let raw = format!("{dep}{rest}");
            prop_assert!(InseeCode::parse(&raw).is_ok(), "{}", raw);
        }

        #[test]
        fn search_key_never_panics_and_is_idempotent(name in prop_oneof![any::<String>(), "\\PC{0,40}", "(Saint|St|Ste|L'|-| |É|œ|ÿ|[a-z]){0,12}"]) {
            let key = search_key(&name);
            prop_assert_eq!(search_key(&key), key.clone());
            prop_assert_eq!(key.trim(), key.as_str());
            prop_assert!(!key.contains("  "));
        }
    }
}
