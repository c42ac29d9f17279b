//! What is refused, and with which stable code.

use vigie_media::{detect, sanitize, PhotoError, PhotoLimits};

use crate::fixtures::*;

fn refused(input: &[u8]) -> PhotoError {
    sanitize(input, &PhotoLimits::default()).unwrap_err()
}

#[test]
fn empty_upload_is_refused() {
    assert_eq!(refused(b""), PhotoError::Empty);
}

#[test]
fn oversized_upload_is_refused_before_its_type_is_even_looked_at() {
    let limits = PhotoLimits {
        max_bytes: 1024,
        ..PhotoLimits::default()
    };
    let big_jpeg = jpeg_of(&gradient(200, 200));
    assert!(big_jpeg.len() > 1024);

    assert_eq!(sanitize(&big_jpeg, &limits), Err(PhotoError::TooLarge));
    assert_eq!(sanitize(&[0u8; 1025], &limits), Err(PhotoError::TooLarge));
    assert_eq!(
        sanitize(&vec![0u8; 10 * 1024 * 1024 + 1], &PhotoLimits::default()),
        Err(PhotoError::TooLarge)
    );
}

#[test]
fn gif_is_refused() {
    let mut gif = b"GIF89a\x01\0\x01\0\x80\0\0".to_vec();
    gif.extend_from_slice(&[
        0, 0, 0, 255, 255, 255, b',', 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 68, 1, 0, b';',
    ]);
    assert_eq!(detect(&gif), None);
    assert_eq!(refused(&gif), PhotoError::Unsupported);
}

#[test]
fn heic_from_an_iphone_is_refused() {
    let mut heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
    heic.extend_from_slice(b"\0\0\0\x08meta");
    assert_eq!(detect(&heic), None);
    assert_eq!(refused(&heic), PhotoError::Unsupported);
}

#[test]
fn a_text_file_named_like_a_photo_is_refused() {
    // The name and the Content-Type are not even parameters: only the bytes count.
    assert_eq!(
        refused(b"rendez-vous 23h parking Carrefour\n"),
        PhotoError::Unsupported
    );
    assert_eq!(
        refused(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
        PhotoError::Unsupported
    );
}

#[test]
fn truncated_jpeg_is_refused_as_corrupt() {
    let jpeg = jpeg_of(&gradient(64, 64));
    for keep in [jpeg.len() / 2, jpeg.len() - 2, 3, 20] {
        assert_eq!(
            refused(&jpeg[..keep]),
            PhotoError::Corrupt,
            "kept {keep} bytes"
        );
    }
}

#[test]
fn truncated_png_and_webp_are_refused_as_corrupt() {
    let png = png_of(image::DynamicImage::ImageRgb8(gradient(64, 64)));
    assert_eq!(refused(&png[..png.len() / 2]), PhotoError::Corrupt);
    let webp = webp_lossless_of(&gradient(64, 64));
    assert_eq!(refused(&webp[..webp.len() / 2]), PhotoError::Corrupt);
}

#[test]
fn decompression_bomb_is_refused_from_its_header() {
    assert_eq!(
        refused(&png_header_claiming(100_000, 100_000)),
        PhotoError::Dimensions
    );
    // Within the decoder's side limit but over the pixel budget (64 megapixels).
    assert_eq!(
        refused(&png_header_claiming(8_000, 8_000)),
        PhotoError::Dimensions
    );
}

#[test]
fn pixel_budget_is_the_callers_to_choose() {
    let limits = PhotoLimits {
        max_pixels: 100,
        ..PhotoLimits::default()
    };
    assert_eq!(
        sanitize(&jpeg_of(&gradient(11, 10)), &limits),
        Err(PhotoError::Dimensions)
    );
    assert!(sanitize(&jpeg_of(&gradient(10, 10)), &limits).is_ok());
}

#[test]
fn error_codes_are_stable() {
    let codes = [
        (PhotoError::TooLarge, "photo-too-large"),
        (PhotoError::Empty, "photo-empty"),
        (PhotoError::Unsupported, "photo-type"),
        (PhotoError::Corrupt, "photo-corrupt"),
        (PhotoError::Dimensions, "photo-dimensions"),
    ];
    for (error, code) in codes {
        assert_eq!(error.code(), code);
    }
}
