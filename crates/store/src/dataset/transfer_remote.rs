//! Inter-authority transfer across deployments: the store's half on each side. The signatures,
//! the trust lists and the HTTP exchange are the server's; what is checked and written here is the
//! same as for a transfer within one deployment.
//!
//! - The new employer, before asking: [`Dataset::remote_transfer_preflight`] checks the stage 1
//!   preconditions (current consent, an applicant assignment) and reads the facts the request
//!   carries; audited, since they leave the deployment. [`Dataset::remote_transfer_done`] finds a
//!   transfer already done from that organisation, so a rerun asks nobody and changes nothing.
//! - The previous employer: [`Dataset::release_pds`] records the request's `jti` (a replay is
//!   refused), matches the worker in its own dataset only, builds the Portable Data Set exactly as
//!   a local transfer does, and audits the release on its chain naming the requesting organisation.
//! - The new employer, with the verified answer: [`Dataset::apply_remote_transfer`] creates (or
//!   finds) the transfer row and runs stage 1 over the data set in one transaction, through the
//!   same `apply_pds` as a local transfer.

use domain::assignment::Assignment;
use domain::org::OdsCode;
use domain::person::NiNumber;
use domain::transfer::remote::{RemoteRefusal, WorkerFacts};
use domain::transfer::{
    Candidate, ConsentRecord, MatchClass, MatchDecision, MatchKey, PortableDataSet, TransferRefusal, TransferReport,
    TransferStatus, classify, consent_state, decide, recency,
};
use sqlx::{AnyConnection, Row};

use super::Dataset;
use super::transfer::{TRANSFER_COLUMNS, summary_from_row};
use super::transfer_consent_wallet::WalletConsentProof;
use super::transfer_stage1::{Locked, load_pds};
use crate::audit::{self, Event};
use crate::db;
use crate::error::{Result, StoreError};

/// What the new employer sends about its applicant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteApplicant {
    pub worker: WorkerFacts,
    /// The consent statement that stands (a given one).
    pub consent: ConsentRecord,
    /// The wallet's signature on it, when the worker gave it with their wallet.
    pub wallet_proof: Option<WalletConsentProof>,
}

/// A verified request from another deployment, as the previous employer's store needs it.
#[derive(Debug, Clone, Copy)]
pub struct ReleaseRequest<'a> {
    pub requester_ods: &'a str,
    pub requester_issuer: &'a str,
    pub jti: &'a str,
    pub worker: &'a WorkerFacts,
}

fn corrupt(table: &'static str, e: impl ToString) -> StoreError {
    StoreError::Corrupt { table, reason: e.to_string() }
}

