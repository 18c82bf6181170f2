//! Workforce sharing agreements over HTTP: core terms, a deployment drafted, proposed and signed
//! by each organisation, its signed export verified and refused once altered, withdrawal with a
//! reason, amendment as a new version, an umbrella signed by three organisations, and parties only.

use domain::org::{NewOrganisation, OdsCode, OrgKind};
use serde_json::{Value, json};
use store::RegistryScope;
use testkit::{TestApp, each_backend};

use crate::flows::person;

pub async fn publish_terms(app: &TestApp) {
    let operator = app.operator_token().await;
    for (id, family) in [("nhs-core-terms", "nhs"), ("non-nhs-core-terms", "non_nhs")] {
        let body = json!({"id": id, "version": "2026.1", "family": family, "title": "Core terms",
            "body": format!("{id}: the worker stays employed by the home organisation (licence to attend).")});
        let (status, terms) = app.post(&operator, "/api/v1/core-terms", &body).await;
        assert_eq!(status, 201, "{terms}");
        assert_eq!(terms["sha256"].as_str().unwrap().len(), 64);
    }
}

pub fn deployment(person_id: &str, host: &str, terms: &str) -> Value {
    json!({"kind": "deployment", "person_id": person_id, "host_ods": host, "roles": ["BANK-RN"],
        "period": {"start": "2026-06-08", "end": "2026-09-30"},
        "bespoke_terms": {"car_parking": "staff car park B", "pay_variation": "host's bank rate, recharged"},
        "core_terms": {"id": terms, "version": "2026.1"}})
}

#[tokio::test]
async fn a_deployment_is_proposed_signed_exported_verified_withdrawn_and_amended() {
    each_backend(|app| async move {
        publish_terms(&app).await;
        let employer = app.organisation("RJ1", "Employer Trust").await;
        let host = app.organisation("RJZ", "Host Trust").await;
        let outsider = app.organisation("R1H", "Outside Trust").await;
        let (e, h, o) = (&employer.admin_token, &host.admin_token, &outsider.admin_token);
        // Only the operator publishes terms.
        let (status, _) = app
            .post(
                e,
                "/api/v1/core-terms",
                &json!({"id": "x", "version": "1", "family": "nhs",
            "title": "t", "body": "b"}),
            )
            .await;
        assert_eq!(status, 404);

        let pid = person(&app, e, "Okafor", "AB123456C").await;
        let (status, draft) = app.post(e, "/api/v1/agreements", &deployment(&pid, "RJZ", "nhs-core-terms")).await;
        assert_eq!(status, 201, "{draft}");
        assert_eq!(draft["state"], "draft");
        assert_eq!(draft["document"]["agreement"]["worker"]["family_name"], "Okafor");
        let id = draft["id"].as_str().unwrap().to_owned();

        // Parties see it; nobody else does, whatever they try.
        assert_eq!(app.get(h, &format!("/api/v1/agreements/{id}")).await.0, 200);
        for path in ["", "/versions", "/export"] {
            assert_eq!(app.get(o, &format!("/api/v1/agreements/{id}{path}")).await.0, 404, "{path}");
        }
        for action in ["propose", "sign"] {
            assert_eq!(app.post(o, &format!("/api/v1/agreements/{id}/{action}"), &json!({})).await.0, 404);
        }
        // The host may not sign a draft, nor propose the employer's deployment.
        assert_eq!(app.post(h, &format!("/api/v1/agreements/{id}/sign"), &json!({})).await.0, 409);
        assert_eq!(app.post(h, &format!("/api/v1/agreements/{id}/propose"), &json!({})).await.0, 404);

        let (status, proposed) = app.post(e, &format!("/api/v1/agreements/{id}/propose"), &json!({})).await;
        assert_eq!(status, 200, "{proposed}");
        assert_eq!(proposed["state"], "proposed");
        let (status, signed) = app.post(h, &format!("/api/v1/agreements/{id}/sign"), &json!({})).await;
        assert_eq!(status, 200, "{signed}");
        assert_eq!(signed["awaiting"], json!(["the worker"]));
        assert_eq!(app.post(h, &format!("/api/v1/agreements/{id}/sign"), &json!({})).await.0, 409, "twice");

        // The export verifies for anyone; altered by one byte it does not.
        let (status, export) = app.get(e, &format!("/api/v1/agreements/{id}/export")).await;
        assert_eq!(status, 200);
        assert_eq!(export["signatures"].as_array().unwrap().len(), 2);
        let (status, report) = app.post(o, "/api/v1/agreements/verify", &export).await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["valid"], true, "{report}");
        assert_eq!(report["state"], "proposed");
        assert_eq!(report["awaiting"], json!(["the worker"]));
        let mut altered = export.clone();
        let payload = credentials::b64::decode(export["payload"].as_str().unwrap()).unwrap();
        let text = String::from_utf8(payload).unwrap().replace("car park B", "car park C");
        altered["payload"] = json!(credentials::b64::encode(text.as_bytes()));
        let (_, report) = app.post(o, "/api/v1/agreements/verify", &altered).await;
        assert_eq!(report["valid"], false);
        assert_eq!(report["reason"], "signature_invalid", "{report}");

        // Amendment: a new version, drafted again; the history keeps both.
        let (status, v2) = app
            .post(
                e,
                &format!("/api/v1/agreements/{id}/amend"),
                &json!({"period": {"start": "2026-06-08", "end": "2026-12-31"}}),
            )
            .await;
        assert_eq!(status, 201, "{v2}");
        assert_eq!(v2["version"], 2);
        assert_eq!(v2["document"]["amends"]["version"], 1);
        let (_, versions) = app.get(h, &format!("/api/v1/agreements/{id}/versions")).await;
        assert_eq!(versions.as_array().unwrap().len(), 2);

        // Withdrawal needs a reason and ends signing.
        let (status, problem) =
            app.post(h, &format!("/api/v1/agreements/{id}/withdraw"), &json!({"reason": " "})).await;
        assert_eq!(status, 422);
        assert_eq!(problem["errors"][0]["field"], "reason", "{problem}");
        let (status, _) = app.post(e, &format!("/api/v1/agreements/{id}/propose"), &json!({})).await;
        assert_eq!(status, 200);
        let (status, withdrawn) =
            app.post(h, &format!("/api/v1/agreements/{id}/withdraw"), &json!({"reason": "ward closed"})).await;
        assert_eq!(status, 200, "{withdrawn}");
        assert_eq!(withdrawn["state"], "withdrawn");
        assert_eq!(app.post(h, &format!("/api/v1/agreements/{id}/sign"), &json!({})).await.0, 409);

        let (_, hosted) = app.get(h, "/api/v1/agreements?part=host").await;
        assert_eq!(hosted["items"].as_array().unwrap().len(), 1);
        let (_, employed) = app.get(h, "/api/v1/agreements?part=employer").await;
        assert!(employed["items"].as_array().unwrap().is_empty());
        assert_eq!(app.get(h, "/api/v1/agreements?part=owner").await.0, 422);
        app
    })
    .await;
}

