//! Accessible SVG charts for the statistics pages: horizontal bar charts (categories, with the
//! value printed at the end of each bar) and column charts (time series such as reports per day,
//! with every Nth category label shown so that labels never overlap, optionally with a value
//! such as a target marked across them).
//!
//! This module owns the chart layout and drawing. Charts are inline `<svg role="img">` elements
//! labelled by their `<title>` and `<desc>`, use presentation attributes only (no `style`, no
//! script, CSP-friendly), escape all text, and never print `NaN` or `inf`: non-finite values are
//! shown as "–" with no bar, negative values as a bar of length 0 with their value.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::map::{id_hash, num, xml_escape};

/// A named series of (category label, value) points.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Series {
    pub label: String,
    pub points: Vec<(String, f64)>,
}

impl Series {
    /// [`bar_chart`] of this series, titled with its label.
    pub fn bar_chart(&self, desc: &str, unit: &str, empty_text: &str) -> String {
        bar_chart(&self.label, desc, unit, &self.points, empty_text)
    }

    /// [`column_chart`] of this series, titled with its label.
    pub fn column_chart(&self, desc: &str, unit: &str, empty_text: &str) -> String {
        column_chart(&self.label, desc, unit, &self.points, empty_text)
    }
}

/// Width of the bar chart's viewBox.
pub const BAR_WIDTH: f64 = 640.0;
/// Width of the column chart's viewBox.
pub const COLUMN_WIDTH: f64 = 720.0;
/// Height of the column chart's viewBox.
pub const COLUMN_HEIGHT: f64 = 320.0;

const FILL: &str = "#1f5f99";
const TEXT: &str = "#222222";
const AXIS: &str = "#595959";
const GRID: &str = "#d9d9d9";
/// A marked value's line: dark red, over 5:1 against white.
const MARK: &str = "#b3261e";
const FONT: f64 = 13.0;
const SMALL_FONT: f64 = 12.0;
/// Rough average glyph advance of a sans-serif face, in ems.
const EM_ADVANCE: f64 = 0.58;
const BAR_ROW: f64 = 26.0;
const BAR_THICKNESS: f64 = 18.0;

/// A value for display: at most one decimal, scientific beyond 10¹⁵, "–" when not finite.
pub fn format_value(v: f64) -> String {
    if !v.is_finite() {
        "–".to_owned()
    } else if v.abs() >= 1e15 {
        format!("{v:.2e}")
    } else {
        num(v)
    }
}

fn with_unit(v: f64, unit: &str) -> String {
    if unit.is_empty() || !v.is_finite() {
        format_value(v)
    } else {
        format!("{} {unit}", format_value(v))
    }
}

/// The length of a bar: proportional to `v / max`, 0 for negative or non-finite values.
fn scaled(v: f64, max: f64, length: f64) -> f64 {
    if v.is_finite() && v > 0.0 && max.is_finite() && max > 0.0 {
        (v / max).clamp(0.0, 1.0) * length
    } else {
        0.0
    }
}

fn max_positive(data: &[(String, f64)]) -> f64 {
    data.iter()
        .map(|(_, v)| *v)
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold(0.0, f64::max)
}

fn text_width(s: &str, font: f64) -> f64 {
    s.chars().count() as f64 * font * EM_ADVANCE
}

/// `s` cut to at most `max_chars` characters, with an ellipsis when cut.
fn truncate(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max_chars.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

fn open_svg(s: &mut String, kind: &str, title: &str, desc: &str, w: f64, h: f64) {
    let id = format!("vigie-{kind}-{:016x}", id_hash(&[kind, title, desc]));
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-title {id}-desc" font-family="sans-serif" font-size="{fs}" fill="{TEXT}"><title id="{id}-title">{t}</title><desc id="{id}-desc">{d}</desc>"#,
        w = num(w),
        h = num(h),
        fs = num(FONT),
        t = xml_escape(title),
        d = xml_escape(desc),
    );
}

