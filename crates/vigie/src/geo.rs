//! The gazetteer's files: the open-data format of `../shared/geo/` (communes.csv with INSEE code,
//! name, kind, parent, département, region, postcodes, population, lat, lon; departements.csv).
//! The built-in copy has the same columns without centroids; `vigie geo import` adds them.

use anyhow::{bail, Context};
use std::path::Path;
use vigie_domain::{DepartementCode, InseeCode};
use vigie_store::{Commune, Departement};

pub const BUILTIN_COMMUNES: &str = include_str!("../data/communes.csv");
pub const BUILTIN_DEPARTEMENTS: &str = include_str!("../data/departements.csv");

fn columns(header: &str, wanted: &[&str]) -> anyhow::Result<Vec<usize>> {
    let names: Vec<&str> = header.trim().split(',').collect();
    wanted
        .iter()
        .map(|w| {
            names
                .iter()
                .position(|n| n == w)
                .with_context(|| format!("column {w} missing"))
        })
        .collect()
}

pub fn parse_departements(text: &str) -> anyhow::Result<Vec<Departement>> {
    let mut lines = text.lines();
    let idx = columns(lines.next().context("empty file")?, &["code", "name"])?;
    let mut out = Vec::new();
    for (n, line) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split(',').collect();
        let get = |i: usize| f.get(idx[i]).copied().unwrap_or("");
        let code = DepartementCode::parse(get(0))
            .map_err(|e| anyhow::anyhow!("line {}: {}", n + 2, e.code))?;
        out.push(Departement {
            code,
            name: get(1).to_owned(),
        });
    }
    Ok(out)
}

pub fn parse_communes(text: &str) -> anyhow::Result<Vec<Commune>> {
    let mut lines = text.lines();
    let header = lines.next().context("empty file")?;
    let idx = columns(
        header,
        &[
            "insee",
            "name",
            "kind",
            "departement",
            "postcodes",
            "population",
            "lat",
            "lon",
        ],
    )?;
    let mut out = Vec::new();
    for (n, line) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split(',').collect();
        let get = |i: usize| f.get(idx[i]).copied().unwrap_or("").trim();
        let line_no = n + 2;
        let insee =
            InseeCode::parse(get(0)).map_err(|e| anyhow::anyhow!("line {line_no}: {}", e.code))?;
        let departement = DepartementCode::parse(get(3))
            .map_err(|e| anyhow::anyhow!("line {line_no}: {}", e.code))?;
        let kind = get(2);
        if kind != "commune" && kind != "arrondissement" {
            bail!("line {line_no}: unknown kind {kind:?}");
        }
        let coord = |s: &str| -> anyhow::Result<Option<f64>> {
            if s.is_empty() {
                Ok(None)
            } else {
                s.parse::<f64>()
                    .map(Some)
                    .with_context(|| format!("line {line_no}: bad coordinate {s:?}"))
            }
        };
        out.push(Commune {
            insee,
            name: get(1).to_owned(),
            kind: kind.to_owned(),
            departement,
            postcodes: get(4).split_whitespace().map(str::to_owned).collect(),
            population: get(5).parse().unwrap_or(0),
            lat: coord(get(6))?,
            lon: coord(get(7))?,
        });
    }
    Ok(out)
}

/// Reads `communes.csv` and `departements.csv` from a directory in the open-data format.
pub fn read_dir(dir: &Path) -> anyhow::Result<(Vec<Departement>, Vec<Commune>)> {
    let deps = std::fs::read_to_string(dir.join("departements.csv"))
        .context("reading departements.csv")?;
    let communes =
        std::fs::read_to_string(dir.join("communes.csv")).context("reading communes.csv")?;
    Ok((parse_departements(&deps)?, parse_communes(&communes)?))
}

/// Reads `departements.geojson` (département outlines) from a directory, if present: each
/// outline is checked by the map module, then kept as its GeoJSON geometry.
pub fn read_outlines(dir: &Path) -> anyhow::Result<Vec<(DepartementCode, String)>> {
    let path = dir.join("departements.geojson");
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(&path).context("reading departements.geojson")?;
    vigie_render::map::parse_feature_collection(&text)
        .map_err(|e| anyhow::anyhow!("departements.geojson: {e}"))?;
    let doc: serde_json::Value = serde_json::from_str(&text).context("departements.geojson")?;
    let mut out = Vec::new();
    for feature in doc["features"].as_array().into_iter().flatten() {
        let code = feature["properties"]["code"].as_str().unwrap_or_default();
        let code = DepartementCode::parse(code)
            .map_err(|_| anyhow::anyhow!("departements.geojson: bad code {code:?}"))?;
        out.push((code, feature["geometry"].to_string()));
    }
    Ok(out)
}

pub fn builtin() -> anyhow::Result<(Vec<Departement>, Vec<Commune>)> {
    Ok((
        parse_departements(BUILTIN_DEPARTEMENTS)?,
        parse_communes(BUILTIN_COMMUNES)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_gazetteer_holds_every_commune_and_arrondissement() {
        let (deps, communes) = builtin().unwrap();
        assert_eq!(communes.len(), 35_014);
        assert_eq!(deps.len(), 109);
        assert_eq!(
            communes
                .iter()
                .filter(|c| c.kind == "arrondissement")
                .count(),
            45
        );
        assert!(communes.iter().all(|c| c.lat.is_none()));
        let lille = communes
            .iter()
            .find(|c| c.insee.as_str() == "59350")
            .unwrap();
        assert_eq!(
            (lille.name.as_str(), lille.departement.as_str()),
            ("Lille", "59")
        );
    }

    #[test]
    fn bad_lines_are_refused_with_their_number() {
        let err = parse_communes("insee,name,kind,parent,departement,region,postcodes,population,lat,lon\n9,X,commune,,01,84,,0,,\n")
            .unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        assert!(parse_communes("name\nx\n").is_err());
    }
}
