//! Secrets and their hashes: witness tokens, receipt codes, staff sessions, passwords.
//!
//! Tokens are 256-bit random values; only their SHA-256 is stored. A receipt code has only
//! ~53 bits, so it is hashed with HMAC under the installation's secret key, kept outside the
//! database: a stolen database alone does not let anyone test codes.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use vigie_domain::ReceiptCode;

/// The installation's secret key (32 bytes).
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl SecretKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A one-way fingerprint of the key, stored so that nodes with different keys are caught.
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"vigie-key-fingerprint-v1:");
        h.update(self.0);
        hex(&h.finalize()[..16])
    }

    pub fn receipt_hash(&self, code: &ReceiptCode) -> String {
        // HMAC accepts keys of any length; this cannot fail.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            return String::new();
        };
        mac.update(b"vigie-receipt-v1:");
        mac.update(code.digits().as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

impl SecretKey {
    /// HMAC-SHA-256 of `data` under the installation key, separated by `domain` from every
    /// other use of the key.
    pub fn mac(&self, domain: &str, data: &[u8]) -> [u8; 32] {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            return [0; 32];
        };
        mac.update(domain.as_bytes());
        mac.update(b":");
        mac.update(data);
        mac.finalize().into_bytes().into()
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(****)")
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh random token, URL-safe base64 of 32 bytes.
pub fn new_token(rng: &mut impl RngCore) -> String {
    let mut bytes = [0u8; 32];
    rng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Argon2id with the crate's default parameters (19 MiB, 2 passes).
pub fn hash_password(
    password: &str,
    rng: &mut (impl RngCore + rand::CryptoRng),
) -> Result<String, String> {
    let mut salt = [0u8; 16];
    rng.fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A real Argon2id hash of nothing anyone knows, verified against when a username is unknown so
/// that a failed login takes as long whether or not the account exists.
pub const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0nLd6hXxO9rNcNe0Rjn1Ku/Kg6ayZ7hHEh0TfnWUu1c";

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn passwords_verify_only_with_the_right_secret() {
        let hash = hash_password("correct horse battery", &mut StdRng::seed_from_u64(1)).unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong horse battery", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn receipt_hash_depends_on_the_key() {
        let code = ReceiptCode::parse("1234567812345678").unwrap();
        let a = SecretKey::from_bytes([1; 32]).receipt_hash(&code);
        let b = SecretKey::from_bytes([2; 32]).receipt_hash(&code);
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
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
        fn any_token_hashes_to_64_hex_digits(token in prop_oneof![any::<String>(), ("\\PC{1,4}", 1000usize..4000).prop_map(|(s, n)| s.repeat(n))]) {
            let h = token_hash(&token);
            prop_assert_eq!(h.len(), 64);
            prop_assert!(h.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
            prop_assert_eq!(token_hash(&token), h);
        }

        #[test]
        fn new_tokens_are_url_safe_and_decode_to_32_bytes(seed in any::<u64>()) {
            let t = new_token(&mut StdRng::seed_from_u64(seed));
            prop_assert_eq!(t.len(), 43);
            prop_assert!(t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            prop_assert_eq!(URL_SAFE_NO_PAD.decode(&t).map(|b| b.len()), Ok(32));
        }

        /// A stored hash of any shape is refused, never a panic.
        #[test]
        fn a_malformed_password_hash_is_refused(
            hash in prop_oneof![any::<String>(), "\\$argon2(id|i|d)?\\$(v=19\\$)?(m=[0-9]{0,3},t=[0-9],p=[0-9]\\$)?[A-Za-z0-9+/]{0,10}(\\$[A-Za-z0-9+/]{0,20})?"],
            password in any::<String>(),
        ) {
            prop_assert!(!verify_password(&password, &hash));
        }
    }

    proptest! {
        // Each case runs Argon2 (about 20 MiB): a few cases only.
        #![proptest_config(ProptestConfig::with_cases(6))]

        #[test]
        fn no_typed_password_matches_the_dummy_hash(password in prop_oneof![any::<String>(), "\\PC{0,300}"]) {
            prop_assert!(!verify_password(&password, DUMMY_HASH));
        }
    }
}
