//! Passport credentials end to end over HTTP: issue from the records, present with a KB-JWT as a
//! wallet would, verify through `/api/v1/verify`, change status, have a record change revoke, rotate
//! the issuer key, refuse a foreign issuer, and never show a private key.

use credentials::jws::{Jwk, Signer, SoftwareEs256Key};
use credentials::sdjwt::{KeyBinding, SdJwt, SdPlan};
use credentials::status::{StatusRef, verify_status_list_token};
use credentials::vc::{VcSpec, issue_vc};
use serde_json::{Value, json};
use testkit::{OrgFixture, TestApp, each_backend, fixed_now, fixtures};

use crate::flows::{add, person};

const AUD: &str = "https://verifier.example.nhs.uk";

/// A worker of `org` with an enhanced DBS check; returns (person id, check id).
async fn worker_with_dbs(app: &TestApp, org: &OrgFixture) -> (String, String) {
    let pid = person(app, &org.admin_token, "Okafor", "AB123456C").await;
    let check = add(
        app,
        &org.admin_token,
        &format!("/api/v1/people/{pid}/checks"),
        &fixtures::dbs_check("enhanced_adults", "2025-11-02"),
    )
    .await;
    (pid, check)
}

/// Issues `kind` to `holder`; returns the response body.
async fn issue(app: &TestApp, token: &str, pid: &str, kind: &str, holder: &SoftwareEs256Key) -> Value {
    let body = json!({"type": kind, "holder_jwk": holder.public_jwk()});
    let (status, issued) = app.post(token, &format!("/api/v1/people/{pid}/credentials"), &body).await;
    assert_eq!(status, 201, "{issued}");
    issued
}

/// Presents `reveal` of `credential` with a KB-JWT for `nonce` made at the server's time.
fn present(credential: &str, reveal: &[&str], holder: &SoftwareEs256Key, nonce: &str) -> String {
    let kb = KeyBinding { signer: holder, nonce, aud: AUD, iat: fixed_now().timestamp() };
    SdJwt::parse(credential).unwrap().present(reveal, Some(&kb)).unwrap()
}

async fn verify(app: &TestApp, token: &str, presentation: &str, nonce: &str) -> Value {
    let body = json!({"presentation": presentation, "nonce": nonce, "aud": AUD});
    let (status, answer) = app.post(token, "/api/v1/verify", &body).await;
    assert_eq!(status, 200, "{answer}");
    answer
}

async fn reason(app: &TestApp, token: &str, credential: &str, holder: &SoftwareEs256Key) -> Value {
    let answer = verify(app, token, &present(credential, &["/dbs"], holder, "n"), "n").await;
    if answer["valid"] == true { json!("valid") } else { answer["reason"].clone() }
}

