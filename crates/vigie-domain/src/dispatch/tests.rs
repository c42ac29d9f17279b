//! One test per rule of the module header, with the clock as an input.

use super::fixture::*;
use super::*;
use time::UtcOffset;

const T: i64 = 10 * 3600;

fn one_officer_one_chat() -> Snapshot {
    Snapshot {
        officers: vec![officer(1, Duty::OnShift, at(T))],
        waiting: vec![waiting(1, Priority::Normal, at(T))],
        ..Snapshot::default()
    }
}

#[test]
fn a_new_chat_is_offered_to_the_free_officer_with_a_timeout() {
    let snap = one_officer_one_chat();
    let plan = plan(&snap, at(T + 1), &cfg());
    assert_eq!(plan.offers, vec![offer(1, 1, at(T + 31))]);
    assert_eq!(plan.next_deadline, Some(at(T + 31)));
}

#[test]
fn grace_keeps_a_briefly_disconnected_officer_then_takes_their_chats_back() {
    let mut snap = Snapshot {
        officers: vec![
            officer(1, Duty::OnShift, at(T)),
            officer(2, Duty::OnShift, at(T + 100)),
        ],
        held: vec![held(7, 1, at(T - 60))],
        waiting: vec![waiting(1, Priority::Normal, at(T + 44))],
        ..Snapshot::default()
    };
    snap.held[0].first_reply_at = Some(at(T - 50));
    // 44 s after the last heartbeat, nothing changes: officer 1 keeps the chat.
    let early = plan(&snap, at(T + 44), &cfg());
    assert!(early.requeues.is_empty());
    assert_eq!(
        early.next_deadline,
        Some(at(T + 45)),
        "the loss is a deadline"
    );
    // At the end of the grace, officer 1 is lost: the chat goes back with its original wait.
    let late = plan(&snap, at(T + 45), &cfg());
    assert_eq!(late.requeues.len(), 1);
    let requeue = &late.requeues[0];
    assert_eq!(requeue.reason, AlertReason::OfficerLost);
    assert_eq!(requeue.entry.waiting_since, snap.held[0].waiting_since);
    assert!(late.alerts.contains(&Alert {
        reason: AlertReason::OfficerLost,
        chat: chat(7),
        officer: Some(staff(1)),
        due_at: at(T + 45),
    }));
    // Both chats go to officer 2, the only one alive; the lost chat first (it waited longer).
    assert_eq!(
        offered(&late),
        vec![(chat(7), staff(2)), (chat(1), staff(2))]
    );
}

#[test]
fn draining_officers_keep_their_chats_but_get_no_new_ones() {
    let snap = Snapshot {
        officers: vec![officer(1, Duty::Draining, at(T))],
        held: vec![held(7, 1, at(T))],
        waiting: vec![waiting(1, Priority::Normal, at(T))],
        offers: vec![offer(1, 1, at(T + 20))],
        ..Snapshot::default()
    };
    let plan = plan(&snap, at(T + 5), &cfg());
    assert!(plan.requeues.is_empty());
    assert!(plan.offers.is_empty());
    assert_eq!(plan.withdrawals.len(), 1);
    assert_eq!(plan.withdrawals[0].cause, WithdrawCause::OfficerUnavailable);
    assert!(!plan.withdrawals[0].remembered());
    assert_eq!(take_next(&snap, staff(1), at(T + 5), &cfg()), None);
}

#[test]
fn an_officer_sent_on_break_while_holding_chats_gives_them_back() {
    let snap = Snapshot {
        officers: vec![officer(1, Duty::OnBreak, at(T))],
        held: vec![held(7, 1, at(T))],
        ..Snapshot::default()
    };
    let plan = plan(&snap, at(T + 5), &cfg());
    assert_eq!(plan.requeues.len(), 1);
    assert_eq!(plan.requeues[0].reason, AlertReason::OfficerAway);
    assert_eq!(plan.alerts[0].due_at, at(T + 5));
}