#[tokio::test]
async fn an_umbrella_signed_by_every_organisation_is_active() {
    each_backend(|app| async move {
        publish_terms(&app).await;
        let a = app.organisation("RJ1", "A").await;
        let b = app.organisation("RJZ", "B").await;
        let c = app.organisation("RGT", "C").await;
        let body = json!({"kind": "umbrella", "title": "System workforce sharing agreement", "parties": ["RJZ", "RGT"],
            "period": {"start": "2026-01-01", "end": "2028-12-31"},
            "scope": {"staff_groups": ["nursing_and_midwifery_registered"], "purposes": ["mutual aid", "rotation"]},
            "core_terms": {"id": "nhs-core-terms", "version": "2026.1"}});
        let (status, made) = app.post(&a.admin_token, "/api/v1/agreements", &body).await;
        assert_eq!(status, 201, "{made}");
        let id = made["id"].as_str().unwrap().to_owned();
        app.post(&a.admin_token, &format!("/api/v1/agreements/{id}/propose"), &json!({})).await;
        app.post(&b.admin_token, &format!("/api/v1/agreements/{id}/sign"), &json!({})).await;
        let (status, done) = app.post(&c.admin_token, &format!("/api/v1/agreements/{id}/sign"), &json!({})).await;
        assert_eq!(status, 200, "{done}");
        assert_eq!(done["state"], "active");
        let (_, export) = app.get(&b.admin_token, &format!("/api/v1/agreements/{id}/export")).await;
        let (_, report) = app.post(&c.admin_token, "/api/v1/agreements/verify", &export).await;
        assert_eq!(report["valid"], true, "{report}");
        assert_eq!(report["signatures"].as_array().unwrap().len(), 3);
        assert_eq!(report["state"], "active");
        // An HR user (not admin) may not sign umbrella agreements.
        let hr = app.user_token(&a.id, &[store::Role::Hr], "hr").await;
        assert_eq!(app.post(&hr, "/api/v1/agreements", &body).await.0, 404);
        app
    })
    .await;
}

#[tokio::test]
async fn a_party_outside_the_nhs_needs_non_nhs_terms_and_a_legal_basis() {
    each_backend(|app| async move {
        publish_terms(&app).await;
        let employer = app.organisation("RJ1", "Employer Trust").await;
        let hospice = NewOrganisation {
            ods_code: OdsCode::parse("NHOS1").unwrap(),
            name: "St Elsewhere Hospice".into(),
            kind: OrgKind::Hospice,
        };
        app.store.registry().create_organisation(&RegistryScope::system("test"), &hospice).await.unwrap();
        let e = &employer.admin_token;
        let pid = person(&app, e, "Okafor", "AB123456C").await;
        let (status, problem) = app.post(e, "/api/v1/agreements", &deployment(&pid, "NHOS1", "nhs-core-terms")).await;
        assert_eq!(status, 422);
        assert_eq!(problem["errors"][0]["field"], "core_terms", "{problem}");
        let (status, problem) =
            app.post(e, "/api/v1/agreements", &deployment(&pid, "NHOS1", "non-nhs-core-terms")).await;
        assert_eq!(status, 422);
        assert!(problem.to_string().contains("data_sharing"), "{problem}");
        let mut body = deployment(&pid, "NHOS1", "non-nhs-core-terms");
        body["data_sharing"] = json!({"article_6": "public_task", "article_9": "health_or_social_care",
            "purpose": "nurses for the hospice's inpatient unit"});
        let (status, made) = app.post(e, "/api/v1/agreements", &body).await;
        assert_eq!(status, 201, "{made}");
        assert_eq!(made["document"]["data_sharing"]["article_6"], "public_task");
        app
    })
    .await;
}
