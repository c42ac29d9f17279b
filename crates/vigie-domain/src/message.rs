//! What people write: message bodies, internal notes, reasons, and the client's idempotency key.

use crate::Invalid;
use serde::Serialize;

/// The longest message, note or reason, in characters.
pub const MAX_TEXT_CHARS: usize = 4000;

/// Trims, refuses empty or oversized text and control characters other than newline and tab.
fn clean_text(raw: &str, max: usize) -> Result<String, Invalid> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(Invalid::new("text-empty"));
    }
    if text.chars().count() > max {
        return Err(Invalid::new("text-too-long"));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(Invalid::new("text-control-chars"));
    }
    Ok(text.replace("\r\n", "\n").replace('\r', "\n"))
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $max:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        /// Witness and officer words never reach a log by accident: `Debug` shows the length only.
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({} chars)", stringify!($name), self.0.chars().count())
            }
        }

        impl $name {
            pub fn parse(raw: &str) -> Result<Self, Invalid> {
                clean_text(raw, $max).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }
    };
}

text_type!(
    /// A chat message, from the witness or an officer.
    MessageBody,
    MAX_TEXT_CHARS
);
text_type!(
    /// An officer's internal note: never shown to the witness.
    NoteBody,
    MAX_TEXT_CHARS
);
text_type!(
    /// Why a conversation was closed without a report (redirected, out of scope, rejected).
    ReasonText,
    1000
);

/// The id a client picks for a message so that a retried send is recognised, not duplicated.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct ClientId(String);

impl ClientId {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let ok = (1..=64).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(Invalid::new("client-id-invalid"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn empty_and_blank_messages_are_refused() {
        assert_eq!(MessageBody::parse("").unwrap_err().code, "text-empty");
        assert_eq!(MessageBody::parse(" \n\t ").unwrap_err().code, "text-empty");
    }

    #[test]
    fn oversized_message_is_refused_and_the_limit_is_accepted() {
        assert!(MessageBody::parse(&"é".repeat(MAX_TEXT_CHARS)).is_ok());
        assert_eq!(
            MessageBody::parse(&"a".repeat(MAX_TEXT_CHARS + 1))
                .unwrap_err()
                .code,
            "text-too-long"
        );
    }

    #[test]
    fn message_is_trimmed_and_newlines_normalised() {
        assert_eq!(
            MessageBody::parse("  bonjour\r\nà vous ").unwrap().as_str(),
            "bonjour\nà vous"
        );
    }

    #[test]
    fn debug_output_hides_the_words() {
        let body = MessageBody::parse("le vendeur du hall B").unwrap();
        assert_eq!(format!("{body:?}"), "MessageBody(20 chars)");
        assert!(!format!("{:?}", NoteBody::parse("secret").unwrap()).contains("secret"));
    }

    #[test]
    fn client_id_refuses_odd_characters() {
        assert!(ClientId::parse("m-1_abc").is_ok());
        assert!(ClientId::parse("").is_err());
        assert!(ClientId::parse("a b").is_err());
        assert!(ClientId::parse(&"a".repeat(65)).is_err());
    }

    proptest! {
        #[test]
        fn any_accepted_body_is_non_empty_bounded_and_stable(s in "\\PC{0,5000}") {
            if let Ok(body) = MessageBody::parse(&s) {
                prop_assert!(!body.as_str().trim().is_empty());
                prop_assert!(body.as_str().chars().count() <= MAX_TEXT_CHARS);
                // Parsing what was accepted gives the same value back.
                prop_assert_eq!(MessageBody::parse(body.as_str()).unwrap(), body.clone());
            }
        }
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    /// Arbitrary text as an attacker sends it: any code point (controls included), whitespace
    /// and line ends of every kind, and huge repeats.
    fn nasty() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[\\x00-\\x1f\\x7f\\x{85}\\x{a0}\\x{2028}\\x{202e}\\x{feff} \\t\\r\\na-zé0-9-]{0,64}",
            ("\\PC{1,4}[\\r\\n\\t ]{0,2}", 300usize..1500).prop_map(|(s, n)| s.repeat(n)),
        ]
    }

    fn check_text<T>(
        raw: &str,
        parse: fn(&str) -> Result<T, Invalid>,
        text: fn(&T) -> &str,
        max: usize,
    ) -> Result<(), TestCaseError>
    where
        T: PartialEq + std::fmt::Debug,
    {
        if let Ok(v) = parse(raw) {
            let s = text(&v);
            prop_assert!(!s.is_empty());
            prop_assert_eq!(s, s.trim());
            prop_assert!(s.chars().count() <= max);
            prop_assert!(!s.contains('\r'));
            prop_assert!(s.chars().all(|c| !c.is_control() || c == '\n' || c == '\t'));
            // Normalisation is idempotent: what was accepted parses to itself.
            let again = parse(s);
            prop_assert_eq!(again.as_ref(), Ok(&v));
        } else {
            // A refusal always has a reason among the documented ones.
            let code = parse(raw).err().map(|e| e.code);
            prop_assert!(matches!(
                code,
                Some("text-empty" | "text-too-long" | "text-control-chars")
            ));
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn texts_never_panic_and_accepted_ones_are_clean_bounded_and_stable(raw in nasty()) {
            check_text(&raw, MessageBody::parse, MessageBody::as_str, MAX_TEXT_CHARS)?;
            check_text(&raw, NoteBody::parse, NoteBody::as_str, MAX_TEXT_CHARS)?;
            check_text(&raw, ReasonText::parse, ReasonText::as_str, 1000)?;
        }

        #[test]
        fn a_control_character_inside_a_text_is_always_refused(
            a in "[a-z]{1,10}", c in "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f\\x{80}-\\x{9f}]", b in "[a-z]{1,10}",
        ) {
            let raw = format!("{a}{c}{b}");
            prop_assert_eq!(MessageBody::parse(&raw).unwrap_err().code, "text-control-chars");
            prop_assert_eq!(ReasonText::parse(&raw).unwrap_err().code, "text-control-chars");
        }

        #[test]
        fn client_id_accepts_exactly_its_alphabet_and_round_trips(raw in prop_oneof![any::<String>(), "[A-Za-z0-9_-]{0,70}"]) {
            let expected = (1..=64).contains(&raw.len())
                && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            match ClientId::parse(&raw) {
                Ok(id) => {
                    prop_assert!(expected);
                    prop_assert_eq!(id.as_str(), raw.as_str());
                    prop_assert_eq!(ClientId::parse(id.as_str()), Ok(id.clone()));
                }
                Err(e) => {
                    prop_assert!(!expected);
                    prop_assert_eq!(e.code, "client-id-invalid");
                }
            }
        }
    }
}
