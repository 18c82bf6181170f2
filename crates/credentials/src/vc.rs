//! SD-JWT VC (draft-ietf-oauth-sd-jwt-vc-26): issuing a credential with `typ: dc+sd-jwt`, the
//! registered claims `iss`, `vct`, `iat`, `nbf`, `exp`, `cnf`, `status` (§3.2.2), and the Type
//! Metadata document served at a `vct` URL (§6). Which personal claims a passport credential
//! carries is decided by the caller (the server maps domain records); this module only enforces
//! the format.

use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::CredentialError;
use crate::json::write_str;
use crate::jws::{self, Jwk, Signer};
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
    // The registered claims are never disclosable, so they are written straight to JSON text (the
    // same text serde_json gives for them as a map, in this order) ahead of the personal claims.
    let mut prefix = Vec::with_capacity(512);
    prefix.extend_from_slice(b"\"iss\":");
    write_str(&mut prefix, &spec.iss);
    prefix.extend_from_slice(b",\"vct\":");
    write_str(&mut prefix, &spec.vct);
    write_int(&mut prefix, "iat", spec.iat);
    if let Some(nbf) = spec.nbf {
        write_int(&mut prefix, "nbf", nbf);
    }
    if let Some(exp) = spec.exp {
        write_int(&mut prefix, "exp", exp);
    }
    if let Some(cnf) = &spec.cnf {
        // `{"jwk": cnf.bare()}`: the key without `kid`, `alg`, `use`.
        prefix.extend_from_slice(b",\"cnf\":{\"jwk\":{\"kty\":");
        write_str(&mut prefix, &cnf.kty);
        prefix.extend_from_slice(b",\"crv\":");
        write_str(&mut prefix, &cnf.crv);
        prefix.extend_from_slice(b",\"x\":");
        write_str(&mut prefix, &cnf.x);
        if let Some(y) = &cnf.y {
            prefix.extend_from_slice(b",\"y\":");
            write_str(&mut prefix, y);
        }
        prefix.extend_from_slice(b"}}");
    }
    if let Some(status) = &spec.status {
        // `StatusRef::to_claim`: `{"status_list":{"idx":…,"uri":…}}`.
        prefix.extend_from_slice(b",\"status\":{\"status_list\":{\"idx\":");
        write_num(&mut prefix, status.idx);
        prefix.extend_from_slice(b",\"uri\":");
        write_str(&mut prefix, &status.uri);
        prefix.extend_from_slice(b"}}");
    }
    sdjwt::issue_with_prefix(jws::Header::Typ(VC_TYP), &prefix, &[&spec.claims], &spec.sd, signer, rng)
}

fn write_int(out: &mut Vec<u8>, name: &str, n: i64) {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
    write_num(out, n);
}

/// A JSON integer, without a temporary string.
fn write_num(out: &mut Vec<u8>, n: impl std::fmt::Display) {
    use std::io::Write;
    let _ = write!(out, "{n}");
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
    /// Where a JSON Schema of the credential's processed payload is published, with its
    /// integrity. Type Metadata had these members up to draft -08 (§6.5 there); later drafts
    /// describe claims only through `claims`, and a receiver ignores members it does not know,
    /// so they are kept for those that validate with a schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_uri: Option<String>,
    #[serde(rename = "schema_uri#integrity", default, skip_serializing_if = "Option::is_none")]
    pub schema_uri_integrity: Option<String>,
}

/// A W3C Subresource Integrity string (`sha256-<base64>`) of a document, as the `#integrity`
/// members of Type Metadata carry it.
pub fn integrity(document: &[u8]) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    format!("sha256-{}", base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(document)))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jws::SoftwareEs256Key;
    use rand::SeedableRng;
    use serde_json::json;

    /// `issue_vc` writes the registered claims and header as text; they must be exactly the bytes
    /// the generic path gives for them as maps (everything but the randomised ES256 signature).
    #[test]
    fn written_registered_claims_equal_the_generic_map_path() {
        let key = SoftwareEs256Key::generate().unwrap();
        let holder = SoftwareEs256Key::generate().unwrap();
        let claims = json!({"given_name": "Zoë \"Q\"", "competences": [{"s": "Fire"}, {"s": "IG"}], "n": 1})
            .as_object()
            .cloned()
            .unwrap();
        let mut cnf = holder.public_jwk();
        cnf.use_ = Some("sig".into());
        let spec = VcSpec {
            iss: "https://iss.example/a\\b".into(),
            vct: "https://vct.example/x".into(),
            iat: -5,
            nbf: Some(1_700_000_000),
            exp: Some(1_800_000_000),
            cnf: Some(cnf.clone()),
            status: Some(StatusRef { idx: u64::MAX, uri: "https://s.example/1".into() }),
            sd: SdPlan::all_members(&claims, 3),
            claims,
        };
        let mut registered = Map::new();
        registered.insert("iss".into(), json!(spec.iss));
        registered.insert("vct".into(), json!(spec.vct));
        registered.insert("iat".into(), json!(spec.iat));
        registered.insert("nbf".into(), json!(spec.nbf));
        registered.insert("exp".into(), json!(spec.exp));
        registered.insert("cnf".into(), json!({ "jwk": cnf.bare() }));
        registered.insert("status".into(), spec.status.as_ref().unwrap().to_claim());
        let mut header = Map::new();
        header.insert("typ".into(), json!(VC_TYP));
        let unsigned = |s: String| {
            let (jwt, tail) = s.split_once('~').unwrap();
            format!("{}~{tail}", jwt.rsplit_once('.').unwrap().0)
        };
        let fast = issue_vc(&spec, &key, &mut rand::rngs::StdRng::seed_from_u64(3)).unwrap();
        let generic = sdjwt::issue(
            header,
            &[&registered, &spec.claims],
            &spec.sd,
            &key,
            &mut rand::rngs::StdRng::seed_from_u64(3),
        )
        .unwrap();
        let header_text = crate::b64::decode(fast.split('.').next().unwrap()).unwrap();
        let expected = json!({"alg": "ES256", "typ": VC_TYP, "kid": key.kid()});
        assert_eq!(header_text, serde_json::to_vec(&expected).unwrap());
        assert_eq!(unsigned(fast), unsigned(generic));
    }
}
