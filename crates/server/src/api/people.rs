//! People in the caller's organisation dataset.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::person::Person;
use store::Role;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{PageQuery, Paged, RecordView};
use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::OrgCaller;
use crate::json::ValidJson;
use crate::query::ValidQuery;

/// Roles that may read people's records.
pub const READERS: &[Role] = &[Role::Hr, Role::Training, Role::OccupationalHealth];

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_person, list_people)).routes(routes!(get_person, replace_person))
}

/// Add a person to the caller's dataset. Role: hr.
#[utoipa::path(post, path = "/people", tag = "people", request_body = Person, security(("bearer" = [])),
    responses((status = 201, body = RecordView<Person>), (status = 400, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_person(
    State(state): State<AppState>,
    caller: OrgCaller,
    ValidJson(person): ValidJson<Person>,
) -> ApiResult<(StatusCode, Json<RecordView<Person>>)> {
    caller.require(&[Role::Hr])?;
    let warnings = person.validate(state.today())?;
    let record = state.store.dataset(&caller.scope).create_person(&person).await?;
    Ok((StatusCode::CREATED, Json(RecordView::from(record).with_warnings(warnings))))
}

/// People of the caller's dataset, by family name. Roles: hr, training, occupational_health.
#[utoipa::path(get, path = "/people", tag = "people", params(PageQuery), security(("bearer" = [])),
    responses((status = 200, body = Paged<RecordView<Person>>)))]
async fn list_people(
    State(state): State<AppState>,
    caller: OrgCaller,
    ValidQuery(query): ValidQuery<PageQuery>,
) -> ApiResult<Json<Paged<RecordView<Person>>>> {
    caller.require(READERS)?;
    let page = state.store.dataset(&caller.scope).list_people(&query.page()?).await?;
    Ok(Json(Paged::map_from(page, RecordView::from)))
}

/// One person. Roles: hr, training, occupational_health.
#[utoipa::path(get, path = "/people/{person_id}", tag = "people", security(("bearer" = [])),
    params(("person_id" = String, Path)),
    responses((status = 200, body = RecordView<Person>), (status = 404, body = Problem)))]
async fn get_person(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(person_id): Path<String>,
) -> ApiResult<Json<RecordView<Person>>> {
    caller.require(READERS)?;
    Ok(Json(state.store.dataset(&caller.scope).get_person(&person_id).await?.into()))
}

/// Replace a person's details. Role: hr.
#[utoipa::path(put, path = "/people/{person_id}", tag = "people", request_body = Person, security(("bearer" = [])),
    params(("person_id" = String, Path)),
    responses((status = 200, body = RecordView<Person>), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn replace_person(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(person_id): Path<String>,
    ValidJson(person): ValidJson<Person>,
) -> ApiResult<Json<RecordView<Person>>> {
    caller.require(&[Role::Hr])?;
    let warnings = person.validate(state.today())?;
    let record = state.store.dataset(&caller.scope).update_person(&person_id, &person).await?;
    Ok(Json(RecordView::from(record).with_warnings(warnings)))
}
