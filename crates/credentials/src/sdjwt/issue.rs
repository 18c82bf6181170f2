//! Issuance (RFC 9901 §4.1, §4.2): turns a claim set and a list of JSON Pointer paths (RFC 6901)
//! into an issuer payload of digests plus the disclosures. Handles object members and array
//! elements at any depth, including recursive disclosures (a disclosed object whose own members
//! are disclosable, §6.3), and decoy digests (§4.2.5). Signing is the caller's business.

use std::collections::BTreeSet;

use rand::RngCore;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::disclosure::Disclosure;
use super::pointer;
use crate::b64;
use crate::error::CredentialError;

/// What to make selectively disclosable.
#[derive(Debug, Clone, Default)]
pub struct SdPlan {
    /// JSON Pointers of members or array elements to hide, e.g. `/given_name`, `/address`,
    /// `/address/street_address`, `/competences/0`. Array indices count the original array.
    pub paths: Vec<String>,
    /// Decoy digests added to each `_sd` array and each array holding a disclosable element.
    pub decoys: usize,
}

/// The issuer payload (digests in place of hidden claims, `_sd_alg` set) and the disclosures in
/// issue order.
#[derive(Debug, Clone)]
pub struct Concealed {
    pub payload: Map<String, Value>,
    pub disclosures: Vec<Disclosure>,
}

/// A fresh 128-bit salt, base64url (RFC 9901 §9.3 recommends at least 128 bits).
pub fn new_salt(rng: &mut dyn RngCore) -> String {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    b64::encode(bytes)
}

fn decoy_digest(rng: &mut dyn RngCore) -> String {
    // §4.2.5: the hash of a random value, indistinguishable from a real digest.
    let mut bytes = [0u8; 32];
    rng.fill_bytes(&mut bytes);
    b64::encode(Sha256::digest(bytes))
}

/// Conceals the claims named in `plan` and sets `_sd_alg: sha-256`.
pub fn conceal(claims: Map<String, Value>, plan: &SdPlan, rng: &mut dyn RngCore) -> Result<Concealed, CredentialError> {
    let wanted: BTreeSet<String> = plan.paths.iter().cloned().collect();
    let mut state = State { wanted: &wanted, used: BTreeSet::new(), decoys: plan.decoys, disclosures: Vec::new(), rng };
    let Value::Object(mut payload) = state.walk(Value::Object(claims), "")? else {
        unreachable!("an object stays an object");
    };
    if let Some(missing) = wanted.difference(&state.used).next() {
        return Err(CredentialError::Input { field: "sd paths", reason: format!("no claim at {missing}") });
    }
    if payload.contains_key("_sd_alg") {
        return Err(CredentialError::Input { field: "claims", reason: "_sd_alg is reserved".into() });
    }
    // §4.1.1: name the hash; sha-256 is the only one we issue or accept.
    payload.insert("_sd_alg".into(), Value::String("sha-256".into()));
    Ok(Concealed { payload, disclosures: state.disclosures })
}

struct State<'a> {
    wanted: &'a BTreeSet<String>,
    used: BTreeSet<String>,
    decoys: usize,
    disclosures: Vec<Disclosure>,
    rng: &'a mut dyn RngCore,
}

impl State<'_> {
    fn walk(&mut self, value: Value, here: &str) -> Result<Value, CredentialError> {
        match value {
            Value::Object(map) => self.walk_object(map, here),
            Value::Array(items) => self.walk_array(items, here),
            other => Ok(other),
        }
    }

    fn walk_object(&mut self, map: Map<String, Value>, here: &str) -> Result<Value, CredentialError> {
        let mut out = Map::new();
        let mut digests = Vec::new();
        for (name, value) in map {
            // §4.2.1 / §7.1: these names would be ambiguous to every verifier.
            if name == "_sd" || name == "..." {
                return Err(CredentialError::Input { field: "claims", reason: format!("{name:?} is a reserved name") });
            }
            let path = format!("{here}/{}", pointer::escape(&name));
            let value = self.walk(value, &path)?;
            if self.wanted.contains(&path) {
                self.used.insert(path);
                let d = Disclosure::new(&new_salt(self.rng), Some(&name), &value);
                digests.push(d.digest.clone());
                self.disclosures.push(d);
            } else {
                out.insert(name, value);
            }
        }
        if !digests.is_empty() {
            for _ in 0..self.decoys {
                digests.push(decoy_digest(self.rng));
            }
            // §4.2.4.1: sorted, so the order does not reveal the original claim order.
            digests.sort_unstable();
            out.insert("_sd".into(), Value::Array(digests.into_iter().map(Value::String).collect()));
        }
        Ok(Value::Object(out))
    }

    fn walk_array(&mut self, items: Vec<Value>, here: &str) -> Result<Value, CredentialError> {
        let mut out = Vec::with_capacity(items.len() + self.decoys);
        let mut any = false;
        for (i, value) in items.into_iter().enumerate() {
            let path = format!("{here}/{i}");
            let value = self.walk(value, &path)?;
            if self.wanted.contains(&path) {
                self.used.insert(path);
                any = true;
                let d = Disclosure::new(&new_salt(self.rng), None, &value);
                out.push(element_digest(&d.digest));
                self.disclosures.push(d);
            } else {
                out.push(value);
            }
        }
        if any {
            for _ in 0..self.decoys {
                let at = (self.rng.next_u32() as usize) % (out.len() + 1);
                let decoy = decoy_digest(self.rng);
                out.insert(at, element_digest(&decoy));
            }
        }
        Ok(Value::Array(out))
    }
}

/// §4.2.4.2: an array element replaced by `{"...": "<digest>"}`.
fn element_digest(digest: &str) -> Value {
    let mut m = Map::new();
    m.insert("...".into(), Value::String(digest.to_owned()));
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn conceals_members_elements_and_nested_members() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let claims = obj(json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [10, 20]}));
        let plan = SdPlan { paths: vec!["/a".into(), "/b".into(), "/b/c".into(), "/e/1".into()], decoys: 2 };
        let c = conceal(claims, &plan, &mut rng).unwrap();
        assert_eq!(c.disclosures.len(), 4);
        assert!(!c.payload.contains_key("a") && !c.payload.contains_key("b"));
        assert_eq!(c.payload["_sd"].as_array().unwrap().len(), 2 + 2);
        assert_eq!(c.payload["e"].as_array().unwrap().len(), 2 + 2);
        assert_eq!(c.payload["_sd_alg"], "sha-256");
        // The nested disclosure lives inside the parent's value, not in the payload.
        let b = c.disclosures.iter().find(|d| d.name.as_deref() == Some("b")).unwrap();
        assert_eq!(b.value["d"], 3);
        assert_eq!(b.value["_sd"].as_array().unwrap().len(), 1 + 2);
    }

    #[test]
    fn same_seed_same_output_and_unknown_paths_are_errors() {
        let claims = obj(json!({"a": 1}));
        let plan = SdPlan { paths: vec!["/a".into()], decoys: 1 };
        let one = conceal(claims.clone(), &plan, &mut rand::rngs::StdRng::seed_from_u64(1)).unwrap();
        let two = conceal(claims.clone(), &plan, &mut rand::rngs::StdRng::seed_from_u64(1)).unwrap();
        assert_eq!(one.disclosures, two.disclosures);
        let bad = SdPlan { paths: vec!["/zz".into()], decoys: 0 };
        assert!(conceal(claims, &bad, &mut rand::rngs::StdRng::seed_from_u64(1)).is_err());
    }
}
