//! The statistics page's response-time section (issue 6): for the page's period, time to first
//! officer reply, waiting and handling time, per hour of the day and per day, against the
//! response-time target, with breaches. Rule: the store gives the moments, the domain computes
//! the figures, this module only words them; the chart always comes with its table. Hours and
//! days are UTC, like every time in the console.

use crate::i18n::Tr;
use time::{Duration, UtcOffset};
use vigie_domain::dispatch::{
    figures_by_hour_of_day, overall_figures, response_figures, ChatTimes, Period, PeriodFigures,
    Spread,
};
use vigie_domain::Timestamp;
use vigie_render::chart;

/// One line of figures, worded: a bucket of chats (an hour of the day, a day, or all of them).
pub struct FiguresRow {
    pub label: String,
    pub chats: usize,
    pub reply_median: String,
    pub reply_p90: String,
    pub wait_median: String,
    pub handling_median: String,
    pub breaches: usize,
    /// "3 (25 %)".
    pub breaches_text: String,
}

/// A table of rows, with its caption and the heading of its first column.
pub struct FiguresTable {
    pub id: &'static str,
    pub caption: String,
    pub head: String,
    pub rows: Vec<FiguresRow>,
}

/// The section, ready for the template.
pub struct ResponseTimes {
    /// The target, worded ("2 min").
    pub target: String,
    /// The whole period at once; `None` when no chat was opened in it.
    pub overall: Option<FiguresRow>,
    pub chart: String,
    /// By hour of the day (the chart's table), then by day; a table without rows is not shown.
    pub tables: [FiguresTable; 2],
}

/// A duration for people: "42 s", "1 min 28 s", "2 h 05 min", "3 j 4 h" (whole seconds).
pub fn human_duration(t: &Tr, d: Duration) -> String {
    let s = d.whole_seconds().max(0);
    let two = |n: i64| format!("{n:02}");
    let (key, args) = match s {
        0..60 => ("rt-duration-s", vec![("s", s.to_string())]),
        60..3600 if s % 60 == 0 => ("rt-duration-min", vec![("m", (s / 60).to_string())]),
        60..3600 => (
            "rt-duration-min-s",
            vec![("m", (s / 60).to_string()), ("s", two(s % 60))],
        ),
        3600..86_400 if s % 3600 / 60 == 0 => {
            ("rt-duration-h", vec![("h", (s / 3600).to_string())])
        }
        3600..86_400 => (
            "rt-duration-h-min",
            vec![("h", (s / 3600).to_string()), ("m", two(s % 3600 / 60))],
        ),
        _ => (
            "rt-duration-d-h",
            vec![
                ("d", (s / 86_400).to_string()),
                ("h", (s % 86_400 / 3600).to_string()),
            ],
        ),
    };
    t.with(key, &args)
}

fn median(t: &Tr, spread: Option<Spread>) -> String {
    spread.map_or_else(|| "—".to_owned(), |s| human_duration(t, s.median))
}

fn row(t: &Tr, label: String, f: &PeriodFigures) -> FiguresRow {
    // Rounded to the nearest whole percent; `chats` is never 0 for a bucket.
    let share = (f.breaches * 100 + f.chats / 2) / f.chats.max(1);
    FiguresRow {
        label,
        chats: f.chats,
        reply_median: median(t, f.first_reply),
        reply_p90: f
            .first_reply
            .map_or_else(|| "—".to_owned(), |s| human_duration(t, s.p90)),
        wait_median: median(t, f.wait),
        handling_median: median(t, f.handling),
        breaches: f.breaches,
        breaches_text: t.with(
            "rt-breaches-value",
            &[("n", f.breaches.to_string()), ("share", share.to_string())],
        ),
    }
}

