//! Records that belong to one person — employment checks, competences, immunisations — share one
//! generic implementation; each kind only says which table it lives in and which of its fields are
//! copied into indexed columns. The public, per-kind methods are thin named wrappers so callers
//! read as the domain does (`add_check`, `list_competences`).

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;

use domain::checks::EmploymentCheck;
use domain::cstf::Competence;
use domain::immunisation::Immunisation;

use super::{BindStamp, Dataset, PROVENANCE_COLUMNS, Record, provenance_from_row, provenance_of};
use crate::audit::Event;
use crate::db;
use crate::error::{Result, StoreError};

/// A kind of per-person record stored in its own table.
pub(crate) trait ChildKind: Serialize + DeserializeOwned + Clone + Send + Sync {
    const TABLE: &'static str;
    /// Prefix of audit actions, e.g. `employment_check` → `employment_check.create`.
    const NOUN: &'static str;
    /// Indexed columns copied from the value, in the order [`ChildKind::index_values`] returns.
    const INDEXED: &'static [&'static str];
    fn index_values(&self) -> Result<Vec<Option<String>>>;
}

impl ChildKind for EmploymentCheck {
    const TABLE: &'static str = "employment_checks";
    const NOUN: &'static str = "employment_check";
    const INDEXED: &'static [&'static str] = &["kind", "completed_on", "expires_on"];
    fn index_values(&self) -> Result<Vec<Option<String>>> {
        Ok(vec![Some(self.kind().key().to_owned()), self.completed_on.map(db::date), self.expires_on().map(db::date)])
    }
}

impl ChildKind for Competence {
    const TABLE: &'static str = "competences";
    const NOUN: &'static str = "competence";
    const INDEXED: &'static [&'static str] = &["competence_key", "completed_on", "expires_on"];
    fn index_values(&self) -> Result<Vec<Option<String>>> {
        Ok(vec![Some(self.competence.key()), Some(db::date(self.completed_on)), self.expires_on().map(db::date)])
    }
}

impl ChildKind for Immunisation {
    const TABLE: &'static str = "immunisations";
    const NOUN: &'static str = "immunisation";
    const INDEXED: &'static [&'static str] = &["antigen"];
    fn index_values(&self) -> Result<Vec<Option<String>>> {
        Ok(vec![Some(self.antigen().key().to_owned())])
    }
}

pub(crate) fn child_from_row<T: ChildKind>(row: &sqlx::any::AnyRow) -> Result<Record<T>> {
    let doc: String = row.try_get("doc")?;
    Ok(Record {
        id: row.try_get("id")?,
        person_id: Some(row.try_get("person_id")?),
        value: db::from_doc(&doc, T::TABLE)?,
        provenance: provenance_from_row(row, T::TABLE)?,
    })
}

pub(crate) fn child_select<T: ChildKind>() -> String {
    format!("SELECT id, person_id, doc, {PROVENANCE_COLUMNS} FROM {}", T::TABLE)
}

