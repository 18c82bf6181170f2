//! The portal over plain HTTP: sign-in with the second factor, sessions, CSRF, isolation, role 404s and
//! the security headers. Run on every configured backend.

use store::{Role, SessionLimits, SessionStage, base32_decode, totp_at};
use testkit::{TestApp, each_backend, fixed_now};

use crate::world::{self, Jar, PASSWORD, World};

/// A browser-like client: no redirects followed, cookies kept.
pub struct Browser<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    pub jar: Jar,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Browser { app, client, jar: Jar::default() }
    }

    pub async fn get(&mut self, path: &str) -> (u16, String, reqwest::header::HeaderMap) {
        let response =
            self.client.get(self.app.url(path)).header("cookie", self.jar.header()).send().await.expect("request");
        self.jar.take(&response);
        let (status, headers) = (response.status().as_u16(), response.headers().clone());
        (status, response.text().await.unwrap_or_default(), headers)
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> (u16, String, Option<String>) {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let response = self
            .client
            .post(self.app.url(path))
            .header("cookie", self.jar.header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("request");
        self.jar.take(&response);
        let status = response.status().as_u16();
        let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
        (status, response.text().await.unwrap_or_default(), location)
    }

    /// The value of a hidden input named `name` in `html`.
    pub fn hidden(html: &str, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} in page")) + marker.len();
        html[start..].split('"').next().unwrap().to_owned()
    }

    /// Signs in through the form (and the TOTP step when `totp_step_offset` is given).
    pub async fn sign_in(&mut self, ods: &str, email: &str, totp_step_offset: Option<i64>) -> (u16, Option<String>) {
        let (_, page, _) = self.get("/login").await;
        let csrf = Self::hidden(&page, "csrf_token");
        let (status, _, location) =
            self.post("/login", &[("csrf_token", &csrf), ("ods", ods), ("email", email), ("password", PASSWORD)]).await;
        let Some(offset) = totp_step_offset else { return (status, location) };
        assert_eq!(location.as_deref(), Some("/login/totp"));
        let (_, page, _) = self.get("/login/totp").await;
        let csrf = Self::hidden(&page, "csrf_token");
        let code = match page.find("id=\"totp-secret\">") {
            Some(at) => {
                let secret = page[at + "id=\"totp-secret\">".len()..].split('<').next().unwrap();
                totp_at(&base32_decode(secret).unwrap(), fixed_now().timestamp() + offset * 30, 6)
            }
            None => panic!("expected the enrolment page"),
        };
        let (status, _, location) = self.post("/login/totp", &[("csrf_token", &csrf), ("code", &code)]).await;
        (status, location)
    }

    pub fn csrf_of(page: &str) -> String {
        Self::hidden(page, "csrf_token")
    }
}

