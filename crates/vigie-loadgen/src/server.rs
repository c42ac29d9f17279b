//! Processes under test: the real `vigie` binary, and this binary's own baselines, each in a
//! process of its own so that its memory can be read and it can be killed with `kill -9`.

use anyhow::{anyhow, bail, Context};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What every benchmark run needs to find and start.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The `vigie` binary under test.
    pub vigie: PathBuf,
    /// This binary, which also serves the baselines (`vigie-loadgen relay`, `… idle-server`).
    pub me: PathBuf,
    /// A short run: a few seconds, asserting correctness, not speed.
    pub quick: bool,
    /// An administrator URL of a PostgreSQL server, where each run creates its own databases.
    pub postgres: Option<String>,
    /// The repository's root (for the browser script of B8).
    pub repo: PathBuf,
    /// Scratch space for this run (data directories, baseline databases).
    pub work: PathBuf,
}

/// Settings that take the anti-abuse limits out of the measurement: a benchmark measures the
/// server, not the limits that protect it (they are tested elsewhere). The proof of work is
/// the cheapest the server accepts (one Argon2id hash of 8 KiB), as the issue excludes it.
pub const BENCH_ENV: &[(&str, &str)] = &[
    ("VIGIE_LOG", "warn"),
    ("VIGIE_POW_DIFFICULTY", "0"),
    ("VIGIE_POW_MEMORY_KIB", "8"),
    ("VIGIE_NOJS_WAIT_SECONDS", "0"),
    ("VIGIE_MESSAGE_BURST", "1000000"),
    ("VIGIE_MESSAGE_PER_MINUTE", "1000000"),
    ("VIGIE_OPEN_BURST_PER_ADDRESS", "1000000"),
    ("VIGIE_OPEN_PER_HOUR_PER_ADDRESS", "1000000"),
    ("VIGIE_OPEN_PER_MINUTE", "1000000"),
    // Taken conversations wait for the officer's first reply longer than any run lasts.
    ("VIGIE_FIRST_REPLY_SECONDS", "3600"),
];

/// A running `vigie serve`.
pub struct Vigie {
    bin: PathBuf,
    pub dir: PathBuf,
    env: Vec<(String, String)>,
    child: Proc,
    /// `127.0.0.1:port`.
    pub addr: String,
    /// How long the last start took, from spawn to the listening line.
    pub started_in: Duration,
}

impl Vigie {
    /// Starts the binary on `dir` (created if need be) with the bench settings and `extra`.
    pub fn start(ctx: &Ctx, dir: &Path, extra: &[(&str, &str)]) -> anyhow::Result<Vigie> {
        std::fs::create_dir_all(dir)?;
        let mut env: Vec<(String, String)> = BENCH_ENV
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        env.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let mut v = Vigie {
            bin: ctx.vigie.clone(),
            dir: dir.to_owned(),
            env,
            child: Proc::default(),
            addr: String::new(),
            started_in: Duration::ZERO,
        };
        v.spawn("127.0.0.1:0")?;
        Ok(v)
    }

    /// Another node on the same database: the same secret and content keys.
    pub fn another_node(&self, dir: &Path) -> anyhow::Result<Vigie> {
        std::fs::create_dir_all(dir)?;
        for key in ["secret.key", "content.key"] {
            std::fs::copy(self.dir.join(key), dir.join(key))
                .with_context(|| format!("copying {key}"))?;
        }
        let mut v = Vigie {
            bin: self.bin.clone(),
            dir: dir.to_owned(),
            env: self.env.clone(),
            child: Proc::default(),
            addr: String::new(),
            started_in: Duration::ZERO,
        };
        v.spawn("127.0.0.1:0")?;
        Ok(v)
    }

