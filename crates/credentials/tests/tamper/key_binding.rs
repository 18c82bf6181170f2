//! Tamper cases: the KB-JWT (RFC 9901 §4.3, §7.3).

use super::*;

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
