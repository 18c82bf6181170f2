//! Inter-Authority Transfer across deployments (DESIGN.md §6 flow 5), the HTTP edges of both sides.
//! The claims and their rules are `domain::transfer::remote`; the signatures `credentials::org_jwt`;
//! what is matched, built, copied and audited the store's (`transfer_remote.rs`).
//!
//! - The new employer ([`request_transfer`], behind `POST /api/v1/people/{id}/transfers/remote`):
//!   finds the previous employer on a trusted operator's list, signs a request with its own
//!   organisation key carrying the worker's facts and consent, posts it to the previous
//!   employer's deployment, verifies the signed answer against the trust lists, and copies it.
//! - The previous employer ([`portable_data_set`], the public `POST /iat/{ods_code}/portable-data-set`):
//!   verifies the request against its trust lists, matches the worker, and answers with the data set
//!   signed by its own key.
//!
//! Where another deployment's organisation answers follows from its issuer identifier, which the
//! trust list names: `{base}/issuers/{ODS}` (issuer.rs) answers at `{base}/iat/{ODS}/portable-data-set`.
//! Nothing else in the exchange says where to send anything.
//!
//! A signer the held trust lists do not name (an organisation registered, or a key made, since
//! the other operator's list was last fetched: a key is made on first use) gets one more look
//! with the lists fetched again ([`federation::trust_refreshed`], rate-limited), on both sides.

use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use credentials::consent::{ConsentExpectations, ConsentProof, verify_consent};
use credentials::{VerifyError, org_jwt};
use domain::org::OdsCode;
use domain::transfer::remote::{
    ANSWER_TYP, CLOCK_SKEW_SECS, ConsentClaim, LIFETIME_SECS, PdsAnswer, PdsRequest, REQUEST_TYP, RemoteRefusal,
    WalletSignedConsent,
};
use domain::transfer::{TransferRefusal, TransferReport, normalise_surname};
use serde::de::DeserializeOwned;
use serde_json::Value;
use store::{OrgScope, ReleaseRequest};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{PublicOrg, public_reason};
use crate::{federation, issuer};

public_reason!(PdsRelease = "iat portable data set");

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(portable_data_set))
}

/// Where the organisation with issuer identifier `issuer` and code `ods` answers requests.
pub fn endpoint_of(issuer: &str, ods: &str) -> Option<String> {
    let base = issuer.strip_suffix(&format!("/issuers/{ods}"))?;
    Some(format!("{base}/iat/{ods}/portable-data-set"))
}

fn refused_jws(e: &VerifyError) -> ApiError {
    ApiError::invalid("request", format!("{}: {}", e.code(), e.detail()))
}

fn refused(r: RemoteRefusal) -> ApiError {
    ApiError::invalid(r.field(), format!("{}: {}", r.code(), r.message()))
}

/// A refusal that fresher trust lists could turn into an acceptance.
fn unknown_signer(e: &VerifyError) -> bool {
    matches!(e, VerifyError::IssuerNotTrusted(_) | VerifyError::KeyNotTrusted(_))
}

/// Why the new employer refused an answer: a stable code (the credential engine's or the
/// domain's) and a detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerRefused {
    pub code: &'static str,
    pub detail: String,
}

impl std::fmt::Display for AnswerRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.detail)
    }
}

impl From<VerifyError> for AnswerRefused {
    fn from(e: VerifyError) -> Self {
        AnswerRefused { code: e.code(), detail: e.detail().to_owned() }
    }
}

fn claims<T: DeserializeOwned>(payload: serde_json::Map<String, Value>) -> Result<T, VerifyError> {
    serde_json::from_value(Value::Object(payload)).map_err(|e| VerifyError::PayloadInvalid(e.to_string()))
}

