//! Organisation users and their API tokens, and password login that returns a token.
//!
//! Tokens expire (the server's `--token-ttl-days`, default 30). Everyone may list, issue and revoke their
//! own; an admin may do so for anyone in the organisation, and disable or enable users. Login is
//! throttled per account and per client address by the store (429 with `Retry-After`), and answers 503
//! when too many password hashes are already running.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use store::{NewUser, Role, StoreError, TokenInfo, User};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::OrgCaller;
use crate::http::ClientAddr;
use crate::json::ValidJson;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_user, list_users))
        .routes(routes!(issue_token, list_tokens, revoke_all_tokens))
        .routes(routes!(revoke_token))
        .routes(routes!(disable_user))
        .routes(routes!(enable_user))
        .routes(routes!(login))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    pub email: String,
    pub display_name: String,
    /// Any of `admin`, `hr`, `training`, `occupational_health`, `verifier`.
    pub roles: Vec<String>,
    /// At least 10 characters and not one of the most common passwords (or one with digits added); no
    /// other rules. Omit for a token-only account.
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
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// A token as listed: never the secret.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenInfoView {
    pub id: String,
    pub label: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<TokenInfo> for TokenInfoView {
    fn from(t: TokenInfo) -> Self {
        TokenInfoView {
            id: t.id,
            label: t.label,
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// How many tokens a revocation ended.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Revoked {
    pub revoked: u64,
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

/// Refuse unless the caller acts on their own account or is an admin.
fn own_or_admin(caller: &OrgCaller, user_id: &str) -> ApiResult<()> {
    if user_id == caller.user_id { Ok(()) } else { caller.require(&[Role::Admin]) }
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
    own_or_admin(&caller, &user_id)?;
    let (token, expires_at) =
        state.store.auth().issue_token_expiring(&caller.scope, &user_id, body.label.trim()).await?;
    Ok((StatusCode::CREATED, Json(TokenView { id: token.id, token: token.token, label: token.label, expires_at })))
}

/// A user's tokens (live, expired and revoked; never the secrets): any user their own, an admin anyone's.
#[utoipa::path(get, path = "/users/{user_id}/tokens", tag = "users", security(("bearer" = [])),
    params(("user_id" = String, Path)),
    responses((status = 200, body = [TokenInfoView]), (status = 404, body = Problem)))]
async fn list_tokens(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(user_id): Path<String>,
) -> ApiResult<Json<Vec<TokenInfoView>>> {
    own_or_admin(&caller, &user_id)?;
    let auth = state.store.auth();
    auth.get_user(&caller.scope, &user_id).await?;
    Ok(Json(auth.list_tokens(&caller.scope, &user_id).await?.into_iter().map(TokenInfoView::from).collect()))
}

/// Revoke one of a user's tokens: any user their own, an admin anyone's.
#[utoipa::path(delete, path = "/users/{user_id}/tokens/{token_id}", tag = "users", security(("bearer" = [])),
    params(("user_id" = String, Path), ("token_id" = String, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
async fn revoke_token(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path((user_id, token_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    own_or_admin(&caller, &user_id)?;
    state.store.auth().revoke_user_token(&caller.scope, &user_id, &token_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revoke every live token of a user (signs them out everywhere): any user their own, an admin anyone's.
#[utoipa::path(delete, path = "/users/{user_id}/tokens", tag = "users", security(("bearer" = [])),
    params(("user_id" = String, Path)),
    responses((status = 200, body = Revoked), (status = 404, body = Problem)))]
async fn revoke_all_tokens(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(user_id): Path<String>,
) -> ApiResult<Json<Revoked>> {
    own_or_admin(&caller, &user_id)?;
    let revoked = state.store.auth().revoke_all_tokens(&caller.scope, &user_id).await?;
    Ok(Json(Revoked { revoked }))
}

/// Disable a user: their password and tokens stop working at once. Role: admin (not on themselves).
#[utoipa::path(post, path = "/users/{user_id}/disable", tag = "users", security(("bearer" = [])),
    params(("user_id" = String, Path)),
    responses((status = 200, body = UserView), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn disable_user(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(user_id): Path<String>,
) -> ApiResult<Json<UserView>> {
    caller.require(&[Role::Admin])?;
    if user_id == caller.user_id {
        return Err(ApiError::invalid("user_id", "an admin cannot disable their own account"));
    }
    set_disabled(&state, &caller, &user_id, true).await
}

/// Enable a disabled user again (their old tokens stay valid until they expire). Role: admin.
#[utoipa::path(post, path = "/users/{user_id}/enable", tag = "users", security(("bearer" = [])),
    params(("user_id" = String, Path)),
    responses((status = 200, body = UserView), (status = 404, body = Problem)))]
async fn enable_user(
    State(state): State<AppState>,
    caller: OrgCaller,
    Path(user_id): Path<String>,
) -> ApiResult<Json<UserView>> {
    caller.require(&[Role::Admin])?;
    set_disabled(&state, &caller, &user_id, false).await
}

async fn set_disabled(
    state: &AppState,
    caller: &OrgCaller,
    user_id: &str,
    disabled: bool,
) -> ApiResult<Json<UserView>> {
    let auth = state.store.auth();
    auth.set_disabled(&caller.scope, user_id, disabled).await?;
    Ok(Json(auth.get_user(&caller.scope, user_id).await?.into()))
}

/// Exchange an organisation user's password for an API token. No token needed. After 10 failures for
/// an account (or 100 from one address) within 15 minutes, attempts are refused with 429 and
/// `Retry-After` until the lock ends, without checking the password.
#[utoipa::path(post, path = "/auth/token", tag = "users", request_body = LoginRequest,
    responses((status = 201, body = TokenView), (status = 401, body = Problem), (status = 429, body = Problem),
        (status = 503, body = Problem)))]
async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ValidJson(body): ValidJson<LoginRequest>,
) -> ApiResult<(StatusCode, Json<TokenView>)> {
    let auth = state.store.auth().from_client(client);
    let principal = match auth.login(&body.ods_code, &body.email, &body.password).await {
        Ok(principal) => principal,
        Err(StoreError::Unauthenticated | StoreError::NotFound | StoreError::Invalid(_)) => {
            return Err(ApiError::Unauthenticated);
        }
        Err(other) => return Err(other.into()),
    };
    let scope = principal.scope.as_ref().ok_or(ApiError::Unauthenticated)?;
    let label = body.label.as_deref().unwrap_or("password login");
    let (token, expires_at) = auth.issue_token_expiring(scope, &principal.user_id, label).await?;
    Ok((StatusCode::CREATED, Json(TokenView { id: token.id, token: token.token, label: token.label, expires_at })))
}
