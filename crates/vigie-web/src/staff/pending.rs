//! The signed token that carries a login from the password to the second factor.
//!
//! Rule: it holds nothing secret and opens nothing by itself. It only says "this staff member
//! gave the right password, valid until this instant", signed with the installation key
//! (HMAC-SHA-256 under its own domain) and bound to the account's current password hash, so a
//! password change voids it. No session exists until the TOTP code is checked; the password is
//! never carried from one step to the next. Stateless, so any node can finish a login another
//! node began.

use crate::crypto::SecretKey;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use subtle::ConstantTimeEq;
use vigie_domain::{StaffId, Timestamp};

/// How long the second step may wait after the password.
pub const PENDING_TTL: time::Duration = time::Duration::minutes(5);
const DOMAIN: &str = "vigie-login-pending-v1";
/// What the token is for: a token of any other use of the key never matches.
const PURPOSE: &str = "login-second-factor";
/// Longest well-formed token (a UUID, a timestamp, 43 base64 characters and two dots).
const MAX_LEN: usize = 120;

fn signed(staff: StaffId, expires: i64, password_hash: &str) -> String {
    format!("{PURPOSE}|{staff}|{expires}|{password_hash}")
}

/// A token for `staff`, who has just given the password whose hash is `password_hash`.
pub fn issue(key: &SecretKey, staff: StaffId, password_hash: &str, now: Timestamp) -> String {
    let expires = (now + PENDING_TTL).unix_timestamp();
    let mac = key.mac(DOMAIN, signed(staff, expires, password_hash).as_bytes());
    format!("{staff}.{expires}.{}", URL_SAFE_NO_PAD.encode(mac))
}

/// A well-formed, unexpired token, not yet checked against its account.
#[derive(Debug)]
pub struct Pending {
    pub staff: StaffId,
    expires: i64,
    mac: Vec<u8>,
}

impl Pending {
    /// Reads a token as sent by a client; `None` if malformed or expired at `now`.
    pub fn open(token: &str, now: Timestamp) -> Option<Pending> {
        if token.len() > MAX_LEN {
            return None;
        }
        let mut parts = token.trim().split('.');
        let staff: StaffId = parts.next()?.parse().ok()?;
        let expires: i64 = parts.next()?.parse().ok()?;
        let mac = URL_SAFE_NO_PAD.decode(parts.next()?).ok()?;
        if parts.next().is_some() || mac.len() != 32 || expires <= now.unix_timestamp() {
            return None;
        }
        Some(Pending {
            staff,
            expires,
            mac,
        })
    }

    /// Whether this installation signed the token for the account's current password.
    pub fn signed_for(&self, key: &SecretKey, password_hash: &str) -> bool {
        let expected = key.mac(
            DOMAIN,
            signed(self.staff, self.expires, password_hash).as_bytes(),
        );
        bool::from(expected.as_slice().ct_eq(&self.mac))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn key(b: u8) -> SecretKey {
        SecretKey::from_bytes([b; 32])
    }

    fn t0() -> Timestamp {
        time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000)
    }

    #[test]
    fn a_token_names_its_account_until_it_expires() {
        let staff = StaffId::random(&mut StdRng::seed_from_u64(1));
        let token = issue(&key(1), staff, "$argon2id$hash", t0());
        let pending = Pending::open(&token, t0() + time::Duration::minutes(4)).unwrap();
        assert_eq!(pending.staff, staff);
        assert!(pending.signed_for(&key(1), "$argon2id$hash"));
        assert!(
            Pending::open(&token, t0() + PENDING_TTL).is_none(),
            "expired"
        );
    }

    #[test]
    fn another_key_password_or_account_does_not_match() {
        let mut rng = StdRng::seed_from_u64(2);
        let staff = StaffId::random(&mut rng);
        let token = issue(&key(1), staff, "hash-a", t0());
        let pending = Pending::open(&token, t0()).unwrap();
        assert!(
            !pending.signed_for(&key(2), "hash-a"),
            "another installation"
        );
        assert!(
            !pending.signed_for(&key(1), "hash-b"),
            "the password changed"
        );
        let other = StaffId::random(&mut rng);
        let forged = token.replacen(&staff.to_string(), &other.to_string(), 1);
        let forged = Pending::open(&forged, t0()).unwrap();
        assert!(!forged.signed_for(&key(1), "hash-a"), "another account");
        let later = token.replacen(
            &(t0() + PENDING_TTL).unix_timestamp().to_string(),
            &(t0() + time::Duration::days(1))
                .unix_timestamp()
                .to_string(),
            1,
        );
        let later = Pending::open(&later, t0()).unwrap();
        assert!(!later.signed_for(&key(1), "hash-a"), "a pushed-back expiry");
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever a client sends, reading it never panics, and nothing but a real token of
        /// this key is ever accepted.
        #[test]
        fn any_string_is_read_without_panic_and_never_matches(
            token in prop_oneof![
                any::<String>(),
                "[0-9a-f-]{36}\\.[0-9-]{1,12}\\.[A-Za-z0-9_-]{0,50}(\\.[a-z]{0,3})?",
            ],
        ) {
            let now = time::OffsetDateTime::UNIX_EPOCH;
            if let Some(p) = Pending::open(&token, now) {
                prop_assert!(!p.signed_for(&SecretKey::from_bytes([7; 32]), "hash"));
            }
        }
    }
}
