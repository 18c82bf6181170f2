//! Authentication extractors. A handler that touches an organisation's data takes [`OrgCaller`], whose only
//! source of an [`OrgScope`] is a verified bearer token; operator routes take [`OperatorCaller`].

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use store::{OrgScope, Principal, RegistryScope, Role, StoreError};

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
