//! SD-JWT (RFC 9901), compact serialisation: issue, parse, present a chosen subset, and the
//! verifier-side processing of disclosures. The trust decision (which issuer key) and credential
//! rules (SD-JWT VC) live in [`crate::vc`] and [`crate::verify`], not here.

pub mod disclosure;
pub mod issue;
pub mod kb;
pub mod pointer;
pub mod process;

use std::collections::{BTreeSet, HashMap};

use rand::RngCore;
use serde_json::{Map, Value};

pub use disclosure::Disclosure;
pub use issue::SdPlan;
pub use kb::{KbExpectations, KeyBinding};

use crate::b64;
use crate::error::{CredentialError, VerifyError};
use crate::jws::{self, Signer};

/// Issues an SD-JWT: conceals `claims` (maps written in order) per `plan`, signs with `header` (for `typ`), and returns
/// `<issuer-signed JWT>~<disclosure>~…~` (RFC 9901 §4, compact form with trailing `~`).
pub fn issue(
    header: Map<String, Value>,
    claims: &[&Map<String, Value>],
    plan: &SdPlan,
    signer: &dyn Signer,
    rng: &mut dyn RngCore,
) -> Result<String, CredentialError> {
    issue_with_prefix(jws::Header::Map(&header), b"", claims, plan, signer, rng)
}

/// As [`issue`], with `prefix` (already-written, never-disclosable JSON members) opening the payload.
pub(crate) fn issue_with_prefix(
    header: jws::Header<'_>,
    prefix: &[u8],
    claims: &[&Map<String, Value>],
    plan: &SdPlan,
    signer: &dyn Signer,
    rng: &mut dyn RngCore,
) -> Result<String, CredentialError> {
    let (payload, tail) = issue::conceal_with_prefix(prefix, claims, plan, rng)?;
    let mut out = jws::sign_compact_bytes(header, &payload, signer, 1 + tail.len())?;
    out.push(b'~');
    out.extend_from_slice(&tail);
    String::from_utf8(out).map_err(|e| CredentialError::Signing(e.to_string()))
}

/// The tilde-separated parts of an SD-JWT or SD-JWT+KB, borrowed from the input.
#[derive(Debug, Clone)]
pub struct Split<'a> {
    pub jwt: &'a str,
    pub disclosures: Vec<&'a str>,
    pub kb_jwt: Option<&'a str>,
    /// The input up to and including its last `~`: what `sd_hash` covers (§4.3.1).
    pub presented: &'a str,
}

/// Splits `<jwt>~<d>~…~[<kb-jwt>]` (RFC 9901 §4). An input with no `~`, or with an empty
/// disclosure (`~~`), is malformed.
pub fn split(input: &str) -> Result<Split<'_>, VerifyError> {
    let last = input.rfind('~').ok_or_else(|| VerifyError::Malformed("no '~' separator".into()))?;
    let presented = &input[..=last];
    let tail = &input[last + 1..];
    let mut parts = presented[..last].split('~');
    let jwt = parts.next().unwrap_or_default();
    if jwt.is_empty() {
        return Err(VerifyError::Malformed("issuer-signed JWT is empty".into()));
    }
    let disclosures: Vec<&str> = parts.collect();
    if disclosures.iter().any(|d| d.is_empty()) {
        return Err(VerifyError::Malformed("empty disclosure".into()));
    }
    Ok(Split { jwt, disclosures, kb_jwt: (!tail.is_empty()).then_some(tail), presented })
}

/// An SD-JWT as the holder keeps it: the signed JWT and every disclosure.
#[derive(Debug, Clone)]
pub struct SdJwt {
    pub jwt: String,
    pub disclosures: Vec<Disclosure>,
}

/// Where a disclosure sits in the claim tree, for choosing what to present.
#[derive(Debug, Clone, PartialEq)]
pub struct DisclosurePath {
    /// JSON Pointer of the claim, with array indices counted over the fully disclosed array.
    pub path: String,
    /// Index into [`SdJwt::disclosures`].
    pub index: usize,
    /// The disclosure this one is nested in, if any.
    pub parent: Option<usize>,
}

impl SdJwt {
    /// Parses an issued SD-JWT (a trailing KB-JWT, if any, is dropped: the holder makes a new one).
    pub fn parse(issued: &str) -> Result<Self, VerifyError> {
        let s = split(issued)?;
        let disclosures = s.disclosures.iter().map(|d| Disclosure::parse(d)).collect::<Result<_, _>>()?;
        Ok(Self { jwt: s.jwt.to_owned(), disclosures })
    }

    /// The issuer payload, decoded but NOT verified: for the holder's own bookkeeping only.
    pub fn unverified_payload(&self) -> Result<Map<String, Value>, VerifyError> {
        let p = self.jwt.split('.').nth(1).ok_or_else(|| VerifyError::Malformed("JWT has no payload".into()))?;
        let bytes = b64::decode(p).ok_or_else(|| VerifyError::Malformed("payload is not base64url".into()))?;
        serde_json::from_slice(&bytes).map_err(|_| VerifyError::PayloadInvalid("payload is not a JSON object".into()))
    }

    /// Every disclosure with its claim path and parent.
    pub fn paths(&self) -> Result<Vec<DisclosurePath>, VerifyError> {
        let by_digest: HashMap<&str, usize> =
            self.disclosures.iter().enumerate().map(|(i, d)| (d.digest.as_str(), i)).collect();
        let mut out = Vec::new();
        let payload = Value::Object(self.unverified_payload()?);
        index_paths(&payload, "", None, &by_digest, &self.disclosures, &mut out);
        Ok(out)
    }

