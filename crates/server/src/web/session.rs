//! The signed-in user of a page: the session cookie resolved by the store, its CSRF token, and the
//! caller types the API's permission checks take ([`OrgCaller`]), so pages and API refuse alike.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use store::{Role, SessionLimits, SessionStage, WebSession};

use super::{Chrome, UserChrome, WebError, menu};
use crate::AppState;
use crate::extract::OrgCaller;

/// The session cookie: HttpOnly, SameSite=Lax, Secure when the public URL is https, path `/`.
pub const SESSION_COOKIE: &str = "passport_session";

/// A cookie's value from the request.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: `max_age` `None` for a session cookie, `Some(0)` to delete.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age: Option<i64>) -> String {
    let secure = if state.public_url().starts_with("https://") { "; Secure" } else { "" };
    let age = max_age.map(|a| format!("; Max-Age={a}")).unwrap_or_default();
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}{age}")
}

/// The lifetimes pages use (30 minutes idle, 12 hours at most).
pub fn limits() -> SessionLimits {
    SessionLimits::default()
}

/// A session cookie that may be only half-way through sign-in (password given, second factor not yet).
pub struct AnySession {
    pub token: String,
    pub session: WebSession,
}

impl FromRequestParts<AppState> for AnySession {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = cookie(parts, SESSION_COOKIE).ok_or(WebError::SignIn)?.to_owned();
        let now = (state.clock)().timestamp();
        let session = state.store.auth().session(&token, now, limits()).await?;
        Ok(AnySession { token, session })
    }
}

/// A fully signed-in user.
pub struct Signed {
    pub token: String,
    pub session: WebSession,
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let AnySession { token, session } = AnySession::from_request_parts(parts, state).await?;
        if session.stage != SessionStage::Full {
            return Err(WebError::SignIn);
        }
        Ok(Signed { token, session })
    }
}

impl Signed {
    /// The caller as an organisation user, with the API's permission check; an operator gets 404.
    pub fn org(&self) -> Result<OrgCaller, WebError> {
        let principal = &self.session.principal;
        match &principal.scope {
            Some(scope) => Ok(OrgCaller {
                scope: scope.clone(),
                roles: principal.roles.clone(),
                user_id: principal.user_id.clone(),
            }),
            None => Err(WebError::NotFound),
        }
    }

    /// An organisation user holding one of `roles` (admins hold all), else 404.
    pub fn require(&self, roles: &[Role]) -> Result<OrgCaller, WebError> {
        let caller = self.org()?;
        caller.require(roles)?;
        Ok(caller)
    }

    /// Refuses a form whose CSRF token is not this session's (compared in constant time).
    pub fn check_csrf(&self, sent: &str) -> Result<(), WebError> {
        check_csrf(&self.session.csrf_token, sent)
    }

    /// The layout for this user, with `current` the menu section shown.
    pub async fn chrome(&self, state: &AppState, current: &str) -> Chrome {
        let principal = &self.session.principal;
        let organisation = match &principal.scope {
            Some(scope) => match state.store.registry().get_organisation(scope.org_id()).await {
                Ok(org) => org.name,
                Err(_) => String::new(),
            },
            None => "Registry operator".to_owned(),
        };
        Chrome {
            user: Some(UserChrome {
                name: self.session.display_name.clone(),
                organisation,
                menu: menu(&principal.roles, principal.operator, current),
            }),
            csrf: self.session.csrf_token.clone(),
            ..Chrome::anonymous()
        }
    }
}

pub fn check_csrf(expected: &str, sent: &str) -> Result<(), WebError> {
    let (a, b) = (expected.as_bytes(), sent.trim().as_bytes());
    let same = !a.is_empty() && a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0;
    if same {
        Ok(())
    } else {
        tracing::info!("refused: CSRF token missing or wrong");
        Err(WebError::Csrf)
    }
}
