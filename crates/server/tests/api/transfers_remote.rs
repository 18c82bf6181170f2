//! Inter-authority transfer across deployments: three servers on 127.0.0.1, each with its own
//! database and registry operator. Deployment 0 serves the old employer (RRK), deployment 1 the new
//! one (RJ1), and each trusts the other's operator; deployment 2 (RTH) trusts deployment 0 but
//! deployment 0 does not trust it. The new employer's request is signed by RJ1, the data set comes
//! back signed by RRK, and each refusal names its reason and releases or copies nothing.

use credentials::org_jwt;
use domain::org::OdsCode;
use domain::person::NiNumber;
use domain::transfer::remote::{ConsentClaim, LIFETIME_SECS, PdsRequest, REQUEST_TYP, WorkerFacts};
use domain::transfer::{ConsentMethod, PdsKind};
use serde_json::{Value, json};
use sqlx::Row;
use testkit::{TestApp, backends, fixed_now, fixtures, spawn_deployments};

use crate::agreement_worker::wallet_with_passport;
use crate::flows::{add, person};

struct World {
    old: TestApp,
    new: TestApp,
    third: TestApp,
    old_org: testkit::OrgFixture,
    new_org: testkit::OrgFixture,
    third_org: testkit::OrgFixture,
    /// The worker's record at the old employer.
    earlier: String,
}

/// The worker employed at RRK with an enhanced DBS check. No organisation has a signing key yet:
/// each is made on first use, after the other deployment may have fetched its trust list.
async fn world(backend: store::Backend) -> World {
    let mut apps = spawn_deployments(backend, 3, &[(0, 1), (1, 0), (2, 0)]).await;
    let third = apps.pop().unwrap();
    let new = apps.pop().unwrap();
    let old = apps.pop().unwrap();
    let old_org = old.organisation("RRK", "Old Trust").await;
    let new_org = new.organisation("RJ1", "New Trust").await;
    let third_org = third.organisation("RTH", "Third Trust").await;
    let t = &old_org.admin_token;
    let earlier = person(&old, t, "Núñez-García", "AB123456C").await;
    add(&old, t, &format!("/api/v1/people/{earlier}/checks"), &fixtures::dbs_check("enhanced_adults", "2025-11-02"))
        .await;
    add(&old, t, &format!("/api/v1/people/{earlier}/assignments"), &fixtures::assignment("NURSE", "active")).await;
    World { old, new, third, old_org, new_org, third_org, earlier }
}

impl World {
    async fn stop(self) {
        for app in [self.old, self.new, self.third] {
            app.stop().await;
        }
    }
}

/// An applicant at `org` in `app`, with an applicant assignment and, if `consent`, a paper consent.
async fn applicant(app: &TestApp, token: &str, family_name: &str, ni: &str, consent: bool) -> String {
    let id = person(app, token, family_name, ni).await;
    add(app, token, &format!("/api/v1/people/{id}/assignments"), &fixtures::assignment("NURSE", "applicant")).await;
    if consent {
        let body = json!({"given": true, "method": "paper", "evidence_ref": "SCAN-1"});
        add_status(app, token, &format!("/api/v1/people/{id}/transfer-consent"), &body, 201).await;
    }
    id
}

async fn add_status(app: &TestApp, token: &str, path: &str, body: &Value, expected: u16) -> Value {
    let (status, response) = app.post(token, path, body).await;
    assert_eq!(status, expected, "POST {path}: {response}");
    response
}

/// The old employer's audit entries releasing a data set: (actor, person).
async fn releases(app: &TestApp, org_id: &str) -> Vec<(String, String)> {
    let rows = sqlx::query(
        "SELECT actor, subject_id FROM audit_log WHERE org_id = $1 AND action = 'transfer.released' ORDER BY seq",
    )
    .bind(org_id)
    .fetch_all(app.store.raw_pool())
    .await
    .unwrap();
    rows.iter().map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap())).collect()
}

async fn count(app: &TestApp, sql: &str, org_id: &str) -> i64 {
    sqlx::query(sql).bind(org_id).fetch_one(app.store.raw_pool()).await.unwrap().try_get(0).unwrap()
}

/// Rows a transfer writes at the new employer: transfers, copies, checks.
async fn written(app: &TestApp, org_id: &str) -> [i64; 3] {
    [
        count(app, "SELECT COUNT(*) FROM transfers WHERE org_id = $1", org_id).await,
        count(app, "SELECT COUNT(*) FROM transfer_copies WHERE org_id = $1", org_id).await,
        count(app, "SELECT COUNT(*) FROM employment_checks WHERE org_id = $1", org_id).await,
    ]
}

