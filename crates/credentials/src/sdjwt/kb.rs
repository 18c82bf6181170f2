//! Key Binding JWT (RFC 9901 §4.3): creation by the holder and verification against `cnf.jwk`.
//! `sd_hash` covers the presented SD-JWT up to and including its final `~` (§4.3.1), so no
//! disclosure can be added, dropped, edited or reordered after the holder signed.

use serde_json::{Map, Value, json};

use crate::b64;
use crate::error::{CredentialError, VerifyError};
use crate::jws::{self, CompactJws, Jwk, Signer, VerifyingKey};

/// The media type of a KB-JWT (§4.3).
pub const KB_TYP: &str = "kb+jwt";

/// What the holder binds the presentation to.
pub struct KeyBinding<'a> {
    /// The holder key whose public half is the credential's `cnf.jwk`.
    pub signer: &'a dyn Signer,
    pub nonce: &'a str,
    pub aud: &'a str,
    /// Unix seconds.
    pub iat: i64,
}

/// `sd_hash`: base64url(SHA-256(presented SD-JWT ending in `~`)).
pub fn sd_hash(presented: &str) -> String {
    b64::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, presented.as_bytes()))
}

/// Signs a KB-JWT for `presented` (which must end with `~`).
pub fn create(presented: &str, kb: &KeyBinding<'_>) -> Result<String, CredentialError> {
    create_with(presented, kb, Map::new())
}

/// As [`create`], with further payload members, e.g. OpenID4VP 1.0 `transaction_data_hashes`
/// (§B.3.3); they cannot replace the four this function sets.
pub fn create_with(presented: &str, kb: &KeyBinding<'_>, extra: Map<String, Value>) -> Result<String, CredentialError> {
    if !presented.ends_with('~') {
        return Err(CredentialError::Input { field: "presentation", reason: "must end with '~'".into() });
    }
    let mut header = Map::new();
    header.insert("typ".into(), Value::String(KB_TYP.into()));
    let mut payload = extra;
    payload.insert("iat".into(), json!(kb.iat));
    payload.insert("aud".into(), json!(kb.aud));
    payload.insert("nonce".into(), json!(kb.nonce));
    payload.insert("sd_hash".into(), json!(sd_hash(presented)));
    let payload = serde_json::to_vec(&payload).map_err(|e| CredentialError::Signing(e.to_string()))?;
    jws::sign_compact_without_kid(header, &payload, kb.signer)
}

/// What the verifier expects of a KB-JWT.
#[derive(Debug, Clone, Copy)]
pub struct KbExpectations<'a> {
    pub nonce: Option<&'a str>,
    pub aud: Option<&'a str>,
    pub now: i64,
    /// How old `iat` may be, in seconds.
    pub iat_window: u64,
    /// How far in the future `iat` may be, in seconds.
    pub clock_skew: u64,
}

/// Verifies a KB-JWT (§7.3 step 5): `typ`, signature under `cnf_jwk`, then `sd_hash`, `nonce`,
/// `aud` and `iat`. `presented` is the SD-JWT text up to and including its last `~`.
pub fn verify(kb_jwt: &str, presented: &str, cnf_jwk: &Jwk, expect: &KbExpectations<'_>) -> Result<(), VerifyError> {
    let jws = CompactJws::parse(kb_jwt)?;
    if jws.header_str("typ") != Some(KB_TYP) {
        return Err(VerifyError::KbTypInvalid(format!("typ {:?}", jws.header_str("typ"))));
    }
    let key = VerifyingKey::from_jwk(cnf_jwk).map_err(|e| VerifyError::CnfMissing(format!("cnf.jwk unusable: {e}")))?;
    if !jws.verify_with(&key)? {
        return Err(VerifyError::KbSignatureInvalid("signature does not verify under cnf.jwk".into()));
    }
    let claims: Map<String, Value> = crate::json::object_from_slice(&jws.payload)
        .map_err(|e| VerifyError::KbClaimMissing(format!("payload: {e}")))?;
    let text = |name: &str| {
        claims.get(name).and_then(Value::as_str).ok_or_else(|| VerifyError::KbClaimMissing(format!("{name} missing")))
    };
    let (hash, nonce, aud) = (text("sd_hash")?, text("nonce")?, text("aud")?);
    let iat =
        claims.get("iat").and_then(Value::as_i64).ok_or_else(|| VerifyError::KbClaimMissing("iat missing".into()))?;
    if hash != sd_hash(presented) {
        return Err(VerifyError::SdHashMismatch("sd_hash does not cover the presented disclosures".into()));
    }
    if expect.nonce != Some(nonce) {
        return Err(VerifyError::NonceMismatch("nonce is not the one issued for this request".into()));
    }
    if expect.aud != Some(aud) {
        return Err(VerifyError::AudMismatch(format!("aud {aud:?}")));
    }
    if iat < expect.now.saturating_sub(expect.iat_window as i64) {
        return Err(VerifyError::KbIatStale(format!("iat {iat} is older than {}s", expect.iat_window)));
    }
    if iat > expect.now.saturating_add(expect.clock_skew as i64) {
        return Err(VerifyError::KbIatInFuture(format!("iat {iat} is after now {}", expect.now)));
    }
    Ok(())
}
