//! Anti-abuse limits that identify no one, all in memory:
//!
//! - a token bucket per conversation for witness messages (HTTP and WebSocket alike);
//! - a token bucket per client address for opening conversations, keyed by an HMAC of the
//!   address under a random key drawn at start-up and a salt drawn again every day (UTC): the
//!   address itself is never kept, stored or logged, and yesterday's keys mean nothing today;
//! - one global bucket for opening conversations, so a flood from many addresses cannot swamp
//!   the queue or the database.
//!
//! Refusals say how long to wait (`Retry-After`). Nothing here is written anywhere: a restart
//! forgets every bucket.

use crate::error::AppError;
use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::Instant;
use vigie_domain::ConversationId;

/// The limits, decided by the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitSettings {
    /// Witness messages one conversation may send in a burst.
    pub message_burst: u32,
    /// Witness messages per minute, sustained, per conversation.
    pub message_per_minute: u32,
    /// Conversations one address may open in a burst.
    pub open_burst_per_address: u32,
    /// Conversations per hour, sustained, per address.
    pub open_per_hour_per_address: u32,
    /// Conversations opened per minute on the whole service (also the burst).
    pub open_per_minute: u32,
    /// The service sits behind a reverse proxy that sets `X-Forwarded-For`: the client address
    /// is the last entry of that header (the one the proxy added). Off: the socket peer.
    pub trusted_proxy: bool,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            message_burst: 10,
            message_per_minute: 30,
            open_burst_per_address: 5,
            open_per_hour_per_address: 20,
            open_per_minute: 300,
            trusted_proxy: false,
        }
    }
}

/// A token bucket: `capacity` tokens, refilled at `per_sec`.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

#[derive(Debug, Clone, Copy)]
struct Rate {
    capacity: f64,
    per_sec: f64,
}

impl Rate {
    fn new(capacity: u32, per_sec: f64) -> Self {
        Self {
            capacity: f64::from(capacity.max(1)),
            per_sec: if per_sec > 0.0 { per_sec } else { 1e-9 },
        }
    }
}

impl Bucket {
    fn full(rate: Rate, now: Instant) -> Self {
        Self {
            tokens: rate.capacity,
            at: now,
        }
    }

    fn refill(&mut self, rate: Rate, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate.per_sec).min(rate.capacity);
        self.at = now;
    }

    /// Takes one token, or says how long until one is there (whole seconds, at least 1).
    fn take(&mut self, rate: Rate, now: Instant) -> Result<(), u64> {
        self.refill(rate, now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - self.tokens) / rate.per_sec;
            Err((wait.ceil() as u64).max(1))
        }
    }

    fn is_full(&self, rate: Rate, now: Instant) -> bool {
        let mut b = *self;
        b.refill(rate, now);
        b.tokens >= rate.capacity
    }
}

/// Buckets by key; a bucket back to full is forgotten (it would say nothing a new one does not).
struct Buckets<K> {
    rate: Rate,
    map: HashMap<K, Bucket>,
    ops: u32,
}

impl<K: Hash + Eq> Buckets<K> {
    fn new(rate: Rate) -> Self {
        Self {
            rate,
            map: HashMap::new(),
            ops: 0,
        }
    }

    fn take(&mut self, key: K, now: Instant) -> Result<(), u64> {
        self.ops = self.ops.wrapping_add(1);
        if self.ops.is_multiple_of(1024) {
            let rate = self.rate;
            self.map.retain(|_, b| !b.is_full(rate, now));
        }
        let rate = self.rate;
        self.map
            .entry(key)
            .or_insert_with(|| Bucket::full(rate, now))
            .take(rate, now)
    }

    fn clear(&mut self) {
        self.map.clear();
    }
}

/// The keyed hash of an address: 16 bytes of HMAC-SHA-256, never shown anywhere.
type AddressKey = [u8; 16];

struct Salted {
    /// The UTC day the salt belongs to (days since the epoch).
    day: i64,
    salt: [u8; 32],
    buckets: Buckets<AddressKey>,
}

