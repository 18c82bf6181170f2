//! Checking a worker as a host (verifier): choose one of the organisation's roles, show the OpenID4VP
//! request as a QR code and link, wait for the wallet's answer, then the ready-to-work result with each
//! requirement met or not, the reason and the issuing organisation.
//!
//! The waiting page works without JavaScript (a "Check again" button); with it, `portal.js` polls
//! `/verify/{id}/status` and reloads when the answer has come. (A `<meta http-equiv="refresh">` would
//! fail WCAG 2.2.1, timing adjustable.)

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use credentials::oid4vc::vp::RequestLink;
use serde::Deserialize;
use store::{Page, PresentationFilter, PresentationStatus, Role};

use super::{Chrome, FormErrors, Signed, WebResult, render};
use crate::AppState;
use crate::oid4vp::{self, ReadyResult};

/// Roles that may ask a worker's wallet (as the API: verifier, hr).
pub const VERIFIERS: &[Role] = &[Role::Verifier, Role::Hr];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/verify", get(choose).post(create))
        .route("/verify/{request_id}", get(show))
        .route("/verify/{request_id}/status", get(status))
}

struct RecentRow {
    id: String,
    role: String,
    created: String,
    status: (&'static str, &'static str),
}

#[derive(Template)]
#[template(path = "verify_choose.html")]
struct ChoosePage {
    chrome: Chrome,
    errors: FormErrors,
    roles: Vec<(String, String)>,
    recent: Vec<RecentRow>,
}

async fn choose_page(state: &AppState, signed: &Signed, errors: FormErrors) -> WebResult<Response> {
    let caller = signed.require(VERIFIERS)?;
    let dataset = state.store.dataset(&caller.scope);
    let roles = dataset
        .list_role_requirements(&Page::first(store::MAX_PAGE))
        .await?
        .items
        .into_iter()
        .map(|r| (r.value.role_code.clone(), format!("{} ({})", r.value.title, r.value.role_code)))
        .collect();
    let now = (state.clock)().timestamp();
    let filter = PresentationFilter { status: None, role_code: None };
    let recent = dataset
        .list_presentation_requests(&filter, now, &Page::first(10))
        .await?
        .items
        .into_iter()
        .map(|item| {
            let ready =
                item.result_doc.as_deref().and_then(|d| serde_json::from_str::<ReadyResult>(d).ok()).map(|r| r.ready);
            let status = match (item.status(now), ready) {
                (PresentationStatus::Answered, Some(true)) => ("Ready to work", "nhsuk-tag--green"),
                (PresentationStatus::Answered, _) => ("Not ready", "nhsuk-tag--red"),
                (PresentationStatus::Pending, _) => ("Waiting", "nhsuk-tag--blue"),
                (PresentationStatus::Expired, _) => ("Expired", "nhsuk-tag--grey"),
            };
            RecentRow {
                created: item.created_at.format("%-d %B %Y %H:%M").to_string(),
                id: item.id,
                role: item.role_code,
                status,
            }
        })
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = ChoosePage { chrome: signed.chrome(state, "/verify").await, errors, roles, recent };
    Ok((status, render(&page)).into_response())
}

/// Choose the role to check a worker against. Roles: verifier, hr.
async fn choose(State(state): State<AppState>, signed: Signed) -> WebResult<Response> {
    choose_page(&state, &signed, FormErrors::default()).await
}

#[derive(Deserialize)]
struct CreateForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    role_code: String,
}

/// Creates the presentation request and goes to its page. Roles: verifier, hr.
async fn create(State(state): State<AppState>, signed: Signed, Form(form): Form<CreateForm>) -> WebResult<Response> {
    signed.check_csrf(&form.csrf_token)?;
    let caller = signed.require(VERIFIERS)?;
    if form.role_code.trim().is_empty() {
        let mut errors = FormErrors::default();
        errors.add("role_code", "Select the role to check the worker against");
        return choose_page(&state, &signed, errors).await;
    }
    match oid4vp::create_request(&state, &caller.scope, form.role_code.trim()).await {
        Ok(created) => Ok(Redirect::to(&format!("/verify/{}", created.id)).into_response()),
        Err(crate::error::ApiError::Invalid(fields)) => {
            let mut errors = FormErrors::default();
            for f in fields {
                errors.add("role_code", format!("This role cannot be checked: {}", f.problem));
            }
            choose_page(&state, &signed, errors).await
        }
        Err(other) => Err(other.into()),
    }
}

