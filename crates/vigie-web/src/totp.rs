//! Time-based one-time passwords (RFC 6238), the mandatory second factor of staff accounts,
//! and the QR code that enrols a secret in an authenticator app.
//!
//! Choices, and why:
//! - **HMAC-SHA1, 6 digits, 30-second steps.** These are the defaults of the `otpauth://` key
//!   URI format and the only parameters every authenticator app honours; several silently
//!   ignore `algorithm=SHA256`. SHA-1's collision weakness does not touch HMAC-SHA1 as a PRF.
//!   The secret is 160 bits, the HMAC-SHA1 block-friendly size RFC 4226 recommends.
//! - **Window of ±1 step.** A code is accepted for the previous, current and next step, which
//!   absorbs clock drift and the time it takes to type, without widening guessing much (3 in a
//!   million per attempt; the login rate limits do the rest).
//! - **Replay protection (RFC 6238 §5.2).** [`verify`] returns the matched step; the caller
//!   stores it and passes it back, and only strictly later steps are accepted afterwards, so an
//!   observed code cannot be used a second time.
//! - **Constant time.** Every candidate step is computed and compared with [`subtle`]; there is
//!   no early exit that would reveal which step, or which digit, matched.
//! - **QR code drawn by the server** as one SVG `<path>`: no external service ever sees the
//!   secret, no script runs, and no inline style is needed (the CSP forbids them).

use hmac::{Hmac, Mac};
use qrcode::{Color, EcLevel, QrCode};
use rand::RngCore;
use sha1::Sha1;
use std::fmt::{self, Write as _};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

/// Digits in a code.
pub const DIGITS: u32 = 6;
/// Seconds in a time step.
pub const PERIOD: u64 = 30;
/// Bytes in a secret (160 bits).
pub const SECRET_LEN: usize = 20;
/// Steps accepted on either side of the current one.
const SKEW: u64 = 1;
/// Light modules around the symbol, as the QR specification requires.
const QUIET_ZONE: usize = 4;
/// Default rendered size of one module, in CSS pixels (the SVG scales; this is only a hint).
const MODULE_PX: usize = 5;
/// RFC 4648 base32 alphabet.
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Why a QR code could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum TotpError {
    /// The data does not fit in a QR code at error-correction level M.
    #[error("cannot encode as a QR code: {0}")]
    Qr(#[from] qrcode::types::QrError),
}

/// A staff member's TOTP shared secret. Its `Debug` never shows the bytes.
#[derive(Clone)]
pub struct TotpSecret([u8; SECRET_LEN]);

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(****)")
    }
}

impl TotpSecret {
    /// A fresh random secret.
    pub fn generate(rng: &mut impl RngCore) -> Self {
        let mut bytes = [0u8; SECRET_LEN];
        rng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// The secret from exactly [`SECRET_LEN`] bytes.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        <[u8; SECRET_LEN]>::try_from(bytes).ok().map(Self)
    }

    pub fn as_bytes(&self) -> &[u8; SECRET_LEN] {
        &self.0
    }

    /// RFC 4648 base32 without padding: 32 characters, as authenticator apps expect.
    pub fn to_base32(&self) -> String {
        base32_encode(&self.0)
    }

