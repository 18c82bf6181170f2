//! Issue 14 finding 6: someone who knows only a presentation request's `state` (it is in the QR code)
//! cannot spoil the request. A forged decline, a presentation whose key binding does not verify, and a
//! tampered one are each counted as a failed attempt; the request stays open, and the genuine wallet's
//! answer is then recorded as ready.

use credentials::jws::{Signer, SoftwareEs256Key};
use credentials::oid4vc::matching::{self, HeldCredential};
use credentials::oid4vc::vp::{AuthorizationResponse, ReceivedRequestObject, RequestLink};
use credentials::sdjwt::KeyBinding;
use serde_json::{Value, json};
use testkit::{TestApp, each_backend, fixed_now, fixtures};

use crate::flows::{add, person};

fn role() -> Value {
    json!({"role_code": "BANK-RN", "title": "Bank Nurse",
           "checks": [{"kind": "criminal_record", "min_dbs_level": "enhanced_adults"}]})
}

/// The `direct_post` path and form body answering `link` with `held`, key-bound by `signer`.
async fn answer(app: &TestApp, link: &str, held: &[HeldCredential], signer: &SoftwareEs256Key) -> (String, String) {
    let link = RequestLink::parse(link).unwrap();
    let object = app.client.get(&link.request_uri).send().await.unwrap().text().await.unwrap();
    let request = ReceivedRequestObject::parse(&object).unwrap().request;
    let selection = matching::select(request.dcql_query.as_ref().unwrap(), held).unwrap();
    let kb = KeyBinding { signer, nonce: &request.nonce, aud: &request.client_id, iat: fixed_now().timestamp() };
    let vp_token = matching::vp_token(&selection, held, &kb).unwrap();
    let path = request.response_uri.unwrap().replace(&app.base, "");
    (path, AuthorizationResponse::VpToken { vp_token, state: request.state }.to_form())
}

async fn post(app: &TestApp, path: &str, body: String) -> (u16, Value) {
    let response = app
        .client
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn knowing_the_state_is_not_enough_to_close_a_request() {
    each_backend(|app| async move {
        let a = app.organisation("RJ1", "Organisation A").await;
        let b = app.organisation("RRK", "Organisation B").await;
        let pid = person(&app, &a.admin_token, "Okafor", "AB123456C").await;
        add(
            &app,
            &a.admin_token,
            &format!("/api/v1/people/{pid}/checks"),
            &fixtures::dbs_check("enhanced_adults", "2025-11-02"),
        )
        .await;
        let holder = SoftwareEs256Key::generate().unwrap();
        let body = json!({"type": "criminal_record", "holder_jwk": holder.public_jwk().bare()});
        let (status, issued) = app.post(&a.admin_token, &format!("/api/v1/people/{pid}/credentials"), &body).await;
        assert_eq!(status, 201, "{issued}");
        let held = vec![HeldCredential::parse(issued["credential"].as_str().unwrap()).unwrap()];
        assert_eq!(app.send_json("PUT", &b.admin_token, "/api/v1/roles/BANK-RN", &role()).await.0, 200);
        let (status, created) =
            app.post(&b.admin_token, "/api/v1/presentation-requests", &json!({"role_code": "BANK-RN"})).await;
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_str().unwrap().to_owned();
        let link = created["link"].as_str().unwrap().to_owned();

        let (path, genuine) = answer(&app, &link, &held, &holder).await;
        let state = genuine.split('&').find(|p| p.starts_with("state=")).unwrap().to_owned();
        // 1. A forged decline.
        let (status, reply) = post(&app, &path, format!("error=access_denied&{state}")).await;
        assert_eq!(status, 200, "{reply}");
        // 2. The worker's credential key-bound by someone else's key (as if stolen).
        let (_, stolen) = answer(&app, &link, &held, &SoftwareEs256Key::generate().unwrap()).await;
        let (status, reply) = post(&app, &path, stolen).await;
        assert_eq!((status, reply["error"].as_str()), (400, Some("invalid_request")), "{reply}");
        // 3. The genuine answer tampered with (a disclosure altered after key binding).
        let tampered =
            if genuine.contains("%7E") { genuine.replacen("%7E", "%7EA", 1) } else { genuine.replacen('~', "~A", 1) };
        let (status, reply) = post(&app, &path, tampered).await;
        assert_eq!((status, reply["error"].as_str()), (400, Some("invalid_request")), "{reply}");

        let (_, view) = app.get(&b.admin_token, &format!("/api/v1/presentation-requests/{id}")).await;
        assert_eq!(view["status"], "pending", "a stranger closed the request: {view}");
        let scope = store::OrgScope::system(&b.id, "test");
        let stored = app
            .store
            .dataset(&scope)
            .presentation_request_by_state(&form_urlencoded::parse(state.as_bytes()).next().unwrap().1)
            .await
            .unwrap();
        assert_eq!(stored.failed_attempts, 3, "{:?}", stored.last_failure);

        // The genuine wallet is still heard.
        let (status, reply) = post(&app, &path, genuine).await;
        assert_eq!(status, 200, "{reply}");
        let (_, view) = app.get(&b.admin_token, &format!("/api/v1/presentation-requests/{id}")).await;
        assert_eq!(view["result"]["ready"], true, "{view}");
        app
    })
    .await;
}
