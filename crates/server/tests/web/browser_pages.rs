//! The HR, occupational health, host, registry and admin pages in real Chromium: each new page is
//! visited, axe-core finds no WCAG A/AA violation on it (with and without its error summary), and a
//! screenshot is taken (`target/portal-screenshots/2x-…`). Skips with a visible message where Chromium
//! or chromedriver is missing, like `browser.rs`.

use std::time::Duration;

use fantoccini::{Client, Locator};
use store::{OrgScope, Role, base32_decode, totp_at};
use testkit::{TestApp, fixed_now};
use wallet::{Wallet, issuance, presentation};

use crate::browser::{
    FAST, axe, browser, click, fill, find_binary, path_of, shot, sign_in, sign_out, start_driver, text, visit, wait_for,
};
use crate::world;

/// Clicks a form's submit button and waits until `css` is on the next page.
async fn submit(client: &Client, button: &str, then: &str) {
    click(client, button).await;
    wait_for(client, then).await;
}

/// Whether the page's error summary lists a link to `#field`.
async fn summary_names(client: &Client, field: &str) -> bool {
    client.find(Locator::Css(&format!(".nhsuk-error-summary a[href='#{field}']"))).await.is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_new_page_passes_axe_and_is_photographed() {
    let (Some(chromium), Some(chromedriver)) =
        (find_binary(&["chromium", "chromium-browser", "google-chrome"]), find_binary(&["chromedriver"]))
    else {
        println!("skipped: chromium not installed (apt-get install -y chromium chromium-driver)");
        return;
    };
    let app = TestApp::spawn(store::Backend::Sqlite).await;
    let w = world::build(&app).await;
    let a = OrgScope::system(&w.a_id, "test");
    world::user(&app, &w.a_id, "oh.nurse@rj1.test", &[Role::OccupationalHealth]).await;
    world::user(&app, &w.a_id, "admin@rj1.test", &[Role::Admin]).await;
    // Okafor's fire safety, so the credentials offered below cover the host's role.
    let fire: domain::cstf::Competence = serde_json::from_value(serde_json::json!({
        "competence": {"kind": "cstf", "subject": "fire_safety", "level": 1},
        "completed_on": "2025-07-01", "source": "e_learning"}))
    .unwrap();
    app.store.dataset(&a).add_competence(&w.worker_id, &fire).await.unwrap();
    // Something to show in each expiry window of the dashboard: right to work ends in 20 days, an
    // identity recheck falls due in 50, a registration renewal in 80.
    let today = fixed_now().date_naive();
    let days = |n: u64| (today + chrono::Days::new(n)).format("%Y-%m-%d").to_string();
    let mut identity = testkit::fixtures::identity_check();
    identity["expires_on"] = days(50).into();
    for check in [
        serde_json::json!({"details": {"kind": "right_to_work", "route": "manual_document",
            "permission": "time_limited", "permission_expires_on": days(20)},
            "outcome": "clear", "completed_on": "2026-01-05", "checked_by": "hr"}),
        identity,
        serde_json::json!({"details": {"kind": "professional_registration",
            "registration": {"register": "nmc", "number": "12A3456E", "status": "registered", "expires_on": days(80)}},
            "outcome": "clear", "completed_on": "2026-01-05", "checked_by": "hr"}),
    ] {
        let check: domain::checks::EmploymentCheck = serde_json::from_value(check).unwrap();
        app.store.dataset(&a).add_check(&w.worker_id, &check).await.unwrap();
    }
    let driver = start_driver(&chromedriver).await;
    let profile = tempfile::tempdir().unwrap();
    let client = browser(&driver, &chromium, profile.path()).await;
    let now = fixed_now().timestamp();
    let person = format!("/people/{}", w.worker_id);

    // HR: sign in with TOTP, record a DBS check (choose the standard, a wrong certificate number, then right).
    sign_in(&client, &app, "RJ1", &w.hr_email).await;
    let secret = base32_decode(&text(&client, "#totp-secret").await).unwrap();
    fill(&client, "#code", &totp_at(&secret, now, 6)).await;
    click(&client, "button[type=submit]").await;
    wait_for(&client, "#q").await;
    client.goto(&app.url(&person)).await.unwrap();
    submit(&client, "#record-check", "#kind").await;
    axe(&client, "choose an employment check").await;
    shot(&client, "21-check-choose-standard").await;
    click(&client, "#kind-criminal_record").await;
    submit(&client, "#save", "#details-certificate_number").await;
    axe(&client, "DBS check form").await;
    shot(&client, "22-check-form").await;
    click(&client, "#details-level-enhanced_adults").await;
    fill(&client, "#details-certificate_number", "12345").await;
    fill(&client, "#details-issued_on", "10/1/2026").await;
    click(&client, "#details-workforce").await;
    click(&client, "#outcome").await;
    fill(&client, "#completed_on", "14/1/2026").await;
    submit(&client, "#save", ".nhsuk-error-summary").await;
    assert!(summary_names(&client, "details-certificate_number").await);
    axe(&client, "DBS check form with errors").await;
    shot(&client, "23-check-error-summary").await;
    assert_eq!(app.store.dataset(&a).list_checks(&w.worker_id).await.unwrap().len(), 4, "nothing stored");
    fill(&client, "#details-certificate_number", "001234567891").await;
    submit(&client, "#save", "#notice").await;
    assert_eq!(text(&client, "#notice").await, "Employment check saved");
    assert_eq!(app.store.dataset(&a).list_checks(&w.worker_id).await.unwrap().len(), 5);
    // Its correction form, filled in.
    let checks = app.store.dataset(&a).list_checks(&w.worker_id).await.unwrap();
    let newest = checks.iter().max_by_key(|c| c.id.clone()).unwrap();
    visit(&client, &app, &format!("{person}/checks/{}", newest.id), "24-check-correct").await;
    let value = client.find(Locator::Css("#details-certificate_number")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(value.as_deref(), Some("001234567891"));

    // The dashboard: by role, and the expiry tabs (scripted tabs switch panels).
    visit(&client, &app, "/dashboard", "25-dashboard-roles-and-expiry").await;
    wait_for(&client, "#by-role").await;
    assert!(text(&client, "#expiring-30").await.contains("Right to work check"));
    click(&client, "a[href='#expiring-90']").await;
    assert!(text(&client, "#expiring-90").await.contains("Professional registration check"));
    axe(&client, "/dashboard, 90 days tab").await;

    // Offer the credentials to the worker's wallet.
    client.goto(&app.url(&person)).await.unwrap();
    for kind in ["criminal_record", "training", "occupational_health"] {
        click(&client, &format!("#types-{kind}")).await;
    }
    submit(&client, "#make-offer", "#offer-pin").await;
    let pin = text(&client, "#offer-pin").await;
    let link = client.find(Locator::Css("#offer-link")).await.unwrap().attr("href").await.unwrap().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut held = Wallet::create(&dir.path().join("w.json"), "pw", FAST, now).unwrap();
    let http = wallet::client();
    let offer = issuance::fetch_offer(&http, &link).await.expect("offer");
    issuance::receive(&mut held, &http, &offer, Some(&pin), now).await.expect("credentials");
    sign_out(&client).await;

    // Occupational health: an immunisation, wrong then right.
    sign_in(&client, &app, "RJ1", "oh.nurse@rj1.test").await;
    client.goto(&app.url(&person)).await.unwrap();
    submit(&client, "#record-immunisation", "#antigen").await;
    axe(&client, "immunisation form").await;
    shot(&client, "26-immunisation-form").await;
    click(&client, "#antigen-varicella").await;
    click(&client, "#status").await; // immune
    click(&client, "#serology-0-test").await; // anti-HBs: not a varicella test
    fill(&client, "#serology-0-taken_on", "1/2/2024").await;
    click(&client, "#serology-0-result").await;
    submit(&client, "#save", ".nhsuk-error-summary").await;
    assert!(summary_names(&client, "serology-0-test").await);
    axe(&client, "immunisation form with errors").await;
    shot(&client, "27-immunisation-error-summary").await;
    assert_eq!(app.store.dataset(&a).list_immunisations(&w.worker_id).await.unwrap().len(), 1, "nothing stored");
    click(&client, "#serology-0-test-varicella_igg").await;
    submit(&client, "#save", "#notice").await;
    assert_eq!(text(&client, "#notice").await, "Immunisation saved");
    sign_out(&client).await;

    // The host: ask, the wallet answers, review (a bypass without a reason first).
    sign_in(&client, &app, "RRK", &w.host_email).await;
    click(&client, "#role_code").await;
    submit(&client, "#create-request", "#request-link").await;
    let link = client.find(Locator::Css("#request-link")).await.unwrap().attr("href").await.unwrap().unwrap();
    let plan = presentation::prepare(&held, &http, &link, now).await.expect("request");
    presentation::submit(&held, &http, &plan, now).await.expect("answer");
    let found = client.wait().at_most(Duration::from_secs(15)).for_element(Locator::Css("#review")).await;
    found.expect("the result offers the review").click().await.unwrap();
    wait_for(&client, "#save-review").await;
    axe(&client, "host review").await;
    shot(&client, "28-host-review").await;
    fill(&client, "#date_of_birth", "14/3/1988").await;
    fill(&client, "#ni_number", "AB123456C").await;
    click(&client, "#decision-0").await;
    click(&client, "#decision-1").await;
    click(&client, "#decision-2-bypass").await;
    submit(&client, "#save-review", ".nhsuk-error-summary").await;
    assert!(summary_names(&client, "reason-2").await);
    axe(&client, "host review with errors").await;
    shot(&client, "29-host-review-error-summary").await;
    fill(&client, "#reason-2", "OH appointment booked for the first shift").await;
    submit(&client, "#save-review", "#decisions").await;
    axe(&client, "review recorded").await;
    shot(&client, "30-host-review-recorded").await;
    sign_out(&client).await;

    // The registry operator: register an organisation (empty first), then its page and RJ1's keys.
    sign_in(&client, &app, "", &w.operator_email).await;
    submit(&client, "#register-organisation", "#register").await;
    axe(&client, "register an organisation").await;
    shot(&client, "31-registry-register").await;
    submit(&client, "#register", ".nhsuk-error-summary").await;
    assert!(summary_names(&client, "ods_code").await && summary_names(&client, "kind").await);
    axe(&client, "register an organisation with errors").await;
    fill(&client, "#ods_code", "RX9").await;
    fill(&client, "#name", "Eastmoor Hospice").await;
    client.find(Locator::Css("#kind")).await.unwrap().select_by_value("hospice").await.unwrap();
    submit(&client, "#register", "#trust-status").await;
    assert_eq!(path_of(&client).await, "/registry/organisations/RX9");
    axe(&client, "registered organisation").await;
    shot(&client, "32-registry-organisation").await;
    visit(&client, &app, "/registry/organisations/RJ1", "33-registry-organisation-keys").await;
    assert!(text(&client, "#keys").await.contains("Trusted"));
    sign_out(&client).await;

    // The organisation admin requires TOTP of everyone.
    sign_in(&client, &app, "RJ1", "admin@rj1.test").await;
    visit(&client, &app, "/admin/security", "34-admin-sign-in-security").await;
    click(&client, "#totp_required").await;
    submit(&client, "#save-security", "#notice").await;
    axe(&client, "/admin/security saved").await;
    assert!(app.store.auth().org_totp_required(&a).await.unwrap());
    client.close().await.unwrap();
    app.stop().await;
}
