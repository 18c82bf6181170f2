//! Worker self-service pages over plain HTTP: sign-in (with and without an authenticator), the invitation
//! page, every `/me` page rendering the worker's own record and nothing of anyone else's, HR pages and
//! other organisations as the 404 page, the contact form (a bad postcode names the field and stores
//! nothing; a good one reaches HR's contact history), and CSRF refusals on every worker form. Run on every
//! configured backend.

use serde_json::Value;
use store::{AcceptInvitation, OrgScope, Role, base32_decode, totp_at};
use testkit::{TestApp, each_backend, fixed_now, fixtures};

use crate::http::Browser;
use crate::world::{self, PASSWORD, World};

pub const WORKER_EMAIL: &str = "amara.okafor@example.nhs.uk";
const OTHER_EMAIL: &str = "other.worker@example.nhs.uk";

/// Invites the person `person_id` of `org_id` (ODS `ods`) to self-service as `email` and accepts.
pub async fn enrol(app: &TestApp, org_id: &str, ods: &str, person_id: &str, email: &str) {
    let scope = OrgScope::system(org_id, "test");
    let invitation = app.store.auth().invite_worker(&scope, person_id, email, fixed_now()).await.expect("invite");
    let accept = AcceptInvitation { ods_code: ods, token: &invitation.token, password: PASSWORD };
    app.store.auth().accept_invitation(&accept, fixed_now()).await.expect("accept");
}

/// The world with Okafor (RJ1) as a worker account, and another worker whose only record is at RRK.
/// Returns the other worker's person id at RRK.
pub async fn with_workers(app: &TestApp, w: &World) -> String {
    enrol(app, &w.a_id, "RJ1", &w.worker_id, WORKER_EMAIL).await;
    let b = OrgScope::system(&w.b_id, "test");
    let person: domain::person::Person = serde_json::from_value(fixtures::person("Zielinska", "CE123456A")).unwrap();
    let other = app.store.dataset(&b).create_person(&person).await.expect("person").id;
    enrol(app, &w.b_id, "RRK", &other, OTHER_EMAIL).await;
    other
}

impl Browser<'_> {
    /// Signs a worker in through `/me/login`: the status and where it sends them.
    pub async fn worker_sign_in(&mut self, email: &str, password: &str) -> (u16, Option<String>) {
        let (_, page, _) = self.get("/me/login").await;
        let csrf = Browser::hidden(&page, "csrf_token");
        let (status, _, location) =
            self.post("/me/login", &[("csrf_token", &csrf), ("email", email), ("password", password)]).await;
        (status, location)
    }
}

async fn hr_token(app: &TestApp, w: &World) -> String {
    app.user_token(&w.a_id, &[Role::Hr], "hr").await
}

