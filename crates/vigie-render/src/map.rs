//! The map of France, drawn by the server as SVG with no tiles and no network.
//!
//! This module owns: reading département outlines (GeoJSON `Polygon` / `MultiPolygon` geometry,
//! or a whole `FeatureCollection` for the import command), the projection and the layout of the
//! map (metropolitan France in an equirectangular projection scaled by cos 46.5°, with insets for
//! the five overseas départements and an enlarged inset for Paris and the petite couronne), the
//! choropleth classes and their colour-blind-safe palette, and the SVG rendering itself.
//!
//! The projected geometry is public ([`project`], [`projected_paths`]) so that the PDF writer
//! draws exactly what the SVG shows. Everything is a pure function of its input and never panics.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Width of the SVG `viewBox` produced by [`render`].
pub const VIEW_WIDTH: f64 = 800.0;
/// Height of the SVG `viewBox` produced by [`render`].
pub const VIEW_HEIGHT: f64 = 760.0;
/// Overseas départements drawn as insets, in the order of their boxes.
pub const OVERSEAS_CODES: [&str; 5] = ["971", "972", "973", "974", "976"];
/// Paris and the petite couronne, repeated in an enlarged inset.
pub const PARIS_CODES: [&str; 4] = ["75", "92", "93", "94"];
/// Label of the Paris inset (language-neutral on purpose).
pub const PARIS_INSET_LABEL: &str = "75 · 92 · 93 · 94";
/// Latitude whose cosine scales longitudes in metropolitan France.
pub const METRO_STANDARD_PARALLEL: f64 = 46.5;

/// Fill of départements with no report.
pub const ZERO_FILL: (u8, u8, u8) = (0xe8, 0xe8, 0xe8);
/// Sequential palette (ColorBrewer OrRd, colour-blind safe), lightest first.
pub const PALETTE: [(u8, u8, u8); 5] = [
    (0xfd, 0xbb, 0x84),
    (0xfc, 0x8d, 0x59),
    (0xef, 0x65, 0x48),
    (0xd7, 0x30, 0x1f),
    (0x99, 0x00, 0x00),
];

const BORDER: &str = "#4d4d4d";
const FRAME: &str = "#767676";
const TEXT: &str = "#222222";
const MARKER: &str = "#08306b";
const FONT_SIZE: f64 = 12.0;
const MARKER_RADIUS: f64 = 4.5;

/// Polygon rings as (longitude, latitude) pairs, WGS84 degrees.
pub type Ring = Vec<(f64, f64)>;

/// One département: its code ("01", "2A", "971"…), its name and its outline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outline {
    pub code: String,
    pub name: String,
    /// Polygons → rings (first is the outer ring, the others holes) → (lon, lat).
    pub polygons: Vec<Vec<Ring>>,
}

/// Why an outline could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MapError {
    /// The text is not JSON.
    Json(String),
    /// Valid JSON that does not have the expected shape.
    Structure(String),
    /// A geometry type other than `Polygon` or `MultiPolygon`.
    UnsupportedGeometry(String),
    /// A position that is not a pair of finite numbers in the WGS84 range.
    InvalidCoordinate(String),
    /// Two features of a collection share a code.
    DuplicateCode(String),
    /// An error inside the feature at this index of a collection.
    InFeature { index: usize, source: Box<MapError> },
}

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MapError::Json(e) => write!(f, "invalid JSON: {e}"),
            MapError::Structure(e) => write!(f, "unexpected GeoJSON structure: {e}"),
            MapError::UnsupportedGeometry(t) => {
                write!(
                    f,
                    "unsupported geometry type {t:?} (expected Polygon or MultiPolygon)"
                )
            }
            MapError::InvalidCoordinate(e) => write!(f, "invalid coordinate: {e}"),
            MapError::DuplicateCode(c) => write!(f, "département code {c:?} appears twice"),
            MapError::InFeature { index, source } => write!(f, "feature #{index}: {source}"),
        }
    }
}

impl std::error::Error for MapError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            MapError::InFeature { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

/// Reads one GeoJSON geometry object (`Polygon` or `MultiPolygon`, WGS84 lon/lat).
pub fn parse_geometry(code: &str, name: &str, geometry_json: &str) -> Result<Outline, MapError> {
    let value: Value =
        serde_json::from_str(geometry_json).map_err(|e| MapError::Json(e.to_string()))?;
    Ok(Outline {
        code: code.to_owned(),
        name: name.to_owned(),
        polygons: geometry_polygons(&value)?,
    })
}

/// Reads a GeoJSON `FeatureCollection` whose features carry the properties `code` and `nom`
/// (`name` is accepted too), as in `shared/geo/departements.geojson`.
pub fn parse_feature_collection(text: &str) -> Result<Vec<Outline>, MapError> {
    let value: Value = serde_json::from_str(text).map_err(|e| MapError::Json(e.to_string()))?;
    let obj = value
        .as_object()
        .ok_or_else(|| structure("the document is not a JSON object"))?;
    if obj.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(structure("the document is not a FeatureCollection"));
    }
    let features = obj
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| structure("FeatureCollection without a features array"))?;
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(features.len());
    for (index, f) in features.iter().enumerate() {
        let outline = parse_feature(f).map_err(|e| MapError::InFeature {
            index,
            source: Box::new(e),
        })?;
        if !seen.insert(outline.code.clone()) {
            return Err(MapError::DuplicateCode(outline.code));
        }
        out.push(outline);
    }
    Ok(out)
}

fn structure(msg: &str) -> MapError {
    MapError::Structure(msg.to_owned())
}

fn parse_feature(f: &Value) -> Result<Outline, MapError> {
    let obj = f
        .as_object()
        .ok_or_else(|| structure("feature is not an object"))?;
    let props = obj
        .get("properties")
        .and_then(Value::as_object)
        .ok_or_else(|| structure("feature without properties"))?;
    let code = props
        .get("code")
        .and_then(Value::as_str)
        .ok_or_else(|| structure("feature without a string property \"code\""))?;
    let name = props
        .get("nom")
        .or_else(|| props.get("name"))
        .and_then(Value::as_str)
        .ok_or_else(|| structure("feature without a string property \"nom\""))?;
    let geometry = obj
        .get("geometry")
        .ok_or_else(|| structure("feature without geometry"))?;
    Ok(Outline {
        code: code.to_owned(),
        name: name.to_owned(),
        polygons: geometry_polygons(geometry)?,
    })
}

