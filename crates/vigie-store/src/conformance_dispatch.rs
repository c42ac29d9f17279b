//! Conformance for issue 6's dispatch rows: offers, their expiry and the decline memory, claims
//! under an offer, take next, long waits and first-reply timeouts with their alerts, and racing
//! accepts (warm handovers: `conformance_handover`, with the same scenario helpers).
//!
//! Dispatch sees every officer and chat of the database, and the checks share one: each
//! scenario is set a day after the previous one (so every officer seen before is lost by then)
//! and first closes every chat still open, so that the plan holds only its own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::conformance::{now, rng, staff, witness_msg};
use crate::*;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use time::Duration;
use vigie_domain::dispatch::{
    Alert, AlertReason, Decline, DispatchConfig, Duty, HeldChat, Offer, Priority, Requeue,
    WaitingChat, WithdrawCause, Withdrawal,
};
use vigie_domain::{ConversationState, EventKind, Locale, Role};

type Dyn = Arc<dyn Store>;

pub(crate) async fn run_all(store: Dyn) {
    an_officer_on_shift_gets_an_offer_and_a_second_run_changes_nothing(store.clone()).await;
    an_offer_left_unanswered_moves_to_the_next_officer(store.clone()).await;
    an_offered_chat_is_taken_only_by_its_officer(store.clone()).await;
    declines_are_remembered_until_the_chat_closes(store.clone()).await;
    take_next_passes_over_declined_chats_until_only_they_are_left(store.clone()).await;
    a_long_wait_raises_one_alert(store.clone()).await;
    an_unanswered_chat_goes_back_with_an_alert_and_keeps_its_report(store.clone()).await;
    crate::conformance_handover::a_warm_handover_to_a_colleague_then_back_to_the_queue(
        store.clone(),
    )
    .await;
    of_racing_accepts_and_takes_one_wins(store).await;
}

fn config() -> DispatchConfig {
    DispatchConfig::default()
}

/// A scenario's start: whole seconds, a day after the previous scenario's, well after now.
pub(crate) async fn scenario(store: &dyn Store) -> Timestamp {
    static DAY: AtomicI64 = AtomicI64::new(30);
    let t =
        now().replace_millisecond(0).unwrap() + Duration::days(DAY.fetch_add(1, Ordering::SeqCst));
    for entry in store.queue().await.unwrap() {
        store.close_by_witness(entry.conversation, t).await.unwrap();
    }
    for c in store.active_conversations().await.unwrap() {
        if c.state != ConversationState::Closed {
            store.close_by_witness(c.id, t).await.unwrap();
        }
    }
    let left = store.dispatch_snapshot().await.unwrap();
    assert!(left.waiting.is_empty() && left.held.is_empty() && left.offers.is_empty());
    t
}

pub(crate) async fn on_shift(store: &dyn Store, at: Timestamp) -> StaffPrincipal {
    let officer = staff(store, Role::Operator, &[]).await;
    store
        .set_duty(officer.id, Duty::OnShift, officer.id, at)
        .await
        .unwrap();
    store.heartbeat(officer.id, at).await.unwrap();
    officer
}

