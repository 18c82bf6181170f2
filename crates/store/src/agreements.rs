//! Workforce sharing agreements and the registry's core terms.
//!
//! An agreement crosses datasets by nature (two or more organisations, sometimes a worker), so it
//! lives outside any one of them: an organisation reaches an agreement only when it is a party
//! (`agreement_parties`), and anything else is `NotFound`, as for another organisation's data.
//! Each version's canonical document and signed JWS are stored as given; the lifecycle facts are a
//! JSON document updated in the same transaction as the JWS, and every change is audited on the
//! chain of every organisation party.
//!
//! The store does not sign or verify anything: the caller hands it canonical bytes, their hash and
//! the JWS text it built (credentials::agreement).

use chrono::{DateTime, Utc};
use domain::agreement::{AgreementBody, AgreementDocument, Lifecycle, TermsFamily};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::audit::{self, Event, REGISTRY_CHAIN};
use crate::error::{Result, StoreError};
use crate::page::{Page, PageOf};
use crate::registry::enum_text;
use crate::scope::{OrgScope, RegistryScope};
use crate::{Store, db};

/// One published version of core terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoreTerms {
    pub id: String,
    pub version: String,
    pub family: TermsFamily,
    pub title: String,
    pub body: String,
    /// Hex SHA-256 of `body` (UTF-8).
    pub sha256: String,
    pub published_at: DateTime<Utc>,
}

/// A new agreement version, built and canonicalised by the caller.
#[derive(Debug, Clone)]
pub struct NewAgreement<'a> {
    pub document: &'a AgreementDocument,
    /// Hex SHA-256 of the canonical JSON.
    pub sha256: &'a str,
    /// The JWS JSON text as it stands (perhaps with no signature yet).
    pub signed: &'a str,
    pub lifecycle: &'a Lifecycle,
    /// Store ids of the organisation parties with their part (`employer`, `host`, `party`).
    pub parties: Vec<(String, &'static str)>,
}

/// An agreement version as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredAgreement {
    pub id: String,
    pub version: u32,
    pub sha256: String,
    pub document: AgreementDocument,
    /// The JWS JSON General Serialization text.
    pub signed: String,
    pub lifecycle: Lifecycle,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// Agreements as seen by one organisation; from [`Store::agreements`].
#[derive(Debug, Clone, Copy)]
pub struct Agreements<'s> {
    pub(crate) store: &'s Store,
    pub(crate) scope: &'s OrgScope,
}

const COLUMNS: &str = "a.id, a.version, a.document, a.sha256, a.signed, a.lifecycle, a.created_by, a.created_at";

fn from_row(row: &sqlx::any::AnyRow) -> Result<StoredAgreement> {
    let version: i64 = row.try_get("version")?;
    Ok(StoredAgreement {
        id: row.try_get("id")?,
        version: u32::try_from(version).map_err(|_| corrupt("version out of range"))?,
        sha256: row.try_get("sha256")?,
        document: db::from_doc(&row.try_get::<String, _>("document")?, "agreements")?,
        signed: row.try_get("signed")?,
        lifecycle: db::from_doc(&row.try_get::<String, _>("lifecycle")?, "agreements")?,
        created_by: row.try_get("created_by")?,
        created_at: db::parse_timestamp(&row.try_get::<String, _>("created_at")?, "agreements")?,
    })
}

fn corrupt(reason: &str) -> StoreError {
    StoreError::Corrupt { table: "agreements", reason: reason.to_owned() }
}

fn event<'a>(action: &'static str, id: &'a str) -> Event<'a> {
    Event { action, subject_type: "agreement", subject_id: Some(id) }
}

