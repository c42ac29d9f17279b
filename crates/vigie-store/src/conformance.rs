//! The conformance suite: behaviour every backend must show, run by each backend's tests.
//!
//! Each check builds its own data with fresh ids, so checks can share one database.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::*;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::sync::{Arc, Mutex};
use vigie_domain::clock::truncate_millis;
use vigie_domain::report::ReportInput;
use vigie_domain::{ConversationState, EventKind, Locale, ReportState, Role};

type Dyn = Arc<dyn Store>;

pub(crate) fn rng() -> StdRng {
    static SEED: Mutex<u64> = Mutex::new(1);
    let mut seed = SEED.lock().unwrap();
    *seed += 1;
    StdRng::seed_from_u64(*seed ^ 0x5eed_u64.wrapping_mul(std::process::id().into()))
}

pub(crate) fn now() -> Timestamp {
    truncate_millis(time::OffsetDateTime::now_utc())
}

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}{}",
        ConversationId::random(&mut rng())
            .to_string()
            .replace('-', "")[..12]
            .to_owned()
    )
}

/// Loads a handful of communes so report checks can point at real places.
pub async fn seed_geo(store: &dyn Store) {
    let c = |insee: &str, name: &str, dep: &str, pc: &str, pop: u64| Commune {
        insee: InseeCode::parse(insee).unwrap(),
        name: name.into(),
        kind: "commune".into(),
        departement: DepartementCode::parse(dep).unwrap(),
        postcodes: pc.split(' ').map(str::to_owned).collect(),
        population: pop,
        lat: Some(50.6),
        lon: Some(3.05),
    };
    let d = |code: &str, name: &str| Departement {
        code: DepartementCode::parse(code).unwrap(),
        name: name.into(),
    };
    store
        .import_geo(
            vec![
                d("59", "Nord"),
                d("75", "Paris"),
                d("13", "Bouches-du-Rhône"),
                d("42", "Loire"),
            ],
            vec![
                c(
                    "59350",
                    "Lille",
                    "59",
                    "59000 59160 59260 59777 59800",
                    236_710,
                ),
                c("75056", "Paris", "75", "75001 75002", 2_133_111),
                c("13055", "Marseille", "13", "13001 13002", 873_076),
                c("42218", "Saint-Étienne", "42", "42000 42100", 173_089),
                c("59017", "Armentières", "59", "59280", 24_962),
            ],
        )
        .await
        .unwrap();
}

pub(crate) async fn staff(store: &dyn Store, role: Role, deps: &[&str]) -> StaffPrincipal {
    let username = unique(role.as_str());
    let id = StaffId::random(&mut rng());
    store
        .create_staff(NewStaff {
            id,
            username: Username::parse(&username).unwrap(),
            role,
            password_hash: "not-a-real-hash".into(),
            departements: deps
                .iter()
                .map(|d| DepartementCode::parse(d).unwrap())
                .collect(),
            created_at: now(),
        })
        .await
        .unwrap();
    StaffPrincipal {
        id,
        username,
        role,
        departements: deps
            .iter()
            .map(|d| DepartementCode::parse(d).unwrap())
            .collect(),
    }
}

pub(crate) async fn conversation(store: &dyn Store) -> (ConversationId, String) {
    let id = ConversationId::random(&mut rng());
    let token = unique("token");
    store
        .create_conversation(NewConversation {
            id,
            locale: Locale::Fr,
            receipt_hash: unique("receipt"),
            token_hash: token.clone(),
            created_at: now(),
        })
        .await
        .unwrap();
    (id, token)
}

pub(crate) fn witness_msg(conversation: ConversationId, client_id: &str, body: &str) -> NewMessage {
    NewMessage {
        conversation,
        writer: Writer::Witness,
        client_id: ClientId::parse(client_id).unwrap(),
        body: MessageBody::parse(body).unwrap(),
        at: now(),
    }
}

pub(crate) async fn taken(
    store: &dyn Store,
    officer: &StaffPrincipal,
) -> (ConversationId, AssignedCase) {
    let (id, _) = conversation(store).await;
    let outcome = store
        .take(id, officer.id, ReportId::random(&mut rng()), now())
        .await
        .unwrap();
    assert!(matches!(outcome, TakeOutcome::Taken(_)));
    (id, AssignedCase::obtain(store, officer, id).await.unwrap())
}

