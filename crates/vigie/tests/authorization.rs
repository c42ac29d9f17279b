#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The authorization matrix: every staff page route and every staff API operation, called by
//! every role, by staff of the right role but the wrong scope (an operator who does not hold the
//! conversation, an analyst of another département, an investigator of another unit) and by
//! nobody, on real objects, through the real binary. Then the same state-changing calls without
//! (or with a forged) CSRF token, by a role that is allowed.
//!
//! The table in `rows` is the single source of truth; the test also reads the routers' source
//! and fails if a declared staff route has no row. Every mismatch is collected and listed at the
//! end, with the full grid of answers.

mod common;

use common::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::fmt::Write as _;

// --- principals ----------------------------------------------------------------------------------

/// Who calls: the six roles, three staff of an allowed role but outside the object's scope, and
/// nobody.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum P {
    Anonymous,
    Operator,
    Supervisor,
    Analyst,
    Investigator,
    Auditor,
    Admin,
    /// An operator who does not hold the conversations of the table.
    OtherOperator,
    /// An analyst of the Bouches-du-Rhône (13): the table's reports are in the Nord (59).
    CrossSud,
    /// An investigator of another unit than the one the dossier was sent to.
    OtherInvestigator,
}

use P::*;

impl P {
    const ALL: [P; 10] = [
        Anonymous,
        Operator,
        Supervisor,
        Analyst,
        Investigator,
        Auditor,
        Admin,
        OtherOperator,
        CrossSud,
        OtherInvestigator,
    ];

    fn label(self) -> &'static str {
        match self {
            Anonymous => "anonymous",
            Operator => "operator (holder)",
            Supervisor => "supervisor",
            Analyst => "analyst 59",
            Investigator => "investigator (unit)",
            Auditor => "auditor",
            Admin => "admin",
            OtherOperator => "operator (not holder)",
            CrossSud => "analyst 13 (cross.sud)",
            OtherInvestigator => "investigator (other unit)",
        }
    }

    fn short(self) -> &'static str {
        match self {
            Anonymous => "anon",
            Operator => "oper",
            Supervisor => "supv",
            Analyst => "an59",
            Investigator => "invA",
            Auditor => "audt",
            Admin => "admn",
            OtherOperator => "oper2",
            CrossSud => "an13",
            OtherInvestigator => "invB",
        }
    }

    /// Where `GET /staff` sends this principal.
    fn home(self) -> &'static str {
        match self {
            Anonymous => "/staff/login",
            Operator | OtherOperator | Supervisor => "/staff/console",
            Analyst | CrossSud => "/staff/reports",
            Investigator | OtherInvestigator => "/staff/dossiers",
            Auditor => "/staff/audit",
            Admin => "/staff/accounts",
        }
    }
}

const STAFF: &[P] = &[
    Operator,
    Supervisor,
    Analyst,
    Investigator,
    Auditor,
    Admin,
    OtherOperator,
    CrossSud,
    OtherInvestigator,
];
/// Roles that take and handle conversations.
const OFFICERS: &[P] = &[Operator, Supervisor, OtherOperator];
/// Who may touch a conversation held by the operator: the holder and the shift lead.
const HOLDER_OR_LEAD: &[P] = &[Operator, Supervisor];
const ANALYSTS: &[P] = &[Analyst, CrossSud];
const ANALYST_59: &[P] = &[Analyst];
const INVESTIGATORS: &[P] = &[Investigator, OtherInvestigator];
const THE_UNIT: &[P] = &[Investigator];
const MAP: &[P] = &[Supervisor, Analyst, CrossSud];
const STATISTICS: &[P] = &[Supervisor, Analyst, CrossSud, Auditor, Admin];
const AUDITOR: &[P] = &[Auditor];
const ADMIN: &[P] = &[Admin];
const NOBODY: &[P] = &[];
/// The shift lead: the operations board, officers' capacity.
const LEAD: &[P] = &[Supervisor];
/// Staff of the right role whom the object's scope hides: 404, as for a missing object.
const OTHER_DEPARTEMENT: &[P] = &[CrossSud];
const OTHER_UNIT: &[P] = &[OtherInvestigator];

// --- the table -----------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
    Put,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
        }
    }
}

