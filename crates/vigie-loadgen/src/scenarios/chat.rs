//! Live conversations under load: B1 (1,000 conversations at 200 messages/s), B2 (the
//! throughput ceiling), B6 (two nodes on PostgreSQL) and B9 (recovery after `kill -9`).
//!
//! A *pair* is one conversation seen from both ends: the witness's socket, which sends, and
//! the officer's console socket watching it, which receives. Each pair sends on its own
//! open-loop schedule (it never waits for an acknowledgement before the next message), so a
//! slow server shows as latency, not as a lower offered rate. A message's body carries its
//! pair, its number and the instant it was sent, so the receiving end measures the delay
//! without shared state. The same driver runs against the bare relay of `crate::baseline`,
//! which speaks the same frames.

use crate::client::{self, next_json, send_frame, Ws};
use crate::report::{Row, Samples};
use crate::server::{Baseline, Ctx, PgDb, Vigie};
use anyhow::{anyhow, bail, Context};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::Message;

/// One conversation, both ends open.
pub struct Pair {
    /// The conversation (Vigie's id, or the relay's name).
    pub id: String,
    pub witness: Ws,
    pub officer: Ws,
    /// Vigie's witness, to read the stored thread back over HTTP afterwards.
    pub vigie: Option<client::Witness>,
}

/// What one run of the driver saw.
#[derive(Default)]
pub struct Outcome {
    pub sent: usize,
    pub acked: usize,
    pub delivered: usize,
    pub duplicate_acks: usize,
    pub duplicate_deliveries: usize,
    /// End to end: the witness's send to the officer's socket receiving it.
    pub e2e: Samples,
    /// The witness's send to its durable acknowledgement.
    pub ack: Samples,
    /// Messages delivered per second, over the sending window and the drain after it.
    pub throughput: f64,
    /// Acknowledged client ids, per pair (in pair order).
    pub acked_ids: Vec<Vec<String>>,
    /// Pairs whose socket failed during the run (expected only under `kill -9`).
    pub broken: usize,
    /// Sent and never acknowledged, or acknowledged and never delivered (by message id).
    pub lost: usize,
    /// How late the load generator sent, behind its schedule: a large lag would mean the
    /// client, not the server, set the pace.
    pub lag: Samples,
}

impl Outcome {
    pub fn lost(&self) -> usize {
        self.lost
    }

    pub fn duplicated(&self) -> usize {
        self.duplicate_acks + self.duplicate_deliveries
    }
}

struct PairResult {
    pair: Option<Pair>,
    sent: usize,
    acked: Vec<String>,
    delivered: usize,
    duplicate_acks: usize,
    duplicate_deliveries: usize,
    e2e: Samples,
    ack: Samples,
    lag: Samples,
    last_delivery: Option<Instant>,
    broken: bool,
    lost: usize,
}

/// Drives `pairs` at `rate` messages per second in all for `duration`, then waits (up to
/// `drain`) for every acknowledgement and delivery. Returns the pairs, still open unless a
/// socket broke, and the outcome.
pub async fn drive(
    pairs: Vec<Pair>,
    rate: f64,
    duration: Duration,
    drain: Duration,
    stop: Option<Arc<tokio::sync::Notify>>,
) -> (Vec<Pair>, Outcome) {
    // Client ids stay unique across runs on the same pairs: a repeated id is, rightly,
    // acknowledged again without a new message.
    static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let first = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) * 1_000_000_000;
    let n = pairs.len().max(1);
    let period = Duration::from_secs_f64(n as f64 / rate);
    let base = Instant::now() + Duration::from_millis(50);
    let mut tasks = Vec::with_capacity(n);
    for (k, pair) in pairs.into_iter().enumerate() {
        let offset = Duration::from_secs_f64(k as f64 / rate);
        let stop = stop.clone();
        tasks.push(tokio::spawn(run_pair(
            k, first, pair, base, offset, period, duration, drain, stop,
        )));
    }
    let mut out = Outcome::default();
    let mut back = Vec::with_capacity(n);
    let mut last = base;
    for t in tasks {
        let Ok(r) = t.await else {
            // Keeps `acked_ids` aligned with the pairs.
            out.broken += 1;
            out.acked_ids.push(Vec::new());
            continue;
        };
        out.lost += r.lost;
        out.lag.extend(r.lag);
        out.sent += r.sent;
        out.acked += r.acked.len();
        out.delivered += r.delivered;
        out.duplicate_acks += r.duplicate_acks;
        out.duplicate_deliveries += r.duplicate_deliveries;
        out.e2e.extend(r.e2e);
        out.ack.extend(r.ack);
        out.acked_ids.push(r.acked);
        out.broken += usize::from(r.broken);
        if let Some(l) = r.last_delivery {
            last = last.max(l);
        }
        if let Some(p) = r.pair {
            back.push(p);
        }
    }
    let window = last.saturating_duration_since(base).max(duration);
    out.throughput = out.delivered as f64 / window.as_secs_f64();
    (back, out)
}

