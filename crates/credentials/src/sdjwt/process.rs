//! Verifier-side processing of disclosures against a *signature-checked* issuer payload
//! (RFC 9901 §7.1 steps 3–5 and §7.3). Every MUST-reject rule has its own [`VerifyError`]:
//! malformed or duplicate disclosures, digests referenced twice, reserved names, name clashes,
//! disclosures in the wrong kind of container, and disclosures nothing refers to.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::disclosure::Disclosure;
use crate::error::VerifyError;

/// Nesting allowed across recursive disclosures; deeper input is refused, not recursed into.
const MAX_DEPTH: usize = 64;

/// Replaces digests with the disclosed claims, drops undisclosed digests and decoys, removes
/// `_sd` and `_sd_alg`, and checks every rule. `disclosures` are the encoded strings as received.
pub fn process(mut payload: Map<String, Value>, disclosures: &[&str]) -> Result<Map<String, Value>, VerifyError> {
    // §4.1.1: absent means sha-256; anything else we do not support.
    match payload.remove("_sd_alg") {
        None => {}
        Some(Value::String(a)) if a == "sha-256" => {}
        Some(other) => return Err(VerifyError::SdAlgUnsupported(format!("_sd_alg {other}"))),
    }
    let mut by_digest: HashMap<String, Disclosure> = HashMap::with_capacity(disclosures.len());
    for encoded in disclosures {
        let d = Disclosure::parse(encoded)?;
        // §7.1 step 3: hashing the text as received; two equal texts are one disclosure twice.
        if by_digest.insert(d.digest.clone(), d).is_some() {
            return Err(VerifyError::DisclosureDuplicate("the same disclosure appears twice".into()));
        }
    }
    let mut walker = Walker { by_digest, seen: HashSet::new() };
    let Value::Object(out) = walker.walk(Value::Object(payload), 0)? else { unreachable!() };
    // §7.1 step 5: every presented disclosure must have been reached.
    if !walker.by_digest.is_empty() {
        return Err(VerifyError::DisclosureUnreferenced(format!(
            "{} disclosure(s) not referenced by any digest",
            walker.by_digest.len()
        )));
    }
    Ok(out)
}

struct Walker {
    /// Disclosures not yet consumed.
    by_digest: HashMap<String, Disclosure>,
    /// Every digest met so far, disclosed or not (§7.1 step 4: at most once).
    seen: HashSet<String>,
}

impl Walker {
    fn note(&mut self, digest: &str) -> Result<(), VerifyError> {
        if !self.seen.insert(digest.to_owned()) {
            return Err(VerifyError::DigestDuplicate("a digest appears more than once".into()));
        }
        Ok(())
    }

    fn walk(&mut self, value: Value, depth: usize) -> Result<Value, VerifyError> {
        if depth > MAX_DEPTH {
            return Err(VerifyError::SdInvalid("nesting too deep".into()));
        }
        match value {
            Value::Object(map) => self.walk_object(map, depth),
            Value::Array(items) => self.walk_array(items, depth),
            other => Ok(other),
        }
    }

    fn walk_object(&mut self, mut map: Map<String, Value>, depth: usize) -> Result<Value, VerifyError> {
        if map.contains_key("_sd_alg") {
            return Err(VerifyError::SdAlgUnsupported("_sd_alg is only allowed at the top level".into()));
        }
        let sd = map.remove("_sd");
        let mut out = Map::with_capacity(map.len());
        for (k, v) in map {
            out.insert(k, self.walk(v, depth + 1)?);
        }
        let Some(sd) = sd else { return Ok(Value::Object(out)) };
        let Value::Array(digests) = sd else {
            return Err(VerifyError::SdInvalid("_sd is not an array".into()));
        };
        for digest in digests {
            let Value::String(digest) = digest else {
                return Err(VerifyError::SdInvalid("_sd holds a non-string".into()));
            };
            self.note(&digest)?;
            let Some(d) = self.by_digest.remove(&digest) else { continue };
            // §7.1 step 3.c.ii.1: an object position needs a [salt, name, value] disclosure.
            let Some(name) = d.name else {
                return Err(VerifyError::DisclosureWrongShape("array-element disclosure in _sd".into()));
            };
            // §7.1 step 3.c.ii.2: reserved names.
            if name == "_sd" || name == "..." {
                return Err(VerifyError::DisclosureReservedName(format!("claim name {name:?}")));
            }
            // §7.1 step 3.c.ii.3: a name already present (plain or disclosed) is a clash.
            if out.contains_key(&name) {
                return Err(VerifyError::DisclosureClaimConflict(format!("claim {name:?} already present")));
            }
            let value = self.walk(d.value, depth + 1)?;
            out.insert(name, value);
        }
        Ok(Value::Object(out))
    }

    fn walk_array(&mut self, items: Vec<Value>, depth: usize) -> Result<Value, VerifyError> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let digest = match &item {
                Value::Object(m) if m.contains_key("...") => {
                    // §4.2.4.2: the placeholder is an object with the single key `...`.
                    if m.len() != 1 {
                        return Err(VerifyError::SdInvalid("array placeholder has extra members".into()));
                    }
                    match &m["..."] {
                        Value::String(s) => Some(s.clone()),
                        _ => return Err(VerifyError::SdInvalid("array placeholder digest is not a string".into())),
                    }
                }
                _ => None,
            };
            let Some(digest) = digest else {
                out.push(self.walk(item, depth + 1)?);
                continue;
            };
            self.note(&digest)?;
            // §7.1 step 3.d: undisclosed elements and decoys are removed.
            let Some(d) = self.by_digest.remove(&digest) else { continue };
            if d.name.is_some() {
                return Err(VerifyError::DisclosureWrongShape("name/value disclosure in an array".into()));
            }
            out.push(self.walk(d.value, depth + 1)?);
        }
        Ok(Value::Array(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdjwt::issue::{SdPlan, conceal};
    use rand::SeedableRng;
    use serde_json::json;

    fn setup() -> (Map<String, Value>, Vec<Disclosure>) {
        let claims = json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [10, 20]}).as_object().cloned().unwrap();
        let plan = SdPlan { paths: vec!["/a".into(), "/b".into(), "/b/c".into(), "/e/1".into()], decoys: 1 };
        let c = conceal(claims, &plan, &mut rand::rngs::StdRng::seed_from_u64(3)).unwrap();
        (c.payload, c.disclosures)
    }

    #[test]
    fn all_disclosures_restore_the_claims() {
        let (payload, ds) = setup();
        let texts: Vec<&str> = ds.iter().map(|d| d.encoded.as_str()).collect();
        let out = process(payload, &texts).unwrap();
        assert_eq!(Value::Object(out), json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [10, 20]}));
    }

    #[test]
    fn none_presented_leaves_only_plain_claims() {
        let (payload, _) = setup();
        assert_eq!(Value::Object(process(payload, &[]).unwrap()), json!({"e": [10]}));
    }

    #[test]
    fn a_child_without_its_parent_is_unreferenced() {
        let (payload, ds) = setup();
        let c = ds.iter().find(|d| d.name.as_deref() == Some("c")).unwrap();
        assert_eq!(process(payload, &[&c.encoded]).unwrap_err().code(), "disclosure_unreferenced");
    }
}
