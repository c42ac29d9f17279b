//! The conformance suite, continued: the chain after the cell's conclusion (routing table,
//! dissemination, acknowledgement, outcomes, closing), points de deal, follow-up questions,
//! the audit filter, statistics and the retention purge, which runs last.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::conformance::{conversation, now, rng, staff, taken, witness_msg};
use crate::*;
use std::sync::Arc;
use time::Duration;
use vigie_domain::chain::{
    DealPointStatus, Outcome, QuantityUnit, RetentionRule, SeizedProduct, UnitKind, UnitName,
};
use vigie_domain::report::{CheckKind, Conclusion, Grading, ReportInput};
use vigie_domain::{ReportState, Role};

type Dyn = Arc<dyn Store>;

pub(crate) async fn run_all(store: Dyn) {
    the_chain_runs_from_routing_table_to_outcome(store.clone()).await;
    points_de_deal_gather_reports_and_keep_their_history(store.clone()).await;
    a_follow_up_question_reaches_the_witness_and_the_answer_returns(store.clone()).await;
    the_purge_removes_personal_content_and_statistics_remain(store).await;
}

fn deps(codes: &[&str]) -> Vec<DepartementCode> {
    codes
        .iter()
        .map(|d| DepartementCode::parse(d).unwrap())
        .collect()
}

async fn unit(store: &dyn Store, admin: &StaffPrincipal, name: &str, codes: &[&str]) -> UnitId {
    let id = UnitId::random(&mut rng());
    store
        .create_unit(
            NewUnit {
                id,
                name: UnitName::parse(&format!("{name} {}", id.to_string().get(..8).unwrap_or("")))
                    .unwrap(),
                kind: UnitKind::DrugSquad,
                departements: deps(codes),
            },
            admin.id,
            now(),
        )
        .await
        .unwrap();
    id
}

/// A report qualified in Lille (59), with two witness messages in its thread.
async fn qualified_report(store: &dyn Store, place: &str) -> (Report, ConversationId) {
    qualified_report_at(store, place, "").await
}

/// The same, with the officer's point (`""` for none).
async fn qualified_report_at(
    store: &dyn Store,
    place: &str,
    position: &str,
) -> (Report, ConversationId) {
    let officer = staff(store, Role::Operator, &[]).await;
    let (conv, case) = taken(store, &officer).await;
    store
        .append_message(witness_msg(conv, "w1", "Ils sont trois au hall B, le soir"))
        .await
        .unwrap();
    store
        .append_message(witness_msg(conv, "w2", "Mon voisin du 4e les voit aussi"))
        .await
        .unwrap();
    let facts = ReportInput {
        activity: "street_sale".into(),
        commune: "59350".into(),
        place: place.into(),
        position: position.into(),
        days: vec!["fri".into(), "sat".into()],
        hours_from: "18:00".into(),
        hours_to: "23:00".into(),
        knowledge: "seen".into(),
        sources: [("place".to_owned(), vec![3])].into_iter().collect(),
        ..ReportInput::default()
    }
    .validate()
    .unwrap();
    store.save_report(&case, 0, facts, now()).await.unwrap();
    (store.qualify(&case, now()).await.unwrap(), conv)
}

async fn concluded(
    store: &dyn Store,
    analyst: &StaffPrincipal,
    report: ReportId,
    conclusion: Conclusion,
) -> RoutedReport {
    let routed = RoutedReport::obtain(store, analyst, report, "analysis", now())
        .await
        .unwrap();
    store
        .grade(&routed, analyst.id, Grading::ANONYMOUS_TIP, None, now())
        .await
        .unwrap();
    store
        .record_check(
            &routed,
            analyst.id,
            CheckKind::Patrol,
            ReasonText::parse("Patrouille : deux guetteurs vus").unwrap(),
            now(),
        )
        .await
        .unwrap();
    store
        .conclude(&routed, analyst.id, conclusion, now())
        .await
        .unwrap();
    RoutedReport::obtain(store, analyst, report, "analysis", now())
        .await
        .unwrap()
}

