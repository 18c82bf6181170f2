//! Workforce sharing agreements: umbrella agreements between organisations and deployments of one
//! worker to a host, each drafted, proposed, signed by every party with its organisation key (the
//! worker through their wallet), withdrawn with a reason, amended as a new version; and the
//! registry's core terms. Only parties see an agreement; anyone else gets 404.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use credentials::agreement::{GeneralJws, PartyAction};
use domain::agreement::{
    AgreementBody, AgreementDocument, AgreementRef, BespokeTerms, DOCUMENT_TYPE, DataSharingBasis, Deployment,
    Lifecycle, OrgParty, Period, Scope, TermsFamily, TermsRef, Umbrella, WorkerParty,
};
use domain::org::OdsCode;
use serde::{Deserialize, Serialize};
use store::{NewAgreement, OrgScope, Role, StoredAgreement};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{PageQuery, Paged};
use crate::AppState;
use crate::agreements::{self as logic, AgreementVerification};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{OperatorCaller, OrgCaller};
use crate::json::ValidJson;
use crate::query::ValidQuery;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_agreement, list_agreements))
        .routes(routes!(get_agreement))
        .routes(routes!(agreement_versions))
        .routes(routes!(propose_agreement))
        .routes(routes!(sign_agreement))
        .routes(routes!(withdraw_agreement))
        .routes(routes!(amend_agreement))
        .routes(routes!(export_agreement))
        .routes(routes!(worker_signing_request))
        .routes(routes!(verify_agreement))
        .routes(routes!(publish_core_terms, list_core_terms))
        .routes(routes!(accept_core_terms))
}

/// Which published core terms version to sign under.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TermsChoice {
    pub id: String,
    pub version: String,
}

/// A new agreement (a draft): a deployment proposed by the worker's employer, or an umbrella.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum NewAgreementRequest {
    Deployment {
        /// The worker, in the caller's (the employer's) dataset.
        person_id: String,
        host_ods: String,
        roles: Vec<String>,
        period: Period,
        #[serde(default)]
        bespoke_terms: BespokeTerms,
        /// An umbrella agreement both organisations are party to.
        #[serde(default)]
        umbrella_id: Option<String>,
        core_terms: TermsChoice,
        #[serde(default)]
        data_sharing: Option<DataSharingBasis>,
    },
    Umbrella {
        title: String,
        /// The other organisations (the caller's is added).
        parties: Vec<String>,
        period: Period,
        #[serde(default)]
        scope: Scope,
        #[serde(default)]
        bespoke_terms: BespokeTerms,
        core_terms: TermsChoice,
        #[serde(default)]
        data_sharing: Option<DataSharingBasis>,
    },
}

/// An agreement version with the state its facts give today.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementView {
    pub id: String,
    pub version: u32,
    /// Hex SHA-256 of the canonical document.
    pub sha256: String,
    /// `draft`, `proposed`, `signed`, `active`, `ended`, `withdrawn` or `superseded`.
    pub state: String,
    /// Parties still to sign.
    pub awaiting: Vec<String>,
    #[schema(value_type = Object)]
    pub document: AgreementDocument,
    #[schema(value_type = Object)]
    pub lifecycle: Lifecycle,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl AgreementView {
    pub(crate) fn new(a: StoredAgreement, today: chrono::NaiveDate) -> Self {
        let state = a.lifecycle.state(&a.document, today);
        let awaiting = match &state {
            domain::agreement::AgreementState::Proposed { awaiting } => {
                awaiting.iter().map(|s| s.to_string()).collect()
            }
            _ => Vec::new(),
        };
        AgreementView {
            id: a.id,
            version: a.version,
            sha256: a.sha256,
            state: state.key().into(),
            awaiting,
            document: a.document,
            lifecycle: a.lifecycle,
            created_at: a.created_at,
        }
    }
}

