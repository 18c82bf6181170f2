//! Transfer consent signed with the worker's wallet, through OpenID4VP 1.0 transaction data (§5.1,
//! §B.3.3), as the worker's signature on an agreement is (`agreements_vp.rs`): the new employer
//! (HR, or the worker in self-service) opens a request naming the employer and the statement; the
//! wallet presents one passport credential and its KB-JWT signs the transaction data. The answer
//! is checked as any presentation is, then as a consent (`credentials::consent`): the statement
//! names this organisation, and the credential's family name is the applicant's. It is recorded as
//! a consent statement with method `wallet` and its proof, which a request to another deployment
//! carries (`iat.rs`) so the previous employer can check the worker's own signature.
//!
//! The wallet-facing routes are `/transfer-consents/{ods}/requests/{state}` and
//! `/transfer-consents/{ods}/response`. Errors there are OAuth errors.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use credentials::consent::{
    CONSENT_TRANSACTION_DATA_TYPE, ConsentExpectations, ConsentProof, ConsentTransactionData, verify_consent,
};
use credentials::jws::Signer;
use credentials::oid4vc::oauth::ErrorCode;
use credentials::oid4vc::vp::{AuthorizationRequest, AuthorizationResponse, DirectPostResponse};
use domain::transfer::normalise_surname;
use domain::transfer::remote::CLOCK_SKEW_SECS;
use serde::Serialize;
use store::{ConsentSigningRequest, NewConsentSigningRequest, OrgScope, StoreError, WalletConsentProof};
use utoipa::ToSchema;

use crate::AppState;
use crate::agreements_vp::{
    QUERY_ID, WalletAsk, accepted_presentation, request_object_reply, signing_authz, wallet_link,
};
use crate::error::ApiError;
use crate::extract::{PublicOrg, public_reason};
use crate::oid4vci::{OAuthReply, no_store};
use crate::oid4vp::random_token;

/// How long a consent request stays open.
pub const CONSENT_TTL_SECS: i64 = crate::agreements_vp::SIGNING_TTL_SECS;

public_reason!(ConsentRequestObject = "transfer consent request");
public_reason!(ConsentEndpoint = "transfer consent endpoint");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/transfer-consents/{ods}/requests/{state}", get(request_object))
        .route("/transfer-consents/{ods}/response", post(response))
}

/// What is shown to the worker: a link and QR code for their wallet.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedConsentRequest {
    /// `openid4vp://?client_id=…&request_uri=…`.
    pub link: String,
    /// The link as a QR code (SVG).
    pub qr_svg: String,
    pub request_uri: String,
    /// What the wallet will show and sign (decoded transaction data).
    #[schema(value_type = Object)]
    pub transaction_data: ConsentTransactionData,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

fn urls(base: &str, ods: &str) -> (String, String) {
    (format!("{base}/transfer-consents/{ods}/response"), format!("{base}/transfer-consents/{ods}/requests"))
}