pub use crate::conformance_chain::{witness_words_round_trip_through_sealed_columns, SEALED_WORDS};

pub async fn run_all(store: Dyn) {
    seed_geo(store.as_ref()).await;
    messages_are_numbered_in_order_and_retries_are_not_duplicated(store.clone()).await;
    only_one_of_many_racing_officers_takes_a_conversation(store.clone()).await;
    take_next_serves_the_longest_wait_first(store.clone()).await;
    resume_replaces_the_token(store.clone()).await;
    a_witness_who_leaves_can_no_longer_write(store.clone()).await;
    notes_never_enter_the_witness_thread(store.clone()).await;
    report_versions_conflicts_and_qualification(store.clone()).await;
    racing_saves_of_one_version_keep_exactly_one(store.clone()).await;
    closing_without_report_and_illegal_transitions(store.clone()).await;
    sessions_expire(store.clone()).await;
    communes_are_found_by_name_postcode_and_code(store.clone()).await;
    only_holders_and_leads_obtain_cases(store.clone()).await;
    the_cell_grades_checks_and_concludes(store.clone()).await;
    a_blocked_conversation_refuses_the_witness_and_can_be_rejected(store.clone()).await;
    crate::conformance_security::run_all(store.clone()).await;
    crate::conformance_presence::run_all(store.clone()).await;
    crate::conformance_response::run_all(store.clone()).await;
    crate::conformance_canned::run_all(store.clone()).await;
    crate::conformance_chain::run_all(store.clone()).await;
    crate::conformance_roster::run_all(store.clone()).await;
    // Last: its scenarios close every chat left open by the checks above.
    crate::conformance_dispatch::run_all(store).await;
}

pub async fn messages_are_numbered_in_order_and_retries_are_not_duplicated(store: Dyn) {
    let (id, token) = conversation(store.as_ref()).await;
    let found = store.conversation_by_token(&token).await.unwrap().unwrap();
    assert_eq!(
        (found.id, found.state, found.last_seq),
        (id, ConversationState::Waiting, 0)
    );
    for i in 1..=5u64 {
        let a = store
            .append_message(witness_msg(id, &format!("c{i}"), &format!("message {i}")))
            .await
            .unwrap();
        assert_eq!(
            a,
            Appended {
                seq: i,
                duplicate: false
            }
        );
    }
    let again = store
        .append_message(witness_msg(id, "c3", "message 3"))
        .await
        .unwrap();
    assert_eq!(
        again,
        Appended {
            seq: 3,
            duplicate: true
        }
    );
    let events = store.events_after(id, 0, 100).await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );
    assert_eq!(events[2].body.as_deref(), Some("message 3"));
    assert_eq!(events[2].client_id.as_deref(), Some("c3"));
    assert_eq!(store.events_after(id, 3, 100).await.unwrap().len(), 2);
    assert_eq!(store.events_after(id, 0, 2).await.unwrap().len(), 2);

    // Concurrent sends to one conversation still get distinct consecutive numbers.
    let mut handles = Vec::new();
    for i in 0..20 {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            store
                .append_message(witness_msg(id, &format!("p{i}"), "parallel"))
                .await
                .unwrap()
                .seq
        }));
    }
    let mut seqs = Vec::new();
    for h in handles {
        seqs.push(h.await.unwrap());
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (6..=25).collect::<Vec<_>>());
}

pub async fn only_one_of_many_racing_officers_takes_a_conversation(store: Dyn) {
    let (id, _) = conversation(store.as_ref()).await;
    let mut officers = Vec::new();
    for _ in 0..6 {
        officers.push(staff(store.as_ref(), Role::Operator, &[]).await);
    }
    let mut handles = Vec::new();
    for officer in &officers {
        let store = store.clone();
        let officer = officer.id;
        handles.push(tokio::spawn(async move {
            store
                .take(id, officer, ReportId::random(&mut rng()), now())
                .await
                .unwrap()
        }));
    }
    let mut wins = 0;
    let mut losses = 0;
    for h in handles {
        match h.await.unwrap() {
            TakeOutcome::Taken(event) => {
                wins += 1;
                assert_eq!(event.kind, EventKind::OfficerJoined);
            }
            TakeOutcome::AlreadyTaken => losses += 1,
            TakeOutcome::NotFound => panic!("the conversation exists"),
        }
    }
    assert_eq!((wins, losses), (1, 5));
    let conv = store.conversation(id).await.unwrap().unwrap();
    assert_eq!(conv.state, ConversationState::Active);
    assert!(officers.iter().any(|o| Some(o.id) == conv.operator));
    assert!(store.report_for_conversation(id).await.unwrap().is_some());
    assert!(!store
        .queue()
        .await
        .unwrap()
        .iter()
        .any(|q| q.conversation == id));
}

