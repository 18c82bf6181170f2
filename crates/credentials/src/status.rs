//! Token Status List (draft-ietf-oauth-status-list-21): the bit-packed list (§4.1), its
//! zlib + base64url `lst` encoding (§4.1), the `status` reference claim (§6.2), and the
//! status list token as a JWT (`typ: statuslist+jwt`, `sub`, `iat`, `exp`, `ttl`; §5.1).
//! We issue 2 bits per entry: 0 valid, 1 invalid (revoked), 2 suspended (§7.1). Fetching and
//! caching the token is the server's job; this module only encodes, decodes, signs and checks.

use std::collections::HashMap;
use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::b64;
use crate::error::{CredentialError, VerifyError};
use crate::jws::{self, CompactJws, Signer, VerifyingKey};

/// Media type of the status list token (§5.1).
pub const STATUS_LIST_TYP: &str = "statuslist+jwt";
/// Largest decompressed list we accept: 16 MiB is 64 Mi two-bit entries, far beyond any issuer.
pub const MAX_LIST_BYTES: usize = 16 * 1024 * 1024;

/// A Referenced Token's status (§7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Valid,
    Revoked,
    Suspended,
    /// 0x03 is application specific; we never issue it and treat it as not valid.
    ApplicationSpecific,
}

impl Status {
    /// The 2-bit value.
    pub fn bits(self) -> u8 {
        match self {
            Status::Valid => 0,
            Status::Revoked => 1,
            Status::Suspended => 2,
            Status::ApplicationSpecific => 3,
        }
    }

    /// From a 2-bit value.
    pub fn from_bits(v: u8) -> Self {
        match v & 3 {
            0 => Status::Valid,
            1 => Status::Revoked,
            2 => Status::Suspended,
            _ => Status::ApplicationSpecific,
        }
    }
}

/// The `status` claim of a credential: `{"status_list": {"idx": …, "uri": …}}` (§6.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusRef {
    pub idx: u64,
    pub uri: String,
}

impl StatusRef {
    /// The claim value to put under `status`.
    pub fn to_claim(&self) -> Value {
        json!({ "status_list": { "idx": self.idx, "uri": self.uri } })
    }

    /// The status reference of an SD-JWT (issued or presented), read WITHOUT verifying anything:
    /// for a verifier to fetch the lists it will need before verification proper. Decodes only
    /// the issuer payload's `status` member; `None` when there is none or it is malformed.
    pub fn peek(sd_jwt: &str) -> Option<Self> {
        Self::peek_issued(sd_jwt).map(|(_, status)| status)
    }

    /// [`StatusRef::peek`] with the credential's claimed `iss` (equally unverified), which names
    /// the only issuer whose status list a verifier may read it from.
    pub fn peek_issued(sd_jwt: &str) -> Option<(String, Self)> {
        #[derive(Deserialize)]
        struct Payload {
            #[serde(default)]
            iss: String,
            status: Option<Status>,
        }
        #[derive(Deserialize)]
        struct Status {
            status_list: StatusRef,
        }
        let jwt = sd_jwt.split('~').next()?;
        let payload = b64::decode(jwt.split('.').nth(1)?)?;
        let payload = serde_json::from_slice::<Payload>(&payload).ok()?;
        payload.status.map(|s| (payload.iss, s.status_list))
    }

    /// Reads the `status` claim value.
    pub fn from_claim(v: &Value) -> Result<Self, VerifyError> {
        let sl = v.get("status_list").ok_or_else(|| VerifyError::StatusClaimInvalid("no status_list".into()))?;
        serde_json::from_value(sl.clone())
            .map_err(|_| VerifyError::StatusClaimInvalid("status_list needs idx and uri".into()))
    }
}

/// A bit-packed status list, least significant bits first within each byte (§4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusList {
    bits: u8,
    bytes: Vec<u8>,
}

impl StatusList {
    /// A list of at least `entries` entries, all valid. `bits` must be 1, 2, 4 or 8 (§4.1).
    pub fn new(entries: usize, bits: u8) -> Result<Self, CredentialError> {
        if ![1, 2, 4, 8].contains(&bits) {
            return Err(CredentialError::StatusList(format!("bits must be 1, 2, 4 or 8, not {bits}")));
        }
        Ok(Self { bits, bytes: vec![0; (entries * bits as usize).div_ceil(8)] })
    }

