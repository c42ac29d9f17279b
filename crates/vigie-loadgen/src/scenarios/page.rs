//! B8: the witness page's weight and first render.
//!
//! Target: the whole witness page (HTML, CSS, JS, the proof-of-work worker it starts) under
//! 60 KB compressed, and no request to another origin.
//!
//! Weight: a real `vigie serve`; its witness page (`/`) is fetched, every resource it loads is
//! found (`<script src>`, `<link rel=stylesheet|icon|… href>`, images and other embedded media,
//! `url(…)` and `@import` in CSS, `new Worker(…)` and `importScripts(…)` in scripts, followed
//! recursively), each is fetched and gzipped here with flate2 at its default level, and the
//! sizes are added up. Whether the server itself compresses (`Accept-Encoding: gzip`) is
//! checked and told in the notes. A resource on another origin (`http(s)://` elsewhere, or
//! `//host`) is a third-party request; a link or form to another origin (the quick-exit link)
//! is a place the witness may choose to go, not a request, and is listed apart.
//!
//! First render: `node e2e/bench/first-render.mjs <url>` opens the page in headless Chromium
//! (playwright-core, Debian's `/usr/bin/chromium`) on a phone-sized screen, five times (once
//! in the quick run), each in a fresh browser; it prints the first contentful paint, the
//! DOMContentLoaded and load times, and every request the page made.

use crate::report::{Row, Samples};
use crate::server::{Ctx, Vigie};
use anyhow::{anyhow, bail, Context};
use flate2::write::GzEncoder;
use flate2::Compression;
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING};
use reqwest::Url;
use std::collections::{BTreeSet, VecDeque};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The target, in bytes (1 KB = 1,000 bytes).
const TARGET_BYTES: usize = 60_000;
/// Browser runs of the full benchmark (the quick run makes one).
const RENDER_RUNS: usize = 5;
/// How long one browser run may take before it is killed and the scenario fails.
const RENDER_TIMEOUT: Duration = Duration::from_secs(120);
const SCRIPT: &str = "e2e/bench/first-render.mjs";

/// What a reference is to the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Use {
    /// Fetched by the browser without the witness doing anything (or by the page's script).
    Loaded,
    /// A link or a form target: fetched only if the witness follows it.
    Navigation,
}

/// One start tag: its lower-case name and its attributes (names lower-case, values with the
/// few entities a URL may hold decoded).
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn decode_entities(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The index of the `>` closing a tag that starts at 0, outside quoted attribute values.
fn tag_end(text: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return Some(i),
            (None, _) => {}
        }
    }
    None
}

/// Parses the inside of a start tag, `name attr="v" attr2=v attr3`.
fn parse_tag(inner: &str) -> Tag {
    let inner = inner.trim_end_matches('/');
    let name_end = inner
        .find(|c: char| c.is_whitespace() || c == '/')
        .unwrap_or(inner.len());
    let name = inner[..name_end].to_ascii_lowercase();
    let mut attrs = Vec::new();
    let mut rest = &inner[name_end..];
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if rest.is_empty() {
            break;
        }
        let key_end = rest
            .find(|c: char| c.is_whitespace() || c == '=' || c == '/')
            .unwrap_or(rest.len());
        let key = rest[..key_end].to_ascii_lowercase();
        rest = rest[key_end..].trim_start();
        let value = if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            let (value, next) = match after.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let body = &after[1..];
                    let end = body.find(q).unwrap_or(body.len());
                    (&body[..end], body.get(end + 1..).unwrap_or(""))
                }
                _ => {
                    let end = after.find(char::is_whitespace).unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            rest = next;
            decode_entities(value)
        } else {
            String::new()
        };
        if key.is_empty() {
            break;
        }
        attrs.push((key, value));
    }
    Tag { name, attrs }
}

/// The start tags of an HTML document, and the text of its `<style>` elements. Comments are
/// skipped, and so is the text of `<script>` and `<style>` (the page's JSON strings are no
/// markup).
fn parse_html(html: &str) -> (Vec<Tag>, Vec<String>) {
    let mut tags = Vec::new();
    let mut styles = Vec::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        if !rest[1..].starts_with(|c: char| c.is_ascii_alphabetic()) {
            rest = &rest[1..];
            continue;
        }
        let Some(gt) = tag_end(rest) else { break };
        let tag = parse_tag(&rest[1..gt]);
        rest = &rest[gt + 1..];
        if tag.name == "script" || tag.name == "style" {
            let close = format!("</{}", tag.name);
            let end = rest.to_ascii_lowercase().find(&close).unwrap_or(rest.len());
            if tag.name == "style" {
                styles.push(rest[..end].to_owned());
            }
            rest = &rest[end..];
        }
        tags.push(tag);
    }
    (tags, styles)
}

