//! Public, unauthenticated documents every wallet and verifier may fetch: JWT VC issuer metadata
//! with each organisation's JWKS, status list tokens, passport type metadata, and the registry
//! operator's signed trust list with the operator key. None of it is personal data, and no
//! private key ever leaves the store through here (only `Signer::public_jwk`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use credentials::jws::Jwk;
use credentials::vc::{ClaimDisplay, ClaimMetadata, TypeDisplay, TypeMetadata};
use domain::passport::PassportType;
use serde::Serialize;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{PublicOrg, public_reason};
use crate::issuer;

public_reason!(JwtVcIssuerMetadata = "jwt vc issuer metadata");
public_reason!(StatusListFetch = "status list");

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(issuer_metadata))
        .routes(routes!(status_list))
        .routes(routes!(type_metadata))
        .routes(routes!(type_schema))
        .routes(routes!(trust_list))
        .routes(routes!(operator_jwks))
}

/// A JSON Web Key Set.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Jwks {
    #[schema(value_type = Vec<Object>)]
    pub keys: Vec<Jwk>,
}

/// JWT VC issuer metadata (SD-JWT VC draft -26 §5).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IssuerMetadata {
    pub issuer: String,
    pub jwks: Jwks,
}

/// An organisation's issuer metadata and keys (current and retired: a retired key still verifies
/// what it signed before it was retired). Public.
#[utoipa::path(get, path = "/.well-known/jwt-vc-issuer/issuers/{ods_code}", tag = "public",
    params(("ods_code" = String, Path)),
    responses((status = 200, body = IssuerMetadata), (status = 404, body = Problem)))]
async fn issuer_metadata(
    State(state): State<AppState>,
    PublicOrg { org, .. }: PublicOrg<JwtVcIssuerMetadata>,
) -> ApiResult<Json<IssuerMetadata>> {
    // An organisation that never issued gets its key now, so its metadata is never empty.
    issuer::signer_for(&state, &org.id).await?;
    let keys = state
        .store
        .issuing()
        .public_keys(&org.id)
        .await?
        .into_iter()
        .map(|k| serde_json::from_str(&k.public_jwk).map_err(|e| ApiError::Internal(e.to_string())))
        .collect::<Result<Vec<Jwk>, _>>()?;
    let issuer = issuer::issuer_id(state.public_url(), org.ods_code.as_str());
    Ok(Json(IssuerMetadata { issuer, jwks: Jwks { keys } }))
}

/// A status list token (`application/statuslist+jwt`, draft-ietf-oauth-status-list-21 §5), signed by
/// the organisation's current issuer key, with `ttl`. Public.
#[utoipa::path(get, path = "/statuslists/{ods_code}/{list_id}", tag = "public",
    params(("ods_code" = String, Path), ("list_id" = i64, Path)),
    responses((status = 200, content_type = "application/statuslist+jwt", body = String),
        (status = 404, body = Problem)))]
async fn status_list(
    State(state): State<AppState>,
    PublicOrg { org, .. }: PublicOrg<StatusListFetch>,
    Path((_ods_code, list_id)): Path<(String, String)>,
) -> ApiResult<impl IntoResponse> {
    let list_id: i64 = list_id.parse().map_err(|_| ApiError::NotFound)?;
    let token = issuer::status_list_token(&state, &org, list_id).await?;
    let cache = format!("public, max-age={}", issuer::STATUS_LIST_TTL_SECS);
    Ok(([(CONTENT_TYPE, "application/statuslist+jwt".to_owned()), (CACHE_CONTROL, cache)], token))
}

/// Where a type's metadata is published on every deployment: `/vct/staff-passport/{slug}`.
pub fn metadata_path(kind: PassportType) -> String {
    format!("/vct/staff-passport/{}", kind.slug())
}

/// Where the JSON Schema of a type's claims is published: `/vct/staff-passport/{slug}/schema`.
pub fn schema_path(kind: PassportType) -> String {
    format!("{}/schema", metadata_path(kind))
}

