//! The demo routing table: for every département of the gazetteer, the services a cell may send
//! a dossier to. No public dataset of units exists, so this one is built from rules that mirror
//! the real organisation: a sûreté départementale and a gendarmerie group per département, an
//! OFAST antenne per region, customs at ports and borders, and the Préfecture de police for
//! Paris and the inner suburbs.
//!
//! Rule: seeding is idempotent (a unit whose name exists is left alone) and runs only in demo mode.

use vigie_domain::chain::{UnitKind, UnitName};
use vigie_domain::{Clock, DepartementCode, StaffId, SystemClock, UnitId};
use vigie_store::{Departement, NewUnit, Store, StoreError};

/// Paris and the inner suburbs: the Préfecture de police acts there, not the sûreté
/// départementale or the gendarmerie.
pub const PREFECTURE_DE_POLICE: [&str; 4] = ["75", "92", "93", "94"];

/// The unit the demo investigator belongs to.
pub const DEMO_INVESTIGATOR_UNIT: &str = "Sûreté départementale du Nord";

// The article a département's name takes after "de". Every name of the built-in gazetteer is in
// exactly one list (a test checks it); an unknown name falls back to a plain "de".
const MASCULINE: &[&str] = &[
    "Calvados",
    "Cantal",
    "Cher",
    "Doubs",
    "Finistère",
    "Gard",
    "Gers",
    "Jura",
    "Loir-et-Cher",
    "Loiret",
    "Lot",
    "Lot-et-Garonne",
    "Maine-et-Loire",
    "Morbihan",
    "Nord",
    "Pas-de-Calais",
    "Puy-de-Dôme",
    "Bas-Rhin",
    "Haut-Rhin",
    "Rhône",
    "Tarn",
    "Tarn-et-Garonne",
    "Territoire de Belfort",
    "Val-de-Marne",
    "Val-d'Oise",
    "Var",
    "Vaucluse",
];
const FEMININE: &[&str] = &[
    "Charente",
    "Charente-Maritime",
    "Corrèze",
    "Corse-du-Sud",
    "Côte-d'Or",
    "Creuse",
    "Dordogne",
    "Drôme",
    "Gironde",
    "Haute-Corse",
    "Haute-Garonne",
    "Haute-Loire",
    "Haute-Marne",
    "Haute-Saône",
    "Haute-Savoie",
    "Haute-Vienne",
    "Loire",
    "Loire-Atlantique",
    "Lozère",
    "Manche",
    "Marne",
    "Mayenne",
    "Meurthe-et-Moselle",
    "Meuse",
    "Moselle",
    "Nièvre",
    "Saône-et-Loire",
    "Sarthe",
    "Savoie",
    "Seine-Maritime",
    "Seine-et-Marne",
    "Seine-Saint-Denis",
    "Somme",
    "Vendée",
    "Vienne",
    "Guadeloupe",
    "Martinique",
    "Guyane",
    "Polynésie française",
    "Nouvelle-Calédonie",
];
/// Names starting with a vowel or a silent h, singular: "de l'".
const ELIDED: &[&str] = &[
    "Ain",
    "Aisne",
    "Allier",
    "Ardèche",
    "Ariège",
    "Aube",
    "Aude",
    "Aveyron",
    "Essonne",
    "Eure",
    "Eure-et-Loir",
    "Hérault",
    "Ille-et-Vilaine",
    "Indre",
    "Indre-et-Loire",
    "Isère",
    "Oise",
    "Orne",
    "Yonne",
    "Île de Clipperton",
];
const PLURAL: &[&str] = &[
    "Alpes-de-Haute-Provence",
    "Hautes-Alpes",
    "Alpes-Maritimes",
    "Ardennes",
    "Bouches-du-Rhône",
    "Côtes-d'Armor",
    "Deux-Sèvres",
    "Hautes-Pyrénées",
    "Hauts-de-Seine",
    "Landes",
    "Pyrénées-Atlantiques",
    "Pyrénées-Orientales",
    "Vosges",
    "Yvelines",
    "Terres australes et antarctiques françaises",
];
/// Names that take no article (cities, islands, and "La Réunion", whose article is its own).
const BARE: &[&str] = &[
    "Paris",
    "Mayotte",
    "La Réunion",
    "Saint-Pierre-et-Miquelon",
    "Saint-Barthélemy",
    "Saint-Martin",
    "Wallis et Futuna",
];

