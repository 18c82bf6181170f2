//! The tamper matrix: every way we know to break a credential, a presentation, a status list or a
//! trust list, each rejected with its own stable reason code. One test per case; the name says
//! what was done, the assertion says which code must come back.

#[path = "../common/mod.rs"]
mod common;
mod disclosures;
mod key_binding;
mod signature;
mod status_trust;

use aws_lc_rs::hmac;
use common::*;
use credentials::b64;
use credentials::jws::Signer;
use credentials::sdjwt::{Disclosure, KeyBinding, SdJwt, kb};
use credentials::status::{self, StatusListTokenSpec};
use credentials::trust::TrustList;
use serde_json::{Value, json};

pub(crate) fn rejects(w: &World, input: &str, code: &str) {
    match w.verify(input) {
        Ok(v) => panic!("accepted, expected {code}: {v:?}"),
        Err(e) => assert_eq!(e.code(), code, "{e}"),
    }
}

/// Replaces part `i` (0 header, 1 payload, 2 signature) of the issuer-signed JWT.
pub(crate) fn with_jwt_part(input: &str, i: usize, part: &str) -> String {
    let (jwt, rest) = input.split_once('~').unwrap();
    let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
    parts[i] = part.to_owned();
    format!("{}~{rest}", parts.join("."))
}

pub(crate) fn jwt_part(input: &str, i: usize) -> Value {
    let jwt = input.split('~').next().unwrap();
    serde_json::from_slice(&b64::decode(jwt.split('.').nth(i).unwrap()).unwrap()).unwrap()
}

/// A presentation (with KB-JWT) made of a raw issuer JWT plus the given disclosures.
pub(crate) fn bind(w: &World, jwt: &str, disclosures: &[&str]) -> String {
    let mut s = format!("{jwt}~");
    for d in disclosures {
        s.push_str(d);
        s.push('~');
    }
    let k = kb::create(&s, &w.kb()).unwrap();
    s + &k
}

pub(crate) fn vc_header(w: &World) -> Value {
    json!({"typ": "dc+sd-jwt", "kid": w.issuer.kid()})
}

// ---- the control: the untampered presentation verifies ----

#[test]
fn control_untampered_presentation_verifies() {
    let w = World::new();
    let v = w.verify(&w.presentation()).unwrap();
    assert_eq!(v.ods_code, "RX1");
    assert_eq!(v.claims["given_name"], "Amara");
    assert_eq!(v.claims["competences"].as_array().unwrap().len(), 1);
    assert_eq!(v.claims["address"], json!({"locality": "Leeds", "postal_code": "LS1 3EX"}));
    assert!(v.claims.get("birthdate").is_none());
}
