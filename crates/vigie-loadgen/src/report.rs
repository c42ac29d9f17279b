//! The benchmark report: one row per measured figure, written as a Markdown table and as JSON.

use serde::Serialize;
use std::path::Path;

/// One measured figure of a scenario, beside its baseline measured in the same run.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// The scenario's id (`B1` … `B9`).
    pub id: &'static str,
    /// What was measured, in words.
    pub measure: String,
    /// The figure for Vigie.
    pub figure: f64,
    /// Its unit (`ms`, `msg/s`, `KiB`, …).
    pub unit: &'static str,
    /// The baseline's figure for the same measure, when the scenario has one.
    pub baseline: Option<f64>,
    /// `figure / baseline`.
    pub ratio: Option<f64>,
    /// Latency percentiles of Vigie, in milliseconds, when the figure is a latency or a rate
    /// measured over latencies.
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    /// The baseline's percentiles, in milliseconds.
    pub baseline_p50_ms: Option<f64>,
    pub baseline_p99_ms: Option<f64>,
    /// The target, in words.
    pub target: String,
    /// Whether the target holds.
    pub met: bool,
    /// Anything the reader needs to read the figure right (counts, what was excluded).
    pub notes: String,
}

impl Row {
    pub fn new(
        id: &'static str,
        measure: impl Into<String>,
        figure: f64,
        unit: &'static str,
    ) -> Self {
        Row {
            id,
            measure: measure.into(),
            figure,
            unit,
            baseline: None,
            ratio: None,
            p50_ms: None,
            p99_ms: None,
            baseline_p50_ms: None,
            baseline_p99_ms: None,
            target: String::new(),
            met: true,
            notes: String::new(),
        }
    }

    /// Sets the baseline and the ratio `figure / baseline`.
    pub fn baseline(mut self, baseline: f64) -> Self {
        self.baseline = Some(baseline);
        self.ratio = (baseline != 0.0).then(|| self.figure / baseline);
        self
    }

    pub fn latency(mut self, p50_ms: f64, p99_ms: f64) -> Self {
        self.p50_ms = Some(p50_ms);
        self.p99_ms = Some(p99_ms);
        self
    }

    pub fn baseline_latency(mut self, p50_ms: f64, p99_ms: f64) -> Self {
        self.baseline_p50_ms = Some(p50_ms);
        self.baseline_p99_ms = Some(p99_ms);
        self
    }

    pub fn target(mut self, target: impl Into<String>, met: bool) -> Self {
        self.target = target.into();
        self.met = met;
        self
    }

    pub fn notes(mut self, notes: impl Into<String>) -> Self {
        self.notes = notes.into();
        self
    }
}

/// The whole run: the machine, the command, the rows.
#[derive(Debug, Serialize)]
pub struct Report {
    pub command: String,
    pub started_at: String,
    pub cores: usize,
    pub quick: bool,
    pub rows: Vec<Row>,
    /// Scenarios that could not run, with the reason (never silently skipped).
    pub failures: Vec<(String, String)>,
}

fn num(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    let a = v.abs();
    if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), num)
}

fn pair(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) => format!("{} / {}", num(a), num(b)),
        _ => "—".into(),
    }
}

impl Report {
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "Run of {} on {} core(s){}: `{}`\n\n",
            self.started_at,
            self.cores,
            if self.quick {
                " (quick smoke run: correctness only, figures not meaningful)"
            } else {
                ""
            },
            self.command
        ));
        out.push_str("| id | measure | Vigie | baseline | ratio | p50 / p99 ms (Vigie) | p50 / p99 ms (baseline) | target | met | notes |\n");
        out.push_str("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for r in &self.rows {
            let cell = |s: &str| s.replace('|', "\\|");
            out.push_str(&format!(
                "| {} | {} | {} {} | {} | {} | {} | {} | {} | {} | {} |\n",
                r.id,
                cell(&r.measure),
                num(r.figure),
                r.unit,
                opt(r.baseline),
                r.ratio.map_or_else(|| "—".into(), |x| format!("{x:.2}×")),
                pair(r.p50_ms, r.p99_ms),
                pair(r.baseline_p50_ms, r.baseline_p99_ms),
                cell(&r.target),
                if r.met { "yes" } else { "**no**" },
                cell(&r.notes),
            ));
        }
        for (id, why) in &self.failures {
            out.push_str(&format!("\n**{id} did not run:** {why}\n"));
        }
        out
    }

    /// Writes `bench.md` and `bench.json` into `dir`.
    pub fn write(&self, dir: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join("bench.md"), self.markdown())?;
        std::fs::write(dir.join("bench.json"), serde_json::to_string_pretty(self)?)?;
        Ok(())
    }
}

/// Latency samples, in microseconds.
#[derive(Debug, Default, Clone)]
pub struct Samples(pub Vec<u64>);

impl Samples {
    pub fn push(&mut self, d: std::time::Duration) {
        self.0
            .push(u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
    }

    pub fn extend(&mut self, other: Samples) {
        self.0.extend(other.0);
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The `q`-quantile (0..=1) in milliseconds; infinite when there is no sample.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.0.is_empty() {
            return f64::INFINITY;
        }
        let mut v = self.0.clone();
        v.sort_unstable();
        let last = v.len() - 1;
        let i = ((last as f64) * q).round() as usize;
        v[i.min(last)] as f64 / 1000.0
    }

    pub fn p50(&self) -> f64 {
        self.quantile_ms(0.50)
    }

    pub fn p99(&self) -> f64 {
        self.quantile_ms(0.99)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_of_known_samples() {
        let s = Samples((1..=100).map(|x| x * 1000).collect());
        assert_eq!(s.p50(), 51.0);
        assert_eq!(s.p99(), 99.0);
        assert!(Samples::default().p99().is_infinite());
    }

    #[test]
    fn markdown_has_a_row_per_figure_and_says_what_failed() {
        let report = Report {
            command: "scripts/bench".into(),
            started_at: "2026-11-30T00:00:00Z".into(),
            cores: 2,
            quick: false,
            rows: vec![Row::new("B5", "reports/s", 120.0, "/s")
                .baseline(200.0)
                .target("≥ 50 % of baseline", true)],
            failures: vec![("B6".into(), "no PostgreSQL".into())],
        };
        let md = report.markdown();
        assert!(
            md.contains("| B5 | reports/s | 120 /s | 200 | 0.60× |"),
            "{md}"
        );
        assert!(md.contains("**B6 did not run:** no PostgreSQL"), "{md}");
    }
}
