//! Test images built in code, then given metadata by hand, the way cameras and apps write it.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::webp::WebPEncoder;
use image::{DynamicImage, ImageEncoder, ImageFormat, Rgb, RgbImage, RgbaImage};

/// Strings planted in the metadata; none may survive.
pub const CAMERA_MAKE: &str = "VIGIE-CAMERA-MAKE-7731";
pub const GPS_DATUM: &str = "VIGIE-GPS-DATUM-WGS84";
pub const THUMBNAIL_COMMENT: &str = "VIGIE-THUMBNAIL-BEFORE-CROP";
pub const XMP_MARKER: &str = "VIGIE-XMP-CREATOR-SECRET";
pub const IPTC_MARKER: &str = "VIGIE-IPTC-BYLINE-SECRET";
pub const ICC_MARKER: &str = "VIGIE-ICC-DEVICE-PROFILE";
pub const COMMENT_MARKER: &str = "VIGIE-JPEG-COMMENT-SECRET";
pub const TRAILER_MARKER: &str = "VIGIE-TRAILER-MOTION-PHOTO";
pub const PNG_TEXT_MARKER: &str = "VIGIE-PNG-TEXT-SECRET";
pub const PNG_ITXT_MARKER: &str = "VIGIE-PNG-ITXT-SECRET";
pub const PNG_ZTXT_MARKER: &str = "VIGIE-PNG-ZTXT-SECRET";
pub const XMP_NAMESPACE: &str = "http://ns.adobe.com/xap/1.0/";

/// Byte strings that betray metadata of any kind in an output file.
pub fn forbidden_strings() -> Vec<&'static [u8]> {
    vec![
        b"Exif",
        b"GPS",
        b"http://ns.adobe.com/xap",
        b"adobe:ns:meta",
        b"Photoshop",
        b"8BIM",
        b"ICC_PROFILE",
        CAMERA_MAKE.as_bytes(),
        GPS_DATUM.as_bytes(),
        THUMBNAIL_COMMENT.as_bytes(),
        XMP_MARKER.as_bytes(),
        IPTC_MARKER.as_bytes(),
        ICC_MARKER.as_bytes(),
        COMMENT_MARKER.as_bytes(),
        TRAILER_MARKER.as_bytes(),
        PNG_TEXT_MARKER.as_bytes(),
        PNG_ITXT_MARKER.as_bytes(),
        PNG_ZTXT_MARKER.as_bytes(),
    ]
}

pub const RED: Rgb<u8> = Rgb([220, 20, 20]);
pub const BLUE: Rgb<u8> = Rgb([20, 20, 220]);

/// Left half red, right half blue: after a quarter turn clockwise, top red and bottom blue.
pub fn two_halves(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, _| if x < width / 2 { RED } else { BLUE })
}

/// Something with texture, so that a JPEG of it is not trivially small.
pub fn gradient(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        Rgb([
            (x * 7 % 256) as u8,
            (y * 5 % 256) as u8,
            ((x + y) % 256) as u8,
        ])
    })
}

pub fn jpeg_of(image: &RgbImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, 90)
        .encode_image(image)
        .unwrap();
    bytes
}

pub fn png_of(image: DynamicImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
        .unwrap();
    bytes
}

pub fn webp_lossless_of(image: &RgbImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    WebPEncoder::new_lossless(&mut bytes)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
    bytes
}

pub fn transparent_square(side: u32) -> RgbaImage {
    // Fully transparent black everywhere: flattened onto white, it must come out white.
    RgbaImage::from_pixel(side, side, image::Rgba([0, 0, 0, 0]))
}

// ---------------------------------------------------------------- EXIF (TIFF), by hand

const SHORT: u16 = 3;
const LONG: u16 = 4;
const ASCII: u16 = 2;
const RATIONAL: u16 = 5;

struct Entry {
    tag: u16,
    kind: u16,
    count: u32,
    data: Vec<u8>,
}

fn short(tag: u16, value: u16) -> Entry {
    Entry {
        tag,
        kind: SHORT,
        count: 1,
        data: value.to_le_bytes().to_vec(),
    }
}

fn long(tag: u16, value: u32) -> Entry {
    Entry {
        tag,
        kind: LONG,
        count: 1,
        data: value.to_le_bytes().to_vec(),
    }
}

fn ascii(tag: u16, text: &str) -> Entry {
    let mut data = text.as_bytes().to_vec();
    data.push(0);
    Entry {
        tag,
        kind: ASCII,
        count: data.len() as u32,
        data,
    }
}

fn rationals(tag: u16, values: &[(u32, u32)]) -> Entry {
    let data = values
        .iter()
        .flat_map(|(n, d)| n.to_le_bytes().into_iter().chain(d.to_le_bytes()))
        .collect();
    Entry {
        tag,
        kind: RATIONAL,
        count: values.len() as u32,
        data,
    }
}