#[tokio::test]
async fn sign_in_needs_the_totp_code_and_sign_out_ends_the_session() {
    each_backend(|app| async move {
        let w: World = world::build(&app).await;
        let mut browser = Browser::new(&app);
        // Not signed in: to the sign-in page.
        let (status, _, headers) = browser.get("/people").await;
        assert_eq!(status, 303);
        assert_eq!(headers["location"], "/login");
        // A wrong password names no field in particular and opens no session.
        let (_, page, _) = browser.get("/login").await;
        let csrf = Browser::hidden(&page, "csrf_token");
        let (status, page, _) = browser
            .post(
                "/login",
                &[("csrf_token", &csrf), ("ods", "RJ1"), ("email", &w.hr_email), ("password", "wrong-wrong-wrong")],
            )
            .await;
        assert_eq!(status, 422);
        assert!(page.contains("nhsuk-error-summary") && page.contains("is not right"), "{page}");
        assert!(!browser.jar.0.contains_key("passport_session"));

        // The right password: half-way, the pages still answer "sign in".
        let (_, page, _) = browser.get("/login").await;
        let csrf = Browser::hidden(&page, "csrf_token");
        let (status, _, location) = browser
            .post("/login", &[("csrf_token", &csrf), ("ods", "rj1"), ("email", &w.hr_email), ("password", PASSWORD)])
            .await;
        assert_eq!((status, location.as_deref()), (303, Some("/login/totp")));
        let half = browser.jar.0["passport_session"].clone();
        let (status, _, _) = browser.get("/people").await;
        assert_eq!(status, 303);
        // Enrolment shows the secret; a wrong code is refused with the error summary.
        let (_, page, _) = browser.get("/login/totp").await;
        assert!(page.contains("Set up your authenticator app"));
        let csrf = Browser::hidden(&page, "csrf_token");
        let (status, page, _) = browser.post("/login/totp", &[("csrf_token", &csrf), ("code", "000000")]).await;
        assert_eq!(status, 422);
        assert!(page.contains("nhsuk-error-summary"));
        // The last secret shown is the one that counts.
        let at = page.find("id=\"totp-secret\">").unwrap() + "id=\"totp-secret\">".len();
        let secret = base32_decode(page[at..].split('<').next().unwrap()).unwrap();
        let code = totp_at(&secret, fixed_now().timestamp() - 30, 6);
        let (status, _, location) = browser.post("/login/totp", &[("csrf_token", &csrf), ("code", &code)]).await;
        assert_eq!((status, location.as_deref()), (303, Some("/")));
        let full = browser.jar.0["passport_session"].clone();
        assert_ne!(half, full, "a new session value after the second factor");
        assert!(app.store.auth().totp_state(&w.hr_user).await.unwrap().enrolled);
        let (status, page, _) = browser.get("/people").await;
        assert_eq!(status, 200);
        assert!(page.contains("Okafor"));

        // Sign out: the cookie no longer works.
        let csrf = Browser::csrf_of(&page);
        let (status, _, location) = browser.post("/logout", &[("csrf_token", &csrf)]).await;
        assert_eq!((status, location.as_deref()), (303, Some("/login")));
        let mut replay = Browser::new(&app);
        replay.jar.0.insert("passport_session".into(), full);
        assert_eq!(replay.get("/people").await.0, 303);

        // Next time the enrolled code is asked for; the same code twice is refused.
        let (_, page, _) = browser.get("/login").await;
        let csrf = Browser::hidden(&page, "csrf_token");
        browser
            .post("/login", &[("csrf_token", &csrf), ("ods", "RJ1"), ("email", &w.hr_email), ("password", PASSWORD)])
            .await;
        let (_, page, _) = browser.get("/login/totp").await;
        assert!(page.contains("Enter your security code"));
        let csrf = Browser::hidden(&page, "csrf_token");
        let (status, _, _) = browser.post("/login/totp", &[("csrf_token", &csrf), ("code", &code)]).await;
        assert_eq!(status, 422, "a used code is refused");
        let code = totp_at(&secret, fixed_now().timestamp(), 6);
        let (status, _, _) = browser.post("/login/totp", &[("csrf_token", &csrf), ("code", &code)]).await;
        assert_eq!(status, 303);
        app
    })
    .await;
}

#[tokio::test]
async fn sessions_expire_when_idle_and_at_their_absolute_limit() {
    each_backend(|app| async move {
        let w = world::build(&app).await;
        let auth = app.store.auth();
        let principal = auth.login("RRK", &w.host_email, PASSWORD).await.unwrap();
        let limits = SessionLimits { idle_secs: 600, absolute_secs: 3600 };
        let t = fixed_now().timestamp();
        let s = auth.create_session(&principal, SessionStage::Full, t).await.unwrap();
        // Used every 9 minutes it lives until the absolute limit.
        for step in 1..=6 {
            assert!(auth.session(&s.token, t + step * 540, limits).await.is_ok(), "step {step}");
        }
        assert!(auth.session(&s.token, t + 3601, limits).await.is_err());
        let s = auth.create_session(&principal, SessionStage::Full, t).await.unwrap();
        assert!(auth.session(&s.token, t + 601, limits).await.is_err(), "idle");
        assert!(auth.session(&s.token, t + 1, limits).await.is_err(), "an expired session is gone");
        app
    })
    .await;
}

#[tokio::test]
async fn forms_without_the_sessions_csrf_token_are_refused_and_change_nothing() {
    each_backend(|app| async move {
        let w = world::build(&app).await;
        let mut host = Browser::new(&app);
        assert_eq!(host.sign_in("RRK", &w.host_email, None).await, (303, Some("/".to_owned())));
        let (_, page, _) = host.get("/verify").await;
        let csrf = Browser::csrf_of(&page);
        for form in
            [vec![("role_code", "BANK-RN")], vec![("role_code", "BANK-RN"), ("csrf_token", "0".repeat(64).as_str())]]
        {
            let (status, page, _) = host.post("/verify", &form).await;
            assert_eq!(status, 403, "{page}");
            assert!(page.contains("This form has expired"));
        }
        // Another session's token is wrong too.
        let mut other = Browser::new(&app);
        other.sign_in("RRK", &w.host_email, None).await;
        let (_, other_page, _) = other.get("/verify").await;
        let (status, _, _) =
            host.post("/verify", &[("role_code", "BANK-RN"), ("csrf_token", &Browser::csrf_of(&other_page))]).await;
        assert_eq!(status, 403);
        let b = store::OrgScope::system(&w.b_id, "test");
        let filter = store::PresentationFilter { status: None, role_code: None };
        let listed = app
            .store
            .dataset(&b)
            .list_presentation_requests(&filter, fixed_now().timestamp(), &store::Page::first(10))
            .await
            .unwrap();
        assert!(listed.items.is_empty(), "nothing was created");
        // The sign-in form's own token: missing is refused.
        let mut fresh = Browser::new(&app);
        fresh.get("/login").await;
        let (status, _, _) =
            fresh.post("/login", &[("ods", "RRK"), ("email", &w.host_email), ("password", PASSWORD)]).await;
        assert_eq!(status, 403);
        // Sign-out too.
        let (status, _, _) = host.post("/logout", &[]).await;
        assert_eq!(status, 403);
        // The right one works.
        let (status, _, location) = host.post("/verify", &[("role_code", "BANK-RN"), ("csrf_token", &csrf)]).await;
        assert_eq!(status, 303);
        assert!(location.unwrap().starts_with("/verify/"));
        app
    })
    .await;
}

