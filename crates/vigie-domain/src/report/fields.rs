//! The report's fields (where, how, how many, who, how often) and their validation.
//!
//! `ReportInput` is what arrives from a form or the API: loose strings. `ReportInput::validate`
//! turns it into `ReportFields` or into `FieldErrors`, one stable error code per bad field, which
//! the web layer translates. Nothing half-valid is ever stored.

use crate::geo::InseeCode;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

choice!(
    /// What kind of dealing the witness describes.
    Activity { StreetSale = "street_sale", Storage = "storage", Delivery = "delivery", MovedSpot = "moved_spot", Other = "other" }
);
choice!(Weekday { Mon = "mon", Tue = "tue", Wed = "wed", Thu = "thu", Fri = "fri", Sat = "sat", Sun = "sun" });
choice!(
    /// How often exchanges happen.
    Frequency { Continuous = "continuous", Hourly = "hourly", Daily = "daily", Weekly = "weekly", Occasional = "occasional" }
);
choice!(
    /// Roles seen at the spot: seller, lookout ("guetteur"), tout ("rabatteur").
    PersonRole { Seller = "seller", Lookout = "lookout", Tout = "tout", Other = "other" }
);
choice!(Product {
    CannabisResin = "cannabis_resin",
    CannabisHerb = "cannabis_herb",
    Cocaine = "cocaine",
    Crack = "crack",
    Heroin = "heroin",
    Synthetic = "synthetic",
    Other = "other",
});
choice!(
    /// How the witness knows: seen personally or heard from someone.
    Knowledge { Seen = "seen", Heard = "heard" }
);

/// Every field name, as used in `FieldErrors` and in provenance (`sources`).
pub const FIELD_NAMES: &[&str] = &[
    "activity",
    "activity_other",
    "commune",
    "place",
    "position",
    "days",
    "hours_from",
    "hours_to",
    "frequency",
    "people_count",
    "roles",
    "descriptions",
    "vehicles",
    "products",
    "products_other",
    "weapons",
    "weapons_details",
    "knowledge",
];

const SHORT_TEXT: usize = 200;
const LONG_TEXT: usize = 2000;
const MAX_VEHICLES: usize = 10;
const MAX_PEOPLE: u32 = 200;

/// A vehicle as typed by the officer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VehicleInput {
    pub make: String,
    pub colour: String,
    pub plate: String,
}

/// A validated vehicle: at least one of its parts is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vehicle {
    pub make: Option<String>,
    pub colour: Option<String>,
    pub plate: Option<String>,
}

/// The report as it arrives, before validation. Unknown keys are refused by the API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportInput {
    pub activity: String,
    pub activity_other: String,
    pub commune: String,
    pub place: String,
    /// A point placed by the officer: "latitude, longitude" in decimal degrees (WGS84).
    pub position: String,
    pub days: Vec<String>,
    pub hours_from: String,
    pub hours_to: String,
    pub frequency: String,
    pub people_count: String,
    pub roles: Vec<String>,
    pub descriptions: String,
    pub vehicles: Vec<VehicleInput>,
    pub products: Vec<String>,
    pub products_other: String,
    pub weapons: bool,
    pub weapons_details: String,
    pub knowledge: String,
    /// Provenance: for a field name, the sequence numbers of the witness messages it came from.
    pub sources: BTreeMap<String, Vec<u64>>,
}

/// The report once valid. Every field is optional while the chat goes on; qualification
/// requires the essentials (`missing_for_qualification`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportFields {
    pub activity: Option<Activity>,
    pub activity_other: Option<String>,
    pub commune: Option<InseeCode>,
    pub place: Option<String>,
    /// The officer's point, normalised to "lat, lon" with 5 decimals (about a metre); when absent
    /// the commune's centroid stands for the spot. Read it with `ReportFields::point`.
    pub position: Option<String>,
    pub days: BTreeSet<Weekday>,
    pub hours_from: Option<String>,
    pub hours_to: Option<String>,
    pub frequency: Option<Frequency>,
    pub people_count: Option<u32>,
    pub roles: BTreeSet<PersonRole>,
    pub descriptions: Option<String>,
    pub vehicles: Vec<Vehicle>,
    pub products: BTreeSet<Product>,
    pub products_other: Option<String>,
    pub weapons: bool,
    pub weapons_details: Option<String>,
    pub knowledge: Option<Knowledge>,
    pub sources: BTreeMap<String, Vec<u64>>,
}

