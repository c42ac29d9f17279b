#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Witness photos, end to end through the real binary: what a phone puts in a photo (GPS
//! position, camera, author, comments, a thumbnail) never reaches the officer nor the disk,
//! checked with `exiftool` as anyone would check it; refusals are typed and write nothing; the
//! officer sees the photo live, and each look at it is audited.

mod common;

use common::*;
use image::{ImageEncoder, RgbImage};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

// Planted in the photos' metadata: none may come out, in a photo, a log or the database.
const CREATOR: &str = "Createur-Ibis-4471";
const CITY: &str = "Ville-Narval-2290";
const COMMENT: &str = "Commentaire-Lynx-8812";
const CAMERA: &str = "Appareil-Tapir-3356";
const PNG_TEXT: &str = "Texte-Png-Okapi-5174";
const WEBP_XMP: &str = "Xmp-Webp-Fennec-6603";
const PLANTED: [&str; 6] = [CREATOR, CITY, COMMENT, CAMERA, PNG_TEXT, WEBP_XMP];

// --- images -----------------------------------------------------------------------------------

/// A picture with detail (gradients and stripes), so that its JPEG is a realistic size.
fn picture(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([
            (x * 255 / width) as u8,
            (y * 255 / height) as u8,
            if (x / 8 + y / 8) % 2 == 0 { 40 } else { 210 },
        ])
    })
}

fn encode(img: &RgbImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    match format {
        image::ImageFormat::WebP => image::codecs::webp::WebPEncoder::new_lossless(&mut out)
            .write_image(
                img.as_raw(),
                img.width(),
                img.height(),
                image::ExtendedColorType::Rgb8,
            )
            .unwrap(),
        _ => img.write_to(&mut out, format).unwrap(),
    }
    out.into_inner()
}

/// Writes tags into `bytes` with exiftool (`args` as on its command line) and returns the file.
fn with_metadata(dir: &Path, name: &str, bytes: &[u8], args: &[String]) -> Vec<u8> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("exiftool")
        .args(args)
        .arg("-overwrite_original")
        .arg(&path)
        .output()
        .expect("exiftool is installed (Debian: libimage-exiftool-perl)");
    assert!(
        out.status.success(),
        "exiftool: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(&path).unwrap()
}

/// What exiftool reads in `bytes`: every tag, duplicates included, by group (`-a -G1`).
fn exif_json(dir: &Path, name: &str, bytes: &[u8]) -> serde_json::Map<String, Value> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("exiftool")
        .args(["-json", "-a", "-G1", "-n"])
        .arg(&path)
        .output()
        .expect("exiftool is installed (Debian: libimage-exiftool-perl)");
    let all: Value = serde_json::from_slice(&out.stdout).unwrap();
    all[0].as_object().unwrap().clone()
}

/// What exiftool finds in a photo beyond the file's own description: tags outside the groups
/// a bare JFIF file has, tags named like metadata, planted strings.
fn leftovers(tags: &serde_json::Map<String, Value>) -> Vec<String> {
    // `-G1` groups: ExifTool and System describe the tool and the file on disk, File and JFIF
    // the JPEG's own header, Composite what exiftool derives from those.
    const ALLOWED: [&str; 5] = ["ExifTool", "System", "File", "JFIF", "Composite"];
    const BANNED: [&str; 6] = ["GPS", "Thumbnail", "Comment", "Make", "Model", "Creator"];
    let mut found = Vec::new();
    for (key, value) in tags {
        if key == "SourceFile" {
            continue;
        }
        let group = key.split(':').next().unwrap();
        let text = value.to_string();
        if !ALLOWED.contains(&group)
            || BANNED.iter().any(|b| key.contains(b))
            || PLANTED.iter().any(|p| text.contains(p))
        {
            found.push(format!("{key} = {value}"));
        }
    }
    found
}

