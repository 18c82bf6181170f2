//! Bulk loading for CSV imports and the synthetic generator: many people and records per
//! transaction, multi-row inserts, one audit entry per person touched (appended in bulk).
//!
//! Exactly-once across crashes: a batch is one transaction, and may carry a checkpoint (source
//! name + position, e.g. file and line) that commits with it. After a `kill -9`, the importer asks
//! [`Dataset::import_checkpoint`] where to resume; anything after it was rolled back. New people
//! whose NI number already exists in the dataset are skipped (reported, with their records), so
//! re-running an import without checkpoints does not duplicate people either.
//!
//! A batch has a CPU half and a database half. [`ImportPreparer::prepare`] makes the new ids,
//! encodes every row's document and, given a [`ComplianceBasis`], evaluates each new person
//! (stored with them in the compliance cache, so a summary finds them computed); it does no I/O
//! and runs on any thread. [`Dataset::import_prepared`] writes the result in one transaction; if
//! the organisation's role requirements changed after preparation, it evaluates again. The
//! generator prepares batch n + 1 on its own thread while batch n is written, which puts the
//! encoding on the second core; [`Dataset::import_batch`] is the two halves in a row.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;

use domain::assignment::Assignment;
use domain::checks::EmploymentCheck;
use domain::compliance::{PersonCompliance, PersonRecord};
use domain::cstf::Competence;
use domain::immunisation::{Immunisation, OhClearance};
use domain::person::NiNumber;
use domain::requirements::RoleRequirements;
use sqlx::{AnyConnection, Row};

use super::children::ChildKind;
use super::summary::{ComplianceBasis, evaluate_person, or_nothing_to_meet, roles_from_docs};
use super::{Dataset, WriteStamp};
use crate::audit::{self, Event};
use crate::db::{self, Backend};
use crate::error::Result;

/// Keep every statement well under SQLite's and PostgreSQL's bind-parameter limits.
const MAX_PARAMS: usize = 16_000;

/// Names a person who is already in the dataset.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PersonRef {
    Id(String),
    Ni(NiNumber),
}

/// One record for a person already in the dataset.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportRecord {
    Assignment(Assignment),
    Check(EmploymentCheck),
    Competence(Competence),
    Immunisation(Immunisation),
    /// Replaces the person's clearance.
    OhClearance(OhClearance),
}

/// Where an import had got to; committed with the batch that reached it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// e.g. the file name of the extract.
    pub source: String,
    /// e.g. the last line number included in the batch.
    pub position: i64,
}

/// What one [`Dataset::import_batch`] call writes, in one transaction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportBatch {
    /// New people, each with all of their records.
    pub people: Vec<PersonRecord>,
    /// Records for people already in the dataset.
    pub records: Vec<(PersonRef, ImportRecord)>,
    pub checkpoint: Option<Checkpoint>,
    /// When given, every person the batch writes is evaluated on this basis and their result is
    /// stored in the compliance cache in the same transaction, so an organisation's summary
    /// (even in a process started afterwards) finds them computed; new people are evaluated from
    /// the records in memory. Without it their cached results are only dropped, to be computed on
    /// the next summary.
    pub compliance: Option<ComplianceBasis>,
}

/// The outcome of one batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Per entry of `batch.people`: the new person's id, or `None` when a person with that NI
    /// number already exists in the dataset (that entry and its records were skipped).
    pub people: Vec<Option<String>>,
    /// Records written (from `people` entries and from `records`).
    pub records_inserted: usize,
    /// Indices into `batch.records` whose person is not in this dataset (skipped).
    pub unknown_people: Vec<usize>,
}

type TextRow = Vec<Option<String>>;

/// Rows per record table, collected before inserting.
#[derive(Default)]
struct Rows {
    assignments: Vec<TextRow>,
    checks: Vec<TextRow>,
    competences: Vec<TextRow>,
    immunisations: Vec<TextRow>,
    clearances: Vec<TextRow>,
}

