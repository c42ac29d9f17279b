//! From decoded pixels to the JPEG that is stored.
//!
//! The rule: the output is built from pixel values alone, by an encoder that is given nothing
//! else (no EXIF, no ICC profile), so it cannot carry anything from the input's metadata.

use image::codecs::jpeg::JpegEncoder;
use image::imageops::{self, FilterType};
use image::metadata::Orientation;
use image::{DynamicImage, RgbImage};

use crate::PhotoError;

/// JPEG quality of the stored photo: no visible loss on a phone photo, a few hundred KiB.
const JPEG_QUALITY: u8 = 85;
/// JPEG cannot express a longer side.
const MAX_JPEG_SIDE: u32 = 65_535;
/// Smooth downscaling without the ringing of sharper filters.
const DOWNSCALE_FILTER: FilterType = FilterType::Triangle;

/// RGB8, transparent areas composited onto white (JPEG has no alpha; black would hide dark
/// strokes of a screenshot).
pub(crate) fn flatten(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let mut rgb = RgbImage::new(rgba.width(), rgba.height());
    for (out, pixel) in rgb.pixels_mut().zip(rgba.pixels()) {
        let [r, g, b, a] = pixel.0;
        let over_white = |c: u8| -> u8 {
            let (c, a) = (u16::from(c), u16::from(a));
            // c·a + 255·(255 − a), divided by 255 with rounding; at most 255.
            let blended = (c * a + 255 * (255 - a) + 127) / 255;
            u8::try_from(blended).unwrap_or(u8::MAX)
        };
        out.0 = [over_white(r), over_white(g), over_white(b)];
    }
    rgb
}

/// Downscaled so that the longer side is at most `max_side` (never upscaled). Fitting is
/// symmetric in width and height, so it may run before the orientation is applied, on the
/// larger image, and the rotation then runs on the small one.
pub(crate) fn fit(image: RgbImage, max_side: u32) -> RgbImage {
    let max_side = max_side.clamp(1, MAX_JPEG_SIDE);
    let (width, height) = image.dimensions();
    let longest = width.max(height);
    if longest <= max_side {
        return image;
    }
    let scale = |side: u32| -> u32 {
        let scaled =
            (u64::from(side) * u64::from(max_side) + u64::from(longest) / 2) / u64::from(longest);
        u32::try_from(scaled).unwrap_or(max_side).clamp(1, max_side)
    };
    imageops::resize(&image, scale(width), scale(height), DOWNSCALE_FILTER)
}

/// Turned upright as the EXIF orientation said, the metadata itself being left behind.
pub(crate) fn orient(image: RgbImage, orientation: Orientation) -> RgbImage {
    let mut image = DynamicImage::ImageRgb8(image);
    image.apply_orientation(orientation);
    image.into_rgb8()
}

/// Baseline JPEG with a bare JFIF header and nothing else.
pub(crate) fn encode_jpeg(image: &RgbImage) -> Result<Vec<u8>, PhotoError> {
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY)
        .encode_image(image)
        .map_err(|e| PhotoError::from_image(&e))?;
    Ok(bytes)
}
