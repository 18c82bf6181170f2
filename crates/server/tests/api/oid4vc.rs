//! OpenID4VCI and OpenID4VP end to end against the real server: organisation A offers credentials,
//! the `wallet` crate receives them with the PIN, organisation B asks for what its role needs, the
//! wallet presents, B reads the ready-to-work result; A revokes the DBS credential and the next
//! answer names that requirement. Then the bad inputs: each gets the OAuth error and changes
//! nothing.

use credentials::jws::{Signer, SoftwareEs256Key};
use credentials::oid4vc::matching::{self, HeldCredential};
use credentials::oid4vc::proof::build_proof_jwt;
use credentials::oid4vc::vp::{AuthorizationResponse, ReceivedRequestObject, RequestLink};
use credentials::sdjwt::KeyBinding;
use serde_json::{Value, json};
use testkit::{TestApp, each_backend, fixed_now, fixtures};
use wallet::{KdfParams, Wallet, WalletError, issuance, presentation};

use crate::flows::{add, person};

const FAST: KdfParams = KdfParams { m_cost: 64, t_cost: 1, p_cost: 1 };

/// A's worker with a DBS check, fire safety and hepatitis B; returns the person id.
async fn worker(app: &TestApp, token: &str) -> String {
    let pid = person(app, token, "Okafor", "AB123456C").await;
    let base = format!("/api/v1/people/{pid}");
    add(app, token, &format!("{base}/checks"), &fixtures::dbs_check("enhanced_adults", "2025-11-02")).await;
    add(app, token, &format!("{base}/competences"), &fixtures::competence("fire_safety", 1, "2025-07-01")).await;
    add(app, token, &format!("{base}/immunisations"), &fixtures::hep_b_immune()).await;
    pid
}

async fn offer(app: &TestApp, token: &str, pid: &str, types: Value) -> Value {
    let (status, body) =
        app.post(token, &format!("/api/v1/people/{pid}/credential-offers"), &json!({"types": types})).await;
    assert_eq!(status, 201, "{body}");
    body
}

/// B's role: an enhanced DBS (adults), fire safety level 1, hepatitis B.
fn b_role() -> Value {
    json!({"role_code": "BANK-RN", "title": "Bank Nurse",
           "checks": [{"kind": "criminal_record", "min_dbs_level": "enhanced_adults"}],
           "competences": [{"competence": {"kind": "cstf", "subject": "fire_safety", "level": 1}}],
           "immunisations": ["hepatitis_b"]})
}

pub(crate) async fn request(app: &TestApp, token: &str) -> (String, String) {
    let (status, body) = app.post(token, "/api/v1/presentation-requests", &json!({"role_code": "BANK-RN"})).await;
    assert_eq!(status, 201, "{body}");
    assert!(body["qr_svg"].as_str().unwrap().starts_with("<?xml"));
    (body["id"].as_str().unwrap().to_owned(), body["link"].as_str().unwrap().to_owned())
}