/// The URLs of a `srcset`: the first word of each comma-separated candidate.
fn srcset(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(',')
        .filter_map(|candidate| candidate.split_whitespace().next())
}

/// What a document refers to, with what use.
fn html_references(html: &str) -> Vec<(String, Use)> {
    const LOADED_RELS: &[&str] = &[
        "stylesheet",
        "icon",
        "shortcut",
        "apple-touch-icon",
        "apple-touch-icon-precomposed",
        "mask-icon",
        "manifest",
        "preload",
        "modulepreload",
        "prefetch",
        "prerender",
    ];
    let (tags, styles) = parse_html(html);
    let mut out = Vec::new();
    for tag in &tags {
        let mut loaded = |v: Option<&str>| {
            if let Some(v) = v {
                out.push((v.to_owned(), Use::Loaded));
            }
        };
        match tag.name.as_str() {
            "script" | "img" | "iframe" | "embed" | "audio" | "track" | "frame" => {
                loaded(tag.attr("src"));
            }
            "video" => {
                loaded(tag.attr("src"));
                loaded(tag.attr("poster"));
            }
            "source" => loaded(tag.attr("src")),
            "object" => loaded(tag.attr("data")),
            "input"
                if tag
                    .attr("type")
                    .is_some_and(|t| t.eq_ignore_ascii_case("image")) =>
            {
                loaded(tag.attr("src"));
            }
            "link" => {
                let rel = tag.attr("rel").unwrap_or("").to_ascii_lowercase();
                if rel.split_whitespace().any(|r| LOADED_RELS.contains(&r)) {
                    loaded(tag.attr("href"));
                } else if let Some(href) = tag.attr("href") {
                    // `rel=alternate`, `canonical`…: not fetched by the browser.
                    out.push((href.to_owned(), Use::Navigation));
                }
            }
            "a" | "area" => {
                if let Some(href) = tag.attr("href") {
                    out.push((href.to_owned(), Use::Navigation));
                }
            }
            "form" => {
                if let Some(action) = tag.attr("action") {
                    out.push((action.to_owned(), Use::Navigation));
                }
            }
            _ => {}
        }
        if let Some(set) = tag.attr("srcset") {
            out.extend(srcset(set).map(|u| (u.to_owned(), Use::Loaded)));
        }
        if let Some(style) = tag.attr("style") {
            out.extend(css_references(style).into_iter().map(|u| (u, Use::Loaded)));
        }
    }
    for style in &styles {
        out.extend(css_references(style).into_iter().map(|u| (u, Use::Loaded)));
    }
    out
}

/// The string literal at the start of `text` (after spaces), if any.
fn leading_string(text: &str) -> Option<&str> {
    let text = text.trim_start();
    let quote = text
        .chars()
        .next()
        .filter(|c| matches!(c, '"' | '\'' | '`'))?;
    let body = &text[1..];
    body.find(quote).map(|end| &body[..end])
}

/// `url(…)` and `@import "…"` of a style sheet.
fn css_references(css: &str) -> Vec<String> {
    let mut out = Vec::new();
    let lower = css.to_ascii_lowercase();
    for (at, _) in lower.match_indices("url(") {
        let rest = &css[at + 4..];
        let end = rest.find(')').unwrap_or(rest.len());
        let value = rest[..end].trim().trim_matches(|c| c == '"' || c == '\'');
        if !value.is_empty() {
            out.push(value.to_owned());
        }
    }
    for (at, _) in lower.match_indices("@import") {
        if let Some(value) = leading_string(&css[at + 7..]) {
            out.push(value.to_owned());
        }
    }
    out
}

