//! Role requirements of one organisation, keyed by role code. Not personal data, so reads are not
//! audited; writes are, against the role.

use domain::requirements::RoleRequirements;
use sqlx::Row;

use super::{BindStamp, Dataset, PROVENANCE_COLUMNS, Record, UPSERT_DOC_SET, provenance_from_row, provenance_of};
use crate::audit::Event;
use crate::db;
use crate::error::{Result, StoreError};
use crate::page::{Page, PageOf};

fn requirements_from_row(row: &sqlx::any::AnyRow) -> Result<Record<RoleRequirements>> {
    let doc: String = row.try_get("doc")?;
    Ok(Record {
        id: row.try_get("role")?,
        person_id: None,
        value: db::from_doc(&doc, "role_requirements")?,
        provenance: provenance_from_row(row, "role_requirements")?,
    })
}

impl Dataset<'_> {
    /// Creates or replaces the requirements of `requirements.role_code`.
    pub async fn put_role_requirements(&self, requirements: &RoleRequirements) -> Result<Record<RoleRequirements>> {
        let role = requirements.role_code.trim();
        let stamp = self.stamp();
        let mut tx = self.begin().await?;
        sqlx::query(&format!(
            "INSERT INTO role_requirements (org_id, role, doc, {PROVENANCE_COLUMNS}, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (org_id, role) DO UPDATE SET \
             {UPSERT_DOC_SET}"
        ))
        .bind(self.org())
        .bind(role)
        .bind(db::to_doc(requirements)?)
        .bind_stamp(&stamp)
        .execute(&mut *tx)
        .await?;
        self.invalidate_all(&mut tx).await?;
        let event = Event { action: "role_requirements.put", subject_type: "role", subject_id: Some(role) };
        self.audit(&mut tx, event).await?;
        tx.commit().await?;
        Ok(Record {
            id: role.to_owned(),
            person_id: None,
            value: requirements.clone(),
            provenance: provenance_of(&stamp),
        })
    }

    /// The requirements of one role.
    pub async fn get_role_requirements(&self, role_code: &str) -> Result<Record<RoleRequirements>> {
        let row = sqlx::query(&format!(
            "SELECT role, doc, {PROVENANCE_COLUMNS} FROM role_requirements WHERE org_id = $1 AND role = $2"
        ))
        .bind(self.org())
        .bind(role_code.trim())
        .fetch_optional(&self.store.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        requirements_from_row(&row)
    }

    /// Role requirements by role code; the cursor is the last role code.
    pub async fn list_role_requirements(&self, page: &Page) -> Result<PageOf<Record<RoleRequirements>>> {
        let limit = page.checked_limit()?;
        let rows = sqlx::query(&format!(
            "SELECT role, doc, {PROVENANCE_COLUMNS} FROM role_requirements WHERE org_id = $1 AND role > $2 \
             ORDER BY role LIMIT $3"
        ))
        .bind(self.org())
        .bind(page.after.as_deref().unwrap_or(""))
        .bind(limit + 1)
        .fetch_all(&self.store.pool)
        .await?;
        let items = rows.iter().map(requirements_from_row).collect::<Result<Vec<_>>>()?;
        Ok(PageOf::from_overfetch(items, limit, |r| r.id.clone()))
    }

    /// Every role's requirements (an organisation has tens to hundreds), for compliance runs.
    pub async fn all_role_requirements(&self) -> Result<Vec<RoleRequirements>> {
        let rows = sqlx::query("SELECT doc FROM role_requirements WHERE org_id = $1 ORDER BY role")
            .bind(self.org())
            .fetch_all(&self.store.pool)
            .await?;
        rows.iter().map(|row| db::from_doc(&row.try_get::<String, _>("doc")?, "role_requirements")).collect()
    }

    /// Removes a role's requirements.
    pub async fn delete_role_requirements(&self, role_code: &str) -> Result<()> {
        let role = role_code.trim();
        let mut tx = self.begin().await?;
        let done = sqlx::query("DELETE FROM role_requirements WHERE org_id = $1 AND role = $2")
            .bind(self.org())
            .bind(role)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.invalidate_all(&mut tx).await?;
        let event = Event { action: "role_requirements.delete", subject_type: "role", subject_id: Some(role) };
        self.audit(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }
}