#[tokio::test]
async fn a_worker_signs_in_and_sees_their_own_pages_only() {
    each_backend(|app| async move {
        let w = world::build(&app).await;
        let other = with_workers(&app, &w).await;
        let mut worker = Browser::new(&app);
        // Not signed in: to the worker's sign-in page.
        let (status, _, headers) = worker.get("/me/organisations/RJ1").await;
        assert_eq!((status, headers["location"].to_str().unwrap()), (303, "/me/login"));
        // A wrong password: the error summary, no session.
        let (status, location) = worker.worker_sign_in(WORKER_EMAIL, "not the password at all").await;
        assert_eq!((status, location), (422, None));
        assert!(!worker.jar.0.contains_key("passport_session"));
        // HR's sign-in does not admit a worker account, nor the worker's sign-in HR's.
        assert_eq!(worker.sign_in("RJ1", WORKER_EMAIL, None).await.0, 422);
        assert_eq!(worker.worker_sign_in(&w.hr_email, PASSWORD).await.0, 422);
        let (status, location) = worker.worker_sign_in(WORKER_EMAIL, PASSWORD).await;
        assert_eq!((status, location.as_deref()), (303, Some("/me")));
        // The start page sends a worker to their records.
        let (status, _, headers) = worker.get("/").await;
        assert_eq!((status, headers["location"].to_str().unwrap()), (303, "/me"));

        let (status, page, _) = worker.get("/me").await;
        assert_eq!(status, 200);
        assert!(page.contains("Northshire Hospitals NHS Trust") && !page.contains("Westvale"), "{page}");
        assert!(page.contains("href=\"/me/access-log\"") && !page.contains("href=\"/people\""), "the worker's menu");
        let (status, page, _) = worker.get("/me/organisations/RJ1").await;
        assert_eq!(status, 200);
        for expected in
            ["Amara Okafor", "AB123456C", "1 Infirmary Street, Leeds, LS1 2TW", "BANK-RN", "Criminal record"]
        {
            assert!(page.contains(expected), "record page lacks {expected}");
        }
        assert!(page.contains("Hepatitis B") && page.contains("immune"), "immunisation status");
        assert!(!page.contains("001234567890"), "no DBS certificate number");
        let (status, page, _) = worker.get("/me/organisations/RJ1/compliance").await;
        assert_eq!(status, 200);
        assert!(page.contains("Bank Nurse (BANK-RN)") && page.contains("Missing") && page.contains("Met"), "{page}");
        for path in ["credentials", "contact", "transfers"] {
            let (status, page, _) = worker.get(&format!("/me/organisations/RJ1/{path}")).await;
            assert_eq!(status, 200, "{path}");
            assert!(page.contains("Northshire Hospitals NHS Trust (RJ1)"), "{path}");
        }
        for path in ["/me/access-log", "/me/security"] {
            assert_eq!(worker.get(path).await.0, 200, "{path}");
        }
        let response = app
            .client
            .get(app.url("/me/organisations/RJ1/talent-profile.pdf"))
            .header("cookie", worker.jar.header())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/pdf");
        assert!(response.bytes().await.unwrap().starts_with(b"%PDF-"));

        // The other worker's organisation, an unknown one, and every HR page: the 404 page.
        let other_record = format!("/people/{other}");
        let own_as_hr = format!("/people/{}", w.worker_id);
        for path in [
            "/me/organisations/RRK",
            "/me/organisations/RRK/compliance",
            "/me/organisations/RRK/credentials",
            "/me/organisations/RRK/contact",
            "/me/organisations/RRK/transfers",
            "/me/organisations/RRK/talent-profile.pdf",
            "/me/organisations/XYZ",
            other_record.as_str(),
            own_as_hr.as_str(),
            "/people",
            "/dashboard",
            "/verify",
            "/registry/organisations",
        ] {
            let (status, page, _) = worker.get(path).await;
            assert_eq!(status, 404, "{path}");
            assert!(page.contains("Page not found") && !page.contains("Zielinska"), "{path}");
        }
        let (_, page, _) = worker.get("/me").await;
        let csrf = Browser::csrf_of(&page);
        for path in [
            "/me/organisations/RRK/contact",
            "/me/organisations/RRK/transfers",
            "/me/organisations/RRK/transfers/wallet",
        ] {
            let (status, _, _) = worker.post(path, &[("csrf_token", &csrf), ("given", "yes")]).await;
            assert_eq!(status, 404, "{path}");
        }
        let (status, _, _) =
            worker.post("/me/organisations/RRK/credentials", &[("csrf_token", &csrf), ("types", "training")]).await;
        assert_eq!(status, 404);
        let (status, _, _) = worker.post(&format!("{own_as_hr}/offers"), &[("csrf_token", &csrf)]).await;
        assert_eq!(status, 404, "HR's offer form");

        // Staff and the operator: every /me page is the 404 page.
        let mut host = Browser::new(&app);
        host.sign_in("RRK", &w.host_email, None).await;
        let mut operator = Browser::new(&app);
        operator.sign_in("", &w.operator_email, None).await;
        for browser in [&mut host, &mut operator] {
            for path in ["/me", "/me/organisations/RJ1", "/me/organisations/RRK", "/me/access-log", "/me/security"] {
                assert_eq!(browser.get(path).await.0, 404, "{path}");
            }
        }

        // Sign out ends the session.
        let cookie = worker.jar.0["passport_session"].clone();
        let (status, _, location) = worker.post("/logout", &[("csrf_token", &csrf)]).await;
        assert_eq!((status, location.as_deref()), (303, Some("/login")));
        let mut replay = Browser::new(&app);
        replay.jar.0.insert("passport_session".into(), cookie);
        assert_eq!(replay.get("/me").await.0, 303);
        app
    })
    .await;
}