/// One IFD at offset `at` in the TIFF, its out-of-line values right after it.
fn ifd(at: usize, entries: &[Entry], next_ifd: u32) -> Vec<u8> {
    let table_len = 2 + 12 * entries.len() + 4;
    let mut table = (entries.len() as u16).to_le_bytes().to_vec();
    let mut data = Vec::new();
    for entry in entries {
        table.extend_from_slice(&entry.tag.to_le_bytes());
        table.extend_from_slice(&entry.kind.to_le_bytes());
        table.extend_from_slice(&entry.count.to_le_bytes());
        if entry.data.len() <= 4 {
            let mut inline = entry.data.clone();
            inline.resize(4, 0);
            table.extend_from_slice(&inline);
        } else {
            let offset = (at + table_len + data.len()) as u32;
            table.extend_from_slice(&offset.to_le_bytes());
            data.extend_from_slice(&entry.data);
            if data.len() % 2 == 1 {
                data.push(0);
            }
        }
    }
    table.extend_from_slice(&next_ifd.to_le_bytes());
    table.extend_from_slice(&data);
    table
}

/// A little-endian TIFF as a phone writes it: IFD0 (make, orientation, GPS pointer), a GPS IFD
/// (48°51'24.36"N 2°17'40.20"E and a datum), IFD1 describing an embedded JPEG thumbnail.
pub fn exif_tiff(orientation: u16) -> Vec<u8> {
    let gps_entries = [
        ascii(0x0001, "N"),
        rationals(0x0002, &[(48, 1), (51, 1), (2436, 100)]),
        ascii(0x0003, "E"),
        rationals(0x0004, &[(2, 1), (17, 1), (4020, 100)]),
        ascii(0x0012, GPS_DATUM),
    ];
    let ifd0 = |gps_at: u32, ifd1_at: u32| {
        ifd(
            8,
            &[
                ascii(0x010F, CAMERA_MAKE),
                short(0x0112, orientation),
                long(0x8825, gps_at),
            ],
            ifd1_at,
        )
    };
    let gps_at = 8 + ifd0(0, 0).len();
    let gps = ifd(gps_at, &gps_entries, 0);
    let ifd1_at = gps_at + gps.len();
    let thumbnail = with_jpeg_segments(&jpeg_of(&gradient(16, 16)), &[comment(THUMBNAIL_COMMENT)]);
    let ifd1 = |thumb_at: u32| {
        ifd(
            ifd1_at,
            &[
                short(0x0103, 6),
                long(0x0201, thumb_at),
                long(0x0202, thumbnail.len() as u32),
            ],
            0,
        )
    };
    let thumb_at = ifd1_at + ifd1(0).len();

    let mut tiff = b"II*\0".to_vec();
    tiff.extend_from_slice(&8u32.to_le_bytes());
    tiff.extend_from_slice(&ifd0(gps_at as u32, ifd1_at as u32));
    tiff.extend_from_slice(&gps);
    tiff.extend_from_slice(&ifd1(thumb_at as u32));
    tiff.extend_from_slice(&thumbnail);
    tiff
}

pub fn xmp_packet() -> String {
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\
         <x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF \
         xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\
         <rdf:Description xmlns:xmp=\"{XMP_NAMESPACE}\" xmp:CreatorTool=\"{XMP_MARKER}\"/>\
         </rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>"
    )
}

// ---------------------------------------------------------------- JPEG segments

pub fn jpeg_segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let length = u16::try_from(payload.len() + 2).unwrap();
    let mut segment = vec![0xFF, marker];
    segment.extend_from_slice(&length.to_be_bytes());
    segment.extend_from_slice(payload);
    segment
}

pub fn comment(text: &str) -> Vec<u8> {
    jpeg_segment(0xFE, text.as_bytes())
}

/// `jpeg` with `segments` inserted right after SOI.
pub fn with_jpeg_segments(jpeg: &[u8], segments: &[Vec<u8>]) -> Vec<u8> {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
    let mut out = jpeg[..2].to_vec();
    for segment in segments {
        out.extend_from_slice(segment);
    }
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A phone photo as it leaves the phone: EXIF with GPS and orientation 6 (and a thumbnail),
/// XMP, an ICC profile, IPTC, a comment, and a "motion photo" appended after EOI.
pub fn phone_jpeg(image: &RgbImage) -> Vec<u8> {
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend_from_slice(&exif_tiff(6));

    let mut xmp = format!("{XMP_NAMESPACE}\0").into_bytes();
    xmp.extend_from_slice(xmp_packet().as_bytes());

    let mut icc = b"ICC_PROFILE\0\x01\x01".to_vec();
    icc.extend_from_slice(ICC_MARKER.as_bytes());

    let mut iptc_record = vec![0x1C, 0x02, 0x50];
    iptc_record.extend_from_slice(&(IPTC_MARKER.len() as u16).to_be_bytes());
    iptc_record.extend_from_slice(IPTC_MARKER.as_bytes());
    let mut iptc = b"Photoshop 3.0\08BIM\x04\x04\0\0".to_vec();
    iptc.extend_from_slice(&(iptc_record.len() as u32).to_be_bytes());
    iptc.extend_from_slice(&iptc_record);
    if iptc_record.len() % 2 == 1 {
        iptc.push(0);
    }

    let mut jpeg = with_jpeg_segments(
        &jpeg_of(image),
        &[
            jpeg_segment(0xE1, &exif),
            jpeg_segment(0xE1, &xmp),
            jpeg_segment(0xE2, &icc),
            jpeg_segment(0xED, &iptc),
            comment(COMMENT_MARKER),
        ],
    );
    jpeg.extend_from_slice(b"\0\0\0\x18ftypmp42");
    jpeg.extend_from_slice(TRAILER_MARKER.as_bytes());
    jpeg
}

// ---------------------------------------------------------------- PNG chunks

pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

pub fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(kind);
    chunk.extend_from_slice(data);
    chunk.extend_from_slice(&crc32(&chunk[4..]).to_be_bytes());
    chunk
}