fn problem_text(problem: &Value) -> String {
    problem.to_string()
}

#[tokio::test]
async fn a_transfer_across_deployments_copies_the_signed_data_set_once() {
    for backend in backends() {
        let w = world(backend).await;
        let t = &w.new_org.admin_token;
        let id = applicant(&w.new, t, "nunez garcia", "AB123456C", true).await;
        let remote = format!("/api/v1/people/{id}/transfers/remote");

        let report = add_status(&w.new, t, &remote, &json!({"source_ods": "RRK"}), 200).await;
        assert_eq!(report["transfer"]["status"], "stage1_done", "{report}");
        assert_eq!(report["transfer"]["source_ods"], "RRK");
        assert_eq!(report["transfer"]["source_person_id"], w.earlier.as_str());
        let copied: Vec<&Value> =
            report["lines"].as_array().unwrap().iter().filter(|l| l["decision"] == "copied").collect();
        assert_eq!(copied.len(), 1, "{report}");
        assert_eq!(copied[0]["kind"], serde_json::to_value(PdsKind::EmploymentCheck).unwrap());
        assert_eq!(copied[0]["item"], "criminal_record");
        // The copy carries provenance naming the old organisation and the transfer.
        let (_, checks) = w.new.get(t, &format!("/api/v1/people/{id}/checks")).await;
        assert_eq!(checks.as_array().unwrap().len(), 1, "{checks}");
        assert_eq!(checks[0]["provenance"]["source"], "iat");
        assert_eq!(checks[0]["provenance"]["source_ods"], "RRK");
        let copy =
            sqlx::query("SELECT source_ods, transfer_id, source_record_id FROM transfer_copies WHERE org_id = $1")
                .bind(&w.new_org.id)
                .fetch_one(w.new.store.raw_pool())
                .await
                .unwrap();
        assert_eq!(copy.try_get::<String, _>(0).unwrap(), "RRK");
        assert_eq!(copy.try_get::<String, _>(1).unwrap(), report["transfer"]["id"].as_str().unwrap());
        assert_eq!(copy.try_get::<String, _>(2).unwrap(), copied[0]["source_record_id"].as_str().unwrap());

        // The old organisation's chain records the release, naming the requesting organisation.
        let released = releases(&w.old, &w.old_org.id).await;
        let requester = format!("iat:RJ1:{}/issuers/RJ1", w.new.base);
        assert_eq!(released, vec![(requester, w.earlier.clone())]);

        // A rerun changes nothing and asks nobody.
        let before = written(&w.new, &w.new_org.id).await;
        let again = add_status(&w.new, t, &remote, &json!({"source_ods": "RRK"}), 200).await;
        assert_eq!(again, report);
        assert_eq!(written(&w.new, &w.new_org.id).await, before);
        assert_eq!(releases(&w.old, &w.old_org.id).await.len(), 1);
        // The transfer is one of the person's transfers. Its stage 2 is not fetched across
        // deployments: refused by name, and the applicant still starts (the start-date stage 2
        // passes it by).
        let (_, mine) = w.new.get(t, &format!("/api/v1/people/{id}/transfers")).await;
        assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
        let stage2 = format!("/api/v1/transfers/{}/stage2", report["transfer"]["id"].as_str().unwrap());
        let problem = add_status(&w.new, t, &stage2, &json!({}), 422).await;
        assert!(problem_text(&problem).contains("another deployment"), "{problem}");
        let (_, assignments) = w.new.get(t, &format!("/api/v1/people/{id}/assignments")).await;
        let assignment = assignments[0]["id"].as_str().unwrap();
        let transition = format!("/api/v1/people/{id}/assignments/{assignment}/transition");
        add_status(&w.new, t, &transition, &json!({"status": "active", "on": "2026-02-01"}), 200).await;
        w.stop().await;
    }
}

