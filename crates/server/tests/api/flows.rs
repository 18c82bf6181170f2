//! The ordinary paths: an HR team records a worker and reads their compliance.

use serde_json::{Value, json};
use testkit::{TestApp, each_backend, fixtures};

/// Creates a person and returns their id.
pub async fn person(app: &TestApp, token: &str, family_name: &str, ni: &str) -> String {
    let (status, body) = app.post(token, "/api/v1/people", &fixtures::person(family_name, ni)).await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().expect("id").to_owned()
}

pub async fn add(app: &TestApp, token: &str, path: &str, body: &Value) -> String {
    let (status, response) = app.post(token, path, body).await;
    assert_eq!(status, 201, "POST {path}: {response}");
    response["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn worker_record_and_compliance_round_trip() {
    each_backend(|app| async move {
        let org = app.organisation("RJ1", "Guy's and St Thomas'").await;
        let t = &org.admin_token;
        let (status, _) = app.send_json("PUT", t, "/api/v1/roles/NUR-ED", &fixtures::role("NUR-ED")).await;
        assert_eq!(status, 200);
        let id = person(&app, t, "Okafor", "AB123456C").await;
        add(&app, t, &format!("/api/v1/people/{id}/assignments"), &fixtures::assignment("NUR-ED", "applicant")).await;

        // Nothing recorded yet: identity, DBS, fire safety and hepatitis B all missing.
        let (status, body) = app.get(t, &format!("/api/v1/people/{id}/compliance")).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["overall"], "missing");
        assert_eq!(body["items"].as_array().unwrap().len(), 4, "{body}");

        add(&app, t, &format!("/api/v1/people/{id}/checks"), &fixtures::identity_check()).await;
        add(&app, t, &format!("/api/v1/people/{id}/checks"), &fixtures::dbs_check("enhanced_adults", "2025-11-02"))
            .await;
        add(
            &app,
            t,
            &format!("/api/v1/people/{id}/competences"),
            &fixtures::competence("fire_safety", 1, "2025-07-01"),
        )
        .await;
        add(&app, t, &format!("/api/v1/people/{id}/immunisations"), &fixtures::hep_b_immune()).await;
        let (_, body) = app.get(t, &format!("/api/v1/people/{id}/compliance")).await;
        assert_eq!(body["overall"], "met", "{body}");

        let (status, summary) = app.get(t, "/api/v1/compliance").await;
        assert_eq!(status, 200);
        assert_eq!(summary["summary"]["people"], 1);
        assert_eq!(summary["summary"]["compliant"], 1);
        app
    })
    .await;
}

#[tokio::test]
async fn dbs_below_the_role_minimum_is_named_in_compliance() {
    each_backend(|app| async move {
        let org = app.organisation("RRK", "University Hospitals Birmingham").await;
        let t = &org.admin_token;
        app.send_json("PUT", t, "/api/v1/roles/NUR-ED", &fixtures::role("NUR-ED")).await;
        let id = person(&app, t, "Byrne", "CE123456A").await;
        add(&app, t, &format!("/api/v1/people/{id}/assignments"), &fixtures::assignment("NUR-ED", "applicant")).await;
        add(&app, t, &format!("/api/v1/people/{id}/checks"), &fixtures::dbs_check("standard", "2025-11-02")).await;
        let (_, body) = app.get(t, &format!("/api/v1/people/{id}/compliance")).await;
        let dbs = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|item| item["requirement"] == "check:criminal_record")
            .expect("DBS requirement listed")
            .clone();
        assert_eq!(dbs["status"], "missing", "{dbs}");
        assert!(dbs["reason"].as_str().unwrap().contains("standard"), "{dbs}");
        let (_, summary) = app.get(t, "/api/v1/compliance").await;
        assert_eq!(summary["summary"]["non_compliant"][0]["id"], json!(id));
        assert_eq!(summary["summary"]["non_compliant"][0]["family_name"], "Byrne", "named for HR: {summary}");
        app
    })
    .await;
}

#[tokio::test]
async fn assignment_moves_forward_only() {
    each_backend(|app| async move {
        let org = app.organisation("RTH", "Oxford University Hospitals").await;
        let t = &org.admin_token;
        let id = person(&app, t, "Patel", "JG103759A").await;
        let a =
            add(&app, t, &format!("/api/v1/people/{id}/assignments"), &fixtures::assignment("NUR", "applicant")).await;
        let path = format!("/api/v1/people/{id}/assignments/{a}/transition");
        let (status, body) = app.post(t, &path, &json!({"status": "active", "on": "2026-02-01"})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["record"]["status"], "active");
        let (status, body) = app.post(t, &path, &json!({"status": "applicant", "on": "2026-03-01"})).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["errors"][0]["field"], "status");
        app
    })
    .await;
}

