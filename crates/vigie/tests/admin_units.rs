//! The administrator's pages, through the real binary: units and their routing, the routing
//! table by département, retention rules, who may open them, and the demo routing table.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Server, StaffClient};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A client that does not follow redirects, so a 303 can be seen.
fn no_redirect() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

struct Answer {
    status: u16,
    location: String,
    body: String,
}

async fn get(base: &str, cookie: Option<&str>, path: &str) -> Answer {
    let mut r = no_redirect().get(format!("{base}{path}"));
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    answer(r.send().await.unwrap()).await
}

async fn post(base: &str, cookie: Option<&str>, path: &str, form: &[(&str, &str)]) -> Answer {
    let mut r = no_redirect().post(format!("{base}{path}")).form(form);
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    answer(r.send().await.unwrap()).await
}

async fn answer(r: reqwest::Response) -> Answer {
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    Answer {
        status,
        location,
        body: r.text().await.unwrap(),
    }
}

async fn admin_get(admin: &StaffClient, path: &str) -> Answer {
    get(&admin.base, Some(&admin.cookie), path).await
}

async fn admin_post(admin: &StaffClient, path: &str, fields: &[(&str, &str)]) -> Answer {
    let mut form = vec![("csrf", admin.csrf.as_str())];
    form.extend_from_slice(fields);
    post(&admin.base, Some(&admin.cookie), path, &form).await
}

async fn create(admin: &StaffClient, name: &str, kind: &str, deps: &str) -> Answer {
    admin_post(
        admin,
        "/staff/units",
        &[("name", name), ("kind", kind), ("departements", deps)],
    )
    .await
}

/// The names listed under "units serving a département" on the units page.
fn serving(body: &str) -> Vec<String> {
    let Some(start) = body.find("id=\"serving-result\"") else {
        return Vec::new();
    };
    let section = &body[start..body[start..].find("</section>").unwrap() + start];
    section
        .split("<li><a href=\"")
        .skip(1)
        .map(|li| {
            let after = &li[li.find('>').unwrap() + 1..];
            after[..after.find("</a>").unwrap()].to_owned()
        })
        .collect()
}

