//! Property tests: for arbitrary small snapshots, `plan` offers only to eligible officers, never
//! overfills, never offers a chat twice, keeps the dispatch order, and reaches a fixpoint.

use super::engine::dispatch_key;
use super::fixture::*;
use super::*;
use proptest::prelude::*;
use std::collections::HashSet;

const NOW: i64 = 12 * 3600;

#[derive(Debug, Clone)]
enum Place {
    Waiting {
        offer: Option<(usize, i64)>,
    },
    Held {
        by: usize,
        taken: i64,
        reply: Option<i64>,
    },
}

fn officer_strategy() -> impl Strategy<Value = (usize, i64, u32, Option<i64>)> {
    (
        0..4usize,
        -90..=10i64,
        0..=4u32,
        proptest::option::of(-600..=0i64),
    )
}

fn chat_strategy() -> impl Strategy<Value = (usize, i64, bool, Place)> {
    let place = prop_oneof![
        proptest::option::of((0..6usize, -40..=40i64)).prop_map(|offer| Place::Waiting { offer }),
        (0..6usize, -400..=0i64, proptest::option::of(0..=400i64))
            .prop_map(|(by, taken, reply)| Place::Held { by, taken, reply }),
    ];
    (0..4usize, -600..=0i64, any::<bool>(), place)
}

fn snapshot_strategy() -> impl Strategy<Value = Snapshot> {
    (
        proptest::collection::vec(officer_strategy(), 0..6),
        proptest::collection::vec(chat_strategy(), 0..12),
        proptest::collection::vec((0..12usize, 0..6usize), 0..10),
    )
        .prop_map(|(officers, chats, declines)| {
            let mut snap = Snapshot::default();
            for (n, (duty, seen, capacity, assigned)) in officers.into_iter().enumerate() {
                let mut o = officer(n, Duty::ALL[duty], at(NOW + seen));
                o.capacity = capacity;
                o.last_assigned = assigned.map(|a| at(NOW + a));
                snap.officers.push(o);
            }
            for (n, (priority, since, alerted, place)) in chats.into_iter().enumerate() {
                let priority = Priority::ALL[priority];
                match place {
                    Place::Waiting { offer: o } => {
                        let mut w = waiting(n, priority, at(NOW + since));
                        w.long_wait_alerted = alerted;
                        snap.waiting.push(w);
                        if let Some((to, expires)) = o {
                            snap.offers.push(offer(n, to, at(NOW + expires)));
                        }
                    }
                    Place::Held { by, taken, reply } => {
                        let mut h = held(n, by, at(NOW + taken));
                        h.priority = priority;
                        h.waiting_since = at(NOW + since.min(taken));
                        h.first_reply_at = reply.map(|r| at(NOW + taken + r));
                        snap.held.push(h);
                    }
                }
            }
            for (c, o) in declines {
                snap.declines.push(Decline {
                    chat: chat(c),
                    officer: staff(o),
                });
            }
            snap
        })
}

fn everyone_declined(snap: &Snapshot, c: ConversationId, now: Timestamp) -> bool {
    let declined = |o: &Officer| {
        snap.declines.contains(&Decline {
            chat: c,
            officer: o.id,
        })
    };
    snap.officers
        .iter()
        .filter(|o| o.takes_new_chats(now, &cfg()))
        .all(declined)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn plan_respects_the_rules(snap in snapshot_strategy()) {
        let now = at(NOW);
        let config = cfg();
        let plan = plan(&snap, now, &config);
        let mut after = snap.clone();
        after.apply(&plan, now);

        prop_assert!(plan.next_deadline.is_none_or(|d| d > now));
        let fresh: HashSet<ConversationId> = plan.offers.iter().map(|o| o.chat).collect();
        prop_assert_eq!(fresh.len(), plan.offers.len(), "a chat offered twice in one plan");
        for offer in &plan.offers {
            let o = after.officers.iter().find(|o| o.id == offer.officer);
            prop_assert!(o.is_some_and(|o| o.takes_new_chats(now, &config)), "ineligible");
            let o = o.unwrap();
            prop_assert!(after.load_of(o.id) <= o.capacity as usize, "overfilled");
            prop_assert!(after.waiting.iter().any(|w| w.id == offer.chat), "not waiting");
            prop_assert_eq!(after.offers.iter().filter(|x| x.chat == offer.chat).count(), 1);
            prop_assert!(
                !after.declines.contains(&Decline { chat: offer.chat, officer: o.id })
                    || everyone_declined(&after, offer.chat, now),
                "offered to a decliner while someone else could have it"
            );
        }
        // Order: a chat left unoffered ahead of an offered one could not go to that officer.
        let unoffered: Vec<&WaitingChat> = after
            .waiting
            .iter()
            .filter(|w| !after.offers.iter().any(|o| o.chat == w.id))
            .collect();
        for skipped in &unoffered {
            for offer in &plan.offers {
                let Some(given) = after.waiting.iter().find(|w| w.id == offer.chat) else { continue };
                if dispatch_key(skipped) < dispatch_key(given) {
                    prop_assert!(
                        after.declines.contains(&Decline { chat: skipped.id, officer: offer.officer })
                            && !everyone_declined(&after, skipped.id, now),
                        "a chat was passed over"
                    );
                }
            }
            // And no free eligible officer is left who could take it.
            for o in after.officers.iter().filter(|o| o.takes_new_chats(now, &config)) {
                if after.load_of(o.id) < o.capacity as usize {
                    prop_assert!(
                        after.declines.contains(&Decline { chat: skipped.id, officer: o.id }),
                        "a chat waits while an eligible officer is free"
                    );
                }
            }
        }
        // Once applied, nothing more to do at the same instant.
        let again = super::plan(&after, now, &config);
        prop_assert!(again.is_quiet(), "not a fixpoint: {:?}", again);
        prop_assert_eq!(again.next_deadline, plan.next_deadline);
    }

    #[test]
    fn take_next_answers_a_chat_the_officer_may_claim(snap in snapshot_strategy(), who in 0..6usize) {
        let now = at(NOW);
        let config = cfg();
        let mut after = snap.clone();
        after.apply(&plan(&snap, now, &config), now);
        if let Some(c) = take_next(&after, staff(who), now, &config) {
            let mine = after.offers.iter().any(|o| o.chat == c && o.officer == staff(who));
            let other = after.offers.iter().any(|o| o.chat == c && o.officer != staff(who));
            prop_assert!(!other, "took a chat under offer to someone else");
            let load = after.load_of(staff(who));
            prop_assert_eq!(after.claim(c, staff(who), now, &config), Ok(()));
            prop_assert!(after.held.iter().filter(|h| h.chat == c).count() == 1);
            prop_assert!(!after.offers.iter().any(|o| o.chat == c));
            if !mine {
                prop_assert_eq!(after.load_of(staff(who)), load + 1);
            }
        }
    }
}
