//! Tamper cases: every way of breaking a disclosure, and hostile issuer payloads that break the
//! RFC 9901 §7.1 rules even though their signature is good.

use super::*;

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

#[test]
fn disclosure_value_with_a_duplicate_member_is_disclosure_malformed() {
    let w = World::new();
    let text = r#"["c2FsdA", "address", {"locality": "Leeds", "locality": "York"}]"#;
    let encoded = b64::encode(text);
    let digest = credentials::sdjwt::disclosure::digest(&encoded);
    let payload = w.base_payload(json!({"_sd": [digest]}));
    rejects(&w, &bind(&w, &w.sign_raw(vc_header(&w), &payload, &w.issuer), &[&encoded]), "disclosure_malformed");
}