fn request_for(
    req: &ConsentSigningRequest,
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

/// The statement in words.
fn statement(employer: &str, ods: &str, given: bool) -> String {
    if given {
        format!(
            "I consent to {employer} ({ods}) receiving my Portable Data Set from my earlier NHS employers: employment \
             checks, training, immunisations and professional registrations, for my new post."
        )
    } else {
        format!("I withdraw my consent to {employer} ({ods}) receiving my Portable Data Set from my earlier employers.")
    }
}

/// Opens a request for the wallet of applicant `person_id` of the scope's organisation to sign
/// their consent (`given`) or its withdrawal.
pub async fn create(
    state: &AppState,
    scope: &OrgScope,
    person_id: &str,
    given: bool,
) -> Result<CreatedConsentRequest, ApiError> {
    let org = state.store.registry().get_organisation(scope.org_id()).await?;
    let td = ConsentTransactionData {
        td_type: CONSENT_TRANSACTION_DATA_TYPE.into(),
        credential_ids: vec![QUERY_ID.into()],
        new_employer_ods: org.ods_code.as_str().to_owned(),
        new_employer_name: org.name.clone(),
        given,
        statement: statement(&org.name, org.ods_code.as_str(), given),
    };
    let now = (state.clock)().timestamp();
    let encoded = td.encode().map_err(|e| ApiError::Internal(e.to_string()))?;
    let (st, nonce) = (random_token(), random_token());
    let new = NewConsentSigningRequest {
        state: &st,
        nonce: &nonce,
        transaction_data: &encoded,
        expires_at: now + CONSENT_TTL_SECS,
    };
    state.store.dataset(scope).create_consent_signing_request(person_id, &new).await?;
    let expires_at = new.expires_at;
    let stored = ConsentSigningRequest {
        state: st.clone(),
        org_id: org.id.clone(),
        person_id: person_id.to_owned(),
        nonce,
        transaction_data: encoded,
        expires_at,
        answered: false,
    };
    let key = crate::issuer::signer_for(state, &org.id).await?;
    let (response_uri, requests) = urls(state.public_url(), org.ods_code.as_str());
    let authz = request_for(&stored, &response_uri, &key.public_jwk(), now);
    let request_uri = format!("{requests}/{st}");
    let (link, qr_svg) = wallet_link(&authz, &request_uri)?;
    Ok(CreatedConsentRequest {
        qr_svg,
        link,
        request_uri,
        transaction_data: td,
        expires_at: chrono::DateTime::from_timestamp(stored.expires_at, 0).unwrap_or_default(),
    })
}

async fn open(state: &AppState, org_id: &str, st: &str) -> Result<ConsentSigningRequest, OAuthReply> {
    let unknown = || OAuthReply::new(ErrorCode::InvalidRequest, "unknown, expired or answered consent request");
    let request = match state.store.consent_signing_request(st).await {
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
    PublicOrg { org, .. }: PublicOrg<ConsentRequestObject, OAuthReply>,
    Path((_, st)): Path<(String, String)>,
) -> Result<Response, OAuthReply> {
    let request = open(&state, &org.id, &st).await?;
    let key = crate::issuer::signer_for(&state, &org.id).await?;
    let (response_uri, _) = urls(state.public_url(), org.ods_code.as_str());
    let now = (state.clock)().timestamp();
    request_object_reply(&request_for(&request, &response_uri, &key.public_jwk(), now), &key)
}

/// The `direct_post` endpoint: checks the presentation as any verifier would, then that its KB-JWT
/// signs this request's consent, naming this organisation, with a credential whose family name is
/// the applicant's; records the statement with its proof. Nothing is recorded unless all holds.
async fn response(
    State(state): State<AppState>,
    PublicOrg { org, scope, .. }: PublicOrg<ConsentEndpoint, OAuthReply>,
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
    let (_, presentation, trust) = accepted_presentation(&state, &vp_token, &request.nonce, &authz.client_id).await?;
    let proof = ConsentProof { presentation, transaction_data: request.transaction_data.clone() };
    let expect = ConsentExpectations {
        new_employer_ods: org.ods_code.as_str(),
        now,
        max_age: CONSENT_TTL_SECS,
        clock_skew: CLOCK_SKEW_SECS,
    };
    let verified = verify_consent(&proof, &expect, &trust)
        .map_err(|e| bad(&format!("the consent does not stand: {e} ({})", e.code())))?;
    let applicant = state.store.dataset(&scope).get_person(&request.person_id).await?;
    let holder_name = verified.family_name.as_deref().map(normalise_surname);
    if holder_name.is_none_or(|name| name != normalise_surname(&applicant.value.family_name)) {
        return Err(bad("the presented credential names another person than the applicant"));
    }
    let proof = WalletConsentProof {
        presentation: proof.presentation,
        transaction_data: proof.transaction_data,
        holder: verified.holder,
    };
    match state.store.dataset(&scope).record_wallet_consent(&st, verified.statement.given, &proof).await {
        Ok(_) => Ok(no_store(&DirectPostResponse::default())),
        Err(StoreError::Conflict { problem, .. }) => Err(bad(&problem)),
        Err(e) => Err(e.into()),
    }
}
