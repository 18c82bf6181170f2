//! Requests for the worker's wallet to sign their consent to an inter-authority transfer, or its
//! withdrawal (`transfer_consent_vp.rs`): made by the new employer's HR for an applicant, or by the
//! worker for their own record in self-service. The answer, not the request, records the consent.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use store::Role;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::me::{ConsentChoice, WorkerCaller};
use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::OrgCaller;
use crate::json::ValidJson;
use crate::transfer_consent_vp::{CreatedConsentRequest, create};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(hr_request)).routes(routes!(my_request))
}

/// Ask the applicant's wallet to sign their consent (`given: true`) or its withdrawal: the link and
/// QR code to show them. Once their wallet answers, the statement is recorded with method `wallet`
/// and the signature, which a transfer from another deployment carries. Roles: hr, admin.
#[utoipa::path(post, path = "/people/{person_id}/transfer-consent/wallet-request", tag = "transfers",
    request_body = ConsentChoice, security(("bearer" = [])), params(("person_id" = String, Path)),
    responses((status = 201, body = CreatedConsentRequest), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn hr_request(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(person_id): Path<String>,
    ValidJson(choice): ValidJson<ConsentChoice>,
) -> ApiResult<(StatusCode, Json<CreatedConsentRequest>)> {
    caller.require(&[Role::Hr, Role::Admin])?;
    Ok((StatusCode::CREATED, Json(create(&state, &caller.scope, &person_id, choice.given).await?)))
}

/// Sign my consent to transfers into this organisation's record (or its withdrawal) with my wallet:
/// the link and QR code to open with the wallet that holds my passport. Role: worker.
#[utoipa::path(post, path = "/me/organisations/{ods_code}/transfer-consent/wallet-request", tag = "self-service",
    request_body = ConsentChoice, security(("bearer" = [])), params(("ods_code" = String, Path)),
    responses((status = 201, body = CreatedConsentRequest), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn my_request(
    State(state): State<AppState>,
    WorkerCaller(scope): WorkerCaller,
    Path(ods_code): Path<String>,
    ValidJson(choice): ValidJson<ConsentChoice>,
) -> ApiResult<(StatusCode, Json<CreatedConsentRequest>)> {
    let link = state.store.me(&scope).link(&ods_code).await?;
    Ok((StatusCode::CREATED, Json(create(&state, link.scope(), link.person_id(), choice.given).await?)))
}
