//! Organisation B can never reach organisation A's data. Every route is taken from the OpenAPI document, so a
//! route added later is covered without touching this test.

use std::collections::HashMap;

use serde_json::{Value, json};
use testkit::{TestApp, each_backend, fixtures};

use crate::flows::{add, person};

/// A's world: one person with one record of every kind, a role, and a user.
struct OrgA {
    ids: HashMap<&'static str, String>,
    /// Strings that only A's data contains.
    markers: Vec<String>,
}

async fn populate_a(app: &TestApp, token: &str) -> OrgA {
    let mut role = fixtures::role("ALPHA-ROLE");
    role["title"] = json!("Alpha Ward Sister");
    let (status, _) = app.send_json("PUT", token, "/api/v1/roles/ALPHA-ROLE", &role).await;
    assert_eq!(status, 200);
    let pid = person(app, token, "Alphaperson", "AB123456C").await;
    let base = format!("/api/v1/people/{pid}");
    // An earlier record of the same person at a third organisation, and A's transfer from it.
    let rth = app.organisation("RTH", "Organisation C").await;
    person(app, &rth.admin_token, "Alphaperson", "AB123456C").await;
    let transfer = add(app, token, &format!("{base}/transfers/automatic"), &json!({})).await;
    let check = add(app, token, &format!("{base}/checks"), &fixtures::dbs_check("enhanced_adults", "2025-11-02")).await;
    let competence =
        add(app, token, &format!("{base}/competences"), &fixtures::competence("fire_safety", 1, "2025-07-01")).await;
    let immunisation = add(app, token, &format!("{base}/immunisations"), &fixtures::hep_b_immune()).await;
    let assignment =
        add(app, token, &format!("{base}/assignments"), &fixtures::assignment("ALPHA-ROLE", "applicant")).await;
    let (status, _) = app.send_json("PUT", token, &format!("{base}/oh-clearance"), &fixtures::oh_clearance()).await;
    assert_eq!(status, 200);
    let credential = add(app, token, &format!("{base}/credentials"), &issue_body()).await;
    let presentation_request =
        add(app, token, "/api/v1/presentation-requests", &json!({"role_code": "ALPHA-ROLE"})).await;
    let agreement = agreement_with_a_third_party(app, token, &pid).await;
    let cohort = cohort(app, token, "Alphaperson", "ALPHA-ROLE").await;
    let (status, user) = app
        .post(
            token,
            "/api/v1/users",
            &json!({"email": "alpha.hr@a.nhs.uk", "display_name": "Alpha HR", "roles": ["hr"]}),
        )
        .await;
    assert_eq!(status, 201);
    let user_id = user["id"].as_str().unwrap().to_owned();
    let token_id = add(app, token, &format!("/api/v1/users/{user_id}/tokens"), &json!({"label": "alpha"})).await;
    let ids = HashMap::from([
        ("person_id", pid.clone()),
        ("check", check.clone()),
        ("competence", competence.clone()),
        ("immunisation", immunisation.clone()),
        ("assignment", assignment.clone()),
        ("role_code", "ALPHA-ROLE".to_owned()),
        ("user_id", user_id.clone()),
        ("token_id", token_id),
        ("credential_id", credential.clone()),
        ("request_id", presentation_request.clone()),
        ("agreement_id", agreement.clone()),
        ("transfer_id", transfer.clone()),
        ("cohort_id", cohort.clone()),
    ]);
    let markers = vec![
        "Alphaperson".to_owned(),
        "AB123456C".to_owned(),
        "Alpha Ward Sister".to_owned(),
        "alpha.hr@a.nhs.uk".to_owned(),
        pid,
        check,
        competence,
        immunisation,
        assignment,
        user_id,
        credential,
        presentation_request,
        agreement,
        cohort,
    ];
    OrgA { ids, markers }
}

/// A finished cohort job of one applicant (AB123456C, no consent), with the role and start date of
/// the person's applicant assignment so the job adds none.
pub async fn cohort(app: &TestApp, token: &str, surname: &str, role: &str) -> String {
    let body = json!({"applicants": [{"ni_number": "AB123456C", "date_of_birth": "1988-03-14", "surname": surname,
        "role": role, "start_date": "2026-01-05", "staff_group": "nursing_and_midwifery_registered",
        "band": "band_5"}]});
    let (status, job) = app.post(token, "/api/v1/transfer-cohorts", &body).await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().unwrap().to_owned();
    crate::transfer_cohorts::settled(app, token, &id).await;
    id
}