#[tokio::test]
async fn presented_credential_verifies_with_exactly_the_disclosed_claims() {
    each_backend(|app| async move {
        let org = app.organisation("RJ1", "Guy's and St Thomas'").await;
        let t = &org.admin_token;
        let (pid, check) = worker_with_dbs(&app, &org).await;
        let holder = SoftwareEs256Key::generate().unwrap();
        let issued = issue(&app, t, &pid, "criminal_record", &holder).await;
        assert_eq!(issued["type"], "criminal_record");
        assert_eq!(issued["status"], "valid");
        assert_eq!(issued["sources"], json!([check]));
        assert_eq!(issued["vct"], "urn:nhs:staff-passport:dbs:1", "the same on every deployment");
        let credential = issued["credential"].as_str().unwrap();

        let shown = present(credential, &["/family_name", "/dbs"], &holder, "nonce-1");
        let answer = verify(&app, t, &shown, "nonce-1").await;
        assert_eq!(answer["valid"], true, "{answer}");
        assert_eq!(answer["ods_code"], "RJ1");
        assert_eq!(answer["organisation"], "Guy's and St Thomas'");
        assert_eq!(answer["type"], "criminal_record");
        assert_eq!(answer["key_bound"], true);
        let claims = answer["claims"].as_object().unwrap();
        let mut names: Vec<&str> = claims.keys().map(String::as_str).collect();
        names.sort();
        assert_eq!(names, ["dbs", "family_name"], "only what was disclosed: {answer}");
        assert_eq!(claims["dbs"]["level"], "enhanced_adults");
        assert_eq!(claims["family_name"], "Okafor");

        // The same presentation for another verifier's nonce, or altered, is refused with its reason.
        assert_eq!(verify(&app, t, &shown, "nonce-2").await["reason"], "nonce_mismatch");
        let plain = SdJwt::parse(credential).unwrap().present(&["/dbs"], None).unwrap();
        assert_eq!(verify(&app, t, &plain, "nonce-1").await["reason"], "key_binding_required");

        // Every deployment serves the type metadata of the vct; the status list URI serves a token the
        // issuer's JWKS verifies.
        let vct = issued["vct"].as_str().unwrap();
        let metadata: Value =
            app.client.get(app.url("/vct/staff-passport/dbs")).send().await.unwrap().json().await.unwrap();
        assert_eq!(metadata["vct"], vct);
        let uri = issued["status_list"]["uri"].as_str().unwrap();
        let response = app.client.get(uri).send().await.unwrap();
        assert_eq!(response.headers()["content-type"], "application/statuslist+jwt");
        let token = response.text().await.unwrap();
        let meta: Value = app
            .client
            .get(app.url("/.well-known/jwt-vc-issuer/issuers/RJ1"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(meta["issuer"], format!("{}/issuers/RJ1", app.base));
        let jwk: Jwk = serde_json::from_value(meta["jwks"]["keys"][0].clone()).unwrap();
        let key = credentials::jws::VerifyingKey::from_jwk(&jwk).unwrap();
        let list = verify_status_list_token(&token, uri, &key, fixed_now().timestamp()).unwrap();
        assert_eq!(list.ttl, Some(300));
        assert_eq!(list.list.get(issued["status_list"]["idx"].as_u64().unwrap() as usize), Some(0));
        app
    })
    .await;
}

#[tokio::test]
async fn suspended_and_revoked_credentials_are_refused() {
    each_backend(|app| async move {
        let org = app.organisation("RJ1", "Guy's and St Thomas'").await;
        let t = &org.admin_token;
        let (pid, _) = worker_with_dbs(&app, &org).await;
        let holder = SoftwareEs256Key::generate().unwrap();
        let issued = issue(&app, t, &pid, "dbs", &holder).await;
        let (id, credential) = (issued["id"].as_str().unwrap(), issued["credential"].as_str().unwrap());
        let change = |action: &'static str| {
            let app = &app;
            async move { app.post(t, &format!("/api/v1/credentials/{id}/{action}"), &json!({"reason": "test"})).await }
        };
        assert_eq!(reason(&app, t, credential, &holder).await, "valid");
        let (status, body) = change("suspend").await;
        assert_eq!((status, body["status"].as_str()), (200, Some("suspended")), "{body}");
        assert_eq!(reason(&app, t, credential, &holder).await, "suspended");
        let (status, _) = change("reinstate").await;
        assert_eq!(status, 200);
        assert_eq!(reason(&app, t, credential, &holder).await, "valid");
        let (status, _) = change("revoke").await;
        assert_eq!(status, 200);
        assert_eq!(reason(&app, t, credential, &holder).await, "revoked");
        let (status, body) = change("reinstate").await;
        assert_eq!(status, 422, "revocation is final: {body}");
        assert_eq!(body["errors"][0]["field"], "status");
        let (_, listed) = app.get(t, &format!("/api/v1/people/{pid}/credentials")).await;
        assert_eq!(listed[0]["status"], "revoked");
        app
    })
    .await;
}

#[tokio::test]
async fn deleting_the_source_check_revokes_the_credential() {
    each_backend(|app| async move {
        let org = app.organisation("RJ1", "Guy's and St Thomas'").await;
        let t = &org.admin_token;
        let (pid, check) = worker_with_dbs(&app, &org).await;
        let holder = SoftwareEs256Key::generate().unwrap();
        let dbs = issue(&app, t, &pid, "criminal_record", &holder).await;
        let (status, _) = app.delete(t, &format!("/api/v1/people/{pid}/checks/{check}")).await;
        assert_eq!(status, 204);
        assert_eq!(reason(&app, t, dbs["credential"].as_str().unwrap(), &holder).await, "revoked");
        let (_, listed) = app.get(t, &format!("/api/v1/people/{pid}/credentials")).await;
        assert_eq!(listed[0]["status"], "revoked");
        assert!(listed[0]["status_reason"].as_str().unwrap().contains("deleted"), "{listed}");
        // With the check gone there is nothing to vouch for.
        let body = json!({"type": "criminal_record", "holder_jwk": holder.public_jwk()});
        let (status, problem) = app.post(t, &format!("/api/v1/people/{pid}/credentials"), &body).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "type");
        app
    })
    .await;
}

