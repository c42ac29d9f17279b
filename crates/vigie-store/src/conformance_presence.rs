//! Conformance for issue 6's officer presence: duty, heartbeat and capacity kept apart, with
//! defaults for an officer never seen, and the held count taken from the conversations.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::conformance::{now, rng, staff, taken};
use crate::*;
use std::sync::Arc;
use time::Duration;
use vigie_domain::dispatch::{Duty, DEFAULT_CAPACITY};
use vigie_domain::Role;

type Dyn = Arc<dyn Store>;

pub async fn run_all(store: Dyn) {
    a_new_officer_is_off_duty_with_the_default_capacity(store.clone()).await;
    a_duty_change_is_kept_and_audited(store.clone()).await;
    capacity_is_refused_outside_its_bounds(store.clone()).await;
    a_late_heartbeat_never_moves_liveness_back(store.clone()).await;
    held_counts_the_active_chats_an_officer_holds(store.clone()).await;
    disabled_accounts_and_other_roles_are_not_listed(store).await;
}

async fn presence_of(store: &dyn Store, who: StaffId) -> Option<Presence> {
    store
        .presences()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.staff == who)
}

/// Whether `by` (named by username in the log) recorded `action` on `who`'s account.
fn audited(log: &[AuditEntry], action: &str, who: StaffId, by: &StaffPrincipal) -> bool {
    log.iter().any(|e| {
        e.action == action
            && e.target == format!("staff:{who}")
            && e.purpose == "handling"
            && e.actor.as_deref() == Some(by.username.as_str())
    })
}

pub async fn a_new_officer_is_off_duty_with_the_default_capacity(store: Dyn) {
    let officer = staff(store.as_ref(), Role::Operator, &[]).await;
    let p = presence_of(store.as_ref(), officer.id).await.unwrap();
    assert_eq!(
        p,
        Presence {
            staff: officer.id,
            username: officer.username.clone(),
            role: Role::Operator,
            duty: Duty::OffDuty,
            capacity: DEFAULT_CAPACITY,
            last_seen: None,
            duty_changed_at: None,
            held: 0,
        }
    );
    let all = store.presences().await.unwrap();
    let names: Vec<&str> = all.iter().map(|p| p.username.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "ordered by username");
}

pub async fn a_duty_change_is_kept_and_audited(store: Dyn) {
    let officer = staff(store.as_ref(), Role::Operator, &[]).await;
    let lead = staff(store.as_ref(), Role::Supervisor, &[]).await;
    let t = now();
    store
        .set_duty(officer.id, Duty::OnShift, officer.id, t)
        .await
        .unwrap();
    let p = presence_of(store.as_ref(), officer.id).await.unwrap();
    assert_eq!((p.duty, p.duty_changed_at), (Duty::OnShift, Some(t)));
    assert_eq!(
        p.capacity, DEFAULT_CAPACITY,
        "a duty change keeps the capacity"
    );

    // The supervisor sends them to drain; the heartbeat does not touch the duty.
    let later = t + Duration::seconds(30);
    store
        .set_duty(officer.id, Duty::Draining, lead.id, later)
        .await
        .unwrap();
    store.heartbeat(officer.id, later).await.unwrap();
    let p = presence_of(store.as_ref(), officer.id).await.unwrap();
    assert_eq!(
        (p.duty, p.duty_changed_at, p.last_seen),
        (Duty::Draining, Some(later), Some(later))
    );

    let log = store.audit_log(&AuditFilter::default(), 500).await.unwrap();
    assert!(audited(&log, "duty_changed", officer.id, &officer));
    assert!(audited(&log, "duty_changed", officer.id, &lead));

    let stranger = StaffId::random(&mut rng());
    assert!(matches!(
        store
            .set_duty(stranger, Duty::OnShift, lead.id, now())
            .await,
        Err(StoreError::NotFound)
    ));
}

