//! A person's occupational health clearance (one per person, replaced as a whole).

use axum::Json;
use axum::extract::{Path, State};
use domain::immunisation::OhClearance;
use store::Role;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::RecordView;
use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::OrgCaller;
use crate::json::ValidJson;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_clearance, put_clearance))
}

/// The person's OH clearance; 404 when none is recorded. Role: occupational_health.
#[utoipa::path(get, path = "/people/{person_id}/oh-clearance", tag = "immunisations", security(("bearer" = [])),
    params(("person_id" = String, Path)),
    responses((status = 200, body = RecordView<OhClearance>), (status = 404, body = Problem)))]
async fn get_clearance(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(person_id): Path<String>,
) -> ApiResult<Json<RecordView<OhClearance>>> {
    caller.require(&[Role::OccupationalHealth, Role::Hr])?;
    let record = state.store.dataset(&caller.scope).get_oh_clearance(&person_id).await?;
    Ok(Json(record.ok_or(ApiError::NotFound)?.into()))
}

/// Record or replace the person's OH clearance. Role: occupational_health.
#[utoipa::path(put, path = "/people/{person_id}/oh-clearance", tag = "immunisations", request_body = OhClearance,
    security(("bearer" = [])), params(("person_id" = String, Path)),
    responses((status = 200, body = RecordView<OhClearance>), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
async fn put_clearance(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(person_id): Path<String>,
    ValidJson(clearance): ValidJson<OhClearance>,
) -> ApiResult<Json<RecordView<OhClearance>>> {
    caller.require(&[Role::OccupationalHealth])?;
    clearance.validate(state.today())?;
    Ok(Json(state.store.dataset(&caller.scope).set_oh_clearance(&person_id, &clearance).await?.into()))
}
