//! Two deployments, each its own `passport serve` with its own database and registry operator.
//! B is configured to trust A's operator (`--trust-operator A/trust-list,A's-operator.jwk`). A's
//! worker holds a DBS credential from A; B asks for its role, the worker answers and is ready; A
//! revokes the credential and B's next answer names it revoked, read from A's status list fetched
//! over HTTP. Without the trust setting B does not trust A's issuers at all.

use credentials::jws::{Signer, SoftwareEs256Key};
use credentials::oid4vc::matching::{self, HeldCredential};
use credentials::oid4vc::vp::{AuthorizationResponse, ReceivedRequestObject, RequestLink};
use credentials::sdjwt::KeyBinding;
use domain::org::{NewOrganisation, OdsCode, OrgKind};
use serde_json::{Value, json};
use store::{OrgScope, RegistryScope, Store};
use support::{free_port, serve_on, temp_dir};

mod support;

/// An organisation with an admin token, in the database at `url`.
async fn organisation(store: &Store, ods: &str, name: &str) -> (OrgScope, String) {
    let new = NewOrganisation { ods_code: OdsCode::parse(ods).unwrap(), name: name.into(), kind: OrgKind::AcuteTrust };
    let org = store.registry().create_organisation(&RegistryScope::system("test"), &new).await.unwrap();
    let scope = OrgScope::system(org.id, "test");
    let user = store::NewUser {
        email: format!("admin@{}.test", ods.to_lowercase()),
        display_name: "Admin".into(),
        roles: vec![store::Role::Admin],
        password: None,
    };
    let admin = store.auth().create_user(&scope, user).await.unwrap();
    let token = store.auth().issue_token(&scope, &admin.id, "federation test").await.unwrap().token;
    (scope, token)
}

/// Deployment A: RJ1 with a worker holding an enhanced DBS check. Returns (person id, token).
async fn deployment_a(url: &str) -> (String, String) {
    let store = Store::connect(url).await.unwrap();
    let (scope, token) = organisation(&store, "RJ1", "Organisation A").await;
    let ds = store.dataset(&scope);
    let person = serde_json::from_value(json!({"given_name": "Amara", "family_name": "Okafor",
                                               "date_of_birth": "1988-03-14", "ni_number": "AB123456C"}))
    .unwrap();
    let p = ds.create_person(&person).await.unwrap();
    let check = serde_json::from_value(json!({
        "details": {"kind": "criminal_record", "level": "enhanced_adults", "certificate_number": "001234567890",
                    "issued_on": "2025-11-02", "workforce": "adult"},
        "outcome": "clear", "completed_on": "2025-11-02", "checked_by": "hr"}))
    .unwrap();
    ds.add_check(&p.id, &check).await.unwrap();
    store.close().await;
    (p.id, token)
}

/// Deployment B: RRK with a role needing an enhanced DBS. Returns its token.
async fn deployment_b(url: &str) -> String {
    let store = Store::connect(url).await.unwrap();
    let (scope, token) = organisation(&store, "RRK", "Organisation B").await;
    let role = serde_json::from_value(json!({"role_code": "BANK-HCA", "title": "Bank HCA",
        "checks": [{"kind": "criminal_record", "min_dbs_level": "enhanced_adults"}]}))
    .unwrap();
    store.dataset(&scope).put_role_requirements(&role).await.unwrap();
    store.close().await;
    token
}

struct Api {
    client: reqwest::Client,
}

