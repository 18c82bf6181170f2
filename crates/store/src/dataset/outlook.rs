//! The dashboard's two other views of a dataset, each one query: people in post by role and their
//! overall compliance status, and the checks and training of people in post that expire soon.
//!
//! Both read the per-person compliance cache (`summary.rs`) to know who is in post (a cached
//! `overall` other than `none`), so call them after [`Dataset::compliance_summary`] has refreshed it.
//! Immunisations carry no expiry column (seasonal vaccines count per season) and are not listed.

use chrono::{Days, NaiveDate};
use domain::checks::EmploymentCheck;
use domain::compliance::ComplianceStatus;
use domain::cstf::Competence;
use domain::person::Person;
use sqlx::Row;

use super::Dataset;
use crate::audit::Event;
use crate::db;
use crate::error::{Result, StoreError};

/// People in post in one role, by their overall compliance status (a person in two roles is
/// counted in both, with the same overall status).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleCount {
    pub role: String,
    pub met: usize,
    pub due_soon: usize,
    pub expired: usize,
    pub missing: usize,
}

impl RoleCount {
    pub fn total(&self) -> usize {
        self.met + self.due_soon + self.expired + self.missing
    }
}

/// What kind of record expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiringKind {
    Check,
    Competence,
}

/// A person's current check or competence that expires soon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expiring {
    pub person_id: String,
    pub given_name: String,
    pub family_name: String,
    pub kind: ExpiringKind,
    pub record_id: String,
    /// The record in words: "Fire Safety level 1", "Criminal record (DBS) check".
    pub label: String,
    pub expires_on: NaiveDate,
}

/// Each person's current record per check kind or competence: the one that lasts longest (a record
/// that does not expire outlasts every other). Older records superseded by a renewal are not listed.
const EXPIRING_SQL: &str = "\
    SELECT x.what, x.id, x.person_id, x.expires_on, x.doc, p.doc AS person_doc FROM ( \
      SELECT 'check' AS what, e.id, e.person_id, e.expires_on, e.doc FROM employment_checks e \
      WHERE e.org_id = $1 AND e.expires_on >= $2 AND e.expires_on <= $3 AND NOT EXISTS ( \
        SELECT 1 FROM employment_checks n WHERE n.org_id = e.org_id AND n.person_id = e.person_id \
        AND n.kind = e.kind AND n.id <> e.id AND (n.expires_on IS NULL OR n.expires_on > e.expires_on)) \
      UNION ALL \
      SELECT 'competence' AS what, c.id, c.person_id, c.expires_on, c.doc FROM competences c \
      WHERE c.org_id = $1 AND c.expires_on >= $2 AND c.expires_on <= $3 AND NOT EXISTS ( \
        SELECT 1 FROM competences n WHERE n.org_id = c.org_id AND n.person_id = c.person_id \
        AND n.competence_key = c.competence_key AND n.id <> c.id \
        AND (n.expires_on IS NULL OR n.expires_on > c.expires_on)) \
    ) x \
    JOIN people p ON p.org_id = $1 AND p.id = x.person_id \
    JOIN compliance_cache cc ON cc.org_id = $1 AND cc.person_id = x.person_id AND cc.overall <> 'none' \
    ORDER BY x.expires_on, x.person_id, x.id LIMIT $4";

impl Dataset<'_> {
    /// People in post per role code and their overall status, in one query. Audited once.
    pub async fn compliance_by_role(&self, today: NaiveDate) -> Result<Vec<RoleCount>> {
        let mut tx = self.begin().await?;
        let rows = sqlx::query(
            "SELECT a.role, cc.overall, count(DISTINCT a.person_id) FROM assignments a \
             JOIN compliance_cache cc ON cc.org_id = a.org_id AND cc.person_id = a.person_id \
             WHERE a.org_id = $1 AND cc.overall <> 'none' AND a.status <> 'left' \
             AND (a.end_date IS NULL OR a.end_date >= $2) \
             GROUP BY a.role, cc.overall ORDER BY a.role",
        )
        .bind(self.org())
        .bind(db::date(today))
        .fetch_all(&mut *tx)
        .await?;
        let mut counts: Vec<RoleCount> = Vec::new();
        for row in rows {
            let role: String = row.try_get(0)?;
            let overall: String = row.try_get(1)?;
            let n = row.try_get::<i64, _>(2)? as usize;
            if counts.last().is_none_or(|c| c.role != role) {
                counts.push(RoleCount { role: role.clone(), ..RoleCount::default() });
            }
            let Some(entry) = counts.last_mut() else { continue };
            match overall.as_str() {
                s if s == ComplianceStatus::Met.as_str() => entry.met += n,
                s if s == ComplianceStatus::DueSoon.as_str() => entry.due_soon += n,
                s if s == ComplianceStatus::Expired.as_str() => entry.expired += n,
                s if s == ComplianceStatus::Missing.as_str() => entry.missing += n,
                other => {
                    return Err(StoreError::Corrupt { table: "compliance_cache", reason: format!("status {other:?}") });
                }
            }
        }
        self.audit(&mut tx, Event::dataset("compliance.by_role")).await?;
        tx.commit().await?;
        Ok(counts)
    }

    /// The current checks and competences of people in post that expire from `today` to `within_days`
    /// days later (inclusive), soonest first, at most `limit`, named: one query. Each person listed
    /// is audited as read, as [`Dataset::name_people`] does.
    pub async fn expiring(&self, today: NaiveDate, within_days: u32, limit: u32) -> Result<Vec<Expiring>> {
        let until = today.checked_add_days(Days::new(u64::from(within_days))).unwrap_or(NaiveDate::MAX);
        let mut tx = self.begin().await?;
        let rows = sqlx::query(EXPIRING_SQL)
            .bind(self.org())
            .bind(db::date(today))
            .bind(db::date(until))
            .bind(i64::from(limit))
            .fetch_all(&mut *tx)
            .await?;
        let mut listed = Vec::with_capacity(rows.len());
        for row in rows {
            let what: String = row.try_get("what")?;
            let doc: String = row.try_get("doc")?;
            let (kind, label) = if what == "check" {
                let check: EmploymentCheck = db::from_doc(&doc, "employment_checks")?;
                (ExpiringKind::Check, check.kind().label().to_owned())
            } else {
                let competence: Competence = db::from_doc(&doc, "competences")?;
                (ExpiringKind::Competence, competence.competence.label())
            };
            let person: Person = db::from_doc(&row.try_get::<String, _>("person_doc")?, "people")?;
            let expires: String = row.try_get("expires_on")?;
            let expires_on = NaiveDate::parse_from_str(&expires, "%Y-%m-%d")
                .map_err(|e| StoreError::Corrupt { table: "expiring", reason: format!("date {expires:?}: {e}") })?;
            listed.push(Expiring {
                person_id: row.try_get("person_id")?,
                given_name: person.given_name,
                family_name: person.family_name,
                kind,
                record_id: row.try_get("id")?,
                label,
                expires_on,
            });
        }
        let mut audited: Vec<&str> = Vec::new();
        for item in &listed {
            if !audited.contains(&item.person_id.as_str()) {
                audited.push(&item.person_id);
                self.audit(&mut tx, Event::person("person.read", &item.person_id)).await?;
            }
        }
        self.audit(&mut tx, Event::dataset("compliance.expiring")).await?;
        tx.commit().await?;
        Ok(listed)
    }
}
