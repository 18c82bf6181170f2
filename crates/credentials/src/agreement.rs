//! Signed workforce sharing agreements: the agreement's RFC 8785 canonical JSON is the payload of
//! a JWS in the JSON General Serialization (RFC 7515 §7.2.1), with one entry in `signatures` per
//! party action (signing, or withdrawing with a reason).
//!
//! Two kinds of entry:
//! - **organisation**: an ordinary JWS signature over the payload by an organisation key. Its
//!   protected header names `party: "organisation"`, the `ods_code`, the `action`, a `reason` for
//!   a withdrawal and `iat`; the key must be on the trust list for that organisation and not
//!   retired before `iat`.
//! - **worker**: the worker signs with the holder key their passport credentials are bound to,
//!   through OpenID4VP 1.0 transaction data (§5.1, and §B.3.3 for SD-JWT VC): the request carries
//!   [`AgreementTransactionData`] naming the agreement's SHA-256, and the wallet's KB-JWT returns
//!   its hash in `transaction_data_hashes`. The entry *is* that KB-JWT: `protected` and
//!   `signature` are the KB-JWT's own header and signature segments, and the unprotected header
//!   carries the KB-JWT payload segment, the presented SD-JWT (issuer-signed JWT and disclosures)
//!   and the transaction data string. Its signing input is therefore the KB-JWT's, not the
//!   agreement payload; the agreement is bound through the hash chain payload → transaction data
//!   → `transaction_data_hashes` → KB-JWT signature → `cnf` of a credential the employer issued.
//!
//! This module knows nothing of the domain's agreement types: callers say which parties to expect
//! ([`Expectations`]). It never reads a clock.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::b64;
use crate::error::{CredentialError, VerifyError};
use crate::jws::{self, CompactJws, Signer, VerifyingKey};
use crate::sdjwt;
use crate::trust::{OrgStatus, TrustIndex, TrustList};
use crate::verify::{StatusSource, VerifyOptions, verify_presentation};

/// The `type` of our transaction data object (OpenID4VP 1.0 §5.1 `transaction_data`).
pub const TRANSACTION_DATA_TYPE: &str = "staff_passport_agreement";

/// RFC 8785 canonical JSON of `value`.
pub fn canonical_json<T: Serialize>(value: &T) -> Result<Vec<u8>, CredentialError> {
    serde_json_canonicalizer::to_vec(value).map_err(|e| CredentialError::Signing(format!("canonical JSON: {e}")))
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex_lower(&Sha256::digest(bytes))
}

fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes.iter().flat_map(|b| [DIGITS[usize::from(b >> 4)] as char, DIGITS[usize::from(b & 15)] as char]).collect()
}

/// One entry of `signatures` (RFC 7515 §7.2.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwsSignature {
    pub protected: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<Map<String, Value>>,
    pub signature: String,
}

/// A JWS in the JSON General Serialization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeneralJws {
    pub payload: String,
    pub signatures: Vec<JwsSignature>,
}

/// What a party does with its entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum PartyAction {
    Sign,
    Withdraw { reason: String },
}

impl PartyAction {
    /// The action in words, for a wallet to show: "Sign" or "Withdraw (because …) from".
    pub fn verb(&self) -> String {
        match self {
            PartyAction::Sign => "Sign".to_owned(),
            PartyAction::Withdraw { reason } => format!("Withdraw (because {reason}) from"),
        }
    }

    fn to_header(&self, header: &mut Map<String, Value>) {
        match self {
            PartyAction::Sign => {
                header.insert("action".into(), json!("sign"));
            }
            PartyAction::Withdraw { reason } => {
                header.insert("action".into(), json!("withdraw"));
                header.insert("reason".into(), json!(reason));
            }
        }
    }

    fn from_object(obj: &Map<String, Value>) -> Result<Self, VerifyError> {
        match obj.get("action").and_then(Value::as_str) {
            Some("sign") => Ok(PartyAction::Sign),
            Some("withdraw") => match obj.get("reason").and_then(Value::as_str) {
                Some(r) if !r.trim().is_empty() => Ok(PartyAction::Withdraw { reason: r.to_owned() }),
                _ => Err(VerifyError::Malformed("a withdrawal carries no reason".into())),
            },
            other => Err(VerifyError::Malformed(format!("unknown action {other:?}"))),
        }
    }
}

