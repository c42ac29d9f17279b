//! Why a photo was refused.
//!
//! The rule: every refusal is one of five closed cases with a stable code the web layer turns
//! into a message in the witness's language. The decoder's own error text is never carried: it
//! may quote bytes of the file, and it is no use to a witness.

use image::ImageError;

/// Why [`sanitize`](crate::sanitize) refused a photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum PhotoError {
    /// More bytes than [`PhotoLimits::max_bytes`](crate::PhotoLimits::max_bytes); checked before
    /// anything is decoded.
    #[error("the photo is larger than allowed")]
    TooLarge,
    /// Zero bytes.
    #[error("the photo is empty")]
    Empty,
    /// Not JPEG, PNG or WebP by its magic bytes (HEIC, GIF, a PDF, a renamed text file, …), or a
    /// variant of those formats the decoder does not implement.
    #[error("this kind of file is not accepted as a photo")]
    Unsupported,
    /// Claims to be a supported image but does not decode: truncated, damaged, inconsistent.
    #[error("the photo is damaged or incomplete")]
    Corrupt,
    /// Declares more pixels (or a longer side, or a larger decoded size) than allowed: refused
    /// from the header, before the pixel buffer is allocated, so a decompression bomb costs
    /// nothing.
    #[error("the photo's dimensions are too large")]
    Dimensions,
}

impl PhotoError {
    /// A stable, kebab-case code for logs, metrics and message catalogues.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            PhotoError::TooLarge => "photo-too-large",
            PhotoError::Empty => "photo-empty",
            PhotoError::Unsupported => "photo-type",
            PhotoError::Corrupt => "photo-corrupt",
            PhotoError::Dimensions => "photo-dimensions",
        }
    }

    /// The one mapping from the decoder's errors to ours.
    pub(crate) fn from_image(error: &ImageError) -> Self {
        match error {
            ImageError::Limits(_) => PhotoError::Dimensions,
            ImageError::Unsupported(_) => PhotoError::Unsupported,
            // An encoding or parameter error cannot come from the witness's bytes (we encode an
            // RGB8 buffer we built ourselves, within JPEG's size range); if it ever happens,
            // the photo is still unusable, and "damaged" is the least wrong thing to say.
            ImageError::Decoding(_)
            | ImageError::IoError(_)
            | ImageError::Encoding(_)
            | ImageError::Parameter(_) => PhotoError::Corrupt,
        }
    }
}
