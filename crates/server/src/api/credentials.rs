//! Passport credentials: HR issues a chosen type to the holder key a worker's wallet gave, lists a
//! person's credentials with their status, and revokes, suspends or reinstates one; an admin
//! rotates the organisation's issuer key; a verifier checks a presentation. Private keys are never
//! rendered: responses carry public JWKs and `kid`s only.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use credentials::jws::{Jwk, VerifyingKey};
use domain::passport::PassportType;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use store::{CredentialStatus, IssuedCredential, Role};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::OrgCaller;
use crate::issuer;
use crate::json::ValidJson;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(issue, list))
        .routes(routes!(revoke))
        .routes(routes!(suspend))
        .routes(routes!(reinstate))
        .routes(routes!(rotate_key))
        .routes(routes!(verify))
}

/// What to issue, and to which holder key.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    #[serde(rename = "type")]
    pub kind: PassportType,
    /// The holder's public key (EC P-256 or Ed25519 JWK); the credential's `cnf.jwk`.
    #[schema(value_type = Object)]
    pub holder_jwk: Value,
}

/// Where a credential's status is published.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StatusListRef {
    pub idx: i64,
    pub uri: String,
}

/// An issued credential as the ledger knows it (never the credential text).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CredentialView {
    pub id: String,
    pub person_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub vct: String,
    pub kid: String,
    /// `valid`, `revoked` or `suspended`.
    pub status: String,
    pub status_reason: Option<String>,
    pub status_list: StatusListRef,
    pub issued_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Ids of the records it vouches for; changing one revokes it.
    pub sources: Vec<String>,
}

impl CredentialView {
    fn new(c: IssuedCredential, base: &str, ods: &str) -> Self {
        CredentialView {
            status_list: StatusListRef { idx: c.status_index, uri: issuer::status_list_uri(base, ods, c.list_id) },
            id: c.id,
            person_id: c.person_id,
            kind: c.credential_type,
            vct: c.vct,
            kid: c.kid,
            status: c.status.as_str().to_owned(),
            status_reason: c.status_reason,
            issued_at: c.issued_at,
            expires_at: c.expires_at,
            sources: c.sources,
        }
    }
}

/// A newly issued credential: the ledger entry and, once only, the SD-JWT VC itself.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IssuedView {
    #[serde(flatten)]
    pub entry: CredentialView,
    /// The SD-JWT VC (`<jwt>~<disclosure>~…~`) for the holder's wallet; not stored by the server.
    pub credential: String,
}

async fn ods_of(state: &AppState, caller: &OrgCaller) -> ApiResult<String> {
    Ok(state.store.registry().get_organisation(caller.scope.org_id()).await?.ods_code.as_str().to_owned())
}

fn holder_key(value: &Value) -> ApiResult<Jwk> {
    let object = value.as_object().ok_or_else(|| ApiError::invalid("holder_jwk", "must be a JWK object"))?;
    if ["d", "p", "q", "k"].iter().any(|m| object.contains_key(*m)) {
        return Err(ApiError::invalid("holder_jwk", "send the public key only: a private member is present"));
    }
    let jwk: Jwk = serde_json::from_value(value.clone())
        .map_err(|e| ApiError::invalid("holder_jwk", format!("is not a JWK: {e}")))?;
    VerifyingKey::from_jwk(&jwk).map_err(|e| ApiError::invalid("holder_jwk", e))?;
    Ok(jwk)
}

