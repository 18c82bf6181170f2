//! A host's role that needs an agreement for temporary staff: the ready-to-work answer names the
//! deployment that covers the visiting worker, or why none does, and is ready only when one does.
//! The worker is recognised by the holder key they signed the deployment with; the host's own
//! staff need no agreement.

use serde_json::{Value, json};
use testkit::{TestApp, each_backend, fixed_now};
use wallet::{Wallet, presentation};

use crate::agreement_worker::{signing_link, wallet_with_passport};
use crate::agreements::{deployment, publish_terms};
use crate::flows::person;
use crate::oid4vc::request;

/// The host's role: an enhanced DBS, and an agreement for anyone it does not employ.
fn role() -> Value {
    json!({"role_code": "BANK-RN", "title": "Bank Nurse", "agreement_required": true,
           "checks": [{"kind": "criminal_record", "min_dbs_level": "enhanced_adults"}]})
}

/// `wallet` answers a new request of the host's; the recorded result.
async fn present(app: &TestApp, host: &str, wallet: &Wallet) -> Value {
    let now = fixed_now().timestamp();
    let client = wallet::client();
    let (id, link) = request(app, host).await;
    let plan = presentation::prepare(wallet, &client, &link, now).await.expect("the request");
    presentation::submit(wallet, &client, &plan, now).await.expect("the answer is recorded");
    let (status, answered) = app.get(host, &format!("/api/v1/presentation-requests/{id}")).await;
    assert_eq!(status, 200, "{answered}");
    let result = answered["result"].clone();
    assert_eq!(result["requirements"][0]["met"], true, "the DBS itself is fine: {result}");
    result
}

#[tokio::test]
async fn the_ready_answer_names_the_covering_deployment_or_why_none_covers() {
    each_backend(|app| async move {
        publish_terms(&app).await;
        let employer = app.organisation("RJ1", "Employer Trust").await;
        let host = app.organisation("RJZ", "Host Trust").await;
        let (e, h) = (&employer.admin_token, &host.admin_token);
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(app.send_json("PUT", h, "/api/v1/roles/BANK-RN", &role()).await.0, 200);
        let (_, stored) = app.get(h, "/api/v1/roles/BANK-RN").await;
        assert_eq!(stored["record"]["agreement_required"], true, "{stored}");

        let pid = person(&app, e, "Okafor", "AB123456C").await;
        let visitor = wallet_with_passport(&app, e, &pid, dir.path()).await;

        // No agreement at all: every check met, and still not ready.
        let result = present(&app, h, &visitor).await;
        assert_eq!(result["ready"], false, "{result}");
        assert_eq!(result["agreement"]["status"], "none", "{result}");
        assert!(result["agreement"]["reason"].as_str().unwrap().contains("RJ1"), "{result}");

        // A deployment in force today (2026-06-01), signed by both organisations: awaiting the worker.
        let mut body = deployment(&pid, "RJZ", "nhs-core-terms");
        body["period"] = json!({"start": "2026-05-01", "end": "2026-09-30"});
        let (status, draft) = app.post(e, "/api/v1/agreements", &body).await;
        assert_eq!(status, 201, "{draft}");
        let id = draft["id"].as_str().unwrap().to_owned();
        assert_eq!(app.post(e, &format!("/api/v1/agreements/{id}/propose"), &json!({})).await.0, 200);
        assert_eq!(app.post(h, &format!("/api/v1/agreements/{id}/sign"), &json!({})).await.0, 200);
        let result = present(&app, h, &visitor).await;
        assert_eq!(result["ready"], false, "{result}");
        assert_eq!(result["agreement"]["status"], "awaiting_signatures", "{result}");
        assert_eq!(result["agreement"]["agreement_id"], id.as_str(), "{result}");

        // The worker signs with their wallet: covered, named, ready.
        let created = signing_link(&app, e, &id).await;
        let client = wallet::client();
        let now = fixed_now().timestamp();
        let plan = presentation::prepare(&visitor, &client, created["link"].as_str().unwrap(), now).await.unwrap();
        presentation::submit(&visitor, &client, &plan, now).await.expect("the worker signs");
        let result = present(&app, h, &visitor).await;
        assert_eq!(result["agreement"]["status"], "covered", "{result}");
        assert_eq!(result["agreement"]["agreement_id"], id.as_str(), "{result}");
        assert_eq!(result["agreement"]["period"], json!({"start": "2026-05-01", "end": "2026-09-30"}));
        assert_eq!(result["ready"], true, "{result}");

        // Someone of the same name with another wallet is not covered by the worker's signature.
        let namesake_id = person(&app, e, "Okafor", "AB654321C").await;
        let namesake = wallet_with_passport(&app, e, &namesake_id, dir.path()).await;
        let result = present(&app, h, &namesake).await;
        assert_eq!((&result["ready"], &result["agreement"]["status"]), (&json!(false), &json!("none")), "{result}");

        // The host's own staff need no agreement.
        let own_id = person(&app, h, "Adeyemi", "JK123456A").await;
        let own = wallet_with_passport(&app, h, &own_id, dir.path()).await;
        let result = present(&app, h, &own).await;
        assert_eq!((&result["ready"], &result["agreement"]["status"]), (&json!(true), &json!("own_staff")), "{result}");

        // Withdrawn by the host: named, with the reason, and not ready.
        let reason = json!({"reason": "ward closed"});
        assert_eq!(app.post(h, &format!("/api/v1/agreements/{id}/withdraw"), &reason).await.0, 200);
        let result = present(&app, h, &visitor).await;
        assert_eq!(result["ready"], false, "{result}");
        assert_eq!(result["agreement"]["status"], "withdrawn", "{result}");
        assert!(result["agreement"]["reason"].as_str().unwrap().contains("ward closed"), "{result}");
        app
    })
    .await;
}
