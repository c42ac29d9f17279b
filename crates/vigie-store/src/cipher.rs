//! Encryption at rest of what the witness and the cell write about a case.
//!
//! The content key (32 bytes) lives outside the database (`content.key` in the data directory,
//! or `VIGIE_CONTENT_KEY`); a copy of the database alone holds only ciphertexts. Each value is
//! sealed with XChaCha20-Poly1305 under a fresh random 24-byte nonce and stored as text,
//! `v1:<base64(nonce || ciphertext)>`, so TEXT columns keep working in both backends.
//!
//! The associated data names the value's place — table, column and the row's stable key, e.g.
//! `events.body:<conversation>:<seq>` — so a ciphertext copied into another row or column fails
//! to open. Places use only ids that `vigie migrate-data` copies unchanged, so ciphertexts move
//! from SQLite to PostgreSQL as they are.
//!
//! Values written before encryption existed have no `v1:` prefix: they are read as plaintext,
//! and sealed the next time they are written. Cleared values (the purge writes `{}` over a
//! report's fields, and NULL elsewhere) stay clear: they hold no words.

use crate::{StoreError, StoreResult};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// The length of a content key, in bytes.
pub const CONTENT_KEY_LEN: usize = 32;
const PREFIX: &str = "v1:";
const NONCE_LEN: usize = 24;
const FINGERPRINT_INPUT: &[u8] = b"vigie content key fingerprint v1";

/// Seals and opens stored content with the installation's content key.
#[derive(Clone)]
pub struct ContentCipher {
    aead: XChaCha20Poly1305,
    fingerprint: String,
}

impl std::fmt::Debug for ContentCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContentCipher")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

impl ContentCipher {
    pub fn new(key: &[u8; CONTENT_KEY_LEN]) -> Self {
        let fingerprint = match <Hmac<Sha256> as Mac>::new_from_slice(key) {
            Ok(mut mac) => {
                mac.update(FINGERPRINT_INPUT);
                mac.finalize()
                    .into_bytes()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect()
            }
            // HMAC accepts keys of any length.
            Err(_) => String::new(),
        };
        Self {
            aead: XChaCha20Poly1305::new(key.into()),
            fingerprint,
        }
    }

    /// A key given as bytes of any origin: exactly 32 of them.
    pub fn from_slice(key: &[u8]) -> StoreResult<Self> {
        let key: [u8; CONTENT_KEY_LEN] = key.try_into().map_err(|_| {
            StoreError::Internal(format!("a content key holds {CONTENT_KEY_LEN} bytes"))
        })?;
        Ok(Self::new(&key))
    }

    /// A key given as base64 text (as in `VIGIE_CONTENT_KEY`).
    pub fn from_base64(text: &str) -> StoreResult<Self> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| StoreError::Internal("the content key is not valid base64".to_owned()))?;
        Self::from_slice(&bytes)
    }

    /// A cipher with a fresh random key (tests, and nothing else that must read its data back
    /// after a restart).
    pub fn random() -> Self {
        let mut key = [0u8; CONTENT_KEY_LEN];
        rand::rngs::OsRng.fill_bytes(&mut key);
        Self::new(&key)
    }

    /// HMAC-SHA-256 of a constant under the key, in hex: recorded in the database so that a
    /// node started with another key is refused, never the key itself.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Seals `plain` for the place `place` (table, column and row key).
    pub fn seal(&self, place: &str, plain: &str) -> StoreResult<String> {
        self.seal_bytes(place, plain.as_bytes())
    }

    /// Seals binary content (a photo) the same way, as text.
    pub fn seal_bytes(&self, place: &str, plain: &[u8]) -> StoreResult<String> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .aead
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: place.as_bytes(),
                },
            )
            .map_err(|_| StoreError::Internal("content could not be encrypted".to_owned()))?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}", STANDARD.encode(out)))
    }

    /// Opens a stored value sealed for `place`. A value without the `v1:` prefix was written
    /// before encryption and is returned as it is.
    pub fn open(&self, place: &str, stored: &str) -> StoreResult<String> {
        if !stored.starts_with(PREFIX) {
            return Ok(stored.to_owned());
        }
        let plain = self.open_bytes(place, stored)?;
        String::from_utf8(plain).map_err(|_| refused(place))
    }

    /// Opens binary content sealed for `place`. Binary content was always sealed: a value
    /// without the prefix is refused.
    pub fn open_bytes(&self, place: &str, stored: &str) -> StoreResult<Vec<u8>> {
        let encoded = stored.strip_prefix(PREFIX).ok_or_else(|| refused(place))?;
        let bytes = STANDARD.decode(encoded).map_err(|_| refused(place))?;
        if bytes.len() < NONCE_LEN {
            return Err(refused(place));
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        self.aead
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: place.as_bytes(),
                },
            )
            .map_err(|_| refused(place))
    }

    pub fn seal_opt(&self, place: &str, plain: Option<&str>) -> StoreResult<Option<String>> {
        plain.map(|p| self.seal(place, p)).transpose()
    }

    pub fn open_opt(&self, place: &str, stored: Option<&str>) -> StoreResult<Option<String>> {
        stored.map(|s| self.open(place, s)).transpose()
    }

    /// Whether a stored value is sealed (for checks that scan the database).
    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(PREFIX)
    }
}

