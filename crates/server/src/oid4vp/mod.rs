//! OpenID4VP 1.0 verifier, one per organisation: a presentation request built from a role's
//! requirements as a DCQL query, served by reference, and the `direct_post` response endpoint that
//! checks the `vp_token` and records a ready-to-work result.
//!
//! The client is identified as `decentralized_identifier:did:jwk:<the organisation's issuer
//! key>` and the Request Object is signed with that key (`oauth-authz-req+jwt`), which is what
//! `credentials::oid4vc::vp` and the wallet implement and what other wallets accept with
//! `request_uri`. URLs: request objects at `{base}/verifiers/{ODS}/requests/{state}`, responses
//! to `{base}/verifiers/{ODS}/response`.
//!
//! What a role asks for and how each requirement is decided live in `domain::passport`: this
//! module only turns the domain's asks into a DCQL query ([`plan`]: one credential query per ask,
//! on the type's deployment-independent `vct`) and renders the domain's decision of each
//! requirement ([`evaluate`]), by the same compliance rules the issuer applies to its records.
//!
//! A response for an unknown, expired or already answered `state`, a `vp_token` whose
//! key binding names another request (nonce or audience), a malformed or oversized body: an
//! OAuth error, and nothing is recorded.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use credentials::jws::Signer;
use credentials::oid4vc::claims_path::ClaimPath;
use credentials::oid4vc::dcql::{CredentialQuery, DcqlQuery};
use credentials::oid4vc::oauth::ErrorCode;
use credentials::oid4vc::validate::{ValidatedResponse, validate_vp_token};
use credentials::oid4vc::vp::{AuthorizationRequest, AuthorizationResponse, DirectPostResponse, RequestLink};
use credentials::verify::VerifyOptions;
use domain::agreement::AgreementCover;
use domain::compliance::ComplianceStatus;
use domain::cstf::Catalogue;
use domain::passport::ask::{Ask, Planned};
use domain::passport::claims::Names;
use domain::passport::{self, CredentialClaims, PassportType, Undecided};
use domain::requirements::RoleRequirements;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::{NewPresentationRequest, OrgScope, PresentationAnswer, PresentedEntry, StoreError};

use crate::AppState;
use crate::error::ApiError;

mod answers;
mod caches;

pub use caches::STATUS_FRESH_FOR;
use caches::{PendingRequest, RequestCache, StatusCache};

/// The verifier's in-process state: open requests, status lists and the answer queue.
#[derive(Debug, Default)]
pub struct VerifierState {
    requests: RequestCache,
    statuses: StatusCache,
    answers: answers::AnswerQueue,
}

impl VerifierState {
    /// How long a status list read from the ledger is used when no revocation went through this
    /// process ([`STATUS_FRESH_FOR`] by default); revocations committed elsewhere show after it.
    pub fn set_status_fresh_for(&self, age: std::time::Duration) {
        self.statuses.set_fresh_for(age);
    }

    /// Our own organisations' status lists as last read from the ledger.
    pub(crate) fn status_cache(&self) -> &StatusCache {
        &self.statuses
    }
}
use crate::extract::{PublicOrg, public_reason};
use crate::issuer;
use crate::oid4vci::{OAuthReply, no_store, qr_svg};

/// How long a presentation request may be answered.
pub const REQUEST_TTL_SECS: i64 = 10 * 60;
/// Largest `direct_post` body accepted.
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;

public_reason!(RequestObject = "oid4vp request");
public_reason!(ResponseEndpoint = "oid4vp response endpoint");

pub fn router() -> Router<AppState> {
    Router::new().route("/verifiers/{ods}/requests/{state}", get(request_object)).route(
        "/verifiers/{ods}/response",
        post(response).layer(axum::extract::DefaultBodyLimit::max(MAX_RESPONSE_BYTES)),
    )
}

/// One requirement of the role and the query that answers it (`ask` is the query id).
pub type PlannedRequirement = Planned;

