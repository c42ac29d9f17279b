//! B7: point-de-deal candidate matching and clustering over 100,000 and 1,000,000 reports.
//!
//! The reports are synthetic but shaped like real ones, and the same on every run (one seeded
//! `StdRng`): fifteen French cities, each with hot spots (deal spots that many reports point
//! at, within 30 m of the spot, so that all of one spot's positioned reports are within the
//! 100 m clustering radius of each other), about a fifth of the reports without a position
//! (only the place as typed, "Bâtiment B, cité des Fleurs" or "cite des fleurs bat b", and the
//! commune's INSEE code), some scattered positions away from any spot, some addresses typed as
//! text, and days and hours. The 100,000 reports are the first tenth of the 1,000,000: the same
//! country, ten times fewer reports.
//!
//! Measured, in one blocking task each time (CPU only, no I/O): `matching::cluster` on 100,000
//! and on 1,000,000 reports, beside the plain grid pass `matching::cluster_grid_baseline` over
//! the same reports' positions; and `matching::candidates` as the report page calls it (one
//! report against the known points of its département, best five kept), beside a plain scan
//! of the same points by commune and distance. The quick run uses 2,000 and 20,000 reports and
//! fails when a result is wrong; the full run fails only when a hot spot is split.

use crate::report::{Row, Samples};
use crate::server::Ctx;
use anyhow::{anyhow, bail};
use rand::distributions::{Distribution, WeightedIndex};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeSet, HashMap};
use std::time::Instant;
use vigie_domain::report::matching::{self, SpotProfile, EARTH_RADIUS_M};
use vigie_domain::report::Weekday;
use vigie_domain::{search_key, DepartementCode, InseeCode};

/// The clustering radius: reports within 100 m of each other are one spot.
const RADIUS_M: f64 = 100.0;
/// How far a report's pin lies from its spot, at most. Two reports of one spot are thus at
/// most 60 m apart, always within the radius.
const PIN_SPREAD_M: f64 = 30.0;
/// Spots sit on a lattice of this step in each city, moved by at most `SPOT_JITTER_M` on each
/// axis, and a site closer than `MIN_SPOT_GAP_M` to a spot already placed is passed over.
const SPOT_STEP_M: f64 = 300.0;
const SPOT_JITTER_M: f64 = 40.0;
/// The least distance between two spots, whatever their cities: beyond 160 m (the radius and
/// two pin spreads), two spots' pins are never within the radius of each other.
const MIN_SPOT_GAP_M: f64 = 200.0;
/// Known points proposed per report, as the report page asks (`candidates(…, 5)`).
const PROPOSED: usize = 5;
/// The figure of a clustering is the median of this many runs (one in the quick run).
const RUNS: usize = 3;

/// A city: its centre, the radius of the area where its spots are, its share of the spots and
/// of the reports, and its INSEE codes (`first`, `count`: arrondissements for Paris, Marseille
/// and Lyon, one commune elsewhere).
struct City {
    centre: (f64, f64),
    radius_m: f64,
    weight: u32,
    first: u32,
    count: u32,
}

const fn city(centre: (f64, f64), radius_m: f64, weight: u32, first: u32, count: u32) -> City {
    City {
        centre,
        radius_m,
        weight,
        first,
        count,
    }
}

