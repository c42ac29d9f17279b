//! The roster's effect on one officer's duty (issue 6): a pure rule the store applies to every
//! officer with at least one shift, in one transaction, each time the runtime runs.
//!
//! The roster acts at the edges of shifts, not as a standing order: a shift that *started* since
//! the officer's last duty change puts them on shift; a shift that *ended* since then (with no
//! shift covering now) puts them in drain mode; drain mode with nothing held ends off duty. So an
//! officer who clocks off early, or stays on after their shift, is not overruled until the next
//! edge. At most one change per run: drain mode is visible before off duty.

use super::Duty;
use crate::clock::Timestamp;

/// What the store knows of one rostered officer at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RosterState {
    pub duty: Duty,
    /// The last duty change, by anyone; `None` when never changed.
    pub duty_changed_at: Option<Timestamp>,
    /// The start of a shift covering now (`starts_at <= now < ends_at`), the latest if several.
    pub covering_since: Option<Timestamp>,
    /// The latest end of a shift that ended at or before now.
    pub last_ended: Option<Timestamp>,
    /// Active conversations the officer holds.
    pub held: u32,
}

/// The duty the roster moves the officer to, or `None` to leave it.
pub fn roster_duty(s: &RosterState) -> Option<Duty> {
    let since_change = |edge: Timestamp| s.duty_changed_at.is_none_or(|c| edge > c);
    match (s.covering_since, s.duty) {
        (Some(start), Duty::OffDuty | Duty::Draining) if since_change(start) => {
            return Some(Duty::OnShift)
        }
        (None, Duty::OnShift | Duty::OnBreak) if s.last_ended.is_some_and(since_change) => {
            return Some(Duty::Draining)
        }
        _ => {}
    }
    (s.duty == Duty::Draining && s.held == 0).then_some(Duty::OffDuty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T0: Timestamp = datetime!(2026-03-01 08:00 UTC);

    fn at(minutes: i64) -> Timestamp {
        T0 + time::Duration::minutes(minutes)
    }

    fn state(duty: Duty, changed: Option<i64>) -> RosterState {
        RosterState {
            duty,
            duty_changed_at: changed.map(at),
            covering_since: None,
            last_ended: None,
            held: 0,
        }
    }

    #[test]
    fn a_shift_start_puts_an_idle_officer_on_shift_once() {
        let s = RosterState {
            covering_since: Some(at(0)),
            ..state(Duty::OffDuty, None)
        };
        assert_eq!(roster_duty(&s), Some(Duty::OnShift));
        // Clocked off by hand after the start: the roster does not overrule them.
        let s = RosterState {
            covering_since: Some(at(0)),
            ..state(Duty::OffDuty, Some(30))
        };
        assert_eq!(roster_duty(&s), None);
        // A new shift starting while they still drain the last one brings them back.
        let s = RosterState {
            covering_since: Some(at(60)),
            held: 2,
            ..state(Duty::Draining, Some(30))
        };
        assert_eq!(roster_duty(&s), Some(Duty::OnShift));
    }

    #[test]
    fn a_shift_end_drains_then_ends_duty_when_nothing_is_held() {
        for duty in [Duty::OnShift, Duty::OnBreak] {
            let s = RosterState {
                last_ended: Some(at(480)),
                held: 1,
                ..state(duty, Some(0))
            };
            assert_eq!(roster_duty(&s), Some(Duty::Draining), "{duty:?}");
        }
        let draining = RosterState {
            last_ended: Some(at(480)),
            held: 1,
            ..state(Duty::Draining, Some(480))
        };
        assert_eq!(roster_duty(&draining), None, "still holds a chat");
        let done = RosterState {
            held: 0,
            ..draining
        };
        assert_eq!(roster_duty(&done), Some(Duty::OffDuty));
        // Stayed on by hand after the end: left alone.
        let overtime = RosterState {
            last_ended: Some(at(480)),
            ..state(Duty::OnShift, Some(490))
        };
        assert_eq!(roster_duty(&overtime), None);
        // Still covered (shifts end to end): no drain.
        let covered = RosterState {
            covering_since: Some(at(480)),
            last_ended: Some(at(480)),
            ..state(Duty::OnShift, Some(0))
        };
        assert_eq!(roster_duty(&covered), None);
    }
}
