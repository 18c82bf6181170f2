//! A credential's status is read only from a list its own issuer signed. RJ1 signs a credential
//! whose status reference points at RRK's list on the same deployment: `POST /api/v1/verify`
//! refuses it with `status_list_issuer_mismatch` (before, the verifier picked the list by the ODS
//! code in its URI and read RRK's entry); the same credential pointing at RJ1's own list verifies.

use credentials::sdjwt::SdPlan;
use credentials::status::StatusRef;
use credentials::vc::{VcSpec, issue_vc};
use serde_json::{Value, json};
use testkit::{TestApp, each_backend, fixed_now};

use crate::flows::{add, person};

/// Issues one credential at `token`'s organisation, so that organisation has status list 1.
async fn issue_one(app: &TestApp, token: &str) {
    let pid = person(app, token, "Okafor", "AB123456C").await;
    add(
        app,
        token,
        &format!("/api/v1/people/{pid}/checks"),
        &testkit::fixtures::dbs_check("enhanced_adults", "2025-11-02"),
    )
    .await;
    let holder = credentials::jws::SoftwareEs256Key::generate().unwrap();
    let body = json!({"type": "criminal_record", "holder_jwk": credentials::jws::Signer::public_jwk(&holder).bare()});
    let (status, issued) = app.post(token, &format!("/api/v1/people/{pid}/credentials"), &body).await;
    assert_eq!(status, 201, "{issued}");
}

async fn verify(app: &TestApp, token: &str, presentation: &str) -> Value {
    let (status, body) = app.post(token, "/api/v1/verify", &json!({"presentation": presentation})).await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn a_status_list_of_another_issuer_is_refused() {
    each_backend(|app| async move {
        let a = app.organisation("RJ1", "Organisation A").await;
        let b = app.organisation("RRK", "Organisation B").await;
        issue_one(&app, &a.admin_token).await;
        issue_one(&app, &b.admin_token).await;
        // The issuer id the served trust list names (the server's own address), not the state's default.
        let base = app.base.clone();
        let key = server::issuer::signer_for(&app.state, &a.id).await.unwrap();
        let signed = |list_owner: &str| {
            let claims = json!({"given_name": "Amara"}).as_object().cloned().unwrap();
            let spec = VcSpec {
                iss: format!("{base}/issuers/RJ1"),
                vct: "https://example.test/vct/anything".into(),
                iat: fixed_now().timestamp(),
                nbf: None,
                exp: None,
                cnf: None,
                status: Some(StatusRef { idx: 0, uri: format!("{base}/statuslists/{list_owner}/1") }),
                sd: SdPlan::all_members(&claims, 1),
                claims,
            };
            issue_vc(&spec, &key, &mut rand::thread_rng()).unwrap()
        };
        let own = verify(&app, &b.admin_token, &signed("RJ1")).await;
        assert_eq!(own["valid"], true, "{own}");
        let other = verify(&app, &b.admin_token, &signed("RRK")).await;
        assert_eq!(other["valid"], false, "{other}");
        assert_eq!(other["reason"], "status_list_issuer_mismatch", "{other}");
        app
    })
    .await;
}
