//! The role matrix (`server::roles`), checked route by route and role by role. Every operation in
//! `/openapi.json` must have a permission in the matrix, and a user holding a single role must be let
//! through (anything but 404) exactly where the matrix says, and answered 404 everywhere else.
//!
//! Writes are probed with a body that is not an object (`[]`): an allowed role gets 400/422 from the body
//! check and nothing changes; a refused role gets 404 before the body is read. Deletes and body-less posts
//! do run for allowed roles, so each probe of them gets a fresh target.

use std::collections::HashMap;

use serde_json::{Value, json};
use server::roles::{self, Access, COLUMNS};
use store::{NewUser, OrgScope, Role};
use testkit::{TestApp, each_backend, fixtures};

use crate::flows::{add, person};

struct World {
    ids: HashMap<&'static str, String>,
    /// A user of every column role, by role: (user id, token).
    users: Vec<(Role, String, String)>,
    admin: String,
}

async fn user(app: &TestApp, org_id: &str, role: Role) -> (String, String) {
    let scope = OrgScope::system(org_id, "test");
    let auth = app.store.auth();
    let new = NewUser {
        email: format!("{}-{}@org.test", role.as_str(), rand_suffix()),
        display_name: role.as_str().to_owned(),
        roles: vec![role],
        password: None,
    };
    let user = auth.create_user(&scope, new).await.expect("user");
    let token = auth.issue_token(&scope, &user.id, "matrix").await.expect("token").token;
    (user.id, token)
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

async fn world(app: &TestApp) -> World {
    let org = app.organisation("RJ1", "Organisation A").await;
    let token = org.admin_token.clone();
    let (status, _) = app.send_json("PUT", &token, "/api/v1/roles/MATRIX-ROLE", &fixtures::role("MATRIX-ROLE")).await;
    assert_eq!(status, 200);
    let pid = person(app, &token, "Matrixperson", "AB123456C").await;
    let base = format!("/api/v1/people/{pid}");
    let check =
        add(app, &token, &format!("{base}/checks"), &fixtures::dbs_check("enhanced_adults", "2025-11-02")).await;
    let competence =
        add(app, &token, &format!("{base}/competences"), &fixtures::competence("fire_safety", 1, "2025-07-01")).await;
    let immunisation = add(app, &token, &format!("{base}/immunisations"), &fixtures::hep_b_immune()).await;
    let assignment =
        add(app, &token, &format!("{base}/assignments"), &fixtures::assignment("MATRIX-ROLE", "applicant")).await;
    let (status, _) = app.send_json("PUT", &token, &format!("{base}/oh-clearance"), &fixtures::oh_clearance()).await;
    assert_eq!(status, 200);
    let holder = json!({"kty": "EC", "crv": "P-256", "x": "TCAER19Zvu3OHF4j4W4vfSVoHIP1ILilDls7vCeGemc",
        "y": "ZxjiWWbZMQGHVWKVQ4hbSIirsVfuecCE6t4jT9F2HZQ"});
    let credential =
        add(app, &token, &format!("{base}/credentials"), &json!({"type": "criminal_record", "holder_jwk": holder}))
            .await;
    let request = add(app, &token, "/api/v1/presentation-requests", &json!({"role_code": "MATRIX-ROLE"})).await;
    let agreement = agreement(app, &token, &pid).await;
    // An earlier record of the same person elsewhere, and a transfer from it.
    let rth = app.organisation("RTH", "Earlier employer").await;
    person(app, &rth.admin_token, "Matrixperson", "AB123456C").await;
    let transfer = add(app, &token, &format!("{base}/transfers/automatic"), &json!({})).await;
    let cohort = crate::isolation::cohort(app, &token, "Matrixperson", "MATRIX-ROLE").await;
    let (target, _) = user(app, &org.id, Role::Hr).await;
    let mut users = vec![];
    for role in COLUMNS {
        let (id, token) = user(app, &org.id, role).await;
        users.push((role, id, token));
    }
    let ids = HashMap::from([
        ("person_id", pid),
        ("check", check),
        ("competence", competence),
        ("immunisation", immunisation),
        ("assignment", assignment),
        ("role_code", "MATRIX-ROLE".to_owned()),
        ("user_id", target),
        ("credential_id", credential),
        ("request_id", request),
        ("ods_code", "RJ1".to_owned()),
        ("org_id", org.id),
        ("agreement_id", agreement),
        ("transfer_id", transfer),
        ("cohort_id", cohort),
    ]);
    World { ids, users, admin: token }
}

/// A deployment of the world's person to another organisation, drafted by the admin.
async fn agreement(app: &TestApp, token: &str, person_id: &str) -> String {
    let operator = app.operator_token().await;
    let terms = json!({"id": "nhs-core-terms", "version": "2026.1", "family": "nhs", "title": "Core terms",
        "body": "Licence to attend."});
    assert_eq!(app.post(&operator, "/api/v1/core-terms", &terms).await.0, 201);
    app.organisation("RGT", "Host").await;
    let body = json!({"kind": "deployment", "person_id": person_id, "host_ods": "RGT", "roles": ["MATRIX-ROLE"],
        "period": {"start": "2026-06-08", "end": "2026-09-30"}, "core_terms": {"id": "nhs-core-terms", "version": "2026.1"}});
    add(app, token, "/api/v1/agreements", &body).await
}

/// The path with the world's ids; deletes get a fresh target made by the admin first.
async fn fill(app: &TestApp, world: &World, method: &str, template: &str) -> String {
    let ids = &world.ids;
    let mut path = template
        .replace("{person_id}", &ids["person_id"])
        .replace("{role_code}", &ids["role_code"])
        .replace("{user_id}", &ids["user_id"])
        .replace("{credential_id}", &ids["credential_id"])
        .replace("{request_id}", &ids["request_id"])
        .replace("{ods_code}", &ids["ods_code"])
        .replace("{agreement_id}", &ids["agreement_id"])
        .replace("{transfer_id}", &ids["transfer_id"])
        .replace("{cohort_id}", &ids["cohort_id"]);
    let kind = ["checks", "competences", "immunisations", "assignments"]
        .into_iter()
        .find(|k| template.contains(&format!("/{k}/{{record_id}}")));
    if let Some(kind) = kind {
        let id = if method == "delete" {
            let collection = format!("/api/v1/people/{}/{kind}", ids["person_id"]);
            let body = match kind {
                "checks" => fixtures::identity_check(),
                "competences" => fixtures::competence("fire_safety", 1, "2025-07-01"),
                _ => fixtures::flu_vaccine("2025-10-01"),
            };
            add(app, &world.admin, &collection, &body).await
        } else {
            ids[&kind[..kind.len() - 1]].clone()
        };
        path = path.replace("{record_id}", &id);
    }
    if template == "/api/v1/roles/{role_code}" && method == "delete" {
        let (status, _) =
            app.send_json("PUT", &world.admin, "/api/v1/roles/PROBE-ROLE", &fixtures::role("PROBE-ROLE")).await;
        assert_eq!(status, 200);
        path = "/api/v1/roles/PROBE-ROLE".to_owned();
    }
    if path.contains("{token_id}") {
        let scope = OrgScope::system(&ids["org_id"], "test");
        let token = app.store.auth().issue_token(&scope, &ids["user_id"], "probe").await.expect("token");
        path = path.replace("{token_id}", &token.id);
    }
    path
}

#[tokio::test]
async fn every_route_answers_each_role_as_the_matrix_says() {
    each_backend(|app| async move {
        let world = world(&app).await;
        let doc: Value = app.client.get(app.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
        let mut wrong = vec![];
        let mut checked = 0;
        for (template, operations) in doc["paths"].as_object().unwrap() {
            if !template.starts_with("/api/v1/") {
                continue;
            }
            for (method, operation) in operations.as_object().unwrap() {
                let http_method = axum::http::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let Some(permission) = roles::permission(&http_method, template) else {
                    wrong.push(format!("{} {template}: not in the role matrix", method.to_uppercase()));
                    continue;
                };
                let access = permission.access();
                // A review exists only once a request is answered, so its GET is 404 to every role here;
                // the review tests cover who may read one.
                if access == Access::Anyone || (method == "get" && template.ends_with("/review")) {
                    continue;
                }
                for (role, _, token) in &world.users {
                    let expected = roles::allows(access, *role);
                    let path = fill(&app, &world, method, template).await;
                    assert!(!path.contains('{'), "no fixture for a parameter of {template}");
                    let (status, body) = if operation.get("requestBody").is_some() {
                        app.send_raw(&method.to_uppercase(), token, &path, "[]".to_owned()).await
                    } else if method == "delete" {
                        app.delete(token, &path).await
                    } else if method == "get" {
                        app.get(token, &path).await
                    } else {
                        app.send_raw(&method.to_uppercase(), token, &path, String::new()).await
                    };
                    let let_through = status != 404 && status != 401;
                    if let_through != expected || (expected && method == "get" && status != 200) {
                        wrong.push(format!(
                            "{} {template} as {}: {status} (matrix: {}) {body}",
                            method.to_uppercase(),
                            role.as_str(),
                            if expected { "allowed" } else { "refused" }
                        ));
                    }
                    checked += 1;
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "{} of {checked} answers disagree with the role matrix:\n{}",
            wrong.len(),
            wrong.join("\n")
        );
        assert!(checked >= 200, "only {checked} (route, role) pairs checked");

        // Every role may use its own tokens.
        for (role, id, token) in &world.users {
            let (status, body) = app.get(token, &format!("/api/v1/users/{id}/tokens")).await;
            assert_eq!(status, 200, "{} listing its own tokens: {body}", role.as_str());
        }
        app
    })
    .await;
}

#[tokio::test]
async fn a_verifier_reads_no_checks_and_hr_reads_no_health_or_training_data() {
    each_backend(|app| async move {
        let world = world(&app).await;
        let token = |role: Role| world.users.iter().find(|(r, _, _)| *r == role).unwrap().2.clone();
        let base = format!("/api/v1/people/{}", world.ids["person_id"]);
        let refused = [
            (Role::Verifier, format!("{base}/checks")),
            (Role::Verifier, format!("{base}/checks/{}", world.ids["check"])),
            (Role::Verifier, base.clone()),
            (Role::Hr, format!("{base}/immunisations")),
            (Role::Hr, format!("{base}/oh-clearance")),
            (Role::Hr, format!("{base}/competences")),
            (Role::Training, format!("{base}/checks")),
        ];
        for (role, path) in refused {
            let (status, body) = app.get(&token(role), &path).await;
            assert_eq!(status, 404, "{} read {path}: {body}", role.as_str());
        }
        let (status, _) = app.get(&token(Role::OccupationalHealth), &format!("{base}/immunisations")).await;
        assert_eq!(status, 200);
        app
    })
    .await;
}

#[test]
fn readme_prints_the_role_matrix() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let table = roles::markdown_table();
    assert!(readme.contains(&table), "README.md must contain the role matrix exactly as generated:\n{table}");
}
