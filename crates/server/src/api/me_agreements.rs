//! The worker's own workforce sharing agreements (self-service): their deployments in every
//! organisation that employs them, with the state and who has yet to sign, and a signing request
//! for their own wallet when their signature is awaited. Only deployments naming the worker's own
//! linked record are reachable; anything else is 404.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::agreement::AgreementBody;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::agreements::AgreementView;
use super::me::WorkerCaller;
use crate::AppState;
use crate::agreements_vp::CreatedSigningRequest;
use crate::error::{ApiError, ApiResult, Problem};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(my_agreements)).routes(routes!(my_signing_request))
}

/// Every linked organisation's deployments of the worker, newest first.
pub(crate) async fn list(state: &AppState, scope: &store::WorkerScope) -> Result<Vec<AgreementView>, ApiError> {
    let me = state.store.me(scope);
    let today = state.today();
    let mut out = Vec::new();
    for org in me.organisations().await? {
        let link = me.link(&org.ods_code).await?;
        let found = state.store.agreements(link.scope()).of_worker(link.person_id()).await?;
        out.extend(found.into_iter().map(|a| AgreementView::new(a, today)));
    }
    Ok(out)
}

/// My agreements: every deployment an employer of mine has drafted for me. Role: worker.
#[utoipa::path(get, path = "/me/agreements", tag = "self-service", security(("bearer" = [])),
    responses((status = 200, body = Vec<AgreementView>), (status = 404, body = Problem)))]
async fn my_agreements(
    State(state): State<AppState>,
    WorkerCaller(scope): WorkerCaller,
) -> ApiResult<Json<Vec<AgreementView>>> {
    Ok(Json(list(&state, &scope).await?))
}

/// A request for my wallet to sign one of my deployments (OpenID4VP with transaction data): the
/// link and QR code to open with the wallet that holds my passport.
pub(crate) async fn signing_request(
    state: &AppState,
    scope: &store::WorkerScope,
    agreement_id: &str,
) -> Result<CreatedSigningRequest, ApiError> {
    let me = state.store.me(scope);
    for org in me.organisations().await? {
        let link = me.link(&org.ods_code).await?;
        let mine = state.store.agreements(link.scope()).of_worker(link.person_id()).await?;
        if mine.iter().any(|a| a.id == agreement_id && matches!(a.document.body, AgreementBody::Deployment(_))) {
            return crate::agreements_vp::create(state, link.scope(), agreement_id).await;
        }
    }
    Err(ApiError::NotFound)
}

/// Ask my wallet to sign my deployment: the employer's signing request, made by me. Role: worker.
#[utoipa::path(post, path = "/me/agreements/{agreement_id}/worker-signing", tag = "self-service",
    security(("bearer" = [])), params(("agreement_id" = String, Path)),
    responses((status = 201, body = CreatedSigningRequest), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn my_signing_request(
    State(state): State<AppState>,
    WorkerCaller(scope): WorkerCaller,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<CreatedSigningRequest>)> {
    Ok((StatusCode::CREATED, Json(signing_request(&state, &scope, &id).await?)))
}
