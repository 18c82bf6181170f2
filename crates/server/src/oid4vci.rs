//! OpenID4VCI 1.0 issuer, one per organisation, pre-authorised code flow only. Each organisation's
//! Credential Issuer Identifier is `{base}/issuers/{ODS}` (the same `iss` its credentials carry),
//! so the well-known documents sit at `{base}/.well-known/openid-credential-issuer/issuers/{ODS}`
//! and `{base}/.well-known/oauth-authorization-server/issuers/{ODS}` (§12.2.2, RFC 8414 §3.1:
//! well-known inserted between host and path). Endpoints under the identifier:
//! `offers/{handle}` (offer by reference, §4.1.3), `token` (§6), `nonce` (§7), `credential` (§8).
//!
//! Secrets: the offer handle, the pre-authorised code and the PIN are random, shown once to HR, and
//! stored as digests; the code is derived from the handle (SHA-256 of it with a label), so the offer
//! document can be served from the handle alone while the stored digests reveal neither. `c_nonce`
//! values are stateless MACs keyed from the organisation's issuer key (see
//! [`credentials::oid4vc::grant::NonceMinter`]). The protocol rules live in `credentials::oid4vc`;
//! this module only wires them to the store and the issuer. Errors are OAuth error responses.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use credentials::oid4vc::grant::{NonceMinter, PreAuthorizedGrant, Redeemed};
use credentials::oid4vc::oauth::{ErrorCode, OAuthError};
use credentials::oid4vc::proof::{NonceCheck, ProofExpectations, verify_jwt_proofs};
use credentials::oid4vc::vci::{
    AuthorizationServerMetadata, CredentialConfiguration, CredentialIssuerMetadata, CredentialOffer, CredentialRequest,
    CredentialResponse, NonceResponse, PreAuthorizedTokenRequest, RequestedCredential, TokenResponse,
};
use domain::org::OdsCode;
use domain::passport::PassportType;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use store::{CredentialStatus, NewOffer, OrgScope, Organisation, Redemption, StoreError, StoredOffer};

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{PublicOrg, public_reason};
use crate::issuer::{self, issuer_id};

/// How long a pre-authorised code lives (§13.6.1: short-lived).
pub const OFFER_TTL_SECS: i64 = 15 * 60;
/// Wrong PINs before the code is locked.
pub const MAX_PIN_ATTEMPTS: u32 = 5;
/// PIN length (numeric).
pub const PIN_DIGITS: u32 = 6;
/// Access token and `c_nonce` lifetimes.
const ACCESS_TOKEN_TTL_SECS: i64 = 300;
const NONCE_TTL_SECS: i64 = 300;
/// Proofs one credential request may carry (`batch_credential_issuance.batch_size`).
const BATCH_SIZE: u32 = 4;

public_reason!(IssuerMetadataDoc = "oid4vci issuer metadata");
public_reason!(AsMetadataDoc = "oid4vci authorization server metadata");
public_reason!(OfferFetch = "oid4vci");
public_reason!(TokenEndpoint = "oid4vci token endpoint");
public_reason!(NonceEndpoint = "oid4vci nonce endpoint");
public_reason!(CredentialEndpoint = "oid4vci credential endpoint");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/.well-known/openid-credential-issuer/issuers/{ods}", get(issuer_metadata))
        .route("/.well-known/oauth-authorization-server/issuers/{ods}", get(as_metadata))
        .route("/issuers/{ods}/offers/{handle}", get(offer))
        .route("/issuers/{ods}/token", post(token))
        .route("/issuers/{ods}/nonce", post(nonce))
        .route("/issuers/{ods}/credential", post(credential))
}

/// An OAuth error response (RFC 6749 §5.2) with `Cache-Control: no-store`; 401s carry
/// `WWW-Authenticate` (RFC 6750 §3).
#[derive(Debug)]
pub struct OAuthReply(pub OAuthError, pub StatusCode);

impl OAuthReply {
    pub fn new(code: ErrorCode, description: impl AsRef<str>) -> Self {
        let status = StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
        OAuthReply(OAuthError::new(code, description), status)
    }

    pub fn of(error: OAuthError) -> Self {
        OAuthReply(error, StatusCode::BAD_REQUEST)
    }

    pub fn internal_error(e: impl std::fmt::Display) -> Self {
        tracing::error!(cause = %e, "OpenID4VC endpoint failed");
        OAuthReply(
            OAuthError { error: "server_error".into(), error_description: Some("an internal error occurred".into()) },
            StatusCode::INTERNAL_SERVER_ERROR,
        )
    }
}

impl From<ApiError> for OAuthReply {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::NotFound => OAuthReply::new(ErrorCode::InvalidRequest, "unknown issuer or verifier"),
            other => OAuthReply::internal_error(other),
        }
    }
}

