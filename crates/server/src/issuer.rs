//! Glue between the records, the store's credential ledger and the credential engine: issuer and
//! operator keys (generated on first use, kept in the store, never rendered), issuing a passport
//! credential, status list tokens, the signed trust list (cached in process) and verification.
//!
//! URL layout, all under the deployment's public URL (`AppState::public_url`):
//! - issuer identifier of an organisation: `{base}/issuers/{ODS}`, its JWT VC issuer metadata at
//!   `{base}/.well-known/jwt-vc-issuer/issuers/{ODS}` (SD-JWT VC draft -26 §5: the well-known
//!   segment goes between host and path, so the public URL must not carry a path of its own);
//! - status lists: `{base}/statuslists/{ODS}/{list}`; type metadata: `{base}/vct/staff-passport/{slug}`;
//! - the registry operator's trust list: `{base}/trust-list`, its key at `{base}/trust-list/jwks`.
//!
//! Handlers call these functions; nothing here knows HTTP beyond returning [`ApiError`].

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use credentials::jws::{Jwk, Signer};
use credentials::sdjwt::SdPlan;
use credentials::status::StatusRef;
use credentials::trust::{self, ListedKey, TrustIndex, TrustList};
use credentials::vc::{VcSpec, issue_vc};
use credentials::verify::{Verified, VerifyOptions, verify_presentation};
use credentials::{CredentialError, VerifyError};
use domain::cstf::Catalogue;
use domain::passport::{self, PassportInput, PassportPolicy, PassportType, Sourced};
use store::{IssueOutcome, IssuedCredential, OrgScope, Page, REGISTRY_CHAIN, Record};
use tokio::sync::RwLock;

use crate::AppState;
use crate::error::ApiError;
use crate::keys::KeySigner;

pub use crate::status_lists::{STATUS_LIST_TTL_SECS, token as status_list_token, uri as status_list_uri};
/// How long a trust list we sign stays valid, and how long this process reuses its own copy.
const TRUST_LIST_LIFETIME_SECS: i64 = 24 * 3600;
/// Freshness is measured on the monotonic clock: the business clock may be fixed (tests) or jump.
const TRUST_CACHE_FOR: std::time::Duration = std::time::Duration::from_secs(60);

/// The trust list as last signed, and its index, shared by every request of this process.
pub struct TrustSnapshot {
    pub token: String,
    pub operator_jwk: Jwk,
    pub index: TrustIndex,
    built_at: std::time::Instant,
}

/// Process-wide caches; cleared whenever this process adds or rotates a key.
#[derive(Default)]
pub struct IssuerCache {
    trust: RwLock<Option<Arc<TrustSnapshot>>>,
}

impl IssuerCache {
    pub async fn invalidate(&self) {
        *self.trust.write().await = None;
    }
}

pub fn issuer_id(base: &str, ods: &str) -> String {
    format!("{base}/issuers/{ods}")
}

fn internal(e: CredentialError) -> ApiError {
    ApiError::Internal(e.to_string())
}

/// The owner's signing key (an organisation id or the registry chain), from the key store
/// ([`AppState::keys`]), generated and stored on first use.
pub async fn signer_for(state: &AppState, owner: &str) -> Result<KeySigner, ApiError> {
    let obtained = state.keys.signer(owner).await?;
    if obtained.created {
        state.issuer_cache.invalidate().await;
    }
    Ok(obtained.signer)
}

/// Retires the organisation's signing key and makes a fresh one; returns the new public key.
pub async fn rotate_key(state: &AppState, scope: &OrgScope) -> Result<(Jwk, DateTime<Utc>), ApiError> {
    let (jwk, stored) = state.keys.rotate(scope).await?;
    state.issuer_cache.invalidate().await;
    Ok((jwk, stored.created_at))
}

fn sourced<T: Clone>(records: &[Record<T>]) -> Vec<Sourced<T>> {
    records.iter().map(|r| Sourced { id: r.id.clone(), value: r.value.clone() }).collect()
}

/// Whether every one of `kinds` could be issued from `record` on `today` by the same mapping [`issue`]
/// signs with, for tools that pick a worker to offer credentials to (the demo). Records carry no
/// store ids here; the mapping only needs them to be distinct.
pub fn issuable(
    record: &domain::compliance::PersonRecord,
    employer_ods: &str,
    employer_name: &str,
    kinds: &[PassportType],
    today: chrono::NaiveDate,
) -> bool {
    fn by_position<T: Clone>(items: &[T]) -> Vec<Sourced<T>> {
        items.iter().enumerate().map(|(i, v)| Sourced { id: i.to_string(), value: v.clone() }).collect()
    }
    let (checks, competences) = (by_position(&record.checks), by_position(&record.competences));
    let (immunisations, assignments) = (by_position(&record.immunisations), by_position(&record.assignments));
    let oh = record.oh_clearance.clone().map(|value| Sourced { id: "oh".into(), value });
    let input = PassportInput {
        person: Some(&record.person),
        employer_ods,
        employer_name,
        checks: &checks,
        competences: &competences,
        immunisations: &immunisations,
        assignments: &assignments,
        oh_clearance: oh.as_ref(),
    };
    let (catalogue, policy) = (Catalogue::national(), PassportPolicy::default());
    !kinds.is_empty() && kinds.iter().all(|kind| passport::map(*kind, &input, &catalogue, &policy, today).is_ok())
}

