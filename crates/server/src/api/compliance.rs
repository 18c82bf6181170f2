//! Compliance: one person against the roles they hold (or a named role), and the whole organisation.
//!
//! A person is judged against the requirements of each current assignment (applicant or active); the worst
//! role decides their overall status. A role without defined requirements is itself a gap, so an unconfigured
//! role can never make people look compliant.

use std::borrow::Cow;
use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use domain::assignment::AssignmentStatus;
use domain::compliance::{ComplianceStatus, OrgSummary, PersonCompliance, PersonRecord, RequirementResult, evaluate};
use domain::cstf::Catalogue;
use domain::requirements::RoleRequirements;
use serde::{Deserialize, Serialize};
use store::{Page, Role};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::OrgCaller;

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

/// A person's compliance with one role.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoleCompliance {
    pub role_code: String,
    pub title: Option<String>,
    pub compliance: PersonCompliance,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PersonComplianceView {
    pub person_id: String,
    /// The worst status across the roles; `missing` when the person holds no current assignment.
    pub overall: ComplianceStatus,
    pub roles: Vec<RoleCompliance>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// Judge everyone against this role code instead of their own assignments.
    pub role: Option<String>,
    /// Cursor into the non-compliant list (the last person id seen).
    pub after: Option<String>,
    /// How many non-compliant people to list, 1 to 500 (default 100).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrganisationComplianceView {
    /// Counts over every person of the organisation who holds a current assignment (or everyone, with `role`).
    pub summary: OrgSummary,
    /// Pass as `after` for the next page of `summary.non_compliant`.
    pub next: Option<String>,
}

/// Roles to judge a person by, each with its requirements if the organisation defined them.
fn roles_for<'r>(
    record: &PersonRecord,
    requested: Option<&'r str>,
    roles: &'r HashMap<String, RoleRequirements>,
) -> Vec<(String, Option<&'r RoleRequirements>)> {
    let mut codes: Vec<String> = match requested {
        Some(code) => vec![code.to_owned()],
        None => record
            .assignments
            .iter()
            .filter(|a| matches!(a.status, AssignmentStatus::Applicant | AssignmentStatus::Active))
            .map(|a| a.role.trim().to_owned())
            .collect(),
    };
    codes.sort();
    codes.dedup();
    codes.into_iter().map(|code| (code.clone(), roles.get(&code))).collect()
}

fn undefined_role(code: &str) -> PersonCompliance {
    PersonCompliance {
        overall: ComplianceStatus::Missing,
        items: vec![RequirementResult {
            requirement: Cow::Owned(format!("role:{code}")),
            label: Cow::Borrowed("Role requirements"),
            status: ComplianceStatus::Missing,
            expires_on: None,
            reason: format!("no requirements are defined for role {code}"),
        }],
    }
}

fn judge(
    person_id: String,
    record: &PersonRecord,
    requested: Option<&str>,
    roles: &HashMap<String, RoleRequirements>,
    state: &AppState,
) -> PersonComplianceView {
    let catalogue = Catalogue::national();
    let today = state.today();
    let judged: Vec<RoleCompliance> = roles_for(record, requested, roles)
        .into_iter()
        .map(|(role_code, requirements)| match requirements {
            Some(req) => RoleCompliance {
                title: Some(req.title.clone()),
                compliance: evaluate(record, req, &catalogue, today, state.due_within_days),
                role_code,
            },
            None => RoleCompliance { compliance: undefined_role(&role_code), title: None, role_code },
        })
        .collect();
    let overall = judged.iter().map(|r| r.compliance.overall).max().unwrap_or(ComplianceStatus::Missing);
    PersonComplianceView { person_id, overall, roles: judged }
}

/// A person's compliance with each role they hold (or `?role=`). Roles: hr, training, occupational_health.
#[utoipa::path(get, path = "/people/{person_id}/compliance", tag = "compliance", security(("bearer" = [])),
    params(("person_id" = String, Path), RoleQuery),
    responses((status = 200, body = PersonComplianceView), (status = 404, body = Problem)))]
async fn person_compliance(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(person_id): Path<String>,
    Query(query): Query<RoleQuery>,
) -> ApiResult<Json<PersonComplianceView>> {
    caller.require(READERS)?;
    let dataset = state.store.dataset(&caller.scope);
    let record = dataset.person_record(&person_id).await?;
    let roles = role_map(dataset.all_role_requirements().await?);
    if let Some(code) = &query.role {
        roles.get(code.trim()).ok_or_else(|| ApiError::invalid("role", format!("no role {code} is defined")))?;
    }
    Ok(Json(judge(record.id, &record.value, query.role.as_deref().map(str::trim), &roles, &state)))
}

/// Compliance across the caller's organisation: counts by status and the non-compliant people (paged).
/// Roles: hr, training, occupational_health.
#[utoipa::path(get, path = "/compliance", tag = "compliance", security(("bearer" = [])), params(SummaryQuery),
    responses((status = 200, body = OrganisationComplianceView), (status = 422, body = Problem)))]
async fn organisation_compliance(
    State(state): State<AppState>,
    caller: OrgCaller,
    Query(query): Query<SummaryQuery>,
) -> ApiResult<Json<OrganisationComplianceView>> {
    caller.require(READERS)?;
    let limit = query.limit.unwrap_or(100);
    if limit == 0 || limit > store::MAX_PAGE {
        return Err(ApiError::invalid("limit", format!("must be between 1 and {}", store::MAX_PAGE)));
    }
    let dataset = state.store.dataset(&caller.scope);
    let roles = role_map(dataset.all_role_requirements().await?);
    let requested = query.role.as_deref().map(str::trim);
    if let Some(code) = requested {
        roles.get(code).ok_or_else(|| ApiError::invalid("role", format!("no role {code} is defined")))?;
    }
    let mut summary = OrgSummary::default();
    let mut page = Page::first(store::MAX_PAGE);
    loop {
        let batch = dataset.person_records(&page).await?;
        for record in &batch.items {
            let view = judge(record.id.clone(), &record.value, requested, &roles, &state);
            if view.roles.is_empty() {
                // Left or never assigned: nobody to hold to a role's requirements.
                continue;
            }
            summary.add(record.id.clone(), &PersonCompliance { overall: view.overall, items: flatten(view.roles) });
        }
        match batch.next {
            Some(next) => page.after = Some(next),
            None => break,
        }
    }
    // People are visited in id order, so the non-compliant list is too: page it by id.
    let after = query.after.unwrap_or_default();
    let mut listed: Vec<_> = summary.non_compliant.into_iter().filter(|p| p.id > after).collect();
    let next = (listed.len() > limit as usize).then(|| listed[limit as usize - 1].id.clone());
    listed.truncate(limit as usize);
    summary.non_compliant = listed;
    Ok(Json(OrganisationComplianceView { summary, next }))
}

fn role_map(roles: Vec<RoleRequirements>) -> HashMap<String, RoleRequirements> {
    roles.into_iter().map(|r| (r.role_code.trim().to_owned(), r)).collect()
}

fn flatten(roles: Vec<RoleCompliance>) -> Vec<RequirementResult> {
    roles.into_iter().flat_map(|r| r.compliance.items).collect()
}
