//! How each event changes the world, as the store and the officers' screens would, and the
//! dispatch run that follows it.

use super::*;

impl Sim {
    pub(super) fn handle(&mut self, ev: Ev) {
        let now = self.now;
        match ev {
            Ev::Arrive(c) => {
                self.chats[c].arrived = true;
                self.arrived += 1;
                let rec = &self.chats[c];
                *self.stats.arrivals.entry(hour_of(rec.created)).or_default() += 1;
                self.snap.waiting.push(waiting(c, rec.priority, now));
            }
            Ev::Abandon(c) => {
                if self.snap.waiting.iter().any(|w| w.id == self.cids[c]) {
                    self.stats.abandons += 1;
                    self.closed(c);
                }
            }
            Ev::Decide {
                chat: c,
                officer: n,
                expires_at,
                accept,
            } => {
                let offer = offer(c, n, expires_at);
                if !self.snap.offers.contains(&offer) || !self.officers[n].connected {
                    return; // expired, withdrawn, or the officer's screen is gone
                }
                if accept {
                    // A quarter of the officers press "take next" rather than "accept": they
                    // get their own best offer, never a chat offered to someone else.
                    let mut c = c;
                    if self.rng.gen_bool(0.25) {
                        let next = take_next(&self.snap, self.sids[n], now, &self.config);
                        let next = next.unwrap();
                        let mine = Offer {
                            chat: next,
                            officer: self.sids[n],
                            expires_at,
                        };
                        let mine = self
                            .snap
                            .offers
                            .iter()
                            .any(|o| o.chat == mine.chat && o.officer == mine.officer);
                        assert!(mine, "take next ignored the officer's own offer");
                        self.stats.pulls += 1;
                        c = self.cidx[&next];
                    }
                    let claim = self
                        .snap
                        .claim(self.cids[c], self.sids[n], now, &self.config);
                    assert_eq!(claim, Ok(()));
                    self.took(c);
                } else {
                    assert!(self.snap.decline(self.cids[c], self.sids[n]));
                    self.stats.declined += 1;
                }
            }
            Ev::Reply(c, epoch) | Ev::Close(c, epoch) => {
                let Some(n) = self.holder(c).filter(|_| self.chats[c].epoch == epoch) else {
                    return; // the chat changed hands since
                };
                if !self.officers[n].connected {
                    let retry = now + Duration::seconds(15);
                    return self.push(retry, ev);
                }
                if matches!(ev, Ev::Close(..)) {
                    return self.closed(c);
                }
                assert!(self.snap.record_reply(self.cids[c], self.sids[n], now));
                let rec = &mut self.chats[c];
                if rec.first_reply.is_none() {
                    rec.first_reply = Some(now);
                    if now - rec.created > self.config.response_target() {
                        *self.stats.breaches.entry(hour_of(rec.created)).or_default() += 1;
                    }
                }
            }
            Ev::Disconnect(n, gone) => {
                if self.officers[n].connected && self.snap.officers[n].duty != Duty::OffDuty {
                    self.officers[n].connected = false;
                    if gone >= self.config.grace() {
                        self.stats.long_disconnects += 1;
                    } else {
                        self.stats.short_disconnects += 1;
                    }
                    self.push(now + gone, Ev::Reconnect(n));
                }
            }
            Ev::Reconnect(n) => {
                if self.snap.officers[n].duty != Duty::OffDuty {
                    self.officers[n].connected = true;
                    self.snap.officers[n].last_seen = now;
                }
            }
            Ev::ShiftStart(n, w) => {
                self.officers[n].window = w;
                self.officers[n].connected = true;
                self.snap.officers[n].duty = Duty::OnShift;
                self.snap.officers[n].last_seen = now;
            }
            Ev::BreakDue(n, w) => {
                if self.officers[n].window == w && self.snap.officers[n].duty == Duty::OnShift {
                    self.snap.officers[n].duty = Duty::Draining;
                    self.officers[n].after_drain = Duty::OnBreak;
                    self.hand_over_some(n);
                }
            }
            Ev::BreakEnd(n, w) => {
                if self.officers[n].window == w && self.snap.officers[n].duty == Duty::OnBreak {
                    self.snap.officers[n].duty = Duty::OnShift;
                    self.officers[n].connected = true;
                    self.snap.officers[n].last_seen = now;
                }
            }
            Ev::ShiftEnd(n, w) => {
                if self.officers[n].window != w {
                    return;
                }
                match self.snap.officers[n].duty {
                    Duty::OffDuty => {}
                    Duty::OnBreak => self.off_duty(n),
                    Duty::OnShift | Duty::Draining => {
                        self.snap.officers[n].duty = Duty::Draining;
                        self.officers[n].after_drain = Duty::OffDuty;
                        self.hand_over_some(n);
                    }
                }
            }
            Ev::Pull(n) => {
                self.officers[n].pull_pending = false;
                if !self.officers[n].connected {
                    return;
                }
                if let Some(c) = take_next(&self.snap, self.sids[n], now, &self.config) {
                    assert_eq!(self.snap.claim(c, self.sids[n], now, &self.config), Ok(()));
                    self.stats.pulls += 1;
                    let c = self.cidx[&c];
                    self.took(c);
                }
            }
            Ev::Wake => {}
        }
    }

