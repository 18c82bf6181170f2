//! A worker in real Chromium: accepts HR's invitation (setting a password), signs out and back in, sees
//! their record and compliance, changes their address (a bad postcode shows the error summary and stores
//! nothing, then a good one), collects credentials with a QR code and PIN, downloads the talent profile
//! PDF and views who used their data. axe-core runs on every worker page; screenshots go to
//! `target/portal-screenshots/` with the other portal pages'.

use fantoccini::Locator;
use serde_json::Value;
use store::OrgScope;
use testkit::{TestApp, fixed_now};

use crate::browser::{
    axe, browser, click, fill, find_binary, path_of, shot, sign_out, start_driver, text, visit, wait_for,
};
use crate::me::WORKER_EMAIL;
use crate::world::{self, PASSWORD};

async fn sign_in_worker(client: &fantoccini::Client, app: &TestApp) {
    client.goto(&app.url("/me/login")).await.unwrap();
    fill(client, "#email", WORKER_EMAIL).await;
    fill(client, "#password", PASSWORD).await;
    click(client, "button[type=submit]").await;
    wait_for(client, "#organisations").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_sees_their_record_changes_their_address_and_downloads_their_profile() {
    let (Some(chromium), Some(chromedriver)) =
        (find_binary(&["chromium", "chromium-browser", "google-chrome"]), find_binary(&["chromedriver"]))
    else {
        println!("skipped: chromium not installed (apt-get install -y chromium chromium-driver)");
        return;
    };
    let app = TestApp::spawn(store::Backend::Sqlite).await;
    let w = world::build(&app).await;
    let scope = OrgScope::system(&w.a_id, "test");
    let invitation =
        app.store.auth().invite_worker(&scope, &w.worker_id, WORKER_EMAIL, fixed_now()).await.expect("invite");
    // HR reads the record first: the worker will see it in their access log.
    let hr = app.user_token(&w.a_id, &[store::Role::Hr], "hr").await;
    assert_eq!(app.get(&hr, &format!("/api/v1/people/{}", w.worker_id)).await.0, 200);
    let driver = start_driver(&chromedriver).await;
    let profile = tempfile::tempdir().unwrap();
    let client = browser(&driver, &chromium, profile.path()).await;

    // The invitation link: set a password, and in.
    visit(&client, &app, &format!("/me/accept?ods=RJ1&token={}", invitation.token), "w01-accept-invitation").await;
    fill(&client, "#password", PASSWORD).await;
    fill(&client, "#confirm", PASSWORD).await;
    click(&client, "#accept").await;
    wait_for(&client, "#organisations").await;
    assert_eq!(path_of(&client).await, "/me");
    sign_out(&client).await;

    // Sign in as the worker.
    visit(&client, &app, "/me/login", "w02-worker-sign-in").await;
    sign_in_worker(&client, &app).await;
    axe(&client, "/me").await;
    shot(&client, "w03-your-records").await;
    assert!(text(&client, "#organisations").await.contains("Northshire Hospitals NHS Trust"));

    // The record, then compliance: fire safety is missing for the bank nurse role.
    click(&client, "#organisations a").await;
    wait_for(&client, "#personal-details").await;
    assert_eq!(path_of(&client).await, "/me/organisations/RJ1");
    axe(&client, "/me/organisations/RJ1").await;
    shot(&client, "w04-your-record").await;
    let details = text(&client, "#personal-details").await;
    assert!(details.contains("Amara Okafor") && details.contains("LS1 2TW"), "{details}");
    assert!(!text(&client, "main").await.contains("001234567890"), "no certificate number");
    visit(&client, &app, "/me/organisations/RJ1/compliance", "w05-your-compliance").await;
    let compliance = text(&client, "#compliance").await;
    assert!(compliance.contains("Bank Nurse") && compliance.contains("Missing"), "{compliance}");

    // Change the address: a bad postcode first.
    visit(&client, &app, "/me/organisations/RJ1/contact", "w06-change-contact").await;
    fill(&client, "#address_line_1", "Flat 2, 40 Park Row").await;
    fill(&client, "#town", "Leeds").await;
    fill(&client, "#postcode", "LS1 4").await;
    click(&client, "#save-contact").await;
    wait_for(&client, ".nhsuk-error-summary").await;
    let summary = text(&client, ".nhsuk-error-summary").await;
    assert!(summary.contains("There is a problem") && summary.contains("postcode"), "{summary}");
    axe(&client, "contact form with errors").await;
    shot(&client, "w07-contact-error-summary").await;
    let stored = app.store.dataset(&scope).get_person(&w.worker_id).await.unwrap();
    assert_eq!(stored.value.address.as_ref().map(|a| a.postcode.as_str().to_owned()).as_deref(), Some("LS1 2TW"));
    fill(&client, "#postcode", "LS1 5AB").await;
    click(&client, "#save-contact").await;
    wait_for(&client, "#notice").await;
    assert_eq!(path_of(&client).await, "/me/organisations/RJ1");
    assert!(text(&client, "#personal-details").await.contains("Flat 2, 40 Park Row, Leeds, LS1 5AB"));
    axe(&client, "record after the change").await;
    shot(&client, "w08-contact-changed").await;
    let history = app.store.dataset(&scope).contact_history(&w.worker_id).await.unwrap();
    assert_eq!(history.len(), 1);

    // Credentials: collect the DBS credential with a QR code and PIN.
    visit(&client, &app, "/me/organisations/RJ1/credentials", "w09-your-credentials").await;
    click(&client, "#types-criminal_record").await;
    click(&client, "#make-offer").await;
    wait_for(&client, "#offer-pin").await;
    assert_eq!(text(&client, "#offer-pin").await.len(), 6);
    axe(&client, "credential offer").await;
    shot(&client, "w10-credential-offer").await;

    // The talent profile PDF, fetched with the page's own session.
    let href = client.find(Locator::Css("#talent-profile")).await.unwrap().attr("href").await.unwrap().unwrap();
    let script = "const done = arguments[arguments.length - 1];\
        fetch(arguments[0], {credentials: 'same-origin'})\
          .then(r => r.arrayBuffer().then(b => done([r.status, r.headers.get('content-type'),\
             String.fromCharCode(...new Uint8Array(b.slice(0, 5)))])))\
          .catch(e => done(['error', String(e)]));";
    let got = client.execute_async(script, vec![Value::String(href)]).await.expect("fetch the PDF");
    assert_eq!(got, serde_json::json!([200, "application/pdf", "%PDF-"]), "the talent profile download");

    // Transfers and consent, sign-in security.
    visit(&client, &app, "/me/organisations/RJ1/transfers", "w11-transfers").await;
    visit(&client, &app, "/me/security", "w12-sign-in-security").await;
    click(&client, "#add-totp").await;
    wait_for(&client, "#totp-secret").await;
    axe(&client, "add an authenticator").await;
    shot(&client, "w13-add-authenticator").await;

    // Who used my data: HR's read, and the worker's own change.
    visit(&client, &app, "/me/access-log", "w14-who-used-your-data").await;
    let log = text(&client, "#access-log").await;
    assert!(log.contains("Changed your contact details") && log.contains("Read your record"), "{log}");
    assert!(log.contains("Staff: hr"), "{log}");

    // An HR page is the 404 page to a worker.
    visit(&client, &app, "/people", "w15-not-found-for-a-worker").await;
    assert!(text(&client, "h1").await.contains("Page not found"));
    client.close().await.unwrap();
    app.stop().await;
}
