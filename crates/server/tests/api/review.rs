//! The host's review of an answered presentation request, end to end: B asks A's worker for its
//! BANK-RN role, the wallet answers, B's HR accepts the DBS and training credentials and bypasses
//! hepatitis B with a reason; the worker, new to B, is created as an applicant, and B's own records
//! and compliance then show the accepted items with provenance `passport`. A bypass without a
//! reason is a 422 naming it; another organisation's request is 404; a request is reviewed once.

use serde_json::{Value, json};
use testkit::{TestApp, each_backend};

use crate::oid4vc::{Scene, answer, form, request, scene};

fn worker() -> Value {
    json!({"given_name": "Amara", "family_name": "Okafor", "date_of_birth": "1988-03-14", "ni_number": "AB123456C"})
}

async fn answered_request(app: &TestApp, scene: &Scene) -> String {
    let (id, link) = request(app, &scene.b.admin_token).await;
    let (path, body) = answer(app, &link, &scene.held, &scene.holder).await;
    assert_eq!(form(app, &path, body).await.0, 200);
    let (_, view) = app.get(&scene.b.admin_token, &format!("/api/v1/presentation-requests/{id}")).await;
    assert_eq!(view["result"]["ready"], true, "{view}");
    id
}

#[tokio::test]
async fn review_accepts_and_bypasses_and_the_hosts_compliance_shows_the_accepted_items() {
    each_backend(|app| async move {
        let scene = scene(&app).await;
        let b = &scene.b.admin_token;
        let id = answered_request(&app, &scene).await;
        let path = format!("/api/v1/presentation-requests/{id}/review");
        let competence = "competence:cstf:fire_safety:1";

        // A bypass without a reason names the reason.
        let no_reason = json!({"worker": worker(), "accept": ["check:criminal_record"],
                               "bypass": [{"requirement": "immunisation:hepatitis_b"}]});
        let (status, problem) = app.post(b, &path, &no_reason).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "bypass[0].reason", "{problem}");
        let blank =
            json!({"worker": worker(), "bypass": [{"requirement": "immunisation:hepatitis_b", "reason": "  "}]});
        assert_eq!(app.post(b, &path, &blank).await.0, 422);
        // A worker who is not the one who presented.
        let mut other = worker();
        other["family_name"] = json!("Smith");
        let (status, problem) =
            app.post(b, &path, &json!({"worker": other, "accept": ["check:criminal_record"]})).await;
        assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("worker.family_name")), "{problem}");
        // Another organisation's request is not found, and nothing was recorded by the refusals.
        let (status, _) = app.post(&scene.a.admin_token, &path, &no_reason).await;
        assert_eq!(status, 404);
        assert_eq!(app.get(b, &path).await.0, 404);

        let mut review = json!({"worker": worker(), "accept": ["check:criminal_record", competence],
                            "bypass": [{"requirement": "immunisation:hepatitis_b",
                                        "reason": "OH appointment booked for the first shift"}],
                            "applicant": {"staff_group": "nursing_and_midwifery_registered", "band": "band_5",
                                          "start_date": "2026-01-05"}});
        // A bad applicant assignment names its field, and records nothing.
        review["applicant"]["band"] = json!("");
        let (status, problem) = app.post(b, &path, &review).await;
        assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("applicant.band")), "{problem}");
        review["applicant"]["band"] = json!("band_5");
        let (status, created) = app.post(b, &path, &review).await;
        assert_eq!(status, 201, "{created}");
        let assignment = created["applicant_assignment_id"].as_str().expect("an applicant assignment").to_owned();
        assert_eq!(created["person_created"], true, "{created}");
        let person = created["person_id"].as_str().unwrap().to_owned();
        let items = created["items"].as_array().unwrap();
        let dbs = items.iter().find(|i| i["requirement"] == "check:criminal_record").unwrap();
        assert_eq!(dbs["decision"], "accepted");
        assert_eq!(dbs["provenance"]["source"], "passport");
        assert_eq!(dbs["provenance"]["issuer_ods"], "RJ1");
        assert!(dbs["provenance"]["credential_id"].as_str().unwrap().contains("/statuslists/RJ1/"), "{dbs}");
        assert!(dbs["provenance"]["accepted_by"].as_str().is_some());
        let bypass = items.iter().find(|i| i["decision"] == "bypassed").unwrap();
        assert_eq!(bypass["reason"], "OH appointment booked for the first shift");
        assert_eq!(app.get(b, &path).await.1["items"], created["items"]);
        // Reviewed once.
        assert_eq!(app.post(b, &path, &review).await.0, 409);

        // B's own records of the worker carry provenance passport and the issuer's ODS code.
        let (status, checks) = app.get(b, &format!("/api/v1/people/{person}/checks")).await;
        assert_eq!(status, 200, "{checks}");
        let checks = checks["items"].as_array().or(checks.as_array()).cloned().unwrap();
        assert_eq!(checks.len(), 1, "{checks:?}");
        assert_eq!(checks[0]["provenance"]["source"], "passport", "{checks:?}");
        assert_eq!(checks[0]["provenance"]["source_ods"], "RJ1", "{checks:?}");
        // The worker is an applicant here for the request's role.
        let (_, assignments) = app.get(b, &format!("/api/v1/people/{person}/assignments")).await;
        let assignments = assignments.as_array().cloned().unwrap();
        assert_eq!(assignments.len(), 1, "{assignments:?}");
        assert_eq!(assignments[0]["id"], assignment.as_str());
        assert_eq!(assignments[0]["record"]["role"], "BANK-RN");
        assert_eq!(assignments[0]["record"]["status"], "applicant");
        assert_eq!(assignments[0]["provenance"]["source"], "passport");
        // B's compliance for the role counts the accepted DBS and training; hepatitis B, bypassed,
        // is still missing from B's own record.
        let (status, compliance) = app.get(b, &format!("/api/v1/people/{person}/compliance?role=BANK-RN")).await;
        assert_eq!(status, 200, "{compliance}");
        let item = |id: &str| compliance["items"].as_array().unwrap().iter().find(|i| i["requirement"] == id).cloned();
        assert_eq!(item("check:criminal_record").unwrap()["status"], "met", "{compliance}");
        assert_eq!(item(competence).unwrap()["status"], "met", "{compliance}");
        assert_eq!(item("immunisation:hepatitis_b").unwrap()["status"], "missing", "{compliance}");
        app
    })
    .await;
}

