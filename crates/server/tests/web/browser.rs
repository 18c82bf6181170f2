//! Real Chromium over WebDriver (chromedriver): HR signs in with TOTP, finds a person, records a
//! competence with an impossible date (error summary, nothing stored) then a good one, offers
//! credentials; the `wallet` crate (what `passport wallet` runs) receives them with the PIN; a host
//! signs in, asks for the role's credentials, the wallet answers, and the waiting page turns to
//! "Ready to work" by itself. axe-core (vendored under `tests/web/axe/`) runs on every page: no
//! violation at WCAG 2.0/2.1/2.2 A and AA. Screenshots go to `target/portal-screenshots/`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use store::{base32_decode, totp_at};
use testkit::{TestApp, fixed_now};
use wallet::{KdfParams, Wallet, issuance, presentation};

use crate::world::{self, PASSWORD};

const AXE: &str = include_str!("axe/axe.min.js");
pub(crate) const FAST: KdfParams = KdfParams { m_cost: 64, t_cost: 1, p_cost: 1 };

pub(crate) fn find_binary(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file()))
}

/// chromedriver on a free port, stopped on drop.
pub(crate) struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) async fn start_driver(chromedriver: &Path) -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Driver { child, port }
}

pub(crate) async fn browser(driver: &Driver, chromium: &Path, profile: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                     "--window-size=1280,1000", format!("--user-data-dir={}", profile.display())]
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session in Chromium")
}

/// Runs axe-core on the current page; panics listing any WCAG A/AA violation.
pub(crate) async fn axe(client: &Client, page: &str) {
    let loaded: Value = client.execute(&format!("{AXE}\n;return typeof axe;"), vec![]).await.expect("inject axe");
    assert_eq!(loaded, "object");
    let script = "const done = arguments[arguments.length - 1];\
        axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})\
          .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,\
             nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))))\
          .catch(e => done([{id: 'axe-error', help: String(e)}]));";
    let violations = client.execute_async(script, vec![]).await.expect("run axe");
    assert_eq!(violations, json!([]), "axe-core violations on {page}");
    println!("axe: 0 violations on {page}");
}

pub(crate) async fn shot(client: &Client, name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/portal-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    // The whole page: resize the window to the document's height first.
    let height: Value = client.execute("return document.documentElement.scrollHeight;", vec![]).await.unwrap();
    let height = height.as_u64().unwrap_or(1000).clamp(600, 4000) as u32;
    let _ = client.set_window_size(1280, height + 120).await;
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    let _ = client.set_window_size(1280, 1000).await;
}

pub(crate) async fn visit(client: &Client, app: &TestApp, path: &str, name: &str) {
    client.goto(&app.url(path)).await.expect("goto");
    axe(client, path).await;
    shot(client, name).await;
}

pub(crate) async fn fill(client: &Client, css: &str, text: &str) {
    let field = client.find(Locator::Css(css)).await.unwrap_or_else(|_| panic!("no {css}"));
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

pub(crate) async fn click(client: &Client, css: &str) {
    client.find(Locator::Css(css)).await.unwrap_or_else(|_| panic!("no {css}")).click().await.unwrap();
}

/// Waits (up to 10 s) for `css` to appear: a click that submits a form returns before the next page is in.
pub(crate) async fn wait_for(client: &Client, css: &str) {
    let found = client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(css)).await;
    found.unwrap_or_else(|_| panic!("{css} did not appear"));
}

pub(crate) async fn text(client: &Client, css: &str) -> String {
    client.find(Locator::Css(css)).await.unwrap_or_else(|_| panic!("no {css}")).text().await.unwrap()
}

pub(crate) async fn path_of(client: &Client) -> String {
    client.current_url().await.unwrap().path().to_owned()
}

