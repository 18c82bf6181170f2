//! Issue 15 items 3 and 4 through the real binary against `passport serve`: the wallet's help names
//! the passphrase variable; `present` prints one line per claim (no digests), sends no decline
//! unless asked, ends with the verifier's answer, explains a used link, and warns before showing a
//! revoked credential, which HR revoked by the id `wallet list` shows; the compliance list (API
//! and `passport compliance`) names the non-compliant.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use domain::org::{NewOrganisation, OdsCode, OrgKind};
use serde_json::{Value, json};
use store::{OrgScope, RegistryScope, Store};

mod support;

use support::{EXE, serve};

/// RJ1 with a role needing an enhanced DBS, Amara (who has one) and Bola (applicant, without).
async fn world(url: &str) -> (String, String) {
    let store = Store::connect(url).await.unwrap();
    let new =
        NewOrganisation { ods_code: OdsCode::parse("RJ1").unwrap(), name: "Trust".into(), kind: OrgKind::AcuteTrust };
    let org = store.registry().create_organisation(&RegistryScope::system("test"), &new).await.unwrap();
    let scope = OrgScope::system(org.id, "test");
    let user = store::NewUser {
        email: "hr@rj1.test".into(),
        display_name: "HR".into(),
        roles: vec![store::Role::Admin, store::Role::Hr, store::Role::Verifier],
        password: None,
    };
    let hr = store.auth().create_user(&scope, user).await.unwrap();
    let token = store.auth().issue_token(&scope, &hr.id, "test").await.unwrap().token;
    let ds = store.dataset(&scope);
    let role = json!({"role_code": "BANK-HCA", "title": "Bank HCA",
                      "checks": [{"kind": "criminal_record", "min_dbs_level": "enhanced_adults"}]});
    ds.put_role_requirements(&serde_json::from_value(role).unwrap()).await.unwrap();
    let amara = json!({"given_name": "Amara", "family_name": "Okafor", "date_of_birth": "1988-03-14",
                       "ni_number": "AB123456C"});
    let amara = ds.create_person(&serde_json::from_value(amara).unwrap()).await.unwrap();
    let check = json!({
        "details": {"kind": "criminal_record", "level": "enhanced_adults", "certificate_number": "001234567890",
                    "issued_on": "2025-11-02", "workforce": "adult"},
        "outcome": "clear", "completed_on": "2025-11-02", "checked_by": "hr"});
    ds.add_check(&amara.id, &serde_json::from_value(check).unwrap()).await.unwrap();
    let bola = json!({"given_name": "Bola", "family_name": "Adeyemi", "date_of_birth": "1990-05-01",
                      "ni_number": "AB123457C"});
    let bola = ds.create_person(&serde_json::from_value(bola).unwrap()).await.unwrap();
    let assignment = json!({"role": "BANK-HCA", "staff_group": "administrative_and_clerical", "band": "5",
                            "start_date": "2026-01-05", "status": "applicant"});
    ds.add_assignment(&bola.id, &serde_json::from_value(assignment).unwrap()).await.unwrap();
    store.close().await;
    (amara.id, token)
}

