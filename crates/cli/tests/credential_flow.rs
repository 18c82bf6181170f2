//! The passport flow as a script would run it, with no server and no web UI: make a holder key,
//! issue a DBS credential straight from the database, present one claim with a KB-JWT, verify
//! (exit 0, exactly that claim), verify for another nonce (exit 1, `nonce_mismatch`), revoke, and
//! verify again (exit 1, `revoked`); then the same through a running `passport serve` with a token,
//! and as an outside verifier holding only the operator key.

use std::path::Path;

use domain::org::{NewOrganisation, OdsCode, OrgKind};
use serde_json::json;
use store::{OrgScope, RegistryScope, Store};
use support::{passport, path, serve, stdout_json, temp_dir};

mod support;

/// An organisation RJ1 with one person holding an enhanced DBS check and an HR user; returns the
/// person id and the HR user's API token.
async fn world(url: &str) -> (String, String) {
    let store = Store::connect(url).await.unwrap();
    let new =
        NewOrganisation { ods_code: OdsCode::parse("RJ1").unwrap(), name: "Guy's".into(), kind: OrgKind::AcuteTrust };
    let org = store.registry().create_organisation(&RegistryScope::system("test"), &new).await.unwrap();
    let scope = OrgScope::system(org.id, "test");
    let ds = store.dataset(&scope);
    let person = serde_json::from_value(json!({"given_name": "Amara", "family_name": "Okafor",
                                               "date_of_birth": "1988-03-14"}))
    .unwrap();
    let p = ds.create_person(&person).await.unwrap();
    let check = serde_json::from_value(json!({
        "details": {"kind": "criminal_record", "level": "enhanced_adults", "certificate_number": "001234567890",
                    "issued_on": "2025-11-02", "workforce": "adult"},
        "outcome": "clear", "completed_on": "2025-11-02", "checked_by": "hr"}))
    .unwrap();
    ds.add_check(&p.id, &check).await.unwrap();
    let roles = vec![store::Role::Hr];
    let new_user = store::NewUser { email: "hr@rj1.test".into(), display_name: "HR".into(), roles, password: None };
    let hr = store.auth().create_user(&scope, new_user).await.unwrap();
    let token = store.auth().issue_token(&scope, &hr.id, "cli test").await.unwrap().token;
    store.close().await;
    (p.id, token)
}

