//! Bad input gets 422 naming the field (400 for malformed JSON), and the database is unchanged afterwards.

use serde_json::{Value, json};
use sqlx::Row;
use testkit::{TestApp, each_backend, fixtures};

use crate::flows::{add, person};

/// Every row of every data table, and every audit entry that records a change, as text: equal snapshots mean
/// nothing was written. (Looking a record up before refusing a change is a read, and reads are audited.)
async fn snapshot(app: &TestApp) -> Vec<String> {
    let mut rows = Vec::new();
    for table in [
        "people",
        "assignments",
        "employment_checks",
        "competences",
        "immunisations",
        "oh_clearances",
        "role_requirements",
        "audit_log",
    ] {
        let filter =
            if table == "audit_log" { " WHERE action NOT LIKE '%.read' AND action NOT LIKE '%.list'" } else { "" };
        let sql = format!("SELECT * FROM {table}{filter} ORDER BY 1, 2");
        for row in sqlx::query(&sql).fetch_all(app.store.raw_pool()).await.unwrap() {
            let mut cells = vec![table.to_owned()];
            for i in 0..row.len() {
                let cell = row
                    .try_get::<Option<String>, _>(i)
                    .map(|v| v.unwrap_or_default())
                    .or_else(|_| row.try_get::<Option<i64>, _>(i).map(|v| format!("{v:?}")))
                    .unwrap_or_else(|_| "?".to_owned());
                cells.push(cell);
            }
            rows.push(cells.join("|"));
        }
    }
    rows
}

fn with(mut base: Value, pointer: &str, value: Value) -> Value {
    *base.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer} not in fixture")) = value;
    base
}

#[tokio::test]
async fn invalid_values_are_422_naming_the_field_and_change_nothing() {
    each_backend(|app| async move {
        let org = app.organisation("RJ1", "Guy's and St Thomas'").await;
        let t = &org.admin_token;
        let pid = person(&app, t, "Okafor", "AB123456C").await;
        let assignment =
            add(&app, t, &format!("/api/v1/people/{pid}/assignments"), &fixtures::assignment("NUR", "applicant")).await;
        let transition = format!("/api/v1/people/{pid}/assignments/{assignment}/transition");
        app.post(t, &transition, &json!({"status": "active", "on": "2026-02-01"})).await;
        let people = "/api/v1/people".to_owned();
        let checks = format!("/api/v1/people/{pid}/checks");
        let competences = format!("/api/v1/people/{pid}/competences");
        let person = fixtures::person("Nwosu", "CE654321B");

        let cases: Vec<(&str, String, Value, &str)> = vec![
            (
                "NI prefix never issued (D)",
                people.clone(),
                with(person.clone(), "/ni_number", json!("DA123456C")),
                "ni_number",
            ),
            (
                "NI prefix not allocated (BG)",
                people.clone(),
                with(person.clone(), "/ni_number", json!("BG123456C")),
                "ni_number",
            ),
            ("NI bad suffix", people.clone(), with(person.clone(), "/ni_number", json!("AB123456E")), "ni_number"),
            (
                "future date of birth",
                people.clone(),
                with(person.clone(), "/date_of_birth", json!("2030-01-01")),
                "date_of_birth",
            ),
            (
                "impossible date",
                people.clone(),
                with(person.clone(), "/date_of_birth", json!("1990-02-30")),
                "date_of_birth",
            ),
            (
                "NMC PIN wrong shape",
                people.clone(),
                with(person.clone(), "/registrations/0/number", json!("1234567")),
                "registrations[0]",
            ),
            (
                "DBS certificate not 12 digits",
                checks.clone(),
                with(
                    fixtures::dbs_check("enhanced_adults", "2025-11-02"),
                    "/details/certificate_number",
                    json!("12345"),
                ),
                "details.certificate_number",
            ),
            (
                "DBS issued in the future",
                checks.clone(),
                fixtures::dbs_check("enhanced_adults", "2027-01-01"),
                "details.issued_on",
            ),
            (
                "unknown CSTF subject",
                competences.clone(),
                with(
                    fixtures::competence("fire_safety", 1, "2025-07-01"),
                    "/competence/subject",
                    json!("basket_weaving"),
                ),
                "competence.subject",
            ),
            (
                "CSTF level that does not exist",
                competences.clone(),
                fixtures::competence("fire_safety", 3, "2025-07-01"),
                "competence.level",
            ),
            (
                "illegal status transition",
                transition.clone(),
                json!({"status": "applicant", "on": "2026-03-01"}),
                "status",
            ),
        ];

        for (name, path, body, field) in cases {
            let before = snapshot(&app).await;
            let (status, problem) = app.post(t, &path, &body).await;
            assert_eq!(status, 422, "{name}: {problem}");
            assert_eq!(problem["status"], 422);
            let fields: Vec<&str> =
                problem["errors"].as_array().unwrap().iter().filter_map(|e| e["field"].as_str()).collect();
            assert!(fields.iter().any(|f| f.starts_with(field)), "{name}: expected field {field}, got {problem}");
            assert_eq!(snapshot(&app).await, before, "{name} changed the database");
        }

        // An ODS code is checked too (registry operator route).
        let operator = app.operator_token().await;
        let before = snapshot(&app).await;
        let (status, problem) = app
            .post(&operator, "/api/v1/organisations", &json!({"ods_code": "R!", "name": "Bad", "kind": "acute_trust"}))
            .await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "ods_code");
        assert_eq!(snapshot(&app).await, before);
        app
    })
    .await;
}