/// What is stored with a request: the request as served and the requirements it answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredRequest {
    request: AuthorizationRequest,
    requirements: Vec<Planned>,
    #[serde(default)]
    role_code: String,
    /// The role needs temporary staff to be covered by an active workforce sharing agreement.
    #[serde(default)]
    agreement_required: bool,
}

/// One ask as a DCQL credential query (OpenID4VP 1.0 §6.1) on the type's `vct`.
fn credential_query(ask: &Ask) -> Option<CredentialQuery> {
    let mut query = CredentialQuery::sd_jwt_vc(&ask.id, &ask.kind.vct());
    for claim in &ask.claims {
        let path: ClaimPath = serde_json::from_value(claim.path_json()).ok()?;
        query = if claim.values.is_empty() {
            query.claim(path)
        } else {
            query.claim_with_values(path, claim.values.clone())
        };
        if let Some(id) = &claim.id {
            query.claims.as_mut()?.last_mut()?.id = Some(id.clone());
        }
    }
    if !ask.claim_sets.is_empty() {
        query.claim_sets = Some(ask.claim_sets.clone());
    }
    Some(query)
}

/// The DCQL query for a role, and which query answers which requirement. `None` when the role has
/// no requirements a passport credential can answer.
pub fn plan(role: &RoleRequirements) -> Option<(DcqlQuery, Vec<Planned>)> {
    let plan = passport::plan(role)?;
    let queries = plan.asks.iter().map(credential_query).collect::<Option<Vec<_>>>()?;
    Some((DcqlQuery::new(queries), plan.requirements))
}

pub(crate) fn random_token() -> String {
    let mut raw = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut raw);
    credentials::b64::encode(raw)
}

/// A new presentation request as the verifier sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreatedRequest {
    pub id: String,
    pub role_code: String,
    /// `openid4vp://?client_id=…&request_uri=…`, for a link or a QR code.
    pub link: String,
    /// The link as a QR code (SVG).
    pub qr_svg: String,
    pub client_id: String,
    pub request_uri: String,
    /// The DCQL query the wallet will be asked.
    #[schema(value_type = Object)]
    pub dcql_query: Value,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

fn verifier_urls(base: &str, ods: &str) -> (String, String) {
    (format!("{base}/verifiers/{ods}/response"), format!("{base}/verifiers/{ods}/requests"))
}

/// Builds, stores and returns a request for what `role_code` needs.
pub async fn create_request(state: &AppState, scope: &OrgScope, role_code: &str) -> Result<CreatedRequest, ApiError> {
    let role = state.store.dataset(scope).get_role_requirements(role_code).await.map_err(|e| match e {
        StoreError::NotFound => ApiError::invalid("role_code", "no such role in this organisation"),
        other => other.into(),
    })?;
    let base = state.public_url().to_owned();
    let (query, requirements) = plan(&role.value)
        .ok_or_else(|| ApiError::invalid("role_code", "the role has no requirements a credential can answer"))?;
    let org = state.store.registry().get_organisation(scope.org_id()).await?;
    let key = issuer::signer_for(state, scope.org_id()).await?;
    let (response_uri, requests) = verifier_urls(&base, org.ods_code.as_str());
    let (nonce, st) = (random_token(), random_token());
    let now = (state.clock)().timestamp();
    let request = AuthorizationRequest::direct_post(&response_uri, &nonce, &st, query.clone(), now, REQUEST_TTL_SECS)
        .with_did_jwk_client(&key.public_jwk());
    let stored = StoredRequest {
        request: request.clone(),
        requirements,
        role_code: role.id.clone(),
        agreement_required: role.value.agreement_required,
    };
    let doc = serde_json::to_string(&stored).map_err(|e| ApiError::Internal(e.to_string()))?;
    let expires_at = now + REQUEST_TTL_SECS;
    let id = state
        .store
        .dataset(scope)
        .create_presentation_request(&NewPresentationRequest {
            role_code: &role.id,
            state: &st,
            request_doc: &doc,
            expires_at,
        })
        .await?;
    let pending = PendingRequest { org_id: scope.org_id().to_owned(), id: id.clone(), expires_at, stored };
    state.verifier.requests.insert(&st, Arc::new(pending), now);
    let request_uri = format!("{requests}/{st}");
    let link = RequestLink {
        client_id: request.client_id.clone(),
        request_uri: request_uri.clone(),
        request_uri_method: None,
    }
    .to_url();
    Ok(CreatedRequest {
        id,
        role_code: role.id,
        qr_svg: qr_svg(&link)?,
        link,
        client_id: request.client_id,
        request_uri,
        dcql_query: serde_json::to_value(&query).map_err(|e| ApiError::Internal(e.to_string()))?,
        expires_at: chrono::DateTime::from_timestamp(expires_at, 0).unwrap_or_default(),
    })
}

