//! Reads for trusted local operator tooling (`passport bench`) that no request path uses, so that
//! such tools need no raw pool (which only tests get, behind the `testing` feature). Only counts
//! and store ids leave here, never personal data.

use chrono::NaiveDate;
use sqlx::Row;

use crate::error::Result;
use crate::scope::OrgScope;
use crate::{Store, db};

impl Store {
    /// How many people, across every organisation, have this NI number and date of birth: the
    /// national match `passport bench` times, as one indexed query.
    pub async fn national_match_count(&self, ni_number: &str, date_of_birth: NaiveDate) -> Result<usize> {
        let rows = sqlx::query("SELECT org_id, id FROM people WHERE ni_number = $1 AND date_of_birth = $2")
            .bind(ni_number)
            .bind(db::date(date_of_birth))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.len())
    }

    /// Store ids of every person of the scope's organisation (a benchmark picks people from them).
    pub async fn person_ids(&self, scope: &OrgScope) -> Result<Vec<String>> {
        let rows =
            sqlx::query("SELECT id FROM people WHERE org_id = $1").bind(scope.org_id()).fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok(r.try_get::<String, _>(0)?)).collect()
    }
}
