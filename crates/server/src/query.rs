//! `ValidQuery<T>`: query-string parameters decoded with the same answer shape as bodies, a 422 problem naming
//! the parameter (`limit: invalid digit found in string`), where axum's own `Query` answers in plain text.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

pub struct ValidQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ValidQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parse_query(parts.uri.query().unwrap_or("")).map(ValidQuery)
    }
}

pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let problem = error.into_inner().to_string();
        let field = if path == "." || path.is_empty() { "query".to_owned() } else { path };
        ApiError::invalid(field, problem)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Paging {
        limit: Option<u32>,
        after: Option<String>,
    }

    #[test]
    fn a_bad_parameter_is_named() {
        match parse_query::<Paging>("limit=lots") {
            Err(ApiError::Invalid(fields)) => assert_eq!(fields[0].field, "limit"),
            other => panic!("expected Invalid, got {other:?}"),
        }
        let ok: Paging = parse_query("limit=5&after=x").unwrap();
        assert_eq!(ok.limit, Some(5));
    }
}