fn unit_id(location: &str) -> String {
    location
        .split("created=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn admin_creates_a_unit_routes_it_and_changes_retention() {
    let server = Server::start();
    let admin = server.staff("admin", "admn", "").await;

    let page = admin_get(&admin, "/staff/units").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<html lang=\"fr\""));
    assert!(page.body.contains("Créer une unité"));

    // Created with its routing, then back to the list with a success message.
    let created = create(
        &admin,
        "Brigade des stupéfiants de Lille",
        "drug_squad",
        "59, 62",
    )
    .await;
    assert_eq!(created.status, 303, "{}", created.body);
    assert!(created.location.starts_with("/staff/units?created="));
    let id = unit_id(&created.location);
    let list = admin_get(&admin, &created.location).await;
    assert_eq!(list.status, 200);
    assert!(list
        .body
        .contains("Unité « Brigade des stupéfiants de Lille » créée."));
    assert!(list.body.contains("Brigade des stupéfiants"));
    assert!(list.body.contains("59 62"));
    for dep in ["59", "62"] {
        let by_dep = admin_get(&admin, &format!("/staff/units?departement={dep}")).await;
        assert_eq!(
            serving(&by_dep.body),
            vec!["Brigade des stupéfiants de Lille"],
            "{dep}"
        );
    }

    // An unknown code is a field error in French, linked to its field; nothing is written.
    let bad = create(&admin, "Unité de test", "customs", "59 999").await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Code de département inconnu : 999."));
    assert!(bad
        .body
        .contains("aria-describedby=\"unit-departements-hint unit-departements-error\""));
    assert!(bad.body.contains("id=\"error-summary\""));
    assert!(
        bad.body.contains("value=\"Unité de test\""),
        "the form keeps what was typed"
    );
    // A well-formed code the gazetteer does not have is refused the same way.
    let absent = create(&admin, "Unité de test", "customs", "977 980").await;
    assert_eq!(absent.status, 422);
    assert!(absent.body.contains("980"));
    let list = admin_get(&admin, "/staff/units").await;
    assert!(!list.body.contains("Unité de test"));

    // The same name (whatever the case) is refused with a clear message.
    let twice = create(&admin, "brigade des stupéfiants de lille", "ofast", "80").await;
    assert_eq!(twice.status, 409);
    assert!(twice.body.contains("Une unité porte déjà le nom"));
    assert!(!admin_get(&admin, "/staff/units?departement=80")
        .await
        .body
        .contains("brigade des stupéfiants de lille"));

    // Routing replaced from the unit's page.
    let unit_page = admin_get(&admin, &format!("/staff/units/{id}")).await;
    assert_eq!(unit_page.status, 200);
    assert!(unit_page.body.contains("Pas-de-Calais"));
    let routed = admin_post(
        &admin,
        &format!("/staff/units/{id}/routing"),
        &[("departements", "62 80")],
    )
    .await;
    assert_eq!(routed.status, 303);
    let unit_page = admin_get(&admin, &routed.location).await;
    assert!(unit_page.body.contains("Orientation enregistrée."));
    assert!(unit_page.body.contains("Somme"));
    assert!(serving(&admin_get(&admin, "/staff/units?departement=59").await.body).is_empty());
    assert_eq!(
        serving(&admin_get(&admin, "/staff/units?departement=80").await.body),
        vec!["Brigade des stupéfiants de Lille"]
    );
    let refused = admin_post(
        &admin,
        &format!("/staff/units/{id}/routing"),
        &[("departements", "abc")],
    )
    .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Code de département inconnu : abc."));
    assert_eq!(
        serving(&admin_get(&admin, "/staff/units?departement=80").await.body).len(),
        1
    );

    // Retention: changed, then an invalid value refused in English, nothing written.
    let retention = admin_get(&admin, "/staff/retention").await;
    assert_eq!(retention.status, 200);
    assert!(retention.body.contains("clos (jours)"));
    assert!(retention.body.contains("name=\"days-closed\""));
    let fields = [
        ("days-redirected_emergency", "30"),
        ("days-out_of_scope", "30"),
        ("days-rejected", "30"),
        ("days-unconfirmed", "90"),
        ("days-closed", "45"),
    ];
    let saved = admin_post(&admin, "/staff/retention", &fields).await;
    assert_eq!(saved.status, 303);
    let retention = admin_get(&admin, &saved.location).await;
    assert!(retention
        .body
        .contains("Durées de conservation enregistrées."));
    assert!(retention
        .body
        .contains("name=\"days-closed\" class=\"short\" inputmode=\"numeric\" autocomplete=\"off\" maxlength=\"4\" value=\"45\""));
    let mut bad_fields = fields;
    bad_fields[0].1 = "12";
    bad_fields[4].1 = "0";
    let bad = admin_post(&admin, "/staff/retention?lang=en", &bad_fields).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("<html lang=\"en\""));
    assert!(bad
        .body
        .contains("Enter a whole number of days between 1 and 3650."));
    assert!(bad
        .body
        .contains("aria-describedby=\"retention-hint days-closed-error\""));
    let after = admin_get(&admin, "/staff/retention?lang=en").await;
    assert!(after.body.contains("value=\"45\""));
    assert!(!after.body.contains("value=\"12\""), "nothing written");

    // Every change is in the audit log.
    let auditor = server.staff("auditor", "audit", "").await;
    let (_, log) = auditor.page("/staff/audit").await;
    for action in ["create_unit", "set_routing", "set_retention"] {
        assert!(log.contains(action), "{action} audited");
    }
}

