//! The fast-forward day: 25 officers in three shifts with breaks, 600 conversations with a
//! launch-day peak, driven as a seeded discrete-event simulation. Each event mutates the
//! snapshot the way the store would, then dispatch runs and every invariant is checked.

use super::fixture::*;
use super::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

mod checks;
mod events;

/// The launch day of the real service, 3 March 2021.
const SEED: u64 = 20210303;
const CHATS: usize = 600;
const HOUR: i64 = 3600;
/// 10 officers 06–14, 9 officers 14–22, 6 officers 22–06 (on duty at midnight, back at 22:00).
const SHIFTS: [(usize, &[(i64, i64)]); 3] = [
    (10, &[(6 * HOUR, 14 * HOUR)]),
    (9, &[(14 * HOUR, 22 * HOUR)]),
    (6, &[(0, 6 * HOUR), (22 * HOUR, 30 * HOUR)]),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Arrive(usize),
    Abandon(usize),
    Decide {
        chat: usize,
        officer: usize,
        expires_at: Timestamp,
        accept: bool,
    },
    Reply(usize, u32),
    Close(usize, u32),
    Disconnect(usize, Duration),
    Reconnect(usize),
    ShiftStart(usize, usize),
    BreakDue(usize, usize),
    BreakEnd(usize, usize),
    ShiftEnd(usize, usize),
    Pull(usize),
    Wake,
}

struct ChatRec {
    created: Timestamp,
    priority: Priority,
    handling: Duration,
    arrived: bool,
    /// Bumped whenever the holder changes: events of a former holding are stale.
    epoch: u32,
    takes: u32,
    taken: Option<Timestamp>,
    first_reply: Option<Timestamp>,
    closed: Option<Timestamp>,
}

struct OfficerRec {
    /// The roster window (shift) the officer is in, to ignore events of another one.
    window: usize,
    connected: bool,
    after_drain: Duty,
    pull_pending: bool,
}

#[derive(Default, Debug)]
struct Stats {
    events: usize,
    offers: usize,
    expired: usize,
    withdrawn: usize,
    declined: usize,
    pulls: usize,
    requeued: BTreeMap<&'static str, usize>,
    long_wait_alerts: usize,
    to_colleague: usize,
    to_queue: usize,
    refused_handovers: usize,
    abandons: usize,
    short_disconnects: usize,
    long_disconnects: usize,
    /// Counted as they happen, by creation hour: the reference for the figures.
    breaches: BTreeMap<Timestamp, usize>,
    arrivals: BTreeMap<Timestamp, usize>,
}

struct Sim {
    rng: StdRng,
    config: DispatchConfig,
    now: Timestamp,
    seq: u64,
    events: BinaryHeap<Reverse<(Timestamp, u64, Ev)>>,
    /// The one wake-up timer the runtime keeps, re-armed after every dispatch.
    armed: Option<Timestamp>,
    snap: Snapshot,
    chats: Vec<ChatRec>,
    officers: Vec<OfficerRec>,
    stats: Stats,
    /// Conversations not closed yet, and arrived so far.
    open: usize,
    arrived: usize,
    /// Ids by index and back (building an id from an index is slow: it parses).
    cids: Vec<ConversationId>,
    sids: Vec<StaffId>,
    cidx: BTreeMap<ConversationId, usize>,
    sidx: BTreeMap<StaffId, usize>,
    kinds: BTreeMap<String, usize>,
}

fn hour_of(t: Timestamp) -> Timestamp {
    at((t - at(0)).whole_hours() * HOUR)
}

