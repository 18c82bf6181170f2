//! Self-service: a worker's own records in every organisation whose record is linked to their account,
//! their contact details (changed with provenance `self_service`, each change kept for HR), their consent to
//! inter-authority transfers and the transfers into their records, and the audit
//! trail of who read, changed, issued from or transferred those records.
//!
//! Every method takes a [`WorkerScope`] and reaches only rows of `worker_links` for that account: another
//! worker's organisation, or an organisation where the worker has no linked record, is `NotFound`. Reads and
//! writes of a record are audited on that organisation's chain with the worker as actor (`user:<account id>`),
//! like any other access. This module must never take a person id from its caller.

use chrono::{DateTime, Utc};
use domain::compliance::PersonRecord;
use domain::person::{Address, Person};
use domain::requirements::RoleRequirements;
use domain::transfer::{ConsentInput, ConsentMethod, ConsentRecord, ConsentState, TransferSummary};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::presentations::HOST_ACTOR_PREFIX;
use super::{Dataset, IssuedCredential, Record, provenance_from_row};
use crate::audit::{self, AuditEntry, Event};
use crate::auth::WorkerScope;
use crate::db;
use crate::error::{Result, StoreError};
use crate::scope::{OrgScope, Provenance, Source};
use crate::{Role, Store};

/// Most audit entries read per organisation for one access log.
pub const ACCESS_LOG_LIMIT: i64 = 500;

/// One organisation where the worker's record is linked to their account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MyOrganisation {
    pub org_id: String,
    pub ods_code: String,
    pub name: String,
    /// The worker's person record there.
    pub person_id: String,
    pub linked_at: DateTime<Utc>,
}

/// The worker's record in one organisation, with the requirements of the roles they are assigned.
#[derive(Debug, Clone)]
pub struct MyRecord {
    pub organisation: MyOrganisation,
    pub record: PersonRecord,
    /// Provenance of the personal details (who last changed them).
    pub provenance: Provenance,
    /// Requirements of each role code named by the worker's assignments that the organisation defines.
    pub roles: Vec<RoleRequirements>,
}

/// Address, phone and email: what a worker may change themselves.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ContactDetails {
    pub address: Option<Address>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl ContactDetails {
    pub fn of(person: &Person) -> Self {
        ContactDetails { address: person.address.clone(), phone: person.phone.clone(), email: person.email.clone() }
    }
}

/// One change of contact details, as HR sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactChange {
    pub id: String,
    pub person_id: String,
    pub before: ContactDetails,
    pub after: ContactDetails,
    pub provenance: Provenance,
}

/// Who an audit entry's actor was, as the worker may see it: never a name, only the kind and roles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AccessActor {
    /// The worker themselves.
    You,
    /// A user of the organisation holding the entry, with their roles.
    Staff { roles: Vec<Role> },
    /// A user of another organisation: matching the record for a transfer, or a host verifying
    /// credentials issued from it.
    OtherOrganisation { ods_code: String, roles: Vec<Role> },
    /// Local tooling (import, demo, the protocol endpoints), with the reason it gave.
    System { reason: String },
}

/// One access to one of the worker's records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessEntry {
    pub ods_code: String,
    pub organisation: String,
    pub at: DateTime<Utc>,
    /// The audited action, e.g. `person.read`, `employment_check.create`, `credential.issue`, `iat.matched`.
    pub action: String,
    pub actor: AccessActor,
    /// Position in the organisation's audit chain (for the worker to cite).
    pub seq: i64,
}

/// Self-service access for one worker; obtained from [`Store::me`].
#[derive(Debug, Clone, Copy)]
pub struct Me<'s> {
    store: &'s Store,
    scope: &'s WorkerScope,
}

impl Store {
    /// The worker's own records, as the worker.
    pub fn me<'s>(&'s self, scope: &'s WorkerScope) -> Me<'s> {
        Me { store: self, scope }
    }
}