/// "de" with the article a département's name takes: "de l'Ain", "du Nord", "de la Loire",
/// "des Bouches-du-Rhône", "de Paris".
pub fn de(name: &str) -> String {
    let name = name.trim();
    if MASCULINE.contains(&name) {
        format!("du {name}")
    } else if FEMININE.contains(&name) {
        format!("de la {name}")
    } else if ELIDED.contains(&name) {
        format!("de l'{name}")
    } else if PLURAL.contains(&name) {
        format!("des {name}")
    } else if BARE.contains(&name) {
        format!("de {name}")
    } else {
        // Not in the gazetteer (an imported name): the form that is never wrong in gender.
        format!("de {name}")
    }
}

/// The OFAST antennes and the départements each one serves (nearest plausible antenne).
const OFAST: &[(&str, &[&str])] = &[
    ("Antenne OFAST de Lille", &["02", "59", "60", "62", "80"]),
    (
        "Antenne OFAST de Rennes",
        &[
            "14", "18", "22", "27", "28", "29", "35", "36", "37", "41", "44", "45", "49", "50",
            "53", "56", "61", "72", "76", "85", "975",
        ],
    ),
    ("Antenne OFAST de Nanterre", &["77", "78", "91", "95"]),
    (
        "Antenne OFAST de Bordeaux",
        &[
            "09", "12", "16", "17", "19", "23", "24", "31", "32", "33", "40", "46", "47", "64",
            "65", "79", "81", "82", "86", "87",
        ],
    ),
    (
        "Antenne OFAST de Marseille",
        &[
            "04", "05", "06", "11", "13", "2A", "2B", "30", "34", "48", "66", "83", "84",
        ],
    ),
    (
        "Antenne OFAST de Lyon",
        &[
            "01", "03", "07", "15", "21", "26", "38", "39", "42", "43", "58", "63", "69", "71",
            "73", "74", "89",
        ],
    ),
    (
        "Antenne OFAST de Strasbourg",
        &[
            "08", "10", "25", "51", "52", "54", "55", "57", "67", "68", "70", "88", "90",
        ],
    ),
    ("Antenne OFAST de Fort-de-France", &["972"]),
    ("Antenne OFAST de Pointe-à-Pitre", &["971", "977", "978"]),
    ("Antenne OFAST de Cayenne", &["973"]),
    (
        "Antenne OFAST de Saint-Denis (La Réunion)",
        &["974", "976", "984"],
    ),
    ("Antenne OFAST de Nouméa", &["986", "988"]),
    ("Antenne OFAST de Papeete", &["987", "989"]),
];

/// Customs at ports, airports and land borders.
const CUSTOMS: &[(&str, &[&str])] = &[
    (
        "Direction régionale des douanes de Dunkerque",
        &["59", "62"],
    ),
    ("Direction régionale des douanes du Havre", &["76", "14"]),
    ("Direction régionale des douanes de Nantes", &["44", "85"]),
    ("Direction régionale des douanes de Bordeaux", &["33", "17"]),
    ("Direction régionale des douanes de Bayonne", &["64"]),
    ("Direction régionale des douanes de Perpignan", &["66"]),
    (
        "Direction régionale des douanes de Montpellier",
        &["34", "30"],
    ),
    ("Direction régionale des douanes de Marseille", &["13"]),
    ("Direction régionale des douanes de Nice", &["06"]),
    ("Direction régionale des douanes de Corse", &["2A", "2B"]),
    ("Direction régionale des douanes du Léman", &["74", "01"]),
    (
        "Direction régionale des douanes de Mulhouse",
        &["68", "90", "25"],
    ),
    ("Direction régionale des douanes de Strasbourg", &["67"]),
    ("Direction régionale des douanes de Metz", &["57", "54"]),
    ("Direction régionale des douanes de Roissy", &["95", "77"]),
    (
        "Direction régionale des douanes de Guadeloupe",
        &["971", "977", "978"],
    ),
    ("Direction régionale des douanes de Martinique", &["972"]),
    ("Direction régionale des douanes de Guyane", &["973"]),
    ("Direction régionale des douanes de La Réunion", &["974"]),
    ("Direction régionale des douanes de Mayotte", &["976"]),
];

