//! The [`Signer`] trait, the seam where an HSM or cloud KMS replaces the software keys, and the
//! two software keys over aws-lc-rs: ES256 (what we issue with) and Ed25519 (holder keys, tests).
//! Private key material never leaves these types except as PKCS#8 for the caller's own storage,
//! and `Debug` never prints it.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair};

use super::Jwk;
use crate::b64;
use crate::error::CredentialError;

/// Something that signs JWS payloads: a software key now, an HSM or KMS later.
pub trait Signer: Send + Sync {
    /// The JWS `alg`, e.g. `ES256`.
    fn alg(&self) -> &str;
    /// The `kid` placed in headers (the RFC 7638 thumbprint for our own keys).
    fn kid(&self) -> &str;
    /// The public half, with `kid`.
    fn public_jwk(&self) -> Jwk;
    /// Signs the JWS signing input; ES256 returns the 64-byte `r || s` form (RFC 7518 §3.4).
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CredentialError>;
}

/// An ES256 key held in process memory (aws-lc-rs), stored by callers as PKCS#8 bytes.
pub struct SoftwareEs256Key {
    pair: EcdsaKeyPair,
    jwk: Jwk,
    kid: String,
    rng: SystemRandom,
}

impl std::fmt::Debug for SoftwareEs256Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print private key material.
        f.debug_struct("SoftwareEs256Key").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl SoftwareEs256Key {
    /// A fresh P-256 key from the operating system's CSPRNG.
    pub fn generate() -> Result<Self, CredentialError> {
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .map_err(|_| CredentialError::Key("P-256 key generation failed".into()))?;
        Self::from_pkcs8(doc.as_ref())
    }

    /// Loads a key from PKCS#8 v1 DER (what [`to_pkcs8`](Self::to_pkcs8) produced).
    pub fn from_pkcs8(der: &[u8]) -> Result<Self, CredentialError> {
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der)
            .map_err(|e| CredentialError::Key(format!("PKCS#8 P-256 key rejected: {e}")))?;
        let point = pair.public_key().as_ref();
        let jwk = Jwk {
            kty: "EC".into(),
            crv: "P-256".into(),
            x: b64::encode(&point[1..33]),
            y: Some(b64::encode(&point[33..65])),
            kid: None,
            alg: Some("ES256".into()),
            use_: None,
        }
        .with_thumbprint_kid();
        let kid = jwk.kid.clone().unwrap_or_default();
        Ok(Self { pair, jwk, kid, rng: SystemRandom::new() })
    }

    /// PKCS#8 v1 DER of the private key, for encrypted storage by the caller.
    pub fn to_pkcs8(&self) -> Result<Vec<u8>, CredentialError> {
        let doc = self.pair.to_pkcs8v1().map_err(|_| CredentialError::Key("PKCS#8 export failed".into()))?;
        Ok(doc.as_ref().to_vec())
    }
}

impl Signer for SoftwareEs256Key {
    fn alg(&self) -> &str {
        "ES256"
    }
    fn kid(&self) -> &str {
        &self.kid
    }
    fn public_jwk(&self) -> Jwk {
        self.jwk.clone()
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CredentialError> {
        let sig = self.pair.sign(&self.rng, message).map_err(|_| CredentialError::Signing("ES256".into()))?;
        Ok(sig.as_ref().to_vec())
    }
}

/// An Ed25519 key (RFC 8037) in process memory; used for holder keys and interop tests.
pub struct SoftwareEd25519Key {
    pair: Ed25519KeyPair,
    jwk: Jwk,
    kid: String,
}

impl std::fmt::Debug for SoftwareEd25519Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoftwareEd25519Key").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl SoftwareEd25519Key {
    /// A fresh Ed25519 key.
    pub fn generate() -> Result<Self, CredentialError> {
        let pair = Ed25519KeyPair::generate().map_err(|_| CredentialError::Key("Ed25519 generation failed".into()))?;
        let jwk = Jwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: b64::encode(pair.public_key().as_ref()),
            y: None,
            kid: None,
            alg: Some("EdDSA".into()),
            use_: None,
        }
        .with_thumbprint_kid();
        let kid = jwk.kid.clone().unwrap_or_default();
        Ok(Self { pair, jwk, kid })
    }
}

impl Signer for SoftwareEd25519Key {
    fn alg(&self) -> &str {
        "EdDSA"
    }
    fn kid(&self) -> &str {
        &self.kid
    }
    fn public_jwk(&self) -> Jwk {
        self.jwk.clone()
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CredentialError> {
        Ok(self.pair.sign(message).as_ref().to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs8_storage_round_trips_and_kid_is_the_thumbprint() {
        let key = SoftwareEs256Key::generate().unwrap();
        let again = SoftwareEs256Key::from_pkcs8(&key.to_pkcs8().unwrap()).unwrap();
        assert_eq!(key.public_jwk(), again.public_jwk());
        assert_eq!(key.kid(), key.public_jwk().thumbprint());
        assert!(!format!("{key:?}").contains("pair"));
    }
}
