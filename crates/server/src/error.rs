//! The one place where failures become HTTP answers: RFC 9457 problem details.
//!
//! Handlers return `ApiError`; this module decides the status code and the body. Causes that are internal
//! (database errors) are logged here and never returned. "Not yours" and "does not exist" are the same 404.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::error::{FieldError, ValidationErrors};
use serde::Serialize;
use store::StoreError;

/// An RFC 9457 problem detail document, with `errors` naming each invalid field.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem type.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// One entry per invalid field (present on 422).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProblemField {
    /// JSON path of the offending field as sent (`ni_number`, `registrations[0].number`).
    pub field: String,
    pub problem: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("malformed request body: {0}")]
    Malformed(String),
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("missing or invalid bearer token")]
    Unauthenticated,
    #[error("not found")]
    NotFound,
    #[error("conflict on {field}: {problem}")]
    Conflict { field: String, problem: String },
    #[error("body larger than {0} bytes")]
    TooLarge(usize),
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("too many attempts; retry after {0} s")]
    Throttled(u64),
    #[error("busy; retry after {0} s")]
    Busy(u64),
    /// An answer the framework gave by itself (no route, 405, a rejected path or query, a timeout),
    /// rendered as a problem with its own status.
    #[error("{status}: {detail}")]
    Status { status: StatusCode, detail: String },
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        ApiError::Invalid(vec![FieldError { field: field.into(), problem: problem.into() }])
    }

    fn status(&self) -> StatusCode {
        match self {
            ApiError::Malformed(_) => StatusCode::BAD_REQUEST,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Status { status, .. } => *status,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn problem(&self) -> Problem {
        let status = self.status();
        let (slug, detail, errors) = match self {
            ApiError::Malformed(why) => {
                ("malformed-body", format!("The request body is not valid JSON: {why}"), vec![])
            }
            ApiError::Invalid(fields) => (
                "invalid-input",
                fields.iter().map(|f| format!("{}: {}", f.field, f.problem)).collect::<Vec<_>>().join("; "),
                fields.iter().map(|f| ProblemField { field: f.field.clone(), problem: f.problem.clone() }).collect(),
            ),
            ApiError::Unauthenticated => {
                ("unauthenticated", "Send a valid API token as `Authorization: Bearer <token>`.".to_owned(), vec![])
            }
            ApiError::NotFound => ("not-found", "No such resource.".to_owned(), vec![]),
            ApiError::Conflict { field, problem } => (
                "conflict",
                format!("{field}: {problem}"),
                vec![ProblemField { field: field.clone(), problem: problem.clone() }],
            ),
            ApiError::TooLarge(limit) => {
                ("too-large", format!("The request body is larger than the {limit} bytes accepted."), vec![])
            }
            ApiError::UnsupportedMediaType(why) => ("unsupported-media-type", why.clone(), vec![]),
            ApiError::Throttled(after) => (
                "too-many-attempts",
                format!("Too many failed sign-in attempts; try again in {after} seconds."),
                vec![],
            ),
            ApiError::Busy(after) => {
                ("busy", format!("The server is busy checking passwords; try again in {after} seconds."), vec![])
            }
            ApiError::Status { status, detail } => {
                (status_slug(*status), if detail.is_empty() { default_detail(*status) } else { detail.clone() }, vec![])
            }
            ApiError::Internal(_) => ("internal", "An internal error occurred; it has been logged.".to_owned(), vec![]),
        };
        Problem {
            kind: format!("https://staff-passport.example/problems/{slug}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            errors,
        }
    }
}

fn status_slug(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "not-found",
        StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
        StatusCode::GONE => "gone",
        StatusCode::REQUEST_TIMEOUT => "request-timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "too-large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported-media-type",
        s if s.is_server_error() => "internal",
        _ => "bad-request",
    }
}

fn default_detail(status: StatusCode) -> String {
    match status {
        StatusCode::NOT_FOUND => "No such resource.".to_owned(),
        StatusCode::METHOD_NOT_ALLOWED => "This resource does not accept that method; see `Allow`.".to_owned(),
        StatusCode::REQUEST_TIMEOUT => "The request took too long to arrive or to answer.".to_owned(),
        other => other.canonical_reason().unwrap_or("Error").to_owned(),
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        ApiError::Invalid(errors.0)
    }
}

impl From<FieldError> for ApiError {
    fn from(error: FieldError) -> Self {
        ApiError::Invalid(vec![error])
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Conflict { field, problem } => ApiError::Conflict { field, problem },
            StoreError::Invalid(field_error) => ApiError::Invalid(vec![field_error]),
            StoreError::Throttled { retry_after_secs } => ApiError::Throttled(retry_after_secs),
            StoreError::Busy { retry_after_secs } => ApiError::Busy(retry_after_secs),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self {
            tracing::error!(%cause, "request failed");
        }
        let problem = self.problem();
        let mut response = (self.status(), axum::Json(problem)).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if matches!(self, ApiError::Unauthenticated) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let ApiError::Throttled(after) | ApiError::Busy(after) = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(after.max(1)));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