impl GeneralJws {
    /// An unsigned envelope around the canonical JSON of `document`.
    pub fn new<T: Serialize>(document: &T) -> Result<Self, CredentialError> {
        Ok(Self { payload: b64::encode(canonical_json(document)?), signatures: Vec::new() })
    }

    /// The payload bytes (the canonical document).
    pub fn payload_bytes(&self) -> Result<Vec<u8>, VerifyError> {
        b64::decode(&self.payload).ok_or_else(|| VerifyError::Malformed("payload is not base64url".into()))
    }

    /// Hex SHA-256 of the payload bytes: what the worker's transaction data names.
    pub fn payload_sha256(&self) -> Result<String, VerifyError> {
        Ok(sha256_hex(&self.payload_bytes()?))
    }

    /// Adds an organisation's entry signed by `signer` at `iat` (unix seconds).
    pub fn sign_as_organisation(
        &mut self,
        ods_code: &str,
        action: &PartyAction,
        iat: i64,
        signer: &dyn Signer,
    ) -> Result<(), CredentialError> {
        let mut header = Map::new();
        header.insert("party".into(), json!("organisation"));
        header.insert("ods_code".into(), json!(ods_code));
        header.insert("iat".into(), json!(iat));
        action.to_header(&mut header);
        let payload = self.payload_bytes().map_err(|e| CredentialError::Signing(e.to_string()))?;
        let compact = jws::sign_compact(header, &payload, signer)?;
        let mut parts = compact.split('.');
        let (Some(protected), Some(_), Some(signature)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(CredentialError::Signing("compact JWS without three parts".into()));
        };
        self.signatures.push(JwsSignature { protected: protected.into(), header: None, signature: signature.into() });
        Ok(())
    }

    /// Adds the worker's entry from their wallet's answer: the presentation (SD-JWT with KB-JWT)
    /// and the transaction data string it was asked to sign. Checked when verified, not here.
    pub fn add_worker_entry(&mut self, presentation: &str, transaction_data: &str) -> Result<(), VerifyError> {
        let parts = sdjwt::split(presentation.trim())?;
        let kb = parts
            .kb_jwt
            .ok_or_else(|| VerifyError::KeyBindingRequired("the worker's presentation has no KB-JWT".into()))?;
        let mut segs = kb.split('.');
        let (Some(h), Some(p), Some(s), None) = (segs.next(), segs.next(), segs.next(), segs.next()) else {
            return Err(VerifyError::Malformed("KB-JWT needs three parts".into()));
        };
        let mut header = Map::new();
        header.insert("party".into(), json!("worker"));
        header.insert("kb_payload".into(), json!(p));
        header.insert("sd_jwt".into(), json!(parts.presented));
        header.insert("transaction_data".into(), json!(transaction_data));
        self.signatures.push(JwsSignature { protected: h.into(), header: Some(header), signature: s.into() });
        Ok(())
    }
}

/// The transaction data the verifier puts in an OpenID4VP request for the worker to sign
/// (encoded as base64url JSON, OpenID4VP 1.0 §5.1). A wallet shows `summary` before signing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementTransactionData {
    #[serde(rename = "type")]
    pub td_type: String,
    /// DCQL credential query ids the KB-JWT may come from (§5.1).
    pub credential_ids: Vec<String>,
    pub agreement_id: String,
    pub version: u32,
    /// Hex SHA-256 of the agreement's canonical JSON.
    pub agreement_sha256: String,
    #[serde(flatten)]
    pub action: PartyAction,
    /// The terms in words: who, where, when, under which core terms.
    pub summary: String,
}

impl AgreementTransactionData {
    /// The base64url string placed in `transaction_data`.
    pub fn encode(&self) -> Result<String, CredentialError> {
        Ok(b64::encode(serde_json::to_vec(self).map_err(|e| CredentialError::Signing(e.to_string()))?))
    }

    pub fn decode(text: &str) -> Result<Self, VerifyError> {
        let bytes =
            b64::decode(text).ok_or_else(|| VerifyError::Malformed("transaction data is not base64url".into()))?;
        let td: Self =
            serde_json::from_slice(&bytes).map_err(|e| VerifyError::Malformed(format!("transaction data: {e}")))?;
        if td.td_type != TRANSACTION_DATA_TYPE {
            return Err(VerifyError::Malformed(format!("transaction data type {:?}", td.td_type)));
        }
        Ok(td)
    }
}

