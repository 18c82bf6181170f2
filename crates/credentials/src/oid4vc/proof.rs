//! The `jwt` key proof of OpenID4VCI (§8.2, Appendix F.1, F.4): the wallet signs
//! `{aud, iat, nonce}` with its holder key and puts the public key in the `jwk` header; the
//! issuer checks type, algorithm, key, signature, audience, nonce and age, then binds the
//! credential to that key. Each failure is its own [`ProofError`] with a stable code and the
//! OAuth error the credential endpoint returns (`invalid_proof`, or `invalid_nonce` when only
//! the nonce is stale or unknown, so the wallet knows to fetch a new one).

use serde_json::{Map, Value, json};

use super::oauth::{ErrorCode, OAuthError};
use super::vci::Proofs;
use crate::error::CredentialError;
use crate::jws::{self, CompactJws, Jwk, Signer, VerifyingKey};

/// The key proof media type (Appendix F.1).
pub const PROOF_TYP: &str = "openid4vci-proof+jwt";

/// Builds a key proof: header `{typ, alg, jwk}` (no `kid`: F.1 forbids it beside `jwk`),
/// payload `{aud, iat, nonce?}`. `iss` is omitted, as F.1 requires after anonymous
/// pre-authorised token requests.
pub fn build_proof_jwt(
    holder: &dyn Signer,
    credential_issuer: &str,
    c_nonce: Option<&str>,
    iat: i64,
) -> Result<String, CredentialError> {
    let mut header = Map::new();
    header.insert("typ".into(), json!(PROOF_TYP));
    header.insert(
        "jwk".into(),
        serde_json::to_value(holder.public_jwk().bare()).map_err(|e| CredentialError::Signing(e.to_string()))?,
    );
    let mut payload = Map::new();
    payload.insert("aud".into(), json!(credential_issuer));
    payload.insert("iat".into(), json!(iat));
    if let Some(n) = c_nonce {
        payload.insert("nonce".into(), json!(n));
    }
    let bytes = serde_json::to_vec(&payload).map_err(|e| CredentialError::Signing(e.to_string()))?;
    jws::sign_compact_without_kid(header, &bytes, holder)
}

