//! Prometheus metrics at `/metrics`, in the text exposition format, written by hand (a handful
//! of counters does not need a library). Labels are route templates, methods and status codes:
//! nothing about any person.

use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;

const BUCKETS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    pub witness_sockets: AtomicI64,
    pub staff_sockets: AtomicI64,
    pub witness_messages: AtomicU64,
    pub officer_messages: AtomicU64,
    pub conversations_started: AtomicU64,
}

/// Counts a live connection for as long as it is held.
pub struct Gauge<'a>(&'a AtomicI64);

impl<'a> Gauge<'a> {
    pub fn hold(counter: &'a AtomicI64) -> Self {
        counter.fetch_add(1, Ordering::Relaxed);
        Self(counter)
    }
}

impl Drop for Gauge<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    pub fn observe(&self, route: &str, method: &str, status: u16, seconds: f64) {
        if let Ok(mut map) = self.requests.lock() {
            *map.entry((route.to_owned(), method.to_owned(), status))
                .or_default() += 1;
        }
        if let Ok(mut map) = self.latency.lock() {
            let h = map.entry(route.to_owned()).or_default();
            for (i, bound) in BUCKETS.iter().enumerate() {
                if seconds <= *bound {
                    h.buckets[i] += 1;
                }
            }
            h.count += 1;
            h.sum += seconds;
        }
    }

    fn render(&self, queue_depth: Option<usize>) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP vigie_http_requests_total HTTP requests by route template, method and status."
        );
        let _ = writeln!(out, "# TYPE vigie_http_requests_total counter");
        if let Ok(map) = self.requests.lock() {
            for ((route, method, status), n) in map.iter() {
                let _ = writeln!(out, "vigie_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {n}");
            }
        }
        let _ = writeln!(
            out,
            "# HELP vigie_http_request_duration_seconds Time to answer, by route template."
        );
        let _ = writeln!(out, "# TYPE vigie_http_request_duration_seconds histogram");
        if let Ok(map) = self.latency.lock() {
            for (route, h) in map.iter() {
                for (i, bound) in BUCKETS.iter().enumerate() {
                    let _ = writeln!(out, "vigie_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {}", h.buckets[i]);
                }
                let _ = writeln!(out, "vigie_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}", h.count);
                let _ = writeln!(
                    out,
                    "vigie_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                    h.sum
                );
                let _ = writeln!(
                    out,
                    "vigie_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                    h.count
                );
            }
        }
        let gauge = |out: &mut String, name: &str, help: &str, kind: &str, value: String| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        };
        let load = |a: &AtomicI64| a.load(Ordering::Relaxed).to_string();
        let count = |a: &AtomicU64| a.load(Ordering::Relaxed).to_string();
        gauge(
            &mut out,
            "vigie_witness_sockets",
            "Open witness WebSockets on this node.",
            "gauge",
            load(&self.witness_sockets),
        );
        gauge(
            &mut out,
            "vigie_staff_sockets",
            "Open staff WebSockets on this node.",
            "gauge",
            load(&self.staff_sockets),
        );
        gauge(
            &mut out,
            "vigie_witness_messages_total",
            "Witness messages stored by this node.",
            "counter",
            count(&self.witness_messages),
        );
        gauge(
            &mut out,
            "vigie_officer_messages_total",
            "Officer messages stored by this node.",
            "counter",
            count(&self.officer_messages),
        );
        gauge(
            &mut out,
            "vigie_conversations_started_total",
            "Conversations opened through this node.",
            "counter",
            count(&self.conversations_started),
        );
        if let Some(depth) = queue_depth {
            gauge(
                &mut out,
                "vigie_queue_depth",
                "Conversations waiting for an officer (whole platform).",
                "gauge",
                depth.to_string(),
            );
        }
        out
    }
}

pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(scrape))
}

async fn scrape(State(state): State<AppState>) -> impl IntoResponse {
    let depth = state.store.queue().await.ok().map(|q| q.len());
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(depth),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_and_bucketed() {
        let m = Metrics::default();
        m.observe("/api/v1/witness/messages", "POST", 201, 0.003);
        m.observe("/api/v1/witness/messages", "POST", 201, 0.2);
        let text = m.render(Some(4));
        assert!(text.contains("vigie_http_requests_total{route=\"/api/v1/witness/messages\",method=\"POST\",status=\"201\"} 2"));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("le=\"+Inf\"} 2"));
        assert!(text.contains("vigie_queue_depth 4"));
        let _held = Gauge::hold(&m.witness_sockets);
        assert!(m.render(None).contains("vigie_witness_sockets 1"));
    }
}
