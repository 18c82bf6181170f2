//! The host's review of an answered presentation request, as the NHS Digital Staff Passport does
//! it: HR (or a verifier user) accepts each presented credential or bypasses a requirement with a
//! reason. Accepted items become records of the host's own dataset for the worker, stamped with
//! source `passport` and the issuer's ODS code, so the host's compliance counts them; the review
//! keeps which credential each came from, who accepted it and when.
//!
//! One transaction: the worker is matched (NI number, date of birth and surname, as for a
//! transfer) or created as an applicant, the records are written, the person's compliance cache
//! is dropped, and everything is audited on the host's chain. A request is reviewed once.
//!
//! What a credential's claims mean as records is the domain's business: the caller passes typed
//! records ([`PassportRecord`]); this module only stores them.

use chrono::{DateTime, NaiveDate, Utc};
use domain::assignment::Assignment;
use domain::checks::EmploymentCheck;
use domain::cstf::Competence;
use domain::immunisation::Immunisation;
use domain::person::Person;
use domain::transfer::matching::normalise_surname;
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use super::children::ChildKind;
use super::{BindStamp, Dataset, PROVENANCE_COLUMNS, WriteStamp};
use crate::audit::Event;
use crate::db;
use crate::error::{Result, StoreError};

/// A record taken from an accepted credential.
#[derive(Debug, Clone, PartialEq)]
pub enum PassportRecord {
    Check(EmploymentCheck),
    Competence(Competence),
    Immunisation(Immunisation),
}

/// A presented credential the reviewer accepts for one requirement.
#[derive(Debug, Clone, PartialEq)]
pub struct AcceptedItem {
    pub requirement: String,
    pub issuer_ods: String,
    /// The credential's identifier as the verifier saw it (its status list entry).
    pub credential_id: String,
    /// The last day the presented evidence counts.
    pub expires_on: Option<NaiveDate>,
    pub records: Vec<PassportRecord>,
}

/// A requirement the reviewer waives, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct BypassedItem {
    pub requirement: String,
    pub reason: String,
}

/// A review to record. `worker` must carry an NI number: it is the match key.
#[derive(Debug, Clone)]
pub struct NewReview<'a> {
    pub request_id: &'a str,
    pub worker: &'a Person,
    pub accepted: Vec<AcceptedItem>,
    pub bypassed: Vec<BypassedItem>,
    /// The assignment the worker is taken on for here, as an applicant, when the reviewer gives one.
    pub applicant: Option<Assignment>,
}

/// Accepted or bypassed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    Accepted,
    Bypassed,
}

/// One decided requirement of a stored review.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewItem {
    pub requirement: String,
    pub decision: ReviewDecision,
    pub reason: Option<String>,
    pub issuer_ods: Option<String>,
    pub credential_id: Option<String>,
    pub expires_on: Option<NaiveDate>,
    /// The host's records written for it (checks, competences, immunisations).
    pub record_ids: Vec<String>,
}

/// A stored review.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    pub request_id: String,
    pub person_id: String,
    /// Whether the worker was new to this dataset and created as an applicant by the review.
    pub person_created: bool,
    pub reviewed_by: String,
    pub reviewed_at: DateTime<Utc>,
    pub items: Vec<ReviewItem>,
    /// The applicant assignment the review added (returned when recorded; the assignment itself
    /// is listed with the person's assignments).
    pub applicant_assignment_id: Option<String>,
}