impl From<StoreError> for OAuthReply {
    fn from(e: StoreError) -> Self {
        ApiError::from(e).into()
    }
}

impl IntoResponse for OAuthReply {
    fn into_response(self) -> Response {
        let mut response = (self.1, axum::Json(self.0)).into_response();
        response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self.1 == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"invalid_token\""));
        }
        response
    }
}

/// JSON with `Cache-Control: no-store` (token, nonce and credential responses must not be cached).
pub fn no_store<T: Serialize>(value: &T) -> Response {
    let mut response = axum::Json(value).into_response();
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Organisations by ODS code, as the public protocol routes look them up on every request ([`PublicOrg`]).
/// An organisation's id and code never change, so entries are only aged out (monotonic clock) to
/// pick up renames; an unknown code is never cached.
#[derive(Default)]
pub struct OrgCache {
    by_ods: std::sync::RwLock<std::collections::HashMap<String, (Organisation, std::time::Instant)>>,
}

const ORG_CACHE_FOR: std::time::Duration = std::time::Duration::from_secs(60);

pub async fn organisation(state: &AppState, ods: &str) -> Result<Organisation, ApiError> {
    if let Ok(map) = state.oid4vc_orgs.by_ods.read()
        && let Some((org, at)) = map.get(ods)
        && at.elapsed() < ORG_CACHE_FOR
    {
        return Ok(org.clone());
    }
    let code = OdsCode::parse(ods).map_err(|_| ApiError::NotFound)?;
    let org = state.store.registry().find_by_ods(&code).await?;
    if let Ok(mut map) = state.oid4vc_orgs.by_ods.write() {
        map.insert(ods.to_owned(), (org.clone(), std::time::Instant::now()));
    }
    Ok(org)
}

/// The configurations every issuer offers: one per passport type, keyed by its type key, each
/// with the type's `vct` (the same on every deployment, so `base` does not enter it).
pub fn configurations(_base: &str) -> BTreeMap<String, CredentialConfiguration> {
    PassportType::ALL
        .into_iter()
        .map(|kind| (kind.key().to_owned(), CredentialConfiguration::sd_jwt_vc(&kind.vct(), kind.name())))
        .collect()
}

async fn issuer_metadata(
    State(state): State<AppState>,
    PublicOrg { org, .. }: PublicOrg<IssuerMetadataDoc>,
) -> Result<Response, ApiError> {
    let id = issuer_id(state.public_url(), org.ods_code.as_str());
    let mut meta = CredentialIssuerMetadata::new(&id, configurations(state.public_url()), BATCH_SIZE);
    meta.display = vec![credentials::oid4vc::vci::Display {
        name: Some(org.name),
        locale: Some("en-GB".into()),
        description: None,
    }];
    Ok(axum::Json(meta).into_response())
}

async fn as_metadata(
    State(state): State<AppState>,
    PublicOrg { org, .. }: PublicOrg<AsMetadataDoc>,
) -> Result<Response, ApiError> {
    let id = issuer_id(state.public_url(), org.ods_code.as_str());
    Ok(axum::Json(AuthorizationServerMetadata::pre_authorized_only(&id)).into_response())
}

fn random_secret(bytes: usize) -> String {
    let mut raw = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut raw);
    credentials::b64::encode(raw)
}

/// The pre-authorised code that goes with an offer handle.
fn code_of(handle: &str) -> String {
    credentials::b64::encode(Sha256::digest(format!("pre-authorized_code\u{0}{handle}").as_bytes()))
}

fn random_pin() -> String {
    let n = rand::thread_rng().next_u32() % 10u32.pow(PIN_DIGITS);
    format!("{n:0width$}", width = PIN_DIGITS as usize)
}

/// A new offer as HR sees it, once.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreatedOffer {
    pub id: String,
    /// Where the wallet fetches the offer (`credential_offer_uri`).
    pub credential_offer_uri: String,
    /// `openid-credential-offer://?credential_offer_uri=…`, for a link or a QR code.
    pub link: String,
    /// The link as a QR code (SVG).
    pub qr_svg: String,
    /// The transaction code the worker types into the wallet: give it to them by another channel.
    pub pin: String,
    pub credential_configuration_ids: Vec<String>,
    pub credential_issuer: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// Creates an offer of `types` for a person of the caller's organisation.
