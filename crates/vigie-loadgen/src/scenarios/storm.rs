//! B4: a connection storm. 5,000 witnesses open conversations within 10 seconds (open loop,
//! evenly spread); their proofs of work are solved beforehand (excluded, as the issue says).

use crate::client;
use crate::report::{Row, Samples};
use crate::server::{Ctx, Vigie};
use anyhow::bail;
use futures_util::StreamExt;
use std::time::{Duration, Instant};

pub async fn b4(ctx: &Ctx) -> anyhow::Result<Vec<Row>> {
    let (n, window) = if ctx.quick {
        (100, Duration::from_secs(1))
    } else {
        (5_000, Duration::from_secs(10))
    };
    let v = Vigie::start(ctx, &ctx.work.join("b4"), &[])?;
    let http = client::http();
    let base = v.base();
    let proofs: Vec<serde_json::Value> = futures_util::stream::iter(0..n)
        .map(|_| client::proof(&http, &base))
        .buffered(32)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    let start = Instant::now() + Duration::from_millis(100);
    let mut tasks = Vec::with_capacity(n);
    for (i, proof) in proofs.into_iter().enumerate() {
        let at = start + window.mul_f64(i as f64 / n as f64);
        let http = http.clone();
        let base = base.clone();
        let addr = v.addr.clone();
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(at.into()).await;
            // Timed from the scheduled instant: a late client cannot hide the server's queue.
            let t = at;
            let w = client::start_with(&http, &base, proof).await?;
            let started = t.elapsed();
            let ws = w.socket(&addr, 0).await?;
            let ready = t.elapsed();
            anyhow::Ok((started, ready, ws))
        }));
    }
    let mut start_lat = Samples::default();
    let mut ready_lat = Samples::default();
    let mut refused = Vec::new();
    let mut sockets = Vec::with_capacity(n);
    for t in tasks {
        match t.await? {
            Ok((s, r, ws)) => {
                start_lat.push(s);
                ready_lat.push(r);
                sockets.push(ws);
            }
            Err(e) => refused.push(format!("{e:#}")),
        }
    }
    let took = start.elapsed();
    drop(sockets);
    if ctx.quick && !refused.is_empty() {
        bail!(
            "B4: {} of {n} refused, first: {}",
            refused.len(),
            refused[0]
        );
    }
    let p99 = start_lat.p99();
    Ok(vec![
        Row::new(
            "B4",
            format!(
                "conversations opened in a storm of {n} within {} s",
                window.as_secs()
            ),
            start_lat.len() as f64,
            "served",
        )
        .latency(start_lat.p50(), p99)
        .target(
            "all served, none refused, p99 start ≤ 500 ms",
            refused.is_empty() && p99 <= 500.0,
        )
        .notes(format!(
            "{} refused{}; all done in {:.1} s; start = POST /api/v1/witness/conversations → 201",
            refused.len(),
            refused
                .first()
                .map(|e| format!(" (first: {e})"))
                .unwrap_or_default(),
            took.as_secs_f64()
        )),
        Row::new(
            "B4",
            "start → witness socket ready, p99",
            ready_lat.p99(),
            "ms",
        )
        .latency(ready_lat.p50(), ready_lat.p99())
        .target("(reported)", true),
    ])
}