#[test]
fn an_expired_offer_is_remembered_and_the_chat_moves_to_the_next_officer() {
    let mut snap = one_officer_one_chat();
    snap.officers.push(officer(2, Duty::OnShift, at(T)));
    snap.held.push(held(9, 2, at(T)));
    snap.held[0].first_reply_at = Some(at(T));
    snap.offers.push(offer(1, 1, at(T + 30)));
    let now = at(T + 30);
    let plan = plan(&snap, now, &cfg());
    assert_eq!(plan.withdrawals[0].cause, WithdrawCause::TimedOut);
    // Officer 1 is less loaded, but let this chat expire: it goes to officer 2.
    assert_eq!(offered(&plan), vec![(chat(1), staff(2))]);
    snap.apply(&plan, now);
    assert!(snap.declines.contains(&Decline {
        chat: chat(1),
        officer: staff(1)
    }));
}

#[test]
fn decline_memory_is_a_preference_not_a_veto() {
    // Officer 1 declined; officer 2 has not but is full: the chat waits for officer 2.
    let mut snap = one_officer_one_chat();
    let mut busy = officer(2, Duty::OnShift, at(T));
    busy.capacity = 1;
    snap.officers.push(busy);
    snap.held.push(held(9, 2, at(T)));
    snap.held[0].first_reply_at = Some(at(T));
    snap.offers.push(offer(1, 1, at(T + 30)));
    assert!(snap.decline(chat(1), staff(1)));
    assert!(snap.offers.is_empty());
    assert!(plan(&snap, at(T + 1), &cfg()).offers.is_empty());
    assert_eq!(take_next(&snap, staff(1), at(T + 1), &cfg()), None);
    // Once officer 2 declined too, everyone on shift has: it goes to whoever is free.
    snap.declines.push(Decline {
        chat: chat(1),
        officer: staff(2),
    });
    assert_eq!(
        offered(&plan(&snap, at(T + 1), &cfg())),
        vec![(chat(1), staff(1))]
    );
    assert_eq!(take_next(&snap, staff(1), at(T + 1), &cfg()), Some(chat(1)));
}

#[test]
fn a_chat_without_a_first_reply_goes_back_keeping_its_wait_and_alerts() {
    let mut snap = Snapshot {
        officers: vec![
            officer(1, Duty::OnShift, at(T + 500)),
            officer(2, Duty::OnShift, at(T + 500)),
        ],
        held: vec![held(7, 1, at(T)), held(8, 1, at(T))],
        ..Snapshot::default()
    };
    snap.held[0].priority = Priority::WeaponsViolence;
    snap.held[1].first_reply_at = Some(at(T + 30));
    let original = snap.held[0].waiting_since;
    let before = plan(&snap, at(T + 179), &cfg());
    assert!(before.requeues.is_empty());
    assert_eq!(before.next_deadline, Some(at(T + 180)));
    let now = at(T + 180);
    let plan = plan(&snap, now, &cfg());
    assert_eq!(plan.requeues.len(), 1, "the answered chat stays");
    let entry = &plan.requeues[0].entry;
    assert_eq!(
        (entry.id, entry.priority, entry.waiting_since),
        (chat(7), Priority::WeaponsViolence, original)
    );
    assert_eq!(plan.alerts[0].reason, AlertReason::FirstReplyTimeout);
    assert_eq!(plan.alerts.len(), 1, "no second, long-wait alert");
    assert_eq!(
        offered(&plan),
        vec![(chat(7), staff(2))],
        "not back to the silent officer"
    );
    snap.apply(&plan, now);
    assert_eq!(snap.held.len(), 1);
    assert!(super::plan(&snap, now, &cfg()).is_quiet());
}

#[test]
fn take_next_honours_pending_offers() {
    let mut snap = Snapshot {
        officers: vec![
            officer(1, Duty::OnShift, at(T)),
            officer(2, Duty::OnShift, at(T)),
        ],
        waiting: vec![
            waiting(1, Priority::ImminentDanger, at(T)),
            waiting(2, Priority::Normal, at(T - 100)),
        ],
        offers: vec![offer(1, 2, at(T + 30))],
        ..Snapshot::default()
    };
    let now = at(T + 1);
    assert_eq!(take_next(&snap, staff(1), now, &cfg()), Some(chat(2)));
    assert_eq!(take_next(&snap, staff(2), now, &cfg()), Some(chat(1)));
    assert_eq!(
        snap.claim(chat(1), staff(1), now, &cfg()),
        Err(ClaimError::OfferedToAnother)
    );
    // Once the offer expires, the urgent chat is anyone's.
    assert_eq!(
        take_next(&snap, staff(1), at(T + 30), &cfg()),
        Some(chat(1))
    );
    // An officer at capacity gets nothing from the queue, but may still accept their offer.
    snap.officers[1].capacity = 1;
    assert_eq!(take_next(&snap, staff(2), now, &cfg()), Some(chat(1)));
    assert_eq!(snap.claim(chat(1), staff(2), now, &cfg()), Ok(()));
    assert!(snap.offers.is_empty());
    assert_eq!(take_next(&snap, staff(2), now, &cfg()), None);
    assert_eq!(
        snap.claim(chat(2), staff(2), now, &cfg()),
        Err(ClaimError::AtCapacity)
    );
    assert_eq!(
        snap.claim(chat(1), staff(1), now, &cfg()),
        Err(ClaimError::NotWaiting)
    );
}