fn geometry_polygons(v: &Value) -> Result<Vec<Vec<Ring>>, MapError> {
    let obj = v
        .as_object()
        .ok_or_else(|| structure("geometry is not a JSON object"))?;
    let kind = obj
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| structure("geometry without a string \"type\""))?;
    let coords = obj.get("coordinates");
    match kind {
        "Polygon" => {
            let coords = coords.ok_or_else(|| structure("Polygon without coordinates"))?;
            Ok(vec![parse_polygon(coords)?])
        }
        "MultiPolygon" => {
            let coords = coords.ok_or_else(|| structure("MultiPolygon without coordinates"))?;
            let polys = coords
                .as_array()
                .ok_or_else(|| structure("MultiPolygon coordinates are not an array"))?;
            if polys.is_empty() {
                return Err(structure("MultiPolygon without polygons"));
            }
            polys.iter().map(parse_polygon).collect()
        }
        other => Err(MapError::UnsupportedGeometry(other.to_owned())),
    }
}

fn parse_polygon(v: &Value) -> Result<Vec<Ring>, MapError> {
    let rings = v
        .as_array()
        .ok_or_else(|| structure("polygon is not an array of rings"))?;
    if rings.is_empty() {
        return Err(structure("polygon without rings"));
    }
    rings.iter().map(parse_ring).collect()
}

fn parse_ring(v: &Value) -> Result<Ring, MapError> {
    let positions = v
        .as_array()
        .ok_or_else(|| structure("ring is not an array of positions"))?;
    if positions.len() < 3 {
        return Err(structure("ring with fewer than 3 positions"));
    }
    positions.iter().map(parse_position).collect()
}

fn parse_position(v: &Value) -> Result<(f64, f64), MapError> {
    let pair = v
        .as_array()
        .filter(|a| a.len() >= 2)
        .ok_or_else(|| MapError::InvalidCoordinate("position is not [lon, lat]".to_owned()))?;
    let lon = pair.first().and_then(Value::as_f64);
    let lat = pair.get(1).and_then(Value::as_f64);
    match (lon, lat) {
        (Some(lon), Some(lat))
            if lon.is_finite()
                && lat.is_finite()
                && (-180.0..=180.0).contains(&lon)
                && (-90.0..=90.0).contains(&lat) =>
        {
            Ok((lon, lat))
        }
        _ => Err(MapError::InvalidCoordinate(format!(
            "{v} is not a WGS84 [lon, lat] pair"
        ))),
    }
}

/// State of a reported spot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MarkerStatus {
    /// Drawn as a filled circle.
    Active,
    /// Drawn as a cross.
    Dismantled,
    /// Drawn as a hollow circle.
    Moved,
}

/// A spot on the map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Marker {
    pub lat: f64,
    pub lon: f64,
    /// Shown as the marker's tooltip; may come from users (it is escaped).
    pub label: String,
    pub status: MarkerStatus,
    /// When set, the marker is a link.
    pub href: Option<String>,
}

/// Everything the map shows.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MapData {
    pub outlines: Vec<Outline>,
    /// Reports per département code; a missing code counts as 0.
    pub values: BTreeMap<String, u64>,
    pub markers: Vec<Marker>,
    /// One département code: draw only it, fitted to the canvas.
    pub focus: Option<String>,
    pub title: String,
    pub desc: String,
    pub legend_title: String,
    /// When `Some(p)`, each département is wrapped in `<a href="{p}{code}">`.
    pub link_prefix: Option<String>,
}

/// An axis-aligned rectangle in canvas units, y down.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    fn clamp(&self, (x, y): (f64, f64)) -> (f64, f64) {
        (
            x.clamp(self.x, self.x + self.w),
            y.clamp(self.y, self.y + self.h),
        )
    }
}

/// One choropleth class: départements with `lo..=hi` reports get `fill`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegendClass {
    pub lo: u64,
    pub hi: u64,
    pub fill: (u8, u8, u8),
    /// "0", "12" or "1–5".
    pub label: String,
}

/// A département as drawn: canvas coordinates, y down, rounded to 0.1.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectedShape {
    pub code: String,
    pub name: String,
    pub value: u64,
    pub fill: (u8, u8, u8),
    /// Closed rings (the closing point is not repeated); use the even-odd fill rule.
    pub rings: Vec<Vec<(f64, f64)>>,
    /// True for the second drawing of a département (the Paris inset repeats 75, 92, 93, 94):
    /// hide it from assistive technology.
    pub duplicate: bool,
}

/// A marker as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectedMarker {
    pub x: f64,
    pub y: f64,
    pub label: String,
    pub status: MarkerStatus,
    pub href: Option<String>,
    /// True for the second drawing of a marker (a Paris marker is drawn in the inset and,
    /// decoratively, on the main map).
    pub duplicate: bool,
}

/// The frame and label of an inset.
#[derive(Debug, Clone, PartialEq)]
pub struct InsetFrame {
    /// "971"… or "paris".
    pub key: String,
    pub label: String,
    pub rect: Rect,
    /// Baseline start of the label.
    pub label_x: f64,
    pub label_y: f64,
}

/// The whole map projected onto a `width` × `height` canvas, y down.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectedMap {
    pub width: f64,
    pub height: f64,
    pub shapes: Vec<ProjectedShape>,
    pub markers: Vec<ProjectedMarker>,
    pub insets: Vec<InsetFrame>,
    /// The zero class first, then the coloured classes from light to dark.
    pub legend: Vec<LegendClass>,
    /// Where the legend goes (nothing else is drawn there).
    pub legend_box: Rect,
    regions: Vec<Region>,
}

impl ProjectedMap {
    /// Projects a WGS84 point with the projection of the first region (Paris inset, metropolitan
    /// France, an overseas inset, or the focused département) that covers it; `None` when no
    /// region covers it.
    pub fn project_point(&self, lon: f64, lat: f64) -> Option<(f64, f64)> {
        self.regions
            .iter()
            .find(|r| r.covers(lon, lat))
            .map(|r| r.project(lon, lat))
    }
}

