//! The registry operator's pages: the organisations of the registry, their status and whether they
//! appear on the trust list (active organisations do). Operators see no personal data, so every
//! dataset page is a 404 to them, and these pages are a 404 to organisation users.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use store::{OrgStatus, Page};

use super::people::words;
use super::{Chrome, Signed, WebError, WebResult, render};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/registry/organisations", get(organisations))
}

struct OrgRow {
    ods: String,
    name: String,
    kind: String,
    status: (&'static str, &'static str),
    trusted: bool,
    created: String,
}

#[derive(Template)]
#[template(path = "registry.html")]
struct RegistryPage {
    chrome: Chrome,
    organisations: Vec<OrgRow>,
}

/// The registry's organisations. Role: registry operator.
async fn organisations(State(state): State<AppState>, signed: Signed) -> WebResult<Response> {
    signed.session.principal.registry_scope().ok_or(WebError::NotFound)?;
    let listed = state.store.registry().list_organisations(&Page::first(store::MAX_PAGE)).await?;
    let organisations = listed
        .items
        .into_iter()
        .map(|o| OrgRow {
            ods: o.ods_code.as_str().to_owned(),
            name: o.name,
            kind: words(&o.kind),
            status: match o.status {
                OrgStatus::Active => ("Active", "nhsuk-tag--green"),
                _ => ("Suspended", "nhsuk-tag--grey"),
            },
            trusted: o.status == OrgStatus::Active,
            created: super::long_date(o.created_at.date_naive()),
        })
        .collect();
    Ok(render(&RegistryPage { chrome: signed.chrome(&state, "/registry/organisations").await, organisations }))
}
