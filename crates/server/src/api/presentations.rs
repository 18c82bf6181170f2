//! Presentation requests: a verifier asks a worker's wallet for what one of its roles needs
//! (OpenID4VP with a DCQL query built from the role's requirements) and reads the ready-to-work
//! result once the wallet has answered. Only the requesting organisation can read a request; the
//! wallet-facing endpoints are in [`crate::oid4vp`].

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use store::Role;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::OrgCaller;
use crate::json::ValidJson;
use crate::oid4vp::{self, CreatedRequest, ReadyResult};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create)).routes(routes!(get_one))
}

/// Which role the worker is to be checked against.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PresentationRequestInput {
    /// A role of the caller's organisation with recorded requirements.
    pub role_code: String,
}

/// A presentation request and, once the wallet answered, its result.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PresentationRequestView {
    pub id: String,
    pub role_code: String,
    /// `pending`, `answered` or `expired`.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub result: Option<ReadyResult>,
}

/// Ask a worker's wallet for what a role needs: returns the request link and its QR code. Role:
/// verifier or hr.
#[utoipa::path(post, path = "/presentation-requests", tag = "credentials", request_body = PresentationRequestInput,
    security(("bearer" = [])),
    responses((status = 201, body = CreatedRequest), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn create(
    State(state): State<AppState>,
    caller: OrgCaller,
    ValidJson(input): ValidJson<PresentationRequestInput>,
) -> ApiResult<(StatusCode, Json<CreatedRequest>)> {
    caller.require(&[Role::Verifier, Role::Hr])?;
    let created = oid4vp::create_request(&state, &caller.scope, input.role_code.trim()).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// A presentation request of the caller's organisation, with the ready-to-work result once
/// answered. Role: verifier or hr.
#[utoipa::path(get, path = "/presentation-requests/{request_id}", tag = "credentials", security(("bearer" = [])),
    params(("request_id" = String, Path)),
    responses((status = 200, body = PresentationRequestView), (status = 404, body = Problem)))]
async fn get_one(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(request_id): Path<String>,
) -> ApiResult<Json<PresentationRequestView>> {
    caller.require(&[Role::Verifier, Role::Hr])?;
    let record = state.store.dataset(&caller.scope).get_presentation_request(&request_id).await?;
    let result: Option<ReadyResult> = record
        .result_doc
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let now = (state.clock)().timestamp();
    let status = match (&record.answered_at, now >= record.expires_at) {
        (Some(_), _) => "answered",
        (None, true) => "expired",
        (None, false) => "pending",
    };
    Ok(Json(PresentationRequestView {
        id: record.id,
        role_code: record.role_code,
        status: status.to_owned(),
        created_at: record.created_at,
        expires_at: DateTime::from_timestamp(record.expires_at, 0).unwrap_or_default(),
        answered_at: record.answered_at,
        result,
    }))
}
