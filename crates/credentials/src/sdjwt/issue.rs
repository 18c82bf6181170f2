//! Issuance (RFC 9901 §4.1, §4.2): turns a claim set and a list of JSON Pointer paths (RFC 6901)
//! into the issuer payload's JSON text (digests in place of hidden claims, `_sd_alg` set) plus the
//! disclosures. Handles object members and array elements at any depth, recursive disclosures
//! (a disclosed object whose own members are disclosable), and decoy digests (§4.2.5). Signing
//! is the caller's business.
//!
//! The payload is written straight to JSON text from the borrowed claims, never built as a second
//! `Value` tree: issuing is on the hot path and allocation dominated it (see the benchmarks).

use rand::RngCore;
use serde::Serialize;
use serde_json::{Map, Value};

use super::disclosure::{Disclosure, RfcStyle};
use super::pointer;
use crate::b64;
use crate::error::{CredentialError, VerifyError};
use crate::json::write_str;

/// What to make selectively disclosable.
#[derive(Debug, Clone, Default)]
pub struct SdPlan {
    /// JSON Pointers of members or array elements to hide, e.g. `/given_name`, `/address`,
    /// `/address/street_address`, `/competences/0`. Array indices count the original array.
    pub paths: Vec<String>,
    /// Decoy digests added to each `_sd` array and each array holding a disclosable element.
    pub decoys: usize,
}

/// The issuer payload as compact JSON text and the encoded disclosures, in issue order.
#[derive(Debug, Clone)]
pub struct ConcealedText {
    pub payload: Vec<u8>,
    /// `<disclosure>~<disclosure>~…~`: exactly what follows the issuer-signed JWT and its `~`.
    pub disclosures_tail: String,
}

impl ConcealedText {
    /// The encoded disclosures one by one.
    pub fn disclosures(&self) -> impl Iterator<Item = &str> {
        self.disclosures_tail.split_terminator('~')
    }
}

/// A base64url SHA-256 digest: always 43 characters, kept on the stack.
type DigestText = [u8; 43];

fn digest_text(input: &[u8]) -> DigestText {
    let mut out = [0u8; 43];
    b64::encode_into(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, input), &mut out);
    out
}

/// The same, decoded: for tests and tools that want to look inside.
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

fn decoy_digest(rng: &mut dyn RngCore) -> DigestText {
    // §4.2.5: the hash of a random value, indistinguishable from a real digest.
    let mut bytes = [0u8; 32];
    rng.fill_bytes(&mut bytes);
    digest_text(&bytes)
}

/// Conceals and decodes the result (convenience over [`conceal_to_text`]).
pub fn conceal(claims: Map<String, Value>, plan: &SdPlan, rng: &mut dyn RngCore) -> Result<Concealed, CredentialError> {
    let text = conceal_to_text(&claims, plan, rng)?;
    let payload = serde_json::from_slice(&text.payload).map_err(|e| CredentialError::Signing(e.to_string()))?;
    let disclosures = text
        .disclosures()
        .map(Disclosure::parse)
        .collect::<Result<_, VerifyError>>()
        .map_err(|e| CredentialError::Signing(e.to_string()))?;
    Ok(Concealed { payload, disclosures })
}

/// Conceals the claims named in `plan`, sets `_sd_alg: sha-256`, and writes the payload text.
pub fn conceal_to_text(
    claims: &Map<String, Value>,
    plan: &SdPlan,
    rng: &mut dyn RngCore,
) -> Result<ConcealedText, CredentialError> {
    conceal_maps_to_text(&[claims], plan, rng)
}

/// As [`conceal_to_text`] for a payload made of several maps written one after another (the
/// registered claims, then the personal ones), so callers need not copy them into one map.
pub fn conceal_maps_to_text(
    parts: &[&Map<String, Value>],
    plan: &SdPlan,
    rng: &mut dyn RngCore,
) -> Result<ConcealedText, CredentialError> {
    let (payload, tail) = conceal_with_prefix(b"", parts, plan, rng)?;
    let disclosures_tail = String::from_utf8(tail).map_err(|e| CredentialError::Signing(e.to_string()))?;
    Ok(ConcealedText { payload, disclosures_tail })
}

