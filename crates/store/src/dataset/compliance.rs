//! Loading compliance inputs: everything [`domain::compliance::evaluate`] needs about a person, for
//! one person or a page of an organisation at a time.
//!
//! A page costs a fixed number of queries whatever its size (people, then one range query per
//! record table over the page's id range on the `(org_id, person_id, …)` indexes), never one per
//! person. Evaluation itself is the caller's (pure domain code).

use std::collections::HashMap;

use domain::compliance::PersonRecord;
use serde::de::DeserializeOwned;
use sqlx::{AnyConnection, Row};

use super::people::{PERSON_SELECT, person_from_row};
use super::{Dataset, Record};
use crate::audit::Event;
use crate::db;
use crate::error::{Result, StoreError};
use crate::page::{Page, PageOf};

/// Record tables read for compliance, with the order used inside one person.
const TABLES: [&str; 4] = ["assignments", "employment_checks", "competences", "immunisations"];

fn empty_record(person: domain::person::Person) -> PersonRecord {
    PersonRecord {
        person,
        assignments: vec![],
        checks: vec![],
        competences: vec![],
        immunisations: vec![],
        oh_clearance: None,
    }
}

impl Dataset<'_> {
    /// Everything compliance needs about one person (audited as a read of that person).
    pub async fn person_record(&self, person_id: &str) -> Result<Record<PersonRecord>> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(&format!("{PERSON_SELECT} WHERE org_id = $1 AND id = $2"))
            .bind(self.org())
            .bind(person_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let person = person_from_row(&row)?;
        let mut records = vec![Record {
            id: person.id,
            person_id: None,
            value: empty_record(person.value),
            provenance: person.provenance,
        }];
        self.fill(&mut tx, &mut records, person_id, person_id).await?;
        self.audit(&mut tx, Event::person("compliance.read", person_id)).await?;
        tx.commit().await?;
        Ok(records.pop().expect("one record"))
    }

    /// A page of the organisation's compliance inputs, ordered by person id (the cursor). Audited
    /// once per page against the dataset.
    pub async fn person_records(&self, page: &Page) -> Result<PageOf<Record<PersonRecord>>> {
        let limit = page.checked_limit()?;
        let mut tx = self.begin().await?;
        let rows = sqlx::query(&format!("{PERSON_SELECT} WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3"))
            .bind(self.org())
            .bind(page.after.as_deref().unwrap_or(""))
            .bind(limit + 1)
            .fetch_all(&mut *tx)
            .await?;
        let people = rows.iter().take(limit as usize).map(person_from_row).collect::<Result<Vec<_>>>()?;
        let more = rows.len() as i64 > limit;
        let mut records: Vec<Record<PersonRecord>> = people
            .into_iter()
            .map(|p| Record { id: p.id, person_id: None, value: empty_record(p.value), provenance: p.provenance })
            .collect();
        if let (Some(first), Some(last)) = (records.first(), records.last()) {
            let (first, last) = (first.id.clone(), last.id.clone());
            self.fill(&mut tx, &mut records, &first, &last).await?;
        }
        self.audit(&mut tx, Event::dataset("compliance.list")).await?;
        tx.commit().await?;
        let next = if more { records.last().map(|r| r.id.clone()) } else { None };
        Ok(PageOf { items: records, next })
    }

    /// Loads every record of people with ids in `first..=last` into `records` (sorted by id).
    async fn fill(
        &self,
        conn: &mut AnyConnection,
        records: &mut [Record<PersonRecord>],
        first: &str,
        last: &str,
    ) -> Result<()> {
        let index: HashMap<String, usize> = records.iter().enumerate().map(|(i, r)| (r.id.clone(), i)).collect();
        for table in TABLES {
            let rows = self.range(conn, table, first, last).await?;
            for row in &rows {
                let Some(&i) = index.get(&row.try_get::<String, _>("person_id")?) else { continue };
                let doc: String = row.try_get("doc")?;
                let record = &mut records[i].value;
                match table {
                    "assignments" => record.assignments.push(decode(&doc, "assignments")?),
                    "employment_checks" => record.checks.push(decode(&doc, "employment_checks")?),
                    "competences" => record.competences.push(decode(&doc, "competences")?),
                    _ => record.immunisations.push(decode(&doc, "immunisations")?),
                }
            }
        }
        let rows = self.range(conn, "oh_clearances", first, last).await?;
        for row in &rows {
            if let Some(&i) = index.get(&row.try_get::<String, _>("person_id")?) {
                records[i].value.oh_clearance = Some(decode(&row.try_get::<String, _>("doc")?, "oh_clearances")?);
            }
        }
        Ok(())
    }

    async fn range(
        &self,
        conn: &mut AnyConnection,
        table: &str,
        first: &str,
        last: &str,
    ) -> Result<Vec<sqlx::any::AnyRow>> {
        let order = if table == "oh_clearances" { "person_id" } else { "person_id, id" };
        let sql = format!(
            "SELECT person_id, doc FROM {table} WHERE org_id = $1 AND person_id >= $2 AND person_id <= $3 \
             ORDER BY {order}"
        );
        Ok(sqlx::query(&sql).bind(self.org()).bind(first).bind(last).fetch_all(&mut *conn).await?)
    }
}

fn decode<T: DeserializeOwned>(doc: &str, table: &'static str) -> Result<T> {
    db::from_doc(doc, table)
}
