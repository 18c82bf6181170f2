//! A worker's way in and their second factor: the sign-in form (email and password), the invitation page
//! where a worker accepts HR's invitation and sets a password, and the page where they add or remove an
//! authenticator app.
//!
//! The password goes through `Auth::worker_login` with the client's address, as the API's worker token
//! does, so one throttle locks both. A worker with an authenticator continues at `/login/totp`, the
//! second factor HR users give (the same RFC 6238 code, the same throttle), then to `/me`. Accepting an
//! invitation calls the store function the API's accept route calls. Forms without a session carry the
//! sign-in page's double-submit token; the rest carry the session's.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use store::{AcceptInvitation, Principal, SessionStage, StoreError};

use super::Worker;
use crate::AppState;
use crate::http::ClientAddr;
use crate::web::login::{LOGIN_CSRF_COOKIE, LoginCsrf, missing_credentials, open_session, random_hex, throttled};
use crate::web::session::{check_csrf, set_cookie};
use crate::web::{Chrome, FormErrors, WebResult, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me/login", get(login_form).post(login))
        .route("/me/accept", get(accept_form).post(accept))
        .route("/me/security", get(security))
        .route("/me/security/totp", post(begin_totp))
        .route("/me/security/totp/confirm", post(confirm_totp))
        .route("/me/security/totp/remove", post(remove_totp))
}

fn status_of(errors: &FormErrors) -> StatusCode {
    if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY }
}

/// A page with a form and no session yet: the double-submit token set as a cookie and given to the page.
fn with_login_csrf(state: &AppState, status: StatusCode, page: impl FnOnce(String) -> Response) -> Response {
    let token = random_hex();
    let cookie = set_cookie(state, LOGIN_CSRF_COOKIE, &token, None);
    (status, [(SET_COOKIE, cookie)], page(token)).into_response()
}

/// Opens the worker's session: half-way to `/login/totp` when they have an authenticator, else to `/me`.
async fn sign_in(state: &AppState, principal: &Principal) -> WebResult<Response> {
    let totp = state.store.auth().totp_state(&principal.user_id).await?;
    if totp.required || totp.enrolled {
        open_session(state, principal, SessionStage::Password, "/login/totp").await
    } else {
        open_session(state, principal, SessionStage::Full, "/me").await
    }
}

// ---- Sign-in ----

#[derive(Template)]
#[template(path = "me_login.html")]
struct LoginPage {
    chrome: Chrome,
    errors: FormErrors,
    email: String,
    login_csrf: String,
}

fn login_page(state: &AppState, errors: FormErrors, email: String) -> Response {
    with_login_csrf(state, status_of(&errors), |login_csrf| {
        render(&LoginPage { chrome: Chrome::anonymous(), errors, email, login_csrf })
    })
}

/// The worker sign-in form. Anyone.
async fn login_form(State(state): State<AppState>) -> Response {
    login_page(&state, FormErrors::default(), String::new())
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// Checks the worker's password (throttled like the API's worker token) and opens a session. Anyone.
async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    LoginCsrf(expected): LoginCsrf,
    Form(form): Form<LoginForm>,
) -> WebResult<Response> {
    check_csrf(expected.as_deref().unwrap_or(""), &form.csrf_token)?;
    let mut errors = missing_credentials(&form.email, &form.password);
    if !errors.is_empty() {
        return Ok(login_page(&state, errors, form.email));
    }
    let auth = state.store.auth().from_client(client);
    let principal = match auth.worker_login(&form.email, &form.password).await {
        Ok(principal) => principal,
        Err(StoreError::Unauthenticated | StoreError::NotFound) => {
            errors.add("email", "The email address or password is not right");
            return Ok(login_page(&state, errors, form.email));
        }
        Err(StoreError::Throttled { retry_after_secs } | StoreError::Busy { retry_after_secs }) => {
            throttled(&mut errors, "email", retry_after_secs);
            return Ok(login_page(&state, errors, form.email));
        }
        Err(other) => return Err(other.into()),
    };
    sign_in(&state, &principal).await
}

// ---- Accepting an invitation ----

#[derive(Template)]
#[template(path = "me_accept.html")]
struct AcceptPage {
    chrome: Chrome,
    errors: FormErrors,
    ods: String,
    token: String,
    /// Why the invitation itself cannot be used (unknown, expired, used): no form then.
    refused: Option<String>,
    login_csrf: String,
}

#[derive(Deserialize)]
struct AcceptQuery {
    #[serde(default)]
    ods: String,
    #[serde(default)]
    token: String,
}

fn accept_page(state: &AppState, errors: FormErrors, ods: String, token: String, refused: Option<String>) -> Response {
    let status = if refused.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { status_of(&errors) };
    with_login_csrf(state, status, |login_csrf| {
        render(&AcceptPage { chrome: Chrome::anonymous(), errors, ods, token, refused, login_csrf })
    })
}

/// The invitation link HR sends (`/me/accept?ods=…&token=…`): set a password to accept. Anyone.
async fn accept_form(State(state): State<AppState>, Query(query): Query<AcceptQuery>) -> Response {
    accept_page(&state, FormErrors::default(), query.ods, query.token, None)
}