/// The issuing core: `prefix` is already-written JSON members (`"iss":"…","iat":…`, no braces,
/// never disclosable) that open the payload object, followed by the members of `parts`.
/// Returns the payload text and the disclosures tail (`<d>~<d>~…~`) as bytes.
pub(crate) fn conceal_with_prefix(
    prefix: &[u8],
    parts: &[&Map<String, Value>],
    plan: &SdPlan,
    rng: &mut dyn RngCore,
) -> Result<(Vec<u8>, Vec<u8>), CredentialError> {
    let input = |reason: String| CredentialError::Input { field: "claims", reason };
    for claims in parts {
        if claims.contains_key("_sd_alg") {
            return Err(input("_sd_alg is reserved".into()));
        }
        if let Some(name) = reserved_name(claims) {
            // §4.2.1 / §7.1: these names would be ambiguous to every verifier.
            return Err(input(format!("{name:?} is a reserved name")));
        }
    }
    // Sorted vectors, searched by bisection: cheaper than hashing for the dozen paths we see.
    // Ordered by length first, so most probes are settled without comparing bytes.
    let mut wanted: Vec<&str> = plan.paths.iter().map(String::as_str).collect();
    wanted.sort_unstable_by_key(|p| by_len(p));
    wanted.dedup();
    let mut route = Vec::with_capacity(wanted.len() * 2);
    for p in &wanted {
        // Every proper prefix ending before a `/` (the root `""` included).
        route.extend(p.bytes().enumerate().filter(|&(_, b)| b == b'/').map(|(i, _)| &p[..i]));
    }
    route.sort_unstable_by_key(|p| by_len(p));
    route.dedup();
    let mut w = Writer {
        wanted: &wanted,
        route: &route,
        used: 0,
        decoys: plan.decoys,
        tail: Vec::with_capacity(4096),
        scratch: Vec::new(),
        digest_lists: Vec::new(),
        rng,
    };
    let mut out = Vec::with_capacity(1024 + prefix.len());
    let mut here = String::with_capacity(64);
    w.write_members(prefix, parts.iter().flat_map(|m| m.iter()), &mut here, &mut out, false)?;
    if w.used != wanted.len() {
        let all: Map<String, Value> = parts.iter().flat_map(|m| (*m).clone()).collect();
        let missing = wanted.iter().find(|p| Value::Object(all.clone()).pointer(p).is_none());
        return Err(CredentialError::Input {
            field: "sd paths",
            reason: format!("no claim at {}", missing.unwrap_or(&"?")),
        });
    }
    // §4.1.1: name the hash; sha-256 is the only one we issue or accept.
    out.pop();
    if out.last() != Some(&b'{') {
        out.push(b',');
    }
    out.extend_from_slice(br#""_sd_alg":"sha-256"}"#);
    Ok((out, w.tail))
}

fn by_len(p: &str) -> (usize, &str) {
    (p.len(), p)
}

/// Bisection over a list sorted by [`by_len`].
fn contains(sorted: &[&str], here: &str) -> bool {
    sorted.binary_search_by(|p| by_len(p).cmp(&by_len(here))).is_ok()
}

fn reserved_name(map: &Map<String, Value>) -> Option<&str> {
    fn scan(v: &Value) -> Option<&str> {
        match v {
            Value::Object(m) => reserved_name(m),
            Value::Array(a) => a.iter().find_map(scan),
            _ => None,
        }
    }
    map.iter().find_map(|(k, v)| if k == "_sd" || k == "..." { Some(k.as_str()) } else { scan(v) })
}

struct Writer<'a> {
    wanted: &'a [&'a str],
    /// Every proper ancestor of a wanted path: only these containers need walking.
    route: &'a [&'a str],
    used: usize,
    decoys: usize,
    /// Encoded disclosures, each followed by `~`.
    tail: Vec<u8>,
    /// Spare buffers for disclosure JSON (one per nesting level in use), reused across disclosures.
    scratch: Vec<Vec<u8>>,
    /// Spare `_sd` digest lists, likewise.
    digest_lists: Vec<Vec<DigestText>>,
    rng: &'a mut dyn RngCore,
}

