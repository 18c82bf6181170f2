//! Records hung on a person: employment checks, competences, immunisations and assignments.
//!
//! Each kind has the same five routes (add, list, get, replace, delete) under `/people/{person_id}/…`; a macro
//! writes them once so that authorisation, validation and the "record belongs to this person" rule cannot drift
//! apart between kinds. A record id that exists but hangs on another person answers 404 like any unknown id.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use domain::assignment::{Assignment, AssignmentStatus};
use domain::checks::EmploymentCheck;
use domain::cstf::Competence;
use domain::immunisation::Immunisation;
use serde::Deserialize;
use store::{Record, Role};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::RecordView;
use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::OrgCaller;
use crate::json::ValidJson;

/// `NotFound` unless the record hangs on `person_id`.
fn belongs<T>(record: Record<T>, person_id: &str) -> ApiResult<Record<T>> {
    if record.person_id.as_deref() == Some(person_id) { Ok(record) } else { Err(ApiError::NotFound) }
}

macro_rules! person_records {
    (
        module: $module:ident, kind: $ty:ident, tag: $tag:literal,
        collection: $collection:literal, item: $item:literal,
        writers: $writers:expr, readers: $readers:expr,
        validate: |$value:ident, $today:ident| $validate:expr,
        store: ($add:ident, $list:ident, $get:ident, $update:ident $(, $delete:ident)?)
    ) => {
        pub mod $module {
            use super::*;

            pub fn router() -> OpenApiRouter<AppState> {
                let router = OpenApiRouter::new().routes(routes!(add, list)).routes(routes!(get, replace));
                $( let router = router.routes(routes!($delete)); )?
                router
            }

            #[doc = concat!("Add a record for a person. Roles: ", stringify!($writers), ".")]
            #[utoipa::path(post, path = $collection, tag = $tag, request_body = $ty, security(("bearer" = [])),
                params(("person_id" = String, Path)),
                responses((status = 201, body = RecordView<$ty>), (status = 400, body = Problem),
                    (status = 404, body = Problem), (status = 422, body = Problem)))]
            pub async fn add(
                State(state): State<AppState>,
                caller: OrgCaller,
                Path(person_id): Path<String>,
                ValidJson(value): ValidJson<$ty>,
            ) -> ApiResult<(StatusCode, Json<RecordView<$ty>>)> {
                caller.require($writers)?;
                let ($value, $today) = (&value, state.today());
                $validate?;
                let record = state.store.dataset(&caller.scope).$add(&person_id, &value).await?;
                Ok((StatusCode::CREATED, Json(record.into())))
            }

            #[doc = concat!("A person's records of this kind. Roles: ", stringify!($readers), ".")]
            #[utoipa::path(get, path = $collection, tag = $tag, security(("bearer" = [])),
                params(("person_id" = String, Path)),
                responses((status = 200, body = [RecordView<$ty>]), (status = 404, body = Problem)))]
            pub async fn list(
                State(state): State<AppState>,
                caller: OrgCaller,
                Path(person_id): Path<String>,
            ) -> ApiResult<Json<Vec<RecordView<$ty>>>> {
                caller.require($readers)?;
                let dataset = state.store.dataset(&caller.scope);
                // Listing an unknown person must be 404, not an empty list that confirms nothing exists.
                dataset.get_person(&person_id).await?;
                let records = dataset.$list(&person_id).await?;
                Ok(Json(records.into_iter().map(RecordView::from).collect()))
            }

            #[doc = concat!("One record. Roles: ", stringify!($readers), ".")]
            #[utoipa::path(get, path = $item, tag = $tag, security(("bearer" = [])),
                params(("person_id" = String, Path), ("record_id" = String, Path)),
                responses((status = 200, body = RecordView<$ty>), (status = 404, body = Problem)))]
            pub async fn get(
                State(state): State<AppState>,
                caller: OrgCaller,
                Path((person_id, record_id)): Path<(String, String)>,
            ) -> ApiResult<Json<RecordView<$ty>>> {
                caller.require($readers)?;
                let record = state.store.dataset(&caller.scope).$get(&record_id).await?;
                Ok(Json(belongs(record, &person_id)?.into()))
            }

            #[doc = concat!("Replace a record. Roles: ", stringify!($writers), ".")]
            #[utoipa::path(put, path = $item, tag = $tag, request_body = $ty, security(("bearer" = [])),
                params(("person_id" = String, Path), ("record_id" = String, Path)),
                responses((status = 200, body = RecordView<$ty>), (status = 404, body = Problem),
                    (status = 422, body = Problem)))]
            pub async fn replace(
                State(state): State<AppState>,
                caller: OrgCaller,
                Path((person_id, record_id)): Path<(String, String)>,
                ValidJson(value): ValidJson<$ty>,
            ) -> ApiResult<Json<RecordView<$ty>>> {
                caller.require($writers)?;
                let dataset = state.store.dataset(&caller.scope);
                belongs(dataset.$get(&record_id).await?, &person_id)?;
                let ($value, $today) = (&value, state.today());
                $validate?;
                Ok(Json(dataset.$update(&record_id, &value).await?.into()))
            }

            $(
            #[doc = concat!("Delete a record. Roles: ", stringify!($writers), ".")]
            #[utoipa::path(delete, path = $item, tag = $tag, security(("bearer" = [])),
                params(("person_id" = String, Path), ("record_id" = String, Path)),
                responses((status = 204), (status = 404, body = Problem)))]
            pub async fn $delete(
                State(state): State<AppState>,
                caller: OrgCaller,
                Path((person_id, record_id)): Path<(String, String)>,
            ) -> ApiResult<StatusCode> {
                caller.require($writers)?;
                let dataset = state.store.dataset(&caller.scope);
                belongs(dataset.$get(&record_id).await?, &person_id)?;
                dataset.$delete(&record_id).await?;
                Ok(StatusCode::NO_CONTENT)
            }
            )?
        }
    };
}

