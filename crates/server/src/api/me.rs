//! Worker self-service under `/api/v1/me`, HR's invitations to it, and HR's view of what workers changed.
//!
//! A worker account belongs to no organisation: its token opens no organisation's dataset, so every other
//! route answers it 404. Here [`WorkerCaller`] admits only worker tokens, and every route reaches records
//! through the store's [`store::Me`], which follows the account's links and never takes a person id from
//! the request: an organisation where the worker has no linked record is 404 like a missing one.
//! Check details are summarised (kind, outcome, dates, DBS level): certificate and document numbers stay
//! with HR.

use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use chrono::{DateTime, NaiveDate, Utc};
use domain::assignment::Assignment;
use domain::checks::{CheckDetails, CheckOutcome, EmploymentCheck};
use domain::compliance::{PersonCompliance, evaluate};
use domain::cstf::{Catalogue, Competence};
use domain::immunisation::{Immunisation, OhClearance};
use domain::passport::PassportType;
use domain::person::{Address, Person};
use domain::transfer::{ConsentRecord, ConsentState, TransferSummary};
use serde::{Deserialize, Serialize};
use store::{AcceptInvitation, AccessActor, ContactDetails, MyRecord, Role, StoreError, WorkerScope};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ProvenanceView;
use super::offers::OfferRequest;
use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Caller, OrgCaller};
use crate::http::ClientAddr;
use crate::json::ValidJson;
use crate::oid4vci::{self, CreatedOffer};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(invite))
        .routes(routes!(contact_history))
        .routes(routes!(accept))
        .routes(routes!(worker_token))
        .routes(routes!(me))
        .routes(routes!(record))
        .routes(routes!(compliance))
        .routes(routes!(credentials))
        .routes(routes!(create_offer))
        .routes(routes!(update_contact))
        .routes(routes!(access_log))
        .routes(routes!(transfer_consent, set_transfer_consent))
        .routes(routes!(transfers))
}

/// A worker account, acting on its own records.
pub struct WorkerCaller(pub WorkerScope);

impl FromRequestParts<AppState> for WorkerCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Caller(principal) = Caller::from_request_parts(parts, state).await?;
        // Organisation users and operators have no self-service: to them these routes do not exist.
        principal.worker_scope().map(WorkerCaller).ok_or(ApiError::NotFound)
    }
}

// ---- HR: invitations and the contact history ----

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    /// Where HR sends the invitation; the worker's account is identified by it.
    pub email: String,
}

/// A new invitation; `token` is shown only here: send it (or `accept_link`) to the worker.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvitationView {
    pub id: String,
    pub person_id: String,
    pub email: String,
    pub ods_code: String,
    pub token: String,
    /// The portal page where the worker accepts it.
    pub accept_link: String,
    pub expires_at: DateTime<Utc>,
}

/// Invite a person of the caller's organisation to worker self-service: a one-time invitation valid for
/// 72 hours. Role: hr.
#[utoipa::path(post, path = "/people/{person_id}/worker-invitations", tag = "self-service",
    request_body = InviteRequest, security(("bearer" = [])), params(("person_id" = String, Path)),
    responses((status = 201, body = InvitationView), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
async fn invite(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(person_id): Path<String>,
    ValidJson(request): ValidJson<InviteRequest>,
) -> ApiResult<(StatusCode, Json<InvitationView>)> {
    caller.require(&[Role::Hr])?;
    domain::person::check_email(&request.email)?;
    let invitation =
        state.store.auth().invite_worker(&caller.scope, &person_id, &request.email, (state.clock)()).await?;
    let org = state.store.registry().get_organisation(caller.scope.org_id()).await?;
    let ods_code = org.ods_code.as_str().to_owned();
    let accept_link = format!("{}/me/accept?ods={ods_code}&token={}", state.public_url(), invitation.token);
    Ok((
        StatusCode::CREATED,
        Json(InvitationView {
            id: invitation.id,
            person_id: invitation.person_id,
            email: invitation.email,
            ods_code,
            token: invitation.token,
            accept_link,
            expires_at: invitation.expires_at,
        }),
    ))
}

/// One self-service change of contact details.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContactChangeView {
    pub id: String,
    pub before: ContactView,
    pub after: ContactView,
    pub provenance: ProvenanceView,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContactView {
    pub address: Option<Address>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl From<ContactDetails> for ContactView {
    fn from(c: ContactDetails) -> Self {
        ContactView { address: c.address, phone: c.phone, email: c.email }
    }
}

/// The history of a person's contact details as changed by the worker through self-service, newest first.
/// Role: hr.
#[utoipa::path(get, path = "/people/{person_id}/contact-history", tag = "self-service", security(("bearer" = [])),
    params(("person_id" = String, Path)),
    responses((status = 200, body = Vec<ContactChangeView>), (status = 404, body = Problem)))]
