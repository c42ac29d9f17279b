#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! After the cell's conclusion, through the pages' plain forms: points de deal and their
//! candidates, a follow-up question that reaches the witness and whose answer returns, the
//! dissemination form's guards, the map and the statistics, and who may see them.

mod common;

use common::*;
use serde_json::json;

/// A report qualified in Lille by an officer, after the witness wrote one message.
async fn qualified(server: &Server, officer: &StaffClient) -> (WitnessClient, String) {
    let witness = server.witness().await;
    witness
        .send("w1", "Ils vendent dans le hall B tous les soirs")
        .await;
    officer.take(&witness.id).await;
    officer
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/staff/conversations/{}/report", witness.id),
            json!({"version": 0, "fields": lille_report()}),
        )
        .await;
    let (status, body) = officer
        .post(
            &format!("/api/v1/staff/conversations/{}/qualify", witness.id),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let id = body["report"]["id"]
        .as_str()
        .or_else(|| body["id"].as_str())
        .map(str::to_owned);
    let id = match id {
        Some(id) => id,
        None => {
            let (_, r) = officer
                .get(&format!("/api/v1/staff/conversations/{}", witness.id))
                .await;
            r["report"]["id"].as_str().unwrap().to_owned()
        }
    };
    (witness, id)
}

fn form_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn post_form(
    server: &Server,
    who: &StaffClient,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    all.push(("csrf", who.csrf.as_str()));
    let r = form_client()
        .post(server.url(path))
        .header("cookie", &who.cookie)
        .form(&all)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn points_de_deal_follow_ups_and_the_dissemination_guard() {
    let server = Server::start();
    let officer = server.staff("operator", "agent.chain", "").await;
    let analyst = server.staff("analyst", "cross.chain", "59").await;
    let marseille = server.staff("analyst", "cross.marseille", "13").await;
    let (witness, first) = qualified(&server, &officer).await;
    let (_, second) = qualified(&server, &officer).await;

    // No point de deal yet: none proposed; the analyst creates one from the first report.
    let (status, page) = analyst.page(&format!("/staff/reports/{first}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Aucun point de deal connu"), "{page}");
    let (status, _) = post_form(
        &server,
        &analyst,
        &format!("/staff/reports/{first}/chain/point-create"),
        &[("label", "Résidence des Tilleuls, hall B")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, page) = analyst.page(&format!("/staff/reports/{first}")).await;
    assert!(
        page.contains("Résidence des Tilleuls, hall B</a>"),
        "{page}"
    );

    // The second report about the same hall is proposed that point, with the reasons.
    let (_, page) = analyst.page(&format!("/staff/reports/{second}")).await;
    assert!(
        page.contains("Points de deal proches ou semblables"),
        "{page}"
    );
    assert!(page.contains("même commune"), "{page}");
    let point = page
        .split("name=\"point\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let (status, _) = post_form(
        &server,
        &analyst,
        &format!("/staff/reports/{second}/chain/point-link"),
        &[("point", &point)],
    )
    .await;
    assert_eq!(status, 303);
    let (status, page) = analyst.page(&format!("/staff/points/{point}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("signalement rattaché"), "{page}");
    assert!(page.matches("/staff/reports/").count() >= 2, "{page}");
    let (status, _) = post_form(
        &server,
        &analyst,
        &format!("/staff/points/{point}/status"),
        &[("status", "dismantled")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, page) = analyst.page(&format!("/staff/points/{point}")).await;
    assert!(page.contains("démantelé"), "{page}");
    // Another département's analyst learns nothing of it.
    assert_eq!(
        marseille.page(&format!("/staff/points/{point}")).await.0,
        404
    );
    let (status, _) = post_form(
        &server,
        &marseille,
        &format!("/staff/reports/{second}/chain/point-link"),
        &[("point", &point)],
    )
    .await;
    assert_eq!(status, 404);

    // A follow-up question reaches the witness's thread; the answer returns to the report.
    let (status, _) = post_form(
        &server,
        &analyst,
        &format!("/staff/reports/{first}/chain/follow-up"),
        &[("question", "Les vendeurs arrivent-ils en scooter ?")],
    )
    .await;
    assert_eq!(status, 303);
    let thread = witness.event_list().await;
    assert!(
        thread
            .iter()
            .any(|e| e["body"] == "Les vendeurs arrivent-ils en scooter ?"),
        "{thread:?}"
    );
    // A second question waits for the first answer.
    let (status, page) = post_form(
        &server,
        &analyst,
        &format!("/staff/reports/{first}/chain/follow-up"),
        &[("question", "Et le dimanche ?")],
    )
    .await;
    assert_eq!(status, 409);
    assert!(
        page.contains("Une question attend déjà la réponse du témoin."),
        "{page}"
    );
    let (status, body) = witness.send("answer-1", "Oui, deux scooters noirs").await;
    assert!(status == 200 || status == 201, "{status} {body}");
    let (_, page) = analyst.page(&format!("/staff/reports/{first}")).await;
    assert!(page.contains("Oui, deux scooters noirs"), "{page}");

    // Nothing leaves the cell before its conclusion; an empty question is refused in English.
    let (_, page) = analyst.page(&format!("/staff/reports/{first}")).await;
    assert!(page.contains("La transmission est possible une fois la vérification conclue"));
    let (status, _) = post_form(
        &server,
        &analyst,
        &format!("/staff/reports/{first}/chain/disseminate"),
        &[("unit", "00000000-0000-4000-8000-000000000000")],
    )
    .await;
    assert_eq!(status, 409);
    let (status, page) = post_form(
        &server,
        &analyst,
        &format!("/staff/reports/{second}/chain/follow-up?lang=en"),
        &[("question", "   ")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("lang=\"en\""), "{page}");
    // A form without the CSRF token is refused.
    let r = form_client()
        .post(server.url(&format!("/staff/reports/{first}/chain/close")))
        .header("cookie", &analyst.cookie)
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Operators never reach these forms.
    let (status, _) = post_form(
        &server,
        &officer,
        &format!("/staff/reports/{first}/chain/close"),
        &[],
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn the_map_and_statistics_are_drawn_by_the_server_for_the_right_roles() {
    let server = Server::start();
    let out = server.cli(&["geo", "import", shared_geo().to_str().unwrap()], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("101 département outlines"));
    let officer = server.staff("operator", "agent.map", "").await;
    let analyst = server.staff("analyst", "cross.map", "59").await;
    qualified(&server, &officer).await;

    let (status, page) = analyst.page("/staff/map").await;
    assert_eq!(status, 200);
    assert!(page.contains("<svg"), "the map is inline SVG");
    assert!(page.contains("Nord (59)"), "{page}");
    assert!(
        !page.contains("https://"),
        "no tile or third-party resource"
    );
    let (status, page) = analyst.page("/staff/map?departement=59").await;
    assert_eq!(status, 200);
    assert!(page.contains("Nord (59)"));
    assert_eq!(analyst.page("/staff/map?departement=999").await.0, 404);
    let (status, page) = analyst.page("/staff/map?lang=en").await;
    assert_eq!(status, 200);
    assert!(page.contains("Map of reports"));

    let auditor = server.staff("auditor", "dpo.stats", "").await;
    let (status, page) = auditor.page("/staff/statistics").await;
    assert_eq!(status, 200);
    assert!(page.contains("Signalements par département"));
    assert!(page.contains("<svg"));
    assert!(page.contains("Qualification"));
    // Who may see what.
    assert_eq!(officer.page("/staff/map").await.0, 403);
    assert_eq!(officer.page("/staff/statistics").await.0, 403);
    assert_eq!(auditor.page("/staff/map").await.0, 403);
    let supervisor = server.staff("supervisor", "chef.map", "").await;
    assert_eq!(supervisor.page("/staff/map").await.0, 200);
    let investigator = server.staff("investigator", "enq.map", "").await;
    assert_eq!(investigator.page("/staff/statistics").await.0, 403);
    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = anonymous
        .get(server.url("/staff/map"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn the_auditor_filters_the_audit_log_and_sees_no_case_content() {
    let server = Server::start();
    let officer = server.staff("operator", "agent.audit", "").await;
    let analyst = server.staff("analyst", "cross.audit", "59").await;
    let (_, report) = qualified(&server, &officer).await;
    assert_eq!(
        analyst.page(&format!("/staff/reports/{report}")).await.0,
        200
    );
    let auditor = server.staff("auditor", "dpo.filter", "").await;

    // The API: by action, by actor, by purpose; every row matches.
    let (status, body) = auditor.get("/api/v1/staff/audit?action=read_report").await;
    assert_eq!(status, 200);
    let entries = body["entries"].as_array().unwrap();
    assert!(!entries.is_empty());
    assert!(
        entries.iter().all(|e| e["action"] == "read_report"),
        "{body}"
    );
    assert!(entries
        .iter()
        .any(|e| e["target"] == format!("report:{report}").as_str()));
    let (_, body) = auditor.get("/api/v1/staff/audit?actor=agent.audit").await;
    let entries = body["entries"].as_array().unwrap();
    assert!(!entries.is_empty());
    assert!(
        entries.iter().all(|e| e["actor"] == "agent.audit"),
        "{body}"
    );
    let (_, body) = auditor
        .get("/api/v1/staff/audit?purpose=analysis&actor=cross.audit")
        .await;
    let entries = body["entries"].as_array().unwrap();
    assert!(!entries.is_empty());
    assert!(entries.iter().all(|e| e["purpose"] == "analysis"), "{body}");
    // A window in the past holds nothing; bad filters are typed errors.
    let (_, body) = auditor
        .get("/api/v1/staff/audit?from=2020-01-01&to=2020-01-31")
        .await;
    assert_eq!(body["entries"].as_array().unwrap().len(), 0);
    let (status, body) = auditor.get("/api/v1/staff/audit?from=yesterday").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("filter-invalid"))
    );
    let (status, _) = auditor.get("/api/v1/staff/audit?purpose=curiosity").await;
    assert_eq!(status, 422);
    let (status, _) = auditor.get("/api/v1/staff/audit?colour=red").await;
    assert_eq!(status, 400);

    // The page: the same filters, kept in the form; no witness words anywhere.
    let (status, page) = auditor
        .page("/staff/audit?action=read_report&purpose=analysis")
        .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("value=\"read_report\""),
        "the filter stays in the form"
    );
    assert!(page.contains(&format!("report:{report}")));
    assert!(
        !page.contains("qualify_report"),
        "other actions are filtered out"
    );
    assert!(!page.contains("hall B"), "no case content for the auditor");
    let (status, page) = auditor.page("/staff/audit?from=31/12/2026").await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Un des filtres n&#39;est pas valide."),
        "{page}"
    );
    let (status, page) = auditor.page("/staff/audit?lang=en&purpose=analysis").await;
    assert_eq!(status, 200);
    assert!(page.contains("lang=\"en\""));
    // Nobody else reads it.
    assert_eq!(analyst.get("/api/v1/staff/audit").await.0, 403);
}

#[tokio::test]
async fn the_officer_places_the_spot_and_the_point_travels_with_the_report() {
    let server = Server::start();
    let officer = server.staff("operator", "agent.point", "").await;
    let analyst = server.staff("analyst", "cross.point", "59").await;
    let witness = server.witness().await;
    officer.take(&witness.id).await;
    let path = format!("/api/v1/staff/conversations/{}/report", witness.id);
    let mut fields = lille_report();
    // New York is refused, with a typed error and a message; nothing is saved.
    fields["position"] = json!("40.7128, -74.0060");
    let (status, body) = officer
        .call(
            reqwest::Method::PUT,
            &path,
            json!({"version": 0, "fields": fields}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["error"]["fields"]["position"]["code"].as_str(),
        Some("position-outside-france")
    );
    assert!(body["error"]["fields"]["position"]["message"]
        .as_str()
        .unwrap()
        .contains("France"));
    fields["position"] = json!("50.64012, 3.0711");
    let (status, body) = officer
        .call(
            reqwest::Method::PUT,
            &path,
            json!({"version": 0, "fields": fields}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["report"]["fields"]["position"].as_str(),
        Some("50.64012, 3.07110")
    );
    officer
        .post(
            &format!("/api/v1/staff/conversations/{}/qualify", witness.id),
            json!({}),
        )
        .await;
    let (_, inbox) = analyst.get("/api/v1/staff/reports").await;
    let report = inbox["reports"][0]["id"].as_str().unwrap().to_owned();
    let (_, page) = analyst.page(&format!("/staff/reports/{report}")).await;
    assert!(
        page.contains("50.64012, 3.07110"),
        "the point is among the facts"
    );
    // The point de deal created from it sits on the officer's point, not the centroid.
    let (status, _) = post_form(
        &server,
        &analyst,
        &format!("/staff/reports/{report}/chain/point-create"),
        &[("label", "Parking du gymnase")],
    )
    .await;
    assert_eq!(status, 303);
    let out = server.cli(&["geo", "import", shared_geo().to_str().unwrap()], "");
    assert!(out.status.success());
    let (_, page) = analyst.page("/staff/map?departement=59").await;
    assert!(page.contains("Parking du gymnase"), "{page}");
}