person_records! {
    module: checks, kind: EmploymentCheck, tag: "employment checks",
    collection: "/people/{person_id}/checks", item: "/people/{person_id}/checks/{record_id}",
    writers: &[Role::Hr], readers: &[Role::Hr],
    validate: |value, today| value.validate(today),
    store: (add_check, list_checks, get_check, update_check, delete_check)
}

person_records! {
    module: competences, kind: Competence, tag: "competences",
    collection: "/people/{person_id}/competences", item: "/people/{person_id}/competences/{record_id}",
    writers: &[Role::Training], readers: &[Role::Training],
    validate: |value, today| value.validate(today),
    store: (add_competence, list_competences, get_competence, update_competence, delete_competence)
}

person_records! {
    module: immunisations, kind: Immunisation, tag: "immunisations",
    collection: "/people/{person_id}/immunisations", item: "/people/{person_id}/immunisations/{record_id}",
    writers: &[Role::OccupationalHealth], readers: &[Role::OccupationalHealth],
    validate: |value, today| value.validate_entered(today),
    store: (add_immunisation, list_immunisations, get_immunisation, update_immunisation, delete_immunisation)
}

person_records! {
    module: assignments, kind: Assignment, tag: "assignments",
    collection: "/people/{person_id}/assignments", item: "/people/{person_id}/assignments/{record_id}",
    writers: &[Role::Hr], readers: &[Role::Hr, Role::Training, Role::OccupationalHealth],
    validate: |value, _today| value.validate(),
    store: (add_assignment, list_assignments, get_assignment, update_assignment)
}

/// A status change of an assignment.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    /// `active` (started) or `left`.
    pub status: AssignmentStatus,
    /// The day it takes effect: the start date for `active`, the end date for `left`.
    pub on: NaiveDate,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(checks::router())
        .merge(competences::router())
        .merge(immunisations::router())
        .merge(assignments::router())
        .routes(routes!(transition_assignment))
}

/// Move an assignment to a new status (Applicant → Active → Left; Applicant → Left). Role: hr.
#[utoipa::path(post, path = "/people/{person_id}/assignments/{record_id}/transition", tag = "assignments",
    request_body = Transition, security(("bearer" = [])),
    params(("person_id" = String, Path), ("record_id" = String, Path)),
    responses((status = 200, body = RecordView<Assignment>), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
async fn transition_assignment(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path((person_id, record_id)): Path<(String, String)>,
    ValidJson(transition): ValidJson<Transition>,
) -> ApiResult<Json<RecordView<Assignment>>> {
    caller.require(&[Role::Hr])?;
    let dataset = state.store.dataset(&caller.scope);
    belongs(dataset.get_assignment(&record_id).await?, &person_id)?;
    Ok(Json(dataset.transition_assignment(&record_id, transition.status, transition.on).await?.into()))
}
