//! Worker self-service over HTTP: invitations, a worker token's reach (only `/me`, only its own records),
//! contact changes, the access log, two organisations' records on one account, and the signed talent
//! profile PDF with its public verification page.

use std::io::{Read, Write};

use serde_json::{Value, json};
use store::{OrgScope, Role};
use testkit::{OrgFixture, TestApp, each_backend, fixed_now, fixtures};

use crate::agreement_worker::wallet_with_passport;
use crate::flows::{add, person};
use crate::oid4vc::request;

const PASSWORD: &str = "a long worker password";

/// HR invites the person; returns the invitation body.
async fn invite(app: &TestApp, org: &OrgFixture, pid: &str, email: &str) -> Value {
    let (status, body) =
        app.post(&org.admin_token, &format!("/api/v1/people/{pid}/worker-invitations"), &json!({"email": email})).await;
    assert_eq!(status, 201, "{body}");
    body
}

async fn accept(app: &TestApp, ods: &str, token: &str) -> (u16, Value) {
    let body = json!({"ods_code": ods, "token": token, "password": PASSWORD});
    app.send_json("POST", "", "/api/v1/worker-invitations/accept", &body).await
}

/// Invites and accepts; returns the worker's bearer token.
pub(crate) async fn enrol(app: &TestApp, org: &OrgFixture, pid: &str, email: &str) -> String {
    let invitation = invite(app, org, pid, email).await;
    let (status, body) = accept(app, &org.ods, invitation["token"].as_str().unwrap()).await;
    assert_eq!(status, 201, "{body}");
    body["token"].as_str().unwrap().to_owned()
}

fn field(body: &Value) -> String {
    format!(
        "{}: {}",
        body["errors"][0]["field"].as_str().unwrap_or("?"),
        body["errors"][0]["problem"].as_str().unwrap_or("?")
    )
}

