#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The intelligence cell grades a routed report, records checks and concludes; through the API
//! and through the page's plain forms.

mod common;

use common::*;
use serde_json::json;

async fn qualified_report(server: &Server) -> String {
    let officer = server.staff("operator", "agent.cell", "").await;
    let witness = server.witness().await;
    officer.take(&witness.id).await;
    let path = format!("/api/v1/staff/conversations/{}/report", witness.id);
    officer
        .call(
            reqwest::Method::PUT,
            &path,
            json!({"version": 0, "fields": lille_report()}),
        )
        .await;
    officer
        .post(
            &format!("/api/v1/staff/conversations/{}/qualify", witness.id),
            json!({}),
        )
        .await;
    witness.id
}

#[tokio::test]
async fn the_analyst_grades_checks_and_concludes_and_others_cannot() {
    let server = Server::start();
    qualified_report(&server).await;
    let analyst = server.staff("analyst", "cross.nord2", "59").await;
    let elsewhere = server.staff("analyst", "cross.sud", "13").await;
    let operator = server.staff("operator", "agent.curieux", "").await;
    let (_, inbox) = analyst.get("/api/v1/staff/reports").await;
    let id = inbox["reports"][0]["id"].as_str().unwrap().to_owned();
    let base = format!("/api/v1/staff/reports/{id}");

    let (status, body) = analyst.get(&base).await;
    assert_eq!(status, 200);
    assert!(body["analysis"]["grading"].is_null());

    // Bad input, typed and translated; nothing changes.
    let (status, body) = analyst
        .post(
            &format!("{base}/grading"),
            json!({"source": "Z", "credibility": "6", "handling": "H0"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["fields"]["source"]["code"].as_str()),
        (422, Some("choice-invalid"))
    );
    let (status, body) = analyst
        .post(
            &format!("{base}/grading"),
            json!({"source": "F", "credibility": "1", "handling": "H0"}),
        )
        .await;
    assert_eq!(
        (
            status,
            body["error"]["fields"]["credibility"]["code"].as_str()
        ),
        (422, Some("confirmation-needs-checks"))
    );
    let (status, body) = analyst
        .post(
            &format!("{base}/conclusion"),
            json!({"conclusion": "corroborated"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("transition-refused"))
    );

    let (status, body) = analyst
        .post(&format!("{base}/grading"), json!({"source": "F", "credibility": "6", "handling": "H1", "assessment": "Cohérent avec le secteur"}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (
            body["report"]["state"].as_str(),
            body["analysis"]["grading"]["code"].as_str()
        ),
        (Some("graded"), Some("F6"))
    );
    assert_eq!(body["analysis"]["assessment"], "Cohérent avec le secteur");
    assert_eq!(
        body["report"]["fields"]["place"], "Résidence des Tilleuls, hall B, côté parking",
        "facts untouched"
    );

    let (status, body) = analyst
        .post(
            &format!("{base}/checks"),
            json!({"kind": "patrol", "result": ""}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("check-result-required"))
    );
    let (status, body) = analyst
        .post(
            &format!("{base}/checks"),
            json!({"kind": "patrol", "result": "Trois guetteurs vus à 21 h"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["report"]["state"], "corroborating");
    assert_eq!(body["analysis"]["checks"][0]["by"], "cross.nord2");

    let (status, body) = analyst
        .post(
            &format!("{base}/conclusion"),
            json!({"conclusion": "unconfirmed", "review_on": "2001-01-01"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("review-date-past"))
    );
    let (status, body) = analyst
        .post(
            &format!("{base}/conclusion"),
            json!({"conclusion": "corroborated"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["report"]["state"], "corroborated");

    // Need-to-know: another département's analyst and an operator are refused.
    assert_eq!(
        elsewhere
            .post(
                &format!("{base}/checks"),
                json!({"kind": "files", "result": "x"})
            )
            .await
            .0,
        404
    );
    assert_eq!(
        operator
            .post(
                &format!("{base}/grading"),
                json!({"source": "A", "credibility": "6", "handling": "H0"})
            )
            .await
            .0,
        403
    );
    // Without the CSRF token.
    let r = server
        .http
        .post(server.url(&format!("{base}/checks")))
        .header("cookie", &analyst.cookie)
        .json(&json!({"kind": "files", "result": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn the_report_page_forms_work_without_javascript() {
    let server = Server::start();
    qualified_report(&server).await;
    let analyst = server.staff("analyst", "cross.forms", "59").await;
    let (_, inbox) = analyst.get("/api/v1/staff/reports").await;
    let id = inbox["reports"][0]["id"].as_str().unwrap().to_owned();
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let post = |action: &str, form: Vec<(&str, &str)>| {
        let mut fields = form;
        fields.push(("csrf", analyst.csrf.as_str()));
        no_redirect
            .post(server.url(&format!("/staff/reports/{id}/{action}")))
            .header("cookie", &analyst.cookie)
            .form(&fields)
            .send()
    };
    let r = post(
        "grading",
        vec![
            ("source", "C"),
            ("credibility", "3"),
            ("handling", "H0"),
            ("assessment", ""),
        ],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 303);
    let (_, page) = analyst.page(&format!("/staff/reports/{id}")).await;
    assert!(
        page.contains("Cotation actuelle : C3"),
        "the page shows the new grading"
    );
    // An error comes back on the page, in French, with the form.
    let r = post("checks", vec![("kind", "files"), ("result", "  ")])
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("Indiquez le résultat de la vérification."),
        "{body}"
    );
    // Without the CSRF field: refused.
    let r = no_redirect
        .post(server.url(&format!("/staff/reports/{id}/checks")))
        .header("cookie", &analyst.cookie)
        .form(&[("kind", "files"), ("result", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn the_inbox_filters_by_state_commune_activity_and_age() {
    let server = Server::start();
    qualified_report(&server).await;
    let analyst = server.staff("analyst", "cross.filtre", "59").await;
    let count = |v: &serde_json::Value| v["reports"].as_array().unwrap().len();
    for (query, expected) in [
        ("", 1),
        (
            "?state=qualified&commune=59350&activity=street_sale&days=1",
            1,
        ),
        ("?state=graded", 0),
        ("?commune=59017", 0),
        ("?activity=storage", 0),
        ("?days=7", 1),
    ] {
        let (status, body) = analyst.get(&format!("/api/v1/staff/reports{query}")).await;
        assert_eq!((status, count(&body)), (200, expected), "{query}");
    }
    for bad in [
        "?state=nope",
        "?commune=XYZ",
        "?activity=x",
        "?days=0",
        "?days=abc",
    ] {
        let (status, body) = analyst.get(&format!("/api/v1/staff/reports{bad}")).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (422, Some("filter-invalid")),
            "{bad}"
        );
    }
    assert_eq!(analyst.get("/api/v1/staff/reports?colour=red").await.0, 400);
    // The page's filter form keeps its values and narrows the table.
    let (status, page) = analyst.page("/staff/reports?activity=storage").await;
    assert_eq!(status, 200);
    assert!(page.contains("Aucun rapport qualifié"), "filtered out");
    assert!(page.contains("<option value=\"storage\" selected>"));
    let (_, page) = analyst.page("/staff/reports?activity=street_sale").await;
    assert!(page.contains("Lille (59350)"));
}