/// One error code per bad field: `{"people_count": "number-out-of-range"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FieldErrors(pub BTreeMap<&'static str, &'static str>);

impl FieldErrors {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn add(&mut self, field: &'static str, code: &'static str) {
        self.0.entry(field).or_insert(code);
    }
}

fn text(raw: &str, max: usize, field: &'static str, errors: &mut FieldErrors) -> Option<String> {
    let t = raw.trim();
    if t.is_empty() {
        return None;
    }
    if t.chars().count() > max {
        errors.add(field, "text-too-long");
        return None;
    }
    if t.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        errors.add(field, "text-control-chars");
        return None;
    }
    Some(t.replace("\r\n", "\n"))
}

fn one<T>(
    raw: &str,
    parse: fn(&str) -> Option<T>,
    field: &'static str,
    errors: &mut FieldErrors,
) -> Option<T> {
    if raw.trim().is_empty() {
        return None;
    }
    let parsed = parse(raw);
    if parsed.is_none() {
        errors.add(field, "choice-invalid");
    }
    parsed
}

fn many<T: Ord>(
    raw: &[String],
    parse: fn(&str) -> Option<T>,
    field: &'static str,
    errors: &mut FieldErrors,
) -> BTreeSet<T> {
    let mut out = BTreeSet::new();
    for r in raw {
        match parse(r) {
            Some(v) => {
                out.insert(v);
            }
            None => errors.add(field, "choice-invalid"),
        }
    }
    out
}

/// "HH:MM", 24-hour clock.
fn hour(raw: &str, field: &'static str, errors: &mut FieldErrors) -> Option<String> {
    let t = raw.trim();
    if t.is_empty() {
        return None;
    }
    let ok = t.len() == 5
        && t.as_bytes()[2] == b':'
        && t[..2].parse::<u8>().is_ok_and(|h| h < 24)
        && t[3..].parse::<u8>().is_ok_and(|m| m < 60)
        && t.bytes()
            .enumerate()
            .all(|(i, b)| i == 2 || b.is_ascii_digit());
    if ok {
        Some(t.to_owned())
    } else {
        errors.add(field, "hour-invalid");
        None
    }
}

/// A French plate (AB-123-CD, or the older 1234 AB 56) or a foreign one: letters, digits,
/// spaces and dashes, 2 to 12 characters. Stored upper-case.
fn plate(raw: &str, errors: &mut FieldErrors) -> Option<String> {
    let t = raw.trim().to_uppercase();
    if t.is_empty() {
        return None;
    }
    let ok = (2..=12).contains(&t.chars().count())
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ' ')
        && t.chars().any(|c| c.is_ascii_alphanumeric());
    if ok {
        Some(t)
    } else {
        errors.add("vehicles", "plate-invalid");
        None
    }
}

/// The territories a point may fall in: metropolitan France and Corsica, then the overseas
/// départements (lat min, lat max, lon min, lon max).
const TERRITORIES: [(f64, f64, f64, f64); 6] = [
    (41.3, 51.1, -5.2, 9.6),
    (15.8, 16.55, -61.85, -61.0),
    (14.38, 14.9, -61.25, -60.8),
    (2.1, 5.8, -54.6, -51.6),
    (-21.4, -20.85, 55.2, 55.85),
    (-13.05, -12.6, 45.0, 45.3),
];

/// "lat, lon" (comma, semicolon or spaces between; a decimal comma is refused as ambiguous).
fn parse_point(raw: &str) -> Option<(f64, f64)> {
    let mut parts = raw
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|p| !p.is_empty());
    let lat: f64 = parts.next()?.parse().ok()?;
    let lon: f64 = parts.next()?.parse().ok()?;
    (parts.next().is_none() && lat.is_finite() && lon.is_finite()).then_some((lat, lon))
}