impl Sim {
    fn new(seed: u64, config: DispatchConfig) -> Self {
        let mut sim = Sim {
            rng: StdRng::seed_from_u64(seed),
            config,
            now: at(0),
            seq: 0,
            events: BinaryHeap::new(),
            armed: None,
            snap: Snapshot::default(),
            chats: Vec::new(),
            officers: Vec::new(),
            stats: Stats::default(),
            open: CHATS,
            arrived: 0,
            cids: (0..CHATS).map(chat).collect(),
            sids: (0..25).map(staff).collect(),
            cidx: (0..CHATS).map(|c| (chat(c), c)).collect(),
            sidx: (0..25).map(|n| (staff(n), n)).collect(),
            kinds: BTreeMap::new(),
        };
        for (size, windows) in SHIFTS {
            for _ in 0..size {
                let n = sim.officers.len();
                sim.snap.officers.push(officer(n, Duty::OffDuty, at(-HOUR)));
                for (w, &(start, end)) in windows.iter().enumerate() {
                    let (start, end) = (at(start), at(end));
                    sim.push(start, Ev::ShiftStart(n, w));
                    sim.push(end, Ev::ShiftEnd(n, w));
                    let length = end - start;
                    let break_at = sim.instant(start + length / 4, start + length * 0.7);
                    sim.push(break_at, Ev::BreakDue(n, w));
                    for _ in 0..sim.rng.gen_range(0..=2) {
                        let when = sim.instant(start, end);
                        let short = sim.rng.gen_bool(0.65);
                        let gone = if short {
                            sim.ms(3, 40)
                        } else {
                            sim.ms(50, 300)
                        };
                        sim.push(when, Ev::Disconnect(n, gone));
                    }
                }
                sim.officers.push(OfficerRec {
                    window: 0,
                    connected: false,
                    after_drain: Duty::OffDuty,
                    pull_pending: false,
                });
            }
        }
        for c in 0..CHATS {
            // 40 % in two launch hours mid-morning, the rest over the day, a little at night.
            let (from, to) = match c % 10 {
                0..=3 => (9 * HOUR, 11 * HOUR),
                4 => (0, 6 * HOUR),
                _ => (6 * HOUR, 24 * HOUR),
            };
            let created = at(from) + sim.ms(0, to - from);
            let priority = match sim.rng.gen_range(0..100) {
                0..=81 => Priority::Normal,
                82..=86 => Priority::Raised,
                87..=96 => Priority::WeaponsViolence,
                _ => Priority::ImminentDanger,
            };
            // A few minutes to 40, most of them short (mean about 15 min).
            let spread = sim.rng.gen::<f64>().powi(2) * 37.0 * 60_000.0;
            let handling = Duration::minutes(3) + Duration::milliseconds(spread as i64);
            sim.chats.push(ChatRec {
                created,
                priority,
                handling,
                arrived: false,
                epoch: 0,
                takes: 0,
                taken: None,
                first_reply: None,
                closed: None,
            });
            sim.push(created, Ev::Arrive(c));
            if sim.rng.gen_bool(0.05) {
                let patience = sim.ms(4 * 60, 20 * 60);
                sim.push(created + patience, Ev::Abandon(c));
            }
        }
        sim
    }

    /// A random duration between `lo` and `hi` seconds, to the millisecond.
    fn ms(&mut self, lo: i64, hi: i64) -> Duration {
        Duration::milliseconds(self.rng.gen_range(lo * 1000..hi * 1000))
    }

    /// A random instant in `[from, to)`, to the millisecond.
    fn instant(&mut self, from: Timestamp, to: Timestamp) -> Timestamp {
        let span = i64::try_from((to - from).whole_milliseconds()).unwrap();
        from + Duration::milliseconds(self.rng.gen_range(0..span))
    }

    fn push(&mut self, at: Timestamp, ev: Ev) {
        self.seq += 1;
        self.events.push(Reverse((at, self.seq, ev)));
    }

    fn holder(&self, c: usize) -> Option<usize> {
        let h = self.snap.held.iter().find(|h| h.chat == self.cids[c])?;
        self.sidx.get(&h.officer).copied()
    }

    fn run(&mut self) {
        while let Some(Reverse((t, _, ev))) = self.events.pop() {
            if self.open == 0 {
                break;
            }
            if ev == Ev::Wake && self.armed != Some(t) {
                continue; // a timer since re-armed
            }
            assert!(t >= self.now, "time runs forward");
            assert!(self.stats.events < 100_000, "runaway simulation");
            self.now = t;
            self.stats.events += 1;
            let kind = format!("{ev:?}");
            let kind = kind.split(['(', ' ']).next().unwrap_or("").to_owned();
            *self.kinds.entry(kind).or_default() += 1;
            for (n, o) in self.officers.iter().enumerate() {
                if o.connected {
                    self.snap.officers[n].last_seen = t; // heartbeats
                }
            }
            self.handle(ev);
            self.dispatch();
        }
        assert!(
            self.chats.iter().all(|c| c.closed.is_some()),
            "every conversation ends closed"
        );
    }
}

fn simulate_day(mode: DispatchMode, seed: u64) -> Stats {
    let started = std::time::Instant::now();
    let config = DispatchConfig::new(
        mode,
        Duration::seconds(30),
        Duration::seconds(45),
        Duration::minutes(3),
        Duration::minutes(2),
    )
    .unwrap();
    let mut sim = Sim::new(seed, config);
    sim.run();
    sim.report(mode.as_str(), started.elapsed());
    sim.stats
}

#[test]
fn a_launch_day_of_600_chats_with_25_officers_in_offer_mode() {
    let stats = simulate_day(DispatchMode::Offer, SEED);
    let requeued = |r: AlertReason| stats.requeued.get(r.as_str()).copied().unwrap_or(0);
    // The day exercised every path it claims to test.
    assert!(stats.expired > 0 && stats.declined > 0 && stats.withdrawn > 0);
    assert!(requeued(AlertReason::FirstReplyTimeout) > 0);
    assert!(requeued(AlertReason::OfficerLost) > 0);
    assert!(stats.to_colleague > 0 && stats.to_queue > 0 && stats.refused_handovers > 0);
    assert!(stats.short_disconnects > 0 && stats.long_disconnects > 0);
    assert!(stats.abandons > 0 && stats.long_wait_alerts > 0);
}

#[test]
fn the_same_day_in_take_next_mode() {
    let stats = simulate_day(DispatchMode::TakeNext, SEED);
    assert_eq!(stats.offers, 0);
    assert!(stats.pulls >= CHATS - stats.abandons);
}