/// Asserts that exiftool finds nothing in a stored photo but a plain JPEG's description.
fn assert_clean(tags: &serde_json::Map<String, Value>, what: &str) {
    assert_eq!(leftovers(tags), Vec::<String>::new(), "{what}: survived");
    assert_eq!(tags["File:FileType"], "JPEG", "{what}");
}

/// Base64 (standard or URL-safe alphabet, no padding) of `bytes`, whose length is a multiple
/// of 3: the text a sealed-but-not-encrypted photo would show.
fn base64(bytes: &[u8], url: bool) -> String {
    let alphabet: &[u8; 64] = if url {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    } else {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    };
    bytes
        .chunks(3)
        .flat_map(|c| {
            let n = (u32::from(c[0]) << 16) | (u32::from(c[1]) << 8) | u32::from(c[2]);
            [18, 12, 6, 0].map(|shift| alphabet[((n >> shift) & 63) as usize] as char)
        })
        .collect()
}

// --- calls ------------------------------------------------------------------------------------

async fn upload(
    witness: &WitnessClient,
    client_id: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let r = witness
        .http
        .post(format!(
            "{}/api/v1/witness/photos?client_id={client_id}",
            witness.base
        ))
        .bearer_auth(&witness.token)
        .header("content-type", content_type)
        .header("accept-language", "fr")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

struct Served {
    status: u16,
    headers: reqwest::header::HeaderMap,
    bytes: Vec<u8>,
}

/// `GET /staff/photos/{id}` with a staff session (or none), redirects not followed.
async fn staff_photo(server: &Server, cookie: Option<&str>, id: &str) -> Served {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut r = http.get(server.url(&format!("/staff/photos/{id}")));
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    let r = r.send().await.unwrap();
    Served {
        status: r.status().as_u16(),
        headers: r.headers().clone(),
        bytes: r.bytes().await.unwrap().to_vec(),
    }
}

fn photo_events(events: &[Value]) -> Vec<&Value> {
    events.iter().filter(|e| e["photo"] == true).collect()
}

fn gps_jpeg(dir: &Path) -> Vec<u8> {
    let thumb = dir.join("thumb.jpg");
    std::fs::write(&thumb, encode(&picture(64, 48), image::ImageFormat::Jpeg)).unwrap();
    with_metadata(
        dir,
        "phone.jpg",
        &encode(&picture(640, 480), image::ImageFormat::Jpeg),
        &[
            "-GPSLatitude=48.8566".into(),
            "-GPSLatitudeRef=N".into(),
            "-GPSLongitude=2.3522".into(),
            "-GPSLongitudeRef=E".into(),
            "-DateTimeOriginal=2024:05:17 21:04:00".into(),
            format!("-Make={CAMERA}"),
            "-Model=Pixel 8".into(),
            "-SerialNumber=SN-998877".into(),
            format!("-XMP:Creator={CREATOR}"),
            format!("-IPTC:City={CITY}"),
            format!("-Comment={COMMENT}"),
            format!("-ThumbnailImage<={}", thumb.display()),
        ],
    )
}

// --- stories ----------------------------------------------------------------------------------

#[tokio::test]
async fn a_gps_tagged_phone_photo_reaches_the_officer_with_no_metadata_and_is_sealed_on_disk() {
    let mut server = Server::start();
    let officer = server.staff("operator", "agent.photo", "").await;
    let other = server.staff("operator", "agent.autre", "").await;
    let admin = server.staff("admin", "admin.photo", "").await;
    let auditor = server.staff("auditor", "audit.photo", "").await;
    let supervisor = server.staff("supervisor", "chef.photo", "").await;
    let witness = server.witness().await;
    assert_eq!(officer.take(&witness.id).await.0, 200);
    let work = tempfile::tempdir().unwrap();

    // The photo as a phone would send it: position, time, camera, author, place, comment and a
    // thumbnail, all there before.
    let sent = gps_jpeg(work.path());
    let before = exif_json(work.path(), "before.jpg", &sent);
    for tag in [
        "GPS:GPSLatitude",
        "GPS:GPSLongitude",
        "IFD0:Make",
        "XMP-dc:Creator",
        "IPTC:City",
        "File:Comment",
        "IFD1:ThumbnailImage",
    ] {
        assert!(
            before.contains_key(tag),
            "the input lacks {tag}: {before:?}"
        );
    }
    eprintln!(
        "exiftool before: GPS {} {}, Make {}, XMP Creator {}, IPTC City {}, Comment {}",
        before["GPS:GPSLatitude"],
        before["GPS:GPSLongitude"],
        before["IFD0:Make"],
        before["XMP-dc:Creator"],
        before["IPTC:City"],
        before["File:Comment"]
    );

    // The check used on the output does see all of it in the input.
    let seen = leftovers(&before).join("\n");
    for tag in [
        "GPSLatitude",
        "Make",
        "Creator",
        "City",
        "Comment",
        "ThumbnailImage",
    ] {
        assert!(seen.contains(tag), "{tag} not seen in {seen}");
    }

    let (status, body) = upload(&witness, "ph-1", "image/jpeg", sent.clone()).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["duplicate"], false);
    let id = body["photo"].as_str().unwrap().to_owned();
    let seq = body["seq"].as_u64().unwrap();

    // The witness's thread names the photo, and does not send it back.
    let events = witness.event_list().await;
    let mine = photo_events(&events);
    assert_eq!(mine.len(), 1, "{events:?}");
    assert_eq!(mine[0]["seq"].as_u64(), Some(seq));
    assert_eq!(mine[0]["author"], "witness");
    assert_eq!(mine[0]["kind"], "message");
    assert_eq!(mine[0]["client_id"], "ph-1");
    assert!(!Value::Array(events.clone()).to_string().contains(&id));

    // The officer's thread names it with its size.
    let (_, case) = officer
        .get(&format!("/api/v1/staff/conversations/{}", witness.id))
        .await;
    let shown = case["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["seq"].as_u64() == Some(seq))
        .unwrap();
    assert_eq!(shown["photo"]["id"], id.as_str());
    assert_eq!(
        (
            shown["photo"]["width"].as_u64(),
            shown["photo"]["height"].as_u64()
        ),
        (Some(640), Some(480))
    );

    // The officer holding the case reads it: a plain JPEG, not cached, shown inline.
    let served = staff_photo(&server, Some(&officer.cookie), &id).await;
    assert_eq!(served.status, 200);
    assert_eq!(served.headers["content-type"], "image/jpeg");
    assert_eq!(served.headers["cache-control"], "no-store");
    assert_eq!(served.headers["content-disposition"], "inline");
    assert_eq!(served.headers["x-content-type-options"], "nosniff");
    let after = exif_json(work.path(), "after.jpg", &served.bytes);
    eprintln!("exiftool after: {}", Value::Object(after.clone()));
    assert_clean(&after, "the JPEG");
    let decoded = image::load_from_memory(&served.bytes).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (640, 480));
    for planted in PLANTED {
        let found = served
            .bytes
            .windows(planted.len())
            .any(|w| w == planted.as_bytes());
        assert!(!found, "{planted} in the served bytes");
    }

    // Each read is audited, with the read of the conversation it needs.
    let (status, audit) = auditor.get("/api/v1/staff/audit?action=photo_viewed").await;
    assert_eq!(status, 200);
    let rows = audit["entries"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{audit}");
    assert_eq!(rows[0]["target"], format!("photo:{id}"));
    assert_eq!(rows[0]["purpose"], "handling");
    assert_eq!(rows[0]["actor"], "agent.photo");

    // Nobody else but the shift lead: not another operator, not the admin, not the auditor,
    // not without a session; and none of those refusals is logged as a view.
    for (who, cookie) in [
        ("another operator", &other.cookie),
        ("the admin", &admin.cookie),
        ("the auditor", &auditor.cookie),
    ] {
        let refused = staff_photo(&server, Some(cookie), &id).await;
        assert_eq!(refused.status, 403, "{who}");
        assert!(!refused.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("image/"));
    }
    let anonymous = staff_photo(&server, None, &id).await;
    assert_eq!(
        (
            anonymous.status,
            anonymous.headers["location"].to_str().unwrap()
        ),
        (303, "/staff/login")
    );
    let unknown = staff_photo(
        &server,
        Some(&officer.cookie),
        "00000000-0000-4000-8000-000000000000",
    )
    .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(
        staff_photo(&server, Some(&supervisor.cookie), &id)
            .await
            .status,
        200
    );
    let (_, audit) = auditor.get("/api/v1/staff/audit?action=photo_viewed").await;
    assert_eq!(audit["entries"].as_array().unwrap().len(), 2, "{audit}");

    // A copy of the database holds neither the image (raw, or as base64 or hex text) nor what
    // was planted in it.
    let middle = served.bytes.len() / 2 / 3 * 3;
    let raw = &served.bytes[middle..middle + 96];
    let mut needles: Vec<Vec<u8>> = vec![
        raw[..64].to_vec(),
        served.bytes[served.bytes.len() - 80..served.bytes.len() - 16].to_vec(),
        base64(raw, false).into_bytes(),
        base64(raw, true).into_bytes(),
        raw[..32]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
            .into_bytes(),
    ];
    needles.extend(PLANTED.iter().map(|p| p.as_bytes().to_vec()));
    let scan = |dir: &Path| {
        for file in ["vigie.db", "vigie.db-wal"] {
            let Ok(bytes) = std::fs::read(dir.join(file)) else {
                continue;
            };
            for needle in &needles {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle.as_slice()),
                    "{file} holds {}",
                    String::from_utf8_lossy(needle)
                );
            }
        }
    };
    scan(server.dir.path());
    assert!(server.terminate(), "clean shutdown");
    scan(server.dir.path());
}

