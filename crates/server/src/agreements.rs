//! Workforce sharing agreements on the server: building a party's signature with its organisation
//! key, and verifying a signed agreement against the trust list and the published core terms.
//! The documents and lifecycle rules are `domain::agreement`; the signature formats are
//! `credentials::agreement`; this module joins them to the store and the keys.

use chrono::{NaiveDate, NaiveTime};
use credentials::agreement::{
    AgreementError, AgreementTrust, Expectations, ExpectedWorker, GeneralJws, PartyAction, VerifiedEntry,
    verify_agreement,
};
use credentials::trust::TrustList;
use domain::agreement::{
    AgreementBody, AgreementCover, AgreementDocument, Candidate, Lifecycle, Presenter, Signature, SignerRole,
    TermsFamily, Withdrawal,
};
use domain::org::OdsCode;
use serde::Serialize;
use store::{OrgScope, StoredAgreement};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::ApiError;

/// The end of an agreement's last day, in unix seconds.
fn end_of(day: NaiveDate) -> i64 {
    day.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default()).and_utc().timestamp()
}

/// Who the document says must sign.
pub fn expectations(doc: &AgreementDocument) -> Expectations {
    let worker = match &doc.body {
        AgreementBody::Deployment(d) => Some(ExpectedWorker {
            given_name: d.worker.given_name.clone(),
            family_name: d.worker.family_name.clone(),
            employer_ods: d.employer.ods_code.to_string(),
        }),
        AgreementBody::Umbrella(_) => None,
    };
    Expectations {
        organisations: doc.organisations().iter().map(|p| p.ods_code.to_string()).collect(),
        worker,
        period_end: end_of(doc.period().end),
    }
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(e.to_string())
}

/// The trust list this deployment's verifier uses, as a document.
pub async fn agreement_trust(state: &AppState) -> Result<AgreementTrust, ApiError> {
    let snap = crate::issuer::trust_list(state).await?;
    let now = (state.clock)().timestamp();
    let list = TrustList::verify(&snap.token, &snap.operator_jwk, now).map_err(internal)?;
    AgreementTrust::new(&list).map_err(internal)
}

/// Adds the acting organisation's entry (a signature or a withdrawal) to `stored` and returns the
/// new JWS text and lifecycle; refuses what the lifecycle forbids.
pub async fn org_action(
    state: &AppState,
    scope: &OrgScope,
    ods: &OdsCode,
    stored: &StoredAgreement,
    action: &PartyAction,
) -> Result<(String, Lifecycle), ApiError> {
    let now = (state.clock)();
    let who = SignerRole::Organisation(ods.clone());
    let mut life = stored.lifecycle.clone();
    let conflict = |e: domain::agreement::LifecycleError| ApiError::Conflict {
        field: "state".into(),
        problem: format!("{} ({})", e, e.code()),
    };
    match action {
        PartyAction::Sign => {
            life.can_sign(&stored.document, &who, now.date_naive()).map_err(conflict)?;
            life.signatures.push(Signature::by(who, now));
        }
        PartyAction::Withdraw { reason } => {
            life.can_withdraw(&stored.document, &who, reason).map_err(|e| match e {
                domain::agreement::LifecycleError::ReasonRequired => ApiError::invalid("reason", "must not be empty"),
                other => conflict(other),
            })?;
            life.withdrawal = Some(Withdrawal { by: who, reason: reason.clone(), at: now });
        }
    }
    let mut signed: GeneralJws = serde_json::from_str(&stored.signed).map_err(internal)?;
    let signer = crate::issuer::signer_for(state, scope.org_id()).await?;
    signed.sign_as_organisation(ods.as_str(), action, now.timestamp(), &signer).map_err(internal)?;
    Ok((serde_json::to_string(&signed).map_err(internal)?, life))
}

/// What verification found.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementVerification {
    /// Every signature stands, the terms hash matches the published core terms, and the document
    /// is well formed. A valid agreement may still be incomplete or withdrawn: see `state`.
    pub valid: bool,
    /// Why not, as a stable code (`signature_invalid`, `key_not_trusted`, `worker_mismatch`,
    /// `transaction_data_mismatch`, `terms_hash_mismatch`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Hex SHA-256 of the canonical document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub document: Option<AgreementDocument>,
    /// The verified entries, in order.
    #[schema(value_type = Vec<Object>)]
    pub signatures: Vec<VerifiedEntry>,
    /// Parties that have not signed yet.
    pub awaiting: Vec<String>,
    /// The state the signatures establish today (`draft` when none, `proposed`, `signed`, `active`,
    /// `ended`, `withdrawn`).
    pub state: String,
}

impl AgreementVerification {
    fn refused(code: &str, detail: String) -> Self {
        Self {
            valid: false,
            reason: Some(code.to_owned()),
            detail: Some(detail),
            sha256: None,
            document: None,
            signatures: Vec::new(),
            awaiting: Vec::new(),
            state: "invalid".into(),
        }
    }
}