impl Dataset<'_> {
    /// Records the review of answered request `request_id` of this dataset. `NotFound` for another
    /// organisation's or an unknown request; `Invalid` for an unanswered one, a worker without NI
    /// number, or one whose NI number belongs here to someone with another date of birth or
    /// surname (a partial match is for a person to resolve, not for the store to guess);
    /// `Conflict { field: "request" }` when it was reviewed already.
    pub async fn record_review(&self, review: &NewReview<'_>) -> Result<Review> {
        let ni = review
            .worker
            .ni_number
            .as_ref()
            .ok_or_else(|| StoreError::invalid("worker.ni_number", "is needed to match the worker"))?;
        let mut tx = self.begin().await?;
        let answered: Option<String> =
            sqlx::query("SELECT answered_at FROM presentation_requests WHERE org_id = $1 AND id = $2")
                .bind(self.org())
                .bind(review.request_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?
                .try_get("answered_at")?;
        if answered.is_none() {
            return Err(StoreError::invalid("request", "has not been answered yet"));
        }
        let reviewed = sqlx::query("SELECT 1 FROM presentation_reviews WHERE org_id = $1 AND request_id = $2")
            .bind(self.org())
            .bind(review.request_id)
            .fetch_optional(&mut *tx)
            .await?;
        if reviewed.is_some() {
            return Err(StoreError::Conflict { field: "request".into(), problem: "was reviewed already".into() });
        }
        let found =
            sqlx::query("SELECT id, date_of_birth, family_name FROM people WHERE org_id = $1 AND ni_number = $2")
                .bind(self.org())
                .bind(ni.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        let (person_id, person_created) = match found {
            Some(row) => {
                let dob: String = row.try_get("date_of_birth")?;
                let family: String = row.try_get("family_name")?;
                if dob != db::date(review.worker.date_of_birth)
                    || normalise_surname(&family) != normalise_surname(&review.worker.family_name)
                {
                    return Err(StoreError::invalid(
                        "worker",
                        "the NI number belongs here to a person with another date of birth or surname",
                    ));
                }
                (row.try_get::<String, _>("id")?, false)
            }
            None => (self.insert_applicant(&mut tx, review.worker).await?, true),
        };
        let at = db::now();
        let by = self.scope.actor().as_audit_text();
        let applicant_assignment_id = match &review.applicant {
            Some(assignment) => {
                let stamp = WriteStamp { by: by.clone(), at: at.clone(), source: "passport", source_ods: None };
                Some(insert_child(&mut tx, self.org(), &person_id, assignment, &stamp).await?)
            }
            None => None,
        };
        let mut items = Vec::new();
        for item in &review.accepted {
            let stamp = WriteStamp {
                by: by.clone(),
                at: at.clone(),
                source: "passport",
                source_ods: Some(item.issuer_ods.clone()),
            };
            let mut record_ids = Vec::new();
            for record in &item.records {
                let id = match record {
                    PassportRecord::Check(c) => insert_child(&mut tx, self.org(), &person_id, c, &stamp).await?,
                    PassportRecord::Competence(c) => insert_child(&mut tx, self.org(), &person_id, c, &stamp).await?,
                    PassportRecord::Immunisation(i) => insert_child(&mut tx, self.org(), &person_id, i, &stamp).await?,
                };
                record_ids.push(id);
            }
            items.push(ReviewItem {
                requirement: item.requirement.clone(),
                decision: ReviewDecision::Accepted,
                reason: None,
                issuer_ods: Some(item.issuer_ods.clone()),
                credential_id: Some(item.credential_id.clone()),
                expires_on: item.expires_on,
                record_ids,
            });
        }
        for item in &review.bypassed {
            items.push(ReviewItem {
                requirement: item.requirement.clone(),
                decision: ReviewDecision::Bypassed,
                reason: Some(item.reason.clone()),
                issuer_ods: None,
                credential_id: None,
                expires_on: None,
                record_ids: Vec::new(),
            });
        }
        sqlx::query(
            "INSERT INTO presentation_reviews (org_id, request_id, person_id, person_created, reviewed_by, reviewed_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(self.org())
        .bind(review.request_id)
        .bind(&person_id)
        .bind(i32::from(person_created))
        .bind(&by)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        for item in &items {
            let decision = match item.decision {
                ReviewDecision::Accepted => "accepted",
                ReviewDecision::Bypassed => "bypassed",
            };
            sqlx::query(
                "INSERT INTO presentation_review_items (org_id, request_id, requirement, decision, reason, \
                 issuer_ods, credential_id, expires_on, record_ids) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(self.org())
            .bind(review.request_id)
            .bind(&item.requirement)
            .bind(decision)
            .bind(item.reason.clone())
            .bind(item.issuer_ods.clone())
            .bind(item.credential_id.clone())
            .bind(item.expires_on.map(db::date))
            .bind(db::to_doc(&item.record_ids)?)
            .execute(&mut *tx)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict { .. } => {
                    StoreError::invalid("requirement", format!("{} is decided twice", item.requirement))
                }
                other => other,
            })?;
        }
        self.invalidate(&mut tx, &person_id).await?;
        self.audit(&mut tx, Event::person("presentation.review", &person_id)).await?;
        tx.commit().await?;
        Ok(Review {
            request_id: review.request_id.to_owned(),
            person_id,
            person_created,
            reviewed_by: by,
            reviewed_at: db::parse_timestamp(&at, "presentation_reviews")?,
            items,
            applicant_assignment_id,
        })
    }

    /// The review of request `request_id`, `NotFound` when it has none (or is not ours).
    pub async fn get_review(&self, request_id: &str) -> Result<Review> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "SELECT person_id, person_created, reviewed_by, reviewed_at FROM presentation_reviews \
             WHERE org_id = $1 AND request_id = $2",
        )
        .bind(self.org())
        .bind(request_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let person_id: String = row.try_get("person_id")?;
        let created: i32 = row.try_get("person_created")?;
        let at: String = row.try_get("reviewed_at")?;
        let rows = sqlx::query(
            "SELECT requirement, decision, reason, issuer_ods, credential_id, expires_on, record_ids \
             FROM presentation_review_items WHERE org_id = $1 AND request_id = $2 ORDER BY decision, requirement",
        )
        .bind(self.org())
        .bind(request_id)
        .fetch_all(&mut *tx)
        .await?;
        let mut items = Vec::new();
        for r in rows {
            let decision: String = r.try_get("decision")?;
            let expires: Option<String> = r.try_get("expires_on")?;
            let ids: String = r.try_get("record_ids")?;
            items.push(ReviewItem {
                requirement: r.try_get("requirement")?,
                decision: if decision == "accepted" { ReviewDecision::Accepted } else { ReviewDecision::Bypassed },
                reason: r.try_get("reason")?,
                issuer_ods: r.try_get("issuer_ods")?,
                credential_id: r.try_get("credential_id")?,
                expires_on: expires
                    .map(|e| {
                        NaiveDate::parse_from_str(&e, "%Y-%m-%d").map_err(|err| StoreError::Corrupt {
                            table: "presentation_review_items",
                            reason: err.to_string(),
                        })
                    })
                    .transpose()?,
                record_ids: db::from_doc(&ids, "presentation_review_items")?,
            });
        }
        self.audit(&mut tx, Event::person("presentation.review.read", &person_id)).await?;
        tx.commit().await?;
        Ok(Review {
            request_id: request_id.to_owned(),
            person_id,
            person_created: created != 0,
            reviewed_by: row.try_get("reviewed_by")?,
            reviewed_at: db::parse_timestamp(&at, "presentation_reviews")?,
            items,
            applicant_assignment_id: None,
        })
    }

    /// A worker new to this dataset, added with source `passport`.
    async fn insert_applicant(&self, conn: &mut AnyConnection, person: &Person) -> Result<String> {
        let id = db::new_id();
        let stamp = WriteStamp { source: "passport", ..self.stamp() };
        sqlx::query(&format!(
            "INSERT INTO people (org_id, id, ni_number, date_of_birth, family_name, doc, \
             {PROVENANCE_COLUMNS}, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        ))
        .bind(self.org())
        .bind(&id)
        .bind(person.ni_number.as_ref().map(|n| n.as_str().to_owned()))
        .bind(db::date(person.date_of_birth))
        .bind(person.family_name.trim().to_owned())
        .bind(db::to_doc(person)?)
        .bind_stamp(&stamp)
        .execute(&mut *conn)
        .await?;
        self.audit(conn, Event::person("person.create", &id)).await?;
        Ok(id)
    }
}

/// Inserts one record of a person inside the caller's transaction; returns its id.
async fn insert_child<T: ChildKind>(
    conn: &mut AnyConnection,
    org: &str,
    person_id: &str,
    value: &T,
    stamp: &WriteStamp,
) -> Result<String> {
    let id = db::new_id();
    let cols = T::INDEXED.join(", ");
    let params: Vec<String> = (0..T::INDEXED.len() + 9).map(|i| format!("${}", i + 1)).collect();
    let sql = format!(
        "INSERT INTO {} (org_id, id, person_id, doc, {PROVENANCE_COLUMNS}, updated_at, {cols}) VALUES ({})",
        T::TABLE,
        params.join(", ")
    );
    let mut q = sqlx::query(&sql).bind(org).bind(&id).bind(person_id).bind(db::to_doc(value)?).bind_stamp(stamp);
    for v in value.index_values()? {
        q = q.bind(v);
    }
    q.execute(&mut *conn).await?;
    Ok(id)
}