/// Issue a passport credential to a person, bound to the holder key given. Role: hr.
#[utoipa::path(post, path = "/people/{person_id}/credentials", tag = "credentials", request_body = IssueRequest,
    security(("bearer" = [])), params(("person_id" = String, Path)),
    responses((status = 201, body = IssuedView), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn issue(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(person_id): Path<String>,
    ValidJson(request): ValidJson<IssueRequest>,
) -> ApiResult<(StatusCode, Json<IssuedView>)> {
    caller.require(&[Role::Hr])?;
    // The person is looked up first so that another organisation's id is 404 whatever the body says.
    state.store.dataset(&caller.scope).get_person(&person_id).await?;
    let holder = holder_key(&request.holder_jwk)?;
    let (entry, credential) = issuer::issue(&state, &caller.scope, &person_id, request.kind, holder).await?;
    let ods = ods_of(&state, &caller).await?;
    let entry = CredentialView::new(entry, state.public_url(), &ods);
    Ok((StatusCode::CREATED, Json(IssuedView { entry, credential })))
}

/// A person's credentials with their current status. Role: hr.
#[utoipa::path(get, path = "/people/{person_id}/credentials", tag = "credentials", security(("bearer" = [])),
    params(("person_id" = String, Path)),
    responses((status = 200, body = [CredentialView]), (status = 404, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(person_id): Path<String>,
) -> ApiResult<Json<Vec<CredentialView>>> {
    caller.require(&[Role::Hr])?;
    let items = state.store.dataset(&caller.scope).list_credentials(&person_id).await?;
    let ods = ods_of(&state, &caller).await?;
    Ok(Json(items.into_iter().map(|c| CredentialView::new(c, state.public_url(), &ods)).collect()))
}

/// Why a status changes (kept in the ledger; never in the status list).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    #[serde(default)]
    pub reason: Option<String>,
}

/// The ledger id a caller named: the id itself, or the status list entry the credential carries
/// (`{status list uri}#{idx}`, which `passport wallet list` and a verifier's result show), provided
/// the list is one of `org_id`'s own.
pub async fn resolve_credential_id(state: &AppState, scope: &store::OrgScope, id: &str) -> ApiResult<String> {
    let Some((uri, idx)) = id.rsplit_once('#') else { return Ok(id.to_owned()) };
    let not_ours = || ApiError::invalid("credential_id", "names no status list entry of this organisation");
    let (ods, list_id) = crate::status_lists::parse(state.public_url(), uri).ok_or_else(not_ours)?;
    let idx: i64 = idx.parse().map_err(|_| ApiError::invalid("credential_id", "the index after # is not a number"))?;
    let org = state.store.registry().get_organisation(scope.org_id()).await?;
    if org.ods_code != ods {
        return Err(not_ours());
    }
    Ok(state.store.dataset(scope).credential_id_at(list_id, idx).await?)
}

async fn change(
    state: AppState,
    caller: OrgCaller,
    id: String,
    to: CredentialStatus,
    change: StatusChange,
) -> ApiResult<Json<CredentialView>> {
    caller.require(&[Role::Hr])?;
    let id = resolve_credential_id(&state, &caller.scope, &id).await?;
    if change.reason.as_deref().is_some_and(|r| r.chars().count() > 500) {
        return Err(ApiError::invalid("reason", "must be at most 500 characters"));
    }
    let updated = state.store.dataset(&caller.scope).set_credential_status(&id, to, change.reason.as_deref()).await?;
    let ods = ods_of(&state, &caller).await?;
    Ok(Json(CredentialView::new(updated, state.public_url(), &ods)))
}

/// Revoke a credential (final). Role: hr.
#[utoipa::path(post, path = "/credentials/{credential_id}/revoke", tag = "credentials", request_body = StatusChange,
    security(("bearer" = [])), params(("credential_id" = String, Path)),
    responses((status = 200, body = CredentialView), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn revoke(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(id): Path<String>,
    ValidJson(body): ValidJson<StatusChange>,
) -> ApiResult<Json<CredentialView>> {
    change(state, caller, id, CredentialStatus::Revoked, body).await
}

/// Suspend a valid credential. Role: hr.
#[utoipa::path(post, path = "/credentials/{credential_id}/suspend", tag = "credentials", request_body = StatusChange,
    security(("bearer" = [])), params(("credential_id" = String, Path)),
    responses((status = 200, body = CredentialView), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn suspend(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(id): Path<String>,
    ValidJson(body): ValidJson<StatusChange>,
) -> ApiResult<Json<CredentialView>> {
    change(state, caller, id, CredentialStatus::Suspended, body).await
}

/// Reinstate a suspended credential. Role: hr.
#[utoipa::path(post, path = "/credentials/{credential_id}/reinstate", tag = "credentials", request_body = StatusChange,
    security(("bearer" = [])), params(("credential_id" = String, Path)),
    responses((status = 200, body = CredentialView), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn reinstate(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(id): Path<String>,
    ValidJson(body): ValidJson<StatusChange>,
) -> ApiResult<Json<CredentialView>> {
    change(state, caller, id, CredentialStatus::Valid, body).await
}

/// The organisation's new issuer key (public half only).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RotatedKey {
    pub kid: String,
    #[schema(value_type = Object)]
    pub public_jwk: Jwk,
    pub created_at: DateTime<Utc>,
}

/// Retire the organisation's issuer key and start signing with a new one; credentials signed before
/// stay verifiable. Role: admin.
#[utoipa::path(post, path = "/issuer/rotate-key", tag = "credentials", security(("bearer" = [])),
    responses((status = 200, body = RotatedKey), (status = 404, body = Problem)))]
async fn rotate_key(State(state): State<AppState>, caller: OrgCaller) -> ApiResult<Json<RotatedKey>> {
    caller.require(&[Role::Admin])?;
    let (jwk, created_at) = issuer::rotate_key(&state, &caller.scope).await?;
    Ok(Json(RotatedKey { kid: jwk.kid.clone().unwrap_or_default(), public_jwk: jwk, created_at }))
}

/// A presentation to check: an SD-JWT VC, with a KB-JWT when `nonce` is given.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    pub presentation: String,
    /// The nonce this verifier gave the holder; without it no key binding is required.
    #[serde(default)]
    pub nonce: Option<String>,
    /// This verifier's identifier, as the holder put it in the KB-JWT `aud`.
    #[serde(default)]
    pub aud: Option<String>,
}