#[tokio::test]
async fn only_the_admin_may_open_the_admin_pages() {
    let server = Server::start();
    let admin = server.staff("admin", "admn", "").await;
    let created = create(
        &admin,
        "Sûreté départementale du Nord",
        "surete_departementale",
        "59",
    )
    .await;
    let id = unit_id(&created.location);
    let mut others = Vec::new();
    for (role, name, deps) in [
        ("operator", "oper", ""),
        ("supervisor", "chef", ""),
        ("analyst", "cross", "59"),
        ("investigator", "enqu", ""),
        ("auditor", "audit", ""),
    ] {
        others.push((role, server.staff(role, name, deps).await));
    }
    let unit_path = format!("/staff/units/{id}");
    let routing_path = format!("/staff/units/{id}/routing");
    let gets = ["/staff/units", unit_path.as_str(), "/staff/retention"];
    let posts: [(&str, Vec<(&str, &str)>); 3] = [
        (
            "/staff/units",
            vec![
                ("name", "Unité pirate"),
                ("kind", "ofast"),
                ("departements", "13"),
            ],
        ),
        (routing_path.as_str(), vec![("departements", "13")]),
        ("/staff/retention", vec![("days-closed", "7")]),
    ];

    for path in gets {
        let a = admin_get(&admin, path).await;
        assert_eq!(a.status, 200, "admin {path}");
        let anonymous = get(&server.base, None, path).await;
        assert_eq!(anonymous.status, 303, "anonymous {path}");
        assert_eq!(anonymous.location, "/staff/login");
        for (role, client) in &others {
            let r = get(&server.base, Some(&client.cookie), path).await;
            assert_eq!(r.status, 403, "{role} {path}");
            assert!(
                r.body.contains("avez pas accès à cette page"),
                "{role} {path}"
            );
            assert!(!r.body.contains("Sûreté départementale du Nord"));
        }
    }
    for (path, fields) in &posts {
        let anonymous = post(&server.base, None, path, fields).await;
        assert_eq!(anonymous.status, 303, "anonymous {path}");
        assert_eq!(anonymous.location, "/staff/login");
        for (role, client) in &others {
            let mut form = vec![("csrf", client.csrf.as_str())];
            form.extend(fields.iter().copied());
            let r = post(&server.base, Some(&client.cookie), path, &form).await;
            assert_eq!(r.status, 403, "{role} POST {path}");
        }
        // The admin without the form's token is refused too.
        let r = post(&server.base, Some(&admin.cookie), path, fields).await;
        assert_eq!(r.status, 403, "admin without csrf POST {path}");
        let mut wrong = vec![("csrf", "not-the-token")];
        wrong.extend(fields.iter().copied());
        let r = post(&server.base, Some(&admin.cookie), path, &wrong).await;
        assert_eq!(r.status, 403, "admin with a wrong csrf POST {path}");
    }
    // Nothing was written by any refused request.
    let list = admin_get(&admin, "/staff/units?departement=13").await;
    assert!(!list.body.contains("Unité pirate"));
    assert!(serving(&list.body).is_empty());
    let retention = admin_get(&admin, "/staff/retention").await;
    assert!(!retention.body.contains("value=\"7\""));
}

