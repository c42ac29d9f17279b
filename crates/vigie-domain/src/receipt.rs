//! The receipt code: the witness's only way back into their conversation.
//!
//! 16 decimal digits drawn uniformly by a cryptographic RNG (about 53 bits), shown in groups of 4.
//! Only a keyed hash of it is stored.

use crate::Invalid;
use rand::Rng;
use std::fmt;

const DIGITS: usize = 16;
const SPACE: u64 = 10_000_000_000_000_000; // 10^16

#[derive(Clone, PartialEq, Eq)]
pub struct ReceiptCode([u8; DIGITS]);

impl ReceiptCode {
    pub fn generate(rng: &mut (impl rand::CryptoRng + rand::RngCore)) -> Self {
        let mut n: u64 = rng.gen_range(0..SPACE);
        let mut digits = [b'0'; DIGITS];
        for slot in digits.iter_mut().rev() {
            // n % 10 < 10, so the cast cannot truncate.
            *slot = b'0' + (n % 10) as u8;
            n /= 10;
        }
        Self(digits)
    }

    /// Accepts the digits with any spaces or dashes between them, as people copy them.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let mut digits = [b'0'; DIGITS];
        let mut count = 0;
        for c in raw.chars() {
            match c {
                '0'..='9' => {
                    if count == DIGITS {
                        return Err(Invalid::new("receipt-invalid"));
                    }
                    digits[count] = c as u8;
                    count += 1;
                }
                ' ' | '-' | '\u{a0}' | '\u{202f}' => {}
                _ => return Err(Invalid::new("receipt-invalid")),
            }
        }
        if count == DIGITS {
            Ok(Self(digits))
        } else {
            Err(Invalid::new("receipt-invalid"))
        }
    }

    /// The bare digits: the canonical form that gets hashed.
    pub fn digits(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// "1234 5678 9012 3456".
    pub fn grouped(&self) -> String {
        self.0
            .chunks(4)
            .map(|chunk| std::str::from_utf8(chunk).unwrap_or_default())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Never print the code by accident (logs, panics, debug output).
impl fmt::Debug for ReceiptCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReceiptCode(****)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn generated_code_has_sixteen_digits_in_groups_of_four() {
        let code = ReceiptCode::generate(&mut StdRng::seed_from_u64(7));
        let grouped = code.grouped();
        assert_eq!(grouped.len(), 19);
        assert!(grouped
            .split(' ')
            .all(|g| g.len() == 4 && g.bytes().all(|b| b.is_ascii_digit())));
        assert_eq!(ReceiptCode::parse(&grouped).unwrap(), code);
    }

    #[test]
    fn debug_output_hides_the_code() {
        let code = ReceiptCode::parse("1234567812345678").unwrap();
        assert!(!format!("{code:?}").contains("1234"));
    }

    #[test]
    fn malformed_codes_are_refused() {
        for bad in [
            "",
            "123",
            "12345678123456789",
            "1234 5678 9012 345x",
            "１２３４５６７８１２３４５６７８",
        ] {
            assert!(ReceiptCode::parse(bad).is_err(), "{bad}");
        }
    }

    /// Entropy: over many codes, each digit position is close to uniform and codes do not repeat.
    #[test]
    fn digits_are_uniform_and_codes_unique() {
        let mut rng = StdRng::seed_from_u64(42);
        let n = 20_000;
        let mut counts = [[0u32; 10]; DIGITS];
        let mut seen = std::collections::HashSet::new();
        for _ in 0..n {
            let code = ReceiptCode::generate(&mut rng);
            for (i, b) in code.digits().bytes().enumerate() {
                counts[i][usize::from(b - b'0')] += 1;
            }
            assert!(seen.insert(code.digits().to_owned()));
        }
        for position in counts {
            // chi-square with 9 degrees of freedom; 27.9 is the 0.999 quantile.
            let expected = f64::from(n) / 10.0;
            let chi: f64 = position
                .iter()
                .map(|&c| (f64::from(c) - expected).powi(2) / expected)
                .sum();
            assert!(chi < 27.9, "chi-square {chi}");
        }
        assert!((SPACE as f64).log2() > 53.0);
    }

    proptest! {
        #[test]
        fn parse_accepts_exactly_sixteen_digits_with_separators(s in "[0-9 -]{0,40}") {
            let digits = s.chars().filter(char::is_ascii_digit).count();
            prop_assert_eq!(ReceiptCode::parse(&s).is_ok(), digits == 16);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,64}") {
            let _ = ReceiptCode::parse(&s);
        }
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    proptest! {
        #[test]
        fn parse_never_panics_on_any_text(s in prop_oneof![any::<String>(), "[0-9 \\x{a0}\\x{202f}\\x00-\\x1f٠-٩０-９-]{0,80}"]) {
            if let Ok(code) = ReceiptCode::parse(&s) {
                // Accepted: exactly the sixteen ASCII digits of the input, in order.
                let digits: String = s.chars().filter(char::is_ascii_digit).collect();
                prop_assert_eq!(code.digits(), digits.as_str());
                let only_digits_and_separators = s
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '\u{a0}' | '\u{202f}'));
                prop_assert!(only_digits_and_separators);
            }
        }

        #[test]
        fn every_code_round_trips_through_its_shown_forms(seed in any::<u64>(), seps in proptest::collection::vec("[ \\x{a0}\\x{202f}-]{0,2}", 17)) {
            let code = ReceiptCode::generate(&mut StdRng::seed_from_u64(seed));
            prop_assert_eq!(code.digits().len(), 16);
            prop_assert_eq!(ReceiptCode::parse(code.digits()), Ok(code.clone()));
            prop_assert_eq!(ReceiptCode::parse(&code.grouped()), Ok(code.clone()));
            // As people copy it: any separators between and around the digits.
            let mut copied = String::new();
            for (i, d) in code.digits().chars().enumerate() {
                copied.push_str(&seps[i]);
                copied.push(d);
            }
            copied.push_str(&seps[16]);
            prop_assert_eq!(ReceiptCode::parse(&copied), Ok(code));
        }
    }
}
