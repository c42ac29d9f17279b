//! The proof of work a witness's page solves before a conversation opens, and its equivalent
//! without JavaScript. Neither stores anything about the person.
//!
//! **Challenge.** `GET /api/v1/witness/challenge` hands out a stateless token
//! `v1.<kind>.<issued ms>.<difficulty>.<memory KiB>.<iterations>.<16 random bytes>.<MAC>`, the MAC
//! an HMAC under the installation key: nothing is written when a challenge is issued, and a
//! token cannot be forged or its parameters lowered.
//!
//! **Proof** (kind `p`). The page finds a nonce such that
//! `Argon2id(password = "<challenge>:<nonce>", salt = "vigie-proof-of-work-v1", m, t, p = 1)`
//! (32 bytes) starts with `difficulty` zero bits: about `2^difficulty` hashes of `m` KiB each for
//! the page (`static/pow-worker.js`), one hash for the server. Memory-hard, so a GPU or a
//! botnet of phones gains little over the witness's own phone.
//!
//! **Without JavaScript** (kind `w`). The no-script page cannot compute; its start form carries
//! a wait ticket instead, accepted `nojs_wait` after it was issued. It costs a flood time, not
//! work, so the global ceiling on openings still applies (`limits.rs`).
//!
//! **Spent once.** A used token's SHA-256 is kept in the store until the token would have
//! expired anyway (`spend_proof`), on every node alike: one solved challenge, one conversation.
//! The mark is taken before the Argon2 check, so a token cannot be used to make the server
//! hash twice.

use crate::crypto::{token_hash, SecretKey};
use crate::AppState;
use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use vigie_domain::clock::{from_millis, to_millis};
use vigie_domain::Timestamp;

/// The salt of every proof (the challenge itself makes each hash unique).
pub const SALT: &[u8] = b"vigie-proof-of-work-v1";
const MAC_DOMAIN: &str = "vigie-pow-v1";
const MAC_LEN: usize = 16;
/// A challenge whose issue time is this far in the future is refused (clock skew between nodes).
const SKEW_MS: i64 = 60_000;

#[derive(Debug, Clone)]
pub struct PowSettings {
    /// Leading zero bits the hash must have (0..=24).
    pub difficulty: u8,
    /// Argon2id memory per hash, KiB.
    pub memory_kib: u32,
    /// Argon2id passes.
    pub iterations: u32,
    /// How long a challenge may be used.
    pub ttl: time::Duration,
    /// Without JavaScript: how long after the page was served its start form is accepted.
    pub nojs_wait: time::Duration,
}

impl Default for PowSettings {
    fn default() -> Self {
        Self {
            difficulty: 4,
            memory_kib: 4096,
            iterations: 1,
            ttl: time::Duration::minutes(10),
            nojs_wait: time::Duration::seconds(5),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A proof of work, solved by the page's script.
    Work,
    /// A wait ticket, for the page without script.
    Wait,
}

impl Kind {
    fn letter(self) -> &'static str {
        match self {
            Kind::Work => "p",
            Kind::Wait => "w",
        }
    }
}

/// Why a proof was refused. Each has a stable code for the API and the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofError {
    /// Malformed, forged, or of the wrong kind.
    Invalid,
    Expired,
    /// Already used to open a conversation.
    Spent,
    /// The nonce does not solve the challenge.
    Unsolved,
    /// A wait ticket presented too early: seconds still to wait.
    TooEarly(u64),
}

impl ProofError {
    pub fn code(self) -> &'static str {
        match self {
            ProofError::Invalid => "proof-invalid",
            ProofError::Expired => "proof-expired",
            ProofError::Spent => "proof-spent",
            ProofError::Unsolved => "proof-unsolved",
            ProofError::TooEarly(_) => "proof-too-early",
        }
    }
}

/// A challenge as handed to the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub token: String,
    pub kind: Kind,
    pub issued: Timestamp,
    pub difficulty: u8,
    pub memory_kib: u32,
    pub iterations: u32,
}