fn postcode_of(person: &domain::person::Person) -> String {
    person.address.as_ref().map(|a| a.postcode.as_str().to_owned()).unwrap_or_default()
}

#[tokio::test]
async fn a_bad_postcode_names_the_field_and_stores_nothing_then_a_good_one_reaches_hr() {
    each_backend(|app| async move {
        let w = world::build(&app).await;
        with_workers(&app, &w).await;
        let hr = hr_token(&app, &w).await;
        let history = format!("/api/v1/people/{}/contact-history", w.worker_id);
        // HR reads the record a moment before: the worker will see it.
        assert_eq!(app.get(&hr, &format!("/api/v1/people/{}", w.worker_id)).await.0, 200);

        let mut worker = Browser::new(&app);
        worker.worker_sign_in(WORKER_EMAIL, PASSWORD).await;
        let (_, page, _) = worker.get("/me/organisations/RJ1/contact").await;
        assert!(page.contains("value=\"LS1 2TW\""), "the form shows what is recorded");
        let csrf = Browser::csrf_of(&page);
        let form = |postcode: &'static str| {
            vec![
                ("address_line_1", "Flat 2, 40 Park Row"),
                ("address_line_2", ""),
                ("town", "Leeds"),
                ("postcode", postcode),
                ("phone", "0113 496 0000"),
                ("email", "a.okafor@example.com"),
            ]
        };
        let mut bad = form("LS1 4");
        bad.push(("csrf_token", &csrf));
        let (status, page, _) = worker.post("/me/organisations/RJ1/contact", &bad).await;
        assert_eq!(status, 422);
        assert!(page.contains("nhsuk-error-summary") && page.contains("href=\"#postcode\""), "{page}");
        assert!(page.contains("Enter a real UK postcode") && page.contains("id=\"postcode-error\""), "{page}");
        assert!(page.contains("value=\"Flat 2, 40 Park Row\""), "what was typed is kept");
        let scope = OrgScope::system(&w.a_id, "test");
        let person = app.store.dataset(&scope).get_person(&w.worker_id).await.unwrap();
        assert_eq!(postcode_of(&person.value), "LS1 2TW", "nothing stored");
        assert_eq!(person.value.phone, None);
        let (status, body) = app.get(&hr, &history).await;
        assert_eq!((status, body), (200, Value::Array(vec![])), "no change in HR's history");

        let mut good = form("ls1 5ab");
        good.push(("csrf_token", &csrf));
        let (status, _, location) = worker.post("/me/organisations/RJ1/contact", &good).await;
        assert_eq!((status, location.as_deref()), (303, Some("/me/organisations/RJ1?saved=contact")));
        let (_, page, _) = worker.get("/me/organisations/RJ1?saved=contact").await;
        assert!(page.contains("Flat 2, 40 Park Row, Leeds, LS1 5AB") && page.contains("You last changed"), "{page}");
        let person = app.store.dataset(&scope).get_person(&w.worker_id).await.unwrap();
        assert_eq!(postcode_of(&person.value), "LS1 5AB");
        let (status, body) = app.get(&hr, &history).await;
        assert_eq!(status, 200);
        assert_eq!(body.as_array().map(Vec::len), Some(1), "{body}");
        assert_eq!(body[0]["before"]["address"]["postcode"], "LS1 2TW");
        assert_eq!(body[0]["after"]["address"]["postcode"], "LS1 5AB");
        assert_eq!(body[0]["after"]["phone"], "0113 496 0000");
        assert_eq!(body[0]["provenance"]["source"], "self_service", "{body}");
        // HR's person page in the portal shows the new details and the change.
        world::user(&app, &w.a_id, "hr2@rj1.test", &[Role::Hr]).await;
        let mut hr_page = Browser::new(&app);
        hr_page.sign_in("RJ1", "hr2@rj1.test", None).await;
        let (status, page, _) = hr_page.get(&format!("/people/{}", w.worker_id)).await;
        assert_eq!(status, 200);
        let changes = &page[page.find("id=\"contact-history\"").expect("the contact history")..];
        let changes = &changes[..changes.find("Passport credentials").unwrap()];
        assert!(changes.contains("1 Infirmary Street, Leeds, LS1 2TW"), "before: {changes}");
        assert!(changes.contains("Flat 2, 40 Park Row, Leeds, LS1 5AB; 0113 496 0000"), "after: {changes}");

        // The access log shows HR's read (by role, not name) and the worker's own change.
        let (status, page, _) = worker.get("/me/access-log").await;
        assert_eq!(status, 200);
        let table = &page[page.find("id=\"access-log\"").expect("the log's table")..];
        assert!(table.contains("Read your record") && table.contains("Staff: hr"), "{table}");
        assert!(table.contains("Changed your contact details") && table.contains("You"), "{table}");
        assert!(!table.contains("hr.officer"), "no staff names");
        app
    })
    .await;
}

