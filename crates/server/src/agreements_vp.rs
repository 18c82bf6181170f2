//! The worker's signature on an agreement, through OpenID4VP 1.0 transaction data (§5.1, and
//! Appendix B.3.3 for SD-JWT VC): a party asks the worker's wallet for one passport credential from
//! the employer, with `transaction_data` naming the agreement version's SHA-256 and a summary of its
//! terms; the wallet shows the terms, and its KB-JWT returns `transaction_data_hashes`. That KB-JWT
//! becomes the worker's entry in the agreement's JWS (see `credentials::agreement`).
//!
//! The wallet-facing routes mirror the verifier's (`/verifiers/…`) under `/agreement-signatures/…`,
//! so a wallet needs nothing new but transaction data support. Errors there are OAuth errors.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use credentials::agreement::{
    AgreementTransactionData, GeneralJws, PartyAction, TRANSACTION_DATA_TYPE, verify_agreement,
};
use credentials::jws::Signer;
use credentials::oid4vc::claims_path::ClaimPath;
use credentials::oid4vc::dcql::{CredentialQuery, DcqlQuery};
use credentials::oid4vc::oauth::ErrorCode;
use credentials::oid4vc::validate::{ValidatedResponse, validate_vp_token};
use credentials::oid4vc::vp::{AuthorizationRequest, AuthorizationResponse, DirectPostResponse, RequestLink, VpToken};
use credentials::verify::VerifyOptions;
use domain::agreement::{AgreementBody, Signature, SignerRole};
use domain::passport::PassportType;
use serde::Serialize;
use serde_json::Value;
use store::{OrgScope, SigningRequest, StoreError, StoredAgreement};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{PublicOrg, public_reason};
use crate::oid4vci::{OAuthReply, no_store, qr_svg};
use crate::oid4vp::random_token;

/// How long a signing request stays open.
pub const SIGNING_TTL_SECS: i64 = 15 * 60;
/// The DCQL credential query id the transaction data names.
pub(crate) const QUERY_ID: &str = "passport";

public_reason!(SigningRequestObject = "agreement signing request");
public_reason!(SigningEndpoint = "agreement signing endpoint");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/agreement-signatures/{ods}/requests/{state}", get(request_object))
        .route("/agreement-signatures/{ods}/response", post(response))
}

/// One passport credential of any type from the employer, with the worker's names: every passport
/// credential carries them, and the employer's issuer is checked when the signature is verified.
pub(crate) fn query() -> DcqlQuery {
    let mut q = CredentialQuery::sd_jwt_vc(QUERY_ID, &PassportType::ALL[0].vct());
    q.meta.vct_values = Some(PassportType::ALL.iter().map(|t| t.vct()).collect());
    for name in ["given_name", "family_name"] {
        if let Ok(path) = serde_json::from_value::<ClaimPath>(serde_json::json!([name])) {
            q = q.claim(path);
        }
    }
    DcqlQuery { credentials: vec![q], credential_sets: None }
}

fn summary(a: &StoredAgreement) -> String {
    match &a.document.body {
        AgreementBody::Deployment(d) => format!(
            "{} {} to work at {} ({}) as {} from {} to {}, employed throughout by {}, under {} {}",
            d.worker.given_name,
            d.worker.family_name,
            d.host.name,
            d.host.ods_code,
            d.roles.join(", "),
            d.period.start,
            d.period.end,
            d.employer.name,
            a.document.core_terms.id,
            a.document.core_terms.version,
        ),
        AgreementBody::Umbrella(u) => u.title.clone(),
    }
}

/// What a party shows the worker: a link and QR code for their wallet.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedSigningRequest {
    /// `openid4vp://?client_id=…&request_uri=…`.
    pub link: String,
    /// The link as a QR code (SVG).
    pub qr_svg: String,
    pub request_uri: String,
    /// What the wallet will show and sign (decoded transaction data).
    #[schema(value_type = Object)]
    pub transaction_data: AgreementTransactionData,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

fn urls(base: &str, ods: &str) -> (String, String) {
    (format!("{base}/agreement-signatures/{ods}/response"), format!("{base}/agreement-signatures/{ods}/requests"))
}

fn request_for(
    req: &SigningRequest,
    response_uri: &str,
    signer_jwk: &credentials::jws::Jwk,
    now: i64,
) -> AuthorizationRequest {
    let ask = WalletAsk {
        state: &req.state,
        nonce: &req.nonce,
        transaction_data: &req.transaction_data,
        expires_at: req.expires_at,
    };
    signing_authz(&ask, response_uri, signer_jwk, now)
}

/// A request for the worker's wallet to sign transaction data with one passport credential
/// ([`query`]): an agreement here, a transfer consent in `transfer_consent_vp.rs`.
pub(crate) struct WalletAsk<'a> {
    pub state: &'a str,
    pub nonce: &'a str,
    pub transaction_data: &'a str,
    pub expires_at: i64,
}

