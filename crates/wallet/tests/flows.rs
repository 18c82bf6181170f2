//! The wallet's HTTP flows against a stand-in issuer and verifier on loopback, built only from
//! `credentials::oid4vc` (offer, metadata, token, nonce, proof verification, credential
//! response, status list, request object, vp_token validation). It proves the client speaks
//! the messages our engine defines; the real server endpoints get their own end-to-end test.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use credentials::jws::{Signer, SoftwareEs256Key};
use credentials::oid4vc::claims_path::ClaimPath;
use credentials::oid4vc::dcql::{CredentialQuery, DcqlQuery};
use credentials::oid4vc::oauth::{ErrorCode, OAuthError};
use credentials::oid4vc::proof::{NonceCheck, ProofExpectations, verify_jwt_proofs};
use credentials::oid4vc::validate::{ValidatedResponse, validate_vp_token};
use credentials::oid4vc::vci::{
    AuthorizationServerMetadata, CredentialConfiguration, CredentialIssuerMetadata, CredentialOffer, CredentialRequest,
    CredentialResponse, Jwks, JwtVcIssuerMetadata, NonceResponse, PreAuthorizedTokenRequest, TokenResponse,
};
use credentials::oid4vc::vp::{AuthorizationRequest, AuthorizationResponse, RequestLink};
use credentials::sdjwt::SdPlan;
use credentials::status::{InMemoryStatus, StatusList, StatusListTokenSpec, StatusRef, issue_status_list_token};
use credentials::trust::{ListedKey, OrgStatus, Organisation, TrustIndex, TrustList};
use credentials::vc::{VcSpec, issue_vc};
use credentials::verify::VerifyOptions;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wallet::status::{CredentialState, StatusChecker};
use wallet::{KdfParams, Wallet, WalletError, issuance, presentation};

const NOW: i64 = 1_800_000_000;
const VCT: &str = "https://passport.example/vct/dbs";
const FAST: KdfParams = KdfParams { m_cost: 64, t_cost: 1, p_cost: 1 };

struct Fake {
    base: String,
    issuer_key: SoftwareEs256Key,
    verifier_key: SoftwareEs256Key,
    status: Mutex<StatusList>,
    nonce: Mutex<String>,
    code_used: Mutex<bool>,
    results: Mutex<Vec<ValidatedResponse>>,
    request: Mutex<Option<AuthorizationRequest>>,
}

impl Fake {
    fn issuer(&self) -> String {
        format!("{}/orgs/RX1", self.base)
    }

    fn status_uri(&self) -> String {
        format!("{}/status/1", self.issuer())
    }