impl Writer<'_> {
    fn write_value(
        &mut self,
        v: &Value,
        here: &mut String,
        out: &mut Vec<u8>,
        rfc: bool,
    ) -> Result<(), CredentialError> {
        match v {
            Value::Object(m) if contains(self.route, here) => self.write_object(m, here, out, rfc),
            Value::Array(a) if contains(self.route, here) => self.write_array(a, here, out, rfc),
            other => {
                let r = if rfc {
                    other.serialize(&mut serde_json::Serializer::with_formatter(&mut *out, RfcStyle))
                } else {
                    other.serialize(&mut serde_json::Serializer::new(&mut *out))
                };
                r.map_err(|e| CredentialError::Signing(e.to_string()))
            }
        }
    }

    fn write_object(
        &mut self,
        m: &Map<String, Value>,
        here: &mut String,
        out: &mut Vec<u8>,
        rfc: bool,
    ) -> Result<(), CredentialError> {
        self.write_members(b"", m.iter(), here, out, rfc)
    }

    fn write_members<'v>(
        &mut self,
        prefix: &[u8],
        members: impl Iterator<Item = (&'v String, &'v Value)>,
        here: &mut String,
        out: &mut Vec<u8>,
        rfc: bool,
    ) -> Result<(), CredentialError> {
        out.push(b'{');
        out.extend_from_slice(prefix);
        let mut first = prefix.is_empty();
        let mut digests = self.digest_lists.pop().unwrap_or_default();
        digests.clear();
        for (k, v) in members {
            let len = here.len();
            here.push('/');
            pointer::push_escaped(here, k);
            if contains(self.wanted, here) {
                digests.push(self.disclose(Some(k), v, here)?);
            } else {
                separate(out, &mut first, rfc);
                write_str(out, k);
                out.extend_from_slice(if rfc { b": " } else { b":" });
                self.write_value(v, here, out, rfc)?;
            }
            here.truncate(len);
        }
        if !digests.is_empty() {
            for _ in 0..self.decoys {
                digests.push(decoy_digest(self.rng));
            }
            // §4.2.4.1: sorted, so the order does not reveal the original claim order.
            // Byte order, settled on the first 16 bytes in one integer compare nearly always.
            digests.sort_unstable_by(|a, b| head(a).cmp(&head(b)).then_with(|| a.cmp(b)));
            separate(out, &mut first, rfc);
            out.extend_from_slice(if rfc { br#""_sd": ["# } else { br#""_sd":["# });
            for (i, d) in digests.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(if rfc { b", " } else { b"," });
                }
                write_digest(out, d);
            }
            out.push(b']');
        }
        self.digest_lists.push(digests);
        out.push(b'}');
        Ok(())
    }

    fn write_array(
        &mut self,
        a: &[Value],
        here: &mut String,
        out: &mut Vec<u8>,
        rfc: bool,
    ) -> Result<(), CredentialError> {
        // Decoys go at random positions, decided up front so elements can be written in order.
        let len = here.len();
        let has_sd = (0..a.len()).any(|i| {
            push_index(here, i);
            let hit = contains(self.wanted, here);
            here.truncate(len);
            hit
        });
        let mut slots: Vec<usize> = if has_sd {
            (0..self.decoys).map(|_| (self.rng.next_u32() as usize) % (a.len() + 1)).collect()
        } else {
            Vec::new()
        };
        slots.sort_unstable();
        let mut slots = slots.into_iter().peekable();
        out.push(b'[');
        let mut first = true;
        for (i, v) in a.iter().enumerate() {
            while slots.next_if(|&s| s == i).is_some() {
                let d = decoy_digest(self.rng);
                write_placeholder(out, &mut first, &d, rfc);
            }
            push_index(here, i);
            if contains(self.wanted, here) {
                let d = self.disclose(None, v, here)?;
                write_placeholder(out, &mut first, &d, rfc);
            } else {
                separate(out, &mut first, rfc);
                self.write_value(v, here, out, rfc)?;
            }
            here.truncate(len);
        }
        for _ in slots {
            let d = decoy_digest(self.rng);
            write_placeholder(out, &mut first, &d, rfc);
        }
        out.push(b']');
        Ok(())
    }

    /// Writes one disclosure (§4.2.1 / §4.2.2) in the RFC's spelling and returns its digest.
    fn disclose(&mut self, name: Option<&str>, v: &Value, here: &mut String) -> Result<DigestText, CredentialError> {
        let mut salt = [0u8; 16];
        self.rng.fill_bytes(&mut salt);
        let mut json = self.scratch.pop().unwrap_or_else(|| Vec::with_capacity(512));
        json.clear();
        json.extend_from_slice(b"[\"");
        let mut salt_text = [0u8; 22];
        b64::encode_into(salt, &mut salt_text);
        json.extend_from_slice(&salt_text);
        json.extend_from_slice(b"\", ");
        if let Some(n) = name {
            write_str(&mut json, n);
            json.extend_from_slice(b", ");
        }
        // The value may itself hold disclosable members (recursive disclosure).
        self.write_value(v, here, &mut json, true)?;
        json.push(b']');
        let start = self.tail.len();
        b64::encode_append_bytes(&json, &mut self.tail);
        self.scratch.push(json);
        // §4.2.3: the digest is over the base64url text.
        let digest = digest_text(&self.tail[start..]);
        self.tail.push(b'~');
        self.used += 1;
        Ok(digest)
    }
}

