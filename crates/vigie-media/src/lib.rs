//! Witness photos: the real type is read from the bytes, the image is decoded under limits and
//! re-encoded as a plain JPEG that carries no metadata at all.
//!
//! # Why re-encode rather than strip markers
//!
//! A phone photo says more than its pixels: GPS coordinates, the time, the device model and
//! serial number, the owner's name, editing history (EXIF, XMP, IPTC), an embedded thumbnail
//! that may show the picture *before* it was cropped, an ICC profile that fingerprints the
//! device, comments and text chunks, and whatever an app appended after the end of the image.
//! For an anonymous tip line every one of these can identify the witness.
//!
//! Stripping means knowing every place metadata can hide, in three formats and their
//! extensions, and parsing hostile input precisely enough to cut it out while copying the rest
//! verbatim: one unknown segment type, one lenient parser, and it passes through untouched. A
//! deny-list fails open. Re-encoding is an allow-list: the decoder turns the file into a
//! rectangle of RGB values, and the encoder builds a new file from those values alone, so
//! nothing that is not a pixel can reach the output, including metadata kinds nobody has
//! invented yet. The costs are accepted: one more generation of JPEG loss (quality 85), colour
//! profiles dropped (wide-gamut photos are shown as sRGB), and the output is downscaled to
//! [`PhotoLimits::max_side`], which also removes sensor-level detail.
//!
//! The one piece of metadata that matters to a viewer, the EXIF orientation, is applied to the
//! pixels before the metadata is discarded, so a phone photo stays upright.
//!
//! # Steps and refusals
//!
//! 1. size: empty ([`PhotoError::Empty`]) or over [`PhotoLimits::max_bytes`]
//!    ([`PhotoError::TooLarge`]), before anything is parsed;
//! 2. type: from the magic bytes only ([`detect`]); anything but JPEG, PNG and WebP, HEIC
//!    included, is [`PhotoError::Unsupported`]; a file name or `Content-Type` is never consulted;
//! 3. header: dimensions beyond [`PhotoLimits::max_pixels`] or the decoder's allocation limit
//!    are [`PhotoError::Dimensions`], before the pixels are allocated;
//! 4. decode: a truncated or damaged file is [`PhotoError::Corrupt`] (a JPEG must reach its EOI
//!    marker: an interrupted upload is refused, not stored half grey);
//! 5. pixels: alpha composited onto white, RGB8, downscaled to fit `max_side`, turned upright;
//! 6. output: baseline JPEG, quality 85, whose only header is JFIF (APP0).
//!
//! # Calling it
//!
//! [`sanitize`] is pure CPU work (up to a second or so for a large photo) with no I/O and no
//! logging: async callers must run it on a blocking thread (`tokio::task::spawn_blocking`),
//! never on the executor. It does not panic on any input by its own code; a panic inside a
//! third-party decoder, which the property tests have not found, would surface there as a
//! `JoinError`, not as a crashed server.

mod decode;
mod error;
mod jpeg;
mod kind;
mod pixels;

use std::fmt;

pub use error::PhotoError;
pub use kind::{detect, Kind};

/// What a photo may be. Passed in by the caller (from configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoLimits {
    /// Largest accepted input, in bytes.
    pub max_bytes: usize,
    /// Largest accepted width × height, as declared by the input's header.
    pub max_pixels: u64,
    /// The stored photo's longer side is downscaled to at most this (never upscaled).
    pub max_side: u32,
}

impl Default for PhotoLimits {
    /// 10 MiB, 50 megapixels (a 48 MP phone camera passes), stored at most 2560 pixels long.
    fn default() -> Self {
        PhotoLimits {
            max_bytes: 10 * 1024 * 1024,
            max_pixels: 50_000_000,
            max_side: 2560,
        }
    }
}

/// A sanitised photo, ready to be stored and shown: always a JPEG, free of any metadata.
#[derive(Clone, PartialEq, Eq)]
pub struct Photo {
    /// The JPEG file.
    pub bytes: Vec<u8>,
    /// Width in pixels, upright.
    pub width: u32,
    /// Height in pixels, upright.
    pub height: u32,
}

impl Photo {
    /// The media type of [`Photo::bytes`], whatever the input was.
    pub const MIME: &'static str = "image/jpeg";
}

impl fmt::Debug for Photo {
    /// The size, not the bytes: a photo has no business in a log or an assertion message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Photo")
            .field("len", &self.bytes.len())
            .field("width", &self.width)
            .field("height", &self.height)
            .finish()
    }
}

/// Checks `input` and re-encodes it as a metadata-free JPEG, or says why it is refused.
///
/// CPU-bound: run it on a blocking thread. See the crate documentation for the steps.
pub fn sanitize(input: &[u8], limits: &PhotoLimits) -> Result<Photo, PhotoError> {
    if input.is_empty() {
        return Err(PhotoError::Empty);
    }
    if input.len() > limits.max_bytes {
        return Err(PhotoError::TooLarge);
    }
    let kind = detect(input).ok_or(PhotoError::Unsupported)?;
    if kind == Kind::Jpeg && !jpeg::is_complete(input) {
        return Err(PhotoError::Corrupt);
    }

    let decoded = decode::decode(input, kind, limits)?;
    let rgb = pixels::flatten(decoded.image);
    let rgb = pixels::fit(rgb, limits.max_side);
    let rgb = pixels::orient(rgb, decoded.orientation);
    let bytes = pixels::encode_jpeg(&rgb)?;
    Ok(Photo {
        bytes,
        width: rgb.width(),
        height: rgb.height(),
    })
}
