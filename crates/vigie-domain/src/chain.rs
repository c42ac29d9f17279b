//! After the cell's conclusion: the units that receive dossiers, the typed outcomes they send
//! back, points de deal, and the retention rules that end a report's life.
//!
//! Rule: every value here is parsed at the boundary; an outcome that exists is complete (a
//! seizure has a product, a positive quantity and a unit).

use crate::report::FieldErrors;
use crate::Invalid;
use serde::{Deserialize, Serialize};

choice!(
    /// The services that receive dossiers.
    UnitKind {
        SureteDepartementale = "surete_departementale",
        DrugSquad = "drug_squad",
        Gendarmerie = "gendarmerie",
        Ofast = "ofast",
        Customs = "customs",
    }
);
choice!(
    /// What happened after a dossier reached a unit.
    OutcomeKind {
        Patrol = "patrol",
        InvestigationOpened = "investigation_opened",
        Arrests = "arrests",
        Seizure = "seizure",
        Fines = "fines",
        NoAction = "no_action",
    }
);
choice!(
    /// What was seized.
    SeizedProduct {
        CannabisResin = "cannabis_resin",
        CannabisHerb = "cannabis_herb",
        Cocaine = "cocaine",
        Crack = "crack",
        Heroin = "heroin",
        Synthetic = "synthetic",
        Cash = "cash",
        Weapons = "weapons",
        Vehicles = "vehicles",
        Other = "other",
    }
);
choice!(
    /// The unit a seized quantity is counted in.
    QuantityUnit { Grams = "g", Kilograms = "kg", Items = "items", Euros = "eur" }
);
choice!(
    /// A point de deal's status.
    DealPointStatus { Active = "active", Dismantled = "dismantled", Moved = "moved" }
);

/// A unit's display name: 3 to 120 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnitName(String);

impl UnitName {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let name = raw.trim();
        let len = name.chars().count();
        if !(3..=120).contains(&len) || name.chars().any(char::is_control) {
            return Err(Invalid::new("unit-name-invalid"));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An outcome as a unit records it: a kind and what that kind requires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    Patrol,
    InvestigationOpened,
    Arrests {
        count: u32,
    },
    Seizure {
        product: SeizedProduct,
        quantity: f64,
        unit: QuantityUnit,
    },
    Fines {
        count: u32,
    },
    NoAction,
}

/// An outcome as it arrives from a form or the API: loose strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutcomeInput {
    pub kind: String,
    pub count: String,
    pub product: String,
    pub quantity: String,
    pub unit: String,
}

const MAX_COUNT: u32 = 10_000;
const MAX_QUANTITY: f64 = 1.0e9;

fn count(raw: &str, errors: &mut FieldErrors) -> u32 {
    match raw.trim().parse::<u32>() {
        Ok(n) if (1..=MAX_COUNT).contains(&n) => n,
        _ => {
            errors.add("count", "count-invalid");
            0
        }
    }
}

impl OutcomeInput {
    pub fn validate(&self) -> Result<Outcome, FieldErrors> {
        let mut errors = FieldErrors::default();
        let Some(kind) = OutcomeKind::parse(&self.kind) else {
            errors.add("kind", "choice-invalid");
            return Err(errors);
        };
        let outcome = match kind {
            OutcomeKind::Patrol => Outcome::Patrol,
            OutcomeKind::InvestigationOpened => Outcome::InvestigationOpened,
            OutcomeKind::NoAction => Outcome::NoAction,
            OutcomeKind::Arrests => Outcome::Arrests {
                count: count(&self.count, &mut errors),
            },
            OutcomeKind::Fines => Outcome::Fines {
                count: count(&self.count, &mut errors),
            },
            OutcomeKind::Seizure => {
                let product = SeizedProduct::parse(&self.product);
                if product.is_none() {
                    errors.add("product", "choice-invalid");
                }
                let quantity = self.quantity.trim().replace(',', ".").parse::<f64>().ok();
                let quantity = quantity.filter(|q| q.is_finite() && *q > 0.0 && *q <= MAX_QUANTITY);
                if quantity.is_none() {
                    errors.add("quantity", "quantity-invalid");
                }
                let unit = QuantityUnit::parse(&self.unit);
                if unit.is_none() {
                    errors.add("unit", "choice-invalid");
                }
                match (product, quantity, unit) {
                    (Some(product), Some(quantity), Some(unit)) => Outcome::Seizure {
                        product,
                        quantity,
                        unit,
                    },
                    _ => return Err(errors),
                }
            }
        };
        if errors.is_empty() {
            Ok(outcome)
        } else {
            Err(errors)
        }
    }
}

