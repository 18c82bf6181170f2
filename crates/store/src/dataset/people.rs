//! People of one dataset. The NI number (optional: a new international recruit may not have one
//! yet) is unique per organisation (the same person employed by
//! two organisations has a record in each); `(ni_number, date_of_birth)` is also indexed
//! nationally for transfer matching.

use chrono::NaiveDate;
use domain::person::{NiNumber, Person};
use sqlx::Row;

use super::{BindStamp, Dataset, PROVENANCE_COLUMNS, Record, provenance_from_row, provenance_of};
use crate::audit::Event;
use crate::db;
use crate::error::{Result, StoreError};
use crate::page::{Page, PageOf};

pub(crate) const PERSON_SELECT: &str = "SELECT id, doc, recorded_by, recorded_at, source, source_ods FROM people";

pub(crate) fn person_from_row(row: &sqlx::any::AnyRow) -> Result<Record<Person>> {
    let doc: String = row.try_get("doc")?;
    Ok(Record {
        id: row.try_get("id")?,
        person_id: None,
        value: db::from_doc(&doc, "people")?,
        provenance: provenance_from_row(row, "people")?,
    })
}

/// The indexed columns of a person: ni_number, date_of_birth, family_name.
fn person_columns(person: &Person) -> (Option<String>, String, String) {
    (
        person.ni_number.as_ref().map(|n| n.as_str().to_owned()),
        db::date(person.date_of_birth),
        person.family_name.trim().to_owned(),
    )
}