/// The hash a KB-JWT lists in `transaction_data_hashes` (OpenID4VP 1.0 §B.3.3).
pub use crate::oid4vc::transaction_data::hash as transaction_data_hash;

/// Why an agreement's signatures do not stand; each has a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgreementError {
    #[error("malformed: {0}")]
    Malformed(String),
    #[error("the payload is not RFC 8785 canonical JSON")]
    NotCanonical,
    #[error("signature {0} does not verify")]
    SignatureInvalid(usize),
    #[error("signature {0}: {1} is not a party to the agreement")]
    NotAParty(usize, String),
    #[error("signature {0}: organisation {1} is not on the trust list, or not active")]
    OrganisationNotTrusted(usize, String),
    #[error("signature {0}: key {1} is not on the trust list for that organisation")]
    KeyNotTrusted(usize, String),
    #[error("signature {0}: key was retired before the signature was made")]
    KeyRetired(usize),
    #[error("signature {0}: the worker's credential does not verify: {1}")]
    WorkerCredentialInvalid(usize, String),
    #[error("signature {0}: the worker's credential was not issued by the employing organisation")]
    WorkerNotEmployersCredential(usize),
    #[error("signature {0}: the credential's holder is not the agreement's worker")]
    WorkerMismatch(usize),
    #[error("signature {0}: the KB-JWT does not sign this agreement's transaction data")]
    TransactionDataMismatch(usize),
    #[error("signature {0}: made after the agreement was withdrawn")]
    SignedAfterWithdrawal(usize),
    #[error("signature {0}: made after the agreement's end")]
    SignedAfterEnd(usize),
    #[error("signature {0}: {1} signed twice")]
    Duplicate(usize, String),
}

impl AgreementError {
    pub fn code(&self) -> &'static str {
        match self {
            AgreementError::Malformed(_) => "malformed",
            AgreementError::NotCanonical => "payload_not_canonical",
            AgreementError::SignatureInvalid(_) => "signature_invalid",
            AgreementError::NotAParty(..) => "not_a_party",
            AgreementError::OrganisationNotTrusted(..) => "organisation_not_trusted",
            AgreementError::KeyNotTrusted(..) => "key_not_trusted",
            AgreementError::KeyRetired(_) => "key_retired_before_signing",
            AgreementError::WorkerCredentialInvalid(..) => "worker_credential_invalid",
            AgreementError::WorkerNotEmployersCredential(_) => "worker_credential_not_from_employer",
            AgreementError::WorkerMismatch(_) => "worker_mismatch",
            AgreementError::TransactionDataMismatch(_) => "transaction_data_mismatch",
            AgreementError::SignedAfterWithdrawal(_) => "signed_after_withdrawal",
            AgreementError::SignedAfterEnd(_) => "signed_after_end",
            AgreementError::Duplicate(..) => "duplicate_signature",
        }
    }
}

/// Who the agreement says the parties are, read from the document by the caller.
#[derive(Debug, Clone)]
pub struct Expectations {
    /// ODS codes of every organisation party.
    pub organisations: Vec<String>,
    /// For a deployment: the worker and their employer.
    pub worker: Option<ExpectedWorker>,
    /// The end of the agreement's period, unix seconds (end of its last day).
    pub period_end: i64,
}

#[derive(Debug, Clone)]
pub struct ExpectedWorker {
    pub given_name: String,
    pub family_name: String,
    pub employer_ods: String,
}

/// One verified entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifiedEntry {
    /// `organisation` or `worker`.
    pub party: String,
    /// The organisation's ODS code, or the employer's for the worker.
    pub ods_code: String,
    #[serde(flatten)]
    pub action: PartyAction,
    /// When it was made (unix seconds): `iat` of the header or the KB-JWT.
    pub iat: i64,
    /// The key's `kid` (organisations) or the holder key's thumbprint (worker).
    pub kid: String,
}

struct OrgKeys {
    status: OrgStatus,
    keys: HashMap<String, (Arc<VerifyingKey>, Option<i64>)>,
}

/// A verified trust list indexed for agreements: organisation keys by ODS code, issuers by `iss`.
pub struct AgreementTrust {
    orgs: HashMap<String, OrgKeys>,
    issuers: TrustIndex,
}

