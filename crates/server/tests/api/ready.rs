//! Ready to work, exactly: the false-ready cases of issue 9 through the real verifier. A's worker
//! holds credentials that are genuine and valid, but a host role asks for more than they carry
//! (high identity assurance, a DBS under a month old, 36 months of employment history), or what
//! they carry has since lapsed or expired. Each requirement is answered not met, naming itself and
//! the reason; the same worker answers a role those credentials do meet and reads ready. Also:
//! every credential the issuer makes validates against its published JSON Schema, and the `vct`
//! and type metadata do not depend on the deployment's URL.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use credentials::jws::{Signer, SoftwareEs256Key};
use credentials::oid4vc::matching::{self, HeldCredential};
use credentials::oid4vc::vp::{AuthorizationResponse, ReceivedRequestObject, RequestLink};
use credentials::sdjwt::KeyBinding;
use domain::org::OdsCode;
use domain::passport::PassportType;
use serde_json::{Value, json};
use testkit::{TestApp, each_backend, fixed_now, fixtures};

use crate::flows::{add, person};

fn registration_check(status: &str) -> Value {
    json!({"details": {"kind": "professional_registration",
                       "registration": {"register": "nmc", "number": "12A3456E", "status": status,
                                        "expires_on": "2027-03-31"}},
           "outcome": "clear", "completed_on": "2025-09-01", "checked_by": "hr.officer"})
}

fn history_check(from: &str, to: &str) -> Value {
    json!({"details": {"kind": "employment_history", "covered_from": from, "covered_to": to, "gaps_explained": true,
                       "references": [{"referee": "Ward manager, Ward 7", "organisation": "RJ1",
                                       "received_on": "2026-01-10"}]},
           "outcome": "clear", "completed_on": "2026-01-12", "checked_by": "hr.officer"})
}

/// Issues `kind` to `holder` through the API, returning the credential text.
async fn issue(app: &TestApp, token: &str, pid: &str, kind: &str, holder: &SoftwareEs256Key) -> String {
    let body = json!({"type": kind, "holder_jwk": holder.public_jwk().bare()});
    let (status, issued) = app.post(token, &format!("/api/v1/people/{pid}/credentials"), &body).await;
    assert_eq!(status, 201, "{kind}: {issued}");
    issued["credential"].as_str().unwrap().to_owned()
}

