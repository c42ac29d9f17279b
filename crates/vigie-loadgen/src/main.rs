//! `vigie-loadgen`: Vigie's benchmarks, each scenario beside its baseline in the same run.
//!
//! `vigie-loadgen bench` runs the scenarios B1–B9 of BENCHMARKS.md against the real `vigie`
//! binary (started in a process of its own, on SQLite or PostgreSQL) and writes `bench.md` and
//! `bench.json`; `--quick` is the smoke version CI runs (seconds, correctness only). The
//! baselines it starts are subcommands of this same binary (`relay`, `idle-server`).

mod baseline;
mod client;
mod report;
mod scenarios;
mod server;

use anyhow::{anyhow, Context};
use clap::{Parser, Subcommand};
use report::Report;
use server::Ctx;
use std::path::PathBuf;

#[derive(Parser)]
#[command(version, about = "Vigie's load generator and benchmarks")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Runs the benchmarks and writes the report.
    Bench {
        /// The scenarios to run (default: all), e.g. `B1,B5`.
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
        /// The smoke version: small loads, a few seconds each, correctness asserted; the
        /// figures mean nothing.
        #[arg(long)]
        quick: bool,
        /// The `vigie` binary (default: beside this one).
        #[arg(long)]
        vigie: Option<PathBuf>,
        /// A PostgreSQL administrator URL; each run creates and drops its own databases
        /// (B5's PostgreSQL half and B6 need it).
        #[arg(long, env = "VIGIE_BENCH_POSTGRES_URL")]
        postgres: Option<String>,
        /// Where to write `bench.md` and `bench.json`.
        #[arg(long, default_value = "target/bench")]
        out: PathBuf,
    },
    /// Baseline: a bare tokio WebSocket relay committing each message to SQLite (WAL,
    /// `synchronous = FULL`, as Vigie) before acknowledging it.
    Relay {
        #[arg(long)]
        db: PathBuf,
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: String,
    },
    /// Baseline: a bare tokio-tungstenite server holding idle connections.
    IdleServer {
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: String,
        /// Each socket's read buffer in bytes (default: tungstenite's, 128 KiB).
        #[arg(long)]
        read_buffer: Option<usize>,
    },
}

const ALL: &[&str] = &["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9"];

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.command {
        Cmd::Relay { db, listen } => rt.block_on(baseline::relay(db, listen)),
        Cmd::IdleServer {
            listen,
            read_buffer,
        } => rt.block_on(baseline::idle_server(listen, read_buffer)),
        Cmd::Bench {
            only,
            quick,
            vigie,
            postgres,
            out,
        } => {
            let me = std::env::current_exe()?;
            let vigie = match vigie {
                Some(v) => v,
                None => me
                    .parent()
                    .ok_or_else(|| anyhow!("no directory for {}", me.display()))?
                    .join("vigie"),
            };
            if !vigie.exists() {
                anyhow::bail!(
                    "no vigie binary at {} (build it: cargo build --release -p vigie)",
                    vigie.display()
                );
            }
            let work = tempfile::tempdir()?;
            let repo = std::env::current_dir()?;
            let ctx = Ctx {
                vigie,
                me,
                quick,
                postgres: postgres.filter(|s| !s.is_empty()),
                repo,
                work: work.path().to_owned(),
            };
            let chosen: Vec<&str> = if only.is_empty() {
                ALL.to_vec()
            } else {
                only.iter()
                    .map(|s| {
                        ALL.iter()
                            .find(|a| a.eq_ignore_ascii_case(s.trim()))
                            .copied()
                            .ok_or_else(|| anyhow!("unknown scenario {s} (known: {ALL:?})"))
                    })
                    .collect::<anyhow::Result<_>>()?
            };
            // Without credentials: the command is written into the report.
            let command = std::env::args()
                .map(|a| redact(&a))
                .collect::<Vec<_>>()
                .join(" ");
            let mut report = Report {
                command,
                started_at: now_rfc3339(),
                cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
                quick,
                rows: Vec::new(),
                failures: Vec::new(),
            };
            for id in chosen {
                eprintln!("==> {id}");
                let started = std::time::Instant::now();
                match rt.block_on(scenarios::run(id, &ctx)) {
                    Ok(rows) => {
                        for r in &rows {
                            eprintln!(
                                "    {} {}: {:.2} {} (baseline {:?}) target {} {}",
                                r.id,
                                r.measure,
                                r.figure,
                                r.unit,
                                r.baseline,
                                r.target,
                                if r.met { "met" } else { "NOT MET" }
                            );
                        }
                        report.rows.extend(rows);
                    }
                    Err(e) => {
                        eprintln!("    {id} failed: {e:#}");
                        report.failures.push((id.to_owned(), format!("{e:#}")));
                    }
                }
                eprintln!("    ({id} took {:.1} s)", started.elapsed().as_secs_f64());
            }
            report.write(&out).context("writing the report")?;
            println!("{}", report.markdown());
            eprintln!(
                "report: {}/bench.md, {}/bench.json",
                out.display(),
                out.display()
            );
            // A scenario that could not run, or a smoke run that found something wrong, fails
            // the command. A missed speed target does not: it is a figure to read, not a test.
            if !report.failures.is_empty() {
                anyhow::bail!("{} scenario(s) failed", report.failures.len());
            }
            Ok(())
        }
    }
}

/// `scheme://user:password@host…` → `scheme://…@host…`.
fn redact(arg: &str) -> String {
    match (arg.find("://"), arg.find('@')) {
        (Some(i), Some(j)) if j > i + 3 => format!("{}…{}", &arg[..i + 3], &arg[j..]),
        _ => arg.to_owned(),
    }
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
