//! JSON Web Key (RFC 7517) for the public keys we handle, EC P-256 and OKP Ed25519, and the
//! RFC 7638 thumbprint we use as `kid`. Private key members are never modelled here.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::b64;

/// A public JSON Web Key: EC P-256 or OKP Ed25519. Private members are never modelled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    pub x: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
}

impl Jwk {
    /// The RFC 7638 thumbprint (SHA-256, base64url): our `kid` for every key we mint.
    pub fn thumbprint(&self) -> String {
        // RFC 7638 §3.2: only the required members, lexicographic order, no whitespace.
        let canonical = match self.kty.as_str() {
            "EC" => format!(
                r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#,
                self.crv,
                self.x,
                self.y.as_deref().unwrap_or_default()
            ),
            _ => format!(r#"{{"crv":"{}","kty":"{}","x":"{}"}}"#, self.crv, self.kty, self.x),
        };
        b64::encode(Sha256::digest(canonical.as_bytes()))
    }

    /// The same key with `kid` set to its thumbprint.
    pub fn with_thumbprint_kid(mut self) -> Self {
        self.kid = Some(self.thumbprint());
        self
    }

    /// The key without `kid`, `alg`, `use`: what goes in `cnf.jwk`.
    pub fn bare(&self) -> Self {
        Jwk { kid: None, alg: None, use_: None, ..self.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7638_thumbprint_uses_the_required_members_in_order() {
        // The canonical form of the RFC 9901 A.5 issuer key, built by hand.
        let jwk = Jwk {
            kty: "EC".into(),
            crv: "P-256".into(),
            x: "b28d4MwZMjw8-00CG4xfnn9SLMVMM19SlqZpVb_uNtQ".into(),
            y: Some("Xv5zWwuoaTgdS6hV43yI6gBwTnjukmFQQnJ_kCxzqk8".into()),
            kid: Some("ignored".into()),
            alg: Some("ES256".into()),
            use_: None,
        };
        let canonical = r#"{"crv":"P-256","kty":"EC","x":"b28d4MwZMjw8-00CG4xfnn9SLMVMM19SlqZpVb_uNtQ","y":"Xv5zWwuoaTgdS6hV43yI6gBwTnjukmFQQnJ_kCxzqk8"}"#;
        assert_eq!(jwk.thumbprint(), b64::encode(Sha256::digest(canonical)));
    }
}
