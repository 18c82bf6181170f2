//! `passport agreement …` as a script would use it against a running `passport serve`: propose,
//! sign, show, list, export; then, with the server stopped, `passport agreement verify` checks the
//! export offline with a saved trust list and operator key (exit 0), and refuses it once any part
//! of its terms changes (exit 1, named reason), or when the core terms text is not the one signed.
//! Withdrawal with a reason closes it.

use std::path::Path;

use domain::org::{NewOrganisation, OdsCode, OrgKind};
use serde_json::{Value, json};
use store::{OrgScope, RegistryScope, Store};
use support::{passport, path, serve, stdout_json, temp_dir};

mod support;

const TERMS: &str = "NHS core terms: the worker stays employed by the home organisation (licence to attend).";

/// Employer RJ1 with a worker, host RJZ, each with an HR token, and an operator token.
async fn world(url: &str) -> (String, String, String, String) {
    let store = Store::connect(url).await.unwrap();
    let registry = RegistryScope::system("test");
    let mut tokens = Vec::new();
    let mut worker = String::new();
    for (ods, name) in [("RJ1", "Employer Trust"), ("RJZ", "Host Trust")] {
        let new =
            NewOrganisation { ods_code: OdsCode::parse(ods).unwrap(), name: name.into(), kind: OrgKind::AcuteTrust };
        let org = store.registry().create_organisation(&registry, &new).await.unwrap();
        let scope = OrgScope::system(org.id, "test");
        if ods == "RJ1" {
            let person = serde_json::from_value(json!({"given_name": "Amara", "family_name": "Okafor",
                                                       "date_of_birth": "1988-03-14", "ni_number": "AB123456C"}))
            .unwrap();
            worker = store.dataset(&scope).create_person(&person).await.unwrap().id;
        }
        let email = format!("hr@{}.test", ods.to_lowercase());
        let user = store::NewUser { email, display_name: "HR".into(), roles: vec![store::Role::Hr], password: None };
        let hr = store.auth().create_user(&scope, user).await.unwrap();
        tokens.push(store.auth().issue_token(&scope, &hr.id, "cli test").await.unwrap().token);
    }
    let operator = store.auth().create_operator(&registry, "op@registry.test", "Operator", None).await.unwrap();
    let op_token = store.auth().issue_operator_token(&registry, &operator.id, "cli test").await.unwrap().token;
    store.close().await;
    (worker, tokens.remove(0), tokens.remove(0), op_token)
}

async fn http(method: reqwest::Method, url: &str, token: Option<&str>, body: Option<&Value>) -> String {
    let mut request = reqwest::Client::new().request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.unwrap();
    assert!(response.status().is_success(), "{url}: {}", response.status());
    response.text().await.unwrap()
}

/// The export with its payload's text changed from `from` to `to`, re-encoded as it would be by
/// someone editing the terms.
fn altered(export: &Value, from: &str, to: &str) -> Value {
    let payload = credentials::b64::decode(export["payload"].as_str().unwrap()).unwrap();
    let text = String::from_utf8(payload).unwrap();
    assert!(text.contains(from), "{from} not in {text}");
    let mut changed = export.clone();
    changed["payload"] = json!(credentials::b64::encode(text.replacen(from, to, 1).as_bytes()));
    changed
}