#[tokio::test]
async fn worker_forms_without_the_sessions_csrf_token_are_refused_and_change_nothing() {
    each_backend(|app| async move {
        let w = world::build(&app).await;
        with_workers(&app, &w).await;
        let mut worker = Browser::new(&app);
        worker.worker_sign_in(WORKER_EMAIL, PASSWORD).await;
        let mut other = Browser::new(&app);
        other.worker_sign_in(OTHER_EMAIL, PASSWORD).await;
        let (_, other_page, _) = other.get("/me").await;
        let others = Browser::csrf_of(&other_page);
        let forms: [(&str, Vec<(&str, &str)>); 7] = [
            (
                "/me/organisations/RJ1/contact",
                vec![("address_line_1", "9 Elm Road"), ("town", "York"), ("postcode", "YO1 7HH")],
            ),
            ("/me/organisations/RJ1/credentials", vec![("types", "criminal_record")]),
            ("/me/organisations/RJ1/transfers", vec![("given", "yes")]),
            ("/me/organisations/RJ1/transfers/wallet", vec![("given", "yes")]),
            ("/me/security/totp", vec![]),
            ("/me/security/totp/confirm", vec![("code", "123456")]),
            ("/me/security/totp/remove", vec![("code", "123456")]),
        ];
        for (path, fields) in &forms {
            for token in [None, Some("0".repeat(64)), Some(others.clone())] {
                let mut form = fields.clone();
                if let Some(token) = &token {
                    form.push(("csrf_token", token));
                }
                let (status, page, _) = worker.post(path, &form).await;
                assert_eq!(status, 403, "{path} with {token:?}");
                assert!(page.contains("This form has expired"), "{path}");
            }
        }
        let scope = OrgScope::system(&w.a_id, "test");
        let person = app.store.dataset(&scope).get_person(&w.worker_id).await.unwrap();
        assert_eq!(postcode_of(&person.value), "LS1 2TW", "contact unchanged");
        let (consent, _) = app.store.dataset(&scope).transfer_consent(&w.worker_id).await.unwrap();
        assert_eq!(consent, domain::transfer::ConsentState::None, "consent unchanged");
        let offers = app.store.dataset(&scope).list_credentials(&w.worker_id).await.unwrap();
        assert!(offers.is_empty());
        // The sign-in and invitation forms carry the double-submit token: without it, refused.
        let mut fresh = Browser::new(&app);
        fresh.get("/me/login").await;
        let (status, _, _) = fresh.post("/me/login", &[("email", WORKER_EMAIL), ("password", PASSWORD)]).await;
        assert_eq!(status, 403);
        assert!(!fresh.jar.0.contains_key("passport_session"));
        let (status, _, _) =
            fresh.post("/me/accept", &[("ods", "RJ1"), ("token", "spw_x"), ("password", PASSWORD)]).await;
        assert_eq!(status, 403);
        // With the session's own token the same forms work.
        let (_, page, _) = worker.get("/me/organisations/RJ1/transfers").await;
        let csrf = Browser::csrf_of(&page);
        let (status, _, _) =
            worker.post("/me/organisations/RJ1/transfers", &[("csrf_token", &csrf), ("given", "yes")]).await;
        assert_eq!(status, 303);
        let (consent, _) = app.store.dataset(&scope).transfer_consent(&w.worker_id).await.unwrap();
        assert!(matches!(consent, domain::transfer::ConsentState::Given { .. }), "{consent:?}");
        let (_, page, _) = worker.get("/me/organisations/RJ1/transfers").await;
        assert!(page.contains("You consent, since") && page.contains("self service"), "{page}");
        app
    })
    .await;
}