    /// Wraps already packed bytes.
    pub fn from_bytes(bits: u8, bytes: Vec<u8>) -> Result<Self, CredentialError> {
        let mut l = Self::new(0, bits)?;
        l.bytes = bytes;
        Ok(l)
    }

    pub fn bits(&self) -> u8 {
        self.bits
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// How many entries the list holds.
    pub fn len(&self) -> usize {
        self.bytes.len() * 8 / self.bits as usize
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The raw value at `idx`, or `None` past the end.
    pub fn get(&self, idx: usize) -> Option<u8> {
        let bit = idx.checked_mul(self.bits as usize)?;
        let byte = *self.bytes.get(bit / 8)?;
        let mask = ((1u16 << self.bits) - 1) as u8;
        Some((byte >> (bit % 8)) & mask)
    }

    /// The raw value at a credential's `idx`, as a verifier needs it: past the end is an error.
    pub fn status_at(&self, idx: u64) -> Result<u8, VerifyError> {
        usize::try_from(idx)
            .ok()
            .and_then(|i| self.get(i))
            .ok_or_else(|| VerifyError::StatusIndexOutOfRange(format!("index {idx} of {}", self.len())))
    }

    /// Sets the raw value at `idx`.
    pub fn set(&mut self, idx: usize, value: u8) -> Result<(), CredentialError> {
        let mask = ((1u16 << self.bits) - 1) as u8;
        if value > mask {
            return Err(CredentialError::StatusList(format!("{value} does not fit in {} bits", self.bits)));
        }
        let bit = idx * self.bits as usize;
        let byte = self
            .bytes
            .get_mut(bit / 8)
            .ok_or_else(|| CredentialError::StatusList(format!("index {idx} out of range")))?;
        let shift = bit % 8;
        *byte = (*byte & !(mask << shift)) | (value << shift);
        Ok(())
    }

    /// `lst`: zlib (RFC 1950) at best compression, then base64url (§4.1).
    pub fn to_lst(&self) -> String {
        let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
        z.write_all(&self.bytes).expect("compressing into memory");
        b64::encode(z.finish().expect("compressing into memory"))
    }

    /// Decodes `lst`, refusing more than `max_bytes` once inflated (a zip bomb stops there).
    pub fn from_lst(bits: u8, lst: &str, max_bytes: usize) -> Result<Self, String> {
        let compressed = b64::decode(lst).ok_or("lst is not base64url")?;
        let mut out = Vec::new();
        ZlibDecoder::new(compressed.as_slice())
            .take(max_bytes as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|_| "lst is not zlib")?;
        if out.len() > max_bytes {
            return Err("status list too large".into());
        }
        StatusList::from_bytes(bits, out).map_err(|e| e.to_string())
    }

    /// The `status_list` claim of the token.
    pub fn to_claim(&self) -> Value {
        json!({ "bits": self.bits, "lst": self.to_lst() })
    }
}

/// Claims of a status list token besides the list itself.
#[derive(Debug, Clone)]
pub struct StatusListTokenSpec<'a> {
    /// The URI the list is served at: the token's `sub` (§5.1).
    pub uri: &'a str,
    /// The issuer identifier, when included.
    pub iss: Option<&'a str>,
    pub iat: i64,
    pub exp: Option<i64>,
    /// Seconds a verifier may cache the token (§5.1 `ttl`).
    pub ttl: Option<u64>,
}

/// Signs a status list token.
pub fn issue_status_list_token(
    list: &StatusList,
    spec: &StatusListTokenSpec<'_>,
    signer: &dyn Signer,
) -> Result<String, CredentialError> {
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(spec.uri));
    if let Some(iss) = spec.iss {
        claims.insert("iss".into(), json!(iss));
    }
    claims.insert("iat".into(), json!(spec.iat));
    if let Some(exp) = spec.exp {
        claims.insert("exp".into(), json!(exp));
    }
    if let Some(ttl) = spec.ttl {
        claims.insert("ttl".into(), json!(ttl));
    }
    claims.insert("status_list".into(), list.to_claim());
    let mut header = Map::new();
    header.insert("typ".into(), json!(STATUS_LIST_TYP));
    let payload = serde_json::to_vec(&claims).map_err(|e| CredentialError::Signing(e.to_string()))?;
    jws::sign_compact(header, &payload, signer)
}