async fn contact_history(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(person_id): Path<String>,
) -> ApiResult<Json<Vec<ContactChangeView>>> {
    caller.require(&[Role::Hr])?;
    let history = state.store.dataset(&caller.scope).contact_history(&person_id).await?;
    Ok(Json(
        history
            .into_iter()
            .map(|c| ContactChangeView {
                id: c.id,
                before: c.before.into(),
                after: c.after.into(),
                provenance: c.provenance.into(),
            })
            .collect(),
    ))
}

// ---- The worker: accepting, signing in ----

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptRequest {
    /// The inviting organisation's ODS code, as the invitation names it.
    pub ods_code: String,
    pub token: String,
    /// A new account's password (at least 10 characters), or the existing account's for this email.
    pub password: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WorkerTokenView {
    /// Bearer token for `/api/v1/me/…` (shown once).
    pub token: String,
    pub account_id: String,
}

/// Accept an invitation: makes the worker account (or links this record to the existing account of the same
/// email, with its password) and returns a token. Refusals name `token` (unknown, another organisation's,
/// expired, used) or `password`. No token needed.
#[utoipa::path(post, path = "/worker-invitations/accept", tag = "self-service", request_body = AcceptRequest,
    responses((status = 201, body = WorkerTokenView), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn accept(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ValidJson(request): ValidJson<AcceptRequest>,
) -> ApiResult<(StatusCode, Json<WorkerTokenView>)> {
    let accept = AcceptInvitation { ods_code: &request.ods_code, token: &request.token, password: &request.password };
    let principal = state.store.auth().from_client(client).accept_invitation(&accept, (state.clock)()).await?;
    let scope = principal.worker_scope().ok_or_else(|| ApiError::Internal("accepted without a worker".into()))?;
    let issued = state.store.auth().issue_worker_token(&scope, "self-service").await?;
    Ok((StatusCode::CREATED, Json(WorkerTokenView { token: issued.token, account_id: scope.account_id().to_owned() })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkerLogin {
    pub email: String,
    pub password: String,
}

/// A worker's password sign-in: a bearer token for `/api/v1/me/…`. No token needed.
#[utoipa::path(post, path = "/auth/worker-token", tag = "self-service", request_body = WorkerLogin,
    responses((status = 201, body = WorkerTokenView), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn worker_token(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ValidJson(request): ValidJson<WorkerLogin>,
) -> ApiResult<(StatusCode, Json<WorkerTokenView>)> {
    let auth = state.store.auth().from_client(client);
    let principal = match auth.worker_login(&request.email, &request.password).await {
        Ok(p) => p,
        Err(StoreError::Unauthenticated | StoreError::NotFound) => return Err(ApiError::Unauthenticated),
        Err(other) => return Err(other.into()),
    };
    let scope = principal.worker_scope().ok_or(ApiError::Unauthenticated)?;
    let issued = state.store.auth().issue_worker_token(&scope, "sign-in").await?;
    Ok((StatusCode::CREATED, Json(WorkerTokenView { token: issued.token, account_id: scope.account_id().to_owned() })))
}

// ---- The worker's own records ----

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeView {
    pub account_id: String,
    pub email: String,
    pub display_name: String,
    /// Every organisation holding a record of yours linked to this account.
    pub organisations: Vec<MyOrganisationView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MyOrganisationView {
    pub ods_code: String,
    pub name: String,
    pub linked_at: DateTime<Utc>,
}

/// Your account and the organisations holding your records. Role: worker.
#[utoipa::path(get, path = "/me", tag = "self-service", security(("bearer" = [])),
    responses((status = 200, body = MeView)))]
async fn me(State(state): State<AppState>, WorkerCaller(scope): WorkerCaller) -> ApiResult<Json<MeView>> {
    let account = state.store.auth().worker_account(&scope).await?;
    let organisations = state.store.me(&scope).organisations().await?;
    Ok(Json(MeView {
        account_id: account.id,
        email: account.email,
        display_name: account.display_name,
        organisations: organisations
            .into_iter()
            .map(|o| MyOrganisationView { ods_code: o.ods_code, name: o.name, linked_at: o.linked_at })
            .collect(),
    }))
}

/// A check as the worker sees it: what, the outcome and dates, never certificate or document numbers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckSummary {
    /// `identity`, `right_to_work`, `professional_registration`, `employment_history`, `criminal_record`,
    /// `work_health`.
    pub kind: String,
    pub label: String,
    pub outcome: CheckOutcome,
    pub completed_on: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
    /// For a DBS check, its level (`enhanced_adults`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
}

impl CheckSummary {
    pub fn of(check: &EmploymentCheck) -> Self {
        let level = match &check.details {
            CheckDetails::CriminalRecord(dbs) => {
                serde_json::to_value(dbs.level).ok().and_then(|v| v.as_str().map(str::to_owned))
            }
            _ => None,
        };
        CheckSummary {
            kind: check.kind().key().to_owned(),
            label: check.kind().label().to_owned(),
            outcome: check.outcome,
            completed_on: check.completed_on,
            expires_on: check.expires_on(),
            level,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CompetenceSummary {
    /// `cstf:fire_safety:1`, `local:CODE`.
    pub key: String,
    pub name: String,
    pub completed_on: NaiveDate,
    /// From the national refresher period; none when it never expires.
    pub expires_on: Option<NaiveDate>,
}

impl CompetenceSummary {
    pub fn of(c: &Competence) -> Self {
        CompetenceSummary {
            key: c.competence.key(),
            name: c.competence.label(),
            completed_on: c.completed_on,
            expires_on: c.expires_on(),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImmunisationSummary {
    pub antigen: String,
    pub label: String,
    /// As occupational health recorded it (`immune`, `complete`, `in_progress`, …).
    pub status: String,
}

impl ImmunisationSummary {
    fn of(i: &Immunisation) -> Self {
        ImmunisationSummary {
            antigen: i.antigen().key().to_owned(),
            label: i.antigen().label().to_owned(),
            status: serde_json::to_value(i.status).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
        }
    }
}

/// Your record in one organisation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MyRecordView {
    pub ods_code: String,
    pub organisation: String,
    pub personal_details: Person,
    /// Who last changed the personal details, and how (`self_service` when you did).
    pub provenance: ProvenanceView,
    pub assignments: Vec<Assignment>,
    pub checks: Vec<CheckSummary>,
    pub competences: Vec<CompetenceSummary>,
    pub immunisations: Vec<ImmunisationSummary>,
    pub oh_clearance: Option<OhClearance>,
    /// Passport credentials your record supports today: ask for an offer of them to collect with your wallet.
    pub collectable: Vec<PassportType>,
}

async fn my_record(state: &AppState, scope: &WorkerScope, ods_code: &str) -> ApiResult<MyRecord> {
    Ok(state.store.me(scope).record(ods_code).await?)
}

/// Your record in the organisation with this ODS code. Role: worker.
#[utoipa::path(get, path = "/me/organisations/{ods_code}", tag = "self-service", security(("bearer" = [])),
    params(("ods_code" = String, Path)),
    responses((status = 200, body = MyRecordView), (status = 404, body = Problem)))]
async fn record(
    State(state): State<AppState>,
    WorkerCaller(scope): WorkerCaller,
    Path(ods_code): Path<String>,
) -> ApiResult<Json<MyRecordView>> {
    let mine = my_record(&state, &scope, &ods_code).await?;
    let r = &mine.record;
    let collectable = collectable(&state, &mine);
    Ok(Json(MyRecordView {
        ods_code: mine.organisation.ods_code.clone(),
        organisation: mine.organisation.name.clone(),
        personal_details: r.person.clone(),
        provenance: mine.provenance.clone().into(),
        assignments: r.assignments.clone(),
        checks: r.checks.iter().map(CheckSummary::of).collect(),
        competences: r.competences.iter().map(CompetenceSummary::of).collect(),
        immunisations: r.immunisations.iter().map(ImmunisationSummary::of).collect(),
        oh_clearance: r.oh_clearance.clone(),
        collectable,
    }))
}

/// Your compliance with one role you hold.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoleComplianceView {
    pub role_code: String,
    pub title: String,
    /// Each requirement: `met`, `due_soon` (with `expires_on`: when it falls due), `expired` or `missing`.
    #[serde(flatten)]
    pub compliance: PersonCompliance,
}

/// Your compliance in one organisation, role by role: what is met, what falls due and when, what is missing.
/// Role: worker.
#[utoipa::path(get, path = "/me/organisations/{ods_code}/compliance", tag = "self-service",
    security(("bearer" = [])), params(("ods_code" = String, Path)),
    responses((status = 200, body = Vec<RoleComplianceView>), (status = 404, body = Problem)))]
async fn compliance(
    State(state): State<AppState>,
    WorkerCaller(scope): WorkerCaller,
    Path(ods_code): Path<String>,
) -> ApiResult<Json<Vec<RoleComplianceView>>> {
    let mine = my_record(&state, &scope, &ods_code).await?;
    Ok(Json(role_compliance(&state, &mine)))
}

/// The passport credentials the worker's record supports today (what an offer may contain).
pub fn collectable(state: &AppState, mine: &MyRecord) -> Vec<PassportType> {
    let today = state.today();
    let org = &mine.organisation;
    PassportType::ALL
        .into_iter()
        .filter(|t| crate::issuer::issuable(&mine.record, &org.ods_code, &org.name, &[*t], today))
        .collect()
}

/// The worker's compliance with each role they hold today (not left, not ended), by the same rules as HR's.
pub fn role_compliance(state: &AppState, mine: &MyRecord) -> Vec<RoleComplianceView> {
    let today = state.today();
    let catalogue = Catalogue::national();
    let current: Vec<&str> = mine
        .record
        .assignments
        .iter()
        .filter(|a| a.status != domain::assignment::AssignmentStatus::Left && a.end_date.is_none_or(|e| e >= today))
        .map(|a| a.role.trim())
        .collect();
    mine.roles
        .iter()
        .filter(|role| current.contains(&role.role_code.as_str()))
        .map(|role| RoleComplianceView {
            role_code: role.role_code.clone(),
            title: role.title.clone(),
            compliance: evaluate(&mine.record, role, &catalogue, today, state.due_within_days),
        })
        .collect()
}

/// A credential issued to you, as the ledger knows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MyCredentialView {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// `valid`, `revoked` or `suspended`.
    pub status: String,
    pub status_reason: Option<String>,
    pub issued_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Your passport credentials from one organisation, with their status and expiry. Role: worker.
#[utoipa::path(get, path = "/me/organisations/{ods_code}/credentials", tag = "self-service",
    security(("bearer" = [])), params(("ods_code" = String, Path)),
    responses((status = 200, body = Vec<MyCredentialView>), (status = 404, body = Problem)))]
async fn credentials(
    State(state): State<AppState>,
    WorkerCaller(scope): WorkerCaller,
    Path(ods_code): Path<String>,
) -> ApiResult<Json<Vec<MyCredentialView>>> {
    let list = state.store.me(&scope).credentials(&ods_code).await?;
    Ok(Json(
        list.into_iter()
            .map(|c| MyCredentialView {
                id: c.id,
                kind: c.credential_type,
                status: c.status.as_str().to_owned(),
                status_reason: c.status_reason,
                issued_at: c.issued_at,
                expires_at: c.expires_at,
            })
            .collect(),
    ))
}

/// An offer of your own credentials to collect with your wallet: the link, its QR code and the PIN (shown
/// only here). Each type must be one your record supports today (`collectable`). Role: worker.
#[utoipa::path(post, path = "/me/organisations/{ods_code}/credential-offers", tag = "self-service",
    request_body = OfferRequest, security(("bearer" = [])), params(("ods_code" = String, Path)),
    responses((status = 201, body = CreatedOffer), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn create_offer(
    State(state): State<AppState>,
    WorkerCaller(scope): WorkerCaller,
    Path(ods_code): Path<String>,
    ValidJson(request): ValidJson<OfferRequest>,
) -> ApiResult<(StatusCode, Json<CreatedOffer>)> {
    let offer = offer_own(&state, &scope, &ods_code, &request.types).await?;
    Ok((StatusCode::CREATED, Json(offer)))
}

/// An offer of the worker's own credentials of `types` from one organisation; each type must be one the
/// record supports today (refusals name `types` or `types[i]`).
pub async fn offer_own(
    state: &AppState,
    scope: &WorkerScope,
    ods_code: &str,
    types: &[PassportType],
) -> ApiResult<CreatedOffer> {
    let mine = my_record(state, scope, ods_code).await?;
    if types.is_empty() {
        return Err(ApiError::invalid("types", "name at least one credential type"));
    }
    let supported = collectable(state, &mine);
    for (i, t) in types.iter().enumerate() {
        if !supported.contains(t) {
            return Err(ApiError::invalid(
                format!("types[{i}]"),
                format!("your record does not support a {} credential today", t.key()),
            ));
        }
    }
    let link = state.store.me(scope).link(ods_code).await?;
    oid4vci::create_offer(state, link.scope(), link.person_id(), types).await
}

/// Your new contact details. Each member replaces the one recorded; leave one out to clear it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactUpdate {
    /// A UK postal address (the postcode is checked for shape).
    pub address: Option<Address>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// Change your address, phone and email in one organisation's record. Recorded with provenance
/// `self_service`; HR sees each change in the person's contact history. Role: worker.
#[utoipa::path(put, path = "/me/organisations/{ods_code}/contact", tag = "self-service", request_body = ContactUpdate,
    security(("bearer" = [])), params(("ods_code" = String, Path)),
    responses((status = 200, body = MyRecordView), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn update_contact(
    State(state): State<AppState>,
    WorkerCaller(scope): WorkerCaller,
    Path(ods_code): Path<String>,
    ValidJson(update): ValidJson<ContactUpdate>,
) -> ApiResult<Json<MyRecordView>> {
    // The organisation first, so another worker's organisation is 404 whatever the body says.
    state.store.me(&scope).link(&ods_code).await?;
    let mut errors = domain::error::ValidationErrors::new();
    if let Some(address) = &update.address {
        errors.merge("address", address.validate());
    }
    if let Some(phone) = &update.phone {
        errors.check("", domain::person::check_phone(phone));
    }
    if let Some(email) = &update.email {
        errors.check("", domain::person::check_email(email));
    }
    errors.into_result()?;
    let contact = ContactDetails { address: update.address, phone: update.phone, email: update.email };
    state.store.me(&scope).update_contact(&ods_code, &contact).await?;
    record(State(state), WorkerCaller(scope), Path(ods_code)).await
}

/// One access to your records.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccessView {
    pub ods_code: String,
    pub organisation: String,
    pub at: DateTime<Utc>,
    /// What was done: `person.read`, `employment_check.create`, `credential.issue`, `credential.presented`
    /// (a host verified credentials you presented), `iat.matched` (a transfer match), `self_service.read`, …
    pub action: String,
    /// `you`, `staff`, `other_organisation` (a transfer, or a host verifying your credentials) or `system`.
    pub actor: String,
    /// The roles of the staff member who did it (`hr`, `training`, …).
    pub roles: Vec<String>,
    /// For `other_organisation`: the organisation that matched your record or verified your credentials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_ods_code: Option<String>,
    /// For `system`: the job that did it (`import`, `demo`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Who read, changed, issued credentials from or transferred your records, newest first, in every
/// organisation holding one, with the organisation, role and time. Role: worker.
#[utoipa::path(get, path = "/me/access-log", tag = "self-service", security(("bearer" = [])),
    responses((status = 200, body = Vec<AccessView>)))]
async fn access_log(
    State(state): State<AppState>,
    WorkerCaller(scope): WorkerCaller,
) -> ApiResult<Json<Vec<AccessView>>> {
    let log = state.store.me(&scope).access_log().await?;
    Ok(Json(
        log.into_iter()
            .map(|e| {
                let (actor, roles, from_ods_code, reason) = match e.actor {
                    AccessActor::You => ("you", vec![], None, None),
                    AccessActor::Staff { roles } => ("staff", roles, None, None),
                    AccessActor::OtherOrganisation { ods_code, roles } => {
                        ("other_organisation", roles, Some(ods_code), None)
                    }
                    AccessActor::System { reason } => ("system", vec![], None, Some(reason)),
                };
                let roles = roles.into_iter().map(|r: Role| r.as_str().to_owned()).collect();
                AccessView {
                    ods_code: e.ods_code,
                    organisation: e.organisation,
                    at: e.at,
                    action: e.action,
                    actor: actor.to_owned(),
                    roles,
                    from_ods_code,
                    reason,
                }
            })
            .collect(),
    ))
}

/// Your consent to inter-authority transfers of this record: where it stands and every statement.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TransferConsentView {
    /// `none`, `given` or `withdrawn`, with `since`.
    pub consent: ConsentState,
    /// Every statement, oldest first (yours by self-service, or recorded by HR).
    pub statements: Vec<ConsentRecord>,
}

/// Whether you consent to your records following you to a new NHS employer (inter-authority transfer), in
/// one organisation. Role: worker.
#[utoipa::path(get, path = "/me/organisations/{ods_code}/transfer-consent", tag = "self-service",
    security(("bearer" = [])), params(("ods_code" = String, Path)),
    responses((status = 200, body = TransferConsentView), (status = 404, body = Problem)))]