const LINK_SELECT: &str = "SELECT l.org_id, l.person_id, l.linked_at, o.ods_code, o.name FROM worker_links l \
    JOIN organisations o ON o.id = l.org_id WHERE l.account_id = $1 AND o.status = 'active'";

fn link_from_row(row: &sqlx::any::AnyRow) -> Result<MyOrganisation> {
    Ok(MyOrganisation {
        org_id: row.try_get("org_id")?,
        ods_code: row.try_get("ods_code")?,
        name: row.try_get("name")?,
        person_id: row.try_get("person_id")?,
        linked_at: db::parse_timestamp(&row.try_get::<String, _>("linked_at")?, "worker_links")?,
    })
}

/// The worker's linked record in one organisation, and a scope acting as the worker there.
#[derive(Debug, Clone)]
pub struct MyLink {
    pub organisation: MyOrganisation,
    scope: OrgScope,
}

impl MyLink {
    /// Acts as the worker in the linked organisation. Use it only on `organisation.person_id`: for offers of
    /// the worker's own credentials and signing their own talent profile.
    pub fn scope(&self) -> &OrgScope {
        &self.scope
    }

    pub fn person_id(&self) -> &str {
        &self.organisation.person_id
    }
}

impl<'s> Me<'s> {
    /// Every organisation where the worker's record is linked, by ODS code.
    pub async fn organisations(&self) -> Result<Vec<MyOrganisation>> {
        let rows = sqlx::query(&format!("{LINK_SELECT} ORDER BY o.ods_code"))
            .bind(self.scope.account_id())
            .fetch_all(&self.store.pool)
            .await?;
        rows.iter().map(link_from_row).collect()
    }

