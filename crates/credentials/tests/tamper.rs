//! The tamper matrix: every way we know to break a credential, a presentation, a status list or a
//! trust list, each rejected with its own stable reason code. One test per case; the name says
//! what was done, the assertion says which code must come back.

mod common;

use aws_lc_rs::hmac;
use common::*;
use credentials::b64;
use credentials::jws::Signer;
use credentials::sdjwt::{Disclosure, KeyBinding, SdJwt, kb};
use credentials::status::{self, StatusListTokenSpec};
use credentials::trust::TrustList;
use serde_json::{Value, json};

fn rejects(w: &World, input: &str, code: &str) {
    match w.verify(input) {
        Ok(v) => panic!("accepted, expected {code}: {v:?}"),
        Err(e) => assert_eq!(e.code(), code, "{e}"),
    }
}

/// Replaces part `i` (0 header, 1 payload, 2 signature) of the issuer-signed JWT.
fn with_jwt_part(input: &str, i: usize, part: &str) -> String {
    let (jwt, rest) = input.split_once('~').unwrap();
    let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
    parts[i] = part.to_owned();
    format!("{}~{rest}", parts.join("."))
}

fn jwt_part(input: &str, i: usize) -> Value {
    let jwt = input.split('~').next().unwrap();
    serde_json::from_slice(&b64::decode(jwt.split('.').nth(i).unwrap()).unwrap()).unwrap()
}

/// A presentation (with KB-JWT) made of a raw issuer JWT plus the given disclosures.
fn bind(w: &World, jwt: &str, disclosures: &[&str]) -> String {
    let mut s = format!("{jwt}~");
    for d in disclosures {
        s.push_str(d);
        s.push('~');
    }
    let k = kb::create(&s, &w.kb()).unwrap();
    s + &k
}

fn vc_header(w: &World) -> Value {
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

// ---- signature and algorithm ----

#[test]
fn issuer_signature_bit_flipped_is_signature_invalid() {
    let w = World::new();
    let p = w.presentation();
    let jwt = p.split('~').next().unwrap();
    let mut sig = b64::decode(jwt.split('.').nth(2).unwrap()).unwrap();
    sig[10] ^= 1;
    rejects(&w, &with_jwt_part(&p, 2, &b64::encode(sig)), "signature_invalid");
}

#[test]
fn issuer_signature_truncated_is_signature_invalid() {
    let w = World::new();
    let p = w.presentation();
    let jwt = p.split('~').next().unwrap();
    let sig = b64::decode(jwt.split('.').nth(2).unwrap()).unwrap();
    rejects(&w, &with_jwt_part(&p, 2, &b64::encode(&sig[..63])), "signature_invalid");
}

#[test]
fn payload_claim_edited_is_signature_invalid() {
    let w = World::new();
    let p = w.presentation();
    let mut payload = jwt_part(&p, 1);
    payload["exp"] = json!(NOW + 100 * 365 * 86_400);
    rejects(&w, &with_jwt_part(&p, 1, &b64::encode(serde_json::to_vec(&payload).unwrap())), "signature_invalid");
}

#[test]
fn payload_digest_swapped_for_a_forged_one_is_signature_invalid() {
    let w = World::new();
    let p = w.presentation();
    let mut payload = jwt_part(&p, 1);
    let forged = Disclosure::new("salt", Some("given_name"), &json!("Mallory"));
    payload["_sd"][0] = json!(forged.digest);
    rejects(&w, &with_jwt_part(&p, 1, &b64::encode(serde_json::to_vec(&payload).unwrap())), "signature_invalid");
}

#[test]
fn header_kid_swapped_to_another_trusted_key_is_signature_invalid() {
    let w = World::new();
    let p = w.presentation();
    let mut header = jwt_part(&p, 0);
    header["kid"] = json!(w.second.kid());
    rejects(&w, &with_jwt_part(&p, 0, &b64::encode(serde_json::to_vec(&header).unwrap())), "signature_invalid");
}

#[test]
fn alg_none_is_alg_not_allowed() {
    let w = World::new();
    let p = w.presentation();
    let header = json!({"alg": "none", "typ": "dc+sd-jwt", "kid": w.issuer.kid()});
    let p = with_jwt_part(&p, 0, &b64::encode(serde_json::to_vec(&header).unwrap()));
    rejects(&w, &with_jwt_part(&p, 2, ""), "alg_not_allowed");
}

#[test]
fn hs256_signed_with_the_issuer_public_key_as_secret_is_alg_not_allowed() {
    let w = World::new();
    let p = w.presentation();
    let header = json!({"alg": "HS256", "typ": "dc+sd-jwt", "kid": w.issuer.kid()});
    let h = b64::encode(serde_json::to_vec(&header).unwrap());
    let payload = p.split('~').next().unwrap().split('.').nth(1).unwrap();
    let secret = serde_json::to_vec(&w.issuer.public_jwk()).unwrap();
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &secret), format!("{h}.{payload}").as_bytes());
    let forged = with_jwt_part(&with_jwt_part(&p, 0, &h), 2, &b64::encode(tag.as_ref()));
    rejects(&w, &forged, "alg_not_allowed");
}

