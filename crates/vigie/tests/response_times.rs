#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Response-time figures on the statistics page (issue 6), through the real binary: a chat
//! answered at once and a witness left waiting, measured against the target setting, which a
//! restart on the same data changes.

mod common;

use common::*;
use std::time::{Duration, Instant};

/// The text of the `<dd>` that follows the `<dt>` starting with `label`, in the response-time
/// section's key figures.
fn fact(page: &str, label: &str) -> String {
    let section = &page[page.find("id=\"rt-overall\"").expect("the key figures")..];
    let dt = section
        .find(&format!("<dt>{label}"))
        .unwrap_or_else(|| panic!("no {label:?} in {section}"));
    let rest = &section[dt..];
    let dd = rest.find("<dd").unwrap();
    let open = dd + rest[dd..].find('>').unwrap() + 1;
    let close = open + rest[open..].find("</dd>").unwrap();
    rest[open..close].to_owned()
}

/// The number in the first `attribute="…"` of the page.
fn number(page: &str, attribute: &str) -> usize {
    let needle = format!("{attribute}=\"");
    let at = page
        .find(&needle)
        .unwrap_or_else(|| panic!("no {attribute}"))
        + needle.len();
    page[at..at + page[at..].find('"').unwrap()]
        .parse()
        .unwrap()
}

/// The breaches of every row of the table `id`, summed (two chats opened a second apart may
/// fall on both sides of an hour or a midnight).
fn table_breaches(page: &str, id: &str) -> usize {
    let start = page.find(&format!("<table id=\"{id}\"")).unwrap();
    let table = &page[start..start + page[start..].find("</table>").unwrap()];
    table
        .split("data-breaches=\"")
        .skip(1)
        .map(|cell| cell[..cell.find('"').unwrap()].parse::<usize>().unwrap())
        .sum()
}

#[tokio::test]
async fn a_witness_left_waiting_past_the_target_is_a_breach_and_the_target_is_a_setting() {
    let mut server = Server::start_with(&[("VIGIE_RESPONSE_TARGET_SECONDS", "10")]);
    let officer = server.staff("operator", "agent.delais", "").await;
    let lead = server.staff("supervisor", "chef.delais", "").await;

    let (status, page) = lead.page("/staff/statistics").await;
    assert_eq!(status, 200);
    assert!(page.contains("Temps de réponse"), "{page}");
    assert!(page.contains("Aucune conversation ouverte sur cette période."));

    // One witness is answered at once; another waits, nobody taking their chat.
    let answered = server.witness().await;
    assert_eq!(
        answered.send("w1", "Il y a un guetteur au hall B").await.0,
        201
    );
    assert_eq!(officer.take(&answered.id).await.0, 200);
    let (status, _) = officer
        .say(&answered.id, "o1", "Bonjour, je vous écoute.")
        .await;
    assert_eq!(status, 201);
    let waiting = server.witness().await;
    let opened = Instant::now();
    assert_eq!(waiting.send("w1", "Allô ?").await.0, 201);

    let (_, page) = lead.page("/staff/statistics?days=7").await;
    assert_eq!(number(&page, "data-chats"), 2);
    let reply = fact(&page, "Première réponse (médiane)");
    assert!(reply.ends_with(" s") && !reply.contains("min"), "{reply}");
    assert!(fact(&page, "Objectif de première réponse").contains("10 s"));
    // The chart with its table, hours and days.
    assert!(page.contains("Délai médian de première réponse"));
    assert!(
        page.contains("<table id=\"rt-by-hour\">") && page.contains("<table id=\"rt-by-day\">")
    );
    assert!(page.contains("<th scope=\"row\">"));
    if opened.elapsed() < Duration::from_secs(9) {
        assert_eq!(number(&page, "data-breaches"), 0, "nobody waited 10 s yet");
    }

    // Past the target, the witness still waiting is a breach; the one answered at once is not.
    tokio::time::sleep(Duration::from_secs(11).saturating_sub(opened.elapsed())).await;
    let (_, page) = lead.page("/staff/statistics?days=7").await;
    assert_eq!(number(&page, "data-chats"), 2);
    assert_eq!(number(&page, "data-breaches"), 1, "{page}");
    assert!(
        page.contains(">1 (50 %)</dd>"),
        "the share of the period's chats"
    );
    assert_eq!(table_breaches(&page, "rt-by-hour"), 1);
    assert_eq!(table_breaches(&page, "rt-by-day"), 1);
    let (_, english) = lead.page("/staff/statistics?days=7&lang=en").await;
    assert!(english.contains("Response times") && english.contains("1 (50%)"));

    // The same data against a one-hour target: nobody waited that long.
    assert!(server.terminate());
    let dir = std::mem::replace(&mut server.dir, tempfile::tempdir().unwrap());
    let server = Server::start_in(dir, &[("VIGIE_RESPONSE_TARGET_SECONDS", "3600")]);
    let lead = StaffClient {
        base: server.base.clone(),
        addr: server.addr.clone(),
        http: server.http.clone(),
        ..lead
    };
    let (status, page) = lead.page("/staff/statistics?days=7").await;
    assert_eq!(status, 200);
    assert_eq!(number(&page, "data-chats"), 2);
    assert_eq!(number(&page, "data-breaches"), 0);
    assert!(fact(&page, "Objectif de première réponse").contains("1 h"));

    // The figures are for those who may see statistics.
    let officer = server.staff("operator", "agent.curieux", "").await;
    assert_eq!(officer.page("/staff/statistics").await.0, 403);
}