macro_rules! proof_errors {
    ($( $(#[$doc:meta])* $variant:ident => $code:literal, $oauth:ident, $msg:literal ;)*) => {
        /// Why a key proof was refused.
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
        pub enum ProofError {
            $( $(#[$doc])* #[error("{}: {}", $msg, .0)] $variant(String), )*
        }

        impl ProofError {
            /// A stable reason code for logs and tests.
            pub fn code(&self) -> &'static str {
                match self { $( Self::$variant(_) => $code, )* }
            }

            /// The OpenID4VCI §8.3.1.2 error code the credential endpoint answers with.
            pub fn oauth_code(&self) -> ErrorCode {
                match self { $( Self::$variant(_) => ErrorCode::$oauth, )* }
            }

            /// Every code, for documentation.
            pub const ALL_CODES: &'static [&'static str] = &[$($code),*];
        }
    };
}

proof_errors! {
    /// The request has no `proofs`, or `proofs.jwt` is empty (§8.3.1.2 case 1).
    Missing => "proof_missing", InvalidProof, "no key proof was sent";
    /// A proof type other than `jwt` was used.
    TypeUnsupported => "proof_type_unsupported", InvalidProof, "the proof type is not supported";
    /// More proofs than `batch_size` allows.
    TooMany => "proof_too_many", InvalidCredentialRequest, "too many key proofs";
    /// Not a compact JWS, or a part is not base64url / JSON.
    Malformed => "proof_malformed", InvalidProof, "the key proof is malformed";
    /// `typ` is not `openid4vci-proof+jwt`.
    TypInvalid => "proof_typ_invalid", InvalidProof, "the key proof type header is wrong";
    /// `alg` is `none`, a MAC, unknown, or not among the algorithms the issuer accepts.
    AlgNotAllowed => "proof_alg_not_allowed", InvalidProof, "the key proof algorithm is not accepted";
    /// No `jwk` header (we resolve neither `kid` DID URLs nor `x5c` chains).
    KeyMissing => "proof_key_missing", InvalidProof, "the key proof carries no jwk";
    /// `jwk` appears together with `kid` or `x5c` (F.1: mutually exclusive).
    KeyAmbiguous => "proof_key_ambiguous", InvalidProof, "the key proof names its key twice";
    /// The `jwk` header contains private key material (F.4).
    PrivateKey => "proof_private_key", InvalidProof, "the key proof header contains a private key";
    /// The `jwk` is not a usable public key, or does not fit `alg`.
    KeyUnusable => "proof_key_unusable", InvalidProof, "the key proof key is unusable";
    /// The signature does not verify under the `jwk`.
    SignatureInvalid => "proof_signature_invalid", InvalidProof, "the key proof signature is invalid";
    /// `aud` or `iat` is missing or of the wrong type.
    ClaimMissing => "proof_claim_missing", InvalidProof, "a key proof claim is missing";
    /// `aud` is not this Credential Issuer Identifier.
    AudMismatch => "proof_aud_mismatch", InvalidProof, "the key proof audience is not this issuer";
    /// The issuer has a nonce endpoint and the proof has no `nonce` (§8.3.1.2 case 3).
    NonceMissing => "proof_nonce_missing", InvalidProof, "the key proof carries no nonce";
    /// The `nonce` is not a current `c_nonce` of this issuer.
    NonceInvalid => "proof_nonce_invalid", InvalidNonce, "the key proof nonce is not valid";
    /// `iat` is older than the accepted window.
    IatStale => "proof_iat_stale", InvalidProof, "the key proof is too old";
    /// `iat` is in the future beyond the clock skew.
    IatInFuture => "proof_iat_in_future", InvalidProof, "the key proof is from the future";
    /// Two proofs carry the same key; each key binds at most one credential (§8.3).
    DuplicateKey => "proof_duplicate_key", InvalidProof, "two key proofs use the same key";
}

impl ProofError {
    /// The error body for the credential endpoint.
    pub fn to_oauth(&self) -> OAuthError {
        OAuthError::new(self.oauth_code(), self.to_string())
    }
}

/// How the issuer recognises a `c_nonce`.
pub enum NonceCheck<'a> {
    /// No nonce endpoint: a `nonce` claim, if any, is ignored.
    NotUsed,
    /// Exactly this value.
    Exact(&'a str),
    /// The issuer's own rule (a MAC check, a lookup in an in-memory set, …).
    With(&'a dyn Fn(&str) -> bool),
    /// A `nonce` must be present; the caller checks it afterwards (e.g. an async lookup that
    /// also consumes it) from [`VerifiedProof::nonce`], answering [`ProofError::NonceInvalid`]
    /// when it is not current.
    Required,
}

/// What the issuer expects of every proof.
pub struct ProofExpectations<'a> {
    /// This Credential Issuer Identifier: the required `aud`.
    pub credential_issuer: &'a str,
    pub nonce: NonceCheck<'a>,
    /// Unix seconds.
    pub now: i64,
    /// How old `iat` may be (seconds).
    pub max_age: u64,
    /// How far ahead `iat` may be (seconds).
    pub clock_skew: u64,
    /// `proof_signing_alg_values_supported`.
    pub algs: &'a [&'a str],
}

impl<'a> ProofExpectations<'a> {
    /// ES256 only, a 5-minute window and 60 s of skew.
    pub fn new(credential_issuer: &'a str, nonce: NonceCheck<'a>, now: i64) -> Self {
        Self { credential_issuer, nonce, now, max_age: 300, clock_skew: 60, algs: &["ES256"] }
    }
}

/// A proof that passed: the key to bind the credential to (bare: no `kid`, `alg`, `use`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedProof {
    pub jwk: Jwk,
    pub nonce: Option<String>,
    pub iat: i64,
}

