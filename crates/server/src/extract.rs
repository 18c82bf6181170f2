//! Extractors that open an organisation's dataset. A handler that touches an organisation's data takes
//! [`OrgCaller`], whose only source of an [`OrgScope`] is a verified bearer token; operator routes take
//! [`OperatorCaller`]; the public protocol routes, which have no caller to authenticate, take [`PublicOrg`],
//! whose scope is a system scope naming the route's stated reason.

use std::marker::PhantomData;

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use store::{OrgScope, Organisation, Principal, RegistryScope, Role, StoreError};

use crate::AppState;
use crate::error::ApiError;

/// Any authenticated caller.
pub struct Caller(pub Principal);

/// A principal already authenticated for this request (request extension), so the token is looked up once.
#[derive(Clone)]
pub struct Authenticated(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // Already checked by the role matrix (`roles::enforce`) for this request.
        if let Some(Authenticated(principal)) = parts.extensions.get::<Authenticated>() {
            return Ok(Caller(principal.clone()));
        }
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or(ApiError::Unauthenticated)?;
        match state.store.auth().authenticate_token(token).await {
            Ok(principal) => {
                let org = principal.scope.as_ref().map(|s| s.org_id());
                crate::metrics::record_principal(&parts.extensions, org, &principal.user_id);
                Ok(Caller(principal))
            }
            Err(StoreError::Unauthenticated | StoreError::NotFound) => Err(ApiError::Unauthenticated),
            Err(other) => Err(other.into()),
        }
    }
}

/// A user of one organisation, acting inside its dataset.
pub struct OrgCaller {
    pub scope: OrgScope,
    pub roles: Vec<Role>,
    pub user_id: String,
}

impl OrgCaller {
    /// Refuse unless the caller holds one of `roles` (admins may do everything in their own organisation).
    /// Answers 404, like everything a caller may not touch, so a role check reveals nothing either.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if self.roles.contains(&Role::Admin) || roles.iter().any(|role| self.roles.contains(role)) {
            Ok(())
        } else {
            tracing::info!(user = %self.user_id, needed = ?roles, "refused: role missing");
            Err(ApiError::NotFound)
        }
    }
}

impl FromRequestParts<AppState> for OrgCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Caller(principal) = Caller::from_request_parts(parts, state).await?;
        match principal.scope {
            Some(scope) => Ok(OrgCaller { scope, roles: principal.roles, user_id: principal.user_id }),
            // An operator sees no personal data: to them every dataset route does not exist.
            None => Err(ApiError::NotFound),
        }
    }
}

/// A registry operator.
pub struct OperatorCaller(pub RegistryScope);

impl FromRequestParts<AppState> for OperatorCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Caller(principal) = Caller::from_request_parts(parts, state).await?;
        principal.registry_scope().map(OperatorCaller).ok_or(ApiError::NotFound)
    }
}

/// Why a public route opens an organisation's dataset: the text its audit rows carry as the actor.
pub trait PublicReason {
    const REASON: &'static str;
}

/// Declares a [`PublicReason`]: `public_reason!(Name = "reason");`.
macro_rules! public_reason {
    ($(#[$meta:meta])* $name:ident = $reason:literal) => {
        $(#[$meta])*
        pub(crate) struct $name;
        impl $crate::extract::PublicReason for $name {
            const REASON: &'static str = $reason;
        }
    };
}
pub(crate) use public_reason;

/// The path parameter naming the organisation: `ods` on the protocol routes, `ods_code` on the routes in
/// the OpenAPI document (as everywhere else in the API).
const ODS_PARAMS: [&str; 2] = ["ods", "ods_code"];

/// The organisation whose ODS code is in the path, and a system scope in it stating `R`'s reason: the
/// one door by which an unauthenticated route reaches an organisation's dataset. An unknown or malformed
/// code is refused as `E` answers [`ApiError::NotFound`] (a problem, or an OAuth error on OAuth
/// endpoints), so a route keeps its error shape.
pub struct PublicOrg<R, E = ApiError> {
    pub org: Organisation,
    pub scope: OrgScope,
    _reason: PhantomData<fn() -> (R, E)>,
}

impl<R: PublicReason, E: From<ApiError> + IntoResponse> FromRequestParts<AppState> for PublicOrg<R, E> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let params = RawPathParams::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        let Some(ods) = params.iter().find(|(name, _)| ODS_PARAMS.contains(name)).map(|(_, value)| value) else {
            let wiring = ApiError::Internal(format!("{} route has no ODS code parameter", R::REASON));
            return Err(E::from(wiring).into_response());
        };
        let org = crate::oid4vci::organisation(state, ods).await.map_err(|e| E::from(e).into_response())?;
        let scope = OrgScope::system(org.id.clone(), R::REASON);
        Ok(PublicOrg { org, scope, _reason: PhantomData })
    }
}