const CITIES: &[City] = &[
    // Paris, its 20 arrondissements.
    city((48.8566, 2.3522), 6_000.0, 22, 75101, 20),
    // Saint-Denis, Aubervilliers, Bobigny, Sevran.
    city((48.9362, 2.3574), 2_500.0, 6, 93066, 1),
    city((48.9146, 2.3821), 2_000.0, 4, 93001, 1),
    city((48.9075, 2.4397), 2_000.0, 3, 93008, 1),
    city((48.9386, 2.5275), 2_000.0, 3, 93071, 1),
    // Marseille, its 16 arrondissements.
    city((43.2965, 5.3698), 9_000.0, 16, 13201, 16),
    // Lyon, its 9 arrondissements.
    city((45.7640, 4.8357), 5_000.0, 9, 69381, 9),
    // Toulouse, Lille, Roubaix, Nice, Nantes, Montpellier, Grenoble, Nîmes.
    city((43.6047, 1.4442), 6_000.0, 7, 31555, 1),
    city((50.6292, 3.0573), 4_000.0, 5, 59350, 1),
    city((50.6942, 3.1746), 2_500.0, 3, 59512, 1),
    city((43.7102, 7.2620), 4_000.0, 4, 6088, 1),
    city((47.2184, -1.5536), 5_000.0, 5, 44109, 1),
    city((43.6108, 3.8767), 4_500.0, 4, 34172, 1),
    city((45.1885, 5.7245), 3_000.0, 3, 38185, 1),
    city((43.8367, 4.3601), 4_000.0, 3, 30189, 1),
];

/// Building words: as written in full, abbreviated, and with their article.
const BUILDINGS: &[(&str, &str, &str)] = &[
    ("Bâtiment", "bât.", "le bâtiment"),
    ("Tour", "tour", "la tour"),
    ("Escalier", "esc.", "l'escalier"),
];
/// Kinds of housing estate: in full, abbreviated, and with "of the".
const ESTATES: &[(&str, &str, &str)] = &[
    ("cité", "cité", "de la cité"),
    ("résidence", "rés.", "de la résidence"),
    ("square", "sq.", "du square"),
];
const NAMES: &[&str] = &[
    "Fleurs",
    "Tilleuls",
    "Pins",
    "Cerisiers",
    "Lilas",
    "Acacias",
    "Peupliers",
    "Marronniers",
    "Bleuets",
    "Glycines",
    "Mimosas",
    "Chênes",
    "Érables",
    "Platanes",
    "Roses",
    "Iris",
    "Hirondelles",
    "Alouettes",
    "Mésanges",
    "Pervenches",
    "Oliviers",
    "Cyprès",
    "Saules",
    "Bouleaux",
    "Genêts",
    "Jonquilles",
    "Violettes",
    "Capucines",
    "Muguets",
    "Tulipes",
    "Coquelicots",
    "Amandiers",
];
const LETTERS: &[char] = &['A', 'B', 'C', 'D', 'E', 'F'];
/// Distinct spot names a commune can have: one building of one estate each.
const LABELS: usize = 3 * 3 * 32 * 6;
/// Streets and places of the typed addresses that are no spot.
const STREETS: &[&str] = &[
    "Jean Jaurès",
    "Victor Hugo",
    "de la République",
    "Pasteur",
    "Gambetta",
    "Voltaire",
    "du Général de Gaulle",
    "Jules Ferry",
    "Émile Zola",
    "Paul Vaillant-Couturier",
    "Anatole France",
    "Jean Moulin",
    "Danton",
    "Carnot",
    "Aristide Briand",
    "des Écoles",
];
const LANDMARKS: &[&str] = &[
    "parking de la gare",
    "parking du Lidl",
    "arrêt de bus du centre commercial",
    "entrée de la piscine",
    "derrière le stade",
    "sortie du métro",
    "square derrière la mairie",
];
/// Opening hours of spots, minutes since midnight (`to < from` wraps; equal: all day).
const HOURS: &[(u16, u16)] = &[
    (14 * 60, 22 * 60),
    (22 * 60, 2 * 60),
    (10 * 60, 20 * 60),
    (16 * 60, 60),
    (0, 0),
];

/// A deal spot: where it is, its commune, its name, and when it operates.
struct Spot {
    commune: InseeCode,
    centre: (f64, f64),
    /// Indices into `BUILDINGS`, `LETTERS`, `ESTATES`, `NAMES`.
    building: usize,
    letter: usize,
    estate: usize,
    name: usize,
    days: BTreeSet<Weekday>,
    hours: (u16, u16),
}