#[tokio::test]
async fn password_login_yields_a_working_token() {
    each_backend(|app| async move {
        let org = app.organisation("RJ1", "Guy's and St Thomas'").await;
        let (status, body) = app
            .post(
                &org.admin_token,
                "/api/v1/users",
                &json!({"email": "hr@gstt.nhs.uk", "display_name": "HR", "roles": ["hr"],
                        "password": "a long enough password"}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let login = json!({"ods_code": "RJ1", "email": "hr@gstt.nhs.uk", "password": "a long enough password"});
        let (status, token) = app.post("", "/api/v1/auth/token", &login).await;
        assert_eq!(status, 201, "{token}");
        let (status, _) = app.get(token["token"].as_str().unwrap(), "/api/v1/people").await;
        assert_eq!(status, 200);
        let wrong = json!({"ods_code": "RJ1", "email": "hr@gstt.nhs.uk", "password": "not the password"});
        let (status, body) = app.post("", "/api/v1/auth/token", &wrong).await;
        assert_eq!(status, 401, "{body}");
        app
    })
    .await;
}

#[tokio::test]
async fn openapi_document_lists_every_api_route() {
    each_backend(|app| async move {
        let response = app.client.get(app.url("/openapi.json")).send().await.unwrap();
        let doc: Value = response.json().await.unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        for path in
            ["/api/v1/people", "/api/v1/people/{person_id}/checks", "/api/v1/compliance", "/api/v1/organisations"]
        {
            assert!(doc["paths"].get(path).is_some(), "{path} missing from OpenAPI");
        }
        app
    })
    .await;
}

#[tokio::test]
async fn missing_or_bad_token_is_401() {
    each_backend(|app| async move {
        let (status, body) = app.get("sp_not-a-real-token", "/api/v1/people").await;
        assert_eq!(status, 401, "{body}");
        let response = app.client.get(app.url("/api/v1/people")).send().await.unwrap();
        assert_eq!(response.status(), 401);
        assert_eq!(response.headers()["content-type"], "application/problem+json");
        app
    })
    .await;
}

#[tokio::test]
async fn expired_and_soon_due_training_are_told_apart() {
    each_backend(|app| async move {
        let org = app.organisation("RJ1", "Guy's and St Thomas'").await;
        let t = &org.admin_token;
        let role = json!({"role_code": "PORTER", "title": "Porter", "competences": [
            {"competence": {"kind": "cstf", "subject": "fire_safety", "level": 1}},
            {"competence": {"kind": "cstf", "subject": "information_governance", "level": 1}}]});
        app.send_json("PUT", t, "/api/v1/roles/PORTER", &role).await;
        let id = person(&app, t, "Reyes", "AB123456C").await;
        add(&app, t, &format!("/api/v1/people/{id}/assignments"), &fixtures::assignment("PORTER", "applicant")).await;
        // Today is 2026-06-01: fire safety (2 years) done 2024-05-01 has expired; IG (1 year) done 2025-06-10
        // expires 2026-06-10, inside the 30-day window.
        add(
            &app,
            t,
            &format!("/api/v1/people/{id}/competences"),
            &fixtures::competence("fire_safety", 1, "2024-05-01"),
        )
        .await;
        let ig = fixtures::competence("information_governance", 1, "2025-06-10");
        add(&app, t, &format!("/api/v1/people/{id}/competences"), &ig).await;
        let (_, body) = app.get(t, &format!("/api/v1/people/{id}/compliance")).await;
        let status_of = |requirement: &str| {
            body["items"].as_array().unwrap().iter().find(|i| i["requirement"] == requirement).unwrap()["status"]
                .clone()
        };
        assert_eq!(status_of("competence:cstf:fire_safety:1"), "expired", "{body}");
        assert_eq!(status_of("competence:cstf:information_governance:1"), "due_soon", "{body}");
        assert_eq!(body["overall"], "expired");

        // Judged against another role that needs nothing they lack, they are compliant.
        app.send_json("PUT", t, "/api/v1/roles/VOLUNTEER", &json!({"role_code": "VOLUNTEER", "title": "Volunteer"}))
            .await;
        let (status, body) = app.get(t, &format!("/api/v1/people/{id}/compliance?role=VOLUNTEER")).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["overall"], "met");
        let (status, body) = app.get(t, &format!("/api/v1/people/{id}/compliance?role=NO-SUCH-ROLE")).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["errors"][0]["field"], "role");
        app
    })
    .await;
}
