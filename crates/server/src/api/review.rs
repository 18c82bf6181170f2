//! The host's review of an answered presentation request: accept each presented credential that
//! met its requirement, or bypass a requirement with a reason. Accepted items land in the host's
//! dataset for the worker (matched by NI number, date of birth and surname, or created as an
//! applicant) as records with source `passport`, so the host's compliance counts them; the review
//! keeps the issuer's ODS code, the credential, who accepted and when. What the claims mean as
//! records is decided in `domain` (`CredentialClaims::add_evidence`); this module only renders.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use domain::assignment::{Assignment, AssignmentStatus, Band, StaffGroup};
use domain::compliance::{Evidence, ImmunityEvidence};
use domain::passport::CredentialClaims;
use domain::person::{NiNumber, Person};
use domain::requirements::Requirement;
use domain::transfer::matching::normalise_surname;
use serde::{Deserialize, Serialize};
use store::{AcceptedItem, BypassedItem, NewReview, PassportRecord, Review, ReviewDecision, Role};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::OrgCaller;
use crate::json::ValidJson;
use crate::oid4vp::{ReadyResult, RequirementOutcome};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_review, get_review))
}

/// The worker as the host knows them: the match key for their record here.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkerInput {
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: NaiveDate,
    pub ni_number: String,
}

/// A requirement waived by the reviewer.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BypassInput {
    pub requirement: String,
    /// Required: why the requirement is waived.
    pub reason: Option<String>,
}

/// The reviewer's decisions.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    pub worker: WorkerInput,
    /// Requirements whose presented credential is accepted (each must have been met).
    #[serde(default)]
    pub accept: Vec<String>,
    #[serde(default)]
    pub bypass: Vec<BypassInput>,
    /// Take the worker on here as an applicant for the request's role.
    #[serde(default)]
    pub applicant: Option<ApplicantInput>,
}

/// The applicant assignment to add for the request's role.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicantInput {
    pub staff_group: StaffGroup,
    pub band: Band,
    /// The planned start.
    pub start_date: NaiveDate,
}

/// One decided requirement.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReviewItemView {
    pub requirement: String,
    /// `accepted` or `bypassed`.
    pub decision: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For an accepted item: where it came from (`source` is `passport`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<ItemProvenance>,
    /// The host's records written for it.
    pub record_ids: Vec<String>,
}

/// Where an accepted item came from and who took it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ItemProvenance {
    pub source: String,
    pub issuer_ods: String,
    pub credential_id: String,
    pub accepted_by: String,
    pub accepted_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<NaiveDate>,
}

/// A recorded review.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReviewView {
    pub request_id: String,
    pub person_id: String,
    /// The worker was new here and was created as an applicant.
    pub person_created: bool,
    pub reviewed_by: String,
    pub reviewed_at: DateTime<Utc>,
    pub items: Vec<ReviewItemView>,
    /// The applicant assignment this review added, in the response that recorded it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applicant_assignment_id: Option<String>,
}

impl From<Review> for ReviewView {
    fn from(r: Review) -> Self {
        let items = r
            .items
            .into_iter()
            .map(|i| {
                let provenance = match (i.decision, i.issuer_ods, i.credential_id) {
                    (ReviewDecision::Accepted, Some(issuer_ods), Some(credential_id)) => Some(ItemProvenance {
                        source: "passport".into(),
                        issuer_ods,
                        credential_id,
                        accepted_by: r.reviewed_by.clone(),
                        accepted_at: r.reviewed_at,
                        expires_on: i.expires_on,
                    }),
                    _ => None,
                };
                ReviewItemView {
                    requirement: i.requirement,
                    decision: match i.decision {
                        ReviewDecision::Accepted => "accepted".into(),
                        ReviewDecision::Bypassed => "bypassed".into(),
                    },
                    reason: i.reason,
                    provenance,
                    record_ids: i.record_ids,
                }
            })
            .collect();
        ReviewView {
            request_id: r.request_id,
            person_id: r.person_id,
            person_created: r.person_created,
            reviewed_by: r.reviewed_by,
            reviewed_at: r.reviewed_at,
            items,
            applicant_assignment_id: r.applicant_assignment_id,
        }
    }
}

/// The records an accepted outcome vouches for, by the domain's reading of its claims.
fn records_of(outcome: &RequirementOutcome, field: &str) -> Result<Vec<PassportRecord>, ApiError> {
    let (Some(credential), Some(claims)) = (&outcome.credential, &outcome.claims) else {
        return Err(ApiError::invalid(field, "no credential was accepted for this requirement"));
    };
    let claims = CredentialClaims::from_disclosed(credential.kind, claims)
        .map_err(|e| ApiError::Internal(format!("stored claims: {}", e.0)))?;
    let mut evidence = Evidence::default();
    claims.add_evidence(&mut evidence).map_err(|e| ApiError::invalid(field, e.0))?;
    let mut records: Vec<PassportRecord> = evidence.checks.into_iter().map(PassportRecord::Check).collect();
    records.extend(evidence.competences.into_iter().map(PassportRecord::Competence));
    // An occupational health credential speaks for several antigens; the item accepts the one asked.
    let asked = |i: &ImmunityEvidence| Requirement::Immunisation(i.antigen).id() == outcome.requirement;
    records
        .extend(evidence.immunities.into_iter().filter(asked).map(|i| PassportRecord::Immunisation(i.into_record())));
    Ok(records)
}