#[test]
fn an_agreement_made_from_the_command_line_verifies_offline_and_fails_once_its_terms_change() {
    let dir = temp_dir("agreement-cli");
    let url = format!("sqlite://{}", dir.join("s.db").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (worker, employer, host, operator) = rt.block_on(world(&url));
    let (server, base) = serve(&url);
    let body =
        json!({"id": "nhs-core-terms", "version": "2026.1", "family": "nhs", "title": "Core terms", "body": TERMS});
    rt.block_on(http(reqwest::Method::POST, &format!("{base}/api/v1/core-terms"), Some(&operator), Some(&body)));
    let as_employer = ["--server", base.as_str(), "--token", employer.as_str()];
    let as_host = ["--server", base.as_str(), "--token", host.as_str()];

    let proposal = dir.join("deployment.json");
    let deployment = json!({"kind": "deployment", "person_id": worker, "host_ods": "RJZ", "roles": ["BANK-RN"],
        "period": {"start": "2026-06-08", "end": "2099-09-30"},
        "bespoke_terms": {"car_parking": "staff car park B", "pay_variation": "host's bank rate, recharged"},
        "core_terms": {"id": "nhs-core-terms", "version": "2026.1"}});
    std::fs::write(&proposal, deployment.to_string()).unwrap();
    let out = passport(&[&["agreement", "propose", "--body", path(&proposal)][..], &as_employer].concat());
    assert!(out.status.success());
    let proposed = stdout_json(&out);
    assert_eq!(proposed["state"], "proposed", "{proposed}");
    let id = proposed["id"].as_str().unwrap().to_owned();

    let out = passport(&[&["agreement", "sign", &id][..], &as_host].concat());
    assert!(out.status.success());
    assert_eq!(stdout_json(&out)["awaiting"], json!(["the worker"]));
    let out = passport(&[&["agreement", "show", &id][..], &as_host].concat());
    assert_eq!(stdout_json(&out)["document"]["agreement"]["worker"]["family_name"], "Okafor");
    let out = passport(&[&["agreement", "list", "--part", "host"][..], &as_host].concat());
    assert_eq!(stdout_json(&out)["items"].as_array().map(Vec::len), Some(1));

    let (export, terms, trust_list, operator_jwk) =
        (dir.join("signed.json"), dir.join("terms.txt"), dir.join("trust-list.jwt"), dir.join("operator.jwk"));
    let out = passport(&[&["agreement", "export", &id, "--out", path(&export)][..], &as_employer].concat());
    assert!(out.status.success());
    std::fs::write(&terms, TERMS).unwrap();
    let list = rt.block_on(http(reqwest::Method::GET, &format!("{base}/trust-list"), None, None));
    std::fs::write(&trust_list, list).unwrap();
    let jwks = rt.block_on(http(reqwest::Method::GET, &format!("{base}/trust-list/jwks"), None, None));
    std::fs::write(&operator_jwk, jwks).unwrap();
    // Offline from here on: nothing but the files.
    drop(server);

    let verify = |file: &Path, terms: &Path| {
        let args = ["agreement", "verify", path(file), "--trust-list", path(&trust_list)];
        passport(&[&args[..], &["--operator-jwk", path(&operator_jwk), "--terms", path(terms)]].concat())
    };
    let out = verify(&export, &terms);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let report = stdout_json(&out);
    assert_eq!(report["valid"], true, "{report}");
    assert_eq!(report["awaiting"], json!(["the worker"]), "{report}");
    assert_eq!(report["signatures"].as_array().map(Vec::len), Some(2), "{report}");

    let signed: Value = serde_json::from_str(&std::fs::read_to_string(&export).unwrap()).unwrap();
    for (from, to) in [("car park B", "car park C"), ("BANK-RN", "BANK-RM"), ("2099-09-30", "2099-09-29")] {
        let changed = dir.join("changed.json");
        std::fs::write(&changed, altered(&signed, from, to).to_string()).unwrap();
        let out = verify(&changed, &terms);
        assert_eq!(out.status.code(), Some(1), "{from} → {to}");
        assert_eq!(stdout_json(&out)["valid"], false, "{from} → {to}");
        assert_eq!(stdout_json(&out)["reason"], "signature_invalid", "{from} → {to}");
    }
    let other_terms = dir.join("other-terms.txt");
    std::fs::write(&other_terms, TERMS.replace("licence", "Licence")).unwrap();
    let out = verify(&export, &other_terms);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_json(&out)["reason"], "terms_hash_mismatch");

    // Back online: withdrawal with a reason.
    let (_server, base) = serve(&url);
    let as_host = ["--server", base.as_str(), "--token", host.as_str()];
    let out = passport(&[&["agreement", "withdraw", &id, "--reason", "ward closed"][..], &as_host].concat());
    assert!(out.status.success());
    assert_eq!(stdout_json(&out)["state"], "withdrawn");
    std::fs::remove_dir_all(&dir).ok();
}
