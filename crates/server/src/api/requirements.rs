//! Role requirements of the caller's organisation: what each role needs.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::requirements::RoleRequirements;
use store::Role;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{PageQuery, Paged, RecordView};
use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::OrgCaller;
use crate::json::ValidJson;
use crate::query::ValidQuery;

const READERS: &[Role] = &[Role::Hr, Role::Training, Role::OccupationalHealth, Role::Verifier];

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_roles)).routes(routes!(get_role, put_role, delete_role))
}

/// Every role's requirements. Roles: hr, training, occupational_health, verifier.
#[utoipa::path(get, path = "/roles", tag = "role requirements", params(PageQuery), security(("bearer" = [])),
    responses((status = 200, body = Paged<RecordView<RoleRequirements>>)))]
async fn list_roles(
    State(state): State<AppState>,
    caller: OrgCaller,
    ValidQuery(query): ValidQuery<PageQuery>,
) -> ApiResult<Json<Paged<RecordView<RoleRequirements>>>> {
    caller.require(READERS)?;
    let page = state.store.dataset(&caller.scope).list_role_requirements(&query.page()?).await?;
    Ok(Json(Paged::map_from(page, RecordView::from)))
}

/// One role's requirements. Roles: hr, training, occupational_health, verifier.
#[utoipa::path(get, path = "/roles/{role_code}", tag = "role requirements", security(("bearer" = [])),
    params(("role_code" = String, Path)),
    responses((status = 200, body = RecordView<RoleRequirements>), (status = 404, body = Problem)))]
async fn get_role(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(role_code): Path<String>,
) -> ApiResult<Json<RecordView<RoleRequirements>>> {
    caller.require(READERS)?;
    Ok(Json(state.store.dataset(&caller.scope).get_role_requirements(&role_code).await?.into()))
}

/// Create or replace a role's requirements; the body's `role_code` must match the path. Role: hr.
#[utoipa::path(put, path = "/roles/{role_code}", tag = "role requirements", request_body = RoleRequirements,
    security(("bearer" = [])), params(("role_code" = String, Path)),
    responses((status = 200, body = RecordView<RoleRequirements>), (status = 422, body = Problem)))]
async fn put_role(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(role_code): Path<String>,
    ValidJson(requirements): ValidJson<RoleRequirements>,
) -> ApiResult<Json<RecordView<RoleRequirements>>> {
    caller.require(&[Role::Hr])?;
    requirements.validate()?;
    if requirements.role_code.trim() != role_code {
        return Err(ApiError::invalid("role_code", format!("must match the path's role code {role_code}")));
    }
    Ok(Json(state.store.dataset(&caller.scope).put_role_requirements(&requirements).await?.into()))
}

/// Remove a role's requirements. Role: hr.
#[utoipa::path(delete, path = "/roles/{role_code}", tag = "role requirements", security(("bearer" = [])),
    params(("role_code" = String, Path)), responses((status = 204), (status = 404, body = Problem)))]
async fn delete_role(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(role_code): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require(&[Role::Hr])?;
    state.store.dataset(&caller.scope).delete_role_requirements(&role_code).await?;
    Ok(StatusCode::NO_CONTENT)
}
