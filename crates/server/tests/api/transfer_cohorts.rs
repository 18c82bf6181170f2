//! Cohort transfers over the API: a list of applicants as JSON or CSV, checked row by row (every bad
//! row and field named, nothing stored), run as a background job with a per-person report; the same
//! list again reruns the job and transfers nobody twice; another organisation's job is 404.

use serde_json::{Value, json};
use testkit::{TestApp, each_backend, fixtures};

use crate::flows::{add, person};

/// Polls a cohort's report until its job is done (at most 60 s).
pub async fn settled(app: &TestApp, token: &str, id: &str) -> Value {
    for _ in 0..240 {
        let (status, body) = app.get(token, &format!("/api/v1/transfer-cohorts/{id}")).await;
        assert_eq!(status, 200, "{body}");
        if body["status"] == "done" || body["status"] == "failed" {
            return body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    panic!("cohort {id} did not finish");
}

async fn post_csv(app: &TestApp, token: &str, csv: &str) -> (u16, Value, Option<String>) {
    let response = app
        .client
        .post(app.url("/api/v1/transfer-cohorts"))
        .bearer_auth(token)
        .header("content-type", "text/csv; charset=utf-8")
        .body(csv.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
    (status, response.json().await.unwrap_or(Value::Null), location)
}

fn applicant(ni: &str, surname: &str) -> Value {
    json!({"ni_number": ni, "date_of_birth": "1988-03-14", "surname": surname, "role": "ST1-SURGERY",
        "start_date": "2026-09-02"})
}

/// The new employer's world: Okafor consents and has an earlier record (with a DBS check) at RRK;
/// Brown has an earlier record but no consent; Smith consents but has no earlier record.
async fn world(app: &TestApp) -> (String, String) {
    let old = app.organisation("RRK", "Old Trust").await;
    let new = app.organisation("RJ1", "New Trust").await;
    let earlier = person(app, &old.admin_token, "Okafor", "AB123456C").await;
    let dbs = fixtures::dbs_check("enhanced_adults", "2025-11-02");
    add(app, &old.admin_token, &format!("/api/v1/people/{earlier}/checks"), &dbs).await;
    person(app, &old.admin_token, "Brown", "CE123456A").await;
    let t = &new.admin_token;
    let okafor = person(app, t, "Okafor", "AB123456C").await;
    person(app, t, "Brown", "CE123456A").await;
    let smith = person(app, t, "Smith", "JK123456B").await;
    for id in [&okafor, &smith] {
        let consent = json!({"given": true, "method": "paper", "evidence_ref": "SCAN-1"});
        add_status(app, t, &format!("/api/v1/people/{id}/transfer-consent"), &consent).await;
    }
    (new.admin_token.clone(), okafor)
}

async fn add_status(app: &TestApp, token: &str, path: &str, body: &Value) {
    let (status, response) = app.post(token, path, body).await;
    assert_eq!(status, 201, "POST {path}: {response}");
}

fn outcome_of(report: &Value, surname: &str) -> String {
    let line = report["results"].as_array().unwrap().iter().find(|r| r["surname"] == surname);
    line.unwrap_or_else(|| panic!("no line for {surname}: {report}"))["outcome"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_json_cohort_runs_as_a_job_with_a_per_person_report_and_reruns_idempotently() {
    each_backend(|app| async move {
        let (t, okafor) = world(&app).await;
        let body = json!({"applicants": [applicant("AB123456C", "Okafor"), applicant("CE123456A", "Brown"),
            applicant("JK123456B", "Smith")]});
        let response =
            app.client.post(app.url("/api/v1/transfer-cohorts")).bearer_auth(&t).json(&body).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 202);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let job: Value = response.json().await.unwrap();
        let id = job["id"].as_str().unwrap().to_owned();
        assert_eq!(location, format!("/api/v1/transfer-cohorts/{id}"));
        assert_eq!(job["lines"], 3);
        assert!(job.get("results").is_none(), "{job}");

        let report = settled(&app, &t, &id).await;
        assert_eq!(report["status"], "done", "{report}");
        assert_eq!(report["pending"], 0);
        assert_eq!(report["counts"], json!({"no_consent": 1, "no_match": 1, "transferred": 1}), "{report}");
        assert_eq!(outcome_of(&report, "Okafor"), "transferred");
        assert_eq!(outcome_of(&report, "Brown"), "no_consent");
        assert_eq!(outcome_of(&report, "Smith"), "no_match");
        let first = report["results"][0].clone();
        assert_eq!((first["line"].clone(), first["ni_number"].clone()), (json!(1), json!("AB123456C")));
        let transfer = first["transfer_id"].as_str().unwrap().to_owned();
        let (_, done) = app.get(&t, &format!("/api/v1/transfers/{transfer}")).await;
        assert_eq!(done["transfer"]["status"], "stage1_done", "{done}");
        // The job made the applicant assignment.
        let (_, assignments) = app.get(&t, &format!("/api/v1/people/{okafor}/assignments")).await;
        assert_eq!(assignments.as_array().unwrap().len(), 1, "{assignments}");

        // The same list again: the same job, rerun; nobody is transferred twice.
        let (status, again) = app.post(&t, "/api/v1/transfer-cohorts", &body).await;
        assert_eq!(status, 202, "{again}");
        assert_eq!(again["id"], id.as_str());
        let rerun = settled(&app, &t, &id).await;
        assert_eq!(rerun["counts"], report["counts"], "{rerun}");
        assert_eq!(rerun["results"][0]["transfer_id"], transfer.as_str());
        let (_, transfers) = app.get(&t, &format!("/api/v1/people/{okafor}/transfers")).await;
        assert_eq!(transfers.as_array().unwrap().len(), 1, "{transfers}");
        let (_, checks) = app.get(&t, &format!("/api/v1/people/{okafor}/checks")).await;
        assert_eq!(checks.as_array().unwrap().len(), 1, "copied once: {checks}");
        let (_, assignments) = app.get(&t, &format!("/api/v1/people/{okafor}/assignments")).await;
        assert_eq!(assignments.as_array().unwrap().len(), 1, "{assignments}");

        // Another organisation cannot see the job.
        let other = app.organisation("R1H", "Other Trust").await;
        let (status, body) = app.get(&other.admin_token, &format!("/api/v1/transfer-cohorts/{id}")).await;
        assert_eq!(status, 404, "{body}");
        assert!(!body.to_string().contains("AB123456C"));
        app
    })
    .await;
}

#[tokio::test]
async fn a_csv_cohort_uses_the_clis_columns_and_its_line_numbers() {
    each_backend(|app| async move {
        let (t, _) = world(&app).await;
        let csv = "ni_number,date_of_birth,surname,role,start_date\n\
                   AB123456C,1988-03-14,Okafor,ST1-SURGERY,2026-09-02\n\
                   JK123456B,1988-03-14,Smith,ST1-SURGERY,2026-09-02\n";
        let (status, job, location) = post_csv(&app, &t, csv).await;
        assert_eq!(status, 202, "{job}");
        assert!(location.unwrap().ends_with(job["id"].as_str().unwrap()));
        let report = settled(&app, &t, job["id"].as_str().unwrap()).await;
        assert_eq!(report["results"][0]["line"], 2, "the header is line 1: {report}");
        assert_eq!(outcome_of(&report, "Okafor"), "transferred");
        assert_eq!(outcome_of(&report, "Smith"), "no_match");
        app
    })
    .await;
}

#[tokio::test]
async fn every_bad_row_is_named_and_nothing_is_stored() {
    each_backend(|app| async move {
        let (t, okafor) = world(&app).await;
        let mut late = applicant("AB123456C", "Okafor");
        late["date_of_birth"] = json!("14/03/1988");
        let mut nameless = applicant("XX12", "");
        nameless["staff_group"] = json!("not_a_group");
        let body = json!({"applicants": [applicant("JK123456B", "Smith"), late, nameless,
            applicant("JK123456B", "Smith")]});
        let (status, problem) = app.post(&t, "/api/v1/transfer-cohorts", &body).await;
        assert_eq!(status, 422, "{problem}");
        let fields: Vec<&str> =
            problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        for field in [
            "applicants[1].date_of_birth",
            "applicants[2].ni_number",
            "applicants[2].surname",
            "applicants[2].staff_group",
            "applicants[3].ni_number",
        ] {
            assert!(fields.contains(&field), "{field} not named: {problem}");
        }
        assert!(!fields.iter().any(|f| f.starts_with("applicants[0]")), "{problem}");

        let csv = "ni_number,date_of_birth,surname,role,start_date\n\
                   AB123456C,1988-03-14,Okafor,ST1-SURGERY,2026-09-02\n\
                   JK123456B,1988-03-14,Smith,ST1-SURGERY,not-a-date\n";
        let (status, problem, _) = post_csv(&app, &t, csv).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "line[3].start_date", "{problem}");
        let (status, problem, _) = post_csv(&app, &t, "ni_number,surname\nAB123456C,Okafor\n").await;
        assert_eq!(status, 422);
        assert_eq!(problem["errors"][0]["field"], "header", "{problem}");
        let (status, problem) = app.post(&t, "/api/v1/transfer-cohorts", &json!({"applicants": []})).await;
        assert_eq!((status, problem["errors"][0]["field"].clone()), (422, json!("applicants")));
        let response = app
            .client
            .post(app.url("/api/v1/transfer-cohorts"))
            .bearer_auth(&t)
            .header("content-type", "text/plain")
            .body("AB123456C")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 415);

        // Nothing stored: no job, no applicant assignment made.
        assert!(app.store.unfinished_cohorts().await.unwrap().is_empty());
        let (_, assignments) = app.get(&t, &format!("/api/v1/people/{okafor}/assignments")).await;
        assert_eq!(assignments, json!([]));
        app
    })
    .await;
}
