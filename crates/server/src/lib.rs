//! The HTTP face of Staff Passport: the JSON API under `/api/v1`, its OpenAPI document, and (later) the
//! OpenID4VC endpoints and web pages.
//!
//! Handlers extract, authorise, parse into domain types, call the store, and render. This crate writes no SQL
//! and holds no business rules.

pub mod agreements;
pub mod agreements_vp;
pub mod api;
pub mod cohort_jobs;
pub mod compliance_refresh;
pub mod error;
pub mod extract;
pub mod federation;
pub mod http;
pub mod iat;
pub mod issuer;
pub mod json;
pub mod keys;
pub mod listen;
pub mod metrics;
pub mod oid4vci;
pub mod oid4vp;
pub mod openapi;
pub mod public;
pub mod query;
pub mod roles;
pub mod state;
pub mod status_lists;
pub mod talent_profile;
pub mod talent_profile_page;
pub mod talent_profile_pdf;
pub mod transfer_consent_vp;
pub mod web;

use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

pub use state::{AppState, Clock};

/// The whole application as a router, ready to serve, with the default request timeout.
pub fn router(state: AppState) -> Router {
    router_with(state, &listen::Limits::default())
}

/// [`router`] with the request timeout of `limits`.
pub fn router_with(state: AppState, limits: &listen::Limits) -> Router {
    let (api, openapi) =
        api::router().merge(public::router()).merge(talent_profile::router()).merge(iat::router()).split_for_parts();
    let openapi = Arc::new(openapi::finish(openapi));
    // The role matrix guards every API route (a route layer: it needs the matched route's template).
    let api = api.route_layer(axum::middleware::from_fn_with_state(state.clone(), roles::enforce));
    let request_timeout = limits.request_timeout;
    api.route("/openapi.json", axum::routing::get(move || openapi::serve(openapi.clone())))
        .route("/health", axum::routing::get(|| async { "ok" }))
        .route("/health/live", axum::routing::get(metrics::live))
        .route("/health/ready", axum::routing::get(metrics::ready))
        .route("/metrics", axum::routing::get(metrics::serve_metrics))
        .merge(
            oid4vci::router()
                .merge(oid4vp::router())
                .merge(agreements_vp::router())
                .merge(transfer_consent_vp::router()),
        )
        .merge(talent_profile::pages())
        .layer(axum::extract::DefaultBodyLimit::max(json::MAX_BODY_BYTES))
        .fallback(http::unmatched)
        .layer(axum::middleware::from_fn(move |request, next| http::deadline(request_timeout, request, next)))
        .layer(axum::middleware::from_fn(http::finish))
        // The portal: outside `finish` (its error pages are HTML, not problem details); its own headers.
        .merge(web::router())
        .layer(TraceLayer::new_for_http())
        // Outermost: the request id and span every log line of the request carries, and its metrics.
        .layer(axum::middleware::from_fn(metrics::request_context))
        .with_state(state)
}

/// Serve until `shutdown` completes, with the default connection limits and timeouts.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, state, listen::Limits::default(), shutdown).await
}

/// [`serve`] with explicit connection limits and timeouts (see [`listen`]).
pub async fn serve_with(
    listener: TcpListener,
    mut state: AppState,
    limits: listen::Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if state.public_url.is_none() {
        state.public_url = Some(format!("http://{}", listener.local_addr()?));
    }
    cohort_jobs::resume_unfinished(&state);
    let app = router_with(state, &limits);
    listen::serve(listener, app, limits, shutdown).await
}