#[allow(clippy::too_many_arguments)]
async fn run_pair(
    k: usize,
    first: u64,
    mut pair: Pair,
    base: Instant,
    offset: Duration,
    period: Duration,
    duration: Duration,
    drain: Duration,
    stop: Option<Arc<tokio::sync::Notify>>,
) -> PairResult {
    let mut r = PairResult {
        pair: None,
        sent: 0,
        acked: Vec::new(),
        delivered: 0,
        duplicate_acks: 0,
        duplicate_deliveries: 0,
        e2e: Samples::default(),
        ack: Samples::default(),
        lag: Samples::default(),
        last_delivery: None,
        broken: false,
        lost: 0,
    };
    let mut acked: HashSet<u64> = HashSet::new();
    let mut delivered: HashSet<u64> = HashSet::new();
    // When each message left, by its number: acknowledgement and delivery are both read here.
    let mut sent_times: Vec<Instant> = Vec::new();
    let end = base + duration;
    let mut next = base + offset;
    let stopped = async {
        match &stop {
            Some(s) => s.notified().await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(stopped);
    let mut sending = true;
    let mut deadline = end + drain;
    loop {
        if !sending && r.acked.len() == r.sent && delivered.len() == r.sent {
            break;
        }
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        if sending && next >= end {
            sending = false;
            deadline = deadline.min(Instant::now().max(end) + drain);
            continue;
        }
        tokio::select! {
            () = &mut stopped => { r.broken = true; break; }
            () = tokio::time::sleep_until(next.into()), if sending => {
                let id = format!("{k}-{}", first + r.sent as u64);
                // Timed from the send itself: the schedule is open loop (no send waits for an
                // answer), so a slow server shows as latency; how late the load generator ran
                // (tokio's timer ticks by the millisecond) is reported apart, as the lag.
                r.lag.push(next.elapsed());
                sent_times.push(Instant::now());
                if pair.witness.send(send_frame(&id, &id)).await.is_err() {
                    r.broken = true;
                    break;
                }
                r.sent += 1;
                next += period;
            }
            () = tokio::time::sleep_until(deadline.into()) => {}
            frame = pair.witness.next() => {
                let Some(Ok(frame)) = frame else { r.broken = true; break; };
                let Some(v) = json_of(&frame) else { continue };
                if v["type"] == "ack" {
                    if let Some(j) = v["client_id"].as_str().and_then(|c| parse_id(c, k)).and_then(|j| j.checked_sub(first)) {
                        if acked.insert(j) {
                            r.acked.push(format!("{k}-{}", first + j));
                            if let Some(t) = sent_times.get(j as usize) { r.ack.push(t.elapsed()); }
                        } else {
                            r.duplicate_acks += 1;
                        }
                    }
                } else if v["type"] == "error" {
                    r.broken = true;
                    break;
                }
            }
            frame = pair.officer.next() => {
                let Some(Ok(frame)) = frame else { r.broken = true; break; };
                let Some(v) = json_of(&frame) else { continue };
                if v["type"] != "event" { continue; }
                let Some(body) = v["event"]["body"].as_str() else { continue };
                let Some(j) = parse_id(body, k).and_then(|j| j.checked_sub(first)) else { continue };
                if delivered.insert(j) {
                    if let Some(t) = sent_times.get(j as usize) { r.e2e.push(t.elapsed()); }
                    r.last_delivery = Some(Instant::now());
                } else {
                    r.duplicate_deliveries += 1;
                }
            }
        }
    }
    r.delivered = delivered.len();
    r.lost = (r.sent - acked.len().min(r.sent))
        + acked.iter().filter(|j| !delivered.contains(j)).count();
    if !r.broken {
        r.pair = Some(pair);
    }
    r
}

fn json_of(m: &Message) -> Option<Value> {
    match m {
        Message::Text(t) => serde_json::from_str(t).ok(),
        _ => None,
    }
}

/// `k-j` → `j` when `k` is this pair (the client id, and the body, of message `j` of pair `k`).
fn parse_id(id: &str, k: usize) -> Option<u64> {
    let (pk, j) = id.split_once('-')?;
    (pk.parse::<usize>().ok()? == k).then_some(())?;
    j.parse().ok()
}

/// Conversations per officer account: each officer's console opens one socket per
/// conversation it follows here (the console watches one conversation per socket).
const PER_OFFICER: usize = 50;

/// `n` conversations on Vigie: witnesses on `witness_node`, officers on `officer_node` (the
/// same process for a single node). Conversations are opened with a solved proof of work,
/// taken by officer accounts, then both sockets opened.
pub async fn vigie_pairs(
    witness_node: &Vigie,
    officer_node: &Vigie,
    n: usize,
) -> anyhow::Result<Vec<Pair>> {
    let http = client::http();
    let accounts = n.div_ceil(PER_OFFICER).max(1);
    let label = uuid::Uuid::new_v4().simple().to_string();
    let mut officers = Vec::with_capacity(accounts);
    for i in 0..accounts {
        let name = format!("bench{}{i}", &label[..6]);
        let password = witness_node.add_staff("operator", &name, "")?;
        officers.push(
            client::login(
                &http,
                &officer_node.base(),
                &officer_node.addr,
                &name,
                &password,
            )
            .await?,
        );
    }
    let base = witness_node.base();
    let witnesses: Vec<client::Witness> = futures_util::stream::iter(0..n)
        .map(|_| client::start(&http, &base))
        .buffered(16)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    let officers = Arc::new(officers);
    futures_util::stream::iter(witnesses.iter().enumerate())
        .map(|(k, w)| {
            let officers = officers.clone();
            async move { officers[k % officers.len()].take(&w.conversation_id).await }
        })
        .buffered(16)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<Vec<_>>>()?;
    let gate = Arc::new(Semaphore::new(16));
    let mut opening = Vec::with_capacity(n);
    for (k, w) in witnesses.into_iter().enumerate() {
        let officer = officers[k % officers.len()].clone();
        let witness_addr = witness_node.addr.clone();
        let gate = gate.clone();
        opening.push(tokio::spawn(async move {
            let _slot = gate.acquire().await?;
            let witness = w.socket(&witness_addr, 0).await?;
            let officer = officer.watch(&w.conversation_id, 0).await?;
            anyhow::Ok(Pair {
                id: w.conversation_id.clone(),
                witness,
                officer,
                vigie: Some(w),
            })
        }));
    }
    let mut pairs = Vec::with_capacity(n);
    for o in opening {
        pairs.push(o.await??);
    }
    Ok(pairs)
}

/// Opens one end of a relay conversation.
async fn relay_socket(
    addr: &str,
    conversation: &str,
    role: &str,
    after: u64,
) -> anyhow::Result<Ws> {
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await?;
    ws.send(Message::Text(
        json!({ "type": "hello", "conversation": conversation, "role": role, "after": after })
            .to_string()
            .into(),
    ))
    .await?;
    loop {
        match next_json(&mut ws, Duration::from_secs(30)).await? {
            Some(v) if v["type"] == "ready" => return Ok(ws),
            Some(_) => continue,
            None => bail!("relay closed before ready"),
        }
    }
}

/// `n` conversations on the bare relay.
pub async fn relay_pairs(addr: &str, n: usize, label: &str) -> anyhow::Result<Vec<Pair>> {
    futures_util::stream::iter(0..n)
        .map(|k| async move {
            let id = format!("{label}{k}");
            let witness = relay_socket(addr, &id, "witness", 0).await?;
            let officer = relay_socket(addr, &id, "officer", 0).await?;
            anyhow::Ok(Pair {
                id,
                witness,
                officer,
                vigie: None,
            })
        })
        .buffered(32)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect()
}

/// Reads Vigie's stored threads back over HTTP: every acknowledged message must be there
/// exactly once. Returns (missing, duplicated).
async fn check_vigie_store(
    base: &str,
    witnesses: &[client::Witness],
    acked: &[Vec<String>],
) -> anyhow::Result<(usize, usize)> {
    let http = client::http();
    let mut missing = 0;
    let mut duplicated = 0;
    for (w, ids) in witnesses.iter().zip(acked) {
        let events = w.events(&http, base, 0).await?;
        let mut seen: HashSet<&str> = HashSet::new();
        for e in &events {
            if let Some(c) = e["client_id"].as_str() {
                if !seen.insert(c) {
                    duplicated += 1;
                }
            }
        }
        missing += ids.iter().filter(|id| !seen.contains(id.as_str())).count();
    }
    Ok((missing, duplicated))
}

/// Reads the relay's stored threads back (a hello after 0 replays them).
async fn check_relay_store(
    addr: &str,
    ids: &[String],
    acked: &[Vec<String>],
) -> anyhow::Result<(usize, usize)> {
    let mut missing = 0;
    let mut duplicated = 0;
    for (id, want) in ids.iter().zip(acked) {
        let mut ws = relay_socket(addr, id, "officer", 0).await?;
        let mut seen: HashSet<String> = HashSet::new();
        // The replay comes at once; the first silence of 300 ms ends it.
        while let Ok(Some(v)) = next_json(&mut ws, Duration::from_millis(300)).await {
            if let Some(c) = v["event"]["client_id"].as_str() {
                if !seen.insert(c.to_owned()) {
                    duplicated += 1;
                }
            }
        }
        missing += want.iter().filter(|id| !seen.contains(*id)).count();
        let _ = ws.close(None).await;
    }
    Ok((missing, duplicated))
}

pub async fn b1(ctx: &Ctx) -> anyhow::Result<Vec<Row>> {
    let (n, rate, secs) = if ctx.quick {
        (20, 40.0, 3)
    } else {
        (1000, 200.0, 30)
    };
    let duration = Duration::from_secs(secs);
    let drain = Duration::from_secs(15);
    let v = Vigie::start(ctx, &ctx.work.join("b1"), &[])?;
    let setup = Instant::now();
    let pairs = vigie_pairs(&v, &v, n).await?;
    let setup = setup.elapsed();
    let witnesses: Vec<client::Witness> = pairs.iter().filter_map(|p| p.vigie.clone()).collect();
    let rss = v.rss_kib()?;
    let (pairs, out) = drive(pairs, rate, duration, drain, None).await;
    let (missing, dup_stored) = check_vigie_store(&v.base(), &witnesses, &out.acked_ids).await?;
    drop(pairs);
    drop(v);

    let relay = Baseline::start(
        ctx,
        &[
            "relay",
            "--db",
            &ctx.work.join("b1-relay.db").to_string_lossy(),
        ],
    )?;
    let rpairs = relay_pairs(&relay.addr, n, "b1-").await?;
    let (rpairs, base_out) = drive(rpairs, rate, duration, drain, None).await;
    drop(rpairs);
    drop(relay);

    let lost = out.lost() + missing;
    let duplicated = out.duplicated() + dup_stored;
    if ctx.quick && (lost > 0 || duplicated > 0 || out.broken > 0 || out.sent == 0) {
        bail!(
            "B1: {} sent, {} acknowledged, {} delivered, {lost} lost, {duplicated} duplicated, {} broken sockets",
            out.sent, out.acked, out.delivered, out.broken
        );
    }
    let notes = format!(
        "{n} conversations ({} officer accounts), {rate:.0} msg/s for {secs} s: {} sent, {} acknowledged, {} delivered; store read back: {missing} missing, {dup_stored} duplicated; setup {:.1} s; server RSS {} MiB; latencies timed from each send; the load generator's lag behind its schedule: p99 {:.2} ms",
        n.div_ceil(PER_OFFICER), out.sent, out.acked, out.delivered, setup.as_secs_f64(), rss / 1024, out.lag.p99()
    );
    let p50 = out.e2e.p50();
    let p99 = out.e2e.p99();
    Ok(vec![
        Row::new(
            "B1",
            "end-to-end latency p50 (witness send → officer socket)",
            p50,
            "ms",
        )
        .baseline(base_out.e2e.p50())
        .latency(p50, p99)
        .baseline_latency(base_out.e2e.p50(), base_out.e2e.p99())
        .target("p50 ≤ 2 ms", p50 <= 2.0)
        .notes(notes),
        Row::new("B1", "end-to-end latency p99", p99, "ms")
            .baseline(base_out.e2e.p99())
            .latency(p50, p99)
            .baseline_latency(base_out.e2e.p50(), base_out.e2e.p99())
            .target("p99 ≤ 10 ms", p99 <= 10.0),
        Row::new(
            "B1",
            "durable acknowledgement latency p50 (send → ack)",
            out.ack.p50(),
            "ms",
        )
        .baseline(base_out.ack.p50())
        .latency(out.ack.p50(), out.ack.p99())
        .baseline_latency(base_out.ack.p50(), base_out.ack.p99())
        .target("(reported)", true),
        Row::new(
            "B1",
            "messages lost + duplicated",
            (lost + duplicated) as f64,
            "msgs",
        )
        .baseline((base_out.lost() + base_out.duplicated()) as f64)
        .target("0 lost, 0 duplicated", lost == 0 && duplicated == 0)
        .notes(format!(
            "{lost} lost, {duplicated} duplicated; baseline {} sent",
            base_out.sent
        )),
    ])
}

/// A ceiling and how it was found.
struct Ceiling {
    rate: f64,
    p50: f64,
    p99: f64,
    log: Vec<String>,
    /// Every acknowledged client id, per pair, over all steps (to read the store back).
    acked: Vec<Vec<String>>,
}

/// The ladder of offered rates: from `start`, ×1.5 each step of `step`, until a step does not
/// hold (p99 over 50 ms, under 90 % of the offered rate delivered, or a message not through
/// within the drain); a step that does not hold is run again once (one stall is not a
/// ceiling), then the gap between the last rate that held and the first that did not is
/// halved twice. The ceiling is the delivered rate of the best step that held. A duplicate or
/// a broken socket is an error at any rate. In quick mode: one step at a low rate, correctness
/// only.
async fn ceiling(pairs: &mut Vec<Pair>, quick: bool, step: Duration) -> anyhow::Result<Ceiling> {
    let mut acked: Vec<Vec<String>> = vec![Vec::new(); pairs.len()];
    let mut log = Vec::new();
    let mut best: Option<(f64, f64, f64)> = None;
    if quick {
        let (_, rate, p50, p99) = try_rate(pairs, step, 40.0, &mut log, &mut acked).await?;
        return Ok(Ceiling {
            rate,
            p50,
            p99,
            log,
            acked,
        });
    }
    let mut rate = 200.0;
    let mut failed = None;
    for _ in 0..16 {
        let (mut held, mut got, mut p50, mut p99) =
            try_rate(pairs, step, rate, &mut log, &mut acked).await?;
        if !held {
            (held, got, p50, p99) = try_rate(pairs, step, rate, &mut log, &mut acked).await?;
        }
        if !held {
            failed = Some(rate);
            break;
        }
        best = Some((got, p50, p99));
        rate *= 1.5;
    }
    if let (Some(mut high), Some(_)) = (failed, best) {
        let mut low = high / 1.5;
        for _ in 0..2 {
            let mid = (low + high) / 2.0;
            let (held, got, p50, p99) = try_rate(pairs, step, mid, &mut log, &mut acked).await?;
            if held {
                low = mid;
                if best.is_none_or(|(b, _, _)| got > b) {
                    best = Some((got, p50, p99));
                }
            } else {
                high = mid;
            }
        }
    }
    let (rate, p50, p99) = best.ok_or_else(|| anyhow!("no step held: {}", log.join("; ")))?;
    Ok(Ceiling {
        rate,
        p50,
        p99,
        log,
        acked,
    })
}

/// One step of the ladder: (held, delivered rate, p50, p99).
async fn try_rate(
    pairs: &mut Vec<Pair>,
    step: Duration,
    rate: f64,
    log: &mut Vec<String>,
    acked: &mut [Vec<String>],
) -> anyhow::Result<(bool, f64, f64, f64)> {
    let n = pairs.len();
    let (back, mut out) = drive(
        std::mem::take(pairs),
        rate,
        step,
        Duration::from_secs(10),
        None,
    )
    .await;
    *pairs = back;
    if out.broken > 0 || out.duplicated() > 0 || pairs.len() != n {
        bail!(
            "at {rate:.0} msg/s: {} broken sockets, {} duplicated messages",
            out.broken,
            out.duplicated()
        );
    }
    for (all, ids) in acked.iter_mut().zip(std::mem::take(&mut out.acked_ids)) {
        all.extend(ids);
    }
    let p99 = out.e2e.p99();
    let held = p99 <= 50.0 && out.lost() == 0 && out.throughput >= 0.9 * rate;
    log.push(format!(
        "{rate:.0}/s → {:.0}/s p99 {p99:.1} ms{}",
        out.throughput,
        if held {
            String::new()
        } else {
            format!(" ✗ ({} not through)", out.lost())
        }
    ));
    Ok((held, out.throughput, out.e2e.p50(), p99))
}

/// Reads Vigie's threads back after a ladder: every acknowledged message exactly once.
async fn check_ladder(base: &str, pairs: &[Pair], c: &Ceiling) -> anyhow::Result<()> {
    let witnesses: Vec<client::Witness> = pairs.iter().filter_map(|p| p.vigie.clone()).collect();
    let (missing, duplicated) = check_vigie_store(base, &witnesses, &c.acked).await?;
    if missing > 0 || duplicated > 0 {
        bail!("after the ladder the store misses {missing} acknowledged messages and holds {duplicated} twice");
    }
    Ok(())
}

pub async fn b2(ctx: &Ctx) -> anyhow::Result<Vec<Row>> {
    let (n, step) = if ctx.quick {
        (20, Duration::from_secs(1))
    } else {
        (1000, Duration::from_secs(5))
    };
    let v = Vigie::start(ctx, &ctx.work.join("b2"), &[])?;
    let mut pairs = vigie_pairs(&v, &v, n).await?;
    let vigie = ceiling(&mut pairs, ctx.quick, step).await?;
    check_ladder(&v.base(), &pairs, &vigie).await?;
    drop(pairs);
    drop(v);
    let relay = Baseline::start(
        ctx,
        &[
            "relay",
            "--db",
            &ctx.work.join("b2-relay.db").to_string_lossy(),
        ],
    )?;
    let mut rpairs = relay_pairs(&relay.addr, n, "b2-").await?;
    let bare = ceiling(&mut rpairs, ctx.quick, step).await?;
    drop(rpairs);
    drop(relay);
    let ratio = vigie.rate / bare.rate;
    Ok(vec![Row::new(
        "B2",
        "throughput ceiling (highest delivered rate with p99 ≤ 50 ms)",
        vigie.rate,
        "msg/s",
    )
    .baseline(bare.rate)
    .latency(vigie.p50, vigie.p99)
    .baseline_latency(bare.p50, bare.p99)
    .target("≥ 50 % of the bare relay's ceiling", ratio >= 0.5)
    .notes(format!(
        "{n} conversations, steps of {} s (×1.5, a failed step run twice, then the gap halved twice); every acknowledged message read back from the store once. Vigie: {}. Relay: {}",
        step.as_secs(),
        vigie.log.join("; "),
        bare.log.join("; ")
    ))])
}

pub async fn b6(ctx: &Ctx) -> anyhow::Result<Vec<Row>> {
    let admin = ctx
        .postgres
        .as_deref()
        .ok_or_else(|| anyhow!("B6 needs PostgreSQL: --postgres or VIGIE_BENCH_POSTGRES_URL"))?;
    let (n, step) = if ctx.quick {
        (10, Duration::from_secs(1))
    } else {
        (500, Duration::from_secs(5))
    };
    // A database per configuration, so that neither runs on the other's data.
    let one_db = PgDb::create(admin, "b6one").await?;
    let one = Vigie::start(
        ctx,
        &ctx.work.join("b6-one"),
        &[("VIGIE_DATABASE_URL", one_db.url.as_str())],
    )?;
    let mut single = vigie_pairs(&one, &one, n).await?;
    let single_node = ceiling(&mut single, ctx.quick, step).await?;
    check_ladder(&one.base(), &single, &single_node).await?;
    drop(single);
    drop(one);
    let two_db = PgDb::create(admin, "b6two").await?;
    let a = Vigie::start(
        ctx,
        &ctx.work.join("b6-a"),
        &[("VIGIE_DATABASE_URL", two_db.url.as_str())],
    )?;
    let b = a.another_node(&ctx.work.join("b6-b"))?;
    let mut cross = vigie_pairs(&a, &b, n).await?;
    let two_nodes = ceiling(&mut cross, ctx.quick, step).await?;
    check_ladder(&a.base(), &cross, &two_nodes).await?;
    let ratio = two_nodes.rate / single_node.rate;
    Ok(vec![Row::new(
        "B6",
        "cross-node throughput ceiling on PostgreSQL (witness on node A, officer on node B)",
        two_nodes.rate,
        "msg/s",
    )
    .baseline(single_node.rate)
    .latency(two_nodes.p50, two_nodes.p99)
    .baseline_latency(single_node.p50, single_node.p99)
    .target("≥ 80 % of single-node throughput", ratio >= 0.8)
    .notes(format!(
        "{n} conversations, the B2 ladder; baseline = both ends on one node (its own database); every acknowledged message read back from the store once. Two nodes: {}. One node: {}",
        two_nodes.log.join("; "),
        single_node.log.join("; ")
    ))])
}

/// How long until a restarted server serves a witness again: a new conversation opened and
/// its socket ready.
async fn vigie_serving(v: &Vigie) -> anyhow::Result<()> {
    let http = client::http();
    loop {
        if let Ok(w) = client::start(&http, &v.base()).await {
            if w.socket(&v.addr, 0).await.is_ok() {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub async fn b9(ctx: &Ctx) -> anyhow::Result<Vec<Row>> {
    let (n, rate, before) = if ctx.quick {
        (10, 50.0, 1)
    } else {
        (200, 200.0, 5)
    };
    let run = Duration::from_secs(before + 30);
    // Vigie.
    let mut v = Vigie::start(ctx, &ctx.work.join("b9"), &[])?;
    let pairs = vigie_pairs(&v, &v, n).await?;
    let witnesses: Vec<client::Witness> = pairs.iter().filter_map(|p| p.vigie.clone()).collect();
    let load = tokio::spawn(drive(pairs, rate, run, Duration::from_secs(2), None));
    tokio::time::sleep(Duration::from_secs(before)).await;
    v.kill_9()?;
    let (_, out) = load.await?;
    let t0 = Instant::now();
    v.restart()?;
    let listening = v.started_in;
    tokio::time::timeout(Duration::from_secs(60), vigie_serving(&v))
        .await
        .context("Vigie did not serve again within 60 s")??;
    let back = t0.elapsed();
    let (missing, duplicated) = check_vigie_store(&v.base(), &witnesses, &out.acked_ids).await?;
    drop(v);
    // The bare relay.
    let db = ctx.work.join("b9-relay.db");
    let mut relay = Baseline::start(ctx, &["relay", "--db", &db.to_string_lossy()])?;
    let rpairs = relay_pairs(&relay.addr, n, "b9-").await?;
    let ids: Vec<String> = rpairs.iter().map(|p| p.id.clone()).collect();
    let load = tokio::spawn(drive(rpairs, rate, run, Duration::from_secs(2), None));
    tokio::time::sleep(Duration::from_secs(before)).await;
    relay.kill_9()?;
    let (_, rout) = load.await?;
    let t1 = Instant::now();
    relay.restart()?;
    let addr = relay.addr.clone();
    tokio::time::timeout(Duration::from_secs(60), async {
        while relay_socket(&addr, "b9-probe", "witness", 0).await.is_err() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .context("the relay did not serve again within 60 s")?;
    let rback = t1.elapsed();
    let (rmissing, rdup) = check_relay_store(&relay.addr, &ids, &rout.acked_ids).await?;
    if ctx.quick && (missing > 0 || duplicated > 0 || out.acked == 0) {
        bail!("B9: {} acknowledged before the kill, {missing} missing after restart, {duplicated} duplicated", out.acked);
    }
    let secs = back.as_secs_f64();
    Ok(vec![
        Row::new("B9", "back to serving after kill -9 under load (restart → a new conversation's socket ready)", secs * 1000.0, "ms")
            .baseline(rback.as_secs_f64() * 1000.0)
            .target("within 2 s", secs <= 2.0)
            .notes(format!("{n} conversations at {rate:.0} msg/s, killed after {before} s; listening again after {} ms", listening.as_millis())),
        Row::new("B9", "acknowledged messages lost after kill -9", missing as f64, "msgs")
            .baseline(rmissing as f64)
            .target("0 acknowledged messages lost", missing == 0 && duplicated == 0)
            .notes(format!("Vigie: {} acknowledged before the kill, {missing} missing, {duplicated} duplicated after restart; relay: {} acknowledged, {rmissing} missing, {rdup} duplicated", out.acked, rout.acked)),
    ])
}
