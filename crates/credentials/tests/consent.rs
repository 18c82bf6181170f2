//! Transfer consent signed with the wallet: a genuine proof verifies and names the worker; each way
//! of breaking one is refused with its own code (altered statement, another employer named, a
//! holder key the credential is not bound to, an untrusted issuer, too old, from the future).

mod common;

use common::{NOW, World};
use credentials::agreement::transaction_data_hash;
use credentials::consent::{
    CONSENT_TRANSACTION_DATA_TYPE, ConsentExpectations, ConsentProof, ConsentTransactionData, verify_consent,
};
use credentials::jws::{Signer, SoftwareEs256Key};
use credentials::sdjwt::{KeyBinding, SdJwt, kb};
use serde_json::{Map, json};

const YEAR: i64 = 365 * 86_400;

fn statement(ods: &str, given: bool) -> String {
    ConsentTransactionData {
        td_type: CONSENT_TRANSACTION_DATA_TYPE.into(),
        credential_ids: vec!["passport".into()],
        new_employer_ods: ods.into(),
        new_employer_name: "New NHS Trust".into(),
        given,
        statement: "I consent to New NHS Trust receiving my Portable Data Set from my earlier NHS employers".into(),
    }
    .encode()
    .unwrap()
}

/// The wallet's answer: `holder` signs a KB-JWT at `iat` listing the hash of `hashed`.
fn proof_signed(w: &World, holder: &dyn Signer, td: &str, hashed: &str, iat: i64) -> ConsentProof {
    let presented = SdJwt::parse(&w.issued()).unwrap().present(&["/given_name", "/family_name"], None).unwrap();
    let binding = KeyBinding { signer: holder, nonce: "consent-nonce", aud: "https://new.example/consent", iat };
    let mut extra = Map::new();
    extra.insert("transaction_data_hashes".into(), json!([transaction_data_hash(hashed)]));
    let presentation = format!("{presented}{}", kb::create_with(&presented, &binding, extra).unwrap());
    ConsentProof { presentation, transaction_data: td.to_owned() }
}

fn proof(w: &World, td: &str) -> ConsentProof {
    proof_signed(w, &w.holder, td, td, NOW - 60)
}

fn expect() -> ConsentExpectations<'static> {
    ConsentExpectations { new_employer_ods: "RNEW", now: NOW, max_age: YEAR, clock_skew: 60 }
}

fn code(w: &World, p: &ConsentProof, e: &ConsentExpectations<'_>) -> &'static str {
    match verify_consent(p, e, &w.trust) {
        Ok(_) => "ok",
        Err(err) => err.code(),
    }
}

#[test]
fn a_genuine_consent_verifies_and_names_the_worker_and_the_holder_key() {
    let w = World::new();
    let verified = verify_consent(&proof(&w, &statement("RNEW", true)), &expect(), &w.trust).unwrap();
    assert!(verified.statement.given);
    assert_eq!(verified.signed_at, NOW - 60);
    assert_eq!(verified.holder, w.holder.public_jwk().thumbprint());
    assert_eq!(verified.family_name.as_deref(), Some("Okafor"));
    assert!(!verified.issuer_ods.is_empty());
    // A withdrawal verifies just as well, and says so.
    let withdrawn = verify_consent(&proof(&w, &statement("RNEW", false)), &expect(), &w.trust).unwrap();
    assert!(!withdrawn.statement.given);
}

#[test]
fn an_altered_or_swapped_statement_is_refused() {
    let w = World::new();
    // The statement changed after signing: the KB-JWT hashes the original.
    let mut altered = proof(&w, &statement("RNEW", true));
    altered.transaction_data = statement("RNEW", false);
    assert_eq!(code(&w, &altered, &expect()), "transaction_data_mismatch");
    // Signed for another employer: genuine, but not for the one asking.
    assert_eq!(code(&w, &proof(&w, &statement("RXX", true)), &expect()), "wrong_employer");
    // Not our transaction data type at all.
    let mut foreign = proof(&w, &statement("RNEW", true));
    foreign.transaction_data = credentials::b64::encode(br#"{"type":"payment","credential_ids":["x"]}"#);
    assert_eq!(code(&w, &foreign, &expect()), "malformed");
}

#[test]
fn a_key_the_credential_is_not_bound_to_or_an_untrusted_issuer_is_refused() {
    let w = World::new();
    let td = statement("RNEW", true);
    let stranger = SoftwareEs256Key::generate().unwrap();
    let p = proof_signed(&w, &stranger, &td, &td, NOW - 60);
    assert_eq!(code(&w, &p, &expect()), "credential_invalid");
    let elsewhere = World::new();
    assert_eq!(
        verify_consent(&proof(&w, &td), &expect(), &elsewhere.trust).unwrap_err().code(),
        "credential_invalid",
        "another trust list does not know the issuer"
    );
    // No KB-JWT at all.
    let mut unbound = proof(&w, &td);
    unbound.presentation = unbound.presentation[..=unbound.presentation.rfind('~').unwrap()].to_owned();
    assert_eq!(code(&w, &unbound, &expect()), "malformed");
}

#[test]
fn a_consent_older_than_accepted_or_from_the_future_is_refused() {
    let w = World::new();
    let td = statement("RNEW", true);
    assert_eq!(code(&w, &proof_signed(&w, &w.holder, &td, &td, NOW - YEAR - 1), &expect()), "too_old");
    assert_eq!(code(&w, &proof_signed(&w, &w.holder, &td, &td, NOW + 600), &expect()), "signed_in_future");
    assert_eq!(code(&w, &proof_signed(&w, &w.holder, &td, &td, NOW + 30), &expect()), "ok", "within the skew");
}