impl Rows {
    /// Drops the rows of people not in `ids` (new people skipped as duplicates).
    fn keep_people(&mut self, ids: &HashSet<String>) {
        let of = |row: &TextRow, at: usize| row.get(at).and_then(|v| v.as_deref()).is_some_and(|id| ids.contains(id));
        for rows in [&mut self.assignments, &mut self.checks, &mut self.competences, &mut self.immunisations] {
            rows.retain(|row| of(row, 2));
        }
        self.clearances.retain(|row| of(row, 1));
    }

    fn len(&self) -> usize {
        self.assignments.len()
            + self.checks.len()
            + self.competences.len()
            + self.immunisations.len()
            + self.clearances.len()
    }
}

fn stamp_cols(stamp: &WriteStamp) -> [Option<String>; 5] {
    [
        Some(stamp.by.clone()),
        Some(stamp.at.clone()),
        Some(stamp.source.to_owned()),
        stamp.source_ods.clone(),
        Some(stamp.at.clone()),
    ]
}

fn child_row<T: ChildKind>(org: &str, person_id: &str, value: &T, stamp: &WriteStamp) -> Result<TextRow> {
    let mut row = vec![Some(org.to_owned()), Some(db::new_id()), Some(person_id.to_owned()), Some(db::to_doc(value)?)];
    row.extend(stamp_cols(stamp));
    row.extend(value.index_values()?);
    Ok(row)
}

fn child_columns<T: ChildKind>() -> Vec<&'static str> {
    let mut cols =
        vec!["org_id", "id", "person_id", "doc", "recorded_by", "recorded_at", "source", "source_ods", "updated_at"];
    cols.extend_from_slice(T::INDEXED);
    cols
}

const CLEARANCE_COLUMNS: [&str; 8] =
    ["org_id", "person_id", "doc", "recorded_by", "recorded_at", "source", "source_ods", "updated_at"];

const PEOPLE_COLUMNS: [&str; 11] = [
    "org_id",
    "id",
    "ni_number",
    "date_of_birth",
    "family_name",
    "doc",
    "recorded_by",
    "recorded_at",
    "source",
    "source_ods",
    "updated_at",
];

impl Rows {
    fn add(&mut self, org: &str, person_id: &str, record: &ImportRecord, stamp: &WriteStamp) -> Result<()> {
        match record {
            ImportRecord::Assignment(v) => self.assignments.push(child_row(org, person_id, v, stamp)?),
            ImportRecord::Check(v) => self.checks.push(child_row(org, person_id, v, stamp)?),
            ImportRecord::Competence(v) => self.competences.push(child_row(org, person_id, v, stamp)?),
            ImportRecord::Immunisation(v) => self.immunisations.push(child_row(org, person_id, v, stamp)?),
            ImportRecord::OhClearance(v) => {
                let mut row = vec![Some(org.to_owned()), Some(person_id.to_owned()), Some(db::to_doc(v)?)];
                row.extend(stamp_cols(stamp));
                self.clearances.push(row);
            }
        }
        Ok(())
    }

    fn add_person_record(&mut self, org: &str, person_id: &str, r: &PersonRecord, stamp: &WriteStamp) -> Result<()> {
        for v in &r.assignments {
            self.assignments.push(child_row(org, person_id, v, stamp)?);
        }
        for v in &r.checks {
            self.checks.push(child_row(org, person_id, v, stamp)?);
        }
        for v in &r.competences {
            self.competences.push(child_row(org, person_id, v, stamp)?);
        }
        for v in &r.immunisations {
            self.immunisations.push(child_row(org, person_id, v, stamp)?);
        }
        if let Some(v) = &r.oh_clearance {
            self.add(org, person_id, &ImportRecord::OhClearance(v.clone()), stamp)?;
        }
        Ok(())
    }

