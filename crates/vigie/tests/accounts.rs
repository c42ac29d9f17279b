#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Staff accounts as their owners, their admin and the operator with a shell meet them: the
//! mandatory second factor (enrolment at the first login, then a code at every login), the
//! lockout, disabling, revoking sessions, changing and resetting passwords, resetting the second
//! factor; through the real binary, its API, its pages and its CLI.

mod common;

use common::*;
use serde_json::{json, Value};
use vigie_web::totp::TotpSecret;

fn plain_http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(40))
        .build()
        .unwrap()
}

fn session_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("vigie_session=") && !c.starts_with("vigie_session=;"))
        .map(|c| c.split(';').next().unwrap().to_owned())
}

async fn post_json(server: &Server, path: &str, body: Value) -> (u16, Option<String>, Value) {
    let r = server
        .http
        .post(server.url(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let cookie = session_cookie(&r);
    (status, cookie, r.json().await.unwrap_or(Value::Null))
}

/// A code that is none of the codes the server could accept now.
fn wrong_code(secret: &TotpSecret) -> String {
    let now = vigie_web::totp::step_of(
        i64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
        )
        .unwrap(),
    );
    let near: Vec<String> = (now - 3..=now + 3).map(|s| secret.code_at(s)).collect();
    (0..)
        .map(|n| format!("{:06}", 123_456 + n))
        .find(|c| !near.contains(c))
        .unwrap()
}

async fn alive(server: &Server, cookie: &str) -> bool {
    let r = server
        .http
        .get(server.url("/api/v1/staff/me"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    r.status() == 200
}

async fn account(admin: &StaffClient, username: &str) -> Value {
    let (status, list) = admin.get("/api/v1/staff/accounts").await;
    assert_eq!(status, 200, "{list}");
    list["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == username)
        .cloned()
        .unwrap_or_else(|| panic!("{username} listed"))
}

#[tokio::test]
async fn a_first_login_enrols_an_authenticator_and_opens_no_session_before_the_code() {
    let server = Server::start();
    let password = server.add_staff("operator", "agent.enrol", "");
    let admin = server.staff("admin", "chef.comptes", "").await;
    let creds = json!({"username": "agent.enrol", "password": password});

    // The password alone: a secret to enrol, no session.
    let (status, cookie, body) = post_json(&server, "/api/v1/staff/login", creds.clone()).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(cookie, None, "no session before the second factor");
    let b32 = body["totp_enrolment"]["secret"].as_str().unwrap();
    let secret = TotpSecret::from_base32(b32).unwrap();
    assert_eq!(b32.len(), 32);
    let uri = body["totp_enrolment"]["otpauth_uri"].as_str().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/Vigie:agent.enrol?secret=") && uri.contains(b32),
        "{uri}"
    );
    assert_eq!(body["expires_in"], 300);
    let pending = body["pending"].as_str().unwrap().to_owned();
    assert!(!pending.contains(password.as_str()));
    assert_eq!(
        account(&admin, "agent.enrol").await["second_factor"],
        "pending"
    );

    // A wrong code is refused, a forged token too; neither opens anything.
    let (status, cookie, body) = post_json(
        &server,
        "/api/v1/staff/login/totp",
        json!({"pending": pending, "code": wrong_code(&secret)}),
    )
    .await;
    assert_eq!((status, cookie), (422, None));
    assert_eq!(body["error"]["code"], "login-failed");
    let forged = format!("{}x", &pending[..pending.len() - 1]);
    let (status, _, body) = post_json(
        &server,
        "/api/v1/staff/login/totp",
        json!({"pending": forged, "code": "123456"}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "login-expired");
    assert_ne!(body["error"]["message"], "login-expired", "translated");

    // The app's code opens the session.
    let (code, step) = next_code(&secret, None).await;
    let (status, cookie, body) = post_json(
        &server,
        "/api/v1/staff/login/totp",
        json!({"pending": pending, "code": code}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["username"], "agent.enrol");
    assert_eq!(body["role"], "operator");
    assert!(body["csrf_token"].as_str().is_some());
    let cookie = cookie.expect("a session");
    assert!(alive(&server, &cookie).await);
    let listed = account(&admin, "agent.enrol").await;
    assert_eq!(listed["second_factor"], "enrolled");
    assert_eq!(listed["sessions"], 1);

    // The same code again, even with a pending token still valid, is refused: it was used.
    let (status, cookie, body) = post_json(
        &server,
        "/api/v1/staff/login/totp",
        json!({"pending": pending, "code": code}),
    )
    .await;
    assert_eq!((status, cookie), (422, None), "replayed code: {body}");
    assert_eq!(body["error"]["code"], "login-failed");

    // The next login needs a code: without one, no session; a used one is refused; the next
    // one works.
    let (status, cookie, body) = post_json(&server, "/api/v1/staff/login", creds.clone()).await;
    assert_eq!((status, cookie), (422, None));
    assert_eq!(body["error"]["code"], "totp-required");
    let mut with_code = creds.clone();
    with_code["totp"] = json!(code);
    let (status, _, body) = post_json(&server, "/api/v1/staff/login", with_code.clone()).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "login-failed");
    let (code, step) = next_code(&secret, Some(step)).await;
    with_code["totp"] = json!(code);
    let (status, cookie, body) = post_json(&server, "/api/v1/staff/login", with_code).await;
    assert_eq!(status, 200, "{body}");
    assert!(cookie.is_some());
    let last_step = Some(step);
    remember_authenticator(
        &server.totp_scope(),
        "agent.enrol",
        Authenticator { secret, last_step },
    )
    .await;
    // The harness logs in with the same authenticator from now on.
    server.login("agent.enrol", &password).await;
}

#[tokio::test]
async fn five_failures_lock_the_account_wrong_codes_included() {
    let server = Server::start();
    let password = server.add_staff("operator", "agent.verrou", "");
    server.login("agent.verrou", &password).await;
    let auth = authenticator(&server.totp_scope(), "agent.verrou")
        .await
        .unwrap();
    let wrong = wrong_code(&auth.secret);
    for (i, (pw, code)) in [
        ("not the password", wrong.as_str()),
        (password.as_str(), wrong.as_str()),
        (password.as_str(), wrong.as_str()),
        ("not the password either", ""),
        (password.as_str(), wrong.as_str()),
    ]
    .into_iter()
    .enumerate()
    {
        let mut body = json!({"username": "agent.verrou", "password": pw});
        if !code.is_empty() {
            body["totp"] = json!(code);
        }
        let (status, cookie, answer) = post_json(&server, "/api/v1/staff/login", body).await;
        assert_eq!((status, cookie), (422, None), "attempt {i}: {answer}");
        assert_eq!(answer["error"]["code"], "login-failed");
    }
    // Locked now, even with the password and the right code.
    let (code, _) = next_code(&auth.secret, auth.last_step).await;
    let (status, cookie, answer) = post_json(
        &server,
        "/api/v1/staff/login",
        json!({"username": "agent.verrou", "password": password, "totp": code}),
    )
    .await;
    assert_eq!((status, cookie), (429, None), "{answer}");
    assert_eq!(answer["error"]["code"], "too-many-attempts");
}

#[tokio::test]
async fn code_failures_on_the_second_step_count_toward_the_lockout() {
    let server = Server::start();
    let password = server.add_staff("operator", "agent.second", "");
    let creds = json!({"username": "agent.second", "password": password});
    let (status, _, body) = post_json(&server, "/api/v1/staff/login", creds.clone()).await;
    assert_eq!(status, 202);
    let secret =
        TotpSecret::from_base32(body["totp_enrolment"]["secret"].as_str().unwrap()).unwrap();
    let pending = body["pending"].as_str().unwrap().to_owned();
    // The password step counted once; four wrong codes make five.
    for _ in 0..4 {
        let (status, _, _) = post_json(
            &server,
            "/api/v1/staff/login/totp",
            json!({"pending": pending, "code": wrong_code(&secret)}),
        )
        .await;
        assert_eq!(status, 422);
    }
    let (code, _) = next_code(&secret, None).await;
    let (status, cookie, body) = post_json(
        &server,
        "/api/v1/staff/login/totp",
        json!({"pending": pending, "code": code}),
    )
    .await;
    assert_eq!((status, cookie), (429, None), "{body}");
}

#[tokio::test]
async fn a_disabled_account_cannot_log_in_and_its_open_session_stops_at_once() {
    let server = Server::start();
    let admin = server.staff("admin", "chef.comptes", "").await;
    let auditor = server.staff("auditor", "controle", "").await;
    let password = server.add_staff("operator", "agent.parti", "");
    let officer = server.login("agent.parti", &password).await;
    let id = account(&admin, "agent.parti").await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let (status, body) = admin
        .post(&format!("/api/v1/staff/accounts/{id}/disable"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["account"]["disabled"], true);
    assert_eq!(body["account"]["sessions"], 0);
    assert_eq!(officer.get("/api/v1/staff/me").await.0, 401, "at once");

    // Logging in answers exactly as for an account that does not exist.
    let r = server.login_response("agent.parti", &password).await;
    assert_eq!(r.status(), 422);
    assert!(session_cookie(&r).is_none());
    let disabled: Value = r.json().await.unwrap();
    let (_, _, unknown) = post_json(
        &server,
        "/api/v1/staff/login",
        json!({"username": "personne.ici", "password": password}),
    )
    .await;
    assert_eq!(disabled, unknown);

    // Only an admin acts on accounts, and not on their own to disable it.
    assert_eq!(
        auditor
            .post(&format!("/api/v1/staff/accounts/{id}/enable"), json!({}))
            .await
            .0,
        403
    );
    let own = account(&admin, "chef.comptes").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = admin
        .post(&format!("/api/v1/staff/accounts/{own}/disable"), json!({}))
        .await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "cannot-disable-self");
    let (status, _) = admin
        .post(
            "/api/v1/staff/accounts/00000000-0000-4000-8000-000000000000/disable",
            json!({}),
        )
        .await;
    assert_eq!(status, 404);

    // Enabled again, the account logs in with its authenticator.
    let (status, body) = admin
        .post(&format!("/api/v1/staff/accounts/{id}/enable"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["account"]["disabled"], false);
    server.login("agent.parti", &password).await;

    let (_, log) = auditor
        .get("/api/v1/staff/audit?purpose=administration")
        .await;
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in ["staff_disabled", "staff_enabled", "totp_enrolled"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
}

#[tokio::test]
async fn an_admin_ends_every_session_of_another_account() {
    let server = Server::start();
    let admin = server.staff("admin", "chef.comptes", "").await;
    let password = server.add_staff("operator", "agent.deux", "");
    let desk = server.login("agent.deux", &password).await;
    let laptop = server.login("agent.deux", &password).await;
    let id = account(&admin, "agent.deux").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(account(&admin, "agent.deux").await["sessions"], 2);
    assert_eq!(
        desk.post(
            &format!("/api/v1/staff/accounts/{id}/revoke-sessions"),
            json!({})
        )
        .await
        .0,
        403,
        "not by an operator"
    );
    let (status, body) = admin
        .post(
            &format!("/api/v1/staff/accounts/{id}/revoke-sessions"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["revoked"], 2);
    assert_eq!(body["account"]["sessions"], 0);
    for s in [&desk, &laptop] {
        assert_eq!(s.get("/api/v1/staff/me").await.0, 401);
    }
    assert_eq!(
        admin.get("/api/v1/staff/me").await.0,
        200,
        "the admin's own stays"
    );
}

#[tokio::test]
async fn changing_ones_password_ends_the_other_sessions_only() {
    let server = Server::start();
    let password = server.add_staff("analyst", "cross.mdp", "59");
    let here = server.login("cross.mdp", &password).await;
    let elsewhere = server.login("cross.mdp", &password).await;
    let change =
        |current: &str, new: &str| json!({"current_password": current, "new_password": new});

    let (status, body) = here
        .post(
            "/api/v1/staff/me/password",
            change("not my password", "a brand new passphrase"),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "current-password-wrong");
    for (weak, code) in [
        ("short", "password-too-short"),
        ("aaaaaaaaaaaaaaaaaaaa", "password-too-weak"),
    ] {
        let (status, body) = here
            .post("/api/v1/staff/me/password", change(&password, weak))
            .await;
        assert_eq!(status, 422);
        assert_eq!(body["error"]["code"], code);
    }
    // Without the CSRF header, refused.
    let r = server
        .http
        .post(server.url("/api/v1/staff/me/password"))
        .header("cookie", &here.cookie)
        .json(&change(&password, "a brand new passphrase"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(
        alive(&server, &elsewhere.cookie).await,
        "nothing changed yet"
    );

    let (status, body) = here
        .post(
            "/api/v1/staff/me/password",
            change(&password, "a brand new passphrase"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(alive(&server, &here.cookie).await, "this session stays");
    assert!(!alive(&server, &elsewhere.cookie).await, "the other ends");
    let old = server.login_response("cross.mdp", &password).await;
    assert_eq!(old.status(), 422);
    server.login("cross.mdp", "a brand new passphrase").await;
}

#[tokio::test]
async fn after_a_second_factor_reset_the_next_login_enrols_again() {
    let server = Server::start();
    let admin = server.staff("admin", "chef.comptes", "").await;
    let password = server.add_staff("operator", "agent.perdu", "");
    let officer = server.login("agent.perdu", &password).await;
    let scope = server.totp_scope();
    let before = authenticator(&scope, "agent.perdu").await.unwrap();
    let id = account(&admin, "agent.perdu").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = admin
        .post(
            &format!("/api/v1/staff/accounts/{id}/reset-totp"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["account"]["second_factor"], "none");
    assert_eq!(
        officer.get("/api/v1/staff/me").await.0,
        401,
        "its sessions end"
    );

    // The old authenticator's code no longer opens anything: the password hands out a new secret.
    let (code, _) = next_code(&before.secret, before.last_step).await;
    let (status, cookie, body) = post_json(
        &server,
        "/api/v1/staff/login",
        json!({"username": "agent.perdu", "password": password, "totp": code}),
    )
    .await;
    assert_eq!((status, cookie), (202, None), "{body}");
    let fresh = body["totp_enrolment"]["secret"].as_str().unwrap();
    assert_ne!(fresh, before.secret.to_base32());
    // The harness enrols the new one.
    server.login("agent.perdu", &password).await;
    let after = authenticator(&scope, "agent.perdu").await.unwrap();
    assert_ne!(after.secret.to_base32(), before.secret.to_base32());
    assert_eq!(
        account(&admin, "agent.perdu").await["second_factor"],
        "enrolled"
    );
}

#[tokio::test]
async fn the_operator_with_a_shell_resets_a_password_and_disables_an_account() {
    let server = Server::start();
    let password = server.add_staff("admin", "seul.admin", "");
    let session = server.login("seul.admin", &password).await;
    // Locked out by failed attempts.
    for _ in 0..5 {
        post_json(
            &server,
            "/api/v1/staff/login",
            json!({"username": "seul.admin", "password": "forgotten"}),
        )
        .await;
    }
    let out = server.cli(
        &["staff", "password", "--username", "seul.admin"],
        "un nouveau mot de passe\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("sessions were ended"));
    assert_eq!(session.get("/api/v1/staff/me").await.0, 401);
    assert_eq!(
        server
            .login_response("seul.admin", &password)
            .await
            .status(),
        422
    );
    let admin = server.login("seul.admin", "un nouveau mot de passe").await;

    for (args, stdin, message) in [
        (
            vec!["staff", "password", "--username", "seul.admin"],
            "court\n",
            "too short",
        ),
        (
            vec!["staff", "password", "--username", "personne"],
            "un mot de passe solide\n",
            "no account",
        ),
        (
            vec!["staff", "disable", "--username", "Pas Valide"],
            "",
            "invalid username",
        ),
    ] {
        let out = server.cli(&args, stdin);
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }

    let other = server.add_staff("operator", "agent.cli", "");
    let officer = server.login("agent.cli", &other).await;
    let out = server.cli(&["staff", "disable", "--username", "agent.cli"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(officer.get("/api/v1/staff/me").await.0, 401);
    assert_eq!(
        server.login_response("agent.cli", &other).await.status(),
        422
    );
    assert_eq!(account(&admin, "agent.cli").await["disabled"], true);
    let out = server.cli(&["staff", "enable", "--username", "agent.cli"], "");
    assert!(out.status.success());
    server.login("agent.cli", &other).await;
    let out = server.cli(&["staff", "reset-totp", "--username", "agent.cli"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(account(&admin, "agent.cli").await["second_factor"], "none");
}

// --- the pages -----------------------------------------------------------------------------------

struct Page {
    status: u16,
    location: String,
    cookies: Vec<String>,
    body: String,
}

impl Page {
    async fn of(r: reqwest::Response) -> Page {
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let cookies = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
            .collect();
        Page {
            status,
            location,
            cookies,
            body: r.text().await.unwrap(),
        }
    }

    fn cookie(&self, name: &str) -> Option<String> {
        self.cookies
            .iter()
            .find(|c| c.starts_with(&format!("{name}=")) && !c.ends_with('='))
            .cloned()
    }

    fn field(&self, name: &str) -> String {
        self.body
            .split(&format!("name=\"{name}\" value=\""))
            .nth(1)
            .unwrap_or_else(|| panic!("no field {name} in {}", self.body))
            .split('"')
            .next()
            .unwrap()
            .to_owned()
    }

    /// The text of the element with this id.
    fn text_of(&self, id: &str) -> Option<String> {
        let at = self.body.find(&format!("id=\"{id}\""))?;
        let open = at + self.body[at..].find('>')? + 1;
        let close = open + self.body[open..].find('<')?;
        Some(self.body[open..close].trim().to_owned())
    }
}

/// The login form's first step, as a browser fills it.
async fn password_form(http: &reqwest::Client, server: &Server, user: &str, pw: &str) -> Page {
    let login = Page::of(http.get(server.url("/staff/login")).send().await.unwrap()).await;
    let r = http
        .post(server.url("/staff/login"))
        .header("cookie", login.cookie("vigie_login").unwrap())
        .form(&[
            ("csrf", login.field("csrf").as_str()),
            ("username", user),
            ("password", pw),
        ])
        .send()
        .await
        .unwrap();
    Page::of(r).await
}

async fn code_form(http: &reqwest::Client, server: &Server, step: &Page, code: &str) -> Page {
    let r = http
        .post(server.url("/staff/login/totp"))
        .header("cookie", step.cookie("vigie_login").unwrap())
        .form(&[
            ("csrf", step.field("csrf").as_str()),
            ("pending", step.field("pending").as_str()),
            ("code", code),
        ])
        .send()
        .await
        .unwrap();
    Page::of(r).await
}

#[tokio::test]
async fn the_login_pages_enrol_an_authenticator_then_ask_for_its_code() {
    let server = Server::start();
    let password = server.add_staff("operator", "agent.page", "");
    let http = plain_http();

    let enrol = password_form(&http, &server, "agent.page", &password).await;
    assert_eq!(enrol.status, 200, "{}", enrol.body);
    assert_eq!(enrol.cookie("vigie_session"), None, "no session yet");
    assert!(
        !enrol.body.contains(&password),
        "the password is never sent back"
    );
    // The QR code, drawn inline with a text alternative, and the key written out.
    let svg = &enrol.body[enrol.body.find("<svg").expect("a QR code")..];
    let svg = &svg[..svg.find('>').unwrap()];
    assert!(
        svg.contains("role=\"img\"") && svg.contains("aria-label=\""),
        "{svg}"
    );
    let groups = enrol.text_of("totp-secret").expect("the key as text");
    let secret = TotpSecret::from_base32(&groups).unwrap();
    assert_eq!(groups, secret.display_groups());
    for attribute in [
        "autocomplete=\"one-time-code\"",
        "inputmode=\"numeric\"",
        "aria-describedby=\"code-hint\"",
    ] {
        assert!(enrol.body.contains(attribute), "{attribute}");
    }

    // Without the form's token, refused.
    let forged = http
        .post(server.url("/staff/login/totp"))
        .form(&[
            ("csrf", "forged"),
            ("pending", enrol.field("pending").as_str()),
            ("code", "123456"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);

    // A wrong code: the same step again, with the error linked to the field.
    let again = code_form(&http, &server, &enrol, &wrong_code(&secret)).await;
    assert_eq!(again.status, 422);
    assert_eq!(again.cookie("vigie_session"), None);
    assert!(again.body.contains("id=\"code-error\""));
    assert!(again
        .body
        .contains("aria-describedby=\"code-hint code-error\""));
    assert!(again.body.contains("aria-invalid=\"true\""));
    assert_eq!(
        again.text_of("totp-secret"),
        Some(groups.clone()),
        "same key"
    );

    let (code, step) = next_code(&secret, None).await;
    let done = code_form(&http, &server, &again, &code).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location, "/staff/console");
    let session = done.cookie("vigie_session").expect("the session");
    let console = http
        .get(server.url("/staff/console"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(console.status(), 200);
    let console = console.text().await.unwrap();
    assert!(
        console.contains("href=\"/staff/account\""),
        "My account in the header"
    );

    // The next login asks for the code only.
    let ask = password_form(&http, &server, "agent.page", &password).await;
    assert_eq!(ask.status, 200);
    assert!(!ask.body.contains("<svg"), "no secret shown again");
    assert_eq!(ask.text_of("totp-secret"), None);
    let replay = code_form(&http, &server, &ask, &code).await;
    assert_eq!(replay.status, 422, "a used code");
    let (code, _) = next_code(&secret, Some(step)).await;
    let done = code_form(&http, &server, &replay, &code).await;
    assert_eq!(done.status, 303);
    assert!(done.cookie("vigie_session").is_some());
}

#[tokio::test]
async fn my_account_page_changes_the_password_with_its_form() {
    let server = Server::start();
    let password = server.add_staff("auditor", "controle.page", "");
    let me = server.login("controle.page", &password).await;
    let other = server.login("controle.page", &password).await;
    let http = plain_http();
    let (status, page) = me.page("/staff/account").await;
    assert_eq!(status, 200);
    assert!(page.contains("controle.page"));
    assert!(page.contains("autocomplete=\"new-password\""));
    let submit = |fields: Vec<(&'static str, String)>| {
        let mut fields = fields;
        fields.push(("csrf", me.csrf.clone()));
        http.post(server.url("/staff/account"))
            .header("cookie", &me.cookie)
            .form(&fields)
            .send()
    };
    let mismatch = Page::of(
        submit(vec![
            ("current_password", password.clone()),
            ("new_password", "une phrase de passe neuve".into()),
            ("repeat_password", "une autre phrase de passe".into()),
        ])
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(mismatch.status, 422);
    assert!(mismatch.body.contains("id=\"repeat_password-error\""));
    assert!(mismatch
        .body
        .contains("aria-describedby=\"repeat_password-error\""));
    let wrong = Page::of(
        submit(vec![
            ("current_password", "pas le bon".into()),
            ("new_password", "une phrase de passe neuve".into()),
            ("repeat_password", "une phrase de passe neuve".into()),
        ])
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("id=\"current_password-error\""));
    assert!(alive(&server, &other.cookie).await);
    let ok = Page::of(
        submit(vec![
            ("current_password", password.clone()),
            ("new_password", "une phrase de passe neuve".into()),
            ("repeat_password", "une phrase de passe neuve".into()),
        ])
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert_eq!(ok.location, "/staff/account?done=password");
    let (_, page) = me.page("/staff/account?done=password").await;
    assert!(page.contains("role=\"status\""));
    assert!(!alive(&server, &other.cookie).await);
    assert!(alive(&server, &me.cookie).await);
}

#[tokio::test]
async fn the_accounts_page_shows_each_account_and_acts_with_its_forms() {
    let server = Server::start();
    let admin = server.staff("admin", "chef.page", "").await;
    let officer = server.staff("operator", "agent.liste", "").await;
    let id = account(&admin, "agent.liste").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, page) = admin.page("/staff/accounts").await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("action=\"/staff/accounts/{id}/disable\"")));
    assert!(page.contains(&format!("action=\"/staff/accounts/{id}/reset-totp\"")));
    assert!(page.contains(">activée<"), "second factor shown");
    let r = plain_http()
        .post(server.url(&format!("/staff/accounts/{id}/disable")))
        .header("cookie", &admin.cookie)
        .form(&[("csrf", admin.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/staff/accounts?done=disable");
    assert_eq!(officer.get("/api/v1/staff/me").await.0, 401);
    let (_, page) = admin.page("/staff/accounts?done=disable").await;
    assert!(page.contains(">désactivé<"));
    assert!(page.contains(&format!("action=\"/staff/accounts/{id}/enable\"")));
    assert!(page.contains("role=\"status\""));
}
