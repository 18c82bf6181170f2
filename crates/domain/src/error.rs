//! Validation errors shared by every domain type.
//!
//! A [`FieldError`] names the offending field as a JSON path, exactly as an API client wrote it
//! (`ni_number`, `registrations[0].number`, `details.certificate_number`), and says what is wrong in
//! words a person can act on. This module owns the path arithmetic; it must not know any HTTP status.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct FieldError {
    /// JSON path of the field, e.g. `registrations[0].number`; empty for the whole value.
    pub field: String,
    /// What is wrong, e.g. `prefix BG is never allocated`.
    pub problem: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self { field: field.into(), problem: problem.into() }
    }

    /// Puts `prefix` in front of the field path: `number` under `registrations[0]` becomes
    /// `registrations[0].number`.
    #[must_use]
    pub fn under(mut self, prefix: &str) -> Self {
        self.field = join_path(prefix, &self.field);
        self
    }

    /// Replaces the field name, keeping the problem (for a newtype parsed into a named field).
    #[must_use]
    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }
}

/// Joins two JSON path segments: `a` + `b` = `a.b`, `a` + `[0].b` = `a[0].b`, `a` + `` = `a`.
pub fn join_path(prefix: &str, field: &str) -> String {
    match (prefix.is_empty(), field.is_empty()) {
        (true, _) => field.to_owned(),
        (false, true) => prefix.to_owned(),
        (false, false) if field.starts_with('[') => format!("{prefix}{field}"),
        (false, false) => format!("{prefix}.{field}"),
    }
}

/// Path of an element of a list field: `indexed("registrations", 0)` = `registrations[0]`.
pub fn indexed(field: &str, index: usize) -> String {
    format!("{field}[{index}]")
}

/// Every problem found in one value; never empty when returned as an `Err`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, thiserror::Error)]
#[error("{}", display_list(.0))]
pub struct ValidationErrors(pub Vec<FieldError>);

fn display_list(errors: &[FieldError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn errors(&self) -> &[FieldError] {
        &self.0
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// Records a problem with `field`.
    pub fn add(&mut self, field: impl Into<String>, problem: impl Into<String>) {
        self.0.push(FieldError::new(field, problem));
    }

    /// Records the error of a `Result`, if any, under `prefix`.
    pub fn check<T>(&mut self, prefix: &str, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(error.under(prefix));
                None
            }
        }
    }

    /// Takes every error of a nested validation, re-rooted under `prefix`.
    pub fn merge(&mut self, prefix: &str, result: Result<(), ValidationErrors>) {
        if let Err(nested) = result {
            self.0.extend(nested.under(prefix).0);
        }
    }

    /// Re-roots every field path under `prefix`.
    #[must_use]
    pub fn under(self, prefix: &str) -> Self {
        Self(self.0.into_iter().map(|e| e.under(prefix)).collect())
    }

    /// `Ok(())` when nothing was recorded, otherwise `Err(self)`.
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }

    /// Whether any error names exactly this field.
    pub fn has_field(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }
}

impl From<FieldError> for ValidationErrors {
    fn from(error: FieldError) -> Self {
        Self(vec![error])
    }
}

impl IntoIterator for ValidationErrors {
    type Item = FieldError;
    type IntoIter = std::vec::IntoIter<FieldError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_error_displays_field_then_problem() {
        let e = FieldError::new("ni_number", "suffix must be A, B, C or D");
        assert_eq!(e.to_string(), "ni_number: suffix must be A, B, C or D");
    }

    #[test]
    fn paths_join_with_dots_and_brackets() {
        let cases = [
            ("", "number", "number"),
            ("registrations[0]", "number", "registrations[0].number"),
            ("registrations", "[0].number", "registrations[0].number"),
            ("details", "", "details"),
        ];
        for (prefix, field, want) in cases {
            assert_eq!(join_path(prefix, field), want, "{prefix:?} + {field:?}");
        }
    }

    #[test]
    fn nested_errors_are_rerooted_under_the_prefix() {
        let mut inner = ValidationErrors::new();
        inner.add("number", "must be 7 digits");
        let mut outer = ValidationErrors::new();
        outer.merge(&indexed("registrations", 2), inner.into_result());
        assert_eq!(outer.0[0].field, "registrations[2].number");
        assert_eq!(outer.to_string(), "registrations[2].number: must be 7 digits");
    }

    #[test]
    fn empty_errors_are_ok() {
        assert_eq!(ValidationErrors::new().into_result(), Ok(()));
    }
}
