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
