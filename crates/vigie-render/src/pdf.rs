//! The dossier as a PDF, written by hand: a small document model (headings, paragraphs,
//! label → value tables, small print, vector drawings, page breaks) laid out on A4 pages and
//! serialised as an uncompressed PDF 1.4 file.
//!
//! No PDF crate: the standard 14 fonts Helvetica and Helvetica-Bold are used with
//! `/WinAnsiEncoding`, so nothing is embedded; French text is mapped from Unicode to WinAnsi
//! bytes (anything outside becomes `?`) and wrapped with the fonts' real AFM glyph widths.
//! Every page gets "page N / M" at the bottom. Any input string yields a valid file: control
//! characters and emoji become `?`, words too long for a line are broken by characters, and
//! non-finite drawing coordinates are drawn as 0.
//!
//! ```
//! use vigie_render::pdf::{Document, Drawing, Shape};
//! let pdf = Document::new("Dossier 42", "fr")
//!     .heading("Sûreté départementale")
//!     .key_values(&[("Commune".to_string(), "Saint-Denis".to_string())])
//!     .paragraph("Signalement de « guetteurs » en bas de l’immeuble.")
//!     .drawing(Drawing {
//!         width: 100.0,
//!         height: 50.0,
//!         shapes: vec![Shape::Circle { x: 50.0, y: 25.0, r: 5.0, fill: (200, 30, 30) }],
//!     })
//!     .small("Diffusion restreinte")
//!     .to_pdf();
//! assert!(pdf.starts_with(b"%PDF-1.4"));
//! ```

use std::fmt::Write as _;

/// A4 width in PostScript points.
pub const PAGE_WIDTH: f64 = 595.28;
/// A4 height in PostScript points.
pub const PAGE_HEIGHT: f64 = 841.89;
/// 2 cm, in points.
pub const MARGIN: f64 = 56.69;

const CONTENT_WIDTH: f64 = PAGE_WIDTH - 2.0 * MARGIN;
const TOP: f64 = PAGE_HEIGHT - MARGIN;
const BOTTOM: f64 = MARGIN;
const CONTENT_HEIGHT: f64 = TOP - BOTTOM;

const BODY_SIZE: f64 = 10.0;
const BODY_LEADING: f64 = 13.5;
const HEADING_SIZE: f64 = 14.0;
const HEADING_LEADING: f64 = 18.0;
const SMALL_SIZE: f64 = 8.0;
const SMALL_LEADING: f64 = 10.0;
const FOOTER_SIZE: f64 = 8.0;
/// Share of the content width given to the labels of a key → value table.
const LABEL_SHARE: f64 = 0.32;
const COLUMN_GAP: f64 = 10.0;
const ROW_PAD: f64 = 3.0;

/// An RGB colour, 0–255 per channel.
pub type Rgb = (u8, u8, u8);

/// A vector figure in its own y-down coordinate space of `width × height` units; it is scaled
/// to the page's content width (or less, so that it fits on one page) and centred.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawing {
    pub width: f64,
    pub height: f64,
    pub shapes: Vec<Shape>,
}

/// One element of a [`Drawing`], in the drawing's coordinates (y grows downwards).
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// Filled and stroked polygon; each ring is closed automatically (non-zero winding rule).
    Polygon {
        rings: Vec<Vec<(f64, f64)>>,
        fill: Rgb,
        stroke: Rgb,
    },
    /// Filled disc of radius `r` centred on (`x`, `y`).
    Circle { x: f64, y: f64, r: f64, fill: Rgb },
    /// One line of Helvetica, black, baseline starting at (`x`, `y`); `size` in drawing units.
    Text {
        x: f64,
        y: f64,
        size: f64,
        text: String,
    },
}

/// One piece of a [`Document`], laid out top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Bold title, kept with the start of what follows.
    Heading(String),
    /// Body text; `\n` starts a new line.
    Paragraph(String),
    /// Two-column table of label → value; long labels and values wrap.
    KeyValues(Vec<(String, String)>),
    /// Small grey print: handling code, "diffusion restreinte", sources.
    Small(String),
    /// Vector figure (map, chart).
    Drawing(Drawing),
    /// Start a new page (ignored when the current page is still empty).
    PageBreak,
}

/// A document to render as PDF. Build it with [`Document::new`] and the chaining methods, then
/// call [`Document::to_pdf`].
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Goes into the document information (`/Title`), shown by viewers in the title bar.
    pub title: String,
    /// BCP 47 language tag for `/Lang`, e.g. `"fr"`.
    pub lang: String,
    /// Optional text printed at the bottom left of every page (e.g. "DIFFUSION RESTREINTE").
    pub footer: Option<String>,
    pub blocks: Vec<Block>,
}