async fn party(state: &AppState, field: &str, ods: &str) -> Result<(String, OrgParty), ApiError> {
    let code = OdsCode::parse(ods).map_err(|e| e.at(field))?;
    let org = state.store.registry().find_by_ods(&code).await.map_err(|e| match e {
        store::StoreError::NotFound => ApiError::invalid(field, format!("{code} is not a registered organisation")),
        other => other.into(),
    })?;
    Ok((org.id.clone(), OrgParty { ods_code: org.ods_code, name: org.name, kind: org.kind }))
}

async fn terms(state: &AppState, choice: &TermsChoice) -> Result<(TermsRef, TermsFamily), ApiError> {
    let t = state.store.core_terms(&choice.id, &choice.version).await.map_err(|e| match e {
        store::StoreError::NotFound => ApiError::invalid("core_terms", "no such published core terms version"),
        other => other.into(),
    })?;
    Ok((TermsRef { id: t.id, version: t.version, sha256: t.sha256 }, t.family))
}

async fn own_party(state: &AppState, scope: &OrgScope) -> Result<(String, OrgParty), ApiError> {
    let org = state.store.registry().get_organisation(scope.org_id()).await?;
    Ok((org.id.clone(), OrgParty { ods_code: org.ods_code, name: org.name, kind: org.kind }))
}

