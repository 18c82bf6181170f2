//! The worker's own workforce sharing agreements: each deployment an employer of theirs drafted, with
//! the host, roles, dates, local terms, its state and who has yet to sign; when their own signature is
//! awaited, a button that makes the signing request for their wallet and shows its QR code and link.
//! The list and the request are the API's (`api::me_agreements`), so only the worker's own deployments
//! are reachable.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use domain::agreement::AgreementBody;
use serde::Deserialize;

use super::Worker;
use crate::AppState;
use crate::api::agreements::AgreementView;
use crate::error::ApiError;
use crate::web::{Chrome, WebError, WebResult, long_date, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/me/agreements", get(list)).route("/me/agreements/{id}/sign", post(sign))
}

/// One deployment as the worker reads it.
struct Card {
    id: String,
    title: String,
    period: String,
    state: String,
    /// Who has yet to sign, in words; empty when nobody.
    awaiting: String,
    mine_to_sign: bool,
    terms: Vec<(&'static str, String)>,
    /// The signing request just made for this one: (link, QR code SVG).
    signing: Option<(String, String)>,
}

fn card(view: &AgreementView) -> Option<Card> {
    let AgreementBody::Deployment(d) = &view.document.body else { return None };
    let b = &d.bespoke_terms;
    let terms = [
        ("Roles", Some(d.roles.join(", "))),
        ("Pay variation", b.pay_variation.clone()),
        ("Car parking", b.car_parking.clone()),
        ("Travel", b.travel.clone()),
        ("IT access", b.it_access.clone()),
        ("Supervision", b.supervision.clone()),
        ("Other terms", b.other.clone()),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    Some(Card {
        id: view.id.clone(),
        title: format!("{} at {} ({})", d.employer.name, d.host.name, d.host.ods_code),
        period: format!("{} to {}", long_date(d.period.start), long_date(d.period.end)),
        state: view.state.clone(),
        awaiting: view.awaiting.join(", "),
        mine_to_sign: view.awaiting.iter().any(|a| a == "the worker"),
        terms,
        signing: None,
    })
}

#[derive(Template)]
#[template(path = "me_agreements.html")]
struct AgreementsPage {
    chrome: Chrome,
    cards: Vec<Card>,
    problem: Option<String>,
}

async fn page(
    state: &AppState,
    worker: &Worker,
    signing: Option<(String, String, String)>,
    problem: Option<String>,
) -> WebResult<Response> {
    let views = crate::api::me_agreements::list(state, &worker.scope).await?;
    let status = if problem.is_some() { StatusCode::CONFLICT } else { StatusCode::OK };
    let mut cards: Vec<Card> = views.iter().filter_map(card).collect();
    if let Some((id, link, qr)) = signing
        && let Some(c) = cards.iter_mut().find(|c| c.id == id)
    {
        c.signing = Some((link, qr));
    }
    let page = AgreementsPage { chrome: worker.chrome("/me/agreements"), cards, problem };
    Ok((status, render(&page)).into_response())
}

/// Your agreements. Role: worker.
async fn list(State(state): State<AppState>, worker: Worker) -> WebResult<Response> {
    page(&state, &worker, None, None).await
}

#[derive(Debug, Default, Deserialize)]
struct SignForm {
    #[serde(default)]
    csrf_token: String,
}

/// Makes the request for your wallet to sign, and shows its QR code and link. Role: worker.
async fn sign(
    State(state): State<AppState>,
    worker: Worker,
    Path(id): Path<String>,
    Form(form): Form<SignForm>,
) -> WebResult<Response> {
    worker.signed.check_csrf(&form.csrf_token)?;
    match crate::api::me_agreements::signing_request(&state, &worker.scope, &id).await {
        Ok(created) => {
            let qr = crate::oid4vci::qr_svg(&created.link)?;
            page(&state, &worker, Some((id, created.link, qr)), None).await
        }
        Err(ApiError::Conflict { problem, .. }) => page(&state, &worker, None, Some(problem)).await,
        Err(ApiError::NotFound) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}