    fn handle(
        &self,
        method: &str,
        path: &str,
        headers: &HashMap<String, String>,
        body: &str,
    ) -> (u16, &'static str, String) {
        let iss = self.issuer();
        let json_ok = |v: Value| (200, "application/json", v.to_string());
        let oauth = |code: ErrorCode, d: &str| {
            let e = OAuthError::new(code, d);
            (code.http_status(), "application/json", serde_json::to_string(&e).unwrap())
        };
        match (method, path) {
            ("GET", "/offers/1") => json_ok(
                serde_json::to_value(CredentialOffer::pre_authorized(
                    &iss,
                    vec!["dbs".into()],
                    "code-1",
                    Some(4),
                    Some("The PIN from HR"),
                ))
                .unwrap(),
            ),
            ("GET", "/.well-known/openid-credential-issuer/orgs/RX1") => {
                let mut configs = std::collections::BTreeMap::new();
                configs.insert("dbs".to_owned(), CredentialConfiguration::sd_jwt_vc(VCT, "DBS check"));
                json_ok(serde_json::to_value(CredentialIssuerMetadata::new(&iss, configs, 2)).unwrap())
            }
            ("GET", "/.well-known/oauth-authorization-server/orgs/RX1") => {
                json_ok(serde_json::to_value(AuthorizationServerMetadata::pre_authorized_only(&iss)).unwrap())
            }
            ("GET", "/.well-known/jwt-vc-issuer/orgs/RX1") => json_ok(
                serde_json::to_value(JwtVcIssuerMetadata {
                    issuer: iss.clone(),
                    jwks: Some(Jwks { keys: vec![self.issuer_key.public_jwk()] }),
                    jwks_uri: None,
                })
                .unwrap(),
            ),
            ("POST", "/orgs/RX1/token") => {
                let req = match PreAuthorizedTokenRequest::from_form(body) {
                    Ok(r) => r,
                    Err(e) => return (400, "application/json", serde_json::to_string(&e).unwrap()),
                };
                if req.pre_authorized_code != "code-1" || *self.code_used.lock().unwrap() {
                    return oauth(ErrorCode::InvalidGrant, "unknown or used code");
                }
                match req.tx_code.as_deref() {
                    None => return oauth(ErrorCode::InvalidRequest, "tx_code is required"),
                    Some("1234") => {}
                    Some(_) => return oauth(ErrorCode::InvalidGrant, "wrong PIN"),
                }
                *self.code_used.lock().unwrap() = true;
                json_ok(serde_json::to_value(TokenResponse::bearer("tok-1", 300)).unwrap())
            }
            ("POST", "/orgs/RX1/nonce") => {
                let n = format!("n-{}", rand_hex());
                *self.nonce.lock().unwrap() = n.clone();
                json_ok(serde_json::to_value(NonceResponse { c_nonce: n }).unwrap())
            }
            ("POST", "/orgs/RX1/credential") => {
                if headers.get("authorization").map(String::as_str) != Some("Bearer tok-1") {
                    return oauth(ErrorCode::InvalidToken, "bad token");
                }
                let req: CredentialRequest = match serde_json::from_str(body) {
                    Ok(r) => r,
                    Err(_) => return oauth(ErrorCode::InvalidCredentialRequest, "not JSON"),
                };
                if let Err(e) = req.check_shape() {
                    return (400, "application/json", serde_json::to_string(&e).unwrap());
                }
                let nonce = self.nonce.lock().unwrap().clone();
                let expect = ProofExpectations::new(&iss, NonceCheck::Exact(&nonce), NOW);
                let keys = match verify_jwt_proofs(req.proofs.as_ref(), &expect, 2) {
                    Ok(k) => k,
                    Err(e) => return (400, "application/json", serde_json::to_string(&e.to_oauth()).unwrap()),
                };
                let claims =
                    json!({"level": "enhanced", "certificate_number": "001234567890", "issued_on": "2026-01-02"});
                let claims = claims.as_object().cloned().unwrap();
                let vcs = keys.iter().map(|k| {
                    let spec = VcSpec {
                        iss: iss.clone(),
                        vct: VCT.into(),
                        iat: NOW - 10,
                        nbf: None,
                        exp: Some(NOW + 86_400),
                        cnf: Some(k.jwk.clone()),
                        status: Some(StatusRef { idx: 5, uri: self.status_uri() }),
                        sd: SdPlan::all_members(&claims, 2),
                        claims: claims.clone(),
                    };
                    issue_vc(&spec, &self.issuer_key, &mut rand::thread_rng()).unwrap()
                });
                json_ok(serde_json::to_value(CredentialResponse::immediate(vcs)).unwrap())
            }
            ("GET", "/orgs/RX1/status/1") => {
                let list = self.status.lock().unwrap().clone();
                let uri = self.status_uri();
                let spec = StatusListTokenSpec {
                    uri: &uri,
                    iss: Some(&iss),
                    iat: NOW - 5,
                    exp: Some(NOW + 3600),
                    ttl: Some(60),
                };
                (200, "application/statuslist+jwt", issue_status_list_token(&list, &spec, &self.issuer_key).unwrap())
            }
            ("GET", "/vp/request/1") | ("GET", "/vp/request/2") => {
                let q = DcqlQuery::new(vec![
                    CredentialQuery::sd_jwt_vc("dbs", VCT)
                        .claim_with_values(ClaimPath::keys(&["level"]), vec![json!("enhanced")])
                        .claim(ClaimPath::keys(&["issued_on"])),
                ]);
                let r = AuthorizationRequest::direct_post(
                    &format!("{}/vp/response", self.base),
                    "vp-nonce-1",
                    "state-1",
                    q,
                    NOW,
                    300,
                );
                if path.ends_with('2') {
                    let r = r.with_did_jwk_client(&self.verifier_key.public_jwk());
                    *self.request.lock().unwrap() = Some(r.clone());
                    return (
                        200,
                        "application/oauth-authz-req+jwt",
                        r.to_did_jwk_request_object(&self.verifier_key).unwrap(),
                    );
                }
                *self.request.lock().unwrap() = Some(r.clone());
                (200, "application/oauth-authz-req+jwt", r.to_unsigned_request_object())
            }
            ("POST", "/vp/response") => {
                let request = self.request.lock().unwrap().clone().unwrap();
                let resp = match AuthorizationResponse::from_form(body) {
                    Ok(r) => r,
                    Err(e) => return (400, "application/json", serde_json::to_string(&e).unwrap()),
                };
                if resp.state() != request.state.as_deref() {
                    return oauth(ErrorCode::InvalidRequest, "unknown state");
                }
                let AuthorizationResponse::VpToken { vp_token, .. } = resp else {
                    return json_ok(json!({}));
                };
                let trust = TrustIndex::new(&TrustList {
                    iss: "registry".into(),
                    iat: 0,
                    exp: i64::MAX,
                    sequence: 1,
                    organisations: vec![Organisation {
                        ods_code: "RX1".into(),
                        name: "Trust One".into(),
                        issuer: iss.clone(),
                        status: OrgStatus::Active,
                        keys: vec![ListedKey { jwk: self.issuer_key.public_jwk(), retired_at: None }],
                    }],
                })
                .unwrap();
                let mut status = InMemoryStatus::default();
                status.insert(iss.clone(), self.status_uri(), self.status.lock().unwrap().clone());
                let opts = VerifyOptions::new(NOW, request.nonce.clone(), request.client_id.clone());
                let query = request.dcql_query.as_ref().unwrap();
                match validate_vp_token(&vp_token, query, &opts, &trust, &status) {
                    Ok(v) => {
                        self.results.lock().unwrap().push(v);
                        json_ok(json!({"redirect_uri": format!("{}/done#response_code=abc", self.base)}))
                    }
                    Err(e) => (400, "application/json", serde_json::to_string(&e.to_oauth()).unwrap()),
                }
            }
            _ => (404, "text/plain", "not found".into()),
        }
    }
}

