#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The roster (issue 6), through the real server: the shift lead plans a shift on the roster
//! page; when it starts the officer is on shift without touching anything, when it ends they
//! enter drain mode and keep their chat, and once that chat is over they are off duty.

mod common;

use common::*;
use serde_json::Value;
use std::time::Duration;

/// Posts a page form with the lead's CSRF token; the status and either the redirect's location
/// or the page.
async fn form(
    lead: &StaffClient,
    path: &str,
    fields: &[(&str, &str)],
    csrf: &str,
) -> (u16, String) {
    let mut pairs = fields.to_vec();
    pairs.push(("csrf", csrf));
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}{path}", lead.base))
        .header("cookie", &lead.cookie)
        .form(&pairs)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, location.unwrap_or(r.text().await.unwrap()))
}

/// The value of the first `name="…" value="…"` pair on the page.
fn field(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker).unwrap() + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

/// The value of the officer select's option labelled with `username`.
fn option_for(page: &str, username: &str) -> String {
    page.split("<option value=\"")
        .find(|o| o.contains(&format!("\">{username} (")))
        .unwrap_or_else(|| panic!("{username} in the officer list"))
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

async fn duty(lead: &StaffClient, username: &str) -> String {
    let (status, board) = lead.get("/api/v1/staff/board").await;
    assert_eq!(status, 200);
    board["officers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["username"] == username)
        .map(|o| o["duty"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("{username} on the board: {board}"))
}

/// Polls the board until the officer's duty is `want`, for at most `within`.
async fn duty_becomes(lead: &StaffClient, username: &str, want: &str, within: Duration) {
    let until = tokio::time::Instant::now() + within;
    loop {
        let now = duty(lead, username).await;
        if now == want {
            return;
        }
        assert!(
            tokio::time::Instant::now() < until,
            "{username} is {now}, not {want}, after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn hms(t: time::OffsetDateTime) -> String {
    t.format(time::macros::format_description!(
        "[hour]:[minute]:[second]"
    ))
    .unwrap()
}

fn ymd(t: time::OffsetDateTime) -> String {
    t.format(time::macros::format_description!("[year]-[month]-[day]"))
        .unwrap()
}

#[tokio::test]
async fn a_planned_shift_puts_the_officer_on_shift_then_drains_then_ends_their_duty() {
    let server = Server::start();
    let lead = server.staff("supervisor", "chef.planning", "").await;
    let officer = server.staff("operator", "agent.planning", "").await;
    let _console = officer.socket().await;

    // The officer holds a chat before the shift: it must survive the end of the shift.
    let witness = server.witness().await;
    assert_eq!(officer.take(&witness.id).await.0, 200);
    assert_eq!(
        officer
            .say(&witness.id, "r1", "Bonjour, je vous écoute.")
            .await
            .0,
        201
    );
    assert_eq!(duty(&lead, "agent.planning").await, "off_duty");

    // The page: French first, times in UTC, the officer in the list, the session's CSRF token.
    let (status, page) = lead.page("/staff/roster").await;
    assert_eq!(status, 200);
    assert!(page.contains("temps universel (UTC)"), "{page}");
    assert!(
        page.contains("Planning"),
        "the lead's navigation links the page"
    );
    let csrf = field(&page, "csrf");
    let id = option_for(&page, "agent.planning");
    let (status, english) = lead.page("/staff/roster?lang=en").await;
    assert_eq!(status, 200);
    assert!(english.contains("All times are in Coordinated Universal Time (UTC)"));

    // Refusals, in the page's language; nothing is written.
    let tomorrow = time::OffsetDateTime::now_utc() + time::Duration::days(1);
    let day = ymd(tomorrow);
    let (status, refused) = form(
        &lead,
        "/staff/roster",
        &[
            ("staff", &id),
            ("date", &day),
            ("start", "08:00"),
            ("end", "08:00"),
        ],
        &csrf,
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        refused.contains("La fin doit être différente du début."),
        "{refused}"
    );
    let (status, refused) = form(
        &lead,
        "/staff/roster?lang=en",
        &[
            ("staff", "someone"),
            ("date", &day),
            ("start", "08:00"),
            ("end", "16:00"),
        ],
        &csrf,
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        refused.contains("Choose an active operator or shift lead."),
        "{refused}"
    );

    // A night shift tomorrow (the end falls the next day), then one overlapping it, refused.
    let night = [
        ("staff", id.as_str()),
        ("date", &day),
        ("start", "22:00"),
        ("end", "06:00"),
    ];
    let (status, location) = form(&lead, "/staff/roster", &night, &csrf).await;
    assert_eq!((status, location.as_str()), (303, "/staff/roster?added=1"));
    let overlap = [
        ("staff", id.as_str()),
        ("date", &day),
        ("start", "23:00"),
        ("end", "23:30"),
    ];
    let (status, refused) = form(&lead, "/staff/roster", &overlap, &csrf).await;
    assert_eq!(status, 422);
    assert!(refused.contains("Cet agent a déjà une vacation sur ces heures."));
    let (_, page) = lead.page("/staff/roster").await;
    assert!(
        page.contains("<caption>Vacations de agent.planning</caption>"),
        "{page}"
    );
    assert!(page.contains(&format!(
        "{} 22:00 UTC",
        tomorrow
            .format(time::macros::format_description!("[day]/[month]/[year]"))
            .unwrap()
    )));
    assert_eq!(
        duty(&lead, "agent.planning").await,
        "off_duty",
        "not started yet"
    );

    // A shift starting now and ending in three seconds: on shift at once.
    let start = time::OffsetDateTime::now_utc();
    let end = start + time::Duration::seconds(3);
    let now_shift = [
        ("staff", id.as_str()),
        ("date", &ymd(start)),
        ("start", &hms(start)),
        ("end", &hms(end)),
    ];
    let (status, _) = form(&lead, "/staff/roster", &now_shift, &csrf).await;
    assert_eq!(status, 303);
    duty_becomes(&lead, "agent.planning", "on_shift", Duration::from_secs(2)).await;

    // The end: drain mode, the chat still held.
    duty_becomes(&lead, "agent.planning", "draining", Duration::from_secs(5)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        duty(&lead, "agent.planning").await,
        "draining",
        "a chat is held"
    );

    // The chat over, the officer is off duty.
    let (status, _) = witness.post("/api/v1/witness/close", Value::Null).await;
    assert_eq!(status, 200);
    duty_becomes(&lead, "agent.planning", "off_duty", Duration::from_secs(2)).await;

    // The lead removes tomorrow's night shift.
    let (_, page) = lead.page("/staff/roster").await;
    let delete = page
        .split("action=\"/staff/roster/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let (status, location) =
        form(&lead, &format!("/staff/roster/{delete}/delete"), &[], &csrf).await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/staff/roster?deleted=1")
    );
    let (_, page) = lead.page("/staff/roster").await;
    assert!(page.contains("Aucune vacation prévue"), "{page}");
}