impl Outcome {
    pub fn kind(&self) -> OutcomeKind {
        match self {
            Outcome::Patrol => OutcomeKind::Patrol,
            Outcome::InvestigationOpened => OutcomeKind::InvestigationOpened,
            Outcome::Arrests { .. } => OutcomeKind::Arrests,
            Outcome::Seizure { .. } => OutcomeKind::Seizure,
            Outcome::Fines { .. } => OutcomeKind::Fines,
            Outcome::NoAction => OutcomeKind::NoAction,
        }
    }

    /// The count of an arrest or fine outcome.
    pub fn count(&self) -> Option<u32> {
        match self {
            Outcome::Arrests { count } | Outcome::Fines { count } => Some(*count),
            _ => None,
        }
    }

    /// A seizure's quantity in kilograms, for totals (weights only).
    pub fn seized_kg(&self) -> Option<f64> {
        match self {
            Outcome::Seizure {
                quantity,
                unit: QuantityUnit::Kilograms,
                ..
            } => Some(*quantity),
            Outcome::Seizure {
                quantity,
                unit: QuantityUnit::Grams,
                ..
            } => Some(*quantity / 1000.0),
            _ => None,
        }
    }
}

/// How long a report is kept once it reaches a final state, before the purge removes its
/// personal content (statistics remain).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionRule {
    pub state: crate::ReportState,
    pub days: u32,
}

impl RetentionRule {
    /// The states a purge may start from, with their default durations: short, as comparable
    /// services do (unused data within 30 days, closed checks within about two months).
    pub const DEFAULTS: [RetentionRule; 5] = [
        RetentionRule {
            state: crate::ReportState::RedirectedEmergency,
            days: 30,
        },
        RetentionRule {
            state: crate::ReportState::OutOfScope,
            days: 30,
        },
        RetentionRule {
            state: crate::ReportState::Rejected,
            days: 30,
        },
        RetentionRule {
            state: crate::ReportState::Unconfirmed,
            days: 90,
        },
        RetentionRule {
            state: crate::ReportState::Closed,
            days: 60,
        },
    ];