/// A unit of the demo table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUnit {
    pub name: String,
    pub kind: UnitKind,
    pub departements: Vec<String>,
}

fn unit(name: impl Into<String>, kind: UnitKind, deps: &[&str]) -> DemoUnit {
    DemoUnit {
        name: name.into(),
        kind,
        departements: deps.iter().map(|d| (*d).to_owned()).collect(),
    }
}

/// The demo table for these départements; groups keep only the départements present.
pub fn table(departements: &[Departement]) -> Vec<DemoUnit> {
    let present = |code: &str| departements.iter().any(|d| d.code.as_str() == code);
    let keep = |codes: &[&str]| -> Vec<String> {
        codes
            .iter()
            .filter(|c| present(c))
            .map(|c| (*c).to_owned())
            .collect()
    };
    let mut units = Vec::new();
    for d in departements {
        let code = d.code.as_str();
        if PREFECTURE_DE_POLICE.contains(&code) {
            continue;
        }
        let of = de(&d.name);
        units.push(unit(
            format!("Sûreté départementale {of}"),
            UnitKind::SureteDepartementale,
            &[code],
        ));
        units.push(unit(
            format!("Groupement de gendarmerie départementale {of}"),
            UnitKind::Gendarmerie,
            &[code],
        ));
    }
    let pp = keep(&PREFECTURE_DE_POLICE);
    if !pp.is_empty() {
        units.push(DemoUnit {
            name: "Préfecture de police — Brigade des stupéfiants".to_owned(),
            kind: UnitKind::DrugSquad,
            departements: pp,
        });
    }
    if present("75") {
        units.push(unit(
            "Préfecture de police — 1re DPJ (Paris)",
            UnitKind::SureteDepartementale,
            &["75"],
        ));
    }
    for d in departements
        .iter()
        .filter(|d| ["92", "93", "94"].contains(&d.code.as_str()))
    {
        units.push(unit(
            format!("Préfecture de police — Sûreté territoriale {}", de(&d.name)),
            UnitKind::SureteDepartementale,
            &[d.code.as_str()],
        ));
    }
    for (list, kind) in [(OFAST, UnitKind::Ofast), (CUSTOMS, UnitKind::Customs)] {
        for (name, codes) in list {
            let deps = keep(codes);
            if !deps.is_empty() {
                units.push(DemoUnit {
                    name: (*name).to_owned(),
                    kind,
                    departements: deps,
                });
            }
        }
    }
    units
}

