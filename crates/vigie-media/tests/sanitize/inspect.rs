//! What the tests look for in an output file, independently of the crate's own parser.

use image::{ImageFormat, RgbImage};
use vigie_media::Photo;

use crate::fixtures::forbidden_strings;

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const APP0: u8 = 0xE0;
const COM: u8 = 0xFE;

/// A JPEG's markers in order, the payload of its APP0, and the number of bytes after EOI.
pub struct Structure {
    pub markers: Vec<u8>,
    pub app0: Option<Vec<u8>>,
    pub after_eoi: usize,
}

pub fn structure(jpeg: &[u8]) -> Structure {
    assert_eq!(&jpeg[..2], &[0xFF, SOI], "starts with SOI");
    let mut markers = vec![SOI];
    let mut app0 = None;
    let mut pos = 2;
    loop {
        assert_eq!(jpeg[pos], 0xFF, "marker expected at {pos}");
        let code = jpeg[pos + 1];
        pos += 2;
        markers.push(code);
        if code == EOI {
            return Structure {
                markers,
                app0,
                after_eoi: jpeg.len() - pos,
            };
        }
        if (0xD0..=0xD7).contains(&code) {
            continue;
        }
        let length = usize::from(u16::from_be_bytes([jpeg[pos], jpeg[pos + 1]]));
        if code == APP0 {
            app0 = Some(jpeg[pos + 2..pos + length].to_vec());
        }
        pos += length;
        if code == SOS {
            while jpeg[pos] != 0xFF || matches!(jpeg[pos + 1], 0x00 | 0xD0..=0xD7) {
                pos += 1;
            }
        }
    }
}

/// The stored photo is a JPEG with no metadata whatsoever, and decodes to its stated size.
pub fn assert_clean(photo: &Photo) -> RgbImage {
    let structure = structure(&photo.bytes);
    for &marker in &structure.markers {
        assert!(
            !(0xE1..=0xEF).contains(&marker),
            "APP{} segment in output: {:02X?}",
            marker - APP0,
            structure.markers
        );
        assert_ne!(marker, COM, "comment segment in output");
    }
    assert_eq!(structure.after_eoi, 0, "bytes after EOI");
    if let Some(app0) = &structure.app0 {
        assert!(app0.starts_with(b"JFIF\0"), "APP0 is JFIF");
        assert_eq!(app0.len(), 14, "JFIF without a thumbnail");
    }
    for needle in forbidden_strings() {
        assert!(
            !contains(&photo.bytes, needle),
            "output contains {:?}",
            String::from_utf8_lossy(needle)
        );
    }
    let decoded = image::load_from_memory_with_format(&photo.bytes, ImageFormat::Jpeg)
        .expect("the output decodes")
        .into_rgb8();
    assert_eq!(decoded.dimensions(), (photo.width, photo.height));
    decoded
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// Whether two colours are equal within JPEG's loss.
pub fn close(actual: image::Rgb<u8>, expected: image::Rgb<u8>) -> bool {
    actual
        .0
        .iter()
        .zip(expected.0)
        .all(|(&a, e)| a.abs_diff(e) <= 24)
}
