//! Inter-authority transfer: the worker's consent, matches, proposals and their approval, stage 1
//! and 2, reports, and the HR queue. Every route needs the `hr` or `admin` role; the rules live in
//! `domain::transfer`, the copying in the store. A transfer that cannot go ahead (no consent, not
//! approved, no applicant assignment) is a 422 problem naming the field and the refusal's code.
//!
//! The actions are `pub(crate)` functions taking the caller (role check first), so the portal's
//! pages (`web::transfers`) act through exactly the rules the API applies.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::org::OdsCode;
use domain::transfer::{
    ConsentInput, ConsentRecord, ConsentState, MatchCandidate, ServiceEntry, TransferRefusal, TransferReport,
    TransferStatus, TransferSummary,
};
use serde::{Deserialize, Serialize};
use store::{Proposal, Role};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{PageQuery, Paged};
use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::OrgCaller;
use crate::json::ValidJson;
use crate::query::ValidQuery;

/// Who may use transfers (as `roles::Permission::Transfers`).
pub(crate) const ROLES: &[Role] = &[Role::Hr, Role::Admin];

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(record_consent, read_consent))
        .routes(routes!(matches))
        .routes(routes!(propose, person_transfers))
        .routes(routes!(automatic))
        .routes(routes!(remote))
        .routes(routes!(service_history))
        .routes(routes!(queue))
        .routes(routes!(report))
        .routes(routes!(approve))
        .routes(routes!(run_stage1))
        .routes(routes!(run_stage2))
}

/// Records the worker's consent statement (or its withdrawal), checked by the domain first.
pub(crate) async fn record_consent_for(
    state: &AppState,
    caller: &OrgCaller,
    person_id: &str,
    input: &ConsentInput,
) -> ApiResult<ConsentRecord> {
    caller.require(ROLES)?;
    input.validate()?;
    Ok(state.store.dataset(&caller.scope).record_transfer_consent(person_id, input).await?)
}

/// Proposes a transfer from a matching earlier record (approved at once when automatic).
pub(crate) async fn propose_for(
    state: &AppState,
    caller: &OrgCaller,
    person_id: &str,
    source_ods: &OdsCode,
    source_person_id: &str,
) -> ApiResult<Proposal> {
    caller.require(ROLES)?;
    Ok(state.store.dataset(&caller.scope).propose_transfer(person_id, source_ods, source_person_id).await?)
}

/// Takes the automatic match, or refuses (`no_match`, `ambiguous`).
pub(crate) async fn automatic_for(state: &AppState, caller: &OrgCaller, person_id: &str) -> ApiResult<Proposal> {
    caller.require(ROLES)?;
    state.store.dataset(&caller.scope).auto_transfer(person_id).await?.map_err(refused)
}

/// Transfers from a previous employer served by another deployment (see [`crate::iat`]).
pub(crate) async fn remote_for(
    state: &AppState,
    caller: &OrgCaller,
    person_id: &str,
    source_ods: &OdsCode,
) -> ApiResult<TransferReport> {
    caller.require(ROLES)?;
    crate::iat::request_transfer(state, &caller.scope, person_id, source_ods).await
}

/// Approves a proposed match; its proposer may not (`approved_by`).
pub(crate) async fn approve_for(state: &AppState, caller: &OrgCaller, transfer_id: &str) -> ApiResult<TransferSummary> {
    caller.require(ROLES)?;
    Ok(state.store.dataset(&caller.scope).approve_transfer(transfer_id).await?)
}

/// Runs stage 1, or refuses (consent, approval, applicant assignment).
pub(crate) async fn stage1_for(state: &AppState, caller: &OrgCaller, transfer_id: &str) -> ApiResult<TransferReport> {
    caller.require(ROLES)?;
    state.store.dataset(&caller.scope).run_transfer(transfer_id).await?.map_err(refused)
}

/// Runs stage 2 now, or refuses (before stage 1, consent withdrawn).
pub(crate) async fn stage2_for(state: &AppState, caller: &OrgCaller, transfer_id: &str) -> ApiResult<TransferReport> {
    caller.require(ROLES)?;
    state.store.dataset(&caller.scope).run_transfer_stage2(transfer_id).await?.map_err(refused)
}

/// The field a refusal is about, for the 422 problem.
fn refused(refusal: TransferRefusal) -> ApiError {
    let field = match refusal {
        TransferRefusal::NoConsent | TransferRefusal::ConsentWithdrawn => "consent",
        TransferRefusal::NotApproved => "status",
        TransferRefusal::SameApprover => "approved_by",
        TransferRefusal::NoApplicantAssignment => "assignment",
        TransferRefusal::NoMatch | TransferRefusal::Ambiguous => "source_person_id",
    };
    ApiError::invalid(field, format!("{}: {}", refusal.code(), refusal.message()))
}