async fn openapi(app: &TestApp) -> Value {
    app.client.get(app.url("/openapi.json")).send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn invitation_is_refused_when_expired_reused_or_for_another_organisation() {
    each_backend(|app| async move {
        let a = app.organisation("RJ1", "Organisation A").await;
        let b = app.organisation("RRK", "Organisation B").await;
        let pid = person(&app, &a.admin_token, "Okafor", "AB123456C").await;

        // B's HR cannot invite A's person, and the person's id tells B nothing.
        let (status, _) = app
            .post(&b.admin_token, &format!("/api/v1/people/{pid}/worker-invitations"), &json!({"email": "w@nhs.net"}))
            .await;
        assert_eq!(status, 404);

        let invitation = invite(&app, &a, &pid, "w@nhs.net").await;
        assert_eq!(invitation["expires_at"], json!("2026-06-04T12:00:00Z"), "72 hours");
        let token = invitation["token"].as_str().unwrap();
        let (status, body) = accept(&app, "RRK", token).await;
        assert_eq!((status, field(&body).as_str()), (422, "token: is not an invitation"), "presented to B");
        let (status, body) = accept(&app, "RJ1", token).await;
        assert_eq!(status, 201, "{body}");
        let (status, body) = accept(&app, "RJ1", token).await;
        assert_eq!((status, field(&body).as_str()), (422, "token: has already been used"));

        // An invitation made 73 hours before the server's now has expired.
        let other = person(&app, &a.admin_token, "Byrne", "CE123456A").await;
        let scope = OrgScope::system(a.id.clone(), "test");
        let late = fixed_now() - chrono::Duration::hours(73);
        let old = app.store.auth().invite_worker(&scope, &other, "x@nhs.net", late).await.unwrap();
        let (status, body) = accept(&app, "RJ1", &old.token).await;
        assert_eq!(status, 422);
        assert!(field(&body).starts_with("token: has expired"), "{body}");
        app
    })
    .await;
}

#[tokio::test]
async fn worker_token_is_not_found_on_every_organisation_route() {
    each_backend(|app| async move {
        let a = app.organisation("RJ1", "Organisation A").await;
        let pid = person(&app, &a.admin_token, "Okafor", "AB123456C").await;
        let worker = enrol(&app, &a, &pid, "w@nhs.net").await;
        let doc = openapi(&app).await;
        let mut checked = 0;
        for (template, methods) in doc["paths"].as_object().unwrap() {
            if template.starts_with("/api/v1/me") || !template.starts_with("/api/v1/") {
                continue;
            }
            for (method, operation) in methods.as_object().unwrap() {
                if operation.get("security").is_none() {
                    continue; // sign-in and public routes
                }
                let path = template
                    .replace("{person_id}", &pid)
                    .replace("{ods_code}", "RJ1")
                    .split('/')
                    .map(|s| if s.starts_with('{') { "some-id" } else { s })
                    .collect::<Vec<_>>()
                    .join("/");
                let (status, body) = app.send_json(&method.to_uppercase(), &worker, &path, &json!({})).await;
                assert_eq!(status, 404, "{method} {template} answered a worker {status}: {body}");
                assert!(!body.to_string().contains("Okafor"), "{method} {template} leaked: {body}");
                checked += 1;
            }
        }
        assert!(checked >= 30, "only {checked} routes checked");
        app
    })
    .await;
}

#[tokio::test]
async fn every_me_route_with_another_workers_organisation_is_not_found() {
    each_backend(|app| async move {
        let a = app.organisation("RJ1", "Organisation A").await;
        let b = app.organisation("RRK", "Organisation B").await;
        let mine = person(&app, &a.admin_token, "Okafor", "AB123456C").await;
        let theirs = person(&app, &b.admin_token, "Byrnetheirs", "CE123456A").await;
        let me = enrol(&app, &a, &mine, "me@nhs.net").await;
        let _them = enrol(&app, &b, &theirs, "them@nhs.net").await;
        // Their deployment to my employer, awaiting their signature: mine to see, as host staff, but
        // never as a worker.
        crate::agreements::publish_terms(&app).await;
        let draft = crate::agreements::deployment(&theirs, "RJ1", "nhs-core-terms");
        let their_agreement = add(&app, &b.admin_token, "/api/v1/agreements", &draft).await;
        let (status, _) =
            app.post(&b.admin_token, &format!("/api/v1/agreements/{their_agreement}/propose"), &json!({})).await;
        assert_eq!(status, 200);
        let doc = openapi(&app).await;
        let mut checked = 0;
        for (template, methods) in doc["paths"].as_object().unwrap() {
            if !template.starts_with("/api/v1/me/") || !template.contains('{') {
                continue;
            }
            for method in methods.as_object().unwrap().keys() {
                let body = if template.ends_with("/contact") {
                    json!({"address": {"lines": ["1 Way"], "town": "Leeds", "postcode": "LS1 4AP"}})
                } else if template.ends_with("/transfer-consent") || template.ends_with("/wallet-request") {
                    json!({"given": true})
                } else {
                    json!({"types": ["criminal_record"]})
                };
                for ods in ["RRK", "XYZ99"] {
                    let path = template.replace("{ods_code}", ods).replace("{agreement_id}", &their_agreement);
                    assert!(!path.contains('{'), "no fixture for a parameter of {template}");
                    let (status, answer) = app.send_json(&method.to_uppercase(), &me, &path, &body).await;
                    assert_eq!(status, 404, "{method} {path} answered {status}: {answer}");
                    assert!(!answer.to_string().contains("Byrnetheirs"), "{method} {path} leaked: {answer}");
                    checked += 1;
                }
                // An organisation user's token opens no /me route either.
                let path = template.replace("{ods_code}", "RRK").replace("{agreement_id}", &their_agreement);
                let (status, _) = app.send_json(&method.to_uppercase(), &b.admin_token, &path, &body).await;
                assert_eq!(status, 404, "{method} {path} answered HR {status}");
            }
        }
        assert!(checked >= 14, "only {checked} routes checked");
        let (_, listed) = app.get(&me, "/api/v1/me/agreements").await;
        assert_eq!(listed, json!([]), "another worker's agreement");
        // And B's person is untouched: their contact history is empty.
        let (_, history) = app.get(&b.admin_token, &format!("/api/v1/people/{theirs}/contact-history")).await;
        assert_eq!(history, json!([]));
        app
    })
    .await;
}

#[tokio::test]
async fn address_with_a_bad_postcode_is_422_naming_the_field_and_stores_nothing() {
    each_backend(|app| async move {
        let a = app.organisation("RJ1", "Organisation A").await;
        let pid = person(&app, &a.admin_token, "Okafor", "AB123456C").await;
        let worker = enrol(&app, &a, &pid, "w@nhs.net").await;
        let bad = json!({"address": {"lines": ["2 New Road"], "town": "Leeds", "postcode": "LS1 XYZ"},
            "phone": "0113 496 0000", "email": "new@nhs.net"});
        let (status, body) = app.send_json("PUT", &worker, "/api/v1/me/organisations/RJ1/contact", &bad).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["errors"][0]["field"], "address.postcode", "{body}");
        let (_, record) = app.get(&worker, "/api/v1/me/organisations/RJ1").await;
        assert_eq!(record["personal_details"]["address"]["postcode"], "LS1 2TW", "nothing stored");
        let (_, history) = app.get(&a.admin_token, &format!("/api/v1/people/{pid}/contact-history")).await;
        assert_eq!(history, json!([]));
        let bad_phone = json!({"phone": "call me"});
        let (status, body) = app.send_json("PUT", &worker, "/api/v1/me/organisations/RJ1/contact", &bad_phone).await;
        assert_eq!((status, body["errors"][0]["field"].as_str()), (422, Some("phone")), "{body}");

        let mut good = bad.clone();
        good["address"]["postcode"] = json!("ls1 4ap");
        let (status, body) = app.send_json("PUT", &worker, "/api/v1/me/organisations/RJ1/contact", &good).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["personal_details"]["address"]["postcode"], "LS1 4AP");
        assert_eq!(body["provenance"]["source"], "self_service");
        // HR sees the change, its provenance and its history.
        let (_, hr_view) = app.get(&a.admin_token, &format!("/api/v1/people/{pid}")).await;
        assert_eq!(hr_view["record"]["email"], "new@nhs.net");
        assert_eq!(hr_view["provenance"]["source"], "self_service");
        let (_, history) = app.get(&a.admin_token, &format!("/api/v1/people/{pid}/contact-history")).await;
        assert_eq!(history[0]["before"]["address"]["postcode"], "LS1 2TW", "{history}");
        assert_eq!(history[0]["after"]["address"]["postcode"], "LS1 4AP");
        assert_eq!(history[0]["provenance"]["source"], "self_service");
        app
    })
    .await;
}