/// Create a draft agreement. Roles: hr (deployments) or admin (both kinds).
#[utoipa::path(post, path = "/agreements", tag = "agreements", request_body = NewAgreementRequest,
    security(("bearer" = [])),
    responses((status = 201, body = AgreementView), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn create_agreement(
    State(state): State<AppState>,
    caller: OrgCaller,
    ValidJson(request): ValidJson<NewAgreementRequest>,
) -> ApiResult<(StatusCode, Json<AgreementView>)> {
    let (title, parties, period, scope, bespoke_terms, core_terms, data_sharing) = match request {
        NewAgreementRequest::Deployment {
            person_id,
            host_ods,
            roles,
            period,
            bespoke_terms,
            umbrella_id,
            core_terms,
            data_sharing,
        } => {
            let input = DeploymentInput {
                person_id,
                host_ods,
                roles,
                period,
                bespoke_terms,
                umbrella_id,
                core_terms,
                data_sharing,
            };
            let stored = draft_deployment(&state, &caller, input).await?;
            return Ok((StatusCode::CREATED, Json(AgreementView::new(stored, state.today()))));
        }
        NewAgreementRequest::Umbrella { title, parties, period, scope, bespoke_terms, core_terms, data_sharing } => {
            (title, parties, period, scope, bespoke_terms, core_terms, data_sharing)
        }
    };
    caller.require(&[Role::Admin])?;
    let (me_id, me) = own_party(&state, &caller.scope).await?;
    let mut ids = vec![(me_id, "party")];
    let mut orgs = vec![me];
    for (i, ods) in parties.iter().enumerate() {
        let (id, p) = party(&state, &format!("parties[{i}]"), ods).await?;
        ids.push((id, "party"));
        orgs.push(p);
    }
    let (terms_ref, family) = terms(&state, &core_terms).await?;
    let body = AgreementBody::Umbrella(Umbrella { title, parties: orgs, period, scope, bespoke_terms });
    let doc = document(new_id(), 1, None, state.public_url().to_owned(), terms_ref, data_sharing, body);
    doc.validate(|_| Some(family))?;
    let stored = store_version(&state, &caller.scope, &doc, ids, &Lifecycle::default()).await?;
    Ok((StatusCode::CREATED, Json(AgreementView::new(stored, state.today()))))
}

/// A deployment as the employer's HR drafts it (API body or portal form).
#[derive(Debug)]
pub(crate) struct DeploymentInput {
    pub person_id: String,
    pub host_ods: String,
    pub roles: Vec<String>,
    pub period: Period,
    pub bespoke_terms: BespokeTerms,
    pub umbrella_id: Option<String>,
    pub core_terms: TermsChoice,
    pub data_sharing: Option<DataSharingBasis>,
}

/// Drafts a deployment of one of the caller's people to a host. Role: hr.
pub(crate) async fn draft_deployment(
    state: &AppState,
    caller: &OrgCaller,
    input: DeploymentInput,
) -> Result<StoredAgreement, ApiError> {
    caller.require(&[Role::Hr])?;
    let (me_id, me) = own_party(state, &caller.scope).await?;
    let person = state.store.dataset(&caller.scope).get_person(&input.person_id).await?;
    let (host_id, host) = party(state, "host_ods", &input.host_ods).await?;
    let umbrella = match input.umbrella_id {
        None => None,
        Some(id) => {
            let u = state.store.agreements(&caller.scope).get(&id, None).await.map_err(|e| match e {
                store::StoreError::NotFound => ApiError::invalid("umbrella_id", "no such umbrella agreement"),
                other => other.into(),
            })?;
            let covers = u.document.organisations().iter().any(|p| p.ods_code == host.ods_code);
            if !matches!(u.document.body, AgreementBody::Umbrella(_)) || !covers {
                return Err(ApiError::invalid("umbrella_id", "not an umbrella agreement covering the host"));
            }
            Some(AgreementRef { id: u.id, version: u.version, sha256: u.sha256 })
        }
    };
    let (terms_ref, family) = terms(state, &input.core_terms).await?;
    let body = AgreementBody::Deployment(Deployment {
        worker: WorkerParty {
            person_id: person.id.clone(),
            given_name: person.value.given_name.clone(),
            family_name: person.value.family_name.clone(),
        },
        employer: me,
        host,
        roles: input.roles,
        period: input.period,
        bespoke_terms: input.bespoke_terms,
        umbrella,
    });
    let doc = document(new_id(), 1, None, state.public_url().to_owned(), terms_ref, input.data_sharing, body);
    doc.validate(|_| Some(family))?;
    store_version(state, &caller.scope, &doc, vec![(me_id, "employer"), (host_id, "host")], &Lifecycle::default()).await
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn document(
    id: String,
    version: u32,
    amends: Option<AgreementRef>,
    registry: String,
    core_terms: TermsRef,
    data_sharing: Option<DataSharingBasis>,
    body: AgreementBody,
) -> AgreementDocument {
    AgreementDocument { doc_type: DOCUMENT_TYPE.into(), id, version, amends, registry, core_terms, data_sharing, body }
}

async fn store_version(
    state: &AppState,
    scope: &OrgScope,
    doc: &AgreementDocument,
    parties: Vec<(String, &'static str)>,
    lifecycle: &Lifecycle,
) -> Result<StoredAgreement, ApiError> {
    let signed = GeneralJws::new(doc).map_err(|e| ApiError::Internal(e.to_string()))?;
    let sha256 = signed.payload_sha256().map_err(|e| ApiError::Internal(e.to_string()))?;
    let text = serde_json::to_string(&signed).map_err(|e| ApiError::Internal(e.to_string()))?;
    let new = NewAgreement { document: doc, sha256: &sha256, signed: &text, lifecycle, parties };
    Ok(state.store.agreements(scope).create(&new).await?)
}

/// `?part=employer|host|party` on the list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartQuery {
    /// Only agreements where this organisation plays this part (`host`: visiting workers).
    pub part: Option<String>,
}

/// The agreements this organisation is party to (latest versions). Roles: hr, admin.
#[utoipa::path(get, path = "/agreements", tag = "agreements", security(("bearer" = [])), params(PageQuery, PartQuery),
    responses((status = 200, body = Paged<AgreementView>), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn list_agreements(
    State(state): State<AppState>,
    caller: OrgCaller,
    ValidQuery(page): ValidQuery<PageQuery>,
    ValidQuery(part): ValidQuery<PartQuery>,
) -> ApiResult<Json<Paged<AgreementView>>> {
    caller.require(&[Role::Hr])?;
    let part = match part.part.as_deref() {
        None => None,
        Some(p @ ("employer" | "host" | "party")) => Some(p),
        Some(_) => return Err(ApiError::invalid("part", "must be employer, host or party")),
    };
    let found = state.store.agreements(&caller.scope).list(&page.page()?, part).await?;
    let today = state.today();
    Ok(Json(Paged::map_from(found, |a| AgreementView::new(a, today))))
}

/// The latest version of an agreement. Roles: hr, admin.
#[utoipa::path(get, path = "/agreements/{agreement_id}", tag = "agreements", security(("bearer" = [])),
    params(("agreement_id" = String, Path)),
    responses((status = 200, body = AgreementView), (status = 404, body = Problem)))]
async fn get_agreement(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<AgreementView>> {
    caller.require(&[Role::Hr])?;
    Ok(Json(AgreementView::new(state.store.agreements(&caller.scope).get(&id, None).await?, state.today())))
}

/// Every version of an agreement, oldest first (amendments keep the history). Roles: hr, admin.
#[utoipa::path(get, path = "/agreements/{agreement_id}/versions", tag = "agreements", security(("bearer" = [])),
    params(("agreement_id" = String, Path)),
    responses((status = 200, body = Vec<AgreementView>), (status = 404, body = Problem)))]
