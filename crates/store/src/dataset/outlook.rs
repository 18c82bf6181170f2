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

/// Each person's current record of one check kind or competence (the one that lasts longest: a record
/// that does not expire outlasts every other; of two that end the same day, the later id) expiring in
/// the window, soonest first. One query per table, each walking the `(org_id, expires_on)` index in
/// order and stopping at the limit: the time grows with the rows walked (those listed, and the
/// superseded or not-in-post ones before them), not with the size of the organisation.
fn expiring_sql(table: &str, key: &str) -> String {
    format!(
        "SELECT r.id, r.person_id, r.expires_on, r.doc, p.doc AS person_doc FROM {table} r \
         JOIN people p ON p.org_id = r.org_id AND p.id = r.person_id \
         JOIN compliance_cache cc ON cc.org_id = r.org_id AND cc.person_id = r.person_id AND cc.overall <> 'none' \
         WHERE r.org_id = $1 AND r.expires_on >= $2 AND r.expires_on <= $3 AND NOT EXISTS ( \
           SELECT 1 FROM {table} n WHERE n.org_id = r.org_id AND n.person_id = r.person_id \
           AND n.{key} = r.{key} AND n.id <> r.id \
           AND (n.expires_on IS NULL OR n.expires_on > r.expires_on OR (n.expires_on = r.expires_on AND n.id > r.id))) \
         ORDER BY r.expires_on LIMIT $4"
    )
}

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
    /// days later (inclusive), soonest first, at most `limit`, named: one query per table. Each person
    /// listed is audited as read, as [`Dataset::name_people`] does.
    pub async fn expiring(&self, today: NaiveDate, within_days: u32, limit: u32) -> Result<Vec<Expiring>> {
        let until = today.checked_add_days(Days::new(u64::from(within_days))).unwrap_or(NaiveDate::MAX);
        let mut tx = self.begin().await?;
        let mut listed = Vec::new();
        for kind in [ExpiringKind::Check, ExpiringKind::Competence] {
            let sql = match kind {
                ExpiringKind::Check => expiring_sql("employment_checks", "kind"),
                ExpiringKind::Competence => expiring_sql("competences", "competence_key"),
            };
            let rows = sqlx::query(&sql)
                .bind(self.org())
                .bind(db::date(today))
                .bind(db::date(until))
                .bind(i64::from(limit))
                .fetch_all(&mut *tx)
                .await?;
            for row in rows {
                let doc: String = row.try_get("doc")?;
                let label = match kind {
                    ExpiringKind::Check => {
                        db::from_doc::<EmploymentCheck>(&doc, "employment_checks")?.kind().label().to_owned()
                    }
                    ExpiringKind::Competence => db::from_doc::<Competence>(&doc, "competences")?.competence.label(),
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
        }
        listed.sort_by(|a, b| {
            (a.expires_on, &a.person_id, &a.record_id).cmp(&(b.expires_on, &b.person_id, &b.record_id))
        });
        listed.truncate(limit as usize);
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
