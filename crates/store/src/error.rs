//! The store's one error type.
//!
//! Callers see *what* went wrong in terms they can act on (`NotFound`, `Conflict` naming the field,
//! `Invalid` naming the field, `Unauthenticated`); the underlying database cause is kept inside
//! `Database` for logs and must never be shown to an API client.

use domain::error::FieldError;

/// Result alias used throughout the store.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Everything a store call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist *or belongs to another organisation*: the two are deliberately
    /// indistinguishable so that existence never leaks across datasets.
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was violated, e.g. a second person with the same NI number in one
    /// organisation (`field = "ni_number"`).
    #[error("{field}: {problem}")]
    Conflict { field: String, problem: String },
    /// A value or state change was refused by a domain rule (e.g. an illegal assignment transition).
    #[error("invalid {}: {}", .0.field, .0.problem)]
    Invalid(FieldError),
    /// Bad credentials, unknown/revoked token, disabled user. Deliberately says nothing more.
    #[error("authentication failed")]
    Unauthenticated,
    /// Too many failed password attempts for this account or client address: refused without checking
    /// the password until the lock ends.
    #[error("too many failed attempts; retry after {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    /// Too many password hashes are being computed or waiting: try again shortly.
    #[error("password hashing busy; retry after {retry_after_secs} s")]
    Busy { retry_after_secs: u64 },
    /// Misconfiguration detected at start (unknown URL scheme, missing SQLite directory …).
    #[error("configuration: {0}")]
    Config(String),
    /// A stored document could not be decoded: the database holds something this build cannot read.
    #[error("corrupt stored record in {table}: {reason}")]
    Corrupt { table: &'static str, reason: String },
    /// Anything else from the database; the cause is kept for logs.
    #[error("database error")]
    Database(#[source] sqlx::Error),
    /// Applying embedded migrations failed.
    #[error("migration failed")]
    Migrate(#[source] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// The store is shutting down: its pool, or a task writing for it, has closed.
    pub fn closed() -> Self {
        StoreError::Database(sqlx::Error::PoolClosed)
    }

    /// Shorthand for `Invalid` with a field and a problem.
    pub fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        StoreError::Invalid(FieldError { field: field.into(), problem: problem.into() })
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        if let sqlx::Error::RowNotFound = err {
            return StoreError::NotFound;
        }
        if let sqlx::Error::Database(db) = &err {
            // A child record naming a person outside the scope's dataset trips the composite
            // (org_id, person_id) foreign key: to the caller that person does not exist.
            if db.is_foreign_key_violation() {
                return StoreError::NotFound;
            }
            if db.is_unique_violation() {
                let field = unique_field(db.constraint(), db.message());
                tracing::debug!(%field, "unique violation");
                return StoreError::Conflict { field, problem: "already exists".to_owned() };
            }
        }
        StoreError::Database(err)
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        StoreError::Migrate(err)
    }
}

/// Names the offending field of a unique violation.
///
/// PostgreSQL reports the index name; our unique indexes are named `uq__<table>__<field>` so the
/// field is the last `__` part. SQLite reports `UNIQUE constraint failed: people.org_id,
/// people.ni_number`; the field is the last column that is not the tenancy key.
fn unique_field(constraint: Option<&str>, message: &str) -> String {
    if let Some(name) = constraint {
        if let Some((_, field)) = name.rsplit_once("__") {
            return field.to_owned();
        }
        return name.to_owned();
    }
    if let Some((_, cols)) = message.split_once("constraint failed:") {
        let field = cols
            .split(',')
            .map(|c| c.trim())
            .map(|c| c.rsplit_once('.').map_or(c, |(_, col)| col))
            .rfind(|c| *c != "org_id");
        if let Some(field) = field {
            return field.to_owned();
        }
    }
    "unknown".to_owned()
}

#[cfg(test)]
mod tests {
    use super::unique_field;

    #[test]
    fn unique_field_from_postgres_index_name() {
        assert_eq!(unique_field(Some("uq__people__ni_number"), ""), "ni_number");
    }

    #[test]
    fn unique_field_from_sqlite_message() {
        let msg = "UNIQUE constraint failed: people.org_id, people.ni_number";
        assert_eq!(unique_field(None, msg), "ni_number");
        let msg = "UNIQUE constraint failed: organisations.ods_code";
        assert_eq!(unique_field(None, msg), "ods_code");
    }
}
