//! The conformance suite, continued: the moments the response-time figures are computed from
//! (creation, first taken, first officer message, closing), which the purge keeps.
//! The scenarios are set in 2001 and 2002, with their own clock, so that no other check's
//! conversations fall in their windows and their purge touches no other check's reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::conformance::{rng, staff, witness_msg};
use crate::*;
use std::sync::Arc;
use time::macros::datetime;
use time::Duration;
use vigie_domain::dispatch::{overall_figures, ChatTimes};
use vigie_domain::{Locale, Role};

type Dyn = Arc<dyn Store>;

pub(crate) async fn run_all(store: Dyn) {
    response_times_come_from_the_conversation_and_its_first_officer_message(store.clone()).await;
    a_purged_conversation_keeps_its_response_times(store).await;
}

/// A base instant of its own for each scenario and run, whole seconds: `year` 0 or 1 after
/// 2001 (one per scenario, so that their windows never meet), any hour of its first 300 days.
fn base(year: i64) -> Timestamp {
    use rand::Rng;
    datetime!(2001-01-01 00:00 UTC)
        + Duration::days(365 * year)
        + Duration::hours(rng().gen_range(0..24 * 300))
}

fn secs(t: Timestamp, s: i64) -> Timestamp {
    t + Duration::seconds(s)
}

async fn opened(store: &dyn Store, at: Timestamp) -> ConversationId {
    let id = ConversationId::random(&mut rng());
    store
        .create_conversation(NewConversation {
            id,
            locale: Locale::Fr,
            receipt_hash: format!("receipt-{id}"),
            token_hash: format!("token-{id}"),
            created_at: at,
        })
        .await
        .unwrap();
    id
}

async fn take(store: &dyn Store, officer: &StaffPrincipal, id: ConversationId, at: Timestamp) {
    let outcome = store
        .take(id, officer.id, ReportId::random(&mut rng()), at)
        .await
        .unwrap();
    assert!(matches!(outcome, TakeOutcome::Taken(_)));
}

async fn officer_says(
    store: &dyn Store,
    officer: &StaffPrincipal,
    id: ConversationId,
    n: u32,
    at: Timestamp,
) {
    store
        .append_message(NewMessage {
            writer: Writer::Officer(officer.id),
            at,
            ..witness_msg(id, &format!("o{n}"), "Bonjour, je vous écoute.")
        })
        .await
        .unwrap();
}

async fn witness_says(store: &dyn Store, id: ConversationId, n: u32, at: Timestamp) {
    store
        .append_message(NewMessage {
            at,
            ..witness_msg(id, &format!("w{n}"), "Il y a du monde au hall B")
        })
        .await
        .unwrap();
}

async fn rejected(store: &dyn Store, officer: &StaffPrincipal, id: ConversationId, at: Timestamp) {
    let case = AssignedCase::obtain(store, officer, id).await.unwrap();
    store
        .close_case(
            &case,
            CloseOutcome::Rejected,
            ReasonText::parse("Hors sujet").unwrap(),
            at,
        )
        .await
        .unwrap();
}

/// Four conversations: answered late, answered in time, never taken (the witness left), taken
/// and closed without a word from the officer; and a fifth created at the window's end.
/// Returns the ids of the three that have a report (taken, then rejected).
async fn four_chats(store: &dyn Store, t: Timestamp) -> [ConversationId; 3] {
    let officer = staff(store, Role::Operator, &[]).await;
    // Answered late: first officer message 3 min after creation, a second one later.
    let late = opened(store, t).await;
    take(store, &officer, late, secs(t, 20)).await;
    witness_says(store, late, 1, secs(t, 25)).await;
    officer_says(store, &officer, late, 1, secs(t, 180)).await;
    officer_says(store, &officer, late, 2, secs(t, 240)).await;
    rejected(store, &officer, late, secs(t, 600)).await;
    // Answered in time: 40 s.
    let quick = opened(store, secs(t, 60)).await;
    witness_says(store, quick, 1, secs(t, 65)).await;
    take(store, &officer, quick, secs(t, 70)).await;
    officer_says(store, &officer, quick, 1, secs(t, 100)).await;
    rejected(store, &officer, quick, secs(t, 1200)).await;
    // Never taken: the witness left after 2 min 30 s.
    let left = opened(store, secs(t, 120)).await;
    witness_says(store, left, 1, secs(t, 125)).await;
    store.close_by_witness(left, secs(t, 270)).await.unwrap();
    // Taken, then closed a minute after creation without a reply (joining is no reply).
    let silent = opened(store, secs(t, 180)).await;
    take(store, &officer, silent, secs(t, 185)).await;
    rejected(store, &officer, silent, secs(t, 240)).await;
    // At the window's end: outside `[t, t + 1 h)`.
    let after = opened(store, secs(t, 3600)).await;
    store.close_by_witness(after, secs(t, 3700)).await.unwrap();
    [late, quick, silent]
}

fn chat(
    t: Timestamp,
    created: i64,
    taken: Option<i64>,
    reply: Option<i64>,
    closed: i64,
) -> ChatTimes {
    ChatTimes {
        created: secs(t, created),
        taken: taken.map(|s| secs(t, s)),
        first_reply: reply.map(|s| secs(t, s)),
        closed: Some(secs(t, closed)),
    }
}

pub async fn response_times_come_from_the_conversation_and_its_first_officer_message(store: Dyn) {
    let s = store.as_ref();
    let t = base(0);
    four_chats(s, t).await;
    let times = s.chat_times(t, secs(t, 3600)).await.unwrap();
    assert_eq!(
        times,
        vec![
            chat(t, 0, Some(20), Some(180), 600),
            chat(t, 60, Some(70), Some(100), 1200),
            chat(t, 120, None, None, 270),
            chat(t, 180, Some(185), None, 240),
        ]
    );
    // The window is half-open, and empty before the first chat.
    assert_eq!(s.chat_times(t, secs(t, 3601)).await.unwrap().len(), 5);
    assert_eq!(
        s.chat_times(secs(t, 1), secs(t, 3600)).await.unwrap().len(),
        3
    );
    assert!(s.chat_times(secs(t, -60), t).await.unwrap().is_empty());

    // Against a 2 min target: the late answer and the witness who left unanswered breach.
    let all = overall_figures(&times, Duration::minutes(2), secs(t, 3600)).unwrap();
    assert_eq!((all.chats, all.breaches), (4, 2));
    let reply = all.first_reply.unwrap();
    assert_eq!(
        (reply.count, reply.median, reply.max),
        (2, Duration::seconds(40), Duration::seconds(180))
    );
    assert_eq!(all.wait.unwrap().count, 3);
    assert_eq!(all.handling.unwrap().max, Duration::seconds(1130));
}

pub async fn a_purged_conversation_keeps_its_response_times(store: Dyn) {
    let s = store.as_ref();
    let t = base(1);
    let reported = four_chats(s, t).await;
    let before = s.chat_times(t, secs(t, 3600)).await.unwrap();
    assert_eq!(before.len(), 4);
    // A month and a day on, the three rejected reports have run out (30 days by default); the
    // purge only looks at reports older than that: this file's, set in 2001 and 2002.
    let purged = s.purge(t + Duration::days(31)).await.unwrap();
    assert!(purged.reports >= 3);
    for id in reported {
        assert!(s.events_after(id, 0, 100).await.unwrap().is_empty());
    }
    // The threads are gone, the moments stay: the conversation row and the report's creation
    // outlive the purge, and the row keeps the holder's first reply.
    assert_eq!(s.chat_times(t, secs(t, 3600)).await.unwrap(), before);
}