impl AgreementTrust {
    pub fn new(list: &TrustList) -> Result<Self, VerifyError> {
        let mut orgs = HashMap::new();
        for org in &list.organisations {
            let mut keys = HashMap::new();
            for k in &org.keys {
                let Some(kid) = k.jwk.kid.clone() else { continue };
                let vk = VerifyingKey::from_jwk(&k.jwk).map_err(VerifyError::TrustListInvalid)?;
                keys.insert(kid, (Arc::new(vk), k.retired_at));
            }
            orgs.insert(org.ods_code.clone(), OrgKeys { status: org.status, keys });
        }
        Ok(Self { orgs, issuers: TrustIndex::new(list)? })
    }
}

/// The worker's credential's status is not part of the signature's meaning (it was bound when
/// signed); the presentation is verified as of the KB-JWT's `iat` with every status read as valid.
pub(crate) struct NoStatus;

impl StatusSource for NoStatus {
    fn status(&self, _iss: &str, _uri: &str, _idx: u64) -> Result<u8, VerifyError> {
        Ok(0)
    }
}

/// Verifies every entry of `signed` against `trust` and `expect`. Returns the entries in order, or
/// the first reason one does not stand. Whether every party has signed is the caller's question.
pub fn verify_agreement(
    signed: &GeneralJws,
    expect: &Expectations,
    trust: &AgreementTrust,
) -> Result<Vec<VerifiedEntry>, AgreementError> {
    let malformed = |e: VerifyError| AgreementError::Malformed(e.to_string());
    let payload = signed.payload_bytes().map_err(malformed)?;
    let value: Value =
        serde_json::from_slice(&payload).map_err(|e| AgreementError::Malformed(format!("payload: {e}")))?;
    if canonical_json(&value).map_err(|e| AgreementError::Malformed(e.to_string()))? != payload {
        return Err(AgreementError::NotCanonical);
    }
    let digest = sha256_hex(&payload);
    let mut out: Vec<VerifiedEntry> = Vec::new();
    for (i, entry) in signed.signatures.iter().enumerate() {
        let verified = match entry.header.as_ref().and_then(|h| h.get("party")).and_then(Value::as_str) {
            Some("worker") => verify_worker(i, entry, &digest, expect, trust)?,
            None => verify_organisation(i, entry, &signed.payload, expect, trust)?,
            Some(other) => return Err(AgreementError::Malformed(format!("signature {i}: unknown party {other:?}"))),
        };
        if verified.iat > expect.period_end && verified.action == PartyAction::Sign {
            return Err(AgreementError::SignedAfterEnd(i));
        }
        let same_party = |e: &VerifiedEntry| e.party == verified.party && e.ods_code == verified.ods_code;
        if out.iter().any(|e| same_party(e) && e.action == PartyAction::Sign) && verified.action == PartyAction::Sign {
            return Err(AgreementError::Duplicate(i, verified.party.clone()));
        }
        let withdrawn_at = out.iter().find(|e| matches!(e.action, PartyAction::Withdraw { .. })).map(|w| w.iat);
        if withdrawn_at.is_some_and(|at| verified.iat >= at || verified.action != PartyAction::Sign) {
            return Err(AgreementError::SignedAfterWithdrawal(i));
        }
        out.push(verified);
    }
    Ok(out)
}

fn decode_header(protected: &str) -> Result<Map<String, Value>, AgreementError> {
    let bytes = b64::decode(protected).ok_or_else(|| AgreementError::Malformed("protected is not base64url".into()))?;
    crate::json::object_from_slice(&bytes).map_err(|e| AgreementError::Malformed(format!("protected: {e}")))
}

