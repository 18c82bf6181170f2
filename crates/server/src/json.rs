//! `ValidJson<T>`: the request-body extractor that tells malformed JSON (400) from well-formed JSON carrying
//! invalid values (422), and names the offending field by its JSON path in both the error and the log.
//!
//! axum's own `Json` mixes these up in its rejection text and loses the path, which clients need to fix input.

use axum::extract::{FromRequest, Request};
use axum::http::header;
use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Largest JSON body accepted by any API route.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

pub struct ValidJson<T>(pub T);

impl<S, T> FromRequest<S> for ValidJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if essence != "application/json" && !essence.ends_with("+json") {
            return Err(ApiError::UnsupportedMediaType(format!(
                "Expected `Content-Type: application/json`, got `{content_type}`."
            )));
        }
        let body = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge(MAX_BODY_BYTES)
            } else {
                ApiError::Malformed(e.body_text())
            }
        })?;
        parse_body(&body).map(ValidJson)
    }
}

/// Decode a JSON body: syntax faults are `Malformed`, type or value faults are `Invalid` naming the path.
pub fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        match inner.classify() {
            // serde stops at the first bad member, possibly before a syntax fault further on: a body that is
            // not JSON at all must still be a 400.
            serde_json::error::Category::Data if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err() => {
                ApiError::Malformed("the body is not well-formed JSON".to_owned())
            }
            serde_json::error::Category::Data => {
                let problem = strip_position(&inner);
                match split_domain_error(&problem) {
                    // Inside internally tagged enums serde loses the path; the domain's own error still names the
                    // member (`certificate_number: must be exactly 12 digits`), so join the two.
                    Some((member, rest)) => {
                        let parent = if path == "." { "" } else { path.as_str() };
                        // A newtype's error names itself, and the path already ends with that name.
                        let field = if parent == member || parent.ends_with(&format!(".{member}")) {
                            parent.to_owned()
                        } else {
                            domain::error::join_path(parent, member)
                        };
                        ApiError::invalid(field, rest)
                    }
                    None => ApiError::invalid(field_name(&path, &problem), problem),
                }
            }
            _ => ApiError::Malformed(inner.to_string()),
        }
    })?;
    deserializer.end().map_err(|e| ApiError::Malformed(e.to_string()))?;
    Ok(value)
}

/// serde reports a missing or unknown member at its parent's path, with the member's name in the message;
/// join the two so the client is told the member itself. The root path `.` reads as `body`.
fn field_name(path: &str, problem: &str) -> String {
    let parent = if path == "." || path.is_empty() { None } else { Some(path) };
    let member = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|prefix| problem.strip_prefix(prefix))
        .and_then(|rest| rest.split('`').next());
    match (parent, member) {
        // An unknown member is already the last segment of the path; a missing one is not.
        (Some(parent), Some(member)) if parent == member || parent.ends_with(&format!(".{member}")) => {
            parent.to_owned()
        }
        (Some(parent), Some(member)) => format!("{parent}.{member}"),
        (None, Some(member)) => member.to_owned(),
        (Some(parent), None) => parent.to_owned(),
        (None, None) => "body".to_owned(),
    }
}

/// A domain `FieldError` displays as `field.path: problem`; recognise that shape.
fn split_domain_error(problem: &str) -> Option<(&str, &str)> {
    let (member, rest) = problem.split_once(": ")?;
    let is_path = !member.is_empty()
        && member.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.[]".contains(&b));
    is_path.then_some((member, rest))
}

/// serde_json appends " at line L column C": useful for syntax errors, noise once the field is named.
fn strip_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        inner: Inner,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    #[test]
    fn syntax_error_is_malformed() {
        assert!(matches!(parse_body::<Body>(b"{\"name\": "), Err(ApiError::Malformed(_))));
        assert!(matches!(
            parse_body::<Body>(br#"{"name":"a","inner":{"count":1}} trailing"#),
            Err(ApiError::Malformed(_))
        ));
    }

    #[test]
    fn domain_error_inside_a_value_names_the_member() {
        assert_eq!(
            split_domain_error("certificate_number: must be 12 digits"),
            Some(("certificate_number", "must be 12 digits"))
        );
        assert_eq!(split_domain_error("invalid type: string, expected u32"), None);
    }

    #[test]
    fn wrong_type_names_the_nested_field() {
        let error = parse_body::<Body>(br#"{"name":"a","inner":{"count":"x"}}"#).unwrap_err();
        match error {
            ApiError::Invalid(fields) => {
                assert_eq!(fields[0].field, "inner.count");
                assert!(fields[0].problem.contains("invalid type"), "{}", fields[0].problem);
            }
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn missing_field_is_invalid_not_malformed() {
        match parse_body::<Body>(br#"{"name":"a","inner":{}}"#) {
            Err(ApiError::Invalid(fields)) => assert_eq!(fields[0].field, "inner.count"),
            other => panic!("expected Invalid, got {other:?}"),
        }
        match parse_body::<Body>(br#"{"name":"a","inner":{"count":1},"extra":1}"#) {
            Err(ApiError::Invalid(fields)) => assert_eq!(fields[0].field, "extra"),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }
}