/// A status list token that passed [`verify_status_list_token`], with its caching hints.
#[derive(Debug, Clone)]
pub struct VerifiedStatusList {
    pub list: StatusList,
    pub uri: String,
    /// The token's own `iss`, when it names one.
    pub iss: Option<String>,
    pub iat: i64,
    pub exp: Option<i64>,
    pub ttl: Option<u64>,
}

/// Verifies a status list token fetched from `expected_uri` with the issuer's key (§8.3).
pub fn verify_status_list_token(
    token: &str,
    expected_uri: &str,
    key: &VerifyingKey,
    now: i64,
) -> Result<VerifiedStatusList, VerifyError> {
    let bad = |why: &str| VerifyError::StatusListInvalid(why.to_owned());
    let jws = CompactJws::parse(token)?;
    if jws.header_str("typ") != Some(STATUS_LIST_TYP) {
        return Err(bad("typ is not statuslist+jwt"));
    }
    if !jws.verify_with(key)? {
        return Err(VerifyError::StatusListSignatureInvalid("signature does not verify".into()));
    }
    let claims: Map<String, Value> =
        crate::json::object_from_slice(&jws.payload).map_err(|e| bad(&format!("payload: {e}")))?;
    // §8.3 step 3: the token must be the one for the URI the credential referenced.
    if claims.get("sub").and_then(Value::as_str) != Some(expected_uri) {
        return Err(bad("sub is not the referenced uri"));
    }
    let iat = claims.get("iat").and_then(Value::as_i64).ok_or_else(|| bad("iat missing"))?;
    let exp = claims.get("exp").and_then(Value::as_i64);
    if exp.is_some_and(|e| e <= now) {
        return Err(VerifyError::StatusListExpired(format!("exp {exp:?}")));
    }
    let sl = claims.get("status_list").ok_or_else(|| bad("status_list missing"))?;
    let bits = sl
        .get("bits")
        .and_then(Value::as_u64)
        .filter(|b| [1, 2, 4, 8].contains(b))
        .ok_or_else(|| bad("bits invalid"))?;
    let lst = sl.get("lst").and_then(Value::as_str).ok_or_else(|| bad("lst missing"))?;
    let list = StatusList::from_lst(bits as u8, lst, MAX_LIST_BYTES).map_err(|e| bad(&e))?;
    let ttl = claims.get("ttl").and_then(Value::as_u64);
    let iss = claims.get("iss").and_then(Value::as_str).map(str::to_owned);
    Ok(VerifiedStatusList { list, uri: expected_uri.to_owned(), iss, iat, exp, ttl })
}

/// Where the verifier reads statuses from: the server backs it with status lists read from its
/// own ledger or fetched and verified over HTTP; tests use [`InMemoryStatus`].
///
/// Every list is held with the issuer whose key signed it, and a credential's status is read only
/// from a list its own issuer signed (§8.3 step 2: the token is validated with the Referenced
/// Token's issuer's key). Otherwise anyone could point a credential at a list they control, or a
/// verifier could pick a list by its URI alone.
pub trait StatusSource: Send + Sync {
    /// The raw status value at `idx` of the list at `uri`, which credential issuer `iss` must
    /// have signed: use [`read_signed`] to decide.
    fn status(&self, iss: &str, uri: &str, idx: u64) -> Result<u8, VerifyError>;
}

/// The one rule every [`StatusSource`] applies: the list's signer must be the credential's issuer.
pub fn read_signed(signed_by: &str, list: &StatusList, iss: &str, idx: u64) -> Result<u8, VerifyError> {
    if signed_by != iss {
        return Err(VerifyError::StatusListIssuerMismatch(format!(
            "the list is signed by {signed_by}, the credential issued by {iss}"
        )));
    }
    list.status_at(idx)
}