impl Agreements<'_> {
    /// Stores a new version. The acting organisation must be one of the parties; the version must
    /// be the next one of its id (1 for a new agreement).
    pub async fn create(&self, new: &NewAgreement<'_>) -> Result<StoredAgreement> {
        let doc = new.document;
        if !new.parties.iter().any(|(org, _)| org == self.scope.org_id()) {
            return Err(StoreError::NotFound);
        }
        let mut tx = db::begin(&self.store.pool, self.store.backend).await?;
        let latest: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM agreements WHERE id = $1")
            .bind(&doc.id)
            .fetch_one(&mut *tx)
            .await?;
        let expected = latest.map_or(1, |v| v + 1);
        if i64::from(doc.version) != expected {
            return Err(StoreError::invalid("version", format!("the next version of this agreement is {expected}")));
        }
        let (kind, worker) = match &doc.body {
            AgreementBody::Umbrella(_) => ("umbrella", None),
            AgreementBody::Deployment(d) => ("deployment", Some(d.worker.person_id.as_str())),
        };
        let period = doc.period();
        sqlx::query(
            "INSERT INTO agreements (id, version, kind, document, sha256, signed, lifecycle, start_on, end_on, \
             worker_org_id, worker_person_id, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(&doc.id)
        .bind(i64::from(doc.version))
        .bind(kind)
        .bind(db::to_doc(doc)?)
        .bind(new.sha256)
        .bind(new.signed)
        .bind(db::to_doc(new.lifecycle)?)
        .bind(db::date(period.start))
        .bind(db::date(period.end))
        .bind(worker.map(|_| self.scope.org_id().to_owned()))
        .bind(worker)
        .bind(self.scope.actor().as_audit_text())
        .bind(db::now())
        .execute(&mut *tx)
        .await?;
        for (org, part) in &new.parties {
            sqlx::query("INSERT INTO agreement_parties (agreement_id, version, org_id, part) VALUES ($1, $2, $3, $4)")
                .bind(&doc.id)
                .bind(i64::from(doc.version))
                .bind(org)
                .bind(*part)
                .execute(&mut *tx)
                .await?;
            audit::append(&mut tx, org, self.scope.actor(), event("agreement.create", &doc.id)).await?;
        }
        if let Some(person) = worker {
            audit::append(&mut tx, self.scope.org_id(), self.scope.actor(), Event::person("agreement.create", person))
                .await?;
        }
        tx.commit().await?;
        self.get(&doc.id, Some(doc.version)).await
    }

    /// A version (the latest when `version` is `None`), if this organisation is a party to it.
    pub async fn get(&self, id: &str, version: Option<u32>) -> Result<StoredAgreement> {
        let sql = format!(
            "SELECT {COLUMNS} FROM agreements a JOIN agreement_parties p \
             ON p.agreement_id = a.id AND p.version = a.version AND p.org_id = $1 \
             WHERE a.id = $2 AND ($3 < 0 OR a.version = $3) ORDER BY a.version DESC LIMIT 1"
        );
        let row = sqlx::query(&sql)
            .bind(self.scope.org_id())
            .bind(id)
            .bind(version.map_or(-1, i64::from))
            .fetch_optional(&self.store.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        from_row(&row)
    }

    /// Every version this organisation is a party to, oldest first.
    pub async fn history(&self, id: &str) -> Result<Vec<StoredAgreement>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM agreements a JOIN agreement_parties p \
             ON p.agreement_id = a.id AND p.version = a.version AND p.org_id = $1 \
             WHERE a.id = $2 ORDER BY a.version"
        );
        let rows = sqlx::query(&sql).bind(self.scope.org_id()).bind(id).fetch_all(&self.store.pool).await?;
        if rows.is_empty() {
            return Err(StoreError::NotFound);
        }
        rows.iter().map(from_row).collect()
    }

    /// The latest version of each agreement this organisation is a party to, by id (time-ordered),
    /// optionally only those where it plays `part` (`host` lists visiting workers' deployments).
    pub async fn list(&self, page: &Page, part: Option<&str>) -> Result<PageOf<StoredAgreement>> {
        let limit = page.checked_limit()?;
        let sql = format!(
            "SELECT {COLUMNS} FROM agreements a JOIN agreement_parties p \
             ON p.agreement_id = a.id AND p.version = a.version AND p.org_id = $1 \
             WHERE a.id > $2 AND ($3 = '' OR p.part = $3) \
             AND a.version = (SELECT MAX(b.version) FROM agreements b WHERE b.id = a.id) \
             ORDER BY a.id LIMIT $4"
        );
        let rows = sqlx::query(&sql)
            .bind(self.scope.org_id())
            .bind(page.after.as_deref().unwrap_or(""))
            .bind(part.unwrap_or(""))
            .bind(limit + 1)
            .fetch_all(&self.store.pool)
            .await?;
        let items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
        Ok(PageOf::from_overfetch(items, limit, |a| a.id.clone()))
    }

    /// The latest version of each deployment of `person_id` (a person of this organisation), newest
    /// period first: the worker's own agreements, for self-service.
    pub async fn of_worker(&self, person_id: &str) -> Result<Vec<StoredAgreement>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM agreements a WHERE a.kind = 'deployment' AND a.worker_org_id = $1 \
             AND a.worker_person_id = $2 AND a.version = (SELECT MAX(b.version) FROM agreements b WHERE b.id = a.id) \
             ORDER BY a.start_on DESC, a.id"
        );
        let rows = sqlx::query(&sql).bind(self.scope.org_id()).bind(person_id).fetch_all(&self.store.pool).await?;
        rows.iter().map(from_row).collect()
    }

    /// Every version of the deployments this organisation hosts for workers `employer_ods` employs,
    /// whose period ended on or after `ended_since`: what decides whether an agreement covers a
    /// visiting worker from that employer ([`domain::agreement::cover`]).
    pub async fn hosted_deployments(
        &self,
        employer_ods: &str,
        ended_since: chrono::NaiveDate,
    ) -> Result<Vec<StoredAgreement>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM agreements a \
             JOIN agreement_parties p ON p.agreement_id = a.id AND p.version = a.version \
             AND p.org_id = $1 AND p.part = 'host' \
             JOIN agreement_parties e ON e.agreement_id = a.id AND e.version = a.version AND e.part = 'employer' \
             JOIN organisations o ON o.id = e.org_id \
             WHERE a.kind = 'deployment' AND o.ods_code = $2 AND a.end_on >= $3 ORDER BY a.id, a.version"
        );
        let rows = sqlx::query(&sql)
            .bind(self.scope.org_id())
            .bind(employer_ods)
            .bind(db::date(ended_since))
            .fetch_all(&self.store.pool)
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// Changes a version's JWS and lifecycle under `change`, which sees the stored version and
    /// returns the new JWS text and lifecycle, or refuses. Audited as `action` on every party's
    /// chain. When the change completes an amendment (every party has signed the new version), the
    /// version it amends is marked superseded in the same transaction.
    pub async fn update<F>(&self, id: &str, version: u32, action: &'static str, change: F) -> Result<StoredAgreement>
    where
        F: FnOnce(&StoredAgreement) -> Result<(String, Lifecycle)>,
    {
        let current = self.get(id, Some(version)).await?;
        let (signed, lifecycle) = change(&current)?;
        let mut tx = db::begin(&self.store.pool, self.store.backend).await?;
        let change =
            VersionChange { id, version, previous_signed: &current.signed, signed: &signed, lifecycle: &lifecycle };
        write_version(&mut tx, &change, &current.document, self.scope.actor(), action).await?;
        tx.commit().await?;
        self.get(id, Some(version)).await
    }
}