#[test]
fn rs256_header_is_alg_not_allowed() {
    let w = World::new();
    let header = json!({"alg": "RS256", "typ": "dc+sd-jwt", "kid": w.issuer.kid()});
    rejects(
        &w,
        &with_jwt_part(&w.presentation(), 0, &b64::encode(serde_json::to_vec(&header).unwrap())),
        "alg_not_allowed",
    );
}

#[test]
fn header_with_crit_is_header_invalid() {
    let w = World::new();
    let jwt = w.sign_raw(json!({"typ": "dc+sd-jwt", "crit": ["exp"]}), &w.base_payload(json!({})), &w.issuer);
    rejects(&w, &bind(&w, &jwt, &[]), "header_invalid");
}

#[test]
fn missing_kid_is_kid_missing() {
    let w = World::new();
    let mut header = jwt_part(&w.presentation(), 0);
    header.as_object_mut().unwrap().remove("kid");
    rejects(
        &w,
        &with_jwt_part(&w.presentation(), 0, &b64::encode(serde_json::to_vec(&header).unwrap())),
        "kid_missing",
    );
}

// ---- typing and registered claims ----

#[test]
fn plain_jwt_typ_is_typ_invalid() {
    let w = World::new();
    let jwt = w.sign_raw(json!({"typ": "JWT"}), &w.base_payload(json!({})), &w.issuer);
    rejects(&w, &bind(&w, &jwt, &[]), "typ_invalid");
}

#[test]
fn legacy_vc_sd_jwt_typ_is_typ_invalid_unless_allowed() {
    let w = World::new();
    let jwt = w.sign_raw(json!({"typ": "vc+sd-jwt"}), &w.base_payload(json!({})), &w.issuer);
    let p = bind(&w, &jwt, &[]);
    rejects(&w, &p, "typ_invalid");
    let opts = credentials::verify::VerifyOptions { accept_legacy_typ: true, ..w.opts() };
    assert!(w.verify_with(&p, &opts).is_ok());
}

#[test]
fn missing_vct_is_claim_missing() {
    let w = World::new();
    let mut payload = w.base_payload(json!({}));
    payload.as_object_mut().unwrap().remove("vct");
    rejects(&w, &bind(&w, &w.sign_raw(vc_header(&w), &payload, &w.issuer), &[]), "claim_missing");
}

#[test]
fn expired_credential_is_expired() {
    let w = World::new();
    let jwt = w.sign_raw(vc_header(&w), &w.base_payload(json!({"exp": NOW - 3600})), &w.issuer);
    rejects(&w, &bind(&w, &jwt, &[]), "expired");
}

