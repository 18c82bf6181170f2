//! Compliance results: one person's, and an organisation's summary served from a per-person cache.
//!
//! Which requirements apply to a person is decided here (`applicable_roles`): the roles of their
//! assignments that have not ended (applicant or active, end date not passed), each evaluated with
//! the domain's `evaluate` against the national CSTF catalogue, results merged by requirement id
//! (worst status wins). A role with no requirements recorded is itself a gap (`role:<code>`,
//! missing), so an unconfigured role never makes people look compliant. A person with no such role
//! (a leaver, or nobody assigned yet) has nothing to meet: their own answer is `met` with no items,
//! and the organisation summary leaves them out, so its counts are of people currently in post.
//!
//! The summary of a 20 000-person organisation must take ≤ 150 ms on two cores; decoding every
//! record of every person cannot (≈ 100 MB of JSON), so results are cached per person
//! (`compliance_cache`, see migration 0003) and only stale rows are recomputed before one aggregate
//! query. Invalidation happens in the same transaction as every write that can change a result.
//!
//! The cache is kept filled rather than computed when first asked for, so that no summary (not even
//! the first in a newly started process) has to evaluate a whole organisation: a bulk import given a
//! [`ComplianceBasis`] stores each new person's result in the same transaction as their records,
//! evaluated from the records in memory (the generator does it on the thread that prepares the
//! batch), and re-evaluates people whose records it added to; `passport import` refreshes the
//! organisation once at its end; `passport serve` recomputes results that time has aged in the
//! background (`Dataset::refresh_compliance`, hourly). A summary then evaluates only people written
//! through the API since (their row dropped by the write), decoding and evaluating on two threads.

use std::collections::HashMap;

use chrono::{Datelike, Days, NaiveDate};
use domain::assignment::AssignmentStatus;
use domain::compliance::{
    ComplianceStatus, NonCompliantPerson, OrgSummary, PersonCompliance, PersonRecord, RequirementResult, evaluate,
};
use domain::cstf::Catalogue;
use domain::requirements::RoleRequirements;
use sqlx::{AnyConnection, Row};

use super::Dataset;
use super::compliance::{RECORD_SELECT, record_from_row};
use crate::audit::Event;
use crate::db;
use crate::error::{Result, StoreError};

/// Bump when the evaluation policy below changes, so cached results are recomputed.
const POLICY_VERSION: u32 = 2;
/// Cache `overall` of a person who holds no current role: kept (so they are not stale) but not counted.
const NOT_APPLICABLE: &str = "none";
/// Cached results are recomputed at least this often, bounding any time rule the cache misses.
const MAX_CACHE_DAYS: u64 = 31;
const REFRESH_CHUNK: usize = 500;

/// The parameters a cached result is computed for: the day, and how many days ahead an expiry
/// counts as due soon (the server's `due_within_days`). Bulk imports take one so that they can
/// store each person's result with the batch (see [`crate::ImportBatch::compliance`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComplianceBasis {
    pub today: NaiveDate,
    pub due_within_days: u32,
}

impl ComplianceBasis {
    /// The due-soon window the server answers with unless configured otherwise.
    pub const DEFAULT_DUE_WITHIN_DAYS: u32 = 30;

    pub fn new(today: NaiveDate) -> ComplianceBasis {
        ComplianceBasis { today, due_within_days: Self::DEFAULT_DUE_WITHIN_DAYS }
    }
}

/// Below this many people a batch is evaluated on the calling thread.
const PARALLEL_MIN: usize = 64;

/// Evaluates `f` over `items` on up to two threads (the reference machine has two cores), keeping
/// the order. Evaluation is pure CPU over decoded records, so splitting it halves a cold refresh.
pub(crate) fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(2);
    if threads < 2 || items.len() < PARALLEL_MIN {
        return items.iter().map(f).collect();
    }
    let (first, second) = items.split_at(items.len() / 2);
    std::thread::scope(|s| {
        let other = s.spawn(|| second.iter().map(&f).collect::<Vec<R>>());
        let mut out: Vec<R> = first.iter().map(&f).collect();
        // A panic in the helper thread is re-raised here, as it would be on one thread.
        out.extend(other.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        out
    })
}