async fn agreement_versions(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<AgreementView>>> {
    caller.require(&[Role::Hr])?;
    let today = state.today();
    let all = state.store.agreements(&caller.scope).history(&id).await?;
    Ok(Json(all.into_iter().map(|a| AgreementView::new(a, today)).collect()))
}

/// The roles that may act for the organisation on this kind of agreement.
fn actors(doc: &AgreementDocument) -> &'static [Role] {
    match doc.body {
        AgreementBody::Umbrella(_) => &[Role::Admin],
        AgreementBody::Deployment(_) => &[Role::Hr],
    }
}

/// Proposes (`propose`), signs or withdraws for the caller's organisation, as the API and the
/// portal both do.
pub(crate) async fn act_on(
    state: &AppState,
    caller: &OrgCaller,
    id: &str,
    action: PartyAction,
    audit: &'static str,
    propose: bool,
) -> Result<StoredAgreement, ApiError> {
    let agreements = state.store.agreements(&caller.scope);
    let current = agreements.get(id, None).await?;
    caller.require(actors(&current.document))?;
    let (_, me) = own_party(state, &caller.scope).await?;
    if propose {
        current
            .lifecycle
            .can_propose()
            .map_err(|e| ApiError::Conflict { field: "state".into(), problem: format!("{e} ({})", e.code()) })?;
        let proposer_ok = match &current.document.body {
            AgreementBody::Deployment(d) => d.employer.ods_code == me.ods_code,
            AgreementBody::Umbrella(_) => true,
        };
        if !proposer_ok {
            return Err(ApiError::NotFound);
        }
    }
    let mut staged = current.clone();
    if propose {
        staged.lifecycle.proposed_at = Some((state.clock)());
    }
    let (signed, life) = logic::org_action(state, &caller.scope, &me.ods_code, &staged, &action).await?;
    Ok(agreements.update(id, current.version, audit, move |_| Ok((signed, life))).await?)
}

async fn act(
    state: &AppState,
    caller: &OrgCaller,
    id: &str,
    action: PartyAction,
    audit: &'static str,
    propose: bool,
) -> ApiResult<Json<AgreementView>> {
    let updated = act_on(state, caller, id, action, audit, propose).await?;
    Ok(Json(AgreementView::new(updated, state.today())))
}