#[test]
fn dispatch_order_is_priority_then_longest_wait() {
    let mut snap = Snapshot {
        officers: vec![officer(1, Duty::OnShift, at(T))],
        waiting: vec![
            waiting(1, Priority::Normal, at(T - 600)),
            waiting(2, Priority::WeaponsViolence, at(T - 10)),
            waiting(3, Priority::WeaponsViolence, at(T - 20)),
            waiting(4, Priority::ImminentDanger, at(T)),
        ],
        ..Snapshot::default()
    };
    snap.officers[0].capacity = 3;
    let order: Vec<_> = plan(&snap, at(T), &cfg())
        .offers
        .iter()
        .map(|o| o.chat)
        .collect();
    assert_eq!(order, vec![chat(4), chat(3), chat(2)]);
    let positions: Vec<_> = (1..=4).map(|n| queue_position(&snap, chat(n))).collect();
    assert_eq!(positions, vec![Some(4), Some(3), Some(2), Some(1)]);
    assert_eq!(queue_position(&snap, chat(9)), None);
}

#[test]
fn equal_officers_take_turns_least_loaded_first() {
    let mut snap = Snapshot {
        officers: (1..=3).map(|n| officer(n, Duty::OnShift, at(T))).collect(),
        waiting: (1..=4)
            .map(|n| waiting(n, Priority::Normal, at(T + n as i64)))
            .collect(),
        ..Snapshot::default()
    };
    snap.officers[0].last_assigned = Some(at(T - 10));
    snap.officers[1].last_assigned = Some(at(T - 20));
    snap.held.push(held(9, 3, at(T)));
    snap.held[0].first_reply_at = Some(at(T));
    let plan = plan(&snap, at(T + 10), &cfg());
    // 1 and 2 are idle (2 for longer), 3 holds one: 2, then 1; then all hold one and 3 was
    // never assigned; then 1 and 2 tie on the same instant and the id decides.
    assert_eq!(
        offered(&plan),
        vec![
            (chat(1), staff(2)),
            (chat(2), staff(1)),
            (chat(3), staff(3)),
            (chat(4), staff(1)),
        ]
    );
}

#[test]
fn a_long_wait_alerts_the_supervisor_once() {
    let mut snap = Snapshot {
        waiting: vec![waiting(1, Priority::Normal, at(T))],
        ..Snapshot::default()
    };
    let first = plan(&snap, at(T), &cfg());
    assert!(first.alerts.is_empty());
    assert_eq!(first.next_deadline, Some(at(T + 120)));
    let due = plan(&snap, at(T + 120), &cfg());
    assert_eq!(due.alerts.len(), 1);
    assert_eq!(due.alerts[0].reason, AlertReason::LongWait);
    assert_eq!(due.next_deadline, None, "nobody on duty, nothing else due");
    snap.apply(&due, at(T + 120));
    assert!(plan(&snap, at(T + 500), &cfg()).is_quiet());
}

