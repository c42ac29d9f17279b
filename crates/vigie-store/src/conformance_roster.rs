//! Conformance for issue 6's roster: shifts kept apart per officer, and the duty moved at their
//! edges (on shift at the start, drain mode at the end, off duty once nothing is held), by the
//! roster alone, for rostered officers only.
//!
//! The shifts are ten days ahead of the real clock, so no other check's officer is ever covered
//! by them; every officer here ends off duty, so dispatch (checked later) never offers them a chat.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::conformance::{now, staff, taken};
use crate::*;
use std::sync::Arc;
use time::Duration;
use vigie_domain::dispatch::Duty;
use vigie_domain::{ConversationState, Role};

type Dyn = Arc<dyn Store>;

pub async fn run_all(store: Dyn) {
    shifts_of_one_officer_never_overlap(store.clone()).await;
    the_roster_moves_duty_at_the_edges_of_shifts(store).await;
}

async fn duty_of(store: &dyn Store, who: StaffId) -> Duty {
    store
        .presences()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.staff == who)
        .unwrap()
        .duty
}

/// The changes among `ours`, in a stable order.
fn ours(changes: Vec<(StaffId, Duty)>, ours: &[StaffId]) -> Vec<(StaffId, Duty)> {
    let mut v: Vec<_> = changes
        .into_iter()
        .filter(|(id, _)| ours.contains(id))
        .collect();
    v.sort_by_key(|(id, _)| ours.iter().position(|o| o == id));
    v
}