impl Dataset<'_> {
    /// The new employer's checks before asking another deployment: `Ok(Err(refusal))` without
    /// current consent or an applicant assignment; `Invalid` on `ni_number` when the applicant has
    /// none (the previous employer matches on it). Audited as `iat.remote_request`.
    pub async fn remote_transfer_preflight(
        &self,
        person_id: &str,
    ) -> Result<std::result::Result<RemoteApplicant, TransferRefusal>> {
        let mut tx = self.begin().await?;
        let me = self.applicant(&mut tx, person_id).await?;
        let consents = self.consents(&mut tx, person_id).await?;
        if let Err(refusal) = consent_state(&consents).permits_transfer() {
            tx.rollback().await?;
            return Ok(Err(refusal));
        }
        if !self.has_applicant_assignment(&mut tx, person_id).await? {
            tx.rollback().await?;
            return Ok(Err(TransferRefusal::NoApplicantAssignment));
        }
        let ni = me.ni.ok_or_else(|| {
            StoreError::invalid(
                "ni_number",
                "is needed to ask another deployment (the previous employer matches on it)",
            )
        })?;
        // `permits_transfer` said the latest statement is a given consent.
        let consent = consents.iter().max_by_key(|r| r.at).cloned().ok_or(StoreError::NotFound)?;
        let wallet_proof = self.latest_wallet_proof(&mut tx, person_id).await?;
        self.audit(&mut tx, Event::person("iat.remote_request", person_id)).await?;
        tx.commit().await?;
        Ok(Ok(RemoteApplicant {
            worker: WorkerFacts { ni_number: ni, date_of_birth: me.dob, family_name: me.surname },
            consent,
            wallet_proof,
        }))
    }

    /// The report of a transfer into `person_id` from organisation `source_ods` of another
    /// deployment that has already done stage 1, if any. `NotFound` for a person not of this
    /// dataset. Audited as a read when found.
    pub async fn remote_transfer_done(&self, person_id: &str, source_ods: &OdsCode) -> Result<Option<TransferReport>> {
        let mut tx = self.begin().await?;
        self.require_person(&mut tx, person_id).await?;
        let row = sqlx::query(&format!(
            "SELECT {TRANSFER_COLUMNS}, source_org_id, source_issuer, report FROM transfers \
             WHERE org_id = $1 AND person_id = $2 \
             AND source_issuer IS NOT NULL AND source_ods = $3 AND status IN ('stage1_done', 'stage2_done') \
             ORDER BY id LIMIT 1"
        ))
        .bind(self.org())
        .bind(person_id)
        .bind(source_ods.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(None);
        };
        let locked = Locked {
            summary: summary_from_row(&row)?,
            source_org_id: row.try_get("source_org_id")?,
            source_issuer: row.try_get("source_issuer")?,
            report: row.try_get("report")?,
        };
        let report = self.report_of(&mut tx, &locked).await?;
        self.audit(&mut tx, Event::person("transfer.read", person_id)).await?;
        tx.commit().await?;
        Ok(Some(report))
    }

    async fn has_applicant_assignment(&self, conn: &mut AnyConnection, person_id: &str) -> Result<bool> {
        let row =
            sqlx::query("SELECT 1 FROM assignments WHERE org_id = $1 AND person_id = $2 AND status = 'applicant'")
                .bind(self.org())
                .bind(person_id)
                .fetch_optional(&mut *conn)
                .await?;
        Ok(row.is_some())
    }

    /// The previous employer's answer to a verified request: the worker matched in this dataset on
    /// NI number, date of birth and family name (`NoMatch`; `Ambiguous` for partial or tied
    /// matches, which need this organisation's HR), and their Portable Data Set. The `jti` is
    /// recorded in the same transaction (`Replayed` the second time), and the release audited on
    /// this organisation's chain as `iat:<requester ODS>:<requester issuer>`. Nothing is recorded
    /// when refused.
    pub async fn release_pds(
        &self,
        request: &ReleaseRequest<'_>,
    ) -> Result<std::result::Result<PortableDataSet, RemoteRefusal>> {
        let mut tx = self.begin().await?;
        let person_id = match self.match_worker(&mut tx, request.worker).await? {
            Ok(person_id) => person_id,
            Err(refusal) => {
                tx.rollback().await?;
                return Ok(Err(refusal));
            }
        };
        let recorded = sqlx::query(
            "INSERT INTO iat_releases (org_id, requester_issuer, jti, person_id, released_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(self.org())
        .bind(request.requester_issuer)
        .bind(request.jti)
        .bind(&person_id)
        .bind(db::now())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if recorded != 1 {
            tx.rollback().await?;
            return Ok(Err(RemoteRefusal::Replayed));
        }
        let pds = load_pds(&mut tx, self.org(), &person_id).await?;
        let actor = format!("iat:{}:{}", request.requester_ods, request.requester_issuer);
        audit::append_as(&mut tx, self.org(), &actor, Event::person("transfer.released", &person_id)).await?;
        tx.commit().await?;
        Ok(Ok(pds))
    }

    /// The one person of this dataset the worker's facts designate (the domain's matching rules,
    /// most recent employment first).
    async fn match_worker(
        &self,
        conn: &mut AnyConnection,
        worker: &WorkerFacts,
    ) -> Result<std::result::Result<String, RemoteRefusal>> {
        let rows = sqlx::query(
            "SELECT id, ni_number, date_of_birth, family_name FROM people \
             WHERE org_id = $1 AND (ni_number = $2 OR date_of_birth = $3) ORDER BY id",
        )
        .bind(self.org())
        .bind(worker.ni_number.as_str())
        .bind(db::date(worker.date_of_birth))
        .fetch_all(&mut *conn)
        .await?;
        let asked = MatchKey {
            ni_number: Some(&worker.ni_number),
            date_of_birth: worker.date_of_birth,
            surname: &worker.family_name,
        };
        let mut ids = vec![];
        let mut candidates = vec![];
        for row in rows {
            let ni: Option<String> = row.try_get("ni_number")?;
            let ni = ni.map(|n| NiNumber::parse(&n)).transpose().map_err(|e| corrupt("people", e))?;
            let dob: String = row.try_get("date_of_birth")?;
            let surname: String = row.try_get("family_name")?;
            let key = MatchKey {
                ni_number: ni.as_ref(),
                date_of_birth: dob.parse().map_err(|e| corrupt("people", e))?,
                surname: &surname,
            };
            let class = classify(&asked, &key).class;
            if class == MatchClass::NoMatch {
                continue;
            }
            let id: String = row.try_get("id")?;
            let docs = sqlx::query("SELECT doc FROM assignments WHERE org_id = $1 AND person_id = $2")
                .bind(self.org())
                .bind(&id)
                .fetch_all(&mut *conn)
                .await?;
            let assignments = docs
                .iter()
                .map(|r| db::from_doc::<Assignment>(&r.try_get::<String, _>(0)?, "assignments"))
                .collect::<Result<Vec<_>>>()?;
            candidates.push(Candidate { class, recency: recency(&assignments) });
            ids.push(id);
        }
        Ok(match decide(&candidates) {
            MatchDecision::Automatic { index } => Ok(ids.swap_remove(index)),
            MatchDecision::NeedsDecision { .. } => Err(RemoteRefusal::Ambiguous),
            MatchDecision::NoMatch => Err(RemoteRefusal::NoMatch),
        })
    }

    /// Stage 1 over a data set another deployment released, verified by the caller: the transfer
    /// row (`source_issuer` set, matched automatically by the previous employer) is created or
    /// found, the preconditions of a local stage 1 checked, and the data set merged and copied with
    /// provenance, all in one transaction. A transfer already done returns its report unchanged.
    pub async fn apply_remote_transfer(
        &self,
        person_id: &str,
        source_issuer: &str,
        pds: &PortableDataSet,
    ) -> Result<std::result::Result<TransferReport, TransferRefusal>> {
        let mut tx = self.begin().await?;
        self.require_person(&mut tx, person_id).await?;
        let existing = sqlx::query(
            "SELECT id FROM transfers WHERE org_id = $1 AND person_id = $2 AND source_org_id = $3 \
             AND source_person_id = $4",
        )
        .bind(self.org())
        .bind(person_id)
        .bind(source_issuer)
        .bind(&pds.source_person_id)
        .fetch_optional(&mut *tx)
        .await?;
        let transfer_id = match existing {
            Some(row) => row.try_get::<String, _>(0)?,
            None => self.insert_remote_transfer(&mut tx, person_id, source_issuer, pds).await?,
        };
        let locked = self.lock_transfer(&mut tx, &transfer_id).await?;
        if matches!(locked.summary.status, TransferStatus::Stage1Done | TransferStatus::Stage2Done) {
            let report = self.report_of(&mut tx, &locked).await?;
            tx.commit().await?;
            return Ok(Ok(report));
        }
        if let Err(refusal) = self.stage1_preconditions(&mut tx, &locked.summary).await? {
            tx.rollback().await?;
            return Ok(Err(refusal));
        }
        let report = self.apply_pds(&mut tx, &locked, pds).await?;
        tx.commit().await?;
        self.store.status_changed();
        Ok(Ok(report))
    }

    async fn insert_remote_transfer(
        &self,
        conn: &mut AnyConnection,
        person_id: &str,
        source_issuer: &str,
        pds: &PortableDataSet,
    ) -> Result<String> {
        let id = db::new_id();
        let now = db::now();
        sqlx::query(
            "INSERT INTO transfers (org_id, id, person_id, source_org_id, source_ods, source_person_id, match_class, \
             status, proposed_by, proposed_at, approved_by, approved_at, source_issuer) \
             VALUES ($1, $2, $3, $4, $5, $6, 'automatic', 'approved', $7, $8, 'automatic', $8, $4)",
        )
        .bind(self.org())
        .bind(&id)
        .bind(person_id)
        .bind(source_issuer)
        .bind(pds.from_ods.as_str())
        .bind(&pds.source_person_id)
        .bind(self.scope.actor().as_audit_text())
        .bind(&now)
        .execute(&mut *conn)
        .await?;
        self.audit(conn, Event::person("transfer.matched_remotely", person_id)).await?;
        Ok(id)
    }
}