/// The first 16 bytes of a digest text as a big-endian integer: orders like the bytes.
fn head(d: &DigestText) -> u128 {
    let mut h = [0u8; 16];
    h.copy_from_slice(&d[..16]);
    u128::from_be_bytes(h)
}

fn push_index(here: &mut String, i: usize) {
    use std::fmt::Write;
    here.push('/');
    let _ = write!(here, "{i}");
}

fn separate(out: &mut Vec<u8>, first: &mut bool, rfc: bool) {
    if !*first {
        out.extend_from_slice(if rfc { b", " } else { b"," });
    }
    *first = false;
}

/// §4.2.4.2: an array element replaced by `{"...": "<digest>"}`.
fn write_placeholder(out: &mut Vec<u8>, first: &mut bool, digest: &DigestText, rfc: bool) {
    separate(out, first, rfc);
    out.extend_from_slice(if rfc { br#"{"...": "# } else { br#"{"...":"# });
    write_digest(out, digest);
    out.push(b'}');
}

/// A digest as a JSON string: base64url needs no escaping.
fn write_digest(out: &mut Vec<u8>, digest: &DigestText) {
    out.push(b'"');
    out.extend_from_slice(digest);
    out.push(b'"');
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

    #[test]
    fn written_disclosures_equal_disclosure_new_for_the_same_salt() {
        let claims = obj(json!({"x": {"q": "ä\"\n", "r": [1, {"s": null}]}}));
        let plan = SdPlan { paths: vec!["/x".into()], decoys: 0 };
        let c = conceal(claims.clone(), &plan, &mut rand::rngs::StdRng::seed_from_u64(5)).unwrap();
        let d = &c.disclosures[0];
        assert_eq!(Disclosure::new(&d.salt, Some("x"), &claims["x"]).encoded, d.encoded);
        assert_eq!(
            Value::Object(c.payload.clone()).to_string(),
            format!(r#"{{"_sd":["{}"],"_sd_alg":"sha-256"}}"#, d.digest)
        );
    }

    #[test]
    fn reserved_names_anywhere_are_refused() {
        let claims = obj(json!({"a": {"b": [{"_sd": 1}]}}));
        assert!(conceal(claims, &SdPlan::default(), &mut rand::rngs::StdRng::seed_from_u64(1)).is_err());
    }
}
