//! Tamper cases: the issuer signature, `alg` confusion, JOSE header, `typ` and registered claims.

use super::*;

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

#[test]
fn payload_with_a_duplicate_iss_is_payload_invalid() {
    let w = World::new();
    // Signed as is: a lax parser would keep the last `iss`, a strict one the first.
    let text = format!(
        r#"{{"iss":"{ISSUER}","vct":"{VCT}","iat":{},"iss":"https://rogue.example","_sd_alg":"sha-256"}}"#,
        NOW - 60
    );
    let header = json!({"typ": "dc+sd-jwt"}).as_object().cloned().unwrap();
    let jwt = credentials::jws::sign_compact(header, text.as_bytes(), &w.issuer).unwrap();
    let opts = credentials::verify::VerifyOptions { require_key_binding: false, ..w.opts() };
    let err = w.verify_with(&format!("{jwt}~"), &opts).unwrap_err();
    assert_eq!(err.code(), "payload_invalid", "{err}");
}

#[test]
fn header_with_a_duplicate_alg_is_header_invalid() {
    let w = World::new();
    let h = b64::encode(format!(r#"{{"alg":"ES256","typ":"dc+sd-jwt","kid":"{}","alg":"none"}}"#, w.issuer.kid()));
    rejects(&w, &with_jwt_part(&w.presentation(), 0, &h), "header_invalid");
}