fn position(raw: &str, errors: &mut FieldErrors) -> Option<String> {
    if raw.trim().is_empty() {
        return None;
    }
    let Some((lat, lon)) = parse_point(raw) else {
        errors.add("position", "position-invalid");
        return None;
    };
    let inside = TERRITORIES
        .iter()
        .any(|(a, b, c, d)| (*a..=*b).contains(&lat) && (*c..=*d).contains(&lon));
    if !inside {
        errors.add("position", "position-outside-france");
        return None;
    }
    Some(format!("{lat:.5}, {lon:.5}"))
}

impl ReportFields {
    /// The officer's point as (latitude, longitude), if one was placed.
    pub fn point(&self) -> Option<(f64, f64)> {
        self.position.as_deref().and_then(parse_point)
    }
}

impl ReportInput {
    pub fn validate(&self) -> Result<ReportFields, FieldErrors> {
        let mut e = FieldErrors::default();
        let commune = if self.commune.trim().is_empty() {
            None
        } else {
            match InseeCode::parse(&self.commune) {
                Ok(c) => Some(c),
                Err(_) => {
                    e.add("commune", "commune-unknown");
                    None
                }
            }
        };
        let people_count = match self.people_count.trim() {
            "" => None,
            n => match n.parse::<u32>() {
                Ok(n) if (1..=MAX_PEOPLE).contains(&n) => Some(n),
                Ok(_) => {
                    e.add("people_count", "number-out-of-range");
                    None
                }
                Err(_) => {
                    e.add("people_count", "number-invalid");
                    None
                }
            },
        };
        if self.vehicles.len() > MAX_VEHICLES {
            e.add("vehicles", "too-many-vehicles");
        }
        let vehicles = self
            .vehicles
            .iter()
            .take(MAX_VEHICLES)
            .filter_map(|v| {
                let vehicle = Vehicle {
                    make: text(&v.make, SHORT_TEXT, "vehicles", &mut e),
                    colour: text(&v.colour, SHORT_TEXT, "vehicles", &mut e),
                    plate: plate(&v.plate, &mut e),
                };
                (vehicle.make.is_some() || vehicle.colour.is_some() || vehicle.plate.is_some())
                    .then_some(vehicle)
            })
            .collect();
        let mut sources = BTreeMap::new();
        for (field, seqs) in &self.sources {
            match FIELD_NAMES.iter().find(|f| **f == field.as_str()) {
                Some(name) if seqs.iter().all(|s| *s > 0) && seqs.len() <= 50 => {
                    let mut seqs = seqs.clone();
                    seqs.sort_unstable();
                    seqs.dedup();
                    if !seqs.is_empty() {
                        sources.insert((*name).to_owned(), seqs);
                    }
                }
                _ => e.add("sources", "sources-invalid"),
            }
        }
        let fields = ReportFields {
            activity: one(&self.activity, Activity::parse, "activity", &mut e),
            activity_other: text(&self.activity_other, SHORT_TEXT, "activity_other", &mut e),
            commune,
            place: text(&self.place, LONG_TEXT, "place", &mut e),
            position: position(&self.position, &mut e),
            days: many(&self.days, Weekday::parse, "days", &mut e),
            hours_from: hour(&self.hours_from, "hours_from", &mut e),
            hours_to: hour(&self.hours_to, "hours_to", &mut e),
            frequency: one(&self.frequency, Frequency::parse, "frequency", &mut e),
            people_count,
            roles: many(&self.roles, PersonRole::parse, "roles", &mut e),
            descriptions: text(&self.descriptions, LONG_TEXT, "descriptions", &mut e),
            vehicles,
            products: many(&self.products, Product::parse, "products", &mut e),
            products_other: text(&self.products_other, SHORT_TEXT, "products_other", &mut e),
            weapons: self.weapons,
            weapons_details: text(&self.weapons_details, LONG_TEXT, "weapons_details", &mut e),
            knowledge: one(&self.knowledge, Knowledge::parse, "knowledge", &mut e),
            sources,
        };
        if e.is_empty() {
            Ok(fields)
        } else {
            Err(e)
        }
    }
}