fn basis(due_within_days: u32) -> String {
    format!("v{POLICY_VERSION};due={due_within_days}")
}

fn parse_status(s: &str) -> Result<ComplianceStatus> {
    [ComplianceStatus::Met, ComplianceStatus::DueSoon, ComplianceStatus::Expired, ComplianceStatus::Missing]
        .into_iter()
        .find(|st| st.as_str() == s)
        .ok_or_else(|| StoreError::Corrupt { table: "compliance_cache", reason: format!("status {s:?}") })
}

/// Decodes [`Dataset::role_docs`].
pub(crate) fn roles_from_docs(docs: &[(String, String)]) -> Result<HashMap<String, RoleRequirements>> {
    docs.iter().map(|(role, doc)| Ok((role.clone(), db::from_doc(doc, "role_requirements")?))).collect()
}

/// Role codes whose requirements apply to the person on `today`.
fn applicable_roles(record: &PersonRecord, today: NaiveDate) -> Vec<&str> {
    let mut roles: Vec<&str> = record
        .assignments
        .iter()
        .filter(|a| a.status != AssignmentStatus::Left && a.end_date.is_none_or(|end| end >= today))
        .map(|a| a.role.trim())
        .collect();
    roles.sort_unstable();
    roles.dedup();
    roles
}

/// Evaluates a person against every applicable role and merges the results; `None` when the person
/// holds no applicable role (nothing to meet, and not counted in the organisation summary).
pub(crate) fn evaluate_person(
    record: &PersonRecord,
    roles: &HashMap<String, RoleRequirements>,
    today: NaiveDate,
    due_within_days: u32,
) -> Option<PersonCompliance> {
    let catalogue = Catalogue::national();
    let applicable = applicable_roles(record, today);
    if applicable.is_empty() {
        return None;
    }
    let mut items: Vec<RequirementResult> = vec![];
    for role in applicable {
        let Some(requirements) = roles.get(role) else {
            items.push(RequirementResult {
                requirement: format!("role:{role}").into(),
                label: "Role requirements".into(),
                status: ComplianceStatus::Missing,
                expires_on: None,
                reason: format!("no requirements are recorded for role {role}"),
            });
            continue;
        };
        for item in evaluate(record, requirements, &catalogue, today, due_within_days).items {
            match items.iter_mut().find(|i| i.requirement == item.requirement) {
                Some(existing) if item.status > existing.status => *existing = item,
                Some(_) => {}
                None => items.push(item),
            }
        }
    }
    let overall = items.iter().map(|i| i.status).max().unwrap_or(ComplianceStatus::Met);
    Some(PersonCompliance { overall, items })
}

/// The answer for one person: their evaluation, or `met` with nothing to meet.
pub(crate) fn or_nothing_to_meet(result: Option<PersonCompliance>) -> PersonCompliance {
    result.unwrap_or(PersonCompliance { overall: ComplianceStatus::Met, items: vec![] })
}

/// The first date on which the result could change with time alone (recompute on or after it).
fn valid_until(result: &PersonCompliance, today: NaiveDate, due_within_days: u32) -> NaiveDate {
    let due = Days::new(u64::from(due_within_days));
    let one = Days::new(1);
    let mut until = today.checked_add_days(Days::new(MAX_CACHE_DAYS)).unwrap_or(NaiveDate::MAX);
    // Seasonal vaccinations count per season, from 1 September.
    let season_year = if today.month() >= 9 { today.year() + 1 } else { today.year() };
    if let Some(next_season) = NaiveDate::from_ymd_opt(season_year, 9, 1) {
        until = until.min(next_season);
    }
    for end in result.items.iter().filter_map(|i| i.expires_on) {
        // Either side of each boundary, so inclusive/exclusive readings of the rules are both safe.
        let start_due = end.checked_sub_days(due);
        let candidates =
            [start_due.and_then(|d| d.checked_sub_days(one)), start_due, Some(end), end.checked_add_days(one)];
        for d in candidates.into_iter().flatten() {
            if d > today {
                until = until.min(d);
            }
        }
    }
    until
}