/// zlib stream holding `data` in one stored (uncompressed) deflate block.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let length = u16::try_from(data.len()).unwrap();
    let mut out = vec![0x78, 0x01, 0x01];
    out.extend_from_slice(&length.to_le_bytes());
    out.extend_from_slice(&(!length).to_le_bytes());
    out.extend_from_slice(data);
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
}

/// `png` with `chunks` inserted right after IHDR (before IDAT, where readers look for them).
pub fn with_png_chunks(png: &[u8], chunks: &[Vec<u8>]) -> Vec<u8> {
    let after_ihdr = 8 + 8 + 13 + 4;
    assert_eq!(&png[12..16], b"IHDR");
    let mut out = png[..after_ihdr].to_vec();
    for chunk in chunks {
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&png[after_ihdr..]);
    out
}

/// A screenshot as some apps save it: text chunks of all three kinds, XMP in iTXt, EXIF with
/// GPS and orientation 6 in eXIf, and bytes after IEND.
pub fn annotated_png(image: &RgbImage) -> Vec<u8> {
    let text = [b"Comment\0".as_slice(), PNG_TEXT_MARKER.as_bytes()].concat();
    let itxt_plain = [b"Author\0\0\0\0\0".as_slice(), PNG_ITXT_MARKER.as_bytes()].concat();
    let itxt_xmp = [
        b"XML:com.adobe.xmp\0\0\0\0\0".as_slice(),
        xmp_packet().as_bytes(),
    ]
    .concat();
    let ztxt = [
        b"Description\0\0".as_slice(),
        &zlib_stored(PNG_ZTXT_MARKER.as_bytes()),
    ]
    .concat();
    let mut png = with_png_chunks(
        &png_of(DynamicImage::ImageRgb8(image.clone())),
        &[
            png_chunk(b"eXIf", &exif_tiff(6)),
            png_chunk(b"tEXt", &text),
            png_chunk(b"iTXt", &itxt_plain),
            png_chunk(b"iTXt", &itxt_xmp),
            png_chunk(b"zTXt", &ztxt),
        ],
    );
    png.extend_from_slice(TRAILER_MARKER.as_bytes());
    png
}

/// A PNG whose header declares `width` × `height` over a tiny IDAT: a decompression bomb.
pub fn png_header_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&png_chunk(b"IHDR", &ihdr));
    png.extend_from_slice(&png_chunk(b"IDAT", &zlib_stored(&[0; 64])));
    png.extend_from_slice(&png_chunk(b"IEND", &[]));
    png
}

// ---------------------------------------------------------------- WebP (RIFF) chunks

fn riff_chunk(fourcc: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut chunk = fourcc.to_vec();
    chunk.extend_from_slice(&(data.len() as u32).to_le_bytes());
    chunk.extend_from_slice(data);
    if data.len() % 2 == 1 {
        chunk.push(0);
    }
    chunk
}

/// The lossless WebP of `image`, rewrapped in an extended (VP8X) container that declares and
/// carries an EXIF chunk (GPS, orientation 6) and an XMP chunk, followed by stray bytes.
pub fn webp_with_metadata(image: &RgbImage) -> Vec<u8> {
    let simple = webp_lossless_of(image);
    assert_eq!(
        &simple[12..16],
        b"VP8L",
        "the encoder wrote a simple lossless file"
    );
    let bitstream = &simple[12..];

    const EXIF_FLAG: u8 = 0x08;
    const XMP_FLAG: u8 = 0x04;
    let mut vp8x = vec![EXIF_FLAG | XMP_FLAG, 0, 0, 0];
    vp8x.extend_from_slice(&(image.width() - 1).to_le_bytes()[..3]);
    vp8x.extend_from_slice(&(image.height() - 1).to_le_bytes()[..3]);

    let mut body = b"WEBP".to_vec();
    body.extend_from_slice(&riff_chunk(b"VP8X", &vp8x));
    body.extend_from_slice(bitstream);
    body.extend_from_slice(&riff_chunk(b"EXIF", &exif_tiff(6)));
    body.extend_from_slice(&riff_chunk(b"XMP ", xmp_packet().as_bytes()));

    let mut webp = b"RIFF".to_vec();
    webp.extend_from_slice(&(body.len() as u32).to_le_bytes());
    webp.extend_from_slice(&body);
    webp
}
