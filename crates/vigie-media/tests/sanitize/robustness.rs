//! Hostile bytes: whatever arrives, `sanitize` returns, and what it returns is clean.

use std::sync::LazyLock;

use image::DynamicImage;
use proptest::prelude::*;
use vigie_media::{sanitize, PhotoLimits};

use crate::fixtures::*;
use crate::inspect::assert_clean;

/// Small limits keep each case fast; a mutated header may still claim up to this many pixels.
fn limits() -> PhotoLimits {
    PhotoLimits {
        max_bytes: 64 * 1024,
        max_pixels: 1_000_000,
        max_side: 64,
    }
}

static SEEDS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    vec![
        phone_jpeg(&gradient(24, 16)),
        annotated_png(&gradient(24, 16)),
        png_of(DynamicImage::ImageRgba8(transparent_square(12))),
        webp_with_metadata(&gradient(24, 16)),
    ]
});

fn check(input: &[u8]) {
    if let Ok(photo) = sanitize(input, &limits()) {
        assert!(photo.width.max(photo.height) <= 64);
        assert_clean(&photo);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        check(&bytes);
    }

    #[test]
    fn arbitrary_bytes_behind_a_valid_signature_never_panic(
        signature in prop::sample::select(vec![
            b"\xFF\xD8\xFF".to_vec(),
            b"\x89PNG\r\n\x1a\n".to_vec(),
            b"RIFF\0\x10\0\0WEBPVP8L".to_vec(),
            b"RIFF\0\x10\0\0WEBPVP8X".to_vec(),
        ]),
        rest in prop::collection::vec(any::<u8>(), 0..2048),
    ) {
        check(&[signature, rest].concat());
    }

    #[test]
    fn mutated_or_truncated_photos_never_panic(
        seed in 0..4usize,
        mutations in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        keep in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut bytes = SEEDS[seed].clone();
        for (at, value) in mutations {
            let at = at.index(bytes.len());
            bytes[at] = value;
        }
        if truncate {
            bytes.truncate(keep.index(bytes.len() + 1));
        }
        check(&bytes);
    }
}
