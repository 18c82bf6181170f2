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
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