/// The worker's consent statements and where they stand.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsentView {
    pub state: ConsentState,
    pub statements: Vec<ConsentRecord>,
}

/// Record the worker's consent to a transfer, or its withdrawal (`given: false`). A paper consent
/// needs `evidence_ref`. Roles: hr, admin.
#[utoipa::path(post, path = "/people/{person_id}/transfer-consent", tag = "transfers", request_body = ConsentInput,
    security(("bearer" = [])), params(("person_id" = String, Path)),
    responses((status = 201, body = ConsentRecord), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn record_consent(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(person_id): Path<String>,
    ValidJson(input): ValidJson<ConsentInput>,
) -> ApiResult<(StatusCode, Json<ConsentRecord>)> {
    let record = record_consent_for(&state, &caller, &person_id, &input).await?;
    Ok((StatusCode::CREATED, Json(record)))
}

/// The worker's consent statements, oldest first, and the current state. Roles: hr, admin.
#[utoipa::path(get, path = "/people/{person_id}/transfer-consent", tag = "transfers", security(("bearer" = [])),
    params(("person_id" = String, Path)),
    responses((status = 200, body = ConsentView), (status = 404, body = Problem)))]
async fn read_consent(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(person_id): Path<String>,
) -> ApiResult<Json<ConsentView>> {
    caller.require(ROLES)?;
    let (state_now, statements) = state.store.dataset(&caller.scope).transfer_consent(&person_id).await?;
    Ok(Json(ConsentView { state: state_now, statements }))
}

/// Earlier records in other organisations that match the applicant: `automatic` (NI number, date
/// of birth and surname) or `partial` (two of three), with the recency of each employment.
/// Audited on both organisations' chains. Roles: hr, admin.
#[utoipa::path(get, path = "/people/{person_id}/transfer-matches", tag = "transfers", security(("bearer" = [])),
    params(("person_id" = String, Path)),
    responses((status = 200, body = Vec<MatchCandidate>), (status = 404, body = Problem)))]
async fn matches(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(person_id): Path<String>,
) -> ApiResult<Json<Vec<MatchCandidate>>> {
    caller.require(ROLES)?;
    Ok(Json(state.store.dataset(&caller.scope).transfer_candidates(&person_id).await?))
}

/// Which earlier record to transfer from.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeBody {
    pub source_ods: OdsCode,
    pub source_person_id: String,
}

/// Propose a transfer from a matching earlier record. An automatic match is approved at once; a
/// partial match waits for another HR user or an admin to approve it. Roles: hr, admin.
#[utoipa::path(post, path = "/people/{person_id}/transfers", tag = "transfers", request_body = ProposeBody,
    security(("bearer" = [])), params(("person_id" = String, Path)),
    responses((status = 201, body = TransferSummary), (status = 200, body = TransferSummary, description = "proposed before"),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn propose(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(person_id): Path<String>,
    ValidJson(body): ValidJson<ProposeBody>,
) -> ApiResult<(StatusCode, Json<TransferSummary>)> {
    let proposal = propose_for(&state, &caller, &person_id, &body.source_ods, &body.source_person_id).await?;
    let status = if proposal.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(proposal.transfer)))
}

/// Match and, when one earlier record is the automatic choice (all three facts, the most recent
/// employment), create its approved transfer; otherwise 422 (`no_match`, or `ambiguous` for HR to
/// decide). Roles: hr, admin.
#[utoipa::path(post, path = "/people/{person_id}/transfers/automatic", tag = "transfers", security(("bearer" = [])),
    params(("person_id" = String, Path)),
    responses((status = 201, body = TransferSummary), (status = 200, body = TransferSummary, description = "found before"),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn automatic(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(person_id): Path<String>,
) -> ApiResult<(StatusCode, Json<TransferSummary>)> {
    let proposal = automatic_for(&state, &caller, &person_id).await?;
    let status = if proposal.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(proposal.transfer)))
}

/// The organisation a transfer across deployments comes from.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoteBody {
    /// The previous employer, served by another deployment this one trusts.
    pub source_ods: OdsCode,
}

/// Transfer from a previous employer served by another deployment: the request, signed with this
/// organisation's key, carries the worker's NI number, date of birth, family name and consent; the
/// data set comes back signed by the previous employer and is verified against the trust lists,
/// then copied as stage 1 is (all or nothing, with provenance and report). Needs current consent
/// and an applicant assignment; a transfer already done returns its report and asks nobody. A
/// refusal by either side is a 422 naming its code. Roles: hr, admin.
#[utoipa::path(post, path = "/people/{person_id}/transfers/remote", tag = "transfers", request_body = RemoteBody,
    security(("bearer" = [])), params(("person_id" = String, Path)),
    responses((status = 200, body = TransferReport), (status = 404, body = Problem), (status = 422, body = Problem),
        (status = 502, body = Problem, description = "the previous employer's deployment did not answer")))]