/// Another deployment asks for a worker's Portable Data Set: the body is the requesting
/// organisation's signed request (`application/jwt`, `typ: iat-pds-request+jwt`), the answer the
/// data set signed by this organisation (`typ: iat-pds+jwt`). Refused with a 422 problem naming the
/// reason's code (`request`: unsigned, untrusted, tampered, expired, addressed elsewhere, replayed;
/// `consent`; `worker`: `no_match`, `ambiguous`); nothing is released then. The release is audited
/// on this organisation's chain, naming the requesting organisation. Public: the signature is the
/// authentication.
#[utoipa::path(post, path = "/iat/{ods_code}/portable-data-set", tag = "public",
    params(("ods_code" = String, Path)),
    request_body(content = String, content_type = "application/jwt", description = "the signed request"),
    responses((status = 200, content_type = "application/jwt", body = String, description = "the signed data set"),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn portable_data_set(
    State(state): State<AppState>,
    PublicOrg { org, scope, .. }: PublicOrg<PdsRelease>,
    body: String,
) -> ApiResult<Response> {
    let now = (state.clock)().timestamp();
    let trust = federation::trust(&state).await?;
    let verified = match org_jwt::verify(&body, REQUEST_TYP, &trust) {
        Err(e) if unknown_signer(&e) => {
            org_jwt::verify(&body, REQUEST_TYP, &federation::trust_refreshed(&state).await?)
        }
        checked => checked,
    }
    .map_err(|e| refused_jws(&e))?;
    let request: PdsRequest = claims(verified.payload).map_err(|e| refused_jws(&e))?;
    let me = issuer::issuer_id(state.public_url(), org.ods_code.as_str());
    request.validate(&me, &org.ods_code, now).map_err(refused)?;
    if let Some(signed) = &request.consent.wallet {
        check_wallet_consent(signed, &request, &verified.ods_code, &trust, now)?;
    }
    let signer = issuer::signer_for(&state, &org.id).await?;
    let release = ReleaseRequest {
        requester_ods: &verified.ods_code,
        requester_issuer: &verified.iss,
        jti: &request.jti,
        worker: &request.worker,
    };
    let pds = state.store.dataset(&scope).release_pds(&release).await?.map_err(refused)?;
    let answer =
        PdsAnswer { iss: me, aud: request.iss, iat: now, exp: now + LIFETIME_SECS, request_jti: request.jti, pds };
    let payload = serde_json::to_value(&answer).map_err(|e| ApiError::Internal(e.to_string()))?;
    let token = org_jwt::sign(ANSWER_TYP, &payload, &signer).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(([(CONTENT_TYPE, "application/jwt")], token).into_response())
}

/// How long ago a worker may have signed the consent a request carries.
const WALLET_CONSENT_MAX_AGE_SECS: i64 = 365 * 86_400;

/// The worker's wallet signature on the consent a request carries: a credential a trusted issuer
/// bound to the key that signed, consent given (not withdrawn) to the requesting organisation,
/// signed within the last year and before the request, by a holder whose family name is the
/// worker's. Refused as `consent_invalid` naming why.
fn check_wallet_consent(
    signed: &WalletSignedConsent,
    request: &PdsRequest,
    requester_ods: &str,
    trust: &dyn credentials::trust::TrustSource,
    now: i64,
) -> Result<(), ApiError> {
    let invalid = |why: String| ApiError::invalid("consent", format!("consent_invalid: {why}"));
    let proof =
        ConsentProof { presentation: signed.presentation.clone(), transaction_data: signed.transaction_data.clone() };
    let expect = ConsentExpectations {
        new_employer_ods: requester_ods,
        now,
        max_age: WALLET_CONSENT_MAX_AGE_SECS,
        clock_skew: CLOCK_SKEW_SECS,
    };
    let verified = verify_consent(&proof, &expect, trust)
        .map_err(|e| invalid(format!("the wallet signature does not stand ({}: {e})", e.code())))?;
    if !verified.statement.given {
        return Err(invalid("the wallet signed a withdrawal".into()));
    }
    if verified.signed_at > request.iat + CLOCK_SKEW_SECS {
        return Err(invalid("the wallet signed after the request was made".into()));
    }
    let holder = verified.family_name.as_deref().map(normalise_surname);
    if holder.is_none_or(|name| name != normalise_surname(&request.worker.family_name)) {
        return Err(invalid("the wallet's credential names another person".into()));
    }
    Ok(())
}

/// Verifies the previous employer's answer to `request`: signed by a key the trust lists give its
/// issuer, of the answer's type, and (domain rules) from the issuer asked, to us, answering this
/// request, holding the organisation's data set, in its time window.
pub fn verify_answer(
    token: &str,
    request: &PdsRequest,
    trust: &dyn credentials::trust::TrustSource,
    now: i64,
) -> Result<PdsAnswer, AnswerRefused> {
    let verified = org_jwt::verify(token, ANSWER_TYP, trust)?;
    let answer: PdsAnswer = claims(verified.payload)?;
    answer.validate(request, now).map_err(|r| AnswerRefused { code: r.code(), detail: r.message().to_owned() })?;
    Ok(answer)
}

/// The field a local refusal is about (as for a transfer within the deployment).
fn refused_here(refusal: TransferRefusal) -> ApiError {
    let field = match refusal {
        TransferRefusal::NoConsent | TransferRefusal::ConsentWithdrawn => "consent",
        TransferRefusal::NoApplicantAssignment => "assignment",
        _ => "source_ods",
    };
    ApiError::invalid(field, format!("{}: {}", refusal.code(), refusal.message()))
}

/// The new employer's side of a transfer from `source_ods`, served by another deployment: see the
/// module comment. A transfer from that organisation already done returns its report without
/// asking again.
pub async fn request_transfer(
    state: &AppState,
    scope: &OrgScope,
    person_id: &str,
    source_ods: &OdsCode,
) -> ApiResult<TransferReport> {
    let dataset = state.store.dataset(scope);
    if let Some(report) = dataset.remote_transfer_done(person_id, source_ods).await? {
        return Ok(report);
    }
    let trust = federation::trust(state).await?;
    let source_issuer = trust.remote_issuer_of_ods(source_ods.as_str()).ok_or_else(|| {
        ApiError::invalid("source_ods", "is not an organisation of another deployment this one trusts")
    })?;
    let endpoint = endpoint_of(&source_issuer, source_ods.as_str())
        .ok_or_else(|| ApiError::invalid("source_ods", "its deployment publishes no transfer endpoint we know"))?;
    let applicant = dataset.remote_transfer_preflight(person_id).await?.map_err(refused_here)?;
    let mut consent =
        ConsentClaim::from_record(&applicant.consent).ok_or_else(|| refused_here(TransferRefusal::NoConsent))?;
    consent.wallet = applicant
        .wallet_proof
        .map(|p| WalletSignedConsent { presentation: p.presentation, transaction_data: p.transaction_data });
    let me = state.store.registry().get_organisation(scope.org_id()).await?;
    let now = (state.clock)().timestamp();
    let request = PdsRequest {
        iss: issuer::issuer_id(state.public_url(), me.ods_code.as_str()),
        aud: source_issuer.clone(),
        iat: now,
        exp: now + LIFETIME_SECS,
        jti: uuid::Uuid::new_v4().to_string(),
        source_ods: source_ods.clone(),
        worker: applicant.worker,
        consent,
    };
    let signer = issuer::signer_for(state, scope.org_id()).await?;
    let payload = serde_json::to_value(&request).map_err(|e| ApiError::Internal(e.to_string()))?;
    let token = org_jwt::sign(REQUEST_TYP, &payload, &signer).map_err(|e| ApiError::Internal(e.to_string()))?;
    let (status, body) = state.federation.post_jwt(&endpoint, &token).await.map_err(|why| {
        tracing::warn!(%why, "previous employer's deployment not reached");
        ApiError::Status {
            status: StatusCode::BAD_GATEWAY,
            detail: "The previous employer's deployment could not be reached.".into(),
        }
    })?;
    if status != 200 {
        let detail = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|p| p.get("detail").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_else(|| format!("HTTP {status}"));
        if (400..500).contains(&status) {
            return Err(ApiError::invalid("source_ods", format!("the previous employer refused: {detail}")));
        }
        tracing::warn!(status, "previous employer's deployment failed");
        return Err(ApiError::Status {
            status: StatusCode::BAD_GATEWAY,
            detail: "The previous employer's deployment failed to answer.".into(),
        });
    }
    let now = (state.clock)().timestamp();
    let answer = match verify_answer(&body, &request, &trust, now) {
        Err(why) if ["issuer_not_trusted", "key_not_trusted"].contains(&why.code) => {
            verify_answer(&body, &request, &federation::trust_refreshed(state).await?, now)
        }
        checked => checked,
    }
    .map_err(|why| ApiError::invalid("source_ods", format!("the previous employer's answer was refused: {why}")))?;
    dataset.apply_remote_transfer(person_id, &source_issuer, &answer.pds).await?.map_err(refused_here)
}

#[cfg(test)]
mod tests {
    use super::endpoint_of;

    #[test]
    fn the_endpoint_follows_from_the_listed_issuer_only() {
        let endpoint = endpoint_of("https://a.example/issuers/RRK", "RRK");
        assert_eq!(endpoint.as_deref(), Some("https://a.example/iat/RRK/portable-data-set"));
        // An issuer identifier of another organisation, or of another layout, names no endpoint.
        assert_eq!(endpoint_of("https://a.example/issuers/RTH", "RRK"), None);
        assert_eq!(endpoint_of("https://a.example/RRK", "RRK"), None);
    }
}
