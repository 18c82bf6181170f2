//! Cohort transfers submitted as a job (`POST /api/v1/transfer-cohorts`, migration 0160): the
//! applicants are stored with the job, so the request returns at once and a worker task runs the
//! lines through [`Dataset::cohort_line`] (see `transfer_cohort.rs`: every line is idempotent and a
//! line already transferred is skipped).
//!
//! The same list submitted again (the SHA-256 of its lines) is the same job: a finished job is queued
//! again, so a rerun after chasing consents retries what did not transfer and leaves the rest. A
//! runner holds a lease on its job and renews it as it goes; a job whose runner died (its lease
//! lapsed) is taken over by the next claim, so a restart resumes it where it stopped.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::Dataset;
use super::transfer_cohort::{CohortEntry, CohortResult};
use crate::audit::Event;
use crate::db;
use crate::error::{Result, StoreError};

/// Where a cohort job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CohortStatus {
    /// Waiting for a runner.
    Queued,
    /// A runner holds it.
    Running,
    /// Every line has an outcome.
    Done,
    /// The runner stopped on a fault (the database, not a line's data); submit it again to rerun.
    Failed,
}

impl CohortStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CohortStatus::Queued => "queued",
            CohortStatus::Running => "running",
            CohortStatus::Done => "done",
            CohortStatus::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<CohortStatus> {
        [CohortStatus::Queued, CohortStatus::Running, CohortStatus::Done, CohortStatus::Failed]
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| StoreError::Corrupt { table: "transfer_cohorts", reason: format!("status {s:?}") })
    }
}

/// One applicant of a submitted cohort with the line it is reported under (the CSV line, the
/// header being line 1; or the position in a JSON list, from 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct CohortLine {
    pub line: i64,
    pub entry: CohortEntry,
}

/// A cohort job as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CohortJob {
    pub id: String,
    pub status: CohortStatus,
    pub lines: i64,
    /// `user:<id>` of whoever submitted it first.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Why a failed job stopped.
    pub failure: Option<String>,
}

/// A job with its applicants and the outcome of each line settled so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortReport {
    pub job: CohortJob,
    pub applicants: Vec<CohortLine>,
    pub results: Vec<CohortResult>,
}

const JOB_COLUMNS: &str = "id, status, lines, created_by, created_at, started_at, finished_at, failure";

fn job_from_row(row: &sqlx::any::AnyRow) -> Result<CohortJob> {
    let time = |col: &str| -> Result<Option<DateTime<Utc>>> {
        let text: Option<String> = row.try_get(col)?;
        text.map(|t| db::parse_timestamp(&t, "transfer_cohorts")).transpose()
    };
    Ok(CohortJob {
        id: row.try_get("id")?,
        status: CohortStatus::parse(&row.try_get::<String, _>("status")?)?,
        lines: row.try_get("lines")?,
        created_by: row.try_get("created_by")?,
        created_at: time("created_at")?.unwrap_or_default(),
        started_at: time("started_at")?,
        finished_at: time("finished_at")?,
        failure: row.try_get("failure")?,
    })
}

fn cohort_event<'a>(action: &'a str, id: &'a str) -> Event<'a> {
    Event { action, subject_type: "transfer_cohort", subject_id: Some(id) }
}

/// Now plus `lease`, as stored (text order is time order).
fn lease_end(lease: std::time::Duration) -> String {
    let lease = chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(2));
    db::timestamp(Utc::now() + lease)
}