fn verify_organisation(
    i: usize,
    entry: &JwsSignature,
    payload: &str,
    expect: &Expectations,
    trust: &AgreementTrust,
) -> Result<VerifiedEntry, AgreementError> {
    let header = decode_header(&entry.protected)?;
    if header.get("party").and_then(Value::as_str) != Some("organisation") {
        return Err(AgreementError::Malformed(format!("signature {i}: protected header names no party")));
    }
    let ods = header.get("ods_code").and_then(Value::as_str).unwrap_or_default().to_owned();
    let kid = header.get("kid").and_then(Value::as_str).unwrap_or_default().to_owned();
    let iat = header.get("iat").and_then(Value::as_i64).ok_or_else(|| AgreementError::Malformed("iat".into()))?;
    let action = PartyAction::from_object(&header).map_err(|e| AgreementError::Malformed(e.to_string()))?;
    if !expect.organisations.contains(&ods) {
        return Err(AgreementError::NotAParty(i, format!("organisation {ods}")));
    }
    let org = trust.orgs.get(&ods).filter(|o| o.status == OrgStatus::Active);
    let org = org.ok_or_else(|| AgreementError::OrganisationNotTrusted(i, ods.clone()))?;
    let (key, retired_at) = org.keys.get(&kid).ok_or_else(|| AgreementError::KeyNotTrusted(i, kid.clone()))?;
    if retired_at.is_some_and(|r| r <= iat) {
        return Err(AgreementError::KeyRetired(i));
    }
    let compact = format!("{}.{}.{}", entry.protected, payload, entry.signature);
    let jws = CompactJws::parse(&compact).map_err(|e| AgreementError::Malformed(e.to_string()))?;
    if !jws.verify_with(key).unwrap_or(false) {
        return Err(AgreementError::SignatureInvalid(i));
    }
    Ok(VerifiedEntry { party: "organisation".into(), ods_code: ods, action, iat, kid })
}

fn verify_worker(
    i: usize,
    entry: &JwsSignature,
    digest: &str,
    expect: &Expectations,
    trust: &AgreementTrust,
) -> Result<VerifiedEntry, AgreementError> {
    let worker = expect.worker.as_ref().ok_or_else(|| AgreementError::NotAParty(i, "a worker".into()))?;
    let header = entry.header.as_ref().ok_or_else(|| AgreementError::Malformed("worker header".into()))?;
    let text = |name: &str| {
        header
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| AgreementError::Malformed(format!("signature {i}: {name} missing")))
    };
    let (kb_payload, sd_jwt, td_text) = (text("kb_payload")?, text("sd_jwt")?, text("transaction_data")?);
    let kb_bytes = b64::decode(kb_payload).ok_or_else(|| AgreementError::Malformed("kb_payload".into()))?;
    let kb: Map<String, Value> =
        crate::json::object_from_slice(&kb_bytes).map_err(|e| AgreementError::Malformed(format!("KB-JWT: {e}")))?;
    let kb_str = |name: &str| kb.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
    let iat = kb.get("iat").and_then(Value::as_i64).ok_or_else(|| AgreementError::Malformed("KB-JWT iat".into()))?;

    // The credential, its issuer and the KB-JWT signature, as of the moment it was signed.
    let presentation = format!("{sd_jwt}{}.{kb_payload}.{}", entry.protected, entry.signature);
    let mut opts = VerifyOptions::new(iat, kb_str("nonce"), kb_str("aud"));
    opts.iat_window = 60;
    let verified = verify_presentation(&presentation, &opts, &trust.issuers, &NoStatus).map_err(|e| {
        if e.code() == "kb_signature_invalid" {
            AgreementError::SignatureInvalid(i)
        } else {
            AgreementError::WorkerCredentialInvalid(i, format!("{}: {}", e.code(), e.detail()))
        }
    })?;
    if verified.ods_code != worker.employer_ods {
        return Err(AgreementError::WorkerNotEmployersCredential(i));
    }
    let same = |claim: &str, want: &str| {
        verified.claims.get(claim).and_then(Value::as_str).is_some_and(|v| v.trim().eq_ignore_ascii_case(want.trim()))
    };
    if !(same("given_name", &worker.given_name) && same("family_name", &worker.family_name)) {
        return Err(AgreementError::WorkerMismatch(i));
    }

    // The agreement, bound through the transaction data the KB-JWT hashes.
    let td = AgreementTransactionData::decode(td_text).map_err(|e| AgreementError::Malformed(e.to_string()))?;
    let hashes = kb.get("transaction_data_hashes").and_then(Value::as_array);
    let listed = hashes.is_some_and(|h| h.iter().any(|v| v.as_str() == Some(&transaction_data_hash(td_text))));
    let alg_ok = kb.get("transaction_data_hashes_alg").is_none_or(|a| a.as_str() == Some("sha-256"));
    if !listed || !alg_ok || td.agreement_sha256 != digest {
        return Err(AgreementError::TransactionDataMismatch(i));
    }
    let kid = verified.cnf.as_ref().map(|j| j.thumbprint()).unwrap_or_default();
    Ok(VerifiedEntry { party: "worker".into(), ods_code: worker.employer_ods.clone(), action: td.action, iat, kid })
}
