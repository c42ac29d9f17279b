//! Matching a report to known points de deal, and clustering reports that look like one spot.
//!
//! Pure and deterministic: no I/O, no clock, no randomness, no hash-order dependence in any
//! result.
//!
//! **Scoring** (`score`, `candidates`) is a weighted sum of four symmetric components, each in
//! `0..=1`, so the score is in `0..=1` and `score(a, b) == score(b, a)`:
//!
//! | component | weight | value |
//! |---|---|---|
//! | same commune | 0.20 | 1 when both communes are known and equal |
//! | distance | 0.35 | 1 within 150 m, linear down to 0 at 2 km, 0 beyond or when a position is missing |
//! | place text | 0.30 | `PlaceKey::similarity`: mean of token Jaccard and trigram Dice |
//! | time pattern | 0.15 | mean of the comparable parts: days Jaccard, hours overlap |
//!
//! A missing value contributes 0: evidence that is not there does not count. Two complete,
//! identical profiles score 1. A known point is a candidate only when it shares the commune or
//! lies within 2 km (a spot on a commune border), and scores at least `MIN_SCORE`.
//!
//! **Hours** are minutes since midnight, `from..to`, half-open; `to < from` wraps past midnight
//! (22:00–02:00); `from == to` is read as "all day". The hours overlap is the shared time over
//! the shorter window, so "12:00–22:00" fully covers "18:00–20:00".
//!
//! **Place text** is folded with `search_key`, split into words; common abbreviations are
//! expanded ("bat" → "batiment"), French filler words dropped ("la", "rue", "devant", …),
//! except a single letter right after a building word ("bâtiment A", "hall B": the letter is
//! the building), and a plural "s" is stripped. Word order does not matter.
//!
//! **Clustering** (`cluster`) links two reports when
//! - both have a position: the great-circle distance is at most the radius, *whatever their
//!   communes* (a spot on a commune border is one spot; a position is stronger evidence than a
//!   commune field);
//! - otherwise (at least one has no position): both have the same commune and their place texts
//!   are strongly similar (`STRONG_PLACE_SIMILARITY`). Two positioned reports are never linked
//!   by text alone: if their positions are far apart, they are different spots.
//!
//! Groups are the connected components (single linkage, transitive). Positions that are not
//! finite or out of range (latitude beyond ±90°, longitude beyond ±180°) count as absent.
//!
//! The spatial pass maps positions to 3-D points on the sphere (no trouble at the antimeridian
//! or the poles) in a grid of cells of half the radius, so that two reports in one cell are
//! always within the radius (linked without measuring) and a pair within the radius is at most
//! two cells apart on each axis. Occupied cells are sorted once, and each neighbour offset is a
//! linear merge over that sorted list; two cells already in one group are skipped and two
//! cells are joined on their first close pair. Text links use an exact prefix-filtered
//! similarity join per commune over distinct token sets. A million reports take a few seconds.

use super::{ReportFields, Weekday};
use crate::geo::{search_key, InseeCode};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};

/// Mean Earth radius (IUGG), metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;
/// Below this score a known point is not proposed.
pub const MIN_SCORE: f64 = 0.25;
/// Place similarity above which two reports without positions, in one commune, are one spot.
pub const STRONG_PLACE_SIMILARITY: f64 = 0.8;
/// Distance score is full within this distance…
pub const FULL_SCORE_WITHIN_M: f64 = 150.0;
/// …and zero from this distance on.
pub const ZERO_SCORE_FROM_M: f64 = 2_000.0;

const W_COMMUNE: f64 = 0.20;
const W_DISTANCE: f64 = 0.35;
const W_PLACE: f64 = 0.30;
const W_TIME: f64 = 0.15;
/// A component must reach this to be given as a reason (distance: any score above 0).
const REASON_THRESHOLD: f64 = 0.5;
const MINUTES_PER_DAY: u16 = 24 * 60;

/// What is known about where and when a spot operates, for matching.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpotProfile {
    pub commune: Option<InseeCode>,
    /// Latitude, longitude (WGS 84, degrees).
    pub position: Option<(f64, f64)>,
    pub place: Option<String>,
    pub days: BTreeSet<Weekday>,
    /// Minutes since midnight, from and to; `to < from` wraps past midnight.
    pub hours: Option<(u16, u16)>,
}

impl SpotProfile {
    /// The profile of a report. Hours count only when both ends parse as "HH:MM"; an invalid
    /// position is dropped.
    pub fn from_fields(fields: &ReportFields, position: Option<(f64, f64)>) -> Self {
        let from = fields.hours_from.as_deref().and_then(parse_hhmm);
        let to = fields.hours_to.as_deref().and_then(parse_hhmm);
        Self {
            commune: fields.commune.clone(),
            position: position.filter(|&p| valid_position(p)),
            place: fields.place.clone(),
            days: fields.days.clone(),
            hours: from.zip(to),
        }
    }
}

/// A known point de deal proposed for a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate<K> {
    pub key: K,
    /// In `0..=1`.
    pub score: f64,
    pub reasons: Vec<Reason>,
}

/// Why a point is proposed; stable tags, translated by the web layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    SameCommune,
    Near { metres: u32 },
    SimilarPlace,
    OverlappingTimes,
}