pub struct Limits {
    settings: LimitSettings,
    messages: Mutex<Buckets<ConversationId>>,
    global: Mutex<Bucket>,
    global_rate: Rate,
    /// Drawn at start-up, kept in memory only.
    key: [u8; 32],
    addresses: Mutex<Salted>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl Limits {
    pub fn new(settings: LimitSettings, rng: &mut impl RngCore) -> Self {
        let now = Instant::now();
        let message_rate = Rate::new(
            settings.message_burst,
            f64::from(settings.message_per_minute) / 60.0,
        );
        let address_rate = Rate::new(
            settings.open_burst_per_address,
            f64::from(settings.open_per_hour_per_address) / 3600.0,
        );
        let global_rate = Rate::new(
            settings.open_per_minute,
            f64::from(settings.open_per_minute) / 60.0,
        );
        let mut key = [0u8; 32];
        rng.fill_bytes(&mut key);
        let mut salt = [0u8; 32];
        rng.fill_bytes(&mut salt);
        Self {
            settings,
            messages: Mutex::new(Buckets::new(message_rate)),
            global: Mutex::new(Bucket::full(global_rate, now)),
            global_rate,
            key,
            addresses: Mutex::new(Salted {
                day: i64::MIN,
                salt,
                buckets: Buckets::new(address_rate),
            }),
        }
    }

    pub fn settings(&self) -> &LimitSettings {
        &self.settings
    }

    /// One witness message in `conversation`, at `now`.
    pub fn message(&self, conversation: ConversationId, now: Instant) -> Result<(), AppError> {
        lock(&self.messages)
            .take(conversation, now)
            .map_err(AppError::RateLimited)
    }

    /// Opening one conversation from `client`, at `now` on `day` (UTC days since the epoch):
    /// the address's bucket first, then the service's.
    pub fn open(
        &self,
        client: &ClientAddress,
        day: i64,
        now: Instant,
        rng: &mut impl RngCore,
    ) -> Result<(), AppError> {
        if let Some(ip) = client.0 {
            let mut salted = lock(&self.addresses);
            if salted.day != day {
                // A new day: a new salt, and the old keys are forgotten with it.
                rng.fill_bytes(&mut salted.salt);
                salted.day = day;
                salted.buckets.clear();
            }
            let key = self.address_key(&salted.salt, ip);
            salted
                .buckets
                .take(key, now)
                .map_err(AppError::RateLimited)?;
        }
        lock(&self.global)
            .take(self.global_rate, now)
            .map_err(AppError::Busy)
    }

    fn address_key(&self, salt: &[u8; 32], ip: IpAddr) -> AddressKey {
        let mut out = [0u8; 16];
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            return out;
        };
        mac.update(salt);
        match ip {
            IpAddr::V4(v4) => mac.update(&v4.octets()),
            IpAddr::V6(v6) => mac.update(&v6.octets()),
        }
        let digest = mac.finalize().into_bytes();
        out.copy_from_slice(&digest[..16]);
        out
    }

    /// Checks and counts the opening of a conversation with the state's clock for the day.
    pub fn admit_open(&self, state: &AppState, client: &ClientAddress) -> Result<(), AppError> {
        let day = state.clock.now().unix_timestamp().div_euclid(86_400);
        state.with_rng(|rng| self.open(client, day, Instant::now(), rng))
    }
}

/// The client's address as far as the limits need it, normalised (an IPv6 client counts by its
/// /64, the block one subscriber usually gets). `None` when it cannot be told apart from other
/// clients: a loopback peer without a trusted proxy, such as a Tor onion service or a local
/// proxy not declared as trusted, where every witness would share one bucket and one abuser
/// could lock out everyone. Only the global ceiling applies then. `Debug` shows nothing.
#[derive(Clone, Copy)]
pub struct ClientAddress(Option<IpAddr>);

impl std::fmt::Debug for ClientAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientAddress(..)")
    }
}

