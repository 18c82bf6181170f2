//! Passport credentials issued from one organisation's dataset: the ledger of what was issued to
//! whom (never the credential text itself), status list index allocation, status changes
//! (revoke, suspend, reinstate) and the automatic revocation of every credential derived from a
//! record when that record is replaced or deleted ([`Dataset::revoke_derived`], called from the
//! record write paths inside their transaction).
//!
//! The store does not sign: [`Dataset::issue_credential`] reads the person's records, allocates a
//! status list index and hands both to the caller's closure (the server maps and signs), then
//! records the outcome, all in one transaction, so a record change cannot slip in between reading
//! the sources and registering them.

use chrono::{DateTime, Utc};
use domain::assignment::Assignment;
use domain::checks::EmploymentCheck;
use domain::cstf::Competence;
use domain::immunisation::{Immunisation, OhClearance};
use domain::person::Person;
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use super::children::{ChildKind, child_from_row, child_select};
use super::people::{PERSON_SELECT, person_from_row};
use super::{Dataset, Record};
use crate::audit::Event;
use crate::db;
use crate::error::{Result, StoreError};
use crate::issuing::SigningKey;

/// Entries per status list: 2 bits each, 32 KiB uncompressed (draft-ietf-oauth-status-list §13
/// recommends lists large enough that an index says little about its holder).
pub const STATUS_LIST_SIZE: i64 = 131_072;

/// A credential's status, as its status list carries it (2 bits: 0, 1, 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialStatus {
    Valid,
    Revoked,
    Suspended,
}

impl CredentialStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialStatus::Valid => "valid",
            CredentialStatus::Revoked => "revoked",
            CredentialStatus::Suspended => "suspended",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self> {
        match s {
            "valid" => Ok(CredentialStatus::Valid),
            "revoked" => Ok(CredentialStatus::Revoked),
            "suspended" => Ok(CredentialStatus::Suspended),
            other => Err(StoreError::Corrupt { table: "issued_credentials", reason: format!("status {other:?}") }),
        }
    }

    /// The Token Status List value (§7.1): 0 valid, 1 invalid, 2 suspended.
    pub fn bits(self) -> u8 {
        match self {
            CredentialStatus::Valid => 0,
            CredentialStatus::Revoked => 1,
            CredentialStatus::Suspended => 2,
        }
    }
}

/// One issued credential as the ledger knows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IssuedCredential {
    pub id: String,
    pub person_id: String,
    pub credential_type: String,
    pub vct: String,
    /// The issuer key that signed it.
    pub kid: String,
    pub list_id: i64,
    pub status_index: i64,
    pub status: CredentialStatus,
    pub status_reason: Option<String>,
    pub issued_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Store ids of the records it vouches for.
    pub sources: Vec<String>,
}

/// Everything recorded about a person that a credential may be made from, with record ids.
#[derive(Debug, Clone)]
pub struct PersonSources {
    pub person: Record<Person>,
    pub checks: Vec<Record<EmploymentCheck>>,
    pub competences: Vec<Record<Competence>>,
    pub immunisations: Vec<Record<Immunisation>>,
    pub assignments: Vec<Record<Assignment>>,
    /// Its `id` is [`oh_source_id`] of the person: the clearance has no id of its own.
    pub oh_clearance: Option<Record<OhClearance>>,
}

/// The source id under which a person's occupational health clearance is tracked.
pub fn oh_source_id(person_id: &str) -> String {
    format!("oh_clearance:{person_id}")
}

/// What the issuing closure is given: the sources, the key to sign with, and the reserved slot.
pub struct IssueSlot<'a> {
    pub credential_id: &'a str,
    pub list_id: i64,
    pub index: i64,
    pub key: &'a SigningKey,
    pub sources: &'a PersonSources,
}

/// What the issuing closure hands back to be recorded, plus its own output `value`.
#[derive(Debug, Clone)]
pub struct IssueOutcome<T> {
    pub credential_type: String,
    pub vct: String,
    pub sources: Vec<String>,
    pub issued_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub value: T,
}

const CREDENTIAL_SELECT: &str = "SELECT id, person_id, credential_type, vct, kid, list_id, status_index, status, \
     status_reason, issued_at, expires_at FROM issued_credentials";