/// Issues a challenge of `kind` at `now` with the current settings.
pub fn issue(
    key: &SecretKey,
    settings: &PowSettings,
    kind: Kind,
    now: Timestamp,
    rng: &mut impl RngCore,
) -> Challenge {
    let mut random = [0u8; 16];
    rng.fill_bytes(&mut random);
    let body = format!(
        "v1.{}.{}.{}.{}.{}.{}",
        kind.letter(),
        to_millis(now),
        settings.difficulty,
        settings.memory_kib,
        settings.iterations,
        URL_SAFE_NO_PAD.encode(random)
    );
    let mac = key.mac(MAC_DOMAIN, body.as_bytes());
    Challenge {
        token: format!("{body}.{}", URL_SAFE_NO_PAD.encode(&mac[..MAC_LEN])),
        kind,
        issued: now,
        difficulty: settings.difficulty,
        memory_kib: settings.memory_kib,
        iterations: settings.iterations,
    }
}

/// Reads a token back: checks its MAC, then its fields. Nothing else (no expiry, no work).
pub fn parse(key: &SecretKey, token: &str) -> Result<Challenge, ProofError> {
    if token.len() > 200 {
        return Err(ProofError::Invalid);
    }
    let (body, mac) = token.rsplit_once('.').ok_or(ProofError::Invalid)?;
    let mac = URL_SAFE_NO_PAD
        .decode(mac)
        .map_err(|_| ProofError::Invalid)?;
    let expected = key.mac(MAC_DOMAIN, body.as_bytes());
    if mac.len() != MAC_LEN
        || mac
            .iter()
            .zip(&expected[..MAC_LEN])
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            != 0
    {
        return Err(ProofError::Invalid);
    }
    let parts: Vec<&str> = body.split('.').collect();
    let [version, kind, issued, difficulty, memory, iterations, _random] = parts[..] else {
        return Err(ProofError::Invalid);
    };
    let kind = match kind {
        "p" => Kind::Work,
        "w" => Kind::Wait,
        _ => return Err(ProofError::Invalid),
    };
    let number = |s: &str| s.parse::<i64>().map_err(|_| ProofError::Invalid);
    if version != "v1" {
        return Err(ProofError::Invalid);
    }
    Ok(Challenge {
        token: token.to_owned(),
        kind,
        issued: from_millis(number(issued)?),
        difficulty: u8::try_from(number(difficulty)?).map_err(|_| ProofError::Invalid)?,
        memory_kib: u32::try_from(number(memory)?).map_err(|_| ProofError::Invalid)?,
        iterations: u32::try_from(number(iterations)?).map_err(|_| ProofError::Invalid)?,
    })
}

/// The Argon2id hash of one attempt.
pub fn attempt(challenge: &str, nonce: u64, memory_kib: u32, iterations: u32) -> Option<[u8; 32]> {
    let params = Params::new(memory_kib, iterations, 1, Some(32)).ok()?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let mut out = [0u8; 32];
    argon
        .hash_password_into(format!("{challenge}:{nonce}").as_bytes(), SALT, &mut out)
        .ok()?;
    Some(out)
}

/// Whether `hash` starts with `bits` zero bits (byte 0's most significant bit first).
pub fn leading_zero_bits(hash: &[u8], bits: u8) -> bool {
    let mut left = u32::from(bits);
    for byte in hash {
        if left == 0 {
            return true;
        }
        let here = byte.leading_zeros().min(8);
        if here < left.min(8) {
            return false;
        }
        left = left.saturating_sub(8);
    }
    left == 0
}

/// Finds the first nonce solving a proof-of-work challenge (what the page's worker does; used
/// by tests and tools).
pub fn solve(challenge: &Challenge) -> Option<u64> {
    (0..u64::MAX).find(|&nonce| {
        attempt(
            &challenge.token,
            nonce,
            challenge.memory_kib,
            challenge.iterations,
        )
        .is_some_and(|h| leading_zero_bits(&h, challenge.difficulty))
    })
}