/// Scripts a script starts: workers, imported scripts, a service worker.
fn js_references(js: &str) -> Vec<String> {
    let mut out = Vec::new();
    for call in [
        "new Worker(",
        "new SharedWorker(",
        "importScripts(",
        "serviceWorker.register(",
    ] {
        for (at, _) in js.match_indices(call) {
            if let Some(value) = leading_string(&js[at + call.len()..]) {
                out.push(value.to_owned());
            }
        }
    }
    out
}

/// Absolute URLs written anywhere in a text (links, fallbacks, comments): listed in the notes
/// so that a reader sees every other origin the page's files name, requested or not.
fn absolute_urls(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for scheme in ["https://", "http://", "wss://", "ws://"] {
        for (at, _) in text.match_indices(scheme) {
            let rest = &text[at + scheme.len()..];
            let host_len = rest
                .find(|c: char| {
                    !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
                })
                .unwrap_or(rest.len());
            if host_len > 0 {
                out.push(format!("{scheme}{}", &rest[..host_len]));
            }
        }
    }
    out
}

/// Whether `url` leaves the server at `base` (another scheme, host or port).
fn other_origin(url: &Url, base: &Url) -> bool {
    url.origin() != base.origin()
}

/// Resolves a reference against the document that holds it; `None` for what makes no request
/// (fragments, `data:`, `javascript:`, `mailto:`…).
fn resolve(reference: &str, document: &Url) -> Option<Url> {
    let reference = reference.trim();
    if reference.is_empty() || reference.starts_with('#') {
        return None;
    }
    let url = document.join(reference).ok()?;
    matches!(url.scheme(), "http" | "https" | "ws" | "wss").then_some(url)
}

/// One same-origin file of the page, as fetched.
struct Weighed {
    path: String,
    raw: usize,
    gzipped: usize,
    /// `Content-Encoding` the server answered to `Accept-Encoding: gzip`, if any, and the
    /// bytes it sent then.
    served_encoding: Option<String>,
    served_bytes: usize,
}

fn gzip_len(body: &[u8]) -> anyhow::Result<usize> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(body)?;
    Ok(encoder.finish()?.len())
}