/// The section for the chats of the period, measured against `target` at `now`.
pub fn section(t: &Tr, chats: &[ChatTimes], target: Duration, now: Timestamp) -> ResponseTimes {
    let utc = UtcOffset::UTC;
    let hours = figures_by_hour_of_day(chats, utc, target, now);
    let hour_label = |h: u8| t.with("rt-hour", &[("h", format!("{h:02}"))]);
    // Every hour of the day on the chart, so that quiet hours show as gaps; the table lists the
    // hours that had chats.
    let points: Vec<(String, f64)> = (0..24u8)
        .map(|h| {
            let median = hours
                .iter()
                .find(|f| f.start.hour() == h)
                .and_then(|f| f.first_reply)
                // Whole seconds, as the table shows them.
                .map_or(f64::NAN, |s| s.median.whole_seconds() as f64);
            (hour_label(h), median)
        })
        .collect();
    let target_text = human_duration(t, target);
    let chart_title = t.get("rt-chart");
    let chart = if hours.is_empty() {
        chart::column_chart(
            &chart_title,
            &t.get("rt-chart-desc"),
            "",
            &[],
            &t.get("stats-empty"),
        )
    } else {
        chart::column_chart_with_mark(
            &chart_title,
            &t.get("rt-chart-desc"),
            &t.get("rt-unit-seconds"),
            &points,
            &chart::Mark {
                label: t.with("rt-chart-target", &[("target", target_text.clone())]),
                value: target.as_seconds_f64(),
            },
            &t.get("stats-empty"),
        )
    };
    ResponseTimes {
        overall: overall_figures(chats, target, now).map(|f| row(t, t.get("rt-all"), &f)),
        tables: [
            FiguresTable {
                id: "rt-by-hour",
                caption: t.get("rt-by-hour"),
                head: t.get("rt-col-hour"),
                rows: hours
                    .iter()
                    .map(|f| row(t, hour_label(f.start.hour()), f))
                    .collect(),
            },
            FiguresTable {
                id: "rt-by-day",
                caption: t.get("rt-by-day"),
                head: t.get("rt-col-day"),
                rows: response_figures(chats, Period::Day, utc, target, now)
                    .iter()
                    .map(|f| row(t, f.start.date().to_string(), f))
                    .collect(),
            },
        ],
        target: target_text,
        chart,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::I18n;
    use std::sync::Arc;
    use time::macros::datetime;
    use vigie_domain::Locale;

    fn tr(locale: Locale) -> Tr {
        Tr::new(Arc::new(I18n::load().unwrap()), locale)
    }

    #[test]
    fn durations_read_like_people_write_them() {
        let fr = tr(Locale::Fr);
        let cases = [
            (0, "0 s"),
            (42, "42 s"),
            (60, "1 min"),
            (88, "1 min 28 s"),
            (125, "2 min 05 s"),
            (3600, "1 h"),
            (3900, "1 h 05 min"),
            (3 * 86_400 + 4 * 3600 + 59, "3 j 4 h"),
            (-5, "0 s"),
        ];
        for (s, want) in cases {
            assert_eq!(human_duration(&fr, Duration::seconds(s)), want, "{s}");
        }
        let en = tr(Locale::En);
        assert_eq!(human_duration(&en, Duration::seconds(88)), "1 min 28 s");
        assert_eq!(human_duration(&en, Duration::days(2)), "2 d 0 h");
        // Milliseconds are dropped, never rounded up past the target.
        assert_eq!(
            human_duration(&fr, Duration::milliseconds(120_999)),
            "2 min"
        );
    }

    #[test]
    fn the_section_has_every_hour_on_the_chart_and_each_busy_hour_in_the_table() {
        let t = tr(Locale::Fr);
        let at = datetime!(2025-03-03 14:10 UTC);
        let chats = [
            ChatTimes {
                created: at,
                taken: Some(at + Duration::seconds(20)),
                first_reply: Some(at + Duration::seconds(88)),
                closed: Some(at + Duration::minutes(30)),
            },
            ChatTimes {
                created: at + Duration::minutes(5),
                taken: None,
                first_reply: None,
                closed: None,
            },
        ];
        let s = section(&t, &chats, Duration::minutes(2), at + Duration::hours(1));
        assert_eq!(s.target, "2 min");
        let all = s.overall.unwrap();
        assert_eq!((all.chats, all.breaches), (2, 1));
        assert_eq!(all.breaches_text, "1 (50 %)");
        assert_eq!(all.reply_median, "1 min 28 s");
        assert_eq!(all.handling_median, "29 min 40 s");
        let [by_hour, by_day] = &s.tables;
        assert_eq!(by_hour.rows.len(), 1);
        assert_eq!(by_hour.rows[0].label, "14 h");
        assert_eq!(by_hour.rows[0].breaches, 1);
        assert_eq!(by_day.rows[0].label, "2025-03-03");
        assert_eq!(s.chart.matches("<rect").count(), 24);
        assert!(s.chart.contains("<title>14 h: 88 secondes</title>"));
        assert!(s.chart.contains("Objectif : 2 min"));

        let empty = section(&t, &[], Duration::minutes(2), at);
        assert!(empty.overall.is_none());
        assert!(empty.tables.iter().all(|table| table.rows.is_empty()));
        assert!(empty.chart.contains(&t.get("stats-empty")));
    }
}