/// The authorisation request for `ask`, answered at `response_uri`, its client the organisation's
/// `did:jwk`.
pub(crate) fn signing_authz(
    ask: &WalletAsk<'_>,
    response_uri: &str,
    signer_jwk: &credentials::jws::Jwk,
    now: i64,
) -> AuthorizationRequest {
    let mut r = AuthorizationRequest::direct_post(response_uri, ask.nonce, ask.state, query(), now, SIGNING_TTL_SECS)
        .with_did_jwk_client(signer_jwk);
    r.transaction_data = Some(vec![ask.transaction_data.to_owned()]);
    r.exp = Some(ask.expires_at);
    r
}

/// The `openid4vp://` link for a request served at `request_uri`, and its QR code (SVG).
pub(crate) fn wallet_link(authz: &AuthorizationRequest, request_uri: &str) -> Result<(String, String), ApiError> {
    let link = RequestLink {
        client_id: authz.client_id.clone(),
        request_uri: request_uri.to_owned(),
        request_uri_method: None,
    }
    .to_url();
    let qr = qr_svg(&link)?;
    Ok((link, qr))
}

/// The Request Object served to the wallet: `authz` signed with the organisation's key.
pub(crate) fn request_object_reply(
    authz: &AuthorizationRequest,
    key: &crate::keys::KeySigner,
) -> Result<Response, OAuthReply> {
    let jwt = authz.to_did_jwk_request_object(key).map_err(OAuthReply::internal_error)?;
    Ok(([(CONTENT_TYPE, "application/oauth-authz-req+jwt"), (CACHE_CONTROL, "no-store")], jwt).into_response())
}

/// Opens a signing request for the latest version of agreement `id`, which must be a proposed
/// deployment the worker has not signed.
pub async fn create(state: &AppState, scope: &OrgScope, id: &str) -> Result<CreatedSigningRequest, ApiError> {
    let current = state.store.agreements(scope).get(id, None).await?;
    if !matches!(current.document.body, AgreementBody::Deployment(_)) {
        return Err(ApiError::invalid("kind", "only a deployment has a worker to sign"));
    }
    current
        .lifecycle
        .can_sign(&current.document, &SignerRole::Worker, state.today())
        .map_err(|e| ApiError::Conflict { field: "state".into(), problem: format!("{e} ({})", e.code()) })?;
    let td = AgreementTransactionData {
        td_type: TRANSACTION_DATA_TYPE.into(),
        credential_ids: vec![QUERY_ID.into()],
        agreement_id: current.id.clone(),
        version: current.version,
        agreement_sha256: current.sha256.clone(),
        action: PartyAction::Sign,
        summary: summary(&current),
    };
    let now = (state.clock)().timestamp();
    let request = SigningRequest {
        state: random_token(),
        agreement_id: current.id.clone(),
        version: current.version,
        org_id: scope.org_id().to_owned(),
        nonce: random_token(),
        transaction_data: td.encode().map_err(|e| ApiError::Internal(e.to_string()))?,
        expires_at: now + SIGNING_TTL_SECS,
        answered: false,
    };
    state.store.agreements(scope).create_signing_request(&request).await?;
    let org = state.store.registry().get_organisation(scope.org_id()).await?;
    let key = crate::issuer::signer_for(state, scope.org_id()).await?;
    let (response_uri, requests) = urls(state.public_url(), org.ods_code.as_str());
    let authz = request_for(&request, &response_uri, &key.public_jwk(), now);
    let request_uri = format!("{requests}/{}", request.state);
    let (link, qr_svg) = wallet_link(&authz, &request_uri)?;
    Ok(CreatedSigningRequest {
        qr_svg,
        link,
        request_uri,
        transaction_data: td,
        expires_at: chrono::DateTime::from_timestamp(request.expires_at, 0).unwrap_or_default(),
    })
}

async fn open(state: &AppState, org_id: &str, st: &str) -> Result<SigningRequest, OAuthReply> {
    let unknown = || OAuthReply::new(ErrorCode::InvalidRequest, "unknown, expired or answered signing request");
    let request = match state.store.signing_request(st).await {
        Ok(r) if r.org_id == org_id => r,
        Ok(_) | Err(StoreError::NotFound) => return Err(unknown()),
        Err(e) => return Err(e.into()),
    };
    if request.answered || (state.clock)().timestamp() >= request.expires_at {
        return Err(unknown());
    }
    Ok(request)
}

/// The signed Request Object, with the transaction data.
async fn request_object(
    State(state): State<AppState>,
    PublicOrg { org, .. }: PublicOrg<SigningRequestObject, OAuthReply>,
    Path((_, st)): Path<(String, String)>,
) -> Result<Response, OAuthReply> {
    let request = open(&state, &org.id, &st).await?;
    let key = crate::issuer::signer_for(&state, &org.id).await?;
    let (response_uri, _) = urls(state.public_url(), org.ods_code.as_str());
    let now = (state.clock)().timestamp();
    request_object_reply(&request_for(&request, &response_uri, &key.public_jwk(), now), &key)
}