impl ClientAddress {
    pub fn from_parts(parts: &Parts, trusted_proxy: bool) -> Self {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded = if trusted_proxy {
            parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .next_back()
                .and_then(parse_forwarded)
        } else {
            None
        };
        match (forwarded, peer) {
            (Some(ip), _) => Self(Some(normalise(ip))),
            (None, Some(ip)) if ip.is_loopback() => Self(None),
            (None, Some(ip)) => Self(Some(normalise(ip))),
            (None, None) => Self(None),
        }
    }
}

fn parse_forwarded(raw: &str) -> Option<IpAddr> {
    let raw = raw.trim();
    raw.parse::<IpAddr>()
        .ok()
        .or_else(|| raw.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

fn normalise(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut o = v6.octets();
                o[8..].fill(0);
                IpAddr::V6(o.into())
            }
        },
        v4 => v4,
    }
}

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self::from_parts(parts, state.settings.limits.trusted_proxy))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use std::time::Duration;

    fn limits(settings: LimitSettings) -> Limits {
        Limits::new(settings, &mut rand::rngs::StdRng::seed_from_u64(7))
    }

    fn client(ip: &str) -> ClientAddress {
        ClientAddress(Some(normalise(ip.parse().unwrap())))
    }

    #[test]
    fn a_conversation_gets_its_burst_then_one_message_every_two_seconds() {
        let l = limits(LimitSettings::default());
        let id = ConversationId::random(&mut rand::rngs::StdRng::seed_from_u64(1));
        let other = ConversationId::random(&mut rand::rngs::StdRng::seed_from_u64(2));
        let t0 = Instant::now();
        for _ in 0..10 {
            l.message(id, t0).unwrap();
        }
        match l.message(id, t0) {
            Err(AppError::RateLimited(wait)) => assert_eq!(wait, 2),
            other => panic!("{other:?}"),
        }
        // Another conversation is not affected.
        l.message(other, t0).unwrap();
        // Two seconds later, exactly one more.
        l.message(id, t0 + Duration::from_secs(2)).unwrap();
        assert!(l.message(id, t0 + Duration::from_secs(2)).is_err());
    }

    #[test]
    fn an_address_is_limited_by_its_keyed_hash_and_the_day_resets_it() {
        let l = limits(LimitSettings::default());
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let t0 = Instant::now();
        let a = client("203.0.113.7");
        for _ in 0..5 {
            l.open(&a, 100, t0, &mut rng).unwrap();
        }
        assert!(matches!(
            l.open(&a, 100, t0, &mut rng),
            Err(AppError::RateLimited(_))
        ));
        // Another address, and the same /64 counted as one.
        l.open(&client("203.0.113.8"), 100, t0, &mut rng).unwrap();
        let v6a = client("2001:db8:1:2::1");
        for _ in 0..5 {
            l.open(&v6a, 100, t0, &mut rng).unwrap();
        }
        assert!(l
            .open(&client("2001:db8:1:2::ffff"), 100, t0, &mut rng)
            .is_err());
        // A new day: a new salt, the count starts again; nothing holds the address itself.
        l.open(&a, 101, t0, &mut rng).unwrap();
        // An address that cannot be told apart is not limited per address.
        for _ in 0..50 {
            l.open(&ClientAddress(None), 101, t0, &mut rng).unwrap();
        }
    }

    #[test]
    fn the_global_ceiling_refuses_with_busy() {
        let l = limits(LimitSettings {
            open_per_minute: 3,
            ..LimitSettings::default()
        });
        let mut rng = rand::rngs::StdRng::seed_from_u64(4);
        let t0 = Instant::now();
        for i in 0..3 {
            l.open(&client(&format!("198.51.100.{i}")), 1, t0, &mut rng)
                .unwrap();
        }
        match l.open(&client("198.51.100.9"), 1, t0, &mut rng) {
            Err(AppError::Busy(wait)) => assert_eq!(wait, 20),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_address_comes_from_the_peer_or_a_trusted_proxy_only() {
        let parts = |peer: &str, xff: Option<&str>| {
            let mut req = axum::http::Request::builder().uri("/");
            if let Some(x) = xff {
                req = req.header("x-forwarded-for", x);
            }
            let (mut parts, ()) = req.body(()).unwrap().into_parts();
            parts
                .extensions
                .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
            parts
        };
        let ip = |c: ClientAddress| c.0.map(|i| i.to_string());
        let p = parts("198.51.100.4:5000", Some("203.0.113.1"));
        assert_eq!(
            ip(ClientAddress::from_parts(&p, false)).as_deref(),
            Some("198.51.100.4")
        );
        let p = parts("127.0.0.1:5000", Some("203.0.113.1, 192.0.2.9"));
        assert_eq!(
            ip(ClientAddress::from_parts(&p, true)).as_deref(),
            Some("192.0.2.9")
        );
        assert_eq!(ip(ClientAddress::from_parts(&p, false)), None);
        let p = parts("127.0.0.1:5000", Some("garbage"));
        assert_eq!(ip(ClientAddress::from_parts(&p, true)), None);
        assert_eq!(
            format!("{:?}", ClientAddress::from_parts(&p, true)),
            "ClientAddress(..)"
        );
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn any_ip() -> impl Strategy<Value = IpAddr> {
        prop_oneof![
            any::<[u8; 4]>().prop_map(|o| IpAddr::V4(Ipv4Addr::from(o))),
            any::<[u8; 16]>().prop_map(|o| IpAddr::V6(Ipv6Addr::from(o))),
            any::<[u8; 4]>().prop_map(|o| IpAddr::V6(Ipv4Addr::from(o).to_ipv6_mapped())),
        ]
    }

    fn parts(peer: SocketAddr, xff: &[Vec<u8>]) -> Parts {
        let mut req = axum::http::Request::builder().uri("/");
        for x in xff {
            if let Ok(v) = axum::http::HeaderValue::from_bytes(x) {
                req = req.header("x-forwarded-for", v);
            }
        }
        let (mut parts, ()) = req.body(()).unwrap().into_parts();
        parts.extensions.insert(ConnectInfo(peer));
        parts
    }

    fn is_normal(ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(_) => true,
            IpAddr::V6(v6) => v6.to_ipv4_mapped().is_none() && v6.octets()[8..] == [0; 8],
        }
    }

    proptest! {
        #[test]
        fn any_forwarded_header_is_read_without_panic(
            xff in proptest::collection::vec(prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..80),
                "[0-9a-fA-F:.,\\[\\] %]{0,60}".prop_map(String::into_bytes),
            ], 0..3),
            peer_ip in any_ip(), port in any::<u16>(), trusted in any::<bool>(),
        ) {
            let p = parts(SocketAddr::new(peer_ip, port), &xff);
            let got = ClientAddress::from_parts(&p, trusted).0;
            if let Some(ip) = got {
                prop_assert!(is_normal(ip));
            }
            if !trusted {
                // Without a trusted proxy the header is never read.
                let want = (!peer_ip.is_loopback()).then(|| normalise(peer_ip));
                prop_assert_eq!(got, want);
            }
        }

        #[test]
        fn the_last_forwarded_address_is_the_client(
            first in any_ip(), last in any_ip(), port in any::<u16>(), spaces in "[ \\t]{0,2}",
        ) {
            let last_text = if port % 2 == 0 { last.to_string() } else { SocketAddr::new(last, port).to_string() };
            let header = format!("{first},{spaces}{last_text}{spaces}");
            let p = parts("127.0.0.1:1".parse().unwrap(), &[header.into_bytes()]);
            prop_assert_eq!(ClientAddress::from_parts(&p, true).0, Some(normalise(last)));
            prop_assert_eq!(parse_forwarded(&last_text), Some(last));
        }

        #[test]
        fn normalising_is_idempotent_and_keeps_the_64_block(ip in any_ip()) {
            let n = normalise(ip);
            prop_assert!(is_normal(n));
            prop_assert_eq!(normalise(n), n);
            if let (IpAddr::V6(a), IpAddr::V6(b)) = (ip, n) {
                prop_assert_eq!(&a.octets()[..8], &b.octets()[..8]);
            }
        }

        #[test]
        fn parse_forwarded_never_panics(raw in any::<String>()) {
            let _ = parse_forwarded(&raw);
        }
    }
}