#[tokio::test]
async fn png_text_chunks_and_webp_metadata_are_gone_too() {
    let server = Server::start();
    let officer = server.staff("operator", "agent.png", "").await;
    let witness = server.witness().await;
    assert_eq!(officer.take(&witness.id).await.0, 200);
    let work = tempfile::tempdir().unwrap();

    let png = with_metadata(
        work.path(),
        "text.png",
        &encode(&picture(300, 200), image::ImageFormat::Png),
        &[
            format!("-PNG:Comment={PNG_TEXT}"),
            format!("-PNG:Author={CREATOR}"),
            "-EXIF:GPSLatitude=43.2965".into(),
            "-EXIF:GPSLatitudeRef=N".into(),
            format!("-XMP:City={CITY}"),
        ],
    );
    let tags = exif_json(work.path(), "png-before.png", &png);
    assert!(
        Value::Object(tags.clone()).to_string().contains(PNG_TEXT),
        "the PNG carries its text: {tags:?}"
    );
    let webp = with_metadata(
        work.path(),
        "meta.webp",
        &encode(&picture(320, 240), image::ImageFormat::WebP),
        &[
            format!("-XMP:Creator={WEBP_XMP}"),
            "-EXIF:GPSLongitude=5.3698".into(),
            "-EXIF:GPSLongitudeRef=E".into(),
            format!("-EXIF:Make={CAMERA}"),
        ],
    );
    let tags = exif_json(work.path(), "webp-before.webp", &webp);
    assert!(
        Value::Object(tags.clone()).to_string().contains(WEBP_XMP),
        "the WebP carries its XMP: {tags:?}"
    );

    // The label does not matter, the bytes do: the WebP goes as a generic binary.
    for (name, label, bytes, size) in [
        ("PNG", "image/png", png, (300, 200)),
        ("WebP", "application/octet-stream", webp, (320, 240)),
    ] {
        let (status, body) = upload(&witness, &format!("ph-{name}"), label, bytes).await;
        assert_eq!(status, 201, "{name}: {body}");
        let id = body["photo"].as_str().unwrap();
        let served = staff_photo(&server, Some(&officer.cookie), id).await;
        assert_eq!(served.status, 200, "{name}");
        assert_eq!(served.headers["content-type"], "image/jpeg");
        assert_clean(
            &exif_json(work.path(), &format!("{name}-after.jpg"), &served.bytes),
            name,
        );
        let decoded = image::load_from_memory(&served.bytes).unwrap();
        assert_eq!((decoded.width(), decoded.height()), size, "{name}");
    }
    assert_eq!(photo_events(&witness.event_list().await).len(), 2);
}

