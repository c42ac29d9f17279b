//! Decoding under limits.
//!
//! The rule: the declared size is checked from the header before any pixel buffer exists, so a
//! small file declaring a huge image (a decompression bomb) is refused as `Dimensions` instead of
//! exhausting memory. The EXIF orientation is read here, the only moment the metadata is looked
//! at; nothing else of it leaves this module.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader};

use crate::{Kind, PhotoError, PhotoLimits};

/// The longest side any decoder may declare (JPEG's own maximum). A panorama fits; a header
/// claiming more is a forgery or a bomb.
const MAX_INPUT_SIDE: u32 = 65_535;
/// The most the decoder may allocate for one photo (the image crate's default, made explicit).
const MAX_DECODER_ALLOC: u64 = 512 * 1024 * 1024;

/// The decoded pixels and how they must be turned to stand upright.
pub(crate) struct Decoded {
    pub(crate) image: DynamicImage,
    pub(crate) orientation: Orientation,
}

pub(crate) fn decode(
    input: &[u8],
    kind: Kind,
    limits: &PhotoLimits,
) -> Result<Decoded, PhotoError> {
    let mut decoder_limits = image::Limits::default();
    decoder_limits.max_image_width = Some(MAX_INPUT_SIDE);
    decoder_limits.max_image_height = Some(MAX_INPUT_SIDE);
    decoder_limits.max_alloc = Some(MAX_DECODER_ALLOC);

    let mut reader = ImageReader::with_format(Cursor::new(input), kind.format());
    reader.limits(decoder_limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| PhotoError::from_image(&e))?;

    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(PhotoError::Corrupt);
    }
    if u64::from(width) * u64::from(height) > limits.max_pixels
        || decoder.total_bytes() > MAX_DECODER_ALLOC
    {
        return Err(PhotoError::Dimensions);
    }

    // Unreadable orientation metadata is not a reason to refuse a photo: it is shown as stored.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let image = DynamicImage::from_decoder(decoder).map_err(|e| PhotoError::from_image(&e))?;
    Ok(Decoded { image, orientation })
}