/// The answer: valid with what was disclosed, or the exact reason code.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VerifyResult {
    pub valid: bool,
    /// The stable rejection code (e.g. `revoked`, `issuer_not_trusted`) when not valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ods_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vct: Option<String>,
    /// The passport type, when the `vct` is one of ours.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The disclosed personal claims only (registered claims are reported separately).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub claims: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_bound: Option<bool>,
}

/// Verify a presentation against the registry's trust list and the issuers' status lists.
/// Rejections are answers (200 with `valid: false` and the reason code), not errors. Roles: verifier, hr.
#[utoipa::path(post, path = "/verify", tag = "credentials", request_body = VerifyRequest, security(("bearer" = [])),
    responses((status = 200, body = VerifyResult), (status = 422, body = Problem)))]
async fn verify(
    State(state): State<AppState>,
    caller: OrgCaller,
    ValidJson(request): ValidJson<VerifyRequest>,
) -> ApiResult<Json<VerifyResult>> {
    caller.require(&[Role::Verifier, Role::Hr])?;
    let outcome =
        issuer::verify(&state, &request.presentation, request.nonce.as_deref(), request.aud.as_deref()).await?;
    Ok(Json(render(outcome, state.public_url())))
}

/// The JSON the API and the CLI print for a verification outcome.
pub fn render(outcome: Result<credentials::verify::Verified, credentials::VerifyError>, _base: &str) -> VerifyResult {
    let empty = VerifyResult {
        valid: false,
        reason: None,
        detail: None,
        issuer: None,
        ods_code: None,
        organisation: None,
        vct: None,
        kind: None,
        claims: None,
        iat: None,
        exp: None,
        key_bound: None,
    };
    match outcome {
        Err(e) => VerifyResult { reason: Some(e.code().to_owned()), detail: Some(e.detail().to_owned()), ..empty },
        Ok(v) => {
            let mut claims = match v.claims {
                Value::Object(map) => map,
                _ => Map::new(),
            };
            let iat = claims.get("iat").and_then(Value::as_i64);
            let exp = claims.get("exp").and_then(Value::as_i64);
            for registered in credentials::vc::NEVER_DISCLOSABLE {
                claims.remove(*registered);
            }
            let kind = PassportType::from_vct(&v.vct).map(|t| t.key().to_owned());
            VerifyResult {
                valid: true,
                issuer: Some(v.issuer),
                ods_code: Some(v.ods_code),
                organisation: Some(v.organisation),
                vct: Some(v.vct),
                kind,
                claims: Some(claims),
                iat,
                exp,
                key_bound: Some(v.key_bound),
                ..empty
            }
        }
    }
}