fn rand_hex() -> String {
    use rand::Rng;
    format!("{:016x}", rand::thread_rng().r#gen::<u64>())
}

async fn serve(fake: Arc<Fake>, listener: TcpListener) {
    loop {
        let Ok((mut sock, _)) = listener.accept().await else { return };
        let fake = fake.clone();
        tokio::spawn(async move {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 8192];
            let (head, body_start) = loop {
                let n = sock.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    return;
                }
                buf.extend_from_slice(&chunk[..n]);
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    break (String::from_utf8_lossy(&buf[..i]).into_owned(), i + 4);
                }
            };
            let mut lines = head.lines();
            let mut first = lines.next().unwrap_or_default().split(' ');
            let (method, path) =
                (first.next().unwrap_or_default().to_owned(), first.next().unwrap_or_default().to_owned());
            let headers: HashMap<String, String> = lines
                .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned())))
                .collect();
            let len: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
            while buf.len() < body_start + len {
                let n = sock.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let body = String::from_utf8_lossy(&buf[body_start..]).into_owned();
            let (status, ctype, out) = fake.handle(&method, &path, &headers, &body);
            let resp = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{out}",
                out.len()
            );
            let _ = sock.write_all(resp.as_bytes()).await;
        });
    }
}

async fn start() -> Arc<Fake> {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let fake = Arc::new(Fake {
        base: format!("http://{}", listener.local_addr().unwrap()),
        issuer_key: SoftwareEs256Key::generate().unwrap(),
        verifier_key: SoftwareEs256Key::generate().unwrap(),
        status: Mutex::new(StatusList::new(64, 2).unwrap()),
        nonce: Mutex::new(String::new()),
        code_used: Mutex::new(false),
        results: Mutex::new(Vec::new()),
        request: Mutex::new(None),
    });
    tokio::spawn(serve(fake.clone(), listener));
    fake
}