/// Posts the invitation form with the double-submit token of the page `shown` before.
async fn accept(
    browser: &mut Browser<'_>,
    shown: &str,
    token: &str,
    ods: &str,
    password: &str,
    confirm: &str,
) -> (u16, String, Option<String>) {
    let csrf = Browser::hidden(shown, "csrf_token");
    let form =
        [("csrf_token", csrf.as_str()), ("ods", ods), ("token", token), ("password", password), ("confirm", confirm)];
    browser.post("/me/accept", &form).await
}

#[tokio::test]
async fn the_invitation_page_sets_a_password_once_and_signs_the_worker_in() {
    each_backend(|app| async move {
        let w = world::build(&app).await;
        let scope = OrgScope::system(&w.a_id, "test");
        let invitation =
            app.store.auth().invite_worker(&scope, &w.worker_id, WORKER_EMAIL, fixed_now()).await.expect("invite");
        let link = format!("/me/accept?ods=RJ1&token={}", invitation.token);
        let mut worker = Browser::new(&app);
        let (status, page, _) = worker.get(&link).await;
        assert_eq!(status, 200);
        assert_eq!(Browser::hidden(&page, "token"), invitation.token);
        let token = invitation.token.as_str();
        let (status, page, _) = accept(&mut worker, &page, token, "RJ1", PASSWORD, "something else").await;
        assert_eq!(status, 422);
        assert!(page.contains("href=\"#confirm\""), "{page}");
        let (status, page, _) = accept(&mut worker, &page, token, "RJ1", "short", "short").await;
        assert_eq!(status, 422);
        assert!(page.contains("href=\"#password\""), "{page}");
        // Presented to another organisation: not an invitation.
        let (status, page, _) = accept(&mut worker, &page, token, "RRK", PASSWORD, PASSWORD).await;
        assert_eq!(status, 422);
        assert!(page.contains("This invitation cannot be used") && page.contains("is not an invitation"), "{page}");
        let (_, page, _) = worker.get(&link).await;
        let (status, _, location) = accept(&mut worker, &page, token, "RJ1", PASSWORD, PASSWORD).await;
        assert_eq!((status, location.as_deref()), (303, Some("/me")));
        let (status, page, _) = worker.get("/me").await;
        assert_eq!(status, 200);
        assert!(page.contains("Northshire Hospitals NHS Trust"));
        // Used once: a second acceptance is refused.
        let mut again = Browser::new(&app);
        let (_, page, _) = again.get(&link).await;
        let (status, page, _) = accept(&mut again, &page, token, "RJ1", PASSWORD, PASSWORD).await;
        assert_eq!(status, 422);
        assert!(page.contains("has already been used"), "{page}");
        app
    })
    .await;
}

