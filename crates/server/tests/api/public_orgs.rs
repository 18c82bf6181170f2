//! The public protocol routes reach an organisation through one extractor (`server::extract::PublicOrg`):
//! an unknown or malformed ODS code in the path is answered as each route always answered it (a 404
//! problem on documents, an OAuth `invalid_request` on OAuth endpoints), and what a route reads is
//! audited under its stated reason.

use serde_json::{Value, json};
use testkit::{TestApp, each_backend};

use crate::flows::person;
use crate::me::enrol;
use crate::oid4vc::form;

/// Every public route that starts from an ODS code in the path, with its method, and whether its errors
/// are OAuth errors.
const ROUTES: [(&str, &str, bool); 13] = [
    ("GET", "/.well-known/openid-credential-issuer/issuers/{ods}", false),
    ("GET", "/.well-known/oauth-authorization-server/issuers/{ods}", false),
    ("GET", "/.well-known/jwt-vc-issuer/issuers/{ods}", false),
    ("GET", "/statuslists/{ods}/1", false),
    ("GET", "/issuers/{ods}/offers/some-handle", false),
    ("POST", "/issuers/{ods}/token", true),
    ("POST", "/issuers/{ods}/nonce", true),
    ("POST", "/issuers/{ods}/credential", true),
    ("GET", "/verifiers/{ods}/requests/some-state", false),
    ("POST", "/verifiers/{ods}/response", true),
    ("GET", "/agreement-signatures/{ods}/requests/some-state", true),
    ("POST", "/agreement-signatures/{ods}/response", true),
    ("POST", "/iat/{ods}/portable-data-set", false),
];

async fn call(app: &TestApp, method: &str, path: &str) -> (u16, Value) {
    if method == "POST" {
        // A well-formed answer, so a route that reads its body first still reaches the organisation.
        return form(app, path, "vp_token=%7B%7D&state=some-state".into()).await;
    }
    let response = app.client.get(app.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_unknown_or_malformed_ods_code_is_answered_as_each_route_answers_it() {
    each_backend(|app| async move {
        app.organisation("RJ1", "Organisation A").await;
        for ods in ["ZZZ99", "NOT-AN-ODS"] {
            for (method, template, oauth) in ROUTES {
                let path = template.replace("{ods}", ods);
                let (status, body) = call(&app, method, &path).await;
                if oauth {
                    assert_eq!(status, 400, "{method} {path}: {body}");
                    assert_eq!(body["error"], "invalid_request", "{method} {path}: {body}");
                    assert_eq!(body["error_description"], "unknown issuer or verifier", "{method} {path}: {body}");
                } else {
                    assert_eq!(status, 404, "{method} {path}: {body}");
                    assert_eq!(body["status"], 404, "{method} {path}: a problem, {body}");
                }
            }
        }
        // The registered organisation is found through the same door.
        let (status, meta) = call(&app, "GET", "/.well-known/openid-credential-issuer/issuers/RJ1").await;
        assert_eq!(status, 200, "{meta}");
        assert!(meta["credential_issuer"].as_str().unwrap().ends_with("/issuers/RJ1"), "{meta}");
        app
    })
    .await;
}

#[tokio::test]
async fn a_public_route_reads_under_its_stated_reason() {
    each_backend(|app| async move {
        let a = app.organisation("RJ1", "Organisation A").await;
        let pid = person(&app, &a.admin_token, "Okafor", "AB123456C").await;
        let worker = enrol(&app, &a, &pid, "w@nhs.net").await;
        let (status, offer) = app
            .post(&a.admin_token, &format!("/api/v1/people/{pid}/credential-offers"), &json!({"types": ["training"]}))
            .await;
        assert_eq!(status, 201, "{offer}");
        let uri = offer["credential_offer_uri"].as_str().unwrap();
        let path = &uri[uri.find("/issuers/").unwrap()..];
        let (status, fetched) = call(&app, "GET", path).await;
        assert_eq!(status, 200, "{fetched}");

        let (_, log) = app.get(&worker, "/api/v1/me/access-log").await;
        let fetch = log.as_array().unwrap().iter().find(|e| e["action"] == "credential_offer.fetch");
        let fetch = fetch.unwrap_or_else(|| panic!("no offer fetch in {log}"));
        assert_eq!((&fetch["actor"], &fetch["reason"]), (&json!("system"), &json!("oid4vci")), "{fetch}");
        app
    })
    .await;
}