fn empty_svg(kind: &str, title: &str, desc: &str, empty_text: &str, w: f64) -> String {
    let h = 60.0;
    let mut s = String::new();
    open_svg(&mut s, kind, title, desc, w, h);
    let _ = write!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">{}</text></svg>"#,
        num(w / 2.0),
        num(h / 2.0 + FONT / 3.0),
        xml_escape(empty_text)
    );
    s
}

/// A horizontal bar chart, one row per category, the value (with `unit`) printed at the end of
/// each bar. `empty_text` is shown when `data` is empty. The viewBox is 640 wide and as tall as
/// the rows need.
pub fn bar_chart(
    title: &str,
    desc: &str,
    unit: &str,
    data: &[(String, f64)],
    empty_text: &str,
) -> String {
    if data.is_empty() {
        return empty_svg("bar", title, desc, empty_text, BAR_WIDTH);
    }
    let w = BAR_WIDTH;
    let pad = 8.0;
    let longest_label = data
        .iter()
        .map(|(l, _)| text_width(l, FONT))
        .fold(0.0, f64::max);
    let label_w = longest_label.clamp(40.0, w * 0.4);
    let max_label_chars = ((label_w / (FONT * EM_ADVANCE)).floor() as usize).max(3);
    let longest_value = data
        .iter()
        .map(|(_, v)| text_width(&with_unit(*v, unit), SMALL_FONT))
        .fold(0.0, f64::max);
    let value_w = (longest_value + pad).clamp(30.0, w * 0.3);
    let x0 = pad + label_w + pad;
    let length = (w - x0 - value_w - pad).max(1.0);
    let max = max_positive(data);
    let top = pad;
    let h = top + data.len() as f64 * BAR_ROW + pad;

    let mut s = String::with_capacity(256 + data.len() * 300);
    open_svg(&mut s, "bar", title, desc, w, h);
    for (i, (label, v)) in data.iter().enumerate() {
        let y = top + i as f64 * BAR_ROW;
        let bar_y = y + (BAR_ROW - BAR_THICKNESS) / 2.0;
        let text_y = y + BAR_ROW / 2.0 + FONT / 3.0;
        let len = scaled(*v, max, length);
        let shown = with_unit(*v, unit);
        let _ = write!(
            s,
            r#"<g><title>{tip}</title><text x="{lx}" y="{ty}" text-anchor="end">{label}</text><rect x="{x0}" y="{by}" width="{len}" height="{bh}" fill="{FILL}"/><text x="{vx}" y="{ty}" font-size="{sf}">{value}</text></g>"#,
            tip = xml_escape(&format!("{label}: {shown}")),
            lx = num(pad + label_w),
            ty = num(text_y),
            label = xml_escape(&truncate(label, max_label_chars)),
            x0 = num(x0),
            by = num(bar_y),
            len = num(len),
            bh = num(BAR_THICKNESS),
            vx = num(x0 + len + 6.0),
            sf = num(SMALL_FONT),
            value = xml_escape(&shown),
        );
    }
    let _ = write!(
        s,
        r#"<line x1="{x}" y1="{y1}" x2="{x}" y2="{y2}" stroke="{AXIS}" stroke-width="1"/></svg>"#,
        x = num(x0),
        y1 = num(top),
        y2 = num(h - pad),
    );
    s
}

/// A "nice" axis maximum and its step (1, 2, 2.5 or 5 × 10ⁿ), for about 3 to 5 intervals.
fn nice_axis(max: f64) -> (f64, f64) {
    if !(max.is_finite() && max > 0.0) {
        return (1.0, 0.25);
    }
    let raw = max / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|step| *step >= raw)
        .unwrap_or(10.0 * mag);
    let top = (max / step).ceil() * step;
    if step.is_finite() && step > 0.0 && top.is_finite() && top >= max {
        (top, step)
    } else {
        let step = max / 4.0;
        (max, if step > 0.0 { step } else { max })
    }
}

