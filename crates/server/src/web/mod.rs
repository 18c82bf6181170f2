//! The portal: server-rendered pages for HR, training and occupational health, hosts (verifiers) and the
//! registry operator, in the NHS design system, served by the same binary as the API.
//!
//! Pages follow the API's rules: handlers authorise with [`crate::extract::OrgCaller::require`] (a page a
//! role may not see, and anything of another organisation, is a 404 page), parse into domain types, call
//! the store, render an askama template (`crates/server/templates`, compiled with the crate, escaped by
//! default). Every page works without JavaScript; the Content-Security-Policy allows scripts, styles and
//! images from this origin only, with no inline script or style. Every form carries the session's CSRF
//! token and a POST without the right one is refused (403).
//!
//! This module writes no SQL and holds no business rules.

mod admin;
mod agreements;
pub mod assets;
mod charts;
mod checks;
mod dashboard;
mod forms;
mod immunisations;
mod login;
mod me;
mod people;
mod records;
mod registry;
mod review;
mod session;
mod transfers;
mod verify;

use askama::Template;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use store::{Role, StoreError};

use crate::AppState;
use crate::error::ApiError;

pub use session::{SESSION_COOKIE, Signed};

/// Scripts, styles, images and fonts from this origin only; no inline script or style; forms post here only.
pub const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                            font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
                            base-uri 'none'";

/// Every page route, with the page headers (CSP, no-store unless an asset).
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(assets::router())
        .merge(login::router())
        .merge(people::router())
        .merge(records::router())
        .merge(checks::router())
        .merge(immunisations::router())
        .merge(dashboard::router())
        .merge(verify::router())
        .merge(review::router())
        .merge(registry::router())
        .merge(agreements::router())
        .merge(transfers::router())
        .merge(me::router())
        .merge(admin::router())
        .layer(axum::middleware::from_fn(page_headers))
}

async fn page_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// One entry of the header menu.
pub struct MenuItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// The signed-in user as the header shows them.
pub struct UserChrome {
    pub name: String,
    pub organisation: String,
    pub menu: Vec<MenuItem>,
}

/// What every page's layout needs.
pub struct Chrome {
    pub assets: &'static str,
    pub nhsuk_version: &'static str,
    pub user: Option<UserChrome>,
    pub csrf: String,
}

impl Chrome {
    /// The layout of a page nobody is signed in to.
    pub fn anonymous() -> Self {
        Chrome {
            assets: assets::prefix(),
            nhsuk_version: assets::NHSUK_FRONTEND_VERSION.trim(),
            user: None,
            csrf: String::new(),
        }
    }
}

/// The menu a user's roles give, `current` marking the section shown.
pub fn menu(roles: &[Role], operator: bool, current: &str) -> Vec<MenuItem> {
    let has = |wanted: &[Role]| roles.contains(&Role::Admin) || wanted.iter().any(|r| roles.contains(r));
    let mut items = Vec::new();
    if operator {
        items.push(("/registry/organisations", "Organisations"));
    }
    if has(people::READERS) {
        items.push(("/people", "People"));
        items.push(("/dashboard", "Compliance"));
    }
    if has(verify::VERIFIERS) {
        items.push(("/verify", "Check a worker"));
    }
    if has(&[Role::Hr]) {
        items.push(("/agreements", "Agreements"));
        items.push(("/transfers", "Transfers"));
    }
    if !operator && roles.contains(&Role::Worker) {
        items.extend(me::MENU.iter().copied());
    }
    if roles.contains(&Role::Admin) {
        items.push(("/admin/security", "Sign-in security"));
    }
    items.into_iter().map(|(href, label)| MenuItem { href, label, current: href == current }).collect()
}

/// A field-level error as the NHS error summary and the field's error message show it.
#[derive(Debug, Clone)]
pub struct FieldMessage {
    /// The id of the input (the summary links to `#field`).
    pub field: String,
    pub message: String,
}

/// The errors of one form submission.
#[derive(Debug, Clone, Default)]
pub struct FormErrors {
    pub items: Vec<FieldMessage>,
}

impl FormErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.items.push(FieldMessage { field: field.to_owned(), message: message.into() });
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The message for `field`, if any (shown above the input).
    pub fn get(&self, field: &str) -> Option<&str> {
        self.items.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }
}

/// Why a page could not be shown.
#[derive(Debug)]
pub enum WebError {
    /// Not signed in, or the session ended: to the sign-in page.
    SignIn,
    /// Does not exist, belongs to another organisation, or the role may not see it.
    NotFound,
    /// A form without the session's CSRF token, or with another.
    Csrf,
    Internal(String),
}

impl From<ApiError> for WebError {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::NotFound => WebError::NotFound,
            ApiError::Unauthenticated => WebError::SignIn,
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl From<StoreError> for WebError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => WebError::NotFound,
            StoreError::Unauthenticated => WebError::SignIn,
            other => WebError::Internal(other.to_string()),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    heading: &'static str,
    message: &'static str,
    link: Option<(&'static str, &'static str)>,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, heading, message, link) = match self {
            WebError::SignIn => return Redirect::to("/login").into_response(),
            WebError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "If you typed the web address, check it is correct. If you pasted it, check you copied the whole address.",
                Some(("/", "Go to the start page")),
            ),
            WebError::Csrf => (
                StatusCode::FORBIDDEN,
                "This form has expired",
                "The form was not sent from this session, or the session has changed since it was shown. Nothing was saved.",
                Some(("/", "Go to the start page")),
            ),
            WebError::Internal(cause) => {
                tracing::error!(%cause, "page failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Sorry, there is a problem with the service",
                    "Try again later.",
                    None,
                )
            }
        };
        let page = ErrorPage { chrome: Chrome::anonymous(), heading, message, link };
        (status, render(&page)).into_response()
    }
}

pub type WebResult<T> = Result<T, WebError>;

/// Renders a template into an HTML answer.
pub fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

/// "3 December 2026".
pub fn long_date(date: chrono::NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

/// A form date as typed (`YYYY-MM-DD` from a date input, or `D/M/YYYY`), or why not.
pub fn parse_date(text: &str) -> Result<chrono::NaiveDate, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Err("Enter a date");
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .map_err(|_| "Enter a real date, for example 27/3/2024")
}
