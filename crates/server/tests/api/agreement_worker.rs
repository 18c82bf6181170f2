//! The worker signs a deployment with the wallet that holds their passport, through OpenID4VP
//! transaction data: the wallet shows the terms, its KB-JWT lists the transaction data hash, and
//! the agreement then carries all three signatures and verifies for anyone. A wallet whose key is
//! not bound to a credential the employer issued to that worker cannot sign.

use serde_json::{Value, json};
use testkit::{TestApp, each_backend, fixed_now, fixtures};
use wallet::{KdfParams, StoredCredential, Wallet, presentation};

use crate::agreements::{deployment, publish_terms};
use crate::flows::{add, person};

const FAST: KdfParams = KdfParams { m_cost: 64, t_cost: 1, p_cost: 1 };

/// A wallet holding a DBS credential `token`'s organisation issued to `person_id`.
pub(crate) async fn wallet_with_passport(app: &TestApp, token: &str, person_id: &str, dir: &std::path::Path) -> Wallet {
    let now = fixed_now().timestamp();
    add(
        app,
        token,
        &format!("/api/v1/people/{person_id}/checks"),
        &fixtures::dbs_check("enhanced_adults", "2025-11-02"),
    )
    .await;
    let mut wallet = Wallet::create(&dir.join(format!("{person_id}.json")), "pw", FAST, now).unwrap();
    let body = json!({"type": "criminal_record", "holder_jwk": wallet.holder_jwk()});
    let (status, issued) = app.post(token, &format!("/api/v1/people/{person_id}/credentials"), &body).await;
    assert_eq!(status, 201, "{issued}");
    let raw = issued["credential"].as_str().unwrap();
    wallet.add(StoredCredential::from_issued(raw, None, now).unwrap()).unwrap();
    wallet
}

pub(crate) async fn signing_link(app: &TestApp, token: &str, id: &str) -> Value {
    let (status, created) = app.post(token, &format!("/api/v1/agreements/{id}/worker-signing"), &json!({})).await;
    assert_eq!(status, 201, "{created}");
    created
}

#[tokio::test]
async fn the_worker_signs_through_transaction_data_with_the_wallet_that_holds_their_passport() {
    each_backend(|app| async move {
        publish_terms(&app).await;
        let employer = app.organisation("RJ1", "Employer Trust").await;
        let host = app.organisation("RJZ", "Host Trust").await;
        let (e, h) = (&employer.admin_token, &host.admin_token);
        let dir = tempfile::tempdir().unwrap();
        let now = fixed_now().timestamp();
        let client = wallet::client();

        let pid = person(&app, e, "Okafor", "AB123456C").await;
        let genuine = wallet_with_passport(&app, e, &pid, dir.path()).await;
        // Same name and NI number at the host, and a passport the host issued: not the employer's.
        let at_host = person(&app, h, "Okafor", "AB123456C").await;
        let impostor = wallet_with_passport(&app, h, &at_host, dir.path()).await;

        let (status, draft) = app.post(e, "/api/v1/agreements", &deployment(&pid, "RJZ", "nhs-core-terms")).await;
        assert_eq!(status, 201, "{draft}");
        let id = draft["id"].as_str().unwrap().to_owned();
        // Nothing for the worker to sign before the agreement is proposed.
        assert_eq!(app.post(e, &format!("/api/v1/agreements/{id}/worker-signing"), &json!({})).await.0, 409);
        assert_eq!(app.post(e, &format!("/api/v1/agreements/{id}/propose"), &json!({})).await.0, 200);
        assert_eq!(app.post(h, &format!("/api/v1/agreements/{id}/sign"), &json!({})).await.0, 200);

        // The impostor's wallet answers, and is refused; nothing is recorded.
        let created = signing_link(&app, e, &id).await;
        let link = created["link"].as_str().unwrap();
        let plan = presentation::prepare(&impostor, &client, link, now).await.expect("the request");
        assert!(plan.can_submit(), "any passport credential matches the query: {:?}", plan.missing);
        let refused = presentation::submit(&impostor, &client, &plan, now).await;
        assert!(refused.is_err(), "a credential from the host does not vouch for the worker: {refused:?}");
        let (_, view) = app.get(e, &format!("/api/v1/agreements/{id}")).await;
        assert_eq!(view["awaiting"], json!(["the worker"]), "{view}");

        // The genuine wallet shows the terms, then signs.
        let plan = presentation::prepare(&genuine, &client, link, now).await.expect("the request");
        assert_eq!(plan.transactions.len(), 1, "{plan:?}");
        let summary = &plan.transactions[0].summary;
        assert!(summary.starts_with("Sign agreement"), "{summary}");
        assert!(summary.contains("Okafor") && summary.contains("Host Trust") && summary.contains(&id), "{summary}");
        presentation::submit(&genuine, &client, &plan, now).await.expect("the signature is accepted");

        let (_, view) = app.get(e, &format!("/api/v1/agreements/{id}")).await;
        assert_eq!(view["state"], "signed", "{view}");
        assert_eq!(view["awaiting"], json!([]), "{view}");
        // The request is answered: the same link cannot sign twice.
        assert!(presentation::prepare(&genuine, &client, link, now).await.is_err());

        // Three signatures, and anyone's verify says so.
        let (_, export) = app.get(h, &format!("/api/v1/agreements/{id}/export")).await;
        assert_eq!(export["signatures"].as_array().unwrap().len(), 3, "{export}");
        let outsider = app.organisation("R1H", "Outside Trust").await;
        let (status, report) = app.post(&outsider.admin_token, "/api/v1/agreements/verify", &export).await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["valid"], true, "{report}");
        assert_eq!(report["state"], "signed", "{report}");
        app
    })
    .await;
}