/// Why a link no longer leads to a request: the wallet shows the holder this problem's `detail`,
/// so a used or stale QR code says what to do instead of a bare "not found".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Closed {
    Unknown,
    Answered,
    Expired,
}

impl From<Closed> for ApiError {
    fn from(closed: Closed) -> Self {
        let (status, detail) = match closed {
            Closed::Unknown => (
                StatusCode::NOT_FOUND,
                "There is no presentation request at this link: check that the whole link was copied, \
                 or ask the verifier for a new one.",
            ),
            Closed::Answered => (
                StatusCode::GONE,
                "This presentation request has already been answered, and a link works once. Ask the \
                 verifier for a new link if they need another answer.",
            ),
            Closed::Expired => (
                StatusCode::GONE,
                "This presentation request has expired (links work for 10 minutes). Ask the verifier \
                 for a new link.",
            ),
        };
        ApiError::Status { status, detail: detail.to_owned() }
    }
}

/// The signed Request Object (`application/oauth-authz-req+jwt`). Unknown: 404; answered or
/// expired: 410; each a problem whose `detail` says what happened and what to do.
async fn request_object(
    State(state): State<AppState>,
    PublicOrg { org, scope, .. }: PublicOrg<RequestObject>,
    Path((_, st)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let now = (state.clock)().timestamp();
    let pending = open_request(&state, &scope, &st, now).await??;
    let key = issuer::signer_for(&state, &org.id).await?;
    // After a key rotation the stored client id no longer names our key: the request is dead.
    let jwt = pending.stored.request.to_did_jwk_request_object(&key).map_err(|_| ApiError::NotFound)?;
    Ok(([(CONTENT_TYPE, "application/oauth-authz-req+jwt"), (CACHE_CONTROL, "no-store")], jwt).into_response())
}

/// The open request `st` names in this organisation: from memory, else from the store (then kept);
/// or why there is none.
async fn open_request(
    state: &AppState,
    scope: &OrgScope,
    st: &str,
    now: i64,
) -> Result<Result<Arc<PendingRequest>, Closed>, ApiError> {
    let org_id = scope.org_id();
    let pending = match state.verifier.requests.get(org_id, st) {
        Some(hit) => hit,
        None => {
            let record = match state.store.dataset(scope).presentation_request_by_state(st).await {
                Ok(r) => r,
                Err(StoreError::NotFound) => return Ok(Err(Closed::Unknown)),
                Err(e) => return Err(e.into()),
            };
            if record.answered_at.is_some() {
                return Ok(Err(Closed::Answered));
            }
            let stored: StoredRequest =
                serde_json::from_str(&record.request_doc).map_err(|e| ApiError::Internal(e.to_string()))?;
            let pending = Arc::new(PendingRequest {
                org_id: org_id.to_owned(),
                id: record.id,
                expires_at: record.expires_at,
                stored,
            });
            state.verifier.requests.insert(st, pending.clone(), now);
            pending
        }
    };
    if now >= pending.expires_at {
        state.verifier.requests.remove(st);
        return Ok(Err(Closed::Expired));
    }
    Ok(Ok(pending))
}

/// The issuing organisation of an accepted credential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IssuerView {
    pub ods_code: String,
    pub organisation: String,
    pub issuer: String,
}