pub async fn the_chain_runs_from_routing_table_to_outcome(store: Dyn) {
    let s = store.as_ref();
    let admin = staff(s, Role::Admin, &[]).await;
    let analyst = staff(s, Role::Analyst, &["59"]).await;
    let north = unit(s, &admin, "Brigade des stupéfiants de Lille", &["59", "62"]).await;
    let south = unit(s, &admin, "Sûreté départementale 13", &["13"]).await;
    assert!(s
        .units_for(&deps(&["59"])[0])
        .await
        .unwrap()
        .iter()
        .any(|u| u.id == north));
    assert!(!s
        .units_for(&deps(&["59"])[0])
        .await
        .unwrap()
        .iter()
        .any(|u| u.id == south));
    let name_taken = s
        .create_unit(
            NewUnit {
                id: UnitId::random(&mut rng()),
                name: UnitName::parse(&s.unit(north).await.unwrap().unwrap().name).unwrap(),
                kind: UnitKind::Customs,
                departements: vec![],
            },
            admin.id,
            now(),
        )
        .await;
    assert!(
        matches!(name_taken, Err(StoreError::Conflict(_))),
        "{name_taken:?}"
    );

    let (report, _) = qualified_report(s, "Hall B, cité des Fleurs").await;
    // Not concluded yet: nothing may leave the cell.
    let early = RoutedReport::obtain(s, &analyst, report.id, "analysis", now())
        .await
        .unwrap();
    let refused = s
        .disseminate(
            &early,
            analyst.id,
            NewDissemination {
                id: DisseminationId::random(&mut rng()),
                unit: north,
                excerpts: vec![],
            },
            now(),
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::Transition(_))),
        "{refused:?}"
    );

    let routed = concluded(s, &analyst, report.id, Conclusion::Corroborated).await;
    // Only a unit of the report's département may receive it.
    let elsewhere = s
        .disseminate(
            &routed,
            analyst.id,
            NewDissemination {
                id: DisseminationId::random(&mut rng()),
                unit: south,
                excerpts: vec![],
            },
            now(),
        )
        .await;
    match elsewhere {
        Err(StoreError::Invalid(e)) => assert_eq!(e.0["unit"], "unit-not-routed"),
        other => panic!("{other:?}"),
    }
    let sent = s
        .disseminate(
            &routed,
            analyst.id,
            NewDissemination {
                id: DisseminationId::random(&mut rng()),
                unit: north,
                excerpts: vec![2], // seq 1 is the officer joining
            },
            now(),
        )
        .await
        .unwrap();
    assert_eq!(sent.dossier.conclusion, ReportState::Corroborated);
    assert!(
        sent.dossier.fields.sources.is_empty(),
        "provenance never leaves the cell"
    );
    assert_eq!(
        sent.dossier.fields.place.as_deref(),
        Some("Hall B, cité des Fleurs")
    );
    assert_eq!(sent.dossier.excerpts.len(), 1);
    assert_eq!(
        sent.dossier.excerpts[0].text,
        "Ils sont trois au hall B, le soir"
    );
    assert_eq!(sent.dossier.checks.len(), 1);
    assert_eq!(sent.dossier.position, Some((50.6, 3.05)));
    assert_eq!(
        s.report(report.id).await.unwrap().unwrap().state,
        ReportState::Disseminated
    );
    assert_eq!(
        s.disseminations_of_report(report.id).await.unwrap().len(),
        1
    );

    // Need-to-know: only the receiving unit's investigators obtain the dossier.
    let investigator = staff(s, Role::Investigator, &[]).await;
    let other_unit = staff(s, Role::Investigator, &[]).await;
    s.assign_unit(investigator.id, north).await.unwrap();
    s.assign_unit(other_unit.id, south).await.unwrap();
    assert_eq!(s.unit_of(investigator.id).await.unwrap(), Some(north));
    assert!(matches!(
        UnitDossier::obtain(s, &other_unit, sent.id, "investigation", now()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        UnitDossier::obtain(s, &analyst, sent.id, "investigation", now()).await,
        Err(StoreError::Forbidden)
    ));
    assert!(s
        .disseminations_to_unit(south)
        .await
        .unwrap()
        .iter()
        .all(|d| d.report != report.id));
    let dossier = UnitDossier::obtain(s, &investigator, sent.id, "investigation", now())
        .await
        .unwrap();

    // Outcomes wait for the acknowledgement, which is given once.
    let too_soon = s
        .record_outcome(&dossier, investigator.id, Outcome::Patrol, now())
        .await;
    assert!(
        matches!(too_soon, Err(StoreError::Conflict(_))),
        "{too_soon:?}"
    );
    let acked = s
        .acknowledge(&dossier, investigator.id, now())
        .await
        .unwrap();
    assert_eq!(
        acked.acknowledged_by.as_deref(),
        Some(investigator.username.as_str())
    );
    assert!(matches!(
        s.acknowledge(&dossier, investigator.id, now()).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.report(report.id).await.unwrap().unwrap().state,
        ReportState::Acknowledged
    );
    let seizure = Outcome::Seizure {
        product: SeizedProduct::Cocaine,
        quantity: 90.0,
        unit: QuantityUnit::Kilograms,
    };
    s.record_outcome(&dossier, investigator.id, seizure.clone(), now())
        .await
        .unwrap();
    s.record_outcome(
        &dossier,
        investigator.id,
        Outcome::Arrests { count: 3 },
        now(),
    )
    .await
    .unwrap();
    let outcomes = s.dissemination(sent.id).await.unwrap().unwrap().outcomes;
    assert_eq!(
        outcomes
            .iter()
            .map(|o| o.outcome.clone())
            .collect::<Vec<_>>(),
        vec![seizure, Outcome::Arrests { count: 3 }]
    );
    assert_eq!(
        s.report(report.id).await.unwrap().unwrap().state,
        ReportState::OutcomeRecorded
    );

    let closed = s.close_report(&routed, analyst.id, now()).await.unwrap();
    assert_eq!(closed.state, ReportState::Closed);
    assert!(matches!(
        s.close_report(&routed, analyst.id, now()).await,
        Err(StoreError::Transition(_))
    ));

    // Every step left an audit row, with its purpose; the filter finds them.
    let target = format!("report:{}", report.id);
    let rows = s.audit_log(&AuditFilter::default(), 5000).await.unwrap();
    for action in [
        "disseminate",
        "read_transcript",
        "read_dossier",
        "acknowledge",
        "record_outcome",
        "close_report",
    ] {
        assert!(
            rows.iter()
                .any(|r| r.action == action && r.target == target),
            "no audit row for {action}"
        );
    }
    let only = s
        .audit_log(
            &AuditFilter {
                action: Some("acknowledge".into()),
                actor: Some(investigator.username.clone()),
                ..AuditFilter::default()
            },
            100,
        )
        .await
        .unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(
        (only[0].purpose.as_str(), only[0].target.as_str()),
        ("investigation", target.as_str())
    );
    let later = s
        .audit_log(
            &AuditFilter {
                since: Some(now() + Duration::hours(1)),
                ..AuditFilter::default()
            },
            100,
        )
        .await
        .unwrap();
    assert!(later.is_empty());

    // An unconfirmed report goes out labelled unconfirmed, never corroborated.
    let (weak, _) = qualified_report(s, "Parking du Lidl").await;
    let review_on = (now() + Duration::days(60)).date();
    let routed = concluded(s, &analyst, weak.id, Conclusion::Unconfirmed { review_on }).await;
    let sent = s
        .disseminate(
            &routed,
            analyst.id,
            NewDissemination {
                id: DisseminationId::random(&mut rng()),
                unit: north,
                excerpts: vec![],
            },
            now(),
        )
        .await
        .unwrap();
    assert_eq!(sent.dossier.conclusion, ReportState::Unconfirmed);
    assert!(
        sent.dossier.excerpts.is_empty(),
        "no transcript unless chosen"
    );
}

pub async fn points_de_deal_gather_reports_and_keep_their_history(store: Dyn) {
    let s = store.as_ref();
    let analyst = staff(s, Role::Analyst, &["59"]).await;
    let marseille = staff(s, Role::Analyst, &["13"]).await;
    let (first, _) = qualified_report(s, "Hall B, cité des Fleurs").await;
    let (second, _) = qualified_report(s, "cite des fleurs bat B").await;
    let routed = RoutedReport::obtain(s, &analyst, first.id, "analysis", now())
        .await
        .unwrap();
    let point = s
        .create_deal_point(
            &routed,
            analyst.id,
            NewDealPoint {
                id: DealPointId::random(&mut rng()),
                label: ReasonText::parse("Cité des Fleurs, bâtiment B").unwrap(),
            },
            now(),
        )
        .await
        .unwrap();
    assert_eq!((point.reports, point.status), (1, DealPointStatus::Active));
    assert_eq!(point.position, Some((50.6, 3.05)));
    assert_eq!(
        point.profile.place.as_deref(),
        Some("Hall B, cité des Fleurs")
    );
    assert_eq!(s.deal_point_of(first.id).await.unwrap(), Some(point.id));

    let routed = RoutedReport::obtain(s, &analyst, second.id, "analysis", now())
        .await
        .unwrap();
    let linked = s
        .link_deal_point(&routed, point.id, analyst.id, now())
        .await
        .unwrap();
    assert_eq!(linked.reports, 2);
    assert_eq!(s.deal_point_reports(point.id).await.unwrap().len(), 2);
    let moved = s
        .set_deal_point_status(point.id, DealPointStatus::Dismantled, analyst.id, now())
        .await
        .unwrap();
    assert_eq!(moved.status, DealPointStatus::Dismantled);
    let history: Vec<String> = s
        .deal_point_history(point.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(history, ["created", "linked", "linked", "status"]);
    assert!(s
        .deal_points(&deps(&["59"]))
        .await
        .unwrap()
        .iter()
        .any(|p| p.id == point.id));
    assert!(!s
        .deal_points(&deps(&["13"]))
        .await
        .unwrap()
        .iter()
        .any(|p| p.id == point.id));
    assert!(s.deal_points(&[]).await.unwrap().is_empty());

    // A point placed by the officer wins over the commune's centroid.
    let (placed, _) = qualified_report_at(s, "Parking du gymnase", "50.64012, 3.07110").await;
    let routed = RoutedReport::obtain(s, &analyst, placed.id, "analysis", now())
        .await
        .unwrap();
    let exact = s
        .create_deal_point(
            &routed,
            analyst.id,
            NewDealPoint {
                id: DealPointId::random(&mut rng()),
                label: ReasonText::parse("Parking du gymnase").unwrap(),
            },
            now(),
        )
        .await
        .unwrap();
    assert_eq!(exact.position, Some((50.64012, 3.0711)));
    // An analyst of another département cannot even obtain the report to link it.
    assert!(matches!(
        RoutedReport::obtain(s, &marseille, second.id, "analysis", now()).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn a_follow_up_question_reaches_the_witness_and_the_answer_returns(store: Dyn) {
    let s = store.as_ref();
    let analyst = staff(s, Role::Analyst, &["59"]).await;
    let (report, conv) = qualified_report(s, "Rue de la Gare").await;
    // The chat is over: the witness cannot write unless the cell asks something.
    assert!(matches!(
        s.append_message(witness_msg(conv, "late1", "Encore une chose"))
            .await,
        Err(StoreError::Closed)
    ));
    let routed = RoutedReport::obtain(s, &analyst, report.id, "analysis", now())
        .await
        .unwrap();
    let question = MessageBody::parse("À quelle heure arrivent-ils le samedi ?").unwrap();
    let (asked, appended) = s
        .ask_follow_up(&routed, analyst.id, question, now())
        .await
        .unwrap();
    assert_eq!(asked.answer, None);
    let thread = s.events_after(conv, appended.seq - 1, 10).await.unwrap();
    assert_eq!(
        thread[0].body.as_deref(),
        Some("À quelle heure arrivent-ils le samedi ?")
    );
    assert_eq!(thread[0].author, vigie_domain::Author::Officer);
    assert!(matches!(
        s.ask_follow_up(
            &routed,
            analyst.id,
            MessageBody::parse("Et le dimanche ?").unwrap(),
            now()
        )
        .await,
        Err(StoreError::Conflict(_))
    ));

    s.append_message(witness_msg(conv, "answer1", "Vers 18 h, en scooter"))
        .await
        .unwrap();
    let answered = s.follow_ups(report.id).await.unwrap();
    assert_eq!(answered.len(), 1);
    assert_eq!(answered[0].answer.as_deref(), Some("Vers 18 h, en scooter"));
    assert!(answered[0].answered_at.is_some());
    // One answer per question.
    assert!(matches!(
        s.append_message(witness_msg(conv, "answer2", "Et aussi le dimanche"))
            .await,
        Err(StoreError::Closed)
    ));
}

pub async fn the_purge_removes_personal_content_and_statistics_remain(store: Dyn) {
    let s = store.as_ref();
    let admin = staff(s, Role::Admin, &[]).await;
    let analyst = staff(s, Role::Analyst, &["59"]).await;
    let north = unit(s, &admin, "Groupement de gendarmerie du Nord", &["59"]).await;
    let investigator = staff(s, Role::Investigator, &[]).await;
    s.assign_unit(investigator.id, north).await.unwrap();
    let (report, conv) = qualified_report(s, "Square Jussieu").await;
    let routed = concluded(s, &analyst, report.id, Conclusion::Corroborated).await;
    let sent = s
        .disseminate(
            &routed,
            analyst.id,
            NewDissemination {
                id: DisseminationId::random(&mut rng()),
                unit: north,
                excerpts: vec![3],
            },
            now(),
        )
        .await
        .unwrap();
    let dossier = UnitDossier::obtain(s, &investigator, sent.id, "investigation", now())
        .await
        .unwrap();
    s.acknowledge(&dossier, investigator.id, now())
        .await
        .unwrap();
    s.record_outcome(
        &dossier,
        investigator.id,
        Outcome::Seizure {
            product: SeizedProduct::CannabisResin,
            quantity: 1.5,
            unit: QuantityUnit::Kilograms,
        },
        now(),
    )
    .await
    .unwrap();
    s.close_report(&routed, analyst.id, now()).await.unwrap();
    let since = now() - Duration::days(1);
    let before = s
        .statistics(since, now() + Duration::days(1))
        .await
        .unwrap();
    assert!(before
        .per_departement
        .iter()
        .any(|(d, n)| d.as_str() == "59" && *n >= 1));
    assert!(before
        .seizures
        .iter()
        .any(|(p, u, q)| p == "cannabis_resin" && u == "kg" && *q >= 1.5));
    assert!(before.by_outcome.iter().any(|(k, _)| k == "seizure"));
    let stage = |st: &Statistics, name: &str| {
        st.stages
            .iter()
            .find(|(n, _, _)| n == name)
            .cloned()
            .unwrap()
    };
    assert!(stage(&before, "outcome").1 >= 1);
    assert!(stage(&before, "qualified").2.is_some());
    assert!(s
        .reports_per_departement()
        .await
        .unwrap()
        .iter()
        .any(|(d, _)| d.as_str() == "59"));

    // Rules: defaults, then changed by the admin.
    let rules = s.retention_rules().await.unwrap();
    assert_eq!(rules.len(), RetentionRule::DEFAULTS.len());
    s.set_retention_rules(
        &[RetentionRule {
            state: ReportState::Closed,
            days: 10,
        }],
        admin.id,
        now(),
    )
    .await
    .unwrap();
    assert!(s.retention_rules().await.unwrap().contains(&RetentionRule {
        state: ReportState::Closed,
        days: 10
    }));

    // The clock is an input: nine days on, nothing goes; eleven days on, the report is purged.
    s.purge(now() + Duration::days(9)).await.unwrap();
    assert_eq!(
        s.report(report.id).await.unwrap().unwrap().state,
        ReportState::Closed
    );
    let purged = s.purge(now() + Duration::days(11)).await.unwrap();
    assert!(purged.reports >= 1);
    let gone = s.report(report.id).await.unwrap().unwrap();
    assert_eq!(gone.state, ReportState::Purged);
    assert_eq!(gone.fields, ReportFields::default());
    assert_eq!(gone.departement.as_ref().map(|d| d.as_str()), Some("59"));
    assert!(s.events_after(conv, 0, 100).await.unwrap().is_empty());
    assert!(s
        .disseminations_of_report(report.id)
        .await
        .unwrap()
        .is_empty());
    assert!(s.checks(report.id).await.unwrap().is_empty());
    assert!(s
        .audit_log(
            &AuditFilter {
                action: Some("purge_report".into()),
                ..AuditFilter::default()
            },
            1000
        )
        .await
        .unwrap()
        .iter()
        .any(|r| r.target == format!("report:{}", report.id)
            && r.purpose == "retention"
            && r.actor.is_none()));
    // Statistics remain.
    let after = s
        .statistics(since, now() + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(after.per_departement, before.per_departement);
    assert_eq!(after.seizures, before.seizures);
    assert_eq!(after.by_outcome, before.by_outcome);
    // Purging twice changes nothing.
    let again = s.purge(now() + Duration::days(11)).await.unwrap();
    assert_eq!(again.reports, 0);
    let _ = conversation; // shared helper, used by other tests
}

/// Words a scenario wrote into every sealed column, for backends to look for in their raw
/// storage: none may be found there. Six letters or more: a four-letter word turns up by
/// chance in the base64 of the ciphertexts about once in twenty runs.
pub const SEALED_WORDS: &[&str] = &[
    "Zephyrin",
    "Quokka",
    "Quetzal",
    "Wombat",
    "Narval",
    "Orycteropus",
    "Axolotl",
    "Threskiornis",
    // A handover note (the dispatch checks of `run_all`).
    "Pangolin",
];

/// Everything the witness and the cell write round-trips through the store: the thread, a
/// note, the report and its versions, the close and block reasons, the grading's assessment, a
/// check, a dossier with an excerpt, a point de deal's profile and a follow-up. Each piece
/// carries one of [`SEALED_WORDS`]; the backend's own test then checks its raw storage.
pub async fn witness_words_round_trip_through_sealed_columns(store: Dyn) {
    let s = store.as_ref();
    let officer = staff(s, Role::Operator, &[]).await;
    let analyst = staff(s, Role::Analyst, &["59"]).await;
    let admin = staff(s, Role::Admin, &[]).await;

    // A conversation blocked and rejected: both reasons are sealed.
    let (_, blocked) = taken(s, &officer).await;
    s.block_conversation(
        &blocked,
        ReasonText::parse("insultes Orycteropus").unwrap(),
        now(),
    )
    .await
    .unwrap();
    let rejected = s
        .close_case(
            &blocked,
            CloseOutcome::Rejected,
            ReasonText::parse("faux signalement Narval").unwrap(),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(
        rejected.outcome_reason.as_deref(),
        Some("faux signalement Narval")
    );

    // The case the cell carries to the end.
    let (conv, case) = taken(s, &officer).await;
    let said = s
        .append_message(witness_msg(
            conv,
            "sealed1",
            "Le guetteur Zephyrin est au hall C",
        ))
        .await
        .unwrap();
    let note = s
        .add_note(
            &case,
            NoteBody::parse("Témoin crédible, Quokka").unwrap(),
            now(),
        )
        .await
        .unwrap();
    let facts = ReportInput {
        activity: "street_sale".into(),
        commune: "59350".into(),
        place: "Impasse Zephyrin".into(),
        days: vec!["fri".into()],
        hours_from: "18:00".into(),
        hours_to: "23:00".into(),
        knowledge: "seen".into(),
        ..ReportInput::default()
    }
    .validate()
    .unwrap();
    s.save_report(&case, 0, facts, now()).await.unwrap();
    let report = s.qualify(&case, now()).await.unwrap();
    assert_eq!(report.fields.place.as_deref(), Some("Impasse Zephyrin"));
    assert_eq!(
        s.report_versions(report.id).await.unwrap()[0]
            .fields
            .place
            .as_deref(),
        Some("Impasse Zephyrin")
    );
    let reader = CaseReader::obtain(s, &officer, conv, "handling", now())
        .await
        .unwrap();
    let notes = s.notes(&reader).await.unwrap();
    assert_eq!(notes, vec![note]);
    assert_eq!(notes[0].body, "Témoin crédible, Quokka");

    let routed = RoutedReport::obtain(s, &analyst, report.id, "analysis", now())
        .await
        .unwrap();
    let graded = s
        .grade(
            &routed,
            analyst.id,
            Grading::ANONYMOUS_TIP,
            Some(ReasonText::parse("Récit précis, Quetzal").unwrap()),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(graded.assessment.as_deref(), Some("Récit précis, Quetzal"));
    s.record_check(
        &routed,
        analyst.id,
        CheckKind::Patrol,
        ReasonText::parse("Patrouille Wombat").unwrap(),
        now(),
    )
    .await
    .unwrap();
    assert_eq!(
        s.checks(report.id).await.unwrap()[0].result,
        "Patrouille Wombat"
    );
    s.conclude(&routed, analyst.id, Conclusion::Corroborated, now())
        .await
        .unwrap();
    let routed = RoutedReport::obtain(s, &analyst, report.id, "analysis", now())
        .await
        .unwrap();
    let point = s
        .create_deal_point(
            &routed,
            analyst.id,
            NewDealPoint {
                id: DealPointId::random(&mut rng()),
                label: ReasonText::parse("Point hall C").unwrap(),
            },
            now(),
        )
        .await
        .unwrap();
    assert_eq!(point.profile.place.as_deref(), Some("Impasse Zephyrin"));
    let north = unit(s, &admin, "Brigade scellée", &["59"]).await;
    let routed = RoutedReport::obtain(s, &analyst, report.id, "analysis", now())
        .await
        .unwrap();
    let sent = s
        .disseminate(
            &routed,
            analyst.id,
            NewDissemination {
                id: DisseminationId::random(&mut rng()),
                unit: north,
                excerpts: vec![said.seq],
            },
            now(),
        )
        .await
        .unwrap();
    assert_eq!(
        sent.dossier.excerpts[0].text,
        "Le guetteur Zephyrin est au hall C"
    );
    assert_eq!(sent.dossier.checks[0].1, "Patrouille Wombat");
    assert_eq!(
        sent.dossier.assessment.as_deref(),
        Some("Récit précis, Quetzal")
    );
    // A second sending reads the conclusion back from the first (sealed) dossier.
    let other = unit(s, &admin, "Brigade scellée bis", &["59"]).await;
    let again = s
        .disseminate(
            &routed,
            analyst.id,
            NewDissemination {
                id: DisseminationId::random(&mut rng()),
                unit: other,
                excerpts: vec![],
            },
            now(),
        )
        .await
        .unwrap();
    assert_eq!(again.dossier.conclusion, ReportState::Corroborated);

    let routed = RoutedReport::obtain(s, &analyst, report.id, "analysis", now())
        .await
        .unwrap();
    s.ask_follow_up(
        &routed,
        analyst.id,
        MessageBody::parse("Et Axolotl ?").unwrap(),
        now(),
    )
    .await
    .unwrap();
    s.append_message(witness_msg(conv, "sealed2", "Threskiornis, le samedi"))
        .await
        .unwrap();
    let asked = s.follow_ups(report.id).await.unwrap();
    assert_eq!(asked[0].question, "Et Axolotl ?");
    assert_eq!(asked[0].answer.as_deref(), Some("Threskiornis, le samedi"));
    let thread: Vec<_> = s
        .events_after(conv, 0, 100)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| e.body)
        .collect();
    assert!(thread.contains(&"Le guetteur Zephyrin est au hall C".to_owned()));
    assert!(thread.contains(&"Threskiornis, le samedi".to_owned()));
}