/// The key shown on a page (`#totp-secret`), decoded.
fn secret_of(page: &str) -> Vec<u8> {
    let at = page.find("id=\"totp-secret\">").expect("a key on the page") + "id=\"totp-secret\">".len();
    base32_decode(page[at..].split('<').next().unwrap()).unwrap()
}

#[tokio::test]
async fn a_worker_adds_an_authenticator_signs_in_with_it_and_removes_it() {
    each_backend(|app| async move {
        let w = world::build(&app).await;
        with_workers(&app, &w).await;
        let now = fixed_now().timestamp();
        let mut worker = Browser::new(&app);
        worker.worker_sign_in(WORKER_EMAIL, PASSWORD).await;
        let (_, page, _) = worker.get("/me/security").await;
        assert!(page.contains("asks for your password only"));
        let csrf = Browser::csrf_of(&page);
        let (status, page, _) = worker.post("/me/security/totp", &[("csrf_token", &csrf)]).await;
        assert_eq!(status, 200);
        assert!(page.contains("id=\"totp-secret\"") && page.contains("<svg"), "the key and its QR code");
        // A wrong code: refused, and a new key shown (the last one counts).
        let (status, page, _) =
            worker.post("/me/security/totp/confirm", &[("csrf_token", &csrf), ("code", "000000")]).await;
        assert_eq!(status, 422);
        assert!(page.contains("href=\"#code\""), "{page}");
        let secret = secret_of(&page);
        let code = totp_at(&secret, now - 30, 6);
        let (status, _, location) =
            worker.post("/me/security/totp/confirm", &[("csrf_token", &csrf), ("code", &code)]).await;
        assert_eq!((status, location.as_deref()), (303, Some("/me/security?saved=added")));
        let (_, page, _) = worker.get("/me/security?saved=added").await;
        assert!(page.contains("asks for your password and a code"), "{page}");

        // Next sign-in: password, then the same second-factor page HR users see, then the records.
        let mut next = Browser::new(&app);
        let (status, location) = next.worker_sign_in(WORKER_EMAIL, PASSWORD).await;
        assert_eq!((status, location.as_deref()), (303, Some("/login/totp")));
        assert_eq!(next.get("/me").await.0, 303, "half-way is not signed in");
        let (_, page, _) = next.get("/login/totp").await;
        assert!(page.contains("Enter your security code"));
        let csrf = Browser::csrf_of(&page);
        let (status, _, _) = next.post("/login/totp", &[("csrf_token", &csrf), ("code", &code)]).await;
        assert_eq!(status, 422, "a used code is refused");
        let code = totp_at(&secret, now, 6);
        let (status, _, location) = next.post("/login/totp", &[("csrf_token", &csrf), ("code", &code)]).await;
        assert_eq!((status, location.as_deref()), (303, Some("/")));
        assert_eq!(next.get("/").await.2["location"], "/me");
        assert_eq!(next.get("/me").await.0, 200);

        // Removing it needs a current code from it.
        let (_, page, _) = next.get("/me/security").await;
        let csrf = Browser::csrf_of(&page);
        let (status, _, _) = next.post("/me/security/totp/remove", &[("csrf_token", &csrf), ("code", "000000")]).await;
        assert_eq!(status, 422);
        let code = totp_at(&secret, now + 30, 6);
        let (status, _, location) =
            next.post("/me/security/totp/remove", &[("csrf_token", &csrf), ("code", &code)]).await;
        assert_eq!((status, location.as_deref()), (303, Some("/me/security?saved=removed")));
        let mut last = Browser::new(&app);
        assert_eq!(last.worker_sign_in(WORKER_EMAIL, PASSWORD).await.1.as_deref(), Some("/me"));
        app
    })
    .await;
}