/// A credential accepted for a requirement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PresentedCredential {
    #[serde(rename = "type")]
    pub kind: PassportType,
    /// `{status list uri}#{idx}`: unique per credential of an issuer, and what revoking it names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl PresentedCredential {
    fn of(kind: PassportType, claims: &Value) -> Self {
        let id = claims
            .get("status")
            .and_then(|s| credentials::status::StatusRef::from_claim(s).ok())
            .map(|s| format!("{}#{}", s.uri, s.idx));
        PresentedCredential { kind, id }
    }
}

/// One requirement of the role, met or not, and on what evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RequirementOutcome {
    pub requirement: String,
    pub label: String,
    pub met: bool,
    /// Why not met: a verification code (`revoked`, `expired`, `issuer_not_trusted`, …),
    /// `not_presented`, `claims_missing: <claim>`, `claims_invalid: …`, or the compliance rule's
    /// own words (`identity assurance medium … is below the required high`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The compliance rule's status for what was presented, when it could be decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ComplianceStatus>,
    /// The last day the presented evidence counts, when it expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_by: Option<IssuerView>,
    /// The accepted credential: its type and its identifier (the status list entry it carries,
    /// `uri#idx`), which the host's review records as the item's provenance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<PresentedCredential>,
    /// The claims disclosed for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub claims: Option<Value>,
}

/// The ready-to-work answer recorded for a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReadyResult {
    /// Every requirement met, by credentials of one holder.
    pub ready: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    pub requirements: Vec<RequirementOutcome>,
    /// All accepted credentials are bound to the same holder key.
    pub single_holder: bool,
    /// When the wallet declined: its OAuth error code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declined: Option<String>,
    /// Where the role needs temporary staff to be covered by a workforce sharing agreement: the
    /// deployment that covers the worker, or why none does. `ready` needs it covered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement: Option<AgreementCover>,
}

impl ReadyResult {
    /// The result once the agreement part is decided: ready only if covered.
    pub fn with_agreement(mut self, cover: AgreementCover) -> Self {
        self.ready &= cover.covered;
        self.agreement = Some(cover);
        self
    }
}

/// The ready-to-work result from a validated response: each requirement decided by
/// `domain::passport::decide_presented` on the claims of the credential accepted for its query.
pub fn evaluate(
    requirements: &[Planned],
    validated: &ValidatedResponse,
    today: NaiveDate,
    due_within_days: u32,
) -> ReadyResult {
    let catalogue = Catalogue::national();
    let mut names = Names::default();
    let outcomes: Vec<RequirementOutcome> = requirements
        .iter()
        .map(|r| {
            let q = validated.query(&r.ask);
            let accepted = q.and_then(|q| q.accepted.first());
            let mut outcome = RequirementOutcome {
                requirement: r.id.clone(),
                label: r.label.clone(),
                met: false,
                reason: None,
                status: None,
                expires_on: None,
                issued_by: None,
                credential: None,
                claims: None,
            };
            let Some(v) = accepted else {
                let reason = q
                    .and_then(|q| q.rejected.first())
                    .map(|rej| rej.code().to_owned())
                    .unwrap_or_else(|| "not_presented".into());
                outcome.reason = Some(reason);
                return outcome;
            };
            outcome.issued_by = Some(IssuerView {
                ods_code: v.ods_code.clone(),
                organisation: v.organisation.clone(),
                issuer: v.issuer.clone(),
            });
            let kind = passport::ask::answered_by(&r.requirement);
            outcome.credential = Some(PresentedCredential::of(kind, &v.claims));
            let decided = CredentialClaims::from_disclosed(kind, &v.claims)
                .map_err(|e| Undecided::Invalid(e.0))
                .and_then(|claims| {
                    if names.given_name.is_none() && names.family_name.is_none() {
                        names = claims.names().clone();
                    }
                    outcome.claims = Some(Value::Object(claims.to_json()));
                    passport::decide_presented(&r.requirement, &[claims], &catalogue, today, due_within_days)
                });
            match decided {
                Ok(readiness) => {
                    outcome.met = readiness.met();
                    outcome.reason = readiness.reason().map(str::to_owned);
                    outcome.status = Some(readiness.result.status);
                    outcome.expires_on = readiness.result.expires_on;
                }
                Err(undecided) => outcome.reason = Some(undecided.to_string()),
            }
            outcome
        })
        .collect();
    let single_holder = validated.single_holder();
    ReadyResult {
        ready: single_holder && validated.satisfied() && outcomes.iter().all(|o| o.met),
        given_name: names.given_name,
        family_name: names.family_name,
        requirements: outcomes,
        single_holder,
        declined: None,
        agreement: None,
    }
}