    /// Presents the disclosures needed to reveal each JSON Pointer in `reveal` (a disclosed
    /// claim's ancestors come along; a plain claim needs nothing), in issue order, and appends a
    /// KB-JWT when `kb` is given.
    pub fn present(&self, reveal: &[&str], kb: Option<&KeyBinding<'_>>) -> Result<String, CredentialError> {
        let paths = self.paths().map_err(|e| CredentialError::Input { field: "sd-jwt", reason: e.to_string() })?;
        let mut chosen = BTreeSet::new();
        for want in reveal {
            // The deepest disclosure at or above the wanted claim.
            let hit = paths.iter().filter(|p| pointer::is_prefix(&p.path, want)).max_by_key(|p| p.path.len());
            let mut next = hit.map(|p| p.index);
            while let Some(i) = next {
                chosen.insert(i);
                next = paths.iter().find(|p| p.index == i).and_then(|p| p.parent);
            }
        }
        self.present_indices(&chosen.into_iter().collect::<Vec<_>>(), kb)
    }

    /// Presents exactly the disclosures at `indices` (the caller answers for parents).
    pub fn present_indices(&self, indices: &[usize], kb: Option<&KeyBinding<'_>>) -> Result<String, CredentialError> {
        self.present_indices_with(indices, kb, serde_json::Map::new())
    }

    /// As [`Self::present_indices`], with further KB-JWT payload members (OpenID4VP 1.0
    /// `transaction_data_hashes`); without `kb` they are not used.
    pub fn present_indices_with(
        &self,
        indices: &[usize],
        kb: Option<&KeyBinding<'_>>,
        kb_extra: serde_json::Map<String, Value>,
    ) -> Result<String, CredentialError> {
        let mut out = self.jwt.clone();
        out.push('~');
        let mut sorted: Vec<usize> = indices.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        for i in sorted {
            let d =
                self.disclosures.get(i).ok_or(CredentialError::Input { field: "indices", reason: format!("{i}") })?;
            out.push_str(&d.encoded);
            out.push('~');
        }
        if let Some(kb) = kb {
            let kb_jwt = kb::create_with(&out, kb, kb_extra)?;
            out.push_str(&kb_jwt);
        }
        Ok(out)
    }
}

fn index_paths(
    value: &Value,
    here: &str,
    parent: Option<usize>,
    by_digest: &HashMap<&str, usize>,
    all: &[Disclosure],
    out: &mut Vec<DisclosurePath>,
) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k != "_sd" {
                    index_paths(v, &format!("{here}/{}", pointer::escape(k)), parent, by_digest, all, out);
                }
            }
            for digest in map.get("_sd").and_then(Value::as_array).into_iter().flatten() {
                let Some(&i) = digest.as_str().and_then(|d| by_digest.get(d)) else { continue };
                let Some(name) = &all[i].name else { continue };
                let path = format!("{here}/{}", pointer::escape(name));
                out.push(DisclosurePath { path: path.clone(), index: i, parent });
                index_paths(&all[i].value, &path, Some(i), by_digest, all, out);
            }
        }
        Value::Array(items) => {
            let mut pos = 0;
            for item in items {
                let placeholder =
                    item.as_object().filter(|m| m.len() == 1).and_then(|m| m.get("...")).and_then(Value::as_str);
                match placeholder {
                    Some(d) => {
                        // Decoys and unknown digests are not positions in the original array.
                        let Some(&i) = by_digest.get(d) else { continue };
                        let path = format!("{here}/{pos}");
                        out.push(DisclosurePath { path: path.clone(), index: i, parent });
                        index_paths(&all[i].value, &path, Some(i), by_digest, all, out);
                    }
                    None => index_paths(item, &format!("{here}/{pos}"), parent, by_digest, all, out),
                }
                pos += 1;
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jws::SoftwareEs256Key;
    use rand::SeedableRng;
    use serde_json::json;

    #[test]
    fn split_handles_kb_and_plain_forms() {
        let s = split("h.p.s~d1~d2~").unwrap();
        assert_eq!((s.jwt, s.disclosures.len(), s.kb_jwt), ("h.p.s", 2, None));
        let s = split("h.p.s~kb.x.y").unwrap();
        assert_eq!((s.disclosures.len(), s.kb_jwt, s.presented), (0, Some("kb.x.y"), "h.p.s~"));
        assert!(split("h.p.s").is_err());
        assert!(split("h.p.s~~").is_err());
        assert!(split("~d~").is_err());
    }

    #[test]
    fn present_pulls_in_parents_and_keeps_issue_order() {
        let key = SoftwareEs256Key::generate().unwrap();
        let claims = json!({"a": 1, "b": {"c": 2}, "e": [10, 20, 30]}).as_object().cloned().unwrap();
        let plan =
            SdPlan { paths: vec!["/a".into(), "/b".into(), "/b/c".into(), "/e/0".into(), "/e/2".into()], decoys: 2 };
        let issued = issue(Map::new(), &[&claims], &plan, &key, &mut rand::rngs::StdRng::seed_from_u64(9)).unwrap();
        let sd = SdJwt::parse(&issued).unwrap();
        let paths: Vec<String> = sd.paths().unwrap().into_iter().map(|p| p.path).collect();
        for p in ["/a", "/b", "/b/c", "/e/0", "/e/2"] {
            assert!(paths.contains(&p.to_string()), "{p} in {paths:?}");
        }
        let shown = sd.present(&["/b/c", "/e/2"], None).unwrap();
        let s = split(&shown).unwrap();
        assert_eq!(s.disclosures.len(), 3);
        let payload = sd.unverified_payload().unwrap();
        let out = process::process(payload, &s.disclosures).unwrap();
        assert_eq!(Value::Object(out), json!({"b": {"c": 2}, "e": [20, 30]}));
    }
}