pub async fn take_next_serves_the_longest_wait_first(store: Dyn) {
    let officer = staff(store.as_ref(), Role::Operator, &[]).await;
    // Drain whatever earlier checks left waiting.
    while store
        .take_next(officer.id, ReportId::random(&mut rng()), now())
        .await
        .unwrap()
        .is_some()
    {}
    let (first, _) = conversation(store.as_ref()).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let (second, _) = conversation(store.as_ref()).await;
    let queue = store.queue().await.unwrap();
    assert_eq!(
        queue.iter().map(|q| q.conversation).collect::<Vec<_>>(),
        vec![first, second]
    );
    let fresh = staff(store.as_ref(), Role::Operator, &[]).await;
    let (got, _) = store
        .take_next(fresh.id, ReportId::random(&mut rng()), now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, first);
    assert_eq!(
        store
            .held_by(fresh.id)
            .await
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect::<Vec<_>>(),
        vec![first]
    );
}

pub async fn resume_replaces_the_token(store: Dyn) {
    let id = ConversationId::random(&mut rng());
    let receipt = unique("receipt");
    store
        .create_conversation(NewConversation {
            id,
            locale: Locale::En,
            receipt_hash: receipt.clone(),
            token_hash: "old-token".to_owned() + &unique(""),
            created_at: now(),
        })
        .await
        .unwrap();
    let old = store.conversation(id).await.unwrap().unwrap();
    assert_eq!(old.locale, Locale::En);
    let new_token = unique("new");
    assert_eq!(store.resume(&receipt, &new_token).await.unwrap(), Some(id));
    assert_eq!(
        store
            .conversation_by_token(&new_token)
            .await
            .unwrap()
            .unwrap()
            .id,
        id
    );
    assert_eq!(store.resume("no-such-receipt", "x").await.unwrap(), None);
    // A second conversation with the same receipt hash is refused.
    let clash = store
        .create_conversation(NewConversation {
            id: ConversationId::random(&mut rng()),
            locale: Locale::Fr,
            receipt_hash: receipt,
            token_hash: unique("t"),
            created_at: now(),
        })
        .await;
    assert!(matches!(clash, Err(StoreError::Conflict(_))));
}

pub async fn a_witness_who_leaves_can_no_longer_write(store: Dyn) {
    let (id, token) = conversation(store.as_ref()).await;
    store
        .append_message(witness_msg(id, "a", "bonjour"))
        .await
        .unwrap();
    let event = store.close_by_witness(id, now()).await.unwrap();
    assert_eq!(
        (event.seq, event.kind, event.author),
        (2, EventKind::Closed, Author::Witness)
    );
    assert!(store.conversation_by_token(&token).await.unwrap().is_none());
    assert!(matches!(
        store.append_message(witness_msg(id, "b", "encore")).await,
        Err(StoreError::Closed)
    ));
    assert!(matches!(
        store.close_by_witness(id, now()).await,
        Err(StoreError::Closed)
    ));
    let audit = store
        .audit_log(&AuditFilter::default(), 1000)
        .await
        .unwrap();
    assert!(audit.iter().any(|a| a.action == "witness_closed"
        && a.target == format!("conversation:{id}")
        && a.actor.is_none()));
    // A closed conversation is not in the queue and cannot be taken.
    let officer = staff(store.as_ref(), Role::Operator, &[]).await;
    let outcome = store
        .take(id, officer.id, ReportId::random(&mut rng()), now())
        .await
        .unwrap();
    assert_eq!(outcome, TakeOutcome::NotFound);
}

