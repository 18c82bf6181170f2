//! A person's current occupational health clearance: at most one per person, replaced whole.

use domain::immunisation::OhClearance;
use sqlx::Row;

use super::{BindStamp, Dataset, PROVENANCE_COLUMNS, Record, UPSERT_DOC_SET, provenance_from_row, provenance_of};
use crate::audit::Event;
use crate::db;
use crate::error::Result;

impl Dataset<'_> {
    /// Sets (creates or replaces) a person's occupational health clearance.
    pub async fn set_oh_clearance(&self, person_id: &str, clearance: &OhClearance) -> Result<Record<OhClearance>> {
        let stamp = self.stamp();
        let mut tx = self.begin().await?;
        self.require_person(&mut tx, person_id).await?;
        sqlx::query(&format!(
            "INSERT INTO oh_clearances (org_id, person_id, doc, {PROVENANCE_COLUMNS}, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (org_id, person_id) DO UPDATE SET \
             {UPSERT_DOC_SET}"
        ))
        .bind(self.org())
        .bind(person_id)
        .bind(db::to_doc(clearance)?)
        .bind_stamp(&stamp)
        .execute(&mut *tx)
        .await?;
        self.invalidate(&mut tx, person_id).await?;
        self.revoke_derived(&mut tx, &super::oh_source_id(person_id), "a record it rests on was replaced").await?;
        self.audit(&mut tx, Event::person("oh_clearance.set", person_id)).await?;
        tx.commit().await?;
        self.store.status_changed();
        Ok(Record {
            id: person_id.to_owned(),
            person_id: Some(person_id.to_owned()),
            value: clearance.clone(),
            provenance: provenance_of(&stamp),
        })
    }

    /// A person's clearance; `Ok(None)` if the person exists but has none recorded.
    pub async fn get_oh_clearance(&self, person_id: &str) -> Result<Option<Record<OhClearance>>> {
        let mut tx = self.begin().await?;
        self.require_person(&mut tx, person_id).await?;
        let row = sqlx::query(&format!(
            "SELECT doc, {PROVENANCE_COLUMNS} FROM oh_clearances WHERE org_id = $1 AND person_id = $2"
        ))
        .bind(self.org())
        .bind(person_id)
        .fetch_optional(&mut *tx)
        .await?;
        let record = match row {
            None => None,
            Some(row) => {
                let doc: String = row.try_get("doc")?;
                Some(Record {
                    id: person_id.to_owned(),
                    person_id: Some(person_id.to_owned()),
                    value: db::from_doc(&doc, "oh_clearances")?,
                    provenance: provenance_from_row(&row, "oh_clearances")?,
                })
            }
        };
        self.audit(&mut tx, Event::person("oh_clearance.read", person_id)).await?;
        tx.commit().await?;
        Ok(record)
    }
}