impl Document {
    pub fn new(title: impl Into<String>, lang: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            lang: lang.into(),
            footer: None,
            blocks: Vec::new(),
        }
    }

    /// Appends a block; for building in loops (`doc.push(Block::Paragraph(..))`).
    pub fn push(&mut self, block: Block) -> &mut Self {
        self.blocks.push(block);
        self
    }

    #[must_use]
    pub fn heading(mut self, text: impl Into<String>) -> Self {
        self.blocks.push(Block::Heading(text.into()));
        self
    }

    #[must_use]
    pub fn paragraph(mut self, text: impl Into<String>) -> Self {
        self.blocks.push(Block::Paragraph(text.into()));
        self
    }

    #[must_use]
    pub fn key_values(mut self, rows: &[(String, String)]) -> Self {
        self.blocks.push(Block::KeyValues(rows.to_vec()));
        self
    }

    #[must_use]
    pub fn small(mut self, text: impl Into<String>) -> Self {
        self.blocks.push(Block::Small(text.into()));
        self
    }

    #[must_use]
    pub fn drawing(mut self, drawing: Drawing) -> Self {
        self.blocks.push(Block::Drawing(drawing));
        self
    }

    #[must_use]
    pub fn page_break(mut self) -> Self {
        self.blocks.push(Block::PageBreak);
        self
    }

    /// Sets the running footer note printed on every page, left of the page number.
    #[must_use]
    pub fn footer(mut self, text: impl Into<String>) -> Self {
        self.footer = Some(text.into());
        self
    }

    /// Lays the document out on A4 pages and returns the bytes of a PDF 1.4 file.
    pub fn to_pdf(&self) -> Vec<u8> {
        let mut layout = Layout::new();
        for block in &self.blocks {
            match block {
                Block::Heading(text) => layout.heading(text),
                Block::Paragraph(text) => layout.paragraph(text),
                Block::KeyValues(rows) => layout.key_values(rows),
                Block::Small(text) => layout.small(text),
                Block::Drawing(drawing) => layout.drawing(drawing),
                Block::PageBreak => layout.page_break(),
            }
        }
        let pages = layout.finish();
        serialize(&pages, &self.title, &self.lang, self.footer.as_deref())
    }
}

// ---------------------------------------------------------------------------------------------
// Fonts and text encoding

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Font {
    Regular,
    Bold,
}

impl Font {
    fn resource(self) -> &'static str {
        match self {
            Font::Regular => "F1",
            Font::Bold => "F2",
        }
    }

    /// Advance width of one WinAnsi byte, in thousandths of the font size.
    fn glyph_width(self, byte: u8) -> f64 {
        let table = match self {
            Font::Regular => &HELVETICA_WIDTHS,
            Font::Bold => &HELVETICA_BOLD_WIDTHS,
        };
        let width = usize::from(byte)
            .checked_sub(32)
            .and_then(|i| table.get(i))
            .copied()
            .unwrap_or(0);
        f64::from(width)
    }

    /// Width in points of WinAnsi `bytes` set at `size` points.
    fn width(self, bytes: &[u8], size: f64) -> f64 {
        bytes.iter().map(|&b| self.glyph_width(b)).sum::<f64>() * size / 1000.0
    }
}

/// The WinAnsi (Windows-1252) byte for a character, if it has one. Codes 0x00–0x1F, 0x7F and
/// the five holes of 0x80–0x9F are never returned.
fn winansi(c: char) -> Option<u8> {
    let code = u32::from(c);
    if (0x20..0x7F).contains(&code) || (0xA0..=0xFF).contains(&code) {
        return u8::try_from(code).ok();
    }
    let byte = match c {
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => return None,
    };
    Some(byte)
}

/// A combining mark applied to the WinAnsi letter before it, when the result is in WinAnsi
/// (text typed on some systems arrives decomposed: `e` + U+0301).
fn compose(base: u8, mark: char) -> Option<u8> {
    let (bases, composed) = match mark {
        '\u{300}' => ("AEIOUaeiou", "ÀÈÌÒÙàèìòù"),
        '\u{301}' => ("AEIOUYaeiouy", "ÁÉÍÓÚÝáéíóúý"),
        '\u{302}' => ("AEIOUaeiou", "ÂÊÎÔÛâêîôû"),
        '\u{303}' => ("ANOano", "ÃÑÕãñõ"),
        '\u{308}' => ("AEIOUYaeiouy", "ÄËÏÖÜŸäëïöüÿ"),
        '\u{30A}' => ("Aa", "Åå"),
        '\u{30C}' => ("SZsz", "ŠŽšž"),
        '\u{327}' => ("Cc", "Çç"),
        _ => return None,
    };
    let index = bases.bytes().position(|b| b == base)?;
    winansi(composed.chars().nth(index)?)
}

/// Encodes one line of text as WinAnsi bytes: line breaks and tabs become spaces, invisible
/// format characters are dropped, and anything else without a WinAnsi code becomes `?`.
fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        if let Some(byte) = winansi(c) {
            out.push(byte);
            continue;
        }
        match c {
            '\t' | '\n' | '\r' | '\u{2000}'..='\u{2006}' | '\u{2008}'..='\u{200A}' => {
                out.push(b' ')
            }
            // Narrow and figure no-break spaces (French typography before « ; : ! ? »).
            '\u{202F}' | '\u{2007}' => out.push(0xA0),
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2212}' => out.push(b'-'),
            // Zero-width characters, joiners, variation selectors, byte-order mark.
            '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' => {}
            '\u{300}'..='\u{36F}' => {
                if let Some(last) = out.last_mut() {
                    if let Some(composed) = compose(*last, c) {
                        *last = composed;
                    }
                }
            }
            _ => out.push(b'?'),
        }
    }
    out
}

/// Splits text into its lines (`\n`, `\r\n` or `\r`), each encoded; runs of blank lines are
/// collapsed into one.
fn encode_lines(text: &str) -> Vec<Vec<u8>> {
    let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut lines: Vec<Vec<u8>> = Vec::new();
    for line in normalized.split('\n') {
        let encoded = encode(line);
        let blank = encoded.iter().all(|&b| b == b' ');
        let previous_blank = lines
            .last()
            .is_some_and(|l: &Vec<u8>| l.iter().all(|&b| b == b' '));
        if blank && previous_blank {
            continue;
        }
        lines.push(if blank { Vec::new() } else { encoded });
    }
    // A trailing blank line only adds space at the end of the block.
    while lines.len() > 1 && lines.last().is_some_and(Vec::is_empty) {
        lines.pop();
    }
    lines
}