/// Checks and spends a proof: the token's MAC, kind and age, then marks it spent in the store
/// (refused if it already was), then, for a proof of work, the Argon2 hash of the nonce.
pub async fn redeem(
    state: &AppState,
    token: &str,
    nonce: Option<u64>,
    expected: Kind,
) -> Result<(), crate::error::AppError> {
    let now = state.clock.now();
    let settings = &state.settings.pow;
    let challenge = parse(&state.secret, token).map_err(proof_error)?;
    if challenge.kind != expected {
        return Err(proof_error(ProofError::Invalid));
    }
    if challenge.issued > now + time::Duration::milliseconds(SKEW_MS) {
        return Err(proof_error(ProofError::Invalid));
    }
    let expires = challenge.issued + settings.ttl;
    if now >= expires {
        return Err(proof_error(ProofError::Expired));
    }
    if expected == Kind::Wait {
        let ready = challenge.issued + settings.nojs_wait;
        if now < ready {
            let left = (ready - now).whole_seconds().max(1);
            return Err(proof_error(ProofError::TooEarly(
                u64::try_from(left).unwrap_or(1),
            )));
        }
    }
    if !state
        .store
        .spend_proof(&token_hash(token), expires, now)
        .await?
    {
        return Err(proof_error(ProofError::Spent));
    }
    if expected == Kind::Work {
        let nonce = nonce.ok_or(proof_error(ProofError::Unsolved))?;
        let (memory, iterations) = (challenge.memory_kib, challenge.iterations);
        let token = token.to_owned();
        let hash = tokio::task::spawn_blocking(move || attempt(&token, nonce, memory, iterations))
            .await
            .map_err(|e| crate::error::AppError::Internal(e.to_string()))?;
        if !hash.is_some_and(|h| leading_zero_bits(&h, challenge.difficulty)) {
            return Err(proof_error(ProofError::Unsolved));
        }
    }
    Ok(())
}

/// The web error for a refused proof.
pub fn proof_error(e: ProofError) -> crate::error::AppError {
    use crate::error::AppError;
    match e {
        ProofError::Spent => AppError::Conflict(e.code()),
        ProofError::TooEarly(secs) => AppError::TooEarly(secs),
        _ => AppError::Invalid(e.code()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn key() -> SecretKey {
        SecretKey::from_bytes([7; 32])
    }

    fn cheap() -> PowSettings {
        PowSettings {
            difficulty: 6,
            memory_kib: 64,
            ..PowSettings::default()
        }
    }

    #[test]
    fn a_solved_challenge_verifies_and_a_wrong_nonce_does_not() {
        let now = from_millis(1_700_000_000_000);
        let c = issue(
            &key(),
            &cheap(),
            Kind::Work,
            now,
            &mut StdRng::seed_from_u64(1),
        );
        assert_eq!(parse(&key(), &c.token).unwrap(), c);
        let nonce = solve(&c).unwrap();
        let good = attempt(&c.token, nonce, 64, 1).unwrap();
        assert!(leading_zero_bits(&good, 6));
        // Every smaller nonce fails: `solve` returns the first.
        for n in 0..nonce {
            assert!(!leading_zero_bits(&attempt(&c.token, n, 64, 1).unwrap(), 6));
        }
    }

    #[test]
    fn the_js_worker_vector_matches() {
        // e2e/tests/pow.test.mjs checks the same case against static/pow-worker.js.
        let c = Challenge {
            token: "AAAA.BBBB.CCCC".into(),
            kind: Kind::Work,
            issued: from_millis(0),
            difficulty: 4,
            memory_kib: 64,
            iterations: 1,
        };
        assert_eq!(solve(&c), Some(24));
    }

    #[test]
    fn forged_or_altered_tokens_are_refused() {
        let now = from_millis(1_700_000_000_000);
        let c = issue(
            &key(),
            &cheap(),
            Kind::Work,
            now,
            &mut StdRng::seed_from_u64(2),
        );
        // Lowering the difficulty breaks the MAC.
        let lowered = c.token.replacen(".6.64.", ".0.64.", 1);
        assert_ne!(lowered, c.token);
        assert_eq!(parse(&key(), &lowered), Err(ProofError::Invalid));
        assert_eq!(
            parse(&SecretKey::from_bytes([8; 32]), &c.token),
            Err(ProofError::Invalid)
        );
        for bad in ["", ".", "v1", "a.b", &"x".repeat(500)] {
            assert_eq!(parse(&key(), bad), Err(ProofError::Invalid));
        }
    }

    #[test]
    fn leading_zero_bits_counts_from_the_first_byte() {
        assert!(leading_zero_bits(&[0xff], 0));
        assert!(leading_zero_bits(&[0x0f, 0xff], 4));
        assert!(!leading_zero_bits(&[0x0f, 0xff], 5));
        assert!(leading_zero_bits(&[0x00, 0x7f], 9));
        assert!(!leading_zero_bits(&[0x00, 0x7f], 10));
        assert!(!leading_zero_bits(&[0x00], 9));
    }

    proptest::proptest! {
        #[test]
        fn any_token_text_is_refused_or_parsed_never_a_panic(token in "\\PC{0,220}") {
            let _ = parse(&key(), &token);
        }
    }
}