impl ReportFields {
    /// What must be known before the report can leave the chat: what, where, and how the
    /// witness knows.
    pub fn missing_for_qualification(&self) -> FieldErrors {
        let mut e = FieldErrors::default();
        if self.activity.is_none() {
            e.add("activity", "required");
        }
        if self.activity == Some(Activity::Other) && self.activity_other.is_none() {
            e.add("activity_other", "required");
        }
        if self.commune.is_none() {
            e.add("commune", "required");
        }
        if self.place.is_none() {
            e.add("place", "required");
        }
        if self.knowledge.is_none() {
            e.add("knowledge", "required");
        }
        e
    }

    /// Weapons or violence raise the priority of a report.
    pub fn is_priority(&self) -> bool {
        self.weapons
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn complete() -> ReportInput {
        ReportInput {
            activity: "street_sale".into(),
            commune: "59350".into(),
            place: "Hall B, entrée côté parking".into(),
            days: vec!["fri".into(), "sat".into(), "fri".into()],
            hours_from: "12:00".into(),
            hours_to: "22:00".into(),
            frequency: "hourly".into(),
            people_count: "4".into(),
            roles: vec!["seller".into(), "lookout".into()],
            vehicles: vec![VehicleInput {
                make: "Clio".into(),
                colour: "grise".into(),
                plate: "ab-123-cd".into(),
            }],
            knowledge: "seen".into(),
            sources: BTreeMap::from([("place".to_owned(), vec![3, 1, 3])]),
            ..ReportInput::default()
        }
    }

    #[test]
    fn a_complete_report_validates_and_can_be_qualified() {
        let fields = complete().validate().unwrap();
        assert_eq!(fields.days.len(), 2);
        assert_eq!(fields.vehicles[0].plate.as_deref(), Some("AB-123-CD"));
        assert_eq!(fields.sources["place"], vec![1, 3]);
        assert!(fields.missing_for_qualification().is_empty());
    }

    #[test]
    fn an_officer_point_must_be_a_place_in_france() {
        let with = |raw: &str| {
            ReportInput {
                position: raw.into(),
                ..complete()
            }
            .validate()
        };
        let fields = with(" 50.6329712 ; 3.0585 ").unwrap();
        assert_eq!(fields.position.as_deref(), Some("50.63297, 3.05850"));
        assert_eq!(fields.point(), Some((50.63297, 3.0585)));
        assert_eq!(
            with("-21.1151 55.5364").unwrap().point(),
            Some((-21.1151, 55.5364))
        );
        assert_eq!(with("").unwrap().point(), None);
        for (raw, code) in [
            ("Lille", "position-invalid"),
            ("50,63 3,05", "position-invalid"),
            ("50.6", "position-invalid"),
            ("50.6, 3.0, 7", "position-invalid"),
            ("NaN, 3", "position-invalid"),
            ("40.7128, -74.0060", "position-outside-france"),
            ("3.05, 50.63", "position-outside-france"),
        ] {
            assert_eq!(
                with(raw).unwrap_err().0.get("position"),
                Some(&code),
                "{raw}"
            );
        }
    }

    #[test]
    fn each_bad_field_gets_its_own_error() {
        let input = ReportInput {
            activity: "selling".into(),
            commune: "7505".into(),
            hours_from: "25:00".into(),
            people_count: "0".into(),
            days: vec!["someday".into()],
            vehicles: vec![VehicleInput {
                plate: "<script>".into(),
                ..VehicleInput::default()
            }],
            sources: BTreeMap::from([("nope".to_owned(), vec![1])]),
            ..complete()
        };
        let errors = input.validate().unwrap_err().0;
        assert_eq!(errors["activity"], "choice-invalid");
        assert_eq!(errors["commune"], "commune-unknown");
        assert_eq!(errors["hours_from"], "hour-invalid");
        assert_eq!(errors["people_count"], "number-out-of-range");
        assert_eq!(errors["days"], "choice-invalid");
        assert_eq!(errors["vehicles"], "plate-invalid");
        assert_eq!(errors["sources"], "sources-invalid");
        assert!(!errors.contains_key("place"));
    }

    #[test]
    fn qualification_needs_what_where_and_how_known() {
        let fields = ReportInput::default().validate().unwrap();
        let missing = fields.missing_for_qualification().0;
        for f in ["activity", "commune", "place", "knowledge"] {
            assert_eq!(missing[f], "required", "{f}");
        }
    }

    proptest! {
        #[test]
        fn validation_never_panics_and_accepted_text_is_bounded(
            place in "\\PC{0,2500}", count in "\\PC{0,6}", hour in "\\PC{0,6}", plate in "\\PC{0,16}",
        ) {
            let input = ReportInput {
                place, people_count: count, hours_from: hour,
                vehicles: vec![VehicleInput { plate, ..VehicleInput::default() }],
                ..ReportInput::default()
            };
            if let Ok(fields) = input.validate() {
                prop_assert!(fields.place.map_or(0, |p| p.chars().count()) <= LONG_TEXT);
                prop_assert!(fields.people_count.is_none_or(|n| (1..=MAX_PEOPLE).contains(&n)));
                if let Some(h) = fields.hours_from { prop_assert_eq!(h.len(), 5); }
            }
        }
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::collection::{btree_map, vec};
    use proptest::prelude::*;

    /// A loose string as a form or the API may carry it: anything, a near-valid value, or huge.
    fn loose() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => any::<String>(),
            2 => "[ \\t]{0,1}(street_sale|other|mon|fri|daily|seller|cocaine|seen|heard|59350|2a004|97411|20004|12:00|23:59|24:00|4|0|201|ab-123-cd|50.63 3.06|-21.1 55.5)[ \\r\\n]{0,1}",
            2 => "\\PC{0,40}",
            1 => "[\\x00-\\x1f\\x7f a-z\\r\\n]{0,20}",
            1 => ("\\PC{1,4}", 100usize..700).prop_map(|(s, n)| s.repeat(n)),
        ]
    }

