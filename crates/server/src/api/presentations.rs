//! Presentation requests: a verifier asks a worker's wallet for what one of its roles needs
//! (OpenID4VP with a DCQL query built from the role's requirements) and reads the ready-to-work
//! result once the wallet has answered. Only the requesting organisation can read a request; the
//! wallet-facing endpoints are in [`crate::oid4vp`].

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use store::{PresentationFilter, PresentationStatus, Role};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::OrgCaller;
use crate::json::ValidJson;
use crate::oid4vp::{self, CreatedRequest, ReadyResult};
use crate::query::ValidQuery;

use super::{PageQuery, Paged};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create, list_requests)).routes(routes!(get_one))
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

/// Where a request stands: `answered` once the wallet's answer is recorded, otherwise `pending`
/// until it expires and `expired` from then on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Pending,
    Answered,
    Expired,
}

impl From<PresentationStatus> for RequestStatus {
    fn from(status: PresentationStatus) -> Self {
        match status {
            PresentationStatus::Pending => RequestStatus::Pending,
            PresentationStatus::Answered => RequestStatus::Answered,
            PresentationStatus::Expired => RequestStatus::Expired,
        }
    }
}

impl From<RequestStatus> for PresentationStatus {
    fn from(status: RequestStatus) -> Self {
        match status {
            RequestStatus::Pending => PresentationStatus::Pending,
            RequestStatus::Answered => PresentationStatus::Answered,
            RequestStatus::Expired => PresentationStatus::Expired,
        }
    }
}

/// `?after=&limit=` as on every list route, and the filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PresentationListQuery {
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
    /// Page size, 1 to 500 (default 100).
    pub limit: Option<u32>,
    /// Only requests with this status now.
    #[param(inline)]
    pub status: Option<RequestStatus>,
    /// Only requests for this role code.
    pub role_code: Option<String>,
}

/// A listed presentation request: where it stands and whether the worker was ready to work, but
/// not the result itself (read that with `GET /presentation-requests/{request_id}`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PresentationRequestSummary {
    pub id: String,
    pub role_code: String,
    pub status: RequestStatus,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    /// Answered, and every requirement met by credentials of one holder.
    pub ready: bool,
}

/// Only the verdict of a stored result; the rest of the document is not read.
#[derive(Deserialize)]
struct Verdict {
    ready: bool,
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

/// The caller's organisation's presentation requests, newest first, optionally only those with a
/// `status` or for a `role_code`. Role: verifier or hr.
///
/// Items are summaries with `ready`, not the full result as `GET /presentation-requests/{request_id}`
/// gives it: a result carries the worker's name and every requirement's disclosed claims, so a
/// page of 500 would run to megabytes, and it would hand out many workers' disclosed data under one
/// `presentation_request.list` audit entry. Reading a result stays one audited read of one request.
#[utoipa::path(get, path = "/presentation-requests", tag = "credentials", security(("bearer" = [])),
    params(PresentationListQuery),
    responses((status = 200, body = Paged<PresentationRequestSummary>), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
async fn list_requests(
    State(state): State<AppState>,
    caller: OrgCaller,
    ValidQuery(query): ValidQuery<PresentationListQuery>,
) -> ApiResult<Json<Paged<PresentationRequestSummary>>> {
    caller.require(&[Role::Verifier, Role::Hr])?;
    let page = PageQuery { after: query.after, limit: query.limit }.page()?;
    let role_code = match query.role_code.as_deref().map(str::trim) {
        Some("") => return Err(ApiError::invalid("role_code", "must not be empty")),
        other => other,
    };
    let filter = PresentationFilter { status: query.status.map(Into::into), role_code };
    let now = (state.clock)().timestamp();
    let listed = state.store.dataset(&caller.scope).list_presentation_requests(&filter, now, &page).await?;
    let items = listed.items.into_iter().map(|item| summary(item, now)).collect::<ApiResult<Vec<_>>>()?;
    Ok(Json(Paged { items, next: listed.next }))
}

fn summary(item: store::PresentationListItem, now: i64) -> ApiResult<PresentationRequestSummary> {
    let ready = match item.result_doc.as_deref() {
        Some(doc) => serde_json::from_str::<Verdict>(doc).map_err(|e| ApiError::Internal(e.to_string()))?.ready,
        None => false,
    };
    Ok(PresentationRequestSummary {
        status: item.status(now).into(),
        id: item.id,
        role_code: item.role_code,
        created_at: item.created_at,
        expires_at: DateTime::from_timestamp(item.expires_at, 0).unwrap_or_default(),
        answered_at: item.answered_at,
        ready,
    })
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
    let status = PresentationStatus::at(record.answered_at.is_some(), record.expires_at, now).as_str();
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