impl Store {
    /// Agreements the scope's organisation is party to.
    pub fn agreements<'s>(&'s self, scope: &'s OrgScope) -> Agreements<'s> {
        Agreements { store: self, scope }
    }

    /// Publishes a core terms version (registry operator); a version is never replaced.
    pub async fn publish_core_terms(
        &self,
        scope: &RegistryScope,
        id: &str,
        version: &str,
        family: TermsFamily,
        title: &str,
        body: &str,
    ) -> Result<CoreTerms> {
        for (field, value) in [("id", id), ("version", version), ("title", title), ("body", body)] {
            if value.trim().is_empty() {
                return Err(StoreError::invalid(field, "must not be empty"));
            }
        }
        let sha256 = hex::encode(Sha256::digest(body.as_bytes()));
        let mut tx = db::begin(&self.pool, self.backend).await?;
        sqlx::query(
            "INSERT INTO core_terms (id, version, family, title, body, sha256, published_by, published_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(version)
        .bind(enum_text(&family)?)
        .bind(title)
        .bind(body)
        .bind(&sha256)
        .bind(scope.actor().as_audit_text())
        .bind(db::now())
        .execute(&mut *tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict { .. } => StoreError::Conflict {
                field: "version".into(),
                problem: "this version is already published; publish a new version".into(),
            },
            other => other,
        })?;
        let event = Event { action: "core_terms.publish", subject_type: "core_terms", subject_id: Some(id) };
        audit::append(&mut tx, REGISTRY_CHAIN, scope.actor(), event).await?;
        tx.commit().await?;
        self.core_terms(id, version).await
    }

    /// One published version.
    pub async fn core_terms(&self, id: &str, version: &str) -> Result<CoreTerms> {
        let row = sqlx::query(
            "SELECT id, version, family, title, body, sha256, published_at FROM core_terms WHERE id = $1 AND version = $2",
        )
        .bind(id)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        terms_from_row(&row)
    }