fn gaps_text(result: &PersonCompliance) -> String {
    result.gaps().map(|g| g.requirement.as_ref()).collect::<Vec<_>>().join(" ")
}

impl Dataset<'_> {
    /// Drops a person's cached compliance; called inside every write that can change it.
    pub(crate) async fn invalidate(&self, conn: &mut AnyConnection, person_id: &str) -> Result<()> {
        sqlx::query("DELETE FROM compliance_cache WHERE org_id = $1 AND person_id = $2")
            .bind(self.org())
            .bind(person_id)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// [`Dataset::invalidate`] for many people at once (bulk imports).
    pub(crate) async fn invalidate_many(&self, conn: &mut AnyConnection, person_ids: &[&str]) -> Result<()> {
        let backend = self.store.backend;
        for chunk in person_ids.chunks(REFRESH_CHUNK) {
            let params: Vec<String> = (0..chunk.len()).map(|i| db::placeholder(backend, i + 2)).collect();
            let sql = format!(
                "DELETE FROM compliance_cache WHERE org_id = {} AND person_id IN ({})",
                db::placeholder(backend, 1),
                params.join(", ")
            );
            let mut q = sqlx::query(&sql).bind(self.org());
            for id in chunk {
                q = q.bind(*id);
            }
            q.execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// Drops the whole organisation's cached compliance (role requirements changed).
    pub(crate) async fn invalidate_all(&self, conn: &mut AnyConnection) -> Result<()> {
        sqlx::query("DELETE FROM compliance_cache WHERE org_id = $1").bind(self.org()).execute(&mut *conn).await?;
        Ok(())
    }

    async fn roles_map(&self, conn: &mut AnyConnection) -> Result<HashMap<String, RoleRequirements>> {
        roles_from_docs(&self.role_docs(conn).await?)
    }

    /// The dataset's role requirements as stored: (role, document), by role.
    pub(crate) async fn role_docs(&self, conn: &mut AnyConnection) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as("SELECT role, doc FROM role_requirements WHERE org_id = $1 ORDER BY role")
            .bind(self.org())
            .fetch_all(&mut *conn)
            .await?)
    }

    /// Writes cache rows for evaluated people.
    pub(crate) async fn store_results(
        &self,
        conn: &mut AnyConnection,
        results: &[(String, PersonCompliance, bool)],
        today: NaiveDate,
        due_within_days: u32,
    ) -> Result<()> {
        let backend = self.store.backend;
        let now = db::now();
        let basis = basis(due_within_days);
        for chunk in results.chunks(REFRESH_CHUNK) {
            let mut sql = String::from(
                "INSERT INTO compliance_cache (org_id, person_id, basis, overall, gaps, valid_until, computed_at) VALUES ",
            );
            for i in 0..chunk.len() {
                sql.push_str(if i == 0 { "(" } else { ", (" });
                let cols: Vec<String> = (1..=7).map(|c| db::placeholder(backend, i * 7 + c)).collect();
                sql.push_str(&cols.join(", "));
                sql.push(')');
            }
            sql.push_str(
                " ON CONFLICT (org_id, person_id) DO UPDATE SET basis = excluded.basis, overall = excluded.overall, \
                 gaps = excluded.gaps, valid_until = excluded.valid_until, computed_at = excluded.computed_at",
            );
            let mut q = sqlx::query(&sql);
            for (person_id, result, applicable) in chunk {
                let overall = if *applicable { result.overall.as_str() } else { NOT_APPLICABLE };
                q = q
                    .bind(self.org())
                    .bind(person_id.as_str())
                    .bind(basis.clone())
                    .bind(overall)
                    .bind(gaps_text(result))
                    .bind(db::date(valid_until(result, today, due_within_days)))
                    .bind(now.clone());
            }
            q.execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// People of this dataset without a usable cached result.
    async fn stale_people(
        &self,
        conn: &mut AnyConnection,
        today: NaiveDate,
        due_within_days: u32,
    ) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT p.id FROM people p LEFT JOIN compliance_cache c ON c.org_id = p.org_id AND c.person_id = p.id \
             WHERE p.org_id = $1 AND (c.person_id IS NULL OR c.basis <> $2 OR c.valid_until <= $3)",
        )
        .bind(self.org())
        .bind(basis(due_within_days))
        .bind(db::date(today))
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows.iter().map(|r| r.try_get::<String, _>(0)).collect::<std::result::Result<Vec<_>, _>>()?)
    }

    /// Evaluates `ids` (at most a few hundred) and stores their results.
    async fn refresh(
        &self,
        conn: &mut AnyConnection,
        ids: &[String],
        today: NaiveDate,
        due_within_days: u32,
    ) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let backend = self.store.backend;
        let roles = self.roles_map(&mut *conn).await?;
        let params: Vec<String> = (0..ids.len()).map(|i| db::placeholder(backend, i + 2)).collect();
        let sql = format!(
            "{RECORD_SELECT} WHERE p.org_id = {} AND p.id IN ({})",
            db::placeholder(backend, 1),
            params.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(self.org());
        for id in ids {
            q = q.bind(id.as_str());
        }
        let rows = q.fetch_all(&mut *conn).await?;
        let results = par_map(&rows, |row| {
            let record = record_from_row(row)?;
            let result = evaluate_person(&record.value, &roles, today, due_within_days);
            let applicable = result.is_some();
            Ok((record.id, or_nothing_to_meet(result), applicable))
        })
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
        self.store_results(&mut *conn, &results, today, due_within_days).await
    }

    /// Re-evaluates people of this dataset from their stored records (inside the caller's
    /// transaction), in chunks.
    pub(crate) async fn refresh_people(
        &self,
        conn: &mut AnyConnection,
        ids: &[String],
        on: ComplianceBasis,
    ) -> Result<()> {
        for chunk in ids.chunks(REFRESH_CHUNK) {
            self.refresh(&mut *conn, chunk, on.today, on.due_within_days).await?;
        }
        Ok(())
    }

    /// One person's compliance on `today` against their applicable roles (audited read).
    pub async fn person_compliance(
        &self,
        person_id: &str,
        today: NaiveDate,
        due_within_days: u32,
    ) -> Result<PersonCompliance> {
        let mut tx = self.begin().await?;
        let record = self.load_record(&mut tx, person_id).await?;
        let roles = self.roles_map(&mut tx).await?;
        let evaluated = evaluate_person(&record.value, &roles, today, due_within_days);
        let applicable = evaluated.is_some();
        let result = or_nothing_to_meet(evaluated);
        self.store_results(&mut tx, &[(person_id.to_owned(), result.clone(), applicable)], today, due_within_days)
            .await?;
        self.audit(&mut tx, Event::person("compliance.read", person_id)).await?;
        tx.commit().await?;
        Ok(result)
    }

    /// Recomputes every cached result of this dataset that is missing or stale on `on` (its
    /// `valid_until` reached, or another basis), in short transactions of [`REFRESH_CHUNK`] people,
    /// and returns how many were recomputed. `passport serve` runs this in the background every
    /// day and after `passport import`, so the passing of time alone never leaves a summary to
    /// evaluate thousands of people. Audited once against the dataset when anyone was recomputed.
    pub async fn refresh_compliance(&self, on: ComplianceBasis) -> Result<usize> {
        let n = self.refresh_stale(on).await?;
        if n > 0 {
            let mut tx = self.begin().await?;
            self.audit(&mut tx, Event::dataset("compliance.refresh")).await?;
            tx.commit().await?;
        }
        Ok(n)
    }

    async fn refresh_stale(&self, on: ComplianceBasis) -> Result<usize> {
        let stale = self.stale_people(&mut *self.store.pool.acquire().await?, on.today, on.due_within_days).await?;
        for chunk in stale.chunks(REFRESH_CHUNK) {
            let mut tx = self.begin().await?;
            self.refresh(&mut tx, chunk, on.today, on.due_within_days).await?;
            tx.commit().await?;
        }
        Ok(stale.len())
    }

    /// The organisation's compliance on `today`: counts by status and every non-compliant person
    /// (expired or missing) with their gaps, ordered by person id. Audited once.
    pub async fn compliance_summary(&self, today: NaiveDate, due_within_days: u32) -> Result<OrgSummary> {
        // Bring stale entries up to date in short transactions of their own first, so a cold cache
        // (thousands of people to evaluate) never holds the write lock for long …
        self.refresh_stale(ComplianceBasis { today, due_within_days }).await?;
        // … then read one consistent snapshot, refreshing whatever concurrent writes invalidated
        // meanwhile (usually nothing).
        let mut tx = self.begin().await?;
        let stale = self.stale_people(&mut tx, today, due_within_days).await?;
        for chunk in stale.chunks(REFRESH_CHUNK) {
            self.refresh(&mut tx, chunk, today, due_within_days).await?;
        }

        let mut summary = OrgSummary::default();
        let counts = sqlx::query(
            "SELECT overall, count(*) FROM compliance_cache WHERE org_id = $1 AND overall <> 'none' GROUP BY overall",
        )
        .bind(self.org())
        .fetch_all(&mut *tx)
        .await?;
        for row in counts {
            let status = parse_status(&row.try_get::<String, _>(0)?)?;
            let n = row.try_get::<i64, _>(1)? as usize;
            summary.people += n;
            match status {
                ComplianceStatus::Met => summary.by_status.met += n,
                ComplianceStatus::DueSoon => summary.by_status.due_soon += n,
                ComplianceStatus::Expired => summary.by_status.expired += n,
                ComplianceStatus::Missing => summary.by_status.missing += n,
            }
            if status.is_compliant() {
                summary.compliant += n;
            }
        }
        // One aggregated row: sqlx hands SQLite rows over one at a time, which would dominate here.
        let listed = sqlx::query(
            "SELECT string_agg(person_id || '|' || overall || '|' || gaps, ';' ORDER BY person_id) \
             FROM compliance_cache WHERE org_id = $1 AND overall IN ('expired', 'missing')",
        )
        .bind(self.org())
        .fetch_one(&mut *tx)
        .await?;
        if let Some(text) = listed.try_get::<Option<String>, _>(0)? {
            for entry in text.split(';') {
                let mut parts = entry.splitn(3, '|');
                let (Some(id), Some(overall), gaps) = (parts.next(), parts.next(), parts.next()) else { continue };
                summary.non_compliant.push(NonCompliantPerson {
                    id: id.to_owned(),
                    given_name: None,
                    family_name: None,
                    overall: parse_status(overall)?,
                    gaps: gaps.unwrap_or_default().split_whitespace().map(|g| g.to_owned().into()).collect(),
                });
            }
        }
        self.audit(&mut tx, Event::dataset("compliance.summary")).await?;
        tx.commit().await?;
        Ok(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn with_expiry(expires_on: Option<NaiveDate>) -> PersonCompliance {
        PersonCompliance {
            overall: ComplianceStatus::Met,
            items: vec![RequirementResult {
                requirement: "competence:cstf:fire_safety:1".into(),
                label: "Fire Safety".into(),
                status: ComplianceStatus::Met,
                expires_on,
                reason: String::new(),
            }],
        }
    }

    #[test]
    fn cache_expires_before_the_due_window_opens() {
        // Due window opens 2026-01-21; recompute from the day before, to be safe either way.
        let until = valid_until(&with_expiry(Some(d("2026-02-20"))), d("2026-01-10"), 30);
        assert_eq!(until, d("2026-01-20"));
    }

    #[test]
    fn cache_is_bounded_by_the_flu_season_and_a_month() {
        assert_eq!(valid_until(&with_expiry(None), d("2026-08-20"), 30), d("2026-09-01"));
        assert_eq!(valid_until(&with_expiry(None), d("2026-01-10"), 30), d("2026-02-10"));
    }

    #[test]
    fn past_expiry_does_not_pin_the_cache_to_today() {
        let until = valid_until(&with_expiry(Some(d("2025-01-01"))), d("2026-01-10"), 30);
        assert_eq!(until, d("2026-02-10"));
    }
}