#[tokio::test]
async fn a_worker_collects_their_credentials_with_a_qr_code_and_pin() {
    each_backend(|app| async move {
        let w = world::build(&app).await;
        with_workers(&app, &w).await;
        let mut worker = Browser::new(&app);
        worker.worker_sign_in(WORKER_EMAIL, PASSWORD).await;
        let (_, page, _) = worker.get("/me/organisations/RJ1/credentials").await;
        assert!(page.contains("None issued yet"));
        assert!(page.contains("value=\"criminal_record\""), "DBS is collectable: {page}");
        assert!(!page.contains("value=\"training\""), "no competence recorded: training is not collectable");
        let csrf = Browser::csrf_of(&page);
        let (status, page, _) = worker.post("/me/organisations/RJ1/credentials", &[("csrf_token", &csrf)]).await;
        assert_eq!(status, 422);
        assert!(page.contains("href=\"#types\"") && page.contains("Select at least one"), "{page}");
        let (status, page, _) =
            worker.post("/me/organisations/RJ1/credentials", &[("csrf_token", &csrf), ("types", "training")]).await;
        assert_eq!(status, 422, "a type the record does not support: {page}");
        let (status, page, _) = worker
            .post("/me/organisations/RJ1/credentials", &[("csrf_token", &csrf), ("types", "criminal_record")])
            .await;
        assert_eq!(status, 200);
        let at = page.find("id=\"offer-pin\">").expect("the PIN") + "id=\"offer-pin\">".len();
        let pin = page[at..].split('<').next().unwrap();
        assert!(pin.len() == 6 && pin.bytes().all(|b| b.is_ascii_digit()), "{pin}");
        assert!(page.contains("<svg") && page.contains("openid-credential-offer://"), "QR code and link");
        app
    })
    .await;
}

#[tokio::test]
async fn a_worker_asks_their_wallet_to_sign_their_consent_with_a_qr_code() {
    each_backend(|app| async move {
        let w = world::build(&app).await;
        with_workers(&app, &w).await;
        let mut worker = Browser::new(&app);
        worker.worker_sign_in(WORKER_EMAIL, PASSWORD).await;
        let (_, page, _) = worker.get("/me/organisations/RJ1/transfers").await;
        assert!(page.contains("Consent with my wallet"), "{page}");
        let csrf = Browser::csrf_of(&page);
        let (status, page, _) =
            worker.post("/me/organisations/RJ1/transfers/wallet", &[("csrf_token", &csrf), ("given", "yes")]).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("<svg") && page.contains("openid4vp://"), "QR code and link: {page}");
        // The link's request object is served, and nothing is recorded until the wallet answers.
        let at = page.find("request_uri=").expect("the request_uri") + "request_uri=".len();
        let encoded = page[at..].split(['"', '&', '<']).next().unwrap();
        let request_uri = form_urlencoded::parse(format!("u={encoded}").as_bytes()).next().unwrap().1.into_owned();
        let response = app.client.get(&request_uri).send().await.unwrap();
        assert_eq!(response.status(), 200, "{request_uri}");
        assert_eq!(response.headers()["content-type"], "application/oauth-authz-req+jwt");
        let scope = OrgScope::system(&w.a_id, "test");
        let (consent, _) = app.store.dataset(&scope).transfer_consent(&w.worker_id).await.unwrap();
        assert_eq!(consent, domain::transfer::ConsentState::None);
        app
    })
    .await;
}