    /// Every published version, by id then version.
    pub async fn list_core_terms(&self) -> Result<Vec<CoreTerms>> {
        let rows = sqlx::query(
            "SELECT id, version, family, title, body, sha256, published_at FROM core_terms ORDER BY id, version",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(terms_from_row).collect()
    }

    /// Records that the scope's organisation accepted a published version.
    pub async fn accept_core_terms(&self, scope: &OrgScope, id: &str, version: &str) -> Result<()> {
        self.core_terms(id, version).await?;
        let mut tx = db::begin(&self.pool, self.backend).await?;
        sqlx::query(
            "INSERT INTO core_terms_acceptances (org_id, terms_id, version, accepted_by, accepted_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(scope.org_id())
        .bind(id)
        .bind(version)
        .bind(scope.actor().as_audit_text())
        .bind(db::now())
        .execute(&mut *tx)
        .await?;
        let event = Event { action: "core_terms.accept", subject_type: "core_terms", subject_id: Some(id) };
        audit::append(&mut tx, scope.org_id(), scope.actor(), event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The (id, version) pairs an organisation accepted.
    pub async fn accepted_core_terms(&self, org_id: &str) -> Result<Vec<(String, String)>> {
        let rows =
            sqlx::query("SELECT terms_id, version FROM core_terms_acceptances WHERE org_id = $1 ORDER BY terms_id")
                .bind(org_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|r| Ok((r.try_get("terms_id")?, r.try_get("version")?))).collect()
    }
}

fn terms_from_row(row: &sqlx::any::AnyRow) -> Result<CoreTerms> {
    let family: String = row.try_get("family")?;
    Ok(CoreTerms {
        id: row.try_get("id")?,
        version: row.try_get("version")?,
        family: db::from_doc(&format!("\"{family}\""), "core_terms")?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        sha256: row.try_get("sha256")?,
        published_at: db::parse_timestamp(&row.try_get::<String, _>("published_at")?, "core_terms")?,
    })
}

/// An OpenID4VP request for the worker's signature on an agreement version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SigningRequest {
    pub state: String,
    pub agreement_id: String,
    pub version: u32,
    /// The organisation acting as verifier (its key signs the request object).
    pub org_id: String,
    pub nonce: String,
    /// The base64url transaction data string, exactly as sent.
    pub transaction_data: String,
    /// Unix seconds.
    pub expires_at: i64,
    pub answered: bool,
}

fn signing_from_row(row: &sqlx::any::AnyRow) -> Result<SigningRequest> {
    let version: i64 = row.try_get("version")?;
    Ok(SigningRequest {
        state: row.try_get("state")?,
        agreement_id: row.try_get("agreement_id")?,
        version: u32::try_from(version).map_err(|_| corrupt("version out of range"))?,
        org_id: row.try_get("org_id")?,
        nonce: row.try_get("nonce")?,
        transaction_data: row.try_get("transaction_data")?,
        expires_at: row.try_get("expires_at")?,
        answered: row.try_get::<Option<String>, _>("answered_at")?.is_some(),
    })
}

impl Agreements<'_> {
    /// Stores a signing request for a version this organisation is party to.
    pub async fn create_signing_request(&self, request: &SigningRequest) -> Result<()> {
        self.get(&request.agreement_id, Some(request.version)).await?;
        let mut tx = db::begin(&self.store.pool, self.store.backend).await?;
        sqlx::query(
            "INSERT INTO agreement_signing_requests (state, agreement_id, version, org_id, nonce, transaction_data, \
             expires_at, answered_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9)",
        )
        .bind(&request.state)
        .bind(&request.agreement_id)
        .bind(i64::from(request.version))
        .bind(self.scope.org_id())
        .bind(&request.nonce)
        .bind(&request.transaction_data)
        .bind(request.expires_at)
        .bind(self.scope.actor().as_audit_text())
        .bind(db::now())
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            self.scope.org_id(),
            self.scope.actor(),
            event("agreement.signing_request", &request.agreement_id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

impl Store {
    /// A signing request by its state, for the public wallet-facing endpoints (the state is the
    /// capability: it is only in the QR code the parties showed the worker).
    pub async fn signing_request(&self, state: &str) -> Result<SigningRequest> {
        let row = sqlx::query(
            "SELECT state, agreement_id, version, org_id, nonce, transaction_data, expires_at, answered_at \
             FROM agreement_signing_requests WHERE state = $1",
        )
        .bind(state)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        signing_from_row(&row)
    }

    /// Records the worker's signature: marks the request answered (once) and stores the new JWS
    /// and lifecycle of its agreement version, if the JWS has not changed since `previous_signed`
    /// was read. Audited on every party's chain as `agreement.worker_sign`.
    pub async fn record_worker_signature(
        &self,
        state: &str,
        previous_signed: &str,
        signed: &str,
        lifecycle: &Lifecycle,
    ) -> Result<()> {
        let request = self.signing_request(state).await?;
        let mut tx = db::begin(&self.pool, self.backend).await?;
        let marked = sqlx::query(
            "UPDATE agreement_signing_requests SET answered_at = $2 WHERE state = $1 AND answered_at IS NULL",
        )
        .bind(state)
        .bind(db::now())
        .execute(&mut *tx)
        .await?;
        if marked.rows_affected() == 0 {
            return Err(StoreError::Conflict { field: "state".into(), problem: "already answered".into() });
        }
        let doc: String = sqlx::query_scalar("SELECT document FROM agreements WHERE id = $1 AND version = $2")
            .bind(&request.agreement_id)
            .bind(i64::from(request.version))
            .fetch_one(&mut *tx)
            .await?;
        let doc: AgreementDocument = db::from_doc(&doc, "agreements")?;
        let change =
            VersionChange { id: &request.agreement_id, version: request.version, previous_signed, signed, lifecycle };
        let actor = crate::scope::Actor::System("worker wallet".into());
        write_version(&mut tx, &change, &doc, &actor, "agreement.worker_sign").await?;
        tx.commit().await?;
        Ok(())
    }
}

/// When every party has signed an amendment, the version it amends is superseded (in the caller's
/// transaction: SQLite's pool has one connection, held there).
async fn supersede_if_complete(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    doc: &AgreementDocument,
    lifecycle: &Lifecycle,
    version: u32,
) -> Result<()> {
    let complete = doc.required_signers().iter().all(|s| lifecycle.signed_by(s));
    let Some(prev) = doc.amends.as_ref().filter(|_| complete) else { return Ok(()) };
    let old: String = sqlx::query_scalar("SELECT lifecycle FROM agreements WHERE id = $1 AND version = $2")
        .bind(&prev.id)
        .bind(i64::from(prev.version))
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| corrupt("the amended version is missing"))?;
    let mut old_life: Lifecycle = db::from_doc(&old, "agreements")?;
    old_life.superseded_by = Some(version);
    sqlx::query("UPDATE agreements SET lifecycle = $3 WHERE id = $1 AND version = $2")
        .bind(&prev.id)
        .bind(i64::from(prev.version))
        .bind(db::to_doc(&old_life)?)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A new JWS and lifecycle for one version, valid only over the JWS it was built from.
struct VersionChange<'a> {
    id: &'a str,
    version: u32,
    previous_signed: &'a str,
    signed: &'a str,
    lifecycle: &'a Lifecycle,
}

/// Writes `change` if nobody changed the version since it was read (optimistic check on the JWS),
/// supersedes an amended version once this one is complete, and audits `action` on every party's
/// chain; all in the caller's transaction.
async fn write_version(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    change: &VersionChange<'_>,
    doc: &AgreementDocument,
    actor: &crate::scope::Actor,
    action: &'static str,
) -> Result<()> {
    let done =
        sqlx::query("UPDATE agreements SET signed = $3, lifecycle = $4 WHERE id = $1 AND version = $2 AND signed = $5")
            .bind(change.id)
            .bind(i64::from(change.version))
            .bind(change.signed)
            .bind(db::to_doc(change.lifecycle)?)
            .bind(change.previous_signed)
            .execute(&mut **tx)
            .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict {
            field: "agreement".into(),
            problem: "changed by another party at the same time; try again".into(),
        });
    }
    supersede_if_complete(tx, doc, change.lifecycle, change.version).await?;
    let parties: Vec<String> =
        sqlx::query_scalar("SELECT org_id FROM agreement_parties WHERE agreement_id = $1 AND version = $2")
            .bind(change.id)
            .bind(i64::from(change.version))
            .fetch_all(&mut **tx)
            .await?;
    for org in &parties {
        audit::append(tx, org, actor, event(action, change.id)).await?;
    }
    Ok(())
}
