//! Conformance for issue 5's store pieces: the second factor and the account life cycle, spent
//! proofs of work, and witness photos.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::conformance::{conversation, now, rng, staff, taken, witness_msg};
use crate::*;
use std::sync::Arc;
use vigie_domain::Role;

type Dyn = Arc<dyn Store>;

pub async fn run_all(store: Dyn) {
    a_totp_step_is_accepted_once_and_completes_enrolment(store.clone()).await;
    account_life_cycle_ends_sessions_and_is_audited(store.clone()).await;
    a_proof_of_work_is_spent_once(store.clone()).await;
    photos_are_thread_messages_sealed_and_idempotent(store).await;
}

async fn session_for(store: &dyn Store, who: StaffId, token: &str) {
    let t = now();
    store
        .create_session(NewSession {
            token_hash: token.to_owned(),
            staff: who,
            csrf_token: "csrf".into(),
            created_at: t,
            expires_at: t + time::Duration::hours(1),
        })
        .await
        .unwrap();
}

fn audited(log: &[AuditEntry], action: &str, who: StaffId) -> bool {
    log.iter()
        .any(|e| e.action == action && e.target == format!("staff:{who}"))
}

pub async fn a_totp_step_is_accepted_once_and_completes_enrolment(store: Dyn) {
    let who = staff(store.as_ref(), Role::Operator, &[]).await;
    let fresh = store.staff_by_id(who.id).await.unwrap().unwrap();
    assert!(fresh.totp.is_none(), "no second factor before enrolment");
    assert!(store
        .begin_totp_enrolment(who.id, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        .await
        .unwrap());
    // A second start (a reloaded enrolment page) replaces the pending secret.
    assert!(store
        .begin_totp_enrolment(who.id, "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU")
        .await
        .unwrap());
    let pending = store.staff_by_id(who.id).await.unwrap().unwrap();
    let totp = pending.totp.unwrap();
    assert_eq!(totp.secret, "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU");
    assert!(!totp.enrolled);

    assert!(store.accept_totp_step(who.id, 1000, now()).await.unwrap());
    let enrolled = store
        .staff_by_id(who.id)
        .await
        .unwrap()
        .unwrap()
        .totp
        .unwrap();
    assert!(enrolled.enrolled);
    assert_eq!(enrolled.last_step, Some(1000));
    // Replay of the same step, and an earlier step, are refused; a later one is accepted.
    assert!(!store.accept_totp_step(who.id, 1000, now()).await.unwrap());
    assert!(!store.accept_totp_step(who.id, 999, now()).await.unwrap());
    assert!(store.accept_totp_step(who.id, 1001, now()).await.unwrap());
    // Once enrolled, enrolment cannot restart (the secret stays).
    assert!(!store
        .begin_totp_enrolment(who.id, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        .await
        .unwrap());
    let kept = store
        .staff_by_id(who.id)
        .await
        .unwrap()
        .unwrap()
        .totp
        .unwrap();
    assert_eq!(kept.secret, "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU");

    // Racing logins with one code: exactly one wins.
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store.accept_totp_step(who.id, 2000, now()).await.unwrap()
        }));
    }
    let mut won = 0;
    for t in tasks {
        won += usize::from(t.await.unwrap());
    }
    assert_eq!(won, 1, "one code, one login");

    let log = store.audit_log(&AuditFilter::default(), 500).await.unwrap();
    assert!(audited(&log, "totp_enrolled", who.id));
    // The secret is never stored in clear: the account row read back through another key fails.
    assert!(store
        .accept_totp_step(StaffId::random(&mut rng()), 1, now())
        .await
        .is_err());
}