pub async fn notes_never_enter_the_witness_thread(store: Dyn) {
    let officer = staff(store.as_ref(), Role::Operator, &[]).await;
    let (id, case) = taken(store.as_ref(), &officer).await;
    let note = store
        .add_note(
            &case,
            NoteBody::parse("SECRET-NOTE suspect connu").unwrap(),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(note.author, officer.username);
    let reader = CaseReader::obtain(store.as_ref(), &officer, id, "test", now())
        .await
        .unwrap();
    assert_eq!(store.notes(&reader).await.unwrap(), vec![note]);
    let thread = store.events_after(id, 0, 1000).await.unwrap();
    assert!(thread
        .iter()
        .all(|e| !e.body.as_deref().unwrap_or("").contains("SECRET-NOTE")));
    assert_eq!(thread.len(), 1, "only the officer-joined event");
}

pub async fn report_versions_conflicts_and_qualification(store: Dyn) {
    let officer = staff(store.as_ref(), Role::Operator, &[]).await;
    let (id, case) = taken(store.as_ref(), &officer).await;
    let report = store.report_for_conversation(id).await.unwrap().unwrap();
    assert_eq!((report.state, report.version), (ReportState::InChat, 0));

    // Unknown commune: refused, nothing written.
    let bad = ReportInput {
        commune: "99999".into(),
        ..ReportInput::default()
    }
    .validate()
    .unwrap();
    match store.save_report(&case, 0, bad, now()).await {
        Err(StoreError::Invalid(e)) => assert_eq!(e.0["commune"], "commune-unknown"),
        other => panic!("{other:?}"),
    }
    assert_eq!(store.report(report.id).await.unwrap().unwrap().version, 0);

    // Qualification needs the essentials.
    match store.qualify(&case, now()).await {
        Err(StoreError::Invalid(e)) => assert!(e.0.contains_key("activity")),
        other => panic!("{other:?}"),
    }

    let partial = ReportInput {
        activity: "street_sale".into(),
        ..ReportInput::default()
    }
    .validate()
    .unwrap();
    let v1 = store.save_report(&case, 0, partial, now()).await.unwrap();
    assert_eq!(v1.version, 1);
    let full = ReportInput {
        activity: "street_sale".into(),
        commune: "59350".into(),
        place: "Hall B".into(),
        knowledge: "seen".into(),
        weapons: true,
        ..ReportInput::default()
    }
    .validate()
    .unwrap();
    // Saving against a stale version is refused.
    assert!(matches!(
        store.save_report(&case, 0, full.clone(), now()).await,
        Err(StoreError::VersionConflict {
            expected: 0,
            current: 1
        })
    ));
    let v2 = store
        .save_report(&case, 1, full.clone(), now())
        .await
        .unwrap();
    assert_eq!((v2.version, v2.fields.clone()), (2, full));
    assert_eq!(
        v2.departement.as_ref().map(DepartementCode::as_str),
        Some("59")
    );
    let versions = store.report_versions(report.id).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!(versions[0].saved_by, officer.username);

    // Not in any inbox before qualification.
    let nord = [DepartementCode::parse("59").unwrap()];
    assert!(!store
        .inbox(&nord, &InboxFilter::default())
        .await
        .unwrap()
        .iter()
        .any(|r| r.id == report.id));

    let qualified = store.qualify(&case, now()).await.unwrap();
    assert_eq!(qualified.state, ReportState::Qualified);
    assert!(qualified.qualified_at.is_some());
    let inbox = store.inbox(&nord, &InboxFilter::default()).await.unwrap();
    let row = inbox.iter().find(|r| r.id == report.id).unwrap();
    // Filters narrow the inbox; each can exclude the report.
    let only = |filter: InboxFilter| {
        let store = store.clone();
        let nord = nord.clone();
        async move {
            store
                .inbox(&nord, &filter)
                .await
                .unwrap()
                .iter()
                .any(|r| r.id == report.id)
        }
    };
    let lille = InseeCode::parse("59350").unwrap();
    assert!(
        only(InboxFilter {
            state: Some(ReportState::Qualified),
            commune: Some(lille.clone()),
            ..InboxFilter::default()
        })
        .await
    );
    assert!(
        !only(InboxFilter {
            state: Some(ReportState::Graded),
            ..InboxFilter::default()
        })
        .await
    );
    assert!(
        !only(InboxFilter {
            commune: Some(InseeCode::parse("59017").unwrap()),
            ..InboxFilter::default()
        })
        .await
    );
    assert!(
        only(InboxFilter {
            activity: Some(vigie_domain::report::Activity::StreetSale),
            ..InboxFilter::default()
        })
        .await
    );
    assert!(
        !only(InboxFilter {
            activity: Some(vigie_domain::report::Activity::Storage),
            ..InboxFilter::default()
        })
        .await
    );
    assert!(
        only(InboxFilter {
            qualified_since: Some(now() - time::Duration::hours(1)),
            ..InboxFilter::default()
        })
        .await
    );
    assert!(
        !only(InboxFilter {
            qualified_since: Some(now() + time::Duration::hours(1)),
            ..InboxFilter::default()
        })
        .await
    );
    assert_eq!(row.commune_name.as_deref(), Some("Lille"));
    assert!(row.weapons);
    assert!(!store
        .inbox(
            &[DepartementCode::parse("75").unwrap()],
            &InboxFilter::default()
        )
        .await
        .unwrap()
        .iter()
        .any(|r| r.id == report.id));

    // The chat is over: the witness sees a closed event, and no one can write or edit any more.
    let conv = store.conversation(id).await.unwrap().unwrap();
    assert_eq!(conv.state, ConversationState::Closed);
    let last = store.events_after(id, 0, 100).await.unwrap().pop().unwrap();
    assert_eq!(
        (last.kind, last.author),
        (EventKind::Closed, Author::System)
    );
    assert!(matches!(
        store
            .save_report(&case, 2, ReportFields::default(), now())
            .await,
        Err(StoreError::NotEditable)
    ));
    assert!(matches!(
        store.qualify(&case, now()).await,
        Err(StoreError::Transition(_))
    ));

    let audit = store.audit_log(&AuditFilter::default(), 500).await.unwrap();
    for action in ["take_conversation", "save_report", "qualify_report"] {
        assert!(audit
            .iter()
            .any(|a| a.action == action && a.actor.as_deref() == Some(officer.username.as_str())));
    }
}

/// Saves racing on one version: exactly one is kept, the others are told the version moved;
/// the report a save returns is the report a read returns.
pub async fn racing_saves_of_one_version_keep_exactly_one(store: Dyn) {
    let officer = staff(store.as_ref(), Role::Operator, &[]).await;
    let (id, case) = taken(store.as_ref(), &officer).await;
    let mut handles = Vec::new();
    for i in 0..6 {
        let store = store.clone();
        let case = case.clone();
        let fields = ReportInput {
            activity: "street_sale".into(),
            commune: "59350".into(),
            place: format!("Hall {i}"),
            ..ReportInput::default()
        }
        .validate()
        .unwrap();
        handles.push(tokio::spawn(async move {
            store.save_report(&case, 0, fields, now()).await
        }));
    }
    let mut kept = Vec::new();
    let mut conflicts = 0;
    for h in handles {
        match h.await.unwrap() {
            Ok(report) => kept.push(report),
            Err(StoreError::VersionConflict {
                expected: 0,
                current: 1,
            }) => conflicts += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((kept.len(), conflicts), (1, 5));
    let read = store.report_for_conversation(id).await.unwrap().unwrap();
    assert_eq!(read, kept[0]);
    let versions = store.report_versions(read.id).await.unwrap();
    assert_eq!(versions.len(), 1);
}

pub async fn closing_without_report_and_illegal_transitions(store: Dyn) {
    let officer = staff(store.as_ref(), Role::Operator, &[]).await;
    let (id, case) = taken(store.as_ref(), &officer).await;
    let closed = store
        .close_case(
            &case,
            CloseOutcome::OutOfScope,
            ReasonText::parse("contenu en ligne → PHAROS").unwrap(),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(
        (closed.state, closed.outcome),
        (ReportState::OutOfScope, Some(CloseOutcome::OutOfScope))
    );
    assert_eq!(
        closed.outcome_reason.as_deref(),
        Some("contenu en ligne → PHAROS")
    );
    assert_eq!(
        store.conversation(id).await.unwrap().unwrap().state,
        ConversationState::Closed
    );
    let again = store
        .close_case(
            &case,
            CloseOutcome::Rejected,
            ReasonText::parse("x").unwrap(),
            now(),
        )
        .await;
    assert!(matches!(again, Err(StoreError::Transition(_))));
    assert!(matches!(
        store
            .append_message(NewMessage {
                writer: Writer::Officer(officer.id),
                ..witness_msg(id, "o1", "hello")
            })
            .await,
        Err(StoreError::Closed)
    ));
}

pub async fn a_blocked_conversation_refuses_the_witness_and_can_be_rejected(store: Dyn) {
    let officer = staff(store.as_ref(), Role::Operator, &[]).await;
    let (id, case) = taken(store.as_ref(), &officer).await;
    store
        .append_message(witness_msg(id, "w1", "avant le blocage"))
        .await
        .unwrap();
    let since = now();
    let blocked = store
        .block_conversation(
            &case,
            ReasonText::parse("insultes répétées").unwrap(),
            since,
        )
        .await
        .unwrap();
    assert_eq!(blocked.blocked_at, Some(since));
    assert_eq!(
        blocked.state,
        ConversationState::Active,
        "the chat keeps its state"
    );
    // The witness's words are refused; a retry of an earlier message still answers its seq.
    assert!(matches!(
        store.append_message(witness_msg(id, "w2", "encore")).await,
        Err(StoreError::Conflict("conversation-blocked"))
    ));
    let retry = store
        .append_message(witness_msg(id, "w1", "avant le blocage"))
        .await
        .unwrap();
    assert!(retry.duplicate);
    // The officer may still say why before closing.
    store
        .append_message(NewMessage {
            writer: Writer::Officer(officer.id),
            ..witness_msg(id, "o1", "Cette conversation est bloquée.")
        })
        .await
        .unwrap();
    // Blocking again changes nothing: the first time stays, one audit row.
    let again = store
        .block_conversation(&case, ReasonText::parse("encore").unwrap(), now())
        .await
        .unwrap();
    assert_eq!(again.blocked_at, Some(since));
    assert_eq!(
        store.conversation(id).await.unwrap().unwrap().blocked_at,
        Some(since)
    );
    let audit = store
        .audit_log(
            &AuditFilter {
                action: Some("block_conversation".into()),
                ..AuditFilter::default()
            },
            1000,
        )
        .await
        .unwrap();
    let rows: Vec<_> = audit
        .iter()
        .filter(|a| a.target == format!("conversation:{id}"))
        .collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].purpose, "handling");
    assert!(store
        .queue()
        .await
        .unwrap()
        .iter()
        .all(|q| q.conversation != id));
    // The report is closed as rejected the usual way.
    let closed = store
        .close_case(
            &case,
            CloseOutcome::Rejected,
            ReasonText::parse("abusif").unwrap(),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(closed.state, ReportState::Rejected);
    // Not a conversation anyone holds: no capability, so no block.
    let other = staff(store.as_ref(), Role::Operator, &[]).await;
    assert!(matches!(
        AssignedCase::obtain(store.as_ref(), &other, id).await,
        Err(StoreError::Forbidden)
    ));
}

pub async fn sessions_expire(store: Dyn) {
    let who = staff(store.as_ref(), Role::Analyst, &["59", "62"]).await;
    let t0 = now();
    let token = unique("session");
    store
        .create_session(NewSession {
            token_hash: token.clone(),
            staff: who.id,
            csrf_token: "csrf".into(),
            created_at: t0,
            expires_at: t0 + time::Duration::hours(1),
        })
        .await
        .unwrap();
    let live = store.session(&token, t0).await.unwrap().unwrap();
    assert_eq!(live.account.role, Role::Analyst);
    assert_eq!(live.account.departements.len(), 2);
    assert!(store
        .session(&token, t0 + time::Duration::hours(2))
        .await
        .unwrap()
        .is_none());
    store.delete_session(&token).await.unwrap();
    assert!(store.session(&token, t0).await.unwrap().is_none());

    let lockout = time::Duration::minutes(15);
    for _ in 0..3 {
        assert!(store
            .begin_login_attempt(who.id, t0, 3, lockout)
            .await
            .unwrap());
    }
    assert!(
        !store
            .begin_login_attempt(who.id, t0, 3, lockout)
            .await
            .unwrap(),
        "locked after 3"
    );
    assert!(!store
        .begin_login_attempt(who.id, t0 + time::Duration::minutes(14), 3, lockout)
        .await
        .unwrap());
    assert!(
        store
            .begin_login_attempt(who.id, t0 + time::Duration::minutes(16), 3, lockout)
            .await
            .unwrap(),
        "lock expired"
    );
    store.record_login_success(who.id).await.unwrap();
    let account = store
        .staff_by_username(&Username::parse(&who.username).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.failed_logins, 0);
    let dup = store
        .create_staff(NewStaff {
            id: StaffId::random(&mut rng()),
            username: Username::parse(&who.username).unwrap(),
            role: Role::Admin,
            password_hash: "x".into(),
            departements: vec![],
            created_at: t0,
        })
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))));
}