#[tokio::test]
async fn refused_files_get_typed_errors_and_leave_nothing_behind() {
    // A 16 KiB limit (the smallest the setting allows), to meet it with a small file.
    let server = Server::start_with(&[("VIGIE_PHOTO_MAX_KIB", "16")]);
    let witness = server.witness().await;
    assert_eq!(witness.send("m-1", "Je vous envoie une photo").await.0, 201);
    let before = witness.event_list().await;

    let jpeg = encode(&picture(64, 48), image::ImageFormat::Jpeg);
    assert!(jpeg.len() < 16 * 1024);
    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;".to_vec();
    // A HEIC file's first box: refused by its bytes like any other unknown type.
    let heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic".to_vec();
    let cases: Vec<(&str, &str, Vec<u8>, u16, &str)> = vec![
        ("a GIF", "image/jpeg", gif, 415, "photo-type"),
        ("a HEIC", "image/jpeg", heic, 415, "photo-type"),
        (
            "a text file labelled as a JPEG",
            "image/jpeg",
            b"Ceci n'est pas une photo, juste du texte.".to_vec(),
            415,
            "photo-type",
        ),
        (
            "a truncated JPEG",
            "image/jpeg",
            jpeg[..jpeg.len() / 2].to_vec(),
            422,
            "photo-corrupt",
        ),
        (
            "an empty body",
            "image/jpeg",
            Vec::new(),
            422,
            "photo-empty",
        ),
        (
            "a body over the limit",
            "image/jpeg",
            vec![0xff; 16 * 1024 + 1],
            413,
            "photo-too-large",
        ),
        (
            "a JPEG labelled as text",
            "text/plain",
            jpeg.clone(),
            415,
            "photo-type",
        ),
    ];
    for (i, (what, label, bytes, status, code)) in cases.into_iter().enumerate() {
        let (got, body) = upload(&witness, &format!("bad-{i}"), label, bytes).await;
        assert_eq!(
            (got, body["error"]["code"].as_str()),
            (status, Some(code)),
            "{what}: {body}"
        );
        assert!(
            !body["error"]["message"].as_str().unwrap().is_empty(),
            "{what}: translated"
        );
    }
    let (status, body) = upload(&witness, "bad id!", "image/jpeg", jpeg.clone()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("client-id-invalid"))
    );
    let r = server
        .http
        .post(server.url("/api/v1/witness/photos"))
        .bearer_auth(&witness.token)
        .header("content-type", "image/jpeg")
        .body(jpeg.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = server
        .http
        .post(server.url("/api/v1/witness/photos?client_id=x1"))
        .header("content-type", "image/jpeg")
        .body(jpeg.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(witness.event_list().await, before, "nothing was written");

    // Under the limit, the same server takes a photo; the page announces the limit.
    let (status, body) = upload(&witness, "good-1", "image/jpeg", jpeg).await;
    assert_eq!(status, 201, "{body}");
    let page = server
        .http
        .get(server.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("data-max-bytes=\"16384\""), "{page}");
}

#[tokio::test]
async fn a_retried_photo_is_stored_once_and_blocked_or_closed_conversations_refuse() {
    let server = Server::start();
    let officer = server.staff("operator", "agent.retry", "").await;
    let witness = server.witness().await;
    assert_eq!(officer.take(&witness.id).await.0, 200);
    let jpeg = encode(&picture(120, 90), image::ImageFormat::Jpeg);

    let (status, first) = upload(&witness, "same-1", "image/jpeg", jpeg.clone()).await;
    assert_eq!(status, 201, "{first}");
    let (status, again) = upload(&witness, "same-1", "image/jpeg", jpeg.clone()).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["seq"], first["seq"]);
    assert_eq!(again["photo"], first["photo"]);
    assert_eq!(photo_events(&witness.event_list().await).len(), 1);
    // The page drawn by the server (the flow without JavaScript) names it too, once.
    let page = server
        .http
        .post(server.url("/"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .body(format!("action=refresh&token={}", witness.token))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        page.matches("<p class=\"body\">Photo envoyée</p>").count(),
        1,
        "{page}"
    );
    // A client id that named a text message is not a photo.
    assert_eq!(witness.send("text-1", "Bonjour").await.0, 201);
    let (status, body) = upload(&witness, "text-1", "image/jpeg", jpeg.clone()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("client-id-reused"))
    );

    let (status, body) = officer
        .post(
            &format!("/api/v1/staff/conversations/{}/block", witness.id),
            json!({ "reason": "Photos injurieuses" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = upload(&witness, "after-block", "image/jpeg", jpeg.clone()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (423, Some("conversation-blocked"))
    );

    let closed = server.witness().await;
    assert_eq!(officer.take(&closed.id).await.0, 200);
    let (status, body) = officer
        .post(
            &format!("/api/v1/staff/conversations/{}/close", closed.id),
            json!({ "outcome": "out_of_scope", "reason": "Hors du champ" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = upload(&closed, "after-close", "image/jpeg", jpeg).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("conversation-closed"))
    );
    assert!(photo_events(&closed.event_list().await).is_empty());
}

#[tokio::test]
async fn the_officer_sees_the_photo_arrive_live_and_a_long_poll_returns_it() {
    let server = Server::start();
    let officer = server.staff("operator", "agent.live", "").await;
    let witness = server.witness().await;
    assert_eq!(officer.take(&witness.id).await.0, 200);
    let last = witness
        .event_list()
        .await
        .last()
        .unwrap()
        .get("seq")
        .unwrap()
        .as_u64()
        .unwrap();

    let mut ws = officer.socket().await;
    use futures_util::SinkExt;
    ws.send(tokio_tungstenite::tungstenite::Message::Text(
        json!({ "type": "watch", "conversation_id": witness.id, "after": last })
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    // The witness's side waits on a long poll meanwhile.
    let poll = {
        let http = witness.http.clone();
        let url = format!(
            "{}/api/v1/witness/events?after={last}&wait=20",
            witness.base
        );
        let token = witness.token.clone();
        tokio::spawn(async move {
            let r = http.get(url).bearer_auth(token).send().await.unwrap();
            r.json::<Value>().await.unwrap()
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let jpeg = encode(&picture(200, 150), image::ImageFormat::Jpeg);
    let (status, body) = upload(&witness, "live-1", "image/jpeg", jpeg).await;
    assert_eq!(status, 201, "{body}");
    let frames = until(&mut ws, |f| {
        f["type"] == "event" && f["event"]["photo"].is_object()
    })
    .await;
    let event = &frames.last().unwrap()["event"];
    assert_eq!(event["photo"]["id"], body["photo"]);
    assert_eq!(event["photo"]["width"], 200);
    assert_eq!(event["photo"]["height"], 150);
    assert_eq!(event["author"], "witness");

    let polled = poll.await.unwrap();
    let events = polled["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{polled}");
    assert_eq!(events[0]["photo"], true);
    assert_eq!(events[0]["seq"], body["seq"]);
}