/// A request from RJ1 to RRK as deployment 1 would sign it, for the tests that spoil one.
async fn signed_request(w: &World, iat: i64, jti: &str, spoil: impl FnOnce(&mut Value)) -> String {
    let request = PdsRequest {
        iss: format!("{}/issuers/RJ1", w.new.base),
        aud: format!("{}/issuers/RRK", w.old.base),
        iat,
        exp: iat + LIFETIME_SECS,
        jti: jti.into(),
        source_ods: OdsCode::parse("RRK").unwrap(),
        worker: WorkerFacts {
            ni_number: NiNumber::parse("AB123456C").unwrap(),
            date_of_birth: "1988-03-14".parse().unwrap(),
            family_name: "Nunez Garcia".into(),
        },
        consent: ConsentClaim { method: ConsentMethod::SelfService, at: fixed_now(), evidence_ref: None, wallet: None },
    };
    let mut payload = serde_json::to_value(&request).unwrap();
    spoil(&mut payload);
    let signer = server::issuer::signer_for(&w.new.state, &w.new_org.id).await.unwrap();
    org_jwt::sign(REQUEST_TYP, &payload, &signer).unwrap()
}

/// Posts a request body straight to the old employer's public route.
async fn send(w: &World, body: String) -> (u16, String) {
    let response = w
        .old
        .client
        .post(w.old.url("/iat/RRK/portable-data-set"))
        .header("content-type", "application/jwt")
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn refusals_across_deployments_name_the_reason_and_release_nothing() {
    for backend in backends() {
        let w = world(backend).await;
        let t = &w.new_org.admin_token;
        let body = json!({"source_ods": "RRK"});

        // No consent recorded at the new employer: refused before anything is sent.
        let unconsented = applicant(&w.new, t, "Núñez-García", "AB123456C", false).await;
        let problem =
            add_status(&w.new, t, &format!("/api/v1/people/{unconsented}/transfers/remote"), &body, 422).await;
        assert!(problem_text(&problem).contains("no_consent"), "{problem}");

        // No matching worker at the old employer.
        let stranger = applicant(&w.new, t, "Smith", "CE654321B", true).await;
        let problem = add_status(&w.new, t, &format!("/api/v1/people/{stranger}/transfers/remote"), &body, 422).await;
        assert!(problem_text(&problem).contains("no_match"), "{problem}");

        // A requester the old deployment does not trust.
        let tt = &w.third_org.admin_token;
        let elsewhere = applicant(&w.third, tt, "Núñez-García", "AB123456C", true).await;
        let problem =
            add_status(&w.third, tt, &format!("/api/v1/people/{elsewhere}/transfers/remote"), &body, 422).await;
        assert!(problem_text(&problem).contains("issuer_not_trusted"), "{problem}");

        // An organisation no trusted list names is not asked at all.
        let problem = add_status(
            &w.new,
            t,
            &format!("/api/v1/people/{stranger}/transfers/remote"),
            &json!({"source_ods": "RTH"}),
            422,
        )
        .await;
        assert!(problem_text(&problem).contains("source_ods"), "{problem}");

        // Spoiled requests sent straight to the public route.
        let now = fixed_now().timestamp();
        let good = signed_request(&w, now, "direct-1", |_| {}).await;
        let mut parts: Vec<&str> = good.split('.').collect();
        let altered_payload = {
            let bytes = credentials::b64::decode(parts[1]).unwrap();
            let mut claims: Value = serde_json::from_slice(&bytes).unwrap();
            claims["worker"]["ni_number"] = json!("CE654321B");
            credentials::b64::encode(serde_json::to_vec(&claims).unwrap())
        };
        parts[1] = &altered_payload;
        let tampered = parts.join(".");
        let cases = [
            ("unsigned", "not a signed request".to_owned(), "malformed"),
            ("tampered", tampered, "signature_invalid"),
            ("expired", signed_request(&w, now - 3600, "direct-2", |_| {}).await, "expired"),
            (
                "for another organisation",
                signed_request(&w, now, "direct-3", |p| p["aud"] = json!("https://else.example/issuers/RRK")).await,
                "wrong_audience",
            ),
            (
                "no consent at all",
                signed_request(&w, now, "direct-6", |p| {
                    p.as_object_mut().unwrap().remove("consent");
                })
                .await,
                "payload_invalid: missing field `consent`",
            ),
            (
                "paper consent without evidence",
                signed_request(&w, now, "direct-4", |p| p["consent"]["method"] = json!("paper")).await,
                "consent_invalid",
            ),
        ];
        for (name, token, code) in cases {
            let (status, problem) = send(&w, token).await;
            assert_eq!(status, 422, "{name}: {problem}");
            assert!(problem.contains(code), "{name}: {problem}");
        }
        for (app, org) in [(&w.new, &w.new_org), (&w.third, &w.third_org)] {
            assert_eq!(written(app, &org.id).await, [0, 0, 0], "nothing copied");
        }
        assert_eq!(releases(&w.old, &w.old_org.id).await, vec![], "nothing released");

        // The intact request is answered once; its replay is refused.
        let (status, answer) = send(&w, good.clone()).await;
        assert_eq!(status, 200, "{answer}");
        let (status, problem) = send(&w, good).await;
        assert_eq!(status, 422, "{problem}");
        assert!(problem.contains("replayed"), "{problem}");
        assert_eq!(releases(&w.old, &w.old_org.id).await.len(), 1);

        // Only a partial match (date of birth and family name, another NI number): never
        // automatic, the old employer's HR must decide.
        let (status, problem) =
            send(&w, signed_request(&w, now, "direct-5", |p| p["worker"]["ni_number"] = json!("CE654321B")).await)
                .await;
        assert_eq!(status, 422, "{problem}");
        assert!(problem.contains("ambiguous"), "{problem}");
        assert_eq!(releases(&w.old, &w.old_org.id).await.len(), 1);
        w.stop().await;
    }
}

#[tokio::test]
async fn an_answer_altered_in_transit_is_refused_by_the_new_employer() {
    for backend in backends() {
        let w = world(backend).await;
        let now = fixed_now().timestamp();
        let token = signed_request(&w, now, "transit-1", |_| {}).await;
        let claims = credentials::b64::decode(token.split('.').nth(1).unwrap()).unwrap();
        let request: PdsRequest = serde_json::from_slice(&claims).unwrap();
        let (status, answer) = send(&w, token).await;
        assert_eq!(status, 200, "{answer}");
        let trust = server::federation::trust(&w.new.state).await.unwrap();

        let verified = server::iat::verify_answer(&answer, &request, &trust, now).unwrap();
        assert_eq!(verified.pds.source_person_id, w.earlier);
        assert_eq!(verified.pds.checks.len(), 1);

        let parts: Vec<&str> = answer.split('.').collect();
        let mut pds: Value = serde_json::from_slice(&credentials::b64::decode(parts[1]).unwrap()).unwrap();
        pds["pds"]["checks"][0]["value"]["outcome"] = json!("not_clear");
        let altered =
            format!("{}.{}.{}", parts[0], credentials::b64::encode(serde_json::to_vec(&pds).unwrap()), parts[2]);
        let why = server::iat::verify_answer(&altered, &request, &trust, now).unwrap_err();
        assert_eq!(why.code, "signature_invalid", "{why}");
        // Another request's answer, intact, is not an answer to this one.
        let mut other = request.clone();
        other.jti = "transit-2".into();
        let why = server::iat::verify_answer(&answer, &other, &trust, now).unwrap_err();
        assert_eq!(why.code, "not_our_request", "{why}");
        // Too late.
        let why = server::iat::verify_answer(&answer, &request, &trust, now + 3600).unwrap_err();
        assert_eq!(why.code, "expired", "{why}");
        w.stop().await;
    }
}

/// The wallet answers a consent request link.
async fn sign_with(wallet: &wallet::Wallet, link: &str) -> Result<(), String> {
    let now = fixed_now().timestamp();
    let client = wallet::client();
    let plan = wallet::presentation::prepare(wallet, &client, link, now).await.map_err(|e| e.to_string())?;
    assert!(plan.transactions.iter().any(|t| t.summary.contains("New Trust (RJ1)")), "the wallet shows the employer");
    wallet::presentation::submit(wallet, &client, &plan, now).await.map(|_| ()).map_err(|e| e.to_string())
}

#[tokio::test]
async fn consent_signed_with_the_workers_wallet_crosses_deployments_and_a_spoiled_one_is_refused() {
    for backend in backends() {
        let w = world(backend).await;
        let dir = tempfile::tempdir().unwrap();
        // The worker's wallet holds a passport credential from the old employer, on the old deployment.
        let wallet = wallet_with_passport(&w.old, &w.old_org.admin_token, &w.earlier, dir.path()).await;
        let t = &w.new_org.admin_token;
        let id = applicant(&w.new, t, "nunez garcia", "AB123456C", false).await;
        let ask = format!("/api/v1/people/{id}/transfer-consent/wallet-request");
        let created = add_status(&w.new, t, &ask, &json!({"given": true}), 201).await;
        assert_eq!(created["transaction_data"]["new_employer_ods"], "RJ1", "{created}");
        assert!(created["qr_svg"].as_str().unwrap().starts_with("<?xml"));
        let link = created["link"].as_str().unwrap();
        sign_with(&wallet, link).await.expect("the wallet signs the consent");
        let (_, consent) = w.new.get(t, &format!("/api/v1/people/{id}/transfer-consent")).await;
        assert_eq!(consent["state"]["state"], "given", "{consent}");
        assert_eq!(consent["statements"][0]["method"], "wallet", "{consent}");
        assert!(consent["statements"][0]["evidence_ref"].as_str().unwrap().starts_with("wallet key "), "{consent}");
        // The request is answered once.
        assert!(sign_with(&wallet, link).await.is_err(), "an answered request is closed");

        // The wallet of someone else (another family name) cannot consent for this applicant.
        let other = applicant(&w.new, t, "Smith", "CE654321B", false).await;
        let created = add_status(
            &w.new,
            t,
            &format!("/api/v1/people/{other}/transfer-consent/wallet-request"),
            &json!({"given": true}),
            201,
        )
        .await;
        let refused = sign_with(&wallet, created["link"].as_str().unwrap()).await.unwrap_err();
        assert!(refused.contains("another person"), "{refused}");
        let (_, none) = w.new.get(t, &format!("/api/v1/people/{other}/transfer-consent")).await;
        assert_eq!(none["state"]["state"], "none", "nothing recorded: {none}");

        // The transfer carries the worker's signature; the old deployment checks it and releases.
        let report =
            add_status(&w.new, t, &format!("/api/v1/people/{id}/transfers/remote"), &json!({"source_ods": "RRK"}), 200)
                .await;
        assert_eq!(report["transfer"]["status"], "stage1_done", "{report}");
        assert_eq!(releases(&w.old, &w.old_org.id).await.len(), 1);

        // Straight to the public route with the genuine proof, spoiled in each way.
        let row =
            sqlx::query("SELECT presentation, transaction_data FROM transfer_consent_proofs WHERE person_id = $1")
                .bind(&id)
                .fetch_one(w.new.store.raw_pool())
                .await
                .unwrap();
        let (presentation, td): (String, String) = (row.try_get(0).unwrap(), row.try_get(1).unwrap());
        let wallet_consent = |presentation: &str, td: &str| json!({"method": "wallet", "at": fixed_now(), "wallet": {"presentation": presentation, "transaction_data": td}});
        let withdrawal = {
            let mut statement: Value = serde_json::from_slice(&credentials::b64::decode(&td).unwrap()).unwrap();
            statement["given"] = json!(false);
            credentials::b64::encode(serde_json::to_vec(&statement).unwrap())
        };
        let mut broken_kb = presentation.clone();
        let last = broken_kb.pop().unwrap();
        broken_kb.push(if last == 'A' { 'B' } else { 'A' });
        let now = fixed_now().timestamp();
        let cases: [(&str, Value, &str, &str); 4] = [
            (
                "the statement altered",
                wallet_consent(&presentation, &withdrawal),
                "Nunez Garcia",
                "transaction_data_mismatch",
            ),
            ("the KB-JWT altered", wallet_consent(&presentation, &td), "Nunez Garcia", "credential_invalid"),
            (
                "wallet without its signature",
                json!({"method": "wallet", "at": fixed_now()}),
                "Nunez Garcia",
                "consent_invalid",
            ),
            ("for another person", wallet_consent(&presentation, &td), "Smith", "names another person"),
        ];
        for (i, (name, consent, family_name, expected)) in cases.into_iter().enumerate() {
            let presentation_used = if name == "the KB-JWT altered" { broken_kb.clone() } else { presentation.clone() };
            let body = signed_request(&w, now, &format!("wallet-{i}"), |p| {
                p["consent"] = consent;
                if name == "the KB-JWT altered" {
                    p["consent"]["wallet"]["presentation"] = json!(presentation_used);
                }
                p["worker"]["family_name"] = json!(family_name);
            })
            .await;
            let (status, text) = send(&w, body).await;
            assert_eq!(status, 422, "{name}: {text}");
            assert!(text.contains("consent_invalid") && text.contains(expected), "{name}: {text}");
        }
        // The genuine proof itself is accepted.
        let body = signed_request(&w, now, "wallet-ok", |p| p["consent"] = wallet_consent(&presentation, &td)).await;
        let (status, text) = send(&w, body).await;
        assert_eq!(status, 200, "{text}");
        assert_eq!(releases(&w.old, &w.old_org.id).await.len(), 2, "only the genuine requests released");
        w.stop().await;
    }
}