pub async fn create_offer(
    state: &AppState,
    scope: &OrgScope,
    person_id: &str,
    types: &[PassportType],
) -> Result<CreatedOffer, ApiError> {
    let org = state.store.registry().get_organisation(scope.org_id()).await?;
    let mut ids: Vec<String> = Vec::new();
    for t in types {
        if !ids.iter().any(|i| i == t.key()) {
            ids.push(t.key().to_owned());
        }
    }
    let handle = random_secret(24);
    let code = code_of(&handle);
    let pin = random_pin();
    let now = (state.clock)().timestamp();
    let expires_at = now + OFFER_TTL_SECS;
    let id = state
        .store
        .dataset(scope)
        .create_offer(&NewOffer {
            person_id,
            credential_types: ids.clone(),
            handle: &handle,
            code: &code,
            pin: Some(&pin),
            expires_at,
            max_attempts: MAX_PIN_ATTEMPTS,
        })
        .await?;
    let base = state.public_url();
    let credential_issuer = issuer_id(base, org.ods_code.as_str());
    let credential_offer_uri = format!("{credential_issuer}/offers/{handle}");
    let link = CredentialOffer::link_by_reference(&credential_offer_uri);
    Ok(CreatedOffer {
        id,
        qr_svg: qr_svg(&link)?,
        credential_offer_uri,
        link,
        pin,
        credential_configuration_ids: ids,
        credential_issuer,
        expires_at: chrono::DateTime::from_timestamp(expires_at, 0).unwrap_or_default(),
    })
}

/// A QR code of `text` as an SVG document.
pub fn qr_svg(text: &str) -> Result<String, ApiError> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(|e| ApiError::Internal(format!("QR code: {e}")))?;
    Ok(code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).build())
}