/// Wraps one encoded line to `max_width` points: breaks at spaces, never after « nor before
/// » : ; ! ? (French spacing), and breaks a word by characters when it is wider than a line.
/// Always returns at least one (possibly empty) line.
fn wrap(text: &[u8], font: Font, size: f64, max_width: f64) -> Vec<Vec<u8>> {
    // Words, with the French-spacing ones glued to their neighbour.
    let mut units: Vec<Vec<u8>> = Vec::new();
    for word in text.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
        let glue = match (units.last(), word.first()) {
            (Some(previous), Some(first)) => {
                previous.last() == Some(&0xAB) || matches!(first, 0xBB | b':' | b';' | b'!' | b'?')
            }
            _ => false,
        };
        match units.last_mut() {
            Some(previous) if glue => {
                previous.push(b' ');
                previous.extend_from_slice(word);
            }
            _ => units.push(word.to_vec()),
        }
    }

    let space = font.width(b" ", size);
    let mut lines = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    let mut line_width = 0.0;
    for unit in units {
        let width = font.width(&unit, size);
        if !line.is_empty() {
            if line_width + space + width <= max_width {
                line.push(b' ');
                line.extend_from_slice(&unit);
                line_width += space + width;
                continue;
            }
            lines.push(std::mem::take(&mut line));
            line_width = 0.0;
        }
        if width <= max_width {
            line = unit;
            line_width = width;
            continue;
        }
        // Too wide for any line: break by characters, at least one per line.
        for byte in unit {
            let w = font.glyph_width(byte) * size / 1000.0;
            if !line.is_empty() && line_width + w > max_width {
                lines.push(std::mem::take(&mut line));
                line_width = 0.0;
            }
            if line.is_empty() && byte == b' ' {
                continue;
            }
            line.push(byte);
            line_width += w;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Wraps multi-line text: each of its lines is wrapped on its own.
fn wrap_text(text: &str, font: Font, size: f64, max_width: f64) -> Vec<Vec<u8>> {
    encode_lines(text)
        .iter()
        .flat_map(|line| wrap(line, font, size, max_width))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Content-stream helpers

/// A number for a content stream or dictionary: at most 3 decimals, no exponent; non-finite
/// values become 0 and magnitudes are capped well within PDF implementation limits.
fn num(value: f64) -> String {
    let v = if value.is_finite() {
        value.clamp(-1.0e6, 1.0e6)
    } else {
        0.0
    };
    let mut s = format!("{v:.3}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    if s == "-0" {
        s = "0".to_string();
    }
    s
}

/// A PDF literal string `( … )` of WinAnsi bytes, with `(`, `)` and `\` escaped and any
/// control byte written in octal.
fn literal(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'(');
    for &b in bytes {
        match b {
            b'(' | b')' | b'\\' => {
                out.push(b'\\');
                out.push(b);
            }
            0..=0x1F | 0x7F => out.extend_from_slice(format!("\\{b:03o}").as_bytes()),
            _ => out.push(b),
        }
    }
    out.push(b')');
}

fn colour(rgb: Rgb) -> String {
    let (r, g, b) = rgb;
    format!(
        "{} {} {}",
        num(f64::from(r) / 255.0),
        num(f64::from(g) / 255.0),
        num(f64::from(b) / 255.0)
    )
}

/// Appends `BT … ET` showing `bytes` with its baseline starting at (`x`, `y`), in grey `grey`
/// (0 = black).
fn show_text(out: &mut Vec<u8>, font: Font, size: f64, x: f64, y: f64, grey: f64, bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    out.extend_from_slice(
        format!(
            "BT /{} {} Tf {} g {} {} Td ",
            font.resource(),
            num(size),
            num(grey),
            num(x),
            num(y)
        )
        .as_bytes(),
    );
    literal(out, bytes);
    out.extend_from_slice(b" Tj ET\n");
}

// ---------------------------------------------------------------------------------------------
// Layout

/// Places blocks on pages; `y` is the top of the free space on the current page.
struct Layout {
    pages: Vec<Vec<u8>>,
    current: Vec<u8>,
    y: f64,
    empty: bool,
}

impl Layout {
    fn new() -> Self {
        Self {
            pages: Vec::new(),
            current: Vec::new(),
            y: TOP,
            empty: true,
        }
    }

    fn new_page(&mut self) {
        self.pages.push(std::mem::take(&mut self.current));
        self.y = TOP;
        self.empty = true;
    }

    /// Starts a new page unless `height` points still fit on this one (or this one is empty).
    fn ensure(&mut self, height: f64) {
        if !self.empty && self.y - height < BOTTOM - 0.001 {
            self.new_page();
        }
    }

    /// Vertical space between blocks; dropped at the top of a page.
    fn gap(&mut self, height: f64) {
        if !self.empty {
            self.y -= height;
        }
    }

    /// Sets one line of text in a `leading`-high line box at the cursor, moving down.
    fn line(&mut self, font: Font, size: f64, leading: f64, x: f64, grey: f64, bytes: &[u8]) {
        self.ensure(leading);
        self.y -= leading;
        let baseline = self.y + (leading - size) / 2.0 + 0.2 * size;
        show_text(&mut self.current, font, size, x, baseline, grey, bytes);
        self.empty = false;
    }

    fn heading(&mut self, text: &str) {
        let lines = wrap_text(text, Font::Bold, HEADING_SIZE, CONTENT_WIDTH);
        self.gap(10.0);
        // Keep the heading with its first lines of content.
        let own = HEADING_LEADING * lines.len() as f64;
        if own + 2.0 * BODY_LEADING <= CONTENT_HEIGHT {
            self.ensure(own + 4.0 + 2.0 * BODY_LEADING);
        }
        for line in &lines {
            self.line(Font::Bold, HEADING_SIZE, HEADING_LEADING, MARGIN, 0.0, line);
        }
        self.y -= 4.0;
    }

    fn paragraph(&mut self, text: &str) {
        self.gap(4.0);
        for line in wrap_text(text, Font::Regular, BODY_SIZE, CONTENT_WIDTH) {
            self.line(Font::Regular, BODY_SIZE, BODY_LEADING, MARGIN, 0.0, &line);
        }
        self.y -= 4.0;
    }

    fn small(&mut self, text: &str) {
        self.gap(4.0);
        for line in wrap_text(text, Font::Regular, SMALL_SIZE, CONTENT_WIDTH) {
            self.line(
                Font::Regular,
                SMALL_SIZE,
                SMALL_LEADING,
                MARGIN,
                0.35,
                &line,
            );
        }
        self.y -= 2.0;
    }

    fn key_values(&mut self, rows: &[(String, String)]) {
        let label_width = CONTENT_WIDTH * LABEL_SHARE;
        let value_x = MARGIN + label_width + COLUMN_GAP;
        let value_width = CONTENT_WIDTH - label_width - COLUMN_GAP;
        self.gap(4.0);
        for (label, value) in rows {
            let labels = wrap_text(label, Font::Bold, BODY_SIZE, label_width);
            let values = wrap_text(value, Font::Regular, BODY_SIZE, value_width);
            let count = labels.len().max(values.len());
            let height = count as f64 * BODY_LEADING + 2.0 * ROW_PAD;
            // Keep a row on one page when it can fit on one.
            if height <= CONTENT_HEIGHT {
                self.ensure(height);
            }
            self.y -= ROW_PAD;
            for i in 0..count {
                self.ensure(BODY_LEADING);
                self.y -= BODY_LEADING;
                let baseline = self.y + (BODY_LEADING - BODY_SIZE) / 2.0 + 0.2 * BODY_SIZE;
                if let Some(line) = labels.get(i) {
                    show_text(
                        &mut self.current,
                        Font::Bold,
                        BODY_SIZE,
                        MARGIN,
                        baseline,
                        0.2,
                        line,
                    );
                }
                if let Some(line) = values.get(i) {
                    show_text(
                        &mut self.current,
                        Font::Regular,
                        BODY_SIZE,
                        value_x,
                        baseline,
                        0.0,
                        line,
                    );
                }
                self.empty = false;
            }
            self.y -= ROW_PAD;
            let rule = format!(
                "0.8 G 0.5 w {} {} m {} {} l S\n",
                num(MARGIN),
                num(self.y),
                num(MARGIN + CONTENT_WIDTH),
                num(self.y)
            );
            self.current.extend_from_slice(rule.as_bytes());
        }
        self.y -= 4.0;
    }

    fn drawing(&mut self, drawing: &Drawing) {
        let (w, h) = (drawing.width, drawing.height);
        if !(w.is_finite() && h.is_finite() && w > 0.0 && h > 0.0) {
            return;
        }
        let mut scale = CONTENT_WIDTH / w;
        if h * scale > CONTENT_HEIGHT {
            scale = CONTENT_HEIGHT / h;
        }
        let (box_w, box_h) = (w * scale, h * scale);
        if !(scale.is_finite() && box_w > 0.0 && box_h > 0.0) {
            return;
        }
        self.gap(6.0);
        self.ensure(box_h);
        let left = MARGIN + (CONTENT_WIDTH - box_w) / 2.0;
        let top = self.y;
        let px = |x: f64| num(left + x * scale);
        let py = |y: f64| num(top - y * scale);

        let mut ops = String::new();
        // Clip to the drawing's box so stray coordinates cannot spill over the text.
        let _ = writeln!(
            ops,
            "q {} {} {} {} re W n 1 j 1 J",
            num(left),
            num(top - box_h),
            num(box_w),
            num(box_h)
        );
        for shape in &drawing.shapes {
            match shape {
                Shape::Polygon {
                    rings,
                    fill,
                    stroke,
                } => {
                    let mut path = String::new();
                    for ring in rings.iter().filter(|r| r.len() >= 2) {
                        for (i, &(x, y)) in ring.iter().enumerate() {
                            let op = if i == 0 { "m" } else { "l" };
                            let _ = write!(path, "{} {} {op} ", px(x), py(y));
                        }
                        path.push_str("h\n");
                    }
                    if !path.is_empty() {
                        let _ = write!(
                            ops,
                            "{} rg {} RG 0.5 w\n{path}B\n",
                            colour(*fill),
                            colour(*stroke)
                        );
                    }
                }
                Shape::Circle { x, y, r, fill } => {
                    let radius = r * scale;
                    if !(radius.is_finite() && radius > 0.0) {
                        continue;
                    }
                    let (cx, cy) = (left + x * scale, top - y * scale);
                    if !(cx.is_finite() && cy.is_finite()) {
                        continue;
                    }
                    // Four Bézier quarter arcs.
                    let k = 0.552_284_75 * radius;
                    let _ = write!(
                        ops,
                        "{} rg\n{} {} m\n{} {} {} {} {} {} c\n{} {} {} {} {} {} c\n\
                         {} {} {} {} {} {} c\n{} {} {} {} {} {} c\nf\n",
                        colour(*fill),
                        num(cx + radius),
                        num(cy),
                        num(cx + radius),
                        num(cy + k),
                        num(cx + k),
                        num(cy + radius),
                        num(cx),
                        num(cy + radius),
                        num(cx - k),
                        num(cy + radius),
                        num(cx - radius),
                        num(cy + k),
                        num(cx - radius),
                        num(cy),
                        num(cx - radius),
                        num(cy - k),
                        num(cx - k),
                        num(cy - radius),
                        num(cx),
                        num(cy - radius),
                        num(cx + k),
                        num(cy - radius),
                        num(cx + radius),
                        num(cy - k),
                        num(cx + radius),
                        num(cy),
                    );
                }
                Shape::Text { .. } => {}
            }
        }
        self.current.extend_from_slice(ops.as_bytes());
        for shape in &drawing.shapes {
            if let Shape::Text { x, y, size, text } = shape {
                let size = size * scale;
                if !(size.is_finite() && size > 0.0) {
                    continue;
                }
                let size = size.min(200.0);
                let bytes = encode(text);
                let (tx, ty) = (left + x * scale, top - y * scale);
                show_text(&mut self.current, Font::Regular, size, tx, ty, 0.0, &bytes);
            }
        }
        self.current.extend_from_slice(b"Q\n");
        self.y -= box_h;
        self.empty = false;
        self.y -= 6.0;
    }

    fn page_break(&mut self) {
        if !self.empty {
            self.new_page();
        }
    }

    fn finish(mut self) -> Vec<Vec<u8>> {
        if !self.empty || self.pages.is_empty() {
            self.pages.push(std::mem::take(&mut self.current));
        }
        self.pages
    }
}

// ---------------------------------------------------------------------------------------------
// Serialisation

/// A text string for the document information dictionary: UTF-16BE with a byte-order mark,
/// in hex, so any character survives.
fn utf16_hex(text: &str) -> String {
    let mut out = String::from("<FEFF");
    for unit in text.encode_utf16() {
        let _ = write!(out, "{unit:04X}");
    }
    out.push('>');
    out
}

/// The `/Lang` value: only the characters of a BCP 47 tag are kept.
fn sanitize_lang(lang: &str) -> String {
    lang.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(35)
        .collect()
}

/// The footer of page `number` of `total`: optional note at the left, "page N / M" at the
/// right.
fn footer_ops(number: usize, total: usize, note: Option<&str>) -> Vec<u8> {
    let mut out = Vec::new();
    let baseline = MARGIN / 2.0;
    let label = encode(&format!("page {number} / {total}"));
    let label_width = Font::Regular.width(&label, FOOTER_SIZE);
    show_text(
        &mut out,
        Font::Regular,
        FOOTER_SIZE,
        MARGIN + CONTENT_WIDTH - label_width,
        baseline,
        0.35,
        &label,
    );
    if let Some(note) = note {
        let room = CONTENT_WIDTH - label_width - 20.0;
        let mut bytes = encode(note);
        if Font::Regular.width(&bytes, FOOTER_SIZE) > room {
            let ellipsis = Font::Regular.width(&[0x85], FOOTER_SIZE);
            while !bytes.is_empty() && Font::Regular.width(&bytes, FOOTER_SIZE) + ellipsis > room {
                bytes.pop();
            }
            bytes.push(0x85);
        }
        show_text(
            &mut out,
            Font::Regular,
            FOOTER_SIZE,
            MARGIN,
            baseline,
            0.35,
            &bytes,
        );
    }
    out
}

/// Writes the file: catalog, page tree, the two fonts, document information, then a page and
/// its content stream per page, the cross-reference table and the trailer.
fn serialize(pages: &[Vec<u8>], title: &str, lang: &str, footer: Option<&str>) -> Vec<u8> {
    const CATALOG: usize = 1;
    const PAGES: usize = 2;
    const FONT_REGULAR: usize = 3;
    const FONT_BOLD: usize = 4;
    const INFO: usize = 5;
    const FIRST_PAGE: usize = 6;

    let total = pages.len();
    let object_count = FIRST_PAGE - 1 + 2 * total;
    let mut out: Vec<u8> = Vec::new();
    // The binary comment marks the file as 8-bit for transfer tools.
    out.extend_from_slice(b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n");
    let mut offsets = vec![0usize; object_count + 1];

    let mut object = |out: &mut Vec<u8>, id: usize, body: &[u8]| {
        if let Some(slot) = offsets.get_mut(id) {
            *slot = out.len();
        }
        out.extend_from_slice(format!("{id} 0 obj\n").as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    };

    let lang = sanitize_lang(lang);
    let lang_entry = if lang.is_empty() {
        String::new()
    } else {
        format!(" /Lang ({lang})")
    };
    object(
        &mut out,
        CATALOG,
        format!(
            "<< /Type /Catalog /Pages {PAGES} 0 R{lang_entry} \
             /ViewerPreferences << /DisplayDocTitle true >> >>"
        )
        .as_bytes(),
    );
    let kids: Vec<String> = (0..total)
        .map(|i| format!("{} 0 R", FIRST_PAGE + 2 * i))
        .collect();
    object(
        &mut out,
        PAGES,
        format!(
            "<< /Type /Pages /Kids [{}] /Count {total} >>",
            kids.join(" ")
        )
        .as_bytes(),
    );
    for (id, name) in [(FONT_REGULAR, "Helvetica"), (FONT_BOLD, "Helvetica-Bold")] {
        object(
            &mut out,
            id,
            format!(
                "<< /Type /Font /Subtype /Type1 /BaseFont /{name} /Encoding /WinAnsiEncoding >>"
            )
            .as_bytes(),
        );
    }
    object(
        &mut out,
        INFO,
        format!(
            "<< /Title {} /Producer (Vigie) /Creator (Vigie) >>",
            utf16_hex(title)
        )
        .as_bytes(),
    );
    for (i, content) in pages.iter().enumerate() {
        let page_id = FIRST_PAGE + 2 * i;
        let content_id = page_id + 1;
        object(
            &mut out,
            page_id,
            format!(
                "<< /Type /Page /Parent {PAGES} 0 R /MediaBox [0 0 {} {}] \
                 /Resources << /Font << /F1 {FONT_REGULAR} 0 R /F2 {FONT_BOLD} 0 R >> \
                 /ProcSet [/PDF /Text] >> /Contents {content_id} 0 R >>",
                num(PAGE_WIDTH),
                num(PAGE_HEIGHT)
            )
            .as_bytes(),
        );
        let mut stream = content.clone();
        stream.extend_from_slice(&footer_ops(i + 1, total, footer));
        let mut body = format!("<< /Length {} >>\nstream\n", stream.len()).into_bytes();
        body.extend_from_slice(&stream);
        body.extend_from_slice(b"\nendstream");
        object(&mut out, content_id, &body);
    }

    let xref_offset = out.len();
    let mut xref = format!("xref\n0 {}\n0000000000 65535 f \n", object_count + 1);
    for offset in offsets.iter().skip(1) {
        let _ = writeln!(xref, "{offset:010} 00000 n ");
    }
    let _ = write!(
        xref,
        "trailer\n<< /Size {} /Root {CATALOG} 0 R /Info {INFO} 0 R >>\nstartxref\n{xref_offset}\n%%EOF\n",
        object_count + 1
    );
    out.extend_from_slice(xref.as_bytes());
    out
}

// ---------------------------------------------------------------------------------------------
// Glyph widths of the standard Helvetica and Helvetica-Bold (Adobe AFM), in thousandths of
// the font size, for WinAnsi codes 32..=255; unused codes are 0.

const HELVETICA_WIDTHS: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // 32..47
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 48..63
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // 64..79
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // 80..95
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // 96..111
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 0, // 112..127
    556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, // 128..143
    0, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667, // 144..159
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737,
    333, // 160..175
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834,
    611, // 176..191
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278,
    278, // 192..207
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667,
    611, // 208..223
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278,
    278, // 224..239
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556,
    500, // 240..255
];
const HELVETICA_BOLD_WIDTHS: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // 32..47
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // 48..63
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // 64..79
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // 80..95
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // 96..111
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 0, // 112..127
    556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, // 128..143
    0, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667, // 144..159
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737,
    333, // 160..175
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834,
    611, // 176..191
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278,
    278, // 192..207
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667,
    611, // 208..223
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278,
    278, // 224..239
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611,
    556, // 240..255
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::path::PathBuf;
    use std::process::Command;

    fn kv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    fn sample_drawing() -> Drawing {
        Drawing {
            width: 400.0,
            height: 300.0,
            shapes: vec![
                Shape::Polygon {
                    rings: vec![vec![
                        (10.0, 10.0),
                        (190.0, 20.0),
                        (180.0, 150.0),
                        (20.0, 140.0),
                    ]],
                    fill: (230, 230, 240),
                    stroke: (80, 80, 90),
                },
                Shape::Polygon {
                    rings: vec![
                        vec![(200.0, 20.0), (390.0, 10.0), (380.0, 290.0), (210.0, 280.0)],
                        vec![(250.0, 100.0), (300.0, 100.0), (300.0, 150.0)],
                    ],
                    fill: (250, 200, 200),
                    stroke: (120, 0, 0),
                },
                Shape::Circle {
                    x: 100.0,
                    y: 80.0,
                    r: 8.0,
                    fill: (200, 30, 30),
                },
                Shape::Text {
                    x: 110.0,
                    y: 84.0,
                    size: 12.0,
                    text: "Saint-Denis".to_string(),
                },
            ],
        }
    }

    fn dossier() -> Document {
        let long = "Les riverains signalent un point de vente installé dans le hall, avec des \
                    « guetteurs » postés à l’entrée de la résidence dès 14 h ; la mise en œuvre \
                    d’une surveillance est proposée, coût estimé 1 200 € — à confirmer. "
            .repeat(40);
        Document::new("Dossier n° 2024-0042 — Sûreté départementale", "fr")
            .footer("DIFFUSION RESTREINTE")
            .heading("Sûreté départementale")
            .key_values(&kv(&[
                ("Référence", "VG-2024-0042"),
                ("Commune", "Saint-Denis (93)"),
                ("Activité", "Point de deal, « guetteurs » signalés"),
                (
                    "Mise en œuvre",
                    "Équipe à définir – délai « sous huitaine »",
                ),
                (
                    "Observations",
                    "Présence régulière de plusieurs individus devant l’entrée, allées et \
                     venues fréquentes en soirée, véhicules stationnés en double file.",
                ),
            ]))
            .heading("Carte")
            .drawing(sample_drawing())
            .heading("Récit du signalement")
            .paragraph(long)
            .small("Diffusion restreinte — code de traitement VG/3 (ne pas transmettre)")
    }

    fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
        let path = std::env::temp_dir().join(format!("vigie-{}-{name}.pdf", std::process::id()));
        std::fs::write(&path, bytes).expect("write temp PDF");
        path
    }

    /// Runs a poppler tool; fails (never skips) when it is missing.
    fn poppler(tool: &str, args: &[&str]) -> (String, String) {
        let output = Command::new(tool).args(args).output().unwrap_or_else(|e| {
            panic!(
                "`{tool}` could not be run ({e}): install poppler-utils \
                 (apt-get install -y poppler-utils); scripts/test installs it"
            )
        });
        assert!(
            output.status.success(),
            "{tool} {args:?} failed: {output:?}"
        );
        (
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    #[test]
    fn dossier_text_survives_pdftotext_and_pdfinfo() {
        let bytes = dossier().to_pdf();
        let path = temp_file("dossier", &bytes);
        let file = path.to_string_lossy().into_owned();

        let (text, errors) = poppler("pdftotext", &["-layout", &file, "-"]);
        assert!(errors.trim().is_empty(), "pdftotext complained: {errors}");
        for expected in [
            "Sûreté départementale",
            "œuvre",
            "« guetteurs »",
            "Point de deal, « guetteurs » signalés",
            "l’entrée",
            "1 200 €",
            "— à confirmer",
            "Équipe à définir – délai « sous huitaine »",
            "Saint-Denis (93)",
            "Diffusion restreinte — code de traitement VG/3 (ne pas transmettre)",
            "DIFFUSION RESTREINTE",
            "page 1 / ",
            "page 2 / ",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }

        let (info, errors) = poppler("pdfinfo", &[&file]);
        assert!(errors.trim().is_empty(), "pdfinfo complained: {errors}");
        let pages: usize = info
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .expect("Pages: line");
        assert!(pages >= 2, "expected 2+ pages:\n{info}");
        let field = |name: &str| {
            info.lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        };
        assert!(
            field("Page size:").starts_with("595.28 x 841.89"),
            "not A4:\n{info}"
        );
        assert_eq!(
            field("Title:"),
            "Dossier n° 2024-0042 — Sûreté départementale"
        );
        assert!(text.contains(&format!("page {pages} / {pages}")));
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn hostile_input_still_gives_a_readable_file() {
        let monster = "x".repeat(10_000);
        let doc = Document::new("🚨\u{0}(titre)\\", "fr\") /Evil")
            .heading(format!(
                "Nul\u{0}\u{7}\u{1b}[31m bell 🚨👨‍👩‍👧 (a\\b) ) ( {monster}"
            ))
            .paragraph(format!(
                "{monster}\n\n\n\n\nfin (du) \\ texte\r\nligne\u{85}\u{2028}"
            ))
            .key_values(&kv(&[
                (&monster, &monster),
                ("", ""),
                ("e\u{301}te\u{301}", "ça"),
            ]))
            .small("")
            .drawing(Drawing {
                width: f64::NAN,
                height: 1.0,
                shapes: vec![],
            })
            .drawing(Drawing {
                width: 1e-300,
                height: 1e300,
                shapes: vec![Shape::Circle {
                    x: f64::INFINITY,
                    y: 0.0,
                    r: 1.0,
                    fill: (0, 0, 0),
                }],
            })
            .drawing(Drawing {
                width: 10.0,
                height: 10.0,
                shapes: vec![
                    Shape::Polygon {
                        rings: vec![
                            vec![],
                            vec![(f64::NAN, 1e308)],
                            vec![(0.0, 0.0), (1e308, -1e308)],
                        ],
                        fill: (1, 2, 3),
                        stroke: (4, 5, 6),
                    },
                    Shape::Text {
                        x: 1.0,
                        y: 1.0,
                        size: f64::INFINITY,
                        text: "∞".to_string(),
                    },
                ],
            })
            .page_break()
            .page_break()
            .paragraph("après");
        let bytes = doc.to_pdf();
        assert!(bytes.starts_with(b"%PDF-1.4\n"));
        assert!(bytes.ends_with(b"%%EOF\n"));
        check_xref(&bytes);

        let path = temp_file("hostile", &bytes);
        let file = path.to_string_lossy().into_owned();
        let (text, errors) = poppler("pdftotext", &["-layout", &file, "-"]);
        assert!(errors.trim().is_empty(), "pdftotext complained: {errors}");
        assert!(text.contains("(a\\b) ) ("), "escaping lost:\n{text}");
        assert!(text.contains("fin (du) \\ texte"));
        assert!(
            text.contains("été"),
            "combining accents not composed:\n{text}"
        );
        assert!(text.contains("après"));
        let (_, errors) = poppler("pdfinfo", &[&file]);
        assert!(errors.trim().is_empty(), "pdfinfo complained: {errors}");
        let _ = std::fs::remove_file(&path);
    }

    /// Checks that `startxref` points at the table and every entry at its `N 0 obj`.
    fn check_xref(bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        let tail = text.rsplit("startxref\n").next().expect("startxref");
        let start: usize = tail
            .lines()
            .next()
            .and_then(|l| l.parse().ok())
            .expect("offset");
        assert!(bytes[start..].starts_with(b"xref\n0 "), "startxref is off");
        let table = &bytes[start..];
        let table = String::from_utf8_lossy(table);
        let mut lines = table.lines().skip(1);
        let header = lines.next().expect("subsection");
        let count: usize = header
            .strip_prefix("0 ")
            .and_then(|n| n.parse().ok())
            .expect("count");
        let entries: Vec<&str> = lines.take(count).collect();
        assert_eq!(entries.len(), count);
        assert_eq!(entries[0], "0000000000 65535 f ");
        for (id, entry) in entries.iter().enumerate().skip(1) {
            assert_eq!(entry.len(), 19, "entry {id} is not 20 bytes with its EOL");
            assert!(entry.ends_with(" 00000 n "));
            let offset: usize = entry[..10].parse().expect("offset digits");
            let marker = format!("{id} 0 obj\n");
            assert!(
                bytes[offset..].starts_with(marker.as_bytes()),
                "object {id} is not at {offset}"
            );
        }
        assert!(text.contains(&format!("/Size {count} ")));
    }

    #[test]
    fn xref_offsets_point_at_their_objects() {
        let bytes = dossier().to_pdf();
        check_xref(&bytes);
        check_xref(&Document::new("", "").to_pdf());
    }

    #[test]
    fn winansi_covers_french() {
        assert_eq!(
            encode("é è ê à ç ô û ï œ « » € ’ – —\u{a0}Œ"),
            vec![
                0xE9, b' ', 0xE8, b' ', 0xEA, b' ', 0xE0, b' ', 0xE7, b' ', 0xF4, b' ', 0xFB, b' ',
                0xEF, b' ', 0x9C, b' ', 0xAB, b' ', 0xBB, b' ', 0x80, b' ', 0x92, b' ', 0x96, b' ',
                0x97, 0xA0, 0x8C
            ]
        );
        assert_eq!(
            encode("a🚨\u{0}b\u{2019}\u{202f}!"),
            b"a??b\x92\xA0!".to_vec()
        );
        assert_eq!(encode("Ec\u{327}a\u{300}"), b"E\xE7\xE0".to_vec());
    }

    #[test]
    fn widths_are_helvetica() {
        // "Hello": H 722 + e 556 + l 222 + l 222 + o 556 = 2278.
        assert!((Font::Regular.width(b"Hello", 10.0) - 22.78).abs() < 1e-9);
        // Bold: 722 + 556 + 278 + 278 + 611 = 2445.
        assert!((Font::Bold.width(b"Hello", 10.0) - 24.45).abs() < 1e-9);
        assert_eq!(Font::Regular.glyph_width(0x9C), 944.0); // œ
        assert_eq!(Font::Regular.glyph_width(0x80), 556.0); // €
        assert_eq!(Font::Bold.glyph_width(0xE9), 556.0); // é
    }

    #[test]
    fn wrapping_respects_width_and_french_spacing() {
        let word = vec![b'm'; 10_000];
        let lines = wrap(&word, Font::Regular, 10.0, 100.0);
        assert!(lines.len() > 50);
        assert!(lines.iter().all(|l| Font::Regular.width(l, 10.0) <= 100.0));
        assert_eq!(lines.concat(), word);

        let text = encode("des « guetteurs » partout : oui ! et non ?");
        for width in [40.0, 60.0, 80.0, 120.0] {
            for line in wrap(&text, Font::Regular, 10.0, width) {
                assert_ne!(line.last(), Some(&0xAB), "line ends with «");
                assert!(!matches!(line.first(), Some(0xBB | b':' | b'!' | b'?')));
            }
        }
        assert_eq!(wrap(b"", Font::Regular, 10.0, 10.0), vec![Vec::<u8>::new()]);
    }

    #[test]
    fn numbers_and_strings_are_well_formed() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(-0.0001), "0");
        assert_eq!(num(2.5), "2.5");
        assert_eq!(num(f64::NAN), "0");
        assert_eq!(num(1e300), "1000000");
        let mut out = Vec::new();
        literal(&mut out, b"a(b)c\\d\x01");
        assert_eq!(out, b"(a\\(b\\)c\\\\d\\001)".to_vec());
        assert_eq!(utf16_hex("é😀"), "<FEFF00E9D83DDE00>");
        assert_eq!(sanitize_lang("fr) /Evil"), "frEvil");
    }

    #[test]
    fn page_breaks_and_empty_documents() {
        let count = |doc: &Document| {
            let bytes = doc.to_pdf();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            text.matches("/Type /Page ").count()
        };
        assert_eq!(count(&Document::new("t", "fr")), 1);
        assert_eq!(count(&Document::new("t", "fr").page_break()), 1);
        let two = Document::new("t", "fr")
            .paragraph("a")
            .page_break()
            .page_break()
            .paragraph("b");
        assert_eq!(count(&two), 2);
        assert!(count(&dossier()) >= 2);
    }

    fn any_text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "\\PC{0,300}",
            "[a-zA-Zéèêàçôûïœ«»€’–— \n()\\\\]{0,400}",
            (1usize..3000).prop_map(|n| "w".repeat(n)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]
        #[test]
        fn arbitrary_text_never_breaks_the_file(
            title in any_text(),
            para in any_text(),
            rows in prop::collection::vec((any_text(), any_text()), 0..6),
            small in any_text(),
        ) {
            let bytes = Document::new(title, "fr")
                .heading(para.clone())
                .paragraph(para)
                .key_values(&rows)
                .small(small)
                .to_pdf();
            prop_assert!(bytes.starts_with(b"%PDF-"));
            prop_assert!(bytes.ends_with(b"%%EOF\n"));
            check_xref(&bytes);
        }
    }
}
