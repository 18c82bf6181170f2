//! JWTs an organisation signs with its trust-listed issuer key for another organisation (our own
//! profile, not a standard; used by the Inter-Authority Transfer across deployments): a compact JWS
//! with an explicit `typ`, the signer's `kid`, and `iss` (the organisation's issuer identifier) and
//! `iat` in the payload.
//!
//! Verifying one checks the form and the key only: `typ`, a listed organisation named by `iss`
//! whose `kid` is on the trust list and was not retired before `iat`, and the signature. What the
//! claims mean (audience, time window, replay) is the caller's rule.

use serde_json::{Map, Value, json};

use crate::error::{CredentialError, VerifyError};
use crate::jws::{self, CompactJws, Signer};
use crate::trust::TrustSource;

/// Signs `payload` (a JSON object carrying `iss` and `iat`) with `typ`.
pub fn sign(typ: &str, payload: &Value, signer: &dyn Signer) -> Result<String, CredentialError> {
    let mut header = Map::new();
    header.insert("typ".into(), json!(typ));
    let bytes = serde_json::to_vec(payload).map_err(|e| CredentialError::Signing(e.to_string()))?;
    jws::sign_compact(header, &bytes, signer)
}

/// A verified organisation JWT: who signed it (as the trust list names them) and its payload.
#[derive(Debug, Clone)]
pub struct VerifiedOrgJwt {
    pub iss: String,
    pub ods_code: String,
    pub organisation: String,
    pub payload: Map<String, Value>,
}

/// Verifies `token` as an organisation JWT of type `typ` signed by a key `trust` lists for its
/// `iss`. Refusals: `malformed`, `alg_not_allowed`, `typ_invalid`, `kid_missing`,
/// `payload_invalid`, `claim_missing`, `issuer_not_trusted`, `issuer_suspended`,
/// `key_not_trusted`, `key_retired`, `signature_invalid`.
pub fn verify(token: &str, typ: &str, trust: &dyn TrustSource) -> Result<VerifiedOrgJwt, VerifyError> {
    let jws = CompactJws::parse(token.trim())?;
    if jws.header_str("typ") != Some(typ) {
        return Err(VerifyError::TypInvalid(format!("typ is not {typ}")));
    }
    let kid = jws.header_str("kid").ok_or_else(|| VerifyError::KidMissing("no kid".into()))?.to_owned();
    let payload = crate::json::object_from_slice(&jws.payload)
        .map_err(|e| VerifyError::PayloadInvalid(format!("payload: {e}")))?;
    let iss = payload.get("iss").and_then(Value::as_str).ok_or_else(|| VerifyError::ClaimMissing("iss".into()))?;
    let iat = payload.get("iat").and_then(Value::as_i64).ok_or_else(|| VerifyError::ClaimMissing("iat".into()))?;
    let resolved = trust.resolve(iss, &kid)?;
    // Rotation: a retired key vouches only for what it signed before retirement.
    if let Some(retired) = resolved.retired_at
        && iat >= retired
    {
        return Err(VerifyError::KeyRetired(format!("key retired at {retired}, signed at {iat}")));
    }
    if !jws.verify_with(&resolved.key)? {
        return Err(VerifyError::SignatureInvalid("signature does not verify under the listed key".into()));
    }
    Ok(VerifiedOrgJwt {
        iss: iss.to_owned(),
        ods_code: resolved.ods_code,
        organisation: resolved.organisation,
        payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::b64;
    use crate::jws::SoftwareEs256Key;
    use crate::trust::{ListedKey, OrgStatus, Organisation, TrustIndex, TrustList};

    const ISS: &str = "https://old.example/issuers/RRK";

    fn list(key: &SoftwareEs256Key, retired_at: Option<i64>, status: OrgStatus) -> TrustIndex {
        let org = Organisation {
            ods_code: "RRK".into(),
            name: "Old Trust".into(),
            issuer: ISS.into(),
            status,
            keys: vec![ListedKey { jwk: key.public_jwk(), retired_at }],
        };
        let list = TrustList {
            iss: "https://old.example".into(),
            iat: 0,
            exp: i64::MAX,
            sequence: 1,
            organisations: vec![org],
        };
        TrustIndex::new(&list).unwrap()
    }

    fn token(key: &SoftwareEs256Key, typ: &str, iss: &str) -> String {
        sign(typ, &json!({"iss": iss, "iat": 1000, "hello": "world"}), key).unwrap()
    }

    #[test]
    fn a_listed_key_verifies_and_every_spoil_is_named() {
        let key = SoftwareEs256Key::generate().unwrap();
        let other = SoftwareEs256Key::generate().unwrap();
        let trust = list(&key, None, OrgStatus::Active);
        let good = token(&key, "test+jwt", ISS);
        let verified = verify(&good, "test+jwt", &trust).unwrap();
        assert_eq!((verified.iss.as_str(), verified.ods_code.as_str()), (ISS, "RRK"));
        assert_eq!(verified.payload["hello"], "world");

        // A payload altered after signing, keeping the signature.
        let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
        parts[1] = b64::encode(br#"{"iss":"https://old.example/issuers/RRK","iat":1000,"hello":"altered"}"#);
        let altered = parts.join(".");
        let unsigned = format!("{}.{}.", parts[0], parts[1]);
        let cases: [(&str, String, &TrustIndex, &str); 8] = [
            ("altered payload", altered, &trust, "signature_invalid"),
            ("signature stripped", unsigned, &trust, "signature_invalid"),
            ("not a JWS", "hello".into(), &trust, "malformed"),
            ("another typ", token(&key, "other+jwt", ISS), &trust, "typ_invalid"),
            (
                "an unlisted issuer",
                token(&key, "test+jwt", "https://third.example/issuers/RTH"),
                &trust,
                "issuer_not_trusted",
            ),
            ("an unlisted key", token(&other, "test+jwt", ISS), &trust, "key_not_trusted"),
            ("a key retired before signing", good.clone(), &list(&key, Some(500), OrgStatus::Active), "key_retired"),
            ("a suspended organisation", good.clone(), &list(&key, None, OrgStatus::Suspended), "issuer_suspended"),
        ];
        for (name, token, trust, code) in cases {
            let err = verify(&token, "test+jwt", trust).unwrap_err();
            assert_eq!(err.code(), code, "{name}: {err}");
        }
        // A key retired after it signed still vouches for what it signed.
        assert!(verify(&good, "test+jwt", &list(&key, Some(2000), OrgStatus::Active)).is_ok());
    }
}
