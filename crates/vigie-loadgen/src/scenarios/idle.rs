//! B3: server memory per idle witness connection, from 1,000 to 15,000 connections, beside
//! a bare tokio-tungstenite server holding the same connections.

use crate::client::{self, Ws};
use crate::report::Row;
use crate::server::{rss_kib, Baseline, Ctx, Vigie};
use anyhow::bail;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

/// Keeps a socket open and read (so pings are answered) until aborted.
fn hold(mut ws: Ws) -> JoinHandle<()> {
    tokio::spawn(async move { while let Some(Ok(_)) = ws.next().await {} })
}

/// Settles, then reads the process's resident memory.
async fn settled_rss(pid: u32, quick: bool) -> anyhow::Result<u64> {
    let settle = if quick {
        Duration::from_millis(200)
    } else {
        Duration::from_secs(2)
    };
    tokio::time::sleep(settle).await;
    rss_kib(pid)
}

async fn bare_socket(addr: &str) -> anyhow::Result<Ws> {
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await?;
    ws.send(Message::Text(json!({ "type": "hello" }).to_string().into()))
        .await?;
    match client::next_json(&mut ws, Duration::from_secs(30)).await? {
        Some(v) if v["type"] == "ready" => Ok(ws),
        other => bail!("bare server answered {other:?}"),
    }
}

/// Memory per connection at each step: (connections, KiB per connection).
async fn steps<F, Fut>(
    pid: u32,
    quick: bool,
    counts: &[usize],
    mut open: F,
) -> anyhow::Result<Vec<(usize, f64)>>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Ws>> + Send + 'static,
{
    let before = settled_rss(pid, quick).await?;
    let mut held: Vec<JoinHandle<()>> = Vec::new();
    let mut out = Vec::new();
    for &count in counts {
        let opening: Vec<_> = (held.len()..count).map(&mut open).collect();
        let sockets: Vec<anyhow::Result<Ws>> = futures_util::stream::iter(opening)
            .buffered(64)
            .collect()
            .await;
        for s in sockets {
            held.push(hold(s?));
        }
        let rss = settled_rss(pid, quick).await?;
        out.push((count, rss.saturating_sub(before) as f64 / count as f64));
    }
    for h in held {
        h.abort();
    }
    Ok(out)
}

/// The bare server's memory per connection at each step.
async fn bare_steps(
    ctx: &Ctx,
    counts: &[usize],
    read_buffer: Option<&str>,
) -> anyhow::Result<Vec<(usize, f64)>> {
    let mut args = vec!["idle-server"];
    if let Some(size) = read_buffer {
        args.extend(["--read-buffer", size]);
    }
    let bare = Baseline::start(ctx, &args)?;
    let pid = bare.pid().unwrap_or(0);
    let addr = bare.addr.clone();
    steps(pid, ctx.quick, counts, |_| {
        let addr = addr.clone();
        async move { bare_socket(&addr).await }
    })
    .await
}

pub async fn b3(ctx: &Ctx) -> anyhow::Result<Vec<Row>> {
    let counts: &[usize] = if ctx.quick {
        &[50, 100]
    } else {
        &[1_000, 5_000, 10_000, 15_000]
    };
    let max = counts.iter().copied().max().unwrap_or(0);
    let v = Vigie::start(ctx, &ctx.work.join("b3"), &[])?;
    let http = client::http();
    let base = v.base();
    let witnesses: Vec<client::Witness> = futures_util::stream::iter(0..max)
        .map(|_| client::start(&http, &base))
        .buffered(32)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    let pid = v.pid().unwrap_or(0);
    let addr = v.addr.clone();
    let vigie = steps(pid, ctx.quick, counts, |i| {
        let w = witnesses[i].clone();
        let addr = addr.clone();
        async move { w.socket(&addr, 0).await }
    })
    .await?;
    drop(v);
    // The baseline holds the same connections with the same read buffer as Vigie's sockets
    // (4 KiB); tungstenite's default (128 KiB) is measured too, for the record.
    let bare = bare_steps(ctx, counts, Some("4096")).await?;
    let default = bare_steps(ctx, counts, None).await?;
    let mut rows = Vec::new();
    for (((count, kib), (_, base_kib)), (_, default_kib)) in vigie.iter().zip(&bare).zip(&default) {
        let ratio = if *base_kib > 0.0 {
            kib / base_kib
        } else {
            f64::INFINITY
        };
        rows.push(
            Row::new("B3", format!("server memory per idle witness connection at {count}"), *kib, "KiB")
                .baseline(*base_kib)
                .target("≤ 16 KiB and ≤ 2.5 × baseline", *kib <= 16.0 && ratio <= 2.5)
                .notes(format!("growth of the server's resident memory (VmRSS) over the count, after 2 s of settling; each connection said hello and got `ready`; baseline: bare tokio-tungstenite with the same 4 KiB read buffer (with tungstenite's default 128 KiB buffer: {default_kib:.1} KiB)")),
        );
    }
    Ok(rows)
}