#[tokio::test]
async fn another_organisations_pages_and_forbidden_roles_are_not_found() {
    each_backend(|app| async move {
        let w = world::build(&app).await;
        world::user(&app, &w.b_id, "hr@rrk.test", &[Role::Hr, Role::Training]).await;
        let mut b_hr = Browser::new(&app);
        b_hr.sign_in("RRK", "hr@rrk.test", None).await;
        let person = format!("/people/{}", w.worker_id);
        for path in [person.clone(), format!("{person}/competences/new")] {
            let (status, page, _) = b_hr.get(&path).await;
            assert_eq!(status, 404, "{path}");
            assert!(page.contains("Page not found") && !page.contains("Okafor"));
        }
        let (status, page, _) = b_hr.get("/people?q=Okafor").await;
        assert_eq!(status, 200);
        assert!(!page.contains("Okafor, Amara"), "A's person in B's search");
        let (_, page, _) = b_hr.get("/people").await;
        let csrf = Browser::csrf_of(&page);
        let (status, _, _) =
            b_hr.post(&format!("{person}/offers"), &[("csrf_token", &csrf), ("types", "training")]).await;
        assert_eq!(status, 404);
        let (status, _, _) = b_hr
            .post(
                &format!("{person}/competences/new"),
                &[
                    ("csrf_token", &csrf),
                    ("subject", "fire_safety"),
                    ("completed_on", "1/5/2026"),
                    ("source", "e_learning"),
                ],
            )
            .await;
        assert_eq!(status, 404);

        // A verifier sees no people; an organisation user no registry; an operator no people.
        let mut host = Browser::new(&app);
        host.sign_in("RRK", &w.host_email, None).await;
        for path in ["/people", "/dashboard", "/registry/organisations"] {
            assert_eq!(host.get(path).await.0, 404, "{path}");
        }
        let mut operator = Browser::new(&app);
        operator.sign_in("", &w.operator_email, None).await;
        assert_eq!(operator.get("/registry/organisations").await.0, 200);
        for path in ["/people", person.as_str(), "/verify", "/dashboard"] {
            assert_eq!(operator.get(path).await.0, 404, "{path}");
        }
        let (_, page, _) = operator.get("/registry/organisations").await;
        assert!(page.contains("RJ1") && page.contains("RRK"));
        app
    })
    .await;
}

#[tokio::test]
async fn pages_carry_a_strict_csp_and_no_inline_script_or_style() {
    let app = TestApp::spawn(store::Backend::Sqlite).await;
    let w = world::build(&app).await;
    let mut host = Browser::new(&app);
    host.sign_in("RRK", &w.host_email, None).await;
    for path in ["/login", "/verify"] {
        let (status, page, headers) = host.get(path).await;
        assert_eq!(status, 200, "{path}");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'") && csp.contains("style-src 'self'"), "{csp}");
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
        assert_eq!(headers["cache-control"], "no-store");
        assert!(!page.contains(" style="), "{path}: inline style");
        for script in page.split("<script").skip(1) {
            assert!(script.split('>').next().unwrap().contains("src="), "{path}: inline script");
        }
        assert!(!page.contains(" on") || !page.contains(" onclick="), "{path}: inline handler");
    }
    // Assets: content-hashed path, cached for a year; another hash is 404.
    let (_, page, _) = host.get("/login").await;
    let css = page.split("href=\"").find(|s| s.contains("nhsuk-frontend.min.css")).unwrap().split('"').next().unwrap();
    let (status, _, headers) = host.get(css).await;
    assert_eq!(status, 200);
    assert!(headers["cache-control"].to_str().unwrap().contains("immutable"));
    assert_eq!(host.get("/assets/000000000000/nhsuk-frontend.min.css").await.0, 404);
    app.stop().await;
}