#[derive(Debug, Clone)]
enum Body {
    None,
    Json(Value),
    /// A page form; the caller's CSRF token is added as `csrf`.
    Form(Vec<(&'static str, String)>),
    /// A WebSocket upgrade.
    Ws,
    /// The login form: its page first (for the login cookie and token), then the POST.
    LoginForm,
    /// The API login with the password alone, by the principal's own login account.
    LoginApi,
    /// The API login, then the code that confirms the enrolment it hands out.
    LoginCode,
    /// The login form, then the second step's form with the authenticator's code.
    LoginCodeForm,
}

/// What an allowed call answers.
#[derive(Debug, Clone)]
enum Allowed {
    Status(u16),
    /// 303 to a location starting with this.
    Redirect(String),
    /// 303 to the principal's home.
    Home,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Session {
    /// The principal's session of the whole test.
    Main,
    /// A session of its own, logged in for this call (logout).
    Fresh,
}

struct Row {
    /// The route as the router declares it.
    method: Method,
    route: &'static str,
    /// The concrete path; `{fresh_waiting}`, `{fresh_held}`, `{fresh_filled}` are replaced by a
    /// new conversation for each call, `{nonce}` (also in bodies) by a number.
    path: String,
    body: Body,
    /// Open to everyone, logged in or not.
    public: bool,
    allowed: &'static [P],
    /// Right role, wrong scope: 404.
    hidden: &'static [P],
    ok: Allowed,
    session: Session,
    /// What these principals must not find in an allowed answer: another scope's object, or
    /// case content where none belongs.
    secret: Option<(&'static [P], String)>,
}

impl Row {
    fn new(method: Method, route: &'static str, path: impl Into<String>) -> Row {
        Row {
            method,
            route,
            path: path.into(),
            body: Body::None,
            public: false,
            allowed: NOBODY,
            hidden: NOBODY,
            ok: Allowed::Status(200),
            session: Session::Main,
            secret: None,
        }
    }

    fn api(&self) -> bool {
        self.route.starts_with("/api/")
    }

    fn changes_state(&self) -> bool {
        self.method != Method::Get
    }

    fn expect(&self, p: P) -> Expect {
        if self.public {
            Expect::Ok(self.ok.clone())
        } else if p == Anonymous {
            if self.api() {
                Expect::Unauthorized
            } else {
                Expect::Login
            }
        } else if self.allowed.contains(&p) {
            Expect::Ok(self.ok.clone())
        } else if self.hidden.contains(&p) {
            Expect::Hidden
        } else {
            Expect::Forbidden
        }
    }
}

fn get(route: &'static str, path: impl Into<String>, allowed: &'static [P]) -> Row {
    Row {
        allowed,
        ..Row::new(Method::Get, route, path)
    }
}

fn api_json(
    method: Method,
    route: &'static str,
    path: impl Into<String>,
    body: Value,
    allowed: &'static [P],
    status: u16,
) -> Row {
    Row {
        allowed,
        body: Body::Json(body),
        ok: Allowed::Status(status),
        ..Row::new(method, route, path)
    }
}

fn form(
    route: &'static str,
    path: impl Into<String>,
    fields: &[(&'static str, &str)],
    allowed: &'static [P],
    redirect: impl Into<String>,
) -> Row {
    Row {
        allowed,
        body: Body::Form(fields.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()),
        ok: Allowed::Redirect(redirect.into()),
        ..Row::new(Method::Post, route, path)
    }
}

fn hiding(mut row: Row, hidden: &'static [P]) -> Row {
    row.hidden = hidden;
    row
}

fn without(mut row: Row, who: &'static [P], secret: impl Into<String>) -> Row {
    row.secret = Some((who, secret.into()));
    row
}

#[derive(Debug, Clone)]
enum Expect {
    Ok(Allowed),
    /// API without a session: 401, `unauthorized`.
    Unauthorized,
    /// Page without a session: 303 to the login page.
    Login,
    /// 403: a typed JSON error on the API, the error page on pages.
    Forbidden,
    /// 404, as for a missing object.
    Hidden,
}

impl std::fmt::Display for Expect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expect::Ok(Allowed::Status(s)) => write!(f, "allowed ({s})"),
            Expect::Ok(Allowed::Redirect(to)) => write!(f, "allowed (303 → {to}…)"),
            Expect::Ok(Allowed::Home) => write!(f, "allowed (303 → home)"),
            Expect::Unauthorized => write!(f, "401 unauthorized"),
            Expect::Login => write!(f, "303 → /staff/login"),
            Expect::Forbidden => write!(f, "403 forbidden"),
            Expect::Hidden => write!(f, "404 (hidden)"),
        }
    }
}

// --- calls ---------------------------------------------------------------------------------------

struct Answer {
    status: u16,
    location: String,
    content_type: String,
    body: String,
}

impl Answer {
    fn json_code(&self) -> Option<String> {
        serde_json::from_str::<Value>(&self.body)
            .ok()
            .and_then(|v| v["error"]["code"].as_str().map(str::to_owned))
    }

    fn brief(&self) -> String {
        let mut s = self.status.to_string();
        if !self.location.is_empty() {
            let _ = write!(s, " → {}", self.location);
        }
        if let Some(code) = self.json_code() {
            let _ = write!(s, " [{code}]");
        }
        s
    }

    fn matches(&self, expect: &Expect, p: P, api: bool) -> bool {
        match expect {
            Expect::Ok(Allowed::Status(s)) => self.status == *s,
            Expect::Ok(Allowed::Redirect(to)) => {
                self.status == 303 && self.location.starts_with(to)
            }
            Expect::Ok(Allowed::Home) => self.status == 303 && self.location == p.home(),
            Expect::Unauthorized => {
                self.status == 401 && self.json_code().as_deref() == Some("unauthorized")
            }
            Expect::Login => self.status == 303 && self.location == "/staff/login",
            Expect::Forbidden if api => {
                self.status == 403 && self.json_code().as_deref() == Some("forbidden")
            }
            Expect::Forbidden => {
                self.status == 403
                    && self.content_type.starts_with("text/html")
                    && self.body.contains("avez pas accès à cette page")
            }
            Expect::Hidden if api => {
                self.status == 404 && self.json_code().as_deref() == Some("not-found")
            }
            Expect::Hidden => self.status == 404,
        }
    }
}

#[derive(Clone)]
struct Creds {
    username: String,
    password: String,
    cookie: String,
    csrf: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Csrf {
    Valid,
    Missing,
    Forged,
}

fn plain_http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(40))
        .build()
        .unwrap()
}

struct Fixture {
    server: Server,
    http: reqwest::Client,
    operator: StaffClient,
    principals: Vec<(P, Option<Creds>)>,
    /// Accounts used only to exercise the public login routes, one per principal (so that no
    /// account piles up failed attempts across a row's calls).
    logins: Vec<(P, String)>,
    nonce: std::cell::Cell<u64>,
}

impl Fixture {
    fn creds(&self, p: P) -> Option<Creds> {
        self.principals
            .iter()
            .find(|(q, _)| *q == p)
            .and_then(|(_, c)| c.clone())
    }

    /// The login account a principal exercises the public login routes with, and its password.
    fn login_account(&self, p: P) -> (String, String) {
        let name = self
            .logins
            .iter()
            .find(|(q, _)| *q == p)
            .map(|(_, n)| n.clone())
            .unwrap();
        let password = format!("{name}-secret-password");
        (name, password)
    }

    fn nonce(&self) -> String {
        let n = self.nonce.get() + 1;
        self.nonce.set(n);
        n.to_string()
    }

    /// Replaces the placeholders of a path with new objects.
    async fn resolve(&self, path: &str) -> String {
        let mut path = path.replace("{nonce}", &self.nonce());
        if path.contains("{fresh_waiting}") {
            let w = self.server.witness().await;
            path = path.replace("{fresh_waiting}", &w.id);
        }
        if path.contains("{fresh_held}") {
            let w = self.server.witness().await;
            assert_eq!(self.operator.take(&w.id).await.0, 200);
            path = path.replace("{fresh_held}", &w.id);
        }
        if path.contains("{fresh_filled}") {
            let w = self.server.witness().await;
            assert_eq!(self.operator.take(&w.id).await.0, 200);
            let (status, body) = self
                .operator
                .call(
                    reqwest::Method::PUT,
                    &format!("/api/v1/staff/conversations/{}/report", w.id),
                    json!({"version": 0, "fields": lille_report()}),
                )
                .await;
            assert_eq!(status, 200, "{body}");
            path = path.replace("{fresh_filled}", &w.id);
        }
        path
    }

    async fn session_for(&self, p: P, session: Session) -> Option<Creds> {
        let main = self.creds(p)?;
        Some(match session {
            Session::Main => main,
            Session::Fresh => {
                let c = self.server.login(&main.username, &main.password).await;
                Creds {
                    cookie: c.cookie,
                    csrf: c.csrf,
                    ..main
                }
            }
        })
    }

    /// One call of a row by one principal, in the given session.
    async fn call(
        &self,
        row: &Row,
        p: P,
        csrf: Csrf,
        session: Session,
    ) -> (String, Option<Creds>, Answer) {
        let path = self.resolve(&row.path).await;
        let who = self.session_for(p, session).await;
        let url = self.server.url(&path);
        let token = match csrf {
            Csrf::Valid => who.as_ref().map(|c| c.csrf.clone()),
            Csrf::Missing => None,
            Csrf::Forged => Some("forged-token".to_owned()),
        };
        let answer = match &row.body {
            Body::Ws => ws_status(&self.server, who.as_ref()).await,
            Body::LoginForm => self.login_form(p, who.as_ref()).await.0,
            Body::LoginApi => self.login_api(p).await,
            Body::LoginCode => self.login_code(p).await,
            Body::LoginCodeForm => self.login_code_form(p, who.as_ref()).await,
            body => {
                let method = match row.method {
                    Method::Get => reqwest::Method::GET,
                    Method::Post => reqwest::Method::POST,
                    Method::Put => reqwest::Method::PUT,
                };
                let mut req = self.http.request(method, &url);
                if let Some(c) = &who {
                    req = req.header("cookie", &c.cookie);
                }
                match body {
                    Body::Json(v) => {
                        let v: Value =
                            serde_json::from_str(&v.to_string().replace("{nonce}", &self.nonce()))
                                .unwrap();
                        if let Some(t) = &token {
                            req = req.header("x-csrf-token", t);
                        }
                        req = req.json(&v);
                    }
                    Body::Form(fields) => {
                        let mut pairs: Vec<(String, String)> = fields
                            .iter()
                            .map(|(k, v)| ((*k).to_owned(), v.replace("{nonce}", &self.nonce())))
                            .collect();
                        if let Some(t) = &token {
                            pairs.push(("csrf".to_owned(), t.clone()));
                        }
                        req = req.form(&pairs);
                    }
                    _ => {}
                }
                answer(req.send().await.unwrap()).await
            }
        };
        (path, who, answer)
    }

    /// The API login with the password alone: an enrolment (202) for an account that has no
    /// second factor yet.
    async fn login_api(&self, p: P) -> Answer {
        let (username, password) = self.login_account(p);
        let r = self
            .http
            .post(self.server.url("/api/v1/staff/login"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        answer(r).await
    }

    /// The API login, then the first code of the secret it hands out; the harness remembers
    /// the authenticator for the form's second step.
    async fn login_code(&self, p: P) -> Answer {
        let (username, _) = self.login_account(p);
        let first = self.login_api(p).await;
        assert_eq!(first.status, 202, "{username}: {}", first.body);
        let body: Value = serde_json::from_str(&first.body).unwrap();
        let secret = vigie_web::totp::TotpSecret::from_base32(
            body["totp_enrolment"]["secret"].as_str().unwrap(),
        )
        .unwrap();
        let (code, step) = next_code(&secret, None).await;
        let r = self
            .http
            .post(self.server.url("/api/v1/staff/login/totp"))
            .json(&json!({"pending": body["pending"], "code": code}))
            .send()
            .await
            .unwrap();
        let a = answer(r).await;
        if a.status == 200 {
            let last_step = Some(step);
            let scope = self.server.totp_scope();
            remember_authenticator(&scope, &username, Authenticator { secret, last_step }).await;
        }
        a
    }

    /// The login form, then the second step's form with the next code of the account's
    /// authenticator (enrolled by `login_code`).
    async fn login_code_form(&self, p: P, who: Option<&Creds>) -> Answer {
        let (username, _) = self.login_account(p);
        let (first, cookie) = self.login_form(p, who).await;
        assert_eq!(first.status, 200, "{username}: {}", first.body);
        let field = |name: &str| {
            first
                .body
                .split(&format!("name=\"{name}\" value=\""))
                .nth(1)
                .unwrap_or_else(|| panic!("the second step carries {name}"))
                .split('"')
                .next()
                .unwrap()
                .to_owned()
        };
        let scope = self.server.totp_scope();
        let mut auth = authenticator(&scope, &username)
            .await
            .expect("the login account enrolled on the API");
        let (code, step) = next_code(&auth.secret, auth.last_step).await;
        let r = self
            .http
            .post(self.server.url("/staff/login/totp"))
            .header("cookie", cookie)
            .form(&[
                ("csrf", field("csrf")),
                ("pending", field("pending")),
                ("code", code),
            ])
            .send()
            .await
            .unwrap();
        let a = answer(r).await;
        if a.status == 303 {
            auth.last_step = Some(step);
            remember_authenticator(&scope, &username, auth).await;
        }
        a
    }

    /// The login form, as a browser fills it: its page sets the login cookie and token. Returns
    /// the answer and the cookies to send with the second step (the page's new login cookie).
    async fn login_form(&self, p: P, who: Option<&Creds>) -> (Answer, String) {
        let (username, password) = self.login_account(p);
        let r = self
            .http
            .get(self.server.url("/staff/login"))
            .send()
            .await
            .unwrap();
        let login_cookie = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.starts_with("vigie_login="))
            .expect("the login page sets its cookie");
        let login_cookie = login_cookie.split(';').next().unwrap().to_owned();
        let page = r.text().await.unwrap();
        let token = page
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .expect("the login form carries a token")
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        let cookie = match who {
            Some(c) => format!("{}; {login_cookie}", c.cookie),
            None => login_cookie,
        };
        let r = self
            .http
            .post(self.server.url("/staff/login"))
            .header("cookie", cookie)
            .form(&[
                ("csrf", token.as_str()),
                ("username", username.as_str()),
                ("password", password.as_str()),
            ])
            .send()
            .await
            .unwrap();
        // The second step's page sets a login cookie of its own.
        let next_login_cookie = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.starts_with("vigie_login="))
            .map(|c| c.split(';').next().unwrap().to_owned())
            .unwrap_or_default();
        let cookie = match who {
            Some(c) => format!("{}; {next_login_cookie}", c.cookie),
            None => next_login_cookie,
        };
        (answer(r).await, cookie)
    }

    /// Whether a session still works.
    async fn alive(&self, c: &Creds) -> bool {
        let r = self
            .http
            .get(self.server.url("/api/v1/staff/me"))
            .header("cookie", &c.cookie)
            .send()
            .await
            .unwrap();
        r.status() == 200
    }
}

/// Every answer of every route, to every principal, carries the browser-hygiene headers.
fn check_security_headers(r: &reqwest::Response) {
    let h = r.headers();
    let url = r.url().path();
    let get = |name: &str| {
        h.get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    let csp = get("content-security-policy");
    for part in [
        "default-src 'none'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(part), "{url}: CSP without {part}: {csp}");
    }
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("http"),
        "{url}: {csp}"
    );
    assert_eq!(get("referrer-policy"), "no-referrer", "{url}");
    let pp = get("permissions-policy");
    for part in ["geolocation=()", "camera=()", "microphone=()"] {
        assert!(pp.contains(part), "{url}: {pp}");
    }
    assert_eq!(get("x-frame-options"), "DENY", "{url}");
    assert_eq!(get("x-content-type-options"), "nosniff", "{url}");
    assert!(get("cache-control").contains("no-store"), "{url}: cached");
}

async fn answer(r: reqwest::Response) -> Answer {
    check_security_headers(&r);
    let status = r.status().as_u16();
    let header = |name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap_or_default().to_owned())
            .unwrap_or_default()
    };
    let location = header("location");
    let content_type = header("content-type");
    let body = if content_type.starts_with("application/pdf") {
        String::new()
    } else {
        String::from_utf8_lossy(&r.bytes().await.unwrap()).into_owned()
    };
    Answer {
        status,
        location,
        content_type,
        body,
    }
}

