//! The agreement pages in real Chromium: the employer's HR drafts a deployment (the error summary,
//! then the saved draft), proposes it; the host's HR finds the visiting worker, signs, shows the
//! worker's signing QR code, and is told a withdrawal needs a reason. axe-core finds no WCAG A/AA
//! violation on each page, and each is photographed (`target/portal-screenshots/4x-…`). Skips with a
//! visible message where Chromium or chromedriver is missing, like `browser.rs`.

use domain::agreement::TermsFamily;
use fantoccini::Locator;
use store::{RegistryScope, Role};
use testkit::TestApp;

use crate::browser::{
    axe, browser, click, fill, find_binary, shot, sign_in, sign_out, start_driver, text, visit, wait_for,
};
use crate::world;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agreement_pages_pass_axe_and_are_photographed() {
    let (Some(chromium), Some(chromedriver)) =
        (find_binary(&["chromium", "chromium-browser", "google-chrome"]), find_binary(&["chromedriver"]))
    else {
        println!("skipped: chromium not installed (apt-get install -y chromium chromium-driver)");
        return;
    };
    let app = TestApp::spawn(store::Backend::Sqlite).await;
    let w = world::build(&app).await;
    let body = "NHS core terms: the worker stays employed by the home organisation (licence to attend).";
    app.store
        .publish_core_terms(
            &RegistryScope::system("test"),
            "nhs-core-terms",
            "2026.1",
            TermsFamily::Nhs,
            "NHS core terms",
            body,
        )
        .await
        .unwrap();
    world::user(&app, &w.a_id, "deployments@rj1.test", &[Role::Hr]).await;
    world::user(&app, &w.b_id, "hr@rrk.test", &[Role::Hr]).await;
    let driver = start_driver(&chromedriver).await;
    let profile = tempfile::tempdir().unwrap();
    let client = browser(&driver, &chromium, profile.path()).await;

    // The employer drafts: first with nothing filled in, then properly.
    sign_in(&client, &app, "RJ1", "deployments@rj1.test").await;
    visit(&client, &app, &format!("/agreements/new?person_id={}", w.worker_id), "41-agreement-draft").await;
    click(&client, "#save").await;
    wait_for(&client, ".nhsuk-error-summary").await;
    axe(&client, "/agreements/new (errors)").await;
    shot(&client, "42-agreement-draft-errors").await;
    fill(&client, "#host_ods", "RRK").await;
    fill(&client, "#roles", "BANK-RN").await;
    fill(&client, "#start", "1/5/2026").await;
    fill(&client, "#end", "30/9/2026").await;
    fill(&client, "#car_parking", "Staff car park B").await;
    client.find(Locator::Css("#core_terms")).await.unwrap().select_by_value("nhs-core-terms@2026.1").await.unwrap();
    click(&client, "#save").await;
    wait_for(&client, "#propose").await;
    axe(&client, "/agreements/{id} (draft)").await;
    shot(&client, "43-agreement-draft-saved").await;
    click(&client, "#propose").await;
    // The draft's page already has `#saved`: wait for the proposed state itself.
    let proposed = client
        .wait()
        .at_most(std::time::Duration::from_secs(10))
        .for_element(Locator::XPath("//strong[@id='state' and normalize-space()='proposed']"));
    proposed.await.expect("the agreement reads proposed");
    sign_out(&client).await;

    // The host finds the visiting worker, signs, and shows the worker the signing QR code.
    sign_in(&client, &app, "RRK", "hr@rrk.test").await;
    visit(&client, &app, "/agreements?part=host", "44-agreements-visiting-workers").await;
    assert!(text(&client, "#agreements").await.contains("Okafor"));
    click(&client, "#agreements a").await;
    wait_for(&client, "#sign").await;
    click(&client, "#sign").await;
    // `#ask-worker` is on the page before the host signs too: wait for the signed page's notice.
    wait_for(&client, "#saved").await;
    click(&client, "#ask-worker").await;
    wait_for(&client, "#worker-signing").await;
    axe(&client, "/agreements/{id} (worker signing)").await;
    shot(&client, "45-agreement-worker-signing").await;
    assert!(text(&client, "#signing-link").await.starts_with("openid4vp://"));
    click(&client, "#withdraw").await;
    wait_for(&client, ".nhsuk-error-summary").await;
    axe(&client, "/agreements/{id} (withdraw without a reason)").await;
    shot(&client, "46-agreement-withdraw-error").await;
    sign_out(&client).await;

    // The worker reads their agreement and asks their wallet to sign it.
    crate::me::enrol(&app, &w.a_id, "RJ1", &w.worker_id, crate::me::WORKER_EMAIL).await;
    client.goto(&app.url("/me/login")).await.unwrap();
    fill(&client, "#email", crate::me::WORKER_EMAIL).await;
    fill(&client, "#password", world::PASSWORD).await;
    click(&client, "button[type=submit]").await;
    wait_for(&client, "a[href='/me/agreements']").await;
    visit(&client, &app, "/me/agreements", "47-your-agreements").await;
    click(&client, "button[id^=sign-]").await;
    wait_for(&client, "#signing").await;
    axe(&client, "/me/agreements (signing)").await;
    shot(&client, "48-your-agreement-signing").await;
    assert!(text(&client, "#signing-link").await.starts_with("openid4vp://"));
    drop(client);
    app.stop().await;
}
