//! Tamper cases: status list (revoked, suspended, bad tokens) and trust list (unknown, suspended,
//! removed issuers, rotated-out and retired keys, bad signatures).

use super::*;

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
    let list = w.status.lists[STATUS_URI].1.clone();
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
    let list = w.status.lists[STATUS_URI].1.clone();
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
    let list = w.status.lists[STATUS_URI].1.clone();
    let spec = StatusListTokenSpec { uri: STATUS_URI, iss: None, iat: NOW - 7200, exp: Some(NOW - 3600), ttl: None };
    let token = status::issue_status_list_token(&list, &spec, &w.issuer).unwrap();
    let key = credentials::jws::VerifyingKey::from_jwk(&w.issuer.public_jwk()).unwrap();
    assert_eq!(
        status::verify_status_list_token(&token, STATUS_URI, &key, NOW).unwrap_err().code(),
        "status_list_expired"
    );
}

#[test]
fn status_list_held_from_another_issuer_is_status_list_issuer_mismatch() {
    // The verifier holds a genuine list at the credential's status URI, but signed by another
    // issuer: it must not read the credential's status from it.
    let mut w = World::new();
    let list = w.status.lists[STATUS_URI].1.clone();
    w.status.insert(SUSPENDED_ISSUER, STATUS_URI, list);
    let issued = w.issue_with(&w.spec(0), &w.issuer);
    rejects(&w, &w.present(&issued, &["/given_name"]), "status_list_issuer_mismatch");
}

#[test]
fn status_list_token_of_another_issuer_is_status_list_issuer_mismatch() {
    let w = World::new();
    let list = w.status.lists[STATUS_URI].1.clone();
    let own = StatusListTokenSpec { uri: STATUS_URI, iss: Some(ISSUER), iat: NOW, exp: Some(NOW + 3600), ttl: None };
    let token = status::issue_status_list_token(&list, &own, &w.issuer).unwrap();
    let verified = status::verify_issuer_status_list(&token, STATUS_URI, ISSUER, &w.trust, NOW).unwrap();
    assert_eq!(verified.iss.as_deref(), Some(ISSUER));
    // Signed by a key the trust list gives another organisation, for this issuer's credential.
    let other = StatusListTokenSpec { iss: Some(SUSPENDED_ISSUER), ..own.clone() };
    let token = status::issue_status_list_token(&list, &other, &w.stranger).unwrap();
    let err = status::verify_issuer_status_list(&token, STATUS_URI, ISSUER, &w.trust, NOW).unwrap_err();
    assert_eq!(err.code(), "status_list_issuer_mismatch");
    // Signed with the issuer's key but naming another issuer.
    let token = status::issue_status_list_token(&list, &other, &w.issuer).unwrap();
    let err = status::verify_issuer_status_list(&token, STATUS_URI, ISSUER, &w.trust, NOW).unwrap_err();
    assert_eq!(err.code(), "status_list_issuer_mismatch");
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