pub(crate) async fn form(app: &TestApp, path: &str, body: String) -> (u16, Value) {
    let resp = app
        .client
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn issue_receive_present_ready_then_revoked_dbs_is_named() {
    each_backend(|app| async move {
        let now = fixed_now().timestamp();
        let a = app.organisation("RJ1", "Organisation A").await;
        let b = app.organisation("RRK", "Organisation B").await;
        let pid = worker(&app, &a.admin_token).await;
        let created =
            offer(&app, &a.admin_token, &pid, json!(["criminal_record", "training", "occupational_health"])).await;
        let pin = created["pin"].as_str().unwrap();
        assert_eq!(pin.len(), 6);
        assert!(created["link"].as_str().unwrap().starts_with("openid-credential-offer://?credential_offer_uri="));

        let dir = tempfile::tempdir().unwrap();
        let mut w = Wallet::create(&dir.path().join("w.json"), "pw", FAST, now).unwrap();
        let client = wallet::client();
        let got_offer = issuance::fetch_offer(&client, created["link"].as_str().unwrap()).await.unwrap();
        let got = issuance::receive(&mut w, &client, &got_offer, Some(pin), now).await.unwrap();
        assert_eq!(got.len(), 3);
        // Single use: the same offer again is refused.
        let again = issuance::receive(&mut w, &client, &got_offer, Some(pin), now).await.unwrap_err();
        assert!(matches!(&again, WalletError::OAuth { error, .. } if error.error == "invalid_grant"), "{again}");

        let (status, _) = app.send_json("PUT", &b.admin_token, "/api/v1/roles/BANK-RN", &b_role()).await;
        assert_eq!(status, 200);
        let (id, link) = request(&app, &b.admin_token).await;
        let plan = presentation::prepare(&w, &client, &link, now).await.unwrap();
        assert!(plan.can_submit(), "{:?}", plan.missing);
        presentation::submit(&w, &client, &plan, now).await.unwrap();
        let (status, result) = app.get(&b.admin_token, &format!("/api/v1/presentation-requests/{id}")).await;
        assert_eq!(status, 200, "{result}");
        assert_eq!(result["status"], "answered");
        assert_eq!(result["result"]["ready"], true, "{result}");
        assert_eq!(result["result"]["family_name"], "Okafor");
        let reqs = result["result"]["requirements"].as_array().unwrap();
        assert_eq!(reqs.len(), 3);
        assert!(reqs.iter().all(|r| r["issued_by"]["ods_code"] == "RJ1"), "{result}");
        // Only the requesting organisation can read it.
        let (status, _) = app.get(&a.admin_token, &format!("/api/v1/presentation-requests/{id}")).await;
        assert_eq!(status, 404);
        // Answering the same request again changes nothing.
        let replay = presentation::submit(&w, &client, &plan, now).await.unwrap_err();
        assert!(matches!(&replay, WalletError::OAuth { error, .. } if error.error == "invalid_request"), "{replay}");

        // A revokes the DBS credential.
        let (_, listed) = app.get(&a.admin_token, &format!("/api/v1/people/{pid}/credentials")).await;
        let dbs = listed.as_array().unwrap().iter().find(|c| c["type"] == "criminal_record").unwrap();
        let (status, _) = app
            .post(&a.admin_token, &format!("/api/v1/credentials/{}/revoke", dbs["id"].as_str().unwrap()), &json!({}))
            .await;
        assert_eq!(status, 200);
        let (id, link) = request(&app, &b.admin_token).await;
        let plan = presentation::prepare(&w, &client, &link, now).await.unwrap();
        presentation::submit(&w, &client, &plan, now).await.unwrap();
        let (_, result) = app.get(&b.admin_token, &format!("/api/v1/presentation-requests/{id}")).await;
        assert_eq!(result["result"]["ready"], false, "{result}");
        let unmet: Vec<&Value> =
            result["result"]["requirements"].as_array().unwrap().iter().filter(|r| r["met"] == false).collect();
        assert_eq!(unmet.len(), 1, "{result}");
        assert_eq!(unmet[0]["requirement"], "check:criminal_record");
        assert_eq!(unmet[0]["reason"], "revoked");
        app
    })
    .await;
}

async fn token_request(app: &TestApp, code: &str, pin: &str) -> (u16, Value) {
    let body = format!(
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code={code}&tx_code={pin}"
    );
    form(app, "/issuers/RJ1/token", body).await
}

async fn fetch_code(app: &TestApp, created: &Value) -> String {
    let offer: Value =
        app.client.get(created["credential_offer_uri"].as_str().unwrap()).send().await.unwrap().json().await.unwrap();
    offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]["pre-authorized_code"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn credential_request(app: &TestApp, access: &str, proof: &str) -> (u16, Value) {
    let resp = app
        .client
        .post(app.url("/issuers/RJ1/credential"))
        .bearer_auth(access)
        .json(&json!({"credential_configuration_id": "criminal_record", "proofs": {"jwt": [proof]}}))
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

async fn issued_count(app: &TestApp, token: &str, pid: &str) -> usize {
    app.get(token, &format!("/api/v1/people/{pid}/credentials")).await.1.as_array().unwrap().len()
}

#[tokio::test]
async fn bad_codes_pins_and_proofs_get_oauth_errors_and_change_nothing() {
    each_backend(|app| async move {
        let now = fixed_now().timestamp();
        let a = app.organisation("RJ1", "Organisation A").await;
        let t = &a.admin_token;
        let pid = worker(&app, t).await;

        // Wrong PINs: invalid_grant, then locked even for the right PIN.
        let created = offer(&app, t, &pid, json!(["criminal_record"])).await;
        let code = fetch_code(&app, &created).await;
        for _ in 0..5 {
            let (status, body) = token_request(&app, &code, "000000x").await;
            assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
        }
        let (status, body) = token_request(&app, &code, created["pin"].as_str().unwrap()).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "locked: {body}");

        // Expired code.
        let created = offer(&app, t, &pid, json!(["criminal_record"])).await;
        let code = fetch_code(&app, &created).await;
        sqlx::query("UPDATE credential_offers SET expires_at = 0 WHERE id = $1")
            .bind(created["id"].as_str().unwrap())
            .execute(app.store.raw_pool())
            .await
            .unwrap();
        let (status, body) = token_request(&app, &code, created["pin"].as_str().unwrap()).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "expired: {body}");

        // A good code, used once; the second use is refused.
        let created = offer(&app, t, &pid, json!(["criminal_record"])).await;
        let code = fetch_code(&app, &created).await;
        let pin = created["pin"].as_str().unwrap();
        let (status, body) = token_request(&app, &code, pin).await;
        assert_eq!(status, 200, "{body}");
        let access = body["access_token"].as_str().unwrap().to_owned();
        let (status, body) = token_request(&app, &code, pin).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "reused: {body}");

        // Proofs with the wrong nonce, audience or typ.
        let holder = SoftwareEs256Key::generate().unwrap();
        let issuer = app.url("/issuers/RJ1");
        let nonce: Value = app.client.post(app.url("/issuers/RJ1/nonce")).send().await.unwrap().json().await.unwrap();
        let nonce = nonce["c_nonce"].as_str().unwrap();
        let before = issued_count(&app, t, &pid).await;
        let wrong_nonce = build_proof_jwt(&holder, &issuer, Some("not-a-nonce"), now).unwrap();
        let wrong_aud = build_proof_jwt(&holder, "http://127.0.0.1:1/issuers/RJ1", Some(nonce), now).unwrap();
        let mut header = serde_json::Map::new();
        header.insert("typ".into(), json!("JWT"));
        header.insert("jwk".into(), serde_json::to_value(holder.public_jwk().bare()).unwrap());
        let payload = serde_json::to_vec(&json!({"aud": issuer, "iat": now, "nonce": nonce})).unwrap();
        let wrong_typ = credentials::jws::sign_compact_without_kid(header, &payload, &holder).unwrap();
        for (proof, want) in
            [(wrong_nonce, "invalid_nonce"), (wrong_aud, "invalid_proof"), (wrong_typ, "invalid_proof")]
        {
            let (status, body) = credential_request(&app, &access, &proof).await;
            assert_eq!((status, body["error"].as_str()), (400, Some(want)), "{body}");
        }
        let (status, body) = credential_request(&app, "not-a-token", "x").await;
        assert_eq!((status, body["error"].as_str()), (401, Some("invalid_token")), "{body}");
        assert_eq!(issued_count(&app, t, &pid).await, before, "a refused request issued something");
        // The right proof still works, once.
        let good = build_proof_jwt(&holder, &issuer, Some(nonce), now).unwrap();
        let (status, body) = credential_request(&app, &access, &good).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["credentials"].as_array().unwrap().len(), 1);
        let (status, body) = credential_request(&app, &access, &good).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("credential_request_denied")), "{body}");
        assert_eq!(issued_count(&app, t, &pid).await, before + 1);
        app
    })
    .await;
}

