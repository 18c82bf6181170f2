//! Compliance: one person against the roles they hold (or a named role), and the whole organisation.
//!
//! Which roles apply and how results merge is the store's policy (`store::dataset::summary`), which also caches
//! results per person so the organisation summary stays fast; this module only adds the "judge against this
//! role" view, which evaluates the person's record directly with the domain's `evaluate`.

use axum::Json;
use axum::extract::{Path, State};
use domain::compliance::{OrgSummary, PersonCompliance, evaluate};
use domain::cstf::Catalogue;
use serde::{Deserialize, Serialize};
use store::Role;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::OrgCaller;
use crate::query::ValidQuery;

const READERS: &[Role] = &[Role::Hr, Role::Training, Role::OccupationalHealth];

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(person_compliance)).routes(routes!(organisation_compliance))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoleQuery {
    /// Judge against this role code instead of the person's current assignments.
    pub role: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PersonComplianceView {
    pub person_id: String,
    /// The role judged against, when one was named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(flatten)]
    pub compliance: PersonCompliance,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// Cursor into the non-compliant list (the last person id seen).
    pub after: Option<String>,
    /// How many non-compliant people to list, 1 to 500 (default 100).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrganisationComplianceView {
    /// Counts over every person of the organisation; `non_compliant` is one page of the people who are not.
    pub summary: OrgSummary,
    /// Pass as `after` for the next page of `summary.non_compliant`.
    pub next: Option<String>,
}

/// A person's compliance with the roles they hold, or with `?role=`. Roles: hr, training, occupational_health.
#[utoipa::path(get, path = "/people/{person_id}/compliance", tag = "compliance", security(("bearer" = [])),
    params(("person_id" = String, Path), RoleQuery),
    responses((status = 200, body = PersonComplianceView), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
async fn person_compliance(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(person_id): Path<String>,
    ValidQuery(query): ValidQuery<RoleQuery>,
) -> ApiResult<Json<PersonComplianceView>> {
    caller.require(READERS)?;
    let dataset = state.store.dataset(&caller.scope);
    let today = state.today();
    let Some(code) = query.role.as_deref().map(str::trim) else {
        let compliance = dataset.person_compliance(&person_id, today, state.due_within_days).await?;
        return Ok(Json(PersonComplianceView { person_id, role: None, compliance }));
    };
    let record = dataset.person_record(&person_id).await?;
    let requirements = match dataset.get_role_requirements(code).await {
        Ok(found) => found.value,
        Err(store::StoreError::NotFound) => {
            return Err(ApiError::invalid("role", format!("no role {code} is defined")));
        }
        Err(other) => return Err(other.into()),
    };
    let compliance = evaluate(&record.value, &requirements, &Catalogue::national(), today, state.due_within_days);
    Ok(Json(PersonComplianceView { person_id: record.id, role: Some(code.to_owned()), compliance }))
}

/// Compliance across the caller's organisation: counts by status and the non-compliant people (paged by id).
/// Roles: hr, training, occupational_health.
#[utoipa::path(get, path = "/compliance", tag = "compliance", security(("bearer" = [])), params(SummaryQuery),
    responses((status = 200, body = OrganisationComplianceView), (status = 422, body = Problem)))]
async fn organisation_compliance(
    State(state): State<AppState>,
    caller: OrgCaller,
    ValidQuery(query): ValidQuery<SummaryQuery>,
) -> ApiResult<Json<OrganisationComplianceView>> {
    caller.require(READERS)?;
    let limit = query.limit.unwrap_or(100) as usize;
    if limit == 0 || limit > store::MAX_PAGE as usize {
        return Err(ApiError::invalid("limit", format!("must be between 1 and {}", store::MAX_PAGE)));
    }
    let dataset = state.store.dataset(&caller.scope);
    let mut summary = dataset.compliance_summary(state.today(), state.due_within_days).await?;
    // The store lists the non-compliant in person id order: page by id.
    let after = query.after.unwrap_or_default();
    let mut listed: Vec<_> = std::mem::take(&mut summary.non_compliant).into_iter().filter(|p| p.id > after).collect();
    let next = (listed.len() > limit).then(|| listed[limit - 1].id.clone());
    listed.truncate(limit);
    // HR acts on people, not ids: the page names each one (and the read is audited per person).
    dataset.name_people(&mut listed).await?;
    summary.non_compliant = listed;
    Ok(Json(OrganisationComplianceView { summary, next }))
}
