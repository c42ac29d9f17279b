//! What a photo really is, read from its first bytes.
//!
//! The rule: a file name or a `Content-Type` is a claim made by the sender; the magic bytes are
//! what the decoder will actually see. Only the magic bytes decide.

use image::ImageFormat;

/// An image format Vigie accepts from witnesses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// JPEG (`FF D8 FF`): what nearly every phone camera produces.
    Jpeg,
    /// PNG (the 8-byte PNG signature): screenshots.
    Png,
    /// WebP (`RIFF`, a size, `WEBP`): some Android cameras and messaging apps.
    Webp,
}

impl Kind {
    /// The decoder to use for this kind; never guessed again from the content.
    pub(crate) fn format(self) -> ImageFormat {
        match self {
            Kind::Jpeg => ImageFormat::Jpeg,
            Kind::Png => ImageFormat::Png,
            Kind::Webp => ImageFormat::WebP,
        }
    }
}

/// The real type of `bytes`, from their magic bytes alone; `None` for anything Vigie refuses
/// (GIF, HEIC/HEIF, AVIF, PDF, text, …).
#[must_use]
pub fn detect(bytes: &[u8]) -> Option<Kind> {
    match sniff(bytes) {
        Sniffed::Accepted(kind) => Some(kind),
        Sniffed::Heif | Sniffed::Unknown => None,
    }
}

/// What the first bytes say, including the formats recognised only to be refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sniffed {
    Accepted(Kind),
    /// HEIC/HEIF/AVIF (ISO base media `ftyp` box with an image brand). iPhones shoot HEIC, but no
    /// pure-Rust decoder exists, so it is refused like any unknown type; it is told apart only so
    /// that the refusal is deliberate and tested, not an accident.
    Heif,
    Unknown,
}

const JPEG_MAGIC: &[u8] = &[0xFF, 0xD8, 0xFF];
const PNG_MAGIC: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
/// Major brands of the HEIF family (HEIC stills and sequences, generic HEIF, AVIF).
const HEIF_BRANDS: &[&[u8; 4]] = &[
    b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1",
    b"mif2", b"avif", b"avis",
];

pub(crate) fn sniff(bytes: &[u8]) -> Sniffed {
    if bytes.starts_with(JPEG_MAGIC) {
        Sniffed::Accepted(Kind::Jpeg)
    } else if bytes.starts_with(PNG_MAGIC) {
        Sniffed::Accepted(Kind::Png)
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP".as_slice()) {
        Sniffed::Accepted(Kind::Webp)
    } else if bytes.get(4..8) == Some(b"ftyp".as_slice())
        && bytes
            .get(8..12)
            .is_some_and(|brand| HEIF_BRANDS.iter().any(|known| brand == known.as_slice()))
    {
        Sniffed::Heif
    } else {
        Sniffed::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes_decide_and_nothing_else() {
        assert_eq!(detect(b"\xFF\xD8\xFF\xE0rest"), Some(Kind::Jpeg));
        assert_eq!(detect(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(Kind::Png));
        assert_eq!(detect(b"RIFF\x10\0\0\0WEBPVP8L"), Some(Kind::Webp));
        // A RIFF that is not WebP (a WAV file) is not an image.
        assert_eq!(detect(b"RIFF\x10\0\0\0WAVEfmt "), None);
        assert_eq!(detect(b"GIF89a\x01\0\x01\0"), None);
        assert_eq!(detect(b"photo.jpg"), None);
        assert_eq!(detect(b""), None);
        assert_eq!(detect(b"\xFF\xD8"), None);
    }

    #[test]
    fn heic_and_avif_are_recognised_then_refused() {
        for brand in ["heic", "heix", "mif1", "avif"] {
            let mut header = b"\0\0\0\x18ftyp".to_vec();
            header.extend_from_slice(brand.as_bytes());
            header.extend_from_slice(b"\0\0\0\0mif1heic");
            assert_eq!(sniff(&header), Sniffed::Heif, "{brand}");
            assert_eq!(detect(&header), None, "{brand}");
        }
        // An MP4 video has an `ftyp` box too, with a brand that is not an image.
        assert_eq!(sniff(b"\0\0\0\x18ftypisom\0\0\0\0"), Sniffed::Unknown);
    }
}