    /// An officer now holds chat `c`: schedule their first reply and the end of the chat.
    pub(super) fn took(&mut self, c: usize) {
        let now = self.now;
        let reply = if self.rng.gen_bool(0.96) {
            self.ms(5, 90)
        } else {
            self.ms(200, 400) // past the first-reply timeout
        };
        let service = if self.chats[c].takes == 0 {
            self.chats[c].handling
        } else {
            self.ms(3 * 60, 15 * 60)
        };
        let rec = &mut self.chats[c];
        rec.epoch += 1;
        rec.takes += 1;
        rec.taken.get_or_insert(now);
        let epoch = rec.epoch;
        self.push(now + reply, Ev::Reply(c, epoch));
        self.push(now + service, Ev::Close(c, epoch));
    }

    pub(super) fn closed(&mut self, c: usize) {
        assert!(self.snap.close(self.cids[c]));
        self.open -= 1;
        let rec = &mut self.chats[c];
        rec.closed = Some(self.now);
        if rec.first_reply.is_none() && self.now - rec.created > self.config.response_target() {
            *self.stats.breaches.entry(hour_of(rec.created)).or_default() += 1;
        }
    }

    pub(super) fn off_duty(&mut self, n: usize) {
        self.snap.officers[n].duty = Duty::OffDuty;
        self.officers[n].connected = false;
    }

    /// When draining (break or end of shift), half of the held chats are handed over: half of
    /// those to a named colleague (a random pick first, checked against the rules, then anyone
    /// who may receive it), the others back to the queue.
    pub(super) fn hand_over_some(&mut self, n: usize) {
        let mine: Vec<ConversationId> = (self.snap.held.iter())
            .filter(|h| h.officer == self.sids[n])
            .map(|h| h.chat)
            .collect();
        for id in mine {
            if !self.rng.gen_bool(0.5) {
                continue;
            }
            let note = "Spot near the school, two lookouts; asked about times.";
            let ask = |sim: &Sim, to: Option<usize>| {
                handover(
                    &sim.snap,
                    id,
                    sim.sids[n],
                    to.map(|t| sim.sids[t]),
                    note,
                    sim.now,
                    &sim.config,
                )
            };
            let mut done = None;
            if self.rng.gen_bool(0.5) {
                let pick = self.rng.gen_range(0..self.officers.len());
                match ask(self, Some(pick)) {
                    Ok(h) => done = Some(h),
                    Err(e) => {
                        assert_eq!(e, self.expected_refusal(n, pick), "handover refusal");
                        self.stats.refused_handovers += 1;
                        let start = self.rng.gen_range(0..self.officers.len());
                        done = (0..self.officers.len())
                            .map(|i| (start + i) % self.officers.len())
                            .find_map(|to| ask(self, Some(to)).ok());
                    }
                }
            }
            let h = match done {
                Some(h) => h,
                None => ask(self, None).unwrap(),
            };
            self.snap.apply_handover(&h, self.now);
            let c = self.cidx[&id];
            match h.target {
                HandoverTarget::Colleague(held) => {
                    self.stats.to_colleague += 1;
                    assert_ne!(held.officer, self.sids[n]);
                    self.took(c);
                }
                HandoverTarget::Queue(_) => {
                    self.stats.to_queue += 1;
                    self.chats[c].epoch += 1;
                }
            }
        }
    }