pub(crate) async fn waiting_since(store: &dyn Store, at: Timestamp) -> ConversationId {
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

pub(crate) fn report() -> ReportId {
    ReportId::random(&mut rng())
}

pub(crate) fn taken(outcome: TakeOutcome) -> Event {
    match outcome {
        TakeOutcome::Taken(event) => event,
        other => panic!("expected a take, got {other:?}"),
    }
}

pub(crate) fn officer_message(
    conversation: ConversationId,
    who: StaffId,
    at: Timestamp,
) -> NewMessage {
    NewMessage {
        writer: Writer::Officer(who),
        at,
        ..witness_msg(
            conversation,
            &format!("reply-{}", at.unix_timestamp()),
            "Bonjour",
        )
    }
}

/// The two officers ordered as dispatch ranks equals: by id.
fn by_id(a: StaffPrincipal, b: StaffPrincipal) -> (StaffPrincipal, StaffPrincipal) {
    if a.id < b.id {
        (a, b)
    } else {
        (b, a)
    }
}

pub async fn an_officer_on_shift_gets_an_offer_and_a_second_run_changes_nothing(store: Dyn) {
    let s = store.as_ref();
    let t = scenario(s).await;
    let officer = on_shift(s, t).await;
    let chat = waiting_since(s, t).await;

    let plan = s.dispatch(t, &config()).await.unwrap();
    let offer = Offer {
        chat,
        officer: officer.id,
        expires_at: t + Duration::seconds(30),
    };
    assert_eq!(plan.offers, vec![offer]);
    assert!(plan.withdrawals.is_empty() && plan.requeues.is_empty() && plan.alerts.is_empty());
    assert_eq!(plan.next_deadline, Some(t + Duration::seconds(30)));
    let after = s.dispatch_snapshot().await.unwrap();
    assert_eq!(after.offers, vec![offer]);
    let me = after.officers.iter().find(|o| o.id == officer.id).unwrap();
    assert_eq!(
        (me.duty, me.last_seen, me.last_assigned),
        (Duty::OnShift, t, Some(t))
    );

    let again = s.dispatch(t, &config()).await.unwrap();
    assert!(again.is_quiet(), "{again:?}");
    assert_eq!(again.next_deadline, plan.next_deadline);
    assert_eq!(s.dispatch_snapshot().await.unwrap(), after);
}

pub async fn an_offer_left_unanswered_moves_to_the_next_officer(store: Dyn) {
    let s = store.as_ref();
    let t = scenario(s).await;
    let (first, second) = by_id(on_shift(s, t).await, on_shift(s, t).await);
    let chat = waiting_since(s, t).await;
    let plan = s.dispatch(t, &config()).await.unwrap();
    let offer = Offer {
        chat,
        officer: first.id,
        expires_at: t + Duration::seconds(30),
    };
    assert_eq!(plan.offers, vec![offer]);

    let later = t + Duration::seconds(30);
    let plan = s.dispatch(later, &config()).await.unwrap();
    assert_eq!(
        plan.withdrawals,
        vec![Withdrawal {
            offer,
            cause: WithdrawCause::TimedOut
        }]
    );
    assert_eq!(
        plan.offers,
        vec![Offer {
            chat,
            officer: second.id,
            expires_at: later + Duration::seconds(30),
        }]
    );
    let after = s.dispatch_snapshot().await.unwrap();
    assert!(after.declines.contains(&Decline {
        chat,
        officer: first.id
    }));
    assert_eq!(after.offers.len(), 1);
}

pub async fn an_offered_chat_is_taken_only_by_its_officer(store: Dyn) {
    let s = store.as_ref();
    let t = scenario(s).await;
    let (mine, other) = by_id(on_shift(s, t).await, on_shift(s, t).await);
    let chat = waiting_since(s, t).await;
    s.dispatch(t, &config()).await.unwrap();

    // Under a live offer to `mine`, nobody else takes it, by any door.
    let at = t + Duration::seconds(5);
    assert_eq!(
        s.take(chat, other.id, report(), at).await.unwrap(),
        TakeOutcome::AlreadyTaken
    );
    assert_eq!(s.take_next(other.id, report(), at).await.unwrap(), None);
    assert!(matches!(
        s.accept_offer(chat, other.id, report(), at).await,
        Err(StoreError::Conflict("offer-gone"))
    ));

    let event = taken(s.accept_offer(chat, mine.id, report(), at).await.unwrap());
    assert_eq!(event.kind, EventKind::OfficerJoined);
    let thread = s.events_after(chat, 0, 10).await.unwrap();
    assert_eq!(
        thread
            .iter()
            .filter(|e| e.kind == EventKind::OfficerJoined)
            .count(),
        1
    );
    let after = s.dispatch_snapshot().await.unwrap();
    assert!(after.offers.is_empty());
    assert_eq!(
        after.held,
        vec![HeldChat {
            chat,
            officer: mine.id,
            priority: Priority::Normal,
            waiting_since: t,
            taken_at: at,
            first_reply_at: None,
        }]
    );
    assert_eq!(
        s.accept_offer(chat, mine.id, report(), at).await.unwrap(),
        TakeOutcome::AlreadyTaken
    );

    // Taking a chat offered to oneself accepts the offer.
    let next = waiting_since(s, t + Duration::seconds(6)).await;
    let plan = s
        .dispatch(t + Duration::seconds(7), &config())
        .await
        .unwrap();
    assert_eq!(plan.offers[0].officer, other.id, "the least loaded");
    taken(
        s.take(next, other.id, report(), t + Duration::seconds(8))
            .await
            .unwrap(),
    );
    assert!(s.dispatch_snapshot().await.unwrap().offers.is_empty());

    // Take next serves one's own offer before an older chat offered to nobody. Equally loaded,
    // `mine` was given a chat longest ago, so the offer is theirs.
    let younger = waiting_since(s, t + Duration::seconds(10)).await;
    let at = t + Duration::seconds(11);
    let plan = s.dispatch(at, &config()).await.unwrap();
    assert_eq!(
        plan.offers,
        vec![Offer {
            chat: younger,
            officer: mine.id,
            expires_at: at + Duration::seconds(30),
        }]
    );
    let older = waiting_since(s, t + Duration::seconds(9)).await;
    let next = |who: StaffId| s.take_next(who, report(), t + Duration::seconds(12));
    assert_eq!(next(mine.id).await.unwrap().unwrap().0, younger);
    assert_eq!(next(other.id).await.unwrap().unwrap().0, older);
}

pub async fn declines_are_remembered_until_the_chat_closes(store: Dyn) {
    let s = store.as_ref();
    let t = scenario(s).await;
    let (first, second) = by_id(on_shift(s, t).await, on_shift(s, t).await);
    let chat = waiting_since(s, t).await;
    s.dispatch(t, &config()).await.unwrap();

    let at = t + Duration::seconds(1);
    assert!(s.decline_offer(chat, first.id, at).await.unwrap());
    assert!(!s.decline_offer(chat, first.id, at).await.unwrap());
    let after = s.dispatch_snapshot().await.unwrap();
    assert!(after.offers.is_empty());
    assert_eq!(
        after.declines,
        vec![Decline {
            chat,
            officer: first.id
        }]
    );
    let log = s
        .audit_log(
            &AuditFilter {
                action: Some("decline_offer".into()),
                ..AuditFilter::default()
            },
            50,
        )
        .await
        .unwrap();
    assert!(log
        .iter()
        .any(|e| e.target == format!("conversation:{chat}") && e.purpose == "handling"));

    let plan = s.dispatch(at, &config()).await.unwrap();
    assert_eq!(plan.offers[0].officer, second.id);
    assert!(s.decline_offer(chat, second.id, at).await.unwrap());
    // Everyone on shift declined it: the memory no longer keeps it from anyone.
    let plan = s.dispatch(at, &config()).await.unwrap();
    assert_eq!(plan.offers.len(), 1);

    s.close_by_witness(chat, at).await.unwrap();
    let after = s.dispatch_snapshot().await.unwrap();
    assert!(after.offers.is_empty() && after.declines.is_empty());
}

pub async fn take_next_passes_over_declined_chats_until_only_they_are_left(store: Dyn) {
    let s = store.as_ref();
    let t = scenario(s).await;
    let officer = on_shift(s, t).await;
    let first = waiting_since(s, t).await;
    let second = waiting_since(s, t + Duration::seconds(1)).await;
    let at = t + Duration::seconds(2);
    assert_eq!(s.dispatch(at, &config()).await.unwrap().offers.len(), 2);
    assert!(s.decline_offer(first, officer.id, at).await.unwrap());
    assert!(s.decline_offer(second, officer.id, at).await.unwrap());
    let third = waiting_since(s, at).await;

    let next = |when| s.take_next(officer.id, report(), when);
    assert_eq!(next(at).await.unwrap().unwrap().0, third);
    assert_eq!(next(at).await.unwrap().unwrap().0, first);
    assert_eq!(next(at).await.unwrap().unwrap().0, second);
    assert_eq!(next(at).await.unwrap(), None);
}

pub async fn a_long_wait_raises_one_alert(store: Dyn) {
    let s = store.as_ref();
    let t = scenario(s).await;
    let chat = waiting_since(s, t).await;
    let plan = s.dispatch(t, &config()).await.unwrap();
    assert!(plan.is_quiet());
    assert_eq!(plan.next_deadline, Some(t + Duration::minutes(2)));

    let late = t + Duration::minutes(2);
    let plan = s.dispatch(late, &config()).await.unwrap();
    assert_eq!(
        plan.alerts,
        vec![Alert {
            reason: AlertReason::LongWait,
            chat,
            officer: None,
            due_at: late,
        }]
    );
    assert!(s.dispatch(late, &config()).await.unwrap().is_quiet());
    let waiting = s.dispatch_snapshot().await.unwrap().waiting;
    assert!(waiting[0].long_wait_alerted);
    let alerts = s.dispatch_alerts(t).await.unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(
        (
            alerts[0].conversation,
            alerts[0].staff,
            alerts[0].reason,
            alerts[0].at
        ),
        (chat, None, AlertReason::LongWait, late)
    );
}

pub async fn an_unanswered_chat_goes_back_with_an_alert_and_keeps_its_report(store: Dyn) {
    let s = store.as_ref();
    let t = scenario(s).await;
    let officer = on_shift(s, t).await;
    let chat = waiting_since(s, t).await;
    let first_report = report();
    taken(s.take(chat, officer.id, first_report, t).await.unwrap());

    let due = t + Duration::minutes(3);
    s.heartbeat(officer.id, due - Duration::seconds(10))
        .await
        .unwrap();
    let plan = s.dispatch(due, &config()).await.unwrap();
    assert_eq!(
        plan.requeues,
        vec![Requeue {
            from: officer.id,
            reason: AlertReason::FirstReplyTimeout,
            entry: WaitingChat {
                id: chat,
                priority: Priority::Normal,
                waiting_since: t,
                long_wait_alerted: true,
            },
        }]
    );
    let alert = Alert {
        reason: AlertReason::FirstReplyTimeout,
        chat,
        officer: Some(officer.id),
        due_at: due,
    };
    assert_eq!(plan.alerts, vec![alert]);
    let back = s.conversation(chat).await.unwrap().unwrap();
    assert_eq!(
        (back.state, back.operator),
        (ConversationState::Waiting, None)
    );
    let rows = s.dispatch_alerts(t).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].conversation, rows[0].staff, rows[0].reason),
        (chat, Some(officer.id), AlertReason::FirstReplyTimeout)
    );
    assert_eq!((rows[0].due_at, rows[0].at), (due, due));
    let log = s
        .audit_log(
            &AuditFilter {
                action: Some("dispatch_requeued".into()),
                ..AuditFilter::default()
            },
            50,
        )
        .await
        .unwrap();
    assert!(log
        .iter()
        .any(|e| e.target == format!("conversation:{chat}")
            && e.purpose == "handling"
            && e.actor.is_none()));

    // Offered again (the only officer on shift declined it, so the memory yields): the re-take
    // keeps the report begun the first time.
    assert_eq!(plan.offers[0].chat, chat);
    let retake = due + Duration::seconds(1);
    taken(
        s.accept_offer(chat, officer.id, report(), retake)
            .await
            .unwrap(),
    );
    let kept = s.report_for_conversation(chat).await.unwrap().unwrap();
    assert_eq!(kept.id, first_report);

    // The holder's first message stops the clock: no second requeue.
    let reply = retake + Duration::seconds(10);
    s.append_message(officer_message(chat, officer.id, reply))
        .await
        .unwrap();
    let held = s.dispatch_snapshot().await.unwrap().held;
    assert_eq!(held[0].first_reply_at, Some(reply));
    let much_later = retake + Duration::minutes(4);
    s.heartbeat(officer.id, much_later).await.unwrap();
    assert!(s
        .dispatch(much_later, &config())
        .await
        .unwrap()
        .requeues
        .is_empty());
}