async fn get(
    http: &reqwest::Client,
    url: &Url,
    gzip: bool,
) -> anyhow::Result<(Vec<u8>, Option<String>)> {
    let mut request = http.get(url.clone());
    if gzip {
        request = request.header(ACCEPT_ENCODING, "gzip");
    }
    let response = request.send().await.with_context(|| format!("GET {url}"))?;
    let status = response.status();
    if !status.is_success() {
        bail!("GET {url} answered {status}");
    }
    let encoding = response
        .headers()
        .get(CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Ok((response.bytes().await?.to_vec(), encoding))
}

/// The page, its resources followed recursively, and every reference to another origin.
struct Page {
    files: Vec<Weighed>,
    /// Resources on another origin: third-party requests.
    third_party: BTreeSet<String>,
    /// Links and form targets on another origin, and absolute URLs merely written in a file.
    elsewhere_links: BTreeSet<String>,
    mentioned: BTreeSet<String>,
}

async fn weigh_page(http: &reqwest::Client, base: &Url) -> anyhow::Result<Page> {
    let page = base.join("/")?;
    let mut queue: VecDeque<Url> = VecDeque::from([page]);
    let mut seen: BTreeSet<Url> = queue.iter().cloned().collect();
    let mut out = Page {
        files: Vec::new(),
        third_party: BTreeSet::new(),
        elsewhere_links: BTreeSet::new(),
        mentioned: BTreeSet::new(),
    };
    while let Some(url) = queue.pop_front() {
        let (body, _) = get(http, &url, false).await?;
        let (served, served_encoding) = get(http, &url, true).await?;
        let text = String::from_utf8_lossy(&body);
        let path = url.path().to_owned();
        let references: Vec<(String, Use)> = if path.ends_with(".css") {
            css_references(&text)
                .into_iter()
                .map(|u| (u, Use::Loaded))
                .collect()
        } else if path.ends_with(".js") || path.ends_with(".mjs") {
            js_references(&text)
                .into_iter()
                .map(|u| (u, Use::Loaded))
                .collect()
        } else {
            html_references(&text)
        };
        for (reference, usage) in references {
            let Some(target) = resolve(&reference, &url) else {
                continue;
            };
            match (usage, other_origin(&target, base)) {
                (Use::Loaded, true) => {
                    out.third_party.insert(target.to_string());
                }
                (Use::Loaded, false) => {
                    if seen.insert(target.clone()) {
                        queue.push_back(target);
                    }
                }
                (Use::Navigation, true) => {
                    out.elsewhere_links.insert(target.to_string());
                }
                (Use::Navigation, false) => {}
            }
        }
        for absolute in absolute_urls(&text) {
            if let Ok(u) = Url::parse(&absolute) {
                if other_origin(&u, base) {
                    out.mentioned.insert(absolute);
                }
            }
        }
        out.files.push(Weighed {
            path,
            raw: body.len(),
            gzipped: gzip_len(&body)?,
            served_encoding,
            served_bytes: served.len(),
        });
    }
    Ok(out)
}

/// One browser run, as the script prints it.
struct Render {
    fcp_ms: f64,
    dom_content_loaded_ms: Option<f64>,
    load_ms: Option<f64>,
    requests: Vec<String>,
    third_party: Vec<String>,
}

/// Fails with what to install when the browser run cannot happen.
fn preflight(ctx: &Ctx) -> anyhow::Result<PathBuf> {
    let node = Command::new("node")
        .arg("--version")
        .output()
        .map_err(|e| anyhow!("B8 needs Node.js 20 for its browser run, and `node` cannot start: {e} (apt-get install nodejs)"))?;
    if !node.status.success() {
        bail!(
            "`node --version` failed: {}",
            String::from_utf8_lossy(&node.stderr)
        );
    }
    let chromium = std::env::var_os("CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    if !chromium.exists() {
        bail!(
            "B8 needs Chromium for its browser run, and there is none at {} (apt-get install chromium, or set CHROMIUM)",
            chromium.display()
        );
    }
    let playwright = ctx.repo.join("e2e/node_modules/playwright-core");
    if !playwright.exists() {
        bail!(
            "B8 needs playwright-core, and {} is missing (cd e2e && npm ci)",
            playwright.display()
        );
    }
    let script = ctx.repo.join(SCRIPT);
    if !script.exists() {
        bail!("no browser script at {}", script.display());
    }
    Ok(script)
}

/// Runs the browser script once; its output goes to files in `dir` (no pipe to fill up).
fn render_once(repo: &Path, dir: &Path, url: &str, run: usize) -> anyhow::Result<Render> {
    let out_path = dir.join(format!("render-{run}.out"));
    let err_path = dir.join(format!("render-{run}.err"));
    let mut child = Command::new("node")
        .arg(SCRIPT)
        .arg(url)
        .current_dir(repo)
        .stdin(Stdio::null())
        .stdout(Stdio::from(std::fs::File::create(&out_path)?))
        .stderr(Stdio::from(std::fs::File::create(&err_path)?))
        .spawn()
        .with_context(|| format!("starting node {SCRIPT}"))?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > RENDER_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            bail!("node {SCRIPT} {url} did not finish within {RENDER_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = std::fs::read_to_string(&out_path)?;
    if !status.success() {
        bail!(
            "node {SCRIPT} {url} failed ({status}): {}",
            crate::server::tail(&err_path)
        );
    }
    let line = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .ok_or_else(|| anyhow!("node {SCRIPT} printed nothing"))?;
    let v: serde_json::Value =
        serde_json::from_str(line).with_context(|| format!("reading {line}"))?;
    let strings = |key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(Render {
        fcp_ms: v["fcp_ms"]
            .as_f64()
            .ok_or_else(|| anyhow!("the browser recorded no first contentful paint: {line}"))?,
        dom_content_loaded_ms: v["dom_content_loaded_ms"].as_f64(),
        load_ms: v["load_ms"].as_f64(),
        requests: strings("requests"),
        third_party: strings("third_party_urls"),
    })
}

fn kb(bytes: usize) -> f64 {
    bytes as f64 / 1000.0
}

fn list(set: &BTreeSet<String>) -> String {
    if set.is_empty() {
        "none".to_owned()
    } else {
        set.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}

fn samples_of(values: impl IntoIterator<Item = f64>) -> Samples {
    let mut s = Samples::default();
    for v in values {
        s.push(Duration::try_from_secs_f64(v / 1000.0).unwrap_or_default());
    }
    s
}

pub async fn b8(ctx: &Ctx) -> anyhow::Result<Vec<Row>> {
    preflight(ctx)?;
    let dir = ctx.work.join("b8");
    let server = {
        let (ctx, dir) = (ctx.clone(), dir.clone());
        tokio::task::spawn_blocking(move || Vigie::start(&ctx, &dir, &[])).await??
    };
    let base = Url::parse(&server.base())?;
    let http = crate::client::http();

    let page = weigh_page(&http, &base).await?;
    let raw: usize = page.files.iter().map(|f| f.raw).sum();
    let gzipped: usize = page.files.iter().map(|f| f.gzipped).sum();
    let served: usize = page.files.iter().map(|f| f.served_bytes).sum();
    let compressed_by_server: Vec<String> = page
        .files
        .iter()
        .filter_map(|f| {
            f.served_encoding
                .as_ref()
                .map(|e| format!("{} ({e})", f.path))
        })
        .collect();
    let server_compression = if compressed_by_server.is_empty() {
        format!(
            "the server does not compress: asked with Accept-Encoding: gzip, it sent no \
             Content-Encoding and {:.1} KB",
            kb(served)
        )
    } else {
        format!(
            "asked with Accept-Encoding: gzip, the server compressed {} of {} files ({}), \
             {:.1} KB sent",
            compressed_by_server.len(),
            page.files.len(),
            compressed_by_server.join(", "),
            kb(served)
        )
    };
    let per_file = page
        .files
        .iter()
        .map(|f| format!("{} {:.1} → {:.1}", f.path, kb(f.raw), kb(f.gzipped)))
        .collect::<Vec<_>>()
        .join("; ");

    // The browser runs, one after the other, each in a fresh browser.
    let runs = if ctx.quick { 1 } else { RENDER_RUNS };
    let url = base.join("/")?.to_string();
    let renders = {
        let (repo, dir, url) = (ctx.repo.clone(), dir.clone(), url.clone());
        tokio::task::spawn_blocking(move || {
            (0..runs)
                .map(|run| render_once(&repo, &dir, &url, run))
                .collect::<anyhow::Result<Vec<Render>>>()
        })
        .await??
    };
    drop(server);

    let mut third_party = page.third_party.clone();
    let mut requested: BTreeSet<String> = BTreeSet::new();
    for r in &renders {
        third_party.extend(r.third_party.iter().cloned());
        requested.extend(r.requests.iter().cloned());
    }
    let fcp = samples_of(renders.iter().map(|r| r.fcp_ms));
    let dcl = samples_of(renders.iter().filter_map(|r| r.dom_content_loaded_ms));
    let load = samples_of(renders.iter().filter_map(|r| r.load_ms));
    let requests_per_run: Vec<String> = renders
        .iter()
        .map(|r| r.requests.len().to_string())
        .collect();
    // Same-origin requests the browser made that the static walk did not weigh (an API call
    // at load, the browser's own /favicon.ico).
    let weighed: BTreeSet<String> = page.files.iter().map(|f| f.path.clone()).collect();
    let unweighed: BTreeSet<String> = requested
        .iter()
        .filter_map(|r| Url::parse(r).ok())
        .filter(|u| !other_origin(u, &base) && !weighed.contains(u.path()))
        .map(|u| u.path().to_owned())
        .collect();

    if ctx.quick && !third_party.is_empty() {
        anyhow::bail!(
            "the witness page makes third-party requests: {}",
            list(&third_party)
        );
    }
    Ok(vec![
        Row::new(
            "B8",
            "witness page weight as sent to a browser asking for gzip (HTML, CSS, JS, worker)",
            kb(served),
            "KB",
        )
        .target("< 60 KB", served < TARGET_BYTES)
        .notes(format!(
            "the static files travel gzip-compressed, the page itself plain (it is rendered per \
             request, and compressing it next to a reflected value would invite BREACH); {server_compression}"
        )),
        Row::new(
            "B8",
            "witness page weight, every file gzipped",
            kb(gzipped),
            "KB",
        )
        .target("< 60 KB", gzipped < TARGET_BYTES)
        .notes(format!(
            "{} files, gzipped here with flate2 at its default level (1 KB = 1,000 bytes), \
             KB raw → gzip: {per_file}",
            page.files.len()
        )),
        Row::new("B8", "witness page weight, uncompressed", kb(raw), "KB")
            .target("none (the target is on the compressed weight)", true)
            .notes(format!(
                "the same {} files as sent without compression",
                page.files.len()
            )),
        Row::new(
            "B8",
            "third-party requests of the witness page",
            third_party.len() as f64,
            "requests",
        )
        .target("0", third_party.is_empty())
        .notes(format!(
            "resources on another origin, found in the files or requested by the browser: {}; \
             links to another origin (followed only if the witness chooses to): {}; other \
             origins merely written in the files: {}",
            list(&third_party),
            list(&page.elsewhere_links),
            list(&page.mentioned),
        )),
        Row::new(
            "B8",
            "first contentful paint (phone, headless Chromium)",
            fcp.p50(),
            "ms",
        )
        .latency(fcp.p50(), fcp.p99())
        .target(
            "first render recorded; no third-party request",
            renders
                .iter()
                .all(|r| r.fcp_ms > 0.0 && r.third_party.is_empty()),
        )
        .notes(format!(
            "{runs} run(s), each a fresh browser on 390×844 at 3×, server on this machine; \
             first contentful paint per run: {} ms; DOMContentLoaded p50 {:.0} ms, load p50 \
             {:.0} ms; requests per run: {}; same-origin requests not in the weight: {}",
            renders
                .iter()
                .map(|r| format!("{:.0}", r.fcp_ms))
                .collect::<Vec<_>>()
                .join(" / "),
            dcl.p50(),
            load.p50(),
            requests_per_run.join(", "),
            list(&unweighed),
        )),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_of_a_page_are_sorted_by_use() {
        let html = r#"<!doctype html><html><head>
            <link rel="stylesheet" href="/static/a.css"><link rel=icon href='/i.png'>
            <link rel="canonical" href="https://example.org/">
            <!-- <script src="/commented.js"></script> -->
            <style>body { background: url("/bg.png") }</style>
            </head><body><a href="https://meteofrance.com/" data-x>out</a>
            <img srcset="/s1.png 1x, //cdn.example.net/s2.png 2x" alt="">
            <script type="application/json">{"a":"<script src=\"/no.js\">"}</script>
            <script src="/static/w.js"></script><form action="/?lang=en"></form>
            </body></html>"#;
        let refs = html_references(html);
        let loaded: Vec<&str> = refs
            .iter()
            .filter(|(_, u)| *u == Use::Loaded)
            .map(|(r, _)| r.as_str())
            .collect();
        assert_eq!(
            loaded,
            vec![
                "/static/a.css",
                "/i.png",
                "/s1.png",
                "//cdn.example.net/s2.png",
                "/static/w.js",
                "/bg.png"
            ]
        );
        let links: Vec<&str> = refs
            .iter()
            .filter(|(_, u)| *u == Use::Navigation)
            .map(|(r, _)| r.as_str())
            .collect();
        assert_eq!(
            links,
            vec![
                "https://example.org/",
                "https://meteofrance.com/",
                "/?lang=en"
            ]
        );
    }

    #[test]
    fn workers_and_imports_are_found() {
        let js = r#"w = new Worker("/static/pow-worker.js"); importScripts('/x.js');"#;
        assert_eq!(js_references(js), vec!["/static/pow-worker.js", "/x.js"]);
        let css = "@import \"/a.css\"; .x { background: URL( '/b.png' ) }";
        assert_eq!(css_references(css), vec!["/b.png", "/a.css"]);
    }

    #[test]
    fn other_origins_are_told_apart() {
        let base = Url::parse("http://127.0.0.1:8080").unwrap();
        let page = base.join("/").unwrap();
        let same = resolve("/static/a.js", &page).unwrap();
        assert!(!other_origin(&same, &base));
        for elsewhere in [
            "//cdn.example.net/x.js",
            "https://127.0.0.1:8080/",
            "http://127.0.0.1:9/",
        ] {
            assert!(
                other_origin(&resolve(elsewhere, &page).unwrap(), &base),
                "{elsewhere}"
            );
        }
        assert!(resolve("data:image/png;base64,AAAA", &page).is_none());
        assert!(resolve("#main", &page).is_none());
        assert_eq!(
            absolute_urls(r#"x = "https://meteofrance.com/"; y = "wss://";"#),
            vec!["https://meteofrance.com"]
        );
    }
}
