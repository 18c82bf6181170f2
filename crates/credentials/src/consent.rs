//! A worker's consent to an inter-authority transfer, signed with the holder key of their passport
//! credentials through OpenID4VP 1.0 transaction data (§5.1, §B.3.3 for SD-JWT VC), as the
//! worker's signature on an agreement is (see [`crate::agreement`]).
//!
//! The new employer asks the worker's wallet for one passport credential with
//! [`ConsentTransactionData`] naming itself and the statement; the wallet shows the statement and
//! its KB-JWT lists the entry's hash in `transaction_data_hashes`. The presentation and the entry
//! together are the [`ConsentProof`], which the new employer keeps and sends, inside its signed
//! request, to the deployment holding the earlier record. Anyone holding the issuers' trust list
//! can then check, with no call to the wallet or the new employer, that the holder of a credential
//! issued to this worker agreed to this employer receiving their Portable Data Set
//! ([`verify_consent`]). Whose names those are, and whether they are the matched worker's, is the
//! caller's question: this module returns the disclosed names and never reads a clock.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::agreement::NoStatus;
use crate::b64;
use crate::error::{CredentialError, VerifyError};
use crate::oid4vc::transaction_data::hash as transaction_data_hash;
use crate::sdjwt;
use crate::trust::TrustSource;
use crate::verify::{VerifyOptions, verify_presentation};

/// The `type` of the transaction data (OpenID4VP 1.0 §5.1 `transaction_data`).
pub const CONSENT_TRANSACTION_DATA_TYPE: &str = "staff_passport_transfer_consent";

/// What the worker's wallet shows and signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentTransactionData {
    #[serde(rename = "type")]
    pub td_type: String,
    /// DCQL credential query ids the KB-JWT may come from (§5.1).
    pub credential_ids: Vec<String>,
    /// The new employer, which will ask earlier employers for the data set.
    pub new_employer_ods: String,
    pub new_employer_name: String,
    /// `true` for consent, `false` for its withdrawal.
    pub given: bool,
    /// The statement in words, as the wallet shows it.
    pub statement: String,
}

impl ConsentTransactionData {
    /// The base64url string placed in `transaction_data`.
    pub fn encode(&self) -> Result<String, CredentialError> {
        Ok(b64::encode(serde_json::to_vec(self).map_err(|e| CredentialError::Signing(e.to_string()))?))
    }

    pub fn decode(text: &str) -> Result<Self, VerifyError> {
        let bytes =
            b64::decode(text).ok_or_else(|| VerifyError::Malformed("transaction data is not base64url".into()))?;
        let td: Self =
            serde_json::from_slice(&bytes).map_err(|e| VerifyError::Malformed(format!("transaction data: {e}")))?;
        if td.td_type != CONSENT_TRANSACTION_DATA_TYPE {
            return Err(VerifyError::Malformed(format!("transaction data type {:?}", td.td_type)));
        }
        Ok(td)
    }
}

/// The signed consent: the presentation (SD-JWT with KB-JWT) and the transaction data string its
/// KB-JWT hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentProof {
    pub presentation: String,
    pub transaction_data: String,
}

/// What a verified proof says.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedConsent {
    pub statement: ConsentTransactionData,
    /// When the wallet signed (KB-JWT `iat`, Unix seconds).
    pub signed_at: i64,
    /// The credential's issuer (`iss`) and its ODS code.
    pub issuer: String,
    pub issuer_ods: String,
    /// RFC 7638 thumbprint of the holder key that signed.
    pub holder: String,
    /// The credential's `status` claim, when it has one (`{"status_list": {"idx", "uri"}}`).
    pub status: Option<Value>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
}

/// Why a consent proof does not stand; each has a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsentProofError {
    #[error("malformed: {0}")]
    Malformed(String),
    #[error("the credential does not verify: {0}")]
    CredentialInvalid(String),
    #[error("the KB-JWT does not sign this consent's transaction data")]
    TransactionDataMismatch,
    #[error("the consent names {0}, not the organisation asking")]
    WrongEmployer(String),
    #[error("signed at {0}, in the future")]
    FromTheFuture(i64),
    #[error("signed at {0}, longer ago than consent is accepted for")]
    TooOld(i64),
}