#[tokio::test]
async fn rotated_key_keeps_old_credentials_valid_and_signs_new_ones() {
    each_backend(|app| async move {
        let org = app.organisation("RJ1", "Guy's and St Thomas'").await;
        let t = &org.admin_token;
        let (pid, _) = worker_with_dbs(&app, &org).await;
        let holder = SoftwareEs256Key::generate().unwrap();
        let old = issue(&app, t, &pid, "dbs", &holder).await;
        let (status, rotated) = app.post(t, "/api/v1/issuer/rotate-key", &json!({})).await;
        assert_eq!(status, 200, "{rotated}");
        let new = issue(&app, t, &pid, "dbs", &holder).await;
        assert_ne!(old["kid"], new["kid"]);
        assert_eq!(new["kid"], rotated["kid"]);
        for credential in [&old, &new] {
            assert_eq!(reason(&app, t, credential["credential"].as_str().unwrap(), &holder).await, "valid");
        }
        let meta: Value = app
            .client
            .get(app.url("/.well-known/jwt-vc-issuer/issuers/RJ1"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(meta["jwks"]["keys"].as_array().unwrap().len(), 2);
        // The trust list names both keys, the old one with retired_at, signed by the operator key.
        let token = app.client.get(app.url("/trust-list")).send().await.unwrap().text().await.unwrap();
        let jwks: Value = app.client.get(app.url("/trust-list/jwks")).send().await.unwrap().json().await.unwrap();
        let operator: Jwk = serde_json::from_value(jwks["keys"][0].clone()).unwrap();
        let list = credentials::trust::TrustList::verify(&token, &operator, fixed_now().timestamp()).unwrap();
        let rj1 = list.organisations.iter().find(|o| o.ods_code == "RJ1").unwrap();
        let old_key = rj1.keys.iter().find(|k| k.jwk.kid.as_deref() == old["kid"].as_str()).unwrap();
        assert!(old_key.retired_at.is_some());
        app
    })
    .await;
}

#[tokio::test]
async fn a_foreign_issuer_is_not_trusted() {
    each_backend(|app| async move {
        let org = app.organisation("RJ1", "Guy's and St Thomas'").await;
        let holder = SoftwareEs256Key::generate().unwrap();
        let rogue = SoftwareEs256Key::generate().unwrap();
        let forge = |iss: String| {
            let claims =
                json!({"family_name": "Okafor", "dbs": {"level": "enhanced_both"}}).as_object().cloned().unwrap();
            let spec = VcSpec {
                iss,
                vct: format!("{}/vct/staff-passport/dbs", app.base),
                iat: fixed_now().timestamp(),
                nbf: None,
                exp: Some(fixed_now().timestamp() + 3600),
                cnf: Some(holder.public_jwk()),
                status: Some(StatusRef { idx: 0, uri: format!("{}/statuslists/RJ1/1", app.base) }),
                sd: SdPlan::all_members(&claims, 0),
                claims,
            };
            issue_vc(&spec, &rogue, &mut rand::thread_rng()).unwrap()
        };
        let t = &org.admin_token;
        let foreign = forge("https://rogue.example/issuers/RXX".into());
        assert_eq!(reason(&app, t, &foreign, &holder).await, "issuer_not_trusted");
        // Claiming to be RJ1 does not help: the key is not RJ1's.
        let impostor = forge(format!("{}/issuers/RJ1", app.base));
        assert_eq!(reason(&app, t, &impostor, &holder).await, "key_not_trusted");
        app
    })
    .await;
}

#[tokio::test]
async fn issuing_refuses_bad_holder_keys_and_unknown_types() {
    each_backend(|app| async move {
        let org = app.organisation("RJ1", "Guy's and St Thomas'").await;
        let t = &org.admin_token;
        let (pid, _) = worker_with_dbs(&app, &org).await;
        let path = format!("/api/v1/people/{pid}/credentials");
        let holder = serde_json::to_value(SoftwareEs256Key::generate().unwrap().public_jwk()).unwrap();
        let mut private = holder.clone();
        private["d"] = json!("c2VjcmV0");
        let cases = [
            (json!({"type": "passport", "holder_jwk": holder}), "type"),
            (json!({"type": "dbs", "holder_jwk": private}), "holder_jwk"),
            (json!({"type": "dbs", "holder_jwk": {"kty": "RSA", "crv": "", "x": "AQAB"}}), "holder_jwk"),
            (json!({"type": "training", "holder_jwk": holder}), "type"),
        ];
        for (body, field) in cases {
            let (status, problem) = app.post(t, &path, &body).await;
            assert_eq!(status, 422, "{body}: {problem}");
            assert!(problem["errors"][0]["field"].as_str().unwrap().starts_with(field), "{body}: {problem}");
        }
        let verifier = app.user_token(&org.id, &[store::Role::Verifier], "verifier").await;
        let (status, _) = app.post(&verifier, &path, &json!({"type": "dbs", "holder_jwk": holder})).await;
        assert_eq!(status, 404, "a verifier cannot issue");
        app
    })
    .await;
}

#[tokio::test]
async fn no_response_ever_carries_private_key_material() {
    each_backend(|app| async move {
        let org = app.organisation("RJ1", "Guy's and St Thomas'").await;
        let t = &org.admin_token;
        let (pid, _) = worker_with_dbs(&app, &org).await;
        let holder = SoftwareEs256Key::generate().unwrap();
        let issued = issue(&app, t, &pid, "dbs", &holder).await;
        let (_, rotated) = app.post(t, "/api/v1/issuer/rotate-key", &json!({})).await;
        let mut bodies = vec![issued.to_string(), rotated.to_string()];
        bodies.push(app.get(t, &format!("/api/v1/people/{pid}/credentials")).await.1.to_string());
        for path in ["/.well-known/jwt-vc-issuer/issuers/RJ1", "/trust-list", "/trust-list/jwks", "/statuslists/RJ1/1"]
        {
            bodies.push(app.client.get(app.url(path)).send().await.unwrap().text().await.unwrap());
        }
        // Keys are sealed at rest (issue 14, finding 8) and signers expose no private half: what could
        // leak is the sealed blob, and a JWK private member.
        let mut secrets = Vec::new();
        for owner in [org.id.as_str(), store::REGISTRY_CHAIN] {
            let key = app.store.issuing().signing_key(owner).await.unwrap().expect("key generated");
            assert!(key.kek_id().is_some(), "stored sealed");
            secrets.push(hex_of(key.material()));
            secrets.push(credentials::b64::encode(key.material()));
        }
        for body in &bodies {
            assert!(!body.contains("\"d\""), "a JWK private member in {body}");
            for secret in &secrets {
                assert!(!body.contains(secret.as_str()), "key material in {body}");
            }
        }
        app
    })
    .await;
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn leaving_or_retraining_revokes_employment_and_training_credentials() {
    each_backend(|app| async move {
        let org = app.organisation("RJ1", "Guy's and St Thomas'").await;
        let t = &org.admin_token;
        let pid = person(&app, t, "Okafor", "AB123456C").await;
        let base = format!("/api/v1/people/{pid}");
        let job = add(&app, t, &format!("{base}/assignments"), &fixtures::assignment("NUR-ED", "applicant")).await;
        let fire =
            add(&app, t, &format!("{base}/competences"), &fixtures::competence("fire_safety", 1, "2025-07-01")).await;
        let holder = SoftwareEs256Key::generate().unwrap();

        // An applicant is not yet employed: nothing to vouch for.
        let body = json!({"type": "employment", "holder_jwk": holder.public_jwk()});
        let (status, _) = app.post(t, &format!("{base}/credentials"), &body).await;
        assert_eq!(status, 422);
        let started = json!({"status": "active", "on": "2026-01-05"});
        let (status, _) = app.post(t, &format!("{base}/assignments/{job}/transition"), &started).await;
        assert_eq!(status, 200);
        let employment = issue(&app, t, &pid, "employment", &holder).await;
        let training = issue(&app, t, &pid, "training", &holder).await;
        let employed = employment["credential"].as_str().unwrap();
        let trained = training["credential"].as_str().unwrap();

        let shown = present(trained, &["/competences/0"], &holder, "n");
        let answer = verify(&app, t, &shown, "n").await;
        assert_eq!(answer["claims"]["competences"][0]["subject"], "fire_safety", "{answer}");
        assert_eq!(answer["exp"], json!(domain::passport::exp_of("2027-07-01".parse().unwrap())), "{answer}");
        let shown = present(employed, &["/employment"], &holder, "n");
        let answer = verify(&app, t, &shown, "n").await;
        assert_eq!(answer["claims"]["employment"]["employer"]["ods_code"], "RJ1", "{answer}");

        // The worker leaves: the employment credential is revoked, the training one is not.
        let left = json!({"status": "left", "on": "2026-05-31"});
        let (status, _) = app.post(t, &format!("{base}/assignments/{job}/transition"), &left).await;
        assert_eq!(status, 200);
        let answer = verify(&app, t, &present(employed, &["/employment"], &holder, "n"), "n").await;
        assert_eq!(answer["reason"], "revoked");
        let answer = verify(&app, t, &present(trained, &["/competences/0"], &holder, "n"), "n").await;
        assert_eq!(answer["valid"], true);

        // Correcting the competence record revokes the training credential built on it.
        let corrected = fixtures::competence("fire_safety", 1, "2025-07-02");
        let (status, _) = app.send_json("PUT", t, &format!("{base}/competences/{fire}"), &corrected).await;
        assert_eq!(status, 200);
        let answer = verify(&app, t, &present(trained, &["/competences/0"], &holder, "n"), "n").await;
        assert_eq!(answer["reason"], "revoked");
        app
    })
    .await;
}
