//! Response-time figures, per hour or per day: the numbers the supervisor board and the
//! statistics page show. Rule: pure over what the store feeds it; percentiles by nearest rank.

use crate::clock::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::{Duration, Time, UtcOffset};

choice!(
    /// The width of a bucket of figures.
    Period { Hour = "hour", Day = "day" }
);

/// The moments of one conversation's life that the figures need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatTimes {
    pub created: Timestamp,
    /// First taken by an officer.
    pub taken: Option<Timestamp>,
    /// First officer message to the witness.
    pub first_reply: Option<Timestamp>,
    pub closed: Option<Timestamp>,
}

impl ChatTimes {
    /// The witness went longer than `target` without hearing from an officer: the first reply
    /// came later than `target` after creation, or none came and the chat was closed (or is
    /// still open at `now`) later than that.
    pub fn breached(&self, target: Duration, now: Timestamp) -> bool {
        let heard_or_gave_up = match (self.first_reply, self.closed) {
            (Some(reply), _) => reply,
            (None, Some(closed)) => closed.min(now),
            (None, None) => now,
        };
        heard_or_gave_up - self.created > target
    }
}

/// Median, 90th percentile and maximum of a set of durations (nearest rank).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spread {
    pub count: usize,
    pub median: Duration,
    pub p90: Duration,
    pub max: Duration,
}

impl Spread {
    /// `None` for an empty set.
    pub fn of(mut values: Vec<Duration>) -> Option<Self> {
        values.sort();
        let rank = |percent: usize| {
            let n = values.len();
            let index = (percent * n).div_ceil(100).saturating_sub(1);
            values.get(index).copied()
        };
        Some(Self {
            count: values.len(),
            median: rank(50)?,
            p90: rank(90)?,
            max: values.last().copied()?,
        })
    }
}

/// The figures of the chats created in one hour or day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodFigures {
    /// Start of the bucket, in the requested offset.
    pub start: Timestamp,
    /// Chats created in the bucket.
    pub chats: usize,
    /// Creation → first officer reply, over the chats that got one.
    pub first_reply: Option<Spread>,
    /// Creation → first taken, over the chats that were taken.
    pub wait: Option<Spread>,
    /// First taken → closed, over the chats taken and closed.
    pub handling: Option<Spread>,
    /// Chats that breached the target (see [`ChatTimes::breached`]).
    pub breaches: usize,
}

/// Figures per `period`, by creation time seen at `offset` (the platform's local offset, so that
/// a "day" is a local day), in time order. Chats created after `now` are ignored.
pub fn response_figures(
    chats: &[ChatTimes],
    period: Period,
    offset: UtcOffset,
    target: Duration,
    now: Timestamp,
) -> Vec<PeriodFigures> {
    let mut buckets: BTreeMap<Timestamp, Vec<&ChatTimes>> = BTreeMap::new();
    for chat in chats.iter().filter(|c| c.created <= now) {
        let start = match period {
            Period::Hour => hour_start(chat.created, offset),
            Period::Day => chat.created.to_offset(offset).replace_time(Time::MIDNIGHT),
        };
        buckets.entry(start).or_default().push(chat);
    }
    buckets
        .into_iter()
        .map(|(start, chats)| bucket(start, &chats, target, now))
        .collect()
}

/// Figures per hour of the day at `offset` (0 to 23; hours without chats are left out), every
/// day together: at which hours witnesses wait. A bucket's `start` is its hour on the first day
/// a chat was created in it, so `start.hour()` is the hour of the day. In hour order.
pub fn figures_by_hour_of_day(
    chats: &[ChatTimes],
    offset: UtcOffset,
    target: Duration,
    now: Timestamp,
) -> Vec<PeriodFigures> {
    let mut by_hour: BTreeMap<u8, (Timestamp, Vec<&ChatTimes>)> = BTreeMap::new();
    for chat in chats.iter().filter(|c| c.created <= now) {
        let start = hour_start(chat.created, offset);
        let (first, list) = by_hour
            .entry(start.hour())
            .or_insert_with(|| (start, Vec::new()));
        *first = (*first).min(start);
        list.push(chat);
    }
    by_hour
        .into_values()
        .map(|(start, chats)| bucket(start, &chats, target, now))
        .collect()
}

/// The figures of every chat at once (created up to `now`), `start` being the earliest
/// creation; `None` without chats.
pub fn overall_figures(
    chats: &[ChatTimes],
    target: Duration,
    now: Timestamp,
) -> Option<PeriodFigures> {
    let chats: Vec<&ChatTimes> = chats.iter().filter(|c| c.created <= now).collect();
    let start = chats.iter().map(|c| c.created).min()?;
    Some(bucket(start, &chats, target, now))
}

/// The start of the hour `at` falls in, seen at `offset`.
fn hour_start(at: Timestamp, offset: UtcOffset) -> Timestamp {
    let local = at.to_offset(offset);
    local
        .replace_time(Time::MIDNIGHT)
        .replace_hour(local.hour())
        .unwrap_or(local)
}

fn bucket(
    start: Timestamp,
    chats: &[&ChatTimes],
    target: Duration,
    now: Timestamp,
) -> PeriodFigures {
    let spread = |f: &dyn Fn(&ChatTimes) -> Option<Duration>| {
        Spread::of(chats.iter().filter_map(|c| f(c)).collect())
    };
    PeriodFigures {
        start,
        chats: chats.len(),
        first_reply: spread(&|c| c.first_reply.map(|r| r - c.created)),
        wait: spread(&|c| c.taken.map(|t| t - c.created)),
        handling: spread(&|c| c.taken.zip(c.closed).map(|(t, e)| e - t)),
        breaches: chats.iter().filter(|c| c.breached(target, now)).count(),
    }
}
