//! Loading compliance inputs: everything [`domain::compliance::evaluate`] needs about a person, for
//! one person or a page of an organisation at a time.
//!
//! One query per page whatever its size: each person row carries its records as text aggregates
//! (`string_agg(doc, ' ' ORDER BY id)`, the same SQL on PostgreSQL and SQLite ≥ 3.44) from
//! correlated subqueries on the `(org_id, person_id, …)` indexes. Returning one row per person
//! instead of one per record matters: sqlx hands SQLite rows over one at a time, and that
//! per-row cost, not JSON decoding, dominated the page time. Evaluation itself is the caller's
//! (pure domain code).

use domain::compliance::PersonRecord;
use serde::de::DeserializeOwned;
use sqlx::Row;

use super::people::person_from_row;
use super::{Dataset, Record};
use crate::audit::Event;
use crate::error::{Result, StoreError};
use crate::page::{Page, PageOf};

/// Person columns plus one aggregate per record table.
pub(crate) const RECORD_SELECT: &str = "SELECT p.id, p.doc, p.recorded_by, p.recorded_at, p.source, p.source_ods, \
    (SELECT string_agg(x.doc, ' ' ORDER BY x.id) FROM assignments x \
        WHERE x.org_id = p.org_id AND x.person_id = p.id) AS assignments, \
    (SELECT string_agg(x.doc, ' ' ORDER BY x.id) FROM employment_checks x \
        WHERE x.org_id = p.org_id AND x.person_id = p.id) AS checks, \
    (SELECT string_agg(x.doc, ' ' ORDER BY x.id) FROM competences x \
        WHERE x.org_id = p.org_id AND x.person_id = p.id) AS competences, \
    (SELECT string_agg(x.doc, ' ' ORDER BY x.id) FROM immunisations x \
        WHERE x.org_id = p.org_id AND x.person_id = p.id) AS immunisations, \
    (SELECT x.doc FROM oh_clearances x WHERE x.org_id = p.org_id AND x.person_id = p.id) AS oh_clearance \
    FROM people p";

pub(crate) fn record_from_row(row: &sqlx::any::AnyRow) -> Result<Record<PersonRecord>> {
    let person = person_from_row(row)?;
    let oh: Option<String> = row.try_get("oh_clearance")?;
    Ok(Record {
        id: person.id,
        person_id: None,
        value: PersonRecord {
            person: person.value,
            assignments: docs(row, "assignments")?,
            checks: docs(row, "checks")?,
            competences: docs(row, "competences")?,
            immunisations: docs(row, "immunisations")?,
            oh_clearance: oh.map(|doc| crate::db::from_doc(&doc, "oh_clearances")).transpose()?,
        },
        provenance: person.provenance,
    })
}

/// Decodes a space-separated aggregate of JSON documents.
fn docs<T: DeserializeOwned>(row: &sqlx::any::AnyRow, column: &'static str) -> Result<Vec<T>> {
    let Some(text) = row.try_get::<Option<String>, _>(column)? else { return Ok(vec![]) };
    serde_json::Deserializer::from_str(&text)
        .into_iter::<T>()
        .collect::<std::result::Result<Vec<T>, _>>()
        .map_err(|e| StoreError::Corrupt { table: column, reason: e.to_string() })
}

impl Dataset<'_> {
    /// Everything compliance needs about one person (audited as a read of that person).
    pub async fn person_record(&self, person_id: &str) -> Result<Record<PersonRecord>> {
        let mut tx = self.begin().await?;
        let record = self.load_record(&mut tx, person_id).await?;
        self.audit(&mut tx, Event::person("compliance.read", person_id)).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// One person's compliance inputs inside the caller's transaction (not audited here); `NotFound`
    /// unless the person is in this dataset.
    pub(crate) async fn load_record(
        &self,
        conn: &mut sqlx::AnyConnection,
        person_id: &str,
    ) -> Result<Record<PersonRecord>> {
        let row = sqlx::query(&format!("{RECORD_SELECT} WHERE p.org_id = $1 AND p.id = $2"))
            .bind(self.org())
            .bind(person_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)?;
        record_from_row(&row)
    }

    /// A page of the organisation's compliance inputs, ordered by person id (the cursor). Audited
    /// once per page against the dataset.
    pub async fn person_records(&self, page: &Page) -> Result<PageOf<Record<PersonRecord>>> {
        let limit = page.checked_limit()?;
        let mut tx = self.begin().await?;
        let rows = sqlx::query(&format!("{RECORD_SELECT} WHERE p.org_id = $1 AND p.id > $2 ORDER BY p.id LIMIT $3"))
            .bind(self.org())
            .bind(page.after.as_deref().unwrap_or(""))
            .bind(limit + 1)
            .fetch_all(&mut *tx)
            .await?;
        let items = rows.iter().map(record_from_row).collect::<Result<Vec<_>>>()?;
        self.audit(&mut tx, Event::dataset("compliance.list")).await?;
        tx.commit().await?;
        Ok(PageOf::from_overfetch(items, limit, |r| r.id.clone()))
    }
}