/// Longitude/latitude bounding box.
#[derive(Debug, Clone, Copy, PartialEq)]
struct BBox {
    min_lon: f64,
    min_lat: f64,
    max_lon: f64,
    max_lat: f64,
}

impl BBox {
    const EMPTY: BBox = BBox {
        min_lon: f64::INFINITY,
        min_lat: f64::INFINITY,
        max_lon: f64::NEG_INFINITY,
        max_lat: f64::NEG_INFINITY,
    };

    fn add(&mut self, lon: f64, lat: f64) {
        if lon.is_finite() && lat.is_finite() {
            self.min_lon = self.min_lon.min(lon);
            self.max_lon = self.max_lon.max(lon);
            self.min_lat = self.min_lat.min(lat);
            self.max_lat = self.max_lat.max(lat);
        }
    }

    fn of(outline: &Outline) -> BBox {
        let mut b = BBox::EMPTY;
        for &(lon, lat) in outline.polygons.iter().flatten().flatten() {
            b.add(lon, lat);
        }
        b
    }

    fn union(&self, other: &BBox) -> BBox {
        let mut b = *self;
        if other.is_valid() {
            b.add(other.min_lon, other.min_lat);
            b.add(other.max_lon, other.max_lat);
        }
        b
    }

    fn is_valid(&self) -> bool {
        self.min_lon <= self.max_lon && self.min_lat <= self.max_lat
    }

    fn contains(&self, lon: f64, lat: f64, margin: f64) -> bool {
        self.is_valid()
            && lon >= self.min_lon - margin
            && lon <= self.max_lon + margin
            && lat >= self.min_lat - margin
            && lat <= self.max_lat + margin
    }

    fn mid_lat(&self) -> f64 {
        (self.min_lat + self.max_lat) / 2.0
    }
}

/// Equirectangular projection fitted (aspect preserved, centred) into a target rectangle.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Fit {
    kx: f64,
    scale: f64,
    x0: f64,
    y_top: f64,
    ox: f64,
    oy: f64,
}

impl Fit {
    fn new(b: &BBox, standard_parallel: f64, target: Rect) -> Fit {
        let kx = standard_parallel.to_radians().cos().max(0.05);
        let pw = ((b.max_lon - b.min_lon) * kx).max(1e-9);
        let ph = (b.max_lat - b.min_lat).max(1e-9);
        let scale = (target.w / pw).min(target.h / ph);
        Fit {
            kx,
            scale,
            x0: b.min_lon * kx,
            y_top: b.max_lat,
            ox: target.x + (target.w - pw * scale) / 2.0,
            oy: target.y + (target.h - ph * scale) / 2.0,
        }
    }