pub async fn capacity_is_refused_outside_its_bounds(store: Dyn) {
    let officer = staff(store.as_ref(), Role::Operator, &[]).await;
    let lead = staff(store.as_ref(), Role::Supervisor, &[]).await;
    for wrong in [0, MAX_CAPACITY + 1, u32::MAX] {
        match store.set_capacity(officer.id, wrong, lead.id, now()).await {
            Err(StoreError::Invalid(e)) => {
                assert_eq!(e.0.get("capacity"), Some(&"capacity-out-of-range"));
            }
            other => panic!("capacity {wrong} accepted: {other:?}"),
        }
    }
    let p = presence_of(store.as_ref(), officer.id).await.unwrap();
    assert_eq!(
        p.capacity, DEFAULT_CAPACITY,
        "a refused change writes nothing"
    );

    for right in [1, MAX_CAPACITY, 5] {
        store
            .set_capacity(officer.id, right, lead.id, now())
            .await
            .unwrap();
        let p = presence_of(store.as_ref(), officer.id).await.unwrap();
        assert_eq!(p.capacity, right);
        assert_eq!(p.duty, Duty::OffDuty, "a capacity change keeps the duty");
    }
    let log = store.audit_log(&AuditFilter::default(), 500).await.unwrap();
    assert!(audited(&log, "capacity_changed", officer.id, &lead));
    let refused = log
        .iter()
        .filter(|e| e.action == "capacity_changed" && e.target == format!("staff:{}", officer.id))
        .count();
    assert_eq!(refused, 3, "only accepted changes are audited");

    let stranger = StaffId::random(&mut rng());
    assert!(matches!(
        store.set_capacity(stranger, 2, lead.id, now()).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn a_late_heartbeat_never_moves_liveness_back(store: Dyn) {
    let officer = staff(store.as_ref(), Role::Operator, &[]).await;
    let t = now();
    store.heartbeat(officer.id, t).await.unwrap();
    let p = presence_of(store.as_ref(), officer.id).await.unwrap();
    assert_eq!(p.last_seen, Some(t));
    assert_eq!(p.duty, Duty::OffDuty, "a heartbeat is not a duty change");
    assert_eq!(p.duty_changed_at, None);

    // A heartbeat delayed in transit arrives after a newer one.
    let newer = t + Duration::seconds(20);
    store.heartbeat(officer.id, newer).await.unwrap();
    store
        .heartbeat(officer.id, t + Duration::seconds(10))
        .await
        .unwrap();
    let p = presence_of(store.as_ref(), officer.id).await.unwrap();
    assert_eq!(p.last_seen, Some(newer));

    // Heartbeats are not audited.
    let log = store.audit_log(&AuditFilter::default(), 500).await.unwrap();
    assert!(!log
        .iter()
        .any(|e| e.target == format!("staff:{}", officer.id)));

    let stranger = StaffId::random(&mut rng());
    assert!(matches!(
        store.heartbeat(stranger, now()).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn held_counts_the_active_chats_an_officer_holds(store: Dyn) {
    let officer = staff(store.as_ref(), Role::Operator, &[]).await;
    let other = staff(store.as_ref(), Role::Operator, &[]).await;
    let (first, _) = taken(store.as_ref(), &officer).await;
    taken(store.as_ref(), &officer).await;
    taken(store.as_ref(), &other).await;
    let p = presence_of(store.as_ref(), officer.id).await.unwrap();
    assert_eq!(p.held, 2);
    assert_eq!(presence_of(store.as_ref(), other.id).await.unwrap().held, 1);

    // A chat the witness closed is no longer held.
    store.close_by_witness(first, now()).await.unwrap();
    let p = presence_of(store.as_ref(), officer.id).await.unwrap();
    assert_eq!(p.held, 1);
}

pub async fn disabled_accounts_and_other_roles_are_not_listed(store: Dyn) {
    let admin = staff(store.as_ref(), Role::Admin, &[]).await;
    let lead = staff(store.as_ref(), Role::Supervisor, &[]).await;
    let gone = staff(store.as_ref(), Role::Operator, &[]).await;
    let analyst = staff(store.as_ref(), Role::Analyst, &["59"]).await;
    store
        .set_duty(gone.id, Duty::OnShift, gone.id, now())
        .await
        .unwrap();
    store
        .set_staff_disabled(gone.id, true, Some(admin.id), now())
        .await
        .unwrap();
    let listed = store.presences().await.unwrap();
    let has = |id: StaffId| listed.iter().any(|p| p.staff == id);
    assert!(has(lead.id), "supervisors are listed");
    assert!(!has(gone.id), "a disabled account is not listed");
    assert!(!has(analyst.id), "analysts are not listed");
    assert!(!has(admin.id), "admins are not listed");
    assert!(listed
        .iter()
        .all(|p| matches!(p.role, Role::Operator | Role::Supervisor)));

    // Enabled again, the account comes back with the presence it had.
    store
        .set_staff_disabled(gone.id, false, Some(admin.id), now())
        .await
        .unwrap();
    let back = presence_of(store.as_ref(), gone.id).await.unwrap();
    assert_eq!(back.duty, Duty::OnShift);
}