/// A column chart for many ordered categories (reports per day…): one column per point, a
/// y axis with gridlines, and every Nth category label so that labels do not overlap. Each
/// column carries a `<title>` tooltip "label: value unit". `empty_text` is shown when `data` is
/// empty. The viewBox is 720 × 320.
pub fn column_chart(
    title: &str,
    desc: &str,
    unit: &str,
    data: &[(String, f64)],
    empty_text: &str,
) -> String {
    columns(title, desc, unit, data, None, empty_text)
}

/// A value marked across a chart (a target, a threshold): its label and its value.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Mark {
    pub label: String,
    pub value: f64,
}

/// A [`column_chart`] with `mark` drawn as a dashed line across the columns, labelled at its
/// right end; the axis reaches the mark even when every column stays below it. A mark that is
/// not a finite positive value is left out.
pub fn column_chart_with_mark(
    title: &str,
    desc: &str,
    unit: &str,
    data: &[(String, f64)],
    mark: &Mark,
    empty_text: &str,
) -> String {
    let mark = (mark.value.is_finite() && mark.value > 0.0).then_some(mark);
    columns(title, desc, unit, data, mark, empty_text)
}

fn columns(
    title: &str,
    desc: &str,
    unit: &str,
    data: &[(String, f64)],
    mark: Option<&Mark>,
    empty_text: &str,
) -> String {
    if data.is_empty() {
        return empty_svg("column", title, desc, empty_text, COLUMN_WIDTH);
    }
    let (w, h) = (COLUMN_WIDTH, COLUMN_HEIGHT);
    let highest = mark.map_or(0.0, |m| m.value).max(max_positive(data));
    let (axis_max, step) = nice_axis(highest);
    let ticks: Vec<f64> = (0..=10)
        .map(|i| f64::from(i) * step)
        .take_while(|t| *t <= axis_max + step * 1e-6)
        .collect();
    let tick_w = ticks
        .iter()
        .map(|t| text_width(&format_value(*t), SMALL_FONT))
        .fold(0.0, f64::max);
    let left = (tick_w + 14.0).clamp(30.0, w * 0.3);
    let (right, top, bottom) = (10.0, 26.0, 30.0);
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let base = top + plot_h;
    let n = data.len();
    let slot = plot_w / n as f64;
    let col_w = (slot * 0.8).max(0.1);

    let mut s = String::with_capacity(1024 + n * 160);
    open_svg(&mut s, "column", title, desc, w, h);
    if !unit.is_empty() {
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" font-size="{}">{}</text>"#,
            num(left),
            num(top - 12.0),
            num(SMALL_FONT),
            xml_escape(unit)
        );
    }
    // Gridlines and tick labels.
    let _ = write!(
        s,
        r#"<g font-size="{}" text-anchor="end">"#,
        num(SMALL_FONT)
    );
    for t in &ticks {
        let y = base - scaled(*t, axis_max, plot_h);
        let _ = write!(
            s,
            r#"<line x1="{l}" y1="{y}" x2="{r}" y2="{y}" stroke="{GRID}" stroke-width="1"/><text x="{tx}" y="{ty}">{v}</text>"#,
            l = num(left),
            r = num(w - right),
            y = num(y),
            tx = num(left - 6.0),
            ty = num(y + SMALL_FONT / 3.0),
            v = xml_escape(&format_value(*t)),
        );
    }
    s.push_str("</g>");

    // Columns.
    let _ = write!(s, r#"<g fill="{FILL}">"#);
    for (i, (label, v)) in data.iter().enumerate() {
        let x = left + i as f64 * slot + (slot - col_w) / 2.0;
        let ch = scaled(*v, axis_max, plot_h);
        let _ = write!(
            s,
            r#"<rect x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>"#,
            num(x),
            num(base - ch),
            num(col_w),
            num(ch),
            xml_escape(&format!("{label}: {}", with_unit(*v, unit)))
        );
    }
    s.push_str("</g>");

    if let Some(m) = mark {
        let y = base - scaled(m.value, axis_max, plot_h);
        let _ = write!(
            s,
            r#"<g><title>{tip}</title><line x1="{l}" y1="{y}" x2="{r}" y2="{y}" stroke="{MARK}" stroke-width="2" stroke-dasharray="6 4"/><text x="{r}" y="{ty}" text-anchor="end" font-size="{sf}">{label}</text></g>"#,
            tip = xml_escape(&format!("{}: {}", m.label, with_unit(m.value, unit))),
            l = num(left),
            r = num(w - right),
            y = num(y),
            ty = num((y - 5.0).max(SMALL_FONT)),
            sf = num(SMALL_FONT),
            label = xml_escape(&m.label),
        );
    }

    // Every Nth category label.
    let label_w = data
        .iter()
        .map(|(l, _)| text_width(l, SMALL_FONT))
        .fold(0.0, f64::max)
        + 10.0;
    let every = ((label_w / slot).ceil() as usize).max(1);
    let _ = write!(
        s,
        r#"<g font-size="{}" text-anchor="middle">"#,
        num(SMALL_FONT)
    );
    for (i, (label, _)) in data.iter().enumerate().step_by(every) {
        let cx = left + (i as f64 + 0.5) * slot;
        // Keep the first and last labels inside the canvas.
        let half = text_width(label, SMALL_FONT) / 2.0;
        let cx = cx.clamp(half.min(w / 2.0), (w - half).max(w / 2.0));
        let _ = write!(
            s,
            r#"<text x="{}" y="{}">{}</text>"#,
            num(cx),
            num(base + 18.0),
            xml_escape(label)
        );
    }
    s.push_str("</g>");
    let _ = write!(
        s,
        r#"<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" stroke="{AXIS}" stroke-width="1"/></svg>"#,
        l = num(left),
        r = num(w - right),
        b = num(base),
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pts(v: &[(&str, f64)]) -> Vec<(String, f64)> {
        v.iter().map(|(l, x)| ((*l).to_owned(), *x)).collect()
    }

    /// Every value of a numeric attribute (`x="…"`, `width="…"`…) in `svg`.
    fn numeric_attrs(svg: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for attr in [
            "x",
            "y",
            "x1",
            "x2",
            "y1",
            "y2",
            "width",
            "height",
            "font-size",
        ] {
            let needle = format!(" {attr}=\"");
            let mut rest = svg;
            while let Some(i) = rest.find(&needle) {
                rest = &rest[i + needle.len()..];
                let end = rest.find('"').unwrap_or(rest.len());
                out.push((attr.to_owned(), rest[..end].to_owned()));
            }
        }
        out
    }

    fn assert_sane(svg: &str) {
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains(r#"role="img""#));
        assert!(!svg.contains("style="));
        assert!(!svg.contains("<script"));
        for (attr, v) in numeric_attrs(svg) {
            let parsed: f64 = v.parse().unwrap_or(f64::NAN);
            assert!(parsed.is_finite(), "{attr}={v:?}");
            if attr == "width" || attr == "height" {
                assert!(parsed >= 0.0, "{attr}={v:?}");
            }
            if attr == "font-size" {
                assert!(parsed >= 12.0, "{attr}={v:?}");
            }
        }
    }

    fn bar_widths(svg: &str) -> Vec<f64> {
        numeric_attrs(svg)
            .into_iter()
            .filter(|(a, _)| a == "width")
            .filter_map(|(_, v)| v.parse().ok())
            .collect()
    }

    #[test]
    fn bar_chart_escapes_and_labels() {
        let svg = bar_chart(
            "Signalements <par> région",
            "Desc & \"x\"",
            "signalements",
            &pts(&[("Provence-Alpes-Côte d'Azur", 12.0), ("<b>", 3.5)]),
            "Aucune donnée",
        );
        assert_sane(&svg);
        assert!(svg.contains("Signalements &lt;par&gt; région</title>"));
        assert!(svg.contains("Desc &amp; &quot;x&quot;</desc>"));
        assert!(svg.contains("Provence-Alpes-Côte d&#39;Azur</text>"));
        assert!(svg.contains(">&lt;b&gt;</text>"));
        assert!(!svg.contains("<b>"));
        assert!(svg.contains(">12 signalements</text>"));
        assert!(svg.contains(">3.5 signalements</text>"));
        assert!(svg.contains("aria-labelledby=\"vigie-bar-"));
    }

    #[test]
    fn bar_lengths_are_proportional() {
        let svg = bar_chart(
            "t",
            "d",
            "",
            &pts(&[("a", 10.0), ("b", 5.0), ("c", 2.5)]),
            "",
        );
        let w = bar_widths(&svg);
        assert_eq!(w.len(), 3);
        assert!(w[0] > 100.0);
        assert!((w[1] - w[0] / 2.0).abs() <= 0.1, "{w:?}");
        assert!((w[2] - w[0] / 4.0).abs() <= 0.1, "{w:?}");
    }

    #[test]
    fn column_heights_are_proportional() {
        let svg = column_chart(
            "t",
            "d",
            "",
            &pts(&[("a", 8.0), ("b", 4.0), ("c", 0.0)]),
            "",
        );
        let heights: Vec<f64> = numeric_attrs(&svg)
            .into_iter()
            .filter(|(a, _)| a == "height")
            .filter_map(|(_, v)| v.parse().ok())
            .collect();
        assert_eq!(heights.len(), 3);
        assert!((heights[1] - heights[0] / 2.0).abs() <= 0.1, "{heights:?}");
        assert_eq!(heights[2], 0.0);
    }

    #[test]
    fn empty_data_shows_the_callers_text() {
        for svg in [
            bar_chart("t", "d", "u", &[], "Pas encore de données <ici>"),
            column_chart("t", "d", "u", &[], "Pas encore de données <ici>"),
        ] {
            assert_sane(&svg);
            assert!(svg.contains(">Pas encore de données &lt;ici&gt;</text>"));
            assert!(!svg.contains("<rect"));
        }
    }

    #[test]
    fn zero_and_non_finite_values_produce_no_nan() {
        let data = pts(&[
            ("a", 0.0),
            ("b", 0.0),
            ("c", -0.0),
            ("d", f64::NAN),
            ("e", f64::INFINITY),
            ("f", -3.0),
        ]);
        for svg in [
            bar_chart("t", "d", "u", &data, "x"),
            column_chart("t", "d", "u", &data, "x"),
        ] {
            assert_sane(&svg);
            assert!(!svg.contains("NaN"));
            assert!(!svg.contains("inf"));
            assert!(bar_widths(&svg).iter().all(|w| *w >= 0.0));
        }
        let huge = pts(&[("a", f64::MAX), ("b", 1.0), ("c", f64::MIN_POSITIVE)]);
        for svg in [
            bar_chart("t", "d", "u", &huge, "x"),
            column_chart("t", "d", "u", &huge, "x"),
        ] {
            assert_sane(&svg);
            assert!(!svg.contains("NaN") && !svg.contains("inf"));
        }
    }

    #[test]
    fn column_chart_thins_out_labels() {
        let data: Vec<(String, f64)> = (1..=90)
            .map(|d| (format!("2025-01-{d:02}"), f64::from(d % 7)))
            .collect();
        let svg = column_chart("Signalements par jour", "d", "signalements", &data, "x");
        assert_sane(&svg);
        assert_eq!(svg.matches("<rect").count(), 90);
        let shown = svg.matches("\">2025-01-").count();
        assert!((5..=15).contains(&shown), "{shown} labels");
        assert!(svg.contains("<title>2025-01-07: 0 signalements</title>"));
    }

    #[test]
    fn a_marked_value_is_a_labelled_line_the_axis_reaches() {
        let target = Mark {
            label: "Objectif <2 min>".into(),
            value: 120.0,
        };
        let data = pts(&[("08 h", 40.0), ("09 h", 60.0)]);
        let svg = column_chart_with_mark("t", "d", "s", &data, &target, "x");
        assert_sane(&svg);
        assert!(svg.contains("stroke-dasharray"));
        assert!(svg.contains(">Objectif &lt;2 min&gt;</text>"));
        assert!(svg.contains("<title>Objectif &lt;2 min&gt;: 120 s</title>"));
        // The axis goes past the mark (to 125), not only to the highest column (60).
        assert!(svg.contains(">125</text>"));
        let plain = column_chart("t", "d", "s", &data, "x");
        assert!(plain.contains(">60</text>") && !plain.contains(">125</text>"));
        assert!(!plain.contains("stroke-dasharray"));
        // The mark's line sits where a column of the same value would reach.
        let tall = pts(&[("a", 120.0)]);
        let svg = column_chart_with_mark("t", "d", "", &tall, &target, "x");
        let attrs = numeric_attrs(&svg);
        let rect_y = attrs
            .iter()
            .filter(|(a, _)| a == "y")
            .map(|(_, v)| v.clone());
        let line_y = attrs
            .iter()
            .filter(|(a, _)| a == "y1")
            .map(|(_, v)| v.clone());
        let line_y: Vec<String> = line_y.collect();
        assert!(rect_y.into_iter().any(|y| line_y.contains(&y)), "{svg}");
        // Nothing to mark: no line.
        for value in [0.0, -1.0, f64::NAN] {
            let odd = Mark {
                value,
                ..target.clone()
            };
            let svg = column_chart_with_mark("t", "d", "", &data, &odd, "x");
            assert_sane(&svg);
            assert!(!svg.contains("stroke-dasharray"));
        }
    }

    #[test]
    fn nice_axis_rounds_up() {
        assert_eq!(nice_axis(0.0), (1.0, 0.25));
        assert_eq!(nice_axis(7.0), (8.0, 2.0));
        assert_eq!(nice_axis(100.0), (100.0, 20.0));
        assert_eq!(nice_axis(22.0), (25.0, 5.0));
        let (top, step) = nice_axis(f64::MAX);
        assert!(top.is_finite() && step.is_finite() && top >= f64::MAX);
    }

    #[test]
    fn series_helpers() {
        let s = Series {
            label: "Par jour".into(),
            points: pts(&[("lun", 1.0)]),
        };
        assert!(s.column_chart("d", "", "x").contains(">Par jour</title>"));
        assert!(s.bar_chart("d", "", "x").contains(">Par jour</title>"));
    }

    fn any_value() -> impl Strategy<Value = f64> {
        prop_oneof![
            any::<f64>(),
            Just(0.0),
            0.0f64..1000.0,
            Just(f64::NAN),
            Just(f64::INFINITY),
        ]
    }

    proptest! {
        #[test]
        fn arbitrary_data_never_panics_nor_emits_nan(
            data in proptest::collection::vec(("[a-z0-9 <>&'\"é]{0,20}", any_value()), 0..120),
            unit in "[a-z%/ ]{0,8}",
        ) {
            let mark = Mark { label: "objectif".into(), value: data.first().map_or(1.0, |p| p.1) };
            for svg in [
                bar_chart("t", "d", &unit, &data, "vide"),
                column_chart("t", "d", &unit, &data, "vide"),
                column_chart_with_mark("t", "d", &unit, &data, &mark, "vide"),
            ] {
                prop_assert!(!svg.contains("NaN"));
                assert_sane(&svg);
            }
        }
    }
}