/// `vigie demo` on a data directory, read until it listens.
fn start_demo(dir: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(common::bin())
        .args(["demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .env_remove("VIGIE_LOG")
        .env_remove("VIGIE_DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("demo exited before listening").unwrap();
        if let Some(rest) = line.strip_prefix("Vigie listening on http://") {
            break rest.trim().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (child, format!("http://{addr}"))
}

/// The demo admin's session, through both factors (the first login enrols an authenticator; the
/// harness remembers it for the demo's data directory).
async fn demo_admin(base: &str, dir: &std::path::Path) -> String {
    let scope = format!("demo:{}", dir.display());
    let r = common::login_at(
        &reqwest::Client::new(),
        base,
        &scope,
        "admin",
        "vigie-demo-admin",
    )
    .await;
    assert_eq!(r.status(), 200);
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("vigie_session="))
        .unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

fn unit_count(body: &str) -> usize {
    let at = body.find("id=\"list-title\"").unwrap();
    let rest = &body[at..];
    let open = rest.find("<span class=\"count\">(").unwrap() + "<span class=\"count\">(".len();
    rest[open..open + rest[open..].find(')').unwrap()]
        .parse()
        .unwrap()
}

#[tokio::test]
async fn the_demo_routing_table_serves_every_departement() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base) = start_demo(dir.path());
    let cookie = demo_admin(&base, dir.path()).await;
    let codes: Vec<String> = include_str!("../data/departements.csv")
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').next().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 109);
    for code in &codes {
        let page = get(
            &base,
            Some(&cookie),
            &format!("/staff/units?departement={code}"),
        )
        .await;
        assert_eq!(page.status, 200, "{code}");
        let names = serving(&page.body);
        if ["75", "92", "93", "94"].contains(&code.as_str()) {
            assert!(names.len() >= 2, "{code}: {names:?}");
            assert!(
                names.iter().all(|n| n.starts_with("Préfecture de police")),
                "{code}: {names:?}"
            );
            assert!(names.contains(&"Préfecture de police — Brigade des stupéfiants".to_owned()));
        } else {
            assert!(
                names
                    .iter()
                    .any(|n| n.starts_with("Sûreté départementale ")),
                "{code}: {names:?}"
            );
            assert!(
                names
                    .iter()
                    .any(|n| n.starts_with("Groupement de gendarmerie départementale ")),
                "{code}: {names:?}"
            );
            assert!(
                names.iter().any(|n| n.starts_with("Antenne OFAST de ")),
                "{code}: {names:?}"
            );
        }
    }
    let nord = serving(
        &get(&base, Some(&cookie), "/staff/units?departement=59")
            .await
            .body,
    );
    assert!(nord.contains(&"Sûreté départementale du Nord".to_owned()));
    assert!(nord.contains(&"Direction régionale des douanes de Dunkerque".to_owned()));
    let ain = get(&base, Some(&cookie), "/staff/units?departement=01")
        .await
        .body;
    assert!(
        ain.contains("Groupement de gendarmerie départementale de l&#x27;Ain")
            || ain.contains("Groupement de gendarmerie départementale de l&#39;Ain")
    );
    let count = unit_count(&get(&base, Some(&cookie), "/staff/units").await.body);

    // `staff add --unit`: investigators only, and the unit must exist.
    let db = format!("sqlite://{}", dir.path().join("demo.db").display());
    let add = |args: &[&str]| {
        let mut child = Command::new(common::bin())
            .args(["staff", "add"])
            .args(args)
            .args(["--database-url", &db, "--data-dir"])
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"a-long-enough-password\n")
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let ok = add(&[
        "--role",
        "investigator",
        "--username",
        "bs.lille",
        "--unit",
        "Sûreté départementale du Nord",
    ]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let unknown = add(&[
        "--role",
        "investigator",
        "--username",
        "nobody.unit",
        "--unit",
        "Brigade imaginaire",
    ]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no unit is named"));
    let not_investigator = add(&[
        "--role",
        "operator",
        "--username",
        "oper.unit",
        "--unit",
        "Sûreté départementale du Nord",
    ]);
    assert!(!not_investigator.status.success());
    assert!(String::from_utf8_lossy(&not_investigator.stderr).contains("only investigators"));

    // Seeding again creates nothing new.
    child.kill().unwrap();
    child.wait().unwrap();
    let (mut again, base) = start_demo(dir.path());
    let cookie = demo_admin(&base, dir.path()).await;
    assert_eq!(
        unit_count(&get(&base, Some(&cookie), "/staff/units").await.body),
        count
    );
    again.kill().unwrap();
    again.wait().unwrap();
}
