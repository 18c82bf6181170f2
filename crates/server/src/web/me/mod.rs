//! Worker self-service pages under `/me`: signing in (and accepting an invitation), the worker's records in
//! each organisation that linked them, compliance per role, credentials and offers to a wallet, contact
//! details, the talent profile PDF, transfers and consent, who accessed their data, and their second
//! factor.
//!
//! Pages here admit only a worker's session ([`Worker`]); anyone else, HR included, gets the portal's 404
//! page, as a worker does on every HR page (their session carries no organisation scope). Every record is
//! reached through the store's `Me`, which follows the account's links by ODS code and never takes a
//! person id from the request, so there is no other worker's id to try. The API's self-service functions
//! (`crate::api::me`) are called for anything with a rule in it, so pages and API answer alike.

mod access;
mod account;
mod agreements;
mod contact;
mod records;

pub(super) use records::address_text;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use store::WorkerScope;

use super::{Chrome, Signed, UserChrome, WebError, menu};
use crate::AppState;

/// The worker's menu (what `web::menu` shows a worker account).
pub const MENU: &[(&str, &str)] = &[
    ("/me", "Your records"),
    ("/me/agreements", "Your agreements"),
    ("/me/access-log", "Who used your data"),
    ("/me/security", "Sign-in security"),
];

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(account::router())
        .merge(records::router())
        .merge(contact::router())
        .merge(access::router())
        .merge(agreements::router())
}

/// A signed-in worker. Not signed in: to the worker sign-in page; signed in as anyone else: 404.
pub struct Worker {
    pub signed: Signed,
    pub scope: WorkerScope,
}

impl FromRequestParts<AppState> for Worker {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let signed = match Signed::from_request_parts(parts, state).await {
            Ok(signed) => signed,
            Err(WebError::SignIn) => return Err(Redirect::to("/me/login").into_response()),
            Err(other) => return Err(other.into_response()),
        };
        match signed.session.principal.worker_scope() {
            Some(scope) => Ok(Worker { signed, scope }),
            None => {
                tracing::info!("refused: a self-service page asked for by a session that is not a worker's");
                Err(WebError::NotFound.into_response())
            }
        }
    }
}

impl Worker {
    /// The layout for this worker, `current` marking the menu section shown.
    pub fn chrome(&self, current: &str) -> Chrome {
        let principal = &self.signed.session.principal;
        Chrome {
            user: Some(UserChrome {
                name: self.signed.session.display_name.clone(),
                organisation: "worker self-service".to_owned(),
                menu: menu(&principal.roles, principal.operator, current),
            }),
            csrf: self.signed.session.csrf_token.clone(),
            ..Chrome::anonymous()
        }
    }

    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, sent: &str) -> Result<(), WebError> {
        self.signed.check_csrf(sent)
    }
}
