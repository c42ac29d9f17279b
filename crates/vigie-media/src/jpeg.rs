//! The marker structure of a JPEG file, checked before decoding.
//!
//! The rule: a JPEG must run from SOI to EOI. The decoder is lenient (it fills a truncated scan
//! with grey and reports success), which would store half a photo and tell the witness it
//! arrived; an interrupted upload must instead be refused so that it can be sent again.

const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const TEM: u8 = 0x01;

/// Whether `bytes` (which start with SOI) reach an EOI marker through well-formed segments and
/// scans. Bytes after EOI are not examined: they are discarded with everything else.
pub(crate) fn is_complete(bytes: &[u8]) -> bool {
    let mut pos = 2;
    loop {
        // A marker: 0xFF, optional 0xFF fill bytes, then its code.
        if bytes.get(pos) != Some(&0xFF) {
            return false;
        }
        while bytes.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let Some(&code) = bytes.get(pos) else {
            return false;
        };
        pos += 1;
        match code {
            EOI => return true,
            // Stand-alone markers carry no length.
            TEM | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let Some(&[high, low]) = bytes.get(pos..pos + 2) else {
            return false;
        };
        let length = usize::from(u16::from_be_bytes([high, low]));
        if length < 2 || pos + length > bytes.len() {
            return false;
        }
        pos += length;
        if code == SOS {
            match end_of_scan(bytes, pos) {
                Some(next_marker) => pos = next_marker,
                None => return false,
            }
        }
    }
}

/// Skips entropy-coded data from `pos` to the next real marker. Inside a scan, 0xFF is followed
/// by 0x00 (a stuffed byte) or a restart marker; anything else starts the next segment.
fn end_of_scan(bytes: &[u8], mut pos: usize) -> Option<usize> {
    loop {
        pos += bytes.get(pos..)?.iter().position(|&b| b == 0xFF)?;
        match bytes.get(pos + 1)? {
            0x00 | 0xD0..=0xD7 => pos += 2,
            _ => return Some(pos),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SOI, a comment, SOS with three bytes of scan (one stuffed 0xFF, one restart), EOI.
    const MINIMAL: &[u8] = &[
        0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x04, b'h', b'i', 0xFF, 0xDA, 0x00, 0x02, 0x12, 0xFF, 0x00,
        0xFF, 0xD3, 0x34, 0xFF, 0xD9,
    ];

    #[test]
    fn a_file_reaching_eoi_is_complete_even_with_trailing_bytes() {
        assert!(is_complete(MINIMAL));
        let mut trailing = MINIMAL.to_vec();
        trailing.extend_from_slice(b"trailing garbage");
        assert!(is_complete(&trailing));
    }

    #[test]
    fn every_truncation_is_incomplete() {
        for end in 0..MINIMAL.len() {
            assert!(!is_complete(&MINIMAL[..end]), "cut at {end}");
        }
    }

    #[test]
    fn a_segment_longer_than_the_file_is_incomplete() {
        assert!(!is_complete(&[
            0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 0xFF, 0xD9
        ]));
        assert!(!is_complete(&[
            0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x01, 0xFF, 0xD9
        ]));
    }
}