fn refused(place: &str) -> StoreError {
    StoreError::Internal(format!(
        "stored content at {} cannot be decrypted: another content key, or a value moved from \
         another row",
        place.split(':').next().unwrap_or_default()
    ))
}

/// The places values are sealed for. Each names the table and column, then the row's stable key.
pub mod place {
    use std::fmt::Display;

    pub fn event_body(conversation: impl Display, seq: impl Display) -> String {
        format!("events.body:{conversation}:{seq}")
    }
    pub fn note_body(conversation: impl Display, id: impl Display) -> String {
        format!("notes.body:{conversation}:{id}")
    }
    pub fn report_fields(report: impl Display) -> String {
        format!("reports.fields:{report}")
    }
    pub fn version_fields(report: impl Display, version: impl Display) -> String {
        format!("report_versions.fields:{report}:{version}")
    }
    pub fn assessment(report: impl Display) -> String {
        format!("reports.assessment:{report}")
    }
    pub fn outcome_reason(report: impl Display) -> String {
        format!("reports.outcome_reason:{report}")
    }
    pub fn check_result(report: impl Display, id: impl Display) -> String {
        format!("report_checks.result:{report}:{id}")
    }
    pub fn dossier(dissemination: impl Display) -> String {
        format!("disseminations.dossier:{dissemination}")
    }
    pub fn point_profile(point: impl Display) -> String {
        format!("deal_points.profile:{point}")
    }
    pub fn totp_secret(staff: impl Display) -> String {
        format!("staff.totp_secret:{staff}")
    }
    pub fn photo(photo: impl Display) -> String {
        format!("photos.content:{photo}")
    }
    pub fn blocked_reason(conversation: impl Display) -> String {
        format!("conversations.blocked_reason:{conversation}")
    }
    pub fn handover_note(conversation: impl Display, id: impl Display) -> String {
        format!("handovers.note:{conversation}:{id}")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn round_trip_with_a_fresh_nonce_each_time() {
        let c = ContentCipher::random();
        let p = place::event_body("c1", 3);
        let a = c.seal(&p, "le guetteur au coin").unwrap();
        let b = c.seal(&p, "le guetteur au coin").unwrap();
        assert!(a.starts_with("v1:") && ContentCipher::is_sealed(&a));
        assert_ne!(a, b);
        assert!(!a.contains("guetteur"));
        assert_eq!(c.open(&p, &a).unwrap(), "le guetteur au coin");
        assert_eq!(c.open(&p, &b).unwrap(), "le guetteur au coin");
    }

    #[test]
    fn a_value_moved_to_another_row_or_column_does_not_open() {
        let c = ContentCipher::random();
        let sealed = c.seal(&place::event_body("c1", 3), "secret").unwrap();
        assert!(c.open(&place::event_body("c1", 4), &sealed).is_err());
        assert!(c.open(&place::event_body("c2", 3), &sealed).is_err());
        assert!(c.open(&place::note_body("c1", 3), &sealed).is_err());
        let fields = c.seal(&place::report_fields("r1"), "{}").unwrap();
        assert!(c.open(&place::version_fields("r1", 1), &fields).is_err());
        assert!(c.open(&place::report_fields("r2"), &fields).is_err());
    }

    #[test]
    fn another_key_or_a_tampered_value_does_not_open() {
        let c = ContentCipher::random();
        let p = place::assessment("r1");
        let sealed = c.seal(&p, "source sûre").unwrap();
        assert!(ContentCipher::random().open(&p, &sealed).is_err());
        let mut bytes = sealed.into_bytes();
        let last = bytes.len() - 3;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        assert!(c.open(&p, &String::from_utf8(bytes).unwrap()).is_err());
        assert!(c.open(&p, "v1:!!").is_err());
        assert!(c.open(&p, "v1:").is_err());
    }

    #[test]
    fn legacy_plaintext_is_read_as_it_is() {
        let c = ContentCipher::random();
        assert_eq!(c.open("events.body:c:1", "bonjour").unwrap(), "bonjour");
        assert_eq!(c.open("reports.fields:r", "{}").unwrap(), "{}");
    }

    #[test]
    fn keys_are_32_bytes_and_fingerprints_tell_them_apart() {
        assert!(ContentCipher::from_slice(&[0u8; 16]).is_err());
        assert!(ContentCipher::from_base64("not base64!").is_err());
        let a = ContentCipher::from_base64(&STANDARD.encode([7u8; 32])).unwrap();
        let b = ContentCipher::new(&[7u8; 32]);
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.fingerprint().len(), 64);
        assert_ne!(
            a.fingerprint(),
            ContentCipher::new(&[8u8; 32]).fingerprint()
        );
        assert!(!format!("{a:?}").contains("0707"));
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    fn cipher() -> &'static ContentCipher {
        static C: OnceLock<ContentCipher> = OnceLock::new();
        C.get_or_init(|| ContentCipher::new(&[9u8; CONTENT_KEY_LEN]))
    }

