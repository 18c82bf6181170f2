//! Signed agreements: every party's entry verifies, and each way of breaking one is refused with
//! its own code (a forged or altered signature, altered terms, a swapped worker, an organisation
//! key not on the trust list or retired before signing, the worker signing with a key not bound to
//! their passport, signing after withdrawal or past the end).

mod common;

use common::{NOW, RETIRED_AT, World};
use credentials::agreement::{
    AgreementError, AgreementTransactionData, AgreementTrust, Expectations, ExpectedWorker, GeneralJws, PartyAction,
    TRANSACTION_DATA_TYPE, canonical_json, transaction_data_hash, verify_agreement,
};
use credentials::jws::{Signer, SoftwareEs256Key};
use credentials::sdjwt::{KeyBinding, SdJwt, kb};
use credentials::trust::{ListedKey, OrgStatus, Organisation, TrustList};
use serde_json::{Map, Value, json};

const HOST: &str = "RX4";
const END: i64 = NOW + 90 * 86_400;

struct Fixture {
    world: World,
    host: SoftwareEs256Key,
    trust: AgreementTrust,
}

fn fixture() -> Fixture {
    let world = World::new();
    let host = SoftwareEs256Key::generate().unwrap();
    let mut list: TrustList = world.trust_list.clone();
    list.organisations.push(Organisation {
        ods_code: HOST.into(),
        name: "Host NHS Trust".into(),
        issuer: "https://rx4.passport.example.nhs.uk".into(),
        status: OrgStatus::Active,
        keys: vec![ListedKey { jwk: host.public_jwk(), retired_at: None }],
    });
    let trust = AgreementTrust::new(&list).unwrap();
    Fixture { world, host, trust }
}

fn document() -> Value {
    json!({
        "type": "staff-passport-agreement/v1",
        "id": "0190a3c4-0000-7000-8000-000000000001",
        "version": 1,
        "registry": "https://registry.passport.example.nhs.uk",
        "core_terms": {"id": "nhs-core-terms", "version": "2026.1", "sha256": "ab".repeat(32)},
        "agreement": {
            "kind": "deployment",
            "worker": {"person_id": "p1", "given_name": "Amara", "family_name": "Okafor"},
            "employer": {"ods_code": "RX1", "name": "RX1 NHS Trust", "kind": "acute_trust"},
            "host": {"ods_code": HOST, "name": "Host NHS Trust", "kind": "acute_trust"},
            "roles": ["BANK-RN"],
            "period": {"start": "2026-02-01", "end": "2026-04-30"},
            "bespoke_terms": {"car_parking": "staff car park B, free", "pay_variation": "none"}
        }
    })
}

fn expect() -> Expectations {
    Expectations {
        organisations: vec!["RX1".into(), HOST.into()],
        worker: Some(ExpectedWorker {
            given_name: "Amara".into(),
            family_name: "Okafor".into(),
            employer_ods: "RX1".into(),
        }),
        period_end: END,
    }
}

/// The wallet's side: a presentation whose KB-JWT lists the transaction data's hash.
fn worker_answer(w: &World, signed: &GeneralJws, holder: &dyn Signer, action: PartyAction) -> (String, String) {
    let td = AgreementTransactionData {
        td_type: TRANSACTION_DATA_TYPE.into(),
        credential_ids: vec!["passport".into()],
        agreement_id: "0190a3c4-0000-7000-8000-000000000001".into(),
        version: 1,
        agreement_sha256: signed.payload_sha256().unwrap(),
        action,
        summary: "Amara Okafor to Host NHS Trust as BANK-RN, 1 Feb to 30 Apr 2026".into(),
    }
    .encode()
    .unwrap();
    (present_with_td(w, holder, &td), td)
}

fn present_with_td(w: &World, holder: &dyn Signer, td: &str) -> String {
    let issued = w.issued();
    let presented = SdJwt::parse(&issued).unwrap().present(&["/given_name", "/family_name"], None).unwrap();
    let binding =
        KeyBinding { signer: holder, nonce: "agreement-nonce", aud: "https://rx4.example/verifier", iat: NOW };
    let mut extra = Map::new();
    extra.insert("transaction_data_hashes".into(), json!([transaction_data_hash(td)]));
    extra.insert("transaction_data_hashes_alg".into(), json!("sha-256"));
    format!("{presented}{}", kb::create_with(&presented, &binding, extra).unwrap())
}

/// Employer, host and worker have all signed.
fn fully_signed(f: &Fixture) -> GeneralJws {
    let mut signed = GeneralJws::new(&document()).unwrap();
    signed.sign_as_organisation("RX1", &PartyAction::Sign, NOW - 100, &f.world.issuer).unwrap();
    signed.sign_as_organisation(HOST, &PartyAction::Sign, NOW - 50, &f.host).unwrap();
    let (presentation, td) = worker_answer(&f.world, &signed, &f.world.holder, PartyAction::Sign);
    signed.add_worker_entry(&presentation, &td).unwrap();
    signed
}