/// Issues a `kind` credential to a person of the caller's dataset, bound to `holder`.
pub async fn issue(
    state: &AppState,
    scope: &OrgScope,
    person_id: &str,
    kind: PassportType,
    holder: Jwk,
) -> Result<(IssuedCredential, String), ApiError> {
    let org = state.store.registry().get_organisation(scope.org_id()).await?;
    signer_for(state, scope.org_id()).await?;
    let base = state.public_url().to_owned();
    let ods = org.ods_code.as_str().to_owned();
    let now = (state.clock)();
    let today = now.date_naive();
    state
        .store
        .dataset(scope)
        .issue_credential(person_id, |slot| {
            let key = state.keys.open(slot.key)?;
            let s = slot.sources;
            let (checks, competences) = (sourced(&s.checks), sourced(&s.competences));
            let (immunisations, assignments) = (sourced(&s.immunisations), sourced(&s.assignments));
            let oh = s.oh_clearance.as_ref().map(|r| Sourced { id: r.id.clone(), value: r.value.clone() });
            let input = PassportInput {
                person: Some(&s.person.value),
                employer_ods: &ods,
                employer_name: &org.name,
                checks: &checks,
                competences: &competences,
                immunisations: &immunisations,
                assignments: &assignments,
                oh_clearance: oh.as_ref(),
            };
            let mapped = passport::map(kind, &input, &Catalogue::national(), &PassportPolicy::default(), today)?;
            let exp = passport::exp_of(mapped.valid_until);
            let claims = mapped.to_json();
            let sd = SdPlan::all_members(&claims, 2);
            let spec = VcSpec {
                iss: issuer_id(&base, &ods),
                vct: kind.vct(),
                iat: now.timestamp(),
                nbf: None,
                exp: Some(exp),
                cnf: Some(holder),
                status: Some(StatusRef { idx: slot.index as u64, uri: status_list_uri(&base, &ods, slot.list_id) }),
                claims,
                sd,
            };
            let credential = issue_vc(&spec, &key, &mut rand::thread_rng()).map_err(internal)?;
            Ok::<_, ApiError>(IssueOutcome {
                credential_type: kind.key().to_owned(),
                vct: spec.vct,
                sources: mapped.sources,
                issued_at: now,
                expires_at: DateTime::from_timestamp(exp, 0),
                value: credential,
            })
        })
        .await
        .inspect(|_| crate::metrics::credential_issued(kind.key()))
}

/// The trust list as this process last signed it, rebuilt when a key changed or after a minute.
pub async fn trust_list(state: &AppState) -> Result<Arc<TrustSnapshot>, ApiError> {
    let now = (state.clock)().timestamp();
    if let Some(snap) = state.issuer_cache.trust.read().await.as_ref()
        && snap.built_at.elapsed() < TRUST_CACHE_FOR
    {
        return Ok(snap.clone());
    }
    let operator = signer_for(state, REGISTRY_CHAIN).await?;
    let base = state.public_url().to_owned();
    let mut by_owner: HashMap<String, Vec<ListedKey>> = HashMap::new();
    for key in state.store.issuing().all_public_keys().await? {
        let jwk: Jwk = serde_json::from_str(&key.public_jwk).map_err(|e| ApiError::Internal(e.to_string()))?;
        by_owner
            .entry(key.owner)
            .or_default()
            .push(ListedKey { jwk, retired_at: key.retired_at.map(|t| t.timestamp()) });
    }
    let mut organisations = Vec::new();
    let mut page = Page { after: None, limit: store::MAX_PAGE };
    loop {
        let batch = state.store.registry().list_organisations(&page).await?;
        for org in batch.items {
            organisations.push(trust::Organisation {
                ods_code: org.ods_code.as_str().to_owned(),
                name: org.name,
                issuer: issuer_id(&base, org.ods_code.as_str()),
                status: match org.status {
                    store::OrgStatus::Active => trust::OrgStatus::Active,
                    store::OrgStatus::Suspended => trust::OrgStatus::Suspended,
                },
                keys: by_owner.remove(&org.id).unwrap_or_default(),
            });
        }
        match batch.next {
            Some(next) => page.after = Some(next),
            None => break,
        }
    }
    let list = TrustList {
        iss: base.clone(),
        iat: now,
        exp: now + TRUST_LIST_LIFETIME_SECS,
        sequence: now.max(0) as u64,
        organisations,
    };
    let token = list.sign(&operator).map_err(internal)?;
    let operator_jwk = operator.public_jwk();
    // Index what we signed exactly as an outside verifier would: through the signature check.
    let index = TrustIndex::from_signed(&token, &operator_jwk, now)
        .map_err(|e| ApiError::Internal(format!("own trust list: {e}")))?;
    let snap = Arc::new(TrustSnapshot { token, operator_jwk, index, built_at: std::time::Instant::now() });
    *state.issuer_cache.trust.write().await = Some(snap.clone());
    Ok(snap)
}

/// Verifies a presentation against every trust list we trust and the status list its issuer
/// signed. The outer error is a failure of ours (500); the inner one is the rejection reason.
pub async fn verify(
    state: &AppState,
    presentation: &str,
    nonce: Option<&str>,
    aud: Option<&str>,
) -> Result<Result<Verified, VerifyError>, ApiError> {
    let trust = crate::federation::trust(state).await?;
    let statuses = crate::status_lists::for_presentations(state, [presentation], &trust).await?;
    let now = (state.clock)().timestamp();
    let mut opts = VerifyOptions::new(now, nonce.unwrap_or_default(), aud.unwrap_or_default());
    opts.expected_nonce = nonce.map(str::to_owned);
    opts.expected_aud = aud.map(str::to_owned);
    // Without a nonce there is nothing to bind to: the caller asked for a plain credential check.
    opts.require_key_binding = nonce.is_some();
    Ok(verify_presentation(presentation, &opts, &trust, &statuses))
}