    pub fn parse_days(raw: &str) -> Result<u32, Invalid> {
        match raw.trim().parse::<u32>() {
            Ok(d) if (1..=3650).contains(&d) => Ok(d),
            _ => Err(Invalid::new("retention-days-invalid")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn input(kind: &str, count: &str, product: &str, quantity: &str, unit: &str) -> OutcomeInput {
        OutcomeInput {
            kind: kind.into(),
            count: count.into(),
            product: product.into(),
            quantity: quantity.into(),
            unit: unit.into(),
        }
    }

    #[test]
    fn a_seizure_needs_product_quantity_and_unit() {
        let ok = input("seizure", "", "cocaine", "90", "kg").validate();
        assert_eq!(
            ok,
            Ok(Outcome::Seizure {
                product: SeizedProduct::Cocaine,
                quantity: 90.0,
                unit: QuantityUnit::Kilograms
            })
        );
        let bad = input("seizure", "", "sugar", "-1", "tons")
            .validate()
            .unwrap_err();
        assert_eq!(bad.0.get("product"), Some(&"choice-invalid"));
        assert_eq!(bad.0.get("quantity"), Some(&"quantity-invalid"));
        assert_eq!(bad.0.get("unit"), Some(&"choice-invalid"));
        assert_eq!(
            input("seizure", "", "cannabis_resin", "2,5", "kg")
                .validate()
                .map(|o| o.seized_kg()),
            Ok(Some(2.5))
        );
    }

    #[test]
    fn arrests_need_a_positive_count() {
        assert_eq!(
            input("arrests", "3", "", "", "").validate(),
            Ok(Outcome::Arrests { count: 3 })
        );
        for bad in ["0", "-2", "", "many", "10001"] {
            let e = input("arrests", bad, "", "", "").validate().unwrap_err();
            assert_eq!(e.0.get("count"), Some(&"count-invalid"), "{bad}");
        }
        assert!(input("teleport", "", "", "", "").validate().is_err());
    }

    #[test]
    fn unit_names_are_bounded() {
        assert!(UnitName::parse("Sûreté départementale du Nord").is_ok());
        assert!(UnitName::parse("ab").is_err());
        assert!(UnitName::parse("a\u{0}bc").is_err());
        assert!(UnitName::parse(&"x".repeat(121)).is_err());
        assert!(RetentionRule::parse_days("0").is_err());
        assert_eq!(RetentionRule::parse_days(" 45 "), Ok(45));
    }

    proptest! {
        #[test]
        fn outcome_parsing_never_panics(k in ".{0,20}", c in ".{0,12}", p in ".{0,12}", q in ".{0,12}", u in ".{0,6}") {
            let _ = input(&k, &c, &p, &q, &u).validate();
            let _ = UnitName::parse(&k);
        }
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    fn nasty() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[ \\t]{0,2}[-+]?[0-9]{0,12}([.,][0-9]{0,6})?(e[-+]?[0-9]{1,3})?[ ]{0,2}",
            "(inf|NaN|-0|1e9|1e10|0x10|4294967296|10000|10001)",
            "(seizure|arrests|fines|patrol|no_action|investigation_opened|cocaine|cash|kg|g|eur|items)",
            ("\\PC{1,4}", 50usize..400).prop_map(|(s, n)| s.repeat(n)),
        ]
    }

    proptest! {
        #[test]
        fn accepted_outcomes_are_complete_and_bounded(
            kind in nasty(), count in nasty(), product in nasty(), quantity in nasty(), unit in nasty(),
        ) {
            let input = OutcomeInput { kind: kind.clone(), count, product, quantity, unit };
            match input.validate() {
                Ok(outcome) => {
                    prop_assert_eq!(Some(outcome.kind()), OutcomeKind::parse(&kind));
                    if let Some(n) = outcome.count() {
                        prop_assert!((1..=MAX_COUNT).contains(&n));
                    }
                    if let Outcome::Seizure { quantity, .. } = outcome {
                        prop_assert!(quantity.is_finite() && quantity > 0.0 && quantity <= MAX_QUANTITY);
                    }
                    prop_assert!(outcome.seized_kg().is_none_or(|kg| kg.is_finite() && kg > 0.0));
                    // What is stored reads back as it was.
                    let json = serde_json::to_string(&outcome).unwrap();
                    prop_assert_eq!(serde_json::from_str::<Outcome>(&json).unwrap(), outcome);
                }
                Err(errors) => prop_assert!(!errors.is_empty()),
            }
        }

        #[test]
        fn every_count_in_range_is_accepted(n in 1u32..=MAX_COUNT, pad in "[ \\t]{0,2}") {
            let input = OutcomeInput { kind: "arrests".into(), count: format!("{pad}{n}{pad}"), ..OutcomeInput::default() };
            prop_assert_eq!(input.validate(), Ok(Outcome::Arrests { count: n }));
        }

        #[test]
        fn unit_names_never_panic_and_accepted_ones_are_bounded_and_stable(raw in nasty()) {
            if let Ok(name) = UnitName::parse(&raw) {
                let s = name.as_str();
                prop_assert!((3..=120).contains(&s.chars().count()));
                prop_assert!(!s.chars().any(char::is_control));
                prop_assert_eq!(s, s.trim());
                prop_assert_eq!(UnitName::parse(s), Ok(name.clone()));
            }
        }

        #[test]
        fn retention_days_accept_exactly_one_to_3650(raw in nasty(), n in any::<u32>()) {
            if let Ok(d) = RetentionRule::parse_days(&raw) {
                prop_assert!((1..=3650).contains(&d));
                prop_assert_eq!(raw.trim().parse::<u32>(), Ok(d));
            }
            prop_assert_eq!(RetentionRule::parse_days(&n.to_string()).is_ok(), (1..=3650).contains(&n));
        }

        #[test]
        fn choices_parse_their_names_only(raw in nasty()) {
            for (parsed, names) in [
                (UnitKind::parse(&raw).map(UnitKind::as_str), UnitKind::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>()),
                (OutcomeKind::parse(&raw).map(OutcomeKind::as_str), OutcomeKind::ALL.iter().map(|v| v.as_str()).collect()),
                (SeizedProduct::parse(&raw).map(SeizedProduct::as_str), SeizedProduct::ALL.iter().map(|v| v.as_str()).collect()),
                (QuantityUnit::parse(&raw).map(QuantityUnit::as_str), QuantityUnit::ALL.iter().map(|v| v.as_str()).collect()),
                (DealPointStatus::parse(&raw).map(DealPointStatus::as_str), DealPointStatus::ALL.iter().map(|v| v.as_str()).collect()),
            ] {
                let expected = names.iter().copied().find(|n| *n == raw.trim());
                prop_assert_eq!(parsed, expected);
            }
        }
    }
}