struct OutcomeRow {
    label: String,
    met: bool,
    reason: String,
    issuer: String,
}

#[derive(Template)]
#[template(path = "verify_show.html")]
struct ShowPage {
    chrome: Chrome,
    id: String,
    role: String,
    state: &'static str,
    link: String,
    qr_svg: String,
    expires: String,
    ready: bool,
    worker: String,
    declined: Option<String>,
    outcomes: Vec<OutcomeRow>,
}

/// Says "not presented", "expired" … in words.
fn reason_words(reason: &str) -> String {
    match reason {
        "not_presented" => "Not presented by the wallet".to_owned(),
        other => other.replace('_', " "),
    }
}

/// A request: waiting (QR code and link), or its result. Roles: verifier, hr.
async fn show(State(state): State<AppState>, signed: Signed, Path(request_id): Path<String>) -> WebResult<Response> {
    let caller = signed.require(VERIFIERS)?;
    let record = state.store.dataset(&caller.scope).get_presentation_request(&request_id).await?;
    let now = (state.clock)().timestamp();
    let status = PresentationStatus::at(record.answered_at.is_some(), record.expires_at, now);
    let mut page = ShowPage {
        chrome: signed.chrome(&state, "/verify").await,
        id: record.id.clone(),
        role: record.role_code.clone(),
        state: status.as_str(),
        link: String::new(),
        qr_svg: String::new(),
        expires: chrono::DateTime::from_timestamp(record.expires_at, 0)
            .unwrap_or_default()
            .format("%H:%M UTC")
            .to_string(),
        ready: false,
        worker: String::new(),
        declined: None,
        outcomes: Vec::new(),
    };
    match status {
        PresentationStatus::Pending => {
            let doc: serde_json::Value =
                serde_json::from_str(&record.request_doc).map_err(|e| super::WebError::Internal(e.to_string()))?;
            let client_id = doc["request"]["client_id"].as_str().unwrap_or_default().to_owned();
            let org = state.store.registry().get_organisation(caller.scope.org_id()).await?;
            let request_uri =
                format!("{}/verifiers/{}/requests/{}", state.public_url(), org.ods_code.as_str(), record.state);
            page.link = RequestLink { client_id, request_uri, request_uri_method: None }.to_url();
            page.qr_svg = crate::oid4vci::qr_svg(&page.link)?;
        }
        PresentationStatus::Answered => {
            let result: ReadyResult = serde_json::from_str(record.result_doc.as_deref().unwrap_or("null"))
                .map_err(|e| super::WebError::Internal(e.to_string()))?;
            page.ready = result.ready;
            page.worker = [result.given_name.as_deref(), result.family_name.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            page.declined = result.declined.clone();
            page.outcomes = result
                .requirements
                .iter()
                .map(|r| OutcomeRow {
                    label: r.label.clone(),
                    met: r.met,
                    reason: r.reason.as_deref().map(reason_words).unwrap_or_default(),
                    issuer: r
                        .issued_by
                        .as_ref()
                        .map(|i| format!("{} ({})", i.organisation, i.ods_code))
                        .unwrap_or_default(),
                })
                .collect();
            if let Some(cover) = &result.agreement {
                let reason = cover.reason.clone();
                let label = "Workforce sharing agreement".to_owned();
                page.outcomes.push(OutcomeRow { label, met: cover.covered, reason, issuer: String::new() });
            }
        }
        PresentationStatus::Expired => {}
    }
    Ok(render(&page))
}

/// `pending`, `answered` or `expired`, for the page's poll. Roles: verifier, hr.
async fn status(State(state): State<AppState>, signed: Signed, Path(request_id): Path<String>) -> WebResult<Response> {
    let caller = signed.require(VERIFIERS)?;
    let record = state.store.dataset(&caller.scope).get_presentation_request(&request_id).await?;
    let now = (state.clock)().timestamp();
    let status = PresentationStatus::at(record.answered_at.is_some(), record.expires_at, now);
    Ok(([(axum::http::header::CONTENT_TYPE, "text/plain; charset=utf-8")], status.as_str()).into_response())
}