impl Dataset<'_> {
    pub(crate) async fn insert_child<T: ChildKind>(&self, person_id: &str, value: &T) -> Result<Record<T>> {
        let id = db::new_id();
        let stamp = self.stamp();
        let indexed = value.index_values()?;
        let cols = T::INDEXED.join(", ");
        let params: Vec<String> = (0..T::INDEXED.len() + 9).map(|i| format!("${}", i + 1)).collect();
        let sql = format!(
            "INSERT INTO {} (org_id, id, person_id, doc, {PROVENANCE_COLUMNS}, updated_at, {cols}) \
             VALUES ({})",
            T::TABLE,
            params.join(", ")
        );
        let mut tx = self.begin().await?;
        self.require_person(&mut tx, person_id).await?;
        let mut q =
            sqlx::query(&sql).bind(self.org()).bind(&id).bind(person_id).bind(db::to_doc(value)?).bind_stamp(&stamp);
        for v in indexed {
            q = q.bind(v);
        }
        q.execute(&mut *tx).await?;
        self.invalidate(&mut tx, person_id).await?;
        let action = format!("{}.create", T::NOUN);
        self.audit(&mut tx, Event::person(&action, person_id)).await?;
        tx.commit().await?;
        Ok(Record {
            id,
            person_id: Some(person_id.to_owned()),
            value: value.clone(),
            provenance: provenance_of(&stamp),
        })
    }

    pub(crate) async fn get_child<T: ChildKind>(&self, id: &str) -> Result<Record<T>> {
        let sql = format!("{} WHERE org_id = $1 AND id = $2", child_select::<T>());
        let mut tx = self.begin().await?;
        let row =
            sqlx::query(&sql).bind(self.org()).bind(id).fetch_optional(&mut *tx).await?.ok_or(StoreError::NotFound)?;
        let record = child_from_row::<T>(&row)?;
        let action = format!("{}.read", T::NOUN);
        let person = record.person_id.clone().unwrap_or_default();
        self.audit(&mut tx, Event::person(&action, &person)).await?;
        tx.commit().await?;
        Ok(record)
    }

    pub(crate) async fn list_children<T: ChildKind>(&self, person_id: &str) -> Result<Vec<Record<T>>> {
        let sql = format!("{} WHERE org_id = $1 AND person_id = $2 ORDER BY id", child_select::<T>());
        let mut tx = self.begin().await?;
        self.require_person(&mut tx, person_id).await?;
        let rows = sqlx::query(&sql).bind(self.org()).bind(person_id).fetch_all(&mut *tx).await?;
        let records = rows.iter().map(child_from_row::<T>).collect::<Result<Vec<_>>>()?;
        let action = format!("{}.list", T::NOUN);
        self.audit(&mut tx, Event::person(&action, person_id)).await?;
        tx.commit().await?;
        Ok(records)
    }

    pub(crate) async fn replace_child<T: ChildKind>(&self, id: &str, value: &T) -> Result<Record<T>> {
        let stamp = self.stamp();
        let sets: Vec<String> = T::INDEXED.iter().enumerate().map(|(i, c)| format!("{c} = ${}", i + 9)).collect();
        let sql = format!(
            "UPDATE {} SET doc = $3, recorded_by = $4, recorded_at = $5, source = $6, \
             source_ods = $7, updated_at = $8, {} WHERE org_id = $1 AND id = $2 RETURNING person_id",
            T::TABLE,
            sets.join(", ")
        );
        let mut tx = self.begin().await?;
        let mut q = sqlx::query(&sql).bind(self.org()).bind(id).bind(db::to_doc(value)?).bind_stamp(&stamp);
        for v in value.index_values()? {
            q = q.bind(v);
        }
        let row = q.fetch_optional(&mut *tx).await?.ok_or(StoreError::NotFound)?;
        let person_id: String = row.try_get(0)?;
        self.invalidate(&mut tx, &person_id).await?;
        self.revoke_derived(&mut tx, id, "a record it rests on was replaced").await?;
        let action = format!("{}.update", T::NOUN);
        self.audit(&mut tx, Event::person(&action, &person_id)).await?;
        tx.commit().await?;
        self.store.status_changed();
        Ok(Record {
            id: id.to_owned(),
            person_id: Some(person_id),
            value: value.clone(),
            provenance: provenance_of(&stamp),
        })
    }

    pub(crate) async fn delete_child<T: ChildKind>(&self, id: &str) -> Result<()> {
        let sql = format!("DELETE FROM {} WHERE org_id = $1 AND id = $2 RETURNING person_id", T::TABLE);
        let mut tx = self.begin().await?;
        let row =
            sqlx::query(&sql).bind(self.org()).bind(id).fetch_optional(&mut *tx).await?.ok_or(StoreError::NotFound)?;
        let person_id: String = row.try_get(0)?;
        self.invalidate(&mut tx, &person_id).await?;
        self.revoke_derived(&mut tx, id, "a record it rests on was deleted").await?;
        let action = format!("{}.delete", T::NOUN);
        self.audit(&mut tx, Event::person(&action, &person_id)).await?;
        tx.commit().await?;
        self.store.status_changed();
        Ok(())
    }

    // ---- employment checks -------------------------------------------------------------------

    /// Records an employment check for a person of this dataset.
    pub async fn add_check(&self, person_id: &str, check: &EmploymentCheck) -> Result<Record<EmploymentCheck>> {
        self.insert_child(person_id, check).await
    }

    pub async fn get_check(&self, id: &str) -> Result<Record<EmploymentCheck>> {
        self.get_child(id).await
    }

    /// All checks of a person, oldest first.
    pub async fn list_checks(&self, person_id: &str) -> Result<Vec<Record<EmploymentCheck>>> {
        self.list_children(person_id).await
    }

    pub async fn update_check(&self, id: &str, check: &EmploymentCheck) -> Result<Record<EmploymentCheck>> {
        self.replace_child(id, check).await
    }

    pub async fn delete_check(&self, id: &str) -> Result<()> {
        self.delete_child::<EmploymentCheck>(id).await
    }

    // ---- competences -------------------------------------------------------------------------

    /// Records a completed competence (CSTF or local) for a person of this dataset.
    pub async fn add_competence(&self, person_id: &str, competence: &Competence) -> Result<Record<Competence>> {
        self.insert_child(person_id, competence).await
    }

    pub async fn get_competence(&self, id: &str) -> Result<Record<Competence>> {
        self.get_child(id).await
    }

    pub async fn list_competences(&self, person_id: &str) -> Result<Vec<Record<Competence>>> {
        self.list_children(person_id).await
    }

    pub async fn update_competence(&self, id: &str, competence: &Competence) -> Result<Record<Competence>> {
        self.replace_child(id, competence).await
    }

    pub async fn delete_competence(&self, id: &str) -> Result<()> {
        self.delete_child::<Competence>(id).await
    }

    // ---- immunisations -----------------------------------------------------------------------

    /// Records an immunisation for a person of this dataset.
    pub async fn add_immunisation(&self, person_id: &str, imm: &Immunisation) -> Result<Record<Immunisation>> {
        self.insert_child(person_id, imm).await
    }

    pub async fn get_immunisation(&self, id: &str) -> Result<Record<Immunisation>> {
        self.get_child(id).await
    }

    pub async fn list_immunisations(&self, person_id: &str) -> Result<Vec<Record<Immunisation>>> {
        self.list_children(person_id).await
    }

    pub async fn update_immunisation(&self, id: &str, imm: &Immunisation) -> Result<Record<Immunisation>> {
        self.replace_child(id, imm).await
    }

    pub async fn delete_immunisation(&self, id: &str) -> Result<()> {
        self.delete_child::<Immunisation>(id).await
    }
}