#[test]
fn issue_present_verify_revoke_from_the_command_line() {
    let dir = temp_dir("credential-flow");
    let url = format!("sqlite://{}", dir.join("p.db").display());
    let (pid, _) = tokio::runtime::Runtime::new().unwrap().block_on(world(&url));
    let (key, cred, shown) = (dir.join("holder.key"), dir.join("cred.txt"), dir.join("shown.txt"));

    let out = passport(&["credential", "holder-key", "--out", path(&key)]);
    assert!(out.status.success());
    assert_eq!(stdout_json(&out)["kty"], "EC");
    let db = ["--database-url", &url];
    let issue = ["--ods", "RJ1", "--person", &pid, "--type", "dbs", "--holder-key", path(&key), "--out", path(&cred)];
    let out = passport(&[&["credential", "issue"][..], &db, &issue].concat());
    assert!(out.status.success());
    let entry = stdout_json(&out);
    assert_eq!(entry["credential_type"], "criminal_record");
    let id = entry["id"].as_str().unwrap().to_owned();

    let present = |nonce: &str| {
        let args = ["credential", "present", "--credential", path(&cred), "--holder-key", path(&key)];
        let out =
            passport(&[&args[..], &["--nonce", nonce, "--aud", "https://v.example", "--disclose", "/dbs"]].concat());
        assert!(out.status.success());
        std::fs::write(&shown, &out.stdout).unwrap();
    };
    let verify = |nonce: &str| {
        passport(
            &[&["verify"][..], &db, &["--presentation", path(&shown), "--nonce", nonce, "--aud", "https://v.example"]]
                .concat(),
        )
    };

    present("n-1");
    let out = verify("n-1");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let answer = stdout_json(&out);
    assert_eq!(answer["valid"], true);
    assert_eq!(answer["ods_code"], "RJ1");
    let claims: Vec<&String> = answer["claims"].as_object().unwrap().keys().collect();
    assert_eq!(claims, ["dbs"]);

    let out = verify("n-2");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_json(&out)["reason"], "nonce_mismatch");

    let out = passport(&[&["credential", "revoke"][..], &db, &["--ods", "RJ1", "--id", &id]].concat());
    assert!(out.status.success());
    assert_eq!(stdout_json(&out)["status"], "revoked");
    present("n-3");
    let out = verify("n-3");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_json(&out)["reason"], "revoked");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn issue_verify_revoke_through_a_running_server() {
    let dir = temp_dir("credential-flow");
    let url = format!("sqlite://{}", dir.join("s.db").display());
    let (pid, token) = tokio::runtime::Runtime::new().unwrap().block_on(world(&url));
    let (_server, server) = serve(&url);
    let api = ["--server", server.as_str(), "--token", token.as_str()];
    let (key, cred, shown) = (dir.join("holder.key"), dir.join("cred.txt"), dir.join("shown.txt"));
    assert!(passport(&["credential", "holder-key", "--out", path(&key)]).status.success());
    let issue = ["--person", &pid, "--type", "criminal_record", "--holder-key", path(&key), "--out", path(&cred)];
    let out = passport(&[&["credential", "issue"][..], &api, &issue].concat());
    assert!(out.status.success());
    let entry = stdout_json(&out);
    assert!(entry.get("credential").is_none(), "the credential goes to the file only");
    assert_eq!(entry["status_list"]["uri"], format!("{server}/statuslists/RJ1/1"));
    let id = entry["id"].as_str().unwrap().to_owned();

    let present = ["credential", "present", "--credential", path(&cred), "--holder-key", path(&key)];
    let out = passport(&[&present[..], &["--nonce", "n", "--aud", "https://v.example"]].concat());
    assert!(out.status.success());
    std::fs::write(&shown, &out.stdout).unwrap();
    let verify = || {
        let args = ["verify", "--presentation", path(&shown), "--nonce", "n", "--aud", "https://v.example"];
        passport(&[&args[..], &api].concat())
    };
    let out = verify();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(stdout_json(&out)["claims"]["family_name"], "Okafor", "everything disclosed by default");

    // An outside verifier: no account, no database, only the operator key it was configured with.
    let jwks_url = format!("{server}/trust-list/jwks");
    let jwks = tokio::runtime::Runtime::new().unwrap().block_on(async { reqwest::get(&jwks_url).await?.text().await });
    let (operator, stranger) = (dir.join("operator.jwk"), dir.join("stranger.jwk"));
    std::fs::write(&operator, jwks.unwrap()).unwrap();
    let out = passport(&["credential", "holder-key", "--out", path(&dir.join("stranger.key"))]);
    std::fs::write(&stranger, &out.stdout).unwrap();
    let trust_list = format!("{server}/trust-list");
    let outside = |key: &Path| {
        let args = ["verify", "--presentation", path(&shown), "--nonce", "n", "--aud", "https://v.example"];
        passport(&[&args[..], &["--trust-list", trust_list.as_str(), "--operator-jwk", path(key)]].concat())
    };
    let out = outside(&operator);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(stdout_json(&out)["type"], "criminal_record");
    let out = outside(&stranger);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_json(&out)["reason"], "trust_list_signature_invalid");

    let out = passport(&[&["credential", "revoke", "--suspend", "--id", &id][..], &api].concat());
    assert_eq!(stdout_json(&out)["status"], "suspended");
    let out = verify();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_json(&out)["reason"], "suspended");
    let out = outside(&operator);
    assert_eq!(stdout_json(&out)["reason"], "suspended", "the outside verifier reads the fetched status list");
    std::fs::remove_dir_all(&dir).ok();
}