/// A deployment of A's person to a third organisation: B is not a party.
async fn agreement_with_a_third_party(app: &TestApp, token: &str, person_id: &str) -> String {
    let operator = app.operator_token().await;
    let terms = json!({"id": "nhs-core-terms", "version": "2026.1", "family": "nhs", "title": "Core terms",
        "body": "Licence to attend."});
    let (status, _) = app.post(&operator, "/api/v1/core-terms", &terms).await;
    assert_eq!(status, 201);
    app.organisation("RGT", "Organisation C").await;
    let body = json!({"kind": "deployment", "person_id": person_id, "host_ods": "RGT", "roles": ["ALPHA-ROLE"],
        "period": {"start": "2026-06-08", "end": "2026-09-30"}, "core_terms": {"id": "nhs-core-terms", "version": "2026.1"}});
    add(app, token, "/api/v1/agreements", &body).await
}

/// A passport credential request A's person can satisfy (A records an enhanced DBS check), bound to the
/// RFC 9901 example holder key.
fn issue_body() -> Value {
    json!({"type": "criminal_record", "holder_jwk": {"kty": "EC", "crv": "P-256",
        "x": "TCAER19Zvu3OHF4j4W4vfSVoHIP1ILilDls7vCeGemc", "y": "ZxjiWWbZMQGHVWKVQ4hbSIirsVfuecCE6t4jT9F2HZQ"}})
}

/// The record id a `{record_id}` path means, by the collection it sits in.
fn record_id<'a>(path: &str, ids: &'a HashMap<&'static str, String>) -> &'a str {
    let kind = ["checks", "competences", "immunisations", "assignments"]
        .into_iter()
        .find(|k| path.contains(&format!("/{k}/")))
        .unwrap_or_else(|| panic!("no record kind for {path}"));
    &ids[&kind[..kind.len() - 1]]
}

/// A valid body for each writable route, so a 404 cannot be a validation answer in disguise.
fn body_for(method: &str, path: &str) -> Option<Value> {
    if method == "get" || method == "delete" {
        return None;
    }
    let body = if path.ends_with("/review") {
        json!({"worker": {"given_name": "Intruder", "family_name": "Intruder", "date_of_birth": "1990-01-01",
            "ni_number": "CE123456A"}})
    } else if path.starts_with("/api/v1/agreements/") {
        if path.ends_with("/withdraw") { json!({"reason": "intruder"}) } else { json!({}) }
    } else if path.ends_with("/transfer-consent") {
        json!({"given": true, "method": "self_service"})
    } else if path.ends_with("/wallet-request") {
        json!({"given": true})
    } else if path.ends_with("/transfers/remote") {
        json!({"source_ods": "RTH"})
    } else if path.ends_with("/transfers") {
        json!({"source_ods": "RTH", "source_person_id": "x"})
    } else if path.starts_with("/api/v1/transfers/") || path.ends_with("/transfers/automatic") {
        json!({})
    } else if path.ends_with("/credential-offers") {
        json!({"types": ["criminal_record"]})
    } else if path.ends_with("/credentials") {
        issue_body()
    } else if path.starts_with("/api/v1/credentials/") {
        json!({"reason": "stolen"})
    } else if path.ends_with("/transition") {
        json!({"status": "active", "on": "2026-02-01"})
    } else if path.contains("/checks") {
        fixtures::identity_check()
    } else if path.contains("/competences") {
        fixtures::competence("fire_safety", 1, "2025-07-01")
    } else if path.contains("/immunisations") {
        fixtures::flu_vaccine("2025-10-01")
    } else if path.contains("/assignments") {
        fixtures::assignment("ALPHA-ROLE", "applicant")
    } else if path.contains("/oh-clearance") {
        fixtures::oh_clearance()
    } else if path.starts_with("/api/v1/roles/") {
        fixtures::role("ALPHA-ROLE")
    } else if path.contains("/tokens") {
        json!({"label": "stolen"})
    } else if path.ends_with("/worker-invitations") {
        json!({"email": "intruder@b.nhs.uk"})
    } else if path.ends_with("/contact") {
        json!({"phone": "0113 496 0000"})
    } else if path.starts_with("/api/v1/me/") && path.ends_with("/transfer-consent") {
        json!({"given": true})
    } else if path.starts_with("/api/v1/people/") {
        fixtures::person("Intruder", "CE123456A")
    } else {
        // A body-less action (`/disable`, `/propose`): posted empty, never turned into a GET.
        json!({})
    };
    Some(body)
}