fn code(signed: &GeneralJws, f: &Fixture, e: &Expectations) -> &'static str {
    match verify_agreement(signed, e, &f.trust) {
        Ok(_) => "ok",
        Err(err) => err.code(),
    }
}

#[test]
fn a_fully_signed_deployment_verifies_every_party() {
    let f = fixture();
    let signed = fully_signed(&f);
    let entries = verify_agreement(&signed, &expect(), &f.trust).unwrap();
    let parties: Vec<(&str, &str)> = entries.iter().map(|e| (e.party.as_str(), e.ods_code.as_str())).collect();
    assert_eq!(parties, vec![("organisation", "RX1"), ("organisation", HOST), ("worker", "RX1")]);
    assert_eq!(entries[2].kid, f.world.holder.public_jwk().thumbprint());
    // The exported form is plain JSON (RFC 7515 §7.2.1) and survives a round trip.
    let text = serde_json::to_string(&signed).unwrap();
    let back: GeneralJws = serde_json::from_str(&text).unwrap();
    assert_eq!(code(&back, &f, &expect()), "ok");
}

#[test]
fn the_payload_is_the_rfc_8785_form_of_the_document() {
    let signed = GeneralJws::new(&document()).unwrap();
    let bytes = signed.payload_bytes().unwrap();
    assert_eq!(bytes, canonical_json(&document()).unwrap());
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.starts_with(r#"{"agreement":{"bespoke_terms":{"car_parking""#), "{text}");
}

#[test]
fn any_changed_byte_of_the_terms_breaks_the_signatures() {
    let f = fixture();
    let signed = fully_signed(&f);
    let canonical = signed.payload_bytes().unwrap();
    let text = String::from_utf8(canonical).unwrap();
    let altered = text.replace("car park B", "car park C");
    assert_ne!(altered, text);
    let mut tampered = signed.clone();
    tampered.payload = credentials::b64::encode(altered.as_bytes());
    assert_eq!(code(&tampered, &f, &expect()), "signature_invalid");
    // Re-serialised (not canonical) is refused before any signature is looked at.
    let mut pretty = signed.clone();
    let value: Value = serde_json::from_str(&text).unwrap();
    pretty.payload = credentials::b64::encode(serde_json::to_vec_pretty(&value).unwrap());
    assert_eq!(code(&pretty, &f, &expect()), "payload_not_canonical");
}

#[test]
fn a_forged_signature_is_refused() {
    let f = fixture();
    let mut signed = fully_signed(&f);
    let mut sig = signed.signatures[1].signature.clone().into_bytes();
    sig[5] = if sig[5] == b'A' { b'B' } else { b'A' };
    signed.signatures[1].signature = String::from_utf8(sig).unwrap();
    assert_eq!(code(&signed, &f, &expect()), "signature_invalid");
}

#[test]
fn organisation_keys_must_be_trust_listed_and_current_when_signing() {
    let f = fixture();
    let doc = document();
    let mut by_stranger = GeneralJws::new(&doc).unwrap();
    by_stranger.sign_as_organisation("RX1", &PartyAction::Sign, NOW, &f.world.stranger).unwrap();
    assert_eq!(code(&by_stranger, &f, &expect()), "key_not_trusted");

    let mut after_retirement = GeneralJws::new(&doc).unwrap();
    after_retirement.sign_as_organisation("RX1", &PartyAction::Sign, RETIRED_AT + 1, &f.world.retired).unwrap();
    assert_eq!(code(&after_retirement, &f, &expect()), "key_retired_before_signing");
    let mut before_retirement = GeneralJws::new(&doc).unwrap();
    before_retirement.sign_as_organisation("RX1", &PartyAction::Sign, RETIRED_AT - 1, &f.world.retired).unwrap();
    assert_eq!(code(&before_retirement, &f, &expect()), "ok");

    let mut suspended = GeneralJws::new(&doc).unwrap();
    suspended.sign_as_organisation("RX2", &PartyAction::Sign, NOW, &f.world.stranger).unwrap();
    let mut e = expect();
    e.organisations.push("RX2".into());
    assert_eq!(code(&suspended, &f, &e), "organisation_not_trusted");
    assert_eq!(code(&suspended, &f, &expect()), "not_a_party");
}

#[test]
fn the_worker_must_be_the_agreements_worker_with_their_passport_key() {
    let f = fixture();
    // Swapped worker: the agreement names someone else.
    let mut other = expect();
    other.worker.as_mut().unwrap().family_name = "Smith".into();
    assert_eq!(code(&fully_signed(&f), &f, &other), "worker_mismatch");

    // A key that is not the one the passport credential is bound to.
    let mut signed = GeneralJws::new(&document()).unwrap();
    let rogue = SoftwareEs256Key::generate().unwrap();
    let (presentation, td) = worker_answer(&f.world, &signed, &rogue, PartyAction::Sign);
    signed.add_worker_entry(&presentation, &td).unwrap();
    assert_eq!(code(&signed, &f, &expect()), "signature_invalid");

    // A credential from an organisation that is not the employer.
    let mut from_host = expect();
    from_host.worker.as_mut().unwrap().employer_ods = HOST.into();
    let mut only_worker = GeneralJws::new(&document()).unwrap();
    let (presentation, td) = worker_answer(&f.world, &only_worker, &f.world.holder, PartyAction::Sign);
    only_worker.add_worker_entry(&presentation, &td).unwrap();
    assert_eq!(code(&only_worker, &f, &from_host), "worker_credential_not_from_employer");
}

#[test]
fn the_kb_jwt_must_sign_this_agreements_transaction_data() {
    let f = fixture();
    let mut signed = GeneralJws::new(&document()).unwrap();
    let mut other_doc = document();
    other_doc["agreement"]["roles"] = json!(["CONSULTANT"]);
    let other = GeneralJws::new(&other_doc).unwrap();
    // The wallet signed transaction data for another agreement.
    let (presentation, td) = worker_answer(&f.world, &other, &f.world.holder, PartyAction::Sign);
    signed.add_worker_entry(&presentation, &td).unwrap();
    assert_eq!(code(&signed, &f, &expect()), "transaction_data_mismatch");

    // Transaction data swapped after the KB-JWT was made.
    let mut swapped = GeneralJws::new(&document()).unwrap();
    let (presentation, _) = worker_answer(&f.world, &swapped, &f.world.holder, PartyAction::Sign);
    let (_, td_for_this) =
        worker_answer(&f.world, &swapped, &f.world.holder, PartyAction::Withdraw { reason: "changed my mind".into() });
    swapped.add_worker_entry(&presentation, &td_for_this).unwrap();
    assert_eq!(code(&swapped, &f, &expect()), "transaction_data_mismatch");
}

#[test]
fn nothing_may_be_signed_after_a_withdrawal_or_past_the_end() {
    let f = fixture();
    let mut signed = GeneralJws::new(&document()).unwrap();
    signed.sign_as_organisation("RX1", &PartyAction::Sign, NOW - 100, &f.world.issuer).unwrap();
    let withdraw = PartyAction::Withdraw { reason: "ward closed".into() };
    signed.sign_as_organisation(HOST, &withdraw, NOW - 50, &f.host).unwrap();
    assert_eq!(code(&signed, &f, &expect()), "ok", "a withdrawal is itself a verified entry");
    let (presentation, td) = worker_answer(&f.world, &signed, &f.world.holder, PartyAction::Sign);
    signed.add_worker_entry(&presentation, &td).unwrap();
    assert_eq!(code(&signed, &f, &expect()), "signed_after_withdrawal");

    let mut late = GeneralJws::new(&document()).unwrap();
    late.sign_as_organisation("RX1", &PartyAction::Sign, END + 1, &f.world.issuer).unwrap();
    assert_eq!(code(&late, &f, &expect()), "signed_after_end");

    let mut twice = GeneralJws::new(&document()).unwrap();
    twice.sign_as_organisation("RX1", &PartyAction::Sign, NOW - 100, &f.world.issuer).unwrap();
    twice.sign_as_organisation("RX1", &PartyAction::Sign, NOW - 90, &f.world.second).unwrap();
    assert_eq!(code(&twice, &f, &expect()), "duplicate_signature");
}

#[test]
fn every_error_has_a_distinct_stable_code() {
    let all = [
        AgreementError::Malformed(String::new()),
        AgreementError::NotCanonical,
        AgreementError::SignatureInvalid(0),
        AgreementError::NotAParty(0, String::new()),
        AgreementError::OrganisationNotTrusted(0, String::new()),
        AgreementError::KeyNotTrusted(0, String::new()),
        AgreementError::KeyRetired(0),
        AgreementError::WorkerCredentialInvalid(0, String::new()),
        AgreementError::WorkerNotEmployersCredential(0),
        AgreementError::WorkerMismatch(0),
        AgreementError::TransactionDataMismatch(0),
        AgreementError::SignedAfterWithdrawal(0),
        AgreementError::SignedAfterEnd(0),
        AgreementError::Duplicate(0, String::new()),
    ];
    let mut codes: Vec<&str> = all.iter().map(AgreementError::code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), all.len());
}
