//! The transfer pages in real Chromium: HR records a paper consent (the error summary first), looks
//! for earlier records, takes the automatic match and runs stage 1 to its report; proposes a partial
//! match, is refused its own approval in the queue, and a second HR user approves it. axe-core finds
//! no WCAG A/AA violation on each state, and each is photographed
//! (`target/portal-screenshots/5x-…`). Skips with a visible message where Chromium or chromedriver
//! is missing, like `browser.rs`.

use domain::transfer::{ConsentInput, ConsentMethod};
use store::{OrgScope, Role};
use testkit::TestApp;

use crate::browser::{
    axe, browser, click, fill, find_binary, shot, sign_in, sign_out, start_driver, text, visit, wait_for,
};
use crate::transfers::person;
use crate::world;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_transfer_pages_pass_axe_and_are_photographed() {
    let (Some(chromium), Some(chromedriver)) =
        (find_binary(&["chromium", "chromium-browser", "google-chrome"]), find_binary(&["chromedriver"]))
    else {
        println!("skipped: chromium not installed (apt-get install -y chromium chromium-driver)");
        return;
    };
    let app = TestApp::spawn(store::Backend::Sqlite).await;
    let w = world::build(&app).await;
    person(&app, &w.b_id, "Adeyemi", "JK123456B", false).await;
    let applicant = person(&app, &w.a_id, "Adeyemi", "JK123456B", true).await;
    person(&app, &w.b_id, "Kowalski", "AB654321A", false).await;
    let partial = person(&app, &w.a_id, "Kowalska", "AB654321A", true).await;
    let paper = ConsentInput { given: true, method: ConsentMethod::Paper, evidence_ref: Some("SCAN-9".into()) };
    app.store.dataset(&OrgScope::system(&w.a_id, "test")).record_transfer_consent(&partial, &paper).await.unwrap();
    world::user(&app, &w.a_id, "transfers@rj1.test", &[Role::Hr]).await;
    world::user(&app, &w.a_id, "second.hr@rj1.test", &[Role::Hr]).await;
    let driver = start_driver(&chromedriver).await;
    let profile = tempfile::tempdir().unwrap();
    let client = browser(&driver, &chromium, profile.path()).await;

    // Consent on paper: first without a choice, then properly.
    sign_in(&client, &app, "RJ1", "transfers@rj1.test").await;
    visit(&client, &app, &format!("/people/{applicant}/transfer"), "51-transfer-in").await;
    click(&client, "#record-consent").await;
    wait_for(&client, ".nhsuk-error-summary").await;
    axe(&client, "/people/{id}/transfer (errors)").await;
    shot(&client, "52-transfer-consent-errors").await;
    click(&client, "#given-yes").await;
    fill(&client, "#evidence_ref", "SCAN-2026-0142").await;
    click(&client, "#record-consent").await;
    wait_for(&client, "#notice").await;
    assert!(text(&client, "#consent-state").await.contains("The worker consents"));
    axe(&client, "/people/{id}/transfer (consent given)").await;

    // The earlier record, the automatic match, stage 1 and its report.
    click(&client, "#find-matches").await;
    wait_for(&client, "#candidate-list").await;
    axe(&client, "/people/{id}/transfer?find=yes").await;
    shot(&client, "53-transfer-candidates").await;
    click(&client, "#take-automatic").await;
    wait_for(&client, "#run").await;
    axe(&client, "/transfers/{id} (approved)").await;
    shot(&client, "54-transfer-approved").await;
    click(&client, "#run").await;
    wait_for(&client, "#lines").await;
    axe(&client, "/transfers/{id} (stage 1 done)").await;
    shot(&client, "55-transfer-report").await;
    assert!(text(&client, "#lines").await.contains("Copied"));

    // A partial match: proposed, the proposer's own approval refused in the queue.
    visit(&client, &app, &format!("/people/{partial}/transfer?find=yes"), "56-transfer-partial").await;
    click(&client, "button[id^=propose-]").await;
    wait_for(&client, "#approve").await;
    visit(&client, &app, "/transfers", "57-transfer-queue").await;
    click(&client, "button[id^=approve-]").await;
    wait_for(&client, ".nhsuk-error-summary").await;
    axe(&client, "/transfers (approval refused)").await;
    shot(&client, "58-transfer-queue-refused").await;
    assert!(text(&client, ".nhsuk-error-summary").await.contains("same_approver"));
    sign_out(&client).await;

    sign_in(&client, &app, "RJ1", "second.hr@rj1.test").await;
    client.goto(&app.url("/transfers")).await.unwrap();
    click(&client, "button[id^=approve-]").await;
    wait_for(&client, "#notice").await;
    axe(&client, "/transfers (approved)").await;
    shot(&client, "59-transfer-queue-approved").await;
    drop(client);
    app.stop().await;
}