impl Dataset<'_> {
    /// Stores a cohort and queues it, or finds the same list submitted before (`created` false):
    /// queued again if it had finished, left alone if it is queued or running. Audited.
    pub async fn submit_cohort(&self, lines: &[CohortLine]) -> Result<(CohortJob, bool)> {
        let entries = db::to_doc(&lines)?;
        let digest = hex::encode(Sha256::digest(entries.as_bytes()));
        let mut tx = self.begin().await?;
        let found =
            sqlx::query(&format!("SELECT {JOB_COLUMNS} FROM transfer_cohorts WHERE org_id = $1 AND digest = $2"))
                .bind(self.org())
                .bind(&digest)
                .fetch_optional(&mut *tx)
                .await?;
        let (id, created) = match found {
            Some(row) => {
                let job = job_from_row(&row)?;
                if matches!(job.status, CohortStatus::Done | CohortStatus::Failed) {
                    sqlx::query(
                        "UPDATE transfer_cohorts SET status = 'queued', finished_at = NULL, failure = NULL, \
                         lease_until = NULL WHERE org_id = $1 AND id = $2",
                    )
                    .bind(self.org())
                    .bind(&job.id)
                    .execute(&mut *tx)
                    .await?;
                    self.audit(&mut tx, cohort_event("transfer.cohort_rerun", &job.id)).await?;
                }
                (job.id, false)
            }
            None => {
                let id = db::new_id();
                sqlx::query(
                    "INSERT INTO transfer_cohorts (org_id, id, digest, entries, lines, status, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7)",
                )
                .bind(self.org())
                .bind(&id)
                .bind(&digest)
                .bind(&entries)
                .bind(lines.len() as i64)
                .bind(self.scope.actor().as_audit_text())
                .bind(db::now())
                .execute(&mut *tx)
                .await?;
                self.audit(&mut tx, cohort_event("transfer.cohort_submitted", &id)).await?;
                (id, true)
            }
        };
        let row = sqlx::query(&format!("SELECT {JOB_COLUMNS} FROM transfer_cohorts WHERE org_id = $1 AND id = $2"))
            .bind(self.org())
            .bind(&id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((job_from_row(&row)?, created))
    }

    /// Takes a cohort for this runner (queued, or running under a lapsed lease) for `lease`, and
    /// returns its applicants; `None` when it is not there to take (another runner holds it, or it
    /// is finished).
    pub async fn claim_cohort(&self, id: &str, lease: std::time::Duration) -> Result<Option<Vec<CohortLine>>> {
        let now = db::now();
        let claimed = sqlx::query(
            "UPDATE transfer_cohorts SET status = 'running', lease_until = $3, started_at = COALESCE(started_at, $4) \
             WHERE org_id = $1 AND id = $2 AND (status = 'queued' OR (status = 'running' AND lease_until < $4))",
        )
        .bind(self.org())
        .bind(id)
        .bind(lease_end(lease))
        .bind(&now)
        .execute(&self.store.pool)
        .await?
        .rows_affected();
        if claimed != 1 {
            return Ok(None);
        }
        let row = sqlx::query("SELECT entries FROM transfer_cohorts WHERE org_id = $1 AND id = $2")
            .bind(self.org())
            .bind(id)
            .fetch_one(&self.store.pool)
            .await?;
        Ok(Some(db::from_doc(&row.try_get::<String, _>(0)?, "transfer_cohorts")?))
    }

    /// Extends this runner's lease on a running cohort.
    pub async fn renew_cohort_lease(&self, id: &str, lease: std::time::Duration) -> Result<()> {
        sqlx::query(
            "UPDATE transfer_cohorts SET lease_until = $3 WHERE org_id = $1 AND id = $2 AND status = 'running'",
        )
        .bind(self.org())
        .bind(id)
        .bind(lease_end(lease))
        .execute(&self.store.pool)
        .await?;
        Ok(())
    }

    /// Marks a running cohort done, or failed with `failure` (no personal data). Audited.
    pub async fn finish_cohort(&self, id: &str, failure: Option<&str>) -> Result<()> {
        let status = if failure.is_some() { CohortStatus::Failed } else { CohortStatus::Done };
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE transfer_cohorts SET status = $3, finished_at = $4, failure = $5, lease_until = NULL \
             WHERE org_id = $1 AND id = $2",
        )
        .bind(self.org())
        .bind(id)
        .bind(status.as_str())
        .bind(db::now())
        .bind(failure.map(str::to_owned))
        .execute(&mut *tx)
        .await?;
        let action = if failure.is_some() { "transfer.cohort_failed" } else { "transfer.cohort_done" };
        self.audit(&mut tx, cohort_event(action, id)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A cohort job with its applicants and the outcomes so far. `NotFound` for another
    /// organisation's id. Audited.
    pub async fn cohort_report(&self, id: &str) -> Result<CohortReport> {
        let mut tx = self.begin().await?;
        let row =
            sqlx::query(&format!("SELECT {JOB_COLUMNS}, entries FROM transfer_cohorts WHERE org_id = $1 AND id = $2"))
                .bind(self.org())
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
        let job = job_from_row(&row)?;
        let applicants: Vec<CohortLine> = db::from_doc(&row.try_get::<String, _>("entries")?, "transfer_cohorts")?;
        self.audit(&mut tx, cohort_event("transfer.cohort_read", id)).await?;
        tx.commit().await?;
        let results = self.cohort_results(id).await?;
        Ok(CohortReport { job, applicants, results })
    }
}

impl crate::Store {
    /// Every organisation's cohort jobs not finished (queued or running), as (organisation id, job
    /// id), oldest first: what a starting server resumes.
    pub async fn unfinished_cohorts(&self) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT org_id, id FROM transfer_cohorts WHERE status IN ('queued', 'running') ORDER BY created_at",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }
}
