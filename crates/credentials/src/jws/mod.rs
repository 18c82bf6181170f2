//! Compact JWS (RFC 7515 §7.1): signing through a [`Signer`] and verification of ES256
//! (RFC 7518 §3.4) and EdDSA/Ed25519 (RFC 8037). `alg: none`, every HMAC and every other
//! algorithm are refused before any key is touched. This module owns no policy about *which* key
//! to trust: callers pick the key.

mod jwk;
mod keys;

pub use jwk::Jwk;
pub use keys::{Signer, SoftwareEd25519Key, SoftwareEs256Key};

use aws_lc_rs::signature::{self, ParsedPublicKey};
use serde_json::{Map, Value};

use crate::b64;
use crate::error::{CredentialError, VerifyError};
use crate::json::write_str;

/// The algorithms we verify. Anything else, notably `none` and `HS*`, never gets this far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    Es256,
    EdDsa,
}

impl Alg {
    /// Parses a header `alg`; every unlisted value is [`VerifyError::AlgNotAllowed`].
    pub fn parse(alg: &str) -> Result<Self, VerifyError> {
        match alg {
            "ES256" => Ok(Alg::Es256),
            // RFC 8037 `EdDSA`, and the fully-specified `Ed25519` name.
            "EdDSA" | "Ed25519" => Ok(Alg::EdDsa),
            other => Err(VerifyError::AlgNotAllowed(format!("alg {other:?}"))),
        }
    }
}

/// A public key parsed once (curve point checked) and ready to verify many signatures.
#[derive(Clone)]
pub struct VerifyingKey {
    alg: Alg,
    key: ParsedPublicKey,
    jwk: Jwk,
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyingKey").field("alg", &self.alg).field("kid", &self.jwk.kid).finish()
    }
}

impl VerifyingKey {
    /// Parses an EC P-256 or OKP Ed25519 public JWK; other key types are refused.
    pub fn from_jwk(jwk: &Jwk) -> Result<Self, String> {
        let (alg, key) = match (jwk.kty.as_str(), jwk.crv.as_str()) {
            ("EC", "P-256") => {
                let x = b64::decode(&jwk.x).filter(|v| v.len() == 32).ok_or("bad EC x coordinate")?;
                let y =
                    jwk.y.as_deref().and_then(b64::decode).filter(|v| v.len() == 32).ok_or("bad EC y coordinate")?;
                let mut point = Vec::with_capacity(65);
                point.push(4);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                let key = ParsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                    .map_err(|_| "EC point is not on P-256")?;
                (Alg::Es256, key)
            }
            ("OKP", "Ed25519") => {
                let x = b64::decode(&jwk.x).filter(|v| v.len() == 32).ok_or("bad Ed25519 x")?;
                let key = ParsedPublicKey::new(&signature::ED25519, x).map_err(|_| "bad Ed25519 key")?;
                (Alg::EdDsa, key)
            }
            (kty, crv) => return Err(format!("unsupported key type {kty}/{crv}")),
        };
        Ok(Self { alg, key, jwk: jwk.clone() })
    }

    /// The algorithm this key verifies.
    pub fn alg(&self) -> Alg {
        self.alg
    }

    /// The JWK it was parsed from.
    pub fn jwk(&self) -> &Jwk {
        &self.jwk
    }

    /// True when `signature` is valid for `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.key.verify_sig(message, signature).is_ok()
    }
}

/// Signs `payload` as a compact JWS. `header` supplies `typ` and anything else; `alg` and `kid`
/// are always taken from the signer so they cannot disagree with the key.
pub fn sign_compact(
    header: Map<String, Value>,
    payload: &[u8],
    signer: &dyn Signer,
) -> Result<String, CredentialError> {
    into_string(sign_inner(Header::Map(&header), payload, signer, true, 0)?)
}