/// Propose a draft to the other parties, signing it for the proposing organisation (the employer
/// of a deployment). Roles: hr (deployments), admin.
#[utoipa::path(post, path = "/agreements/{agreement_id}/propose", tag = "agreements", security(("bearer" = [])),
    params(("agreement_id" = String, Path)),
    responses((status = 200, body = AgreementView), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn propose_agreement(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<AgreementView>> {
    act(&state, &caller, &id, PartyAction::Sign, "agreement.propose", true).await
}

/// Sign a proposed agreement with this organisation's key. Roles: hr (deployments), admin.
#[utoipa::path(post, path = "/agreements/{agreement_id}/sign", tag = "agreements", security(("bearer" = [])),
    params(("agreement_id" = String, Path)),
    responses((status = 200, body = AgreementView), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn sign_agreement(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<AgreementView>> {
    act(&state, &caller, &id, PartyAction::Sign, "agreement.sign", false).await
}

/// A withdrawal's reason.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawRequest {
    pub reason: String,
}

/// Withdraw from an agreement with a reason (the withdrawal is itself signed). Roles: hr
/// (deployments), admin.
#[utoipa::path(post, path = "/agreements/{agreement_id}/withdraw", tag = "agreements", security(("bearer" = [])),
    params(("agreement_id" = String, Path)), request_body = WithdrawRequest,
    responses((status = 200, body = AgreementView), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
async fn withdraw_agreement(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(id): Path<String>,
    ValidJson(body): ValidJson<WithdrawRequest>,
) -> ApiResult<Json<AgreementView>> {
    act(&state, &caller, &id, PartyAction::Withdraw { reason: body.reason }, "agreement.withdraw", false).await
}

/// What an amendment changes; the rest is carried over.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendRequest {
    #[serde(default)]
    pub period: Option<Period>,
    #[serde(default)]
    pub roles: Option<Vec<String>>,
    #[serde(default)]
    pub bespoke_terms: Option<BespokeTerms>,
}

/// Amend a deployment (a new version, a draft to propose and sign again; the signed version stays
/// in force until every party signs the new one). Roles: hr of the employer, admin.
#[utoipa::path(post, path = "/agreements/{agreement_id}/amend", tag = "agreements", security(("bearer" = [])),
    params(("agreement_id" = String, Path)), request_body = AmendRequest,
    responses((status = 201, body = AgreementView), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
async fn amend_agreement(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(id): Path<String>,
    ValidJson(body): ValidJson<AmendRequest>,
) -> ApiResult<(StatusCode, Json<AgreementView>)> {
    caller.require(&[Role::Hr])?;
    let current = state.store.agreements(&caller.scope).get(&id, None).await?;
    let (me_id, me) = own_party(&state, &caller.scope).await?;
    let AgreementBody::Deployment(mut d) = current.document.body.clone() else {
        return Err(ApiError::invalid("kind", "only deployments are amended here"));
    };
    if d.employer.ods_code != me.ods_code {
        return Err(ApiError::NotFound);
    }
    if current.lifecycle.withdrawal.is_some() {
        return Err(ApiError::Conflict { field: "state".into(), problem: "the agreement was withdrawn".into() });
    }
    let (host_id, _) = party(&state, "host_ods", d.host.ods_code.as_str()).await?;
    d.period = body.period.unwrap_or(d.period);
    d.roles = body.roles.unwrap_or(d.roles);
    d.bespoke_terms = body.bespoke_terms.unwrap_or(d.bespoke_terms);
    let prev = AgreementRef { id: current.id.clone(), version: current.version, sha256: current.sha256.clone() };
    let old = &current.document;
    let doc = document(
        current.id.clone(),
        current.version + 1,
        Some(prev),
        old.registry.clone(),
        old.core_terms.clone(),
        old.data_sharing.clone(),
        AgreementBody::Deployment(d),
    );
    let family = logic::terms_family(&state, &doc.core_terms.id, &doc.core_terms.version).await?;
    doc.validate(|_| family)?;
    let parties = vec![(me_id, "employer"), (host_id, "host")];
    let stored = store_version(&state, &caller.scope, &doc, parties, &Lifecycle::default()).await?;
    Ok((StatusCode::CREATED, Json(AgreementView::new(stored, state.today()))))
}

/// The signed agreement as a JWS in the JSON General Serialization (RFC 7515 §7.2.1), for
/// `passport agreement verify` or anyone's JWS library. Roles: hr, admin.
#[utoipa::path(get, path = "/agreements/{agreement_id}/export", tag = "agreements", security(("bearer" = [])),
    params(("agreement_id" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = Problem)))]
async fn export_agreement(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    caller.require(&[Role::Hr])?;
    let current = state.store.agreements(&caller.scope).get(&id, None).await?;
    Ok(Json(serde_json::from_str(&current.signed).map_err(|e| ApiError::Internal(e.to_string()))?))
}

/// Check a signed agreement: every signature, each signer's authority (trust-listed organisation
/// keys; a worker key bound to a credential the employer issued to that worker), the core terms'
/// hash and the period. Any role.
#[utoipa::path(post, path = "/agreements/verify", tag = "agreements", security(("bearer" = [])),
    request_body = Object,
    responses((status = 200, body = AgreementVerification), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn verify_agreement(
    State(state): State<AppState>,
    _caller: OrgCaller,
    ValidJson(signed): ValidJson<GeneralJws>,
) -> ApiResult<Json<AgreementVerification>> {
    Ok(Json(logic::verify(&state, &signed).await?))
}

/// A core terms version to publish.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishTerms {
    pub id: String,
    pub version: String,
    pub family: TermsFamily,
    pub title: String,
    pub body: String,
}

/// Published core terms (text and SHA-256).
#[derive(Debug, Serialize, ToSchema)]
pub struct TermsView {
    pub id: String,
    pub version: String,
    pub family: TermsFamily,
    pub title: String,
    pub body: String,
    pub sha256: String,
}

impl From<store::CoreTerms> for TermsView {
    fn from(t: store::CoreTerms) -> Self {
        TermsView { id: t.id, version: t.version, family: t.family, title: t.title, body: t.body, sha256: t.sha256 }
    }
}

/// Publish a core terms version. Registry operator.
#[utoipa::path(post, path = "/core-terms", tag = "agreements", security(("bearer" = [])), request_body = PublishTerms,
    responses((status = 201, body = TermsView), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
async fn publish_core_terms(
    State(state): State<AppState>,
    OperatorCaller(scope): OperatorCaller,
    ValidJson(t): ValidJson<PublishTerms>,
) -> ApiResult<(StatusCode, Json<TermsView>)> {
    let terms = state.store.publish_core_terms(&scope, &t.id, &t.version, t.family, &t.title, &t.body).await?;
    Ok((StatusCode::CREATED, Json(terms.into())))
}

/// Every published core terms version. Any organisation user.
#[utoipa::path(get, path = "/core-terms", tag = "agreements", security(("bearer" = [])),
    responses((status = 200, body = Vec<TermsView>), (status = 404, body = Problem)))]
async fn list_core_terms(State(state): State<AppState>, _caller: OrgCaller) -> ApiResult<Json<Vec<TermsView>>> {
    Ok(Json(state.store.list_core_terms().await?.into_iter().map(Into::into).collect()))
}

/// Record that this organisation accepts a core terms version. Role: admin.
#[utoipa::path(post, path = "/core-terms/accept", tag = "agreements", security(("bearer" = [])),
    request_body = TermsChoice,
    responses((status = 204), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn accept_core_terms(
    State(state): State<AppState>,
    caller: OrgCaller,
    ValidJson(choice): ValidJson<TermsChoice>,
) -> ApiResult<StatusCode> {
    caller.require(&[Role::Admin])?;
    state.store.accept_core_terms(&caller.scope, &choice.id, &choice.version).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ask the worker's wallet to sign the latest version (OpenID4VP with transaction data): a link
/// and QR code to show the worker. Roles: hr (of a party), admin.
#[utoipa::path(post, path = "/agreements/{agreement_id}/worker-signing", tag = "agreements",
    security(("bearer" = [])), params(("agreement_id" = String, Path)),
    responses((status = 201, body = crate::agreements_vp::CreatedSigningRequest), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn worker_signing_request(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<crate::agreements_vp::CreatedSigningRequest>)> {
    caller.require(&[Role::Hr])?;
    Ok((StatusCode::CREATED, Json(crate::agreements_vp::create(&state, &caller.scope, &id).await?)))
}