#[tokio::test]
async fn access_log_lists_an_hr_read_made_a_moment_before() {
    each_backend(|app| async move {
        let a = app.organisation("RJ1", "Organisation A").await;
        let pid = person(&app, &a.admin_token, "Okafor", "AB123456C").await;
        let worker = enrol(&app, &a, &pid, "w@nhs.net").await;
        let hr = app.user_token(&a.id, &[Role::Hr], "hr").await;
        let (status, _) = app.get(&hr, &format!("/api/v1/people/{pid}")).await;
        assert_eq!(status, 200);
        let (status, log) = app.get(&worker, "/api/v1/me/access-log").await;
        assert_eq!(status, 200, "{log}");
        let newest = &log[0];
        assert_eq!(newest["action"], "person.read", "{log}");
        assert_eq!(newest["actor"], "staff");
        assert_eq!(newest["roles"], json!(["hr"]));
        assert_eq!(newest["ods_code"], "RJ1");
        assert_eq!(newest["organisation"], "Organisation A");
        assert!(log.as_array().unwrap().iter().any(|e| e["action"] == "person.create"), "{log}");
        app
    })
    .await;
}

#[tokio::test]
async fn access_log_lists_a_hosts_presentation_of_the_workers_credentials() {
    each_backend(|app| async move {
        let employer = app.organisation("RJ1", "Employer Trust").await;
        let host = app.organisation("RJZ", "Host Trust").await;
        let role = json!({"role_code": "BANK-RN", "title": "Bank Nurse",
                          "checks": [{"kind": "criminal_record", "min_dbs_level": "enhanced_adults"}]});
        assert_eq!(app.send_json("PUT", &host.admin_token, "/api/v1/roles/BANK-RN", &role).await.0, 200);
        let pid = person(&app, &employer.admin_token, "Okafor", "AB123456C").await;
        let dir = tempfile::tempdir().unwrap();
        let wallet = wallet_with_passport(&app, &employer.admin_token, &pid, dir.path()).await;
        let worker = enrol(&app, &employer, &pid, "w@nhs.net").await;
        let verifier = app.user_token(&host.id, &[Role::Verifier], "gate").await;

        let (id, link) = request(&app, &verifier).await;
        let now = fixed_now().timestamp();
        let client = wallet::client();
        let plan = wallet::presentation::prepare(&wallet, &client, &link, now).await.expect("the request");
        wallet::presentation::submit(&wallet, &client, &plan, now).await.expect("the answer is recorded");
        let (status, answered) = app.get(&verifier, &format!("/api/v1/presentation-requests/{id}")).await;
        assert_eq!(status, 200, "{answered}");
        assert_eq!(answered["result"]["ready"], true, "{answered}");

        let (status, log) = app.get(&worker, "/api/v1/me/access-log").await;
        assert_eq!(status, 200, "{log}");
        let shown: Vec<&Value> =
            log.as_array().unwrap().iter().filter(|e| e["action"] == "credential.presented").collect();
        assert_eq!(shown.len(), 1, "one entry for the one presentation: {log}");
        let entry = shown[0];
        assert_eq!(entry["ods_code"], "RJ1", "on the issuer's chain: {entry}");
        assert_eq!(entry["actor"], "other_organisation", "{entry}");
        assert_eq!(entry["from_ods_code"], "RJZ", "the host that verified it: {entry}");
        assert_eq!(entry["roles"], json!(["verifier"]), "{entry}");
        // The entries sit on the issuer's chain, which still verifies end to end.
        app.store.verify_audit().await.expect("every chain verifies");
        app
    })
    .await;
}

