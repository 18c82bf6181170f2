//! The trust list: registered organisations (ODS code, issuer identifier, public keys, status),
//! signed by the registry operator as a compact JWS with `typ: trustlist+jwt`. This format is
//! ours, not a standard. A verifier trusts an issuer key only when a trust list it verified
//! against the operator's key names both the issuer and the key (DESIGN.md §4).
//!
//! Key rotation: a rotated key stays on the list with `retired_at`; credentials issued before
//! that instant still verify, later ones are refused. A key dropped from the list is untrusted.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::error::{CredentialError, VerifyError};
use crate::jws::{self, CompactJws, Jwk, Signer, VerifyingKey};

/// Media type of our trust list token.
pub const TRUST_LIST_TYP: &str = "trustlist+jwt";

/// An organisation's registration status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrgStatus {
    Active,
    Suspended,
    Removed,
}

/// One issuer key as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedKey {
    /// Public JWK; its `kid` must be set (we use the RFC 7638 thumbprint).
    pub jwk: Jwk,
    /// Unix seconds after which the key signs nothing new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<i64>,
}

/// One registered organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub ods_code: String,
    pub name: String,
    /// The credential issuer identifier (the `iss` of its credentials), an https URL.
    pub issuer: String,
    pub status: OrgStatus,
    pub keys: Vec<ListedKey>,
}

/// The signed document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustList {
    /// The registry operator's identifier.
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
    /// Increases with each publication, so a verifier can refuse to go backwards.
    pub sequence: u64,
    pub organisations: Vec<Organisation>,
}

impl TrustList {
    /// Signs the list with the registry operator's key.
    pub fn sign(&self, operator: &dyn Signer) -> Result<String, CredentialError> {
        let mut header = Map::new();
        header.insert("typ".into(), json!(TRUST_LIST_TYP));
        let payload = serde_json::to_vec(self).map_err(|e| CredentialError::Signing(e.to_string()))?;
        jws::sign_compact(header, &payload, operator)
    }

    /// Verifies a signed list against the operator key the verifier was configured with.
    pub fn verify(token: &str, operator_key: &Jwk, now: i64) -> Result<TrustList, VerifyError> {
        let bad = |why: String| VerifyError::TrustListInvalid(why);
        let jws = CompactJws::parse(token)?;
        if jws.header_str("typ") != Some(TRUST_LIST_TYP) {
            return Err(bad("typ is not trustlist+jwt".into()));
        }
        let key = VerifyingKey::from_jwk(operator_key).map_err(|e| bad(format!("operator key: {e}")))?;
        let sig_ok =
            jws.verify_with(&key).map_err(|e| VerifyError::TrustListSignatureInvalid(e.detail().to_owned()))?;
        if !sig_ok {
            return Err(VerifyError::TrustListSignatureInvalid(
                "signature does not verify under the operator key".into(),
            ));
        }
        let list: TrustList = serde_json::from_slice(&jws.payload).map_err(|e| bad(format!("payload: {e}")))?;
        if list.exp <= now {
            return Err(VerifyError::TrustListExpired(format!("exp {}", list.exp)));
        }
        Ok(list)
    }
}

/// What a trust lookup yields for one (issuer, kid).
#[derive(Debug, Clone)]
pub struct ResolvedKey {
    pub ods_code: String,
    pub organisation: String,
    pub key: Arc<VerifyingKey>,
    pub retired_at: Option<i64>,
}

/// Where the verifier finds issuer keys. The server backs it with a verified, cached trust list
/// (usually a [`TrustIndex`]); tests use one built in memory.
pub trait TrustSource: Send + Sync {
    /// Resolves `kid` of issuer `iss`, or says why not: `issuer_not_trusted`,
    /// `issuer_suspended`, `key_not_trusted`.
    fn resolve(&self, iss: &str, kid: &str) -> Result<ResolvedKey, VerifyError>;
}

struct IndexedOrg {
    ods_code: String,
    name: String,
    status: OrgStatus,
    keys: HashMap<String, (Arc<VerifyingKey>, Option<i64>)>,
}

/// A verified trust list indexed by issuer and kid, keys parsed once.
pub struct TrustIndex {
    by_issuer: HashMap<String, IndexedOrg>,
    pub sequence: u64,
}

impl TrustIndex {
    /// Indexes a list; a listed key we cannot parse makes the whole list invalid.
    pub fn new(list: &TrustList) -> Result<Self, VerifyError> {
        let mut by_issuer = HashMap::new();
        for org in &list.organisations {
            let mut keys = HashMap::new();
            for k in &org.keys {
                let kid = k
                    .jwk
                    .kid
                    .clone()
                    .ok_or_else(|| VerifyError::TrustListInvalid(format!("{}: key without kid", org.ods_code)))?;
                let vk = VerifyingKey::from_jwk(&k.jwk)
                    .map_err(|e| VerifyError::TrustListInvalid(format!("{}: {e}", org.ods_code)))?;
                keys.insert(kid, (Arc::new(vk), k.retired_at));
            }
            let entry = IndexedOrg { ods_code: org.ods_code.clone(), name: org.name.clone(), status: org.status, keys };
            if by_issuer.insert(org.issuer.clone(), entry).is_some() {
                return Err(VerifyError::TrustListInvalid(format!("issuer {} listed twice", org.issuer)));
            }
        }
        Ok(Self { by_issuer, sequence: list.sequence })
    }

    /// Whether the list names issuer `iss` (whatever its status): a verifier fetches documents
    /// (status lists) only for issuers it could trust.
    pub fn lists_issuer(&self, iss: &str) -> bool {
        self.by_issuer.contains_key(iss)
    }

    /// The issuer identifier of the organisation the list names with ODS code `ods` (a scan:
    /// a list holds a few hundred organisations).
    pub fn issuer_of_ods(&self, ods: &str) -> Option<&str> {
        self.by_issuer.iter().find(|(_, org)| org.ods_code == ods).map(|(iss, _)| iss.as_str())
    }

    /// Verifies and indexes a signed list in one step.
    pub fn from_signed(token: &str, operator_key: &Jwk, now: i64) -> Result<Self, VerifyError> {
        Self::new(&TrustList::verify(token, operator_key, now)?)
    }
}

impl TrustSource for TrustIndex {
    fn resolve(&self, iss: &str, kid: &str) -> Result<ResolvedKey, VerifyError> {
        let org = self.by_issuer.get(iss).ok_or_else(|| VerifyError::IssuerNotTrusted(format!("issuer {iss}")))?;
        match org.status {
            OrgStatus::Active => {}
            OrgStatus::Suspended => return Err(VerifyError::IssuerSuspended(format!("ODS {}", org.ods_code))),
            OrgStatus::Removed => {
                return Err(VerifyError::IssuerNotTrusted(format!("ODS {} was removed", org.ods_code)));
            }
        }
        let (key, retired_at) = org.keys.get(kid).ok_or_else(|| VerifyError::KeyNotTrusted(format!("kid {kid}")))?;
        Ok(ResolvedKey {
            ods_code: org.ods_code.clone(),
            organisation: org.name.clone(),
            key: key.clone(),
            retired_at: *retired_at,
        })
    }
}

/// Convenience for serialising the list as plain JSON (e.g. for display).
pub fn to_json(list: &TrustList) -> Value {
    serde_json::to_value(list).unwrap_or(Value::Null)
}
