//! Signing in and out: organisation (ODS code), email and password, then a TOTP code when the user has
//! an authenticator or an admin requires one (enrolling it at the first sign-in), then a session cookie.
//!
//! The password goes through `Auth::login` / `Auth::operator_login` with the client's address, the same
//! path as the API's token login, so the same throttle locks both. The sign-in form, which has no session
//! yet, is protected by a double-submit token (a cookie and a hidden field that must match). After the
//! second factor the half-way session is replaced by a new one (a fresh cookie value: no fixation).

use askama::Template;
use axum::extract::{Form, State};
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Router, extract::FromRequestParts};
use rand::RngCore;
use serde::Deserialize;
use store::{Principal, SessionStage, StoreError};

use super::session::{AnySession, SESSION_COOKIE, Signed, check_csrf, cookie, set_cookie};
use super::{Chrome, FormErrors, WebError, WebResult, render};
use crate::AppState;
use crate::http::ClientAddr;

pub(super) const LOGIN_CSRF_COOKIE: &str = "passport_login_csrf";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login))
        .route("/login/totp", get(totp_form).post(totp))
        .route("/logout", post(logout))
}

/// Where a signed-in user starts: the first section of their menu.
async fn home(signed: Signed) -> Response {
    let principal = &signed.session.principal;
    let first = super::menu(&principal.roles, principal.operator, "").into_iter().next();
    Redirect::to(first.map(|m| m.href).unwrap_or("/people")).into_response()
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    errors: FormErrors,
    ods: String,
    email: String,
    login_csrf: String,
}

pub(super) fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The login form's double-submit token: the cookie's, or a new one.
pub(super) struct LoginCsrf(pub(super) Option<String>);

impl FromRequestParts<AppState> for LoginCsrf {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(LoginCsrf(cookie(parts, LOGIN_CSRF_COOKIE).map(str::to_owned)))
    }
}

fn login_page(state: &AppState, errors: FormErrors, ods: String, email: String) -> Response {
    let token = random_hex();
    let cookie = set_cookie(state, LOGIN_CSRF_COOKIE, &token, None);
    let page = LoginPage { chrome: Chrome::anonymous(), errors, ods, email, login_csrf: token };
    let status =
        if page.errors.is_empty() { axum::http::StatusCode::OK } else { axum::http::StatusCode::UNPROCESSABLE_ENTITY };
    (status, [(SET_COOKIE, cookie)], render(&page)).into_response()
}

/// The sign-in form. Anyone.
async fn login_form(State(state): State<AppState>) -> Response {
    login_page(&state, FormErrors::default(), String::new(), String::new())
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    ods: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// Checks the password (throttled like the API's login) and opens a session. Anyone.
async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    LoginCsrf(expected): LoginCsrf,
    Form(form): Form<LoginForm>,
) -> WebResult<Response> {
    check_csrf(expected.as_deref().unwrap_or(""), &form.csrf_token)?;
    let mut errors = missing_credentials(&form.email, &form.password);
    if !errors.is_empty() {
        return Ok(login_page(&state, errors, form.ods, form.email));
    }
    let auth = state.store.auth().from_client(client);
    let outcome = if form.ods.trim().is_empty() {
        auth.operator_login(&form.email, &form.password).await
    } else {
        auth.login(&form.ods, &form.email, &form.password).await
    };
    let principal = match outcome {
        Ok(principal) => principal,
        Err(StoreError::Unauthenticated) => {
            errors.add("email", "The organisation code, email address or password is not right");
            return Ok(login_page(&state, errors, form.ods, form.email));
        }
        Err(StoreError::Throttled { retry_after_secs } | StoreError::Busy { retry_after_secs }) => {
            throttled(&mut errors, "email", retry_after_secs);
            return Ok(login_page(&state, errors, form.ods, form.email));
        }
        Err(other) => return Err(other.into()),
    };
    let totp = state.store.auth().totp_state(&principal.user_id).await?;
    let stage = if totp.required || totp.enrolled { SessionStage::Password } else { SessionStage::Full };
    let next = if stage == SessionStage::Full { "/" } else { "/login/totp" };
    open_session(&state, &principal, stage, next).await
}

/// The sign-in forms' first check: both fields filled in.
pub(super) fn missing_credentials(email: &str, password: &str) -> FormErrors {
    let mut errors = FormErrors::default();
    if email.trim().is_empty() {
        errors.add("email", "Enter your email address");
    }
    if password.is_empty() {
        errors.add("password", "Enter your password");
    }
    errors
}

