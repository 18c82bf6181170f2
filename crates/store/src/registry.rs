//! The registry of organisations (operator level). Holds no personal data: organisation names and
//! ODS codes are public. Writes are audited on the `registry` chain and on the new organisation's
//! own chain, whose first entry is therefore its registration.

use chrono::{DateTime, Utc};
use domain::org::{NewOrganisation, OdsCode, OrgKind};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::audit::{self, Event, REGISTRY_CHAIN};
use crate::error::{Result, StoreError};
use crate::page::{Page, PageOf};
use crate::scope::{OrgScope, RegistryScope};
use crate::{Store, db};

/// Whether an organisation may use the service. Users of a suspended organisation cannot log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgStatus {
    Active,
    Suspended,
}

impl OrgStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgStatus::Active => "active",
            OrgStatus::Suspended => "suspended",
        }
    }

    fn parse(s: &str) -> Result<OrgStatus> {
        match s {
            "active" => Ok(OrgStatus::Active),
            "suspended" => Ok(OrgStatus::Suspended),
            other => Err(StoreError::Corrupt { table: "organisations", reason: format!("status {other:?}") }),
        }
    }
}

/// A registered organisation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Organisation {
    /// Store id (UUID); this is what [`OrgScope::org_id`] holds.
    pub id: String,
    pub ods_code: OdsCode,
    pub name: String,
    pub kind: OrgKind,
    pub status: OrgStatus,
    pub created_at: DateTime<Utc>,
}

/// Registry operations; obtained from [`Store::registry`].
#[derive(Debug, Clone, Copy)]
pub struct Registry<'s> {
    pub(crate) store: &'s Store,
}

const ORG_COLUMNS: &str = "id, ods_code, name, kind, status, doc, created_at";

fn org_from_row(row: &sqlx::any::AnyRow) -> Result<Organisation> {
    let doc: String = row.try_get("doc")?;
    let new: NewOrganisation = db::from_doc(&doc, "organisations")?;
    let created_at: String = row.try_get("created_at")?;
    Ok(Organisation {
        id: row.try_get("id")?,
        ods_code: new.ods_code,
        name: new.name,
        kind: new.kind,
        status: OrgStatus::parse(&row.try_get::<String, _>("status")?)?,
        created_at: db::parse_timestamp(&created_at, "organisations")?,
    })
}

/// The serde name of a unit enum variant, for indexed text columns.
pub(crate) fn enum_text<T: Serialize>(value: &T) -> Result<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        Ok(other) => Ok(other.to_string()),
        Err(e) => Err(StoreError::Corrupt { table: "(encode)", reason: e.to_string() }),
    }
}

impl Registry<'_> {
    /// Registers an organisation. A second one with the same ODS code is
    /// `Conflict { field: "ods_code" }`.
    pub async fn create_organisation(&self, scope: &RegistryScope, new: &NewOrganisation) -> Result<Organisation> {
        let id = db::new_id();
        let mut tx = db::begin(&self.store.pool, self.store.backend).await?;
        sqlx::query(
            "INSERT INTO organisations (id, ods_code, name, kind, status, doc, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(new.ods_code.as_str())
        .bind(&new.name)
        .bind(enum_text(&new.kind)?)
        .bind(OrgStatus::Active.as_str())
        .bind(db::to_doc(new)?)
        .bind(db::now())
        .execute(&mut *tx)
        .await?;
        let event = Event { action: "organisation.create", subject_type: "organisation", subject_id: Some(&id) };
        audit::append(&mut tx, REGISTRY_CHAIN, scope.actor(), event).await?;
        audit::append(&mut tx, &id, scope.actor(), event).await?;
        tx.commit().await?;
        self.get_organisation(&id).await
    }

    /// An organisation by store id.
    pub async fn get_organisation(&self, id: &str) -> Result<Organisation> {
        let sql = format!("SELECT {ORG_COLUMNS} FROM organisations WHERE id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&self.store.pool).await?.ok_or(StoreError::NotFound)?;
        org_from_row(&row)
    }

    /// An organisation by ODS code.
    pub async fn find_by_ods(&self, ods: &OdsCode) -> Result<Organisation> {
        let sql = format!("SELECT {ORG_COLUMNS} FROM organisations WHERE ods_code = $1");
        let row =
            sqlx::query(&sql).bind(ods.as_str()).fetch_optional(&self.store.pool).await?.ok_or(StoreError::NotFound)?;
        org_from_row(&row)
    }

    /// Organisations ordered by ODS code; the cursor is the last ODS code seen.
    pub async fn list_organisations(&self, page: &Page) -> Result<PageOf<Organisation>> {
        let limit = page.checked_limit()?;
        let sql = format!("SELECT {ORG_COLUMNS} FROM organisations WHERE ods_code > $1 ORDER BY ods_code LIMIT $2");
        let rows = sqlx::query(&sql)
            .bind(page.after.as_deref().unwrap_or(""))
            .bind(limit + 1)
            .fetch_all(&self.store.pool)
            .await?;
        let items = rows.iter().map(org_from_row).collect::<Result<Vec<_>>>()?;
        Ok(PageOf::from_overfetch(items, limit, |o| o.ods_code.as_str().to_owned()))
    }

    /// Suspends or reactivates an organisation.
    pub async fn set_status(&self, scope: &RegistryScope, id: &str, status: OrgStatus) -> Result<Organisation> {
        let mut tx = db::begin(&self.store.pool, self.store.backend).await?;
        let done = sqlx::query("UPDATE organisations SET status = $2 WHERE id = $1")
            .bind(id)
            .bind(status.as_str())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let action = match status {
            OrgStatus::Active => "organisation.activate",
            OrgStatus::Suspended => "organisation.suspend",
        };
        let event = Event { action, subject_type: "organisation", subject_id: Some(id) };
        audit::append(&mut tx, REGISTRY_CHAIN, scope.actor(), event).await?;
        tx.commit().await?;
        self.get_organisation(id).await
    }

    /// A system scope on the organisation with this ODS code, for trusted local tooling (CLI
    /// import/demo); see [`OrgScope::system`].
    pub async fn system_scope(&self, ods: &OdsCode, reason: &str) -> Result<OrgScope> {
        let org = self.find_by_ods(ods).await?;
        Ok(OrgScope::system(org.id, reason))
    }
}