    /// The worker's link in the organisation with this ODS code; `NotFound` when there is none.
    pub async fn link(&self, ods_code: &str) -> Result<MyLink> {
        let row = sqlx::query(&format!("{LINK_SELECT} AND o.ods_code = $2"))
            .bind(self.scope.account_id())
            .bind(ods_code.trim().to_uppercase())
            .fetch_optional(&self.store.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let organisation = link_from_row(&row)?;
        let scope = self.scope.in_org(&organisation.org_id);
        Ok(MyLink { organisation, scope })
    }

    fn dataset<'a>(&'a self, link: &'a MyLink) -> Dataset<'a> {
        Dataset { store: self.store, scope: &link.scope }
    }

    /// The worker's whole record in one organisation (audited `self_service.read`).
    pub async fn record(&self, ods_code: &str) -> Result<MyRecord> {
        let link = self.link(ods_code).await?;
        let dataset = self.dataset(&link);
        let mut tx = dataset.begin().await?;
        let record = dataset.load_record(&mut tx, link.person_id()).await?;
        let person = sqlx::query(
            "SELECT recorded_by, recorded_at, source, source_ods FROM people WHERE org_id = $1 AND id = $2",
        )
        .bind(dataset.org())
        .bind(link.person_id())
        .fetch_one(&mut *tx)
        .await?;
        let provenance = provenance_from_row(&person, "people")?;
        let mut codes: Vec<&str> = record.value.assignments.iter().map(|a| a.role.trim()).collect();
        codes.sort_unstable();
        codes.dedup();
        let mut roles = vec![];
        for code in codes {
            let row = sqlx::query("SELECT doc FROM role_requirements WHERE org_id = $1 AND role = $2")
                .bind(dataset.org())
                .bind(code)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(row) = row {
                roles.push(db::from_doc(&row.try_get::<String, _>("doc")?, "role_requirements")?);
            }
        }
        dataset.audit(&mut tx, Event::person("self_service.read", link.person_id())).await?;
        tx.commit().await?;
        Ok(MyRecord { organisation: link.organisation, record: record.value, provenance, roles })
    }

    /// The credentials issued from the worker's record in one organisation, with their status.
    pub async fn credentials(&self, ods_code: &str) -> Result<Vec<IssuedCredential>> {
        let link = self.link(ods_code).await?;
        self.dataset(&link).list_credentials(link.person_id()).await
    }

    /// The worker's consent to inter-authority transfers of their record in one organisation: where it
    /// stands and every statement, oldest first (audited `transfer.consent_read`).
    pub async fn transfer_consent(&self, ods_code: &str) -> Result<(ConsentState, Vec<ConsentRecord>)> {
        let link = self.link(ods_code).await?;
        self.dataset(&link).transfer_consent(link.person_id()).await
    }

    /// The worker gives (`true`) or withdraws (`false`) consent to transfers of their record in one
    /// organisation, by self-service.
    pub async fn set_transfer_consent(&self, ods_code: &str, given: bool) -> Result<ConsentRecord> {
        let link = self.link(ods_code).await?;
        let input = ConsentInput { given, method: ConsentMethod::SelfService, evidence_ref: None };
        self.dataset(&link).record_transfer_consent(link.person_id(), &input).await
    }

    /// Transfers into the worker's record in one organisation (from an earlier employer's), newest first.
    pub async fn transfers(&self, ods_code: &str) -> Result<Vec<TransferSummary>> {
        let link = self.link(ods_code).await?;
        self.dataset(&link).transfers_for_person(link.person_id()).await
    }

    /// Replaces the worker's address, phone and email in one organisation's record (already validated by
    /// the caller), stamped `self_service`, keeping the change for HR, in one transaction. Changing contact
    /// details revokes no credential (none carries them).
    pub async fn update_contact(&self, ods_code: &str, contact: &ContactDetails) -> Result<Record<Person>> {
        let link = self.link(ods_code).await?;
        let scope = link.scope.clone().with_source(Source::SelfService);
        let dataset = Dataset { store: self.store, scope: &scope };
        let stamp = dataset.stamp();
        let mut tx = dataset.begin().await?;
        let row = sqlx::query("SELECT doc FROM people WHERE org_id = $1 AND id = $2")
            .bind(dataset.org())
            .bind(link.person_id())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut person: Person = db::from_doc(&row.try_get::<String, _>("doc")?, "people")?;
        let before = ContactDetails::of(&person);
        person.address = contact.address.clone();
        person.phone = contact.phone.clone();
        person.email = contact.email.clone();
        sqlx::query(
            "UPDATE people SET doc = $3, recorded_by = $4, recorded_at = $5, source = $6, source_ods = $7, \
             updated_at = $8 WHERE org_id = $1 AND id = $2",
        )
        .bind(dataset.org())
        .bind(link.person_id())
        .bind(db::to_doc(&person)?)
        .bind(stamp.by.clone())
        .bind(stamp.at.clone())
        .bind(stamp.source)
        .bind(stamp.source_ods.clone())
        .bind(stamp.at.clone())
        .execute(&mut *tx)
        .await?;
        let change = serde_json::json!({"before": before, "after": contact});
        sqlx::query(
            "INSERT INTO contact_changes (org_id, id, person_id, doc, recorded_by, recorded_at, source, source_ods) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(dataset.org())
        .bind(db::new_id())
        .bind(link.person_id())
        .bind(change.to_string())
        .bind(stamp.by.clone())
        .bind(stamp.at.clone())
        .bind(stamp.source)
        .bind(stamp.source_ods.clone())
        .execute(&mut *tx)
        .await?;
        dataset.invalidate(&mut tx, link.person_id()).await?;
        dataset.audit(&mut tx, Event::person("person.update_contact", link.person_id())).await?;
        tx.commit().await?;
        Ok(Record {
            id: link.organisation.person_id.clone(),
            person_id: None,
            value: person,
            provenance: super::provenance_of(&stamp),
        })
    }

    /// Who read, changed, issued from or transferred the worker's records, newest first, across every
    /// linked organisation (at most [`ACCESS_LOG_LIMIT`] entries each). Reading it is audited too.
    pub async fn access_log(&self) -> Result<Vec<AccessEntry>> {
        let mut out = vec![];
        for organisation in self.organisations().await? {
            let scope = self.scope.in_org(&organisation.org_id);
            let dataset = Dataset { store: self.store, scope: &scope };
            let mut tx = dataset.begin().await?;
            let entries =
                audit::for_subject(&mut tx, &organisation.org_id, &organisation.person_id, None, ACCESS_LOG_LIMIT)
                    .await?;
            for entry in entries {
                let actor = self.actor_of(&mut tx, &entry).await?;
                out.push(AccessEntry {
                    ods_code: organisation.ods_code.clone(),
                    organisation: organisation.name.clone(),
                    at: entry.at,
                    action: entry.action,
                    actor,
                    seq: entry.seq,
                });
            }
            dataset.audit(&mut tx, Event::person("audit.read", &organisation.person_id)).await?;
            tx.commit().await?;
        }
        out.sort_by(|a, b| b.at.cmp(&a.at).then(b.seq.cmp(&a.seq)));
        Ok(out)
    }

    async fn actor_of(&self, conn: &mut sqlx::AnyConnection, entry: &AuditEntry) -> Result<AccessActor> {
        // Another organisation's user: `iat:<ODS>:…` matched the record for a transfer, `host:<ODS>:…`
        // verified credentials issued from it.
        let other = entry.actor.strip_prefix("iat:").or_else(|| entry.actor.strip_prefix(HOST_ACTOR_PREFIX));
        let (remote, user) = match other.and_then(|rest| rest.split_once(':')) {
            Some((ods, rest)) => (Some(ods.to_owned()), rest.to_owned()),
            None => (None, entry.actor.clone()),
        };
        if let Some(reason) = user.strip_prefix("system:") {
            return Ok(AccessActor::System { reason: reason.to_owned() });
        }
        let Some(user_id) = user.strip_prefix("user:") else {
            return Ok(AccessActor::System { reason: user });
        };
        if remote.is_none() && user_id == self.scope.account_id() {
            return Ok(AccessActor::You);
        }
        let roles = sqlx::query("SELECT roles FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?
            .map(|row| row.try_get::<String, _>("roles"))
            .transpose()?
            .map(|text| crate::auth::roles_from_text(&text))
            .unwrap_or_default();
        Ok(match remote {
            Some(ods_code) => AccessActor::OtherOrganisation { ods_code, roles },
            None => AccessActor::Staff { roles },
        })
    }
}

impl Dataset<'_> {
    /// Every self-service change of a person's contact details, newest first (audited read).
    pub async fn contact_history(&self, person_id: &str) -> Result<Vec<ContactChange>> {
        let mut tx = self.begin().await?;
        self.require_person(&mut tx, person_id).await?;
        let rows = sqlx::query(
            "SELECT id, person_id, doc, recorded_by, recorded_at, source, source_ods FROM contact_changes \
             WHERE org_id = $1 AND person_id = $2 ORDER BY id DESC",
        )
        .bind(self.org())
        .bind(person_id)
        .fetch_all(&mut *tx)
        .await?;
        let mut out = vec![];
        for row in &rows {
            #[derive(Deserialize)]
            struct Doc {
                before: ContactDetails,
                after: ContactDetails,
            }
            let doc: Doc = db::from_doc(&row.try_get::<String, _>("doc")?, "contact_changes")?;
            out.push(ContactChange {
                id: row.try_get("id")?,
                person_id: row.try_get("person_id")?,
                before: doc.before,
                after: doc.after,
                provenance: provenance_from_row(row, "contact_changes")?,
            });
        }
        self.audit(&mut tx, Event::person("contact_history.read", person_id)).await?;
        tx.commit().await?;
        Ok(out)
    }
}