impl Spot {
    /// The spot's name as one person or another types it; every style gives the same
    /// significant words ("bât." is "bâtiment", "de la" and "devant" are dropped).
    fn place(&self, style: usize) -> String {
        let (building, building_short, building_article) = BUILDINGS[self.building];
        let (estate, estate_short, estate_of) = ESTATES[self.estate];
        let letter = LETTERS[self.letter];
        let name = NAMES[self.name];
        match style % 6 {
            0 => format!("{building} {letter}, {estate} des {name}"),
            1 => search_key(&format!("{estate} des {name} {building_short} {letter}")),
            2 => format!(
                "{} des {name}, {building_short} {letter}",
                capitalised(estate)
            ),
            3 => format!("devant {building_article} {letter} {estate_of} des {name}"),
            4 => format!("{building} {letter}, {estate} des {name}").to_uppercase(),
            _ => format!("{estate_short} des {name}, {building_short} {letter}"),
        }
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// A point `north` metres north and `east` metres east of `origin`.
fn offset(origin: (f64, f64), north: f64, east: f64) -> (f64, f64) {
    let lat = origin.0 + (north / EARTH_RADIUS_M).to_degrees();
    let lon = origin.1 + (east / (EARTH_RADIUS_M * origin.0.to_radians().cos())).to_degrees();
    (lat, lon)
}

/// A uniformly random point within `radius` metres of `origin`.
fn within(rng: &mut StdRng, origin: (f64, f64), radius: f64) -> (f64, f64) {
    let r = radius * rng.gen::<f64>().sqrt();
    let angle = std::f64::consts::TAU * rng.gen::<f64>();
    offset(origin, r * angle.cos(), r * angle.sin())
}

fn insee(code: u32) -> anyhow::Result<InseeCode> {
    InseeCode::parse(&format!("{code:05}")).map_err(|e| anyhow!("INSEE code {code:05}: {e:?}"))
}

/// Spots per city, in proportion to the cities' weights (the remainder to the first cities).
fn allocate(total: usize) -> Vec<usize> {
    let sum: usize = CITIES.iter().map(|c| c.weight as usize).sum();
    let mut out: Vec<usize> = CITIES
        .iter()
        .map(|c| total * c.weight as usize / sum)
        .collect();
    let mut left = total - out.iter().sum::<usize>();
    for n in out.iter_mut() {
        if left == 0 {
            break;
        }
        *n += 1;
        left -= 1;
    }
    out
}

/// Places `total` spots on each city's lattice, names them uniquely within their commune and
/// gives each its days and hours.
fn make_spots(rng: &mut StdRng, total: usize) -> anyhow::Result<Vec<Spot>> {
    let mut spots = Vec::with_capacity(total);
    let mut named: HashMap<InseeCode, usize> = HashMap::new();
    for (city, wanted) in CITIES.iter().zip(allocate(total)) {
        let steps = (city.radius_m / SPOT_STEP_M).floor() as i64;
        let mut sites: Vec<(f64, f64)> = Vec::new();
        for i in -steps..=steps {
            for j in -steps..=steps {
                let (north, east) = (i as f64 * SPOT_STEP_M, j as f64 * SPOT_STEP_M);
                if north.hypot(east) <= city.radius_m {
                    sites.push((north, east));
                }
            }
        }
        sites.shuffle(rng);
        let mut placed = 0;
        for &(north, east) in &sites {
            if placed == wanted {
                break;
            }
            let north = north + rng.gen_range(-SPOT_JITTER_M..=SPOT_JITTER_M);
            let east = east + rng.gen_range(-SPOT_JITTER_M..=SPOT_JITTER_M);
            let centre = offset(city.centre, north, east);
            // Neighbouring cities' areas overlap (Paris and Aubervilliers): keep the gap
            // between spots of different cities too.
            if spots
                .iter()
                .any(|s: &Spot| matching::haversine_m(s.centre, centre) < MIN_SPOT_GAP_M)
            {
                continue;
            }
            placed += 1;
            let commune = insee(city.first + rng.gen_range(0..city.count))?;
            let k = named.entry(commune.clone()).or_insert(0);
            if *k >= LABELS {
                bail!("more than {LABELS} spots in commune {commune}");
            }
            // 1225 is prime to LABELS (2⁶·3³): a permutation, so names stay unique but vary.
            let label = (*k * 1225 + 7) % LABELS;
            *k += 1;
            let days: BTreeSet<Weekday> = Weekday::ALL
                .iter()
                .copied()
                .filter(|_| rng.gen_bool(0.6))
                .collect();
            spots.push(Spot {
                commune,
                centre,
                name: label % NAMES.len(),
                letter: (label / NAMES.len()) % LETTERS.len(),
                estate: (label / (NAMES.len() * LETTERS.len())) % ESTATES.len(),
                building: label / (NAMES.len() * LETTERS.len() * ESTATES.len()),
                days,
                hours: HOURS[rng.gen_range(0..HOURS.len())],
            });
        }
        if placed < wanted {
            bail!(
                "{wanted} spots do not fit the {} lattice sites of a city",
                sites.len()
            );
        }
    }
    Ok(spots)
}

/// What one person noticed of a spot's days and hours: some of its days, its hours or half an
/// hour off, or nothing.
fn seen_times(rng: &mut StdRng, spot: &Spot) -> (BTreeSet<Weekday>, Option<(u16, u16)>) {
    let days = if rng.gen_bool(0.5) {
        spot.days
            .iter()
            .copied()
            .filter(|_| rng.gen_bool(0.7))
            .collect()
    } else {
        BTreeSet::new()
    };
    let hours = rng.gen_bool(0.4).then(|| {
        let shift = [0u16, 30, 24 * 60 - 30][rng.gen_range(0..3)];
        let (from, to) = spot.hours;
        ((from + shift) % (24 * 60), (to + shift) % (24 * 60))
    });
    (days, hours)
}

fn random_times(rng: &mut StdRng) -> (BTreeSet<Weekday>, Option<(u16, u16)>) {
    if rng.gen_bool(0.7) {
        return (BTreeSet::new(), None);
    }
    let days = Weekday::ALL
        .iter()
        .copied()
        .filter(|_| rng.gen_bool(0.4))
        .collect();
    (days, Some(HOURS[rng.gen_range(0..HOURS.len())]))
}

/// An address typed as text that is no spot.
fn typed_address(rng: &mut StdRng) -> String {
    let street = STREETS[rng.gen_range(0..STREETS.len())];
    match rng.gen_range(0..4) {
        0 => LANDMARKS[rng.gen_range(0..LANDMARKS.len())].to_owned(),
        1 => format!("arrêt de bus avenue {street}"),
        _ => format!("{} rue {street}", rng.gen_range(1..=120)),
    }
}

/// The synthetic reports, and for each the spot it is about when clustering must put it with
/// that spot (positioned near it, or its name typed in its commune).
struct Dataset {
    spots: Vec<Spot>,
    /// Spot popularity: a few spots get most reports.
    popularity: WeightedIndex<f64>,
    reports: Vec<SpotProfile>,
    origin: Vec<Option<u32>>,
}

fn generate(rng: &mut StdRng, spot_count: usize, n: usize) -> anyhow::Result<Dataset> {
    let spots = make_spots(rng, spot_count)?;
    let mut ranks: Vec<usize> = (0..spots.len()).collect();
    ranks.shuffle(rng);
    let popularity = WeightedIndex::new(ranks.iter().map(|&r| 1.0 / (1.0 + r as f64).powf(0.7)))?;
    let city_weights = WeightedIndex::new(CITIES.iter().map(|c| c.weight))?;
    let mut reports = Vec::with_capacity(n);
    let mut origin = Vec::with_capacity(n);
    for i in 0..n {
        // Each spot's first report, positioned and named, comes first: every spot is in the
        // 100,000 as in the 1,000,000, and its position-less reports have a positioned report
        // of the same name to join.
        if let Some(spot) = spots.get(i) {
            let (days, hours) = seen_times(rng, spot);
            reports.push(SpotProfile {
                commune: Some(spot.commune.clone()),
                position: Some(within(rng, spot.centre, PIN_SPREAD_M)),
                place: Some(spot.place(i)),
                days,
                hours,
            });
            origin.push(Some(i as u32));
            continue;
        }
        let draw: f64 = rng.gen();
        if draw < 0.86 {
            // About a spot: 72 % pinned near it (half of them with its name), 14 % only its
            // name typed, no position.
            let s = popularity.sample(rng);
            let spot = &spots[s];
            let (days, hours) = seen_times(rng, spot);
            let positioned = draw < 0.72;
            let place = (!positioned || rng.gen_bool(0.5)).then(|| spot.place(rng.gen_range(0..6)));
            reports.push(SpotProfile {
                commune: Some(spot.commune.clone()),
                position: positioned.then(|| within(rng, spot.centre, PIN_SPREAD_M)),
                place,
                days,
                hours,
            });
            origin.push(Some(s as u32));
        } else if draw < 0.98 {
            // No spot: 6 % pinned anywhere in twice the city's radius (a third with a typed
            // address), 6 % an address typed without a position.
            let city = &CITIES[city_weights.sample(rng)];
            let commune = insee(city.first + rng.gen_range(0..city.count))?;
            let positioned = draw < 0.92;
            let place = (!positioned || rng.gen_bool(0.3)).then(|| typed_address(rng));
            let (days, hours) = random_times(rng);
            reports.push(SpotProfile {
                commune: Some(commune),
                position: positioned.then(|| within(rng, city.centre, 2.0 * city.radius_m)),
                place,
                days,
                hours,
            });
            origin.push(None);
        } else {
            // 2 %: a spot's name typed with neither position nor commune; nothing can link it.
            let spot = &spots[popularity.sample(rng)];
            reports.push(SpotProfile {
                commune: None,
                position: None,
                place: Some(spot.place(rng.gen_range(0..6))),
                ..SpotProfile::default()
            });
            origin.push(None);
        }
    }
    Ok(Dataset {
        spots,
        popularity,
        reports,
        origin,
    })
}

/// Milliseconds of `runs` runs of `f` (median, then every run in order), and the last run's
/// result.
fn timed<T>(runs: usize, mut f: impl FnMut() -> T) -> anyhow::Result<(f64, Vec<f64>, T)> {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let out = f();
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        last = Some(out);
    }
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let out = last.ok_or_else(|| anyhow!("no run"))?;
    Ok((sorted[sorted.len() / 2], times, out))
}

/// One clustering measurement.
struct Clustered {
    n: usize,
    positioned: usize,
    position_less: usize,
    no_commune: usize,
    cluster_ms: f64,
    /// Every clustering run, in order, ms.
    cluster_runs: Vec<f64>,
    grid_ms: f64,
    groups: usize,
    largest: usize,
    cells: usize,
    /// Spots whose reports are in one cluster of their own, and spots that share their
    /// cluster with another spot (single linkage through pins in between).
    spots_found: usize,
    spots_merged: usize,
}

/// Clusters `reports` (`runs` times), runs the grid baseline on their positions, and checks
/// the result: a partition of all reports, each spot's reports in one cluster. A split spot is
/// an error in any run; in the quick run, a spot merged with another is one too.
fn measure_clustering(
    reports: &[SpotProfile],
    origin: &[Option<u32>],
    spot_count: usize,
    runs: usize,
    strict: bool,
) -> anyhow::Result<Clustered> {
    let n = reports.len();
    let positions: Vec<(f64, f64)> = reports.iter().filter_map(|r| r.position).collect();
    let (cluster_ms, cluster_runs, groups) = timed(runs, || matching::cluster(reports, RADIUS_M))?;
    let (grid_ms, _, cells) = timed(runs, || {
        matching::cluster_grid_baseline(&positions, RADIUS_M)
    })?;

    if groups.is_empty() || groups.len() > n {
        bail!("{} clusters for {n} reports", groups.len());
    }
    let mut group_of = vec![usize::MAX; n];
    for (g, members) in groups.iter().enumerate() {
        for &i in members {
            match group_of.get_mut(i) {
                Some(slot) if *slot == usize::MAX => *slot = g,
                _ => bail!("report {i} is in two clusters, or out of range"),
            }
        }
    }
    if let Some(i) = group_of.iter().position(|&g| g == usize::MAX) {
        bail!("report {i} is in no cluster");
    }
    // The cluster of each spot, and the spots of each cluster.
    let mut spot_group = vec![usize::MAX; spot_count];
    for (i, o) in origin.iter().enumerate() {
        let Some(s) = o.map(|s| s as usize) else {
            continue;
        };
        let slot = spot_group
            .get_mut(s)
            .ok_or_else(|| anyhow!("spot {s} out of range"))?;
        if *slot == usize::MAX {
            *slot = group_of[i];
        } else if *slot != group_of[i] {
            bail!("hot spot {s} is split: report {i} is not in the cluster of its other reports");
        }
    }
    let mut spots_in_group: HashMap<usize, usize> = HashMap::new();
    for &g in spot_group.iter().filter(|&&g| g != usize::MAX) {
        *spots_in_group.entry(g).or_insert(0) += 1;
    }
    let spots_merged: usize = spots_in_group.values().filter(|&&c| c > 1).sum();
    let spots_found = spots_in_group.values().filter(|&&c| c == 1).count();
    if spots_found + spots_merged != spot_count {
        bail!(
            "{} of {spot_count} hot spots have no report",
            spot_count - spots_found - spots_merged
        );
    }
    if strict && spots_merged > 0 {
        bail!("{spots_merged} hot spots share a cluster with another hot spot");
    }
    if cells == 0 {
        bail!("the grid baseline found no occupied cell");
    }
    Ok(Clustered {
        n,
        positioned: positions.len(),
        position_less: n - positions.len(),
        no_commune: reports.iter().filter(|r| r.commune.is_none()).count(),
        cluster_ms,
        cluster_runs,
        grid_ms,
        groups: groups.len(),
        largest: groups.iter().map(Vec::len).max().unwrap_or(0),
        cells,
        spots_found,
        spots_merged,
    })
}

/// The matching measurement: `candidates` per report, and the plain scan per report.
struct Matched {
    reports: usize,
    samples: Samples,
    baseline: Samples,
    first: usize,
    proposed: usize,
    points: usize,
    departements: usize,
    most_points: usize,
}

/// The plain baseline of matching: the same points, kept by commune equality or a distance
/// under 2 km, the nearest five first; no text, no time, no score.
fn plain_scan(report: &SpotProfile, points: &[(usize, SpotProfile)]) -> Vec<usize> {
    let mut near: Vec<(f64, usize)> = points
        .iter()
        .filter_map(|(key, p)| {
            let metres = report
                .position
                .zip(p.position)
                .map_or(f64::INFINITY, |(a, b)| matching::haversine_m(a, b));
            let same = report.commune.is_some() && report.commune == p.commune;
            (same || metres < matching::ZERO_SCORE_FROM_M).then_some((metres, *key))
        })
        .collect();
    near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    near.truncate(PROPOSED);
    near.into_iter().map(|(_, k)| k).collect()
}

/// New reports about known spots, each matched against the known points of its département
/// (the spots, named "label + place" as the report page builds them), as `pages/chain.rs`
/// does once per view of a report.
fn measure_matching(
    rng: &mut StdRng,
    data: &Dataset,
    count: usize,
    strict: bool,
) -> anyhow::Result<Matched> {
    let mut by_departement: HashMap<DepartementCode, Vec<(usize, SpotProfile)>> = HashMap::new();
    for (s, spot) in data.spots.iter().enumerate() {
        by_departement
            .entry(spot.commune.departement())
            .or_default()
            .push((
                s,
                SpotProfile {
                    commune: Some(spot.commune.clone()),
                    position: Some(spot.centre),
                    place: Some(format!("{} {}", spot.place(0), spot.place(2))),
                    days: spot.days.clone(),
                    hours: Some(spot.hours),
                },
            ));
    }
    let mut samples = Samples::default();
    let mut baseline = Samples::default();
    let (mut first, mut proposed) = (0, 0);
    for _ in 0..count {
        let s = data.popularity.sample(rng);
        let spot = &data.spots[s];
        let (days, hours) = seen_times(rng, spot);
        let positioned = rng.gen_bool(0.65);
        let report = SpotProfile {
            commune: Some(spot.commune.clone()),
            position: positioned.then(|| within(rng, spot.centre, PIN_SPREAD_M)),
            place: (!positioned || rng.gen_bool(0.5)).then(|| spot.place(rng.gen_range(0..6))),
            days,
            hours,
        };
        let points = by_departement
            .get(&spot.commune.departement())
            .map_or(&[][..], Vec::as_slice);
        let started = Instant::now();
        let found = matching::candidates(&report, points, PROPOSED);
        samples.push(started.elapsed());
        let started = Instant::now();
        let plain = plain_scan(&report, points);
        baseline.push(started.elapsed());
        std::hint::black_box(plain);
        match found.iter().position(|c| c.key == s) {
            Some(0) => {
                first += 1;
                proposed += 1;
            }
            Some(_) => proposed += 1,
            None if strict => bail!(
                "matching: the report's own spot {s} is not among the {PROPOSED} proposed ({:?})",
                found.iter().map(|c| (c.key, c.score)).collect::<Vec<_>>()
            ),
            None => {}
        }
    }
    Ok(Matched {
        reports: count,
        samples,
        baseline,
        first,
        proposed,
        points: data.spots.len(),
        departements: by_departement.len(),
        most_points: by_departement.values().map(Vec::len).max().unwrap_or(0),
    })
}

struct Measured {
    spots: usize,
    small: Clustered,
    large: Clustered,
    /// `cluster` on the large set's position-less reports alone, ms.
    position_less_ms: f64,
    matched: Matched,
}

fn measure(quick: bool) -> anyhow::Result<Measured> {
    let (spot_count, small_n, large_n, new_reports, runs) = if quick {
        (60, 2_000, 20_000, 200, 1)
    } else {
        (1_500, 100_000, 1_000_000, 1_000, RUNS)
    };
    let mut rng = StdRng::seed_from_u64(0xB7_C1A5_7E12);
    let data = generate(&mut rng, spot_count, large_n)?;
    let small = measure_clustering(
        &data.reports[..small_n],
        &data.origin[..small_n],
        spot_count,
        runs,
        quick,
    )?;
    let large = measure_clustering(&data.reports, &data.origin, spot_count, runs, quick)?;
    let position_less: Vec<SpotProfile> = data
        .reports
        .iter()
        .filter(|r| r.position.is_none())
        .cloned()
        .collect();
    let (position_less_ms, _, _) = timed(1, || matching::cluster(&position_less, RADIUS_M))?;
    let matched = measure_matching(&mut rng, &data, new_reports, quick)?;
    Ok(Measured {
        spots: spot_count,
        small,
        large,
        position_less_ms,
        matched,
    })
}

/// 1000000 → "1,000,000".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn clustering_notes(c: &Clustered, spots: usize) -> String {
    let runs: Vec<String> = c.cluster_runs.iter().map(|ms| format!("{ms:.0}")).collect();
    format!(
        "{} clusters (largest {} reports); {} of {} hot spots found each as one cluster, {} \
         share theirs with another spot (single linkage: pins in between chain them); {} \
         positioned and {} position-less reports ({} without a commune either); grid \
         baseline: {} occupied {RADIUS_M} m cells; radius {RADIUS_M} m; median of {} run(s): \
         {} ms",
        thousands(c.groups),
        thousands(c.largest),
        thousands(c.spots_found),
        thousands(spots),
        thousands(c.spots_merged),
        thousands(c.positioned),
        thousands(c.position_less),
        thousands(c.no_commune),
        thousands(c.cells),
        runs.len(),
        runs.join(" / "),
    )
}