/// The one passport credential a wallet presented to sign something ([`query`]), checked as any
/// verifier checks a presentation (issuer trust, status, holder binding to `nonce` and
/// `client_id`): the validated response, the presentation's text, and the trust lists it was
/// checked against. What it signs is the caller's to check.
pub(crate) async fn accepted_presentation(
    state: &AppState,
    vp_token: &VpToken,
    nonce: &str,
    client_id: &str,
) -> Result<(ValidatedResponse, String, crate::federation::TrustView), OAuthReply> {
    let bad = |d: &str| OAuthReply::new(ErrorCode::InvalidRequest, d);
    let now = (state.clock)().timestamp();
    let trust = crate::federation::trust(state).await?;
    let presented = vp_token.values().flatten().filter_map(Value::as_str);
    let statuses = crate::status_lists::for_presentations(state, presented, &trust).await?;
    let opts = VerifyOptions::new(now, nonce.to_owned(), client_id.to_owned());
    let validated =
        validate_vp_token(vp_token, &query(), &opts, &trust, &statuses).map_err(|e| OAuthReply::of(e.to_oauth()))?;
    if !validated.satisfied() {
        let why: Vec<&str> = validated.queries.iter().flat_map(|q| &q.rejected).map(|r| r.code()).collect();
        return Err(bad(&format!("the presented credential was not accepted: {}", why.join(", "))));
    }
    let presentation = vp_token
        .get(QUERY_ID)
        .and_then(|v| v.first())
        .and_then(Value::as_str)
        .ok_or_else(|| bad("no presentation for the passport query"))?;
    let presentation = presentation.to_owned();
    Ok((validated, presentation, trust))
}

/// The `direct_post` endpoint: checks the presentation as any verifier would, then that its
/// KB-JWT signs this agreement's transaction data with a credential the employer issued to the
/// named worker, and records the signature. Nothing is recorded unless all of that holds.
async fn response(
    State(state): State<AppState>,
    PublicOrg { org, scope, .. }: PublicOrg<SigningEndpoint, OAuthReply>,
    body: Bytes,
) -> Result<Response, OAuthReply> {
    let bad = |d: &str| OAuthReply::new(ErrorCode::InvalidRequest, d);
    let text = std::str::from_utf8(&body).map_err(|_| bad("not UTF-8"))?;
    let posted = AuthorizationResponse::from_form(text).map_err(OAuthReply::of)?;
    let st = posted.state().ok_or_else(|| bad("state is missing"))?.to_owned();
    let request = open(&state, &org.id, &st).await?;
    let AuthorizationResponse::VpToken { vp_token, .. } = posted else {
        // The worker declined: the request stays open until it expires, so they can change their mind.
        return Ok(no_store(&DirectPostResponse::default()));
    };
    let key = crate::issuer::signer_for(&state, &org.id).await?;
    let (response_uri, _) = urls(state.public_url(), org.ods_code.as_str());
    let now = (state.clock)().timestamp();
    let authz = request_for(&request, &response_uri, &key.public_jwk(), now);
    let (validated, presentation, _) =
        accepted_presentation(&state, &vp_token, &request.nonce, &authz.client_id).await?;
    let presentation = presentation.as_str();

    let current = state.store.agreements(&scope).get(&request.agreement_id, Some(request.version)).await?;
    let mut signed: GeneralJws = serde_json::from_str(&current.signed).map_err(OAuthReply::internal_error)?;
    signed.add_worker_entry(presentation, &request.transaction_data).map_err(|e| bad(&e.to_string()))?;
    let trust_list = crate::agreements::agreement_trust(&state).await?;
    let expect = crate::agreements::expectations(&current.document);
    if let Err(e) = verify_agreement(&signed, &expect, &trust_list) {
        tracing::info!(code = e.code(), "worker signature refused");
        return Err(bad(&format!("the signature does not stand: {} ({})", e, e.code())));
    }
    let mut life = current.lifecycle.clone();
    life.can_sign(&current.document, &SignerRole::Worker, state.today())
        .map_err(|e| bad(&format!("{e} ({})", e.code())))?;
    let holder = validated.holder_thumbprint();
    life.signatures.push(Signature { signer: SignerRole::Worker, signed_at: (state.clock)(), holder });
    let text = serde_json::to_string(&signed).map_err(OAuthReply::internal_error)?;
    match state.store.record_worker_signature(&st, &current.signed, &text, &life).await {
        Ok(()) => Ok(no_store(&DirectPostResponse::default())),
        Err(StoreError::Conflict { problem, .. }) => Err(bad(&problem)),
        Err(e) => Err(e.into()),
    }
}
