//! Conformance for issue 6's warm handover: to a named colleague (whose own first-reply clock
//! starts), then back to the queue (original wait kept, giver remembered as a decliner), with
//! the note sealed, read by its receiver and acknowledged once; a stale capability is refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::conformance::staff;
use crate::conformance_dispatch::{
    officer_message, on_shift, report, scenario, taken, waiting_since,
};
use crate::*;
use std::sync::Arc;
use time::Duration;
use vigie_domain::dispatch::{Decline, Priority, WaitingChat};
use vigie_domain::{ConversationState, Role};

type Dyn = Arc<dyn Store>;

pub async fn a_warm_handover_to_a_colleague_then_back_to_the_queue(store: Dyn) {
    let s = store.as_ref();
    let t = scenario(s).await;
    let giver = on_shift(s, t).await;
    let receiver = on_shift(s, t).await;
    let chat = waiting_since(s, t).await;
    taken(s.take(chat, giver.id, report(), t).await.unwrap());
    s.append_message(officer_message(chat, giver.id, t + Duration::seconds(5)))
        .await
        .unwrap();
    let case = AssignedCase::obtain(s, &giver, chat).await.unwrap();

    let note = "Témoin inquiet, parle du Pangolin";
    let refused = |r: StoreResult<i64>| match r {
        Err(StoreError::Invalid(e)) => e.0.get("to").copied(),
        other => panic!("expected a refusal, got {other:?}"),
    };
    let analyst = staff(s, Role::Analyst, &["59"]).await;
    let at = t + Duration::seconds(10);
    let body = || NoteBody::parse(note).unwrap();
    assert_eq!(
        refused(s.handover(&case, Some(giver.id), body(), at).await),
        Some("handover-same-officer")
    );
    assert_eq!(
        refused(s.handover(&case, Some(analyst.id), body(), at).await),
        Some("handover-unknown-receiver")
    );

    let to_colleague = s
        .handover(&case, Some(receiver.id), body(), at)
        .await
        .unwrap();
    let moved = s.conversation(chat).await.unwrap().unwrap();
    assert_eq!(
        (moved.state, moved.operator, moved.taken_at),
        (ConversationState::Active, Some(receiver.id), Some(at))
    );
    let held = s.dispatch_snapshot().await.unwrap().held;
    assert_eq!(
        (held[0].officer, held[0].taken_at, held[0].first_reply_at),
        (receiver.id, at, None),
        "the receiver's own first-reply clock"
    );
    assert_eq!(
        s.pending_handovers(receiver.id).await.unwrap(),
        vec![HandoverNote {
            id: to_colleague,
            conversation: chat,
            from_username: giver.username.clone(),
            note: note.into(),
            at,
        }]
    );
    assert!(s.pending_handovers(giver.id).await.unwrap().is_empty());
    let stranger = s.acknowledge_handover(to_colleague, giver.id, at).await;
    assert!(
        matches!(stranger, Err(StoreError::NotFound)),
        "{stranger:?}"
    );
    s.acknowledge_handover(to_colleague, receiver.id, at)
        .await
        .unwrap();
    s.acknowledge_handover(to_colleague, receiver.id, at)
        .await
        .unwrap();
    assert!(s.pending_handovers(receiver.id).await.unwrap().is_empty());
    // The giver's capability is stale: the chat is no longer theirs to hand over.
    assert!(matches!(
        s.handover(&case, None, body(), at).await,
        Err(StoreError::Forbidden)
    ));

    // Back to the queue, at its original wait, the giver remembered as a decliner.
    let case = AssignedCase::obtain(s, &receiver, chat).await.unwrap();
    let later = t + Duration::seconds(20);
    let to_queue = s
        .handover(
            &case,
            None,
            NoteBody::parse("Rappeler le Pangolin").unwrap(),
            later,
        )
        .await
        .unwrap();
    let after = s.dispatch_snapshot().await.unwrap();
    assert!(after.held.is_empty());
    assert_eq!(
        after.waiting,
        vec![WaitingChat {
            id: chat,
            priority: Priority::Normal,
            waiting_since: t,
            long_wait_alerted: true,
        }]
    );
    assert!(after.declines.contains(&Decline {
        chat,
        officer: receiver.id
    }));
    assert!(matches!(
        s.handover(&case, None, body(), later).await,
        Err(StoreError::Conflict("handover-not-held"))
    ));
    let log = s
        .audit_log(
            &AuditFilter {
                action: Some("handover".into()),
                ..AuditFilter::default()
            },
            50,
        )
        .await
        .unwrap();
    let here = format!("conversation:{chat}");
    assert_eq!(log.iter().filter(|e| e.target == here).count(), 2);

    // Whoever takes it next reads the note and acknowledges it.
    taken(s.take(chat, giver.id, report(), later).await.unwrap());
    let pending = s.pending_handovers(giver.id).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        (pending[0].id, pending[0].note.as_str()),
        (to_queue, "Rappeler le Pangolin")
    );
    s.acknowledge_handover(to_queue, giver.id, later)
        .await
        .unwrap();
    assert!(s.pending_handovers(giver.id).await.unwrap().is_empty());
}