pub async fn b7(ctx: &Ctx) -> anyhow::Result<Vec<Row>> {
    let quick = ctx.quick;
    let m = tokio::task::spawn_blocking(move || measure(quick)).await??;
    let (small, large) = (&m.small, &m.large);
    let scale = large.n as f64 / small.n as f64;
    let growth = large.cluster_ms / small.cluster_ms;
    let linear_bound = scale * small.cluster_ms * 1.5;
    let mut rows = vec![
        Row::new(
            "B7",
            format!("clustering {} reports", thousands(small.n)),
            small.cluster_ms,
            "ms",
        )
        .baseline(small.grid_ms)
        .target("100k under 1 s", small.cluster_ms < 1000.0)
        .notes(clustering_notes(small, m.spots)),
        Row::new(
            "B7",
            format!("clustering {} reports", thousands(large.n)),
            large.cluster_ms,
            "ms",
        )
        .baseline(large.grid_ms)
        .target(
            "≈ linear: 1M ≤ 10 × 100k × 1.5",
            large.cluster_ms <= linear_bound,
        )
        .notes(format!(
            "{growth:.1}× the time of {} for {scale:.0}× the reports (bound {linear_bound:.0} ms); \
             the {} position-less reports alone cluster in {:.0} ms; {}",
            thousands(small.n),
            thousands(large.position_less),
            m.position_less_ms,
            clustering_notes(large, m.spots),
        )),
    ];
    let mt = &m.matched;
    rows.push(
        Row::new(
            "B7",
            format!(
                "candidate matching: 1 report against its département's known points (≤ {})",
                mt.most_points
            ),
            mt.samples.p50(),
            "ms",
        )
        .baseline(mt.baseline.p50())
        .latency(mt.samples.p50(), mt.samples.p99())
        .baseline_latency(mt.baseline.p50(), mt.baseline.p99())
        .target(
            "none set: recorded (the report page runs it once per view)",
            true,
        )
        .notes(format!(
            "{} new reports (65 % positioned), each against the known points of its département \
             as the report page does ({} points in {} départements, best {PROPOSED} kept); own \
             point proposed first for {:.1} %, among the {PROPOSED} for {:.1} %; baseline: a \
             plain scan of the same points by commune and distance, no text or time",
            thousands(mt.reports),
            thousands(mt.points),
            mt.departements,
            100.0 * mt.first as f64 / mt.reports as f64,
            100.0 * mt.proposed as f64 / mt.reports as f64,
        )),
    );
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_domain::report::matching::PlaceKey;

    #[test]
    fn every_style_of_a_spot_name_has_the_same_words() {
        let mut rng = StdRng::seed_from_u64(1);
        let spots = make_spots(&mut rng, 200).unwrap();
        for spot in &spots {
            let words = PlaceKey::new(&spot.place(0));
            for style in 1..6 {
                let other = PlaceKey::new(&spot.place(style));
                assert_eq!(
                    words.tokens(),
                    other.tokens(),
                    "{} / {}",
                    spot.place(0),
                    spot.place(style)
                );
            }
        }
    }

    #[test]
    fn spot_names_are_unique_within_a_commune() {
        let mut rng = StdRng::seed_from_u64(2);
        let spots = make_spots(&mut rng, 1_500).unwrap();
        let mut seen = std::collections::HashSet::new();
        for spot in &spots {
            let words = PlaceKey::new(&spot.place(0)).tokens().to_vec();
            assert!(
                seen.insert((spot.commune.clone(), words)),
                "{}",
                spot.place(0)
            );
        }
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(2_000), "2,000");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }

    #[test]
    fn the_quick_data_clusters_correctly() {
        let m = measure(true).unwrap();
        assert_eq!(m.small.spots_found, m.spots);
        assert!(m.large.groups <= m.large.n);
    }
}