async fn transfer_consent(
    State(state): State<AppState>,
    WorkerCaller(scope): WorkerCaller,
    Path(ods_code): Path<String>,
) -> ApiResult<Json<TransferConsentView>> {
    let (consent, statements) = state.store.me(&scope).transfer_consent(&ods_code).await?;
    Ok(Json(TransferConsentView { consent, statements }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentChoice {
    /// `true` to give consent, `false` to withdraw it.
    pub given: bool,
}

/// Give or withdraw your consent to inter-authority transfers of this record (recorded as self-service).
/// Role: worker.
#[utoipa::path(put, path = "/me/organisations/{ods_code}/transfer-consent", tag = "self-service",
    request_body = ConsentChoice, security(("bearer" = [])), params(("ods_code" = String, Path)),
    responses((status = 200, body = TransferConsentView), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn set_transfer_consent(
    State(state): State<AppState>,
    WorkerCaller(scope): WorkerCaller,
    Path(ods_code): Path<String>,
    ValidJson(choice): ValidJson<ConsentChoice>,
) -> ApiResult<Json<TransferConsentView>> {
    let me = state.store.me(&scope);
    me.set_transfer_consent(&ods_code, choice.given).await?;
    let (consent, statements) = me.transfer_consent(&ods_code).await?;
    Ok(Json(TransferConsentView { consent, statements }))
}

/// Transfers of your records from an earlier NHS employer into this organisation's record. Role: worker.
#[utoipa::path(get, path = "/me/organisations/{ods_code}/transfers", tag = "self-service",
    security(("bearer" = [])), params(("ods_code" = String, Path)),
    responses((status = 200, body = Vec<TransferSummary>), (status = 404, body = Problem)))]
async fn transfers(
    State(state): State<AppState>,
    WorkerCaller(scope): WorkerCaller,
    Path(ods_code): Path<String>,
) -> ApiResult<Json<Vec<TransferSummary>>> {
    Ok(Json(state.store.me(&scope).transfers(&ods_code).await?))
}