/// Review an answered request: accept met requirements, bypass others with a reason. Role:
/// verifier or hr. 422 names the field at fault (`bypass[0].reason` for a bypass without a
/// reason, `accept[1]` for a requirement that was not met, `worker.family_name` for a worker who
/// is not the one who presented); 409 when the request was reviewed already; another
/// organisation's request is 404.
#[utoipa::path(post, path = "/presentation-requests/{request_id}/review", tag = "credentials",
    request_body = ReviewInput, security(("bearer" = [])), params(("request_id" = String, Path)),
    responses((status = 201, body = ReviewView), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
async fn create_review(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(request_id): Path<String>,
    ValidJson(input): ValidJson<ReviewInput>,
) -> ApiResult<(StatusCode, Json<ReviewView>)> {
    caller.require(&[Role::Verifier, Role::Hr])?;
    let review = record_review(&state, &caller.scope, &request_id, &input).await?;
    Ok((StatusCode::CREATED, Json(review.into())))
}

/// Checks the reviewer's decisions against the request's answer and records them: what
/// [`create_review`] does after authorising, shared with the portal's review page. The errors are
/// the route's (422 naming the field, 409 when reviewed already, 404 for another organisation's).
pub async fn record_review(
    state: &AppState,
    scope: &store::OrgScope,
    request_id: &str,
    input: &ReviewInput,
) -> ApiResult<Review> {
    let dataset = state.store.dataset(scope);
    let record = dataset.get_presentation_request(request_id).await?;
    let result: ReadyResult = match record.result_doc.as_deref() {
        Some(doc) => serde_json::from_str(doc).map_err(|e| ApiError::Internal(e.to_string()))?,
        None => return Err(ApiError::invalid("request", "has not been answered yet")),
    };
    let worker = &input.worker;
    let ni = NiNumber::parse(&worker.ni_number).map_err(|e| ApiError::invalid("worker.ni_number", e.to_string()))?;
    if let Some(presented) = &result.family_name
        && normalise_surname(presented) != normalise_surname(&worker.family_name)
    {
        return Err(ApiError::invalid("worker.family_name", "differs from the family name the wallet presented"));
    }
    let outcome = |requirement: &str| result.requirements.iter().find(|o| o.requirement == requirement);
    let mut decided: Vec<&str> = Vec::new();
    let mut bypassed = Vec::new();
    for (i, b) in input.bypass.iter().enumerate() {
        let reason = b.reason.as_deref().map(str::trim).unwrap_or_default();
        if reason.is_empty() {
            return Err(ApiError::invalid(format!("bypass[{i}].reason"), "a bypass needs a reason"));
        }
        if outcome(&b.requirement).is_none() {
            return Err(ApiError::invalid(format!("bypass[{i}].requirement"), "is not a requirement of this request"));
        }
        decided.push(&b.requirement);
        bypassed.push(BypassedItem { requirement: b.requirement.clone(), reason: reason.to_owned() });
    }
    let mut accepted = Vec::new();
    for (i, requirement) in input.accept.iter().enumerate() {
        let field = format!("accept[{i}]");
        let Some(o) = outcome(requirement) else {
            return Err(ApiError::invalid(field, "is not a requirement of this request"));
        };
        if decided.contains(&requirement.as_str()) {
            return Err(ApiError::invalid(field, "is decided twice"));
        }
        if !o.met {
            return Err(ApiError::invalid(field, "was not met: bypass it with a reason instead"));
        }
        let (Some(issuer), Some(id)) = (&o.issued_by, o.credential.as_ref().and_then(|c| c.id.clone())) else {
            return Err(ApiError::invalid(field, "no credential was accepted for this requirement"));
        };
        accepted.push(AcceptedItem {
            requirement: requirement.clone(),
            issuer_ods: issuer.ods_code.clone(),
            credential_id: id,
            expires_on: o.expires_on,
            records: records_of(o, &field)?,
        });
        decided.push(requirement);
    }
    if decided.is_empty() {
        return Err(ApiError::invalid("accept", "accept or bypass at least one requirement"));
    }
    let person = Person {
        given_name: worker.given_name.trim().to_owned(),
        family_name: worker.family_name.trim().to_owned(),
        date_of_birth: worker.date_of_birth,
        ni_number: Some(ni),
        address: None,
        email: None,
        phone: None,
        registrations: Vec::new(),
        smartcard_uuid: None,
    };
    person.validate(state.today()).map_err(|errors| ApiError::from(errors.under("worker")))?;
    let applicant = match &input.applicant {
        Some(a) => {
            let assignment = Assignment {
                role: record.role_code.clone(),
                staff_group: a.staff_group,
                band: a.band.clone(),
                start_date: a.start_date,
                end_date: None,
                status: AssignmentStatus::Applicant,
            };
            assignment.validate().map_err(|errors| ApiError::from(errors.under("applicant")))?;
            Some(assignment)
        }
        None => None,
    };
    let review = NewReview { request_id, worker: &person, accepted, bypassed, applicant };
    Ok(dataset.record_review(&review).await?)
}

/// The review of a request. Role: verifier or hr. 404 when it has not been reviewed or is another
/// organisation's.
#[utoipa::path(get, path = "/presentation-requests/{request_id}/review", tag = "credentials",
    security(("bearer" = [])), params(("request_id" = String, Path)),
    responses((status = 200, body = ReviewView), (status = 404, body = Problem)))]
async fn get_review(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(request_id): Path<String>,
) -> ApiResult<Json<ReviewView>> {
    caller.require(&[Role::Verifier, Role::Hr])?;
    let review = state.store.dataset(&caller.scope).get_review(&request_id).await?;
    Ok(Json(review.into()))
}