    /// Dispatch as the store runs it after an event: plan, apply, arm the wake-up; officers who
    /// finished draining change duty, which is itself an event.
    pub(super) fn dispatch(&mut self) {
        loop {
            let plan = plan(&self.snap, self.now, &self.config);
            self.check_on_time(&plan);
            self.snap.apply(&plan, self.now);
            self.record(&plan);
            if plan.next_deadline != self.armed {
                self.armed = plan.next_deadline;
                if let Some(deadline) = self.armed {
                    assert!(deadline > self.now);
                    self.push(deadline, Ev::Wake);
                }
            }
            if !self.finish_drains() {
                break;
            }
        }
        if self.config.mode() == DispatchMode::TakeNext {
            self.schedule_pulls();
        }
        self.check_invariants();
    }

    pub(super) fn finish_drains(&mut self) -> bool {
        let mut changed = false;
        for n in 0..self.officers.len() {
            let id = self.sids[n];
            if self.snap.officers[n].duty == Duty::Draining
                && !self.snap.held.iter().any(|h| h.officer == id)
            {
                changed = true;
                match self.officers[n].after_drain {
                    Duty::OnBreak => {
                        self.snap.officers[n].duty = Duty::OnBreak;
                        let back = self.now + Duration::minutes(20);
                        self.push(back, Ev::BreakEnd(n, self.officers[n].window));
                    }
                    _ => self.off_duty(n),
                }
            }
        }
        changed
    }

    pub(super) fn schedule_pulls(&mut self) {
        for n in 0..self.officers.len() {
            let (o, me) = (&self.officers[n], &self.snap.officers[n]);
            if o.pull_pending || !o.connected || self.snap.waiting.is_empty() {
                continue;
            }
            if self.snap.load_of(me.id) >= me.capacity as usize {
                continue;
            }
            if take_next(&self.snap, self.sids[n], self.now, &self.config).is_some() {
                self.officers[n].pull_pending = true;
                let when = self.now + self.ms(5, 40);
                self.push(when, Ev::Pull(n));
            }
        }
    }

    pub(super) fn record(&mut self, plan: &Plan) {
        for w in &plan.withdrawals {
            match w.cause {
                WithdrawCause::TimedOut => self.stats.expired += 1,
                WithdrawCause::OfficerUnavailable => self.stats.withdrawn += 1,
                WithdrawCause::ChatGone => panic!("the store left an offer on a gone chat"),
            }
        }
        for r in &plan.requeues {
            assert_ne!(
                r.reason,
                AlertReason::OfficerAway,
                "breaks start after draining"
            );
            *self.stats.requeued.entry(r.reason.as_str()).or_default() += 1;
            let c = self.cidx[&r.entry.id];
            self.chats[c].epoch += 1;
        }
        let long_waits = plan
            .alerts
            .iter()
            .filter(|a| a.reason == AlertReason::LongWait);
        self.stats.long_wait_alerts += long_waits.count();
        for o in &plan.offers {
            self.stats.offers += 1;
            let c = self.cidx[&o.chat];
            let n = self.sidx[&o.officer];
            let roll = self.rng.gen_range(0..100);
            let (delay, accept) = match roll {
                0..=5 => (self.ms(3, 15), false),
                6..=10 => continue,                 // ignored: the offer expires
                11..=19 => (self.ms(20, 45), true), // often too late
                _ => (self.ms(2, 20), true),
            };
            let ev = Ev::Decide {
                chat: c,
                officer: n,
                expires_at: o.expires_at,
                accept,
            };
            self.push(self.now + delay, ev);
        }
    }
}
