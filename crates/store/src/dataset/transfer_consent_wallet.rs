//! Transfer consent signed with the worker's wallet: the new employer opens a signing request for
//! one applicant ([`Dataset::create_consent_signing_request`]); the wallet answers it once, and the
//! verified answer becomes a consent statement with method `wallet` and, beside it, the proof
//! (presentation and transaction data) that another deployment can check for itself
//! ([`Dataset::record_wallet_consent`], one transaction). Checking the signature is the server's.

use domain::transfer::{ConsentInput, ConsentMethod, ConsentRecord};
use sqlx::{AnyConnection, Row};

use super::Dataset;
use crate::Store;
use crate::audit::Event;
use crate::db;
use crate::error::{Result, StoreError};

/// A request to store.
#[derive(Debug, Clone)]
pub struct NewConsentSigningRequest<'a> {
    pub state: &'a str,
    pub nonce: &'a str,
    /// The encoded transaction data (base64url JSON) the wallet signs.
    pub transaction_data: &'a str,
    /// Unix seconds.
    pub expires_at: i64,
}

/// A stored request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentSigningRequest {
    pub state: String,
    pub org_id: String,
    pub person_id: String,
    pub nonce: String,
    pub transaction_data: String,
    pub expires_at: i64,
    pub answered: bool,
}

/// The wallet's signature behind a consent statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletConsentProof {
    /// The SD-JWT presentation with its KB-JWT.
    pub presentation: String,
    /// The transaction data string the KB-JWT hashes.
    pub transaction_data: String,
    /// RFC 7638 thumbprint of the holder key that signed.
    pub holder: String,
}

impl Dataset<'_> {
    /// Stores a signing request for the applicant `person_id`. Audited as
    /// `transfer.consent_requested`.
    pub async fn create_consent_signing_request(
        &self,
        person_id: &str,
        request: &NewConsentSigningRequest<'_>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        self.require_person(&mut tx, person_id).await?;
        sqlx::query(
            "INSERT INTO consent_signing_requests (state, org_id, person_id, nonce, transaction_data, expires_at, \
             answered_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8)",
        )
        .bind(request.state)
        .bind(self.org())
        .bind(person_id)
        .bind(request.nonce)
        .bind(request.transaction_data)
        .bind(request.expires_at)
        .bind(self.scope.actor().as_audit_text())
        .bind(db::now())
        .execute(&mut *tx)
        .await?;
        self.audit(&mut tx, Event::person("transfer.consent_requested", person_id)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records the verified answer to request `state` of this organisation: the request is marked
    /// answered (`Conflict` on `state` the second time), and the consent statement (`given` or
    /// withdrawn, method `wallet`, evidence the holder key) is stored with its proof, in one
    /// transaction. Audited as a consent statement is.
    pub async fn record_wallet_consent(
        &self,
        state: &str,
        given: bool,
        proof: &WalletConsentProof,
    ) -> Result<ConsentRecord> {
        let mut tx = self.begin().await?;
        let person_id: String = sqlx::query(
            "UPDATE consent_signing_requests SET answered_at = $3 WHERE state = $1 AND org_id = $2 \
             AND answered_at IS NULL RETURNING person_id",
        )
        .bind(state)
        .bind(self.org())
        .bind(db::now())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::Conflict { field: "state".into(), problem: "already answered".into() })?
        .try_get(0)?;
        let evidence: String =
            format!("wallet key {}", proof.holder).chars().take(ConsentInput::EVIDENCE_MAX).collect();
        let input = ConsentInput { given, method: ConsentMethod::Wallet, evidence_ref: Some(evidence) };
        let (seq, record) = self.insert_consent(&mut tx, &person_id, &input).await?;
        sqlx::query(
            "INSERT INTO transfer_consent_proofs (org_id, person_id, seq, presentation, transaction_data, holder) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(self.org())
        .bind(&person_id)
        .bind(seq)
        .bind(&proof.presentation)
        .bind(&proof.transaction_data)
        .bind(&proof.holder)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(record)
    }

    /// The proof behind the person's latest consent statement, when the wallet signed it.
    pub(crate) async fn latest_wallet_proof(
        &self,
        conn: &mut AnyConnection,
        person_id: &str,
    ) -> Result<Option<WalletConsentProof>> {
        let row = sqlx::query(
            "SELECT p.presentation, p.transaction_data, p.holder FROM transfer_consents c \
             LEFT JOIN transfer_consent_proofs p ON p.org_id = c.org_id AND p.person_id = c.person_id AND p.seq = c.seq \
             WHERE c.org_id = $1 AND c.person_id = $2 ORDER BY c.seq DESC LIMIT 1",
        )
        .bind(self.org())
        .bind(person_id)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let presentation: Option<String> = row.try_get(0)?;
        Ok(match presentation {
            Some(presentation) => {
                Some(WalletConsentProof { presentation, transaction_data: row.try_get(1)?, holder: row.try_get(2)? })
            }
            None => None,
        })
    }
}

impl Store {
    /// A consent signing request by its state, for the public wallet-facing endpoints (the state is
    /// the capability: it is only in the QR code shown to the worker). Not audited: it holds no
    /// personal data beyond the employer's name in the transaction data.
    pub async fn consent_signing_request(&self, state: &str) -> Result<ConsentSigningRequest> {
        let row = sqlx::query(
            "SELECT state, org_id, person_id, nonce, transaction_data, expires_at, answered_at \
             FROM consent_signing_requests WHERE state = $1",
        )
        .bind(state)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(ConsentSigningRequest {
            state: row.try_get("state")?,
            org_id: row.try_get("org_id")?,
            person_id: row.try_get("person_id")?,
            nonce: row.try_get("nonce")?,
            transaction_data: row.try_get("transaction_data")?,
            expires_at: row.try_get("expires_at")?,
            answered: row.try_get::<Option<String>, _>("answered_at")?.is_some(),
        })
    }
}
