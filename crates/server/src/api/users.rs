//! Organisation users and their API tokens, and password login that returns a token.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use store::{NewUser, Role, StoreError, User};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::OrgCaller;
use crate::json::ValidJson;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_user, list_users)).routes(routes!(issue_token)).routes(routes!(login))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    pub email: String,
    pub display_name: String,
    /// Any of `admin`, `hr`, `training`, `occupational_health`, `verifier`.
    pub roles: Vec<String>,
    /// At least 10 characters; omit for a token-only account.
    pub password: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub roles: Vec<String>,
    pub disabled: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        UserView {
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            roles: u.roles.iter().map(|r| r.as_str().to_owned()).collect(),
            disabled: u.disabled,
            created_at: u.created_at,
        }
    }
}

/// A new API token: `token` is shown this once and stored only as a hash.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenView {
    pub id: String,
    pub token: String,
    pub label: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// What the token is for, e.g. `rota system`.
    pub label: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub ods_code: String,
    pub email: String,
    pub password: String,
    /// Label of the token issued on success.
    #[serde(default)]
    pub label: Option<String>,
}

fn parse_roles(roles: &[String]) -> ApiResult<Vec<Role>> {
    roles
        .iter()
        .enumerate()
        .map(|(i, r)| {
            Role::parse(r).ok_or_else(|| ApiError::invalid(format!("roles[{i}]"), format!("unknown role `{r}`")))
        })
        .collect()
}

/// Create a user in the caller's organisation. Role: admin.
#[utoipa::path(post, path = "/users", tag = "users", request_body = NewUserBody, security(("bearer" = [])),
    responses((status = 201, body = UserView), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_user(
    State(state): State<AppState>,
    caller: OrgCaller,
    ValidJson(body): ValidJson<NewUserBody>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    caller.require(&[Role::Admin])?;
    let roles = parse_roles(&body.roles)?;
    let new = NewUser { email: body.email, display_name: body.display_name, roles, password: body.password };
    let user = state.store.auth().create_user(&caller.scope, new).await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

/// Users of the caller's organisation. Role: admin.
#[utoipa::path(get, path = "/users", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = [UserView])))]
async fn list_users(State(state): State<AppState>, caller: OrgCaller) -> ApiResult<Json<Vec<UserView>>> {
    caller.require(&[Role::Admin])?;
    let users = state.store.auth().list_users(&caller.scope).await?;
    Ok(Json(users.into_iter().map(UserView::from).collect()))
}

/// Issue an API token for a user: any user for themselves, an admin for anyone in the organisation.
#[utoipa::path(post, path = "/users/{user_id}/tokens", tag = "users", request_body = TokenRequest,
    security(("bearer" = [])), params(("user_id" = String, Path)),
    responses((status = 201, body = TokenView), (status = 404, body = Problem)))]
async fn issue_token(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(user_id): Path<String>,
    ValidJson(body): ValidJson<TokenRequest>,
) -> ApiResult<(StatusCode, Json<TokenView>)> {
    if user_id != caller.user_id {
        caller.require(&[Role::Admin])?;
    }
    let token = state.store.auth().issue_token(&caller.scope, &user_id, body.label.trim()).await?;
    Ok((StatusCode::CREATED, Json(TokenView { id: token.id, token: token.token, label: token.label })))
}

/// Exchange an organisation user's password for an API token. No token needed.
#[utoipa::path(post, path = "/auth/token", tag = "users", request_body = LoginRequest,
    responses((status = 201, body = TokenView), (status = 401, body = Problem)))]
async fn login(
    State(state): State<AppState>,
    ValidJson(body): ValidJson<LoginRequest>,
) -> ApiResult<(StatusCode, Json<TokenView>)> {
    let auth = state.store.auth();
    let principal = match auth.login(&body.ods_code, &body.email, &body.password).await {
        Ok(principal) => principal,
        Err(StoreError::Unauthenticated | StoreError::NotFound | StoreError::Invalid(_)) => {
            return Err(ApiError::Unauthenticated);
        }
        Err(other) => return Err(other.into()),
    };
    let scope = principal.scope.as_ref().ok_or(ApiError::Unauthenticated)?;
    let label = body.label.as_deref().unwrap_or("password login");
    let token = auth.issue_token(scope, &principal.user_id, label).await?;
    Ok((StatusCode::CREATED, Json(TokenView { id: token.id, token: token.token, label: token.label })))
}