/// The credential offer behind an offer URI (§4.1.3). Unknown handle: 404.
async fn offer(
    State(state): State<AppState>,
    PublicOrg { org, scope, .. }: PublicOrg<OfferFetch>,
    Path((_, handle)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let stored = state.store.dataset(&scope).offer_by_handle(&handle).await?;
    let now = (state.clock)().timestamp();
    if stored.used || now >= stored.expires_at {
        return Err(ApiError::NotFound);
    }
    let issuer = issuer_id(state.public_url(), org.ods_code.as_str());
    let offer = CredentialOffer::pre_authorized(
        &issuer,
        stored.credential_types.clone(),
        &code_of(&handle),
        Some(PIN_DIGITS),
        Some("The PIN your HR team gave you with this offer"),
    );
    Ok(no_store(&offer))
}

fn form_body(body: &[u8]) -> Result<&str, OAuthReply> {
    std::str::from_utf8(body).map_err(|_| OAuthReply::new(ErrorCode::InvalidRequest, "the body is not UTF-8"))
}

/// Token endpoint (§6): the pre-authorised code and its PIN for an access token.
async fn token(
    State(state): State<AppState>,
    PublicOrg { scope, .. }: PublicOrg<TokenEndpoint, OAuthReply>,
    body: Bytes,
) -> Result<Response, OAuthReply> {
    let req = PreAuthorizedTokenRequest::from_form(form_body(&body)?).map_err(OAuthReply::of)?;
    let now = (state.clock)().timestamp();
    let access_token = random_secret(32);
    // Compare digests: the store holds nothing else.
    let hashed = PreAuthorizedTokenRequest {
        pre_authorized_code: store::secret_hash(&req.pre_authorized_code),
        tx_code: req.tx_code.as_deref().map(|p| store::pin_hash(&req.pre_authorized_code, p)),
    };
    let mut refusal = None;
    let outcome = state
        .store
        .dataset(&scope)
        .redeem_offer(&req.pre_authorized_code, |offer: &mut StoredOffer| {
            let mut grant = PreAuthorizedGrant {
                code: offer.code_hash.clone(),
                tx_code: offer.pin_hash.clone(),
                expires_at: offer.expires_at,
                attempts_left: offer.attempts_left,
                used: offer.used,
            };
            let result = grant.redeem(&hashed, now);
            offer.attempts_left = grant.attempts_left;
            offer.used = grant.used;
            match result {
                Redeemed::Ok => {
                    Redemption::Redeemed { access_token: access_token.clone(), expires_at: now + ACCESS_TOKEN_TTL_SECS }
                }
                Redeemed::Refused { error, reason } => {
                    tracing::info!(reason, "token request refused");
                    refusal = Some(error);
                    Redemption::Refused
                }
            }
        })
        .await;
    match outcome {
        Ok((_, Redemption::Redeemed { .. })) => {
            Ok(no_store(&TokenResponse::bearer(&access_token, ACCESS_TOKEN_TTL_SECS as u64)))
        }
        Ok((_, Redemption::Refused)) => {
            Err(OAuthReply::of(refusal.unwrap_or_else(|| OAuthError::new(ErrorCode::InvalidGrant, "refused"))))
        }
        Err(StoreError::NotFound) => {
            Err(OAuthReply::new(ErrorCode::InvalidGrant, "the pre-authorized code or transaction code is not valid"))
        }
        Err(e) => Err(e.into()),
    }
}

async fn minter(state: &AppState, org: &Organisation) -> Result<NonceMinter, OAuthReply> {
    let key = issuer::signer_for(state, &org.id).await?;
    // Derived from the issuer key through the key store, so it changes when the key rotates.
    let secret = key.derive_secret("c_nonce");
    NonceMinter::new(&secret).map_err(OAuthReply::internal_error)
}

/// Nonce endpoint (§7): a fresh `c_nonce`.
async fn nonce(
    State(state): State<AppState>,
    PublicOrg { org, .. }: PublicOrg<NonceEndpoint, OAuthReply>,
) -> Result<Response, OAuthReply> {
    let now = (state.clock)().timestamp();
    let c_nonce = minter(&state, &org).await?.mint(now, NONCE_TTL_SECS);
    Ok(no_store(&NonceResponse { c_nonce }))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")).map(str::trim)
}

/// Credential endpoint (§8): one credential of the requested type per valid key proof.
async fn credential(
    State(state): State<AppState>,
    PublicOrg { org, scope: system, .. }: PublicOrg<CredentialEndpoint, OAuthReply>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OAuthReply> {
    let now = (state.clock)().timestamp();
    let token = bearer(&headers).ok_or_else(|| OAuthReply::new(ErrorCode::InvalidToken, "no access token"))?;
    let offer = match state.store.dataset(&system).offer_by_access_token(token, now).await {
        Ok(offer) => offer,
        Err(StoreError::NotFound) => {
            return Err(OAuthReply::new(ErrorCode::InvalidToken, "the access token is unknown or expired"));
        }
        Err(e) => return Err(e.into()),
    };
    let request: CredentialRequest = serde_json::from_slice(&body)
        .map_err(|_| OAuthReply::new(ErrorCode::InvalidCredentialRequest, "the body is not a credential request"))?;
    let config_id = match request.check_shape().map_err(OAuthReply::of)? {
        RequestedCredential::Configuration(c) => c.to_owned(),
        RequestedCredential::Identifier(_) => {
            return Err(OAuthReply::new(
                ErrorCode::UnknownCredentialIdentifier,
                "this issuer grants no credential identifiers",
            ));
        }
    };
    if !offer.credential_types.contains(&config_id) {
        return Err(OAuthReply::new(ErrorCode::UnknownCredentialConfiguration, "not offered under this token"));
    }
    let kind = PassportType::parse(&config_id)
        .map_err(|_| OAuthReply::new(ErrorCode::UnknownCredentialConfiguration, "unknown configuration"))?;
    let issuer = issuer_id(state.public_url(), org.ods_code.as_str());
    let minter = minter(&state, &org).await?;
    // In a block: the nonce check is a `&dyn Fn`, which must not live across an await.
    let keys = {
        let check = |n: &str| minter.check(n, now);
        let expect = ProofExpectations::new(&issuer, NonceCheck::With(&check), now);
        verify_jwt_proofs(request.proofs.as_ref(), &expect, BATCH_SIZE as usize).map_err(|e| {
            tracing::info!(code = e.code(), "key proof refused");
            OAuthReply::of(e.to_oauth())
        })?
    };
    // Issuance is audited as this offer's: the worker's access log names which offer issued what.
    let scope = OrgScope::system(org.id.clone(), format!("oid4vci offer {}", offer.id));
    let dataset = state.store.dataset(&scope);
    match dataset.claim_offer_type(&offer.id, &config_id).await {
        Ok(()) => {}
        Err(StoreError::Conflict { .. }) => {
            return Err(OAuthReply::new(ErrorCode::CredentialRequestDenied, "already issued under this offer"));
        }
        Err(e) => return Err(e.into()),
    }
    let mut issued = Vec::with_capacity(keys.len());
    let mut ledger_ids = Vec::with_capacity(keys.len());
    for key in keys {
        let failure = match issuer::issue(&state, &scope, &offer.person_id, kind, key.jwk).await {
            Ok((entry, credential)) => {
                ledger_ids.push(entry.id);
                issued.push(credential);
                continue;
            }
            Err(ApiError::Invalid(why)) => OAuthReply::new(
                ErrorCode::CredentialRequestDenied,
                why.first().map(|f| f.problem.clone()).unwrap_or_default(),
            ),
            Err(e) => e.into(),
        };
        // Nothing was handed out: revoke what this request issued before the failure, and give
        // the type back so a later request may try again.
        for id in &ledger_ids {
            dataset.set_credential_status(id, CredentialStatus::Revoked, Some("issuance request failed")).await?;
        }
        dataset.release_offer_type(&offer.id, &config_id).await?;
        return Err(failure);
    }
    Ok(no_store(&CredentialResponse::immediate(issued)))
}
