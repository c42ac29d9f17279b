#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The investigator's side and the exports: a full case from the witness to the unit's
//! outcome, through the real binary and the pages' plain forms; the dossier PDF and the inbox
//! CSV; and who may reach each of these routes.

mod common;

use common::*;
use serde_json::json;

/// A client that does not follow redirects, to see a form's answer as it is.
fn plain_http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(40))
        .build()
        .unwrap()
}

/// Posts a plain form (pairs may repeat) as the staff member; returns status, Location, body.
async fn form(
    who: &StaffClient,
    path: &str,
    pairs: &[(&str, &str)],
) -> (u16, Option<String>, String) {
    let r = plain_http()
        .post(format!("{}{path}", who.base))
        .header("cookie", &who.cookie)
        .form(pairs)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, location, r.text().await.unwrap())
}

/// GET without following redirects; returns status, headers and body bytes.
async fn fetch(cookie: Option<&str>, url: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut req = plain_http().get(url);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.bytes().await.unwrap().to_vec())
}

/// Creates a unit through the admin's form; returns its id.
async fn create_unit(admin: &StaffClient, name: &str, kind: &str, deps: &str) -> String {
    let (status, location, body) = form(
        admin,
        "/staff/units",
        &[
            ("csrf", &admin.csrf),
            ("name", name),
            ("kind", kind),
            ("departements", deps),
        ],
    )
    .await;
    assert_eq!(status, 303, "create unit {name}: {body}");
    let location = location.unwrap();
    let id = location
        .split("created=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 36, "{location}");
    id
}

/// An investigator of a unit, created with the CLI (`staff add --unit NAME`).
async fn investigator(server: &Server, username: &str, unit: &str) -> StaffClient {
    let password = format!("{username}-secret-password");
    let out = server.cli(
        &[
            "staff",
            "add",
            "--role",
            "investigator",
            "--username",
            username,
            "--unit",
            unit,
        ],
        &format!("{password}\n"),
    );
    assert!(
        out.status.success(),
        "staff add --unit: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    server.login(username, &password).await
}

/// The first `/staff/dossiers/<uuid>` link of a page.
fn dossier_link(html: &str) -> Option<String> {
    html.match_indices("/staff/dossiers/").find_map(|(i, m)| {
        let id: String = html[i + m.len()..].chars().take(36).collect();
        (id.len() == 36 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')).then_some(id)
    })
}

fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dossier.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-enc")
        .arg("UTF-8")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is needed for this test");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

const SURETE: &str = "Sûreté départementale du Nord";
const BRIGADE: &str = "Brigade des stupéfiants de Lille";

struct Case {
    witness: WitnessClient,
    report: String,
    dossier: String,
    analyst: StaffClient,
    investigator: StaffClient,
    other_investigator: StaffClient,
    staff: Vec<(&'static str, StaffClient)>,
}

/// Witness → operator → analyst → dissemination to the Sûreté départementale du Nord.
async fn full_case(server: &Server) -> Case {
    let witness = server.witness().await;
    let (status, sent) = witness
        .send(
            "w-1",
            "Ils vendent devant le hall B, deux guetteurs sur le parking.",
        )
        .await;
    assert_eq!(status, 201, "{sent}");
    let seq = sent["seq"].as_u64().unwrap().to_string();

    let operator = server.staff("operator", "agent.dossier", "").await;
    let (status, _) = operator.take(&witness.id).await;
    assert_eq!(status, 200);
    let (status, body) = operator
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/staff/conversations/{}/report", witness.id),
            json!({"version": 0, "fields": lille_report()}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = operator
        .post(
            &format!("/api/v1/staff/conversations/{}/qualify", witness.id),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let admin = server.staff("admin", "admin.dossier", "").await;
    let surete = create_unit(&admin, SURETE, "surete_departementale", "59").await;
    create_unit(&admin, BRIGADE, "drug_squad", "59").await;

    let analyst = server.staff("analyst", "cross.dossier", "59").await;
    let (_, inbox) = analyst.get("/api/v1/staff/reports").await;
    let report = inbox["reports"][0]["id"].as_str().unwrap().to_owned();
    let base = format!("/api/v1/staff/reports/{report}");
    for (path, body) in [
        (
            "grading",
            json!({"source": "F", "credibility": "3", "handling": "H2", "assessment": "Lieu connu des services."}),
        ),
        (
            "checks",
            json!({"kind": "patrol", "result": "Guetteurs observés vendredi soir."}),
        ),
        ("conclusion", json!({"conclusion": "corroborated"})),
    ] {
        let (status, answer) = analyst.post(&format!("{base}/{path}"), body).await;
        assert!(status == 200 || status == 201, "{path}: {status} {answer}");
    }
    let (status, location, body) = form(
        &analyst,
        &format!("/staff/reports/{report}/chain/disseminate"),
        &[
            ("csrf", &analyst.csrf),
            ("unit", &surete),
            ("excerpts", &seq),
        ],
    )
    .await;
    assert!(
        status == 303 || status == 200,
        "disseminate: {status} {location:?} {body}"
    );

    let inv = investigator(server, "enq.nord", SURETE).await;
    let other_investigator = investigator(server, "enq.brigade", BRIGADE).await;
    let (status, list) = inv.page("/staff/dossiers").await;
    assert_eq!(status, 200);
    let dossier = dossier_link(&list).expect("the unit's list links to the dossier");

    let staff = vec![
        ("operator", operator),
        (
            "supervisor",
            server.staff("supervisor", "chef.dossier", "").await,
        ),
        (
            "auditor",
            server.staff("auditor", "audit.dossier", "").await,
        ),
        ("admin", admin),
    ];
    Case {
        witness,
        report,
        dossier,
        analyst,
        investigator: inv,
        other_investigator,
        staff,
    }
}

#[tokio::test]
async fn the_unit_acknowledges_records_outcomes_and_exports_the_dossier() {
    let server = Server::start();
    // Centroids and outlines, so the PDF carries the map of the spot.
    let out = server.cli(&["geo", "import", shared_geo().to_str().unwrap()], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let case = full_case(&server).await;
    let inv = &case.investigator;
    let id = &case.dossier;
    let page_path = format!("/staff/dossiers/{id}");

    // The list: Lille, corroborated, not yet acknowledged, no outcome.
    let (_, list) = inv.page("/staff/dossiers").await;
    assert!(list.contains("Lille (59)"), "{list}");
    assert!(list.contains("Recoupé par la cellule"));
    assert!(list.contains("Réception non accusée"));

    // The dossier: facts, the cell's assessment apart, the handling code spelled out, the
    // excerpt labelled; nothing about the witness.
    let (status, page) = inv.page(&page_path).await;
    assert_eq!(status, 200, "{page}");
    for expected in [
        "Dossier — Lille (59)",
        "Résidence des Tilleuls",
        "Appréciation de la cellule",
        "Lieu connu des services.",
        "H2 : ne pas transmettre",
        "Extraits de la transcription",
        "deux guetteurs sur le parking",
        "Accuser réception",
    ] {
        assert!(page.contains(expected), "missing {expected:?}");
    }
    for secret in [&case.witness.receipt, &case.witness.id, &case.witness.token] {
        assert!(
            !page.contains(secret.as_str()),
            "the dossier leaks {secret}"
        );
    }

    // Recording before acknowledging: a clear error, nothing written.
    let outcome = [
        ("csrf", inv.csrf.as_str()),
        ("kind", "arrests"),
        ("count", "3"),
    ];
    let (status, _, body) = form(inv, &format!("{page_path}/outcomes"), &outcome).await;
    assert_eq!(status, 409);
    assert!(body.contains("abord réception du dossier"), "{body}");

    // Acknowledge, then the outcome form appears.
    let (status, location, _) = form(
        inv,
        &format!("{page_path}/acknowledge"),
        &[("csrf", &inv.csrf)],
    )
    .await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some(page_path.as_str()))
    );
    let (_, page) = inv.page(&page_path).await;
    assert!(page.contains("Réception accusée le"));
    assert!(page.contains("id=\"o-kind\""));

    // Bad input: a French field error linked to its field, the values kept, nothing written.
    let (status, _, body) = form(
        inv,
        &format!("{page_path}/outcomes"),
        &[
            ("csrf", &inv.csrf),
            ("kind", "seizure"),
            ("product", "cocaine"),
            ("quantity", "-90"),
            ("unit", "kg"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("Indiquez une quantité positive"), "{body}");
    assert!(body.contains("aria-describedby=\"o-quantity-error\""));
    assert!(body.contains("id=\"o-quantity-error\""));
    assert!(body.contains("value=\"-90\""));
    assert!(body.contains("<option value=\"cocaine\" selected>"));
    assert!(body.contains("Aucune suite enregistrée."));
    // A wrong CSRF token is refused.
    let (status, _, _) = form(
        inv,
        &format!("{page_path}/outcomes"),
        &[("csrf", "nope"), ("kind", "patrol")],
    )
    .await;
    assert_eq!(status, 403);

    // The 90 kg of cocaine, and 3 arrests.
    for pairs in [
        vec![
            ("csrf", inv.csrf.as_str()),
            ("kind", "seizure"),
            ("product", "cocaine"),
            ("quantity", "90"),
            ("unit", "kg"),
        ],
        outcome.to_vec(),
    ] {
        let (status, _, body) = form(inv, &format!("{page_path}/outcomes"), &pairs).await;
        assert_eq!(status, 303, "{body}");
    }
    let (_, page) = inv.page(&page_path).await;
    assert!(page.contains("Saisie : 90 kg — cocaïne"), "{page}");
    assert!(page.contains("Interpellations : 3"));
    let (_, list) = inv.page("/staff/dossiers?lang=en").await;
    assert!(list.contains("Received on"), "{list}");

    // The analyst's report has moved on.
    let (_, report) = case
        .analyst
        .get(&format!("/api/v1/staff/reports/{}", case.report))
        .await;
    assert!(report.to_string().contains("outcome_recorded"), "{report}");

    // Another unit sees nothing of it.
    let other = &case.other_investigator;
    let (status, list) = other.page("/staff/dossiers").await;
    assert_eq!(status, 200);
    assert!(dossier_link(&list).is_none());
    for path in [page_path.clone(), format!("{page_path}/pdf")] {
        let (status, _, _) = fetch(Some(&other.cookie), &server.url(&path)).await;
        assert_eq!(status, 404, "{path}");
    }
    let (status, _, _) = form(
        other,
        &format!("{page_path}/acknowledge"),
        &[("csrf", &other.csrf)],
    )
    .await;
    assert_eq!(status, 404);

    // The PDF, for the unit and for the analyst.
    for (who, path) in [
        (inv, format!("{page_path}/pdf")),
        (&case.analyst, format!("/staff/disseminations/{id}/pdf")),
    ] {
        let (status, headers, pdf) = fetch(Some(&who.cookie), &server.url(&path)).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(headers["content-type"], "application/pdf");
        assert_eq!(
            headers["content-disposition"],
            format!("attachment; filename=\"dossier-{}.pdf\"", &id[..8]).as_str()
        );
        assert_eq!(headers["cache-control"], "no-store");
        assert!(pdf.starts_with(b"%PDF-"));
        let text = pdf_text(&pdf);
        for expected in [
            "Lille",
            "Sûreté",
            "90",
            "cocaïne",
            "Diffusion restreinte",
            "le point rouge marque l'emplacement",
        ] {
            assert!(text.contains(expected), "PDF lacks {expected:?}: {text}");
        }
        assert!(!text.contains(&case.witness.receipt));
    }
    // An analyst of another département gets nothing.
    let south = server.staff("analyst", "cross.sud.dossier", "13").await;
    let (status, _, _) = fetch(
        Some(&south.cookie),
        &server.url(&format!("/staff/disseminations/{id}/pdf")),
    )
    .await;
    assert_eq!(status, 404);

    // The inbox as CSV, filtered like the page.
    let (status, headers, csv) = fetch(
        Some(&case.analyst.cookie),
        &server.url("/staff/reports.csv?commune=59350&lang=en"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename="));
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM");
    let csv = String::from_utf8(csv[3..].to_vec()).unwrap();
    let mut lines = csv.split("\r\n");
    assert_eq!(
        lines.next(),
        Some("id,state,activity,commune,INSEE code,département,weapons,qualified at")
    );
    let row = lines.next().unwrap();
    assert!(row.starts_with(&case.report), "{row}");
    assert!(row.contains(",Lille,59350,59,"), "{row}");
    let (_, _, french) = fetch(
        Some(&case.analyst.cookie),
        &server.url("/staff/reports.csv"),
    )
    .await;
    assert!(String::from_utf8_lossy(&french).contains("identifiant,état"));
    let (status, _, _) = fetch(
        Some(&case.analyst.cookie),
        &server.url("/staff/reports.csv?commune=nowhere"),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _, _) = fetch(
        Some(&case.analyst.cookie),
        &server.url("/staff/reports.csv?colour=red"),
    )
    .await;
    assert_eq!(status, 400);

    // Every export is in the audit log, with its purpose.
    let auditor = &case.staff.iter().find(|(r, _)| *r == "auditor").unwrap().1;
    let (_, log) = auditor.get("/api/v1/staff/audit").await;
    let entries = log["entries"].as_array().unwrap();
    let has = |action: &str, purpose: &str| {
        entries
            .iter()
            .any(|e| e["action"] == action && e["purpose"] == purpose)
    };
    assert!(has("export_dossier", "investigation"), "{log}");
    assert!(has("export_dossier", "dissemination"), "{log}");
    assert!(has("export_list", "analysis"), "{log}");
    assert!(has("read_dossier", "investigation"), "{log}");
}

#[tokio::test]
async fn an_investigator_without_a_unit_is_told_why_the_list_is_empty() {
    let server = Server::start();
    let lone = server.staff("investigator", "enq.seul", "").await;
    let (status, page) = lone.page("/staff/dossiers").await;
    assert_eq!(status, 200);
    assert!(page.contains("rattaché à aucun service"), "{page}");
    let (_, page) = lone.page("/staff/dossiers?lang=en").await;
    assert!(page.contains("does not belong to any unit"), "{page}");
    let (status, _, _) = fetch(
        Some(&lone.cookie),
        &server.url("/staff/dossiers/00000000-0000-4000-8000-000000000000"),
    )
    .await;
    assert_eq!(status, 404);
}

/// Who reaches each route: 6 roles and anonymous.
#[tokio::test]
async fn only_the_right_roles_reach_the_dossier_routes() {
    let server = Server::start();
    let case = full_case(&server).await;
    let id = &case.dossier;
    let mut clients: Vec<(&str, &StaffClient)> = case.staff.iter().map(|(r, c)| (*r, c)).collect();
    clients.push(("analyst", &case.analyst));
    clients.push(("investigator", &case.investigator));

    let gets: Vec<(String, &str)> = vec![
        ("/staff/dossiers".into(), "investigator"),
        (format!("/staff/dossiers/{id}"), "investigator"),
        (format!("/staff/dossiers/{id}/pdf"), "investigator"),
        (format!("/staff/disseminations/{id}/pdf"), "analyst"),
        ("/staff/reports.csv".into(), "analyst"),
    ];
    for (path, allowed) in &gets {
        for (role, client) in &clients {
            let (status, _, _) = fetch(Some(&client.cookie), &server.url(path)).await;
            let expected = if role == allowed { 200 } else { 403 };
            assert_eq!(status, expected, "{role} GET {path}");
        }
        let (status, headers, _) = fetch(None, &server.url(path)).await;
        assert_eq!(status, 303, "anonymous GET {path}");
        assert_eq!(headers["location"], "/staff/login");
    }

    let posts = [
        format!("/staff/dossiers/{id}/acknowledge"),
        format!("/staff/dossiers/{id}/outcomes"),
    ];
    for path in &posts {
        for (role, client) in &clients {
            if *role == "investigator" {
                continue; // its answers are the story above
            }
            let (status, _, _) =
                form(client, path, &[("csrf", &client.csrf), ("kind", "patrol")]).await;
            assert_eq!(status, 403, "{role} POST {path}");
        }
        let r = plain_http()
            .post(server.url(path))
            .form(&[("kind", "patrol")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303, "anonymous POST {path}");
    }
    // The investigator with a stale or missing CSRF token is refused.
    let inv = &case.investigator;
    let (status, _, _) = form(
        inv,
        &format!("/staff/dossiers/{id}/acknowledge"),
        &[("csrf", "")],
    )
    .await;
    assert_eq!(status, 403);
}