pub async fn of_racing_accepts_and_takes_one_wins(store: Dyn) {
    let t = scenario(store.as_ref()).await;
    let officer = on_shift(store.as_ref(), t).await;
    let other = staff(store.as_ref(), Role::Operator, &[]).await;
    let chat = waiting_since(store.as_ref(), t).await;
    store.dispatch(t, &config()).await.unwrap();

    let at = t + Duration::seconds(1);
    let mut tasks = Vec::new();
    for i in 0..6 {
        let store = store.clone();
        let who = if i % 2 == 0 { officer.id } else { other.id };
        tasks.push(tokio::spawn(async move {
            if i % 3 == 0 {
                store
                    .take(chat, who, ReportId::random(&mut rng()), at)
                    .await
            } else {
                store
                    .accept_offer(chat, who, ReportId::random(&mut rng()), at)
                    .await
            }
        }));
    }
    let mut wins = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(TakeOutcome::Taken(_)) => wins += 1,
            Ok(TakeOutcome::AlreadyTaken) | Err(StoreError::Conflict("offer-gone")) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(wins, 1);
    let held = store.conversation(chat).await.unwrap().unwrap();
    assert_eq!(held.operator, Some(officer.id), "only the offered officer");
    let joined = store
        .events_after(chat, 0, 10)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == EventKind::OfficerJoined)
        .count();
    assert_eq!(joined, 1);
}