/// Verifies a status list token fetched from `uri` for a credential of issuer `iss` (§8.3): the
/// key is the one the trust source lists for `iss` under the token's `kid`, and a token that names
/// an `iss` of its own must name the same one. A list signed by another issuer, even a trusted
/// one, is refused.
pub fn verify_issuer_status_list(
    token: &str,
    uri: &str,
    iss: &str,
    trust: &dyn crate::trust::TrustSource,
    now: i64,
) -> Result<VerifiedStatusList, VerifyError> {
    let jws = CompactJws::parse(token)?;
    let kid = jws.header_str("kid").ok_or_else(|| VerifyError::StatusListInvalid("no kid".into()))?;
    let key = match trust.resolve(iss, kid) {
        Ok(resolved) => resolved.key,
        Err(VerifyError::KeyNotTrusted(_)) => {
            return Err(VerifyError::StatusListIssuerMismatch(format!("kid {kid} is not a key of {iss}")));
        }
        Err(other) => return Err(other),
    };
    let verified = verify_status_list_token(token, uri, &key, now)?;
    if let Some(named) = &verified.iss
        && named != iss
    {
        return Err(VerifyError::StatusListIssuerMismatch(format!("the list names iss {named}, not {iss}")));
    }
    Ok(verified)
}

/// Verified lists held in memory, keyed by URI, each with the issuer that signed it.
#[derive(Debug, Clone, Default)]
pub struct InMemoryStatus {
    pub lists: HashMap<String, (String, StatusList)>,
}

impl InMemoryStatus {
    /// Holds `list`, signed by issuer `iss`, as the list at `uri`.
    pub fn insert(&mut self, iss: impl Into<String>, uri: impl Into<String>, list: StatusList) {
        self.lists.insert(uri.into(), (iss.into(), list));
    }
}

impl StatusSource for InMemoryStatus {
    fn status(&self, iss: &str, uri: &str, idx: u64) -> Result<u8, VerifyError> {
        let (signed_by, list) =
            self.lists.get(uri).ok_or_else(|| VerifyError::StatusUnavailable("no list for that uri".into()))?;
        read_signed(signed_by, list, iss, idx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_bit_packing_is_lsb_first() {
        let mut l = StatusList::new(12, 2).unwrap();
        for (i, v) in [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3].into_iter().enumerate() {
            l.set(i, v).unwrap();
        }
        assert_eq!(l.as_bytes(), &[0xC9, 0x44, 0xF9]);
        assert_eq!(l.get(3), Some(3));
        assert_eq!(l.get(12), None);
        assert!(l.set(0, 4).is_err());
    }

    #[test]
    fn oversized_lists_are_refused() {
        let l = StatusList::new(100_000, 2).unwrap();
        assert!(StatusList::from_lst(2, &l.to_lst(), 1000).is_err());
        assert_eq!(StatusList::from_lst(2, &l.to_lst(), 25_000).unwrap(), l);
    }

    #[test]
    fn peek_reads_the_status_reference_of_an_sd_jwt_without_verifying() {
        let enc = |v: serde_json::Value| b64::encode(serde_json::to_vec(&v).unwrap());
        let with = format!(
            "{}.{}.sig~WyJzYWx0IiwgImEiLCAxXQ~",
            enc(json!({"alg": "ES256"})),
            enc(json!({"iss": "x", "status": {"status_list": {"idx": 7, "uri": "https://x/statuslists/1"}}}))
        );
        assert_eq!(StatusRef::peek(&with), Some(StatusRef { idx: 7, uri: "https://x/statuslists/1".into() }));
        assert_eq!(StatusRef::peek_issued(&with).map(|(iss, _)| iss).as_deref(), Some("x"));
        let without = format!("{}.{}.sig~", enc(json!({"alg": "ES256"})), enc(json!({"iss": "x"})));
        assert_eq!(StatusRef::peek(&without), None);
        let bad =
            format!("{}.{}.sig~", enc(json!({"alg": "ES256"})), enc(json!({"status": {"status_list": {"idx": "7"}}})));
        assert_eq!(StatusRef::peek(&bad), None);
        assert_eq!(StatusRef::peek("not a jwt"), None);
    }
}
