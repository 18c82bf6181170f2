//! Cohort transfers (the September rotation): a list of applicants matched and transferred as one
//! job, one line at a time, each line's outcome kept in `transfer_cohort_rows`.
//!
//! Safe to kill and rerun: every step of a line is idempotent (the applicant assignment is found
//! before it is created, a transfer pair is unique, stage 1 is one transaction that a rerun leaves
//! alone) and a line already settled as `transferred` is skipped. So a job killed part-way and run
//! again transfers every person exactly once, and none is ever half-copied.

use chrono::NaiveDate;
use domain::assignment::{Assignment, AssignmentStatus, Band, StaffGroup};
use domain::person::NiNumber;
use domain::transfer::{TransferRefusal, consent_state, normalise_surname};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::Dataset;
use crate::db;
use crate::error::{Result, StoreError};

/// One applicant of a cohort.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CohortEntry {
    pub ni_number: NiNumber,
    pub date_of_birth: NaiveDate,
    pub surname: String,
    /// The new role (an applicant assignment with this role and start date is created if missing).
    pub role: String,
    pub start_date: NaiveDate,
    pub staff_group: StaffGroup,
    pub band: Band,
}

/// A line's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CohortOutcome {
    Transferred,
    NoConsent,
    NoMatch,
    Ambiguous,
    Error,
}

impl CohortOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CohortOutcome::Transferred => "transferred",
            CohortOutcome::NoConsent => "no_consent",
            CohortOutcome::NoMatch => "no_match",
            CohortOutcome::Ambiguous => "ambiguous",
            CohortOutcome::Error => "error",
        }
    }

    fn parse(s: &str) -> CohortOutcome {
        match s {
            "transferred" => CohortOutcome::Transferred,
            "no_consent" => CohortOutcome::NoConsent,
            "no_match" => CohortOutcome::NoMatch,
            "ambiguous" => CohortOutcome::Ambiguous,
            _ => CohortOutcome::Error,
        }
    }
}

/// The outcome of one line, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CohortResult {
    pub line: i64,
    pub outcome: CohortOutcome,
    pub transfer_id: Option<String>,
    pub detail: String,
    /// `true` when this run found the line settled by an earlier run.
    pub earlier: bool,
}

impl Dataset<'_> {
    /// Transfers one line of cohort `cohort_id` (see the module comment) and records its outcome.
    pub async fn cohort_line(&self, cohort_id: &str, line: i64, entry: &CohortEntry) -> Result<CohortResult> {
        let settled = sqlx::query(
            "SELECT outcome, transfer_id, detail FROM transfer_cohort_rows WHERE org_id = $1 AND cohort_id = $2 \
             AND line = $3 AND outcome = 'transferred'",
        )
        .bind(self.org())
        .bind(cohort_id)
        .bind(line)
        .fetch_optional(&self.store.pool)
        .await?;
        if let Some(row) = settled {
            return Ok(CohortResult {
                line,
                outcome: CohortOutcome::parse(&row.try_get::<String, _>(0)?),
                transfer_id: row.try_get(1)?,
                detail: row.try_get(2)?,
                earlier: true,
            });
        }
        let (outcome, transfer_id, detail) = match self.cohort_attempt(entry).await {
            Ok(done) => done,
            Err(StoreError::Invalid(e)) => (CohortOutcome::Error, None, e.to_string()),
            Err(StoreError::NotFound) => (CohortOutcome::Error, None, "the applicant record was not found".to_owned()),
            Err(other) => return Err(other),
        };
        sqlx::query(
            "INSERT INTO transfer_cohort_rows (org_id, cohort_id, line, outcome, transfer_id, detail, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org_id, cohort_id, line) DO UPDATE SET \
             outcome = excluded.outcome, transfer_id = excluded.transfer_id, detail = excluded.detail, \
             updated_at = excluded.updated_at",
        )
        .bind(self.org())
        .bind(cohort_id)
        .bind(line)
        .bind(outcome.as_str())
        .bind(transfer_id.clone())
        .bind(&detail)
        .bind(db::now())
        .execute(&self.store.pool)
        .await?;
        Ok(CohortResult { line, outcome, transfer_id, detail, earlier: false })
    }

    async fn cohort_attempt(&self, entry: &CohortEntry) -> Result<(CohortOutcome, Option<String>, String)> {
        let person = self.find_person_by_ni(&entry.ni_number).await?;
        if person.value.date_of_birth != entry.date_of_birth
            || normalise_surname(&person.value.family_name) != normalise_surname(&entry.surname)
        {
            return Ok((
                CohortOutcome::Error,
                None,
                "the applicant record here has a different date of birth or surname".to_owned(),
            ));
        }
        let person_id = person.id;
        let assignments = self.list_assignments(&person_id).await?;
        let has = assignments.iter().any(|a| {
            a.value.status == AssignmentStatus::Applicant
                && a.value.role.trim() == entry.role.trim()
                && a.value.start_date == entry.start_date
        });
        if !has {
            let assignment = Assignment {
                role: entry.role.trim().to_owned(),
                staff_group: entry.staff_group,
                band: entry.band.clone(),
                start_date: entry.start_date,
                end_date: None,
                status: AssignmentStatus::Applicant,
            };
            assignment.validate().map_err(|e| StoreError::Invalid(e.errors()[0].clone()))?;
            self.add_assignment(&person_id, &assignment).await?;
        }
        let mut tx = self.begin().await?;
        let consents = self.consents(&mut tx, &person_id).await?;
        tx.commit().await?;
        if let Err(refusal) = consent_state(&consents).permits_transfer() {
            return Ok((CohortOutcome::NoConsent, None, refusal.message().to_owned()));
        }
        let proposal = match self.auto_transfer(&person_id).await? {
            Ok(p) => p,
            Err(TransferRefusal::NoMatch) => {
                return Ok((CohortOutcome::NoMatch, None, TransferRefusal::NoMatch.message().to_owned()));
            }
            Err(refusal) => return Ok((CohortOutcome::Ambiguous, None, refusal.message().to_owned())),
        };
        let id = proposal.transfer.id.clone();
        Ok(match self.run_transfer(&id).await? {
            Ok(report) => {
                let copied = report.lines.iter().filter(|l| l.decision == domain::transfer::Decision::Copied).count();
                let kept = report.lines.iter().filter(|l| l.decision == domain::transfer::Decision::Kept).count();
                (
                    CohortOutcome::Transferred,
                    Some(id),
                    format!("from {}: {copied} copied, {kept} kept", report.transfer.source_ods),
                )
            }
            Err(TransferRefusal::NoConsent | TransferRefusal::ConsentWithdrawn) => {
                (CohortOutcome::NoConsent, Some(id), TransferRefusal::NoConsent.message().to_owned())
            }
            Err(refusal) => (CohortOutcome::Error, Some(id), refusal.message().to_owned()),
        })
    }

    /// The recorded outcomes of a cohort, by line.
    pub async fn cohort_results(&self, cohort_id: &str) -> Result<Vec<CohortResult>> {
        let rows = sqlx::query(
            "SELECT line, outcome, transfer_id, detail FROM transfer_cohort_rows WHERE org_id = $1 AND cohort_id = $2 \
             ORDER BY line",
        )
        .bind(self.org())
        .bind(cohort_id)
        .fetch_all(&self.store.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CohortResult {
                    line: r.try_get(0)?,
                    outcome: CohortOutcome::parse(&r.try_get::<String, _>(1)?),
                    transfer_id: r.try_get(2)?,
                    detail: r.try_get(3)?,
                    earlier: true,
                })
            })
            .collect()
    }
}
