//! Golden tests on the specifications' own examples, stored byte for byte under `tests/vectors/`:
//! RFC 9901 §4.2.1, §4.2.2, §4.2.3 and the §5.1 / §5.2 issuance and presentation (whose
//! signatures we verify with the RFC's keys), and the status list draft's §4.1 lists.

use credentials::jws::{CompactJws, Jwk, VerifyingKey};
use credentials::sdjwt::{self, Disclosure, KbExpectations, process};
use credentials::status::StatusList;
use serde_json::Value;

fn vector(path: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/vectors/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn json(path: &str) -> Value {
    serde_json::from_str(&vector(path)).unwrap()
}

#[test]
fn rfc9901_disclosures_are_rebuilt_byte_for_byte_from_salt_name_and_value() {
    let v = json("rfc9901/disclosures.json");
    let vectors = v["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 12);
    for t in vectors {
        let d = Disclosure::new(t["salt"].as_str().unwrap(), t["name"].as_str(), &t["value"]);
        assert_eq!(d.encoded, t["disclosure"].as_str().unwrap(), "§{} {}", t["section"], t["contents"]);
        assert_eq!(d.digest, t["digest"].as_str().unwrap(), "§{} {}", t["section"], t["contents"]);
        let parsed = Disclosure::parse(t["disclosure"].as_str().unwrap()).unwrap();
        assert_eq!(parsed, d);
    }
}

#[test]
fn rfc9901_5_1_issuer_signature_verifies_and_all_disclosures_restore_the_input_claims() {
    let keys = json("rfc9901/keys_and_claims.json");
    let issued = vector("rfc9901/sd_jwt_5_1.txt");
    let split = sdjwt::split(issued.trim()).unwrap();
    assert_eq!(split.disclosures.len(), 10);
    let jws = CompactJws::parse(split.jwt).unwrap();
    let issuer: Jwk = serde_json::from_value(keys["issuer"].clone()).unwrap();
    assert!(jws.verify_with(&VerifyingKey::from_jwk(&issuer).unwrap()).unwrap());
    let payload = serde_json::from_slice(&jws.payload).unwrap();
    let claims = process::process(payload, &split.disclosures).unwrap();
    assert_eq!(Value::Object(claims), keys["claims_5_1"]);
}

#[test]
fn rfc9901_5_2_presentation_key_binding_verifies_with_the_rfc_sd_hash() {
    let keys = json("rfc9901/keys_and_claims.json");
    let presented = vector("rfc9901/presentation_5_2.txt");
    let split = sdjwt::split(presented.trim()).unwrap();
    assert_eq!(split.disclosures.len(), 4);
    let kb_jwt = split.kb_jwt.unwrap();
    assert_eq!(sdjwt::kb::sd_hash(split.presented), "0_Af-2B-EhLWX5ydh_w2xzwmO6iM66B_2QCEanI4fUY");
    let holder: Jwk = serde_json::from_value(keys["holder"].clone()).unwrap();
    let expect = KbExpectations {
        nonce: keys["kb"]["nonce"].as_str(),
        aud: keys["kb"]["aud"].as_str(),
        now: keys["kb"]["iat"].as_i64().unwrap(),
        iat_window: 300,
        clock_skew: 0,
    };
    sdjwt::kb::verify(kb_jwt, split.presented, &holder, &expect).unwrap();
    // The same KB-JWT under another nonce, or over one disclosure fewer, is refused.
    let other = KbExpectations { nonce: Some("other"), ..expect };
    assert_eq!(sdjwt::kb::verify(kb_jwt, split.presented, &holder, &other).unwrap_err().code(), "nonce_mismatch");
    let shorter = split.presented.rsplitn(3, '~').nth(2).unwrap().to_owned() + "~";
    assert_eq!(sdjwt::kb::verify(kb_jwt, &shorter, &holder, &expect).unwrap_err().code(), "sd_hash_mismatch");

    let payload = serde_json::from_slice(&CompactJws::parse(split.jwt).unwrap().payload).unwrap();
    let claims = process::process(payload, &split.disclosures).unwrap();
    assert_eq!(Value::Object(claims), keys["claims_5_2"]);
}

#[test]
fn status_list_draft_examples_encode_and_decode() {
    let v = json("status_list/examples.json");
    for t in v["vectors"].as_array().unwrap() {
        let bits = t["bits"].as_u64().unwrap() as u8;
        let statuses: Vec<u8> = t["statuses"].as_array().unwrap().iter().map(|s| s.as_u64().unwrap() as u8).collect();
        let mut list = StatusList::new(statuses.len(), bits).unwrap();
        for (i, s) in statuses.iter().enumerate() {
            list.set(i, *s).unwrap();
        }
        let hex: String = list.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, t["bytes_hex"].as_str().unwrap());
        let lst = t["lst"].as_str().unwrap();
        let decoded = StatusList::from_lst(bits, lst, 1024).unwrap();
        assert_eq!(decoded, list);
        for (i, s) in statuses.iter().enumerate() {
            assert_eq!(decoded.get(i), Some(*s));
        }
        // Our zlib output is the draft's byte for byte (best compression, as in the draft).
        assert_eq!(list.to_lst(), lst);
    }
}