/// "HH:MM" (or "H:MM"), 24-hour clock, to minutes since midnight.
fn parse_hhmm(raw: &str) -> Option<u16> {
    let (h, m) = raw.trim().split_once(':')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || h.len() > 2 || !digits(m) || m.len() != 2 {
        return None;
    }
    let (h, m) = (h.parse::<u16>().ok()?, m.parse::<u16>().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

fn valid_position((lat, lon): (f64, f64)) -> bool {
    lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0
}

/// Great-circle distance in metres (haversine). Exactly symmetric.
pub fn haversine_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (p1, p2) = (a.0.to_radians(), b.0.to_radians());
    let dp = (p2 - p1) / 2.0;
    let dl = (b.1 - a.1).to_radians() / 2.0;
    let h = dp.sin().powi(2) + p1.cos() * p2.cos() * dl.sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().clamp(0.0, 1.0).asin()
}

fn distance_score(metres: f64) -> f64 {
    if metres <= FULL_SCORE_WITHIN_M {
        1.0
    } else if metres >= ZERO_SCORE_FROM_M {
        0.0
    } else {
        (ZERO_SCORE_FROM_M - metres) / (ZERO_SCORE_FROM_M - FULL_SCORE_WITHIN_M)
    }
}

// ---------------------------------------------------------------------------------------------
// Place text

const STOP_WORDS: &[&str] = &[
    "a",
    "au",
    "aux",
    "l",
    "d",
    "la",
    "le",
    "les",
    "de",
    "du",
    "des",
    "un",
    "une",
    "et",
    "ou",
    "en",
    "y",
    "il",
    "rue",
    "r",
    "avenue",
    "bd",
    "boulevard",
    "bld",
    "blvd",
    "pres",
    "proche",
    "devant",
    "derriere",
    "face",
    "cote",
    "niveau",
    "coin",
    "angle",
    "entre",
    "sur",
    "sous",
    "dans",
    "chez",
    "vers",
    "par",
    "pour",
    "juste",
    "n",
    "numero",
    "ce",
    "cet",
    "cette",
];

/// Words after which a single letter names a building or an entrance: "bâtiment A".
const LABEL_WORDS: &[&str] = &[
    "batiment", "hall", "entree", "tour", "escalier", "bloc", "porte", "immeuble", "cage", "allee",
];

fn expand(word: &str) -> &str {
    match word {
        "bat" | "bt" | "bati" | "batim" | "bats" => "batiment",
        "imm" => "immeuble",
        "res" | "resid" => "residence",
        "ent" | "entr" => "entree",
        "esc" => "escalier",
        "pl" => "place",
        "ch" | "chem" => "chemin",
        "imp" => "impasse",
        "sq" => "square",
        "all" => "allee",
        "av" | "ave" => "avenue",
        "pkg" => "parking",
        "no" => "numero",
        w => w,
    }
}

fn singular(word: &str) -> &str {
    match word.strip_suffix('s') {
        Some(stem) if word.len() >= 4 && !stem.ends_with('s') => stem,
        _ => word,
    }
}

fn place_tokens(text: &str) -> Vec<String> {
    let key = search_key(text);
    let mut out = Vec::new();
    let mut after_label = false;
    for raw in key.split_whitespace() {
        let word = expand(raw);
        let is_letter = word.chars().count() == 1;
        let keep = (after_label && is_letter) || !STOP_WORDS.contains(&word);
        let word = singular(word);
        after_label = LABEL_WORDS.contains(&word);
        if keep {
            out.push(word.to_owned());
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn trigrams<'a>(tokens: impl IntoIterator<Item = &'a str>) -> Vec<u64> {
    let mut out = Vec::new();
    for token in tokens {
        let chars: Vec<char> = std::iter::once(' ')
            .chain(token.chars())
            .chain(std::iter::once(' '))
            .collect();
        for w in chars.windows(3) {
            if let [a, b, c] = *w {
                out.push((u64::from(a) << 42) | (u64::from(b) << 21) | u64::from(c));
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Size of the intersection of two sorted, deduplicated slices.
fn common<T: Ord>(a: &[T], b: &[T]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Mean of token Jaccard and trigram Dice, from set sizes. The one formula used everywhere,
/// so that the clustering's fast path and a direct comparison agree to the bit.
fn similarity_from_counts(tokens: (usize, usize, usize), grams: (usize, usize, usize)) -> f64 {
    let (ta, tb, tc) = tokens;
    let (ga, gb, gc) = grams;
    if ta == 0 || tb == 0 || ga + gb == 0 {
        return 0.0;
    }
    let jaccard = tc as f64 / (ta + tb - tc) as f64;
    let dice = 2.0 * gc as f64 / (ga + gb) as f64;
    0.5 * jaccard + 0.5 * dice
}

/// A place text ready for comparison: its significant words and their character trigrams.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlaceKey {
    tokens: Vec<String>,
    trigrams: Vec<u64>,
}

impl PlaceKey {
    pub fn new(text: &str) -> Self {
        let tokens = place_tokens(text);
        let trigrams = trigrams(tokens.iter().map(String::as_str));
        Self { tokens, trigrams }
    }

    /// The significant words, sorted.
    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// In `0..=1`; 0 when either text has no significant word. Symmetric.
    pub fn similarity(&self, other: &Self) -> f64 {
        similarity_from_counts(
            (
                self.tokens.len(),
                other.tokens.len(),
                common(&self.tokens, &other.tokens),
            ),
            (
                self.trigrams.len(),
                other.trigrams.len(),
                common(&self.trigrams, &other.trigrams),
            ),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Time pattern

/// Half-open minute ranges covered by a window; the second is empty unless it wraps.
fn segments((from, to): (u16, u16)) -> [(u16, u16); 2] {
    if from < to {
        [(from, to), (0, 0)]
    } else if from > to {
        [(from, MINUTES_PER_DAY), (0, to)]
    } else {
        [(0, MINUTES_PER_DAY), (0, 0)]
    }
}

fn valid_hours(hours: Option<(u16, u16)>) -> Option<(u16, u16)> {
    hours.filter(|&(f, t)| f < MINUTES_PER_DAY && t < MINUTES_PER_DAY)
}

/// Shared time over the shorter window, in `0..=1`.
fn hours_overlap(a: (u16, u16), b: (u16, u16)) -> f64 {
    let (sa, sb) = (segments(a), segments(b));
    let len = |s: &[(u16, u16); 2]| s.iter().map(|(x, y)| u32::from(y - x)).sum::<u32>();
    let mut shared = 0u32;
    for &(a0, a1) in &sa {
        for &(b0, b1) in &sb {
            shared += u32::from(a1.min(b1).saturating_sub(a0.max(b0)));
        }
    }
    let shorter = len(&sa).min(len(&sb));
    if shorter == 0 {
        0.0
    } else {
        f64::from(shared) / f64::from(shorter)
    }
}

fn time_score(a: &SpotProfile, b: &SpotProfile) -> f64 {
    let days = (!a.days.is_empty() && !b.days.is_empty()).then(|| {
        let shared = a.days.intersection(&b.days).count();
        shared as f64 / (a.days.len() + b.days.len() - shared) as f64
    });
    let hours = valid_hours(a.hours)
        .zip(valid_hours(b.hours))
        .map(|(x, y)| hours_overlap(x, y));
    match (days, hours) {
        (Some(d), Some(h)) => 0.5 * d + 0.5 * h,
        (Some(x), None) | (None, Some(x)) => x,
        (None, None) => 0.0,
    }
}

// ---------------------------------------------------------------------------------------------
// Scoring

struct Assessment {
    score: f64,
    reasons: Vec<Reason>,
    same_commune: bool,
    nearby: bool,
}

fn assess(a: &SpotProfile, a_place: &PlaceKey, b: &SpotProfile, b_place: &PlaceKey) -> Assessment {
    let mut reasons = Vec::new();
    let same_commune = matches!((&a.commune, &b.commune), (Some(x), Some(y)) if x == y);
    if same_commune {
        reasons.push(Reason::SameCommune);
    }
    let positions = a
        .position
        .filter(|&p| valid_position(p))
        .zip(b.position.filter(|&p| valid_position(p)));
    let distance = positions.map_or(0.0, |(p, q)| {
        let metres = haversine_m(p, q);
        let s = distance_score(metres);
        if s > 0.0 {
            // Below 2 km: fits a u32 without loss worth mentioning.
            reasons.push(Reason::Near {
                metres: metres.round() as u32,
            });
        }
        s
    });
    let place = a_place.similarity(b_place);
    if place >= REASON_THRESHOLD {
        reasons.push(Reason::SimilarPlace);
    }
    let time = time_score(a, b);
    if time >= REASON_THRESHOLD {
        reasons.push(Reason::OverlappingTimes);
    }
    let commune = if same_commune { 1.0 } else { 0.0 };
    let score = (W_COMMUNE * commune + W_DISTANCE * distance + W_PLACE * place + W_TIME * time)
        .clamp(0.0, 1.0);
    Assessment {
        score,
        reasons,
        same_commune,
        nearby: distance > 0.0,
    }
}

fn place_key(p: &SpotProfile) -> PlaceKey {
    p.place.as_deref().map(PlaceKey::new).unwrap_or_default()
}

/// How much two profiles look like one spot, in `0..=1`; symmetric. No exclusion applied.
pub fn score(a: &SpotProfile, b: &SpotProfile) -> f64 {
    assess(a, &place_key(a), b, &place_key(b)).score
}

/// The known points de deal that may be the report's spot, best first, at most `limit`.
///
/// A point is kept when it shares the report's commune or lies within 2 km, and scores at least
/// `MIN_SCORE`. Equal scores keep the order of `points`.
pub fn candidates<K: Clone>(
    report: &SpotProfile,
    points: &[(K, SpotProfile)],
    limit: usize,
) -> Vec<Candidate<K>> {
    if limit == 0 {
        return Vec::new();
    }
    let report_place = place_key(report);
    let mut found: Vec<(usize, f64, Vec<Reason>)> = points
        .iter()
        .enumerate()
        .filter_map(|(i, (_, point))| {
            let a = assess(report, &report_place, point, &place_key(point));
            ((a.same_commune || a.nearby) && a.score >= MIN_SCORE)
                .then_some((i, a.score, a.reasons))
        })
        .collect();
    found.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
    found.truncate(limit);
    found
        .into_iter()
        .filter_map(|(i, score, reasons)| {
            points.get(i).map(|(key, _)| Candidate {
                key: key.clone(),
                score,
                reasons,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Clustering

struct UnionFind {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        Self {
            parent: (0..n).collect(),
            size: vec![1; n],
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            let grand = self.parent[self.parent[x]];
            self.parent[x] = grand;
            x = grand;
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a;
        self.size[a] += self.size[b];
    }

    /// Components, ordered by smallest member, members ascending.
    fn groups(mut self) -> Vec<Vec<usize>> {
        let n = self.parent.len();
        let mut group_of = vec![usize::MAX; n];
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for i in 0..n {
            let root = self.find(i);
            if group_of[root] == usize::MAX {
                group_of[root] = groups.len();
                groups.push(Vec::new());
            }
            groups[group_of[root]].push(i);
        }
        groups
    }
}

/// Groups of reports that look like one spot (see the module documentation for the rules).
/// Every index appears in exactly one group; groups are ordered by their smallest index and
/// indices ascend inside a group. A radius that is negative or NaN links no positions.
pub fn cluster(reports: &[SpotProfile], radius_m: f64) -> Vec<Vec<usize>> {
    let positions: Vec<Option<(f64, f64)>> = reports
        .iter()
        .map(|r| r.position.filter(|&p| valid_position(p)))
        .collect();
    let mut uf = UnionFind::new(reports.len());
    if radius_m >= 0.0 {
        link_positions(&positions, radius_m, &mut uf);
    }
    link_places(reports, &positions, &mut uf);
    uf.groups()
}

/// Below this radius (float noise) and above it (chord and arc part ways), cells are checked
/// pair by pair instead of being linked wholesale.
const WHOLESALE_RADIUS_M: std::ops::RangeInclusive<f64> = 1.0..=1_000_000.0;

struct Located {
    cell: [i64; 3],
    index: usize,
    position: (f64, f64),
    xyz: [f64; 3],
}

fn to_xyz((lat, lon): (f64, f64)) -> [f64; 3] {
    let (p, l) = (lat.to_radians(), lon.to_radians());
    [
        EARTH_RADIUS_M * p.cos() * l.cos(),
        EARTH_RADIUS_M * p.cos() * l.sin(),
        EARTH_RADIUS_M * p.sin(),
    ]
}

fn chord_sq(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)
}

/// Neighbour offsets within two cells, lexicographically after (0, 0, 0) so that each pair of
/// cells is seen once, nearest first (dense areas are joined before far offsets are tried).
fn half_offsets() -> Vec<[i64; 3]> {
    let mut out = Vec::new();
    for dx in -2..=2i64 {
        for dy in -2..=2i64 {
            for dz in -2..=2i64 {
                if [dx, dy, dz] > [0, 0, 0] {
                    out.push([dx, dy, dz]);
                }
            }
        }
    }
    let gap = |d: i64| (d.abs() - 1).max(0);
    out.sort_by_key(|o| {
        (
            o.iter().map(|&d| gap(d).pow(2)).sum::<i64>(),
            o.iter().map(|&d| d.pow(2)).sum::<i64>(),
            *o,
        )
    });
    out
}

fn link_positions(positions: &[Option<(f64, f64)>], radius: f64, uf: &mut UnionFind) {
    let wholesale = radius.is_infinite() || WHOLESALE_RADIUS_M.contains(&radius);
    // Slightly more than half the radius: a pair within the radius is never three cells apart,
    // even with rounding; two points of one cell are at most 0.87 radius apart.
    let side = if radius.is_infinite() {
        f64::INFINITY
    } else {
        (radius / 2.0 * (1.0 + 1e-9)).max(0.5)
    };
    // Chord ≤ arc: a chord beyond this bound (with a margin for rounding) rules a pair out.
    let chord_bound = (radius * (1.0 + 1e-6) + 1e-6).powi(2);
    let mut pts: Vec<Located> = positions
        .iter()
        .enumerate()
        .filter_map(|(index, p)| {
            p.map(|position| {
                let xyz = to_xyz(position);
                let cell = xyz.map(|c| (c / side).floor() as i64);
                Located {
                    cell,
                    index,
                    position,
                    xyz,
                }
            })
        })
        .collect();
    pts.sort_unstable_by(|a, b| a.cell.cmp(&b.cell).then(a.index.cmp(&b.index)));
    let mut cells: Vec<([i64; 3], usize, usize)> = Vec::new();
    for (i, p) in pts.iter().enumerate() {
        match cells.last_mut() {
            Some((cell, _, end)) if *cell == p.cell => *end = i + 1,
            _ => cells.push((p.cell, i, i + 1)),
        }
    }
    let close = |a: &Located, b: &Located| {
        chord_sq(&a.xyz, &b.xyz) <= chord_bound && haversine_m(a.position, b.position) <= radius
    };

    for &(_, start, end) in &cells {
        let members = &pts[start..end];
        if wholesale {
            for p in &members[1..] {
                uf.union(members[0].index, p.index);
            }
        } else {
            for (k, a) in members.iter().enumerate() {
                for b in &members[k + 1..] {
                    if uf.find(a.index) != uf.find(b.index) && close(a, b) {
                        uf.union(a.index, b.index);
                    }
                }
            }
        }
    }

    for offset in half_offsets() {
        let mut j = 0;
        for &(cell, a_start, a_end) in &cells {
            let target = [
                cell[0] + offset[0],
                cell[1] + offset[1],
                cell[2] + offset[2],
            ];
            while j < cells.len() && cells[j].0 < target {
                j += 1;
            }
            let Some(&(other, b_start, b_end)) = cells.get(j) else {
                break;
            };
            if other != target {
                continue;
            }
            let (a, b) = (&pts[a_start..a_end], &pts[b_start..b_end]);
            if wholesale {
                // Both cells are already whole groups: one close pair joins them.
                if uf.find(a[0].index) == uf.find(b[0].index) {
                    continue;
                }
                if a.iter().any(|p| b.iter().any(|q| close(p, q))) {
                    uf.union(a[0].index, b[0].index);
                }
            } else {
                for p in a {
                    for q in b {
                        if uf.find(p.index) != uf.find(q.index) && close(p, q) {
                            uf.union(p.index, q.index);
                        }
                    }
                }
            }
        }
    }
}

/// One distinct set of place words within a commune, and the reports that have it.
struct TextKey {
    ids: Vec<u32>,
    trigrams: Vec<u64>,
    /// A report of this key without a position, if any.
    unpositioned: Option<usize>,
    members: Vec<usize>,
}

fn link_places(reports: &[SpotProfile], positions: &[Option<(f64, f64)>], uf: &mut UnionFind) {
    let has_text = |r: &SpotProfile| r.place.as_deref().is_some_and(|p| !p.trim().is_empty());
    // Only communes with an unpositioned report can have text links.
    let communes: HashSet<&InseeCode> = reports
        .iter()
        .zip(positions)
        .filter(|(r, p)| p.is_none() && has_text(r))
        .filter_map(|(r, _)| r.commune.as_ref())
        .collect();
    if communes.is_empty() {
        return;
    }
    let mut by_commune: HashMap<&InseeCode, Vec<usize>> = HashMap::new();
    for (i, r) in reports.iter().enumerate() {
        if let Some(c) = r.commune.as_ref().filter(|c| communes.contains(c)) {
            if has_text(r) {
                by_commune.entry(c).or_default().push(i);
            }
        }
    }
    for members in by_commune.values() {
        link_places_in_commune(reports, positions, members, uf);
    }
}

fn link_places_in_commune(
    reports: &[SpotProfile],
    positions: &[Option<(f64, f64)>],
    members: &[usize],
    uf: &mut UnionFind,
) {
    let mut vocabulary: HashMap<String, u32> = HashMap::new();
    let mut key_of: HashMap<Vec<u32>, usize> = HashMap::new();
    let mut keys: Vec<TextKey> = Vec::new();
    for &i in members {
        let place = reports[i]
            .place
            .as_deref()
            .map(PlaceKey::new)
            .unwrap_or_default();
        if place.is_empty() {
            continue;
        }
        let mut ids: Vec<u32> = place
            .tokens
            .iter()
            .map(|t| {
                let next = vocabulary.len() as u32;
                *vocabulary.entry(t.clone()).or_insert(next)
            })
            .collect();
        ids.sort_unstable();
        let k = *key_of.entry(ids.clone()).or_insert_with(|| {
            keys.push(TextKey {
                ids,
                trigrams: place.trigrams,
                unpositioned: None,
                members: Vec::new(),
            });
            keys.len() - 1
        });
        let key = &mut keys[k];
        key.members.push(i);
        if positions[i].is_none() && key.unpositioned.is_none() {
            key.unpositioned = Some(i);
        }
    }
    // Identical words: similarity 1, linked if one of them has no position.
    for key in &keys {
        if let Some(u) = key.unpositioned {
            for &m in &key.members {
                uf.union(u, m);
            }
        }
    }
    // Similar words: similarity ≥ S needs Jaccard ≥ t = 2S − 1 (Dice ≤ 1). Exact prefix
    // filtering (Bayardo et al., "All-pairs", 2007): words ordered rarest first, keys taken by
    // increasing size; a key probes with its first |x| − ⌈t·|x|⌉ + 1 words and is indexed
    // under its first |x| − ⌈2t/(1+t)·|x|⌉ + 1; a pair with Jaccard ≥ t shares one of them.
    let t = 2.0 * STRONG_PLACE_SIMILARITY - 1.0 - 1e-9;
    let mut frequency = vec![0usize; vocabulary.len()];
    for key in &keys {
        for &id in &key.ids {
            frequency[id as usize] += 1;
        }
    }
    let prefix_len = |len: usize, threshold: f64| {
        let min_overlap = ((threshold * len as f64).ceil() as usize).max(1);
        (len + 1).saturating_sub(min_overlap).min(len)
    };
    // A sketch per key for a cheap exact bound on the shared words: one bit for each of the
    // 64 most frequent words, plus the count of its other words.
    let mut top: Vec<u32> = (0..vocabulary.len() as u32).collect();
    top.sort_unstable_by_key(|&id| (std::cmp::Reverse(frequency[id as usize]), id));
    let mut bit = vec![None; vocabulary.len()];
    for (b, &id) in top.iter().take(64).enumerate() {
        bit[id as usize] = Some(b);
    }
    let sketches: Vec<(u64, usize, usize)> = keys
        .iter()
        .map(|key| {
            let mut mask = 0u64;
            let mut others = 0;
            for &id in &key.ids {
                match bit[id as usize] {
                    Some(b) => mask |= 1 << b,
                    None => others += 1,
                }
            }
            (mask, others, key.ids.len())
        })
        .collect();
    let may_reach = |a: usize, b: usize| {
        let ((ma, oa, la), (mb, ob, lb)) = (sketches[a], sketches[b]);
        let most = (ma & mb).count_ones() as usize + oa.min(ob);
        most as f64 >= t * (la + lb - most) as f64
    };
    let mut by_size: Vec<usize> = (0..keys.len()).collect();
    by_size.sort_by_key(|&k| (keys[k].ids.len(), k));
    // Keys indexed under a word: all of them, and those with an unpositioned report (a key
    // without one only needs to meet those).
    let mut index_all: Vec<Vec<usize>> = vec![Vec::new(); vocabulary.len()];
    let mut index_unpositioned: Vec<Vec<usize>> = vec![Vec::new(); vocabulary.len()];
    let mut seen = vec![usize::MAX; keys.len()];
    for k in by_size {
        let key = &keys[k];
        let mut order = key.ids.clone();
        order.sort_unstable_by_key(|&id| (frequency[id as usize], id));
        let index = if key.unpositioned.is_some() {
            &index_all
        } else {
            &index_unpositioned
        };
        for &id in &order[..prefix_len(order.len(), t)] {
            for &other in &index[id as usize] {
                if seen[other] != k {
                    seen[other] = k;
                    if may_reach(k, other) {
                        link_if_similar(key, &keys[other], t, uf);
                    }
                }
            }
        }
        for &id in &order[..prefix_len(order.len(), 2.0 * t / (1.0 + t))] {
            index_all[id as usize].push(k);
            if key.unpositioned.is_some() {
                index_unpositioned[id as usize].push(k);
            }
        }
    }
}

fn link_if_similar(a: &TextKey, b: &TextKey, t: f64, uf: &mut UnionFind) {
    let (la, lb) = (a.ids.len(), b.ids.len());
    if (lb as f64) < t * la as f64 || (la as f64) < t * lb as f64 {
        return;
    }
    let shared = common(&a.ids, &b.ids);
    if (shared as f64) < t * (la + lb - shared) as f64 {
        return; // Jaccard < t: cannot reach the threshold, skip the trigrams.
    }
    if let (Some(x), Some(y)) = (a.unpositioned, b.unpositioned) {
        if uf.find(x) == uf.find(y) {
            return;
        }
    }
    let similarity = similarity_from_counts(
        (la, lb, shared),
        (
            a.trigrams.len(),
            b.trigrams.len(),
            common(&a.trigrams, &b.trigrams),
        ),
    );
    if similarity < STRONG_PLACE_SIMILARITY {
        return;
    }
    match (a.unpositioned, b.unpositioned) {
        (Some(x), Some(y)) => uf.union(x, y),
        (Some(x), None) => b.members.iter().for_each(|&m| uf.union(x, m)),
        (None, Some(y)) => a.members.iter().for_each(|&m| uf.union(y, m)),
        (None, None) => {}
    }
}

/// A plain grid pass, the benchmark baseline for `cluster`: the number of occupied cells of
/// side `radius_m` (latitude, and longitude scaled by the cosine of the latitude). Invalid
/// positions are skipped; a radius that is not finite and positive gives 0.
pub fn cluster_grid_baseline(positions: &[(f64, f64)], radius_m: f64) -> usize {
    if !(radius_m.is_finite() && radius_m > 0.0) {
        return 0;
    }
    let degrees = radius_m / (EARTH_RADIUS_M * std::f64::consts::PI / 180.0);
    positions
        .iter()
        .filter(|&&p| valid_position(p))
        .map(|&(lat, lon)| {
            (
                (lat / degrees).floor() as i64,
                (lon * lat.to_radians().cos() / degrees).floor() as i64,
            )
        })
        .collect::<HashSet<_>>()
        .len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PARIS: (f64, f64) = (48.8566, 2.3522);

    fn commune(code: &str) -> Option<InseeCode> {
        Some(InseeCode::parse(code).unwrap())
    }

    /// A point `north` metres north and `east` metres east of `origin`.
    fn offset(origin: (f64, f64), north: f64, east: f64) -> (f64, f64) {
        let lat = origin.0 + (north / EARTH_RADIUS_M).to_degrees();
        let lon = origin.1 + (east / (EARTH_RADIUS_M * origin.0.to_radians().cos())).to_degrees();
        (lat, lon)
    }

    fn full(position: (f64, f64)) -> SpotProfile {
        SpotProfile {
            commune: commune("75056"),
            position: Some(position),
            place: Some("Bâtiment B, cité des Fleurs".into()),
            days: [Weekday::Fri, Weekday::Sat].into(),
            hours: Some((22 * 60, 2 * 60)),
        }
    }

    fn at(position: Option<(f64, f64)>, code: &str, place: &str) -> SpotProfile {
        SpotProfile {
            commune: commune(code),
            position,
            place: (!place.is_empty()).then(|| place.to_owned()),
            ..SpotProfile::default()
        }
    }

    #[test]
    fn identical_profiles_score_one_and_come_first() {
        let report = full(PARIS);
        let points = vec![
            ("near", full(offset(PARIS, 400.0, 0.0))),
            ("same", full(PARIS)),
            (
                "other text",
                SpotProfile {
                    place: Some("parking du centre commercial".into()),
                    ..full(PARIS)
                },
            ),
        ];
        let found = candidates(&report, &points, 10);
        assert_eq!(found[0].key, "same");
        assert!((found[0].score - 1.0).abs() < 1e-9, "{}", found[0].score);
        assert_eq!(
            found[0].reasons,
            vec![
                Reason::SameCommune,
                Reason::Near { metres: 0 },
                Reason::SimilarPlace,
                Reason::OverlappingTimes
            ]
        );
        assert_eq!(found.len(), 3);
        assert!(found[1].score > found[2].score);
    }

    #[test]
    fn place_text_is_folded_abbreviations_expanded_and_order_free() {
        let a = PlaceKey::new("bâtiment B, cité des Fleurs");
        let b = PlaceKey::new("cite des fleurs bat B");
        assert_eq!(a.tokens(), ["b", "batiment", "cite", "fleur"]);
        assert!(a.similarity(&b) > 0.99);
        // The building letter counts, even when it is also a stop word.
        let c = PlaceKey::new("bat A cité des fleurs");
        assert!(c.tokens().contains(&"a".to_owned()));
        assert!(a.similarity(&c) < a.similarity(&b));
        assert!(a.similarity(&PlaceKey::new("parking de la gare")) < 0.2);
        assert_eq!(
            PlaceKey::new("rue de la").similarity(&PlaceKey::new("rue de la")),
            0.0
        );
        assert!(
            PlaceKey::new("devant le hall 12 rue Jean-Jaurès")
                .similarity(&PlaceKey::new("Hall 12, av. Jean Jaures"))
                > 0.9
        );
    }

    #[test]
    fn hours_wrap_past_midnight() {
        let h = |a: u16, b: u16| (a * 60, b * 60);
        assert!((hours_overlap(h(22, 2), h(1, 3)) - 0.5).abs() < 1e-12);
        assert_eq!(hours_overlap(h(22, 2), h(3, 5)), 0.0);
        assert_eq!(hours_overlap(h(22, 2), h(23, 1)), 1.0);
        assert_eq!(hours_overlap(h(12, 22), h(18, 20)), 1.0);
        assert_eq!(
            hours_overlap(h(10, 10), h(3, 4)),
            1.0,
            "from == to is all day"
        );
        let a = SpotProfile {
            hours: Some(h(22, 2)),
            ..SpotProfile::default()
        };
        let b = SpotProfile {
            hours: Some(h(1, 3)),
            ..SpotProfile::default()
        };
        assert!(time_score(&a, &b) > 0.0);
        let bad = SpotProfile {
            hours: Some((5000, 10)),
            ..SpotProfile::default()
        };
        assert_eq!(time_score(&a, &bad), 0.0);
    }

    #[test]
    fn profiles_come_from_report_fields() {
        let fields = ReportFields {
            commune: commune("59350"),
            place: Some("Hall B".into()),
            days: [Weekday::Mon].into(),
            hours_from: Some("22:00".into()),
            hours_to: Some("02:30".into()),
            ..ReportFields::default()
        };
        let p = SpotProfile::from_fields(&fields, Some((50.63, 3.06)));
        assert_eq!(p.hours, Some((1320, 150)));
        assert_eq!(p.position, Some((50.63, 3.06)));
        assert_eq!(p.commune, commune("59350"));
        assert_eq!(
            SpotProfile::from_fields(&fields, Some((f64::NAN, 3.0))).position,
            None
        );
        assert_eq!(
            SpotProfile::from_fields(&fields, Some((91.0, 3.0))).position,
            None
        );
        for bad in [
            "24:00",
            "7:5",
            "ab:cd",
            "",
            ":",
            "12:000",
            "-1:00",
            "12",
            "１２:00",
        ] {
            let f = ReportFields {
                hours_from: Some(bad.into()),
                ..fields.clone()
            };
            assert_eq!(SpotProfile::from_fields(&f, None).hours, None, "{bad}");
        }
        let only_from = ReportFields {
            hours_to: None,
            ..fields
        };
        assert_eq!(SpotProfile::from_fields(&only_from, None).hours, None);
        assert_eq!(parse_hhmm("7:05"), Some(425));
    }

    #[test]
    fn other_commune_far_away_is_excluded_but_a_border_spot_is_not() {
        let report = full(PARIS);
        let far = SpotProfile {
            commune: commune("93066"),
            ..full(offset(PARIS, 5_000.0, 0.0))
        };
        let border = SpotProfile {
            commune: commune("93066"),
            ..full(offset(PARIS, 100.0, 0.0))
        };
        let unknown_position = SpotProfile {
            commune: commune("93066"),
            position: None,
            ..full(PARIS)
        };
        let found = candidates(&report, &[(1, far), (2, border), (3, unknown_position)], 10);
        assert_eq!(found.iter().map(|c| c.key).collect::<Vec<_>>(), vec![2]);
        assert!(!found[0].reasons.contains(&Reason::SameCommune));
    }

    #[test]
    fn weak_evidence_is_not_proposed() {
        let report = at(None, "75056", "hall B");
        let commune_only = at(None, "75056", "parking de la gare");
        assert!(candidates(&report, &[(0, commune_only)], 5).is_empty());
        let same_text = at(None, "75056", "Hall B");
        assert_eq!(candidates(&report, &[(0, same_text)], 5).len(), 1);
    }

    #[test]
    fn limit_is_respected() {
        let report = full(PARIS);
        let points: Vec<(usize, SpotProfile)> = (0..20)
            .map(|i| (i, full(offset(PARIS, 10.0 * i as f64, 0.0))))
            .collect();
        assert_eq!(candidates(&report, &points, 5).len(), 5);
        assert!(candidates(&report, &points, 0).is_empty());
        // Equal scores keep the input order.
        let keys: Vec<usize> = candidates(&report, &points, 20)
            .iter()
            .map(|c| c.key)
            .collect();
        assert_eq!(keys, (0..20).collect::<Vec<_>>());
    }

    #[test]
    fn non_finite_positions_do_not_panic() {
        let nan = SpotProfile {
            position: Some((f64::NAN, f64::INFINITY)),
            ..full(PARIS)
        };
        let s = score(&nan, &full(PARIS));
        assert!((0.0..=1.0).contains(&s));
        let found = candidates(&nan, &[(0, full(PARIS)), (1, nan.clone())], 5);
        assert_eq!(found.len(), 2);
        assert!(found.iter().all(|c| c.score.is_finite()));
        let groups = cluster(&[nan.clone(), full(PARIS), nan], 100.0);
        assert_eq!(
            groups,
            vec![vec![0, 1, 2]],
            "no position: same commune, same text"
        );
        assert_eq!(
            cluster(&[full(PARIS), full(PARIS)], f64::NAN),
            vec![vec![0], vec![1]]
        );
        assert_eq!(cluster_grid_baseline(&[(f64::NAN, 0.0), PARIS], 100.0), 1);
        assert_eq!(cluster_grid_baseline(&[PARIS], f64::NAN), 0);
    }

    #[test]
    fn reasons_serialise_with_snake_case_tags() {
        let json = serde_json::to_string(&vec![
            Reason::SameCommune,
            Reason::Near { metres: 120 },
            Reason::SimilarPlace,
            Reason::OverlappingTimes,
        ])
        .unwrap();
        assert_eq!(
            json,
            r#"[{"kind":"same_commune"},{"kind":"near","metres":120},{"kind":"similar_place"},{"kind":"overlapping_times"}]"#
        );
    }

    #[test]
    fn clusters_chain_transitively_and_cross_commune_borders_by_position() {
        let a = at(Some(PARIS), "75056", "");
        let b = at(Some(offset(PARIS, 80.0, 0.0)), "75056", "");
        let c = at(Some(offset(PARIS, 160.0, 0.0)), "93066", ""); // other commune, 80 m from b
        let far = at(Some(offset(PARIS, 5_000.0, 0.0)), "75056", "");
        assert_eq!(
            cluster(&[a, far, b, c], 100.0),
            vec![vec![0, 2, 3], vec![1]]
        );
    }

    #[test]
    fn text_links_need_one_commune_and_a_missing_position() {
        let reports = [
            at(None, "75056", "bâtiment B, cité des Fleurs"),
            at(None, "75056", "cite des fleurs bat B"),
            at(None, "93066", "cite des fleurs bat B"), // other commune
            at(Some(PARIS), "75056", "Cité des Fleurs, bât. B"), // positioned: linked via text
            at(
                Some(offset(PARIS, 3_000.0, 0.0)),
                "75056",
                "cité des fleurs bat b",
            ),
            at(None, "75056", "parking de la gare"),
            at(None, "75056", ""),
        ];
        assert_eq!(
            cluster(&reports, 100.0),
            vec![vec![0, 1, 3, 4], vec![2], vec![5], vec![6]]
        );
        // Two positioned reports far apart are two spots, whatever their text.
        let positioned = [reports[3].clone(), reports[4].clone()];
        assert_eq!(cluster(&positioned, 100.0), vec![vec![0], vec![1]]);
        assert!(cluster(&[], 100.0).is_empty());
    }

    #[test]
    fn baseline_counts_occupied_cells() {
        let pts = [PARIS, offset(PARIS, 1.0, 1.0), offset(PARIS, 5_000.0, 0.0)];
        assert_eq!(cluster_grid_baseline(&pts, 100.0), 2);
    }

    // --- property tests -------------------------------------------------------------------

    fn naive_cluster(reports: &[SpotProfile], radius: f64) -> Vec<Vec<usize>> {
        let mut uf = UnionFind::new(reports.len());
        let places: Vec<PlaceKey> = reports.iter().map(place_key).collect();
        let pos = |r: &SpotProfile| r.position.filter(|&p| valid_position(p));
        for i in 0..reports.len() {
            for j in i + 1..reports.len() {
                let (a, b) = (&reports[i], &reports[j]);
                let linked = match (pos(a), pos(b)) {
                    (Some(p), Some(q)) => haversine_m(p, q) <= radius,
                    _ => {
                        a.commune.is_some()
                            && a.commune == b.commune
                            && places[i].similarity(&places[j]) >= STRONG_PLACE_SIMILARITY
                    }
                };
                if linked {
                    uf.union(i, j);
                }
            }
        }
        uf.groups()
    }

    const WORDS: &[&str] = &[
        "bat",
        "bâtiment",
        "B",
        "A",
        "cité",
        "des",
        "Fleurs",
        "fleur",
        "hall",
        "12",
        "rue",
        "Jaurès",
        "parking",
        "gare",
        "tour",
        "C",
        "de",
        "la",
    ];

    fn profile() -> impl Strategy<Value = SpotProfile> {
        let position = prop_oneof![
            3 => (-1500.0..1500.0f64, -1500.0..1500.0f64).prop_map(|(n, e)| Some(offset(PARIS, n, e))),
            1 => Just(None),
            1 => Just(Some((f64::NAN, 2.0))),
        ];
        (
            prop::option::of(prop::sample::select(vec!["75056", "93066", "92012"])),
            position,
            prop::collection::vec(prop::sample::select(WORDS), 0..5),
            prop::collection::btree_set(prop::sample::select(Weekday::ALL), 0..4),
            prop::option::of((0..1440u16, 0..1440u16)),
        )
            .prop_map(|(code, position, words, days, hours)| SpotProfile {
                commune: code.and_then(commune),
                position,
                place: (!words.is_empty()).then(|| words.join(" ")),
                days,
                hours,
            })
    }

    fn radius() -> impl Strategy<Value = f64> {
        prop_oneof![
            6 => 10.0..2_000.0f64,
            1 => 0.0..1.0f64,
            1 => Just(0.0),
            1 => 1_000_001.0..3_000_000.0f64,
            1 => Just(f64::INFINITY),
        ]
    }

    fn as_sets(groups: Vec<Vec<usize>>) -> BTreeSet<BTreeSet<usize>> {
        groups
            .into_iter()
            .map(|g| g.into_iter().collect())
            .collect()
    }

    proptest! {
        #[test]
        fn score_is_bounded_and_symmetric(a in profile(), b in profile()) {
            let (ab, ba) = (score(&a, &b), score(&b, &a));
            prop_assert!((0.0..=1.0).contains(&ab));
            prop_assert_eq!(ab, ba);
            prop_assert!(score(&a, &a) >= ab);
        }

        #[test]
        fn a_farther_point_never_scores_higher(
            base in profile(), d1 in 0.0..5_000.0f64, extra in 0.0..5_000.0f64, bearing in 0.0..6.3f64,
        ) {
            let report = SpotProfile { position: Some(PARIS), ..base.clone() };
            let point = |d: f64| SpotProfile {
                position: Some(offset(PARIS, d * bearing.cos(), d * bearing.sin())),
                ..base.clone()
            };
            let (near, far) = (point(d1), point(d1 + extra));
            prop_assert!(score(&report, &near) >= score(&report, &far));
            let found = candidates(&report, &[(0, near), (1, far)], 2);
            if let Some(first) = found.first() { prop_assert_eq!(first.key, 0); }
        }

        #[test]
        fn candidates_are_sorted_limited_and_eligible(
            report in profile(), points in prop::collection::vec(profile(), 0..30), limit in 0..10usize,
        ) {
            let keyed: Vec<(usize, SpotProfile)> = points.into_iter().enumerate().collect();
            let found = candidates(&report, &keyed, limit);
            prop_assert!(found.len() <= limit);
            for w in found.windows(2) {
                prop_assert!(w[0].score > w[1].score || (w[0].score == w[1].score && w[0].key < w[1].key));
            }
            for c in &found {
                prop_assert!(c.score >= MIN_SCORE && c.score <= 1.0);
                let p = &keyed[c.key].1;
                let same = report.commune.is_some() && report.commune == p.commune;
                let near = c.reasons.iter().any(|r| matches!(r, Reason::Near { .. }));
                prop_assert!(same || near);
            }
            prop_assert_eq!(found, candidates(&report, &keyed, limit));
        }

        #[test]
        fn cluster_is_a_canonical_partition_equal_to_the_naive_one(
            reports in prop::collection::vec(profile(), 0..60), r in radius(),
        ) {
            let groups = cluster(&reports, r);
            let mut all: Vec<usize> = groups.iter().flatten().copied().collect();
            all.sort_unstable();
            prop_assert_eq!(all, (0..reports.len()).collect::<Vec<_>>());
            for g in &groups {
                prop_assert!(!g.is_empty() && g.windows(2).all(|w| w[0] < w[1]));
            }
            prop_assert!(groups.windows(2).all(|w| w[0][0] < w[1][0]));
            prop_assert_eq!(&groups, &naive_cluster(&reports, r));
        }

        #[test]
        fn cluster_does_not_depend_on_input_order(
            reports in prop::collection::vec(profile(), 0..60),
            seed in any::<u64>(), r in radius(),
        ) {
            // A permutation derived from the seed.
            let mut order: Vec<usize> = (0..reports.len()).collect();
            order.sort_by_key(|&i| (i as u64 ^ seed).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let permuted: Vec<SpotProfile> = order.iter().map(|&i| reports[i].clone()).collect();
            let back = cluster(&permuted, r)
                .into_iter()
                .map(|g| g.into_iter().map(|k| order[k]).collect())
                .collect();
            prop_assert_eq!(as_sets(cluster(&reports, r)), as_sets(back));
        }

        #[test]
        fn dense_text_only_reports_match_the_naive_join(
            reports in prop::collection::vec(
                (prop::sample::select(vec!["75056", "93066"]), prop::collection::vec(prop::sample::select(WORDS), 1..6))
                    .prop_map(|(c, w)| at(None, c, &w.join(" "))),
                0..60,
            ),
        ) {
            prop_assert_eq!(cluster(&reports, 100.0), naive_cluster(&reports, 100.0));
        }
    }

    /// `cargo test --release -p vigie-domain matching::tests::million -- --ignored --nocapture`
    #[test]
    #[ignore = "benchmark"]
    fn million() {
        let n = 1_000_000usize;
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut scattered = Vec::with_capacity(n);
        let mut dense = Vec::with_capacity(n);
        let mut text = Vec::with_capacity(n);
        let streets = [
            "cité des Fleurs",
            "rue Jean Jaurès",
            "place de la gare",
            "les Tilleuls",
        ];
        for i in 0..n {
            // Half over mainland France, half in a 10 km square around Paris.
            let position = if i % 2 == 0 {
                (42.5 + 8.5 * next(), -4.5 + 12.5 * next())
            } else {
                offset(PARIS, 10_000.0 * (next() - 0.5), 10_000.0 * (next() - 0.5))
            };
            scattered.push(SpotProfile {
                position: Some(position),
                ..SpotProfile::default()
            });
            // All in a 3 km square: about 110 reports per 100 m square.
            dense.push(SpotProfile {
                position: Some(offset(PARIS, 3_000.0 * next(), 3_000.0 * next())),
                ..SpotProfile::default()
            });
            // Text, 100 communes of 10,000 reports, 70 % without a position, near-duplicate
            // places (4 streets × 6 letters × 800 numbers): ~120 M pairs to verify.
            let street = streets[(next() * 4.0) as usize % 4];
            text.push(SpotProfile {
                commune: commune(&format!("{:05}", 75000 + (next() * 100.0) as u32)),
                position: (next() < 0.3).then(|| offset(PARIS, 5_000.0 * next(), 5_000.0 * next())),
                place: Some(format!(
                    "bâtiment {} {} {street}",
                    (b'A' + (next() * 6.0) as u8) as char,
                    (next() * 800.0) as u32
                )),
                ..SpotProfile::default()
            });
        }
        let positions: Vec<(f64, f64)> = scattered.iter().filter_map(|r| r.position).collect();
        let start = std::time::Instant::now();
        let cells = cluster_grid_baseline(&positions, 100.0);
        println!("baseline: {cells} cells in {:?}", start.elapsed());
        for (name, reports) in [
            ("scattered", &scattered),
            ("dense", &dense),
            ("text", &text),
        ] {
            let start = std::time::Instant::now();
            let groups = cluster(reports, 100.0);
            println!("{name}: {} groups in {:?}", groups.len(), start.elapsed());
        }
    }
}