impl Dataset<'_> {
    /// Adds a person to this dataset. A second person with the same NI number in this organisation
    /// is `Conflict { field: "ni_number" }`.
    pub async fn create_person(&self, person: &Person) -> Result<Record<Person>> {
        let id = db::new_id();
        let stamp = self.stamp();
        let (ni, dob, family) = person_columns(person);
        let mut tx = self.begin().await?;
        sqlx::query(&format!(
            "INSERT INTO people (org_id, id, ni_number, date_of_birth, family_name, doc, \
             {PROVENANCE_COLUMNS}, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        ))
        .bind(self.org())
        .bind(&id)
        .bind(ni)
        .bind(dob)
        .bind(family)
        .bind(db::to_doc(person)?)
        .bind_stamp(&stamp)
        .execute(&mut *tx)
        .await?;
        self.audit(&mut tx, Event::person("person.create", &id)).await?;
        tx.commit().await?;
        Ok(Record { id, person_id: None, value: person.clone(), provenance: provenance_of(&stamp) })
    }

    /// One person of this dataset.
    pub async fn get_person(&self, id: &str) -> Result<Record<Person>> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(&format!("{PERSON_SELECT} WHERE org_id = $1 AND id = $2"))
            .bind(self.org())
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let record = person_from_row(&row)?;
        self.audit(&mut tx, Event::person("person.read", id)).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// The person of this dataset with this NI number.
    pub async fn find_person_by_ni(&self, ni: &NiNumber) -> Result<Record<Person>> {
        self.find_by_ni(ni, None).await
    }

    /// The person of this dataset with this NI number *and* date of birth (the transfer match key);
    /// a person whose date of birth differs is `NotFound`.
    pub async fn find_person_by_ni_dob(&self, ni: &NiNumber, date_of_birth: NaiveDate) -> Result<Record<Person>> {
        self.find_by_ni(ni, Some(date_of_birth)).await
    }

    /// The person with this NI number (and date of birth, when given); the read is audited only
    /// when someone is found.
    async fn find_by_ni(&self, ni: &NiNumber, date_of_birth: Option<NaiveDate>) -> Result<Record<Person>> {
        let sql = match date_of_birth {
            Some(_) => format!("{PERSON_SELECT} WHERE org_id = $1 AND ni_number = $2 AND date_of_birth = $3"),
            None => format!("{PERSON_SELECT} WHERE org_id = $1 AND ni_number = $2"),
        };
        let mut query = sqlx::query(&sql).bind(self.org()).bind(ni.as_str());
        if let Some(dob) = date_of_birth {
            query = query.bind(db::date(dob));
        }
        let mut tx = self.begin().await?;
        let row = query.fetch_optional(&mut *tx).await?.ok_or(StoreError::NotFound)?;
        let record = person_from_row(&row)?;
        self.audit(&mut tx, Event::person("person.read", &record.id)).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Fills in the names of listed people (a page of a compliance summary, say), in one
    /// transaction; each person named is audited as read. People not found keep no name.
    pub async fn name_people(&self, people: &mut [domain::compliance::NonCompliantPerson]) -> Result<()> {
        if people.is_empty() {
            return Ok(());
        }
        // One read for the page, not one per person.
        let backend = self.store.backend;
        let params: Vec<String> = (0..people.len()).map(|i| db::placeholder(backend, i + 2)).collect();
        let sql =
            format!("{PERSON_SELECT} WHERE org_id = {} AND id IN ({})", db::placeholder(backend, 1), params.join(", "));
        let mut query = sqlx::query(&sql).bind(self.org());
        for person in people.iter() {
            query = query.bind(person.id.as_str());
        }
        let mut tx = self.begin().await?;
        let mut names = std::collections::HashMap::new();
        for row in query.fetch_all(&mut *tx).await? {
            let record = person_from_row(&row)?;
            names.insert(record.id, (record.value.given_name, record.value.family_name));
        }
        for person in people.iter_mut() {
            let Some((given, family)) = names.remove(&person.id) else { continue };
            person.given_name = Some(given);
            person.family_name = Some(family);
            self.audit(&mut tx, Event::person("person.read", &person.id)).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Replaces a person's details (NI number uniqueness as for create).
    pub async fn update_person(&self, id: &str, person: &Person) -> Result<Record<Person>> {
        let stamp = self.stamp();
        let (ni, dob, family) = person_columns(person);
        let mut tx = self.begin().await?;
        self.revoke_if_identity_changed(&mut tx, id, person).await?;
        let done = sqlx::query(
            "UPDATE people SET ni_number = $3, date_of_birth = $4, family_name = $5, doc = $6, \
             recorded_by = $7, recorded_at = $8, source = $9, source_ods = $10, updated_at = $11 \
             WHERE org_id = $1 AND id = $2",
        )
        .bind(self.org())
        .bind(id)
        .bind(ni)
        .bind(dob)
        .bind(family)
        .bind(db::to_doc(person)?)
        .bind_stamp(&stamp)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.invalidate(&mut tx, id).await?;
        self.audit(&mut tx, Event::person("person.update", id)).await?;
        tx.commit().await?;
        self.store.status_changed();
        Ok(Record { id: id.to_owned(), person_id: None, value: person.clone(), provenance: provenance_of(&stamp) })
    }

    /// People of this dataset ordered by family name then id; the cursor is the last person's id.
    /// Audited once per page (subject: the dataset).
    pub async fn list_people(&self, page: &Page) -> Result<PageOf<Record<Person>>> {
        let limit = page.checked_limit()?;
        let mut tx = self.begin().await?;
        let rows = match &page.after {
            None => {
                sqlx::query(&format!("{PERSON_SELECT} WHERE org_id = $1 ORDER BY family_name, id LIMIT $2"))
                    .bind(self.org())
                    .bind(limit + 1)
                    .fetch_all(&mut *tx)
                    .await?
            }
            Some(after) => {
                // Row-value comparison (SQLite ≥ 3.15, PostgreSQL) walks ix_people_name.
                sqlx::query(&format!(
                    "{PERSON_SELECT} WHERE org_id = $1 AND (family_name, id) > \
                     (SELECT family_name, id FROM people WHERE org_id = $1 AND id = $2) \
                     ORDER BY family_name, id LIMIT $3"
                ))
                .bind(self.org())
                .bind(after)
                .bind(limit + 1)
                .fetch_all(&mut *tx)
                .await?
            }
        };
        let items = rows.iter().map(person_from_row).collect::<Result<Vec<_>>>()?;
        self.audit(&mut tx, Event::dataset("person.list")).await?;
        tx.commit().await?;
        Ok(PageOf::from_overfetch(items, limit, |r| r.id.clone()))
    }
}
