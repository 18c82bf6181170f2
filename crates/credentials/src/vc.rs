//! SD-JWT VC (draft-ietf-oauth-sd-jwt-vc-26): issuing a credential with `typ: dc+sd-jwt`, the
//! registered claims `iss`, `vct`, `iat`, `nbf`, `exp`, `cnf`, `status` (§3.2.2), and the Type
//! Metadata document served at a `vct` URL (§6). Which personal claims a passport credential
//! carries is decided by the caller (the server maps domain records); this module only enforces
//! the format.

use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::error::CredentialError;
use crate::jws::{Jwk, Signer};
use crate::sdjwt::{self, SdPlan, pointer};
use crate::status::StatusRef;

/// The media type of an SD-JWT VC (§3.1).
pub const VC_TYP: &str = "dc+sd-jwt";
/// The type used by drafts before -06; accepted on verification only when asked for.
pub const LEGACY_VC_TYP: &str = "vc+sd-jwt";

/// Registered claims SD-JWT VC forbids making selectively disclosable (§3.2.2.2), and that
/// callers therefore set through [`VcSpec`] fields rather than in `claims`.
pub const NEVER_DISCLOSABLE: &[&str] = &["iss", "vct", "vct#integrity", "iat", "nbf", "exp", "cnf", "status"];

/// Everything needed to issue one credential.
#[derive(Debug, Clone)]
pub struct VcSpec {
    pub iss: String,
    pub vct: String,
    pub iat: i64,
    pub nbf: Option<i64>,
    pub exp: Option<i64>,
    /// The holder's public key; `None` issues a credential without key binding.
    pub cnf: Option<Jwk>,
    pub status: Option<StatusRef>,
    /// The personal claims.
    pub claims: Map<String, Value>,
    /// Which of `claims` are selectively disclosable; see [`SdPlan::all_members`].
    pub sd: SdPlan,
}

impl SdPlan {
    /// Every top-level member and every element of a top-level array disclosable on its own
    /// (one disclosure per array element, e.g. per CSTF competence), with `decoys` decoys.
    pub fn all_members(claims: &Map<String, Value>, decoys: usize) -> Self {
        let mut paths = Vec::new();
        for (name, value) in claims {
            let p = format!("/{}", pointer::escape(name));
            if let Value::Array(items) = value {
                paths.extend((0..items.len()).map(|i| format!("{p}/{i}")));
            }
            paths.push(p);
        }
        SdPlan { paths, decoys }
    }
}

/// Issues an SD-JWT VC signed by `signer`; returns `<jwt>~<disclosures>~`.
pub fn issue_vc(spec: &VcSpec, signer: &dyn Signer, rng: &mut dyn RngCore) -> Result<String, CredentialError> {
    let input = |reason: String| CredentialError::Input { field: "claims", reason };
    if let Some(name) = spec.claims.keys().find(|k| NEVER_DISCLOSABLE.contains(&k.as_str()) || *k == "_sd_alg") {
        return Err(input(format!("{name} is a registered claim; set it through VcSpec")));
    }
    if signer.alg() != "ES256" {
        // DESIGN.md §4: we issue ES256 only; EdDSA is for verification of others.
        return Err(input(format!("issuer alg must be ES256, not {}", signer.alg())));
    }
    let mut claims = Map::new();
    claims.insert("iss".into(), json!(spec.iss));
    claims.insert("vct".into(), json!(spec.vct));
    claims.insert("iat".into(), json!(spec.iat));
    if let Some(nbf) = spec.nbf {
        claims.insert("nbf".into(), json!(nbf));
    }
    if let Some(exp) = spec.exp {
        claims.insert("exp".into(), json!(exp));
    }
    if let Some(cnf) = &spec.cnf {
        claims.insert("cnf".into(), json!({ "jwk": cnf.bare() }));
    }
    if let Some(status) = &spec.status {
        claims.insert("status".into(), status.to_claim());
    }
    let mut header = Map::new();
    header.insert("typ".into(), json!(VC_TYP));
    sdjwt::issue(header, &[&claims, &spec.claims], &spec.sd, signer, rng)
}

/// Type Metadata (§6): what a `vct` means and how to display it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypeMetadata {
    pub vct: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extends: Option<String>,
    #[serde(rename = "extends#integrity", default, skip_serializing_if = "Option::is_none")]
    pub extends_integrity: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub display: Vec<TypeDisplay>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<ClaimMetadata>,
}

/// Display properties of the type for one locale (§6.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypeDisplay {
    pub locale: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Metadata of one claim (§6.4): `path` elements are names, indices or `null` (every element).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimMetadata {
    pub path: Vec<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub display: Vec<ClaimDisplay>,
    /// `always`, `allowed` or `never` (§6.4.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sd: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mandatory: Option<bool>,
}

/// A claim's label for one locale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimDisplay {
    pub locale: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}