    fn vehicle() -> impl Strategy<Value = VehicleInput> {
        (loose(), loose(), loose()).prop_map(|(make, colour, plate)| VehicleInput {
            make,
            colour,
            plate,
        })
    }

    fn sources() -> impl Strategy<Value = BTreeMap<String, Vec<u64>>> {
        btree_map(
            prop_oneof![
                proptest::sample::select(FIELD_NAMES.to_vec()).prop_map(String::from),
                any::<String>()
            ],
            vec(prop_oneof![1u64..20, any::<u64>()], 0..60),
            0..4,
        )
    }

    prop_compose! {
        fn report_input()(
            (activity, activity_other, commune, place, position, hours_from) in (loose(), loose(), loose(), loose(), loose(), loose()),
            (hours_to, frequency, people_count, descriptions, products_other, weapons_details) in (loose(), loose(), loose(), loose(), loose(), loose()),
            (knowledge, weapons) in (loose(), any::<bool>()),
            (days, roles, products) in (vec(loose(), 0..4), vec(loose(), 0..4), vec(loose(), 0..4)),
            vehicles in vec(vehicle(), 0..13),
            sources in sources(),
        ) -> ReportInput {
            ReportInput {
                activity, activity_other, commune, place, position, days, hours_from, hours_to,
                frequency, people_count, roles, descriptions, vehicles, products, products_other,
                weapons, weapons_details, knowledge, sources,
            }
        }
    }

    fn clean(t: &Option<String>, max: usize) -> bool {
        t.as_deref().is_none_or(|t| {
            !t.is_empty()
                && t == t.trim()
                && t.chars().count() <= max
                && !t.contains("\r\n")
                && t.chars()
                    .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
        })
    }