fn kind_of(slug: &str) -> Result<PassportType, ApiError> {
    PassportType::ALL.into_iter().find(|t| t.slug() == slug).ok_or(ApiError::NotFound)
}

/// Type metadata of a passport credential type (SD-JWT VC draft -26 §6), describing its `vct`
/// (`urn:nhs:staff-passport:{slug}:1`, the same on every deployment). Public.
#[utoipa::path(get, path = "/vct/staff-passport/{slug}", tag = "public",
    params(("slug" = String, Path, description = "identity, registration, dbs, occupational-health, training, employment or employment-history")),
    responses((status = 200, body = Object), (status = 404, body = Problem)))]
async fn type_metadata(State(state): State<AppState>, Path(slug): Path<String>) -> ApiResult<Json<TypeMetadata>> {
    Ok(Json(metadata(kind_of(&slug)?, state.public_url())))
}

/// The JSON Schema (draft 2020-12) of a passport type's processed payload: every claim the issuer
/// writes, with its type and allowed values. Public.
#[utoipa::path(get, path = "/vct/staff-passport/{slug}/schema", tag = "public",
    params(("slug" = String, Path, description = "as for the type metadata")),
    responses((status = 200, content_type = "application/schema+json", body = Object), (status = 404, body = Problem)))]
async fn type_schema(State(state): State<AppState>, Path(slug): Path<String>) -> ApiResult<impl IntoResponse> {
    let body = schema_document(kind_of(&slug)?, state.public_url());
    Ok(([(CONTENT_TYPE, "application/schema+json"), (CACHE_CONTROL, "public, max-age=86400")], body))
}

/// The schema document's bytes as served (its `$id` is where this deployment serves it).
pub fn schema_document(kind: PassportType, base: &str) -> Vec<u8> {
    let id = format!("{}{}", base.trim_end_matches('/'), schema_path(kind));
    serde_json::to_vec(&domain::passport::schema::json_schema(kind, &id)).unwrap_or_default()
}

/// The type metadata document of `kind`: every claim is selectively disclosable (`sd: always`).
pub fn metadata(kind: PassportType, base: &str) -> TypeMetadata {
    let en = |label: &str| vec![ClaimDisplay { locale: "en-GB".into(), label: label.into(), description: None }];
    TypeMetadata {
        vct: kind.vct(),
        name: Some(kind.name().into()),
        description: Some(format!("{} issued by an NHS organisation from its verified records.", kind.name())),
        extends: None,
        extends_integrity: None,
        display: vec![TypeDisplay { locale: "en-GB".into(), name: kind.name().into(), description: None }],
        claims: kind
            .claim_labels()
            .iter()
            .map(|(name, label)| ClaimMetadata {
                path: vec![json!(name)],
                display: en(label),
                sd: Some("always".into()),
                mandatory: None,
            })
            .collect(),
        schema_uri: Some(format!("{}{}", base.trim_end_matches('/'), schema_path(kind))),
        schema_uri_integrity: Some(credentials::vc::integrity(&schema_document(kind, base))),
    }
}

/// The registry operator's signed trust list (`application/trustlist+jwt`): every registered
/// organisation with its issuer identifier, status and keys (retired keys with `retired_at`). Public.
#[utoipa::path(get, path = "/trust-list", tag = "public",
    responses((status = 200, content_type = "application/trustlist+jwt", body = String)))]
async fn trust_list(State(state): State<AppState>) -> ApiResult<impl IntoResponse> {
    let snapshot = issuer::trust_list(&state).await?;
    Ok(([(CONTENT_TYPE, "application/trustlist+jwt")], snapshot.token.clone()))
}

/// The registry operator's public key, which a verifier is configured with to check the trust list.
/// Public.
#[utoipa::path(get, path = "/trust-list/jwks", tag = "public", responses((status = 200, body = Jwks)))]
async fn operator_jwks(State(state): State<AppState>) -> ApiResult<Json<Jwks>> {
    let snapshot = issuer::trust_list(&state).await?;
    Ok(Json(Jwks { keys: vec![snapshot.operator_jwk.clone()] }))
}