    fn spawn(&mut self, listen: &str) -> anyhow::Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("server.log"))?;
        let started = Instant::now();
        let mut cmd = Command::new(&self.bin);
        without_vigie_env(&mut cmd);
        let mut child = cmd
            .args(["serve", "--listen", listen, "--data-dir"])
            .arg(&self.dir)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .with_context(|| format!("starting {}", self.bin.display()))?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
        let Some(addr) = listening(stdout, "Vigie listening on http://") else {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "vigie did not listen within {LISTEN_WITHIN:?}; its log ends with:\n{}",
                tail(&self.dir.join("server.log"))
            );
        };
        self.started_in = started.elapsed();
        self.addr = addr;
        self.child = Proc(Some(child));
        Ok(())
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.pid()
    }

    /// `kill -9`, as a crash would.
    pub fn kill_9(&mut self) -> anyhow::Result<()> {
        self.child.kill_9()
    }

    /// Starts again on the same address and data directory.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        let addr = self.addr.clone();
        self.spawn(&addr)
    }

    /// Runs the CLI against this server's data directory, feeding `stdin`.
    pub fn cli(&self, args: &[&str], stdin: &str) -> anyhow::Result<String> {
        let mut cmd = Command::new(&self.bin);
        without_vigie_env(&mut cmd);
        let mut child = cmd
            .args(args)
            .arg("--data-dir")
            .arg(&self.dir)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        child
            .stdin
            .take()
            .ok_or_else(|| anyhow!("no stdin"))?
            .write_all(stdin.as_bytes())?;
        let out = child.wait_with_output()?;
        if !out.status.success() {
            bail!("vigie {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Adds a staff account; returns its password.
    pub fn add_staff(
        &self,
        role: &str,
        username: &str,
        departements: &str,
    ) -> anyhow::Result<String> {
        let password = format!("{username}-bench-password");
        let mut args = vec!["staff", "add", "--role", role, "--username", username];
        if !departements.is_empty() {
            args.extend(["--departements", departements]);
        }
        self.cli(&args, &format!("{password}\n"))?;
        Ok(password)
    }

    /// Resident memory of the server process, in KiB.
    pub fn rss_kib(&self) -> anyhow::Result<u64> {
        rss_kib(self.pid().ok_or_else(|| anyhow!("not running"))?)
    }
}

/// The server sees the bench's settings only, none of the caller's (an unknown `VIGIE_`
/// variable is an error, and a stray setting would change what is measured).
fn without_vigie_env(cmd: &mut Command) {
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("VIGIE_") {
            cmd.env_remove(key);
        }
    }
}

/// A child process, killed when dropped.
#[derive(Default)]
struct Proc(Option<Child>);

impl Proc {
    fn pid(&self) -> Option<u32> {
        self.0.as_ref().map(Child::id)
    }

    /// `kill -9`, as a crash would.
    fn kill_9(&mut self) -> anyhow::Result<()> {
        if let Some(mut child) = self.0.take() {
            child.kill()?;
            child.wait()?;
        }
        Ok(())
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.kill_9();
    }
}

/// How long a process may take to say it listens.
const LISTEN_WITHIN: Duration = Duration::from_secs(90);

/// Reads `stdout` until a line starting with `prefix`, within `LISTEN_WITHIN`; returns the
/// rest of that line, and keeps draining the pipe so the process never blocks on it.
fn listening(stdout: std::process::ChildStdout, prefix: &'static str) -> Option<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(rest) = line.strip_prefix(prefix) {
                if let Some(tx) = tx.take() {
                    let _ = tx.send(rest.trim().to_owned());
                }
            }
        }
    });
    rx.recv_timeout(LISTEN_WITHIN).ok()
}

/// The last lines of a log file, for an error message.
pub fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// Resident memory of a process, in KiB (`VmRSS` in `/proc/<pid>/status`).
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| anyhow!("no VmRSS for {pid}"))
}

/// A baseline served by this binary in a process of its own (`vigie-loadgen <args>`), which
/// prints `listening on <addr>` once ready.
pub struct Baseline {
    args: Vec<String>,
    me: PathBuf,
    child: Proc,
    pub addr: String,
    pub started_in: Duration,
}

impl Baseline {
    pub fn start(ctx: &Ctx, args: &[&str]) -> anyhow::Result<Baseline> {
        let mut b = Baseline {
            args: args.iter().map(|s| (*s).to_owned()).collect(),
            me: ctx.me.clone(),
            child: Proc::default(),
            addr: "127.0.0.1:0".into(),
            started_in: Duration::ZERO,
        };
        b.spawn()?;
        Ok(b)
    }

    fn spawn(&mut self) -> anyhow::Result<()> {
        let started = Instant::now();
        let mut child = Command::new(&self.me)
            .args(&self.args)
            .args(["--listen", &self.addr])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
        let Some(addr) = listening(stdout, "listening on ") else {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "baseline {:?} did not listen within {LISTEN_WITHIN:?}",
                self.args
            );
        };
        self.started_in = started.elapsed();
        self.addr = addr;
        self.child = Proc(Some(child));
        Ok(())
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.pid()
    }

    /// `kill -9`, as a crash would.
    pub fn kill_9(&mut self) -> anyhow::Result<()> {
        self.child.kill_9()
    }

    pub fn restart(&mut self) -> anyhow::Result<()> {
        self.spawn()
    }
}

/// A PostgreSQL database of this run, dropped with the value.
pub struct PgDb {
    admin: String,
    name: String,
    pub url: String,
}

impl PgDb {
    pub async fn create(admin: &str, label: &str) -> anyhow::Result<PgDb> {
        use sqlx::Connection;
        let name = format!("vigie_bench_{label}_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(admin).await?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await?;
        // postgres://host[:port]/db[?params] → the same with this database.
        let (path, query) = admin
            .split_once('?')
            .map_or((admin, None), |(p, q)| (p, Some(q)));
        let server = match path
            .strip_prefix("postgres://")
            .or_else(|| path.strip_prefix("postgresql://"))
        {
            Some(rest) if rest.contains('/') => path.rsplit_once('/').map_or(path, |(b, _)| b),
            _ => path,
        };
        let url = match query {
            Some(q) => format!("{server}/{name}?{q}"),
            None => format!("{server}/{name}"),
        };
        Ok(PgDb {
            admin: admin.to_owned(),
            url,
            name,
        })
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        // A blocking drop: `psql` if present, else say so (names are unique per run).
        let dropped = Command::new("psql")
            .arg(&self.admin)
            .args([
                "-q",
                "-c",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if !dropped.is_ok_and(|s| s.success()) {
            eprintln!("note: the benchmark database {} was not dropped", self.name);
        }
    }
}