/// Rejection codes that mean "this vp_token was made for another request": answered with an
/// error instead of being recorded, so a replay changes nothing.
const NOT_FOR_THIS_REQUEST: [&str; 2] = ["nonce_mismatch", "aud_mismatch"];

/// Rejections a genuine answer can carry: found only after the issuer signature has verified (and, but
/// for `expired`, the key binding to this request: `credentials::verify` checks in that order), so
/// nobody holding only the request's `state` (it is in the QR code) can produce them: an expired
/// credential still needs the issuer's signature, and the host must hear that it expired. An answer with any other rejection, or a
/// decline (unauthenticated by nature), is a failed attempt: counted, and the request stays open.
const AFTER_KEY_BINDING: [&str; 6] =
    ["expired", "revoked", "suspended", "status_unknown", "vct_not_requested", "claims_missing"];

/// Counts a refused answer on the request, which stays open.
/// The accepted credentials that this deployment's organisations issued, by status list entry, so
/// the store can note the presentation in each worker's access log.
fn ours_presented(base: &str, result: &ReadyResult) -> Vec<PresentedEntry> {
    let ids = result.requirements.iter().filter_map(|r| r.credential.as_ref()?.id.as_deref());
    ids.filter_map(|id| {
        let (uri, idx) = id.rsplit_once('#')?;
        let (ods, list_id) = crate::status_lists::parse(base, uri)?;
        Some(PresentedEntry { issuer_ods: ods.as_str().to_owned(), list_id, index: idx.parse().ok()? })
    })
    .collect()
}

async fn failed_attempt(state: &AppState, scope: &OrgScope, request_id: &str, reason: &str) {
    let now = (state.clock)().timestamp();
    tracing::info!(reason, "OpenID4VP answer refused; the request stays open");
    if let Err(e) = state.store.dataset(scope).record_failed_presentation_attempt(request_id, reason, now).await {
        tracing::warn!(error = %e, "could not count a failed OpenID4VP attempt");
    }
}