#[test]
fn handover_rules() {
    let mut snap = Snapshot {
        officers: vec![
            officer(1, Duty::Draining, at(T)),
            officer(2, Duty::OnShift, at(T)),
            officer(3, Duty::OnBreak, at(T)),
            officer(4, Duty::OnShift, at(T - 60)),
            officer(5, Duty::OnShift, at(T)),
        ],
        held: vec![held(7, 1, at(T - 30))],
        ..Snapshot::default()
    };
    snap.held[0].priority = Priority::Raised;
    snap.held[0].first_reply_at = Some(at(T - 25));
    snap.officers[4].capacity = 0;
    let now = at(T + 1);
    let try_to = |to: Option<usize>, note: &str| {
        handover(&snap, chat(7), staff(1), to.map(staff), note, now, &cfg())
    };
    assert_eq!(try_to(Some(2), "  ").unwrap_err().code(), "text-empty");
    assert_eq!(try_to(Some(1), "note"), Err(HandoverError::SameOfficer));
    assert_eq!(
        try_to(Some(3), "note"),
        Err(HandoverError::ReceiverNotOnShift)
    );
    assert_eq!(
        try_to(Some(4), "note"),
        Err(HandoverError::ReceiverUnreachable)
    );
    assert_eq!(try_to(Some(5), "note"), Err(HandoverError::ReceiverFull));
    assert_eq!(try_to(Some(6), "note"), Err(HandoverError::UnknownReceiver));
    assert_eq!(
        handover(&snap, chat(7), staff(2), None, "x", now, &cfg()),
        Err(HandoverError::NotHolder)
    );

    let to_colleague = try_to(Some(2), "Hall B, two lookouts; asked for times").unwrap();
    let mut after = snap.clone();
    after.apply_handover(&to_colleague, now);
    assert_eq!(after.held.len(), 1);
    let h = after.held[0];
    assert_eq!(
        (h.officer, h.taken_at, h.first_reply_at),
        (staff(2), now, None)
    );
    assert_eq!(h.waiting_since, snap.held[0].waiting_since);

    let to_queue = try_to(None, "could not finish, photos pending").unwrap();
    snap.apply_handover(&to_queue, now);
    assert!(snap.held.is_empty());
    let w = &snap.waiting[0];
    assert_eq!(
        (w.priority, w.waiting_since),
        (Priority::Raised, at(T - 50))
    );
    let plan = plan(&snap, now, &cfg());
    assert_eq!(
        offered(&plan),
        vec![(chat(7), staff(2))],
        "not to the giver"
    );
    assert!(
        plan.alerts.is_empty(),
        "answered before: no long-wait alert"
    );
}

#[test]
fn the_estimate_is_explainable_bounded_and_silent_when_nobody_is_on_duty() {
    let history = [10, 20, 12, -5, 30].map(Duration::minutes);
    assert_eq!(estimated_wait(1, &history, 0), None);
    // Median of 10, 12, 20, 30 (the lower one) is 12 min; 5th in line, 6 slots: 10 min.
    assert_eq!(estimated_wait(5, &history, 6), Some(Duration::minutes(10)));
    assert_eq!(estimated_wait(3, &[], 3), Some(DEFAULT_HANDLING));
    assert_eq!(estimated_wait(10_000, &history, 1), Some(MAX_ESTIMATE));
    assert_eq!(estimated_wait(usize::MAX, &history, 1), Some(MAX_ESTIMATE));

    let mut snap = one_officer_one_chat();
    snap.officers.push(officer(2, Duty::Draining, at(T)));
    snap.officers.push(officer(3, Duty::OnShift, at(T - 50)));
    assert_eq!(on_duty_capacity(&snap, at(T + 1), &cfg()), 3);
    snap.officers[0].duty = Duty::OnBreak;
    assert_eq!(on_duty_capacity(&snap, at(T + 1), &cfg()), 0);
}