/// Verifies a signed agreement as any outside party would: trust list, published terms, every
/// signature; then reads the state the signatures establish.
pub async fn verify(state: &AppState, signed: &GeneralJws) -> Result<AgreementVerification, ApiError> {
    let payload = match signed.payload_bytes() {
        Ok(p) => p,
        Err(e) => return Ok(AgreementVerification::refused("malformed", e.to_string())),
    };
    let doc: AgreementDocument = match serde_json::from_slice(&payload) {
        Ok(d) => d,
        Err(e) => return Ok(AgreementVerification::refused("malformed", format!("document: {e}"))),
    };
    let published = state.store.core_terms(&doc.core_terms.id, &doc.core_terms.version).await;
    let family = match published {
        Ok(t) if t.sha256 == doc.core_terms.sha256 => Some(t.family),
        Ok(_) => {
            let detail = "the document's core terms hash differs from the published text".to_owned();
            return Ok(AgreementVerification::refused("terms_hash_mismatch", detail));
        }
        Err(store::StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    if let Err(e) = doc.validate(|_| family) {
        return Ok(AgreementVerification::refused("document_invalid", e.to_string()));
    }
    let trust = agreement_trust(state).await?;
    let entries = match verify_agreement(signed, &expectations(&doc), &trust) {
        Ok(entries) => entries,
        Err(e) => return Ok(refusal(&e)),
    };
    let life = lifecycle_of(&entries);
    let today = state.today();
    let awaiting = doc.required_signers().into_iter().filter(|s| !life.signed_by(s)).map(|s| s.to_string()).collect();
    // No entry means no proposal: `state` reads that as a draft.
    let derived = life.state(&doc, today);
    Ok(AgreementVerification {
        valid: true,
        reason: None,
        detail: None,
        sha256: signed.payload_sha256().ok(),
        document: Some(doc),
        signatures: entries,
        awaiting,
        state: derived.key().into(),
    })
}

fn refusal(e: &AgreementError) -> AgreementVerification {
    AgreementVerification::refused(e.code(), e.to_string())
}

/// The lifecycle facts the verified entries prove (proposal = the first signature).
pub fn lifecycle_of(entries: &[VerifiedEntry]) -> Lifecycle {
    let mut life = Lifecycle::default();
    for e in entries {
        let at = chrono::DateTime::from_timestamp(e.iat, 0).unwrap_or_default();
        let who = if e.party == "worker" {
            SignerRole::Worker
        } else {
            match OdsCode::parse(&e.ods_code) {
                Ok(ods) => SignerRole::Organisation(ods),
                Err(_) => continue,
            }
        };
        life.proposed_at.get_or_insert(at);
        match &e.action {
            PartyAction::Sign => {
                let holder = (e.party == "worker").then(|| e.kid.clone());
                life.signatures.push(Signature { signer: who, signed_at: at, holder });
            }
            PartyAction::Withdraw { reason } => {
                life.withdrawal = Some(Withdrawal { by: who, reason: reason.clone(), at });
            }
        }
    }
    life
}

/// How long after a deployment ends a host's ready-to-work answer still names it as ended.
const ENDED_NAMED_FOR_DAYS: u64 = 365;

/// Whether a deployment covers the worker whose presentation gave `result` (and whose credentials
/// are bound to the key with thumbprint `holder`) for `role_code` at `host`, today.
pub async fn cover(
    state: &AppState,
    scope: &OrgScope,
    host: &OdsCode,
    role_code: &str,
    result: &crate::oid4vp::ReadyResult,
    holder: Option<String>,
) -> Result<AgreementCover, ApiError> {
    let mut employers: Vec<&str> =
        result.requirements.iter().filter_map(|r| r.issued_by.as_ref()).map(|i| i.ods_code.as_str()).collect();
    employers.sort_unstable();
    employers.dedup();
    let today = state.today();
    let since = today - chrono::Days::new(ENDED_NAMED_FOR_DAYS);
    let mut best: Option<AgreementCover> = None;
    for employer in employers {
        let Ok(employer_ods) = OdsCode::parse(employer) else { continue };
        let stored = state.store.agreements(scope).hosted_deployments(employer, since).await?;
        let candidates: Vec<Candidate> =
            stored.iter().map(|a| Candidate { document: &a.document, lifecycle: &a.lifecycle }).collect();
        let presenter = Presenter {
            employer: &employer_ods,
            holder: holder.as_deref(),
            given_name: result.given_name.as_deref(),
            family_name: result.family_name.as_deref(),
        };
        let found = domain::agreement::cover(host, role_code, &presenter, &candidates, today);
        if best.as_ref().is_none_or(|b| found.status < b.status) {
            best = Some(found);
        }
    }
    Ok(best.unwrap_or_else(|| AgreementCover::none("no credential was accepted, so the worker's employer is unknown")))
}

/// Which core terms family a terms reference belongs to, from the registry.
pub async fn terms_family(state: &AppState, id: &str, version: &str) -> Result<Option<TermsFamily>, ApiError> {
    match state.store.core_terms(id, version).await {
        Ok(t) => Ok(Some(t.family)),
        Err(store::StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