/// Opens the staff WebSocket: 101 when upgraded, else the refusal's status and body.
async fn ws_status(server: &Server, who: Option<&Creds>) -> Answer {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::Error;
    let mut request = format!("ws://{}/api/v1/staff/ws", server.addr)
        .into_client_request()
        .unwrap();
    if let Some(c) = who {
        request
            .headers_mut()
            .insert("cookie", c.cookie.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((mut ws, response)) => {
            let _ = ws.close(None).await;
            Answer {
                status: response.status().as_u16(),
                location: String::new(),
                content_type: String::new(),
                body: String::new(),
            }
        }
        Err(Error::Http(response)) => Answer {
            status: response.status().as_u16(),
            location: String::new(),
            content_type: response
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default(),
            body: response
                .body()
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default(),
        },
        Err(e) => panic!("WebSocket: {e}"),
    }
}

// --- setup ---------------------------------------------------------------------------------------

/// Case content: the place in the reports, and the point de deal's label.
const CONTENT: &str = "Tilleuls";
const SURETE: &str = "Sûreté départementale du Nord";
const BRIGADE: &str = "Brigade des stupéfiants de Lille";

async fn post_form(who: &StaffClient, path: &str, fields: &[(&str, &str)]) -> Answer {
    let mut pairs = fields.to_vec();
    pairs.push(("csrf", who.csrf.as_str()));
    let r = plain_http()
        .post(format!("{}{path}", who.base))
        .header("cookie", &who.cookie)
        .form(&pairs)
        .send()
        .await
        .unwrap();
    answer(r).await
}

async fn create_unit(admin: &StaffClient, name: &str, kind: &str, deps: &str) -> String {
    let a = post_form(
        admin,
        "/staff/units",
        &[("name", name), ("kind", kind), ("departements", deps)],
    )
    .await;
    assert_eq!(a.status, 303, "create unit {name}: {}", a.body);
    a.location
        .split("created=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned()
}

fn add_investigator(server: &Server, username: &str, unit: &str) -> String {
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
    password
}

/// A conversation in Lille where the witness wrote once, taken, filled and qualified by the
/// operator. Returns the report id and the message's sequence number.
async fn qualified(server: &Server, operator: &StaffClient) -> (String, String) {
    let witness = server.witness().await;
    let (status, sent) = witness
        .send("w-1", "Ils vendent dans le hall B tous les soirs")
        .await;
    assert_eq!(status, 201, "{sent}");
    let seq = sent["seq"].as_u64().unwrap().to_string();
    assert_eq!(operator.take(&witness.id).await.0, 200);
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
    let id = match body["report"]["id"].as_str() {
        Some(id) => id.to_owned(),
        None => {
            let (_, case) = operator
                .get(&format!("/api/v1/staff/conversations/{}", witness.id))
                .await;
            case["report"]["id"].as_str().unwrap().to_owned()
        }
    };
    (id, seq)
}

/// The first `<prefix><uuid>` of a page.
fn uuid_after(html: &str, prefix: &str) -> Option<String> {
    html.match_indices(prefix).find_map(|(i, m)| {
        let id: String = html[i + m.len()..].chars().take(36).collect();
        (id.len() == 36 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')).then_some(id)
    })
}

fn creds(c: &StaffClient, username: &str) -> Creds {
    Creds {
        username: username.to_owned(),
        password: format!("{username}-secret-password"),
        cookie: c.cookie.clone(),
        csrf: c.csrf.clone(),
    }
}

struct Ids {
    /// A conversation held by the operator.
    held: String,
    /// A photo its witness sent.
    photo: String,
    /// Concluded (corroborated), disseminated to the unit; the chain's forms act on it.
    report: String,
    /// Qualified, for the API's analysis operations.
    report_api: String,
    /// Qualified, for the pages' analysis forms.
    report_page: String,
    unit_b: String,
    dossier: String,
    point: String,
    /// An operator's account the admin's actions act on.
    target: String,
    /// Canned replies: one the admin changes, one the admin deletes.
    canned: String,
    canned_gone: String,
}

async fn setup() -> (Fixture, Ids) {
    let server = Server::start();
    let operator = server.staff("operator", "m.operator", "").await;
    let operator2 = server.staff("operator", "m.operator2", "").await;
    let supervisor = server.staff("supervisor", "m.supervisor", "").await;
    let analyst = server.staff("analyst", "m.analyst", "59").await;
    let cross_sud = server.staff("analyst", "cross.sud", "13").await;
    let auditor = server.staff("auditor", "m.auditor", "").await;
    let admin = server.staff("admin", "m.admin", "").await;
    // One account per principal for the public login routes; and one for the admin's actions.
    let logins: Vec<(P, String)> = P::ALL
        .iter()
        .map(|p| {
            let name = format!("m.login.{}", p.short());
            server.add_staff("auditor", &name, "");
            (*p, name)
        })
        .collect();
    server.add_staff("operator", "m.target", "");

    // Two units serve the Nord; one investigator in each.
    let unit_a = create_unit(&admin, SURETE, "surete_departementale", "59").await;
    let unit_b = create_unit(&admin, BRIGADE, "drug_squad", "59").await;
    let inv_password = add_investigator(&server, "m.investigator", SURETE);
    let investigator = server.login("m.investigator", &inv_password).await;
    let other_password = add_investigator(&server, "m.investigator2", BRIGADE);
    let other_investigator = server.login("m.investigator2", &other_password).await;

    // A conversation the operator holds.
    let held = server.witness().await;
    held.send("h-1", "Bonjour, je veux signaler un point de vente")
        .await;
    assert_eq!(operator.take(&held.id).await.0, 200);
    let photo = send_photo(&held).await;

    // Three qualified reports in the Nord.
    let (report, seq) = qualified(&server, &operator).await;
    let (report_api, _) = qualified(&server, &operator).await;
    let (report_page, _) = qualified(&server, &operator).await;

    // The first is graded, checked, concluded, gets a point de deal and is sent to the unit.
    let base = format!("/api/v1/staff/reports/{report}");
    for (path, body) in [
        (
            "grading",
            json!({"source": "F", "credibility": "3", "handling": "H2", "assessment": "Lieu connu."}),
        ),
        (
            "checks",
            json!({"kind": "patrol", "result": "Guetteurs observés vendredi soir."}),
        ),
        ("conclusion", json!({"conclusion": "corroborated"})),
    ] {
        let (status, body) = analyst.post(&format!("{base}/{path}"), body).await;
        assert!(status == 200 || status == 201, "{path}: {status} {body}");
    }
    let a = post_form(
        &analyst,
        &format!("/staff/reports/{report}/chain/point-create"),
        &[("label", "Résidence des Tilleuls, hall B")],
    )
    .await;
    assert_eq!(a.status, 303, "point-create: {}", a.body);
    let a = post_form(
        &analyst,
        &format!("/staff/reports/{report}/chain/disseminate"),
        &[("unit", &unit_a), ("excerpts", &seq)],
    )
    .await;
    assert_eq!(a.status, 303, "disseminate: {}", a.body);
    let (_, page) = analyst.page(&format!("/staff/reports/{report}")).await;
    let point = uuid_after(&page, "/staff/points/").expect("the report links its point de deal");
    let (status, list) = investigator.page("/staff/dossiers").await;
    assert_eq!(status, 200);
    let dossier = uuid_after(&list, "/staff/dossiers/").expect("the unit lists the dossier");

    // Conversations waiting for `take-next`.
    for _ in 0..3 {
        server.witness().await;
    }

    // Two canned replies.
    let mut canned = Vec::new();
    for title in ["Bonjour", "Au revoir"] {
        let a = post_form(
            &admin,
            "/staff/canned",
            &[
                ("locale", "fr"),
                ("title", title),
                ("body", "Texte de la matrice"),
            ],
        )
        .await;
        assert_eq!(a.status, 303, "create canned reply: {}", a.body);
        canned.push(a.location.split("created=").nth(1).unwrap().to_owned());
    }

    let principals = vec![
        (Anonymous, None),
        (Operator, Some(creds(&operator, "m.operator"))),
        (Supervisor, Some(creds(&supervisor, "m.supervisor"))),
        (Analyst, Some(creds(&analyst, "m.analyst"))),
        (Investigator, Some(creds(&investigator, "m.investigator"))),
        (Auditor, Some(creds(&auditor, "m.auditor"))),
        (Admin, Some(creds(&admin, "m.admin"))),
        (OtherOperator, Some(creds(&operator2, "m.operator2"))),
        (CrossSud, Some(creds(&cross_sud, "cross.sud"))),
        (
            OtherInvestigator,
            Some(creds(&other_investigator, "m.investigator2")),
        ),
    ];
    let fixture = Fixture {
        http: plain_http(),
        operator,
        principals,
        logins,
        nonce: std::cell::Cell::new(0),
        server,
    };
    let (status, list) = admin.get("/api/v1/staff/accounts").await;
    assert_eq!(status, 200, "{list}");
    let target = list["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == "m.target")
        .and_then(|a| a["id"].as_str())
        .unwrap()
        .to_owned();
    let ids = Ids {
        target,
        held: held.id.clone(),
        photo,
        report,
        report_api,
        report_page,
        unit_b,
        dossier,
        point,
        canned_gone: canned.pop().unwrap(),
        canned: canned.pop().unwrap(),
    };
    (fixture, ids)
}

/// A small JPEG sent by `witness` into its conversation; its photo id.
async fn send_photo(witness: &WitnessClient) -> String {
    let mut jpeg = std::io::Cursor::new(Vec::new());
    image::RgbImage::from_pixel(16, 12, image::Rgb([90, 120, 200]))
        .write_to(&mut jpeg, image::ImageFormat::Jpeg)
        .unwrap();
    let r = witness
        .http
        .post(format!(
            "{}/api/v1/witness/photos?client_id=h-photo",
            witness.base
        ))
        .bearer_auth(&witness.token)
        .header("content-type", "image/jpeg")
        .body(jpeg.into_inner())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    body["photo"].as_str().unwrap().to_owned()
}

// --- the table -----------------------------------------------------------------------------------

fn rows(ids: &Ids) -> Vec<Row> {
    use Method::{Post, Put};
    let held = &ids.held;
    let conv = format!("/api/v1/staff/conversations/{held}");
    let r = &ids.report;
    let r_api = format!("/api/v1/staff/reports/{}", ids.report_api);
    let r_page = &ids.report_page;
    let d = &ids.dossier;
    let pt = &ids.point;
    let unit_b = &ids.unit_b;
    let account = format!("/api/v1/staff/accounts/{}", ids.target);
    let account_page = format!("/staff/accounts/{}", ids.target);
    let retention = [
        ("days-redirected_emergency", "365"),
        ("days-out_of_scope", "365"),
        ("days-rejected", "365"),
        ("days-unconfirmed", "365"),
        ("days-closed", "365"),
    ];
    vec![
        // ---- the JSON API: crates/vigie-web/src/staff/mod.rs ----
        // The password alone: the account has no second factor yet, so it is handed a secret
        // to enrol (202, no session); then the code that confirms it opens the session.
        Row {
            public: true,
            body: Body::LoginApi,
            ok: Allowed::Status(202),
            ..Row::new(Post, "/api/v1/staff/login", "/api/v1/staff/login")
        },
        Row {
            public: true,
            body: Body::LoginCode,
            ..Row::new(Post, "/api/v1/staff/login/totp", "/api/v1/staff/login/totp")
        },
        Row {
            session: Session::Fresh,
            ..api_json(
                Post,
                "/api/v1/staff/logout",
                "/api/v1/staff/logout",
                json!({}),
                STAFF,
                200,
            )
        },
        get("/api/v1/staff/me", "/api/v1/staff/me", STAFF),
        // A wrong current password: allowed to try, refused (nothing changes for the matrix).
        api_json(
            Post,
            "/api/v1/staff/me/password",
            "/api/v1/staff/me/password",
            json!({"current_password": "not-the-password", "new_password": "a new password of the matrix"}),
            STAFF,
            422,
        ),
        get("/api/v1/staff/queue", "/api/v1/staff/queue", OFFICERS),
        get(
            "/api/v1/staff/canned",
            "/api/v1/staff/canned?locale=fr",
            OFFICERS,
        ),
        get("/api/v1/staff/board", "/api/v1/staff/board", LEAD),
        // Nothing is on offer to anyone in the fixture: allowed, and answered "offer gone".
        api_json(
            Post,
            "/api/v1/staff/offers/{id}/accept",
            format!("/api/v1/staff/offers/{held}/accept"),
            json!({}),
            OFFICERS,
            409,
        ),
        api_json(
            Post,
            "/api/v1/staff/offers/{id}/decline",
            format!("/api/v1/staff/offers/{held}/decline"),
            json!({}),
            OFFICERS,
            409,
        ),
        // Without its note the handover is refused, after the holder-or-lead check.
        api_json(
            Post,
            "/api/v1/staff/conversations/{id}/handover",
            format!("{conv}/handover"),
            json!({"to": null, "note": ""}),
            HOLDER_OR_LEAD,
            422,
        ),
        api_json(
            Post,
            "/api/v1/staff/handovers/{id}/acknowledge",
            "/api/v1/staff/handovers/999999/acknowledge",
            json!({}),
            OFFICERS,
            404,
        ),
        // An unknown duty: allowed to try, refused (a real change would put the fixture's
        // officers under dispatch, which needs their live console).
        api_json(
            Post,
            "/api/v1/staff/me/duty",
            "/api/v1/staff/me/duty",
            json!({"duty": "asleep"}),
            OFFICERS,
            422,
        ),
        api_json(
            Post,
            "/api/v1/staff/officers/{id}/capacity",
            format!("/api/v1/staff/officers/{}/capacity", ids.target),
            json!({"capacity": 4}),
            LEAD,
            200,
        ),
        api_json(
            Post,
            "/api/v1/staff/queue/take-next",
            "/api/v1/staff/queue/take-next",
            json!({}),
            OFFICERS,
            200,
        ),
        without(
            get(
                "/api/v1/staff/conversations",
                "/api/v1/staff/conversations",
                OFFICERS,
            ),
            &[OtherOperator],
            held.clone(),
        ),
        get(
            "/api/v1/staff/conversations/{id}",
            conv.clone(),
            HOLDER_OR_LEAD,
        ),
        api_json(
            Post,
            "/api/v1/staff/conversations/{id}/take",
            "/api/v1/staff/conversations/{fresh_waiting}/take",
            json!({}),
            OFFICERS,
            200,
        ),
        get(
            "/api/v1/staff/conversations/{id}/events",
            format!("{conv}/events?after=0"),
            HOLDER_OR_LEAD,
        ),
        api_json(
            Post,
            "/api/v1/staff/conversations/{id}/messages",
            format!("{conv}/messages"),
            json!({"client_id": "matrix-{nonce}", "body": "Pouvez-vous préciser l'heure ?"}),
            HOLDER_OR_LEAD,
            201,
        ),
        api_json(
            Post,
            "/api/v1/staff/conversations/{id}/notes",
            format!("{conv}/notes"),
            json!({"body": "Note interne de la matrice"}),
            HOLDER_OR_LEAD,
            201,
        ),
        api_json(
            Put,
            "/api/v1/staff/conversations/{id}/report",
            "/api/v1/staff/conversations/{fresh_held}/report",
            json!({"version": 0, "fields": lille_report()}),
            HOLDER_OR_LEAD,
            200,
        ),
        api_json(
            Post,
            "/api/v1/staff/conversations/{id}/qualify",
            "/api/v1/staff/conversations/{fresh_filled}/qualify",
            json!({}),
            HOLDER_OR_LEAD,
            200,
        ),
        api_json(
            Post,
            "/api/v1/staff/conversations/{id}/close",
            "/api/v1/staff/conversations/{fresh_held}/close",
            json!({"outcome": "out_of_scope", "reason": "Contenu en ligne : PHAROS"}),
            HOLDER_OR_LEAD,
            200,
        ),
        api_json(
            Post,
            "/api/v1/staff/conversations/{id}/block",
            "/api/v1/staff/conversations/{fresh_held}/block",
            json!({"reason": "Insultes répétées"}),
            HOLDER_OR_LEAD,
            200,
        ),
        get(
            "/api/v1/staff/communes",
            "/api/v1/staff/communes?q=lille",
            STAFF,
        ),
        without(
            get("/api/v1/staff/reports", "/api/v1/staff/reports", ANALYSTS),
            OTHER_DEPARTEMENT,
            r.clone(),
        ),
        hiding(
            get(
                "/api/v1/staff/reports/{id}",
                format!("/api/v1/staff/reports/{r}"),
                ANALYST_59,
            ),
            OTHER_DEPARTEMENT,
        ),
        hiding(
            api_json(
                Post,
                "/api/v1/staff/reports/{id}/grading",
                format!("{r_api}/grading"),
                json!({"source": "F", "credibility": "3", "handling": "H2", "assessment": ""}),
                ANALYST_59,
                200,
            ),
            OTHER_DEPARTEMENT,
        ),
        hiding(
            api_json(
                Post,
                "/api/v1/staff/reports/{id}/checks",
                format!("{r_api}/checks"),
                json!({"kind": "patrol", "result": "Rien de visible mardi."}),
                ANALYST_59,
                201,
            ),
            OTHER_DEPARTEMENT,
        ),
        hiding(
            api_json(
                Post,
                "/api/v1/staff/reports/{id}/conclusion",
                format!("{r_api}/conclusion"),
                json!({"conclusion": "corroborated"}),
                ANALYST_59,
                200,
            ),
            OTHER_DEPARTEMENT,
        ),
        without(
            get("/api/v1/staff/audit", "/api/v1/staff/audit", AUDITOR),
            AUDITOR,
            CONTENT,
        ),
        without(
            get("/api/v1/staff/accounts", "/api/v1/staff/accounts", ADMIN),
            ADMIN,
            CONTENT,
        ),
        api_json(
            Post,
            "/api/v1/staff/accounts/{id}/disable",
            format!("{account}/disable"),
            json!({}),
            ADMIN,
            200,
        ),
        api_json(
            Post,
            "/api/v1/staff/accounts/{id}/enable",
            format!("{account}/enable"),
            json!({}),
            ADMIN,
            200,
        ),
        api_json(
            Post,
            "/api/v1/staff/accounts/{id}/revoke-sessions",
            format!("{account}/revoke-sessions"),
            json!({}),
            ADMIN,
            200,
        ),
        api_json(
            Post,
            "/api/v1/staff/accounts/{id}/reset-totp",
            format!("{account}/reset-totp"),
            json!({}),
            ADMIN,
            200,
        ),
        Row {
            body: Body::Ws,
            ok: Allowed::Status(101),
            ..get("/api/v1/staff/ws", "/api/v1/staff/ws", OFFICERS)
        },
        // ---- pages: crates/vigie-web/src/pages/mod.rs and pages/staff.rs ----
        Row {
            ok: Allowed::Home,
            ..get("/staff", "/staff", STAFF)
        },
        Row {
            public: true,
            ..get("/staff/login", "/staff/login", NOBODY)
        },
        // The password is right: the second step's page (200), no session yet.
        Row {
            public: true,
            body: Body::LoginForm,
            ..Row::new(Post, "/staff/login", "/staff/login")
        },
        // ---- pages/accounts.rs ----
        Row {
            public: true,
            body: Body::LoginCodeForm,
            ok: Allowed::Redirect("/staff/audit".into()),
            ..Row::new(Post, "/staff/login/totp", "/staff/login/totp")
        },
        without(
            get("/staff/account", "/staff/account", STAFF),
            STAFF,
            CONTENT,
        ),
        Row {
            allowed: STAFF,
            body: Body::Form(vec![
                ("current_password", "not-the-password".to_owned()),
                ("new_password", "a new password of the matrix".to_owned()),
                ("repeat_password", "a new password of the matrix".to_owned()),
            ]),
            ok: Allowed::Status(422),
            ..Row::new(Post, "/staff/account", "/staff/account")
        },
        Row {
            session: Session::Fresh,
            ..form("/staff/logout", "/staff/logout", &[], STAFF, "/staff/login")
        },
        Row {
            public: true,
            ok: Allowed::Redirect("/staff/reports".into()),
            ..get(
                "/staff/lang/{to}",
                "/staff/lang/en?back=/staff/reports",
                NOBODY,
            )
        },
        get("/staff/console", "/staff/console", OFFICERS),
        // ---- pages/board.rs ----
        get("/staff/board", "/staff/board", LEAD),
        form(
            "/staff/conversations/{id}/handover",
            format!("/staff/conversations/{held}/handover"),
            &[("to", ""), ("note", "")],
            HOLDER_OR_LEAD,
            format!(
                "/staff/conversations/{held}?handover_error=handover-note-required#handover-title"
            ),
        ),
        Row {
            allowed: OFFICERS,
            body: Body::Form(vec![]),
            ok: Allowed::Status(404),
            ..Row::new(
                Method::Post,
                "/staff/handovers/{id}/acknowledge",
                "/staff/handovers/999999/acknowledge",
            )
        },
        Row {
            allowed: OFFICERS,
            body: Body::Form(vec![("duty", "asleep".to_owned())]),
            ok: Allowed::Status(422),
            ..Row::new(Method::Post, "/staff/duty", "/staff/duty")
        },
        form(
            "/staff/officers/{id}/capacity",
            format!("/staff/officers/{}/capacity", ids.target),
            &[("capacity", "4")],
            LEAD,
            "/staff/board",
        ),
        // ---- pages/roster.rs ----
        get("/staff/roster", "/staff/roster", LEAD),
        // An unknown officer: refused with the form again, nothing written.
        Row {
            allowed: LEAD,
            body: Body::Form(vec![
                ("staff", "nobody".to_owned()),
                ("date", "2030-01-01".to_owned()),
                ("start", "08:00".to_owned()),
                ("end", "16:00".to_owned()),
            ]),
            ok: Allowed::Status(422),
            ..Row::new(Method::Post, "/staff/roster", "/staff/roster")
        },
        Row {
            allowed: LEAD,
            body: Body::Form(vec![]),
            ok: Allowed::Status(404),
            ..Row::new(
                Method::Post,
                "/staff/roster/{id}/delete",
                "/staff/roster/999999/delete",
            )
        },
        get(
            "/staff/conversations/{id}",
            format!("/staff/conversations/{held}"),
            HOLDER_OR_LEAD,
        ),
        // A photo is case content: whoever may read its conversation, no one else.
        get(
            "/staff/photos/{id}",
            format!("/staff/photos/{}", ids.photo),
            HOLDER_OR_LEAD,
        ),
        without(
            get("/staff/reports", "/staff/reports", ANALYSTS),
            OTHER_DEPARTEMENT,
            r.clone(),
        ),
        hiding(
            get(
                "/staff/reports/{id}",
                format!("/staff/reports/{r}"),
                ANALYST_59,
            ),
            OTHER_DEPARTEMENT,
        ),
        hiding(
            form(
                "/staff/reports/{id}/{action}",
                format!("/staff/reports/{r_page}/grading"),
                &[
                    ("source", "F"),
                    ("credibility", "3"),
                    ("handling", "H1"),
                    ("assessment", ""),
                ],
                ANALYST_59,
                format!("/staff/reports/{r_page}"),
            ),
            OTHER_DEPARTEMENT,
        ),
        hiding(
            form(
                "/staff/reports/{id}/{action}",
                format!("/staff/reports/{r_page}/checks"),
                &[("kind", "patrol"), ("result", "Vu deux guetteurs.")],
                ANALYST_59,
                format!("/staff/reports/{r_page}"),
            ),
            OTHER_DEPARTEMENT,
        ),
        hiding(
            form(
                "/staff/reports/{id}/{action}",
                format!("/staff/reports/{r_page}/conclusion"),
                &[("conclusion", "corroborated")],
                ANALYST_59,
                format!("/staff/reports/{r_page}"),
            ),
            OTHER_DEPARTEMENT,
        ),
        without(
            get("/staff/audit", "/staff/audit", AUDITOR),
            AUDITOR,
            CONTENT,
        ),
        without(
            get("/staff/accounts", "/staff/accounts", ADMIN),
            ADMIN,
            CONTENT,
        ),
        form(
            "/staff/accounts/{id}/{action}",
            format!("{account_page}/disable"),
            &[],
            ADMIN,
            "/staff/accounts?done=disable",
        ),
        form(
            "/staff/accounts/{id}/{action}",
            format!("{account_page}/enable"),
            &[],
            ADMIN,
            "/staff/accounts?done=enable",
        ),
        form(
            "/staff/accounts/{id}/{action}",
            format!("{account_page}/revoke-sessions"),
            &[],
            ADMIN,
            "/staff/accounts?done=revoke-sessions",
        ),
        form(
            "/staff/accounts/{id}/{action}",
            format!("{account_page}/reset-totp"),
            &[],
            ADMIN,
            "/staff/accounts?done=reset-totp",
        ),
        // ---- pages/admin.rs ----
        get("/staff/units", "/staff/units", ADMIN),
        form(
            "/staff/units",
            "/staff/units",
            &[
                ("name", "Unité de la matrice {nonce}"),
                ("kind", "customs"),
                ("departements", "13"),
            ],
            ADMIN,
            "/staff/units?created=",
        ),
        get("/staff/units/{id}", format!("/staff/units/{unit_b}"), ADMIN),
        form(
            "/staff/units/{id}/routing",
            format!("/staff/units/{unit_b}/routing"),
            &[("departements", "59")],
            ADMIN,
            format!("/staff/units/{unit_b}"),
        ),
        get("/staff/retention", "/staff/retention", ADMIN),
        form(
            "/staff/retention",
            "/staff/retention",
            &retention,
            ADMIN,
            "/staff/retention",
        ),
        // ---- pages/canned.rs ----
        get("/staff/canned", "/staff/canned", ADMIN),
        form(
            "/staff/canned",
            "/staff/canned",
            &[
                ("locale", "en"),
                ("title", "Matrix {nonce}"),
                ("body", "Hello from the matrix"),
                ("position", "3"),
            ],
            ADMIN,
            "/staff/canned?created=",
        ),
        get(
            "/staff/canned/{id}",
            format!("/staff/canned/{}", ids.canned),
            ADMIN,
        ),
        form(
            "/staff/canned/{id}",
            format!("/staff/canned/{}", ids.canned),
            &[
                ("locale", "fr"),
                ("title", "Bonjour {nonce}"),
                ("body", "Texte changé par la matrice"),
                ("position", "1"),
            ],
            ADMIN,
            "/staff/canned?saved=",
        ),
        form(
            "/staff/canned/{id}/delete",
            format!("/staff/canned/{}/delete", ids.canned_gone),
            &[],
            ADMIN,
            "/staff/canned?deleted=1",
        ),
        // ---- pages/chain.rs (before the dossier is acknowledged; close comes last) ----
        hiding(
            get(
                "/staff/reports/{id}/disseminate",
                format!("/staff/reports/{r}/disseminate"),
                ANALYST_59,
            ),
            OTHER_DEPARTEMENT,
        ),
        hiding(
            form(
                "/staff/reports/{id}/chain/{action}",
                format!("/staff/reports/{r}/chain/disseminate"),
                &[("unit", unit_b)],
                ANALYST_59,
                format!("/staff/reports/{r}"),
            ),
            OTHER_DEPARTEMENT,
        ),
        hiding(
            form(
                "/staff/reports/{id}/chain/{action}",
                format!("/staff/reports/{r}/chain/follow-up"),
                &[("question", "Les vendeurs arrivent-ils en scooter ?")],
                ANALYST_59,
                format!("/staff/reports/{r}"),
            ),
            OTHER_DEPARTEMENT,
        ),
        hiding(
            form(
                "/staff/reports/{id}/chain/{action}",
                format!("/staff/reports/{r}/chain/point-create"),
                &[("label", "Parking du centre commercial {nonce}")],
                ANALYST_59,
                format!("/staff/reports/{r}"),
            ),
            OTHER_DEPARTEMENT,
        ),
        hiding(
            form(
                "/staff/reports/{id}/chain/{action}",
                format!("/staff/reports/{r_page}/chain/point-link"),
                &[("point", pt)],
                ANALYST_59,
                format!("/staff/reports/{r_page}"),
            ),
            OTHER_DEPARTEMENT,
        ),
        hiding(
            get(
                "/staff/points/{id}",
                format!("/staff/points/{pt}"),
                ANALYST_59,
            ),
            OTHER_DEPARTEMENT,
        ),
        hiding(
            form(
                "/staff/points/{id}/status",
                format!("/staff/points/{pt}/status"),
                &[("status", "moved")],
                ANALYST_59,
                format!("/staff/points/{pt}"),
            ),
            OTHER_DEPARTEMENT,
        ),
        // Points de deal only for the analysts of their département; no case content.
        without(
            get("/staff/map", "/staff/map", MAP),
            &[Supervisor, CrossSud],
            CONTENT,
        ),
        without(
            get("/staff/statistics", "/staff/statistics", STATISTICS),
            STATISTICS,
            CONTENT,
        ),
        // ---- pages/dossiers.rs ----
        without(
            get("/staff/dossiers", "/staff/dossiers", INVESTIGATORS),
            OTHER_UNIT,
            d.clone(),
        ),
        hiding(
            get(
                "/staff/dossiers/{id}",
                format!("/staff/dossiers/{d}"),
                THE_UNIT,
            ),
            OTHER_UNIT,
        ),
        hiding(
            form(
                "/staff/dossiers/{id}/acknowledge",
                format!("/staff/dossiers/{d}/acknowledge"),
                &[],
                THE_UNIT,
                format!("/staff/dossiers/{d}"),
            ),
            OTHER_UNIT,
        ),
        hiding(
            form(
                "/staff/dossiers/{id}/outcomes",
                format!("/staff/dossiers/{d}/outcomes"),
                &[("kind", "arrests"), ("count", "3")],
                THE_UNIT,
                format!("/staff/dossiers/{d}"),
            ),
            OTHER_UNIT,
        ),
        hiding(
            get(
                "/staff/dossiers/{id}/pdf",
                format!("/staff/dossiers/{d}/pdf"),
                THE_UNIT,
            ),
            OTHER_UNIT,
        ),
        hiding(
            get(
                "/staff/disseminations/{id}/pdf",
                format!("/staff/disseminations/{d}/pdf"),
                ANALYST_59,
            ),
            OTHER_DEPARTEMENT,
        ),
        without(
            get("/staff/reports.csv", "/staff/reports.csv", ANALYSTS),
            OTHER_DEPARTEMENT,
            r.clone(),
        ),
        // ---- destructive, last: closing the report after the unit's outcome ----
        hiding(
            form(
                "/staff/reports/{id}/chain/{action}",
                format!("/staff/reports/{r}/chain/close"),
                &[],
                ANALYST_59,
                format!("/staff/reports/{r}"),
            ),
            OTHER_DEPARTEMENT,
        ),
    ]
}

/// The staff routes the routers declare, as (method, path), read from their source.
fn declared_routes() -> BTreeSet<(String, String)> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../vigie-web/src");
    let mut routes = BTreeSet::new();
    for file in [
        "staff/mod.rs",
        "pages/mod.rs",
        "pages/staff.rs",
        "pages/accounts.rs",
        "pages/admin.rs",
        "pages/board.rs",
        "pages/canned.rs",
        "pages/dossiers.rs",
        "pages/chain.rs",
        "pages/roster.rs",
    ] {
        let text = std::fs::read_to_string(src.join(file)).unwrap();
        for (at, _) in text.match_indices(".route(") {
            // The call's arguments, up to its closing parenthesis.
            let rest = &text[at + ".route(".len()..];
            let mut depth = 1;
            let end = rest
                .char_indices()
                .find(|(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .unwrap()
                .0;
            let args = &rest[..end];
            let path = args.split('"').nth(1).unwrap().to_owned();
            for method in ["get", "post", "put", "patch", "delete"] {
                let called = args.match_indices(&format!("{method}(")).any(|(i, _)| {
                    i == 0
                        || !args.as_bytes()[i - 1].is_ascii_alphanumeric()
                            && args.as_bytes()[i - 1] != b'_'
                });
                if called {
                    routes.insert((method.to_ascii_uppercase(), path.clone()));
                }
            }
        }
    }
    // The witness page is not a staff route.
    routes.remove(&("GET".to_owned(), "/".to_owned()));
    routes.remove(&("POST".to_owned(), "/".to_owned()));
    routes
}

#[tokio::test]
async fn every_role_on_every_staff_route_and_operation() {
    let (fx, ids) = setup().await;
    let rows = rows(&ids);
    let mut mismatches: Vec<String> = Vec::new();

    // The table covers every route the routers declare, and nothing else.
    let declared = declared_routes();
    let covered: BTreeSet<(String, String)> = rows
        .iter()
        .map(|r| (r.method.as_str().to_owned(), r.route.to_owned()))
        .collect();
    for (m, p) in declared.difference(&covered) {
        mismatches.push(format!(
            "route {m} {p} is declared but has no row in the matrix"
        ));
    }
    println!("{} staff routes declared", declared.len());
    for (m, p) in covered.difference(&declared) {
        mismatches.push(format!("row {m} {p} matches no declared route"));
    }

    // Without the CSRF token, or with a forged one, a state change is refused even for a role
    // that may make it (before the matrix, so that nothing has moved yet).
    let mut csrf_cells = 0;
    for row in rows
        .iter()
        .filter(|r| r.changes_state() && !r.public && !r.allowed.is_empty())
    {
        let p = row.allowed[0];
        for mode in [Csrf::Missing, Csrf::Forged] {
            // In the principal's main session: a refused call must leave it alive. (A fresh
            // login per call would spend a second-factor step each time, and wait for the clock.)
            let (path, who, a) = fx.call(row, p, mode, Session::Main).await;
            csrf_cells += 1;
            if !a.matches(&Expect::Forbidden, p, row.api()) {
                mismatches.push(format!(
                    "{:<26} {} {path} with CSRF {mode:?}: expected 403 forbidden, got {}",
                    p.label(),
                    row.method.as_str(),
                    a.brief()
                ));
            }
            if let Some(c) = who {
                if !fx.alive(&c).await {
                    mismatches.push(format!(
                        "{} {path} with CSRF {mode:?} ended the session",
                        row.method.as_str()
                    ));
                }
            }
        }
    }

    // The matrix.
    let mut grid = String::new();
    let mut cells = 0;
    for row in &rows {
        let _ = write!(grid, "{:<5} {:<62}", row.method.as_str(), row.path);
        for p in P::ALL {
            let expect = row.expect(p);
            let (path, who, a) = fx.call(row, p, Csrf::Valid, row.session).await;
            cells += 1;
            let mut problems = Vec::new();
            if !a.matches(&expect, p, row.api()) {
                problems.push(format!("expected {expect}, got {}", a.brief()));
            } else if matches!(expect, Expect::Ok(_)) {
                if let Some((who, secret)) = &row.secret {
                    if who.contains(&p) && a.body.contains(secret.as_str()) {
                        problems.push(format!("the answer contains {secret:?}"));
                    }
                }
                // A logout that answers as allowed must have ended the session.
                if let (Session::Fresh, Some(c)) = (row.session, &who) {
                    if fx.alive(c).await {
                        problems.push("the session still works afterwards".to_owned());
                    }
                }
            }
            let _ = write!(
                grid,
                " {}:{}{}",
                p.short(),
                a.status,
                if problems.is_empty() { "" } else { "✗" }
            );
            for problem in problems {
                mismatches.push(format!(
                    "{:<26} {} {path}: {problem}",
                    p.label(),
                    row.method.as_str()
                ));
            }
        }
        grid.push('\n');
    }
    println!("{grid}");
    println!(
        "{} rows × {} principals = {cells} cells, plus {csrf_cells} CSRF cells",
        rows.len(),
        P::ALL.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} mismatch(es):\n{}\n\n{grid}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