    fn stored() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "v1:[A-Za-z0-9+/=]{0,120}",
            proptest::collection::vec(any::<u8>(), 0..200)
                .prop_map(|b| format!("{PREFIX}{}", STANDARD.encode(b))),
            "(v1|V1|v2|v1 )[:]?\\PC{0,40}",
        ]
    }

    proptest! {
        /// Any stored text opens to legacy plaintext (no `v1:` prefix) or is refused: never a
        /// panic, never made-up content.
        #[test]
        fn opening_any_stored_text_is_legacy_plaintext_or_an_error(place in any::<String>(), text in stored()) {
            match cipher().open(&place, &text) {
                Ok(plain) => {
                    prop_assert!(!ContentCipher::is_sealed(&text));
                    prop_assert_eq!(plain, text);
                }
                Err(e) => {
                    prop_assert!(ContentCipher::is_sealed(&text));
                    // The refusal names the table and column only, never the content.
                    prop_assert!(matches!(e, StoreError::Internal(_)));
                }
            }
        }

        /// Sealing then opening at the same place gives the text back; anywhere else, nothing.
        #[test]
        fn sealed_text_opens_only_at_its_place(
            place in "\\PC{0,40}", other in "\\PC{0,40}",
            plain in prop_oneof![any::<String>(), ("\\PC{1,4}", 500usize..3000).prop_map(|(s, n)| s.repeat(n))],
        ) {
            let sealed = cipher().seal(&place, &plain).unwrap();
            prop_assert!(ContentCipher::is_sealed(&sealed));
            prop_assert_eq!(cipher().open(&place, &sealed).unwrap(), plain.clone());
            prop_assert_eq!(cipher().open_opt(&place, Some(&sealed)).unwrap(), Some(plain.clone()));
            if other != place {
                prop_assert!(cipher().open(&other, &sealed).is_err());
            }
            prop_assert!(ContentCipher::new(&[8u8; CONTENT_KEY_LEN]).open(&place, &sealed).is_err());
            // Cut or grown, it is refused too.
            let cut = &sealed[..sealed.len() - 1];
            prop_assert!(cipher().open(&place, cut).is_err());
        }

        #[test]
        fn any_key_text_is_a_key_or_an_error(text in prop_oneof![any::<String>(), "[A-Za-z0-9+/=]{40,48}"]) {
            if ContentCipher::from_base64(&text).is_ok() {
                prop_assert_eq!(STANDARD.decode(text.trim()).map(|b| b.len()), Ok(CONTENT_KEY_LEN));
            }
        }
    }
}
