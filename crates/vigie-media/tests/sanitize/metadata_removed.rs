//! A witness's photo is stored upright, as a JPEG, and without anything that is not a pixel.

use image::{DynamicImage, Rgb};
use vigie_media::{detect, sanitize, Kind, Photo, PhotoLimits};

use crate::fixtures::*;
use crate::inspect::{assert_clean, close, contains};

fn assert_planted(input: &[u8], markers: &[&str]) {
    for marker in markers {
        assert!(contains(input, marker.as_bytes()), "fixture lacks {marker}");
    }
}

/// Rotated a quarter turn clockwise by orientation 6: the left (red) half is now on top.
fn assert_upright(image: &image::RgbImage) {
    let (width, height) = image.dimensions();
    assert!(
        close(*image.get_pixel(width / 2, height / 8), RED),
        "top is red"
    );
    assert!(
        close(*image.get_pixel(width / 2, height * 7 / 8), BLUE),
        "bottom is blue"
    );
}

#[test]
fn phone_jpeg_loses_gps_xmp_iptc_icc_comment_thumbnail_and_trailer_and_stands_upright() {
    let input = phone_jpeg(&two_halves(64, 32));
    assert_planted(
        &input,
        &[
            CAMERA_MAKE,
            GPS_DATUM,
            THUMBNAIL_COMMENT,
            XMP_MARKER,
            XMP_NAMESPACE,
            IPTC_MARKER,
            ICC_MARKER,
            COMMENT_MARKER,
            TRAILER_MARKER,
        ],
    );
    assert_eq!(detect(&input), Some(Kind::Jpeg));

    let photo = sanitize(&input, &PhotoLimits::default()).unwrap();

    assert_eq!(
        (photo.width, photo.height),
        (32, 64),
        "orientation 6 swaps the sides"
    );
    assert_upright(&assert_clean(&photo));
    assert_eq!(Photo::MIME, "image/jpeg");
}

#[test]
fn screenshot_png_loses_text_chunks_and_exif_and_stands_upright() {
    let input = annotated_png(&two_halves(64, 32));
    assert_planted(
        &input,
        &[
            PNG_TEXT_MARKER,
            PNG_ITXT_MARKER,
            PNG_ZTXT_MARKER,
            XMP_MARKER,
            GPS_DATUM,
            TRAILER_MARKER,
        ],
    );

    let photo = sanitize(&input, &PhotoLimits::default()).unwrap();

    assert_eq!((photo.width, photo.height), (32, 64));
    assert_upright(&assert_clean(&photo));
}

#[test]
fn extended_webp_loses_exif_and_xmp_chunks_and_stands_upright() {
    let input = webp_with_metadata(&two_halves(64, 32));
    assert_planted(&input, &[CAMERA_MAKE, GPS_DATUM, XMP_MARKER]);
    assert_eq!(detect(&input), Some(Kind::Webp));

    let photo = sanitize(&input, &PhotoLimits::default()).unwrap();

    assert_eq!((photo.width, photo.height), (32, 64));
    assert_upright(&assert_clean(&photo));
}

#[test]
fn plain_webp_is_accepted_as_it_is() {
    let photo = sanitize(
        &webp_lossless_of(&two_halves(40, 30)),
        &PhotoLimits::default(),
    )
    .unwrap();

    assert_eq!((photo.width, photo.height), (40, 30));
    let decoded = assert_clean(&photo);
    assert!(close(*decoded.get_pixel(5, 15), RED));
    assert!(close(*decoded.get_pixel(35, 15), BLUE));
}

#[test]
fn transparent_png_is_flattened_onto_white() {
    let input = png_of(DynamicImage::ImageRgba8(transparent_square(24)));

    let photo = sanitize(&input, &PhotoLimits::default()).unwrap();

    let decoded = assert_clean(&photo);
    assert!(decoded
        .pixels()
        .all(|&pixel| close(pixel, Rgb([255, 255, 255]))));
}

#[test]
fn sixteen_bit_and_grey_pngs_are_accepted() {
    let deep = DynamicImage::ImageRgb8(gradient(30, 20)).into_rgba16();
    let grey = DynamicImage::ImageRgb8(gradient(30, 20)).into_luma8();
    for input in [png_of(deep.into()), png_of(grey.into())] {
        let photo = sanitize(&input, &PhotoLimits::default()).unwrap();
        assert_eq!((photo.width, photo.height), (30, 20));
        assert_clean(&photo);
    }
}

#[test]
fn large_photo_is_downscaled_to_the_longest_side_allowed() {
    let input = jpeg_of(&gradient(3000, 1000));

    let photo = sanitize(&input, &PhotoLimits::default()).unwrap();

    assert_eq!((photo.width, photo.height), (2560, 853));
    assert_clean(&photo);
}

#[test]
fn downscaling_applies_to_the_upright_photo() {
    let limits = PhotoLimits {
        max_side: 16,
        ..PhotoLimits::default()
    };

    let photo = sanitize(&phone_jpeg(&two_halves(64, 32)), &limits).unwrap();

    assert_eq!((photo.width, photo.height), (8, 16));
    assert_upright(&assert_clean(&photo));
}

#[test]
fn small_photo_is_not_upscaled() {
    let photo = sanitize(&jpeg_of(&gradient(20, 10)), &PhotoLimits::default()).unwrap();

    assert_eq!((photo.width, photo.height), (20, 10));
    assert_clean(&photo);
}

#[test]
fn a_clean_photo_stays_clean_when_sent_again() {
    let limits = PhotoLimits::default();
    let once = sanitize(&phone_jpeg(&two_halves(64, 32)), &limits).unwrap();

    let twice = sanitize(&once.bytes, &limits).unwrap();

    assert_eq!((twice.width, twice.height), (once.width, once.height));
    assert_upright(&assert_clean(&twice));
}