impl Api {
    async fn send(&self, method: reqwest::Method, url: &str, token: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self.client.request(method, url).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// B asks for BANK-HCA, the wallet answers with `held`; returns B's recorded result, or the
    /// OAuth error when B refused the answer.
    async fn answer(
        &self,
        b: &str,
        b_token: &str,
        held: &[HeldCredential],
        holder: &SoftwareEs256Key,
    ) -> Result<Value, Value> {
        let (status, created) = self
            .send(
                reqwest::Method::POST,
                &format!("{b}/api/v1/presentation-requests"),
                b_token,
                Some(json!({"role_code": "BANK-HCA"})),
            )
            .await;
        assert_eq!(status, 201, "{created}");
        let link = RequestLink::parse(created["link"].as_str().unwrap()).unwrap();
        let object = self.client.get(&link.request_uri).send().await.unwrap().text().await.unwrap();
        let request = ReceivedRequestObject::parse(&object).unwrap().request;
        let selection = matching::select(request.dcql_query.as_ref().unwrap(), held)
            .expect("A's credential answers B's query (same vct on both deployments)");
        let now = chrono::Utc::now().timestamp();
        let kb = KeyBinding { signer: holder, nonce: &request.nonce, aud: &request.client_id, iat: now };
        let vp_token = matching::vp_token(&selection, held, &kb).unwrap();
        let form = AuthorizationResponse::VpToken { vp_token, state: request.state }.to_form();
        let response = self
            .client
            .post(request.response_uri.unwrap())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap();
        if response.status().as_u16() != 200 {
            // A presentation that does not verify is refused (OAuth error) and the request stays open.
            return Err(response.json().await.unwrap());
        }
        let id = created["id"].as_str().unwrap();
        let (_, view) =
            self.send(reqwest::Method::GET, &format!("{b}/api/v1/presentation-requests/{id}"), b_token, None).await;
        Ok(view["result"].clone())
    }
}

fn dbs_outcome(result: &Value) -> Value {
    result["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["requirement"] == "check:criminal_record")
        .cloned()
        .unwrap()
}

#[test]
fn b_trusts_as_operator_and_sees_as_revocation() {
    let dir = temp_dir("federation");
    let (a_db, b_db) =
        (format!("sqlite://{}", dir.join("a.db").display()), format!("sqlite://{}", dir.join("b.db").display()));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (pid, a_token) = runtime.block_on(deployment_a(&a_db));
    let b_token = runtime.block_on(deployment_b(&b_db));
    let (a_port, b_port) = (free_port(), free_port());
    let (a, b) = (format!("http://127.0.0.1:{a_port}"), format!("http://127.0.0.1:{b_port}"));
    let _a_server = serve_on(&a_db, a_port, &[]);
    let api = Api { client: reqwest::Client::new() };

    runtime.block_on(async {
        // A issues the worker's DBS credential to their wallet key.
        let holder = SoftwareEs256Key::generate().unwrap();
        let body = json!({"type": "criminal_record", "holder_jwk": holder.public_jwk().bare()});
        let (status, issued) = api
            .send(reqwest::Method::POST, &format!("{a}/api/v1/people/{pid}/credentials"), &a_token, Some(body))
            .await;
        assert_eq!(status, 201, "{issued}");
        let held = vec![HeldCredential::parse(issued["credential"].as_str().unwrap()).unwrap()];
        let credential_id = issued["id"].as_str().unwrap().to_owned();
        // A's operator key, as B's administrator would obtain it out of band.
        let jwks = api.client.get(format!("{a}/trust-list/jwks")).send().await.unwrap().text().await.unwrap();
        let operator = dir.join("a-operator.jwk");
        std::fs::write(&operator, jwks).unwrap();

        // B without the trust setting: A's issuer is unknown to it.
        {
            let _b_server = serve_on(&b_db, b_port, &[]);
            let refused = api.answer(&b, &b_token, &held, &holder).await.unwrap_err();
            assert!(refused["error_description"].as_str().unwrap().contains("issuer_not_trusted"), "{refused}");
        }

        // B trusting A's operator: ready; then A revokes and B's next answer names it.
        let trust = format!("{a}/trust-list,{}", operator.display());
        let _b_server = serve_on(&b_db, b_port, &["--trust-operator", &trust, "--status-max-age-secs", "0"]);
        let result = api.answer(&b, &b_token, &held, &holder).await.unwrap();
        assert_eq!(result["ready"], true, "{result}");
        assert_eq!(dbs_outcome(&result)["issued_by"]["ods_code"], "RJ1", "{result}");

        let (status, revoked) = api
            .send(
                reqwest::Method::POST,
                &format!("{a}/api/v1/credentials/{credential_id}/revoke"),
                &a_token,
                Some(json!({"reason": "DBS update service shows a change"})),
            )
            .await;
        assert_eq!(status, 200, "{revoked}");
        let result = api.answer(&b, &b_token, &held, &holder).await.unwrap();
        assert_eq!(result["ready"], false, "{result}");
        assert_eq!(dbs_outcome(&result)["reason"], "revoked", "{result}");
    });
    std::fs::remove_dir_all(&dir).ok();
}