#[tokio::test]
async fn malformed_json_is_400_and_changes_nothing() {
    each_backend(|app| async move {
        let org = app.organisation("RJ1", "Guy's and St Thomas'").await;
        let before = snapshot(&app).await;
        for body in ["{\"given_name\": ", "not json", "{\"a\":1} trailing", ""] {
            let (status, problem) = app.send_raw("POST", &org.admin_token, "/api/v1/people", body.to_owned()).await;
            assert_eq!(status, 400, "{body:?}: {problem}");
            assert_eq!(problem["status"], 400);
        }
        assert_eq!(snapshot(&app).await, before);
        app
    })
    .await;
}

#[tokio::test]
async fn duplicate_ni_number_is_409_naming_the_field() {
    each_backend(|app| async move {
        let org = app.organisation("RJ1", "Guy's and St Thomas'").await;
        person(&app, &org.admin_token, "Okafor", "AB123456C").await;
        let before = snapshot(&app).await;
        let (status, problem) =
            app.post(&org.admin_token, "/api/v1/people", &fixtures::person("Other", "AB123456C")).await;
        assert_eq!(status, 409, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "ni_number");
        assert_eq!(snapshot(&app).await, before);
        app
    })
    .await;
}

#[tokio::test]
async fn bad_query_parameters_and_oversized_bodies_get_problem_details() {
    each_backend(|app| async move {
        let org = app.organisation("RJ1", "Guy's and St Thomas'").await;
        let (status, problem) = app.get(&org.admin_token, "/api/v1/people?limit=lots").await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "limit");
        let (status, problem) = app.get(&org.admin_token, "/api/v1/people?limit=501").await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "limit");
        // Every listing parses its query the same way (schemathesis found one answering 400).
        for path in ["/api/v1/agreements?limit=-1", "/api/v1/agreements?part=host&limit=x"] {
            let (status, problem) = app.get(&org.admin_token, path).await;
            assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("limit")), "{path}: {problem}");
        }

        let before = snapshot(&app).await;
        let huge = format!("{{\"given_name\": \"{}\"}}", "x".repeat(400 * 1024));
        let (status, problem) = app.send_raw("POST", &org.admin_token, "/api/v1/people", huge).await;
        assert_eq!(status, 413, "{problem}");
        assert_eq!(snapshot(&app).await, before);
        app
    })
    .await;
}