    fn apply(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            self.ox + (lon * self.kx - self.x0) * self.scale,
            self.oy + (self.y_top - lat) * self.scale,
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Region {
    fit: Fit,
    bbox: BBox,
    /// Degrees around `bbox` in which markers are still placed in this region.
    margin: f64,
    target: Rect,
    /// Indices into `MapData::outlines`.
    outlines: Vec<usize>,
    duplicate_shapes: bool,
}

impl Region {
    fn covers(&self, lon: f64, lat: f64) -> bool {
        self.bbox.contains(lon, lat, self.margin)
    }

    fn project(&self, lon: f64, lat: f64) -> (f64, f64) {
        self.target.clamp(self.fit.apply(lon, lat))
    }
}

struct Layout {
    metro: Rect,
    focus: Rect,
    /// Paris first, then the overseas départements in `OVERSEAS_CODES` order.
    slots: [Rect; 6],
    legend: Rect,
}

fn layout(width: f64, height: f64) -> Layout {
    let m = 0.01 * width.min(height);
    let legend_h = 0.09 * height;
    let col_w = 0.16 * width;
    let col_h = height - legend_h - 2.0 * m;
    let box_h = (col_h - 5.0 * m) / 6.0;
    let mut slots = [Rect {
        x: 0.0,
        y: 0.0,
        w: 0.0,
        h: 0.0,
    }; 6];
    for (i, slot) in slots.iter_mut().enumerate() {
        *slot = Rect {
            x: m,
            y: m + i as f64 * (box_h + m),
            w: col_w,
            h: box_h,
        };
    }
    Layout {
        metro: Rect {
            x: col_w + 2.0 * m,
            y: m,
            w: width - col_w - 3.0 * m,
            h: col_h,
        },
        focus: Rect {
            x: m,
            y: m,
            w: width - 2.0 * m,
            h: col_h,
        },
        slots,
        legend: Rect {
            x: m,
            y: height - legend_h,
            w: width - 2.0 * m,
            h: legend_h - m,
        },
    }
}

/// Fallback extent of metropolitan France when no metropolitan outline is given.
const METRO_DEFAULT: BBox = BBox {
    min_lon: -5.2,
    min_lat: 41.3,
    max_lon: 9.6,
    max_lat: 51.1,
};

fn is_metropolitan(code: &str, b: &BBox) -> bool {
    !OVERSEAS_CODES.contains(&code)
        && b.is_valid()
        && BBox {
            min_lon: -6.0,
            min_lat: 41.0,
            max_lon: 10.5,
            max_lat: 51.6,
        }
        .contains((b.min_lon + b.max_lon) / 2.0, b.mid_lat(), 0.0)
}

/// The inset rectangle inside a slot: the frame, the label baseline, and the content area.
fn inset_parts(slot: Rect, key: &str, label: &str) -> (InsetFrame, Rect) {
    let label_h = (slot.h * 0.2)
        .min(FONT_SIZE * 1.6 * slot.h / 100.0)
        .max(1.0);
    let pad = slot.h * 0.05;
    let frame = InsetFrame {
        key: key.to_owned(),
        label: label.to_owned(),
        rect: slot,
        label_x: slot.x + pad,
        label_y: slot.y + label_h * 0.8,
    };
    let content = Rect {
        x: slot.x + pad,
        y: slot.y + label_h + pad * 0.5,
        w: (slot.w - 2.0 * pad).max(0.0),
        h: (slot.h - label_h - 1.5 * pad).max(0.0),
    };
    (frame, content)
}

fn sane_dimension(v: f64, fallback: f64) -> f64 {
    if v.is_finite() && v >= 10.0 {
        v.min(1e7)
    } else {
        fallback
    }
}

/// Projects the map onto a `width` × `height` canvas (y down): départements, markers, inset
/// frames, legend classes. [`render`] draws exactly this on an 800 × 760 canvas.
pub fn project(data: &MapData, width: f64, height: f64) -> ProjectedMap {
    let width = sane_dimension(width, VIEW_WIDTH);
    let height = sane_dimension(height, VIEW_HEIGHT);
    let lay = layout(width, height);
    let legend = classify(&data.values);
    let bboxes: Vec<BBox> = data.outlines.iter().map(BBox::of).collect();
    let mut regions = Vec::new();
    let mut insets = Vec::new();

    if let Some(focus) = &data.focus {
        if let Some(i) = data.outlines.iter().position(|o| &o.code == focus) {
            if let Some(b) = bboxes.get(i).filter(|b| b.is_valid()) {
                regions.push(Region {
                    fit: Fit::new(b, b.mid_lat(), lay.focus),
                    bbox: *b,
                    margin: 0.0,
                    target: lay.focus,
                    outlines: vec![i],
                    duplicate_shapes: false,
                });
            }
        }
    } else {
        // Paris inset first: it is the primary place of Paris markers.
        let paris: Vec<usize> = data
            .outlines
            .iter()
            .enumerate()
            .filter(|(i, o)| {
                PARIS_CODES.contains(&o.code.as_str()) && bboxes.get(*i).is_some_and(BBox::is_valid)
            })
            .map(|(i, _)| i)
            .collect();
        if !paris.is_empty() {
            let b = paris
                .iter()
                .filter_map(|&i| bboxes.get(i))
                .fold(BBox::EMPTY, |acc, b| acc.union(b));
            let (frame, content) = inset_parts(lay.slots[0], "paris", PARIS_INSET_LABEL);
            insets.push(frame);
            regions.push(Region {
                fit: Fit::new(&b, b.mid_lat(), content),
                bbox: b,
                margin: 0.0,
                target: content,
                outlines: paris,
                duplicate_shapes: true,
            });
        }

        let metro: Vec<usize> = data
            .outlines
            .iter()
            .enumerate()
            .filter(|(i, o)| bboxes.get(*i).is_some_and(|b| is_metropolitan(&o.code, b)))
            .map(|(i, _)| i)
            .collect();
        let mut b = metro
            .iter()
            .filter_map(|&i| bboxes.get(i))
            .fold(BBox::EMPTY, |acc, b| acc.union(b));
        if !b.is_valid() {
            b = METRO_DEFAULT;
        }
        regions.push(Region {
            fit: Fit::new(&b, METRO_STANDARD_PARALLEL, lay.metro),
            bbox: b,
            margin: 0.05,
            target: lay.metro,
            outlines: metro,
            duplicate_shapes: false,
        });

        for (slot_index, code) in OVERSEAS_CODES.iter().enumerate() {
            let Some(i) = data.outlines.iter().position(|o| o.code == *code) else {
                continue;
            };
            let Some(b) = bboxes.get(i).filter(|b| b.is_valid()) else {
                continue;
            };
            let Some(slot) = lay.slots.get(slot_index + 1) else {
                continue;
            };
            let name = data.outlines.get(i).map_or("", |o| o.name.as_str());
            let (frame, content) = inset_parts(*slot, code, name);
            insets.push(frame);
            regions.push(Region {
                fit: Fit::new(b, b.mid_lat(), content),
                bbox: *b,
                margin: 0.3,
                target: content,
                outlines: vec![i],
                duplicate_shapes: false,
            });
        }
    }

    let mut shapes = Vec::new();
    for region in &regions {
        for &i in &region.outlines {
            let Some(outline) = data.outlines.get(i) else {
                continue;
            };
            let value = data.values.get(&outline.code).copied().unwrap_or(0);
            shapes.push(ProjectedShape {
                code: outline.code.clone(),
                name: outline.name.clone(),
                value,
                fill: class_fill(&legend, value),
                rings: project_rings(outline, region),
                duplicate: region.duplicate_shapes,
            });
        }
    }

    let mut markers = Vec::new();
    for m in &data.markers {
        if !(m.lat.is_finite() && m.lon.is_finite()) {
            continue;
        }
        let mut first = true;
        for region in regions.iter().filter(|r| r.covers(m.lon, m.lat)) {
            let (x, y) = region.project(m.lon, m.lat);
            markers.push(ProjectedMarker {
                x: round1(x),
                y: round1(y),
                label: m.label.clone(),
                status: m.status,
                href: m.href.clone(),
                duplicate: !first,
            });
            first = false;
        }
    }

    ProjectedMap {
        width,
        height,
        shapes,
        markers,
        insets,
        legend,
        legend_box: lay.legend,
        regions,
    }
}

/// The départements of [`project`], projected onto a `width` × `height` canvas, y down.
pub fn projected_paths(data: &MapData, width: f64, height: f64) -> Vec<ProjectedShape> {
    project(data, width, height).shapes
}

/// The markers of [`project`], projected onto a `width` × `height` canvas, y down.
pub fn projected_markers(data: &MapData, width: f64, height: f64) -> Vec<ProjectedMarker> {
    project(data, width, height).markers
}

fn round1(v: f64) -> f64 {
    let r = (v * 10.0).round() / 10.0;
    if r == 0.0 {
        0.0 // no "-0"
    } else {
        r
    }
}

fn project_rings(outline: &Outline, region: &Region) -> Vec<Vec<(f64, f64)>> {
    let mut rings = Vec::new();
    for ring in outline.polygons.iter().flatten() {
        let mut out: Vec<(f64, f64)> = Vec::with_capacity(ring.len());
        for &(lon, lat) in ring {
            if !(lon.is_finite() && lat.is_finite()) {
                continue;
            }
            let (x, y) = region.project(lon, lat);
            let p = (round1(x), round1(y));
            if out.last() != Some(&p) {
                out.push(p);
            }
        }
        while out.len() > 1 && out.first() == out.last() {
            out.pop();
        }
        if out.len() >= 3 {
            rings.push(out);
        }
    }
    rings
}

/// The choropleth classes for these values: the neutral zero class first, then up to five
/// coloured classes, contiguous from 1 to the maximum, lighter for fewer reports. Bounds are the
/// quintiles of the positive values rounded up to two significant digits (each distinct value
/// gets its own class when there are at most five).
pub fn classify(values: &BTreeMap<String, u64>) -> Vec<LegendClass> {
    let mut classes = vec![LegendClass {
        lo: 0,
        hi: 0,
        fill: ZERO_FILL,
        label: "0".to_owned(),
    }];
    let mut positive: Vec<u64> = values.values().copied().filter(|&v| v > 0).collect();
    positive.sort_unstable();
    let Some(&max) = positive.last() else {
        return classes;
    };
    let mut distinct = positive.clone();
    distinct.dedup();
    let uppers: Vec<u64> = if distinct.len() <= PALETTE.len() {
        distinct
    } else {
        let n = positive.len();
        let mut bounds: Vec<u64> = (1..PALETTE.len())
            .filter_map(|q| {
                let idx = (q * n).div_ceil(PALETTE.len()).saturating_sub(1);
                positive.get(idx).map(|&v| round_up_2_digits(v))
            })
            .filter(|&b| b < max)
            .collect();
        bounds.dedup();
        bounds.push(max);
        bounds
    };
    let k = uppers.len();
    let mut lo = 1u64;
    for (i, &hi) in uppers.iter().enumerate() {
        let palette_index = if k <= 1 {
            PALETTE.len() / 2
        } else {
            (i * (PALETTE.len() - 1) + (k - 1) / 2) / (k - 1)
        };
        let fill = PALETTE
            .get(palette_index)
            .copied()
            .unwrap_or(PALETTE[PALETTE.len() - 1]);
        let label = if lo == hi {
            lo.to_string()
        } else {
            format!("{lo}–{hi}")
        };
        classes.push(LegendClass {
            lo,
            hi,
            fill,
            label,
        });
        lo = hi.saturating_add(1);
    }
    classes
}

fn round_up_2_digits(v: u64) -> u64 {
    if v < 100 {
        return v;
    }
    let digits = v.ilog10() + 1;
    let unit = 10u64.pow(digits - 2);
    v.div_ceil(unit).checked_mul(unit).unwrap_or(v)
}

/// The fill of the class containing `value` (the darkest one beyond the last class).
pub fn class_fill(classes: &[LegendClass], value: u64) -> (u8, u8, u8) {
    classes
        .iter()
        .find(|c| c.lo <= value && value <= c.hi)
        .or_else(|| classes.last())
        .map_or(ZERO_FILL, |c| c.fill)
}

/// Escapes text for XML content and attribute values (`& < > " '`), and drops the characters
/// XML 1.0 forbids (control characters other than tab, newline and carriage return).
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A number with at most one decimal, without a trailing ".0", never "NaN" or "inf".
pub(crate) fn num(v: f64) -> String {
    let r = round1(v);
    if !r.is_finite() {
        "0".to_owned()
    } else if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

pub(crate) fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// FNV-1a, to derive element ids that differ between two maps or charts on the same page.
pub(crate) fn id_hash(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

fn path_data(rings: &[Vec<(f64, f64)>]) -> String {
    let mut d = String::new();
    for ring in rings {
        for (i, &(x, y)) in ring.iter().enumerate() {
            let sep = if i == 0 { "M" } else { " " };
            let _ = write!(d, "{sep}{} {}", num(x), num(y));
        }
        d.push('Z');
    }
    d
}

/// Renders the map as a standalone inline `<svg>` element (no XML prolog), 800 × 760 viewBox,
/// with presentation attributes only (no `style`, no script). It is `role="img"` unless it
/// contains links (`link_prefix` or marker `href`), in which case it is `role="group"` so that
/// the links stay reachable by assistive technology.
pub fn render(data: &MapData) -> String {
    let pm = project(data, VIEW_WIDTH, VIEW_HEIGHT);
    let focus = data.focus.as_deref().unwrap_or("");
    let id = format!(
        "vigie-map-{:016x}",
        id_hash(&[
            &data.title,
            &data.desc,
            focus,
            &data.outlines.len().to_string()
        ])
    );
    let interactive = data.link_prefix.is_some() || pm.markers.iter().any(|m| m.href.is_some());
    let role = if interactive { "group" } else { "img" };
    let mut s = String::with_capacity(96 * 1024);
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="{role}" aria-labelledby="{id}-title {id}-desc" font-family="sans-serif" font-size="{fs}">"#,
        w = num(VIEW_WIDTH),
        h = num(VIEW_HEIGHT),
        fs = num(FONT_SIZE),
    );
    let _ = write!(
        s,
        r#"<title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        xml_escape(&data.title),
        xml_escape(&data.desc)
    );

    // Inset frames and labels, under the shapes.
    for f in &pm.insets {
        let _ = write!(
            s,
            r##"<g data-inset="{key}"><rect x="{x}" y="{y}" width="{w}" height="{h}" fill="#ffffff" stroke="{FRAME}" stroke-width="1"/><text x="{lx}" y="{ly}" fill="{TEXT}">{label}</text></g>"##,
            key = xml_escape(&f.key),
            x = num(f.rect.x),
            y = num(f.rect.y),
            w = num(f.rect.w),
            h = num(f.rect.h),
            lx = num(f.label_x),
            ly = num(f.label_y),
            label = xml_escape(&f.label),
        );
    }

    let _ = write!(
        s,
        r#"<g stroke="{BORDER}" stroke-width="0.4" stroke-linejoin="round" fill-rule="evenodd">"#
    );
    for shape in &pm.shapes {
        let tip = xml_escape(&format!("{} ({}): {}", shape.name, shape.code, shape.value));
        let path = format!(
            r#"<path d="{d}" fill="{fill}" data-code="{code}"><title>{tip}</title></path>"#,
            d = path_data(&shape.rings),
            fill = hex(shape.fill),
            code = xml_escape(&shape.code),
        );
        match &data.link_prefix {
            Some(prefix) => {
                let href = xml_escape(&format!("{prefix}{}", shape.code));
                if shape.duplicate {
                    let _ = write!(
                        s,
                        r#"<a href="{href}" tabindex="-1" aria-hidden="true">{path}</a>"#
                    );
                } else {
                    let _ = write!(s, r#"<a href="{href}" aria-label="{tip}">{path}</a>"#);
                }
            }
            None if shape.duplicate => {
                let _ = write!(s, r#"<g aria-hidden="true">{path}</g>"#);
            }
            None => s.push_str(&path),
        }
    }
    s.push_str("</g>");

    if !pm.markers.is_empty() {
        s.push_str("<g>");
        for m in &pm.markers {
            write_marker(&mut s, m);
        }
        s.push_str("</g>");
    }

    write_legend(&mut s, &pm, &data.legend_title);
    s.push_str("</svg>");
    s
}

fn marker_symbol(m: &ProjectedMarker) -> String {
    let (x, y, r) = (m.x, m.y, MARKER_RADIUS);
    match m.status {
        MarkerStatus::Active => format!(
            r##"<circle cx="{}" cy="{}" r="{}" fill="{MARKER}" stroke="#ffffff" stroke-width="1.5"/>"##,
            num(x),
            num(y),
            num(r)
        ),
        MarkerStatus::Moved => format!(
            r##"<circle cx="{}" cy="{}" r="{}" fill="#ffffff" stroke="{MARKER}" stroke-width="2"/>"##,
            num(x),
            num(y),
            num(r)
        ),
        MarkerStatus::Dismantled => {
            let d = format!(
                "M{} {}L{} {}M{} {}L{} {}",
                num(x - r),
                num(y - r),
                num(x + r),
                num(y + r),
                num(x + r),
                num(y - r),
                num(x - r),
                num(y + r)
            );
            format!(
                r##"<path d="{d}" fill="none" stroke="#ffffff" stroke-width="4.5" stroke-linecap="round"/><path d="{d}" fill="none" stroke="{MARKER}" stroke-width="2.2" stroke-linecap="round"/>"##
            )
        }
    }
}

fn write_marker(s: &mut String, m: &ProjectedMarker) {
    let symbol = marker_symbol(m);
    if m.duplicate {
        let _ = write!(s, r#"<g aria-hidden="true">{symbol}</g>"#);
        return;
    }
    let label = xml_escape(&m.label);
    match &m.href {
        Some(href) => {
            let _ = write!(
                s,
                r#"<a href="{}" aria-label="{label}"><title>{label}</title>{symbol}</a>"#,
                xml_escape(href)
            );
        }
        None => {
            let _ = write!(s, r#"<g><title>{label}</title>{symbol}</g>"#);
        }
    }
}

fn write_legend(s: &mut String, pm: &ProjectedMap, title: &str) {
    let b = pm.legend_box;
    let _ = write!(s, r#"<g data-legend="" fill="{TEXT}">"#);
    let _ = write!(
        s,
        r#"<text x="{}" y="{}" font-size="13" font-weight="bold">{}</text>"#,
        num(b.x),
        num(b.y + 14.0),
        xml_escape(title)
    );
    let item_w = b.w / (PALETTE.len() + 1) as f64;
    let sw = 16.0;
    let top = b.y + 26.0;
    for (i, c) in pm.legend.iter().enumerate() {
        let x = b.x + i as f64 * item_w;
        let _ = write!(
            s,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="{BORDER}" stroke-width="0.5"/><text x="{}" y="{}">{}</text>"#,
            num(x),
            num(top),
            num(sw),
            num(sw),
            hex(c.fill),
            num(x + sw + 6.0),
            num(top + 12.5),
            xml_escape(&c.label)
        );
    }
    s.push_str("</g>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    const GEOJSON: &str = "../../../shared/geo/departements.geojson";

    fn outlines() -> &'static Vec<Outline> {
        static CELL: OnceLock<Vec<Outline>> = OnceLock::new();
        CELL.get_or_init(|| {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(GEOJSON);
            let text = std::fs::read_to_string(&path).expect("the GeoJSON file must exist");
            parse_feature_collection(&text).expect("the GeoJSON file must parse")
        })
    }

    fn data() -> MapData {
        MapData {
            outlines: outlines().clone(),
            title: "Signalements par département".into(),
            desc: "Carte choroplèthe".into(),
            legend_title: "Signalements".into(),
            ..MapData::default()
        }
    }

    fn count(hay: &str, needle: &str) -> usize {
        hay.matches(needle).count()
    }

    fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
        0.2126 * f64::from(r) + 0.7152 * f64::from(g) + 0.0722 * f64::from(b)
    }

    #[test]
    fn parses_the_real_file() {
        let o = outlines();
        assert_eq!(o.len(), 101);
        for code in ["01", "2A", "2B", "75", "971", "972", "973", "974", "976"] {
            assert!(o.iter().any(|x| x.code == code), "{code} missing");
        }
        let reunion = o.iter().find(|x| x.code == "974").expect("974");
        assert_eq!(reunion.name, "La Réunion");
        assert!(o.iter().all(|x| !x.polygons.is_empty()));
    }

    #[test]
    fn parse_geometry_polygon_and_multipolygon() {
        let p = parse_geometry(
            "75",
            "Paris",
            r#"{"type":"Polygon","coordinates":[[[2.2,48.8],[2.4,48.8],[2.3,48.9],[2.2,48.8]]]}"#,
        )
        .expect("polygon");
        assert_eq!(p.polygons.len(), 1);
        assert_eq!(p.polygons[0][0].len(), 4);
        let m = parse_geometry(
            "971",
            "Guadeloupe",
            r#"{"type":"MultiPolygon","coordinates":[[[[1,2],[2,2],[2,3]]],[[[5,5],[6,5],[6,6]],[[5.1,5.1],[5.2,5.1],[5.2,5.2]]]]}"#,
        )
        .expect("multipolygon");
        assert_eq!(m.polygons.len(), 2);
        assert_eq!(m.polygons[1].len(), 2);
    }

    #[test]
    fn parse_errors_are_clear() {
        let e = parse_geometry("x", "x", "not json").expect_err("json");
        assert!(matches!(e, MapError::Json(_)));
        let e =
            parse_geometry("x", "x", r#"{"type":"Point","coordinates":[1,2]}"#).expect_err("point");
        assert_eq!(e, MapError::UnsupportedGeometry("Point".into()));
        assert!(e.to_string().contains("Point"));
        let e = parse_geometry(
            "x",
            "x",
            r#"{"type":"Polygon","coordinates":[[[1,2],[2,"a"],[3,4]]]}"#,
        )
        .expect_err("bad coordinate");
        assert!(matches!(e, MapError::InvalidCoordinate(_)));
        let e = parse_geometry(
            "x",
            "x",
            r#"{"type":"Polygon","coordinates":[[[1,2],[2,3]]]}"#,
        )
        .expect_err("short ring");
        assert!(matches!(e, MapError::Structure(_)));
        let e = parse_feature_collection(
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"01"},"geometry":null}]}"#,
        )
        .expect_err("no nom");
        assert!(matches!(e, MapError::InFeature { index: 0, .. }));
        assert!(std::error::Error::source(&e).is_some());
    }

    #[test]
    fn renders_every_departement_insets_and_legend() {
        let mut d = data();
        d.values.insert("13".into(), 40);
        d.values.insert("59".into(), 3);
        let svg = render(&d);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains(r#"viewBox="0 0 800 760""#));
        assert!(svg.contains(r#"role="img""#));
        // 101 départements, plus 75, 92, 93, 94 repeated in the Paris inset.
        assert_eq!(count(&svg, "data-code="), 105);
        for code in outlines().iter().map(|o| &o.code) {
            assert!(svg.contains(&format!("data-code=\"{code}\"")), "{code}");
        }
        for key in ["paris", "971", "972", "973", "974", "976"] {
            assert!(svg.contains(&format!("data-inset=\"{key}\"")), "{key}");
        }
        assert!(svg.contains(">La Réunion</text>"));
        assert!(svg.contains("Bouches-du-Rhône (13): 40</title>"));
        assert!(svg.contains("Côtes-d&#39;Armor (22): 0</title>"));
        assert!(svg.contains("data-legend"));
        assert!(svg.contains(">Signalements</text>"));
        assert!(svg.contains(">0</text>"));
        assert!(svg.contains(">4–40</text>"));
        assert!(!svg.contains("style="));
        assert!(!svg.contains("<script"));
        assert!(!svg.contains("NaN"));
        assert!(!svg.contains("inf"));
        assert!(svg.len() < 200_000, "SVG is {} bytes", svg.len());
        let id_title = svg.find("<title id=\"").expect("title");
        let id_desc = svg.find("<desc id=\"").expect("desc");
        assert!(id_title < id_desc);
    }

    #[test]
    fn markers_are_escaped_and_drawn_by_status() {
        let mut d = data();
        d.markers = vec![
            Marker {
                lat: 43.3,
                lon: 5.4,
                label: r#"<b>&"'"#.into(),
                status: MarkerStatus::Active,
                href: None,
            },
            Marker {
                lat: 45.76,
                lon: 4.84,
                label: "Lyon".into(),
                status: MarkerStatus::Dismantled,
                href: Some("/spots/1?a=1&b=2".into()),
            },
            Marker {
                lat: 16.25,
                lon: -61.5,
                label: "Pointe-à-Pitre".into(),
                status: MarkerStatus::Moved,
                href: None,
            },
        ];
        let svg = render(&d);
        assert!(svg.contains("<title>&lt;b&gt;&amp;&quot;&#39;</title>"));
        assert!(!svg.contains("<b>"));
        assert!(svg.contains(r#"href="/spots/1?a=1&amp;b=2""#));
        assert!(svg.contains(r#"role="group""#));
        assert!(svg.contains("<title>Pointe-à-Pitre</title>"));
        let pm = project(&d, VIEW_WIDTH, VIEW_HEIGHT);
        assert_eq!(pm.markers.len(), 3);
        // The Guadeloupe marker is inside the Guadeloupe inset.
        let frame = pm.insets.iter().find(|f| f.key == "971").expect("971");
        let m = &pm.markers[2];
        assert!(m.x >= frame.rect.x && m.x <= frame.rect.x + frame.rect.w);
        assert!(m.y >= frame.rect.y && m.y <= frame.rect.y + frame.rect.h);
    }

    #[test]
    fn paris_marker_is_in_the_inset_and_repeated_on_the_main_map() {
        let mut d = data();
        d.markers = vec![Marker {
            lat: 48.8566,
            lon: 2.3522,
            label: "Châtelet".into(),
            status: MarkerStatus::Active,
            href: None,
        }];
        let pm = project(&d, VIEW_WIDTH, VIEW_HEIGHT);
        assert_eq!(pm.markers.len(), 2);
        assert!(!pm.markers[0].duplicate);
        assert!(pm.markers[1].duplicate);
        let frame = pm.insets.iter().find(|f| f.key == "paris").expect("paris");
        assert!(pm.markers[0].x <= frame.rect.x + frame.rect.w);
        let svg = render(&d);
        assert_eq!(count(&svg, "<title>Châtelet</title>"), 1);
    }

    #[test]
    fn markers_outside_france_are_dropped() {
        let mut d = data();
        for (lat, lon) in [
            (0.0, 0.0),
            (90.0, 180.0),
            (-90.0, -180.0),
            (f64::NAN, 2.0),
            (48.0, f64::INFINITY),
            (1e308, -1e308),
            (40.4, -3.7), // Madrid
        ] {
            d.markers.push(Marker {
                lat,
                lon,
                label: "x".into(),
                status: MarkerStatus::Moved,
                href: None,
            });
        }
        let pm = project(&d, VIEW_WIDTH, VIEW_HEIGHT);
        assert!(pm.markers.is_empty());
        let svg = render(&d);
        assert!(!svg.contains("NaN"));
    }

    #[test]
    fn more_reports_get_a_darker_class() {
        let mut d = data();
        for (i, o) in outlines().iter().enumerate() {
            d.values.insert(o.code.clone(), i as u64 * 7);
        }
        d.values.insert("13".into(), 5000);
        d.values.insert("48".into(), 2);
        let shapes = projected_paths(&d, VIEW_WIDTH, VIEW_HEIGHT);
        let fill = |code: &str| {
            shapes
                .iter()
                .find(|s| s.code == code)
                .map(|s| s.fill)
                .expect("shape")
        };
        assert!(luminance(fill("13")) < luminance(fill("48")));
        assert_eq!(fill("13"), PALETTE[4]);
        assert_eq!(fill("48"), PALETTE[0]);
        let zero = d
            .values
            .iter()
            .find(|(_, v)| **v == 0)
            .map(|(c, _)| c.clone());
        assert_eq!(fill(&zero.expect("a zero")), ZERO_FILL);
        let classes = classify(&d.values);
        assert_eq!(classes.len(), 6);
        // Contiguous, increasing, ending at the maximum.
        for w in classes.windows(2) {
            assert_eq!(w[0].hi + 1, w[1].lo);
            assert!(luminance(w[1].fill) < luminance(w[0].fill) || w[0].lo == 0);
        }
        assert_eq!(classes.last().map(|c| c.hi), Some(5000));
    }

    #[test]
    fn few_values_get_their_own_classes() {
        let mut v = BTreeMap::new();
        assert_eq!(classify(&v).len(), 1);
        v.insert("01".to_string(), 3);
        let c = classify(&v);
        assert_eq!(c.len(), 2);
        assert_eq!(c[1].label, "1–3");
        v.insert("02".to_string(), 9);
        let c = classify(&v);
        assert_eq!(c.len(), 3);
        assert_eq!(c[2].label, "4–9");
        assert_eq!(c[2].fill, PALETTE[4]);
        v.insert("03".to_string(), u64::MAX);
        assert_eq!(classify(&v).len(), 4);
    }

    #[test]
    fn focus_draws_only_the_focused_departement() {
        let mut d = data();
        d.focus = Some("2A".into());
        d.markers = vec![
            Marker {
                lat: 41.92,
                lon: 8.74,
                label: "Ajaccio".into(),
                status: MarkerStatus::Active,
                href: None,
            },
            Marker {
                lat: 48.85,
                lon: 2.35,
                label: "Paris".into(),
                status: MarkerStatus::Active,
                href: None,
            },
        ];
        d.link_prefix = Some("/departements/".into());
        let svg = render(&d);
        assert_eq!(count(&svg, "data-code="), 1);
        assert!(svg.contains(r#"data-code="2A""#));
        assert!(svg.contains(r#"href="/departements/2A""#));
        assert!(!svg.contains("data-inset"));
        assert!(svg.contains("<title>Ajaccio</title>"));
        assert!(!svg.contains("<title>Paris</title>"));
        // Fitted to the canvas: the shape spans most of the width or of the height.
        let shapes = projected_paths(&d, VIEW_WIDTH, VIEW_HEIGHT);
        let (mut min_x, mut max_x, mut min_y, mut max_y) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(x, y) in shapes[0].rings.iter().flatten() {
            min_x = min_x.min(x);
            max_x = max_x.max(x);
            min_y = min_y.min(y);
            max_y = max_y.max(y);
        }
        assert!(max_x - min_x > 700.0 || max_y - min_y > 600.0);
        // An unknown focus draws no département, and does not fail.
        d.focus = Some("99".into());
        assert_eq!(count(&render(&d), "data-code="), 0);
    }

    #[test]
    fn overseas_focus_uses_a_local_projection() {
        let mut d = data();
        d.focus = Some("973".into());
        let shapes = projected_paths(&d, 400.0, 300.0);
        assert_eq!(shapes.len(), 1);
        assert!(shapes[0].rings.iter().map(Vec::len).sum::<usize>() > 50);
    }

    #[test]
    fn empty_data_renders() {
        let svg = render(&MapData::default());
        assert!(svg.contains("<title id="));
        assert!(svg.contains("data-legend"));
        let svg = render(&MapData {
            outlines: vec![Outline {
                code: "x".into(),
                name: "x".into(),
                polygons: vec![vec![vec![(f64::NAN, 1.0), (2.0, f64::INFINITY)]], vec![]],
            }],
            ..MapData::default()
        });
        assert!(!svg.contains("NaN"));
    }

    #[test]
    fn escape_drops_forbidden_characters() {
        assert_eq!(xml_escape("a\u{0}b\u{1b}c\td"), "abc\td");
        assert_eq!(
            xml_escape("l'Hérault & <x>"),
            "l&#39;Hérault &amp; &lt;x&gt;"
        );
        assert_eq!(num(-0.04), "0");
        assert_eq!(num(1.25), "1.3");
        assert_eq!(num(f64::NAN), "0");
    }

    proptest! {
        #[test]
        fn parse_geometry_never_panics(s in ".{0,200}") {
            let _ = parse_geometry("x", "y", &s);
            let _ = parse_feature_collection(&s);
        }

        #[test]
        fn parse_geometry_never_panics_on_near_geojson(
            kind in prop_oneof![Just("Polygon"), Just("MultiPolygon"), Just("Point"), Just("")],
            coords in "[\\[\\]0-9.,eE+-]{0,80}",
        ) {
            let text = format!(r#"{{"type":"{kind}","coordinates":{coords}}}"#);
            let _ = parse_geometry("x", "y", &text);
        }

        #[test]
        fn projected_outlines_stay_in_the_view_box(
            width in 50.0f64..2000.0,
            height in 50.0f64..2000.0,
            focus in proptest::option::of(0usize..101),
            values in proptest::collection::vec(0u64..100_000, 101),
        ) {
            let mut d = data();
            d.focus = focus.and_then(|i| outlines().get(i)).map(|o| o.code.clone());
            d.values = outlines().iter().zip(values).map(|(o, v)| (o.code.clone(), v)).collect();
            let pm = project(&d, width, height);
            prop_assert!(!pm.shapes.is_empty());
            for s in &pm.shapes {
                for &(x, y) in s.rings.iter().flatten() {
                    prop_assert!((0.0..=width).contains(&x) && (0.0..=height).contains(&y),
                        "{} at ({x}, {y}) outside {width}x{height}", s.code);
                }
            }
        }

        #[test]
        fn any_markers_stay_in_the_view_box(
            pts in proptest::collection::vec((-200.0f64..200.0, -100.0f64..100.0), 0..30),
        ) {
            let mut d = data();
            d.markers = pts.iter().map(|&(lon, lat)| Marker {
                lat, lon, label: "m".into(), status: MarkerStatus::Active, href: None,
            }).collect();
            let pm = project(&d, VIEW_WIDTH, VIEW_HEIGHT);
            for m in &pm.markers {
                prop_assert!((0.0..=VIEW_WIDTH).contains(&m.x) && (0.0..=VIEW_HEIGHT).contains(&m.y));
            }
            let svg = render(&d);
            prop_assert!(!svg.contains("NaN"));
        }
    }
}