    /// Parses base32 as typed or pasted: case-insensitive, whitespace and padding ignored.
    pub fn from_base32(s: &str) -> Option<Self> {
        let cleaned: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '=')
            .collect();
        Self::from_bytes(&base32_decode(&cleaned)?)
    }

    /// The base32 secret in groups of four (`ABCD EFGH …`), for entering by hand.
    pub fn display_groups(&self) -> String {
        let b32 = self.to_base32();
        let mut out = String::with_capacity(b32.len() + b32.len() / 4);
        for (i, c) in b32.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                out.push(' ');
            }
            out.push(c);
        }
        out
    }

    /// The code for time step `step`, zero-padded to [`DIGITS`] digits (RFC 4226 HOTP).
    pub fn code_at(&self, step: u64) -> String {
        format!("{:0width$}", self.hotp(step), width = DIGITS as usize)
    }

    fn hotp(&self, counter: u64) -> u32 {
        // HMAC zero-pads keys shorter than the block to the block size; doing it here makes
        // the key length statically right, so construction is infallible.
        let mut key = [0u8; 64];
        key[..SECRET_LEN].copy_from_slice(&self.0);
        let mut mac = <Hmac<Sha1> as hmac::digest::KeyInit>::new(&key.into());
        mac.update(&counter.to_be_bytes());
        let hash = mac.finalize().into_bytes();
        // Dynamic truncation (RFC 4226 §5.3): 31 bits at the offset named by the last nibble.
        let offset = usize::from(hash.last().map_or(0, |b| b & 0x0f));
        let word = hash
            .iter()
            .skip(offset)
            .take(4)
            .fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
        (word & 0x7fff_ffff) % 10u32.pow(DIGITS)
    }

    /// The `otpauth://` key URI that authenticator apps read from the enrolment QR code.
    /// Label and issuer are percent-encoded, so colons and spaces in a username are safe.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        let issuer = percent_encode(issuer);
        format!(
            "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}\
             &algorithm=SHA1&digits={DIGITS}&period={PERIOD}",
            account = percent_encode(account),
            secret = self.to_base32(),
        )
    }
}

/// The time step containing `unix_seconds`; instants before 1970 count as step 0.
pub fn step_of(unix_seconds: i64) -> u64 {
    u64::try_from(unix_seconds).unwrap_or(0) / PERIOD
}

/// Checks `code` at `unix_seconds`. Accepts a code for the steps now-1..=now+1 that are
/// strictly greater than `last_used_step` (replay protection, RFC 6238 §5.2) and returns the
/// matched step, which the caller must store as the new `last_used_step`.
///
/// The code must be exactly [`DIGITS`] ASCII digits once whitespace is removed. All candidate
/// steps are computed and compared in constant time; if several match (a one-in-a-million
/// coincidence), the earliest is returned so that no later code is burnt.
pub fn verify(
    secret: &TotpSecret,
    code: &str,
    unix_seconds: i64,
    last_used_step: Option<u64>,
) -> Option<u64> {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != DIGITS as usize || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_of(unix_seconds);
    let candidates = now.saturating_sub(SKEW)..=now.saturating_add(SKEW);
    let mut found = Choice::from(0);
    let mut matched = 0u64;
    // Latest first, so that the last assignment, the earliest match, wins.
    for step in candidates.rev() {
        let fresh = Choice::from(u8::from(last_used_step.is_none_or(|last| step > last)));
        let hit = secret.code_at(step).as_bytes().ct_eq(digits.as_bytes()) & fresh;
        matched.conditional_assign(&step, hit);
        found |= hit;
    }
    bool::from(found).then_some(matched)
}

/// The QR code of `data` (error correction M) as an inline `<svg>` element: black modules on
/// white with a 4-module quiet zone, a `viewBox` so it scales, `role="img"` and an
/// `aria-label` of `label`. The modules are one `<path>` of horizontal runs, and colours are
/// presentation attributes: no `style`, so the page's CSP needs no exception.
pub fn qr_svg(data: &str, label: &str) -> Result<String, TotpError> {
    let qr = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)?;
    let width = qr.width();
    let size = width + 2 * QUIET_ZONE;
    let mut path = String::new();
    for (y, row) in qr.to_colors().chunks(width.max(1)).enumerate() {
        let mut x = 0;
        for run in row.chunk_by(|a, b| a == b) {
            if run.first() == Some(&Color::Dark) {
                let (n, px, py) = (run.len(), x + QUIET_ZONE, y + QUIET_ZONE);
                // Writing to a String cannot fail.
                let _ = write!(path, "M{px} {py}h{n}v1h-{n}z");
            }
            x += run.len();
        }
    }
    let px = size * MODULE_PX;
    Ok(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{px}" height="{px}" role="img" aria-label="{label}" shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d="{path}"/></svg>"##,
        label = xml_escape(label),
    ))
}

fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Strict unpadded base32 (either case): refuses foreign characters, impossible lengths and
/// non-zero trailing bits, so each byte string has exactly one accepted spelling per case.
fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let value = BASE32.iter().position(|&a| a == c.to_ascii_uppercase())?;
        buffer = ((buffer << 5) | value as u32) & 0xfff;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    let trailing_zero = buffer & ((1 << bits) - 1) == 0;
    (bits < 5 && trailing_zero).then_some(out)
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;

    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890").unwrap()
    }

    #[test]
    fn rfc6238_sha1_vectors_give_their_last_six_digits() {
        let s = rfc_secret();
        for (t, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ] {
            assert_eq!(s.code_at(step_of(t)), code, "T = {t}");
        }
    }

    #[test]
    fn base32_matches_rfc4648_examples_without_padding() {
        for (plain, b32) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32_encode(plain.as_bytes()), b32);
            assert_eq!(base32_decode(b32).unwrap(), plain.as_bytes());
            assert_eq!(
                base32_decode(&b32.to_lowercase()).unwrap(),
                plain.as_bytes()
            );
        }
        // Impossible length, non-zero trailing bits, foreign characters.
        for bad in ["M", "MZX", "MZ", "MZXW6YTB1", "MZXW6YT8", "MZXW6YT!"] {
            assert_eq!(base32_decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_secret_is_typed_back_from_its_grouped_display() {
        let s = rfc_secret();
        assert_eq!(s.to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(
            s.display_groups(),
            "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"
        );
        let typed = TotpSecret::from_base32(" gezd gnbv gy3t qojq GEZD GNBV GY3T QOJQ ").unwrap();
        assert_eq!(typed.as_bytes(), s.as_bytes());
        // One character short, and a secret of the wrong length.
        assert!(TotpSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ").is_none());
        assert!(TotpSecret::from_base32("MZXW6YTBOI").is_none());
        assert!(TotpSecret::from_bytes(&[0; 19]).is_none());
    }

    #[test]
    fn generated_secrets_differ_and_never_show_in_debug() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let (a, b) = (
            TotpSecret::generate(&mut rng),
            TotpSecret::generate(&mut rng),
        );
        assert_ne!(a.as_bytes(), b.as_bytes());
        assert_eq!(format!("{a:?}"), "TotpSecret(****)");
    }

    #[test]
    fn codes_are_accepted_one_step_either_side_and_no_further() {
        let s = rfc_secret();
        let t = 1_111_111_111;
        let now = step_of(t);
        for offset in [-1i64, 0, 1] {
            let step = now.checked_add_signed(offset).unwrap();
            assert_eq!(verify(&s, &s.code_at(step), t, None), Some(step));
        }
        for step in [now - 2, now + 2] {
            assert_eq!(verify(&s, &s.code_at(step), t, None), None);
        }
        // Spaces as an app displays them are fine.
        let code = s.code_at(now);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(verify(&s, &spaced, t, None), Some(now));
    }

    #[test]
    fn a_used_code_cannot_be_replayed_nor_an_older_one_used() {
        let s = rfc_secret();
        let t = 1_234_567_890;
        let now = step_of(t);
        let used = verify(&s, &s.code_at(now), t, None).unwrap();
        assert_eq!(verify(&s, &s.code_at(now), t, Some(used)), None);
        assert_eq!(verify(&s, &s.code_at(now - 1), t, Some(used)), None);
        assert_eq!(
            verify(&s, &s.code_at(now + 1), t, Some(used)),
            Some(now + 1)
        );
    }

    #[test]
    fn malformed_codes_are_refused() {
        let s = rfc_secret();
        let t = 59;
        assert_eq!(s.code_at(step_of(t)), "287082");
        for bad in [
            "",
            "28708a",
            "28708",
            "2870820",
            "0287082",
            "+87082",
            "-87082",
            "２８７０８２",
            "٢٨٧٠٨٢",
            "287082\0",
        ] {
            assert_eq!(verify(&s, bad, t, None), None, "{bad:?}");
        }
    }

    #[test]
    fn otpauth_uri_escapes_label_and_issuer() {
        let uri = rfc_secret().otpauth_uri("Vigie Lyon", "jo doe:admin@x");
        assert_eq!(
            uri,
            "otpauth://totp/Vigie%20Lyon:jo%20doe%3Aadmin%40x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &issuer=Vigie%20Lyon&algorithm=SHA1&digits=6&period=30"
        );
    }

    /// Reads the modules back from the `d` attribute: each run is `Mx yhnv1h-nz`.
    fn modules_drawn(svg: &str) -> (usize, Vec<Vec<bool>>) {
        let size: usize = svg
            .split("viewBox=\"0 0 ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .unwrap()
            .parse()
            .unwrap();
        let d = svg
            .split(" d=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let mut grid = vec![vec![false; size]; size];
        for run in d.split('M').filter(|r| !r.is_empty()) {
            let (x, rest) = run.split_once(' ').unwrap();
            let (y, rest) = rest.split_once('h').unwrap();
            let (n, rest) = rest.split_once('v').unwrap();
            assert_eq!(rest, format!("1h-{n}z"));
            let (x, y, n): (usize, usize, usize) =
                (x.parse().unwrap(), y.parse().unwrap(), n.parse().unwrap());
            for cell in &mut grid[y][x..x + n] {
                assert!(!*cell, "module drawn twice");
                *cell = true;
            }
        }
        (size, grid)
    }

    #[test]
    fn enrolment_qr_is_one_accessible_path_that_decodes_back_to_the_uri() {
        let uri = rfc_secret().otpauth_uri("Vigie", "camille");
        let svg = qr_svg(&uri, "QR code <for> \"camille\" & co").unwrap();
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<path").count(), 1);
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains(r#"aria-label="QR code &lt;for&gt; &quot;camille&quot; &amp; co""#));
        assert!(!svg.contains("style"));
        assert!(svg.len() < 20_000, "{} bytes", svg.len());

        let (size, grid) = modules_drawn(&svg);
        // The quiet zone is empty.
        for (y, row) in grid.iter().enumerate() {
            for (x, &dark) in row.iter().enumerate() {
                let inside = (QUIET_ZONE..size - QUIET_ZONE).contains(&x)
                    && (QUIET_ZONE..size - QUIET_ZONE).contains(&y);
                assert!(
                    inside || !dark,
                    "dark module at ({x}, {y}) in the quiet zone"
                );
            }
        }
        // Render at 4 pixels per module and let an independent decoder read it.
        let scale = 4;
        let mut img =
            rqrr::PreparedImage::prepare_from_greyscale(size * scale, size * scale, |x, y| {
                if grid[y / scale][x / scale] {
                    0
                } else {
                    255
                }
            });
        let grids = img.detect_grids();
        assert_eq!(grids.len(), 1);
        let (meta, content) = grids[0].decode().unwrap();
        assert_eq!(content, uri);
        assert_eq!(meta.ecc_level, 0, "error correction M");
    }

    #[test]
    fn data_too_long_for_a_qr_code_is_an_error() {
        assert!(qr_svg(&"x".repeat(5000), "too long").is_err());
    }

    proptest! {
        #[test]
        fn any_secret_round_trips_through_base32(bytes in any::<[u8; 20]>()) {
            let s = TotpSecret::from_bytes(&bytes).unwrap();
            let b32 = s.to_base32();
            prop_assert_eq!(b32.len(), 32);
            prop_assert_eq!(*TotpSecret::from_base32(&b32).unwrap().as_bytes(), bytes);
            prop_assert_eq!(
                *TotpSecret::from_base32(&s.display_groups().to_lowercase()).unwrap().as_bytes(),
                bytes
            );
        }

        #[test]
        fn any_bytes_round_trip_through_base32(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(base32_decode(&base32_encode(&bytes)), Some(bytes));
        }

        #[test]
        fn arbitrary_input_never_panics_and_only_six_digits_can_pass(
            code in ".{0,12}", t in any::<i64>(), last in any::<Option<u64>>()
        ) {
            let s = rfc_secret();
            if verify(&s, &code, t, last).is_some() {
                let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
                prop_assert!(digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()));
            }
            let _ = TotpSecret::from_base32(&code);
        }
    }
}