#[tokio::test]
async fn receive_list_present_and_revoke() {
    let fake = start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut w = Wallet::create(&dir.path().join("w.json"), "pw", FAST, NOW).unwrap();
    let client = wallet::client();

    let link = CredentialOffer::link_by_reference(&format!("{}/offers/1", fake.base));
    let offer = issuance::fetch_offer(&client, &link).await.unwrap();
    assert_eq!(issuance::pin_required(&offer).unwrap().description.as_deref(), Some("The PIN from HR"));
    let err = issuance::receive(&mut w, &client, &offer, None, NOW).await.unwrap_err();
    assert!(matches!(err, WalletError::PinRequired(_)), "{err}");
    let err = issuance::receive(&mut w, &client, &offer, Some("9999"), NOW).await.unwrap_err();
    assert!(matches!(&err, WalletError::OAuth { error, .. } if error.is(ErrorCode::InvalidGrant)), "{err}");
    let got = issuance::receive(&mut w, &client, &offer, Some("1234"), NOW).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].vct, VCT);
    // The code is single-use at this issuer.
    let err = issuance::receive(&mut w, &client, &offer, Some("1234"), NOW).await.unwrap_err();
    assert!(matches!(&err, WalletError::OAuth { error, .. } if error.is(ErrorCode::InvalidGrant)), "{err}");

    let w = Wallet::open(&dir.path().join("w.json"), "pw").unwrap();
    assert_eq!(w.credentials().len(), 1);
    let mut checker = StatusChecker::new(&client);
    assert_eq!(checker.check(&w.credentials()[0], NOW).await, CredentialState::Valid);

    let request_link = RequestLink {
        client_id: format!("redirect_uri:{}/vp/response", fake.base),
        request_uri: format!("{}/vp/request/1", fake.base),
        request_uri_method: None,
    }
    .to_url();
    let plan = presentation::prepare(&w, &client, &request_link, NOW).await.unwrap();
    assert!(plan.can_submit());
    let disclosed: Vec<&str> = plan.presentations[0].disclosed.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(disclosed, vec!["/level", "/issued_on"], "only the asked claims are disclosed");
    let answer = presentation::submit(&w, &client, &plan, NOW).await.unwrap();
    assert!(answer.redirect_uri.unwrap().contains("response_code"));
    let result = fake.results.lock().unwrap().pop().unwrap();
    assert!(result.satisfied(), "{result:?}");
    let accepted = &result.query("dbs").unwrap().accepted[0];
    assert!(accepted.claims.get("certificate_number").is_none());

    // The same request signed by a did:jwk client: the key is checked and reported.
    let did_client =
        format!("decentralized_identifier:{}", credentials::oid4vc::vp::did_jwk(&fake.verifier_key.public_jwk()));
    let did_link = RequestLink {
        client_id: did_client,
        request_uri: format!("{}/vp/request/2", fake.base),
        request_uri_method: None,
    }
    .to_url();
    let plan = presentation::prepare(&w, &client, &did_link, NOW).await.unwrap();
    assert_eq!(plan.verifier_key.as_deref(), Some(fake.verifier_key.public_jwk().thumbprint().as_str()));
    presentation::submit(&w, &client, &plan, NOW).await.unwrap();
    assert!(fake.results.lock().unwrap().pop().unwrap().satisfied());
    // A link whose client_id differs from the request object's is refused.
    let wrong = RequestLink {
        client_id: format!("redirect_uri:{}/vp/response", fake.base),
        request_uri: format!("{}/vp/request/2", fake.base),
        request_uri_method: None,
    }
    .to_url();
    assert!(presentation::prepare(&w, &client, &wrong, NOW).await.is_err());

    // Revoked: the wallet says so, and a new presentation is refused by name.
    fake.status.lock().unwrap().set(5, 1).unwrap();
    assert_eq!(StatusChecker::new(&client).check(&w.credentials()[0], NOW).await, CredentialState::Revoked);
    let plan = presentation::prepare(&w, &client, &request_link, NOW).await.unwrap();
    presentation::submit(&w, &client, &plan, NOW).await.unwrap();
    let result = fake.results.lock().unwrap().pop().unwrap();
    assert!(!result.satisfied());
    assert_eq!(result.query("dbs").unwrap().rejected[0].code(), "revoked");
}