#[tokio::test]
async fn worker_with_records_in_two_organisations_sees_both() {
    each_backend(|app| async move {
        let a = app.organisation("RJ1", "Organisation A").await;
        let b = app.organisation("RRK", "Organisation B").await;
        let in_a = person(&app, &a.admin_token, "Okafor", "AB123456C").await;
        let in_b = person(&app, &b.admin_token, "Okafor-Bank", "AB123456C").await;
        let first = enrol(&app, &a, &in_a, "w@nhs.net").await;
        // B invites the same email: accepting with the same password links B's record to the same account.
        let second = enrol(&app, &b, &in_b, "W@nhs.net").await;
        let (_, me1) = app.get(&first, "/api/v1/me").await;
        let (_, me2) = app.get(&second, "/api/v1/me").await;
        assert_eq!(me1["account_id"], me2["account_id"]);
        let codes: Vec<&str> =
            me1["organisations"].as_array().unwrap().iter().map(|o| o["ods_code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["RJ1", "RRK"]);
        let (_, rec_a) = app.get(&first, "/api/v1/me/organisations/RJ1").await;
        let (_, rec_b) = app.get(&first, "/api/v1/me/organisations/rrk").await;
        assert_eq!(rec_a["personal_details"]["family_name"], "Okafor");
        assert_eq!(rec_b["personal_details"]["family_name"], "Okafor-Bank");
        assert_eq!(rec_b["organisation"], "Organisation B");
        // Sign-in by email and password gives the same account.
        let (status, signed_in) = app
            .send_json("POST", "", "/api/v1/auth/worker-token", &json!({"email": "w@nhs.net", "password": PASSWORD}))
            .await;
        assert_eq!(status, 201, "{signed_in}");
        assert_eq!(signed_in["account_id"], me1["account_id"]);
        let (status, _) = app
            .send_json(
                "POST",
                "",
                "/api/v1/auth/worker-token",
                &json!({"email": "w@nhs.net", "password": "wrong one!"}),
            )
            .await;
        assert_eq!(status, 401);
        app
    })
    .await;
}

/// A worker of A with a registration, CSTF training, checks, an immunisation and an active assignment.
async fn recorded_worker(app: &TestApp, a: &OrgFixture) -> (String, String) {
    let t = &a.admin_token;
    let (status, _) = app.send_json("PUT", t, "/api/v1/roles/NUR-ED", &fixtures::role("NUR-ED")).await;
    assert_eq!(status, 200);
    let pid = person(app, t, "Okafor", "AB123456C").await;
    let base = format!("/api/v1/people/{pid}");
    add(app, t, &format!("{base}/checks"), &fixtures::identity_check()).await;
    add(app, t, &format!("{base}/checks"), &fixtures::dbs_check("enhanced_adults", "2025-11-02")).await;
    add(app, t, &format!("{base}/competences"), &fixtures::competence("fire_safety", 1, "2025-07-01")).await;
    add(app, t, &format!("{base}/competences"), &fixtures::competence("information_governance", 1, "2026-02-10")).await;
    add(app, t, &format!("{base}/immunisations"), &fixtures::hep_b_immune()).await;
    add(app, t, &format!("{base}/assignments"), &fixtures::assignment("NUR-ED", "active")).await;
    let worker = enrol(app, a, &pid, "w@nhs.net").await;
    (pid, worker)
}

#[tokio::test]
async fn record_compliance_and_offers_are_the_workers_own() {
    each_backend(|app| async move {
        let a = app.organisation("RJ1", "Organisation A").await;
        let (_, worker) = recorded_worker(&app, &a).await;
        let (status, record) = app.get(&worker, "/api/v1/me/organisations/RJ1").await;
        assert_eq!(status, 200, "{record}");
        let text = record.to_string();
        assert!(!text.contains("001234567890"), "a DBS certificate number reached the worker: {text}");
        assert!(!text.contains("123456789012"), "a smartcard number from a check reached the worker");
        let dbs = record["checks"].as_array().unwrap().iter().find(|c| c["kind"] == "criminal_record").unwrap().clone();
        assert_eq!(dbs["level"], "enhanced_adults");
        assert_eq!(dbs["completed_on"], "2025-11-02");
        let fire = record["competences"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == "cstf:fire_safety:1")
            .unwrap()
            .clone();
        assert!(fire["expires_on"].is_string(), "{fire}");
        assert_eq!(record["immunisations"][0]["status"], "immune");

        let (status, compliance) = app.get(&worker, "/api/v1/me/organisations/RJ1/compliance").await;
        assert_eq!(status, 200, "{compliance}");
        assert_eq!(compliance[0]["role_code"], "NUR-ED");
        assert_eq!(compliance[0]["overall"], "met", "{compliance}");

        assert!(record["collectable"].as_array().unwrap().contains(&json!("criminal_record")), "{record}");
        let (status, offer) = app
            .post(&worker, "/api/v1/me/organisations/RJ1/credential-offers", &json!({"types": ["criminal_record"]}))
            .await;
        assert_eq!(status, 201, "{offer}");
        assert!(
            offer["qr_svg"].as_str().unwrap().starts_with("<?xml")
                || offer["qr_svg"].as_str().unwrap().contains("<svg")
        );
        assert_eq!(offer["pin"].as_str().unwrap().len(), 6, "{offer}");
        let (status, refused) = app
            .post(
                &worker,
                "/api/v1/me/organisations/RJ1/credential-offers",
                &json!({"types": ["professional_registration"]}),
            )
            .await;
        assert_eq!((status, refused["errors"][0]["field"].as_str()), (422, Some("types[0]")), "{refused}");
        let (status, credentials) = app.get(&worker, "/api/v1/me/organisations/RJ1/credentials").await;
        assert_eq!((status, credentials), (200, json!([])));
        app
    })
    .await;
}

/// The verification link inside the PDF (its link annotation's URI: an object of its own, not in a compressed stream).
fn link_in(pdf: &[u8]) -> String {
    let text = String::from_utf8_lossy(pdf);
    let start = text.find("/URI (").expect("a link annotation") + 6;
    let end = start + text[start..].find(')').unwrap();
    text[start..end].to_owned()
}

/// `token` with its payload's `name` replaced, the signature kept.
fn altered(token: &str) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let compressed = credentials::b64::decode(parts[1]).unwrap();
    let mut json = Vec::new();
    flate2::read::DeflateDecoder::new(compressed.as_slice()).read_to_end(&mut json).unwrap();
    let mut profile: Value = serde_json::from_slice(&json).unwrap();
    profile["name"] = json!("Amara Okafor-Impostor");
    let mut deflate = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    deflate.write_all(profile.to_string().as_bytes()).unwrap();
    let payload = credentials::b64::encode(deflate.finish().unwrap());
    format!("{}.{payload}.{}", parts[0], parts[2])
}

async fn verdict(app: &TestApp, token: &str) -> (Value, String) {
    let (_, json) = app.get("", &format!("/api/v1/talent-profiles/verify?p={token}")).await;
    let page = app.client.get(app.url(&format!("/talent-profiles/verify?p={token}"))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    (json, page.text().await.unwrap())
}

#[tokio::test]
async fn talent_profile_pdf_holds_the_record_and_verifies_until_altered_or_outdated() {
    each_backend(|app| async move {
        let a = app.organisation("RJ1", "Organisation A").await;
        let (pid, worker) = recorded_worker(&app, &a).await;
        let response = app
            .client
            .get(app.url("/api/v1/me/organisations/RJ1/talent-profile.pdf"))
            .bearer_auth(&worker)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/pdf");
        let pdf = response.bytes().await.unwrap().to_vec();
        assert!(pdf.starts_with(b"%PDF-"));

        match pdftotext(&pdf) {
            None => println!("skipped: pdftotext not installed (apt-get install poppler-utils); PDF text not checked"),
            Some(text) => {
                for expected in [
                    "Talent profile",
                    "Amara Okafor",
                    "Organisation A (RJ1)",
                    "Issued on 1 Jun 2026, valid until 30 Aug 2026",
                    "NMC",
                    "12A3456E",
                    "Fire Safety",
                    "1 Jul 2025",
                    "Information Governance",
                    "10 Feb 2026",
                    "Staff Nurse, Emergency Department",
                    "5 Jan 2026",
                    "Criminal record (DBS) check",
                    "2 Nov 2025",
                    "clear",
                ] {
                    assert!(text.contains(expected), "PDF text lacks {expected:?}:\n{text}");
                }
                assert!(!text.contains("001234567890"), "certificate number in the PDF");
            }
        }

        let link = link_in(&pdf);
        assert!(link.starts_with(&format!("{}/talent-profiles/verify?p=", app.base)), "{link}");
        let token = link.split("?p=").nth(1).unwrap().to_owned();
        let (json, page) = verdict(&app, &token).await;
        assert_eq!(json["status"], "valid", "{json}");
        assert_eq!(json["profile"]["name"], "Amara Okafor");
        assert!(page.contains("Valid talent profile") && page.contains("Amara Okafor"), "{page}");

        let (json, page) = verdict(&app, &altered(&token)).await;
        assert_eq!(json["status"], "altered", "{json}");
        assert!(page.contains("Altered") && !page.contains("Impostor"), "{page}");
        let (json, _) = verdict(&app, &token.replacen('.', ".x", 1)).await;
        assert_eq!(json["status"], "altered");
        let (json, _) = verdict(&app, "not-a-token").await;
        assert_eq!(json["status"], "altered");

        // A record change after issue makes the genuine profile out of date.
        add(
            &app,
            &a.admin_token,
            &format!("/api/v1/people/{pid}/competences"),
            &fixtures::competence("fire_safety", 1, "2026-05-20"),
        )
        .await;
        let (json, page) = verdict(&app, &token).await;
        assert_eq!(json["status"], "out_of_date", "{json}");
        assert!(page.contains("Out of date"), "{page}");

        // Each verification read the record, audited: the worker sees it.
        let (_, log) = app.get(&worker, "/api/v1/me/access-log").await;
        assert!(log.as_array().unwrap().iter().any(|e| e["reason"] == "talent profile verification"), "{log}");
        app
    })
    .await;
}

/// The PDF's text by `pdftotext -layout`, or `None` when poppler-utils is not installed.
fn pdftotext(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profile.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext").arg("-layout").arg(&path).arg("-").output().ok()?;
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[tokio::test]
async fn worker_gives_and_withdraws_transfer_consent_by_self_service() {
    each_backend(|app| async move {
        let a = app.organisation("RJ1", "Organisation A").await;
        let pid = person(&app, &a.admin_token, "Okafor", "AB123456C").await;
        let worker = enrol(&app, &a, &pid, "w@nhs.net").await;
        let path = "/api/v1/me/organisations/RJ1/transfer-consent";
        let (status, body) = app.get(&worker, path).await;
        assert_eq!((status, body["consent"]["state"].as_str()), (200, Some("none")), "{body}");
        let (status, body) = app.send_json("PUT", &worker, path, &json!({"given": true})).await;
        assert_eq!((status, body["consent"]["state"].as_str()), (200, Some("given")), "{body}");
        let (_, body) = app.send_json("PUT", &worker, path, &json!({"given": false})).await;
        assert_eq!(body["consent"]["state"], "withdrawn");
        let statements = body["statements"].as_array().unwrap();
        assert_eq!(statements.len(), 2);
        assert_eq!(statements[0]["method"], "self_service");
        let (status, transfers) = app.get(&worker, "/api/v1/me/organisations/RJ1/transfers").await;
        assert_eq!((status, transfers), (200, json!([])));
        let (_, log) = app.get(&worker, "/api/v1/me/access-log").await;
        assert!(
            log.as_array().unwrap().iter().any(|e| e["action"] == "transfer.consent_withdrawn" && e["actor"] == "you")
        );
        app
    })
    .await;
}
