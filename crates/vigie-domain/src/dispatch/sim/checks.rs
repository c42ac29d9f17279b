//! What the simulation checks after every event, and the figures it compares at the end.

use super::*;

impl Sim {
    /// Why a handover from `n` to `to` must be refused, worked out from the simulation's state.
    pub(super) fn expected_refusal(&self, n: usize, to: usize) -> HandoverError {
        let o = &self.snap.officers[to];
        let load = self.snap.held.iter().filter(|h| h.officer == o.id).count()
            + (self.snap.offers.iter())
                .filter(|x| x.officer == o.id && x.expires_at > self.now)
                .count();
        if to == n {
            HandoverError::SameOfficer
        } else if o.duty != Duty::OnShift {
            HandoverError::ReceiverNotOnShift
        } else if self.now - o.last_seen >= self.config.grace() {
            HandoverError::ReceiverUnreachable
        } else if load >= o.capacity as usize {
            HandoverError::ReceiverFull
        } else {
            panic!("handover to {to} refused for no reason")
        }
    }

    /// Every deadline-driven action happens exactly at its deadline: `next_deadline` missed none.
    pub(super) fn check_on_time(&self, plan: &Plan) {
        for a in plan.alerts.iter() {
            assert_eq!(a.due_at, self.now, "late {a:?}");
        }
        for w in plan.withdrawals.iter().filter(|w| w.remembered()) {
            assert_eq!(w.offer.expires_at, self.now, "late expiry");
        }
    }

    pub(super) fn check_invariants(&self) {
        let (snap, now, config) = (&self.snap, self.now, &self.config);
        let waiting: BTreeSet<_> = snap.waiting.iter().map(|w| w.id).collect();
        let held: BTreeSet<_> = snap.held.iter().map(|h| h.chat).collect();
        let offered: BTreeSet<_> = snap.offers.iter().map(|o| o.chat).collect();
        assert_eq!(waiting.len(), snap.waiting.len(), "a chat queued twice");
        assert_eq!(held.len(), snap.held.len(), "a chat held by two officers");
        assert_eq!(offered.len(), snap.offers.len(), "a chat with two offers");
        assert!(
            offered.is_subset(&waiting),
            "an offer on a chat not waiting"
        );
        // Every conversation in exactly one of {queue (offered or not), held, closed}: the open
        // ones in the snapshot are distinct, disjoint, arrived and not closed, and as many as
        // the arrived ones not closed.
        assert!(waiting.is_disjoint(&held), "a chat both queued and held");
        for id in waiting.iter().chain(&held) {
            let rec = &self.chats[self.cidx[id]];
            assert!(
                rec.arrived && rec.closed.is_none(),
                "a ghost chat in dispatch"
            );
        }
        let closed = CHATS - self.open;
        assert_eq!(
            waiting.len() + held.len() + closed,
            self.arrived,
            "a chat lost"
        );
        for o in &snap.officers {
            assert!(snap.load_of(o.id) <= o.capacity as usize, "over capacity");
            let holds = snap.held.iter().any(|h| h.officer == o.id);
            if holds {
                assert!(
                    o.is_alive(now, config) && matches!(o.duty, Duty::OnShift | Duty::Draining)
                );
            }
            if snap.offers.iter().any(|x| x.officer == o.id) {
                assert!(
                    o.takes_new_chats(now, config),
                    "an offer to an ineligible officer"
                );
            }
        }
        if config.mode() == DispatchMode::Offer {
            let free: Vec<&Officer> = (snap.officers.iter())
                .filter(|o| o.takes_new_chats(now, config))
                .filter(|o| snap.load_of(o.id) < o.capacity as usize)
                .collect();
            for w in snap.waiting.iter().filter(|w| !offered.contains(&w.id)) {
                for o in &free {
                    let decline = Decline {
                        chat: w.id,
                        officer: o.id,
                    };
                    assert!(
                        snap.declines.contains(&decline),
                        "a chat waits while {} is free",
                        o.id
                    );
                }
            }
        }
        assert!(
            plan(snap, now, config).is_quiet(),
            "dispatch is not at rest"
        );
    }

    pub(super) fn report(&self, mode: &str, elapsed: std::time::Duration) {
        let end = self.now;
        let times: Vec<ChatTimes> = (self.chats.iter())
            .map(|c| ChatTimes {
                created: c.created,
                taken: c.taken,
                first_reply: c.first_reply,
                closed: c.closed,
            })
            .collect();
        let target = self.config.response_target();
        let utc = time::UtcOffset::UTC;
        let hours = response_figures(&times, Period::Hour, utc, target, end);
        let by_hour: BTreeMap<Timestamp, (usize, usize)> = hours
            .iter()
            .map(|h| (h.start, (h.chats, h.breaches)))
            .collect();
        let expected: BTreeMap<Timestamp, (usize, usize)> = (self.stats.arrivals.iter())
            .map(|(&h, &n)| (h, (n, self.stats.breaches.get(&h).copied().unwrap_or(0))))
            .collect();
        assert_eq!(
            by_hour, expected,
            "hourly figures disagree with the simulation's count"
        );
        let days = response_figures(&times, Period::Day, utc, target, end);
        let day = days.first().unwrap();
        let breaches: usize = self.stats.breaches.values().sum();
        assert_eq!((days.len(), day.chats, day.breaches), (1, CHATS, breaches));
        let max_wait = (self.chats.iter())
            .filter_map(|c| c.taken.map(|t| t - c.created))
            .max()
            .unwrap();
        assert_eq!(day.wait.unwrap().max, max_wait);
        let reply = day.first_reply.unwrap();
        let by_hour: Vec<String> = (hours.iter())
            .map(|h| format!("{:02}h {}/{}", h.start.hour(), h.chats, h.breaches))
            .collect();
        let requeued = |r: AlertReason| self.stats.requeued.get(r.as_str()).copied().unwrap_or(0);
        println!(
            "[{mode}] {} events in {elapsed:.2?}; last chat closed at +{}; \
             max wait {}, first reply median {} p90 {} (n={}), breaches {breaches}/{CHATS}; \
             offers {} (expired {}, declined {}, withdrawn {}), pulls {}; \
             requeued: first-reply {}, officer lost {}; long-wait alerts {}; \
             handovers: colleague {}, queue {}, refused picks {}; abandons {}; \
             disconnects short {} long {}",
            self.stats.events,
            end - at(0),
            max_wait,
            reply.median,
            reply.p90,
            reply.count,
            self.stats.offers,
            self.stats.expired,
            self.stats.declined,
            self.stats.withdrawn,
            self.stats.pulls,
            requeued(AlertReason::FirstReplyTimeout),
            requeued(AlertReason::OfficerLost),
            self.stats.long_wait_alerts,
            self.stats.to_colleague,
            self.stats.to_queue,
            self.stats.refused_handovers,
            self.stats.abandons,
            self.stats.short_disconnects,
            self.stats.long_disconnects,
        );
        println!(
            "[{mode}] chats/breaches by creation hour: {}",
            by_hour.join(", ")
        );
        println!("[{mode}] events by kind: {:?}", self.kinds);
    }
}