pub async fn account_life_cycle_ends_sessions_and_is_audited(store: Dyn) {
    let admin = staff(store.as_ref(), Role::Admin, &[]).await;
    let who = staff(store.as_ref(), Role::Analyst, &["59"]).await;
    let [a, b, c] = ["lc-a", "lc-b", "lc-c"].map(|p| format!("{p}-{}", who.id));
    for t in [&a, &b, &c] {
        session_for(store.as_ref(), who.id, t).await;
    }
    let counts = store.session_counts(now()).await.unwrap();
    assert!(counts.contains(&(who.id, 3)), "{counts:?}");

    // A password change keeps the caller's session and ends the others.
    store
        .change_password(who.id, "new-hash", Some(&a), Some(who.id), now())
        .await
        .unwrap();
    assert!(store.session(&a, now()).await.unwrap().is_some());
    assert!(store.session(&b, now()).await.unwrap().is_none());
    assert!(store.session(&c, now()).await.unwrap().is_none());
    let account = store.staff_by_id(who.id).await.unwrap().unwrap();
    assert_eq!(account.password_hash, "new-hash");

    // An admin revokes the rest.
    session_for(store.as_ref(), who.id, &b).await;
    let ended = store
        .revoke_sessions(who.id, Some(admin.id), now())
        .await
        .unwrap();
    assert_eq!(ended, 2);
    assert!(store.session(&a, now()).await.unwrap().is_none());

    // Disabling ends sessions and hides any session created afterwards; enabling restores.
    session_for(store.as_ref(), who.id, &c).await;
    store
        .set_staff_disabled(who.id, true, Some(admin.id), now())
        .await
        .unwrap();
    assert!(store.session(&c, now()).await.unwrap().is_none());
    session_for(store.as_ref(), who.id, &a).await;
    assert!(
        store.session(&a, now()).await.unwrap().is_none(),
        "a disabled account has no live session"
    );
    let disabled = store.staff_by_id(who.id).await.unwrap().unwrap();
    assert!(disabled.disabled_at.is_some());
    store
        .set_staff_disabled(who.id, false, Some(admin.id), now())
        .await
        .unwrap();
    assert!(store
        .staff_by_id(who.id)
        .await
        .unwrap()
        .unwrap()
        .disabled_at
        .is_none());

    // Resetting the second factor clears it and ends sessions.
    store
        .begin_totp_enrolment(who.id, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        .await
        .unwrap();
    store.accept_totp_step(who.id, 5, now()).await.unwrap();
    session_for(store.as_ref(), who.id, &b).await;
    store
        .reset_totp(who.id, Some(admin.id), now())
        .await
        .unwrap();
    assert!(store
        .staff_by_id(who.id)
        .await
        .unwrap()
        .unwrap()
        .totp
        .is_none());
    assert!(store.session(&b, now()).await.unwrap().is_none());

    let log = store.audit_log(&AuditFilter::default(), 500).await.unwrap();
    for action in [
        "password_changed",
        "sessions_revoked",
        "staff_disabled",
        "staff_enabled",
        "totp_reset",
    ] {
        assert!(audited(&log, action, who.id), "{action} audited");
    }
    let unknown = StaffId::random(&mut rng());
    assert!(matches!(
        store.revoke_sessions(unknown, Some(admin.id), now()).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn a_proof_of_work_is_spent_once(store: Dyn) {
    let t = now();
    let hash = format!("proof-{}", StaffId::random(&mut rng()));
    let until = t + time::Duration::minutes(10);
    assert!(store.spend_proof(&hash, until, t).await.unwrap());
    assert!(!store.spend_proof(&hash, until, t).await.unwrap(), "replay");
    // After expiry the mark is swept; the challenge itself has expired by then, so accepting
    // the hash again is harmless (the web layer refuses expired challenges first).
    let later = until + time::Duration::seconds(1);
    assert!(store
        .spend_proof(&hash, later + time::Duration::minutes(10), later)
        .await
        .unwrap());
}

pub async fn photos_are_thread_messages_sealed_and_idempotent(store: Dyn) {
    let (id, _) = conversation(store.as_ref()).await;
    store
        .append_message(witness_msg(id, "m-1", "voici la photo"))
        .await
        .unwrap();
    let jpeg: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
    let photo = NewPhoto {
        id: PhotoId::random(&mut rng()),
        conversation: id,
        client_id: ClientId::parse("p-1").unwrap(),
        jpeg: jpeg.clone(),
        width: 640,
        height: 480,
        at: now(),
    };
    let first = store.append_photo(photo.clone()).await.unwrap();
    assert!(!first.duplicate);
    assert_eq!(first.seq, 2);
    // A retried upload with the same client id writes nothing.
    let again = NewPhoto {
        id: PhotoId::random(&mut rng()),
        ..photo.clone()
    };
    let retried = store.append_photo(again.clone()).await.unwrap();
    assert!(retried.duplicate);
    assert_eq!(retried.seq, 2);
    assert!(store.photo(again.id).await.unwrap().is_none());

    let events = store.events_after(id, 0, 100).await.unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].photo, Some(photo.id));
    assert_eq!(events[1].author, vigie_domain::Author::Witness);
    assert!(events[1].body.is_none());
    assert!(events[0].photo.is_none());

    let stored = store.photo(photo.id).await.unwrap().unwrap();
    assert_eq!(stored.jpeg, jpeg);
    assert_eq!((stored.width, stored.height), (640, 480));
    assert_eq!(stored.conversation, id);

    // Blocked: refused like a message.
    let officer = staff(store.as_ref(), Role::Operator, &[]).await;
    let (held, case) = taken(store.as_ref(), &officer).await;
    store
        .block_conversation(&case, ReasonText::parse("abusif").unwrap(), now())
        .await
        .unwrap();
    let blocked = store
        .append_photo(NewPhoto {
            id: PhotoId::random(&mut rng()),
            conversation: held,
            client_id: ClientId::parse("p-2").unwrap(),
            ..photo
        })
        .await;
    assert!(
        matches!(blocked, Err(StoreError::Conflict(_))),
        "{blocked:?}"
    );
}
