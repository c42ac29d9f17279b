//! The gazetteer: communes and départements, and the search behind the commune picker.

use crate::decode::get;
use crate::{internal, map_err, PgStore};
use sqlx::postgres::PgRow;
use vigie_domain::{search_key, DepartementCode, InseeCode};
use vigie_store::{Commune, Departement, StoreResult};

const COLS: &str = "insee, name, kind, departement, postcodes, population, lat, lon";

fn commune_row(row: &PgRow) -> StoreResult<Commune> {
    let postcodes: String = get(row, "postcodes")?;
    Ok(Commune {
        insee: InseeCode::parse(&get::<String>(row, "insee")?).map_err(internal)?,
        name: get(row, "name")?,
        kind: get(row, "kind")?,
        departement: DepartementCode::parse(&get::<String>(row, "departement")?)
            .map_err(internal)?,
        postcodes: postcodes.split_whitespace().map(str::to_owned).collect(),
        population: u64::try_from(get::<i64>(row, "population")?).unwrap_or(0),
        lat: get(row, "lat")?,
        lon: get(row, "lon")?,
    })
}

pub(crate) async fn commune(s: &PgStore, insee: &InseeCode) -> StoreResult<Option<Commune>> {
    let row = sqlx::query(&format!("SELECT {COLS} FROM communes WHERE insee = $1"))
        .bind(insee.as_str())
        .fetch_optional(&s.pool)
        .await
        .map_err(map_err)?;
    row.as_ref().map(commune_row).transpose()
}

pub(crate) async fn search(s: &PgStore, query: &str, limit: u32) -> StoreResult<Vec<Commune>> {
    let q = query.trim();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    let rows = if q.bytes().all(|b| b.is_ascii_digit()) || InseeCode::parse(q).is_ok() {
        // A postcode or INSEE code, or the start of one.
        let prefix = format!("{}%", q.to_ascii_uppercase());
        let word = format!("% {}%", q);
        sqlx::query(&format!(
            "SELECT {COLS} FROM communes WHERE insee LIKE $1 OR postcodes LIKE $1 OR postcodes LIKE $2 \
             ORDER BY population DESC, insee LIMIT $3"
        ))
        .bind(prefix)
        .bind(word)
        .bind(i64::from(limit))
        .fetch_all(&s.pool)
        .await
    } else {
        let key = search_key(q);
        if key.is_empty() {
            return Ok(Vec::new());
        }
        // Escape LIKE wildcards: the key holds only letters, digits and spaces, but be explicit.
        let key = key.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        sqlx::query(&format!(
            "SELECT {COLS} FROM communes WHERE name_key LIKE $1 ESCAPE '\\' OR name_key LIKE $2 ESCAPE '\\' \
             ORDER BY (name_key LIKE $1 ESCAPE '\\') DESC, population DESC, insee LIMIT $3"
        ))
        .bind(format!("{key}%"))
        .bind(format!("% {key}%"))
        .bind(i64::from(limit))
        .fetch_all(&s.pool)
        .await
    }
    .map_err(map_err)?;
    rows.iter().map(commune_row).collect()
}

pub(crate) async fn import(
    s: &PgStore,
    departements: Vec<Departement>,
    communes: Vec<Commune>,
) -> StoreResult<u64> {
    let mut tx = s.pool.begin().await.map_err(map_err)?;
    for d in &departements {
        sqlx::query("INSERT INTO departements (code, name) VALUES ($1, $2) ON CONFLICT (code) DO UPDATE SET name = excluded.name")
            .bind(d.code.as_str())
            .bind(&d.name)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
    }
    // In batches of arrays: one statement per 5,000 communes instead of one per commune.
    for batch in communes.chunks(5000) {
        let col = |f: fn(&Commune) -> String| batch.iter().map(f).collect::<Vec<String>>();
        sqlx::query(
            "INSERT INTO communes (insee, name, name_key, kind, departement, postcodes, population, lat, lon) \
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
                                  $7::bigint[], $8::float8[], $9::float8[]) \
             ON CONFLICT (insee) DO UPDATE SET name = excluded.name, name_key = excluded.name_key, \
               kind = excluded.kind, departement = excluded.departement, postcodes = excluded.postcodes, \
               population = excluded.population, lat = COALESCE(excluded.lat, communes.lat), \
               lon = COALESCE(excluded.lon, communes.lon)",
        )
        .bind(col(|c| c.insee.as_str().to_owned()))
        .bind(col(|c| c.name.clone()))
        .bind(col(|c| search_key(&c.name)))
        .bind(col(|c| c.kind.clone()))
        .bind(col(|c| c.departement.as_str().to_owned()))
        .bind(col(|c| c.postcodes.join(" ")))
        .bind(batch.iter().map(|c| i64::try_from(c.population).unwrap_or(i64::MAX)).collect::<Vec<i64>>())
        .bind(batch.iter().map(|c| c.lat).collect::<Vec<Option<f64>>>())
        .bind(batch.iter().map(|c| c.lon).collect::<Vec<Option<f64>>>())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    }
    tx.commit().await.map_err(map_err)?;
    Ok(communes.len() as u64)
}

pub(crate) async fn count(s: &PgStore) -> StoreResult<u64> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM communes")
        .fetch_one(&s.pool)
        .await
        .map_err(map_err)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

pub(crate) async fn departement(
    s: &PgStore,
    code: &DepartementCode,
) -> StoreResult<Option<Departement>> {
    let name: Option<String> = sqlx::query_scalar("SELECT name FROM departements WHERE code = $1")
        .bind(code.as_str())
        .fetch_optional(&s.pool)
        .await
        .map_err(map_err)?;
    Ok(name.map(|name| Departement {
        code: code.clone(),
        name,
    }))
}