async fn remote(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(person_id): Path<String>,
    ValidJson(body): ValidJson<RemoteBody>,
) -> ApiResult<Json<TransferReport>> {
    Ok(Json(remote_for(&state, &caller, &person_id, &body.source_ods).await?))
}

/// The transfers into this person's record, oldest first (what the worker is shown of them).
/// Roles: hr, admin.
#[utoipa::path(get, path = "/people/{person_id}/transfers", tag = "transfers", security(("bearer" = [])),
    params(("person_id" = String, Path)),
    responses((status = 200, body = Vec<TransferSummary>), (status = 404, body = Problem)))]
async fn person_transfers(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(person_id): Path<String>,
) -> ApiResult<Json<Vec<TransferSummary>>> {
    caller.require(ROLES)?;
    Ok(Json(state.store.dataset(&caller.scope).transfers_for_person(&person_id).await?))
}

/// The person's NHS service history brought by transfers (stage 2), oldest first. Roles: hr, admin.
#[utoipa::path(get, path = "/people/{person_id}/service-history", tag = "transfers", security(("bearer" = [])),
    params(("person_id" = String, Path)),
    responses((status = 200, body = Vec<ServiceEntry>), (status = 404, body = Problem)))]
async fn service_history(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(person_id): Path<String>,
) -> ApiResult<Json<Vec<ServiceEntry>>> {
    caller.require(ROLES)?;
    Ok(Json(state.store.dataset(&caller.scope).service_history(&person_id).await?))
}

/// `?status=&after=&limit=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// Only transfers in this state (`proposed`: manual matches waiting for approval).
    #[param(inline)]
    pub status: Option<TransferStatus>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
    /// Page size, 1 to 500 (default 100).
    pub limit: Option<u32>,
}

/// The organisation's transfers, newest first; `?status=proposed` is the HR queue of manual
/// matches to approve. Roles: hr, admin.
#[utoipa::path(get, path = "/transfers", tag = "transfers", security(("bearer" = [])), params(QueueQuery),
    responses((status = 200, body = Paged<TransferSummary>), (status = 422, body = Problem)))]
async fn queue(
    State(state): State<AppState>,
    caller: OrgCaller,
    ValidQuery(query): ValidQuery<QueueQuery>,
) -> ApiResult<Json<Paged<TransferSummary>>> {
    caller.require(ROLES)?;
    let page = PageQuery { after: query.after, limit: query.limit }.page()?;
    let listed = state.store.dataset(&caller.scope).list_transfers(query.status, &page).await?;
    Ok(Json(Paged { items: listed.items, next: listed.next }))
}

/// A transfer and its report: what each stage copied, kept or left out, and why. Roles: hr, admin.
#[utoipa::path(get, path = "/transfers/{transfer_id}", tag = "transfers", security(("bearer" = [])),
    params(("transfer_id" = String, Path)),
    responses((status = 200, body = TransferReport), (status = 404, body = Problem)))]
async fn report(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(transfer_id): Path<String>,
) -> ApiResult<Json<TransferReport>> {
    caller.require(ROLES)?;
    Ok(Json(state.store.dataset(&caller.scope).transfer_report(&transfer_id).await?))
}

/// Approve a proposed (partial) match: the approver must not be its proposer. Roles: hr, admin.
#[utoipa::path(post, path = "/transfers/{transfer_id}/approve", tag = "transfers", security(("bearer" = [])),
    params(("transfer_id" = String, Path)),
    responses((status = 200, body = TransferSummary), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn approve(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(transfer_id): Path<String>,
) -> ApiResult<Json<TransferSummary>> {
    Ok(Json(approve_for(&state, &caller, &transfer_id).await?))
}

/// Run stage 1: copy the Portable Data Set into the applicant record, all or nothing. Running it
/// again returns the same report and changes nothing. Roles: hr, admin.
#[utoipa::path(post, path = "/transfers/{transfer_id}/run", tag = "transfers", security(("bearer" = [])),
    params(("transfer_id" = String, Path)),
    responses((status = 200, body = TransferReport), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn run_stage1(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(transfer_id): Path<String>,
) -> ApiResult<Json<TransferReport>> {
    Ok(Json(stage1_for(&state, &caller, &transfer_id).await?))
}

/// Run stage 2 now (it also runs when the applicant assignment becomes active): NHS service
/// history and updated personal details. Roles: hr, admin.
#[utoipa::path(post, path = "/transfers/{transfer_id}/stage2", tag = "transfers", security(("bearer" = [])),
    params(("transfer_id" = String, Path)),
    responses((status = 200, body = TransferReport), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn run_stage2(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(transfer_id): Path<String>,
) -> ApiResult<Json<TransferReport>> {
    Ok(Json(stage2_for(&state, &caller, &transfer_id).await?))
}