fn invalid_code(r: StoreResult<i64>) -> String {
    match r {
        Err(StoreError::Invalid(e)) => format!("{e:?}"),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

pub async fn shifts_of_one_officer_never_overlap(store: Dyn) {
    let s = store.as_ref();
    let lead = staff(s, Role::Supervisor, &[]).await;
    let officer = staff(s, Role::Operator, &[]).await;
    let colleague = staff(s, Role::Operator, &[]).await;
    let analyst = staff(s, Role::Analyst, &[]).await;
    let t = now() + Duration::days(20);
    let h = Duration::hours(1);
    let at = now();
    let first = s
        .add_shift(officer.id, t, t + 8 * h, lead.id, at)
        .await
        .unwrap();
    for (from, to) in [
        (t, t + 8 * h),
        (t - h, t + h),
        (t + 7 * h, t + 9 * h),
        (t + h, t + 2 * h),
    ] {
        assert!(
            matches!(
                s.add_shift(officer.id, from, to, lead.id, at).await,
                Err(StoreError::Conflict("shift-overlap"))
            ),
            "{from} – {to}"
        );
    }
    // End to end, and a colleague at the same hours, are fine.
    let next = s
        .add_shift(officer.id, t + 8 * h, t + 16 * h, lead.id, at)
        .await
        .unwrap();
    let other = s
        .add_shift(colleague.id, t, t + 8 * h, lead.id, at)
        .await
        .unwrap();
    assert!(
        invalid_code(s.add_shift(officer.id, t - h, t - h, lead.id, at).await)
            .contains("shift-end-not-after-start")
    );
    assert!(
        invalid_code(s.add_shift(analyst.id, t, t + h, lead.id, at).await)
            .contains("shift-unknown-officer")
    );
    assert!(invalid_code(
        s.add_shift(
            StaffId::random(&mut crate::conformance::rng()),
            t,
            t + h,
            lead.id,
            at
        )
        .await
    )
    .contains("shift-unknown-officer"));

    let listed: Vec<(i64, StaffId, String)> = s
        .shifts(t + 7 * h, t + 9 * h)
        .await
        .unwrap()
        .into_iter()
        .map(|x| (x.id, x.staff, x.username))
        .collect();
    let mut expected = vec![
        (first, officer.id, officer.username.clone()),
        (other, colleague.id, colleague.username.clone()),
    ];
    expected.sort_by(|a, b| a.2.cmp(&b.2));
    expected.push((next, officer.id, officer.username.clone()));
    assert_eq!(listed, expected, "by start, then username");
    assert!(s.shifts(t + 16 * h, t + 17 * h).await.unwrap().is_empty());

    s.delete_shift(other, lead.id, at).await.unwrap();
    assert!(matches!(
        s.delete_shift(other, lead.id, at).await,
        Err(StoreError::NotFound)
    ));
    let log = s.audit_log(&AuditFilter::default(), 5000).await.unwrap();
    let audited = |action: &str, id: i64| {
        log.iter().any(|e| {
            e.action == action
                && e.target == format!("shift:{id}")
                && e.purpose == "handling"
                && e.actor.as_deref() == Some(lead.username.as_str())
        })
    };
    assert!(audited("shift_added", first) && audited("shift_added", other));
    assert!(audited("shift_deleted", other));
    // Leave nothing for the next check: these officers are never on duty.
    s.delete_shift(first, lead.id, at).await.unwrap();
    s.delete_shift(next, lead.id, at).await.unwrap();
}

pub async fn the_roster_moves_duty_at_the_edges_of_shifts(store: Dyn) {
    let s = store.as_ref();
    let lead = staff(s, Role::Supervisor, &[]).await;
    let idle = staff(s, Role::Operator, &[]).await;
    let busy = staff(s, Role::Operator, &[]).await;
    let unrostered = staff(s, Role::Operator, &[]).await;
    let all = [idle.id, busy.id, unrostered.id];
    let t = now() + Duration::days(10);
    let m = Duration::minutes(1);
    s.add_shift(idle.id, t, t + 60 * m, lead.id, now())
        .await
        .unwrap();
    s.add_shift(busy.id, t + 10 * m, t + 60 * m, lead.id, now())
        .await
        .unwrap();
    s.set_duty(unrostered.id, Duty::OnShift, unrostered.id, now())
        .await
        .unwrap();

    assert_eq!(s.next_roster_change(t - m).await.unwrap(), Some(t));
    assert_eq!(s.next_roster_change(t).await.unwrap(), Some(t + 10 * m));
    assert_eq!(
        s.next_roster_change(t + 10 * m).await.unwrap(),
        Some(t + 60 * m)
    );
    assert_eq!(s.next_roster_change(t + 60 * m).await.unwrap(), None);

    // Before any shift: nothing moves.
    assert_eq!(ours(s.apply_roster(t - m).await.unwrap(), &all), vec![]);
    // The first shift starts.
    assert_eq!(
        ours(s.apply_roster(t).await.unwrap(), &all),
        vec![(idle.id, Duty::OnShift)]
    );
    assert_eq!(duty_of(s, idle.id).await, Duty::OnShift);
    assert_eq!(
        ours(s.apply_roster(t + m).await.unwrap(), &all),
        vec![],
        "once"
    );
    // Late: the wake-up came after the start; the busy officer takes a chat on shift.
    assert_eq!(
        ours(s.apply_roster(t + 12 * m).await.unwrap(), &all),
        vec![(busy.id, Duty::OnShift)]
    );
    let (chat, _case) = taken(s, &busy).await;

    // The shifts end: both drain, the one holding a chat stays in drain mode.
    let end = t + 60 * m;
    assert_eq!(
        ours(s.apply_roster(end).await.unwrap(), &all),
        vec![(idle.id, Duty::Draining), (busy.id, Duty::Draining)]
    );
    assert_eq!(
        ours(s.apply_roster(end + m).await.unwrap(), &all),
        vec![(idle.id, Duty::OffDuty)]
    );
    assert_eq!(
        ours(s.apply_roster(end + 2 * m).await.unwrap(), &all),
        vec![]
    );
    assert_eq!(duty_of(s, busy.id).await, Duty::Draining);
    // Their last chat ended, the busy officer goes off duty at the next run.
    s.close_by_witness(chat, end + 3 * m).await.unwrap();
    assert_eq!(
        s.conversation(chat).await.unwrap().unwrap().state,
        ConversationState::Closed
    );
    assert_eq!(
        ours(s.apply_roster(end + 4 * m).await.unwrap(), &all),
        vec![(busy.id, Duty::OffDuty)]
    );
    // Never touched: the officer without a roster keeps the duty they chose.
    assert_eq!(duty_of(s, unrostered.id).await, Duty::OnShift);
    s.set_duty(unrostered.id, Duty::OffDuty, unrostered.id, now())
        .await
        .unwrap();

    // Each change was audited as the roster's (no actor), for handling.
    let log = s.audit_log(&AuditFilter::default(), 5000).await.unwrap();
    let by_roster = |who: StaffId| {
        log.iter()
            .filter(|e| {
                e.action == "duty_changed"
                    && e.target == format!("staff:{who}")
                    && e.purpose == "handling"
                    && e.actor.is_none()
            })
            .count()
    };
    assert_eq!((by_roster(idle.id), by_roster(busy.id)), (3, 3));
    assert_eq!(by_roster(unrostered.id), 0);
}