/// The caller's header members: a map, or just `typ` (no map to build on the issuing path).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Header<'a> {
    Map(&'a Map<String, Value>),
    Typ(&'a str),
}

/// As [`sign_compact`], returning the token's bytes (ASCII) with room for `extra` more bytes,
/// for callers that append to it.
pub(crate) fn sign_compact_bytes(
    header: Header<'_>,
    payload: &[u8],
    signer: &dyn Signer,
    extra: usize,
) -> Result<Vec<u8>, CredentialError> {
    sign_inner(header, payload, signer, true, extra)
}

fn into_string(token: Vec<u8>) -> Result<String, CredentialError> {
    String::from_utf8(token).map_err(|e| CredentialError::Signing(e.to_string()))
}

/// As [`sign_compact`] but without `kid`: a KB-JWT is checked against `cnf.jwk`, and a holder
/// key id in the header would only add a correlation handle.
pub fn sign_compact_without_kid(
    header: Map<String, Value>,
    payload: &[u8],
    signer: &dyn Signer,
) -> Result<String, CredentialError> {
    into_string(sign_inner(Header::Map(&header), payload, signer, false, 0)?)
}

fn sign_inner(
    header: Header<'_>,
    payload: &[u8],
    signer: &dyn Signer,
    with_kid: bool,
    extra: usize,
) -> Result<Vec<u8>, CredentialError> {
    // The header is written straight to JSON text (the same text serde_json gives for the map
    // `alg`, the caller's members in order, `kid`), and every part is base64url-encoded in place
    // into one buffer: issuing is on the hot path.
    let mut header_json = Vec::with_capacity(128);
    header_json.extend_from_slice(b"{\"alg\":");
    write_str(&mut header_json, signer.alg());
    let members: &mut dyn Iterator<Item = (&str, &Value)> = match header {
        Header::Map(m) => &mut m.iter().map(|(k, v)| (k.as_str(), v)),
        Header::Typ(_) => &mut std::iter::empty(),
    };
    if let Header::Typ(typ) = header {
        header_json.extend_from_slice(b",\"typ\":");
        write_str(&mut header_json, typ);
    }
    for (k, v) in members {
        if k != "alg" && k != "kid" {
            header_json.push(b',');
            write_str(&mut header_json, k);
            header_json.push(b':');
            match v {
                Value::String(s) => write_str(&mut header_json, s),
                other => serde_json::to_writer(&mut header_json, other)
                    .map_err(|e| CredentialError::Signing(e.to_string()))?,
            }
        }
    }
    if with_kid {
        header_json.extend_from_slice(b",\"kid\":");
        write_str(&mut header_json, signer.kid());
    }
    header_json.push(b'}');
    let len = b64::encoded_len(header_json.len()) + b64::encoded_len(payload.len()) + 2 + 86;
    let mut out = Vec::with_capacity(len + extra);
    b64::encode_append_bytes(&header_json, &mut out);
    out.push(b'.');
    b64::encode_append_bytes(payload, &mut out);
    let sig = signer.sign(&out)?;
    out.push(b'.');
    b64::encode_append_bytes(sig, &mut out);
    Ok(out)
}

/// A compact JWS split and decoded, not yet verified.
#[derive(Debug, Clone)]
pub struct CompactJws<'a> {
    pub signing_input: &'a str,
    pub header: Map<String, Value>,
    pub alg: Alg,
    pub payload: Vec<u8>,
    pub signature: Vec<u8>,
}

impl<'a> CompactJws<'a> {
    /// Splits and decodes; refuses `alg: none`, HMAC and unknown algorithms and `crit`.
    pub fn parse(token: &'a str) -> Result<Self, VerifyError> {
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(VerifyError::Malformed("a JWS needs exactly three parts".into()));
        };
        let header_bytes = b64::decode(h).ok_or_else(|| VerifyError::Malformed("header is not base64url".into()))?;
        let header: Map<String, Value> = crate::json::object_from_slice(&header_bytes)
            .map_err(|e| VerifyError::HeaderInvalid(format!("header: {e}")))?;
        let alg = match header.get("alg") {
            Some(Value::String(a)) => Alg::parse(a)?,
            _ => return Err(VerifyError::AlgNotAllowed("alg missing".into())),
        };
        // RFC 7515 §4.1.11: we understand no extensions, so any `crit` must be refused.
        if header.contains_key("crit") {
            return Err(VerifyError::HeaderInvalid("crit is not supported".into()));
        }
        let payload = b64::decode(p).ok_or_else(|| VerifyError::Malformed("payload is not base64url".into()))?;
        let signature = b64::decode(s).ok_or_else(|| VerifyError::Malformed("signature is not base64url".into()))?;
        let signing_input = &token[..h.len() + 1 + p.len()];
        Ok(Self { signing_input, header, alg, payload, signature })
    }

    /// A string header member.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header.get(name).and_then(Value::as_str)
    }

    /// Checks the signature with `key`; `Err(AlgKeyMismatch)` when the key cannot serve `alg`,
    /// `Ok(false)` when the signature is wrong.
    pub fn verify_with(&self, key: &VerifyingKey) -> Result<bool, VerifyError> {
        if key.alg() != self.alg {
            return Err(VerifyError::AlgKeyMismatch(format!("{:?} key for {:?}", key.alg(), self.alg)));
        }
        Ok(key.verify(self.signing_input.as_bytes(), &self.signature))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn es256_round_trip_and_pkcs8_storage() {
        let key = SoftwareEs256Key::generate().unwrap();
        let again = SoftwareEs256Key::from_pkcs8(&key.to_pkcs8().unwrap()).unwrap();
        assert_eq!(key.public_jwk(), again.public_jwk());
        let token = sign_compact(Map::new(), b"{}", &key).unwrap();
        let jws = CompactJws::parse(&token).unwrap();
        let vk = VerifyingKey::from_jwk(&again.public_jwk()).unwrap();
        assert!(jws.verify_with(&vk).unwrap());
        assert_eq!(jws.header_str("kid"), Some(key.kid()));
    }

    #[test]
    fn ed25519_verifies_and_cannot_stand_in_for_es256() {
        let ed = SoftwareEd25519Key::generate().unwrap();
        let token = sign_compact(Map::new(), b"{}", &ed).unwrap();
        let jws = CompactJws::parse(&token).unwrap();
        assert!(jws.verify_with(&VerifyingKey::from_jwk(&ed.public_jwk()).unwrap()).unwrap());
        let ec = SoftwareEs256Key::generate().unwrap();
        let err = jws.verify_with(&VerifyingKey::from_jwk(&ec.public_jwk()).unwrap()).unwrap_err();
        assert_eq!(err.code(), "alg_key_mismatch");
    }

    #[test]
    fn none_and_hmac_are_refused() {
        for alg in ["none", "HS256", "HS512", "RS256", "ES384", "NONE"] {
            assert_eq!(Alg::parse(alg).unwrap_err().code(), "alg_not_allowed", "{alg}");
        }
    }
}