/// Verifies one `jwt` key proof (Appendix F.4).
pub fn verify_proof_jwt(token: &str, expect: &ProofExpectations<'_>) -> Result<VerifiedProof, ProofError> {
    let jws = CompactJws::parse(token).map_err(|e| match e.code() {
        "alg_not_allowed" => ProofError::AlgNotAllowed(e.detail().to_owned()),
        _ => ProofError::Malformed(e.detail().to_owned()),
    })?;
    // RFC 7515 §4.1.9: `typ` is a media type whose `application/` prefix may be omitted.
    let typ = jws.header_str("typ").unwrap_or_default();
    let typ = typ.strip_prefix("application/").unwrap_or(typ);
    if !typ.eq_ignore_ascii_case(PROOF_TYP) {
        return Err(ProofError::TypInvalid(format!("typ {:?}", jws.header_str("typ"))));
    }
    let alg = jws.header_str("alg").unwrap_or_default();
    if !expect.algs.contains(&alg) {
        return Err(ProofError::AlgNotAllowed(format!("alg {alg}")));
    }
    let raw_jwk = match jws.header.get("jwk") {
        Some(Value::Object(m)) => m,
        Some(_) => return Err(ProofError::KeyUnusable("jwk is not an object".into())),
        None => return Err(ProofError::KeyMissing("no jwk header".into())),
    };
    if jws.header.contains_key("kid") || jws.header.contains_key("x5c") {
        return Err(ProofError::KeyAmbiguous("jwk with kid or x5c".into()));
    }
    if ["d", "p", "q", "dp", "dq", "qi", "k"].iter().any(|m| raw_jwk.contains_key(*m)) {
        return Err(ProofError::PrivateKey("jwk has private members".into()));
    }
    let jwk: Jwk = serde_json::from_value(Value::Object(raw_jwk.clone()))
        .map_err(|e| ProofError::KeyUnusable(format!("jwk: {e}")))?;
    let key = VerifyingKey::from_jwk(&jwk).map_err(ProofError::KeyUnusable)?;
    match jws.verify_with(&key) {
        Ok(true) => {}
        Ok(false) => return Err(ProofError::SignatureInvalid("signature does not verify under jwk".into())),
        Err(e) => return Err(ProofError::KeyUnusable(e.detail().to_owned())),
    }
    let claims = crate::json::object_from_slice(&jws.payload).map_err(ProofError::Malformed)?;
    let aud = match claims.get("aud") {
        Some(Value::String(a)) => a.as_str(),
        // RFC 7519 allows an array; F.1 says string, but one entry naming us is unambiguous.
        Some(Value::Array(a)) if a.len() == 1 => a[0].as_str().unwrap_or_default(),
        _ => return Err(ProofError::ClaimMissing("aud".into())),
    };
    if aud != expect.credential_issuer {
        return Err(ProofError::AudMismatch(format!("aud {aud:?}")));
    }
    let iat = claims.get("iat").and_then(Value::as_i64).ok_or_else(|| ProofError::ClaimMissing("iat".into()))?;
    if iat < expect.now.saturating_sub(expect.max_age as i64) {
        return Err(ProofError::IatStale(format!("iat {iat} is older than {}s", expect.max_age)));
    }
    if iat > expect.now.saturating_add(expect.clock_skew as i64) {
        return Err(ProofError::IatInFuture(format!("iat {iat}")));
    }
    let nonce = match claims.get("nonce") {
        None => None,
        Some(Value::String(n)) => Some(n.clone()),
        Some(_) => return Err(ProofError::NonceInvalid("nonce is not a string".into())),
    };
    match (&expect.nonce, nonce.as_deref()) {
        (NonceCheck::NotUsed, _) => {}
        (_, None) => return Err(ProofError::NonceMissing("no nonce claim".into())),
        (NonceCheck::Exact(want), Some(got)) if *want == got => {}
        (NonceCheck::With(ok), Some(got)) if ok(got) => {}
        (NonceCheck::Required, Some(_)) => {}
        (_, Some(_)) => return Err(ProofError::NonceInvalid("not a current c_nonce".into())),
    }
    Ok(VerifiedProof { jwk: jwk.bare(), nonce, iat })
}