fn credential_from_row(row: &sqlx::any::AnyRow) -> Result<IssuedCredential> {
    let at = |col: &str| -> Result<Option<DateTime<Utc>>> {
        let text: Option<String> = row.try_get(col)?;
        text.map(|t| db::parse_timestamp(&t, "issued_credentials")).transpose()
    };
    Ok(IssuedCredential {
        id: row.try_get("id")?,
        person_id: row.try_get("person_id")?,
        credential_type: row.try_get("credential_type")?,
        vct: row.try_get("vct")?,
        kid: row.try_get("kid")?,
        list_id: row.try_get("list_id")?,
        status_index: row.try_get("status_index")?,
        status: CredentialStatus::parse(&row.try_get::<String, _>("status")?)?,
        status_reason: row.try_get("status_reason")?,
        issued_at: at("issued_at")?
            .ok_or(StoreError::Corrupt { table: "issued_credentials", reason: "issued_at".into() })?,
        expires_at: at("expires_at")?,
        sources: Vec::new(),
    })
}

impl Dataset<'_> {
    /// Issues a credential to a person of this dataset: reads their records, reserves the next
    /// status list index, lets `make` map and sign, and records the outcome and its sources, in
    /// one audited transaction. `make`'s error rolls everything back (the index is not consumed).
    /// `NotFound` for an unknown person; `Invalid` on `issuer_key` when the organisation has none.
    pub async fn issue_credential<T, E, F>(&self, person_id: &str, make: F) -> Result<(IssuedCredential, T), E>
    where
        F: FnOnce(IssueSlot<'_>) -> Result<IssueOutcome<T>, E>,
        E: From<StoreError>,
    {
        let mut tx = self.begin().await?;
        let sources = self.load_sources(&mut tx, person_id).await?;
        let key = crate::issuing::active_key(&mut tx, self.org())
            .await?
            .ok_or_else(|| StoreError::invalid("issuer_key", "this organisation has no issuer key yet"))?;
        let (list_id, index) = self.allocate_index(&mut tx).await?;
        let id = db::new_id();
        let slot = IssueSlot { credential_id: &id, list_id, index, key: &key, sources: &sources };
        let outcome = make(slot)?;
        let now = db::now();
        sqlx::query(
            "INSERT INTO issued_credentials (org_id, id, person_id, credential_type, vct, kid, list_id, \
             status_index, status, status_reason, issued_at, expires_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'valid', NULL, $9, $10, $11)",
        )
        .bind(self.org())
        .bind(&id)
        .bind(person_id)
        .bind(&outcome.credential_type)
        .bind(&outcome.vct)
        .bind(&key.kid)
        .bind(list_id)
        .bind(index)
        .bind(db::timestamp(outcome.issued_at))
        .bind(outcome.expires_at.map(db::timestamp))
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)?;
        let mut sources_sorted = outcome.sources.clone();
        sources_sorted.sort();
        sources_sorted.dedup();
        for record_id in &sources_sorted {
            sqlx::query("INSERT INTO credential_sources (org_id, credential_id, record_id) VALUES ($1, $2, $3)")
                .bind(self.org())
                .bind(&id)
                .bind(record_id)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from)?;
        }
        self.audit(&mut tx, Event::person("credential.issue", person_id)).await?;
        tx.commit().await.map_err(StoreError::from)?;
        let issued = IssuedCredential {
            id,
            person_id: person_id.to_owned(),
            credential_type: outcome.credential_type,
            vct: outcome.vct,
            kid: key.kid.clone(),
            list_id,
            status_index: index,
            status: CredentialStatus::Valid,
            status_reason: None,
            issued_at: outcome.issued_at,
            expires_at: outcome.expires_at,
            sources: sources_sorted,
        };
        Ok((issued, outcome.value))
    }

    /// Every record a credential can be made from, read inside the caller's transaction.
    async fn load_sources(&self, conn: &mut AnyConnection, person_id: &str) -> Result<PersonSources> {
        let row = sqlx::query(&format!("{PERSON_SELECT} WHERE org_id = $1 AND id = $2"))
            .bind(self.org())
            .bind(person_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let person = person_from_row(&row)?;
        let oh = sqlx::query(
            "SELECT doc, recorded_by, recorded_at, source, source_ods FROM oh_clearances \
                              WHERE org_id = $1 AND person_id = $2",
        )
        .bind(self.org())
        .bind(person_id)
        .fetch_optional(&mut *conn)
        .await?;
        let oh_clearance = match oh {
            None => None,
            Some(row) => Some(Record {
                id: oh_source_id(person_id),
                person_id: Some(person_id.to_owned()),
                value: db::from_doc(&row.try_get::<String, _>("doc")?, "oh_clearances")?,
                provenance: super::provenance_from_row(&row, "oh_clearances")?,
            }),
        };
        Ok(PersonSources {
            person,
            checks: self.children_in(conn, person_id).await?,
            competences: self.children_in(conn, person_id).await?,
            immunisations: self.children_in(conn, person_id).await?,
            assignments: self.children_in(conn, person_id).await?,
            oh_clearance,
        })
    }

    async fn children_in<T: ChildKind>(&self, conn: &mut AnyConnection, person_id: &str) -> Result<Vec<Record<T>>> {
        let sql = format!("{} WHERE org_id = $1 AND person_id = $2 ORDER BY id", child_select::<T>());
        let rows = sqlx::query(&sql).bind(self.org()).bind(person_id).fetch_all(&mut *conn).await?;
        rows.iter().map(child_from_row::<T>).collect()
    }

    /// The next index of this organisation's current status list, opening a new list when the
    /// current one is full. Indexes only ever go up.
    async fn allocate_index(&self, conn: &mut AnyConnection) -> Result<(i64, i64)> {
        let bumped = sqlx::query(
            "UPDATE status_lists SET next_index = next_index + 1 WHERE org_id = $1 AND next_index < size \
             AND list_id = (SELECT MAX(list_id) FROM status_lists WHERE org_id = $1) \
             RETURNING list_id, next_index - 1",
        )
        .bind(self.org())
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = bumped {
            return Ok((row.try_get(0)?, row.try_get(1)?));
        }
        let row = sqlx::query(
            "INSERT INTO status_lists (org_id, list_id, size, next_index, created_at) \
             VALUES ($1, COALESCE((SELECT MAX(list_id) FROM status_lists WHERE org_id = $1), 0) + 1, $2, 1, $3) \
             RETURNING list_id",
        )
        .bind(self.org())
        .bind(STATUS_LIST_SIZE)
        .bind(db::now())
        .fetch_one(&mut *conn)
        .await?;
        Ok((row.try_get(0)?, 0))
    }

    /// A person's credentials, oldest first, with their current status.
    pub async fn list_credentials(&self, person_id: &str) -> Result<Vec<IssuedCredential>> {
        let mut tx = self.begin().await?;
        self.require_person(&mut tx, person_id).await?;
        let rows = sqlx::query(&format!("{CREDENTIAL_SELECT} WHERE org_id = $1 AND person_id = $2 ORDER BY id"))
            .bind(self.org())
            .bind(person_id)
            .fetch_all(&mut *tx)
            .await?;
        let mut out = rows.iter().map(credential_from_row).collect::<Result<Vec<_>>>()?;
        for c in &mut out {
            c.sources = self.sources_of(&mut tx, &c.id).await?;
        }
        self.audit(&mut tx, Event::person("credential.list", person_id)).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The id of the credential at `idx` of status list `list_id`: the entry a credential carries
    /// is the one identifier its holder's wallet and a verifier also see.
    pub async fn credential_id_at(&self, list_id: i64, idx: i64) -> Result<String> {
        let mut tx = self.begin().await?;
        let row =
            sqlx::query("SELECT id FROM issued_credentials WHERE org_id = $1 AND list_id = $2 AND status_index = $3")
                .bind(self.org())
                .bind(list_id)
                .bind(idx)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
        let id = row.try_get(0)?;
        tx.commit().await?;
        Ok(id)
    }

    /// One credential of this dataset.
    pub async fn get_credential(&self, id: &str) -> Result<IssuedCredential> {
        let mut tx = self.begin().await?;
        let mut c = self.credential_in(&mut tx, id).await?;
        c.sources = self.sources_of(&mut tx, id).await?;
        self.audit(&mut tx, Event::person("credential.read", &c.person_id)).await?;
        tx.commit().await?;
        Ok(c)
    }

    async fn credential_in(&self, conn: &mut AnyConnection, id: &str) -> Result<IssuedCredential> {
        let row = sqlx::query(&format!("{CREDENTIAL_SELECT} WHERE org_id = $1 AND id = $2"))
            .bind(self.org())
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)?;
        credential_from_row(&row)
    }

    async fn sources_of(&self, conn: &mut AnyConnection, id: &str) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT record_id FROM credential_sources WHERE org_id = $1 AND credential_id = $2 ORDER BY record_id",
        )
        .bind(self.org())
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// Revokes, suspends or reinstates (`Valid`) a credential. Revocation is final; only a
    /// suspended credential can be reinstated. An illegal move is `Invalid` on `status`.
    pub async fn set_credential_status(
        &self,
        id: &str,
        to: CredentialStatus,
        reason: Option<&str>,
    ) -> Result<IssuedCredential> {
        use CredentialStatus::{Revoked, Suspended, Valid};
        let mut tx = self.begin().await?;
        let current = self.credential_in(&mut tx, id).await?;
        let action = match (current.status, to) {
            (Valid | Suspended, Revoked) => "credential.revoke",
            (Valid, Suspended) => "credential.suspend",
            (Suspended, Valid) => "credential.reinstate",
            (Revoked, _) => {
                return Err(StoreError::invalid("status", "the credential is revoked; revocation is final"));
            }
            (from, to) => {
                return Err(StoreError::invalid(
                    "status",
                    format!("a {} credential cannot become {}", from.as_str(), to.as_str()),
                ));
            }
        };
        sqlx::query(
            "UPDATE issued_credentials SET status = $3, status_reason = $4, updated_at = $5 WHERE org_id = $1 AND id = $2",
        )
        .bind(self.org())
        .bind(id)
        .bind(to.as_str())
        .bind(reason)
        .bind(db::now())
        .execute(&mut *tx)
        .await?;
        self.audit(&mut tx, Event::person(action, &current.person_id)).await?;
        let mut updated = self.credential_in(&mut tx, id).await?;
        updated.sources = self.sources_of(&mut tx, id).await?;
        tx.commit().await?;
        self.store.status_changed();
        Ok(updated)
    }

    /// `update_person`'s hook, called before the row is replaced: every credential names its holder,
    /// so a change of given name, family name or date of birth revokes all of the person's credentials.
    /// Other details (address, contact) are in no credential and revoke nothing.
    pub(crate) async fn revoke_if_identity_changed(
        &self,
        conn: &mut AnyConnection,
        person_id: &str,
        next: &Person,
    ) -> Result<usize> {
        let Some(row) = sqlx::query("SELECT doc FROM people WHERE org_id = $1 AND id = $2")
            .bind(self.org())
            .bind(person_id)
            .fetch_optional(&mut *conn)
            .await?
        else {
            return Ok(0);
        };
        let current: Person = db::from_doc(&row.try_get::<String, _>(0)?, "people")?;
        let same = current.given_name.trim() == next.given_name.trim()
            && current.family_name.trim() == next.family_name.trim()
            && current.date_of_birth == next.date_of_birth;
        if same {
            return Ok(0);
        }
        let rows = sqlx::query(
            "UPDATE issued_credentials SET status = 'revoked', status_reason = $3, updated_at = $4 \
             WHERE org_id = $1 AND person_id = $2 AND status <> 'revoked' RETURNING id",
        )
        .bind(self.org())
        .bind(person_id)
        .bind("the holder's name or date of birth changed")
        .bind(db::now())
        .fetch_all(&mut *conn)
        .await?;
        for _ in &rows {
            self.audit(conn, Event::person("credential.revoke", person_id)).await?;
        }
        Ok(rows.len())
    }

    /// Bulk import's hook: revokes what rests on the OH clearances it replaced for `person_ids`. One
    /// indexed probe when the organisation has issued nothing yet (the usual bulk load).
    pub(crate) async fn revoke_for_clearances<'p>(
        &self,
        conn: &mut AnyConnection,
        person_ids: impl Iterator<Item = &'p String>,
    ) -> Result<usize> {
        let any = sqlx::query("SELECT 1 FROM issued_credentials WHERE org_id = $1 LIMIT 1")
            .bind(self.org())
            .fetch_optional(&mut *conn)
            .await?;
        if any.is_none() {
            return Ok(0);
        }
        let mut revoked = 0;
        for person_id in person_ids {
            revoked += self.revoke_derived(conn, &oh_source_id(person_id), "a record it rests on was replaced").await?;
        }
        Ok(revoked)
    }

    /// Revokes every not-yet-revoked credential derived from `record_id`, inside the caller's
    /// write transaction, auditing each. Called by every write path that replaces or deletes a
    /// record a credential can rest on (checks, competences, immunisations, assignments, OH
    /// clearance). Returns how many were revoked.
    pub(crate) async fn revoke_derived(&self, conn: &mut AnyConnection, record_id: &str, why: &str) -> Result<usize> {
        let rows = sqlx::query(
            "UPDATE issued_credentials SET status = 'revoked', status_reason = $3, updated_at = $4 \
             WHERE org_id = $1 AND status <> 'revoked' AND id IN \
             (SELECT credential_id FROM credential_sources WHERE org_id = $1 AND record_id = $2) \
             RETURNING person_id",
        )
        .bind(self.org())
        .bind(record_id)
        .bind(why)
        .bind(db::now())
        .fetch_all(&mut *conn)
        .await?;
        for row in &rows {
            let person_id: String = row.try_get(0)?;
            self.audit(conn, Event::person("credential.revoke", &person_id)).await?;
        }
        Ok(rows.len())
    }
}
