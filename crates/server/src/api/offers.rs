//! Credential offers: HR offers a person's passport credentials to the worker's wallet by an
//! OpenID4VCI offer link (and QR code) plus a PIN shown once here. The issuing endpoints the
//! wallet then talks to are in [`crate::oid4vci`].

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::passport::PassportType;
use serde::Deserialize;
use store::Role;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::OrgCaller;
use crate::json::ValidJson;
use crate::oid4vci::{self, CreatedOffer};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create))
}

/// Which credentials to offer.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferRequest {
    /// Passport credential types (`criminal_record`, `training`, …), at least one.
    #[schema(min_items = 1)]
    pub types: Vec<PassportType>,
}

/// Offer a person passport credentials through their wallet: returns the offer link, its QR code
/// and the PIN (shown only here). The code is single-use and expires after 15 minutes; five wrong
/// PINs lock it. Role: hr.
#[utoipa::path(post, path = "/people/{person_id}/credential-offers", tag = "credentials", request_body = OfferRequest,
    security(("bearer" = [])), params(("person_id" = String, Path)),
    responses((status = 201, body = CreatedOffer), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn create(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(person_id): Path<String>,
    ValidJson(request): ValidJson<OfferRequest>,
) -> ApiResult<(StatusCode, Json<CreatedOffer>)> {
    caller.require(&[Role::Hr])?;
    // Person first, so another organisation's id is 404 whatever the body says.
    state.store.dataset(&caller.scope).get_person(&person_id).await?;
    if request.types.is_empty() {
        return Err(ApiError::invalid("types", "name at least one credential type"));
    }
    let offer = oid4vci::create_offer(&state, &caller.scope, &person_id, &request.types).await?;
    Ok((StatusCode::CREATED, Json(offer)))
}
