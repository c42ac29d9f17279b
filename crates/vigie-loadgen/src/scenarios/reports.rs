//! B5: durable report submissions per second. An officer's report version saved through the
//! staff API (session, CSRF, assignment check, validation, sealing, version and audit row in
//! one transaction), beside a raw insert loop of a row of the same size with the same
//! durability: SQLite (WAL, `synchronous = FULL`), and PostgreSQL.

use crate::baseline;
use crate::client::{self, Staff};
use crate::report::{Row, Samples};
use crate::server::{Ctx, PgDb, Vigie};
use futures_util::StreamExt;
use std::time::{Duration, Instant};

/// Workers saving at once (each on a conversation of its own).
const WORKERS: usize = 16;

/// Saves `total` report versions through the API; returns the latencies and the wall time.
async fn saves(v: &Vigie, total: usize) -> anyhow::Result<(Samples, Duration)> {
    let http = client::http();
    let password = v.add_staff("operator", "bench-reports", "")?;
    let staff = client::login(&http, &v.base(), &v.addr, "bench-reports", &password).await?;
    let base = v.base();
    let conversations: Vec<client::Witness> = futures_util::stream::iter(0..WORKERS)
        .map(|_| client::start(&http, &base))
        .buffered(8)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    for w in &conversations {
        staff.take(&w.conversation_id).await?;
    }
    let per = total.div_ceil(WORKERS);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in conversations {
        let staff: Staff = staff.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Samples::default();
            let mut version = 0;
            for i in 0..per {
                let fields = client::lille_report(u32::try_from(i).unwrap_or(0));
                let t = Instant::now();
                version = staff
                    .save_report(&w.conversation_id, version, &fields)
                    .await?;
                lat.push(t.elapsed());
            }
            anyhow::Ok(lat)
        }));
    }
    let mut all = Samples::default();
    for t in tasks {
        all.extend(t.await??);
    }
    Ok((all, started.elapsed()))
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

pub async fn b5(ctx: &Ctx) -> anyhow::Result<Vec<Row>> {
    let total = if ctx.quick { 64 } else { 4_000 };
    let mut rows = Vec::new();
    // SQLite.
    let v = Vigie::start(ctx, &ctx.work.join("b5"), &[])?;
    let (lat, took) = saves(&v, total).await?;
    drop(v);
    let (base_lat, base_took) =
        baseline::sqlite_inserts(&ctx.work.join("b5-raw.db"), total).await?;
    let (vr, br) = (rate(lat.len(), took), rate(base_lat.len(), base_took));
    rows.push(
        Row::new("B5", "durable report saves per second, SQLite", vr, "/s")
            .baseline(br)
            .latency(lat.p50(), lat.p99())
            .baseline_latency(base_lat.p50(), base_lat.p99())
            .target("≥ 50 % of the raw SQLite insert loop", vr >= 0.5 * br)
            .notes(format!("{} saves by {WORKERS} concurrent officers' requests; baseline: one connection inserting a 600-byte row per transaction", lat.len())),
    );
    // PostgreSQL.
    let Some(admin) = ctx.postgres.as_deref() else {
        anyhow::bail!("B5's PostgreSQL half needs --postgres or VIGIE_BENCH_POSTGRES_URL (SQLite half: {vr:.0}/s vs {br:.0}/s)");
    };
    let db = PgDb::create(admin, "b5").await?;
    let v = Vigie::start(
        ctx,
        &ctx.work.join("b5-pg"),
        &[("VIGIE_DATABASE_URL", db.url.as_str())],
    )?;
    let (lat, took) = saves(&v, total).await?;
    drop(v);
    let raw = PgDb::create(admin, "b5raw").await?;
    let (base_lat, base_took) = baseline::postgres_inserts(&raw.url, total, WORKERS).await?;
    let (vr, br) = (rate(lat.len(), took), rate(base_lat.len(), base_took));
    rows.push(
        Row::new("B5", "durable report saves per second, PostgreSQL", vr, "/s")
            .baseline(br)
            .latency(lat.p50(), lat.p99())
            .baseline_latency(base_lat.p50(), base_lat.p99())
            .target("≥ 50 % of raw PostgreSQL inserts", vr >= 0.5 * br)
            .notes(format!("{} saves by {WORKERS} concurrent requests; baseline: {WORKERS} connections inserting a 600-byte row each in its own transaction", lat.len())),
    );
    Ok(rows)
}
