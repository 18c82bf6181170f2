//! The registry of organisations: registry operators only.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::org::{NewOrganisation, OdsCode, OrgKind};
use serde::Serialize;
use store::Organisation;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{PageQuery, Paged};
use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::OperatorCaller;
use crate::json::ValidJson;
use crate::query::ValidQuery;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_organisation, list_organisations)).routes(routes!(get_organisation))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrganisationView {
    pub id: String,
    #[schema(value_type = String, example = "RJ1")]
    pub ods_code: OdsCode,
    pub name: String,
    pub kind: OrgKind,
    /// `active` or `suspended`.
    pub status: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<Organisation> for OrganisationView {
    fn from(org: Organisation) -> Self {
        OrganisationView {
            id: org.id,
            ods_code: org.ods_code,
            name: org.name,
            kind: org.kind,
            status: org.status.as_str().to_owned(),
            created_at: org.created_at,
        }
    }
}

/// Register an organisation. Role: registry operator.
#[utoipa::path(post, path = "/organisations", tag = "registry", request_body = NewOrganisation,
    security(("bearer" = [])),
    responses((status = 201, body = OrganisationView), (status = 422, body = Problem), (status = 409, body = Problem)))]
async fn create_organisation(
    State(state): State<AppState>,
    OperatorCaller(scope): OperatorCaller,
    ValidJson(new): ValidJson<NewOrganisation>,
) -> ApiResult<(StatusCode, Json<OrganisationView>)> {
    new.validate()?;
    let org = state.store.registry().create_organisation(&scope, &new).await?;
    Ok((StatusCode::CREATED, Json(org.into())))
}

/// List registered organisations by ODS code. Role: registry operator.
#[utoipa::path(get, path = "/organisations", tag = "registry", params(PageQuery), security(("bearer" = [])),
    responses((status = 200, body = Paged<OrganisationView>)))]
async fn list_organisations(
    State(state): State<AppState>,
    OperatorCaller(_scope): OperatorCaller,
    ValidQuery(query): ValidQuery<PageQuery>,
) -> ApiResult<Json<Paged<OrganisationView>>> {
    let page = state.store.registry().list_organisations(&query.page()?).await?;
    Ok(Json(Paged::map_from(page, OrganisationView::from)))
}

/// One organisation by ODS code. Role: registry operator.
#[utoipa::path(get, path = "/organisations/{ods_code}", tag = "registry", security(("bearer" = [])),
    params(("ods_code" = String, Path, description = "ODS code, e.g. RJ1")),
    responses((status = 200, body = OrganisationView), (status = 404, body = Problem)))]
async fn get_organisation(
    State(state): State<AppState>,
    OperatorCaller(_scope): OperatorCaller,
    Path(ods_code): Path<String>,
) -> ApiResult<Json<OrganisationView>> {
    let ods = OdsCode::parse(&ods_code).map_err(|_| crate::error::ApiError::NotFound)?;
    Ok(Json(state.store.registry().find_by_ods(&ods).await?.into()))
}