#[test]
fn nbf_in_the_future_is_not_yet_valid() {
    let w = World::new();
    let jwt = w.sign_raw(vc_header(&w), &w.base_payload(json!({"nbf": NOW + 3600})), &w.issuer);
    rejects(&w, &bind(&w, &jwt, &[]), "not_yet_valid");
}

#[test]
fn iat_in_the_future_is_issued_in_future() {
    let w = World::new();
    let jwt = w.sign_raw(vc_header(&w), &w.base_payload(json!({"iat": NOW + 3600})), &w.issuer);
    rejects(&w, &bind(&w, &jwt, &[]), "issued_in_future");
}

#[test]
fn exp_as_a_string_is_payload_invalid() {
    let w = World::new();
    let jwt = w.sign_raw(vc_header(&w), &w.base_payload(json!({"exp": "tomorrow"})), &w.issuer);
    rejects(&w, &bind(&w, &jwt, &[]), "payload_invalid");
}

#[test]
fn input_without_any_tilde_is_malformed() {
    let w = World::new();
    let p = w.presentation();
    rejects(&w, p.split('~').next().unwrap(), "malformed");
}

#[test]
fn empty_disclosure_slot_is_malformed() {
    let w = World::new();
    let issued = w.issued();
    rejects(&w, &issued.replacen('~', "~~", 1), "malformed");
}

// ---- disclosures ----

#[test]
fn disclosure_value_edited_is_disclosure_unreferenced() {
    let w = World::new();
    let issued = w.issued();
    let sd = SdJwt::parse(&issued).unwrap();
    let given = sd.disclosures.iter().find(|d| d.name.as_deref() == Some("given_name")).unwrap();
    let edited = Disclosure::new(&given.salt, Some("given_name"), &json!("Mallory"));
    let jwt = &sd.jwt;
    rejects(&w, &bind(&w, jwt, &[&edited.encoded]), "disclosure_unreferenced");
}

