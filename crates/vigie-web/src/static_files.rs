//! The static assets, compiled into the binary: no CDN, nothing fetched at run time. Sent
//! gzip-compressed (once, at first use) to clients that accept it: they hold no secret, so
//! compressing them gives nothing away (BREACH needs a secret beside attacker-chosen text).

use crate::AppState;
use axum::extract::Path;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::io::Write;
use std::sync::OnceLock;

const FILES: &[(&str, &str, &str)] = &[
    (
        "vigie.css",
        "text/css; charset=utf-8",
        include_str!("../static/vigie.css"),
    ),
    (
        "witness.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/witness.js"),
    ),
    (
        "staff.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/staff.js"),
    ),
    (
        "conversation.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/conversation.js"),
    ),
    (
        "board.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/board.js"),
    ),
    (
        "quick-exit.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/quick-exit.js"),
    ),
    (
        "pow-worker.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/pow-worker.js"),
    ),
];

pub fn router() -> Router<AppState> {
    // Compressed now, at start-up, rather than on the first request.
    gzipped();
    Router::new().route("/static/{file}", get(serve))
}

async fn serve(
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, crate::error::AppError> {
    let index = FILES
        .iter()
        .position(|(name, _, _)| *name == file)
        .ok_or(crate::error::AppError::NotFound)?;
    let (_, mime, body) = FILES[index];
    let vary = (header::VARY, "Accept-Encoding");
    if accepts_gzip(&headers) {
        if let Some(Some(gz)) = gzipped().get(index) {
            return Ok((
                [
                    (header::CONTENT_TYPE, mime),
                    (header::CONTENT_ENCODING, "gzip"),
                    vary,
                ],
                gz.as_slice(),
            )
                .into_response());
        }
    }
    Ok(([(header::CONTENT_TYPE, mime), vary], body).into_response())
}

/// Each file compressed, in the order of `FILES` (`None` if compressing failed: sent plain).
fn gzipped() -> &'static [Option<Vec<u8>>] {
    static GZIPPED: OnceLock<Vec<Option<Vec<u8>>>> = OnceLock::new();
    GZIPPED.get_or_init(|| {
        FILES
            .iter()
            .map(|(_, _, body)| {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
                e.write_all(body.as_bytes()).ok()?;
                e.finish().ok()
            })
            .collect()
    })
}

/// Whether `Accept-Encoding` accepts gzip: listed (or `*`) with a weight above zero, and not
/// refused by name (`gzip;q=0` wins over `*`).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut named = None;
    let mut star = false;
    for coding in headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
    {
        let mut parts = coding.split(';').map(str::trim);
        let name = parts.next().unwrap_or("");
        let refused = parts.any(|p| {
            let p = p.to_ascii_lowercase();
            p.strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        // `x-gzip` is gzip's old name.
        let gzip = name.strip_prefix("x-").unwrap_or(name);
        if gzip.eq_ignore_ascii_case("gzip") {
            named = Some(!refused);
        } else if name == "*" {
            star = !refused;
        }
    }
    named.unwrap_or(star)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn gzip_is_sent_only_when_accepted() {
        assert!(accepts_gzip(&with("gzip, deflate, br")));
        assert!(accepts_gzip(&with("br;q=1.0, gzip;q=0.8")));
        assert!(accepts_gzip(&with("*")));
        assert!(!accepts_gzip(&with("gzip;q=0")));
        assert!(!accepts_gzip(&with("identity")));
        assert!(!accepts_gzip(&HeaderMap::new()));
        assert!(!accepts_gzip(&with("gzip;q=0, *")));
        assert!(!accepts_gzip(&with("GZIP;Q=0")));
        assert!(accepts_gzip(&with(concat!("x", "-gzip"))));
    }

    #[test]
    fn every_file_compresses_and_decompresses_to_itself() {
        use std::io::Read;
        for ((name, _, body), gz) in FILES.iter().zip(gzipped()) {
            let gz = gz.as_ref().unwrap();
            assert!(gz.len() < body.len(), "{name}");
            let mut out = String::new();
            flate2::read::GzDecoder::new(gz.as_slice())
                .read_to_string(&mut out)
                .unwrap();
            assert_eq!(out, *body, "{name}");
        }
    }
}