#[tokio::test]
async fn the_worker_sees_their_deployments_and_asks_their_own_wallet_to_sign() {
    each_backend(|app| async move {
        publish_terms(&app).await;
        let employer = app.organisation("RJ1", "Employer Trust").await;
        let host = app.organisation("RJZ", "Host Trust").await;
        let (e, h) = (&employer.admin_token, &host.admin_token);
        let dir = tempfile::tempdir().unwrap();
        let now = fixed_now().timestamp();
        let pid = person(&app, e, "Okafor", "AB123456C").await;
        let wallet = wallet_with_passport(&app, e, &pid, dir.path()).await;
        let me = crate::me::enrol(&app, &employer, &pid, "okafor@nhs.net").await;

        let id = add(&app, e, "/api/v1/agreements", &deployment(&pid, "RJZ", "nhs-core-terms")).await;
        // A draft is listed, but there is nothing to sign yet.
        let (_, mine) = app.get(&me, "/api/v1/me/agreements").await;
        assert_eq!(mine[0]["state"], "draft", "{mine}");
        let signing = format!("/api/v1/me/agreements/{id}/worker-signing");
        assert_eq!(app.post(&me, &signing, &json!({})).await.0, 409);
        assert_eq!(app.post(e, &format!("/api/v1/agreements/{id}/propose"), &json!({})).await.0, 200);
        assert_eq!(app.post(h, &format!("/api/v1/agreements/{id}/sign"), &json!({})).await.0, 200);
        let (_, mine) = app.get(&me, "/api/v1/me/agreements").await;
        assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
        assert_eq!(mine[0]["id"], id.as_str());
        assert_eq!(mine[0]["awaiting"], json!(["the worker"]), "{mine}");
        assert_eq!(mine[0]["document"]["agreement"]["bespoke_terms"]["car_parking"], "staff car park B");

        // The worker makes the signing request themselves and signs with their wallet.
        let (status, created) = app.post(&me, &signing, &json!({})).await;
        assert_eq!(status, 201, "{created}");
        let client = wallet::client();
        let plan = presentation::prepare(&wallet, &client, created["link"].as_str().unwrap(), now).await.unwrap();
        presentation::submit(&wallet, &client, &plan, now).await.expect("the worker signs");
        let (_, mine) = app.get(&me, "/api/v1/me/agreements").await;
        assert_eq!(mine[0]["state"], "signed", "{mine}");
        assert_eq!(mine[0]["awaiting"], json!([]), "{mine}");
        app
    })
    .await;
}