#[tokio::test]
async fn a_second_answer_for_a_known_worker_matches_them_instead_of_creating_another() {
    each_backend(|app| async move {
        let scene = scene(&app).await;
        let b = &scene.b.admin_token;
        let mut ids = Vec::new();
        for _ in 0..2 {
            let id = answered_request(&app, &scene).await;
            let body = json!({"worker": worker(), "accept": ["check:criminal_record"]});
            let (status, created) = app.post(b, &format!("/api/v1/presentation-requests/{id}/review"), &body).await;
            assert_eq!(status, 201, "{created}");
            ids.push((created["person_id"].clone(), created["person_created"].clone()));
        }
        assert_eq!(ids[0].0, ids[1].0);
        assert_eq!((&ids[0].1, &ids[1].1), (&json!(true), &json!(false)));
        // Same NI number, another date of birth: not silently matched.
        let id = answered_request(&app, &scene).await;
        let mut other = worker();
        other["date_of_birth"] = json!("1990-01-01");
        let body = json!({"worker": other, "accept": ["check:criminal_record"]});
        let (status, problem) = app.post(b, &format!("/api/v1/presentation-requests/{id}/review"), &body).await;
        assert_eq!(status, 422, "{problem}");
        app
    })
    .await;
}

#[tokio::test]
async fn an_accepted_immunisation_counts_in_the_hosts_compliance_and_cannot_be_entered_by_hand() {
    each_backend(|app| async move {
        let scene = scene(&app).await;
        let b = &scene.b.admin_token;
        let id = answered_request(&app, &scene).await;
        let body = json!({"worker": worker(), "accept": ["immunisation:hepatitis_b"]});
        let (status, created) = app.post(b, &format!("/api/v1/presentation-requests/{id}/review"), &body).await;
        assert_eq!(status, 201, "{created}");
        let person = created["person_id"].as_str().unwrap().to_owned();
        assert_eq!(created["items"][0]["record_ids"].as_array().map(Vec::len), Some(1), "{created}");

        // One record, for the antigen asked only, with the issuer's conclusion and provenance.
        let (status, records) = app.get(b, &format!("/api/v1/people/{person}/immunisations")).await;
        assert_eq!(status, 200, "{records}");
        let records = records.as_array().cloned().unwrap();
        assert_eq!(records.len(), 1, "{records:?}");
        let record = &records[0];
        assert_eq!(record["provenance"]["source"], "passport", "{record}");
        assert_eq!(record["record"]["antigen"], "hepatitis_b", "{record}");
        assert_eq!(record["record"]["passport"]["protected"], true, "{record}");

        let (_, compliance) = app.get(b, &format!("/api/v1/people/{person}/compliance?role=BANK-RN")).await;
        let hep_b =
            compliance["items"].as_array().unwrap().iter().find(|i| i["requirement"] == "immunisation:hepatitis_b");
        let hep_b = hep_b.cloned().unwrap();
        assert_eq!(hep_b["status"], "met", "{compliance}");
        assert!(hep_b.to_string().contains("passport"), "the reason names where it came from: {hep_b}");

        // Occupational health cannot type a passport conclusion in.
        let mut entered = record["record"].clone();
        entered["status"] = json!("immune");
        let (status, problem) = app.post(b, &format!("/api/v1/people/{person}/immunisations"), &entered).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "passport", "{problem}");
        app
    })
    .await;
}