/// The `direct_post` response endpoint (§8.2).
async fn response(
    State(state): State<AppState>,
    PublicOrg { org, scope, .. }: PublicOrg<ResponseEndpoint, OAuthReply>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, OAuthReply> {
    let body = body.map_err(|e| {
        let reply = OAuthReply::new(ErrorCode::InvalidRequest, "the body is too large or unreadable");
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            OAuthReply(reply.0, StatusCode::PAYLOAD_TOO_LARGE)
        } else {
            reply
        }
    })?;
    let text = std::str::from_utf8(&body).map_err(|_| OAuthReply::new(ErrorCode::InvalidRequest, "not UTF-8"))?;
    let posted = AuthorizationResponse::from_form(text).map_err(OAuthReply::of)?;
    let st = posted.state().ok_or_else(|| OAuthReply::new(ErrorCode::InvalidRequest, "state is missing"))?.to_owned();
    let unknown = || OAuthReply::new(ErrorCode::InvalidRequest, "unknown, expired or answered state");
    let now = (state.clock)().timestamp();
    let record = open_request(&state, &scope, &st, now).await?.map_err(|_| unknown())?;
    let stored = &record.stored;
    let (result, token_text) = match posted {
        AuthorizationResponse::Error { error, .. } => {
            // Anyone who read the state could post a decline: noted, and the request stays open.
            let reason = format!("declined: {}", error.error);
            failed_attempt(&state, &scope, &record.id, &reason).await;
            return Ok(no_store(&DirectPostResponse::default()));
        }
        AuthorizationResponse::VpToken { vp_token, .. } => {
            let query =
                stored.request.dcql_query.as_ref().ok_or_else(|| OAuthReply::internal_error("no query stored"))?;
            let trust = crate::federation::trust(&state).await?;
            let presented = vp_token.values().flatten().filter_map(Value::as_str);
            let statuses = crate::status_lists::for_presentations(&state, presented, &trust).await?;
            let opts = VerifyOptions::new(now, stored.request.nonce.clone(), stored.request.client_id.clone());
            let validated = match validate_vp_token(&vp_token, query, &opts, &trust, &statuses) {
                Ok(validated) => validated,
                Err(e) => {
                    let error = e.to_oauth();
                    let reason = error.error_description.clone().unwrap_or_else(|| error.error.clone());
                    failed_attempt(&state, &scope, &record.id, &reason).await;
                    return Err(OAuthReply::of(error));
                }
            };
            if let Some(code) = validated
                .queries
                .iter()
                .flat_map(|q| &q.rejected)
                .map(|r| r.code())
                .find(|c| NOT_FOR_THIS_REQUEST.contains(c))
            {
                tracing::info!(code, "vp_token not bound to this request");
                let reply = OAuthReply::new(ErrorCode::InvalidRequest, "the vp_token was not made for this request");
                failed_attempt(&state, &scope, &record.id, code).await;
                return Err(reply);
            }
            let rejections = validated.queries.iter().flat_map(|q| &q.rejected).map(|r| r.code());
            let accepted = validated.queries.iter().map(|q| q.accepted.len()).sum::<usize>();
            let forged = rejections.clone().find(|c| !AFTER_KEY_BINDING.contains(c));
            if let Some(code) = forged.or((accepted == 0 && rejections.count() == 0).then_some("vp_token_empty")) {
                let reply =
                    OAuthReply::new(ErrorCode::InvalidRequest, format!("the presentation did not verify: {code}"));
                failed_attempt(&state, &scope, &record.id, code).await;
                return Err(reply);
            }
            let today = (state.clock)().date_naive();
            let text = serde_json::to_string(&vp_token).map_err(OAuthReply::internal_error)?;
            let mut result = evaluate(&stored.requirements, &validated, today, state.due_within_days);
            if stored.agreement_required {
                let holder = validated.holder_thumbprint();
                let host = &org.ods_code;
                let cover = crate::agreements::cover(&state, &scope, host, &stored.role_code, &result, holder).await?;
                result = result.with_agreement(cover);
            }
            (result, text)
        }
    };
    let outcome = match (&result.declined, result.ready) {
        (Some(_), _) => "declined",
        (None, true) => "ready",
        (None, false) => "not_ready",
    };
    crate::metrics::presentation_verified("oid4vp", outcome);
    let answer = PresentationAnswer {
        scope,
        request_id: record.id.clone(),
        vp_hash: store::secret_hash(&token_text),
        result_doc: serde_json::to_string(&result).map_err(OAuthReply::internal_error)?,
        presented: ours_presented(state.public_url(), &result),
    };
    let outcome = state.verifier.answers.record(&state.store, answer).await;
    if matches!(outcome, Ok(()) | Err(StoreError::Conflict { .. })) {
        state.verifier.requests.remove(&st);
    }
    match outcome {
        Ok(()) => Ok(no_store(&DirectPostResponse::default())),
        Err(StoreError::Conflict { field, .. }) if field == "vp_token" => {
            Err(OAuthReply::new(ErrorCode::InvalidRequest, "this vp_token was presented before"))
        }
        Err(StoreError::Conflict { .. }) => Err(unknown()),
        Err(e) => Err(e.into()),
    }
}