#[test]
fn disclosure_reencoded_with_other_whitespace_is_disclosure_unreferenced() {
    let w = World::new();
    let sd = SdJwt::parse(&w.issued()).unwrap();
    let given = sd.disclosures.iter().find(|d| d.name.as_deref() == Some("given_name")).unwrap();
    // Same salt, name and value, compact JSON: a different text, so a different digest.
    let compact = b64::encode(format!(r#"["{}","given_name","Amara"]"#, given.salt));
    rejects(&w, &bind(&w, &sd.jwt, &[&compact]), "disclosure_unreferenced");
}

#[test]
fn disclosure_from_another_credential_is_disclosure_unreferenced() {
    let w = World::new();
    let mine = SdJwt::parse(&w.issued()).unwrap();
    let other = SdJwt::parse(&vc::issue_other(&w)).unwrap();
    let foreign = &other.disclosures[0].encoded;
    rejects(&w, &bind(&w, &mine.jwt, &[foreign]), "disclosure_unreferenced");
}

mod vc {
    use super::*;
    use rand::SeedableRng;

    /// The same claims issued again with other salts: its disclosures fit no digest of ours.
    pub fn issue_other(w: &World) -> String {
        credentials::vc::issue_vc(&w.spec(0), &w.issuer, &mut rand::rngs::StdRng::seed_from_u64(99)).unwrap()
    }
}

#[test]
fn child_disclosure_without_its_parent_is_disclosure_unreferenced() {
    let w = World::new();
    let sd = SdJwt::parse(&w.issued()).unwrap();
    let street = sd.disclosures.iter().find(|d| d.name.as_deref() == Some("street_address")).unwrap();
    rejects(&w, &bind(&w, &sd.jwt, &[&street.encoded]), "disclosure_unreferenced");
}

#[test]
fn disclosure_presented_twice_is_disclosure_duplicate() {
    let w = World::new();
    let sd = SdJwt::parse(&w.issued()).unwrap();
    let d = &sd.disclosures[0].encoded;
    rejects(&w, &bind(&w, &sd.jwt, &[d, d]), "disclosure_duplicate");
}

#[test]
fn disclosure_not_base64url_is_disclosure_malformed() {
    let w = World::new();
    let sd = SdJwt::parse(&w.issued()).unwrap();
    rejects(&w, &bind(&w, &sd.jwt, &["not+base64/"]), "disclosure_malformed");
}

#[test]
fn disclosure_of_four_elements_is_disclosure_malformed() {
    let w = World::new();
    let sd = SdJwt::parse(&w.issued()).unwrap();
    rejects(&w, &bind(&w, &sd.jwt, &[&b64::encode(r#"["s", "a", "b", "c"]"#)]), "disclosure_malformed");
}

#[test]
fn disclosure_dropped_after_key_binding_is_sd_hash_mismatch() {
    let w = World::new();
    let p = w.presentation();
    let (head, kb_jwt) = p.rsplit_once('~').unwrap();
    let mut parts: Vec<&str> = head.split('~').collect();
    parts.remove(1);
    rejects(&w, &format!("{}~{kb_jwt}", parts.join("~")), "sd_hash_mismatch");
}

#[test]
fn disclosure_added_after_key_binding_is_sd_hash_mismatch() {
    let w = World::new();
    let issued = w.issued();
    let sd = SdJwt::parse(&issued).unwrap();
    let p = w.present(&issued, &["/given_name"]);
    let birth = sd.disclosures.iter().find(|d| d.name.as_deref() == Some("birthdate")).unwrap();
    let (head, kb_jwt) = p.rsplit_once('~').unwrap();
    rejects(&w, &format!("{head}~{}~{kb_jwt}", birth.encoded), "sd_hash_mismatch");
}

#[test]
fn disclosures_reordered_after_key_binding_is_sd_hash_mismatch() {
    let w = World::new();
    let p = w.presentation();
    let (head, kb_jwt) = p.rsplit_once('~').unwrap();
    let mut parts: Vec<&str> = head.split('~').collect();
    parts.swap(1, 2);
    rejects(&w, &format!("{}~{kb_jwt}", parts.join("~")), "sd_hash_mismatch");
}

// ---- hostile issuer payloads (signed by a trusted key, so the SD rules themselves must hold) ----

#[test]
fn same_digest_twice_in_payload_is_digest_duplicate() {
    let w = World::new();
    let d = Disclosure::new("c2FsdA", Some("given_name"), &json!("Amara"));
    let jwt = w.sign_raw(vc_header(&w), &w.base_payload(json!({"_sd": [d.digest, d.digest]})), &w.issuer);
    rejects(&w, &bind(&w, &jwt, &[&d.encoded]), "digest_duplicate");
}

#[test]
fn disclosed_name_clashing_with_a_plain_claim_is_disclosure_claim_conflict() {
    let w = World::new();
    let d = Disclosure::new("c2FsdA", Some("given_name"), &json!("Mallory"));
    let payload = w.base_payload(json!({"given_name": "Amara", "_sd": [d.digest]}));
    rejects(&w, &bind(&w, &w.sign_raw(vc_header(&w), &payload, &w.issuer), &[&d.encoded]), "disclosure_claim_conflict");
}

#[test]
fn disclosure_named_underscore_sd_is_disclosure_reserved_name() {
    let w = World::new();
    let d = Disclosure::new("c2FsdA", Some("_sd"), &json!(["x"]));
    let payload = w.base_payload(json!({"_sd": [d.digest]}));
    rejects(&w, &bind(&w, &w.sign_raw(vc_header(&w), &payload, &w.issuer), &[&d.encoded]), "disclosure_reserved_name");
}

#[test]
fn disclosure_named_ellipsis_is_disclosure_reserved_name() {
    let w = World::new();
    let d = Disclosure::new("c2FsdA", Some("..."), &json!("x"));
    let payload = w.base_payload(json!({"_sd": [d.digest]}));
    rejects(&w, &bind(&w, &w.sign_raw(vc_header(&w), &payload, &w.issuer), &[&d.encoded]), "disclosure_reserved_name");
}

#[test]
fn exp_hidden_in_a_disclosure_is_disclosure_reserved_name() {
    let w = World::new();
    let d = Disclosure::new("c2FsdA", Some("exp"), &json!(NOW - 10));
    let mut payload = w.base_payload(json!({"_sd": [d.digest]}));
    payload.as_object_mut().unwrap().remove("exp");
    rejects(&w, &bind(&w, &w.sign_raw(vc_header(&w), &payload, &w.issuer), &[&d.encoded]), "disclosure_reserved_name");
}

#[test]
fn status_hidden_in_a_disclosure_is_disclosure_reserved_name() {
    let w = World::new();
    let d = Disclosure::new("c2FsdA", Some("status"), &json!({"status_list": {"idx": 1, "uri": STATUS_URI}}));
    let payload = w.base_payload(json!({"_sd": [d.digest]}));
    rejects(&w, &bind(&w, &w.sign_raw(vc_header(&w), &payload, &w.issuer), &[&d.encoded]), "disclosure_reserved_name");
}

#[test]
fn array_element_disclosure_in_sd_is_disclosure_wrong_shape() {
    let w = World::new();
    let d = Disclosure::new("c2FsdA", None, &json!("x"));
    let payload = w.base_payload(json!({"_sd": [d.digest]}));
    rejects(&w, &bind(&w, &w.sign_raw(vc_header(&w), &payload, &w.issuer), &[&d.encoded]), "disclosure_wrong_shape");
}

#[test]
fn member_disclosure_in_an_array_is_disclosure_wrong_shape() {
    let w = World::new();
    let d = Disclosure::new("c2FsdA", Some("n"), &json!("x"));
    let payload = w.base_payload(json!({"list": [{"...": d.digest}]}));
    rejects(&w, &bind(&w, &w.sign_raw(vc_header(&w), &payload, &w.issuer), &[&d.encoded]), "disclosure_wrong_shape");
}

#[test]
fn sd_that_is_not_an_array_is_sd_invalid() {
    let w = World::new();
    let payload = w.base_payload(json!({"_sd": "abc"}));
    rejects(&w, &bind(&w, &w.sign_raw(vc_header(&w), &payload, &w.issuer), &[]), "sd_invalid");
}

#[test]
fn array_placeholder_with_extra_members_is_sd_invalid() {
    let w = World::new();
    let payload = w.base_payload(json!({"list": [{"...": "abc", "x": 1}]}));
    rejects(&w, &bind(&w, &w.sign_raw(vc_header(&w), &payload, &w.issuer), &[]), "sd_invalid");
}

#[test]
fn sd_alg_sha512_is_sd_alg_unsupported() {
    let w = World::new();
    let payload = w.base_payload(json!({"_sd_alg": "sha-512"}));
    rejects(&w, &bind(&w, &w.sign_raw(vc_header(&w), &payload, &w.issuer), &[]), "sd_alg_unsupported");
}

// ---- key binding ----

#[test]
fn kb_jwt_missing_when_required_is_key_binding_required() {
    let w = World::new();
    let p = w.presentation();
    rejects(&w, &p[..=p.rfind('~').unwrap()], "key_binding_required");
}

#[test]
fn kb_jwt_with_wrong_nonce_is_nonce_mismatch() {
    let w = World::new();
    let kb = KeyBinding { nonce: "replayed-nonce", ..w.kb() };
    rejects(&w, &SdJwt::parse(&w.issued()).unwrap().present(&["/given_name"], Some(&kb)).unwrap(), "nonce_mismatch");
}

#[test]
fn kb_jwt_for_another_verifier_is_aud_mismatch() {
    let w = World::new();
    let kb = KeyBinding { aud: "https://elsewhere.example", ..w.kb() };
    rejects(&w, &SdJwt::parse(&w.issued()).unwrap().present(&["/given_name"], Some(&kb)).unwrap(), "aud_mismatch");
}

#[test]
fn kb_jwt_from_an_hour_ago_is_kb_iat_stale() {
    let w = World::new();
    let kb = KeyBinding { iat: NOW - 3600, ..w.kb() };
    rejects(&w, &SdJwt::parse(&w.issued()).unwrap().present(&["/given_name"], Some(&kb)).unwrap(), "kb_iat_stale");
}

#[test]
fn kb_jwt_from_the_future_is_kb_iat_in_future() {
    let w = World::new();
    let kb = KeyBinding { iat: NOW + 3600, ..w.kb() };
    rejects(&w, &SdJwt::parse(&w.issued()).unwrap().present(&["/given_name"], Some(&kb)).unwrap(), "kb_iat_in_future");
}

#[test]
fn kb_jwt_signed_by_a_key_other_than_cnf_is_kb_signature_invalid() {
    let w = World::new();
    let kb = KeyBinding { signer: &w.stranger, ..w.kb() };
    rejects(
        &w,
        &SdJwt::parse(&w.issued()).unwrap().present(&["/given_name"], Some(&kb)).unwrap(),
        "kb_signature_invalid",
    );
}

#[test]
fn kb_jwt_with_plain_jwt_typ_is_kb_typ_invalid() {
    let w = World::new();
    let shown = SdJwt::parse(&w.issued()).unwrap().present(&["/given_name"], None).unwrap();
    let payload = json!({"iat": NOW, "aud": AUD, "nonce": NONCE, "sd_hash": kb::sd_hash(&shown)});
    let kb_jwt = w.sign_raw(json!({"typ": "JWT"}), &payload, &w.holder);
    rejects(&w, &format!("{shown}{kb_jwt}"), "kb_typ_invalid");
}

#[test]
fn kb_jwt_with_alg_none_is_alg_not_allowed() {
    let w = World::new();
    let shown = SdJwt::parse(&w.issued()).unwrap().present(&["/given_name"], None).unwrap();
    let h = b64::encode(r#"{"alg":"none","typ":"kb+jwt"}"#);
    let p = b64::encode(
        serde_json::to_vec(&json!({"iat": NOW, "aud": AUD, "nonce": NONCE, "sd_hash": kb::sd_hash(&shown)})).unwrap(),
    );
    rejects(&w, &format!("{shown}{h}.{p}."), "alg_not_allowed");
}

#[test]
fn kb_jwt_without_nonce_is_kb_claim_missing() {
    let w = World::new();
    let shown = SdJwt::parse(&w.issued()).unwrap().present(&["/given_name"], None).unwrap();
    let payload = json!({"iat": NOW, "aud": AUD, "sd_hash": kb::sd_hash(&shown)});
    let kb_jwt = w.sign_raw(json!({"typ": "kb+jwt"}), &payload, &w.holder);
    rejects(&w, &format!("{shown}{kb_jwt}"), "kb_claim_missing");
}

#[test]
fn kb_sd_hash_without_the_trailing_tilde_is_sd_hash_mismatch() {
    let w = World::new();
    let shown = SdJwt::parse(&w.issued()).unwrap().present(&["/given_name"], None).unwrap();
    let payload = json!({"iat": NOW, "aud": AUD, "nonce": NONCE, "sd_hash": kb::sd_hash(shown.trim_end_matches('~'))});
    let kb_jwt = w.sign_raw(json!({"typ": "kb+jwt"}), &payload, &w.holder);
    rejects(&w, &format!("{shown}{kb_jwt}"), "sd_hash_mismatch");
}

#[test]
fn kb_jwt_on_a_credential_without_cnf_is_cnf_missing() {
    let w = World::new();
    let mut payload = w.base_payload(json!({}));
    payload.as_object_mut().unwrap().remove("cnf");
    rejects(&w, &bind(&w, &w.sign_raw(vc_header(&w), &payload, &w.issuer), &[]), "cnf_missing");
}

// ---- status ----

#[test]
fn revoked_credential_is_revoked() {
    let w = World::new();
    let issued = w.issue_with(&w.spec(1), &w.issuer);
    rejects(&w, &w.present(&issued, &["/given_name"]), "revoked");
}

#[test]
fn suspended_credential_is_suspended() {
    let w = World::new();
    let issued = w.issue_with(&w.spec(2), &w.issuer);
    rejects(&w, &w.present(&issued, &["/given_name"]), "suspended");
}

#[test]
fn application_specific_status_is_status_unknown() {
    let w = World::new();
    let issued = w.issue_with(&w.spec(3), &w.issuer);
    rejects(&w, &w.present(&issued, &["/given_name"]), "status_unknown");
}

#[test]
fn index_beyond_the_list_is_status_index_out_of_range() {
    let w = World::new();
    let issued = w.issue_with(&w.spec(1_000_000), &w.issuer);
    rejects(&w, &w.present(&issued, &["/given_name"]), "status_index_out_of_range");
}

#[test]
fn status_list_uri_unknown_is_status_unavailable() {
    let w = World::new();
    let status = json!({"status_list": {"idx": 0, "uri": "https://rx1.passport.example.nhs.uk/status/404"}});
    let jwt = w.sign_raw(vc_header(&w), &w.base_payload(json!({"status": status})), &w.issuer);
    rejects(&w, &bind(&w, &jwt, &[]), "status_unavailable");
}

#[test]
fn status_claim_without_uri_is_status_claim_invalid() {
    let w = World::new();
    let jwt = w.sign_raw(vc_header(&w), &w.base_payload(json!({"status": {"status_list": {"idx": 0}}})), &w.issuer);
    rejects(&w, &bind(&w, &jwt, &[]), "status_claim_invalid");
}

#[test]
fn status_list_token_with_flipped_signature_is_status_list_signature_invalid() {
    let w = World::new();
    let list = w.status.lists[STATUS_URI].clone();
    let spec =
        StatusListTokenSpec { uri: STATUS_URI, iss: Some(ISSUER), iat: NOW, exp: Some(NOW + 3600), ttl: Some(300) };
    let token = status::issue_status_list_token(&list, &spec, &w.issuer).unwrap();
    let key = credentials::jws::VerifyingKey::from_jwk(&w.issuer.public_jwk()).unwrap();
    assert!(status::verify_status_list_token(&token, STATUS_URI, &key, NOW).is_ok());
    let forged = status::issue_status_list_token(&list, &spec, &w.stranger).unwrap();
    let err = status::verify_status_list_token(&forged, STATUS_URI, &key, NOW).unwrap_err();
    assert_eq!(err.code(), "status_list_signature_invalid");
}

#[test]
fn status_list_token_for_another_uri_is_status_list_invalid() {
    let w = World::new();
    let list = w.status.lists[STATUS_URI].clone();
    let spec = StatusListTokenSpec {
        uri: "https://rx1.passport.example.nhs.uk/status/2",
        iss: None,
        iat: NOW,
        exp: None,
        ttl: None,
    };
    let token = status::issue_status_list_token(&list, &spec, &w.issuer).unwrap();
    let key = credentials::jws::VerifyingKey::from_jwk(&w.issuer.public_jwk()).unwrap();
    assert_eq!(
        status::verify_status_list_token(&token, STATUS_URI, &key, NOW).unwrap_err().code(),
        "status_list_invalid"
    );
}

#[test]
fn status_list_token_past_exp_is_status_list_expired() {
    let w = World::new();
    let list = w.status.lists[STATUS_URI].clone();
    let spec = StatusListTokenSpec { uri: STATUS_URI, iss: None, iat: NOW - 7200, exp: Some(NOW - 3600), ttl: None };
    let token = status::issue_status_list_token(&list, &spec, &w.issuer).unwrap();
    let key = credentials::jws::VerifyingKey::from_jwk(&w.issuer.public_jwk()).unwrap();
    assert_eq!(
        status::verify_status_list_token(&token, STATUS_URI, &key, NOW).unwrap_err().code(),
        "status_list_expired"
    );
}

// ---- trust ----

#[test]
fn issuer_not_on_the_trust_list_is_issuer_not_trusted() {
    let w = World::new();
    let mut spec = w.spec(0);
    spec.iss = "https://rogue.example".into();
    rejects(&w, &w.present(&w.issue_with(&spec, &w.stranger), &["/given_name"]), "issuer_not_trusted");
}

#[test]
fn issuer_removed_from_the_trust_list_is_issuer_not_trusted() {
    let w = World::new();
    let mut spec = w.spec(0);
    spec.iss = REMOVED_ISSUER.into();
    rejects(&w, &w.present(&w.issue_with(&spec, &w.stranger), &["/given_name"]), "issuer_not_trusted");
}

#[test]
fn suspended_issuer_is_issuer_suspended() {
    let w = World::new();
    let mut spec = w.spec(0);
    spec.iss = SUSPENDED_ISSUER.into();
    rejects(&w, &w.present(&w.issue_with(&spec, &w.stranger), &["/given_name"]), "issuer_suspended");
}

#[test]
fn key_rotated_out_of_the_trust_list_is_key_not_trusted() {
    let w = World::new();
    // A trusted issuer name, signed with a key the list does not (or no longer) name.
    rejects(&w, &w.present(&w.issue_with(&w.spec(0), &w.stranger), &["/given_name"]), "key_not_trusted");
}

#[test]
fn retired_key_signing_after_retirement_is_key_retired() {
    let w = World::new();
    let mut spec = w.spec(0);
    spec.iat = RETIRED_AT + 60;
    rejects(&w, &w.present(&w.issue_with(&spec, &w.retired), &["/given_name"]), "key_retired");
}

#[test]
fn retired_key_still_verifies_what_it_signed_before_retirement() {
    let w = World::new();
    let mut spec = w.spec(0);
    spec.iat = RETIRED_AT - 60;
    spec.nbf = None;
    assert!(w.verify(&w.present(&w.issue_with(&spec, &w.retired), &["/given_name"])).is_ok());
}

#[test]
fn trust_list_with_edited_payload_is_trust_list_signature_invalid() {
    let w = World::new();
    let mut parts: Vec<String> = w.trust_token.split('.').map(str::to_owned).collect();
    let mut list = w.trust_list.clone();
    list.organisations[1].status = credentials::trust::OrgStatus::Active;
    parts[1] = b64::encode(serde_json::to_vec(&list).unwrap());
    let err = TrustList::verify(&parts.join("."), &w.operator.public_jwk(), NOW).unwrap_err();
    assert_eq!(err.code(), "trust_list_signature_invalid");
}

#[test]
fn trust_list_signed_by_someone_else_is_trust_list_signature_invalid() {
    let w = World::new();
    let token = w.trust_list.sign(&w.stranger).unwrap();
    let err = TrustList::verify(&token, &w.operator.public_jwk(), NOW).unwrap_err();
    assert_eq!(err.code(), "trust_list_signature_invalid");
}

#[test]
fn trust_list_past_exp_is_trust_list_expired() {
    let w = World::new();
    let err = TrustList::verify(&w.trust_token, &w.operator.public_jwk(), NOW + 2 * 86_400).unwrap_err();
    assert_eq!(err.code(), "trust_list_expired");
}

#[test]
fn trust_list_with_alg_none_is_alg_not_allowed() {
    let w = World::new();
    let mut parts: Vec<&str> = w.trust_token.split('.').collect();
    let h = b64::encode(r#"{"alg":"none","typ":"trustlist+jwt"}"#);
    parts[0] = &h;
    parts[2] = "";
    let err = TrustList::verify(&parts.join("."), &w.operator.public_jwk(), NOW).unwrap_err();
    assert_eq!(err.code(), "alg_not_allowed");
}