fn fill(template: &str, ids: &HashMap<&'static str, String>) -> String {
    let mut path = template.replace("{person_id}", &ids["person_id"]);
    if path.contains("{record_id}") {
        let id = record_id(template, ids).to_owned();
        path = path.replace("{record_id}", &id);
    }
    path.replace("{role_code}", &ids["role_code"])
        .replace("{user_id}", &ids["user_id"])
        .replace("{token_id}", &ids["token_id"])
        .replace("{ods_code}", "RJ1")
        .replace("{credential_id}", &ids["credential_id"])
        .replace("{request_id}", &ids["request_id"])
        .replace("{agreement_id}", &ids["agreement_id"])
        .replace("{transfer_id}", &ids["transfer_id"])
        .replace("{cohort_id}", &ids["cohort_id"])
}

#[tokio::test]
async fn every_route_with_another_organisations_ids_is_not_found() {
    each_backend(|app| async move {
        let a = app.organisation("RJ1", "Organisation A").await;
        let b = app.organisation("RRK", "Organisation B").await;
        let world = populate_a(&app, &a.admin_token).await;
        let doc: Value = app.client.get(app.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
        let mut checked = 0;
        for (template, methods) in doc["paths"].as_object().unwrap() {
            // Routes without an id are B's own collections (or need no token): checked below for leaks only.
            if !template.contains('{') {
                continue;
            }
            // Outside /api/v1 live the public documents (issuer metadata, status lists, type metadata, trust
            // list): the same for every caller by design, and free of personal data.
            if !template.starts_with("/api/v1/") {
                continue;
            }
            for method in methods.as_object().unwrap().keys() {
                if template == "/api/v1/roles/{role_code}" && method == "put" {
                    // Role codes are each organisation's own namespace: B defining a role of the same code
                    // makes B's role, checked below not to touch A's.
                    continue;
                }
                let path = fill(template, &world.ids);
                // An unfilled placeholder would 404 for the wrong reason: a new route needs a fixture here.
                assert!(!path.contains('{'), "no fixture id for a parameter of {template}");
                let (status, body) = match body_for(method, template) {
                    Some(body) => app.send_json(&method.to_uppercase(), &b.admin_token, &path, &body).await,
                    None if method == "delete" => app.delete(&b.admin_token, &path).await,
                    None => app.get(&b.admin_token, &path).await,
                };
                assert_eq!(status, 404, "{} {template} answered {status}: {body}", method.to_uppercase());
                assert_no_marker(&world.markers, &body, &format!("{method} {template}"));
                checked += 1;
            }
        }
        assert!(checked >= 20, "only {checked} routes checked: did the OpenAPI document lose routes?");

        let mut b_role = fixtures::role("ALPHA-ROLE");
        b_role["title"] = json!("Beta Porter");
        let (status, _) = app.send_json("PUT", &b.admin_token, "/api/v1/roles/ALPHA-ROLE", &b_role).await;
        assert_eq!(status, 200);
        let (_, a_role) = app.get(&a.admin_token, "/api/v1/roles/ALPHA-ROLE").await;
        assert_eq!(a_role["record"]["title"], "Alpha Ward Sister", "B's role overwrote A's");

        // B's own collections answer, and carry nothing of A's.
        for path in ["/api/v1/people", "/api/v1/roles", "/api/v1/compliance", "/api/v1/users"] {
            let (status, body) = app.get(&b.admin_token, path).await;
            assert_eq!(status, 200, "{path}: {body}");
            assert_no_marker(&world.markers, &body, path);
        }
        let (status, _) = app.get(&b.admin_token, "/api/v1/organisations").await;
        assert_eq!(status, 404, "an organisation user is not a registry operator");

        // And A's data is all still there, untouched by B's attempts.
        let (status, body) = app.get(&a.admin_token, &format!("/api/v1/people/{}", world.ids["person_id"])).await;
        assert_eq!(status, 200);
        assert_eq!(body["record"]["family_name"], "Alphaperson");
        for kind in ["checks", "competences", "immunisations", "assignments"] {
            let (_, list) = app.get(&a.admin_token, &format!("/api/v1/people/{}/{kind}", world.ids["person_id"])).await;
            assert_eq!(list.as_array().map(Vec::len), Some(1), "{kind}: {list}");
        }
        app
    })
    .await;
}

pub fn assert_no_marker(markers: &[String], body: &Value, context: &str) {
    let text = body.to_string();
    for marker in markers {
        assert!(!text.contains(marker.as_str()), "{context} leaked {marker}: {text}");
    }
}
