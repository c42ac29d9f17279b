//! Conformance for issue 6's canned replies: listed per language in their order, changed and
//! removed whole, every change audited for administration, and an unknown reply refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::conformance::{now, rng, staff};
use crate::*;
use std::sync::Arc;
use time::Duration;
use vigie_domain::canned::CannedTitle;
use vigie_domain::{Locale, Role};

type Dyn = Arc<dyn Store>;

pub async fn run_all(store: Dyn) {
    canned_replies_are_listed_per_language_changed_removed_and_audited(store).await;
}

fn reply(locale: Locale, title: &str, body: &str, position: u32) -> CannedReply {
    CannedReply {
        id: CannedReplyId::random(&mut rng()),
        locale,
        title: CannedTitle::parse(title).unwrap(),
        body: MessageBody::parse(body).unwrap(),
        position,
        updated_at: now(),
    }
}

/// The replies of `locale` among `ids` (the database is shared with other checks).
async fn listed(store: &dyn Store, locale: Locale, ids: &[CannedReplyId]) -> Vec<CannedReply> {
    store
        .canned_replies(locale)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| ids.contains(&r.id))
        .collect()
}

pub async fn canned_replies_are_listed_per_language_changed_removed_and_audited(store: Dyn) {
    let s = store.as_ref();
    let admin = staff(s, Role::Admin, &[]).await;
    let later = reply(Locale::Fr, "Zut", "Restez en sécurité.", 2);
    let first = reply(Locale::Fr, "Bonjour", "Bonjour, je vous écoute.", 1);
    let tie = reply(Locale::Fr, "Adresse", "Pouvez-vous préciser l'adresse ?", 2);
    let english = reply(Locale::En, "Hello", "Hello, I am listening.", 1);
    for r in [&later, &first, &tie, &english] {
        s.create_canned_reply(r, admin.id).await.unwrap();
    }
    let ids = [later.id, first.id, tie.id, english.id];
    // By position, then title; each language on its own; read back exactly as written.
    assert_eq!(
        listed(s, Locale::Fr, &ids).await,
        vec![first.clone(), tie.clone(), later.clone()]
    );
    assert_eq!(listed(s, Locale::En, &ids).await, vec![english.clone()]);
    assert_eq!(s.canned_reply(tie.id).await.unwrap(), Some(tie.clone()));
    assert!(matches!(
        s.create_canned_reply(&first, admin.id).await,
        Err(StoreError::Conflict(_))
    ));

    // An update replaces everything, the language included.
    let moved = CannedReply {
        locale: Locale::En,
        title: CannedTitle::parse("Address").unwrap(),
        body: MessageBody::parse("Could you tell me the address?").unwrap(),
        position: 0,
        updated_at: now() + Duration::seconds(5),
        ..tie.clone()
    };
    s.update_canned_reply(&moved, admin.id).await.unwrap();
    assert_eq!(
        listed(s, Locale::Fr, &ids).await,
        vec![first.clone(), later.clone()]
    );
    assert_eq!(
        listed(s, Locale::En, &ids).await,
        vec![moved.clone(), english.clone()]
    );

    let at = now() + Duration::seconds(6);
    s.delete_canned_reply(later.id, admin.id, at).await.unwrap();
    assert_eq!(listed(s, Locale::Fr, &ids).await, vec![first.clone()]);
    assert_eq!(s.canned_reply(later.id).await.unwrap(), None);

    // Unknown replies: nothing written, nothing audited.
    let ghost = reply(Locale::Fr, "Fantôme", "Rien.", 0);
    assert!(matches!(
        s.update_canned_reply(&ghost, admin.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.delete_canned_reply(ghost.id, admin.id, at).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.delete_canned_reply(later.id, admin.id, at).await,
        Err(StoreError::NotFound)
    ));

    let log = s.audit_log(&AuditFilter::default(), 5000).await.unwrap();
    let count = |action: &str, id: CannedReplyId| {
        log.iter()
            .filter(|e| {
                e.action == action
                    && e.target == format!("canned:{id}")
                    && e.purpose == "administration"
                    && e.actor.as_deref() == Some(admin.username.as_str())
            })
            .count()
    };
    for id in ids {
        assert_eq!(count("canned_created", id), 1, "created {id}");
    }
    assert_eq!(count("canned_updated", tie.id), 1);
    assert_eq!(count("canned_deleted", later.id), 1);
    assert!(!log
        .iter()
        .any(|e| e.target == format!("canned:{}", ghost.id)));
}