/// Verifies every proof of a request: `proofs` present with a non-empty `jwt` array of at most
/// `max_proofs`, each proof valid, no key used twice. The first failure is returned.
pub fn verify_jwt_proofs(
    proofs: Option<&Proofs>,
    expect: &ProofExpectations<'_>,
    max_proofs: usize,
) -> Result<Vec<VerifiedProof>, ProofError> {
    let proofs = proofs.ok_or_else(|| ProofError::Missing("proofs is absent".into()))?;
    if let Some(other) = proofs.other.keys().next() {
        return Err(ProofError::TypeUnsupported(format!("proof type {other}")));
    }
    let list = proofs.jwt.as_deref().unwrap_or_default();
    if list.is_empty() {
        return Err(ProofError::Missing("proofs.jwt is empty".into()));
    }
    if list.len() > max_proofs {
        return Err(ProofError::TooMany(format!("{} proofs, at most {max_proofs}", list.len())));
    }
    let mut out: Vec<VerifiedProof> = Vec::with_capacity(list.len());
    for token in list {
        let p = verify_proof_jwt(token, expect)?;
        if out.iter().any(|q| q.jwk.thumbprint() == p.jwk.thumbprint()) {
            return Err(ProofError::DuplicateKey("the same jwk appears in two proofs".into()));
        }
        out.push(p);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::b64;
    use crate::jws::{SoftwareEd25519Key, SoftwareEs256Key};

    const ISS: &str = "https://credential-issuer.example.com";

    fn expect(nonce: &str) -> ProofExpectations<'_> {
        ProofExpectations::new(ISS, NonceCheck::Exact(nonce), 1_701_960_444)
    }

    /// Signs an arbitrary header and payload with `key`, for the negative cases.
    fn forge(header: Value, payload: Value, key: &dyn Signer) -> String {
        let h = b64::encode(serde_json::to_vec(&header).unwrap());
        let p = b64::encode(serde_json::to_vec(&payload).unwrap());
        let sig = key.sign(format!("{h}.{p}").as_bytes()).unwrap();
        format!("{h}.{p}.{}", b64::encode(sig))
    }

    #[test]
    fn spec_example_proof_verifies() {
        // Appendix F.1's example proof, verbatim: a real ES256 signature by the key in its header.
        let t = "eyJ0eXAiOiJvcGVuaWQ0dmNpLXByb29mK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwiY3J2IjoiUC0yNTYiLCJ4IjoiblVXQW9BdjNYWml0aDhFN2kxOU9kYXhPTFlGT3dNLVoyRXVNMDJUaXJUNCIsInkiOiJIc2tIVThCalVpMVU5WHFpN1N3bWo4Z3dBS18weGtjRGpFV183MVNvc0VZIn19.eyJhdWQiOiJodHRwczovL2NyZWRlbnRpYWwtaXNzdWVyLmV4YW1wbGUuY29tIiwiaWF0IjoxNzAxOTYwNDQ0LCJub25jZSI6IkxhclJHU2JtVVBZdFJZTzZCUTR5bjgifQ.-a3EDsxClUB4O3LeDD5DVGEnNMT01FCQW4P6-2-BNBqc_Zxf0Qw4CWayLEpqkAomlkLb9zioZoipdP-jvh1WlA";
        let p = verify_proof_jwt(t, &expect("LarRGSbmUPYtRYO6BQ4yn8")).unwrap();
        assert_eq!(p.jwk.x, "nUWAoAv3XZith8E7i19OdaxOLYFOwM-Z2EuM02TirT4");
        assert_eq!((p.iat, p.nonce.as_deref()), (1_701_960_444, Some("LarRGSbmUPYtRYO6BQ4yn8")));
        assert_eq!(verify_proof_jwt(t, &expect("other")).unwrap_err().code(), "proof_nonce_invalid");
        let other_issuer = ProofExpectations::new("https://other.example", NonceCheck::NotUsed, 1_701_960_444);
        assert_eq!(verify_proof_jwt(t, &other_issuer).unwrap_err().code(), "proof_aud_mismatch");
        // The long media type form is the same type.
        let holder = SoftwareEs256Key::generate().unwrap();
        let jwk = serde_json::to_value(holder.public_jwk().bare()).unwrap();
        let long = forge(
            json!({"typ": "application/openid4vci-proof+jwt", "alg": "ES256", "jwk": jwk}),
            json!({"aud": ISS, "iat": 1_701_960_444, "nonce": "n1"}),
            &holder,
        );
        assert!(verify_proof_jwt(&long, &expect("n1")).is_ok());
    }

    #[test]
    fn round_trip_binds_the_holder_key() {
        let holder = SoftwareEs256Key::generate().unwrap();
        let t = build_proof_jwt(&holder, ISS, Some("n1"), 1_701_960_400).unwrap();
        let p = verify_proof_jwt(&t, &expect("n1")).unwrap();
        assert_eq!(p.jwk, holder.public_jwk().bare());
        let jws = CompactJws::parse(&t).unwrap();
        assert!(jws.header_str("kid").is_none());
    }

    #[test]
    fn each_failure_has_its_code_and_oauth_error() {
        let holder = SoftwareEs256Key::generate().unwrap();
        let jwk = serde_json::to_value(holder.public_jwk().bare()).unwrap();
        let ok_payload = json!({"aud": ISS, "iat": 1_701_960_444, "nonce": "n1"});
        let header = |typ: &str| json!({"typ": typ, "alg": "ES256", "jwk": jwk});
        let case = |token: String, nonce: &str| verify_proof_jwt(&token, &expect(nonce)).unwrap_err();
        let cases: Vec<(ProofError, &str, &str)> = vec![
            (case(forge(header("JWT"), ok_payload.clone(), &holder), "n1"), "proof_typ_invalid", "invalid_proof"),
            (
                case(
                    forge(
                        header(PROOF_TYP),
                        json!({"aud": "https://other.example", "iat": 1_701_960_444, "nonce": "n1"}),
                        &holder,
                    ),
                    "n1",
                ),
                "proof_aud_mismatch",
                "invalid_proof",
            ),
            (case(forge(header(PROOF_TYP), ok_payload.clone(), &holder), "n2"), "proof_nonce_invalid", "invalid_nonce"),
            (
                case(forge(header(PROOF_TYP), json!({"aud": ISS, "iat": 1_701_960_444}), &holder), "n1"),
                "proof_nonce_missing",
                "invalid_proof",
            ),
            (
                case(forge(header(PROOF_TYP), json!({"aud": ISS, "iat": 1_701_950_000, "nonce": "n1"}), &holder), "n1"),
                "proof_iat_stale",
                "invalid_proof",
            ),
            (
                case(forge(header(PROOF_TYP), json!({"aud": ISS, "iat": 1_701_970_000, "nonce": "n1"}), &holder), "n1"),
                "proof_iat_in_future",
                "invalid_proof",
            ),
            (
                case(forge(header(PROOF_TYP), json!({"iat": 1_701_960_444, "nonce": "n1"}), &holder), "n1"),
                "proof_claim_missing",
                "invalid_proof",
            ),
            (
                case(forge(json!({"typ": PROOF_TYP, "alg": "ES256"}), ok_payload.clone(), &holder), "n1"),
                "proof_key_missing",
                "invalid_proof",
            ),
            (
                case(
                    forge(
                        json!({"typ": PROOF_TYP, "alg": "ES256", "jwk": jwk, "kid": "k"}),
                        ok_payload.clone(),
                        &holder,
                    ),
                    "n1",
                ),
                "proof_key_ambiguous",
                "invalid_proof",
            ),
            (
                case(forge(json!({"typ": PROOF_TYP, "alg": "none", "jwk": jwk}), ok_payload.clone(), &holder), "n1"),
                "proof_alg_not_allowed",
                "invalid_proof",
            ),
            (
                case(forge(json!({"typ": PROOF_TYP, "alg": "HS256", "jwk": jwk}), ok_payload.clone(), &holder), "n1"),
                "proof_alg_not_allowed",
                "invalid_proof",
            ),
            (case("not-a-jwt".into(), "n1"), "proof_malformed", "invalid_proof"),
        ];
        for (err, code, oauth) in cases {
            assert_eq!((err.code(), err.oauth_code().as_str()), (code, oauth), "{err}");
        }
        // Private key material in the header.
        let mut with_d = jwk.clone();
        with_d["d"] = json!("AAAA");
        let e =
            case(forge(json!({"typ": PROOF_TYP, "alg": "ES256", "jwk": with_d}), ok_payload.clone(), &holder), "n1");
        assert_eq!(e.code(), "proof_private_key");
        // Signed by another key than the one in the header.
        let other = SoftwareEs256Key::generate().unwrap();
        let e = case(forge(header(PROOF_TYP), ok_payload.clone(), &other), "n1");
        assert_eq!(e.code(), "proof_signature_invalid");
        // EdDSA is a valid JWS alg for us but not in this issuer's proof_signing_alg_values_supported.
        let ed = SoftwareEd25519Key::generate().unwrap();
        let t = build_proof_jwt(&ed, ISS, Some("n1"), 1_701_960_444).unwrap();
        assert_eq!(verify_proof_jwt(&t, &expect("n1")).unwrap_err().code(), "proof_alg_not_allowed");
    }

    #[test]
    fn several_proofs_in_one_request() {
        let a = SoftwareEs256Key::generate().unwrap();
        let b = SoftwareEs256Key::generate().unwrap();
        let now = 1_701_960_444;
        let pa = build_proof_jwt(&a, ISS, Some("n1"), now).unwrap();
        let pb = build_proof_jwt(&b, ISS, Some("n1"), now).unwrap();
        let check = |n: &str| n == "n1";
        let ex = ProofExpectations::new(ISS, NonceCheck::With(&check), now);
        let proofs = Proofs { jwt: Some(vec![pa.clone(), pb]), other: Map::new() };
        let keys = verify_jwt_proofs(Some(&proofs), &ex, 4).unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(
            verify_jwt_proofs(Some(&proofs), &ex, 1).unwrap_err().oauth_code(),
            ErrorCode::InvalidCredentialRequest
        );
        let dup = Proofs { jwt: Some(vec![pa.clone(), pa.clone()]), other: Map::new() };
        assert_eq!(verify_jwt_proofs(Some(&dup), &ex, 4).unwrap_err().code(), "proof_duplicate_key");
        assert_eq!(verify_jwt_proofs(None, &ex, 4).unwrap_err().code(), "proof_missing");
        // Deferred nonce checking hands the nonce back and still insists on one.
        let deferred = ProofExpectations::new(ISS, NonceCheck::Required, now);
        assert_eq!(verify_proof_jwt(&pa, &deferred).unwrap().nonce.as_deref(), Some("n1"));
        let none = build_proof_jwt(&a, ISS, None, now).unwrap();
        assert_eq!(verify_proof_jwt(&none, &deferred).unwrap_err().code(), "proof_nonce_missing");
    }
}