pub async fn communes_are_found_by_name_postcode_and_code(store: Dyn) {
    let names = |v: Vec<Commune>| v.into_iter().map(|c| c.name).collect::<Vec<_>>();
    assert_eq!(
        names(store.search_communes("st etien", 10).await.unwrap()),
        vec!["Saint-Étienne"]
    );
    assert_eq!(
        names(store.search_communes("ARMENTIERES", 10).await.unwrap()),
        vec!["Armentières"]
    );
    assert_eq!(
        names(store.search_communes("59800", 10).await.unwrap()),
        vec!["Lille"]
    );
    assert_eq!(
        names(store.search_communes("750", 10).await.unwrap()),
        vec!["Paris"]
    );
    assert!(store.search_communes("%", 10).await.unwrap().is_empty());
    assert!(store.search_communes("", 10).await.unwrap().is_empty());
    let lille = store
        .commune(&InseeCode::parse("59350").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(lille.postcodes.len(), 5);
    assert_eq!(
        store
            .departement(&DepartementCode::parse("59").unwrap())
            .await
            .unwrap()
            .unwrap()
            .name,
        "Nord"
    );
    assert!(store.commune_count().await.unwrap() >= 5);
}

pub async fn only_holders_and_leads_obtain_cases(store: Dyn) {
    let holder = staff(store.as_ref(), Role::Operator, &[]).await;
    let other = staff(store.as_ref(), Role::Operator, &[]).await;
    let lead = staff(store.as_ref(), Role::Supervisor, &[]).await;
    let analyst = staff(store.as_ref(), Role::Analyst, &["59"]).await;
    let admin = staff(store.as_ref(), Role::Admin, &[]).await;
    let (id, _) = taken(store.as_ref(), &holder).await;
    let s = store.as_ref();
    assert!(matches!(
        AssignedCase::obtain(s, &other, id).await,
        Err(StoreError::Forbidden)
    ));
    assert!(matches!(
        AssignedCase::obtain(s, &analyst, id).await,
        Err(StoreError::Forbidden)
    ));
    assert!(AssignedCase::obtain(s, &lead, id).await.is_ok());
    assert!(matches!(
        CaseReader::obtain(s, &other, id, "t", now()).await,
        Err(StoreError::Forbidden)
    ));
    assert!(matches!(
        CaseReader::obtain(s, &admin, id, "t", now()).await,
        Err(StoreError::Forbidden)
    ));
    assert!(CaseReader::obtain(s, &lead, id, "t", now()).await.is_ok());
    let report = store.report_for_conversation(id).await.unwrap().unwrap();
    // Not qualified yet: invisible to the analyst.
    assert!(matches!(
        RoutedReport::obtain(s, &analyst, report.id, "t", now()).await,
        Err(StoreError::NotFound)
    ));
    let audit = store
        .audit_log(&AuditFilter::default(), 1000)
        .await
        .unwrap();
    assert!(audit
        .iter()
        .any(|a| a.action == "read_conversation"
            && a.actor.as_deref() == Some(lead.username.as_str())));
}

pub async fn the_cell_grades_checks_and_concludes(store: Dyn) {
    use vigie_domain::report::{
        CheckKind, Conclusion, Credibility, Grading, HandlingCode, SourceReliability,
    };
    let officer = staff(store.as_ref(), Role::Operator, &[]).await;
    let analyst = staff(store.as_ref(), Role::Analyst, &["59"]).await;
    let (_, case) = taken(store.as_ref(), &officer).await;
    let facts = ReportInput {
        activity: "street_sale".into(),
        commune: "59350".into(),
        place: "Hall B".into(),
        knowledge: "seen".into(),
        ..ReportInput::default()
    }
    .validate()
    .unwrap();
    store
        .save_report(&case, 0, facts.clone(), now())
        .await
        .unwrap();
    let qualified = store.qualify(&case, now()).await.unwrap();
    let routed = RoutedReport::obtain(store.as_ref(), &analyst, qualified.id, "analysis", now())
        .await
        .unwrap();
    let s = store.as_ref();

    // Concluding before any check is refused; so is a credibility of 1 without a check.
    assert!(matches!(
        s.conclude(&routed, analyst.id, Conclusion::Corroborated, now())
            .await,
        Err(StoreError::Transition(_))
    ));
    let confirmed = Grading {
        source: SourceReliability::F,
        credibility: Credibility::One,
        handling: HandlingCode::H0,
    };
    match s.grade(&routed, analyst.id, confirmed, None, now()).await {
        Err(StoreError::Invalid(e)) => assert_eq!(e.0["credibility"], "confirmation-needs-checks"),
        other => panic!("{other:?}"),
    }

    // Grading: the assessment is kept apart from the facts, which do not change.
    let assessment =
        ReasonText::parse("Secteur connu, cohérent avec les signalements de septembre").unwrap();
    let graded = s
        .grade(
            &routed,
            analyst.id,
            Grading::ANONYMOUS_TIP,
            Some(assessment),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(graded.state, ReportState::Graded);
    assert_eq!(graded.grading.map(|g| g.code()), Some("F6".to_owned()));
    assert_eq!(
        graded.assessment.as_deref(),
        Some("Secteur connu, cohérent avec les signalements de septembre")
    );
    assert_eq!(graded.fields, facts);

    // Checks move it to corroboration; then credibility 1 may be given.
    let check = s
        .record_check(
            &routed,
            analyst.id,
            CheckKind::Patrol,
            ReasonText::parse("Patrouille : trois guetteurs vus").unwrap(),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(
        (check.kind, check.by.as_str()),
        (CheckKind::Patrol, analyst.username.as_str())
    );
    assert_eq!(
        s.report(qualified.id).await.unwrap().unwrap().state,
        ReportState::Corroborating
    );
    let regraded = s
        .grade(
            &routed,
            analyst.id,
            Grading {
                source: SourceReliability::C,
                ..confirmed
            },
            None,
            now(),
        )
        .await
        .unwrap();
    assert_eq!(
        (regraded.state, regraded.grading.map(|g| g.code())),
        (ReportState::Corroborating, Some("C1".to_owned()))
    );
    assert_eq!(s.checks(qualified.id).await.unwrap(), vec![check]);

    // Unconfirmed with a review date, then checked again and corroborated.
    let review_on = time::macros::date!(2027 - 03 - 01);
    let unconfirmed = s
        .conclude(
            &routed,
            analyst.id,
            Conclusion::Unconfirmed { review_on },
            now(),
        )
        .await
        .unwrap();
    assert_eq!(
        (unconfirmed.state, unconfirmed.review_on),
        (ReportState::Unconfirmed, Some(review_on))
    );
    s.record_check(
        &routed,
        analyst.id,
        CheckKind::Surveillance,
        ReasonText::parse("Surveillance : échanges vus").unwrap(),
        now(),
    )
    .await
    .unwrap();
    let done = s
        .conclude(&routed, analyst.id, Conclusion::Corroborated, now())
        .await
        .unwrap();
    assert_eq!(
        (done.state, done.review_on),
        (ReportState::Corroborated, None)
    );
    assert!(matches!(
        s.conclude(&routed, analyst.id, Conclusion::Corroborated, now())
            .await,
        Err(StoreError::Transition(_))
    ));

    let audit = s.audit_log(&AuditFilter::default(), 2000).await.unwrap();
    for action in [
        "grade_report",
        "record_check",
        "conclude_unconfirmed",
        "conclude_corroborated",
    ] {
        assert!(
            audit.iter().any(|a| a.action == action
                && a.purpose == "analysis"
                && a.actor.as_deref() == Some(analyst.username.as_str())),
            "{action}"
        );
    }
}
