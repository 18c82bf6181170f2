//! The organisation admin's sign-in security page: whether every user of the organisation must give a
//! second factor (TOTP). When required, each user without an authenticator enrols at their next
//! sign-in (`login.rs` reads the requirement through `Auth::totp_state`). Role: admin.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use store::Role;

use super::{Chrome, FormErrors, Signed, WebResult, render};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/security", get(show).post(change))
}

#[derive(Template)]
#[template(path = "admin_security.html")]
struct SecurityPage {
    chrome: Chrome,
    errors: FormErrors,
    required: bool,
    saved: bool,
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

/// Whether the organisation requires TOTP of its users. Role: admin.
async fn show(State(state): State<AppState>, signed: Signed, Query(query): Query<SavedQuery>) -> WebResult<Response> {
    let caller = signed.require(&[Role::Admin])?;
    let required = state.store.auth().org_totp_required(&caller.scope).await?;
    let page = SecurityPage {
        chrome: signed.chrome(&state, "/admin/security").await,
        errors: FormErrors::default(),
        required,
        saved: query.saved.is_some(),
    };
    Ok(render(&page))
}

#[derive(Deserialize)]
struct ChangeForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    totp_required: String,
}

/// Requires, or stops requiring, TOTP of every user of the organisation (audited). Role: admin.
async fn change(State(state): State<AppState>, signed: Signed, Form(form): Form<ChangeForm>) -> WebResult<Response> {
    signed.check_csrf(&form.csrf_token)?;
    let caller = signed.require(&[Role::Admin])?;
    let required = match form.totp_required.as_str() {
        "yes" => true,
        "no" => false,
        _ => {
            let mut errors = FormErrors::default();
            errors.add("totp_required", "Select whether users must use an authenticator app");
            let current = state.store.auth().org_totp_required(&caller.scope).await?;
            let page = SecurityPage {
                chrome: signed.chrome(&state, "/admin/security").await,
                errors,
                required: current,
                saved: false,
            };
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
        }
    };
    state.store.auth().set_org_totp_required(&caller.scope, required).await?;
    Ok(Redirect::to("/admin/security?saved=1").into_response())
}