#[test]
fn figures_count_breaches_and_spreads_per_hour_and_day() {
    let chat_at = |created: i64, reply: Option<i64>, closed: Option<i64>| ChatTimes {
        created: at(created),
        taken: reply.map(|r| at(r - 5)),
        first_reply: reply.map(at),
        closed: closed.map(at),
    };
    let chats = [
        chat_at(0, Some(60), Some(600)),     // 1 min: fine
        chat_at(100, Some(220), Some(900)),  // exactly 2 min: fine
        chat_at(200, Some(321), Some(1000)), // 2 min 1 s: breach
        chat_at(300, None, Some(400)),       // left after 100 s unanswered: fine
        chat_at(400, None, Some(700)),       // left after 300 s unanswered: breach
        chat_at(3700, None, None),           // still waiting at now: breach
    ];
    let now = at(4000);
    let target = Duration::minutes(2);
    let hours = response_figures(&chats, Period::Hour, UtcOffset::UTC, target, now);
    assert_eq!(hours.len(), 2);
    assert_eq!(
        (hours[0].start, hours[0].chats, hours[0].breaches),
        (at(0), 5, 2)
    );
    assert_eq!(
        (hours[1].start, hours[1].chats, hours[1].breaches),
        (at(3600), 1, 1)
    );
    let reply = hours[0].first_reply.unwrap();
    assert_eq!(reply.count, 3);
    assert_eq!(reply.median, Duration::seconds(120));
    assert_eq!(reply.p90, Duration::seconds(121));
    assert_eq!(hours[0].handling.unwrap().max, Duration::seconds(685));
    assert!(hours[1].wait.is_none());

    let days = response_figures(&chats, Period::Day, UtcOffset::UTC, target, now);
    assert_eq!((days.len(), days[0].chats, days[0].breaches), (1, 6, 3));
    // Seen from UTC+1, midnight UTC is 01:00 local: the same day, a bucket starting at 00:00.
    let paris = UtcOffset::from_hms(1, 0, 0).unwrap();
    let local = response_figures(&chats, Period::Day, paris, target, now);
    assert_eq!(local[0].start, at(-3600));

    // The same hour of two days goes together; the whole set is one bucket.
    let day = 86_400;
    let mut two_days = chats.to_vec();
    two_days.push(chat_at(day + 10, Some(day + 250), None)); // 4 min: breach
    let later = at(day + 4000);
    let by_hour = figures_by_hour_of_day(&two_days, UtcOffset::UTC, target, later);
    assert_eq!(by_hour.len(), 2);
    assert_eq!(
        (by_hour[0].start, by_hour[0].chats, by_hour[0].breaches),
        (at(0), 6, 3)
    );
    assert_eq!(by_hour[0].first_reply.unwrap().max, Duration::seconds(240));
    assert_eq!((by_hour[1].start.hour(), by_hour[1].chats), (1, 1));
    let all = overall_figures(&two_days, target, later).unwrap();
    assert_eq!((all.start, all.chats, all.breaches), (at(0), 7, 4));
    assert_eq!(all.first_reply.unwrap().count, 4);
    assert!(overall_figures(&[], target, later).is_none());
    // Chats created after `now` are left out, as everywhere.
    assert_eq!(overall_figures(&two_days, target, now).unwrap().chats, 6);
}

#[test]
fn settings_and_names() {
    let zero = Duration::ZERO;
    let ok = Duration::seconds(1);
    assert!(DispatchConfig::new(DispatchMode::Offer, zero, ok, ok, ok).is_err());
    assert!(DispatchConfig::new(DispatchMode::TakeNext, ok, ok, ok, ok).is_ok());
    for p in Priority::ALL {
        assert_eq!(Priority::from_level(i64::from(p.level())), Some(*p));
        assert_eq!(Priority::parse(p.as_str()), Some(*p));
    }
    assert!(Priority::ImminentDanger > Priority::WeaponsViolence);
    assert_eq!(Duty::parse("draining"), Some(Duty::Draining));
}

#[test]
fn take_next_mode_makes_no_offers_but_keeps_every_other_rule() {
    let mode = DispatchConfig::new(
        DispatchMode::TakeNext,
        Duration::seconds(30),
        Duration::seconds(45),
        Duration::minutes(3),
        Duration::minutes(2),
    )
    .unwrap();
    let snap = one_officer_one_chat();
    let plan = plan(&snap, at(T + 1), &mode);
    assert!(plan.offers.is_empty());
    assert_eq!(plan.next_deadline, Some(at(T + 120)));
    assert_eq!(take_next(&snap, staff(1), at(T + 1), &mode), Some(chat(1)));
}

#[test]
fn only_connected_officers_on_shift_claim_and_a_close_forgets_everything() {
    let mut snap = one_officer_one_chat();
    snap.officers.push(officer(2, Duty::Draining, at(T)));
    snap.officers.push(officer(3, Duty::OnShift, at(T - 45)));
    let now = at(T);
    for n in [2, 3, 4] {
        assert_eq!(
            snap.claim(chat(1), staff(n), now, &cfg()),
            Err(ClaimError::OfficerUnavailable),
            "officer {n}"
        );
    }
    snap.offers.push(offer(1, 1, at(T + 30)));
    assert!(snap.decline(chat(1), staff(1)));
    assert!(!snap.decline(chat(1), staff(1)), "no offer left to decline");
    assert!(snap.close(chat(1)));
    assert!(snap.waiting.is_empty() && snap.declines.is_empty());
    assert!(!snap.close(chat(1)));
    assert_eq!(ClaimError::AtCapacity.code(), "claim-at-capacity");
}