    async fn write(&self, conn: &mut AnyConnection, backend: Backend) -> Result<()> {
        insert_rows(conn, backend, "assignments", &child_columns::<Assignment>(), &self.assignments, "").await?;
        insert_rows(conn, backend, "employment_checks", &child_columns::<EmploymentCheck>(), &self.checks, "").await?;
        insert_rows(conn, backend, "competences", &child_columns::<Competence>(), &self.competences, "").await?;
        insert_rows(conn, backend, "immunisations", &child_columns::<Immunisation>(), &self.immunisations, "").await?;
        let upsert = " ON CONFLICT (org_id, person_id) DO UPDATE SET doc = excluded.doc, \
            recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at, source = excluded.source, \
            source_ods = excluded.source_ods, updated_at = excluded.updated_at";
        // One clearance per person: the last one in the batch wins, as with repeated upserts.
        let mut last: HashMap<&str, &TextRow> = HashMap::new();
        for row in &self.clearances {
            last.insert(row[1].as_deref().unwrap_or_default(), row);
        }
        let clearances: Vec<TextRow> = last.into_values().cloned().collect();
        insert_rows(conn, backend, "oh_clearances", &CLEARANCE_COLUMNS, &clearances, upsert).await?;
        Ok(())
    }
}

/// Multi-row `INSERT … VALUES (…), (…) <suffix>` in chunks; returns any `RETURNING` rows.
async fn insert_rows(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &str,
    columns: &[&str],
    rows: &[TextRow],
    suffix: &str,
) -> Result<Vec<sqlx::any::AnyRow>> {
    let mut returned = vec![];
    let per_chunk = (MAX_PARAMS / columns.len()).max(1);
    for chunk in rows.chunks(per_chunk) {
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let mut n = 0;
        for (i, _) in chunk.iter().enumerate() {
            sql.push_str(if i == 0 { "(" } else { ", (" });
            for c in 0..columns.len() {
                n += 1;
                if c > 0 {
                    sql.push_str(", ");
                }
                match backend {
                    // `db::placeholder`, without a string per parameter (a load binds hundreds of millions).
                    Backend::Sqlite => sql.push('?'),
                    Backend::Postgres => {
                        let _ = write!(sql, "${n}");
                    }
                }
            }
            sql.push(')');
        }
        sql.push_str(suffix);
        let mut q = sqlx::query(&sql);
        for row in chunk {
            for value in row {
                q = q.bind(value.as_deref());
            }
        }
        returned.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(returned)
}

/// The role requirements a batch's compliance is evaluated against, as read from the database:
/// the stored documents (to notice a change before writing) and their decoded form.
struct RolesSnapshot {
    docs: Vec<(String, String)>,
    map: HashMap<String, RoleRequirements>,
}

/// What preparing a batch needs from the database, read once per organisation and load: the
/// dataset, the writer's provenance and the role requirements. Cheap to clone, `Send`: a loader
/// hands it to another thread and prepares batch n + 1 there while the database writes batch n.
#[derive(Clone)]
pub struct ImportPreparer {
    org: String,
    by: String,
    source: &'static str,
    source_ods: Option<String>,
    roles: Arc<RolesSnapshot>,
}

/// An [`ImportBatch`] turned into rows, new ids and compliance results: the CPU half of a batch
/// (documents encoded, people evaluated), made by [`ImportPreparer::prepare`] on any thread and
/// written by [`Dataset::import_prepared`].
pub struct PreparedBatch {
    org: String,
    batch: ImportBatch,
    stamp: WriteStamp,
    ids: Vec<String>,
    people_rows: Vec<TextRow>,
    /// The records of every new person; those of people skipped as duplicates are left out when
    /// written.
    children: Rows,
    /// Per new person, their evaluation (and whether any role applies), when the batch has a
    /// compliance basis.
    results: Vec<Option<(PersonCompliance, bool)>>,
    roles: Arc<RolesSnapshot>,
}

impl ImportPreparer {
    /// Encodes the batch's rows and evaluates its new people; no I/O.
    pub fn prepare(&self, batch: ImportBatch) -> Result<PreparedBatch> {
        let stamp =
            WriteStamp { by: self.by.clone(), at: db::now(), source: self.source, source_ods: self.source_ods.clone() };
        let org = &self.org;
        let ids: Vec<String> = batch.people.iter().map(|_| db::new_id()).collect();
        let mut people_rows = Vec::with_capacity(batch.people.len());
        let mut children = Rows::default();
        for (record, id) in batch.people.iter().zip(&ids) {
            let p = &record.person;
            let mut row = vec![
                Some(org.clone()),
                Some(id.clone()),
                p.ni_number.as_ref().map(|n| n.as_str().to_owned()),
                Some(db::date(p.date_of_birth)),
                Some(p.family_name.trim().to_owned()),
                Some(db::to_doc(p)?),
            ];
            row.extend(stamp_cols(&stamp));
            people_rows.push(row);
            children.add_person_record(org, id, record, &stamp)?;
        }
        let results = match batch.compliance {
            Some(on) => batch
                .people
                .iter()
                .map(|r| {
                    let result = evaluate_person(r, &self.roles.map, on.today, on.due_within_days);
                    let applicable = result.is_some();
                    Some((or_nothing_to_meet(result), applicable))
                })
                .collect(),
            None => vec![],
        };
        Ok(PreparedBatch {
            org: self.org.clone(),
            batch,
            stamp,
            ids,
            people_rows,
            children,
            results,
            roles: self.roles.clone(),
        })
    }
}

impl Dataset<'_> {
    /// Writes one batch in one transaction; see the module documentation for the guarantees.
    pub async fn import_batch(&self, batch: &ImportBatch) -> Result<ImportReport> {
        let prepared = self.import_preparer().await?.prepare(batch.clone())?;
        self.import_prepared(prepared).await
    }

    /// Reads what [`ImportPreparer::prepare`] needs for this dataset.
    pub async fn import_preparer(&self) -> Result<ImportPreparer> {
        let stamp = self.stamp();
        let mut conn = self.store.pool.acquire().await?;
        let docs = self.role_docs(&mut conn).await?;
        let map = roles_from_docs(&docs)?;
        Ok(ImportPreparer {
            org: self.org().to_owned(),
            by: stamp.by,
            source: stamp.source,
            source_ods: stamp.source_ods,
            roles: Arc::new(RolesSnapshot { docs, map }),
        })
    }

    /// Writes a prepared batch in one transaction, as [`Dataset::import_batch`] does. Compliance
    /// results prepared against role requirements that have changed since are evaluated again.
    pub async fn import_prepared(&self, prepared: PreparedBatch) -> Result<ImportReport> {
        if prepared.org != self.org() {
            return Err(crate::error::StoreError::NotFound);
        }
        let PreparedBatch { org, batch, stamp, ids, people_rows, mut children, results, roles } = prepared;
        let mut tx = self.begin().await?;

        // People first; those whose NI number already exists are not inserted.
        let inserted = insert_rows(
            &mut tx,
            self.store.backend,
            "people",
            &PEOPLE_COLUMNS,
            &people_rows,
            " ON CONFLICT DO NOTHING RETURNING id",
        )
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<std::result::Result<HashSet<_>, _>>()?;
        if inserted.len() < ids.len() {
            children.keep_people(&inserted);
        }
        let mut report = ImportReport::default();
        let mut events_for: Vec<(String, &'static str)> = vec![];
        let mut new_people: Vec<usize> = vec![];
        for (i, id) in ids.iter().enumerate() {
            if inserted.contains(id) {
                events_for.push((id.clone(), "person.import"));
                report.people.push(Some(id.clone()));
                new_people.push(i);
            } else {
                report.people.push(None);
            }
        }

        // Records for existing people.
        let resolved = self.resolve(&mut tx, batch.records.iter().map(|(r, _)| r)).await?;
        let mut touched = HashSet::new();
        for (i, (person, record)) in batch.records.iter().enumerate() {
            match resolved.get(person) {
                Some(id) => {
                    children.add(&org, id, record, &stamp)?;
                    if touched.insert(id.clone()) {
                        events_for.push((id.clone(), "records.import"));
                    }
                }
                None => report.unknown_people.push(i),
            }
        }
        let touched_ids: Vec<&str> = touched.iter().map(String::as_str).collect();
        self.invalidate_many(&mut tx, &touched_ids).await?;
        report.records_inserted = children.len();
        children.write(&mut tx, self.store.backend).await?;
        let replaced_clearances = batch.records.iter().filter(|(_, r)| matches!(r, ImportRecord::OhClearance(_)));
        self.revoke_for_clearances(&mut tx, replaced_clearances.filter_map(|(p, _)| resolved.get(p))).await?;
        if let Some(on) = batch.compliance {
            let current = self.role_docs(&mut tx).await?;
            let results: Vec<(String, PersonCompliance, bool)> = if current == roles.docs {
                new_people
                    .iter()
                    .filter_map(|&i| results.get(i).cloned().flatten().map(|(r, a)| (ids[i].clone(), r, a)))
                    .collect()
            } else {
                // The role requirements changed after the batch was prepared: evaluate again.
                let map = roles_from_docs(&current)?;
                new_people
                    .iter()
                    .map(|&i| {
                        let result = evaluate_person(&batch.people[i], &map, on.today, on.due_within_days);
                        let applicable = result.is_some();
                        (ids[i].clone(), or_nothing_to_meet(result), applicable)
                    })
                    .collect()
            };
            self.store_results(&mut tx, &results, on.today, on.due_within_days).await?;
            let mut touched: Vec<String> = touched.into_iter().collect();
            touched.sort_unstable();
            self.refresh_people(&mut tx, &touched, on).await?;
        }

        let events: Vec<Event<'_>> = events_for.iter().map(|(id, action)| Event::person(action, id)).collect();
        audit::append_many(&mut tx, self.store.backend, &org, self.scope.actor(), &events).await?;
        if let Some(cp) = &batch.checkpoint {
            sqlx::query(
                "INSERT INTO import_checkpoints (org_id, source, position, updated_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (org_id, source) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at",
            )
            .bind(&org)
            .bind(&cp.source)
            .bind(cp.position)
            .bind(&stamp.at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.store.status_changed();
        Ok(report)
    }

    /// The position committed with the last batch of `source`, if any.
    pub async fn import_checkpoint(&self, source: &str) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT position FROM import_checkpoints WHERE org_id = $1 AND source = $2")
            .bind(self.org())
            .bind(source)
            .fetch_optional(&self.store.pool)
            .await?;
        Ok(row.map(|r| r.try_get::<i64, _>(0)).transpose()?)
    }

    /// Maps person references to ids of this dataset (unknown ones are absent).
    async fn resolve<'r>(
        &self,
        conn: &mut AnyConnection,
        refs: impl Iterator<Item = &'r PersonRef>,
    ) -> Result<HashMap<PersonRef, String>> {
        let mut ids = HashSet::new();
        let mut nis = HashSet::new();
        for r in refs {
            match r {
                PersonRef::Id(id) => ids.insert(id.as_str()),
                PersonRef::Ni(ni) => nis.insert(ni.as_str()),
            };
        }
        let mut out = HashMap::new();
        for (column, keys) in [("id", ids), ("ni_number", nis)] {
            let keys: Vec<&str> = keys.into_iter().collect();
            for chunk in keys.chunks(MAX_PARAMS / 2) {
                let backend = self.store.backend;
                let params: Vec<String> = (0..chunk.len()).map(|i| db::placeholder(backend, i + 2)).collect();
                let sql = format!(
                    "SELECT id, {column} FROM people WHERE org_id = {} AND {column} IN ({})",
                    db::placeholder(backend, 1),
                    params.join(", ")
                );
                let mut q = sqlx::query(&sql).bind(self.org());
                for k in chunk {
                    q = q.bind(*k);
                }
                for row in q.fetch_all(&mut *conn).await? {
                    let id: String = row.try_get(0)?;
                    let key: String = row.try_get(1)?;
                    let r = if column == "id" {
                        PersonRef::Id(key)
                    } else {
                        match NiNumber::parse(&key) {
                            Ok(ni) => PersonRef::Ni(ni),
                            Err(_) => continue,
                        }
                    };
                    out.insert(r, id);
                }
            }
        }
        Ok(out)
    }
}