/// Asks for `role_code`, answers with whatever of `held` matches (queries nothing matches are left
/// out, as a wallet presenting what it has would), returns the recorded result.
async fn answer(
    app: &TestApp,
    token: &str,
    role_code: &str,
    held: &[HeldCredential],
    holder: &SoftwareEs256Key,
) -> Value {
    let (status, body) = app.post(token, "/api/v1/presentation-requests", &json!({"role_code": role_code})).await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().unwrap().to_owned();
    let link = RequestLink::parse(body["link"].as_str().unwrap()).unwrap();
    let object = app.client.get(&link.request_uri).send().await.unwrap().text().await.unwrap();
    let request = ReceivedRequestObject::parse(&object).unwrap().request;
    let mut query = request.dcql_query.clone().unwrap();
    query
        .credentials
        .retain(|q| matching::select(&credentials::oid4vc::dcql::DcqlQuery::new(vec![q.clone()]), held).is_ok());
    let selection = matching::select(&query, held).unwrap();
    let kb =
        KeyBinding { signer: holder, nonce: &request.nonce, aud: &request.client_id, iat: fixed_now().timestamp() };
    let vp_token = matching::vp_token(&selection, held, &kb).unwrap();
    let path = request.response_uri.unwrap().replace(&app.base, "");
    let form = AuthorizationResponse::VpToken { vp_token, state: request.state }.to_form();
    let resp = app
        .client
        .post(app.url(&path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200, "{}", resp.text().await.unwrap());
    let (status, view) = app.get(token, &format!("/api/v1/presentation-requests/{id}")).await;
    assert_eq!(status, 200, "{view}");
    view["result"].clone()
}

#[tokio::test]
async fn false_ready_cases_are_answered_not_ready_naming_the_requirement_and_the_reason() {
    each_backend(|app| async move {
        let a = app.organisation("RJ1", "Organisation A").await;
        let b = app.organisation("RRK", "Organisation B").await;
        let t = &a.admin_token;
        let pid = person(&app, t, "Okafor", "AB123456C").await;
        let base = format!("/api/v1/people/{pid}");
        // Medium assurance through the smartcard route; a DBS issued 13 months before today
        // (2026-06-01); 12 months of employment history; a registration; fire safety that ran
        // out on 2026-05-20.
        add(&app, t, &format!("{base}/checks"), &fixtures::identity_check()).await;
        add(&app, t, &format!("{base}/checks"), &fixtures::dbs_check("enhanced_adults", "2025-05-01")).await;
        add(&app, t, &format!("{base}/checks"), &history_check("2025-01-01", "2026-01-01")).await;
        let registration = add(&app, t, &format!("{base}/checks"), &registration_check("registered")).await;
        add(&app, t, &format!("{base}/competences"), &fixtures::competence("fire_safety", 1, "2024-05-20")).await;

        let holder = SoftwareEs256Key::generate().unwrap();
        let mut texts = Vec::new();
        for kind in ["identity_and_right_to_work", "criminal_record", "employment_history", "professional_registration"]
        {
            texts.push(issue(&app, t, &pid, kind, &holder).await);
        }
        // The training credential was issued a year ago, while fire safety was in date (it ends
        // with the competence).
        let mut year_ago = app.state.clone();
        year_ago.clock = Arc::new(|| Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap());
        year_ago.public_url = Some(app.base.clone());
        let scope = app.store.registry().system_scope(&OdsCode::parse("RJ1").unwrap(), "test").await.unwrap();
        let (_, training) = server::issuer::issue(
            &year_ago,
            &scope,
            &pid,
            PassportType::Training,
            holder.public_jwk().bare(),
        )
        .await
        .unwrap();
        texts.push(training);
        // The registration lapses: A records it, which revokes the credential resting on it.
        let (status, body) =
            app.send_json("PUT", t, &format!("{base}/checks/{registration}"), &registration_check("lapsed")).await;
        assert_eq!(status, 200, "{body}");
        let held: Vec<HeldCredential> = texts.iter().map(|c| HeldCredential::parse(c).unwrap()).collect();

        let strict = json!({"role_code": "STRICT", "title": "Theatre nurse",
            "checks": [{"kind": "identity", "min_assurance": "high"},
                       {"kind": "criminal_record", "min_dbs_level": "enhanced_adults", "max_age_months": 1},
                       {"kind": "employment_history", "min_history_months": 36},
                       {"kind": "professional_registration"}],
            "competences": [{"competence": {"kind": "cstf", "subject": "fire_safety", "level": 1}}]});
        let (status, body) = app.send_json("PUT", &b.admin_token, "/api/v1/roles/STRICT", &strict).await;
        assert_eq!(status, 200, "{body}");
        let result = answer(&app, &b.admin_token, "STRICT", &held, &holder).await;
        assert_eq!(result["ready"], false, "{result}");
        assert_eq!(result["family_name"], "Okafor");
        let reasons: Vec<(String, bool, String)> = result["requirements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (r["requirement"].as_str().unwrap().to_owned(), r["met"] == true, r["reason"].as_str().unwrap_or("").to_owned())
            })
            .collect();
        let expected = [
            ("check:identity", "identity assurance medium (smartcard RA check, counted at its stated level) is below the required high"),
            ("check:criminal_record", "clear on 2025-05-01 (DBS enhanced_adults), expired 2025-06-01"),
            ("check:employment_history", "employment history covers 2025-01-01 to 2026-01-01, less than the required 36 months"),
            ("check:professional_registration", "revoked"),
            ("competence:cstf:fire_safety:1", "expired"),
        ];
        assert_eq!(reasons.len(), expected.len(), "{result}");
        for ((requirement, met, reason), (want, why)) in reasons.iter().zip(expected) {
            assert_eq!((requirement.as_str(), *met, reason.as_str()), (want, false, why), "{result}");
        }
        let dbs = &result["requirements"][1];
        assert_eq!((dbs["status"].as_str(), dbs["issued_by"]["ods_code"].as_str()), (Some("expired"), Some("RJ1")));
        assert_eq!(dbs["claims"]["dbs"]["issued_on"], "2025-05-01", "the typed claims are shown: {dbs}");
        assert!(dbs["claims"].get("iss").is_none(), "registered claims are not shown: {dbs}");

        // What the same credentials do meet reads ready.
        let lenient = json!({"role_code": "LENIENT", "title": "Bank support worker",
            "checks": [{"kind": "identity", "min_assurance": "medium"},
                       {"kind": "criminal_record", "min_dbs_level": "enhanced", "max_age_months": 36},
                       {"kind": "employment_history", "min_history_months": 12}]});
        let (status, body) = app.send_json("PUT", &b.admin_token, "/api/v1/roles/LENIENT", &lenient).await;
        assert_eq!(status, 200, "{body}");
        let result = answer(&app, &b.admin_token, "LENIENT", &held, &holder).await;
        assert_eq!(result["ready"], true, "{result}");
        app
    })
    .await;
}

