//! One organisation's private dataset: people and the records hung on them.
//!
//! Every method runs in one transaction that also appends an audit entry (reads included), and
//! every query carries `org_id = scope.org_id()`, so a record of another organisation is simply
//! not found. Per-person records are audited with the person as subject so the worker can later
//! see every access (`Dataset::audit_for_subject`); list calls are audited once per page against
//! the dataset. Record values are stored as JSON documents of the domain types next to the
//! columns we index and query on.

mod assignments;
mod children;
mod compliance;
mod credentials;
mod import;
mod me;
mod offers;
mod oh;
mod outlook;
mod people;
mod presentations;
mod requirements;
mod review;
mod search;
mod summary;
mod transfer;
mod transfer_cohort;
mod transfer_cohort_job;
mod transfer_consent_wallet;
mod transfer_remote;
mod transfer_stage1;
mod transfer_stage2;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::Store;

use crate::audit::{self, AuditEntry, Event};
use crate::db;
use crate::error::{Result, StoreError};
use crate::page::{Page, PageOf};
use crate::scope::{OrgScope, Provenance, Source};
pub use credentials::{
    CredentialStatus, IssueOutcome, IssueSlot, IssuedCredential, PersonSources, STATUS_LIST_SIZE, oh_source_id,
};
pub use import::{Checkpoint, ImportBatch, ImportPreparer, ImportRecord, ImportReport, PersonRef, PreparedBatch};
pub use me::{
    ACCESS_LOG_LIMIT, AccessActor, AccessEntry, ContactChange, ContactDetails, Me, MyLink, MyOrganisation, MyRecord,
};
pub use offers::{NewOffer, Redemption, StoredOffer, pin_hash, secret_hash};
pub use outlook::{Expiring, ExpiringKind, RoleCount};
pub use presentations::{
    NewPresentationRequest, PresentationAnswer, PresentationFilter, PresentationListItem, PresentationRecord,
    PresentationStatus, PresentedEntry,
};
pub use review::{AcceptedItem, BypassedItem, NewReview, PassportRecord, Review, ReviewDecision, ReviewItem};
pub use summary::ComplianceBasis;
pub use transfer::{Proposal, TransferMatch};
pub use transfer_cohort::{CohortEntry, CohortOutcome, CohortResult};
pub use transfer_cohort_job::{CohortJob, CohortLine, CohortReport, CohortStatus};
pub use transfer_consent_wallet::{ConsentSigningRequest, NewConsentSigningRequest, WalletConsentProof};
pub use transfer_remote::{ReleaseRequest, RemoteApplicant};

/// A stored value with its store id and provenance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record<T> {
    /// Store id (UUID v4). For role requirements, the role key.
    pub id: String,
    /// The person the record belongs to (`None` for people themselves and role requirements).
    pub person_id: Option<String>,
    pub value: T,
    pub provenance: Provenance,
}

/// Access to one organisation's dataset; obtained from [`Store::dataset`].
#[derive(Debug, Clone, Copy)]
pub struct Dataset<'s> {
    pub(crate) store: &'s Store,
    pub(crate) scope: &'s OrgScope,
}

/// Provenance columns for a write, in table order: recorded_by, recorded_at, source, source_ods.
pub(crate) struct WriteStamp {
    pub by: String,
    pub at: String,
    pub source: &'static str,
    pub source_ods: Option<String>,
}

pub(crate) const PROVENANCE_COLUMNS: &str = "recorded_by, recorded_at, source, source_ods";

/// The SET list of an upsert that replaces a record's document and provenance.
pub(crate) const UPSERT_DOC_SET: &str = "doc = excluded.doc, recorded_by = excluded.recorded_by, \
    recorded_at = excluded.recorded_at, source = excluded.source, source_ods = excluded.source_ods, \
    updated_at = excluded.updated_at";

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds a write's provenance in chain position.
pub(crate) trait BindStamp<'q> {
    /// Binds the provenance columns then `updated_at`, in the order [`PROVENANCE_COLUMNS`] lists them.
    fn bind_stamp(self, stamp: &WriteStamp) -> Self;
}

impl<'q> BindStamp<'q> for AnyQuery<'q> {
    fn bind_stamp(self, stamp: &WriteStamp) -> Self {
        self.bind(stamp.by.clone())
            .bind(stamp.at.clone())
            .bind(stamp.source)
            .bind(stamp.source_ods.clone())
            .bind(stamp.at.clone())
    }
}

impl<'s> Dataset<'s> {
    pub fn scope(&self) -> &OrgScope {
        self.scope
    }

    pub(crate) fn org(&self) -> &str {
        self.scope.org_id()
    }

    pub(crate) async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        db::begin(&self.store.pool, self.store.backend).await
    }

    pub(crate) async fn audit(&self, conn: &mut AnyConnection, event: Event<'_>) -> Result<()> {
        audit::append(conn, self.org(), self.scope.actor(), event).await?;
        Ok(())
    }

    pub(crate) fn stamp(&self) -> WriteStamp {
        let (source, ods) = self.scope.source().columns();
        WriteStamp { by: self.scope.actor().as_audit_text(), at: db::now(), source, source_ods: ods.map(str::to_owned) }
    }

    /// `NotFound` unless the person exists in this dataset.
    pub(crate) async fn require_person(&self, conn: &mut AnyConnection, person_id: &str) -> Result<()> {
        sqlx::query("SELECT 1 FROM people WHERE org_id = $1 AND id = $2")
            .bind(self.org())
            .bind(person_id)
            .fetch_optional(&mut *conn)
            .await?
            .map(|_| ())
            .ok_or(StoreError::NotFound)
    }

    /// Who did what to this person's data, newest first. Reading the trail is itself audited.
    /// Paging: `page.after` is the `seq` of the last entry seen.
    pub async fn audit_for_subject(&self, person_id: &str, page: &Page) -> Result<PageOf<AuditEntry>> {
        let limit = page.checked_limit()?;
        let before = match &page.after {
            None => None,
            Some(cursor) => Some(
                cursor.parse::<i64>().map_err(|_| StoreError::invalid("after", "is not a cursor from this list"))?,
            ),
        };
        let mut tx = self.begin().await?;
        self.require_person(&mut tx, person_id).await?;
        let entries = audit::for_subject(&mut tx, self.org(), person_id, before, limit + 1).await?;
        self.audit(&mut tx, Event::person("audit.read", person_id)).await?;
        tx.commit().await?;
        Ok(PageOf::from_overfetch(entries, limit, |e| e.seq.to_string()))
    }
}

pub(crate) fn provenance_from_row(row: &sqlx::any::AnyRow, table: &'static str) -> Result<Provenance> {
    let at: String = row.try_get("recorded_at")?;
    let source: String = row.try_get("source")?;
    Ok(Provenance {
        recorded_by: row.try_get("recorded_by")?,
        recorded_at: db::parse_timestamp(&at, table)?,
        source: Source::from_columns(&source, row.try_get("source_ods")?),
    })
}

pub(crate) fn provenance_of(stamp: &WriteStamp) -> Provenance {
    Provenance {
        recorded_by: stamp.by.clone(),
        recorded_at: stamp_time(&stamp.at),
        source: Source::from_columns(stamp.source, stamp.source_ods.clone()),
    }
}

fn stamp_time(at: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(at).map(|t| t.with_timezone(&Utc)).unwrap_or_else(|_| Utc::now())
}