    fn hhmm(h: &Option<String>) -> bool {
        h.as_deref().is_none_or(|h| {
            h.len() == 5
                && h.as_bytes()[2] == b':'
                && h[..2].parse::<u8>().is_ok_and(|v| v < 24)
                && h[3..].parse::<u8>().is_ok_and(|v| v < 60)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn any_input_validates_without_panic_and_what_is_accepted_holds(input in report_input()) {
            match input.validate() {
                Ok(f) => {
                    for (t, max) in [
                        (&f.activity_other, SHORT_TEXT), (&f.place, LONG_TEXT), (&f.descriptions, LONG_TEXT),
                        (&f.products_other, SHORT_TEXT), (&f.weapons_details, LONG_TEXT),
                    ] {
                        prop_assert!(clean(t, max), "{:?}", t);
                    }
                    prop_assert!(hhmm(&f.hours_from) && hhmm(&f.hours_to));
                    prop_assert!(f.people_count.is_none_or(|n| (1..=MAX_PEOPLE).contains(&n)));
                    prop_assert_eq!(f.activity, Activity::parse(&input.activity));
                    prop_assert_eq!(f.knowledge, Knowledge::parse(&input.knowledge));
                    prop_assert_eq!(f.frequency, Frequency::parse(&input.frequency));
                    prop_assert_eq!(f.commune.clone(), InseeCode::parse(&input.commune).ok());
                    prop_assert!(f.days.len() <= input.days.len());
                    prop_assert!(f.vehicles.len() <= MAX_VEHICLES);
                    for v in &f.vehicles {
                        prop_assert!(v.make.is_some() || v.colour.is_some() || v.plate.is_some());
                        prop_assert!(clean(&v.make, SHORT_TEXT) && clean(&v.colour, SHORT_TEXT));
                        if let Some(p) = &v.plate {
                            prop_assert!((2..=12).contains(&p.len()));
                            prop_assert!(p.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b' '));
                        }
                    }
                    for (k, seqs) in &f.sources {
                        prop_assert!(FIELD_NAMES.contains(&k.as_str()));
                        prop_assert!(!seqs.is_empty() && seqs.len() <= 50);
                        prop_assert!(seqs.windows(2).all(|w| w[0] < w[1]) && seqs[0] > 0);
                    }
                    if let Some(p) = &f.position {
                        prop_assert!(f.point().is_some());
                        let again = ReportInput { position: p.clone(), ..ReportInput::default() }.validate();
                        prop_assert_eq!(again.ok().and_then(|g| g.position), Some(p.clone()));
                    }
                    // What is stored reads back as it was.
                    let json = serde_json::to_string(&f).unwrap();
                    prop_assert_eq!(serde_json::from_str::<ReportFields>(&json).unwrap(), f);
                }
                Err(errors) => {
                    prop_assert!(!errors.is_empty());
                    prop_assert!(errors.0.keys().all(|k| FIELD_NAMES.contains(k) || *k == "sources"));
                }
            }
        }

        #[test]
        fn a_point_in_france_is_accepted_normalised_and_stable(
            territory in 0usize..TERRITORIES.len(), fy in 0.0f64..=1.0, fx in 0.0f64..=1.0,
            sep in prop_oneof![Just(", "), Just(","), Just(";"), Just(" ; "), Just(" "), Just("\t")],
            digits in 0usize..10,
        ) {
            let (a, b, c, d) = TERRITORIES[territory];
            let (lat, lon) = (a + (b - a) * fy, c + (d - c) * fx);
            let raw = format!("{lat:.digits$}{sep}{lon:.digits$}");
            let (rlat, rlon) = parse_point(&raw).unwrap();
            let inside = (a..=b).contains(&rlat) && (c..=d).contains(&rlon);
            let got = ReportInput { position: raw.clone(), ..ReportInput::default() }.validate();
            match got {
                Ok(f) => {
                    prop_assert!(inside);
                    let p = f.position.clone().unwrap();
                    let (plat, plon) = f.point().unwrap();
                    prop_assert!((plat - rlat).abs() <= 0.5e-5 + 1e-9 && (plon - rlon).abs() <= 0.5e-5 + 1e-9);
                    // Normalising twice changes nothing.
                    let again = ReportInput { position: p.clone(), ..ReportInput::default() }.validate().unwrap();
                    prop_assert_eq!(again.position, Some(p));
                }
                // Only a point rounded out of the territory's edge is refused.
                Err(e) => {
                    prop_assert!(!inside, "{}", raw);
                    prop_assert_eq!(e.0.get("position"), Some(&"position-outside-france"));
                }
            }
        }

        #[test]
        fn a_stored_position_of_any_text_reads_without_panic(raw in loose()) {
            let f = ReportFields { position: Some(raw), ..ReportFields::default() };
            if let Some((lat, lon)) = f.point() {
                prop_assert!(lat.is_finite() && lon.is_finite());
            }
        }
    }
}