#[tokio::test]
async fn bad_responses_get_oauth_errors_and_record_nothing() {
    each_backend(|app| async move {
        let b = app.organisation("RRK", "Organisation B").await;
        let (status, _) = app.send_json("PUT", &b.admin_token, "/api/v1/roles/BANK-RN", &b_role()).await;
        assert_eq!(status, 200);
        let (id, _) = request(&app, &b.admin_token).await;
        let (status, body) = form(&app, "/verifiers/RRK/response", "vp_token=%7B%7D&state=nope".into()).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")), "unknown state: {body}");
        let big = format!("vp_token={}&state=x", "a".repeat(300 * 1024));
        let (status, body) = form(&app, "/verifiers/RRK/response", big).await;
        assert_eq!((status, body["error"].as_str()), (413, Some("invalid_request")), "oversized: {body}");
        let (status, body) = form(&app, "/verifiers/RRK/response", "state=x&state=y".into()).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")), "{body}");
        let (_, view) = app.get(&b.admin_token, &format!("/api/v1/presentation-requests/{id}")).await;
        assert_eq!(view["status"], "pending", "{view}");
        app
    })
    .await;
}

#[tokio::test]
async fn several_proofs_give_several_credentials_and_an_unissuable_type_is_denied() {
    each_backend(|app| async move {
        let now = fixed_now().timestamp();
        let a = app.organisation("RJ1", "Organisation A").await;
        let t = &a.admin_token;
        let pid = worker(&app, t).await;
        let created = offer(&app, t, &pid, json!(["criminal_record", "professional_registration"])).await;
        let code = fetch_code(&app, &created).await;
        let (status, body) = token_request(&app, &code, created["pin"].as_str().unwrap()).await;
        assert_eq!(status, 200, "{body}");
        let access = body["access_token"].as_str().unwrap().to_owned();
        let issuer = app.url("/issuers/RJ1");
        let nonce: Value = app.client.post(app.url("/issuers/RJ1/nonce")).send().await.unwrap().json().await.unwrap();
        let nonce = nonce["c_nonce"].as_str().unwrap();
        let (k1, k2) = (SoftwareEs256Key::generate().unwrap(), SoftwareEs256Key::generate().unwrap());
        let proofs = [&k1, &k2].map(|k| build_proof_jwt(k, &issuer, Some(nonce), now).unwrap());
        let resp = app
            .client
            .post(app.url("/issuers/RJ1/credential"))
            .bearer_auth(&access)
            .json(&json!({"credential_configuration_id": "criminal_record", "proofs": {"jwt": proofs}}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["credentials"].as_array().unwrap().len(), 2, "one credential per proof");
        let before = issued_count(&app, t, &pid).await;
        // No registration check is recorded: the type is denied and nothing is issued.
        let proof = build_proof_jwt(&k1, &issuer, Some(nonce), now).unwrap();
        let resp = app
            .client
            .post(app.url("/issuers/RJ1/credential"))
            .bearer_auth(&access)
            .json(&json!({"credential_configuration_id": "professional_registration", "proofs": {"jwt": [proof]}}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"], "credential_request_denied", "{body}");
        assert_eq!(issued_count(&app, t, &pid).await, before);
        // A type that was not offered is unknown to this token.
        let resp = app
            .client
            .post(app.url("/issuers/RJ1/credential"))
            .bearer_auth(&access)
            .json(&json!({"credential_configuration_id": "training", "proofs": {"jwt": [build_proof_jwt(&k2, &issuer, Some(nonce), now).unwrap()]}}))
            .send()
            .await
            .unwrap();
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"], "unknown_credential_configuration", "{body}");
        app
    })
    .await;
}

/// A `direct_post` body answering the request behind `link` with `held`, bound to `holder`.
pub(crate) async fn answer(
    app: &TestApp,
    link: &str,
    held: &[HeldCredential],
    holder: &SoftwareEs256Key,
) -> (String, String) {
    let link = RequestLink::parse(link).unwrap();
    let object = app.client.get(&link.request_uri).send().await.unwrap().text().await.unwrap();
    let request = ReceivedRequestObject::parse(&object).unwrap().request;
    let selection = matching::select(request.dcql_query.as_ref().unwrap(), held).unwrap();
    let kb =
        KeyBinding { signer: holder, nonce: &request.nonce, aud: &request.client_id, iat: fixed_now().timestamp() };
    let vp_token = matching::vp_token(&selection, held, &kb).unwrap();
    let path = request.response_uri.unwrap().replace(&app.base, "");
    (path, AuthorizationResponse::VpToken { vp_token, state: request.state }.to_form())
}

#[tokio::test]
async fn a_replayed_vp_token_is_refused_and_records_nothing() {
    each_backend(|app| async move {
        let Scene { b, holder, held, .. } = scene(&app).await;
        let (first, link) = request(&app, &b.admin_token).await;
        let (path, body) = answer(&app, &link, &held, &holder).await;
        let (status, reply) = form(&app, &path, body.clone()).await;
        assert_eq!(status, 200, "{reply}");
        // The same bytes again: the request is answered already.
        let (status, reply) = form(&app, &path, body.clone()).await;
        assert_eq!((status, reply["error"].as_str()), (400, Some("invalid_request")), "{reply}");
        // The same vp_token under another request's state: its key binding names the first request.
        let (second, link) = request(&app, &b.admin_token).await;
        let (_, fresh) = answer(&app, &link, &held, &holder).await;
        let state = fresh.split('&').find(|p| p.starts_with("state=")).unwrap();
        let moved =
            body.split('&').map(|p| if p.starts_with("state=") { state } else { p }).collect::<Vec<_>>().join("&");
        let (status, reply) = form(&app, &path, moved).await;
        assert_eq!((status, reply["error"].as_str()), (400, Some("invalid_request")), "{reply}");
        let (_, view) = app.get(&b.admin_token, &format!("/api/v1/presentation-requests/{second}")).await;
        assert_eq!(view["status"], "pending", "the replay recorded something: {view}");
        let (_, view) = app.get(&b.admin_token, &format!("/api/v1/presentation-requests/{first}")).await;
        assert_eq!(view["result"]["ready"], true, "{view}");
        // The genuine answer to the second request still works.
        let (status, reply) = form(&app, &path, fresh).await;
        assert_eq!(status, 200, "{reply}");
        app
    })
    .await;
}

/// The verifier keeps status lists in memory between answers; an automatic revocation (the DBS
/// check behind the credential deleted) must still be seen by the very next answer.
#[tokio::test]
async fn an_automatic_revocation_is_seen_by_the_next_answer() {
    each_backend(|app| async move {
        let Scene { a, b, pid, holder, held } = scene(&app).await;
        let answered = |id: String| {
            let app = &app;
            let token = b.admin_token.clone();
            async move { app.get(&token, &format!("/api/v1/presentation-requests/{id}")).await.1 }
        };
        // Twice ready: the second answer is checked against the list held in memory.
        for _ in 0..2 {
            let (id, link) = request(&app, &b.admin_token).await;
            let (path, body) = answer(&app, &link, &held, &holder).await;
            assert_eq!(form(&app, &path, body).await.0, 200);
            assert_eq!(answered(id).await["result"]["ready"], true);
        }
        let (_, checks) = app.get(&a.admin_token, &format!("/api/v1/people/{pid}/checks")).await;
        let check = checks["items"].as_array().or(checks.as_array()).unwrap()[0]["id"].as_str().unwrap().to_owned();
        let (status, _) = app.delete(&a.admin_token, &format!("/api/v1/people/{pid}/checks/{check}")).await;
        assert_eq!(status, 204);
        let (id, link) = request(&app, &b.admin_token).await;
        let (path, body) = answer(&app, &link, &held, &holder).await;
        assert_eq!(form(&app, &path, body).await.0, 200);
        let result = answered(id).await;
        assert_eq!(result["result"]["ready"], false, "{result}");
        let dbs = result["result"]["requirements"].as_array().unwrap().iter().find(|r| r["met"] == false).cloned();
        assert_eq!(
            dbs.as_ref().map(|r| (&r["requirement"], &r["reason"])),
            Some((&json!("check:criminal_record"), &json!("revoked")))
        );
        app
    })
    .await;
}

#[tokio::test]
async fn presentation_requests_are_listed_newest_first_with_filters_to_their_organisation_only() {
    each_backend(|app| async move {
        let Scene { a, b, holder, held, .. } = scene(&app).await;
        let mut other_role = b_role();
        other_role["role_code"] = json!("PORTER");
        let (status, _) = app.send_json("PUT", &b.admin_token, "/api/v1/roles/PORTER", &other_role).await;
        assert_eq!(status, 200);

        // A verifier of B asks three times for BANK-RN and once for PORTER; the first is answered.
        let verifier = app.user_token(&b.id, &[store::Role::Verifier], "verifier").await;
        let (answered, link) = request(&app, &verifier).await;
        let (second, _) = request(&app, &verifier).await;
        let (status, porter) =
            app.post(&verifier, "/api/v1/presentation-requests", &json!({"role_code": "PORTER"})).await;
        assert_eq!(status, 201, "{porter}");
        let porter = porter["id"].as_str().unwrap().to_owned();
        let (fourth, _) = request(&app, &verifier).await;
        let (path, body) = answer(&app, &link, &held, &holder).await;
        assert_eq!(form(&app, &path, body).await.0, 200);

        let ids = |listed: &Value| -> Vec<String> {
            listed["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect()
        };
        let (status, listed) = app.get(&verifier, "/api/v1/presentation-requests").await;
        assert_eq!(status, 200, "{listed}");
        assert_eq!(
            ids(&listed),
            [fourth.as_str(), porter.as_str(), second.as_str(), answered.as_str()],
            "newest first"
        );
        assert_eq!(listed["next"], Value::Null);
        let first = &listed["items"][3];
        assert_eq!((first["status"].as_str(), first["ready"].as_bool()), (Some("answered"), Some(true)), "{first}");
        assert!(first["answered_at"].is_string() && first.get("result").is_none(), "a summary: {first}");
        let pending = &listed["items"][0];
        assert_eq!((pending["status"].as_str(), pending["ready"].as_bool()), (Some("pending"), Some(false)));
        assert_eq!(pending["role_code"], "BANK-RN");

        // Paged by two, with the same cursor parameters as every list.
        let (_, page1) = app.get(&verifier, "/api/v1/presentation-requests?limit=2").await;
        assert_eq!(ids(&page1), [fourth.as_str(), porter.as_str()]);
        let next = page1["next"].as_str().unwrap();
        let (_, page2) = app.get(&verifier, &format!("/api/v1/presentation-requests?limit=2&after={next}")).await;
        assert_eq!(ids(&page2), [second.as_str(), answered.as_str()]);
        assert_eq!(page2["next"], Value::Null);

        let (_, listed) = app.get(&b.admin_token, "/api/v1/presentation-requests?status=answered").await;
        assert_eq!(ids(&listed), [answered.as_str()]);
        let (_, listed) = app.get(&verifier, "/api/v1/presentation-requests?status=pending").await;
        assert_eq!(ids(&listed), [fourth.as_str(), porter.as_str(), second.as_str()]);
        let (_, listed) = app.get(&verifier, "/api/v1/presentation-requests?status=expired").await;
        assert!(ids(&listed).is_empty(), "{listed}");
        let (_, listed) = app.get(&verifier, "/api/v1/presentation-requests?role_code=PORTER").await;
        assert_eq!(ids(&listed), [porter.as_str()]);
        let (_, listed) = app.get(&verifier, "/api/v1/presentation-requests?role_code=BANK-RN&status=pending").await;
        assert_eq!(ids(&listed), [fourth.as_str(), second.as_str()]);

        // Bad parameters: a 422 problem naming each.
        for (query, field) in
            [("status=done", "status"), ("limit=0", "limit"), ("limit=lots", "limit"), ("role_code=", "role_code")]
        {
            let (status, problem) = app.get(&verifier, &format!("/api/v1/presentation-requests?{query}")).await;
            assert_eq!(status, 422, "{query}: {problem}");
            assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
        }

        // Another organisation lists none of them; a role that may not verify gets 404.
        let (status, listed) = app.get(&a.admin_token, "/api/v1/presentation-requests").await;
        assert_eq!((status, ids(&listed)), (200, vec![]));
        let (status, listed) = app.get(&a.admin_token, &format!("/api/v1/presentation-requests?after={fourth}")).await;
        assert_eq!((status, ids(&listed)), (200, vec![]));
        let training = app.user_token(&b.id, &[store::Role::Training], "training").await;
        let (status, _) = app.get(&training, "/api/v1/presentation-requests").await;
        assert_eq!(status, 404);
        app
    })
    .await;
}

/// A revocation committed by another process (here: straight into the database, bumping nothing
/// in this server) is seen once the verifier's copy of the status list is older than its
/// freshness window, and not before: the window is what bounds staleness.
#[tokio::test]
async fn a_revocation_by_another_process_is_seen_after_the_freshness_window() {
    each_backend(|app| async move {
        let Scene { a, b, holder, held, .. } = scene(&app).await;
        app.state.verifier.set_status_fresh_for(std::time::Duration::from_secs(3600));
        assert!(answer_is_ready(&app, &b.admin_token, &held, &holder).await, "the list is now held in memory");
        sqlx::query("UPDATE issued_credentials SET status = 'revoked' WHERE org_id = $1 AND credential_type = $2")
            .bind(&a.id)
            .bind("criminal_record")
            .execute(app.store.raw_pool())
            .await
            .unwrap();
        assert!(answer_is_ready(&app, &b.admin_token, &held, &holder).await, "inside the window the held list is used");
        app.state.verifier.set_status_fresh_for(std::time::Duration::ZERO);
        assert!(
            !answer_is_ready(&app, &b.admin_token, &held, &holder).await,
            "past the window the revocation is read from the ledger"
        );
        app
    })
    .await;
}

/// Asks for BANK-RN, answers with `held` and says whether the recorded result reads ready.
async fn answer_is_ready(app: &TestApp, token: &str, held: &[HeldCredential], holder: &SoftwareEs256Key) -> bool {
    let (id, link) = request(app, token).await;
    let (path, body) = answer(app, &link, held, holder).await;
    assert_eq!(form(app, &path, body).await.0, 200);
    let (_, view) = app.get(token, &format!("/api/v1/presentation-requests/{id}")).await;
    view["result"]["ready"].as_bool().unwrap()
}

/// A's DBS, training and occupational health credentials for `pid`, issued to a fresh holder key.
async fn issued_to_new_holder(app: &TestApp, token: &str, pid: &str) -> (SoftwareEs256Key, Vec<HeldCredential>) {
    let holder = SoftwareEs256Key::generate().unwrap();
    let mut held = Vec::new();
    for kind in ["criminal_record", "training", "occupational_health"] {
        let body = json!({"type": kind, "holder_jwk": holder.public_jwk().bare()});
        let (status, issued) = app.post(token, &format!("/api/v1/people/{pid}/credentials"), &body).await;
        assert_eq!(status, 201, "{issued}");
        held.push(HeldCredential::parse(issued["credential"].as_str().unwrap()).unwrap());
    }
    (holder, held)
}

/// A's worker holding A's three credentials; B with the BANK-RN role.
pub(crate) struct Scene {
    pub a: testkit::OrgFixture,
    pub b: testkit::OrgFixture,
    pub pid: String,
    pub holder: SoftwareEs256Key,
    pub held: Vec<HeldCredential>,
}

pub(crate) async fn scene(app: &TestApp) -> Scene {
    let a = app.organisation("RJ1", "Organisation A").await;
    let b = app.organisation("RRK", "Organisation B").await;
    let pid = worker(app, &a.admin_token).await;
    let (holder, held) = issued_to_new_holder(app, &a.admin_token, &pid).await;
    let (status, _) = app.send_json("PUT", &b.admin_token, "/api/v1/roles/BANK-RN", &b_role()).await;
    assert_eq!(status, 200);
    Scene { a, b, pid, holder, held }
}