pub(crate) async fn sign_in(client: &Client, app: &TestApp, ods: &str, email: &str) {
    client.goto(&app.url("/login")).await.unwrap();
    fill(client, "#ods", ods).await;
    fill(client, "#email", email).await;
    fill(client, "#password", PASSWORD).await;
    click(client, "button[type=submit]").await;
    // As for signing out, the click can return before the navigation: wait until the page has
    // left /login or shows why not (at most 5 s).
    for _ in 0..50 {
        let refused = client.find(Locator::Css(".nhsuk-error-summary")).await.is_ok();
        if refused || path_of(client).await != "/login" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

pub(crate) async fn sign_out(client: &Client) {
    click(client, ".nhsuk-header__account-button").await;
    // The click returns before the navigation has always finished: wait for it (at most 5 s).
    for _ in 0..50 {
        if path_of(client).await == "/login" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(path_of(client).await, "/login");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hr_records_and_offers_then_a_host_sees_the_worker_ready() {
    let (Some(chromium), Some(chromedriver)) =
        (find_binary(&["chromium", "chromium-browser", "google-chrome"]), find_binary(&["chromedriver"]))
    else {
        println!("skipped: chromium not installed (apt-get install -y chromium chromium-driver)");
        return;
    };
    let app = TestApp::spawn(store::Backend::Sqlite).await;
    let w = world::build(&app).await;
    let driver = start_driver(&chromedriver).await;
    let profile = tempfile::tempdir().unwrap();
    let client = browser(&driver, &chromium, profile.path()).await;
    let now = fixed_now().timestamp();

    // Sign in as HR: password, then the authenticator enrolment with a TOTP code.
    client.goto(&app.url("/login")).await.unwrap();
    axe(&client, "/login").await;
    shot(&client, "01-sign-in").await;
    sign_in(&client, &app, "RJ1", &w.hr_email).await;
    assert_eq!(path_of(&client).await, "/login/totp");
    axe(&client, "/login/totp").await;
    shot(&client, "02-totp-enrolment").await;
    let secret = base32_decode(&text(&client, "#totp-secret").await).unwrap();
    fill(&client, "#code", &totp_at(&secret, now, 6)).await;
    click(&client, "button[type=submit]").await;
    // The click can return before the navigation (seen on a loaded machine): wait for the search form.
    wait_for(&client, "#q").await;
    assert_eq!(path_of(&client).await, "/people");
    axe(&client, "/people").await;
    // The dashboard while Okafor has a gap.
    visit(&client, &app, "/dashboard", "08-compliance-dashboard").await;
    assert!(text(&client, "#non-compliant").await.contains("Okafor"));

    // Find the person.
    client.goto(&app.url("/people")).await.unwrap();
    fill(&client, "#q", "Okafor").await;
    click(&client, "form button[type=submit]").await;
    wait_for(&client, "#people").await;
    axe(&client, "/people?q=Okafor").await;
    shot(&client, "03-find-a-person").await;
    click(&client, "#people a").await;
    wait_for(&client, "#compliance").await;
    assert_eq!(path_of(&client).await, format!("/people/{}", w.worker_id));
    axe(&client, "person page").await;
    shot(&client, "04-person-not-compliant").await;
    assert!(text(&client, "#compliance").await.contains("Missing"));

    // Record a competence with an impossible date: the error summary, and nothing stored.
    click(&client, "#record-competence").await;
    wait_for(&client, "#save").await;
    axe(&client, "competence form").await;
    client.find(Locator::Css("#subject")).await.unwrap().select_by_value("fire_safety").await.unwrap();
    fill(&client, "#level", "1").await;
    fill(&client, "#completed_on", "31/02/2026").await;
    click(&client, "#source").await;
    click(&client, "#save").await;
    wait_for(&client, ".nhsuk-error-summary").await;
    let summary = text(&client, ".nhsuk-error-summary").await;
    assert!(summary.contains("There is a problem") && summary.contains("real date"), "{summary}");
    axe(&client, "competence form with errors").await;
    shot(&client, "05-competence-error-summary").await;
    let scope = store::OrgScope::system(&w.a_id, "test");
    assert!(app.store.dataset(&scope).list_competences(&w.worker_id).await.unwrap().is_empty(), "nothing stored");
    // Then a good date.
    fill(&client, "#completed_on", "01/05/2026").await;
    click(&client, "#save").await;
    wait_for(&client, "#notice").await;
    assert_eq!(path_of(&client).await, format!("/people/{}", w.worker_id));
    assert_eq!(text(&client, "#notice").await, "Competence saved");
    assert_eq!(app.store.dataset(&scope).list_competences(&w.worker_id).await.unwrap().len(), 1);
    assert!(text(&client, "#compliance").await.contains("Met"));
    axe(&client, "person page, compliant").await;
    shot(&client, "06-person-compliant").await;

    // Offer three credentials: the QR code and the PIN, shown once.
    for kind in ["criminal_record", "training", "occupational_health"] {
        click(&client, &format!("#types-{kind}")).await;
    }
    click(&client, "#make-offer").await;
    wait_for(&client, "#offer-pin").await;
    axe(&client, "offer page").await;
    shot(&client, "07-credential-offer").await;
    let pin = text(&client, "#offer-pin").await;
    let link = client.find(Locator::Css("#offer-link")).await.unwrap().attr("href").await.unwrap().unwrap();
    assert_eq!(pin.len(), 6);
    let dir = tempfile::tempdir().unwrap();
    let mut held = Wallet::create(&dir.path().join("w.json"), "pw", FAST, now).unwrap();
    let http = wallet::client();
    let offer = issuance::fetch_offer(&http, &link).await.expect("offer");
    let got = issuance::receive(&mut held, &http, &offer, Some(&pin), now).await.expect("credentials");
    assert_eq!(got.len(), 3);

    // Now compliant on the dashboard too, then sign out.
    client.goto(&app.url("/dashboard")).await.unwrap();
    axe(&client, "/dashboard").await;
    assert!(client.find(Locator::Css("#non-compliant")).await.is_err());
    sign_out(&client).await;

    // A host at B asks for BANK-RN; the wallet answers; the page turns to ready by itself.
    sign_in(&client, &app, "RRK", &w.host_email).await;
    assert_eq!(path_of(&client).await, "/verify");
    axe(&client, "/verify").await;
    shot(&client, "09-check-a-worker").await;
    click(&client, "#role_code").await;
    click(&client, "#create-request").await;
    wait_for(&client, "#request-link").await;
    let waiting = path_of(&client).await;
    assert!(waiting.starts_with("/verify/"));
    axe(&client, "waiting for the wallet").await;
    shot(&client, "10-presentation-request").await;
    let link = client.find(Locator::Css("#request-link")).await.unwrap().attr("href").await.unwrap().unwrap();
    let plan = presentation::prepare(&held, &http, &link, now).await.expect("request");
    assert!(plan.can_submit(), "{:?}", plan.missing);
    presentation::submit(&held, &http, &plan, now).await.expect("answer");
    let verdict = client.wait().at_most(Duration::from_secs(15)).for_element(Locator::Css("#verdict")).await;
    let verdict = verdict.expect("the page turns when the wallet has answered").text().await.unwrap();
    assert_eq!(verdict, "Ready to work");
    let table = text(&client, "table").await;
    assert!(table.contains("Northshire Hospitals NHS Trust (RJ1)") && !table.contains("Not met"), "{table}");
    axe(&client, "ready to work").await;
    shot(&client, "11-ready-to-work").await;
    sign_out(&client).await;

    // The registry operator's page.
    sign_in(&client, &app, "", &w.operator_email).await;
    if path_of(&client).await != "/registry/organisations" {
        let page = text(&client, "main").await;
        panic!("operator sign-in landed on {}: {page}", path_of(&client).await);
    }
    axe(&client, "/registry/organisations").await;
    shot(&client, "12-registry-organisations").await;

    // A page that does not exist for this role.
    visit(&client, &app, "/people", "13-not-found").await;
    client.close().await.unwrap();
    app.stop().await;
}