#[derive(Deserialize)]
struct AcceptForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    ods: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// Accepts the invitation (the store call the API's accept route makes) and signs the worker in. Anyone.
async fn accept(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    LoginCsrf(expected): LoginCsrf,
    Form(form): Form<AcceptForm>,
) -> WebResult<Response> {
    check_csrf(expected.as_deref().unwrap_or(""), &form.csrf_token)?;
    let mut errors = FormErrors::default();
    if form.password.is_empty() {
        errors.add("password", "Enter a password");
    } else if form.password != form.confirm {
        errors.add("confirm", "The two passwords are not the same");
    }
    if !errors.is_empty() {
        return Ok(accept_page(&state, errors, form.ods, form.token, None));
    }
    let accept = AcceptInvitation { ods_code: &form.ods, token: &form.token, password: &form.password };
    let principal = match state.store.auth().from_client(client).accept_invitation(&accept, (state.clock)()).await {
        Ok(principal) => principal,
        Err(StoreError::Throttled { retry_after_secs } | StoreError::Busy { retry_after_secs }) => {
            throttled(&mut errors, "password", retry_after_secs);
            return Ok(accept_page(&state, errors, form.ods, form.token, None));
        }
        Err(StoreError::Invalid(e)) if e.field == "password" => {
            errors.add("password", format!("Your password {}", e.problem));
            return Ok(accept_page(&state, errors, form.ods, form.token, None));
        }
        Err(StoreError::Invalid(e)) => {
            let reason = format!("This invitation {}.", e.problem);
            return Ok(accept_page(&state, errors, form.ods, form.token, Some(reason)));
        }
        Err(StoreError::Conflict { problem, .. }) => {
            let reason = format!("This invitation cannot be used: {problem}.");
            return Ok(accept_page(&state, errors, form.ods, form.token, Some(reason)));
        }
        Err(other) => return Err(other.into()),
    };
    sign_in(&state, &principal).await
}

// ---- The second factor ----

#[derive(Template)]
#[template(path = "me_security.html")]
struct SecurityPage {
    chrome: Chrome,
    errors: FormErrors,
    enrolled: bool,
    /// While adding one: the new key, shown once.
    enrolment: Option<Enrolment>,
    notice: Option<&'static str>,
}

struct Enrolment {
    secret: String,
    uri: String,
    qr_svg: String,
}

#[derive(Deserialize)]
struct SecurityQuery {
    saved: Option<String>,
}

async fn security_page(
    state: &AppState,
    worker: &Worker,
    errors: FormErrors,
    enrolling: bool,
    notice: Option<&'static str>,
) -> WebResult<Response> {
    let user = worker.scope.account_id();
    let enrolled = state.store.auth().totp_state(user).await?.enrolled;
    let enrolment = if enrolling && !enrolled {
        let e = state.store.auth().begin_totp_enrolment(user, "Staff Passport", &worker.signed.session.email).await?;
        Some(Enrolment { qr_svg: crate::oid4vci::qr_svg(&e.otpauth_uri)?, secret: e.secret, uri: e.otpauth_uri })
    } else {
        None
    };
    let page = SecurityPage { chrome: worker.chrome("/me/security"), enrolled, enrolment, notice, errors };
    Ok((status_of(&page.errors), render(&page)).into_response())
}

/// Whether sign-in asks for a code from an authenticator app, with the forms to add or remove one.
/// Role: worker.
async fn security(
    State(state): State<AppState>,
    worker: Worker,
    Query(query): Query<SecurityQuery>,
) -> WebResult<Response> {
    let notice = match query.saved.as_deref() {
        Some("added") => Some("Authenticator app added: sign-in now asks for its code"),
        Some("removed") => Some("Authenticator app removed: sign-in asks for your password only"),
        _ => None,
    };
    security_page(&state, &worker, FormErrors::default(), false, notice).await
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    code: String,
}

/// Starts adding an authenticator: a new key, shown once, and the code form. Role: worker.
async fn begin_totp(State(state): State<AppState>, worker: Worker, Form(form): Form<CodeForm>) -> WebResult<Response> {
    worker.check_csrf(&form.csrf_token)?;
    security_page(&state, &worker, FormErrors::default(), true, None).await
}

fn code_refused(error: StoreError) -> Result<FormErrors, StoreError> {
    let mut errors = FormErrors::default();
    match error {
        StoreError::Unauthenticated => errors.add("code", "Enter the 6-digit code your authenticator app shows now"),
        StoreError::Throttled { retry_after_secs } => throttled(&mut errors, "code", retry_after_secs),
        other => return Err(other),
    }
    Ok(errors)
}

/// Confirms the new authenticator with a code from it. Role: worker.
async fn confirm_totp(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    worker: Worker,
    Form(form): Form<CodeForm>,
) -> WebResult<Response> {
    worker.check_csrf(&form.csrf_token)?;
    let now = (state.clock)().timestamp();
    match state.store.auth().from_client(client).add_worker_totp(&worker.scope, &form.code, now).await {
        Ok(()) => Ok(Redirect::to("/me/security?saved=added").into_response()),
        // A wrong code: a fresh key, as at sign-in (the last key shown is the one that counts).
        Err(e) => security_page(&state, &worker, code_refused(e)?, true, None).await,
    }
}

/// Removes the authenticator, given a current code from it. Role: worker.
async fn remove_totp(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    worker: Worker,
    Form(form): Form<CodeForm>,
) -> WebResult<Response> {
    worker.check_csrf(&form.csrf_token)?;
    let now = (state.clock)().timestamp();
    match state.store.auth().from_client(client).remove_worker_totp(&worker.scope, &form.code, now).await {
        Ok(()) => Ok(Redirect::to("/me/security?saved=removed").into_response()),
        Err(e) => security_page(&state, &worker, code_refused(e)?, false, None).await,
    }
}