#[tokio::test]
async fn the_portal_and_the_api_share_one_worker_login_throttle() {
    each_backend(|app| async move {
        let w = world::build(&app).await;
        with_workers(&app, &w).await;
        // Wrong passwords through the API's worker token lock the account for the portal too.
        for _ in 0..10 {
            let body = serde_json::json!({"email": WORKER_EMAIL, "password": "not the password at all"});
            let (status, _) = app.send_json("POST", "", "/api/v1/auth/worker-token", &body).await;
            assert_eq!(status, 401);
        }
        let mut worker = Browser::new(&app);
        let (_, page, _) = worker.get("/me/login").await;
        let csrf = Browser::hidden(&page, "csrf_token");
        let form = [("csrf_token", csrf.as_str()), ("email", WORKER_EMAIL), ("password", PASSWORD)];
        let (status, page, _) = worker.post("/me/login", &form).await;
        assert_eq!(status, 422);
        assert!(page.contains("Too many attempts"), "{page}");
        assert!(!worker.jar.0.contains_key("passport_session"));
        // Another worker is not locked by it.
        assert_eq!(worker.worker_sign_in(OTHER_EMAIL, PASSWORD).await.1.as_deref(), Some("/me"));
        app
    })
    .await;
}

#[tokio::test]
async fn a_worker_with_records_in_two_organisations_sees_both() {
    each_backend(|app| async move {
        let w = world::build(&app).await;
        enrol(&app, &w.a_id, "RJ1", &w.worker_id, WORKER_EMAIL).await;
        // Bank work at RRK: RRK's record of the same worker, invited to the same account.
        let b = OrgScope::system(&w.b_id, "test");
        let person: domain::person::Person = serde_json::from_value(fixtures::person("Okafor", "AB123456C")).unwrap();
        let at_b = app.store.dataset(&b).create_person(&person).await.expect("person").id;
        enrol(&app, &w.b_id, "RRK", &at_b, WORKER_EMAIL).await;
        let mut worker = Browser::new(&app);
        worker.worker_sign_in(WORKER_EMAIL, PASSWORD).await;
        let (_, page, _) = worker.get("/me").await;
        assert!(page.contains("Northshire Hospitals NHS Trust") && page.contains("Westvale Community Health"));
        for ods in ["RJ1", "RRK"] {
            let (status, page, _) = worker.get(&format!("/me/organisations/{ods}")).await;
            assert_eq!(status, 200, "{ods}");
            assert!(page.contains(&format!("({ods})")), "{ods}");
        }
        app
    })
    .await;
}

#[tokio::test]
async fn an_invitation_for_an_existing_account_is_no_way_round_the_login_throttle() {
    each_backend(|app| async move {
        let w = world::build(&app).await;
        enrol(&app, &w.a_id, "RJ1", &w.worker_id, WORKER_EMAIL).await;
        // RRK's HR invites a record of theirs under the same email: accepting needs that account's password.
        let b = OrgScope::system(&w.b_id, "test");
        let person: domain::person::Person = serde_json::from_value(fixtures::person("Okafor", "AB123456C")).unwrap();
        let at_b = app.store.dataset(&b).create_person(&person).await.expect("person").id;
        let invitation = app.store.auth().invite_worker(&b, &at_b, WORKER_EMAIL, fixed_now()).await.unwrap();
        let link = format!("/me/accept?ods=RRK&token={}", invitation.token);
        let mut guesser = Browser::new(&app);
        for guess in 0..10 {
            let (_, page, _) = guesser.get(&link).await;
            let wrong = format!("wrong guess number {guess}");
            let (status, page, _) = accept(&mut guesser, &page, &invitation.token, "RRK", &wrong, &wrong).await;
            assert_eq!(status, 422);
            assert!(page.contains("is not the password of your existing worker account"), "{page}");
        }
        // Locked now: even the right password is refused, here and at sign-in.
        let (_, page, _) = guesser.get(&link).await;
        let (status, page, _) = accept(&mut guesser, &page, &invitation.token, "RRK", PASSWORD, PASSWORD).await;
        assert_eq!(status, 422);
        assert!(page.contains("Too many attempts"), "{page}");
        let mut worker = Browser::new(&app);
        assert_eq!(worker.worker_sign_in(WORKER_EMAIL, PASSWORD).await.0, 422);
        app
    })
    .await;
}