/// A throttled sign-in (or second factor), named on `field`.
pub(super) fn throttled(errors: &mut FormErrors, field: &str, retry_after_secs: u64) {
    errors.add(field, format!("Too many attempts. Try again in {} minutes", retry_after_secs.div_ceil(60).max(1)));
}

pub(super) async fn open_session(
    state: &AppState,
    principal: &Principal,
    stage: SessionStage,
    next: &str,
) -> WebResult<Response> {
    let now = (state.clock)().timestamp();
    let session = state.store.auth().create_session(principal, stage, now).await?;
    // Two cookies: `AppendHeaders`, since an array of header pairs would keep only the last one.
    let cookies = AppendHeaders([
        (SET_COOKIE, set_cookie(state, SESSION_COOKIE, &session.token, None)),
        (SET_COOKIE, set_cookie(state, LOGIN_CSRF_COOKIE, "", Some(0))),
    ]);
    Ok((cookies, Redirect::to(next)).into_response())
}

#[derive(Template)]
#[template(path = "totp.html")]
struct TotpPage {
    chrome: Chrome,
    errors: FormErrors,
    /// Set while enrolling: the secret and its link, shown once.
    enrolment: Option<Enrolment>,
}

struct Enrolment {
    secret: String,
    uri: String,
    qr_svg: String,
}

/// The second factor: a code, or enrolment when required and not yet set up. A half-signed-in user.
async fn totp_form(State(state): State<AppState>, any: AnySession) -> WebResult<Response> {
    totp_page(&state, &any, FormErrors::default()).await
}

async fn totp_page(state: &AppState, any: &AnySession, errors: FormErrors) -> WebResult<Response> {
    if any.session.stage == SessionStage::Full {
        return Ok(Redirect::to("/").into_response());
    }
    let user = &any.session.principal.user_id;
    let enrolment = if state.store.auth().totp_state(user).await?.enrolled {
        None
    } else {
        let issuer = "Staff Passport";
        let e = state.store.auth().begin_totp_enrolment(user, issuer, &any.session.email).await?;
        Some(Enrolment { qr_svg: crate::oid4vci::qr_svg(&e.otpauth_uri)?, secret: e.secret, uri: e.otpauth_uri })
    };
    let chrome = Chrome { csrf: any.session.csrf_token.clone(), ..Chrome::anonymous() };
    let status =
        if errors.is_empty() { axum::http::StatusCode::OK } else { axum::http::StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, render(&TotpPage { chrome, errors, enrolment })).into_response())
}

#[derive(Deserialize)]
struct TotpForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    code: String,
}

/// Checks the code; on success the half-way session is replaced by a full one. A half-signed-in user.
async fn totp(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    any: AnySession,
    Form(form): Form<TotpForm>,
) -> WebResult<Response> {
    check_csrf(&any.session.csrf_token, &form.csrf_token)?;
    let now = (state.clock)().timestamp();
    let user = any.session.principal.user_id.clone();
    match state.store.auth().from_client(client).verify_totp(&user, &form.code, now).await {
        Ok(()) => {}
        Err(StoreError::Unauthenticated) => {
            let mut errors = FormErrors::default();
            errors.add("code", "Enter the 6-digit code your authenticator app shows now");
            return totp_page(&state, &any, errors).await;
        }
        Err(StoreError::Throttled { retry_after_secs }) => {
            let mut errors = FormErrors::default();
            throttled(&mut errors, "code", retry_after_secs);
            return totp_page(&state, &any, errors).await;
        }
        Err(other) => return Err(other.into()),
    }
    state.store.auth().end_session(&any.token).await?;
    open_session(&state, &any.session.principal, SessionStage::Full, "/").await
}

#[derive(Deserialize)]
struct LogoutForm {
    #[serde(default)]
    csrf_token: String,
}

/// Ends the session. A signed-in user (also half-way).
async fn logout(State(state): State<AppState>, any: AnySession, Form(form): Form<LogoutForm>) -> WebResult<Response> {
    check_csrf(&any.session.csrf_token, &form.csrf_token)?;
    state.store.auth().end_session(&any.token).await?;
    let cookie = set_cookie(&state, SESSION_COOKIE, "", Some(0));
    Ok(([(SET_COOKIE, cookie)], Redirect::to("/login")).into_response())
}