/// Creates the demo table for every département of the store, skipping units whose name exists.
/// Returns the number of units created.
pub async fn seed(store: &dyn Store, by: StaffId) -> anyhow::Result<usize> {
    let departements = store.departements().await?;
    let existing: Vec<String> = store.units().await?.into_iter().map(|u| u.name).collect();
    let mut created = 0;
    let mut rng = rand::rngs::OsRng;
    for demo in table(&departements) {
        if existing.contains(&demo.name) {
            continue;
        }
        let name = UnitName::parse(&demo.name)
            .map_err(|e| anyhow::anyhow!("{}: {}", demo.name, e.code))?;
        let departements = demo
            .departements
            .iter()
            .map(|c| DepartementCode::parse(c).map_err(|e| anyhow::anyhow!("{c}: {}", e.code)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let new = NewUnit {
            id: UnitId::random(&mut rng),
            name,
            kind: demo.kind,
            departements,
        };
        match store.create_unit(new, by, SystemClock.now()).await {
            Ok(()) => created += 1,
            // Another node seeding at the same time created it first.
            Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(created)
}

/// The unit with this exact name.
pub async fn unit_named(store: &dyn Store, name: &str) -> anyhow::Result<Option<UnitId>> {
    Ok(store
        .units()
        .await?
        .into_iter()
        .find(|u| u.name == name.trim())
        .map(|u| u.id))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::collections::BTreeSet;

    fn builtin() -> Vec<Departement> {
        crate::geo::builtin().unwrap().0
    }

    #[test]
    fn every_departement_name_takes_the_right_article() {
        let cases = [
            ("Ain", "de l'Ain"),
            ("Aisne", "de l'Aisne"),
            ("Hérault", "de l'Hérault"),
            ("Yonne", "de l'Yonne"),
            ("Nord", "du Nord"),
            ("Haut-Rhin", "du Haut-Rhin"),
            ("Val-d'Oise", "du Val-d'Oise"),
            ("Territoire de Belfort", "du Territoire de Belfort"),
            ("Bouches-du-Rhône", "des Bouches-du-Rhône"),
            ("Hauts-de-Seine", "des Hauts-de-Seine"),
            ("Yvelines", "des Yvelines"),
            ("Alpes-de-Haute-Provence", "des Alpes-de-Haute-Provence"),
            ("Loire", "de la Loire"),
            ("Haute-Garonne", "de la Haute-Garonne"),
            ("Seine-Saint-Denis", "de la Seine-Saint-Denis"),
            ("Côte-d'Or", "de la Côte-d'Or"),
            ("Paris", "de Paris"),
            ("La Réunion", "de La Réunion"),
            ("Mayotte", "de Mayotte"),
            ("Guadeloupe", "de la Guadeloupe"),
        ];
        for (name, expected) in cases {
            assert_eq!(de(name), expected);
        }
    }

    #[test]
    fn every_gazetteer_name_is_in_exactly_one_list() {
        let lists = [MASCULINE, FEMININE, ELIDED, PLURAL, BARE];
        let deps = builtin();
        assert_eq!(deps.len(), 109);
        for d in &deps {
            let n = lists
                .iter()
                .filter(|l| l.contains(&d.name.as_str()))
                .count();
            assert_eq!(n, 1, "{} ({}) is in {n} lists", d.name, d.code);
        }
        // …and no list names a département the gazetteer does not have (a typo would hide).
        let names: BTreeSet<&str> = deps.iter().map(|d| d.name.as_str()).collect();
        for name in lists.iter().flat_map(|l| l.iter()) {
            assert!(names.contains(name), "{name} is not in the gazetteer");
        }
        // Vowels and silent h always elide unless plural.
        for d in &deps {
            let first = d.name.chars().next().unwrap();
            if "AEIOUYÎÉ".contains(first) || d.name == "Hérault" {
                assert!(
                    de(&d.name).starts_with("de l'") || de(&d.name).starts_with("des "),
                    "{}",
                    d.name
                );
            }
        }
    }

    #[test]
    fn every_departement_is_served_and_paris_by_the_prefecture_de_police_only() {
        let deps = builtin();
        let units = table(&deps);
        let names: BTreeSet<&str> = units.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names.len(), units.len(), "unit names are unique");
        for u in &units {
            assert!(UnitName::parse(&u.name).is_ok(), "{}", u.name);
        }
        for d in &deps {
            let code = d.code.as_str();
            let serving: Vec<&DemoUnit> = units
                .iter()
                .filter(|u| u.departements.iter().any(|c| c == code))
                .collect();
            if PREFECTURE_DE_POLICE.contains(&code) {
                assert!(serving.len() >= 2, "{code}");
                assert!(
                    serving
                        .iter()
                        .all(|u| u.name.starts_with("Préfecture de police")),
                    "{code}: {serving:?}"
                );
            } else {
                let kinds: Vec<UnitKind> = serving.iter().map(|u| u.kind).collect();
                assert!(kinds.contains(&UnitKind::SureteDepartementale), "{code}");
                assert!(kinds.contains(&UnitKind::Gendarmerie), "{code}");
                assert_eq!(
                    kinds.iter().filter(|k| **k == UnitKind::Ofast).count(),
                    1,
                    "{code} has one OFAST antenne"
                );
            }
        }
        assert!(names.contains("Sûreté départementale du Nord"));
        assert!(names.contains("Groupement de gendarmerie départementale de l'Ain"));
        assert!(names.contains("Préfecture de police — Sûreté territoriale du Val-de-Marne"));
        for customs in [
            "13", "59", "62", "76", "33", "06", "67", "971", "972", "973", "974", "976", "44",
        ] {
            assert!(
                units
                    .iter()
                    .any(|u| u.kind == UnitKind::Customs
                        && u.departements.iter().any(|c| c == customs)),
                "customs for {customs}"
            );
        }
        // Every code the groups name exists.
        let codes: BTreeSet<&str> = deps.iter().map(|d| d.code.as_str()).collect();
        for (_, group) in OFAST.iter().chain(CUSTOMS) {
            for c in *group {
                assert!(codes.contains(c), "{c}");
            }
        }
    }
}