fn wallet(file: &Path, args: &[&str]) -> Output {
    Command::new(EXE)
        .arg("wallet")
        .arg("--file")
        .arg(file)
        .args(args)
        .env("PASSPORT_WALLET_PASSPHRASE", "correct horse")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(out: &Output) -> (String, String) {
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

async fn api(method: reqwest::Method, url: &str, token: &str, body: Option<Value>) -> Value {
    let mut request = reqwest::Client::new().request(method, url).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    assert!(response.status().is_success(), "{url}: {}", response.status());
    response.json().await.unwrap()
}

#[test]
fn wallet_help_and_readme_name_the_passphrase_variable() {
    for args in [&["wallet", "--help"][..], &["wallet", "present", "--help"]] {
        let out = Command::new(EXE).args(args).output().unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("PASSPORT_WALLET_PASSPHRASE"), "{args:?}:\n{help}");
    }
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md")).unwrap();
    assert!(readme.contains("passport wallet") && readme.contains("PASSPORT_WALLET_PASSPHRASE"));
}

#[test]
fn present_shows_claims_and_answers_explains_used_links_and_warns_on_revoked() {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir: PathBuf = std::env::temp_dir().join(format!("passport-wallet-present-{nanos}"));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}", dir.join("p.db").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (amara, token) = rt.block_on(world(&db));
    let (_server, base) = serve(&db);
    let post =
        |path: &str, body: Value| rt.block_on(api(reqwest::Method::POST, &format!("{base}{path}"), &token, Some(body)));

    // Item 4: the non-compliant are named, in the API and on the command line.
    let summary = rt.block_on(api(reqwest::Method::GET, &format!("{base}/api/v1/compliance"), &token, None));
    let listed = &summary["summary"]["non_compliant"];
    assert!(
        listed.as_array().unwrap().iter().any(|p| p["family_name"] == "Adeyemi" && p["given_name"] == "Bola"),
        "{summary}"
    );
    let out = Command::new(EXE).args(["compliance", "--ods", "RJ1", "--database-url", &db]).output().unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success() && stdout.contains("Adeyemi, Bola"), "{stdout}{stderr}");

    let file = dir.join("w.json");
    assert!(wallet(&file, &["create"]).status.success());
    let offer = post(&format!("/api/v1/people/{amara}/credential-offers"), json!({"types": ["criminal_record"]}));
    let out = wallet(&file, &["receive", offer["link"].as_str().unwrap(), "--pin", offer["pin"].as_str().unwrap()]);
    assert!(out.status.success(), "{:?}", text(&out));
    let listed: Value = serde_json::from_slice(&wallet(&file, &["list", "--json"]).stdout).unwrap();
    let issuer_id = listed[0]["issuer_id"].as_str().expect("the wallet shows the issuer's id").to_owned();

    let request = post("/api/v1/presentation-requests", json!({"role_code": "BANK-HCA"}));
    let link = request["link"].as_str().unwrap().to_owned();
    // Not a terminal and no --yes: nothing is shared and no decline is sent.
    let out = wallet(&file, &["present", &link]);
    assert!(!out.status.success(), "{:?}", text(&out));
    let attempts = rt.block_on(async {
        let store = Store::connect(&db).await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT failed_attempts FROM presentation_requests")
            .fetch_one(store.raw_pool())
            .await
            .unwrap();
        store.close().await;
        n
    });
    assert_eq!(attempts, 0, "no decline was sent");

    let out = wallet(&file, &["present", "--yes", &link]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    let claims: Vec<&str> = stdout.lines().filter(|l| l.trim_start().starts_with("discloses ")).collect();
    assert!(claims.iter().any(|l| l.trim() == "discloses dbs.level: enhanced_adults"), "{stdout}");
    assert!(!stdout.contains("\"...\"") && !stdout.contains("_sd"), "no digests: {stdout}");
    assert!(stdout.trim_end().lines().last().unwrap().contains("the verifier answered: received"), "{stdout}");

    // A used link is explained, not a bare 404.
    let out = wallet(&file, &["present", "--yes", &link]);
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success() && stderr.contains("already been answered"), "{stdout}{stderr}");

    // HR revokes by the id the wallet showed; the next presentation warns first.
    let out = Command::new(EXE)
        .args(["credential", "revoke", "--server", &base, "--token", &token, "--id", &issuer_id])
        .output()
        .unwrap();
    assert!(out.status.success(), "{:?}", text(&out));
    let link =
        post("/api/v1/presentation-requests", json!({"role_code": "BANK-HCA"}))["link"].as_str().unwrap().to_owned();
    let (stdout, stderr) = text(&wallet(&file, &["present", "--yes", &link]));
    assert!(stderr.contains("warning: credential") && stderr.contains("is revoked"), "{stdout}{stderr}");
    std::fs::remove_dir_all(dir).ok();
}