#[tokio::test]
async fn every_issued_credential_fits_its_published_schema_and_types_do_not_name_the_deployment() {
    each_backend(|app| async move {
        let a = app.organisation("RJ1", "Organisation A").await;
        let t = &a.admin_token;
        let pid = person(&app, t, "Okafor", "AB123456C").await;
        let base = format!("/api/v1/people/{pid}");
        for check in [
            fixtures::identity_check(),
            fixtures::dbs_check("enhanced_adults", "2025-11-02"),
            history_check("2022-01-01", "2026-01-01"),
            registration_check("registered"),
        ] {
            add(&app, t, &format!("{base}/checks"), &check).await;
        }
        add(&app, t, &format!("{base}/competences"), &fixtures::competence("fire_safety", 1, "2025-07-01")).await;
        add(&app, t, &format!("{base}/immunisations"), &fixtures::hep_b_immune()).await;
        add(&app, t, &format!("{base}/immunisations"), &fixtures::flu_vaccine("2025-10-01")).await;
        let (status, _) = app.send_json("PUT", t, &format!("{base}/oh-clearance"), &fixtures::oh_clearance()).await;
        assert_eq!(status, 200);
        add(&app, t, &format!("{base}/assignments"), &fixtures::assignment("NUR-ED", "active")).await;
        let holder = SoftwareEs256Key::generate().unwrap();
        for kind in PassportType::ALL {
            let text = issue(&app, t, &pid, kind.key(), &holder).await;
            let held = HeldCredential::parse(&text).unwrap();
            assert_eq!(held.vct, kind.vct());
            assert!(held.vct.starts_with("urn:nhs:staff-passport:"), "{}", held.vct);
            let slug = kind.slug();
            let (status, meta) = app.get(t, &format!("/vct/staff-passport/{slug}")).await;
            assert_eq!(status, 200);
            assert_eq!(meta["vct"], kind.vct());
            let schema_uri = meta["schema_uri"].as_str().unwrap();
            let raw = app.client.get(schema_uri).send().await.unwrap().bytes().await.unwrap();
            assert_eq!(meta["schema_uri#integrity"], credentials::vc::integrity(&raw), "integrity of {schema_uri}");
            let schema: Value = serde_json::from_slice(&raw).unwrap();
            let payload = held.claims.clone();
            assert_eq!(domain::passport::schema::validate(&schema, &payload), Ok(()), "{kind:?}: {payload}");
        }
        // The issuer's metadata names the same vct for every type.
        let (status, meta) = app.get(t, "/.well-known/openid-credential-issuer/issuers/RJ1").await;
        assert_eq!(status, 200);
        let configs = &meta["credential_configurations_supported"];
        for kind in PassportType::ALL {
            assert_eq!(configs[kind.key()]["vct"], kind.vct(), "{meta}");
        }
        app
    })
    .await;
}