impl ConsentProofError {
    pub fn code(&self) -> &'static str {
        match self {
            ConsentProofError::Malformed(_) => "malformed",
            ConsentProofError::CredentialInvalid(_) => "credential_invalid",
            ConsentProofError::TransactionDataMismatch => "transaction_data_mismatch",
            ConsentProofError::WrongEmployer(_) => "wrong_employer",
            ConsentProofError::FromTheFuture(_) => "signed_in_future",
            ConsentProofError::TooOld(_) => "too_old",
        }
    }
}

/// What the checker expects.
#[derive(Debug, Clone)]
pub struct ConsentExpectations<'a> {
    /// The organisation the consent must name.
    pub new_employer_ods: &'a str,
    /// Unix seconds now.
    pub now: i64,
    /// The oldest signature accepted, in seconds before `now`.
    pub max_age: i64,
    /// Tolerance for a wallet clock ahead of ours (seconds).
    pub clock_skew: i64,
}

/// Checks `proof`: the credential verifies against `trust` as of the moment it was signed
/// (statuses are not read: the signature's meaning was fixed then), the KB-JWT binds the
/// transaction data, which names the expected employer, and the signature is recent enough.
pub fn verify_consent(
    proof: &ConsentProof,
    expect: &ConsentExpectations<'_>,
    trust: &dyn TrustSource,
) -> Result<VerifiedConsent, ConsentProofError> {
    let malformed = |what: &str| ConsentProofError::Malformed(what.to_owned());
    let statement = ConsentTransactionData::decode(&proof.transaction_data)
        .map_err(|e| ConsentProofError::Malformed(e.to_string()))?;
    let parts = sdjwt::split(proof.presentation.trim()).map_err(|e| ConsentProofError::Malformed(e.to_string()))?;
    let kb_jwt = parts.kb_jwt.ok_or_else(|| malformed("the presentation has no KB-JWT"))?;
    let kb_payload = kb_jwt.split('.').nth(1).ok_or_else(|| malformed("the KB-JWT is not a compact JWS"))?;
    let kb_bytes = b64::decode(kb_payload).ok_or_else(|| malformed("the KB-JWT payload is not base64url"))?;
    let kb: Map<String, Value> =
        crate::json::object_from_slice(&kb_bytes).map_err(|e| ConsentProofError::Malformed(format!("KB-JWT: {e}")))?;
    let text = |name: &str| kb.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
    let signed_at = kb.get("iat").and_then(Value::as_i64).ok_or_else(|| malformed("the KB-JWT has no iat"))?;

    if signed_at > expect.now + expect.clock_skew {
        return Err(ConsentProofError::FromTheFuture(signed_at));
    }
    if expect.now - signed_at > expect.max_age {
        return Err(ConsentProofError::TooOld(signed_at));
    }

    let mut opts = VerifyOptions::new(signed_at, text("nonce"), text("aud"));
    opts.iat_window = 60;
    let verified = verify_presentation(&proof.presentation, &opts, trust, &NoStatus)
        .map_err(|e| ConsentProofError::CredentialInvalid(format!("{}: {}", e.code(), e.detail())))?;
    if !verified.key_bound {
        return Err(ConsentProofError::CredentialInvalid("the presentation is not key bound".into()));
    }
    let hashes = kb.get("transaction_data_hashes").and_then(Value::as_array);
    let want = transaction_data_hash(&proof.transaction_data);
    let listed = hashes.is_some_and(|h| h.iter().any(|v| v.as_str() == Some(want.as_str())));
    let alg_ok = kb.get("transaction_data_hashes_alg").is_none_or(|a| a.as_str() == Some("sha-256"));
    if !listed || !alg_ok {
        return Err(ConsentProofError::TransactionDataMismatch);
    }
    if !statement.new_employer_ods.eq_ignore_ascii_case(expect.new_employer_ods) {
        return Err(ConsentProofError::WrongEmployer(statement.new_employer_ods));
    }
    let name = |claim: &str| verified.claims.get(claim).and_then(Value::as_str).map(str::to_owned);
    Ok(VerifiedConsent {
        given_name: name("given_name"),
        family_name: name("family_name"),
        status: verified.claims.get("status").cloned(),
        holder: verified.cnf.as_ref().map(|j| j.thumbprint()).unwrap_or_default(),
        issuer: verified.issuer,
        issuer_ods: verified.ods_code,
        signed_at,
        statement,
    })
}
